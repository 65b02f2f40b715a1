/* kouan — a simulated port day: the messages terminal, customs and the tax
 * bureau send, in the formats the adapters read.
 *
 * kn_sim_generate() plays a scenario (scenario.h) through the port practice
 * of DESIGN.md §1 and §3 and writes every message out as its party would:
 *
 * per vessel call
 *   terminal  BERMAN arrival at the berthing time (DTM 178 actual arrival,
 *             133 estimated departure) and BERMAN departure (DTM 186) when
 *             the cranes are done
 *   terminal  COARRI discharge reports (BGM 44) and loading reports (BGM 46),
 *             one per report_minutes window of crane work, naming each box
 *             moved in it; cranes × moves_per_crane_hour moves an hour,
 *             discharge first, then loading
 * per import bill of lading (one to four boxes, one declaration)
 *   customs   CLM10041 discharge instruction, before berthing when the bill
 *             was declared before arrival, else after its last box is
 *             discharged
 *   customs   CLM10021 inspection order (EXAM_TYPE H986 or MANUAL) for the
 *             bills customs selects, every box of the bill inspected
 *   customs   CLM10011 release: at the customs decision when not inspected,
 *             after the last inspection of the bill otherwise
 *   tax       TaxPayment DUTY_PAID or GUARANTEE_ACCEPTED, before berthing for
 *             tax_paid_before_arrival of the bills declared before arrival,
 *             after the bill's discharge otherwise
 * per box
 *   terminal  CODECO gate-out (import, when the truck comes after discharge,
 *             release and tax) or gate-in (export, before its vessel berths)
 *
 * Manual inspections take a slot of the inspection area: capacity_per_hour
 * slots each hour from opens_hour to closes_hour, the first free slot at
 * least lead_minutes after the box is discharged and ordered.  Machine scans
 * (H986) have no slots: the scan lane takes a box as soon as it is ready.
 * Durations (truck waits, inspections, scans, export gate-in) are drawn
 * right-skewed around the scenario's means.
 *
 * Not simulated: export customs (declaration, release, inspection of
 * exports), messages that report an inspection done, withdrawals (customs
 * FUNCTION_CODE 3, EDIFACT BGM function 1), refused or cancelled duty, GBK or
 * GB18030 customs messages, manifest receipts (MT1101...MT5101), empties.
 *
 * The same scenario (seed included) gives the same bytes, always: randomness
 * comes from a splitmix64 stream of the seed, never from rand() or the clock.
 *
 * Formats follow the samples (/work/shared/samples): EDIFACT D.95B with UNA,
 * CR LF after each segment, release character ?, correct UNT and UNZ counts,
 * local (Beijing) times in DTM format 203; customs CLM XML (UTF-8,
 * MESSAGE_CREATE_TIME "YYYY-MM-DD HH:MM:SS" Beijing time); TaxPayment XML
 * valid against adapters/schema/taxpayment.xsd (times with +08:00).  Message
 * ids are unique within the day.
 */
#ifndef KN_GENERATE_H
#define KN_GENERATE_H

#include "party.h"
#include "scenario.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum { KN_SIM_IMPORT = 0, KN_SIM_EXPORT } kn_sim_direction_t;

typedef enum {
    KN_SIM_INSPECT_NONE = 0, /* released without inspection */
    KN_SIM_INSPECT_SCAN,     /* machine scan, EXAM_TYPE H986 */
    KN_SIM_INSPECT_MANUAL    /* opened in the inspection area, EXAM_TYPE MANUAL */
} kn_sim_inspect_t;

