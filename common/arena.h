/* kouan — arena: per-batch scratch memory.
 *
 * The broker loop allocates everything a message needs while it is processed
 * (parsed segments, canonical events, strings) from one arena and resets it
 * after the batch is committed, so parsers never free piece by piece and cannot
 * leak on an error path (PostgreSQL's MessageContext, nginx pools).
 */
#ifndef KN_ARENA_H
#define KN_ARENA_H

#include <stddef.h>

typedef struct kn_arena kn_arena_t;

/* New arena whose chunks are at least chunk_size bytes; NULL on no memory. */
kn_arena_t *kn_arena_new(size_t chunk_size);

/* Free the arena and everything allocated from it; sets *self to NULL. */
void kn_arena_destroy(kn_arena_t **self);

/* size bytes aligned for any type, or NULL on no memory.  Never freed alone. */
void *kn_arena_alloc(kn_arena_t *self, size_t size);

/* Zero-filled n*size bytes, NULL on overflow or no memory. */
void *kn_arena_calloc(kn_arena_t *self, size_t n, size_t size);

/* Copy of the first len bytes of s, NUL-terminated; NULL on no memory. */
char *kn_arena_strndup(kn_arena_t *self, const char *s, size_t len);

/* Copy of NUL-terminated s (NULL stays NULL). */
char *kn_arena_strdup(kn_arena_t *self, const char *s);

/* printf into arena memory; NULL on no memory. */
char *kn_arena_printf(kn_arena_t *self, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Forget every allocation; keeps the first chunk for reuse. */
void kn_arena_reset(kn_arena_t *self);

/* Bytes handed out since the last reset (for limits and metrics). */
size_t kn_arena_used(const kn_arena_t *self);

#endif
