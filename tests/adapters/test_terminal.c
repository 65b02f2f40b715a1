/* Tests for adapters/terminal.c: COARRI, CODECO and BERMAN to canonical events.
 *
 * KN_SAMPLES_DIR (a string) names the shared samples directory; the build
 * defines it, and KN_TEST_DATA_DIR for tests/adapters/data. */
#include "terminal.h"

#include "runner.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef KN_SAMPLES_DIR
#error                                                                                             \
    "define KN_SAMPLES_DIR as the samples directory, e.g. -DKN_SAMPLES_DIR='\"/work/shared/samples\"'"
#endif

static kn_arena_t *s_arena;
static kn_error_t s_err;

static void s_setup(void)
{
    s_arena = kn_arena_new(64 * 1024);
    ck_assert_ptr_nonnull(s_arena);
    memset(&s_err, 0, sizeof s_err);
}

static void s_teardown(void)
{
    kn_arena_destroy(&s_arena);
}

static unsigned char *s_sample(const char *name, size_t *len)
{
    return kn_test_read(s_arena, KN_SAMPLES_DIR, name, len);
}

static unsigned char *s_data(const char *name, size_t *len)
{
    return kn_test_read(s_arena, KN_TEST_DATA_DIR, name, len);
}

static int s_read(const void *data, size_t len, kn_event_list_t *out)
{
    kn_inmsg_t in = {.party = "xhct",
                     .role = KN_ROLE_TERMINAL,
                     .format = "edifact",
                     .content_type = "application/edifact",
                     .data = data,
                     .len = len};
    memset(&s_err, 0, sizeof s_err);
    return kn_terminal_read(&in, s_arena, out, &s_err);
}

/* Wrap message segments (no release characters in them) into an interchange
 * with the right UNT and UNZ. */
static const char *s_wrap(const char *type, const char *directory, const char *body)
{
    size_t n = 0;
    for (const char *p = body; *p; p++)
        n += *p == '\'';
    char *text = kn_arena_printf(s_arena,
                                 "UNA:+.? 'UNB+UNOA:2+XHCT+KOUAN+261122:0815+R1'"
                                 "UNH+1+%s:%s:UN'%sUNT+%zu+1'UNZ+1+R1'",
                                 type, directory, body, n + 2);
    ck_assert_ptr_nonnull(text);
    return text;
}

static int s_read_text(const char *text, kn_event_list_t *out)
{
    return s_read(text, strlen(text), out);
}

static const kn_event_t *s_at(const kn_event_list_t *list, size_t i)
{
    const kn_event_t *ev = list->head;
    while (ev && i--)
        ev = ev->next;
    ck_assert_ptr_nonnull(ev);
    return ev;
}

/* Read text that must be refused with code at position and message (which
 * the reader prefixes with "edifact: "). */
static void s_refused(const char *text, int code, const char *position, const char *message)
{
    kn_event_list_t list = {0};
    int rc = s_read_text(text, &list);
    ck_assert_msg(rc == code, "expected %s, got %s (%s: %s)", kn_err_name(code), kn_err_name(rc),
                  s_err.position, s_err.message);
    ck_assert_int_eq(s_err.code, code);
    ck_assert_str_eq(s_err.position, position);
    char want[600];
    snprintf(want, sizeof want, "edifact: %s", message);
    ck_assert_str_eq(s_err.message, want);
    ck_assert_ptr_null(list.head);
    ck_assert_uint_eq(list.count, 0);
}

static void s_assert_cosco_xiamen(const kn_event_t *ev)
{
    ck_assert_pstr_eq(ev->vessel_imo, "9812345");
    ck_assert_pstr_eq(ev->vessel_name, "COSCO XIAMEN");
    ck_assert_pstr_eq(ev->voyage, "118E");
    ck_assert_pstr_eq(ev->un_location_code, "CNXMN");
    ck_assert_pstr_eq(ev->facility_code, "XHCT");
}

/* ---- COARRI ------------------------------------------------------------- */

