/* Tests for adapters/instruction.c (KN10051 diversion instruction, written by
 * hand and read back through kouan-diversion.xsd). */
#include "instruction.h"
#include "xmlsafe.h"

#include "runner.h"

#include <check.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef KN_TEST_DATA_DIR
#error "KN_TEST_DATA_DIR must be defined by the build"
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

/* The whole of KN_TEST_DATA_DIR/name in the arena. */
static const unsigned char *s_file(const char *name, size_t *len)
{
    return kn_test_read(s_arena, KN_TEST_DATA_DIR, name, len);
}

/* A box sent to the scanning lane: only what is required. */
static kn_instruction_t s_scan_lane(void)
{
    return (kn_instruction_t){
        .instruction_id = "KN-000000123",
        .function = KN_FUNC_ADD,
        .receiver = "XHCT",
        .create_time = "2026-11-22T05:41:02+08:00",
        .equipment_reference = "CSNU7041125",
        .route = "SCAN_LANE",
        .reason = "customs inspection order H986",
    };
}

/* A box sent to the inspection area with a slot (the expected-file case). */
static kn_instruction_t s_inspection(void)
{
    return (kn_instruction_t){
        .instruction_id = "KN-000000124",
        .function = KN_FUNC_ADD,
        .receiver = "XHCT",
        .create_time = "2026-11-21T21:41:02Z", /* 05:41:02 in Beijing */
        .equipment_reference = "TGHU8812348",
        .transport_document_reference = "COSU8801234568",
        .vessel_name = "COSCO XIAMEN",
        .voyage = "118E",
        .route = "INSPECTION_AREA",
        .reason = "海关查验指令（人工开箱），税款未缴",
        .inspection_area = "查验区 2",
        .slot_start = "2026-11-22T09:00:00+08:00",
        .slot_end = "2026-11-22T09:30:00+08:00",
        .exam_type = "MANUAL",
    };
}

static void s_assert_str(const char *got, const char *want, const char *field)
{
    if (!want)
        ck_assert_msg(got == NULL, "%s: expected NULL, got \"%s\"", field, got);
    else
        ck_assert_msg(got && !strcmp(got, want), "%s: expected \"%s\", got \"%s\"", field, want,
                      got ? got : "(null)");
}

/* Write ins, read it back, and compare every field (create_time as given by
 * want_created). */
static void s_round_trip(const kn_instruction_t *ins, const char *want_created)
{
    size_t len = 0;
    char *xml = kn_instruction_xml(ins, s_arena, &len, &s_err);
    ck_assert_msg(xml != NULL, "write: %s: %s", s_err.position, s_err.message);
    ck_assert_uint_eq(len, strlen(xml));

    kn_instruction_t back;
    int rc = kn_instruction_read((const unsigned char *)xml, len, s_arena, &back, &s_err);
    ck_assert_msg(rc == 0, "read: %s: %s\n%s", s_err.position, s_err.message, xml);
    s_assert_str(back.instruction_id, ins->instruction_id, "instruction_id");
    ck_assert_int_eq(back.function, ins->function);
    s_assert_str(back.receiver, ins->receiver, "receiver");
    s_assert_str(back.create_time, want_created, "create_time");
    s_assert_str(back.equipment_reference, ins->equipment_reference, "equipment_reference");
    s_assert_str(back.transport_document_reference, ins->transport_document_reference,
                 "transport_document_reference");
    s_assert_str(back.vessel_name, ins->vessel_name, "vessel_name");
    s_assert_str(back.voyage, ins->voyage, "voyage");
    s_assert_str(back.route, ins->route, "route");
    s_assert_str(back.reason, ins->reason, "reason");
    s_assert_str(back.inspection_area, ins->inspection_area, "inspection_area");
    s_assert_str(back.slot_start, ins->slot_start, "slot_start");
    s_assert_str(back.slot_end, ins->slot_end, "slot_end");
    s_assert_str(back.exam_type, ins->exam_type, "exam_type");
}

