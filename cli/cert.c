/* kouan cert — certificates of origin mailed by EMS (DESIGN §7).
 *
 *   request   the agent asks for the certificate to be mailed
 *   deposit   the officer puts the signed certificate in a locker: a pickup
 *             code goes to the agent's phone through the SMS gateway
 *   pickup    the agent enters the code (from the mini-program, through
 *             kouan api, or here): right → an EMS order; wrong → counted,
 *             and after [certificate] code_attempts the code is locked
 *   ems-push  an EMS status push (its form body, sealed like our orders)
 *   show      a certificate and its history
 *
 * Each step is one transaction around a step of notify/certificate.c (which
 * kouan api takes too): the certificate's row, a line of its history and the
 * outbox rows it causes, with a NOTIFY for kouan notify.  The code itself is
 * never stored or printed; it reaches the agent by SMS alone, and the
 * agent's entry is read from standard input, never from the command line.
 */
#include "certificate.h"
#include "cli.h"
#include "err.h"

#include <getopt.h>
#include <jansson.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char s_usage_text[] =
    "usage: kouan cert [-c FILE] ACTION ...\n"
    "  request NO --agent CODE --phone MOBILE --name NAME --prov P --city C\n"
    "          --county X --address STREET     the agent asks for mailing\n"
    "  deposit NO --locker L --compartment C    the officer deposits it: pickup\n"
    "                                           code by SMS to the agent\n"
    "  pickup NO < CODE                         the agent's code (standard input):\n"
    "                                           EMS order if right\n"
    "  ems-push FILE                            an EMS status push kept in a file\n"
    "  show NO                                  the certificate and its history\n";

static int s_usage(FILE *out, int rc)
{
    fputs(s_usage_text, out);
    return rc;
}

/* BEGIN or COMMIT; false after saying why on stderr. */
static bool s_exec(PGconn *conn, const char *sql)
{
    PGresult *r = PQexec(conn, sql);
    bool ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    if (!ok)
        fprintf(stderr, "kouan cert: %s", PQerrorMessage(conn));
    PQclear(r);
    return ok;
}

static bool s_begin(PGconn *conn)
{
    return s_exec(conn, "BEGIN");
}

static int s_commit(PGconn *conn, bool ok)
{
    if (ok && s_exec(conn, "COMMIT"))
        return KN_EXIT_OK;
    PQclear(PQexec(conn, "ROLLBACK"));
    return KN_EXIT_FAILED;
}

/* A step's end: committed when it returned 0 (a refusal too: a wrong code
 * is counted); what it came to on standard output (done) or standard error
 * (refused, under "kouan cert ACTION", with hint after it, or failed). */
static int s_finish(PGconn *conn, const char *action, int rc, const kn_certificate_result_t *res,
                    const char *hint)
{
    if (rc == KN_EINVAL || rc == KN_EIO) {
        s_commit(conn, false);
        fprintf(stderr, "kouan cert %s: %s\n", action, res->message);
        return rc == KN_EINVAL ? KN_EXIT_USAGE : KN_EXIT_FAILED;
    }
    if (rc) {
        fprintf(stderr, "kouan cert: %s\n", res->message);
        return s_commit(conn, false);
    }
    if (res->outcome != KN_CERTIFICATE_DONE)
        fprintf(stderr, "kouan cert %s: %s%s\n", action, res->message, hint ? hint : "");
    if (s_commit(conn, true) != KN_EXIT_OK)
        return KN_EXIT_FAILED;
    if (res->outcome != KN_CERTIFICATE_DONE)
        return KN_EXIT_REFUSED;
    printf("%s\n", res->message);
    return KN_EXIT_OK;
}

