/* kouan — UN/EDIFACT syntax reader (see edifact.h for what it checks).
 *
 * One pass over the input, segment by segment.  Before anything is allocated
 * the unreleased segment terminators are counted, which bounds the segment and
 * message arrays; each segment is then scanned twice, once to count its
 * elements and components (bounded by constants) and once to copy the values
 * into exactly sized arena memory.
 */
#include "edifact.h"

#include <assert.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

typedef struct {
    size_t count;        /* components present, at least 1 */
    const char **values; /* count values; NULL where empty */
} s_element_t;

struct kn_edifact_segment {
    const kn_edifact_message_t *message; /* owning message; NULL for UNB and UNZ */
    unsigned number;                     /* within the message, UNH = 1 */
    size_t ic_number;                    /* within the interchange, UNB = 1 */
    char tag[4];                         /* three characters and a NUL */
    size_t element_count;                /* data elements present */
    s_element_t *elements;               /* [0] is element 1 */
};

struct kn_edifact_message {
    size_t ordinal;                 /* 1-based place in the interchange */
    const char *ref;                /* UNH 0062 */
    const char *type;               /* S009/0065 */
    const char *version;            /* S009/0052 */
    const char *release;            /* S009/0054 */
    const char *agency;             /* S009/0051 */
    const char *association;        /* S009/0057 */
    size_t segment_count;           /* UNH ... UNT */
    kn_edifact_segment_t *segments; /* first is UNH; contiguous */
};

struct kn_edifact_interchange {
    kn_edifact_syntax_t syntax;      /* UNB S001/0001 */
    const char *syntax_version;      /* UNB S001/0002 */
    const char *sender;              /* UNB S002/0004 */
    const char *sender_qualifier;    /* UNB S002/0007 */
    const char *recipient;           /* UNB S003/0010 */
    const char *recipient_qualifier; /* UNB S003/0007 */
    const char *date;                /* UNB S004/0017 */
    const char *time;                /* UNB S004/0019 */
    const char *control_ref;         /* UNB 0020 */
    char decimal_mark;               /* UNA, '.' by default */
    size_t message_count;            /* messages read */
    kn_edifact_message_t *messages;  /* message_count of them */
};

typedef enum { S_START = 0, S_BETWEEN, S_MESSAGE, S_DONE } s_state_t;

typedef struct {
    const unsigned char *data;  /* the interchange */
    size_t len;                 /* its length */
    size_t pos;                 /* next byte to read */
    kn_arena_t *arena;          /* where everything goes */
    kn_error_t *err;            /* filled on failure; may be NULL */
    unsigned char csep;         /* component data element separator */
    unsigned char esep;         /* data element separator */
    unsigned char dmark;        /* decimal mark */
    unsigned char rel;          /* release character, when has_release */
    unsigned char term;         /* segment terminator */
    bool has_release;           /* a space in UNA means none */
    bool saw_una;               /* the input started with UNA */
    kn_edifact_syntax_t syntax; /* 0 until UNB has been read */
    kn_edifact_interchange_t *ic;
    kn_edifact_segment_t *segs; /* every segment, UNB and UNZ included */
    size_t seg_cap;             /* room in segs */
    size_t seg_count;           /* segments read */
    size_t msg_cap;             /* room in ic->messages */
    kn_edifact_message_t *open; /* message between its UNH and UNT */
    s_state_t state;
    unsigned char value[KN_EDIFACT_MAX_VALUE]; /* one value being collected */
} s_parser_t;

/* ------------------------------------------------------------------------ */
/* errors and positions                                                     */

static void s_format_position(char *buf, size_t size, size_t ordinal, unsigned number,
                              size_t ic_number, const char *tag)
{
    char t[16] = "";
    if (tag && tag[0])
        snprintf(t, sizeof t, " (%s)", tag);
    if (ordinal > 1)
        snprintf(buf, size, "message %zu: segment %u%s", ordinal, number, t);
    else if (ordinal == 1)
        snprintf(buf, size, "segment %u%s", number, t);
    else
        snprintf(buf, size, "interchange segment %zu%s", ic_number, t);
}

static void s_segment_where(const kn_edifact_segment_t *seg, char *buf, size_t size)
{
    s_format_position(buf, size, seg->message ? seg->message->ordinal : 0, seg->number,
                      seg->ic_number, seg->tag);
}

/* Position of the segment being read, before it is attached to a message. */
static void s_here(const s_parser_t *ps, const char *tag, char *buf, size_t size)
{
    size_t ic_number = ps->seg_count + 1;
    if (ps->open)
        s_format_position(buf, size, ps->open->ordinal, (unsigned)ps->open->segment_count + 1,
                          ic_number, tag);
    else if (tag && strcmp(tag, "UNH") == 0 && ps->ic)
        s_format_position(buf, size, ps->ic->message_count + 1, 1, ic_number, tag);
    else
        s_format_position(buf, size, 0, 0, ic_number, tag);
}

static int s_vfail(s_parser_t *ps, int code, const char *position, const char *fmt, va_list ap)
    __attribute__((format(printf, 4, 0)));
