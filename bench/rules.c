/* kn_bench_rules — decisions per second on one core for the shipped table.
 *
 * Every combination of the diversion table's inputs (direction, declared
 * before arrival, customs instruction, exam type, tax status, dangerous goods,
 * reefer: 1536 cases) evaluated in turn with kn_dmn_eval, for about a second
 * per round, median of the rounds; beside it, in the same run, the same
 * decisions made by a hand-written C if-chain of the same rules (the floor:
 * what a table compiled to code would cost), and the ratio.  Before timing,
 * both must agree on every case.  Figures, never assertions.
 * usage: kn_bench_rules [-r ROUNDS] [-t SECONDS] [TABLE.dmn]
 */
#include "dmn.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define S_INPUTS 7

/* results are summed here so the compiler cannot drop the work */
static volatile size_t s_sink;

static double s_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int s_cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* One case, in plain C terms for the reference. */
typedef struct {
    const char *direction, *customs, *exam, *tax; /* NULL = null */
    bool declared, dg, reefer;
    kn_dmn_value_t in[S_INPUTS]; /* the same for the engine, in column order */
} s_case_t;

static bool s_is(const char *a, const char *b)
{
    return a && !strcmp(a, b);
}

/* rules/diversion.dmn written by hand, rule for rule (FIRST). */
static const char *s_reference(const s_case_t *c)
{
    bool imp = s_is(c->direction, "import"), exp = s_is(c->direction, "export");
    bool inspect = s_is(c->customs, "inspect");
    bool settled = s_is(c->tax, "paid") || s_is(c->tax, "deferred") || s_is(c->tax, "exempt");
    if (imp) {
        if (inspect && s_is(c->exam, "quarantine"))
            return "QUARANTINE";
        if (inspect && s_is(c->exam, "physical"))
            return "INSPECTION_AREA";
        if (inspect && s_is(c->exam, "scan") && c->dg)
            return "INSPECTION_AREA";
        if (inspect && s_is(c->exam, "scan"))
            return "SCAN_LANE";
        if (inspect)
            return "INSPECTION_AREA";
        if (s_is(c->customs, "hold") || s_is(c->tax, "unpaid") || !c->declared ||
            s_is(c->customs, "none"))
            return "YARD";
        if (s_is(c->customs, "release") && c->dg)
            return "YARD";
        if (s_is(c->customs, "release") && settled)
            return "DIRECT_PICKUP";
    } else if (exp) {
        if (inspect && s_is(c->exam, "quarantine"))
            return "QUARANTINE";
        if (inspect && s_is(c->exam, "scan") && !c->dg)
            return "SCAN_LANE";
        if (inspect)
            return "INSPECTION_AREA";
        if (s_is(c->customs, "hold"))
            return "YARD";
        return "LOADING_STACK";
    }
    return "YARD";
}

static kn_dmn_value_t s_str(const char *s)
{
    return s ? kn_feel_string(s) : kn_feel_null();
}

