/* Unit tests of the common library.  --write-sample regenerates
 * conf/kouan.conf.sample from the option table. */
#include "config.h"
#include "runner.h"

#include <stdio.h>
#include <string.h>

Suite *kn_test_basics_suite(void);
Suite *kn_test_config_suite(void);
Suite *kn_test_dedupe_suite(void);
Suite *kn_test_wire_suite(void);

int main(int argc, char **argv)
{
    if (argc == 2 && !strcmp(argv[1], "--write-sample")) {
        kn_config_write_sample(stdout);
        return 0;
    }
    static const kn_suite_fn suites[] = {kn_test_basics_suite, kn_test_config_suite,
                                         kn_test_dedupe_suite, kn_test_wire_suite, NULL};
    return kn_test_run("test_common", suites);
}
