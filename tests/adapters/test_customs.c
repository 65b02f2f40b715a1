/* Tests for adapters/customs.c and the safe XML loader it stands on
 * (adapters/xmlsafe.c). */
#include "customs.h"
#include "xmlsafe.h"

#include "reader.h"
#include "runner.h"

#include <check.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef KN_SAMPLES_DIR
#error "KN_SAMPLES_DIR must be defined by the build"
#endif
#ifndef KN_TEST_DATA_DIR
#error "KN_TEST_DATA_DIR must be defined by the build"
#endif

static int s_read_mem(const void *data, size_t len)
{
    return s_read_as(kn_customs_read, "xmcustoms", KN_ROLE_CUSTOMS, "customs-xml", data, len);
}

static int s_read_str(const char *xml)
{
    return s_read_mem(xml, strlen(xml));
}

/* Files are read into an arena of their own, so a test can check that the
 * reader itself took nothing from s_arena. */
static int s_read_file(const char *dir, const char *name)
{
    size_t len;
    kn_arena_t *files = kn_arena_new(64 * 1024);
    ck_assert_ptr_nonnull(files);
    unsigned char *data = kn_test_read(files, dir, name, &len);
    int rc = s_read_mem(data, len);
    kn_arena_destroy(&files);
    return rc;
}

/* A CLM message with the given head fields and MESSAGE_LIST body. */
static int s_read_clm(const char *type, const char *function, const char *created, const char *body)
{
    static char buf[16384];
    snprintf(buf, sizeof buf,
             "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
             "<MESSAGE>\n"
             "<MESSAGE_HEAD><MESSAGE_ID>37012611220001009100</MESSAGE_ID>"
             "<FUNCTION_CODE>%s</FUNCTION_CODE><MESSAGE_TYPE>%s</MESSAGE_TYPE>"
             "<SENDER>3701</SENDER><RECEIVER>XHCT</RECEIVER>"
             "<MESSAGE_CREATE_TIME>%s</MESSAGE_CREATE_TIME><VERSION>1.0</VERSION>"
             "</MESSAGE_HEAD>\n%s\n</MESSAGE>\n",
             function, type, created, body);
    return s_read_str(buf);
}

static const kn_event_t *s_nth(size_t n)
{
    const kn_event_t *ev = s_out.head;
    for (size_t i = 0; ev && i < n; i++)
        ev = ev->next;
    ck_assert_msg(ev != NULL, "no event %zu", n);
    return ev;
}

/* Fields every customs CLM event carries. */
static void s_assert_clm_event(const kn_event_t *ev, const char *code, const char *kind,
                               const char *ref, const char *when)
{
    ck_assert_int_eq(ev->type, KN_EVENT_SHIPMENT);
    ck_assert_str_eq(ev->code, code);
    ck_assert_int_eq(ev->classifier, KN_CLASS_ACT);
    ck_assert_str_eq(ev->document_type_code, "CUS");
    ck_assert_str_eq(ev->message_kind, kind);
    ck_assert_str_eq(ev->message_ref, ref);
    ck_assert_str_eq(ev->event_datetime, when);
    ck_assert_str_eq(ev->facility_code, "XHCT");
}

/* ---- samples ------------------------------------------------------------- */

START_TEST(test_sample_discharge_instruction)
{
    ck_assert_int_eq(s_read_file(KN_SAMPLES_DIR, "customs/clm10041-discharge-instruction.xml"), 0);
    ck_assert_uint_eq(s_out.count, 3);
    static const char *const boxes[] = {"COSU6123451", "CSNU7041125", "OOLU8890211"};
    static const char *const bills[] = {"COSU8801234567", "COSU8801234568", "COSU8801234569"};
    static const char *const sizes[] = {"45G1", "22G1", "45R1"};
    static const char *const seals[] = {"CN2611001", "CN2611002", "CN2611003"};
    for (size_t i = 0; i < 3; i++) {
        const kn_event_t *ev = s_nth(i);
        s_assert_clm_event(ev, "APPR", "CLM10041", "37012611220001000041",
                           "2026-11-22T03:10:00+08:00");
        ck_assert_int_eq(ev->function, KN_FUNC_ADD);
        ck_assert_str_eq(ev->equipment_reference, boxes[i]);
        ck_assert_str_eq(ev->transport_document_reference, bills[i]);
        ck_assert_str_eq(ev->iso_equipment_code, sizes[i]);
        ck_assert_str_eq(ev->seals, seals[i]);
        ck_assert_str_eq(ev->empty_indicator, "LADEN");
        ck_assert_str_eq(ev->vessel_name, "COSCO XIAMEN");
        ck_assert_str_eq(ev->voyage, "118E");
        ck_assert_ptr_null(ev->exam_type);
        ck_assert_ptr_null(ev->entry_id);
        ck_assert_ptr_null(ev->warnings);
    }
    ck_assert_str_eq(s_nth(1)->position, "/MESSAGE/MESSAGE_LIST/BILL_INFO[2]/CONTAINER_INFO");
    ck_assert_ptr_eq(s_out.tail, s_nth(2));
}
END_TEST

START_TEST(test_sample_inspection_order)
{
    ck_assert_int_eq(s_read_file(KN_SAMPLES_DIR, "customs/clm10021-inspection-order.xml"), 0);
    ck_assert_uint_eq(s_out.count, 1);
    const kn_event_t *ev = s_nth(0);
    s_assert_clm_event(ev, "HOLD", "CLM10021", "37012611220001000021", "2026-11-22T05:40:55+08:00");
    ck_assert_int_eq(ev->function, KN_FUNC_ADD);
    ck_assert_str_eq(ev->equipment_reference, "CSNU7041125");
    ck_assert_str_eq(ev->exam_type, "H986");
    ck_assert_str_eq(ev->entry_id, "370120261000123456");
    ck_assert_str_eq(ev->agent_name, "XIAMEN SHENGYI LOGISTICS");
    ck_assert_ptr_null(ev->agent_code);
    ck_assert_str_eq(ev->transport_document_reference, "COSU8801234568");
    ck_assert_str_eq(ev->iso_equipment_code, "22G1");
    ck_assert_ptr_null(ev->seals);
    ck_assert_str_eq(ev->vessel_name, "COSCO XIAMEN");
    ck_assert_str_eq(ev->voyage, "118E");
    ck_assert_str_eq(ev->position, "/MESSAGE/MESSAGE_LIST/BILL_INFO/CONTAINER_INFO");
    ck_assert_ptr_null(ev->warnings);
}
END_TEST

