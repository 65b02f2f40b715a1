#include "dedupe.h"

#include <assert.h>
#include <string.h>

typedef struct {
    const char *party; /* NULL = empty slot */
    const char *id;
    size_t id_len;
    int64_t value;
} s_slot_t;

struct kn_dedupe {
    s_slot_t *slots;
    size_t mask; /* slots - 1, a power of two */
    size_t count;
    size_t capacity;
};

kn_dedupe_t *kn_dedupe_new(kn_arena_t *arena, size_t capacity)
{
    size_t n = 16;
    while (n < capacity * 2)
        n <<= 1;
    kn_dedupe_t *self = kn_arena_calloc(arena, 1, sizeof *self);
    if (!self)
        return NULL;
    self->slots = kn_arena_calloc(arena, n, sizeof *self->slots);
    if (!self->slots)
        return NULL;
    self->mask = n - 1;
    self->capacity = capacity;
    return self;
}

/* FNV-1a over party, a separator and id. */
static uint64_t s_hash(const char *party, const char *id, size_t id_len)
{
    uint64_t h = 1469598103934665603ULL;
    for (const char *p = party; *p; p++)
        h = (h ^ (unsigned char)*p) * 1099511628211ULL;
    h = (h ^ 0xff) * 1099511628211ULL;
    for (size_t i = 0; i < id_len; i++)
        h = (h ^ (unsigned char)id[i]) * 1099511628211ULL;
    return h;
}

static s_slot_t *s_lookup(const kn_dedupe_t *self, const char *party, const char *id, size_t id_len)
{
    size_t i = (size_t)s_hash(party, id, id_len) & self->mask;
    for (;;) {
        s_slot_t *s = &self->slots[i];
        if (!s->party ||
            (s->id_len == id_len && !memcmp(s->id, id, id_len) && !strcmp(s->party, party)))
            return s;
        i = (i + 1) & self->mask;
    }
}

int64_t kn_dedupe_add(kn_dedupe_t *self, const char *party, const char *id, size_t id_len,
                      int64_t value)
{
    s_slot_t *s = s_lookup(self, party, id, id_len);
    if (s->party)
        return s->value;
    assert(self->count < self->capacity && "dedupe set is full");
    s->party = party;
    s->id = id;
    s->id_len = id_len;
    s->value = value;
    self->count++;
    return -1;
}

int64_t kn_dedupe_find(const kn_dedupe_t *self, const char *party, const char *id, size_t id_len)
{
    const s_slot_t *s = s_lookup(self, party, id, id_len);
    return s->party ? s->value : -1;
}
