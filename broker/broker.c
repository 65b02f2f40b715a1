#include "broker.h"
#include "clock.h"
#include "adapter.h"
#include "arena.h"
#include "db.h"
#include "dedupe.h"
#include "divert.h"
#include "dmn.h"
#include "err.h"
#include "eventjson.h"
#include "keys.h"
#include "log.h"
#include "store.h"
#include "visit.h"
#include "wire.h"
#include "zap.h"

#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

/* Largest frame ZeroMQ will take at all (a peer sending more is cut off);
 * [broker] max_message_bytes is the limit a message is refused at. */
#define S_HARD_MAX_FRAME (64 * 1024 * 1024 + 4096)
#define S_BATCH_CAP 8000 /* the upper bound of [broker] batch_max */
/* A batch stops growing at this many payload bytes, so one transaction's
 * parameters stay far from PostgreSQL's 1 GB message limit. */
#define S_BATCH_BYTES (256u * 1024 * 1024)
#define S_DRAIN_STEP 32 /* messages read per poll while a batch is out */

/* One message taken off the ROUTER socket. */
typedef struct {
    zmq_msg_t routing;                    /* the peer's routing id */
    zmq_msg_t frames[KN_WIRE_MAX_FRAMES]; /* the frames after it */
    int nframes;                          /* frames kept (initialised) */
    int total;                            /* frames sent, surplus included */
    const char *party;                    /* authenticated party name (arena) */
    kn_frame_t reply_id;                  /* id to echo in the reply, may be empty */
    int item;                             /* index in items[], -1 when none */
    int dup_of;                           /* earlier copy in this batch, -1 when none */
    int64_t at_us;                        /* taken off the socket, monotonic µs */
} s_msg_t;

/* Upper bounds of the histograms' buckets (a last one counts the rest). */
static const double s_latency_le_ms[] = {0.5, 1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500};
static const double s_batch_le[] = {1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000};
#define S_LATENCY_BUCKETS (sizeof s_latency_le_ms / sizeof s_latency_le_ms[0] + 1)
#define S_BATCH_BUCKETS (sizeof s_batch_le / sizeof s_batch_le[0] + 1)
#define S_METRICS_EVERY_MS 5000

/* What the broker counts for kouan api's /metrics, written to broker_metrics
 * every S_METRICS_EVERY_MS on a connection of its own (a failed write is
 * tried again at the next turn; the counts are the process's since start). */
typedef struct {
    uint64_t latency[S_LATENCY_BUCKETS]; /* replies by ms from receipt to ACK/NACK */
    double latency_sum_ms;
    uint64_t batch[S_BATCH_BUCKETS]; /* committed batches by messages in them */
    uint64_t batch_messages;
    PGconn *conn;           /* the metrics' own connection, NULL until needed */
    int64_t next_ms;        /* monotonic ms of the next write */
    int64_t started_epoch;  /* wall clock at start, ms */
    uint64_t last_received; /* received at the last write ... */
    int64_t last_ms;        /* ... and its time: the ingest rate between writes */
    double rate;            /* messages a second between the last two writes */
    char instance[300];     /* host:pid */
} s_metrics_t;

static int64_t s_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* A batch: the messages taken off the socket together and written in one
 * transaction.  There are two, so one fills while the other commits. */
typedef struct {
    kn_arena_t *arena; /* its scratch memory, reset when it is done */
    kn_dedupe_t *seen; /* (party, id) of its messages */
    s_msg_t *msgs;     /* messages taken off the socket */
    size_t nmsgs;
    kn_inbound_t *items; /* what goes to inbound, in batch order */
    size_t nitems;
    size_t bytes;           /* payload bytes taken */
    const char **ack_party; /* OUTACKs in this batch: who acknowledged ... */
    const char **ack_id;    /* ... which instruction */
    size_t nacks;
    kn_store_extra_t extra; /* what the rules add to its transaction */
    bool ruled;             /* extra is made (kept for a resend after a reconnect) */
} s_batch_t;

/* Where a party takes instructions: the connection that last said READY. */
typedef struct {
    char party[72];         /* party name */
    unsigned char rid[256]; /* ROUTER routing id of that connection */
    size_t rid_len;         /* 0: no connection known */
    bool backlog;           /* it may have instructions due: new ones wait behind them */
} s_ready_t;

struct kn_broker {
    kn_config_t *cfg;    /* current configuration */
    char *config_path;   /* re-read on SIGHUP */
    void *ctx;           /* ZeroMQ context */
    void *router;        /* the parties' socket */
    kn_zap_t *zap;       /* key → party */
    kn_store_t *store;   /* PostgreSQL */
    kn_dmn_t *rules;     /* the diversion rules in force (decision "diversion") */
    kn_divert_t *divert; /* container visits, decided with the rules */
    s_batch_t batches[2];
    s_batch_t *fill;  /* taking messages off the socket */
    s_batch_t *out;   /* written, waiting for its commit; NULL when none */
    s_ready_t *ready; /* instruction receivers, one per party that said READY */
    size_t nready;
    int64_t next_delivery; /* monotonic ms of the next look for instructions due */
    kn_arena_t *scratch;   /* for deliveries, reset after each */

    bool db_up;           /* connected and schema checked */
    int64_t next_connect; /* monotonic ms of the next connection attempt */
    int64_t backoff_ms;   /* current wait between attempts */
    uint64_t received, acked, nacked, duplicates, committed;
    s_metrics_t metrics;
    const char *fault; /* fault injection point, tests only */
};

static volatile sig_atomic_t s_stop, s_reload;

static void s_on_signal(int sig)
{
    if (sig == SIGHUP)
        s_reload = 1;
    else
        s_stop = 1;
}

/* Values the option table cannot check: adapter formats. */
static int s_check_option(const char *section, const char *name, const char *value,
                          const char *party_role, char *why, size_t why_size)
{
    if (strcmp(section, "party.*") != 0 || strcmp(name, "format") != 0)
        return 0;
    kn_role_t role = kn_role_parse(party_role ? party_role : "");
    if (kn_adapter_find(role, value))
        return 0;
    char formats[256];
    snprintf(why, why_size, "format = %s: no reader for a %s party (formats: %s)", value,
             kn_role_name(role), kn_adapter_formats(role, formats, sizeof formats));
    return -1;
}