START_TEST(test_sample_inspection_order_gbk)
{
    ck_assert_int_eq(s_read_file(KN_SAMPLES_DIR, "customs/clm10021-inspection-order-gbk.xml"), 0);
    ck_assert_uint_eq(s_out.count, 1);
    const kn_event_t *ev = s_nth(0);
    s_assert_clm_event(ev, "HOLD", "CLM10021", "37012611220001000022", "2026-11-22T05:41:30+08:00");
    ck_assert_str_eq(ev->equipment_reference, "OOLU8890211");
    ck_assert_str_eq(ev->exam_type, "MANUAL");
    ck_assert_str_eq(ev->entry_id, "370120261000123457");
    /* 厦门昇亿物流有限公司: 昇 is in GBK but not GB2312. */
    ck_assert_str_eq(ev->agent_name,
                     "\xe5\x8e\xa6\xe9\x97\xa8\xe6\x98\x87\xe4\xba\xbf\xe7\x89\xa9"
                     "\xe6\xb5\x81\xe6\x9c\x89\xe9\x99\x90\xe5\x85\xac\xe5\x8f\xb8");
    ck_assert_str_eq(ev->agent_name, "厦门昇亿物流有限公司");
    ck_assert_str_eq(ev->transport_document_reference, "COSU8801234569");
    ck_assert_str_eq(ev->iso_equipment_code, "45R1");
    /* CONTAINER_INFO beside BILL_INFO. */
    ck_assert_str_eq(ev->position, "/MESSAGE/MESSAGE_LIST/CONTAINER_INFO");
}
END_TEST

START_TEST(test_sample_release_beside)
{
    ck_assert_int_eq(s_read_file(KN_SAMPLES_DIR, "customs/clm10011-release.xml"), 0);
    ck_assert_uint_eq(s_out.count, 1);
    const kn_event_t *ev = s_nth(0);
    s_assert_clm_event(ev, "RELS", "CLM10011", "37012611220001000011", "2026-11-22T05:42:10+08:00");
    ck_assert_int_eq(ev->function, KN_FUNC_ADD);
    ck_assert_str_eq(ev->equipment_reference, "COSU6123451");
    ck_assert_str_eq(ev->transport_document_reference, "COSU8801234567");
    ck_assert_str_eq(ev->iso_equipment_code, "45G1");
    ck_assert_str_eq(ev->vessel_name, "COSCO XIAMEN");
    ck_assert_str_eq(ev->voyage, "118E");
    ck_assert_ptr_null(ev->exam_type);
    ck_assert_str_eq(ev->position, "/MESSAGE/MESSAGE_LIST/CONTAINER_INFO");
    ck_assert_ptr_null(ev->warnings);
}
END_TEST

/* ---- samples/bad ----------------------------------------------------------- */

START_TEST(test_bad_xxe)
{
    ck_assert_int_eq(s_read_file(KN_SAMPLES_DIR, "bad/customs-xxe.xml"), KN_EXML);
    ck_assert_int_eq(s_err.code, KN_EXML);
    ck_assert_str_eq(
        s_err.message,
        "xml: line 2: DOCTYPE not allowed (external or internal entities are refused)");
    ck_assert_ptr_null(strstr(s_err.message, "root:"));
    ck_assert_uint_eq(s_out.count, 0);
    ck_assert_ptr_null(s_out.head);
    /* Refused by the byte scan: nothing was parsed, nothing copied. */
    ck_assert_uint_eq(kn_arena_used(s_arena), 0);
}
END_TEST

START_TEST(test_bad_entity_expansion)
{
    ck_assert_int_eq(s_read_file(KN_SAMPLES_DIR, "bad/customs-entity-expansion.xml"), KN_EXML);
    ck_assert_ptr_nonnull(strstr(s_err.message, "line 2: DOCTYPE not allowed"));
    ck_assert_uint_eq(s_out.count, 0);
    ck_assert_uint_eq(kn_arena_used(s_arena), 0);
}
END_TEST

START_TEST(test_bad_unknown_type)
{
    ck_assert_int_eq(s_read_file(KN_SAMPLES_DIR, "bad/customs-unknown-type.xml"), KN_EUNKNOWN);
    ck_assert_str_eq(s_err.position, "/MESSAGE/MESSAGE_HEAD/MESSAGE_TYPE");
    ck_assert_str_eq(s_err.message, "customs: unknown message type CLM99999");
    ck_assert_uint_eq(s_out.count, 0);
}
END_TEST

START_TEST(test_bad_not_well_formed)
{
    ck_assert_int_eq(s_read_file(KN_SAMPLES_DIR, "bad/customs-not-well-formed.xml"), KN_EXML);
    ck_assert_ptr_nonnull(strstr(s_err.message, "xml: line 2: "));
    ck_assert_ptr_nonnull(strstr(s_err.message, "tag mismatch: CONTAINER_INFO"));
    ck_assert_uint_eq(s_out.count, 0);
}
END_TEST

/* ---- synthetic CLM -------------------------------------------------------- */

