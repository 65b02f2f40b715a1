/* kouan sim — the port-day simulator (issue 6, first parts).
 *
 *   kouan sim write SCENARIO DIR   the day SCENARIO describes, as the files the
 *                                  terminal, customs and tax would send, in
 *                                  time order (names sort as they are sent)
 *   kouan sim run [-c FILE] SCENARIO
 *                                  the same day through the real broker: each
 *                                  message sent by its party over its own
 *                                  CURVE connection, in time order, each
 *                                  waited for; the terminal's connection takes
 *                                  the diversion instructions as a terminal
 *                                  would, acknowledging each; then where every
 *                                  box was sent
 *
 * The KPI report against the traditional flow comes next.
 */
#include "cli.h"
#include "client.h"
#include "dedupe.h"
#include "err.h"
#include "generate.h"
#include "instruction.h"
#include "keys.h"
#include "scenario.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zmq.h>

static const char s_usage[] =
    "usage: kouan sim write SCENARIO DIR\n"
    "       kouan sim run [-c FILE] SCENARIO\n"
    "  write: the port day conf/scenarios/*.ini describes, as the parties' messages\n"
    "         (EDIFACT, customs CLM XML, TaxPayment XML) written to DIR in time order\n"
    "  run:   the same day sent through the broker ([client] broker and\n"
    "         server_public_key_file, [sim] *_key_file), the terminal taking its\n"
    "         instructions; prints where the boxes went\n";

static kn_scenario_t s_scenario; /* large: not on the stack */

static int s_day(const char *path, kn_sim_day_t **day)
{
    char why[1024];
    if (kn_scenario_load(path, &s_scenario, why, sizeof why) != 0) {
        fprintf(stderr, "kouan sim: %s\n", why);
        return KN_EXIT_USAGE;
    }
    if (kn_sim_generate(&s_scenario, day, why, sizeof why) != 0) {
        fprintf(stderr, "kouan sim: %s\n", why);
        return KN_EXIT_FAILED;
    }
    return KN_EXIT_OK;
}

static int s_write(const char *scenario, const char *dir)
{
    kn_sim_day_t *day = NULL;
    int rc = s_day(scenario, &day);
    if (rc != KN_EXIT_OK)
        return rc;
    char why[1024];
    if (kn_sim_write_dir(day, dir, why, sizeof why) != 0) {
        fprintf(stderr, "kouan sim: %s\n", why);
        kn_sim_day_destroy(&day);
        return KN_EXIT_FAILED;
    }
    size_t imports = 0, inspected = 0, declared = 0;
    for (size_t i = 0; i < day->nboxes; i++)
        if (day->boxes[i].direction == KN_SIM_IMPORT) {
            imports++;
            inspected += day->boxes[i].inspect != KN_SIM_INSPECT_NONE;
            declared += day->boxes[i].declared_before_arrival;
        }
    printf("%zu messages for %zu vessel calls, %zu boxes (%zu import: %zu declared before "
           "arrival, %zu to inspect; %zu export) written to %s\n",
           day->nmsgs, day->ncalls, day->nboxes, imports, declared, inspected,
           day->nboxes - imports, dir);
    kn_sim_day_destroy(&day);
    return KN_EXIT_OK;
}

/* ---- run ---- */

enum { S_TERMINAL, S_CUSTOMS, S_TAX, S_PARTIES };

typedef struct {
    kn_client_t *party[S_PARTIES];
    kn_arena_t *arena;   /* for one instruction at a time */
    kn_arena_t *index;   /* for boxes, which lives the whole run */
    kn_dedupe_t *boxes;  /* container number → index in day->boxes */
    char (*route)[24];   /* the route of the instruction in force, per box */
    size_t instructions; /* KN10051 received */
    size_t unreadable;   /* instructions that did not read */
} s_run_t;

/* The party's connection: [client] broker and server key, [sim] key file. */
static kn_client_t *s_connect(const kn_config_t *cfg, const char *key_option)
{
    char secret[41], server[41], why[512];
    uint8_t server_key[32];
    kn_client_t *c = NULL;
    if (kn_keys_read_public(kn_config_str(cfg, "client", "server_public_key_file"), server_key,
                            server, why, sizeof why) == 0 &&
        kn_keys_read_secret(kn_config_str(cfg, "sim", key_option), secret, NULL, why, sizeof why) ==
            0)
        c = kn_client_new(kn_config_str(cfg, "client", "broker"), server, secret, why, sizeof why);
    memset(secret, 0, sizeof secret);
    if (!c)
        fprintf(stderr, "kouan sim: [sim] %s: %s\n", key_option, why);
    return c;
}

