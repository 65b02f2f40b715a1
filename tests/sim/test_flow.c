/* Unit tests of the terminal's flows (sim/flow.c) on a day built by hand:
 * every time, move and figure below is worked out from flow.h's rules. */
#include "err.h"
#include "flow.h"
#include "runner.h"

#include <string.h>

#define M INT64_C(60000)
#define H (60 * M)

static kn_scenario_t s_sc;
static kn_sim_box_t s_boxes[8];
static kn_sim_bill_t s_bills[8];
static kn_sim_call_t s_call;
static kn_sim_day_t s_day;

/* Beijing time hh:mm on the scenario's day (negative hours: the day before). */
static int64_t s_at(int hh, int mm)
{
    return s_sc.day_ms + hh * H + mm * M;
}

/* An import box of its own bill: discharged at 10:00, duty at 07:00, truck
 * 45 minutes after the agent knows, the traditional notice 2 hours. */
static size_t s_import(kn_sim_inspect_t inspect)
{
    size_t k = s_day.nboxes++, b = s_day.nbills++;
    kn_sim_box_t *box = &s_boxes[k];
    kn_sim_bill_t *bill = &s_bills[b];
    memset(box, 0, sizeof *box);
    memset(bill, 0, sizeof *bill);
    snprintf(box->number, sizeof box->number, "TEST%07zu", k);
    box->direction = KN_SIM_IMPORT;
    box->bill_index = b;
    box->inspect = inspect;
    box->discharge_ms = s_at(10, 0);
    box->tax_ms = s_at(7, 0);
    box->truck_delay_ms = 45 * M;
    box->notice_delay_ms = 2 * H;
    bill->first = k;
    bill->count = 1;
    bill->inspect = inspect;
    bill->tax_ms = box->tax_ms;
    bill->decided_ms = s_at(8, 0);
    if (inspect == KN_SIM_INSPECT_NONE) {
        bill->release_ms = box->release_ms = s_at(8, 0);
    } else {
        bill->ordered_ms = s_at(8, 5);
        bill->review_ms = 20 * M;
        box->appointment_delay_ms = 6 * H;
        box->inspection_duration_ms = inspect == KN_SIM_INSPECT_SCAN ? 5 * M : 40 * M;
    }
    return k;
}

/* An export box: in at 20:00 the day before, its vessel berths at 06:00 and
 * loads it at 07:00. */
static size_t s_export(void)
{
    size_t k = s_day.nboxes++;
    kn_sim_box_t *box = &s_boxes[k];
    memset(box, 0, sizeof *box);
    snprintf(box->number, sizeof box->number, "EXPO%07zu", k);
    box->direction = KN_SIM_EXPORT;
    box->gate_in_ms = s_at(-4, 0);
    box->load_ms = s_at(7, 0);
    return k;
}

static void s_setup(void)
{
    kn_scenario_defaults(&s_sc);
    s_sc.capacity_per_hour = 2;
    s_sc.opens_hour = 8;
    s_sc.closes_hour = 20;
    s_sc.lead_minutes = 30;
    s_sc.quay_wait_minutes = 30;
    s_sc.marshal_hours_before_berth = 8;
    memset(&s_day, 0, sizeof s_day);
    memset(&s_call, 0, sizeof s_call);
    s_call.berth_ms = s_at(6, 0);
    s_day.calls = &s_call;
    s_day.ncalls = 1;
    s_day.boxes = s_boxes;
    s_day.bills = s_bills;
}

/* Play f to its end; count what it sends. */
static void s_play(kn_flow_t *f, size_t *gate_outs, size_t *releases)
{
    kn_flow_emit_t e;
    int64_t last = 0;
    *gate_outs = *releases = 0;
    while (kn_flow_next_ms(f) != INT64_MAX) {
        int64_t next = kn_flow_next_ms(f);
        ck_assert_int_ge(next, last); /* in time order */
        last = next;
        if (kn_flow_step(f, &e)) {
            ck_assert_int_eq(e.at_ms, next);
            *gate_outs += e.kind == KN_FLOW_EMIT_GATE_OUT;
            *releases += e.kind == KN_FLOW_EMIT_RELEASE;
        }
    }
    ck_assert(!kn_flow_step(f, &e));
    ck_assert_int_eq(e.kind, KN_FLOW_EMIT_NONE);
}