START_TEST(test_withdraw_inspection)
{
    ck_assert_int_eq(s_read_file(KN_TEST_DATA_DIR, "customs-clm10021-withdraw.xml"), 0);
    ck_assert_uint_eq(s_out.count, 1);
    const kn_event_t *ev = s_nth(0);
    s_assert_clm_event(ev, "HOLD", "CLM10021", "37012611220001000023", "2026-11-22T06:02:17+08:00");
    ck_assert_int_eq(ev->function, KN_FUNC_WITHDRAW);
    ck_assert_str_eq(ev->equipment_reference, "CSNU7041125");
    ck_assert_ptr_null(ev->exam_type);
    ck_assert_str_eq(ev->agent_code, "3502980123");
    ck_assert_str_eq(ev->agent_name, "XIAMEN SHENGYI LOGISTICS");
    ck_assert_str_eq(ev->entry_id, "370120261000123456");
}
END_TEST

START_TEST(test_function_code_refused)
{
    const char *list = "<MESSAGE_LIST><BILL_INFO><BILL_NO>COSU8801234567</BILL_NO>"
                       "</BILL_INFO></MESSAGE_LIST>";
    ck_assert_int_eq(s_read_clm("CLM10011", "9", "2026-11-22 05:42:10", list), KN_ESCHEMA);
    ck_assert_str_eq(s_err.position, "/MESSAGE/MESSAGE_HEAD/FUNCTION_CODE");
    ck_assert_str_eq(s_err.message,
                     "customs: function code 9 is not supported (2 adds, 3 withdraws)");
    ck_assert_uint_eq(s_out.count, 0);
}
END_TEST

START_TEST(test_beside_two_bills)
{
    ck_assert_int_eq(s_read_file(KN_TEST_DATA_DIR, "customs-clm10011-beside-two-bills.xml"), 0);
    ck_assert_uint_eq(s_out.count, 2);
    const kn_event_t *a = s_nth(0), *b = s_nth(1);
    s_assert_clm_event(a, "RELS", "CLM10011", "37012611220001000031", "2026-11-22T07:15:00+08:00");
    ck_assert_str_eq(a->equipment_reference, "TCLU1234568");
    ck_assert_str_eq(b->equipment_reference, "MSKU7654328");
    ck_assert_str_eq(a->transport_document_reference, "COSU8801234570,COSU8801234571");
    ck_assert_str_eq(b->transport_document_reference, "COSU8801234570,COSU8801234571");
    ck_assert_str_eq(a->entry_id, "370120261000123460,370120261000123461");
    ck_assert_str_eq(a->iso_equipment_code, "42G1");
    ck_assert_str_eq(a->position, "/MESSAGE/MESSAGE_LIST/CONTAINER_INFO[1]");
    ck_assert_str_eq(b->position, "/MESSAGE/MESSAGE_LIST/CONTAINER_INFO[2]");
    ck_assert_str_eq(b->vessel_name, "COSCO XIAMEN");
}
END_TEST

START_TEST(test_beside_bill_limits)
{
    /* Bills repeating an entry id: the id appears once. */
    const char *dup = "<MESSAGE_LIST>"
                      "<BILL_INFO><BILL_NO>B1</BILL_NO><ENTRY_ID>E1</ENTRY_ID></BILL_INFO>"
                      "<BILL_INFO><BILL_NO>B2</BILL_NO><ENTRY_ID>E1</ENTRY_ID></BILL_INFO>"
                      "<BILL_INFO><BILL_NO>B3</BILL_NO></BILL_INFO>"
                      "<CONTAINER_INFO><CONTA_NO>TCLU1234568</CONTA_NO></CONTAINER_INFO>"
                      "</MESSAGE_LIST>";
    ck_assert_int_eq(s_read_clm("CLM10011", "2", "2026-11-22 05:42:10", dup), 0);
    ck_assert_uint_eq(s_out.count, 1);
    ck_assert_str_eq(s_nth(0)->transport_document_reference, "B1,B2,B3");
    ck_assert_str_eq(s_nth(0)->entry_id, "E1");

    /* More bills than containers beside them can sensibly belong to. */
    memset(&s_out, 0, sizeof s_out);
    static char list[8192];
    size_t n = (size_t)snprintf(list, sizeof list, "<MESSAGE_LIST>");
    for (int i = 0; i < 101; i++)
        n += (size_t)snprintf(list + n, sizeof list - n,
                              "<BILL_INFO><BILL_NO>B%d</BILL_NO></BILL_INFO>", i);
    snprintf(list + n, sizeof list - n,
             "<CONTAINER_INFO><CONTA_NO>TCLU1234568</CONTA_NO></CONTAINER_INFO></MESSAGE_LIST>");
    ck_assert_int_eq(s_read_clm("CLM10011", "2", "2026-11-22 05:42:10", list), KN_ESCHEMA);
    ck_assert_str_eq(s_err.position, "/MESSAGE/MESSAGE_LIST");
    ck_assert_str_eq(s_err.message,
                     "customs: 101 bills share the containers listed beside them (at most 100)");
    ck_assert_uint_eq(s_out.count, 0);
}
END_TEST

START_TEST(test_containers_inside_and_bill_only)
{
    const char *list = "<MESSAGE_LIST>"
                       "<BILL_INFO><BILL_NO>B1</BILL_NO>"
                       "<CONTAINER_INFO><CONTA_NO>TRLU5566770</CONTA_NO>"
                       "<CONTA_MODEL>E</CONTA_MODEL></CONTAINER_INFO>"
                       "<CONTAINER_INFO><CONTA_NO>SEGU4129870</CONTA_NO></CONTAINER_INFO>"
                       "</BILL_INFO>"
                       "<BILL_INFO><BILL_NO>B2</BILL_NO></BILL_INFO>"
                       "</MESSAGE_LIST>";
    ck_assert_int_eq(s_read_clm("CLM10041", "2", "2026-11-22 03:10:00", list), 0);
    ck_assert_uint_eq(s_out.count, 3);
    ck_assert_str_eq(s_nth(0)->position, "/MESSAGE/MESSAGE_LIST/BILL_INFO[1]/CONTAINER_INFO[1]");
    ck_assert_str_eq(s_nth(0)->empty_indicator, "EMPTY");
    ck_assert_str_eq(s_nth(1)->position, "/MESSAGE/MESSAGE_LIST/BILL_INFO[1]/CONTAINER_INFO[2]");
    ck_assert_ptr_null(s_nth(1)->empty_indicator);
    ck_assert_str_eq(s_nth(1)->transport_document_reference, "B1");
    /* A bill without any container: one bill-level event. */
    ck_assert_ptr_null(s_nth(2)->equipment_reference);
    ck_assert_str_eq(s_nth(2)->transport_document_reference, "B2");
    ck_assert_str_eq(s_nth(2)->position, "/MESSAGE/MESSAGE_LIST/BILL_INFO[2]");
}
END_TEST

