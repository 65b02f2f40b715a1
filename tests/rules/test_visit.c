/* Tests for rules/visit.c: the container visit state machine, against the
 * example diversion table and the samples' vessel call (COSCO XIAMEN 118E). */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "arena.h"
#include "dmn.h"
#include "err.h"
#include "event.h"
#include "visit.h"

#ifndef KN_TEST_DATA_DIR
#error "KN_TEST_DATA_DIR must name tests/rules/data"
#endif

Suite *kn_test_visit_suite(void);

static kn_dmn_t *s_dmn;
static const kn_dmn_table_t *s_table;
static kn_arena_t *s_arena;
static kn_event_list_t s_list;

static void s_setup(void)
{
    kn_error_t err = {0};
    char text[1024];
    s_dmn = kn_dmn_load_file(KN_TEST_DATA_DIR "/diversion.dmn", &err);
    ck_assert_msg(s_dmn != NULL, "%s", kn_error_text(&err, text, sizeof text));
    s_table = kn_dmn_find(s_dmn, "importDiversion");
    ck_assert_ptr_nonnull(s_table);
    s_arena = kn_arena_new(4096);
    ck_assert_ptr_nonnull(s_arena);
    memset(&s_list, 0, sizeof s_list);
}

static void s_teardown(void)
{
    kn_dmn_destroy(&s_dmn);
    kn_arena_destroy(&s_arena);
}

/* --- events, built as the adapters build them --------------------------- */

static kn_event_t *s_event(kn_event_type_t type, const char *code, const char *when,
                           const char *ref)
{
    kn_event_t *ev = kn_event_append(&s_list, s_arena, type, code);
    ck_assert_ptr_nonnull(ev);
    ev->classifier = KN_CLASS_ACT;
    ev->event_datetime = when;
    ev->message_ref = ref;
    return ev;
}

static kn_event_t *s_customs(const char *code, const char *kind, const char *box, const char *bill,
                             const char *iso, const char *when, const char *ref)
{
    kn_event_t *ev = s_event(KN_EVENT_SHIPMENT, code, when, ref);
    ev->message_kind = kind;
    ev->document_type_code = "CUS";
    ev->equipment_reference = box;
    ev->transport_document_reference = bill;
    ev->iso_equipment_code = iso;
    ev->vessel_name = "COSCO XIAMEN";
    ev->voyage = "118E";
    ev->facility_code = "XHCT";
    return ev;
}

/* CLM10041: the box may be discharged. */
static kn_event_t *s_appr(const char *box, const char *bill, const char *iso)
{
    return s_customs("APPR", "CLM10041", box, bill, iso, "2026-11-22T03:10:00+08:00",
                     "37012611220001000041");
}

/* CLM10021: inspection order (exam) or, with exam NULL, a withdrawal. */
static kn_event_t *s_hold(const char *box, const char *bill, const char *exam, const char *when,
                          const char *ref)
{
    kn_event_t *ev = s_customs("HOLD", "CLM10021", box, bill, NULL, when, ref);
    ev->exam_type = exam;
    ev->entry_id = "370120261000123456";
    return ev;
}

static kn_event_t *s_withdraw(kn_event_t *ev)
{
    ev->function = KN_FUNC_WITHDRAW;
    return ev;
}

static kn_event_t *s_rels(const char *box, const char *bill, const char *when, const char *ref)
{
    return s_customs("RELS", "CLM10011", box, bill, NULL, when, ref);
}

static kn_event_t *s_tax(const char *code, const char *status, const char *bill, const char *when,
                         const char *ref)
{
    kn_event_t *ev = s_event(KN_EVENT_SHIPMENT, code, when, ref);
    ev->message_kind = "DUTY_PAID";
    ev->document_type_code = "TAX";
    ev->tax_status = status;
    ev->transport_document_reference = bill;
    ev->entry_id = "370120261000123456";
    return ev;
}

static kn_event_t *s_equip(const char *code, const char *box, const char *iso, const char *when,
                           const char *ref)
{
    kn_event_t *ev = s_event(KN_EVENT_EQUIPMENT, code, when, ref);
    ev->message_kind = !strcmp(code, "DISC") || !strcmp(code, "LOAD") ? "COARRI" : "CODECO";
    ev->equipment_reference = box;
    ev->iso_equipment_code = iso;
    ev->facility_code = "XHCT";
    return ev;
}

/* --- helpers ------------------------------------------------------------ */

static void s_apply(kn_visit_t *v, const kn_event_t *ev)
{
    int rc = kn_visit_apply(v, ev);
    ck_assert_msg(rc == 0, "apply %s: %s", ev->code, kn_strerror(rc));
}

/* Decide and, like the broker, record what was sent. */
static kn_visit_action_t s_decide(kn_visit_t *v, kn_visit_decision_t *d)
{
    kn_visit_action_t a = kn_visit_decide(v, s_table, d);
    ck_assert_int_eq(a, d->action);
    if (a == KN_VISIT_SEND || a == KN_VISIT_WITHDRAW)
        kn_visit_sent(v, d);
    return a;
}

