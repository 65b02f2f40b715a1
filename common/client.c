#include "client.h"
#include "err.h"
#include "keys.h"
#include "log.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zmq.h>

#define S_MAX_REPLY_FRAMES 8

struct kn_client {
    void *ctx;
    void *socket;                         /* DEALER to the broker */
    void *monitor;                        /* PAIR receiving the socket's handshake events */
    zmq_msg_t frames[S_MAX_REPLY_FRAMES]; /* the last reply */
    int nframes;
    char *strings; /* NUL-terminated copies for kn_reply_t */
};

static void s_release_reply(kn_client_t *self)
{
    for (int i = 0; i < self->nframes; i++)
        zmq_msg_close(&self->frames[i]);
    self->nframes = 0;
    free(self->strings);
    self->strings = NULL;
}

kn_client_t *kn_client_new(const char *endpoint, const char *server_public_z85,
                           const char *secret_z85, char *errbuf, size_t errsize)
{
    kn_client_t *self = calloc(1, sizeof *self);
    char public_z85[41];
    if (!self) {
        snprintf(errbuf, errsize, "out of memory");
        return NULL;
    }
    if (zmq_curve_public(public_z85, secret_z85) != 0) {
        snprintf(errbuf, errsize, "cannot derive the public key from the secret key");
        goto fail;
    }
    self->ctx = zmq_ctx_new();
    self->socket = self->ctx ? zmq_socket(self->ctx, ZMQ_DEALER) : NULL;
    /* IMMEDIATE: queue nothing while there is no connection, so resends
     * during an outage do not pile up copies to be delivered all at once. */
    int linger = 0, hwm = 20000, hb_ivl = 10000, hb_ttl = 30000, reconnect_max = 2000,
        immediate = 1;
    if (!self->socket ||
        zmq_setsockopt(self->socket, ZMQ_CURVE_SERVERKEY, server_public_z85, KN_KEY_Z85_LEN) ||
        zmq_setsockopt(self->socket, ZMQ_CURVE_PUBLICKEY, public_z85, KN_KEY_Z85_LEN) ||
        zmq_setsockopt(self->socket, ZMQ_CURVE_SECRETKEY, secret_z85, KN_KEY_Z85_LEN) ||
        zmq_setsockopt(self->socket, ZMQ_LINGER, &linger, sizeof linger) ||
        zmq_setsockopt(self->socket, ZMQ_SNDHWM, &hwm, sizeof hwm) ||
        zmq_setsockopt(self->socket, ZMQ_RCVHWM, &hwm, sizeof hwm) ||
        zmq_setsockopt(self->socket, ZMQ_IMMEDIATE, &immediate, sizeof immediate) ||
        zmq_setsockopt(self->socket, ZMQ_HEARTBEAT_IVL, &hb_ivl, sizeof hb_ivl) ||
        zmq_setsockopt(self->socket, ZMQ_HEARTBEAT_TIMEOUT, &hb_ttl, sizeof hb_ttl) ||
        zmq_setsockopt(self->socket, ZMQ_RECONNECT_IVL_MAX, &reconnect_max, sizeof reconnect_max)) {
        snprintf(errbuf, errsize, "cannot set up the socket: %s", zmq_strerror(zmq_errno()));
        goto fail;
    }
    char monitor[64];
    snprintf(monitor, sizeof monitor, "inproc://kn-client-monitor-%p", (void *)self);
    if (zmq_socket_monitor(self->socket, monitor,
                           ZMQ_EVENT_HANDSHAKE_FAILED_AUTH | ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL |
                               ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL) != 0 ||
        !(self->monitor = zmq_socket(self->ctx, ZMQ_PAIR)) ||
        zmq_setsockopt(self->monitor, ZMQ_LINGER, &linger, sizeof linger) ||
        zmq_connect(self->monitor, monitor) != 0) {
        snprintf(errbuf, errsize, "cannot monitor the socket: %s", zmq_strerror(zmq_errno()));
        goto fail;
    }
    if (zmq_connect(self->socket, endpoint) != 0) {
        snprintf(errbuf, errsize, "cannot connect to %s: %s", endpoint, zmq_strerror(zmq_errno()));
        goto fail;
    }
    return self;
fail:
    kn_client_destroy(&self);
    return NULL;
}

kn_client_t *kn_client_new_from_config(const kn_config_t *cfg, char *errbuf, size_t errsize)
{
    char secret[41], server[41];
    uint8_t server_key[32];
    char why[512];
    if (kn_keys_read_public(kn_config_str(cfg, "client", "server_public_key_file"), server_key,
                            server, why, sizeof why) ||
        kn_keys_read_secret(kn_config_str(cfg, "client", "secret_key_file"), secret, NULL, why,
                            sizeof why)) {
        snprintf(errbuf, errsize, "%s", why);
        return NULL;
    }
    kn_client_t *c =
        kn_client_new(kn_config_str(cfg, "client", "broker"), server, secret, errbuf, errsize);
    memset(secret, 0, sizeof secret);
    return c;
}

void kn_client_destroy(kn_client_t **self)
{
    if (!self || !*self)
        return;
    kn_client_t *c = *self;
    s_release_reply(c);
    if (c->socket) {
        zmq_socket_monitor(c->socket, NULL, 0);
        zmq_close(c->socket);
    }
    if (c->monitor)
        zmq_close(c->monitor);
    if (c->ctx)
        zmq_ctx_term(c->ctx);
    free(c);
    *self = NULL;
}

