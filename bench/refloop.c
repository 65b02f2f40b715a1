/* kn_bench_refloop — the reference the broker is measured against.
 *
 * The least a durable ZeroMQ → PostgreSQL ingest can do: a CURVE ROUTER, drain
 * what is ready, one multi-row INSERT per batch (autocommit), then ACK each
 * message.  No ZAP, no wire checks, no adapter, no dedupe key.
 * usage: kn_bench_refloop ENDPOINT BROKER.key CONNINFO BATCH_MAX
 * Runs until SIGTERM or SIGINT.
 */
#include "keys.h"

#include <libpq-fe.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zmq.h>

#define S_MAX 8000

static volatile sig_atomic_t s_stop;

static void s_on_signal(int sig)
{
    (void)sig;
    s_stop = 1;
}

typedef struct {
    zmq_msg_t routing, id, payload;
} s_msg_t;

int main(int argc, char **argv)
{
    if (argc != 5) {
        fprintf(stderr, "usage: kn_bench_refloop ENDPOINT BROKER.key CONNINFO BATCH_MAX\n");
        return 2;
    }
    int batch_max = atoi(argv[4]);
    if (batch_max < 1 || batch_max > S_MAX)
        batch_max = S_MAX;
    char secret[41], why[512];
    if (kn_keys_read_secret(argv[2], secret, NULL, why, sizeof why)) {
        fprintf(stderr, "refloop: %s\n", why);
        return 2;
    }
    PGconn *conn = PQconnectdb(argv[3]);
    if (PQstatus(conn) != CONNECTION_OK) {
        fprintf(stderr, "refloop: %s", PQerrorMessage(conn));
        return 2;
    }
    PQclear(PQexec(conn, "DROP TABLE IF EXISTS ref_inbound"));
    PQclear(PQexec(conn, "CREATE TABLE ref_inbound (id bigserial PRIMARY KEY, msg_id text "
                         "NOT NULL, payload bytea NOT NULL, received_at timestamptz NOT NULL "
                         "DEFAULT now())"));
    void *ctx = zmq_ctx_new(), *router = zmq_socket(ctx, ZMQ_ROUTER);
    int one = 1, hwm = 100000;
    zmq_setsockopt(router, ZMQ_CURVE_SERVER, &one, sizeof one);
    zmq_setsockopt(router, ZMQ_CURVE_SECRETKEY, secret, 40);
    zmq_setsockopt(router, ZMQ_RCVHWM, &hwm, sizeof hwm);
    zmq_setsockopt(router, ZMQ_SNDHWM, &hwm, sizeof hwm);
    if (zmq_bind(router, argv[1]) != 0) {
        fprintf(stderr, "refloop: bind %s: %s\n", argv[1], zmq_strerror(zmq_errno()));
        return 2;
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = s_on_signal;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    fprintf(stderr, "refloop: ready\n");

    s_msg_t *msgs = calloc(S_MAX, sizeof *msgs);
    const char **values = calloc(S_MAX * 2, sizeof *values);
    int *lengths = calloc(S_MAX * 2, sizeof *lengths),
        *formats = calloc(S_MAX * 2, sizeof *formats);
    char *sql = malloc((size_t)S_MAX * 24 + 128);
    char(*ids)[136] = calloc(S_MAX, sizeof *ids);
    while (!s_stop) {
        zmq_pollitem_t item = {router, 0, ZMQ_POLLIN, 0};
        if (zmq_poll(&item, 1, 500) <= 0)
            continue;
        int n = 0;
        while (n < batch_max) {
            /* frames: routing, KN1, MSG, id, content type, payload */
            zmq_msg_t f[6];
            int k = 0, more = 1;
            zmq_msg_init(&f[0]);
            if (zmq_msg_recv(&f[0], router, ZMQ_DONTWAIT) < 0) {
                zmq_msg_close(&f[0]);
                break;
            }
            more = zmq_msg_more(&f[0]);
            for (k = 1; more && k < 6; k++) {
                zmq_msg_init(&f[k]);
                zmq_msg_recv(&f[k], router, 0);
                more = zmq_msg_more(&f[k]);
            }
            if (k != 6) {
                for (int i = 0; i < k; i++)
                    zmq_msg_close(&f[i]);
                continue;
            }
            msgs[n].routing = f[0];
            msgs[n].id = f[3];
            msgs[n].payload = f[5];
            zmq_msg_close(&f[1]);
            zmq_msg_close(&f[2]);
            zmq_msg_close(&f[4]);
            n++;
        }
        if (n == 0)
            continue;
        size_t used = (size_t)sprintf(sql, "INSERT INTO ref_inbound (msg_id, payload) VALUES ");
        for (int i = 0; i < n; i++) {
            size_t idlen = zmq_msg_size(&msgs[i].id);
            if (idlen > 128)
                idlen = 128;
            memcpy(ids[i], zmq_msg_data(&msgs[i].id), idlen);
            ids[i][idlen] = '\0';
            values[2 * i] = ids[i];
            values[2 * i + 1] = zmq_msg_data(&msgs[i].payload);
            lengths[2 * i + 1] = (int)zmq_msg_size(&msgs[i].payload);
            formats[2 * i + 1] = 1;
            used += (size_t)sprintf(sql + used, "%s($%d,$%d)", i ? "," : "", 2 * i + 1, 2 * i + 2);
        }
        PGresult *res = PQexecParams(conn, sql, 2 * n, NULL, values, lengths, formats, 0);
        int ok = PQresultStatus(res) == PGRES_COMMAND_OK;
        if (!ok)
            fprintf(stderr, "refloop: %s", PQerrorMessage(conn));
        PQclear(res);
        for (int i = 0; i < n; i++) {
            if (ok) {
                zmq_send(router, zmq_msg_data(&msgs[i].routing), zmq_msg_size(&msgs[i].routing),
                         ZMQ_SNDMORE);
                zmq_send(router, "KN1", 3, ZMQ_SNDMORE);
                zmq_send(router, "ACK", 3, ZMQ_SNDMORE);
                zmq_send(router, zmq_msg_data(&msgs[i].id), zmq_msg_size(&msgs[i].id), ZMQ_SNDMORE);
                zmq_send(router, "0", 1, 0);
            }
            zmq_msg_close(&msgs[i].routing);
            zmq_msg_close(&msgs[i].id);
            zmq_msg_close(&msgs[i].payload);
        }
    }
    zmq_close(router);
    zmq_ctx_term(ctx);
    PQfinish(conn);
    free(msgs);
    free(values);
    free(lengths);
    free(formats);
    free(sql);
    free(ids);
    return 0;
}
