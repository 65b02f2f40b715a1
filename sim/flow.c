/* kouan — the terminal of a simulated port day in one of two flows (see
 * flow.h).
 *
 * A discrete-event simulation: a binary heap of (time, sequence, what, box or
 * bill).  The day's own times (crane lifts, gate-ins, customs, duty) are put
 * on the heap at the start; playing an event may put later ones on it (a
 * truck arriving, an inspection starting and ending, a release).  Ties play
 * in the order they were put on the heap, so a flow is deterministic.
 *
 * Assumptions the scenario does not set are the S_* constants below.
 */
#include "flow.h"
#include "err.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#define S_MINUTE INT64_C(60000)
#define S_HOUR (60 * S_MINUTE)

#define S_TO_GATE (10 * S_MINUTE)       /* lifted onto the truck → out through the gate */
#define S_GATE_TO_BLOCK (5 * S_MINUTE)  /* export: through the gate → set down */
#define S_QUAY_TO_AREA (10 * S_MINUTE)  /* crane → inspection area or scan lane */
#define S_MARSHAL_AFTER (30 * S_MINUTE) /* traditional export in late: to the stack after */
#define S_SLOT_DAYS 60                  /* slot book: days either side of the day */

typedef enum {
    E_LIFT,    /* import: the crane lifts the box */
    E_GATE_IN, /* export: set down after the gate */
    E_MARSHAL, /* export: yard → loading stack */
    E_LOAD,    /* export: aboard */
    E_FREE,    /* import: released or duty settled: may it leave now? */
    E_ORDER,   /* import: inspection ordered and box ashore */
    E_SHIFT,   /* import: the box reaches the inspection area or scan lane */
    E_START,   /* import: the inspection begins */
    E_DONE,    /* import: the inspection is done */
    E_RELEASE, /* bill: customs releases it after the inspection */
    E_TRUCK,   /* import: its truck is at the terminal */
    E_GATE_OUT /* import: out through the gate */
} s_what_t;

typedef struct {
    int64_t at;
    uint64_t seq;
    s_what_t what;
    size_t index;
} s_event_t;

/* What the flow keeps per box beyond kn_flow_box_t. */
typedef struct {
    char route[24];   /* smart: the route in force */
    char reason[160]; /* its reason */
    int64_t slot_ms;  /* its inspection slot, 0 none */
    int64_t truck_ms; /* the truck is (or will be) at the terminal, 0 none sent */
    int64_t free_ms;  /* released, duty settled, inspected: may leave; 0 not yet */
    bool lifted;      /* import: ashore */
    bool inspecting;  /* on its way to, or in, an inspection */
    bool inspected;   /* inspection done */
    bool lane;        /* inspected in the scan lane, not the inspection area */
    bool leaving;     /* lifted onto its truck */
} s_box_t;

struct kn_flow {
    const kn_scenario_t *sc;
    const kn_sim_day_t *day;
    kn_flow_kind_t kind;
    kn_flow_box_t *boxes;
    s_box_t *x;
    int64_t *bill_release; /* per bill: customs release in this flow, 0 not yet */
    size_t *bill_left;     /* per bill: boxes still to inspect */
    s_event_t *heap;
    size_t nheap, heapcap;
    uint64_t seq;
    unsigned short *slots; /* manual inspections started per hour of the slot book */
    int64_t slot_base;     /* hour 0 of the slot book */
    size_t nslots;
};

/* ------------------------------------------------------------------------ */
/* the event heap                                                           */

static bool s_before(const s_event_t *a, const s_event_t *b)
{
    return a->at != b->at ? a->at < b->at : a->seq < b->seq;
}

static int s_push(kn_flow_t *f, int64_t at, s_what_t what, size_t index)
{
    if (f->nheap == f->heapcap) {
        size_t cap = f->heapcap ? 2 * f->heapcap : 1024;
        s_event_t *h = realloc(f->heap, cap * sizeof *h);
        if (!h)
            return KN_ENOMEM;
        f->heap = h;
        f->heapcap = cap;
    }
    size_t i = f->nheap++;
    s_event_t e = {at, f->seq++, what, index};
    while (i > 0 && s_before(&e, &f->heap[(i - 1) / 2])) {
        f->heap[i] = f->heap[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    f->heap[i] = e;
    return 0;
}

static s_event_t s_pop(kn_flow_t *f)
{
    assert(f->nheap > 0);
    s_event_t top = f->heap[0], last = f->heap[--f->nheap];
    size_t i = 0;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= f->nheap)
            break;
        if (c + 1 < f->nheap && s_before(&f->heap[c + 1], &f->heap[c]))
            c++;
        if (!s_before(&f->heap[c], &last))
            break;
        f->heap[i] = f->heap[c];
        i = c;
    }
    if (f->nheap)
        f->heap[i] = last;
    return top;
}