START_TEST(test_missing_bill_no)
{
    const char *list = "<MESSAGE_LIST>"
                       "<BILL_INFO><BILL_NO>B1</BILL_NO></BILL_INFO>"
                       "<BILL_INFO><VOYAGE_NO>118E</VOYAGE_NO></BILL_INFO>"
                       "</MESSAGE_LIST>";
    ck_assert_int_eq(s_read_clm("CLM10011", "2", "2026-11-22 05:42:10", list), KN_ESCHEMA);
    ck_assert_str_eq(s_err.position, "/MESSAGE/MESSAGE_LIST/BILL_INFO[2]/BILL_NO");
    ck_assert_str_eq(s_err.message, "customs: missing required element BILL_NO");
    /* The first bill's event is not handed out either. */
    ck_assert_uint_eq(s_out.count, 0);
}
END_TEST

START_TEST(test_empty_container_number)
{
    const char *list = "<MESSAGE_LIST><BILL_INFO><BILL_NO>B1</BILL_NO>"
                       "<CONTAINER_INFO><CONTA_NO>  </CONTA_NO></CONTAINER_INFO>"
                       "</BILL_INFO></MESSAGE_LIST>";
    ck_assert_int_eq(s_read_clm("CLM10011", "2", "2026-11-22 05:42:10", list), KN_ESCHEMA);
    ck_assert_str_eq(s_err.position, "/MESSAGE/MESSAGE_LIST/BILL_INFO/CONTAINER_INFO/CONTA_NO");
    ck_assert_str_eq(s_err.message, "customs: empty required element CONTA_NO");
}
END_TEST

START_TEST(test_missing_head_fields)
{
    ck_assert_int_eq(s_read_str("<MESSAGE><MESSAGE_LIST/></MESSAGE>"), KN_ESCHEMA);
    ck_assert_str_eq(s_err.position, "/MESSAGE/MESSAGE_HEAD");
    ck_assert_str_eq(s_err.message, "customs: missing required element MESSAGE_HEAD");

    ck_assert_int_eq(s_read_str("<MESSAGE><MESSAGE_HEAD><MESSAGE_TYPE>CLM10011</MESSAGE_TYPE>"
                                "<FUNCTION_CODE>2</FUNCTION_CODE></MESSAGE_HEAD></MESSAGE>"),
                     KN_ESCHEMA);
    ck_assert_str_eq(s_err.position, "/MESSAGE/MESSAGE_HEAD/MESSAGE_ID");

    ck_assert_int_eq(s_read_clm("CLM10011", "2", "2026-11-22 05:42:10", ""), KN_ESCHEMA);
    ck_assert_str_eq(s_err.position, "/MESSAGE/MESSAGE_LIST");
    ck_assert_str_eq(s_err.message, "customs: missing required element MESSAGE_LIST");

    ck_assert_int_eq(s_read_clm("CLM10011", "2", "2026-11-22 05:42:10", "<MESSAGE_LIST/>"),
                     KN_ESCHEMA);
    ck_assert_str_eq(s_err.position, "/MESSAGE/MESSAGE_LIST");
    ck_assert_str_eq(s_err.message, "customs: CLM10011 lists no bill and no container");
    ck_assert_uint_eq(s_out.count, 0);
}
END_TEST

START_TEST(test_bad_create_time)
{
    const char *list = "<MESSAGE_LIST><BILL_INFO><BILL_NO>B1</BILL_NO></BILL_INFO></MESSAGE_LIST>";
    static const char *const bad[] = {"2026-02-29 10:00:00", "2026-11-22 24:00:00",
                                      "2026/11/22 10:00:00", "2026-11-22", "22-11-2026 10:00:00"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ck_assert_int_eq(s_read_clm("CLM10011", "2", bad[i], list), KN_ESCHEMA);
        ck_assert_str_eq(s_err.position, "/MESSAGE/MESSAGE_HEAD/MESSAGE_CREATE_TIME");
        ck_assert_ptr_nonnull(strstr(s_err.message, "is not a time (YYYY-MM-DD HH:MM:SS)"));
    }
    ck_assert_int_eq(s_read_clm("CLM10011", "2", "2028-02-29 23:59:59", list), 0);
    ck_assert_str_eq(s_nth(0)->event_datetime, "2028-02-29T23:59:59+08:00");
}
END_TEST

START_TEST(test_inspection_needs_exam_type)
{
    const char *list = "<MESSAGE_LIST><BILL_INFO><BILL_NO>B1</BILL_NO>"
                       "<CONTAINER_INFO><CONTA_NO>CSNU7041125</CONTA_NO></CONTAINER_INFO>"
                       "</BILL_INFO></MESSAGE_LIST>";
    ck_assert_int_eq(s_read_clm("CLM10021", "2", "2026-11-22 05:40:55", list), KN_ESCHEMA);
    ck_assert_str_eq(s_err.position, "/MESSAGE/MESSAGE_LIST/BILL_INFO/CONTAINER_INFO/EXAM_TYPE");
    ck_assert_str_eq(s_err.message,
                     "customs: missing required element EXAM_TYPE (inspection order)");

    /* An exam type on the bill covers its boxes. */
    const char *on_bill = "<MESSAGE_LIST><BILL_INFO><BILL_NO>B1</BILL_NO>"
                          "<EXAM_TYPE>H986</EXAM_TYPE>"
                          "<CONTAINER_INFO><CONTA_NO>CSNU7041125</CONTA_NO></CONTAINER_INFO>"
                          "</BILL_INFO></MESSAGE_LIST>";
    ck_assert_int_eq(s_read_clm("CLM10021", "2", "2026-11-22 05:40:55", on_bill), 0);
    ck_assert_str_eq(s_nth(0)->exam_type, "H986");
}
END_TEST