kn_config_t *kn_broker_load_config(const char *path, char *errbuf, size_t errsize)
{
    kn_config_t *cfg = kn_config_new();
    if (!cfg) {
        snprintf(errbuf, errsize, "out of memory");
        return NULL;
    }
    kn_config_set_check(cfg, s_check_option);
    if (kn_config_load(cfg, path, errbuf, errsize) != 0) {
        kn_config_destroy(&cfg);
        return NULL;
    }
    char secret[41], why[512];
    if (kn_keys_read_secret(kn_config_str(cfg, "broker", "secret_key_file"), secret, NULL, why,
                            sizeof why)) {
        snprintf(errbuf, errsize, "%s: [broker] secret_key_file: %s", path, why);
        kn_config_destroy(&cfg);
        return NULL;
    }
    kn_dmn_t *rules = kn_broker_load_rules(cfg, errbuf, errsize);
    if (!rules) {
        kn_config_destroy(&cfg);
        return NULL;
    }
    kn_dmn_destroy(&rules);
    return cfg;
}

kn_dmn_t *kn_broker_load_rules(const kn_config_t *cfg, char *errbuf, size_t errsize)
{
    const char *path = kn_config_str(cfg, "broker", "rules_file");
    kn_error_t err;
    kn_dmn_t *rules = path[0] ? kn_dmn_load_file(path, &err) : kn_visit_builtin_rules(&err);
    const kn_dmn_table_t *table = rules ? kn_dmn_find(rules, "diversion") : NULL;
    if (!rules) {
        kn_error_text(&err, errbuf, errsize); /* "dmn: FILE: rule N (id) input M (name): ..." */
        return NULL;
    }
    if (!table) {
        snprintf(errbuf, errsize, "dmn: %s: no decision \"diversion\"",
                 path[0] ? path : "built-in rules/diversion.dmn");
        kn_dmn_destroy(&rules);
        return NULL;
    }
    if (kn_visit_check_table(table, &err) != 0) {
        snprintf(errbuf, errsize, "dmn: %s: %s", path[0] ? path : "built-in rules/diversion.dmn",
                 err.message);
        kn_dmn_destroy(&rules);
        return NULL;
    }
    return rules;
}

kn_broker_t *kn_broker_new(kn_config_t **cfg, const char *config_path, char *errbuf, size_t errsize)
{
    kn_broker_t *self = calloc(1, sizeof *self);
    if (!self) {
        snprintf(errbuf, errsize, "out of memory");
        return NULL;
    }
    self->cfg = *cfg;
    *cfg = NULL;
    self->config_path = strdup(config_path);
    char host[256] = "localhost";
    gethostname(host, sizeof host - 1);
    snprintf(self->metrics.instance, sizeof self->metrics.instance, "%s:%ld", host, (long)getpid());
    struct timespec wall;
    clock_gettime(CLOCK_REALTIME, &wall);
    self->metrics.started_epoch = (int64_t)wall.tv_sec * 1000 + wall.tv_nsec / 1000000;
    bool batches_ok = true;
    for (int i = 0; i < 2; i++) {
        s_batch_t *b = &self->batches[i];
        b->arena = kn_arena_new(1 << 20);
        b->msgs = calloc(S_BATCH_CAP, sizeof *b->msgs);
        b->items = calloc(S_BATCH_CAP, sizeof *b->items);
        batches_ok &= b->arena && b->msgs && b->items;
    }
    self->fill = &self->batches[0];
    self->scratch = kn_arena_new(1 << 16);
    batches_ok &= self->scratch != NULL;
    char *conninfo = kn_db_conninfo(self->cfg);
    self->store = conninfo ? kn_store_new(conninfo) : NULL;
    free(conninfo);
    self->ctx = zmq_ctx_new();
    if (!self->config_path || !batches_ok || !self->store || !self->ctx) {
        snprintf(errbuf, errsize, "out of memory");
        goto fail;
    }
#ifdef KN_FAULT_INJECTION
    self->fault = getenv("KOUAN_FAULT");
    if (self->fault && *self->fault)
        kn_log(KN_LOG_WARNING, "fault injection armed: %s", self->fault);
#endif
    kn_log_set_level(kn_config_str(self->cfg, "broker", "log_level"));
    if (!(self->rules = kn_broker_load_rules(self->cfg, errbuf, errsize)))
        goto fail;
    if (!(self->divert = kn_divert_new())) {
        snprintf(errbuf, errsize, "out of memory");
        goto fail;
    }

    /* The ZAP handler must be bound before the CURVE socket. */
    self->zap = kn_zap_new(self->ctx, self->cfg, errbuf, errsize);
    if (!self->zap)
        goto fail;
    char secret[41];
    if (kn_keys_read_secret(kn_config_str(self->cfg, "broker", "secret_key_file"), secret, NULL,
                            errbuf, errsize))
        goto fail;
    self->router = zmq_socket(self->ctx, ZMQ_ROUTER);
    int one = 1, linger = (int)kn_config_int(self->cfg, "broker", "linger_ms");
    /* ROUTER_MANDATORY: a send to a connection that is gone fails (and an
     * instruction receiver is forgotten) instead of vanishing silently */
    int rcvhwm = 10000, sndhwm = 100000, hb_ivl = 10000, hb_ttl = 30000, mandatory = 1;
    int64_t maxmsg = S_HARD_MAX_FRAME;
    const char *endpoint = kn_config_str(self->cfg, "broker", "bind");
    if (!self->router || zmq_setsockopt(self->router, ZMQ_CURVE_SERVER, &one, sizeof one) ||
        zmq_setsockopt(self->router, ZMQ_CURVE_SECRETKEY, secret, KN_KEY_Z85_LEN) ||
        zmq_setsockopt(self->router, ZMQ_ZAP_DOMAIN, "kouan", 5) ||
        zmq_setsockopt(self->router, ZMQ_LINGER, &linger, sizeof linger) ||
        zmq_setsockopt(self->router, ZMQ_ROUTER_MANDATORY, &mandatory, sizeof mandatory) ||
        zmq_setsockopt(self->router, ZMQ_MAXMSGSIZE, &maxmsg, sizeof maxmsg) ||
        zmq_setsockopt(self->router, ZMQ_RCVHWM, &rcvhwm, sizeof rcvhwm) ||
        zmq_setsockopt(self->router, ZMQ_SNDHWM, &sndhwm, sizeof sndhwm) ||
        zmq_setsockopt(self->router, ZMQ_HEARTBEAT_IVL, &hb_ivl, sizeof hb_ivl) ||
        zmq_setsockopt(self->router, ZMQ_HEARTBEAT_TIMEOUT, &hb_ttl, sizeof hb_ttl)) {
        snprintf(errbuf, errsize, "broker: cannot set up the socket: %s",
                 zmq_strerror(zmq_errno()));
        goto fail;
    }
    memset(secret, 0, sizeof secret);
    if (zmq_bind(self->router, endpoint) != 0) {
        snprintf(errbuf, errsize, "broker: cannot bind %s: %s", endpoint,
                 zmq_strerror(zmq_errno()));
        goto fail;
    }
    self->backoff_ms = kn_config_int(self->cfg, "database", "reconnect_min_ms");
    return self;
fail:
    kn_broker_destroy(&self);
    return NULL;
}

