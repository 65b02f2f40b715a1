/* kouan — DMN TCK test cases and table summaries (see dmn_tck.h). */
#include "dmn_tck.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "arena.h"

#define S_TCK_NS "http://www.omg.org/spec/DMN/20160719/testcase"
#define S_XSI_NS "http://www.w3.org/2001/XMLSchema-instance"
/* Largest case file read. */
#define S_MAX_FILE (16u << 20)
/* Deepest nesting of components and lists followed. */
#define S_MAX_DEPTH 16
/* Longest "expected …" or "got …" text printed. */
#define S_SHOW_MAX 1024
/* Relative tolerance when comparing numbers (sums of decimals). */
#define S_NUM_EPS 1e-9

/* An expected value or an input value from the case file. */
typedef enum { S_TV_NIL = 0, S_TV_VALUE, S_TV_LIST, S_TV_COMPONENTS } s_tv_kind_t;

typedef struct s_tv {
    s_tv_kind_t kind;     /* what this holds */
    const char *name;     /* component name (components only) */
    const char *xsi_type; /* VALUE: local part of xsi:type, or NULL */
    const char *text;     /* VALUE: the element text, untrimmed */
    struct s_tv *items;   /* LIST items or COMPONENTS parts */
    size_t n;             /* entries in items */
} s_tv_t;

/* An input of the case, flattened to a dotted name. */
typedef struct s_input {
    const char *path;    /* "box.reefer" */
    const s_tv_t *value; /* VALUE, NIL or LIST */
    struct s_input *next;
} s_input_t;

/* Text being built for a report line; cut at S_SHOW_MAX. */
typedef struct {
    char buf[S_SHOW_MAX];
    size_t len;
} s_str_t;