/* An instruction for the terminal: note the box's route, acknowledge it. */
static void s_instruction(s_run_t *r, const kn_reply_t *reply)
{
    kn_instruction_t ins;
    kn_error_t err;
    r->instructions++;
    if (kn_instruction_read(reply->payload, reply->payload_len, r->arena, &ins, &err) == 0) {
        int64_t b =
            kn_dedupe_find(r->boxes, "", ins.equipment_reference, strlen(ins.equipment_reference));
        if (b >= 0)
            snprintf(r->route[b], sizeof r->route[b], "%s",
                     ins.function == KN_FUNC_WITHDRAW ? "" : ins.route);
    } else {
        r->unreadable++;
        fprintf(stderr, "kouan sim: instruction %s does not read: %s\n", reply->id, err.message);
    }
    kn_client_outack(r->party[S_TERMINAL], reply->id);
}

/* Wait up to limit_ms for the answer to message id from party p (p < 0:
 * for nothing), taking instructions meanwhile.  0 accepted, 1 refused
 * (reason printed), -1 no answer. */
static int s_await(s_run_t *r, int p, const char *id, int limit_ms)
{
    for (int waited = 0; waited < limit_ms;) {
        zmq_pollitem_t items[S_PARTIES];
        for (int i = 0; i < S_PARTIES; i++)
            items[i] = (zmq_pollitem_t){kn_client_socket(r->party[i]), 0, ZMQ_POLLIN, 0};
        int n = zmq_poll(items, S_PARTIES, 100);
        if (n <= 0) {
            waited += 100;
            continue;
        }
        for (int i = 0; i < S_PARTIES; i++) {
            if (!(items[i].revents & ZMQ_POLLIN))
                continue;
            kn_reply_t reply;
            char why[512];
            if (kn_client_recv(r->party[i], &reply, 0, why, sizeof why) != 0)
                continue;
            if (reply.cmd == KN_WIRE_OUT && i == S_TERMINAL) {
                s_instruction(r, &reply);
                continue;
            }
            if (i != p || strcmp(reply.id, id) != 0)
                continue; /* an answer to an earlier try */
            if (reply.cmd == KN_WIRE_NACK) {
                fprintf(stderr, "kouan sim: %s refused: %s %s\n", id, reply.code, reply.text);
                return 1;
            }
            return 0;
        }
    }
    if (p >= 0)
        fprintf(stderr, "kouan sim: no answer for %s within %d s\n", id, limit_ms / 1000);
    return -1;
}

