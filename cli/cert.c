/* kouan cert — certificates of origin mailed by EMS (DESIGN §7).
 *
 *   request   the agent asks for the certificate to be mailed
 *   deposit   the officer puts the signed certificate in a locker: a pickup
 *             code goes to the agent's phone through the SMS gateway
 *   pickup    the agent enters the code (from the mini-program; here until
 *             the HTTP API exists): right → an EMS order; wrong → counted,
 *             and after [certificate] code_attempts the code is locked
 *   ems-push  an EMS status push (its form body, sealed like our orders)
 *   show      a certificate and its history
 *
 * Each step is one transaction: the certificate's row, a line of its history
 * and the outbox rows it causes (SMS, EMS order, status events for the agent),
 * with a NOTIFY for kouan notify.  The code itself is never stored or printed:
 * only HMAC-SHA256(key, salt || code) with the key in [certificate]
 * code_key_file, outside the database (a plain hash of six digits is undone
 * in a million tries); it reaches the agent by SMS alone, and the agent's
 * entry is read from standard input, never from the command line.
 */
#include "certificate.h"
#include "cli.h"
#include "ems.h"
#include "err.h"
#include "status.h"

#include <getopt.h>
#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define S_CODE_DIGITS 6

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

#define S_KEY_MIN 16
#define S_KEY_MAX 64

/* The code key: [certificate] code_key_file, 16 to 64 bytes. */
typedef struct {
    unsigned char bytes[S_KEY_MAX];
    size_t len;
} s_key_t;

static int s_read_key(const kn_config_t *cfg, s_key_t *key)
{
    const char *path = kn_config_str(cfg, "certificate", "code_key_file");
    FILE *f = fopen(path, "rb");
    key->len = f ? fread(key->bytes, 1, sizeof key->bytes, f) : 0;
    bool more = f && fgetc(f) != EOF;
    if (f)
        fclose(f);
    if (key->len >= S_KEY_MIN && !more)
        return 0;
    fprintf(stderr,
            "kouan cert: [certificate] code_key_file %s: %s (create it once with: head -c 32 "
            "/dev/urandom > %s; chmod 600 %s)\n",
            path, !f ? "cannot be read" : "must hold 16 to 64 bytes", path, path);
    OPENSSL_cleanse(key, sizeof *key);
    return KN_ECONFIG;
}

/* hex HMAC-SHA256 under key of salt and code, into out[65] */
static int s_code_hash(const s_key_t *key, const char *salt, const char *code, char out[65])
{
    unsigned char md[EVP_MAX_MD_SIZE], msg[64];
    unsigned int len = 0;
    size_t slen = strlen(salt), clen = strlen(code);
    if (slen + clen > sizeof msg)
        return KN_EINVAL;
    memcpy(msg, salt, slen);
    memcpy(msg + slen, code, clen);
    bool ok = HMAC(EVP_sha256(), key->bytes, (int)key->len, msg, slen + clen, md, &len) != NULL;
    OPENSSL_cleanse(msg, sizeof msg);
    if (!ok)
        return KN_ENOMEM;
    for (unsigned i = 0; i < len; i++)
        snprintf(out + 2 * i, 3, "%02x", md[i]);
    return 0;
}

/* A uniform random decimal code (rejection sampling: no modulo bias). */
static int s_new_code(char out[S_CODE_DIGITS + 1])
{
    for (int i = 0; i < S_CODE_DIGITS; i++) {
        unsigned char b;
        do {
            if (RAND_bytes(&b, 1) != 1)
                return KN_EIO;
        } while (b >= 250);
        out[i] = (char)('0' + b % 10);
    }
    out[S_CODE_DIGITS] = '\0';
    return 0;
}

static int s_new_salt(char out[33])
{
    unsigned char b[16];
    if (RAND_bytes(b, sizeof b) != 1)
        return KN_EIO;
    for (size_t i = 0; i < sizeof b; i++)
        snprintf(out + 2 * i, 3, "%02x", b[i]);
    return 0;
}

