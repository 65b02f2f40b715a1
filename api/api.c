/* kouan — the HTTP API (see api.h). */
#include "api.h"
#include "err.h"
#include "feel.h"
#include "http.h"
#include "log.h"
#include "status.h"

#include <jansson.h>
#include <microhttpd.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct kn_api {
    const kn_config_t *cfg;
    PGconn *conn; /* the server thread's only */
    struct MHD_Daemon *daemon;
};

/* Who is asking. */
typedef struct {
    char name[128];
    char role[16];  /* agent, officer, terminal, admin */
    char agent[64]; /* agents: their code */
} s_who_t;

/* ------------------------------------------------------------------------ */
/* tokens                                                                   */

void kn_api_token_hash(const char *token, uint8_t hash[32])
{
    unsigned len = 32;
    EVP_Digest(token, strlen(token), hash, &len, EVP_sha256(), NULL);
}

int kn_api_token_new(char token[48], uint8_t hash[32])
{
    static const char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    unsigned char raw[33];
    if (RAND_bytes(raw, sizeof raw) != 1)
        return KN_EIO;
    /* 43 characters of 6 bits: 258 bits drawn, 256 kept in effect */
    memcpy(token, "kn_", 3);
    for (size_t i = 0; i < 43; i++) {
        size_t bit = i * 6, byte = bit / 8, shift = bit % 8;
        unsigned v = ((unsigned)raw[byte] << 8 | raw[byte + 1]) >> (10 - shift);
        token[3 + i] = alphabet[v & 63];
    }
    token[46] = '\0';
    memset(raw, 0, sizeof raw);
    kn_api_token_hash(token, hash);
    return 0;
}

/* ------------------------------------------------------------------------ */
/* answers                                                                  */

static enum MHD_Result s_send(struct MHD_Connection *c, unsigned status, const char *type,
                              char *body, const char *header, const char *value)
{
    struct MHD_Response *r =
        body ? MHD_create_response_from_buffer(strlen(body), body, MHD_RESPMEM_MUST_FREE) : NULL;
    if (!r) {
        free(body);
        return MHD_NO;
    }
    MHD_add_response_header(r, "Content-Type", type);
    MHD_add_response_header(r, "Cache-Control", "no-store");
    if (header)
        MHD_add_response_header(r, header, value);
    enum MHD_Result ok = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ok;
}

/* Answer with the JSON j (taken). */
static enum MHD_Result s_json(struct MHD_Connection *c, unsigned status, json_t *j,
                              const char *header, const char *value)
{
    char *text = j ? json_dumps(j, JSON_COMPACT) : NULL;
    json_decref(j);
    return s_send(c, status, "application/json; charset=utf-8", text, header, value);
}

static const char *s_title(unsigned status)
{
    switch (status) {
    case 400:
        return "Bad Request";
    case 401:
        return "Unauthorized";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 503:
        return "Service Unavailable";
    default:
        return "Internal Server Error";
    }
}

/* An RFC 9457 problem: status, what was wrong (detail), the path asked. */
static enum MHD_Result s_problem(struct MHD_Connection *c, unsigned status, const char *url,
                                 const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static enum MHD_Result s_problem(struct MHD_Connection *c, unsigned status, const char *url,
                                 const char *fmt, ...)
{
    char detail[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof detail, fmt, ap);
    va_end(ap);
    json_t *p =
        json_pack("{s:s, s:s, s:i, s:s, s:s}", "type", "about:blank", "title", s_title(status),
                  "status", (int)status, "detail", detail, "instance", url);
    char *text = p ? json_dumps(p, JSON_COMPACT) : NULL;
    json_decref(p);
    return s_send(c, status, "application/problem+json", text,
                  status == 401 ? "WWW-Authenticate" : NULL, "Bearer realm=\"kouan\"");
}

/* ------------------------------------------------------------------------ */
/* the database                                                             */

static bool s_db_ok(kn_api_t *self)
{
    if (PQstatus(self->conn) != CONNECTION_OK)
        PQreset(self->conn);
    return PQstatus(self->conn) == CONNECTION_OK;
}

/* Run sql with text parameters (NULL: SQL null); the result, or NULL with
 * the reason logged. */
static PGresult *s_query(kn_api_t *self, const char *sql, int n, const char *const *params)
{
    PGresult *r = PQexecParams(self->conn, sql, n, NULL, params, NULL, NULL, 0);
    ExecStatusType st = PQresultStatus(r);
    if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK) {
        kn_log(KN_LOG_ERROR, "api: query failed: %s", PQerrorMessage(self->conn));
        PQclear(r);
        return NULL;
    }
    return r;
}

