/* Tests for sim/report.c: the comparison table, kpi.json and report.html
 * from two kn_kpi_t made by hand (not by the flows), so every figure the
 * report shows is known in advance. */
#include "err.h"
#include "flow.h"
#include "report.h"
#include "scenario.h"

#include "runner.h"

#include <check.h>
#include <ctype.h>
#include <dirent.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#define S_HOUR_MS (3600 * INT64_C(1000))

/* A reason with markup and Chinese text in it: it must come out escaped. */
#define S_MARKUP_REASON "<b>&amp; hold 海关布控"
/* Cut in the middle of a character, as a long reason in a char[160] is. */
#define S_CUT_REASON "待查验\xe5\x85"

static char s_dir[256];
static char s_err[1024];
static kn_scenario_t s_sc;
static kn_kpi_t s_trad, s_smart;
static kn_arena_t *s_arena;

static void *s_copy(const void *src, size_t size)
{
    void *p = malloc(size);
    ck_assert_ptr_nonnull(p);
    memcpy(p, src, size);
    return p;
}

/* The traditional flow: 10 boxes, 4 moves each. */
static void s_make_trad(kn_kpi_t *k)
{
    static const double dwell[] = {20, 600, 900, 1500, 1700, 3100};
    static const unsigned occupancy[] = {0, 3, 6, 6, 2};
    static const kn_kpi_reason_t reasons[] = {{"traditional flow", 10}};
    memset(k, 0, sizeof *k);
    k->flow = "traditional";
    k->boxes = 10, k->imports = 6, k->exports = 4;
    k->moves = 40, k->import_moves = 24, k->export_moves = 16;
    k->moves_per_box = 4.0, k->import_moves_per_box = 4.0, k->export_moves_per_box = 4.0;
    k->dwell_median_min = 1600.0, k->dwell_p90_min = 3000.0;
    k->dwell_min = s_copy(dwell, sizeof dwell);
    k->ndwell = 6;
    k->export_dwell_median_min = 1800.0;
    k->direct = 0;
    k->inspected = 2;
    k->inspection_wait_median_min = 300.0, k->inspection_wait_p90_min = 420.0;
    k->inspection_wait_mean_min = 310.0;
    k->through_yard = 10, k->import_through_yard = 6, k->export_through_yard = 4;
    k->reasons = s_copy(reasons, sizeof reasons);
    k->nreasons = 1;
    k->start_ms = s_sc.day_ms + 6 * S_HOUR_MS;
    k->hours = 5;
    k->yard_occupancy = s_copy(occupancy, sizeof occupancy);
    k->yard_peak = 6;
    k->yard_box_hours = 123.44;
}

/* The smart flow of the same day: 2 moves a box, dwell from 1600 to 48 min. */
static void s_make_smart(kn_kpi_t *k)
{
    static const double dwell[] = {20, 35, 45, 50, 70, 300};
    static const unsigned occupancy[] = {0, 1, 2, 1};
    static const kn_kpi_reason_t reasons[] = {
        {S_MARKUP_REASON, 2}, {"no instruction when lifted", 1}, {S_CUT_REASON, 1}};
    memset(k, 0, sizeof *k);
    k->flow = "smart";
    k->boxes = 10, k->imports = 6, k->exports = 4;
    k->moves = 20, k->import_moves = 12, k->export_moves = 8;
    k->moves_per_box = 2.0, k->import_moves_per_box = 2.0, k->export_moves_per_box = 2.0;
    k->dwell_median_min = 48.0, k->dwell_p90_min = 185.04;
    k->dwell_min = s_copy(dwell, sizeof dwell);
    k->ndwell = 6;
    k->export_dwell_median_min = 1700.0;
    k->direct = 3;
    k->inspected = 2;
    k->inspection_wait_median_min = 30.0, k->inspection_wait_p90_min = 42.0;
    k->inspection_wait_mean_min = 31.0;
    k->through_yard = 4, k->import_through_yard = 3, k->export_through_yard = 1;
    k->reasons = s_copy(reasons, sizeof reasons);
    k->nreasons = 3;
    k->start_ms = s_sc.day_ms + 6 * S_HOUR_MS;
    k->hours = 4;
    k->yard_occupancy = s_copy(occupancy, sizeof occupancy);
    k->yard_peak = 2;
    k->yard_box_hours = 10.0;
}

/* A smart flow with no import box and nothing inspected, its figures as a
 * flow might leave them: NAN where there is nothing to take a median of. */
