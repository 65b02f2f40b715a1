/* kouan — DMN decision tables: load, compile, evaluate (see dmn.h). */
#include "dmn.h"

#include <assert.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "arena.h"
#include "log.h"

/* Largest DMN or test-case file read: tables are written by people. */
#define S_MAX_FILE (16u << 20)
/* Most input or output columns in one table. */
#define S_MAX_COLUMNS 1024u
/* Most rules in one table. */
#define S_MAX_RULES 100000u
/* Deepest itemDefinition chain followed to reach a simple type. */
#define S_MAX_TYPE_DEPTH 8
/* Longest file name kept for messages (the tail is kept). */
#define S_MAX_SHOWN_NAME 72

static const struct {
    const char *uri;
    const char *version;
} s_namespaces[] = {
    {"http://www.omg.org/spec/DMN/20151101/dmn.xsd", "1.1"},
    {"http://www.omg.org/spec/DMN/20180521/MODEL/", "1.2"},
    {"https://www.omg.org/spec/DMN/20191111/MODEL/", "1.3"},
    {"https://www.omg.org/spec/DMN/20211108/MODEL/", "1.4"},
    {"https://www.omg.org/spec/DMN/20230324/MODEL/", "1.5"},
};

typedef struct {
    const char *name;               /* the input expression: a name or dotted path */
    kn_feel_type_t type;            /* declared or inferred; KN_FEEL_UNSET accepts any */
    bool declared;                  /* type comes from a typeRef, not from the cells */
    const kn_feel_tests_t *allowed; /* inputValues / allowedValues, or NULL */
} s_input_t;

typedef struct {
    const char *name;              /* output name, the result component */
    kn_feel_type_t type;           /* declared type; KN_FEEL_UNSET when any */
    const kn_feel_value_t *values; /* outputValues in priority order, or NULL */
    uint32_t n_values;             /* entries in values */
    kn_feel_value_t def;           /* defaultOutputEntry, or null */
} s_output_t;

typedef struct {
    uint32_t input;               /* column tested */
    const kn_feel_value_t *equal; /* the literal when the entry is just one, else NULL */
    const kn_feel_tests_t *tests; /* compiled input entry, never "-" */
} s_cell_t;

typedef struct {
    const char *id;                 /* rule id attribute, or NULL */
    uint32_t first_cell;            /* index of its first cell in table->cells */
    uint32_t n_cells;               /* cells that are not "-" */
    const kn_feel_value_t *outputs; /* one per output column */
    const uint32_t *prio;           /* P and O: rank of each output in its outputValues */
    uint32_t out_class;             /* A: rules with equal outputs share a class */
} s_rule_t;

struct kn_dmn_table {
    const kn_dmn_t *model;      /* owner */
    const char *id;             /* decision id, "" when none */
    const char *name;           /* decision name, else its id */
    kn_dmn_hit_policy_t policy; /* hit policy */
    kn_dmn_aggregation_t agg;   /* aggregation under COLLECT */
    bool has_default;           /* some output has a defaultOutputEntry */
    uint32_t n_inputs;          /* input columns */
    uint32_t n_outputs;         /* output columns */
    uint32_t n_rules;           /* rules */
    s_input_t *inputs;          /* input columns */
    s_output_t *outputs;        /* output columns */
    s_rule_t *rules;            /* rules in table order */
    s_cell_t *cells;            /* every rule's non-"-" cells, rule after rule */
    kn_feel_value_t *defaults;  /* defaultOutputEntry per output (null when absent) */
};

struct kn_dmn {
    kn_arena_t *arena;      /* every table, string and test */
    const char *name;       /* file name as given */
    const char *version;    /* "1.1" … "1.5" */
    uint32_t n_tables;      /* decision tables */
    kn_dmn_table_t *tables; /* in file order */
};

/* ----------------------------------------------------------------- XML */

static const char *s_memfind(const char *hay, size_t n, const char *needle)
{
    size_t m = strlen(needle);
    if (m == 0 || n < m)
        return NULL;
    for (size_t i = 0; i + m <= n; i++)
        if (hay[i] == needle[0] && memcmp(hay + i, needle, m) == 0)
            return hay + i;
    return NULL;
}

/* Swallows what libxml2 prints outside the parser context (encoding errors);
 * the context's own errors are read back below. */
static void s_xml_quiet(void *ctx, const char *msg, ...)
{
    (void)ctx;
    (void)msg;
}