int main(int argc, char **argv)
{
    int rounds = 5, c;
    double seconds = 1.0;
    while ((c = getopt(argc, argv, "r:t:")) != -1) {
        if (c == 'r')
            rounds = atoi(optarg);
        else if (c == 't')
            seconds = atof(optarg);
        else
            return 2;
    }
    const char *path = optind < argc ? argv[optind] : KN_RULES_FILE;
    kn_error_t err;
    kn_dmn_t *dmn = kn_dmn_load_file(path, &err);
    if (!dmn) {
        fprintf(stderr, "kn_bench_rules: %s\n", err.message);
        return 2;
    }
    const kn_dmn_table_t *t = kn_dmn_find(dmn, "diversion");
    if (!t || kn_dmn_input_count(t) != S_INPUTS) {
        fprintf(stderr, "kn_bench_rules: %s has no 7-input table \"diversion\"\n", path);
        return 2;
    }
    static const char *dirs[] = {"import", "export", NULL};
    static const char *customs[] = {"none", "release", "inspect", "hold"};
    static const char *exams[] = {"none", "scan", "physical", "quarantine"};
    static const char *taxes[] = {"paid", "deferred", "unpaid", NULL};
    static s_case_t cases[3 * 2 * 4 * 4 * 4 * 2 * 2];
    size_t n = 0;
    for (int d = 0; d < 3; d++)
        for (int decl = 0; decl < 2; decl++)
            for (int cu = 0; cu < 4; cu++)
                for (int ex = 0; ex < 4; ex++)
                    for (int tx = 0; tx < 4; tx++)
                        for (int dg = 0; dg < 2; dg++)
                            for (int rf = 0; rf < 2; rf++) {
                                s_case_t *k = &cases[n++];
                                *k = (s_case_t){dirs[d], customs[cu], exams[ex], taxes[tx],
                                                decl,    dg,          rf,        {{0}}};
                                kn_dmn_inputs_clear(t, k->in);
                                kn_dmn_input_set(t, k->in, "direction", s_str(k->direction));
                                kn_dmn_input_set(t, k->in, "declaredBeforeArrival",
                                                 kn_feel_bool(k->declared));
                                kn_dmn_input_set(t, k->in, "customsInstruction", s_str(k->customs));
                                kn_dmn_input_set(t, k->in, "examType", s_str(k->exam));
                                kn_dmn_input_set(t, k->in, "taxStatus", s_str(k->tax));
                                kn_dmn_input_set(t, k->in, "dangerousGoods", kn_feel_bool(k->dg));
                                kn_dmn_input_set(t, k->in, "reefer", kn_feel_bool(k->reefer));
                            }
    /* the engine and the reference agree on every case, or there is nothing to time */
    for (size_t i = 0; i < n; i++) {
        kn_dmn_result_t r;
        if (kn_dmn_eval(t, cases[i].in, &r) != KN_DMN_OK || r.n_rows != 1) {
            fprintf(stderr, "kn_bench_rules: case %zu: %s\n", i, r.reason);
            return 1;
        }
        const kn_dmn_value_t *route = kn_dmn_result_value(&r, 0, 0);
        if (!route || strcmp(route->as.s, s_reference(&cases[i])) != 0) {
            fprintf(stderr, "kn_bench_rules: case %zu: table says %s, reference %s\n", i,
                    route ? route->as.s : "nothing", s_reference(&cases[i]));
            return 1;
        }
    }
    double *engine = calloc((size_t)rounds, sizeof *engine);
    double *ref = calloc((size_t)rounds, sizeof *ref);
    if (!engine || !ref)
        return 2;
    for (int round = 0; round < rounds; round++) {
        size_t done = 0;
        double start = s_now(), elapsed;
        do {
            for (size_t i = 0; i < n; i++) {
                kn_dmn_result_t r;
                kn_dmn_eval(t, cases[i].in, &r);
                s_sink += r.rows[0];
            }
            done += n;
        } while ((elapsed = s_now() - start) < seconds && done < 100000000);
        engine[round] = (double)done / elapsed;
        done = 0;
        start = s_now();
        do {
            for (size_t i = 0; i < n; i++)
                s_sink += (size_t)s_reference(&cases[i])[0];
            done += n;
        } while ((elapsed = s_now() - start) < seconds && done < 1000000000);
        ref[round] = (double)done / elapsed;
    }
    qsort(engine, (size_t)rounds, sizeof *engine, s_cmp);
    qsort(ref, (size_t)rounds, sizeof *ref, s_cmp);
    printf("bench/rules: %s, %zu input combinations, one core, median of %d rounds\n", path, n,
           rounds);
    printf("%-44s %14s %14s %8s\n", "", "DMN engine", "C if-chain", "ratio");
    printf("%-44s %14.0f %14.0f %8.3f\n", "decisions per second", engine[rounds / 2],
           ref[rounds / 2], engine[rounds / 2] / ref[rounds / 2]);
    printf("%-44s %14.1f %14.1f\n", "ns per decision", 1e9 / engine[rounds / 2],
           1e9 / ref[rounds / 2]);
    free(engine);
    free(ref);
    kn_dmn_destroy(&dmn);
    return 0;
}
