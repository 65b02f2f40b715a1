/* kouan sim — the port-day simulator.
 *
 *   kouan sim write SCENARIO DIR   the day SCENARIO describes, as the files the
 *                                  terminal, customs and tax would send with
 *                                  the terminal working the traditional way,
 *                                  in time order (names sort as they are sent)
 *   kouan sim run [-c FILE] [-o DIR] SCENARIO
 *                                  the same day through the real broker, in
 *                                  simulated time: each message sent by its
 *                                  party over its own CURVE connection and
 *                                  waited for; the terminal (sim/flow.h) takes
 *                                  kouan's instructions, acknowledging each,
 *                                  and works the boxes as they say, sending
 *                                  its gate-outs, customs its releases after
 *                                  inspections; then the same traffic in the
 *                                  traditional flow, and the KPIs of both: a
 *                                  table here, DIR/kpi.json and
 *                                  DIR/report.html (DIR: kouan-report)
 */
#include "cli.h"
#include "client.h"
#include "dedupe.h"
#include "err.h"
#include "generate.h"
#include "instruction.h"
#include "feel.h"
#include "flow.h"
#include "keys.h"
#include "report.h"
#include "scenario.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

static const char s_usage[] =
    "usage: kouan sim write SCENARIO DIR\n"
    "       kouan sim run [-c FILE] [-o DIR] SCENARIO\n"
    "  write: the port day conf/scenarios/*.ini describes, as the parties' messages\n"
    "         (EDIFACT, customs CLM XML, TaxPayment XML) written to DIR in time order,\n"
    "         the terminal working the traditional way (no instructions)\n"
    "  run:   the same day through the broker ([client] broker and\n"
    "         server_public_key_file, [sim] *_key_file) in simulated time, the\n"
    "         terminal working the boxes as kouan's instructions say; then the\n"
    "         traditional flow on the same traffic; prints the KPIs of both and\n"
    "         writes DIR/kpi.json and DIR/report.html (DIR: kouan-report)\n";

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

/* The flow's messages, written as they come (in time order). */
typedef struct {
    const kn_sim_day_t *day;
    kn_sim_msg_t *msgs;
    size_t n, cap;
} s_late_t;

/* Write the message a flow sends (gate-out or release) into *m. */
static int s_flow_msg(const kn_sim_day_t *day, const kn_flow_emit_t *e, kn_sim_msg_t *m)
{
    char why[512];
    int rc = e->kind == KN_FLOW_EMIT_GATE_OUT
                 ? kn_sim_gate_out(day, e->index, e->at_ms, m, why, sizeof why)
                 : kn_sim_release(day, e->index, e->at_ms, m, why, sizeof why);
    if (rc)
        fprintf(stderr, "kouan sim: %s\n", why);
    return rc;
}

static int s_collect(void *ctx, const kn_flow_emit_t *e)
{
    s_late_t *late = ctx;
    if (late->n == late->cap) {
        size_t cap = late->cap ? 2 * late->cap : 256;
        kn_sim_msg_t *m = realloc(late->msgs, cap * sizeof *m);
        if (!m)
            return KN_ENOMEM;
        late->msgs = m;
        late->cap = cap;
    }
    int rc = s_flow_msg(late->day, e, &late->msgs[late->n]);
    if (rc == 0)
        late->n++;
    return rc;
}

static int s_write(const char *scenario, const char *dir)
{
    kn_sim_day_t *day = NULL;
    kn_flow_t *flow = NULL;
    s_late_t late = {0};
    const kn_sim_msg_t **all = NULL;
    int rc = s_day(scenario, &day);
    if (rc != KN_EXIT_OK)
        return rc;
    rc = KN_EXIT_FAILED;
    late.day = day;
    /* the terminal without instructions: the traditional flow sends the
     * gate-outs, customs the releases after inspections */
    if (!(flow = kn_flow_new(&s_scenario, day, KN_FLOW_TRADITIONAL)) ||
        kn_flow_run_until(flow, INT64_MAX, s_collect, &late) != 0 ||
        !(all = calloc(day->nmsgs + late.n + 1, sizeof *all))) {
        fprintf(stderr, "kouan sim: out of memory\n");
        goto out;
    }
    size_t n = 0;
    for (size_t i = 0, j = 0; i < day->nmsgs || j < late.n;)
        all[n++] = j == late.n || (i < day->nmsgs && day->msgs[i].at_ms <= late.msgs[j].at_ms)
                       ? &day->msgs[i++]
                       : &late.msgs[j++];
    char why[1024];
    if (kn_sim_write_dir(all, n, dir, why, sizeof why) != 0) {
        fprintf(stderr, "kouan sim: %s\n", why);
        goto out;
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
           n, day->ncalls, day->nboxes, imports, declared, inspected, day->nboxes - imports, dir);
    rc = KN_EXIT_OK;
out:
    for (size_t i = 0; i < late.n; i++)
        kn_sim_msg_free(&late.msgs[i]);
    free(late.msgs);
    free(all);
    kn_flow_destroy(&flow);
    kn_sim_day_destroy(&day);
    return rc;
}