void *kn_client_socket(kn_client_t *self)
{
    return self->socket;
}

int kn_client_send(kn_client_t *self, const char *id, const char *content_type, const void *payload,
                   size_t len)
{
    kn_frame_t f[3] = {{id, strlen(id)}, {content_type, strlen(content_type)}, {payload, len}};
    /* never block: with no connection (or a full queue) the caller resends later */
    return kn_wire_send(self->socket, NULL, KN_WIRE_MSG, f, 3, ZMQ_DONTWAIT);
}

int kn_client_ready(kn_client_t *self)
{
    return kn_wire_send(self->socket, NULL, KN_WIRE_READY, NULL, 0, ZMQ_DONTWAIT);
}

int kn_client_outack(kn_client_t *self, const char *instruction_id)
{
    kn_frame_t f[1] = {{instruction_id, strlen(instruction_id)}};
    return kn_wire_send(self->socket, NULL, KN_WIRE_OUTACK, f, 1, ZMQ_DONTWAIT);
}

/* A handshake event from the monitor: 0 when it was no refusal. */
static int s_monitor_event(kn_client_t *self, char *errbuf, size_t errsize)
{
    zmq_msg_t ev, addr;
    zmq_msg_init(&ev);
    zmq_msg_init(&addr);
    int rc = 0;
    if (zmq_msg_recv(&ev, self->monitor, ZMQ_DONTWAIT) < 0)
        goto out;
    if (zmq_msg_more(&ev))
        zmq_msg_recv(&addr, self->monitor, 0);
    if (zmq_msg_size(&ev) < 6)
        goto out;
    uint16_t event;
    memcpy(&event, zmq_msg_data(&ev), sizeof event);
    if (event == ZMQ_EVENT_HANDSHAKE_FAILED_AUTH) {
        snprintf(errbuf, errsize,
                 "the broker refused this party's key (not configured for any party)");
        rc = KN_EAUTH;
    } else {
        /* Not final: a connection reset mid-handshake looks the same as a
         * wrong broker key; ZeroMQ retries, and the caller's timeout decides. */
        kn_log(KN_LOG_WARNING, "CURVE handshake with the broker failed (wrong broker key?)");
    }
out:
    zmq_msg_close(&ev);
    zmq_msg_close(&addr);
    return rc;
}

int kn_client_recv(kn_client_t *self, kn_reply_t *reply, int timeout_ms, char *errbuf,
                   size_t errsize)
{
    s_release_reply(self);
    zmq_pollitem_t items[2] = {{self->socket, 0, ZMQ_POLLIN, 0}, {self->monitor, 0, ZMQ_POLLIN, 0}};
    int rc = zmq_poll(items, 2, timeout_ms);
    if (rc < 0) {
        snprintf(errbuf, errsize, "%s", zmq_strerror(zmq_errno()));
        return KN_EIO;
    }
    if (items[1].revents & ZMQ_POLLIN) {
        rc = s_monitor_event(self, errbuf, errsize);
        if (rc)
            return rc;
    }
    if (!(items[0].revents & ZMQ_POLLIN)) {
        snprintf(errbuf, errsize, "no reply within %d ms", timeout_ms);
        return KN_ETIMEDOUT;
    }
    int more = 1, total = 0;
    while (more) {
        zmq_msg_t surplus;
        zmq_msg_t *m = self->nframes < S_MAX_REPLY_FRAMES ? &self->frames[self->nframes] : &surplus;
        zmq_msg_init(m);
        if (zmq_msg_recv(m, self->socket, 0) < 0) {
            zmq_msg_close(m);
            break;
        }
        more = zmq_msg_more(m);
        total++;
        if (m == &surplus)
            zmq_msg_close(m);
        else
            self->nframes++;
    }
    kn_frame_t fr[S_MAX_REPLY_FRAMES];
    size_t need = 0;
    for (int i = 0; i < self->nframes; i++) {
        fr[i].data = zmq_msg_data(&self->frames[i]);
        fr[i].len = zmq_msg_size(&self->frames[i]);
        need += fr[i].len + 1;
    }
    kn_wire_t w;
    kn_error_t err;
    if (total > S_MAX_REPLY_FRAMES || kn_wire_decode(fr, (size_t)self->nframes, &w, &err) != 0 ||
        w.cmd == KN_WIRE_MSG || w.cmd == KN_WIRE_OUTACK) {
        snprintf(errbuf, errsize, "broker reply breaks the protocol");
        return KN_EWIRE;
    }
    /* NUL-terminated copies of the text frames */
    self->strings = malloc(need + 4);
    if (!self->strings) {
        snprintf(errbuf, errsize, "out of memory");
        return KN_ENOMEM;
    }
    char *p = self->strings;
    const kn_frame_t *text[3] = {&w.id, w.cmd == KN_WIRE_OUT ? &w.content_type : &w.code,
                                 &w.reason};
    const char **dst[3] = {&reply->id, &reply->code, &reply->text};
    for (int i = 0; i < 3; i++) {
        memcpy(p, text[i]->data ? text[i]->data : "", text[i]->len);
        p[text[i]->len] = '\0';
        *dst[i] = p;
        p += text[i]->len + 1;
    }
    reply->cmd = w.cmd;
    reply->payload = w.payload.data;
    reply->payload_len = w.payload.len;
    return 0;
}
