/* The delivery engine's pure rules: backoff, Retry-After, what an answer means. */
#include "deliver.h"

#include <arpa/inet.h>

#include <check.h>
#include <limits.h>
#include <stdint.h>

Suite *kn_test_deliver_suite(void);

/* 1994-11-06 08:49:37 UTC, the date RFC 7231 §7.1.1.1 writes in all three forms */
#define RFC_DATE INT64_C(784111777)

/* ---- backoff --------------------------------------------------------- */

START_TEST(backoff_first_try_waits_half_to_all_of_min)
{
    /* b = 1000: the jitter spans [500, 1000], rnd taken modulo 501 */
    ck_assert_int_eq(kn_deliver_backoff_ms(1, 1000, 300000, 0), 500);
    ck_assert_int_eq(kn_deliver_backoff_ms(1, 1000, 300000, 500), 1000);
    ck_assert_int_eq(kn_deliver_backoff_ms(1, 1000, 300000, 501), 500);
    ck_assert_int_eq(kn_deliver_backoff_ms(1, 1000, 300000, 250), 750);
    int64_t d = kn_deliver_backoff_ms(1, 1000, 300000, UINT64_MAX);
    ck_assert_int_ge(d, 500);
    ck_assert_int_le(d, 1000);
}
END_TEST

START_TEST(backoff_doubles_per_try)
{
    ck_assert_int_eq(kn_deliver_backoff_ms(2, 1000, 300000, 0), 1000);
    ck_assert_int_eq(kn_deliver_backoff_ms(2, 1000, 300000, 1000), 2000);
    ck_assert_int_eq(kn_deliver_backoff_ms(3, 1000, 300000, 0), 2000);
    ck_assert_int_eq(kn_deliver_backoff_ms(3, 1000, 300000, 2000), 4000);
    ck_assert_int_eq(kn_deliver_backoff_ms(9, 1000, 300000, 0), 128000);
    ck_assert_int_eq(kn_deliver_backoff_ms(9, 1000, 300000, 128000), 256000);
}
END_TEST

START_TEST(backoff_stops_at_max)
{
    /* 1000 * 2^9 = 512000 > 300000 */
    ck_assert_int_eq(kn_deliver_backoff_ms(10, 1000, 300000, 0), 150000);
    ck_assert_int_eq(kn_deliver_backoff_ms(10, 1000, 300000, 150000), 300000);
    ck_assert_int_eq(kn_deliver_backoff_ms(1000, 1000, 300000, 150000), 300000);
    /* a max below min caps from the first try */
    ck_assert_int_eq(kn_deliver_backoff_ms(1, 5000, 3000, 0), 1500);
    ck_assert_int_eq(kn_deliver_backoff_ms(1, 5000, 3000, 1500), 3000);
    /* a try number below 1 counts as the first */
    ck_assert_int_eq(kn_deliver_backoff_ms(0, 1000, 300000, 500), 1000);
    ck_assert_int_eq(kn_deliver_backoff_ms(-7, 1000, 300000, 0), 500);
}
END_TEST

START_TEST(backoff_bounds_hold_for_every_try)
{
    static const int64_t limits[][2] = {
        {1000, 300000}, {10, 86400000}, {3600000, 86400000}, {7, 7}, {1, 2}};
    uint64_t rnd = UINT64_C(88172645463325252);
    for (size_t l = 0; l < sizeof limits / sizeof limits[0]; l++) {
        int64_t min = limits[l][0], max = limits[l][1];
        int64_t b = min; /* expected cap before jitter, doubled by hand */
        for (int attempt = 1; attempt <= 2000; attempt++) {
            if (attempt > 1)
                b = b * 2 > max ? max : b * 2;
            for (int k = 0; k < 50; k++) {
                rnd ^= rnd << 13; /* xorshift64: many jitter values */
                rnd ^= rnd >> 7;
                rnd ^= rnd << 17;
                int64_t d = kn_deliver_backoff_ms(attempt, min, max, rnd);
                ck_assert_int_ge(d, b / 2);
                ck_assert_int_le(d, b);
                ck_assert_int_le(d, max);
            }
        }
        ck_assert_int_eq(b, max);
    }
}
END_TEST

