/* kouan — S-FEEL values, literals and unary tests (see feel.h). */
#include "feel.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

/* At most this many comma-separated tests in one cell: a cell is a human's
 * condition, never a data set. */
#define S_MAX_TESTS 256
/* Longest number literal read (digits, sign and point). */
#define S_MAX_NUMBER 64
/* Longest piece of cell text quoted back in an error message. */
#define S_QUOTE_MAX 80

#define S_MS_PER_DAY INT64_C(86400000)

/* Three-valued result of one FEEL test. */
enum { S_FALSE = 0, S_TRUE = 1, S_NULL = 2 };

typedef struct {
    uint8_t op;        /* a kn_feel_op_t */
    bool lo_open;      /* range excludes its low end */
    bool hi_open;      /* range excludes its high end */
    kn_feel_value_t a; /* the literal, or the low end of a range */
    kn_feel_value_t b; /* the high end of a range */
} s_test_t;

struct kn_feel_tests {
    bool any;         /* "-": matches everything */
    bool negate;      /* not(…) */
    uint32_t n;       /* tests in the comma list */
    s_test_t tests[]; /* the list; any one true makes the list true */
};

static const kn_feel_tests_t s_any = {.any = true, .negate = false, .n = 0};

/* ---------------------------------------------------------------- dates */

int64_t kn_feel_days_from_civil(int64_t year, unsigned month, unsigned day)
{
    /* Howard Hinnant's days_from_civil, proleptic Gregorian. */
    int64_t y = year - (month <= 2);
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned mp = month > 2 ? month - 3 : month + 9;
    unsigned doy = (153 * mp + 2) / 5 + day - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static void s_civil_from_days(int64_t z, int64_t *year, unsigned *month, unsigned *day)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t y = (int64_t)yoe + era * 400;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    *day = doy - (153 * mp + 2) / 5 + 1;
    *month = mp < 10 ? mp + 3 : mp - 9;
    *year = y + (*month <= 2);
}

static int64_t s_floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    if ((a % b != 0) && ((a < 0) != (b < 0)))
        q--;
    return q;
}

/* Exactly n ASCII digits at s into *out. */
static bool s_digits(const char *s, size_t n, unsigned *out)
{
    unsigned v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (unsigned)(s[i] - '0');
    }
    *out = v;
    return true;
}