START_TEST(test_coarri_discharge_sample)
{
    size_t len;
    unsigned char *data = s_sample("terminal/coarri-discharge.edi", &len);
    kn_event_list_t list = {0};
    ck_assert_int_eq(s_read(data, len, &list), 0);
    ck_assert_uint_eq(list.count, 3);

    const kn_event_t *ev = s_at(&list, 0);
    ck_assert_int_eq(ev->type, KN_EVENT_EQUIPMENT);
    ck_assert_str_eq(ev->code, "DISC");
    ck_assert_int_eq(ev->classifier, KN_CLASS_ACT);
    ck_assert_int_eq(ev->function, KN_FUNC_ADD);
    ck_assert_pstr_eq(ev->event_datetime, "2026-11-22T08:12:00+08:00");
    ck_assert_pstr_eq(ev->message_kind, "COARRI");
    ck_assert_pstr_eq(ev->message_ref, "XHCT-DIS-0001");
    ck_assert_pstr_eq(ev->position, "segment 7 (EQD)");
    ck_assert_pstr_eq(ev->equipment_reference, "COSU6123451");
    ck_assert_pstr_eq(ev->iso_equipment_code, "45G1");
    ck_assert_pstr_eq(ev->empty_indicator, "LADEN");
    ck_assert_pstr_eq(ev->transport_document_reference, "COSU8801234567");
    ck_assert_ptr_null(ev->carrier_booking_reference);
    ck_assert_pstr_eq(ev->stowage_cell, "0120282");
    ck_assert_double_eq_tol(ev->gross_weight_kg, 22150.0, 1e-9);
    ck_assert_double_eq_tol(ev->vgm_kg, 0.0, 1e-9);
    ck_assert_pstr_eq(ev->seals, "CN2611001");
    ck_assert_ptr_null(ev->temperature);
    ck_assert_ptr_null(ev->truck_plate);
    ck_assert_ptr_null(ev->vessel_call_sign);
    ck_assert_ptr_null(ev->warnings);
    s_assert_cosco_xiamen(ev);

    ev = s_at(&list, 1);
    ck_assert_str_eq(ev->code, "DISC");
    ck_assert_pstr_eq(ev->position, "segment 14 (EQD)");
    ck_assert_pstr_eq(ev->equipment_reference, "CSNU7041125");
    ck_assert_pstr_eq(ev->iso_equipment_code, "22G1");
    ck_assert_pstr_eq(ev->transport_document_reference, "COSU8801234568");
    ck_assert_pstr_eq(ev->event_datetime, "2026-11-22T08:15:00+08:00");
    ck_assert_pstr_eq(ev->stowage_cell, "0140186");
    ck_assert_double_eq_tol(ev->gross_weight_kg, 18020.0, 1e-9);
    ck_assert_ptr_null(ev->seals);
    ck_assert_ptr_null(ev->warnings);
    s_assert_cosco_xiamen(ev);

    ev = s_at(&list, 2);
    ck_assert_pstr_eq(ev->position, "segment 19 (EQD)");
    ck_assert_pstr_eq(ev->equipment_reference, "OOLU8890211");
    ck_assert_pstr_eq(ev->iso_equipment_code, "45R1");
    ck_assert_pstr_eq(ev->transport_document_reference, "COSU8801234569");
    ck_assert_pstr_eq(ev->event_datetime, "2026-11-22T08:19:00+08:00");
    ck_assert_pstr_eq(ev->stowage_cell, "0160488");
    ck_assert_double_eq_tol(ev->gross_weight_kg, 26400.0, 1e-9);
    ck_assert_pstr_eq(ev->temperature, "-18.0 CEL");
    ck_assert_ptr_null(ev->warnings);
    ck_assert_ptr_null(ev->next);
    ck_assert_ptr_eq(list.tail, ev);
    s_assert_cosco_xiamen(ev);
}
END_TEST

