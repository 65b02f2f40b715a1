/* kouan — one container's visit: the import and export state machines of
 * DESIGN §6 (smart cloud diversion), as pure logic: no database, no I/O, no
 * allocation.
 *
 * A visit is a SET of facts.  kn_visit_apply() adds the fact an event states
 * (a customs instruction, a tax status, a terminal milestone …) and everything
 * else — direction, customs instruction, phase, route — is derived from the
 * whole set each time it is asked for.  Applying the same event twice changes
 * nothing, and applying a box's events in any order gives the same set, hence
 * the same phase, inputs and route: a release before the discharge
 * instruction, a discharge report before the inspection order, a withdrawal
 * before what it withdraws all converge.  What depends on order is only what
 * has been SENT to the terminal on the way (kn_visit_sent()).
 *
 * Facts and how a withdrawal (KN_FUNC_WITHDRAW) finds its target:
 *   a withdrawal W of kind K removes every add A of kind K whose message_ref is
 *   W's, and — since a customs withdrawal carries its own MESSAGE_ID and names
 *   the box, not the message — every add of kind K dated at or before W (an
 *   undated add or withdrawal matches every date).  W is kept in the set, so
 *   an add that arrives after W but dated before it stays withdrawn; an add
 *   dated after W (customs ordered again) stands.
 *   Kinds: discharge instruction (CUS APPR, CLM10041), HOLD (CLM10021: with
 *   exam_type an inspection order, without a plain hold), RELS (CLM10011),
 *   RECE (manifest receipt), tax (TAX CMPL APPR REJE VOID), terminal
 *   milestones DISC LOAD GTIN GTOT INSP (actuals only), vessel ARRI (actual =
 *   arrival; planned or estimated = berthing plan).  Other events are ignored.
 *
 * Customs instruction, by precedence (DMN input customsInstruction):
 *   An active HOLD is CLEARED by an active RELS dated at or after it — and,
 *   for an inspection order (HOLD with exam_type), only once an INSP dated at
 *   or after the order reports the inspection done: a release never skips a
 *   pending inspection (customs withdraws the order instead).
 *   1. "inspect"  any uncleared inspection order (pending, or inspected and
 *                 awaiting release); examType is the most severe of them:
 *                 quarantine > physical > scan (H986 → scan; MANUAL, OPEN →
 *                 physical; QUARANTINE, CIQ → quarantine; unknown → physical)
 *   2. "hold"     any uncleared plain hold
 *   3. "release"  an active RELS and every HOLD cleared
 *   4. "none"     otherwise (a discharge instruction alone is no risk decision)
 *
 * Other inputs: direction "import" when any import evidence (discharge
 * instruction, DISC), else "export" when any export evidence (GTIN with a
 * booking, LOAD), else unknown (no route yet).  taxStatus: the latest tax fact
 * by event time (ties: refused/void first, then the larger reference): CMPL →
 * "paid", TAX APPR → "deferred", REJE VOID → "unpaid", none → null.
 * declaredBeforeArrival: an active HOLD, RELS, tax fact or customs fact with
 * an entry_id (a declaration, unlike the manifest's discharge instruction)
 * dated before the box arrived (import: the earlier of DISC and vessel ARRI;
 * export: GTIN); before arrival, any such fact.  A box customs inspected and
 * then released counts as declared (the release rules then apply as to a box
 * cleared before arrival: DESIGN §6 "inspection completed → release →
 * pickup").  reefer: ISO size-type with 'R' as third character (45R1).
 * dangerousGoods: kn_visit_set_dangerous_goods(), false until known.
 *
 * Triggers (kn_visit_decide): import plans once a discharge instruction or a
 * berthing plan (or arrival, or the discharge itself) is known; export at
 * gate-in.  Then every call re-evaluates the table and answers SEND only when
 * the route differs from the one last sent (first plan; re-plan after a
 * customs or tax change; at discharge when nothing was sent; release after
 * inspection).  A route change is a new instruction, FUNCTION_CODE 2, that
 * supersedes the previous one for the box: the terminal keeps the latest
 * instruction per container, so there is never a moment with none.  WITHDRAW
 * (FUNCTION_CODE 3) only when what justified the plan is gone (the discharge
 * instruction withdrawn before discharge).  GTOT (and LOAD for an export)
 * close the visit: CLOSE.
 *
 * The caller owns kn_visit_t and decides where it lives (embedded in a store
 * entry, an array …): every string is copied into the visit's own bounded
 * buffers, so it outlives the batch arena of the events.  Its fields are
 * private: read them through the functions below.
 */
#ifndef KN_VISIT_H
#define KN_VISIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dmn.h"
#include "event.h"

/* Most distinct facts one visit holds; kn_visit_apply() refuses more. */
#define KN_VISIT_MAX_FACTS 32

/* Time of a milestone not (yet) seen. */
#define KN_VISIT_NO_TIME INT64_MIN

/* Inputs kn_visit_inputs() gives. */
#define KN_VISIT_INPUT_COUNT 7

