/* kouan — the HTTP API's server: principals, answers, the database pool and
 * the routing (see api.h; the resources are in events.c and beside it). */
#include "api.h"
#include "err.h"
#include "http.h"
#include "internal.h"
#include "log.h"
#include "status.h"

#include <jansson.h>
#include <microhttpd.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define S_BODY_MAX (1024 * 1024)
#define S_POOL_MAX 16 /* idle database connections kept */
#define S_DB_MAX 32   /* database connections at once (PostgreSQL's are shared) */
#define S_DB_WAIT_S 5 /* a request waits this long for one, then 503 */

struct kn_api {
    const kn_config_t *cfg;
    char *conninfo;
    struct MHD_Daemon *daemon;
    pthread_mutex_t lock; /* the pool */
    pthread_cond_t freed; /* a connection came back */
    PGconn *idle[S_POOL_MAX];
    size_t nidle;
    size_t live; /* connections made and not closed, idle or in use */
};

/* The parts' routes, in the order they are tried. */
static const kn__api_route_t *const s_routes[] = {
    kn__api_events_routes, kn__api_subscriptions_routes, kn__api_actions_routes,
    kn__api_pages_routes, kn__api_orders_routes};

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

enum MHD_Result kn__api_send(kn__api_req_t *req, unsigned status, const char *type, char *body,
                             const char *header, const char *value)
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
    enum MHD_Result ok = MHD_queue_response(req->c, status, r);
    MHD_destroy_response(r);
    return ok;
}

enum MHD_Result kn__api_json(kn__api_req_t *req, unsigned status, json_t *j, const char *header,
                             const char *value)
{
    char *text = j ? json_dumps(j, JSON_COMPACT) : NULL;
    json_decref(j);
    return kn__api_send(req, status, "application/json; charset=utf-8", text, header, value);
}

static const char *s_title(unsigned status)
{
    switch (status) {
    case 400:
        return "Bad Request";
    case 401:
        return "Unauthorized";
    case 403:
        return "Forbidden";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 409:
        return "Conflict";
    case 413:
        return "Content Too Large";
    case 415:
        return "Unsupported Media Type";
    case 422:
        return "Unprocessable Content";
    case 503:
        return "Service Unavailable";
    default:
        return "Internal Server Error";
    }
}

enum MHD_Result kn__api_problem(kn__api_req_t *req, unsigned status, const char *fmt, ...)
{
    char detail[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof detail, fmt, ap);
    va_end(ap);
    json_t *p =
        json_pack("{s:s, s:s, s:i, s:s, s:s}", "type", "about:blank", "title", s_title(status),
                  "status", (int)status, "detail", detail, "instance", req->url);
    char *text = p ? json_dumps(p, JSON_COMPACT) : NULL;
    json_decref(p);
    return kn__api_send(req, status, "application/problem+json", text,
                        status == 401 ? "WWW-Authenticate" : NULL, "Bearer realm=\"kouan\"");
}

/* The body as a JSON object, or NULL after answering why not in *res. */
json_t *kn__api_body(kn__api_req_t *req, enum MHD_Result *res)
{
    const char *type = MHD_lookup_connection_value(req->c, MHD_HEADER_KIND, "Content-Type");
    if (type && strncasecmp(type, "application/json", 16) != 0) {
        *res = kn__api_problem(req, 415, "the body must be application/json, not %s", type);
        return NULL;
    }
    json_error_t err;
    json_t *body = json_loadb(req->body, req->body_len, JSON_REJECT_DUPLICATES, &err);
    if (!body) {
        *res = kn__api_problem(req, 400, "the body is not JSON: line %d: %s", err.line, err.text);
        return NULL;
    }
    if (!json_is_object(body)) {
        json_decref(body);
        *res = kn__api_problem(req, 400, "the body must be a JSON object");
        return NULL;
    }
    return body;
}

/* The first member of body not among names (NULL-ended), or NULL. */
const char *kn__api_unknown_member(json_t *body, const char *const *names)
{
    const char *key;
    json_t *value;
    json_object_foreach(body, key, value)
    {
        size_t i = 0;
        while (names[i] && strcmp(names[i], key))
            i++;
        if (!names[i])
            return key;
    }
    return NULL;
}

bool kn__api_container(kn__api_req_t *req, const char *ref, enum MHD_Result *res)
{
    bool ok = strlen(ref) == 11;
    for (size_t i = 0; ok && i < 11; i++)
        ok = i < 4 ? ref[i] >= 'A' && ref[i] <= 'Z' : ref[i] >= '0' && ref[i] <= '9';
    if (!ok)
        *res = kn__api_problem(req, 400,
                               "a container number is four capital letters and seven digits, as "
                               "in MSCU1234566");
    return ok;
}

/* ------------------------------------------------------------------------ */
/* the database                                                             */

