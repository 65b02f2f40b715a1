#include "deliver.h"
#include "arena.h"
#include "clock.h"
#include "db.h"
#include "ems.h"
#include "err.h"
#include "log.h"
#include "sign.h"

#include <ctype.h>
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <libpq-fe.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#ifndef KN_VERSION
#define KN_VERSION "0.1.0"
#endif

#define S_CHANNEL "kouan_outbox"
#define S_SCHEMA_OUTBOX 7      /* 007_outbox.sql: the tables this engine needs */
#define S_FALLBACK_MS 5000     /* look for due rows at least this often (a NOTIFY may be missed) */
#define S_RECHECK_MS 100       /* rows due but not claimable (locked by another claim) */
#define S_IDLE_MS 1000         /* --exit-when-idle: nothing due within this long */
#define S_MAX_IN_FLIGHT 256    /* transfers at once, all endpoints together */
#define S_CLAIM_BATCH 64       /* rows one claim statement may take */
#define S_ANSWER_MAX 65536     /* bytes of an answer kept (EMS answers are small) */
#define S_ERROR_MAX 1000       /* bytes of last_error / delivery_attempt.error */
#define S_SNIPPET_MAX 200      /* bytes of an error answer quoted in last_error */
#define S_SECRET_FILE_MAX 4096 /* a secret file is a line, not a document */
#define S_EMS_API_CREATE "020003" /* EMS: create a mail order */

/* The claim (one statement, so any number of kouan notify can run).  A row is
 * due when pending, its next_attempt_at passed and no live lease on it; it is
 * claimable when no pending row of its order_key comes before it (a failed row
 * stays pending with a later next_attempt_at, so its successors wait; dead and
 * cancelled rows do not block) and its endpoint has room: $2/$3 say how many
 * transfers this worker has in flight per endpoint, $4 is
 * concurrency_per_endpoint.  Candidates are locked with SKIP LOCKED (another
 * worker's claim in progress is passed over, not waited for); the window
 * function then keeps, per endpoint, only as many as it has room for; the
 * others are unlocked when the statement ends.  $1 caps the candidates, $5 is
 * the lease in seconds.  Subscription rows come with their subscription.
 * Candidates are taken in (next_attempt_at, id) order, the order of the partial
 * index outbox_due: ORDER BY id alone makes the planner walk the primary key
 * through every delivered row of the outbox's history (29 ms against 1.4 ms
 * with 200 000 delivered rows).  Order within an order_key is the NOT EXISTS's
 * work, not this ORDER BY's. */
static const char s_claim_sql[] =
    "WITH busy AS ("
    " SELECT b.endpoint, b.n FROM unnest($2::text[], $3::int[]) AS b(endpoint, n)),"
    " cand AS ("
    " SELECT o.id, o.endpoint FROM outbox o"
    " WHERE o.status = 'pending' AND o.next_attempt_at <= now()"
    " AND (o.leased_until IS NULL OR o.leased_until < now())"
    " AND NOT EXISTS (SELECT 1 FROM outbox p WHERE p.order_key = o.order_key"
    " AND p.status = 'pending' AND p.id < o.id)"
    " AND NOT EXISTS (SELECT 1 FROM busy b WHERE b.endpoint = o.endpoint AND b.n >= $4)"
    " ORDER BY o.next_attempt_at, o.id LIMIT $1 FOR UPDATE OF o SKIP LOCKED),"
    " pick AS ("
    " SELECT c.id FROM (SELECT id, endpoint,"
    " row_number() OVER (PARTITION BY endpoint ORDER BY id) AS k FROM cand) c"
    " LEFT JOIN busy b ON b.endpoint = c.endpoint"
    " WHERE c.k <= $4 - coalesce(b.n, 0)),"
    " claimed AS ("
    " UPDATE outbox o SET leased_until = now() + $5::int * interval '1 second',"
    " attempts = o.attempts + 1"
    " WHERE o.id IN (SELECT id FROM pick)"
    " RETURNING o.id, o.notification_id, o.endpoint, o.content_type, o.body, o.attempts)"
    " SELECT c.id, c.notification_id, c.endpoint, c.content_type, c.body, c.attempts,"
    " s.id, s.callback_url, s.secret, s.disabled_at IS NOT NULL"
    " FROM claimed c LEFT JOIN subscription s ON c.endpoint = 'subscription:' || s.id"
    " ORDER BY c.id";

/* Milliseconds until the next row becomes claimable (negative: already), NULL
 * when none: heads of their order_key only (a successor's own next_attempt_at
 * means nothing while its predecessor waits), a live lease counting as not
 * before its expiry, endpoints without room ($1) left out. */
static const char s_due_sql[] =
    "SELECT ceil(extract(epoch FROM min(greatest(o.next_attempt_at,"
    " coalesce(o.leased_until, o.next_attempt_at))) - now()) * 1000)::bigint"
    " FROM outbox o WHERE o.status = 'pending'"
    " AND NOT EXISTS (SELECT 1 FROM outbox p WHERE p.order_key = o.order_key"
    " AND p.status = 'pending' AND p.id < o.id)"
    " AND o.endpoint <> ALL ($1::text[])";

static const char s_attempt_sql[] =
    "INSERT INTO delivery_attempt (outbox_id, attempt, worker, started_at, duration_ms,"
    " http_status, error, retry_after_s)"
    " SELECT $1, $2, $3, to_timestamp($4::double precision), $5, $6,"
    " CASE WHEN o.kind = 'pickup-code' THEN regexp_replace($7, '[0-9]{4,}', '****', 'g')"
    " ELSE $7 END, $8 FROM outbox o WHERE o.id = $1";

/* The row is settled only while it is still this try's: pending with the
 * attempts this claim gave it.  An operator's replay, or another worker that
 * claimed it after the lease ran out, makes it someone else's. */
#define S_MINE " WHERE id = $1 AND status = 'pending' AND attempts = $2"

/* A pickup code is kept only while it may still be sent: once the row is
 * settled (delivered, dead, cancelled) its message keeps the code masked (the
 * certificate holds only its hash; a new deposit makes a new code).  Error
 * text of its tries is masked always: a gateway may echo the message. */
#define S_MASKED_BODY                                                                              \
    " body = CASE WHEN kind = 'pickup-code'"                                                       \
    " THEN regexp_replace(body, '取件码[0-9]+', '取件码******', 'g') ELSE body END"
#define S_MASKED_ERROR                                                                             \
    " last_error = CASE WHEN kind = 'pickup-code'"                                                 \
    " THEN regexp_replace($3, '[0-9]{4,}', '****', 'g') ELSE $3 END"
static const char s_delivered_sql[] =
    "UPDATE outbox SET status = 'delivered', delivered_at = now(), leased_until = NULL,"
    " last_error = NULL," S_MASKED_BODY S_MINE;
static const char s_retry_sql[] =
    "UPDATE outbox SET leased_until = NULL," S_MASKED_ERROR ","
    " next_attempt_at = now() + $4::bigint * interval '1 millisecond'" S_MINE;
static const char s_dead_sql[] =
    "UPDATE outbox SET status = 'dead', leased_until = NULL," S_MASKED_ERROR
    "," S_MASKED_BODY S_MINE;
static const char s_cancel_sql[] =
    "UPDATE outbox SET status = 'cancelled', leased_until = NULL," S_MASKED_ERROR
    "," S_MASKED_BODY S_MINE;

/* A 410 from a subscriber: the subscription is disabled and nothing more is
 * sent to it. */
static const char s_disable_sql[] =
    "UPDATE subscription SET disabled_at = now(), disabled_reason = $2, updated_at = now()"
    " WHERE id = $1 AND disabled_at IS NULL";
static const char s_cancel_endpoint_sql[] =
    "UPDATE outbox SET status = 'cancelled', leased_until = NULL, last_error = $2"
    " WHERE endpoint = $1 AND status = 'pending'";

