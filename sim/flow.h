/* kouan — the terminal of a simulated port day, working in one of two flows.
 *
 * The day (generate.h) fixes what does not depend on how the terminal works:
 * when the cranes lift each box, when customs decides and orders
 * inspections, when duty is settled, how long agents and trucks take.  The
 * flow plays the rest, event by event in simulated time:
 *
 *   traditional  every import box goes from the crane to the yard.  An
 *                inspection waits for the appointment the agent books; the
 *                box goes yard → inspection area (or scan lane) → yard.  The
 *                agent learns of the release late (pickup_notice_hours) and
 *                sends a truck; the box goes yard → truck.  Every export box
 *                goes from the gate to the yard and, marshal_hours_before_berth
 *                before its vessel berths, to the loading stack.
 *   smart        the terminal acts on kouan's instructions (kn_flow_instruct): * when the crane
 * lifts a box, the route in force then decides where it goes — DIRECT_PICKUP onto the agent's truck
 * (told its route, the agent sent it when the vessel berthed, or when told if that was later:
 * truck_delay_ms after), INSPECTION_AREA into its slot, SCAN_LANE through the scanner on its truck,
 * YARD (or no instruction yet) to the yard.  A box whose truck is not at the quay within
 * quay_wait_minutes goes to the yard.  A box in the yard moves to inspection on kouan's
 * instruction, without an appointment (no instruction: as in the traditional flow), and leaves when
 * its truck comes, which the agent sends when kouan's status events say it may.  An export box goes
 *                where the instruction at its gate-in says: LOADING_STACK
 *                straight to the stack, anything else through the yard.
 * * In both, customs releases an inspected bill review_ms after the last of its
 * boxes is inspected; a box leaves once released, its duty settled and its
 * inspection done, and passes the gate no earlier than its discharge is
 * reported (the tally customs needs before a box leaves); manual inspections take the slots of the
 * inspection area
 * ([inspection] capacity_per_hour, opens_hour, closes_hour; smart: the slot
 * the instruction gives, when it gives one).
 *
 * A handling move is one lift that puts the box somewhere else: crane →
 * truck, yard, inspection area or scan lane; yard → inspection area, scan
 * lane, loading stack or truck; inspection area → yard or truck; gate →
 * yard or loading stack; stack → vessel.  A truck driving through the scan
 * lane with the box on it is not a move.  Of all this the terminal reports
 * only the crane move (COARRI) and the pass through the gate (CODECO): two
 * reports per box that left; the moves inside the terminal stay there.
 */
#ifndef KN_FLOW_H
#define KN_FLOW_H

#include "generate.h"
#include "scenario.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef enum { KN_FLOW_TRADITIONAL = 0, KN_FLOW_SMART = 1 } kn_flow_kind_t;

/* Where a box is. */
typedef enum {
    KN_PLACE_AWAY = 0,   /* not in the terminal: aboard, before the gate, gone */
    KN_PLACE_QUAY,       /* on a truck at the quay or in the scan lane */
    KN_PLACE_YARD,       /* the storage yard */
    KN_PLACE_INSPECTION, /* the inspection area */
    KN_PLACE_STACK       /* the loading stack */
} kn_flow_place_t;

/* What happened to one box in the flow. */
typedef struct {
    char route[24];           /* smart: the route in force when it arrived ("" none);
                                 traditional: YARD */
    int64_t in_ms;            /* import: crane lift; export: through the gate */
    int64_t out_ms;           /* import: out through the gate; export: loaded; 0 while in */
    unsigned moves;           /* handling moves */
    unsigned reported;        /* reports the terminal sends about it: crane move (COARRI),
                                 gate (CODECO); 2 once it has left */
    int64_t yard_in_ms[2];    /* its stays in the yard (at most two: before and after an
                                 inspection), 0 when fewer */
    int64_t yard_out_ms[2];   /* end of each stay */
    int64_t stack_in_ms;      /* export: into the loading stack, 0 not (yet) */
    int64_t inspect_ready_ms; /* inspected: order known and box ashore, 0 otherwise */
    int64_t inspect_start_ms; /* inspected: the inspection begins */
    int64_t inspect_done_ms;  /* inspected: done */
    int64_t release_ms;       /* import: customs release in this flow */
    char yard_reason[160];    /* why it went through the yard: the instruction's reason,
                                 "no instruction when lifted", "truck not at the quay",
                                 "traditional flow"; "" when it did not */
    kn_flow_place_t place;    /* where it is now */
} kn_flow_box_t;

