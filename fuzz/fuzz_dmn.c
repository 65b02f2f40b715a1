/* libFuzzer target for the DMN loader (rules/dmn.c) and S-FEEL (rules/feel.c).
 *
 * Each input is loaded as a DMN file from memory; when it compiles, every
 * table is evaluated once with all inputs null and every output read back.
 * The same bytes are also compiled as one input entry and one output entry,
 * so that FEEL mutations need not survive the XML around them.
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -Icommon -Irules \
 *       common/err.c common/arena.c common/log.c rules/dmn.c rules/feel.c \
 *       fuzz/fuzz_dmn.c $(pkg-config --cflags --libs libxml-2.0) -lm -o fuzz_dmn
 *   ./fuzz_dmn fuzz/corpus/dmn
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "arena.h"
#include "dmn.h"
#include "feel.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void s_eval_all(const kn_dmn_t *dmn)
{
    for (size_t i = 0; i < kn_dmn_table_count(dmn); i++) {
        const kn_dmn_table_t *t = kn_dmn_table_at(dmn, i);
        size_t n = kn_dmn_input_count(t);
        kn_dmn_value_t *in = malloc((n ? n : 1) * sizeof *in);
        kn_dmn_result_t r;
        if (!in)
            return;
        for (size_t k = 0; k < n; k++)
            in[k] = kn_feel_null();
        kn_dmn_eval(t, in, &r);
        for (uint32_t row = 0; row < r.n_rows; row++) {
            for (size_t col = 0; col < kn_dmn_output_count(t); col++) {
                char buf[64];
                const kn_dmn_value_t *v = kn_dmn_result_value(&r, row, col);
                if (!v)
                    abort(); /* every row has every column */
                kn_feel_value_format(v, buf, sizeof buf);
            }
        }
        free(in);
    }
}

static void s_feel(const uint8_t *data, size_t size)
{
    kn_arena_t *arena = kn_arena_new(4096);
    kn_error_t err;
    const kn_feel_tests_t *tests;
    kn_feel_value_t v;
    if (!arena)
        return;
    if (kn_feel_tests_compile(arena, (const char *)data, size, &tests, &err) == 0) {
        const kn_feel_value_t probes[] = {
            kn_feel_null(),
            kn_feel_number(0),
            kn_feel_number(-7.5),
            kn_feel_string("hold"),
            kn_feel_bool(true),
            kn_feel_date(20779),
            kn_feel_datetime(1795334400000),
        };
        for (size_t i = 0; i < sizeof probes / sizeof probes[0]; i++)
            (void)kn_feel_tests_match(tests, &probes[i]);
    }
    if (kn_feel_literal_parse(arena, (const char *)data, size, &v, &err) == 0) {
        char buf[128];
        kn_feel_value_format(&v, buf, sizeof buf);
    }
    kn_arena_destroy(&arena);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    kn_error_t err;
    kn_dmn_t *dmn = kn_dmn_load_memory((const char *)data, size, "fuzz.dmn", &err);
    if (dmn)
        s_eval_all(dmn);
    kn_dmn_destroy(&dmn);
    if (size < 4096)
        s_feel(data, size);
    return 0;
}
