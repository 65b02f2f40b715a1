/* kouan — container visit state machine: see visit.h for the rules. */
#include "visit.h"
#include "embed.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "err.h"
#include "feel.h"

/* rules/diversion.dmn, built in by the build (cmake/embed.cmake) */
extern const kn_embedded_t kn__builtin_rules[];

/* What a fact states. */
enum {
    K_NONE = 0,
    K_DISCHARGE_OK,   /* CUS APPR: CLM10041 discharge instruction */
    K_HOLD,           /* CUS HOLD: inspection order (exam_type) or plain hold */
    K_RELEASE,        /* CUS RELS */
    K_RECEIPT,        /* CUS RECE: manifest receipt */
    K_TAX_PAID,       /* TAX CMPL */
    K_TAX_GUARANTEED, /* TAX APPR */
    K_TAX_REFUSED,    /* TAX REJE */
    K_TAX_VOID,       /* TAX VOID */
    K_DISC,
    K_LOAD,
    K_GTIN,
    K_GTOT,
    K_INSP,
    K_ARRIVED,   /* vessel ARRI, actual */
    K_BERTH_PLAN /* vessel ARRI, planned or estimated */
};

/* Most input columns kn_visit_decide() fills for one table. */
#define S_MAX_COLUMNS 64

/* Exam severities, ordered. */
enum { S_EXAM_NONE = 0, S_EXAM_SCAN, S_EXAM_PHYSICAL, S_EXAM_QUARANTINE };

static const char *const s_exam_tokens[] = {"none", "scan", "physical", "quarantine"};

/* Customs state derived from the fact set. */
typedef struct {
    kn_visit_customs_t instruction;
    int exam;             /* severity of the uncleared inspection orders */
    const char *exam_raw; /* its code as sent, "" when none */
    bool pending;         /* an uncleared inspection order not yet inspected */
    bool inspected_clear; /* an inspection order inspected and released */
} s_customs_t;

/* --- small helpers ------------------------------------------------------ */

static bool s_given(const char *s)
{
    return s && *s;
}

static bool s_eq(const char *a, const char *b)
{
    return a && b && strcmp(a, b) == 0;
}

/* Copy src into dst when it fits; false otherwise. */
static bool s_copy(char *dst, size_t size, const char *src)
{
    size_t len = strlen(src);
    if (len >= size)
        return false;
    memcpy(dst, src, len + 1);
    return true;
}

/* Keep the smaller (strcmp) of dst and src, so that the order in which the
 * values arrive does not matter; a value too long for dst is not kept. */
static void s_keep_min(char *dst, size_t size, const char *src)
{
    if (!s_given(src) || strlen(src) >= size)
        return;
    if (!*dst || strcmp(src, dst) < 0)
        s_copy(dst, size, src);
}

static uint64_t s_hash(uint64_t h, const char *s)
{
    if (s)
        for (; *s; s++)
            h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    /* separator, and a different one for NULL, so fields cannot run together */
    return (h ^ (s ? 0x1fu : 0x1eu)) * 1099511628211ULL;
}

static uint64_t s_hash_int(uint64_t h, int v)
{
    char buf[16];
    snprintf(buf, sizeof buf, "%d", v);
    return s_hash(h, buf);
}

static int64_t s_time(const char *text)
{
    kn_feel_value_t v;
    if (!s_given(text) || kn_feel_datetime_parse(text, strlen(text), &v) != 0)
        return KN_VISIT_NO_TIME;
    return v.as.t;
}

/* later was at or after earlier; an unknown time matches any. */
static bool s_at_or_after(int64_t later, int64_t earlier)
{
    return later == KN_VISIT_NO_TIME || earlier == KN_VISIT_NO_TIME || later >= earlier;
}

