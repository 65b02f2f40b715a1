/* kouan — a simulated port day: the messages terminal, customs and the tax
 * bureau send, in the formats the adapters read.
 *
 * kn_sim_generate() plays a scenario (scenario.h) through the port practice
 * of DESIGN.md §1 and §3 and writes out, as its party would, every message
 * that does not depend on how the terminal works:
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
 *   customs   CLM10011 release, soon after the decision, of a bill not
 *             inspected
 *   tax       TaxPayment DUTY_PAID or GUARANTEE_ACCEPTED, before berthing for
 *             tax_paid_before_arrival of the bills declared before arrival,
 *             after the bill's discharge otherwise
 * per export box
 *   terminal  CODECO gate-in, before its vessel berths
 *
 * The rest depends on the flow of the terminal (sim/flow.h), which plays the
 * day and has these written when it sends them:
 *
 *   terminal  CODECO gate-out of an import box: kn_sim_gate_out()
 *   customs   CLM10011 release of an inspected bill, review_ms after the last
 *             of its boxes is inspected: kn_sim_release()
 *
 * For the flow, the day draws durations for each box (truck, pickup notice,
 * inspection appointment, scan or manual inspection) and each inspected bill
 * (customs' review), right-skewed around the scenario's means, the same
 * whichever flow plays them.
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
 * ids (interchange references, BGM document numbers, MESSAGE_ID, MessageID)
 * are unique within the day, those kn_sim_gate_out() and kn_sim_release()
 * write included: they continue the day's counters.
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
    char name[96];            /* unique in the day, for file names and message ids, e.g.
                                 0815-customs-clm10041-COSU1234567890.xml: Beijing HHMM,
                                 role, kind, subject (vessel for BERMAN and COARRI, bill
                                 for customs and tax, container for CODECO) */
} kn_sim_msg_t;

/* One box and what the day holds for it that does not depend on how the
 * terminal works.  Times are ms since the Unix epoch, 0 where the step does
 * not apply to the box.  When the box leaves (import) and when customs
 * releases an inspected bill depend on the flow: sim/flow.h plays them. */
typedef struct {
    char number[12];              /* container number, valid ISO 6346 check digit */
    char bill[16];                /* bill of lading (import) or booking (export) */
    char entry_id[19];            /* customs declaration number (import), else empty */
    char iso_code[5];             /* size and type, e.g. 45G1, 45R1 */
    size_t call;                  /* index of its vessel call in the day (= scenario vessel) */
    size_t bill_index;            /* import: its bill in day->bills */
    kn_sim_direction_t direction; /* import or export */
    bool declared_before_arrival; /* import: declared before its vessel berthed */
    kn_sim_inspect_t inspect;     /* import: what customs ordered */
    bool reefer;                  /* reefer: R in the size-type, set point in the messages */
    bool dangerous;               /* dangerous goods: DGS segment in the terminal's messages */
    int64_t discharge_ms;         /* import: crane move ashore */
    int64_t reported_ms;          /* import: its COARRI discharge report is sent */
    int64_t gate_in_ms;           /* export: truck at the gate */
    int64_t load_ms;              /* export: crane move aboard */
    int64_t release_ms;           /* import, not inspected: customs release (CLM10011 sent);
                                     inspected: 0 (released after the inspection, see
                                     kn_sim_release()) */
    int64_t tax_ms;               /* import: duty paid or guaranteed (TaxPayment sent) */
    /* durations drawn for the box (right-skewed around the scenario's means),
     * the same in every flow so that the flows compare on the same traffic */
    int64_t truck_delay_ms;         /* import: from the agent knowing the box may leave (or,
                                       told its route, may be lifted) to the truck at the
                                       terminal: [traffic] truck_delay_minutes */
    int64_t notice_delay_ms;        /* import, traditional flow: from release and duty to the
                                       agent knowing and holding a pickup appointment:
                                       [traditional] pickup_notice_hours */
    int64_t appointment_delay_ms;   /* import, inspected, traditional flow: from the order to
                                       the inspection appointment the agent books:
                                       [traditional] inspection_appointment_hours */
    int64_t inspection_duration_ms; /* import, inspected: the scan or the manual inspection
                                       ([traffic] scan_minutes, inspection_minutes) */
} kn_sim_box_t;

/* One import bill of lading: one declaration, one customs decision for all
 * of its boxes (first .. first + count - 1 in day->boxes). */
typedef struct {
    char no[16];                  /* bill of lading number */
    size_t call;                  /* vessel call */
    size_t first, count;          /* its boxes */
    bool declared_before_arrival; /* declared before berthing */
    kn_sim_inspect_t inspect;     /* customs' choice for every box of it */
    int64_t decided_ms;           /* CLM10041 discharge instruction sent */
    int64_t ordered_ms;           /* CLM10021 inspection order sent; 0 when not inspected */
    int64_t release_ms;           /* CLM10011 sent when not inspected; 0 when inspected */
    int64_t review_ms;            /* inspected: customs' review, from the last of its boxes
                                     inspected to the release */
    int64_t tax_ms;               /* TaxPayment sent */
} kn_sim_bill_t;

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
    kn_sim_msg_t *msgs; /* nmsgs messages by at_ms (ties in a fixed order): every
                           message but the import gate-outs and the releases of
                           inspected bills, which the flow sends (see below) */
    size_t nmsgs;
    kn_sim_box_t *boxes; /* nboxes boxes, by call, imports before exports */
    size_t nboxes;
    kn_sim_bill_t *bills; /* nbills import bills, by call; their boxes are contiguous */
    size_t nbills;
    kn_sim_call_t *calls; /* ncalls calls, in scenario order */
    size_t ncalls;
    struct kn_sim_gen *gen; /* what writing more messages needs; private */
} kn_sim_day_t;

/* Generate the day sc describes into a new *out (the caller's, to free with
 * kn_sim_day_destroy()).  sc must come from kn_scenario_load() or
 * kn_scenario_defaults() plus vessels within the documented bounds.  Returns
 * 0, or KN_ENOMEM with errbuf filled and *out NULL. */
int kn_sim_generate(const kn_scenario_t *sc, kn_sim_day_t **out, char *errbuf, size_t errsize);

/* Free a day and everything in it; sets *day to NULL.  NULL is fine. */
void kn_sim_day_destroy(kn_sim_day_t **day);

/* The messages that depend on the flow, written when the flow has them:
 * the terminal's CODECO gate-out of import box `box` at at_ms, and customs'
 * CLM10011 release of (inspected) bill `bill` at at_ms, into *out (payload
 * the caller's, free with kn_sim_msg_free()).  Return 0, or KN_ENOMEM with
 * errbuf filled. */
int kn_sim_gate_out(const kn_sim_day_t *day, size_t box, int64_t at_ms, kn_sim_msg_t *out,
                    char *errbuf, size_t errsize);
int kn_sim_release(const kn_sim_day_t *day, size_t bill, int64_t at_ms, kn_sim_msg_t *out,
                   char *errbuf, size_t errsize);

/* Free a message's payload from kn_sim_gate_out() or kn_sim_release(). */
void kn_sim_msg_free(kn_sim_msg_t *msg);

/* Write msgs[0..n) to dir/<NNNNN>-<name> (creating dir, mode 0755, when it
 * does not exist), numbered from 1 in the given order with at least five
 * digits, so that names sort in that order.  Returns 0, or KN_EIO with
 * "path: reason" in errbuf (files written before the failure stay). */
int kn_sim_write_dir(const kn_sim_msg_t *const *msgs, size_t n, const char *dir, char *errbuf,
                     size_t errsize);

#endif