START_TEST(backoff_never_overflows)
{
    /* min * 2^(attempt - 1) is far past INT64_MAX here; UBSan would say so */
    int64_t d = kn_deliver_backoff_ms(INT_MAX, 1000, 300000, UINT64_MAX);
    ck_assert_int_ge(d, 150000);
    ck_assert_int_le(d, 300000);
    d = kn_deliver_backoff_ms(INT_MAX, INT64_MAX / 3, INT64_MAX, UINT64_MAX);
    ck_assert_int_ge(d, INT64_MAX / 2);
    ck_assert_int_le(d, INT64_MAX);
    ck_assert_int_eq(kn_deliver_backoff_ms(64, INT64_MAX / 3, INT64_MAX, 0), INT64_MAX / 2);
    d = kn_deliver_backoff_ms(63, 1, INT64_MAX, UINT64_MAX - 1);
    ck_assert_int_ge(d, INT64_MAX / 4);
    ck_assert_int_le(d, INT64_MAX);
}
END_TEST

/* ---- Retry-After ----------------------------------------------------- */

START_TEST(retry_after_reads_delta_seconds)
{
    ck_assert_int_eq(kn_deliver_retry_after("120", RFC_DATE), 120);
    ck_assert_int_eq(kn_deliver_retry_after("0", RFC_DATE), 0);
    ck_assert_int_eq(kn_deliver_retry_after(" 5\r\n", RFC_DATE), 5);
    ck_assert_int_eq(kn_deliver_retry_after("\t007 ", RFC_DATE), 7);
    /* more than any sensible wait: held at INT32_MAX, capped later by backoff_max_ms */
    ck_assert_int_eq(kn_deliver_retry_after("99999999999999999999999999", RFC_DATE), INT32_MAX);
    ck_assert_int_eq(kn_deliver_retry_after("2147483648", RFC_DATE), INT32_MAX);
    ck_assert_int_eq(kn_deliver_retry_after("2147483647", RFC_DATE), INT32_MAX);
    ck_assert_int_eq(kn_deliver_retry_after("2147483646", RFC_DATE), INT32_MAX - 1);
}
END_TEST