/* Most matched rules a decision records. */
#define KN_VISIT_MAX_RULES 8

typedef enum { KN_VISIT_UNKNOWN = 0, KN_VISIT_IMPORT, KN_VISIT_EXPORT } kn_visit_direction_t;

typedef enum {
    KN_VISIT_NEW = 0,       /* facts but nothing to plan on yet */
    KN_VISIT_PLANNED,       /* import: discharge instruction or berthing known, not discharged */
    KN_VISIT_DISCHARGED,    /* import: on the quay side, no pending customs action */
    KN_VISIT_AT_INSPECTION, /* import: discharged, inspection ordered and not done */
    KN_VISIT_INSPECTED,     /* import: inspection done, release awaited */
    KN_VISIT_RELEASED,      /* import: discharged and released for pickup */
    KN_VISIT_AT_GATE,       /* export: gated in, not loaded */
    KN_VISIT_CLOSED         /* gated out (or export loaded) */
} kn_visit_phase_t;

typedef enum {
    KN_VISIT_NONE = 0, /* nothing to tell the terminal now */
    KN_VISIT_SEND,     /* send an instruction (FUNCTION_CODE 2) for route */
    KN_VISIT_WITHDRAW, /* withdraw the instruction sent for previous_route (FUNCTION_CODE 3) */
    KN_VISIT_CLOSE     /* the visit is over: archive it */
} kn_visit_action_t;

typedef enum {
    KN_VISIT_CUSTOMS_NONE = 0,
    KN_VISIT_CUSTOMS_RELEASE,
    KN_VISIT_CUSTOMS_INSPECT,
    KN_VISIT_CUSTOMS_HOLD
} kn_visit_customs_t;

/* One DMN input: name as in the diversion table, value (strings static). */
typedef struct {
    const char *name;
    kn_dmn_value_t value;
} kn_visit_input_t;

/* Physical milestones: ms since the epoch (UTC), or KN_VISIT_NO_TIME. */
typedef struct {
    int64_t arrived;    /* vessel ARRI actual */
    int64_t discharged; /* DISC */
    int64_t gated_in;   /* GTIN */
    int64_t inspected;  /* INSP, the latest */
    int64_t gated_out;  /* GTOT */
    int64_t loaded;     /* LOAD */
} kn_visit_milestones_t;

/* One fact; private. */
typedef struct {
    uint64_t id;        /* identity: the same event twice gives the same id */
    uint64_t ref;       /* hash of message_ref, 0 when none */
    int64_t time;       /* event time, ms since the epoch, or KN_VISIT_NO_TIME */
    uint8_t kind;       /* what it states (visit.c) */
    bool withdraw;      /* a withdrawal rather than an add */
    bool declaration;   /* carries an entry_id */
    bool booking;       /* carries a booking reference (GTIN) */
    char exam_type[17]; /* HOLD: exam type as sent, "" for a plain hold */
} kn_visit_fact_t;

/* A container visit; private fields, caller-owned storage. */
typedef struct {
    char container[16]; /* ISO 6346 number */
    char bill[64];      /* bill(s) of lading */
    char booking[36];   /* carrier booking (exports) */
    char entry_id[20];  /* customs declaration */
    char vessel_name[72];
    char vessel_imo[16];
    char voyage[20];
    char facility[33]; /* terminal, the instruction's receiver */
    char iso_code[8];  /* size/type, e.g. 45R1 */
    int8_t dangerous;  /* -1 unknown, 0 no, 1 yes */
    uint8_t n_facts;
    kn_visit_fact_t facts[KN_VISIT_MAX_FACTS];
    bool sent;             /* an instruction is in force at the terminal */
    char sent_route[24];   /* its route */
    char sent_rule[64];    /* id of the rule that gave it; "" unknown (restored from the
                              database: a changed reason alone then sends nothing) */
    uint32_t instructions; /* instructions sent (adds), for metrics and tests */
    char route[24];        /* the route last decided */
} kn_visit_t;

/* What kn_visit_decide() found: self-contained, strings copied. */
typedef struct {
    kn_visit_action_t action;
    kn_visit_phase_t phase;
    bool supersedes;                    /* SEND replaces the instruction for previous_route */
    char route[24];                     /* "" when there is no route yet (direction unknown) */
    char previous_route[24];            /* route in force at the terminal, "" when none */
    char reason[256];                   /* the table's reason (or the fallback's) */
    const char *note;                   /* why this action, static text: "route changed" … */
    char exam_type[17];                 /* exam type to put on an inspection instruction, or "" */
    kn_dmn_status_t status;             /* table outcome; not OK (or no match) → YARD fallback */
    uint32_t n_rules;                   /* matched rules recorded below */
    uint32_t rules[KN_VISIT_MAX_RULES]; /* rule indices, rule order */
    char rule_id[64];                   /* id of the rule that decided, "" when none */
    kn_visit_input_t inputs[KN_VISIT_INPUT_COUNT]; /* what the table was given */
} kn_visit_decision_t;