static int s_exam_class(const char *raw)
{
    if (!s_given(raw))
        return S_EXAM_NONE;
    if (!strcasecmp(raw, "H986") || !strcasecmp(raw, "SCAN") || !strcasecmp(raw, "XRAY"))
        return S_EXAM_SCAN;
    if (!strcasecmp(raw, "QUARANTINE") || !strcasecmp(raw, "CIQ") || !strcasecmp(raw, "QUAR"))
        return S_EXAM_QUARANTINE;
    return S_EXAM_PHYSICAL; /* MANUAL, OPEN, or unknown: the inspection area handles all */
}

static int s_kind(const kn_event_t *ev)
{
    const char *code = ev->code ? ev->code : "";
    switch (ev->type) {
    case KN_EVENT_EQUIPMENT:
        if (ev->classifier != KN_CLASS_ACT)
            return K_NONE; /* a planned move is not a milestone */
        if (!strcmp(code, "DISC"))
            return K_DISC;
        if (!strcmp(code, "LOAD"))
            return K_LOAD;
        if (!strcmp(code, "GTIN"))
            return K_GTIN;
        if (!strcmp(code, "GTOT"))
            return K_GTOT;
        if (!strcmp(code, "INSP"))
            return K_INSP;
        return K_NONE;
    case KN_EVENT_TRANSPORT:
        if (!strcmp(code, "ARRI"))
            return ev->classifier == KN_CLASS_ACT ? K_ARRIVED : K_BERTH_PLAN;
        return K_NONE;
    case KN_EVENT_SHIPMENT:
        break;
    default:
        return K_NONE;
    }
    bool tax =
        ev->document_type_code ? !strcmp(ev->document_type_code, "TAX") : s_given(ev->tax_status);
    if (tax) {
        if (!strcmp(code, "CMPL") || s_eq(ev->tax_status, "PAID"))
            return K_TAX_PAID;
        if (!strcmp(code, "APPR") || s_eq(ev->tax_status, "GUARANTEED"))
            return K_TAX_GUARANTEED;
        if (!strcmp(code, "REJE") || s_eq(ev->tax_status, "REFUSED"))
            return K_TAX_REFUSED;
        if (!strcmp(code, "VOID") || s_eq(ev->tax_status, "CANCELLED"))
            return K_TAX_VOID;
        return K_NONE;
    }
    if (ev->document_type_code && strcmp(ev->document_type_code, "CUS"))
        return K_NONE;
    if (!strcmp(code, "APPR"))
        return K_DISCHARGE_OK;
    if (!strcmp(code, "HOLD"))
        return K_HOLD;
    if (!strcmp(code, "RELS"))
        return K_RELEASE;
    if (!strcmp(code, "RECE"))
        return K_RECEIPT;
    return K_NONE;
}

static bool s_is_tax(int kind)
{
    return kind >= K_TAX_PAID && kind <= K_TAX_VOID;
}

/* --- the fact set ------------------------------------------------------- */

/* An add that no withdrawal in the set cancels. */
static bool s_active(const kn_visit_t *v, const kn_visit_fact_t *f)
{
    if (f->withdraw)
        return false;
    for (size_t i = 0; i < v->n_facts; i++) {
        const kn_visit_fact_t *w = &v->facts[i];
        if (!w->withdraw || w->kind != f->kind)
            continue;
        if ((w->ref && w->ref == f->ref) || s_at_or_after(w->time, f->time))
            return false; /* withdrawn */
    }
    return true;
}

/* The active fact of kind with the earliest (first) or latest (!first) time;
 * NULL when none.  Undated facts sort before dated ones. */
static const kn_visit_fact_t *s_find(const kn_visit_t *v, int kind, bool first)
{
    const kn_visit_fact_t *best = NULL;
    for (size_t i = 0; i < v->n_facts; i++) {
        const kn_visit_fact_t *f = &v->facts[i];
        if (f->kind != kind || !s_active(v, f))
            continue;
        if (!best || (first ? f->time < best->time : f->time > best->time))
            best = f;
    }
    return best;
}

static bool s_has(const kn_visit_t *v, int kind)
{
    return s_find(v, kind, true) != NULL;
}