START_TEST(test_coarri_load_units_and_zones)
{
    const char *text = s_wrap("COARRI", "D:95B",
                              "BGM+46+XHCT-LOD-0007+9'"
                              "TDT+20+119W+1++COS:172:20+++9812345:146::COSCO XIAMEN'"
                              "LOC+11+SGSIN:139:6'"
                              "LOC+9+CNXMN:139:6+XHCT:TER:ZZZ'"
                              "EQD+CN+TGHU3007773+42G1:102:5+1+2+5'"
                              "RFF+BN:XMN26110057'"
                              "DTM+203:20261123021530UTC:304'"
                              "LOC+147+0220386::5'"
                              "MEA+AAE+G+TNE:24,31'"
                              "MEA+AAE+VGM+KGM:24310.5'"
                              "EQD+CH+CHAS0001'"
                              "EQD+CN+CSNU7041125+22G1:102:5+2+2+4'"
                              "DTM+203:202611230230?+0100:205'" /* '+' released */
                              "TMP+2+5,5:CEL'"
                              "SEL+S1'SEL+S2+CA'SEL+S3'"
                              "CNT+16:3'");
    kn_event_list_t list = {0};
    ck_assert_int_eq(s_read_text(text, &list), 0);
    ck_assert_uint_eq(list.count, 2); /* the chassis is no container fact */

    const kn_event_t *ev = s_at(&list, 0);
    ck_assert_str_eq(ev->code, "LOAD");
    ck_assert_pstr_eq(ev->message_ref, "XHCT-LOD-0007");
    ck_assert_pstr_eq(ev->position, "segment 6 (EQD)");
    ck_assert_pstr_eq(ev->equipment_reference, "TGHU3007773");
    ck_assert_pstr_eq(ev->carrier_booking_reference, "XMN26110057");
    ck_assert_pstr_eq(ev->event_datetime, "2026-11-23T02:15:30+00:00");
    ck_assert_pstr_eq(ev->stowage_cell, "0220386");
    ck_assert_double_eq_tol(ev->gross_weight_kg, 24310.0, 1e-6);
    ck_assert_double_eq_tol(ev->vgm_kg, 24310.5, 1e-9);
    ck_assert_pstr_eq(ev->un_location_code, "CNXMN"); /* LOC+9 beats LOC+11 for a load */
    ck_assert_pstr_eq(ev->facility_code, "XHCT");
    ck_assert_pstr_eq(ev->voyage, "119W");
    ck_assert_pstr_eq(ev->vessel_imo, "9812345");

    ev = s_at(&list, 1);
    ck_assert_pstr_eq(ev->position, "segment 13 (EQD)");
    ck_assert_pstr_eq(ev->equipment_reference, "CSNU7041125");
    ck_assert_pstr_eq(ev->empty_indicator, "EMPTY");
    ck_assert_pstr_eq(ev->event_datetime, "2026-11-23T02:30:00+01:00");
    ck_assert_pstr_eq(ev->temperature, "5.5 CEL");
    ck_assert_pstr_eq(ev->seals, "S1,S2,S3");
    ck_assert_double_eq_tol(ev->gross_weight_kg, 0.0, 1e-9);
    ck_assert_ptr_null(ev->warnings);
}
END_TEST

START_TEST(test_coarri_cancellation_withdraws)
{
    const char *text = s_wrap("COARRI", "D:00B",
                              "BGM+44+XHCT-DIS-0009+1'"
                              "EQD+CN+COSU6123451+45G1:102:5++3+5'"
                              "DTM+203:202611220812:203'");
    kn_event_list_t list = {0};
    ck_assert_int_eq(s_read_text(text, &list), 0);
    ck_assert_uint_eq(list.count, 1);
    ck_assert_int_eq(s_at(&list, 0)->function, KN_FUNC_WITHDRAW);
    ck_assert_str_eq(s_at(&list, 0)->code, "DISC");
}
END_TEST

/* ---- CODECO ------------------------------------------------------------- */