/* The principal whose token the request carries: 0, or 401 with *why set. */
static int s_who(kn_api_t *self, struct MHD_Connection *c, s_who_t *who, const char **why)
{
    const char *auth = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
    if (!auth || strncasecmp(auth, "Bearer ", 7) != 0 || !auth[7]) {
        *why = "an Authorization: Bearer token is required (kouan principal add)";
        return 401;
    }
    uint8_t hash[32];
    kn_api_token_hash(auth + 7, hash);
    const char *params[1] = {(const char *)hash};
    const int lens[1] = {32}, formats[1] = {1};
    PGresult *r = PQexecParams(self->conn,
                               "SELECT name, role, coalesce(agent_code, '') FROM principal "
                               "WHERE token_hash = $1 AND revoked_at IS NULL",
                               1, NULL, params, lens, formats, 0);
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        kn_log(KN_LOG_ERROR, "api: principal lookup failed: %s", PQerrorMessage(self->conn));
        PQclear(r);
        *why = "the database is not available";
        return 503;
    }
    if (PQntuples(r) != 1) {
        PQclear(r);
        *why = "the token is not known or was revoked";
        return 401;
    }
    snprintf(who->name, sizeof who->name, "%s", PQgetvalue(r, 0, 0));
    snprintf(who->role, sizeof who->role, "%s", PQgetvalue(r, 0, 1));
    snprintf(who->agent, sizeof who->agent, "%s", PQgetvalue(r, 0, 2));
    PQclear(r);
    return 0;
}

/* Write the audit row of an answer with cargo data; false when it cannot be
 * written (the data is then not given out). */
static bool s_audit(kn_api_t *self, const s_who_t *who, const char *action, const char *resource,
                    unsigned status, size_t items)
{
    char st[8], n[24];
    snprintf(st, sizeof st, "%u", status);
    snprintf(n, sizeof n, "%zu", items);
    const char *params[6] = {who->name, who->role, action, resource, st, n};
    PGresult *r = s_query(self,
                          "INSERT INTO audit (principal, role, action, resource, result, items) "
                          "VALUES ($1, $2, $3, $4, $5::int, $6::int)",
                          6, params);
    PQclear(r);
    return r != NULL;
}

/* The SQL that limits events e to the agent's cargo ($n: the agent code,
 * NULL for everyone else): the bills customs names the agent on, and the
 * boxes travelling on them. */
#define S_SCOPE(n)                                                                                 \
    "($" #n "::text IS NULL OR e.transport_document_reference IN (SELECT bill FROM mine) OR "      \
    "e.equipment_reference IN (SELECT b.equipment_reference FROM event b WHERE "                   \
    "b.transport_document_reference IN (SELECT bill FROM mine) AND b.equipment_reference IS "      \
    "NOT NULL))"
#define S_MINE(n)                                                                                  \
    "WITH mine AS (SELECT DISTINCT a.transport_document_reference AS bill FROM event a WHERE "     \
    "$" #n "::text IS NOT NULL AND a.detail->>'agentCode' = $" #n "::text AND "                    \
    "a.transport_document_reference IS NOT NULL) "

/* One stored event as the API gives it: its DCSA object with eventID and
 * eventCreatedDateTime. */
static json_t *s_event(const char *id, const char *created, const char *detail)
{
    json_t *o = json_loads(detail, 0, NULL);
    char uuid[40], name[48];
    snprintf(name, sizeof name, "event:%s", id);
    if (!o || !json_is_object(o) || kn_status_uuid(name, uuid) != 0) {
        json_decref(o);
        return NULL;
    }
    json_object_set_new(o, "eventID", json_string(uuid));
    json_object_set_new(o, "eventCreatedDateTime", json_string(created));
    return o;
}