static int s_run(const char *path, const char *scenario)
{
    kn_config_t *cfg = kn_config_new();
    kn_sim_day_t *day = NULL;
    s_run_t r = {0};
    char why[1024];
    int rc = KN_EXIT_USAGE;
    if (!cfg || kn_config_load(cfg, kn_cli_config_path(path), why, sizeof why) != 0) {
        fprintf(stderr, "kouan sim: %s\n", cfg ? why : "out of memory");
        goto out;
    }
    if ((rc = s_day(scenario, &day)) != KN_EXIT_OK)
        goto out;
    rc = KN_EXIT_FAILED;
    static const char *const keys[S_PARTIES] = {"terminal_key_file", "customs_key_file",
                                                "tax_key_file"};
    for (int i = 0; i < S_PARTIES; i++)
        if (!(r.party[i] = s_connect(cfg, keys[i])))
            goto out;
    r.arena = kn_arena_new(64 * 1024);
    r.index = kn_arena_new(64 * 1024);
    r.boxes = r.arena && r.index ? kn_dedupe_new(r.index, day->nboxes + 1) : NULL;
    r.route = calloc(day->nboxes + 1, sizeof *r.route);
    if (!r.boxes || !r.route) {
        fprintf(stderr, "kouan sim: out of memory\n");
        goto out;
    }
    for (size_t b = 0; b < day->nboxes; b++)
        kn_dedupe_add(r.boxes, "", day->boxes[b].number, strlen(day->boxes[b].number), (int64_t)b);
    /* the terminal takes its instructions on its connection */
    int ready = -1;
    for (int i = 0; i < 500 && ready != 0; i++) {
        ready = kn_client_ready(r.party[S_TERMINAL]);
        if (ready != 0)
            nanosleep(&(struct timespec){0, 10 * 1000 * 1000}, NULL);
    }
    if (ready != 0) {
        fprintf(stderr, "kouan sim: no connection to the broker\n");
        goto out;
    }
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    size_t accepted = 0, refused = 0;
    for (size_t i = 0; i < day->nmsgs; i++) {
        const kn_sim_msg_t *m = &day->msgs[i];
        int p = m->role == KN_ROLE_TERMINAL  ? S_TERMINAL
                : m->role == KN_ROLE_CUSTOMS ? S_CUSTOMS
                                             : S_TAX;
        char id[KN_WIRE_MAX_ID + 1];
        snprintf(id, sizeof id, "sim-%llu-%.*s", (unsigned long long)s_scenario.seed,
                 (int)strcspn(m->name, "."), m->name);
        if (kn_client_send(r.party[p], id, m->content_type, m->payload, m->len) != 0) {
            fprintf(stderr, "kouan sim: cannot send %s\n", id);
            goto out;
        }
        int got = s_await(&r, p, id, 30000);
        if (got < 0)
            goto out;
        accepted += got == 0;
        refused += got == 1;
        kn_arena_reset(r.arena);
    }
    /* the last instructions follow the last commits: take them until a
     * second passes without one */
    size_t before;
    do {
        before = r.instructions;
        s_await(&r, -1, "", 1000);
    } while (r.instructions != before);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    printf("%zu messages sent in %.1f s: %zu accepted, %zu refused; %zu instructions taken%s\n",
           day->nmsgs, secs, accepted, refused, r.instructions,
           r.unreadable ? " (some unreadable)" : "");
    static const char *const routes[] = {
        "DIRECT_PICKUP", "INSPECTION_AREA", "SCAN_LANE", "QUARANTINE", "YARD", "LOADING_STACK"};
    for (int dir = 0; dir < 2; dir++) {
        size_t count[7] = {0}, total = 0;
        for (size_t b = 0; b < day->nboxes; b++) {
            if ((int)day->boxes[b].direction != dir)
                continue;
            total++;
            size_t k = 0;
            while (k < 6 && strcmp(r.route[b], routes[k]))
                k++;
            count[k]++;
        }
        printf("%s boxes %zu:", dir == KN_SIM_IMPORT ? "import" : "export", total);
        for (size_t k = 0; k < 6; k++)
            if (count[k])
                printf(" %s %zu", routes[k], count[k]);
        if (count[6])
            printf(" no instruction %zu", count[6]);
        printf("\n");
    }
    rc = refused || r.unreadable ? KN_EXIT_REFUSED : KN_EXIT_OK;
out:
    for (int i = 0; i < S_PARTIES; i++)
        kn_client_destroy(&r.party[i]);
    kn_arena_destroy(&r.arena);
    kn_arena_destroy(&r.index);
    free(r.route);
    kn_sim_day_destroy(&day);
    kn_config_destroy(&cfg);
    return rc;
}

int kn_cmd_sim(int argc, char **argv)
{
    if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        fputs(s_usage, stdout);
        return KN_EXIT_OK;
    }
    if (argc == 4 && !strcmp(argv[1], "write"))
        return s_write(argv[2], argv[3]);
    if (argc >= 2 && !strcmp(argv[1], "run")) {
        static const struct option opts[] = {{"config", required_argument, NULL, 'c'},
                                             {NULL, 0, NULL, 0}};
        const char *path = NULL;
        int c;
        optind = 0;
        while ((c = getopt_long(argc - 1, argv + 1, "c:", opts, NULL)) != -1) {
            if (c != 'c') {
                fputs(s_usage, stderr);
                return KN_EXIT_USAGE;
            }
            path = optarg;
        }
        if (optind == argc - 2)
            return s_run(path, argv[1 + optind]);
    }
    fputs(s_usage, stderr);
    return KN_EXIT_USAGE;
}