START_TEST(traditional_import_goes_through_the_yard)
{
    size_t k = s_import(KN_SIM_INSPECT_NONE);
    kn_flow_t *f = kn_flow_new(&s_sc, &s_day, KN_FLOW_TRADITIONAL);
    size_t outs, rels;
    s_play(f, &outs, &rels);
    const kn_flow_box_t *b = &kn_flow_boxes(f)[k];
    /* ashore 10:00, free then; the agent knows at 12:00, truck at 12:45 */
    ck_assert_uint_eq(outs, 1);
    ck_assert_uint_eq(rels, 0);
    ck_assert_uint_eq(b->moves, 2);
    ck_assert_uint_eq(b->reported, 2);
    ck_assert_int_eq(b->in_ms, s_at(10, 0));
    ck_assert_int_eq(b->out_ms, s_at(12, 55));
    ck_assert_int_eq(b->yard_in_ms[0], s_at(10, 0));
    ck_assert_int_eq(b->yard_out_ms[0], s_at(12, 45));
    ck_assert_str_eq(b->yard_reason, "traditional flow");
    ck_assert_int_eq(b->place, KN_PLACE_AWAY);
    kn_flow_destroy(&f);
    ck_assert_ptr_null(f);
}
END_TEST

START_TEST(smart_direct_pickup_meets_its_truck)
{
    size_t early = s_import(KN_SIM_INSPECT_NONE), late = s_import(KN_SIM_INSPECT_NONE),
           none = s_import(KN_SIM_INSPECT_NONE);
    s_boxes[early].reported_ms = s_at(10, 15); /* its discharge report: 10:15 */
    kn_flow_t *f = kn_flow_new(&s_sc, &s_day, KN_FLOW_SMART);
    /* told at 08:00: truck at 08:45, waiting; told at 09:50: truck at 10:35,
     * after the 30 minutes the quay waits */
    kn_flow_instruct(f, early, "DIRECT_PICKUP", "released and duty settled", 0, s_at(8, 0));
    kn_flow_instruct(f, late, "DIRECT_PICKUP", "released and duty settled", 0, s_at(9, 50));
    size_t outs, rels;
    s_play(f, &outs, &rels);
    const kn_flow_box_t *b = kn_flow_boxes(f);
    ck_assert_uint_eq(outs, 3);
    ck_assert_uint_eq(b[early].moves, 1);
    ck_assert_int_eq(b[early].out_ms, s_at(10, 15)); /* not before the report (10:10) */
    ck_assert_int_eq(b[early].yard_in_ms[0], 0);
    ck_assert_str_eq(b[early].route, "DIRECT_PICKUP");
    ck_assert_str_eq(b[early].yard_reason, "");
    ck_assert_uint_eq(b[late].moves, 2);
    ck_assert_str_eq(b[late].yard_reason, "truck not at the quay");
    ck_assert_int_eq(b[late].yard_out_ms[0], s_at(10, 35));
    ck_assert_int_eq(b[late].out_ms, s_at(10, 45));
    /* no instruction: the yard; free at the lift, truck 45 minutes later */
    ck_assert_str_eq(b[none].yard_reason, "no instruction when lifted");
    ck_assert_int_eq(b[none].out_ms, s_at(10, 55));
    kn_flow_destroy(&f);

    /* a longer wait at the quay takes the late truck too */
    s_sc.quay_wait_minutes = 40;
    f = kn_flow_new(&s_sc, &s_day, KN_FLOW_SMART);
    kn_flow_instruct(f, late, "DIRECT_PICKUP", "released", 0, s_at(9, 50));
    s_play(f, &outs, &rels);
    ck_assert_uint_eq(kn_flow_boxes(f)[late].moves, 1);
    ck_assert_int_eq(kn_flow_boxes(f)[late].out_ms, s_at(10, 45));
    kn_flow_destroy(&f);
}
END_TEST

