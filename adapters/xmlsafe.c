#include "xmlsafe.h"
#include "embed.h"

#include <libxml/encoding.h>
#include <libxml/parser.h>
#include <libxml/xmlerror.h>

#include <assert.h>
#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Parse options: no network, true line numbers past 65535, short text stored
 * inline (fewer mallocs), and deliberately none of XML_PARSE_NOENT
 * (entity substitution), XML_PARSE_DTDLOAD, XML_PARSE_DTDATTR, XML_PARSE_DTDVALID,
 * XML_PARSE_XINCLUDE, XML_PARSE_HUGE or XML_PARSE_RECOVER. */
#define S_PARSE_OPTIONS (XML_PARSE_NONET | XML_PARSE_BIG_LINES | XML_PARSE_COMPACT)

/* How far into the document the XML declaration may reach. */
#define S_DECL_WINDOW 512

/* Deepest element chain kn_xmlsafe_path spells out. */
#define S_PATH_DEPTH 64

#if LIBXML_VERSION >= 21200
typedef const xmlError s_xml_error_t;
#else
typedef xmlError s_xml_error_t;
#endif

static const kn_xmlsafe_limits_t s_default_limits = {
    .max_bytes = KN_XMLSAFE_MAX_BYTES,
    .max_depth = KN_XMLSAFE_MAX_DEPTH,
};

/* The first error libxml2 reports during one call. */
typedef struct {
    bool have;           /* an error (not a warning) has been captured */
    int line;            /* its line, 0 when libxml2 gave none */
    const xmlNode *node; /* the element concerned (schema validation), or NULL */
    const char *attr;    /* the attribute of node concerned, or NULL */
    char text[384];      /* its message, cleaned */
} s_capture_t;

/* The handlers swapped in around a libxml2 call, and what to restore. */
typedef struct {
    xmlStructuredErrorFunc old_serror;
    void *old_serror_ctx;
    xmlExternalEntityLoader old_loader;
} s_guard_t;

/* One cached schema. */
typedef struct {
    char *path;
    xmlSchema *schema;
} s_schema_slot_t;

static s_schema_slot_t s_schemas[8];

/* -1 not yet probed, 0 not available, 1 available (iconv conversions). */
static int s_have_gbk = -1;
static int s_have_gb18030 = -1;

void kn_xmlsafe_init(void)
{
    static bool done;
    if (done)
        return;
    xmlInitParser();
    done = true;
}

/* ---- error capture ---------------------------------------------------- */

/* libxml2 messages end with ".\n" and start with a capital: PostgreSQL style
 * wants neither. */
static void s_clean(char *dst, size_t size, const char *msg)
{
    snprintf(dst, size, "%s", msg ? msg : "unknown error");
    for (char *q = dst; *q; q++)
        if (*q == '\n' || *q == '\r' || *q == '\t')
            *q = ' ';
    size_t n = strlen(dst);
    while (n > 0 && (dst[n - 1] == ' ' || dst[n - 1] == '.'))
        dst[--n] = '\0';
    if (isupper((unsigned char)dst[0]) && islower((unsigned char)dst[1]))
        dst[0] = (char)tolower((unsigned char)dst[0]);
}

static void s_capture(void *data, s_xml_error_t *e)
{
    s_capture_t *cap = data;
    if (!cap || !e || e->level < XML_ERR_ERROR)
        return;
    if (cap->have) {
        /* Conversion errors come first without a line; the parser's own
         * report right after has one. */
        if (cap->line == 0 && e->line > 0)
            cap->line = e->line;
        return;
    }
    cap->have = true;
    cap->line = e->line;
    const xmlNode *node = e->node;
    if (node && node->type == XML_ATTRIBUTE_NODE) {
        cap->attr = (const char *)node->name;
        node = node->parent;
    }
    cap->node = node && node->type == XML_ELEMENT_NODE ? node : NULL;
    if (!cap->node)
        cap->attr = NULL;
    s_clean(cap->text, sizeof cap->text, e->message);
}

/* Refuse every external entity, DTD and schema include while we parse. */
static xmlParserInputPtr s_refuse_entity(const char *url, const char *id, xmlParserCtxtPtr ctxt)
{
    (void)url;
    (void)id;
    (void)ctxt;
    return NULL;
}