/* Run a statement; true when it did what PQresultStatus expects. */
static bool s_exec(PGconn *conn, const char *sql, int n, const char *const *values, PGresult **res)
{
    PGresult *r = PQexecParams(conn, sql, n, NULL, values, NULL, NULL, 0);
    ExecStatusType st = PQresultStatus(r);
    bool ok = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;
    if (!ok)
        fprintf(stderr, "kouan cert: %s", PQerrorMessage(conn));
    if (res && ok)
        *res = r;
    else
        PQclear(r);
    return ok;
}

static const char s_history[] =
    "INSERT INTO certificate_event (certificate_id, status, detail) VALUES ($1, $2, $3)";

static const char s_outbox[] =
    "WITH o AS (INSERT INTO outbox (notification_id, endpoint, order_key, kind, body) "
    "VALUES ($1, $2, $3, $4, $5) RETURNING 1) SELECT pg_notify('kouan_outbox', '') FROM o";

/* A status event for the agent (notify/certificate.c); false after saying why. */
static bool s_tell_agent(PGconn *conn, const kn_config_t *cfg, const char *no, const char *step,
                         const char *zh, const char *en)
{
    char why[512];
    if (kn_certificate_tell_agent(conn, cfg, no, step, zh, en, why, sizeof why) == 0)
        return true;
    fprintf(stderr, "kouan cert: %s\n", why);
    return false;
}

static bool s_begin(PGconn *conn)
{
    return s_exec(conn, "BEGIN", 0, NULL, NULL);
}

static int s_commit(PGconn *conn, bool ok)
{
    if (ok && s_exec(conn, "COMMIT", 0, NULL, NULL))
        return KN_EXIT_OK;
    PQclear(PQexec(conn, "ROLLBACK"));
    return KN_EXIT_FAILED;
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
    size_t plen = strlen(f[1]);
    if (plen != 11 || strspn(f[1], "0123456789") != plen || f[1][0] != '1') {
        fprintf(stderr,
                "kouan cert request: --phone %s is not a mainland mobile number "
                "(11 digits starting with 1)\n",
                f[1]);
        return KN_EXIT_USAGE;
    }
    const char *no = argv[optind];
    const char *v[8] = {no, f[0], f[1], f[2], f[3], f[4], f[5], f[6]};
    PGresult *res = NULL;
    bool ok = s_begin(conn) &&
              s_exec(conn,
                     "INSERT INTO certificate (certificate_no, agent, phone, recipient_name, "
                     "recipient_prov, recipient_city, recipient_county, recipient_address, status) "
                     "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'requested') "
                     "ON CONFLICT (certificate_no) DO NOTHING RETURNING id",
                     8, v, &res);
    if (ok && PQntuples(res) == 0) {
        fprintf(stderr, "kouan cert request: certificate %s was requested already\n", no);
        PQclear(res);
        s_commit(conn, false);
        return KN_EXIT_REFUSED;
    }
    char id[32] = "";
    if (ok)
        snprintf(id, sizeof id, "%s", PQgetvalue(res, 0, 0));
    PQclear(res);
    const char *h[3] = {id, "requested", "mailing requested by the agent"};
    ok = ok && s_exec(conn, s_history, 3, h, NULL) &&
         s_tell_agent(conn, cfg, no, "requested", "原产地证书邮寄申请已受理",
                      "Certificate mailing request received");
    int rc = s_commit(conn, ok);
    if (rc == KN_EXIT_OK)
        printf("certificate %s: mailing requested\n", no);
    return rc;
}

