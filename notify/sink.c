/* kouan — the test sink (see sink.h).
 *
 * One libmicrohttpd daemon, one thread per connection.  Everything the
 * threads share (modes, counters, the seen ids, the kept records and the
 * record file) sits behind one mutex; a request holds it only to read its
 * mode and to account for its answer, never while it checks a signature or
 * waits in a stall. */
#include "sink.h"
#include "http.h"
#include "arena.h"
#include "base64.h"
#include "ems.h"
#include "err.h"
#include "log.h"
#include "sign.h"

#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <netdb.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <jansson.h>
#include <microhttpd.h>
#include <openssl/crypto.h>

/* Largest request body read; a bigger one is answered 413. */
#define S_BODY_MAX (1024 * 1024)
/* Largest secret or key file read (they hold a few dozen characters). */
#define S_SECRET_FILE_MAX 4096
/* Records kept in memory for /_sink/records (the file keeps all of them). */
#define S_KEPT_RECORDS 10000
#define S_KEPT_BYTES (64 * 1024 * 1024)
/* An idle connection is closed after this; a stall holds a request longer
 * only because the handler, not the socket, is waiting. */
#define S_CONNECTION_TIMEOUT_S 120
/* How long kn_sink_destroy() lets requests under way finish. */
#define S_STOP_GRACE_S 2
/* Standard Webhooks asks receivers for a tolerance of about five minutes. */
#define S_WEBHOOK_TOLERANCE_S 300
/* The accounting id kouan puts on every delivery. */
#define S_ID_HEADER "Kouan-Notification-Id"
/* "2026-11-22T08:15:00.123Z" with room for a wide year */
#define S_ISO_LEN 40

typedef enum { S_MINIPROGRAM, S_SMS, S_EMS, S_DCSA, S_NENDPOINTS } s_endpoint_t;

static const char *const s_endpoint_names[S_NENDPOINTS] = {"miniprogram", "sms", "ems", "dcsa"};

typedef enum {
    S_MODE_OK,
    S_MODE_FAIL,
    S_MODE_THROTTLE,
    S_MODE_VANISH,
    S_MODE_STALL,
    S_MODE_UNAVAILABLE,
    S_NMODES
} s_mode_kind_t;

static const char *const s_mode_names[S_NMODES] = {"ok",     "fail",  "throttle",
                                                   "vanish", "stall", "unavailable"};

/* How an endpoint is told to behave. */
typedef struct {
    s_mode_kind_t kind;  /* what the next requests get */
    int64_t remaining;   /* requests left in this mode before ok again; 0 = until changed */
    int64_t retry_after; /* seconds for Retry-After; -1 = none given */
} s_mode_t;

/* The counters /_sink/stats reports for one endpoint. */
typedef struct {
    int64_t received;          /* POSTs that arrived */
    int64_t accepted;          /* answered with success */
    int64_t unique;            /* distinct accounting ids accepted */
    int64_t duplicates;        /* accepted again under an id already accepted */
    int64_t refused;           /* signature or validation refusals */
    int64_t failed_on_purpose; /* answered by a mode other than ok */
} s_stats_t;

/* What an endpoint checks with, read once at start. */
typedef struct {
    char *text;           /* webhook secret or EMS key text; NULL when unavailable */
    unsigned char *bytes; /* DCSA secret bytes; NULL when unavailable */
    size_t len;           /* length of bytes */
    char *problem;        /* why the endpoint cannot check anything; NULL when fine */
} s_secret_t;

struct kn_sink {
    struct MHD_Daemon *daemon;        /* the server; NULL once stopped */
    uint16_t port;                    /* bound port */
    char address[320];                /* "host:port" as printed */
    int64_t stall_ms;                 /* how long a stalled request is held */
    s_secret_t secrets[S_NENDPOINTS]; /* per endpoint, immutable after start */
    atomic_bool started;              /* the daemon runs: the logger stops keeping errors */
    char start_error[256];            /* last libmicrohttpd message while starting */

    pthread_mutex_t lock; /* guards every field below */
    pthread_cond_t wake;  /* stalled requests wait on it; broadcast at stop */
    bool stopping;        /* kn_sink_destroy() has begun */
    int inflight;         /* requests begun and not yet completed (answer sent or dropped) */
    FILE *record;         /* the record file, or NULL */
    s_mode_t modes[S_NENDPOINTS];
    s_stats_t stats[S_NENDPOINTS];
    json_t *seen[S_NENDPOINTS]; /* accepted accounting ids, as the keys of an object */
    char **lines;               /* kept records, each one dumped JSON object */
    size_t nlines;              /* how many are kept */
    size_t lines_cap;           /* room in lines */
    size_t lines_bytes;         /* their total length */
    uint64_t serial;            /* for the EMS serialNo */
};

/* One request's body as it arrives. */
typedef struct {
    char *body;    /* NUL-terminated for convenience; may hold NULs */
    size_t len;    /* bytes received */
    size_t cap;    /* room in body */
    bool too_big;  /* over S_BODY_MAX: the rest is discarded, the answer is 413 */
    bool answered; /* a response is queued: anything more is discarded */
} s_request_t;

/* The answer to one request and what is recorded about it. */
typedef struct {
    unsigned status;     /* HTTP status */
    const char *outcome; /* record outcome; NULL = not recorded (control, 404, 405) */
    char error[640];     /* reason recorded and returned; "" = none */
    const char *id;      /* accounting id (borrowed), or NULL */
    json_t *body;        /* what is recorded as "body" (owned), NULL = null */
    json_t *reply;       /* JSON reply (owned), or NULL */
    char *owned;         /* JSON text reply (owned), or NULL */
    const char *text;    /* plain-text reply when neither of those, or NULL */
    const char *allow;   /* Allow header for 405, or NULL */
    int64_t retry_after; /* Retry-After seconds, or -1 */
} s_answer_t;

/* ---- small helpers ---- */

/* A JSON string of n bytes; bytes that are not UTF-8 become '?', so the
 * record can always be written.  NULL only on no memory. */
