/* EMS envelope: SM4 known answers, round trips, refusals, form encoding. */
#include "ems.h"

#include <check.h>
#include <string.h>

#include <openssl/evp.h>

/* GB/T 32907-2016 Annex A, example 1 (key = plain text) and example 2 (the
 * same block encrypted 1,000,000 times). */
static const unsigned char s_kat_key[16] = {0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef,
                                            0xfe, 0xdc, 0xba, 0x98, 0x76, 0x54, 0x32, 0x10};
static const unsigned char s_kat_ct[16] = {0x68, 0x1e, 0xdf, 0x34, 0xd2, 0x06, 0x96, 0x5e,
                                           0x86, 0xb3, 0xe9, 0x4f, 0x53, 0x6e, 0x42, 0x46};
static const unsigned char s_kat_ct_1m[16] = {0x59, 0x52, 0x98, 0xc7, 0xc6, 0xfd, 0x27, 0x1f,
                                              0x04, 0x02, 0xf8, 0x04, 0xc3, 0x3d, 0x3f, 0x66};

/* A sign key in the platform's form (from a public sample integration). */
#define SIGN_KEY "TvaBgrhE46sft3nZlfe7xw=="

static kn_arena_t *s_arena;

static void s_setup(void)
{
    s_arena = kn_arena_new(64 * 1024);
}

static void s_teardown(void)
{
    kn_arena_destroy(&s_arena);
}

/* Raw bytes of the base64 after the "|$4|" prefix. */
static size_t s_unwrap(const char *text, unsigned char *out, size_t cap)
{
    ck_assert_int_eq(strncmp(text, "|$4|", 4), 0);
    size_t n = strlen(text + 4);
    ck_assert_uint_le(n / 4 * 3, cap);
    int got = EVP_DecodeBlock(out, (const unsigned char *)text + 4, (int)n);
    ck_assert_int_ge(got, 0);
    size_t len = (size_t)got;
    if (n >= 1 && text[4 + n - 1] == '=')
        len--;
    if (n >= 2 && text[4 + n - 2] == '=')
        len--;
    return len;
}

START_TEST(sm4_known_answer)
{
    unsigned char out[32];
    int n = 0, m = 0;
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    ck_assert_ptr_nonnull(ctx);
    ck_assert_ptr_nonnull(EVP_sm4_ecb());
    ck_assert_int_eq(EVP_EncryptInit_ex(ctx, EVP_sm4_ecb(), NULL, s_kat_key, NULL), 1);
    ck_assert_int_eq(EVP_CIPHER_CTX_set_padding(ctx, 0), 1);
    ck_assert_int_eq(EVP_EncryptUpdate(ctx, out, &n, s_kat_key, 16), 1);
    ck_assert_int_eq(EVP_EncryptFinal_ex(ctx, out + n, &m), 1);
    ck_assert_int_eq(n + m, 16);
    ck_assert_mem_eq(out, s_kat_ct, 16);

    /* example 2: a million encryptions of the block */
    unsigned char block[16];
    memcpy(block, s_kat_key, 16);
    for (int i = 0; i < 1000000; i++) {
        ck_assert(EVP_EncryptUpdate(ctx, out, &n, block, 16) == 1 && n == 16);
        memcpy(block, out, 16);
    }
    ck_assert_mem_eq(block, s_kat_ct_1m, 16);

    /* and back */
    ck_assert_int_eq(EVP_DecryptInit_ex(ctx, EVP_sm4_ecb(), NULL, s_kat_key, NULL), 1);
    ck_assert_int_eq(EVP_CIPHER_CTX_set_padding(ctx, 0), 1);
    ck_assert_int_eq(EVP_DecryptUpdate(ctx, out, &n, s_kat_ct, 16), 1);
    ck_assert_int_eq(n, 16);
    ck_assert_mem_eq(out, s_kat_key, 16);
    EVP_CIPHER_CTX_free(ctx);
}
END_TEST

