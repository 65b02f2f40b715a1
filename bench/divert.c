/* kn_bench_divert — from a discharge report entering the broker to the
 * diversion instruction reaching the terminal.
 *
 * One terminal party, one message in flight: a COARRI discharge report of a
 * box kouan has not seen (facility = the party's name, so the instruction
 * comes back to it), then wait for the ACK and for the KN10051 instruction for
 * that box (READY on the same connection), acknowledging it.  Prints the ACK
 * latency and the instruction latency (p50, p99) side by side in one line:
 *   msgs=N ack_p50_ms= ack_p99_ms= ins_p50_ms= ins_p99_ms=
 * usage: kn_bench_divert ENDPOINT BROKER.pub PARTY.key FACILITY MESSAGES SECONDS
 */
#include "client.h"
#include "clock.h"
#include "event.h"
#include "keys.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int64_t s_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int s_cmp(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    if (argc != 7) {
        fprintf(stderr, "usage: kn_bench_divert ENDPOINT BROKER.pub PARTY.key FACILITY MESSAGES "
                        "SECONDS\n");
        return 2;
    }
    long total = atol(argv[5]);
    double seconds = atof(argv[6]);
    char why[512], server[41], secret[41];
    uint8_t key[32];
    if (total < 1 || kn_keys_read_public(argv[2], key, server, why, sizeof why) ||
        kn_keys_read_secret(argv[3], secret, NULL, why, sizeof why)) {
        fprintf(stderr, "kn_bench_divert: %s\n", total < 1 ? "bad numbers" : why);
        return 2;
    }
    kn_client_t *c = kn_client_new(argv[1], server, secret, why, sizeof why);
    if (!c) {
        fprintf(stderr, "kn_bench_divert: %s\n", why);
        return 2;
    }
    int64_t *ack = calloc((size_t)total, sizeof *ack), *ins = calloc((size_t)total, sizeof *ins);
    if (!ack || !ins)
        return 2;
    int64_t deadline = s_now_us() + (int64_t)(seconds * 1e6);
    while (kn_client_ready(c) != 0 && s_now_us() < deadline)
        kn_client_recv(c, &(kn_reply_t){0}, 50, why, sizeof why);
    long done = 0;
    unsigned seed = (unsigned)time(NULL);
    for (; done < total && s_now_us() < deadline; done++) {
        char box[12], msg[600], id[32];
        snprintf(box, sizeof box, "DVRT%06u", (seed + (unsigned)done) % 1000000);
        box[10] = (char)('0' + kn_iso6346_check_digit(box));
        box[11] = '\0';
        size_t len = (size_t)snprintf(
            msg, sizeof msg,
            "UNB+UNOA:2+%s+KOUAN+261122:0815+B%ld'UNH+1+COARRI:D:95B:UN:ITG13'BGM+44+D%ld+9'"
            "TDT+20+118E+1++COS:172:20+++9812345:146::COSCO XIAMEN'"
            "LOC+11+CNXMN:139:6+%s:TER:ZZZ'EQD+CN+%s+45G1:102:5++3+5'RFF+BM:COSU88%08ld'"
            "DTM+203:202611220812:203'CNT+16:1'UNT+9+1'UNZ+1+B%ld'",
            argv[4], done, done, argv[4], box, done % 100000000, done);
        snprintf(id, sizeof id, "dv-%u-%ld", seed, done);
        int64_t start = s_now_us();
        while (kn_client_send(c, id, "application/edifact", msg, len) != 0 && s_now_us() < deadline)
            kn_client_recv(c, &(kn_reply_t){0}, 10, why, sizeof why);
        bool acked = false, instructed = false;
        while ((!acked || !instructed) && s_now_us() < deadline) {
            kn_reply_t r;
            if (kn_client_recv(c, &r, 100, why, sizeof why) != 0)
                continue;
            if ((r.cmd == KN_WIRE_ACK || r.cmd == KN_WIRE_NACK) && !strcmp(r.id, id)) {
                if (r.cmd == KN_WIRE_NACK) {
                    fprintf(stderr, "kn_bench_divert: refused: %s %s\n", r.code, r.text);
                    return 1;
                }
                ack[done] = s_now_us() - start;
                acked = true;
            } else if (r.cmd == KN_WIRE_OUT) {
                kn_client_outack(c, r.id);
                if (strstr(r.id, box)) {
                    ins[done] = s_now_us() - start;
                    instructed = true;
                }
            }
        }
        if (!acked || !instructed)
            break;
    }
    qsort(ack, (size_t)done, sizeof *ack, s_cmp);
    qsort(ins, (size_t)done, sizeof *ins, s_cmp);
    if (done == 0) {
        fprintf(stderr, "kn_bench_divert: no instruction came back\n");
        return 1;
    }
    printf("msgs=%ld ack_p50_ms=%.3f ack_p99_ms=%.3f ins_p50_ms=%.3f ins_p99_ms=%.3f\n", done,
           (double)ack[done / 2] / 1000, (double)ack[(long)((double)done * 0.99)] / 1000,
           (double)ins[done / 2] / 1000, (double)ins[(long)((double)done * 0.99)] / 1000);
    kn_client_destroy(&c);
    free(ack);
    free(ins);
    return done == total ? 0 : 1;
}