static int s_deposit(PGconn *conn, const kn_config_t *cfg, const s_key_t *ckey, int argc,
                     char **argv)
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
    char code[S_CODE_DIGITS + 1], salt[33], hash[65], ttl[32];
    if (s_new_code(code) || s_new_salt(salt) || s_code_hash(ckey, salt, code, hash)) {
        fprintf(stderr, "kouan cert deposit: no random numbers or digest from libcrypto\n");
        return KN_EXIT_FAILED;
    }
    snprintf(ttl, sizeof ttl, "%lld", (long long)kn_config_int(cfg, "certificate", "code_ttl_s"));
    const char *v[6] = {no, locker, compartment, hash, salt, ttl};
    PGresult *res = NULL;
    bool ok = s_begin(conn) &&
              s_exec(conn,
                     "UPDATE certificate SET status = 'deposited', locker = $2, compartment = $3, "
                     "code_hash = $4, code_salt = $5, code_expires_at = now() + $6::int * "
                     "interval '1 second', code_attempts = 0, updated_at = now() "
                     "WHERE certificate_no = $1 AND status IN ('requested', 'deposited', 'locked') "
                     "RETURNING id, phone, to_char(code_expires_at AT TIME ZONE 'Asia/Shanghai', "
                     "'MM-DD HH24:MI')",
                     6, v, &res);
    if (ok && PQntuples(res) == 0) {
        PQclear(res);
        s_commit(conn, false);
        fprintf(stderr,
                "kouan cert deposit: no certificate %s waiting for deposit (kouan cert show %s)\n",
                no, no);
        return KN_EXIT_REFUSED;
    }
    char id[32] = "", phone[32] = "", until[32] = "";
    if (ok) {
        snprintf(id, sizeof id, "%s", PQgetvalue(res, 0, 0));
        snprintf(phone, sizeof phone, "%s", PQgetvalue(res, 0, 1));
        snprintf(until, sizeof until, "%s", PQgetvalue(res, 0, 2));
    }
    PQclear(res);
    char detail[256], text[512], nid[160], key[140];
    snprintf(detail, sizeof detail, "locker %s compartment %s", locker, compartment);
    /* "取件码" + the digits: kouan notify masks exactly that once delivered */
    snprintf(
        text, sizeof text,
        "【口岸】您的原产地证书%s已存入%s号柜%s格，取件码%s，%s前有效。请在小程序中输入取件码，"
        "由EMS寄递。",
        no, locker, compartment, code, until);
    json_t *sms = json_pack("{s:s, s:s}", "phone", phone, "text", text);
    char *body = sms ? json_dumps(sms, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(sms);
    OPENSSL_cleanse(code, sizeof code);
    OPENSSL_cleanse(text, sizeof text);
    /* a new deposit (a new code) is a new SMS */
    snprintf(nid, sizeof nid, "SMS-%s-%s", no, salt);
    snprintf(key, sizeof key, "sms:cert:%s", no);
    const char *o[5] = {nid, "sms", key, "pickup-code", body ? body : ""};
    const char *h[3] = {id, "deposited", detail};
    /* the code of an earlier deposit is void: its SMS, if still waiting, is not sent */
    const char *k[1] = {key};
    ok = ok && body &&
         s_exec(conn,
                "UPDATE outbox SET status = 'cancelled', last_error = 'a new code replaced it', "
                "body = regexp_replace(body, '取件码[0-9]+', '取件码******', 'g') "
                "WHERE order_key = $1 AND kind = 'pickup-code' AND status = 'pending'",
                1, k, NULL) &&
         s_exec(conn, s_outbox, 5, o, NULL) && s_exec(conn, s_history, 3, h, NULL) &&
         s_tell_agent(conn, cfg, no, "deposited", "证书已存入自助柜，取件码已短信发送",
                      "Certificate deposited; pickup code sent by SMS");
    if (body)
        OPENSSL_cleanse(body, strlen(body));
    free(body);
    int rc = s_commit(conn, ok);
    if (rc == KN_EXIT_OK)
        printf("certificate %s: deposited in locker %s compartment %s; pickup code sent to "
               "%.3s****%s\n",
               no, locker, compartment, phone, phone + (strlen(phone) > 4 ? strlen(phone) - 4 : 0));
    return rc;
}

/* The EMS order for a certificate whose code was right (the JSON that
 * kouan notify seals into the open platform's envelope). */
static char *s_ems_order(const kn_config_t *cfg, PGresult *c, const char *order_no)
{
#define S_SENDER(k) kn_config_str(cfg, "certificate", "sender_" k)
    /* columns: 0 id, 1 no, 2 agent, 3 phone, 4 name, 5 prov, 6 city, 7 county, 8 address */
    char cargo[160];
    snprintf(cargo, sizeof cargo, "原产地证书 %s", PQgetvalue(c, 0, 1));
    json_t *o = json_pack(
        "{s:s, s:s, s:s, s:{s:s, s:s, s:s, s:s, s:s, s:s}, s:{s:s, s:s, s:s, s:s, s:s, s:s}, "
        "s:[{s:s, s:i}]}",
        "logisticsOrderNo", order_no, "bizProductNo", "1", "ecommerceUserId", PQgetvalue(c, 0, 2),
        "sender", "name", S_SENDER("name"), "mobile", S_SENDER("mobile"), "prov", S_SENDER("prov"),
        "city", S_SENDER("city"), "county", S_SENDER("county"), "address", S_SENDER("address"),
        "receiver", "name", PQgetvalue(c, 0, 4), "mobile", PQgetvalue(c, 0, 3), "prov",
        PQgetvalue(c, 0, 5), "city", PQgetvalue(c, 0, 6), "county", PQgetvalue(c, 0, 7), "address",
        PQgetvalue(c, 0, 8), "cargos", "cargoName", cargo, "cargoQuantity", 1);
    char *body = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
    json_decref(o);
    return body;
#undef S_SENDER
}

