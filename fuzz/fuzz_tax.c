/* libFuzzer target for the schema-validated readers: the tax bureau's
 * TaxPayment (adapters/tax.c) and, on the same input, kouan's VesselStatus
 * (adapters/vessel.c) — both go through the safe loader and a cached XSD.
 * Seeds: fuzz/corpus/tax (tax samples and test data, vessel-status test data).
 * The XSDs are built into the adapters library. */
#include "tax.h"
#include "vessel.h"
#include "xmlsafe.h"

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static kn_arena_t *s_arena;

/* The reader's contract: success hands out complete events, failure none. */
static void s_check(int rc, const kn_event_list_t *out, const kn_error_t *err)
{
    if (rc == 0) {
        size_t n = 0;
        for (const kn_event_t *ev = out->head; ev; ev = ev->next, n++)
            if (!ev->code || !ev->message_kind || !ev->message_ref || !ev->event_datetime ||
                !ev->position)
                abort();
        if (n == 0 || n != out->count)
            abort();
    } else if (rc > 0 || err->code != rc || !err->message[0] || out->head || out->count) {
        abort();
    }
}

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
    kn_inmsg_t in = {
        .party = "fuzz",
        .role = KN_ROLE_TAX,
        .format = "tax-xml",
        .content_type = "application/xml",
        .data = data,
        .len = size,
    };
    kn_event_list_t out = {0};
    kn_error_t err = {0};
    int rc = kn_tax_read(&in, s_arena, &out, &err);
    s_check(rc, &out, &err);
    if (rc == 0)
        for (const kn_event_t *ev = out.head; ev; ev = ev->next)
            if (!ev->tax_status || !ev->entry_id)
                abort();

    kn_event_list_t vout = {0};
    kn_error_t verr = {0};
    in.role = KN_ROLE_TERMINAL;
    in.format = "vessel-status";
    s_check(kn_vessel_read(&in, s_arena, &vout, &verr), &vout, &verr);

    kn_arena_reset(s_arena);
    return 0;
}
