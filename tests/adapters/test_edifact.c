/* Tests for adapters/edifact.c: the UN/EDIFACT syntax reader.
 *
 * KN_SAMPLES_DIR (a string) names the shared samples directory; the build
 * defines it. */
#include "edifact.h"

#include "runner.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef KN_SAMPLES_DIR
#error                                                                                             \
    "define KN_SAMPLES_DIR as the samples directory, e.g. -DKN_SAMPLES_DIR='\"/work/shared/samples\"'"
#endif

#define UNB_A "UNB+UNOA:2+XHCT+KOUAN+261122:0815+R1'"
#define UNH_1 "UNH+1+COARRI:D:95B:UN:ITG13'"

static kn_arena_t *s_arena;
static kn_error_t s_err;

static void s_setup(void)
{
    s_arena = kn_arena_new(64 * 1024);
    ck_assert_ptr_nonnull(s_arena);
    memset(&s_err, 0, sizeof s_err);
}

static void s_teardown(void)
{
    kn_arena_destroy(&s_arena);
}

/* The whole of a sample file, in the arena. */
static unsigned char *s_sample(const char *name, size_t *len)
{
    return kn_test_read(s_arena, KN_SAMPLES_DIR, name, len);
}

static int s_parse_n(const void *data, size_t len, kn_edifact_interchange_t **ic)
{
    memset(&s_err, 0, sizeof s_err);
    return kn_edifact_parse(data, len, s_arena, ic, &s_err);
}

static int s_parse(const char *text, kn_edifact_interchange_t **ic)
{
    return s_parse_n(text, strlen(text), ic);
}

/* Parse text that must be refused with code at position, the message
 * containing part. */
static void s_refused(const char *text, int code, const char *position, const char *part)
{
    kn_edifact_interchange_t *ic = (kn_edifact_interchange_t *)&ic;
    int rc = s_parse(text, &ic);
    ck_assert_msg(rc == code, "expected %s, got %s (%s: %s)", kn_err_name(code), kn_err_name(rc),
                  s_err.position, s_err.message);
    ck_assert_ptr_null(ic);
    ck_assert_int_eq(s_err.code, code);
    ck_assert_str_eq(s_err.position, position);
    ck_assert_msg(strncmp(s_err.message, "edifact: ", 9) == 0, "message \"%s\" lacks the prefix",
                  s_err.message);
    ck_assert_msg(strstr(s_err.message, part) != NULL, "message \"%s\" lacks \"%s\"", s_err.message,
                  part);
}

static const kn_edifact_segment_t *s_seg(const kn_edifact_interchange_t *ic, size_t msg,
                                         size_t number)
{
    const kn_edifact_message_t *m = kn_edifact_interchange_message(ic, msg);
    ck_assert_ptr_nonnull(m);
    const kn_edifact_segment_t *seg = kn_edifact_message_segment(m, number - 1);
    ck_assert_ptr_nonnull(seg);
    ck_assert_uint_eq(kn_edifact_segment_number(seg), number);
    return seg;
}

/* ---- samples ------------------------------------------------------------ */

