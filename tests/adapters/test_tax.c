/* Tests for adapters/tax.c (TaxPayment, validated against taxpayment.xsd). */
#include "tax.h"
#include "xmlsafe.h"

#include "reader.h"
#include "runner.h"

#include <check.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef KN_SAMPLES_DIR
#error "KN_SAMPLES_DIR must be defined by the build"
#endif
#ifndef KN_TEST_DATA_DIR
#error "KN_TEST_DATA_DIR must be defined by the build"
#endif

static int s_read_mem(const void *data, size_t len)
{
    return s_read_as(kn_tax_read, "xmtax", KN_ROLE_TAX, "tax-xml", data, len);
}

static int s_read_str(const char *xml)
{
    return s_read_mem(xml, strlen(xml));
}

static int s_read_file(const char *dir, const char *name)
{
    size_t len;
    unsigned char *data = kn_test_read(s_arena, dir, name, &len);
    return s_read_mem(data, len);
}

/* A TaxPayment with the given MessageType and Payment body. */
static int s_read_tax(const char *type, const char *payments)
{
    static char buf[8192];
    snprintf(buf, sizeof buf,
             "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
             "<TaxPayment>\n"
             "  <Head>\n"
             "    <MessageID>TAX-TEST-1</MessageID>\n"
             "    <MessageType>%s</MessageType>\n"
             "    <SenderID>XMTAX</SenderID>\n"
             "    <SendTime>2026-11-22T07:00:00+08:00</SendTime>\n"
             "  </Head>\n"
             "%s\n"
             "</TaxPayment>\n",
             type, payments);
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

static void s_assert_tax_event(const kn_event_t *ev, const char *code, const char *kind,
                               const char *status, const char *ref, const char *when)
{
    ck_assert_int_eq(ev->type, KN_EVENT_SHIPMENT);
    ck_assert_str_eq(ev->code, code);
    ck_assert_int_eq(ev->classifier, KN_CLASS_ACT);
    ck_assert_int_eq(ev->function, KN_FUNC_ADD);
    ck_assert_str_eq(ev->document_type_code, "TAX");
    ck_assert_str_eq(ev->message_kind, kind);
    ck_assert_str_eq(ev->tax_status, status);
    ck_assert_str_eq(ev->message_ref, ref);
    ck_assert_str_eq(ev->event_datetime, when);
    ck_assert_ptr_null(ev->equipment_reference);
    ck_assert_ptr_null(ev->warnings);
}

START_TEST(test_sample_duty_paid)
{
    ck_assert_int_eq(s_read_file(KN_SAMPLES_DIR, "tax/duty-paid.xml"), 0);
    ck_assert_uint_eq(s_out.count, 1);
    const kn_event_t *ev = s_nth(0);
    /* The time the duty was paid, not the time the message was sent. */
    s_assert_tax_event(ev, "CMPL", "DUTY_PAID", "PAID", "TAX-3502-20261122-000318",
                       "2026-11-22T04:54:40+08:00");
    ck_assert_str_eq(ev->entry_id, "370120261000123456");
    ck_assert_str_eq(ev->transport_document_reference, "COSU8801234568");
    ck_assert_str_eq(ev->position, "/TaxPayment/Payment");
}
END_TEST

START_TEST(test_sample_guarantee_accepted)
{
    ck_assert_int_eq(s_read_file(KN_SAMPLES_DIR, "tax/guarantee-accepted.xml"), 0);
    ck_assert_uint_eq(s_out.count, 1);
    const kn_event_t *ev = s_nth(0);
    s_assert_tax_event(ev, "APPR", "GUARANTEE_ACCEPTED", "GUARANTEED", "TAX-3502-20261122-000319",
                       "2026-11-22T05:01:03+08:00");
    ck_assert_str_eq(ev->entry_id, "370120261000123455");
    ck_assert_str_eq(ev->transport_document_reference, "COSU8801234567");
}
END_TEST

START_TEST(test_refused)
{
    ck_assert_int_eq(s_read_file(KN_TEST_DATA_DIR, "tax-refused.xml"), 0);
    ck_assert_uint_eq(s_out.count, 1);
    const kn_event_t *ev = s_nth(0);
    s_assert_tax_event(ev, "REJE", "REFUSED", "REFUSED", "TAX-3502-20261122-000320",
                       "2026-11-22T05:20:44+08:00");
    ck_assert_str_eq(ev->entry_id, "370120261000123457");
    ck_assert_str_eq(ev->transport_document_reference, "COSU8801234569");
}
END_TEST

START_TEST(test_cancelled_two_payments)
{
    ck_assert_int_eq(s_read_file(KN_TEST_DATA_DIR, "tax-cancelled.xml"), 0);
    ck_assert_uint_eq(s_out.count, 2);
    s_assert_tax_event(s_nth(0), "VOID", "CANCELLED", "CANCELLED", "TAX-3502-20261122-000321",
                       "2026-11-22T06:03:10+08:00");
    s_assert_tax_event(s_nth(1), "VOID", "CANCELLED", "CANCELLED", "TAX-3502-20261122-000321",
                       "2026-11-22T06:03:10+08:00");
    ck_assert_str_eq(s_nth(0)->entry_id, "370120261000123455");
    ck_assert_str_eq(s_nth(0)->transport_document_reference, "COSU8801234567");
    ck_assert_str_eq(s_nth(0)->position, "/TaxPayment/Payment[1]");
    ck_assert_str_eq(s_nth(1)->entry_id, "370120261000123458");
    ck_assert_ptr_null(s_nth(1)->transport_document_reference);
    ck_assert_str_eq(s_nth(1)->position, "/TaxPayment/Payment[2]");
}
END_TEST

START_TEST(test_xsd_failure_with_position)
{
    ck_assert_int_eq(s_read_file(KN_TEST_DATA_DIR, "tax-bad-entry-id.xml"), KN_ESCHEMA);
    ck_assert_int_eq(s_err.code, KN_ESCHEMA);
    ck_assert_str_eq(s_err.position, "/TaxPayment/Payment/EntryID");
    ck_assert_ptr_nonnull(strstr(s_err.message, "tax: line 10: element 'EntryID': "));
    ck_assert_ptr_nonnull(strstr(s_err.message, "'37012026100012345X'"));
    ck_assert_uint_eq(s_out.count, 0);
}
END_TEST

START_TEST(test_xsd_failures)
{
    /* Status outside the enumeration: the schema names the element. */
    ck_assert_int_eq(s_read_tax("DUTY_PAID", "<Payment><EntryID>370120261000123456</EntryID>"
                                             "<Status>PAYED</Status></Payment>"),
                     KN_ESCHEMA);
    ck_assert_str_eq(s_err.position, "/TaxPayment/Payment/Status");
    ck_assert_ptr_nonnull(strstr(s_err.message, "tax: line 9: element 'Status'"));

    /* Missing MessageID. */
    ck_assert_int_eq(s_read_str("<TaxPayment><Head><MessageType>DUTY_PAID</MessageType>"
                                "<SenderID>XMTAX</SenderID>"
                                "<SendTime>2026-11-22T07:00:00+08:00</SendTime></Head>"
                                "<Payment><EntryID>370120261000123456</EntryID>"
                                "<Status>PAID</Status></Payment></TaxPayment>"),
                     KN_ESCHEMA);
    ck_assert_str_eq(s_err.position, "/TaxPayment/Head/MessageType");
    ck_assert_ptr_nonnull(strstr(s_err.message, "MessageID"));

    /* A time without its offset. */
    ck_assert_int_eq(s_read_str("<TaxPayment><Head><MessageID>T1</MessageID>"
                                "<MessageType>CANCELLED</MessageType><SenderID>XMTAX</SenderID>"
                                "<SendTime>2026-11-22T07:00:00</SendTime></Head>"
                                "<Payment><EntryID>370120261000123456</EntryID>"
                                "<Status>CANCELLED</Status></Payment></TaxPayment>"),
                     KN_ESCHEMA);
    ck_assert_str_eq(s_err.position, "/TaxPayment/Head/SendTime");

    /* An attribute: the element is the position, the message names it. */
    ck_assert_int_eq(s_read_tax("GUARANTEE_ACCEPTED",
                                "<Payment><EntryID>370120261000123456</EntryID>"
                                "<Status>GUARANTEED</Status>"
                                "<Amount currency=\"rmb\">10.00</Amount>"
                                "<GuaranteeNo>BG-1</GuaranteeNo></Payment>"),
                     KN_ESCHEMA);
    ck_assert_str_eq(s_err.position, "/TaxPayment/Payment/Amount");
    ck_assert_ptr_nonnull(
        strstr(s_err.message, "tax: line 9: element 'Amount', attribute 'currency'"));

    /* No Payment at all. */
    ck_assert_int_eq(s_read_tax("CANCELLED", ""), KN_ESCHEMA);
    ck_assert_str_eq(s_err.position, "/TaxPayment");
    ck_assert_ptr_nonnull(
        strstr(s_err.message, "Missing child element(s). Expected is ( Payment )"));
    ck_assert_uint_eq(s_out.count, 0);
}
END_TEST

START_TEST(test_status_rules)
{
    ck_assert_int_eq(s_read_tax("DUTY_PAID", "<Payment><EntryID>370120261000123456</EntryID>"
                                             "<Status>GUARANTEED</Status></Payment>"),
                     KN_ESCHEMA);
    ck_assert_str_eq(s_err.position, "/TaxPayment/Payment/Status");
    ck_assert_str_eq(
        s_err.message,
        "tax: status GUARANTEED does not match message type DUTY_PAID (expected PAID)");

    ck_assert_int_eq(s_read_tax("DUTY_PAID", "<Payment><EntryID>370120261000123456</EntryID>"
                                             "<Status>PAID</Status>"
                                             "<Amount currency=\"CNY\">10.00</Amount></Payment>"),
                     KN_ESCHEMA);
    ck_assert_str_eq(s_err.position, "/TaxPayment/Payment/PaidAt");
    ck_assert_str_eq(s_err.message, "tax: status PAID requires element PaidAt");

    ck_assert_int_eq(s_read_tax("GUARANTEE_ACCEPTED",
                                "<Payment><EntryID>370120261000123456</EntryID>"
                                "<Status>GUARANTEED</Status>"
                                "<Amount currency=\"CNY\">10.00</Amount></Payment>"),
                     KN_ESCHEMA);
    ck_assert_str_eq(s_err.message, "tax: status GUARANTEED requires element GuaranteeNo");

    /* The second payment is wrong: the first's event is not handed out. */
    ck_assert_int_eq(s_read_tax("REFUSED", "<Payment><EntryID>370120261000123456</EntryID>"
                                           "<Status>REFUSED</Status></Payment>"
                                           "<Payment><EntryID>370120261000123457</EntryID>"
                                           "<Status>CANCELLED</Status></Payment>"),
                     KN_ESCHEMA);
    ck_assert_str_eq(s_err.position, "/TaxPayment/Payment[2]/Status");
    ck_assert_uint_eq(s_out.count, 0);
}
END_TEST

START_TEST(test_unknown_type_and_root)
{
    ck_assert_int_eq(s_read_tax("REFUND", "<Payment/>"), KN_EUNKNOWN);
    ck_assert_str_eq(s_err.position, "/TaxPayment/Head/MessageType");
    ck_assert_str_eq(s_err.message, "tax: unknown message type REFUND");

    ck_assert_int_eq(s_read_str("<MESSAGE><MESSAGE_HEAD/></MESSAGE>"), KN_EUNKNOWN);
    ck_assert_str_eq(s_err.position, "/MESSAGE");
    ck_assert_str_eq(s_err.message,
                     "tax: unknown message root element MESSAGE (expected TaxPayment without "
                     "namespace)");

    ck_assert_int_eq(s_read_str("<TaxPayment xmlns=\"urn:x\"/>"), KN_EUNKNOWN);
}
END_TEST

START_TEST(test_unsafe_xml_refused)
{
    ck_assert_int_eq(s_read_str("<?xml version=\"1.0\"?>\n<!DOCTYPE TaxPayment [<!ENTITY x SYSTEM "
                                "\"file:///etc/passwd\">]>\n<TaxPayment>&x;</TaxPayment>"),
                     KN_EXML);
    ck_assert_str_eq(
        s_err.message,
        "xml: line 2: DOCTYPE not allowed (external or internal entities are refused)");
    ck_assert_int_eq(s_read_str("<TaxPayment><Head></TaxPayment>"), KN_EXML);
    ck_assert_ptr_nonnull(strstr(s_err.message, "xml: line 1: "));
    ck_assert_uint_eq(s_out.count, 0);
}
END_TEST

START_TEST(test_schema_cache)
{
    xmlSchema *a = NULL, *b = NULL;
    ck_assert_int_eq(kn_xmlsafe_schema("taxpayment.xsd", &a, &s_err), 0);
    ck_assert_int_eq(kn_xmlsafe_schema("taxpayment.xsd", &b, &s_err), 0);
    ck_assert_ptr_nonnull(a);
    ck_assert_ptr_eq(a, b);
    /* Reading uses the cached one and keeps working across messages. */
    ck_assert_int_eq(s_read_file(KN_SAMPLES_DIR, "tax/duty-paid.xml"), 0);
    ck_assert_int_eq(s_read_file(KN_SAMPLES_DIR, "tax/guarantee-accepted.xml"), 0);
    ck_assert_uint_eq(s_out.count, 2);

    ck_assert_int_eq(kn_xmlsafe_schema("no-such.xsd", &a, &s_err), KN_ECONFIG);
    ck_assert_ptr_null(a);
    ck_assert_str_eq(s_err.message, "xml: no schema called no-such.xsd is built in");
    kn_xmlsafe_cleanup();
    ck_assert_int_eq(s_read_file(KN_SAMPLES_DIR, "tax/duty-paid.xml"), 0);
    ck_assert_uint_eq(s_out.count, 3);
}
END_TEST

Suite *kn_test_tax_suite(void);

Suite *kn_test_tax_suite(void)
{
    Suite *s = suite_create("tax");

    TCase *tc = tcase_create("samples");
    tcase_add_checked_fixture(tc, s_setup, s_teardown);
    tcase_add_test(tc, test_sample_duty_paid);
    tcase_add_test(tc, test_sample_guarantee_accepted);
    tcase_add_test(tc, test_refused);
    tcase_add_test(tc, test_cancelled_two_payments);
    suite_add_tcase(s, tc);

    tc = tcase_create("refusals");
    tcase_add_checked_fixture(tc, s_setup, s_teardown);
    tcase_add_test(tc, test_xsd_failure_with_position);
    tcase_add_test(tc, test_xsd_failures);
    tcase_add_test(tc, test_status_rules);
    tcase_add_test(tc, test_unknown_type_and_root);
    tcase_add_test(tc, test_unsafe_xml_refused);
    tcase_add_test(tc, test_schema_cache);
    suite_add_tcase(s, tc);

    return s;
}
