/* kouan — the API's DCSA Track & Trace 2.2 event subscriptions (see api.h):
 *
 *   POST   /v2/event-subscriptions              a subscription: 201 and it
 *   GET    /v2/event-subscriptions              the ones the caller may see
 *   GET    /v2/event-subscriptions/{id}         one
 *   PUT    /v2/event-subscriptions/{id}         its callbackUrl and filters replaced (one
 *                                                disabled by a 410 is on again)
 *   DELETE /v2/event-subscriptions/{id}         gone, its waiting callbacks cancelled
 *   PUT    /v2/event-subscriptions/{id}/secret  its secret rotated: 204
 *
 * A subscription is a row of the subscription table that the broker fans
 * each event out to (an outbox row per match, in the event's transaction)
 * and kouan notify POSTs, signed with Notification-Signature under its
 * secret; kouan subscription manages the same rows from the command line.
 * The secret goes in and is never given back.
 *
 * Each one belongs to the principal who made it (owner; NULL for one made
 * with kouan subscription): agents and terminals see and change only their
 * own, officers and admins all.  An agent subscribes only to its own cargo:
 * it must name a container or a bill, and one outside the bills customs
 * names its agent code on is answered as unknown (404), as the events are.
 * Every answer but a malformed request is a row in audit, written in the
 * transaction of the change it records.
 */
#include "base64.h"
#include "internal.h"

#include <curl/curl.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define S_SECRET_MIN 32 /* bytes of a secret, decoded */
#define S_SECRET_MAX 64
#define S_URL_MAX 2048
#define S_REF_MAX 35  /* an equipment or transport document reference, as GET /v2/events takes */
#define S_OWN_MAX 100 /* subscriptions of one agent or terminal: each costs the broker a join */

/* The columns a subscription is shown from (s_view). */
#define S_COLUMNS                                                                                  \
    "id, callback_url, equipment_reference, transport_document_reference, "                        \
    "array_to_string(event_types, ','), to_char(created_at AT TIME ZONE 'UTC', "                   \
    "'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'), to_char(updated_at AT TIME ZONE 'UTC', "                \
    "'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'), to_char(disabled_at AT TIME ZONE 'UTC', "               \
    "'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'), disabled_reason, owner"

/* A subscription as the caller asked for it. */
typedef struct {
    const char *url, *box, *bill; /* box, bill: NULL for none */
    char types[40];               /* an array literal, "" for every type */
} s_filters_t;

/* ------------------------------------------------------------------------ */
/* helpers                                                                  */

/* Agents and terminals: only their own subscriptions (the owner, a
 * parameter); officers and admins: all (NULL). */
static const char *s_owner(const kn__api_req_t *req)
{
    bool staff = !strcmp(req->who.role, "officer") || !strcmp(req->who.role, "admin");
    return staff ? NULL : req->who.name;
}

static enum MHD_Result s_no_content(kn__api_req_t *req)
{
    char *empty = strdup("");
    return kn__api_send(req, 204, "text/plain; charset=utf-8", empty, NULL, NULL);
}

/* A callback URL: absolute http or https with a host; NULL, or why not. */
static const char *s_check_url(const char *url)
{
    const char *why = NULL;
    char *scheme = NULL, *host = NULL;
    CURLU *u = curl_url();
    if (!u)
        return "cannot be checked (out of memory)";
    if (strlen(url) > S_URL_MAX)
        why = "is too long";
    else if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK)
        why = "is not a URL";
    else if (curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
             (strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0))
        why = "is not http or https";
    else {
        /* curl reads "http:///h" as host h; a subscriber's URL is written out */
        const char *authority = strstr(url, "://");
        if (curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK || !host[0] || !authority ||
            authority[3] == '/' || authority[3] == '\0')
            why = "has no host";
    }
    curl_free(scheme);
    curl_free(host);
    curl_url_cleanup(u);
    return why;
}

/* A reference: 1 to S_REF_MAX printable characters but space. */
static bool s_reference(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > S_REF_MAX)
        return false;
    for (; *s; s++)
        if (*s <= ' ' || *s > '~')
            return false;
    return true;
}

/* The secret member: padded base64 of S_SECRET_MIN to S_SECRET_MAX bytes.
 * The text in *text (borrowed from body), or NULL after answering. */
