/* kouan — the KPI report of a simulated port day (see report.h).
 *
 * The three outputs share one reading of the two kn_kpi_t: s_figures()
 * derives what the flows do not give directly (shares, the dwell-time
 * histogram, boxes out within the hour) and s_rows() lays out the
 * comparison table that the terminal and the page both show.
 *
 * A figure that does not exist — the median of no boxes, a share of none, a
 * change from zero — is NAN inside this file and is written as "–" in text
 * and null in JSON, never as NaN.  Text that comes from data (the reasons
 * come from rules) is made valid UTF-8 without control characters before it
 * is written anywhere, and HTML-escaped on the page.
 *
 * The files are written to a temporary file beside the target, flushed to
 * disk and renamed over it, so a reader never sees half a report.
 *
 * No libm: rounding and the chart scales are done by hand, so kn_sim need
 * not link it for this file.
 */
#include "report.h"
#include "err.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define S_MINUTE_MS INT64_C(60000)
#define S_HOUR_MS (60 * S_MINUTE_MS)
#define S_BEIJING_MS (8 * S_HOUR_MS) /* China Standard Time, no daylight saving */

#define S_DASH "–" /* a figure that does not exist */

/* What Xiamen Haitian terminal reported for the smart flow (DESIGN.md §1). */
#define S_HAITIAN_MOVES (-0.5)
#define S_HAITIAN_TIME (-0.9)
/* Within this many percentage points of Haitian's figure the page says "close to". */
#define S_CLOSE_POINTS 5.0

/* Reasons the terminal table lists, and the page lists before "other reasons". */
#define S_TABLE_REASONS 5
#define S_PAGE_REASONS 20

/* Chart colours: orange and blue stay apart for the colour-blind too. */
#define S_TRAD_COLOUR "#c8611e"
#define S_SMART_COLOUR "#1f6fb2"

/* ------------------------------------------------------------------------ */
/* numbers                                                                  */

/* The bins of the import dwell-time histogram: the traditional flow runs to
 * tens of hours, the smart one mostly under two, so the bins double. */
#define S_NBINS 9
static const struct {
    double from_min, to_min; /* [from, to); to 0: no upper bound */
    const char *label;       /* on the chart and in kpi.json */
} s_bins[S_NBINS] = {
    {0, 30, "<30m"},       {30, 60, "30–60m"},     {60, 120, "1–2h"},
    {120, 240, "2–4h"},    {240, 480, "4–8h"},     {480, 960, "8–16h"},
    {960, 1440, "16–24h"}, {1440, 2880, "24–48h"}, {2880, 0, ">48h"},
};

static double s_abs(double x)
{
    return x < 0 ? -x : x;
}

/* x rounded half away from zero to decimals places (x itself when it is
 * too large to need rounding, or not finite). */
static double s_round(double x, int decimals)
{
    double scale = 1;
    for (int i = 0; i < decimals; i++)
        scale *= 10;
    double y = x * scale;
    if (!(y > -9e15 && y < 9e15))
        return x;
    long long n = (long long)(y < 0 ? y - 0.5 : y + 0.5);
    return (double)n / scale;
}

/* part / whole, NAN when whole is 0. */
static double s_share(size_t part, size_t whole)
{
    return whole ? (double)part / (double)whole : NAN;
}

/* The change from a to b as a ratio less one (−0.5: halved); NAN when a is
 * not positive or either does not exist. */
static double s_change(double a, double b)
{
    if (!isfinite(a) || !isfinite(b) || a <= 0)
        return NAN;
    return b / a - 1;
}

/* What the report derives from one flow's figures. */
typedef struct {
    const kn_kpi_t *kpi;
    const char *name;                        /* the flow's name, never NULL */
    double moves_per_box;                    /* NAN without boxes */
    double import_moves_per_box;             /* NAN without imports */
    double export_moves_per_box;             /* NAN without exports */
    double dwell_median, dwell_p90;          /* minutes, NAN without imports */
    double export_dwell_median;              /* minutes, NAN without exports */
    double wait_median, wait_p90, wait_mean; /* minutes, NAN when none inspected */
    double yard_share;                       /* of the boxes, through the yard */
    double import_yard_share;                /* of the imports */
    double export_yard_share;                /* of the exports */
    double direct_share;                     /* of the imports, crane straight onto a truck */
    size_t within_hour;                      /* imports out within an hour of the crane lift */
    double within_hour_share;                /* of the imports */
    size_t bins[S_NBINS];                    /* imports per dwell-time bin */
    size_t binned;                           /* imports in the bins */
} s_figures_t;

static double s_if(bool have, double v)
{
    return have && isfinite(v) ? v : NAN;
}

static void s_figures(const kn_kpi_t *k, const char *fallback, s_figures_t *f)
{
    memset(f, 0, sizeof *f);
    f->kpi = k;
    f->name = k->flow && *k->flow ? k->flow : fallback;
    f->moves_per_box = s_if(k->boxes > 0, k->moves_per_box);
    f->import_moves_per_box = s_if(k->imports > 0, k->import_moves_per_box);
    f->export_moves_per_box = s_if(k->exports > 0, k->export_moves_per_box);
    f->dwell_median = s_if(k->imports > 0, k->dwell_median_min);
    f->dwell_p90 = s_if(k->imports > 0, k->dwell_p90_min);
    f->export_dwell_median = s_if(k->exports > 0, k->export_dwell_median_min);
    f->wait_median = s_if(k->inspected > 0, k->inspection_wait_median_min);
    f->wait_p90 = s_if(k->inspected > 0, k->inspection_wait_p90_min);
    f->wait_mean = s_if(k->inspected > 0, k->inspection_wait_mean_min);
    f->yard_share = s_share(k->through_yard, k->boxes);
    f->import_yard_share = s_share(k->import_through_yard, k->imports);
    f->export_yard_share = s_share(k->export_through_yard, k->exports);
    f->direct_share = s_share(k->direct, k->imports);
    for (size_t i = 0; k->dwell_min && i < k->ndwell; i++) {
        double v = k->dwell_min[i];
        if (!isfinite(v))
            continue;
        size_t b = 0;
        while (b + 1 < S_NBINS && v >= s_bins[b].to_min)
            b++;
        f->bins[b]++;
        f->binned++;
        if (v < 60)
            f->within_hour++;
    }
    f->within_hour_share = s_share(f->within_hour, f->binned);
}

/* ------------------------------------------------------------------------ */
/* text                                                                     */

/* Length of the valid UTF-8 sequence at s (1..4), 0 when it is not one. */
static size_t s_utf8_len(const unsigned char *s)
{
    unsigned c = s[0];
    size_t n;
    unsigned min;
    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf)
        n = 2, min = 0x80;
    else if (c >= 0xe0 && c <= 0xef)
        n = 3, min = 0x800;
    else if (c >= 0xf0 && c <= 0xf4)
        n = 4, min = 0x10000;
    else
        return 0;
    unsigned cp = c & (0x7f >> n);
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        cp = cp << 6 | (s[i] & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return n;
}

/* in as valid UTF-8 in out: control characters become spaces and bytes
 * that are not UTF-8 (a reason cut in the middle of a character) U+FFFD.
 * Cuts at a whole character when out is too small. */
static const char *s_clean(const char *in, char *out, size_t size)
{
    size_t o = 0;
    const unsigned char *s = (const unsigned char *)(in ? in : "");
    while (*s) {
        size_t n = s_utf8_len(s);
        const char *put = (const char *)s;
        size_t len = n;
        if (n == 0) {
            /* one U+FFFD for a lead byte and the continuation bytes it claims */
            size_t claims = *s >= 0xf0 ? 4 : *s >= 0xe0 ? 3 : *s >= 0xc0 ? 2 : 1;
            n = 1;
            while (n < claims && (s[n] & 0xc0) == 0x80)
                n++;
            put = "\xef\xbf\xbd";
            len = 3;
        } else if (n == 1 && (*s < 0x20 || *s == 0x7f)) {
            put = " ";
        }
        if (o + len >= size)
            break;
        memcpy(out + o, put, len);
        o += len;
        s += n;
    }
    out[o] = '\0';
    return out;
}