/* An INSP dated at or after the order reports it done. */
static bool s_inspected(const kn_visit_t *v, const kn_visit_fact_t *hold)
{
    for (size_t i = 0; i < v->n_facts; i++) {
        const kn_visit_fact_t *f = &v->facts[i];
        if (f->kind == K_INSP && s_active(v, f) && s_at_or_after(f->time, hold->time))
            return true;
    }
    return false;
}

static bool s_released_after(const kn_visit_t *v, const kn_visit_fact_t *hold)
{
    for (size_t i = 0; i < v->n_facts; i++) {
        const kn_visit_fact_t *f = &v->facts[i];
        if (f->kind == K_RELEASE && s_active(v, f) && s_at_or_after(f->time, hold->time))
            return true;
    }
    return false;
}

static s_customs_t s_customs(const kn_visit_t *v)
{
    s_customs_t c = {.instruction = KN_VISIT_CUSTOMS_NONE, .exam = S_EXAM_NONE, .exam_raw = ""};
    bool hold = false;
    for (size_t i = 0; i < v->n_facts; i++) {
        const kn_visit_fact_t *f = &v->facts[i];
        if (f->kind != K_HOLD || !s_active(v, f))
            continue;
        bool exam = f->exam_type[0] != '\0';
        bool inspected = exam && s_inspected(v, f);
        bool cleared = s_released_after(v, f) && (!exam || inspected);
        if (cleared) {
            if (exam)
                c.inspected_clear = true;
            continue;
        }
        if (!exam) {
            hold = true;
            continue;
        }
        if (!inspected)
            c.pending = true;
        int sev = s_exam_class(f->exam_type);
        if (sev > c.exam || (sev == c.exam && strcmp(f->exam_type, c.exam_raw) < 0)) {
            c.exam = sev;
            c.exam_raw = f->exam_type;
        }
    }
    if (c.exam != S_EXAM_NONE)
        c.instruction = KN_VISIT_CUSTOMS_INSPECT;
    else if (hold)
        c.instruction = KN_VISIT_CUSTOMS_HOLD;
    else if (s_has(v, K_RELEASE))
        c.instruction = KN_VISIT_CUSTOMS_RELEASE;
    if (c.instruction != KN_VISIT_CUSTOMS_RELEASE)
        c.inspected_clear = false;
    return c;
}

/* --- public ------------------------------------------------------------- */

int kn_visit_init(kn_visit_t *visit, const char *container)
{
    assert(visit);
    memset(visit, 0, sizeof *visit);
    visit->dangerous = -1;
    if (container && !s_copy(visit->container, sizeof visit->container, container))
        return KN_EINVAL;
    return 0;
}

int kn_visit_apply(kn_visit_t *visit, const kn_event_t *ev)
{
    assert(visit && ev);
    if (s_given(ev->equipment_reference)) {
        if (!visit->container[0]) {
            if (!s_copy(visit->container, sizeof visit->container, ev->equipment_reference))
                return KN_EINVAL;
        } else if (strcmp(visit->container, ev->equipment_reference)) {
            return KN_EINVAL;
        }
    }
    int kind = s_kind(ev);
    if (kind == K_NONE)
        return 0;

    uint64_t id = 14695981039346656037ULL;
    id = s_hash_int(id, ev->function);
    id = s_hash_int(id, kind);
    id = s_hash(id, ev->message_ref);
    id = s_hash(id, ev->entry_id);
    id = s_hash(id, ev->transport_document_reference);
    id = s_hash(id, ev->event_datetime);
    id = s_hash(id, ev->exam_type);
    id = s_hash(id, ev->carrier_booking_reference);
    for (size_t i = 0; i < visit->n_facts; i++)
        if (visit->facts[i].id == id)
            return 0; /* the same event again */
    if (visit->n_facts >= KN_VISIT_MAX_FACTS)
        return KN_ETOOBIG;

    kn_visit_fact_t *f = &visit->facts[visit->n_facts++];
    memset(f, 0, sizeof *f);
    f->id = id;
    f->ref = s_given(ev->message_ref) ? s_hash(14695981039346656037ULL, ev->message_ref) : 0;
    f->time = s_time(ev->event_datetime);
    f->kind = (uint8_t)kind;
    f->withdraw = ev->function == KN_FUNC_WITHDRAW;
    f->declaration = s_given(ev->entry_id);
    f->booking = s_given(ev->carrier_booking_reference);
    if (kind == K_HOLD && s_given(ev->exam_type) &&
        !s_copy(f->exam_type, sizeof f->exam_type, ev->exam_type))
        s_copy(f->exam_type, sizeof f->exam_type, "UNKNOWN"); /* still an inspection */

    if (!f->withdraw) {
        s_keep_min(visit->bill, sizeof visit->bill, ev->transport_document_reference);
        s_keep_min(visit->booking, sizeof visit->booking, ev->carrier_booking_reference);
        s_keep_min(visit->entry_id, sizeof visit->entry_id, ev->entry_id);
        s_keep_min(visit->vessel_name, sizeof visit->vessel_name, ev->vessel_name);
        s_keep_min(visit->vessel_imo, sizeof visit->vessel_imo, ev->vessel_imo);
        s_keep_min(visit->voyage, sizeof visit->voyage, ev->voyage);
        s_keep_min(visit->facility, sizeof visit->facility, ev->facility_code);
        s_keep_min(visit->iso_code, sizeof visit->iso_code, ev->iso_equipment_code);
    }
    return 0;
}