START_TEST(envelope_first_block_is_the_known_answer)
{
    /* the KAT plain text holds no NUL, so it passes as a string */
    char plain[17];
    memcpy(plain, s_kat_key, 16);
    plain[16] = '\0';
    kn_error_t err = {0};
    char *text = kn_ems_encrypt(s_kat_key, plain, s_arena, &err);
    ck_assert_ptr_nonnull(text);
    unsigned char ct[64];
    /* 16 bytes of text + a whole block of padding */
    ck_assert_uint_eq(s_unwrap(text, ct, sizeof ct), 32);
    ck_assert_mem_eq(ct, s_kat_ct, 16);
    size_t len = 0;
    char *back = kn_ems_decrypt(s_kat_key, text, &len, s_arena, &err);
    ck_assert_ptr_nonnull(back);
    ck_assert_uint_eq(len, 16);
    ck_assert_mem_eq(back, s_kat_key, 16);
}
END_TEST

START_TEST(round_trip_with_padding)
{
    static const size_t lengths[] = {0, 1, 15, 16, 17, 1000};
    unsigned char key[KN_EMS_KEY_LEN];
    ck_assert_int_eq(kn_ems_key_parse(SIGN_KEY, key, NULL), 0);
    for (size_t i = 0; i < sizeof lengths / sizeof lengths[0]; i++) {
        size_t n = lengths[i];
        char *plain = kn_arena_alloc(s_arena, n + 1);
        for (size_t j = 0; j < n; j++)
            plain[j] = (char)('!' + (j * 7 + i) % 94);
        plain[n] = '\0';
        kn_error_t err = {0};
        char *text = kn_ems_encrypt(key, plain, s_arena, &err);
        ck_assert_msg(text != NULL, "length %zu: %s", n, err.message);
        size_t ctlen = (n / 16 + 1) * 16;
        ck_assert_uint_eq(strlen(text), 4 + 4 * ((ctlen + 2) / 3));
        unsigned char *ct = kn_arena_alloc(s_arena, ctlen + 3);
        ck_assert_uint_eq(s_unwrap(text, ct, ctlen + 3), ctlen);
        size_t len = 99;
        char *back = kn_ems_decrypt(key, text, &len, s_arena, &err);
        ck_assert_msg(back != NULL, "length %zu: %s", n, err.message);
        ck_assert_uint_eq(len, n);
        ck_assert_mem_eq(back, plain, n);
        ck_assert_int_eq(back[n], '\0');
    }
}
END_TEST

START_TEST(round_trip_chinese_json)
{
    const char *json = "{\"logisticsOrderNo\":\"KN20240501-0001\",\"receiver\":{\"name\":\"张三\","
                       "\"prov\":\"福建省\",\"city\":\"厦门市\",\"county\":\"海沧区\","
                       "\"address\":\"港南路 1 号 海关大楼\"},\"cargos\":[{\"cargoName\":"
                       "\"原产地证书\",\"cargoQuantity\":1}]}";
    unsigned char key[KN_EMS_KEY_LEN];
    ck_assert_int_eq(kn_ems_key_parse("0123456789abcdeffedcba9876543210", key, NULL), 0);
    ck_assert_mem_eq(key, s_kat_key, 16);
    kn_error_t err = {0};
    char *text = kn_ems_encrypt(key, json, s_arena, &err);
    ck_assert_ptr_nonnull(text);
    ck_assert_ptr_null(strstr(text, "KN2024")); /* no plain text leaks */
    size_t len = 0;
    char *back = kn_ems_decrypt(key, text, &len, s_arena, &err);
    ck_assert_ptr_nonnull(back);
    ck_assert_uint_eq(len, strlen(json));
    ck_assert_str_eq(back, json);
    /* ECB is deterministic: the same JSON gives the same text */
    ck_assert_str_eq(kn_ems_encrypt(key, json, s_arena, &err), text);
}
END_TEST

START_TEST(decrypt_refuses_missing_prefix)
{
    unsigned char key[KN_EMS_KEY_LEN];
    memcpy(key, s_kat_key, sizeof key);
    char *good = kn_ems_encrypt(key, "{}", s_arena, NULL);
    ck_assert_ptr_nonnull(good);
    static const char *const bad[] = {"", "aGVsbG8gd29ybGQhISEhIQ==", "|$|aGVsbG8=", "|$4", "$4|"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        kn_error_t err = {0};
        size_t len = 7;
        ck_assert_ptr_null(kn_ems_decrypt(key, bad[i], &len, s_arena, &err));
        ck_assert_int_eq(err.code, KN_EPARSE);
        ck_assert_str_eq(err.position, "logitcsInterface");
        ck_assert_ptr_nonnull(strstr(err.message, "does not start with \"|$4|\""));
        ck_assert_uint_eq(len, 0);
    }
    /* the good text without its prefix */
    kn_error_t err = {0};
    size_t len;
    ck_assert_ptr_null(kn_ems_decrypt(key, good + 4, &len, s_arena, &err));
    ck_assert_int_eq(err.code, KN_EPARSE);
}
END_TEST

