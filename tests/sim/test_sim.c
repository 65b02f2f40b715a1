/* Tests for sim/scenario.c and sim/generate.c: scenario files, and a
 * generated port day read back through the real adapters.
 *
 * KN_SOURCE_DIR (a string) names the repository root, for conf/scenarios. */
#include "adapter.h"
#include "event.h"
#include "generate.h"
#include "scenario.h"

#include "runner.h"

#include <check.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#ifndef KN_SOURCE_DIR
#error "define KN_SOURCE_DIR as the repository root, e.g. -DKN_SOURCE_DIR='\"/work/main\"'"
#endif

#define S_SMALL KN_SOURCE_DIR "/conf/scenarios/small.ini"
#define S_DEFAULT KN_SOURCE_DIR "/conf/scenarios/default.ini"
#define S_HOUR_MS (3600 * INT64_C(1000))

static char s_dir[256];
static char s_err[1024];

static void s_setup(void)
{
    snprintf(s_dir, sizeof s_dir, "%s", kn_test_tmpdir());
    s_err[0] = '\0';
}

static void s_load(const char *path, kn_scenario_t *sc)
{
    int rc = kn_scenario_load(path, sc, s_err, sizeof s_err);
    ck_assert_msg(rc == 0, "%s: %s", path, s_err);
}

static kn_sim_day_t *s_generate(const kn_scenario_t *sc)
{
    kn_sim_day_t *day = NULL;
    int rc = kn_sim_generate(sc, &day, s_err, sizeof s_err);
    ck_assert_msg(rc == 0, "generate: %s", s_err);
    ck_assert_ptr_nonnull(day);
    return day;
}

/* "YYYY-MM-DDTHH:MM:SS+08:00" of ms, seconds as given (EDIFACT carries
 * minutes: pass minutes = true to zero them). */
static const char *s_beijing(int64_t ms, bool minutes, char buf[32])
{
    time_t t = (time_t)(ms / 1000 + 8 * 3600);
    struct tm tm;
    gmtime_r(&t, &tm);
    if (minutes)
        tm.tm_sec = 0;
    strftime(buf, 32, "%Y-%m-%dT%H:%M:%S+08:00", &tm);
    return buf;
}

/* Hour of day, Beijing time. */
static int s_beijing_hour(int64_t ms)
{
    return (int)((ms / 1000 + 8 * 3600) % 86400 / 3600);
}

/* ---- scenario files ---------------------------------------------------- */

START_TEST(small_loads)
{
    kn_scenario_t sc;
    s_load(S_SMALL, &sc);
    ck_assert_str_eq(sc.date, "2026-11-22");
    ck_assert_int_eq(sc.day_ms, INT64_C(1795276800000)); /* 2026-11-22T00:00:00+08:00 */
    ck_assert_uint_eq(sc.seed, 42);
    ck_assert_str_eq(sc.terminal, "XHCT");
    ck_assert_str_eq(sc.customs, "3701");
    ck_assert_str_eq(sc.locode, "CNXMN");
    ck_assert_uint_eq(sc.nvessels, 1);
    const kn_scenario_vessel_t *v = &sc.vessels[0];
    ck_assert_str_eq(v->name, "COSCO-XIAMEN");
    ck_assert_str_eq(v->ship_name, "COSCO XIAMEN");
    ck_assert_str_eq(v->imo, "9812345");
    ck_assert_str_eq(v->voyage, "118E");
    ck_assert_int_eq(v->berth_minute, 6 * 60);
    ck_assert_int_eq(kn_scenario_berth_ms(&sc, 0), INT64_C(1795276800000) + 6 * S_HOUR_MS);
    ck_assert_int_eq(v->import_boxes, 12);
    ck_assert_int_eq(v->export_boxes, 8);
    ck_assert_int_eq(v->cranes, 2);
    ck_assert_int_eq(v->moves_per_crane_hour, 20);
    ck_assert_str_eq(v->carrier, "COS"); /* defaults */
    ck_assert_str_eq(v->bill_prefix, "COSU");
    ck_assert_int_eq(v->line, 7);
    ck_assert_double_eq(sc.inspection_rate, 0.4);
    ck_assert_double_eq(sc.scan_share, 0.5);
    ck_assert_double_eq(sc.truck_delay_minutes, 45);
    ck_assert_int_eq(sc.capacity_per_hour, 4);
    ck_assert_int_eq(sc.opens_hour, 8);
    ck_assert_int_eq(sc.closes_hour, 20);
    ck_assert_int_eq(sc.lead_minutes, 30);
}
END_TEST

