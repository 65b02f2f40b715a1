/* kouan — S-FEEL values, literals and unary tests for DMN decision tables.
 *
 * Only the part of FEEL that DMN decision tables need at compliance level 2
 * ("S-FEEL"): literal values (string, number, boolean, null, date("…"),
 * date and time("…")) and unary tests — comparisons (< <= > >= = !=), ranges
 * with open or closed ends ([1..5], ]1..5[, (1..5), [1..5) …), comma lists,
 * not(…), "-" (any) and null.  Names and arithmetic are not supported: an input
 * entry that uses them is refused when the table is compiled.
 *
 * Unary tests are compiled once into arena memory; matching a compiled test
 * against a value allocates nothing and parses nothing.
 *
 * Dates are whole days since 1970-01-01; dates and times are milliseconds since
 * 1970-01-01T00:00:00Z.  A date and time with an offset ("…+08:00", "…Z") is
 * normalised to UTC; one without an offset is read as UTC.  Zone names
 * ("@Asia/Shanghai") are refused.  Numbers are doubles; the C library reads
 * them, so LC_NUMERIC must stay "C" (the default of every C program).
 */
#ifndef KN_FEEL_H
#define KN_FEEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "arena.h"
#include "err.h"

/* Type of a value.  KN_FEEL_UNSET marks "no value given" (an input the caller
 * forgot); KN_FEEL_NULL is FEEL's null. */
typedef enum {
    KN_FEEL_UNSET = 0,
    KN_FEEL_NULL,
    KN_FEEL_BOOL,
    KN_FEEL_NUMBER,
    KN_FEEL_STRING,
    KN_FEEL_DATE,
    KN_FEEL_DATETIME
} kn_feel_type_t;

/* A FEEL value; 16 bytes, passed and copied freely.  A string is borrowed: it
 * is not NUL-terminated necessarily, and must outlive every use of the value. */
typedef struct {
    kn_feel_type_t type; /* what the union holds */
    uint32_t len;        /* string length in bytes (KN_FEEL_STRING only) */
    union {
        bool b;        /* KN_FEEL_BOOL */
        double n;      /* KN_FEEL_NUMBER */
        int64_t t;     /* KN_FEEL_DATE: days; KN_FEEL_DATETIME: ms, both since the epoch */
        const char *s; /* KN_FEEL_STRING: len bytes */
    } as;
} kn_feel_value_t;

static inline kn_feel_value_t kn_feel_null(void)
{
    kn_feel_value_t v = {.type = KN_FEEL_NULL};
    return v;
}

static inline kn_feel_value_t kn_feel_bool(bool b)
{
    kn_feel_value_t v = {.type = KN_FEEL_BOOL, .as.b = b};
    return v;
}

static inline kn_feel_value_t kn_feel_number(double n)
{
    kn_feel_value_t v = {.type = KN_FEEL_NUMBER, .as.n = n};
    return v;
}

/* String value of len bytes at s (borrowed). */
static inline kn_feel_value_t kn_feel_string_n(const char *s, size_t len)
{
    kn_feel_value_t v = {.type = KN_FEEL_STRING, .len = (uint32_t)len, .as.s = s};
    return v;
}

/* String value of NUL-terminated s (borrowed); NULL gives FEEL null. */
static inline kn_feel_value_t kn_feel_string(const char *s)
{
    return s ? kn_feel_string_n(s, strlen(s)) : kn_feel_null();
}

/* Date value from days since 1970-01-01. */
static inline kn_feel_value_t kn_feel_date(int64_t days)
{
    kn_feel_value_t v = {.type = KN_FEEL_DATE, .as.t = days};
    return v;
}

/* Date-and-time value from milliseconds since 1970-01-01T00:00:00Z. */
static inline kn_feel_value_t kn_feel_datetime(int64_t ms)
{
    kn_feel_value_t v = {.type = KN_FEEL_DATETIME, .as.t = ms};
    return v;
}

/* Days since 1970-01-01 of a proleptic Gregorian date; no range check. */
int64_t kn_feel_days_from_civil(int64_t year, unsigned month, unsigned day);

/* Read "YYYY-MM-DD" (len bytes at s) into *out as a date.  Returns 0, or
 * KN_EPARSE when the text is not a valid date (month 13, 30 February …). */
int kn_feel_date_parse(const char *s, size_t len, kn_feel_value_t *out);

/* Read "YYYY-MM-DDThh:mm:ss[.fff][Z|±hh:mm]" or a bare "YYYY-MM-DD" (midnight)
 * into *out as a date and time.  Returns 0 or KN_EPARSE. */
int kn_feel_datetime_parse(const char *s, size_t len, kn_feel_value_t *out);

/* Read a FEEL number ("-12", "3.5", ".5") of len bytes into *out.  Returns 0 or
 * KN_EPARSE (exponents, hex and non-finite values are refused). */
int kn_feel_number_parse(const char *s, size_t len, double *out);

/* Name of a type for messages: "null", "boolean", "number", "string", "date",
 * "date and time"; "no value" for KN_FEEL_UNSET.  Never NULL. */