/* ------------------------------------------------------------------------ */
/* GET /v2/events                                                           */

typedef struct {
    const char *bad; /* the first parameter not known */
    char *query;     /* the parameters but cursor, URL-encoded, for Next-Page */
    size_t len, cap;
    bool oom;
} s_args_t;

static const char *const s_event_args[] = {"equipmentReference",
                                           "transportDocumentReference",
                                           "eventType",
                                           "eventCreatedDateTime",
                                           "eventCreatedDateTime:gte",
                                           "eventCreatedDateTime:gt",
                                           "eventCreatedDateTime:lte",
                                           "eventCreatedDateTime:lt",
                                           "eventCreatedDateTime:eq",
                                           "limit",
                                           "cursor"};

static void s_put(s_args_t *a, const char *s, size_t n)
{
    if (a->oom)
        return;
    if (a->len + n + 1 > a->cap) {
        size_t cap = (a->len + n + 1) * 2;
        char *p = realloc(a->query, cap);
        if (!p) {
            a->oom = true;
            return;
        }
        a->query = p;
        a->cap = cap;
    }
    memcpy(a->query + a->len, s, n);
    a->len += n;
    a->query[a->len] = '\0';
}

static void s_put_encoded(s_args_t *a, const char *s)
{
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if ((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
            strchr("-._~:", ch))
            s_put(a, s, 1);
        else {
            char hex[4];
            snprintf(hex, sizeof hex, "%%%02X", ch);
            s_put(a, hex, 3);
        }
    }
}

static enum MHD_Result s_arg(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
    (void)kind;
    s_args_t *a = cls;
    size_t k = 0, n = sizeof s_event_args / sizeof s_event_args[0];
    while (k < n && strcmp(key, s_event_args[k]))
        k++;
    if (k == n) {
        if (!a->bad)
            a->bad = key;
        return MHD_YES;
    }
    if (!strcmp(key, "cursor"))
        return MHD_YES;
    if (a->len)
        s_put(a, "&", 1);
    s_put_encoded(a, key);
    s_put(a, "=", 1);
    s_put_encoded(a, value ? value : "");
    return MHD_YES;
}

/* A date-time parameter: ISO 8601 with its offset.  A '+' of the offset
 * that arrived unencoded reads as a space: taken back. */
static bool s_datetime(const char *text, char out[64])
{
    if (!text)
        return true;
    char buf[64];
    snprintf(buf, sizeof buf, "%s", text);
    char *sp = strchr(buf, ' ');
    if (sp && sp > buf + 10)
        *sp = '+'; /* a date and a time, with Z or an offset */
    size_t n = strlen(buf);
    bool zone =
        n > 19 && (buf[n - 1] == 'Z' ||
                   (n >= 25 && (buf[n - 6] == '+' || buf[n - 6] == '-') && buf[n - 3] == ':'));
    kn_feel_value_t v;
    if (strlen(text) >= sizeof buf || buf[10] != 'T' || !zone ||
        kn_feel_datetime_parse(buf, n, &v) != 0 || v.type != KN_FEEL_DATETIME)
        return false;
    snprintf(out, 64, "%lld", (long long)v.as.t);
    return true;
}

static bool s_reference(const char *s, size_t max)
{
    size_t n = strlen(s);
    if (n == 0 || n > max)
        return false;
    for (; *s; s++)
        if (*s <= ' ' || *s > '~')
            return false;
    return true;
}

static enum MHD_Result s_events(kn_api_t *self, struct MHD_Connection *c, const char *url,
                                const s_who_t *who)
{
    s_args_t a = {0};
    MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, s_arg, &a);
    enum MHD_Result res;
    if (a.oom) {
        free(a.query);
        return MHD_NO;
    }
    if (a.bad) {
        res = s_problem(c, 400, url,
                        "query parameter %s is not one of equipmentReference, "
                        "transportDocumentReference, eventType, eventCreatedDateTime[:gte|:gt|"
                        ":lte|:lt|:eq], limit, cursor",
                        a.bad);
        goto out;
    }