void kn_visit_set_dangerous_goods(kn_visit_t *visit, bool dangerous)
{
    assert(visit);
    visit->dangerous = dangerous ? 1 : 0;
}

kn_visit_direction_t kn_visit_direction(const kn_visit_t *visit)
{
    assert(visit);
    if (s_has(visit, K_DISCHARGE_OK) || s_has(visit, K_DISC))
        return KN_VISIT_IMPORT;
    if (s_has(visit, K_LOAD))
        return KN_VISIT_EXPORT;
    for (size_t i = 0; i < visit->n_facts; i++) {
        const kn_visit_fact_t *f = &visit->facts[i];
        if (f->kind == K_GTIN && f->booking && s_active(visit, f))
            return KN_VISIT_EXPORT;
    }
    return KN_VISIT_UNKNOWN;
}

kn_visit_customs_t kn_visit_customs(const kn_visit_t *visit)
{
    assert(visit);
    return s_customs(visit).instruction;
}

const char *kn_visit_exam_type(const kn_visit_t *visit)
{
    assert(visit);
    return s_exam_tokens[s_customs(visit).exam];
}

kn_visit_phase_t kn_visit_phase(const kn_visit_t *visit)
{
    assert(visit);
    kn_visit_direction_t dir = kn_visit_direction(visit);
    if (s_has(visit, K_GTOT) || (dir == KN_VISIT_EXPORT && s_has(visit, K_LOAD)))
        return KN_VISIT_CLOSED;
    if (dir == KN_VISIT_EXPORT)
        return s_has(visit, K_GTIN) ? KN_VISIT_AT_GATE : KN_VISIT_NEW;
    if (dir != KN_VISIT_IMPORT)
        return KN_VISIT_NEW;
    if (!s_has(visit, K_DISC))
        return s_has(visit, K_DISCHARGE_OK) || s_has(visit, K_ARRIVED) || s_has(visit, K_BERTH_PLAN)
                   ? KN_VISIT_PLANNED
                   : KN_VISIT_NEW;
    s_customs_t c = s_customs(visit);
    switch (c.instruction) {
    case KN_VISIT_CUSTOMS_INSPECT:
        return c.pending ? KN_VISIT_AT_INSPECTION : KN_VISIT_INSPECTED;
    case KN_VISIT_CUSTOMS_RELEASE:
        return KN_VISIT_RELEASED;
    default:
        return KN_VISIT_DISCHARGED;
    }
}

