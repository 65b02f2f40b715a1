/* libFuzzer target for the terminal reader: EDIFACT syntax (edifact.c) and the
 * COARRI / CODECO / BERMAN mapping (terminal.c) on arbitrary bytes.
 *
 * Seed corpus: fuzz/corpus/edifact/.  Run e.g.
 *   ./fuzz_edifact -max_total_time=60 fuzz/corpus/edifact
 * Every input gets a fresh arena, so a leak or an overrun shows at once.
 * Besides "no crash, no leak, no UB" it checks the reader's contract: success
 * hands out complete events, failure hands out none and names a reason. */
#include "terminal.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    kn_arena_t *arena = kn_arena_new(16 * 1024);
    kn_event_list_t events = {0};
    kn_error_t err;
    kn_inmsg_t in = {.party = "fuzz",
                     .role = KN_ROLE_TERMINAL,
                     .format = "edifact",
                     .content_type = "application/edifact",
                     .data = data,
                     .len = size};

    if (!arena)
        return 0;
    memset(&err, 0, sizeof err);
    int rc = kn_terminal_read(&in, arena, &events, &err);
    if (rc == 0) {
        /* Touch what a caller would read, so a dangling pointer shows. */
        size_t n = 0;
        for (const kn_event_t *ev = events.head; ev; ev = ev->next, n++) {
            if (ev->position)
                (void)strlen(ev->position);
            if (ev->equipment_reference)
                (void)strlen(ev->equipment_reference);
            if (ev->event_datetime)
                (void)strlen(ev->event_datetime);
            for (const kn_warning_t *w = ev->warnings; w; w = w->next)
                (void)strlen(w->text);
        }
        if (n != events.count)
            __builtin_trap();
    } else if (err.code != rc || err.message[0] == '\0' || events.head || events.count) {
        __builtin_trap(); /* a failure hands out no events and says why */
    }
    kn_arena_destroy(&arena);
    return 0;
}
