/* kouan — UN/EDIFACT syntax reader.
 *
 * Reads one interchange (ISO 9735 syntax versions 1 to 4 as the terminals send
 * them) into interchange -> messages -> segments -> elements -> components,
 * with release characters resolved and every value converted to UTF-8.  It
 * knows the syntax, not the meaning: the message readers (terminal.c) give the
 * segments their meaning.
 *
 * What it checks:
 * - UNA service string advice, or the default separators `:+.? '`;
 * - the release character makes the next character data; ISO 9735 defines it
 *   only before a service character, anything else after it is taken as it is
 *   ("?x" reads "x");
 * - whitespace (CR, LF, tab, space) between segments is skipped; inside a
 *   segment it is data and must pass the character set check;
 * - UNB syntax identifier UNOA or UNOB (level A / level B characters only),
 *   UNOC (ISO 8859-1, converted to UTF-8) or UNOY (UTF-8, validated); any
 *   other identifier is refused by name;
 * - UNB ... UNH ... UNT ... UNZ nesting, several messages per interchange;
 *   functional groups (UNG/UNE) are refused;
 * - UNH message directory D.95B or D.00B with agency UN; anything else is
 *   refused by name (KN_EUNKNOWN);
 * - UNT segment count (UNH and UNT included) and reference (== UNH's);
 *   UNZ message count and reference (== UNB's);
 * - input cut short (no segment terminator, no UNT, no UNZ) names the last
 *   segment read.
 *
 * Numbering: segment numbers count within their message, UNH being 1 (the
 * number UNT counts to).  Elements and components are numbered from 1 as in
 * the directories: element 1 is the first data element after the tag.  UNB and
 * UNZ belong to no message and are named "interchange segment N (UNB)", N
 * counting every segment of the interchange from UNB = 1.
 *
 * Positions (kn_error_t.position, kn_edifact_segment_position) read
 * "segment 14 (EQD)" for the first message of an interchange and
 * "message 2: segment 4 (EQD)" for later ones.  Messages start with "edifact: "
 * (as the other readers name themselves) and then the element when there is
 * one, so kn_error_text() gives
 * "segment 26 (UNT): edifact: element 1: segment count says 31, message has 26".
 *
 * Everything lives in the arena passed to kn_edifact_parse(); nothing needs
 * freeing.  Sizes are bounded by the KN_EDIFACT_MAX_* constants before
 * anything is allocated from what the input says.
 */
#ifndef KN_EDIFACT_H
#define KN_EDIFACT_H

#include "arena.h"
#include "err.h"

#include <stddef.h>

/* Largest interchange accepted, in bytes (KN_ETOOBIG above). */
#define KN_EDIFACT_MAX_INPUT (16u * 1024u * 1024u)
/* Most segments in one interchange, UNB and UNZ included. */
#define KN_EDIFACT_MAX_SEGMENTS 200000u
/* Most messages (UNH ... UNT) in one interchange. */
#define KN_EDIFACT_MAX_MESSAGES 10000u
/* Most data elements in one segment (the tag not counted). */
#define KN_EDIFACT_MAX_ELEMENTS 99u
/* Most components in one data element. */
#define KN_EDIFACT_MAX_COMPONENTS 99u
/* Longest component value in bytes, after release characters are removed and
 * before conversion to UTF-8 (an..512 free text in UNOY can take 3 bytes a
 * character). */
#define KN_EDIFACT_MAX_VALUE 2048u

/* UNB S001 syntax identifier (0001). */
typedef enum {
    KN_EDIFACT_UNOA = 1, /* level A: upper case letters, digits, some punctuation */
    KN_EDIFACT_UNOB,     /* level B: level A plus lower case letters */
    KN_EDIFACT_UNOC,     /* ISO 8859-1 */
    KN_EDIFACT_UNOY      /* ISO 10646 in UTF-8 */
} kn_edifact_syntax_t;

typedef struct kn_edifact_interchange kn_edifact_interchange_t;
typedef struct kn_edifact_message kn_edifact_message_t;
typedef struct kn_edifact_segment kn_edifact_segment_t;

/* Parse len bytes of data as one EDIFACT interchange.  On success returns 0 and
 * sets *out to the interchange, allocated in arena (valid until the arena is
 * reset).  On failure returns a negative kn_err_t, leaves *out NULL and fills
 * err (may be NULL) with the position and reason:
 * KN_EPARSE for broken syntax, character set, nesting or control counts,
 * KN_EUNKNOWN for a message directory other than D.95B / D.00B,
 * KN_ETOOBIG when a KN_EDIFACT_MAX_* bound is passed, KN_ENOMEM. */
int kn_edifact_parse(const unsigned char *data, size_t len, kn_arena_t *arena,
                     kn_edifact_interchange_t **out, kn_error_t *err);