START_TEST(test_codeco_gate_in_sample)
{
    size_t len;
    unsigned char *data = s_sample("terminal/codeco-gate-in-export.edi", &len);
    kn_event_list_t list = {0};
    ck_assert_int_eq(s_read(data, len, &list), 0);
    ck_assert_uint_eq(list.count, 1);
    const kn_event_t *ev = s_at(&list, 0);
    ck_assert_int_eq(ev->type, KN_EVENT_EQUIPMENT);
    ck_assert_str_eq(ev->code, "GTIN");
    ck_assert_int_eq(ev->classifier, KN_CLASS_ACT);
    ck_assert_pstr_eq(ev->message_kind, "CODECO");
    ck_assert_pstr_eq(ev->message_ref, "XHCT-GIN-0002");
    ck_assert_pstr_eq(ev->position, "segment 4 (EQD)");
    ck_assert_pstr_eq(ev->equipment_reference, "TGHU3007773");
    ck_assert_pstr_eq(ev->iso_equipment_code, "42G1");
    ck_assert_pstr_eq(ev->empty_indicator, "LADEN");
    ck_assert_pstr_eq(ev->carrier_booking_reference, "XMN26110057");
    ck_assert_ptr_null(ev->transport_document_reference);
    ck_assert_pstr_eq(ev->event_datetime, "2026-11-22T09:28:00+08:00");
    ck_assert_pstr_eq(ev->un_location_code, "CNXMN");
    ck_assert_pstr_eq(ev->facility_code, "XHCT");
    ck_assert_double_eq_tol(ev->vgm_kg, 24310.0, 1e-9);
    ck_assert_double_eq_tol(ev->gross_weight_kg, 0.0, 1e-9);
    ck_assert_pstr_eq(ev->seals, "CN2611877");
    ck_assert_pstr_eq(ev->truck_plate, "MIN D12345");
    ck_assert_ptr_null(ev->vessel_imo);
    ck_assert_ptr_null(ev->voyage);
    ck_assert_ptr_null(ev->warnings);
}
END_TEST

START_TEST(test_codeco_gate_out_sample_two_messages)
{
    size_t len;
    unsigned char *data = s_sample("terminal/codeco-gate-out-import.edi", &len);
    kn_event_list_t list = {0};
    ck_assert_int_eq(s_read(data, len, &list), 0);
    ck_assert_uint_eq(list.count, 2);

    const kn_event_t *ev = s_at(&list, 0);
    ck_assert_str_eq(ev->code, "GTOT");
    ck_assert_pstr_eq(ev->message_ref, "XHCT-GOUT-0003");
    ck_assert_pstr_eq(ev->position, "segment 4 (EQD)");
    ck_assert_pstr_eq(ev->equipment_reference, "COSU6123451");
    ck_assert_pstr_eq(ev->transport_document_reference, "COSU8801234567");
    ck_assert_pstr_eq(ev->event_datetime, "2026-11-22T09:07:00+08:00");
    ck_assert_pstr_eq(ev->truck_plate, "MIN D67890");
    ck_assert_pstr_eq(ev->un_location_code, "CNXMN");
    ck_assert_pstr_eq(ev->facility_code, "XHCT");

    ev = s_at(&list, 1);
    ck_assert_str_eq(ev->code, "GTOT");
    ck_assert_pstr_eq(ev->message_ref, "XHCT-GOUT-0004");
    ck_assert_pstr_eq(ev->position, "message 2: segment 4 (EQD)");
    ck_assert_pstr_eq(ev->equipment_reference, "CSNU7041125");
    ck_assert_pstr_eq(ev->transport_document_reference, "COSU8801234568");
    ck_assert_pstr_eq(ev->event_datetime, "2026-11-22T13:42:00+08:00");
    ck_assert_ptr_null(ev->truck_plate);
    ck_assert_ptr_null(ev->warnings);
}
END_TEST

START_TEST(test_codeco_truck_and_message_defaults)
{
    const char *text = s_wrap("CODECO", "D:95B",
                              "BGM+34+G1+9'"
                              "RFF+BN:BK0001'"
                              "EQD+CN+TGHU3007773+42G1:102:5+1+2+5'"
                              "DTM+7:202611220928:203'"
                              "TDT+1+++++++TRUCK42'"
                              "CNT+16:1'");
    kn_event_list_t list = {0};
    ck_assert_int_eq(s_read_text(text, &list), 0);
    ck_assert_uint_eq(list.count, 1);
    ck_assert_pstr_eq(s_at(&list, 0)->truck_plate, "TRUCK42");
    ck_assert_pstr_eq(s_at(&list, 0)->carrier_booking_reference, "BK0001");
    ck_assert_ptr_null(s_at(&list, 0)->vessel_imo);
}
END_TEST