START_TEST(decrypt_refuses_bad_base64)
{
    static const char *const bad[] = {
        "|$4|",                         /* nothing */
        "|$4|abc",                      /* not a multiple of 4 */
        "|$4|!!!!!!!!!!!!!!!!!!!!!!!!", /* not base64 */
        "|$4|aGVsbG8gd29y bGQhISEhIQ=", /* whitespace */
        "|$4|aGVsbG8gd29ybGQhISEhIQ=A", /* data after padding */
        "|$4|aGVsbG8gd29ybGQh=SEhIQ==", /* padding inside */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        kn_error_t err = {0};
        size_t len;
        ck_assert_msg(kn_ems_decrypt(s_kat_key, bad[i], &len, s_arena, &err) == NULL, "%s accepted",
                      bad[i]);
        ck_assert_int_eq(err.code, KN_EPARSE);
        ck_assert_msg(strstr(err.message, "base64") || strstr(err.message, "whole number"),
                      "%s: %s", bad[i], err.message);
    }
    /* valid base64 of 15 bytes: not whole blocks */
    kn_error_t err = {0};
    size_t len;
    ck_assert_ptr_null(kn_ems_decrypt(s_kat_key, "|$4|aGVsbG8gd29ybGQhISEh", &len, s_arena, &err));
    ck_assert_int_eq(err.code, KN_EPARSE);
    ck_assert_ptr_nonnull(strstr(err.message, "15 bytes"));
}
END_TEST

START_TEST(decrypt_refuses_bad_padding)
{
    unsigned char key[KN_EMS_KEY_LEN], other[KN_EMS_KEY_LEN];
    ck_assert_int_eq(kn_ems_key_parse(SIGN_KEY, key, NULL), 0);
    memcpy(other, s_kat_key, sizeof other);
    kn_error_t err = {0};
    size_t len;

    /* the KAT block alone decrypts to the KAT plain text, whose last byte 0x10
     * is a full padding block only if all 16 bytes were 0x10: refused */
    unsigned char raw[16];
    memcpy(raw, s_kat_ct, 16);
    char text[4 + 24 + 1] = "|$4|";
    EVP_EncodeBlock((unsigned char *)text + 4, raw, 16);
    ck_assert_ptr_null(kn_ems_decrypt(s_kat_key, text, &len, s_arena, &err));
    ck_assert_int_eq(err.code, KN_EPARSE);
    ck_assert_ptr_nonnull(strstr(err.message, "padding"));

    /* wrong key: the padding does not survive */
    char *good = kn_ems_encrypt(key, "{\"waybillNo\":\"1234567890123\"}", s_arena, &err);
    ck_assert_ptr_nonnull(good);
    ck_assert_ptr_null(kn_ems_decrypt(other, good, &len, s_arena, &err));
    ck_assert_int_eq(err.code, KN_EPARSE);
    ck_assert_ptr_nonnull(strstr(err.message, "wrong key"));
}
END_TEST

START_TEST(size_limits)
{
    size_t n = (size_t)KN_EMS_MAX_TEXT + 8; /* over the limit with the prefix or without */
    char *big = kn_arena_alloc(s_arena, n + 1);
    ck_assert_ptr_nonnull(big);
    memset(big, 'A', n);
    big[n] = '\0';
    kn_error_t err = {0};
    ck_assert_ptr_null(kn_ems_encrypt(s_kat_key, big, s_arena, &err));
    ck_assert_int_eq(err.code, KN_ETOOBIG);
    ck_assert_ptr_null(kn_ems_seal(SIGN_KEY, big, s_arena, &err));
    ck_assert_int_eq(err.code, KN_ETOOBIG);
    memcpy(big, "|$4|", 4);
    size_t len;
    ck_assert_ptr_null(kn_ems_decrypt(s_kat_key, big, &len, s_arena, &err));
    ck_assert_int_eq(err.code, KN_ETOOBIG);
}
END_TEST