static void s_guard_enter(s_guard_t *g, s_capture_t *cap, bool refuse_entities)
{
    g->old_serror = xmlStructuredError;
    g->old_serror_ctx = xmlStructuredErrorContext;
    g->old_loader = xmlGetExternalEntityLoader();
    xmlSetStructuredErrorFunc(cap, s_capture);
    if (refuse_entities)
        xmlSetExternalEntityLoader(s_refuse_entity);
}

static void s_guard_leave(const s_guard_t *g)
{
    xmlSetExternalEntityLoader(g->old_loader);
    xmlSetStructuredErrorFunc(g->old_serror_ctx, g->old_serror);
}

/* ---- byte scan before parsing ------------------------------------------- */

static bool s_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Whether libxml2 can convert from name here (iconv present and knows it). */
static bool s_can_convert(const char *name, int *cache)
{
    if (*cache < 0) {
        xmlCharEncodingHandlerPtr h = xmlFindCharEncodingHandler(name);
        *cache = h != NULL;
        if (h)
            xmlCharEncCloseFunc(h);
    }
    return *cache == 1;
}

/* Printable copy of an untrusted name for an error message. */
static void s_printable(char *dst, size_t size, const unsigned char *src, size_t len)
{
    size_t n = 0;
    for (size_t i = 0; i < len && n + 1 < size; i++)
        dst[n++] = (src[i] >= 0x20 && src[i] < 0x7f) ? (char)src[i] : '?';
    dst[n] = '\0';
}

/* Decide the encoding from the BOM and the XML declaration.  *encoding is the
 * name to force on libxml2 (NULL: UTF-8 handled natively, let it read the
 * declaration); *multibyte tells the scan to skip GBK trail bytes. */
static int s_encoding(const unsigned char *p, size_t len, const char **encoding, bool *multibyte,
                      kn_error_t *err)
{
    size_t i = 0;
    bool bom = false;

    *encoding = NULL;
    *multibyte = false;
    if (len >= 3 && p[0] == 0xEF && p[1] == 0xBB && p[2] == 0xBF) {
        bom = true;
        i = 3;
    } else if ((len >= 2 && ((p[0] == 0xFE && p[1] == 0xFF) || (p[0] == 0xFF && p[1] == 0xFE))) ||
               (len >= 1 && p[0] == 0) || (len >= 2 && p[1] == 0)) {
        return kn_error_set(err, KN_EXML, "",
                            "xml: line 1: UTF-16 and UTF-32 are not accepted (UTF-8, GBK or "
                            "GB18030)");
    }
    if (len - i < 6 || memcmp(p + i, "<?xml", 5) != 0 || !s_space(p[i + 5]))
        return 0; /* no declaration: UTF-8 */

    size_t end = i + 5;
    size_t window = len - i < S_DECL_WINDOW ? len : i + S_DECL_WINDOW;
    while (end + 1 < window && !(p[end] == '?' && p[end + 1] == '>'))
        end++;
    if (end + 1 >= window)
        return 0; /* unterminated declaration: libxml2 reports it */

    const unsigned char *decl = p + i + 5;
    size_t dlen = end - (i + 5);
    size_t k = 0;
    for (; k + 8 <= dlen; k++)
        if (memcmp(decl + k, "encoding", 8) == 0)
            break;
    if (k + 8 > dlen)
        return 0; /* no encoding: UTF-8 */
    k += 8;
    while (k < dlen && s_space(decl[k]))
        k++;
    if (k >= dlen || decl[k] != '=')
        return 0;
    k++;
    while (k < dlen && s_space(decl[k]))
        k++;
    if (k >= dlen || (decl[k] != '"' && decl[k] != '\''))
        return 0;
    unsigned char quote = decl[k++];
    size_t start = k;
    while (k < dlen && decl[k] != quote)
        k++;
    if (k >= dlen)
        return 0;

    char name[48];
    s_printable(name, sizeof name, decl + start, k - start);
    if (k - start >= sizeof name)
        goto refuse;
    if (!strcasecmp(name, "UTF-8") || !strcasecmp(name, "UTF8") || !strcasecmp(name, "US-ASCII") ||
        !strcasecmp(name, "ASCII"))
        return 0;
    if (!strcasecmp(name, "GBK") || !strcasecmp(name, "GB2312") || !strcasecmp(name, "CP936") ||
        !strcasecmp(name, "EUC-CN")) {
        /* GBK is a superset of GB2312: senders that say GB2312 often mean GBK. */
        if (!s_can_convert("GBK", &s_have_gbk))
            return kn_error_set(err, KN_EXML, "",
                                "xml: line 1: encoding %s cannot be converted on this system",
                                name);
        *encoding = "GBK";
    } else if (!strcasecmp(name, "GB18030")) {
        if (!s_can_convert("GB18030", &s_have_gb18030))
            return kn_error_set(err, KN_EXML, "",
                                "xml: line 1: encoding %s cannot be converted on this system",
                                name);
        *encoding = "GB18030";
    } else {
        goto refuse;
    }
    *multibyte = true;
    if (bom)
        return kn_error_set(err, KN_EXML, "",
                            "xml: line 1: UTF-8 byte order mark contradicts encoding %s", name);
    return 0;
refuse:
    return kn_error_set(err, KN_EXML, "",
                        "xml: line 1: encoding \"%s\" is not accepted (UTF-8, GBK or GB18030)",
                        name);
}