START_TEST(retry_after_reads_http_dates)
{
    int64_t now = RFC_DATE - 90;
    ck_assert_int_eq(kn_deliver_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", now), 90);
    ck_assert_int_eq(kn_deliver_retry_after("Sunday, 06-Nov-94 08:49:37 GMT", now), 90);
    ck_assert_int_eq(kn_deliver_retry_after("Sun Nov  6 08:49:37 1994", now), 90);
    ck_assert_int_eq(kn_deliver_retry_after("  Sun, 06 Nov 1994 08:51:07 GMT\r\n", now), 180);
    /* a date already past: retry at once */
    ck_assert_int_eq(kn_deliver_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", RFC_DATE + 3600), 0);
    ck_assert_int_eq(kn_deliver_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", RFC_DATE), 0);
}
END_TEST

START_TEST(retry_after_refuses_garbage)
{
    ck_assert_int_eq(kn_deliver_retry_after(NULL, RFC_DATE), -1);
    ck_assert_int_eq(kn_deliver_retry_after("", RFC_DATE), -1);
    ck_assert_int_eq(kn_deliver_retry_after("   ", RFC_DATE), -1);
    ck_assert_int_eq(kn_deliver_retry_after("-5", RFC_DATE), -1);
    ck_assert_int_eq(kn_deliver_retry_after("+5", RFC_DATE), -1);
    ck_assert_int_eq(kn_deliver_retry_after("1.5", RFC_DATE), -1);
    ck_assert_int_eq(kn_deliver_retry_after("12a", RFC_DATE), -1);
    ck_assert_int_eq(kn_deliver_retry_after("5 5", RFC_DATE), -1);
    ck_assert_int_eq(kn_deliver_retry_after("soon", RFC_DATE), -1);
    ck_assert_int_eq(kn_deliver_retry_after("garbage", RFC_DATE), -1);
    ck_assert_int_eq(kn_deliver_retry_after("Sun, 32 Nov 1994 08:49:37 GMT", RFC_DATE), -1);
}
END_TEST

/* ---- outcome --------------------------------------------------------- */

START_TEST(classify_by_status)
{
    ck_assert_int_eq(kn_deliver_classify(200, false, NULL), KN_DELIVER_DELIVERED);
    ck_assert_int_eq(kn_deliver_classify(204, false, NULL), KN_DELIVER_DELIVERED);
    ck_assert_int_eq(kn_deliver_classify(299, false, NULL), KN_DELIVER_DELIVERED);
    ck_assert_int_eq(kn_deliver_classify(0, false, NULL), KN_DELIVER_RETRY); /* no answer */
    ck_assert_int_eq(kn_deliver_classify(100, false, NULL), KN_DELIVER_RETRY);
    ck_assert_int_eq(kn_deliver_classify(199, false, NULL), KN_DELIVER_RETRY);
    ck_assert_int_eq(kn_deliver_classify(300, false, NULL), KN_DELIVER_RETRY);
    ck_assert_int_eq(kn_deliver_classify(301, false, NULL), KN_DELIVER_RETRY);
    ck_assert_int_eq(kn_deliver_classify(400, false, NULL), KN_DELIVER_RETRY);
    ck_assert_int_eq(kn_deliver_classify(401, false, NULL), KN_DELIVER_RETRY);
    ck_assert_int_eq(kn_deliver_classify(404, false, NULL), KN_DELIVER_RETRY);
    ck_assert_int_eq(kn_deliver_classify(429, false, NULL), KN_DELIVER_RETRY);
    ck_assert_int_eq(kn_deliver_classify(500, false, NULL), KN_DELIVER_RETRY);
    ck_assert_int_eq(kn_deliver_classify(503, false, NULL), KN_DELIVER_RETRY);
    ck_assert_int_eq(kn_deliver_classify(410, false, NULL), KN_DELIVER_GONE);
    /* a retCode means nothing to an endpoint that has none */
    ck_assert_int_eq(kn_deliver_classify(200, false, "B0001"), KN_DELIVER_DELIVERED);
}
END_TEST

START_TEST(classify_ems_needs_ret_code_00000)
{
    ck_assert_int_eq(kn_deliver_classify(200, true, "00000"), KN_DELIVER_DELIVERED);
    ck_assert_int_eq(kn_deliver_classify(201, true, "00000"), KN_DELIVER_DELIVERED);
    ck_assert_int_eq(kn_deliver_classify(200, true, "B00001"), KN_DELIVER_RETRY);
    ck_assert_int_eq(kn_deliver_classify(200, true, "0000"), KN_DELIVER_RETRY);
    ck_assert_int_eq(kn_deliver_classify(200, true, ""), KN_DELIVER_RETRY);
    ck_assert_int_eq(kn_deliver_classify(200, true, NULL), KN_DELIVER_RETRY);
    ck_assert_int_eq(kn_deliver_classify(500, true, "00000"), KN_DELIVER_RETRY);
    ck_assert_int_eq(kn_deliver_classify(0, true, NULL), KN_DELIVER_RETRY);
    ck_assert_int_eq(kn_deliver_classify(410, true, NULL), KN_DELIVER_GONE);
}
END_TEST

START_TEST(outcome_names)
{
    ck_assert_str_eq(kn_deliver_outcome_name(KN_DELIVER_DELIVERED), "delivered");
    ck_assert_str_eq(kn_deliver_outcome_name(KN_DELIVER_RETRY), "retry");
    ck_assert_str_eq(kn_deliver_outcome_name(KN_DELIVER_GONE), "gone");
}
END_TEST

/* ---- subscribers' addresses ---------------------------------------------- */

static bool s_public4(const char *text)
{
    struct sockaddr_in a = {.sin_family = AF_INET};
    ck_assert_int_eq(inet_pton(AF_INET, text, &a.sin_addr), 1);
    return kn_deliver_address_public((const struct sockaddr *)&a);
}

static bool s_public6(const char *text)
{
    struct sockaddr_in6 a = {.sin6_family = AF_INET6};
    ck_assert_int_eq(inet_pton(AF_INET6, text, &a.sin6_addr), 1);
    return kn_deliver_address_public((const struct sockaddr *)&a);
}

START_TEST(subscriber_addresses_public_only)
{
    static const char *const refused4[] = {
        "127.0.0.1",    "127.255.0.9",     "10.1.2.3",   "172.16.0.1",      "172.31.255.255",
        "192.168.1.10", "169.254.169.254", "100.64.0.1", "100.127.255.254", "0.0.0.0",
        "224.0.0.1",    "255.255.255.255", "192.0.0.8",  "198.18.0.1"};
    static const char *const public4[] = {"8.8.8.8",    "203.119.25.1", "172.15.255.255",
                                          "172.32.0.1", "100.128.0.1",  "192.169.0.1",
                                          "169.253.1.1"};
    for (size_t i = 0; i < sizeof refused4 / sizeof refused4[0]; i++)
        ck_assert_msg(!s_public4(refused4[i]), "%s taken as public", refused4[i]);
    for (size_t i = 0; i < sizeof public4 / sizeof public4[0]; i++)
        ck_assert_msg(s_public4(public4[i]), "%s refused", public4[i]);
    static const char *const refused6[] = {"::1",
                                           "::",
                                           "fe80::1",
                                           "fd00::5",
                                           "fc12::1",
                                           "ff02::1",
                                           "::ffff:127.0.0.1",
                                           "::ffff:10.0.0.1",
                                           "::ffff:169.254.169.254"};
    static const char *const public6[] = {"2001:4860:4860::8888", "2400:3200::1", "::ffff:8.8.8.8"};
    for (size_t i = 0; i < sizeof refused6 / sizeof refused6[0]; i++)
        ck_assert_msg(!s_public6(refused6[i]), "%s taken as public", refused6[i]);
    for (size_t i = 0; i < sizeof public6 / sizeof public6[0]; i++)
        ck_assert_msg(s_public6(public6[i]), "%s refused", public6[i]);
    struct sockaddr other = {.sa_family = AF_UNIX};
    ck_assert(!kn_deliver_address_public(&other));
}
END_TEST

Suite *kn_test_deliver_suite(void)
{
    Suite *s = suite_create("deliver");
    TCase *backoff = tcase_create("backoff");
    tcase_add_test(backoff, backoff_first_try_waits_half_to_all_of_min);
    tcase_add_test(backoff, backoff_doubles_per_try);
    tcase_add_test(backoff, backoff_stops_at_max);
    tcase_add_test(backoff, backoff_bounds_hold_for_every_try);
    tcase_add_test(backoff, backoff_never_overflows);
    suite_add_tcase(s, backoff);
    TCase *retry = tcase_create("retry_after");
    tcase_add_test(retry, retry_after_reads_delta_seconds);
    tcase_add_test(retry, retry_after_reads_http_dates);
    tcase_add_test(retry, retry_after_refuses_garbage);
    suite_add_tcase(s, retry);
    TCase *outcome = tcase_create("outcome");
    tcase_add_test(outcome, classify_by_status);
    tcase_add_test(outcome, classify_ems_needs_ret_code_00000);
    tcase_add_test(outcome, outcome_names);
    suite_add_tcase(s, outcome);
    TCase *address = tcase_create("address");
    tcase_add_test(address, subscriber_addresses_public_only);
    suite_add_tcase(s, address);
    return s;
}