/* ------------------------------------------------------------------------ */
/* the inspection area's slots                                              */

static int64_t s_max(int64_t a, int64_t b)
{
    return a > b ? a : b;
}

/* Book a place in the slot hour that starts at ms (kouan's slots are whole
 * hours): the area starts its inspections of the hour one after another,
 * capacity_per_hour of them evenly spaced.  Returns when this one starts. */
static int64_t s_slot_take(kn_flow_t *f, int64_t ms)
{
    const int64_t cap = f->sc->capacity_per_hour, step = S_HOUR / cap;
    int64_t h = (ms - f->slot_base) / S_HOUR;
    if (h < 0 || (size_t)h >= f->nslots)
        return ms;
    int64_t k = f->slots[h] < cap ? f->slots[h] : cap - 1; /* over capacity: the last place */
    if (f->slots[h] < 65535)
        f->slots[h]++;
    return ms + k * step;
}

/* The first free slot of the area at or after ms: capacity_per_hour slots an
 * hour, evenly spaced, from opens_hour to closes_hour Beijing time. */
static int64_t s_slot_find(kn_flow_t *f, int64_t ms)
{
    const kn_scenario_t *sc = f->sc;
    const int64_t cap = sc->capacity_per_hour, step = S_HOUR / cap;
    int64_t h = (ms - f->slot_base) / S_HOUR;
    if (h < 0)
        h = 0;
    for (; (size_t)h < f->nslots; h++) {
        int64_t hour_ms = f->slot_base + h * S_HOUR;
        /* slot_base is a Beijing midnight */
        int64_t hod = h % 24;
        if (hod < sc->opens_hour || hod >= sc->closes_hour || f->slots[h] >= cap)
            continue;
        /* the slots of this hour still free are the last cap - taken; the
         * first of them at or after ms */
        for (int64_t k = f->slots[h]; k < cap; k++) {
            int64_t at = hour_ms + k * step;
            if (at >= ms) {
                f->slots[h] = (unsigned short)(k + 1);
                return at;
            }
        }
    }
    return ms; /* beyond the book: no capacity left to model, start when ready */
}

/* ------------------------------------------------------------------------ */
/* moves                                                                    */

static void s_yard_in(kn_flow_box_t *b, int64_t at, const char *reason)
{
    for (int i = 0; i < 2; i++)
        if (!b->yard_in_ms[i]) {
            b->yard_in_ms[i] = at;
            break;
        }
    if (!b->yard_reason[0])
        snprintf(b->yard_reason, sizeof b->yard_reason, "%s", reason);
    b->place = KN_PLACE_YARD;
}

static void s_yard_out(kn_flow_box_t *b, int64_t at)
{
    for (int i = 1; i >= 0; i--)
        if (b->yard_in_ms[i] && !b->yard_out_ms[i]) {
            b->yard_out_ms[i] = at;
            break;
        }
}

static bool s_smart(const kn_flow_t *f)
{
    return f->kind == KN_FLOW_SMART;
}

/* The agent sends a truck for box k, told at `told`; it is at the terminal
 * truck_delay_ms later.  One truck per box. */
static int s_send_truck(kn_flow_t *f, size_t k, int64_t told)
{
    s_box_t *x = &f->x[k];
    if (x->truck_ms)
        return 0;
    x->truck_ms = told + f->day->boxes[k].truck_delay_ms;
    return s_push(f, x->truck_ms, E_TRUCK, k);
}

/* The box is lifted onto its truck at `at` (or, on it already, drives off)
 * and leaves through the gate. */
