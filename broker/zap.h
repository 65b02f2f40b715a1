/* kouan — the ZAP handler: who is this CURVE key?
 *
 * libzmq asks over inproc://zeromq.zap.01 (RFC 27) before it lets a CURVE
 * client in.  The handler maps the client's public key to a configured party
 * and answers 200 with the party name as the ZAP user id (which the broker then
 * reads from every message's "User-Id" property), or 400 for a key no party
 * has, logged with the key and the peer address.  The broker polls the handler
 * socket in its own loop: no thread.
 */
#ifndef KN_ZAP_H
#define KN_ZAP_H

#include "config.h"

#include <stdint.h>

typedef struct kn_zap kn_zap_t;

/* Bind the handler in ctx (before any CURVE server socket binds).  cfg is
 * borrowed and may be swapped with kn_zap_set_config().  NULL on failure with
 * the reason in errbuf. */
kn_zap_t *kn_zap_new(void *ctx, const kn_config_t *cfg, char *errbuf, size_t errsize);

void kn_zap_destroy(kn_zap_t **self);

/* The socket to poll for ZMQ_POLLIN. */
void *kn_zap_socket(kn_zap_t *self);

/* Use cfg for the next requests (after a reload). */
void kn_zap_set_config(kn_zap_t *self, const kn_config_t *cfg);

/* Answer every request waiting on the socket.  Returns how many were answered. */
int kn_zap_handle(kn_zap_t *self);

/* Requests allowed and refused since start. */
uint64_t kn_zap_allowed(const kn_zap_t *self);
uint64_t kn_zap_refused(const kn_zap_t *self);

#endif