/* ---- BERMAN ------------------------------------------------------------- */

START_TEST(test_berman_file)
{
    size_t len;
    unsigned char *data = s_data("berman-cosco-xiamen-118e.edi", &len);
    kn_event_list_t list = {0};
    ck_assert_int_eq(s_read(data, len, &list), 0);
    ck_assert_uint_eq(list.count, 5);

    static const struct {
        const char *code;
        kn_event_class_t cls;
        const char *time;
        const char *position;
    } want[] = {
        {"ARRI", KN_CLASS_EST, "2026-11-22T05:00:00+08:00", "segment 7 (DTM)"},
        {"DEPA", KN_CLASS_EST, "2026-11-23T18:00:00+08:00", "segment 8 (DTM)"},
        {"ARRI", KN_CLASS_PLN, "2026-11-22T04:00:00+08:00", "segment 10 (DTM)"},
        {"ARRI", KN_CLASS_ACT, "2026-11-21T22:00:00+00:00", "message 2: segment 6 (DTM)"},
        {"DEPA", KN_CLASS_ACT, "2026-11-23T19:35:00+08:00", "message 2: segment 7 (DTM)"},
    };
    for (size_t i = 0; i < 5; i++) {
        const kn_event_t *ev = s_at(&list, i);
        ck_assert_int_eq(ev->type, KN_EVENT_TRANSPORT);
        ck_assert_str_eq(ev->code, want[i].code);
        ck_assert_int_eq(ev->classifier, want[i].cls);
        ck_assert_int_eq(ev->function, KN_FUNC_ADD);
        ck_assert_pstr_eq(ev->event_datetime, want[i].time);
        ck_assert_pstr_eq(ev->position, want[i].position);
        ck_assert_pstr_eq(ev->message_kind, "BERMAN");
        ck_assert_pstr_eq(ev->message_ref, i < 3 ? "XHCT-BER-0099" : "XHCT-BER-0100");
        ck_assert_pstr_eq(ev->vessel_name, "COSCO XIAMEN");
        ck_assert_pstr_eq(ev->voyage, "118E");
        ck_assert_pstr_eq(ev->un_location_code, "CNXMN");
        ck_assert_pstr_eq(ev->facility_code, "XHCT");
        ck_assert_ptr_null(ev->equipment_reference);
        ck_assert_ptr_null(ev->warnings);
        if (i < 3) {
            ck_assert_pstr_eq(ev->vessel_imo, "9812345");
            ck_assert_ptr_null(ev->vessel_call_sign);
        } else {
            ck_assert_ptr_null(ev->vessel_imo);
            ck_assert_pstr_eq(ev->vessel_call_sign, "BPXM");
        }
    }
}
END_TEST

START_TEST(test_berman_groups_and_cancellation)
{
    const char *text = s_wrap("BERMAN", "D:00B",
                              "BGM++B1+1'"
                              "DTM+137:202611211630:203'"
                              "DTM+132:202611220500:203'"
                              "TDT+20+118E+1+++++9812345:146::COSCO XIAMEN'"
                              "LOC+11+CNXMN:139:6+XHCT:TER:ZZZ'"
                              "DTM+136:202611231935:203'"
                              "TDT+20+119W+1+++++9812345:146::COSCO XIAMEN'"
                              "DTM+189:202611240000:203'"
                              "DTM+999:202611240000:203'");
    kn_event_list_t list = {0};
    ck_assert_int_eq(s_read_text(text, &list), 0);
    ck_assert_uint_eq(list.count, 3);

    const kn_event_t *ev = s_at(&list, 0); /* before any TDT: the message's first vessel */
    ck_assert_str_eq(ev->code, "ARRI");
    ck_assert_int_eq(ev->classifier, KN_CLASS_EST);
    ck_assert_int_eq(ev->function, KN_FUNC_WITHDRAW);
    ck_assert_pstr_eq(ev->voyage, "118E");
    ck_assert_pstr_eq(ev->un_location_code, "CNXMN");
    ev = s_at(&list, 1);
    ck_assert_str_eq(ev->code, "DEPA");
    ck_assert_int_eq(ev->classifier, KN_CLASS_ACT);
    ck_assert_pstr_eq(ev->event_datetime, "2026-11-23T19:35:00+08:00");
    ev = s_at(&list, 2); /* a TDT group without LOC: the message's first port of call */
    ck_assert_str_eq(ev->code, "DEPA");
    ck_assert_int_eq(ev->classifier, KN_CLASS_PLN);
    ck_assert_pstr_eq(ev->voyage, "119W");
    ck_assert_pstr_eq(ev->un_location_code, "CNXMN");
    ck_assert_pstr_eq(ev->position, "segment 9 (DTM)");
}
END_TEST

