/* kouan — the pages kouan api serves to people: the agent's tracking page
 * (the mini-program's twin in a browser), the control room's big screen and
 * its live figures, and the files they load (built into the binary from
 * api/www by cmake/embed.cmake).
 *
 *   GET /track                  the tracking page (open: it asks the agent
 *                               for its token and calls the cargo API)
 *   GET /dashboard              the big screen (open: it asks for the token
 *                               of an officer or an admin)
 *   GET /static/{name}          the pages' scripts and style sheets
 *   GET /v1/dashboard/stream    server-sent events: the day's figures now
 *                               and every 2 s; ?access_token= (an EventSource
 *                               sends no headers) of an officer or an admin,
 *                               ?day=YYYY-MM-DD (default: the Beijing day of
 *                               the newest event, so a simulated day shows)
 *
 * A stream holds no database connection between ticks: each tick takes one
 * from the pool, checks the token again (a revoked one ends the stream) and
 * gives it back.  Between ticks the connection's thread waits on its socket,
 * so a client that goes away, or the server shutting the sockets down when
 * it stops, ends the stream at once. */
#include "embed.h"
#include "internal.h"
#include "log.h"

#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

/* The files of api/www (generated: www.c). */
extern const kn_embedded_t kn__api_www[];

#define S_TICK_MS 2000
#define S_TOKEN_MAX 256

/* The pages load nothing from elsewhere and run no inline script. */
#define S_CSP                                                                                      \
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "              \
    "connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

/* ------------------------------------------------------------------------ */
/* the pages and their files                                                */

static const char *s_type(const char *name)
{
    const char *dot = strrchr(name, '.');
    if (!dot)
        return NULL;
    if (!strcmp(dot, ".html"))
        return "text/html; charset=utf-8";
    if (!strcmp(dot, ".js"))
        return "text/javascript; charset=utf-8";
    if (!strcmp(dot, ".css"))
        return "text/css; charset=utf-8";
    if (!strcmp(dot, ".svg"))
        return "image/svg+xml";
    return NULL;
}

/* An embedded file, with a validator so that a browser asks again cheaply
 * (FNV-1a of the bytes: the files change only with the binary). */
static enum MHD_Result s_file(kn__api_req_t *req, const char *name)
{
    const kn_embedded_t *f = kn_embedded_find(kn__api_www, name);
    const char *type = f ? s_type(name) : NULL;
    if (!type)
        return kn__api_problem(req, 404, "no such file: %s", name);
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < f->len; i++)
        h = (h ^ (unsigned char)f->data[i]) * 1099511628211ULL;
    char etag[24];
    snprintf(etag, sizeof etag, "\"%016llx\"", (unsigned long long)h);
    const char *asked = MHD_lookup_connection_value(req->c, MHD_HEADER_KIND, "If-None-Match");
    bool same = asked && !strcmp(asked, etag);
    struct MHD_Response *r =
        MHD_create_response_from_buffer(same ? 0 : f->len, (void *)f->data, MHD_RESPMEM_PERSISTENT);
    if (!r)
        return MHD_NO;
    MHD_add_response_header(r, "Content-Type", type);
    MHD_add_response_header(r, "Cache-Control", "no-cache");
    MHD_add_response_header(r, "ETag", etag);
    MHD_add_response_header(r, "Content-Security-Policy", S_CSP);
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
    enum MHD_Result ok = MHD_queue_response(req->c, same ? 304 : 200, r);
    MHD_destroy_response(r);
    return ok;
}

static enum MHD_Result s_track(kn__api_req_t *req, const char *arg)
{
    (void)arg;
    return s_file(req, "track.html");
}

static enum MHD_Result s_dashboard(kn__api_req_t *req, const char *arg)
{
    (void)arg;
    return s_file(req, "dashboard.html");
}

static enum MHD_Result s_static(kn__api_req_t *req, const char *name)
{
    /* the pages themselves have their own paths */
    if (strstr(name, ".html"))
        return kn__api_problem(req, 404, "no such file: %s", name);
    return s_file(req, name);
}

/* ------------------------------------------------------------------------ */
/* the day's figures                                                        */

/* One JSON object: the figures of the Beijing day $1 (NULL: the day of the
 * newest of the last thousand events stored).  The definitions are the
 * ones the page states. */
