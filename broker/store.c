#include "store.h"
#include "db.h"
#include "dedupe.h"
#include "eventjson.h"
#include "err.h"
#include "log.h"

#include <assert.h>
#include <libpq-fe.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct kn_store {
    char *conninfo; /* as configured */
    PGconn *conn;   /* NULL while disconnected */
    /* the batch being written, from kn_store_begin() to its end */
    kn_inbound_t **pending; /* its messages not known to be stored already */
    size_t npending;
    size_t nevents;                /* events sent with them */
    kn_arena_t *arena;             /* the batch's arena */
    int attempt;                   /* writes after repeats were found */
    const kn_store_extra_t *extra; /* the rules' rows that go with the batch */
    bool busy;                     /* a pipeline is out, its results not all read */
    bool failed, repeat, data;     /* what the results said */
};

kn_store_t *kn_store_new(const char *conninfo)
{
    kn_store_t *self = calloc(1, sizeof *self);
    if (!self)
        return NULL;
    self->conninfo = strdup(conninfo);
    if (!self->conninfo) {
        free(self);
        return NULL;
    }
    return self;
}

static bool s_connection_lost(kn_store_t *self)
{
    return PQstatus(self->conn) != CONNECTION_OK;
}

static void s_disconnect(kn_store_t *self)
{
    if (self->conn)
        PQfinish(self->conn);
    self->conn = NULL;
    self->busy = false;
}

void kn_store_destroy(kn_store_t **self)
{
    if (!self || !*self)
        return;
    s_disconnect(*self);
    free((*self)->conninfo);
    free(*self);
    *self = NULL;
}

/* A batch goes as one binary array per column and is unnested on the server:
 * a fixed number of parameters whatever the batch size, nothing to parse per
 * row.  The whole batch — journal, events, decisions, visits, instructions,
 * notifications — is one statement of data-modifying CTEs: per statement,
 * PostgreSQL binds, plans and starts an executor, about 40 µs each, which
 * with one message in flight per party cost more than the rows themselves
 * (six statements for four messages).  None of the CTEs reads what another
 * writes, so sharing one snapshot changes nothing; closing visits, which must
 * see the upserted rows, is a second statement, sent only when a visit ends.
 * The journal's CTE runs first (the final WHERE reads it before anything
 * else): a message stored before must fail the batch on inbound's unique key,
 * which s_receive() takes as a repeat, before any data error of the events or
 * the rules' rows could — otherwise PostgreSQL runs the CTEs last to first.
 *
 * unnest() in the select list (ProjectSet), not in FROM: a FROM function
 * scan materialises every row in a tuplestore first.  The arrays of a
 * CTE all have the same length, so they are walked in step.
 *
 * Each event also goes, as a DCSA callback body, to every subscription whose
 * filters it passes; every notification row wakes kouan notify with a NOTIFY.
 * A visit's open row is brought up to date, or created, through the unique
 * index of open visits, whatever the planner thinks of the table (a row
 * inserted closed would be outside that partial index and escape the
 * conflict: visits are closed by the statement after).  An instruction the
 * broker sends as soon as the batch commits is stored as sent once:
 * redelivered after redeliver_ms like any other if not acked. */
enum {
    S_INBOUND_COLS = 9,
    S_EVENT_COLS = 24,
    S_DECISION_COLS = 11,
    S_VISIT_COLS = 7,
    S_INSTRUCTION_COLS = 7,
    S_OUTBOX_COLS = 5,
    S_BATCH_PARAMS = S_INBOUND_COLS + S_EVENT_COLS + S_DECISION_COLS + S_VISIT_COLS +
                     S_INSTRUCTION_COLS + S_OUTBOX_COLS
};

static const char s_write_batch[] =
    "WITH inb AS (INSERT INTO inbound (party, msg_id, content_type, payload, status, error_code, "
    "reason, events, warnings) SELECT unnest($1::text[]), unnest($2::text[]), unnest($3::text[]), "
    "unnest($4::bytea[]), unnest($5::text[]), unnest($6::text[]), unnest($7::text[]), "
    "unnest($8::int4[]), unnest($9::text[]) RETURNING 1), "
    "ev AS (INSERT INTO event (party, msg_id, seq, event_type, event_code, classifier, withdrawn, "
    "event_datetime, equipment_reference, transport_document_reference, "
    "carrier_booking_reference, voyage, vessel_imo, has_warnings, detail, message_ref, "
    "iso_equipment_code, document_type_code, exam_type, tax_status, entry_id, facility_code, "
    "vessel_name, agent_code) "
    "SELECT unnest($10::text[]), unnest($11::text[]), unnest($12::int4[]), unnest($13::text[]), "
    "unnest($14::text[]), unnest($15::text[]), unnest($16::bool[]), "
    "unnest($17::text[])::timestamptz, unnest($18::text[]), unnest($19::text[]), "
    "unnest($20::text[]), unnest($21::text[]), unnest($22::text[]), unnest($23::bool[]), "
    "unnest($24::text[])::json, unnest($25::text[]), unnest($26::text[]), unnest($27::text[]), "
    "unnest($28::text[]), unnest($29::text[]), unnest($30::text[]), unnest($31::text[]), "
    "unnest($32::text[]), unnest($33::text[]) RETURNING id, event_type, equipment_reference, "
    "transport_document_reference, detail), "
    "sub AS (INSERT INTO outbox (notification_id, endpoint, order_key, kind, body) "
    "SELECT 'dcsa-' || s.id || '-' || ev.id, 'subscription:' || s.id, "
    "'subscription:' || s.id || ':' || coalesce(ev.equipment_reference, "
    "ev.transport_document_reference, ''), 'dcsa-event', '[' || ev.detail::text || ']' "
    "FROM ev JOIN subscription s ON s.disabled_at IS NULL "
    "AND (s.equipment_reference IS NULL OR s.equipment_reference = ev.equipment_reference) "
    "AND (s.transport_document_reference IS NULL "
    "OR s.transport_document_reference = ev.transport_document_reference) "
    "AND (s.event_types IS NULL OR ev.event_type = ANY (s.event_types)) RETURNING 1), "
    "dec AS (INSERT INTO decision (equipment_reference, party, msg_id, decision_table, rules, "
    "inputs, route, reason, action, note, instruction_id) SELECT unnest($34::text[]), "
    "unnest($35::text[]), unnest($36::text[]), unnest($37::text[]), unnest($38::text[]), "
    "unnest($39::text[])::json, unnest($40::text[]), unnest($41::text[]), unnest($42::text[]), "
    "unnest($43::text[]), unnest($44::text[])), "
    "vis AS (INSERT INTO visit (equipment_reference, direction, phase, route, sent_route, "
    "slot_area, slot_start) SELECT unnest($45::text[]), unnest($46::text[]), "
    "unnest($47::text[]), unnest($48::text[]), unnest($49::text[]), unnest($50::text[]), "
    "unnest($51::text[])::timestamptz "
    "ON CONFLICT (equipment_reference) WHERE closed_at IS NULL DO UPDATE SET "
    "direction = excluded.direction, phase = excluded.phase, route = excluded.route, "
    "sent_route = excluded.sent_route, slot_area = excluded.slot_area, "
    "slot_start = excluded.slot_start, updated_at = now()), "
    "ins AS (INSERT INTO instruction (party, instruction_id, equipment_reference, route, "
    "content_type, payload, sent_at, attempts) SELECT p, i, e, ro, c, pl, "
    "CASE WHEN s THEN now() END, s::int FROM (SELECT unnest($52::text[]), unnest($53::text[]), "
    "unnest($54::text[]), unnest($55::text[]), unnest($56::text[]), unnest($57::bytea[]), "
    "unnest($58::bool[]) AS s) AS r(p, i, e, ro, c, pl, s)), "
    "obx AS (INSERT INTO outbox (notification_id, endpoint, order_key, kind, body) "
    "SELECT unnest($59::text[]), unnest($60::text[]), unnest($61::text[]), unnest($62::text[]), "
    "unnest($63::text[]) RETURNING 1) "
    "SELECT pg_notify('kouan_outbox', '') FROM (SELECT 1 FROM sub UNION ALL SELECT 1 FROM obx "
    "LIMIT 1) AS any_row WHERE (SELECT count(*) FROM inb) >= 0";