START_TEST(scan_lane_round_trip)
{
    kn_instruction_t ins = s_scan_lane();
    s_round_trip(&ins, "2026-11-22T05:41:02+08:00");

    char *xml = kn_instruction_xml(&ins, s_arena, NULL, &s_err);
    ck_assert_ptr_nonnull(xml);
    ck_assert_ptr_nonnull(strstr(xml, "<FUNCTION_CODE>2</FUNCTION_CODE>"));
    ck_assert_ptr_nonnull(strstr(xml, "<MESSAGE_TYPE>KN10051</MESSAGE_TYPE>"));
    ck_assert_ptr_nonnull(strstr(xml, "<MESSAGE_CREATE_TIME>2026-11-22 05:41:02<"));
    /* optional elements left out, not written empty */
    ck_assert_ptr_null(strstr(xml, "BILL_NO"));
    ck_assert_ptr_null(strstr(xml, "SLOT_START"));
    ck_assert_ptr_null(strstr(xml, "EXAM_TYPE"));
}
END_TEST

START_TEST(withdraw_round_trip)
{
    kn_instruction_t ins = s_scan_lane();
    ins.function = KN_FUNC_WITHDRAW;
    ins.route = "DIRECT_PICKUP";
    ins.reason = "inspection order withdrawn\n\tby customs";
    s_round_trip(&ins, "2026-11-22T05:41:02+08:00");
    char *xml = kn_instruction_xml(&ins, s_arena, NULL, &s_err);
    ck_assert_ptr_nonnull(strstr(xml, "<FUNCTION_CODE>3</FUNCTION_CODE>"));
}
END_TEST

START_TEST(inspection_round_trip)
{
    kn_instruction_t ins = s_inspection();
    s_round_trip(&ins, "2026-11-22T05:41:02+08:00");
}
END_TEST

/* The exact text, and the XSD accepts it (checked apart from the reader). */
START_TEST(inspection_exact_text)
{
    kn_instruction_t ins = s_inspection();
    size_t len = 0, want_len = 0;
    char *xml = kn_instruction_xml(&ins, s_arena, &len, &s_err);
    ck_assert_msg(xml != NULL, "%s", s_err.message);
    const unsigned char *want = s_file("instruction-inspection.xml", &want_len);
    ck_assert_msg(len == want_len && !memcmp(xml, want, len), "got:\n%s", xml);

    xmlDoc *doc = NULL;
    xmlSchema *schema = NULL;
    ck_assert_int_eq(kn_xmlsafe_load((const unsigned char *)xml, len, NULL, &doc, &s_err), 0);
    ck_assert_int_eq(kn_xmlsafe_schema("kouan-diversion.xsd", &schema, &s_err), 0);
    int rc = kn_xmlsafe_validate(schema, doc, "test", &s_err);
    xmlFreeDoc(doc);
    ck_assert_msg(rc == 0, "%s: %s", s_err.position, s_err.message);
}
END_TEST

