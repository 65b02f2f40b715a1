/* kouan — the canonical event.
 *
 * Every adapter turns a party's message into a list of these: one event per
 * container (or vessel, or declaration) fact, with DCSA Track & Trace 2.2 codes.
 * All strings are borrowed from the batch arena; NULL means "not given".
 */
#ifndef KN_EVENT_H
#define KN_EVENT_H

#include "arena.h"

#include <stdbool.h>
#include <stddef.h>

/* DCSA eventType. */
typedef enum {
    KN_EVENT_EQUIPMENT = 1, /* equipmentEventTypeCode: LOAD DISC GTIN GTOT INSP ... */
    KN_EVENT_TRANSPORT,     /* transportEventTypeCode: ARRI DEPA */
    KN_EVENT_SHIPMENT       /* shipmentEventTypeCode: HOLD RELS ... with documentTypeCode */
} kn_event_type_t;

/* DCSA eventClassifierCode. */
typedef enum { KN_CLASS_ACT = 0, KN_CLASS_PLN, KN_CLASS_EST } kn_event_class_t;

/* What a message says about an earlier one (customs FUNCTION_CODE). */
typedef enum { KN_FUNC_ADD = 0, KN_FUNC_WITHDRAW } kn_event_func_t;

/* A data-quality warning carried by an event (the sender's word stands). */
typedef struct kn_warning {
    struct kn_warning *next;
    const char *code; /* stable token, e.g. "CHECK_DIGIT" */
    const char *text; /* readable, e.g. "container number MSCU5510221 fails ..." */
} kn_warning_t;

typedef struct kn_event {
    struct kn_event *next;       /* next event of the same message */
    kn_event_type_t type;        /* DCSA eventType */
    const char *code;            /* DISC, LOAD, GTIN, GTOT, INSP, ARRI, DEPA, HOLD, RELS ... */
    kn_event_class_t classifier; /* ACT, PLN or EST */
    kn_event_func_t function;    /* add (default) or withdraw an earlier instruction */
    const char *event_datetime;  /* ISO 8601 with offset, e.g. 2026-11-22T08:12:00+08:00 */
    const char *message_kind;    /* source message type: COARRI, CODECO, CLM10021, DUTY_PAID ... */
    const char *message_ref;     /* source message reference (BGM number, MESSAGE_ID) */
    const char *position;        /* where in the source: "segment 9 (EQD)" or an XPath */

    /* equipment */
    const char *equipment_reference; /* container number, ISO 6346 */
    const char *iso_equipment_code;  /* size/type, e.g. 45G1 */
    const char *empty_indicator;     /* EMPTY or LADEN */
    const char *seals;               /* seal numbers, comma separated */
    double gross_weight_kg;          /* 0 when not given */
    double vgm_kg;                   /* verified gross mass, 0 when not given */
    const char *temperature;         /* set point, e.g. "-18.0 CEL" */
    const char *stowage_cell;        /* LOC+147 bay/row/tier */
    const char *truck_plate;         /* gate events */

    /* documents */
    const char *transport_document_reference; /* bill of lading number */
    const char *carrier_booking_reference;    /* booking number (exports) */
    const char *document_type_code;           /* CUS, SRM ... for shipment events */
    const char *entry_id;                     /* customs declaration number */
    const char *exam_type;                    /* customs exam type, e.g. H986, MANUAL */
    const char *agent_code;                   /* declaring agent, for scoping */
    const char *agent_name;
    const char *tax_status; /* PAID, GUARANTEED, REFUSED, CANCELLED */

    /* transport */
    const char *vessel_imo;
    const char *vessel_name;
    const char *vessel_call_sign;
    const char *voyage;
    const char *un_location_code; /* e.g. CNXMN */
    const char *facility_code;    /* terminal, e.g. XHCT */

    kn_warning_t *warnings; /* data-quality warnings, may be NULL */
} kn_event_t;

/* An ordered list of events built in an arena. */
typedef struct {
    kn_event_t *head;
    kn_event_t *tail;
    size_t count;
} kn_event_list_t;

/* A new zeroed event appended to list, or NULL on no memory. */
kn_event_t *kn_event_append(kn_event_list_t *list, kn_arena_t *arena, kn_event_type_t type,
                            const char *code);

/* Add a warning to ev; returns 0 or KN_ENOMEM. */
int kn_event_warn(kn_event_t *ev, kn_arena_t *arena, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* DCSA names: "EQUIPMENT", "ACT", ... */
const char *kn_event_type_name(kn_event_type_t type);
const char *kn_event_class_name(kn_event_class_t classifier);

/* ISO 6346: true when the 11-character number's check digit is right. */
bool kn_iso6346_valid(const char *number);

/* ISO 6346 check digit (0-9) of the first 10 characters, or -1 if malformed. */
int kn_iso6346_check_digit(const char *number);

#endif