START_TEST(test_sample_coarri_discharge)
{
    size_t len;
    unsigned char *data = s_sample("terminal/coarri-discharge.edi", &len);
    kn_edifact_interchange_t *ic = NULL;
    ck_assert_int_eq(s_parse_n(data, len, &ic), 0);
    ck_assert_int_eq(kn_edifact_interchange_syntax(ic), KN_EDIFACT_UNOA);
    ck_assert_str_eq(kn_edifact_interchange_syntax_version(ic), "2");
    ck_assert_str_eq(kn_edifact_interchange_sender(ic), "XHCT");
    ck_assert_ptr_null(kn_edifact_interchange_sender_qualifier(ic));
    ck_assert_str_eq(kn_edifact_interchange_recipient(ic), "KOUAN");
    ck_assert_str_eq(kn_edifact_interchange_date(ic), "261122");
    ck_assert_str_eq(kn_edifact_interchange_time(ic), "0815");
    ck_assert_str_eq(kn_edifact_interchange_control_ref(ic), "XHCT000101");
    ck_assert_int_eq(kn_edifact_interchange_decimal_mark(ic), '.');
    ck_assert_uint_eq(kn_edifact_interchange_message_count(ic), 1);

    const kn_edifact_message_t *m = kn_edifact_interchange_message(ic, 0);
    ck_assert_str_eq(kn_edifact_message_ref(m), "1");
    ck_assert_str_eq(kn_edifact_message_type(m), "COARRI");
    ck_assert_str_eq(kn_edifact_message_version(m), "D");
    ck_assert_str_eq(kn_edifact_message_release(m), "95B");
    ck_assert_str_eq(kn_edifact_message_agency(m), "UN");
    ck_assert_str_eq(kn_edifact_message_association(m), "ITG13");
    ck_assert_uint_eq(kn_edifact_message_ordinal(m), 1);
    ck_assert_uint_eq(kn_edifact_message_segment_count(m), 26);
    ck_assert_str_eq(kn_edifact_segment_tag(s_seg(ic, 0, 1)), "UNH");
    ck_assert_str_eq(kn_edifact_segment_tag(s_seg(ic, 0, 26)), "UNT");
    ck_assert_str_eq(kn_edifact_segment_value(s_seg(ic, 0, 26), 1, 1), "26");

    /* TDT+20+118E+1++COS:172:20+++9812345:146::COSCO XIAMEN */
    const kn_edifact_segment_t *tdt = s_seg(ic, 0, 3);
    ck_assert_str_eq(kn_edifact_segment_tag(tdt), "TDT");
    ck_assert_uint_eq(kn_edifact_segment_element_count(tdt), 8);
    ck_assert_str_eq(kn_edifact_segment_value(tdt, 2, 1), "118E");
    ck_assert_ptr_null(kn_edifact_segment_value(tdt, 4, 1));
    ck_assert_str_eq(kn_edifact_segment_value(tdt, 5, 2), "172");
    ck_assert_uint_eq(kn_edifact_segment_component_count(tdt, 8), 4);
    ck_assert_str_eq(kn_edifact_segment_value(tdt, 8, 1), "9812345");
    ck_assert_str_eq(kn_edifact_segment_value(tdt, 8, 2), "146");
    ck_assert_ptr_null(kn_edifact_segment_value(tdt, 8, 3));
    ck_assert_str_eq(kn_edifact_segment_value(tdt, 8, 4), "COSCO XIAMEN");

    /* FTX+AAA+++MACHINE PARTS?+ SPARES: the release character keeps the '+'. */
    const kn_edifact_segment_t *ftx = s_seg(ic, 0, 13);
    ck_assert_str_eq(kn_edifact_segment_tag(ftx), "FTX");
    ck_assert_uint_eq(kn_edifact_segment_element_count(ftx), 4);
    ck_assert_str_eq(kn_edifact_segment_value(ftx, 4, 1), "MACHINE PARTS+ SPARES");

    const kn_edifact_segment_t *eqd = s_seg(ic, 0, 14);
    char where[128];
    ck_assert_str_eq(kn_edifact_segment_position(eqd, where, sizeof where), "segment 14 (EQD)");
    ck_assert_str_eq(kn_edifact_segment_value(eqd, 2, 1), "CSNU7041125");
    ck_assert_str_eq(kn_edifact_segment_value(eqd, 3, 1), "22G1");
    ck_assert_str_eq(kn_edifact_segment_value(eqd, 6, 1), "5");
    ck_assert_str_eq(kn_edifact_segment_value(s_seg(ic, 0, 24), 2, 1), "-18.0");
}
END_TEST

START_TEST(test_sample_codeco_gate_out_two_messages)
{
    size_t len;
    unsigned char *data = s_sample("terminal/codeco-gate-out-import.edi", &len);
    kn_edifact_interchange_t *ic = NULL;
    ck_assert_int_eq(s_parse_n(data, len, &ic), 0);
    ck_assert_str_eq(kn_edifact_interchange_control_ref(ic), "XHCT000103");
    ck_assert_uint_eq(kn_edifact_interchange_message_count(ic), 2);
    const kn_edifact_message_t *m1 = kn_edifact_interchange_message(ic, 0);
    const kn_edifact_message_t *m2 = kn_edifact_interchange_message(ic, 1);
    ck_assert_ptr_null(kn_edifact_interchange_message(ic, 2));
    ck_assert_str_eq(kn_edifact_message_ref(m1), "3");
    ck_assert_str_eq(kn_edifact_message_ref(m2), "4");
    ck_assert_str_eq(kn_edifact_message_type(m2), "CODECO");
    ck_assert_str_eq(kn_edifact_message_association(m2), "ITG14");
    ck_assert_uint_eq(kn_edifact_message_segment_count(m1), 10);
    ck_assert_uint_eq(kn_edifact_message_segment_count(m2), 9);
    ck_assert_uint_eq(kn_edifact_message_ordinal(m2), 2);
    ck_assert_str_eq(kn_edifact_segment_value(s_seg(ic, 0, 4), 2, 1), "COSU6123451");
    ck_assert_str_eq(kn_edifact_segment_value(s_seg(ic, 1, 4), 2, 1), "CSNU7041125");
    ck_assert_str_eq(kn_edifact_segment_value(s_seg(ic, 1, 6), 1, 2), "202611221342");
    char where[128];
    ck_assert_str_eq(kn_edifact_segment_position(s_seg(ic, 1, 4), where, sizeof where),
                     "message 2: segment 4 (EQD)");
    /* TDT+1++3++++++:::MIN D12345 carries C222 in element 9, as sent. */
    ck_assert_str_eq(kn_edifact_segment_value(s_seg(ic, 0, 8), 9, 4), "MIN D67890");
}
END_TEST