/* ---- data-quality warnings ---------------------------------------------- */

START_TEST(test_check_digit_warning_sample)
{
    size_t len;
    unsigned char *data = s_sample("bad/coarri-bad-checkdigit.edi", &len);
    kn_event_list_t list = {0};
    ck_assert_int_eq(s_read(data, len, &list), 0);
    ck_assert_uint_eq(list.count, 1);
    const kn_event_t *ev = s_at(&list, 0);
    ck_assert_str_eq(ev->code, "DISC");
    ck_assert_pstr_eq(ev->equipment_reference, "MSCU5510221");
    ck_assert_pstr_eq(ev->message_ref, "XHCT-DIS-0005");
    ck_assert_pstr_eq(ev->position, "segment 5 (EQD)");
    ck_assert_pstr_eq(ev->event_datetime, "2026-11-22T08:30:00+08:00");
    s_assert_cosco_xiamen(ev);
    ck_assert_ptr_nonnull(ev->warnings);
    ck_assert_str_eq(ev->warnings->code, "CHECK_DIGIT");
    ck_assert_str_eq(ev->warnings->text,
                     "container number MSCU5510221 fails the ISO 6346 check digit (should be 0)");
    ck_assert_ptr_null(ev->warnings->next);
}
END_TEST

START_TEST(test_malformed_number_and_missing_time)
{
    const char *text = s_wrap("CODECO", "D:95B",
                              "BGM+36+G9+9'"
                              "EQD+CN+ABC123+22G1'");
    kn_event_list_t list = {0};
    ck_assert_int_eq(s_read_text(text, &list), 0);
    ck_assert_uint_eq(list.count, 1);
    const kn_event_t *ev = s_at(&list, 0);
    ck_assert_ptr_null(ev->event_datetime);
    const kn_warning_t *w = ev->warnings;
    ck_assert_ptr_nonnull(w);
    ck_assert_str_eq(w->code, "CHECK_DIGIT");
    ck_assert_str_eq(w->text, "container number ABC123 is not an ISO 6346 number (four letters "
                              "and seven digits)");
    w = w->next;
    ck_assert_ptr_nonnull(w);
    ck_assert_str_eq(w->code, "NO_EVENT_TIME");
    ck_assert_str_eq(w->text, "no DTM+7 event time for container ABC123");
    ck_assert_ptr_null(w->next);
}
END_TEST

/* ---- errors ------------------------------------------------------------- */

START_TEST(test_syntax_errors_propagate)
{
    size_t len;
    unsigned char *data = s_sample("bad/coarri-truncated.edi", &len);
    kn_event_list_t list = {0};
    ck_assert_int_eq(s_read(data, len, &list), KN_EPARSE);
    ck_assert_str_eq(s_err.position, "segment 18 (MEA)");
    ck_assert_str_eq(s_err.message, "edifact: input ends after this segment: message 1 has no UNT "
                                    "and the interchange no UNZ");
    ck_assert_uint_eq(list.count, 0);

    data = s_sample("bad/coarri-wrong-segment-count.edi", &len);
    ck_assert_int_eq(s_read(data, len, &list), KN_EPARSE);
    ck_assert_str_eq(s_err.position, "segment 26 (UNT)");
    ck_assert_str_eq(s_err.message, "edifact: element 1: segment count says 31, message has 26");
    ck_assert_uint_eq(list.count, 0);

    s_refused(s_wrap("COARRI", "D:96A", "BGM+44+D1+9'"), KN_EUNKNOWN, "segment 1 (UNH)",
              "element 2: message directory D.96A is not supported (D.95B or D.00B)");
    s_refused("", KN_EPARSE, "", "empty input: no UNB");
}
END_TEST