/* The agent's entry: one line on standard input. */
static bool s_read_code(char code[16])
{
    if (!fgets(code, 16, stdin))
        return false;
    code[strcspn(code, "\r\n")] = '\0';
    return true;
}

static int s_pickup(PGconn *conn, const kn_config_t *cfg, const s_key_t *ckey, int argc,
                    char **argv)
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
    const char *v[1] = {no};
    PGresult *c = NULL;
    /* the row locked: two tries at once are counted one after the other */
    if (!s_begin(conn) ||
        !s_exec(conn,
                "SELECT id, certificate_no, agent, phone, recipient_name, recipient_prov, "
                "recipient_city, recipient_county, recipient_address, status, code_hash, "
                "code_salt, code_expires_at < now(), code_attempts FROM certificate "
                "WHERE certificate_no = $1 FOR UPDATE",
                1, v, &c))
        return s_commit(conn, false);
    int rc = KN_EXIT_REFUSED;
    const char *refusal = NULL;
    long limit = (long)kn_config_int(cfg, "certificate", "code_attempts");
    if (PQntuples(c) == 0)
        refusal = "no such certificate";
    else if (!strcmp(PQgetvalue(c, 0, 9), "locked") ||
             (!strcmp(PQgetvalue(c, 0, 9), "deposited") && atol(PQgetvalue(c, 0, 13)) >= limit))
        refusal = "too many wrong codes: the code is locked (the officer deposits it again)";
    else if (strcmp(PQgetvalue(c, 0, 9), "deposited"))
        refusal = "the certificate is not waiting for its pickup code";
    else if (!strcmp(PQgetvalue(c, 0, 12), "t"))
        refusal = "the pickup code has expired (the officer deposits it again)";
    if (refusal) {
        bool counted = PQntuples(c) > 0 && strcmp(PQgetvalue(c, 0, 9), "requested") != 0;
        if (counted) {
            const char *id[1] = {PQgetvalue(c, 0, 0)};
            s_exec(conn,
                   "UPDATE certificate SET code_failures_total = code_failures_total + 1, "
                   "updated_at = now() WHERE id = $1",
                   1, id, NULL);
            const char *h[3] = {PQgetvalue(c, 0, 0), "code_refused", refusal};
            s_exec(conn, s_history, 3, h, NULL);
        }
        fprintf(stderr, "kouan cert pickup: certificate %s: %s\n", no, refusal);
        PQclear(c);
        return s_commit(conn, true) == KN_EXIT_OK ? KN_EXIT_REFUSED : KN_EXIT_FAILED;
    }
    char hash[65];
    bool right = strlen(code) == S_CODE_DIGITS &&
                 !s_code_hash(ckey, PQgetvalue(c, 0, 11), code, hash) &&
                 CRYPTO_memcmp(hash, PQgetvalue(c, 0, 10), 64) == 0;
    const char *id[1] = {PQgetvalue(c, 0, 0)};
    bool ok;
    if (!right) {
        long left = limit - atol(PQgetvalue(c, 0, 13)) - 1;
        char lim[24];
        snprintf(lim, sizeof lim, "%ld", limit);
        const char *u[2] = {id[0], lim};
        ok = s_exec(conn,
                    "UPDATE certificate SET code_attempts = code_attempts + 1, "
                    "code_failures_total = code_failures_total + 1, updated_at = now(), "
                    "status = CASE WHEN code_attempts + 1 >= $2::int THEN 'locked' ELSE status END "
                    "WHERE id = $1",
                    2, u, NULL);
        const char *h[3] = {id[0], "code_refused", left > 0 ? "wrong code" : "wrong code: locked"};
        ok = ok && s_exec(conn, s_history, 3, h, NULL);
        if (left > 0)
            fprintf(stderr, "kouan cert pickup: certificate %s: wrong code (%ld tries left)\n", no,
                    left);
        else
            fprintf(stderr,
                    "kouan cert pickup: certificate %s: wrong code; the code is now locked\n", no);
        PQclear(c);
        return s_commit(conn, ok) == KN_EXIT_OK ? KN_EXIT_REFUSED : KN_EXIT_FAILED;
    }
    char order_no[96], nid[128], key[140];
    snprintf(order_no, sizeof order_no, "KNCO%s-%s", PQgetvalue(c, 0, 0), no);
    snprintf(nid, sizeof nid, "EMS-%s", order_no);
    snprintf(key, sizeof key, "ems:cert:%s", no);
    char *order = s_ems_order(cfg, c, order_no);
    const char *u[2] = {id[0], order_no};
    const char *o[5] = {nid, "ems", key, "ems-order", order ? order : ""};
    const char *h[3] = {id[0], "ems_requested", order_no};
    ok = order &&
         s_exec(conn,
                "UPDATE certificate SET status = 'ems_requested', ems_order_no = $2, "
                "code_hash = NULL, code_salt = NULL, updated_at = now() WHERE id = $1",
                2, u, NULL) &&
         s_exec(conn, s_outbox, 5, o, NULL) && s_exec(conn, s_history, 3, h, NULL) &&
         s_tell_agent(conn, cfg, no, "ems_requested", "取件码正确，已下单EMS寄递",
                      "Code accepted: EMS delivery ordered");
    free(order);
    PQclear(c);
    rc = s_commit(conn, ok);
    if (rc == KN_EXIT_OK)
        printf("certificate %s: code accepted, EMS order %s placed\n", no, order_no);
    return rc;
}

