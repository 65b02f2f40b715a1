/* Tests for adapters/vessel.c (VesselStatus, validated against vessel-status.xsd). */
#include "vessel.h"

#include "reader.h"
#include "runner.h"

#include <check.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef KN_TEST_DATA_DIR
#error "KN_TEST_DATA_DIR must be defined by the build"
#endif

static int s_read_mem(const void *data, size_t len)
{
    return s_read_as(kn_vessel_read, "xhct", KN_ROLE_TERMINAL, "vessel-status", data, len);
}

static int s_read_file(const char *name)
{
    size_t len;
    unsigned char *data = kn_test_read(s_arena, KN_TEST_DATA_DIR, name, &len);
    return s_read_mem(data, len);
}

/* A VesselStatus with one VesselCall of the given parts. */
static int s_read_call(const char *imo, const char *status, const char *times)
{
    static char buf[4096];
    int n = snprintf(buf, sizeof buf,
                     "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                     "<VesselStatus>\n"
                     "  <Head><MessageID>VS-1</MessageID><SenderID>XHCT</SenderID>"
                     "<SendTime>2026-11-22T02:41:00+08:00</SendTime></Head>\n"
                     "  <VesselCall>\n"
                     "    <Vessel><IMO>%s</IMO><Name>COSCO XIAMEN</Name></Vessel>\n"
                     "    <Voyage>118E</Voyage>\n"
                     "    <Facility>XHCT</Facility>\n"
                     "    <UNLocode>CNXMN</UNLocode>\n"
                     "    <Status>%s</Status>\n"
                     "    %s\n"
                     "  </VesselCall>\n"
                     "</VesselStatus>\n",
                     imo, status, times);
    return s_read_mem(buf, (size_t)n);
}

static const kn_event_t *s_nth(size_t n)
{
    const kn_event_t *ev = s_out.head;
    for (size_t i = 0; ev && i < n; i++)
        ev = ev->next;
    ck_assert_msg(ev != NULL, "no event %zu", n);
    return ev;
}

static void s_assert_vessel(const kn_event_t *ev)
{
    ck_assert_int_eq(ev->type, KN_EVENT_TRANSPORT);
    ck_assert_int_eq(ev->function, KN_FUNC_ADD);
    ck_assert_str_eq(ev->vessel_imo, "9472141");
    ck_assert_str_eq(ev->vessel_name, "COSCO XIAMEN");
    ck_assert_str_eq(ev->voyage, "118E");
    ck_assert_str_eq(ev->un_location_code, "CNXMN");
    ck_assert_ptr_null(ev->equipment_reference);
    ck_assert_ptr_null(ev->document_type_code);
    ck_assert_ptr_null(ev->warnings);
}

START_TEST(test_berthed_and_departure_estimate)
{
    ck_assert_int_eq(s_read_file("vessel-status-berthed.xml"), 0);
    ck_assert_uint_eq(s_out.count, 3);

    const kn_event_t *ev = s_nth(0);
    s_assert_vessel(ev);
    ck_assert_str_eq(ev->code, "ARRI");
    ck_assert_int_eq(ev->classifier, KN_CLASS_EST);
    ck_assert_str_eq(ev->event_datetime, "2026-11-22T02:30:00+08:00");
    ck_assert_str_eq(ev->message_kind, "VESSEL_BERTHED");
    ck_assert_str_eq(ev->message_ref, "XHCT-VS-20261122-0007");
    ck_assert_str_eq(ev->facility_code, "XHCT");
    ck_assert_str_eq(ev->vessel_call_sign, "VRGH7");
    ck_assert_str_eq(ev->position, "/VesselStatus/VesselCall[1]/Estimated");

    ev = s_nth(1);
    s_assert_vessel(ev);
    ck_assert_str_eq(ev->code, "ARRI");
    ck_assert_int_eq(ev->classifier, KN_CLASS_ACT);
    ck_assert_str_eq(ev->event_datetime, "2026-11-22T02:36:00+08:00");
    ck_assert_str_eq(ev->facility_code, "XHCT");
    ck_assert_str_eq(ev->position, "/VesselStatus/VesselCall[1]/Actual");

    ev = s_nth(2);
    s_assert_vessel(ev);
    ck_assert_str_eq(ev->code, "DEPA");
    ck_assert_int_eq(ev->classifier, KN_CLASS_EST);
    ck_assert_str_eq(ev->event_datetime, "2026-11-22T21:00:00+08:00");
    ck_assert_str_eq(ev->message_kind, "VESSEL_DEPARTED");
    ck_assert_str_eq(ev->facility_code, "XHCT");
    ck_assert_str_eq(ev->position, "/VesselStatus/VesselCall[2]/Estimated");
}
END_TEST

