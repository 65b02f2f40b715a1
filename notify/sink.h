/* kouan — the test sink: a local HTTP server playing the outside receivers of
 * kouan's notifications (mini-program backend, SMS gateway, EMS open platform)
 * and a DCSA Track & Trace subscriber, for the tests and the demo.
 *
 * It checks every signature the way the real receiver would (Standard
 * Webhooks, the EMS SM4 envelope with the sign key inside, the DCSA
 * Notification-Signature), validates the body, records every request it
 * answered (one JSON object per line in the record file and in memory) and
 * counts them per endpoint, so a test can tell unique deliveries from
 * duplicates.  Each endpoint can be told over HTTP to misbehave (fail,
 * throttle, vanish, stall) for its next N requests.
 *
 * Endpoints (receivers take POST only):
 *   /miniprogram, /sms, /ems, /dcsa and /dcsa/<anything>
 *   POST /_sink/mode, GET /_sink/stats, GET /_sink/records, GET /healthz
 *
 * The server runs its own threads (libmicrohttpd, one thread per connection,
 * so a stalled request never holds up another); the caller's thread only
 * creates and destroys it.
 */
#ifndef KN_SINK_H
#define KN_SINK_H

#include <stddef.h>
#include <stdint.h>

typedef struct kn_sink kn_sink_t;

/* Where to listen and what to check with.  All strings are borrowed for the
 * duration of kn_sink_new() only; the sink reads the files there and keeps
 * what it needs. */
typedef struct {
    const char *listen;                  /* "host:port" or "[v6]:port"; port 0 = any free port */
    const char *record_file;             /* JSONL appended per request; NULL or "" = memory only */
    const char *miniprogram_secret_file; /* "whsec_..." for /miniprogram */
    const char *sms_secret_file;         /* "whsec_..." for /sms */
    const char *ems_key_file;            /* EMS sign key text (base64 of 16 bytes or 32 hex) */
    const char *dcsa_secret_file;        /* base64 of the DCSA subscription secret */
    int64_t stall_ms;                    /* how long a "stall" request is held, >= 0 */
} kn_sink_conf_t;

/* Start a sink listening on conf->listen.  A secret or key file that is
 * missing, empty ("" path) or malformed does not stop the start: that endpoint
 * then answers every request with 500 and records why (and a warning is
 * logged once here).  Returns an owned sink, or NULL with the reason in errbuf
 * when the address is malformed, the port cannot be bound, or the record file
 * cannot be opened. */
kn_sink_t *kn_sink_new(const kn_sink_conf_t *conf, char *errbuf, size_t errsize);

/* Stop: release any request held by "stall" (it is answered 500 at once),
 * give the requests under way up to 2 s to send their answers, stop the
 * server threads and free everything.  Idempotent; sets *self to NULL. */
void kn_sink_destroy(kn_sink_t **self);

/* The port actually bound (the chosen one when conf->listen asked for 0). */
uint16_t kn_sink_port(const kn_sink_t *self);

/* "host:port" with the bound port, the host as configured (borrowed, lives as
 * long as the sink). */
const char *kn_sink_address(const kn_sink_t *self);

#endif