/* Start an empty visit for container (may be NULL: the first event with an
 * equipment_reference sets it).  Returns 0, or KN_EINVAL when container does
 * not fit. */
int kn_visit_init(kn_visit_t *visit, const char *container);

/* Add the fact ev states.  Idempotent and order-independent (see above).
 * Events that say nothing the visit needs are ignored (0).  Returns 0, or
 * KN_EINVAL when ev is about another container, KN_ETOOBIG when the visit
 * already holds KN_VISIT_MAX_FACTS facts (ev is not recorded).  Strings are
 * copied; a descriptive value (bill, vessel …) too long for its buffer is
 * not kept, and of two different values the smaller (strcmp) wins. */
int kn_visit_apply(kn_visit_t *visit, const kn_event_t *ev);

/* Record what the manifest says about dangerous goods (no event carries it). */
void kn_visit_set_dangerous_goods(kn_visit_t *visit, bool dangerous);

/* Derived state, from the fact set. */
kn_visit_direction_t kn_visit_direction(const kn_visit_t *visit);
kn_visit_phase_t kn_visit_phase(const kn_visit_t *visit);
kn_visit_customs_t kn_visit_customs(const kn_visit_t *visit);
bool kn_visit_declared_before_arrival(const kn_visit_t *visit);
bool kn_visit_reefer(const kn_visit_t *visit);
kn_visit_milestones_t kn_visit_milestones(const kn_visit_t *visit);
/* The latest event time of any fact (planned ones too), or KN_VISIT_NO_TIME. */
int64_t kn_visit_latest_time(const kn_visit_t *visit);

/* DMN token of the tax status ("paid", "deferred", "unpaid"), NULL when no tax
 * fact; and exam type token ("none", "scan", "physical", "quarantine"). */
const char *kn_visit_tax_status(const kn_visit_t *visit);
const char *kn_visit_exam_type(const kn_visit_t *visit);

/* Descriptive fields, borrowed from visit; "" when not known. */
const char *kn_visit_container(const kn_visit_t *visit);
const char *kn_visit_bill(const kn_visit_t *visit);
const char *kn_visit_booking(const kn_visit_t *visit);
const char *kn_visit_vessel_name(const kn_visit_t *visit);
const char *kn_visit_voyage(const kn_visit_t *visit);
const char *kn_visit_facility(const kn_visit_t *visit);

/* The route last decided, "" before any; and the route in force at the
 * terminal, NULL when no instruction is. */
const char *kn_visit_route(const kn_visit_t *visit);
const char *kn_visit_sent_route(const kn_visit_t *visit);
uint32_t kn_visit_instructions(const kn_visit_t *visit);

/* The diversion inputs (direction, declaredBeforeArrival, customsInstruction,
 * examType, taxStatus, dangerousGoods, reefer) into out; unknown direction and
 * tax status are FEEL null.  String values are static. */
void kn_visit_inputs(const kn_visit_t *visit, kn_visit_input_t out[KN_VISIT_INPUT_COUNT]);

/* Clear inputs[0 .. kn_dmn_input_count(table)) and set those of the table's
 * columns the visit knows (a column it does not know stays unset). */
void kn_visit_fill(const kn_visit_t *visit, const kn_dmn_table_t *table, kn_dmn_value_t *inputs);

/* Can a visit feed table?  Every input of the table must be one of the visit's
 * facts and the table must have a string output "route".  Returns 0, or
 * KN_ESCHEMA with err naming the input at fault. */
int kn_visit_check_table(const kn_dmn_table_t *table, kn_error_t *err);

/* The diversion rules built into the binary (rules/diversion.dmn), loaded and
 * compiled; NULL with err filled should the build be broken.  The caller owns
 * the result. */
kn_dmn_t *kn_visit_builtin_rules(kn_error_t *err);

/* Evaluate table for the visit and say what to tell the terminal (see the
 * triggers above).  Fills *out and stores the route in the visit; it does
 * not mark anything sent: call kn_visit_sent() once the terminal has it.  The
 * route is read from the output column "route" (else the first), the reason
 * from "reason".  An evaluation with no answer routes to YARD, status and
 * reason saying why.  Returns out->action. */
kn_visit_action_t kn_visit_decide(kn_visit_t *visit, const kn_dmn_table_t *table,
                                  kn_visit_decision_t *out);

/* Record that decision's SEND or WITHDRAW reached the terminal. */
void kn_visit_sent(kn_visit_t *visit, const kn_visit_decision_t *decision);

/* Names: "import"/"export"/"unknown"; "PLANNED" …; "SEND" …; "none" … */
const char *kn_visit_direction_name(kn_visit_direction_t direction);
const char *kn_visit_phase_name(kn_visit_phase_t phase);
const char *kn_visit_action_name(kn_visit_action_t action);
const char *kn_visit_customs_name(kn_visit_customs_t customs);

#endif
