/* kouan — inspection without appointment: slots from an area's capacity.
 *
 * A box routed to the inspection area gets the first hour, from the time it
 * can be there (discharged or gated in, plus the time to move it), in which
 * the area is open and has room.  The broker keeps how many boxes each area
 * has per hour; the slots themselves are on the visits in the database, so
 * these counts can always be rebuilt.  Same order of decisions, same slots.
 */
#ifndef KN_SLOTS_H
#define KN_SLOTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define KN_SLOT_MS 3600000 /* a slot is one hour */

typedef struct kn_slots kn_slots_t;

typedef struct {
    int capacity;      /* boxes per hour and area; 0: no slots */
    int opens_hour;    /* Beijing time, 0..23 */
    int closes_hour;   /* Beijing time, 1..24, after opens_hour */
    int lead_minutes;  /* from the base time to the earliest slot start */
    int horizon_hours; /* how far ahead to look */
} kn_slot_policy_t;

kn_slots_t *kn_slots_new(void);
void kn_slots_destroy(kn_slots_t **self);

/* Forget every count (they are rebuilt from the database). */
void kn_slots_clear(kn_slots_t *self);

/* Add delta boxes to area's hour starting at start_ms (ms since the epoch, on
 * an hour).  Returns 0 or KN_ENOMEM. */
int kn_slots_add(kn_slots_t *self, const char *area, int64_t start_ms, int delta);

/* Boxes in area's hour starting at start_ms. */
int kn_slots_count(const kn_slots_t *self, const char *area, int64_t start_ms);

/* The start of the first free slot for a box that can be in area from
 * base_ms + lead, or -1 when none is free within the horizon (or capacity is
 * 0).  Does not take it: kn_slots_add(..., 1) does. */
int64_t kn_slots_find(const kn_slots_t *self, const char *area, int64_t base_ms,
                      const kn_slot_policy_t *policy);

/* Drop the counts of hours that ended before before_ms. */
void kn_slots_prune(kn_slots_t *self, int64_t before_ms);

#endif