/* An EMS track push: the form body EMS posts, logitcsInterface sealed with
 * our sign key; its JSON names the waybill and the step. */
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

static int s_show(PGconn *conn, int argc, char **argv)
{
    if (argc != 2)
        return s_usage(stderr, KN_EXIT_USAGE);
    const char *v[1] = {argv[1]};
    PGresult *c = NULL, *h = NULL;
    if (!s_exec(conn,
                "SELECT certificate_no, agent, status, coalesce(locker, '-'), "
                "coalesce(compartment, '-'), coalesce(ems_order_no, '-'), "
                "coalesce(ems_waybill_no, '-'), code_attempts, code_failures_total, id "
                "FROM certificate WHERE certificate_no = $1",
                1, v, &c))
        return KN_EXIT_FAILED;
    if (PQntuples(c) == 0) {
        fprintf(stderr, "kouan cert show: no certificate %s\n", argv[1]);
        PQclear(c);
        return KN_EXIT_REFUSED;
    }
    printf("certificate %s (agent %s): %s\n  locker %s compartment %s, EMS order %s waybill %s\n"
           "  wrong codes: %s on the current code, %s in all\n",
           PQgetvalue(c, 0, 0), PQgetvalue(c, 0, 1), PQgetvalue(c, 0, 2), PQgetvalue(c, 0, 3),
           PQgetvalue(c, 0, 4), PQgetvalue(c, 0, 5), PQgetvalue(c, 0, 6), PQgetvalue(c, 0, 7),
           PQgetvalue(c, 0, 8));
    const char *id[1] = {PQgetvalue(c, 0, 9)};
    if (s_exec(conn,
               "SELECT to_char(at AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD HH24:MI:SS'), status, "
               "coalesce(detail, '') FROM certificate_event WHERE certificate_id = $1 ORDER BY id",
               1, id, &h)) {
        for (int r = 0; r < PQntuples(h); r++)
            printf("  %s  %-14s %s\n", PQgetvalue(h, r, 0), PQgetvalue(h, r, 1),
                   PQgetvalue(h, r, 2));
        PQclear(h);
    }
    PQclear(c);
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
    s_key_t ckey = {0};
    bool keyed = !strcmp(cmd, "deposit") || !strcmp(cmd, "pickup");
    if (keyed && s_read_key(cfg, &ckey)) {
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
