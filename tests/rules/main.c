/* Unit tests of the rules library. */
#include "runner.h"

Suite *kn_test_dmn_suite(void);
Suite *kn_test_feel_suite(void);
Suite *kn_test_visit_suite(void);

int main(void)
{
    static const kn_suite_fn suites[] = {kn_test_feel_suite, kn_test_dmn_suite, kn_test_visit_suite,
                                         NULL};
    return kn_test_run("test_rules", suites);
}
