/* inspection slots: capacity per hour, opening hours, lead time, horizon */
#include "runner.h"
#include "slots.h"

/* ms since the epoch of a Beijing wall-clock time (UTC+8); days from the
 * civil date as in Howard Hinnant's days_from_civil */
static int64_t s_bj(int y, int mo, int d, int h, int mi)
{
    y -= mo <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t days = era * 146097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719468;
    return ((days * 24 + h - 8) * 60 + mi) * 60000;
}

static const kn_slot_policy_t s_policy = {
    .capacity = 2, .opens_hour = 8, .closes_hour = 20, .lead_minutes = 30, .horizon_hours = 72};

START_TEST(slots_fill_hour_by_hour)
{
    kn_slots_t *s = kn_slots_new();
    ck_assert_ptr_nonnull(s);
    /* discharged 09:10: can be there 09:40, first slot 10:00 */
    int64_t base = s_bj(2026, 11, 23, 9, 10);
    int64_t want[5] = {s_bj(2026, 11, 23, 10, 0), s_bj(2026, 11, 23, 10, 0),
                       s_bj(2026, 11, 23, 11, 0), s_bj(2026, 11, 23, 11, 0),
                       s_bj(2026, 11, 23, 12, 0)};
    for (int i = 0; i < 5; i++) {
        int64_t got = kn_slots_find(s, "XHCT", base, &s_policy);
        ck_assert_int_eq(got, want[i]);
        ck_assert_int_eq(kn_slots_add(s, "XHCT", got, 1), 0);
    }
    ck_assert_int_eq(kn_slots_count(s, "XHCT", want[0]), 2);
    /* another area has its own capacity */
    ck_assert_int_eq(kn_slots_find(s, "SRCT", base, &s_policy), want[0]);
    /* a box that leaves inspection frees its place */
    ck_assert_int_eq(kn_slots_add(s, "XHCT", want[0], -1), 0);
    ck_assert_int_eq(kn_slots_find(s, "XHCT", base, &s_policy), want[0]);
    /* exactly on the hour after the lead: that hour */
    ck_assert_int_eq(kn_slots_find(s, "SRCT", s_bj(2026, 11, 23, 13, 30), &s_policy),
                     s_bj(2026, 11, 23, 14, 0));
    kn_slots_destroy(&s);
    ck_assert_ptr_null(s);
}
END_TEST

START_TEST(slots_keep_opening_hours_and_horizon)
{
    kn_slots_t *s = kn_slots_new();
    /* discharged 19:45: 20:15 is after closing, so 08:00 the next morning */
    ck_assert_int_eq(kn_slots_find(s, "XHCT", s_bj(2026, 11, 23, 19, 45), &s_policy),
                     s_bj(2026, 11, 24, 8, 0));
    /* discharged 02:00: the area opens at 08:00 */
    ck_assert_int_eq(kn_slots_find(s, "XHCT", s_bj(2026, 11, 23, 2, 0), &s_policy),
                     s_bj(2026, 11, 23, 8, 0));
    /* every open hour of the horizon taken: none */
    kn_slot_policy_t small = s_policy;
    small.horizon_hours = 26; /* 07:00 today to 08:00 tomorrow */
    for (int h = 8; h < 20; h++)
        kn_slots_add(s, "XHCT", s_bj(2026, 11, 23, h, 0), 2);
    ck_assert_int_eq(kn_slots_find(s, "XHCT", s_bj(2026, 11, 23, 6, 0), &small),
                     s_bj(2026, 11, 24, 8, 0));
    small.horizon_hours = 12;
    ck_assert_int_eq(kn_slots_find(s, "XHCT", s_bj(2026, 11, 23, 6, 0), &small), -1);
    /* no capacity configured: no slots at all */
    small = s_policy;
    small.capacity = 0;
    ck_assert_int_eq(kn_slots_find(s, "SRCT", s_bj(2026, 11, 23, 9, 0), &small), -1);
    /* hours that are over are dropped */
    kn_slots_prune(s, s_bj(2026, 11, 23, 12, 0));
    ck_assert_int_eq(kn_slots_count(s, "XHCT", s_bj(2026, 11, 23, 11, 0)), 0);
    ck_assert_int_eq(kn_slots_count(s, "XHCT", s_bj(2026, 11, 23, 12, 0)), 2);
    kn_slots_clear(s);
    ck_assert_int_eq(kn_slots_count(s, "XHCT", s_bj(2026, 11, 23, 12, 0)), 0);
    kn_slots_destroy(&s);
}
END_TEST

Suite *kn_test_slots_suite(void);
Suite *kn_test_slots_suite(void)
{
    Suite *s = suite_create("slots");
    TCase *tc = tcase_create("slots");
    tcase_add_test(tc, slots_fill_hour_by_hour);
    tcase_add_test(tc, slots_keep_opening_hours_and_horizon);
    suite_add_tcase(s, tc);
    return s;
}