/* EMS took the order: the certificate is ordered, with EMS's waybill number. */
static const char s_ems_ordered_sql[] =
    "WITH c AS (UPDATE certificate SET ems_waybill_no = coalesce($2, ems_waybill_no),"
    " status = 'ordered', updated_at = now() WHERE ems_order_no = $1 RETURNING id)"
    " INSERT INTO certificate_event (certificate_id, status, detail)"
    " SELECT id, 'ordered', $3 FROM c";

/* What recording a try does to its row. */
typedef enum {
    S_ACT_DELIVERED, /* done */
    S_ACT_RETRY,     /* pending again after delay_ms */
    S_ACT_DEAD,      /* dead-lettered: no more tries */
    S_ACT_CANCEL,    /* cancelled without a call (subscription disabled or unknown) */
    S_ACT_GONE       /* subscriber answered 410: disable it, cancel its rows */
} s_action_t;

static const char *const s_action_names[] = {"delivered", "retry", "dead", "cancelled", "gone"};

/* One claimed row: its request while in flight, then its result until it is
 * recorded. */
typedef struct s_job {
    struct s_job *next;         /* next in the in-flight or settled list */
    kn_arena_t *arena;          /* the job's strings and request body */
    char *id;                   /* outbox.id, as text */
    char *notification_id;      /* the receiver's idempotency key */
    char *endpoint;             /* miniprogram, sms, ems, subscription:<id> */
    int attempt;                /* outbox.attempts after this claim */
    const char *subscription;   /* subscription id, for subscription endpoints */
    const char *url;            /* where it was sent; NULL when it was not */
    bool needs_ret_code;        /* EMS: success is also retCode 00000 */
    const char *ems_order_no;   /* EMS: the order's logisticsOrderNo */
    CURL *easy;                 /* the transfer; NULL when none */
    struct curl_slist *headers; /* request headers, freed with the transfer */
    char *answer;               /* first S_ANSWER_MAX bytes of the answer body */
    size_t answer_len, answer_cap;
    char retry_after[64]; /* Retry-After of the last answer's headers */
    char curl_error[CURL_ERROR_SIZE];
    double started_at;      /* wall clock, unix s, for delivery_attempt */
    int64_t started_ms;     /* monotonic, for the duration */
    int64_t duration_ms;    /* how long the try took */
    long http_status;       /* 0: no answer */
    s_action_t action;      /* what recording does to the row */
    const char *error;      /* why it failed; NULL when delivered */
    int error_log_len;      /* bytes of error logged: the answer's words stay out of logs */
    int64_t retry_after_s;  /* Retry-After honoured, -1 when none */
    int64_t delay_ms;       /* S_ACT_RETRY: wait before the next try */
    const char *waybill_no; /* EMS: the answer's waybillNo, may be NULL */
    bool address_refused;   /* a subscriber's callback resolved to a non-public address */
} s_job_t;

struct kn_deliver {
    kn_config_t *cfg;        /* current configuration */
    const char *config_path; /* re-read on SIGHUP */
    char *conninfo;          /* [database], fixed at start: it cannot change on reload */
    bool curl_ready;         /* curl_global_init done */
    bool exit_when_idle;     /* return once nothing is in flight or due */
    char worker[300];        /* host:pid, recorded with every try */
    PGconn *conn;            /* NULL while the database is away */
    int64_t next_connect;    /* monotonic ms of the next connection attempt */
    int64_t backoff_ms;      /* current wait between connection attempts */
    CURLM *multi;            /* the transfers */
    s_job_t *flying;         /* jobs with a transfer in flight */
    size_t nflying;
    s_job_t *settled, **settled_tail; /* finished, not recorded yet, in order */
    size_t nsettled;
    bool wake;             /* a NOTIFY or a settled row: claim now */
    int64_t next_claim;    /* monotonic ms of the next claim round */
    bool due_known;        /* a claim round ran since the last connection */
    int64_t due_at;        /* monotonic ms the next row becomes due; INT64_MAX: none */
    bool stopping;         /* SIGTERM: no more claims */
    int64_t stop_deadline; /* give up recording after this (database away at the end) */
    uint64_t rng;          /* jitter state (splitmix64) */
    uint64_t delivered, retried, dead, cancelled;
};

static volatile sig_atomic_t s_stop, s_reload;
static int s_signal_pipe[2] = {-1, -1};

/* Wake the poll at once: curl_multi_poll is not interrupted by a signal. */
static void s_on_signal(int sig)
{
    int saved = errno;
    if (sig == SIGHUP)
        s_reload = 1;
    else if (s_stop < 2)
        s_stop++;
    if (s_signal_pipe[1] >= 0) {
        ssize_t n = write(s_signal_pipe[1], "", 1);
        (void)n; /* full pipe: a wake-up is pending anyway */
    }
    errno = saved;
}

/* ---- pure helpers ---------------------------------------------------- */

const char *kn_deliver_outcome_name(kn_deliver_outcome_t outcome)
{
    switch (outcome) {
    case KN_DELIVER_DELIVERED:
        return "delivered";
    case KN_DELIVER_RETRY:
        return "retry";
    case KN_DELIVER_GONE:
        return "gone";
    }
    return "unknown";
}

int64_t kn_deliver_backoff_ms(int attempt, int64_t min_ms, int64_t max_ms, uint64_t rnd)
{
    if (min_ms < 1)
        min_ms = 1;
    if (max_ms < 1)
        max_ms = 1;
    /* double until the cap: never past it, so never past INT64_MAX */
    int64_t b = min_ms < max_ms ? min_ms : max_ms;
    for (int i = 1; i < attempt && b < max_ms; i++)
        b = b > max_ms / 2 ? max_ms : b * 2;
    int64_t half = b / 2;
    uint64_t span = (uint64_t)(b - half) + 1;
    return half + (int64_t)(rnd % span);
}

int64_t kn_deliver_retry_after(const char *value, int64_t now)
{
    if (!value)
        return -1;
    while (*value == ' ' || *value == '\t')
        value++;
    size_t n = strlen(value);
    while (n && (value[n - 1] == ' ' || value[n - 1] == '\t' || value[n - 1] == '\r' ||
                 value[n - 1] == '\n'))
        n--;
    if (n == 0 || n > 64)
        return -1;
    char text[65];
    memcpy(text, value, n);
    text[n] = '\0';
    if (isdigit((unsigned char)text[0])) {
        /* delta-seconds = 1*DIGIT: nothing else, no sign */
        int64_t s = 0;
        for (const char *p = text; *p; p++) {
            if (!isdigit((unsigned char)*p))
                return -1;
            if (s < INT32_MAX)
                s = s * 10 + (*p - '0');
        }
        return s > INT32_MAX ? INT32_MAX : s;
    }
    /* every HTTP-date form starts with a day name; curl_getdate reads all three */
    if (!isalpha((unsigned char)text[0]))
        return -1;
    time_t when = curl_getdate(text, NULL);
    if (when == (time_t)-1)
        return -1;
    int64_t d = (int64_t)when - now;
    return d < 0 ? 0 : d > INT32_MAX ? INT32_MAX : d;
}

kn_deliver_outcome_t kn_deliver_classify(long http_status, bool needs_ret_code,
                                         const char *ret_code)
{
    if (http_status == 410)
        return KN_DELIVER_GONE;
    if (http_status < 200 || http_status > 299)
        return KN_DELIVER_RETRY;
    if (needs_ret_code && (!ret_code || strcmp(ret_code, "00000") != 0))
        return KN_DELIVER_RETRY;
    return KN_DELIVER_DELIVERED;
}

/* ---- small things ---------------------------------------------------- */

/* A growing string for array literals; oom sticks once set. */
typedef struct {
    char *p;
    size_t len, cap;
    bool oom;
} s_buf_t;

static void s_buf_add(s_buf_t *b, const char *s, size_t n)
{
    if (b->oom)
        return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 128;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *p = realloc(b->p, cap);
        if (!p) {
            b->oom = true;
            return;
        }
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

static void s_buf_str(s_buf_t *b, const char *s)
{
    s_buf_add(b, s, strlen(s));
}

/* One element of a PostgreSQL array literal, double-quoted. */
static void s_buf_element(s_buf_t *b, const char *s)
{
    if (b->len > 1)
        s_buf_add(b, ",", 1);
    s_buf_add(b, "\"", 1);
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            s_buf_add(b, "\\", 1);
        s_buf_add(b, s, 1);
    }
    s_buf_add(b, "\"", 1);
}

