/* kouan — the raw reader: keeps the bytes, yields no events.
 *
 * Registered for every format until that format's own reader exists (the
 * terminal, customs and tax readers replace it); the message is still stored in
 * inbound and acknowledged once committed. */
#ifndef KN_RAW_H
#define KN_RAW_H

#include "adapter.h"

/* Accepts any non-empty message; appends nothing to out. */
int kn_raw_read(const kn_inmsg_t *in, kn_arena_t *arena, kn_event_list_t *out, kn_error_t *err);

#endif
