/* kouan — the broker's writes to PostgreSQL.
 *
 * A batch of received messages goes to the database in one transaction (libpq
 * pipeline mode: one round trip), and only when that transaction has committed
 * does the broker acknowledge them.  inbound's unique (party, msg_id) makes a
 * re-sent message a no-op whose stored outcome is read back and acknowledged
 * again.  A lost connection is reported as KN_EDB and the same batch can be
 * written again after kn_store_connect(): the write is idempotent.
 */
#ifndef KN_STORE_H
#define KN_STORE_H

#include "arena.h"
#include "bloom.h"
#include "event.h"
#include "slots.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct kn_store kn_store_t;

typedef enum { KN_INBOUND_ACCEPTED = 0, KN_INBOUND_REJECTED } kn_inbound_status_t;

/* One received message on its way into inbound.  The broker fills the first
 * block; kn_store_write() fills the second.  Strings are borrowed. */
typedef struct {
    const char *party;        /* authenticated party */
    const char *msg_id;       /* NUL-terminated; NULL for a frame too broken to carry one */
    const char *content_type; /* may be NULL for a broken frame */
    const void *payload;      /* raw bytes as received */
    size_t payload_len;
    kn_inbound_status_t status;        /* accepted, or rejected with error_code and reason */
    const char *error_code;            /* wire token, e.g. "PARSE"; NULL when accepted */
    const char *reason;                /* readable reason; NULL when accepted */
    int events;                        /* canonical events yielded */
    const kn_event_list_t *event_list; /* those events, written with the message (accepted only) */
    const char *const *event_json;     /* their JSON in list order, made ahead by the broker;
                                          NULL: the store makes it */
    const char *warnings; /* data-quality warnings, "CODE: text; ..."; NULL when none */

    bool duplicate; /* set by the store: already stored by an earlier batch,
                       the fields above now hold that stored outcome */
} kn_inbound_t;

/* A store that will connect with conninfo (copied); NULL on no memory. */
kn_store_t *kn_store_new(const char *conninfo);

void kn_store_destroy(kn_store_t **self);

/* (Re)connect and check the schema is at the version this binary needs.
 * Returns 0, KN_EDB (cannot connect: try again later) or KN_ECONFIG (schema
 * too old or too new: an operator must act), with the reason in errbuf. */
int kn_store_connect(kn_store_t *self, char *errbuf, size_t errsize);

/* True while the connection is up. */
bool kn_store_connected(const kn_store_t *self);

/* Write items[0..n) in one transaction and commit, waiting for the answer.
 * On 0 every item is durable and duplicate flags are set (with the stored
 * outcome copied into arena).  The accepted messages' events go to the event
 * table in the same transaction.  Returns KN_EDB when the connection or the
 * server failed (nothing can be assumed: write the same batch again after
 * reconnecting), KN_EINVAL when the database refused the batch's data (reason
 * in errbuf; the connection is still good), or KN_ENOMEM. */
int kn_store_write(kn_store_t *self, kn_inbound_t *items, size_t n, kn_arena_t *arena, char *errbuf,
                   size_t errsize);

/* Rows the rules add to a batch's transaction (strings borrowed). */
typedef struct {
    const char *box, *party, *msg_id; /* the box, and the message that led to it */
    const char *table, *rules, *inputs_json, *route, *reason, *action, *note;
    const char *instruction_id; /* NULL when no instruction went with it */
} kn_decision_row_t;

typedef struct {
    const char *box, *direction, *phase, *route, *sent_route;
    const char *slot_area, *slot_start; /* the inspection slot (ISO 8601), or NULL */
    bool closed;                        /* the visit ends with this batch */
} kn_visit_row_t;

/* What a visit's row says beyond its events. */
typedef struct {
    const char *sent_route; /* the route of the instruction in force, or NULL */
    const char *slot_area;  /* the inspection slot, or NULL */
    int64_t slot_start;     /* ms since the epoch, -1 when no slot */
    const char *phase;      /* the phase last written, or NULL */
} kn_visit_state_t;

typedef struct {
    const char *party, *instruction_id, *box, *route, *content_type;
    const void *payload;
    size_t payload_len;
    bool sent; /* the broker sends it right after the commit: stored as sent once */
} kn_instruction_row_t;

/* A notification to deliver (kouan notify), written with the batch. */
typedef struct {
    const char *notification_id, *endpoint, *order_key, *kind, *body;
} kn_outbox_row_t;

