/* Tests for rules/feel.c: S-FEEL literals, unary tests, dates, formatting. */
#include <check.h>
#include <math.h>
#include <string.h>

#include "arena.h"
#include "feel.h"

Suite *kn_test_feel_suite(void);

static kn_arena_t *s_arena;

static void s_setup(void)
{
    s_arena = kn_arena_new(4096);
    ck_assert_ptr_nonnull(s_arena);
}

static void s_teardown(void)
{
    kn_arena_destroy(&s_arena);
}

static const kn_feel_tests_t *s_compile(const char *text)
{
    kn_error_t err = {0};
    const kn_feel_tests_t *t = NULL;
    int rc = kn_feel_tests_compile(s_arena, text, strlen(text), &t, &err);
    ck_assert_msg(rc == 0, "compile %s: %s", text, err.message);
    ck_assert_ptr_nonnull(t);
    return t;
}

static bool s_match(const char *text, kn_feel_value_t v)
{
    return kn_feel_tests_match(s_compile(text), &v);
}

/* The error message for text, which must fail to compile. */
static const char *s_error(const char *text)
{
    static kn_error_t err;
    const kn_feel_tests_t *t = NULL;
    memset(&err, 0, sizeof err);
    int rc = kn_feel_tests_compile(s_arena, text, strlen(text), &t, &err);
    ck_assert_msg(rc == KN_EPARSE, "%s compiled but should not", text);
    return err.message;
}

static kn_feel_value_t s_date(const char *s)
{
    kn_feel_value_t v;
    ck_assert_int_eq(kn_feel_date_parse(s, strlen(s), &v), 0);
    return v;
}

static kn_feel_value_t s_datetime(const char *s)
{
    kn_feel_value_t v;
    ck_assert_int_eq(kn_feel_datetime_parse(s, strlen(s), &v), 0);
    return v;
}

static const char *s_format(kn_feel_value_t v)
{
    static char buf[128];
    kn_feel_value_format(&v, buf, sizeof buf);
    return buf;
}

START_TEST(test_any)
{
    kn_feel_value_t unset = {0};
    ck_assert(s_match("-", kn_feel_string("x")));
    ck_assert(s_match("-", kn_feel_null()));
    ck_assert(s_match(" - ", kn_feel_number(1)));
    ck_assert(s_match("", kn_feel_bool(false)));
    ck_assert(s_match("-", unset));
    ck_assert(kn_feel_tests_is_any(s_compile("-")));
    ck_assert_uint_eq(kn_feel_tests_count(s_compile("-")), 0);
}
END_TEST

START_TEST(test_string_equality)
{
    ck_assert(s_match("\"inspect\"", kn_feel_string("inspect")));
    ck_assert(!s_match("\"inspect\"", kn_feel_string("inspected")));
    ck_assert(!s_match("\"inspect\"", kn_feel_string("insp")));
    ck_assert(!s_match("\"inspect\"", kn_feel_string("")));
    ck_assert(s_match("\"\"", kn_feel_string("")));
    /* a number is not the string "5": FEEL gives null, so no match */
    ck_assert(!s_match("\"5\"", kn_feel_number(5)));
    ck_assert(s_match("= \"hold\"", kn_feel_string("hold")));
    ck_assert(s_match("!= \"hold\"", kn_feel_string("release")));
    ck_assert(!s_match("!= \"hold\"", kn_feel_string("hold")));
    /* strings are length + bytes, not C strings */
    ck_assert(s_match("\"hold\"", kn_feel_string_n("hold-on", 4)));
}
END_TEST

START_TEST(test_string_escapes)
{
    ck_assert(s_match("\"a\\\"b\"", kn_feel_string("a\"b")));
    ck_assert(s_match("\"back\\\\slash\"", kn_feel_string("back\\slash")));
    ck_assert(s_match("\"caf\\u00e9\"", kn_feel_string("caf\xc3\xa9")));
    ck_assert(s_match("\"\\ud83d\\udea2\"", kn_feel_string("\xf0\x9f\x9a\xa2")));
    ck_assert(s_match("\"\xe5\x8e\xa6\xe9\x97\xa8\"", kn_feel_string("\xe5\x8e\xa6\xe9\x97\xa8")));
    ck_assert(s_match("\"tab\\there\"", kn_feel_string("tab\there")));
}
END_TEST