/* Index just past the next occurrence of term at or after i (len when none),
 * counting lines.  In GBK and GB18030 a lead byte's trail may be ']' and must
 * not end a CDATA section. */
static size_t s_skip_to(const unsigned char *p, size_t len, size_t i, const char *term,
                        bool multibyte, long *line)
{
    size_t tlen = strlen(term);
    while (i < len) {
        if (p[i] == '\n')
            (*line)++;
        if (multibyte && p[i] >= 0x81 && p[i] != 0xFF) {
            i += 2;
            continue;
        }
        if (len - i >= tlen && memcmp(p + i, term, tlen) == 0)
            return i + tlen;
        i++;
    }
    return len;
}

/* Index just past the '>' closing the tag whose name starts at i; quoted
 * attribute values may hold '>' and '/'. */
static size_t s_skip_tag(const unsigned char *p, size_t len, size_t i, bool multibyte, long *line,
                         bool *self_closing)
{
    unsigned char quote = 0;
    unsigned char last = 0;
    *self_closing = false;
    while (i < len) {
        unsigned char c = p[i];
        if (c == '\n')
            (*line)++;
        if (multibyte && c >= 0x81 && c != 0xFF) {
            i += 2;
            last = 0;
            continue;
        }
        if (quote) {
            if (c == quote)
                quote = 0;
        } else if (c == '"' || c == '\'') {
            quote = c;
        } else if (c == '>') {
            *self_closing = last == '/';
            return i + 1;
        } else if (c == '<') {
            return i; /* not well formed: libxml2 will say so */
        }
        if (!s_space(c))
            last = c;
        i++;
    }
    return len;
}

/* Refuse a DOCTYPE anywhere and nesting deeper than max_depth. */
static int s_scan(const unsigned char *p, size_t len, int max_depth, bool multibyte,
                  kn_error_t *err)
{
    long line = 1;
    int depth = 0;
    size_t i = 0;

    while (i < len) {
        unsigned char c = p[i];
        if (c == '\n') {
            line++;
            i++;
            continue;
        }
        if (multibyte && c >= 0x81 && c != 0xFF) {
            i += 2;
            continue;
        }
        if (c != '<') {
            i++;
            continue;
        }
        size_t rest = len - i;
        if (rest >= 4 && memcmp(p + i, "<!--", 4) == 0) {
            i = s_skip_to(p, len, i + 4, "-->", multibyte, &line);
        } else if (rest >= 9 && memcmp(p + i, "<![CDATA[", 9) == 0) {
            i = s_skip_to(p, len, i + 9, "]]>", multibyte, &line);
        } else if (rest >= 2 && p[i + 1] == '!') {
            if (rest >= 9 && memcmp(p + i, "<!DOCTYPE", 9) == 0)
                return kn_error_set(err, KN_EXML, "",
                                    "xml: line %ld: DOCTYPE not allowed (external or internal "
                                    "entities are refused)",
                                    line);
            i += 2; /* anything else after "<!" is not well formed: libxml2 says so */
        } else if (rest >= 2 && p[i + 1] == '?') {
            i = s_skip_to(p, len, i + 2, "?>", multibyte, &line);
        } else if (rest >= 2 && p[i + 1] == '/') {
            if (depth > 0)
                depth--;
            i = s_skip_to(p, len, i + 2, ">", multibyte, &line);
        } else {
            long tag_line = line;
            bool self_closing;
            i = s_skip_tag(p, len, i + 1, multibyte, &line, &self_closing);
            if (!self_closing && ++depth > max_depth)
                return kn_error_set(err, KN_EXML, "",
                                    "xml: line %ld: elements nested deeper than %d levels",
                                    tag_line, max_depth);
        }
    }
    return 0;
}