static void s_make_no_imports(kn_kpi_t *k)
{
    memset(k, 0, sizeof *k);
    k->flow = "smart";
    k->boxes = 4, k->exports = 4;
    k->moves = 8, k->export_moves = 8;
    k->moves_per_box = 2.0, k->export_moves_per_box = 2.0;
    k->import_moves_per_box = NAN;
    k->dwell_median_min = NAN, k->dwell_p90_min = NAN;
    k->export_dwell_median_min = 1700.0;
    k->inspection_wait_median_min = NAN, k->inspection_wait_p90_min = NAN;
    k->inspection_wait_mean_min = NAN;
    k->start_ms = s_sc.day_ms;
}

static void s_free(kn_kpi_t *k)
{
    free(k->dwell_min);
    free(k->reasons);
    free(k->yard_occupancy);
    memset(k, 0, sizeof *k);
}

static void s_setup(void)
{
    snprintf(s_dir, sizeof s_dir, "%s", kn_test_tmpdir());
    s_err[0] = '\0';
    kn_scenario_defaults(&s_sc);
    kn_scenario_vessel_t *v = &s_sc.vessels[0];
    snprintf(v->name, sizeof v->name, "COSCO-XIAMEN");
    snprintf(v->ship_name, sizeof v->ship_name, "COSCO XIAMEN");
    snprintf(v->imo, sizeof v->imo, "9300001");
    snprintf(v->voyage, sizeof v->voyage, "118E");
    v->berth_minute = 6 * 60;
    v->import_boxes = 6;
    v->export_boxes = 4;
    s_sc.nvessels = 1;
    s_make_trad(&s_trad);
    s_make_smart(&s_smart);
    s_arena = kn_arena_new(64 * 1024);
    ck_assert_ptr_nonnull(s_arena);
}

static void s_teardown(void)
{
    s_free(&s_trad);
    s_free(&s_smart);
    kn_arena_destroy(&s_arena);
}

/* The table kn_report_table writes, in arena memory. */
static const char *s_table(const kn_kpi_t *trad, const kn_kpi_t *smart)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    ck_assert_ptr_nonnull(f);
    kn_report_table(f, trad, smart);
    ck_assert_int_eq(fclose(f), 0);
    char *copy = kn_arena_strdup(s_arena, buf);
    free(buf);
    return copy;
}

static json_t *s_json(const kn_kpi_t *trad, const kn_kpi_t *smart)
{
    char path[512];
    snprintf(path, sizeof path, "%s/kpi.json", s_dir);
    int rc = kn_report_json(path, &s_sc, trad, smart, s_err, sizeof s_err);
    ck_assert_msg(rc == 0, "kn_report_json: %s", s_err);
    json_error_t jerr;
    json_t *root = json_load_file(path, 0, &jerr);
    ck_assert_msg(root != NULL, "kpi.json does not parse: line %d: %s", jerr.line, jerr.text);
    return root;
}

static const char *s_html(const kn_kpi_t *trad, const kn_kpi_t *smart)
{
    char path[512];
    snprintf(path, sizeof path, "%s/report.html", s_dir);
    int rc = kn_report_html(path, &s_sc, trad, smart, s_err, sizeof s_err);
    ck_assert_msg(rc == 0, "kn_report_html: %s", s_err);
    size_t len;
    return (const char *)kn_test_read(s_arena, s_dir, "report.html", &len);
}

/* The number at a path of object keys ("flows", "smart", "moves") in root. */
static json_t *s_at(json_t *root, const char *k1, const char *k2, const char *k3)
{
    json_t *v = json_object_get(root, k1);
    if (v && k2)
        v = json_object_get(v, k2);
    if (v && k3)
        v = json_object_get(v, k3);
    ck_assert_msg(v != NULL, "kpi.json has no %s.%s.%s", k1, k2 ? k2 : "", k3 ? k3 : "");
    return v;
}

static double s_num(json_t *root, const char *k1, const char *k2, const char *k3)
{
    json_t *v = s_at(root, k1, k2, k3);
    ck_assert_msg(json_is_number(v), "%s.%s.%s is not a number", k1, k2 ? k2 : "", k3 ? k3 : "");
    return json_number_value(v);
}

/* Whether text holds word (any case) with no letter either side. */
static bool s_has_word(const char *text, const char *word)
{
    size_t n = strlen(word);
    for (const char *p = text; *p; p++) {
        if (strncasecmp(p, word, n) != 0)
            continue;
        bool before = p > text && isalpha((unsigned char)p[-1]);
        bool after = isalpha((unsigned char)p[n]);
        if (!before && !after)
            return true;
    }
    return false;
}

