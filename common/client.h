/* kouan — the party's side of the wire: one CURVE connection to the broker.
 *
 * Used by `kouan send` and `kouan recv`, the simulator and the benchmarks.  A
 * DEALER socket with the party's keypair and the broker's public key; ZeroMQ
 * reconnects by itself.  A socket monitor tells a refused key (the broker's ZAP
 * handler answered 400) apart from a broker that is merely away.
 */
#ifndef KN_CLIENT_H
#define KN_CLIENT_H

#include "config.h"
#include "wire.h"

#include <stddef.h>

typedef struct kn_client kn_client_t;

/* A reply from the broker; the strings are owned by the client and valid until
 * the next kn_client_recv(). */
typedef struct {
    kn_wire_cmd_t cmd;   /* KN_WIRE_ACK, KN_WIRE_NACK or KN_WIRE_OUT */
    const char *id;      /* message id (ACK/NACK) or instruction id (OUT) */
    const char *code;    /* ACK: events accepted; NACK: error code; OUT: content type */
    const char *text;    /* NACK: reason; ACK: warnings ("" when none) */
    const void *payload; /* OUT: the instruction */
    size_t payload_len;
} kn_reply_t;

/* Connect to endpoint with the broker's public key and our secret key (Z85
 * text).  NULL with the reason in errbuf. */
kn_client_t *kn_client_new(const char *endpoint, const char *server_public_z85,
                           const char *secret_z85, char *errbuf, size_t errsize);

/* The same from a configuration's [client] section. */
kn_client_t *kn_client_new_from_config(const kn_config_t *cfg, char *errbuf, size_t errsize);

void kn_client_destroy(kn_client_t **self);

/* Queue a MSG.  Returns 0 or KN_EIO. */
int kn_client_send(kn_client_t *self, const char *id, const char *content_type, const void *payload,
                   size_t len);

/* Tell the broker this connection takes the party's instructions (READY).
 * Returns 0, or KN_EIO when there is no connection yet (try again). */
int kn_client_ready(kn_client_t *self);

/* Acknowledge an instruction (OUTACK).  Returns 0 or KN_EIO. */
int kn_client_outack(kn_client_t *self, const char *instruction_id);

/* Wait up to timeout_ms (-1: forever) for a reply.  Returns 0 with *reply
 * filled, KN_ETIMEDOUT, KN_EAUTH when the broker refused our key (errbuf says
 * so), KN_EWIRE for a reply that breaks the protocol, or KN_EIO (EINTR etc). */
int kn_client_recv(kn_client_t *self, kn_reply_t *reply, int timeout_ms, char *errbuf,
                   size_t errsize);

/* The socket, for callers that poll it with others. */
void *kn_client_socket(kn_client_t *self);

#endif