START_TEST(test_number_comparisons)
{
    ck_assert(s_match("< 10", kn_feel_number(9.99)));
    ck_assert(!s_match("< 10", kn_feel_number(10)));
    ck_assert(s_match("<= 10", kn_feel_number(10)));
    ck_assert(!s_match("<= 10", kn_feel_number(10.01)));
    ck_assert(s_match("> -2.5", kn_feel_number(-2)));
    ck_assert(!s_match("> -2.5", kn_feel_number(-2.5)));
    ck_assert(s_match(">= 0", kn_feel_number(0)));
    ck_assert(!s_match(">= 0", kn_feel_number(-0.001)));
    ck_assert(s_match("3", kn_feel_number(3)));
    ck_assert(s_match("= 3", kn_feel_number(3)));
    ck_assert(!s_match("3", kn_feel_number(3.5)));
    ck_assert(s_match("!= 3", kn_feel_number(4)));
    ck_assert(s_match(".5", kn_feel_number(0.5)));
    ck_assert(s_match("-7", kn_feel_number(-7)));
    ck_assert(s_match("- 7", kn_feel_number(-7)));
    ck_assert(s_match("<10", kn_feel_number(1)));
    /* a string is not a number: null, no match */
    ck_assert(!s_match("< 10", kn_feel_string("1")));
}
END_TEST

START_TEST(test_string_comparisons)
{
    ck_assert(s_match("< \"m\"", kn_feel_string("apple")));
    ck_assert(!s_match("< \"m\"", kn_feel_string("zebra")));
    ck_assert(s_match("[\"a\"..\"m\"]", kn_feel_string("m")));
    ck_assert(!s_match("[\"a\"..\"m\"]", kn_feel_string("ma")));
    ck_assert(s_match(">= \"ab\"", kn_feel_string("abc")));
    ck_assert(!s_match("> \"abc\"", kn_feel_string("ab")));
}
END_TEST

START_TEST(test_ranges)
{
    const char *closed = "[1..5]";
    ck_assert(s_match(closed, kn_feel_number(1)));
    ck_assert(s_match(closed, kn_feel_number(5)));
    ck_assert(s_match(closed, kn_feel_number(3)));
    ck_assert(!s_match(closed, kn_feel_number(0.99)));
    ck_assert(!s_match(closed, kn_feel_number(5.01)));

    const char *open[] = {"]1..5[", "(1..5)"};
    for (int i = 0; i < 2; i++) {
        ck_assert(!s_match(open[i], kn_feel_number(1)));
        ck_assert(!s_match(open[i], kn_feel_number(5)));
        ck_assert(s_match(open[i], kn_feel_number(1.001)));
        ck_assert(s_match(open[i], kn_feel_number(4.999)));
    }
    const char *hi_open[] = {"[1..5)", "[1..5["};
    for (int i = 0; i < 2; i++) {
        ck_assert(s_match(hi_open[i], kn_feel_number(1)));
        ck_assert(!s_match(hi_open[i], kn_feel_number(5)));
    }
    const char *lo_open[] = {"(1..5]", "]1..5]"};
    for (int i = 0; i < 2; i++) {
        ck_assert(!s_match(lo_open[i], kn_feel_number(1)));
        ck_assert(s_match(lo_open[i], kn_feel_number(5)));
    }
    ck_assert(s_match("[-10..-5]", kn_feel_number(-7)));
    ck_assert(s_match("[ 1 .. 5 ]", kn_feel_number(2)));
    ck_assert(s_match("[1..1]", kn_feel_number(1)));
    ck_assert(!s_match("[1..5]", kn_feel_null()));
}
END_TEST

