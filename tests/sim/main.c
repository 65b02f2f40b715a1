/* Unit tests of the port-day simulator. */
#include "runner.h"

Suite *kn_test_sim_suite(void);
Suite *kn_test_flow_suite(void);
Suite *kn_test_report_suite(void);

int main(void)
{
    static const kn_suite_fn suites[] = {kn_test_sim_suite, kn_test_flow_suite,
                                         kn_test_report_suite, NULL};
    return kn_test_run("test_sim", suites);
}