/* ---- loading ----------------------------------------------------------- */

int kn_xmlsafe_load(const unsigned char *data, size_t len, const kn_xmlsafe_limits_t *limits,
                    xmlDoc **doc, kn_error_t *err)
{
    int rc = 0;
    xmlParserCtxt *ctxt = NULL;
    xmlDoc *parsed = NULL;
    const char *encoding = NULL;
    bool multibyte = false;
    s_capture_t cap;
    s_guard_t guard;

    assert(doc);
    *doc = NULL;
    memset(&cap, 0, sizeof cap);
    kn_xmlsafe_init();
    if (!limits)
        limits = &s_default_limits;

    if (!data || len == 0) {
        rc = kn_error_set(err, KN_EXML, "", "xml: message is empty");
        goto out;
    }
    if (len > limits->max_bytes || len > (size_t)INT_MAX) {
        rc = kn_error_set(err, KN_ETOOBIG, "", "xml: message is %zu bytes, the limit is %zu", len,
                          limits->max_bytes);
        goto out;
    }
    rc = s_encoding(data, len, &encoding, &multibyte, err);
    if (rc)
        goto out;
    rc = s_scan(data, len, limits->max_depth, multibyte, err);
    if (rc)
        goto out;

    ctxt = xmlNewParserCtxt();
    if (!ctxt) {
        rc = kn_error_set(err, KN_ENOMEM, "", "xml: out of memory");
        goto out;
    }
    int options = S_PARSE_OPTIONS;
    if (encoding)
        options |= XML_PARSE_IGNORE_ENC; /* the scan decided; the declaration agrees */
    s_guard_enter(&guard, &cap, true);
    parsed = xmlCtxtReadMemory(ctxt, (const char *)data, (int)len, NULL, encoding, options);
    s_guard_leave(&guard);

    if (!parsed || cap.have || !ctxt->wellFormed) {
        if (!cap.have)
            rc = kn_error_set(err, KN_EXML, "", "xml: document is not well formed");
        else if (cap.line > 0)
            rc = kn_error_set(err, KN_EXML, "", "xml: line %d: %s", cap.line, cap.text);
        else
            rc = kn_error_set(err, KN_EXML, "", "xml: %s", cap.text);
        goto out;
    }
    /* The scan refuses every DOCTYPE; this cannot happen, and must not. */
    if (parsed->intSubset || parsed->extSubset) {
        rc = kn_error_set(err, KN_EXML, "",
                          "xml: DOCTYPE not allowed (external or internal entities are refused)");
        goto out;
    }
    if (!xmlDocGetRootElement(parsed)) {
        rc = kn_error_set(err, KN_EXML, "", "xml: document has no root element");
        goto out;
    }
    *doc = parsed;
    parsed = NULL;
out:
    if (parsed)
        xmlFreeDoc(parsed);
    if (ctxt)
        xmlFreeParserCtxt(ctxt);
    return rc;
}

/* ---- schemas ------------------------------------------------------------ */