#define ARG(name) MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, name)
    const char *box = ARG("equipmentReference"), *bill = ARG("transportDocumentReference");
    if (box && !s_reference(box, 35)) {
        res = s_problem(c, 400, url, "equipmentReference must be 1 to 35 printable characters");
        goto out;
    }
    if (bill && !s_reference(bill, 35)) {
        res = s_problem(c, 400, url,
                        "transportDocumentReference must be 1 to 35 printable characters");
        goto out;
    }
    char types[64] = "";
    const char *t = ARG("eventType");
    if (t) {
        /* a comma-separated list of EQUIPMENT, TRANSPORT, SHIPMENT: an array literal */
        size_t n = 0;
        strcat(types, "{");
        for (const char *p = t;;) {
            size_t len = strcspn(p, ",");
            bool known = (len == 9 && !strncmp(p, "EQUIPMENT", 9)) ||
                         (len == 9 && !strncmp(p, "TRANSPORT", 9)) ||
                         (len == 8 && !strncmp(p, "SHIPMENT", 8));
            if (!known || n == 3) {
                res =
                    s_problem(c, 400, url,
                              "eventType \"%s\": each must be EQUIPMENT, TRANSPORT or SHIPMENT", t);
                goto out;
            }
            if (n++)
                strcat(types, ",");
            strncat(types, p, len);
            if (!p[len])
                break;
            p += len + 1;
        }
        strcat(types, "}");
    }
    static const char *const times[] = {"eventCreatedDateTime:gte", "eventCreatedDateTime:gt",
                                        "eventCreatedDateTime:lte", "eventCreatedDateTime:lt",
                                        "eventCreatedDateTime:eq"};
    char when[5][64];
    const char *when_p[5];
    for (int i = 0; i < 5; i++) {
        const char *v = ARG(times[i]);
        if (i == 4 && !v)
            v = ARG("eventCreatedDateTime");
        when_p[i] = NULL;
        if (!v)
            continue;
        if (!s_datetime(v, when[i])) {
            res = s_problem(c, 400, url,
                            "%s \"%s\" is not a date-time with its offset, as in "
                            "2026-11-22T08:00:00+08:00 (write + as %%2B in a URL)",
                            i == 4 && !ARG(times[4]) ? "eventCreatedDateTime" : times[i], v);
            goto out;
        }
        when_p[i] = when[i];
    }
    int64_t page = kn_config_int(self->cfg, "api", "page_size");
    int64_t max = kn_config_int(self->cfg, "api", "page_max");
    const char *l = ARG("limit");
    if (l) {
        char *end;
        long long v = strtoll(l, &end, 10);
        if (!*l || *end || v < 1 || v > max) {
            res = s_problem(c, 400, url, "limit \"%s\" must be a whole number from 1 to %lld", l,
                            (long long)max);
            goto out;
        }
        page = v;
    }
    char after[24] = "0";
    const char *cur = ARG("cursor");
    if (cur) {
        size_t n = strlen(cur);
        if (n < 2 || n > 17 || cur[0] != 'c' || strspn(cur + 1, "0123456789abcdef") != n - 1) {
            res = s_problem(c, 400, url,
                            "cursor \"%s\" is not one this API gave (take it from Next-Page)", cur);
            goto out;
        }
        snprintf(after, sizeof after, "%llu", strtoull(cur + 1, NULL, 16));
    }
