/* The fixture the reader suites share: an arena per test, the events and the
 * error of the last read, and one call that reads a message as a party would
 * send it.  Each suite includes it once (its state is the suite file's own). */
#ifndef KN_TEST_READER_H
#define KN_TEST_READER_H

#include "adapter.h"
#include "arena.h"
#include "err.h"
#include "event.h"

#include <check.h>
#include <string.h>

typedef int (*kn_test_reader_t)(const kn_inmsg_t *in, kn_arena_t *arena, kn_event_list_t *out,
                                kn_error_t *err);

static kn_arena_t *s_arena;
static kn_event_list_t s_out;
static kn_error_t s_err;

static inline void s_setup(void)
{
    s_arena = kn_arena_new(64 * 1024);
    ck_assert_ptr_nonnull(s_arena);
    memset(&s_out, 0, sizeof s_out);
    memset(&s_err, 0, sizeof s_err);
}

static inline void s_teardown(void)
{
    kn_arena_destroy(&s_arena);
}

/* read len bytes of XML with read, as party of role sending format */
static inline int s_read_as(kn_test_reader_t read, const char *party, kn_role_t role,
                            const char *format, const void *data, size_t len)
{
    kn_inmsg_t in = {
        .party = party,
        .role = role,
        .format = format,
        .content_type = "application/xml",
        .data = data,
        .len = len,
    };
    return read(&in, s_arena, &s_out, &s_err);
}

#endif