static void s_expect(kn_visit_t *v, kn_visit_action_t action, const char *route,
                     kn_visit_phase_t phase)
{
    kn_visit_decision_t d;
    s_decide(v, &d);
    ck_assert_msg(d.action == action, "action %s, expected %s (%s)", kn_visit_action_name(d.action),
                  kn_visit_action_name(action), d.note);
    ck_assert_str_eq(d.route, route);
    ck_assert_msg(d.phase == phase, "phase %s, expected %s", kn_visit_phase_name(d.phase),
                  kn_visit_phase_name(phase));
}

static const char *s_input_str(const kn_visit_decision_t *d, size_t i)
{
    static char buf[64];
    const kn_dmn_value_t *val = &d->inputs[i].value;
    if (val->type == KN_FEEL_STRING)
        snprintf(buf, sizeof buf, "%.*s", (int)val->len, val->as.s);
    else if (val->type == KN_FEEL_BOOL)
        snprintf(buf, sizeof buf, "%s", val->as.b ? "true" : "false");
    else
        snprintf(buf, sizeof buf, "null");
    return buf;
}

/* --- the samples' vessel call ------------------------------------------- */

START_TEST(test_cosu_released_direct_pickup)
{
    kn_visit_t v;
    kn_visit_decision_t d;
    ck_assert_int_eq(kn_visit_init(&v, NULL), 0);
    s_apply(&v, s_appr("COSU6123451", "COSU8801234567", "45G1"));
    s_apply(&v, s_tax("APPR", "GUARANTEED", "COSU8801234567", "2026-11-22T05:01:03+08:00",
                      "TAX-3502-20261122-000319"));
    s_apply(&v, s_rels("COSU6123451", "COSU8801234567", "2026-11-22T05:42:10+08:00",
                       "37012611220001000011"));
    ck_assert_int_eq(kn_visit_direction(&v), KN_VISIT_IMPORT);
    ck_assert_int_eq(kn_visit_customs(&v), KN_VISIT_CUSTOMS_RELEASE);
    ck_assert_str_eq(kn_visit_tax_status(&v), "deferred");
    ck_assert(kn_visit_declared_before_arrival(&v));

    ck_assert_int_eq(s_decide(&v, &d), KN_VISIT_SEND);
    ck_assert_str_eq(d.route, "DIRECT_PICKUP");
    ck_assert_str_eq(d.rule_id, "r13");
    ck_assert_int_eq(d.phase, KN_VISIT_PLANNED);
    ck_assert(!d.supersedes);
    ck_assert_str_eq(d.reason, "declared before arrival, released and paid");
    ck_assert_str_eq(kn_visit_container(&v), "COSU6123451");
    ck_assert_str_eq(kn_visit_bill(&v), "COSU8801234567");
    ck_assert_str_eq(kn_visit_facility(&v), "XHCT");

    /* the discharge report changes nothing: the plan was sent before */
    s_apply(&v,
            s_equip("DISC", "COSU6123451", "45G1", "2026-11-22T08:12:00+08:00", "XHCT-DIS-0001"));
    s_expect(&v, KN_VISIT_NONE, "DIRECT_PICKUP", KN_VISIT_RELEASED);
    ck_assert(kn_visit_declared_before_arrival(&v));

    s_apply(&v,
            s_equip("GTOT", "COSU6123451", "45G1", "2026-11-22T09:07:00+08:00", "XHCT-GOUT-0003"));
    s_expect(&v, KN_VISIT_CLOSE, "DIRECT_PICKUP", KN_VISIT_CLOSED);
    ck_assert_uint_eq(kn_visit_instructions(&v), 1);
    kn_visit_milestones_t m = kn_visit_milestones(&v);
    ck_assert(m.discharged != KN_VISIT_NO_TIME && m.gated_out > m.discharged);
    ck_assert(m.inspected == KN_VISIT_NO_TIME);
}
END_TEST

START_TEST(test_csnu_scan_lane_then_pickup)
{
    kn_visit_t v;
    kn_visit_decision_t d;
    kn_visit_init(&v, "CSNU7041125");
    s_apply(&v, s_appr("CSNU7041125", "COSU8801234568", "22G1"));
    s_apply(&v, s_tax("CMPL", "PAID", "COSU8801234568", "2026-11-22T04:54:40+08:00",
                      "TAX-3502-20261122-000318"));
    s_apply(&v, s_hold("CSNU7041125", "COSU8801234568", "H986", "2026-11-22T05:40:55+08:00",
                       "37012611220001000021"));
    ck_assert_int_eq(s_decide(&v, &d), KN_VISIT_SEND);
    ck_assert_str_eq(d.route, "SCAN_LANE");
    ck_assert_str_eq(d.rule_id, "r6");
    ck_assert_str_eq(d.exam_type, "H986");
    ck_assert_str_eq(d.inputs[2].name, "customsInstruction");
    ck_assert_str_eq(s_input_str(&d, 2), "inspect");
    ck_assert_str_eq(s_input_str(&d, 3), "scan");
    ck_assert_str_eq(s_input_str(&d, 4), "paid");

    s_apply(&v,
            s_equip("DISC", "CSNU7041125", "22G1", "2026-11-22T08:15:00+08:00", "XHCT-DIS-0001"));
    s_expect(&v, KN_VISIT_NONE, "SCAN_LANE", KN_VISIT_AT_INSPECTION);
    s_apply(&v,
            s_equip("INSP", "CSNU7041125", "22G1", "2026-11-22T10:00:00+08:00", "XHCT-INSP-0001"));
    /* inspected, release awaited: the box stays where it was inspected */
    s_expect(&v, KN_VISIT_NONE, "SCAN_LANE", KN_VISIT_INSPECTED);
    s_apply(&v, s_rels("CSNU7041125", "COSU8801234568", "2026-11-22T11:00:00+08:00",
                       "37012611220001000012"));
    ck_assert_int_eq(s_decide(&v, &d), KN_VISIT_SEND);
    ck_assert_str_eq(d.route, "DIRECT_PICKUP");
    ck_assert(d.supersedes);
    ck_assert_str_eq(d.previous_route, "SCAN_LANE");
    ck_assert_int_eq(d.phase, KN_VISIT_RELEASED);
    s_apply(&v,
            s_equip("GTOT", "CSNU7041125", "22G1", "2026-11-22T13:42:00+08:00", "XHCT-GOUT-0004"));
    s_expect(&v, KN_VISIT_CLOSE, "DIRECT_PICKUP", KN_VISIT_CLOSED);
    ck_assert_uint_eq(kn_visit_instructions(&v), 2);
}
END_TEST