/* Close every ZeroMQ message of the batch and forget it. */
static void s_batch_release(s_batch_t *b)
{
    for (size_t i = 0; i < b->nmsgs; i++) {
        s_msg_t *m = &b->msgs[i];
        zmq_msg_close(&m->routing);
        for (int f = 0; f < m->nframes; f++)
            zmq_msg_close(&m->frames[f]);
    }
    b->nmsgs = 0;
    b->nitems = 0;
    b->nacks = 0;
    b->ack_party = b->ack_id = NULL;
    b->seen = NULL;
    b->ruled = false;
    memset(&b->extra, 0, sizeof b->extra);
    kn_arena_reset(b->arena);
}

void kn_broker_destroy(kn_broker_t **self)
{
    if (!self || !*self)
        return;
    kn_broker_t *br = *self;
    for (int i = 0; i < 2; i++) {
        s_batch_t *b = &br->batches[i];
        if (b->msgs && b->arena)
            s_batch_release(b);
        kn_arena_destroy(&b->arena);
        free(b->msgs);
        free(b->items);
    }
    if (br->router)
        zmq_close(br->router);
    kn_zap_destroy(&br->zap);
    if (br->ctx)
        zmq_ctx_term(br->ctx);
    kn_store_destroy(&br->store);
    kn_dmn_destroy(&br->rules);
    kn_divert_destroy(&br->divert);
    kn_arena_destroy(&br->scratch);
    PQfinish(br->metrics.conn);
    free(br->ready);
    kn_config_destroy(&br->cfg);
    free(br->config_path);
    free(br);
    *self = NULL;
}

static const kn_party_conf_t *s_party(const kn_broker_t *self, const char *name)
{
    for (size_t i = 0; i < kn_config_party_count(self->cfg); i++) {
        const kn_party_conf_t *p = kn_config_party(self->cfg, i);
        if (!strcmp(p->name, name))
            return p;
    }
    return NULL;
}

/* The frames of a broken message, kept as "len:bytes," netstrings so nothing
 * the party sent is lost and the frame boundaries stay readable. */
static int s_join_frames(kn_broker_t *self, s_batch_t *b, const s_msg_t *m, kn_inbound_t *it)
{
    size_t cap = 0;
    for (int f = 0; f < m->nframes; f++)
        cap += zmq_msg_size((zmq_msg_t *)&m->frames[f]) + 24;
    size_t limit = (size_t)kn_config_int(self->cfg, "broker", "max_message_bytes");
    char *buf = kn_arena_alloc(b->arena, cap + 1);
    if (!buf)
        return KN_ENOMEM;
    size_t used = 0;
    for (int f = 0; f < m->nframes; f++) {
        size_t len = zmq_msg_size((zmq_msg_t *)&m->frames[f]);
        used += (size_t)snprintf(buf + used, cap + 1 - used, "%zu:", len);
        memcpy(buf + used, zmq_msg_data((zmq_msg_t *)&m->frames[f]), len);
        used += len;
        buf[used++] = ',';
    }
    it->payload = buf;
    it->payload_len = used < limit ? used : limit; /* kept truncated, like any payload */
    return 0;
}

/* The data-quality warnings of a message's events, for its ACK and its row:
 * "MSCU5510221: CHECK_DIGIT: ...; ...", or NULL when there are none. */
static const char *s_warnings(kn_arena_t *a, const kn_event_list_t *events)
{
    const char *all = NULL;
    for (const kn_event_t *ev = events->head; ev; ev = ev->next) {
        if (!ev->warnings)
            continue;
        const char *one = kn_event_warnings_text(ev, a);
        const char *who = ev->equipment_reference ? ev->equipment_reference
                          : ev->vessel_imo        ? ev->vessel_imo
                                                  : ev->message_kind;
        all = all ? kn_arena_printf(a, "%s; %s: %s", all, who ? who : "-", one ? one : "")
                  : kn_arena_printf(a, "%s: %s", who ? who : "-", one ? one : "");
    }
    return all;
}

static kn_inbound_t *s_new_item(s_batch_t *b, s_msg_t *m)
{
    kn_inbound_t *it = &b->items[b->nitems];
    memset(it, 0, sizeof *it);
    it->party = m->party;
    m->item = (int)b->nitems++;
    return it;
}

static void s_reject(kn_inbound_t *it, int code, const char *reason)
{
    it->status = KN_INBOUND_REJECTED;
    it->error_code = kn_err_name(code);
    it->reason = reason;
}

static s_ready_t *s_ready_of(kn_broker_t *self, const char *party)
{
    for (size_t i = 0; i < self->nready; i++)
        if (!strcmp(self->ready[i].party, party))
            return &self->ready[i];
    return NULL;
}