static size_t s_count(const char *text, const char *needle)
{
    size_t n = 0;
    for (const char *p = strstr(text, needle); p; p = strstr(p + 1, needle))
        n++;
    return n;
}

static void s_assert_no_nan(const char *what, const char *text)
{
    ck_assert_msg(!s_has_word(text, "nan"), "%s shows NaN", what);
    ck_assert_msg(!s_has_word(text, "inf") && !s_has_word(text, "infinity"), "%s shows inf", what);
}

/* ---- the table ---- */

START_TEST(test_table_changes)
{
    const char *t = s_table(&s_trad, &s_smart);
    ck_assert_ptr_nonnull(strstr(t, "traditional"));
    ck_assert_ptr_nonnull(strstr(t, "smart"));
    /* moves per box 4.00 → 2.00 */
    const char *row = strstr(t, "moves per box");
    ck_assert_ptr_nonnull(row);
    ck_assert_ptr_nonnull(strstr(row, "4.00"));
    ck_assert_ptr_nonnull(strstr(row, "2.00"));
    const char *eol = strchr(row, '\n');
    const char *half = strstr(row, "−50 %");
    ck_assert_msg(half && half < eol, "moves per box row lacks −50 %%:\n%s", t);
    /* import dwell median 1600 min → 48 min: 26:40 → 0:48, −97 % */
    row = strstr(t, "import dwell, median");
    ck_assert_ptr_nonnull(row);
    eol = strchr(row, '\n');
    ck_assert_ptr_nonnull(strstr(row, "26:40"));
    ck_assert_ptr_nonnull(strstr(row, "0:48"));
    ck_assert_msg(strstr(row, "−97 %") && strstr(row, "−97 %") < eol, "%s", t);
    /* direct crane → truck: 0 → 3 of 6 imports, +50 pp */
    row = strstr(t, "direct crane → truck");
    ck_assert_ptr_nonnull(row);
    ck_assert_ptr_nonnull(strstr(row, "3 (50 %)"));
    ck_assert_ptr_nonnull(strstr(row, "+50 pp"));
    /* the Haitian line and the reasons, most boxes first, as given */
    ck_assert_ptr_nonnull(strstr(t, "moves per box −50 % (Haitian reported about −50 %)"));
    ck_assert_ptr_nonnull(strstr(t, "berth-to-truck median −97 % (Haitian about −90 %)"));
    const char *r1 = strstr(t, S_MARKUP_REASON);
    const char *r2 = strstr(t, "no instruction when lifted");
    ck_assert_ptr_nonnull(r1);
    ck_assert_ptr_nonnull(r2);
    ck_assert_msg(r1 < r2, "reasons out of order:\n%s", t);
    s_assert_no_nan("the table", t);
}
END_TEST

/* Every data row has its four columns aligned: the change column ends in
 * the same character column on every line (counting characters, not bytes). */
START_TEST(test_table_aligned)
{
    const char *t = s_table(&s_trad, &s_smart);
    size_t width = 0, lines = 0;
    for (const char *line = t; *line && *line != '\n' && lines < 20;) {
        const char *eol = strchr(line, '\n');
        ck_assert_ptr_nonnull(eol);
        size_t w = 0;
        for (const char *c = line; c < eol; c++)
            if (((unsigned char)*c & 0xc0) != 0x80)
                w++;
        if (lines == 0)
            width = w;
        else if (lines > 1)
            ck_assert_msg(w == width, "line %zu is %zu wide, the header %zu:\n%s", lines, w, width,
                          t);
        lines++;
        line = eol + 1;
    }
    ck_assert_uint_eq(lines, 20); /* header, rule, 18 figures */
}
END_TEST

START_TEST(test_table_no_imports)
{
    kn_kpi_t none;
    s_make_no_imports(&none);
    const char *t = s_table(&s_trad, &none);
    s_assert_no_nan("the table", t);
    const char *row = strstr(t, "import dwell, median");
    ck_assert_ptr_nonnull(row);
    ck_assert_ptr_nonnull(strstr(row, "–"));
    ck_assert_ptr_nonnull(strstr(t, "berth-to-truck median – (Haitian about −90 %)"));
    ck_assert_ptr_nonnull(strstr(t, "none: no box went through the yard"));
}
END_TEST

/* ---- kpi.json ---- */

