/* kouan — the HTTP API (kouan api): what agents, officers, terminals and
 * the operators read over HTTP.
 *
 *   GET /healthz           200 {"status":"ok"} when the database answers, else 503
 *   GET /metrics           Prometheus text: messages by status, events by code,
 *                          decisions by route, open visits, outbox depth by
 *                          endpoint, deliveries by result (from the database)
 *   GET /v2/events         DCSA Track & Trace 2.2 events, oldest first, with the
 *                          filters equipmentReference, transportDocumentReference,
 *                          eventType (comma-separated), eventCreatedDateTime
 *                          (= or :gte :gt :lte :lt :eq, ISO 8601 with offset);
 *                          limit (1..[api] page_max, default [api] page_size) and
 *                          cursor; a further page is named in the Next-Page
 *                          header *   GET /v1/containers/{equipmentReference}/timeline
 *                          the box's events, its current route, reason and slot
 *   GET /v1/bills/{transportDocumentReference}/timeline
 *                          the bill's events and its boxes', and each box's route
 *   /v2/event-subscriptions[/{id}[/secret]]
 *                          DCSA subscriptions: POST, GET, PUT, DELETE (owned by
 *                          their maker; an agent's only on its own cargo)
 *   /v1/certificates[/{no}[/deposit|/pickup]]
 *                          certificates of origin mailed by EMS: request (agent),
 *                          deposit (officer), pickup code (agent), GET
 *   GET /v1/containers/{equipmentReference}/decisions
 *                          the box's decision history (officers, admins)
 *   POST /v1/containers/{equipmentReference}/inspection-orders
 *                          an officer's manual inspection order, sent to the
 *                          broker as customs' CLM10021 (orders.c)
 *   GET /track, /dashboard, /static/{name}
 *                          the agents' tracking page and the big-screen
 *                          dashboard (api/www, built into the binary)
 *   GET /v1/dashboard/stream?access_token=
 *                          the dashboard's figures as server-sent events
 *
 * Every call but /healthz and /metrics carries "Authorization: Bearer TOKEN"
 * of a principal (kouan principal add).  An agent sees only the cargo of the
 * bills customs names its agent code on; another company's box is answered
 * as one that does not exist (404, or no events).  Every answer with cargo
 * data is written to audit.  Errors are RFC 9457 problem details
 * (application/problem+json) naming what was wrong.
 * * A thread per HTTP connection; the database connections come from a small
 * pool (made on demand, kept while idle).  Several processes can run at once.
 */
#ifndef KN_API_H
#define KN_API_H

#include "config.h"

#include <libpq-fe.h>
#include <stddef.h>
#include <stdint.h>

typedef struct kn_api kn_api_t;

/* A server for cfg's [api], reading the database at conninfo (libpq).
 * Started: "host:port" it listens on in address.  Returns NULL with errbuf
 * filled when it cannot listen. */
kn_api_t *kn_api_start(const kn_config_t *cfg, const char *conninfo, char *address, size_t addrsize,
                       char *errbuf, size_t errsize);

/* Stop the server (it finishes the request it is answering) and free it. */
void kn_api_destroy(kn_api_t **api);

/* A new bearer token: "kn_" and 43 base64url characters (256 random bits),
 * and its SHA-256, which is all the database keeps.  Returns 0, or KN_EIO
 * when the system has no randomness to give. */
int kn_api_token_new(char token[48], uint8_t hash[32]);

/* SHA-256 of a token as presented. */
void kn_api_token_hash(const char *token, uint8_t hash[32]);

#endif