/* The connection of m takes the instructions of its party from now on. */
static void s_set_ready(kn_broker_t *self, s_msg_t *m)
{
    size_t len = zmq_msg_size(&m->routing);
    if (len > sizeof self->ready[0].rid)
        return;
    s_ready_t *r = s_ready_of(self, m->party);
    if (!r) {
        s_ready_t *more = realloc(self->ready, (self->nready + 1) * sizeof *more);
        if (!more)
            return;
        self->ready = more;
        r = &self->ready[self->nready++];
        snprintf(r->party, sizeof r->party, "%s", m->party);
    }
    memcpy(r->rid, zmq_msg_data(&m->routing), len);
    r->rid_len = len;
    r->backlog = true;
    self->next_delivery = 0; /* look for its instructions now */
    kn_log(KN_LOG_INFO, "party=%s ready for instructions", m->party);
}

/* Turn one received message into an inbound item (or note it as a repeat). */
static void s_process(kn_broker_t *self, s_batch_t *b, size_t index)
{
    s_msg_t *m = &b->msgs[index];
    kn_arena_t *a = b->arena;
    m->item = m->dup_of = -1;
    kn_frame_t fr[KN_WIRE_MAX_FRAMES];
    for (int f = 0; f < m->nframes; f++) {
        fr[f].data = zmq_msg_data(&m->frames[f]);
        fr[f].len = zmq_msg_size(&m->frames[f]);
    }
    kn_wire_t w;
    kn_error_t err = {0};
    char text[1024];
    int rc;
    if (m->total > KN_WIRE_MAX_FRAMES) {
        memset(&w, 0, sizeof w);
        rc = kn_error_set(&err, KN_EWIRE, "", "wire: %d frames, no command has more than %d",
                          m->total, KN_WIRE_MAX_FRAMES);
    } else
        rc = kn_wire_decode(fr, (size_t)m->nframes, &w, &err);
    if (rc == 0 && w.cmd != KN_WIRE_MSG && w.cmd != KN_WIRE_OUTACK && w.cmd != KN_WIRE_READY)
        rc = kn_error_set(&err, KN_EWIRE, "frame 2", "wire: a party does not send %s",
                          kn_wire_cmd_name(w.cmd));
    m->reply_id = w.id;

    if (rc != 0) {
        /* Too broken to claim its id: stored without one, so a corrected
         * resend under the same id is still taken. */
        kn_inbound_t *it = s_new_item(b, m);
        s_reject(it, KN_EWIRE, kn_arena_strdup(a, kn_error_text(&err, text, sizeof text)));
        if (s_join_frames(self, b, m, it) != 0)
            s_reject(it, KN_ENOMEM, "out of memory");
        kn_log(KN_LOG_WARNING, "party=%s %s", m->party, it->reason);
        return;
    }
    if (w.cmd == KN_WIRE_READY) {
        s_set_ready(self, m);
        return;
    }
    if (w.cmd == KN_WIRE_OUTACK) {
        /* recorded once the batch has committed; no reply */
        if (!b->ack_party) {
            b->ack_party = kn_arena_calloc(a, S_BATCH_CAP, sizeof *b->ack_party);
            b->ack_id = kn_arena_calloc(a, S_BATCH_CAP, sizeof *b->ack_id);
        }
        const char *id = kn_arena_strndup(a, w.id.data, w.id.len);
        if (b->ack_party && b->ack_id && id) {
            b->ack_party[b->nacks] = m->party;
            b->ack_id[b->nacks++] = id;
        }
        return;
    }

    const char *msg_id = kn_arena_strndup(a, w.id.data, w.id.len);
    if (!msg_id)
        return;
    int64_t first = kn_dedupe_add(b->seen, m->party, msg_id, w.id.len, (int64_t)index);
    if (first >= 0) {
        m->dup_of = (int)first;
        return;
    }
    kn_inbound_t *it = s_new_item(b, m);
    it->msg_id = msg_id;
    it->content_type = kn_arena_strndup(a, w.content_type.data, w.content_type.len);
    it->payload = w.payload.data;
    it->payload_len = w.payload.len;

    size_t limit = (size_t)kn_config_int(self->cfg, "broker", "max_message_bytes");
    const kn_party_conf_t *party = s_party(self, m->party);
    const kn_reader_t *reader = party ? kn_adapter_find(party->role, party->format) : NULL;
    if (w.payload.len > limit) {
        s_reject(it, KN_ETOOBIG,
                 kn_arena_printf(a, "message is %zu bytes, the limit is %zu (kept truncated)",
                                 w.payload.len, limit));
        it->payload_len = limit;
    } else if (!party) {
        /* The broker's configuration, not the message, is at fault: kept
         * without claiming the id, so the message is taken once it is fixed. */
        it->msg_id = NULL;
        s_reject(it, KN_EAUTH, kn_arena_printf(a, "party %s is no longer configured", m->party));
    } else if (!reader) {
        it->msg_id = NULL;
        s_reject(it, KN_EROLE,
                 kn_arena_printf(a, "no reader for format %s of a %s party", party->format,
                                 kn_role_name(party->role)));
    } else {
        kn_inmsg_t in = {party->name,      party->role,    party->format,
                         it->content_type, w.payload.data, w.payload.len};
        kn_event_list_t *events = kn_arena_calloc(a, 1, sizeof *events);
        rc = events ? kn_adapter_read(reader, &in, a, events, &err)
                    : kn_error_set(&err, KN_ENOMEM, "", "out of memory");
        if (rc != 0)
            s_reject(it, err.code, kn_arena_strdup(a, kn_error_text(&err, text, sizeof text)));
        else {
            it->events = (int)events->count;
            it->event_list = events;
            it->warnings = s_warnings(a, events);
            /* The events' JSON now, while the batch out commits, not when this
             * batch is sent (the store makes any that is missing). */
            const char **json = kn_arena_calloc(a, events->count ? events->count : 1, sizeof *json);
            size_t k = 0;
            for (const kn_event_t *ev = events->head; json && ev; ev = ev->next)
                if (!(json[k++] = kn_event_json(ev, a)))
                    json = NULL;
            it->event_json = json;
        }
    }
    if (it->status == KN_INBOUND_REJECTED && !it->reason) {
        it->msg_id = NULL;
        s_reject(it, KN_ENOMEM, "out of memory");
    }
}