PGconn *kn__api_db_acquire(kn_api_t *api)
{
    PGconn *conn = NULL;
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += S_DB_WAIT_S;
    pthread_mutex_lock(&api->lock);
    /* at most S_DB_MAX at once: wait for one to come back, for a while */
    while (!api->nidle && api->live >= S_DB_MAX)
        if (pthread_cond_timedwait(&api->freed, &api->lock, &until) != 0)
            break;
    bool make = false;
    if (api->nidle)
        conn = api->idle[--api->nidle];
    else if (api->live < S_DB_MAX) {
        api->live++;
        make = true;
    }
    pthread_mutex_unlock(&api->lock);
    if (!conn && !make) {
        kn_log(KN_LOG_WARNING, "api: all %d database connections busy for %d s", S_DB_MAX,
               S_DB_WAIT_S);
        return NULL;
    }
    if (!conn)
        conn = PQconnectdb(api->conninfo);
    else if (PQstatus(conn) != CONNECTION_OK)
        PQreset(conn);
    if (!conn || PQstatus(conn) != CONNECTION_OK) {
        kn_log(KN_LOG_WARNING, "api: database: %s", conn ? PQerrorMessage(conn) : "out of memory");
        kn__api_db_release(api, conn ? conn : NULL);
        if (!conn) { /* counted as made: give the place back */
            pthread_mutex_lock(&api->lock);
            api->live--;
            pthread_cond_signal(&api->freed);
            pthread_mutex_unlock(&api->lock);
        }
        return NULL;
    }
    return conn;
}

void kn__api_db_release(kn_api_t *api, PGconn *conn)
{
    if (!conn)
        return;
    pthread_mutex_lock(&api->lock);
    if (api->nidle < S_POOL_MAX && PQstatus(conn) == CONNECTION_OK &&
        PQtransactionStatus(conn) == PQTRANS_IDLE) {
        api->idle[api->nidle++] = conn;
        conn = NULL;
    } else
        api->live--; /* closed below */
    pthread_cond_signal(&api->freed);
    pthread_mutex_unlock(&api->lock);
    PQfinish(conn);
}

PGresult *kn__api_query(kn__api_req_t *req, const char *sql, int n, const char *const *params)
{
    PGresult *r = PQexecParams(req->db, sql, n, NULL, params, NULL, NULL, 0);
    ExecStatusType st = PQresultStatus(r);
    if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK) {
        kn_log(KN_LOG_ERROR, "api: query failed: %s", PQerrorMessage(req->db));
        PQclear(r);
        return NULL;
    }
    return r;
}

/* The principal whose token the request carries: 0, or 401/503 with *why. */
static int s_who(kn__api_req_t *req, const char **why)
{
    const char *auth = MHD_lookup_connection_value(req->c, MHD_HEADER_KIND, "Authorization");
    if (!auth || strncasecmp(auth, "Bearer ", 7) != 0 || !auth[7]) {
        *why = "an Authorization: Bearer token is required (kouan principal add)";
        return 401;
    }
    return kn__api_authenticate(req, auth + 7, why);
}

int kn__api_authenticate(kn__api_req_t *req, const char *token, const char **why)
{
    uint8_t hash[32];
    kn_api_token_hash(token, hash);
    const char *params[1] = {(const char *)hash};
    const int lens[1] = {32}, formats[1] = {1};
    PGresult *r = PQexecParams(req->db,
                               "SELECT name, role, coalesce(agent_code, '') FROM principal "
                               "WHERE token_hash = $1 AND revoked_at IS NULL",
                               1, NULL, params, lens, formats, 0);
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        kn_log(KN_LOG_ERROR, "api: principal lookup failed: %s", PQerrorMessage(req->db));
        PQclear(r);
        *why = "the database is not available";
        return 503;
    }
    if (PQntuples(r) != 1) {
        PQclear(r);
        *why = "the token is not known or was revoked";
        return 401;
    }
    snprintf(req->who.name, sizeof req->who.name, "%s", PQgetvalue(r, 0, 0));
    snprintf(req->who.role, sizeof req->who.role, "%s", PQgetvalue(r, 0, 1));
    snprintf(req->who.agent, sizeof req->who.agent, "%s", PQgetvalue(r, 0, 2));
    PQclear(r);
    return 0;
}

bool kn__api_audit(kn__api_req_t *req, const char *action, const char *resource, unsigned status,
                   size_t items)
{
    char st[8], n[24];
    snprintf(st, sizeof st, "%u", status);
    snprintf(n, sizeof n, "%zu", items);
    const char *params[6] = {req->who.name, req->who.role, action, resource, st, n};
    PGresult *r = kn__api_query(req,
                                "INSERT INTO audit (principal, role, action, resource, result, "
                                "items) VALUES ($1, $2, $3, $4, $5::int, $6::int)",
                                6, params);
    PQclear(r);
    return r != NULL;
}

/* One stored event as the API gives it: its DCSA object with eventID and
 * eventCreatedDateTime. */
json_t *kn__api_event(const char *id, const char *created, const char *detail)
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
/* routing                                                                  */