static const char *s_secret(kn__api_req_t *req, json_t *body, enum MHD_Result *res)
{
    json_t *v = json_object_get(body, "secret");
    if (!v) {
        *res = kn__api_problem(req, 422, "secret is required: base64 of %d to %d random bytes",
                               S_SECRET_MIN, S_SECRET_MAX);
        return NULL;
    }
    if (!json_is_string(v)) {
        *res = kn__api_problem(req, 400, "secret must be a string (base64)");
        return NULL;
    }
    unsigned char raw[S_SECRET_MAX + 3];
    size_t len = 0;
    const char *text = json_string_value(v);
    bool ok = kn_base64_decode(text, json_string_length(v), raw, sizeof raw, &len) == 0 &&
              len >= S_SECRET_MIN && len <= S_SECRET_MAX;
    OPENSSL_cleanse(raw, sizeof raw);
    if (!ok) {
        *res =
            kn__api_problem(req, 422, "secret must be base64 (padded, RFC 4648) of %d to %d bytes",
                            S_SECRET_MIN, S_SECRET_MAX);
        return NULL;
    }
    return text;
}

/* callbackUrl and the filters of body into f; false after answering. */
static bool s_filters(kn__api_req_t *req, json_t *body, s_filters_t *f, enum MHD_Result *res)
{
    memset(f, 0, sizeof *f);
    json_t *url = json_object_get(body, "callbackUrl");
    if (!url) {
        *res = kn__api_problem(req, 422, "callbackUrl is required: where the events are POSTed");
        return false;
    }
    if (!json_is_string(url)) {
        *res = kn__api_problem(req, 400, "callbackUrl must be a string");
        return false;
    }
    f->url = json_string_value(url);
    const char *why =
        strlen(f->url) != json_string_length(url) ? "has a NUL character" : s_check_url(f->url);
    if (why) {
        *res = kn__api_problem(req, 422,
                               "callbackUrl \"%.200s\" %s (an absolute http or https "
                               "URL of at most %d bytes)",
                               f->url, why, S_URL_MAX);
        return false;
    }
    static const char *const refs[2] = {"equipmentReference", "transportDocumentReference"};
    for (int i = 0; i < 2; i++) {
        json_t *v = json_object_get(body, refs[i]);
        if (!v || json_is_null(v))
            continue;
        if (!json_is_string(v)) {
            *res = kn__api_problem(req, 400, "%s must be a string", refs[i]);
            return false;
        }
        const char *s = json_string_value(v);
        if (!s_reference(s) || strlen(s) != json_string_length(v)) {
            *res = kn__api_problem(req, 422, "%s \"%.40s\" must be 1 to %d printable characters",
                                   refs[i], s, S_REF_MAX);
            return false;
        }
        *(i == 0 ? &f->box : &f->bill) = s;
    }
    json_t *types = json_object_get(body, "eventType");
    if (types && !json_is_null(types)) {
        static const char *const known[3] = {"EQUIPMENT", "TRANSPORT", "SHIPMENT"};
        bool want[3] = {false, false, false};
        if (!json_is_array(types)) {
            *res = kn__api_problem(req, 400,
                                   "eventType must be an array of EQUIPMENT, TRANSPORT "
                                   "and SHIPMENT");
            return false;
        }
        size_t i;
        json_t *t;
        json_array_foreach(types, i, t)
        {
            const char *s = json_string_value(t);
            size_t k = 0;
            while (s && k < 3 && strcmp(s, known[k]))
                k++;
            if (!s || k == 3) {
                *res = kn__api_problem(req, 422,
                                       "eventType[%zu] %s%.20s%s is not one of EQUIPMENT, "
                                       "TRANSPORT, SHIPMENT",
                                       i, s ? "\"" : "", s ? s : "(not a string)", s ? "\"" : "");
                return false;
            }
            want[k] = true;
        }
        for (int k = 0; k < 3; k++)
            if (want[k]) {
                strcat(f->types, f->types[0] ? "," : "{");
                strcat(f->types, known[k]);
            }
        if (f->types[0])
            strcat(f->types, "}");
    }
    return true;
}

/* An agent's filters: at least one of box and bill, each within its cargo
 * (a box on one of its bills; one of its bills).  True when they are (or
 * the caller is no agent); false after answering. */