START_TEST(test_lists)
{
    const char *l = "\"hold\", \"inspect\"";
    ck_assert(s_match(l, kn_feel_string("hold")));
    ck_assert(s_match(l, kn_feel_string("inspect")));
    ck_assert(!s_match(l, kn_feel_string("release")));
    ck_assert(s_match("<0, >100", kn_feel_number(-1)));
    ck_assert(s_match("<0, >100", kn_feel_number(101)));
    ck_assert(!s_match("<0, >100", kn_feel_number(50)));
    ck_assert(s_match("1, [5..9]", kn_feel_number(7)));
    ck_assert(s_match("\"a\", null", kn_feel_null()));
    ck_assert_uint_eq(kn_feel_tests_count(s_compile("1, [5..9], null")), 3);
}
END_TEST

START_TEST(test_not)
{
    ck_assert(s_match("not(\"hold\")", kn_feel_string("release")));
    ck_assert(!s_match("not(\"hold\")", kn_feel_string("hold")));
    ck_assert(s_match("not(< 5)", kn_feel_number(5)));
    ck_assert(!s_match("not(< 5)", kn_feel_number(4)));
    ck_assert(s_match("not(1, 2)", kn_feel_number(3)));
    ck_assert(!s_match("not(1, 2)", kn_feel_number(2)));
    ck_assert(s_match("not ( [1..5] )", kn_feel_number(6)));
    ck_assert(kn_feel_tests_negated(s_compile("not(1)")));
}
END_TEST

START_TEST(test_null_semantics)
{
    kn_feel_value_t unset = {0};
    ck_assert(s_match("null", kn_feel_null()));
    ck_assert(s_match("null", unset));
    ck_assert(s_match("= null", kn_feel_null()));
    ck_assert(!s_match("null", kn_feel_number(0)));
    ck_assert(!s_match("null", kn_feel_string("")));
    ck_assert(s_match("not(null)", kn_feel_number(0)));
    ck_assert(!s_match("not(null)", kn_feel_null()));
    /* null = "a" is false, so not("a") holds for null */
    ck_assert(!s_match("\"a\"", kn_feel_null()));
    ck_assert(s_match("not(\"a\")", kn_feel_null()));
    /* null < 5 is null, and not(null) is null: neither matches */
    ck_assert(!s_match("< 5", kn_feel_null()));
    ck_assert(!s_match("not(< 5)", kn_feel_null()));
    /* a type mismatch is null too */
    ck_assert(!s_match("not(< 5)", kn_feel_string("x")));
}
END_TEST

START_TEST(test_booleans)
{
    ck_assert(s_match("true", kn_feel_bool(true)));
    ck_assert(!s_match("true", kn_feel_bool(false)));
    ck_assert(s_match("false", kn_feel_bool(false)));
    ck_assert(s_match("not(true)", kn_feel_bool(false)));
    ck_assert(!s_match("true", kn_feel_string("true")));
    ck_assert(!s_match("true", kn_feel_number(1)));
}
END_TEST

START_TEST(test_dates)
{
    ck_assert(s_match("date(\"2026-11-22\")", s_date("2026-11-22")));
    ck_assert(!s_match("date(\"2026-11-22\")", s_date("2026-11-23")));
    ck_assert(s_match("< date(\"2026-11-22\")", s_date("2026-11-21")));
    ck_assert(s_match("[date(\"2026-01-01\")..date(\"2026-12-31\")]", s_date("2026-12-31")));
    ck_assert(!s_match("[date(\"2026-01-01\")..date(\"2026-12-31\")]", s_date("2027-01-01")));
    /* a date is not a date and time */
    ck_assert(!s_match("date(\"2026-11-22\")", s_datetime("2026-11-22T00:00:00")));

    ck_assert(
        s_match("date and time(\"2026-11-22T08:00:00\")", s_datetime("2026-11-22T08:00:00Z")));
    ck_assert(s_match("date and time(\"2026-11-22T08:00:00+08:00\")",
                      s_datetime("2026-11-22T00:00:00Z")));
    ck_assert(s_match(">= date and time(\"2026-11-22T08:00:00\")",
                      s_datetime("2026-11-22T08:00:00.001")));
    ck_assert(
        !s_match("> date and time(\"2026-11-22T08:00:00\")", s_datetime("2026-11-22T08:00:00")));
    ck_assert(
        s_match("]date and time(\"2026-11-22T08:00:00\")..date and time(\"2026-11-22T09:00:00\")[",
                s_datetime("2026-11-22T08:30:00")));
    ck_assert(s_match("date  and  time(\"2026-11-22\")", s_datetime("2026-11-22T00:00:00")));
}
END_TEST