#undef ARG
    char limit[24];
    snprintf(limit, sizeof limit, "%lld", (long long)page + 1);
    const char *params[11] = {box,
                              bill,
                              types[0] ? types : NULL,
                              when_p[0],
                              when_p[1],
                              when_p[2],
                              when_p[3],
                              when_p[4],
                              after,
                              limit,
                              who->agent[0] ? who->agent : NULL};
    PGresult *r = s_query(
        self,
        S_MINE(11) "SELECT e.id, to_char(e.created_at AT TIME ZONE 'UTC', "
                   "'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'), e.detail::text FROM event e "
                   "WHERE ($1::text IS NULL OR e.equipment_reference = $1) "
                   "AND ($2::text IS NULL OR e.transport_document_reference = $2) "
                   "AND ($3::text[] IS NULL OR e.event_type = ANY ($3::text[])) "
                   "AND ($4::int8 IS NULL OR e.created_at >= to_timestamp($4::int8 / 1000.0)) "
                   "AND ($5::int8 IS NULL OR e.created_at > to_timestamp($5::int8 / 1000.0)) "
                   "AND ($6::int8 IS NULL OR e.created_at <= to_timestamp($6::int8 / 1000.0)) "
                   "AND ($7::int8 IS NULL OR e.created_at < to_timestamp($7::int8 / 1000.0)) "
                   "AND ($8::int8 IS NULL OR date_trunc('milliseconds', e.created_at) = "
                   "to_timestamp($8::int8 / 1000.0)) "
                   "AND e.id > $9::int8 AND " S_SCOPE(11) " ORDER BY e.id LIMIT $10::int8",
        11, params);
    if (!r) {
        res = s_problem(c, 503, url, "the database is not available");
        goto out;
    }
    int rows = PQntuples(r);
    bool more = rows > page;
    if (more)
        rows = (int)page;
    json_t *list = json_array();
    for (int i = 0; list && i < rows; i++) {
        json_t *ev = s_event(PQgetvalue(r, i, 0), PQgetvalue(r, i, 1), PQgetvalue(r, i, 2));
        if (!ev || json_array_append_new(list, ev) != 0) {
            json_decref(list);
            list = NULL;
        }
    }
    char next[24] = "";
    if (more && rows > 0)
        snprintf(next, sizeof next, "c%llx", strtoull(PQgetvalue(r, rows - 1, 0), NULL, 10));
    PQclear(r);
    if (!list) {
        res = MHD_NO;
        goto out;
    }
    if (!s_audit(self, who, "GET /v2/events", a.query ? a.query : "", 200, (size_t)rows)) {
        json_decref(list);
        res = s_problem(c, 503, url, "the database is not available (audit)");
        goto out;
    }
    if (next[0]) {
        s_put(&a, a.len ? "&cursor=" : "cursor=", a.len ? 8 : 7);
        s_put(&a, next, strlen(next));
        char *link = a.oom ? NULL : malloc(a.len + 16);
        if (!link) {
            json_decref(list);
            res = MHD_NO;
            goto out;
        }
        snprintf(link, a.len + 16, "/v2/events?%s", a.query);
        res = s_json(c, 200, list, "Next-Page", link);
        free(link);
    } else
        res = s_json(c, 200, list, NULL, NULL);
out:
    free(a.query);
    return res;
}

/* ------------------------------------------------------------------------ */
/* GET /v1/containers/{ref}/timeline                                        */

static enum MHD_Result s_timeline(kn_api_t *self, struct MHD_Connection *c, const char *url,
                                  const s_who_t *who, const char *box)
{
    const char *params[2] = {box, who->agent[0] ? who->agent : NULL};
    PGresult *r = s_query(
        self,
        S_MINE(2) "SELECT e.id, to_char(e.created_at AT TIME ZONE 'UTC', "
                  "'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'), e.detail::text FROM event e "
                  "WHERE (e.equipment_reference = $1 OR (e.equipment_reference IS NULL AND "
                  "e.transport_document_reference IN (SELECT t.transport_document_reference "
                  "FROM event t WHERE t.equipment_reference = $1))) AND " S_SCOPE(
                      2) " ORDER BY e.event_datetime NULLS LAST, e.id",
        2, params);
    if (!r)
        return s_problem(c, 503, url, "the database is not available");
    int rows = PQntuples(r);
    if (rows == 0) {
        PQclear(r);
        /* unknown, or another company's: the same answer */
        s_audit(self, who, "GET /v1/containers/timeline", box, 404, 0);
        return s_problem(c, 404, url, "no container %s among the cargo you may see", box);
    }
    json_t *events = json_array();
    for (int i = 0; events && i < rows; i++) {
        json_t *ev = s_event(PQgetvalue(r, i, 0), PQgetvalue(r, i, 1), PQgetvalue(r, i, 2));
        if (!ev || json_array_append_new(events, ev) != 0) {
            json_decref(events);
            events = NULL;
        }
    }
    PQclear(r);
    r = s_query(self,
                "SELECT v.direction, v.phase, v.route, (SELECT d.reason FROM decision d WHERE "
                "d.equipment_reference = v.equipment_reference AND d.reason IS NOT NULL ORDER BY "
                "d.id DESC LIMIT 1), v.slot_area, to_char(v.slot_start AT TIME ZONE "
                "'Asia/Shanghai', 'YYYY-MM-DD\"T\"HH24:MI:SS\"+08:00\"'), v.closed_at IS NOT NULL "
                "FROM visit v WHERE v.equipment_reference = $1 ORDER BY v.opened_at DESC, v.id "
                "DESC LIMIT 1",
                1, params);
    if (!r || !events) {
        PQclear(r);
        json_decref(events);
        return r ? MHD_NO : s_problem(c, 503, url, "the database is not available");
    }
    json_t *o = json_object();
    json_object_set_new(o, "equipmentReference", json_string(box));
    if (PQntuples(r) == 1) {
        json_t *v = json_object();
        static const char *const keys[] = {"direction", "phase", "route", "reason"};
        for (int k = 0; k < 4; k++)
            if (!PQgetisnull(r, 0, k))
                json_object_set_new(v, keys[k], json_string(PQgetvalue(r, 0, k)));
        if (!PQgetisnull(r, 0, 4) && !PQgetisnull(r, 0, 5))
            json_object_set_new(
                v, "inspectionSlot",
                json_pack("{s:s, s:s}", "area", PQgetvalue(r, 0, 4), "start", PQgetvalue(r, 0, 5)));
        json_object_set_new(v, "closed", json_boolean(PQgetvalue(r, 0, 6)[0] == 't'));
        json_object_set_new(o, "visit", v);
    }
    PQclear(r);
    json_object_set_new(o, "events", events);
    if (!s_audit(self, who, "GET /v1/containers/timeline", box, 200, (size_t)rows)) {
        json_decref(o);
        return s_problem(c, 503, url, "the database is not available (audit)");
    }
    return s_json(c, 200, o, NULL, NULL);
}

