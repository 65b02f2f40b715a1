/* libFuzzer target for the customs reader (adapters/customs.c) and the safe
 * XML loader under it.  Seeds: fuzz/corpus/customs (the samples, the refused
 * samples and the test data).  Besides "no crash, no leak, no UB" it checks the
 * reader's contract: success hands out complete events, failure hands out
 * none and names a reason. */
#include "customs.h"
#include "xmlsafe.h"

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static kn_arena_t *s_arena;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    kn_xmlsafe_init();
    s_arena = kn_arena_new(64 * 1024);
    if (!s_arena)
        abort();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    kn_event_list_t out = {0};
    kn_error_t err = {0};
    kn_inmsg_t in = {
        .party = "fuzz",
        .role = KN_ROLE_CUSTOMS,
        .format = "customs-xml",
        .content_type = "application/xml",
        .data = data,
        .len = size,
    };

    int rc = kn_customs_read(&in, s_arena, &out, &err);
    if (rc == 0) {
        size_t n = 0;
        for (const kn_event_t *ev = out.head; ev; ev = ev->next, n++) {
            if (!ev->code || !ev->message_kind || !ev->message_ref || !ev->event_datetime ||
                !ev->position || !ev->document_type_code)
                abort();
            if (!ev->next && ev != out.tail)
                abort();
        }
        if (n == 0 || n != out.count)
            abort();
    } else {
        if (rc > 0 || err.code != rc || !err.message[0] || out.head || out.count)
            abort();
    }
    kn_arena_reset(s_arena);
    return 0;
}