START_TEST(test_date_parsing)
{
    kn_feel_value_t v;
    ck_assert_int_eq(kn_feel_days_from_civil(1970, 1, 1), 0);
    ck_assert_int_eq(kn_feel_days_from_civil(2000, 3, 1), 11017);
    ck_assert_int_eq(kn_feel_days_from_civil(1969, 12, 31), -1);
    ck_assert_int_eq(kn_feel_date_parse("2024-02-29", 10, &v), 0);
    ck_assert_int_eq(v.type, KN_FEEL_DATE);
    ck_assert_int_eq(kn_feel_date_parse("2026-02-29", 10, &v), KN_EPARSE);
    ck_assert_int_eq(kn_feel_date_parse("2026-13-01", 10, &v), KN_EPARSE);
    ck_assert_int_eq(kn_feel_date_parse("2026-04-31", 10, &v), KN_EPARSE);
    ck_assert_int_eq(kn_feel_date_parse("2026-1-01", 9, &v), KN_EPARSE);
    ck_assert_int_eq(kn_feel_date_parse("2026-11-22x", 11, &v), KN_EPARSE);

    ck_assert_int_eq(kn_feel_datetime_parse("1970-01-01T00:00:01Z", 20, &v), 0);
    ck_assert_int_eq(v.type, KN_FEEL_DATETIME);
    ck_assert_int_eq(v.as.t, 1000);
    ck_assert_int_eq(kn_feel_datetime_parse("1970-01-01T08:00:00+08:00", 25, &v), 0);
    ck_assert_int_eq(v.as.t, 0);
    ck_assert_int_eq(kn_feel_datetime_parse("1970-01-01T00:00:00.25", 22, &v), 0);
    ck_assert_int_eq(v.as.t, 250);
    ck_assert_int_eq(kn_feel_datetime_parse("2026-11-22T24:00:00", 19, &v), KN_EPARSE);
    ck_assert_int_eq(kn_feel_datetime_parse("2026-11-22T08:00", 16, &v), KN_EPARSE);
    ck_assert_int_eq(kn_feel_datetime_parse("2026-11-22T08:00:00@Asia/Shanghai", 33, &v),
                     KN_EPARSE);
    ck_assert_int_eq(kn_feel_datetime_parse("2026-11-22T08:00:00+15:00", 25, &v), KN_EPARSE);
}
END_TEST

START_TEST(test_number_parsing)
{
    double d;
    ck_assert_int_eq(kn_feel_number_parse("12", 2, &d), 0);
    ck_assert(d == 12);
    ck_assert_int_eq(kn_feel_number_parse("-3.25", 5, &d), 0);
    ck_assert(d == -3.25);
    ck_assert_int_eq(kn_feel_number_parse(".5", 2, &d), 0);
    ck_assert_int_eq(kn_feel_number_parse("1e5", 3, &d), KN_EPARSE);
    ck_assert_int_eq(kn_feel_number_parse("0x10", 4, &d), KN_EPARSE);
    ck_assert_int_eq(kn_feel_number_parse("-", 1, &d), KN_EPARSE);
    ck_assert_int_eq(kn_feel_number_parse("", 0, &d), KN_EPARSE);
}
END_TEST

