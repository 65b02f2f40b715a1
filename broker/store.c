#include "store.h"
#include "db.h"
#include "dedupe.h"
#include "err.h"
#include "log.h"

#include <libpq-fe.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_COLS 8 /* parameters per inbound row */

struct kn_store {
    char *conninfo; /* as configured */
    PGconn *conn;   /* NULL while disconnected */
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

/* The batch goes as one binary array per column and is unnested on the
 * server: 8 parameters whatever the batch size, nothing to parse per row. */
static const char s_insert[] =
    "INSERT INTO inbound (party, msg_id, content_type, payload, status, error_code, reason, "
    "events) SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bytea[], $5::text[], "
    "$6::text[], $7::text[], $8::int4[])";
/* The careful form skips rows already there and says which it inserted. */
static const char s_insert_careful[] =
    "INSERT INTO inbound (party, msg_id, content_type, payload, status, error_code, reason, "
    "events) SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bytea[], $5::text[], "
    "$6::text[], $7::text[], $8::int4[]) ON CONFLICT (party, msg_id) DO NOTHING "
    "RETURNING party, msg_id";

/* Prepare the batch statements once per connection: parsed and planned once. */
static int s_prepare(kn_store_t *self, char *errbuf, size_t errsize)
{
    static const struct {
        const char *name, *sql;
    } stmts[] = {{"kn_inbound", s_insert}, {"kn_inbound_careful", s_insert_careful}};
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
        size_t need = p[i] < 0x80         ? 1
                      : (p[i] >> 5) == 6  ? 2
                      : (p[i] >> 4) == 14 ? 3
                      : (p[i] >> 3) == 30 ? 4
                                          : 0;
        bool ok = need && i + need <= len;
        for (size_t k = 1; ok && k < need; k++)
            ok = (p[i + k] & 0xc0) == 0x80;
        if (!ok) {
            out[i++] = '?';
            continue;
        }
        i += need;
    }
    return out;
}

/* Read the stored outcome of a message already in inbound into it. */
static int s_read_stored(kn_store_t *self, kn_inbound_t *it, kn_arena_t *arena, char *errbuf,
                         size_t errsize)
{
    const char *params[2] = {it->party, it->msg_id};
    PGresult *res = PQexecParams(self->conn,
                                 "SELECT status, error_code, reason, events FROM inbound "
                                 "WHERE party = $1 AND msg_id = $2",
                                 2, NULL, params, NULL, NULL, 0);
    int rc = 0;
    if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1) {
        snprintf(errbuf, errsize, "reading the stored outcome of %s/%s: %s", it->party, it->msg_id,
                 PQerrorMessage(self->conn));
        rc = s_connection_lost(self) ? KN_EDB : KN_EINVAL;
        goto out;
    }
    it->duplicate = true;
    it->status =
        strcmp(PQgetvalue(res, 0, 0), "accepted") == 0 ? KN_INBOUND_ACCEPTED : KN_INBOUND_REJECTED;
    it->error_code = PQgetisnull(res, 0, 1) ? NULL : kn_arena_strdup(arena, PQgetvalue(res, 0, 1));
    it->reason = PQgetisnull(res, 0, 2) ? NULL : kn_arena_strdup(arena, PQgetvalue(res, 0, 2));
    it->events = atoi(PQgetvalue(res, 0, 3));
out:
    PQclear(res);
    return rc;
}

enum { S_OID_BYTEA = 17, S_OID_INT4 = 23, S_OID_TEXT = 25 };

static unsigned char *s_put32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 24);
    p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8);
    p[3] = (unsigned char)v;
    return p + 4;
}

/* A one-dimensional array in PostgreSQL's binary format: ndim, has-null,
 * element type, length, lower bound, then (length, bytes) per element with
 * length -1 for NULL. */
