#include "divert.h"
#include "dedupe.h"
#include "err.h"
#include "instruction.h"
#include "log.h"
#include "slots.h"
#include "status.h"
#include "visit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define S_BUCKETS 65536 /* a power of two */
#define S_BOX_MAX 15    /* container numbers are 11 characters */

typedef struct s_node {
    struct s_node *next;
    char box[S_BOX_MAX + 1];
    kn_visit_t visit;
    char slot_area[72]; /* the inspection slot held, "" when none */
    int64_t slot_start; /* ms since the epoch, -1 when none */
    char phase[24];     /* the phase last written to the visit row, "" when none */
} s_node_t;

struct kn_divert {
    s_node_t **buckets; /* chained: box → visit */
    size_t count;
    size_t sweep; /* next bucket to empty when over the limit */
    /* Which boxes the database may know (every box that ever had a visit)
     * and which bills have events naming no box: a box outside both has no
     * past to load.  Loaded with the first batch, then kept up to date with
     * what this broker writes (the only writer of visits). */
    kn_bloom_t *known_boxes, *known_bills;
    /* Inspection slots taken per area and hour; rebuilt from the visits'
     * rows when a batch did not commit as computed. */
    kn_slots_t *slots;
    bool slots_ready;
    int64_t slot_newest; /* the latest base time seen: older hours are pruned */
    /* Ids of instructions and status events: this process's start (ms) and a
     * counter, so that no two are the same across restarts either. */
    long long id_base;
    unsigned long long id_seq;
};

/* Keep at most max visits in memory (a batch may add more until the next
 * call): empty whole buckets, round robin, until under 90% of max.  Any visit
 * can be rebuilt from the database, so which ones go only costs a query. */
static void s_trim(kn_divert_t *self, size_t max)
{
    if (self->count <= max)
        return;
    size_t target = max - max / 10;
    while (self->count > target) {
        s_node_t **b = &self->buckets[self->sweep];
        while (*b) {
            s_node_t *dead = *b;
            *b = dead->next;
            free(dead);
            self->count--;
        }
        self->sweep = (self->sweep + 1) & (S_BUCKETS - 1);
    }
}

kn_divert_t *kn_divert_new(void)
{
    kn_divert_t *self = calloc(1, sizeof *self);
    if (self) {
        struct timespec now;
        clock_gettime(CLOCK_REALTIME, &now);
        self->id_base = (long long)now.tv_sec * 1000 + now.tv_nsec / 1000000;
    }
    if (self && (!(self->buckets = calloc(S_BUCKETS, sizeof *self->buckets)) ||
                 !(self->slots = kn_slots_new()))) {
        free(self->buckets);
        free(self);
        return NULL;
    }
    return self;
}

void kn_divert_destroy(kn_divert_t **self)
{
    if (!self || !*self)
        return;
    for (size_t i = 0; i < S_BUCKETS; i++)
        for (s_node_t *n = (*self)->buckets[i], *next; n; n = next) {
            next = n->next;
            free(n);
        }
    free((*self)->buckets);
    kn_bloom_destroy(&(*self)->known_boxes);
    kn_bloom_destroy(&(*self)->known_bills);
    kn_slots_destroy(&(*self)->slots);
    free(*self);
    *self = NULL;
}

size_t kn_divert_cached(const kn_divert_t *self)
{
    return self->count;
}

static size_t s_hash(const char *box)
{
    uint64_t h = 1469598103934665603ULL;
    for (const char *p = box; *p; p++)
        h = (h ^ (unsigned char)*p) * 1099511628211ULL;
    return (size_t)h & (S_BUCKETS - 1);
}

static s_node_t *s_find(const kn_divert_t *self, const char *box)
{
    for (s_node_t *n = self->buckets[s_hash(box)]; n; n = n->next)
        if (!strcmp(n->box, box))
            return n;
    return NULL;
}

/* The cached visit of box, made empty when there is none; NULL on no memory. */
static s_node_t *s_get(kn_divert_t *self, const char *box)
{
    s_node_t *n = s_find(self, box);
    if (n)
        return n;
    n = malloc(sizeof *n);
    if (!n)
        return NULL;
    snprintf(n->box, sizeof n->box, "%s", box);
    kn_visit_init(&n->visit, box);
    n->slot_area[0] = '\0';
    n->slot_start = -1;
    n->phase[0] = '\0';
    size_t h = s_hash(box);
    n->next = self->buckets[h];
    self->buckets[h] = n;
    self->count++;
    return n;
}

