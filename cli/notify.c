/* kouan notify | outbox | subscription — the delivery daemon and the tools an
 * operator uses to see and replay notifications and to manage DCSA
 * subscriptions. */
#include "base64.h"
#include "cli.h"
#include "db.h"
#include "deliver.h"
#include "log.h"

#include <ctype.h>
#include <curl/curl.h>
#include <getopt.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define S_LIST_DEFAULT 50
#define S_LIST_MAX 100000
#define S_SECRET_MIN 16 /* bytes of a DCSA subscription secret */
#define S_SECRET_MAX 64
#define S_SECRET_DEFAULT 32 /* generated when none is given */
#define S_REF_MAX 100       /* an equipment or transport document reference */
#define S_BEIJING(col) "to_char(" col " AT TIME ZONE 'Asia/Shanghai', 'YYYY-MM-DD HH24:MI:SS')"

/* ---- shared ---------------------------------------------------------- */

/* Run one statement; NULL after saying why on stderr. */
static PGresult *s_query(PGconn *conn, const char *cmd, const char *sql, int n,
                         const char *const *params, ExecStatusType want)
{
    PGresult *res = PQexecParams(conn, sql, n, NULL, params, NULL, NULL, 0);
    if (PQresultStatus(res) == want)
        return res;
    fprintf(stderr, "kouan %s: %s", cmd, PQerrorMessage(conn));
    PQclear(res);
    return NULL;
}

/* Print rows as columns under headers, each column as wide as its widest
 * value; the last column is not padded. */
static void s_table(PGresult *res, const char *const *headers, int ncols)
{
    int width[16] = {0};
    for (int c = 0; c < ncols && c < 16; c++) {
        width[c] = (int)strlen(headers[c]);
        for (int r = 0; r < PQntuples(res); r++)
            if (PQgetlength(res, r, c) > width[c])
                width[c] = PQgetlength(res, r, c);
    }
    for (int r = -1; r < PQntuples(res); r++) {
        for (int c = 0; c < ncols && c < 16; c++) {
            const char *v = r < 0 ? headers[c] : PQgetvalue(res, r, c);
            if (c == ncols - 1)
                printf("%s\n", v);
            else
                printf("%-*s  ", width[c], v);
        }
    }
}

/* An outbox row named by its id or its notification id: the id as a number
 * (or NULL when arg is not one) for "id IS NOT DISTINCT FROM $2::bigint". */
static const char *s_row_id(const char *arg)
{
    size_t n = strlen(arg);
    if (n == 0 || n > 18)
        return NULL;
    for (const char *p = arg; *p; p++)
        if (!isdigit((unsigned char)*p))
            return NULL;
    return arg;
}

/* A number is taken as the row id first, then as a notification id. */
#define S_ROW_MATCH                                                                                \
    "(id IS NOT DISTINCT FROM $2::bigint OR notification_id = $1)"                                 \
    " ORDER BY id IS NOT DISTINCT FROM $2::bigint DESC LIMIT 1"

/* ---- kouan notify ---------------------------------------------------- */