static bool s_leap(unsigned y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static bool s_ymd(const char *s, size_t len, int64_t *days)
{
    static const unsigned mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    unsigned y, m, d;
    if (len != 10 || s[4] != '-' || s[7] != '-')
        return false;
    if (!s_digits(s, 4, &y) || !s_digits(s + 5, 2, &m) || !s_digits(s + 8, 2, &d))
        return false;
    if (m < 1 || m > 12 || d < 1)
        return false;
    if (d > mdays[m - 1] + (m == 2 && s_leap(y) ? 1u : 0u))
        return false;
    *days = kn_feel_days_from_civil(y, m, d);
    return true;
}

int kn_feel_date_parse(const char *s, size_t len, kn_feel_value_t *out)
{
    int64_t days;
    if (!s || !s_ymd(s, len, &days))
        return KN_EPARSE;
    *out = kn_feel_date(days);
    return 0;
}

int kn_feel_datetime_parse(const char *s, size_t len, kn_feel_value_t *out)
{
    int64_t days;
    unsigned hh, mi, ss, oh = 0, om = 0;
    int64_t frac_ms = 0;
    int sign = 0;
    if (!s || len < 10 || !s_ymd(s, 10, &days))
        return KN_EPARSE;
    if (len == 10) {
        *out = kn_feel_datetime(days * S_MS_PER_DAY);
        return 0;
    }
    if (len < 19 || s[10] != 'T' || s[13] != ':' || s[16] != ':')
        return KN_EPARSE;
    if (!s_digits(s + 11, 2, &hh) || !s_digits(s + 14, 2, &mi) || !s_digits(s + 17, 2, &ss))
        return KN_EPARSE;
    if (hh > 23 || mi > 59 || ss > 59)
        return KN_EPARSE;
    size_t i = 19;
    if (i < len && s[i] == '.') {
        size_t start = ++i;
        int64_t scale = 100;
        while (i < len && s[i] >= '0' && s[i] <= '9') {
            frac_ms += (s[i] - '0') * scale;
            scale /= 10;
            i++;
        }
        if (i == start || i - start > 9)
            return KN_EPARSE;
    }
    if (i < len) {
        if (s[i] == 'Z' && i + 1 == len) {
            i++;
        } else if ((s[i] == '+' || s[i] == '-') && len - i == 6 && s[i + 3] == ':') {
            sign = s[i] == '+' ? 1 : -1;
            if (!s_digits(s + i + 1, 2, &oh) || !s_digits(s + i + 4, 2, &om))
                return KN_EPARSE;
            if (om > 59 || oh * 60 + om > 14 * 60)
                return KN_EPARSE;
            i = len;
        } else {
            return KN_EPARSE; /* zone names ("@Europe/Paris") and the like */
        }
    }
    int64_t ms = days * S_MS_PER_DAY + ((int64_t)(hh * 60 + mi) * 60 + ss) * 1000 + frac_ms;
    ms -= (int64_t)sign * (int64_t)(oh * 60 + om) * 60000;
    *out = kn_feel_datetime(ms);
    return 0;
}

int kn_feel_number_parse(const char *s, size_t len, double *out)
{
    char buf[S_MAX_NUMBER + 1];
    size_t i = 0, digits = 0;
    if (!s || len == 0 || len > S_MAX_NUMBER)
        return KN_EPARSE;
    if (s[i] == '-' || s[i] == '+')
        i++;
    while (i < len && s[i] >= '0' && s[i] <= '9') {
        i++;
        digits++;
    }
    if (i < len && s[i] == '.') {
        i++;
        while (i < len && s[i] >= '0' && s[i] <= '9') {
            i++;
            digits++;
        }
    }
    if (i != len || digits == 0)
        return KN_EPARSE;
    memcpy(buf, s, len);
    buf[len] = '\0';
    double v = strtod(buf, NULL);
    if (!isfinite(v))
        return KN_EPARSE;
    *out = v;
    return 0;
}

/* ---------------------------------------------------------------- types */

const char *kn_feel_type_name(kn_feel_type_t type)
{
    switch (type) {
    case KN_FEEL_UNSET:
        return "no value";
    case KN_FEEL_NULL:
        return "null";
    case KN_FEEL_BOOL:
        return "boolean";
    case KN_FEEL_NUMBER:
        return "number";
    case KN_FEEL_STRING:
        return "string";
    case KN_FEEL_DATE:
        return "date";
    case KN_FEEL_DATETIME:
        return "date and time";
    }
    return "unknown";
}

int kn_feel_type_parse(const char *type_ref, kn_feel_type_t *out, bool *any)
{
    static const struct {
        const char *name;
        kn_feel_type_t type;
    } names[] = {
        {"string", KN_FEEL_STRING},
        {"number", KN_FEEL_NUMBER},
        {"decimal", KN_FEEL_NUMBER},
        {"integer", KN_FEEL_NUMBER},
        {"int", KN_FEEL_NUMBER},
        {"long", KN_FEEL_NUMBER},
        {"double", KN_FEEL_NUMBER},
        {"boolean", KN_FEEL_BOOL},
        {"date", KN_FEEL_DATE},
        {"dateTime", KN_FEEL_DATETIME},
        {"date and time", KN_FEEL_DATETIME},
    };
    *any = false;
    *out = KN_FEEL_UNSET;
    if (!type_ref)
        return KN_ENOTFOUND;
    /* Drop a QName prefix ("feel:", "xsd:"); a prefix never holds a space. */
    const char *colon = strchr(type_ref, ':');
    if (colon && !memchr(type_ref, ' ', (size_t)(colon - type_ref)))
        type_ref = colon + 1;
    if (strcmp(type_ref, "Any") == 0 || strcmp(type_ref, "any") == 0) {
        *any = true;
        return 0;
    }
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (strcmp(type_ref, names[i].name) == 0) {
            *out = names[i].type;
            return 0;
        }
    }
    return KN_ENOTFOUND;
}

/* ---------------------------------------------------------------- values */

/* Equality of two values already known to share a type. */
static inline bool s_equal_same(const kn_feel_value_t *a, const kn_feel_value_t *b)
{
    return kn_feel_value_equal(a, b);
}

