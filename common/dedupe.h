/* kouan — dedupe keys.
 *
 * A message is identified by (party, party message id): a re-sent id from the
 * same party is acknowledged again and applied once.  This set finds repeats
 * inside one batch before it reaches the database (where the unique key of
 * inbound catches repeats across batches) and matches the rows an INSERT ...
 * RETURNING gave back to the batch.  Memory comes from the batch arena.
 */
#ifndef KN_DEDUPE_H
#define KN_DEDUPE_H

#include "arena.h"

#include <stddef.h>
#include <stdint.h>

typedef struct kn_dedupe kn_dedupe_t;

/* A set sized for up to capacity keys, in arena; NULL on no memory. */
kn_dedupe_t *kn_dedupe_new(kn_arena_t *arena, size_t capacity);

/* Add (party, id) with value; if the key is already there, returns the value it
 * was added with and adds nothing; otherwise returns -1.  Asserts that no more
 * than capacity keys are added. */
int64_t kn_dedupe_add(kn_dedupe_t *self, const char *party, const char *id, size_t id_len,
                      int64_t value);

/* The value stored for (party, id), or -1. */
int64_t kn_dedupe_find(const kn_dedupe_t *self, const char *party, const char *id, size_t id_len);

#endif