START_TEST(traditional_inspection_waits_for_its_appointment)
{
    size_t k = s_import(KN_SIM_INSPECT_MANUAL);
    kn_flow_t *f = kn_flow_new(&s_sc, &s_day, KN_FLOW_TRADITIONAL);
    size_t outs, rels;
    s_play(f, &outs, &rels);
    const kn_flow_box_t *b = &kn_flow_boxes(f)[k];
    /* ordered and ashore 10:00; appointment 6 h, lead 30 min: in the area
     * 16:30, the 16:30 slot; done 17:10, back to the yard; released 17:30;
     * the agent knows 19:30, truck 20:15, out 20:25 */
    ck_assert_uint_eq(outs, 1);
    ck_assert_uint_eq(rels, 1);
    ck_assert_uint_eq(b->moves, 4);
    ck_assert_int_eq(b->inspect_ready_ms, s_at(10, 0));
    ck_assert_int_eq(b->inspect_start_ms, s_at(16, 30));
    ck_assert_int_eq(b->inspect_done_ms, s_at(17, 10));
    ck_assert_int_eq(b->release_ms, s_at(17, 30));
    ck_assert_int_eq(b->yard_in_ms[0], s_at(10, 0));
    ck_assert_int_eq(b->yard_out_ms[0], s_at(16, 30));
    ck_assert_int_eq(b->yard_in_ms[1], s_at(17, 10));
    ck_assert_int_eq(b->yard_out_ms[1], s_at(20, 15));
    ck_assert_int_eq(b->out_ms, s_at(20, 25));
    kn_flow_destroy(&f);
}
END_TEST

START_TEST(smart_inspection_keeps_its_slot)
{
    size_t manual = s_import(KN_SIM_INSPECT_MANUAL), scan = s_import(KN_SIM_INSPECT_SCAN);
    kn_flow_t *f = kn_flow_new(&s_sc, &s_day, KN_FLOW_SMART);
    kn_flow_instruct(f, manual, "INSPECTION_AREA", "physical inspection ordered", s_at(11, 0),
                     s_at(8, 6));
    kn_flow_instruct(f, scan, "SCAN_LANE", "machine scan (H986) ordered", 0, s_at(8, 6));
    size_t outs, rels;
    s_play(f, &outs, &rels);
    const kn_flow_box_t *b = kn_flow_boxes(f);
    ck_assert_uint_eq(outs, 2);
    ck_assert_uint_eq(rels, 2);
    /* crane → area, slot 11:00, done 11:40, released 12:00, truck 12:45 */
    ck_assert_uint_eq(b[manual].moves, 2);
    ck_assert_int_eq(b[manual].inspect_start_ms, s_at(11, 0));
    ck_assert_int_eq(b[manual].release_ms, s_at(12, 0));
    ck_assert_int_eq(b[manual].out_ms, s_at(12, 55));
    ck_assert_int_eq(b[manual].yard_in_ms[0], 0);
    /* crane → its truck (there since 08:51), scanned 10:10-10:15 on the way,
     * released 10:35, out 10:45: one move */
    ck_assert_uint_eq(b[scan].moves, 1);
    ck_assert_int_eq(b[scan].inspect_start_ms, s_at(10, 10));
    ck_assert_int_eq(b[scan].out_ms, s_at(10, 45));
    ck_assert_int_eq(b[scan].yard_in_ms[0], 0);
    kn_flow_destroy(&f);
}
END_TEST

START_TEST(smart_area_scan_and_shared_slot)
{
    /* a scan the rules send to the area (dangerous goods): as a manual one,
     * two moves and no yard; two boxes in one slot hour one after another */
    size_t dg = s_import(KN_SIM_INSPECT_SCAN), other = s_import(KN_SIM_INSPECT_MANUAL);
    kn_flow_t *f = kn_flow_new(&s_sc, &s_day, KN_FLOW_SMART);
    kn_flow_instruct(f, dg, "INSPECTION_AREA", "scan ordered for dangerous goods", s_at(11, 0),
                     s_at(8, 6));
    kn_flow_instruct(f, other, "INSPECTION_AREA", "physical inspection ordered", s_at(11, 0),
                     s_at(8, 6));
    size_t outs, rels;
    s_play(f, &outs, &rels);
    const kn_flow_box_t *b = kn_flow_boxes(f);
    ck_assert_uint_eq(b[dg].moves, 2);
    ck_assert_int_eq(b[dg].yard_in_ms[0], 0);
    ck_assert_str_eq(b[dg].yard_reason, "");
    /* capacity 2 an hour: 11:00 and 11:30 */
    int64_t first = b[dg].inspect_start_ms < b[other].inspect_start_ms ? b[dg].inspect_start_ms
                                                                       : b[other].inspect_start_ms;
    int64_t second = b[dg].inspect_start_ms ^ b[other].inspect_start_ms ^ first;
    ck_assert_int_eq(first, s_at(11, 0));
    ck_assert_int_eq(second, s_at(11, 30));
    kn_flow_destroy(&f);
}
END_TEST