static const char s_figures_sql[] =
    "WITH newest AS (SELECT e.event_datetime FROM event e WHERE e.classifier = 'ACT' "
    "AND e.event_datetime IS NOT NULL ORDER BY e.id DESC LIMIT 1000), "
    "day AS (SELECT coalesce($1::date, (SELECT (max(event_datetime) AT TIME ZONE "
    "'Asia/Shanghai')::date FROM newest), (now() AT TIME ZONE 'Asia/Shanghai')::date) AS d), "
    "span AS (SELECT d, d::timestamp AT TIME ZONE 'Asia/Shanghai' AS t0, "
    "(d + 1)::timestamp AT TIME ZONE 'Asia/Shanghai' AS t1 FROM day), "
    /* each box discharged that day, once */
    "disc AS (SELECT DISTINCT ON (e.equipment_reference) e.equipment_reference AS box, "
    "e.created_at FROM event e, span WHERE e.event_code = 'DISC' AND e.classifier = 'ACT' "
    "AND NOT e.withdrawn AND e.equipment_reference IS NOT NULL AND e.event_datetime >= span.t0 "
    "AND e.event_datetime < span.t1 ORDER BY e.equipment_reference, e.event_datetime), "
    /* the route of the visit the discharge belongs to */
    "routed AS (SELECT (SELECT v.route FROM visit v WHERE v.equipment_reference = disc.box "
    "AND v.opened_at <= disc.created_at ORDER BY v.opened_at DESC, v.id DESC LIMIT 1) AS route "
    "FROM disc), "
    /* each box out of the gate that day: minutes since its discharge */
    "gate AS (SELECT DISTINCT ON (g.equipment_reference) extract(epoch FROM g.event_datetime - "
    "(SELECT max(x.event_datetime) FROM event x WHERE x.equipment_reference = "
    "g.equipment_reference AND x.event_code = 'DISC' AND x.classifier = 'ACT' AND NOT "
    "x.withdrawn AND x.event_datetime <= g.event_datetime)) / 60 AS minutes FROM event g, span "
    "WHERE g.event_code = 'GTOT' AND g.classifier = 'ACT' AND NOT g.withdrawn AND "
    "g.equipment_reference IS NOT NULL AND g.event_datetime >= span.t0 AND g.event_datetime < "
    "span.t1 ORDER BY g.equipment_reference, g.event_datetime), "
    /* each vessel's last arrival in the week before the day's end ... */
    "arrived AS (SELECT DISTINCT ON (1) coalesce(nullif(a.vessel_imo, ''), a.vessel_name) AS "
    "vessel, a.vessel_name, a.voyage, a.event_datetime AS since FROM event a, span WHERE "
    "a.event_code = 'ARRI' AND a.classifier = 'ACT' AND NOT a.withdrawn AND a.event_datetime < "
    "span.t1 AND a.event_datetime >= span.t0 - interval '7 days' AND "
    "coalesce(nullif(a.vessel_imo, ''), a.vessel_name) IS NOT NULL ORDER BY 1, "
    "a.event_datetime DESC), "
    /* ... with no departure since */
    "berth AS (SELECT arrived.* FROM arrived, span WHERE NOT EXISTS (SELECT 1 FROM event b "
    "WHERE b.event_code = 'DEPA' AND b.classifier = 'ACT' AND NOT b.withdrawn AND "
    "coalesce(nullif(b.vessel_imo, ''), b.vessel_name) = arrived.vessel AND b.event_datetime >= "
    "arrived.since AND b.event_datetime < span.t1) ORDER BY since LIMIT 50), "
    "ticker AS (SELECT r.id, r.event_code, r.equipment_reference, r.vessel_name, "
    "r.event_datetime FROM event r, span WHERE r.classifier = 'ACT' AND NOT r.withdrawn AND "
    "r.event_code IN ('ARRI', 'DEPA', 'DISC', 'LOAD', 'GTIN', 'GTOT', 'INSP') AND "
    "r.event_datetime >= span.t0 AND r.event_datetime < span.t1 ORDER BY r.event_datetime DESC, "
    "r.id DESC LIMIT 8) "
    "SELECT json_build_object("
    "'day', to_char(span.d, 'YYYY-MM-DD'), "
    "'at', to_char(now() AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD\"T\"HH24:MI:SS\"+08:00\"'), "
    "'vesselsAtBerth', (SELECT coalesce(json_agg(json_build_object('name', b.vessel_name, "
    "'voyage', b.voyage, 'since', to_char(b.since AT TIME ZONE 'Asia/Shanghai', "
    "'YYYY-MM-DD HH24:MI')) ORDER BY b.since), '[]') FROM berth b), "
    "'discharged', (SELECT count(*) FROM disc), "
    "'routes', (SELECT json_build_object("
    "'direct', count(*) FILTER (WHERE route = 'DIRECT_PICKUP'), "
    "'inspectionArea', count(*) FILTER (WHERE route = 'INSPECTION_AREA'), "
    "'scanLane', count(*) FILTER (WHERE route = 'SCAN_LANE'), "
    "'yard', count(*) FILTER (WHERE route = 'YARD'), "
    "'other', count(*) FILTER (WHERE route IS NULL OR route NOT IN ('DIRECT_PICKUP', "
    "'INSPECTION_AREA', 'SCAN_LANE', 'YARD'))) FROM routed), "
    "'moves', (SELECT json_build_object("
    "'saved', coalesce(sum(CASE WHEN route = 'DIRECT_PICKUP' THEN 1 WHEN route IN "
    "('INSPECTION_AREA', 'SCAN_LANE') THEN 2 ELSE 0 END), 0), "
    "'traditional', coalesce(sum(CASE WHEN route IN ('INSPECTION_AREA', 'SCAN_LANE', "
    "'QUARANTINE') THEN 4 ELSE 2 END), 0)) FROM routed), "
    "'berthToGate', (SELECT json_build_object('boxes', count(minutes), 'medianMinutes', "
    "round((percentile_cont(0.5) WITHIN GROUP (ORDER BY minutes))::numeric)) FROM gate), "
    "'warnings', json_build_object("
    "'events', (SELECT count(*) FROM event w WHERE w.has_warnings AND coalesce(w.event_datetime, "
    "w.created_at) >= span.t0 AND coalesce(w.event_datetime, w.created_at) < span.t1), "
    "'rejected', (SELECT count(*) FROM inbound i WHERE i.status = 'rejected' AND i.received_at "
    ">= span.t0 AND i.received_at < span.t1)), "
    "'latest', (SELECT coalesce(json_agg(json_build_object('code', t.event_code, 'box', "
    "t.equipment_reference, 'vessel', t.vessel_name, 'time', to_char(t.event_datetime AT TIME "
    "ZONE 'Asia/Shanghai', 'HH24:MI')) ORDER BY t.event_datetime DESC, t.id DESC), '[]') FROM "
    "ticker t))::text FROM span";