START_TEST(test_check_digit_warning)
{
    const char *list = "<MESSAGE_LIST><BILL_INFO><BILL_NO>B1</BILL_NO>"
                       "<CONTAINER_INFO><CONTA_NO>MSCU5510221</CONTA_NO></CONTAINER_INFO>"
                       "<CONTAINER_INFO><CONTA_NO>BOX-1</CONTA_NO></CONTAINER_INFO>"
                       "<CONTAINER_INFO><CONTA_NO>MSCU5510220</CONTA_NO></CONTAINER_INFO>"
                       "</BILL_INFO></MESSAGE_LIST>";
    ck_assert_int_eq(s_read_clm("CLM10011", "2", "2026-11-22 05:42:10", list), 0);
    ck_assert_uint_eq(s_out.count, 3);
    const kn_warning_t *w = s_nth(0)->warnings;
    ck_assert_ptr_nonnull(w);
    ck_assert_str_eq(w->code, "CHECK_DIGIT");
    ck_assert_str_eq(w->text,
                     "container number MSCU5510221 fails the ISO 6346 check digit (should be 0)");
    ck_assert_ptr_null(w->next);
    ck_assert_str_eq(s_nth(0)->equipment_reference, "MSCU5510221");
    ck_assert_ptr_nonnull(s_nth(1)->warnings);
    ck_assert_str_eq(s_nth(1)->warnings->text, "container number BOX-1 is not an ISO 6346 number");
    ck_assert_ptr_null(s_nth(2)->warnings);
}
END_TEST

START_TEST(test_unknown_root)
{
    ck_assert_int_eq(s_read_str("<?xml version=\"1.0\"?><Envelope><Body/></Envelope>"),
                     KN_EUNKNOWN);
    ck_assert_str_eq(s_err.position, "/Envelope");
    ck_assert_str_eq(
        s_err.message,
        "customs: unknown message root element Envelope (expected MESSAGE or Manifest)");
}
END_TEST

START_TEST(test_gb18030)
{
    ck_assert_int_eq(s_read_file(KN_TEST_DATA_DIR, "customs-clm10011-release-gb18030.xml"), 0);
    ck_assert_uint_eq(s_out.count, 1);
    const kn_event_t *ev = s_nth(0);
    s_assert_clm_event(ev, "RELS", "CLM10011", "37012611220001000012", "2026-11-22T08:00:05+08:00");
    /* U+20BB7 is outside GBK: four bytes in GB18030, four in UTF-8. */
    ck_assert_str_eq(ev->agent_name, "厦门\xf0\xa0\xae\xb7祥货运代理有限公司");
    ck_assert_str_eq(ev->equipment_reference, "CBHU3004510");
}
END_TEST

START_TEST(test_appends_only_on_success)
{
    kn_event_t *first = kn_event_append(&s_out, s_arena, KN_EVENT_EQUIPMENT, "DISC");
    ck_assert_ptr_nonnull(first);
    ck_assert_int_eq(s_read_file(KN_SAMPLES_DIR, "bad/customs-unknown-type.xml"), KN_EUNKNOWN);
    ck_assert_uint_eq(s_out.count, 1);
    ck_assert_ptr_eq(s_out.tail, first);
    ck_assert_ptr_null(first->next);
    ck_assert_int_eq(s_read_file(KN_SAMPLES_DIR, "customs/clm10041-discharge-instruction.xml"), 0);
    ck_assert_uint_eq(s_out.count, 4);
    ck_assert_ptr_eq(s_out.head, first);
    ck_assert_str_eq(first->next->equipment_reference, "COSU6123451");
    ck_assert_str_eq(s_out.tail->equipment_reference, "OOLU8890211");
}
END_TEST

/* ---- Manifest receipts ----------------------------------------------------- */

START_TEST(test_manifest_mt5101_receipt)
{
    ck_assert_int_eq(s_read_file(KN_TEST_DATA_DIR, "customs-mt5101-receipt.xml"), 0);
    ck_assert_uint_eq(s_out.count, 3);
    static const char *const bills[] = {"COSU8801234567", "COSU8801234568", "COSU8801234569"};
    for (size_t i = 0; i < 3; i++) {
        const kn_event_t *ev = s_nth(i);
        ck_assert_int_eq(ev->type, KN_EVENT_SHIPMENT);
        ck_assert_str_eq(ev->code, "RECE");
        ck_assert_int_eq(ev->classifier, KN_CLASS_ACT);
        ck_assert_int_eq(ev->function, KN_FUNC_ADD);
        ck_assert_str_eq(ev->document_type_code, "CUS");
        ck_assert_str_eq(ev->message_kind, "MT5101");
        ck_assert_str_eq(ev->message_ref, "CN_MT5101_1p0_3701_20261122061502187");
        ck_assert_str_eq(ev->event_datetime, "2026-11-22T06:15:02+08:00");
        ck_assert_str_eq(ev->voyage, "118E");
        ck_assert_str_eq(ev->vessel_imo, "9472141");
        ck_assert_ptr_null(ev->vessel_name);
        ck_assert_str_eq(ev->transport_document_reference, bills[i]);
        ck_assert_ptr_null(ev->equipment_reference);
        ck_assert_ptr_null(ev->facility_code);
    }
    ck_assert_str_eq(s_nth(2)->position, "/Manifest/Response/Consignment[3]");
}
END_TEST