static unsigned char *s_array(kn_arena_t *arena, uint32_t oid, const void *const *elems,
                              const size_t *lens, size_t n, int *out_len)
{
    size_t size = 20;
    bool nulls = false;
    for (size_t i = 0; i < n; i++) {
        size += 4 + (elems[i] ? lens[i] : 0);
        nulls |= !elems[i];
    }
    unsigned char *buf = kn_arena_alloc(arena, size), *p = buf;
    if (!buf)
        return NULL;
    p = s_put32(p, 1);
    p = s_put32(p, nulls);
    p = s_put32(p, oid);
    p = s_put32(p, (uint32_t)n);
    p = s_put32(p, 1);
    for (size_t i = 0; i < n; i++) {
        if (!elems[i]) {
            p = s_put32(p, UINT32_MAX); /* -1: NULL */
            continue;
        }
        p = s_put32(p, (uint32_t)lens[i]);
        memcpy(p, elems[i], lens[i]);
        p += lens[i];
    }
    *out_len = (int)size;
    return buf;
}

/* The batch as libpq parameters: one binary array per column. */
typedef struct {
    const char *values[S_COLS];
    int lengths[S_COLS];
    int formats[S_COLS];
} s_params_t;

static int s_params(s_params_t *p, kn_inbound_t *items, size_t n, kn_arena_t *arena)
{
    static const uint32_t oids[S_COLS] = {S_OID_TEXT, S_OID_TEXT, S_OID_TEXT, S_OID_BYTEA,
                                          S_OID_TEXT, S_OID_TEXT, S_OID_TEXT, S_OID_INT4};
    const void **elems = kn_arena_calloc(arena, n * S_COLS, sizeof *elems);
    size_t *lens = kn_arena_calloc(arena, n * S_COLS, sizeof *lens);
    uint32_t *events = kn_arena_calloc(arena, n, sizeof *events);
    if (!elems || !lens || !events)
        return KN_ENOMEM;
    for (size_t r = 0; r < n; r++) {
        kn_inbound_t *it = &items[r];
        it->duplicate = false;
        const char *reason = s_utf8(arena, it->reason);
        if (it->reason && !reason)
            return KN_ENOMEM;
        unsigned char *ev = (unsigned char *)&events[r];
        s_put32(ev, (uint32_t)it->events);
        const void *row[S_COLS] = {it->party,
                                   it->msg_id,
                                   it->content_type,
                                   it->payload ? it->payload : "",
                                   it->status == KN_INBOUND_ACCEPTED ? "accepted" : "rejected",
                                   it->error_code,
                                   reason,
                                   ev};
        for (int c = 0; c < S_COLS; c++) {
            elems[c * n + r] = row[c];
            lens[c * n + r] = !row[c] ? 0 : c == 3 ? it->payload_len : c == 7 ? 4 : strlen(row[c]);
        }
    }
    for (int c = 0; c < S_COLS; c++) {
        p->values[c] =
            (const char *)s_array(arena, oids[c], &elems[c * n], &lens[c * n], n, &p->lengths[c]);
        p->formats[c] = 1;
        if (!p->values[c])
            return KN_ENOMEM;
    }
    return 0;
}

#define S_REPEAT 1 /* the fast insert met a message stored before */

/* One transaction, one round trip: the statements up to the Sync form an
 * implicit transaction, committed when the Sync is answered; an error anywhere
 * rolls all of it back.  Later stages add their statements (events, state,
 * outbox) before the Sync.  In careful mode, rows already stored are read back
 * into their items (duplicate = true). */
