/* kouan — terminal reader (see terminal.h for the mapping).
 *
 * The EDIFACT syntax comes from edifact.c; this file only gives the segments
 * of COARRI, CODECO and BERMAN their meaning.  Events are built in a list of
 * their own and handed to the caller only when the whole interchange has been
 * read, so a failure half way appends nothing.
 */
#include "terminal.h"
#include "edifact.h"

#include <assert.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* Terminal local time when a DTM carries no zone: China Standard Time. */
#define S_LOCAL_OFFSET "+08:00"

typedef struct {
    const char *imo;       /* C222 8213 when 1131 is 146 */
    const char *call_sign; /* C222 8213 when 1131 is 103 */
    const char *name;      /* C222 8212 */
    const char *voyage;    /* TDT 8028 conveyance reference */
} s_vessel_t;

typedef struct {
    const char *locode;   /* C517 3225, UN/LOCODE */
    const char *facility; /* C519 3223, the terminal */
    int rank;             /* how well the LOC qualifier fits; 0 = none */
} s_place_t;

/* One message being read. */
typedef struct {
    kn_arena_t *arena;
    kn_error_t *err;
    kn_event_list_t *list;           /* events of the interchange so far */
    const kn_edifact_message_t *msg; /* the message */
    const char *kind;                /* UNH message type */
    const char *code;                /* DCSA event code for COARRI/CODECO */
    bool coarri;                     /* COARRI */
    bool codeco;                     /* CODECO */
    const char *doc_number;          /* BGM 1004 */
    kn_event_func_t function;        /* from BGM 1225 */
    s_vessel_t vessel;               /* message-level sea TDT */
    const char *truck_plate;         /* message-level road TDT */
    s_place_t place;                 /* best message-level LOC */
    const char *bill;                /* message-level RFF+BM */
    const char *booking;             /* message-level RFF+BN */
} s_msg_t;

/* One EQD group being read. */
typedef struct {
    const kn_edifact_segment_t *eqd; /* the EQD that opened it */
    bool container;                  /* equipment qualifier CN (or none) */
    const char *number;              /* C237 8260 */
    const char *iso_code;            /* C224 8155 */
    const char *empty;               /* LADEN or EMPTY */
    const char *bill;                /* RFF+BM */
    const char *booking;             /* RFF+BN */
    const char *stowage;             /* LOC+147 */
    const char *temperature;         /* TMP+2 */
    const char *truck_plate;         /* road TDT in the group */
    const char *time;                /* ISO 8601 event time */
    int time_rank;                   /* how well its DTM qualifier fits; 0 = none */
    double gross_kg;                 /* MEA ... G */
    double vgm_kg;                   /* MEA ... VGM */
    const char *seals[KN_TERMINAL_MAX_SEALS];
    size_t seal_count;
    bool has_vessel; /* the group has its own sea TDT */
    s_vessel_t vessel;
    s_place_t place; /* best group-level LOC */
} s_group_t;

static const char *s_val(const kn_edifact_segment_t *seg, size_t e, size_t c)
{
    return kn_edifact_segment_value(seg, e, c);
}

static bool s_eq(const char *a, const char *b)
{
    return a && b && strcmp(a, b) == 0;
}