static json_t *s_jstr(const char *s, size_t n)
{
    json_t *j = json_stringn(s, n);
    if (j)
        return j;
    char *copy = malloc(n + 1);
    if (!copy)
        return NULL;
    for (size_t i = 0; i < n; i++)
        copy[i] = (unsigned char)s[i] < 0x80 ? s[i] : '?';
    j = json_stringn(copy, n);
    free(copy);
    return j;
}

/* The body as JSON when it parses, otherwise as a string. */
static json_t *s_body_json(const char *body, size_t len)
{
    json_t *j = len ? json_loadb(body, len, JSON_DECODE_ANY, NULL) : NULL;
    return j ? j : s_jstr(body ? body : "", len);
}

/* The current time as ISO 8601 UTC with milliseconds. */
static void s_iso_now(char out[S_ISO_LEN])
{
    struct timespec ts;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    size_t n = strftime(out, S_ISO_LEN, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(out + n, S_ISO_LEN - n, ".%03dZ", (int)(ts.tv_nsec / 1000000));
}

/* A header value, NULL when absent or empty. */
static const char *s_header(struct MHD_Connection *conn, const char *name)
{
    const char *v = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, name);
    return v && *v ? v : NULL;
}

/* A whole decimal integer (optional '-'), nothing around it.  0 or -1. */
static int s_parse_int64(const char *text, int64_t *out)
{
    if (!text || !*text || (*text != '-' && (*text < '0' || *text > '9')))
        return -1;
    errno = 0;
    char *end = NULL;
    long long v = strtoll(text, &end, 10);
    if (errno || *end)
        return -1;
    *out = v;
    return 0;
}

