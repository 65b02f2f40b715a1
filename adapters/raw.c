#include "raw.h"

int kn_raw_read(const kn_inmsg_t *in, kn_arena_t *arena, kn_event_list_t *out, kn_error_t *err)
{
    (void)arena;
    (void)out;
    if (in->len == 0)
        return kn_error_set(err, KN_EPARSE, "", "%s: message is empty", in->format);
    return 0;
}