START_TEST(test_format)
{
    ck_assert_str_eq(s_format(kn_feel_number(10)), "10");
    ck_assert_str_eq(s_format(kn_feel_number(-2.5)), "-2.5");
    ck_assert_str_eq(s_format(kn_feel_number(0.1)), "0.1");
    ck_assert_str_eq(s_format(kn_feel_number(300.25)), "300.25");
    ck_assert_str_eq(s_format(kn_feel_string("a\"b")), "\"a\\\"b\"");
    ck_assert_str_eq(s_format(kn_feel_bool(true)), "true");
    ck_assert_str_eq(s_format(kn_feel_null()), "null");
    ck_assert_str_eq(s_format(s_date("2026-11-22")), "date(\"2026-11-22\")");
    ck_assert_str_eq(s_format(s_date("1969-12-31")), "date(\"1969-12-31\")");
    ck_assert_str_eq(s_format(s_datetime("2026-11-22T08:00:00+08:00")),
                     "date and time(\"2026-11-22T00:00:00\")");
    ck_assert_str_eq(s_format(s_datetime("2026-11-22T08:00:00.5")),
                     "date and time(\"2026-11-22T08:00:00.500\")");
    char small[4];
    kn_feel_value_t v = kn_feel_string("longer");
    ck_assert_uint_eq(kn_feel_value_format(&v, small, sizeof small), 8);
    ck_assert_str_eq(small, "\"lo");
}
END_TEST

START_TEST(test_literals)
{
    kn_error_t err = {0};
    kn_feel_value_t v;
    ck_assert_int_eq(kn_feel_literal_parse(s_arena, "\"YARD\"", 6, &v, &err), 0);
    ck_assert_int_eq(v.type, KN_FEEL_STRING);
    ck_assert_str_eq(v.as.s, "YARD");
    ck_assert_int_eq(kn_feel_literal_parse(s_arena, " -3.5 ", 6, &v, &err), 0);
    ck_assert(v.type == KN_FEEL_NUMBER && v.as.n == -3.5);
    ck_assert_int_eq(kn_feel_literal_parse(s_arena, "true", 4, &v, &err), 0);
    ck_assert(v.type == KN_FEEL_BOOL && v.as.b);
    ck_assert_int_eq(kn_feel_literal_parse(s_arena, "null", 4, &v, &err), 0);
    ck_assert_int_eq(v.type, KN_FEEL_NULL);
    ck_assert_int_eq(kn_feel_literal_parse(s_arena, "date(\"2026-11-22\")", 18, &v, &err), 0);
    ck_assert_int_eq(v.type, KN_FEEL_DATE);

    ck_assert_int_eq(kn_feel_literal_parse(s_arena, "YARD", 4, &v, &err), KN_EPARSE);
    ck_assert_str_eq(err.message,
                     "cannot parse \"YARD\": unknown name (only literals are supported)");
    ck_assert_int_eq(kn_feel_literal_parse(s_arena, "\"a\" + \"b\"", 9, &v, &err), KN_EPARSE);
    ck_assert_str_eq(err.message, "cannot parse \"\"a\" + \"b\"\": unexpected character");
    ck_assert_int_eq(kn_feel_literal_parse(s_arena, "1 2", 3, &v, &err), KN_EPARSE);
    ck_assert_str_eq(
        err.message,
        "cannot parse \"1 2\": unexpected text after the value (only literals are supported)");
    ck_assert_int_eq(kn_feel_literal_parse(s_arena, "  ", 2, &v, &err), KN_EPARSE);
    ck_assert_str_eq(err.message, "cannot parse \"\": empty entry");
}
END_TEST