int kn_xmlsafe_schema(const char *path, xmlSchema **schema, kn_error_t *err)
{
    const kn_embedded_t *xsd = kn_embedded_find(kn__schemas, path);
    int rc = 0;
    xmlSchemaParserCtxt *pctxt = NULL;
    xmlSchema *loaded = NULL;
    s_schema_slot_t *slot = NULL;
    s_capture_t cap;
    s_guard_t guard;

    assert(path && schema);
    *schema = NULL;
    memset(&cap, 0, sizeof cap);
    kn_xmlsafe_init();

    for (size_t i = 0; i < sizeof s_schemas / sizeof s_schemas[0]; i++) {
        if (s_schemas[i].path && strcmp(s_schemas[i].path, path) == 0) {
            *schema = s_schemas[i].schema;
            goto out;
        }
        if (!s_schemas[i].path && !slot)
            slot = &s_schemas[i];
    }
    if (!slot) {
        rc = kn_error_set(err, KN_ECONFIG, "", "xml: too many schemas to cache (loading %s)", path);
        goto out;
    }

    if (!xsd) {
        rc = kn_error_set(err, KN_ECONFIG, "", "xml: no schema called %s is built in", path);
        goto out;
    }
    s_guard_enter(&guard, &cap, false);
    pctxt = xmlSchemaNewMemParserCtxt(xsd->data, (int)xsd->len);
    if (pctxt) {
        xmlSchemaSetParserStructuredErrors(pctxt, s_capture, &cap);
        loaded = xmlSchemaParse(pctxt);
    }
    s_guard_leave(&guard);
    if (!pctxt) {
        rc = kn_error_set(err, KN_ENOMEM, "", "xml: out of memory");
        goto out;
    }
    if (!loaded) {
        rc = kn_error_set(err, KN_ECONFIG, "", "xml: cannot load schema %s: %s", path,
                          cap.have ? cap.text : "unknown error");
        goto out;
    }
    slot->path = strdup(path);
    if (!slot->path) {
        rc = kn_error_set(err, KN_ENOMEM, "", "xml: out of memory");
        goto out;
    }
    slot->schema = loaded;
    *schema = loaded;
    loaded = NULL;
out:
    if (loaded)
        xmlSchemaFree(loaded);
    if (pctxt)
        xmlSchemaFreeParserCtxt(pctxt);
    return rc;
}

int kn_xmlsafe_validate(xmlSchema *schema, xmlDoc *doc, const char *who, kn_error_t *err)
{
    int rc = 0;
    xmlSchemaValidCtxt *vctxt = NULL;
    s_capture_t cap;
    s_guard_t guard;

    assert(schema && doc && who);
    memset(&cap, 0, sizeof cap);
    vctxt = xmlSchemaNewValidCtxt(schema);
    if (!vctxt) {
        rc = kn_error_set(err, KN_ENOMEM, "", "%s: out of memory", who);
        goto out;
    }
    xmlSchemaSetValidStructuredErrors(vctxt, s_capture, &cap);
    s_guard_enter(&guard, &cap, true);
    int res = xmlSchemaValidateDoc(vctxt, doc);
    s_guard_leave(&guard);
    if (res == 0 && !cap.have)
        goto out;

    char where[sizeof err->position];
    char attr[80];
    where[0] = '\0';
    if (cap.attr)
        snprintf(attr, sizeof attr, "@%s", cap.attr);
    if (cap.node)
        kn_xmlsafe_path(cap.node, cap.attr ? attr : NULL, where, sizeof where);
    int line = cap.line > 0 ? cap.line : (cap.node ? (int)kn_xmlsafe_line(cap.node) : 0);
    const char *text = cap.have ? cap.text : "document breaks its schema";
    if (res < 0)
        rc = kn_error_set(err, KN_ENOMEM, where, "%s: schema validation failed: %s", who, text);
    else if (line > 0)
        rc = kn_error_set(err, KN_ESCHEMA, where, "%s: line %d: %s", who, line, text);
    else
        rc = kn_error_set(err, KN_ESCHEMA, where, "%s: %s", who, text);
out:
    if (vctxt)
        xmlSchemaFreeValidCtxt(vctxt);
    return rc;
}

void kn_xmlsafe_cleanup(void)
{
    for (size_t i = 0; i < sizeof s_schemas / sizeof s_schemas[0]; i++) {
        if (s_schemas[i].schema)
            xmlSchemaFree(s_schemas[i].schema);
        free(s_schemas[i].path);
        s_schemas[i].schema = NULL;
        s_schemas[i].path = NULL;
    }
}