/* ---- run ---- */

enum { S_TERMINAL, S_CUSTOMS, S_TAX, S_PARTIES };

typedef struct {
    kn_client_t *party[S_PARTIES];
    kn_arena_t *arena;  /* for one instruction at a time */
    kn_arena_t *index;  /* for boxes, which lives the whole run */
    kn_dedupe_t *boxes; /* container number → index in day->boxes */
    kn_dedupe_t *seen;  /* instruction ids taken: a redelivery is acknowledged again only */
    size_t nseen, seen_cap;
    kn_flow_t *flow;     /* the terminal working on kouan's instructions */
    int64_t now;         /* simulated time: of the message last sent */
    size_t instructions; /* KN10051 received */
    size_t unreadable;   /* instructions that did not read */
    size_t sent, accepted, refused;
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

/* An instruction for the terminal: the terminal has it now (simulated time);
 * acknowledge it. */
static int s_instruction(s_run_t *r, const kn_reply_t *reply)
{
    kn_instruction_t ins;
    kn_error_t err;
    size_t idlen = strlen(reply->id);
    if (kn_dedupe_find(r->seen, "", reply->id, idlen) >= 0) {
        kn_client_outack(r->party[S_TERMINAL], reply->id); /* our first OUTACK was lost */
        return 0;
    }
    if (r->nseen < r->seen_cap) {
        const char *id = kn_arena_strdup(r->index, reply->id);
        if (!id)
            return KN_ENOMEM;
        kn_dedupe_add(r->seen, "", id, idlen, 1);
        r->nseen++;
    }
    r->instructions++;
    int rc = 0;
    if (kn_instruction_read(reply->payload, reply->payload_len, r->arena, &ins, &err) == 0) {
        int64_t b =
            kn_dedupe_find(r->boxes, "", ins.equipment_reference, strlen(ins.equipment_reference));
        kn_feel_value_t slot = {0};
        if (ins.slot_start &&
            kn_feel_datetime_parse(ins.slot_start, strlen(ins.slot_start), &slot) != 0)
            fprintf(stderr, "kouan sim: instruction %s: slot %s does not read\n", reply->id,
                    ins.slot_start);
        if (b >= 0)
            rc = kn_flow_instruct(r->flow, (size_t)b,
                                  ins.function == KN_FUNC_WITHDRAW ? NULL : ins.route, ins.reason,
                                  slot.type == KN_FEEL_DATETIME ? slot.as.t : 0, r->now);
    } else {
        r->unreadable++;
        fprintf(stderr, "kouan sim: instruction %s does not read: %s\n", reply->id, err.message);
    }
    kn_client_outack(r->party[S_TERMINAL], reply->id);
    return rc;
}

/* Wait up to limit_ms for the answer to message id from party p (p < 0:
 * for nothing), taking instructions meanwhile.  0 accepted, 1 refused
 * (reason printed), -1 no answer. */
static int s_await(s_run_t *r, int p, const char *id, int limit_ms)
{
    int step = limit_ms < 100 ? limit_ms : 100;
    for (int waited = 0; waited < limit_ms;) {
        zmq_pollitem_t items[S_PARTIES];
        for (int i = 0; i < S_PARTIES; i++)
            items[i] = (zmq_pollitem_t){kn_client_socket(r->party[i]), 0, ZMQ_POLLIN, 0};
        int n = zmq_poll(items, S_PARTIES, step);
        if (n <= 0) {
            waited += step;
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
                if (s_instruction(r, &reply) != 0) {
                    fprintf(stderr, "kouan sim: out of memory\n");
                    return -1;
                }
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

/* Send m as its party, wait for the answer and for the instructions it
 * brings: the broker sends them before the answer, on the terminal's own
 * connection, so a short wait after the answer catches them.  0 or -1 (no
 * answer: the run stops). */
static int s_send(s_run_t *r, const kn_sim_msg_t *m)
{
    int p = m->role == KN_ROLE_TERMINAL  ? S_TERMINAL
            : m->role == KN_ROLE_CUSTOMS ? S_CUSTOMS
                                         : S_TAX;
    char id[KN_WIRE_MAX_ID + 1];
    snprintf(id, sizeof id, "sim-%llu-%.*s", (unsigned long long)s_scenario.seed,
             (int)strcspn(m->name, "."), m->name);
    r->now = m->at_ms;
    /* a connection still in its handshake takes nothing yet (ZMQ_IMMEDIATE):
     * try again for a while */
    int tries = 0;
    while (kn_client_send(r->party[p], id, m->content_type, m->payload, m->len) != 0) {
        if (++tries == 1000) {
            fprintf(stderr, "kouan sim: cannot send %s: no connection to the broker\n", id);
            return -1;
        }
        nanosleep(&(struct timespec){0, 10 * 1000 * 1000}, NULL);
    }
    int got = s_await(r, p, id, 30000);
    if (got < 0)
        return -1;
    r->sent++;
    r->accepted += got == 0;
    r->refused += got == 1;
    size_t before;
    do {
        before = r->instructions;
        s_await(r, -1, "", 2);
    } while (r->instructions != before);
    kn_arena_reset(r->arena);
    return 0;
}

/* The progress of a long run: a bar on a terminal, a line every tenth
 * otherwise. */
static void s_progress(const s_run_t *r, size_t total, int *shown)
{
    int pct = total ? (int)(r->sent * 100 / total) : 100;
    if (pct > 100)
        pct = 100;
    bool tty = isatty(STDERR_FILENO);
    if (pct == *shown || (!tty && pct / 10 == *shown / 10 && pct != 100))
        return;
    *shown = pct;
    time_t t = (time_t)(r->now / 1000 + 8 * 3600);
    struct tm tm;
    gmtime_r(&t, &tm);
    char bar[41];
    memset(bar, '.', 40);
    memset(bar, '#', (size_t)(pct * 40 / 100));
    bar[40] = '\0';
    fprintf(stderr, "%s[%s] %3d%%  %zu/%zu messages  simulated %04d-%02d-%02d %02d:%02d%s",
            tty ? "\r" : "", bar, pct, r->sent, total, tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
            tm.tm_hour, tm.tm_min, tty && pct < 100 ? "" : "\n");
    fflush(stderr);
}

/* Beijing time of ms, ISO 8601 with its offset; "" for 0. */
static const char *s_iso(int64_t ms, char out[64])
{
    if (!ms) {
        out[0] = '\0';
        return out;
    }
    time_t t = (time_t)(ms / 1000 + 8 * 3600);
    struct tm tm;
    gmtime_r(&t, &tm);
    snprintf(out, 64, "%04d-%02d-%02dT%02d:%02d:%02d+08:00", tm.tm_year + 1900, tm.tm_mon + 1,
             tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
    return out;
}

/* DIR/boxes.csv: every box in both flows, for checking the figures box by
 * box against what the broker stored. */
static int s_boxes_csv(const char *path, const kn_sim_day_t *day, kn_flow_t *const flows[2])
{
    FILE *f = fopen(path, "w");
    if (!f) {
        fprintf(stderr, "kouan sim: %s: %s\n", path, strerror(errno));
        return -1;
    }
    fprintf(f, "flow,container,direction,route,moves,reported,in,out,yard_reason\n");
    for (int i = 0; i < 2; i++) {
        const kn_flow_box_t *b = kn_flow_boxes(flows[i]);
        for (size_t k = 0; k < day->nboxes; k++) {
            char in[64], out[64], reason[2 * sizeof b[k].yard_reason + 1];
            size_t n = 0;
            for (const char *c = b[k].yard_reason; *c; c++) { /* CSV: quotes doubled */
                if (*c == '"')
                    reason[n++] = '"';
                reason[n++] = *c;
            }
            reason[n] = '\0';
            fprintf(f, "%s,%s,%s,%s,%u,%u,%s,%s,\"%s\"\n", i ? "smart" : "traditional",
                    day->boxes[k].number,
                    day->boxes[k].direction == KN_SIM_IMPORT ? "import" : "export", b[k].route,
                    b[k].moves, b[k].reported, s_iso(b[k].in_ms, in), s_iso(b[k].out_ms, out),
                    reason);
        }
    }
    if (fclose(f) != 0) {
        fprintf(stderr, "kouan sim: %s: %s\n", path, strerror(errno));
        return -1;
    }
    return 0;
}

static int s_report(const kn_sim_day_t *day, kn_flow_t *smart, const char *dir)
{
    kn_flow_t *trad = kn_flow_new(&s_scenario, day, KN_FLOW_TRADITIONAL);
    kn_kpi_t kt = {0}, ks = {0};
    char json[4096], html[4096], why[1024];
    int rc = KN_EXIT_FAILED;
    if (!trad || kn_flow_run_until(trad, INT64_MAX, NULL, NULL) != 0 ||
        kn_flow_kpi(trad, &kt) != 0 || kn_flow_kpi(smart, &ks) != 0) {
        fprintf(stderr, "kouan sim: out of memory\n");
        goto out;
    }
    /* both flows play to the end: every box has left, or the model is wrong */
    if (kt.boxes != day->nboxes || ks.boxes != day->nboxes) {
        fprintf(
            stderr,
            "kouan sim: boxes still in the terminal at the end: %zu (traditional), %zu (smart)\n",
            day->nboxes - kt.boxes, day->nboxes - ks.boxes);
        goto out;
    }
    if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
        fprintf(stderr, "kouan sim: %s: %s\n", dir, strerror(errno));
        goto out;
    }
    snprintf(json, sizeof json, "%s/kpi.json", dir);
    snprintf(html, sizeof html, "%s/report.html", dir);
    char csv[4096];
    snprintf(csv, sizeof csv, "%s/boxes.csv", dir);
    if (s_boxes_csv(csv, day, (kn_flow_t *const[2]){trad, smart}) != 0)
        goto out;
    printf("\n");
    kn_report_table(stdout, &kt, &ks);
    if (kn_report_json(json, &s_scenario, &kt, &ks, why, sizeof why) != 0 ||
        kn_report_html(html, &s_scenario, &kt, &ks, why, sizeof why) != 0) {
        fprintf(stderr, "kouan sim: %s\n", why);
        goto out;
    }
    printf("\nreport: %s\nfigures: %s\nboxes: %s\n", html, json, csv);
    rc = KN_EXIT_OK;
out:
    kn_kpi_free(&kt);
    kn_kpi_free(&ks);
    kn_flow_destroy(&trad);
    return rc;
}

static int s_run(const char *path, const char *scenario, const char *outdir)
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
    r.flow = kn_flow_new(&s_scenario, day, KN_FLOW_SMART);
    r.seen_cap = 16 * day->nboxes + 64;
    r.seen = r.index ? kn_dedupe_new(r.index, r.seen_cap) : NULL;
    if (!r.boxes || !r.flow || !r.seen) {
        fprintf(stderr, "kouan sim: out of memory\n");
        goto out;
    }
    for (size_t b = 0; b < day->nboxes; b++)
        kn_dedupe_add(r.boxes, "", day->boxes[b].number, strlen(day->boxes[b].number), (int64_t)b);
    /* the broker's inspection area is the scenario's, or the two flows would
     * compare different areas */
    static const char *const area[] = {"capacity_per_hour", "opens_hour", "closes_hour",
                                       "lead_minutes"};
    const int mine[] = {s_scenario.capacity_per_hour, s_scenario.opens_hour, s_scenario.closes_hour,
                        s_scenario.lead_minutes};
    for (size_t k = 0; k < sizeof area / sizeof area[0]; k++)
        if (kn_config_int(cfg, "inspection", area[k]) != mine[k])
            fprintf(stderr,
                    "kouan sim: warning: [inspection] %s is %lld in %s but %d in %s: the broker "
                    "gives slots by its own\n",
                    area[k], (long long)kn_config_int(cfg, "inspection", area[k]),
                    kn_cli_config_path(path), mine[k], scenario);
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
    /* the day's messages and the flow's events, in simulated time: a message
     * goes before the flow's events at the same time */
    size_t i = 0, late = 0, total = day->nmsgs;
    for (size_t b = 0; b < day->nboxes; b++) /* and a gate-out per import box */
        total += day->boxes[b].direction == KN_SIM_IMPORT;
    for (size_t b = 0; b < day->nbills; b++) /* and a release per inspected bill */
        total += day->bills[b].inspect != KN_SIM_INSPECT_NONE;
    int shown = -1;
    for (;;) {
        int64_t next = i < day->nmsgs ? day->msgs[i].at_ms : INT64_MAX;
        int64_t flow_next = kn_flow_next_ms(r.flow);
        if (next == INT64_MAX && flow_next == INT64_MAX)
            break;
        if (next <= flow_next) {
            if (s_send(&r, &day->msgs[i++]) != 0)
                goto out;
        } else {
            kn_flow_emit_t e;
            if (!kn_flow_step(r.flow, &e))
                continue;
            kn_sim_msg_t m;
            if (s_flow_msg(day, &e, &m) != 0)
                goto out;
            int sent = s_send(&r, &m);
            kn_sim_msg_free(&m);
            if (sent != 0)
                goto out;
            late++;
        }
        s_progress(&r, total > r.sent ? total : r.sent + 1, &shown);
    }
    s_progress(&r, r.sent, &shown); /* the total is known now: the bar ends */
    /* the last instructions follow the last commits: take them until a
     * second passes without one */
    size_t before;
    do {
        before = r.instructions;
        s_await(&r, -1, "", 1000);
    } while (r.instructions != before);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    printf("%zu messages sent in %.1f s (%zu by the terminal's flow: gate-outs, releases after "
           "inspection): %zu accepted, %zu refused; %zu instructions taken%s\n",
           r.sent, secs, late, r.accepted, r.refused, r.instructions,
           r.unreadable ? " (some unreadable)" : "");
    static const char *const routes[] = {
        "DIRECT_PICKUP", "INSPECTION_AREA", "SCAN_LANE", "QUARANTINE", "YARD", "LOADING_STACK"};
    const kn_flow_box_t *fb = kn_flow_boxes(r.flow);
    for (int dir = 0; dir < 2; dir++) {
        size_t count[7] = {0}, boxes = 0;
        for (size_t b = 0; b < day->nboxes; b++) {
            if ((int)day->boxes[b].direction != dir)
                continue;
            boxes++;
            size_t k = 0;
            while (k < 6 && strcmp(fb[b].route, routes[k]))
                k++;
            count[k]++;
        }
        printf("%s boxes %zu, route when %s:", dir == KN_SIM_IMPORT ? "import" : "export", boxes,
               dir == KN_SIM_IMPORT ? "lifted" : "through the gate");
        for (size_t k = 0; k < 6; k++)
            if (count[k])
                printf(" %s %zu", routes[k], count[k]);
        if (count[6])
            printf(" no instruction %zu", count[6]);
        printf("\n");
    }
    rc = s_report(day, r.flow, outdir);
    if (rc == KN_EXIT_OK && (r.refused || r.unreadable))
        rc = KN_EXIT_REFUSED;
out:
    for (int k = 0; k < S_PARTIES; k++)
        kn_client_destroy(&r.party[k]);
    kn_flow_destroy(&r.flow);
    kn_arena_destroy(&r.arena);
    kn_arena_destroy(&r.index);
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
                                             {"output", required_argument, NULL, 'o'},
                                             {NULL, 0, NULL, 0}};
        const char *path = NULL, *outdir = "kouan-report";
        int c;
        optind = 0;
        while ((c = getopt_long(argc - 1, argv + 1, "c:o:", opts, NULL)) != -1) {
            if (c == 'c')
                path = optarg;
            else if (c == 'o')
                outdir = optarg;
            else {
                fputs(s_usage, stderr);
                return KN_EXIT_USAGE;
            }
        }
        if (optind == argc - 2)
            return s_run(path, argv[1 + optind], outdir);
    }
    fputs(s_usage, stderr);
    return KN_EXIT_USAGE;
}