static double s_wall_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* splitmix64: jitter needs spread, not secrecy */
static uint64_t s_random(kn_deliver_t *self)
{
    uint64_t z = (self->rng += UINT64_C(0x9E3779B97F4A7C15));
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

/* A header value from the database must not end the header early. */
static bool s_header_ok(const char *value)
{
    if (!*value)
        return false;
    for (const unsigned char *p = (const unsigned char *)value; *p; p++)
        if (*p < 0x20 || *p > 0x7e)
            return false;
    return true;
}

/* text cut to at most max bytes, and before anything that is not whole
 * UTF-8 (a character split by an earlier cut, a stray byte): PostgreSQL
 * refuses the whole row otherwise.  In arena. */
static const char *s_clip(kn_arena_t *arena, const char *text, size_t max)
{
    size_t n = 0;
    for (;;) {
        unsigned char c = (unsigned char)text[n];
        size_t len = c < 0x80             ? 1
                     : (c & 0xE0) == 0xC0 ? 2
                     : (c & 0xF0) == 0xE0 ? 3
                     : (c & 0xF8) == 0xF0 ? 4
                                          : 0;
        if (c == 0 || len == 0 || n + len > max)
            break;
        size_t k = 1;
        while (k < len && ((unsigned char)text[n + k] & 0xC0) == 0x80)
            k++;
        if (k < len)
            break;
        n += len;
    }
    return kn_arena_strndup(arena, text, n);
}

/* ---- jobs ------------------------------------------------------------ */

static void s_job_free(s_job_t *job)
{
    if (!job)
        return;
    if (job->easy)
        curl_easy_cleanup(job->easy);
    curl_slist_free_all(job->headers);
    free(job->answer);
    kn_arena_destroy(&job->arena);
    free(job);
}

/* Why the try failed (the first reason given is kept). */
static void s_fail(s_job_t *job, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void s_fail(s_job_t *job, const char *fmt, ...)
{
    if (job->error)
        return;
    char text[S_ERROR_MAX + 8];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    job->error = s_clip(job->arena, text, S_ERROR_MAX); /* whole characters only */
    if (!job->error)
        job->error = "out of memory";
    job->error_log_len = (int)strlen(job->error);
}

static int s_add_header(s_job_t *job, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int s_add_header(s_job_t *job, const char *fmt, ...)
{
    char line[2048];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof line) {
        s_fail(job, "request header too long");
        return KN_ETOOBIG;
    }
    struct curl_slist *l = curl_slist_append(job->headers, line);
    if (!l) {
        s_fail(job, "out of memory");
        return KN_ENOMEM;
    }
    job->headers = l;
    return 0;
}

/* The trimmed text of the secret file of [notify] option, in the job's arena;
 * NULL with the job's error set. */
static char *s_read_secret(s_job_t *job, const char *option, const char *path)
{
    char buf[S_SECRET_FILE_MAX + 1];
    char *text = NULL;
    FILE *f = NULL;
    if (!path[0]) {
        s_fail(job, "[notify] %s is not set", option);
        goto out;
    }
    f = fopen(path, "r");
    if (!f) {
        s_fail(job, "cannot read [notify] %s \"%s\": %s", option, path, strerror(errno));
        goto out;
    }
    size_t n = fread(buf, 1, sizeof buf, f);
    if (ferror(f)) {
        s_fail(job, "cannot read [notify] %s \"%s\": %s", option, path, strerror(errno));
        goto out;
    }
    if (n > S_SECRET_FILE_MAX) {
        s_fail(job, "[notify] %s \"%s\" is longer than %d bytes", option, path, S_SECRET_FILE_MAX);
        goto out;
    }
    size_t start = 0;
    while (start < n && isspace((unsigned char)buf[start]))
        start++;
    while (n > start && isspace((unsigned char)buf[n - 1]))
        n--;
    if (n == start) {
        s_fail(job, "[notify] %s \"%s\" is empty", option, path);
        goto out;
    }
    text = kn_arena_strndup(job->arena, buf + start, n - start);
    if (!text)
        s_fail(job, "out of memory");
out:
    if (f)
        fclose(f);
    return text;
}

/* Standard Webhooks request (mini-program backend, SMS gateway). */
static int s_prepare_webhook(kn_deliver_t *self, s_job_t *job, const char *name,
                             const char *content_type, const char *body, size_t len)
{
    char url_opt[64], secret_opt[64], sig[KN_SIGN_WEBHOOK_MAX];
    snprintf(url_opt, sizeof url_opt, "%s_url", name);
    snprintf(secret_opt, sizeof secret_opt, "%s_secret_file", name);
    const char *url = kn_config_str(self->cfg, "notify", url_opt);
    if (!url[0]) {
        s_fail(job, "[notify] %s is not set", url_opt);
        return KN_ECONFIG;
    }
    const char *secret =
        s_read_secret(job, secret_opt, kn_config_str(self->cfg, "notify", secret_opt));
    if (!secret)
        return KN_ECONFIG;
    if (!s_header_ok(content_type)) {
        s_fail(job, "content type is not a valid header value");
        return KN_EINVAL;
    }
    kn_error_t err = {0};
    int64_t ts = (int64_t)time(NULL);
    int rc = kn_sign_webhook(secret, job->notification_id, ts, body, len, sig, sizeof sig, &err);
    if (rc != 0) {
        char text[700];
        s_fail(job, "cannot sign for [notify] %s: %s", secret_opt,
               kn_error_text(&err, text, sizeof text));
        return rc;
    }
    if ((rc = s_add_header(job, "Content-Type: %s", content_type)) != 0 ||
        (rc = s_add_header(job, "webhook-id: %s", job->notification_id)) != 0 ||
        (rc = s_add_header(job, "webhook-timestamp: %lld", (long long)ts)) != 0 ||
        (rc = s_add_header(job, "webhook-signature: %s", sig)) != 0)
        return rc;
    job->url = kn_arena_strdup(job->arena, url);
    return job->url ? 0 : KN_ENOMEM;
}

/* EMS create-order request: the order JSON sealed into the platform's form. */
static int s_prepare_ems(kn_deliver_t *self, s_job_t *job, const char *body, const char **form)
{
    int rc = KN_ECONFIG;
    json_t *order = NULL;
    const char *url = kn_config_str(self->cfg, "notify", "ems_url");
    const char *sender = kn_config_str(self->cfg, "notify", "ems_sender_no");
    const char *auth = kn_config_str(self->cfg, "notify", "ems_authorization");
    if (!url[0] || !sender[0] || !auth[0]) {
        s_fail(job, "[notify] %s is not set",
               !url[0]      ? "ems_url"
               : !sender[0] ? "ems_sender_no"
                            : "ems_authorization");
        goto out;
    }
    const char *key =
        s_read_secret(job, "ems_key_file", kn_config_str(self->cfg, "notify", "ems_key_file"));
    if (!key)
        goto out;
    /* the certificate is found again by the order's number when EMS answers */
    json_error_t jerr;
    order = json_loads(body, 0, &jerr);
    const char *order_no = json_string_value(json_object_get(order, "logisticsOrderNo"));
    if (!order_no || !order_no[0]) {
        s_fail(job, "ems order has no logisticsOrderNo%s%s", order ? "" : ": ",
               order ? "" : jerr.text);
        rc = KN_EPARSE;
        goto out;
    }
    job->ems_order_no = kn_arena_strdup(job->arena, order_no);
    kn_error_t err = {0};
    char text[700], stamp[KN_EMS_TIMESTAMP_LEN];
    const char *sealed = kn_ems_seal(key, body, job->arena, &err);
    if (!sealed) {
        s_fail(job, "cannot seal the EMS order: %s", kn_error_text(&err, text, sizeof text));
        rc = err.code ? err.code : KN_ECONFIG;
        goto out;
    }
    if (kn_ems_timestamp((int64_t)time(NULL), stamp) != 0) {
        s_fail(job, "the clock cannot be written as an EMS timeStamp");
        rc = KN_EINVAL;
        goto out;
    }
    kn_ems_request_t req = {.api_code = S_EMS_API_CREATE,
                            .sender_no = sender,
                            .authorization = auth,
                            .time_stamp = stamp,
                            .logitcs_interface = sealed};
    *form = kn_ems_form(&req, job->arena, &err);
    if (!*form) {
        s_fail(job, "cannot build the EMS request: %s", kn_error_text(&err, text, sizeof text));
        rc = err.code ? err.code : KN_EINVAL;
        goto out;
    }
    if ((rc = s_add_header(job, "Content-Type: application/x-www-form-urlencoded")) != 0)
        goto out;
    job->needs_ret_code = true;
    job->url = kn_arena_strdup(job->arena, url);
    rc = job->url && job->ems_order_no ? 0 : KN_ENOMEM;
out:
    json_decref(order);
    return rc;
}

/* DCSA subscriber: its callback URL, signed with its secret. */
static int s_prepare_subscription(s_job_t *job, PGresult *res, int row, const char *body,
                                  size_t len)
{
    char sig[KN_SIGN_DCSA_MAX];
    size_t secret_len = 0;
    unsigned char *secret =
        PQunescapeBytea((const unsigned char *)PQgetvalue(res, row, 8), &secret_len);
    if (!secret) {
        s_fail(job, "out of memory");
        return KN_ENOMEM;
    }
    int rc = kn_sign_dcsa(secret, secret_len, body, len, sig, sizeof sig);
    PQfreemem(secret);
    if (rc != 0) {
        s_fail(job, "cannot sign the callback: %s", kn_strerror(rc));
        return rc;
    }
    if ((rc = s_add_header(job, "Content-Type: application/json")) != 0 ||
        (rc = s_add_header(job, "Notification-Signature: %s", sig)) != 0)
        return rc;
    job->url = kn_arena_strdup(job->arena, PQgetvalue(res, row, 7));
    return job->url ? 0 : KN_ENOMEM;
}

static size_t s_on_answer(char *data, size_t size, size_t nmemb, void *arg)
{
    s_job_t *job = arg;
    size_t n = size * nmemb;
    size_t keep = n;
    if (job->answer_len + keep > S_ANSWER_MAX)
        keep = S_ANSWER_MAX - job->answer_len; /* the rest is read and dropped */
    if (keep > 0) {
        if (job->answer_len + keep + 1 > job->answer_cap) {
            size_t cap = job->answer_cap ? job->answer_cap : 1024;
            while (cap < job->answer_len + keep + 1)
                cap *= 2;
            char *p = realloc(job->answer, cap);
            if (!p)
                return 0; /* aborts the transfer: a failed try */
            job->answer = p;
            job->answer_cap = cap;
        }
        memcpy(job->answer + job->answer_len, data, keep);
        job->answer_len += keep;
        job->answer[job->answer_len] = '\0';
    }
    return n;
}

/* Keep the Retry-After of the last answer (a 100 Continue comes first). */
static size_t s_on_header(char *data, size_t size, size_t nmemb, void *arg)
{
    s_job_t *job = arg;
    size_t n = size * nmemb;
    static const char name[] = "retry-after:";
    if (n >= 5 && strncmp(data, "HTTP/", 5) == 0)
        job->retry_after[0] = '\0';
    else if (n > sizeof name - 1 && strncasecmp(data, name, sizeof name - 1) == 0) {
        size_t len = n - (sizeof name - 1);
        if (len >= sizeof job->retry_after)
            len = sizeof job->retry_after - 1;
        memcpy(job->retry_after, data + sizeof name - 1, len);
        job->retry_after[len] = '\0';
    }
    return n;
}

bool kn_deliver_address_public(const struct sockaddr *addr)
{
    uint8_t a[16];
    if (addr->sa_family == AF_INET) {
        memcpy(a, &((const struct sockaddr_in *)(const void *)addr)->sin_addr, 4);
    } else if (addr->sa_family == AF_INET6) {
        const uint8_t *b = ((const struct sockaddr_in6 *)(const void *)addr)->sin6_addr.s6_addr;
        static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
        if (!memcmp(b, mapped, 12)) {
            memcpy(a, b + 12, 4); /* ::ffff:a.b.c.d: judged as a.b.c.d */
        } else {
            static const uint8_t zero[16] = {0};
            bool loop = !memcmp(b, zero, 15) && b[15] == 1;
            return memcmp(b, zero, 16) != 0 && !loop && (b[0] & 0xfe) != 0xfc && /* fc00::/7 */
                   !(b[0] == 0xfe && (b[1] & 0xc0) == 0x80) &&                   /* fe80::/10 */
                   b[0] != 0xff;                                                 /* multicast */
        }
    } else
        return false;
    return a[0] != 0 && a[0] != 10 && a[0] != 127 &&   /* this network, private, loopback */
           !(a[0] == 100 && (a[1] & 0xc0) == 64) &&    /* 100.64/10 shared */
           !(a[0] == 169 && a[1] == 254) &&            /* link-local, metadata */
           !(a[0] == 172 && (a[1] & 0xf0) == 16) &&    /* 172.16/12 */
           !(a[0] == 192 && a[1] == 168) &&            /* 192.168/16 */
           !(a[0] == 192 && a[1] == 0 && a[2] == 0) && /* 192.0.0/24 protocol assignments */
           !(a[0] == 198 && (a[1] & 0xfe) == 18) &&    /* 198.18/15 benchmarking */
           a[0] < 224;                                 /* multicast, reserved, broadcast */
}

/* curl's socket for a subscriber's callback: only to a public address (the
 * check is on the address curl resolved and connects to, so a name that
 * resolves to an internal address is refused too). */
static curl_socket_t s_open_socket(void *data, curlsocktype purpose, struct curl_sockaddr *a)
{
    s_job_t *job = data;
    if (purpose != CURLSOCKTYPE_IPCXN || !kn_deliver_address_public(&a->addr)) {
        job->address_refused = true;
        return CURL_SOCKET_BAD;
    }
    return socket(a->family, a->socktype, a->protocol);
}

/* Start the transfer of a prepared job. */
static int s_send(kn_deliver_t *self, s_job_t *job, const char *body, size_t len)
{
    int rc;
    if ((rc = s_add_header(job, "Kouan-Notification-Id: %s", job->notification_id)) != 0 ||
        (rc = s_add_header(job, "Expect:")) != 0) /* no 100-continue round trip */
        return rc;
    CURL *e = job->easy = curl_easy_init();
    if (!e) {
        s_fail(job, "cannot start the request: out of memory");
        return KN_ENOMEM;
    }
    curl_easy_setopt(e, CURLOPT_URL, job->url);
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
    curl_easy_setopt(e, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, job->headers);
    curl_easy_setopt(e, CURLOPT_USERAGENT, "kouan/" KN_VERSION);
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)kn_config_int(self->cfg, "notify", "timeout_ms"));
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, s_on_answer);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, job);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, s_on_header);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, job);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, job->curl_error);
    curl_easy_setopt(e, CURLOPT_PRIVATE, job);
    if (job->subscription && !kn_config_bool(self->cfg, "notify", "subscriber_private_ok")) {
        curl_easy_setopt(e, CURLOPT_OPENSOCKETFUNCTION, s_open_socket);
        curl_easy_setopt(e, CURLOPT_OPENSOCKETDATA, job);
    }
    job->started_ms = kn_clock_ms();
    job->started_at = s_wall_now();
    CURLMcode mc = curl_multi_add_handle(self->multi, e);
    if (mc != CURLM_OK) {
        s_fail(job, "cannot start the request: %s", curl_multi_strerror(mc));
        return KN_EIO;
    }
    job->next = self->flying;
    self->flying = job;
    self->nflying++;
    return 0;
}

