/* Unit tests of the broker library. */
#include "runner.h"

Suite *kn_test_slots_suite(void);
Suite *kn_test_zap_suite(void);

int main(void)
{
    static const kn_suite_fn suites[] = {kn_test_slots_suite, kn_test_zap_suite, NULL};
    return kn_test_run("test_broker", suites);
}