static const char s_close_visits[] =
    "UPDATE visit SET closed_at = now(), updated_at = now() "
    "WHERE equipment_reference = ANY($1::text[]) AND closed_at IS NULL";

/* The events of the current visit of each box — its own and its bills', since
 * its last visit closed (a tax payment may well predate the visit it counts
 * for) — oldest first, and the route in force.  Each box is
 * looked up on its own through the indexes (LATERAL ... OFFSET 0 keeps the
 * subqueries from being flattened into joins): a batch names a few hundred
 * boxes out of tables of millions, and a hash join over the whole of visit or
 * event — what the planner picks when its statistics lag behind a fast-growing
 * table — costs a hundred milliseconds on every batch. */
static const char s_load_visits[] =
    "WITH b AS MATERIALIZED (SELECT b.box, b.bill, v.sent_route, v.slot_area, v.phase, "
    "(extract(epoch FROM v.slot_start) * 1000)::int8 AS slot_ms, "
    "coalesce(c.since, '-infinity') AS since "
    "FROM unnest($1::text[], $2::text[]) AS b(box, bill) "
    "LEFT JOIN LATERAL (SELECT v.sent_route, v.slot_area, v.slot_start, v.phase FROM visit v "
    "WHERE v.equipment_reference = b.box AND v.closed_at IS NULL OFFSET 0) v ON true "
    "LEFT JOIN LATERAL (SELECT max(c.closed_at) + interval '1 microsecond' AS since "
    "FROM visit c WHERE c.equipment_reference = b.box OFFSET 0) c ON true), "
    "bills AS (SELECT b.box, b.bill, b.since FROM b WHERE b.bill IS NOT NULL UNION "
    "SELECT b.box, x.bill, b.since FROM b CROSS JOIN LATERAL (SELECT "
    "x.transport_document_reference AS bill FROM event x WHERE x.equipment_reference = b.box "
    "AND x.transport_document_reference IS NOT NULL OFFSET 0) x), "
    "facts AS ("
    "SELECT b.box, b.sent_route, b.slot_area, b.slot_ms, b.phase AS visit_phase, e.* "
    "FROM b CROSS JOIN LATERAL (SELECT * "
    "FROM event e "
    "WHERE e.equipment_reference = b.box AND e.created_at >= b.since OFFSET 0) e "
    "UNION ALL "
    "SELECT bills.box, NULL, NULL, NULL, NULL, e.* FROM bills CROSS JOIN LATERAL (SELECT * FROM "
    "event e "
    "WHERE e.transport_document_reference = bills.bill AND e.equipment_reference IS NULL "
    "AND e.created_at >= bills.since OFFSET 0) e) "
    "SELECT f.box, f.event_type, f.event_code, f.classifier, f.withdrawn, "
    "to_char(f.event_datetime AT TIME ZONE 'Asia/Shanghai', "
    "'YYYY-MM-DD\"T\"HH24:MI:SS\"+08:00\"'), "
    "f.message_ref, f.iso_equipment_code, f.transport_document_reference, "
    "f.carrier_booking_reference, f.document_type_code, f.exam_type, f.tax_status, f.entry_id, "
    "f.voyage, f.vessel_imo, f.vessel_name, f.facility_code, f.sent_route, f.slot_area, "
    "f.slot_ms, f.visit_phase "
    "FROM facts f ORDER BY f.id";

/* The boxes known to travel on these bills. */
static const char s_boxes_of_bills[] =
    "SELECT DISTINCT equipment_reference, transport_document_reference FROM event "
    "WHERE transport_document_reference = ANY($1::text[]) AND equipment_reference IS NOT NULL";

/* Instructions due for a party, marked as sent in the same statement. */
static const char s_instructions_due[] =
    "UPDATE instruction SET sent_at = now(), attempts = attempts + 1 WHERE id IN ("
    "SELECT id FROM instruction WHERE party = $1 AND acked_at IS NULL AND "
    "(sent_at IS NULL OR sent_at < now() - $2::bigint * interval '1 millisecond') "
    "ORDER BY id LIMIT $3::int) RETURNING id, instruction_id, content_type, payload";

/* Instructions stored as sent that could not go straight out: due again now,
 * so that s_deliver() sends them in their order. */
static const char s_instructions_unsent[] =
    "UPDATE instruction SET sent_at = NULL, attempts = greatest(attempts - 1, 0) "
    "WHERE instruction_id = ANY($1::text[]) AND acked_at IS NULL";

static const char s_instructions_acked[] =
    "UPDATE instruction SET acked_at = now() WHERE party = $1 AND instruction_id = ANY($2::text[]) "
    "AND acked_at IS NULL";

/* Which messages of a batch are stored already, with their outcome. */
static const char s_lookup_inbound[] =
    "SELECT i.party, i.msg_id, i.status, i.error_code, i.reason, i.events, i.warnings "
    "FROM inbound i JOIN unnest($1::text[], $2::text[]) AS k(party, msg_id) "
    "ON i.party = k.party AND i.msg_id = k.msg_id";

/* Prepare the statements once per connection: parsed once, and after five
 * runs planned once too (a generic plan).  None of them depends on its
 * arrays' sizes any more: each goes through an index row by row (ON
 * CONFLICT, = ANY, the lookups LATERAL), so replanning five statements per
 * batch only cost time — about 0.4 ms a batch with one message in flight per
 * party (bench/run.sh: 8 x 1 p50 2.4 -> 2.0 ms, discharge to instruction
 * 1.6 -> 1.1 ms). */