/* Decide what recording does to the row, and say it. */
static void s_settle(kn_deliver_t *self, s_job_t *job, kn_deliver_outcome_t outcome, bool cancel)
{
    if (cancel)
        job->action = S_ACT_CANCEL;
    else if (outcome == KN_DELIVER_DELIVERED)
        job->action = S_ACT_DELIVERED;
    else if (outcome == KN_DELIVER_GONE && job->subscription)
        job->action = S_ACT_GONE;
    else if (outcome == KN_DELIVER_GONE ||
             job->attempt >= kn_config_int(self->cfg, "notify", "max_attempts"))
        job->action = S_ACT_DEAD;
    else {
        job->action = S_ACT_RETRY;
        int64_t max = kn_config_int(self->cfg, "notify", "backoff_max_ms");
        if (job->retry_after_s >= 0)
            job->delay_ms = job->retry_after_s > max / 1000 ? max : job->retry_after_s * 1000;
        else
            job->delay_ms = kn_deliver_backoff_ms(
                job->attempt, kn_config_int(self->cfg, "notify", "backoff_min_ms"), max,
                s_random(self));
    }
    if (job->action == S_ACT_DELIVERED)
        job->error = NULL;
    char status[16] = "-", extra[64] = "";
    if (job->http_status)
        snprintf(status, sizeof status, "%ld", job->http_status);
    if (job->action == S_ACT_RETRY)
        snprintf(extra, sizeof extra, " next_in_ms=%lld", (long long)job->delay_ms);
    kn_log(KN_LOG_INFO,
           "notification=%s endpoint=%s attempt=%d status=%s outcome=%s ms=%lld%s%s%.*s%s",
           job->notification_id, job->endpoint, job->attempt, status, s_action_names[job->action],
           (long long)job->duration_ms, extra, job->error ? " error=\"" : "",
           job->error ? job->error_log_len : 0, job->error ? job->error : "",
           job->error ? "\"" : "");
    job->next = NULL;
    *self->settled_tail = job;
    self->settled_tail = &job->next;
    self->nsettled++;
}