/* ------------------------------------------------------------------------ */
/* GET /v1/dashboard/stream                                                 */

/* One open stream. */
typedef struct {
    kn_api_t *api;
    const kn_config_t *cfg;
    struct MHD_Connection *c;
    int fd;                  /* the connection's socket: waited on between ticks */
    char token[S_TOKEN_MAX]; /* checked again at every tick */
    char day[11];            /* YYYY-MM-DD, or "" for the newest event's day */
    unsigned ticks;          /* sent so far: the SSE id */
    struct timespec due;     /* when the next tick is (CLOCK_MONOTONIC) */
    char *text;              /* the next tick's message, being sent */
    size_t len, off, cap;    /* its length, what went out, its buffer's size */
    bool last;               /* the message sent is the last (the token failed) */
} s_stream_t;

static void s_stream_free(void *cls)
{
    s_stream_t *s = cls;
    if (!s)
        return;
    memset(s->token, 0, sizeof s->token);
    free(s->text);
    free(s);
}

static bool s_append(s_stream_t *s, const char *text)
{
    size_t n = strlen(text);
    if (s->len + n + 1 > s->cap) {
        size_t cap = (s->len + n + 1) * 2;
        char *grown = realloc(s->text, cap);
        if (!grown)
            return false;
        s->text = grown;
        s->cap = cap;
    }
    memcpy(s->text + s->len, text, n + 1);
    s->len += n;
    return true;
}

