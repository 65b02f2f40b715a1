#include "config.h"
#include "keys.h"
#include "runner.h"
#include "zap.h"

#include <stdio.h>
#include <string.h>
#include <zmq.h>

static void *s_ctx, *s_req;
static kn_config_t *s_cfg;
static kn_zap_t *s_zap;
static uint8_t s_xhct_key[32];

static void s_setup(void)
{
    const char *dir = kn_test_tmpdir();
    char why[512], path[512];
    ck_assert_int_eq(kn_keys_generate(dir, "xhct", why, sizeof why), 0);
    ck_assert_int_eq(kn_keys_generate(dir, "tax", why, sizeof why), 0);
    snprintf(path, sizeof path, "%s/xhct.pub", dir);
    ck_assert_int_eq(kn_keys_read_public(path, s_xhct_key, NULL, why, sizeof why), 0);
    const char *conf = kn_test_write(dir, "kouan.conf",
                                     "[party.xhct]\nrole = terminal\nformat = edifact\n"
                                     "public_key_file = xhct.pub\n"
                                     "[party.xmtax]\nrole = tax\nformat = tax-xml\n"
                                     "public_key_file = tax.pub\n");
    s_cfg = kn_config_new();
    ck_assert_int_eq(kn_config_load(s_cfg, conf, why, sizeof why), 0);
    s_ctx = zmq_ctx_new();
    s_zap = kn_zap_new(s_ctx, s_cfg, why, sizeof why);
    ck_assert_ptr_nonnull(s_zap);
    s_req = zmq_socket(s_ctx, ZMQ_REQ);
    ck_assert_int_eq(zmq_connect(s_req, "inproc://zeromq.zap.01"), 0);
}

static void s_teardown(void)
{
    zmq_close(s_req);
    kn_zap_destroy(&s_zap);
    zmq_ctx_term(s_ctx);
    kn_config_destroy(&s_cfg);
}

typedef struct {
    char frames[6][64];
    int n;
} s_reply_t;

/* Send a ZAP request (RFC 27) and collect the handler's answer. */
static s_reply_t s_ask(const char *mechanism, const void *cred, size_t cred_len, int nframes)
{
    const char *parts[6] = {"1.0", "req-7", "kouan", "127.0.0.1", "", mechanism};
    for (int i = 0; i < 6 && i < nframes; i++)
        zmq_send(s_req, parts[i], strlen(parts[i]), i + 1 < nframes ? ZMQ_SNDMORE : 0);
    if (nframes > 6)
        zmq_send(s_req, cred, cred_len, 0);
    ck_assert_int_eq(kn_zap_handle(s_zap), 1);
    s_reply_t r = {0};
    int more = 1;
    while (more && r.n < 6) {
        int len = zmq_recv(s_req, r.frames[r.n], sizeof r.frames[0] - 1, 0);
        ck_assert_int_ge(len, 0);
        r.frames[r.n++][len] = '\0';
        size_t sz = sizeof more;
        zmq_getsockopt(s_req, ZMQ_RCVMORE, &more, &sz);
    }
    return r;
}

START_TEST(known_key_maps_to_party)
{
    s_reply_t r = s_ask("CURVE", s_xhct_key, 32, 7);
    ck_assert_int_eq(r.n, 6);
    ck_assert_str_eq(r.frames[0], "1.0");
    ck_assert_str_eq(r.frames[1], "req-7");
    ck_assert_str_eq(r.frames[2], "200");
    ck_assert_str_eq(r.frames[4], "xhct"); /* the user id the broker reads back */
    ck_assert_int_eq(kn_zap_allowed(s_zap), 1);
}
END_TEST

START_TEST(unknown_key_refused)
{
    uint8_t stranger[32];
    memset(stranger, 0x42, sizeof stranger);
    s_reply_t r = s_ask("CURVE", stranger, 32, 7);
    ck_assert_str_eq(r.frames[2], "400");
    ck_assert_str_eq(r.frames[3], "unknown key");
    ck_assert_str_eq(r.frames[4], "");
    ck_assert_int_eq(kn_zap_refused(s_zap), 1);
}
END_TEST

START_TEST(null_mechanism_refused)
{
    s_reply_t r = s_ask("NULL", "", 0, 6);
    ck_assert_str_eq(r.frames[2], "400");
    ck_assert_str_eq(r.frames[3], "malformed ZAP request");
    s_reply_t r2 = s_ask("PLAIN", "user", 4, 7);
    ck_assert_str_eq(r2.frames[2], "400");
    ck_assert_str_eq(r2.frames[3], "CURVE required");
}
END_TEST

START_TEST(reloaded_config_applies)
{
    kn_config_t *empty = kn_config_new();
    kn_zap_set_config(s_zap, empty);
    s_reply_t r = s_ask("CURVE", s_xhct_key, 32, 7);
    ck_assert_str_eq(r.frames[2], "400"); /* the party is gone */
    kn_zap_set_config(s_zap, s_cfg);
    r = s_ask("CURVE", s_xhct_key, 32, 7);
    ck_assert_str_eq(r.frames[2], "200");
    kn_config_destroy(&empty);
}
END_TEST

Suite *kn_test_zap_suite(void);
Suite *kn_test_zap_suite(void)
{
    Suite *s = suite_create("zap");
    TCase *tc = tcase_create("mapping");
    tcase_add_checked_fixture(tc, s_setup, s_teardown);
    tcase_add_test(tc, known_key_maps_to_party);
    tcase_add_test(tc, unknown_key_refused);
    tcase_add_test(tc, null_mechanism_refused);
    tcase_add_test(tc, reloaded_config_applies);
    suite_add_tcase(s, tc);
    return s;
}