START_TEST(key_parse_forms)
{
    unsigned char key[KN_EMS_KEY_LEN];
    static const unsigned char want[16] = {0x4e, 0xf6, 0x81, 0x82, 0xb8, 0x44, 0xe3, 0xab,
                                           0x1f, 0xb7, 0x79, 0xd9, 0x95, 0xf7, 0xbb, 0xc7};
    ck_assert_int_eq(kn_ems_key_parse(SIGN_KEY, key, NULL), 0);
    ck_assert_mem_eq(key, want, 16);
    ck_assert_int_eq(kn_ems_key_parse("0123456789ABCDEFfedcba9876543210", key, NULL), 0);
    ck_assert_mem_eq(key, s_kat_key, 16);
    static const char *const bad[] = {
        "",
        "short",
        "0123456789abcdeffedcba987654321",  /* 31 hex */
        "0123456789abcdeffedcba987654321g", /* 32, not hex, not base64 of 16 */
        "aGVsbG8gd29ybGQhISEh",             /* base64 of 15 bytes */
        "TvaBgrhE46sft3nZlfe7xw",           /* unpadded */
        "TvaBgrhE46sft3nZlfe7xwAA",         /* base64 of 18 bytes */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        kn_error_t err = {0};
        ck_assert_msg(kn_ems_key_parse(bad[i], key, &err) == KN_ECONFIG, "%s accepted", bad[i]);
        ck_assert_ptr_null(strstr(err.message, bad[i][0] ? bad[i] : "\x01"));
    }
}
END_TEST

START_TEST(seal_appends_the_sign_key)
{
    const char *json = "[{\"logisticsOrderNo\":\"KN-1\",\"cargos\":[{\"cargoName\":\"证书\"}]}]";
    kn_error_t err = {0};
    char *text = kn_ems_seal(SIGN_KEY, json, s_arena, &err);
    ck_assert_ptr_nonnull(text);

    /* what the platform decrypts: the JSON, then the key text */
    unsigned char key[KN_EMS_KEY_LEN];
    ck_assert_int_eq(kn_ems_key_parse(SIGN_KEY, key, NULL), 0);
    size_t len = 0;
    char *plain = kn_ems_decrypt(key, text, &len, s_arena, &err);
    ck_assert_ptr_nonnull(plain);
    char *want = kn_arena_printf(s_arena, "%s%s", json, SIGN_KEY);
    ck_assert_str_eq(plain, want);

    /* the sink's check */
    char *opened = kn_ems_open(SIGN_KEY, text, &len, s_arena, &err);
    ck_assert_ptr_nonnull(opened);
    ck_assert_uint_eq(len, strlen(json));
    ck_assert_str_eq(opened, json);

    /* encrypted with the right key but without the key text: refused */
    char *bare = kn_ems_encrypt(key, json, s_arena, &err);
    ck_assert_ptr_null(kn_ems_open(SIGN_KEY, bare, &len, s_arena, &err));
    ck_assert_int_eq(err.code, KN_EAUTH);
    ck_assert_uint_eq(len, 0);

    /* another customer's key */
    ck_assert_ptr_null(kn_ems_open("0123456789abcdeffedcba9876543210", text, &len, s_arena, &err));
    ck_assert(err.code == KN_EPARSE || err.code == KN_EAUTH);

    /* a malformed key never gets to SM4 */
    ck_assert_ptr_null(kn_ems_seal("not a key", json, s_arena, &err));
    ck_assert_int_eq(err.code, KN_ECONFIG);
}
END_TEST

