/* kouan — the API's cargo resources: DCSA events, container timelines, and
 * the metrics (see api.h). */
#include "err.h"
#include "feel.h"
#include "internal.h"
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
    if (strlen(text) >= sizeof buf || n <= 19 || buf[10] != 'T' || !zone ||
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

/* Rows 0..n-1 of r (id, created, detail) as a JSON array of events; NULL on
 * no memory. */
static json_t *s_event_list(PGresult *r, int n)
{
    json_t *list = json_array();
    for (int i = 0; list && i < n; i++) {
        json_t *ev = kn__api_event(PQgetvalue(r, i, 0), PQgetvalue(r, i, 1), PQgetvalue(r, i, 2));
        if (!ev || json_array_append_new(list, ev) != 0) {
            json_decref(list);
            list = NULL;
        }
    }
    return list;
}

static enum MHD_Result s_events(kn__api_req_t *req, const char *arg)
{
    (void)arg;
    struct MHD_Connection *c = req->c;
    const kn__api_who_t *who = &req->who;
    s_args_t a = {0};
    MHD_get_connection_values(c, MHD_GET_ARGUMENT_KIND, s_arg, &a);
    enum MHD_Result res;
    if (a.oom) {
        free(a.query);
        return MHD_NO;
    }
    if (a.bad) {
        res =
            kn__api_problem(req, 400,
                            "query parameter %s is not one of equipmentReference, "
                            "transportDocumentReference, eventType, eventCreatedDateTime[:gte|:gt|"
                            ":lte|:lt|:eq], limit, cursor",
                            a.bad);
        goto out;
    }
#define ARG(name) MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, name)
    const char *box = ARG("equipmentReference"), *bill = ARG("transportDocumentReference");
    if (box && !s_reference(box, 35)) {
        res = kn__api_problem(req, 400, "equipmentReference must be 1 to 35 printable characters");
        goto out;
    }
    if (bill && !s_reference(bill, 35)) {
        res = kn__api_problem(req, 400,
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
                res = kn__api_problem(
                    req, 400, "eventType \"%s\": each must be EQUIPMENT, TRANSPORT or SHIPMENT", t);
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
            res = kn__api_problem(req, 400,
                                  "%s \"%s\" is not a date-time with its offset, as in "
                                  "2026-11-22T08:00:00+08:00 (write + as %%2B in a URL)",
                                  i == 4 && !ARG(times[4]) ? "eventCreatedDateTime" : times[i], v);
            goto out;
        }
        when_p[i] = when[i];
    }
    int64_t page = kn_config_int(req->cfg, "api", "page_size");
    int64_t max = kn_config_int(req->cfg, "api", "page_max");
    const char *l = ARG("limit");
    if (l) {
        char *end;
        long long v = strtoll(l, &end, 10);
        if (!*l || *end || v < 1 || v > max) {
            res = kn__api_problem(req, 400, "limit \"%s\" must be a whole number from 1 to %lld", l,
                                  (long long)max);
            goto out;
        }
        page = v;
    }
    char after[24] = "0";
    const char *cur = ARG("cursor");
    if (cur) {
        size_t n = strlen(cur);
        if (n < 2 || n > 16 || cur[0] != 'c' || strspn(cur + 1, "0123456789abcdef") != n - 1 ||
            (n == 16 && cur[1] > '7')) { /* at most 15 hex digits, or 16 below 2^63 */
            res = kn__api_problem(
                req, 400, "cursor \"%s\" is not one this API gave (take it from Next-Page)", cur);
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
    PGresult *r = kn__api_query(
        req,
        KN__API_MINE(
            11) "SELECT " KN__API_EVENT_COLUMNS " FROM event e "
                "WHERE ($1::text IS NULL OR e.equipment_reference = $1) "
                "AND ($2::text IS NULL OR e.transport_document_reference = $2) "
                "AND ($3::text[] IS NULL OR e.event_type = ANY ($3::text[])) "
                "AND ($4::int8 IS NULL OR e.created_at >= to_timestamp($4::int8 / 1000.0)) "
                "AND ($5::int8 IS NULL OR e.created_at > to_timestamp($5::int8 / 1000.0)) "
                "AND ($6::int8 IS NULL OR e.created_at <= to_timestamp($6::int8 / 1000.0)) "
                "AND ($7::int8 IS NULL OR e.created_at < to_timestamp($7::int8 / 1000.0)) "
                "AND ($8::int8 IS NULL OR date_trunc('milliseconds', e.created_at) = "
                "to_timestamp($8::int8 / 1000.0)) "
                "AND e.id > $9::int8 AND " KN__API_SCOPE(11) " ORDER BY e.id LIMIT $10::int8",
        11, params);
    if (!r) {
        res = kn__api_problem(req, 503, "the database is not available");
        goto out;
    }
    int rows = PQntuples(r);
    bool more = rows > page;
    if (more)
        rows = (int)page;
    json_t *list = s_event_list(r, rows);
    char next[24] = "";
    if (more && rows > 0)
        snprintf(next, sizeof next, "c%llx", strtoull(PQgetvalue(r, rows - 1, 0), NULL, 10));
    PQclear(r);
    if (!list) {
        res = MHD_NO;
        goto out;
    }
    if (!kn__api_audit(req, "GET /v2/events", a.query ? a.query : "", 200, (size_t)rows)) {
        json_decref(list);
        res = kn__api_problem(req, 503, "the database is not available (audit)");
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
        res = kn__api_json(req, 200, list, "Next-Page", link);
        free(link);
    } else
        res = kn__api_json(req, 200, list, NULL, NULL);
out:
    free(a.query);
    return res;
}

/* ------------------------------------------------------------------------ */
/* GET /v1/containers/{ref}/timeline                                        */

static enum MHD_Result s_timeline(kn__api_req_t *req, const char *box)
{
    const kn__api_who_t *who = &req->who;
    enum MHD_Result bad;
    if (!kn__api_container(req, box, &bad))
        return bad;
    const char *params[2] = {box, who->agent[0] ? who->agent : NULL};
    PGresult *r = kn__api_query(
        req,
        KN__API_MINE(2) "SELECT " KN__API_EVENT_COLUMNS " FROM event e "
                        "WHERE (e.equipment_reference = $1 OR (e.equipment_reference IS NULL AND "
                        "e.transport_document_reference IN (SELECT t.transport_document_reference "
                        "FROM event t WHERE t.equipment_reference = $1))) AND " KN__API_SCOPE(
                            2) " ORDER BY e.event_datetime NULLS LAST, e.id",
        2, params);
    if (!r)
        return kn__api_problem(req, 503, "the database is not available");
    int rows = PQntuples(r);
    if (rows == 0) {
        PQclear(r);
        /* unknown, or another company's: the same answer */
        kn__api_audit(req, "GET /v1/containers/timeline", box, 404, 0);
        return kn__api_problem(req, 404, "no container %s among the cargo you may see", box);
    }
    json_t *events = s_event_list(r, rows);
    PQclear(r);
    r = kn__api_query(
        req,
        KN__API_MINE(
            2) "SELECT v.direction, v.phase, v.route, (SELECT d.reason FROM "
               "decision d WHERE "
               "d.equipment_reference = v.equipment_reference AND d.reason <> '' ORDER BY "
               "d.id DESC LIMIT 1), v.slot_area, to_char(v.slot_start AT TIME ZONE "
               "'Asia/Shanghai', 'YYYY-MM-DD\"T\"HH24:MI:SS\"+08:00\"'), v.closed_at IS NOT NULL "
               "FROM visit v WHERE v.equipment_reference = $1 AND " KN__API_BOX_MINE(
                   1, 2) " "
                         "ORDER BY v.opened_at DESC, v.id DESC LIMIT 1",
        2, params);
    if (!r || !events) {
        PQclear(r);
        json_decref(events);
        return r ? MHD_NO : kn__api_problem(req, 503, "the database is not available");
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
    if (!kn__api_audit(req, "GET /v1/containers/timeline", box, 200, (size_t)rows)) {
        json_decref(o);
        return kn__api_problem(req, 503, "the database is not available (audit)");
    }
    return kn__api_json(req, 200, o, NULL, NULL);
}

/* ------------------------------------------------------------------------ */
/* /healthz and /metrics                                                    */

static void s_putf(s_args_t *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void s_putf(s_args_t *a, const char *fmt, ...)
{
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (n > 0)
        s_put(a, line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1);
}

/* A histogram from the broker's [[le, count], ...] (per-bucket counts, the
 * last le "+Inf") as Prometheus wants it: cumulative, in the unit scaled. */
static void s_histogram(s_args_t *out, const char *name, const char *instance, json_t *buckets,
                        double scale, double sum, uint64_t count)
{
    uint64_t cumulative = 0;
    size_t i;
    json_t *b;
    json_array_foreach(buckets, i, b)
    {
        json_t *le = json_array_get(b, 0);
        cumulative += (uint64_t)json_integer_value(json_array_get(b, 1));
        if (json_is_number(le))
            s_putf(out, "%s_bucket{instance=\"%s\",le=\"%g\"} %llu\n", name, instance,
                   json_number_value(le) * scale, (unsigned long long)cumulative);
        else
            s_putf(out, "%s_bucket{instance=\"%s\",le=\"+Inf\"} %llu\n", name, instance,
                   (unsigned long long)cumulative);
    }
    s_putf(out, "%s_sum{instance=\"%s\"} %g\n%s_count{instance=\"%s\"} %llu\n", name, instance, sum,
           name, instance, (unsigned long long)count);
}

/* The running brokers' own counts (broker_metrics rows written in the last
 * minute): messages, ingest rate, batch sizes, ACK latency.  0, or -1 when
 * the database fails. */
static int s_broker_metrics(kn__api_req_t *req, s_args_t *out)
{
    PGresult *r = kn__api_query(req,
                                "SELECT instance, metrics::text FROM broker_metrics WHERE "
                                "updated_at > now() - interval '1 minute' ORDER BY instance",
                                0, NULL);
    if (!r)
        return -1;
    static const char *const heads[][3] = {
        {"kouan_broker_messages_total", "counter", "messages the broker took and answered"},
        {"kouan_broker_ingest_rate", "gauge", "messages a second taken, over the last 5 s"},
        {"kouan_broker_batch_size", "histogram", "messages per committed batch"},
        {"kouan_broker_ack_latency_seconds", "histogram",
         "from a message taken off the socket to its ACK or NACK"},
    };
    json_t *rows[64];
    int n = PQntuples(r) < 64 ? PQntuples(r) : 64;
    for (int i = 0; i < n; i++)
        rows[i] = json_loads(PQgetvalue(r, i, 1), 0, NULL);
    for (size_t h = 0; h < sizeof heads / sizeof heads[0]; h++) {
        s_putf(out, "# HELP %s %s\n# TYPE %s %s\n", heads[h][0], heads[h][2], heads[h][0],
               heads[h][1]);
        for (int i = 0; i < n; i++) {
            json_t *m = rows[i];
            const char *inst = PQgetvalue(r, i, 0);
            if (!json_is_object(m) || strpbrk(inst, "\"\\\n"))
                continue;
            if (h == 0) {
                static const char *const results[] = {"received", "acked", "nacked", "duplicates"};
                for (size_t k = 0; k < 4; k++)
                    s_putf(out, "%s{instance=\"%s\",result=\"%s\"} %lld\n", heads[h][0], inst,
                           results[k],
                           (long long)json_integer_value(json_object_get(m, results[k])));
            } else if (h == 1)
                s_putf(out, "%s{instance=\"%s\"} %g\n", heads[h][0], inst,
                       json_number_value(json_object_get(m, "ingest_rate")));
            else if (h == 2)
                s_histogram(out, heads[h][0], inst, json_object_get(m, "batch_size"), 1,
                            (double)json_integer_value(json_object_get(m, "batch_messages")),
                            (uint64_t)json_integer_value(json_object_get(m, "batches")));
            else {
                uint64_t count = (uint64_t)(json_integer_value(json_object_get(m, "acked")) +
                                            json_integer_value(json_object_get(m, "nacked")));
                s_histogram(out, heads[h][0], inst, json_object_get(m, "ack_latency_ms"), 0.001,
                            json_number_value(json_object_get(m, "ack_latency_sum_ms")) / 1000.0,
                            count);
            }
        }
    }
    for (int i = 0; i < n; i++)
        json_decref(rows[i]);
    PQclear(r);
    return 0;
}

static enum MHD_Result s_metrics(kn__api_req_t *req, const char *arg)
{
    (void)arg;
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
         /* subscriptions' ids are not for anyone who can read /metrics */
         "SELECT CASE WHEN endpoint LIKE 'subscription:%' THEN 'subscription' ELSE endpoint END, "
         "count(*) FROM outbox WHERE status = 'pending' GROUP BY 1 ORDER BY 1"},
        {"kouan_outbox_notifications", "notifications, by status", "gauge", "status",
         "SELECT status, count(*) FROM outbox GROUP BY 1 ORDER BY 1"},
        {"kouan_deliveries_total", "delivery tries, by result", "counter", "result",
         "SELECT CASE WHEN http_status BETWEEN 200 AND 299 THEN 'delivered' WHEN http_status "
         "IS NULL THEN 'no_answer' ELSE http_status::text END, count(*) FROM delivery_attempt "
         "GROUP BY 1 ORDER BY 1"},
    };
    s_args_t out = {0};
    for (size_t f = 0; f < sizeof families / sizeof families[0]; f++) {
        PGresult *r = kn__api_query(req, families[f].sql, 0, NULL);
        if (!r) {
            free(out.query);
            return kn__api_problem(req, 503, "the database is not available");
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
    if (s_broker_metrics(req, &out) != 0) {
        free(out.query);
        return kn__api_problem(req, 503, "the database is not available");
    }
    if (out.oom) {
        free(out.query);
        return MHD_NO;
    }
    return kn__api_send(req, 200, "text/plain; version=0.0.4; charset=utf-8", out.query, NULL,
                        NULL);
}

/* GET /v1/bills/{bill}/timeline: the bill's events and its boxes' (oldest
 * first), and each box's route now.  Another company's bill is unknown. */
static enum MHD_Result s_bill(kn__api_req_t *req, const char *bill)
{
    const kn__api_who_t *who = &req->who;
    if (!s_reference(bill, 35))
        return kn__api_problem(req, 400, "a bill of lading is 1 to 35 printable characters");
    const char *params[2] = {bill, who->agent[0] ? who->agent : NULL};
    PGresult *r = kn__api_query(
        req,
        KN__API_MINE(2) "SELECT " KN__API_EVENT_COLUMNS " FROM event e "
                        "WHERE (e.transport_document_reference = $1 OR e.equipment_reference IN "
                        "(SELECT t.equipment_reference FROM event t WHERE "
                        "t.transport_document_reference = $1 AND t.equipment_reference IS NOT "
                        "NULL)) AND " KN__API_SCOPE(
                            2) " ORDER BY e.event_datetime NULLS LAST, e.id "
                               "LIMIT 5000",
        2, params);
    if (!r)
        return kn__api_problem(req, 503, "the database is not available");
    int rows = PQntuples(r);
    if (rows == 0) {
        PQclear(r);
        kn__api_audit(req, "GET /v1/bills/timeline", bill, 404, 0);
        return kn__api_problem(req, 404, "no bill of lading %s among the cargo you may see", bill);
    }
    json_t *events = s_event_list(r, rows);
    PQclear(r);
    r = kn__api_query(req,
                      "SELECT b.box, v.route, v.phase, v.closed_at IS NOT NULL FROM (SELECT "
                      "DISTINCT equipment_reference AS box FROM event WHERE "
                      "transport_document_reference = $1 AND equipment_reference IS NOT NULL) b "
                      "LEFT JOIN LATERAL (SELECT route, phase, closed_at FROM visit WHERE "
                      "equipment_reference = b.box ORDER BY opened_at DESC LIMIT 1) v ON "
                      /* a box that moved on to another's bill: not its route now */
                      "($2::text IS NULL OR (SELECT l.transport_document_reference FROM event l "
                      "WHERE l.equipment_reference = b.box AND l.transport_document_reference IS "
                      "NOT NULL ORDER BY l.id DESC LIMIT 1) = $1) ORDER BY b.box",
                      2, params);
    if (!r || !events) {
        PQclear(r);
        json_decref(events);
        return r ? MHD_NO : kn__api_problem(req, 503, "the database is not available");
    }
    json_t *boxes = json_array();
    for (int i = 0; i < PQntuples(r); i++) {
        json_t *b = json_pack("{s:s}", "equipmentReference", PQgetvalue(r, i, 0));
        if (!PQgetisnull(r, i, 1))
            json_object_set_new(b, "route", json_string(PQgetvalue(r, i, 1)));
        if (!PQgetisnull(r, i, 2))
            json_object_set_new(b, "phase", json_string(PQgetvalue(r, i, 2)));
        json_object_set_new(b, "closed", json_boolean(PQgetvalue(r, i, 3)[0] == 't'));
        json_array_append_new(boxes, b);
    }
    PQclear(r);
    json_t *o = json_pack("{s:s, s:o, s:o}", "transportDocumentReference", bill, "containers",
                          boxes, "events", events);
    if (!kn__api_audit(req, "GET /v1/bills/timeline", bill, 200, (size_t)rows)) {
        json_decref(o);
        return kn__api_problem(req, 503, "the database is not available (audit)");
    }
    return kn__api_json(req, 200, o, NULL, NULL);
}

const kn__api_route_t kn__api_events_routes[] = {
    {"GET", "/v2/events", KN__API_ALL, s_events},
    {"GET", "/v1/containers/{}/timeline", KN__API_ALL, s_timeline},
    {"GET", "/v1/bills/{}/timeline", KN__API_ALL, s_bill},
    {"GET", "/metrics", KN__API_ANYONE, s_metrics},
    {NULL, NULL, 0, NULL},
};