START_TEST(test_sample_codeco_gate_in)
{
    size_t len;
    unsigned char *data = s_sample("terminal/codeco-gate-in-export.edi", &len);
    kn_edifact_interchange_t *ic = NULL;
    ck_assert_int_eq(s_parse_n(data, len, &ic), 0);
    ck_assert_uint_eq(kn_edifact_interchange_message_count(ic), 1);
    ck_assert_uint_eq(kn_edifact_message_segment_count(kn_edifact_interchange_message(ic, 0)), 12);
    const kn_edifact_segment_t *eqd = s_seg(ic, 0, 4);
    ck_assert_str_eq(kn_edifact_segment_value(eqd, 2, 1), "TGHU3007773");
    ck_assert_str_eq(kn_edifact_segment_value(eqd, 4, 1), "1");
    ck_assert_str_eq(kn_edifact_segment_value(s_seg(ic, 0, 5), 1, 2), "XMN26110057");
    ck_assert_str_eq(kn_edifact_segment_value(s_seg(ic, 0, 8), 3, 2), "24310");
    const kn_edifact_segment_t *tdt = s_seg(ic, 0, 10);
    ck_assert_uint_eq(kn_edifact_segment_element_count(tdt), 9);
    ck_assert_ptr_null(kn_edifact_segment_value(tdt, 8, 1));
    ck_assert_ptr_null(kn_edifact_segment_value(tdt, 9, 1));
    ck_assert_str_eq(kn_edifact_segment_value(tdt, 9, 4), "MIN D12345");
}
END_TEST

START_TEST(test_sample_bad_checkdigit_is_good_syntax)
{
    size_t len;
    unsigned char *data = s_sample("bad/coarri-bad-checkdigit.edi", &len);
    kn_edifact_interchange_t *ic = NULL;
    ck_assert_int_eq(s_parse_n(data, len, &ic), 0);
    ck_assert_str_eq(kn_edifact_message_ref(kn_edifact_interchange_message(ic, 0)), "5");
    ck_assert_str_eq(kn_edifact_segment_value(s_seg(ic, 0, 5), 2, 1), "MSCU5510221");
}
END_TEST

START_TEST(test_sample_truncated)
{
    size_t len;
    unsigned char *data = s_sample("bad/coarri-truncated.edi", &len);
    kn_edifact_interchange_t *ic = NULL;
    ck_assert_int_eq(s_parse_n(data, len, &ic), KN_EPARSE);
    ck_assert_ptr_null(ic);
    ck_assert_str_eq(s_err.position, "segment 18 (MEA)");
    ck_assert_str_eq(s_err.message,
                     "edifact: input ends after this segment: message 1 has no UNT and the "
                     "interchange no UNZ");
    char text[700];
    ck_assert_str_eq(kn_error_text(&s_err, text, sizeof text),
                     "segment 18 (MEA): edifact: input ends after this segment: message 1 has no "
                     "UNT and the interchange no UNZ");
}
END_TEST

START_TEST(test_sample_wrong_segment_count)
{
    size_t len;
    unsigned char *data = s_sample("bad/coarri-wrong-segment-count.edi", &len);
    kn_edifact_interchange_t *ic = NULL;
    ck_assert_int_eq(s_parse_n(data, len, &ic), KN_EPARSE);
    ck_assert_str_eq(s_err.position, "segment 26 (UNT)");
    ck_assert_str_eq(s_err.message, "edifact: element 1: segment count says 31, message has 26");
    char text[700];
    ck_assert_str_eq(kn_error_text(&s_err, text, sizeof text),
                     "segment 26 (UNT): edifact: element 1: segment count says 31, message has 26");
}
END_TEST

/* ---- UNA ---------------------------------------------------------------- */

START_TEST(test_una_absent_uses_defaults)
{
    kn_edifact_interchange_t *ic = NULL;
    ck_assert_int_eq(s_parse(UNB_A UNH_1 "FTX+AAA+++A?+B?:C'UNT+3+1'UNZ+1+R1'", &ic), 0);
    ck_assert_int_eq(kn_edifact_interchange_decimal_mark(ic), '.');
    ck_assert_str_eq(kn_edifact_segment_value(s_seg(ic, 0, 2), 4, 1), "A+B:C");
}
END_TEST

START_TEST(test_una_custom_separators)
{
    /* component |, element *, decimal ',', release \, terminator ~ */
    const char *text = "UNA|*,\\ ~"
                       "UNB*UNOB|3*SND|ZZ*RCV*261122|0815*R9~"
                       "UNH*7*CODECO|D|95B|UN~"
                       "FTX*AAA***a\\*b\\|c\\~d\\\\e|second~"
                       "MEA*AAE*G*KGM|22,5~"
                       "UNT*4*7~UNZ*1*R9~";
    kn_edifact_interchange_t *ic = NULL;
    ck_assert_int_eq(s_parse(text, &ic), 0);
    ck_assert_int_eq(kn_edifact_interchange_syntax(ic), KN_EDIFACT_UNOB);
    ck_assert_str_eq(kn_edifact_interchange_sender(ic), "SND");
    ck_assert_str_eq(kn_edifact_interchange_sender_qualifier(ic), "ZZ");
    ck_assert_int_eq(kn_edifact_interchange_decimal_mark(ic), ',');
    const kn_edifact_segment_t *ftx = s_seg(ic, 0, 2);
    ck_assert_str_eq(kn_edifact_segment_value(ftx, 4, 1), "a*b|c~d\\e");
    ck_assert_str_eq(kn_edifact_segment_value(ftx, 4, 2), "second");
    ck_assert_str_eq(kn_edifact_segment_value(s_seg(ic, 0, 3), 3, 2), "22,5");
}
END_TEST