static int s_request(PGconn *conn, const kn_config_t *cfg, int argc, char **argv)
{
    static const struct option opts[] = {
        {"agent", required_argument, NULL, 'a'},   {"phone", required_argument, NULL, 'p'},
        {"name", required_argument, NULL, 'n'},    {"prov", required_argument, NULL, 'P'},
        {"city", required_argument, NULL, 'C'},    {"county", required_argument, NULL, 'X'},
        {"address", required_argument, NULL, 'A'}, {NULL, 0, NULL, 0}};
    const char *f[7] = {NULL}; /* agent phone name prov city county address */
    static const char *const names[7] = {"--agent", "--phone",  "--name",   "--prov",
                                         "--city",  "--county", "--address"};
    static const char keys[] = "apnPCXA";
    int c;
    optind = 0; /* 0: getopt starts afresh after kn_cli_action's pass */
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        const char *k = strchr(keys, c);
        if (!k)
            return s_usage(stderr, KN_EXIT_USAGE);
        f[k - keys] = optarg;
    }
    if (optind != argc - 1)
        return s_usage(stderr, KN_EXIT_USAGE);
    for (int i = 0; i < 7; i++)
        if (!f[i] || !*f[i]) {
            fprintf(stderr, "kouan cert request: %s is required\n", names[i]);
            return KN_EXIT_USAGE;
        }
    if (!kn_certificate_phone_valid(f[1])) {
        fprintf(stderr,
                "kouan cert request: --phone %s is not a mainland mobile number "
                "(11 digits starting with 1)\n",
                f[1]);
        return KN_EXIT_USAGE;
    }
    kn_certificate_request_t r = {.certificate_no = argv[optind],
                                  .agent = f[0],
                                  .phone = f[1],
                                  .name = f[2],
                                  .prov = f[3],
                                  .city = f[4],
                                  .county = f[5],
                                  .address = f[6]};
    kn_certificate_result_t res;
    if (!s_begin(conn))
        return KN_EXIT_FAILED;
    int rc = kn_certificate_request(conn, cfg, &r, &res);
    return s_finish(conn, "request", rc, &res, NULL);
}

static int s_deposit(PGconn *conn, const kn_config_t *cfg, const kn_certificate_key_t *ckey,
                     int argc, char **argv)
{
    static const struct option opts[] = {{"locker", required_argument, NULL, 'l'},
                                         {"compartment", required_argument, NULL, 'm'},
                                         {NULL, 0, NULL, 0}};
    const char *locker = NULL, *compartment = NULL;
    int c;
    optind = 0; /* 0: getopt starts afresh after kn_cli_action's pass */
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c == 'l')
            locker = optarg;
        else if (c == 'm')
            compartment = optarg;
        else
            return s_usage(stderr, KN_EXIT_USAGE);
    }
    if (optind != argc - 1 || !locker || !compartment || !*locker || !*compartment)
        return s_usage(stderr, KN_EXIT_USAGE);
    const char *no = argv[optind];
    kn_certificate_result_t res;
    if (!s_begin(conn))
        return KN_EXIT_FAILED;
    int rc = kn_certificate_deposit(conn, cfg, ckey, no, locker, compartment, &res);
    char hint[160];
    snprintf(hint, sizeof hint, " (kouan cert show %s)", no);
    return s_finish(conn, "deposit", rc, &res, hint);
}

/* The agent's entry: one line on standard input. */
static bool s_read_code(char code[16])
{
    if (!fgets(code, 16, stdin))
        return false;
    code[strcspn(code, "\r\n")] = '\0';
    return true;
}

static int s_pickup(PGconn *conn, const kn_config_t *cfg, const kn_certificate_key_t *ckey,
                    int argc, char **argv)
{
    if (argc != 2) {
        if (argc == 3)
            fprintf(stderr, "kouan cert pickup: the code is read from standard input, not the "
                            "command line (where other users of the machine can see it)\n");
        return s_usage(stderr, KN_EXIT_USAGE);
    }
    const char *no = argv[1];
    char code[16];
    if (!s_read_code(code)) {
        fprintf(stderr, "kouan cert pickup: no code on standard input\n");
        return KN_EXIT_USAGE;
    }
    if (!s_begin(conn)) {
        OPENSSL_cleanse(code, sizeof code);
        return KN_EXIT_FAILED;
    }
    kn_certificate_result_t res;
    int rc = kn_certificate_pickup(conn, cfg, ckey, no, NULL, code, &res);
    OPENSSL_cleanse(code, sizeof code);
    return s_finish(conn, "pickup", rc, &res, NULL);
}

/* An EMS push kept in a file (its form body), as kouan callbacks would have
 * received it. */