static int s_write_once(kn_store_t *self, kn_inbound_t *items, size_t n, const s_params_t *p,
                        bool careful, kn_arena_t *arena, char *errbuf, size_t errsize)
{
    int rc = KN_ENOMEM;
    bool pipeline = false;
    PGresult *res = NULL;
    const char *stmt = careful ? "kn_inbound_careful" : "kn_inbound";
    if (!PQenterPipelineMode(self->conn)) {
        snprintf(errbuf, errsize, "cannot enter pipeline mode: %s", PQerrorMessage(self->conn));
        rc = s_connection_lost(self) ? KN_EDB : KN_EINVAL;
        goto out;
    }
    pipeline = true;
    if (!PQsendQueryPrepared(self->conn, stmt, S_COLS, p->values, p->lengths, p->formats, 0) ||
        !PQpipelineSync(self->conn)) {
        snprintf(errbuf, errsize, "sending the batch: %s", PQerrorMessage(self->conn));
        rc = KN_EDB;
        goto out;
    }
    /* results: the INSERT, its NULL terminator, then the Sync */
    res = PQgetResult(self->conn);
    ExecStatusType st = PQresultStatus(res);
    bool inserted_ok = st == (careful ? PGRES_TUPLES_OK : PGRES_COMMAND_OK);
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    bool repeat = !inserted_ok && state && !strcmp(state, "23505"); /* unique_violation */
    if (!inserted_ok)
        snprintf(errbuf, errsize, "writing %zu messages to inbound: %s", n,
                 res ? PQresultErrorMessage(res) : PQerrorMessage(self->conn));
    bool synced = false;
    while (!synced && !s_connection_lost(self)) {
        PGresult *r = PQgetResult(self->conn);
        if (!r)
            continue; /* end of one query's results */
        synced = PQresultStatus(r) == PGRES_PIPELINE_SYNC;
        PQclear(r);
    }
    if (!synced) {
        if (inserted_ok)
            snprintf(errbuf, errsize, "connection lost before the commit was confirmed: %s",
                     PQerrorMessage(self->conn));
        rc = KN_EDB;
        goto out;
    }
    PQexitPipelineMode(self->conn);
    pipeline = false;
    if (!inserted_ok) {
        rc = repeat ? S_REPEAT : s_connection_lost(self) ? KN_EDB : KN_EINVAL;
        goto out;
    }
    rc = 0;
    if (!careful)
        goto out;

    /* Committed.  Rows not returned were there already: read their outcome. */
    size_t with_id = 0;
    for (size_t i = 0; i < n; i++)
        with_id += items[i].msg_id != NULL;
    size_t returned = (size_t)PQntuples(res);
    if (returned < with_id) {
        kn_dedupe_t *fresh = kn_dedupe_new(arena, returned ? returned : 1);
        if (!fresh) {
            snprintf(errbuf, errsize, "out of memory");
            rc = KN_ENOMEM;
            goto out;
        }
        for (size_t i = 0; i < returned; i++) {
            if (PQgetisnull(res, (int)i, 1))
                continue;
            const char *id = PQgetvalue(res, (int)i, 1);
            kn_dedupe_add(fresh, PQgetvalue(res, (int)i, 0), id, strlen(id), (int64_t)i);
        }
        for (size_t i = 0; i < n && rc == 0; i++) {
            kn_inbound_t *it = &items[i];
            if (it->msg_id && kn_dedupe_find(fresh, it->party, it->msg_id, strlen(it->msg_id)) < 0)
                rc = s_read_stored(self, it, arena, errbuf, errsize);
        }
    }
out:
    PQclear(res);
    if (pipeline && !s_connection_lost(self))
        PQexitPipelineMode(self->conn);
    return rc;
}

int kn_store_write(kn_store_t *self, kn_inbound_t *items, size_t n, kn_arena_t *arena, char *errbuf,
                   size_t errsize)
{
    if (!kn_store_connected(self)) {
        snprintf(errbuf, errsize, "not connected to PostgreSQL");
        return KN_EDB;
    }
    if (n == 0)
        return 0;
    s_params_t p;
    if (s_params(&p, items, n, arena) != 0) {
        snprintf(errbuf, errsize, "out of memory");
        return KN_ENOMEM;
    }
    /* Repeats are rare (a resend after a lost ACK): try the plain insert, and
     * only when the unique key says a message is there already, write the batch
     * again the careful way. */
    int rc = s_write_once(self, items, n, &p, false, arena, errbuf, errsize);
    if (rc == S_REPEAT)
        rc = s_write_once(self, items, n, &p, true, arena, errbuf, errsize);
    if (rc == KN_EDB)
        s_disconnect(self);
    return rc;
}
