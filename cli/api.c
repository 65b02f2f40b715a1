/* kouan api — the HTTP API (api/api.h) and its principals.
 *
 *   kouan api [-c FILE]               serve [api] listen until SIGTERM
 *   kouan principal add NAME --role ROLE [--agent CODE]
 *                                     a caller of the API; its bearer token is
 *                                     printed once and only its SHA-256 kept
 *   kouan principal list              who may call, without tokens
 *   kouan principal revoke NAME       the token stops working at once
 */
#include "api.h"
#include "cli.h"
#include "db.h"
#include "err.h"
#include "log.h"

#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int kn_cmd_api(int argc, char **argv)
{
    static const char usage[] =
        "usage: kouan api [-c FILE]\n"
        "  serves [api] listen: /v2/events and /v2/event-subscriptions (DCSA Track &\n"
        "  Trace 2.2), /v1/containers/REF/timeline and /decisions, /v1/certificates,\n"
        "  /track and /dashboard (pages), /healthz, /metrics; callers carry a bearer\n"
        "  token from kouan principal add\n";
    const char *path = NULL;
    int first, got = kn_cli_args(argc, argv, usage, 0, &path, &first);
    if (got != 0)
        return got == -1 ? KN_EXIT_OK : KN_EXIT_USAGE;
    kn_config_t *cfg = NULL;
    PGconn *conn = NULL;
    int rc = kn_cli_connect(path, "api", &conn, &cfg);
    if (rc != KN_EXIT_OK)
        return rc;
    kn_log_set_ident("api");
    kn_log_set_level(kn_config_str(cfg, "broker", "log_level"));
    /* the stop signals go to sigwait() below, never to the server thread */
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);
    signal(SIGPIPE, SIG_IGN);
    char address[300], why[512];
    PQfinish(conn); /* it was to check the database is there and migrated */
    char *conninfo = kn_db_conninfo(cfg);
    kn_api_t *api =
        conninfo ? kn_api_start(cfg, conninfo, address, sizeof address, why, sizeof why) : NULL;
    if (!conninfo)
        snprintf(why, sizeof why, "out of memory");
    free(conninfo);
    if (!api) {
        fprintf(stderr, "kouan api: %s\n", why);
        kn_config_destroy(&cfg);
        return KN_EXIT_FAILED;
    }
    printf("api listening on %s\n", address);
    fflush(stdout);
    int sig = 0;
    sigwait(&stop, &sig);
    kn_log(KN_LOG_INFO, "stopping on %s", sig == SIGINT ? "SIGINT" : "SIGTERM");
    kn_api_destroy(&api);
    kn_config_destroy(&cfg);
    return KN_EXIT_OK;
}

static const char s_principal_usage[] =
    "usage: kouan principal [-c FILE] add NAME --role agent|officer|terminal|admin "
    "[--agent CODE]\n"
    "       kouan principal [-c FILE] list\n"
    "       kouan principal [-c FILE] revoke NAME\n"
    "  add prints the bearer token once; the database keeps only its SHA-256.\n"
    "  An agent (--agent: the declarant code customs names it by) sees only its\n"
    "  own cargo.\n";

static int s_add(PGconn *conn, int argc, char **argv)
{
    static const struct option opts[] = {{"role", required_argument, NULL, 'r'},
                                         {"agent", required_argument, NULL, 'a'},
                                         {NULL, 0, NULL, 0}};
    const char *role = NULL, *agent = NULL;
    int c;
    optind = 0;
    while ((c = getopt_long(argc, argv, "r:a:", opts, NULL)) != -1) {
        if (c == 'r')
            role = optarg;
        else if (c == 'a')
            agent = optarg;
        else {
            fputs(s_principal_usage, stderr);
            return KN_EXIT_USAGE;
        }
    }
    if (optind != argc - 1 || !role) {
        fputs(s_principal_usage, stderr);
        return KN_EXIT_USAGE;
    }
    const char *name = argv[optind];
    if (strcmp(role, "agent") && strcmp(role, "officer") && strcmp(role, "terminal") &&
        strcmp(role, "admin")) {
        fprintf(stderr, "kouan principal: role %s is not agent, officer, terminal or admin\n",
                role);
        return KN_EXIT_USAGE;
    }
    if (!strcmp(role, "agent") != (agent != NULL)) {
        fprintf(stderr, "kouan principal: --agent CODE is %s\n",
                agent ? "for agents only" : "required for an agent (its declarant code)");
        return KN_EXIT_USAGE;
    }
    if (!*name || strlen(name) > 120 || (agent && (!*agent || strlen(agent) > 60))) {
        fprintf(stderr, "kouan principal: name 1-120 and agent code 1-60 characters\n");
        return KN_EXIT_USAGE;
    }
    char token[48];
    uint8_t hash[32];
    if (kn_api_token_new(token, hash) != 0) {
        fprintf(stderr, "kouan principal: no randomness for a token\n");
        return KN_EXIT_FAILED;
    }
    const char *params[4] = {name, role, agent, (const char *)hash};
    const int lens[4] = {0, 0, 0, 32}, formats[4] = {0, 0, 0, 1};
    PGresult *r = PQexecParams(conn,
                               "INSERT INTO principal (name, role, agent_code, token_hash) "
                               "VALUES ($1, $2, $3, $4)",
                               4, NULL, params, lens, formats, 0);
    int rc = KN_EXIT_OK;
    if (PQresultStatus(r) != PGRES_COMMAND_OK) {
        const char *state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
        if (state && !strcmp(state, "23505"))
            fprintf(stderr, "kouan principal: %s exists already (revoke it, add another name)\n",
                    name);
        else
            fprintf(stderr, "kouan principal: %s", PQerrorMessage(conn));
        rc = KN_EXIT_FAILED;
    } else
        printf("%s (%s%s%s): token %s\n(shown once: give it to its holder now)\n", name, role,
               agent ? ", agent code " : "", agent ? agent : "", token);
    PQclear(r);
    memset(token, 0, sizeof token);
    return rc;
}

