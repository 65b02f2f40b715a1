#include "config.h"
#include "err.h"
#include "keys.h"
#include "runner.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char s_dir[256];
static char s_err[1024];

static void s_setup(void)
{
    snprintf(s_dir, sizeof s_dir, "%s", kn_test_tmpdir());
    char why[256];
    ck_assert_int_eq(kn_keys_generate(s_dir, "xhct", why, sizeof why), 0);
    ck_assert_int_eq(kn_keys_generate(s_dir, "customs", why, sizeof why), 0);
}

/* Load text as a config file; returns the load result, error in s_err. */
static int s_load(kn_config_t *cfg, const char *text)
{
    const char *path = kn_test_write(s_dir, "kouan.conf", text);
    s_err[0] = '\0';
    return kn_config_load(cfg, path, s_err, sizeof s_err);
}

/* Does s_err end with "kouan.conf:LINE: what"? */
static void s_assert_error(int line, const char *what)
{
    char expect[600];
    snprintf(expect, sizeof expect, "kouan.conf:%d: %s", line, what);
    const char *at = strstr(s_err, "kouan.conf:");
    ck_assert_msg(at && !strcmp(at, expect), "got \"%s\", want \"...%s\"", s_err, expect);
}

START_TEST(defaults_without_file)
{
    kn_config_t *cfg = kn_config_new();
    ck_assert_str_eq(kn_config_str(cfg, "broker", "bind"), "tcp://127.0.0.1:7710");
    ck_assert_int_eq(kn_config_int(cfg, "broker", "batch_max"), 1024);
    ck_assert_str_eq(kn_config_str(cfg, "database", "conninfo"), "");
    ck_assert_int_eq(kn_config_party_count(cfg), 0);
    kn_config_destroy(&cfg);
    ck_assert_ptr_null(cfg);
    kn_config_destroy(&cfg); /* idempotent */
}
END_TEST

START_TEST(parties_and_values_read)
{
    kn_config_t *cfg = kn_config_new();
    ck_assert_int_eq(s_load(cfg, "; a comment\n"
                                 "[broker]\n"
                                 "batch_max = 200\n"
                                 "log_level = debug\n"
                                 "[database]\n"
                                 "conninfo = host=db1,db2 target_session_attrs=read-write\n"
                                 "[party.xhct]\n"
                                 "role = terminal\n"
                                 "format = edifact\n"
                                 "public_key_file = xhct.pub\n"
                                 "[party.customs-3701]\n"
                                 "role = customs\n"
                                 "format = customs-xml\n"
                                 "public_key_file = customs.pub\n"),
                     0);
    ck_assert_int_eq(kn_config_int(cfg, "broker", "batch_max"), 200);
    ck_assert_str_eq(kn_config_str(cfg, "broker", "log_level"), "debug");
    ck_assert_str_eq(kn_config_str(cfg, "database", "conninfo"),
                     "host=db1,db2 target_session_attrs=read-write");
    ck_assert_int_eq(kn_config_party_count(cfg), 2);
    const kn_party_conf_t *p = kn_config_party(cfg, 1);
    ck_assert_str_eq(p->name, "customs-3701");
    ck_assert_int_eq(p->role, KN_ROLE_CUSTOMS);
    ck_assert_str_eq(p->format, "customs-xml");
    ck_assert_int_eq(p->line, 11);
    /* relative paths are taken from the file's directory */
    char want[512];
    snprintf(want, sizeof want, "%s/customs.pub", s_dir);
    char *real = realpath(s_dir, NULL);
    snprintf(want, sizeof want, "%s/customs.pub", real);
    free(real);
    ck_assert_str_eq(p->public_key_file, want);
    uint8_t key[32];
    ck_assert_int_eq(kn_keys_read_public(p->public_key_file, key, NULL, s_err, sizeof s_err), 0);
    ck_assert_ptr_eq(kn_config_party_by_key(cfg, key), p);
    uint8_t other[32] = {0};
    ck_assert_ptr_null(kn_config_party_by_key(cfg, other));
    kn_config_destroy(&cfg);
}
END_TEST

