#include "dedupe.h"
#include "runner.h"

#include <stdio.h>
#include <string.h>

static kn_arena_t *s_arena;

static void s_setup(void)
{
    s_arena = kn_arena_new(4096);
}

static void s_teardown(void)
{
    kn_arena_destroy(&s_arena);
}

START_TEST(first_add_is_new_repeat_names_first)
{
    kn_dedupe_t *d = kn_dedupe_new(s_arena, 8);
    ck_assert_int_eq(kn_dedupe_add(d, "xhct", "m1", 2, 0), -1);
    ck_assert_int_eq(kn_dedupe_add(d, "xhct", "m2", 2, 1), -1);
    /* the same id again from the same party: the first one's value */
    ck_assert_int_eq(kn_dedupe_add(d, "xhct", "m1", 2, 5), 0);
    ck_assert_int_eq(kn_dedupe_find(d, "xhct", "m2", 2), 1);
    ck_assert_int_eq(kn_dedupe_find(d, "xhct", "m3", 2), -1);
}
END_TEST

START_TEST(key_is_party_and_id)
{
    kn_dedupe_t *d = kn_dedupe_new(s_arena, 8);
    ck_assert_int_eq(kn_dedupe_add(d, "xhct", "0001", 4, 0), -1);
    /* another party may use the same id: a different message */
    ck_assert_int_eq(kn_dedupe_add(d, "customs", "0001", 4, 1), -1);
    /* party/id boundaries do not blur: "ab"+"c" is not "a"+"bc" */
    ck_assert_int_eq(kn_dedupe_add(d, "ab", "c", 1, 2), -1);
    ck_assert_int_eq(kn_dedupe_add(d, "a", "bc", 2, 3), -1);
    ck_assert_int_eq(kn_dedupe_find(d, "customs", "0001", 4), 1);
    /* only id_len bytes count */
    ck_assert_int_eq(kn_dedupe_find(d, "xhct", "00012", 4), 0);
}
END_TEST

START_TEST(full_batch_of_keys)
{
    enum { N = 8000 };
    kn_dedupe_t *d = kn_dedupe_new(s_arena, N);
    static char ids[N][16];
    for (int i = 0; i < N; i++) {
        snprintf(ids[i], sizeof ids[i], "msg-%d", i);
        ck_assert_int_eq(kn_dedupe_add(d, "p", ids[i], strlen(ids[i]), i), -1);
    }
    for (int i = 0; i < N; i += 97)
        ck_assert_int_eq(kn_dedupe_find(d, "p", ids[i], strlen(ids[i])), i);
    ck_assert_int_eq(kn_dedupe_add(d, "p", "msg-4321", 8, 0), 4321);
}
END_TEST

Suite *kn_test_dedupe_suite(void);
Suite *kn_test_dedupe_suite(void)
{
    Suite *s = suite_create("dedupe");
    TCase *tc = tcase_create("keys");
    tcase_add_checked_fixture(tc, s_setup, s_teardown);
    tcase_add_test(tc, first_add_is_new_repeat_names_first);
    tcase_add_test(tc, key_is_party_and_id);
    tcase_add_test(tc, full_batch_of_keys);
    suite_add_tcase(s, tc);
    return s;
}