static bool s_own_cargo(kn__api_req_t *req, const char *action, const s_filters_t *f,
                        enum MHD_Result *res)
{
    if (!req->who.agent[0])
        return true;
    if (!f->bill) {
        /* the broker's fan-out matches the filters alone: a box filter alone
         * would follow the container to its next holder's cargo */
        *res = kn__api_problem(req, 422,
                               "transportDocumentReference is required: an agent subscribes to "
                               "its own bill (a container alone may later carry another "
                               "company's cargo); equipmentReference may narrow it to one box");
        return false;
    }
    const char *params[3] = {req->who.agent, f->box, f->bill};
    PGresult *r = kn__api_query(
        req,
        KN__API_MINE(1) "SELECT $2::text IS NULL OR EXISTS (SELECT 1 FROM event b WHERE "
                        "b.equipment_reference = $2 AND b.transport_document_reference IN "
                        "(SELECT bill FROM mine)), $3::text IS NULL OR $3 IN (SELECT bill FROM "
                        "mine)",
        3, params);
    if (!r) {
        *res = kn__api_problem(req, 503, "the database is not available");
        return false;
    }
    bool box_ok = PQgetvalue(r, 0, 0)[0] == 't', bill_ok = PQgetvalue(r, 0, 1)[0] == 't';
    PQclear(r);
    if (box_ok && bill_ok)
        return true;
    /* another company's box or bill: answered as one that does not exist */
    kn__api_audit(req, action, box_ok ? f->bill : f->box, 404, 0);
    if (!box_ok)
        *res = kn__api_problem(req, 404, "no container %s among the cargo you may see", f->box);
    else
        *res = kn__api_problem(req, 404, "no transport document %s among the cargo you may see",
                               f->bill);
    return false;
}

/* Row i of a result with S_COLUMNS as DCSA shows a subscription (and what
 * kouan adds: who made it, whether it was disabled).  NULL on no memory. */
static json_t *s_view(PGresult *r, int i)
{
    json_t *o = json_pack("{s:s, s:s}", "subscriptionID", PQgetvalue(r, i, 0), "callbackUrl",
                          PQgetvalue(r, i, 1));
    json_t *types = json_array();
    if (!o || !types) {
        json_decref(o);
        json_decref(types);
        return NULL;
    }
    /* EQUIPMENT,SHIPMENT: our own words, without commas */
    for (const char *p = PQgetvalue(r, i, 4); *p;) {
        size_t n = strcspn(p, ",");
        json_array_append_new(types, json_stringn(p, n));
        p += n + (p[n] == ',');
    }
    json_object_set_new(o, "eventType", types);
    if (!PQgetisnull(r, i, 2))
        json_object_set_new(o, "equipmentReference", json_string(PQgetvalue(r, i, 2)));
    if (!PQgetisnull(r, i, 3))
        json_object_set_new(o, "transportDocumentReference", json_string(PQgetvalue(r, i, 3)));
    json_object_set_new(o, "createdDateTime", json_string(PQgetvalue(r, i, 5)));
    json_object_set_new(o, "updatedDateTime", json_string(PQgetvalue(r, i, 6)));
    json_t *k = json_object();
    if (k && !PQgetisnull(r, i, 9))
        json_object_set_new(k, "owner", json_string(PQgetvalue(r, i, 9)));
    if (k && !PQgetisnull(r, i, 7)) {
        json_object_set_new(k, "disabledDateTime", json_string(PQgetvalue(r, i, 7)));
        json_object_set_new(k, "disabledReason", json_string(PQgetvalue(r, i, 8)));
    }
    if (k && json_object_size(k))
        json_object_set_new(o, "kouan", k);
    else
        json_decref(k);
    return o;
}

static bool s_begin(kn__api_req_t *req)
{
    PGresult *r = kn__api_query(req, "BEGIN", 0, NULL);
    PQclear(r);
    return r != NULL;
}

/* Commit when ok (and say whether it did), else roll back. */
static bool s_end(kn__api_req_t *req, bool ok)
{
    PGresult *r = ok ? kn__api_query(req, "COMMIT", 0, NULL) : NULL;
    PQclear(r);
    if (!r)
        PQclear(PQexec(req->db, "ROLLBACK"));
    return r != NULL;
}

/* A subscription's one row, changed by sql (params: id, owner, more) in a
 * transaction with its audit row; answered as status with the row shown
 * (200, 201) or without a body (204), or 404. */