/* Characters (code points) in valid UTF-8 s: its width on a terminal for
 * the text this file writes in columns. */
static size_t s_width(const char *s)
{
    size_t w = 0;
    for (; *s; s++)
        if (((unsigned char)*s & 0xc0) != 0x80)
            w++;
    return w;
}

static void s_pad(FILE *out, size_t n)
{
    while (n--)
        fputc(' ', out);
}

/* A count: "1234". */
static void s_fmt_count(char *buf, size_t size, size_t n)
{
    snprintf(buf, size, "%zu", n);
}

/* A share as a whole percentage: "48 %", or "–". */
static void s_fmt_percent(char *buf, size_t size, double share)
{
    if (isfinite(share))
        snprintf(buf, size, "%.0f %%", share * 100);
    else
        snprintf(buf, size, S_DASH);
}

/* A count and its share: "412 (35 %)". */
static void s_fmt_count_share(char *buf, size_t size, size_t n, double share)
{
    char pct[24];
    s_fmt_percent(pct, sizeof pct, share);
    snprintf(buf, size, "%zu (%s)", n, pct);
}

/* A number with decimals places, or "–". */
static void s_fmt_real(char *buf, size_t size, double v, int decimals)
{
    if (isfinite(v))
        snprintf(buf, size, "%.*f", decimals, v);
    else
        snprintf(buf, size, S_DASH);
}

/* Minutes as hours and minutes, "26:05" ("0:48" under an hour), or "–". */
static void s_fmt_hmm(char *buf, size_t size, double minutes)
{
    if (!isfinite(minutes) || minutes < 0 || minutes > 1e12) {
        snprintf(buf, size, S_DASH);
        return;
    }
    long long m = (long long)s_round(minutes, 0);
    snprintf(buf, size, "%lld:%02lld", m / 60, m % 60);
}

/* Minutes in words for sentences: "48 min", "26.1 h", or "–". */
static void s_fmt_duration(char *buf, size_t size, double minutes)
{
    if (!isfinite(minutes) || minutes < 0)
        snprintf(buf, size, S_DASH);
    else if (minutes < 90)
        snprintf(buf, size, "%.0f min", minutes);
    else
        snprintf(buf, size, "%.1f h", minutes / 60);
}

/* A signed percentage with the minus sign: "−48 %", "+12 %", "±0 %"; one
 * decimal when the whole number would hide a change; "–" when NAN. */
static void s_fmt_signed(char *buf, size_t size, double pct, const char *unit)
{
    if (!isfinite(pct)) {
        snprintf(buf, size, S_DASH);
        return;
    }
    double a = s_abs(pct);
    if (a < 0.05)
        snprintf(buf, size, "±0 %s", unit);
    else if (a < 0.5)
        snprintf(buf, size, "%s%.1f %s", pct < 0 ? "−" : "+", a, unit);
    else
        snprintf(buf, size, "%s%.0f %s", pct < 0 ? "−" : "+", a, unit);
}

/* A change (ratio less one) as a percentage. */
static void s_fmt_change(char *buf, size_t size, double change)
{
    s_fmt_signed(buf, size, change * 100, "%");
}

/* The difference of two shares in percentage points. */
static void s_fmt_points(char *buf, size_t size, double a, double b)
{
    s_fmt_signed(buf, size, isfinite(a) && isfinite(b) ? (b - a) * 100 : NAN, "pp");
}

/* ms since the epoch as Beijing time, "2026-11-22T06:00:00+08:00". */
static void s_iso(char *buf, size_t size, int64_t ms)
{
    int64_t s = ms / 1000 - (ms % 1000 < 0);
    time_t t = (time_t)(s + S_BEIJING_MS / 1000);
    struct tm tm;
    if (!gmtime_r(&t, &tm)) {
        snprintf(buf, size, "%s", "");
        return;
    }
    strftime(buf, size, "%Y-%m-%dT%H:%M:%S+08:00", &tm);
}

/* ------------------------------------------------------------------------ */
/* the comparison table                                                     */

typedef struct {
    const char *label;
    char trad[48];
    char smart[48];
    char change[24];
} s_row_t;

#define S_MAX_ROWS 20

/* A row of two durations in minutes, as h:mm, and their change. */
static void s_row_hmm(s_row_t *r, const char *label, double a, double b)
{
    r->label = label;
    s_fmt_hmm(r->trad, sizeof r->trad, a);
    s_fmt_hmm(r->smart, sizeof r->smart, b);
    s_fmt_change(r->change, sizeof r->change, s_change(a, b));
}

/* A row of two counts and their change. */
static void s_row_count(s_row_t *r, const char *label, size_t a, size_t b)
{
    r->label = label;
    s_fmt_count(r->trad, sizeof r->trad, a);
    s_fmt_count(r->smart, sizeof r->smart, b);
    s_fmt_change(r->change, sizeof r->change, s_change((double)a, (double)b));
}

/* A row of two counts with their shares, changed in percentage points. */
static void s_row_share(s_row_t *r, const char *label, size_t a, double sa, size_t b, double sb)
{
    r->label = label;
    s_fmt_count_share(r->trad, sizeof r->trad, a, sa);
    s_fmt_count_share(r->smart, sizeof r->smart, b, sb);
    s_fmt_points(r->change, sizeof r->change, sa, sb);
}

/* A row of two numbers with decimals places and their change. */
static void s_row_real(s_row_t *r, const char *label, double a, double b, int decimals)
{
    r->label = label;
    s_fmt_real(r->trad, sizeof r->trad, a, decimals);
    s_fmt_real(r->smart, sizeof r->smart, b, decimals);
    s_fmt_change(r->change, sizeof r->change, s_change(a, b));
}

/* The comparison table, traditional beside smart; returns the rows filled. */
static size_t s_rows(const s_figures_t *t, const s_figures_t *s, s_row_t *rows)
{
    const kn_kpi_t *a = t->kpi, *b = s->kpi;
    size_t n = 0;
    s_row_t *r = &rows[n++];
    r->label = "boxes (imports / exports)";
    snprintf(r->trad, sizeof r->trad, "%zu (%zu / %zu)", a->boxes, a->imports, a->exports);
    snprintf(r->smart, sizeof r->smart, "%zu (%zu / %zu)", b->boxes, b->imports, b->exports);
    s_fmt_change(r->change, sizeof r->change, s_change((double)a->boxes, (double)b->boxes));
    s_row_count(&rows[n++], "handling moves", a->moves, b->moves);
    s_row_real(&rows[n++], "moves per box", t->moves_per_box, s->moves_per_box, 2);
    s_row_real(&rows[n++], "moves per import box", t->import_moves_per_box, s->import_moves_per_box,
               2);
    s_row_real(&rows[n++], "moves per export box", t->export_moves_per_box, s->export_moves_per_box,
               2);
    s_row_hmm(&rows[n++], "import dwell, median (h:mm)", t->dwell_median, s->dwell_median);
    s_row_hmm(&rows[n++], "import dwell, 90th pct (h:mm)", t->dwell_p90, s->dwell_p90);
    s_row_share(&rows[n++], "imports out within 1 h", t->within_hour, t->within_hour_share,
                s->within_hour, s->within_hour_share);
    s_row_hmm(&rows[n++], "export dwell, median (h:mm)", t->export_dwell_median,
              s->export_dwell_median);
    s_row_share(&rows[n++], "boxes through the yard", a->through_yard, t->yard_share,
                b->through_yard, s->yard_share);
    s_row_share(&rows[n++], "imports through the yard", a->import_through_yard,
                t->import_yard_share, b->import_through_yard, s->import_yard_share);
    s_row_share(&rows[n++], "exports through the yard", a->export_through_yard,
                t->export_yard_share, b->export_through_yard, s->export_yard_share);
    s_row_count(&rows[n++], "yard peak (boxes)", a->yard_peak, b->yard_peak);
    s_row_real(&rows[n++], "box-hours in the yard", a->yard_box_hours, b->yard_box_hours, 0);
    s_row_real(&rows[n++], "box-hours in the loading stack", a->stack_box_hours, b->stack_box_hours,
               0);
    s_row_count(&rows[n++], "imports inspected", a->inspected, b->inspected);
    s_row_hmm(&rows[n++], "inspection wait, median (h:mm)", t->wait_median, s->wait_median);
    s_row_hmm(&rows[n++], "inspection wait, 90th pct (h:mm)", t->wait_p90, s->wait_p90);
    s_row_share(&rows[n++], "direct crane → truck", a->direct, t->direct_share, b->direct,
                s->direct_share);
    return n;
}

