/* kouan — scenario files of the port-day simulator (see scenario.h).
 *
 * One table lists every key with its section, type, bounds and default, as
 * kouan's own option table does (common/config.c); the defaults are written
 * as they would be in the file and read through the same parser.
 */
#include "scenario.h"
#include "err.h"

#include <assert.h>
#include <errno.h>
#include <ini.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_VESSEL_PREFIX "vessel."
#define S_VESSEL_SECTION "vessel" /* table section of every [vessel.NAME] */
#define S_BEIJING_OFFSET_MS (8 * 3600 * INT64_C(1000))

typedef enum {
    S_INT,   /* int within [min, max] */
    S_SEED,  /* uint64_t, decimal */
    S_REAL,  /* double within [min, max] */
    S_DATE,  /* YYYY-MM-DD into a char[11]; also sets day_ms */
    S_CLOCK, /* HH:MM into an int of minutes */
    S_CODE   /* string of min..max characters of charset into a char[size] */
} s_type_t;

typedef enum { S_DIGITS, S_UPPER, S_ALNUM, S_NAME } s_charset_t;

/* One row of the key table. */
typedef struct {
    const char *section; /* "day", "traffic", "inspection", "traditional", or "vessel" for
                            every call */
    const char *name;    /* key */
    s_type_t type;       /* how the value is read */
    size_t offset;       /* in kn_scenario_t, or in kn_scenario_vessel_t for "vessel" */
    size_t size;         /* buffer size of S_CODE and S_DATE */
    double min, max;     /* value bounds (S_INT, S_REAL) or length bounds (S_CODE) */
    s_charset_t charset; /* S_CODE */
    const char *def;     /* default as written in a file; NULL = required */
} s_key_t;

#define S_SC(f) offsetof(kn_scenario_t, f), sizeof(((kn_scenario_t *)0)->f)
#define S_VS(f) offsetof(kn_scenario_vessel_t, f), sizeof(((kn_scenario_vessel_t *)0)->f)

static const s_key_t s_keys[] = {
    {"day", "date", S_DATE, S_SC(date), 0, 0, 0, "2026-11-22"},
    {"day", "seed", S_SEED, S_SC(seed), 0, 0, 0, "1"},
    {"day", "terminal", S_CODE, S_SC(terminal), 2, 8, S_ALNUM, "XHCT"},
    {"day", "customs", S_CODE, S_SC(customs), 4, 4, S_DIGITS, "3701"},
    {"day", "locode", S_CODE, S_SC(locode), 5, 5, S_UPPER, "CNXMN"},
    {"day", "tax_office", S_CODE, S_SC(tax_office), 2, 16, S_ALNUM, "XMTAX"},
    {"day", "tax_region", S_CODE, S_SC(tax_region), 4, 4, S_DIGITS, "3502"},

    {S_VESSEL_SECTION, "imo", S_CODE, S_VS(imo), 7, 7, S_DIGITS, NULL},
    {S_VESSEL_SECTION, "voyage", S_CODE, S_VS(voyage), 1, 17, S_NAME, NULL},
    {S_VESSEL_SECTION, "berth", S_CLOCK, S_VS(berth_minute), 0, 0, 0, NULL},
    {S_VESSEL_SECTION, "import_boxes", S_INT, S_VS(import_boxes), 0, KN_SCENARIO_MAX_BOXES, 0,
     "200"},
    {S_VESSEL_SECTION, "export_boxes", S_INT, S_VS(export_boxes), 0, KN_SCENARIO_MAX_BOXES, 0,
     "200"},
    {S_VESSEL_SECTION, "cranes", S_INT, S_VS(cranes), 1, 12, 0, "3"},
    {S_VESSEL_SECTION, "moves_per_crane_hour", S_INT, S_VS(moves_per_crane_hour), 1, 60, 0, "28"},
    {S_VESSEL_SECTION, "carrier", S_CODE, S_VS(carrier), 2, 3, S_UPPER, "COS"},
    {S_VESSEL_SECTION, "bill_prefix", S_CODE, S_VS(bill_prefix), 4, 4, S_UPPER, "COSU"},

    {"traffic", "declared_before_arrival", S_REAL, S_SC(declared_before_arrival), 0, 1, 0, "0.7"},
    {"traffic", "inspection_rate", S_REAL, S_SC(inspection_rate), 0, 1, 0, "0.1"},
    {"traffic", "scan_share", S_REAL, S_SC(scan_share), 0, 1, 0, "0.6"},
    {"traffic", "reefer_share", S_REAL, S_SC(reefer_share), 0, 1, 0, "0.08"},
    {"traffic", "dangerous_share", S_REAL, S_SC(dangerous_share), 0, 1, 0, "0.03"},
    {"traffic", "tax_paid_before_arrival", S_REAL, S_SC(tax_paid_before_arrival), 0, 1, 0, "0.6"},
    {"traffic", "tax_guarantee_share", S_REAL, S_SC(tax_guarantee_share), 0, 1, 0, "0.25"},
    {"traffic", "truck_delay_minutes", S_REAL, S_SC(truck_delay_minutes), 0, 1440, 0, "45"},
    {"traffic", "export_gate_in_hours_before_berth", S_REAL,
     S_SC(export_gate_in_hours_before_berth), 2, 168, 0, "30"},
    {"traffic", "inspection_minutes", S_REAL, S_SC(inspection_minutes), 1, 480, 0, "40"},
    {"traffic", "scan_minutes", S_REAL, S_SC(scan_minutes), 1, 60, 0, "5"},
    {"traffic", "report_minutes", S_INT, S_SC(report_minutes), 1, 240, 0, "15"},
    {"traffic", "quay_wait_minutes", S_INT, S_SC(quay_wait_minutes), 0, 240, 0, "30"},

    {"traditional", "pickup_notice_hours", S_REAL, S_SC(pickup_notice_hours), 0, 168, 0, "10"},
    {"traditional", "inspection_appointment_hours", S_REAL, S_SC(inspection_appointment_hours), 0,
     168, 0, "6"},
    {"traditional", "marshal_hours_before_berth", S_REAL, S_SC(marshal_hours_before_berth), 0, 72,
     0, "8"},

    {"inspection", "capacity_per_hour", S_INT, S_SC(capacity_per_hour), 1, 1000, 0, "4"},
    {"inspection", "opens_hour", S_INT, S_SC(opens_hour), 0, 23, 0, "8"},
    {"inspection", "closes_hour", S_INT, S_SC(closes_hour), 1, 24, 0, "20"},
    {"inspection", "lead_minutes", S_INT, S_SC(lead_minutes), 0, 1440, 0, "30"},
};
#define S_NKEYS (sizeof s_keys / sizeof s_keys[0])