START_TEST(test_oolu_reefer_manual_inspection)
{
    kn_visit_t v;
    kn_visit_decision_t d;
    kn_visit_init(&v, NULL);
    s_apply(&v, s_appr("OOLU8890211", "COSU8801234569", "45R1"));
    s_apply(&v, s_hold("OOLU8890211", "COSU8801234569", "MANUAL", "2026-11-22T05:41:30+08:00",
                       "37012611220001000022"));
    ck_assert(kn_visit_reefer(&v));
    ck_assert_ptr_null(kn_visit_tax_status(&v));
    ck_assert_int_eq(s_decide(&v, &d), KN_VISIT_SEND);
    ck_assert_str_eq(d.route, "INSPECTION_AREA");
    ck_assert_str_eq(d.rule_id, "r4");
    ck_assert_str_eq(d.exam_type, "MANUAL");
    ck_assert_str_eq(s_input_str(&d, 3), "physical");
    ck_assert_str_eq(s_input_str(&d, 4), "null");
    ck_assert_str_eq(s_input_str(&d, 6), "true");
    s_apply(&v,
            s_equip("DISC", "OOLU8890211", "45R1", "2026-11-22T08:19:00+08:00", "XHCT-DIS-0001"));
    s_expect(&v, KN_VISIT_NONE, "INSPECTION_AREA", KN_VISIT_AT_INSPECTION);
}
END_TEST

START_TEST(test_export_routes_at_gate_in)
{
    kn_visit_t v;
    kn_visit_decision_t d;
    kn_visit_init(&v, NULL);
    kn_event_t *gtin =
        s_equip("GTIN", "TGHU3007773", "42G1", "2026-11-22T09:28:00+08:00", "XHCT-GIN-0002");
    gtin->carrier_booking_reference = "XMN26110057";
    gtin->truck_plate = "MIN D12345";
    s_apply(&v, gtin);
    ck_assert_int_eq(kn_visit_direction(&v), KN_VISIT_EXPORT);
    ck_assert_str_eq(kn_visit_booking(&v), "XMN26110057");
    ck_assert_int_eq(s_decide(&v, &d), KN_VISIT_SEND);
    ck_assert_str_eq(d.route, "LOADING_STACK");
    ck_assert_str_eq(d.rule_id, "r1");
    ck_assert_int_eq(d.phase, KN_VISIT_AT_GATE);
    s_expect(&v, KN_VISIT_NONE, "LOADING_STACK", KN_VISIT_AT_GATE);
    s_apply(&v,
            s_equip("LOAD", "TGHU3007773", "42G1", "2026-11-23T02:00:00+08:00", "XHCT-LOA-0001"));
    s_expect(&v, KN_VISIT_CLOSE, "LOADING_STACK", KN_VISIT_CLOSED);
}
END_TEST

/* --- order independence -------------------------------------------------- */

/* Next permutation of idx[0..n) in lexicographic order; false after the last. */
static bool s_next_permutation(size_t *idx, size_t n)
{
    size_t i = n - 1;
    while (i > 0 && idx[i - 1] >= idx[i])
        i--;
    if (i == 0)
        return false;
    size_t j = n - 1;
    while (idx[j] <= idx[i - 1])
        j--;
    size_t t = idx[i - 1];
    idx[i - 1] = idx[j];
    idx[j] = t;
    for (size_t a = i, b = n - 1; a < b; a++, b--) {
        t = idx[a];
        idx[a] = idx[b];
        idx[b] = t;
    }
    return true;
}

/* Replay events in every order, deciding after each as the broker does;
 * every order must end in the same phase, inputs, route and route in force.
 * Returns the number of orders tried. */