int kn_cmd_notify(int argc, char **argv)
{
    static const struct option opts[] = {{"config", required_argument, NULL, 'c'},
                                         {"exit-when-idle", no_argument, NULL, 'i'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *path = NULL;
    bool idle = false;
    int c;
    while ((c = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
        if (c == 'c')
            path = optarg;
        else if (c == 'i')
            idle = true;
        else {
            fprintf(c == 'h' ? stdout : stderr,
                    "usage: kouan notify [-c FILE] [--exit-when-idle]\n"
                    "  deliver the outbox to the mini-program backend, the SMS gateway, EMS\n"
                    "  and DCSA subscribers ([notify] in the configuration); any number may\n"
                    "  run at once.  SIGTERM: finish what is in flight and stop; SIGHUP: reload\n"
                    "  -c, --config FILE   configuration file\n"
                    "  --exit-when-idle    stop once nothing is in flight and nothing is due\n"
                    "                      within a second (scripts and tests)\n");
            return c == 'h' ? KN_EXIT_OK : KN_EXIT_USAGE;
        }
    }
    if (optind != argc) {
        fprintf(stderr, "usage: kouan notify [-c FILE] [--exit-when-idle]\n");
        return KN_EXIT_USAGE;
    }
    path = kn_cli_config_path(path);
    char why[1024];
    kn_config_t *cfg = kn_config_new();
    if (!cfg || kn_config_load(cfg, path, why, sizeof why) != 0) {
        fprintf(stderr, "kouan notify: %s\n", cfg ? why : "out of memory");
        kn_config_destroy(&cfg);
        return KN_EXIT_USAGE;
    }
    kn_deliver_t *engine = kn_deliver_new(&cfg, path, idle, why, sizeof why);
    if (!engine) {
        kn_log(KN_LOG_ERROR, "%s", why);
        return KN_EXIT_FAILED;
    }
    int rc = kn_deliver_run(engine);
    kn_deliver_destroy(&engine);
    return rc == 0 ? KN_EXIT_OK : KN_EXIT_FAILED;
}

/* ---- kouan outbox ---------------------------------------------------- */

static const char s_outbox_usage[] =
    "usage: kouan outbox [-c FILE] list [--status S] [--endpoint E] [--limit N]\n"
    "       kouan outbox [-c FILE] show ID|NOTIFICATION_ID\n"
    "       kouan outbox [-c FILE] replay ID|NOTIFICATION_ID...\n"
    "  list    notifications, newest first (default 50); S is pending, delivered,\n"
    "          dead or cancelled; E is miniprogram, sms, ems or subscription:ID\n"
    "  show    one notification, its body and every delivery try\n"
    "  replay  send dead, cancelled or delivered notifications again (from try 1)\n"
    "Times are Beijing time.\n";

static int s_outbox_list(const char *path, int argc, char **argv)
{
    static const struct option opts[] = {
        {"status", required_argument, NULL, 's'}, {"endpoint", required_argument, NULL, 'e'},
        {"limit", required_argument, NULL, 'n'},  {"config", required_argument, NULL, 'c'},
        {"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0}};
    static const char sql[] =
        "SELECT id, notification_id, endpoint, order_key, kind, status, attempts,"
        " CASE WHEN status = 'pending' THEN " S_BEIJING(
            "next_attempt_at") " ELSE '-' END,"
                               " coalesce(last_error, '')"
                               " FROM outbox WHERE ($1::text IS NULL OR status = $1)"
                               " AND ($2::text IS NULL OR endpoint = $2) ORDER BY id DESC LIMIT "
                               "$3::int";
    static const char *const headers[] = {"ID",     "NOTIFICATION", "ENDPOINT", "ORDER KEY", "KIND",
                                          "STATUS", "TRIES",        "NEXT TRY", "LAST ERROR"};
    const char *status = NULL, *endpoint = NULL, *limit = NULL;
    char def[16];
    snprintf(def, sizeof def, "%d", S_LIST_DEFAULT);
    limit = def;
    int c;
    optind = 0;
    while ((c = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
        if (c == 'c')
            path = optarg;
        else if (c == 'h') {
            fputs(s_outbox_usage, stdout);
            return KN_EXIT_OK;
        } else if (c == 's')
            status = optarg;
        else if (c == 'e')
            endpoint = optarg;
        else if (c == 'n')
            limit = optarg;
        else {
            fputs(s_outbox_usage, stderr);
            return KN_EXIT_USAGE;
        }
    }
    if (optind != argc) {
        fputs(s_outbox_usage, stderr);
        return KN_EXIT_USAGE;
    }
    if (status && strcmp(status, "pending") && strcmp(status, "delivered") &&
        strcmp(status, "dead") && strcmp(status, "cancelled")) {
        fprintf(stderr,
                "kouan outbox: status \"%s\" is not one of pending, delivered, dead, cancelled\n",
                status);
        return KN_EXIT_USAGE;
    }
    char *end;
    long n = strtol(limit, &end, 10);
    if (!*limit || *end || n < 1 || n > S_LIST_MAX) {
        fprintf(stderr, "kouan outbox: --limit \"%s\" is not a number from 1 to %d\n", limit,
                S_LIST_MAX);
        return KN_EXIT_USAGE;
    }
    PGconn *conn = NULL;
    int rc = kn_cli_connect(path, "outbox", &conn, NULL);
    if (rc != KN_EXIT_OK)
        return rc;
    const char *p[] = {status, endpoint, limit};
    PGresult *res = s_query(conn, "outbox", sql, 3, p, PGRES_TUPLES_OK);
    if (!res)
        rc = KN_EXIT_FAILED;
    else if (PQntuples(res) == 0)
        printf("no notifications\n");
    else
        s_table(res, headers, 9);
    PQclear(res);
    PQfinish(conn);
    return rc;
}

static int s_outbox_show(PGconn *conn, const char *arg)
{
    static const char row_sql[] =
        "SELECT id, notification_id, endpoint, order_key, kind, content_type, status, attempts,"
        " " S_BEIJING("next_attempt_at") ", coalesce(" S_BEIJING(
            "leased_until") ", ''),"
                            " " S_BEIJING("created_at") ", coalesce(" S_BEIJING(
                                "delivered_at") ", ''),"
                                                " coalesce(last_error, ''), body, leased_until > "
                                                "now()"
                                                " FROM outbox WHERE " S_ROW_MATCH;
    static const char tries_sql[] =
        "SELECT attempt, to_char(started_at AT TIME ZONE 'Asia/Shanghai',"
        " 'YYYY-MM-DD HH24:MI:SS.MS'), worker, coalesce(http_status::text, '-'), duration_ms,"
        " coalesce(error, ''), coalesce(retry_after_s::text, '')"
        " FROM delivery_attempt WHERE outbox_id = $1 ORDER BY id";
    int rc = KN_EXIT_FAILED;
    PGresult *tries = NULL;
    const char *p[] = {arg, s_row_id(arg)};
    PGresult *row = s_query(conn, "outbox show", row_sql, 2, p, PGRES_TUPLES_OK);
    if (!row)
        goto out;
    if (PQntuples(row) == 0) {
        fprintf(stderr, "kouan outbox show: no notification \"%s\"\n", arg);
        rc = KN_EXIT_REFUSED;
        goto out;
    }
    const char *id = PQgetvalue(row, 0, 0);
    tries = s_query(conn, "outbox show", tries_sql, 1, &id, PGRES_TUPLES_OK);
    if (!tries)
        goto out;
    const char *status = PQgetvalue(row, 0, 6);
    printf("outbox %s\n", id);
    printf("  notification  %s\n", PQgetvalue(row, 0, 1));
    printf("  endpoint      %s\n", PQgetvalue(row, 0, 2));
    printf("  order key     %s\n", PQgetvalue(row, 0, 3));
    printf("  kind          %s (%s)\n", PQgetvalue(row, 0, 4), PQgetvalue(row, 0, 5));
    printf("  status        %s after %s tr%s\n", status, PQgetvalue(row, 0, 7),
           strcmp(PQgetvalue(row, 0, 7), "1") ? "ies" : "y");
    printf("  created       %s\n", PQgetvalue(row, 0, 10));
    if (!strcmp(status, "pending")) {
        printf("  next try      %s\n", PQgetvalue(row, 0, 8));
        if (!strcmp(PQgetvalue(row, 0, 14), "t"))
            printf("  in flight     leased until %s\n", PQgetvalue(row, 0, 9));
    }
    if (*PQgetvalue(row, 0, 11))
        printf("  delivered     %s\n", PQgetvalue(row, 0, 11));
    if (*PQgetvalue(row, 0, 12))
        printf("  last error    %s\n", PQgetvalue(row, 0, 12));
    const char *body = PQgetvalue(row, 0, 13);
    size_t blen = (size_t)PQgetlength(row, 0, 13);
    printf("body:\n%s%s", body, blen && body[blen - 1] == '\n' ? "" : "\n");
    printf("tries (Beijing time):\n");
    if (PQntuples(tries) == 0)
        printf("  none yet\n");
    for (int r = 0; r < PQntuples(tries); r++) {
        printf("  #%s %s  worker %s  status %s  %s ms", PQgetvalue(tries, r, 0),
               PQgetvalue(tries, r, 1), PQgetvalue(tries, r, 2), PQgetvalue(tries, r, 3),
               PQgetvalue(tries, r, 4));
        if (*PQgetvalue(tries, r, 6))
            printf("  retry-after %s s", PQgetvalue(tries, r, 6));
        if (*PQgetvalue(tries, r, 5))
            printf("  error: %s", PQgetvalue(tries, r, 5));
        printf("\n");
    }
    rc = KN_EXIT_OK;
out:
    PQclear(row);
    PQclear(tries);
    return rc;
}

static int s_outbox_replay(PGconn *conn, int argc, char **argv)
{
    /* the row is locked first, so what is said about it is what was done */
    static const char replay_sql[] =
        "WITH old AS (SELECT id, status FROM outbox WHERE " S_ROW_MATCH " FOR UPDATE)"
        " UPDATE outbox o SET status = 'pending', attempts = 0, next_attempt_at = now(),"
        " leased_until = NULL, last_error = NULL, delivered_at = NULL"
        " FROM old WHERE o.id = old.id AND old.status IN ('dead', 'cancelled', 'delivered')"
        " RETURNING o.id, o.notification_id, o.endpoint, old.status";
    static const char state_sql[] = "SELECT id, status FROM outbox WHERE " S_ROW_MATCH;
    int rc = KN_EXIT_OK, replayed = 0;
    for (int i = 1; i < argc; i++) {
        const char *p[] = {argv[i], s_row_id(argv[i])};
        PGresult *res = s_query(conn, "outbox replay", replay_sql, 2, p, PGRES_TUPLES_OK);
        if (!res)
            return KN_EXIT_FAILED;
        if (PQntuples(res) == 1) {
            printf("replayed outbox %s (notification %s to %s, was %s)\n", PQgetvalue(res, 0, 0),
                   PQgetvalue(res, 0, 1), PQgetvalue(res, 0, 2), PQgetvalue(res, 0, 3));
            replayed++;
            PQclear(res);
            continue;
        }
        PQclear(res);
        if (!(res = s_query(conn, "outbox replay", state_sql, 2, p, PGRES_TUPLES_OK)))
            return KN_EXIT_FAILED;
        if (PQntuples(res) == 0)
            fprintf(stderr, "kouan outbox replay: no notification \"%s\"\n", argv[i]);
        else
            fprintf(stderr, "kouan outbox replay: outbox %s (\"%s\") is already %s\n",
                    PQgetvalue(res, 0, 0), argv[i], PQgetvalue(res, 0, 1));
        rc = KN_EXIT_REFUSED;
        PQclear(res);
    }
    if (replayed) {
        PGresult *res =
            s_query(conn, "outbox replay", "NOTIFY kouan_outbox", 0, NULL, PGRES_COMMAND_OK);
        if (!res)
            return KN_EXIT_FAILED;
        PQclear(res);
    }
    return rc;
}

int kn_cmd_outbox(int argc, char **argv)
{
    static const char *const actions[] = {"list", "show", "replay", NULL};
    const char *path = NULL;
    int first = 0;
    int action = kn_cli_action(argc, argv, "outbox", s_outbox_usage, actions, &path, &first);
    if (action < 0)
        return action == -1 ? KN_EXIT_OK : KN_EXIT_USAGE;
    int sub_argc = argc - first;
    char **sub_argv = argv + first;
    bool list = action == 0, show = action == 1, replay = action == 2;
    if ((show && sub_argc != 2) || (replay && sub_argc < 2)) {
        fputs(s_outbox_usage, stderr);
        return KN_EXIT_USAGE;
    }
    if (list)
        return s_outbox_list(path, sub_argc, sub_argv);
    PGconn *conn = NULL;
    int rc = kn_cli_connect(path, "outbox", &conn, NULL);
    if (rc != KN_EXIT_OK)
        return rc;
    if (show)
        rc = s_outbox_show(conn, sub_argv[1]);
    else
        rc = s_outbox_replay(conn, sub_argc, sub_argv);
    PQfinish(conn);
    return rc;
}

/* ---- kouan subscription ---------------------------------------------- */

static const char s_subscription_usage[] =
    "usage: kouan subscription [-c FILE] add --url URL [--secret BASE64]\n"
    "                          [--equipment REF] [--bill REF] [--event-type TYPE]...\n"
    "       kouan subscription [-c FILE] list\n"
    "       kouan subscription [-c FILE] remove ID\n"
    "  add     a DCSA Track & Trace subscriber: events are POSTed to URL (http or https),\n"
    "          signed with the secret (base64 of 16 to 64 bytes; 32 random bytes when\n"
    "          none is given).  Prints the id and the secret, which is not shown again.\n"
    "          Filters: --equipment (container), --bill (transport document reference),\n"
    "          --event-type EQUIPMENT, TRANSPORT or SHIPMENT (repeatable); none = every event\n"
    "  list    the subscriptions, their filters and whether they are disabled\n"
    "  remove  delete a subscription and cancel its pending notifications\n";

static const char *const s_event_types[] = {"EQUIPMENT", "TRANSPORT", "SHIPMENT"};

/* A DCSA callback URL: absolute http or https with a host. */
static int s_check_url(const char *url, char *why, size_t size)
{
    int rc = -1;
    char *scheme = NULL, *host = NULL;
    CURLU *u = curl_url();
    if (!u) {
        snprintf(why, size, "out of memory");
        return -1;
    }
    CURLUcode uc = curl_url_set(u, CURLUPART_URL, url, 0);
    if (uc != CURLUE_OK) {
        snprintf(why, size, "--url \"%s\" is not a URL: %s", url, curl_url_strerror(uc));
        goto out;
    }
    if (curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
        (strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0)) {
        snprintf(why, size, "--url \"%s\" is not http or https", url);
        goto out;
    }
    /* curl reads "http:///h" as host h; a subscriber's URL is written out */
    const char *authority = strstr(url, "://");
    if (curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK || !host[0] || !authority ||
        authority[3] == '/' || authority[3] == '\0') {
        snprintf(why, size, "--url \"%s\" has no host", url);
        goto out;
    }
    rc = 0;
out:
    curl_free(scheme);
    curl_free(host);
    curl_url_cleanup(u);
    return rc;
}

/* A reference filter: printable, at most S_REF_MAX bytes. */
static int s_check_ref(const char *opt, const char *value)
{
    size_t n = strlen(value);
    bool ok = n > 0 && n <= S_REF_MAX;
    for (const char *p = value; ok && *p; p++)
        ok = isgraph((unsigned char)*p);
    if (!ok)
        fprintf(stderr, "kouan subscription: --%s \"%s\" must be 1 to %d printable characters\n",
                opt, value, S_REF_MAX);
    return ok ? 0 : -1;
}

static int s_subscription_add(const char *path, int argc, char **argv)
{
    static const struct option opts[] = {
        {"config", required_argument, NULL, 'c'},     {"help", no_argument, NULL, 'h'},
        {"url", required_argument, NULL, 'u'},        {"secret", required_argument, NULL, 's'},
        {"equipment", required_argument, NULL, 'e'},  {"bill", required_argument, NULL, 'b'},
        {"event-type", required_argument, NULL, 't'}, {NULL, 0, NULL, 0}};
    static const char sql[] =
        "INSERT INTO subscription (id, callback_url, secret, equipment_reference,"
        " transport_document_reference, event_types)"
        " VALUES ($1, $2, decode($3, 'base64'), $4, $5, $6::text[])";
    const char *url = NULL, *secret_text = NULL, *equipment = NULL, *bill = NULL;
    bool want[3] = {false, false, false};
    int c;
    optind = 0;
    while ((c = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
        switch (c) {
        case 'c':
            path = optarg;
            break;
        case 'h':
            fputs(s_subscription_usage, stdout);
            return KN_EXIT_OK;
        case 'u':
            url = optarg;
            break;
        case 's':
            secret_text = optarg;
            break;
        case 'e':
            equipment = optarg;
            break;
        case 'b':
            bill = optarg;
            break;
        case 't': {
            size_t i = 0;
            while (i < 3 && strcasecmp(optarg, s_event_types[i]) != 0)
                i++;
            if (i == 3) {
                fprintf(stderr,
                        "kouan subscription: event type \"%s\" is not one of EQUIPMENT, "
                        "TRANSPORT, SHIPMENT\n",
                        optarg);
                return KN_EXIT_USAGE;
            }
            want[i] = true;
            break;
        }
        default:
            fputs(s_subscription_usage, stderr);
            return KN_EXIT_USAGE;
        }
    }
    if (optind != argc || !url) {
        fprintf(stderr, "kouan subscription add: --url is required\n");
        return KN_EXIT_USAGE;
    }
    char why[1024];
    if (s_check_url(url, why, sizeof why) != 0) {
        fprintf(stderr, "kouan subscription: %s\n", why);
        return KN_EXIT_USAGE;
    }
    if ((equipment && s_check_ref("equipment", equipment) != 0) ||
        (bill && s_check_ref("bill", bill) != 0))
        return KN_EXIT_USAGE;

    unsigned char secret[S_SECRET_MAX + 3], raw[16];
    size_t secret_len = 0;
    if (secret_text) {
        if (kn_base64_decode(secret_text, strlen(secret_text), secret, sizeof secret,
                             &secret_len) != 0 ||
            secret_len < S_SECRET_MIN || secret_len > S_SECRET_MAX) {
            fprintf(stderr,
                    "kouan subscription: --secret must be base64 (padded, RFC 4648) of %d to %d "
                    "bytes\n",
                    S_SECRET_MIN, S_SECRET_MAX);
            return KN_EXIT_USAGE;
        }
    } else {
        secret_len = S_SECRET_DEFAULT;
        if (RAND_bytes(secret, (int)secret_len) != 1) {
            fprintf(stderr, "kouan subscription: the random generator failed\n");
            return KN_EXIT_FAILED;
        }
    }
    if (RAND_bytes(raw, sizeof raw) != 1) {
        fprintf(stderr, "kouan subscription: the random generator failed\n");
        return KN_EXIT_FAILED;
    }
    /* UUID version 4 (RFC 9562 §5.4): random but the version and variant bits */
    raw[6] = (unsigned char)((raw[6] & 0x0f) | 0x40);
    raw[8] = (unsigned char)((raw[8] & 0x3f) | 0x80);
    char id[37];
    snprintf(id, sizeof id, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
             raw[0], raw[1], raw[2], raw[3], raw[4], raw[5], raw[6], raw[7], raw[8], raw[9],
             raw[10], raw[11], raw[12], raw[13], raw[14], raw[15]);
    char encoded[4 * ((S_SECRET_MAX + 2) / 3) + 1];
    EVP_EncodeBlock((unsigned char *)encoded, secret, (int)secret_len);
    char types[64] = "";
    for (size_t i = 0; i < 3; i++)
        if (want[i]) {
            strcat(types, types[0] ? "," : "{");
            strcat(types, s_event_types[i]);
        }
    if (types[0])
        strcat(types, "}");
    PGconn *conn = NULL;
    int rc = kn_cli_connect(path, "subscription", &conn, NULL);
    if (rc != KN_EXIT_OK)
        return rc;
    const char *p[] = {id, url, encoded, equipment, bill, types[0] ? types : NULL};
    PGresult *res = s_query(conn, "subscription add", sql, 6, p, PGRES_COMMAND_OK);
    if (!res) {
        rc = KN_EXIT_FAILED;
    } else {
        printf("id %s\nsecret %s\n", id, encoded);
        fprintf(stderr, "kouan subscription: keep the secret: it is not shown again\n");
    }
    PQclear(res);
    PQfinish(conn);
    return rc;
}

static int s_subscription_list(PGconn *conn)
{
    static const char sql[] =
        "SELECT id, callback_url,"
        " coalesce(nullif(concat_ws(' ', 'equipment=' || equipment_reference,"
        " 'bill=' || transport_document_reference,"
        " 'events=' || array_to_string(event_types, ',')), ''), 'every event'),"
        " " S_BEIJING("created_at") ","
                                    " CASE WHEN disabled_at IS NULL THEN 'active'"
                                    " ELSE 'disabled ' || " S_BEIJING(
                                        "disabled_at") " || ': ' || coalesce(disabled_reason, '')"
                                                       " END"
                                                       " FROM subscription ORDER BY created_at, id";
    static const char *const headers[] = {"ID", "URL", "FILTERS", "CREATED", "STATE"};
    PGresult *res = s_query(conn, "subscription list", sql, 0, NULL, PGRES_TUPLES_OK);
    if (!res)
        return KN_EXIT_FAILED;
    if (PQntuples(res) == 0)
        printf("no subscriptions\n");
    else
        s_table(res, headers, 5);
    PQclear(res);
    return KN_EXIT_OK;
}

static int s_subscription_remove(PGconn *conn, const char *id)
{
    static const char delete_sql[] = "DELETE FROM subscription WHERE id = $1";
    static const char cancel_sql[] =
        "UPDATE outbox SET status = 'cancelled', leased_until = NULL,"
        " last_error = 'subscription removed'"
        " WHERE endpoint = 'subscription:' || $1 AND status = 'pending'";
    int rc = KN_EXIT_FAILED;
    PGresult *res = s_query(conn, "subscription remove", "BEGIN", 0, NULL, PGRES_COMMAND_OK);
    if (!res)
        return KN_EXIT_FAILED;
    PQclear(res);
    if (!(res = s_query(conn, "subscription remove", delete_sql, 1, &id, PGRES_COMMAND_OK)))
        goto out;
    if (strcmp(PQcmdTuples(res), "1") != 0) {
        fprintf(stderr, "kouan subscription remove: no subscription \"%s\"\n", id);
        rc = KN_EXIT_REFUSED;
        goto out;
    }
    PQclear(res);
    if (!(res = s_query(conn, "subscription remove", cancel_sql, 1, &id, PGRES_COMMAND_OK)))
        goto out;
    char cancelled[16];
    snprintf(cancelled, sizeof cancelled, "%s", PQcmdTuples(res));
    PQclear(res);
    if (!(res = s_query(conn, "subscription remove", "COMMIT", 0, NULL, PGRES_COMMAND_OK)))
        goto out;
    printf("removed subscription %s (%s pending notification%s cancelled)\n", id, cancelled,
           strcmp(cancelled, "1") ? "s" : "");
    rc = KN_EXIT_OK;
out:
    PQclear(res);
    if (rc != KN_EXIT_OK)
        PQclear(PQexec(conn, "ROLLBACK"));
    return rc;
}

int kn_cmd_subscription(int argc, char **argv)
{
    static const char *const actions[] = {"add", "list", "remove", NULL};
    const char *path = NULL;
    int first = 0;
    int action =
        kn_cli_action(argc, argv, "subscription", s_subscription_usage, actions, &path, &first);
    if (action < 0)
        return action == -1 ? KN_EXIT_OK : KN_EXIT_USAGE;
    int sub_argc = argc - first;
    char **sub_argv = argv + first;
    bool add = action == 0, list = action == 1, drop = action == 2;
    if ((list && sub_argc != 1) || (drop && sub_argc != 2)) {
        fputs(s_subscription_usage, stderr);
        return KN_EXIT_USAGE;
    }
    if (add)
        return s_subscription_add(path, sub_argc, sub_argv);
    PGconn *conn = NULL;
    int rc = kn_cli_connect(path, "subscription", &conn, NULL);
    if (rc != KN_EXIT_OK)
        return rc;
    if (list)
        rc = s_subscription_list(conn);
    else
        rc = s_subscription_remove(conn, sub_argv[1]);
    PQfinish(conn);
    return rc;
}
