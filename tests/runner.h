/* kouan — the Check runner every test executable shares. */
#ifndef KN_TEST_RUNNER_H
#define KN_TEST_RUNNER_H

#include "arena.h"

#include <check.h>
#include <stddef.h>

typedef Suite *(*kn_suite_fn)(void);

/* Run the NULL-terminated suites in fork mode (CK_FORK=no to debug).  Returns
 * the exit status: non-zero when a test failed or when no test ran at all. */
int kn_test_run(const char *name, const kn_suite_fn *suites);

/* A new empty directory under $TMPDIR (or /tmp), mode 0755; the caller may
 * remove it.  Returns a static buffer. */
const char *kn_test_tmpdir(void);

/* The whole of dir/name in arena (NUL-terminated); *len its size.  Fails the
 * test when the file cannot be read. */
unsigned char *kn_test_read(kn_arena_t *arena, const char *dir, const char *name, size_t *len);

/* Write text to dir/name; returns the full path in a static buffer. */
const char *kn_test_write(const char *dir, const char *name, const char *text);

#endif
