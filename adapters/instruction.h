/* kouan — the diversion instruction kouan sends back to a terminal.
 *
 * "This container goes this route, for this reason, in this inspection slot":
 * KN10051, kouan's own message (no customs or terminal standard has one),
 * laid out like the customs-to-terminal CLM messages (CLM10021 and friends) so
 * that a terminal that reads those reads this with the same code.  Its schema
 * is adapters/schema/kouan-diversion.xsd (built into the binary).  UTF-8, no
 * namespace, no DOCTYPE, one container per message:
 *
 *   <?xml version="1.0" encoding="UTF-8"?>
 *   <MESSAGE>
 *     <MESSAGE_HEAD>
 *       <MESSAGE_ID>KN-000000123</MESSAGE_ID>            instruction_id
 *       <FUNCTION_CODE>2</FUNCTION_CODE>                 2 add, 3 withdraw
 *       <MESSAGE_TYPE>KN10051</MESSAGE_TYPE>
 *       <SENDER>KOUAN</SENDER>
 *       <RECEIVER>XHCT</RECEIVER>                        receiver
 *       <MESSAGE_CREATE_TIME>2026-11-22 05:41:02</MESSAGE_CREATE_TIME>
 *                                                        Beijing time (+08:00)
 *       <VERSION>1.0</VERSION>
 *     </MESSAGE_HEAD>
 *     <MESSAGE_LIST>
 *       <DIVERSION_INFO>
 *         <CONTA_NO>CSNU7041125</CONTA_NO>               equipment_reference
 *         <BILL_NO>COSU8801234568</BILL_NO>              optional
 *         <SHIP_NAME_EN>COSCO XIAMEN</SHIP_NAME_EN>      optional
 *         <VOYAGE_NO>118E</VOYAGE_NO>                    optional
 *         <ROUTE>INSPECTION_AREA</ROUTE>
 *         <REASON>海关查验指令 H986</REASON>
 *         <INSPECTION_AREA>CIQ-2</INSPECTION_AREA>       optional
 *         <SLOT_START>2026-11-22T09:00:00+08:00</SLOT_START>   optional, both
 *         <SLOT_END>2026-11-22T09:30:00+08:00</SLOT_END>       or neither
 *         <EXAM_TYPE>H986</EXAM_TYPE>                    optional
 *       </DIVERSION_INFO>
 *     </MESSAGE_LIST>
 *   </MESSAGE>
 *
 * Values the writer accepts are exactly those the schema accepts (see the
 * field comments), so whatever kn_instruction_xml writes kn_instruction_read
 * reads back.  Text values lose surrounding white space on the way back (XML
 * readers trim it).
 */
#ifndef KN_INSTRUCTION_H
#define KN_INSTRUCTION_H

#include "arena.h"
#include "err.h"
#include "event.h"

#include <stddef.h>

/* MESSAGE_TYPE of the diversion instruction. */
#define KN_INSTRUCTION_TYPE "KN10051"

/* One diversion instruction.  Strings are borrowed (UTF-8); NULL means "not
 * given" and is allowed only where said.  An empty string is never allowed. */
typedef struct {
    const char *instruction_id;               /* MESSAGE_ID, [A-Za-z0-9._-]{1,64}: KN-000000123 */
    kn_event_func_t function;                 /* KN_FUNC_ADD → 2, KN_FUNC_WITHDRAW → 3 */
    const char *receiver;                     /* terminal code, [A-Za-z0-9_-]{1,32}: XHCT */
    const char *create_time;                  /* ISO 8601 with offset; sent as Beijing time */
    const char *equipment_reference;          /* container number, [A-Z]{4}[0-9]{7} */
    const char *transport_document_reference; /* bill of lading, [!-~]{1,35}; may be NULL */
    const char *vessel_name;                  /* text, at most 70 characters; may be NULL */
    const char *voyage;                       /* [!-~]{1,17}; may be NULL */
    const char *route;                        /* DIRECT_PICKUP INSPECTION_AREA SCAN_LANE
                                                 QUARANTINE YARD LOADING_STACK */
    const char *reason;                       /* text, at most 512 characters */
    const char *inspection_area;              /* text, at most 70 characters; may be NULL */
    const char *slot_start;                   /* ISO 8601 with offset; may be NULL */
    const char *slot_end;                     /* after slot_start; NULL exactly when it is */
    const char *exam_type;                    /* [A-Za-z0-9_-]{1,16}: H986, MANUAL; may be NULL */
} kn_instruction_t;

/* Write ins as a KN10051 message: UTF-8 XML, two-space indent, LF line ends,
 * & < > " escaped.  "Text" fields (vessel_name, reason, inspection_area) take
 * any UTF-8 but control characters (tab and newline are allowed) and must not
 * be blank.  create_time "YYYY-MM-DDTHH:MM:SS[.fff](Z|±HH:MM)" is converted to
 * Beijing wall-clock time (fractions dropped); slots are written as given.
 *
 * Returns the message, NUL-terminated, in arena (freed with it) and its length
 * in *len (when len is not NULL); or NULL with err filled: KN_EINVAL when a
 * field is missing or malformed (err->position is the field's name, and the
 * message names it too: "instruction: reason contains control character
 * U+0007 at byte 12"), KN_ENOMEM. */
char *kn_instruction_xml(const kn_instruction_t *ins, kn_arena_t *arena, size_t *len,
                         kn_error_t *err);

/* Read a KN10051 message (the terminal's side, and tests): safe load (see
 * xmlsafe.h), validation against kouan-diversion.xsd, then *out filled with
 * strings in arena: create_time as "YYYY-MM-DDTHH:MM:SS+08:00", absent
 * elements NULL.  Returns 0, or with err filled and *out zeroed: KN_EUNKNOWN
 * (another root element or MESSAGE_TYPE), KN_ESCHEMA (schema violation, an
 * impossible create time, a slot that ends before it starts: err->position is
 * the element's XPath, the message has its line), KN_EXML / KN_ETOOBIG (unsafe
 * or broken XML), KN_ECONFIG (built-in schema missing), KN_ENOMEM. */
int kn_instruction_read(const unsigned char *data, size_t len, kn_arena_t *arena,
                        kn_instruction_t *out, kn_error_t *err);

#endif
