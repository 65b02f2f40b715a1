#include "slots.h"
#include "err.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_AREA_MAX 71
#define S_BEIJING_MS (8 * (int64_t)KN_SLOT_MS) /* UTC+8, no daylight saving */

typedef struct {
    char area[S_AREA_MAX + 1];
    int64_t start;
    int count;
} s_entry_t;

/* A few areas times a few days of hours: a plain array is enough. */
struct kn_slots {
    s_entry_t *entries;
    size_t n, cap;
};

kn_slots_t *kn_slots_new(void)
{
    return calloc(1, sizeof(kn_slots_t));
}

void kn_slots_destroy(kn_slots_t **self)
{
    if (!self || !*self)
        return;
    free((*self)->entries);
    free(*self);
    *self = NULL;
}

void kn_slots_clear(kn_slots_t *self)
{
    self->n = 0;
}

static s_entry_t *s_find(const kn_slots_t *self, const char *area, int64_t start)
{
    for (size_t i = 0; i < self->n; i++)
        if (self->entries[i].start == start && !strcmp(self->entries[i].area, area))
            return &self->entries[i];
    return NULL;
}

int kn_slots_add(kn_slots_t *self, const char *area, int64_t start_ms, int delta)
{
    s_entry_t *e = s_find(self, area, start_ms);
    if (!e) {
        if (self->n == self->cap) {
            size_t cap = self->cap ? self->cap * 2 : 64;
            s_entry_t *grown = realloc(self->entries, cap * sizeof *grown);
            if (!grown)
                return KN_ENOMEM;
            self->entries = grown;
            self->cap = cap;
        }
        e = &self->entries[self->n++];
        snprintf(e->area, sizeof e->area, "%s", area);
        e->start = start_ms;
        e->count = 0;
    }
    e->count += delta;
    if (e->count < 0)
        e->count = 0;
    return 0;
}

int kn_slots_count(const kn_slots_t *self, const char *area, int64_t start_ms)
{
    const s_entry_t *e = s_find(self, area, start_ms);
    return e ? e->count : 0;
}

/* floor division for times before the epoch too */
static int64_t s_floor(int64_t t, int64_t unit)
{
    return t >= 0 ? t / unit * unit : -((-t + unit - 1) / unit) * unit;
}

int64_t kn_slots_find(const kn_slots_t *self, const char *area, int64_t base_ms,
                      const kn_slot_policy_t *policy)
{
    if (policy->capacity <= 0 || policy->closes_hour <= policy->opens_hour)
        return -1;
    int64_t earliest = base_ms + (int64_t)policy->lead_minutes * 60000;
    int64_t start = s_floor(earliest, KN_SLOT_MS);
    if (start < earliest)
        start += KN_SLOT_MS;
    for (int h = 0; h < policy->horizon_hours; h++, start += KN_SLOT_MS) {
        int64_t local = start + S_BEIJING_MS;
        int hour = (int)((local - s_floor(local, 24 * (int64_t)KN_SLOT_MS)) / KN_SLOT_MS);
        if (hour < policy->opens_hour || hour >= policy->closes_hour)
            continue;
        if (kn_slots_count(self, area, start) < policy->capacity)
            return start;
    }
    return -1;
}

void kn_slots_prune(kn_slots_t *self, int64_t before_ms)
{
    size_t keep = 0;
    for (size_t i = 0; i < self->n; i++)
        if (self->entries[i].start + KN_SLOT_MS > before_ms)
            self->entries[keep++] = self->entries[i];
    self->n = keep;
}
