#include "bloom.h"

#include <stdint.h>
#include <stdlib.h>

/* 10 bits and 7 probes per expected key: ~0.8% false positives at capacity. */
#define S_BITS_PER_KEY 10
#define S_PROBES 7

struct kn_bloom {
    uint64_t *words;
    uint64_t nbits; /* a power of two */
    size_t count;
};

kn_bloom_t *kn_bloom_new(size_t expected)
{
    if (expected < 1024)
        expected = 1024;
    uint64_t nbits = 64;
    while (nbits < (uint64_t)expected * S_BITS_PER_KEY)
        nbits <<= 1;
    kn_bloom_t *self = calloc(1, sizeof *self);
    if (!self)
        return NULL;
    if (!(self->words = calloc((size_t)(nbits / 64), sizeof *self->words))) {
        free(self);
        return NULL;
    }
    self->nbits = nbits;
    return self;
}

void kn_bloom_destroy(kn_bloom_t **self)
{
    if (!self || !*self)
        return;
    free((*self)->words);
    free(*self);
    *self = NULL;
}

/* Two independent 64-bit hashes (FNV-1a and a multiply-xorshift of it with a
 * different seed); probe i is h1 + i*h2 (Kirsch and Mitzenmacher). */
static void s_hash(const char *key, size_t len, uint64_t *h1, uint64_t *h2)
{
    uint64_t a = 1469598103934665603ULL, b = 0x9E3779B97F4A7C15ULL;
    for (size_t i = 0; i < len; i++) {
        a = (a ^ (unsigned char)key[i]) * 1099511628211ULL;
        b = (b ^ (unsigned char)key[i]) * 0xBF58476D1CE4E5B9ULL;
        b ^= b >> 31;
    }
    *h1 = a;
    *h2 = b | 1; /* odd: the probes cover the whole table */
}

void kn_bloom_add(kn_bloom_t *self, const char *key, size_t len)
{
    uint64_t h1, h2;
    s_hash(key, len, &h1, &h2);
    for (int i = 0; i < S_PROBES; i++) {
        uint64_t bit = (h1 + (uint64_t)i * h2) & (self->nbits - 1);
        self->words[bit / 64] |= 1ULL << (bit % 64);
    }
    self->count++;
}

bool kn_bloom_maybe(const kn_bloom_t *self, const char *key, size_t len)
{
    uint64_t h1, h2;
    s_hash(key, len, &h1, &h2);
    for (int i = 0; i < S_PROBES; i++) {
        uint64_t bit = (h1 + (uint64_t)i * h2) & (self->nbits - 1);
        if (!(self->words[bit / 64] & (1ULL << (bit % 64))))
            return false;
    }
    return true;
}

size_t kn_bloom_count(const kn_bloom_t *self)
{
    return self->count;
}

size_t kn_bloom_bytes(const kn_bloom_t *self)
{
    return (size_t)(self->nbits / 8);
}