static void s_fail(s_answer_t *a, unsigned status, const char *outcome, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Set status, outcome and the error text in one go. */
static void s_fail(s_answer_t *a, unsigned status, const char *outcome, const char *fmt, ...)
{
    a->status = status;
    a->outcome = outcome;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(a->error, sizeof a->error, fmt, ap);
    va_end(ap);
}

/* {"error": a->error} as the reply, for the receivers' refusals. */
static void s_error_reply(s_answer_t *a)
{
    json_decref(a->reply);
    a->reply = json_pack("{s:o}", "error", s_jstr(a->error, strlen(a->error)));
}

/* ---- secrets ---- */

/* Free a secret's n bytes, wiped first so they do not linger in freed memory. */
static void s_wipe_free(void *p, size_t n)
{
    if (p)
        OPENSSL_cleanse(p, n);
    free(p);
}

/* The trimmed contents of path into *out (malloc'd), or a problem in why. */
static int s_read_secret_file(const char *what, const char *path, char **out, char *why,
                              size_t whysize)
{
    int rc = -1;
    FILE *f = NULL;
    char *buf = NULL;
    *out = NULL;
    if (!path || !*path) {
        snprintf(why, whysize, "%s is not configured", what);
        goto out;
    }
    f = fopen(path, "rb");
    if (!f) {
        snprintf(why, whysize, "cannot read %s %s: %s", what, path, strerror(errno));
        goto out;
    }
    buf = malloc(S_SECRET_FILE_MAX + 1);
    if (!buf) {
        snprintf(why, whysize, "out of memory reading %s", what);
        goto out;
    }
    size_t n = fread(buf, 1, S_SECRET_FILE_MAX + 1, f);
    if (ferror(f)) {
        snprintf(why, whysize, "cannot read %s %s: %s", what, path, strerror(errno));
        goto out;
    }
    if (n > S_SECRET_FILE_MAX) {
        snprintf(why, whysize, "%s %s is longer than %d bytes", what, path, S_SECRET_FILE_MAX);
        goto out;
    }
    while (n &&
           (buf[n - 1] == '\n' || buf[n - 1] == '\r' || buf[n - 1] == ' ' || buf[n - 1] == '\t'))
        n--;
    buf[n] = '\0';
    if (n == 0 || strlen(buf) != n) {
        snprintf(why, whysize, "%s %s is empty or holds a NUL byte", what, path);
        goto out;
    }
    *out = buf;
    buf = NULL;
    rc = 0;
out:
    if (f)
        fclose(f);
    free(buf);
    return rc;
}

/* Read and check one endpoint's secret so a bad file is reported at start and
 * on every request, instead of as a puzzling signature failure. */
static int s_load_secret(s_secret_t *sec, s_endpoint_t ep, const char *path)
{
    static const char *const what[S_NENDPOINTS] = {"miniprogram_secret_file", "sms_secret_file",
                                                   "ems_key_file", "dcsa_secret_file"};
    char why[1024] = "";
    char *text = NULL;
    kn_error_t err = {0};
    if (s_read_secret_file(what[ep], path, &text, why, sizeof why) == 0) {
        if (ep == S_MINIPROGRAM || ep == S_SMS) {
            char sig[KN_SIGN_WEBHOOK_MAX];
            if (kn_sign_webhook(text, "probe", 0, "", 0, sig, sizeof sig, &err) != 0)
                snprintf(why, sizeof why, "%s %s: %s", what[ep], path, err.message);
        } else if (ep == S_EMS) {
            unsigned char key[KN_EMS_KEY_LEN];
            if (kn_ems_key_parse(text, key, &err) != 0)
                snprintf(why, sizeof why, "%s %s: %s", what[ep], path, err.message);
            OPENSSL_cleanse(key, sizeof key);
        } else {
            size_t n = strlen(text), cap = n / 4 * 3 + 1;
            sec->bytes = malloc(cap);
            if (!sec->bytes) {
                snprintf(why, sizeof why, "out of memory reading %s", what[ep]);
            } else if (kn_base64_decode(text, n, sec->bytes, cap, &sec->len) != 0 ||
                       sec->len == 0) {
                snprintf(why, sizeof why, "%s %s is not padded base64 of the secret", what[ep],
                         path);
                sec->len = cap; /* so that all of it is wiped */
            }
        }
    }
    if (why[0]) {
        s_wipe_free(text, text ? strlen(text) : 0);
        s_wipe_free(sec->bytes, sec->len);
        sec->bytes = NULL;
        sec->len = 0;
        sec->problem = strdup(why);
        kn_log(KN_LOG_WARNING, "endpoint=%s refuses every request: %s", s_endpoint_names[ep], why);
        return sec->problem ? 0 : KN_ENOMEM;
    }
    if (ep == S_DCSA)
        s_wipe_free(text, strlen(text));
    else
        sec->text = text;
    return 0;
}

/* ---- accounting ---- */

/* Keep one dumped record for /_sink/records, dropping the oldest beyond the
 * bounds.  Called with the lock held; takes line. */
static void s_keep_line(kn_sink_t *self, char *line)
{
    if (self->nlines == self->lines_cap) {
        size_t cap = self->lines_cap ? self->lines_cap * 2 : 64;
        char **grown = realloc(self->lines, cap * sizeof *grown);
        if (!grown) {
            free(line);
            return;
        }
        self->lines = grown;
        self->lines_cap = cap;
    }
    self->lines[self->nlines++] = line;
    self->lines_bytes += strlen(line);
    size_t drop = 0;
    while (self->nlines - drop > 1 &&
           (self->nlines - drop > S_KEPT_RECORDS || self->lines_bytes > S_KEPT_BYTES)) {
        self->lines_bytes -= strlen(self->lines[drop]);
        free(self->lines[drop]);
        drop++;
    }
    if (drop) {
        memmove(self->lines, self->lines + drop, (self->nlines - drop) * sizeof *self->lines);
        self->nlines -= drop;
    }
}

/* Count the answer, append it to the record file and keep it. */
static void s_record(kn_sink_t *self, s_endpoint_t ep, const s_answer_t *a)
{
    char at[S_ISO_LEN];
    s_iso_now(at);
    json_t *rec = json_object();
    char *line = NULL;
    if (!rec || json_object_set_new(rec, "at", json_string(at)) ||
        json_object_set_new(rec, "endpoint", json_string(s_endpoint_names[ep])) ||
        json_object_set_new(rec, "id", a->id ? s_jstr(a->id, strlen(a->id)) : json_null()) ||
        json_object_set_new(rec, "status", json_integer(a->status)) ||
        json_object_set_new(rec, "outcome", json_string(a->outcome)) ||
        json_object_set_new(rec, "error",
                            a->error[0] ? s_jstr(a->error, strlen(a->error)) : json_null()) ||
        json_object_set(rec, "body", a->body ? a->body : json_null()))
        kn_log(KN_LOG_ERROR, "endpoint=%s cannot build the record: out of memory",
               s_endpoint_names[ep]);
    else
        line = json_dumps(rec, JSON_COMPACT);
    json_decref(rec);

    pthread_mutex_lock(&self->lock);
    s_stats_t *st = &self->stats[ep];
    if (!strcmp(a->outcome, "accepted")) {
        st->accepted++;
        if (a->id) {
            if (json_object_get(self->seen[ep], a->id)) {
                st->duplicates++;
            } else {
                st->unique++;
                json_object_set_new_nocheck(self->seen[ep], a->id, json_true());
            }
        }
    } else if (!strcmp(a->outcome, "refused-signature") || !strcmp(a->outcome, "invalid")) {
        st->refused++;
    } else {
        st->failed_on_purpose++;
    }
    if (line && self->record) {
        if (fputs(line, self->record) == EOF || fputc('\n', self->record) == EOF ||
            fflush(self->record) != 0)
            kn_log(KN_LOG_ERROR, "cannot append to the record file: %s", strerror(errno));
    }
    if (line)
        s_keep_line(self, line);
    pthread_mutex_unlock(&self->lock);
    kn_log(KN_LOG_INFO, "endpoint=%s id=%s status=%u outcome=%s%s%s", s_endpoint_names[ep],
           a->id ? a->id : "-", a->status, a->outcome, a->error[0] ? " error=" : "", a->error);
}

/* ---- the receivers ---- */

/* Standard Webhooks check of the request against the endpoint's secret.
 * 0 when it holds; otherwise a is filled (401, or 500 if libcrypto fails). */
static int s_check_webhook(const kn_sink_t *self, s_endpoint_t ep, struct MHD_Connection *conn,
                           const s_request_t *req, s_answer_t *a)
{
    static const char *const names[] = {"webhook-id", "webhook-timestamp", "webhook-signature"};
    const char *values[3];
    for (int i = 0; i < 3; i++) {
        values[i] = s_header(conn, names[i]);
        if (!values[i]) {
            s_fail(a, MHD_HTTP_UNAUTHORIZED, "refused-signature", "header %s is missing", names[i]);
            return -1;
        }
    }
    int64_t ts = 0;
    if (s_parse_int64(values[1], &ts) != 0) {
        s_fail(a, MHD_HTTP_UNAUTHORIZED, "refused-signature",
               "webhook-timestamp: not an integer number of seconds");
        return -1;
    }
    kn_error_t err = {0};
    char text[sizeof a->error];
    int rc = kn_sign_webhook_verify(self->secrets[ep].text, values[0], ts, req->body, req->len,
                                    values[2], (int64_t)time(NULL), S_WEBHOOK_TOLERANCE_S, &err);
    if (rc != 0) {
        s_fail(a, rc == KN_EAUTH ? MHD_HTTP_UNAUTHORIZED : MHD_HTTP_INTERNAL_SERVER_ERROR,
               "refused-signature", "%s", kn_error_text(&err, text, sizeof text));
        return -1;
    }
    return 0;
}

static void s_miniprogram(kn_sink_t *self, struct MHD_Connection *conn, const s_request_t *req,
                          s_answer_t *a)
{
    if (s_check_webhook(self, S_MINIPROGRAM, conn, req, a) != 0)
        return;
    json_error_t jerr;
    json_t *doc = json_loadb(req->body, req->len, JSON_DECODE_ANY, &jerr);
    if (!doc) {
        s_fail(a, MHD_HTTP_BAD_REQUEST, "invalid", "body is not JSON: line %d: %s", jerr.line,
               jerr.text);
        return;
    }
    json_decref(doc);
    a->status = MHD_HTTP_NO_CONTENT;
    a->outcome = "accepted";
}

static void s_sms(kn_sink_t *self, struct MHD_Connection *conn, const s_request_t *req,
                  s_answer_t *a)
{
    if (s_check_webhook(self, S_SMS, conn, req, a) != 0)
        return;
    json_error_t jerr;
    json_t *doc = json_loadb(req->body, req->len, 0, &jerr);
    if (!doc) {
        s_fail(a, MHD_HTTP_BAD_REQUEST, "invalid", "body is not a JSON object: line %d: %s",
               jerr.line, jerr.text);
        return;
    }
    static const char *const fields[] = {"phone", "text"};
    for (int i = 0; i < 2; i++)
        if (!json_is_string(json_object_get(doc, fields[i]))) {
            s_fail(a, MHD_HTTP_BAD_REQUEST, "invalid", "field %s is missing or not a string",
                   fields[i]);
            json_decref(doc);
            return;
        }
    json_decref(doc);
    const char *wid = s_header(conn, "webhook-id");
    a->reply = json_pack("{s:s,s:o}", "result", "ok", "id", s_jstr(wid, strlen(wid)));
    a->status = MHD_HTTP_OK;
    a->outcome = "accepted";
}

static void s_dcsa(kn_sink_t *self, struct MHD_Connection *conn, const s_request_t *req,
                   s_answer_t *a)
{
    const char *sig = s_header(conn, "Notification-Signature");
    if (!sig) {
        s_fail(a, MHD_HTTP_UNAUTHORIZED, "refused-signature",
               "header Notification-Signature is missing");
        return;
    }
    kn_error_t err = {0};
    char text[sizeof a->error];
    const s_secret_t *sec = &self->secrets[S_DCSA];
    int rc = kn_sign_dcsa_verify(sec->bytes, sec->len, req->body, req->len, sig, &err);
    if (rc != 0) {
        s_fail(a, rc == KN_EAUTH ? MHD_HTTP_UNAUTHORIZED : MHD_HTTP_INTERNAL_SERVER_ERROR,
               "refused-signature", "%s", kn_error_text(&err, text, sizeof text));
        return;
    }
    json_error_t jerr;
    json_t *doc = json_loadb(req->body, req->len, JSON_DECODE_ANY, &jerr);
    if (!json_is_array(doc)) {
        if (doc)
            s_fail(a, MHD_HTTP_BAD_REQUEST, "invalid", "body is not a JSON array of events");
        else
            s_fail(a, MHD_HTTP_BAD_REQUEST, "invalid", "body is not JSON: line %d: %s", jerr.line,
                   jerr.text);
        json_decref(doc);
        return;
    }
    json_decref(doc);
    a->status = MHD_HTTP_NO_CONTENT;
    a->outcome = "accepted";
}

/* The order fields a create-order request cannot do without; why names the
 * first one missing.  0 or -1. */
static int s_ems_order_check(const json_t *order, char *why, size_t whysize)
{
    static const char *const receiver[] = {"name", "mobile", "prov", "city", "county", "address"};
    static const char *const sender[] = {"name", "mobile", "address"};
    static const struct {
        const char *party;
        const char *const *fields;
        size_t n;
    } parties[] = {{"receiver", receiver, sizeof receiver / sizeof *receiver},
                   {"sender", sender, sizeof sender / sizeof *sender}};

    const char *no = json_string_value(json_object_get(order, "logisticsOrderNo"));
    if (!no || !*no) {
        snprintf(why, whysize, "logisticsOrderNo is missing or not a non-empty string");
        return -1;
    }
    for (size_t p = 0; p < sizeof parties / sizeof *parties; p++) {
        const json_t *obj = json_object_get(order, parties[p].party);
        if (!json_is_object(obj)) {
            snprintf(why, whysize, "%s is missing or not an object", parties[p].party);
            return -1;
        }
        for (size_t f = 0; f < parties[p].n; f++) {
            const char *v = json_string_value(json_object_get(obj, parties[p].fields[f]));
            if (!v || !*v) {
                snprintf(why, whysize, "%s.%s is missing or not a non-empty string",
                         parties[p].party, parties[p].fields[f]);
                return -1;
            }
        }
    }
    const json_t *cargos = json_object_get(order, "cargos");
    if (cargos && !json_is_array(cargos)) {
        snprintf(why, whysize, "cargos is not an array");
        return -1;
    }
    return 0;
}

/* A 13-character waybill number, "1100" + 9 digits, the same for the same
 * order number every time (FNV-1a), so a repeated order gets the same one. */
static void s_waybill(const char *order_no, char out[14])
{
    uint64_t h = UINT64_C(14695981039346656037);
    for (const unsigned char *p = (const unsigned char *)order_no; *p; p++) {
        h ^= *p;
        h *= UINT64_C(1099511628211);
    }
    snprintf(out, 14, "1100%09" PRIu64, h % UINT64_C(1000000000));
}

/* The open platform's answer: always HTTP 200, the verdict in retCode. */
static void s_ems_reply(kn_sink_t *self, s_answer_t *a, const char *code, const char *msg,
                        json_t *body)
{
    char date[KN_EMS_TIMESTAMP_LEN] = "";
    char serial[48];
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    kn_ems_timestamp((int64_t)ts.tv_sec, date);
    pthread_mutex_lock(&self->lock);
    uint64_t n = ++self->serial;
    pthread_mutex_unlock(&self->lock);
    snprintf(serial, sizeof serial, "%" PRId64 "%06" PRIu64,
             (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000, n % 1000000);
    json_decref(a->reply);
    a->reply =
        json_pack("{s:s,s:o,s:o,s:s,s:s}", "retCode", code, "retMsg", s_jstr(msg, strlen(msg)),
                  "retBody", body ? body : json_null(), "retDate", date, "serialNo", serial);
    a->status = MHD_HTTP_OK;
}

static void s_ems(kn_sink_t *self, const s_request_t *req, kn_arena_t *arena, s_answer_t *a)
{
    kn_ems_request_t f;
    char why[512];
    char text[sizeof a->error];
    kn_error_t err = {0};
    json_t *order = NULL;
    if (kn_ems_form_read(req->body, req->len, &f, arena, &err) != 0) {
        s_fail(a, MHD_HTTP_OK, "invalid", "form: %s", kn_error_text(&err, text, sizeof text));
        s_ems_reply(self, a, "S0001", a->error, NULL);
        goto out;
    }
    const struct {
        const char *name, *value;
    } required[] = {{"apiCode", f.api_code},
                    {"senderNo", f.sender_no},
                    {"authorization", f.authorization},
                    {"timeStamp", f.time_stamp},
                    {"logitcsInterface", f.logitcs_interface}};
    for (size_t i = 0; i < sizeof required / sizeof *required; i++)
        if (!required[i].value || !*required[i].value) {
            s_fail(a, MHD_HTTP_OK, "invalid", "form field %s is missing", required[i].name);
            s_ems_reply(self, a, "S0001", a->error, NULL);
            goto out;
        }
    size_t n = 0;
    char *plain = kn_ems_open(self->secrets[S_EMS].text, f.logitcs_interface, &n, arena, &err);
    if (!plain) {
        s_fail(a, MHD_HTTP_OK, "refused-signature", "%s", kn_error_text(&err, text, sizeof text));
        s_ems_reply(self, a, "S0001", a->error, NULL);
        if (err.code == KN_ENOMEM) {
            /* the sink's own trouble, not the sender's: let it try again */
            a->status = MHD_HTTP_INTERNAL_SERVER_ERROR;
        }
        goto out;
    }
    json_decref(a->body);
    a->body = s_body_json(plain, n);
    json_error_t jerr;
    order = json_loadb(plain, n, 0, &jerr);
    if (!order) {
        s_fail(a, MHD_HTTP_OK, "invalid", "order is not a JSON object: line %d: %s", jerr.line,
               jerr.text);
        s_ems_reply(self, a, "B0001", a->error, NULL);
        goto out;
    }
    const char *no = json_string_value(json_object_get(order, "logisticsOrderNo"));
    if (!a->id && no && *no)
        a->id = kn_arena_strdup(arena, no);
    if (s_ems_order_check(order, why, sizeof why) != 0) {
        s_fail(a, MHD_HTTP_OK, "invalid", "%s", why);
        s_ems_reply(self, a, "B0001", a->error, NULL);
        goto out;
    }
    char waybill[14];
    s_waybill(no, waybill);
    a->outcome = "accepted";
    s_ems_reply(self, a, "00000", "success", json_pack("{s:s}", "waybillNo", waybill));
out:
    json_decref(order);
}

/* ---- modes ---- */

/* Hold the request for stall_ms, or until the sink stops. */
static void s_stall(kn_sink_t *self)
{
    struct timespec deadline;
    clock_gettime(CLOCK_MONOTONIC, &deadline);
    deadline.tv_sec += (time_t)(self->stall_ms / 1000);
    deadline.tv_nsec += (long)(self->stall_ms % 1000) * 1000000L;
    if (deadline.tv_nsec >= 1000000000L) {
        deadline.tv_sec++;
        deadline.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&self->lock);
    while (!self->stopping)
        if (pthread_cond_timedwait(&self->wake, &self->lock, &deadline) == ETIMEDOUT)
            break;
    pthread_mutex_unlock(&self->lock);
}

/* Answer as the endpoint's mode says, before looking at the request. */
static void s_misbehave(kn_sink_t *self, const s_mode_t *mode, s_answer_t *a)
{
    switch (mode->kind) {
    case S_MODE_FAIL:
        s_fail(a, MHD_HTTP_INTERNAL_SERVER_ERROR, "failed-on-purpose", "told to fail");
        break;
    case S_MODE_UNAVAILABLE:
        s_fail(a, MHD_HTTP_SERVICE_UNAVAILABLE, "failed-on-purpose", "told to be unavailable");
        a->retry_after = mode->retry_after;
        break;
    case S_MODE_THROTTLE:
        s_fail(a, MHD_HTTP_TOO_MANY_REQUESTS, "throttled", "told to throttle");
        a->retry_after = mode->retry_after >= 0 ? mode->retry_after : 1;
        break;
    case S_MODE_VANISH:
        s_fail(a, MHD_HTTP_GONE, "gone", "told the endpoint is gone");
        break;
    case S_MODE_STALL:
        s_stall(self);
        s_fail(a, MHD_HTTP_INTERNAL_SERVER_ERROR, "stalled",
               "held for up to %" PRId64 " ms, then failed", self->stall_ms);
        break;
    default:
        assert(!"unreachable mode");
    }
    s_error_reply(a);
}

/* One POST to a receiver: its mode first, then size, secret, signature and
 * body, then the record. */
static void s_receive(kn_sink_t *self, s_endpoint_t ep, struct MHD_Connection *conn,
                      const s_request_t *req, kn_arena_t *arena, s_answer_t *a)
{
    pthread_mutex_lock(&self->lock);
    self->stats[ep].received++;
    s_mode_t mode = self->modes[ep];
    if (mode.kind != S_MODE_OK && mode.remaining > 0 && --self->modes[ep].remaining == 0)
        self->modes[ep] = (s_mode_t){S_MODE_OK, 0, -1};
    pthread_mutex_unlock(&self->lock);

    a->id = s_header(conn, S_ID_HEADER);
    if (!a->id && (ep == S_MINIPROGRAM || ep == S_SMS))
        a->id = s_header(conn, "webhook-id");
    if (!req->too_big)
        a->body = s_body_json(req->body, req->len);

    if (mode.kind != S_MODE_OK) {
        s_misbehave(self, &mode, a);
    } else if (req->too_big) {
        s_fail(a, MHD_HTTP_CONTENT_TOO_LARGE, "invalid", "body exceeds %d bytes", S_BODY_MAX);
        s_error_reply(a);
    } else if (self->secrets[ep].problem) {
        s_fail(a, MHD_HTTP_INTERNAL_SERVER_ERROR, "refused-signature",
               "sink cannot check signatures: %s", self->secrets[ep].problem);
        s_error_reply(a);
    } else {
        switch (ep) {
        case S_MINIPROGRAM:
            s_miniprogram(self, conn, req, a);
            break;
        case S_SMS:
            s_sms(self, conn, req, a);
            break;
        case S_EMS:
            s_ems(self, req, arena, a);
            break;
        default:
            s_dcsa(self, conn, req, a);
            break;
        }
        if (a->status >= 400 && !a->reply)
            s_error_reply(a);
    }
    s_record(self, ep, a);
}

/* ---- control ---- */

static void s_control_error(s_answer_t *a, unsigned status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* A refusal of a control request: not recorded, only answered. */
static void s_control_error(s_answer_t *a, unsigned status, const char *fmt, ...)
{
    a->status = status;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(a->error, sizeof a->error, fmt, ap);
    va_end(ap);
    s_error_reply(a);
}

static void s_set_mode(kn_sink_t *self, const s_request_t *req, s_answer_t *a)
{
    json_error_t jerr;
    json_t *doc = req->too_big ? NULL : json_loadb(req->body, req->len, 0, &jerr);
    const char *endpoint = NULL, *name = NULL, *key;
    json_int_t count = 0, retry_after = -1;
    json_t *value;
    if (!doc) {
        s_control_error(a, MHD_HTTP_BAD_REQUEST, "body is not a JSON object");
        goto out;
    }
    json_object_foreach(doc, key, value)
    {
        if (!strcmp(key, "endpoint") && json_is_string(value)) {
            endpoint = json_string_value(value);
        } else if (!strcmp(key, "mode") && json_is_string(value)) {
            name = json_string_value(value);
        } else if (!strcmp(key, "count") && json_is_integer(value) &&
                   json_integer_value(value) >= 0) {
            count = json_integer_value(value);
        } else if (!strcmp(key, "retry_after") && json_is_integer(value) &&
                   json_integer_value(value) >= 0) {
            retry_after = json_integer_value(value);
        } else {
            s_control_error(a, MHD_HTTP_BAD_REQUEST,
                            "%.64s: unknown, or not of its type (endpoint and mode strings, "
                            "count and retry_after integers >= 0)",
                            key);
            goto out;
        }
    }
    int ep = -2, kind = -1;
    for (int e = 0; endpoint && e < S_NENDPOINTS; e++)
        if (!strcmp(endpoint, s_endpoint_names[e]))
            ep = e;
    if (endpoint && !strcmp(endpoint, "*"))
        ep = -1;
    for (int m = 0; name && m < S_NMODES; m++)
        if (!strcmp(name, s_mode_names[m]))
            kind = m;
    if (ep == -2 || kind < 0) {
        s_control_error(a, MHD_HTTP_BAD_REQUEST,
                        "endpoint must be miniprogram, sms, ems, dcsa or *, and mode ok, fail, "
                        "throttle, vanish, stall or unavailable");
        goto out;
    }
    s_mode_t mode = {(s_mode_kind_t)kind, kind == S_MODE_OK ? 0 : (int64_t)count,
                     (int64_t)retry_after};
    pthread_mutex_lock(&self->lock);
    for (int e = 0; e < S_NENDPOINTS; e++)
        if (ep == -1 || ep == e)
            self->modes[e] = mode;
    pthread_mutex_unlock(&self->lock);
    kn_log(KN_LOG_INFO, "endpoint=%s mode=%s count=%" PRId64, endpoint, name, mode.remaining);
    a->status = MHD_HTTP_NO_CONTENT;
out:
    json_decref(doc);
}

static void s_stats(kn_sink_t *self, s_answer_t *a)
{
    json_t *all = json_object();
    pthread_mutex_lock(&self->lock);
    for (int e = 0; all && e < S_NENDPOINTS; e++) {
        const s_stats_t *st = &self->stats[e];
        json_object_set_new(
            all, s_endpoint_names[e],
            json_pack("{s:I,s:I,s:I,s:I,s:I,s:I}", "received", (json_int_t)st->received, "accepted",
                      (json_int_t)st->accepted, "unique", (json_int_t)st->unique, "duplicates",
                      (json_int_t)st->duplicates, "refused", (json_int_t)st->refused,
                      "failed_on_purpose", (json_int_t)st->failed_on_purpose));
    }
    pthread_mutex_unlock(&self->lock);
    a->reply = all;
    a->status = all ? MHD_HTTP_OK : MHD_HTTP_INTERNAL_SERVER_ERROR;
}

/* The kept records as one JSON array, from the dumped lines. */
static char *s_records_text(kn_sink_t *self)
{
    pthread_mutex_lock(&self->lock);
    char *text = malloc(self->lines_bytes + self->nlines + 3);
    if (text) {
        size_t o = 0;
        text[o++] = '[';
        for (size_t i = 0; i < self->nlines; i++) {
            if (i)
                text[o++] = ',';
            size_t n = strlen(self->lines[i]);
            memcpy(text + o, self->lines[i], n);
            o += n;
        }
        text[o++] = ']';
        text[o] = '\0';
    }
    pthread_mutex_unlock(&self->lock);
    return text;
}

/* ---- libmicrohttpd ---- */

/* The receivers; -1 for any other path. */
static int s_route(const char *url)
{
    if (!strcmp(url, "/miniprogram"))
        return S_MINIPROGRAM;
    if (!strcmp(url, "/sms"))
        return S_SMS;
    if (!strcmp(url, "/ems"))
        return S_EMS;
    if (!strcmp(url, "/dcsa") || !strncmp(url, "/dcsa/", 6))
        return S_DCSA;
    return -1;
}

static void s_not_allowed(s_answer_t *a, const char *method, const char *url, const char *allow)
{
    s_control_error(a, MHD_HTTP_METHOD_NOT_ALLOWED, "method %.32s is not allowed on %.200s", method,
                    url);
    a->allow = allow;
}

static enum MHD_Result s_send(struct MHD_Connection *conn, const s_answer_t *a)
{
    char *dumped = NULL;
    const char *data = "", *type = NULL;
    if (a->owned) {
        data = a->owned;
        type = "application/json";
    } else if (a->reply) {
        dumped = json_dumps(a->reply, JSON_COMPACT);
        data = dumped ? dumped : "{}";
        type = "application/json";
    } else if (a->text) {
        data = a->text;
        type = "text/plain; charset=utf-8";
    }
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(strlen(data), (void *)data, MHD_RESPMEM_MUST_COPY);
    free(dumped);
    if (!resp)
        return MHD_NO;
    if (type)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, type);
    if (a->allow)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, a->allow);
    if (a->retry_after >= 0) {
        char secs[24];
        snprintf(secs, sizeof secs, "%" PRId64, a->retry_after);
        MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, secs);
    }
    enum MHD_Result rc = MHD_queue_response(conn, a->status, resp);
    MHD_destroy_response(resp);
    return rc;
}