static size_t s_every_order(kn_event_t **events, size_t n, kn_visit_phase_t phase,
                            const char *route, kn_visit_customs_t customs)
{
    size_t idx[8], orders = 0;
    kn_visit_decision_t first;
    ck_assert_uint_le(n, 8);
    for (size_t i = 0; i < n; i++)
        idx[i] = i;
    do {
        kn_visit_t v;
        kn_visit_decision_t d;
        kn_visit_init(&v, NULL);
        for (size_t i = 0; i < n; i++) {
            s_apply(&v, events[idx[i]]);
            s_decide(&v, &d);
        }
        s_decide(&v, &d); /* once more: what was due has been sent */
        ck_assert_msg(d.phase == phase, "order %zu: phase %s", orders,
                      kn_visit_phase_name(d.phase));
        ck_assert_str_eq(d.route, route);
        ck_assert_str_eq(kn_visit_route(&v), route);
        ck_assert_int_eq(kn_visit_customs(&v), customs);
        ck_assert_ptr_nonnull(kn_visit_sent_route(&v));
        ck_assert_str_eq(kn_visit_sent_route(&v), route);
        ck_assert_int_eq(d.action, KN_VISIT_NONE); /* the last decision was sent already */
        if (orders == 0)
            first = d;
        for (size_t i = 0; i < KN_VISIT_INPUT_COUNT; i++) {
            char a[64];
            snprintf(a, sizeof a, "%s", s_input_str(&first, i));
            ck_assert_str_eq(s_input_str(&d, i), a);
        }
        ck_assert_str_eq(d.rule_id, first.rule_id);
        orders++;
    } while (s_next_permutation(idx, n));
    return orders;
}

START_TEST(test_every_order_inspection_release)
{
    kn_event_t *events[] = {
        s_appr("CSNU7041125", "COSU8801234568", "22G1"),
        s_tax("CMPL", "PAID", "COSU8801234568", "2026-11-22T04:54:40+08:00",
              "TAX-3502-20261122-000318"),
        s_hold("CSNU7041125", "COSU8801234568", "H986", "2026-11-22T05:40:55+08:00",
               "37012611220001000021"),
        s_equip("DISC", "CSNU7041125", "22G1", "2026-11-22T08:15:00+08:00", "XHCT-DIS-0001"),
        s_equip("INSP", "CSNU7041125", "22G1", "2026-11-22T10:00:00+08:00", "XHCT-INSP-0001"),
        s_rels("CSNU7041125", "COSU8801234568", "2026-11-22T11:00:00+08:00",
               "37012611220001000012"),
    };
    size_t orders =
        s_every_order(events, 6, KN_VISIT_RELEASED, "DIRECT_PICKUP", KN_VISIT_CUSTOMS_RELEASE);
    ck_assert_uint_eq(orders, 720);
}
END_TEST

START_TEST(test_every_order_withdrawn_inspection)
{
    /* the inspection order is withdrawn (its own MESSAGE_ID, naming the box) */
    kn_event_t *events[] = {
        s_appr("CSNU7041125", "COSU8801234568", "22G1"),
        s_hold("CSNU7041125", "COSU8801234568", "H986", "2026-11-22T05:40:55+08:00",
               "37012611220001000021"),
        s_withdraw(s_hold("CSNU7041125", "COSU8801234568", NULL, "2026-11-22T06:02:17+08:00",
                          "37012611220001000023")),
        s_tax("CMPL", "PAID", "COSU8801234568", "2026-11-22T04:54:40+08:00",
              "TAX-3502-20261122-000318"),
        s_equip("DISC", "CSNU7041125", "22G1", "2026-11-22T08:15:00+08:00", "XHCT-DIS-0001"),
    };
    size_t orders = s_every_order(events, 5, KN_VISIT_DISCHARGED, "YARD", KN_VISIT_CUSTOMS_NONE);
    ck_assert_uint_eq(orders, 120);

    kn_event_t *with_release[] = {
        events[0],
        events[1],
        events[2],
        events[3],
        events[4],
        s_rels("CSNU7041125", "COSU8801234568", "2026-11-22T06:30:00+08:00",
               "37012611220001000013"),
        s_equip("GTOT", "CSNU7041125", "22G1", "2026-11-22T13:42:00+08:00", "XHCT-GOUT-0004"),
    };
    /* closed: the last decision is CLOSE, so check the state directly */
    size_t idx[7] = {0, 1, 2, 3, 4, 5, 6};
    orders = 0;
    do {
        kn_visit_t v;
        kn_visit_decision_t d;
        kn_visit_init(&v, NULL);
        for (size_t i = 0; i < 7; i++) {
            s_apply(&v, with_release[idx[i]]);
            s_decide(&v, &d);
        }
        ck_assert_int_eq(d.action, KN_VISIT_CLOSE);
        ck_assert_int_eq(kn_visit_phase(&v), KN_VISIT_CLOSED);
        ck_assert_int_eq(kn_visit_customs(&v), KN_VISIT_CUSTOMS_RELEASE);
        orders++;
    } while (s_next_permutation(idx, 7));
    ck_assert_uint_eq(orders, 5040);
}
END_TEST

/* --- withdrawals, duplicates, re-plans ---------------------------------- */