START_TEST(test_message_type_not_for_terminals)
{
    s_refused(s_wrap("IFTMIN", "D:95B", "BGM+610+X1+9'"), KN_EUNKNOWN, "segment 1 (UNH)",
              "element 2: message type IFTMIN may not be sent by a terminal (COARRI, CODECO or "
              "BERMAN)");

    /* A refused second message takes the first one's events with it. */
    const char *text = "UNB+UNOA:2+XHCT+KOUAN+261122:0815+R1'"
                       "UNH+1+CODECO:D:95B:UN'BGM+34+G1+9'EQD+CN+TGHU3007773'UNT+4+1'"
                       "UNH+2+CUSCAR:D:95B:UN'BGM+85+C1+9'UNT+3+2'"
                       "UNZ+2+R1'";
    kn_event_list_t list = {0};
    kn_event_t *before = kn_event_append(&list, s_arena, KN_EVENT_EQUIPMENT, "INSP");
    ck_assert_int_eq(s_read_text(text, &list), KN_EUNKNOWN);
    ck_assert_str_eq(s_err.position, "message 2: segment 1 (UNH)");
    ck_assert_ptr_eq(list.head, before);
    ck_assert_ptr_eq(list.tail, before);
    ck_assert_ptr_null(before->next);
    ck_assert_uint_eq(list.count, 1);
}
END_TEST

START_TEST(test_profile_errors)
{
    s_refused(s_wrap("COARRI", "D:95B", "BGM+99+D1+9'"), KN_ESCHEMA, "segment 2 (BGM)",
              "element 1: document code 99 is not a discharge (44) or loading (46) report");
    s_refused(s_wrap("CODECO", "D:95B", "BGM++D1+9'"), KN_ESCHEMA, "segment 2 (BGM)",
              "element 1: document code (missing) is not a gate-in (34) or gate-out (36) report");
    s_refused(s_wrap("COARRI", "D:95B", "DTM+137:202611220812:203'"), KN_ESCHEMA, "segment 2 (DTM)",
              "COARRI message has no BGM after UNH");
    s_refused(s_wrap("COARRI", "D:95B", "BGM+44+D1+9'EQD+CN'"), KN_ESCHEMA, "segment 3 (EQD)",
              "element 2: equipment identification is missing");
    s_refused(s_wrap("COARRI", "D:95B", "BGM+44+D1+9'EQD+CN+COSU6123451'MEA+AAE+G+GRM:22150'"),
              KN_ESCHEMA, "segment 4 (MEA)", "element 3: weight unit GRM is not KGM, TNE or LBR");
    s_refused(s_wrap("COARRI", "D:95B", "BGM+44+D1+9'EQD+CN+COSU6123451'MEA+AAE+G+KGM:22.1.5'"),
              KN_ESCHEMA, "segment 4 (MEA)",
              "element 3 component 2: weight 22.1.5 is not a number");
    s_refused(s_wrap("COARRI", "D:95B", "BGM+44+D1+9'EQD+CN+COSU6123451'TMP+2+COLD:CEL'"),
              KN_ESCHEMA, "segment 4 (TMP)", "element 2: temperature COLD is not a number");
    s_refused(
        s_wrap("COARRI", "D:95B", "BGM+44+D1+9'EQD+CN+COSU6123451'EQD+CN+CSNU7041125'CNT+16:3'"),
        KN_ESCHEMA, "segment 5 (CNT)",
        "element 1: equipment count says 3, message has 2 EQD groups");

    char body[1024];
    int o = snprintf(body, sizeof body, "BGM+44+D1+9'EQD+CN+COSU6123451'");
    for (int i = 0; i <= KN_TERMINAL_MAX_SEALS; i++)
        o += snprintf(body + o, sizeof body - (size_t)o, "SEL+S%d'", i);
    s_refused(s_wrap("COARRI", "D:95B", body), KN_ESCHEMA, "segment 20 (SEL)",
              "more than 16 seals on equipment COSU6123451");
}
END_TEST