/* An SSE message: event name and one line of JSON (j taken). */
static bool s_message(s_stream_t *s, const char *event, json_t *j)
{
    char *data = j ? json_dumps(j, JSON_COMPACT) : NULL;
    json_decref(j);
    if (!data)
        return false;
    char head[96];
    snprintf(head, sizeof head, "%sid: %u\nevent: %s\ndata: ", s->ticks ? "" : "retry: 2000\n",
             s->ticks + 1, event);
    bool ok = s_append(s, head) && s_append(s, data) && s_append(s, "\n\n");
    free(data);
    s->ticks++;
    return ok;
}

static bool s_problem(s_stream_t *s, int status, const char *detail)
{
    return s_message(s, "problem", json_pack("{s:i, s:s}", "status", status, "detail", detail));
}

static bool s_staff(const char *role)
{
    return !strcmp(role, "officer") || !strcmp(role, "admin");
}

/* The next message into s->text: the figures, or the problem that stops
 * them.  False on no memory. */
static bool s_tick(s_stream_t *s)
{
    s->len = s->off = 0;
    PGconn *db = kn__api_db_acquire(s->api);
    if (!db)
        return s_problem(s, 503, "the database is not available");
    kn__api_req_t req = {.c = s->c,
                         .url = "/v1/dashboard/stream",
                         .method = "GET",
                         .body = "",
                         .db = db,
                         .cfg = s->cfg,
                         .api = s->api};
    const char *why = NULL;
    int st = kn__api_authenticate(&req, s->token, &why);
    bool ok;
    if (st == 0 && !s_staff(req.who.role)) {
        st = 403;
        why = "the dashboard is for officers and admins";
    }
    if (st) {
        s->last = st != 503; /* revoked, or the role changed: the stream ends */
        ok = s_problem(s, st, why);
        goto out;
    }
    const char *params[1] = {s->day[0] ? s->day : NULL};
    PGresult *r = kn__api_query(&req, s_figures_sql, 1, params);
    if (!r || PQntuples(r) != 1) {
        PQclear(r);
        ok = s_problem(s, 503, "the database is not available");
        goto out;
    }
    /* through jansson: one line, whatever PostgreSQL's json_agg spacing */
    json_error_t err;
    json_t *figures = json_loads(PQgetvalue(r, 0, 0), 0, &err);
    PQclear(r);
    if (!figures) {
        kn_log(KN_LOG_ERROR, "api: dashboard figures: %s", err.text);
        ok = s_problem(s, 500, "the figures could not be read");
        goto out;
    }
    json_object_set_new(figures, "tickSeconds", json_integer(S_TICK_MS / 1000));
    ok = s_message(s, "figures", figures);
out:
    kn__api_db_release(s->api, db);
    return ok;
}

static long s_ms_until(const struct timespec *due)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (long)(due->tv_sec - now.tv_sec) * 1000 + (due->tv_nsec - now.tv_nsec) / 1000000;
}

/* Wait until the next tick is due: false when the client went away or the
 * server is stopping (libmicrohttpd shuts every socket down then), either
 * of which makes the socket readable at its end. */
static bool s_wait(s_stream_t *s)
{
    for (;;) {
        long ms = s_ms_until(&s->due);
        if (ms <= 0)
            return true;
        struct pollfd p = {.fd = s->fd, .events = POLLIN};
        int n = poll(&p, 1, (int)ms);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 || (p.revents & (POLLHUP | POLLERR | POLLNVAL)))
            return false;
        if (n == 0)
            continue;
        char b;
        ssize_t got = recv(s->fd, &b, 1, MSG_PEEK | MSG_DONTWAIT);
        if (got == 0 || (got < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR))
            return false;
        if (got > 0) {
            /* the client sent something, which a stream does not read:
             * sleep instead, or poll would answer at once forever */
            struct timespec rest = {ms / 1000, (ms % 1000) * 1000000};
            nanosleep(&rest, NULL);
            return true;
        }
    }
}