int kn__dmn_xml_parse(const char *buf, size_t len, const char *position, struct _xmlDoc **doc,
                      kn_error_t *err)
{
    xmlParserCtxtPtr ctxt = NULL;
    xmlDocPtr d = NULL;
    xmlGenericErrorFunc saved_func = NULL;
    void *saved_ctx = NULL;
    bool quiet = false;
    int rc = 0;

    *doc = NULL;
    if (len > S_MAX_FILE) {
        rc = kn_error_set(err, KN_ETOOBIG, position, "file too large: %zu bytes, the limit is %u",
                          len, S_MAX_FILE);
        goto out;
    }
    /* Refuse DTDs before libxml2 sees them: no entity can then be declared,
     * expanded or fetched.  The check after parsing catches other encodings. */
    if (s_memfind(buf, len, "<!DOCTYPE") || s_memfind(buf, len, "<!ENTITY")) {
        rc = kn_error_set(err, KN_EXML, position, "document type declaration refused");
        goto out;
    }
    xmlInitParser();
    /* Other modules may use libxml2 too: restore their handler afterwards. */
    saved_func = xmlGenericError;
    saved_ctx = xmlGenericErrorContext;
    xmlSetGenericErrorFunc(NULL, s_xml_quiet);
    quiet = true;
    ctxt = xmlNewParserCtxt();
    if (!ctxt) {
        rc = kn_error_set(err, KN_ENOMEM, position, "out of memory");
        goto out;
    }
    d = xmlCtxtReadMemory(ctxt, buf, (int)len, NULL, NULL,
                          XML_PARSE_NONET | XML_PARSE_NOBLANKS | XML_PARSE_NOERROR |
                              XML_PARSE_NOWARNING);
    if (!d) {
        xmlErrorPtr e = xmlCtxtGetLastError(ctxt);
        char msg[200] = "unknown error";
        int line = 0;
        if (e && e->message) {
            snprintf(msg, sizeof msg, "%s", e->message);
            size_t n = strlen(msg);
            while (n && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
                msg[--n] = '\0';
            line = e->line;
        }
        rc = kn_error_set(err, KN_EXML, position, "xml not well formed: line %d: %s", line, msg);
        goto out;
    }
    if (d->intSubset || d->extSubset) {
        rc = kn_error_set(err, KN_EXML, position, "document type declaration refused");
        goto out;
    }
    *doc = d;
    d = NULL;
out:
    if (d)
        xmlFreeDoc(d);
    if (ctxt)
        xmlFreeParserCtxt(ctxt);
    if (quiet)
        xmlSetGenericErrorFunc(saved_ctx, saved_func);
    return rc;
}

/* ----------------------------------------------------------- compiling */

typedef struct {
    const char *name;     /* itemDefinition or inputData name */
    const char *type_ref; /* its typeRef, or NULL (a structure) */
    const char *allowed;  /* allowedValues text, or NULL */
} s_typedef_t;

typedef struct {
    kn_arena_t *arena;    /* the model's arena */
    const char *file;     /* file name as shown in messages */
    const char *ns;       /* the document's DMN namespace */
    const char *decision; /* decision named in messages when the file has several */
    kn_error_t *err;      /* where errors go */
    s_typedef_t *items;   /* itemDefinitions */
    size_t n_items;
    s_typedef_t *data; /* inputData variables */
    size_t n_data;
} s_ctx_t;

/* Fill c->err: position "dmn: FILE: [decision D: ]WHERE", message from fmt. */
static int s_err(s_ctx_t *c, int code, const char *where, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int s_err(s_ctx_t *c, int code, const char *where, const char *fmt, ...)
{
    char pos[sizeof c->err->position];
    char msg[sizeof c->err->message];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    snprintf(pos, sizeof pos, "dmn: %s%s%s%s%s", c->file, c->decision ? ": decision " : "",
             c->decision ? c->decision : "", where ? ": " : "", where ? where : "");
    return kn_error_set(c->err, code, pos, "%s", msg);
}

static bool s_is(const xmlNode *n, const char *ns, const char *name)
{
    return n && n->type == XML_ELEMENT_NODE && n->ns && n->ns->href &&
           strcmp((const char *)n->ns->href, ns) == 0 && strcmp((const char *)n->name, name) == 0;
}

static xmlNode *s_child(const xmlNode *parent, const char *ns, const char *name)
{
    for (xmlNode *n = parent->children; n; n = n->next)
        if (s_is(n, ns, name))
            return n;
    return NULL;
}

static uint32_t s_count(const xmlNode *parent, const char *ns, const char *name)
{
    uint32_t k = 0;
    for (xmlNode *n = parent->children; n; n = n->next)
        k += s_is(n, ns, name);
    return k;
}

/* Attribute name of n copied into the arena; NULL when absent.  *nomem is set
 * when the copy fails. */
static const char *s_attr(s_ctx_t *c, const xmlNode *n, const char *name, bool *nomem)
{
    xmlChar *v = xmlGetNoNsProp(n, (const xmlChar *)name);
    if (!v)
        return NULL;
    char *copy = kn_arena_strdup(c->arena, (const char *)v);
    xmlFree(v);
    if (!copy)
        *nomem = true;
    return copy;
}

/* Text content of n copied into the arena ("" for an empty element). */
static const char *s_content(s_ctx_t *c, const xmlNode *n, bool *nomem)
{
    xmlChar *v = xmlNodeGetContent(n);
    char *copy = kn_arena_strdup(c->arena, v ? (const char *)v : "");
    if (v)
        xmlFree(v);
    if (!copy)
        *nomem = true;
    return copy;
}

/* Content of n's <text> child; NULL when n is NULL or has none. */
static const char *s_text(s_ctx_t *c, const xmlNode *n, bool *nomem)
{
    if (!n)
        return NULL;
    xmlNode *t = s_child(n, c->ns, "text");
    return t ? s_content(c, t, nomem) : NULL;
}

/* "4 (r4)" or "4" for messages. */
static const char *s_rule_label(char *buf, size_t size, uint32_t index1, const char *id)
{
    if (id && *id)
        snprintf(buf, size, "%u (%s)", index1, id);
    else
        snprintf(buf, size, "%u", index1);
    return buf;
}

/* A name or dotted path: letters, digits, _ ? ' and inner spaces; segments
 * joined by single dots. */
static bool s_valid_name(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || s[0] == '.' || s[n - 1] == '.' || s[0] == ' ' || s[n - 1] == ' ')
        return false;
    if (s[0] >= '0' && s[0] <= '9')
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                  (ch >= '0' && ch <= '9') || ch == '_' || ch == '?' || ch == '\'' || ch == ' ' ||
                  ch == '.' || ch >= 0x80;
        if (!ok)
            return false;
        if (ch == '.' && (s[i + 1] == '.' || s[i + 1] == ' ' || s[i - 1] == ' '))
            return false;
    }
    return true;
}