static void s_remove(kn_divert_t *self, const char *box)
{
    for (s_node_t **p = &self->buckets[s_hash(box)]; *p; p = &(*p)->next)
        if (!strcmp((*p)->box, box)) {
            s_node_t *dead = *p;
            *p = dead->next;
            free(dead);
            self->count--;
            return;
        }
}

static bool s_box_ok(const char *box)
{
    return box && *box && strlen(box) <= S_BOX_MAX;
}

void kn_divert_forget(kn_divert_t *self, const kn_inbound_t *items, size_t n,
                      const kn_store_extra_t *extra)
{
    self->slots_ready = false;
    for (size_t i = 0; extra && i < extra->nvisits; i++)
        s_remove(self, extra->visits[i].box);
    for (size_t i = 0; i < n; i++)
        if (items[i].event_list)
            for (const kn_event_t *ev = items[i].event_list->head; ev; ev = ev->next)
                if (s_box_ok(ev->equipment_reference))
                    s_remove(self, ev->equipment_reference);
}

/* The terminal party a box's instructions go to: the one named like the
 * visit's facility (XHCT → [party.xhct]), or the only terminal configured. */
static const kn_party_conf_t *s_terminal(const kn_config_t *cfg, const char *facility)
{
    const kn_party_conf_t *only = NULL;
    size_t terminals = 0;
    for (size_t i = 0; i < kn_config_party_count(cfg); i++) {
        const kn_party_conf_t *p = kn_config_party(cfg, i);
        if (p->role != KN_ROLE_TERMINAL)
            continue;
        if (facility && !strcasecmp(p->name, facility))
            return p;
        only = p;
        terminals++;
    }
    return terminals == 1 ? only : NULL;
}

/* {"direction":"import",...} of what the table was given. */
static char *s_inputs_json(const kn_visit_decision_t *d, kn_arena_t *a)
{
    char buf[1024];
    size_t used = 0;
    used += (size_t)snprintf(buf + used, sizeof buf - used, "{");
    for (size_t i = 0; i < KN_VISIT_INPUT_COUNT; i++) {
        const kn_dmn_value_t *v = &d->inputs[i].value;
        const char *sep = i ? "," : "";
        if (v->type == KN_FEEL_STRING)
            used += (size_t)snprintf(buf + used, sizeof buf - used, "%s\"%s\":\"%.*s\"", sep,
                                     d->inputs[i].name, (int)v->len, v->as.s);
        else if (v->type == KN_FEEL_BOOL)
            used += (size_t)snprintf(buf + used, sizeof buf - used, "%s\"%s\":%s", sep,
                                     d->inputs[i].name, v->as.b ? "true" : "false");
        else
            used += (size_t)snprintf(buf + used, sizeof buf - used, "%s\"%s\":null", sep,
                                     d->inputs[i].name);
        if (used >= sizeof buf)
            return NULL;
    }
    snprintf(buf + used, sizeof buf - used, "}");
    return kn_arena_strdup(a, buf);
}

/* The ids of the rules that fired, comma-separated. */
static char *s_rules(const kn_dmn_table_t *t, const kn_visit_decision_t *d, kn_arena_t *a)
{
    char buf[512];
    size_t used = 0;
    buf[0] = '\0';
    for (uint32_t i = 0; i < d->n_rules && used < sizeof buf; i++) {
        const char *id = kn_dmn_rule_id(t, d->rules[i]);
        char num[16];
        snprintf(num, sizeof num, "%u", d->rules[i] + 1);
        used +=
            (size_t)snprintf(buf + used, sizeof buf - used, "%s%s", i ? "," : "", id ? id : num);
    }
    return kn_arena_strdup(a, buf);
}