static enum MHD_Result s_change(kn__api_req_t *req, const char *action, const char *id,
                                unsigned status, const char *sql, int n, const char *const *params)
{
    if (!s_begin(req))
        return kn__api_problem(req, 503, "the database is not available");
    PGresult *r = kn__api_query(req, sql, n, params);
    if (!r) {
        s_end(req, false);
        return kn__api_problem(req, 503, "the database is not available");
    }
    if (PQntuples(r) == 0) {
        PQclear(r);
        bool audited = kn__api_audit(req, action, id, 404, 0);
        s_end(req, audited);
        return kn__api_problem(req, 404, "no subscription %s among yours", id);
    }
    json_t *view = status == 204 ? NULL : s_view(r, 0);
    PQclear(r);
    if (status != 204 && !view) {
        s_end(req, false);
        return MHD_NO;
    }
    if (!kn__api_audit(req, action, id, status, 1) || !s_end(req, true)) {
        s_end(req, false);
        json_decref(view);
        return kn__api_problem(req, 503, "the database is not available");
    }
    if (status == 204)
        return s_no_content(req);
    if (status != 201)
        return kn__api_json(req, status, view, NULL, NULL);
    char location[96];
    snprintf(location, sizeof location, "/v2/event-subscriptions/%s", id);
    return kn__api_json(req, status, view, "Location", location);
}

/* ------------------------------------------------------------------------ */
/* POST /v2/event-subscriptions                                             */

static enum MHD_Result s_create(kn__api_req_t *req, const char *arg)
{
    (void)arg;
    static const char action[] = "POST /v2/event-subscriptions";
    static const char *const members[] = {"callbackUrl",        "secret",
                                          "equipmentReference", "transportDocumentReference",
                                          "eventType",          NULL};
    enum MHD_Result res;
    json_t *body = kn__api_body(req, &res);
    if (!body)
        return res;
    s_filters_t f;
    const char *secret, *bad = kn__api_unknown_member(body, members);
    if (bad) {
        res = kn__api_problem(req, 400,
                              "member %s is not one of callbackUrl, secret, equipmentReference, "
                              "transportDocumentReference, eventType",
                              bad);
        goto out;
    }
    if (!s_filters(req, body, &f, &res) || !(secret = s_secret(req, body, &res)) ||
        !s_own_cargo(req, action, &f, &res))
        goto out;
    const char *owner = s_owner(req);
    if (owner) {
        const char *p[1] = {owner};
        PGresult *r =
            kn__api_query(req, "SELECT count(*) FROM subscription WHERE owner = $1", 1, p);
        long have = r ? atol(PQgetvalue(r, 0, 0)) : 0;
        PQclear(r);
        if (!r) {
            res = kn__api_problem(req, 503, "the database is not available");
            goto out;
        }
        if (have >= S_OWN_MAX) {
            res = kn__api_problem(req, 409,
                                  "you have %ld subscriptions, the most one principal may have: "
                                  "delete one first",
                                  have);
            goto out;
        }
    }
    unsigned char raw[16];
    if (RAND_bytes(raw, sizeof raw) != 1) {
        res = kn__api_problem(req, 503, "no random numbers for the subscription's id");
        goto out;
    }
    /* UUID version 4 (RFC 9562 §5.4): random but the version and variant bits */
    raw[6] = (unsigned char)((raw[6] & 0x0f) | 0x40);
    raw[8] = (unsigned char)((raw[8] & 0x3f) | 0x80);
    char id[37];
    snprintf(id, sizeof id, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
             raw[0], raw[1], raw[2], raw[3], raw[4], raw[5], raw[6], raw[7], raw[8], raw[9],
             raw[10], raw[11], raw[12], raw[13], raw[14], raw[15]);
    const char *params[7] = {
        id, req->who.name, f.url, secret, f.box, f.bill, f.types[0] ? f.types : NULL};
    res = s_change(req, action, id, 201,
                   "INSERT INTO subscription (id, owner, callback_url, secret, "
                   "equipment_reference, transport_document_reference, event_types) VALUES ($1, "
                   "$2, $3, decode($4, 'base64'), $5, $6, $7::text[]) RETURNING " S_COLUMNS,
                   7, params);
out:
    json_decref(body);
    return res;
}

/* ------------------------------------------------------------------------ */
/* GET /v2/event-subscriptions                                              */

static enum MHD_Result s_check_arg(void *cls, enum MHD_ValueKind kind, const char *key,
                                   const char *value)
{
    (void)kind, (void)value;
    const char **bad = cls;
    if (!*bad && strcmp(key, "limit") && strcmp(key, "cursor"))
        *bad = key;
    return MHD_YES;
}

