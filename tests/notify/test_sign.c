/* Webhook and DCSA signatures against published vectors. */
#include "sign.h"

#include <check.h>
#include <string.h>

#include <openssl/evp.h>

/* The vector the Standard Webhooks reference libraries test their signer with
 * (standard-webhooks/standard-webhooks, libraries/go/webhook_test.go,
 * TestWebhookSign; the same values are in Svix's manual-verification docs). */
#define SW_SECRET "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
#define SW_ID "msg_p5jXN8AQM9LWM0D4loKWxJek"
#define SW_TS INT64_C(1614265330)
#define SW_BODY "{\"test\": 2432232314}"
#define SW_SIG "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="

static const char *const s_body = SW_BODY;

static int s_verify(const char *secret, const char *body, const char *header, int64_t now,
                    kn_error_t *err)
{
    return kn_sign_webhook_verify(secret, SW_ID, SW_TS, body, strlen(body), header, now, 300, err);
}

START_TEST(webhook_signs_the_reference_vector)
{
    char sig[KN_SIGN_WEBHOOK_MAX];
    kn_error_t err = {0};
    ck_assert_int_eq(
        kn_sign_webhook(SW_SECRET, SW_ID, SW_TS, s_body, strlen(s_body), sig, sizeof sig, &err), 0);
    ck_assert_str_eq(sig, SW_SIG);
    /* and the reference signature verifies at its own time */
    ck_assert_int_eq(s_verify(SW_SECRET, s_body, SW_SIG, SW_TS, &err), 0);
}
END_TEST

START_TEST(webhook_verifies_its_own_signature)
{
    const char *body = "{\"eventType\":\"EQUIPMENT\",\"equipmentReference\":\"MSCU1234566\"}";
    char sig[KN_SIGN_WEBHOOK_MAX];
    ck_assert_int_eq(
        kn_sign_webhook(SW_SECRET, SW_ID, SW_TS, body, strlen(body), sig, sizeof sig, NULL), 0);
    kn_error_t err = {0};
    ck_assert_int_eq(s_verify(SW_SECRET, body, sig, SW_TS + 299, &err), 0);
    ck_assert_int_eq(s_verify(SW_SECRET, body, sig, SW_TS - 300, &err), 0);
}
END_TEST

START_TEST(webhook_refuses_a_tampered_body)
{
    kn_error_t err = {0};
    ck_assert_int_eq(s_verify(SW_SECRET, "{\"test\": 2432232315}", SW_SIG, SW_TS, &err), KN_EAUTH);
    ck_assert_int_eq(err.code, KN_EAUTH);
    ck_assert_str_eq(err.position, "webhook-signature");
    ck_assert_ptr_nonnull(strstr(err.message, "no v1 signature matches"));
    /* a different id or timestamp is a different signed content too */
    ck_assert_int_eq(kn_sign_webhook_verify(SW_SECRET, "msg_other", SW_TS, s_body, strlen(s_body),
                                            SW_SIG, SW_TS, 300, &err),
                     KN_EAUTH);
    ck_assert_int_eq(kn_sign_webhook_verify(SW_SECRET, SW_ID, SW_TS + 1, s_body, strlen(s_body),
                                            SW_SIG, SW_TS, 300, &err),
                     KN_EAUTH);
}
END_TEST

START_TEST(webhook_refuses_a_wrong_secret)
{
    char other[KN_SIGN_SECRET_MAX];
    ck_assert_int_eq(kn_sign_webhook_secret(other, sizeof other), 0);
    kn_error_t err = {0};
    ck_assert_int_eq(s_verify(other, s_body, SW_SIG, SW_TS, &err), KN_EAUTH);
    /* one character changed in the key */
    ck_assert_int_eq(
        s_verify("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSx", s_body, SW_SIG, SW_TS, &err), KN_EAUTH);
}
END_TEST

START_TEST(webhook_refuses_a_timestamp_outside_tolerance)
{
    kn_error_t err = {0};
    ck_assert_int_eq(s_verify(SW_SECRET, s_body, SW_SIG, SW_TS + 301, &err), KN_EAUTH);
    ck_assert_str_eq(err.position, "webhook-timestamp");
    ck_assert_ptr_nonnull(strstr(err.message, "1614265330"));
    ck_assert_int_eq(s_verify(SW_SECRET, s_body, SW_SIG, SW_TS - 301, &err), KN_EAUTH);
    ck_assert_str_eq(err.position, "webhook-timestamp");
    /* extreme values do not overflow into acceptance */
    ck_assert_int_eq(kn_sign_webhook_verify(SW_SECRET, SW_ID, INT64_MIN, s_body, strlen(s_body),
                                            SW_SIG, INT64_MAX, 300, &err),
                     KN_EAUTH);
    ck_assert_int_eq(kn_sign_webhook_verify(SW_SECRET, SW_ID, INT64_MAX, s_body, strlen(s_body),
                                            SW_SIG, INT64_MIN, 300, &err),
                     KN_EAUTH);
}
END_TEST