/* Take up to batch_max ready messages off the socket and process them. */
static void s_drain(kn_broker_t *self, s_batch_t *b)
{
    size_t max = (size_t)kn_config_int(self->cfg, "broker", "batch_max");
    if (b->nmsgs == 0) {
        b->seen = kn_dedupe_new(b->arena, max);
        b->bytes = 0;
    }
    if (!b->seen) {
        kn_log(KN_LOG_ERROR, "out of memory");
        return;
    }
    /* While a batch is out, take a few at a time and go back to the poll:
     * the batch out's parameters are flushed to PostgreSQL and its answer is
     * read there, so the database never waits for a long drain. */
    size_t stop = self->out ? b->nmsgs + S_DRAIN_STEP : max;
    while (b->nmsgs < max && b->nmsgs < stop && b->bytes < S_BATCH_BYTES) {
        s_msg_t *m = &b->msgs[b->nmsgs];
        m->item = m->dup_of = -1;
        m->at_us = s_now_us();
        zmq_msg_init(&m->routing);
        if (zmq_msg_recv(&m->routing, self->router, ZMQ_DONTWAIT) < 0) {
            zmq_msg_close(&m->routing);
            break;
        }
        m->nframes = m->total = 0;
        int more = zmq_msg_more(&m->routing);
        while (more) {
            zmq_msg_t surplus;
            zmq_msg_t *f = m->nframes < KN_WIRE_MAX_FRAMES ? &m->frames[m->nframes] : &surplus;
            zmq_msg_init(f);
            if (zmq_msg_recv(f, self->router, 0) < 0) {
                zmq_msg_close(f);
                break;
            }
            more = zmq_msg_more(f);
            m->total++;
            b->bytes += zmq_msg_size(f);
            if (f == &surplus)
                zmq_msg_close(f);
            else
                m->nframes++;
        }
        b->nmsgs++;
        const char *user = m->nframes ? zmq_msg_gets(&m->frames[0], "User-Id") : NULL;
        m->party = kn_arena_strdup(b->arena, user && *user ? user : "unknown");
        if (!m->party) {
            kn_log(KN_LOG_ERROR, "out of memory");
            break;
        }
        self->received++;
        s_process(self, b, b->nmsgs - 1);
    }
}

static void s_reply(kn_broker_t *self, s_batch_t *b, s_msg_t *m)
{
    const s_msg_t *orig = m->dup_of >= 0 ? &b->msgs[m->dup_of] : m;
    if (orig->item < 0)
        return; /* OUTACK: no reply */
    const kn_inbound_t *it = &b->items[orig->item];
    kn_frame_t routing = {zmq_msg_data(&m->routing), zmq_msg_size(&m->routing)};
    if (it->duplicate || m->dup_of >= 0)
        self->duplicates++;
    int rc;
    if (it->status == KN_INBOUND_ACCEPTED) {
        char count[16];
        snprintf(count, sizeof count, "%d", it->events);
        kn_frame_t f[3] = {m->reply_id, {count, strlen(count)}, {it->warnings, 0}};
        if (it->warnings)
            f[2].len = strlen(it->warnings);
        rc = kn_wire_send(self->router, &routing, KN_WIRE_ACK, f, it->warnings ? 3 : 2,
                          ZMQ_DONTWAIT);
        self->acked++;
    } else {
        kn_frame_t f[3] = {m->reply_id,
                           {it->error_code, strlen(it->error_code)},
                           {it->reason, strlen(it->reason)}};
        rc = kn_wire_send(self->router, &routing, KN_WIRE_NACK, f, 3, ZMQ_DONTWAIT);
        self->nacked++;
    }
    if (rc != 0)
        kn_log(KN_LOG_WARNING, "party=%s reply not sent: %s (the party will resend)", m->party,
               zmq_strerror(zmq_errno()));
    double ms = (double)(s_now_us() - m->at_us) / 1000.0;
    size_t k = 0;
    while (k < S_LATENCY_BUCKETS - 1 && ms > s_latency_le_ms[k])
        k++;
    self->metrics.latency[k]++;
    self->metrics.latency_sum_ms += ms;
}

/* The metrics as JSON (see s_metrics_t); NULL on no memory. */
static char *s_metrics_json(const kn_broker_t *self)
{
    const s_metrics_t *mt = &self->metrics;
    char *out = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&out, &len);
    if (!f)
        return NULL;
    fprintf(f,
            "{\"received\":%llu,\"acked\":%llu,\"nacked\":%llu,\"duplicates\":%llu,"
            "\"batches\":%llu,\"batch_messages\":%llu,\"ingest_rate\":%.2f,"
            "\"ack_latency_sum_ms\":%.3f,\"ack_latency_ms\":[",
            (unsigned long long)self->received, (unsigned long long)self->acked,
            (unsigned long long)self->nacked, (unsigned long long)self->duplicates,
            (unsigned long long)self->committed, (unsigned long long)mt->batch_messages, mt->rate,
            mt->latency_sum_ms);
    for (size_t k = 0; k < S_LATENCY_BUCKETS; k++) {
        if (k + 1 < S_LATENCY_BUCKETS)
            fprintf(f, "%s[%g,%llu]", k ? "," : "", s_latency_le_ms[k],
                    (unsigned long long)mt->latency[k]);
        else
            fprintf(f, ",[\"+Inf\",%llu]", (unsigned long long)mt->latency[k]);
    }
    fputs("],\"batch_size\":[", f);
    for (size_t k = 0; k < S_BATCH_BUCKETS; k++) {
        if (k + 1 < S_BATCH_BUCKETS)
            fprintf(f, "%s[%g,%llu]", k ? "," : "", s_batch_le[k],
                    (unsigned long long)mt->batch[k]);
        else
            fprintf(f, ",[\"+Inf\",%llu]", (unsigned long long)mt->batch[k]);
    }
    fputs("]}", f);
    if (fclose(f) != 0) {
        free(out);
        return NULL;
    }
    return out;
}

/* Write the metrics when due.  Blocking, on the metrics' own connection:
 * about a millisecond every S_METRICS_EVERY_MS. */