START_TEST(default_loads)
{
    kn_scenario_t sc;
    s_load(S_DEFAULT, &sc);
    ck_assert_uint_eq(sc.seed, 20261122);
    ck_assert_uint_eq(sc.nvessels, 4);
    static const char *names[] = {"COSCO-XIAMEN", "OOCL-TIANJIN", "SITC-HAIPHONG", "EVER-LUCENT"};
    int imports = 0, exports = 0;
    for (size_t i = 0; i < 4; i++) {
        ck_assert_str_eq(sc.vessels[i].name, names[i]);
        imports += sc.vessels[i].import_boxes;
        exports += sc.vessels[i].export_boxes;
    }
    ck_assert_int_eq(imports, 1320);
    ck_assert_int_eq(exports, 1280);
    ck_assert_str_eq(sc.vessels[3].voyage, "1203-059W");
    ck_assert_int_eq(sc.vessels[3].berth_minute, 17 * 60 + 45);
    ck_assert_double_eq(sc.inspection_rate, 0.1);
    ck_assert_int_eq(sc.capacity_per_hour, 6);
}
END_TEST

/* Load text from a temporary bad.ini; assert the error is "bad.ini:LINE: what"
 * (line 0: "bad.ini: what"). */
static void s_refused(const char *text, int line, const char *what)
{
    kn_scenario_t sc;
    const char *path = kn_test_write(s_dir, "bad.ini", text);
    s_err[0] = '\0';
    ck_assert_int_eq(kn_scenario_load(path, &sc, s_err, sizeof s_err), KN_ECONFIG);
    char want[600];
    if (line)
        snprintf(want, sizeof want, "%s:%d: %s", path, line, what);
    else
        snprintf(want, sizeof want, "%s: %s", path, what);
    ck_assert_msg(!strcmp(s_err, want), "got \"%s\", want \"%s\"", s_err, want);
}

#define S_VESSEL "[vessel.COSCO-XIAMEN]\nimo = 9812345\nvoyage = 118E\nberth = 06:00\n"

START_TEST(errors_name_file_and_line)
{
    s_refused(S_VESSEL "[traffic]\ninspection_rate = 1.5\n", 6,
              "inspection_rate = 1.5 is out of range (0 to 1)");
    s_refused(S_VESSEL "[traffic]\ninspection_rate = often\n", 6,
              "inspection_rate = often is not a number");
    s_refused("[traffic]\n; a comment\ncolour = red\n" S_VESSEL, 3,
              "unknown key \"colour\" in [traffic]");
    s_refused(S_VESSEL "draft = 14.5\n", 5, "unknown key \"draft\" in [vessel.COSCO-XIAMEN]");
    s_refused(S_VESSEL "[weather]\nwind = 5\n", 6, "unknown section [weather]");
    s_refused("[day]\ndate = 2026-02-30\n" S_VESSEL, 2,
              "date = 2026-02-30 is not a date (YYYY-MM-DD)");
    s_refused("[day]\nseed = -4\n" S_VESSEL, 2,
              "seed = -4 is not an integer from 0 to 18446744073709551615");
    s_refused("[day]\ncustoms = 37\n" S_VESSEL, 2, "customs = 37 must be 4 characters of 0-9");
    s_refused("[vessel.COSCO-XIAMEN]\nimo = 98123\n", 2, "imo = 98123 must be 7 characters of 0-9");
    s_refused("[vessel.COSCO-XIAMEN]\nimo = 9812345\nvoyage = 118E\nberth = 24:10\n", 4,
              "berth = 24:10 is not a time of day (HH:MM, 00:00 to 23:59)");
    s_refused(S_VESSEL "cranes = 2.5\n", 5, "cranes = 2.5 is not an integer");
    s_refused(S_VESSEL "cranes = 13\n", 5, "cranes = 13 is out of range (1 to 12)");
    s_refused(S_VESSEL "import_boxes = 20001\n", 5,
              "import_boxes = 20001 is out of range (0 to 20000)");
    s_refused(S_VESSEL "imo = 9812346\n", 5,
              "imo is given twice in [vessel.COSCO-XIAMEN] (first on line 2)");
    s_refused("[day]\nseed = 7\n\n[vessel.COSCO-XIAMEN]\nimo = 9812345\nvoyage = 118E\n", 4,
              "[vessel.COSCO-XIAMEN] needs berth");
    s_refused(S_VESSEL "[vessel.EMPTY]\n", 5, "[vessel.EMPTY] needs imo");
    s_refused("[vessel.cosco]\nimo = 9812345\n", 1,
              "[vessel.cosco]: a vessel name is 1 to 32 characters of A-Z 0-9 -");
    s_refused(S_VESSEL "[inspection]\nopens_hour = 20\n", 6,
              "closes_hour = 20 must be after opens_hour = 20");
    s_refused("[day]\nseed = 7\n", 0,
              "no [vessel.NAME] section: a scenario needs at least one vessel call");
    s_refused(S_VESSEL "this line is not INI\n", 5,
              "syntax error (or a line longer than 198 characters)");
    s_refused("imo = 9812345\n" S_VESSEL, 1, "key \"imo\" is outside any [section]");

    kn_scenario_t sc;
    char missing[300];
    snprintf(missing, sizeof missing, "%s/none.ini", s_dir);
    ck_assert_int_eq(kn_scenario_load(missing, &sc, s_err, sizeof s_err), KN_ECONFIG);
    ck_assert_ptr_nonnull(strstr(s_err, "none.ini: No such file or directory"));
}
END_TEST