START_TEST(test_json_figures)
{
    json_t *root = s_json(&s_trad, &s_smart);

    ck_assert_str_eq(json_string_value(s_at(root, "scenario", "date", NULL)), "2026-11-22");
    ck_assert_int_eq(json_integer_value(s_at(root, "scenario", "seed", NULL)), 1);
    ck_assert_int_eq(json_integer_value(s_at(root, "scenario", "vessels", NULL)), 1);

    const char *flows[] = {"traditional", "smart"};
    const kn_kpi_t *kpis[] = {&s_trad, &s_smart};
    for (int i = 0; i < 2; i++) {
        json_t *f = s_at(root, "flows", flows[i], NULL);
        const kn_kpi_t *k = kpis[i];
        ck_assert_int_eq(json_integer_value(json_object_get(f, "boxes")), (json_int_t)k->boxes);
        ck_assert_int_eq(json_integer_value(json_object_get(f, "imports")), 6);
        ck_assert_int_eq(json_integer_value(json_object_get(f, "exports")), 4);
        ck_assert_int_eq(json_integer_value(json_object_get(f, "moves")), (json_int_t)k->moves);
        ck_assert_double_eq(s_num(root, "flows", flows[i], "moves_per_box"), k->moves_per_box);
        ck_assert_double_eq(s_num(root, "flows", flows[i], "import_moves_per_box"),
                            k->import_moves_per_box);
        ck_assert_double_eq(s_num(root, "flows", flows[i], "export_moves_per_box"),
                            k->export_moves_per_box);
        ck_assert_int_eq(json_integer_value(json_object_get(f, "boxes_through_yard")),
                         (json_int_t)k->through_yard);
        ck_assert_int_eq(json_integer_value(json_object_get(f, "yard_peak")), k->yard_peak);
        ck_assert_int_eq(json_integer_value(json_object_get(f, "inspected")), 2);
        ck_assert_int_eq(json_integer_value(json_object_get(f, "direct")), (json_int_t)k->direct);
        json_t *occ = json_object_get(f, "yard_occupancy");
        ck_assert_str_eq(json_string_value(json_object_get(occ, "start")),
                         "2026-11-22T06:00:00+08:00");
        json_t *hours = json_object_get(occ, "per_hour");
        ck_assert_uint_eq(json_array_size(hours), k->hours);
        for (size_t h = 0; h < k->hours; h++)
            ck_assert_int_eq(json_integer_value(json_array_get(hours, h)), k->yard_occupancy[h]);
        ck_assert_uint_eq(json_array_size(json_object_get(f, "yard_reasons")), k->nreasons);
    }

    /* rounded: one decimal for minutes and hours */
    ck_assert_double_eq(s_num(root, "flows", "traditional", "dwell_median_min"), 1600.0);
    ck_assert_double_eq(s_num(root, "flows", "smart", "dwell_median_min"), 48.0);
    ck_assert_double_eq(s_num(root, "flows", "smart", "dwell_p90_min"), 185.0);
    ck_assert_double_eq(s_num(root, "flows", "traditional", "yard_box_hours"), 123.4);
    ck_assert_double_eq(s_num(root, "flows", "smart", "inspection_wait_median_min"), 30.0);
    ck_assert_double_eq(s_num(root, "flows", "smart", "inspection_wait_mean_min"), 31.0);
    ck_assert_double_eq(s_num(root, "flows", "traditional", "export_dwell_median_min"), 1800.0);
    ck_assert_int_eq(json_integer_value(s_at(root, "flows", "smart", "import_through_yard")), 3);
    ck_assert_int_eq(json_integer_value(s_at(root, "flows", "smart", "export_through_yard")), 1);

    /* the reasons as given, markup and all, and the cut one made valid */
    json_t *r = json_array_get(s_at(root, "flows", "smart", "yard_reasons"), 0);
    ck_assert_str_eq(json_string_value(json_object_get(r, "reason")), S_MARKUP_REASON);
    ck_assert_int_eq(json_integer_value(json_object_get(r, "boxes")), 2);
    r = json_array_get(s_at(root, "flows", "smart", "yard_reasons"), 2);
    ck_assert_str_eq(json_string_value(json_object_get(r, "reason")), "待查验\xef\xbf\xbd");

    /* the dwell histogram: 20, 35, 45, 50, 70, 300 minutes */
    json_t *hist = s_at(root, "flows", "smart", "dwell_histogram");
    ck_assert_uint_eq(json_array_size(hist), 9);
    static const json_int_t smart_bins[9] = {1, 3, 1, 0, 1, 0, 0, 0, 0};
    for (size_t b = 0; b < 9; b++)
        ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(hist, b), "boxes")),
                         smart_bins[b]);

    ck_assert_double_eq(s_num(root, "comparison", "moves_per_box_change", NULL), -0.5);
    ck_assert_double_eq(s_num(root, "comparison", "moves_change", NULL), -0.5);
    ck_assert_double_eq_tol(s_num(root, "comparison", "dwell_median_change", NULL),
                            48.0 / 1600.0 - 1, 1e-4);
    ck_assert_double_eq_tol(s_num(root, "comparison", "boxes_through_yard_change", NULL), -0.6,
                            1e-9);
    ck_assert_double_eq(s_num(root, "comparison", "haitian", "moves_change"), -0.5);
    ck_assert_double_eq(s_num(root, "comparison", "haitian", "time_change"), -0.9);
    json_decref(root);

    /* written through a temporary file that is gone afterwards */
    DIR *d = opendir(s_dir);
    ck_assert_ptr_nonnull(d);
    size_t files = 0;
    for (struct dirent *e; (e = readdir(d));)
        if (e->d_name[0] != '.' || (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))) {
            ck_assert_str_eq(e->d_name, "kpi.json");
            files++;
        }
    closedir(d);
    ck_assert_uint_eq(files, 1);
}
END_TEST