static int s_leave(kn_flow_t *f, size_t k, int64_t at)
{
    kn_flow_box_t *b = &f->boxes[k];
    s_box_t *x = &f->x[k];
    if (x->leaving)
        return 0;
    x->leaving = true;
    if (b->place == KN_PLACE_YARD || b->place == KN_PLACE_INSPECTION) {
        b->moves++; /* yard or area → truck */
        if (b->place == KN_PLACE_YARD)
            s_yard_out(b, at);
    }
    b->place = KN_PLACE_QUAY;
    /* the gate lets a box out once its discharge is reported (the tally) */
    int64_t gate = at + S_TO_GATE;
    if (gate < f->day->boxes[k].reported_ms)
        gate = f->day->boxes[k].reported_ms;
    return s_push(f, gate, E_GATE_OUT, k);
}

/* May box k leave at `now`: ashore, released, duty settled, inspected?  When
 * it first may, the agent learns it (in the smart flow from kouan's status
 * events, at once; in the traditional one notice_delay_ms later) and sends a
 * truck, unless one is on its way; a truck already there takes it. */
static int s_check_free(kn_flow_t *f, size_t k, int64_t now)
{
    const kn_sim_box_t *d = &f->day->boxes[k];
    kn_flow_box_t *b = &f->boxes[k];
    s_box_t *x = &f->x[k];
    if (!x->free_ms) {
        int64_t release = f->bill_release[d->bill_index];
        if (!x->lifted || !release || release > now || d->tax_ms > now ||
            (d->inspect != KN_SIM_INSPECT_NONE && !x->inspected))
            return 0;
        x->free_ms = now;
        b->release_ms = release;
        if (!x->truck_ms) {
            int rc = s_send_truck(f, k, s_smart(f) ? now : now + d->notice_delay_ms);
            if (rc)
                return rc;
        }
    }
    if (x->lifted && !x->inspecting && x->truck_ms && x->truck_ms <= now)
        return s_leave(f, k, now);
    return 0;
}

/* Send box k (ashore) to inspection at `at`: it reaches the area or the scan
 * lane then; a manual inspection starts in its slot. */
static int s_to_inspection(kn_flow_t *f, size_t k, int64_t at)
{
    s_box_t *x = &f->x[k];
    x->inspecting = true;
    return s_push(f, at, E_SHIFT, k);
}

/* ------------------------------------------------------------------------ */
/* events                                                                   */

static int s_lift(kn_flow_t *f, size_t k, int64_t now)
{
    const kn_sim_box_t *d = &f->day->boxes[k];
    kn_flow_box_t *b = &f->boxes[k];
    s_box_t *x = &f->x[k];
    x->lifted = true;
    b->in_ms = now;
    b->moves++; /* the crane move */
    b->reported++;
    if (!s_smart(f)) {
        snprintf(b->route, sizeof b->route, "YARD");
        s_yard_in(b, now, "traditional flow");
        return s_check_free(f, k, now);
    }
    snprintf(b->route, sizeof b->route, "%s", x->route);
    int64_t quay_wait = (int64_t)f->sc->quay_wait_minutes * S_MINUTE;
    bool truck = x->truck_ms && x->truck_ms <= now + quay_wait;
    if (!strcmp(x->route, "DIRECT_PICKUP")) {
        int rc = s_check_free(f, k, now);
        if (rc || x->leaving)
            return rc;
        if (truck && x->free_ms) {
            b->place = KN_PLACE_QUAY; /* crane → truck, which is there or coming */
            return s_leave(f, k, s_max(now, x->truck_ms));
        }
        s_yard_in(b, now, !x->free_ms ? "not free to leave when lifted" : "truck not at the quay");
        return 0;
    }
    if (!strcmp(x->route, "SCAN_LANE") || !strcmp(x->route, "INSPECTION_AREA") ||
        !strcmp(x->route, "QUARANTINE")) {
        bool on_truck = truck && !strcmp(x->route, "SCAN_LANE");
        b->place = on_truck ? KN_PLACE_QUAY : KN_PLACE_INSPECTION;
        if (!on_truck && !strcmp(x->route, "SCAN_LANE")) /* to the yard after the scan */
            snprintf(b->yard_reason, sizeof b->yard_reason, "truck not at the quay");
        if (d->inspect == KN_SIM_INSPECT_NONE) { /* nothing to inspect after all */
            x->inspected = true;
            return s_check_free(f, k, now);
        }
        b->inspect_ready_ms = s_max(now, f->day->bills[d->bill_index].ordered_ms);
        return s_to_inspection(f, k, now + S_QUAY_TO_AREA);
    }
    if (x->reason[0])
        s_yard_in(b, now, x->reason);
    else /* kouan knows a box from its declaration or its discharge report */
        s_yard_in(b, now,
                  f->day->bills[d->bill_index].decided_ms > now
                      ? "no instruction when lifted: not declared yet, kouan did not know the box"
                      : "no instruction when lifted");
    return s_check_free(f, k, now);
}