static unsigned s_role_bit(const char *role)
{
    return !strcmp(role, "agent")      ? KN__API_AGENT
           : !strcmp(role, "officer")  ? KN__API_OFFICER
           : !strcmp(role, "terminal") ? KN__API_TERMINAL
           : !strcmp(role, "admin")    ? KN__API_ADMIN
                                       : 0;
}

/* Does url match path (at most one {}: a non-empty segment without '/')?
 * The segment goes to arg. */
static bool s_match(const char *path, const char *url, char *arg, size_t argsize)
{
    const char *brace = strstr(path, "{}");
    arg[0] = '\0';
    if (!brace)
        return !strcmp(path, url);
    size_t pre = (size_t)(brace - path), post = strlen(brace + 2), n = strlen(url);
    if (n <= pre + post || strncmp(path, url, pre) || strcmp(url + n - post, brace + 2))
        return false;
    size_t len = n - pre - post;
    if (len >= argsize || memchr(url + pre, '/', len))
        return false;
    memcpy(arg, url + pre, len);
    arg[len] = '\0';
    return true;
}

static enum MHD_Result s_dispatch(kn_api_t *self, kn__api_req_t *req)
{
    if (!strcmp(req->url, "/healthz") && !strcmp(req->method, "GET")) {
        PGresult *r = kn__api_query(req, "SELECT 1", 0, NULL);
        PQclear(r);
        if (!r)
            return kn__api_problem(req, 503, "the database is not available");
        return kn__api_json(req, 200, json_pack("{s:s}", "status", "ok"), NULL, NULL);
    }
    char arg[256];
    bool path_known = false;
    for (size_t p = 0; p < sizeof s_routes / sizeof s_routes[0]; p++)
        for (const kn__api_route_t *r = s_routes[p]; r->method; r++) {
            if (!s_match(r->path, req->url, arg, sizeof arg))
                continue;
            path_known = true;
            if (strcmp(r->method, req->method))
                continue;
            if (r->roles != KN__API_ANYONE) {
                const char *why = NULL;
                int st = s_who(req, &why);
                if (st)
                    return kn__api_problem(req, (unsigned)st, "%s", why);
                if (!(s_role_bit(req->who.role) & r->roles))
                    return kn__api_problem(req, 403, "%s %s is not for the %s role", req->method,
                                           r->path, req->who.role);
            }
            return r->handler(req, arg);
        }
    (void)self;
    if (path_known)
        return kn__api_problem(req, 405, "%s is not answered on %s", req->method, req->url);
    return kn__api_problem(req, 404, "no such resource: %s", req->url);
}

static enum MHD_Result s_on_request(void *cls, struct MHD_Connection *c, const char *url,
                                    const char *method, const char *version, const char *data,
                                    size_t *size, void **state)
{
    (void)version;
    kn_api_t *self = cls;
    kn_http_body_t *body = NULL;
    int got = kn_http_body(state, data, size, S_BODY_MAX, &body);
    if (got)
        return got > 0 ? MHD_YES : MHD_NO; /* the body comes first, then the answer */
    kn__api_req_t req = {.c = c,
                         .url = url,
                         .method = method,
                         .body = body->data ? body->data : "",
                         .body_len = body->len,
                         .cfg = self->cfg,
                         .api = self};
    if (body->too_big)
        return kn__api_problem(&req, 413, "the body is over %d bytes", S_BODY_MAX);
    req.db = kn__api_db_acquire(self);
    if (!req.db)
        return kn__api_problem(&req, 503, "the database is not available");
    enum MHD_Result res = s_dispatch(self, &req);
    kn__api_db_release(self, req.db);
    return res;
}

static void s_on_completed(void *cls, struct MHD_Connection *c, void **state,
                           enum MHD_RequestTerminationCode why)
{
    (void)cls, (void)c, (void)why;
    kn_http_body_free(state);
}

kn_api_t *kn_api_start(const kn_config_t *cfg, const char *conninfo, char *address, size_t addrsize,
                       char *errbuf, size_t errsize)
{
    kn_api_t *self = calloc(1, sizeof *self);
    if (!self || !(self->conninfo = strdup(conninfo))) {
        free(self);
        snprintf(errbuf, errsize, "api: out of memory");
        return NULL;
    }
    self->cfg = cfg;
    pthread_mutex_init(&self->lock, NULL);
    pthread_cond_init(&self->freed, NULL);
    char why[512];
    if (kn_http_start(kn_config_str(cfg, "api", "listen"), MHD_USE_THREAD_PER_CONNECTION,
                      s_on_request, self, s_on_completed, &self->daemon, address, addrsize, why,
                      sizeof why) != 0) {
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
    kn_api_t *self = *api;
    if (self->daemon)
        MHD_stop_daemon(self->daemon);
    for (size_t i = 0; i < self->nidle; i++)
        PQfinish(self->idle[i]);
    pthread_cond_destroy(&self->freed);
    pthread_mutex_destroy(&self->lock);
    free(self->conninfo);
    free(self);
    *api = NULL;
}