/* One file being read. */
typedef struct {
    kn_scenario_t *sc;
    const char *path;
    FILE *f;
    int line;           /* line being read */
    int error_line;     /* line of the first error */
    bool failed;        /* error holds the first error */
    char error[512];    /* "path:line: what" */
    int given[S_NKEYS]; /* line a [day]/[traffic]/... key was given on */
    int vessel_given[KN_SCENARIO_MAX_VESSELS][S_NKEYS]; /* same for each vessel's keys */
} s_parse_t;

static int s_fail(s_parse_t *ps, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Record the first error with file and line; returns 0, which inih takes as
 * "error". */
static int s_fail(s_parse_t *ps, const char *fmt, ...)
{
    if (ps->failed)
        return 0;
    char why[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    if (ps->line > 0)
        snprintf(ps->error, sizeof ps->error, "%s:%d: %s", ps->path, ps->line, why);
    else
        snprintf(ps->error, sizeof ps->error, "%s: %s", ps->path, why);
    ps->error_line = ps->line;
    ps->failed = true;
    return 0;
}

/* ------------------------------------------------------------------------ */
/* values                                                                   */

static bool s_in_charset(char c, s_charset_t cs)
{
    bool digit = c >= '0' && c <= '9', upper = c >= 'A' && c <= 'Z';
    switch (cs) {
    case S_DIGITS:
        return digit;
    case S_UPPER:
        return upper;
    case S_ALNUM:
        return digit || upper;
    case S_NAME:
        return digit || upper || c == '-';
    }
    return false;
}

static const char *s_charset_name(s_charset_t cs)
{
    switch (cs) {
    case S_DIGITS:
        return "0-9";
    case S_UPPER:
        return "A-Z";
    case S_ALNUM:
        return "A-Z 0-9";
    case S_NAME:
        return "A-Z 0-9 -";
    }
    return "?";
}

static bool s_all_digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

static int s_num(const char *s, size_t n)
{
    int v = 0;
    for (size_t i = 0; i < n; i++)
        v = v * 10 + (s[i] - '0');
    return v;
}

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar
 * (H. Hinnant's days_from_civil). */
static int64_t s_days_from_civil(int y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static bool s_valid_date(int y, int m, int d)
{
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m < 1 || m > 12 || d < 1)
        return false;
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return d <= mdays[m - 1] + (m == 2 && leap);
}

/* Read value as key k into the struct at base; 0, or -1 with why filled. */
static int s_apply(const s_key_t *k, void *base, const char *value, kn_scenario_t *sc, char *why,
                   size_t size)
{
    char *field = (char *)base + k->offset;
    char *end = NULL;
    size_t n = strlen(value);

    switch (k->type) {
    case S_INT: {
        errno = 0;
        long long v = strtoll(value, &end, 10);
        if (!n || *end || errno) {
            snprintf(why, size, "%s = %s is not an integer", k->name, value);
            return -1;
        }
        if (v < (long long)k->min || v > (long long)k->max) {
            snprintf(why, size, "%s = %s is out of range (%lld to %lld)", k->name, value,
                     (long long)k->min, (long long)k->max);
            return -1;
        }
        *(int *)(void *)field = (int)v;
        return 0;
    }
    case S_SEED: {
        errno = 0;
        unsigned long long v = strtoull(value, &end, 10);
        if (!n || *end || errno || !s_all_digits(value, n)) {
            snprintf(why, size, "%s = %s is not an integer from 0 to %llu", k->name, value,
                     (unsigned long long)UINT64_MAX);
            return -1;
        }
        *(uint64_t *)(void *)field = (uint64_t)v;
        return 0;
    }
    case S_REAL: {
        /* digits, sign, point and exponent only: no "inf", "nan" or hex */
        bool plain = n > 0 && strspn(value, "0123456789+-.eE") == n;
        errno = 0;
        double v = plain ? strtod(value, &end) : 0;
        if (!plain || *end || errno || !isfinite(v)) {
            snprintf(why, size, "%s = %s is not a number", k->name, value);
            return -1;
        }
        if (v < k->min || v > k->max) {
            snprintf(why, size, "%s = %s is out of range (%g to %g)", k->name, value, k->min,
                     k->max);
            return -1;
        }
        *(double *)(void *)field = v;
        return 0;
    }
    case S_DATE: {
        int y = 0, m = 0, d = 0;
        bool ok = n == 10 && value[4] == '-' && value[7] == '-' && s_all_digits(value, 4) &&
                  s_all_digits(value + 5, 2) && s_all_digits(value + 8, 2);
        if (ok) {
            y = s_num(value, 4);
            m = s_num(value + 5, 2);
            d = s_num(value + 8, 2);
            ok = s_valid_date(y, m, d);
        }
        if (!ok) {
            snprintf(why, size, "%s = %s is not a date (YYYY-MM-DD)", k->name, value);
            return -1;
        }
        if (y < 2000 || y > 2099) {
            /* EDIFACT UNB writes YYMMDD */
            snprintf(why, size, "%s = %s is out of range (years 2000 to 2099)", k->name, value);
            return -1;
        }
        memcpy(field, value, 11);
        sc->day_ms = s_days_from_civil(y, m, d) * 86400 * INT64_C(1000) - S_BEIJING_OFFSET_MS;
        return 0;
    }
    case S_CLOCK: {
        bool ok = n == 5 && value[2] == ':' && s_all_digits(value, 2) && s_all_digits(value + 3, 2);
        int h = ok ? s_num(value, 2) : 0, m = ok ? s_num(value + 3, 2) : 0;
        if (!ok || h > 23 || m > 59) {
            snprintf(why, size, "%s = %s is not a time of day (HH:MM, 00:00 to 23:59)", k->name,
                     value);
            return -1;
        }
        *(int *)(void *)field = h * 60 + m;
        return 0;
    }
    case S_CODE: {
        bool ok = n >= (size_t)k->min && n <= (size_t)k->max;
        for (size_t i = 0; ok && i < n; i++)
            ok = s_in_charset(value[i], k->charset);
        if (!ok) {
            if (k->min == k->max)
                snprintf(why, size, "%s = %s must be %d characters of %s", k->name, value,
                         (int)k->min, s_charset_name(k->charset));
            else
                snprintf(why, size, "%s = %s must be %d to %d characters of %s", k->name, value,
                         (int)k->min, (int)k->max, s_charset_name(k->charset));
            return -1;
        }
        assert(n < k->size);
        memcpy(field, value, n + 1);
        return 0;
    }
    }
    return -1;
}

static int s_find(const char *section, const char *name)
{
    for (size_t i = 0; i < S_NKEYS; i++)
        if (!strcmp(s_keys[i].section, section) && !strcmp(s_keys[i].name, name))
            return (int)i;
    return -1;
}

static bool s_known_section(const char *section)
{
    for (size_t i = 0; i < S_NKEYS; i++)
        if (!strcmp(s_keys[i].section, section) && strcmp(section, S_VESSEL_SECTION) != 0)
            return true;
    return false;
}

/* Set every key of section that has a default. */
static void s_defaults(kn_scenario_t *sc, void *base, bool vessel)
{
    char why[256];
    for (size_t i = 0; i < S_NKEYS; i++) {
        bool is_vessel = !strcmp(s_keys[i].section, S_VESSEL_SECTION);
        if (is_vessel != vessel || !s_keys[i].def)
            continue;
        int rc = s_apply(&s_keys[i], base, s_keys[i].def, sc, why, sizeof why);
        assert(rc == 0);
        (void)rc;
    }
}

void kn_scenario_defaults(kn_scenario_t *sc)
{
    memset(sc, 0, sizeof *sc);
    s_defaults(sc, sc, false);
}

int64_t kn_scenario_berth_ms(const kn_scenario_t *sc, size_t i)
{
    assert(i < sc->nvessels);
    return sc->day_ms + (int64_t)sc->vessels[i].berth_minute * 60000;
}

/* ------------------------------------------------------------------------ */
/* reading the file                                                         */

static kn_scenario_vessel_t *s_vessel_find(s_parse_t *ps, const char *name, size_t *index)
{
    for (size_t i = 0; i < ps->sc->nvessels; i++)
        if (!strcmp(ps->sc->vessels[i].name, name)) {
            *index = i;
            return &ps->sc->vessels[i];
        }
    return NULL;
}

/* A [vessel.NAME] header on the current line: the call exists from here on,
 * even when the section stays empty (then its required keys are missing). */
static void s_vessel_header(s_parse_t *ps, const char *name)
{
    size_t n = strlen(name), index;
    bool ok = n >= 1 && n < sizeof ps->sc->vessels[0].name;
    for (size_t i = 0; ok && i < n; i++)
        ok = s_in_charset(name[i], S_NAME);
    if (!ok) {
        s_fail(ps, "[%s%s]: a vessel name is 1 to %zu characters of %s", S_VESSEL_PREFIX, name,
               sizeof ps->sc->vessels[0].name - 1, s_charset_name(S_NAME));
        return;
    }
    if (s_vessel_find(ps, name, &index))
        return;
    if (ps->sc->nvessels == KN_SCENARIO_MAX_VESSELS) {
        s_fail(ps, "[%s%s]: more than %d vessel calls", S_VESSEL_PREFIX, name,
               KN_SCENARIO_MAX_VESSELS);
        return;
    }
    kn_scenario_vessel_t *v = &ps->sc->vessels[ps->sc->nvessels++];
    memset(v, 0, sizeof *v);
    s_defaults(ps->sc, v, true);
    memcpy(v->name, name, n + 1);
    for (size_t i = 0; i <= n; i++)
        v->ship_name[i] = name[i] == '-' ? ' ' : name[i];
    v->line = ps->line;
}

static int s_handler(void *user, const char *section, const char *name, const char *value)
{
    s_parse_t *ps = user;
    char why[300];

    if (!*section)
        return s_fail(ps, "key \"%s\" is outside any [section]", name);
    if (!strncmp(section, S_VESSEL_PREFIX, strlen(S_VESSEL_PREFIX))) {
        size_t index;
        kn_scenario_vessel_t *v = s_vessel_find(ps, section + strlen(S_VESSEL_PREFIX), &index);
        if (!v)
            return 0; /* its header was refused: that error stands */
        int i = s_find(S_VESSEL_SECTION, name);
        if (i < 0)
            return s_fail(ps, "unknown key \"%s\" in [%s]", name, section);
        if (ps->vessel_given[index][i])
            return s_fail(ps, "%s is given twice in [%s] (first on line %d)", name, section,
                          ps->vessel_given[index][i]);
        if (s_apply(&s_keys[i], v, value, ps->sc, why, sizeof why))
            return s_fail(ps, "%s", why);
        ps->vessel_given[index][i] = ps->line;
        return 1;
    }
    if (!s_known_section(section))
        return s_fail(ps, "unknown section [%s]", section);
    int i = s_find(section, name);
    if (i < 0)
        return s_fail(ps, "unknown key \"%s\" in [%s]", name, section);
    if (ps->given[i])
        return s_fail(ps, "%s is given twice in [%s] (first on line %d)", name, section,
                      ps->given[i]);
    if (s_apply(&s_keys[i], ps->sc, value, ps->sc, why, sizeof why))
        return s_fail(ps, "%s", why);
    ps->given[i] = ps->line;
    return 1;
}

/* inih reads through this, so that the handler knows its line and vessel
 * sections exist from their header on. */
static char *s_reader(char *str, int num, void *stream)
{
    s_parse_t *ps = stream;
    char *r = fgets(str, num, ps->f);
    if (!r)
        return NULL;
    ps->line++;
    size_t len = strlen(r);
    if (len == (size_t)num - 1 && r[len - 1] != '\n' && !feof(ps->f)) {
        /* inih would read the rest as another line: say so and hand it an
         * empty line instead */
        s_fail(ps, "line is longer than %d characters", num - 2);
        int c;
        while ((c = fgetc(ps->f)) != EOF && c != '\n')
            ;
        snprintf(str, (size_t)num, "\n");
        return str;
    }
    const char *c = r + strspn(r, " \t");
    if (c[0] == '[' && !strncmp(c + 1, S_VESSEL_PREFIX, strlen(S_VESSEL_PREFIX))) {
        /* as inih takes it: everything up to the first ']' */
        const char *close = strchr(c, ']');
        if (close) {
            char name[64];
            size_t n = (size_t)(close - c - 1 - strlen(S_VESSEL_PREFIX));
            if (n >= sizeof name)
                n = sizeof name - 1; /* refused by the name check anyway */
            memcpy(name, c + 1 + strlen(S_VESSEL_PREFIX), n);
            name[n] = '\0';
            s_vessel_header(ps, name);
        }
    }
    return r;
}

/* After the file: what single keys cannot say. */
static void s_check(s_parse_t *ps)
{
    kn_scenario_t *sc = ps->sc;
    if (sc->nvessels == 0) {
        ps->line = 0;
        s_fail(ps, "no [%sNAME] section: a scenario needs at least one vessel call",
               S_VESSEL_PREFIX);
        return;
    }
    for (size_t v = 0; v < sc->nvessels; v++)
        for (size_t i = 0; i < S_NKEYS; i++)
            if (!strcmp(s_keys[i].section, S_VESSEL_SECTION) && !s_keys[i].def &&
                !ps->vessel_given[v][i]) {
                ps->line = sc->vessels[v].line;
                s_fail(ps, "[%s%s] needs %s", S_VESSEL_PREFIX, sc->vessels[v].name, s_keys[i].name);
                return;
            }
    if (sc->closes_hour <= sc->opens_hour) {
        int opens = ps->given[s_find("inspection", "opens_hour")];
        int closes = ps->given[s_find("inspection", "closes_hour")];
        ps->line = closes > opens ? closes : opens;
        s_fail(ps, "closes_hour = %d must be after opens_hour = %d", sc->closes_hour,
               sc->opens_hour);
    }
}

int kn_scenario_load(const char *path, kn_scenario_t *out, char *errbuf, size_t errsize)
{
    int rc = KN_ECONFIG;
    s_parse_t *ps = calloc(1, sizeof *ps);
    if (!ps) {
        snprintf(errbuf, errsize, "%s: %s", path, strerror(ENOMEM));
        goto out;
    }
    kn_scenario_defaults(out);
    ps->sc = out;
    ps->path = path;
    ps->f = fopen(path, "r");
    if (!ps->f) {
        snprintf(errbuf, errsize, "%s: %s", path, strerror(errno));
        goto out;
    }
    int line = ini_parse_stream(s_reader, ps, s_handler, ps);
    if (line > 0 && (!ps->failed || line < ps->error_line)) {
        /* inih's own complaint comes first in the file: it is the one to fix */
        ps->failed = false;
        ps->line = line;
        s_fail(ps, "syntax error (or a line longer than %d characters)", INI_MAX_LINE - 2);
    } else if (line < 0) {
        ps->line = 0;
        s_fail(ps, "cannot read the file");
    }
    if (!ps->failed)
        s_check(ps);
    if (ps->failed) {
        snprintf(errbuf, errsize, "%s", ps->error);
        goto out;
    }
    rc = 0;
out:
    if (ps && ps->f)
        fclose(ps->f);
    free(ps);
    return rc;
}