static bool s_inspection_route(const char *route)
{
    return !strcmp(route, "INSPECTION_AREA") || !strcmp(route, "SCAN_LANE") ||
           !strcmp(route, "QUARANTINE");
}

/* Inspection ordered for a box in the yard: the terminal moves it as soon as
 * kouan's instruction routes it to inspection (with its slot); without one —
 * the traditional flow — it waits for the appointment the agent books. */
static int s_order(kn_flow_t *f, size_t k, int64_t now)
{
    const kn_sim_box_t *d = &f->day->boxes[k];
    kn_flow_box_t *b = &f->boxes[k];
    s_box_t *x = &f->x[k];
    if (x->inspecting || x->inspected || b->place != KN_PLACE_YARD ||
        d->inspect == KN_SIM_INSPECT_NONE)
        return 0;
    int64_t ordered = f->day->bills[d->bill_index].ordered_ms;
    if (!ordered || ordered > now)
        return 0; /* an instruction ahead of the order: the order's event comes */
    b->inspect_ready_ms = s_max(ordered, b->in_ms);
    int64_t lead = (int64_t)f->sc->lead_minutes * S_MINUTE;
    bool told = s_smart(f) && s_inspection_route(x->route);
    return s_to_inspection(f, k, now + lead + (told ? 0 : d->appointment_delay_ms));
}

/* The box reaches the inspection area or the scan lane. */
static int s_shift(kn_flow_t *f, size_t k, int64_t now)
{
    const kn_sim_box_t *d = &f->day->boxes[k];
    kn_flow_box_t *b = &f->boxes[k];
    s_box_t *x = &f->x[k];
    if (b->place == KN_PLACE_YARD) {
        b->moves++; /* yard → area or lane */
        s_yard_out(b, now);
        b->place = KN_PLACE_INSPECTION;
    }
    bool scan = d->inspect == KN_SIM_INSPECT_SCAN;
    if (s_smart(f) && !strcmp(x->route, "SCAN_LANE"))
        scan = true;
    else if (s_smart(f) && !strcmp(x->route, "INSPECTION_AREA"))
        scan = false;
    x->lane = scan;
    int64_t start = now;
    if (!scan) {
        if (s_smart(f) && x->slot_ms >= now)
            start = s_slot_take(f, x->slot_ms); /* kouan's slot: the hour it gave */
        else
            start = s_slot_find(f, now);
    }
    return s_push(f, start, E_START, k);
}

static int s_start(kn_flow_t *f, size_t k, int64_t now)
{
    f->boxes[k].inspect_start_ms = now;
    return s_push(f, now + f->day->boxes[k].inspection_duration_ms, E_DONE, k);
}

static int s_done(kn_flow_t *f, size_t k, int64_t now)
{
    const kn_sim_box_t *d = &f->day->boxes[k];
    kn_flow_box_t *b = &f->boxes[k];
    s_box_t *x = &f->x[k];
    b->inspect_done_ms = now;
    x->inspected = true;
    x->inspecting = false;
    if (b->place == KN_PLACE_QUAY) {
        /* scanned on its truck: it waits for the release at the lane */
    } else if (!s_smart(f) || x->lane) {
        /* back to the yard: the traditional terminal always, the smart one
         * from the scan lane (no truck there) */
        b->moves++;
        s_yard_in(b, now, "after inspection");
    }
    const kn_sim_bill_t *bill = &f->day->bills[d->bill_index];
    if (f->bill_left[d->bill_index] > 0 && --f->bill_left[d->bill_index] == 0)
        return s_push(f, now + bill->review_ms, E_RELEASE, d->bill_index);
    return 0;
}

static int s_release(kn_flow_t *f, size_t bill, int64_t now)
{
    const kn_sim_bill_t *bl = &f->day->bills[bill];
    f->bill_release[bill] = now;
    for (size_t i = 0; i < bl->count; i++) {
        int rc = s_check_free(f, bl->first + i, now);
        if (rc)
            return rc;
    }
    return 0;
}

