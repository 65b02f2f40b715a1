/* Unit tests of the notify library. */
#include "runner.h"

Suite *kn_test_deliver_suite(void);
Suite *kn_test_ems_suite(void);
Suite *kn_test_sign_suite(void);
Suite *kn_test_sink_suite(void);
Suite *kn_test_status_suite(void);

int main(void)
{
    static const kn_suite_fn suites[] = {kn_test_sign_suite,    kn_test_ems_suite,
                                         kn_test_deliver_suite, kn_test_sink_suite,
                                         kn_test_status_suite,  NULL};
    return kn_test_run("test_notify", suites);
}