/* ------------------------------------------------------------------------ */
/* /healthz and /metrics                                                    */

static enum MHD_Result s_metrics(kn_api_t *self, struct MHD_Connection *c, const char *url)
{
    static const struct {
        const char *name, *help, *type, *label, *sql;
    } families[] = {
        {"kouan_inbound_messages_total", "messages stored, by status", "counter", "status",
         "SELECT status, count(*) FROM inbound GROUP BY 1 ORDER BY 1"},
        {"kouan_events_total", "canonical events stored, by DCSA event code", "counter", "code",
         "SELECT event_code, count(*) FROM event GROUP BY 1 ORDER BY 1"},
        {"kouan_decisions_total", "diversion decisions, by route", "counter", "route",
         "SELECT coalesce(route, ''), count(*) FROM decision GROUP BY 1 ORDER BY 1"},
        {"kouan_visits_open", "container visits open, by phase", "gauge", "phase",
         "SELECT phase, count(*) FROM visit WHERE closed_at IS NULL GROUP BY 1 ORDER BY 1"},
        {"kouan_outbox_depth", "notifications waiting, by endpoint", "gauge", "endpoint",
         "SELECT endpoint, count(*) FROM outbox WHERE status = 'pending' GROUP BY 1 ORDER BY 1"},
        {"kouan_outbox_notifications", "notifications, by status", "gauge", "status",
         "SELECT status, count(*) FROM outbox GROUP BY 1 ORDER BY 1"},
        {"kouan_deliveries_total", "delivery tries, by result", "counter", "result",
         "SELECT CASE WHEN http_status BETWEEN 200 AND 299 THEN 'delivered' WHEN http_status "
         "IS NULL THEN 'no_answer' ELSE http_status::text END, count(*) FROM delivery_attempt "
         "GROUP BY 1 ORDER BY 1"},
    };
    s_args_t out = {0};
    for (size_t f = 0; f < sizeof families / sizeof families[0]; f++) {
        PGresult *r = s_query(self, families[f].sql, 0, NULL);
        if (!r) {
            free(out.query);
            return s_problem(c, 503, url, "the database is not available");
        }
        char line[512];
        int n = snprintf(line, sizeof line, "# HELP %s %s\n# TYPE %s %s\n", families[f].name,
                         families[f].help, families[f].name, families[f].type);
        s_put(&out, line, (size_t)n);
        for (int i = 0; i < PQntuples(r); i++) {
            /* label values come from the database: quote and backslash escaped */
            char value[200];
            size_t k = 0;
            for (const char *p = PQgetvalue(r, i, 0); *p && k + 2 < sizeof value; p++) {
                if (*p == '"' || *p == '\\')
                    value[k++] = '\\';
                value[k++] = *p == '\n' ? ' ' : *p;
            }
            value[k] = '\0';
            n = snprintf(line, sizeof line, "%s{%s=\"%s\"} %s\n", families[f].name,
                         families[f].label, value, PQgetvalue(r, i, 1));
            s_put(&out, line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1);
        }
        PQclear(r);
    }
    if (out.oom) {
        free(out.query);
        return MHD_NO;
    }
    return s_send(c, 200, "text/plain; version=0.0.4; charset=utf-8", out.query, NULL, NULL);
}