static int s_truck(kn_flow_t *f, size_t k, int64_t now)
{
    return s_check_free(f, k, now);
}

static void s_gate_out(kn_flow_t *f, size_t k, int64_t now)
{
    kn_flow_box_t *b = &f->boxes[k];
    b->out_ms = now;
    b->reported++;
    b->place = KN_PLACE_AWAY;
}

static int s_gate_in(kn_flow_t *f, size_t k, int64_t now)
{
    const kn_sim_box_t *d = &f->day->boxes[k];
    kn_flow_box_t *b = &f->boxes[k];
    s_box_t *x = &f->x[k];
    b->in_ms = d->gate_in_ms;
    b->reported++; /* CODECO gate-in */
    b->moves++;    /* gate → yard or stack */
    if (s_smart(f)) {
        snprintf(b->route, sizeof b->route, "%s", x->route);
        if (!strcmp(x->route, "LOADING_STACK")) {
            b->place = KN_PLACE_STACK;
            b->stack_in_ms = now;
            return 0;
        }
        s_yard_in(b, now, x->reason[0] ? x->reason : "no instruction at the gate");
    } else {
        snprintf(b->route, sizeof b->route, "YARD");
        s_yard_in(b, now, "traditional flow");
    }
    int64_t berth = f->day->calls[d->call].berth_ms;
    int64_t at = s_max(berth - (int64_t)(f->sc->marshal_hours_before_berth * (double)S_HOUR),
                       now + S_MARSHAL_AFTER);
    if (at >= d->load_ms)
        at = d->load_ms - S_MINUTE;
    return s_push(f, s_max(at, now), E_MARSHAL, k);
}

static void s_marshal(kn_flow_t *f, size_t k, int64_t now)
{
    kn_flow_box_t *b = &f->boxes[k];
    if (b->place != KN_PLACE_YARD)
        return;
    b->moves++; /* yard → loading stack */
    s_yard_out(b, now);
    b->place = KN_PLACE_STACK;
    b->stack_in_ms = now;
}

static void s_load(kn_flow_t *f, size_t k, int64_t now)
{
    kn_flow_box_t *b = &f->boxes[k];
    if (b->place == KN_PLACE_YARD) /* not marshalled in time: straight from the yard */
        s_yard_out(b, now);
    b->moves++; /* → vessel */
    b->reported++;
    b->out_ms = now;
    b->place = KN_PLACE_AWAY;
}

/* ------------------------------------------------------------------------ */
/* public                                                                   */

void kn_flow_destroy(kn_flow_t **flow)
{
    if (!flow || !*flow)
        return;
    kn_flow_t *f = *flow;
    free(f->boxes);
    free(f->x);
    free(f->bill_release);
    free(f->bill_left);
    free(f->heap);
    free(f->slots);
    free(f);
    *flow = NULL;
}

kn_flow_t *kn_flow_new(const kn_scenario_t *sc, const kn_sim_day_t *day, kn_flow_kind_t kind)
{
    assert(sc && day && sc->capacity_per_hour >= 1);
    kn_flow_t *f = calloc(1, sizeof *f);
    if (!f)
        return NULL;
    f->sc = sc;
    f->day = day;
    f->kind = kind;
    size_t n = day->nboxes ? day->nboxes : 1, nb = day->nbills ? day->nbills : 1;
    f->boxes = calloc(n, sizeof *f->boxes);
    f->x = calloc(n, sizeof *f->x);
    f->bill_release = calloc(nb, sizeof *f->bill_release);
    f->bill_left = calloc(nb, sizeof *f->bill_left);
    f->nslots = (size_t)2 * S_SLOT_DAYS * 24;
    f->slots = calloc(f->nslots, sizeof *f->slots);
    f->slot_base = sc->day_ms - (int64_t)S_SLOT_DAYS * 24 * S_HOUR;
    if (!f->boxes || !f->x || !f->bill_release || !f->bill_left || !f->slots)
        goto fail;

    for (size_t b = 0; b < day->nbills; b++) {
        const kn_sim_bill_t *bill = &day->bills[b];
        f->bill_release[b] = bill->inspect == KN_SIM_INSPECT_NONE ? bill->release_ms : 0;
        f->bill_left[b] = bill->inspect == KN_SIM_INSPECT_NONE ? 0 : bill->count;
    }
    for (size_t k = 0; k < day->nboxes; k++) {
        const kn_sim_box_t *d = &day->boxes[k];
        int rc;
        if (d->direction == KN_SIM_EXPORT) {
            rc = s_push(f, d->gate_in_ms + S_GATE_TO_BLOCK, E_GATE_IN, k);
            if (!rc)
                rc = s_push(f, d->load_ms, E_LOAD, k);
        } else {
            const kn_sim_bill_t *bill = &day->bills[d->bill_index];
            rc = s_push(f, d->discharge_ms, E_LIFT, k);
            if (!rc && bill->release_ms)
                rc = s_push(f, bill->release_ms, E_FREE, k);
            if (!rc)
                rc = s_push(f, d->tax_ms, E_FREE, k);
            if (!rc && bill->inspect != KN_SIM_INSPECT_NONE)
                rc = s_push(f, s_max(bill->ordered_ms, d->discharge_ms), E_ORDER, k);
        }
        if (rc)
            goto fail;
    }
    return f;
fail:
    kn_flow_destroy(&f);
    return NULL;
}