static enum MHD_Result s_list(kn__api_req_t *req, const char *arg)
{
    (void)arg;
    const char *bad = NULL;
    MHD_get_connection_values(req->c, MHD_GET_ARGUMENT_KIND, s_check_arg, &bad);
    if (bad)
        return kn__api_problem(req, 400, "query parameter %s is not one of limit, cursor", bad);
    int64_t page = kn_config_int(req->cfg, "api", "page_size");
    int64_t max = kn_config_int(req->cfg, "api", "page_max");
    const char *l = MHD_lookup_connection_value(req->c, MHD_GET_ARGUMENT_KIND, "limit");
    if (l) {
        char *end;
        long long v = strtoll(l, &end, 10);
        if (!*l || *end || v < 1 || v > max)
            return kn__api_problem(req, 400, "limit \"%s\" must be a whole number from 1 to %lld",
                                   l, (long long)max);
        page = v;
    }
    /* the cursor: "c", the last one's creation in microseconds (hex), ".", its id */
    char after_us[24] = "", after_id[40] = "";
    const char *cur = MHD_lookup_connection_value(req->c, MHD_GET_ARGUMENT_KIND, "cursor");
    if (cur) {
        const char *dot = strchr(cur, '.');
        size_t hex = dot ? (size_t)(dot - cur) : 0;
        if (cur[0] != 'c' || hex < 2 || hex > 16 || (hex == 16 && cur[1] > '7') ||
            strspn(cur + 1, "0123456789abcdef") != hex - 1 || strlen(dot + 1) != 36 ||
            strspn(dot + 1, "0123456789abcdef-") != 36)
            return kn__api_problem(
                req, 400, "cursor \"%s\" is not one this API gave (take it from Next-Page)", cur);
        snprintf(after_us, sizeof after_us, "%llu", strtoull(cur + 1, NULL, 16));
        snprintf(after_id, sizeof after_id, "%s", dot + 1);
    }
    char limit[24];
    snprintf(limit, sizeof limit, "%lld", (long long)page + 1);
    const char *params[4] = {s_owner(req), after_us[0] ? after_us : NULL, after_id, limit};
    PGresult *r = kn__api_query(
        req,
        "SELECT " S_COLUMNS ", (extract(epoch FROM created_at) * 1000000)::int8 FROM subscription "
        "WHERE ($1::text IS NULL OR owner = $1) AND ($2::int8 IS NULL OR (created_at, id) > "
        "('epoch'::timestamptz + $2::int8 * interval '1 microsecond', $3)) "
        "ORDER BY created_at, id LIMIT $4::int8",
        4, params);
    if (!r)
        return kn__api_problem(req, 503, "the database is not available");
    int rows = PQntuples(r);
    bool more = rows > page;
    if (more)
        rows = (int)page;
    json_t *list = json_array();
    for (int i = 0; list && i < rows; i++) {
        json_t *s = s_view(r, i);
        if (!s || json_array_append_new(list, s) != 0) {
            json_decref(list);
            list = NULL;
        }
    }
    char next[160] = "";
    if (more && rows > 0)
        snprintf(next, sizeof next, "/v2/event-subscriptions?limit=%lld&cursor=c%llx.%s",
                 (long long)page, strtoull(PQgetvalue(r, rows - 1, 10), NULL, 10),
                 PQgetvalue(r, rows - 1, 0));
    PQclear(r);
    if (!list)
        return MHD_NO;
    if (!kn__api_audit(req, "GET /v2/event-subscriptions", cur ? cur : "", 200, (size_t)rows)) {
        json_decref(list);
        return kn__api_problem(req, 503, "the database is not available (audit)");
    }
    return kn__api_json(req, 200, list, next[0] ? "Next-Page" : NULL, next);
}

/* ------------------------------------------------------------------------ */
/* /v2/event-subscriptions/{id}                                             */

static enum MHD_Result s_get(kn__api_req_t *req, const char *id)
{
    const char *params[2] = {id, s_owner(req)};
    PGresult *r = kn__api_query(req,
                                "SELECT " S_COLUMNS " FROM subscription WHERE id = $1 AND "
                                "($2::text IS NULL OR owner = $2)",
                                2, params);
    if (!r)
        return kn__api_problem(req, 503, "the database is not available");
    unsigned status = PQntuples(r) == 1 ? 200 : 404;
    json_t *view = status == 200 ? s_view(r, 0) : NULL;
    PQclear(r);
    if (status == 200 && !view)
        return MHD_NO;
    if (!kn__api_audit(req, "GET /v2/event-subscriptions", id, status, status == 200)) {
        json_decref(view);
        return kn__api_problem(req, 503, "the database is not available (audit)");
    }
    if (status == 404)
        return kn__api_problem(req, 404, "no subscription %s among yours", id);
    return kn__api_json(req, 200, view, NULL, NULL);
}