/* The whole request is here (or is too big): answer it. */
static enum MHD_Result s_handle(kn_sink_t *self, struct MHD_Connection *conn, const char *url,
                                const char *method, s_request_t *req)
{
    s_answer_t a = {.status = MHD_HTTP_INTERNAL_SERVER_ERROR, .retry_after = -1};
    enum MHD_Result rc = MHD_NO;
    kn_arena_t *arena = kn_arena_new(16 * 1024);
    if (!arena)
        goto out;
    req->answered = true;
    bool post = !strcmp(method, MHD_HTTP_METHOD_POST);
    bool get = !strcmp(method, MHD_HTTP_METHOD_GET) || !strcmp(method, MHD_HTTP_METHOD_HEAD);
    int ep = s_route(url);
    if (ep >= 0) {
        if (post)
            s_receive(self, (s_endpoint_t)ep, conn, req, arena, &a);
        else
            s_not_allowed(&a, method, url, "POST");
    } else if (!strcmp(url, "/_sink/mode")) {
        if (post)
            s_set_mode(self, req, &a);
        else
            s_not_allowed(&a, method, url, "POST");
    } else if (!strcmp(url, "/_sink/stats")) {
        if (get)
            s_stats(self, &a);
        else
            s_not_allowed(&a, method, url, "GET, HEAD");
    } else if (!strcmp(url, "/_sink/records")) {
        if (get) {
            a.owned = s_records_text(self);
            a.status = a.owned ? MHD_HTTP_OK : MHD_HTTP_INTERNAL_SERVER_ERROR;
        } else {
            s_not_allowed(&a, method, url, "GET, HEAD");
        }
    } else if (!strcmp(url, "/healthz")) {
        if (get) {
            a.status = MHD_HTTP_OK;
            a.text = "ok";
        } else {
            s_not_allowed(&a, method, url, "GET, HEAD");
        }
    } else {
        s_control_error(&a, MHD_HTTP_NOT_FOUND, "no such path: %.200s", url);
    }
    rc = s_send(conn, &a);
out:
    json_decref(a.body);
    json_decref(a.reply);
    free(a.owned);
    kn_arena_destroy(&arena);
    return rc;
}