static int s_list(PGconn *conn)
{
    PGresult *r = PQexec(conn, "SELECT name, role, coalesce(agent_code, '-'), "
                               "to_char(created_at, 'YYYY-MM-DD HH24:MI'), "
                               "coalesce(to_char(revoked_at, 'YYYY-MM-DD HH24:MI'), '-') "
                               "FROM principal ORDER BY name");
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        fprintf(stderr, "kouan principal: %s", PQerrorMessage(conn));
        PQclear(r);
        return KN_EXIT_FAILED;
    }
    printf("%-24s %-9s %-14s %-17s %s\n", "name", "role", "agent code", "created", "revoked");
    for (int i = 0; i < PQntuples(r); i++)
        printf("%-24s %-9s %-14s %-17s %s\n", PQgetvalue(r, i, 0), PQgetvalue(r, i, 1),
               PQgetvalue(r, i, 2), PQgetvalue(r, i, 3), PQgetvalue(r, i, 4));
    PQclear(r);
    return KN_EXIT_OK;
}

static int s_revoke(PGconn *conn, const char *name)
{
    const char *params[1] = {name};
    /* with the token go its subscriptions and their callbacks not yet made */
    PGresult *r = PQexecParams(
        conn,
        "WITH p AS (UPDATE principal SET revoked_at = now() WHERE name = $1 AND revoked_at IS "
        "NULL RETURNING name), s AS (UPDATE subscription SET disabled_at = now(), "
        "disabled_reason = 'its owner was revoked' WHERE owner IN (SELECT name FROM p) AND "
        "disabled_at IS NULL RETURNING id), o AS (UPDATE outbox SET status = 'cancelled' WHERE "
        "status = 'pending' AND endpoint IN (SELECT 'subscription:' || id FROM s) RETURNING 1) "
        "SELECT (SELECT count(*) FROM p), (SELECT count(*) FROM s), (SELECT count(*) FROM o)",
        1, NULL, params, NULL, NULL, 0);
    int rc = KN_EXIT_OK;
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        fprintf(stderr, "kouan principal: %s", PQerrorMessage(conn));
        rc = KN_EXIT_FAILED;
    } else if (strcmp(PQgetvalue(r, 0, 0), "1") != 0) {
        fprintf(stderr, "kouan principal: no principal %s with a token in force\n", name);
        rc = KN_EXIT_FAILED;
    } else
        printf("%s revoked; %s of its subscriptions disabled, %s callbacks cancelled\n", name,
               PQgetvalue(r, 0, 1), PQgetvalue(r, 0, 2));
    PQclear(r);
    return rc;
}

int kn_cmd_principal(int argc, char **argv)
{
    static const char *const actions[] = {"add", "list", "revoke", NULL};
    const char *path = NULL;
    int first = 0;
    int action = kn_cli_action(argc, argv, "principal", s_principal_usage, actions, &path, &first);
    if (action < 0)
        return action == -1 ? KN_EXIT_OK : KN_EXIT_USAGE;
    int sub_argc = argc - first;
    char **sub_argv = argv + first;
    if ((action == 1 && sub_argc != 1) || (action == 2 && sub_argc != 2)) {
        fputs(s_principal_usage, stderr);
        return KN_EXIT_USAGE;
    }
    PGconn *conn = NULL;
    int rc = kn_cli_connect(path, "principal", &conn, NULL);
    if (rc != KN_EXIT_OK)
        return rc;
    rc = action == 0   ? s_add(conn, sub_argc, sub_argv)
         : action == 1 ? s_list(conn)
                       : s_revoke(conn, sub_argv[1]);
    PQfinish(conn);
    return rc;
}
