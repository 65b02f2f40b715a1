#include "divert.h"
#include "dedupe.h"
#include "err.h"
#include "instruction.h"
#include "log.h"
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
    if (self && !(self->buckets = calloc(S_BUCKETS, sizeof *self->buckets))) {
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

void kn_divert_forget(kn_divert_t *self, const kn_inbound_t *items, size_t n)
{
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
static void s_now_iso(char out[48])
{
    time_t t = time(NULL) + 8 * 3600;
    struct tm tm;
    gmtime_r(&t, &tm);
    snprintf(out, 48, "%04d-%02d-%02dT%02d:%02d:%02d+08:00", tm.tm_year + 1900, tm.tm_mon + 1,
             tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
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

/* Where a box was last touched in the batch, for its decision row. */
typedef struct {
    const char *box;
    const char *bill; /* a bill the box travels on, NULL when unknown */
    const char *party, *msg_id;
} s_touch_t;

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
                touched[ntouched++] = (s_touch_t){db_boxes[k], db_box_bills[k], NULL, NULL};
    }
    /* A box not cached is looked up, unless the filters are sure that the
     * database knows neither the box nor its bill: then its visit starts
     * here (the first sight of a box costs no query). */
    size_t nmissing = 0;
    for (size_t t = 0; t < ntouched; t++) {
        const char *box = touched[t].box, *bill = touched[t].bill;
        if (s_find(self, box))
            continue;
        if (!kn_bloom_maybe(self->known_boxes, box, strlen(box)) &&
            (!bill || !kn_bloom_maybe(self->known_bills, bill, strlen(bill)))) {
            if (!s_get(self, box))
                goto nomem;
            continue;
        }
        missing_bill[nmissing] = bill;
        missing[nmissing++] = box;
    }
    s_remember(self, items, n);

    /* visits not in memory: rebuilt from their events and the route in force */
    if (nmissing) {
        kn_event_list_t past = {0};
        const char **sent = NULL;
        int rc = kn_store_load_visits(store, missing, missing_bill, nmissing, arena, &past, &sent,
                                      errbuf, errsize);
        if (rc)
            return rc;
        for (size_t i = 0; i < nmissing; i++)
            if (!s_get(self, missing[i]))
                goto nomem;
        for (const kn_event_t *ev = past.head; ev; ev = ev->next)
            kn_visit_apply(&s_find(self, ev->equipment_reference)->visit, ev);
        for (size_t i = 0; i < nmissing; i++)
            if (sent[i]) {
                kn_visit_decision_t d;
                memset(&d, 0, sizeof d);
                d.action = KN_VISIT_SEND;
                snprintf(d.route, sizeof d.route, "%s", sent[i]);
                kn_visit_sent(&s_find(self, missing[i])->visit, &d);
            }
    }

    /* this batch's facts; an event naming only a bill goes to each of its boxes */
    for (size_t i = 0; i < n; i++) {
        if (items[i].status != KN_INBOUND_ACCEPTED || !items[i].event_list)
            continue;
        for (const kn_event_t *ev = items[i].event_list->head; ev; ev = ev->next) {
            if (s_box_ok(ev->equipment_reference)) {
                int rc = kn_visit_apply(&s_find(self, ev->equipment_reference)->visit, ev);
                if (rc)
                    kn_log(KN_LOG_WARNING, "box=%s fact not kept: %s", ev->equipment_reference,
                           kn_strerror(rc));
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
            }
        }
    }

    /* decide each touched visit once, on the whole of what is known */
    extra->visits = kn_arena_calloc(arena, ntouched, sizeof *extra->visits);
    extra->decisions = kn_arena_calloc(arena, ntouched, sizeof *extra->decisions);
    extra->instructions = kn_arena_calloc(arena, ntouched, sizeof *extra->instructions);
    if (!extra->visits || !extra->decisions || !extra->instructions)
        goto nomem;
    char now[48];
    s_now_iso(now);
    for (size_t t = 0; t < ntouched; t++) {
        kn_visit_t *v = &s_find(self, touched[t].box)->visit;
        kn_visit_decision_t d;
        kn_visit_action_t action = kn_visit_decide(v, table, &d);
        kn_instruction_row_t *ins = NULL;
        const char *note = d.note;
        if (action == KN_VISIT_SEND || action == KN_VISIT_WITHDRAW) {
            const kn_party_conf_t *terminal = s_terminal(cfg, kn_visit_facility(v));
            if (!terminal)
                note = kn_arena_printf(arena, "no terminal party for facility %s",
                                       kn_visit_facility(v) ? kn_visit_facility(v) : "(none)");
            else {
                char *id = kn_arena_printf(arena, "KN-%s-%ld-%u", touched[t].box, (long)time(NULL),
                                           kn_visit_instructions(v) + 1);
                kn_instruction_t msg = {
                    .instruction_id = id,
                    .function = action == KN_VISIT_WITHDRAW ? KN_FUNC_WITHDRAW : KN_FUNC_ADD,
                    .receiver = kn_visit_facility(v) ? kn_visit_facility(v) : terminal->name,
                    .create_time = now,
                    .equipment_reference = touched[t].box,
                    .transport_document_reference = kn_visit_bill(v),
                    .vessel_name = kn_visit_vessel_name(v),
                    .voyage = kn_visit_voyage(v),
                    .route =
                        action == KN_VISIT_WITHDRAW && !d.route[0] ? d.previous_route : d.route,
                    .reason = d.reason[0] ? d.reason : "rules",
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
                                                  len};
                    kn_visit_sent(v, &d);
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
        const char *route = kn_visit_route(v), *sent_route = kn_visit_sent_route(v);
        extra->visits[extra->nvisits++] = (kn_visit_row_t){
            touched[t].box,
            kn_visit_direction_name(kn_visit_direction(v)),
            kn_visit_phase_name(kn_visit_phase(v)),
            route && *route ? kn_arena_strdup(arena, route) : NULL,
            sent_route && *sent_route ? kn_arena_strdup(arena, sent_route) : NULL,
            action == KN_VISIT_CLOSE,
        };
    }
    /* a closed visit leaves memory; the box's next stay starts afresh */
    for (size_t i = 0; i < extra->nvisits; i++)
        if (extra->visits[i].closed)
            s_remove(self, touched[i].box);
    return 0;
nomem:
    kn_divert_forget(self, items, n);
    snprintf(errbuf, errsize, "out of memory");
    return KN_ENOMEM;
}
