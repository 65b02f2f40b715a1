/* kouan — the simulated port day (see generate.h).
 *
 * Two passes.  The first plans the day: boxes, bills, crane sequence,
 * customs decisions, tax, export gate-ins and the durations the flow needs
 * (sim/flow.h), each as a time; every message becomes a plan item (time,
 * kind, what it is about).  The plan is sorted by time, and the second pass
 * writes each item's bytes in that order, so that message ids count up with
 * time.
 *
 * What the flow decides (an import box through the gate, the release of an
 * inspected bill) is written later, when the flow has its time:
 * kn_sim_gate_out() and kn_sim_release() use what the first pass kept in
 * struct kn_sim_gen and continue its id counters, so that ids stay unique in
 * the whole day (they count up with time among the later messages, as the
 * flow sends them in time order).
 *
 * Assumptions the scenario does not set are the S_* constants below.
 */
#include "generate.h"
#include "err.h"
#include "event.h"

#include <assert.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define S_SECOND INT64_C(1000)
#define S_MINUTE (60 * S_SECOND)
#define S_HOUR (60 * S_MINUTE)
#define S_BEIJING (8 * S_HOUR) /* China Standard Time, no daylight saving */

#define S_FIRST_MOVE (30 * S_MINUTE)  /* berthing to first crane move: gangs aboard, lashing */
#define S_SAILING (60 * S_MINUTE)     /* last crane move to departure: unlashing, pilot */
#define S_QUAY_TO_GATE (5 * S_MINUTE) /* least time from "may leave" to the gate */
#define S_CUTOFF (2 * S_HOUR)         /* export boxes are in at least this long before berthing */

#define S_RECIPIENT "KOUAN" /* UNB recipient of the terminal's interchanges */

/* ------------------------------------------------------------------------ */
/* reference data                                                           */

/* Container owner codes (BIC prefixes with category U) boxes are drawn from. */
static const char *const s_owners[] = {"COSU", "CSNU", "CBHU", "OOLU", "TGHU", "MSCU",
                                       "TCNU", "FCIU", "SEGU", "TRHU", "EGHU", "BMOU"};
#define S_NOWNERS (sizeof s_owners / sizeof s_owners[0])

/* Declaring agents: code (10 digits, as registered with customs) and name. */
typedef struct {
    const char *code;
    const char *name;
} s_agent_t;

static const s_agent_t s_agents[] = {
    {"3502980011", "XIAMEN SHENGYI LOGISTICS"},
    {"3502960123", "厦门海天国际货运代理有限公司"},
    {"3502980456", "XIAMEN C&D LOGISTICS"},
    {"3502910789", "厦门象屿速传供应链发展股份有限公司"},
    {"3502970302", "FUJIAN ORIENT SHIPPING AGENCY"},
    {"3502930518", "厦门外轮代理有限公司"},
};
#define S_NAGENTS (sizeof s_agents / sizeof s_agents[0])

/* General cargo, as the terminal writes it in FTX+AAA (some need the EDIFACT
 * release character). */
static const char *const s_goods[] = {
    "MACHINE PARTS+ SPARES",
    "ELECTRONIC COMPONENTS",
    "GARMENTS",
    "FURNITURE",
    "STONE SLABS",
    "AUTO PARTS",
    "PAPER PULP",
    "PLASTIC RESIN",
    "COFFEE BEANS",
    "TEXTILE FABRIC: COTTON",
    "WINE (RED)",
    "TOYS",
};
#define S_NGOODS (sizeof s_goods / sizeof s_goods[0])

/* Reefer cargo and its set point (degrees Celsius, TMP+2). */
static const struct {
    const char *goods;
    const char *setpoint;
} s_reefer[] = {
    {"FROZEN SEAFOOD", "-18.0"},
    {"FROZEN BEEF", "-18.0"},
    {"CHILLED FRUIT: DURIAN", "3.0"},
    {"FRESH CHERRIES", "0.5"},
};
#define S_NREEFER (sizeof s_reefer / sizeof s_reefer[0])

/* Dangerous goods: description, IMDG class, UN number (DGS+IMD). */
typedef struct {
    const char *goods;
    const char *imdg_class;
    const char *un_number;
} s_dg_t;

static const s_dg_t s_dgs[] = {
    {"PAINT", "3", "1263"},
    {"LITHIUM ION BATTERIES", "9", "3480"},
    {"SODIUM HYDROXIDE SOLUTION", "8", "1824"},
    {"ENVIRONMENTALLY HAZARDOUS SUBSTANCE, LIQUID", "9", "3082"},
    {"PESTICIDE, TOXIC", "6.1", "2588"},
};
#define S_NDGS (sizeof s_dgs / sizeof s_dgs[0])

/* ------------------------------------------------------------------------ */
/* randomness: splitmix64 (Steele, Lea, Flood 2014), seeded by the scenario  */

typedef struct {
    uint64_t state;
} s_rng_t;

