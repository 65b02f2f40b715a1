/* arena, Bloom filter, event helpers, error text, key files */
#include "arena.h"
#include "bloom.h"
#include "err.h"
#include "event.h"
#include "keys.h"
#include "runner.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

START_TEST(arena_allocates_aligned_and_resets)
{
    kn_arena_t *a = kn_arena_new(1024);
    char *s = kn_arena_strdup(a, "COSU6123451");
    ck_assert_str_eq(s, "COSU6123451");
    void *p = kn_arena_alloc(a, 3);
    ck_assert_int_eq((uintptr_t)p % sizeof(max_align_t), 0);
    /* bigger than a chunk */
    char *big = kn_arena_alloc(a, 100000);
    memset(big, 'x', 100000);
    ck_assert_str_eq(kn_arena_printf(a, "%s-%d", "seg", 14), "seg-14");
    ck_assert_uint_ge(kn_arena_used(a), 100000);
    kn_arena_reset(a);
    ck_assert_uint_eq(kn_arena_used(a), 0);
    ck_assert_ptr_null(kn_arena_calloc(a, SIZE_MAX / 2, 4));
    kn_arena_destroy(&a);
    ck_assert_ptr_null(a);
}
END_TEST

START_TEST(iso6346_check_digits)
{
    /* the samples' boxes, all valid */
    ck_assert(kn_iso6346_valid("COSU6123451"));
    ck_assert(kn_iso6346_valid("CSNU7041125"));
    ck_assert(kn_iso6346_valid("OOLU8890211"));
    ck_assert(kn_iso6346_valid("TGHU3007773"));
    /* samples/bad: MSCU5510221 should end in 0 */
    ck_assert(!kn_iso6346_valid("MSCU5510221"));
    ck_assert_int_eq(kn_iso6346_check_digit("MSCU5510221"), 0);
    ck_assert(kn_iso6346_valid("MSCU5510220"));
    ck_assert(!kn_iso6346_valid("MSCU551022"));
    ck_assert(!kn_iso6346_valid("msCU5510220"));
    ck_assert_int_eq(kn_iso6346_check_digit("12345678901"), -1);
    ck_assert(!kn_iso6346_valid(NULL));
}
END_TEST

START_TEST(event_list_and_warnings)
{
    kn_arena_t *a = kn_arena_new(1024);
    kn_event_list_t list = {0};
    kn_event_t *e1 = kn_event_append(&list, a, KN_EVENT_EQUIPMENT, "DISC");
    kn_event_t *e2 = kn_event_append(&list, a, KN_EVENT_TRANSPORT, "ARRI");
    ck_assert_int_eq(list.count, 2);
    ck_assert_ptr_eq(list.head, e1);
    ck_assert_ptr_eq(e1->next, e2);
    ck_assert_int_eq(kn_event_warn(e1, a, "CHECK_DIGIT", "container number %s fails", "X"), 0);
    ck_assert_int_eq(kn_event_warn(e1, a, "SECOND", "b"), 0);
    ck_assert_str_eq(e1->warnings->code, "CHECK_DIGIT");
    ck_assert_str_eq(e1->warnings->text, "container number X fails");
    ck_assert_str_eq(e1->warnings->next->code, "SECOND");
    ck_assert_str_eq(kn_event_type_name(e2->type), "TRANSPORT");
    ck_assert_str_eq(kn_event_class_name(e2->classifier), "ACT");
    kn_arena_destroy(&a);
}
END_TEST

START_TEST(error_text_and_names)
{
    kn_error_t err;
    ck_assert_int_eq(kn_error_set(&err, KN_EPARSE, "segment 14 (EQD)", "edifact: %s", "bad"),
                     KN_EPARSE);
    char buf[256];
    ck_assert_str_eq(kn_error_text(&err, buf, sizeof buf), "segment 14 (EQD): edifact: bad");
    kn_error_set(&err, KN_EXML, "", "xml: refused");
    ck_assert_str_eq(kn_error_text(&err, buf, sizeof buf), "xml: refused");
    ck_assert_str_eq(kn_err_name(KN_EROLE), "ROLE");
    ck_assert_str_eq(kn_err_name(12345), "ERROR");
    ck_assert_str_eq(kn_strerror(KN_EDB), "database unavailable");
}
END_TEST

