/* kouan — signatures on outbound notifications.
 *
 * Two schemes, both HMAC-SHA256 and both pure (no I/O; libcrypto only):
 *
 * Standard Webhooks 1.0 (https://www.standardwebhooks.com, spec repository
 * standard-webhooks/standard-webhooks, spec/standard-webhooks.md), used for the
 * mini-program backend: the endpoint secret is "whsec_" + base64 of the key,
 * the request carries webhook-id, webhook-timestamp (integer unix seconds) and
 * webhook-signature = "v1," + base64(HMAC-SHA256(key, id "." timestamp "."
 * body)); the signature header may list several space-separated signatures
 * during a key rotation, and a receiver accepts when any "v1" one matches.
 *
 * DCSA subscriptions (Track & Trace 2.2): "Notification-Signature:
 * sha256=" + lower-case hex of HMAC-SHA256(secret, body).  The DCSA secret is
 * raw bytes (the subscription API carries it base64-encoded; decode it first).
 *
 * Verifiers compare in constant time (CRYPTO_memcmp) and answer KN_EAUTH with
 * a reason in err; they never say which byte differed.
 */
#ifndef KN_SIGN_H
#define KN_SIGN_H

#include "err.h"

#include <stddef.h>
#include <stdint.h>

/* Room for "v1," + 44 base64 characters + NUL. */
#define KN_SIGN_WEBHOOK_MAX 48
/* Room for "whsec_" + base64 of 24 bytes (32 characters) + NUL. */
#define KN_SIGN_SECRET_MAX 40
/* Room for "sha256=" + 64 hex digits + NUL. */
#define KN_SIGN_DCSA_MAX 72

/* Key bytes a "whsec_" secret may hold: the spec asks for 24 to 64. */
#define KN_SIGN_KEY_MIN 24
#define KN_SIGN_KEY_MAX 64

/* Sign one delivery: write "v1,<base64>" (NUL-terminated) into out, which must
 * hold KN_SIGN_WEBHOOK_MAX bytes.  secret is "whsec_<base64>" holding 24 to 64
 * key bytes (the prefix is required); msg_id is the stable notification id and
 * must be non-empty without '.'.  Returns 0; KN_ECONFIG for a malformed secret,
 * KN_EINVAL for a bad msg_id, KN_ENOMEM when libcrypto fails; err says why. */
int kn_sign_webhook(const char *secret, const char *msg_id, int64_t timestamp, const void *body,
                    size_t len, char *out, size_t outsize, kn_error_t *err);

/* Check a received webhook-signature header value (one or more space-separated
 * "<version>,<signature>" entries; entries of other versions such as "v1a" are
 * skipped) against secret, msg_id, timestamp and body.  The timestamp must lie
 * within tolerance_s seconds (>= 0) of now, either side.  Returns 0 when a v1
 * signature matches; KN_EAUTH (stale/future timestamp, bad id, no matching
 * signature) or KN_ECONFIG (malformed secret) otherwise, with err filled. */
int kn_sign_webhook_verify(const char *secret, const char *msg_id, int64_t timestamp,
                           const void *body, size_t len, const char *header, int64_t now,
                           int64_t tolerance_s, kn_error_t *err);

/* A new endpoint secret, "whsec_" + base64 of 24 random bytes (RAND_bytes),
 * into out (KN_SIGN_SECRET_MAX bytes).  Returns 0, or KN_EIO when the random
 * generator fails (out is then an empty string). */
int kn_sign_webhook_secret(char *out, size_t outsize);

/* DCSA Notification-Signature value: "sha256=<64 lower-case hex>" into out
 * (KN_SIGN_DCSA_MAX bytes), keyed with the secret_len raw bytes of secret.
 * Returns 0, or KN_ENOMEM when libcrypto fails. */
int kn_sign_dcsa(const void *secret, size_t secret_len, const void *body, size_t len, char *out,
                 size_t outsize);

/* Check a received Notification-Signature value ("sha256=" + 64 hex digits,
 * either case) against body.  Returns 0 on a match; KN_EAUTH with err filled
 * when the value is malformed or does not match. */
int kn_sign_dcsa_verify(const void *secret, size_t secret_len, const void *body, size_t len,
                        const char *value, kn_error_t *err);

#endif