/* Order two values of the same orderable type. */
static inline int s_compare_same(const kn_feel_value_t *a, const kn_feel_value_t *b)
{
    switch (a->type) {
    case KN_FEEL_NUMBER:
        return (a->as.n > b->as.n) - (a->as.n < b->as.n);
    case KN_FEEL_STRING: {
        uint32_t n = a->len < b->len ? a->len : b->len;
        int c = n ? memcmp(a->as.s, b->as.s, n) : 0;
        if (c)
            return c;
        return (a->len > b->len) - (a->len < b->len);
    }
    case KN_FEEL_DATE:
    case KN_FEEL_DATETIME:
        return (a->as.t > b->as.t) - (a->as.t < b->as.t);
    default:
        return 0;
    }
}

static bool s_orderable(kn_feel_type_t t)
{
    return t == KN_FEEL_NUMBER || t == KN_FEEL_STRING || t == KN_FEEL_DATE || t == KN_FEEL_DATETIME;
}

int kn_feel_value_compare(const kn_feel_value_t *a, const kn_feel_value_t *b, int *cmp)
{
    if (a->type != b->type || !s_orderable(a->type))
        return KN_EINVAL;
    *cmp = s_compare_same(a, b);
    return 0;
}

/* Append to a bounded buffer, counting what the whole text needs. */
typedef struct {
    char *buf;
    size_t size;
    size_t len;
} s_out_t;

static void s_putc(s_out_t *o, char c)
{
    if (o->len + 1 < o->size)
        o->buf[o->len] = c;
    o->len++;
}

static void s_puts(s_out_t *o, const char *s)
{
    while (*s)
        s_putc(o, *s++);
}

static void s_format_number(double n, char *buf, size_t size)
{
    if (n == 0) {
        snprintf(buf, size, "0");
    } else if (fabs(n) < 1e15 && n == (double)(int64_t)n) {
        snprintf(buf, size, "%" PRId64, (int64_t)n);
    } else {
        snprintf(buf, size, "%.15g", n);
        if (strtod(buf, NULL) != n)
            snprintf(buf, size, "%.17g", n);
    }
}

static void s_format_date(int64_t days, char *buf, size_t size)
{
    int64_t y;
    unsigned m, d;
    s_civil_from_days(days, &y, &m, &d);
    snprintf(buf, size, "%04" PRId64 "-%02u-%02u", y, m, d);
}

size_t kn_feel_value_format(const kn_feel_value_t *v, char *buf, size_t size)
{
    s_out_t o = {buf, size, 0};
    char tmp[64];
    switch (v->type) {
    case KN_FEEL_UNSET:
        s_puts(&o, "(no value)");
        break;
    case KN_FEEL_NULL:
        s_puts(&o, "null");
        break;
    case KN_FEEL_BOOL:
        s_puts(&o, v->as.b ? "true" : "false");
        break;
    case KN_FEEL_NUMBER:
        s_format_number(v->as.n, tmp, sizeof tmp);
        s_puts(&o, tmp);
        break;
    case KN_FEEL_STRING:
        s_putc(&o, '"');
        for (uint32_t i = 0; i < v->len; i++) {
            unsigned char c = (unsigned char)v->as.s[i];
            if (c == '"' || c == '\\') {
                s_putc(&o, '\\');
                s_putc(&o, (char)c);
            } else if (c == '\n') {
                s_puts(&o, "\\n");
            } else if (c < 0x20) {
                snprintf(tmp, sizeof tmp, "\\u%04x", c);
                s_puts(&o, tmp);
            } else {
                s_putc(&o, (char)c);
            }
        }
        s_putc(&o, '"');
        break;
    case KN_FEEL_DATE:
        s_format_date(v->as.t, tmp, sizeof tmp);
        s_puts(&o, "date(\"");
        s_puts(&o, tmp);
        s_puts(&o, "\")");
        break;
    case KN_FEEL_DATETIME: {
        int64_t days = s_floor_div(v->as.t, S_MS_PER_DAY);
        int64_t rem = v->as.t - days * S_MS_PER_DAY;
        s_format_date(days, tmp, sizeof tmp);
        s_puts(&o, "date and time(\"");
        s_puts(&o, tmp);
        unsigned ms = (unsigned)(rem % 1000), sec = (unsigned)(rem / 1000);
        snprintf(tmp, sizeof tmp, "T%02u:%02u:%02u", sec / 3600, sec / 60 % 60, sec % 60);
        s_puts(&o, tmp);
        if (ms) {
            snprintf(tmp, sizeof tmp, ".%03u", ms);
            s_puts(&o, tmp);
        }
        s_puts(&o, "\")");
        break;
    }
    }
    if (size)
        buf[o.len < size ? o.len : size - 1] = '\0';
    return o.len;
}