START_TEST(test_withdraw_before_add)
{
    kn_visit_t v;
    kn_visit_init(&v, NULL);
    s_apply(&v, s_appr("CSNU7041125", "COSU8801234568", "22G1"));

    /* same message reference: exactly that fact, whenever it arrives */
    s_apply(&v, s_withdraw(s_hold("CSNU7041125", "COSU8801234568", NULL,
                                  "2026-11-22T05:00:00+08:00", "MSG-A")));
    s_apply(&v,
            s_hold("CSNU7041125", "COSU8801234568", "H986", "2026-11-22T05:40:55+08:00", "MSG-A"));
    ck_assert_int_eq(kn_visit_customs(&v), KN_VISIT_CUSTOMS_NONE);

    /* a withdrawal naming the box, dated after the order it arrives before */
    s_apply(&v, s_withdraw(s_hold("CSNU7041125", "COSU8801234568", NULL,
                                  "2026-11-22T06:02:17+08:00", "37012611220001000023")));
    s_apply(&v, s_hold("CSNU7041125", "COSU8801234568", "MANUAL", "2026-11-22T05:41:00+08:00",
                       "37012611220001000021"));
    ck_assert_int_eq(kn_visit_customs(&v), KN_VISIT_CUSTOMS_NONE);
    ck_assert_str_eq(kn_visit_exam_type(&v), "none");

    /* customs orders again after the withdrawal: it stands */
    s_apply(&v, s_hold("CSNU7041125", "COSU8801234568", "H986", "2026-11-22T07:00:00+08:00",
                       "37012611220001000024"));
    ck_assert_int_eq(kn_visit_customs(&v), KN_VISIT_CUSTOMS_INSPECT);
    ck_assert_str_eq(kn_visit_exam_type(&v), "scan");

    /* a withdrawn release does not release */
    kn_visit_t w;
    kn_visit_init(&w, NULL);
    s_apply(&w, s_withdraw(s_rels("COSU6123451", NULL, "2026-11-22T06:00:00+08:00", "R-2")));
    s_apply(&w, s_rels("COSU6123451", "COSU8801234567", "2026-11-22T05:42:10+08:00", "R-1"));
    ck_assert_int_eq(kn_visit_customs(&w), KN_VISIT_CUSTOMS_NONE);
}
END_TEST

START_TEST(test_duplicate_is_idempotent)
{
    kn_visit_t v, once;
    kn_visit_decision_t d;
    kn_event_t *events[] = {
        s_appr("COSU6123451", "COSU8801234567", "45G1"),
        s_tax("APPR", "GUARANTEED", "COSU8801234567", "2026-11-22T05:01:03+08:00",
              "TAX-3502-20261122-000319"),
        s_rels("COSU6123451", "COSU8801234567", "2026-11-22T05:42:10+08:00",
               "37012611220001000011"),
    };
    kn_visit_init(&v, NULL);
    kn_visit_init(&once, NULL);
    for (size_t i = 0; i < 3; i++)
        s_apply(&once, events[i]);
    for (int round = 0; round < 50; round++) /* more than KN_VISIT_MAX_FACTS */
        for (size_t i = 0; i < 3; i++)
            s_apply(&v, events[i]);
    ck_assert_int_eq(memcmp(&v, &once, sizeof v), 0);
    ck_assert_int_eq(s_decide(&v, &d), KN_VISIT_SEND);
    s_apply(&v, events[2]);
    ck_assert_int_eq(s_decide(&v, &d), KN_VISIT_NONE);
    ck_assert_uint_eq(kn_visit_instructions(&v), 1);
}
END_TEST

START_TEST(test_replan_only_when_route_changes)
{
    kn_visit_t v;
    kn_visit_decision_t d;
    kn_visit_init(&v, NULL);
    s_apply(&v, s_appr("COSU6123451", "COSU8801234567", "45G1"));
    /* manifested, nothing declared yet: planned to the yard */
    ck_assert_int_eq(s_decide(&v, &d), KN_VISIT_SEND);
    ck_assert_str_eq(d.route, "YARD");
    ck_assert_str_eq(d.rule_id, "r9");
    ck_assert_str_eq(d.note, "first plan");

    /* duty paid: declared now, still no instruction: same route for another
     * reason, sent again so that the terminal and the agent know why */
    s_apply(&v, s_tax("CMPL", "PAID", "COSU8801234567", "2026-11-22T04:54:40+08:00", "T-1"));
    ck_assert_int_eq(s_decide(&v, &d), KN_VISIT_SEND);
    ck_assert_str_eq(d.route, "YARD");
    ck_assert_str_eq(d.rule_id, "r10");
    ck_assert(d.supersedes);
    ck_assert_str_eq(d.note, "reason changed: the instruction is sent again with the new reason");
    ck_assert_int_eq(s_decide(&v, &d), KN_VISIT_NONE); /* told once */
    ck_assert_str_eq(d.note, "route unchanged");

    /* released: a new instruction supersedes the first */
    s_apply(&v, s_rels("COSU6123451", "COSU8801234567", "2026-11-22T05:42:10+08:00", "R-1"));
    ck_assert_int_eq(s_decide(&v, &d), KN_VISIT_SEND);
    ck_assert_str_eq(d.route, "DIRECT_PICKUP");
    ck_assert(d.supersedes);
    ck_assert_str_eq(d.previous_route, "YARD");

    /* a second payment notice: no change, nothing sent */
    s_apply(&v, s_tax("CMPL", "PAID", "COSU8801234567", "2026-11-22T06:00:00+08:00", "T-2"));
    ck_assert_int_eq(s_decide(&v, &d), KN_VISIT_NONE);

    /* refused payment, then paid again */
    s_apply(&v, s_tax("REJE", "REFUSED", "COSU8801234567", "2026-11-22T06:30:00+08:00", "T-3"));
    ck_assert_int_eq(s_decide(&v, &d), KN_VISIT_SEND);
    ck_assert_str_eq(d.route, "YARD");
    ck_assert_str_eq(d.rule_id, "r8");
    s_apply(&v, s_tax("CMPL", "PAID", "COSU8801234567", "2026-11-22T07:00:00+08:00", "T-4"));
    ck_assert_int_eq(s_decide(&v, &d), KN_VISIT_SEND);
    ck_assert_str_eq(d.route, "DIRECT_PICKUP");
    ck_assert_uint_eq(kn_visit_instructions(&v), 5);
}
END_TEST