START_TEST(test_una_without_release_character)
{
    /* A space in the release position: '?' is an ordinary character. */
    kn_edifact_interchange_t *ic = NULL;
    ck_assert_int_eq(s_parse("UNA:+. *'" UNB_A UNH_1 "FTX+AAA+++WHY?'UNT+3+1'UNZ+1+R1'", &ic), 0);
    ck_assert_str_eq(kn_edifact_segment_value(s_seg(ic, 0, 2), 4, 1), "WHY?");
}
END_TEST

START_TEST(test_una_refused)
{
    s_refused("UNA::.? '" UNB_A, KN_EPARSE, "UNA",
              "component separator and data element separator are both \":\"");
    s_refused("UNA:A.? '" UNB_A, KN_EPARSE, "UNA",
              "data element separator \"A\" cannot be a letter, digit or space");
    s_refused("UNA:+x? '" UNB_A, KN_EPARSE, "UNA", "decimal mark \"x\" is neither");
    s_refused("UNA:+.?:'" UNB_A, KN_EPARSE, "UNA", "reserved character and component separator");
    s_refused("UNA:+", KN_EPARSE, "UNA", "service string advice is cut short");
    s_refused("UNA:+.? '", KN_EPARSE, "UNA", "input ends before UNB");
}
END_TEST

/* ---- release character -------------------------------------------------- */

START_TEST(test_release_character)
{
    kn_edifact_interchange_t *ic = NULL;
    ck_assert_int_eq(
        s_parse(UNB_A UNH_1 "FTX+AAA+++O?'NEIL ?? 50% A?:B?+C:NEXT'UNT+3+1'UNZ+1+R1'", &ic), 0);
    const kn_edifact_segment_t *ftx = s_seg(ic, 0, 2);
    ck_assert_uint_eq(kn_edifact_segment_element_count(ftx), 4);
    ck_assert_uint_eq(kn_edifact_segment_component_count(ftx, 4), 2);
    ck_assert_str_eq(kn_edifact_segment_value(ftx, 4, 1), "O'NEIL ? 50% A:B+C");
    ck_assert_str_eq(kn_edifact_segment_value(ftx, 4, 2), "NEXT");
}
END_TEST

START_TEST(test_release_at_end_of_input)
{
    s_refused(UNB_A UNH_1 "FTX+AAA+++ABC?", KN_EPARSE, "segment 2 (FTX)",
              "input ends after a release character inside this segment");
    /* A released terminator does not end the segment. */
    s_refused(UNB_A UNH_1 "FTX+AAA+++ABC?'", KN_EPARSE, "segment 2 (FTX)",
              "input ends inside this segment: no segment terminator");
}
END_TEST

/* ---- whitespace --------------------------------------------------------- */

START_TEST(test_whitespace_between_segments)
{
    kn_edifact_interchange_t *ic = NULL;
    const char *text = "  \r\nUNA:+.? '\r\n" UNB_A "\n\n" UNH_1 " \t\r\n"
                       "FTX+AAA+++ONE TWO'\r\nUNT+3+1'\r\n"
                       "UNZ+1+R1'\r\n\r\n  \t";
    ck_assert_int_eq(s_parse(text, &ic), 0);
    ck_assert_uint_eq(kn_edifact_message_segment_count(kn_edifact_interchange_message(ic, 0)), 3);
    ck_assert_str_eq(kn_edifact_segment_tag(s_seg(ic, 0, 2)), "FTX");
    ck_assert_str_eq(kn_edifact_segment_value(s_seg(ic, 0, 2), 4, 1), "ONE TWO");
}
END_TEST

START_TEST(test_whitespace_inside_segment_is_data)
{
    s_refused(UNB_A UNH_1 "FTX+AAA+++ONE\r\nTWO'UNT+3+1'UNZ+1+R1'", KN_EPARSE, "segment 2 (FTX)",
              "element 4: character 0x0D is not allowed in UNOA");
}
END_TEST

START_TEST(test_data_after_unz)
{
    s_refused(UNB_A UNH_1 "UNT+2+1'UNZ+1+R1'\r\nJUNK'", KN_EPARSE, "interchange segment 5",
              "data after UNZ");
}
END_TEST

/* ---- character sets ----------------------------------------------------- */

START_TEST(test_unoa_refuses_lower_case)
{
    s_refused(UNB_A UNH_1 "FTX+AAA+++Spares'UNT+3+1'UNZ+1+R1'", KN_EPARSE, "segment 2 (FTX)",
              "element 4: character 'p' (0x70) is not allowed in UNOA");
    s_refused(UNB_A UNH_1 "LOC+147+0120282:x:5'UNT+3+1'UNZ+1+R1'", KN_EPARSE, "segment 2 (LOC)",
              "element 2 component 2: character 'x' (0x78) is not allowed in UNOA");
    s_refused("UNB+UNOA:2+xhct+KOUAN+261122:0815+R1'", KN_EPARSE, "interchange segment 1 (UNB)",
              "element 2: character 'x' (0x78) is not allowed in UNOA");
}
END_TEST