static int s_prepare(kn_store_t *self, char *errbuf, size_t errsize)
{
    /* Every statement of the broker touches a batch's rows out of tables of
     * millions, through their indexes.  Statistics lag behind tables that
     * grow by thousands of rows a second; with them the planner will hash a
     * whole table (every open visit, say) to join a few hundred rows, or
     * JIT-compile the statement: tens of milliseconds on every batch.  So no
     * hash or merge joins and no JIT on this connection. */
    PGresult *set = PQexec(self->conn, "SET jit = off; SET enable_hashjoin = off; "
                                       "SET enable_mergejoin = off");
    bool set_ok = PQresultStatus(set) == PGRES_COMMAND_OK;
    PQclear(set);
    if (!set_ok) {
        snprintf(errbuf, errsize, "setting the planner options: %s", PQerrorMessage(self->conn));
        return s_connection_lost(self) ? KN_EDB : KN_ECONFIG;
    }
    static const struct {
        const char *name, *sql;
    } stmts[] = {{"kn_batch", s_write_batch},
                 {"kn_inbound_lookup", s_lookup_inbound},
                 {"kn_instructions_due", s_instructions_due},
                 {"kn_instructions_acked", s_instructions_acked},
                 {"kn_instructions_unsent", s_instructions_unsent},
                 {"kn_visit_close", s_close_visits},
                 {"kn_boxes_of_bills", s_boxes_of_bills}};
    for (size_t i = 0; i < sizeof stmts / sizeof stmts[0]; i++) {
        PGresult *res = PQprepare(self->conn, stmts[i].name, stmts[i].sql, 0, NULL);
        bool ok = PQresultStatus(res) == PGRES_COMMAND_OK;
        PQclear(res);
        if (!ok) {
            snprintf(errbuf, errsize, "preparing %s: %s", stmts[i].name,
                     PQerrorMessage(self->conn));
            return s_connection_lost(self) ? KN_EDB : KN_ECONFIG;
        }
    }
    return 0;
}

int kn_store_connect(kn_store_t *self, char *errbuf, size_t errsize)
{
    s_disconnect(self);
    self->conn = kn_db_connect(self->conninfo, errbuf, errsize);
    if (!self->conn)
        return KN_EDB;
    int have = kn_db_schema_version(self->conn);
    int need = kn_db_latest_version();
    if (have != need) {
        if (have < 0)
            snprintf(errbuf, errsize, "cannot read the schema version: %s",
                     PQerrorMessage(self->conn));
        else
            snprintf(errbuf, errsize,
                     "database schema is at version %d, this kouan needs %d: run kouan db "
                     "migrate",
                     have, need);
        int rc = have < 0 ? KN_EDB : KN_ECONFIG;
        s_disconnect(self);
        return rc;
    }
    int rc = s_prepare(self, errbuf, errsize);
    /* Sends never block: a batch's parameters go out while the broker reads
     * the next one (kn_store_flush() when the socket takes more).  Reading the
     * results with wait still blocks. */
    if (!rc && PQsetnonblocking(self->conn, 1) != 0) {
        snprintf(errbuf, errsize, "cannot make the connection non-blocking: %s",
                 PQerrorMessage(self->conn));
        rc = KN_EDB;
    }
    if (rc)
        s_disconnect(self);
    return rc;
}

bool kn_store_connected(const kn_store_t *self)
{
    return self->conn && PQstatus(self->conn) == CONNECTION_OK;
}

/* A copy of s with every byte that is not part of valid UTF-8 replaced by '?',
 * so a reason quoting a party's bytes can always be stored as text. */
static const char *s_utf8(kn_arena_t *arena, const char *s)
{
    if (!s)
        return NULL;
    size_t len = strlen(s);
    char *out = kn_arena_strndup(arena, s, len);
    if (!out)
        return NULL;
    const unsigned char *p = (const unsigned char *)out;
    for (size_t i = 0; i < len;) {
        /* shortest form only, no surrogates, nothing above U+10FFFF (RFC 3629) */
        unsigned c = p[i];
        size_t need = c < 0x80                 ? 1
                      : c >= 0xc2 && c <= 0xdf ? 2
                      : c >= 0xe0 && c <= 0xef ? 3
                      : c >= 0xf0 && c <= 0xf4 ? 4
                                               : 0;
        bool ok = need && i + need <= len;
        for (size_t k = 1; ok && k < need; k++)
            ok = (p[i + k] & 0xc0) == 0x80;
        if (ok && need == 3)
            ok = !(c == 0xe0 && p[i + 1] < 0xa0) && !(c == 0xed && p[i + 1] >= 0xa0);
        if (ok && need == 4)
            ok = !(c == 0xf0 && p[i + 1] < 0x90) && !(c == 0xf4 && p[i + 1] >= 0x90);
        if (!ok) {
            out[i++] = '?';
            continue;
        }
        i += need;
    }
    return out;
}

enum { S_OID_BOOL = 16, S_OID_BYTEA = 17, S_OID_INT4 = 23, S_OID_TEXT = 25 };

static unsigned char *s_put32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 24);
    p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8);
    p[3] = (unsigned char)v;
    return p + 4;
}

/* Column-major cells of a batch on their way to binary arrays. */
typedef struct {
    size_t rows, cols;
    const void **cell; /* [col * rows + row], NULL = SQL NULL */
    size_t *len;       /* its length in bytes */
} s_grid_t;

static int s_grid(s_grid_t *g, kn_arena_t *arena, size_t rows, size_t cols)
{
    g->rows = rows;
    g->cols = cols;
    size_t cells = rows * cols > 0 ? rows * cols : 1;
    g->cell = kn_arena_calloc(arena, cells, sizeof *g->cell);
    g->len = kn_arena_calloc(arena, cells, sizeof *g->len);
    return g->cell && g->len ? 0 : KN_ENOMEM;
}

static void s_text(s_grid_t *g, size_t row, size_t col, const char *s)
{
    g->cell[col * g->rows + row] = s;
    g->len[col * g->rows + row] = s ? strlen(s) : 0;
}

/* Row row of g, every column text: v holds g->cols strings. */
static void s_text_row(s_grid_t *g, size_t row, const char *const *v)
{
    for (size_t c = 0; c < g->cols; c++)
        s_text(g, row, c, v[c]);
}

static void s_bytes(s_grid_t *g, size_t row, size_t col, const void *p, size_t len)
{
    g->cell[col * g->rows + row] = p;
    g->len[col * g->rows + row] = len;
}

/* The parameters of one statement: one binary array per column. */
typedef struct {
    const char *values[S_BATCH_PARAMS];
    int lengths[S_BATCH_PARAMS];
    int formats[S_BATCH_PARAMS];
    int count;
} s_params_t;

/* Encode column col of g as a one-dimensional array in PostgreSQL's binary
 * format: ndim, has-null, element type, length, lower bound, then (length,
 * bytes) per element with length -1 for NULL. */
static int s_encode(s_params_t *p, const s_grid_t *g, const uint32_t *oids, kn_arena_t *arena)
{
    p->count = (int)g->cols;
    for (size_t c = 0; c < g->cols; c++) {
        const void **cell = &g->cell[c * g->rows];
        const size_t *len = &g->len[c * g->rows];
        size_t size = 20;
        bool nulls = false;
        for (size_t r = 0; r < g->rows; r++) {
            size += 4 + (cell[r] ? len[r] : 0);
            nulls |= !cell[r];
        }
        if (g->rows == 0)
            size = 12; /* no dimension: an empty array */
        unsigned char *buf = kn_arena_alloc(arena, size), *q = buf;
        if (!buf)
            return KN_ENOMEM;
        q = s_put32(q, g->rows > 0);
        q = s_put32(q, nulls);
        q = s_put32(q, oids[c]);
        if (g->rows > 0) {
            q = s_put32(q, (uint32_t)g->rows);
            q = s_put32(q, 1);
        }
        for (size_t r = 0; r < g->rows; r++) {
            if (!cell[r]) {
                q = s_put32(q, UINT32_MAX); /* -1: NULL */
                continue;
            }
            q = s_put32(q, (uint32_t)len[r]);
            memcpy(q, cell[r], len[r]);
            q += len[r];
        }
        p->values[c] = (const char *)buf;
        p->lengths[c] = (int)size;
        p->formats[c] = 1;
    }
    return 0;
}