START_TEST(test_date_errors)
{
#define DTM_CASE(dtm) s_wrap("COARRI", "D:95B", "BGM+44+D1+9'EQD+CN+COSU6123451'" dtm "'")
    s_refused(DTM_CASE("DTM+203:202613220812:203"), KN_ESCHEMA, "segment 4 (DTM)",
              "element 1: date/time 202613220812 is not a valid date and time");
    s_refused(DTM_CASE("DTM+203:202702290812:203"), KN_ESCHEMA, "segment 4 (DTM)",
              "element 1: date/time 202702290812 is not a valid date and time");
    s_refused(DTM_CASE("DTM+203:2026112208:203"), KN_ESCHEMA, "segment 4 (DTM)",
              "element 1: date/time 2026112208 does not match format 203");
    s_refused(DTM_CASE("DTM+203:20261122:102"), KN_ESCHEMA, "segment 4 (DTM)",
              "element 1 component 3: date/time format 102 is not supported (203, 204, 205, "
              "303 or 304)");
    s_refused(DTM_CASE("DTM+203:202611220812CET:303"), KN_ESCHEMA, "segment 4 (DTM)",
              "element 1: time zone \"CET\" of 202611220812CET is not understood");
    s_refused(DTM_CASE("DTM+203"), KN_ESCHEMA, "segment 4 (DTM)",
              "element 1: date/time value is missing");

    kn_event_list_t list = {0};
    ck_assert_int_eq(s_read_text(DTM_CASE("DTM+203:202802290812"), &list), 0);
    ck_assert_pstr_eq(s_at(&list, 0)->event_datetime, "2028-02-29T08:12:00+08:00");
    ck_assert_int_eq(s_read_text(DTM_CASE("DTM+203:202611220812-03:303"), &list), 0);
    ck_assert_pstr_eq(s_at(&list, 1)->event_datetime, "2026-11-22T08:12:00-03:00");
#undef DTM_CASE
}
END_TEST

START_TEST(test_appends_to_existing_list)
{
    size_t len1, len2;
    unsigned char *in1 = s_sample("terminal/codeco-gate-in-export.edi", &len1);
    unsigned char *in2 = s_sample("terminal/codeco-gate-out-import.edi", &len2);
    kn_event_list_t list = {0};
    ck_assert_int_eq(s_read(in1, len1, &list), 0);
    ck_assert_int_eq(s_read(in2, len2, &list), 0);
    ck_assert_uint_eq(list.count, 3);
    ck_assert_str_eq(s_at(&list, 0)->code, "GTIN");
    ck_assert_str_eq(s_at(&list, 1)->code, "GTOT");
    ck_assert_pstr_eq(s_at(&list, 2)->equipment_reference, "CSNU7041125");
    ck_assert_ptr_eq(list.tail, s_at(&list, 2));
}
END_TEST

Suite *kn_test_terminal_suite(void)
{
    Suite *s = suite_create("terminal");
    struct {
        const char *name;
        const TTest *tests[6];
    } cases[] = {
        {"coarri",
         {test_coarri_discharge_sample, test_coarri_load_units_and_zones,
          test_coarri_cancellation_withdraws}},
        {"codeco",
         {test_codeco_gate_in_sample, test_codeco_gate_out_sample_two_messages,
          test_codeco_truck_and_message_defaults, test_appends_to_existing_list}},
        {"berman", {test_berman_file, test_berman_groups_and_cancellation}},
        {"warnings", {test_check_digit_warning_sample, test_malformed_number_and_missing_time}},
        {"errors",
         {test_syntax_errors_propagate, test_message_type_not_for_terminals, test_profile_errors,
          test_date_errors}},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        TCase *tc = tcase_create(cases[i].name);
        tcase_add_checked_fixture(tc, s_setup, s_teardown);
        for (size_t j = 0; j < 6 && cases[i].tests[j]; j++)
            tcase_add_test(tc, cases[i].tests[j]);
        suite_add_tcase(s, tc);
    }
    return s;
}