START_TEST(smart_yard_box_inspected_on_instruction)
{
    /* both in the yard (no instruction at the lift); one is routed to the
     * area when customs orders, the other never: it waits for an
     * appointment as in the traditional flow */
    size_t told = s_import(KN_SIM_INSPECT_MANUAL), untold = s_import(KN_SIM_INSPECT_MANUAL);
    s_bills[s_boxes[told].bill_index].ordered_ms = s_at(12, 0);
    s_bills[s_boxes[untold].bill_index].ordered_ms = s_at(12, 0);
    kn_flow_t *f = kn_flow_new(&s_sc, &s_day, KN_FLOW_SMART);
    kn_flow_run_until(f, s_at(11, 59), NULL, NULL);
    ck_assert_int_eq(kn_flow_boxes(f)[told].place, KN_PLACE_YARD);
    ck_assert_int_eq(kn_flow_instruct(f, told, "INSPECTION_AREA", "physical inspection ordered",
                                      s_at(13, 0), s_at(12, 0)),
                     0);
    size_t outs, rels;
    s_play(f, &outs, &rels);
    const kn_flow_box_t *b = kn_flow_boxes(f);
    /* in the area 12:30, its slot 13:00; the other: 12:00 + 30 min + 6 h */
    ck_assert_int_eq(b[told].inspect_ready_ms, s_at(12, 0));
    ck_assert_int_eq(b[told].inspect_start_ms, s_at(13, 0));
    ck_assert_uint_eq(b[told].moves, 3); /* crane → yard → area → truck */
    ck_assert_int_eq(b[untold].inspect_start_ms, s_at(18, 30));
    kn_flow_destroy(&f);
}
END_TEST

START_TEST(the_area_takes_capacity_per_hour)
{
    s_sc.capacity_per_hour = 1;
    size_t a = s_import(KN_SIM_INSPECT_MANUAL), b = s_import(KN_SIM_INSPECT_MANUAL),
           c = s_import(KN_SIM_INSPECT_MANUAL);
    s_boxes[c].appointment_delay_ms = 9 * H; /* ready 19:30: the area closes at 20:00 */
    s_boxes[b].appointment_delay_ms = 9 * H;
    kn_flow_t *f = kn_flow_new(&s_sc, &s_day, KN_FLOW_TRADITIONAL);
    size_t outs, rels;
    s_play(f, &outs, &rels);
    const kn_flow_box_t *x = kn_flow_boxes(f);
    ck_assert_int_eq(x[a].inspect_start_ms, s_at(17, 0));      /* ready 16:30: next whole slot */
    ck_assert_int_eq(x[b].inspect_start_ms, s_at(20 + 12, 0)); /* 08:00 the next day */
    ck_assert_int_eq(x[c].inspect_start_ms, s_at(24 + 9, 0));
    kn_flow_destroy(&f);
}
END_TEST

START_TEST(exports_skip_the_yard_on_instruction)
{
    size_t k = s_export(), other = s_export();
    kn_flow_t *t = kn_flow_new(&s_sc, &s_day, KN_FLOW_TRADITIONAL);
    kn_flow_t *f = kn_flow_new(&s_sc, &s_day, KN_FLOW_SMART);
    kn_flow_instruct(f, k, "LOADING_STACK", "export box: straight to the loading stack", 0,
                     s_at(-4, 0));
    size_t outs, rels;
    s_play(t, &outs, &rels);
    ck_assert_uint_eq(outs, 0);
    s_play(f, &outs, &rels);
    /* gate → yard 20:05, → stack 22:00 (8 h before berthing), → vessel */
    const kn_flow_box_t *b = &kn_flow_boxes(t)[k];
    ck_assert_uint_eq(b->moves, 3);
    ck_assert_uint_eq(b->reported, 2);
    ck_assert_int_eq(b->yard_in_ms[0], s_at(-4, 5));
    ck_assert_int_eq(b->yard_out_ms[0], s_at(-2, 0));
    ck_assert_int_eq(b->out_ms, s_at(7, 0));
    b = &kn_flow_boxes(f)[k];
    ck_assert_uint_eq(b->moves, 2);
    ck_assert_int_eq(b->yard_in_ms[0], 0);
    ck_assert_str_eq(kn_flow_boxes(f)[other].yard_reason, "no instruction at the gate");
    ck_assert_uint_eq(kn_flow_boxes(f)[other].moves, 3);
    kn_flow_destroy(&t);
    kn_flow_destroy(&f);
}
END_TEST

