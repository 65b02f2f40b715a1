/* kouan — the broker.
 *
 * One thread around one zmq_poll loop (redis' ae.c).  A ROUTER socket with
 * CURVE takes the parties' messages; the ZAP handler says which party a key
 * is.  Each turn drains what is ready (up to [broker] batch_max), reads every
 * message with its party's adapter, writes the batch in one transaction,
 * commits, and only then acknowledges each message (ACK, or NACK with a code
 * and reason for a message that was stored but refused).  When PostgreSQL goes
 * away it stops reading, reconnects with backoff and writes the held batch
 * again; nothing is acknowledged before its commit.  SIGTERM/SIGINT drain and
 * exit; SIGHUP reloads the configuration.
 */
#ifndef KN_BROKER_H
#define KN_BROKER_H

#include "config.h"

#include <stddef.h>

typedef struct kn_broker kn_broker_t;

/* Load and check a configuration file the way the broker does (options, party
 * sections, key files, adapter formats, the broker's own secret key).  Returns
 * a new config, or NULL with "file:line: reason" in errbuf. */
kn_config_t *kn_broker_load_config(const char *path, char *errbuf, size_t errsize);

/* The diversion rules cfg names ([broker] rules_file, or the built-in table),
 * loaded, compiled and checked against what a container visit can feed.
 * NULL with "file: rule N (id) input M (name): ..." in errbuf. */
struct kn_dmn;
struct kn_dmn *kn_broker_load_rules(const kn_config_t *cfg, char *errbuf, size_t errsize);

/* A broker for cfg (taken: *cfg is set to NULL) whose configuration file is
 * config_path (re-read on SIGHUP).  Binds its sockets; NULL with the reason in
 * errbuf. */
kn_broker_t *kn_broker_new(kn_config_t **cfg, const char *config_path, char *errbuf,
                           size_t errsize);

void kn_broker_destroy(kn_broker_t **self);

/* Run until SIGTERM or SIGINT.  Returns 0 after a clean drain, or a negative
 * kn_err_t on a fatal error (logged). */
int kn_broker_run(kn_broker_t *self);

#endif