const char *kn_feel_type_name(kn_feel_type_t type);

/* Map a DMN typeRef to a type.  Accepts string, number, boolean, date,
 * dateTime / "date and time", the XSD and Camunda spellings (decimal, integer,
 * long, double, int) with or without a "feel:"/"xsd:" prefix.  Sets *any for
 * "Any" (no type constraint; *out is then KN_FEEL_UNSET).  Returns 0, or
 * KN_ENOTFOUND for a name that is none of these (an itemDefinition, perhaps). */
int kn_feel_type_parse(const char *type_ref, kn_feel_type_t *out, bool *any);

/* True when a and b are the same type and value (FEEL "=" giving true); an
 * unset value counts as null.  Numbers compare exactly; strings byte for byte.
 * Inline because decision tables call it in their inner loop. */
static inline bool kn_feel_value_equal(const kn_feel_value_t *a, const kn_feel_value_t *b)
{
    kn_feel_type_t ta = a->type == KN_FEEL_UNSET ? KN_FEEL_NULL : a->type;
    kn_feel_type_t tb = b->type == KN_FEEL_UNSET ? KN_FEEL_NULL : b->type;
    if (ta != tb)
        return false;
    switch (ta) {
    case KN_FEEL_BOOL:
        return a->as.b == b->as.b;
    case KN_FEEL_NUMBER:
        return a->as.n == b->as.n;
    case KN_FEEL_STRING:
        /* length, then first byte, before memcmp: most mismatches stop early */
        return a->len == b->len &&
               (a->len == 0 || (a->as.s[0] == b->as.s[0] && memcmp(a->as.s, b->as.s, a->len) == 0));
    case KN_FEEL_DATE:
    case KN_FEEL_DATETIME:
        return a->as.t == b->as.t;
    default:
        return true; /* both null */
    }
}

/* Order a against b: sets *cmp to <0, 0 or >0 and returns 0, or returns
 * KN_EINVAL when FEEL gives them no order (different types, booleans, nulls). */
int kn_feel_value_compare(const kn_feel_value_t *a, const kn_feel_value_t *b, int *cmp);

/* Write v as FEEL text ("a\"b", 12.5, true, null, date("2026-11-22"),
 * date and time("2026-11-22T08:00:00")) into buf, always NUL-terminated when
 * size > 0.  Returns the length the full text needs, like snprintf. */
size_t kn_feel_value_format(const kn_feel_value_t *v, char *buf, size_t size);

/* Read one literal (an output entry): string, number, boolean, null or a date
 * / date-and-time literal.  Strings are unescaped into arena memory.
 * Returns 0, or KN_EPARSE with err->message `cannot parse "TEXT": DETAIL`
 * (err->position left empty for the caller to fill), or KN_ENOMEM. */
int kn_feel_literal_parse(kn_arena_t *arena, const char *text, size_t len, kn_feel_value_t *out,
                          kn_error_t *err);

/* Compiled unary tests of one input entry; lives in the arena it was compiled in. */
typedef struct kn_feel_tests kn_feel_tests_t;

/* Operator of one test in a comma list. */
typedef enum {
    KN_FEEL_OP_EQ = 0, /* "x" or = x */
    KN_FEEL_OP_NE,     /* != x */
    KN_FEEL_OP_LT,     /* < x */
    KN_FEEL_OP_LE,     /* <= x */
    KN_FEEL_OP_GT,     /* > x */
    KN_FEEL_OP_GE,     /* >= x */
    KN_FEEL_OP_RANGE,  /* [a..b] and its open forms */
    KN_FEEL_OP_NULL    /* null */
} kn_feel_op_t;

/* Compile the unary tests in text[0..len) ("-" and empty text both mean any)
 * into arena memory and set *out.  Returns 0, or KN_EPARSE with err->message
 * `cannot parse "TEXT": DETAIL` (e.g. `cannot parse "[1..": unterminated
 * range`), or KN_ENOMEM. */
int kn_feel_tests_compile(kn_arena_t *arena, const char *text, size_t len,
                          const kn_feel_tests_t **out, kn_error_t *err);

/* True when v satisfies the tests (FEEL gives true; false and null both miss).
 * An unset value counts as null.  Allocates nothing. */
bool kn_feel_tests_match(const kn_feel_tests_t *tests, const kn_feel_value_t *v);

/* True for "-": matches anything, null included. */
bool kn_feel_tests_is_any(const kn_feel_tests_t *tests);

/* True for not(…). */
bool kn_feel_tests_negated(const kn_feel_tests_t *tests);

/* Number of tests in the comma list (0 for "-"). */
size_t kn_feel_tests_count(const kn_feel_tests_t *tests);

/* Operator of test i (i < count). */
kn_feel_op_t kn_feel_tests_op(const kn_feel_tests_t *tests, size_t i);

/* Operand of test i: which 0 is the literal (the low end of a range), which 1
 * the high end of a range; NULL when the test has no such operand. */
const kn_feel_value_t *kn_feel_tests_operand(const kn_feel_tests_t *tests, size_t i, int which);

#endif
