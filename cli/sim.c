/* kouan sim — the port-day simulator (issue 6, first part).
 *
 *   kouan sim write SCENARIO DIR   the day SCENARIO describes, as the files the
 *                                  terminal, customs and tax would send, in
 *                                  time order (names sort as they are sent)
 *
 * What drives the real broker with them, answers instructions as a terminal
 * would and reports the KPIs comes next; the files already go through the
 * real adapters (kouan parse) and, party by party, kouan send.
 */
#include "cli.h"
#include "generate.h"
#include "scenario.h"

#include <stdio.h>
#include <string.h>

static const char s_usage[] =
    "usage: kouan sim write SCENARIO DIR\n"
    "  the port day conf/scenarios/*.ini describes, as the parties' messages\n"
    "  (EDIFACT, customs CLM XML, TaxPayment XML) written to DIR in time order\n";

int kn_cmd_sim(int argc, char **argv)
{
    if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        fputs(s_usage, stdout);
        return KN_EXIT_OK;
    }
    if (argc != 4 || strcmp(argv[1], "write") != 0) {
        fputs(s_usage, stderr);
        return KN_EXIT_USAGE;
    }
    static kn_scenario_t sc; /* large: not on the stack */
    char why[1024];
    if (kn_scenario_load(argv[2], &sc, why, sizeof why) != 0) {
        fprintf(stderr, "kouan sim: %s\n", why);
        return KN_EXIT_USAGE;
    }
    kn_sim_day_t *day = NULL;
    if (kn_sim_generate(&sc, &day, why, sizeof why) != 0 ||
        kn_sim_write_dir(day, argv[3], why, sizeof why) != 0) {
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
           day->nboxes - imports, argv[3]);
    kn_sim_day_destroy(&day);
    return KN_EXIT_OK;
}