/* Now as ISO 8601 in China Standard Time. */
/* Beijing wall-clock time of ms since the epoch: "2026-11-23T10:00:00+08:00". */
static void s_iso_bj(int64_t ms, char out[48])
{
    time_t t = (time_t)(ms / 1000) + 8 * 3600;
    struct tm tm;
    gmtime_r(&t, &tm);
    snprintf(out, 48, "%04d-%02d-%02dT%02d:%02d:%02d+08:00", tm.tm_year + 1900, tm.tm_mon + 1,
             tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* When the box can be taken to inspection from: discharged, gated in, the
 * vessel arrived — or, planned before any of these, the latest time its
 * messages give; the clock only when they give none. */
static int64_t s_slot_base(const kn_visit_t *v)
{
    kn_visit_milestones_t m = kn_visit_milestones(v);
    int64_t at[3] = {m.discharged, m.gated_in, m.arrived};
    for (int i = 0; i < 3; i++)
        if (at[i] != KN_VISIT_NO_TIME && at[i] > 0)
            return at[i];
    int64_t latest = kn_visit_latest_time(v);
    return latest != KN_VISIT_NO_TIME ? latest : (int64_t)time(NULL) * 1000;
}

static kn_slot_policy_t s_slot_policy(const kn_config_t *cfg)
{
    return (kn_slot_policy_t){
        .capacity = (int)kn_config_int(cfg, "inspection", "capacity_per_hour"),
        .opens_hour = (int)kn_config_int(cfg, "inspection", "opens_hour"),
        .closes_hour = (int)kn_config_int(cfg, "inspection", "closes_hour"),
        .lead_minutes = (int)kn_config_int(cfg, "inspection", "lead_minutes"),
        .horizon_hours = (int)kn_config_int(cfg, "inspection", "horizon_hours"),
    };
}

/* Give or take back the box's inspection slot after its decision.  A box
 * routed to the inspection area keeps the slot it has unless the slot starts
 * before the box can be there (planned early, discharged later): then it gets
 * the next one free; a box routed elsewhere gives its slot back.  Returns what the decision row
 * should add ("" for nothing), in arena; NULL on no memory. */
static const char *s_slot(kn_divert_t *self, s_node_t *node, kn_visit_action_t action,
                          const kn_config_t *cfg, kn_arena_t *arena)
{
    const kn_visit_t *v = &node->visit;
    const char *route = kn_visit_route(v);
    /* a visit that ends, or whose instruction is withdrawn, holds no slot */
    bool inspect = route && !strcmp(route, "INSPECTION_AREA") && action != KN_VISIT_CLOSE &&
                   action != KN_VISIT_WITHDRAW;
    /* and a slot is given only with a route the terminal has, or gets now:
     * not to a box the rules do not plan yet (no berthing plan, not gated in) */
    const char *in_force = kn_visit_sent_route(v);
    bool live = action == KN_VISIT_SEND || (in_force && *in_force);
    kn_slot_policy_t policy = s_slot_policy(cfg);
    int64_t base = s_slot_base(v);
    if (base > self->slot_newest) {
        self->slot_newest = base;
        /* hours a week before the newest box's are of no use to anyone */
        kn_slots_prune(self->slots, base - 7 * 24 * (int64_t)KN_SLOT_MS);
    }
    bool stale =
        node->slot_start >= 0 && node->slot_start < base + (int64_t)policy.lead_minutes * 60000;
    if (node->slot_start >= 0 && (!inspect || stale)) {
        kn_slots_add(self->slots, node->slot_area, node->slot_start, -1);
        node->slot_area[0] = '\0';
        node->slot_start = -1;
        if (!inspect)
            return action == KN_VISIT_CLOSE ? "" : "inspection slot given back";
    }
    if (!inspect || !live || node->slot_start >= 0 || policy.capacity == 0)
        return "";
    const char *facility = kn_visit_facility(v);
    snprintf(node->slot_area, sizeof node->slot_area, "%s inspection area",
             facility && *facility ? facility : "the");
    int64_t start = kn_slots_find(self->slots, node->slot_area, base, &policy);
    if (start < 0) {
        kn_log(KN_LOG_WARNING, "box=%s no inspection slot free in %s within %d h", node->box,
               node->slot_area, policy.horizon_hours);
        const char *note = kn_arena_printf(arena, "no inspection slot free in %s within %d h",
                                           node->slot_area, policy.horizon_hours);
        node->slot_area[0] = '\0';
        return note;
    }
    if (kn_slots_add(self->slots, node->slot_area, start, 1))
        return NULL;
    node->slot_start = start;
    char from[48], to[48];
    s_iso_bj(start, from);
    s_iso_bj(start + KN_SLOT_MS, to);
    return kn_arena_printf(arena, "inspection slot %.10s %.5s-%.5s in %s", from, from + 11, to + 11,
                           node->slot_area);
}

/* Whatever becomes of this batch, its boxes may now have visits and its
 * box-less bills events: a filter may say "maybe" too often, never too rarely. */
static void s_remember(kn_divert_t *self, const kn_inbound_t *items, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (items[i].status != KN_INBOUND_ACCEPTED || !items[i].event_list)
            continue;
        for (const kn_event_t *ev = items[i].event_list->head; ev; ev = ev->next)
            if (ev->equipment_reference)
                kn_bloom_add(self->known_boxes, ev->equipment_reference,
                             strlen(ev->equipment_reference));
            else if (ev->transport_document_reference)
                kn_bloom_add(self->known_bills, ev->transport_document_reference,
                             strlen(ev->transport_document_reference));
    }
}

static size_t s_customs_count(const kn_config_t *cfg)
{
    size_t n = 0;
    for (size_t i = 0; i < kn_config_party_count(cfg); i++)
        n += kn_config_party(cfg, i)->role == KN_ROLE_CUSTOMS;
    return n;
}

/* Customs is told a new inspection slot too: the terminal's KN10051, sent to
 * every customs party over its own connection (READY/OUT), once each. */
static int s_tell_customs(const kn_config_t *cfg, const kn_instruction_t *to_terminal,
                          kn_store_extra_t *extra, kn_arena_t *arena)
{
    for (size_t i = 0; i < kn_config_party_count(cfg); i++) {
        const kn_party_conf_t *customs = kn_config_party(cfg, i);
        if (customs->role != KN_ROLE_CUSTOMS)
            continue;
        kn_instruction_t msg = *to_terminal;
        msg.receiver = customs->name;
        msg.instruction_id =
            kn_arena_printf(arena, "%s-%s", to_terminal->instruction_id, customs->name);
        kn_error_t err;
        size_t len = 0;
        char *xml = msg.instruction_id ? kn_instruction_xml(&msg, arena, &len, &err) : NULL;
        if (!xml) {
            kn_log(KN_LOG_ERROR, "box=%s slot not sent to party=%s: %s", msg.equipment_reference,
                   customs->name, msg.instruction_id ? err.message : "out of memory");
            continue;
        }
        /* the route lives on the caller's stack: the row keeps a copy */
        const char *route = kn_arena_strdup(arena, msg.route);
        if (!route)
            return KN_ENOMEM;
        extra->instructions[extra->ninstructions++] =
            (kn_instruction_row_t){customs->name,
                                   msg.instruction_id,
                                   msg.equipment_reference,
                                   route,
                                   "application/xml",
                                   xml,
                                   len,
                                   false};
    }
    return 0;
}

/* The agent's status event for a decision, to the mini-program backend (when
 * one is configured): a row for kouan notify, ordered per box. */
static int s_status_row(const kn_config_t *cfg, const s_node_t *node, kn_visit_action_t action,
                        const kn_visit_decision_t *d, const char *id, const char *now,
                        const char *slot_from, const char *slot_to, kn_store_extra_t *extra,
                        kn_arena_t *arena)
{
    if (!kn_config_str(cfg, "notify", "miniprogram_url")[0])
        return 0;
    const kn_visit_t *v = &node->visit;
    kn_visit_milestones_t m = kn_visit_milestones(v);
    char uuid[40];
    if (kn_status_uuid(id, uuid))
        return KN_ENOMEM;
    kn_status_t st = {
        .kind = action == KN_VISIT_CLOSE      ? KN_STATUS_CLOSED
                : action == KN_VISIT_WITHDRAW ? KN_STATUS_WITHDRAWN
                                              : KN_STATUS_ROUTE,
        .event_id = uuid,
        .created = now,
        .box = node->box,
        .bill = kn_visit_bill(v)[0] ? kn_visit_bill(v) : NULL,
        .direction = kn_visit_direction_name(kn_visit_direction(v)),
        .phase = kn_visit_phase_name(kn_visit_phase(v)),
        .discharged = m.discharged != KN_VISIT_NO_TIME || m.gated_in != KN_VISIT_NO_TIME,
        .route = d->route[0] ? d->route : NULL,
        .reason = d->reason[0] ? d->reason : NULL,
        .slot_area = slot_from[0] ? node->slot_area : NULL,
        .slot_start = slot_from[0] ? slot_from : NULL,
        .slot_end = slot_from[0] ? slot_to : NULL,
        .vessel_name = kn_visit_vessel_name(v)[0] ? kn_visit_vessel_name(v) : NULL,
        .voyage = kn_visit_voyage(v)[0] ? kn_visit_voyage(v) : NULL,
        .facility = kn_visit_facility(v)[0] ? kn_visit_facility(v) : NULL,
    };
    char *body = kn_status_json(&st, arena);
    char *key = kn_arena_printf(arena, "miniprogram:%s", node->box);
    if (!body || !key)
        return KN_ENOMEM;
    extra->outbox[extra->noutbox++] = (kn_outbox_row_t){id, "miniprogram", key, "status", body};
    return 0;
}

/* Where a box was last touched in the batch, for its decision row. */
typedef struct {
    const char *box;
    const char *bill; /* a bill the box travels on, NULL when unknown */
    const char *party, *msg_id;
    kn_visit_action_t action; /* what the rules said after the last message that changed it */
    char route[24];
    char rule[64];    /* and the rule that said it */
    size_t last_item; /* 1 + the last message that touched the box */
    bool from_db;     /* found in the database (through its bill): never "unknown" */
} s_touch_t;

/* What the rules say of the box now; true when that differs from what t
 * recorded (and t records it).  So a decision is put down to the message
 * after which the rules first said what they finally say, not to whichever
 * message of the batch came last. */
static bool s_outcome_changed(s_touch_t *t, kn_visit_t *v, const kn_dmn_table_t *table)
{
    kn_visit_decision_t d;
    kn_visit_action_t action = kn_visit_decide(v, table, &d);
    /* a new rule for the same route matters when it is told (visit.c sends
     * the instruction again for it) */
    if (action == t->action && !strcmp(d.route, t->route) &&
        (action != KN_VISIT_SEND || !strcmp(d.rule_id, t->rule)))
        return false;
    t->action = action;
    snprintf(t->route, sizeof t->route, "%s", d.route);
    snprintf(t->rule, sizeof t->rule, "%s", d.rule_id);
    return true;
}

int kn_divert_batch(kn_divert_t *self, kn_store_t *store, const kn_dmn_t *rules,
                    const kn_config_t *cfg, kn_inbound_t *items, size_t n, kn_arena_t *arena,
                    kn_store_extra_t *extra, char *errbuf, size_t errsize)
{
    memset(extra, 0, sizeof *extra);
    s_trim(self, (size_t)kn_config_int(cfg, "broker", "visit_cache"));
    const kn_dmn_table_t *table = kn_dmn_find(rules, "diversion");
    size_t nevents = 0;
    for (size_t i = 0; i < n; i++)
        if (items[i].status == KN_INBOUND_ACCEPTED && items[i].event_list)
            nevents += items[i].event_list->count;
    if (nevents == 0)
        return 0;
    if (!self->known_boxes) {
        int rc = kn_store_known(store, &self->known_boxes, &self->known_bills, errbuf, errsize);
        if (rc)
            return rc;
        kn_log(KN_LOG_INFO, "known to the database: %zu boxes, %zu bills without boxes",
               kn_bloom_count(self->known_boxes), kn_bloom_count(self->known_bills));
    }
    if (!table) {
        s_remember(self, items, n);
        return 0;
    }
    if (!self->slots_ready) {
        kn_slots_clear(self->slots);
        int rc = kn_store_slots(store, self->slots, errbuf, errsize);
        if (rc)
            return rc;
        self->slots_ready = true;
    }

    /* the boxes the batch touches, in first-touch order, with a bill of each;
     * and the bills of events that name no box (a tax payment), whose boxes
     * are found in this batch and in the database */
    size_t cap = nevents * 2 + 16;
    s_touch_t *touched = kn_arena_calloc(arena, cap, sizeof *touched);
    const char **missing = kn_arena_calloc(arena, cap, sizeof *missing);
    const char **missing_bill = kn_arena_calloc(arena, cap, sizeof *missing_bill);
    const char **bills = kn_arena_calloc(arena, nevents, sizeof *bills);
    kn_dedupe_t *seen = kn_dedupe_new(arena, cap), *seen_bill = kn_dedupe_new(arena, nevents);
    if (!touched || !missing || !missing_bill || !bills || !seen || !seen_bill)
        goto nomem;
    size_t ntouched = 0, nbills = 0;
    for (size_t i = 0; i < n; i++) {
        if (items[i].status != KN_INBOUND_ACCEPTED || !items[i].event_list)
            continue;
        for (const kn_event_t *ev = items[i].event_list->head; ev; ev = ev->next) {
            const char *box = ev->equipment_reference, *bill = ev->transport_document_reference;
            if (!s_box_ok(box)) {
                if (!box && bill && kn_dedupe_add(seen_bill, "", bill, strlen(bill), 0) < 0)
                    bills[nbills++] = bill;
                continue;
            }
            int64_t at = kn_dedupe_add(seen, "", box, strlen(box), (int64_t)ntouched);
            if (at < 0)
                touched[at = (int64_t)ntouched++].box = box;
            if (!touched[at].bill)
                touched[at].bill = bill;
            touched[at].party = items[i].party;
            touched[at].msg_id = items[i].msg_id;
        }
    }
    const char **db_boxes = NULL, **db_box_bills = NULL;
    size_t ndb = 0;
    if (nbills) {
        int rc = kn_store_boxes_of_bills(store, bills, nbills, arena, &db_boxes, &db_box_bills,
                                         &ndb, errbuf, errsize);
        if (rc)
            return rc;
        for (size_t k = 0; k < ndb && ntouched < cap; k++)
            if (kn_dedupe_add(seen, "", db_boxes[k], strlen(db_boxes[k]), (int64_t)ntouched) < 0)
                touched[ntouched++] =
                    (s_touch_t){.box = db_boxes[k], .bill = db_box_bills[k], .from_db = true};
    }
    /* A box not cached is looked up, unless the filters are sure that the
     * database knows neither the box nor its bill: then its visit starts
     * here (the first sight of a box costs no query). */
    size_t nmissing = 0;
    for (size_t t = 0; t < ntouched; t++) {
        const char *box = touched[t].box, *bill = touched[t].bill;
        if (s_find(self, box))
            continue;
        if (!touched[t].from_db && !kn_bloom_maybe(self->known_boxes, box, strlen(box)) &&
            (!bill || !kn_bloom_maybe(self->known_bills, bill, strlen(bill)))) {
            if (!s_get(self, box))
                goto nomem;
            continue;
        }
        missing_bill[nmissing] = bill;
        missing[nmissing++] = box;
    }
    s_remember(self, items, n);
    for (size_t t = 0; t < ntouched; t++)
        if (touched[t].from_db)
            kn_bloom_add(self->known_boxes, touched[t].box, strlen(touched[t].box));

    /* visits not in memory: rebuilt from their events and the route in force */
    if (nmissing) {
        kn_event_list_t past = {0};
        kn_visit_state_t *state = NULL;
        int rc = kn_store_load_visits(store, missing, missing_bill, nmissing, arena, &past, &state,
                                      errbuf, errsize);
        if (rc)
            return rc;
        for (size_t i = 0; i < nmissing; i++)
            if (!s_get(self, missing[i]))
                goto nomem;
        for (const kn_event_t *ev = past.head; ev; ev = ev->next)
            kn_visit_apply(&s_find(self, ev->equipment_reference)->visit, ev);
        for (size_t i = 0; i < nmissing; i++) {
            s_node_t *node = s_find(self, missing[i]);
            if (state[i].phase)
                snprintf(node->phase, sizeof node->phase, "%s", state[i].phase);
            if (state[i].slot_area && state[i].slot_start >= 0) {
                snprintf(node->slot_area, sizeof node->slot_area, "%s", state[i].slot_area);
                node->slot_start = state[i].slot_start;
            }
            if (state[i].sent_route) {
                kn_visit_decision_t d;
                memset(&d, 0, sizeof d);
                d.action = KN_VISIT_SEND;
                snprintf(d.route, sizeof d.route, "%s", state[i].sent_route);
                kn_visit_sent(&node->visit, &d);
            }
        }
    }

    /* where each box stands before this batch */
    for (size_t t = 0; t < ntouched; t++) {
        touched[t].action = KN_VISIT_NONE;
        s_outcome_changed(&touched[t], &s_find(self, touched[t].box)->visit, table);
    }
    /* this batch's facts, message by message; an event naming only a bill
     * goes to each of its boxes */
    size_t *by_item = kn_arena_calloc(arena, ntouched ? ntouched : 1, sizeof *by_item);
    if (!by_item)
        goto nomem;
    for (size_t i = 0; i < n; i++) {
        if (items[i].status != KN_INBOUND_ACCEPTED || !items[i].event_list)
            continue;
        size_t nby = 0; /* the boxes this message touches */
        for (const kn_event_t *ev = items[i].event_list->head; ev; ev = ev->next) {
            if (s_box_ok(ev->equipment_reference)) {
                int rc = kn_visit_apply(&s_find(self, ev->equipment_reference)->visit, ev);
                if (rc)
                    kn_log(KN_LOG_WARNING, "box=%s fact not kept: %s", ev->equipment_reference,
                           kn_strerror(rc));
                int64_t t = kn_dedupe_find(seen, "", ev->equipment_reference,
                                           strlen(ev->equipment_reference));
                if (t >= 0 && touched[t].last_item != i + 1) {
                    touched[t].last_item = i + 1;
                    by_item[nby++] = (size_t)t;
                }
                continue;
            }
            if (ev->equipment_reference || !ev->transport_document_reference)
                continue;
            for (size_t t = 0; t < ntouched; t++) {
                if (!touched[t].bill || strcmp(touched[t].bill, ev->transport_document_reference))
                    continue;
                kn_event_t copy = *ev;
                copy.next = NULL;
                copy.equipment_reference = touched[t].box;
                kn_visit_apply(&s_find(self, touched[t].box)->visit, &copy);
                if (!touched[t].party) {
                    touched[t].party = items[i].party;
                    touched[t].msg_id = items[i].msg_id;
                }
                if (touched[t].last_item != i + 1) {
                    touched[t].last_item = i + 1;
                    by_item[nby++] = t;
                }
            }
        }
        for (size_t k = 0; k < nby; k++) {
            s_touch_t *t = &touched[by_item[k]];
            if (s_outcome_changed(t, &s_find(self, t->box)->visit, table)) {
                t->party = items[i].party;
                t->msg_id = items[i].msg_id;
            }
        }
    }

    /* decide each touched visit once, on the whole of what is known */
    extra->visits = kn_arena_calloc(arena, ntouched, sizeof *extra->visits);
    extra->decisions = kn_arena_calloc(arena, ntouched, sizeof *extra->decisions);
    extra->instructions =
        kn_arena_calloc(arena, ntouched * (1 + s_customs_count(cfg)), sizeof *extra->instructions);
    extra->outbox = kn_arena_calloc(arena, ntouched, sizeof *extra->outbox);
    if (!extra->visits || !extra->decisions || !extra->instructions || !extra->outbox)
        goto nomem;
    char now[48];
    s_iso_bj((int64_t)time(NULL) * 1000, now);
    for (size_t t = 0; t < ntouched; t++) {
        s_node_t *node = s_find(self, touched[t].box);
        kn_visit_t *v = &node->visit;
        kn_visit_decision_t d;
        kn_visit_action_t action = kn_visit_decide(v, table, &d);
        kn_instruction_row_t *ins = NULL;
        int64_t had_slot = node->slot_start;
        const char *slot_note = s_slot(self, node, action, cfg, arena);
        if (!slot_note)
            goto nomem;
        /* a new slot is news for the terminal even when the route stands */
        if (node->slot_start >= 0 && node->slot_start != had_slot && action == KN_VISIT_NONE &&
            d.route[0]) {
            action = d.action = KN_VISIT_SEND;
            d.note = "inspection slot assigned";
        }
        const char *note = d.note;
        if (*slot_note)
            note = kn_arena_printf(arena, "%s; %s", note ? note : "", slot_note);
        char slot_from[48] = "", slot_to[48] = "";
        if (node->slot_start >= 0) {
            s_iso_bj(node->slot_start, slot_from);
            s_iso_bj(node->slot_start + KN_SLOT_MS, slot_to);
        }
        bool slotted =
            node->slot_start >= 0 && action == KN_VISIT_SEND && !strcmp(d.route, "INSPECTION_AREA");
        if (action == KN_VISIT_SEND || action == KN_VISIT_WITHDRAW) {
            const kn_party_conf_t *terminal = s_terminal(cfg, kn_visit_facility(v));
            if (!terminal)
                note = kn_arena_printf(arena, "no terminal party for facility %s",
                                       kn_visit_facility(v) ? kn_visit_facility(v) : "(none)");
            else {
                char *id = kn_arena_printf(arena, "KN-%s-%lld-%llu", touched[t].box, self->id_base,
                                           ++self->id_seq);
                kn_instruction_t msg = {
                    .instruction_id = id,
                    .function = action == KN_VISIT_WITHDRAW ? KN_FUNC_WITHDRAW : KN_FUNC_ADD,
                    .receiver = kn_visit_facility(v) ? kn_visit_facility(v) : terminal->name,
                    .create_time = now,
                    .equipment_reference = touched[t].box,
                    .transport_document_reference = kn_visit_bill(v)[0] ? kn_visit_bill(v) : NULL,
                    .vessel_name = kn_visit_vessel_name(v)[0] ? kn_visit_vessel_name(v) : NULL,
                    .voyage = kn_visit_voyage(v)[0] ? kn_visit_voyage(v) : NULL,
                    .route =
                        action == KN_VISIT_WITHDRAW && !d.route[0] ? d.previous_route : d.route,
                    .reason = d.reason[0] ? d.reason : "rules",
                    .inspection_area = slotted ? node->slot_area : NULL,
                    .slot_start = slotted ? slot_from : NULL,
                    .slot_end = slotted ? slot_to : NULL,
                    .exam_type = d.exam_type[0] ? d.exam_type : NULL,
                };
                kn_error_t err;
                size_t len = 0;
                char *xml = id ? kn_instruction_xml(&msg, arena, &len, &err) : NULL;
                if (!xml) {
                    /* the decision stands; the terminal is not told, and the
                     * row says why */
                    note = kn_arena_printf(arena, "instruction not built: %s",
                                           id ? err.message : "out of memory");
                    kn_log(KN_LOG_ERROR, "box=%s %s", touched[t].box, note ? note : "");
                } else {
                    ins = &extra->instructions[extra->ninstructions++];
                    /* d lives on this loop's stack: the row keeps a copy */
                    *ins = (kn_instruction_row_t){terminal->name,
                                                  id,
                                                  touched[t].box,
                                                  kn_arena_strdup(arena, msg.route),
                                                  "application/xml",
                                                  xml,
                                                  len,
                                                  false};
                    kn_visit_sent(v, &d);
                    if (slotted && node->slot_start != had_slot &&
                        s_tell_customs(cfg, &msg, extra, arena))
                        goto nomem;
                }
            }
        }
        if (action != KN_VISIT_NONE) {
            kn_decision_row_t *row = &extra->decisions[extra->ndecisions++];
            *row = (kn_decision_row_t){
                touched[t].box,
                touched[t].party,
                touched[t].msg_id,
                kn_dmn_table_id(table),
                s_rules(table, &d, arena),
                s_inputs_json(&d, arena),
                d.route[0] ? kn_arena_strdup(arena, d.route) : NULL,
                kn_arena_strdup(arena, d.reason),
                kn_visit_action_name(action),
                note,
                ins ? ins->instruction_id : NULL,
            };
            if (!row->rules || !row->inputs_json)
                goto nomem;
        }
        /* the agent hears of every decision, and of the box's progress
         * (discharged, released, inspected) when the route stands */
        const char *phase = kn_visit_phase_name(kn_visit_phase(v));
        if (action != KN_VISIT_NONE || (d.route[0] && strcmp(node->phase, phase))) {
            const char *status_id = ins ? kn_arena_printf(arena, "ST-%s", ins->instruction_id)
                                        : kn_arena_printf(arena, "ST-%s-%lld-%llu", touched[t].box,
                                                          self->id_base, ++self->id_seq);
            if (!status_id || s_status_row(cfg, node, action, &d, status_id, now, slot_from,
                                           slot_to, extra, arena))
                goto nomem;
        }
        snprintf(node->phase, sizeof node->phase, "%s", phase);
        const char *route = kn_visit_route(v), *sent_route = kn_visit_sent_route(v);
        extra->visits[extra->nvisits++] = (kn_visit_row_t){
            touched[t].box,
            kn_visit_direction_name(kn_visit_direction(v)),
            kn_visit_phase_name(kn_visit_phase(v)),
            route && *route ? kn_arena_strdup(arena, route) : NULL,
            sent_route && *sent_route ? kn_arena_strdup(arena, sent_route) : NULL,
            node->slot_start >= 0 ? kn_arena_strdup(arena, node->slot_area) : NULL,
            node->slot_start >= 0 ? kn_arena_strdup(arena, slot_from) : NULL,
            action == KN_VISIT_CLOSE,
        };
    }
    /* a closed visit leaves memory; the box's next stay starts afresh */
    for (size_t i = 0; i < extra->nvisits; i++)
        if (extra->visits[i].closed)
            s_remove(self, touched[i].box);
    return 0;
nomem:
    kn_divert_forget(self, items, n, extra);
    snprintf(errbuf, errsize, "out of memory");
    return KN_ENOMEM;
}