static int s_fail(s_msg_t *m, const kn_edifact_segment_t *seg, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int s_fail(s_msg_t *m, const kn_edifact_segment_t *seg, int code, const char *fmt, ...)
{
    char where[128], text[512];
    kn_edifact_segment_position(seg, where, sizeof where);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    return kn_error_set(m->err, code, where, "edifact: %s", text);
}

static const char *s_position(s_msg_t *m, const kn_edifact_segment_t *seg)
{
    char where[128];
    return kn_arena_strdup(m->arena, kn_edifact_segment_position(seg, where, sizeof where));
}

/* ------------------------------------------------------------------------ */
/* values                                                                   */

/* An EDIFACT number: optional '-', digits, one decimal mark ('.' or ',', both
 * accepted whatever UNA says, as no thousands separator exists), at least one
 * digit, at most 18 digits. */
static bool s_number(const char *s, double *out)
{
    uint64_t mantissa = 0;
    int digits = 0, scale = 0;
    bool neg = false, mark = false;
    if (!s)
        return false;
    if (*s == '-') {
        neg = true;
        s++;
    }
    for (; *s; s++) {
        if (*s >= '0' && *s <= '9') {
            if (++digits > 18)
                return false;
            mantissa = mantissa * 10 + (uint64_t)(*s - '0');
            if (mark)
                scale++;
        } else if ((*s == '.' || *s == ',') && !mark)
            mark = true;
        else
            return false;
    }
    if (digits == 0)
        return false;
    double v = (double)mantissa;
    while (scale-- > 0)
        v /= 10;
    *out = neg ? -v : v;
    return true;
}

static bool s_digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

static int s_int(const char *s, size_t n)
{
    int v = 0;
    for (size_t i = 0; i < n; i++)
        v = v * 10 + (s[i] - '0');
    return v;
}

/* A zone suffix of format 303/304 (UTC, GMT, UT, Z, +HH, +HHMM, +HH:MM) or 205
 * (+HHMM, want_hhmm) as "+HH:MM" in buf; false when it is none of these. */
static bool s_zone(const char *z, bool want_hhmm, char *buf, size_t size)
{
    if (!want_hhmm && (strcmp(z, "UTC") == 0 || strcmp(z, "GMT") == 0 || strcmp(z, "UT") == 0 ||
                       strcmp(z, "Z") == 0)) {
        snprintf(buf, size, "+00:00");
        return true;
    }
    if (z[0] != '+' && z[0] != '-')
        return false;
    size_t n = strlen(z + 1);
    unsigned hh, mm = 0;
    if (n == 2 && !want_hhmm && s_digits(z + 1, 2))
        hh = (unsigned)s_int(z + 1, 2);
    else if (n == 4 && s_digits(z + 1, 4)) {
        hh = (unsigned)s_int(z + 1, 2);
        mm = (unsigned)s_int(z + 3, 2);
    } else if (n == 5 && !want_hhmm && z[3] == ':' && s_digits(z + 1, 2) && s_digits(z + 4, 2)) {
        hh = (unsigned)s_int(z + 1, 2);
        mm = (unsigned)s_int(z + 4, 2);
    } else
        return false;
    if (hh > 14 || mm > 59)
        return false;
    snprintf(buf, size, "%c%02u:%02u", z[0], hh, mm);
    return true;
}

/* DTM C507 (2005:2380:2379) as ISO 8601 with offset. */
static int s_datetime(s_msg_t *m, const kn_edifact_segment_t *seg, const char **out)
{
    const char *v = s_val(seg, 1, 2), *f = s_val(seg, 1, 3);
    int format = 0, rc = 0;
    char zone[16];

    if (!v) {
        rc = s_fail(m, seg, KN_ESCHEMA, "element 1: date/time value is missing");
        goto out;
    }
    size_t n = strlen(v);
    if (!f)
        format = n == 12 ? 203 : n == 14 ? 204 : 0;
    else if (strcmp(f, "203") == 0 || strcmp(f, "204") == 0 || strcmp(f, "205") == 0 ||
             strcmp(f, "303") == 0 || strcmp(f, "304") == 0)
        format = s_int(f, 3);
    if (format == 0) {
        if (f)
            rc = s_fail(m, seg, KN_ESCHEMA,
                        "element 1 component 3: date/time format %s is not supported (203, 204, "
                        "205, 303 or 304)",
                        f);
        else
            rc = s_fail(m, seg, KN_ESCHEMA,
                        "element 1: date/time %s has no format code and is not CCYYMMDDHHMM", v);
        goto out;
    }
    size_t digits = (format == 204 || format == 304) ? 14 : 12;
    if (n < digits || !s_digits(v, digits)) {
        rc = s_fail(m, seg, KN_ESCHEMA, "element 1: date/time %s does not match format %d", v,
                    format);
        goto out;
    }
    const char *z = v + digits;
    if (format == 203 || format == 204) {
        if (*z) {
            rc = s_fail(m, seg, KN_ESCHEMA, "element 1: date/time %s does not match format %d", v,
                        format);
            goto out;
        }
        snprintf(zone, sizeof zone, "%s", S_LOCAL_OFFSET);
    } else if (!s_zone(z, format == 205, zone, sizeof zone)) {
        rc =
            s_fail(m, seg, KN_ESCHEMA, "element 1: time zone \"%s\" of %s is not understood", z, v);
        goto out;
    }
    int year = s_int(v, 4), month = s_int(v + 4, 2), day = s_int(v + 6, 2);
    int hour = s_int(v + 8, 2), minute = s_int(v + 10, 2);
    int second = digits == 14 ? s_int(v + 12, 2) : 0;
    static const int mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    int dim = month >= 1 && month <= 12 ? mdays[month - 1] + (month == 2 && leap) : 0;
    if (dim == 0 || day < 1 || day > dim || hour > 23 || minute > 59 || second > 59) {
        rc = s_fail(m, seg, KN_ESCHEMA, "element 1: date/time %s is not a valid date and time", v);
        goto out;
    }
    *out = kn_arena_printf(m->arena, "%04d-%02d-%02dT%02d:%02d:%02d%s", year, month, day, hour,
                           minute, second, zone);
    if (!*out)
        rc = kn_error_set(m->err, KN_ENOMEM, "", "edifact: out of memory");
out:
    return rc;
}

/* MEA C174 (6411 unit : 6314 value) in kilograms. */
static int s_weight(s_msg_t *m, const kn_edifact_segment_t *seg, double *kg)
{
    const char *unit = s_val(seg, 3, 1), *value = s_val(seg, 3, 2);
    double v, factor;
    int rc = 0;

    if (!value || !s_number(value, &v) || v < 0) {
        rc = s_fail(m, seg, KN_ESCHEMA, "element 3 component 2: weight %s is not a number",
                    value ? value : "(missing)");
        goto out;
    }
    if (s_eq(unit, "KGM"))
        factor = 1;
    else if (s_eq(unit, "TNE"))
        factor = 1000;
    else if (s_eq(unit, "LBR"))
        factor = 0.45359237;
    else {
        rc = s_fail(m, seg, KN_ESCHEMA, "element 3: weight unit %s is not KGM, TNE or LBR",
                    unit ? unit : "(missing)");
        goto out;
    }
    *kg = v * factor;
out:
    return rc;
}

/* TMP C239 (6246 value : 6411 unit) as "-18.0 CEL". */
static int s_temperature(s_msg_t *m, const kn_edifact_segment_t *seg, const char **out)
{
    const char *value = s_val(seg, 2, 1), *unit = s_val(seg, 2, 2);
    double v;
    int rc = 0;

    if (!value || !s_number(value, &v)) {
        rc = s_fail(m, seg, KN_ESCHEMA, "element 2: temperature %s is not a number",
                    value ? value : "(missing)");
        goto out;
    }
    char *t =
        unit ? kn_arena_printf(m->arena, "%s %s", value, unit) : kn_arena_strdup(m->arena, value);
    if (!t) {
        rc = kn_error_set(m->err, KN_ENOMEM, "", "edifact: out of memory");
        goto out;
    }
    for (char *p = t; *p && *p != ' '; p++)
        if (*p == ',')
            *p = '.';
    *out = t;
out:
    return rc;
}

/* The element holding C222 transport identification: element 8 in D.95B and
 * D.00B.  Some terminal feeds (the CODECO samples among them) put one data
 * element separator too many before it; element 9 is then taken when element
 * 8 is empty and element 9 is composite (D.00B's element 9, 8281, is a simple
 * code). */
static size_t s_c222(const kn_edifact_segment_t *seg)
{
    size_t n = kn_edifact_segment_component_count(seg, 8);
    for (size_t c = 1; c <= n; c++)
        if (s_val(seg, 8, c))
            return 8;
    if (kn_edifact_segment_component_count(seg, 9) > 1)
        return 9;
    return 8;
}

/* TDT: a road vehicle gives a truck plate, anything else a vessel.  Mode of
 * transport (C220 8067) 3 is road; without a mode, a CODECO TDT that is not
 * main carriage (8051 20) is taken as the truck.  The plate is the last
 * component given of C222 (8212 name, else 8213 id). */
static void s_tdt(const s_msg_t *m, const kn_edifact_segment_t *seg, s_vessel_t *vessel,
                  bool *is_vessel, const char **plate)
{
    const char *stage = s_val(seg, 1, 1), *mode = s_val(seg, 3, 1);
    size_t e = s_c222(seg);
    const char *id = s_val(seg, e, 1), *list = s_val(seg, e, 2), *name = s_val(seg, e, 4);
    bool road = mode ? strcmp(mode, "3") == 0 : (m->codeco && !s_eq(stage, "20"));

    if (road) {
        if (name || id)
            *plate = name ? name : id;
        return;
    }
    memset(vessel, 0, sizeof *vessel);
    vessel->voyage = s_val(seg, 2, 1);
    if (s_eq(list, "146"))
        vessel->imo = id;
    else if (s_eq(list, "103"))
        vessel->call_sign = id;
    vessel->name = name;
    *is_vessel = true;
}

/* How well a LOC qualifier names where the event happened (1 best, 0 not). */
static int s_place_rank(const char *event_code, const char *qualifier)
{
    static const struct {
        const char *code;
        const char *order[3];
    } table[] = {
        {"DISC", {"11", "165", "9"}},
        {"LOAD", {"9", "165", "11"}},
        {"GTIN", {"165", "11", "9"}},
        {"GTOT", {"165", "11", "9"}},
    };
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
        if (s_eq(event_code, table[i].code))
            for (int r = 0; r < 3; r++)
                if (s_eq(qualifier, table[i].order[r]))
                    return r + 1;
    return 0;
}

static void s_take_place(s_place_t *place, const kn_edifact_segment_t *seg, int rank)
{
    if (rank == 0 || (place->rank != 0 && place->rank <= rank))
        return;
    place->locode = s_val(seg, 2, 1);
    place->facility = s_val(seg, 3, 1);
    place->rank = rank;
}

/* ------------------------------------------------------------------------ */
/* COARRI and CODECO                                                        */

static int s_bgm(s_msg_t *m, const kn_edifact_segment_t **bgm_out)
{
    const kn_edifact_segment_t *bgm = kn_edifact_message_segment(m->msg, 1);
    int rc = 0;

    if (!bgm || strcmp(kn_edifact_segment_tag(bgm), "BGM") != 0) {
        rc = s_fail(m, bgm ? bgm : kn_edifact_message_segment(m->msg, 0), KN_ESCHEMA,
                    "%s message has no BGM after UNH", m->kind);
        goto out;
    }
    m->doc_number = s_val(bgm, 2, 1);
    m->function = s_eq(s_val(bgm, 3, 1), "1") ? KN_FUNC_WITHDRAW : KN_FUNC_ADD;
    *bgm_out = bgm;
out:
    return rc;
}

static int s_eqd(s_msg_t *m, s_group_t *g, const kn_edifact_segment_t *seg)
{
    const char *qualifier = s_val(seg, 1, 1), *full = s_val(seg, 6, 1);
    memset(g, 0, sizeof *g);
    g->eqd = seg;
    g->container = !qualifier || strcmp(qualifier, "CN") == 0;
    g->number = s_val(seg, 2, 1);
    g->iso_code = s_val(seg, 3, 1);
    g->empty = s_eq(full, "5") ? "LADEN" : s_eq(full, "4") ? "EMPTY" : NULL;
    if (!g->number)
        return s_fail(m, seg, KN_ESCHEMA, "element 2: equipment identification is missing");
    return 0;
}

static int s_group_segment(s_msg_t *m, s_group_t *g, const kn_edifact_segment_t *seg)
{
    const char *tag = kn_edifact_segment_tag(seg);
    const char *q = s_val(seg, 1, 1);
    int rc = 0;

    if (strcmp(tag, "RFF") == 0) {
        const char *ref = s_val(seg, 1, 2);
        if (s_eq(q, "BM") && !g->bill)
            g->bill = ref;
        else if (s_eq(q, "BN") && !g->booking)
            g->booking = ref;
    } else if (strcmp(tag, "DTM") == 0) {
        /* COARRI reports execution (203), CODECO the effective time (7). */
        int rank = s_eq(q, "203") ? (m->coarri ? 1 : 2) : s_eq(q, "7") ? (m->coarri ? 2 : 1) : 0;
        if (rank) {
            const char *iso;
            rc = s_datetime(m, seg, &iso);
            if (rc)
                goto out;
            if (g->time_rank == 0 || rank < g->time_rank) {
                g->time = iso;
                g->time_rank = rank;
            }
        }
    } else if (strcmp(tag, "LOC") == 0) {
        if (s_eq(q, "147"))
            g->stowage = s_val(seg, 2, 1);
        else
            s_take_place(&g->place, seg, s_place_rank(m->code, q));
    } else if (strcmp(tag, "MEA") == 0) {
        const char *property = s_val(seg, 2, 1);
        double kg = 0;
        bool weight =
            (s_eq(q, "AAE") || s_eq(q, "WT")) && (s_eq(property, "G") || s_eq(property, "VGM"));
        if (weight) {
            rc = s_weight(m, seg, &kg);
            if (rc)
                goto out;
            if (s_eq(property, "G"))
                g->gross_kg = kg;
            else
                g->vgm_kg = kg;
        }
    } else if (strcmp(tag, "SEL") == 0) {
        if (q) {
            if (g->seal_count == KN_TERMINAL_MAX_SEALS) {
                rc = s_fail(m, seg, KN_ESCHEMA, "more than %d seals on equipment %s",
                            KN_TERMINAL_MAX_SEALS, g->number);
                goto out;
            }
            g->seals[g->seal_count++] = q;
        }
    } else if (strcmp(tag, "TMP") == 0) {
        if (s_eq(q, "2")) {
            rc = s_temperature(m, seg, &g->temperature);
            if (rc)
                goto out;
        }
    } else if (strcmp(tag, "TDT") == 0) {
        s_tdt(m, seg, &g->vessel, &g->has_vessel, &g->truck_plate);
    }
out:
    return rc;
}

static void s_message_segment(s_msg_t *m, const kn_edifact_segment_t *seg)
{
    const char *tag = kn_edifact_segment_tag(seg);
    const char *q = s_val(seg, 1, 1);
    bool is_vessel = false;

    if (strcmp(tag, "TDT") == 0) {
        s_vessel_t v;
        s_tdt(m, seg, &v, &is_vessel, &m->truck_plate);
        if (is_vessel) {
            if (!v.voyage)
                v.voyage = m->vessel.voyage; /* from RFF+VON */
            m->vessel = v;
        }
    } else if (strcmp(tag, "LOC") == 0) {
        s_take_place(&m->place, seg, s_place_rank(m->code, q));
    } else if (strcmp(tag, "RFF") == 0) {
        const char *ref = s_val(seg, 1, 2);
        if (s_eq(q, "BM") && !m->bill)
            m->bill = ref;
        else if (s_eq(q, "BN") && !m->booking)
            m->booking = ref;
        else if (s_eq(q, "VON") && !m->vessel.voyage)
            m->vessel.voyage = ref;
    }
}

static char *s_join_seals(kn_arena_t *arena, const s_group_t *g)
{
    size_t total = 0;
    for (size_t i = 0; i < g->seal_count; i++)
        total += strlen(g->seals[i]) + 1;
    char *s = kn_arena_alloc(arena, total);
    if (!s)
        return NULL;
    size_t o = 0;
    for (size_t i = 0; i < g->seal_count; i++) {
        size_t n = strlen(g->seals[i]);
        if (i)
            s[o++] = ',';
        memcpy(s + o, g->seals[i], n);
        o += n;
    }
    s[o] = '\0';
    return s;
}

static int s_emit_equipment(s_msg_t *m, const s_group_t *g)
{
    const s_vessel_t *v = g->has_vessel ? &g->vessel : &m->vessel;
    const s_place_t *place = g->place.rank ? &g->place : &m->place;
    kn_event_t *ev = NULL;
    int rc = 0;

    if (!g->container)
        goto out; /* chassis, trailers ...: not a container fact */
    ev = kn_event_append(m->list, m->arena, KN_EVENT_EQUIPMENT, m->code);
    if (!ev) {
        rc = KN_ENOMEM;
        goto out;
    }
    ev->classifier = KN_CLASS_ACT;
    ev->function = m->function;
    ev->event_datetime = g->time;
    ev->message_kind = m->kind;
    ev->message_ref = m->doc_number;
    ev->position = s_position(m, g->eqd);
    ev->equipment_reference = g->number;
    ev->iso_equipment_code = g->iso_code;
    ev->empty_indicator = g->empty;
    ev->gross_weight_kg = g->gross_kg;
    ev->vgm_kg = g->vgm_kg;
    ev->temperature = g->temperature;
    ev->stowage_cell = g->stowage;
    ev->truck_plate = g->truck_plate ? g->truck_plate : m->truck_plate;
    ev->transport_document_reference = g->bill ? g->bill : m->bill;
    ev->carrier_booking_reference = g->booking ? g->booking : m->booking;
    ev->vessel_imo = v->imo;
    ev->vessel_name = v->name;
    ev->vessel_call_sign = v->call_sign;
    ev->voyage = v->voyage;
    ev->un_location_code = place->locode;
    ev->facility_code = place->facility;
    if (!ev->position) {
        rc = KN_ENOMEM;
        goto out;
    }
    if (g->seal_count) {
        char *seals = s_join_seals(m->arena, g);
        if (!seals) {
            rc = KN_ENOMEM;
            goto out;
        }
        ev->seals = seals;
    }
    if (!kn_iso6346_valid(g->number)) {
        int digit = kn_iso6346_check_digit(g->number);
        size_t n = strlen(g->number);
        if (digit >= 0 && n == 11 && g->number[10] >= '0' && g->number[10] <= '9')
            rc = kn_event_warn(ev, m->arena, "CHECK_DIGIT",
                               "container number %s fails the ISO 6346 check digit (should be %d)",
                               g->number, digit);
        else
            rc = kn_event_warn(ev, m->arena, "CHECK_DIGIT",
                               "container number %s is not an ISO 6346 number (four letters and "
                               "seven digits)",
                               g->number);
        if (rc)
            goto out;
    }
    if (!g->time)
        rc = kn_event_warn(ev, m->arena, "NO_EVENT_TIME", "no %s event time for container %s",
                           m->coarri ? "DTM+203" : "DTM+7", g->number);
out:
    if (rc)
        kn_error_set(m->err, rc, "", "edifact: out of memory");
    return rc;
}

static int s_read_equipment(s_msg_t *m)
{
    const kn_edifact_segment_t *bgm = NULL;
    size_t n = kn_edifact_message_segment_count(m->msg), groups = 0;
    s_group_t *g = NULL;
    bool in_group = false;
    int rc = s_bgm(m, &bgm);
    if (rc)
        goto out;

    const char *doc = s_val(bgm, 1, 1);
    if (m->coarri)
        m->code = s_eq(doc, "44") ? "DISC" : s_eq(doc, "46") ? "LOAD" : NULL;
    else
        m->code = s_eq(doc, "34") ? "GTIN" : s_eq(doc, "36") ? "GTOT" : NULL;
    if (!m->code) {
        rc = s_fail(m, bgm, KN_ESCHEMA, "element 1: document code %s is not a %s",
                    doc ? doc : "(missing)",
                    m->coarri ? "discharge (44) or loading (46) report"
                              : "gate-in (34) or gate-out (36) report");
        goto out;
    }
    g = kn_arena_alloc(m->arena, sizeof *g);
    if (!g) {
        rc = kn_error_set(m->err, KN_ENOMEM, "", "edifact: out of memory");
        goto out;
    }

    /* Segments 2 .. n-2: between BGM and UNT. */
    for (size_t i = 2; i + 1 < n; i++) {
        const kn_edifact_segment_t *seg = kn_edifact_message_segment(m->msg, i);
        const char *tag = kn_edifact_segment_tag(seg);
        if (strcmp(tag, "EQD") == 0) {
            if (in_group && (rc = s_emit_equipment(m, g)) != 0)
                goto out;
            rc = s_eqd(m, g, seg);
            if (rc)
                goto out;
            in_group = true;
            groups++;
        } else if (strcmp(tag, "CNT") == 0) {
            if (in_group && (rc = s_emit_equipment(m, g)) != 0)
                goto out;
            in_group = false;
            double count;
            if (s_eq(s_val(seg, 1, 1), "16") && s_number(s_val(seg, 1, 2), &count) &&
                count != (double)groups) {
                rc = s_fail(m, seg, KN_ESCHEMA,
                            "element 1: equipment count says %s, message has %zu EQD groups",
                            s_val(seg, 1, 2), groups);
                goto out;
            }
        } else if (in_group) {
            rc = s_group_segment(m, g, seg);
            if (rc)
                goto out;
        } else
            s_message_segment(m, seg);
    }
    if (in_group)
        rc = s_emit_equipment(m, g);
out:
    return rc;
}

/* ------------------------------------------------------------------------ */
/* BERMAN                                                                   */

/* The port-of-call LOC qualifiers of a BERMAN: 153 (place of sojourn, the port
 * of call), then 11, 9, 165 as the COARRI/CODECO profiles use them. */
static int s_berman_place_rank(const char *qualifier)
{
    static const char *order[] = {"153", "11", "9", "165"};
    for (int i = 0; i < 4; i++)
        if (s_eq(qualifier, order[i]))
            return i + 1;
    return 0;
}

/* The DTM qualifiers that are transport events. */
static bool s_berman_dtm(const char *q, const char **code, kn_event_class_t *cls)
{
    static const struct {
        const char *qualifier;
        const char *code;
        kn_event_class_t cls;
    } table[] = {
        {"132", "ARRI", KN_CLASS_EST}, /* arrival date/time, estimated */
        {"232", "ARRI", KN_CLASS_PLN}, /* arrival date/time, scheduled */
        {"178", "ARRI", KN_CLASS_ACT}, /* arrival date/time, actual */
        {"133", "DEPA", KN_CLASS_EST}, /* departure date/time, estimated */
        {"189", "DEPA", KN_CLASS_PLN}, /* departure date/time, scheduled */
        {"186", "DEPA", KN_CLASS_ACT}, /* departure date/time, actual */
        {"136", "DEPA", KN_CLASS_ACT}, /* departure date/time */
    };
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
        if (s_eq(q, table[i].qualifier)) {
            *code = table[i].code;
            *cls = table[i].cls;
            return true;
        }
    return false;
}

/* The first port-of-call LOC from segment i to the next TDT (or UNT). */
static s_place_t s_berman_group_place(const kn_edifact_message_t *msg, size_t i)
{
    s_place_t place = {0};
    size_t n = kn_edifact_message_segment_count(msg);
    for (; i + 1 < n; i++) {
        const kn_edifact_segment_t *seg = kn_edifact_message_segment(msg, i);
        const char *tag = kn_edifact_segment_tag(seg);
        if (strcmp(tag, "TDT") == 0)
            break;
        if (strcmp(tag, "LOC") == 0 && s_berman_place_rank(s_val(seg, 1, 1))) {
            place.locode = s_val(seg, 2, 1);
            place.facility = s_val(seg, 3, 1);
            place.rank = 1;
            break;
        }
    }
    return place;
}

static int s_read_berman(s_msg_t *m)
{
    const kn_edifact_segment_t *bgm = NULL;
    size_t n = kn_edifact_message_segment_count(m->msg);
    s_vessel_t vessel = {0};
    s_place_t here = {0}, group = {0}, first = {0};
    bool is_vessel = false;
    const char *plate = NULL;
    int rc = s_bgm(m, &bgm);
    if (rc)
        goto out;

    /* Defaults for DTMs before the first TDT: the message's first vessel and
     * port of call. */
    for (size_t i = 2; i + 1 < n; i++) {
        const kn_edifact_segment_t *seg = kn_edifact_message_segment(m->msg, i);
        if (strcmp(kn_edifact_segment_tag(seg), "TDT") == 0) {
            s_tdt(m, seg, &vessel, &is_vessel, &plate);
            break;
        }
    }
    first = s_berman_group_place(m->msg, 2);
    for (size_t i = 2; i + 1 < n && !first.rank; i++) {
        const kn_edifact_segment_t *seg = kn_edifact_message_segment(m->msg, i);
        if (strcmp(kn_edifact_segment_tag(seg), "TDT") == 0)
            first = s_berman_group_place(m->msg, i + 1);
    }

    for (size_t i = 2; i + 1 < n; i++) {
        const kn_edifact_segment_t *seg = kn_edifact_message_segment(m->msg, i);
        const char *tag = kn_edifact_segment_tag(seg);
        const char *q = s_val(seg, 1, 1);
        const char *code;
        kn_event_class_t cls;
        if (strcmp(tag, "TDT") == 0) {
            s_vessel_t v;
            is_vessel = false;
            s_tdt(m, seg, &v, &is_vessel, &plate);
            if (is_vessel)
                vessel = v;
            memset(&here, 0, sizeof here);
            group = s_berman_group_place(m->msg, i + 1);
        } else if (strcmp(tag, "LOC") == 0 && s_berman_place_rank(q)) {
            here.locode = s_val(seg, 2, 1);
            here.facility = s_val(seg, 3, 1);
            here.rank = 1;
        } else if (strcmp(tag, "DTM") == 0 && s_berman_dtm(q, &code, &cls)) {
            const char *iso;
            const s_place_t *place = here.rank ? &here : group.rank ? &group : &first;
            rc = s_datetime(m, seg, &iso);
            if (rc)
                goto out;
            kn_event_t *ev = kn_event_append(m->list, m->arena, KN_EVENT_TRANSPORT, code);
            if (!ev) {
                rc = kn_error_set(m->err, KN_ENOMEM, "", "edifact: out of memory");
                goto out;
            }
            ev->classifier = cls;
            ev->function = m->function;
            ev->event_datetime = iso;
            ev->message_kind = m->kind;
            ev->message_ref = m->doc_number;
            ev->position = s_position(m, seg);
            ev->vessel_imo = vessel.imo;
            ev->vessel_name = vessel.name;
            ev->vessel_call_sign = vessel.call_sign;
            ev->voyage = vessel.voyage;
            ev->un_location_code = place->locode;
            ev->facility_code = place->facility;
            if (!ev->position) {
                rc = kn_error_set(m->err, KN_ENOMEM, "", "edifact: out of memory");
                goto out;
            }
        }
    }
out:
    return rc;
}

/* ------------------------------------------------------------------------ */

int kn_terminal_read(const kn_inmsg_t *in, kn_arena_t *arena, kn_event_list_t *out, kn_error_t *err)
{
    assert(in && arena && out);
    kn_edifact_interchange_t *ic = NULL;
    kn_event_list_t local = {0};
    int rc = kn_edifact_parse(in->data, in->len, arena, &ic, err);
    if (rc)
        goto out;

    for (size_t i = 0; i < kn_edifact_interchange_message_count(ic); i++) {
        const kn_edifact_message_t *msg = kn_edifact_interchange_message(ic, i);
        s_msg_t m = {.arena = arena, .err = err, .list = &local, .msg = msg};
        m.kind = kn_edifact_message_type(msg);
        m.coarri = strcmp(m.kind, "COARRI") == 0;
        m.codeco = strcmp(m.kind, "CODECO") == 0;
        if (m.coarri || m.codeco)
            rc = s_read_equipment(&m);
        else if (strcmp(m.kind, "BERMAN") == 0)
            rc = s_read_berman(&m);
        else
            rc = s_fail(&m, kn_edifact_message_segment(msg, 0), KN_EUNKNOWN,
                        "element 2: message type %s may not be sent by a terminal (COARRI, "
                        "CODECO or BERMAN)",
                        m.kind);
        if (rc)
            goto out;
    }

    if (local.head) {
        if (out->tail)
            out->tail->next = local.head;
        else
            out->head = local.head;
        out->tail = local.tail;
        out->count += local.count;
    }
out:
    return rc;
}