START_TEST(test_json_no_imports)
{
    kn_kpi_t none;
    s_make_no_imports(&none);
    json_t *root = s_json(&s_trad, &none);
    ck_assert(json_is_null(s_at(root, "flows", "smart", "dwell_median_min")));
    ck_assert(json_is_null(s_at(root, "flows", "smart", "dwell_p90_min")));
    ck_assert(json_is_null(s_at(root, "flows", "smart", "import_moves_per_box")));
    ck_assert(json_is_null(s_at(root, "flows", "smart", "inspection_wait_median_min")));
    ck_assert(json_is_null(s_at(root, "comparison", "dwell_median_change", NULL)));
    ck_assert_int_eq(json_integer_value(s_at(root, "flows", "smart", "imports")), 0);
    ck_assert_double_eq(s_num(root, "flows", "smart", "moves_per_box"), 2.0);
    ck_assert_uint_eq(json_array_size(s_at(root, "flows", "smart", "yard_reasons")), 0);
    json_decref(root);
}
END_TEST

/* ---- report.html ---- */

START_TEST(test_html_content)
{
    const char *html = s_html(&s_trad, &s_smart);
    ck_assert_ptr_nonnull(strstr(html, "<!DOCTYPE html>"));
    ck_assert_ptr_nonnull(strstr(html, "<html lang=\"en\">"));
    ck_assert_ptr_nonnull(strstr(html, "<meta name=\"viewport\""));
    ck_assert_ptr_nonnull(strstr(html, "<title>Port day 2026-11-22"));
    ck_assert_uint_eq(s_count(html, "<svg"), 2);
    ck_assert_uint_eq(s_count(html, "</svg>"), 2);
    ck_assert_ptr_nonnull(strstr(html, "traditional"));
    ck_assert_ptr_nonnull(strstr(html, "smart"));
    ck_assert_ptr_nonnull(strstr(html, "Compared with Xiamen Haitian"));
    ck_assert_ptr_nonnull(strstr(html, "How the figures are made"));
    ck_assert_ptr_nonnull(strstr(html, "kouan sim run"));
    /* the figures of the table and the comparison */
    ck_assert_ptr_nonnull(strstr(html, "<td>moves per box</td><td>4.00</td><td>2.00</td>"
                                       "<td>−50 %</td>"));
    ck_assert_ptr_nonnull(strstr(html, "Moves per box went from 4.00 to 2.00 (−50 %), close to"));
    ck_assert_ptr_nonnull(strstr(html, "3 of 6 imports (50 %) went from the crane straight"));
    /* the reasons: escaped, never raw; Chinese text as it is */
    ck_assert_ptr_nonnull(strstr(html, "&lt;b&gt;&amp;amp; hold 海关布控"));
    ck_assert_ptr_null(strstr(html, "<b>"));
    ck_assert_ptr_null(strstr(html, "<b>&"));
    ck_assert_ptr_nonnull(strstr(html, "待查验\xef\xbf\xbd"));
    ck_assert_ptr_null(strstr(html, "\xe5\x85<"));
    /* the bins, escaped too */
    ck_assert_ptr_nonnull(strstr(html, "&lt;30m"));
    ck_assert_ptr_nonnull(strstr(html, "&gt;48h"));
    /* the hours of the yard chart in Beijing time */
    ck_assert_ptr_nonnull(strstr(html, "06:00"));
    ck_assert_ptr_nonnull(strstr(html, "22 Nov"));
    /* self-contained */
    ck_assert_ptr_null(strstr(html, "<script"));
    ck_assert_ptr_null(strstr(html, "<link"));
    ck_assert_ptr_null(strstr(html, "http://"));
    ck_assert_ptr_null(strstr(html, "https://"));
    ck_assert_ptr_null(strstr(html, "url("));
    s_assert_no_nan("report.html", html);
}
END_TEST