/* One message as its party sends it.  Owned by the day. */
typedef struct {
    int64_t at_ms;            /* when it is sent, ms since the Unix epoch */
    kn_role_t role;           /* sender: terminal, customs or tax */
    const char *format;       /* adapter format of that role: edifact, customs-xml, tax-xml */
    const char *content_type; /* application/edifact or application/xml */
    const char *kind;         /* what it is, as in name: berman-arrival, coarri-discharge,
                                 coarri-load, codeco-gate-in, codeco-gate-out, clm10041,
                                 clm10021, clm10011, duty-paid, guarantee-accepted */
    size_t call;              /* index of the vessel call it belongs to */
    unsigned char *payload;   /* the message bytes (not NUL-terminated) */
    size_t len;               /* bytes in payload */
    char name[96];            /* file name, e.g. 0001-0815-customs-clm10041-COSCOXIAMEN.xml:
                                 sequence, Beijing HHMM, role, kind, vessel */
} kn_sim_msg_t;

/* One box and its planned day.  Times are ms since the Unix epoch, 0 where
 * the step does not apply to the box. */
typedef struct {
    char number[12];              /* container number, valid ISO 6346 check digit */
    char bill[16];                /* bill of lading (import) or booking (export) */
    char entry_id[19];            /* customs declaration number (import), else empty */
    char iso_code[5];             /* size and type, e.g. 45G1, 45R1 */
    size_t call;                  /* index of its vessel call in the day (= scenario vessel) */
    kn_sim_direction_t direction; /* import or export */
    bool declared_before_arrival; /* import: declared before its vessel berthed */
    kn_sim_inspect_t inspect;     /* import: what customs ordered */
    bool reefer;                  /* reefer: R in the size-type, set point in the messages */
    bool dangerous;               /* dangerous goods: DGS segment in the terminal's messages */
    int64_t discharge_ms;         /* import: crane move ashore */
    int64_t gate_in_ms;           /* export: truck at the gate */
    int64_t load_ms;              /* export: crane move aboard */
    int64_t inspection_ms;        /* import, inspected: scan or manual inspection starts */
    int64_t inspected_ms;         /* import, inspected: inspection done */
    int64_t release_ms;           /* import: customs release (CLM10011 sent) */
    int64_t tax_ms;               /* import: duty paid or guaranteed (TaxPayment sent) */
    int64_t truck_ms;             /* import: truck leaves through the gate (CODECO gate-out) */
} kn_sim_box_t;

/* One vessel call of the day. */
typedef struct {
    size_t vessel;         /* index in the scenario's vessels */
    int64_t berth_ms;      /* alongside: BERMAN arrival */
    int64_t first_move_ms; /* first crane move */
    int64_t last_move_ms;  /* last crane move */
    int64_t departure_ms;  /* BERMAN departure */
    size_t import_boxes;   /* boxes discharged */
    size_t export_boxes;   /* boxes loaded */
    size_t bills;          /* import bills of lading (declarations) */
} kn_sim_call_t;

/* A generated day.  Everything in it is owned by it; read-only for callers. */
typedef struct {
    kn_sim_msg_t *msgs; /* nmsgs messages by at_ms (ties in a fixed order) */
    size_t nmsgs;
    kn_sim_box_t *boxes; /* nboxes boxes, by call, imports before exports */
    size_t nboxes;
    kn_sim_call_t *calls; /* ncalls calls, in scenario order */
    size_t ncalls;
} kn_sim_day_t;

/* Generate the day sc describes into a new *out (the caller's, to free with
 * kn_sim_day_destroy()).  sc must come from kn_scenario_load() or
 * kn_scenario_defaults() plus vessels within the documented bounds.  Returns
 * 0, or KN_ENOMEM with errbuf filled and *out NULL. */
int kn_sim_generate(const kn_scenario_t *sc, kn_sim_day_t **out, char *errbuf, size_t errsize);

/* Free a day and everything in it; sets *day to NULL.  NULL is fine. */
void kn_sim_day_destroy(kn_sim_day_t **day);

/* Write every message of day to dir/<name> (creating dir, mode 0755, when it
 * does not exist); names sort in time order.  Returns 0, or KN_EIO with
 * "path: reason" in errbuf (files written before the failure stay). */
int kn_sim_write_dir(const kn_sim_day_t *day, const char *dir, char *errbuf, size_t errsize);

#endif
