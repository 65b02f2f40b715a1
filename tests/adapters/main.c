/* Unit tests of the adapters library. */
#include "runner.h"

Suite *kn_test_customs_suite(void);
Suite *kn_test_edifact_suite(void);
Suite *kn_test_instruction_suite(void);
Suite *kn_test_tax_suite(void);
Suite *kn_test_terminal_suite(void);
Suite *kn_test_vessel_suite(void);

int main(void)
{
    static const kn_suite_fn suites[] = {kn_test_edifact_suite,
                                         kn_test_terminal_suite,
                                         kn_test_customs_suite,
                                         kn_test_tax_suite,
                                         kn_test_instruction_suite,
                                         kn_test_vessel_suite,
                                         NULL};
    return kn_test_run("test_adapters", suites);
}