START_TEST(test_html_no_imports)
{
    kn_kpi_t none;
    s_make_no_imports(&none);
    const char *html = s_html(&s_trad, &none);
    s_assert_no_nan("report.html", html);
    ck_assert_uint_eq(s_count(html, "<svg"), 2);
    ck_assert_ptr_nonnull(strstr(html, "<td>import dwell, median (h:mm)</td><td>26:40</td>"
                                       "<td>–</td><td>–</td>"));
    ck_assert_ptr_nonnull(strstr(html, "<td>inspection wait, median (h:mm)</td><td>5:00</td>"
                                       "<td>–</td><td>–</td>"));

    /* nothing at all on either side */
    kn_kpi_t empty;
    memset(&empty, 0, sizeof empty);
    html = s_html(&empty, &empty);
    s_assert_no_nan("report.html", html);
    ck_assert_ptr_nonnull(strstr(html, "no box was in the yard"));
    ck_assert_ptr_nonnull(strstr(html, "no import box left the terminal"));
    s_assert_no_nan("the table", s_table(&empty, &empty));
}
END_TEST

/* ---- errors ---- */

START_TEST(test_unwritable)
{
    char path[512];
    snprintf(path, sizeof path, "%s/missing/kpi.json", s_dir);
    int rc = kn_report_json(path, &s_sc, &s_trad, &s_smart, s_err, sizeof s_err);
    ck_assert_int_eq(rc, KN_EIO);
    ck_assert_msg(strstr(s_err, path) == s_err, "error names not the path: %s", s_err);
    ck_assert_ptr_nonnull(strstr(s_err, "No such file or directory"));

    snprintf(path, sizeof path, "%s/missing/report.html", s_dir);
    s_err[0] = '\0';
    rc = kn_report_html(path, &s_sc, &s_trad, &s_smart, s_err, sizeof s_err);
    ck_assert_int_eq(rc, KN_EIO);
    ck_assert_msg(strstr(s_err, path) == s_err, "error names not the path: %s", s_err);

    /* a directory where the file should be: the rename fails, nothing is left */
    snprintf(path, sizeof path, "%s/report.html", s_dir);
    ck_assert_int_eq(mkdir(path, 0755), 0);
    s_err[0] = '\0';
    rc = kn_report_html(path, &s_sc, &s_trad, &s_smart, s_err, sizeof s_err);
    ck_assert_int_eq(rc, KN_EIO);
    ck_assert_msg(strstr(s_err, path) == s_err, "error names not the path: %s", s_err);
    DIR *d = opendir(s_dir);
    ck_assert_ptr_nonnull(d);
    for (struct dirent *e; (e = readdir(d));)
        ck_assert_msg(!strstr(e->d_name, ".tmp"), "left behind: %s", e->d_name);
    closedir(d);
}
END_TEST

Suite *kn_test_report_suite(void)
{
    Suite *s = suite_create("report");
    TCase *tc = tcase_create("table");
    tcase_add_checked_fixture(tc, s_setup, s_teardown);
    tcase_add_test(tc, test_table_changes);
    tcase_add_test(tc, test_table_aligned);
    tcase_add_test(tc, test_table_no_imports);
    suite_add_tcase(s, tc);

    tc = tcase_create("json");
    tcase_add_checked_fixture(tc, s_setup, s_teardown);
    tcase_add_test(tc, test_json_figures);
    tcase_add_test(tc, test_json_no_imports);
    suite_add_tcase(s, tc);

    tc = tcase_create("html");
    tcase_add_checked_fixture(tc, s_setup, s_teardown);
    tcase_add_test(tc, test_html_content);
    tcase_add_test(tc, test_html_no_imports);
    suite_add_tcase(s, tc);

    tc = tcase_create("errors");
    tcase_add_checked_fixture(tc, s_setup, s_teardown);
    tcase_add_test(tc, test_unwritable);
    suite_add_tcase(s, tc);
    return s;
}
