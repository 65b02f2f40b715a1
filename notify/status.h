/* kouan — status events for the agents' mini-program backend.
 *
 * One JSON object per change an agent cares about (a route decided, an
 * inspection slot, the box released or gone): a DCSA Track & Trace 2.2
 * equipment event with a readable status line in Chinese and English, and
 * kouan's route, reason and slot beside it:
 *   {"eventID":…, "eventType":"EQUIPMENT", "eventClassifierCode":"PLN",
 *    "equipmentEventTypeCode":"DISC", "equipmentReference":"OOLU8890211", …,
 *    "statusLine":{"zh":"已安排查验 …","en":"Inspection slot assigned …"},
 *    "kouan":{"route":"INSPECTION_AREA","reason":…,"slot":{…}}}
 * Pure: no I/O.
 */
#ifndef KN_STATUS_H
#define KN_STATUS_H

#include "arena.h"

#include <stdbool.h>

typedef enum {
    KN_STATUS_ROUTE = 0, /* a route was decided (or changed) */
    KN_STATUS_WITHDRAWN, /* the instruction in force was withdrawn */
    KN_STATUS_CLOSED     /* the visit is over: picked up, or loaded */
} kn_status_kind_t;

/* What happened to a box; strings borrowed, NULL when unknown. */
typedef struct {
    kn_status_kind_t kind;
    const char *event_id;    /* a UUID: the same on every retry */
    const char *created;     /* when kouan decided, ISO 8601 with offset */
    const char *box;         /* equipment reference */
    const char *bill;        /* transport document reference */
    const char *direction;   /* "import" or "export" */
    const char *phase;       /* the visit's phase, e.g. DISCHARGED */
    bool discharged;         /* the box is off the ship (or through the gate) */
    const char *route;       /* DIRECT_PICKUP … */
    const char *reason;      /* the rules' reason */
    const char *slot_area;   /* inspection slot, or NULL */
    const char *slot_start;  /* ISO 8601, Beijing time */
    const char *slot_end;    /* ISO 8601, Beijing time */
    const char *vessel_name; /* for the transport call */
    const char *voyage;
    const char *facility; /* the terminal */
} kn_status_t;

/* The two readable lines for st into zh and en (NUL-terminated, truncated to
 * the sizes given). */
void kn_status_line(const kn_status_t *st, char *zh, size_t zhsize, char *en, size_t ensize);

/* A UUID (version 5 form, SHA-1 of name under kouan's namespace) for name
 * into out: the same name always gives the same id.  Returns 0, or KN_ENOMEM
 * when libcrypto fails. */
int kn_status_uuid(const char *name, char out[40]);

/* The JSON event for st, NUL-terminated, in arena; NULL on no memory. */
char *kn_status_json(const kn_status_t *st, kn_arena_t *arena);

#endif
