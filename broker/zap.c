#include "zap.h"
#include "keys.h"
#include "log.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#define S_ZAP_ENDPOINT "inproc://zeromq.zap.01"
#define S_ZAP_FRAMES 7 /* version, request id, domain, address, identity, mechanism, key */

struct kn_zap {
    void *socket;           /* REP bound to the ZAP endpoint */
    const kn_config_t *cfg; /* parties, borrowed */
    uint64_t allowed, refused;
};

kn_zap_t *kn_zap_new(void *ctx, const kn_config_t *cfg, char *errbuf, size_t errsize)
{
    kn_zap_t *self = calloc(1, sizeof *self);
    if (!self) {
        snprintf(errbuf, errsize, "out of memory");
        return NULL;
    }
    self->cfg = cfg;
    self->socket = zmq_socket(ctx, ZMQ_REP);
    int linger = 0;
    if (!self->socket || zmq_setsockopt(self->socket, ZMQ_LINGER, &linger, sizeof linger) ||
        zmq_bind(self->socket, S_ZAP_ENDPOINT) != 0) {
        snprintf(errbuf, errsize, "zap: cannot bind %s: %s", S_ZAP_ENDPOINT,
                 zmq_strerror(zmq_errno()));
        kn_zap_destroy(&self);
        return NULL;
    }
    return self;
}

void kn_zap_destroy(kn_zap_t **self)
{
    if (!self || !*self)
        return;
    if ((*self)->socket)
        zmq_close((*self)->socket);
    free(*self);
    *self = NULL;
}

void *kn_zap_socket(kn_zap_t *self)
{
    return self->socket;
}

void kn_zap_set_config(kn_zap_t *self, const kn_config_t *cfg)
{
    self->cfg = cfg;
}

static bool s_is(const zmq_msg_t *m, const char *s)
{
    size_t n = strlen(s);
    return zmq_msg_size((zmq_msg_t *)m) == n && !memcmp(zmq_msg_data((zmq_msg_t *)m), s, n);
}

/* Copy a frame as text for a log line (addresses are short). */
static void s_text(zmq_msg_t *m, char *buf, size_t size)
{
    size_t n = zmq_msg_size(m);
    if (n >= size)
        n = size - 1;
    memcpy(buf, zmq_msg_data(m), n);
    buf[n] = '\0';
}

/* Read one request and answer it; -1 when nothing was waiting. */
static int s_handle_one(kn_zap_t *self)
{
    zmq_msg_t f[S_ZAP_FRAMES];
    int n = 0, more = 1;
    while (more) {
        zmq_msg_t surplus; /* frames past the seventh are read and dropped */
        zmq_msg_t *m = n < S_ZAP_FRAMES ? &f[n] : &surplus;
        zmq_msg_init(m);
        if (zmq_msg_recv(m, self->socket, n == 0 ? ZMQ_DONTWAIT : 0) < 0) {
            zmq_msg_close(m);
            break;
        }
        more = zmq_msg_more(m);
        if (m == &surplus)
            zmq_msg_close(m);
        n++;
    }
    if (n == 0)
        return -1;
    int kept = n < S_ZAP_FRAMES ? n : S_ZAP_FRAMES;

    const char *status = "400", *text = "unknown key", *user = "";
    char address[64] = "?", key[41] = "?";
    if (n != S_ZAP_FRAMES || !s_is(&f[0], "1.0")) {
        text = "malformed ZAP request";
        kn_log(KN_LOG_ERROR, "zap: malformed request (%d frames)", n);
    } else {
        s_text(&f[3], address, sizeof address);
        if (!s_is(&f[5], "CURVE") || zmq_msg_size(&f[6]) != 32) {
            text = "CURVE required";
            kn_log(KN_LOG_WARNING, "zap: refused a connection without CURVE address=%s", address);
        } else {
            const uint8_t *pub = zmq_msg_data(&f[6]);
            kn_keys_z85(pub, key);
            const kn_party_conf_t *party = kn_config_party_by_key(self->cfg, pub);
            if (party) {
                status = "200";
                text = "OK";
                user = party->name;
                kn_log(KN_LOG_INFO, "zap: allowed party=%s address=%s", party->name, address);
            } else
                kn_log(KN_LOG_WARNING, "zap: refused unknown client key=%s address=%s", key,
                       address);
        }
    }
    bool ok = status[0] == '2';
    ok ? self->allowed++ : self->refused++;

    /* reply: version, request id, status code, status text, user id, metadata */
    const char *ver = "1.0";
    zmq_send(self->socket, ver, 3, ZMQ_SNDMORE);
    if (n >= 2)
        zmq_send(self->socket, zmq_msg_data(&f[1]), zmq_msg_size(&f[1]), ZMQ_SNDMORE);
    else
        zmq_send(self->socket, "", 0, ZMQ_SNDMORE);
    zmq_send(self->socket, status, 3, ZMQ_SNDMORE);
    zmq_send(self->socket, text, strlen(text), ZMQ_SNDMORE);
    zmq_send(self->socket, user, strlen(user), ZMQ_SNDMORE);
    zmq_send(self->socket, "", 0, 0);
    for (int i = 0; i < kept; i++)
        zmq_msg_close(&f[i]);
    return 0;
}

int kn_zap_handle(kn_zap_t *self)
{
    int answered = 0;
    while (s_handle_one(self) == 0)
        answered++;
    return answered;
}

uint64_t kn_zap_allowed(const kn_zap_t *self)
{
    return self->allowed;
}

uint64_t kn_zap_refused(const kn_zap_t *self)
{
    return self->refused;
}