/* ---- navigation --------------------------------------------------------- */

bool kn_xmlsafe_is(const xmlNode *node, const char *name)
{
    return node && node->type == XML_ELEMENT_NODE && node->name &&
           (!name || strcmp((const char *)node->name, name) == 0);
}

xmlNode *kn_xmlsafe_child(const xmlNode *parent, const char *name)
{
    if (!parent)
        return NULL;
    for (xmlNode *c = parent->children; c; c = c->next)
        if (kn_xmlsafe_is(c, name))
            return c;
    return NULL;
}

xmlNode *kn_xmlsafe_next(const xmlNode *node, const char *name)
{
    if (!node)
        return NULL;
    for (xmlNode *c = node->next; c; c = c->next)
        if (kn_xmlsafe_is(c, name))
            return c;
    return NULL;
}

size_t kn_xmlsafe_count(const xmlNode *parent, const char *name)
{
    size_t n = 0;
    for (xmlNode *c = kn_xmlsafe_child(parent, name); c; c = kn_xmlsafe_next(c, name))
        n++;
    return n;
}

int kn_xmlsafe_text(const xmlNode *node, kn_arena_t *arena, const char **out)
{
    *out = NULL;
    if (!node)
        return 0;
    size_t total = 0;
    for (const xmlNode *c = node->children; c; c = c->next)
        if ((c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) && c->content)
            total += strlen((const char *)c->content);
    if (total == 0)
        return 0;
    char *buf = kn_arena_alloc(arena, total + 1);
    if (!buf)
        return KN_ENOMEM;
    size_t n = 0;
    for (const xmlNode *c = node->children; c; c = c->next) {
        if ((c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) && c->content) {
            size_t l = strlen((const char *)c->content);
            memcpy(buf + n, c->content, l);
            n += l;
        }
    }
    buf[n] = '\0';
    char *start = buf;
    while (*start && s_space((unsigned char)*start))
        start++;
    char *end = buf + n;
    while (end > start && s_space((unsigned char)end[-1]))
        *--end = '\0';
    *out = *start ? start : NULL;
    return 0;
}

int kn_xmlsafe_child_text(const xmlNode *parent, const char *name, kn_arena_t *arena,
                          const char **out)
{
    return kn_xmlsafe_text(kn_xmlsafe_child(parent, name), arena, out);
}

/* 1-based position of node among its same-named element siblings, or 0 when it
 * has none (then the path needs no index). */
static size_t s_sibling_index(const xmlNode *node)
{
    size_t pos = 0, total = 0;
    if (!node->parent)
        return 0;
    for (const xmlNode *s = node->parent->children; s; s = s->next) {
        if (s->type == XML_ELEMENT_NODE && s->name &&
            strcmp((const char *)s->name, (const char *)node->name) == 0) {
            total++;
            if (s == node)
                pos = total;
        }
    }
    return total > 1 ? pos : 0;
}

const char *kn_xmlsafe_path(const xmlNode *node, const char *child, char *buf, size_t size)
{
    const xmlNode *chain[S_PATH_DEPTH];
    size_t n = 0, off = 0;
    bool cut = false;

    if (size == 0)
        return buf;
    buf[0] = '\0';
    for (const xmlNode *cur = node; cur && cur->type == XML_ELEMENT_NODE; cur = cur->parent) {
        if (n == S_PATH_DEPTH) {
            cut = true;
            break;
        }
        chain[n++] = cur;
    }
    if (cut)
        off += (size_t)snprintf(buf + off, size - off, "/...");
    for (size_t k = n; k-- > 0 && off < size;) {
        size_t idx = s_sibling_index(chain[k]);
        int w;
        if (idx)
            w = snprintf(buf + off, size - off, "/%s[%zu]", (const char *)chain[k]->name, idx);
        else
            w = snprintf(buf + off, size - off, "/%s", (const char *)chain[k]->name);
        if (w < 0)
            break;
        off += (size_t)w;
    }
    if (child && off < size)
        snprintf(buf + off, size - off, "/%s", child);
    return buf;
}

long kn_xmlsafe_line(const xmlNode *node)
{
    if (!node)
        return 0;
    long line = xmlGetLineNo(node);
    return line > 0 ? line : 0;
}