static void s_metrics_write(kn_broker_t *self, bool now)
{
    s_metrics_t *mt = &self->metrics;
    int64_t t = kn_clock_ms();
    if (!now && t < mt->next_ms)
        return;
    mt->next_ms = t + S_METRICS_EVERY_MS;
    if (!mt->conn || PQstatus(mt->conn) != CONNECTION_OK) {
        PQfinish(mt->conn);
        char *conninfo = kn_db_conninfo(self->cfg);
        mt->conn = conninfo ? PQconnectdb(conninfo) : NULL;
        free(conninfo);
        if (!mt->conn || PQstatus(mt->conn) != CONNECTION_OK) {
            PQfinish(mt->conn);
            mt->conn = NULL;
            return; /* the database is away: the next turn tries again */
        }
    }
    if (mt->last_ms && t > mt->last_ms)
        mt->rate =
            (double)(self->received - mt->last_received) * 1000.0 / (double)(t - mt->last_ms);
    mt->last_received = self->received;
    mt->last_ms = t;
    char *json = s_metrics_json(self);
    if (!json)
        return;
    char started[32];
    snprintf(started, sizeof started, "%lld", (long long)mt->started_epoch);
    const char *params[3] = {mt->instance, started, json};
    PGresult *r = PQexecParams(
        mt->conn,
        "INSERT INTO broker_metrics (instance, started_at, updated_at, metrics) "
        "VALUES ($1, to_timestamp($2::int8 / 1000.0), now(), $3::json) "
        "ON CONFLICT (instance) DO UPDATE SET updated_at = now(), metrics = excluded.metrics",
        3, NULL, params, NULL, NULL, 0);
    if (PQresultStatus(r) != PGRES_COMMAND_OK)
        kn_log(KN_LOG_DEBUG, "metrics not written: %s", PQerrorMessage(mt->conn));
    PQclear(r);
    free(json);
}

static void s_fault(const kn_broker_t *self, const s_batch_t *b, const char *point)
{
    if (self->fault && !strcmp(self->fault, point) && b->nitems > 0) {
        kn_log(KN_LOG_WARNING, "fault injection: %s", point);
        raise(SIGKILL);
    }
}

/* Messages taken off the socket and not yet answered. */
static size_t s_pending(const kn_broker_t *self)
{
    return (self->out ? self->out->nmsgs : 0) + self->fill->nmsgs;
}

static void s_db_lost(kn_broker_t *self, const char *why)
{
    if (self->db_up)
        kn_log(KN_LOG_WARNING, "database unavailable, holding %zu messages unacknowledged: %s",
               s_pending(self), why);
    self->db_up = false;
    self->next_connect = kn_clock_ms() + self->backoff_ms;
}

/* Send b: first what the rules make of it (once: a resend after a reconnect
 * sends the same), then the batch and those rows in one transaction. */
static int s_send_batch(kn_broker_t *self, s_batch_t *b, char *why, size_t whysize)
{
    if (!b->ruled) {
        int rc = kn_divert_batch(self->divert, self->store, self->rules, self->cfg, b->items,
                                 b->nitems, b->arena, &b->extra, why, whysize);
        if (rc)
            return rc;
        b->ruled = true;
        /* an instruction for a party connected and caught up goes out as soon
         * as the batch commits; any other waits for s_deliver(), in order */
        for (size_t i = 0; i < b->extra.ninstructions; i++) {
            kn_instruction_row_t *row = &b->extra.instructions[i];
            s_ready_t *r = s_ready_of(self, row->party);
            row->sent = r && r->rid_len && !r->backlog;
            if (r && !row->sent)
                r->backlog = true;
        }
    }
    return kn_store_begin(self->store, b->items, b->nitems, &b->extra, b->arena, why, whysize);
}

static void s_try_connect(kn_broker_t *self)
{
    char why[1024];
    int rc = kn_store_connect(self->store, why, sizeof why);
    int64_t max = kn_config_int(self->cfg, "database", "reconnect_max_ms");
    if (rc == 0) {
        /* The backoff is reset by the next successful write, not here: a
         * server that takes connections but fails every write must still be
         * tried less and less often. */
        kn_log(KN_LOG_NOTICE, "database connected");
        self->db_up = true;
        if (self->out && s_send_batch(self, self->out, why, sizeof why) != 0)
            s_db_lost(self, why);
        return;
    }
    kn_log(rc == KN_ECONFIG ? KN_LOG_ERROR : KN_LOG_WARNING, "%s (next attempt in %lld ms)", why,
           (long long)self->backoff_ms);
    self->next_connect = kn_clock_ms() + self->backoff_ms;
    self->backoff_ms = self->backoff_ms * 2 > max ? max : self->backoff_ms * 2;
}

/* The database refused the batch for its data (not the connection): write the
 * items one by one so one bad row cannot hold the others back.  A message
 * whose events cannot be stored is still kept, raw, as refused with the
 * reason; only when even that fails is it answered without being stored. */
static int s_write_each(kn_broker_t *self, s_batch_t *b)
{
    char why[1024];
    for (size_t i = 0; i < b->nitems; i++) {
        kn_inbound_t *it = &b->items[i];
        int rc = kn_store_write(self->store, it, 1, b->arena, why, sizeof why);
        if (rc == KN_EDB)
            return rc;
        if (rc == 0)
            continue;
        kn_log(KN_LOG_ERROR, "party=%s msg=%s cannot be stored as read: %s", it->party,
               it->msg_id ? it->msg_id : "-", why);
        it->event_list = NULL;
        it->events = 0;
        it->warnings = NULL;
        s_reject(it, KN_EDB,
                 kn_arena_printf(b->arena, "the broker could not store what it read: %s", why));
        if (!it->reason)
            s_reject(it, KN_EDB, "the broker could not store what it read");
        rc = kn_store_write(self->store, it, 1, b->arena, why, sizeof why);
        if (rc == KN_EDB)
            return rc;
        if (rc != 0)
            kn_log(KN_LOG_ERROR, "party=%s msg=%s not stored at all: %s", it->party,
                   it->msg_id ? it->msg_id : "-", why);
    }
    return 0;
}

/* Record the batch's OUTACKs, one statement per party.  An OUTACK lost here
 * (database gone) only means the instruction is delivered again. */