/* Name of a syntax identifier, "UNOA" ... "UNOY". */
const char *kn_edifact_syntax_name(kn_edifact_syntax_t syntax);

/* --- interchange (UNB); strings are borrowed, NULL when not given ----------- */

/* Syntax identifier (UNB S001/0001). */
kn_edifact_syntax_t kn_edifact_interchange_syntax(const kn_edifact_interchange_t *ic);
/* Syntax version number (UNB S001/0002), e.g. "2", "3", "4". */
const char *kn_edifact_interchange_syntax_version(const kn_edifact_interchange_t *ic);
/* Sender identification (UNB S002/0004) and its code qualifier (0007). */
const char *kn_edifact_interchange_sender(const kn_edifact_interchange_t *ic);
const char *kn_edifact_interchange_sender_qualifier(const kn_edifact_interchange_t *ic);
/* Recipient identification (UNB S003/0010) and its code qualifier (0007). */
const char *kn_edifact_interchange_recipient(const kn_edifact_interchange_t *ic);
const char *kn_edifact_interchange_recipient_qualifier(const kn_edifact_interchange_t *ic);
/* Date of preparation as sent (UNB S004/0017): YYMMDD, or CCYYMMDD in
 * syntax version 4. */
const char *kn_edifact_interchange_date(const kn_edifact_interchange_t *ic);
/* Time of preparation as sent (UNB S004/0019): HHMM. */
const char *kn_edifact_interchange_time(const kn_edifact_interchange_t *ic);
/* Interchange control reference (UNB 0020), equal to UNZ's. */
const char *kn_edifact_interchange_control_ref(const kn_edifact_interchange_t *ic);
/* Decimal mark from UNA ('.' by default). */
char kn_edifact_interchange_decimal_mark(const kn_edifact_interchange_t *ic);
/* Number of messages, at least 0. */
size_t kn_edifact_interchange_message_count(const kn_edifact_interchange_t *ic);
/* Message i (0-based), or NULL when i is out of range. */
const kn_edifact_message_t *kn_edifact_interchange_message(const kn_edifact_interchange_t *ic,
                                                           size_t i);

/* --- message (UNH ... UNT); strings borrowed, NULL when not given ----------- */

/* Message reference number (UNH 0062), equal to UNT's. */
const char *kn_edifact_message_ref(const kn_edifact_message_t *msg);
/* Message type (S009/0065), e.g. "COARRI". */
const char *kn_edifact_message_type(const kn_edifact_message_t *msg);
/* Version (S009/0052, "D"), release (0054, "95B" or "00B"), controlling
 * agency (0051, "UN") and association assigned code (0057, e.g. "ITG13"). */
const char *kn_edifact_message_version(const kn_edifact_message_t *msg);
const char *kn_edifact_message_release(const kn_edifact_message_t *msg);
const char *kn_edifact_message_agency(const kn_edifact_message_t *msg);
const char *kn_edifact_message_association(const kn_edifact_message_t *msg);
/* 1-based ordinal of the message in its interchange. */
size_t kn_edifact_message_ordinal(const kn_edifact_message_t *msg);
/* Number of segments, UNH and UNT included (what UNT counts). */
size_t kn_edifact_message_segment_count(const kn_edifact_message_t *msg);
/* Segment i (0-based: 0 is UNH, count - 1 is UNT), or NULL out of range. */
const kn_edifact_segment_t *kn_edifact_message_segment(const kn_edifact_message_t *msg, size_t i);

/* --- segment --------------------------------------------------------------- */

/* Segment number within its message, UNH = 1. */
unsigned kn_edifact_segment_number(const kn_edifact_segment_t *seg);
/* Segment tag, three characters, e.g. "EQD". */
const char *kn_edifact_segment_tag(const kn_edifact_segment_t *seg);
/* Number of data elements present (trailing empty ones included). */
size_t kn_edifact_segment_element_count(const kn_edifact_segment_t *seg);
/* Number of components of element (1-based); 0 when the element is absent. */
size_t kn_edifact_segment_component_count(const kn_edifact_segment_t *seg, size_t element);
/* Value of component `component` of element `element` (both 1-based), UTF-8,
 * release characters resolved; NULL when absent or empty (EDIFACT does not
 * tell an empty value from an omitted one).  Borrowed from the arena. */
const char *kn_edifact_segment_value(const kn_edifact_segment_t *seg, size_t element,
                                     size_t component);
/* Write the segment's position ("segment 7 (EQD)", "message 2: segment 4 (EQD)")
 * into buf; returns buf. */
const char *kn_edifact_segment_position(const kn_edifact_segment_t *seg, char *buf, size_t size);

#endif