START_TEST(errors_name_file_and_line)
{
    kn_config_t *cfg = kn_config_new();
    ck_assert_int_eq(s_load(cfg, "[broker]\n\nbatch_max = 0\n"), KN_ECONFIG);
    s_assert_error(3, "batch_max = 0 is out of range (1..8000)");
    kn_config_destroy(&cfg);

    cfg = kn_config_new();
    ck_assert_int_eq(s_load(cfg, "[broker]\nbatch_max = lots\n"), KN_ECONFIG);
    s_assert_error(2, "batch_max = \"lots\" is not a whole number");
    kn_config_destroy(&cfg);

    cfg = kn_config_new();
    ck_assert_int_eq(s_load(cfg, "[broker]\nlog_level = loud\n"), KN_ECONFIG);
    s_assert_error(2, "log_level = \"loud\" is not one of debug|info|notice|warning|error");
    kn_config_destroy(&cfg);

    cfg = kn_config_new();
    ck_assert_int_eq(s_load(cfg, "[broker]\nbind = tcp://*:1\n[brokr]\nbind = x\n"), KN_ECONFIG);
    s_assert_error(4, "unknown section [brokr]");
    kn_config_destroy(&cfg);

    cfg = kn_config_new();
    ck_assert_int_eq(s_load(cfg, "[database]\nconnifo = x\n"), KN_ECONFIG);
    s_assert_error(2, "unknown option \"connifo\" in [database]");
    kn_config_destroy(&cfg);

    cfg = kn_config_new();
    ck_assert_int_eq(s_load(cfg, "[broker]\nbatch_max = 5\nbatch_max = 6\n"), KN_ECONFIG);
    s_assert_error(3, "batch_max is given twice in [broker]");
    kn_config_destroy(&cfg);

    cfg = kn_config_new();
    ck_assert_int_eq(s_load(cfg, "[broker\nbind = x\n"), KN_ECONFIG);
    s_assert_error(1, "syntax error (or a line longer than 200 characters)");
    kn_config_destroy(&cfg);
}
END_TEST

START_TEST(party_errors)
{
    kn_config_t *cfg = kn_config_new();
    ck_assert_int_eq(s_load(cfg, "[party.xhct]\nrole = terminal\nformat = edifact\n"), KN_ECONFIG);
    s_assert_error(1, "[party.xhct] needs public_key_file");
    kn_config_destroy(&cfg);

    cfg = kn_config_new();
    ck_assert_int_eq(s_load(cfg, "[party.XHCT]\nrole = terminal\n"), KN_ECONFIG);
    s_assert_error(2, "[party.XHCT]: a party name is 1 to 64 of a-z 0-9 - _");
    kn_config_destroy(&cfg);

    cfg = kn_config_new();
    ck_assert_int_eq(s_load(cfg, "[party.x]\nrole = shipowner\n"), KN_ECONFIG);
    s_assert_error(2, "role = \"shipowner\" is not one of terminal|customs|tax");
    kn_config_destroy(&cfg);

    cfg = kn_config_new();
    ck_assert_int_eq(s_load(cfg, "[party.a]\nrole = terminal\nformat = edifact\n"
                                 "public_key_file = xhct.pub\n"
                                 "[party.b]\nrole = customs\nformat = customs-xml\n"
                                 "public_key_file = xhct.pub\n"),
                     KN_ECONFIG);
    s_assert_error(8, "[party.b] has the same public key as [party.a]");
    kn_config_destroy(&cfg);

    cfg = kn_config_new();
    ck_assert_int_eq(s_load(cfg, "[party.a]\nrole = terminal\nformat = edifact\n"
                                 "public_key_file = nowhere.pub\n"),
                     KN_ECONFIG);
    ck_assert_msg(strstr(s_err, "kouan.conf:4: [party.a]: cannot open key file ") != NULL, "%s",
                  s_err);
    kn_config_destroy(&cfg);
}
END_TEST

/* The checker sees the value with its party's role and its line. */
static int s_no_cobol(const char *section, const char *name, const char *value, const char *role,
                      char *why, size_t size)
{
    if (!strcmp(section, "party.*") && !strcmp(name, "format") && !strcmp(value, "cobol")) {
        snprintf(why, size, "format = cobol: no reader for a %s party", role);
        return -1;
    }
    return 0;
}

START_TEST(checker_reports_line)
{
    kn_config_t *cfg = kn_config_new();
    kn_config_set_check(cfg, s_no_cobol);
    ck_assert_int_eq(s_load(cfg, "[party.xhct]\nformat = cobol\nrole = terminal\n"
                                 "public_key_file = xhct.pub\n"),
                     KN_ECONFIG);
    s_assert_error(2, "[party.xhct]: format = cobol: no reader for a terminal party");
    kn_config_destroy(&cfg);
}
END_TEST

START_TEST(reload_tells_what_needs_restart)
{
    kn_config_t *a = kn_config_new(), *b = kn_config_new();
    ck_assert_int_eq(s_load(a, "[broker]\n"), 0);
    ck_assert_int_eq(s_load(b, "[broker]\nbind = tcp://127.0.0.1:9\nbatch_max = 7\n"), 0);
    char buf[256];
    /* batch_max is reloadable, bind is not */
    ck_assert_str_eq(kn_config_restart_needed(a, b, buf, sizeof buf), "broker.bind");
    ck_assert_str_eq(kn_config_restart_needed(a, a, buf, sizeof buf), "");
    kn_config_destroy(&a);
    kn_config_destroy(&b);
}
END_TEST

START_TEST(long_line_is_named)
{
    kn_config_t *cfg = kn_config_new();
    char text[600];
    snprintf(text, sizeof text, "[database]\nconninfo = host=%0250d\n[broker]\nbatch_max = 0\n", 0);
    ck_assert_int_eq(s_load(cfg, text), KN_ECONFIG);
    s_assert_error(2, "line is longer than 198 characters");
    kn_config_destroy(&cfg);
}
END_TEST