/* Add part's parameters after p's; KN_ENOMEM when they do not fit. */
static int s_append(s_params_t *p, const s_params_t *part)
{
    if (p->count + part->count > S_BATCH_PARAMS)
        return KN_ENOMEM;
    for (int c = 0; c < part->count; c++) {
        p->values[p->count + c] = part->values[c];
        p->lengths[p->count + c] = part->lengths[c];
        p->formats[p->count + c] = part->formats[c];
    }
    p->count += part->count;
    return 0;
}

static const unsigned char s_true = 1, s_false = 0;

/* strs[0..n) as one text[] parameter. */
static int s_text_array(s_params_t *p, const char *const *strs, size_t n, kn_arena_t *arena)
{
    static const uint32_t oids[1] = {S_OID_TEXT};
    s_grid_t g;
    if (s_grid(&g, arena, n, 1))
        return KN_ENOMEM;
    for (size_t r = 0; r < n; r++)
        s_text(&g, r, 0, strs[r]);
    return s_encode(p, &g, oids, arena);
}

/* A big-endian int4 in the arena. */
static const void *s_int4(kn_arena_t *arena, int v)
{
    unsigned char *p = kn_arena_alloc(arena, 4);
    if (p)
        s_put32(p, (uint32_t)v);
    return p;
}

/* The inbound rows of the batch. */
static int s_inbound_params(s_params_t *p, kn_inbound_t *const *items, size_t n, kn_arena_t *arena)
{
    static const uint32_t oids[S_INBOUND_COLS] = {S_OID_TEXT,  S_OID_TEXT, S_OID_TEXT,
                                                  S_OID_BYTEA, S_OID_TEXT, S_OID_TEXT,
                                                  S_OID_TEXT,  S_OID_INT4, S_OID_TEXT};
    s_grid_t g;
    if (s_grid(&g, arena, n, S_INBOUND_COLS))
        return KN_ENOMEM;
    for (size_t r = 0; r < n; r++) {
        const kn_inbound_t *it = items[r];
        const char *reason = s_utf8(arena, it->reason);
        const void *events = s_int4(arena, it->events);
        if ((it->reason && !reason) || !events)
            return KN_ENOMEM;
        s_text(&g, r, 0, it->party);
        s_text(&g, r, 1, it->msg_id);
        s_text(&g, r, 2, it->content_type);
        s_bytes(&g, r, 3, it->payload ? it->payload : "", it->payload_len);
        s_text(&g, r, 4, it->status == KN_INBOUND_ACCEPTED ? "accepted" : "rejected");
        s_text(&g, r, 5, it->error_code);
        s_text(&g, r, 6, reason);
        s_bytes(&g, r, 7, events, 4);
        s_text(&g, r, 8, it->warnings && *it->warnings ? s_utf8(arena, it->warnings) : NULL);
    }
    return s_encode(p, &g, oids, arena);
}

/* The events of the batch's accepted messages; *count says how many. */
static int s_event_params(s_params_t *p, kn_inbound_t *const *items, size_t n, kn_arena_t *arena,
                          size_t *count)
{
    static const uint32_t oids[S_EVENT_COLS] = {
        S_OID_TEXT, S_OID_TEXT, S_OID_INT4, S_OID_TEXT, S_OID_TEXT, S_OID_TEXT,
        S_OID_BOOL, S_OID_TEXT, S_OID_TEXT, S_OID_TEXT, S_OID_TEXT, S_OID_TEXT,
        S_OID_TEXT, S_OID_BOOL, S_OID_TEXT, S_OID_TEXT, S_OID_TEXT, S_OID_TEXT,
        S_OID_TEXT, S_OID_TEXT, S_OID_TEXT, S_OID_TEXT, S_OID_TEXT, S_OID_TEXT};
    size_t total = 0;
    for (size_t i = 0; i < n; i++)
        if (items[i]->status == KN_INBOUND_ACCEPTED && items[i]->event_list)
            total += items[i]->event_list->count;
    *count = total;
    s_grid_t g;
    if (s_grid(&g, arena, total, S_EVENT_COLS))
        return KN_ENOMEM;
    size_t r = 0;
    for (size_t i = 0; i < n; i++) {
        const kn_inbound_t *it = items[i];
        if (it->status != KN_INBOUND_ACCEPTED || !it->event_list)
            continue;
        int seq = 0;
        for (const kn_event_t *ev = it->event_list->head; ev; ev = ev->next, r++) {
            const char *json = it->event_json ? it->event_json[seq] : kn_event_json(ev, arena);
            const void *seqv = s_int4(arena, ++seq);
            if (!json || !seqv)
                return KN_ENOMEM;
            s_text(&g, r, 0, it->party);
            s_text(&g, r, 1, it->msg_id);
            s_bytes(&g, r, 2, seqv, 4);
            s_text(&g, r, 3, kn_event_type_name(ev->type));
            s_text(&g, r, 4, ev->code);
            s_text(&g, r, 5, kn_event_class_name(ev->classifier));
            s_bytes(&g, r, 6, ev->function == KN_FUNC_WITHDRAW ? &s_true : &s_false, 1);
            s_text(&g, r, 7, ev->event_datetime);
            s_text(&g, r, 8, ev->equipment_reference);
            s_text(&g, r, 9, ev->transport_document_reference);
            s_text(&g, r, 10, ev->carrier_booking_reference);
            s_text(&g, r, 11, ev->voyage);
            s_text(&g, r, 12, ev->vessel_imo);
            s_bytes(&g, r, 13, ev->warnings ? &s_true : &s_false, 1);
            s_text(&g, r, 14, json);
            s_text(&g, r, 15, ev->message_ref);
            s_text(&g, r, 16, ev->iso_equipment_code);
            s_text(&g, r, 17, ev->document_type_code);
            s_text(&g, r, 18, ev->exam_type);
            s_text(&g, r, 19, ev->tax_status);
            s_text(&g, r, 20, ev->entry_id);
            s_text(&g, r, 21, ev->facility_code);
            s_text(&g, r, 22, ev->vessel_name);
            s_text(&g, r, 23, ev->agent_code);
        }
    }
    return s_encode(p, &g, oids, arena);
}

/* The rules' rows (decisions, visits, instructions, notifications; none when
 * x is NULL) as the batch statement's parameters from p->count on, and the
 * boxes whose visits end as *closed; *nclosed says how many. */