/* A claimed row: prepare its request and start it, or settle it at once when
 * it cannot be sent. */
static void s_start(kn_deliver_t *self, PGresult *res, int row)
{
    s_job_t *job = calloc(1, sizeof *job);
    kn_arena_t *arena = job ? kn_arena_new(4096) : NULL;
    if (!arena) {
        /* the row keeps its lease and comes back when it expires */
        kn_log(KN_LOG_ERROR, "outbox=%s cannot be delivered now: out of memory",
               PQgetvalue(res, row, 0));
        free(job);
        return;
    }
    job->arena = arena;
    job->retry_after_s = -1;
    job->started_at = s_wall_now();
    job->started_ms = kn_clock_ms();
    job->id = kn_arena_strdup(arena, PQgetvalue(res, row, 0));
    job->notification_id = kn_arena_strdup(arena, PQgetvalue(res, row, 1));
    job->endpoint = kn_arena_strdup(arena, PQgetvalue(res, row, 2));
    const char *content_type = PQgetvalue(res, row, 3);
    size_t len = (size_t)PQgetlength(res, row, 4);
    const char *body = kn_arena_strndup(arena, PQgetvalue(res, row, 4), len);
    job->attempt = atoi(PQgetvalue(res, row, 5));
    if (!job->id || !job->notification_id || !job->endpoint || !body) {
        kn_log(KN_LOG_ERROR, "outbox=%s cannot be delivered now: out of memory",
               PQgetvalue(res, row, 0));
        s_job_free(job);
        return;
    }
    bool cancel = false;
    int rc = 0;
    if (!s_header_ok(job->notification_id)) {
        s_fail(job, "notification id is not a valid header value");
        rc = KN_EINVAL;
    } else if (!strcmp(job->endpoint, "miniprogram") || !strcmp(job->endpoint, "sms")) {
        rc = s_prepare_webhook(self, job, job->endpoint, content_type, body, len);
    } else if (!strcmp(job->endpoint, "ems")) {
        const char *form = NULL;
        rc = s_prepare_ems(self, job, body, &form);
        if (rc == 0) {
            body = form;
            len = strlen(form);
        }
    } else if (!strncmp(job->endpoint, "subscription:", 13)) {
        job->subscription = job->endpoint + 13;
        if (PQgetisnull(res, row, 6)) {
            s_fail(job, "no such subscription");
            cancel = true;
        } else if (!strcmp(PQgetvalue(res, row, 9), "t")) {
            s_fail(job, "subscription disabled");
            cancel = true;
        } else
            rc = s_prepare_subscription(job, res, row, body, len);
    } else {
        s_fail(job, "unknown endpoint \"%s\"", job->endpoint);
        rc = KN_EINVAL;
    }
    if (!cancel && rc == 0 && (rc = s_send(self, job, body, len)) == 0)
        return;
    if (job->easy) {
        curl_easy_cleanup(job->easy);
        job->easy = NULL;
    }
    job->duration_ms = kn_clock_ms() - job->started_ms;
    s_settle(self, job, KN_DELIVER_RETRY, cancel);
}

/* What an EMS answer says: retCode, retMsg and the waybill number. */
static const char *s_read_ems_answer(s_job_t *job)
{
    json_error_t jerr;
    json_t *root = job->answer ? json_loadb(job->answer, job->answer_len, 0, &jerr) : NULL;
    const char *code = NULL;
    if (!json_is_object(root)) {
        s_fail(job, "EMS answer is not a JSON object");
        goto out;
    }
    code = json_string_value(json_object_get(root, "retCode"));
    if (!code) {
        s_fail(job, "EMS answer has no retCode");
        goto out;
    }
    code = kn_arena_strdup(job->arena, code);
    if (code && strcmp(code, "00000") != 0) {
        const char *msg = json_string_value(json_object_get(root, "retMsg"));
        s_fail(job, "EMS retCode %s: %s", code, msg ? msg : "(no retMsg)");
        goto out;
    }
    /* retBody is an object, or (some platform versions) that object as a string */
    json_t *ret_body = json_object_get(root, "retBody");
    json_t *parsed = NULL;
    if (json_is_string(ret_body))
        ret_body = parsed = json_loads(json_string_value(ret_body), 0, &jerr);
    const char *waybill = json_string_value(json_object_get(ret_body, "waybillNo"));
    if (waybill && waybill[0])
        job->waybill_no = kn_arena_strdup(job->arena, waybill);
    json_decref(parsed);
out:
    json_decref(root);
    return code;
}

/* A transfer ended: what it means, then off the flying list. */
static void s_finish(kn_deliver_t *self, s_job_t *job, CURLcode result)
{
    job->duration_ms = kn_clock_ms() - job->started_ms;
    const char *ret_code = NULL;
    kn_deliver_outcome_t outcome = KN_DELIVER_RETRY;
    if (result != CURLE_OK && job->address_refused) {
        /* as an endpoint gone: the subscription is disabled, saying why */
        s_fail(job, "callback address not public (loopback, private or link-local): refused");
        outcome = KN_DELIVER_GONE;
    } else if (result != CURLE_OK) {
        if (result == CURLE_OPERATION_TIMEDOUT)
            s_fail(job, "no answer within %lld ms",
                   (long long)kn_config_int(self->cfg, "notify", "timeout_ms"));
        else
            s_fail(job, "no answer: %s",
                   job->curl_error[0] ? job->curl_error : curl_easy_strerror(result));
    } else {
        curl_easy_getinfo(job->easy, CURLINFO_RESPONSE_CODE, &job->http_status);
        bool ok = job->http_status >= 200 && job->http_status <= 299;
        if (job->needs_ret_code && ok)
            ret_code = s_read_ems_answer(job);
        outcome = kn_deliver_classify(job->http_status, job->needs_ret_code, ret_code);
        if (outcome != KN_DELIVER_DELIVERED && !job->error) {
            /* a little of the answer says more than the status alone; only
             * printable ASCII, so it is always valid text for the database */
            char snippet[S_SNIPPET_MAX + 1];
            size_t n = 0;
            for (size_t i = 0; i < job->answer_len && n < S_SNIPPET_MAX; i++) {
                unsigned char c = (unsigned char)job->answer[i];
                snippet[n++] = c >= 0x20 && c <= 0x7e ? (char)c : ' ';
            }
            while (n > 0 && snippet[n - 1] == ' ')
                n--;
            snippet[n] = '\0';
            if (outcome == KN_DELIVER_GONE && job->subscription)
                s_fail(job, "410 Gone from %s", job->url);
            else {
                /* an answer may quote what it was sent (a pickup code): the
                 * log gets the status only */
                s_fail(job, "HTTP %ld%s%s", job->http_status, n ? ": " : "", snippet);
                char head[32];
                int len = snprintf(head, sizeof head, "HTTP %ld", job->http_status);
                if (len < job->error_log_len)
                    job->error_log_len = len;
            }
        }
        if (outcome == KN_DELIVER_RETRY && (job->http_status == 429 || job->http_status == 503))
            job->retry_after_s = kn_deliver_retry_after(job->retry_after, (int64_t)time(NULL));
    }
    curl_multi_remove_handle(self->multi, job->easy);
    curl_easy_cleanup(job->easy);
    job->easy = NULL;
    curl_slist_free_all(job->headers);
    job->headers = NULL;
    for (s_job_t **p = &self->flying; *p; p = &(*p)->next)
        if (*p == job) {
            *p = job->next;
            self->nflying--;
            break;
        }
    s_settle(self, job, outcome, false);
}