/* ---------------------------------------------------------------- lexer */

typedef enum {
    S_T_EOF = 0,
    S_T_NUM,
    S_T_STR,
    S_T_NAME,
    S_T_LP,
    S_T_RP,
    S_T_LB,
    S_T_RB,
    S_T_COMMA,
    S_T_DOTDOT,
    S_T_LT,
    S_T_LE,
    S_T_GT,
    S_T_GE,
    S_T_EQ,
    S_T_NE,
    S_T_MINUS,
    S_T_BAD
} s_kind_t;

typedef struct {
    const char *src;    /* trimmed cell text */
    size_t len;         /* its length */
    size_t pos;         /* next unread byte */
    s_kind_t kind;      /* current token */
    const char *tp;     /* current token text */
    size_t tlen;        /* current token length */
    kn_arena_t *arena;  /* where strings and tests go */
    const char *detail; /* why parsing stopped; NULL while all is well */
    bool nomem;         /* stopped for want of memory */
} s_parser_t;

static bool s_is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static bool s_is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool s_is_name_start(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (unsigned char)c >= 0x80;
}

static bool s_fail(s_parser_t *p, const char *detail)
{
    if (!p->detail)
        p->detail = detail;
    return false;
}

static void s_next(s_parser_t *p)
{
    while (p->pos < p->len && s_is_space(p->src[p->pos]))
        p->pos++;
    p->tp = p->src + p->pos;
    p->tlen = 1;
    if (p->pos >= p->len) {
        p->kind = S_T_EOF;
        p->tlen = 0;
        return;
    }
    const char *s = p->src;
    size_t i = p->pos, n = p->len;
    char c = s[i];
    char c1 = i + 1 < n ? s[i + 1] : '\0';
    switch (c) {
    case '(':
        p->kind = S_T_LP;
        break;
    case ')':
        p->kind = S_T_RP;
        break;
    case '[':
        p->kind = S_T_LB;
        break;
    case ']':
        p->kind = S_T_RB;
        break;
    case ',':
        p->kind = S_T_COMMA;
        break;
    case '-':
        p->kind = S_T_MINUS;
        break;
    case '=':
        p->kind = S_T_EQ;
        break;
    case '<':
        p->kind = c1 == '=' ? S_T_LE : S_T_LT;
        p->tlen = c1 == '=' ? 2 : 1;
        break;
    case '>':
        p->kind = c1 == '=' ? S_T_GE : S_T_GT;
        p->tlen = c1 == '=' ? 2 : 1;
        break;
    case '!':
        p->kind = c1 == '=' ? S_T_NE : S_T_BAD;
        p->tlen = 2;
        if (c1 != '=')
            s_fail(p, "unexpected character '!'");
        break;
    case '"': {
        size_t j = i + 1;
        while (j < n && s[j] != '"')
            j += s[j] == '\\' ? 2 : 1;
        if (j >= n) {
            p->kind = S_T_BAD;
            s_fail(p, "unterminated string");
            p->tlen = n - i;
        } else {
            p->kind = S_T_STR;
            p->tlen = j + 1 - i;
        }
        break;
    }
    case '.':
        if (c1 == '.') {
            p->kind = S_T_DOTDOT;
            p->tlen = 2;
            break;
        }
        if (!s_is_digit(c1)) {
            p->kind = S_T_BAD;
            s_fail(p, "unexpected character '.'");
            break;
        }
        /* ".5": a number */
        /* fall through */
    default:
        if (s_is_digit(c) || c == '.') {
            size_t j = i;
            while (j < n && s_is_digit(s[j]))
                j++;
            if (j + 1 < n && s[j] == '.' && s_is_digit(s[j + 1])) {
                j++;
                while (j < n && s_is_digit(s[j]))
                    j++;
            }
            p->kind = S_T_NUM;
            p->tlen = j - i;
        } else if (s_is_name_start(c)) {
            size_t j = i;
            while (j < n && (s_is_name_start(s[j]) || s_is_digit(s[j])))
                j++;
            p->kind = S_T_NAME;
            p->tlen = j - i;
        } else {
            p->kind = S_T_BAD;
            s_fail(p, "unexpected character");
        }
        break;
    }
    p->pos = i + p->tlen;
}