static uint64_t s_next(s_rng_t *r)
{
    uint64_t z = (r->state += UINT64_C(0x9E3779B97F4A7C15));
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

/* Uniform in [0, n), n > 0, without modulo bias. */
static uint64_t s_below(s_rng_t *r, uint64_t n)
{
    assert(n > 0);
    uint64_t limit = UINT64_MAX - UINT64_MAX % n, x;
    do
        x = s_next(r);
    while (x >= limit);
    return x % n;
}

/* Uniform in [0, 1). */
static double s_unit(s_rng_t *r)
{
    return (double)(s_next(r) >> 11) * (1.0 / 9007199254740992.0);
}

static bool s_chance(s_rng_t *r, double p)
{
    return s_unit(r) < p;
}

/* A time truncated to whole seconds: every message writes seconds at most. */
static int64_t s_sec(int64_t ms)
{
    return ms - ms % S_SECOND;
}

/* Uniform time in [lo, hi) (lo when hi <= lo), whole seconds. */
static int64_t s_between(s_rng_t *r, int64_t lo, int64_t hi)
{
    return s_sec(hi > lo ? lo + (int64_t)s_below(r, (uint64_t)(hi - lo)) : lo);
}

/* A right-skewed duration with the given mean, from 0 to 3.6 times the mean:
 * mean * S^2 / 2.5 with S the sum of three uniforms (E[S^2] = 2.5).  Waits
 * at a port are skewed (most trucks come soon, some much later); this shape
 * needs no libm. */
static int64_t s_spread(s_rng_t *r, double mean_ms)
{
    double s = s_unit(r) + s_unit(r) + s_unit(r);
    return s_sec((int64_t)(mean_ms * s * s / 2.5));
}

/* ------------------------------------------------------------------------ */
/* time                                                                     */

typedef struct {
    int year, month, day, hour, minute, second;
} s_clock_t;

/* Beijing wall-clock time of ms since the epoch (H. Hinnant's
 * civil_from_days). */
static s_clock_t s_local(int64_t ms)
{
    int64_t t = (ms + S_BEIJING) / S_SECOND;
    int64_t z = t / 86400, sod = t % 86400;
    if (sod < 0) {
        sod += 86400;
        z--;
    }
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    int64_t m = mp < 10 ? mp + 3 : mp - 9;
    s_clock_t c = {
        .year = (int)(yoe + era * 400 + (m <= 2)),
        .month = (int)m,
        .day = (int)(doy - (153 * mp + 2) / 5 + 1),
        .hour = (int)(sod / 3600),
        .minute = (int)(sod / 60 % 60),
        .second = (int)(sod % 60),
    };
    return c;
}

/* EDIFACT DTM format 203: CCYYMMDDHHMM, local time. */
static const char *s_edi_time(int64_t ms, char buf[16])
{
    s_clock_t c = s_local(ms);
    snprintf(buf, 16, "%04d%02d%02d%02d%02d", c.year % 10000, c.month, c.day, c.hour, c.minute);
    return buf;
}

/* UNB date and time: YYMMDD:HHMM. */
static const char *s_unb_time(int64_t ms, char buf[16])
{
    s_clock_t c = s_local(ms);
    snprintf(buf, 16, "%02d%02d%02d:%02d%02d", c.year % 100, c.month, c.day, c.hour, c.minute);
    return buf;
}

/* Customs MESSAGE_CREATE_TIME: YYYY-MM-DD HH:MM:SS, Beijing time. */
static const char *s_clm_time(int64_t ms, char buf[24])
{
    s_clock_t c = s_local(ms);
    snprintf(buf, 24, "%04d-%02d-%02d %02d:%02d:%02d", c.year % 10000, c.month, c.day, c.hour,
             c.minute, c.second);
    return buf;
}

/* xs:dateTime with offset: YYYY-MM-DDTHH:MM:SS+08:00. */
static const char *s_iso_time(int64_t ms, char buf[32])
{
    s_clock_t c = s_local(ms);
    snprintf(buf, 32, "%04d-%02d-%02dT%02d:%02d:%02d+08:00", c.year % 10000, c.month, c.day, c.hour,
             c.minute, c.second);
    return buf;
}

/* ------------------------------------------------------------------------ */
/* output buffers                                                           */

typedef struct {
    char *p;
    size_t len, cap;
    bool oom; /* an allocation failed: the contents are incomplete */
} s_buf_t;

static void s_vput(s_buf_t *b, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
static void s_vput(s_buf_t *b, const char *fmt, va_list ap)
{
    while (!b->oom) {
        va_list aq;
        va_copy(aq, ap);
        size_t room = b->cap - b->len;
        int n = vsnprintf(b->p ? b->p + b->len : NULL, room, fmt, aq);
        va_end(aq);
        if (n < 0) {
            b->oom = true;
            return;
        }
        if ((size_t)n < room) {
            b->len += (size_t)n;
            return;
        }
        size_t cap = b->cap ? b->cap : 1024;
        while (cap - b->len <= (size_t)n)
            cap *= 2;
        char *p = realloc(b->p, cap);
        if (!p) {
            b->oom = true;
            return;
        }
        b->p = p;
        b->cap = cap;
    }
}

static void s_put(s_buf_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void s_put(s_buf_t *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    s_vput(b, fmt, ap);
    va_end(ap);
}

/* src with & < > escaped for XML text into dst. */
static const char *s_xml_esc(char *dst, size_t size, const char *src)
{
    size_t o = 0;
    for (; *src && o + 6 < size; src++) {
        const char *rep = *src == '&'   ? "&amp;"
                          : *src == '<' ? "&lt;"
                          : *src == '>' ? "&gt;"
                                        : NULL;
        if (rep) {
            memcpy(dst + o, rep, strlen(rep));
            o += strlen(rep);
        } else
            dst[o++] = *src;
    }
    dst[o] = '\0';
    return dst;
}

/* src with the EDIFACT release character before ' + : ? into dst. */
static const char *s_edi_esc(char *dst, size_t size, const char *src)
{
    size_t o = 0;
    for (; *src && o + 3 < size; src++) {
        if (strchr("'+:?", *src))
            dst[o++] = '?';
        dst[o++] = *src;
    }
    dst[o] = '\0';
    return dst;
}

/* One EDIFACT interchange being written: UNA, UNB, messages, UNZ. */
typedef struct {
    s_buf_t *b;
    unsigned segments; /* of the open message, UNH included */
    unsigned messages; /* in the interchange */
} s_edi_t;

static void s_seg(s_edi_t *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void s_seg(s_edi_t *e, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    s_vput(e->b, fmt, ap);
    va_end(ap);
    s_put(e->b, "'\r\n");
    e->segments++;
}

/* ------------------------------------------------------------------------ */
/* the plan                                                                 */

typedef enum {
    S_BERTH,     /* BERMAN arrival */
    S_DEPART,    /* BERMAN departure */
    S_DISCHARGE, /* COARRI discharge report: crane order [first, first+count) */
    S_LOAD,      /* COARRI loading report: crane order [first, first+count) */
    S_GATE_IN,   /* CODECO gate-in: box first */
    S_GATE_OUT,  /* CODECO gate-out: box first */
    S_CLM10041,  /* discharge instruction: bill first */
    S_CLM10021,  /* inspection order: bill first */
    S_CLM10011,  /* release: bill first */
    S_TAX        /* TaxPayment: bill first */
} s_kind_t;

typedef struct {
    int64_t at_ms; /* when it is sent */
    size_t seq;    /* order of planning: breaks ties in time */
    s_kind_t kind;
    size_t call;
    size_t first, count; /* what it is about, by kind */
} s_plan_t;

/* What a box needs beyond kn_sim_box_t to be written out. */
typedef struct {
    char seal[12];        /* CN and 7 digits */
    char stowage[8];      /* bay, row, tier aboard (LOC+147) */
    char plate[12];       /* truck plate at the gate (闽D is MIN D) */
    int weight_kg;        /* gross mass (import) or verified gross mass (export) */
    const char *goods;    /* FTX+AAA text */
    const char *setpoint; /* reefer set point, NULL for a dry box */
    const s_dg_t *dg;     /* dangerous goods, NULL when none */
} s_box_t;

/* One import bill of lading, one declaration: what writing its messages
 * needs beyond kn_sim_bill_t. */
typedef struct {
    char no[16];               /* bill of lading number */
    char entry_id[19];         /* declaration number, 18 digits */
    char guarantee_no[24];     /* bank guarantee, when settled so */
    const s_agent_t *agent;    /* declaring agent */
    size_t call;               /* vessel call */
    size_t first, count;       /* its boxes */
    bool declared;             /* declared before arrival */
    kn_sim_inspect_t inspect;  /* customs' choice for every box of it */
    bool guarantee;            /* settled by guarantee, else paid */
    int64_t last_discharge_ms; /* last of its boxes ashore */
    int64_t decided_ms;        /* customs decision: CLM10041 */
    int64_t ordered_ms;        /* inspection order: CLM10021, 0 when not inspected */
    int64_t release_ms;        /* not inspected: CLM10011; 0 when inspected */
    int64_t review_ms;         /* inspected: last box inspected to the release */
    int64_t tax_ms;            /* TaxPayment */
    int64_t paid_ms;           /* PaidAt */
    int64_t amount_fen;        /* duty in CNY fen (cents) */
} s_bill_t;

/* What the day keeps to write more messages after it is generated
 * (day->gen): the writers' view of the day, and the id counters. */
struct kn_sim_gen {
    kn_scenario_t sc;    /* a copy: the day does not need the caller's to live on */
    s_box_t *ext;        /* per day->boxes */
    s_bill_t *bills;     /* per day->bills */
    size_t *crane;       /* box indices in crane order, call by call */
    int64_t *est_depart; /* per call: departure as planned at berthing */
    char vessel[KN_SCENARIO_MAX_VESSELS][48]; /* per call: the subject in message names */
    size_t edi_seq, customs_seq, tax_seq;     /* the last message id given */
};

/* What planning the day needs, for kn_sim_generate() only. */
typedef struct {
    struct kn_sim_gen *w;    /* kept in the day */
    const kn_scenario_t *sc; /* &w->sc */
    kn_sim_day_t *day;
    s_rng_t rng;
    s_plan_t *plan;
    size_t nplan, plancap;
    uint64_t *numbers;  /* open-addressing set of container numbers drawn */
    size_t numbers_cap; /* a power of two */
    uint64_t bill_base, entry_base, guarantee_seq, booking_seq;
} s_gen_t;

static void s_plan(s_gen_t *g, int64_t at, s_kind_t kind, size_t call, size_t first, size_t count)
{
    assert(g->nplan < g->plancap);
    g->plan[g->nplan] = (s_plan_t){at, g->nplan, kind, call, first, count};
    g->nplan++;
}

/* ------------------------------------------------------------------------ */
/* boxes and bills                                                          */

/* Draw a container number not drawn before (the set has room: it is twice
 * the boxes, and 12 million numbers can be drawn). */
static void s_container_number(s_gen_t *g, char out[12])
{
    for (;;) {
        size_t owner = (size_t)s_below(&g->rng, S_NOWNERS);
        uint64_t serial = s_below(&g->rng, 1000000);
        uint64_t key = owner * 1000000 + serial + 1, h = key * UINT64_C(0x9E3779B97F4A7C15);
        size_t mask = g->numbers_cap - 1, i = (size_t)(h >> 32) & mask;
        while (g->numbers[i] && g->numbers[i] != key)
            i = (i + 1) & mask;
        if (g->numbers[i])
            continue; /* drawn before: draw again */
        g->numbers[i] = key;
        char ten[11];
        snprintf(ten, sizeof ten, "%s%06u", s_owners[owner], (unsigned)serial);
        snprintf(out, 12, "%s%d", ten, kn_iso6346_check_digit(ten));
        return;
    }
}

/* Everything about one box that does not depend on its bill or its times. */
static void s_box_cargo(s_gen_t *g, kn_sim_box_t *box, s_box_t *x)
{
    s_rng_t *r = &g->rng;
    s_container_number(g, box->number);
    box->reefer = s_chance(r, g->sc->reefer_share);
    box->dangerous = s_chance(r, g->sc->dangerous_share);
    bool forty;
    if (box->reefer) {
        forty = s_chance(r, 0.8);
        snprintf(box->iso_code, sizeof box->iso_code, "%s", forty ? "45R1" : "22R1");
        size_t k = (size_t)s_below(r, S_NREEFER);
        x->goods = s_reefer[k].goods;
        x->setpoint = s_reefer[k].setpoint;
    } else {
        uint64_t k = s_below(r, 100);
        forty = k >= 35;
        snprintf(box->iso_code, sizeof box->iso_code, "%s",
                 k < 35   ? "22G1"
                 : k < 50 ? "42G1"
                          : "45G1");
        x->goods = s_goods[s_below(r, S_NGOODS)];
    }
    if (box->dangerous) {
        x->dg = &s_dgs[s_below(r, S_NDGS)];
        x->goods = x->dg->goods;
    }
    x->weight_kg = forty ? 8000 + (int)s_below(r, 20500) : 6000 + (int)s_below(r, 20000);
    snprintf(x->seal, sizeof x->seal, "CN%07u", (unsigned)s_below(r, 10000000));
    /* 20-foot bays are odd, 40-foot bays even; tiers 02-18 in the hold,
     * 82-94 on deck */
    unsigned bay = 1 + 2 * (unsigned)s_below(r, 38) + (forty ? 1 : 0);
    unsigned row = (unsigned)s_below(r, 19);
    unsigned tier =
        s_chance(r, 0.5) ? 2 + 2 * (unsigned)s_below(r, 9) : 82 + 2 * (unsigned)s_below(r, 7);
    snprintf(x->stowage, sizeof x->stowage, "%03u%02u%02u", bay % 1000, row % 100, tier % 100);
    snprintf(x->plate, sizeof x->plate, "MIN D%05u", (unsigned)s_below(r, 100000));
}

/* Bills per call: 1 box (50 %), 2 (25 %), 3 (15 %) or 4 (10 %). */
static size_t s_bill_size(s_rng_t *r)
{
    uint64_t k = s_below(r, 100);
    return k < 50 ? 1 : k < 75 ? 2 : k < 90 ? 3 : 4;
}

static void s_make_boxes(s_gen_t *g)
{
    const kn_scenario_t *sc = g->sc;
    kn_sim_day_t *day = g->day;
    int year = atoi(sc->date), month = atoi(sc->date + 5);

    for (size_t c = 0; c < sc->nvessels; c++) {
        const kn_scenario_vessel_t *v = &sc->vessels[c];
        kn_sim_call_t *call = &day->calls[c];
        call->vessel = c;
        call->berth_ms = kn_scenario_berth_ms(sc, c);
        call->import_boxes = (size_t)v->import_boxes;
        call->export_boxes = (size_t)v->export_boxes;

        for (size_t left = (size_t)v->import_boxes; left > 0;) {
            size_t n = s_bill_size(&g->rng);
            if (n > left)
                n = left;
            s_bill_t *bill = &g->w->bills[day->nbills];
            memset(bill, 0, sizeof *bill);
            snprintf(bill->no, sizeof bill->no, "%s%010llu", v->bill_prefix,
                     (unsigned long long)(g->bill_base + day->nbills));
            snprintf(bill->entry_id, sizeof bill->entry_id, "%s%04d1%09llu", sc->customs, year,
                     (unsigned long long)(g->entry_base + day->nbills));
            bill->agent = &s_agents[s_below(&g->rng, S_NAGENTS)];
            bill->call = c;
            bill->first = day->nboxes;
            bill->count = n;
            for (size_t i = 0; i < n; i++) {
                kn_sim_box_t *box = &day->boxes[day->nboxes];
                box->call = c;
                box->bill_index = day->nbills;
                box->direction = KN_SIM_IMPORT;
                snprintf(box->bill, sizeof box->bill, "%s", bill->no);
                snprintf(box->entry_id, sizeof box->entry_id, "%s", bill->entry_id);
                s_box_cargo(g, box, &g->w->ext[day->nboxes]);
                day->nboxes++;
            }
            day->nbills++;
            call->bills++;
            left -= n;
        }

        for (size_t left = (size_t)v->export_boxes; left > 0;) {
            /* bookings of one to three boxes */
            size_t n = 1 + (size_t)s_below(&g->rng, 3);
            if (n > left)
                n = left;
            char booking[16];
            snprintf(booking, sizeof booking, "XMN%02d%02d%04llu", year % 100, month,
                     (unsigned long long)g->booking_seq++);
            for (size_t i = 0; i < n; i++) {
                kn_sim_box_t *box = &day->boxes[day->nboxes];
                box->call = c;
                box->direction = KN_SIM_EXPORT;
                snprintf(box->bill, sizeof box->bill, "%s", booking);
                s_box_cargo(g, box, &g->w->ext[day->nboxes]);
                day->nboxes++;
            }
            left -= n;
        }
    }
}

/* ------------------------------------------------------------------------ */
/* the quay: crane sequence, reports, berthing messages                     */

static void s_shuffle(s_rng_t *r, size_t *a, size_t n)
{
    for (size_t i = n; i > 1; i--) {
        size_t j = (size_t)s_below(r, i);
        size_t t = a[i - 1];
        a[i - 1] = a[j];
        a[j] = t;
    }
}

static void s_quay(s_gen_t *g)
{
    const kn_scenario_t *sc = g->sc;
    kn_sim_day_t *day = g->day;
    const int64_t window = (int64_t)sc->report_minutes * S_MINUTE;
    size_t box = 0, at = 0; /* first box of the call; its place in g->crane */

    for (size_t c = 0; c < day->ncalls; c++) {
        const kn_scenario_vessel_t *v = &sc->vessels[c];
        kn_sim_call_t *call = &day->calls[c];
        size_t ni = call->import_boxes, ne = call->export_boxes, n = ni + ne;
        size_t *order = g->w->crane + at;
        for (size_t i = 0; i < n; i++)
            order[i] = box + i;
        s_shuffle(&g->rng, order, ni); /* stowage, not bill order, decides the sequence */
        s_shuffle(&g->rng, order + ni, ne);

        /* moves spread evenly over the crane time, each somewhere in its own
         * interval: discharge first, then loading */
        int64_t interval = S_HOUR / (v->cranes * v->moves_per_crane_hour);
        int64_t start = call->berth_ms + S_FIRST_MOVE;
        call->first_move_ms = start;
        call->last_move_ms = start;
        for (size_t k = 0; k < n; k++) {
            int64_t t = s_sec(start + (int64_t)k * interval +
                              (int64_t)s_below(&g->rng, (uint64_t)interval));
            kn_sim_box_t *b = &day->boxes[order[k]];
            if (k < ni)
                b->discharge_ms = t;
            else
                b->load_ms = t;
            if (k == 0)
                call->first_move_ms = t;
            call->last_move_ms = t;
        }

        /* one report per window and direction, sent when the window ends */
        int64_t last_report = start;
        for (size_t k = 0; k < n;) {
            size_t first = k;
            bool import = k < ni;
            int64_t report_at = 0;
            for (; k < n && (k < ni) == import; k++) {
                const kn_sim_box_t *b = &day->boxes[order[k]];
                int64_t t = import ? b->discharge_ms : b->load_ms;
                int64_t end = sc->day_ms + ((t - sc->day_ms) / window + 1) * window;
                if (report_at && end != report_at)
                    break;
                report_at = end;
                if (import)
                    day->boxes[order[k]].reported_ms = end;
            }
            s_plan(g, report_at, import ? S_DISCHARGE : S_LOAD, c, at + first, k - first);
            last_report = report_at;
        }
        /* as the terminal announces it at berthing: the planned crane time
         * plus sailing, to the next half hour */
        int64_t planned = start + (int64_t)n * interval + S_SAILING;
        g->w->est_depart[c] = (planned + 30 * S_MINUTE - 1) / (30 * S_MINUTE) * (30 * S_MINUTE);
        call->departure_ms = call->last_move_ms + S_SAILING;
        if (call->departure_ms < last_report)
            call->departure_ms = last_report;
        s_plan(g, call->berth_ms, S_BERTH, c, 0, 0);
        s_plan(g, call->departure_ms, S_DEPART, c, 0, 0);
        box += n;
        at += n;
    }
}

/* ------------------------------------------------------------------------ */
/* customs, tax, gate-ins, and the durations the flow needs                 */

static int64_t s_max(int64_t a, int64_t b)
{
    return a > b ? a : b;
}

/* Every draw below comes in a fixed order (bills, then bills again, then
 * boxes), so that the day stays the same for the same seed. */
static void s_customs(s_gen_t *g)
{
    const kn_scenario_t *sc = g->sc;
    kn_sim_day_t *day = g->day;
    s_rng_t *r = &g->rng;

    for (size_t b = 0; b < day->nbills; b++) {
        s_bill_t *bill = &g->w->bills[b];
        int64_t berth = day->calls[bill->call].berth_ms;
        for (size_t i = 0; i < bill->count; i++)
            bill->last_discharge_ms =
                s_max(bill->last_discharge_ms, day->boxes[bill->first + i].discharge_ms);

        /* declaration, then customs' risk decision: discharge instruction */
        bill->declared = s_chance(r, sc->declared_before_arrival);
        int64_t declared = bill->declared ? s_between(r, berth - 48 * S_HOUR, berth - 4 * S_HOUR)
                                          : s_between(r, bill->last_discharge_ms + 30 * S_MINUTE,
                                                      bill->last_discharge_ms + 8 * S_HOUR);
        bill->decided_ms = s_between(r, declared + 2 * S_MINUTE, declared + 40 * S_MINUTE);
        s_plan(g, bill->decided_ms, S_CLM10041, bill->call, b, 1);

        if (s_chance(r, sc->inspection_rate))
            bill->inspect =
                s_chance(r, sc->scan_share) ? KN_SIM_INSPECT_SCAN : KN_SIM_INSPECT_MANUAL;
        if (bill->inspect != KN_SIM_INSPECT_NONE) {
            bill->ordered_ms =
                s_between(r, bill->decided_ms + S_MINUTE, bill->decided_ms + 5 * S_MINUTE);
            s_plan(g, bill->ordered_ms, S_CLM10021, bill->call, b, 1);
        }

        /* duty: before berthing only for a bill already declared */
        bill->guarantee = s_chance(r, sc->tax_guarantee_share);
        bool before = bill->declared && s_chance(r, sc->tax_paid_before_arrival);
        bill->tax_ms =
            before ? s_between(r, declared + 30 * S_MINUTE, berth - 30 * S_MINUTE)
                   : s_between(r, s_max(bill->decided_ms, bill->last_discharge_ms) + 15 * S_MINUTE,
                               s_max(bill->decided_ms, bill->last_discharge_ms) + 6 * S_HOUR);
        bill->paid_ms = s_between(r, bill->tax_ms - 3 * S_MINUTE, bill->tax_ms - 10 * S_SECOND);
        if (bill->guarantee)
            snprintf(bill->guarantee_no, sizeof bill->guarantee_no, "BG-%.4s-%04llu", sc->date,
                     (unsigned long long)g->guarantee_seq++);
        s_plan(g, bill->tax_ms, S_TAX, bill->call, b, 1);

        double inspect_mean =
            (bill->inspect == KN_SIM_INSPECT_SCAN ? sc->scan_minutes : sc->inspection_minutes) *
            (double)S_MINUTE;
        for (size_t i = 0; i < bill->count; i++) {
            kn_sim_box_t *box = &day->boxes[bill->first + i];
            box->declared_before_arrival = bill->declared;
            box->inspect = bill->inspect;
            box->tax_ms = bill->tax_ms;
            bill->amount_fen += 200000 + (int64_t)s_below(r, 7800000); /* 2,000-80,000 CNY */
            if (bill->inspect == KN_SIM_INSPECT_NONE)
                continue;
            box->inspection_duration_ms = S_MINUTE + s_spread(r, inspect_mean);
            box->appointment_delay_ms =
                s_spread(r, sc->inspection_appointment_hours * (double)S_HOUR);
        }
    }

    /* release: soon after the decision when not inspected; an inspected
     * bill waits for its inspections, which the flow plays (kn_sim_release),
     * and then for customs' review of them */
    for (size_t b = 0; b < day->nbills; b++) {
        s_bill_t *bill = &g->w->bills[b];
        if (bill->inspect != KN_SIM_INSPECT_NONE) {
            bill->review_ms = s_between(r, 10 * S_MINUTE, 45 * S_MINUTE);
            continue;
        }
        bill->release_ms =
            s_between(r, bill->decided_ms + S_MINUTE, bill->decided_ms + 10 * S_MINUTE);
        s_plan(g, bill->release_ms, S_CLM10011, bill->call, b, 1);
        for (size_t i = 0; i < bill->count; i++)
            day->boxes[bill->first + i].release_ms = bill->release_ms;
    }

    /* imports: the waits of agents and trucks, which the flow plays;
     * exports: at the gate before their vessel berths */
    for (size_t k = 0; k < day->nboxes; k++) {
        kn_sim_box_t *box = &day->boxes[k];
        if (box->direction == KN_SIM_IMPORT) {
            box->truck_delay_ms =
                S_QUAY_TO_GATE + s_spread(r, sc->truck_delay_minutes * (double)S_MINUTE);
            box->notice_delay_ms = s_spread(r, sc->pickup_notice_hours * (double)S_HOUR);
        } else {
            int64_t berth = day->calls[box->call].berth_ms;
            double mean = sc->export_gate_in_hours_before_berth * (double)S_HOUR - (double)S_CUTOFF;
            box->gate_in_ms = s_sec(berth - S_CUTOFF - s_spread(r, mean));
            s_plan(g, box->gate_in_ms, S_GATE_IN, box->call, k, 1);
        }
    }
}

/* ------------------------------------------------------------------------ */
/* writing the messages                                                     */

/* The vessel as the terminal's TDT names it. */
static void s_tdt_vessel(s_edi_t *e, const kn_scenario_vessel_t *v)
{
    char name[80];
    s_seg(e, "TDT+20+%s+1++%s:172:20+++%s:146::%s", v->voyage, v->carrier, v->imo,
          s_edi_esc(name, sizeof name, v->ship_name));
}

static void s_interchange_open(struct kn_sim_gen *w, s_edi_t *e, int64_t at, char ref[24])
{
    char when[16];
    snprintf(ref, 24, "%s%06zu", w->sc.terminal, ++w->edi_seq);
    s_put(e->b, "UNA:+.? '\r\n");
    s_put(e->b, "UNB+UNOA:2+%s+%s+%s+%s'\r\n", w->sc.terminal, S_RECIPIENT, s_unb_time(at, when),
          ref);
}

static void s_message_open(s_edi_t *e, const char *type)
{
    e->messages++;
    e->segments = 0;
    s_seg(e, "UNH+%u+%s", e->messages, type);
}

static void s_message_close(s_edi_t *e)
{
    s_seg(e, "UNT+%u+%u", e->segments + 1, e->messages);
}

static void s_interchange_close(s_edi_t *e, const char *ref)
{
    s_put(e->b, "UNZ+%u+%s'\r\n", e->messages, ref);
}

static void s_write_berman(struct kn_sim_gen *w, const kn_sim_day_t *day, const s_plan_t *p,
                           s_buf_t *b)
{
    const kn_scenario_t *sc = &w->sc;
    const kn_scenario_vessel_t *v = &sc->vessels[p->call];
    const kn_sim_call_t *call = &day->calls[p->call];
    s_edi_t e = {b, 0, 0};
    char ref[24], t1[16], t2[16];

    s_interchange_open(w, &e, p->at_ms, ref);
    s_message_open(&e, "BERMAN:D:95B:UN");
    s_seg(&e, "BGM++%s-BER-%06zu+9", sc->terminal, w->edi_seq);
    s_seg(&e, "DTM+137:%s:203", s_edi_time(p->at_ms, t1));
    s_seg(&e, "NAD+CA+%s:172:20", v->carrier);
    s_tdt_vessel(&e, v);
    s_seg(&e, "RFF+VON:%s", v->voyage);
    s_seg(&e, "LOC+153+%s:139:6+%s:TER:ZZZ", sc->locode, sc->terminal);
    if (p->kind == S_BERTH) {
        s_seg(&e, "DTM+178:%s:203", s_edi_time(call->berth_ms, t1));
        s_seg(&e, "DTM+133:%s:203", s_edi_time(w->est_depart[p->call], t2));
    } else
        s_seg(&e, "DTM+186:%s:203", s_edi_time(call->departure_ms, t1));
    s_message_close(&e);
    s_interchange_close(&e, ref);
}

/* COARRI for the boxes of one report window (ITG profile as the sample). */
static void s_write_coarri(struct kn_sim_gen *w, const kn_sim_day_t *day, const s_plan_t *p,
                           s_buf_t *b)
{
    const kn_scenario_t *sc = &w->sc;
    const kn_scenario_vessel_t *v = &sc->vessels[p->call];
    bool discharge = p->kind == S_DISCHARGE;
    s_edi_t e = {b, 0, 0};
    char ref[24], t[16], text[128];

    s_interchange_open(w, &e, p->at_ms, ref);
    s_message_open(&e, "COARRI:D:95B:UN:ITG13");
    s_seg(&e, "BGM+%s+%s-%s-%06zu+9", discharge ? "44" : "46", sc->terminal,
          discharge ? "DIS" : "LOA", w->edi_seq);
    s_tdt_vessel(&e, v);
    s_seg(&e, "LOC+%s+%s:139:6+%s:TER:ZZZ", discharge ? "11" : "9", sc->locode, sc->terminal);
    s_seg(&e, "DTM+178:%s:203", s_edi_time(day->calls[p->call].berth_ms, t));
    s_seg(&e, "NAD+CF+%s:172:20", v->carrier);
    for (size_t i = 0; i < p->count; i++) {
        size_t k = w->crane[p->first + i];
        const kn_sim_box_t *box = &day->boxes[k];
        const s_box_t *x = &w->ext[k];
        s_seg(&e, "EQD+CN+%s+%s:102:5++%s+5", box->number, box->iso_code, discharge ? "3" : "2");
        s_seg(&e, "RFF+%s:%s", discharge ? "BM" : "BN", box->bill);
        s_seg(&e, "DTM+203:%s:203", s_edi_time(discharge ? box->discharge_ms : box->load_ms, t));
        s_seg(&e, "LOC+147+%s::5", x->stowage);
        s_seg(&e, "MEA+AAE+%s+KGM:%d", discharge ? "G" : "VGM", x->weight_kg);
        if (x->setpoint)
            s_seg(&e, "TMP+2+%s:CEL", x->setpoint);
        s_seg(&e, "SEL+%s+%s", x->seal, discharge ? "CU" : "SH");
        if (discharge)
            s_seg(&e, "FTX+AAA+++%s", s_edi_esc(text, sizeof text, x->goods));
        if (x->dg)
            s_seg(&e, "DGS+IMD+%s+%s", x->dg->imdg_class, x->dg->un_number);
    }
    s_seg(&e, "CNT+16:%zu", p->count);
    s_message_close(&e);
    s_interchange_close(&e, ref);
}

/* CODECO for one truck at the gate at p->at_ms (gate-in: the box's
 * gate_in_ms; gate-out: when the flow lets it leave). */
static void s_write_codeco(struct kn_sim_gen *w, const kn_sim_day_t *day, const s_plan_t *p,
                           s_buf_t *b)
{
    const kn_scenario_t *sc = &w->sc;
    const kn_sim_box_t *box = &day->boxes[p->first];
    const s_box_t *x = &w->ext[p->first];
    bool in = p->kind == S_GATE_IN;
    s_edi_t e = {b, 0, 0};
    char ref[24], t[16];

    s_interchange_open(w, &e, p->at_ms, ref);
    s_message_open(&e, "CODECO:D:95B:UN:ITG14");
    s_seg(&e, "BGM+%s+%s-%s-%06zu+9", in ? "34" : "36", sc->terminal, in ? "GIN" : "GOUT",
          w->edi_seq);
    s_seg(&e, "NAD+MS+%s:172:ZZZ", sc->terminal);
    if (in) /* the vessel the box is booked on */
        s_tdt_vessel(&e, &sc->vessels[p->call]);
    s_seg(&e, "EQD+CN+%s+%s:102:5+%s+5", box->number, box->iso_code, in ? "1+2" : "2+3");
    s_seg(&e, "RFF+%s:%s", in ? "BN" : "BM", box->bill);
    s_seg(&e, "DTM+7:%s:203", s_edi_time(p->at_ms, t));
    s_seg(&e, "LOC+165+%s:139:6+%s:TER:ZZZ", sc->locode, sc->terminal);
    if (in) {
        s_seg(&e, "MEA+AAE+VGM+KGM:%d", x->weight_kg);
        if (x->setpoint)
            s_seg(&e, "TMP+2+%s:CEL", x->setpoint);
        s_seg(&e, "SEL+%s+SH", x->seal);
        if (x->dg)
            s_seg(&e, "DGS+IMD+%s+%s", x->dg->imdg_class, x->dg->un_number);
    }
    s_seg(&e, "TDT+1++3++++++:::%s", x->plate);
    s_seg(&e, "CNT+16:1");
    s_message_close(&e);
    s_interchange_close(&e, ref);
}

static const char *s_exam_type(kn_sim_inspect_t inspect)
{
    return inspect == KN_SIM_INSPECT_SCAN ? "H986" : "MANUAL";
}

/* CLM10041 and CLM10021 indented with the containers inside the bill, as the
 * samples write them; CLM10011 on one line with the containers beside it. */
static void s_write_clm(struct kn_sim_gen *w, const kn_sim_day_t *day, const s_plan_t *p,
                        s_buf_t *b)
{
    const kn_scenario_t *sc = &w->sc;
    const kn_scenario_vessel_t *v = &sc->vessels[p->call];
    const s_bill_t *bill = &w->bills[p->first];
    const char *type = p->kind == S_CLM10041   ? "CLM10041"
                       : p->kind == S_CLM10021 ? "CLM10021"
                                               : "CLM10011";
    bool release = p->kind == S_CLM10011, order = p->kind == S_CLM10021;
    const char *nl = release ? "" : "\n", *i1 = release ? "" : "  ", *i2 = release ? "" : "    ",
               *i3 = release ? "" : "      ", *i4 = release ? "" : "        ";
    char when[24], agent[200];
    s_clock_t date = s_local(sc->day_ms);

    s_put(b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<MESSAGE>%s", nl);
    s_put(b, "%s<MESSAGE_HEAD>%s", i1, nl);
    s_put(b, "%s<MESSAGE_ID>%s%02d%02d%02d%010zu</MESSAGE_ID>%s", i2, sc->customs, date.year % 100,
          date.month, date.day, ++w->customs_seq, nl);
    s_put(b, "%s<FUNCTION_CODE>2</FUNCTION_CODE>%s", i2, nl);
    s_put(b, "%s<MESSAGE_TYPE>%s</MESSAGE_TYPE>%s", i2, type, nl);
    s_put(b, "%s<SENDER>%s</SENDER>%s", i2, sc->customs, nl);
    s_put(b, "%s<RECEIVER>%s</RECEIVER>%s", i2, sc->terminal, nl);
    s_put(b, "%s<MESSAGE_CREATE_TIME>%s</MESSAGE_CREATE_TIME>%s", i2, s_clm_time(p->at_ms, when),
          nl);
    s_put(b, "%s<VERSION>1.0</VERSION>%s", i2, nl);
    s_put(b, "%s</MESSAGE_HEAD>%s", i1, nl);
    s_put(b, "%s<MESSAGE_LIST>%s", i1, nl);
    s_put(b, "%s<BILL_INFO>%s", i2, nl);
    s_put(b, "%s<CUSTOMS_CODE>%s</CUSTOMS_CODE>%s", i3, sc->customs, nl);
    s_put(b, "%s<I_E_FLAG>I</I_E_FLAG>%s", i3, nl);
    s_put(b, "%s<SHIP_NAME_EN>%s</SHIP_NAME_EN>%s", i3, v->ship_name, nl);
    s_put(b, "%s<VOYAGE_NO>%s</VOYAGE_NO>%s", i3, v->voyage, nl);
    s_put(b, "%s<BILL_NO>%s</BILL_NO>%s", i3, bill->no, nl);
    if (order || release) {
        s_put(b, "%s<ENTRY_ID>%s</ENTRY_ID>%s", i3, bill->entry_id, nl);
        s_put(b, "%s<AGENT_CODE>%s</AGENT_CODE>%s", i3, bill->agent->code, nl);
        s_put(b, "%s<AGENT_NAME>%s</AGENT_NAME>%s", i3,
              s_xml_esc(agent, sizeof agent, bill->agent->name), nl);
    }
    s_put(b, "%s<NOTE></NOTE>%s", i3, nl);
    if (release)
        s_put(b, "</BILL_INFO>");
    for (size_t i = 0; i < bill->count; i++) {
        const kn_sim_box_t *box = &day->boxes[bill->first + i];
        const s_box_t *x = &w->ext[bill->first + i];
        s_put(b, "%s<CONTAINER_INFO>%s", i3, nl);
        s_put(b, "%s<CONTA_NO>%s</CONTA_NO>%s", i4, box->number, nl);
        s_put(b, "%s<CONTA_MODEL>F</CONTA_MODEL>%s", i4, nl);
        s_put(b, "%s<CONTA_SIZE>%s</CONTA_SIZE>%s", i4, box->iso_code, nl);
        if (p->kind == S_CLM10041)
            s_put(b, "%s<SEAL_NO>%s</SEAL_NO>%s", i4, x->seal, nl);
        if (order)
            s_put(b, "%s<EXAM_TYPE>%s</EXAM_TYPE>%s", i4, s_exam_type(bill->inspect), nl);
        if (p->kind != S_CLM10041)
            s_put(b, "%s<NOTE></NOTE>%s", i4, nl);
        s_put(b, "%s</CONTAINER_INFO>%s", i3, nl);
    }
    if (!release)
        s_put(b, "%s</BILL_INFO>%s", i2, nl);
    s_put(b, "%s</MESSAGE_LIST>%s", i1, nl);
    s_put(b, "</MESSAGE>\n");
}

static void s_write_tax(struct kn_sim_gen *w, const s_plan_t *p, s_buf_t *b)
{
    const kn_scenario_t *sc = &w->sc;
    const s_bill_t *bill = &w->bills[p->first];
    char when[32];
    s_clock_t date = s_local(sc->day_ms);

    s_put(b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<TaxPayment>\n  <Head>\n");
    s_put(b, "    <MessageID>TAX-%s-%04d%02d%02d-%06zu</MessageID>\n", sc->tax_region, date.year,
          date.month, date.day, ++w->tax_seq);
    s_put(b, "    <MessageType>%s</MessageType>\n",
          bill->guarantee ? "GUARANTEE_ACCEPTED" : "DUTY_PAID");
    s_put(b, "    <SenderID>%s</SenderID>\n", sc->tax_office);
    s_put(b, "    <SendTime>%s</SendTime>\n", s_iso_time(p->at_ms, when));
    s_put(b, "  </Head>\n  <Payment>\n");
    s_put(b, "    <EntryID>%s</EntryID>\n", bill->entry_id);
    s_put(b, "    <BillNo>%s</BillNo>\n", bill->no);
    s_put(b, "    <Status>%s</Status>\n", bill->guarantee ? "GUARANTEED" : "PAID");
    s_put(b, "    <Amount currency=\"CNY\">%lld.%02lld</Amount>\n",
          (long long)(bill->amount_fen / 100), (long long)(bill->amount_fen % 100));
    if (bill->guarantee)
        s_put(b, "    <GuaranteeNo>%s</GuaranteeNo>\n", bill->guarantee_no);
    else
        s_put(b, "    <PaidAt>%s</PaidAt>\n", s_iso_time(bill->paid_ms, when));
    s_put(b, "  </Payment>\n</TaxPayment>\n");
}

static const char *s_kind_name(const struct kn_sim_gen *w, const s_plan_t *p)
{
    switch (p->kind) {
    case S_BERTH:
        return "berman-arrival";
    case S_DEPART:
        return "berman-departure";
    case S_DISCHARGE:
        return "coarri-discharge";
    case S_LOAD:
        return "coarri-load";
    case S_GATE_IN:
        return "codeco-gate-in";
    case S_GATE_OUT:
        return "codeco-gate-out";
    case S_CLM10041:
        return "clm10041";
    case S_CLM10021:
        return "clm10021";
    case S_CLM10011:
        return "clm10011";
    case S_TAX:
        return w->bills[p->first].guarantee ? "guarantee-accepted" : "duty-paid";
    }
    return "?";
}

static kn_role_t s_kind_role(s_kind_t kind)
{
    switch (kind) {
    case S_CLM10041:
    case S_CLM10021:
    case S_CLM10011:
        return KN_ROLE_CUSTOMS;
    case S_TAX:
        return KN_ROLE_TAX;
    default:
        return KN_ROLE_TERMINAL;
    }
}

static int s_plan_cmp(const void *a, const void *b)
{
    const s_plan_t *x = a, *y = b;
    if (x->at_ms != y->at_ms)
        return x->at_ms < y->at_ms ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* The name's subject: the vessel for BERMAN and COARRI, the bill for customs
 * and tax, the container for CODECO.  HHMM-role-kind-subject is then unique
 * for every kind but COARRI, of which a call sends several of one kind.
 * Their window ends differ, so their HHMM do within any 24 hours; a call
 * whose crane work goes on longer adds _d and the whole days since it
 * berthed (two reports at the same HHMM are whole days apart, so their
 * counts differ). */
static void s_subject(const struct kn_sim_gen *w, const kn_sim_day_t *day, const s_plan_t *p,
                      char *out, size_t size)
{
    switch (p->kind) {
    case S_BERTH:
    case S_DEPART:
        snprintf(out, size, "%s", w->vessel[p->call]);
        return;
    case S_DISCHARGE:
    case S_LOAD: {
        int64_t later = (p->at_ms - day->calls[p->call].berth_ms) / (24 * S_HOUR);
        if (later > 0)
            snprintf(out, size, "%s_d%lld", w->vessel[p->call], (long long)later);
        else
            snprintf(out, size, "%s", w->vessel[p->call]);
        return;
    }
    case S_GATE_IN:
    case S_GATE_OUT:
        snprintf(out, size, "%s", day->boxes[p->first].number);
        return;
    case S_CLM10041:
    case S_CLM10021:
    case S_CLM10011:
    case S_TAX:
        snprintf(out, size, "%s", w->bills[p->first].no);
        return;
    }
    snprintf(out, size, "?");
}

/* Write msg from plan item p. */
static int s_write(struct kn_sim_gen *w, const kn_sim_day_t *day, const s_plan_t *p,
                   kn_sim_msg_t *msg)
{
    s_buf_t b = {0};
    int rc = KN_ENOMEM;

    switch (p->kind) {
    case S_BERTH:
    case S_DEPART:
        s_write_berman(w, day, p, &b);
        break;
    case S_DISCHARGE:
    case S_LOAD:
        s_write_coarri(w, day, p, &b);
        break;
    case S_GATE_IN:
    case S_GATE_OUT:
        s_write_codeco(w, day, p, &b);
        break;
    case S_CLM10041:
    case S_CLM10021:
    case S_CLM10011:
        s_write_clm(w, day, p, &b);
        break;
    case S_TAX:
        s_write_tax(w, p, &b);
        break;
    }
    if (b.oom)
        goto out;

    msg->at_ms = p->at_ms;
    msg->role = s_kind_role(p->kind);
    msg->format = msg->role == KN_ROLE_TERMINAL  ? "edifact"
                  : msg->role == KN_ROLE_CUSTOMS ? "customs-xml"
                                                 : "tax-xml";
    msg->content_type = msg->role == KN_ROLE_TERMINAL ? "application/edifact" : "application/xml";
    msg->kind = s_kind_name(w, p);
    msg->call = p->call;
    msg->payload = (unsigned char *)b.p;
    msg->len = b.len;
    b.p = NULL;

    char subject[64];
    s_subject(w, day, p, subject, sizeof subject);
    s_clock_t c = s_local(p->at_ms);
    /* at most 79 characters: HHMM, role (8), kind (18), subject (42: a vessel
     * of 32 with _c32 and _d1667), three '-', extension */
    int n = snprintf(msg->name, sizeof msg->name, "%02d%02d-%s-%s-%s.%s", c.hour, c.minute,
                     kn_role_name(msg->role), msg->kind, subject,
                     msg->role == KN_ROLE_TERMINAL ? "edi" : "xml");
    assert(n > 0 && (size_t)n < sizeof msg->name);
    (void)n;
    rc = 0;
out:
    free(b.p);
    return rc;
}

/* ------------------------------------------------------------------------ */
/* public                                                                   */

static void s_gen_free(struct kn_sim_gen **w)
{
    if (!*w)
        return;
    free((*w)->ext);
    free((*w)->bills);
    free((*w)->crane);
    free((*w)->est_depart);
    free(*w);
    *w = NULL;
}

void kn_sim_day_destroy(kn_sim_day_t **day)
{
    if (!day || !*day)
        return;
    for (size_t i = 0; i < (*day)->nmsgs; i++)
        free((*day)->msgs[i].payload);
    free((*day)->msgs);
    free((*day)->boxes);
    free((*day)->bills);
    free((*day)->calls);
    s_gen_free(&(*day)->gen);
    free(*day);
    *day = NULL;
}

/* The vessel of each call as message names write it: its name without '-'
 * (the names' separator), and, when an earlier call's reads the same
 * (COSCO-XIAMEN, COSCOXIAMEN), _c and the call's number. */
static void s_vessel_subjects(struct kn_sim_gen *w)
{
    char base[KN_SCENARIO_MAX_VESSELS][sizeof w->sc.vessels[0].name];
    for (size_t c = 0; c < w->sc.nvessels; c++) {
        size_t n = 0;
        for (const char *ch = w->sc.vessels[c].name; *ch; ch++)
            if (*ch != '-')
                base[c][n++] = *ch;
        base[c][n] = '\0';
        bool again = false;
        for (size_t e = 0; e < c && !again; e++)
            again = !strcmp(base[e], base[c]);
        if (again)
            snprintf(w->vessel[c], sizeof w->vessel[c], "%.32s_c%u", base[c], (unsigned)c + 1);
        else
            snprintf(w->vessel[c], sizeof w->vessel[c], "%.32s", base[c]);
    }
}

int kn_sim_generate(const kn_scenario_t *sc, kn_sim_day_t **out, char *errbuf, size_t errsize)
{
    s_gen_t g = {0};
    kn_sim_day_t *day = NULL;
    size_t nboxes = 0, nimports = 0;
    int rc = KN_ENOMEM;

    assert(sc && out && sc->nvessels >= 1 && sc->nvessels <= KN_SCENARIO_MAX_VESSELS);
    *out = NULL;
    for (size_t c = 0; c < sc->nvessels; c++) {
        assert(sc->vessels[c].import_boxes >= 0 && sc->vessels[c].export_boxes >= 0);
        assert(sc->vessels[c].cranes >= 1 && sc->vessels[c].moves_per_crane_hour >= 1);
        nimports += (size_t)sc->vessels[c].import_boxes;
        nboxes += (size_t)(sc->vessels[c].import_boxes + sc->vessels[c].export_boxes);
    }

    day = calloc(1, sizeof *day);
    if (!day)
        goto out;
    day->gen = g.w = calloc(1, sizeof *g.w);
    if (!g.w)
        goto out;
    g.w->sc = *sc;
    g.sc = &g.w->sc;
    g.day = day;
    day->ncalls = sc->nvessels;
    day->calls = calloc(day->ncalls, sizeof *day->calls);
    day->boxes = calloc(nboxes ? nboxes : 1, sizeof *day->boxes);
    day->bills = calloc(nimports ? nimports : 1, sizeof *day->bills);
    g.w->ext = calloc(nboxes ? nboxes : 1, sizeof *g.w->ext);
    g.w->bills = calloc(nimports ? nimports : 1, sizeof *g.w->bills);
    g.w->crane = calloc(nboxes ? nboxes : 1, sizeof *g.w->crane);
    g.w->est_depart = calloc(day->ncalls, sizeof *g.w->est_depart);
    /* per call two BERMAN, at most one report per box, per bill four
     * customs and tax messages, per box one gate message */
    g.plancap = 2 * day->ncalls + 2 * nboxes + 4 * nimports;
    g.plan = calloc(g.plancap, sizeof *g.plan);
    for (g.numbers_cap = 16; g.numbers_cap < 2 * nboxes; g.numbers_cap *= 2)
        ;
    g.numbers = calloc(g.numbers_cap, sizeof *g.numbers);
    if (!day->calls || !day->boxes || !day->bills || !g.w->ext || !g.w->bills || !g.w->crane ||
        !g.w->est_depart || !g.plan || !g.numbers)
        goto out;
    s_vessel_subjects(g.w);

    g.rng.state = sc->seed;
    g.bill_base = 1000000000 + s_below(&g.rng, 8000000000);
    g.entry_base = 100000000 + s_below(&g.rng, 800000000);
    g.guarantee_seq = 1 + s_below(&g.rng, 900);
    g.booking_seq = 1 + s_below(&g.rng, 3000);

    s_make_boxes(&g);
    s_quay(&g);
    s_customs(&g);
    for (size_t b = 0; b < day->nbills; b++) {
        const s_bill_t *x = &g.w->bills[b];
        kn_sim_bill_t *bill = &day->bills[b];
        snprintf(bill->no, sizeof bill->no, "%s", x->no);
        bill->call = x->call;
        bill->first = x->first;
        bill->count = x->count;
        bill->declared_before_arrival = x->declared;
        bill->inspect = x->inspect;
        bill->decided_ms = x->decided_ms;
        bill->ordered_ms = x->ordered_ms;
        bill->release_ms = x->release_ms;
        bill->review_ms = x->review_ms;
        bill->tax_ms = x->tax_ms;
    }

    qsort(g.plan, g.nplan, sizeof *g.plan, s_plan_cmp);
    day->msgs = calloc(g.nplan ? g.nplan : 1, sizeof *day->msgs);
    if (!day->msgs)
        goto out;
    for (size_t i = 0; i < g.nplan; i++) {
        if (s_write(g.w, day, &g.plan[i], &day->msgs[i]))
            goto out;
        day->nmsgs++;
    }
    *out = day;
    day = NULL;
    rc = 0;
out:
    if (rc)
        snprintf(errbuf, errsize, "sim: out of memory generating the day");
    kn_sim_day_destroy(&day);
    free(g.plan);
    free(g.numbers);
    return rc;
}

int kn_sim_gate_out(const kn_sim_day_t *day, size_t box, int64_t at_ms, kn_sim_msg_t *out,
                    char *errbuf, size_t errsize)
{
    assert(day && day->gen && out && box < day->nboxes);
    assert(day->boxes[box].direction == KN_SIM_IMPORT);
    s_plan_t p = {at_ms, 0, S_GATE_OUT, day->boxes[box].call, box, 1};
    memset(out, 0, sizeof *out);
    int rc = s_write(day->gen, day, &p, out);
    if (rc)
        snprintf(errbuf, errsize, "sim: out of memory writing the gate-out of %s",
                 day->boxes[box].number);
    return rc;
}

int kn_sim_release(const kn_sim_day_t *day, size_t bill, int64_t at_ms, kn_sim_msg_t *out,
                   char *errbuf, size_t errsize)
{
    /* a bill not inspected has its release among day->msgs already */
    assert(day && day->gen && out && bill < day->nbills);
    assert(day->bills[bill].inspect != KN_SIM_INSPECT_NONE);
    s_plan_t p = {at_ms, 0, S_CLM10011, day->bills[bill].call, bill, 1};
    memset(out, 0, sizeof *out);
    int rc = s_write(day->gen, day, &p, out);
    if (rc)
        snprintf(errbuf, errsize, "sim: out of memory writing the release of %s",
                 day->bills[bill].no);
    return rc;
}

void kn_sim_msg_free(kn_sim_msg_t *msg)
{
    if (!msg)
        return;
    free(msg->payload);
    msg->payload = NULL;
    msg->len = 0;
}

int kn_sim_write_dir(const kn_sim_msg_t *const *msgs, size_t n, const char *dir, char *errbuf,
                     size_t errsize)
{
    char path[4096];
    FILE *f = NULL;
    int rc = KN_EIO, width = 5;

    for (size_t left = n; left >= 100000; left /= 10)
        width++;
    if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
        snprintf(errbuf, errsize, "%s: %s", dir, strerror(errno));
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        const kn_sim_msg_t *m = msgs[i];
        if ((size_t)snprintf(path, sizeof path, "%s/%0*zu-%s", dir, width, i + 1, m->name) >=
            sizeof path) {
            snprintf(errbuf, errsize, "%s/%s: path too long", dir, m->name);
            goto out;
        }
        f = fopen(path, "wb");
        if (!f || fwrite(m->payload, 1, m->len, f) != m->len) {
            snprintf(errbuf, errsize, "%s: %s", path, strerror(errno));
            goto out;
        }
        int closed = fclose(f);
        f = NULL;
        if (closed != 0) {
            snprintf(errbuf, errsize, "%s: %s", path, strerror(errno));
            goto out;
        }
    }
    rc = 0;
out:
    if (f)
        fclose(f);
    return rc;
}