static void s_record_acks(kn_broker_t *self, s_batch_t *b)
{
    char why[1024];
    for (size_t i = 0; i < b->nacks; i++) {
        if (!b->ack_party[i])
            continue;
        const char *party = b->ack_party[i];
        const char **ids = kn_arena_calloc(b->arena, b->nacks, sizeof *ids);
        size_t n = 0;
        for (size_t k = i; k < b->nacks && ids; k++)
            if (b->ack_party[k] && !strcmp(b->ack_party[k], party)) {
                ids[n++] = b->ack_id[k];
                b->ack_party[k] = NULL;
            }
        if (!ids || kn_store_instructions_acked(self->store, party, ids, n, b->arena, why,
                                                sizeof why) != 0) {
            kn_log(KN_LOG_WARNING,
                   "party=%s %zu acknowledgements not recorded (redelivery "
                   "follows): %s",
                   party, n, ids ? why : "out of memory");
            return;
        }
        kn_log(KN_LOG_DEBUG, "party=%s instructions acknowledged=%zu", party, n);
    }
}

/* Send the instructions due to every party with a READY connection. */
static void s_deliver(kn_broker_t *self)
{
    char why[1024];
    int64_t redeliver = kn_config_int(self->cfg, "broker", "redeliver_ms");
    for (size_t i = 0; i < self->nready && self->db_up; i++) {
        s_ready_t *r = &self->ready[i];
        if (!r->rid_len || !s_party(self, r->party))
            continue;
        kn_outgoing_t *list;
        size_t n;
        if (kn_store_instructions_due(self->store, r->party, redeliver, 100, self->scratch, &list,
                                      &n, why, sizeof why) != 0) {
            s_db_lost(self, why);
            break;
        }
        kn_frame_t routing = {r->rid, r->rid_len};
        size_t sent = 0;
        for (; sent < n; sent++) {
            kn_frame_t f[3] = {{list[sent].instruction_id, strlen(list[sent].instruction_id)},
                               {list[sent].content_type, strlen(list[sent].content_type)},
                               {list[sent].payload, list[sent].payload_len}};
            if (kn_wire_send(self->router, &routing, KN_WIRE_OUT, f, 3, ZMQ_DONTWAIT) != 0) {
                /* gone (or full): forget it; the rest go again after redeliver_ms */
                kn_log(KN_LOG_NOTICE, "party=%s instruction receiver gone: %s", r->party,
                       zmq_strerror(zmq_errno()));
                r->rid_len = 0;
                break;
            }
        }
        if (sent)
            kn_log(KN_LOG_INFO, "party=%s instructions sent=%zu", r->party, sent);
        if (sent == n && n < 100)
            r->backlog = false; /* all caught up: new ones may go straight out */
        kn_arena_reset(self->scratch);
    }
}

static void s_finish(kn_broker_t *self, bool wait);

/* After the commit: the batch's instructions marked to go straight out are
 * sent now (one less round trip to the database than s_deliver()); if one
 * cannot be, its party waits for the redelivery. */
static void s_send_instructions(kn_broker_t *self, const s_batch_t *b)
{
    const char **unsent = NULL;
    size_t nunsent = 0;
    for (size_t i = 0; i < b->extra.ninstructions; i++) {
        const kn_instruction_row_t *row = &b->extra.instructions[i];
        s_ready_t *r = s_ready_of(self, row->party);
        if (!row->sent) {
            self->next_delivery = 0; /* s_deliver() tells the terminal now */
            continue;
        }
        /* the party reconnected (READY) or lost one since the batch was
         * decided: older instructions may be due, and go first */
        bool sent = false;
        if (r && r->rid_len && !r->backlog) {
            kn_frame_t routing = {r->rid, r->rid_len};
            kn_frame_t f[3] = {{row->instruction_id, strlen(row->instruction_id)},
                               {row->content_type, strlen(row->content_type)},
                               {row->payload, row->payload_len}};
            sent = kn_wire_send(self->router, &routing, KN_WIRE_OUT, f, 3, ZMQ_DONTWAIT) == 0;
            if (!sent) {
                kn_log(KN_LOG_NOTICE, "party=%s instruction receiver gone: %s", r->party,
                       zmq_strerror(zmq_errno()));
                r->rid_len = 0;
            }
        }
        if (sent)
            continue;
        if (r)
            r->backlog = true;
        if (!unsent)
            unsent = kn_arena_calloc(b->arena, b->extra.ninstructions, sizeof *unsent);
        if (unsent)
            unsent[nunsent++] = row->instruction_id;
    }
    if (nunsent) {
        char why[1024];
        if (kn_store_instructions_unsent(self->store, unsent, nunsent, b->arena, why, sizeof why))
            kn_log(KN_LOG_WARNING, "%s (they go again after redeliver_ms)", why);
        self->next_delivery = 0;
    }
}

/* Send the filled batch to the database; it becomes the batch out, and the
 * other one fills meanwhile.  A failure holds it out: it is sent again after
 * the reconnect (writing a batch twice is harmless). */
static void s_begin(kn_broker_t *self)
{
    s_batch_t *b = self->fill;
    char why[1024];
    s_fault(self, b, "crash-before-commit");
    self->out = b;
    self->fill = b == &self->batches[0] ? &self->batches[1] : &self->batches[0];
    if (s_send_batch(self, b, why, sizeof why) != 0)
        s_db_lost(self, why);
    else if (b->nitems == 0)
        s_finish(self, true); /* only READY and OUTACK: nothing to wait for */
}

/* Read the answer for the batch out (waiting for it, or not); once it has
 * committed, reply to every message of it.  Nothing is acknowledged before. */
static void s_finish(kn_broker_t *self, bool wait)
{
    s_batch_t *b = self->out;
    char why[1024];
    int rc = kn_store_finish(self->store, wait, why, sizeof why);
    if (rc == KN_STORE_PENDING)
        return;
    bool as_computed = rc == 0; /* the rules' rows were written with it */
    if (rc == KN_EINVAL) {
        kn_log(KN_LOG_ERROR, "batch of %zu refused, writing one by one: %s", b->nitems, why);
        /* what the rules decided for it is not written: decide again later */
        kn_divert_forget(self->divert, b->items, b->nitems, &b->extra);
        /* written one by one without them: they must not go again, nor out */
        memset(&b->extra, 0, sizeof b->extra);
        rc = s_write_each(self, b);
    }
    if (rc != 0) {
        s_db_lost(self, why);
        return;
    }
    s_fault(self, b, "crash-after-commit");
    self->backoff_ms = kn_config_int(self->cfg, "database", "reconnect_min_ms");
    s_record_acks(self, b);
    if (as_computed)
        s_send_instructions(self, b);
    self->out = NULL;
    /* Send the next batch before answering this one: the replies, and the
     * burst of messages they let the parties send, compete for the CPU with
     * this loop, and PostgreSQL must not wait for them.  b becomes the batch
     * to fill, once answered and released below. */
    if (self->db_up && self->fill->nitems > 0)
        s_begin(self);
    for (size_t i = 0; i < b->nmsgs; i++)
        s_reply(self, b, &b->msgs[i]);
    self->committed++;
    size_t k = 0;
    while (k < S_BATCH_BUCKETS - 1 && (double)b->nmsgs > s_batch_le[k])
        k++;
    self->metrics.batch[k]++;
    self->metrics.batch_messages += b->nmsgs;
    kn_log(KN_LOG_DEBUG, "batch messages=%zu stored=%zu", b->nmsgs, b->nitems);
    s_batch_release(b);
}