static bool s_is_name(const s_parser_t *p, const char *name)
{
    size_t n = strlen(name);
    return p->kind == S_T_NAME && p->tlen == n && memcmp(p->tp, name, n) == 0;
}

/* ---------------------------------------------------------------- parser */

static size_t s_utf8_put(char *dst, uint32_t cp)
{
    if (cp < 0x80) {
        dst[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        dst[0] = (char)(0xC0 | (cp >> 6));
        dst[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        dst[0] = (char)(0xE0 | (cp >> 12));
        dst[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        dst[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    dst[0] = (char)(0xF0 | (cp >> 18));
    dst[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    dst[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    dst[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

static bool s_hex4(const char *s, size_t avail, uint32_t *out)
{
    uint32_t v = 0;
    if (avail < 4)
        return false;
    for (int i = 0; i < 4; i++) {
        char c = s[i];
        v <<= 4;
        if (c >= '0' && c <= '9')
            v |= (uint32_t)(c - '0');
        else if (c >= 'a' && c <= 'f')
            v |= (uint32_t)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F')
            v |= (uint32_t)(c - 'A' + 10);
        else
            return false;
    }
    *out = v;
    return true;
}

/* Unescape the current string token into the arena. */
static bool s_string(s_parser_t *p, kn_feel_value_t *out)
{
    const char *s = p->tp + 1;
    size_t n = p->tlen - 2;
    /* Unescaping never grows the text: \uXXXX (6 bytes) gives at most 3,
     * a surrogate pair (12 bytes) 4. */
    char *dst = kn_arena_alloc(p->arena, n + 1);
    if (!dst) {
        p->nomem = true;
        return s_fail(p, "out of memory");
    }
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] != '\\') {
            dst[o++] = s[i];
            continue;
        }
        if (++i >= n)
            return s_fail(p, "bad escape in string");
        switch (s[i]) {
        case '"':
        case '\'':
        case '\\':
            dst[o++] = s[i];
            break;
        case 'n':
            dst[o++] = '\n';
            break;
        case 'r':
            dst[o++] = '\r';
            break;
        case 't':
            dst[o++] = '\t';
            break;
        case 'u': {
            uint32_t cp, lo;
            if (!s_hex4(s + i + 1, n - i - 1, &cp))
                return s_fail(p, "bad \\u escape in string");
            i += 4;
            if (cp >= 0xD800 && cp <= 0xDBFF) {
                if (i + 2 >= n || s[i + 1] != '\\' || s[i + 2] != 'u' ||
                    !s_hex4(s + i + 3, n - i - 3, &lo) || lo < 0xDC00 || lo > 0xDFFF)
                    return s_fail(p, "bad \\u escape in string");
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                i += 6;
            } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
                return s_fail(p, "bad \\u escape in string");
            }
            o += s_utf8_put(dst + o, cp);
            break;
        }
        default:
            return s_fail(p, "bad escape in string");
        }
    }
    dst[o] = '\0';
    *out = kn_feel_string_n(dst, o);
    return true;
}

/* date("…") or date and time("…"); the current token is the name "date". */
static bool s_date_literal(s_parser_t *p, kn_feel_value_t *out)
{
    bool with_time = false;
    s_next(p);
    if (s_is_name(p, "and")) {
        s_next(p);
        if (!s_is_name(p, "time"))
            return s_fail(p, "expected date and time(\"…\")");
        with_time = true;
        s_next(p);
    }
    if (p->kind != S_T_LP)
        return s_fail(p, with_time ? "expected ( after date and time" : "expected ( after date");
    s_next(p);
    if (p->kind != S_T_STR)
        return s_fail(p, p->kind == S_T_EOF ? "unterminated date literal"
                                            : "expected a string inside date(…)");
    const char *s = p->tp + 1;
    size_t n = p->tlen - 2;
    int rc = with_time ? kn_feel_datetime_parse(s, n, out) : kn_feel_date_parse(s, n, out);
    if (rc < 0)
        return s_fail(p, with_time
                             ? "bad date and time (want YYYY-MM-DDThh:mm:ss, optional Z or offset)"
                             : "bad date (want a real YYYY-MM-DD)");
    s_next(p);
    if (p->kind != S_T_RP)
        return s_fail(p, "unterminated date literal");
    s_next(p);
    return true;
}

/* One literal: number, string, boolean, date; null only when allow_null.
 * Leaves the parser on the token after it. */
static bool s_literal(s_parser_t *p, kn_feel_value_t *out, bool allow_null)
{
    bool neg = false;
    if (p->kind == S_T_MINUS) {
        neg = true;
        s_next(p);
        if (p->kind != S_T_NUM)
            return s_fail(p, "expected a number after -");
    }
    switch (p->kind) {
    case S_T_NUM: {
        double v;
        if (kn_feel_number_parse(p->tp, p->tlen, &v) < 0)
            return s_fail(p, "bad number");
        *out = kn_feel_number(neg ? -v : v);
        s_next(p);
        return true;
    }
    case S_T_STR:
        if (!s_string(p, out))
            return false;
        s_next(p);
        return true;
    case S_T_NAME:
        if (s_is_name(p, "true") || s_is_name(p, "false")) {
            *out = kn_feel_bool(p->tp[0] == 't');
            s_next(p);
            return true;
        }
        if (s_is_name(p, "null")) {
            if (!allow_null)
                return s_fail(p, "null cannot be compared");
            *out = kn_feel_null();
            s_next(p);
            return true;
        }
        if (s_is_name(p, "date"))
            return s_date_literal(p, out);
        return s_fail(p, "unknown name (only literals are supported)");
    case S_T_EOF:
        return s_fail(p, "expected a value");
    case S_T_BAD:
        return false;
    default:
        return s_fail(p, "expected a value");
    }
}

static bool s_range_end(s_parser_t *p, kn_feel_value_t *out)
{
    if (p->kind == S_T_EOF)
        return s_fail(p, "unterminated range");
    return s_literal(p, out, false);
}

static bool s_range(s_parser_t *p, s_test_t *t)
{
    t->op = KN_FEEL_OP_RANGE;
    t->lo_open = p->kind != S_T_LB;
    s_next(p);
    if (!s_range_end(p, &t->a))
        return false;
    if (p->kind == S_T_EOF)
        return s_fail(p, "unterminated range");
    if (p->kind != S_T_DOTDOT)
        return s_fail(p, "expected .. in range");
    s_next(p);
    if (!s_range_end(p, &t->b))
        return false;
    if (p->kind == S_T_EOF)
        return s_fail(p, "unterminated range");
    if (p->kind != S_T_RB && p->kind != S_T_LB && p->kind != S_T_RP)
        return s_fail(p, "expected ] [ or ) to close the range");
    t->hi_open = p->kind != S_T_RB;
    s_next(p);
    if (t->a.type != t->b.type)
        return s_fail(p, "range ends have different types");
    if (!s_orderable(t->a.type))
        return s_fail(p, "range ends must be numbers, strings, dates or dates and times");
    int c = s_compare_same(&t->a, &t->b);
    if (c > 0 || (c == 0 && (t->lo_open || t->hi_open)))
        return s_fail(p, "empty range");
    return true;
}

static bool s_positive_test(s_parser_t *p, s_test_t *t)
{
    memset(t, 0, sizeof *t);
    switch (p->kind) {
    case S_T_LT:
    case S_T_LE:
    case S_T_GT:
    case S_T_GE:
    case S_T_EQ:
    case S_T_NE: {
        static const uint8_t ops[] = {
            [S_T_LT] = KN_FEEL_OP_LT, [S_T_LE] = KN_FEEL_OP_LE, [S_T_GT] = KN_FEEL_OP_GT,
            [S_T_GE] = KN_FEEL_OP_GE, [S_T_EQ] = KN_FEEL_OP_EQ, [S_T_NE] = KN_FEEL_OP_NE,
        };
        t->op = ops[p->kind];
        s_next(p);
        if (p->kind == S_T_EOF)
            return s_fail(p, "expected a value after the comparison");
        bool eq = t->op == KN_FEEL_OP_EQ || t->op == KN_FEEL_OP_NE;
        if (eq && s_is_name(p, "null")) {
            /* "= null" is the null test; "!= null" its negation is not S-FEEL */
            if (t->op == KN_FEEL_OP_NE)
                return s_fail(p, "use not(null) instead of != null");
            t->op = KN_FEEL_OP_NULL;
            s_next(p);
            return true;
        }
        if (!s_literal(p, &t->a, false))
            return false;
        if (!eq && !s_orderable(t->a.type))
            return s_fail(p, "booleans cannot be compared with < or >");
        return true;
    }
    case S_T_LB:
    case S_T_RB:
    case S_T_LP:
        return s_range(p, t);
    case S_T_NAME:
        if (s_is_name(p, "null")) {
            t->op = KN_FEEL_OP_NULL;
            s_next(p);
            return true;
        }
        /* fall through */
    default:
        t->op = KN_FEEL_OP_EQ;
        return s_literal(p, &t->a, false);
    }
}

/* Trim ASCII white space at both ends of text[0..*len). */
static const char *s_trim(const char *text, size_t *len)
{
    size_t n = *len;
    while (n && s_is_space(*text)) {
        text++;
        n--;
    }
    while (n && s_is_space(text[n - 1]))
        n--;
    *len = n;
    return text;
}

/* err->message = `cannot parse "TEXT": DETAIL`, TEXT cut short and flattened. */
static int s_parse_error(kn_error_t *err, const char *text, size_t len, const char *detail)
{
    char quoted[S_QUOTE_MAX + 4];
    size_t n = len > S_QUOTE_MAX ? S_QUOTE_MAX : len;
    for (size_t i = 0; i < n; i++)
        quoted[i] = (unsigned char)text[i] < 0x20 ? ' ' : text[i];
    if (n < len)
        memcpy(quoted + n, "...", 3), n += 3;
    quoted[n] = '\0';
    return kn_error_set(err, KN_EPARSE, NULL, "cannot parse \"%s\": %s", quoted, detail);
}

int kn_feel_tests_compile(kn_arena_t *arena, const char *text, size_t len,
                          const kn_feel_tests_t **out, kn_error_t *err)
{
    s_test_t list[S_MAX_TESTS];
    s_parser_t p = {0};
    size_t n = 0;
    bool negate = false;

    text = s_trim(text ? text : "", &len);
    if (len == 0 || (len == 1 && text[0] == '-')) {
        *out = &s_any;
        return 0;
    }
    p.src = text;
    p.len = len;
    p.arena = arena;
    s_next(&p);
    if (s_is_name(&p, "not")) {
        s_next(&p);
        if (p.kind != S_T_LP) {
            s_fail(&p, "expected ( after not");
            goto fail;
        }
        negate = true;
        s_next(&p);
    }
    for (;;) {
        if (n == S_MAX_TESTS) {
            s_fail(&p, "too many tests in one cell");
            goto fail;
        }
        if (!s_positive_test(&p, &list[n]))
            goto fail;
        n++;
        if (p.kind != S_T_COMMA)
            break;
        s_next(&p);
    }
    if (negate) {
        if (p.kind != S_T_RP) {
            s_fail(&p, p.kind == S_T_EOF ? "unterminated not(" : "expected , or ) in not(…)");
            goto fail;
        }
        s_next(&p);
    }
    if (p.kind != S_T_EOF) {
        s_fail(&p, "unexpected text after the test");
        goto fail;
    }
    kn_feel_tests_t *t = kn_arena_alloc(arena, sizeof *t + n * sizeof(s_test_t));
    if (!t) {
        p.nomem = true;
        goto fail;
    }
    t->any = false;
    t->negate = negate;
    t->n = (uint32_t)n;
    memcpy(t->tests, list, n * sizeof(s_test_t));
    *out = t;
    return 0;
fail:
    if (p.nomem)
        return kn_error_set(err, KN_ENOMEM, NULL, "out of memory");
    return s_parse_error(err, text, len, p.detail ? p.detail : "syntax error");
}

int kn_feel_literal_parse(kn_arena_t *arena, const char *text, size_t len, kn_feel_value_t *out,
                          kn_error_t *err)
{
    s_parser_t p = {0};
    text = s_trim(text ? text : "", &len);
    if (len == 0)
        return s_parse_error(err, text, len, "empty entry");
    p.src = text;
    p.len = len;
    p.arena = arena;
    s_next(&p);
    if (!s_literal(&p, out, true))
        goto fail;
    if (p.kind != S_T_EOF) {
        s_fail(&p, "unexpected text after the value (only literals are supported)");
        goto fail;
    }
    return 0;
fail:
    if (p.nomem)
        return kn_error_set(err, KN_ENOMEM, NULL, "out of memory");
    return s_parse_error(err, text, len, p.detail ? p.detail : "syntax error");
}

/* ---------------------------------------------------------------- matching */

static inline int s_test_eval(const s_test_t *t, const kn_feel_value_t *v)
{
    kn_feel_type_t vt = v->type == KN_FEEL_UNSET ? KN_FEEL_NULL : v->type;
    int c;
    switch (t->op) {
    case KN_FEEL_OP_NULL:
        return vt == KN_FEEL_NULL ? S_TRUE : S_FALSE;
    case KN_FEEL_OP_EQ:
        if (vt == KN_FEEL_NULL)
            return S_FALSE;
        if (vt != t->a.type)
            return S_NULL;
        return s_equal_same(v, &t->a) ? S_TRUE : S_FALSE;
    case KN_FEEL_OP_NE:
        if (vt == KN_FEEL_NULL)
            return S_TRUE;
        if (vt != t->a.type)
            return S_NULL;
        return s_equal_same(v, &t->a) ? S_FALSE : S_TRUE;
    case KN_FEEL_OP_RANGE:
        if (vt != t->a.type)
            return S_NULL;
        c = s_compare_same(v, &t->a);
        if (t->lo_open ? c <= 0 : c < 0)
            return S_FALSE;
        c = s_compare_same(v, &t->b);
        if (t->hi_open ? c >= 0 : c > 0)
            return S_FALSE;
        return S_TRUE;
    default:
        break;
    }
    if (vt != t->a.type)
        return S_NULL;
    c = s_compare_same(v, &t->a);
    switch (t->op) {
    case KN_FEEL_OP_LT:
        return c < 0 ? S_TRUE : S_FALSE;
    case KN_FEEL_OP_LE:
        return c <= 0 ? S_TRUE : S_FALSE;
    case KN_FEEL_OP_GT:
        return c > 0 ? S_TRUE : S_FALSE;
    case KN_FEEL_OP_GE:
        return c >= 0 ? S_TRUE : S_FALSE;
    default:
        return S_NULL;
    }
}

bool kn_feel_tests_match(const kn_feel_tests_t *tests, const kn_feel_value_t *v)
{
    if (tests->any)
        return true;
    int acc = S_FALSE;
    for (uint32_t i = 0; i < tests->n; i++) {
        int r = s_test_eval(&tests->tests[i], v);
        if (r == S_TRUE) {
            acc = S_TRUE;
            break;
        }
        if (r == S_NULL)
            acc = S_NULL;
    }
    if (tests->negate)
        return acc == S_FALSE;
    return acc == S_TRUE;
}

bool kn_feel_tests_is_any(const kn_feel_tests_t *tests)
{
    return tests->any;
}

bool kn_feel_tests_negated(const kn_feel_tests_t *tests)
{
    return tests->negate;
}

size_t kn_feel_tests_count(const kn_feel_tests_t *tests)
{
    return tests->n;
}

kn_feel_op_t kn_feel_tests_op(const kn_feel_tests_t *tests, size_t i)
{
    return (kn_feel_op_t)tests->tests[i].op;
}

const kn_feel_value_t *kn_feel_tests_operand(const kn_feel_tests_t *tests, size_t i, int which)
{
    const s_test_t *t = &tests->tests[i];
    if (t->op == KN_FEEL_OP_NULL)
        return NULL;
    if (which == 0)
        return &t->a;
    return t->op == KN_FEEL_OP_RANGE && which == 1 ? &t->b : NULL;
}