static ssize_t s_read(void *cls, uint64_t pos, char *buf, size_t max)
{
    (void)pos;
    s_stream_t *s = cls;
    if (s->off == s->len) {
        if (s->last)
            return MHD_CONTENT_READER_END_OF_STREAM;
        if (s->ticks && !s_wait(s))
            return MHD_CONTENT_READER_END_OF_STREAM;
        clock_gettime(CLOCK_MONOTONIC, &s->due);
        s->due.tv_sec += S_TICK_MS / 1000;
        s->due.tv_nsec += (S_TICK_MS % 1000) * 1000000L;
        if (s->due.tv_nsec >= 1000000000L) {
            s->due.tv_sec++;
            s->due.tv_nsec -= 1000000000L;
        }
        if (!s_tick(s))
            return MHD_CONTENT_READER_END_WITH_ERROR;
    }
    size_t n = s->len - s->off < max ? s->len - s->off : max;
    memcpy(buf, s->text + s->off, n);
    s->off += n;
    return (ssize_t)n;
}

/* YYYY-MM-DD naming a day of the Gregorian calendar. */
static bool s_day(const char *text)
{
    if (strlen(text) != 10 || text[4] != '-' || text[7] != '-')
        return false;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && (text[i] < '0' || text[i] > '9'))
            return false;
    int y = atoi(text), m = atoi(text + 5), d = atoi(text + 8);
    static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return y >= 1 && m >= 1 && m <= 12 && d >= 1 && d <= days[m - 1] + (m == 2 && leap);
}

static enum MHD_Result s_stream(kn__api_req_t *req, const char *arg)
{
    (void)arg;
    const char *token = MHD_lookup_connection_value(req->c, MHD_GET_ARGUMENT_KIND, "access_token");
    const char *day = MHD_lookup_connection_value(req->c, MHD_GET_ARGUMENT_KIND, "day");
    if (!token || !token[0])
        return kn__api_problem(req, 401,
                               "?access_token=TOKEN of an officer or an admin is required (an "
                               "EventSource sends no headers)");
    if (strlen(token) >= S_TOKEN_MAX)
        return kn__api_problem(req, 401, "the token is not known or was revoked");
    if (day && !s_day(day))
        return kn__api_problem(req, 400, "day \"%s\" is not a date as in 2026-11-22", day);
    const char *why = NULL;
    int st = kn__api_authenticate(req, token, &why);
    if (st)
        return kn__api_problem(req, (unsigned)st, "%s", why);
    if (!s_staff(req->who.role))
        return kn__api_problem(req, 403, "the dashboard stream is not for the %s role",
                               req->who.role);
    const union MHD_ConnectionInfo *info =
        MHD_get_connection_info(req->c, MHD_CONNECTION_INFO_CONNECTION_FD);
    if (!info)
        return MHD_NO;
    if (!kn__api_audit(req, "GET /v1/dashboard/stream", day ? day : "", 200, 0))
        return kn__api_problem(req, 503, "the database is not available (audit)");
    s_stream_t *s = calloc(1, sizeof *s);
    if (!s)
        return MHD_NO;
    s->api = req->api;
    s->cfg = req->cfg;
    s->c = req->c;
    s->fd = info->connect_fd;
    snprintf(s->token, sizeof s->token, "%s", token);
    snprintf(s->day, sizeof s->day, "%s", day ? day : "");
    /* the first tick is at once, when libmicrohttpd first reads; the pooled
     * connection of this request is given back before that */
    struct MHD_Response *r =
        MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 16384, s_read, s, s_stream_free);
    if (!r) {
        s_stream_free(s);
        return MHD_NO;
    }
    MHD_add_response_header(r, "Content-Type", "text/event-stream; charset=utf-8");
    MHD_add_response_header(r, "Cache-Control", "no-store");
    MHD_add_response_header(r, "X-Accel-Buffering", "no");
    enum MHD_Result ok = MHD_queue_response(req->c, 200, r);
    MHD_destroy_response(r);
    return ok;
}

const kn__api_route_t kn__api_pages_routes[] = {
    {"GET", "/track", KN__API_ANYONE, s_track},
    {"GET", "/dashboard", KN__API_ANYONE, s_dashboard},
    {"GET", "/static/{}", KN__API_ANYONE, s_static},
    {"GET", "/v1/dashboard/stream", KN__API_ANYONE, s_stream},
    {NULL, NULL, 0, NULL},
};