START_TEST(test_arrived_in_port)
{
    ck_assert_int_eq(s_read_file("vessel-status-arrived.xml"), 0);
    ck_assert_uint_eq(s_out.count, 1);
    const kn_event_t *ev = s_nth(0);
    s_assert_vessel(ev);
    ck_assert_str_eq(ev->code, "ARRI");
    ck_assert_int_eq(ev->classifier, KN_CLASS_ACT);
    ck_assert_str_eq(ev->message_kind, "VESSEL_ARRIVED");
    ck_assert_str_eq(ev->event_datetime, "2026-11-22T00:12:00+08:00");
    /* In port, not yet at the terminal. */
    ck_assert_ptr_null(ev->facility_code);
    ck_assert_ptr_null(ev->vessel_call_sign);
    ck_assert_str_eq(ev->position, "/VesselStatus/VesselCall/Actual");
}
END_TEST

START_TEST(test_imo_check_digit)
{
    ck_assert(kn_vessel_imo_valid("9472141"));
    ck_assert(kn_vessel_imo_valid("9074729"));
    ck_assert(!kn_vessel_imo_valid("9472142"));
    ck_assert(!kn_vessel_imo_valid("947214"));
    ck_assert(!kn_vessel_imo_valid("94721410"));
    ck_assert(!kn_vessel_imo_valid("947214A"));
    ck_assert(!kn_vessel_imo_valid(NULL));

    ck_assert_int_eq(
        s_read_call("9472142", "DEPARTED", "<Actual>2026-11-22T21:10:00+08:00</Actual>"), 0);
    ck_assert_uint_eq(s_out.count, 1);
    const kn_event_t *ev = s_nth(0);
    ck_assert_str_eq(ev->code, "DEPA");
    ck_assert_str_eq(ev->vessel_imo, "9472142");
    ck_assert_ptr_nonnull(ev->warnings);
    ck_assert_str_eq(ev->warnings->code, "CHECK_DIGIT");
    ck_assert_str_eq(ev->warnings->text, "vessel IMO number 9472142 fails the IMO check digit");
}
END_TEST

START_TEST(test_schema_refusals)
{
    ck_assert_int_eq(s_read_call("9472141", "MOORED", "<Actual>2026-11-22T02:36:00+08:00</Actual>"),
                     KN_ESCHEMA);
    ck_assert_str_eq(s_err.position, "/VesselStatus/VesselCall/Status");
    ck_assert_ptr_nonnull(strstr(s_err.message, "vessel: line 9: element 'Status'"));

    /* Neither an estimated nor an actual time. */
    ck_assert_int_eq(s_read_call("9472141", "BERTHED", ""), KN_ESCHEMA);
    ck_assert_ptr_nonnull(strstr(s_err.message, "vessel: line "));
    ck_assert_ptr_nonnull(strstr(s_err.message, "Estimated"));

    ck_assert_int_eq(s_read_call("94721", "BERTHED", "<Actual>2026-11-22T02:36:00+08:00</Actual>"),
                     KN_ESCHEMA);
    ck_assert_str_eq(s_err.position, "/VesselStatus/VesselCall/Vessel/IMO");

    ck_assert_int_eq(s_read_call("9472141", "BERTHED", "<Actual>2026-11-22 02:36</Actual>"),
                     KN_ESCHEMA);
    ck_assert_str_eq(s_err.position, "/VesselStatus/VesselCall/Actual");

    /* Actual before Estimated breaks the order the format fixes. */
    ck_assert_int_eq(s_read_call("9472141", "BERTHED",
                                 "<Actual>2026-11-22T02:36:00+08:00</Actual>"
                                 "<Estimated>2026-11-22T02:30:00+08:00</Estimated>"),
                     KN_ESCHEMA);
    ck_assert_str_eq(s_err.position, "/VesselStatus/VesselCall/Estimated");
    ck_assert_uint_eq(s_out.count, 0);
}
END_TEST

START_TEST(test_root_and_unsafe)
{
    const char *tax = "<TaxPayment/>";
    ck_assert_int_eq(s_read_mem(tax, strlen(tax)), KN_EUNKNOWN);
    ck_assert_str_eq(s_err.message,
                     "vessel: unknown message root element TaxPayment (expected VesselStatus "
                     "without namespace)");
    const char *xxe = "<!DOCTYPE VesselStatus SYSTEM \"http://127.0.0.1/x.dtd\"><VesselStatus/>";
    ck_assert_int_eq(s_read_mem(xxe, strlen(xxe)), KN_EXML);
    ck_assert_ptr_nonnull(strstr(s_err.message, "DOCTYPE not allowed"));
    ck_assert_uint_eq(s_out.count, 0);
}
END_TEST

Suite *kn_test_vessel_suite(void);

Suite *kn_test_vessel_suite(void)
{
    Suite *s = suite_create("vessel");
    TCase *tc = tcase_create("status");
    tcase_add_checked_fixture(tc, s_setup, s_teardown);
    tcase_add_test(tc, test_berthed_and_departure_estimate);
    tcase_add_test(tc, test_arrived_in_port);
    tcase_add_test(tc, test_imo_check_digit);
    tcase_add_test(tc, test_schema_refusals);
    tcase_add_test(tc, test_root_and_unsafe);
    suite_add_tcase(s, tc);
    return s;
}