START_TEST(test_manifest_containers_and_vessel_only)
{
    const char *with_boxes =
        "<Manifest xmlns=\"urn:Declaration:datamodel:standard:CN:MT3101:1\"><Head>"
        "<MessageID>CN_MT3101_1p0_3701_20261122090000001</MessageID><FunctionCode>3</FunctionCode>"
        "<MessageType>MT3101</MessageType><SendTime>20261122090000</SendTime></Head>"
        "<Response><BorderTransportMeans><JourneyID>119W</JourneyID><ID>UN9472141</ID>"
        "<Name>COSCO XIAMEN</Name></BorderTransportMeans>"
        "<Consignment><TransportContractDocument><ID>COSU9900000001</ID></"
        "TransportContractDocument>"
        "<TransportEquipment><EquipmentIdentification><ID>TGHU3007773</ID>"
        "</EquipmentIdentification></TransportEquipment>"
        "<TransportEquipment><EquipmentIdentification><ID>TGHU3007774</ID>"
        "</EquipmentIdentification></TransportEquipment>"
        "</Consignment></Response></Manifest>";
    ck_assert_int_eq(s_read_str(with_boxes), 0);
    ck_assert_uint_eq(s_out.count, 2);
    ck_assert_str_eq(s_nth(0)->equipment_reference, "TGHU3007773");
    ck_assert_ptr_null(s_nth(0)->warnings);
    ck_assert_str_eq(s_nth(1)->equipment_reference, "TGHU3007774");
    ck_assert_str_eq(s_nth(1)->warnings->code, "CHECK_DIGIT");
    ck_assert_str_eq(s_nth(1)->transport_document_reference, "COSU9900000001");
    ck_assert_int_eq(s_nth(1)->function, KN_FUNC_WITHDRAW);
    ck_assert_str_eq(s_nth(1)->message_kind, "MT3101");
    ck_assert_str_eq(s_nth(1)->vessel_name, "COSCO XIAMEN");
    ck_assert_str_eq(s_nth(1)->voyage, "119W");
    ck_assert_str_eq(s_nth(1)->event_datetime, "2026-11-22T09:00:00+08:00");
    ck_assert_str_eq(s_nth(1)->position, "/Manifest/Response/Consignment/TransportEquipment[2]");

    memset(&s_out, 0, sizeof s_out);
    const char *vessel_only =
        "<Manifest><Head><MessageID>R1</MessageID><MessageType>MT2101</MessageType>"
        "<SendTime>20261122090000123</SendTime></Head>"
        "<Response><BorderTransportMeans><JourneyID>119W</JourneyID><ID>UN9472141</ID>"
        "</BorderTransportMeans></Response></Manifest>";
    ck_assert_int_eq(s_read_str(vessel_only), 0);
    ck_assert_uint_eq(s_out.count, 1);
    ck_assert_ptr_null(s_nth(0)->transport_document_reference);
    ck_assert_str_eq(s_nth(0)->vessel_imo, "9472141");
    ck_assert_str_eq(s_nth(0)->position, "/Manifest/Response/BorderTransportMeans");
}
END_TEST

START_TEST(test_manifest_refusals)
{
    ck_assert_int_eq(s_read_str("<Manifest><Head><MessageID>R1</MessageID>"
                                "<MessageType>MT9999</MessageType></Head></Manifest>"),
                     KN_EUNKNOWN);
    ck_assert_str_eq(s_err.position, "/Manifest/Head/MessageType");
    ck_assert_str_eq(s_err.message, "customs: unknown message type MT9999");

    ck_assert_int_eq(s_read_str("<Manifest><Head><MessageID>R1</MessageID>"
                                "<MessageType>MT5101</MessageType>"
                                "<SendTime>20261322090000</SendTime></Head><Response/></Manifest>"),
                     KN_ESCHEMA);
    ck_assert_str_eq(s_err.position, "/Manifest/Head/SendTime");

    ck_assert_int_eq(s_read_str("<Manifest><Head><MessageID>R1</MessageID>"
                                "<MessageType>MT5101</MessageType>"
                                "<SendTime>20261122090000</SendTime></Head></Manifest>"),
                     KN_ESCHEMA);
    ck_assert_str_eq(s_err.position, "/Manifest/Response");

    ck_assert_int_eq(s_read_str("<Manifest><Head><MessageID>R1</MessageID>"
                                "<MessageType>MT5101</MessageType>"
                                "<SendTime>20261122090000</SendTime></Head><Response>"
                                "<Consignment><ResponseType><Code>01</Code></ResponseType>"
                                "</Consignment></Response></Manifest>"),
                     KN_ESCHEMA);
    ck_assert_str_eq(s_err.position, "/Manifest/Response/Consignment/TransportContractDocument");

    ck_assert_int_eq(s_read_str("<Manifest><Head><MessageID>R1</MessageID>"
                                "<MessageType>MT5101</MessageType>"
                                "<SendTime>20261122090000</SendTime></Head><Response>"
                                "</Response></Manifest>"),
                     KN_ESCHEMA);
    ck_assert_str_eq(s_err.message,
                     "customs: MT5101 receipt names neither a vessel call nor a bill");
    ck_assert_uint_eq(s_out.count, 0);
}
END_TEST

/* ---- the safe loader -------------------------------------------------------- */

START_TEST(test_limit_size)
{
    size_t len = KN_XMLSAFE_MAX_BYTES + 1;
    char *big = malloc(len);
    ck_assert_ptr_nonnull(big);
    const char *doc = "<MESSAGE>";
    memset(big, ' ', len);
    memcpy(big, doc, strlen(doc));
    ck_assert_int_eq(s_read_mem(big, len), KN_ETOOBIG);
    free(big);
    ck_assert_str_eq(s_err.message, "xml: message is 16777217 bytes, the limit is 16777216");
    ck_assert_uint_eq(kn_arena_used(s_arena), 0);

    /* Smaller limits through the loader itself. */
    const char *small = "<a><b>x</b></a>";
    kn_xmlsafe_limits_t lim = {.max_bytes = strlen(small), .max_depth = 2};
    xmlDoc *d = NULL;
    ck_assert_int_eq(kn_xmlsafe_load((const unsigned char *)small, strlen(small), &lim, &d, &s_err),
                     0);
    ck_assert_ptr_nonnull(d);
    xmlFreeDoc(d);
    lim.max_bytes--;
    ck_assert_int_eq(kn_xmlsafe_load((const unsigned char *)small, strlen(small), &lim, &d, &s_err),
                     KN_ETOOBIG);
    ck_assert_ptr_null(d);
}
END_TEST

