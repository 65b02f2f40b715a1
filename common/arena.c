#include "arena.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct s_chunk {
    struct s_chunk *next; /* older chunk */
    size_t size;          /* usable bytes in data */
    size_t used;          /* bytes handed out */
    max_align_t data[];   /* the memory itself */
} s_chunk_t;

struct kn_arena {
    s_chunk_t *head;   /* newest chunk, allocations come from here */
    size_t chunk_size; /* default size of a new chunk */
    size_t total;      /* bytes handed out since reset */
};

#define S_ALIGN (sizeof(max_align_t))

static s_chunk_t *s_chunk_new(size_t size)
{
    s_chunk_t *c = malloc(sizeof *c + size);
    if (!c)
        return NULL;
    c->next = NULL;
    c->size = size;
    c->used = 0;
    return c;
}

kn_arena_t *kn_arena_new(size_t chunk_size)
{
    kn_arena_t *self = calloc(1, sizeof *self);
    if (!self)
        return NULL;
    self->chunk_size = chunk_size < 1024 ? 1024 : chunk_size;
    self->head = s_chunk_new(self->chunk_size);
    if (!self->head) {
        free(self);
        return NULL;
    }
    return self;
}

void kn_arena_destroy(kn_arena_t **self)
{
    if (!self || !*self)
        return;
    s_chunk_t *c = (*self)->head;
    while (c) {
        s_chunk_t *next = c->next;
        free(c);
        c = next;
    }
    free(*self);
    *self = NULL;
}

void *kn_arena_alloc(kn_arena_t *self, size_t size)
{
    size_t need = (size + S_ALIGN - 1) & ~(S_ALIGN - 1);
    if (need < size)
        return NULL;
    s_chunk_t *c = self->head;
    if (c->size - c->used < need) {
        size_t csize = need > self->chunk_size ? need : self->chunk_size;
        s_chunk_t *n = s_chunk_new(csize);
        if (!n)
            return NULL;
        n->next = c;
        self->head = n;
        c = n;
    }
    void *p = (char *)c->data + c->used;
    c->used += need;
    self->total += need;
    return p;
}

void *kn_arena_calloc(kn_arena_t *self, size_t n, size_t size)
{
    if (size && n > SIZE_MAX / size)
        return NULL;
    void *p = kn_arena_alloc(self, n * size);
    if (p)
        memset(p, 0, n * size);
    return p;
}

char *kn_arena_strndup(kn_arena_t *self, const char *s, size_t len)
{
    char *p = kn_arena_alloc(self, len + 1);
    if (!p)
        return NULL;
    memcpy(p, s, len);
    p[len] = '\0';
    return p;
}

char *kn_arena_strdup(kn_arena_t *self, const char *s)
{
    return s ? kn_arena_strndup(self, s, strlen(s)) : NULL;
}

char *kn_arena_printf(kn_arena_t *self, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return NULL;
    char *p = kn_arena_alloc(self, (size_t)n + 1);
    if (!p)
        return NULL;
    va_start(ap, fmt);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return p;
}

void kn_arena_reset(kn_arena_t *self)
{
    s_chunk_t *c = self->head;
    /* Keep the oldest chunk (the default-sized one); free the rest. */
    while (c->next) {
        s_chunk_t *next = c->next;
        free(c);
        c = next;
    }
    c->used = 0;
    self->head = c;
    self->total = 0;
}

size_t kn_arena_used(const kn_arena_t *self)
{
    return self->total;
}