/* ---- generation -------------------------------------------------------- */

static bool s_same_day(const kn_sim_day_t *a, const kn_sim_day_t *b)
{
    if (a->nmsgs != b->nmsgs || a->nboxes != b->nboxes)
        return false;
    for (size_t i = 0; i < a->nmsgs; i++)
        if (a->msgs[i].len != b->msgs[i].len || a->msgs[i].at_ms != b->msgs[i].at_ms ||
            strcmp(a->msgs[i].name, b->msgs[i].name) != 0 ||
            memcmp(a->msgs[i].payload, b->msgs[i].payload, a->msgs[i].len) != 0)
            return false;
    return memcmp(a->boxes, b->boxes, a->nboxes * sizeof *a->boxes) == 0;
}

START_TEST(generation_is_deterministic)
{
    kn_scenario_t sc;
    s_load(S_SMALL, &sc);
    kn_sim_day_t *a = s_generate(&sc), *b = s_generate(&sc);
    ck_assert(s_same_day(a, b));
    sc.seed++;
    kn_sim_day_t *c = s_generate(&sc);
    ck_assert(!s_same_day(a, c));
    /* another seed, the same shape */
    ck_assert_uint_eq(c->nboxes, a->nboxes);
    size_t differ = 0;
    for (size_t i = 0; i < a->nboxes; i++)
        differ += strcmp(a->boxes[i].number, c->boxes[i].number) != 0;
    ck_assert_uint_eq(differ, a->nboxes);
    kn_sim_day_destroy(&a);
    kn_sim_day_destroy(&b);
    kn_sim_day_destroy(&c);
    ck_assert_ptr_null(a);
    kn_sim_day_destroy(&a); /* idempotent */
}
END_TEST

/* What the adapters said about each box, counted. */
typedef struct {
    int disc, load, gtin, gtot, appr, hold, rels, tax;
} s_seen_t;

typedef struct {
    const kn_sim_day_t *day;
    const kn_scenario_t *sc;
    size_t *by_number; /* box indices sorted by container number */
    s_seen_t *seen;    /* per box */
} s_check_t;

static const kn_sim_day_t *s_sort_day;

static int s_by_number_cmp(const void *a, const void *b)
{
    return strcmp(s_sort_day->boxes[*(const size_t *)a].number,
                  s_sort_day->boxes[*(const size_t *)b].number);
}