bool kn_visit_declared_before_arrival(const kn_visit_t *visit)
{
    assert(visit);
    int64_t arrival = KN_VISIT_NO_TIME;
    bool export = kn_visit_direction(visit) == KN_VISIT_EXPORT;
    for (size_t i = 0; i < visit->n_facts; i++) {
        const kn_visit_fact_t *f = &visit->facts[i];
        bool arrives = export ? f->kind == K_GTIN : f->kind == K_DISC || f->kind == K_ARRIVED;
        if (arrives && f->time != KN_VISIT_NO_TIME && s_active(visit, f) &&
            (arrival == KN_VISIT_NO_TIME || f->time < arrival))
            arrival = f->time;
    }
    for (size_t i = 0; i < visit->n_facts; i++) {
        const kn_visit_fact_t *f = &visit->facts[i];
        bool evidence = f->kind == K_HOLD || f->kind == K_RELEASE || s_is_tax(f->kind) ||
                        (f->declaration && f->kind <= K_RECEIPT);
        if (!evidence || !s_active(visit, f))
            continue;
        if (arrival == KN_VISIT_NO_TIME || (f->time != KN_VISIT_NO_TIME && f->time < arrival))
            return true;
    }
    return false;
}

const char *kn_visit_tax_status(const kn_visit_t *visit)
{
    assert(visit);
    const kn_visit_fact_t *best = NULL;
    int best_rank = 0;
    for (size_t i = 0; i < visit->n_facts; i++) {
        const kn_visit_fact_t *f = &visit->facts[i];
        if (!s_is_tax(f->kind) || !s_active(visit, f))
            continue;
        int rank = f->kind == K_TAX_REFUSED || f->kind == K_TAX_VOID;
        /* latest by time; at one time refused beats paid; then any fixed order */
        if (!best || f->time > best->time ||
            (f->time == best->time &&
             (rank > best_rank ||
              (rank == best_rank &&
               (f->ref > best->ref || (f->ref == best->ref && f->id > best->id)))))) {
            best = f;
            best_rank = rank;
        }
    }
    if (!best)
        return NULL;
    switch (best->kind) {
    case K_TAX_PAID:
        return "paid";
    case K_TAX_GUARANTEED:
        return "deferred";
    default:
        return "unpaid";
    }
}

bool kn_visit_reefer(const kn_visit_t *visit)
{
    assert(visit);
    return strlen(visit->iso_code) >= 3 && visit->iso_code[2] == 'R';
}

static int64_t s_milestone(const kn_visit_t *v, int kind, bool first)
{
    const kn_visit_fact_t *f = s_find(v, kind, first);
    if (!f)
        return KN_VISIT_NO_TIME;
    return f->time == KN_VISIT_NO_TIME ? 0 : f->time; /* seen, undated */
}

kn_visit_milestones_t kn_visit_milestones(const kn_visit_t *visit)
{
    assert(visit);
    kn_visit_milestones_t m = {
        .arrived = s_milestone(visit, K_ARRIVED, true),
        .discharged = s_milestone(visit, K_DISC, true),
        .gated_in = s_milestone(visit, K_GTIN, true),
        .inspected = s_milestone(visit, K_INSP, false),
        .gated_out = s_milestone(visit, K_GTOT, false),
        .loaded = s_milestone(visit, K_LOAD, false),
    };
    return m;
}

int64_t kn_visit_latest_time(const kn_visit_t *visit)
{
    assert(visit);
    int64_t latest = KN_VISIT_NO_TIME;
    for (size_t i = 0; i < visit->n_facts; i++)
        if (visit->facts[i].time != KN_VISIT_NO_TIME && visit->facts[i].time > latest)
            latest = visit->facts[i].time;
    return latest;
}

const char *kn_visit_container(const kn_visit_t *visit)
{
    return visit->container;
}

const char *kn_visit_bill(const kn_visit_t *visit)
{
    return visit->bill;
}

const char *kn_visit_booking(const kn_visit_t *visit)
{
    return visit->booking;
}

const char *kn_visit_vessel_name(const kn_visit_t *visit)
{
    return visit->vessel_name;
}

const char *kn_visit_voyage(const kn_visit_t *visit)
{
    return visit->voyage;
}