/* Trimmed copy of s in the arena. */
static const char *s_trimmed(s_ctx_t *c, const char *s, bool *nomem)
{
    size_t n = strlen(s);
    while (n && (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r'))
        s++, n--;
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\n' || s[n - 1] == '\r'))
        n--;
    char *copy = kn_arena_strndup(c->arena, s, n);
    if (!copy)
        *nomem = true;
    return copy;
}

static const s_typedef_t *s_find_typedef(const s_typedef_t *list, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (list[i].name && strcmp(list[i].name, name) == 0)
            return &list[i];
    return NULL;
}

/* Collect itemDefinitions and inputData variables of the definitions. */
static int s_collect_typedefs(s_ctx_t *c, const xmlNode *root)
{
    bool nomem = false;
    uint32_t ni = s_count(root, c->ns, "itemDefinition"), nd = s_count(root, c->ns, "inputData");
    c->items = kn_arena_calloc(c->arena, ni ? ni : 1, sizeof *c->items);
    c->data = kn_arena_calloc(c->arena, nd ? nd : 1, sizeof *c->data);
    if (!c->items || !c->data)
        return s_err(c, KN_ENOMEM, NULL, "out of memory");
    for (xmlNode *n = root->children; n; n = n->next) {
        if (s_is(n, c->ns, "itemDefinition")) {
            s_typedef_t *t = &c->items[c->n_items++];
            t->name = s_attr(c, n, "name", &nomem);
            xmlNode *tr = s_child(n, c->ns, "typeRef");
            const char *raw = tr ? s_content(c, tr, &nomem) : NULL;
            t->type_ref = raw ? s_trimmed(c, raw, &nomem) : NULL;
            t->allowed = s_text(c, s_child(n, c->ns, "allowedValues"), &nomem);
        } else if (s_is(n, c->ns, "inputData")) {
            s_typedef_t *t = &c->data[c->n_data++];
            t->name = s_attr(c, n, "name", &nomem);
            xmlNode *v = s_child(n, c->ns, "variable");
            t->type_ref = v ? s_attr(c, v, "typeRef", &nomem) : NULL;
        }
        if (nomem)
            return s_err(c, KN_ENOMEM, NULL, "out of memory");
    }
    return 0;
}

/* Resolve a typeRef to a simple type through itemDefinitions.  *allowed gets
 * the first allowedValues text met on the way (when not set already). */
static int s_resolve_type(s_ctx_t *c, const char *where, const char *type_ref, kn_feel_type_t *type,
                          const char **allowed)
{
    const char *ref = type_ref;
    *type = KN_FEEL_UNSET;
    for (int depth = 0; ref && depth < S_MAX_TYPE_DEPTH; depth++) {
        bool any;
        if (kn_feel_type_parse(ref, type, &any) == 0)
            return 0;
        const s_typedef_t *t = s_find_typedef(c->items, c->n_items, ref);
        if (!t)
            return s_err(c, KN_ESCHEMA, where, "unknown typeRef \"%s\"", ref);
        if (!t->type_ref)
            return s_err(c, KN_ESCHEMA, where,
                         "typeRef \"%s\" is a structure, only simple types are supported", ref);
        if (allowed && !*allowed && t->allowed)
            *allowed = t->allowed;
        ref = t->type_ref;
    }
    if (ref)
        return s_err(c, KN_ESCHEMA, where, "typeRef \"%s\" nests too deeply", type_ref);
    return 0;
}

/* Compile unary tests; a failure names where. */
static int s_tests(s_ctx_t *c, const char *where, const char *text, const kn_feel_tests_t **out)
{
    kn_error_t e = {0};
    int rc = kn_feel_tests_compile(c->arena, text, strlen(text), out, &e);
    if (rc < 0)
        return s_err(c, rc, where, "%s", e.message);
    return 0;
}

static int s_literal(s_ctx_t *c, const char *where, const char *text, kn_feel_value_t *out)
{
    kn_error_t e = {0};
    int rc = kn_feel_literal_parse(c->arena, text, strlen(text), out, &e);
    if (rc < 0)
        return s_err(c, rc, where, "%s", e.message);
    return 0;
}

static const char *s_fmt(const kn_feel_value_t *v, char *buf, size_t size)
{
    kn_feel_value_format(v, buf, size);
    return buf;
}

/* Check every literal of tests against a column type (inferring it when the
 * column has none yet) and, for = and != literals, against allowed values. */
static int s_check_cell(s_ctx_t *c, const char *where, const kn_feel_tests_t *tests, s_input_t *in,
                        const char *what)
{
    char buf[128];
    for (size_t i = 0; i < kn_feel_tests_count(tests); i++) {
        kn_feel_op_t op = kn_feel_tests_op(tests, i);
        for (int w = 0; w < 2; w++) {
            const kn_feel_value_t *v = kn_feel_tests_operand(tests, i, w);
            if (!v)
                continue;
            if (in->type == KN_FEEL_UNSET && !in->declared) {
                in->type = v->type;
            } else if (in->type != KN_FEEL_UNSET && v->type != in->type) {
                return s_err(c, KN_EPARSE, where, "%s is a %s but %s %s %s",
                             s_fmt(v, buf, sizeof buf), kn_feel_type_name(v->type), what,
                             in->declared ? "is declared" : "has cells of type",
                             kn_feel_type_name(in->type));
            }
            if (in->allowed && (op == KN_FEEL_OP_EQ || op == KN_FEEL_OP_NE) &&
                !kn_feel_tests_match(in->allowed, v))
                return s_err(c, KN_EPARSE, where, "%s is not among the input values",
                             s_fmt(v, buf, sizeof buf));
        }
    }
    return 0;
}

static int s_compile_input(s_ctx_t *c, const xmlNode *n, uint32_t index1, s_input_t *in)
{
    char where[96];
    bool nomem = false;
    const char *type_ref = NULL, *allowed_text = NULL;
    int rc;

    snprintf(where, sizeof where, "input %u", index1);
    xmlNode *expr = s_child(n, c->ns, "inputExpression");
    if (!expr)
        return s_err(c, KN_ESCHEMA, where, "no inputExpression");
    const char *raw = s_text(c, expr, &nomem);
    if (nomem)
        return s_err(c, KN_ENOMEM, where, "out of memory");
    if (!raw)
        return s_err(c, KN_ESCHEMA, where, "inputExpression has no text");
    in->name = s_trimmed(c, raw, &nomem);
    if (nomem)
        return s_err(c, KN_ENOMEM, where, "out of memory");
    if (!s_valid_name(in->name))
        return s_err(c, KN_EPARSE, where,
                     "input expression \"%.80s\" is not supported: only a name or a dotted path",
                     in->name);
    snprintf(where, sizeof where, "input %u (%.60s)", index1, in->name);
    type_ref = s_attr(c, expr, "typeRef", &nomem);
    if (!type_ref) {
        const s_typedef_t *d = s_find_typedef(c->data, c->n_data, in->name);
        type_ref = d ? d->type_ref : NULL;
    }
    if (nomem)
        return s_err(c, KN_ENOMEM, where, "out of memory");
    if ((rc = s_resolve_type(c, where, type_ref, &in->type, &allowed_text)) < 0)
        return rc;
    in->declared = in->type != KN_FEEL_UNSET;
    const char *values = s_text(c, s_child(n, c->ns, "inputValues"), &nomem);
    if (nomem)
        return s_err(c, KN_ENOMEM, where, "out of memory");
    if (values)
        allowed_text = values;
    if (allowed_text) {
        char vwhere[128];
        snprintf(vwhere, sizeof vwhere, "%s inputValues", where);
        const kn_feel_tests_t *t;
        if ((rc = s_tests(c, vwhere, allowed_text, &t)) < 0)
            return rc;
        if (!kn_feel_tests_is_any(t)) {
            if ((rc = s_check_cell(c, vwhere, t, in, "the input")) < 0)
                return rc;
            in->allowed = t;
        }
    }
    return 0;
}

static int s_compile_output(s_ctx_t *c, const xmlNode *n, uint32_t index1, uint32_t n_outputs,
                            const char *decision_name, s_output_t *out)
{
    char where[96], buf[128];
    bool nomem = false;
    int rc;

    snprintf(where, sizeof where, "output %u", index1);
    out->name = s_attr(c, n, "name", &nomem);
    if (!out->name || !*out->name) {
        if (n_outputs > 1)
            return s_err(c, KN_ESCHEMA, where,
                         "output has no name (a table with several outputs must name each)");
        out->name = decision_name;
    }
    snprintf(where, sizeof where, "output %u (%.60s)", index1, out->name);
    const char *type_ref = s_attr(c, n, "typeRef", &nomem);
    const char *allowed_text = NULL;
    if (nomem)
        return s_err(c, KN_ENOMEM, where, "out of memory");
    if ((rc = s_resolve_type(c, where, type_ref, &out->type, &allowed_text)) < 0)
        return rc;
    const char *values = s_text(c, s_child(n, c->ns, "outputValues"), &nomem);
    if (nomem)
        return s_err(c, KN_ENOMEM, where, "out of memory");
    if (!values)
        values = allowed_text;
    if (values) {
        char vwhere[128];
        const kn_feel_tests_t *t;
        snprintf(vwhere, sizeof vwhere, "%s outputValues", where);
        if ((rc = s_tests(c, vwhere, values, &t)) < 0)
            return rc;
        size_t k = kn_feel_tests_count(t);
        if (!kn_feel_tests_is_any(t)) {
            kn_feel_value_t *list = kn_arena_calloc(c->arena, k, sizeof *list);
            if (!list)
                return s_err(c, KN_ENOMEM, where, "out of memory");
            if (kn_feel_tests_negated(t))
                return s_err(c, KN_EPARSE, vwhere, "must be a list of values, not a not(…) test");
            for (size_t i = 0; i < k; i++) {
                const kn_feel_value_t *v = kn_feel_tests_operand(t, i, 0);
                if (kn_feel_tests_op(t, i) != KN_FEEL_OP_EQ || !v)
                    return s_err(c, KN_EPARSE, vwhere, "must be a list of values, not tests");
                if (out->type != KN_FEEL_UNSET && v->type != out->type)
                    return s_err(c, KN_EPARSE, vwhere, "%s is a %s but the output is declared %s",
                                 s_fmt(v, buf, sizeof buf), kn_feel_type_name(v->type),
                                 kn_feel_type_name(out->type));
                list[i] = *v;
            }
            out->values = list;
            out->n_values = (uint32_t)k;
        }
    }
    out->def = kn_feel_null();
    xmlNode *def = s_child(n, c->ns, "defaultOutputEntry");
    if (def) {
        char dwhere[128];
        snprintf(dwhere, sizeof dwhere, "%s defaultOutputEntry", where);
        const char *text = s_text(c, def, &nomem);
        if (nomem)
            return s_err(c, KN_ENOMEM, where, "out of memory");
        if ((rc = s_literal(c, dwhere, text ? text : "", &out->def)) < 0)
            return rc;
    }
    return 0;
}

/* Check an output literal against its column: type and outputValues. */
static int s_check_output(s_ctx_t *c, const char *where, const s_output_t *o,
                          const kn_feel_value_t *v)
{
    char buf[128];
    if (v->type == KN_FEEL_NULL)
        return 0;
    if (o->type != KN_FEEL_UNSET && v->type != o->type)
        return s_err(c, KN_EPARSE, where, "%s is a %s but the output is declared %s",
                     s_fmt(v, buf, sizeof buf), kn_feel_type_name(v->type),
                     kn_feel_type_name(o->type));
    if (o->values) {
        for (uint32_t i = 0; i < o->n_values; i++)
            if (kn_feel_value_equal(&o->values[i], v))
                return 0;
        return s_err(c, KN_EPARSE, where, "%s is not among the output values",
                     s_fmt(v, buf, sizeof buf));
    }
    return 0;
}

static int s_hit_policy(s_ctx_t *c, const char *hp, const char *agg, kn_dmn_table_t *t)
{
    static const struct {
        const char *name;
        const char *letter;
        kn_dmn_hit_policy_t policy;
    } policies[] = {
        {"UNIQUE", "U", KN_DMN_UNIQUE},         {"ANY", "A", KN_DMN_ANY},
        {"PRIORITY", "P", KN_DMN_PRIORITY},     {"FIRST", "F", KN_DMN_FIRST},
        {"RULE ORDER", "R", KN_DMN_RULE_ORDER}, {"OUTPUT ORDER", "O", KN_DMN_OUTPUT_ORDER},
        {"COLLECT", "C", KN_DMN_COLLECT},
    };
    static const struct {
        const char *name;
        const char *letter;
        kn_dmn_aggregation_t agg;
    } aggs[] = {
        {"SUM", "C+", KN_DMN_AGG_SUM},
        {"MIN", "C<", KN_DMN_AGG_MIN},
        {"MAX", "C>", KN_DMN_AGG_MAX},
        {"COUNT", "C#", KN_DMN_AGG_COUNT},
    };
    bool found = false;
    t->policy = KN_DMN_UNIQUE;
    t->agg = KN_DMN_AGG_NONE;
    if (hp) {
        for (size_t i = 0; i < sizeof policies / sizeof policies[0] && !found; i++) {
            if (strcmp(hp, policies[i].name) == 0 || strcmp(hp, policies[i].letter) == 0) {
                t->policy = policies[i].policy;
                found = true;
            }
        }
        for (size_t i = 0; i < sizeof aggs / sizeof aggs[0] && !found; i++) {
            if (strcmp(hp, aggs[i].letter) == 0) {
                t->policy = KN_DMN_COLLECT;
                t->agg = aggs[i].agg;
                found = true;
            }
        }
        if (!found)
            return s_err(c, KN_ESCHEMA, NULL, "unknown hit policy \"%.40s\"", hp);
    }
    if (agg) {
        found = false;
        for (size_t i = 0; i < sizeof aggs / sizeof aggs[0] && !found; i++) {
            if (strcmp(agg, aggs[i].name) == 0) {
                if (t->agg != KN_DMN_AGG_NONE && t->agg != aggs[i].agg)
                    return s_err(c, KN_ESCHEMA, NULL, "hit policy and aggregation disagree");
                t->agg = aggs[i].agg;
                found = true;
            }
        }
        if (!found)
            return s_err(c, KN_ESCHEMA, NULL, "unknown aggregation \"%.40s\"", agg);
        if (t->policy != KN_DMN_COLLECT)
            return s_err(c, KN_ESCHEMA, NULL, "aggregation %s needs hit policy COLLECT", agg);
    }
    return 0;
}

/* Lexicographic order of two rules' output ranks (P and O). */
static int s_prio_cmp(const kn_dmn_table_t *t, const s_rule_t *a, const s_rule_t *b)
{
    for (uint32_t k = 0; k < t->n_outputs; k++)
        if (a->prio[k] != b->prio[k])
            return a->prio[k] < b->prio[k] ? -1 : 1;
    return 0;
}

static int s_compile_rule(s_ctx_t *c, kn_dmn_table_t *t, const xmlNode *n, uint32_t r,
                          uint32_t *n_cells)
{
    char label[96], where[192];
    bool nomem = false;
    s_rule_t *rule = &t->rules[r];
    int rc;

    rule->id = s_attr(c, n, "id", &nomem);
    if (nomem)
        return s_err(c, KN_ENOMEM, NULL, "out of memory");
    s_rule_label(label, sizeof label, r + 1, rule->id);
    uint32_t ni = s_count(n, c->ns, "inputEntry"), no = s_count(n, c->ns, "outputEntry");
    if (ni != t->n_inputs) {
        snprintf(where, sizeof where, "rule %s", label);
        return s_err(c, KN_ESCHEMA, where, "%u input entries, the table has %u inputs", ni,
                     t->n_inputs);
    }
    if (no != t->n_outputs) {
        snprintf(where, sizeof where, "rule %s", label);
        return s_err(c, KN_ESCHEMA, where, "%u output entries, the table has %u outputs", no,
                     t->n_outputs);
    }
    kn_feel_value_t *outs = kn_arena_calloc(c->arena, t->n_outputs, sizeof *outs);
    if (!outs)
        return s_err(c, KN_ENOMEM, NULL, "out of memory");
    rule->outputs = outs;
    rule->first_cell = *n_cells;
    uint32_t i = 0, o = 0;
    for (xmlNode *e = n->children; e; e = e->next) {
        if (s_is(e, c->ns, "inputEntry")) {
            s_input_t *in = &t->inputs[i];
            snprintf(where, sizeof where, "rule %s input %u (%.60s)", label, i + 1, in->name);
            const char *text = s_text(c, e, &nomem);
            if (nomem)
                return s_err(c, KN_ENOMEM, NULL, "out of memory");
            const kn_feel_tests_t *tests;
            if ((rc = s_tests(c, where, text ? text : "", &tests)) < 0)
                return rc;
            if ((rc = s_check_cell(c, where, tests, in, "the input")) < 0)
                return rc;
            if (!kn_feel_tests_is_any(tests)) {
                s_cell_t *cell = &t->cells[(*n_cells)++];
                cell->input = i;
                cell->tests = tests;
                /* "x" alone (the common cell) is matched inline by equality */
                if (kn_feel_tests_count(tests) == 1 && !kn_feel_tests_negated(tests) &&
                    kn_feel_tests_op(tests, 0) == KN_FEEL_OP_EQ)
                    cell->equal = kn_feel_tests_operand(tests, 0, 0);
            }
            i++;
        } else if (s_is(e, c->ns, "outputEntry")) {
            const s_output_t *out = &t->outputs[o];
            snprintf(where, sizeof where, "rule %s output %u (%.60s)", label, o + 1, out->name);
            const char *text = s_text(c, e, &nomem);
            if (nomem)
                return s_err(c, KN_ENOMEM, NULL, "out of memory");
            if ((rc = s_literal(c, where, text ? text : "", &outs[o])) < 0)
                return rc;
            if ((rc = s_check_output(c, where, out, &outs[o])) < 0)
                return rc;
            o++;
        }
    }
    rule->n_cells = *n_cells - rule->first_cell;
    if (t->policy == KN_DMN_PRIORITY || t->policy == KN_DMN_OUTPUT_ORDER) {
        uint32_t *prio = kn_arena_calloc(c->arena, t->n_outputs, sizeof *prio);
        if (!prio)
            return s_err(c, KN_ENOMEM, NULL, "out of memory");
        for (uint32_t k = 0; k < t->n_outputs; k++) {
            const s_output_t *out = &t->outputs[k];
            prio[k] = out->n_values; /* null, or a column without outputValues */
            for (uint32_t v = 0; v < out->n_values; v++) {
                if (kn_feel_value_equal(&out->values[v], &outs[k])) {
                    prio[k] = v;
                    break;
                }
            }
        }
        rule->prio = prio;
    }
    return 0;
}

/* FNV-1a over the bytes that make a value equal to another. */
static uint64_t s_hash_value(uint64_t h, const kn_feel_value_t *v)
{
    const unsigned char *p;
    size_t n;
    double num;
    kn_feel_type_t type = v->type == KN_FEEL_UNSET ? KN_FEEL_NULL : v->type;
    h = (h ^ (uint64_t)type) * UINT64_C(1099511628211);
    switch (type) {
    case KN_FEEL_BOOL:
        p = (const unsigned char *)&v->as.b, n = sizeof v->as.b;
        break;
    case KN_FEEL_NUMBER:
        num = v->as.n == 0 ? 0.0 : v->as.n; /* -0 equals 0 */
        p = (const unsigned char *)&num, n = sizeof num;
        break;
    case KN_FEEL_STRING:
        p = (const unsigned char *)v->as.s, n = v->len;
        break;
    case KN_FEEL_DATE:
    case KN_FEEL_DATETIME:
        p = (const unsigned char *)&v->as.t, n = sizeof v->as.t;
        break;
    default:
        return h;
    }
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * UINT64_C(1099511628211);
    return h;
}

/* ANY: give rules with equal outputs the same class (the index of the first
 * such rule), so that evaluation compares two integers.  A hash table keeps
 * this linear in the number of rules. */
static int s_output_classes(s_ctx_t *c, kn_dmn_table_t *t)
{
    size_t size = 16;
    while (size < 2 * (size_t)t->n_rules)
        size *= 2;
    uint32_t *slots = kn_arena_alloc(c->arena, size * sizeof *slots);
    if (!slots)
        return s_err(c, KN_ENOMEM, NULL, "out of memory");
    for (size_t i = 0; i < size; i++)
        slots[i] = KN_DMN_NO_RULE;
    for (uint32_t r = 0; r < t->n_rules; r++) {
        s_rule_t *rule = &t->rules[r];
        uint64_t h = UINT64_C(14695981039346656037);
        for (uint32_t k = 0; k < t->n_outputs; k++)
            h = s_hash_value(h, &rule->outputs[k]);
        rule->out_class = r;
        for (size_t i = (size_t)h & (size - 1);; i = (i + 1) & (size - 1)) {
            if (slots[i] == KN_DMN_NO_RULE) {
                slots[i] = r;
                break;
            }
            const s_rule_t *q = &t->rules[slots[i]];
            bool same = true;
            for (uint32_t k = 0; k < t->n_outputs && same; k++)
                same = kn_feel_value_equal(&q->outputs[k], &rule->outputs[k]);
            if (same) {
                rule->out_class = slots[i];
                break;
            }
        }
    }
    return 0;
}

/* Whole-table checks once every rule is read: aggregation types. */
static int s_check_aggregation(s_ctx_t *c, const kn_dmn_table_t *t)
{
    char label[96], where[192];
    if (t->agg == KN_DMN_AGG_NONE || t->agg == KN_DMN_AGG_COUNT)
        return 0;
    kn_feel_type_t seen = KN_FEEL_UNSET;
    for (uint32_t r = 0; r < t->n_rules; r++) {
        const kn_feel_value_t *v = &t->rules[r].outputs[0];
        if (v->type == KN_FEEL_NULL)
            continue;
        snprintf(where, sizeof where, "rule %s output 1 (%.60s)",
                 s_rule_label(label, sizeof label, r + 1, t->rules[r].id), t->outputs[0].name);
        if (t->agg == KN_DMN_AGG_SUM && v->type != KN_FEEL_NUMBER)
            return s_err(c, KN_EPARSE, where, "COLLECT SUM needs numbers, this is a %s",
                         kn_feel_type_name(v->type));
        if (v->type == KN_FEEL_BOOL)
            return s_err(c, KN_EPARSE, where, "COLLECT MIN and MAX cannot order booleans");
        if (seen != KN_FEEL_UNSET && v->type != seen)
            return s_err(c, KN_EPARSE, where, "a %s among outputs of type %s cannot be aggregated",
                         kn_feel_type_name(v->type), kn_feel_type_name(seen));
        seen = v->type;
    }
    return 0;
}

static int s_compile_table(s_ctx_t *c, kn_dmn_t *dmn, const xmlNode *decision, const xmlNode *dt,
                           kn_dmn_table_t *t)
{
    bool nomem = false;
    int rc;

    t->model = dmn;
    t->id = s_attr(c, decision, "id", &nomem);
    t->name = s_attr(c, decision, "name", &nomem);
    if (nomem)
        return s_err(c, KN_ENOMEM, NULL, "out of memory");
    if (!t->id)
        t->id = "";
    if (!t->name || !*t->name)
        t->name = t->id;
    if (!*t->name)
        return s_err(c, KN_ESCHEMA, NULL, "decision has neither id nor name");

    const char *hp = s_attr(c, dt, "hitPolicy", &nomem);
    const char *agg = s_attr(c, dt, "aggregation", &nomem);
    if (nomem)
        return s_err(c, KN_ENOMEM, NULL, "out of memory");
    if ((rc = s_hit_policy(c, hp, agg, t)) < 0)
        return rc;

    t->n_inputs = s_count(dt, c->ns, "input");
    t->n_outputs = s_count(dt, c->ns, "output");
    t->n_rules = s_count(dt, c->ns, "rule");
    if (t->n_inputs > S_MAX_COLUMNS || t->n_outputs > S_MAX_COLUMNS)
        return s_err(c, KN_ETOOBIG, NULL, "more than %u input or output columns", S_MAX_COLUMNS);
    if (t->n_rules > S_MAX_RULES)
        return s_err(c, KN_ETOOBIG, NULL, "more than %u rules", S_MAX_RULES);
    if (t->n_outputs == 0)
        return s_err(c, KN_ESCHEMA, NULL, "decision table has no output");
    if (t->agg != KN_DMN_AGG_NONE && t->n_outputs > 1)
        return s_err(c, KN_ESCHEMA, NULL, "aggregation needs a single output, the table has %u",
                     t->n_outputs);

    t->inputs = kn_arena_calloc(c->arena, t->n_inputs ? t->n_inputs : 1, sizeof *t->inputs);
    t->outputs = kn_arena_calloc(c->arena, t->n_outputs, sizeof *t->outputs);
    t->rules = kn_arena_calloc(c->arena, t->n_rules ? t->n_rules : 1, sizeof *t->rules);
    t->defaults = kn_arena_calloc(c->arena, t->n_outputs, sizeof *t->defaults);
    /* Size cells by the entries really present, not rules x inputs: a file
     * of empty rules must not make us zero gigabytes. */
    size_t max_cells = 0;
    for (xmlNode *n = dt->children; n; n = n->next)
        if (s_is(n, c->ns, "rule"))
            max_cells += s_count(n, c->ns, "inputEntry");
    t->cells = kn_arena_calloc(c->arena, max_cells ? max_cells : 1, sizeof *t->cells);
    if (!t->inputs || !t->outputs || !t->rules || !t->defaults || !t->cells)
        return s_err(c, KN_ENOMEM, NULL, "out of memory");

    uint32_t i = 0, o = 0, r = 0, n_cells = 0;
    bool any_values = false;
    for (xmlNode *n = dt->children; n; n = n->next) {
        if (s_is(n, c->ns, "input")) {
            if ((rc = s_compile_input(c, n, i + 1, &t->inputs[i])) < 0)
                return rc;
            i++;
        } else if (s_is(n, c->ns, "output")) {
            if ((rc = s_compile_output(c, n, o + 1, t->n_outputs, t->name, &t->outputs[o])) < 0)
                return rc;
            any_values |= t->outputs[o].values != NULL;
            t->defaults[o] = t->outputs[o].def;
            t->has_default |= s_child(n, c->ns, "defaultOutputEntry") != NULL;
            o++;
        }
    }
    for (uint32_t a = 0; a < t->n_outputs; a++) {
        for (uint32_t b = 0; b < a; b++)
            if (strcmp(t->outputs[a].name, t->outputs[b].name) == 0)
                return s_err(c, KN_ESCHEMA, NULL, "two outputs named \"%.60s\"",
                             t->outputs[a].name);
    }
    if ((t->policy == KN_DMN_PRIORITY || t->policy == KN_DMN_OUTPUT_ORDER) && !any_values)
        return s_err(c, KN_ESCHEMA, NULL, "hit policy %s needs outputValues to order the outputs",
                     kn_dmn_hit_policy_name(t->policy, t->agg));
    if (t->has_default && (t->policy == KN_DMN_RULE_ORDER || t->policy == KN_DMN_OUTPUT_ORDER ||
                           t->policy == KN_DMN_COLLECT))
        return s_err(c, KN_ESCHEMA, NULL, "defaultOutputEntry needs a single-hit policy (U A P F)");
    for (xmlNode *n = dt->children; n; n = n->next) {
        if (s_is(n, c->ns, "rule")) {
            if ((rc = s_compile_rule(c, t, n, r, &n_cells)) < 0)
                return rc;
            r++;
        }
    }
    if (t->policy == KN_DMN_ANY && (rc = s_output_classes(c, t)) < 0)
        return rc;
    return s_check_aggregation(c, t);
}

/* "…tail/of/a/long/path.dmn" when name is longer than S_MAX_SHOWN_NAME. */
static const char *s_shown_name(kn_arena_t *arena, const char *name)
{
    size_t n = strlen(name);
    if (n <= S_MAX_SHOWN_NAME)
        return kn_arena_strdup(arena, name);
    return kn_arena_printf(arena, "...%s", name + n - (S_MAX_SHOWN_NAME - 3));
}

static int s_compile(kn_dmn_t *dmn, xmlDocPtr doc, kn_error_t *err)
{
    s_ctx_t c = {.arena = dmn->arena, .file = dmn->name, .err = err};
    xmlNode *root = xmlDocGetRootElement(doc);
    int rc;

    if (!root || !root->ns || !root->ns->href)
        return s_err(&c, KN_ESCHEMA, NULL, "not a DMN file: the root element has no namespace");
    for (size_t i = 0; i < sizeof s_namespaces / sizeof s_namespaces[0]; i++) {
        if (strcmp((const char *)root->ns->href, s_namespaces[i].uri) == 0) {
            c.ns = s_namespaces[i].uri;
            dmn->version = s_namespaces[i].version;
        }
    }
    if (!c.ns)
        return s_err(&c, KN_ESCHEMA, NULL, "not a DMN file: unknown namespace \"%.100s\"",
                     (const char *)root->ns->href);
    if (!s_is(root, c.ns, "definitions"))
        return s_err(&c, KN_ESCHEMA, NULL,
                     "not a DMN file: the root element is <%.40s>, not <definitions>",
                     (const char *)root->name);
    if ((rc = s_collect_typedefs(&c, root)) < 0)
        return rc;

    uint32_t n_decisions = s_count(root, c.ns, "decision");
    if (n_decisions == 0)
        return s_err(&c, KN_ESCHEMA, NULL, "no decision in the file");
    dmn->tables = kn_arena_calloc(dmn->arena, n_decisions, sizeof *dmn->tables);
    if (!dmn->tables)
        return s_err(&c, KN_ENOMEM, NULL, "out of memory");
    for (xmlNode *n = root->children; n; n = n->next) {
        if (!s_is(n, c.ns, "decision"))
            continue;
        bool nomem = false;
        const char *id = s_attr(&c, n, "id", &nomem);
        const char *name = s_attr(&c, n, "name", &nomem);
        if (nomem)
            return s_err(&c, KN_ENOMEM, NULL, "out of memory");
        const char *label = id && *id ? id : name && *name ? name : "(unnamed)";
        c.decision = n_decisions > 1 ? label : NULL;
        xmlNode *dt = s_child(n, c.ns, "decisionTable");
        if (!dt) {
            c.decision = label;
            return s_err(&c, KN_ESCHEMA, NULL,
                         "not a decision table: only decision tables are supported");
        }
        if ((rc = s_compile_table(&c, dmn, n, dt, &dmn->tables[dmn->n_tables])) < 0)
            return rc;
        dmn->n_tables++;
    }
    return 0;
}

kn_dmn_t *kn_dmn_load_memory(const char *buf, size_t len, const char *name, kn_error_t *err)
{
    kn_dmn_t *dmn = NULL;
    xmlDocPtr doc = NULL;
    char position[sizeof err->position];
    int rc = 0;

    if (!name)
        name = "<memory>";
    dmn = calloc(1, sizeof *dmn);
    if (!dmn || !(dmn->arena = kn_arena_new(16384)) ||
        !(dmn->name = s_shown_name(dmn->arena, name))) {
        rc = kn_error_set(err, KN_ENOMEM, "dmn", "out of memory");
        goto out;
    }
    snprintf(position, sizeof position, "dmn: %s", dmn->name);
    if ((rc = kn__dmn_xml_parse(buf, len, position, &doc, err)) < 0)
        goto out;
    if ((rc = s_compile(dmn, doc, err)) < 0)
        goto out;
    kn_log(KN_LOG_DEBUG, "dmn: loaded %s: DMN %s, %u decision tables", dmn->name, dmn->version,
           dmn->n_tables);
out:
    if (rc < 0)
        kn_dmn_destroy(&dmn);
    if (doc)
        xmlFreeDoc(doc);
    return dmn;
}

kn_dmn_t *kn_dmn_load_file(const char *path, kn_error_t *err)
{
    kn_dmn_t *dmn = NULL;
    FILE *f = NULL;
    char *buf = NULL;
    char position[sizeof err->position];
    struct stat st;

    snprintf(position, sizeof position, "dmn: %s", path);
    f = fopen(path, "rb");
    if (!f) {
        kn_error_set(err, KN_EIO, position, "cannot open: %s", strerror(errno));
        goto out;
    }
    if (fstat(fileno(f), &st) < 0 || !S_ISREG(st.st_mode)) {
        kn_error_set(err, KN_EIO, position, "not a regular file");
        goto out;
    }
    if ((uintmax_t)st.st_size > S_MAX_FILE) {
        kn_error_set(err, KN_ETOOBIG, position, "file too large: %jd bytes, the limit is %u",
                     (intmax_t)st.st_size, S_MAX_FILE);
        goto out;
    }
    size_t size = (size_t)st.st_size;
    buf = malloc(size ? size : 1);
    if (!buf) {
        kn_error_set(err, KN_ENOMEM, position, "out of memory");
        goto out;
    }
    if (fread(buf, 1, size, f) != size) {
        kn_error_set(err, KN_EIO, position, "cannot read: %s",
                     ferror(f) ? strerror(errno) : "short read");
        goto out;
    }
    dmn = kn_dmn_load_memory(buf, size, path, err);
out:
    free(buf);
    if (f)
        fclose(f);
    return dmn;
}

void kn_dmn_destroy(kn_dmn_t **self)
{
    if (!self || !*self)
        return;
    kn_arena_destroy(&(*self)->arena);
    free(*self);
    *self = NULL;
}

/* ----------------------------------------------------------- accessors */

const char *kn_dmn_version(const kn_dmn_t *dmn)
{
    return dmn->version ? dmn->version : "?";
}

const char *kn_dmn_name(const kn_dmn_t *dmn)
{
    return dmn->name;
}

size_t kn_dmn_table_count(const kn_dmn_t *dmn)
{
    return dmn->n_tables;
}

const kn_dmn_table_t *kn_dmn_table_at(const kn_dmn_t *dmn, size_t i)
{
    assert(i < dmn->n_tables);
    return &dmn->tables[i];
}

const kn_dmn_table_t *kn_dmn_find(const kn_dmn_t *dmn, const char *id_or_name)
{
    if (!dmn || !id_or_name)
        return NULL;
    for (uint32_t i = 0; i < dmn->n_tables; i++)
        if (strcmp(dmn->tables[i].id, id_or_name) == 0)
            return &dmn->tables[i];
    for (uint32_t i = 0; i < dmn->n_tables; i++)
        if (strcmp(dmn->tables[i].name, id_or_name) == 0)
            return &dmn->tables[i];
    return NULL;
}

const char *kn_dmn_table_id(const kn_dmn_table_t *table)
{
    return table->id;
}

const char *kn_dmn_table_name(const kn_dmn_table_t *table)
{
    return table->name;
}

kn_dmn_hit_policy_t kn_dmn_table_hit_policy(const kn_dmn_table_t *table)
{
    return table->policy;
}

kn_dmn_aggregation_t kn_dmn_table_aggregation(const kn_dmn_table_t *table)
{
    return table->agg;
}

const char *kn_dmn_hit_policy_name(kn_dmn_hit_policy_t policy, kn_dmn_aggregation_t aggregation)
{
    static const char *const names[] = {"UNIQUE",     "ANY",          "PRIORITY", "FIRST",
                                        "RULE ORDER", "OUTPUT ORDER", "COLLECT"};
    static const char *const aggs[] = {"COLLECT", "COLLECT SUM", "COLLECT MIN", "COLLECT MAX",
                                       "COLLECT COUNT"};
    if (policy == KN_DMN_COLLECT && (unsigned)aggregation < sizeof aggs / sizeof aggs[0])
        return aggs[aggregation];
    if ((unsigned)policy < sizeof names / sizeof names[0])
        return names[policy];
    return "?";
}

const char *kn_dmn_hit_policy_letter(kn_dmn_hit_policy_t policy, kn_dmn_aggregation_t aggregation)
{
    static const char *const letters[] = {"U", "A", "P", "F", "R", "O", "C"};
    static const char *const aggs[] = {"C", "C+", "C<", "C>", "C#"};
    if (policy == KN_DMN_COLLECT && (unsigned)aggregation < sizeof aggs / sizeof aggs[0])
        return aggs[aggregation];
    if ((unsigned)policy < sizeof letters / sizeof letters[0])
        return letters[policy];
    return "?";
}

size_t kn_dmn_input_count(const kn_dmn_table_t *table)
{
    return table->n_inputs;
}

const char *kn_dmn_input_name(const kn_dmn_table_t *table, size_t i)
{
    assert(i < table->n_inputs);
    return table->inputs[i].name;
}

kn_feel_type_t kn_dmn_input_type(const kn_dmn_table_t *table, size_t i)
{
    assert(i < table->n_inputs);
    return table->inputs[i].type;
}

int kn_dmn_input_index(const kn_dmn_table_t *table, const char *name)
{
    for (uint32_t i = 0; i < table->n_inputs; i++)
        if (strcmp(table->inputs[i].name, name) == 0)
            return (int)i;
    return -1;
}

size_t kn_dmn_output_count(const kn_dmn_table_t *table)
{
    return table->n_outputs;
}

const char *kn_dmn_output_name(const kn_dmn_table_t *table, size_t i)
{
    assert(i < table->n_outputs);
    return table->outputs[i].name;
}

kn_feel_type_t kn_dmn_output_type(const kn_dmn_table_t *table, size_t i)
{
    assert(i < table->n_outputs);
    return table->outputs[i].type;
}

int kn_dmn_output_index(const kn_dmn_table_t *table, const char *name)
{
    for (uint32_t i = 0; i < table->n_outputs; i++)
        if (strcmp(table->outputs[i].name, name) == 0)
            return (int)i;
    return -1;
}

size_t kn_dmn_rule_count(const kn_dmn_table_t *table)
{
    return table->n_rules;
}

const char *kn_dmn_rule_id(const kn_dmn_table_t *table, size_t i)
{
    assert(i < table->n_rules);
    return table->rules[i].id;
}

void kn_dmn_inputs_clear(const kn_dmn_table_t *table, kn_dmn_value_t *inputs)
{
    memset(inputs, 0, table->n_inputs * sizeof *inputs);
}

int kn_dmn_input_set(const kn_dmn_table_t *table, kn_dmn_value_t *inputs, const char *name,
                     kn_dmn_value_t value)
{
    int i = kn_dmn_input_index(table, name);
    if (i < 0)
        return KN_ENOTFOUND;
    inputs[i] = value;
    return 0;
}

const char *kn_dmn_status_name(kn_dmn_status_t status)
{
    static const char *const names[] = {"OK",     "NOINPUT", "TYPE",   "INPUTVALUE",
                                        "UNIQUE", "ANY",     "TOOMANY"};
    if ((unsigned)status < sizeof names / sizeof names[0])
        return names[status];
    return "?";
}

/* ----------------------------------------------------------- evaluation */

static kn_dmn_status_t s_fail(kn_dmn_result_t *r, kn_dmn_status_t status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static kn_dmn_status_t s_fail(kn_dmn_result_t *r, kn_dmn_status_t status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->reason, sizeof r->reason, fmt, ap);
    va_end(ap);
    r->status = status;
    r->n_rows = 0;
    return status;
}

/* Check each input once, so that rule matching needs no type checks. */
static kn_dmn_status_t s_check_inputs(const kn_dmn_table_t *t, const kn_dmn_value_t *in,
                                      kn_dmn_result_t *r)
{
    char buf[96];
    for (uint32_t i = 0; i < t->n_inputs; i++) {
        const kn_dmn_value_t *v = &in[i];
        const s_input_t *col = &t->inputs[i];
        if (v->type == KN_FEEL_NULL)
            continue;
        if (v->type == KN_FEEL_UNSET)
            return s_fail(r, KN_DMN_ENOINPUT, "input %u (%s) has no value", i + 1, col->name);
        if (v->type > KN_FEEL_DATETIME)
            return s_fail(r, KN_DMN_ETYPE, "input %u (%s) has an unknown type", i + 1, col->name);
        if (col->type != KN_FEEL_UNSET && v->type != col->type)
            return s_fail(r, KN_DMN_ETYPE, "input %u (%s) is a %s, expected a %s", i + 1, col->name,
                          kn_feel_type_name(v->type), kn_feel_type_name(col->type));
        if (v->type == KN_FEEL_NUMBER && !isfinite(v->as.n))
            return s_fail(r, KN_DMN_ETYPE, "input %u (%s) is not a finite number", i + 1,
                          col->name);
        if (v->type == KN_FEEL_STRING && !v->as.s && v->len)
            return s_fail(r, KN_DMN_ETYPE, "input %u (%s) is a string without bytes", i + 1,
                          col->name);
        if (col->allowed && !kn_feel_tests_match(col->allowed, v)) {
            kn_feel_value_format(v, buf, sizeof buf);
            return s_fail(r, KN_DMN_EINPUTVALUE,
                          "input %u (%s) value %s is not among its input values", i + 1, col->name,
                          buf);
        }
    }
    return KN_DMN_OK;
}

static inline bool s_rule_matches(const kn_dmn_table_t *t, const s_rule_t *rule,
                                  const kn_dmn_value_t *in)
{
    const s_cell_t *cell = t->cells + rule->first_cell;
    const s_cell_t *end = cell + rule->n_cells;
    for (; cell < end; cell++) {
        if (cell->equal) {
            if (!kn_feel_value_equal(&in[cell->input], cell->equal))
                return false;
        } else if (!kn_feel_tests_match(cell->tests, &in[cell->input])) {
            return false;
        }
    }
    return true;
}

static const char *s_label(const kn_dmn_table_t *t, uint32_t rule, char *buf, size_t size)
{
    return s_rule_label(buf, size, rule + 1, t->rules[rule].id);
}

/* Fold one matched rule's single output into the running aggregate. */
static void s_aggregate(const kn_dmn_table_t *t, const s_rule_t *rule, kn_dmn_result_t *r)
{
    const kn_feel_value_t *v = &rule->outputs[0];
    int c;
    if (t->agg == KN_DMN_AGG_COUNT || v->type == KN_FEEL_NULL)
        return;
    if (r->aggregate.type == KN_FEEL_NULL) {
        r->aggregate = *v;
        return;
    }
    switch (t->agg) {
    case KN_DMN_AGG_SUM:
        r->aggregate.as.n += v->as.n;
        break;
    case KN_DMN_AGG_MIN:
        if (kn_feel_value_compare(v, &r->aggregate, &c) == 0 && c < 0)
            r->aggregate = *v;
        break;
    case KN_DMN_AGG_MAX:
        if (kn_feel_value_compare(v, &r->aggregate, &c) == 0 && c > 0)
            r->aggregate = *v;
        break;
    default:
        break;
    }
}

kn_dmn_status_t kn_dmn_eval(const kn_dmn_table_t *t, const kn_dmn_value_t *in, kn_dmn_result_t *r)
{
    char a[64], b[64];
    assert(t && r && (in || t->n_inputs == 0));

    r->table = t;
    r->status = KN_DMN_OK;
    r->reason[0] = '\0';
    r->n_rows = 0;
    r->n_matched = 0;
    r->aggregate = kn_feel_null();
    if (s_check_inputs(t, in, r) != KN_DMN_OK)
        return r->status;

    uint32_t best = KN_DMN_NO_RULE;
    for (uint32_t i = 0; i < t->n_rules; i++) {
        const s_rule_t *rule = &t->rules[i];
        if (!s_rule_matches(t, rule, in))
            continue;
        if (r->n_matched < KN_DMN_MAX_MATCHES)
            r->matched[r->n_matched] = i;
        r->n_matched++;
        switch (t->policy) {
        case KN_DMN_FIRST:
            r->rows[0] = i;
            r->n_rows = 1;
            return KN_DMN_OK;
        case KN_DMN_UNIQUE:
            if (best != KN_DMN_NO_RULE)
                return s_fail(r, KN_DMN_EUNIQUE, "hit policy UNIQUE: rules %s and %s both match",
                              s_label(t, best, a, sizeof a), s_label(t, i, b, sizeof b));
            best = i;
            break;
        case KN_DMN_ANY:
            if (best == KN_DMN_NO_RULE)
                best = i;
            else if (t->rules[best].out_class != rule->out_class)
                return s_fail(r, KN_DMN_EANY,
                              "hit policy ANY: rules %s and %s match with different outputs",
                              s_label(t, best, a, sizeof a), s_label(t, i, b, sizeof b));
            break;
        case KN_DMN_PRIORITY:
            if (best == KN_DMN_NO_RULE || s_prio_cmp(t, rule, &t->rules[best]) < 0)
                best = i;
            break;
        case KN_DMN_COLLECT:
            if (t->agg != KN_DMN_AGG_NONE) {
                s_aggregate(t, rule, r);
                break;
            }
            /* fall through */
        case KN_DMN_RULE_ORDER:
        case KN_DMN_OUTPUT_ORDER:
            if (r->n_rows == KN_DMN_MAX_MATCHES)
                return s_fail(r, KN_DMN_ETOOMANY, "more than %d rules matched", KN_DMN_MAX_MATCHES);
            r->rows[r->n_rows++] = i;
            break;
        }
    }

    switch (t->policy) {
    case KN_DMN_UNIQUE:
    case KN_DMN_ANY:
    case KN_DMN_PRIORITY:
    case KN_DMN_FIRST:
        if (best != KN_DMN_NO_RULE) {
            r->rows[0] = best;
            r->n_rows = 1;
        } else if (t->has_default) {
            r->rows[0] = KN_DMN_NO_RULE;
            r->n_rows = 1;
        }
        break;
    case KN_DMN_OUTPUT_ORDER:
        /* Stable insertion sort by output priority; matches are few. */
        for (uint32_t k = 1; k < r->n_rows; k++) {
            uint32_t x = r->rows[k], j = k;
            while (j > 0 && s_prio_cmp(t, &t->rules[x], &t->rules[r->rows[j - 1]]) < 0) {
                r->rows[j] = r->rows[j - 1];
                j--;
            }
            r->rows[j] = x;
        }
        break;
    case KN_DMN_COLLECT:
        if (t->agg == KN_DMN_AGG_COUNT)
            r->aggregate = kn_feel_number((double)r->n_matched);
        if (t->agg != KN_DMN_AGG_NONE) {
            r->rows[0] = KN_DMN_NO_RULE;
            r->n_rows = 1;
        }
        break;
    case KN_DMN_RULE_ORDER:
        break;
    }
    return KN_DMN_OK;
}

const kn_dmn_value_t *kn_dmn_result_value(const kn_dmn_result_t *r, size_t row, size_t col)
{
    const kn_dmn_table_t *t = r->table;
    if (!t || row >= r->n_rows || col >= t->n_outputs)
        return NULL;
    uint32_t rule = r->rows[row];
    if (rule == KN_DMN_NO_RULE)
        return t->agg != KN_DMN_AGG_NONE ? &r->aggregate : &t->defaults[col];
    return &t->rules[rule].outputs[col];
}