int kn_flow_instruct(kn_flow_t *f, size_t box, const char *route, const char *reason,
                     int64_t slot_ms, int64_t at_ms)
{
    assert(f && box < f->day->nboxes);
    const kn_sim_box_t *d = &f->day->boxes[box];
    s_box_t *x = &f->x[box];
    snprintf(x->route, sizeof x->route, "%s", route ? route : "");
    snprintf(x->reason, sizeof x->reason, "%s", reason ? reason : "");
    x->slot_ms = slot_ms;
    if (!s_smart(f) || d->direction != KN_SIM_IMPORT)
        return 0;
    /* told before the lift that the box goes onto a truck at the crane, the
     * agent sends one — when the vessel is alongside at the earliest: the
     * mini-program says when it berths, not when each box is lifted */
    if (!x->lifted && (!strcmp(x->route, "DIRECT_PICKUP") || !strcmp(x->route, "SCAN_LANE")))
        return s_send_truck(f, box, s_max(at_ms, f->day->calls[d->call].berth_ms));
    /* a box in the yard routed to inspection: the terminal moves it now */
    if (x->lifted && f->boxes[box].place == KN_PLACE_YARD && s_inspection_route(x->route))
        return s_push(f, at_ms, E_ORDER, box);
    return 0;
}

int64_t kn_flow_next_ms(const kn_flow_t *f)
{
    return f->nheap ? f->heap[0].at : INT64_MAX;
}

bool kn_flow_step(kn_flow_t *f, kn_flow_emit_t *emit)
{
    *emit = (kn_flow_emit_t){KN_FLOW_EMIT_NONE, 0, 0};
    if (!f->nheap)
        return false;
    s_event_t e = s_pop(f);
    size_t k = e.index;
    switch (e.what) {
    case E_LIFT:
        (void)s_lift(f, k, e.at);
        break;
    case E_GATE_IN:
        (void)s_gate_in(f, k, e.at);
        break;
    case E_MARSHAL:
        s_marshal(f, k, e.at);
        break;
    case E_LOAD:
        s_load(f, k, e.at);
        break;
    case E_FREE:
        (void)s_check_free(f, k, e.at);
        break;
    case E_ORDER:
        (void)s_order(f, k, e.at);
        break;
    case E_SHIFT:
        (void)s_shift(f, k, e.at);
        break;
    case E_START:
        (void)s_start(f, k, e.at);
        break;
    case E_DONE:
        (void)s_done(f, k, e.at);
        break;
    case E_RELEASE:
        (void)s_release(f, k, e.at);
        *emit = (kn_flow_emit_t){KN_FLOW_EMIT_RELEASE, k, e.at};
        return true;
    case E_TRUCK:
        (void)s_truck(f, k, e.at);
        break;
    case E_GATE_OUT:
        s_gate_out(f, k, e.at);
        *emit = (kn_flow_emit_t){KN_FLOW_EMIT_GATE_OUT, k, e.at};
        return true;
    }
    return false;
}

int kn_flow_run_until(kn_flow_t *f, int64_t at_ms, int (*emit)(void *ctx, const kn_flow_emit_t *e),
                      void *ctx)
{
    while (f->nheap && f->heap[0].at <= at_ms) {
        kn_flow_emit_t e;
        if (kn_flow_step(f, &e) && emit) {
            int rc = emit(ctx, &e);
            if (rc)
                return rc;
        }
    }
    return 0;
}

