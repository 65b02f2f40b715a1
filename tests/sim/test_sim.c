/* Tests for sim/scenario.c and sim/generate.c: scenario files, and a
 * generated port day read back through the real adapters, with the messages
 * a flow has written later (kn_sim_gate_out, kn_sim_release).
 *
 * KN_SOURCE_DIR (a string) names the repository root, for conf/scenarios. */
#include "adapter.h"
#include "event.h"
#include "generate.h"
#include "scenario.h"

#include "runner.h"

#include <check.h>
#include <dirent.h>
#include <stddef.h>
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

/* The text of m's payload just after the first needle in it. */
static const char *s_after(const kn_sim_msg_t *m, const char *needle)
{
    size_t n = strlen(needle);
    for (size_t i = 0; i + n <= m->len; i++)
        if (!memcmp(m->payload + i, needle, n))
            return (const char *)m->payload + i + n;
    ck_abort_msg("%s: no %s", m->name, needle);
    return NULL;
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
    ck_assert_int_eq(sc.quay_wait_minutes, 30); /* defaults of the flows' keys */
    ck_assert_double_eq(sc.pickup_notice_hours, 10);
    ck_assert_double_eq(sc.inspection_appointment_hours, 6);
    ck_assert_double_eq(sc.marshal_hours_before_berth, 8);
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
    ck_assert_int_eq(sc.quay_wait_minutes, 30);
    ck_assert_double_eq(sc.pickup_notice_hours, 10);
    ck_assert_double_eq(sc.inspection_appointment_hours, 6);
    ck_assert_double_eq(sc.marshal_hours_before_berth, 8);
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
    s_refused(S_VESSEL "[traffic]\nquay_wait_minutes = 241\n", 6,
              "quay_wait_minutes = 241 is out of range (0 to 240)");
    s_refused(S_VESSEL "[traditional]\npickup_notice_hours = 200\n", 6,
              "pickup_notice_hours = 200 is out of range (0 to 168)");
    s_refused(S_VESSEL "[traditional]\nmarshal_hours_before_berth = -1\n", 6,
              "marshal_hours_before_berth = -1 is out of range (0 to 72)");
    s_refused(S_VESSEL "[traditional]\ninspection_appointment_hours = soon\n", 6,
              "inspection_appointment_hours = soon is not a number");
    s_refused(S_VESSEL "[traditional]\npickup_notice_hours = 4\nquay_wait_minutes = 10\n", 7,
              "unknown key \"quay_wait_minutes\" in [traditional]");
    s_refused(S_VESSEL "[traditional]\npickup_notice_hours = 4\n\n[traditional]\n"
                       "pickup_notice_hours = 5\n",
              9, "pickup_notice_hours is given twice in [traditional] (first on line 6)");
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

/* default.ini shows every key outside the vessels with "(default X)": each X
 * must be the table's default, and every such key must be there. */
START_TEST(default_ini_shows_the_defaults)
{
    FILE *f = fopen(S_DEFAULT, "r");
    ck_assert_ptr_nonnull(f);
    char line[512], section[64] = "", text[8192] = S_VESSEL;
    size_t used = strlen(text), keys = 0;
    bool traditional = false;
    while (fgets(line, sizeof line, f)) {
        if (line[0] == '[') {
            snprintf(section, sizeof section, "%.*s", (int)strcspn(line + 1, "]"), line + 1);
            if (strncmp(section, "vessel.", 7) != 0)
                used += (size_t)snprintf(text + used, sizeof text - used, "[%s]\n", section);
            continue;
        }
        const char *def = strstr(line, "(default ");
        if (line[0] == ';' || !def || !strncmp(section, "vessel.", 7))
            continue;
        ck_assert_msg(section[0] != '\0', "%s", line);
        int key = (int)strcspn(line, " =");
        def += strlen("(default ");
        used += (size_t)snprintf(text + used, sizeof text - used, "%.*s = %.*s\n", key, line,
                                 (int)strcspn(def, ")"), def);
        ck_assert_uint_lt(used, sizeof text);
        traditional |= !strcmp(section, "traditional");
        keys++;
    }
    fclose(f);
    /* [day] 7, [traffic] 13, [inspection] 4, [traditional] 3 */
    ck_assert_uint_eq(keys, 27);
    ck_assert(traditional);

    kn_scenario_t documented, defaults;
    const char *path = kn_test_write(s_dir, "defaults.ini", text);
    int rc = kn_scenario_load(path, &documented, s_err, sizeof s_err);
    ck_assert_msg(rc == 0, "%s", s_err);
    kn_scenario_defaults(&defaults);
    ck_assert_int_eq(memcmp(&documented, &defaults, offsetof(kn_scenario_t, vessels)), 0);
}
END_TEST

/* ---- generation -------------------------------------------------------- */

static bool s_same_day(const kn_sim_day_t *a, const kn_sim_day_t *b)
{
    if (a->nmsgs != b->nmsgs || a->nboxes != b->nboxes || a->nbills != b->nbills)
        return false;
    for (size_t i = 0; i < a->nmsgs; i++)
        if (a->msgs[i].len != b->msgs[i].len || a->msgs[i].at_ms != b->msgs[i].at_ms ||
            strcmp(a->msgs[i].name, b->msgs[i].name) != 0 ||
            memcmp(a->msgs[i].payload, b->msgs[i].payload, a->msgs[i].len) != 0)
            return false;
    return memcmp(a->boxes, b->boxes, a->nboxes * sizeof *a->boxes) == 0 &&
           memcmp(a->bills, b->bills, a->nbills * sizeof *a->bills) == 0;
}

/* The first import box of an inspected bill, and that bill. */
static size_t s_inspected_box(const kn_sim_day_t *day, size_t *bill)
{
    for (size_t b = 0; b < day->nbills; b++)
        if (day->bills[b].inspect != KN_SIM_INSPECT_NONE) {
            *bill = b;
            return day->bills[b].first;
        }
    ck_abort_msg("no inspected bill in the day");
    return 0;
}

START_TEST(generation_is_deterministic)
{
    kn_scenario_t sc;
    s_load(S_SMALL, &sc);
    kn_sim_day_t *a = s_generate(&sc), *b = s_generate(&sc);
    ck_assert(s_same_day(a, b));

    /* so are the messages the flow has written later */
    size_t bill, box = s_inspected_box(a, &bill);
    int64_t at = a->boxes[box].discharge_ms + 3 * S_HOUR_MS;
    kn_sim_msg_t m[4];
    ck_assert_int_eq(kn_sim_release(a, bill, at, &m[0], s_err, sizeof s_err), 0);
    ck_assert_int_eq(kn_sim_release(b, bill, at, &m[1], s_err, sizeof s_err), 0);
    ck_assert_int_eq(kn_sim_gate_out(a, box, at + S_HOUR_MS, &m[2], s_err, sizeof s_err), 0);
    ck_assert_int_eq(kn_sim_gate_out(b, box, at + S_HOUR_MS, &m[3], s_err, sizeof s_err), 0);
    for (size_t i = 0; i < 4; i += 2) {
        ck_assert_str_eq(m[i].name, m[i + 1].name);
        ck_assert_uint_eq(m[i].len, m[i + 1].len);
        ck_assert_int_eq(memcmp(m[i].payload, m[i + 1].payload, m[i].len), 0);
        kn_sim_msg_free(&m[i]);
        kn_sim_msg_free(&m[i + 1]);
        ck_assert_ptr_null(m[i].payload);
    }
    kn_sim_msg_free(&m[0]); /* twice is fine */

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
    size_t events;     /* of the last message read */
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
            ck_assert_int_eq(ck->day->bills[box->bill_index].tax_ms, msg->at_ms);
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
            ck_assert_int_eq(box->reported_ms, msg->at_ms);
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
            ck_assert_int_eq(box->gate_in_ms, msg->at_ms);
            ck_assert_pstr_eq(ev->event_datetime, s_beijing(box->gate_in_ms, true, want));
            ck_assert_pstr_eq(ev->carrier_booking_reference, box->bill);
            ck_assert_pstr_eq(ev->voyage, v->voyage);
            ck_assert_ptr_nonnull(ev->truck_plate);
            seen->gtin++;
        } else {
            /* written by kn_sim_gate_out(), at the time the flow gave */
            ck_assert_str_eq(ev->code, "GTOT");
            ck_assert_str_eq(msg->kind, "codeco-gate-out");
            ck_assert_int_eq(box->direction, KN_SIM_IMPORT);
            ck_assert_pstr_eq(ev->event_datetime, s_beijing(msg->at_ms, true, want));
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
    const kn_sim_bill_t *bill = &ck->day->bills[box->bill_index];
    if (!strcmp(ev->code, "APPR")) {
        ck_assert_str_eq(msg->kind, "clm10041");
        ck_assert_int_eq(bill->decided_ms, msg->at_ms);
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
        ck_assert_int_eq(bill->ordered_ms, msg->at_ms);
        ck_assert_pstr_eq(ev->exam_type, box->inspect == KN_SIM_INSPECT_SCAN ? "H986" : "MANUAL");
        ck_assert_pstr_eq(ev->entry_id, box->entry_id);
        ck_assert_ptr_nonnull(ev->agent_code);
        seen->hold++;
    } else {
        ck_assert_str_eq(ev->code, "RELS");
        ck_assert_str_eq(msg->kind, "clm10011");
        /* not inspected: in the day; inspected: by kn_sim_release() */
        ck_assert_int_eq(box->release_ms,
                         box->inspect == KN_SIM_INSPECT_NONE ? msg->at_ms : INT64_C(0));
        ck_assert_int_eq(bill->release_ms, box->release_ms);
        ck_assert_pstr_eq(ev->entry_id, box->entry_id);
        seen->rels++;
    }
}

/* Read m through the real adapter of its party, check every event; returns
 * its message id (BGM document number, MESSAGE_ID, MessageID) in refs. */
static const char *s_read(s_check_t *ck, kn_arena_t *arena, kn_arena_t *refs, const kn_sim_msg_t *m)
{
    const kn_reader_t *reader = kn_adapter_find(m->role, m->format);
    ck_assert_ptr_nonnull(reader);
    kn_inmsg_t in = {"sim", m->role, m->format, m->content_type, m->payload, m->len};
    kn_event_list_t list = {0};
    kn_error_t err = {0};
    char text[800];
    int rc = kn_adapter_read(reader, &in, arena, &list, &err);
    ck_assert_msg(rc == 0, "%s: %s", m->name, kn_error_text(&err, text, sizeof text));
    ck_assert_uint_gt(list.count, 0);
    const char *id = kn_arena_strdup(refs, list.head->message_ref);
    ck->events = 0;
    for (const kn_event_t *ev = list.head; ev; ev = ev->next) {
        s_check_event(ck, m, ev);
        ck->events++;
    }
    kn_arena_reset(arena);
    return id;
}

static int s_str_cmp(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Sort n strings and assert no two are the same. */
static void s_assert_unique(const char **s, size_t n, const char *what)
{
    qsort(s, n, sizeof *s, s_str_cmp);
    for (size_t i = 1; i < n; i++)
        ck_assert_msg(strcmp(s[i - 1], s[i]) != 0, "%s %s twice", what, s[i]);
}

/* A message the flow would send: when, what, about which box or bill. */
typedef struct {
    int64_t at_ms;
    bool gate_out; /* else a release */
    size_t index;  /* box or bill */
} s_late_t;

static int s_late_cmp(const void *a, const void *b)
{
    const s_late_t *x = a, *y = b;
    if (x->at_ms != y->at_ms)
        return x->at_ms < y->at_ms ? -1 : 1;
    if (x->gate_out != y->gate_out)
        return x->gate_out ? 1 : -1;
    return x->index < y->index ? -1 : x->index > y->index;
}

/* A plausible flow: every inspection at the earliest after discharge, order
 * and appointment; the release review_ms after the last; every import out
 * truck_delay_ms after it is reported, released and settled.  In time
 * order, as the flow sends them.  Returns how many (*late the caller's). */
static size_t s_plan_late(const kn_scenario_t *sc, const kn_sim_day_t *day, s_late_t **late)
{
    size_t n = 0;
    int64_t *release = calloc(day->nbills, sizeof *release);
    *late = calloc(day->nboxes + day->nbills, sizeof **late);
    ck_assert(release && *late);
    for (size_t b = 0; b < day->nbills; b++) {
        const kn_sim_bill_t *bill = &day->bills[b];
        release[b] = bill->release_ms;
        if (bill->inspect == KN_SIM_INSPECT_NONE)
            continue;
        int64_t done = 0;
        for (size_t i = bill->first; i < bill->first + bill->count; i++) {
            const kn_sim_box_t *box = &day->boxes[i];
            int64_t start = box->discharge_ms > bill->ordered_ms + box->appointment_delay_ms
                                ? box->discharge_ms
                                : bill->ordered_ms + box->appointment_delay_ms;
            start += sc->lead_minutes * 60000;
            if (start + box->inspection_duration_ms > done)
                done = start + box->inspection_duration_ms;
        }
        release[b] = done + bill->review_ms;
        (*late)[n++] = (s_late_t){release[b], false, b};
    }
    for (size_t k = 0; k < day->nboxes; k++) {
        const kn_sim_box_t *box = &day->boxes[k];
        if (box->direction != KN_SIM_IMPORT)
            continue;
        int64_t ready = box->reported_ms;
        if (release[box->bill_index] > ready)
            ready = release[box->bill_index];
        if (box->tax_ms > ready)
            ready = box->tax_ms;
        (*late)[n++] = (s_late_t){ready + box->truck_delay_ms, true, k};
    }
    free(release);
    qsort(*late, n, sizeof **late, s_late_cmp);
    return n;
}

START_TEST(every_message_reads_as_planned)
{
    kn_scenario_t sc;
    s_load(S_DEFAULT, &sc);
    kn_sim_day_t *day = s_generate(&sc);
    kn_arena_t *arena = kn_arena_new(64 * 1024), *refs = kn_arena_new(64 * 1024);
    s_check_t ck = {day, &sc, calloc(day->nboxes, sizeof(size_t)),
                    calloc(day->nboxes, sizeof(s_seen_t)), 0};
    s_late_t *late = NULL;
    size_t nlate = s_plan_late(&sc, day, &late);
    const char **ids = calloc(day->nmsgs + nlate, sizeof *ids);
    const char **names = calloc(day->nmsgs + nlate, sizeof *names);
    ck_assert(arena && refs && ck.by_number && ck.seen && ids && names);
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
        ids[i] = s_read(&ck, arena, refs, m);
        names[i] = m->name;
        if (!strncmp(m->kind, "berman-", 7))
            berth_events += ck.events;
    }
    /* arrival: ARRI ACT and DEPA EST; departure: DEPA ACT */
    ck_assert_uint_eq(berth_events, 3 * day->ncalls);

    /* the day holds no import gate-out and no release of an inspected bill */
    size_t inspected = 0;
    for (size_t k = 0; k < day->nboxes; k++) {
        const kn_sim_box_t *box = &day->boxes[k];
        const s_seen_t *s = &ck.seen[k];
        if (box->direction == KN_SIM_IMPORT) {
            ck_assert_msg(s->disc == 1 && s->appr == 1 &&
                              s->rels == (box->inspect == KN_SIM_INSPECT_NONE) && s->gtot == 0 &&
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

    /* then the flow's: a gate-out is one GTOT of its box at its time, a
     * release one RELS for each box of its bill */
    kn_sim_msg_t *sent = calloc(nlate, sizeof *sent);
    ck_assert_ptr_nonnull(sent);
    for (size_t i = 0; i < nlate; i++) {
        kn_sim_msg_t *m = &sent[i];
        char want[96], hhmm[8];
        int64_t local = (late[i].at_ms / 1000 + 8 * 3600) % 86400;
        snprintf(hhmm, sizeof hhmm, "%02d%02d", (int)(local / 3600), (int)(local / 60 % 60));
        if (late[i].gate_out) {
            const kn_sim_box_t *box = &day->boxes[late[i].index];
            ck_assert_int_eq(
                kn_sim_gate_out(day, late[i].index, late[i].at_ms, m, s_err, sizeof s_err), 0);
            snprintf(want, sizeof want, "%s-terminal-codeco-gate-out-%s.edi", hhmm, box->number);
            ck_assert_str_eq(m->kind, "codeco-gate-out");
            ck_assert_str_eq(m->format, "edifact");
            ck_assert_uint_eq(m->call, box->call);
            int before = ck.seen[late[i].index].gtot;
            ids[day->nmsgs + i] = s_read(&ck, arena, refs, m);
            ck_assert_uint_eq(ck.events, 1);
            ck_assert_int_eq(ck.seen[late[i].index].gtot, before + 1);
        } else {
            const kn_sim_bill_t *bill = &day->bills[late[i].index];
            ck_assert_int_eq(
                kn_sim_release(day, late[i].index, late[i].at_ms, m, s_err, sizeof s_err), 0);
            snprintf(want, sizeof want, "%s-customs-clm10011-%s.xml", hhmm, bill->no);
            ck_assert_str_eq(m->kind, "clm10011");
            ck_assert_str_eq(m->format, "customs-xml");
            ck_assert_uint_eq(m->call, bill->call);
            ids[day->nmsgs + i] = s_read(&ck, arena, refs, m);
            ck_assert_uint_eq(ck.events, bill->count);
        }
        ck_assert_int_eq(m->at_ms, late[i].at_ms);
        ck_assert_str_eq(m->name, want);
        names[day->nmsgs + i] = m->name;
    }
    for (size_t k = 0; k < day->nboxes; k++)
        if (day->boxes[k].direction == KN_SIM_IMPORT)
            ck_assert_msg(ck.seen[k].gtot == 1 && ck.seen[k].rels == 1, "import %s",
                          day->boxes[k].number);

    /* message ids and names are unique in the whole day, the flow's too */
    s_assert_unique(ids, day->nmsgs + nlate, "message id");
    s_assert_unique(names, day->nmsgs + nlate, "name");

    for (size_t i = 0; i < nlate; i++)
        kn_sim_msg_free(&sent[i]);
    free(sent);
    free(late);
    free(ids);
    free(names);
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
    ck_assert_uint_eq(day->nbills, bills);

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

    /* message kinds: per bill one CLM10041 and one TaxPayment, one CLM10011
     * per bill not inspected, one CLM10021 per inspected bill; one CODECO
     * gate-in per export box; two BERMAN a call */
    size_t inspected_bills = 0;
    for (size_t b = 0; b < day->nbills; b++)
        inspected_bills += day->bills[b].inspect != KN_SIM_INSPECT_NONE;
    size_t n41 = 0, n21 = 0, n11 = 0, ntax = 0, ngate_in = 0, ngate_out = 0, nberman = 0,
           ncoarri = 0;
    for (size_t i = 0; i < day->nmsgs; i++) {
        const char *kind = day->msgs[i].kind;
        n41 += !strcmp(kind, "clm10041");
        n21 += !strcmp(kind, "clm10021");
        n11 += !strcmp(kind, "clm10011");
        ntax += day->msgs[i].role == KN_ROLE_TAX;
        ngate_in += !strcmp(kind, "codeco-gate-in");
        ngate_out += !strcmp(kind, "codeco-gate-out");
        nberman += !strncmp(kind, "berman-", 7);
        ncoarri += !strncmp(kind, "coarri-", 7);
    }
    ck_assert_uint_eq(n41, bills);
    ck_assert_uint_eq(n21, inspected_bills);
    ck_assert_uint_eq(n11, bills - inspected_bills);
    ck_assert_uint_eq(ntax, bills);
    ck_assert_uint_gt(n21, 0);
    ck_assert_uint_lt(n21, bills / 5);
    ck_assert_uint_eq(ngate_in, 1280);
    ck_assert_uint_eq(ngate_out, 0);
    ck_assert_uint_eq(nberman, 8);
    ck_assert_uint_eq(n41 + n21 + n11 + ntax + ngate_in + nberman + ncoarri, day->nmsgs);
    kn_sim_day_destroy(&day);
}
END_TEST

START_TEST(bills_match_their_boxes)
{
    kn_scenario_t sc;
    s_load(S_DEFAULT, &sc);
    kn_sim_day_t *day = s_generate(&sc);

    size_t next = 0, boxes = 0; /* where the next bill's boxes may start */
    for (size_t b = 0; b < day->nbills; b++) {
        const kn_sim_bill_t *bill = &day->bills[b];
        ck_assert_uint_ge(bill->count, 1);
        ck_assert_uint_le(bill->count, 4);
        ck_assert_uint_ge(bill->first, next); /* by call; a call's exports in between */
        if (b > 0 && bill->call == day->bills[b - 1].call)
            ck_assert_uint_eq(bill->first, next); /* contiguous within a call */
        ck_assert_uint_le(bill->first + bill->count, day->nboxes);
        next = bill->first + bill->count;
        boxes += bill->count;
        for (size_t k = bill->first; k < next; k++) {
            const kn_sim_box_t *box = &day->boxes[k];
            ck_assert_int_eq(box->direction, KN_SIM_IMPORT);
            ck_assert_uint_eq(box->bill_index, b);
            ck_assert_str_eq(box->bill, bill->no);
            ck_assert_uint_eq(box->call, bill->call);
            ck_assert_int_eq(box->inspect, bill->inspect);
            ck_assert_int_eq(box->declared_before_arrival, bill->declared_before_arrival);
            ck_assert_int_eq(box->tax_ms, bill->tax_ms);
            ck_assert_int_eq(box->release_ms, bill->release_ms);
        }
        /* customs: decided, then the order (inspected) or the release soon
         * after; an inspected bill's release is the flow's, after the
         * review drawn here */
        ck_assert_int_gt(bill->decided_ms, 0);
        ck_assert_int_gt(bill->tax_ms, 0);
        if (bill->inspect == KN_SIM_INSPECT_NONE) {
            ck_assert_int_eq(bill->ordered_ms, 0);
            ck_assert_int_eq(bill->review_ms, 0);
            ck_assert_int_ge(bill->release_ms, bill->decided_ms + 60000);
            ck_assert_int_lt(bill->release_ms, bill->decided_ms + 10 * 60000);
        } else {
            ck_assert_int_gt(bill->ordered_ms, bill->decided_ms);
            ck_assert_int_eq(bill->release_ms, 0);
            ck_assert_int_ge(bill->review_ms, 10 * 60000);
            ck_assert_int_lt(bill->review_ms, 45 * 60000);
        }
    }
    size_t imports = 0;
    for (size_t k = 0; k < day->nboxes; k++)
        imports += day->boxes[k].direction == KN_SIM_IMPORT;
    ck_assert_uint_eq(boxes, imports); /* every import in one bill */
    kn_sim_day_destroy(&day);
}
END_TEST

/* Mean of the drawn durations of the boxes that match, in minutes. */
static double s_mean_minutes(const kn_sim_day_t *day, kn_sim_inspect_t inspect, size_t field)
{
    double sum = 0;
    size_t n = 0;
    for (size_t k = 0; k < day->nboxes; k++) {
        const kn_sim_box_t *box = &day->boxes[k];
        if (box->direction != KN_SIM_IMPORT || box->inspect != inspect)
            continue;
        sum += (double)*(const int64_t *)(const void *)((const char *)box + field);
        n++;
    }
    ck_assert_uint_gt(n, 0);
    return sum / (double)n / 60000.0;
}

START_TEST(durations_are_drawn_where_they_apply)
{
    kn_scenario_t sc;
    s_load(S_DEFAULT, &sc);
    kn_sim_day_t *day = s_generate(&sc);
    for (size_t k = 0; k < day->nboxes; k++) {
        const kn_sim_box_t *b = &day->boxes[k];
        if (b->direction == KN_SIM_EXPORT) {
            ck_assert(b->truck_delay_ms == 0 && b->notice_delay_ms == 0 &&
                      b->appointment_delay_ms == 0 && b->inspection_duration_ms == 0);
            continue;
        }
        ck_assert_int_ge(b->truck_delay_ms, 5 * 60000); /* quay to gate at least */
        ck_assert_int_gt(b->notice_delay_ms, 0);
        if (b->inspect == KN_SIM_INSPECT_NONE) {
            ck_assert_int_eq(b->appointment_delay_ms, 0);
            ck_assert_int_eq(b->inspection_duration_ms, 0);
        } else {
            ck_assert_int_gt(b->appointment_delay_ms, 0);
            ck_assert_int_ge(b->inspection_duration_ms, 60000);
        }
        /* whole seconds, as every message writes them */
        ck_assert_int_eq(b->truck_delay_ms % 1000, 0);
        ck_assert_int_eq(b->notice_delay_ms % 1000, 0);
    }
    /* around the scenario's means (1,320 imports; about 130 inspected) */
    double truck =
        (s_mean_minutes(day, KN_SIM_INSPECT_NONE, offsetof(kn_sim_box_t, truck_delay_ms)) - 5) /
        sc.truck_delay_minutes;
    ck_assert_msg(truck > 0.85 && truck < 1.15, "truck delay %.3f of the mean", truck);
    double notice =
        s_mean_minutes(day, KN_SIM_INSPECT_NONE, offsetof(kn_sim_box_t, notice_delay_ms)) /
        (60 * sc.pickup_notice_hours);
    ck_assert_msg(notice > 0.85 && notice < 1.15, "pickup notice %.3f of the mean", notice);
    double manual = (s_mean_minutes(day, KN_SIM_INSPECT_MANUAL,
                                    offsetof(kn_sim_box_t, inspection_duration_ms)) -
                     1) /
                    sc.inspection_minutes;
    ck_assert_msg(manual > 0.6 && manual < 1.4, "manual inspection %.3f of the mean", manual);
    double scan =
        (s_mean_minutes(day, KN_SIM_INSPECT_SCAN, offsetof(kn_sim_box_t, inspection_duration_ms)) -
         1) /
        sc.scan_minutes;
    ck_assert_msg(scan > 0.6 && scan < 1.4, "scan %.3f of the mean", scan);
    double appointment =
        s_mean_minutes(day, KN_SIM_INSPECT_SCAN, offsetof(kn_sim_box_t, appointment_delay_ms)) /
        (60 * sc.inspection_appointment_hours);
    ck_assert_msg(appointment > 0.6 && appointment < 1.4, "appointment %.3f of the mean",
                  appointment);
    kn_sim_day_destroy(&day);

    /* the [traditional] means are what the day draws from */
    sc.pickup_notice_hours = 0;
    sc.inspection_appointment_hours = 0;
    day = s_generate(&sc);
    for (size_t k = 0; k < day->nboxes; k++)
        ck_assert(day->boxes[k].notice_delay_ms == 0 && day->boxes[k].appointment_delay_ms == 0);
    kn_sim_day_destroy(&day);
}
END_TEST

START_TEST(the_day_runs_in_order)
{
    kn_scenario_t sc;
    s_load(S_DEFAULT, &sc);
    kn_sim_day_t *day = s_generate(&sc);

    for (size_t i = 1; i < day->nmsgs; i++)
        ck_assert_int_le(day->msgs[i - 1].at_ms, day->msgs[i].at_ms);
    /* names: Beijing HHMM, role, kind, subject (vessel, bill or container) */
    for (size_t i = 0; i < day->nmsgs; i++) {
        const kn_sim_msg_t *m = &day->msgs[i];
        char subject[40], want[128];
        size_t n = 0;
        if (!strncmp(m->kind, "berman-", 7) || !strncmp(m->kind, "coarri-", 7)) {
            for (const char *c = sc.vessels[m->call].name; *c; c++)
                if (*c != '-')
                    subject[n++] = *c;
            subject[n] = '\0';
        } else if (!strncmp(m->kind, "codeco-", 7)) {
            /* the container, which the payload names in its EQD */
            snprintf(subject, sizeof subject, "%.11s", s_after(m, "EQD+CN+"));
        } else {
            const char *bill = s_after(m, m->role == KN_ROLE_TAX ? "<BillNo>" : "<BILL_NO>");
            snprintf(subject, sizeof subject, "%.*s", (int)strcspn(bill, "<"), bill);
        }
        int64_t local = (m->at_ms / 1000 + 8 * 3600) % 86400;
        snprintf(want, sizeof want, "%02d%02d-%s-%s-%s.%s", (int)(local / 3600),
                 (int)(local / 60 % 60), kn_role_name(m->role), m->kind, subject,
                 m->role == KN_ROLE_TERMINAL ? "edi" : "xml");
        ck_assert_str_eq(m->name, want);
    }

    const int64_t window = sc.report_minutes * 60000;
    for (size_t k = 0; k < day->nboxes; k++) {
        const kn_sim_box_t *b = &day->boxes[k];
        const kn_sim_call_t *call = &day->calls[b->call];
        ck_assert_int_lt(call->last_move_ms, call->departure_ms);
        if (b->direction == KN_SIM_EXPORT) {
            ck_assert_int_le(b->gate_in_ms, call->berth_ms - 2 * S_HOUR_MS);
            ck_assert_int_gt(b->load_ms, call->berth_ms);
            ck_assert_int_le(b->load_ms, call->last_move_ms);
            ck_assert(b->discharge_ms == 0 && b->reported_ms == 0 && b->release_ms == 0 &&
                      b->tax_ms == 0);
            continue;
        }
        ck_assert_int_gt(b->discharge_ms, call->berth_ms);
        ck_assert_int_ge(b->discharge_ms, call->first_move_ms);
        ck_assert_int_le(b->discharge_ms, call->last_move_ms);
        ck_assert_int_eq(b->gate_in_ms + b->load_ms, 0);
        /* reported at the end of the report window of its crane move */
        ck_assert_int_gt(b->reported_ms, b->discharge_ms);
        ck_assert_int_le(b->reported_ms, b->discharge_ms + window);
        ck_assert_int_eq((b->reported_ms - sc.day_ms) % window, 0);
        ck_assert_int_le(b->reported_ms, call->departure_ms);
        ck_assert_int_gt(b->tax_ms, 0);
        if (b->inspect == KN_SIM_INSPECT_NONE)
            ck_assert_int_gt(b->release_ms, day->bills[b->bill_index].decided_ms);
        else
            ck_assert_int_eq(b->release_ms, 0);
    }
    kn_sim_day_destroy(&day);
}
END_TEST

/* Odd days keep names unique: two vessels whose names read the same
 * without '-', and crane work over more than a day (COARRI windows at the
 * same HHMM on two days). */
START_TEST(names_stay_unique_on_odd_days)
{
    kn_scenario_t sc;
    kn_scenario_defaults(&sc);
    static const char *const names[] = {"SEA-LION", "SEALION"};
    for (size_t i = 0; i < 2; i++) {
        kn_scenario_vessel_t *v = &sc.vessels[sc.nvessels++];
        snprintf(v->name, sizeof v->name, "%s", names[i]);
        snprintf(v->ship_name, sizeof v->ship_name, "%s", i ? "SEALION" : "SEA LION");
        snprintf(v->imo, sizeof v->imo, "%s", i ? "9700002" : "9700001");
        snprintf(v->voyage, sizeof v->voyage, "%s", "001N");
        snprintf(v->carrier, sizeof v->carrier, "%s", "COS");
        snprintf(v->bill_prefix, sizeof v->bill_prefix, "%s", "COSU");
        v->berth_minute = 8 * 60 + 10 * (int)i;
        v->import_boxes = 40;
        v->export_boxes = 20;
        v->cranes = 1;
        v->moves_per_crane_hour = 2; /* 60 moves: 30 hours */
    }
    kn_sim_day_t *day = s_generate(&sc);
    const char **all = calloc(day->nmsgs, sizeof *all);
    ck_assert_ptr_nonnull(all);
    size_t later = 0, second = 0;
    for (size_t i = 0; i < day->nmsgs; i++) {
        all[i] = day->msgs[i].name;
        later += strstr(all[i], "-SEALION_d1.edi") || strstr(all[i], "-SEALION_c2_d1.edi");
        second += strstr(all[i], "-SEALION_c2") != NULL;
        if (day->msgs[i].call == 1 && (!strncmp(day->msgs[i].kind, "berman-", 7) ||
                                       !strncmp(day->msgs[i].kind, "coarri-", 7)))
            ck_assert_ptr_nonnull(strstr(all[i], "-SEALION_c2"));
    }
    ck_assert_uint_gt(later, 0);
    ck_assert_uint_gt(second, 0);
    s_assert_unique(all, day->nmsgs, "name");
    free(all);
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

    /* the day's messages, then two of the flow's */
    size_t bill, box = s_inspected_box(day, &bill), n = day->nmsgs + 2;
    kn_sim_msg_t late[2];
    int64_t at = day->calls[0].departure_ms + S_HOUR_MS;
    ck_assert_int_eq(kn_sim_release(day, bill, at, &late[0], s_err, sizeof s_err), 0);
    ck_assert_int_eq(kn_sim_gate_out(day, box, at + S_HOUR_MS, &late[1], s_err, sizeof s_err), 0);
    const kn_sim_msg_t **msgs = calloc(n, sizeof *msgs);
    ck_assert_ptr_nonnull(msgs);
    for (size_t i = 0; i < day->nmsgs; i++)
        msgs[i] = &day->msgs[i];
    msgs[n - 2] = &late[0];
    msgs[n - 1] = &late[1];
    ck_assert_int_eq(kn_sim_write_dir(msgs, n, dir, s_err, sizeof s_err), 0);

    struct dirent **names = NULL;
    int found = scandir(dir, &names, NULL, alphasort);
    ck_assert_int_ge(found, 2);
    kn_arena_t *arena = kn_arena_new(64 * 1024);
    size_t files = 0;
    for (int i = 0; i < found; i++) {
        if (names[i]->d_name[0] != '.') {
            ck_assert_uint_lt(files, n);
            const kn_sim_msg_t *m = msgs[files++];
            char want[160];
            snprintf(want, sizeof want, "%05zu-%s", files, m->name);
            ck_assert_str_eq(names[i]->d_name, want); /* name order = the order given */
            size_t len;
            unsigned char *data = kn_test_read(arena, dir, want, &len);
            ck_assert_uint_eq(len, m->len);
            ck_assert_int_eq(memcmp(data, m->payload, len), 0);
        }
        free(names[i]);
    }
    free(names);
    ck_assert_uint_eq(files, n);

    /* none at all: the directory, empty */
    char empty[320];
    snprintf(empty, sizeof empty, "%s/empty", s_dir);
    ck_assert_int_eq(kn_sim_write_dir(msgs, 0, empty, s_err, sizeof s_err), 0);
    found = scandir(empty, &names, NULL, alphasort);
    ck_assert_int_eq(found, 2); /* . and .. */
    for (int i = 0; i < found; i++)
        free(names[i]);
    free(names);

    /* a directory that cannot be made */
    char bad[512];
    snprintf(bad, sizeof bad, "%s/00001-%s/x", dir, day->msgs[0].name);
    ck_assert_int_eq(kn_sim_write_dir(msgs, n, bad, s_err, sizeof s_err), KN_EIO);
    ck_assert_ptr_nonnull(strstr(s_err, "Not a directory"));
    kn_sim_msg_free(&late[0]);
    kn_sim_msg_free(&late[1]);
    free(msgs);
    kn_arena_destroy(&arena);
    kn_sim_day_destroy(&day);
}
END_TEST

START_TEST(small_day_has_every_kind)
{
    kn_scenario_t sc;
    s_load(S_SMALL, &sc);
    kn_sim_day_t *day = s_generate(&sc);
    /* every kind but the import gate-outs, which only the flow sends; the
     * releases here are those of the bills not inspected */
    static const char *kinds[] = {"berman-arrival",    "berman-departure", "coarri-discharge",
                                  "coarri-load",       "codeco-gate-in",   "clm10041",
                                  "clm10021",          "clm10011",         "duty-paid",
                                  "guarantee-accepted"};
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
        size_t n = 0;
        for (size_t i = 0; i < day->nmsgs; i++)
            n += !strcmp(day->msgs[i].kind, kinds[k]);
        ck_assert_msg(n > 0, "no %s message in the small day", kinds[k]);
    }
    size_t released = 0, not_inspected = 0;
    for (size_t i = 0; i < day->nmsgs; i++) {
        ck_assert_str_ne(day->msgs[i].kind, "codeco-gate-out");
        released += !strcmp(day->msgs[i].kind, "clm10011");
    }
    for (size_t b = 0; b < day->nbills; b++)
        not_inspected += day->bills[b].inspect == KN_SIM_INSPECT_NONE;
    ck_assert_uint_eq(released, not_inspected);
    ck_assert_uint_lt(not_inspected, day->nbills); /* the flow has releases to send */
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
    tcase_add_test(tc, default_ini_shows_the_defaults);
    suite_add_tcase(s, tc);

    tc = tcase_create("generate");
    tcase_add_checked_fixture(tc, s_setup, NULL);
    tcase_set_timeout(tc, 120); /* a whole day through the adapters, under sanitizers */
    tcase_add_test(tc, generation_is_deterministic);
    tcase_add_test(tc, every_message_reads_as_planned);
    tcase_add_test(tc, counts_match_the_scenario);
    tcase_add_test(tc, bills_match_their_boxes);
    tcase_add_test(tc, durations_are_drawn_where_they_apply);
    tcase_add_test(tc, the_day_runs_in_order);
    tcase_add_test(tc, names_stay_unique_on_odd_days);
    tcase_add_test(tc, write_dir_writes_every_message);
    tcase_add_test(tc, small_day_has_every_kind);
    suite_add_tcase(s, tc);
    return s;
}