START_TEST(paths_follow_the_file)
{
    kn_config_t *cfg = kn_config_new();
    ck_assert_int_eq(s_load(cfg, "[broker]\n"), 0);
    char *real = realpath(s_dir, NULL), want[600];
    /* a default path is taken from the file's directory too */
    snprintf(want, sizeof want, "%s/broker.key", real);
    ck_assert_str_eq(kn_config_str(cfg, "broker", "secret_key_file"), want);
    /* a path from the command line is taken from the working directory */
    char cwd[512];
    ck_assert_ptr_nonnull(getcwd(cwd, sizeof cwd));
    ck_assert_int_eq(
        kn_config_set(cfg, "client", "secret_key_file", "mine.key", s_err, sizeof s_err), 0);
    snprintf(want, sizeof want, "%s/mine.key", cwd);
    ck_assert_str_eq(kn_config_str(cfg, "client", "secret_key_file"), want);
    free(real);
    kn_config_destroy(&cfg);
}
END_TEST

START_TEST(set_overrides)
{
    kn_config_t *cfg = kn_config_new();
    ck_assert_int_eq(kn_config_set(cfg, "client", "window", "10", s_err, sizeof s_err), 0);
    ck_assert_int_eq(kn_config_int(cfg, "client", "window"), 10);
    ck_assert_int_eq(kn_config_set(cfg, "client", "window", "0", s_err, sizeof s_err), KN_ECONFIG);
    ck_assert_str_eq(s_err, "window = 0 is out of range (1..10000)");
    kn_config_destroy(&cfg);
}
END_TEST

/* conf/kouan.conf.sample shows every option of the table at its default. */
START_TEST(sample_matches_table)
{
    char path[512];
    snprintf(path, sizeof path, "%s/conf/kouan.conf.sample", KN_SOURCE_DIR);
    FILE *f = fopen(path, "r");
    ck_assert_msg(f != NULL, "cannot open %s", path);
    static char committed[65536];
    size_t n = fread(committed, 1, sizeof committed - 1, f);
    committed[n] = '\0';
    fclose(f);

    /* the file is what the table writes */
    char *generated = NULL;
    size_t glen = 0;
    FILE *mem = open_memstream(&generated, &glen);
    kn_config_write_sample(mem);
    fclose(mem);
    ck_assert_msg(!strcmp(committed, generated),
                  "conf/kouan.conf.sample is out of date: regenerate it with "
                  "tests/common/test_common --write-sample");
    free(generated);

    /* and each singleton option stands in it at its default, in its section */
    const char *section = "";
    for (const kn_option_t *o = kn_config_options(); o->name; o++) {
        char line[256];
        if (!strcmp(o->section, "party.*")) {
            snprintf(line, sizeof line, "\n#%s = \n", o->name);
            ck_assert_msg(strstr(committed, "#[party.NAME]") && strstr(committed, line),
                          "party option %s missing", o->name);
            continue;
        }
        if (strcmp(section, o->section)) {
            section = o->section;
            snprintf(line, sizeof line, "\n[%s]\n", section);
            ck_assert_msg(strstr(committed, line), "section [%s] missing", section);
        }
        snprintf(line, sizeof line, "\n%s = %s\n", o->name, o->def);
        const char *at = strstr(committed, line);
        ck_assert_msg(at != NULL, "option %s.%s missing at its default", o->section, o->name);
        /* in the right section: the last header before it is this one */
        char header[64];
        snprintf(header, sizeof header, "\n[%s]\n", o->section);
        const char *h = NULL;
        for (const char *p = committed; (p = strstr(p, "\n[")) && p < at; p++)
            h = p;
        ck_assert_msg(h && !strncmp(h, header, strlen(header)), "%s is not under [%s]", o->name,
                      o->section);
    }

    /* loading the sample gives the defaults */
    kn_config_t *cfg = kn_config_new();
    ck_assert_int_eq(kn_config_load(cfg, path, s_err, sizeof s_err), 0);
    ck_assert_int_eq(kn_config_int(cfg, "broker", "batch_max"), 1024);
    ck_assert_int_eq(kn_config_party_count(cfg), 0);
    kn_config_destroy(&cfg);
}
END_TEST

Suite *kn_test_config_suite(void);
Suite *kn_test_config_suite(void)
{
    Suite *s = suite_create("config");
    TCase *tc = tcase_create("table");
    tcase_add_checked_fixture(tc, s_setup, NULL);
    tcase_add_test(tc, defaults_without_file);
    tcase_add_test(tc, parties_and_values_read);
    tcase_add_test(tc, errors_name_file_and_line);
    tcase_add_test(tc, party_errors);
    tcase_add_test(tc, checker_reports_line);
    tcase_add_test(tc, reload_tells_what_needs_restart);
    tcase_add_test(tc, set_overrides);
    tcase_add_test(tc, long_line_is_named);
    tcase_add_test(tc, paths_follow_the_file);
    tcase_add_test(tc, sample_matches_table);
    suite_add_tcase(s, tc);
    return s;
}