static size_t s_box(const s_check_t *ck, const char *number)
{
    size_t lo = 0, hi = ck->day->nboxes;
    ck_assert_ptr_nonnull(number);
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strcmp(ck->day->boxes[ck->by_number[mid]].number, number);
        if (c == 0)
            return ck->by_number[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    ck_abort_msg("event names container %s, which is no box of the day", number);
    return 0;
}

/* Check one event of msg against the planned day; count it. */
static void s_check_event(s_check_t *ck, const kn_sim_msg_t *msg, const kn_event_t *ev)
{
    const kn_scenario_vessel_t *v = &ck->sc->vessels[msg->call];
    const kn_sim_call_t *call = &ck->day->calls[msg->call];
    char want[32];

    ck_assert_msg(ev->warnings == NULL, "%s: warning %s", msg->name,
                  ev->warnings ? ev->warnings->text : "");
    ck_assert_int_eq(ev->function, KN_FUNC_ADD);
    if (ev->type == KN_EVENT_TRANSPORT) {
        ck_assert_str_eq(msg->kind, !strcmp(ev->code, "ARRI") || ev->classifier == KN_CLASS_EST
                                        ? "berman-arrival"
                                        : "berman-departure");
        ck_assert_pstr_eq(ev->vessel_imo, v->imo);
        ck_assert_pstr_eq(ev->vessel_name, v->ship_name);
        ck_assert_pstr_eq(ev->voyage, v->voyage);
        ck_assert_pstr_eq(ev->facility_code, "XHCT");
        if (!strcmp(ev->code, "ARRI")) {
            ck_assert_int_eq(ev->classifier, KN_CLASS_ACT);
            ck_assert_pstr_eq(ev->event_datetime, s_beijing(call->berth_ms, true, want));
        } else if (ev->classifier == KN_CLASS_ACT)
            ck_assert_pstr_eq(ev->event_datetime, s_beijing(call->departure_ms, true, want));
        return;
    }

    if (msg->role == KN_ROLE_TAX) {
        /* one event per bill: every box of it is settled */
        ck_assert_int_eq(ev->type, KN_EVENT_SHIPMENT);
        ck_assert_pstr_eq(ev->document_type_code, "TAX");
        ck_assert_str_eq(ev->code, !strcmp(msg->kind, "duty-paid") ? "CMPL" : "APPR");
        ck_assert_pstr_eq(ev->tax_status, !strcmp(msg->kind, "duty-paid") ? "PAID" : "GUARANTEED");
        size_t boxes = 0;
        for (size_t k = 0; k < ck->day->nboxes; k++) {
            const kn_sim_box_t *box = &ck->day->boxes[k];
            if (box->direction != KN_SIM_IMPORT || !ev->transport_document_reference ||
                strcmp(box->bill, ev->transport_document_reference) != 0)
                continue;
            ck_assert_pstr_eq(ev->entry_id, box->entry_id);
            ck_assert_int_eq(box->tax_ms, msg->at_ms);
            ck->seen[k].tax++;
            boxes++;
        }
        ck_assert_uint_ge(boxes, 1);
        return;
    }

    size_t k = s_box(ck, ev->equipment_reference);
    const kn_sim_box_t *box = &ck->day->boxes[k];
    s_seen_t *seen = &ck->seen[k];
    ck_assert_uint_eq(box->call, msg->call);
    ck_assert_pstr_eq(ev->iso_equipment_code, box->iso_code);
    if (ev->type == KN_EVENT_EQUIPMENT) {
        if (!strcmp(ev->code, "DISC")) {
            ck_assert_str_eq(msg->kind, "coarri-discharge");
            ck_assert_int_eq(box->direction, KN_SIM_IMPORT);
            ck_assert_pstr_eq(ev->event_datetime, s_beijing(box->discharge_ms, true, want));
            ck_assert_pstr_eq(ev->transport_document_reference, box->bill);
            ck_assert_pstr_eq(ev->vessel_name, v->ship_name);
            ck_assert_pstr_eq(ev->facility_code, "XHCT");
            ck_assert_pstr_eq(ev->un_location_code, "CNXMN");
            ck_assert_pstr_eq(ev->empty_indicator, "LADEN");
            ck_assert(ev->gross_weight_kg >= 6000 && ev->gross_weight_kg <= 28500);
            if (box->reefer)
                ck_assert_ptr_nonnull(ev->temperature);
            else
                ck_assert_ptr_null(ev->temperature);
            seen->disc++;
        } else if (!strcmp(ev->code, "LOAD")) {
            ck_assert_str_eq(msg->kind, "coarri-load");
            ck_assert_int_eq(box->direction, KN_SIM_EXPORT);
            ck_assert_pstr_eq(ev->event_datetime, s_beijing(box->load_ms, true, want));
            ck_assert_pstr_eq(ev->carrier_booking_reference, box->bill);
            ck_assert(ev->vgm_kg > 0);
            seen->load++;
        } else if (!strcmp(ev->code, "GTIN")) {
            ck_assert_str_eq(msg->kind, "codeco-gate-in");
            ck_assert_int_eq(box->direction, KN_SIM_EXPORT);
            ck_assert_pstr_eq(ev->event_datetime, s_beijing(box->gate_in_ms, true, want));
            ck_assert_pstr_eq(ev->carrier_booking_reference, box->bill);
            ck_assert_pstr_eq(ev->voyage, v->voyage);
            ck_assert_ptr_nonnull(ev->truck_plate);
            seen->gtin++;
        } else {
            ck_assert_str_eq(ev->code, "GTOT");
            ck_assert_str_eq(msg->kind, "codeco-gate-out");
            ck_assert_int_eq(box->direction, KN_SIM_IMPORT);
            ck_assert_pstr_eq(ev->event_datetime, s_beijing(box->truck_ms, true, want));
            ck_assert_pstr_eq(ev->transport_document_reference, box->bill);
            ck_assert_ptr_nonnull(ev->truck_plate);
            seen->gtot++;
        }
        return;
    }

    ck_assert_int_eq(ev->type, KN_EVENT_SHIPMENT);
    ck_assert_int_eq(box->direction, KN_SIM_IMPORT);
    ck_assert_pstr_eq(ev->transport_document_reference, box->bill);
    ck_assert_pstr_eq(ev->document_type_code, "CUS");
    ck_assert_pstr_eq(ev->event_datetime, s_beijing(msg->at_ms, false, want));
    ck_assert_pstr_eq(ev->vessel_name, v->ship_name);
    ck_assert_pstr_eq(ev->voyage, v->voyage);
    if (!strcmp(ev->code, "APPR")) {
        ck_assert_str_eq(msg->kind, "clm10041");
        /* declared before arrival: customs decides before berthing;
         * otherwise after the box is ashore */
        if (box->declared_before_arrival)
            ck_assert_int_lt(msg->at_ms, call->berth_ms);
        else
            ck_assert_int_gt(msg->at_ms, box->discharge_ms);
        seen->appr++;
    } else if (!strcmp(ev->code, "HOLD")) {
        ck_assert_str_eq(msg->kind, "clm10021");
        ck_assert_int_ne(box->inspect, KN_SIM_INSPECT_NONE);
        ck_assert_pstr_eq(ev->exam_type, box->inspect == KN_SIM_INSPECT_SCAN ? "H986" : "MANUAL");
        ck_assert_pstr_eq(ev->entry_id, box->entry_id);
        ck_assert_ptr_nonnull(ev->agent_code);
        seen->hold++;
    } else {
        ck_assert_str_eq(ev->code, "RELS");
        ck_assert_str_eq(msg->kind, "clm10011");
        ck_assert_int_eq(box->release_ms, msg->at_ms);
        ck_assert_pstr_eq(ev->entry_id, box->entry_id);
        seen->rels++;
    }
}

static int s_str_cmp(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

START_TEST(every_message_reads_as_planned)
{
    kn_scenario_t sc;
    s_load(S_DEFAULT, &sc);
    kn_sim_day_t *day = s_generate(&sc);
    kn_arena_t *arena = kn_arena_new(64 * 1024), *refs = kn_arena_new(64 * 1024);
    s_check_t ck = {day, &sc, calloc(day->nboxes, sizeof(size_t)),
                    calloc(day->nboxes, sizeof(s_seen_t))};
    const char **ids = calloc(day->nmsgs, sizeof *ids);
    ck_assert(arena && refs && ck.by_number && ck.seen && ids);
    for (size_t i = 0; i < day->nboxes; i++) {
        ck.by_number[i] = i;
        ck_assert_msg(kn_iso6346_valid(day->boxes[i].number), "%s", day->boxes[i].number);
    }
    s_sort_day = day;
    qsort(ck.by_number, day->nboxes, sizeof(size_t), s_by_number_cmp);
    for (size_t i = 1; i < day->nboxes; i++) /* container numbers are distinct */
        ck_assert_str_ne(day->boxes[ck.by_number[i - 1]].number,
                         day->boxes[ck.by_number[i]].number);

    size_t berth_events = 0;
    for (size_t i = 0; i < day->nmsgs; i++) {
        const kn_sim_msg_t *m = &day->msgs[i];
        const kn_reader_t *reader = kn_adapter_find(m->role, m->format);
        ck_assert_ptr_nonnull(reader);
        kn_inmsg_t in = {"sim", m->role, m->format, m->content_type, m->payload, m->len};
        kn_event_list_t list = {0};
        kn_error_t err = {0};
        char text[800];
        int rc = kn_adapter_read(reader, &in, arena, &list, &err);
        ck_assert_msg(rc == 0, "%s: %s", m->name, kn_error_text(&err, text, sizeof text));
        ck_assert_uint_gt(list.count, 0);
        ids[i] = kn_arena_strdup(refs, list.head->message_ref);
        for (const kn_event_t *ev = list.head; ev; ev = ev->next) {
            s_check_event(&ck, m, ev);
            berth_events += ev->type == KN_EVENT_TRANSPORT;
        }
        kn_arena_reset(arena);
    }
    /* arrival: ARRI ACT and DEPA EST; departure: DEPA ACT */
    ck_assert_uint_eq(berth_events, 3 * day->ncalls);

    size_t inspected = 0;
    for (size_t k = 0; k < day->nboxes; k++) {
        const kn_sim_box_t *box = &day->boxes[k];
        const s_seen_t *s = &ck.seen[k];
        if (box->direction == KN_SIM_IMPORT) {
            ck_assert_msg(s->disc == 1 && s->appr == 1 && s->rels == 1 && s->gtot == 1 &&
                              s->tax == 1 && s->load == 0 && s->gtin == 0,
                          "import %s: disc %d appr %d rels %d gtot %d tax %d", box->number, s->disc,
                          s->appr, s->rels, s->gtot, s->tax);
            ck_assert_int_eq(s->hold, box->inspect != KN_SIM_INSPECT_NONE);
            inspected += s->hold;
        } else
            ck_assert_msg(s->load == 1 && s->gtin == 1 &&
                              s->disc + s->appr + s->rels + s->gtot + s->tax + s->hold == 0,
                          "export %s: load %d gtin %d", box->number, s->load, s->gtin);
    }
    ck_assert_uint_gt(inspected, 0);

    /* message ids (BGM document numbers, MESSAGE_ID, MessageID) are unique */
    qsort(ids, day->nmsgs, sizeof *ids, s_str_cmp);
    for (size_t i = 1; i < day->nmsgs; i++)
        ck_assert_str_ne(ids[i - 1], ids[i]);

    free(ids);
    free(ck.by_number);
    free(ck.seen);
    kn_arena_destroy(&arena);
    kn_arena_destroy(&refs);
    kn_sim_day_destroy(&day);
}
END_TEST

START_TEST(counts_match_the_scenario)
{
    kn_scenario_t sc;
    s_load(S_DEFAULT, &sc);
    kn_sim_day_t *day = s_generate(&sc);

    ck_assert_uint_eq(day->ncalls, 4);
    ck_assert_uint_eq(day->nboxes, 2600);
    size_t bills = 0;
    for (size_t c = 0; c < day->ncalls; c++) {
        size_t imports = 0, exports = 0;
        for (size_t k = 0; k < day->nboxes; k++)
            if (day->boxes[k].call == c) {
                imports += day->boxes[k].direction == KN_SIM_IMPORT;
                exports += day->boxes[k].direction == KN_SIM_EXPORT;
            }
        ck_assert_int_eq(imports, sc.vessels[c].import_boxes);
        ck_assert_int_eq(exports, sc.vessels[c].export_boxes);
        ck_assert_uint_eq(day->calls[c].import_boxes, imports);
        ck_assert_uint_eq(day->calls[c].export_boxes, exports);
        /* one to four boxes a bill */
        ck_assert_uint_ge(day->calls[c].bills, (imports + 3) / 4);
        ck_assert_uint_le(day->calls[c].bills, imports);
        bills += day->calls[c].bills;
    }

    size_t imports = 0, declared = 0, inspected = 0, scanned = 0, reefers = 0, dangerous = 0;
    for (size_t k = 0; k < day->nboxes; k++) {
        const kn_sim_box_t *b = &day->boxes[k];
        reefers += b->reefer;
        dangerous += b->dangerous;
        ck_assert_int_eq(b->reefer, b->iso_code[2] == 'R');
        if (b->direction != KN_SIM_IMPORT)
            continue;
        imports++;
        declared += b->declared_before_arrival;
        inspected += b->inspect != KN_SIM_INSPECT_NONE;
        scanned += b->inspect == KN_SIM_INSPECT_SCAN;
    }
    /* shares of boxes against the scenario's (bills of one to four boxes:
     * about 740 of them, so a few percent either way) */
    ck_assert_uint_eq(imports, 1320);
    double inspection = (double)inspected / (double)imports;
    ck_assert_msg(inspection > 0.07 && inspection < 0.13, "inspection share %.3f", inspection);
    double scan = (double)scanned / (double)inspected;
    ck_assert_msg(scan > 0.45 && scan < 0.75, "scan share %.3f", scan);
    double before = (double)declared / (double)imports;
    ck_assert_msg(before > 0.65 && before < 0.75, "declared before arrival %.3f", before);
    double reefer = (double)reefers / (double)day->nboxes;
    ck_assert_msg(reefer > 0.06 && reefer < 0.10, "reefer share %.3f", reefer);
    double dg = (double)dangerous / (double)day->nboxes;
    ck_assert_msg(dg > 0.015 && dg < 0.045, "dangerous share %.3f", dg);

    /* message kinds: per bill one CLM10041, one CLM10011 and one TaxPayment;
     * one CLM10021 per inspected bill; one CODECO per box; two BERMAN a call */
    size_t n41 = 0, n21 = 0, n11 = 0, ntax = 0, ncodeco = 0, nberman = 0, ncoarri = 0;
    for (size_t i = 0; i < day->nmsgs; i++) {
        const char *kind = day->msgs[i].kind;
        n41 += !strcmp(kind, "clm10041");
        n21 += !strcmp(kind, "clm10021");
        n11 += !strcmp(kind, "clm10011");
        ntax += day->msgs[i].role == KN_ROLE_TAX;
        ncodeco += !strncmp(kind, "codeco-", 7);
        nberman += !strncmp(kind, "berman-", 7);
        ncoarri += !strncmp(kind, "coarri-", 7);
    }
    ck_assert_uint_eq(n41, bills);
    ck_assert_uint_eq(n11, bills);
    ck_assert_uint_eq(ntax, bills);
    ck_assert_uint_gt(n21, 0);
    ck_assert_uint_lt(n21, bills / 5);
    ck_assert_uint_eq(ncodeco, 2600);
    ck_assert_uint_eq(nberman, 8);
    ck_assert_uint_eq(n41 + n21 + n11 + ntax + ncodeco + nberman + ncoarri, day->nmsgs);
    kn_sim_day_destroy(&day);
}
END_TEST

START_TEST(the_day_runs_in_order)
{
    kn_scenario_t sc;
    s_load(S_DEFAULT, &sc);
    kn_sim_day_t *day = s_generate(&sc);

    for (size_t i = 1; i < day->nmsgs; i++) {
        ck_assert_int_le(day->msgs[i - 1].at_ms, day->msgs[i].at_ms);
        ck_assert_msg(strcmp(day->msgs[i - 1].name, day->msgs[i].name) < 0, "%s then %s",
                      day->msgs[i - 1].name, day->msgs[i].name);
    }
    /* names: sequence, Beijing HHMM, role, kind, vessel */
    for (size_t i = 0; i < day->nmsgs; i++) {
        const kn_sim_msg_t *m = &day->msgs[i];
        char vessel[40], want[128];
        size_t n = 0;
        for (const char *c = sc.vessels[m->call].name; *c; c++)
            if (*c != '-')
                vessel[n++] = *c;
        vessel[n] = '\0';
        int64_t local = (m->at_ms / 1000 + 8 * 3600) % 86400;
        snprintf(want, sizeof want, "%04zu-%02d%02d-%s-%s-%s.%s", i + 1, (int)(local / 3600),
                 (int)(local / 60 % 60), kn_role_name(m->role), m->kind, vessel,
                 m->role == KN_ROLE_TERMINAL ? "edi" : "xml");
        ck_assert_str_eq(m->name, want);
    }

    int64_t last_manual = 0;
    size_t manual = 0;
    for (size_t k = 0; k < day->nboxes; k++) {
        const kn_sim_box_t *b = &day->boxes[k];
        const kn_sim_call_t *call = &day->calls[b->call];
        if (b->direction == KN_SIM_EXPORT) {
            ck_assert_int_le(b->gate_in_ms, call->berth_ms - 2 * S_HOUR_MS);
            ck_assert_int_gt(b->load_ms, call->berth_ms);
            ck_assert_int_le(b->load_ms, call->last_move_ms);
            continue;
        }
        ck_assert_int_gt(b->discharge_ms, call->berth_ms);
        ck_assert_int_ge(b->discharge_ms, call->first_move_ms);
        ck_assert_int_le(b->discharge_ms, call->last_move_ms);
        ck_assert_int_lt(call->last_move_ms, call->departure_ms);
        ck_assert_int_gt(b->truck_ms, b->discharge_ms);
        ck_assert_int_gt(b->truck_ms, b->release_ms);
        ck_assert_int_gt(b->truck_ms, b->tax_ms);
        if (b->inspect == KN_SIM_INSPECT_NONE) {
            ck_assert_int_eq(b->inspection_ms, 0);
            continue;
        }
        ck_assert_int_ge(b->inspection_ms, b->discharge_ms + sc.lead_minutes * 60000);
        ck_assert_int_gt(b->inspected_ms, b->inspection_ms);
        ck_assert_int_gt(b->release_ms, b->inspected_ms);
        if (b->inspect == KN_SIM_INSPECT_MANUAL) {
            /* in the area's hours, each in a slot of its own */
            int hour = s_beijing_hour(b->inspection_ms);
            ck_assert_int_ge(hour, sc.opens_hour);
            ck_assert_int_lt(hour, sc.closes_hour);
            ck_assert_int_eq((b->inspection_ms - sc.day_ms) % (S_HOUR_MS / sc.capacity_per_hour),
                             0);
            manual++;
            if (b->inspection_ms > last_manual)
                last_manual = b->inspection_ms;
        }
    }
    ck_assert_uint_gt(manual, 0);
    for (size_t k = 0; k < day->nboxes; k++)
        for (size_t j = k + 1; j < day->nboxes; j++)
            if (day->boxes[k].inspect == KN_SIM_INSPECT_MANUAL &&
                day->boxes[j].inspect == KN_SIM_INSPECT_MANUAL)
                ck_assert_int_ne(day->boxes[k].inspection_ms, day->boxes[j].inspection_ms);
    kn_sim_day_destroy(&day);
}
END_TEST

START_TEST(write_dir_writes_every_message)
{
    kn_scenario_t sc;
    s_load(S_SMALL, &sc);
    kn_sim_day_t *day = s_generate(&sc);
    char dir[300];
    snprintf(dir, sizeof dir, "%s/day", s_dir);
    ck_assert_int_eq(kn_sim_write_dir(day, dir, s_err, sizeof s_err), 0);

    struct dirent **names = NULL;
    int n = scandir(dir, &names, NULL, alphasort);
    ck_assert_int_ge(n, 2);
    kn_arena_t *arena = kn_arena_new(64 * 1024);
    size_t files = 0;
    for (int i = 0; i < n; i++) {
        if (names[i]->d_name[0] != '.') {
            ck_assert_uint_lt(files, day->nmsgs);
            const kn_sim_msg_t *m = &day->msgs[files++];
            ck_assert_str_eq(names[i]->d_name, m->name); /* name order = time order */
            size_t len;
            unsigned char *data = kn_test_read(arena, dir, m->name, &len);
            ck_assert_uint_eq(len, m->len);
            ck_assert_int_eq(memcmp(data, m->payload, len), 0);
        }
        free(names[i]);
    }
    free(names);
    ck_assert_uint_eq(files, day->nmsgs);

    /* a directory that cannot be made */
    char bad[400];
    snprintf(bad, sizeof bad, "%s/%s/x", dir, day->msgs[0].name);
    ck_assert_int_eq(kn_sim_write_dir(day, bad, s_err, sizeof s_err), KN_EIO);
    ck_assert_ptr_nonnull(strstr(s_err, "Not a directory"));
    kn_arena_destroy(&arena);
    kn_sim_day_destroy(&day);
}
END_TEST

START_TEST(small_day_has_every_kind)
{
    kn_scenario_t sc;
    s_load(S_SMALL, &sc);
    kn_sim_day_t *day = s_generate(&sc);
    static const char *kinds[] = {"berman-arrival", "berman-departure",  "coarri-discharge",
                                  "coarri-load",    "codeco-gate-in",    "codeco-gate-out",
                                  "clm10041",       "clm10021",          "clm10011",
                                  "duty-paid",      "guarantee-accepted"};
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
        size_t n = 0;
        for (size_t i = 0; i < day->nmsgs; i++)
            n += !strcmp(day->msgs[i].kind, kinds[k]);
        ck_assert_msg(n > 0, "no %s message in the small day", kinds[k]);
    }
    /* twelve imports, eight exports, one call */
    ck_assert_uint_eq(day->nboxes, 20);
    ck_assert_uint_eq(day->calls[0].import_boxes, 12);
    ck_assert_uint_eq(day->calls[0].export_boxes, 8);
    /* the crane rate: 20 moves at 2 x 20 an hour take 30 minutes after the
     * first move, 30 minutes after berthing */
    ck_assert_int_ge(day->calls[0].first_move_ms, day->calls[0].berth_ms + 30 * 60000);
    ck_assert_int_lt(day->calls[0].last_move_ms, day->calls[0].berth_ms + S_HOUR_MS);
    kn_sim_day_destroy(&day);
}
END_TEST

Suite *kn_test_sim_suite(void);
Suite *kn_test_sim_suite(void)
{
    Suite *s = suite_create("sim");
    TCase *tc = tcase_create("scenario");
    tcase_add_checked_fixture(tc, s_setup, NULL);
    tcase_add_test(tc, small_loads);
    tcase_add_test(tc, default_loads);
    tcase_add_test(tc, errors_name_file_and_line);
    suite_add_tcase(s, tc);

    tc = tcase_create("generate");
    tcase_add_checked_fixture(tc, s_setup, NULL);
    tcase_set_timeout(tc, 120); /* a whole day through the adapters, under sanitizers */
    tcase_add_test(tc, generation_is_deterministic);
    tcase_add_test(tc, every_message_reads_as_planned);
    tcase_add_test(tc, counts_match_the_scenario);
    tcase_add_test(tc, the_day_runs_in_order);
    tcase_add_test(tc, write_dir_writes_every_message);
    tcase_add_test(tc, small_day_has_every_kind);
    suite_add_tcase(s, tc);
    return s;
}