static int s_extra_params(const kn_store_extra_t *x, kn_arena_t *arena, s_params_t *p,
                          s_params_t *closed, size_t *nclosed)
{
    static const uint32_t text[S_DECISION_COLS] = {S_OID_TEXT, S_OID_TEXT, S_OID_TEXT, S_OID_TEXT,
                                                   S_OID_TEXT, S_OID_TEXT, S_OID_TEXT, S_OID_TEXT,
                                                   S_OID_TEXT, S_OID_TEXT, S_OID_TEXT};
    static const uint32_t ins[S_INSTRUCTION_COLS] = {
        S_OID_TEXT, S_OID_TEXT, S_OID_TEXT, S_OID_TEXT, S_OID_TEXT, S_OID_BYTEA, S_OID_BOOL};
    static const kn_store_extra_t none;
    if (!x)
        x = &none;
    s_grid_t g;
    s_params_t part;
    *nclosed = 0;
    for (size_t r = 0; r < x->nvisits; r++)
        *nclosed += x->visits[r].closed;

    if (s_grid(&g, arena, x->ndecisions, S_DECISION_COLS))
        return KN_ENOMEM;
    for (size_t r = 0; r < x->ndecisions; r++) {
        const kn_decision_row_t *d = &x->decisions[r];
        const char *v[S_DECISION_COLS] = {d->box,    d->party,       d->msg_id,        d->table,
                                          d->rules,  d->inputs_json, d->route,         d->reason,
                                          d->action, d->note,        d->instruction_id};
        s_text_row(&g, r, v);
    }
    if (s_encode(&part, &g, text, arena) || s_append(p, &part))
        return KN_ENOMEM;

    if (s_grid(&g, arena, x->nvisits, S_VISIT_COLS))
        return KN_ENOMEM;
    for (size_t r = 0; r < x->nvisits; r++) {
        const kn_visit_row_t *v = &x->visits[r];
        const char *cols[S_VISIT_COLS] = {v->box,        v->direction, v->phase,     v->route,
                                          v->sent_route, v->slot_area, v->slot_start};
        s_text_row(&g, r, cols);
    }
    if (s_encode(&part, &g, text, arena) || s_append(p, &part))
        return KN_ENOMEM;

    if (s_grid(&g, arena, x->ninstructions, S_INSTRUCTION_COLS))
        return KN_ENOMEM;
    for (size_t r = 0; r < x->ninstructions; r++) {
        const kn_instruction_row_t *i = &x->instructions[r];
        s_text(&g, r, 0, i->party);
        s_text(&g, r, 1, i->instruction_id);
        s_text(&g, r, 2, i->box);
        s_text(&g, r, 3, i->route);
        s_text(&g, r, 4, i->content_type);
        s_bytes(&g, r, 5, i->payload, i->payload_len);
        s_bytes(&g, r, 6, i->sent ? &s_true : &s_false, 1);
    }
    if (s_encode(&part, &g, ins, arena) || s_append(p, &part))
        return KN_ENOMEM;

    if (s_grid(&g, arena, x->noutbox, S_OUTBOX_COLS))
        return KN_ENOMEM;
    for (size_t r = 0; r < x->noutbox; r++) {
        const kn_outbox_row_t *o = &x->outbox[r];
        const char *v[S_OUTBOX_COLS] = {o->notification_id, o->endpoint, o->order_key, o->kind,
                                        o->body};
        s_text_row(&g, r, v);
    }
    if (s_encode(&part, &g, text, arena) || s_append(p, &part))
        return KN_ENOMEM;

    if (s_grid(&g, arena, *nclosed, 1))
        return KN_ENOMEM;
    for (size_t r = 0, k = 0; r < x->nvisits; r++)
        if (x->visits[r].closed)
            s_text(&g, k++, 0, x->visits[r].box);
    return s_encode(closed, &g, text, arena);
}

#define S_REPEAT 1 /* a message of the batch was stored before */

/* Send the batch in one pipeline: the statements up to the Sync form one
 * implicit transaction, committed when the Sync is answered; an error anywhere
 * rolls all of it back.  The results are read by s_receive(). */
static int s_send(kn_store_t *self, char *errbuf, size_t errsize)
{
    s_params_t batch, part, closed;
    size_t nevents = 0, nclosed = 0;
    kn_inbound_t *const *items = self->pending;
    size_t n = self->npending;
    batch.count = 0;
    if (s_inbound_params(&part, items, n, self->arena) || s_append(&batch, &part) ||
        s_event_params(&part, items, n, self->arena, &nevents) || s_append(&batch, &part) ||
        s_extra_params(self->extra, self->arena, &batch, &closed, &nclosed)) {
        snprintf(errbuf, errsize, "out of memory");
        return KN_ENOMEM;
    }
    assert(batch.count == S_BATCH_PARAMS);
    if (!PQenterPipelineMode(self->conn)) {
        snprintf(errbuf, errsize, "cannot enter pipeline mode: %s", PQerrorMessage(self->conn));
        return KN_EDB;
    }
    self->busy = true;
    self->failed = self->repeat = self->data = false;
    self->nevents = nevents;
    /* a visit is closed after its last update */
    if (!PQsendQueryPrepared(self->conn, "kn_batch", batch.count, batch.values, batch.lengths,
                             batch.formats, 0) ||
        (nclosed && !PQsendQueryPrepared(self->conn, "kn_visit_close", closed.count, closed.values,
                                         closed.lengths, closed.formats, 0)) ||
        !PQpipelineSync(self->conn)) {
        snprintf(errbuf, errsize, "sending the batch: %s", PQerrorMessage(self->conn));
        return KN_EDB;
    }
    return 0;
}

/* Read the results of the pipeline: each statement's (each followed by NULL),
 * then the Sync.  The first failure is the one that counts; the rest were
 * aborted.  Without wait, returns KN_STORE_PENDING when the answer has not all
 * arrived yet. */
static int s_receive(kn_store_t *self, bool wait, char *errbuf, size_t errsize)
{
    if (!wait && !PQconsumeInput(self->conn)) {
        snprintf(errbuf, errsize, "connection lost before the commit was confirmed: %s",
                 PQerrorMessage(self->conn));
        return KN_EDB;
    }
    bool synced = false;
    while (!synced && !s_connection_lost(self)) {
        if (!wait && PQisBusy(self->conn))
            return KN_STORE_PENDING;
        PGresult *res = PQgetResult(self->conn);
        if (!res)
            continue;
        ExecStatusType st = PQresultStatus(res);
        if (st == PGRES_PIPELINE_SYNC)
            synced = true;
        else if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK && !self->failed) {
            /* A statement's error, or the implicit COMMIT's at the Sync (a
             * deferred constraint, a serialization failure): either way the
             * batch did not commit. */
            const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
            self->failed = true;
            /* a message stored before; any other unique violation (an
             * instruction or notification id) is a fault, not a repeat */
            const char *constraint = PQresultErrorField(res, PG_DIAG_CONSTRAINT_NAME);
            self->repeat = state && !strcmp(state, "23505") && constraint &&
                           !strcmp(constraint, "inbound_party_msg");
            self->data =
                state && (!strncmp(state, "22", 2) || !strncmp(state, "23", 2)) && !self->repeat;
            snprintf(errbuf, errsize, "writing %zu messages and %zu events: %s", self->npending,
                     self->nevents,
                     st == PGRES_PIPELINE_ABORTED ? "pipeline aborted" : PQresultErrorMessage(res));
        }
        PQclear(res);
    }
    if (!synced) {
        if (!self->failed)
            snprintf(errbuf, errsize, "connection lost before the commit was confirmed: %s",
                     PQerrorMessage(self->conn));
        return KN_EDB;
    }
    PQexitPipelineMode(self->conn);
    self->busy = false;
    /* Only a data error (classes 22 and 23) is the batch's own fault; anything
     * else — a read-only server after a failover, a full disk, a timeout, a
     * shutdown — is the database's: hold the batch, reconnect, write again. */
    if (self->failed)
        return self->repeat ? S_REPEAT : self->data ? KN_EINVAL : KN_EDB;
    return 0;
}