START_TEST(test_errors)
{
    ck_assert_str_eq(s_error("[1.."), "cannot parse \"[1..\": unterminated range");
    ck_assert_str_eq(s_error("[1..5"), "cannot parse \"[1..5\": unterminated range");
    ck_assert_str_eq(s_error("[1"), "cannot parse \"[1\": unterminated range");
    ck_assert_str_eq(s_error("[1 5]"), "cannot parse \"[1 5]\": expected .. in range");
    ck_assert_str_eq(s_error("[5..1]"), "cannot parse \"[5..1]\": empty range");
    ck_assert_str_eq(s_error("]1..1]"), "cannot parse \"]1..1]\": empty range");
    ck_assert_str_eq(s_error("[1..\"a\"]"),
                     "cannot parse \"[1..\"a\"]\": range ends have different types");
    ck_assert_str_eq(s_error("[true..false]"), "cannot parse \"[true..false]\": range ends must be "
                                               "numbers, strings, dates or dates and times");
    ck_assert_str_eq(s_error("\"abc"), "cannot parse \"\"abc\": unterminated string");
    ck_assert_str_eq(s_error("< true"),
                     "cannot parse \"< true\": booleans cannot be compared with < or >");
    ck_assert_str_eq(s_error("<"), "cannot parse \"<\": expected a value after the comparison");
    ck_assert_str_eq(s_error("foo"),
                     "cannot parse \"foo\": unknown name (only literals are supported)");
    ck_assert_str_eq(s_error("1 2"), "cannot parse \"1 2\": unexpected text after the test");
    ck_assert_str_eq(s_error("not(1"), "cannot parse \"not(1\": unterminated not(");
    ck_assert_str_eq(s_error("not 1"), "cannot parse \"not 1\": expected ( after not");
    ck_assert_str_eq(s_error("date(\"2026-02-30\")"),
                     "cannot parse \"date(\"2026-02-30\")\": bad date (want a real YYYY-MM-DD)");
    ck_assert_str_eq(s_error("date(\"2026-02-28\""),
                     "cannot parse \"date(\"2026-02-28\"\": unterminated date literal");
    ck_assert_str_eq(s_error("@"), "cannot parse \"@\": unexpected character");
    ck_assert_str_eq(s_error("!= null"),
                     "cannot parse \"!= null\": use not(null) instead of != null");
    ck_assert_str_eq(s_error("\"a\\q\""), "cannot parse \"\"a\\q\"\": bad escape in string");
    ck_assert_str_eq(s_error("1,"), "cannot parse \"1,\": expected a value");
    ck_assert_str_eq(s_error("1e5"), "cannot parse \"1e5\": unexpected text after the test");
    ck_assert_str_eq(s_error("--"), "cannot parse \"--\": expected a number after -");
    /* newlines are flattened, long text cut */
    ck_assert_str_eq(s_error("[1..\n"), "cannot parse \"[1..\": unterminated range");
    char longtext[160];
    memset(longtext, '1', 150);
    memcpy(longtext + 150, " x", 3);
    const char *msg = s_error(longtext);
    ck_assert_ptr_nonnull(strstr(msg, "...\": "));
}
END_TEST

START_TEST(test_type_parse)
{
    kn_feel_type_t t;
    bool any;
    ck_assert_int_eq(kn_feel_type_parse("string", &t, &any), 0);
    ck_assert_int_eq(t, KN_FEEL_STRING);
    ck_assert_int_eq(kn_feel_type_parse("feel:number", &t, &any), 0);
    ck_assert_int_eq(t, KN_FEEL_NUMBER);
    ck_assert_int_eq(kn_feel_type_parse("integer", &t, &any), 0);
    ck_assert_int_eq(t, KN_FEEL_NUMBER);
    ck_assert_int_eq(kn_feel_type_parse("xsd:boolean", &t, &any), 0);
    ck_assert_int_eq(t, KN_FEEL_BOOL);
    ck_assert_int_eq(kn_feel_type_parse("date", &t, &any), 0);
    ck_assert_int_eq(t, KN_FEEL_DATE);
    ck_assert_int_eq(kn_feel_type_parse("dateTime", &t, &any), 0);
    ck_assert_int_eq(t, KN_FEEL_DATETIME);
    ck_assert_int_eq(kn_feel_type_parse("date and time", &t, &any), 0);
    ck_assert_int_eq(t, KN_FEEL_DATETIME);
    ck_assert_int_eq(kn_feel_type_parse("Any", &t, &any), 0);
    ck_assert(any);
    ck_assert_int_eq(kn_feel_type_parse("tCustomsInstruction", &t, &any), KN_ENOTFOUND);
    ck_assert_int_eq(kn_feel_type_parse("time", &t, &any), KN_ENOTFOUND);
    ck_assert_str_eq(kn_feel_type_name(KN_FEEL_DATETIME), "date and time");
}
END_TEST