START_TEST(test_unob_allows_lower_case)
{
    kn_edifact_interchange_t *ic = NULL;
    ck_assert_int_eq(s_parse("UNB+UNOB:3+xhct+KOUAN+261122:0815+R1'" UNH_1
                             "FTX+AAA+++Spares (2x)'UNT+3+1'"
                             "UNZ+1+R1'",
                             &ic),
                     0);
    ck_assert_str_eq(kn_edifact_interchange_sender(ic), "xhct");
    ck_assert_str_eq(kn_edifact_segment_value(s_seg(ic, 0, 2), 4, 1), "Spares (2x)");
    s_refused("UNB+UNOB:3+X+Y+261122:0815+R1'" UNH_1 "FTX+AAA+++NO #1'UNT+3+1'UNZ+1+R1'", KN_EPARSE,
              "segment 2 (FTX)", "character '#' (0x23) is not allowed in UNOB");
}
END_TEST

START_TEST(test_unoc_converts_latin1)
{
    kn_edifact_interchange_t *ic = NULL;
    ck_assert_int_eq(s_parse("UNB+UNOC:3+XHCT+KOUAN+261122:0815+R1'" UNH_1 "FTX+AAA+++CAF\xC9 \xB0"
                             "C na\xEFve \xFF'UNT+3+1'UNZ+1+R1'",
                             &ic),
                     0);
    ck_assert_int_eq(kn_edifact_interchange_syntax(ic), KN_EDIFACT_UNOC);
    ck_assert_str_eq(kn_edifact_segment_value(s_seg(ic, 0, 2), 4, 1), "CAF\xC3\x89 \xC2\xB0"
                                                                      "C na\xC3\xAFve \xC3\xBF");
    s_refused("UNB+UNOC:3+X+Y+261122:0815+R1'" UNH_1 "FTX+AAA+++A\x85'UNT+3+1'UNZ+1+R1'", KN_EPARSE,
              "segment 2 (FTX)", "element 4: character 0x85 is not allowed in UNOC");
}
END_TEST

START_TEST(test_unoy_validates_utf8)
{
    kn_edifact_interchange_t *ic = NULL;
    ck_assert_int_eq(s_parse("UNB+UNOY:4+XHCT+KOUAN+20261122:0815+R1'" UNH_1
                             "FTX+AAA+++\xE5\x8E\xA6\xE9\x97\xA8\xE6\xB8\xAF \xF0\x9F\x9A\xA2'"
                             "UNT+3+1'UNZ+1+R1'",
                             &ic),
                     0);
    ck_assert_str_eq(kn_edifact_interchange_date(ic), "20261122");
    ck_assert_str_eq(kn_edifact_segment_value(s_seg(ic, 0, 2), 4, 1),
                     "\xE5\x8E\xA6\xE9\x97\xA8\xE6\xB8\xAF \xF0\x9F\x9A\xA2");
#define UNOY_HEAD "UNB+UNOY:4+X+Y+20261122:0815+R1'" UNH_1
    s_refused(UNOY_HEAD "FTX+AAA+++A\xC3(B'UNT+3+1'UNZ+1+R1'", KN_EPARSE, "segment 2 (FTX)",
              "element 4: invalid UTF-8 at byte 2 of the value (UNOY)");
    s_refused(UNOY_HEAD "FTX+AAA+++\xC0\xAF'UNT+3+1'UNZ+1+R1'", KN_EPARSE, "segment 2 (FTX)",
              "invalid UTF-8 at byte 1");
    s_refused(UNOY_HEAD "FTX+AAA+++\xED\xA0\x80'UNT+3+1'UNZ+1+R1'", KN_EPARSE, "segment 2 (FTX)",
              "invalid UTF-8 at byte 1");
    s_refused(UNOY_HEAD "FTX+AAA+++\xE5\x8E'UNT+3+1'UNZ+1+R1'", KN_EPARSE, "segment 2 (FTX)",
              "invalid UTF-8 at byte 1");
    s_refused(UNOY_HEAD "FTX+AAA+++A\tB'UNT+3+1'UNZ+1+R1'", KN_EPARSE, "segment 2 (FTX)",
              "element 4: character 0x09 is not allowed in UNOY");
#undef UNOY_HEAD
}
END_TEST

START_TEST(test_syntax_identifier_refused_by_name)
{
    s_refused("UNB+UNOD:3+X+Y+261122:0815+R1'", KN_EPARSE, "interchange segment 1 (UNB)",
              "element 1: syntax identifier UNOD is not supported (UNOA, UNOB, UNOC or UNOY)");
    s_refused("UNB+UNOA:7+X+Y+261122:0815+R1'", KN_EPARSE, "interchange segment 1 (UNB)",
              "syntax version number 7 is not 1 to 4");
    s_refused("UNB+UNOA:2+X+Y+2611:0815+R1'", KN_EPARSE, "interchange segment 1 (UNB)",
              "element 4: date 2611 is not YYMMDD or CCYYMMDD");
    s_refused("UNB+UNOA:2+X+Y+261122:0815'", KN_EPARSE, "interchange segment 1 (UNB)",
              "element 5: interchange control reference is missing");
    ck_assert_str_eq(kn_edifact_syntax_name(KN_EDIFACT_UNOY), "UNOY");
}
END_TEST