static enum MHD_Result s_on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                    const char *method, const char *version, const char *upload,
                                    size_t *upload_size, void **con_cls)
{
    (void)version;
    kn_sink_t *self = cls;
    s_request_t *req = *con_cls;
    if (!req) {
        req = calloc(1, sizeof *req);
        if (!req)
            return MHD_NO;
        *con_cls = req;
        pthread_mutex_lock(&self->lock);
        self->inflight++;
        pthread_mutex_unlock(&self->lock);
        /* refuse a declared oversize body before reading any of it */
        int64_t declared = 0;
        const char *cl =
            MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
        if (cl && s_parse_int64(cl, &declared) == 0 && declared > S_BODY_MAX) {
            req->too_big = true;
            return s_handle(self, conn, url, method, req);
        }
        return MHD_YES;
    }
    if (*upload_size) {
        size_t n = *upload_size;
        *upload_size = 0;
        if (req->answered || req->too_big)
            return MHD_YES;
        if (n > S_BODY_MAX - req->len) {
            req->too_big = true;
            free(req->body);
            req->body = NULL;
            req->len = req->cap = 0;
            return MHD_YES;
        }
        if (req->len + n + 1 > req->cap) {
            size_t cap = req->cap ? req->cap : 4096;
            while (cap < req->len + n + 1)
                cap *= 2;
            char *grown = realloc(req->body, cap);
            if (!grown)
                return MHD_NO;
            req->body = grown;
            req->cap = cap;
        }
        memcpy(req->body + req->len, upload, n);
        req->len += n;
        req->body[req->len] = '\0';
        return MHD_YES;
    }
    if (req->answered)
        return MHD_YES;
    return s_handle(self, conn, url, method, req);
}