/* create_time in any offset becomes Beijing wall-clock time. */
START_TEST(create_time_to_beijing)
{
    static const struct {
        const char *in, *clm;
    } cases[] = {
        {"2026-11-22T05:41:02+08:00", "2026-11-22 05:41:02"},
        {"2026-11-22T05:41:02.123+08:00", "2026-11-22 05:41:02"},
        {"2026-12-31T20:30:00-05:00", "2027-01-01 09:30:00"},
        {"2028-02-28T18:00:00Z", "2028-02-29 02:00:00"},
        {"2026-03-01T01:00:00+09:30", "2026-02-28 23:30:00"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        kn_instruction_t ins = s_scan_lane();
        ins.create_time = cases[i].in;
        char *xml = kn_instruction_xml(&ins, s_arena, NULL, &s_err);
        ck_assert_msg(xml != NULL, "%s: %s", cases[i].in, s_err.message);
        char want[64];
        snprintf(want, sizeof want, "<MESSAGE_CREATE_TIME>%s</MESSAGE_CREATE_TIME>", cases[i].clm);
        ck_assert_msg(strstr(xml, want) != NULL, "%s: want %s in\n%s", cases[i].in, want, xml);
    }
}
END_TEST

START_TEST(escapes_markup_in_reason)
{
    kn_instruction_t ins = s_scan_lane();
    ins.reason = "tax & customs: <hold> \"H986\" 'x'";
    ins.transport_document_reference = "A&B<1>";
    char *xml = kn_instruction_xml(&ins, s_arena, NULL, &s_err);
    ck_assert_msg(xml != NULL, "%s", s_err.message);
    ck_assert_ptr_nonnull(
        strstr(xml, "<REASON>tax &amp; customs: &lt;hold&gt; &quot;H986&quot; 'x'</REASON>"));
    ck_assert_ptr_nonnull(strstr(xml, "<BILL_NO>A&amp;B&lt;1&gt;</BILL_NO>"));
    s_round_trip(&ins, "2026-11-22T05:41:02+08:00");
}
END_TEST

/* Each bad input, refused with KN_EINVAL naming its field. */
static const struct {
    const char *field; /* expected in position and message */
    const char *value; /* for field (string fields) */
    const char *why;   /* expected in the message */
} s_bad[] = {
    {"instruction_id", NULL, "missing"},
    {"instruction_id", "KN 1", "' '"},
    {"function", NULL, "neither"},
    {"receiver", "", "empty"},
    {"create_time", "2026-11-22 05:41:02", "ISO 8601"},
    {"create_time", "2026-02-29T05:41:02+08:00", "ISO 8601"},
    {"create_time", "2026-11-22T05:41:02", "ISO 8601"},
    {"equipment_reference", NULL, "missing"},
    {"equipment_reference", "", "empty"},
    {"equipment_reference", "csnu7041125", "container number"},
    {"equipment_reference", "CSNU704112", "container number"},
    {"transport_document_reference", "", "pass NULL"},
    {"transport_document_reference", "COSU 880", "' '"},
    {"vessel_name", "COSCO\rXIAMEN", "control character U+000D at byte 5"},
    {"voyage", "118E-123456789012345", "bytes long"},
    {"route", "HOLD", "not one of"},
    {"route", NULL, "missing"},
    {"reason", NULL, "missing"},
    {"reason", " \n ", "blank"},
    {"reason", "bad\x01", "control character U+0001 at byte 3"},
    {"reason", "bad\x7f", "control character U+007F"},
    {"reason", "bad \xe6\xb5", "not valid UTF-8 at byte 4"},
    {"reason", "overlong \xc0\xaf", "not valid UTF-8"},
    {"reason", "surrogate \xed\xa0\x80", "not valid UTF-8"},
    {"inspection_area", "area\x1b[0m", "control character U+001B"},
    {"slot_start", "2026-11-22T09:00:00+08:00", "slot_end is missing"},
    {"slot_end", "2026-11-22T09:30:00+08:00", "slot_start is missing"},
    {"slot_end", "2026-11-22T08:30:00+08:00", "not after"},
    {"slot_end", "2026-11-22T09:00:00+15:00", "ISO 8601"},
    {"exam_type", "H 986", "' '"},
};

/* Put value into the field named field of ins. */
static void s_set(kn_instruction_t *ins, const char *field, const char *value)
{
    const char **slot = NULL;
#define S_FIELD(f)                                                                                 \
    if (!strcmp(field, #f))                                                                        \
    slot = &ins->f
    S_FIELD(instruction_id);
    S_FIELD(receiver);
    S_FIELD(create_time);
    S_FIELD(equipment_reference);
    S_FIELD(transport_document_reference);
    S_FIELD(vessel_name);
    S_FIELD(voyage);
    S_FIELD(route);
    S_FIELD(reason);
    S_FIELD(inspection_area);
    S_FIELD(slot_start);
    S_FIELD(slot_end);
    S_FIELD(exam_type);
#undef S_FIELD
    ck_assert_msg(slot != NULL, "no field %s", field);
    *slot = value;
}

START_TEST(refuses_bad_input)
{
    kn_instruction_t ins = s_inspection();
    const char *field = s_bad[_i].field;
    if (!strcmp(field, "function")) {
        ins.function = (kn_event_func_t)2; /* the wire code, not the enum */
    } else if (!strcmp(field, "slot_start") || !strcmp(field, "slot_end")) {
        ins.slot_start = ins.slot_end = NULL;
        if (strcmp(s_bad[_i].why, "not after") && strcmp(s_bad[_i].why, "ISO 8601")) {
            s_set(&ins, field, s_bad[_i].value);
        } else {
            ins.slot_start = "2026-11-22T09:00:00+08:00";
            ins.slot_end = s_bad[_i].value;
        }
    } else {
        s_set(&ins, field, s_bad[_i].value);
    }
    size_t len = 12345;
    char *xml = kn_instruction_xml(&ins, s_arena, &len, &s_err);
    ck_assert_msg(xml == NULL, "case %d (%s) accepted:\n%s", _i, field, xml);
    ck_assert_uint_eq(len, 12345); /* untouched */
    ck_assert_int_eq(s_err.code, KN_EINVAL);
    /* the slot cases name the end that is missing */
    const char *named = !strcmp(s_bad[_i].why, "slot_end is missing")     ? "slot_end"
                        : !strcmp(s_bad[_i].why, "slot_start is missing") ? "slot_start"
                                                                          : field;
    ck_assert_str_eq(s_err.position, named);
    ck_assert_msg(strstr(s_err.message, named) && strstr(s_err.message, s_bad[_i].why),
                  "case %d: message \"%s\" lacks \"%s\" or \"%s\"", _i, s_err.message, named,
                  s_bad[_i].why);
    ck_assert_msg(!strncmp(s_err.message, "instruction: ", 13), "%s", s_err.message);
}
END_TEST

START_TEST(refuses_bad_route_by_schema)
{
    size_t len = 0;
    const unsigned char *data = s_file("instruction-bad-route.xml", &len);
    kn_instruction_t out;
    int rc = kn_instruction_read(data, len, s_arena, &out, &s_err);
    ck_assert_int_eq(rc, KN_ESCHEMA);
    ck_assert_str_eq(s_err.position, "/MESSAGE/MESSAGE_LIST/DIVERSION_INFO/ROUTE");
    ck_assert_msg(strstr(s_err.message, "instruction: line 17: element 'ROUTE'") != NULL, "%s",
                  s_err.message);
    ck_assert_ptr_null(out.instruction_id);
}
END_TEST

static int s_read_str(const char *xml, kn_instruction_t *out)
{
    return kn_instruction_read((const unsigned char *)xml, strlen(xml), s_arena, out, &s_err);
}

/* The inspection message with one substitution made. */
static char *s_variant(const char *from, const char *to)
{
    kn_instruction_t ins = s_inspection();
    char *xml = kn_instruction_xml(&ins, s_arena, NULL, &s_err);
    ck_assert_ptr_nonnull(xml);
    char *at = strstr(xml, from);
    ck_assert_msg(at != NULL, "no %s", from);
    return kn_arena_printf(s_arena, "%.*s%s%s", (int)(at - xml), xml, to, at + strlen(from));
}

START_TEST(read_refuses_what_the_writer_would)
{
    kn_instruction_t out;
    /* a slot with one end */
    ck_assert_int_eq(
        s_read_str(s_variant("      <SLOT_END>2026-11-22T09:30:00+08:00</SLOT_END>\n", ""), &out),
        KN_ESCHEMA);
    ck_assert_str_eq(s_err.position, "/MESSAGE/MESSAGE_LIST/DIVERSION_INFO/EXAM_TYPE");
    /* a slot that ends before it starts */
    ck_assert_int_eq(s_read_str(s_variant("T09:30:00", "T08:30:00"), &out), KN_ESCHEMA);
    ck_assert_str_eq(s_err.position, "/MESSAGE/MESSAGE_LIST/DIVERSION_INFO/SLOT_END");
    ck_assert_ptr_nonnull(strstr(s_err.message, "not after"));
    /* an impossible date */
    ck_assert_int_eq(s_read_str(s_variant("2026-11-22 05:41:02", "2026-02-30 05:41:02"), &out),
                     KN_ESCHEMA);
    ck_assert_str_eq(s_err.position, "/MESSAGE/MESSAGE_HEAD/MESSAGE_CREATE_TIME");
    /* a bad container number */
    ck_assert_int_eq(s_read_str(s_variant("TGHU8812348", "TGHU881234"), &out), KN_ESCHEMA);
    ck_assert_str_eq(s_err.position, "/MESSAGE/MESSAGE_LIST/DIVERSION_INFO/CONTA_NO");
    /* FUNCTION_CODE other than 2 or 3 */
    ck_assert_int_eq(s_read_str(s_variant("<FUNCTION_CODE>2", "<FUNCTION_CODE>1"), &out),
                     KN_ESCHEMA);
    ck_assert_str_eq(s_err.position, "/MESSAGE/MESSAGE_HEAD/FUNCTION_CODE");
    /* a blank reason */
    ck_assert_int_eq(s_read_str(s_variant("海关查验指令（人工开箱），税款未缴", " "), &out),
                     KN_ESCHEMA);
    ck_assert_str_eq(s_err.position, "/MESSAGE/MESSAGE_LIST/DIVERSION_INFO/REASON");
    /* another CLM message is named, not schema-refused */
    ck_assert_int_eq(s_read_str(s_variant(">KN10051<", ">CLM10021<"), &out), KN_EUNKNOWN);
    ck_assert_str_eq(s_err.position, "/MESSAGE/MESSAGE_HEAD/MESSAGE_TYPE");
    ck_assert_ptr_nonnull(strstr(s_err.message, "CLM10021"));
    ck_assert_int_eq(s_read_str("<TaxPayment/>", &out), KN_EUNKNOWN);
    /* and a DOCTYPE never gets in */
    ck_assert_int_eq(s_read_str("<?xml version=\"1.0\"?><!DOCTYPE MESSAGE [<!ENTITY x "
                                "SYSTEM \"file:///etc/passwd\">]><MESSAGE>&x;</MESSAGE>",
                                &out),
                     KN_EXML);
}
END_TEST

Suite *kn_test_instruction_suite(void)
{
    Suite *s = suite_create("instruction");
    TCase *tc = tcase_create("write");
    tcase_add_checked_fixture(tc, s_setup, s_teardown);
    tcase_add_test(tc, scan_lane_round_trip);
    tcase_add_test(tc, withdraw_round_trip);
    tcase_add_test(tc, inspection_round_trip);
    tcase_add_test(tc, inspection_exact_text);
    tcase_add_test(tc, create_time_to_beijing);
    tcase_add_test(tc, escapes_markup_in_reason);
    tcase_add_loop_test(tc, refuses_bad_input, 0, (int)(sizeof s_bad / sizeof s_bad[0]));
    suite_add_tcase(s, tc);

    tc = tcase_create("read");
    tcase_add_checked_fixture(tc, s_setup, s_teardown);
    tcase_add_test(tc, refuses_bad_route_by_schema);
    tcase_add_test(tc, read_refuses_what_the_writer_would);
    suite_add_tcase(s, tc);
    return s;
}