/* ---- the database ---------------------------------------------------- */

static void s_db_lost(kn_deliver_t *self, const char *why)
{
    kn_log(KN_LOG_WARNING, "database connection lost: %s (reconnecting in %lld ms)", why,
           (long long)self->backoff_ms);
    PQfinish(self->conn);
    self->conn = NULL;
    self->due_known = false;
    self->next_connect = kn_clock_ms() + self->backoff_ms;
}

/* text as one log line: every run of white space (libpq's messages have
 * newlines and tabs) becomes one space, none at the ends */
static char *s_one_line(char *text)
{
    char *o = text;
    for (const char *p = text; *p; p++) {
        if (isspace((unsigned char)*p)) {
            if (o != text && o[-1] != ' ')
                *o++ = ' ';
        } else
            *o++ = *p;
    }
    while (o != text && o[-1] == ' ')
        o--;
    *o = '\0';
    return text;
}

/* The connection's last error as one line. */
static const char *s_pq_error(PGconn *conn, char *buf, size_t size)
{
    snprintf(buf, size, "%s", conn ? PQerrorMessage(conn) : "not connected");
    return s_one_line(buf);
}

/* Run one statement.  Returns its result when its status is want; otherwise
 * NULL, with the error logged as "what: ..." and the connection dropped when
 * it is gone. */
static PGresult *s_exec(kn_deliver_t *self, const char *what, const char *sql, int n,
                        const char *const *params, ExecStatusType want)
{
    char why[1024];
    PGresult *res = PQexecParams(self->conn, sql, n, NULL, params, NULL, NULL, 0);
    if (PQresultStatus(res) == want)
        return res;
    PQclear(res);
    s_pq_error(self->conn, why, sizeof why);
    if (PQstatus(self->conn) == CONNECTION_BAD) {
        s_db_lost(self, why);
        return NULL;
    }
    kn_log(KN_LOG_ERROR, "%s: %s", what, why);
    return NULL;
}

static void s_connect(kn_deliver_t *self)
{
    char why[1024];
    int64_t max = kn_config_int(self->cfg, "database", "reconnect_max_ms");
    PGconn *conn = NULL;
    PGresult *res = NULL;
    conn = kn_db_connect(self->conninfo, why, sizeof why);
    if (!conn)
        goto fail;
    int version = kn_db_schema_version(conn);
    if (version < S_SCHEMA_OUTBOX) {
        if (version < 0)
            s_pq_error(conn, why, sizeof why);
        else
            snprintf(why, sizeof why,
                     "database schema is at version %d, the outbox needs %d: run kouan db migrate",
                     version, S_SCHEMA_OUTBOX);
        goto fail;
    }
    res = PQexec(conn, "LISTEN " S_CHANNEL);
    if (PQresultStatus(res) != PGRES_COMMAND_OK) {
        s_pq_error(conn, why, sizeof why);
        goto fail;
    }
    PQclear(res);
    self->conn = conn;
    self->backoff_ms = kn_config_int(self->cfg, "database", "reconnect_min_ms");
    self->wake = true; /* what was written while away had its NOTIFY missed */
    kn_log(KN_LOG_NOTICE, "database connected, listening on %s worker=%s", S_CHANNEL, self->worker);
    return;
fail:
    PQclear(res);
    PQfinish(conn);
    kn_log(KN_LOG_WARNING, "%s (next attempt in %lld ms)", s_one_line(why),
           (long long)self->backoff_ms);
    self->next_connect = kn_clock_ms() + self->backoff_ms;
    self->backoff_ms = self->backoff_ms > max / 2 ? max : self->backoff_ms * 2;
}

/* Record one settled try: its delivery_attempt row and what it does to the
 * outbox row (and to a certificate or subscription), in one transaction.
 * Returns 0; KN_EDB when the database could not take it (the connection is
 * then dropped when it is gone, and the job is kept to try again). */
static int s_record(kn_deliver_t *self, s_job_t *job)
{
    char attempt[16], started[32], duration[24], status[16], retry_after[24], delay[24];
    PGresult *res = NULL;
    int rc = KN_EDB;
    snprintf(attempt, sizeof attempt, "%d", job->attempt);
    snprintf(started, sizeof started, "%.3f", job->started_at);
    snprintf(duration, sizeof duration, "%lld",
             (long long)(job->duration_ms > INT32_MAX ? INT32_MAX : job->duration_ms));
    snprintf(status, sizeof status, "%ld", job->http_status);
    snprintf(retry_after, sizeof retry_after, "%lld", (long long)job->retry_after_s);
    snprintf(delay, sizeof delay, "%lld", (long long)job->delay_ms);

    if (!(res = s_exec(self, "begin", "BEGIN", 0, NULL, PGRES_COMMAND_OK)))
        goto out;
    PQclear(res);
    const char *ins[] = {job->id,      attempt,
                         self->worker, started,
                         duration,     job->http_status ? status : NULL,
                         job->error,   job->retry_after_s >= 0 ? retry_after : NULL};
    if (!(res = s_exec(self, "recording the try", s_attempt_sql, 8, ins, PGRES_COMMAND_OK)))
        goto out;
    PQclear(res);
    const char *row[] = {job->id, attempt, job->error, delay};
    static const char *const sql[] = {s_delivered_sql, s_retry_sql, s_dead_sql, s_cancel_sql,
                                      s_cancel_sql};
    int nrow = job->action == S_ACT_DELIVERED ? 2 : job->action == S_ACT_RETRY ? 4 : 3;
    if (!(res = s_exec(self, "settling the row", sql[job->action], nrow, row, PGRES_COMMAND_OK)))
        goto out;
    if (strcmp(PQcmdTuples(res), "1") != 0)
        kn_log(KN_LOG_NOTICE,
               "notification=%s changed while in flight (replayed, cancelled, or claimed "
               "after its lease): this try is recorded, the row is left as it is",
               job->notification_id);
    PQclear(res);
    res = NULL;
    if (job->action == S_ACT_DELIVERED && job->ems_order_no) {
        char detail[256];
        snprintf(detail, sizeof detail, "EMS order %s accepted%s%s", job->ems_order_no,
                 job->waybill_no ? ", waybill " : "", job->waybill_no ? job->waybill_no : "");
        const char *p[] = {job->ems_order_no, job->waybill_no, detail};
        if (!(res = s_exec(self, "recording the EMS order", s_ems_ordered_sql, 3, p,
                           PGRES_COMMAND_OK)))
            goto out;
        if (strcmp(PQcmdTuples(res), "1") != 0)
            kn_log(KN_LOG_WARNING, "notification=%s EMS order %s matches no certificate",
                   job->notification_id, job->ems_order_no);
        PQclear(res);
        res = NULL;
    }
    if (job->action == S_ACT_GONE) {
        char reason[S_ERROR_MAX + 64];
        snprintf(reason, sizeof reason, "subscription disabled: %s", job->error);
        const char *p[] = {job->subscription, job->error};
        const char *c[] = {job->endpoint, reason};
        if (!(res = s_exec(self, "disabling the subscription", s_disable_sql, 2, p,
                           PGRES_COMMAND_OK)))
            goto out;
        bool now_disabled = !strcmp(PQcmdTuples(res), "1"); /* not by an earlier 410 */
        PQclear(res);
        if (!(res = s_exec(self, "cancelling the subscription's notifications",
                           s_cancel_endpoint_sql, 2, c, PGRES_COMMAND_OK)))
            goto out;
        if (now_disabled)
            kn_log(KN_LOG_WARNING, "subscription=%s disabled: %s; cancelled=%s", job->subscription,
                   job->error, PQcmdTuples(res));
        PQclear(res);
        res = NULL;
    }
    if (!(res = s_exec(self, "commit", "COMMIT", 0, NULL, PGRES_COMMAND_OK)))
        goto out;
    rc = 0;
    switch (job->action) {
    case S_ACT_DELIVERED:
        self->delivered++;
        break;
    case S_ACT_RETRY:
        self->retried++;
        break;
    case S_ACT_DEAD:
        self->dead++;
        break;
    case S_ACT_CANCEL:
    case S_ACT_GONE:
        self->cancelled++;
        break;
    }
out:
    PQclear(res);
    if (rc != 0 && self->conn)
        PQclear(PQexec(self->conn, "ROLLBACK"));
    return rc;
}