START_TEST(keys_written_and_read)
{
    const char *dir = kn_test_tmpdir();
    char why[512], path[512], sec[41], pub[41], pub2[41];
    uint8_t key[32];
    ck_assert_int_eq(kn_keys_generate(dir, "xhct", why, sizeof why), 0);
    snprintf(path, sizeof path, "%s/xhct.key", dir);
    struct stat st;
    ck_assert_int_eq(stat(path, &st), 0);
    ck_assert_int_eq(st.st_mode & 0777, 0600);
    ck_assert_int_eq(kn_keys_read_secret(path, sec, pub, why, sizeof why), 0);
    snprintf(path, sizeof path, "%s/xhct.pub", dir);
    ck_assert_int_eq(kn_keys_read_public(path, key, pub2, why, sizeof why), 0);
    ck_assert_str_eq(pub, pub2); /* derived public = written public */
    char z85[41];
    kn_keys_z85(key, z85);
    ck_assert_str_eq(z85, pub);
    /* never overwrite a key */
    ck_assert_int_eq(kn_keys_generate(dir, "xhct", why, sizeof why), KN_EIO);
    ck_assert_ptr_nonnull(strstr(why, "File exists"));
    /* a secret key others can read is refused */
    snprintf(path, sizeof path, "%s/xhct.key", dir);
    chmod(path, 0644);
    ck_assert_int_eq(kn_keys_read_secret(path, sec, NULL, why, sizeof why), KN_EINVAL);
    ck_assert_ptr_nonnull(strstr(why, "is open to group or others (mode 0644): chmod 600 it"));
    /* a file that is not a key */
    const char *bad = kn_test_write(dir, "bad.pub", "not a key\n");
    ck_assert_int_eq(kn_keys_read_public(bad, key, NULL, why, sizeof why), KN_EINVAL);
    ck_assert_ptr_nonnull(strstr(why, "does not hold a 40-character Z85 key"));
}
END_TEST

/* Never a false negative; false positives near the design rate at capacity. */
START_TEST(bloom_no_false_negatives)
{
    enum { N = 100000 };
    kn_bloom_t *b = kn_bloom_new(N);
    ck_assert_ptr_nonnull(b);
    char key[32];
    for (int i = 0; i < N; i++) {
        int len = snprintf(key, sizeof key, "BNCH%07d", i);
        kn_bloom_add(b, key, (size_t)len);
    }
    ck_assert_uint_eq(kn_bloom_count(b), N);
    ck_assert_uint_ge(kn_bloom_bytes(b), N * 10 / 8);
    for (int i = 0; i < N; i++) {
        int len = snprintf(key, sizeof key, "BNCH%07d", i);
        ck_assert_msg(kn_bloom_maybe(b, key, (size_t)len), "%s lost", key);
    }
    int fp = 0;
    for (int i = N; i < 2 * N; i++) {
        int len = snprintf(key, sizeof key, "BNCH%07d", i);
        fp += kn_bloom_maybe(b, key, (size_t)len);
    }
    /* 10 bits and 7 probes per key: ~0.8% expected; 2% leaves room */
    ck_assert_int_lt(fp, N / 50);
    ck_assert_int_gt(fp, 0); /* a filter that says "no" to everything fails here */
    kn_bloom_destroy(&b);
    ck_assert_ptr_null(b);
}
END_TEST

Suite *kn_test_basics_suite(void);
Suite *kn_test_basics_suite(void)
{
    Suite *s = suite_create("basics");
    TCase *tc = tcase_create("arena");
    tcase_add_test(tc, arena_allocates_aligned_and_resets);
    tcase_add_test(tc, bloom_no_false_negatives);
    suite_add_tcase(s, tc);
    tc = tcase_create("event");
    tcase_add_test(tc, iso6346_check_digits);
    tcase_add_test(tc, event_list_and_warnings);
    tcase_add_test(tc, error_text_and_names);
    suite_add_tcase(s, tc);
    tc = tcase_create("keys");
    tcase_add_test(tc, keys_written_and_read);
    suite_add_tcase(s, tc);
    return s;
}
