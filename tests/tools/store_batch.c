/* kn_store_batch — drives broker/store.c against a real PostgreSQL for
 * integration.store: batches whose outcome depends on how the one batch
 * statement is executed.  Prints "ok - ..." per check; exits 1 at the first
 * failure.  usage: kn_store_batch CONNINFO
 */
#include "arena.h"
#include "err.h"
#include "event.h"
#include "store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int s_failed;

static void s_check(int ok, const char *what, const char *detail)
{
    if (ok) {
        printf("ok - %s\n", what);
        return;
    }
    printf("FAIL: %s%s%s\n", what, detail && *detail ? ": " : "", detail ? detail : "");
    s_failed = 1;
}

/* An accepted message carrying one discharge of box at time. */
static kn_inbound_t s_message(kn_arena_t *a, const char *id, const char *box, const char *time)
{
    kn_event_list_t *list = kn_arena_calloc(a, 1, sizeof *list);
    kn_event_t *ev = list ? kn_event_append(list, a, KN_EVENT_EQUIPMENT, "DISC") : NULL;
    if (!ev) {
        fprintf(stderr, "kn_store_batch: out of memory\n");
        exit(2);
    }
    ev->classifier = KN_CLASS_ACT;
    ev->event_datetime = time;
    ev->equipment_reference = box;
    ev->message_kind = "COARRI";
    return (kn_inbound_t){.party = "xhct",
                          .msg_id = id,
                          .content_type = "application/edifact",
                          .payload = "UNB+...'",
                          .payload_len = 8,
                          .status = KN_INBOUND_ACCEPTED,
                          .events = 1,
                          .event_list = list};
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: kn_store_batch CONNINFO\n");
        return 2;
    }
    char why[1024] = "";
    kn_store_t *store = kn_store_new(argv[1]);
    kn_arena_t *a = kn_arena_new(1 << 16);
    if (!store || !a || kn_store_connect(store, why, sizeof why) != 0) {
        fprintf(stderr, "kn_store_batch: %s\n", why);
        return 2;
    }

    /* m1 stored on its own */
    kn_inbound_t first = s_message(a, "m1", "MSCU5510221", "2026-11-22T08:00:00+08:00");
    int rc = kn_store_write(store, &first, 1, a, why, sizeof why);
    s_check(rc == 0 && !first.duplicate, "a message is stored", why);

    /* m1 again, now with an event PostgreSQL refuses (its time), beside m2
     * and the rules' rows: the repeat must be what fails the batch first —
     * the broker then answers m1 from what was stored and writes m2 and the
     * rules' rows — not the resent message's bad event, which would send the
     * whole batch down the one-by-one path without its rules' rows. */
    kn_inbound_t batch[2] = {s_message(a, "m1", "MSCU5510221", "not a time"),
                             s_message(a, "m2", "COSU6123451", "2026-11-22T08:05:00+08:00")};
    kn_decision_row_t decision = {"COSU6123451", "xhct", "m2",   "diversion",
                                  "imp_late",    "{}",   "YARD", "not declared before arrival",
                                  "SEND",        NULL,   NULL};
    kn_visit_row_t visit = {"COSU6123451", "import", "DISCHARGED", "YARD", NULL, NULL, NULL, false};
    kn_outbox_row_t note = {"status-test-1", "miniprogram", "miniprogram:COSU6123451", "status",
                            "{}"};
    kn_store_extra_t extra = {.decisions = &decision,
                              .ndecisions = 1,
                              .visits = &visit,
                              .nvisits = 1,
                              .outbox = &note,
                              .noutbox = 1};
    why[0] = '\0';
    rc = kn_store_begin(store, batch, 2, &extra, a, why, sizeof why);
    if (rc == 0)
        rc = kn_store_finish(store, true, why, sizeof why);
    s_check(rc == 0, "a batch with a resent message and a refused event commits", why);
    s_check(batch[0].duplicate, "the resent message is found stored", NULL);
    s_check(batch[0].status == KN_INBOUND_ACCEPTED && batch[0].events == 1,
            "and answered with its stored outcome", NULL);
    s_check(!batch[1].duplicate, "the new message is not a repeat", NULL);

    /* a batch of one refused message: no events, no rules' rows (every part
     * of the statement but the journal empty) */
    kn_inbound_t refused = {.party = "xhct",
                            .msg_id = "m3",
                            .content_type = "application/edifact",
                            .payload = "garbage",
                            .payload_len = 7,
                            .status = KN_INBOUND_REJECTED,
                            .error_code = "PARSE",
                            .reason = "segment 1: not EDIFACT"};
    why[0] = '\0';
    rc = kn_store_write(store, &refused, 1, a, why, sizeof why);
    s_check(rc == 0, "a refused message alone is stored", why);

    kn_store_destroy(&store);
    kn_arena_destroy(&a);
    return s_failed;
}
