/* libFuzzer target for the wire decoder: the input is cut into frames at
 * each 0x00 byte (at most KN_WIRE_MAX_FRAMES) and decoded; a decoded message's
 * frames must lie inside the input.  Seeds: fuzz/corpus/wire. */
#include "wire.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void s_inside(const kn_frame_t *f, const uint8_t *data, size_t size)
{
    if (f->data &&
        ((const uint8_t *)f->data < data || (const uint8_t *)f->data + f->len > data + size))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    kn_frame_t frames[KN_WIRE_MAX_FRAMES];
    size_t n = 0, start = 0;
    for (size_t i = 0; i <= size && n < KN_WIRE_MAX_FRAMES; i++)
        if (i == size || data[i] == 0) {
            frames[n].data = data + start;
            frames[n].len = i - start;
            n++;
            start = i + 1;
        }
    kn_wire_t w;
    kn_error_t err;
    if (kn_wire_decode(frames, n, &w, &err) == 0) {
        s_inside(&w.id, data, size);
        s_inside(&w.content_type, data, size);
        s_inside(&w.payload, data, size);
        s_inside(&w.code, data, size);
        s_inside(&w.reason, data, size);
    } else if (!err.message[0])
        abort(); /* a refusal always says why */
    return 0;
}
