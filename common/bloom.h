/* kouan — a Bloom filter over strings.
 *
 * "Certainly not in the set" or "maybe": the broker asks it before going to
 * the database for a box it has never seen, so the first sight of a box costs
 * no query.  Sized for an expected number of keys at about 1% false
 * positives; more keys than that only raise the rate (each false positive
 * costs the query it would have cost anyway).
 */
#ifndef KN_BLOOM_H
#define KN_BLOOM_H

#include <stdbool.h>
#include <stddef.h>

typedef struct kn_bloom kn_bloom_t;

/* A filter for about expected keys (at least 1024); NULL on no memory. */
kn_bloom_t *kn_bloom_new(size_t expected);

void kn_bloom_destroy(kn_bloom_t **self);

void kn_bloom_add(kn_bloom_t *self, const char *key, size_t len);

/* false: key was never added.  true: it may have been. */
bool kn_bloom_maybe(const kn_bloom_t *self, const char *key, size_t len);

/* Keys added, and the filter's size in bytes. */
size_t kn_bloom_count(const kn_bloom_t *self);
size_t kn_bloom_bytes(const kn_bloom_t *self);

#endif