static const char *const s_table_notes[] = {
    "dwell: imports from crane lift to gate-out, exports from gate-in to loaded;",
    "inspection wait: from the order known and the box ashore to the inspection;",
    "pp: percentage points.",
};

void kn_report_table(FILE *out, const kn_kpi_t *traditional, const kn_kpi_t *smart)
{
    s_figures_t t, s;
    s_figures(traditional, "traditional", &t);
    s_figures(smart, "smart", &s);
    s_row_t rows[S_MAX_ROWS];
    size_t n = s_rows(&t, &s, rows);

    char tname[64], sname[64];
    s_clean(t.name, tname, sizeof tname);
    s_clean(s.name, sname, sizeof sname);
    size_t w0 = s_width("figure"), w1 = s_width(tname), w2 = s_width(sname);
    size_t w3 = s_width("change");
    for (size_t i = 0; i < n; i++) {
        size_t w;
        if ((w = s_width(rows[i].label)) > w0)
            w0 = w;
        if ((w = s_width(rows[i].trad)) > w1)
            w1 = w;
        if ((w = s_width(rows[i].smart)) > w2)
            w2 = w;
        if ((w = s_width(rows[i].change)) > w3)
            w3 = w;
    }

    fprintf(out, "figure");
    s_pad(out, w0 - s_width("figure") + 2 + w1 - s_width(tname));
    fprintf(out, "%s", tname);
    s_pad(out, 2 + w2 - s_width(sname));
    fprintf(out, "%s", sname);
    s_pad(out, 2 + w3 - s_width("change"));
    fprintf(out, "change\n");
    for (size_t i = 0; i < w0 + w1 + w2 + w3 + 6; i++)
        fputc('-', out);
    fputc('\n', out);
    for (size_t i = 0; i < n; i++) {
        const s_row_t *r = &rows[i];
        fprintf(out, "%s", r->label);
        s_pad(out, w0 - s_width(r->label) + 2 + w1 - s_width(r->trad));
        fprintf(out, "%s", r->trad);
        s_pad(out, 2 + w2 - s_width(r->smart));
        fprintf(out, "%s", r->smart);
        s_pad(out, 2 + w3 - s_width(r->change));
        fprintf(out, "%s\n", r->change);
    }
    for (size_t i = 0; i < sizeof s_table_notes / sizeof *s_table_notes; i++)
        fprintf(out, "%s%s\n", i ? "  " : "", s_table_notes[i]);

    char moves[24], dwell[24];
    s_fmt_change(moves, sizeof moves, s_change(t.moves_per_box, s.moves_per_box));
    s_fmt_change(dwell, sizeof dwell, s_change(t.dwell_median, s.dwell_median));
    fprintf(out,
            "\ncompared with Haitian: moves per box %s (Haitian reported about −50 %%), "
            "berth-to-truck median %s (Haitian about −90 %%)\n",
            moves, dwell);

    fprintf(out, "\nwhy boxes still went through the yard (%s flow):\n", sname);
    if (smart->nreasons == 0 || !smart->reasons) {
        fprintf(out, "  %s\n",
                smart->through_yard ? "no reason recorded" : "none: no box went through the yard");
        return;
    }
    size_t shown = smart->nreasons < S_TABLE_REASONS ? smart->nreasons : S_TABLE_REASONS;
    char count[24];
    size_t wc = 0;
    for (size_t i = 0; i < shown; i++) {
        s_fmt_count(count, sizeof count, smart->reasons[i].boxes);
        if (strlen(count) > wc)
            wc = strlen(count);
    }
    for (size_t i = 0; i < shown; i++) {
        char reason[512];
        s_clean(smart->reasons[i].reason, reason, sizeof reason);
        fprintf(out, "  %*zu  %s\n", (int)wc, smart->reasons[i].boxes,
                *reason ? reason : "(no reason given)");
    }
    if (smart->nreasons > shown) {
        size_t rest = 0;
        for (size_t i = shown; i < smart->nreasons; i++)
            rest += smart->reasons[i].boxes;
        fprintf(out, "  %*zu  (%zu other reasons)\n", (int)wc, rest, smart->nreasons - shown);
    }
}

/* ------------------------------------------------------------------------ */
/* writing a file whole                                                     */

typedef struct {
    const char *path;
    char tmp[4096];
    FILE *f;
} s_file_t;

/* Open a temporary file beside path for writing; 0 or KN_EIO. */
static int s_file_open(s_file_t *file, const char *path, char *errbuf, size_t errsize)
{
    file->path = path;
    file->f = NULL;
    int n = snprintf(file->tmp, sizeof file->tmp, "%s.%ld.tmp", path, (long)getpid());
    if (n < 0 || (size_t)n >= sizeof file->tmp) {
        snprintf(errbuf, errsize, "%s: %s", path, strerror(ENAMETOOLONG));
        return KN_EIO;
    }
    int fd = open(file->tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) {
        snprintf(errbuf, errsize, "%s: %s", path, strerror(errno));
        return KN_EIO;
    }
    file->f = fdopen(fd, "w");
    if (!file->f) {
        int e = errno;
        close(fd);
        unlink(file->tmp);
        snprintf(errbuf, errsize, "%s: %s", path, strerror(e));
        return KN_EIO;
    }
    return 0;
}

/* Flush, sync and close the temporary file and rename it over the path
 * (ok false: only remove it).  0 or KN_EIO. */
static int s_file_close(s_file_t *file, bool ok, char *errbuf, size_t errsize)
{
    if (!file->f)
        return KN_EIO;
    int e = 0;
    if (ok && (fflush(file->f) != 0 || ferror(file->f)))
        e = errno ? errno : EIO;
    if (ok && !e && fsync(fileno(file->f)) != 0)
        e = errno;
    if (fclose(file->f) != 0 && ok && !e)
        e = errno ? errno : EIO;
    file->f = NULL;
    if (ok && !e && rename(file->tmp, file->path) != 0)
        e = errno;
    if (!ok || e) {
        unlink(file->tmp);
        if (e)
            snprintf(errbuf, errsize, "%s: %s", file->path, strerror(e));
        return KN_EIO;
    }
    return 0;
}

/* ------------------------------------------------------------------------ */
/* kpi.json                                                                 */

/* A rounded number, or null when it does not exist. */
static json_t *s_jnum(double v, int decimals)
{
    return isfinite(v) ? json_real(s_round(v, decimals)) : json_null();
}

static json_t *s_jint(size_t n)
{
    return json_integer((json_int_t)n);
}

/* A string from data, made valid UTF-8 first (jansson refuses anything else). */
static json_t *s_jstr(const char *s)
{
    char buf[1024];
    return json_string(s_clean(s, buf, sizeof buf));
}

/* Set key in o to v; false when v or o is NULL (no memory).  jansson takes
 * v in every case, freeing it when it cannot be set. */
static bool s_set(json_t *o, const char *key, json_t *v)
{
    return json_object_set_new(o, key, v) == 0;
}

/* Append v to a, as s_set. */
static bool s_append(json_t *a, json_t *v)
{
    return json_array_append_new(a, v) == 0;
}

