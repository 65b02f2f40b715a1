/* kouan — a canonical event as JSON, with DCSA Track & Trace 2.2 field names.
 *
 * One object per event: eventType, eventClassifierCode, eventDateTime, the
 * type's code (equipmentEventTypeCode, transportEventTypeCode or
 * shipmentEventTypeCode), equipmentReference, transportDocumentReference,
 * carrierBookingReference, documentTypeCode, seals, transportCall (vessel,
 * voyage, UN/LOCODE, facility), then kouan's own fields (grossWeight,
 * examType, taxStatus, messageKind, position, ...) and a warnings array.
 * Written by hand into the arena: the broker does this for every event.
 */
#ifndef KN_EVENTJSON_H
#define KN_EVENTJSON_H

#include "arena.h"
#include "event.h"

/* The JSON text of ev (NUL-terminated, no newline) in arena, or NULL on no
 * memory. */
char *kn_event_json(const kn_event_t *ev, kn_arena_t *arena);

/* The warnings of ev as one line, "CODE: text; CODE: text" ("" when none), in
 * arena; NULL on no memory. */
char *kn_event_warnings_text(const kn_event_t *ev, kn_arena_t *arena);

#endif