START_TEST(webhook_refuses_malformed_secrets)
{
    static const char *const bad[] = {
        "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",       /* no whsec_ prefix */
        "whsec_",                                 /* no key */
        "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaS",  /* not a multiple of 4 */
        "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLa!w", /* not base64 */
        "whsec_MfKQ9r8GKYqrTwjU PD8ILPZIo2LaLaS", /* whitespace */
        "whsec_c2hvcnQ=",                         /* 5 bytes: too short */
        "whsec_"
        "QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQU"
        "E=", /* 65 bytes: too long */
        "whsec_"
        "QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQU"
        "FBQUFB", /* 69 bytes */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char sig[KN_SIGN_WEBHOOK_MAX] = "x";
        kn_error_t err = {0};
        ck_assert_msg(kn_sign_webhook(bad[i], SW_ID, SW_TS, s_body, strlen(s_body), sig, sizeof sig,
                                      &err) == KN_ECONFIG,
                      "secret %zu accepted", i);
        ck_assert_str_eq(sig, "");
        ck_assert_ptr_nonnull(strstr(err.message, "webhook: secret"));
        ck_assert_int_eq(s_verify(bad[i], s_body, SW_SIG, SW_TS, &err), KN_ECONFIG);
        if (i == 6)
            ck_assert_ptr_nonnull(strstr(err.message, "holds 65 key bytes"));
    }
    /* 64 key bytes, the most the spec allows */
    char sig[KN_SIGN_WEBHOOK_MAX];
    ck_assert_int_eq(kn_sign_webhook("whsec_"
                                     "QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQ"
                                     "UFBQUFBQUFBQUFBQUFBQUFBQQ==",
                                     SW_ID, SW_TS, s_body, strlen(s_body), sig, sizeof sig, NULL),
                     0);
}
END_TEST

START_TEST(webhook_refuses_bad_message_ids)
{
    char sig[KN_SIGN_WEBHOOK_MAX];
    kn_error_t err = {0};
    ck_assert_int_eq(
        kn_sign_webhook(SW_SECRET, "msg.1", SW_TS, s_body, strlen(s_body), sig, sizeof sig, &err),
        KN_EINVAL);
    ck_assert_int_eq(
        kn_sign_webhook(SW_SECRET, "", SW_TS, s_body, strlen(s_body), sig, sizeof sig, &err),
        KN_EINVAL);
    ck_assert_int_eq(kn_sign_webhook_verify(SW_SECRET, "msg.1", SW_TS, s_body, strlen(s_body),
                                            SW_SIG, SW_TS, 300, &err),
                     KN_EAUTH);
    ck_assert_str_eq(err.position, "webhook-id");
}
END_TEST