const char *kn_visit_facility(const kn_visit_t *visit)
{
    return visit->facility;
}

const char *kn_visit_route(const kn_visit_t *visit)
{
    return visit->route;
}

const char *kn_visit_sent_route(const kn_visit_t *visit)
{
    return visit->sent ? visit->sent_route : NULL;
}

uint32_t kn_visit_instructions(const kn_visit_t *visit)
{
    return visit->instructions;
}

void kn_visit_inputs(const kn_visit_t *visit, kn_visit_input_t out[KN_VISIT_INPUT_COUNT])
{
    assert(visit && out);
    kn_visit_direction_t dir = kn_visit_direction(visit);
    s_customs_t c = s_customs(visit);
    const char *direction = dir == KN_VISIT_IMPORT   ? "import"
                            : dir == KN_VISIT_EXPORT ? "export"
                                                     : NULL;
    bool declared = kn_visit_declared_before_arrival(visit) || c.inspected_clear;
    out[0] = (kn_visit_input_t){"direction", kn_feel_string(direction)};
    out[1] = (kn_visit_input_t){"declaredBeforeArrival", kn_feel_bool(declared)};
    out[2] = (kn_visit_input_t){"customsInstruction",
                                kn_feel_string(kn_visit_customs_name(c.instruction))};
    out[3] = (kn_visit_input_t){"examType", kn_feel_string(s_exam_tokens[c.exam])};
    out[4] = (kn_visit_input_t){"taxStatus", kn_feel_string(kn_visit_tax_status(visit))};
    out[5] = (kn_visit_input_t){"dangerousGoods", kn_feel_bool(visit->dangerous == 1)};
    out[6] = (kn_visit_input_t){"reefer", kn_feel_bool(kn_visit_reefer(visit))};
}

int kn_visit_check_table(const kn_dmn_table_t *table, kn_error_t *err)
{
    kn_visit_t empty;
    kn_visit_init(&empty, NULL);
    kn_visit_input_t in[KN_VISIT_INPUT_COUNT];
    kn_visit_inputs(&empty, in);
    for (size_t i = 0; i < kn_dmn_input_count(table); i++) {
        const char *name = kn_dmn_input_name(table, i);
        bool known = false;
        for (size_t k = 0; k < KN_VISIT_INPUT_COUNT && !known; k++)
            known = !strcmp(name, in[k].name);
        if (!known)
            return kn_error_set(err, KN_ESCHEMA, "",
                                "decision %s: input %zu (%s) is not a fact of a container visit "
                                "(direction, declaredBeforeArrival, customsInstruction, examType, "
                                "taxStatus, dangerousGoods, reefer)",
                                kn_dmn_table_id(table), i + 1, name);
    }
    int route = kn_dmn_output_index(table, "route");
    if (route < 0 || kn_dmn_output_type(table, (size_t)route) != KN_FEEL_STRING)
        return kn_error_set(err, KN_ESCHEMA, "", "decision %s: no string output \"route\"",
                            kn_dmn_table_id(table));
    return 0;
}

kn_dmn_t *kn_visit_builtin_rules(kn_error_t *err)
{
    const kn_embedded_t *f = kn_embedded_find(kn__builtin_rules, "diversion.dmn");
    if (!f) {
        kn_error_set(err, KN_ECONFIG, "", "no built-in rules/diversion.dmn");
        return NULL;
    }
    return kn_dmn_load_memory(f->data, f->len, "built-in rules/diversion.dmn", err);
}

void kn_visit_fill(const kn_visit_t *visit, const kn_dmn_table_t *table, kn_dmn_value_t *inputs)
{
    assert(visit && table && inputs);
    kn_visit_input_t in[KN_VISIT_INPUT_COUNT];
    kn_visit_inputs(visit, in);
    kn_dmn_inputs_clear(table, inputs);
    for (size_t i = 0; i < KN_VISIT_INPUT_COUNT; i++)
        (void)kn_dmn_input_set(table, inputs, in[i].name, in[i].value); /* absent: fine */
}