static void s_on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                           enum MHD_RequestTerminationCode toe)
{
    (void)conn;
    (void)toe;
    kn_sink_t *self = cls;
    s_request_t *req = *con_cls;
    if (req) {
        free(req->body);
        free(req);
        pthread_mutex_lock(&self->lock);
        self->inflight--;
        pthread_cond_broadcast(&self->wake); /* kn_sink_destroy() may be waiting */
        pthread_mutex_unlock(&self->lock);
    }
    *con_cls = NULL;
}

static void s_on_mhd_log(void *cls, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

/* libmicrohttpd's messages into our log; while starting, the last one is kept
 * to explain a failed start. */
static void s_on_mhd_log(void *cls, const char *fmt, va_list ap)
{
    kn_sink_t *self = cls;
    char msg[256];
    vsnprintf(msg, sizeof msg, fmt, ap);
    size_t n = strlen(msg);
    while (n && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
        msg[--n] = '\0';
    if (!atomic_load(&self->started))
        snprintf(self->start_error, sizeof self->start_error, "%s", msg);
    kn_log(KN_LOG_WARNING, "libmicrohttpd: %s", msg);
}

/* ---- the sink ---- */

kn_sink_t *kn_sink_new(const kn_sink_conf_t *conf, char *errbuf, size_t errsize)
{
    assert(conf && conf->listen && conf->stall_ms >= 0);
    kn_sink_t *self = NULL, *result = NULL;
    struct addrinfo *ai = NULL;
    pthread_condattr_t attr;
    char host[256], port[8];
    if (kn_http_parse_listen(conf->listen, host, sizeof host, port, sizeof port, errbuf, errsize))
        return NULL;
    self = calloc(1, sizeof *self);
    if (!self || pthread_condattr_init(&attr) != 0) {
        snprintf(errbuf, errsize, "sink: out of memory");
        free(self);
        return NULL;
    }
    /* a stall waits on the monotonic clock so a clock step cannot stretch it */
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    if (pthread_mutex_init(&self->lock, NULL) != 0 || pthread_cond_init(&self->wake, &attr) != 0) {
        snprintf(errbuf, errsize, "sink: cannot create a mutex or a condition variable");
        pthread_condattr_destroy(&attr);
        free(self);
        return NULL;
    }
    pthread_condattr_destroy(&attr);
    self->stall_ms = conf->stall_ms;
    atomic_init(&self->started, false);

    for (int e = 0; e < S_NENDPOINTS; e++) {
        self->modes[e] = (s_mode_t){S_MODE_OK, 0, -1};
        self->seen[e] = json_object();
        if (!self->seen[e]) {
            snprintf(errbuf, errsize, "sink: out of memory");
            goto out;
        }
    }
    const char *files[S_NENDPOINTS] = {conf->miniprogram_secret_file, conf->sms_secret_file,
                                       conf->ems_key_file, conf->dcsa_secret_file};
    for (int e = 0; e < S_NENDPOINTS; e++)
        if (s_load_secret(&self->secrets[e], (s_endpoint_t)e, files[e]) != 0) {
            snprintf(errbuf, errsize, "sink: out of memory");
            goto out;
        }
    if (conf->record_file && *conf->record_file) {
        self->record = fopen(conf->record_file, "a");
        if (!self->record) {
            snprintf(errbuf, errsize, "sink: cannot open record file %s: %s", conf->record_file,
                     strerror(errno));
            goto out;
        }
    }

    struct addrinfo hints = {.ai_flags = AI_PASSIVE | AI_NUMERICSERV,
                             .ai_family = AF_UNSPEC,
                             .ai_socktype = SOCK_STREAM};
    int gai = getaddrinfo(host[0] ? host : NULL, port, &hints, &ai);
    if (gai != 0) {
        snprintf(errbuf, errsize, "sink: listen %s: %s", conf->listen, gai_strerror(gai));
        goto out;
    }
    unsigned flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD |
                     MHD_USE_ERROR_LOG | MHD_USE_ITC;
    if (ai->ai_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    /* the address carries the port; it goes in the port argument as well only
     * so that libmicrohttpd's messages name it */
    self->daemon = MHD_start_daemon(
        flags, (uint16_t)atoi(port), NULL, NULL, s_on_request, self, MHD_OPTION_EXTERNAL_LOGGER,
        s_on_mhd_log, self, MHD_OPTION_SOCK_ADDR, ai->ai_addr, MHD_OPTION_CONNECTION_TIMEOUT,
        (unsigned int)S_CONNECTION_TIMEOUT_S, MHD_OPTION_NOTIFY_COMPLETED, s_on_completed, self,
        MHD_OPTION_END);
    if (!self->daemon) {
        snprintf(errbuf, errsize, "sink: cannot listen on %s: %s", conf->listen,
                 self->start_error[0] ? self->start_error : "libmicrohttpd would not start");
        goto out;
    }
    atomic_store(&self->started, true);
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(self->daemon, MHD_DAEMON_INFO_BIND_PORT);
    self->port = info ? info->port : 0;
    if (self->port == 0) {
        snprintf(errbuf, errsize, "sink: cannot tell which port %s was bound to", conf->listen);
        goto out;
    }
    snprintf(self->address, sizeof self->address, "%s%s%s:%u", strchr(host, ':') ? "[" : "", host,
             strchr(host, ':') ? "]" : "", (unsigned)self->port);
    kn_log(KN_LOG_INFO, "listening on %s", self->address);
    result = self;
    self = NULL;
out:
    if (ai)
        freeaddrinfo(ai);
    kn_sink_destroy(&self);
    return result;
}

void kn_sink_destroy(kn_sink_t **selfp)
{
    if (!selfp || !*selfp)
        return;
    kn_sink_t *self = *selfp;
    *selfp = NULL;
    if (self->daemon) {
        /* Release the stalled requests and give the requests under way a
         * moment to send their answers: stopping the daemon shuts every
         * connection down at once, and a held request should get its 500
         * rather than a cut connection. */
        struct timespec deadline;
        clock_gettime(CLOCK_MONOTONIC, &deadline);
        deadline.tv_sec += S_STOP_GRACE_S;
        pthread_mutex_lock(&self->lock);
        self->stopping = true;
        pthread_cond_broadcast(&self->wake);
        while (self->inflight > 0)
            if (pthread_cond_timedwait(&self->wake, &self->lock, &deadline) == ETIMEDOUT)
                break;
        pthread_mutex_unlock(&self->lock);
        MHD_stop_daemon(self->daemon);
    }
    for (int e = 0; e < S_NENDPOINTS; e++) {
        json_decref(self->seen[e]);
        s_wipe_free(self->secrets[e].text,
                    self->secrets[e].text ? strlen(self->secrets[e].text) : 0);
        s_wipe_free(self->secrets[e].bytes, self->secrets[e].len);
        free(self->secrets[e].problem);
    }
    for (size_t i = 0; i < self->nlines; i++)
        free(self->lines[i]);
    free(self->lines);
    if (self->record)
        fclose(self->record);
    pthread_cond_destroy(&self->wake);
    pthread_mutex_destroy(&self->lock);
    free(self);
}

uint16_t kn_sink_port(const kn_sink_t *self)
{
    assert(self);
    return self->port;
}

const char *kn_sink_address(const kn_sink_t *self)
{
    assert(self);
    return self->address;
}