/* Record what has settled, in order, while the database is there. */
static void s_record_settled(kn_deliver_t *self)
{
    while (self->conn && self->settled) {
        s_job_t *job = self->settled;
        if (s_record(self, job) != 0 && !self->conn)
            return; /* kept: recorded after the reconnect */
        /* recorded, or refused for its data (logged): the row's lease expires
         * and it is tried again, so nothing is lost either way */
        self->settled = job->next;
        if (!self->settled)
            self->settled_tail = &self->settled;
        self->nsettled--;
        self->wake = true; /* room, and maybe the next row of its order_key */
        s_job_free(job);
    }
}

/* The endpoints this worker has transfers to, as array literals: all of them
 * with their counts, and those without room. */
static void s_busy(kn_deliver_t *self, int64_t concurrency, s_buf_t *names, s_buf_t *counts,
                   s_buf_t *full)
{
    s_buf_str(names, "{");
    s_buf_str(counts, "{");
    s_buf_str(full, "{");
    for (s_job_t *j = self->flying; j; j = j->next) {
        bool seen = false;
        for (s_job_t *k = self->flying; k != j && !seen; k = k->next)
            seen = !strcmp(k->endpoint, j->endpoint);
        if (seen)
            continue;
        int64_t n = 0;
        for (s_job_t *k = j; k; k = k->next)
            n += !strcmp(k->endpoint, j->endpoint);
        char num[24];
        snprintf(num, sizeof num, "%s%lld", counts->len > 1 ? "," : "", (long long)n);
        s_buf_element(names, j->endpoint);
        s_buf_str(counts, num);
        if (n >= concurrency)
            s_buf_element(full, j->endpoint);
    }
    s_buf_str(names, "}");
    s_buf_str(counts, "}");
    s_buf_str(full, "}");
}

/* Claim what is due and has room, start it, and work out when to look again. */
static void s_claim(kn_deliver_t *self)
{
    PGresult *res = NULL;
    s_buf_t names = {0}, counts = {0}, full = {0};
    int64_t now = kn_clock_ms();
    int64_t concurrency = kn_config_int(self->cfg, "notify", "concurrency_per_endpoint");
    /* the lease covers at least the whole request, so a slow answer is never
     * handed to another worker while this one still waits for it */
    int64_t lease = kn_config_int(self->cfg, "notify", "lease_s");
    int64_t request_s = kn_config_int(self->cfg, "notify", "timeout_ms") / 1000 + 5;
    char climit[16], cconc[24], clease[24];
    snprintf(cconc, sizeof cconc, "%lld", (long long)concurrency);
    snprintf(clease, sizeof clease, "%lld", (long long)(lease > request_s ? lease : request_s));
    self->wake = false;
    self->next_claim = now + S_FALLBACK_MS;
    for (;;) {
        size_t held = self->nflying + self->nsettled;
        if (held >= S_MAX_IN_FLIGHT)
            goto out; /* settling jobs wake the next round */
        size_t limit = S_MAX_IN_FLIGHT - held;
        snprintf(climit, sizeof climit, "%zu", limit < S_CLAIM_BATCH ? limit : S_CLAIM_BATCH);
        names.len = counts.len = full.len = 0;
        s_busy(self, concurrency, &names, &counts, &full);
        if (names.oom || counts.oom || full.oom) {
            kn_log(KN_LOG_ERROR, "cannot claim: out of memory");
            goto out;
        }
        const char *p[] = {climit, names.p, counts.p, cconc, clease};
        if (!(res = s_exec(self, "claiming notifications", s_claim_sql, 5, p, PGRES_TUPLES_OK)))
            goto out;
        int n = PQntuples(res);
        for (int i = 0; i < n; i++)
            s_start(self, res, i);
        PQclear(res);
        res = NULL;
        /* fewer than asked is not "nothing left": an endpoint without room
         * cuts a claim short, and the next one passes over it */
        if (n == 0)
            break;
    }
    names.len = counts.len = full.len = 0;
    s_busy(self, concurrency, &names, &counts, &full);
    if (full.oom)
        goto out;
    const char *p[] = {full.p};
    if (!(res = s_exec(self, "looking for due notifications", s_due_sql, 1, p, PGRES_TUPLES_OK)))
        goto out;
    now = kn_clock_ms();
    self->due_known = true;
    if (PQgetisnull(res, 0, 0)) {
        self->due_at = INT64_MAX;
    } else {
        int64_t ms = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
        self->due_at = now + (ms > 0 ? ms : 0);
        /* due now yet not claimed: another worker's claim holds it locked */
        if (ms < S_RECHECK_MS)
            ms = S_RECHECK_MS;
        if (ms < S_FALLBACK_MS)
            self->next_claim = now + ms;
    }
out:
    PQclear(res);
    free(names.p);
    free(counts.p);
    free(full.p);
}

/* ---- the engine ------------------------------------------------------ */

static void s_reload_config(kn_deliver_t *self)
{
    char why[1024], restart[512];
    kn_config_t *fresh = kn_config_new();
    if (!fresh || kn_config_load(fresh, self->config_path, why, sizeof why) != 0) {
        kn_log(KN_LOG_ERROR, "reload refused, keeping the running configuration: %s",
               fresh ? why : "out of memory");
        kn_config_destroy(&fresh);
        return;
    }
    kn_config_restart_needed(self->cfg, fresh, restart, sizeof restart);
    if (restart[0])
        kn_log(KN_LOG_WARNING, "reload: %s changed and take effect after a restart", restart);
    kn_config_destroy(&self->cfg);
    self->cfg = fresh;
    kn_log_set_level(kn_config_str(fresh, "broker", "log_level"));
    self->wake = true; /* an endpoint may have been configured: look again */
    kn_log(KN_LOG_NOTICE, "configuration reloaded");
}

/* A second SIGTERM: the transfers in flight are dropped; their rows keep
 * their leases and are delivered again when those expire. */
static void s_abandon(kn_deliver_t *self)
{
    while (self->flying) {
        s_job_t *job = self->flying;
        self->flying = job->next;
        self->nflying--;
        kn_log(KN_LOG_WARNING,
               "notification=%s endpoint=%s abandoned in flight: delivered again after its lease",
               job->notification_id, job->endpoint);
        curl_multi_remove_handle(self->multi, job->easy);
        s_job_free(job);
    }
}