/* The route and reason the table gives, or the YARD fallback. */
static void s_evaluate(const kn_visit_t *v, const kn_dmn_table_t *table, kn_visit_decision_t *out)
{
    kn_dmn_value_t inputs[S_MAX_COLUMNS];
    kn_dmn_result_t result;
    const char *why = NULL;

    if (kn_dmn_input_count(table) > S_MAX_COLUMNS) {
        out->status = KN_DMN_ENOINPUT;
        why = "the table has too many inputs";
        goto fallback;
    }
    kn_visit_fill(v, table, inputs);
    out->status = kn_dmn_eval(table, inputs, &result);
    if (out->status != KN_DMN_OK) {
        why = result.reason;
        goto fallback;
    }
    if (result.n_rows == 0) {
        why = "no rule matched";
        goto fallback;
    }
    int col = kn_dmn_output_index(table, "route");
    const kn_dmn_value_t *route = kn_dmn_result_value(&result, 0, col < 0 ? 0 : (size_t)col);
    if (!route || route->type != KN_FEEL_STRING || route->len == 0 ||
        route->len >= sizeof out->route) {
        why = "the route output is not a route name";
        goto fallback;
    }
    memcpy(out->route, route->as.s, route->len);
    out->route[route->len] = '\0';

    col = kn_dmn_output_index(table, "reason");
    const kn_dmn_value_t *reason = col < 0 ? NULL : kn_dmn_result_value(&result, 0, (size_t)col);
    if (reason && reason->type == KN_FEEL_STRING)
        snprintf(out->reason, sizeof out->reason, "%.*s", (int)reason->len, reason->as.s);

    uint32_t n = result.n_matched < KN_DMN_MAX_MATCHES ? result.n_matched : KN_DMN_MAX_MATCHES;
    out->n_rules = n < KN_VISIT_MAX_RULES ? n : KN_VISIT_MAX_RULES;
    memcpy(out->rules, result.matched, out->n_rules * sizeof out->rules[0]);
    if (result.rows[0] != KN_DMN_NO_RULE) {
        const char *id = kn_dmn_rule_id(table, result.rows[0]);
        if (id)
            snprintf(out->rule_id, sizeof out->rule_id, "%s", id);
        else
            snprintf(out->rule_id, sizeof out->rule_id, "rule %u", result.rows[0] + 1);
    }
    return;

fallback:
    s_copy(out->route, sizeof out->route, "YARD");
    snprintf(out->reason, sizeof out->reason, "no route from the rules (%.200s): yard", why);
    out->n_rules = 0;
    out->rule_id[0] = '\0';
}