/* A message the flow sends: an import box through the gate, or customs
 * releasing a bill after its inspection (generate.h writes them). */
typedef enum {
    KN_FLOW_EMIT_NONE = 0,
    KN_FLOW_EMIT_GATE_OUT,
    KN_FLOW_EMIT_RELEASE
} kn_flow_emit_kind_t;

typedef struct {
    kn_flow_emit_kind_t kind;
    size_t index;  /* box (gate-out) or bill (release) */
    int64_t at_ms; /* when */
} kn_flow_emit_t;

typedef struct kn_flow kn_flow_t;

/* A flow over day (both must outlive it).  NULL when out of memory. */
kn_flow_t *kn_flow_new(const kn_scenario_t *sc, const kn_sim_day_t *day, kn_flow_kind_t kind);
void kn_flow_destroy(kn_flow_t **flow);

/* Smart flow: the terminal got an instruction for box at simulated time
 * at_ms — route ("" or NULL: withdrawn), the reason, the inspection slot's * start (0: none).
 * Events already played are not changed by it.  Returns 0, or KN_ENOMEM. */
int kn_flow_instruct(kn_flow_t *flow, size_t box, const char *route, const char *reason,
                     int64_t slot_ms, int64_t at_ms);

/* Simulated time of the flow's next event; INT64_MAX when there is none. */
int64_t kn_flow_next_ms(const kn_flow_t *flow);

/* Play the next event.  Returns true when it sends a message (filled in
 * *emit), false otherwise (emit->kind NONE). */
bool kn_flow_step(kn_flow_t *flow, kn_flow_emit_t *emit);

/* Play every event up to and including at_ms, calling emit for what they
 * send (NULL: ignore).  Returns the first non-zero emit result, else 0. */
int kn_flow_run_until(kn_flow_t *flow, int64_t at_ms,
                      int (*emit)(void *ctx, const kn_flow_emit_t *e), void *ctx);

/* Every box, as day->boxes. */
const kn_flow_box_t *kn_flow_boxes(const kn_flow_t *flow);

/* ---- the figures ---- */

typedef struct {
    char reason[160];
    size_t boxes;
} kn_kpi_reason_t;

typedef struct {
    const char *flow;               /* "traditional" or "smart" */
    size_t boxes, imports, exports; /* boxes that left the terminal */
    size_t moves, import_moves, export_moves;
    double moves_per_box, import_moves_per_box, export_moves_per_box;
    double dwell_median_min, dwell_p90_min; /* imports: crane lift to gate-out, minutes */
    double *dwell_min;                      /* every import's, ascending (ndwell = imports) */
    size_t ndwell;
    double export_dwell_median_min;    /* exports: gate-in to loaded */
    size_t direct;                     /* imports from the crane straight onto a truck */
    size_t inspected;                  /* imports inspected */
    double inspection_wait_median_min; /* order known and box ashore → inspection begins */
    double inspection_wait_p90_min;
    double inspection_wait_mean_min;
    size_t through_yard, import_through_yard, export_through_yard;
    kn_kpi_reason_t *reasons; /* why boxes went through the yard, most boxes first */
    size_t nreasons;
    int64_t start_ms;         /* hour 0 of the occupancy series: a whole hour */
    size_t hours;             /* hours in the series, until the last box left */
    unsigned *yard_occupancy; /* boxes in the yard at the start of each hour */
    unsigned yard_peak;       /* most boxes in the yard at once */
    double yard_box_hours;    /* sum over boxes of hours in the yard */
    double stack_box_hours;   /* exports: hours in the loading stack until loaded (storage
                                 too, which the yard figures leave out) */
} kn_kpi_t;

/* The figures of a flow played to its end (kn_flow_next_ms() INT64_MAX).
 * Returns 0, or KN_ENOMEM.  Free with kn_kpi_free(). */
int kn_flow_kpi(const kn_flow_t *flow, kn_kpi_t *out);
void kn_kpi_free(kn_kpi_t *kpi);

#endif