/* Find the messages of items already in inbound; mark them duplicate with
 * their stored outcome.  Returns 0, KN_EDB or KN_EINVAL. */
static int s_mark_stored(kn_store_t *self, kn_inbound_t *const *items, size_t n, kn_arena_t *arena,
                         char *errbuf, size_t errsize)
{
    static const uint32_t oids[2] = {S_OID_TEXT, S_OID_TEXT};
    s_grid_t g;
    s_params_t p;
    kn_dedupe_t *index = kn_dedupe_new(arena, n);
    if (s_grid(&g, arena, n, 2) || !index) {
        snprintf(errbuf, errsize, "out of memory");
        return KN_ENOMEM;
    }
    for (size_t r = 0; r < n; r++) {
        s_text(&g, r, 0, items[r]->party);
        s_text(&g, r, 1, items[r]->msg_id ? items[r]->msg_id : "");
        if (items[r]->msg_id)
            kn_dedupe_add(index, items[r]->party, items[r]->msg_id, strlen(items[r]->msg_id),
                          (int64_t)r);
    }
    if (s_encode(&p, &g, oids, arena)) {
        snprintf(errbuf, errsize, "out of memory");
        return KN_ENOMEM;
    }
    PGresult *res =
        PQexecPrepared(self->conn, "kn_inbound_lookup", 2, p.values, p.lengths, p.formats, 0);
    int rc = 0;
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        snprintf(errbuf, errsize, "looking up stored messages: %s", PQerrorMessage(self->conn));
        rc = s_connection_lost(self) ? KN_EDB : KN_EINVAL;
        goto out;
    }
    for (int row = 0; row < PQntuples(res); row++) {
        const char *id = PQgetvalue(res, row, 1);
        int64_t r = kn_dedupe_find(index, PQgetvalue(res, row, 0), id, strlen(id));
        if (r < 0)
            continue;
        kn_inbound_t *it = items[r];
        it->duplicate = true;
        it->status = strcmp(PQgetvalue(res, row, 2), "accepted") == 0 ? KN_INBOUND_ACCEPTED
                                                                      : KN_INBOUND_REJECTED;
        it->error_code =
            PQgetisnull(res, row, 3) ? NULL : kn_arena_strdup(arena, PQgetvalue(res, row, 3));
        it->reason =
            PQgetisnull(res, row, 4) ? NULL : kn_arena_strdup(arena, PQgetvalue(res, row, 4));
        it->events = atoi(PQgetvalue(res, row, 5));
        it->warnings =
            PQgetisnull(res, row, 6) ? NULL : kn_arena_strdup(arena, PQgetvalue(res, row, 6));
    }
out:
    PQclear(res);
    return rc;
}

int kn_store_begin(kn_store_t *self, kn_inbound_t *items, size_t n, const kn_store_extra_t *extra,
                   kn_arena_t *arena, char *errbuf, size_t errsize)
{
    assert(!self->busy && "a batch is already being written");
    if (!kn_store_connected(self)) {
        snprintf(errbuf, errsize, "not connected to PostgreSQL");
        return KN_EDB;
    }
    self->pending = kn_arena_calloc(arena, n ? n : 1, sizeof *self->pending);
    if (!self->pending) {
        snprintf(errbuf, errsize, "out of memory");
        return KN_ENOMEM;
    }
    for (size_t i = 0; i < n; i++) {
        items[i].duplicate = false;
        self->pending[i] = &items[i];
    }
    self->npending = n;
    self->arena = arena;
    self->extra = extra;
    self->attempt = 0;
    int rc = n ? s_send(self, errbuf, errsize) : 0;
    if (rc == KN_EDB)
        s_disconnect(self);
    return rc;
}

int kn_store_finish(kn_store_t *self, bool wait, char *errbuf, size_t errsize)
{
    int rc = 0;
    while (self->busy) { /* a repeat sends the rest again, and reads that answer too */
        rc = s_receive(self, wait, errbuf, errsize);
        if (rc != S_REPEAT)
            break;
        /* Repeats are rare (a resend after a lost ACK): look up which messages
         * are stored, take their stored outcome, and write the rest.  One
         * broker writes inbound, so the second attempt meets no new repeat; a
         * third is a fault. */
        if (++self->attempt >= 3) {
            snprintf(errbuf, errsize,
                     "messages keep appearing in inbound: is another broker "
                     "writing to this database?");
            rc = KN_EINVAL;
            break;
        }
        rc = s_mark_stored(self, self->pending, self->npending, self->arena, errbuf, errsize);
        if (rc != 0)
            break;
        size_t kept = 0;
        for (size_t i = 0; i < self->npending; i++)
            if (!self->pending[i]->duplicate)
                self->pending[kept++] = self->pending[i];
        self->npending = kept;
        /* the rules' rows go even when every message was a repeat: the
         * broker's memory already holds what they say */
        const kn_store_extra_t *x = self->extra;
        bool rows = x && (x->ndecisions || x->nvisits || x->ninstructions || x->noutbox);
        if ((kept > 0 || rows) && (rc = s_send(self, errbuf, errsize)) != 0)
            break;
    }
    if (rc == KN_STORE_PENDING)
        return rc;
    self->npending = 0;
    self->busy = false;
    if (rc == KN_EDB)
        s_disconnect(self);
    return rc;
}

int kn_store_socket(const kn_store_t *self)
{
    return self->conn ? PQsocket(self->conn) : -1;
}

int kn_store_flush(kn_store_t *self)
{
    /* a failure shows when the results are read */
    return self->conn && self->busy && PQflush(self->conn) > 0;
}

bool kn_store_busy(const kn_store_t *self)
{
    return self->busy;
}

int kn_store_write(kn_store_t *self, kn_inbound_t *items, size_t n, kn_arena_t *arena, char *errbuf,
                   size_t errsize)
{
    int rc = kn_store_begin(self, items, n, NULL, arena, errbuf, errsize);
    return rc ? rc : kn_store_finish(self, true, errbuf, errsize);
}

static int s_cmp_outgoing(const void *a, const void *b)
{
    int64_t x = ((const kn_outgoing_t *)a)->id, y = ((const kn_outgoing_t *)b)->id;
    return x < y ? -1 : x > y;
}

