/* kouan — the adapter interface.
 *
 * A reader turns one message of a party's own format into canonical events
 * (common/event.h).  The broker picks the reader from the authenticated party's
 * role and configured format, never from what the message claims about itself.
 * A reader allocates only from the arena it is given, so an error path leaks
 * nothing; on failure it fills a kn_error_t that names the position.
 */
#ifndef KN_ADAPTER_H
#define KN_ADAPTER_H

#include "arena.h"
#include "err.h"
#include "event.h"
#include "party.h"

#include <stddef.h>

/* One received message as the reader sees it.  All fields are borrowed. */
typedef struct {
    const char *party;        /* authenticated party name, e.g. "xhct" */
    kn_role_t role;           /* the party's configured role */
    const char *format;       /* the party's configured format */
    const char *content_type; /* as sent on the wire, e.g. "application/edifact" */
    const unsigned char *data;
    size_t len;
} kn_inmsg_t;

/* Read in into events appended to out.  Returns 0, or a negative kn_err_t with
 * err filled (code, position, message).  Events and their strings live in
 * arena.  A data-quality problem that does not stop the message is a warning on
 * the event, not an error. */
typedef int (*kn_read_fn)(const kn_inmsg_t *in, kn_arena_t *arena, kn_event_list_t *out,
                          kn_error_t *err);

typedef struct {
    kn_role_t role;                   /* which parties may use it */
    const char *format;               /* format name in [party.*] format = */
    const char *const *content_types; /* accepted content types, NULL-terminated */
    kn_read_fn read;                  /* the reader */
    const char *summary;              /* one line for `kouan broker -t` and docs */
} kn_reader_t;

/* The reader for role and format, or NULL when there is none. */
const kn_reader_t *kn_adapter_find(kn_role_t role, const char *format);

/* The formats a role can use, comma-separated into buf; for error messages. */
const char *kn_adapter_formats(kn_role_t role, char *buf, size_t size);

/* Check the content type against the reader, then read.  Returns what the reader
 * returns, or KN_EROLE when the content type is not one the reader accepts. */
int kn_adapter_read(const kn_reader_t *reader, const kn_inmsg_t *in, kn_arena_t *arena,
                    kn_event_list_t *out, kn_error_t *err);

#endif