START_TEST(test_discharge_without_plan_decides_at_once)
{
    kn_visit_t v;
    kn_visit_decision_t d;
    kn_visit_init(&v, NULL);
    /* a release dated after the discharge: not declared before arrival */
    s_apply(&v, s_rels("COSU6123451", "COSU8801234567", "2026-11-22T09:00:00+08:00", "R-1"));
    ck_assert_int_eq(s_decide(&v, &d), KN_VISIT_NONE);
    ck_assert_str_eq(d.note, "direction not known yet");
    s_apply(&v,
            s_equip("DISC", "COSU6123451", "45G1", "2026-11-22T08:12:00+08:00", "XHCT-DIS-0001"));
    ck_assert_int_eq(s_decide(&v, &d), KN_VISIT_SEND);
    ck_assert_str_eq(d.note, "discharged with no plan: decided at once");
    ck_assert_str_eq(d.route, "YARD");
    ck_assert_str_eq(d.rule_id, "r9");
    ck_assert(!kn_visit_declared_before_arrival(&v));
    ck_assert_int_eq(d.phase, KN_VISIT_RELEASED);
}
END_TEST

START_TEST(test_berthing_plan_triggers)
{
    kn_visit_t v;
    kn_visit_decision_t d;
    kn_visit_init(&v, NULL);
    kn_event_t *arri = s_event(KN_EVENT_TRANSPORT, "ARRI", "2026-11-22T06:00:00+08:00", "BERMAN-1");
    arri->classifier = KN_CLASS_PLN;
    s_apply(&v, arri);
    ck_assert_int_eq(kn_visit_phase(&v), KN_VISIT_NEW); /* whose visit: not known yet */
    s_apply(&v, s_hold("CSNU7041125", "COSU8801234568", "H986", "2026-11-22T05:40:55+08:00",
                       "37012611220001000021"));
    ck_assert_int_eq(s_decide(&v, &d), KN_VISIT_NONE); /* direction still unknown */
    s_apply(&v, s_appr("CSNU7041125", "COSU8801234568", "22G1"));
    ck_assert_int_eq(s_decide(&v, &d), KN_VISIT_SEND);
    ck_assert_str_eq(d.route, "SCAN_LANE");
    ck_assert_int_eq(d.phase, KN_VISIT_PLANNED);
}
END_TEST

START_TEST(test_withdrawn_discharge_instruction)
{
    kn_visit_t v;
    kn_visit_decision_t d;
    kn_visit_init(&v, NULL);
    s_apply(&v, s_appr("CSNU7041125", "COSU8801234568", "22G1"));
    s_apply(&v, s_hold("CSNU7041125", "COSU8801234568", "H986", "2026-11-22T05:40:55+08:00",
                       "37012611220001000021"));
    s_expect(&v, KN_VISIT_SEND, "SCAN_LANE", KN_VISIT_PLANNED);
    /* customs withdraws the discharge instruction: the plan has no ground */
    s_apply(&v, s_withdraw(s_appr("CSNU7041125", "COSU8801234568", "22G1")));
    ck_assert_int_eq(kn_visit_direction(&v), KN_VISIT_UNKNOWN);
    ck_assert_int_eq(s_decide(&v, &d), KN_VISIT_WITHDRAW);
    ck_assert_str_eq(d.previous_route, "SCAN_LANE");
    ck_assert_ptr_null(kn_visit_sent_route(&v));
    ck_assert_int_eq(s_decide(&v, &d), KN_VISIT_NONE);
    /* the box is discharged all the same: decided at once */
    s_apply(&v,
            s_equip("DISC", "CSNU7041125", "22G1", "2026-11-22T08:15:00+08:00", "XHCT-DIS-0001"));
    s_expect(&v, KN_VISIT_SEND, "SCAN_LANE", KN_VISIT_AT_INSPECTION);
    ck_assert_uint_eq(kn_visit_instructions(&v), 2);

    /* an export gate-in cancelled by the terminal; a planned load is no milestone */
    kn_visit_t x;
    kn_visit_init(&x, NULL);
    kn_event_t *gtin =
        s_equip("GTIN", "TGHU3007773", "42G1", "2026-11-22T09:28:00+08:00", "XHCT-GIN-0002");
    gtin->carrier_booking_reference = "XMN26110057";
    s_apply(&x, gtin);
    s_expect(&x, KN_VISIT_SEND, "LOADING_STACK", KN_VISIT_AT_GATE);
    kn_event_t *load = s_equip("LOAD", "TGHU3007773", "42G1", NULL, "XHCT-LOA-0001");
    load->classifier = KN_CLASS_PLN;
    s_apply(&x, load);
    kn_event_t *cancel =
        s_equip("GTIN", "TGHU3007773", "42G1", "2026-11-22T09:30:00+08:00", "XHCT-GIN-0002");
    cancel->function = KN_FUNC_WITHDRAW;
    s_apply(&x, cancel);
    ck_assert_int_eq(kn_visit_direction(&x), KN_VISIT_UNKNOWN);
    ck_assert_int_eq(s_decide(&x, &d), KN_VISIT_WITHDRAW);
    ck_assert_str_eq(d.previous_route, "LOADING_STACK");
}
END_TEST