static int s_vfail(s_parser_t *ps, int code, const char *position, const char *fmt, va_list ap)
{
    char msg[512];
    vsnprintf(msg, sizeof msg, fmt, ap);
    return kn_error_set(ps->err, code, position, "edifact: %s", msg);
}

static int s_fail(s_parser_t *ps, int code, const char *position, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int s_fail(s_parser_t *ps, int code, const char *position, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = s_vfail(ps, code, position, fmt, ap);
    va_end(ap);
    return rc;
}

/* Fail at the segment being read (tag may be NULL when it is not known). */
static int s_fail_here(s_parser_t *ps, const char *tag, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int s_fail_here(s_parser_t *ps, const char *tag, int code, const char *fmt, ...)
{
    char where[128];
    s_here(ps, tag, where, sizeof where);
    va_list ap;
    va_start(ap, fmt);
    int rc = s_vfail(ps, code, where, fmt, ap);
    va_end(ap);
    return rc;
}

/* Fail at a segment already read. */
static int s_fail_at(s_parser_t *ps, const kn_edifact_segment_t *seg, int code, const char *fmt,
                     ...) __attribute__((format(printf, 4, 5)));
static int s_fail_at(s_parser_t *ps, const kn_edifact_segment_t *seg, int code, const char *fmt,
                     ...)
{
    char where[128];
    s_segment_where(seg, where, sizeof where);
    va_list ap;
    va_start(ap, fmt);
    int rc = s_vfail(ps, code, where, fmt, ap);
    va_end(ap);
    return rc;
}

/* "element 3" or "element 3 component 2", as the value's element has one or
 * more components. */
static const char *s_element_name(char *buf, size_t size, size_t element, size_t component,
                                  size_t components)
{
    if (components > 1)
        snprintf(buf, size, "element %zu component %zu", element, component);
    else
        snprintf(buf, size, "element %zu", element);
    return buf;
}

/* Printable rendering of up to 12 raw bytes for an error message. */
static const char *s_escape(char *buf, size_t size, const unsigned char *s, size_t n)
{
    size_t o = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < n && i < 12 && o + 5 < size; i++) {
        if (s[i] >= 0x20 && s[i] < 0x7f && s[i] != '"' && s[i] != '\\')
            buf[o++] = (char)s[i];
        else
            o += (size_t)snprintf(buf + o, size - o, "\\x%02X", s[i]);
    }
    buf[o < size ? o : size - 1] = '\0';
    return buf;
}

/* ------------------------------------------------------------------------ */
/* character sets                                                           */

const char *kn_edifact_syntax_name(kn_edifact_syntax_t syntax)
{
    switch (syntax) {
    case KN_EDIFACT_UNOA:
        return "UNOA";
    case KN_EDIFACT_UNOB:
        return "UNOB";
    case KN_EDIFACT_UNOC:
        return "UNOC";
    case KN_EDIFACT_UNOY:
        return "UNOY";
    }
    return "unknown";
}

/* ISO 9735 level A: A-Z 0-9 space . , - ( ) / = ' + : ? ! " % & * ; < >
 * Level B adds a-z.  The service characters chosen in UNA are allowed too,
 * since a released separator is data. */
static bool s_level_ok(const s_parser_t *ps, unsigned char c, bool lower)
{
    if ((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        return true;
    if (lower && c >= 'a' && c <= 'z')
        return true;
    if (c != '\0' && strchr(" .,-()/='+:?!\"%&*;<>", c))
        return true;
    return c == ps->csep || c == ps->esep || c == ps->term || (ps->has_release && c == ps->rel);
}

/* Length of the well-formed UTF-8 sequence at s (n bytes left), or 0. */
static size_t s_utf8_seq(const unsigned char *s, size_t n)
{
    unsigned char c = s[0];
    size_t need;
    unsigned char lo = 0x80, hi = 0xbf;
    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf)
        need = 1;
    else if (c >= 0xe0 && c <= 0xef) {
        need = 2;
        if (c == 0xe0)
            lo = 0xa0;
        else if (c == 0xed)
            hi = 0x9f; /* no surrogates */
    } else if (c >= 0xf0 && c <= 0xf4) {
        need = 3;
        if (c == 0xf0)
            lo = 0x90;
        else if (c == 0xf4)
            hi = 0x8f; /* nothing above U+10FFFF */
    } else
        return 0;
    if (n < need + 1)
        return 0;
    if (s[1] < lo || s[1] > hi)
        return 0;
    for (size_t i = 2; i <= need; i++)
        if (s[i] < 0x80 || s[i] > 0xbf)
            return 0;
    return need + 1;
}

/* Check the n raw bytes of one value against the syntax level and return them
 * as a NUL-terminated UTF-8 string in the arena.  syntax 0 (UNB, before its
 * syntax identifier is known) takes printable ASCII only. */
static int s_convert(s_parser_t *ps, const char *tag, size_t element, size_t component,
                     size_t components, const unsigned char *s, size_t n, const char **out)
{
    char name[64], shown[16];
    kn_edifact_syntax_t syntax = ps->syntax;
    size_t room = syntax == KN_EDIFACT_UNOC ? 2 * n + 1 : n + 1;
    char *dst = kn_arena_alloc(ps->arena, room);
    if (!dst)
        return s_fail_here(ps, tag, KN_ENOMEM, "out of memory");
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = s[i];
        bool ok;
        switch (syntax) {
        case KN_EDIFACT_UNOA:
        case KN_EDIFACT_UNOB:
            ok = s_level_ok(ps, c, syntax == KN_EDIFACT_UNOB);
            break;
        case KN_EDIFACT_UNOC:
            ok = (c >= 0x20 && c < 0x7f) || c >= 0xa0;
            if (ok && c >= 0x80) {
                dst[o++] = (char)(0xc0 | (c >> 6));
                dst[o++] = (char)(0x80 | (c & 0x3f));
                continue;
            }
            break;
        case KN_EDIFACT_UNOY: {
            if (c < 0x20 || c == 0x7f) {
                ok = false;
                break;
            }
            size_t k = s_utf8_seq(s + i, n - i);
            if (k == 0 || (c == 0xc2 && s[i + 1] < 0xa0)) { /* C1 controls refused */
                s_element_name(name, sizeof name, element, component, components);
                return s_fail_here(ps, tag, KN_EPARSE,
                                   "%s: invalid UTF-8 at byte %zu of the value (UNOY)", name,
                                   i + 1);
            }
            memcpy(dst + o, s + i, k);
            o += k;
            i += k - 1;
            continue;
        }
        default:
            ok = c >= 0x20 && c < 0x7f;
            break;
        }
        if (!ok) {
            s_element_name(name, sizeof name, element, component, components);
            if (syntax == 0)
                return s_fail_here(ps, tag, KN_EPARSE, "%s: character 0x%02X is not allowed in UNB",
                                   name, c);
            if (c >= 0x20 && c < 0x7f)
                return s_fail_here(
                    ps, tag, KN_EPARSE, "%s: character '%s' (0x%02X) is not allowed in %s", name,
                    s_escape(shown, sizeof shown, &c, 1), c, kn_edifact_syntax_name(syntax));
            return s_fail_here(ps, tag, KN_EPARSE, "%s: character 0x%02X is not allowed in %s",
                               name, c, kn_edifact_syntax_name(syntax));
        }
        dst[o++] = (char)c;
    }
    dst[o] = '\0';
    *out = dst;
    return 0;
}

/* ------------------------------------------------------------------------ */
/* lexing                                                                   */

static bool s_is_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

static bool s_is_service(const s_parser_t *ps, unsigned char c)
{
    return c == ps->csep || c == ps->esep || c == ps->term || (ps->has_release && c == ps->rel);
}

/* Whitespace between segments is not data. */
static size_t s_skip_space(const s_parser_t *ps, size_t p)
{
    while (p < ps->len && s_is_space(ps->data[p]) && !s_is_service(ps, ps->data[p]))
        p++;
    return p;
}

static bool s_valid_service_char(unsigned char c)
{
    return !((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
             s_is_space(c) || c == '\0');
}

static int s_read_una(s_parser_t *ps)
{
    const unsigned char *d = ps->data + ps->pos;
    size_t left = ps->len - ps->pos;
    char a[16], b[16];
    if (left < 3 || memcmp(d, "UNA", 3) != 0)
        return 0;
    if (left < 9)
        return s_fail(ps, KN_EPARSE, "UNA",
                      "service string advice is cut short: it needs six characters after UNA");
    unsigned char svc[4] = {d[3], d[4], d[6], d[8]}; /* component, element, release, terminator */
    static const char *names[4] = {"component separator", "data element separator",
                                   "release character", "segment terminator"};
    for (int i = 0; i < 4; i++) {
        if (i == 2 && svc[i] == ' ')
            continue; /* no release character */
        if (!s_valid_service_char(svc[i]))
            return s_fail(ps, KN_EPARSE, "UNA", "%s \"%s\" cannot be a letter, digit or space",
                          names[i], s_escape(a, sizeof a, &svc[i], 1));
        for (int j = 0; j < i; j++)
            if (svc[i] == svc[j])
                return s_fail(ps, KN_EPARSE, "UNA", "%s and %s are both \"%s\"", names[j], names[i],
                              s_escape(a, sizeof a, &svc[i], 1));
    }
    if (d[5] != '.' && d[5] != ',')
        return s_fail(ps, KN_EPARSE, "UNA", "decimal mark \"%s\" is neither '.' nor ','",
                      s_escape(a, sizeof a, &d[5], 1));
    /* Position 5 is reserved (syntax 3) or the repetition separator (syntax 4);
     * repetitions are not used by D.95B/D.00B messages, so it only must not
     * clash with the other service characters. */
    if (d[7] != ' ')
        for (int j = 0; j < 4; j++)
            if (d[7] == svc[j])
                return s_fail(ps, KN_EPARSE, "UNA", "reserved character and %s are both \"%s\"",
                              names[j], s_escape(b, sizeof b, &d[7], 1));
    ps->csep = d[3];
    ps->esep = d[4];
    ps->dmark = d[5];
    ps->has_release = d[6] != ' ';
    ps->rel = d[6];
    ps->term = d[8];
    ps->pos += 9;
    ps->saw_una = true;
    return 0;
}

/* Read the segment starting at ps->pos into the next slot of ps->segs. */
static int s_read_segment(s_parser_t *ps, kn_edifact_segment_t **out)
{
    const unsigned char *d = ps->data;
    size_t len = ps->len, p = ps->pos, q;
    char shown[64], tag[4];
    size_t comps[KN_EDIFACT_MAX_ELEMENTS + 1];
    size_t ne = 0;
    int rc = 0;

    /* The tag: three characters up to the first separator. */
    for (q = p; q < len && q - p < 4 && !s_is_service(ps, d[q]); q++)
        ;
    if (q == len && q - p < 4) {
        rc = s_fail_here(ps, NULL, KN_EPARSE,
                         "input ends inside a segment tag (\"%s\"): no segment terminator",
                         s_escape(shown, sizeof shown, d + p, q - p));
        goto out;
    }
    if (q == p && d[q] == ps->term) {
        rc = s_fail_here(ps, NULL, KN_EPARSE, "empty segment");
        goto out;
    }
    if (q - p != 3 || !(d[p] >= 'A' && d[p] <= 'Z')) {
        rc = s_fail_here(ps, NULL, KN_EPARSE,
                         "segment tag \"%s\" is not three upper case letters or digits",
                         s_escape(shown, sizeof shown, d + p, q - p));
        goto out;
    }
    for (size_t i = 1; i < 3; i++)
        if (!((d[p + i] >= 'A' && d[p + i] <= 'Z') || (d[p + i] >= '0' && d[p + i] <= '9'))) {
            rc = s_fail_here(ps, NULL, KN_EPARSE,
                             "segment tag \"%s\" is not three upper case letters or digits",
                             s_escape(shown, sizeof shown, d + p, 3));
            goto out;
        }
    memcpy(tag, d + p, 3);
    tag[3] = '\0';

    if (ps->seg_count >= ps->seg_cap) {
        rc =
            s_fail_here(ps, tag, KN_ETOOBIG, "interchange has more than %zu segments", ps->seg_cap);
        goto out;
    }

    /* First scan: find the terminator, count elements and components. */
    comps[0] = 1;
    for (q = p;; q++) {
        if (q >= len) {
            rc = s_fail_here(ps, tag, KN_EPARSE,
                             "input ends inside this segment: no segment terminator");
            goto out;
        }
        unsigned char c = d[q];
        if (ps->has_release && c == ps->rel) {
            if (q + 1 >= len) {
                rc = s_fail_here(ps, tag, KN_EPARSE,
                                 "input ends after a release character inside this segment");
                goto out;
            }
            q++;
            continue;
        }
        if (c == ps->term)
            break;
        if (c == ps->esep) {
            if (ne == KN_EDIFACT_MAX_ELEMENTS) {
                rc = s_fail_here(ps, tag, KN_ETOOBIG, "more than %u data elements",
                                 KN_EDIFACT_MAX_ELEMENTS);
                goto out;
            }
            comps[++ne] = 1;
        } else if (c == ps->csep) {
            if (comps[ne] == KN_EDIFACT_MAX_COMPONENTS) {
                rc = s_fail_here(ps, tag, KN_ETOOBIG, "element %zu: more than %u components", ne,
                                 KN_EDIFACT_MAX_COMPONENTS);
                goto out;
            }
            comps[ne]++;
        }
    }
    size_t end = q;

    kn_edifact_segment_t *seg = &ps->segs[ps->seg_count];
    memset(seg, 0, sizeof *seg);
    memcpy(seg->tag, tag, sizeof tag);
    seg->ic_number = ps->seg_count + 1;
    seg->element_count = ne;
    if (ne > 0) {
        size_t total = 0;
        for (size_t i = 1; i <= ne; i++)
            total += comps[i];
        seg->elements = kn_arena_calloc(ps->arena, ne, sizeof *seg->elements);
        const char **values = kn_arena_calloc(ps->arena, total, sizeof *values);
        if (!seg->elements || !values) {
            rc = s_fail_here(ps, tag, KN_ENOMEM, "out of memory");
            goto out;
        }
        for (size_t i = 1; i <= ne; i++) {
            seg->elements[i - 1].count = comps[i];
            seg->elements[i - 1].values = values;
            values += comps[i];
        }
    }

    /* Second scan: copy the values, release characters resolved. */
    size_t e = 0, c = 0, n = 0;
    for (q = p; q <= end; q++) {
        unsigned char ch = d[q];
        if (ps->has_release && ch == ps->rel && q < end) {
            ch = d[++q];
        } else if (ch == ps->term || ch == ps->esep || ch == ps->csep) {
            if (e > 0 && n > 0) {
                rc = s_convert(ps, tag, e, c + 1, comps[e], ps->value, n,
                               &seg->elements[e - 1].values[c]);
                if (rc)
                    goto out;
            }
            n = 0;
            if (ch == ps->esep) {
                e++;
                c = 0;
            } else if (ch == ps->csep)
                c++;
            continue;
        }
        if (e == 0)
            continue; /* the tag (and syntax 4 nesting indicators) */
        if (n == KN_EDIFACT_MAX_VALUE) {
            s_element_name(shown, sizeof shown, e, c + 1, comps[e]);
            rc = s_fail_here(ps, tag, KN_ETOOBIG, "%s: value longer than %u bytes", shown,
                             KN_EDIFACT_MAX_VALUE);
            goto out;
        }
        ps->value[n++] = ch;
    }

    ps->seg_count++;
    ps->pos = end + 1;
    *out = seg;
out:
    return rc;
}

/* ------------------------------------------------------------------------ */
/* service segments                                                         */

static const char *s_val(const kn_edifact_segment_t *seg, size_t e, size_t c)
{
    return kn_edifact_segment_value(seg, e, c);
}

static bool s_all_digits(const char *s, size_t min, size_t max)
{
    size_t n = strlen(s);
    if (n < min || n > max)
        return false;
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

/* A control count (n..6): digits only. */
static bool s_count(const char *s, unsigned long *out)
{
    if (!s || !s_all_digits(s, 1, 6))
        return false;
    unsigned long v = 0;
    for (; *s; s++)
        v = v * 10 + (unsigned long)(*s - '0');
    *out = v;
    return true;
}

static int s_unb(s_parser_t *ps, kn_edifact_segment_t *seg)
{
    kn_edifact_interchange_t *ic = ps->ic;
    const char *sid = s_val(seg, 1, 1);
    static const char *ids[] = {"UNOA", "UNOB", "UNOC", "UNOY"};
    int rc = 0;

    if (!sid) {
        rc = s_fail_at(ps, seg, KN_EPARSE, "element 1: syntax identifier is missing");
        goto out;
    }
    for (int i = 0; i < 4; i++)
        if (strcmp(sid, ids[i]) == 0)
            ic->syntax = (kn_edifact_syntax_t)(KN_EDIFACT_UNOA + i);
    if (!ic->syntax) {
        rc = s_fail_at(ps, seg, KN_EPARSE,
                       "element 1: syntax identifier %s is not supported (UNOA, UNOB, UNOC or "
                       "UNOY)",
                       sid);
        goto out;
    }
    ic->syntax_version = s_val(seg, 1, 2);
    if (!ic->syntax_version || !s_all_digits(ic->syntax_version, 1, 1) ||
        ic->syntax_version[0] < '1' || ic->syntax_version[0] > '4') {
        rc = s_fail_at(ps, seg, KN_EPARSE,
                       "element 1 component 2: syntax version number %s is not 1 to 4",
                       ic->syntax_version ? ic->syntax_version : "(missing)");
        goto out;
    }
    ic->sender = s_val(seg, 2, 1);
    ic->sender_qualifier = s_val(seg, 2, 2);
    ic->recipient = s_val(seg, 3, 1);
    ic->recipient_qualifier = s_val(seg, 3, 2);
    ic->date = s_val(seg, 4, 1);
    ic->time = s_val(seg, 4, 2);
    ic->control_ref = s_val(seg, 5, 1);
    if (!ic->sender) {
        rc = s_fail_at(ps, seg, KN_EPARSE, "element 2: interchange sender is missing");
        goto out;
    }
    if (!ic->recipient) {
        rc = s_fail_at(ps, seg, KN_EPARSE, "element 3: interchange recipient is missing");
        goto out;
    }
    if (!ic->date || !(s_all_digits(ic->date, 6, 6) || s_all_digits(ic->date, 8, 8))) {
        rc = s_fail_at(ps, seg, KN_EPARSE, "element 4: date %s is not YYMMDD or CCYYMMDD",
                       ic->date ? ic->date : "(missing)");
        goto out;
    }
    if (!ic->time || !s_all_digits(ic->time, 4, 4)) {
        rc = s_fail_at(ps, seg, KN_EPARSE, "element 4 component 2: time %s is not HHMM",
                       ic->time ? ic->time : "(missing)");
        goto out;
    }
    if (!ic->control_ref) {
        rc = s_fail_at(ps, seg, KN_EPARSE, "element 5: interchange control reference is missing");
        goto out;
    }

    /* UNB was read before its syntax identifier was known: check it now. */
    ps->syntax = ic->syntax;
    if (ps->syntax == KN_EDIFACT_UNOA || ps->syntax == KN_EDIFACT_UNOB) {
        for (size_t e = 0; e < seg->element_count; e++)
            for (size_t c = 0; c < seg->elements[e].count; c++) {
                const char *v = seg->elements[e].values[c];
                for (; v && *v; v++)
                    if (!s_level_ok(ps, (unsigned char)*v, ps->syntax == KN_EDIFACT_UNOB)) {
                        char name[64];
                        s_element_name(name, sizeof name, e + 1, c + 1, seg->elements[e].count);
                        rc = s_fail_at(ps, seg, KN_EPARSE,
                                       "%s: character '%c' (0x%02X) is not allowed in %s", name, *v,
                                       (unsigned char)*v, sid);
                        goto out;
                    }
            }
    }
out:
    return rc;
}

static int s_unh(s_parser_t *ps, kn_edifact_segment_t *seg)
{
    kn_edifact_interchange_t *ic = ps->ic;
    int rc = 0;

    if (ic->message_count >= ps->msg_cap) {
        rc = s_fail_here(ps, seg->tag, KN_ETOOBIG, "interchange has more than %zu messages",
                         ps->msg_cap);
        goto out;
    }
    kn_edifact_message_t *msg = &ic->messages[ic->message_count++];
    memset(msg, 0, sizeof *msg);
    msg->ordinal = ic->message_count;
    msg->segments = seg;
    msg->segment_count = 1;
    seg->message = msg;
    seg->number = 1;
    ps->open = msg;

    msg->ref = s_val(seg, 1, 1);
    msg->type = s_val(seg, 2, 1);
    msg->version = s_val(seg, 2, 2);
    msg->release = s_val(seg, 2, 3);
    msg->agency = s_val(seg, 2, 4);
    msg->association = s_val(seg, 2, 5);
    if (!msg->ref) {
        rc = s_fail_at(ps, seg, KN_EPARSE, "element 1: message reference is missing");
        goto out;
    }
    if (!msg->type) {
        rc = s_fail_at(ps, seg, KN_EPARSE, "element 2: message type is missing");
        goto out;
    }
    if (!msg->version || !msg->release) {
        rc = s_fail_at(ps, seg, KN_EPARSE, "element 2: message version or release is missing");
        goto out;
    }
    if (strcmp(msg->version, "D") != 0 ||
        (strcmp(msg->release, "95B") != 0 && strcmp(msg->release, "00B") != 0)) {
        rc = s_fail_at(ps, seg, KN_EUNKNOWN,
                       "element 2: message directory %s.%s is not supported (D.95B or D.00B)",
                       msg->version, msg->release);
        goto out;
    }
    if (!msg->agency || strcmp(msg->agency, "UN") != 0) {
        rc = s_fail_at(ps, seg, KN_EUNKNOWN,
                       "element 2 component 4: controlling agency %s is not UN",
                       msg->agency ? msg->agency : "(missing)");
        goto out;
    }
out:
    return rc;
}

static int s_unt(s_parser_t *ps, kn_edifact_segment_t *seg)
{
    kn_edifact_message_t *msg = ps->open;
    const char *count = s_val(seg, 1, 1), *ref = s_val(seg, 2, 1);
    unsigned long n;
    int rc = 0;

    if (!s_count(count, &n)) {
        rc = s_fail_at(ps, seg, KN_EPARSE, "element 1: segment count %s is not a number",
                       count ? count : "(missing)");
        goto out;
    }
    if (n != msg->segment_count) {
        rc = s_fail_at(ps, seg, KN_EPARSE, "element 1: segment count says %lu, message has %zu", n,
                       msg->segment_count);
        goto out;
    }
    if (!ref) {
        rc = s_fail_at(ps, seg, KN_EPARSE, "element 2: message reference is missing");
        goto out;
    }
    if (strcmp(ref, msg->ref) != 0) {
        rc = s_fail_at(ps, seg, KN_EPARSE,
                       "element 2: message reference %s does not match UNH reference %s", ref,
                       msg->ref);
        goto out;
    }
    ps->open = NULL;
out:
    return rc;
}

static int s_unz(s_parser_t *ps, kn_edifact_segment_t *seg)
{
    kn_edifact_interchange_t *ic = ps->ic;
    const char *count = s_val(seg, 1, 1), *ref = s_val(seg, 2, 1);
    unsigned long n;
    int rc = 0;

    if (!s_count(count, &n)) {
        rc = s_fail_at(ps, seg, KN_EPARSE, "element 1: message count %s is not a number",
                       count ? count : "(missing)");
        goto out;
    }
    if (n != ic->message_count) {
        rc = s_fail_at(ps, seg, KN_EPARSE, "element 1: message count says %lu, interchange has %zu",
                       n, ic->message_count);
        goto out;
    }
    if (!ref) {
        rc = s_fail_at(ps, seg, KN_EPARSE, "element 2: interchange control reference is missing");
        goto out;
    }
    if (strcmp(ref, ic->control_ref) != 0) {
        rc = s_fail_at(ps, seg, KN_EPARSE,
                       "element 2: control reference %s does not match UNB reference %s", ref,
                       ic->control_ref);
        goto out;
    }
out:
    return rc;
}

/* Fit a segment just read into UNB (UNH ... UNT)* UNZ. */
static int s_structure(s_parser_t *ps, kn_edifact_segment_t *seg)
{
    const char *tag = seg->tag;
    int rc = 0;

    switch (ps->state) {
    case S_START:
        if (strcmp(tag, "UNB") != 0) {
            rc = s_fail_at(ps, seg, KN_EPARSE, "interchange must start with UNB, not %s", tag);
            goto out;
        }
        rc = s_unb(ps, seg);
        ps->state = S_BETWEEN;
        break;
    case S_BETWEEN:
        if (strcmp(tag, "UNH") == 0) {
            rc = s_unh(ps, seg);
            ps->state = S_MESSAGE;
        } else if (strcmp(tag, "UNZ") == 0) {
            rc = s_unz(ps, seg);
            ps->state = S_DONE;
        } else if (strcmp(tag, "UNG") == 0 || strcmp(tag, "UNE") == 0)
            rc = s_fail_at(ps, seg, KN_EPARSE, "functional groups (UNG ... UNE) are not supported");
        else if (strcmp(tag, "UNB") == 0)
            rc = s_fail_at(ps, seg, KN_EPARSE, "second UNB in one interchange");
        else
            rc = s_fail_at(ps, seg, KN_EPARSE, "%s outside a message (no UNH before it)", tag);
        break;
    case S_MESSAGE:
        seg->message = ps->open;
        seg->number = (unsigned)++ps->open->segment_count;
        if (strcmp(tag, "UNT") == 0) {
            rc = s_unt(ps, seg);
            ps->state = S_BETWEEN;
        } else if (strcmp(tag, "UNH") == 0 || strcmp(tag, "UNZ") == 0 || strcmp(tag, "UNB") == 0 ||
                   strcmp(tag, "UNG") == 0 || strcmp(tag, "UNE") == 0)
            rc = s_fail_at(ps, seg, KN_EPARSE, "%s before the UNT of message %s", tag,
                           ps->open->ref);
        break;
    case S_DONE:
        assert(!"segment after UNZ reached s_structure");
        break;
    }
out:
    return rc;
}

/* ------------------------------------------------------------------------ */
/* the interchange                                                          */

int kn_edifact_parse(const unsigned char *data, size_t len, kn_arena_t *arena,
                     kn_edifact_interchange_t **out, kn_error_t *err)
{
    assert(arena && out);
    s_parser_t *ps = NULL;
    kn_edifact_segment_t *seg = NULL;
    char where[128];
    int rc = 0;

    *out = NULL;
    ps = kn_arena_calloc(arena, 1, sizeof *ps);
    if (!ps)
        return kn_error_set(err, KN_ENOMEM, "", "edifact: out of memory");
    ps->data = data;
    ps->len = data ? len : 0;
    ps->arena = arena;
    ps->err = err;
    ps->csep = ':';
    ps->esep = '+';
    ps->dmark = '.';
    ps->rel = '?';
    ps->has_release = true;
    ps->term = '\'';

    if (ps->len > KN_EDIFACT_MAX_INPUT) {
        rc = s_fail(ps, KN_ETOOBIG, "", "interchange is %zu bytes, more than the limit of %u",
                    ps->len, KN_EDIFACT_MAX_INPUT);
        goto out;
    }
    ps->pos = s_skip_space(ps, 0);
    if (ps->pos == ps->len) {
        rc = s_fail(ps, KN_EPARSE, "", "empty input: no UNB");
        goto out;
    }
    rc = s_read_una(ps);
    if (rc)
        goto out;

    /* Bound the arrays by the number of segment terminators. */
    size_t terms = 0;
    for (size_t i = ps->pos; i < ps->len; i++) {
        if (ps->has_release && ps->data[i] == ps->rel)
            i++;
        else if (ps->data[i] == ps->term)
            terms++;
    }
    if (terms > KN_EDIFACT_MAX_SEGMENTS) {
        rc = s_fail(ps, KN_ETOOBIG, "", "interchange has more than %u segments",
                    KN_EDIFACT_MAX_SEGMENTS);
        goto out;
    }
    ps->seg_cap = terms + 1 < KN_EDIFACT_MAX_SEGMENTS ? terms + 1 : KN_EDIFACT_MAX_SEGMENTS;
    ps->msg_cap = ps->seg_cap / 2 + 1;
    if (ps->msg_cap > KN_EDIFACT_MAX_MESSAGES)
        ps->msg_cap = KN_EDIFACT_MAX_MESSAGES;
    ps->ic = kn_arena_calloc(arena, 1, sizeof *ps->ic);
    ps->segs = kn_arena_calloc(arena, ps->seg_cap, sizeof *ps->segs);
    if (ps->ic)
        ps->ic->messages = kn_arena_calloc(arena, ps->msg_cap, sizeof *ps->ic->messages);
    if (!ps->ic || !ps->segs || !ps->ic->messages) {
        rc = s_fail(ps, KN_ENOMEM, "", "out of memory");
        goto out;
    }
    ps->ic->decimal_mark = (char)ps->dmark;

    for (;;) {
        ps->pos = s_skip_space(ps, ps->pos);
        if (ps->pos >= ps->len)
            break;
        if (ps->state == S_DONE) {
            s_format_position(where, sizeof where, 0, 0, ps->seg_count + 1, NULL);
            rc = s_fail(ps, KN_EPARSE, where, "data after UNZ");
            goto out;
        }
        rc = s_read_segment(ps, &seg);
        if (rc)
            goto out;
        rc = s_structure(ps, seg);
        if (rc)
            goto out;
    }

    switch (ps->state) {
    case S_START:
        rc = s_fail(ps, KN_EPARSE, ps->saw_una ? "UNA" : "", "input ends before UNB");
        goto out;
    case S_MESSAGE:
        rc = s_fail_at(ps, &ps->segs[ps->seg_count - 1], KN_EPARSE,
                       "input ends after this segment: message %s has no UNT and the interchange "
                       "no UNZ",
                       ps->open->ref);
        goto out;
    case S_BETWEEN:
        rc = s_fail_at(ps, &ps->segs[ps->seg_count - 1], KN_EPARSE,
                       "input ends after this segment: the interchange has no UNZ");
        goto out;
    case S_DONE:
        break;
    }
    *out = ps->ic;
out:
    return rc;
}

/* ------------------------------------------------------------------------ */
/* accessors                                                                */

kn_edifact_syntax_t kn_edifact_interchange_syntax(const kn_edifact_interchange_t *ic)
{
    return ic->syntax;
}

const char *kn_edifact_interchange_syntax_version(const kn_edifact_interchange_t *ic)
{
    return ic->syntax_version;
}

const char *kn_edifact_interchange_sender(const kn_edifact_interchange_t *ic)
{
    return ic->sender;
}

const char *kn_edifact_interchange_sender_qualifier(const kn_edifact_interchange_t *ic)
{
    return ic->sender_qualifier;
}

const char *kn_edifact_interchange_recipient(const kn_edifact_interchange_t *ic)
{
    return ic->recipient;
}

const char *kn_edifact_interchange_recipient_qualifier(const kn_edifact_interchange_t *ic)
{
    return ic->recipient_qualifier;
}

const char *kn_edifact_interchange_date(const kn_edifact_interchange_t *ic)
{
    return ic->date;
}

const char *kn_edifact_interchange_time(const kn_edifact_interchange_t *ic)
{
    return ic->time;
}

const char *kn_edifact_interchange_control_ref(const kn_edifact_interchange_t *ic)
{
    return ic->control_ref;
}

char kn_edifact_interchange_decimal_mark(const kn_edifact_interchange_t *ic)
{
    return ic->decimal_mark;
}

size_t kn_edifact_interchange_message_count(const kn_edifact_interchange_t *ic)
{
    return ic->message_count;
}

const kn_edifact_message_t *kn_edifact_interchange_message(const kn_edifact_interchange_t *ic,
                                                           size_t i)
{
    return i < ic->message_count ? &ic->messages[i] : NULL;
}

const char *kn_edifact_message_ref(const kn_edifact_message_t *msg)
{
    return msg->ref;
}

const char *kn_edifact_message_type(const kn_edifact_message_t *msg)
{
    return msg->type;
}

const char *kn_edifact_message_version(const kn_edifact_message_t *msg)
{
    return msg->version;
}

const char *kn_edifact_message_release(const kn_edifact_message_t *msg)
{
    return msg->release;
}

const char *kn_edifact_message_agency(const kn_edifact_message_t *msg)
{
    return msg->agency;
}

const char *kn_edifact_message_association(const kn_edifact_message_t *msg)
{
    return msg->association;
}

size_t kn_edifact_message_ordinal(const kn_edifact_message_t *msg)
{
    return msg->ordinal;
}

size_t kn_edifact_message_segment_count(const kn_edifact_message_t *msg)
{
    return msg->segment_count;
}

const kn_edifact_segment_t *kn_edifact_message_segment(const kn_edifact_message_t *msg, size_t i)
{
    return i < msg->segment_count ? &msg->segments[i] : NULL;
}

unsigned kn_edifact_segment_number(const kn_edifact_segment_t *seg)
{
    return seg->number;
}

const char *kn_edifact_segment_tag(const kn_edifact_segment_t *seg)
{
    return seg->tag;
}

size_t kn_edifact_segment_element_count(const kn_edifact_segment_t *seg)
{
    return seg->element_count;
}

size_t kn_edifact_segment_component_count(const kn_edifact_segment_t *seg, size_t element)
{
    if (element == 0 || element > seg->element_count)
        return 0;
    return seg->elements[element - 1].count;
}

const char *kn_edifact_segment_value(const kn_edifact_segment_t *seg, size_t element,
                                     size_t component)
{
    if (element == 0 || element > seg->element_count)
        return NULL;
    const s_element_t *el = &seg->elements[element - 1];
    if (component == 0 || component > el->count)
        return NULL;
    return el->values[component - 1];
}

const char *kn_edifact_segment_position(const kn_edifact_segment_t *seg, char *buf, size_t size)
{
    s_segment_where(seg, buf, size);
    return buf;
}