kn_deliver_t *kn_deliver_new(kn_config_t **cfg, const char *config_path, bool exit_when_idle,
                             char *errbuf, size_t errsize)
{
    kn_deliver_t *self = calloc(1, sizeof *self);
    if (!self) {
        snprintf(errbuf, errsize, "out of memory");
        goto fail;
    }
    self->cfg = *cfg;
    *cfg = NULL;
    self->config_path = config_path;
    self->exit_when_idle = exit_when_idle;
    self->settled_tail = &self->settled;
    self->due_at = INT64_MAX;
    self->backoff_ms = kn_config_int(self->cfg, "database", "reconnect_min_ms");
    /* [database] cannot change on reload: the connection string is kept */
    if (!(self->conninfo = kn_db_conninfo(self->cfg))) {
        snprintf(errbuf, errsize, "out of memory");
        goto fail;
    }
    char host[256];
    if (gethostname(host, sizeof host) != 0)
        snprintf(host, sizeof host, "localhost");
    host[sizeof host - 1] = '\0';
    snprintf(self->worker, sizeof self->worker, "%s:%ld", host, (long)getpid());
    self->rng = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32) ^ (uint64_t)kn_clock_ms();
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        snprintf(errbuf, errsize, "cannot initialise libcurl");
        goto fail;
    }
    self->curl_ready = true;
    if (!(self->multi = curl_multi_init())) {
        snprintf(errbuf, errsize, "cannot initialise libcurl: out of memory");
        goto fail;
    }
    kn_log_set_level(kn_config_str(self->cfg, "broker", "log_level"));
    return self;
fail:
    if (!self)
        kn_config_destroy(cfg);
    kn_deliver_destroy(&self);
    return NULL;
}

void kn_deliver_destroy(kn_deliver_t **self)
{
    if (!self || !*self)
        return;
    kn_deliver_t *d = *self;
    while (d->flying) {
        s_job_t *job = d->flying;
        d->flying = job->next;
        curl_multi_remove_handle(d->multi, job->easy);
        s_job_free(job);
    }
    while (d->settled) {
        s_job_t *job = d->settled;
        d->settled = job->next;
        s_job_free(job);
    }
    if (d->multi)
        curl_multi_cleanup(d->multi);
    if (d->curl_ready)
        curl_global_cleanup();
    PQfinish(d->conn);
    free(d->conninfo);
    kn_config_destroy(&d->cfg);
    free(d);
    *self = NULL;
}

static int s_signals_install(void)
{
    if (pipe(s_signal_pipe) != 0)
        return KN_EIO;
    for (int i = 0; i < 2; i++) {
        fcntl(s_signal_pipe[i], F_SETFL, fcntl(s_signal_pipe[i], F_GETFL) | O_NONBLOCK);
        fcntl(s_signal_pipe[i], F_SETFD, FD_CLOEXEC);
    }
    s_stop = 0;
    s_reload = 0;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = s_on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    return 0;
}

static void s_signals_remove(void)
{
    signal(SIGTERM, SIG_DFL);
    signal(SIGINT, SIG_DFL);
    signal(SIGHUP, SIG_DFL);
    int fds[2] = {s_signal_pipe[0], s_signal_pipe[1]};
    s_signal_pipe[0] = s_signal_pipe[1] = -1;
    for (int i = 0; i < 2; i++)
        if (fds[i] >= 0)
            close(fds[i]);
}

/* Read what the signal handler wrote and what the database sent. */
static void s_drain(kn_deliver_t *self, bool pg_readable)
{
    char junk[64];
    while (read(s_signal_pipe[0], junk, sizeof junk) > 0)
        ;
    if (!self->conn)
        return;
    if (pg_readable && !PQconsumeInput(self->conn)) {
        char why[1024];
        s_db_lost(self, s_pq_error(self->conn, why, sizeof why));
        return;
    }
    PGnotify *n;
    while ((n = PQnotifies(self->conn)) != NULL) {
        self->wake = true;
        PQfreemem(n);
    }
}

int kn_deliver_run(kn_deliver_t *self)
{
    int rc = 0;
    if (s_signals_install() != 0) {
        kn_log(KN_LOG_ERROR, "cannot make the signal pipe: %s", strerror(errno));
        return KN_EIO;
    }
    kn_log(KN_LOG_NOTICE, "delivering worker=%s concurrency_per_endpoint=%lld%s", self->worker,
           (long long)kn_config_int(self->cfg, "notify", "concurrency_per_endpoint"),
           self->exit_when_idle ? " until idle" : "");
    s_connect(self);
    for (;;) {
        int64_t now = kn_clock_ms();
        if (s_reload) {
            s_reload = 0;
            s_reload_config(self);
        }
        if (s_stop && !self->stopping) {
            self->stopping = true;
            self->stop_deadline =
                now + kn_config_int(self->cfg, "notify", "timeout_ms") + S_FALLBACK_MS;
            kn_log(KN_LOG_NOTICE, "stopping: waiting for %zu deliveries in flight", self->nflying);
        }
        if (s_stop >= 2 && self->nflying)
            s_abandon(self);
        if (!self->conn && now >= self->next_connect)
            s_connect(self);
        s_record_settled(self);
        /* a second signal gives up on recording too (the leases cover it) */
        if (self->stopping && !self->nflying &&
            (!self->nsettled || now >= self->stop_deadline || s_stop >= 2))
            break;
        if (self->conn && !self->stopping && (self->wake || now >= self->next_claim))
            s_claim(self);
        s_record_settled(self); /* rows settled at once (not sendable) */
        if (self->conn)
            s_drain(self, false); /* notifications read along with results */
        now = kn_clock_ms();
        if (self->exit_when_idle && self->conn && !self->stopping && !self->wake &&
            self->due_known && !self->nflying && !self->nsettled &&
            (self->due_at == INT64_MAX || self->due_at - now > S_IDLE_MS)) {
            kn_log(KN_LOG_NOTICE, "idle: nothing in flight and nothing due");
            break;
        }

        int64_t wait = S_FALLBACK_MS;
        if (self->wake && self->conn && !self->stopping)
            wait = 0;
        if (self->conn && !self->stopping && self->next_claim - now < wait)
            wait = self->next_claim - now;
        if (!self->conn && self->next_connect - now < wait)
            wait = self->next_connect - now;
        if (self->stopping && self->stop_deadline - now < wait)
            wait = self->stop_deadline - now;
        if (wait < 0)
            wait = 0;
        struct curl_waitfd fds[2] = {{s_signal_pipe[0], CURL_WAIT_POLLIN, 0},
                                     {self->conn ? PQsocket(self->conn) : -1, CURL_WAIT_POLLIN, 0}};
        CURLMcode mc = curl_multi_poll(self->multi, fds, self->conn ? 2 : 1, (int)wait, NULL);
        if (mc != CURLM_OK) {
            kn_log(KN_LOG_ERROR, "curl_multi_poll: %s", curl_multi_strerror(mc));
            rc = KN_EIO;
            break;
        }
        s_drain(self, self->conn && (fds[1].revents & CURL_WAIT_POLLIN));
        int running = 0;
        mc = curl_multi_perform(self->multi, &running);
        if (mc != CURLM_OK) {
            kn_log(KN_LOG_ERROR, "curl_multi_perform: %s", curl_multi_strerror(mc));
            rc = KN_EIO;
            break;
        }
        CURLMsg *msg;
        int left;
        while ((msg = curl_multi_info_read(self->multi, &left)) != NULL) {
            if (msg->msg != CURLMSG_DONE)
                continue;
            s_job_t *job = NULL;
            curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&job);
            s_finish(self, job, msg->data.result);
        }
    }
    if (self->nsettled)
        kn_log(KN_LOG_WARNING,
               "%zu tries not recorded (database away): their rows are delivered again when "
               "their leases expire",
               self->nsettled);
    kn_log(KN_LOG_NOTICE, "stopped delivered=%llu retried=%llu dead=%llu cancelled=%llu",
           (unsigned long long)self->delivered, (unsigned long long)self->retried,
           (unsigned long long)self->dead, (unsigned long long)self->cancelled);
    s_signals_remove();
    return rc;
}