/* ---- message directories ------------------------------------------------ */

START_TEST(test_directory_d00b)
{
    kn_edifact_interchange_t *ic = NULL;
    ck_assert_int_eq(s_parse(UNB_A "UNH+X1+CODECO:D:00B:UN:SMDG20'UNT+2+X1'UNZ+1+R1'", &ic), 0);
    const kn_edifact_message_t *m = kn_edifact_interchange_message(ic, 0);
    ck_assert_str_eq(kn_edifact_message_release(m), "00B");
    ck_assert_str_eq(kn_edifact_message_association(m), "SMDG20");
    ck_assert_str_eq(kn_edifact_message_ref(m), "X1");
}
END_TEST

START_TEST(test_directory_refused_by_name)
{
    s_refused(UNB_A "UNH+1+COARRI:D:96A:UN'UNT+2+1'UNZ+1+R1'", KN_EUNKNOWN, "segment 1 (UNH)",
              "element 2: message directory D.96A is not supported (D.95B or D.00B)");
    s_refused(UNB_A "UNH+1+COARRI:S:95B:UN'UNT+2+1'UNZ+1+R1'", KN_EUNKNOWN, "segment 1 (UNH)",
              "message directory S.95B is not supported");
    s_refused(UNB_A "UNH+1+COARRI:D:95B:ZZ'UNT+2+1'UNZ+1+R1'", KN_EUNKNOWN, "segment 1 (UNH)",
              "controlling agency ZZ is not UN");
    s_refused(UNB_A "UNH+1+COARRI'UNT+2+1'UNZ+1+R1'", KN_EPARSE, "segment 1 (UNH)",
              "element 2: message version or release is missing");
    s_refused(UNB_A "UNH++COARRI:D:95B:UN'", KN_EPARSE, "segment 1 (UNH)",
              "element 1: message reference is missing");
}
END_TEST

/* ---- UNB/UNH/UNT/UNZ control ------------------------------------------- */

START_TEST(test_unz_count_and_reference)
{
    s_refused(UNB_A UNH_1 "UNT+2+1'UNZ+2+R1'", KN_EPARSE, "interchange segment 4 (UNZ)",
              "element 1: message count says 2, interchange has 1");
    s_refused(UNB_A UNH_1 "UNT+2+1'UNZ+1+R2'", KN_EPARSE, "interchange segment 4 (UNZ)",
              "element 2: control reference R2 does not match UNB reference R1");
    s_refused(UNB_A UNH_1 "UNT+2+1'UNZ+1X+R1'", KN_EPARSE, "interchange segment 4 (UNZ)",
              "element 1: message count 1X is not a number");
    kn_edifact_interchange_t *ic = NULL;
    ck_assert_int_eq(s_parse(UNB_A "UNZ+0+R1'", &ic), 0);
    ck_assert_uint_eq(kn_edifact_interchange_message_count(ic), 0);
}
END_TEST

START_TEST(test_unt_count_and_reference)
{
    s_refused(UNB_A UNH_1 "BGM+44+D1+9'UNT+3+2'UNZ+1+R1'", KN_EPARSE, "segment 3 (UNT)",
              "element 2: message reference 2 does not match UNH reference 1");
    s_refused(UNB_A UNH_1 "UNT++1'UNZ+1+R1'", KN_EPARSE, "segment 2 (UNT)",
              "element 1: segment count (missing) is not a number");
    /* Errors in later messages name the message. */
    s_refused(UNB_A UNH_1 "UNT+2+1'UNH+2+COARRI:D:95B:UN'BGM+44'UNT+2+2'UNZ+2+R1'", KN_EPARSE,
              "message 2: segment 3 (UNT)", "element 1: segment count says 2, message has 3");
}
END_TEST

START_TEST(test_nesting)
{
    s_refused(UNB_A UNH_1 "BGM+44'UNH+2+COARRI:D:95B:UN'", KN_EPARSE, "segment 3 (UNH)",
              "UNH before the UNT of message 1");
    s_refused(UNB_A UNH_1 "BGM+44'UNZ+1+R1'", KN_EPARSE, "segment 3 (UNZ)",
              "UNZ before the UNT of message 1");
    s_refused(UNB_A "BGM+44'", KN_EPARSE, "interchange segment 2 (BGM)",
              "BGM outside a message (no UNH before it)");
    s_refused(UNB_A "UNG+COARRI+X+Y+261122:0815+1+UN+D:95B'", KN_EPARSE,
              "interchange segment 2 (UNG)", "functional groups (UNG ... UNE) are not supported");
    s_refused(UNB_A UNB_A, KN_EPARSE, "interchange segment 2 (UNB)",
              "second UNB in one interchange");
    s_refused(UNH_1 "UNT+2+1'", KN_EPARSE, "interchange segment 1 (UNH)",
              "interchange must start with UNB, not UNH");
}
END_TEST