static void s_reload_config(kn_broker_t *self)
{
    char why[1024];
    kn_config_t *fresh = kn_broker_load_config(self->config_path, why, sizeof why);
    kn_dmn_t *rules = fresh ? kn_broker_load_rules(fresh, why, sizeof why) : NULL;
    if (!fresh || !rules) {
        kn_log(KN_LOG_ERROR, "reload refused, keeping the running configuration and rules: %s",
               why);
        kn_config_destroy(&fresh);
        return;
    }
    kn_dmn_destroy(&self->rules);
    self->rules = rules;
    char restart[512];
    kn_config_restart_needed(self->cfg, fresh, restart, sizeof restart);
    if (restart[0])
        kn_log(KN_LOG_WARNING, "reload: %s changed and take effect after a restart", restart);
    kn_config_t *old = self->cfg;
    self->cfg = fresh;
    kn_zap_set_config(self->zap, fresh);
    kn_log_set_level(kn_config_str(fresh, "broker", "log_level"));
    kn_config_destroy(&old);
    kn_log(KN_LOG_NOTICE, "configuration reloaded parties=%zu rules=%s",
           kn_config_party_count(fresh),
           kn_config_str(fresh, "broker", "rules_file")[0]
               ? kn_config_str(fresh, "broker", "rules_file")
               : "built-in");
}

int kn_broker_run(kn_broker_t *self)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = s_on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    kn_log(KN_LOG_NOTICE, "listening on %s parties=%zu", kn_config_str(self->cfg, "broker", "bind"),
           kn_config_party_count(self->cfg));
    s_try_connect(self);
    while (!s_stop) {
        if (s_reload && s_pending(self) == 0) {
            s_reload = 0;
            s_reload_config(self);
        }
        /* Fill the next batch while the previous one commits: it takes
         * whatever arrives meanwhile (up to batch_max) and is sent as soon as
         * the commit is confirmed.  Poll the database's socket for the answer,
         * and for writing while the batch out is not all sent. */
        bool can_read = self->db_up &&
                        self->fill->nmsgs < (size_t)kn_config_int(self->cfg, "broker", "batch_max");
        int pgfd = self->db_up && self->out ? kn_store_socket(self->store) : -1;
        bool unsent = pgfd >= 0 && kn_store_flush(self->store);
        zmq_pollitem_t items[3] = {
            {kn_zap_socket(self->zap), 0, ZMQ_POLLIN, 0},
            {self->router, 0, can_read ? ZMQ_POLLIN : 0, 0},
            {NULL, pgfd, (short)(ZMQ_POLLIN | (unsent ? ZMQ_POLLOUT : 0)), 0},
        };
        /* bounded: a signal that lands between the flag checks and zmq_poll is
         * seen within a second */
        long timeout = 1000;
        if (!self->db_up) {
            int64_t wait = self->next_connect - kn_clock_ms();
            timeout = wait <= 0 ? 0 : wait < 1000 ? (long)wait : 1000;
        }
        if (zmq_poll(items, pgfd >= 0 ? 3 : 2, timeout) < 0) {
            if (zmq_errno() == EINTR)
                continue;
            kn_log(KN_LOG_ERROR, "zmq_poll: %s", zmq_strerror(zmq_errno()));
            return KN_EIO;
        }
        if (items[0].revents & ZMQ_POLLIN)
            kn_zap_handle(self->zap);
        if (!self->db_up && kn_clock_ms() >= self->next_connect)
            s_try_connect(self);
        if (pgfd >= 0 && (items[2].revents & ZMQ_POLLIN))
            s_finish(self, false);
        if (can_read && (items[1].revents & ZMQ_POLLIN))
            s_drain(self, self->fill);
        if (self->db_up && !self->out && self->fill->nmsgs > 0)
            s_begin(self);
        if (self->db_up && !self->out && self->nready && kn_clock_ms() >= self->next_delivery) {
            s_deliver(self);
            self->next_delivery = kn_clock_ms() + 1000; /* and look again for new ones */
        }
        if (self->db_up)
            s_metrics_write(self, false);
    }

    /* Drain: what has already arrived is written and acknowledged.  Finishing
     * the batch out may send the one filling, so finish until none is out. */
    while (self->db_up && self->out)
        s_finish(self, true);
    if (self->db_up && self->fill->nmsgs == 0)
        s_drain(self, self->fill);
    if (self->db_up && self->fill->nmsgs > 0) {
        s_begin(self);
        while (self->db_up && self->out)
            s_finish(self, true);
    }
    if (s_pending(self) > 0)
        kn_log(KN_LOG_WARNING, "stopping with %zu messages unacknowledged (their senders resend)",
               s_pending(self));
    if (self->db_up)
        s_metrics_write(self, true); /* the last counts */
    kn_log(KN_LOG_NOTICE,
           "stopped received=%llu acked=%llu nacked=%llu duplicates=%llu batches=%llu "
           "zap_allowed=%llu zap_refused=%llu",
           (unsigned long long)self->received, (unsigned long long)self->acked,
           (unsigned long long)self->nacked, (unsigned long long)self->duplicates,
           (unsigned long long)self->committed, (unsigned long long)kn_zap_allowed(self->zap),
           (unsigned long long)kn_zap_refused(self->zap));
    return 0;
}