START_TEST(test_gate_out_closes)
{
    kn_visit_t v;
    kn_visit_decision_t d;
    kn_visit_init(&v, NULL);
    s_apply(&v,
            s_equip("GTOT", "COSU6123451", "45G1", "2026-11-22T09:07:00+08:00", "XHCT-GOUT-0003"));
    s_apply(&v, s_appr("COSU6123451", "COSU8801234567", "45G1"));
    ck_assert_int_eq(s_decide(&v, &d), KN_VISIT_CLOSE);
    ck_assert_int_eq(d.phase, KN_VISIT_CLOSED);
    ck_assert_str_eq(kn_visit_phase_name(d.phase), "CLOSED");
    ck_assert_str_eq(kn_visit_action_name(d.action), "CLOSE");
    s_apply(&v, s_rels("COSU6123451", "COSU8801234567", "2026-11-22T05:42:10+08:00", "R-1"));
    ck_assert_int_eq(s_decide(&v, &d), KN_VISIT_CLOSE);
    ck_assert_uint_eq(kn_visit_instructions(&v), 0);
}
END_TEST

/* --- facts one by one ------------------------------------------------------- */

START_TEST(test_tax_latest_by_time)
{
    kn_visit_t a, b;
    kn_event_t *paid = s_tax("CMPL", "PAID", "B", "2026-11-22T04:00:00+08:00", "T-1");
    kn_event_t *refused = s_tax("REJE", "REFUSED", "B", "2026-11-21T21:30:00Z", "T-2");
    kn_event_t *voided = s_tax("VOID", "CANCELLED", "B", "2026-11-22T06:00:00+08:00", "T-3");
    kn_event_t *guaranteed = s_tax("APPR", "GUARANTEED", "B", "2026-11-22T07:00:00+08:00", "T-4");
    kn_visit_init(&a, NULL);
    kn_visit_init(&b, NULL);
    s_apply(&a, paid);
    s_apply(&a, refused); /* 05:30 Beijing: later than the payment */
    ck_assert_str_eq(kn_visit_tax_status(&a), "unpaid");
    s_apply(&b, refused);
    s_apply(&b, paid);
    ck_assert_str_eq(kn_visit_tax_status(&b), "unpaid");
    s_apply(&a, voided);
    ck_assert_str_eq(kn_visit_tax_status(&a), "unpaid");
    s_apply(&a, guaranteed);
    ck_assert_str_eq(kn_visit_tax_status(&a), "deferred");
    /* same time: refusal wins, whatever the order */
    kn_visit_t c;
    kn_visit_init(&c, NULL);
    s_apply(&c, s_tax("REJE", "REFUSED", "B", "2026-11-22T08:00:00+08:00", "T-5"));
    s_apply(&c, s_tax("CMPL", "PAID", "B", "2026-11-22T08:00:00+08:00", "T-6"));
    ck_assert_str_eq(kn_visit_tax_status(&c), "unpaid");
}
END_TEST

START_TEST(test_customs_precedence)
{
    kn_visit_t v;
    kn_visit_init(&v, NULL);
    s_apply(&v, s_appr("CSNU7041125", "COSU8801234568", "22G1"));
    ck_assert_int_eq(kn_visit_customs(&v), KN_VISIT_CUSTOMS_NONE);
    /* a release then a plain hold dated after it: hold */
    s_apply(&v, s_rels("CSNU7041125", NULL, "2026-11-22T05:00:00+08:00", "R-1"));
    ck_assert_int_eq(kn_visit_customs(&v), KN_VISIT_CUSTOMS_RELEASE);
    s_apply(&v, s_hold("CSNU7041125", NULL, NULL, "2026-11-22T05:10:00+08:00", "H-1"));
    ck_assert_int_eq(kn_visit_customs(&v), KN_VISIT_CUSTOMS_HOLD);
    /* an inspection order outranks the hold; the most severe exam type wins */
    s_apply(&v, s_hold("CSNU7041125", NULL, "H986", "2026-11-22T05:20:00+08:00", "H-2"));
    s_apply(&v, s_hold("CSNU7041125", NULL, "MANUAL", "2026-11-22T05:21:00+08:00", "H-3"));
    ck_assert_int_eq(kn_visit_customs(&v), KN_VISIT_CUSTOMS_INSPECT);
    ck_assert_str_eq(kn_visit_exam_type(&v), "physical");
    /* a release does not skip a pending inspection */
    s_apply(&v, s_rels("CSNU7041125", NULL, "2026-11-22T06:00:00+08:00", "R-2"));
    ck_assert_int_eq(kn_visit_customs(&v), KN_VISIT_CUSTOMS_INSPECT);
    /* once inspected (after both orders), the later release stands */
    s_apply(&v, s_equip("INSP", "CSNU7041125", "22G1", "2026-11-22T05:50:00+08:00", "I-1"));
    ck_assert_int_eq(kn_visit_customs(&v), KN_VISIT_CUSTOMS_RELEASE);
    /* a dangerous box released after inspection: the table keeps it in the yard */
    kn_visit_decision_t d;
    kn_visit_set_dangerous_goods(&v, true);
    s_apply(&v, s_equip("DISC", "CSNU7041125", "22G1", "2026-11-22T05:30:00+08:00", "D-1"));
    ck_assert_int_eq(s_decide(&v, &d), KN_VISIT_SEND);
    ck_assert_str_eq(d.route, "YARD");
    ck_assert_str_eq(d.rule_id, "r11");
    ck_assert_str_eq(s_input_str(&d, 1), "true"); /* inspected and released */
}
END_TEST