START_TEST(test_limit_depth)
{
    char buf[1024];
    size_t n = 0;
    for (int i = 0; i < KN_XMLSAFE_MAX_DEPTH + 1; i++)
        n += (size_t)snprintf(buf + n, sizeof buf - n, "%s<a>", i == 2 ? "\n" : "");
    for (int i = 0; i < KN_XMLSAFE_MAX_DEPTH + 1; i++)
        n += (size_t)snprintf(buf + n, sizeof buf - n, "</a>");
    ck_assert_int_eq(s_read_mem(buf, n), KN_EXML);
    ck_assert_str_eq(s_err.message, "xml: line 2: elements nested deeper than 32 levels");

    /* Exactly the limit is well formed and passes the loader; self-closing
     * tags, comments and quoted '>' do not count. */
    n = 0;
    for (int i = 0; i < KN_XMLSAFE_MAX_DEPTH; i++)
        n += (size_t)snprintf(buf + n, sizeof buf - n, "<a x=\"/>\"><!-- <b> --><c/>");
    for (int i = 0; i < KN_XMLSAFE_MAX_DEPTH; i++)
        n += (size_t)snprintf(buf + n, sizeof buf - n, "</a>");
    ck_assert_int_eq(s_read_mem(buf, n), KN_EUNKNOWN);
    ck_assert_str_eq(s_err.position, "/a");

    const char *deep = "<a><b><c><d/></c></b></a>";
    kn_xmlsafe_limits_t lim = {.max_bytes = 1000, .max_depth = 2};
    xmlDoc *d = NULL;
    ck_assert_int_eq(kn_xmlsafe_load((const unsigned char *)deep, strlen(deep), &lim, &d, &s_err),
                     KN_EXML);
    ck_assert_str_eq(s_err.message, "xml: line 1: elements nested deeper than 2 levels");
    ck_assert_ptr_null(d);
}
END_TEST

START_TEST(test_doctype_variants)
{
    static const char *const docs[] = {
        "<!DOCTYPE MESSAGE><MESSAGE/>",
        "<?xml version=\"1.0\"?>\n<!-- a comment -->\n\n<!DOCTYPE MESSAGE SYSTEM "
        "\"file:///etc/passwd\"><MESSAGE/>",
        "\xef\xbb\xbf<!DOCTYPE MESSAGE [<!ENTITY % p SYSTEM \"http://127.0.0.1/x\"> %p;]>"
        "<MESSAGE/>",
        "<MESSAGE/>\n<!DOCTYPE MESSAGE>",
    };
    static const int lines[] = {1, 4, 1, 2};
    for (size_t i = 0; i < sizeof docs / sizeof docs[0]; i++) {
        char want[128];
        snprintf(want, sizeof want, "xml: line %d: DOCTYPE not allowed", lines[i]);
        ck_assert_int_eq(s_read_str(docs[i]), KN_EXML);
        ck_assert_msg(strstr(s_err.message, want) != NULL, "doc %zu: %s", i, s_err.message);
    }
    /* A DOCTYPE in a comment or CDATA is text, not a DOCTYPE. */
    ck_assert_int_eq(s_read_str("<!-- <!DOCTYPE x> --><MESSAGE><![CDATA[<!DOCTYPE y>]]></MESSAGE>"),
                     KN_ESCHEMA);
    ck_assert_str_eq(s_err.position, "/MESSAGE/MESSAGE_HEAD");
}
END_TEST

START_TEST(test_undefined_entity)
{
    /* Without a DTD only the predefined entities exist. */
    ck_assert_int_eq(s_read_str("<MESSAGE><X>&leak;</X></MESSAGE>"), KN_EXML);
    ck_assert_str_eq(s_err.message, "xml: line 1: entity 'leak' not defined");
    ck_assert_str_eq(s_err.position, "");
}
END_TEST

START_TEST(test_encodings_refused)
{
    ck_assert_int_eq(s_read_str("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><MESSAGE/>"),
                     KN_EXML);
    ck_assert_str_eq(
        s_err.message,
        "xml: line 1: encoding \"ISO-8859-1\" is not accepted (UTF-8, GBK or GB18030)");
    static const unsigned char utf16[] = {0xFF, 0xFE, '<', 0, 'a', 0, '/', 0, '>', 0};
    ck_assert_int_eq(s_read_mem(utf16, sizeof utf16), KN_EXML);
    ck_assert_ptr_nonnull(strstr(s_err.message, "UTF-16 and UTF-32 are not accepted"));
    /* Bytes that are not GBK under a GBK declaration. */
    ck_assert_int_eq(
        s_read_str("<?xml version=\"1.0\" encoding=\"GBK\"?><MESSAGE>\x81\x20</MESSAGE>"), KN_EXML);
    ck_assert_ptr_nonnull(strstr(s_err.message, "xml: line 1: "));
    /* Invalid UTF-8. */
    ck_assert_int_eq(s_read_str("<MESSAGE>\xc3\x28</MESSAGE>"), KN_EXML);
    ck_assert_int_eq(s_read_mem("", 0), KN_EXML);
    ck_assert_str_eq(s_err.message, "xml: message is empty");
    /* GB2312 is read as GBK (its superset). */
    ck_assert_int_eq(s_read_str("<?xml version=\"1.0\" encoding=\"gb2312\"?><Envelope/>"),
                     KN_EUNKNOWN);
}
END_TEST