/* ------------------------------------------------------------------------ */
/* routing                                                                  */

static enum MHD_Result s_on_request(void *cls, struct MHD_Connection *c, const char *url,
                                    const char *method, const char *version, const char *data,
                                    size_t *size, void **state)
{
    (void)version, (void)data, (void)size;
    kn_api_t *self = cls;
    if (!*state) { /* the headers: answer when the request is whole */
        *state = self;
        return MHD_YES;
    }
    if (strcmp(method, MHD_HTTP_METHOD_GET) != 0)
        return s_problem(c, 405, url, "%s: this API answers GET only here", method);
    if (!strcmp(url, "/healthz")) {
        bool ok = s_db_ok(self);
        PGresult *r = ok ? s_query(self, "SELECT 1", 0, NULL) : NULL;
        PQclear(r);
        if (!r)
            return s_problem(c, 503, url, "the database is not available");
        return s_json(c, 200, json_pack("{s:s}", "status", "ok"), NULL, NULL);
    }
    if (!s_db_ok(self))
        return s_problem(c, 503, url, "the database is not available");
    if (!strcmp(url, "/metrics"))
        return s_metrics(self, c, url);
    s_who_t who = {0};
    const char *why = NULL;
    int st = s_who(self, c, &who, &why);
    if (st)
        return s_problem(c, (unsigned)st, url, "%s", why);
    if (!strcmp(url, "/v2/events"))
        return s_events(self, c, url, &who);
    static const char prefix[] = "/v1/containers/", suffix[] = "/timeline";
    size_t n = strlen(url), p = sizeof prefix - 1, s = sizeof suffix - 1;
    if (n > p + s && !strncmp(url, prefix, p) && !strcmp(url + n - s, suffix)) {
        char box[16];
        size_t len = n - p - s;
        bool ok = len == 11;
        for (size_t i = 0; ok && i < 11; i++)
            ok = i < 4 ? url[p + i] >= 'A' && url[p + i] <= 'Z'
                       : url[p + i] >= '0' && url[p + i] <= '9';
        if (!ok)
            return s_problem(c, 400, url,
                             "a container number is four capital letters and seven digits, as "
                             "in MSCU1234566");
        memcpy(box, url + p, 11);
        box[11] = '\0';
        return s_timeline(self, c, url, &who, box);
    }
    return s_problem(c, 404, url, "no such resource: %s", url);
}

kn_api_t *kn_api_start(const kn_config_t *cfg, PGconn *conn, char *address, size_t addrsize,
                       char *errbuf, size_t errsize)
{
    kn_api_t *self = calloc(1, sizeof *self);
    if (!self) {
        PQfinish(conn);
        snprintf(errbuf, errsize, "api: out of memory");
        return NULL;
    }
    self->cfg = cfg;
    self->conn = conn;
    char why[512];
    if (kn_http_start(kn_config_str(cfg, "api", "listen"), s_on_request, self, NULL, &self->daemon,
                      address, addrsize, why, sizeof why) != 0) {
        snprintf(errbuf, errsize, "[api] %s", why);
        kn_api_destroy(&self);
        return NULL;
    }
    return self;
}

void kn_api_destroy(kn_api_t **api)
{
    if (!api || !*api)
        return;
    if ((*api)->daemon)
        MHD_stop_daemon((*api)->daemon);
    PQfinish((*api)->conn);
    free(*api);
    *api = NULL;
}
