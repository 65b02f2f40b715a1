/* kouan — what the parts of the HTTP API share (api.c: the server, the
 * principals, the routing; events.c, subscriptions.c, actions.c, pages.c:
 * the resources).  Not for outside api/. */
#ifndef KN_API_INTERNAL_H
#define KN_API_INTERNAL_H

#include "api.h"

#include <jansson.h>
#include <microhttpd.h>
#include <stdbool.h>
#include <stddef.h>

/* Who is asking. */
typedef struct {
    char name[128];
    char role[16];  /* agent, officer, terminal, admin */
    char agent[64]; /* agents: their code; "" for the others */
} kn__api_who_t;

/* One request as a handler sees it. */
typedef struct {
    struct MHD_Connection *c;
    const char *url, *method;
    const char *body; /* POST and PUT: the whole body, NUL-terminated ("" when none) */
    size_t body_len;
    PGconn *db;        /* a pooled connection, this request's until it is answered */
    kn__api_who_t who; /* the principal (all "" for a route open to anyone) */
    const kn_config_t *cfg;
    kn_api_t *api;
} kn__api_req_t;

/* A handler: arg is the path's {} segment ("" when the path has none). */
typedef enum MHD_Result (*kn__api_handler_t)(kn__api_req_t *req, const char *arg);

/* Who may call a route. */
enum {
    KN__API_ANYONE = 0, /* no token needed */
    KN__API_AGENT = 1,
    KN__API_OFFICER = 2,
    KN__API_TERMINAL = 4,
    KN__API_ADMIN = 8,
    KN__API_STAFF = KN__API_OFFICER | KN__API_ADMIN,
    KN__API_ALL = 15
};

typedef struct {
    const char *method; /* GET, POST, PUT, DELETE */
    const char *path;   /* "/v2/events", "/v1/containers/{}/timeline": at most one {} */
    unsigned roles;     /* KN__API_ANYONE, or the roles that may call it */
    kn__api_handler_t handler;
} kn__api_route_t;

/* Each part's routes, ended by {NULL}. */
extern const kn__api_route_t kn__api_events_routes[];        /* events.c */
extern const kn__api_route_t kn__api_subscriptions_routes[]; /* subscriptions.c */
extern const kn__api_route_t kn__api_actions_routes[];       /* actions.c */
extern const kn__api_route_t kn__api_pages_routes[];         /* pages.c */
extern const kn__api_route_t kn__api_orders_routes[];        /* orders.c */

/* Answers.  body is taken (freed by libmicrohttpd); header may be NULL. */
enum MHD_Result kn__api_send(kn__api_req_t *req, unsigned status, const char *type, char *body,
                             const char *header, const char *value);
/* The JSON j (taken), compact, UTF-8. */
enum MHD_Result kn__api_json(kn__api_req_t *req, unsigned status, json_t *j, const char *header,
                             const char *value);
/* An RFC 9457 problem: status, and the detail saying what was wrong. */
enum MHD_Result kn__api_problem(kn__api_req_t *req, unsigned status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The request's body as a JSON object (application/json or no type; no
 * duplicate members), or NULL after answering why not (400/415) in *res. */
json_t *kn__api_body(kn__api_req_t *req, enum MHD_Result *res);

/* The first member of the object body not among names (NULL-ended), or NULL. */
const char *kn__api_unknown_member(json_t *body, const char *const *names);

/* sql with text parameters (NULL: SQL null) on the request's connection:
 * the result (PQclear it), or NULL with the reason logged. */
PGresult *kn__api_query(kn__api_req_t *req, const char *sql, int n, const char *const *params);

/* The audit row of an answer with cargo data; false when it cannot be
 * written, and the data must then not be given out. */
bool kn__api_audit(kn__api_req_t *req, const char *action, const char *resource, unsigned status,
                   size_t items);

/* Fill req->who from a bearer token (for a route open to anyone that takes
 * its token another way, as a stream's access_token parameter): 0, or 401
 * (unknown or revoked) or 503 with *why. */
int kn__api_authenticate(kn__api_req_t *req, const char *token, const char **why);

/* Whether ref is a container number as the paths take it (four capital
 * letters, seven digits); false after answering 400 in *res. */
bool kn__api_container(kn__api_req_t *req, const char *ref, enum MHD_Result *res);

/* The columns of event e that kn__api_event() takes: id, creation (UTC,
 * ISO 8601) and the DCSA object. */
#define KN__API_EVENT_COLUMNS                                                                      \
    "e.id, to_char(e.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'), "        \
    "e.detail::text"

/* One stored event as the API gives it: its DCSA object with eventID (a
 * UUID from the row id) and eventCreatedDateTime.  NULL on no memory. */
json_t *kn__api_event(const char *id, const char *created, const char *detail);

/* A pooled database connection, and giving it back (for work outside a
 * request, such as a stream's later ticks).  NULL when none can be made. */
PGconn *kn__api_db_acquire(kn_api_t *api);
void kn__api_db_release(kn_api_t *api, PGconn *conn);

/* SQL limiting events e to an agent's cargo.  KN__API_MINE(n) opens the
 * query with the CTE "mine" (the bills customs names agent $n on);
 * KN__API_SCOPE(n) is the condition (true for everyone when $n is NULL): the
 * events naming one of its bills, and the events naming no bill of a box
 * that travels on its bills and never on another's — a container reused by
 * another company afterwards (or before) shows neither company the other's
 * events, not even the ones without a bill. */
#define KN__API_MINE(n)                                                                            \
    "WITH mine AS (SELECT DISTINCT a.transport_document_reference AS bill FROM event a WHERE "     \
    "$" #n "::text IS NOT NULL AND a.agent_code = $" #n "::text AND "                              \
    "a.transport_document_reference IS NOT NULL) "
#define KN__API_SCOPE(n)                                                                           \
    "($" #n "::text IS NULL OR e.transport_document_reference IN (SELECT bill FROM mine) OR "      \
    "(e.transport_document_reference IS NULL AND e.equipment_reference IN (SELECT "                \
    "b.equipment_reference FROM event b WHERE b.transport_document_reference IN (SELECT bill "     \
    "FROM mine) AND b.equipment_reference IS NOT NULL) AND NOT EXISTS (SELECT 1 FROM event c "     \
    "WHERE c.equipment_reference = e.equipment_reference AND c.transport_document_reference IS "   \
    "NOT NULL AND c.transport_document_reference NOT IN (SELECT bill FROM mine))))"
/* Whether box $b's route may be shown to agent $n (NULL: anyone): its latest
 * bill is one of the agent's. */
#define KN__API_BOX_MINE(b, n)                                                                     \
    "($" #n "::text IS NULL OR (SELECT l.transport_document_reference FROM event l WHERE "         \
    "l.equipment_reference = $" #b " AND l.transport_document_reference IS NOT NULL ORDER BY "     \
    "l.id DESC LIMIT 1) IN (SELECT bill FROM mine))"

#endif
