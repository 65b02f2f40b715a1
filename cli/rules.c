/* kouan rules check FILE | rules test FILE CASES — so an officer can check
 * and test a decision table before it is deployed. */
#include "cli.h"
#include "dmn_tck.h"

#include <stdio.h>
#include <string.h>

static int s_usage(FILE *out)
{
    fprintf(out, "usage: kouan rules check FILE.dmn\n"
                 "       kouan rules test FILE.dmn CASES.xml\n"
                 "  check  load and compile every decision table; print each table's hit policy,\n"
                 "         inputs, outputs and rule count, or the file, rule and cell at fault\n"
                 "  test   run DMN TCK test cases: PASS id / FAIL id expected ... got ..., then\n"
                 "         'N passed, M failed'; exit 1 when any case failed\n");
    return out == stdout ? KN_EXIT_OK : KN_EXIT_USAGE;
}

int kn_cmd_rules(int argc, char **argv)
{
    if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")))
        return s_usage(stdout);
    kn_error_t err;
    if (argc == 3 && !strcmp(argv[1], "check"))
        return kn_dmn_check_file(argv[2], stdout, &err) == 0 ? KN_EXIT_OK : KN_EXIT_REFUSED;
    if (argc == 4 && !strcmp(argv[1], "test")) {
        int failed = kn_dmn_tck_test_files(argv[2], argv[3], stdout, NULL, &err);
        return failed < 0 ? KN_EXIT_USAGE : failed ? KN_EXIT_REFUSED : KN_EXIT_OK;
    }
    return s_usage(stderr);
}