START_TEST(timestamp_is_beijing_time)
{
    char ts[KN_EMS_TIMESTAMP_LEN];
    ck_assert_int_eq(kn_ems_timestamp(1614265330, ts), 0);
    ck_assert_str_eq(ts, "2021-02-25 23:02:10");
    ck_assert_int_eq(kn_ems_timestamp(0, ts), 0);
    ck_assert_str_eq(ts, "1970-01-01 08:00:00");
    /* 2024-12-31 16:00:00 UTC is New Year in Beijing */
    ck_assert_int_eq(kn_ems_timestamp(1735660800, ts), 0);
    ck_assert_str_eq(ts, "2025-01-01 00:00:00");
    /* four-digit years only */
    ck_assert_int_eq(kn_ems_timestamp(INT64_C(253402300799) - 28800, ts), 0);
    ck_assert_str_eq(ts, "9999-12-31 23:59:59");
    ck_assert_int_eq(kn_ems_timestamp(INT64_C(253402300800) - 28800, ts), KN_EINVAL);
    ck_assert_int_eq(kn_ems_timestamp(INT64_C(-30610224000) - 28800, ts), 0);
    ck_assert_str_eq(ts, "1000-01-01 00:00:00");
    ck_assert_int_eq(kn_ems_timestamp(INT64_C(-30610224001) - 28800, ts), KN_EINVAL);
    ck_assert_int_eq(kn_ems_timestamp(INT64_MAX, ts), KN_EINVAL);
    ck_assert_int_eq(kn_ems_timestamp(INT64_MIN, ts), KN_EINVAL);
}
END_TEST

START_TEST(form_encodes_every_field)
{
    kn_ems_request_t req = {
        .api_code = "020003",
        .sender_no = "1100012345678",
        .authorization = "a+b/c=d&e f",
        .time_stamp = "2021-02-25 23:02:10",
        .logitcs_interface = "|$4|q+/Z==",
    };
    kn_error_t err = {0};
    char *body = kn_ems_form(&req, s_arena, &err);
    ck_assert_ptr_nonnull(body);
    ck_assert_str_eq(body, "apiCode=020003&senderNo=1100012345678"
                           "&authorization=a%2Bb%2Fc%3Dd%26e+f&msgType=0"
                           "&timeStamp=2021-02-25+23%3A02%3A10&version=V1.0.0"
                           "&logitcsInterface=%7C%244%7Cq%2B%2FZ%3D%3D");

    /* Chinese, the characters kept as they are, and the optional userCode */
    req.authorization = "邮政*-._~";
    req.msg_type = "1";
    req.version = "V2.0.0";
    req.user_code = "厦门 海关";
    body = kn_ems_form(&req, s_arena, &err);
    ck_assert_ptr_nonnull(body);
    ck_assert_str_eq(body, "apiCode=020003&senderNo=1100012345678"
                           "&authorization=%E9%82%AE%E6%94%BF*-._%7E&msgType=1"
                           "&timeStamp=2021-02-25+23%3A02%3A10&version=V2.0.0"
                           "&logitcsInterface=%7C%244%7Cq%2B%2FZ%3D%3D"
                           "&userCode=%E5%8E%A6%E9%97%A8+%E6%B5%B7%E5%85%B3");
}
END_TEST

START_TEST(form_carries_a_real_envelope)
{
    kn_error_t err = {0};
    char ts[KN_EMS_TIMESTAMP_LEN];
    ck_assert_int_eq(kn_ems_timestamp(1614265330, ts), 0);
    kn_ems_request_t req = {
        .api_code = "020003",
        .sender_no = "1100012345678",
        .authorization = "auth",
        .time_stamp = ts,
        .logitcs_interface = kn_ems_seal(SIGN_KEY, "{\"cargoName\":\"原产地证书\"}", s_arena, &err),
    };
    ck_assert_ptr_nonnull(req.logitcs_interface);
    char *body = kn_ems_form(&req, s_arena, &err);
    ck_assert_ptr_nonnull(body);
    /* only the unreserved set, '%' escapes, '+', '&' and '=' appear */
    for (const char *p = body; *p; p++)
        ck_assert_msg(strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
                             "*-._%+&=",
                             *p) != NULL,
                      "raw '%c' in form", *p);
    ck_assert_ptr_nonnull(strstr(body, "&logitcsInterface=%7C%244%7C"));
}
END_TEST