START_TEST(figures_of_a_flow)
{
    s_import(KN_SIM_INSPECT_NONE);   /* 2 moves, 175 min, yard 10:00-12:45 */
    s_import(KN_SIM_INSPECT_MANUAL); /* 4 moves, 625 min, yard twice */
    s_export();                      /* 3 moves, yard 20:05-22:00 the day before */
    kn_flow_t *f = kn_flow_new(&s_sc, &s_day, KN_FLOW_TRADITIONAL);
    size_t outs, rels;
    s_play(f, &outs, &rels);
    kn_kpi_t k;
    ck_assert_int_eq(kn_flow_kpi(f, &k), 0);
    ck_assert_str_eq(k.flow, "traditional");
    ck_assert_uint_eq(k.boxes, 3);
    ck_assert_uint_eq(k.imports, 2);
    ck_assert_uint_eq(k.exports, 1);
    ck_assert_uint_eq(k.moves, 9);
    ck_assert_double_eq_tol(k.moves_per_box, 3.0, 1e-9);
    ck_assert_double_eq_tol(k.import_moves_per_box, 3.0, 1e-9);
    ck_assert_double_eq_tol(k.export_moves_per_box, 3.0, 1e-9);
    ck_assert_uint_eq(k.ndwell, 2);
    ck_assert_double_eq_tol(k.dwell_min[0], 175, 1e-9);
    ck_assert_double_eq_tol(k.dwell_min[1], 625, 1e-9);
    ck_assert_double_eq_tol(k.dwell_median_min, 175, 1e-9); /* nearest rank */
    ck_assert_double_eq_tol(k.dwell_p90_min, 625, 1e-9);
    ck_assert_double_eq_tol(k.export_dwell_median_min, 11 * 60 - 0, 1e-9); /* 20:00 → 07:00 */
    ck_assert_uint_eq(k.inspected, 1);
    ck_assert_double_eq_tol(k.inspection_wait_median_min, 390, 1e-9);
    ck_assert_uint_eq(k.through_yard, 3);
    ck_assert_uint_eq(k.nreasons, 1);
    ck_assert_str_eq(k.reasons[0].reason, "traditional flow");
    ck_assert_uint_eq(k.reasons[0].boxes, 3);
    /* from 20:00 the day before to 20:25: 25 hours */
    ck_assert_int_eq(k.start_ms, s_at(-4, 0));
    ck_assert_uint_eq(k.hours, 25);
    ck_assert_uint_eq(k.yard_occupancy[0], 0);  /* 20:00: not yet in (20:05) */
    ck_assert_uint_eq(k.yard_occupancy[1], 1);  /* 21:00 */
    ck_assert_uint_eq(k.yard_occupancy[2], 0);  /* 22:00: to the stack at 22:00 */
    ck_assert_uint_eq(k.yard_occupancy[15], 2); /* 11:00: both imports */
    ck_assert_uint_eq(k.yard_occupancy[21], 0); /* 17:00: one gone, one inspected */
    ck_assert_uint_eq(k.yard_occupancy[22], 1); /* 18:00 */
    ck_assert_uint_eq(k.yard_peak,
                      2); /* yard hours: 1:55 + 2:45 + 6:30 + 3:05; the stack: 22:00 to 07:00 */
    ck_assert_double_eq_tol(k.yard_box_hours, (115.0 + 165 + 390 + 185) / 60, 1e-9);
    ck_assert_double_eq_tol(k.stack_box_hours, 9, 1e-9);
    kn_kpi_free(&k);
    ck_assert_ptr_null(k.dwell_min);
    kn_flow_destroy(&f);
}
END_TEST

Suite *kn_test_flow_suite(void);
Suite *kn_test_flow_suite(void)
{
    Suite *s = suite_create("flow");
    TCase *tc = tcase_create("flow");
    tcase_add_checked_fixture(tc, s_setup, NULL);
    tcase_add_test(tc, traditional_import_goes_through_the_yard);
    tcase_add_test(tc, smart_direct_pickup_meets_its_truck);
    tcase_add_test(tc, traditional_inspection_waits_for_its_appointment);
    tcase_add_test(tc, smart_inspection_keeps_its_slot);
    tcase_add_test(tc, smart_area_scan_and_shared_slot);
    tcase_add_test(tc, smart_yard_box_inspected_on_instruction);
    tcase_add_test(tc, the_area_takes_capacity_per_hour);
    tcase_add_test(tc, exports_skip_the_yard_on_instruction);
    tcase_add_test(tc, figures_of_a_flow);
    suite_add_tcase(s, tc);
    return s;
}