static enum MHD_Result s_replace(kn__api_req_t *req, const char *id)
{
    static const char action[] = "PUT /v2/event-subscriptions";
    /* what GET gave may come back as it was: the id must be this one's */
    static const char *const members[] = {"callbackUrl",
                                          "equipmentReference",
                                          "transportDocumentReference",
                                          "eventType",
                                          "subscriptionID",
                                          "createdDateTime",
                                          "updatedDateTime",
                                          "kouan",
                                          NULL};
    enum MHD_Result res;
    json_t *body = kn__api_body(req, &res);
    if (!body)
        return res;
    s_filters_t f;
    const char *bad = kn__api_unknown_member(body, members);
    const char *sid = json_string_value(json_object_get(body, "subscriptionID"));
    if (json_object_get(body, "secret"))
        res = kn__api_problem(req, 400,
                              "secret is not changed here: PUT it to "
                              "/v2/event-subscriptions/%s/secret",
                              id);
    else if (bad)
        res = kn__api_problem(req, 400,
                              "member %s is not one of callbackUrl, equipmentReference, "
                              "transportDocumentReference, eventType (and subscriptionID)",
                              bad);
    else if (json_object_get(body, "subscriptionID") && (!sid || strcmp(sid, id)))
        res = kn__api_problem(req, 422, "subscriptionID is not %s, the one in the path", id);
    else if (s_filters(req, body, &f, &res) && s_own_cargo(req, action, &f, &res)) {
        /* a subscriber that answered 410 and is told again where to call is back */
        const char *params[6] = {id,    s_owner(req), f.url,
                                 f.box, f.bill,       f.types[0] ? f.types : NULL};
        res = s_change(req, action, id, 200,
                       "UPDATE subscription SET callback_url = $3, equipment_reference = $4, "
                       "transport_document_reference = $5, event_types = $6::text[], "
                       "disabled_at = NULL, disabled_reason = NULL, updated_at = now() "
                       "WHERE id = $1 AND ($2::text IS NULL OR owner = $2) RETURNING " S_COLUMNS,
                       6, params);
    }
    json_decref(body);
    return res;
}

static enum MHD_Result s_delete(kn__api_req_t *req, const char *id)
{
    const char *params[2] = {id, s_owner(req)};
    /* its waiting callbacks go with it, as kouan subscription remove does */
    return s_change(req, "DELETE /v2/event-subscriptions", id, 204,
                    "WITH gone AS (DELETE FROM subscription WHERE id = $1 AND ($2::text IS NULL "
                    "OR owner = $2) RETURNING id), cancelled AS (UPDATE outbox SET status = "
                    "'cancelled', leased_until = NULL, last_error = 'subscription removed' "
                    "WHERE endpoint IN (SELECT 'subscription:' || id FROM gone) AND status = "
                    "'pending') SELECT id FROM gone",
                    2, params);
}

static enum MHD_Result s_rotate(kn__api_req_t *req, const char *id)
{
    static const char *const members[] = {"secret", NULL};
    enum MHD_Result res;
    json_t *body = kn__api_body(req, &res);
    if (!body)
        return res;
    const char *bad = kn__api_unknown_member(body, members), *secret;
    if (bad)
        res = kn__api_problem(req, 400, "member %s is not secret, the only one", bad);
    else if ((secret = s_secret(req, body, &res))) {
        /* callbacks still waiting are signed when sent: with the new secret */
        const char *params[3] = {id, s_owner(req), secret};
        res = s_change(req, "PUT /v2/event-subscriptions/secret", id, 204,
                       "UPDATE subscription SET secret = decode($3, 'base64'), updated_at = "
                       "now() WHERE id = $1 AND ($2::text IS NULL OR owner = $2) RETURNING id",
                       3, params);
    }
    json_decref(body);
    return res;
}

const kn__api_route_t kn__api_subscriptions_routes[] = {
    {"POST", "/v2/event-subscriptions", KN__API_ALL, s_create},
    {"GET", "/v2/event-subscriptions", KN__API_ALL, s_list},
    {"GET", "/v2/event-subscriptions/{}", KN__API_ALL, s_get},
    {"PUT", "/v2/event-subscriptions/{}", KN__API_ALL, s_replace},
    {"DELETE", "/v2/event-subscriptions/{}", KN__API_ALL, s_delete},
    {"PUT", "/v2/event-subscriptions/{}/secret", KN__API_ALL, s_rotate},
    {NULL, NULL, 0, NULL},
};