START_TEST(test_libxml2_prints_nothing)
{
    fflush(stderr);
    int saved = dup(2);
    FILE *tmp = tmpfile();
    ck_assert_ptr_nonnull(tmp);
    ck_assert_int_ge(dup2(fileno(tmp), 2), 0);
    int rc1 = s_read_file(KN_SAMPLES_DIR, "bad/customs-not-well-formed.xml");
    int rc2 = s_read_str("<MESSAGE><X>&undefined;</X><Y></MESSAGE>");
    int rc3 = s_read_str("<?xml version=\"1.0\" encoding=\"GB18030\"?><MESSAGE>\x81</MESSAGE>");
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    ck_assert_int_eq(rc1, KN_EXML);
    ck_assert_int_eq(rc2, KN_EXML);
    ck_assert_int_eq(rc3, KN_EXML);
    ck_assert_int_eq(fseek(tmp, 0, SEEK_END), 0);
    ck_assert_int_eq(ftell(tmp), 0);
    fclose(tmp);
}
END_TEST

START_TEST(test_xmlsafe_helpers)
{
    const char *xml = "<r><a/><b> x <![CDATA[y]]> </b><a><c>  </c><c>z</c></a></r>";
    xmlDoc *d = NULL;
    ck_assert_int_eq(kn_xmlsafe_load((const unsigned char *)xml, strlen(xml), NULL, &d, &s_err), 0);
    xmlNode *r = xmlDocGetRootElement(d);
    ck_assert_uint_eq(kn_xmlsafe_count(r, "a"), 2);
    ck_assert_uint_eq(kn_xmlsafe_count(r, NULL), 3);
    xmlNode *a2 = kn_xmlsafe_next(kn_xmlsafe_child(r, "a"), "a");
    ck_assert_ptr_nonnull(a2);
    xmlNode *c2 = kn_xmlsafe_next(kn_xmlsafe_child(a2, "c"), "c");
    char buf[128];
    ck_assert_str_eq(kn_xmlsafe_path(c2, NULL, buf, sizeof buf), "/r/a[2]/c[2]");
    ck_assert_str_eq(kn_xmlsafe_path(kn_xmlsafe_child(r, "b"), "MISSING", buf, sizeof buf),
                     "/r/b/MISSING");
    ck_assert_str_eq(kn_xmlsafe_path(NULL, "X", buf, sizeof buf), "/X");
    ck_assert_str_eq(kn_xmlsafe_path(c2, NULL, buf, 6), "/r/a[");
    const char *t = "unset";
    ck_assert_int_eq(kn_xmlsafe_child_text(r, "b", s_arena, &t), 0);
    ck_assert_str_eq(t, "x y");
    ck_assert_int_eq(kn_xmlsafe_child_text(a2, "c", s_arena, &t), 0);
    ck_assert_ptr_null(t);
    ck_assert_int_eq(kn_xmlsafe_child_text(r, "nothing", s_arena, &t), 0);
    ck_assert_ptr_null(t);
    ck_assert_int_eq(kn_xmlsafe_text(c2, s_arena, &t), 0);
    ck_assert_str_eq(t, "z");
    ck_assert_int_eq(kn_xmlsafe_line(c2), 1);
    ck_assert(kn_xmlsafe_is(r, "r"));
    ck_assert(!kn_xmlsafe_is(r, "a"));
    xmlFreeDoc(d);
}
END_TEST

Suite *kn_test_customs_suite(void);

Suite *kn_test_customs_suite(void)
{
    Suite *s = suite_create("customs");

    TCase *tc = tcase_create("samples");
    tcase_add_checked_fixture(tc, s_setup, s_teardown);
    tcase_add_test(tc, test_sample_discharge_instruction);
    tcase_add_test(tc, test_sample_inspection_order);
    tcase_add_test(tc, test_sample_inspection_order_gbk);
    tcase_add_test(tc, test_sample_release_beside);
    suite_add_tcase(s, tc);

    tc = tcase_create("bad");
    tcase_add_checked_fixture(tc, s_setup, s_teardown);
    tcase_add_test(tc, test_bad_xxe);
    tcase_add_test(tc, test_bad_entity_expansion);
    tcase_add_test(tc, test_bad_unknown_type);
    tcase_add_test(tc, test_bad_not_well_formed);
    suite_add_tcase(s, tc);

    tc = tcase_create("clm");
    tcase_add_checked_fixture(tc, s_setup, s_teardown);
    tcase_add_test(tc, test_withdraw_inspection);
    tcase_add_test(tc, test_function_code_refused);
    tcase_add_test(tc, test_beside_two_bills);
    tcase_add_test(tc, test_beside_bill_limits);
    tcase_add_test(tc, test_containers_inside_and_bill_only);
    tcase_add_test(tc, test_missing_bill_no);
    tcase_add_test(tc, test_empty_container_number);
    tcase_add_test(tc, test_missing_head_fields);
    tcase_add_test(tc, test_bad_create_time);
    tcase_add_test(tc, test_inspection_needs_exam_type);
    tcase_add_test(tc, test_check_digit_warning);
    tcase_add_test(tc, test_unknown_root);
    tcase_add_test(tc, test_gb18030);
    tcase_add_test(tc, test_appends_only_on_success);
    suite_add_tcase(s, tc);

    tc = tcase_create("manifest");
    tcase_add_checked_fixture(tc, s_setup, s_teardown);
    tcase_add_test(tc, test_manifest_mt5101_receipt);
    tcase_add_test(tc, test_manifest_containers_and_vessel_only);
    tcase_add_test(tc, test_manifest_refusals);
    suite_add_tcase(s, tc);

    tc = tcase_create("xmlsafe");
    tcase_add_checked_fixture(tc, s_setup, s_teardown);
    tcase_add_test(tc, test_limit_size);
    tcase_add_test(tc, test_limit_depth);
    tcase_add_test(tc, test_doctype_variants);
    tcase_add_test(tc, test_undefined_entity);
    tcase_add_test(tc, test_encodings_refused);
    tcase_add_test(tc, test_libxml2_prints_nothing);
    tcase_add_test(tc, test_xmlsafe_helpers);
    suite_add_tcase(s, tc);

    return s;
}
