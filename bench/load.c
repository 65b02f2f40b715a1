/* kn_bench_load — ingest load generator.
 *
 * N parties, each its own CURVE DEALER connection with its own key, keep W
 * messages in flight in total (W/N each) and send COARRI discharge reports of
 * about 300 bytes (one container each, valid check digit, unique id) until
 * M messages are acknowledged or the time limit passes.  Prints one line:
 *   msgs=<acked> secs=<elapsed> rate=<msg/s> p50_ms=<> p99_ms=<> nacked=<>
 * usage: kn_bench_load ENDPOINT BROKER.pub KEYDIR PARTIES INFLIGHT MESSAGES SECONDS [FIRST]
 * where KEYDIR holds p0.key .. p<N-1>.key.  Messages are numbered from FIRST
 * (default 0): the number makes the message id, the box and the references,
 * so two loads against one broker send the same messages — resends, which
 * the broker answers from what it stored — unless their numbers differ.
 */
#include "client.h"
#include "event.h"
#include "keys.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zmq.h>

#define S_MAX_PARTIES 64

static int64_t s_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Send, waiting (up to 10 s) for the connection when there is none yet. */
static void s_send(kn_client_t *c, const char *id, const char *msg, size_t len)
{
    for (int i = 0; i < 100; i++) {
        if (kn_client_send(c, id, "application/edifact", msg, len) == 0)
            return;
        zmq_pollitem_t item = {kn_client_socket(c), 0, ZMQ_POLLOUT, 0};
        zmq_poll(&item, 1, 100);
    }
    fprintf(stderr, "kn_bench_load: cannot send %s\n", id);
}

static int s_cmp(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

/* A one-container COARRI discharge report of about 300 bytes. */
static size_t s_message(char *buf, size_t size, int party, uint64_t seq)
{
    char box[12];
    snprintf(box, sizeof box, "BNCH%06u", (unsigned)(seq % 1000000));
    box[10] = (char)('0' + kn_iso6346_check_digit(box));
    box[11] = '\0';
    return (size_t)snprintf(buf, size,
                            "UNA:+.? 'UNB+UNOA:2+P%d+KOUAN+261122:0815+%llu'"
                            "UNH+1+COARRI:D:95B:UN:ITG13'BGM+44+B%llu+9'"
                            "TDT+20+118E+1++COS:172:20+++9812345:146::COSCO XIAMEN'"
                            "LOC+11+CNXMN:139:6+XHCT:TER:ZZZ'EQD+CN+%s+45G1:102:5++3+5'"
                            "RFF+BM:COSU88%08llu'DTM+203:202611220812:203'LOC+147+0120282::5'"
                            "MEA+AAE+G+KGM:22150'CNT+16:1'UNT+11+1'UNZ+1+%llu'",
                            party, (unsigned long long)seq, (unsigned long long)seq, box,
                            (unsigned long long)(seq % 100000000), (unsigned long long)seq);
}

int main(int argc, char **argv)
{
    if (argc != 8 && argc != 9) {
        fprintf(stderr, "usage: kn_bench_load ENDPOINT BROKER.pub KEYDIR PARTIES INFLIGHT "
                        "MESSAGES SECONDS [FIRST]\n");
        return 2;
    }
    long first = argc == 9 ? atol(argv[8]) : 0;
    const char *endpoint = argv[1];
    int parties = atoi(argv[4]), inflight = atoi(argv[5]);
    long total = atol(argv[6]);
    double seconds = atof(argv[7]);
    if (parties < 1 || parties > S_MAX_PARTIES || inflight < parties || total < 1 || seconds <= 0 ||
        first < 0) {
        fprintf(stderr, "kn_bench_load: bad numbers\n");
        return 2;
    }
    char why[512], server[41];
    uint8_t key[32];
    if (kn_keys_read_public(argv[2], key, server, why, sizeof why)) {
        fprintf(stderr, "kn_bench_load: %s\n", why);
        return 2;
    }
    kn_client_t *clients[S_MAX_PARTIES];
    zmq_pollitem_t items[S_MAX_PARTIES];
    int window[S_MAX_PARTIES];
    for (int p = 0; p < parties; p++) {
        char path[600], secret[41];
        snprintf(path, sizeof path, "%s/p%d.key", argv[3], p);
        if (kn_keys_read_secret(path, secret, NULL, why, sizeof why) ||
            !(clients[p] = kn_client_new(endpoint, server, secret, why, sizeof why))) {
            fprintf(stderr, "kn_bench_load: %s\n", why);
            return 2;
        }
        items[p] = (zmq_pollitem_t){kn_client_socket(clients[p]), 0, ZMQ_POLLIN, 0};
        window[p] = inflight / parties + (p < inflight % parties);
    }

    /* send time per message: id = "<party>-<FIRST + seq>", seq indexes sent_at */
    int64_t *sent_at = calloc((size_t)total, sizeof *sent_at);
    int64_t *latency = calloc((size_t)total, sizeof *latency);
    if (!sent_at || !latency)
        return 2;
    long sent = 0, acked = 0, nacked = 0;
    int64_t start = s_now_ns(), deadline = start + (int64_t)(seconds * 1e9);
    char msg[512], id[32];
    for (int p = 0; p < parties; p++)
        for (int k = 0; k < window[p] && sent < total; k++, sent++) {
            size_t len = s_message(msg, sizeof msg, p, (uint64_t)(first + sent));
            snprintf(id, sizeof id, "%d-%ld", p, first + sent);
            sent_at[sent] = s_now_ns();
            s_send(clients[p], id, msg, len);
        }
    while (acked + nacked < sent && s_now_ns() < deadline) {
        if (zmq_poll(items, parties, 100) < 0)
            break;
        for (int p = 0; p < parties; p++) {
            if (!(items[p].revents & ZMQ_POLLIN))
                continue;
            kn_reply_t r;
            while (kn_client_recv(clients[p], &r, 0, why, sizeof why) == 0) {
                const char *dash = strchr(r.id, '-');
                long seq = dash ? atol(dash + 1) - first : -1;
                if (seq < 0 || seq >= sent)
                    continue;
                int64_t now = s_now_ns();
                if (r.cmd == KN_WIRE_ACK)
                    latency[acked++] = now - sent_at[seq];
                else
                    nacked++;
                if (sent < total) {
                    size_t len = s_message(msg, sizeof msg, p, (uint64_t)(first + sent));
                    snprintf(id, sizeof id, "%d-%ld", p, first + sent);
                    sent_at[sent] = now;
                    s_send(clients[p], id, msg, len);
                    sent++;
                }
            }
        }
    }
    double secs = (double)(s_now_ns() - start) / 1e9;
    qsort(latency, (size_t)acked, sizeof *latency, s_cmp);
    double p50 = acked ? (double)latency[acked / 2] / 1e6 : 0;
    double p99 = acked ? (double)latency[(long)((double)acked * 0.99)] / 1e6 : 0;
    printf("msgs=%ld secs=%.3f rate=%.0f p50_ms=%.3f p99_ms=%.3f nacked=%ld\n", acked, secs,
           (double)acked / secs, p50, p99, nacked);
    for (int p = 0; p < parties; p++)
        kn_client_destroy(&clients[p]);
    free(sent_at);
    free(latency);
    if (nacked)
        fprintf(stderr, "kn_bench_load: %ld messages refused: the load is not what it should be\n",
                nacked);
    return acked == total ? 0 : 1;
}
