/* kouan — delivering the outbox (kouan notify).
 *
 * Outbox rows are written in the transaction of what caused them and followed
 * by NOTIFY kouan_outbox.  The engine LISTENs, claims due rows with one
 * statement (a lease and attempts + 1, FOR UPDATE SKIP LOCKED, so any number of
 * kouan notify processes can run), delivers them with libcurl's multi interface
 * (at most [notify] concurrency_per_endpoint in flight per endpoint, the libpq
 * socket polled with the transfers) and records every try in delivery_attempt
 * in the transaction that settles the row: delivered, back to pending after a
 * backoff with jitter (or the Retry-After asked for), dead after
 * [notify] max_attempts, or cancelled when a subscription answered 410 Gone.
 * Rows with the same order_key are delivered strictly in id order: a row is
 * claimed only when no pending row of its key comes before it.
 *
 * Delivery is at least once: a worker that dies leaves its rows leased, and
 * another claims them when the lease expires.  The receiver deduplicates on
 * notification_id, sent with every try (Kouan-Notification-Id, and webhook-id
 * for Standard Webhooks endpoints).
 *
 * The pure helpers (backoff, Retry-After, outcome) do no I/O.
 */
#ifndef KN_DELIVER_H
#define KN_DELIVER_H

#include "config.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/* What one try's answer means for its row. */
typedef enum {
    KN_DELIVER_DELIVERED, /* accepted: the row is done */
    KN_DELIVER_RETRY,     /* failed: try again later (or dead-letter after the last try) */
    KN_DELIVER_GONE       /* 410: the receiver says the endpoint no longer exists */
} kn_deliver_outcome_t;

/* Short name of an outcome ("delivered", "retry", "gone"); never NULL. */
const char *kn_deliver_outcome_name(kn_deliver_outcome_t outcome);

/* The wait before try attempt + 1 after try attempt (>= 1) failed, in ms:
 * b = min(max_ms, min_ms * 2^(attempt - 1)), then b/2 plus a jitter in
 * [0, b - b/2] taken from rnd (any value: rnd modulo the span), so the result
 * lies in [b/2, b].  No overflow for any attempt.  min_ms and max_ms must be
 * positive; a max_ms below min_ms caps at max_ms. */
int64_t kn_deliver_backoff_ms(int attempt, int64_t min_ms, int64_t max_ms, uint64_t rnd);

/* Seconds to wait that a Retry-After header value asks for (RFC 9110 §10.2.3,
 * as RFC 7231 §7.1.3): delta-seconds ("120"), or an HTTP-date (IMF-fixdate,
 * RFC 850 or asctime form) taken relative to now (unix s), a date in the past
 * being 0.  Surrounding spaces are allowed; delta-seconds beyond INT32_MAX are
 * INT32_MAX.  Returns -1 for NULL, empty, negative or unreadable values. */
int64_t kn_deliver_retry_after(const char *value, int64_t now);

/* The outcome of a try: http_status is 0 when there was no answer (refused,
 * timeout).  EMS answers success with a 2xx and retCode "00000" in its JSON, so
 * with needs_ret_code set a 2xx is delivered only when ret_code is "00000"
 * (NULL: the answer had none); ret_code is ignored otherwise.  410 is gone
 * whatever the endpoint; every other status or no answer is retry. */
kn_deliver_outcome_t kn_deliver_classify(long http_status, bool needs_ret_code,
                                         const char *ret_code);

/* Whether addr (AF_INET or AF_INET6, as curl is about to connect to) is a
 * public address a DCSA subscriber's callback may reach: not unspecified,
 * loopback, private (10/8, 172.16/12, 192.168/16, fc00::/7), shared
 * (100.64/10), link-local (169.254/16, fe80::/10, cloud metadata among
 * them), multicast or reserved, nor an IPv4 one of those mapped into IPv6.
 * Subscribers are outsiders naming their own URL: without this check one
 * could make kouan notify call the port's internal services. */
bool kn_deliver_address_public(const struct sockaddr *addr);

typedef struct kn_deliver kn_deliver_t;

/* An engine for cfg (taken: *cfg is set to NULL, also on failure), whose file
 * config_path is read again on SIGHUP (borrowed; must outlive the engine).
 * With exit_when_idle, kn_deliver_run() returns once nothing is in flight and
 * no pending row is due within the next second.  Does not connect yet.
 * Returns NULL with the reason in errbuf. */
kn_deliver_t *kn_deliver_new(kn_config_t **cfg, const char *config_path, bool exit_when_idle,
                             char *errbuf, size_t errsize);

/* Free the engine and its connections; idempotent, sets *self to NULL. */
void kn_deliver_destroy(kn_deliver_t **self);

/* Deliver until SIGTERM or SIGINT (which stop claiming, let the requests in
 * flight finish within [notify] timeout_ms and record them; a second signal
 * abandons them to their leases), or until idle with exit_when_idle.  Installs
 * handlers for SIGTERM, SIGINT and SIGHUP (reload) and ignores SIGPIPE.  While
 * the database is away it reconnects with backoff ([database]
 * reconnect_min_ms..reconnect_max_ms); nothing is lost, the rows stay pending.
 * Returns 0, or a negative kn_err_t on a fatal error (logged). */
int kn_deliver_run(kn_deliver_t *self);

#endif
