/* kouan callbacks — where outside parties call kouan back over HTTP.
 *
 * Today: EMS's track pushes for the certificates it carries (POST
 * /ems/push, the open platform's form with the JSON sealed under our sign
 * key), each applied in one transaction by notify/certificate.c: the
 * certificate moves on, its history grows, the agent is told.  Answers are
 * the platform's JSON: retCode 00000 when taken; B0001/B0002 when the push
 * cannot be read or names no certificate (EMS should not send it again);
 * HTTP 503 when the database is away (it should).  Until the HTTP API (which
 * will take this over) exists.
 *
 * One libmicrohttpd thread serves the requests one after the other, with the
 * one database connection only it uses; the main thread waits for SIGTERM.
 */
#include "certificate.h"
#include "cli.h"
#include "db.h"
#include "err.h"
#include "http.h"
#include "log.h"

#include <getopt.h>
#include <jansson.h>
#include <microhttpd.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_BODY_MAX (1024 * 1024)

typedef struct {
    const kn_config_t *cfg;
    PGconn *conn; /* used by the server thread only */
} s_server_t;

static enum MHD_Result s_answer(struct MHD_Connection *c, unsigned status, const char *ret_code,
                                const char *msg)
{
    json_t *o = json_pack("{s:s, s:s}", "retCode", ret_code, "retMsg", msg);
    char *text = o ? json_dumps(o, JSON_COMPACT) : NULL;
    json_decref(o);
    struct MHD_Response *r =
        text ? MHD_create_response_from_buffer(strlen(text), text, MHD_RESPMEM_MUST_FREE) : NULL;
    if (!r) {
        free(text);
        return MHD_NO;
    }
    MHD_add_response_header(r, "Content-Type", "application/json; charset=utf-8");
    enum MHD_Result ok = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ok;
}

/* Apply one push; the answer for EMS. */
static enum MHD_Result s_push(s_server_t *self, struct MHD_Connection *c,
                              const kn_http_body_t *body)
{
    char msg[512] = "";
    if (PQstatus(self->conn) != CONNECTION_OK)
        PQreset(self->conn);
    PGresult *r = PQexec(self->conn, "BEGIN");
    int rc = PQresultStatus(r) == PGRES_COMMAND_OK ? 0 : KN_EDB;
    PQclear(r);
    if (rc == 0)
        rc = kn_certificate_ems_push(self->conn, self->cfg, body->data ? body->data : "", body->len,
                                     msg, sizeof msg);
    else
        snprintf(msg, sizeof msg, "database: %s", PQerrorMessage(self->conn));
    r = PQexec(self->conn, rc == 0 ? "COMMIT" : "ROLLBACK");
    if (rc == 0 && PQresultStatus(r) != PGRES_COMMAND_OK) {
        rc = KN_EDB;
        snprintf(msg, sizeof msg, "database: %s", PQerrorMessage(self->conn));
    }
    PQclear(r);
    msg[strcspn(msg, "\n")] = '\0';
    kn_log(rc ? KN_LOG_WARNING : KN_LOG_INFO, "ems push %s: %s", rc ? "refused" : "taken", msg);
    if (rc == 0)
        return s_answer(c, MHD_HTTP_OK, "00000", msg);
    if (rc == KN_EPARSE)
        return s_answer(c, MHD_HTTP_OK, "B0001", msg);
    if (rc == KN_ENOTFOUND)
        return s_answer(c, MHD_HTTP_OK, "B0002", msg);
    return s_answer(c, MHD_HTTP_SERVICE_UNAVAILABLE, "S9999", msg); /* EMS sends it again */
}

static enum MHD_Result s_on_request(void *cls, struct MHD_Connection *c, const char *url,
                                    const char *method, const char *version, const char *data,
                                    size_t *size, void **state)
{
    (void)version;
    s_server_t *self = cls;
    bool post = !strcmp(method, MHD_HTTP_METHOD_POST);
    if (!strcmp(url, "/healthz") && !strcmp(method, MHD_HTTP_METHOD_GET))
        return s_answer(c, MHD_HTTP_OK, "00000", "ok");
    if (strcmp(url, "/ems/push") != 0)
        return s_answer(c, MHD_HTTP_NOT_FOUND, "S0404", "no such path");
    if (!post)
        return s_answer(c, MHD_HTTP_METHOD_NOT_ALLOWED, "S0405", "POST only");
    kn_http_body_t *body = NULL;
    int got = kn_http_body(state, data, size, S_BODY_MAX, &body);
    if (got)
        return got > 0 ? MHD_YES : MHD_NO;
    if (body->too_big)
        return s_answer(c, MHD_HTTP_CONTENT_TOO_LARGE, "S0413", "push over 1 MiB");
    return s_push(self, c, body);
}

static void s_on_completed(void *cls, struct MHD_Connection *c, void **state,
                           enum MHD_RequestTerminationCode why)
{
    (void)cls, (void)c, (void)why;
    kn_http_body_free(state);
}

int kn_cmd_callbacks(int argc, char **argv)
{
    static const char usage[] =
        "usage: kouan callbacks [-c FILE]\n"
        "  serves [callbacks] listen: POST /ems/push (EMS track pushes for the\n"
        "  certificates it carries), GET /healthz\n";
    const char *path = NULL;
    int first, got = kn_cli_args(argc, argv, usage, 0, &path, &first);
    if (got != 0)
        return got == -1 ? KN_EXIT_OK : KN_EXIT_USAGE;
    kn_config_t *cfg = NULL;
    s_server_t server = {0};
    int rc = kn_cli_connect(path, "callbacks", &server.conn, &cfg);
    if (rc != KN_EXIT_OK)
        return rc;
    server.cfg = cfg;
    kn_log_set_ident("callbacks");
    kn_log_set_level(kn_config_str(cfg, "broker", "log_level"));
    struct MHD_Daemon *daemon = NULL;
    char address[300], why[512];
    /* the stop signals go to sigwait() below, never to the server thread */
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);
    signal(SIGPIPE, SIG_IGN);
    rc = kn_http_start(kn_config_str(cfg, "callbacks", "listen"), 0, s_on_request, &server,
                       s_on_completed, &daemon, address, sizeof address, why, sizeof why);
    if (rc) {
        fprintf(stderr, "kouan callbacks: [callbacks] %s\n", why);
        rc = rc == KN_ECONFIG ? KN_EXIT_USAGE : KN_EXIT_FAILED;
        goto out;
    }
    printf("callbacks listening on %s\n", address);
    fflush(stdout);
    int sig = 0;
    sigwait(&stop, &sig);
    kn_log(KN_LOG_INFO, "stopping on %s", sig == SIGINT ? "SIGINT" : "SIGTERM");
    rc = KN_EXIT_OK;
out:
    if (daemon)
        MHD_stop_daemon(daemon);
    PQfinish(server.conn);
    kn_config_destroy(&cfg);
    return rc;
}
