/* kouan — the monotonic clock, for timeouts and backoff (never for dates). */
#ifndef KN_CLOCK_H
#define KN_CLOCK_H

#include <stdint.h>

/* Milliseconds on CLOCK_MONOTONIC. */
int64_t kn_clock_ms(void);

#endif