START_TEST(test_equal_compare)
{
    kn_feel_value_t a = kn_feel_string("abc"), b = kn_feel_string_n("abcd", 3),
                    c = kn_feel_number(1);
    kn_feel_value_t unset = {0}, null = kn_feel_null();
    int cmp = 99;
    ck_assert(kn_feel_value_equal(&a, &b));
    ck_assert(!kn_feel_value_equal(&a, &c));
    ck_assert(kn_feel_value_equal(&unset, &null));
    ck_assert_int_eq(kn_feel_value_compare(&a, &b, &cmp), 0);
    ck_assert_int_eq(cmp, 0);
    ck_assert_int_eq(kn_feel_value_compare(&a, &c, &cmp), KN_EINVAL);
    kn_feel_value_t t = kn_feel_bool(true), f = kn_feel_bool(false);
    ck_assert_int_eq(kn_feel_value_compare(&t, &f, &cmp), KN_EINVAL);
    kn_feel_value_t d1 = s_date("2026-01-01"), d2 = s_date("2026-01-02");
    ck_assert_int_eq(kn_feel_value_compare(&d1, &d2, &cmp), 0);
    ck_assert_int_lt(cmp, 0);
}
END_TEST

START_TEST(test_introspection)
{
    const kn_feel_tests_t *t = s_compile("\"a\", [1..5), null, >= 3");
    ck_assert_uint_eq(kn_feel_tests_count(t), 4);
    ck_assert_int_eq(kn_feel_tests_op(t, 0), KN_FEEL_OP_EQ);
    ck_assert_str_eq(kn_feel_tests_operand(t, 0, 0)->as.s, "a");
    ck_assert_ptr_null(kn_feel_tests_operand(t, 0, 1));
    ck_assert_int_eq(kn_feel_tests_op(t, 1), KN_FEEL_OP_RANGE);
    ck_assert(kn_feel_tests_operand(t, 1, 1)->as.n == 5);
    ck_assert_int_eq(kn_feel_tests_op(t, 2), KN_FEEL_OP_NULL);
    ck_assert_ptr_null(kn_feel_tests_operand(t, 2, 0));
    ck_assert_int_eq(kn_feel_tests_op(t, 3), KN_FEEL_OP_GE);
}
END_TEST

Suite *kn_test_feel_suite(void)
{
    Suite *s = suite_create("feel");
    TCase *tc = tcase_create("unary tests");
    tcase_add_checked_fixture(tc, s_setup, s_teardown);
    tcase_add_test(tc, test_any);
    tcase_add_test(tc, test_string_equality);
    tcase_add_test(tc, test_string_escapes);
    tcase_add_test(tc, test_number_comparisons);
    tcase_add_test(tc, test_string_comparisons);
    tcase_add_test(tc, test_ranges);
    tcase_add_test(tc, test_lists);
    tcase_add_test(tc, test_not);
    tcase_add_test(tc, test_null_semantics);
    tcase_add_test(tc, test_booleans);
    tcase_add_test(tc, test_dates);
    tcase_add_test(tc, test_errors);
    tcase_add_test(tc, test_introspection);
    suite_add_tcase(s, tc);

    tc = tcase_create("values");
    tcase_add_checked_fixture(tc, s_setup, s_teardown);
    tcase_add_test(tc, test_date_parsing);
    tcase_add_test(tc, test_number_parsing);
    tcase_add_test(tc, test_format);
    tcase_add_test(tc, test_literals);
    tcase_add_test(tc, test_type_parse);
    tcase_add_test(tc, test_equal_compare);
    suite_add_tcase(s, tc);
    return s;
}
