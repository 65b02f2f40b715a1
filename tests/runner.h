/* kouan — the Check runner every test executable shares. */
#ifndef KN_TEST_RUNNER_H
#define KN_TEST_RUNNER_H

#include <check.h>
#include <stddef.h>

typedef Suite *(*kn_suite_fn)(void);

/* Run the NULL-terminated suites in fork mode (CK_FORK=no to debug).  Returns
 * the exit status: non-zero when a test failed or when no test ran at all. */
int kn_test_run(const char *name, const kn_suite_fn *suites);

/* A new empty directory under $TMPDIR (or /tmp), mode 0755; the caller may
 * remove it.  Returns a static buffer. */
const char *kn_test_tmpdir(void);

/* Write text to dir/name; returns the full path in a static buffer. */
const char *kn_test_write(const char *dir, const char *name, const char *text);

#endif