START_TEST(test_truncation)
{
    s_refused("", KN_EPARSE, "", "empty input");
    s_refused(" \r\n ", KN_EPARSE, "", "empty input");
    s_refused(UNB_A UNH_1 "UNT+2+1'", KN_EPARSE, "segment 2 (UNT)",
              "input ends after this segment: the interchange has no UNZ");
    s_refused(UNB_A UNH_1 "BGM+44+D1", KN_EPARSE, "segment 2 (BGM)",
              "input ends inside this segment: no segment terminator");
    s_refused(UNB_A UNH_1 "BG", KN_EPARSE, "segment 2", "input ends inside a segment tag (\"BG\")");
    s_refused(UNB_A UNH_1 "UNT+2+1'UNH+2+CODECO:D:95B:UN'BGM+34'", KN_EPARSE,
              "message 2: segment 2 (BGM)", "message 2 has no UNT");
    kn_edifact_interchange_t *ic = (kn_edifact_interchange_t *)&ic;
    ck_assert_int_eq(kn_edifact_parse(NULL, 0, s_arena, &ic, NULL), KN_EPARSE);
    ck_assert_ptr_null(ic);
}
END_TEST

/* ---- bounds ------------------------------------------------------------- */

START_TEST(test_bounds_elements_and_components)
{
    char text[4096];
    int o = snprintf(text, sizeof text, "%s%sFTX", UNB_A, UNH_1);
    for (unsigned i = 0; i < KN_EDIFACT_MAX_ELEMENTS; i++)
        o += snprintf(text + o, sizeof text - (size_t)o, "+A");
    snprintf(text + o, sizeof text - (size_t)o, "'UNT+3+1'UNZ+1+R1'");
    kn_edifact_interchange_t *ic = NULL;
    ck_assert_int_eq(s_parse(text, &ic), 0);
    ck_assert_uint_eq(kn_edifact_segment_element_count(s_seg(ic, 0, 2)), KN_EDIFACT_MAX_ELEMENTS);

    snprintf(text + o, sizeof text - (size_t)o, "+A'UNT+3+1'UNZ+1+R1'");
    s_refused(text, KN_ETOOBIG, "segment 2 (FTX)", "more than 99 data elements");

    o = snprintf(text, sizeof text, "%s%sFTX+A", UNB_A, UNH_1);
    for (unsigned i = 1; i < KN_EDIFACT_MAX_COMPONENTS; i++)
        o += snprintf(text + o, sizeof text - (size_t)o, ":B");
    snprintf(text + o, sizeof text - (size_t)o, "'UNT+3+1'UNZ+1+R1'");
    ck_assert_int_eq(s_parse(text, &ic), 0);
    ck_assert_uint_eq(kn_edifact_segment_component_count(s_seg(ic, 0, 2), 1),
                      KN_EDIFACT_MAX_COMPONENTS);
    snprintf(text + o, sizeof text - (size_t)o, ":B'UNT+3+1'UNZ+1+R1'");
    s_refused(text, KN_ETOOBIG, "segment 2 (FTX)", "element 1: more than 99 components");
}
END_TEST

START_TEST(test_bounds_value_length)
{
    size_t head = strlen(UNB_A UNH_1 "FTX+AAA+++");
    char *text = kn_arena_alloc(s_arena, head + 2 * KN_EDIFACT_MAX_VALUE + 64);
    ck_assert_ptr_nonnull(text);
    memcpy(text, UNB_A UNH_1 "FTX+AAA+++", head);
    memset(text + head, 'X', KN_EDIFACT_MAX_VALUE);
    strcpy(text + head + KN_EDIFACT_MAX_VALUE, "'UNT+3+1'UNZ+1+R1'");
    kn_edifact_interchange_t *ic = NULL;
    ck_assert_int_eq(s_parse(text, &ic), 0);
    ck_assert_uint_eq(strlen(kn_edifact_segment_value(s_seg(ic, 0, 2), 4, 1)),
                      KN_EDIFACT_MAX_VALUE);

    /* The bound counts the value, not the release characters before it. */
    for (size_t i = 0; i < KN_EDIFACT_MAX_VALUE; i++)
        memcpy(text + head + 2 * i, "?+", 2);
    strcpy(text + head + 2 * KN_EDIFACT_MAX_VALUE, "'UNT+3+1'UNZ+1+R1'");
    ck_assert_int_eq(s_parse(text, &ic), 0);
    const char *v = kn_edifact_segment_value(s_seg(ic, 0, 2), 4, 1);
    ck_assert_uint_eq(strlen(v), KN_EDIFACT_MAX_VALUE);
    ck_assert_uint_eq(strspn(v, "+"), KN_EDIFACT_MAX_VALUE);

    memset(text + head, 'X', KN_EDIFACT_MAX_VALUE + 1);
    strcpy(text + head + KN_EDIFACT_MAX_VALUE + 1, "'UNT+3+1'UNZ+1+R1'");
    s_refused(text, KN_ETOOBIG, "segment 2 (FTX)", "element 4: value longer than 2048 bytes");
}
END_TEST