kn_visit_action_t kn_visit_decide(kn_visit_t *visit, const kn_dmn_table_t *table,
                                  kn_visit_decision_t *out)
{
    assert(visit && table && out);
    memset(out, 0, sizeof *out);
    out->phase = kn_visit_phase(visit);
    out->status = KN_DMN_OK;
    if (visit->sent)
        s_copy(out->previous_route, sizeof out->previous_route, visit->sent_route);
    kn_visit_inputs(visit, out->inputs);

    if (out->phase == KN_VISIT_CLOSED) {
        s_copy(out->route, sizeof out->route, visit->route);
        out->note = "visit closed";
        out->action = KN_VISIT_CLOSE;
        return out->action;
    }
    kn_visit_direction_t dir = kn_visit_direction(visit);
    if (dir == KN_VISIT_UNKNOWN) {
        /* what made it an import or export visit was withdrawn (or never came) */
        out->action = visit->sent ? KN_VISIT_WITHDRAW : KN_VISIT_NONE;
        out->note = visit->sent ? "nothing left to plan on: withdraw the instruction"
                                : "direction not known yet";
        return out->action;
    }

    s_evaluate(visit, table, out);
    s_copy(visit->route, sizeof visit->route, out->route);
    s_customs_t c = s_customs(visit);
    if (c.instruction == KN_VISIT_CUSTOMS_INSPECT)
        s_copy(out->exam_type, sizeof out->exam_type, c.exam_raw);

    bool discharged = s_has(visit, K_DISC);
    bool trigger = dir == KN_VISIT_EXPORT
                       ? s_has(visit, K_GTIN)
                       : discharged || s_has(visit, K_DISCHARGE_OK) || s_has(visit, K_ARRIVED) ||
                             s_has(visit, K_BERTH_PLAN);
    if (!trigger) {
        out->action = visit->sent ? KN_VISIT_WITHDRAW : KN_VISIT_NONE;
        out->note = visit->sent ? "nothing left to plan on: withdraw the instruction"
                    : dir == KN_VISIT_EXPORT
                        ? "not yet time: not gated in"
                        : "not yet time: no discharge instruction, berthing plan or discharge";
        return out->action;
    }
    if (!visit->sent) {
        out->action = KN_VISIT_SEND;
        out->note = dir == KN_VISIT_EXPORT ? "gated in: route at the gate"
                    : discharged           ? "discharged with no plan: decided at once"
                                           : "first plan";
    } else if (strcmp(out->route, visit->sent_route)) {
        out->action = KN_VISIT_SEND;
        out->supersedes = true;
        out->note = "route changed: the new instruction supersedes the previous one";
    } else if (visit->sent_rule[0] && out->rule_id[0] && strcmp(out->rule_id, visit->sent_rule)) {
        /* same route for another reason (held, then released but duty
         * unpaid): the terminal and the agent are told why it stays */
        out->action = KN_VISIT_SEND;
        out->supersedes = true;
        out->note = "reason changed: the instruction is sent again with the new reason";
    } else {
        out->action = KN_VISIT_NONE;
        out->note = "route unchanged";
    }
    return out->action;
}

void kn_visit_sent(kn_visit_t *visit, const kn_visit_decision_t *decision)
{
    assert(visit && decision);
    if (decision->action == KN_VISIT_SEND) {
        visit->sent = s_copy(visit->sent_route, sizeof visit->sent_route, decision->route);
        s_copy(visit->sent_rule, sizeof visit->sent_rule, decision->rule_id);
        visit->instructions++;
    } else if (decision->action == KN_VISIT_WITHDRAW) {
        visit->sent = false;
        visit->sent_route[0] = '\0';
        visit->sent_rule[0] = '\0';
    }
}

const char *kn_visit_direction_name(kn_visit_direction_t direction)
{
    switch (direction) {
    case KN_VISIT_IMPORT:
        return "import";
    case KN_VISIT_EXPORT:
        return "export";
    default:
        return "unknown";
    }
}

const char *kn_visit_phase_name(kn_visit_phase_t phase)
{
    switch (phase) {
    case KN_VISIT_NEW:
        return "NEW";
    case KN_VISIT_PLANNED:
        return "PLANNED";
    case KN_VISIT_DISCHARGED:
        return "DISCHARGED";
    case KN_VISIT_AT_INSPECTION:
        return "AT_INSPECTION";
    case KN_VISIT_INSPECTED:
        return "INSPECTED";
    case KN_VISIT_RELEASED:
        return "RELEASED";
    case KN_VISIT_AT_GATE:
        return "AT_GATE";
    case KN_VISIT_CLOSED:
        return "CLOSED";
    }
    return "UNKNOWN";
}

const char *kn_visit_action_name(kn_visit_action_t action)
{
    switch (action) {
    case KN_VISIT_NONE:
        return "NONE";
    case KN_VISIT_SEND:
        return "SEND";
    case KN_VISIT_WITHDRAW:
        return "WITHDRAW";
    case KN_VISIT_CLOSE:
        return "CLOSE";
    }
    return "UNKNOWN";
}

const char *kn_visit_customs_name(kn_visit_customs_t customs)
{
    switch (customs) {
    case KN_VISIT_CUSTOMS_RELEASE:
        return "release";
    case KN_VISIT_CUSTOMS_INSPECT:
        return "inspect";
    case KN_VISIT_CUSTOMS_HOLD:
        return "hold";
    default:
        return "none";
    }
}