START_TEST(test_fill_table_inputs)
{
    kn_visit_t v;
    kn_dmn_value_t inputs[16];
    kn_dmn_result_t r;
    kn_visit_init(&v, NULL);
    s_apply(&v, s_appr("OOLU8890211", "COSU8801234569", "45R1"));
    s_apply(&v, s_hold("OOLU8890211", "COSU8801234569", "QUARANTINE", "2026-11-22T05:41:30+08:00",
                       "H-1"));
    ck_assert_uint_le(kn_dmn_input_count(s_table), 16);
    kn_visit_fill(&v, s_table, inputs);
    int i = kn_dmn_input_index(s_table, "examType");
    ck_assert_int_ge(i, 0);
    ck_assert_int_eq(inputs[i].type, KN_FEEL_STRING);
    ck_assert_int_eq(strncmp(inputs[i].as.s, "quarantine", inputs[i].len), 0);
    ck_assert_int_eq(kn_dmn_eval(s_table, inputs, &r), KN_DMN_OK);
    ck_assert_str_eq(kn_dmn_result_value(&r, 0, 0)->as.s, "QUARANTINE");
}
END_TEST

START_TEST(test_bad_input)
{
    kn_visit_t v;
    ck_assert_int_eq(kn_visit_init(&v, "COSU6123451"), 0);
    ck_assert_int_eq(kn_visit_apply(&v, s_appr("CSNU7041125", "B", "22G1")), KN_EINVAL);
    ck_assert_int_eq(kn_visit_init(&v, "MUCH-TOO-LONG-A-NUMBER"), KN_EINVAL);

    kn_visit_init(&v, NULL);
    char refs[KN_VISIT_MAX_FACTS + 1][16];
    for (int i = 0; i <= KN_VISIT_MAX_FACTS; i++) {
        snprintf(refs[i], sizeof refs[i], "R-%d", i);
        int rc = kn_visit_apply(&v, s_rels("COSU6123451", NULL, NULL, refs[i]));
        ck_assert_int_eq(rc, i < KN_VISIT_MAX_FACTS ? 0 : KN_ETOOBIG);
    }
    /* events the visit has no use for are ignored */
    kn_visit_init(&v, NULL);
    s_apply(&v, s_event(KN_EVENT_TRANSPORT, "DEPA", "2026-11-23T02:00:00+08:00", "X"));
    s_apply(&v, s_equip("DISC", "COSU6123451", "45G1", "2026-11-22T08:12:00+08:00", "E"));
    ck_assert_int_eq(kn_visit_direction(&v), KN_VISIT_IMPORT);
    kn_event_t *est = s_equip("GTOT", "COSU6123451", "45G1", NULL, "P");
    est->classifier = KN_CLASS_EST;
    s_apply(&v, est);
    ck_assert_int_eq(kn_visit_phase(&v), KN_VISIT_DISCHARGED);
}
END_TEST

Suite *kn_test_visit_suite(void)
{
    Suite *s = suite_create("visit");
    TCase *tc = tcase_create("samples");
    tcase_add_checked_fixture(tc, s_setup, s_teardown);
    tcase_add_test(tc, test_cosu_released_direct_pickup);
    tcase_add_test(tc, test_csnu_scan_lane_then_pickup);
    tcase_add_test(tc, test_oolu_reefer_manual_inspection);
    tcase_add_test(tc, test_export_routes_at_gate_in);
    suite_add_tcase(s, tc);

    tc = tcase_create("order");
    tcase_add_checked_fixture(tc, s_setup, s_teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_every_order_inspection_release);
    tcase_add_test(tc, test_every_order_withdrawn_inspection);
    suite_add_tcase(s, tc);

    tc = tcase_create("triggers");
    tcase_add_checked_fixture(tc, s_setup, s_teardown);
    tcase_add_test(tc, test_withdraw_before_add);
    tcase_add_test(tc, test_duplicate_is_idempotent);
    tcase_add_test(tc, test_replan_only_when_route_changes);
    tcase_add_test(tc, test_discharge_without_plan_decides_at_once);
    tcase_add_test(tc, test_berthing_plan_triggers);
    tcase_add_test(tc, test_withdrawn_discharge_instruction);
    tcase_add_test(tc, test_gate_out_closes);
    suite_add_tcase(s, tc);

    tc = tcase_create("facts");
    tcase_add_checked_fixture(tc, s_setup, s_teardown);
    tcase_add_test(tc, test_tax_latest_by_time);
    tcase_add_test(tc, test_customs_precedence);
    tcase_add_test(tc, test_fill_table_inputs);
    tcase_add_test(tc, test_bad_input);
    suite_add_tcase(s, tc);
    return s;
}