const kn_flow_box_t *kn_flow_boxes(const kn_flow_t *f)
{
    return f->boxes;
}

/* ------------------------------------------------------------------------ */
/* the figures                                                              */

static int s_dbl_cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* The q-quantile of n sorted values (nearest rank); 0 when n is 0. */
static double s_quantile(const double *v, size_t n, double q)
{
    if (!n)
        return 0;
    size_t i = (size_t)(q * (double)n + 0.999999);
    if (i < 1)
        i = 1;
    if (i > n)
        i = n;
    return v[i - 1];
}

static int s_i64_cmp(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

static int s_reason_cmp(const void *a, const void *b)
{
    const kn_kpi_reason_t *x = a, *y = b;
    if (x->boxes != y->boxes)
        return x->boxes > y->boxes ? -1 : 1;
    return strcmp(x->reason, y->reason);
}

void kn_kpi_free(kn_kpi_t *k)
{
    if (!k)
        return;
    free(k->dwell_min);
    free(k->reasons);
    free(k->yard_occupancy);
    memset(k, 0, sizeof *k);
}

int kn_flow_kpi(const kn_flow_t *f, kn_kpi_t *out)
{
    const kn_sim_day_t *day = f->day;
    size_t n = day->nboxes ? day->nboxes : 1;
    memset(out, 0, sizeof *out);
    out->flow = f->kind == KN_FLOW_SMART ? "smart" : "traditional";
    out->dwell_min = calloc(n, sizeof *out->dwell_min);
    double *export_dwell = calloc(n, sizeof *export_dwell);
    double *wait = calloc(n, sizeof *wait);
    out->reasons = calloc(n, sizeof *out->reasons);
    if (!out->dwell_min || !export_dwell || !wait || !out->reasons)
        goto oom;

    int64_t first = INT64_MAX, last = 0;
    size_t nexport = 0;
    for (size_t k = 0; k < day->nboxes; k++) {
        const kn_flow_box_t *b = &f->boxes[k];
        if (!b->out_ms)
            continue; /* still in the terminal */
        bool import = day->boxes[k].direction == KN_SIM_IMPORT;
        out->boxes++;
        out->moves += b->moves;
        if (b->in_ms < first)
            first = b->in_ms;
        if (b->out_ms > last)
            last = b->out_ms;
        double dwell = (double)(b->out_ms - b->in_ms) / (double)S_MINUTE;
        if (import) {
            out->imports++;
            out->import_moves += b->moves;
            out->dwell_min[out->ndwell++] = dwell;
            out->direct += b->moves == 1;
            if (b->inspect_start_ms) {
                wait[out->inspected++] =
                    (double)(b->inspect_start_ms - b->inspect_ready_ms) / (double)S_MINUTE;
            }
        } else {
            out->exports++;
            out->export_moves += b->moves;
            export_dwell[nexport++] = dwell;
        }
        if (b->stack_in_ms)
            out->stack_box_hours += (double)(b->out_ms - b->stack_in_ms) / (double)S_HOUR;
        if (!b->yard_in_ms[0])
            continue;
        out->through_yard++;
        if (import)
            out->import_through_yard++;
        else
            out->export_through_yard++;
        for (int i = 0; i < 2; i++)
            if (b->yard_in_ms[i])
                out->yard_box_hours +=
                    (double)((b->yard_out_ms[i] ? b->yard_out_ms[i] : b->out_ms) -
                             b->yard_in_ms[i]) /
                    (double)S_HOUR;
        size_t r = 0;
        while (r < out->nreasons && strcmp(out->reasons[r].reason, b->yard_reason))
            r++;
        if (r == out->nreasons)
            snprintf(out->reasons[out->nreasons++].reason, sizeof out->reasons[r].reason, "%s",
                     b->yard_reason);
        out->reasons[r].boxes++;
    }
    if (out->boxes)
        out->moves_per_box = (double)out->moves / (double)out->boxes;
    if (out->imports)
        out->import_moves_per_box = (double)out->import_moves / (double)out->imports;
    if (out->exports)
        out->export_moves_per_box = (double)out->export_moves / (double)out->exports;
    qsort(out->dwell_min, out->ndwell, sizeof *out->dwell_min, s_dbl_cmp);
    out->dwell_median_min = s_quantile(out->dwell_min, out->ndwell, 0.5);
    out->dwell_p90_min = s_quantile(out->dwell_min, out->ndwell, 0.9);
    qsort(export_dwell, nexport, sizeof *export_dwell, s_dbl_cmp);
    out->export_dwell_median_min = s_quantile(export_dwell, nexport, 0.5);
    qsort(wait, out->inspected, sizeof *wait, s_dbl_cmp);
    out->inspection_wait_median_min = s_quantile(wait, out->inspected, 0.5);
    out->inspection_wait_p90_min = s_quantile(wait, out->inspected, 0.9);
    double sum = 0;
    for (size_t i = 0; i < out->inspected; i++)
        sum += wait[i];
    out->inspection_wait_mean_min = out->inspected ? sum / (double)out->inspected : 0;
    qsort(out->reasons, out->nreasons, sizeof *out->reasons, s_reason_cmp);

    /* occupancy: boxes in the yard at each whole hour, from the hour of the
     * first arrival to the last departure (Beijing hours: whole UTC hours) */
    if (out->boxes) {
        out->start_ms = first - first % S_HOUR;
        out->hours = (size_t)((last - out->start_ms) / S_HOUR) + 1;
        out->yard_occupancy = calloc(out->hours, sizeof *out->yard_occupancy);
        int *delta = calloc(out->hours + 1, sizeof *delta);
        if (!out->yard_occupancy || !delta) {
            free(delta);
            goto oom;
        } /* a stay [in, out) counts at the hour marks t with in <= t < out:
           * +1 at the first mark at or after in, -1 at the first at or after out */
        int running = 0;
        for (size_t k = 0; k < day->nboxes; k++) {
            const kn_flow_box_t *b = &f->boxes[k];
            if (!b->out_ms)
                continue;
            for (int i = 0; i < 2; i++) {
                if (!b->yard_in_ms[i])
                    continue;
                int64_t in = b->yard_in_ms[i],
                        to = b->yard_out_ms[i] ? b->yard_out_ms[i] : b->out_ms;
                size_t h0 = (size_t)((in - out->start_ms + S_HOUR - 1) / S_HOUR);
                size_t h1 = (size_t)((to - out->start_ms + S_HOUR - 1) / S_HOUR);
                if (h0 > out->hours)
                    h0 = out->hours;
                if (h1 > out->hours)
                    h1 = out->hours;
                delta[h0]++;
                delta[h1]--;
            }
        }
        for (size_t h = 0; h < out->hours; h++) {
            running += delta[h];
            out->yard_occupancy[h] = (unsigned)(running > 0 ? running : 0);
        }
        free(delta);
        /* the peak between the hour marks: sweep the stays' ends in time */
        size_t nends = 0;
        for (size_t k = 0; k < day->nboxes; k++)
            for (int i = 0; i < 2; i++)
                nends += f->boxes[k].out_ms && f->boxes[k].yard_in_ms[i] ? 2 : 0;
        int64_t *ends = calloc(nends ? nends : 1, sizeof *ends);
        if (!ends)
            goto oom;
        size_t e = 0;
        for (size_t k = 0; k < day->nboxes; k++) {
            const kn_flow_box_t *b = &f->boxes[k];
            for (int i = 0; i < 2 && b->out_ms; i++) {
                if (!b->yard_in_ms[i])
                    continue; /* in as an odd key, out as an even one: at equal times the
                               * departure counts first */
                ends[e++] = b->yard_in_ms[i] * 2 + 1;
                ends[e++] = (b->yard_out_ms[i] ? b->yard_out_ms[i] : b->out_ms) * 2;
            }
        }
        qsort(ends, nends, sizeof *ends, s_i64_cmp);
        int in_yard = 0;
        for (size_t i = 0; i < nends; i++) {
            in_yard += ends[i] % 2 ? 1 : -1;
            if (in_yard > 0 && (unsigned)in_yard > out->yard_peak)
                out->yard_peak = (unsigned)in_yard;
        }
        free(ends);
    }
    free(export_dwell);
    free(wait);
    return 0;
oom:
    free(export_dwell);
    free(wait);
    kn_kpi_free(out);
    return KN_ENOMEM;
}