static json_t *s_json_scenario(const kn_scenario_t *sc)
{
    json_t *o = json_object();
    bool ok = o != NULL;
    char iso[40];
    ok &= s_set(o, "date", s_jstr(sc->date));
    /* a seed json_int_t cannot hold is written as its decimal string */
    if (sc->seed <= (uint64_t)INT64_MAX) {
        ok &= s_set(o, "seed", json_integer((json_int_t)sc->seed));
    } else {
        char seed[24];
        snprintf(seed, sizeof seed, "%llu", (unsigned long long)sc->seed);
        ok &= s_set(o, "seed", json_string(seed));
    }
    ok &= s_set(o, "terminal", s_jstr(sc->terminal));
    ok &= s_set(o, "locode", s_jstr(sc->locode));
    ok &= s_set(o, "vessels", s_jint(sc->nvessels));
    size_t imports = 0, exports = 0;
    json_t *calls = json_array();
    ok &= s_set(o, "calls", calls);
    for (size_t i = 0; ok && i < sc->nvessels; i++) {
        const kn_scenario_vessel_t *v = &sc->vessels[i];
        imports += (size_t)(v->import_boxes > 0 ? v->import_boxes : 0);
        exports += (size_t)(v->export_boxes > 0 ? v->export_boxes : 0);
        json_t *c = json_object();
        ok &= s_append(calls, c);
        ok &= s_set(c, "vessel", s_jstr(v->ship_name));
        ok &= s_set(c, "imo", s_jstr(v->imo));
        ok &= s_set(c, "voyage", s_jstr(v->voyage));
        s_iso(iso, sizeof iso, kn_scenario_berth_ms(sc, i));
        ok &= s_set(c, "berth", json_string(iso));
        ok &= s_set(c, "import_boxes", json_integer(v->import_boxes));
        ok &= s_set(c, "export_boxes", json_integer(v->export_boxes));
    }
    ok &= s_set(o, "import_boxes", s_jint(imports));
    ok &= s_set(o, "export_boxes", s_jint(exports));
    ok &= s_set(o, "inspection_rate", s_jnum(sc->inspection_rate, 3));
    ok &= s_set(o, "declared_before_arrival", s_jnum(sc->declared_before_arrival, 3));
    if (!ok) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static json_t *s_json_flow(const s_figures_t *f)
{
    const kn_kpi_t *k = f->kpi;
    json_t *o = json_object();
    bool ok = o != NULL;
    ok &= s_set(o, "boxes", s_jint(k->boxes));
    ok &= s_set(o, "imports", s_jint(k->imports));
    ok &= s_set(o, "exports", s_jint(k->exports));
    ok &= s_set(o, "moves", s_jint(k->moves));
    ok &= s_set(o, "import_moves", s_jint(k->import_moves));
    ok &= s_set(o, "export_moves", s_jint(k->export_moves));
    ok &= s_set(o, "moves_per_box", s_jnum(f->moves_per_box, 2));
    ok &= s_set(o, "import_moves_per_box", s_jnum(f->import_moves_per_box, 2));
    ok &= s_set(o, "export_moves_per_box", s_jnum(f->export_moves_per_box, 2));
    ok &= s_set(o, "dwell_median_min", s_jnum(f->dwell_median, 1));
    ok &= s_set(o, "dwell_p90_min", s_jnum(f->dwell_p90, 1));
    ok &= s_set(o, "imports_within_hour", s_jint(f->within_hour));
    ok &= s_set(o, "export_dwell_median_min", s_jnum(f->export_dwell_median, 1));
    ok &= s_set(o, "boxes_through_yard", s_jint(k->through_yard));
    ok &= s_set(o, "import_through_yard", s_jint(k->import_through_yard));
    ok &= s_set(o, "export_through_yard", s_jint(k->export_through_yard));

    json_t *reasons = json_array();
    ok &= s_set(o, "yard_reasons", reasons);
    for (size_t i = 0; ok && k->reasons && i < k->nreasons; i++) {
        json_t *r = json_object();
        ok &= s_append(reasons, r);
        ok &= s_set(r, "reason", s_jstr(k->reasons[i].reason));
        ok &= s_set(r, "boxes", s_jint(k->reasons[i].boxes));
    }
    ok &= s_set(o, "yard_peak", json_integer(k->yard_peak));
    ok &= s_set(o, "yard_box_hours", s_jnum(k->yard_box_hours, 1));
    ok &= s_set(o, "stack_box_hours", s_jnum(k->stack_box_hours, 1));
    ok &= s_set(o, "inspected", s_jint(k->inspected));
    ok &= s_set(o, "inspection_wait_median_min", s_jnum(f->wait_median, 1));
    ok &= s_set(o, "inspection_wait_p90_min", s_jnum(f->wait_p90, 1));
    ok &= s_set(o, "inspection_wait_mean_min", s_jnum(f->wait_mean, 1));
    ok &= s_set(o, "direct", s_jint(k->direct));

    json_t *occ = json_object(), *hours = json_array();
    ok &= s_set(o, "yard_occupancy", occ);
    char iso[40];
    s_iso(iso, sizeof iso, k->start_ms);
    ok &= s_set(occ, "start", json_string(iso));
    ok &= s_set(occ, "per_hour", hours);
    for (size_t h = 0; ok && k->yard_occupancy && h < k->hours; h++)
        ok &= s_append(hours, json_integer(k->yard_occupancy[h]));

    json_t *hist = json_array();
    ok &= s_set(o, "dwell_histogram", hist);
    for (size_t b = 0; ok && b < S_NBINS; b++) {
        json_t *bin = json_object();
        ok &= s_append(hist, bin);
        ok &= s_set(bin, "from_min", json_integer((json_int_t)s_bins[b].from_min));
        ok &=
            s_set(bin, "to_min",
                  s_bins[b].to_min > 0 ? json_integer((json_int_t)s_bins[b].to_min) : json_null());
        ok &= s_set(bin, "boxes", s_jint(f->bins[b]));
    }
    if (!ok) {
        json_decref(o);
        return NULL;
    }
    return o;
}

static json_t *s_json_comparison(const s_figures_t *t, const s_figures_t *s)
{
    const kn_kpi_t *a = t->kpi, *b = s->kpi;
    json_t *o = json_object(), *h = json_object();
    bool ok = o != NULL;
    ok &= s_set(o, "moves_change", s_jnum(s_change((double)a->moves, (double)b->moves), 4));
    ok &= s_set(o, "moves_per_box_change", s_jnum(s_change(t->moves_per_box, s->moves_per_box), 4));
    ok &= s_set(o, "import_moves_per_box_change",
                s_jnum(s_change(t->import_moves_per_box, s->import_moves_per_box), 4));
    ok &= s_set(o, "export_moves_per_box_change",
                s_jnum(s_change(t->export_moves_per_box, s->export_moves_per_box), 4));
    ok &= s_set(o, "dwell_median_change", s_jnum(s_change(t->dwell_median, s->dwell_median), 4));
    ok &= s_set(o, "dwell_p90_change", s_jnum(s_change(t->dwell_p90, s->dwell_p90), 4));
    ok &= s_set(o, "export_dwell_median_change",
                s_jnum(s_change(t->export_dwell_median, s->export_dwell_median), 4));
    ok &= s_set(o, "boxes_through_yard_change",
                s_jnum(s_change((double)a->through_yard, (double)b->through_yard), 4));
    ok &= s_set(o, "yard_peak_change",
                s_jnum(s_change((double)a->yard_peak, (double)b->yard_peak), 4));
    ok &= s_set(o, "yard_box_hours_change",
                s_jnum(s_change(a->yard_box_hours, b->yard_box_hours), 4));
    ok &= s_set(o, "inspection_wait_median_change",
                s_jnum(s_change(t->wait_median, s->wait_median), 4));
    ok &= s_set(o, "haitian", h);
    ok &= s_set(h, "moves_change", json_real(S_HAITIAN_MOVES));
    ok &= s_set(h, "time_change", json_real(S_HAITIAN_TIME));
    if (!ok) {
        json_decref(o);
        return NULL;
    }
    return o;
}

int kn_report_json(const char *path, const kn_scenario_t *sc, const kn_kpi_t *traditional,
                   const kn_kpi_t *smart, char *errbuf, size_t errsize)
{
    s_figures_t t, s;
    s_figures(traditional, "traditional", &t);
    s_figures(smart, "smart", &s);
    int rc = KN_ENOMEM;
    json_t *root = json_object(), *flows = json_object();
    bool ok = root != NULL;
    ok &= s_set(root, "scenario", s_json_scenario(sc));
    ok &= s_set(root, "flows", flows);
    ok &= s_set(flows, "traditional", s_json_flow(&t));
    ok &= s_set(flows, "smart", s_json_flow(&s));
    ok &= s_set(root, "comparison", s_json_comparison(&t, &s));
    if (!ok) {
        snprintf(errbuf, errsize, "%s: out of memory", path);
        goto out;
    }

    s_file_t file;
    rc = s_file_open(&file, path, errbuf, errsize);
    if (rc != 0)
        goto out;
    errno = 0;
    if (json_dumpf(root, file.f, JSON_INDENT(2) | JSON_REAL_PRECISION(12)) != 0 ||
        fputc('\n', file.f) == EOF) {
        int e = errno ? errno : EIO;
        s_file_close(&file, false, errbuf, errsize);
        snprintf(errbuf, errsize, "%s: %s", path, strerror(e));
        rc = KN_EIO;
        goto out;
    }
    rc = s_file_close(&file, true, errbuf, errsize);
out:
    json_decref(root);
    return rc;
}

/* ------------------------------------------------------------------------ */
/* report.html                                                              */

/* Data as HTML text: valid UTF-8, & < > " ' escaped. */
static void s_esc(FILE *out, const char *s)
{
    char buf[1024];
    for (const char *c = s_clean(s, buf, sizeof buf); *c; c++) {
        switch (*c) {
        case '&':
            fputs("&amp;", out);
            break;
        case '<':
            fputs("&lt;", out);
            break;
        case '>':
            fputs("&gt;", out);
            break;
        case '"':
            fputs("&quot;", out);
            break;
        case '\'':
            fputs("&#39;", out);
            break;
        default:
            fputc(*c, out);
        }
    }
}

static const char s_style[] =
    "<style>\n"
    ":root{--trad:" S_TRAD_COLOUR ";--smart:" S_SMART_COLOUR ";--ink:#1d2329;--soft:#5b6570;"
    "--rule:#d9dee3}\n"
    "*{box-sizing:border-box}\n"
    "body{margin:0 auto;max-width:58rem;padding:1rem;font:16px/1.5 system-ui,-apple-system,"
    "\"Segoe UI\",Roboto,\"Noto Sans\",\"PingFang SC\",\"Microsoft YaHei\",sans-serif;"
    "color:var(--ink);background:#fff}\n"
    "h1{font-size:1.5rem;line-height:1.25;margin:.5rem 0}\n"
    "h2{font-size:1.2rem;margin:2rem 0 .5rem;border-bottom:1px solid var(--rule)}\n"
    "h3{font-size:1rem;margin:1.2rem 0 .3rem}\n"
    ".sub,.note,figcaption{color:var(--soft);font-size:.9rem}\n"
    ".scroll{overflow-x:auto;-webkit-overflow-scrolling:touch}\n"
    "table{border-collapse:collapse;width:100%;font-variant-numeric:tabular-nums}\n"
    "th,td{padding:.35rem .5rem;border-bottom:1px solid var(--rule);text-align:right;"
    "white-space:nowrap}\n"
    "th:first-child,td:first-child{text-align:left;white-space:normal}\n"
    "thead th{border-bottom:2px solid var(--ink)}\n"
    ".trad{color:var(--trad)}.smart{color:var(--smart)}\n"
    "figure{margin:1.5rem 0}\n"
    "svg{display:block;width:100%;min-width:30rem;height:auto}\n"
    "svg text{font-family:inherit;fill:var(--ink)}\n"
    ".key{display:flex;flex-wrap:wrap;gap:.5rem 2rem;margin:.5rem 0}\n"
    ".big{font-size:1.6rem;font-weight:600;display:block}\n"
    "@media (max-width:40rem){body{padding:.6rem;font-size:15px}th,td{padding:.3rem .3rem}}\n"
    "</style>\n";

/* The plot area of a chart inside its viewBox. */
typedef struct {
    double w, h;   /* viewBox */
    double x0, y0; /* top left of the plot area */
    double pw, ph; /* its size */
} s_plot_t;

/* A step for axis ticks: 1, 2 or 5 times a power of ten, at least 1, so that
 * max fits in at most about ticks steps. */
static unsigned long s_nice_step(double max, unsigned ticks)
{
    double raw = max / ticks;
    unsigned long mag = 1;
    while ((double)mag * 10 <= raw)
        mag *= 10;
    if (raw <= (double)mag)
        return mag;
    if (raw <= 2.0 * (double)mag)
        return 2 * mag;
    if (raw <= 5.0 * (double)mag)
        return 5 * mag;
    return 10 * mag;
}

/* The y axis of a count chart: grid lines, tick labels and its title;
 * returns the top of the scale. */
static double s_y_axis(FILE *out, const s_plot_t *p, double max, const char *title)
{
    unsigned long step = s_nice_step(max, 5);
    unsigned long top = step;
    while ((double)top < max)
        top += step;
    for (unsigned long v = 0; v <= top; v += step) {
        double y = p->y0 + p->ph - p->ph * (double)v / (double)top;
        fprintf(out,
                "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\"/>"
                "<text x=\"%.1f\" y=\"%.1f\" font-size=\"12\" text-anchor=\"end\">%lu</text>\n",
                p->x0, y, p->x0 + p->pw, y, v ? "#e4e8ec" : "#1d2329", p->x0 - 6, y + 4, v);
    }
    fprintf(out,
            "<text transform=\"translate(14 %.1f) rotate(-90)\" font-size=\"13\" "
            "text-anchor=\"middle\">%s</text>\n",
            p->y0 + p->ph / 2, title);
    return (double)top;
}

/* The smart flow's line is dashed, so the two tell apart without colour. */
#define S_SMART_DASH " stroke-dasharray=\"6 3\""

/* The two flows' key at the top left of a chart: squares for bars, line
 * pieces for lines. */
static void s_legend(FILE *out, const s_plot_t *p, const s_figures_t *t, const s_figures_t *s,
                     const char *what_t, const char *what_s, bool lines)
{
    const s_figures_t *f[2] = {t, s};
    const char *colour[2] = {S_TRAD_COLOUR, S_SMART_COLOUR};
    const char *what[2] = {what_t, what_s};
    double x = p->x0;
    for (int i = 0; i < 2; i++) {
        if (lines)
            fprintf(out,
                    "<line x1=\"%.1f\" y1=\"15\" x2=\"%.1f\" y2=\"15\" stroke=\"%s\" "
                    "stroke-width=\"3\"%s/>",
                    x - 6, x + 16, colour[i], i ? S_SMART_DASH : "");
        else
            fprintf(out, "<rect x=\"%.1f\" y=\"8\" width=\"14\" height=\"14\" fill=\"%s\"/>", x,
                    colour[i]);
        fprintf(out, "<text x=\"%.1f\" y=\"20\" font-size=\"13\">", x + 22);
        s_esc(out, f[i]->name);
        fprintf(out, "%s</text>\n", what[i]);
        x += p->pw / 2;
    }
}

static void s_chart_dwell(FILE *out, const s_figures_t *t, const s_figures_t *s)
{
    s_plot_t p = {640, 310, 56, 40, 572, 220};
    size_t max = 0;
    for (size_t b = 0; b < S_NBINS; b++) {
        if (t->bins[b] > max)
            max = t->bins[b];
        if (s->bins[b] > max)
            max = s->bins[b];
    }
    fprintf(out,
            "<figure>\n<div class=\"scroll\">\n"
            "<svg viewBox=\"0 0 %.0f %.0f\" role=\"img\" aria-labelledby=\"dwell-title\">\n"
            "<title id=\"dwell-title\">Import boxes by time from crane lift to gate-out, "
            "per flow</title>\n",
            p.w, p.h);
    char what_t[64], what_s[64];
    snprintf(what_t, sizeof what_t, " (%zu imports)", t->binned);
    snprintf(what_s, sizeof what_s, " (%zu imports)", s->binned);
    s_legend(out, &p, t, s, what_t, what_s, false);
    double top = s_y_axis(out, &p, (double)max, "import boxes");
    double bw = p.pw / S_NBINS, bar = bw * 0.36, base = p.y0 + p.ph;
    const s_figures_t *f[2] = {t, s};
    const char *colour[2] = {S_TRAD_COLOUR, S_SMART_COLOUR};
    for (size_t b = 0; b < S_NBINS; b++) {
        double x = p.x0 + bw * (double)b;
        for (int i = 0; i < 2; i++) {
            size_t n = f[i]->bins[b];
            double bx = x + bw * 0.14 + bar * i, bh = p.ph * (double)n / top;
            if (n == 0)
                continue;
            fprintf(out,
                    "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\">"
                    "<title>",
                    bx, base - bh, bar, bh, colour[i]);
            s_esc(out, f[i]->name);
            fputs(", ", out);
            s_esc(out, s_bins[b].label);
            fprintf(out,
                    ": %zu</title></rect>"
                    "<text x=\"%.1f\" y=\"%.1f\" font-size=\"11\" text-anchor=\"middle\">%zu"
                    "</text>\n",
                    n, bx + bar / 2, base - bh - 4, n);
        }
        fprintf(out, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"12\" text-anchor=\"middle\">",
                x + bw / 2, base + 18);
        s_esc(out, s_bins[b].label);
        fputs("</text>\n", out);
    }
    if (max == 0)
        fprintf(out,
                "<text x=\"%.1f\" y=\"%.1f\" font-size=\"14\" text-anchor=\"middle\">"
                "no import box left the terminal</text>\n",
                p.x0 + p.pw / 2, p.y0 + p.ph / 2);
    fprintf(out,
            "<text x=\"%.1f\" y=\"%.1f\" font-size=\"13\" text-anchor=\"middle\">"
            "time from crane lift to gate-out</text>\n</svg>\n</div>\n",
            p.x0 + p.pw / 2, p.h - 12);
    fputs("<figcaption>Import boxes by their time in the terminal, from the crane lift to the "
          "gate-out, in bins that double in length.</figcaption>\n</figure>\n",
          out);
}

/* Boxes in the yard in hour h after start of one flow: 0 outside its
 * series (before the first box and after the last left). */
static unsigned s_occupancy(const kn_kpi_t *k, int64_t start_ms, size_t h)
{
    if (!k->yard_occupancy || k->hours == 0)
        return 0;
    int64_t at = start_ms + (int64_t)h * S_HOUR_MS - k->start_ms;
    if (at < 0)
        return 0;
    int64_t i = at / S_HOUR_MS;
    return (uint64_t)i < k->hours ? k->yard_occupancy[i] : 0;
}

static void s_chart_yard(FILE *out, const s_figures_t *t, const s_figures_t *s)
{
    static const char *const months[12] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                           "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    static const unsigned steps[] = {1, 2, 3, 6, 12, 24, 48, 72, 168};
    s_plot_t p = {640, 320, 56, 40, 556, 212};
    const s_figures_t *f[2] = {t, s};
    const char *colour[2] = {S_TRAD_COLOUR, S_SMART_COLOUR};

    /* one time range for both: from the earlier start to the later end */
    bool any = false;
    int64_t start = 0, end = 0;
    for (int i = 0; i < 2; i++) {
        const kn_kpi_t *k = f[i]->kpi;
        if (k->hours == 0 || !k->yard_occupancy)
            continue;
        int64_t e = k->start_ms + (int64_t)k->hours * S_HOUR_MS;
        if (!any || k->start_ms < start)
            start = k->start_ms;
        if (!any || e > end)
            end = e;
        any = true;
    }
    size_t hours = any ? (size_t)((end - start) / S_HOUR_MS) : 0;
    unsigned max = 0;
    for (int i = 0; i < 2; i++)
        for (size_t h = 0; h < hours; h++)
            if (s_occupancy(f[i]->kpi, start, h) > max)
                max = s_occupancy(f[i]->kpi, start, h);

    fprintf(out,
            "<figure>\n<div class=\"scroll\">\n"
            "<svg viewBox=\"0 0 %.0f %.0f\" role=\"img\" aria-labelledby=\"yard-title\">\n"
            "<title id=\"yard-title\">Boxes in the yard at the start of each hour, per "
            "flow</title>\n",
            p.w, p.h);
    char what_t[64], what_s[64];
    snprintf(what_t, sizeof what_t, " (peak %u)", t->kpi->yard_peak);
    snprintf(what_s, sizeof what_s, " (peak %u)", s->kpi->yard_peak);
    s_legend(out, &p, t, s, what_t, what_s, true);
    double top = s_y_axis(out, &p, (double)max, "boxes in the yard");
    double base = p.y0 + p.ph;

    if (hours == 0) {
        fprintf(out,
                "<text x=\"%.1f\" y=\"%.1f\" font-size=\"14\" text-anchor=\"middle\">"
                "no box was in the yard</text>\n",
                p.x0 + p.pw / 2, p.y0 + p.ph / 2);
    } else {
        double hx = p.pw / (double)hours;
        /* ticks on whole Beijing hours, at most about twelve of them */
        unsigned step = 0;
        for (size_t i = 0; i < sizeof steps / sizeof *steps && !step; i++)
            if (hours / steps[i] <= 12)
                step = steps[i];
        if (!step)
            step = (unsigned)((hours / 12 + 167) / 168 * 168);
        bool dated = false;
        for (size_t h = 0; h <= hours; h++) {
            int64_t at = start + (int64_t)h * S_HOUR_MS + S_BEIJING_MS;
            time_t ts = (time_t)(at / 1000);
            struct tm tm;
            if (!gmtime_r(&ts, &tm))
                continue;
            long since = (long)(at / S_HOUR_MS); /* Beijing hours since the epoch */
            if (since % (long)step != 0)
                continue;
            double x = p.x0 + hx * (double)h;
            fprintf(out,
                    "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#1d2329\"/>", x,
                    base, x, base + 5);
            if (step < 24)
                fprintf(out,
                        "<text x=\"%.1f\" y=\"%.1f\" font-size=\"12\" text-anchor=\"middle\">"
                        "%02d:00</text>",
                        x, base + 18, tm.tm_hour);
            if (tm.tm_hour == 0 || !dated || step >= 24)
                fprintf(out,
                        "<text x=\"%.1f\" y=\"%.1f\" font-size=\"12\" text-anchor=\"middle\">"
                        "%d %s</text>",
                        x, base + (step < 24 ? 33 : 18), tm.tm_mday, months[tm.tm_mon]);
            dated = true;
            fputc('\n', out);
        }
        for (int i = 0; i < 2; i++) {
            fprintf(out, "<path fill=\"none\" stroke=\"%s\" stroke-width=\"2\"%s d=\"", colour[i],
                    i ? S_SMART_DASH : "");
            for (size_t h = 0; h < hours; h++) {
                double y = base - p.ph * s_occupancy(f[i]->kpi, start, h) / top;
                if (h == 0)
                    fprintf(out, "M%.1f %.1f", p.x0, y);
                else
                    fprintf(out, "V%.1f", y);
                fprintf(out, "H%.1f", p.x0 + hx * (double)(h + 1));
            }
            fputs("\"/>\n", out);
        }
    }
    fprintf(out,
            "<text x=\"%.1f\" y=\"%.1f\" font-size=\"13\" text-anchor=\"middle\">"
            "Beijing time (UTC+8)</text>\n</svg>\n</div>\n",
            p.x0 + p.pw / 2, p.h - 6);
    fputs("<figcaption>Boxes in the terminal yard at the start of each hour; the loading stack "
          "and the inspection area are not the yard.</figcaption>\n</figure>\n",
          out);
}

static void s_html_table(FILE *out, const s_figures_t *t, const s_figures_t *s)
{
    s_row_t rows[S_MAX_ROWS];
    size_t n = s_rows(t, s, rows);
    fputs("<div class=\"scroll\">\n<table>\n<thead><tr><th>figure</th><th class=\"trad\">", out);
    s_esc(out, t->name);
    fputs("</th><th class=\"smart\">", out);
    s_esc(out, s->name);
    fputs("</th><th>change</th></tr></thead>\n<tbody>\n", out);
    for (size_t i = 0; i < n; i++) {
        fputs("<tr><td>", out);
        s_esc(out, rows[i].label);
        fputs("</td><td>", out);
        s_esc(out, rows[i].trad);
        fputs("</td><td>", out);
        s_esc(out, rows[i].smart);
        fputs("</td><td>", out);
        s_esc(out, rows[i].change);
        fputs("</td></tr>\n", out);
    }
    fputs("</tbody>\n</table>\n</div>\n<p class=\"note\">", out);
    for (size_t i = 0; i < sizeof s_table_notes / sizeof *s_table_notes; i++) {
        fputs(i ? " " : "", out);
        s_esc(out, s_table_notes[i]);
    }
    fputs("</p>\n", out);
}

static void s_html_reasons(FILE *out, const s_figures_t *s)
{
    const kn_kpi_t *k = s->kpi;
    fputs("<section>\n<h2>Why boxes still went through the yard</h2>\n", out);
    char share[24];
    s_fmt_percent(share, sizeof share, s->yard_share);
    fprintf(out, "<p>In the ");
    s_esc(out, s->name);
    fprintf(out,
            " flow %zu of %zu boxes (%s) went through the yard: %zu of %zu imports and %zu of "
            "%zu exports.",
            k->through_yard, k->boxes, share, k->import_through_yard, k->imports,
            k->export_through_yard, k->exports);
    if (!k->reasons || k->nreasons == 0) {
        fputs(k->through_yard ? " No reason was recorded.</p>\n</section>\n" : "</p>\n</section>\n",
              out);
        return;
    }
    fputs(" The reasons, the most common first:</p>\n<div class=\"scroll\">\n<table>\n"
          "<thead><tr><th>reason</th><th>boxes</th><th>of the boxes through the yard</th>"
          "<th>of all boxes</th></tr></thead>\n<tbody>\n",
          out);
    size_t shown = k->nreasons < S_PAGE_REASONS ? k->nreasons : S_PAGE_REASONS;
    size_t total = 0;
    for (size_t i = 0; i < k->nreasons; i++)
        total += k->reasons[i].boxes;
    for (size_t i = 0; i <= shown && i < k->nreasons; i++) {
        size_t n = k->reasons[i].boxes;
        fputs("<tr><td>", out);
        if (i == shown) {
            n = 0;
            for (size_t j = shown; j < k->nreasons; j++)
                n += k->reasons[j].boxes;
            fprintf(out, "%zu other reasons", k->nreasons - shown);
        } else if (k->reasons[i].reason[0]) {
            s_esc(out, k->reasons[i].reason);
        } else {
            fputs("(no reason given)", out);
        }
        char of_yard[24], of_all[24];
        s_fmt_percent(of_yard, sizeof of_yard,
                      s_share(n, k->through_yard > total ? k->through_yard : total));
        s_fmt_percent(of_all, sizeof of_all, s_share(n, k->boxes));
        fprintf(out, "</td><td>%zu</td><td>%s</td><td>%s</td></tr>\n", n, of_yard, of_all);
    }
    fputs("</tbody>\n</table>\n</div>\n</section>\n", out);
}

/* How a change compares with what Haitian reported, to stand before "the
 * 50 % Haitian reported"; NULL when there is no change. */
static const char *s_versus(double change, double haitian)
{
    if (!isfinite(change))
        return NULL;
    double d = (change - haitian) * 100;
    if (s_abs(d) <= S_CLOSE_POINTS)
        return "close to";
    if (change >= 0)
        return "no saving at all, unlike";
    return d > 0 ? "a smaller saving than" : "a larger saving than";
}

static void s_html_haitian(FILE *out, const kn_scenario_t *sc, const s_figures_t *t,
                           const s_figures_t *s)
{
    const kn_kpi_t *b = s->kpi;
    char c[24], v1[48], v2[48], c1[24], c2[24], p1[24], p2[24];
    double moves = s_change(t->moves_per_box, s->moves_per_box);
    double dwell = s_change(t->dwell_median, s->dwell_median);
    const char *vm = s_versus(moves, S_HAITIAN_MOVES), *vt = s_versus(dwell, S_HAITIAN_TIME);

    fputs("<section>\n<h2>Compared with Xiamen Haitian</h2>\n"
          "<p>Xiamen Haitian terminal reported about 50&#160;% fewer container handling moves "
          "and about 90&#160;% less time with smart diversion, import boxes going from berth "
          "to truck in under an hour. Haitian's figures are the terminal's report of its own "
          "operations; this page is one simulated day with the scenario's traffic (",
          out);
    s_fmt_percent(p1, sizeof p1, sc->declared_before_arrival);
    s_fmt_percent(p2, sizeof p2, sc->inspection_rate);
    fprintf(out,
            "%s of the import bills declared before the vessel arrives, %s inspected), so it "
            "shows how the mechanism plays out on that traffic.</p>\n",
            p1, p2);

    /* moves */
    s_fmt_change(c, sizeof c, moves);
    fprintf(out, "<h3>Handling moves: %s here, about −50&#160;%% at Haitian</h3>\n<p>", c);
    s_fmt_real(v1, sizeof v1, t->moves_per_box, 2);
    s_fmt_real(v2, sizeof v2, s->moves_per_box, 2);
    fprintf(out, "Moves per box went from %s to %s (%s)", v1, v2, c);
    if (vm)
        fprintf(out, ", %s the 50&#160;%% Haitian reported.", vm);
    else
        fputs("; with no boxes there is nothing to compare.", out);
    fputs("</p>\n<ul>\n", out);

    s_fmt_real(v1, sizeof v1, t->import_moves_per_box, 2);
    s_fmt_real(v2, sizeof v2, s->import_moves_per_box, 2);
    s_fmt_change(c1, sizeof c1, s_change(t->import_moves_per_box, s->import_moves_per_box));
    s_fmt_percent(p1, sizeof p1, s->direct_share);
    s_fmt_percent(p2, sizeof p2, s->import_yard_share);
    fprintf(out,
            "<li><strong>Imports:</strong> %s → %s moves per box (%s). In the smart flow %zu "
            "of %zu imports (%s) went from the crane straight onto a truck, and %zu (%s) still "
            "went through the yard",
            v1, v2, c1, b->direct, b->imports, p1, b->import_through_yard, p2);
    if (b->reasons && b->nreasons > 0 && b->reasons[0].reason[0]) {
        fputs("; the most common reason a box, import or export, went there: “", out);
        s_esc(out, b->reasons[0].reason);
        fprintf(out, "” (%zu boxes)", b->reasons[0].boxes);
    }
    fputs(". A box that goes through the yard is lifted at least once more than one lifted "
          "straight onto its truck (crane → yard → truck instead of crane → truck), and an "
          "inspected one twice more when it waits in the yard before and after the "
          "inspection.</li>\n",
          out);

    s_fmt_real(v1, sizeof v1, t->export_moves_per_box, 2);
    s_fmt_real(v2, sizeof v2, s->export_moves_per_box, 2);
    s_fmt_change(c2, sizeof c2, s_change(t->export_moves_per_box, s->export_moves_per_box));
    s_fmt_percent(p1, sizeof p1, s->export_yard_share);
    fprintf(out,
            "<li><strong>Exports:</strong> %s → %s moves per box (%s). An export box is lifted "
            "at the gate and onto the vessel in either flow; the smart flow saves only the "
            "re-marshalling from the yard to the loading stack, for the boxes its gate-in "
            "instruction sends straight to the stack. %zu of %zu exports (%s) still went "
            "through the yard.</li>\n",
            v1, v2, c2, b->export_through_yard, b->exports, p1);

    s_fmt_percent(p1, sizeof p1, s_share(b->exports, b->boxes));
    fprintf(out,
            "<li><strong>Together:</strong> exports are %s of the day's boxes, so the day's "
            "change (%s) combines the imports' %s and the exports' %s, weighted by their "
            "moves.</li>\n</ul>\n",
            p1, c, c1, c2);

    /* time */
    s_fmt_change(c, sizeof c, dwell);
    fprintf(out, "<h3>Time: %s here, about −90&#160;%% at Haitian</h3>\n<p>", c);
    s_fmt_duration(v1, sizeof v1, t->dwell_median);
    s_fmt_duration(v2, sizeof v2, s->dwell_median);
    fprintf(out,
            "The time is measured on import boxes, from the crane lift to the gate-out: "
            "Haitian's “berth to truck”. The median went from %s to %s (%s)",
            v1, v2, c);
    if (vt)
        fprintf(out, ", %s the 90&#160;%% Haitian reported", vt);
    s_fmt_duration(v1, sizeof v1, t->dwell_p90);
    s_fmt_duration(v2, sizeof v2, s->dwell_p90);
    s_fmt_change(c1, sizeof c1, s_change(t->dwell_p90, s->dwell_p90));
    s_fmt_percent(p1, sizeof p1, s->within_hour_share);
    s_fmt_percent(p2, sizeof p2, t->within_hour_share);
    fprintf(out,
            "; the slowest tenth took %s or more against %s (%s). %zu imports (%s) left "
            "within an hour of the crane lift in the smart flow, %zu (%s) in the traditional "
            "one.</p>\n<ul>\n",
            v2, v1, c1, s->within_hour, p1, t->within_hour, p2);
    fprintf(out,
            "<li>In the traditional flow the agent learns of the release late (the scenario "
            "assumes %.1f h on average before a truck is booked) and an inspection waits for "
            "an appointment (%.1f h on average); in the smart flow kouan's status events tell "
            "the agent the box's route as soon as it is decided (the truck comes once the "
            "vessel berths) and when the box may leave, and its instruction gives the "
            "inspection its slot.</li>\n",
            sc->pickup_notice_hours, sc->inspection_appointment_hours);
    s_fmt_duration(v1, sizeof v1, t->wait_median);
    s_fmt_duration(v2, sizeof v2, s->wait_median);
    fprintf(out,
            "<li>What the terminal does not decide takes its time in both flows: a box leaves "
            "only once customs has released it, its duty is settled, its inspection is done "
            "and its truck has come. %zu imports were inspected in the smart flow; they waited "
            "%s (median) from the order to the inspection, against %s in the traditional "
            "flow.</li>\n",
            b->inspected, v2, v1);
    s_fmt_percent(p1, sizeof p1, s->import_yard_share);
    fprintf(out,
            "<li>The %zu imports (%s) that still went through the yard in the smart flow "
            "wait there for their next instruction or their truck, as every import does in "
            "the traditional flow.</li>\n</ul>\n</section>\n",
            b->import_through_yard, p1);
}

static void s_html(FILE *out, const kn_scenario_t *sc, const s_figures_t *t, const s_figures_t *s)
{
    const kn_kpi_t *a = t->kpi, *b = s->kpi;
    char c[24], v1[48], v2[48], seed[24];
    snprintf(seed, sizeof seed, "%llu", (unsigned long long)sc->seed);

    fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
          "<title>Port day ",
          out);
    s_esc(out, sc->date);
    fputs(": smart diversion against the traditional flow — kouan</title>\n", out);
    fputs(s_style, out);
    fputs("</head>\n<body>\n<header>\n<h1>Port day ", out);
    s_esc(out, sc->date);
    fputs(": smart diversion against the traditional flow</h1>\n<p class=\"sub\">Terminal ", out);
    s_esc(out, sc->terminal);
    fputs(", ", out);
    s_esc(out, sc->locode);
    fprintf(out, " · %zu vessel call%s · %zu boxes (%zu imports, %zu exports)", sc->nvessels,
            sc->nvessels == 1 ? "" : "s", a->boxes, a->imports, a->exports);
    fputs(" · simulated by kouan</p>\n</header>\n<main>\n", out);

    /* the two headline figures */
    fputs("<div class=\"key\">\n", out);
    s_fmt_change(c, sizeof c, s_change(t->moves_per_box, s->moves_per_box));
    s_fmt_real(v1, sizeof v1, t->moves_per_box, 2);
    s_fmt_real(v2, sizeof v2, s->moves_per_box, 2);
    fprintf(out, "<p><span class=\"big\">%s</span>moves per box, %s → %s</p>\n", c, v1, v2);
    s_fmt_change(c, sizeof c, s_change(t->dwell_median, s->dwell_median));
    s_fmt_hmm(v1, sizeof v1, t->dwell_median);
    s_fmt_hmm(v2, sizeof v2, s->dwell_median);
    fprintf(out,
            "<p><span class=\"big\">%s</span>import median, crane lift to gate-out, %s → %s "
            "(h:mm)</p>\n</div>\n",
            c, v1, v2);

    fputs("<section>\n<h2>The day in figures</h2>\n", out);
    s_html_table(out, t, s);
    fputs("</section>\n<section>\n<h2>How long import boxes stayed</h2>\n", out);
    s_chart_dwell(out, t, s);
    fputs("</section>\n<section>\n<h2>Boxes in the yard, hour by hour</h2>\n", out);
    s_chart_yard(out, t, s);
    fputs("</section>\n", out);
    s_html_reasons(out, s);
    s_html_haitian(out, sc, t, s);

    fputs("<section>\n<h2>How the figures are made</h2>\n<p>Both flows play the same simulated "
          "day: the same vessels and crane lifts, customs decisions and inspection orders, "
          "duty payments and trucks. Only how the terminal works differs — in the traditional "
          "flow every box goes through the yard; in the smart flow the terminal acts on "
          "kouan's instructions: where the instruction in force when the crane lifts an "
          "import (or when an export passes the gate) sends it, it goes. "
          "A handling move is one lift that puts a box somewhere else: crane → truck, yard, "
          "inspection area or scan lane; yard → inspection area, scan lane, loading stack or "
          "truck; inspection area → yard or truck; gate → yard or loading stack; stack → "
          "vessel. A truck driving through the scan lane with the box on it is not a move. "
          "Times are minutes of simulated time; medians and 90th percentiles are over the "
          "boxes that left the terminal.</p>\n<p class=\"note\">Source: kouan sim run, "
          "scenario of ",
          out);
    s_esc(out, sc->date);
    fprintf(out, ", seed %s; %zu handling moves in the ", seed, a->moves);
    s_esc(out, t->name);
    fprintf(out, " flow, %zu in the ", b->moves);
    s_esc(out, s->name);
    fputs(" flow.</p>\n</section>\n</main>\n</body>\n</html>\n", out);
}

int kn_report_html(const char *path, const kn_scenario_t *sc, const kn_kpi_t *traditional,
                   const kn_kpi_t *smart, char *errbuf, size_t errsize)
{
    s_figures_t t, s;
    s_figures(traditional, "traditional", &t);
    s_figures(smart, "smart", &s);
    s_file_t file;
    int rc = s_file_open(&file, path, errbuf, errsize);
    if (rc != 0)
        return rc;
    s_html(file.f, sc, &t, &s);
    return s_file_close(&file, true, errbuf, errsize);
}