static void s_add(s_str_t *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void s_add(s_str_t *s, const char *fmt, ...)
{
    if (s->len + 1 >= sizeof s->buf)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(s->buf + s->len, sizeof s->buf - s->len, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    s->len += (size_t)n;
    if (s->len >= sizeof s->buf) {
        s->len = sizeof s->buf - 1;
        memcpy(s->buf + s->len - 3, "...", 3);
    }
}

static void s_add_value(s_str_t *s, const kn_feel_value_t *v)
{
    char buf[S_SHOW_MAX];
    kn_feel_value_format(v, buf, sizeof buf);
    s_add(s, "%s", buf);
}

static bool s_is(const xmlNode *n, const char *name)
{
    return n && n->type == XML_ELEMENT_NODE && n->ns && n->ns->href &&
           strcmp((const char *)n->ns->href, S_TCK_NS) == 0 &&
           strcmp((const char *)n->name, name) == 0;
}

/* Attribute (no namespace) copied into the arena, or NULL. */
static const char *s_attr(kn_arena_t *arena, const xmlNode *n, const char *name, bool *nomem)
{
    xmlChar *v = xmlGetNoNsProp(n, (const xmlChar *)name);
    if (!v)
        return NULL;
    char *copy = kn_arena_strdup(arena, (const char *)v);
    xmlFree(v);
    if (!copy)
        *nomem = true;
    return copy;
}

static bool s_xsi_nil(const xmlNode *n)
{
    xmlChar *v = xmlGetNsProp(n, (const xmlChar *)"nil", (const xmlChar *)S_XSI_NS);
    bool nil = v && (strcmp((const char *)v, "true") == 0 || strcmp((const char *)v, "1") == 0);
    if (v)
        xmlFree(v);
    return nil;
}

/* Read a valueType element (inputNode, expected, item, component) into *tv.
 * Returns false on no memory or nesting too deep. */
static bool s_read_tv(kn_arena_t *arena, const xmlNode *n, s_tv_t *tv, int depth)
{
    bool nomem = false;
    memset(tv, 0, sizeof *tv);
    if (depth > S_MAX_DEPTH)
        return false;
    if (s_xsi_nil(n))
        return true;
    size_t n_comp = 0;
    for (const xmlNode *c = n->children; c; c = c->next)
        n_comp += s_is(c, "component");
    if (n_comp) {
        tv->kind = S_TV_COMPONENTS;
        tv->items = kn_arena_calloc(arena, n_comp, sizeof *tv->items);
        if (!tv->items)
            return false;
        for (const xmlNode *c = n->children; c; c = c->next) {
            if (!s_is(c, "component"))
                continue;
            s_tv_t *part = &tv->items[tv->n++];
            if (!s_read_tv(arena, c, part, depth + 1))
                return false;
            part->name = s_attr(arena, c, "name", &nomem);
            if (nomem)
                return false;
            if (!part->name)
                part->name = "";
        }
        return true;
    }
    for (const xmlNode *c = n->children; c; c = c->next) {
        if (s_is(c, "value")) {
            if (s_xsi_nil(c))
                return true;
            tv->kind = S_TV_VALUE;
            xmlChar *type = xmlGetNsProp(c, (const xmlChar *)"type", (const xmlChar *)S_XSI_NS);
            if (type) {
                const char *local = strchr((const char *)type, ':');
                tv->xsi_type = kn_arena_strdup(arena, local ? local + 1 : (const char *)type);
                xmlFree(type);
                if (!tv->xsi_type)
                    return false;
            }
            xmlChar *text = xmlNodeGetContent(c);
            tv->text = kn_arena_strdup(arena, text ? (const char *)text : "");
            if (text)
                xmlFree(text);
            return tv->text != NULL;
        }
        if (s_is(c, "list")) {
            if (s_xsi_nil(c))
                return true;
            size_t k = 0;
            for (const xmlNode *i = c->children; i; i = i->next)
                k += s_is(i, "item");
            tv->kind = S_TV_LIST;
            tv->items = kn_arena_calloc(arena, k ? k : 1, sizeof *tv->items);
            if (!tv->items)
                return false;
            for (const xmlNode *i = c->children; i; i = i->next)
                if (s_is(i, "item") && !s_read_tv(arena, i, &tv->items[tv->n++], depth + 1))
                    return false;
            return true;
        }
    }
    return true; /* no value at all: null */
}

/* Flatten an input into dotted names, prepending to *list. */
static bool s_flatten(kn_arena_t *arena, const char *path, const s_tv_t *tv, s_input_t **list,
                      int depth)
{
    if (depth > S_MAX_DEPTH)
        return false;
    if (tv->kind == S_TV_COMPONENTS) {
        for (size_t i = 0; i < tv->n; i++) {
            const char *sub = kn_arena_printf(arena, "%s.%s", path, tv->items[i].name);
            if (!sub || !s_flatten(arena, sub, &tv->items[i], list, depth + 1))
                return false;
        }
        return true;
    }
    s_input_t *in = kn_arena_alloc(arena, sizeof *in);
    if (!in)
        return false;
    in->path = path;
    in->value = tv;
    in->next = *list;
    *list = in;
    return true;
}

static const char *s_trim(const char *s, size_t *len)
{
    size_t n = strlen(s);
    while (n && (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r'))
        s++, n--;
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\n' || s[n - 1] == '\r'))
        n--;
    *len = n;
    return s;
}

/* Convert a VALUE (or NIL) to a FEEL value; hint is the type wanted when the
 * file gives no xsi:type.  Returns NULL on success, else why not. */
static const char *s_convert(const s_tv_t *tv, kn_feel_type_t hint, kn_feel_value_t *out)
{
    static const char *const numbers[] = {"decimal",
                                          "double",
                                          "float",
                                          "integer",
                                          "int",
                                          "long",
                                          "short",
                                          "byte",
                                          "nonNegativeInteger",
                                          "positiveInteger",
                                          "negativeInteger",
                                          "nonPositiveInteger",
                                          "unsignedInt",
                                          "unsignedLong",
                                          "unsignedShort",
                                          "unsignedByte"};
    if (tv->kind == S_TV_NIL) {
        *out = kn_feel_null();
        return NULL;
    }
    if (tv->kind != S_TV_VALUE)
        return "a list or structure where a single value was expected";
    kn_feel_type_t type = hint;
    if (tv->xsi_type) {
        type = KN_FEEL_UNSET;
        if (strcmp(tv->xsi_type, "string") == 0)
            type = KN_FEEL_STRING;
        else if (strcmp(tv->xsi_type, "boolean") == 0)
            type = KN_FEEL_BOOL;
        else if (strcmp(tv->xsi_type, "date") == 0)
            type = KN_FEEL_DATE;
        else if (strcmp(tv->xsi_type, "dateTime") == 0)
            type = KN_FEEL_DATETIME;
        for (size_t i = 0; i < sizeof numbers / sizeof numbers[0] && type == KN_FEEL_UNSET; i++)
            if (strcmp(tv->xsi_type, numbers[i]) == 0)
                type = KN_FEEL_NUMBER;
        if (type == KN_FEEL_UNSET)
            return "unsupported xsi:type";
    }
    size_t len;
    const char *s = s_trim(tv->text, &len);
    switch (type) {
    case KN_FEEL_NUMBER: {
        double d;
        if (kn_feel_number_parse(s, len, &d) < 0)
            return "not a number";
        *out = kn_feel_number(d);
        return NULL;
    }
    case KN_FEEL_BOOL:
        if ((len == 4 && memcmp(s, "true", 4) == 0) || (len == 1 && *s == '1'))
            *out = kn_feel_bool(true);
        else if ((len == 5 && memcmp(s, "false", 5) == 0) || (len == 1 && *s == '0'))
            *out = kn_feel_bool(false);
        else
            return "not a boolean";
        return NULL;
    case KN_FEEL_DATE:
        return kn_feel_date_parse(s, len, out) < 0 ? "not a date" : NULL;
    case KN_FEEL_DATETIME:
        return kn_feel_datetime_parse(s, len, out) < 0 ? "not a date and time" : NULL;
    default:
        *out = kn_feel_string(tv->text);
        return NULL;
    }
}

static bool s_value_matches(const s_tv_t *e, const kn_feel_value_t *v)
{
    kn_feel_value_t want;
    if (e->kind != S_TV_VALUE && e->kind != S_TV_NIL)
        return false;
    if (s_convert(e, v->type, &want))
        return false;
    if (want.type == KN_FEEL_NUMBER && v->type == KN_FEEL_NUMBER) {
        double d = fabs(want.as.n - v->as.n);
        return d <= S_NUM_EPS * fmax(1.0, fmax(fabs(want.as.n), fabs(v->as.n)));
    }
    return kn_feel_value_equal(&want, v);
}

static void s_show_tv(s_str_t *s, const s_tv_t *tv, int depth)
{
    kn_feel_value_t v;
    if (depth > S_MAX_DEPTH)
        return;
    switch (tv->kind) {
    case S_TV_NIL:
        s_add(s, "null");
        break;
    case S_TV_VALUE:
        if (s_convert(tv, KN_FEEL_STRING, &v) == NULL)
            s_add_value(s, &v);
        else
            s_add(s, "%s (%s)", tv->text, tv->xsi_type ? tv->xsi_type : "?");
        break;
    case S_TV_LIST:
    case S_TV_COMPONENTS:
        s_add(s, tv->kind == S_TV_LIST ? "[" : "{");
        for (size_t i = 0; i < tv->n; i++) {
            if (i)
                s_add(s, ", ");
            if (tv->kind == S_TV_COMPONENTS)
                s_add(s, "%s: ", tv->items[i].name);
            s_show_tv(s, &tv->items[i], depth + 1);
        }
        s_add(s, tv->kind == S_TV_LIST ? "]" : "}");
        break;
    }
}

static bool s_multi_row(const kn_dmn_table_t *t)
{
    kn_dmn_hit_policy_t p = kn_dmn_table_hit_policy(t);
    return (p == KN_DMN_RULE_ORDER || p == KN_DMN_OUTPUT_ORDER || p == KN_DMN_COLLECT) &&
           kn_dmn_table_aggregation(t) == KN_DMN_AGG_NONE;
}

static void s_show_row(s_str_t *s, const kn_dmn_result_t *r, size_t row)
{
    const kn_dmn_table_t *t = r->table;
    size_t n = kn_dmn_output_count(t);
    if (n == 1 || kn_dmn_table_aggregation(t) != KN_DMN_AGG_NONE) {
        s_add_value(s, kn_dmn_result_value(r, row, 0));
        return;
    }
    s_add(s, "{");
    for (size_t k = 0; k < n; k++) {
        s_add(s, "%s%s: ", k ? ", " : "", kn_dmn_output_name(t, k));
        s_add_value(s, kn_dmn_result_value(r, row, k));
    }
    s_add(s, "}");
}

static void s_show_result(s_str_t *s, const kn_dmn_result_t *r)
{
    if (r->status != KN_DMN_OK) {
        s_add(s, "error: %s", r->reason);
        return;
    }
    if (s_multi_row(r->table)) {
        s_add(s, "[");
        for (uint32_t i = 0; i < r->n_rows; i++) {
            if (i)
                s_add(s, ", ");
            s_show_row(s, r, i);
        }
        s_add(s, "]");
    } else if (r->n_rows == 0) {
        s_add(s, "null");
    } else {
        s_show_row(s, r, 0);
    }
}

static bool s_row_matches(const s_tv_t *e, const kn_dmn_result_t *r, size_t row)
{
    const kn_dmn_table_t *t = r->table;
    if (e->kind == S_TV_COMPONENTS) {
        for (size_t i = 0; i < e->n; i++) {
            int k = kn_dmn_output_index(t, e->items[i].name);
            if (k < 0 || kn_dmn_table_aggregation(t) != KN_DMN_AGG_NONE)
                return false;
            if (!s_value_matches(&e->items[i], kn_dmn_result_value(r, row, (size_t)k)))
                return false;
        }
        return true;
    }
    if (kn_dmn_output_count(t) != 1)
        return false;
    return s_value_matches(e, kn_dmn_result_value(r, row, 0));
}

static bool s_result_matches(const s_tv_t *e, const kn_dmn_result_t *r)
{
    if (r->status != KN_DMN_OK)
        return false;
    if (s_multi_row(r->table)) {
        if (e->kind == S_TV_NIL)
            return r->n_rows == 0; /* an empty list or null: both read as "nothing" */
        if (e->kind != S_TV_LIST || e->n != r->n_rows)
            return false;
        for (size_t i = 0; i < e->n; i++)
            if (!s_row_matches(&e->items[i], r, i))
                return false;
        return true;
    }
    if (r->n_rows == 0)
        return e->kind == S_TV_NIL;
    return s_row_matches(e, r, 0);
}

/* Evaluate one result node; on mismatch describe expected and got. */
static bool s_run_node(const kn_dmn_t *dmn, kn_arena_t *arena, const xmlNode *node,
                       const char *invocable, const s_input_t *inputs, s_str_t *expected,
                       s_str_t *got)
{
    bool nomem = false;
    const char *name = s_attr(arena, node, "name", &nomem);
    const char *error_attr = s_attr(arena, node, "errorResult", &nomem);
    bool want_error =
        error_attr && (strcmp(error_attr, "true") == 0 || strcmp(error_attr, "1") == 0);
    s_tv_t e = {0};
    kn_dmn_result_t r;

    if (nomem) {
        s_add(got, "error: out of memory");
        return false;
    }
    for (const xmlNode *c = node->children; c; c = c->next) {
        if (s_is(c, "expected") && !s_read_tv(arena, c, &e, 0)) {
            s_add(got, "error: cannot read the expected value");
            return false;
        }
    }
    if (want_error)
        s_add(expected, "an error");
    else
        s_show_tv(expected, &e, 0);

    const kn_dmn_table_t *t = name ? kn_dmn_find(dmn, name) : NULL;
    if (!t && invocable)
        t = kn_dmn_find(dmn, invocable);
    if (!t) {
        s_add(got, "error: no decision table named \"%s\"",
              name        ? name
              : invocable ? invocable
                          : "");
        return false;
    }
    size_t n = kn_dmn_input_count(t);
    kn_dmn_value_t *in = kn_arena_calloc(arena, n ? n : 1, sizeof *in);
    if (!in) {
        s_add(got, "error: out of memory");
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        in[i] = kn_feel_null();
        for (const s_input_t *p = inputs; p; p = p->next) {
            if (strcmp(p->path, kn_dmn_input_name(t, i)) != 0)
                continue;
            const char *why = s_convert(p->value, kn_dmn_input_type(t, i), &in[i]);
            if (why) {
                s_add(got, "error: input %s: %s", p->path, why);
                return false;
            }
            break;
        }
    }
    kn_dmn_eval(t, in, &r);
    s_show_result(got, &r);
    if (want_error)
        return r.status != KN_DMN_OK;
    return s_result_matches(&e, &r);
}

static int s_run_doc(const kn_dmn_t *dmn, xmlDocPtr doc, const char *position, FILE *out,
                     kn_dmn_tck_stats_t *stats, kn_error_t *err)
{
    kn_arena_t *arena = NULL;
    kn_dmn_tck_stats_t st = {0, 0};
    int rc = 0;
    unsigned index = 0;

    xmlNode *root = xmlDocGetRootElement(doc);
    if (!s_is(root, "testCases")) {
        rc = kn_error_set(err, KN_ESCHEMA, position,
                          "not a DMN TCK test case file: want <testCases> in %s", S_TCK_NS);
        fprintf(out, "%s: %s\n", position, err->message);
        goto out;
    }
    arena = kn_arena_new(16384);
    if (!arena) {
        rc = kn_error_set(err, KN_ENOMEM, position, "out of memory");
        goto out;
    }
    for (xmlNode *tc = root->children; tc; tc = tc->next) {
        if (!s_is(tc, "testCase"))
            continue;
        bool nomem = false, pass = true, read_ok = true;
        unsigned nodes = 0, bad_nodes = 0;
        s_input_t *inputs = NULL;
        char fallback_id[32];

        index++;
        kn_arena_reset(arena);
        const char *id = s_attr(arena, tc, "id", &nomem);
        const char *invocable = s_attr(arena, tc, "invocableName", &nomem);
        const char *type = s_attr(arena, tc, "type", &nomem);
        if (nomem) {
            rc = kn_error_set(err, KN_ENOMEM, position, "out of memory");
            goto out;
        }
        snprintf(fallback_id, sizeof fallback_id, "#%u", index);
        if (!id || !*id)
            id = fallback_id;
        for (xmlNode *c = tc->children; c && read_ok; c = c->next) {
            if (!s_is(c, "inputNode"))
                continue;
            s_tv_t *tv = kn_arena_alloc(arena, sizeof *tv);
            const char *name = s_attr(arena, c, "name", &nomem);
            read_ok = tv && !nomem && name && s_read_tv(arena, c, tv, 0) &&
                      s_flatten(arena, name, tv, &inputs, 0);
        }
        for (xmlNode *c = tc->children; c; c = c->next)
            nodes += s_is(c, "resultNode");
        for (xmlNode *c = tc->children; c; c = c->next) {
            if (!s_is(c, "resultNode"))
                continue;
            s_str_t *e = kn_arena_alloc(arena, sizeof *e), *g = kn_arena_alloc(arena, sizeof *g);
            if (!e || !g) {
                rc = kn_error_set(err, KN_ENOMEM, position, "out of memory");
                goto out;
            }
            e->len = g->len = 0;
            e->buf[0] = g->buf[0] = '\0';
            bool ok;
            if (!read_ok) {
                s_add(g, "error: cannot read the inputs");
                ok = false;
            } else if (type && strcmp(type, "decision") != 0) {
                s_add(g, "error: test case type \"%s\" is not supported", type);
                ok = false;
            } else {
                ok = s_run_node(dmn, arena, c, invocable, inputs, e, g);
            }
            if (!ok && bad_nodes++ == 0) {
                pass = false;
                xmlChar *node_name = xmlGetNoNsProp(c, (const xmlChar *)"name");
                fprintf(out, "FAIL %s", id);
                if (nodes > 1)
                    fprintf(out, " [%s]", node_name ? (const char *)node_name : "?");
                fprintf(out, " expected %s got %s\n", e->buf, g->buf);
                if (node_name)
                    xmlFree(node_name);
            }
        }
        if (nodes == 0) {
            pass = false;
            fprintf(out, "FAIL %s expected a resultNode got none\n", id);
        }
        if (pass) {
            st.passed++;
            fprintf(out, "PASS %s\n", id);
        } else {
            st.failed++;
        }
    }
    fprintf(out, "%u passed, %u failed\n", st.passed, st.failed);
    rc = (int)st.failed;
out:
    if (stats)
        *stats = st;
    kn_arena_destroy(&arena);
    return rc;
}

int kn_dmn_tck_run_memory(const kn_dmn_t *dmn, const char *buf, size_t len, const char *name,
                          FILE *out, kn_dmn_tck_stats_t *stats, kn_error_t *err)
{
    xmlDocPtr doc = NULL;
    char position[sizeof err->position];
    int rc;

    if (stats)
        stats->passed = stats->failed = 0;
    snprintf(position, sizeof position, "dmn tck: %s", name ? name : "<memory>");
    rc = kn__dmn_xml_parse(buf, len, position, &doc, err);
    if (rc < 0) {
        fprintf(out, "%s: %s\n", position, err->message);
        goto out;
    }
    rc = s_run_doc(dmn, doc, position, out, stats, err);
out:
    if (doc)
        xmlFreeDoc(doc);
    return rc;
}

/* Read a whole regular file of at most S_MAX_FILE bytes into *buf (malloc'd). */
static int s_read_file(const char *path, const char *position, char **buf, size_t *len,
                       kn_error_t *err)
{
    FILE *f = NULL;
    struct stat st;
    int rc = 0;

    *buf = NULL;
    f = fopen(path, "rb");
    if (!f) {
        rc = kn_error_set(err, KN_EIO, position, "cannot open: %s", strerror(errno));
        goto out;
    }
    if (fstat(fileno(f), &st) < 0 || !S_ISREG(st.st_mode)) {
        rc = kn_error_set(err, KN_EIO, position, "not a regular file");
        goto out;
    }
    if ((uintmax_t)st.st_size > S_MAX_FILE) {
        rc = kn_error_set(err, KN_ETOOBIG, position, "file too large: %jd bytes, the limit is %u",
                          (intmax_t)st.st_size, S_MAX_FILE);
        goto out;
    }
    *len = (size_t)st.st_size;
    *buf = malloc(*len ? *len : 1);
    if (!*buf) {
        rc = kn_error_set(err, KN_ENOMEM, position, "out of memory");
        goto out;
    }
    if (fread(*buf, 1, *len, f) != *len) {
        rc = kn_error_set(err, KN_EIO, position, "cannot read: short read");
        free(*buf);
        *buf = NULL;
        goto out;
    }
out:
    if (f)
        fclose(f);
    return rc;
}

int kn_dmn_tck_run_file(const kn_dmn_t *dmn, const char *cases_path, FILE *out,
                        kn_dmn_tck_stats_t *stats, kn_error_t *err)
{
    char *buf = NULL;
    size_t len = 0;
    char position[sizeof err->position];
    int rc;

    if (stats)
        stats->passed = stats->failed = 0;
    snprintf(position, sizeof position, "dmn tck: %s", cases_path);
    rc = s_read_file(cases_path, position, &buf, &len, err);
    if (rc < 0) {
        fprintf(out, "%s: %s\n", err->position, err->message);
        goto out;
    }
    rc = kn_dmn_tck_run_memory(dmn, buf, len, cases_path, out, stats, err);
out:
    free(buf);
    return rc;
}

int kn_dmn_tck_test_files(const char *dmn_path, const char *cases_path, FILE *out,
                          kn_dmn_tck_stats_t *stats, kn_error_t *err)
{
    char text[sizeof err->position + sizeof err->message + 4];
    int rc;

    if (stats)
        stats->passed = stats->failed = 0;
    kn_dmn_t *dmn = kn_dmn_load_file(dmn_path, err);
    if (!dmn) {
        fprintf(out, "%s\n", kn_error_text(err, text, sizeof text));
        rc = err->code < 0 ? err->code : KN_EINVAL;
        goto out;
    }
    rc = kn_dmn_tck_run_file(dmn, cases_path, out, stats, err);
out:
    kn_dmn_destroy(&dmn);
    return rc;
}

static const char *s_type_name(kn_feel_type_t t)
{
    return t == KN_FEEL_UNSET ? "any" : kn_feel_type_name(t);
}

int kn_dmn_check_file(const char *path, FILE *out, kn_error_t *err)
{
    char text[sizeof err->position + sizeof err->message + 4];
    int rc = 0;

    kn_dmn_t *dmn = kn_dmn_load_file(path, err);
    if (!dmn) {
        fprintf(out, "%s\n", kn_error_text(err, text, sizeof text));
        rc = err->code < 0 ? err->code : KN_EINVAL;
        goto out;
    }
    size_t n = kn_dmn_table_count(dmn);
    fprintf(out, "dmn: %s: DMN %s, %zu decision table%s\n", kn_dmn_name(dmn), kn_dmn_version(dmn),
            n, n == 1 ? "" : "s");
    for (size_t i = 0; i < n; i++) {
        const kn_dmn_table_t *t = kn_dmn_table_at(dmn, i);
        kn_dmn_hit_policy_t p = kn_dmn_table_hit_policy(t);
        kn_dmn_aggregation_t a = kn_dmn_table_aggregation(t);
        size_t ni = kn_dmn_input_count(t), no = kn_dmn_output_count(t), nr = kn_dmn_rule_count(t);
        fprintf(out,
                "table %s (id %s): hit policy %s (%s), %zu input%s, %zu output%s, %zu rule%s\n",
                kn_dmn_table_name(t), *kn_dmn_table_id(t) ? kn_dmn_table_id(t) : "none",
                kn_dmn_hit_policy_name(p, a), kn_dmn_hit_policy_letter(p, a), ni,
                ni == 1 ? "" : "s", no, no == 1 ? "" : "s", nr, nr == 1 ? "" : "s");
        for (size_t k = 0; k < kn_dmn_input_count(t); k++)
            fprintf(out, "  input %zu %s: %s\n", k + 1, kn_dmn_input_name(t, k),
                    s_type_name(kn_dmn_input_type(t, k)));
        for (size_t k = 0; k < kn_dmn_output_count(t); k++)
            fprintf(out, "  output %zu %s: %s\n", k + 1, kn_dmn_output_name(t, k),
                    s_type_name(kn_dmn_output_type(t, k)));
    }
out:
    kn_dmn_destroy(&dmn);
    return rc;
}