int kn_store_instructions_due(kn_store_t *self, const char *party, int64_t redeliver_ms, size_t max,
                              kn_arena_t *arena, kn_outgoing_t **out, size_t *n, char *errbuf,
                              size_t errsize)
{
    assert(!self->busy && "a batch is out");
    *out = NULL;
    *n = 0;
    if (!kn_store_connected(self)) {
        snprintf(errbuf, errsize, "not connected to PostgreSQL");
        return KN_EDB;
    }
    char ms[24], limit[24];
    snprintf(ms, sizeof ms, "%lld", (long long)redeliver_ms);
    snprintf(limit, sizeof limit, "%zu", max);
    const char *params[3] = {party, ms, limit};
    /* results in binary: the payload comes back as it was stored */
    PGresult *res = PQexecPrepared(self->conn, "kn_instructions_due", 3, params, NULL, NULL, 1);
    int rc = 0;
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        snprintf(errbuf, errsize, "reading instructions due: %s", PQerrorMessage(self->conn));
        rc = s_connection_lost(self) ? KN_EDB : KN_EINVAL;
        goto out;
    }
    size_t rows = (size_t)PQntuples(res);
    kn_outgoing_t *list = kn_arena_calloc(arena, rows ? rows : 1, sizeof *list);
    if (!list) {
        rc = KN_ENOMEM;
        goto out;
    }
    for (size_t r = 0; r < rows; r++) {
        const unsigned char *idb = (const unsigned char *)PQgetvalue(res, (int)r, 0);
        int64_t id = 0;
        for (int k = 0; k < 8; k++)
            id = (id << 8) | idb[k];
        list[r].id = id;
        list[r].instruction_id = kn_arena_strndup(arena, PQgetvalue(res, (int)r, 1),
                                                  (size_t)PQgetlength(res, (int)r, 1));
        list[r].content_type = kn_arena_strndup(arena, PQgetvalue(res, (int)r, 2),
                                                (size_t)PQgetlength(res, (int)r, 2));
        list[r].payload_len = (size_t)PQgetlength(res, (int)r, 3);
        void *copy = kn_arena_alloc(arena, list[r].payload_len + 1);
        if (!list[r].instruction_id || !list[r].content_type || !copy) {
            rc = KN_ENOMEM;
            goto out;
        }
        memcpy(copy, PQgetvalue(res, (int)r, 3), list[r].payload_len);
        list[r].payload = copy;
    }
    qsort(list, rows, sizeof *list, s_cmp_outgoing);
    *out = list;
    *n = rows;
out:
    if (rc == KN_ENOMEM)
        snprintf(errbuf, errsize, "out of memory");
    PQclear(res);
    if (rc == KN_EDB)
        s_disconnect(self);
    return rc;
}

/* Run the prepared statement name on instructions ids[0..n) (of party, when
 * not NULL: its first parameter); what says what for an error. */
static int s_instructions_update(kn_store_t *self, const char *name, const char *party,
                                 const char *const *ids, size_t n, kn_arena_t *arena,
                                 const char *what, char *errbuf, size_t errsize)
{
    assert(!self->busy && "a batch is out");
    if (n == 0)
        return 0;
    if (!kn_store_connected(self)) {
        snprintf(errbuf, errsize, "not connected to PostgreSQL");
        return KN_EDB;
    }
    s_params_t p;
    if (s_text_array(&p, ids, n, arena)) {
        snprintf(errbuf, errsize, "out of memory");
        return KN_ENOMEM;
    }
    const char *values[2] = {party, p.values[0]};
    int lengths[2] = {0, p.lengths[0]}, formats[2] = {0, 1};
    int skip = party ? 0 : 1;
    PGresult *res = PQexecPrepared(self->conn, name, 2 - skip, values + skip, lengths + skip,
                                   formats + skip, 0);
    int rc = 0;
    if (PQresultStatus(res) != PGRES_COMMAND_OK) {
        snprintf(errbuf, errsize, "%s: %s", what, PQerrorMessage(self->conn));
        rc = s_connection_lost(self) ? KN_EDB : KN_EINVAL;
    }
    PQclear(res);
    if (rc == KN_EDB)
        s_disconnect(self);
    return rc;
}

int kn_store_instructions_unsent(kn_store_t *self, const char *const *ids, size_t n,
                                 kn_arena_t *arena, char *errbuf, size_t errsize)
{
    return s_instructions_update(self, "kn_instructions_unsent", NULL, ids, n, arena,
                                 "marking instructions due again", errbuf, errsize);
}

int kn_store_instructions_acked(kn_store_t *self, const char *party, const char *const *ids,
                                size_t n, kn_arena_t *arena, char *errbuf, size_t errsize)
{
    return s_instructions_update(self, "kn_instructions_acked", party, ids, n, arena,
                                 "recording acknowledged instructions", errbuf, errsize);
}

int kn_store_load_visits(kn_store_t *self, const char *const *boxes, const char *const *bills,
                         size_t n, kn_arena_t *arena, kn_event_list_t *events,
                         kn_visit_state_t **states, char *errbuf, size_t errsize)
{
    assert(!self->busy && "a batch is out");
    static const uint32_t oids[2] = {S_OID_TEXT, S_OID_TEXT};
    *states = kn_arena_calloc(arena, n ? n : 1, sizeof **states);
    s_grid_t g;
    s_params_t p;
    for (size_t b = 0; *states && b < n; b++)
        (*states)[b].slot_start = -1;
    if (!*states || s_grid(&g, arena, n, 2)) {
        snprintf(errbuf, errsize, "out of memory");
        return KN_ENOMEM;
    }
    for (size_t r = 0; r < n; r++) {
        s_text(&g, r, 0, boxes[r]);
        s_text(&g, r, 1, bills[r]);
    }
    if (s_encode(&p, &g, oids, arena)) {
        snprintf(errbuf, errsize, "out of memory");
        return KN_ENOMEM;
    }
    /* Planned for these boxes each time: a generic plan of this query (the
     * prepared statement after five runs) scans event instead of using its
     * indexes, several milliseconds on every batch. */
    PGresult *res =
        PQexecParams(self->conn, s_load_visits, 2, NULL, p.values, p.lengths, p.formats, 0);
    int rc = 0;
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        snprintf(errbuf, errsize, "loading visits: %s", PQerrorMessage(self->conn));
        rc = s_connection_lost(self) ? KN_EDB : KN_EINVAL;
        goto out;
    }
    for (int row = 0; row < PQntuples(res); row++) {
#define S_COL(c) (PQgetisnull(res, row, c) ? NULL : kn_arena_strdup(arena, PQgetvalue(res, row, c)))
        const char *type = PQgetvalue(res, row, 1);
        kn_event_type_t t = !strcmp(type, "EQUIPMENT")   ? KN_EVENT_EQUIPMENT
                            : !strcmp(type, "TRANSPORT") ? KN_EVENT_TRANSPORT
                                                         : KN_EVENT_SHIPMENT;
        kn_event_t *ev = kn_event_append(events, arena, t, S_COL(2));
        if (!ev) {
            rc = KN_ENOMEM;
            snprintf(errbuf, errsize, "out of memory");
            goto out;
        }
        const char *cls = PQgetvalue(res, row, 3);
        ev->classifier = !strcmp(cls, "PLN")   ? KN_CLASS_PLN
                         : !strcmp(cls, "EST") ? KN_CLASS_EST
                                               : KN_CLASS_ACT;
        ev->function = !strcmp(PQgetvalue(res, row, 4), "t") ? KN_FUNC_WITHDRAW : KN_FUNC_ADD;
        ev->equipment_reference = S_COL(0);
        ev->event_datetime = S_COL(5);
        ev->message_ref = S_COL(6);
        ev->iso_equipment_code = S_COL(7);
        ev->transport_document_reference = S_COL(8);
        ev->carrier_booking_reference = S_COL(9);
        ev->document_type_code = S_COL(10);
        ev->exam_type = S_COL(11);
        ev->tax_status = S_COL(12);
        ev->entry_id = S_COL(13);
        ev->voyage = S_COL(14);
        ev->vessel_imo = S_COL(15);
        ev->vessel_name = S_COL(16);
        ev->facility_code = S_COL(17);
        if (!PQgetisnull(res, row, 21)) /* the box's own event: its visit row's values */
            for (size_t b = 0; b < n; b++)
                if (!strcmp(boxes[b], PQgetvalue(res, row, 0))) {
                    (*states)[b].sent_route = S_COL(18);
                    (*states)[b].slot_area = S_COL(19);
                    if (!PQgetisnull(res, row, 20))
                        (*states)[b].slot_start = atoll(PQgetvalue(res, row, 20));
                    (*states)[b].phase = S_COL(21);
                }
#undef S_COL
    }