static int s_ems_push(PGconn *conn, const kn_config_t *cfg, int argc, char **argv)
{
    if (argc != 2)
        return s_usage(stderr, KN_EXIT_USAGE);
    char *form = NULL, msg[512] = "the database would not begin a transaction";
    size_t cap = 0;
    FILE *f = fopen(argv[1], "rb");
    ssize_t len = f ? getdelim(&form, &cap, '\0', f) : -1;
    if (f)
        fclose(f);
    if (len < 0) {
        fprintf(stderr, "kouan cert ems-push: cannot read %s\n", argv[1]);
        free(form);
        return KN_EXIT_FAILED;
    }
    int rc = s_begin(conn) ? kn_certificate_ems_push(conn, cfg, form, (size_t)len, msg, sizeof msg)
                           : KN_EDB;
    free(form);
    if (rc == 0 && s_commit(conn, true) == KN_EXIT_OK) {
        printf("%s\n", msg);
        return KN_EXIT_OK;
    }
    s_commit(conn, false);
    if (rc)
        fprintf(stderr, "kouan cert ems-push: %s: %s\n", argv[1], msg);
    return rc == KN_EPARSE || rc == KN_ENOTFOUND ? KN_EXIT_REFUSED
           : rc == KN_ECONFIG                    ? KN_EXIT_USAGE
                                                 : KN_EXIT_FAILED;
}

/* A string member of the certificate, "-" when it has none. */
static const char *s_field(const json_t *o, const char *name)
{
    const char *v = json_string_value(json_object_get(o, name));
    return v ? v : "-";
}

static int s_show(PGconn *conn, int argc, char **argv)
{
    if (argc != 2)
        return s_usage(stderr, KN_EXIT_USAGE);
    json_t *c = NULL;
    char why[512];
    int rc = kn_certificate_show(conn, argv[1], NULL, &c, why, sizeof why);
    if (rc == KN_ENOTFOUND) {
        fprintf(stderr, "kouan cert show: no certificate %s\n", argv[1]);
        return KN_EXIT_REFUSED;
    }
    if (rc) {
        fprintf(stderr, "kouan cert: %s\n", why);
        return KN_EXIT_FAILED;
    }
    printf("certificate %s (agent %s): %s\n  locker %s compartment %s, EMS order %s waybill %s\n"
           "  wrong codes: %lld on the current code, %lld in all\n",
           s_field(c, "certificateNo"), s_field(c, "agent"), s_field(c, "status"),
           s_field(c, "locker"), s_field(c, "compartment"), s_field(c, "emsOrderNo"),
           s_field(c, "emsWaybillNo"),
           (long long)json_integer_value(json_object_get(c, "wrongCodes")),
           (long long)json_integer_value(json_object_get(c, "wrongCodesTotal")));
    size_t i;
    json_t *line;
    json_array_foreach(json_object_get(c, "history"), i, line)
    {
        /* "2026-11-22T08:00:00+08:00": Beijing time, as a person reads it */
        char at[20];
        snprintf(at, sizeof at, "%s", s_field(line, "dateTime"));
        if (strlen(at) > 10 && at[10] == 'T')
            at[10] = ' ';
        const char *detail = json_string_value(json_object_get(line, "detail"));
        printf("  %s  %-14s %s\n", at, s_field(line, "status"), detail ? detail : "");
    }
    json_decref(c);
    return KN_EXIT_OK;
}

int kn_cmd_cert(int argc, char **argv)
{
    static const char *const actions[] = {"request", "deposit", "pickup", "ems-push", "show", NULL};
    const char *path = NULL;
    int first = 0;
    int action = kn_cli_action(argc, argv, "cert", s_usage_text, actions, &path, &first);
    if (action < 0)
        return action == -1 ? KN_EXIT_OK : KN_EXIT_USAGE;
    const char *cmd = actions[action];
    kn_config_t *cfg = NULL;
    PGconn *conn;
    int opened = kn_cli_connect(path, "cert", &conn, &cfg);
    if (opened != KN_EXIT_OK)
        return opened;
    int n = argc - first;
    char **args = argv + first;
    kn_certificate_key_t ckey = {0};
    bool keyed = !strcmp(cmd, "deposit") || !strcmp(cmd, "pickup");
    char why[512];
    if (keyed && kn_certificate_key_read(cfg, &ckey, why, sizeof why)) {
        fprintf(stderr, "kouan cert: %s\n", why);
        PQfinish(conn);
        kn_config_destroy(&cfg);
        return KN_EXIT_USAGE;
    }
    int rc = !strcmp(cmd, "request")    ? s_request(conn, cfg, n, args)
             : !strcmp(cmd, "deposit")  ? s_deposit(conn, cfg, &ckey, n, args)
             : !strcmp(cmd, "pickup")   ? s_pickup(conn, cfg, &ckey, n, args)
             : !strcmp(cmd, "ems-push") ? s_ems_push(conn, cfg, n, args)
                                        : s_show(conn, n, args);
    OPENSSL_cleanse(&ckey, sizeof ckey);
    PQfinish(conn);
    kn_config_destroy(&cfg);
    return rc;
}