START_TEST(test_bounds_input_and_segments)
{
    size_t big = KN_EDIFACT_MAX_INPUT + 1;
    unsigned char *data = kn_arena_alloc(s_arena, big);
    ck_assert_ptr_nonnull(data);
    memset(data, ' ', big);
    kn_edifact_interchange_t *ic = NULL;
    ck_assert_int_eq(s_parse_n(data, big, &ic), KN_ETOOBIG);
    ck_assert_ptr_null(ic);
    ck_assert_str_eq(s_err.message,
                     "edifact: interchange is 16777217 bytes, more than the limit of "
                     "16777216");

    size_t n = 2 * (KN_EDIFACT_MAX_SEGMENTS + 1);
    for (size_t i = 0; i < n; i += 2) {
        data[i] = 'X';
        data[i + 1] = '\'';
    }
    ck_assert_int_eq(s_parse_n(data, n, &ic), KN_ETOOBIG);
    ck_assert_str_eq(s_err.message, "edifact: interchange has more than 200000 segments");
}
END_TEST

START_TEST(test_bad_segment_tags)
{
    s_refused(UNB_A UNH_1 "Ftx+AAA'", KN_EPARSE, "segment 2",
              "segment tag \"Ftx\" is not three upper case letters or digits");
    s_refused(UNB_A UNH_1 "FTXX+AAA'", KN_EPARSE, "segment 2", "segment tag \"FTXX\"");
    s_refused(UNB_A UNH_1 "1TX+AAA'", KN_EPARSE, "segment 2", "segment tag \"1TX\"");
    s_refused(UNB_A UNH_1 "+AAA'", KN_EPARSE, "segment 2", "segment tag \"\"");
    s_refused(UNB_A UNH_1 "''", KN_EPARSE, "segment 2", "empty segment");
    s_refused(UNB_A UNH_1 "F\x01X+A'", KN_EPARSE, "segment 2", "segment tag \"F\\x01X\"");
}
END_TEST

START_TEST(test_accessors_out_of_range)
{
    kn_edifact_interchange_t *ic = NULL;
    ck_assert_int_eq(s_parse(UNB_A UNH_1 "DTM+203:202611220812:203'UNT+3+1'UNZ+1+R1'", &ic), 0);
    const kn_edifact_message_t *m = kn_edifact_interchange_message(ic, 0);
    ck_assert_ptr_null(kn_edifact_message_segment(m, 3));
    const kn_edifact_segment_t *dtm = kn_edifact_message_segment(m, 1);
    ck_assert_str_eq(kn_edifact_segment_value(dtm, 1, 1), "203");
    ck_assert_str_eq(kn_edifact_segment_value(dtm, 1, 3), "203");
    ck_assert_ptr_null(kn_edifact_segment_value(dtm, 0, 1));
    ck_assert_ptr_null(kn_edifact_segment_value(dtm, 1, 0));
    ck_assert_ptr_null(kn_edifact_segment_value(dtm, 1, 4));
    ck_assert_ptr_null(kn_edifact_segment_value(dtm, 2, 1));
    ck_assert_uint_eq(kn_edifact_segment_component_count(dtm, 0), 0);
    ck_assert_uint_eq(kn_edifact_segment_component_count(dtm, 2), 0);
    ck_assert_uint_eq(kn_edifact_segment_component_count(dtm, 1), 3);
    ck_assert_ptr_null(kn_edifact_interchange_message(ic, 1));
}
END_TEST

Suite *kn_test_edifact_suite(void)
{
    Suite *s = suite_create("edifact");
    struct {
        const char *name;
        const TTest *tests[8];
    } cases[] = {
        {"samples",
         {test_sample_coarri_discharge, test_sample_codeco_gate_out_two_messages,
          test_sample_codeco_gate_in, test_sample_bad_checkdigit_is_good_syntax,
          test_sample_truncated, test_sample_wrong_segment_count}},
        {"una",
         {test_una_absent_uses_defaults, test_una_custom_separators,
          test_una_without_release_character, test_una_refused}},
        {"release", {test_release_character, test_release_at_end_of_input}},
        {"whitespace",
         {test_whitespace_between_segments, test_whitespace_inside_segment_is_data,
          test_data_after_unz}},
        {"charset",
         {test_unoa_refuses_lower_case, test_unob_allows_lower_case, test_unoc_converts_latin1,
          test_unoy_validates_utf8, test_syntax_identifier_refused_by_name}},
        {"directory", {test_directory_d00b, test_directory_refused_by_name}},
        {"control",
         {test_unz_count_and_reference, test_unt_count_and_reference, test_nesting,
          test_truncation}},
        {"bounds",
         {test_bounds_elements_and_components, test_bounds_value_length,
          test_bounds_input_and_segments, test_bad_segment_tags, test_accessors_out_of_range}},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        TCase *tc = tcase_create(cases[i].name);
        tcase_add_checked_fixture(tc, s_setup, s_teardown);
        for (size_t j = 0; j < 8 && cases[i].tests[j]; j++)
            tcase_add_test(tc, cases[i].tests[j]);
        suite_add_tcase(s, tc);
    }
    return s;
}