out:
    PQclear(res);
    if (rc == KN_EDB)
        s_disconnect(self);
    return rc;
}

/* Slots held by open visits, counted per area and hour. */
static const char s_slots[] =
    "SELECT slot_area, (extract(epoch FROM slot_start) * 1000)::int8, count(*) FROM visit "
    "WHERE slot_start IS NOT NULL AND closed_at IS NULL GROUP BY 1, 2";

int kn_store_slots(kn_store_t *self, kn_slots_t *slots, char *errbuf, size_t errsize)
{
    assert(!self->busy && "a batch is out");
    PGresult *res = PQexec(self->conn, s_slots);
    int rc = 0;
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        snprintf(errbuf, errsize, "counting inspection slots: %s", PQerrorMessage(self->conn));
        rc = s_connection_lost(self) ? KN_EDB : KN_EINVAL;
    }
    for (int row = 0; rc == 0 && row < PQntuples(res); row++)
        if (kn_slots_add(slots, PQgetvalue(res, row, 0), atoll(PQgetvalue(res, row, 1)),
                         atoi(PQgetvalue(res, row, 2)))) {
            snprintf(errbuf, errsize, "out of memory");
            rc = KN_ENOMEM;
        }
    PQclear(res);
    if (rc == KN_EDB)
        s_disconnect(self);
    return rc;
}

/* Size the filters from the planner's row counts (no scan), with room to grow. */
static const char s_known_sizes[] =
    "SELECT coalesce((SELECT reltuples FROM pg_class WHERE relname = 'visit'), 0)::int8, "
    "coalesce((SELECT reltuples FROM pg_class WHERE relname = 'event'), 0)::int8";

/* Every box any event names (not only those with a visit: events are stored
 * without visits when a batch is refused and written one by one, or while no
 * table decides), walked through event_equipment one distinct box at a time;
 * and the bills of events with no box. */
static const char s_known[] =
    "WITH RECURSIVE b AS (SELECT min(equipment_reference) AS box FROM event "
    "UNION ALL SELECT (SELECT min(e.equipment_reference) FROM event e "
    "WHERE e.equipment_reference > b.box) FROM b WHERE b.box IS NOT NULL) "
    "SELECT 0, box FROM b WHERE box IS NOT NULL UNION ALL "
    "SELECT 1, transport_document_reference FROM event "
    "WHERE equipment_reference IS NULL AND transport_document_reference IS NOT NULL";

int kn_store_known(kn_store_t *self, kn_bloom_t **boxes, kn_bloom_t **bills, char *errbuf,
                   size_t errsize)
{
    assert(!self->busy && "a batch is out");
    *boxes = *bills = NULL;
    PGresult *res = PQexec(self->conn, s_known_sizes);
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        snprintf(errbuf, errsize, "sizing the known boxes: %s", PQerrorMessage(self->conn));
        PQclear(res);
        return s_connection_lost(self) ? (s_disconnect(self), KN_EDB) : KN_EINVAL;
    }
    long long nvisits = atoll(PQgetvalue(res, 0, 0)), nevents = atoll(PQgetvalue(res, 0, 1));
    PQclear(res);
    /* a port sees a few million boxes; bills with box-less events are few */
    size_t want_boxes = nvisits > 0 ? (size_t)nvisits * 2 : 0;
    size_t want_bills = nevents > 0 ? (size_t)nevents / 50 : 0;
    *boxes = kn_bloom_new(want_boxes > (1u << 22) ? want_boxes : (1u << 22));
    *bills = kn_bloom_new(want_bills > (1u << 18) ? want_bills : (1u << 18));
    if (!*boxes || !*bills) {
        kn_bloom_destroy(boxes);
        kn_bloom_destroy(bills);
        snprintf(errbuf, errsize, "out of memory");
        return KN_ENOMEM;
    }
    int rc = 0;
    if (!PQsendQuery(self->conn, s_known) || !PQsetSingleRowMode(self->conn)) {
        snprintf(errbuf, errsize, "listing the known boxes: %s", PQerrorMessage(self->conn));
        rc = KN_EDB;
    }
    while (rc == 0 && (res = PQgetResult(self->conn)) != NULL) {
        ExecStatusType st = PQresultStatus(res);
        if (st == PGRES_SINGLE_TUPLE) {
            kn_bloom_t *into = PQgetvalue(res, 0, 0)[0] == '0' ? *boxes : *bills;
            kn_bloom_add(into, PQgetvalue(res, 0, 1), (size_t)PQgetlength(res, 0, 1));
        } else if (st != PGRES_TUPLES_OK) {
            snprintf(errbuf, errsize, "listing the known boxes: %s", PQerrorMessage(self->conn));
            rc = s_connection_lost(self) ? KN_EDB : KN_EINVAL;
        }
        PQclear(res);
    }
    if (rc) {
        while ((res = PQgetResult(self->conn)) != NULL) /* drain what is left */
            PQclear(res);
        kn_bloom_destroy(boxes);
        kn_bloom_destroy(bills);
        if (rc == KN_EDB)
            s_disconnect(self);
    }
    return rc;
}

int kn_store_boxes_of_bills(kn_store_t *self, const char *const *bills, size_t n, kn_arena_t *arena,
                            const char ***boxes, const char ***box_bills, size_t *nboxes,
                            char *errbuf, size_t errsize)
{
    assert(!self->busy && "a batch is out");
    s_params_t p;
    *nboxes = 0;
    if (s_text_array(&p, bills, n, arena)) {
        snprintf(errbuf, errsize, "out of memory");
        return KN_ENOMEM;
    }
    PGresult *res =
        PQexecPrepared(self->conn, "kn_boxes_of_bills", 1, p.values, p.lengths, p.formats, 0);
    int rc = 0;
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        snprintf(errbuf, errsize, "finding the boxes of bills: %s", PQerrorMessage(self->conn));
        rc = s_connection_lost(self) ? KN_EDB : KN_EINVAL;
        goto out;
    }
    size_t rows = (size_t)PQntuples(res);
    *boxes = kn_arena_calloc(arena, rows ? rows : 1, sizeof **boxes);
    *box_bills = kn_arena_calloc(arena, rows ? rows : 1, sizeof **box_bills);
    if (!*boxes || !*box_bills) {
        snprintf(errbuf, errsize, "out of memory");
        rc = KN_ENOMEM;
        goto out;
    }
    for (size_t r = 0; r < rows; r++) {
        (*boxes)[r] = kn_arena_strdup(arena, PQgetvalue(res, (int)r, 0));
        (*box_bills)[r] = kn_arena_strdup(arena, PQgetvalue(res, (int)r, 1));
    }
    *nboxes = rows;
out:
    PQclear(res);
    if (rc == KN_EDB)
        s_disconnect(self);
    return rc;
}
