/* status events for the mini-program backend: the readable lines and the
 * DCSA-shaped JSON */
#include "runner.h"
#include "status.h"

#include <jansson.h>
#include <string.h>

static kn_status_t s_released(void)
{
    return (kn_status_t){.kind = KN_STATUS_ROUTE,
                         .event_id = "6c0d3a5e-1f2b-4c3d-9e8f-0a1b2c3d4e5f",
                         .created = "2026-11-22T09:12:00+08:00",
                         .box = "COSU6123451",
                         .bill = "COSU8801234567",
                         .direction = "import",
                         .phase = "RELEASED",
                         .discharged = true,
                         .route = "DIRECT_PICKUP",
                         .reason = "released before discharge: straight to the truck",
                         .vessel_name = "COSCO XIAMEN",
                         .voyage = "118E",
                         .facility = "XHCT"};
}

START_TEST(status_lines_say_what_happened)
{
    char zh[256], en[256];
    kn_status_t st = s_released();
    kn_status_line(&st, zh, sizeof zh, en, sizeof en);
    ck_assert_str_eq(zh, "无需查验，可提离港区");
    ck_assert_str_eq(en, "Released, ready for pickup");
    st.discharged = false;
    kn_status_line(&st, zh, sizeof zh, en, sizeof en);
    ck_assert_str_eq(en, "No inspection: straight to pickup once discharged");
    st.route = "INSPECTION_AREA";
    st.slot_area = "XHCT inspection area";
    st.slot_start = "2026-11-22T10:00:00+08:00";
    st.slot_end = "2026-11-22T11:00:00+08:00";
    kn_status_line(&st, zh, sizeof zh, en, sizeof en);
    ck_assert_str_eq(zh, "已安排查验 2026-11-22 10:00–11:00（XHCT inspection area）");
    ck_assert_str_eq(en, "Inspection slot assigned 2026-11-22 10:00–11:00 (XHCT inspection area)");
    st.kind = KN_STATUS_CLOSED;
    kn_status_line(&st, zh, sizeof zh, en, sizeof en);
    ck_assert_str_eq(en, "Picked up, left the port");
    st.direction = "export";
    kn_status_line(&st, zh, sizeof zh, en, sizeof en);
    ck_assert_str_eq(zh, "已装船离港");
}
END_TEST

START_TEST(status_json_is_a_dcsa_equipment_event)
{
    kn_arena_t *a = kn_arena_new(4096);
    kn_status_t st = s_released();
    char *text = kn_status_json(&st, a);
    ck_assert_ptr_nonnull(text);
    json_error_t err;
    json_t *o = json_loads(text, 0, &err);
    ck_assert_msg(o != NULL, "not JSON: %s", err.text);
    ck_assert_str_eq(json_string_value(json_object_get(o, "eventType")), "EQUIPMENT");
    ck_assert_str_eq(json_string_value(json_object_get(o, "eventClassifierCode")), "ACT");
    ck_assert_str_eq(json_string_value(json_object_get(o, "equipmentEventTypeCode")), "DISC");
    ck_assert_str_eq(json_string_value(json_object_get(o, "equipmentReference")), "COSU6123451");
    ck_assert_str_eq(json_string_value(json_object_get(o, "eventID")), st.event_id);
    json_t *ref = json_array_get(json_object_get(o, "documentReferences"), 0);
    ck_assert_str_eq(json_string_value(json_object_get(ref, "documentReferenceType")), "TRD");
    ck_assert_str_eq(json_string_value(json_object_get(ref, "documentReferenceValue")),
                     "COSU8801234567");
    json_t *call = json_object_get(o, "transportCall");
    ck_assert_str_eq(json_string_value(json_object_get(call, "carrierVoyageNumber")), "118E");
    json_t *line = json_object_get(o, "statusLine");
    ck_assert_str_eq(json_string_value(json_object_get(line, "zh")), "无需查验，可提离港区");
    json_t *k = json_object_get(o, "kouan");
    ck_assert_str_eq(json_string_value(json_object_get(k, "route")), "DIRECT_PICKUP");
    ck_assert_ptr_null(json_object_get(k, "inspectionSlot"));
    json_decref(o);
    /* a slot is carried as such; text with quotes stays JSON */
    st.route = "INSPECTION_AREA";
    st.reason = "physical \"manual\" inspection";
    st.slot_area = "XHCT inspection area";
    st.slot_start = "2026-11-22T10:00:00+08:00";
    st.slot_end = "2026-11-22T11:00:00+08:00";
    o = json_loads(kn_status_json(&st, a), 0, &err);
    ck_assert_ptr_nonnull(o);
    json_t *slot = json_object_get(json_object_get(o, "kouan"), "inspectionSlot");
    ck_assert_str_eq(json_string_value(json_object_get(slot, "start")), st.slot_start);
    ck_assert_str_eq(json_string_value(json_object_get(json_object_get(o, "kouan"), "reason")),
                     st.reason);
    json_decref(o);
    kn_arena_destroy(&a);
}
END_TEST

START_TEST(status_ids_are_stable_uuids)
{
    char a[40], b[40], c[40];
    ck_assert_int_eq(kn_status_uuid("ST-KN-OOLU8890211-1795353455-2", a), 0);
    ck_assert_int_eq(kn_status_uuid("ST-KN-OOLU8890211-1795353455-2", b), 0);
    ck_assert_int_eq(kn_status_uuid("ST-KN-OOLU8890211-1795353455-3", c), 0);
    ck_assert_str_eq(a, b);
    ck_assert_str_ne(a, c);
    ck_assert_uint_eq(strlen(a), 36);
    ck_assert_int_eq(a[14], '5');             /* version 5 */
    ck_assert(strchr("89ab", a[19]) != NULL); /* RFC variant */
}
END_TEST

Suite *kn_test_status_suite(void);
Suite *kn_test_status_suite(void)
{
    Suite *s = suite_create("status");
    TCase *tc = tcase_create("status");
    tcase_add_test(tc, status_lines_say_what_happened);
    tcase_add_test(tc, status_json_is_a_dcsa_equipment_event);
    tcase_add_test(tc, status_ids_are_stable_uuids);
    suite_add_tcase(s, tc);
    return s;
}