typedef struct {
    kn_decision_row_t *decisions;
    size_t ndecisions;
    kn_visit_row_t *visits;
    size_t nvisits;
    kn_instruction_row_t *instructions;
    size_t ninstructions;
    kn_outbox_row_t *outbox;
    size_t noutbox;
} kn_store_extra_t;

/* The open visits of boxes[0..n), rebuilt from the database: their events —
 * and the events of their bills that name no box (bills[i] adds a bill the
 * database may not know yet) — in order, equipment_reference set to the box,
 * appended to events, and what each box's visit row says in states[i] (the
 * array is allocated in arena).  Not while a batch is out. */
int kn_store_load_visits(kn_store_t *self, const char *const *boxes, const char *const *bills,
                         size_t n, kn_arena_t *arena, kn_event_list_t *events,
                         kn_visit_state_t **states, char *errbuf, size_t errsize);

/* Add to slots the inspection slots held by open visits.  Not while a batch
 * is out. */
int kn_store_slots(kn_store_t *self, kn_slots_t *slots, char *errbuf, size_t errsize);

/* The boxes (and their bill) that events put on any of bills[0..n), in arena.
 * Not while a batch is out. */
int kn_store_boxes_of_bills(kn_store_t *self, const char *const *bills, size_t n, kn_arena_t *arena,
                            const char ***boxes, const char ***box_bills, size_t *nboxes,
                            char *errbuf, size_t errsize);

/* What the broker may have to look up before deciding a box it has not cached:
 * *boxes gets every box that ever had a visit, *bills every bill named by an
 * event with no box, as Bloom filters sized for what is there and more.  Rows
 * are streamed, not held.  Not while a batch is out. */
int kn_store_known(kn_store_t *self, kn_bloom_t **boxes, kn_bloom_t **bills, char *errbuf,
                   size_t errsize);

/* The same in two halves, so the broker can read the next batch while this one
 * commits: kn_store_begin() sends the batch (items and arena must live until
 * the end), kn_store_finish() reads the answer — without wait it returns
 * KN_STORE_PENDING until all of it has arrived (poll kn_store_socket() for
 * reading), then what kn_store_write() would. */
#define KN_STORE_PENDING 2
int kn_store_begin(kn_store_t *self, kn_inbound_t *items, size_t n, const kn_store_extra_t *extra,
                   kn_arena_t *arena, char *errbuf, size_t errsize);
int kn_store_finish(kn_store_t *self, bool wait, char *errbuf, size_t errsize);
/* Sends never block: push what is still buffered of the batch out.  1 while
 * some is left (poll kn_store_socket() for writing too), 0 when all is sent. */
int kn_store_flush(kn_store_t *self);

/* An instruction to deliver; strings in the arena given. */
typedef struct {
    int64_t id;                 /* row id: the order to send in */
    const char *instruction_id; /* on the wire */
    const char *content_type;
    const void *payload;
    size_t payload_len;
} kn_outgoing_t;

/* The instructions for party not acknowledged and not sent within the last
 * redeliver_ms (at most max, oldest first), marked as sent now.  Returns 0 with
 * *out and *n set, or KN_EDB / KN_EINVAL / KN_ENOMEM.  Not while a batch is out. */
int kn_store_instructions_due(kn_store_t *self, const char *party, int64_t redeliver_ms, size_t max,
                              kn_arena_t *arena, kn_outgoing_t **out, size_t *n, char *errbuf,
                              size_t errsize);

/* Instructions ids[0..n) were stored as sent with their batch but could not go
 * out: make them due now, so they go in their order with the others.
 * Returns 0, KN_EDB, KN_EINVAL or KN_ENOMEM.  Not while a batch is out. */
int kn_store_instructions_unsent(kn_store_t *self, const char *const *ids, size_t n,
                                 kn_arena_t *arena, char *errbuf, size_t errsize);

/* Record that party acknowledged the instructions ids[0..n).  An id the party
 * was never sent is ignored.  Returns 0, KN_EDB or KN_EINVAL. */
int kn_store_instructions_acked(kn_store_t *self, const char *party, const char *const *ids,
                                size_t n, kn_arena_t *arena, char *errbuf, size_t errsize);

/* The connection's socket (-1 when disconnected), and whether a batch is out. */
int kn_store_socket(const kn_store_t *self);
bool kn_store_busy(const kn_store_t *self);

#endif