START_TEST(webhook_accepts_any_matching_signature_in_the_list)
{
    kn_error_t err = {0};
    const char *rotating = "v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc= "
                           "v1a,hnO3f9T8Ytu9HwrXslvumlUpqtNVqkhqw/enGzPCXe5BdqzCInXqYXFymVJaA7AZ "
                           "v2,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=  " SW_SIG " v1,junk";
    ck_assert_int_eq(s_verify(SW_SECRET, s_body, rotating, SW_TS, &err), 0);
    /* the right bytes under another version tag, truncated, or extended do not count */
    ck_assert_int_eq(
        s_verify(SW_SECRET, s_body, "v2,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=", SW_TS, &err),
        KN_EAUTH);
    ck_assert_int_eq(
        s_verify(SW_SECRET, s_body, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE", SW_TS, &err),
        KN_EAUTH);
    ck_assert_int_eq(s_verify(SW_SECRET, s_body, SW_SIG "A", SW_TS, &err), KN_EAUTH);
    ck_assert_int_eq(s_verify(SW_SECRET, s_body, "", SW_TS, &err), KN_EAUTH);
    ck_assert_int_eq(s_verify(SW_SECRET, s_body, "   ", SW_TS, &err), KN_EAUTH);
}
END_TEST

START_TEST(webhook_secret_generator)
{
    char a[KN_SIGN_SECRET_MAX], b[KN_SIGN_SECRET_MAX];
    ck_assert_int_eq(kn_sign_webhook_secret(a, sizeof a), 0);
    ck_assert_int_eq(kn_sign_webhook_secret(b, sizeof b), 0);
    ck_assert_uint_eq(strlen(a), 6 + 32);
    ck_assert_int_eq(strncmp(a, "whsec_", 6), 0);
    ck_assert_str_ne(a, b);
    unsigned char raw[40];
    ck_assert_int_eq(EVP_DecodeBlock(raw, (const unsigned char *)a + 6, 32), 24);
    /* and it signs and verifies */
    char sig[KN_SIGN_WEBHOOK_MAX];
    kn_error_t err = {0};
    ck_assert_int_eq(
        kn_sign_webhook(a, "msg_1", 1700000000, s_body, strlen(s_body), sig, sizeof sig, &err), 0);
    ck_assert_int_eq(kn_sign_webhook_verify(a, "msg_1", 1700000000, s_body, strlen(s_body), sig,
                                            1700000000, 0, &err),
                     0);
    ck_assert_int_eq(kn_sign_webhook_verify(b, "msg_1", 1700000000, s_body, strlen(s_body), sig,
                                            1700000000, 0, &err),
                     KN_EAUTH);
}
END_TEST

START_TEST(webhook_signs_an_empty_body)
{
    char sig[KN_SIGN_WEBHOOK_MAX];
    ck_assert_int_eq(kn_sign_webhook(SW_SECRET, SW_ID, SW_TS, NULL, 0, sig, sizeof sig, NULL), 0);
    ck_assert_uint_eq(strlen(sig), 3 + 44);
    ck_assert_int_eq(kn_sign_webhook_verify(SW_SECRET, SW_ID, SW_TS, NULL, 0, sig, SW_TS, 0, NULL),
                     0);
}
END_TEST

/* RFC 4231 §4.3, test case 2: HMAC-SHA-256 */
#define RFC4231_KEY "Jefe"
#define RFC4231_DATA "what do ya want for nothing?"
#define RFC4231_MAC "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"

START_TEST(dcsa_signs_rfc4231_case_2)
{
    char value[KN_SIGN_DCSA_MAX];
    ck_assert_int_eq(
        kn_sign_dcsa(RFC4231_KEY, 4, RFC4231_DATA, strlen(RFC4231_DATA), value, sizeof value), 0);
    ck_assert_str_eq(value, "sha256=" RFC4231_MAC);
}
END_TEST

START_TEST(dcsa_verifies_and_refuses)
{
    const char *data = RFC4231_DATA;
    size_t n = strlen(data);
    kn_error_t err = {0};
    ck_assert_int_eq(kn_sign_dcsa_verify("Jefe", 4, data, n, "sha256=" RFC4231_MAC, &err), 0);
    /* hex digits in upper case are the same signature */
    ck_assert_int_eq(kn_sign_dcsa_verify(
                         "Jefe", 4, data, n,
                         "sha256=5BDCC146BF60754E6A042426089575C75A003F089D2739839DEC58B964EC3843",
                         &err),
                     0);
    /* tampered body, wrong secret */
    ck_assert_int_eq(kn_sign_dcsa_verify("Jefe", 4, "what do ya want for nothing!", n,
                                         "sha256=" RFC4231_MAC, &err),
                     KN_EAUTH);
    ck_assert_ptr_nonnull(strstr(err.message, "does not match"));
    ck_assert_int_eq(kn_sign_dcsa_verify("Jeff", 4, data, n, "sha256=" RFC4231_MAC, &err),
                     KN_EAUTH);
    /* malformed values */
    ck_assert_int_eq(kn_sign_dcsa_verify("Jefe", 4, data, n, RFC4231_MAC, &err), KN_EAUTH);
    ck_assert_ptr_nonnull(strstr(err.message, "sha256="));
    ck_assert_int_eq(kn_sign_dcsa_verify("Jefe", 4, data, n, "sha1=" RFC4231_MAC, &err), KN_EAUTH);
    ck_assert_int_eq(kn_sign_dcsa_verify("Jefe", 4, data, n, "sha256=" RFC4231_MAC "00", &err),
                     KN_EAUTH);
    ck_assert_ptr_nonnull(strstr(err.message, "64 hexadecimal digits"));
    ck_assert_int_eq(kn_sign_dcsa_verify("Jefe", 4, data, n,
                                         "sha256=5bdcc146bf60754e6a042426089575c75a003f089d27398"
                                         "39dec58b964ec384",
                                         &err),
                     KN_EAUTH);
    ck_assert_int_eq(kn_sign_dcsa_verify("Jefe", 4, data, n,
                                         "sha256=5bdcc146bf60754e6a042426089575c75a003f089d27398"
                                         "39dec58b964ec384g",
                                         &err),
                     KN_EAUTH);
    ck_assert_int_eq(kn_sign_dcsa_verify("Jefe", 4, data, n, "sha256=", &err), KN_EAUTH);
}
END_TEST

Suite *kn_test_sign_suite(void)
{
    Suite *s = suite_create("sign");
    TCase *tc = tcase_create("webhook");
    tcase_add_test(tc, webhook_signs_the_reference_vector);
    tcase_add_test(tc, webhook_verifies_its_own_signature);
    tcase_add_test(tc, webhook_refuses_a_tampered_body);
    tcase_add_test(tc, webhook_refuses_a_wrong_secret);
    tcase_add_test(tc, webhook_refuses_a_timestamp_outside_tolerance);
    tcase_add_test(tc, webhook_refuses_malformed_secrets);
    tcase_add_test(tc, webhook_refuses_bad_message_ids);
    tcase_add_test(tc, webhook_accepts_any_matching_signature_in_the_list);
    tcase_add_test(tc, webhook_secret_generator);
    tcase_add_test(tc, webhook_signs_an_empty_body);
    suite_add_tcase(s, tc);
    TCase *dcsa = tcase_create("dcsa");
    tcase_add_test(dcsa, dcsa_signs_rfc4231_case_2);
    tcase_add_test(dcsa, dcsa_verifies_and_refuses);
    suite_add_tcase(s, dcsa);
    return s;
}