START_TEST(form_refuses_missing_fields)
{
    kn_ems_request_t full = {
        .api_code = "020003",
        .sender_no = "1100012345678",
        .authorization = "auth",
        .time_stamp = "2021-02-25 23:02:10",
        .logitcs_interface = "|$4|AAAA",
    };
    static const char *const names[] = {"apiCode", "senderNo", "authorization", "timeStamp",
                                        "logitcsInterface"};
    for (size_t i = 0; i < 5; i++) {
        kn_ems_request_t req = full;
        const char **slot[] = {&req.api_code, &req.sender_no, &req.authorization, &req.time_stamp,
                               &req.logitcs_interface};
        *slot[i] = i % 2 ? "" : NULL;
        kn_error_t err = {0};
        ck_assert_ptr_null(kn_ems_form(&req, s_arena, &err));
        ck_assert_int_eq(err.code, KN_EINVAL);
        ck_assert_str_eq(err.position, names[i]);
    }
}
END_TEST

/* what kn_ems_form writes, kn_ems_form_read reads back; broken forms refused */
START_TEST(form_reads_back)
{
    kn_ems_request_t out = {
        .api_code = "020003",
        .sender_no = "1100012345678",
        .authorization = "a b&c=d",
        .time_stamp = "2021-02-25 23:02:10",
        .logitcs_interface = "|$4|AAAA+/==",
        .user_code = "厦门",
    };
    kn_error_t err = {0};
    char *form = kn_ems_form(&out, s_arena, &err);
    ck_assert_ptr_nonnull(form);
    kn_ems_request_t in;
    ck_assert_int_eq(kn_ems_form_read(form, strlen(form), &in, s_arena, &err), 0);
    ck_assert_str_eq(in.api_code, out.api_code);
    ck_assert_str_eq(in.authorization, "a b&c=d");
    ck_assert_str_eq(in.time_stamp, out.time_stamp);
    ck_assert_str_eq(in.logitcs_interface, out.logitcs_interface);
    ck_assert_str_eq(in.user_code, "厦门");
    ck_assert_str_eq(in.msg_type, "0");
    /* absent fields stay NULL, unknown ones are ignored */
    const char *some = "apiCode=040001&other=1";
    ck_assert_int_eq(kn_ems_form_read(some, strlen(some), &in, s_arena, &err), 0);
    ck_assert_str_eq(in.api_code, "040001");
    ck_assert_ptr_null(in.logitcs_interface);
    static const char *const bad[] = {"apiCode=1&apiCode=2", "apiCode=%4", "apiCode=%zz",
                                      "apiCode=a%00b"};
    static const char *const why[] = {"appears twice", "bad percent-encoding",
                                      "bad percent-encoding", "NUL byte"};
    for (size_t i = 0; i < 4; i++) {
        ck_assert_int_eq(kn_ems_form_read(bad[i], strlen(bad[i]), &in, s_arena, &err), KN_EPARSE);
        ck_assert_msg(strstr(err.message, why[i]), "%s: %s", bad[i], err.message);
    }
}
END_TEST

Suite *kn_test_ems_suite(void)
{
    Suite *s = suite_create("ems");
    TCase *sm4 = tcase_create("sm4");
    tcase_add_checked_fixture(sm4, s_setup, s_teardown);
    tcase_add_test(sm4, sm4_known_answer);
    tcase_add_test(sm4, envelope_first_block_is_the_known_answer);
    tcase_add_test(sm4, round_trip_with_padding);
    tcase_add_test(sm4, round_trip_chinese_json);
    tcase_add_test(sm4, decrypt_refuses_missing_prefix);
    tcase_add_test(sm4, decrypt_refuses_bad_base64);
    tcase_add_test(sm4, decrypt_refuses_bad_padding);
    tcase_add_test(sm4, size_limits);
    tcase_add_test(sm4, key_parse_forms);
    tcase_add_test(sm4, seal_appends_the_sign_key);
    suite_add_tcase(s, sm4);
    TCase *form = tcase_create("form");
    tcase_add_checked_fixture(form, s_setup, s_teardown);
    tcase_add_test(form, timestamp_is_beijing_time);
    tcase_add_test(form, form_encodes_every_field);
    tcase_add_test(form, form_carries_a_real_envelope);
    tcase_add_test(form, form_refuses_missing_fields);
    tcase_add_test(form, form_reads_back);
    suite_add_tcase(s, form);
    return s;
}
