/* Tests for rules/dmn.c and rules/dmn_tck.c: loading, compile errors, hit
 * policies, evaluation results, TCK runs and table summaries. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dmn.h"
#include "dmn_tck.h"

#ifndef KN_TEST_DATA_DIR
#error "KN_TEST_DATA_DIR must name tests/rules/data"
#endif

Suite *kn_test_dmn_suite(void);

#define S_NS13 "https://www.omg.org/spec/DMN/20191111/MODEL/"

static const char *s_path(const char *name)
{
    static char buf[1024];
    snprintf(buf, sizeof buf, "%s/%s", KN_TEST_DATA_DIR, name);
    return buf;
}

static kn_dmn_t *s_load(const char *name)
{
    kn_error_t err = {0};
    char text[1024];
    kn_dmn_t *dmn = kn_dmn_load_file(s_path(name), &err);
    ck_assert_msg(dmn != NULL, "%s", kn_error_text(&err, text, sizeof text));
    return dmn;
}

/* A DMN 1.3 document holding one decision "t" whose table has the given
 * attributes and body. */
static const char *s_doc(const char *table_attrs, const char *body)
{
    static char buf[16384];
    snprintf(buf, sizeof buf,
             "<?xml version=\"1.0\"?>\n"
             "<definitions xmlns=\"" S_NS13 "\" id=\"defs\" name=\"defs\" namespace=\"urn:t\">\n"
             "<decision id=\"t\" name=\"T\"><decisionTable %s>%s</decisionTable></decision>\n"
             "</definitions>\n",
             table_attrs, body);
    return buf;
}

/* Load from memory, expecting failure with code; returns "position: message". */
static const char *s_refused(const char *xml, const char *name, int code)
{
    static char text[1024];
    kn_error_t err = {0};
    kn_dmn_t *dmn = kn_dmn_load_memory(xml, strlen(xml), name, &err);
    ck_assert_msg(dmn == NULL, "loaded but should not: %s", xml);
    ck_assert_int_eq(err.code, code);
    return kn_error_text(&err, text, sizeof text);
}

static kn_dmn_t *s_accepted(const char *xml)
{
    kn_error_t err = {0};
    char text[1024];
    kn_dmn_t *dmn = kn_dmn_load_memory(xml, strlen(xml), "t.dmn", &err);
    ck_assert_msg(dmn != NULL, "%s", kn_error_text(&err, text, sizeof text));
    return dmn;
}

/* String output col of row as a NUL-terminated C string ("" for non-strings). */
static const char *s_str(const kn_dmn_result_t *r, size_t row, size_t col)
{
    const kn_dmn_value_t *v = kn_dmn_result_value(r, row, col);
    ck_assert_ptr_nonnull(v);
    ck_assert_int_eq(v->type, KN_FEEL_STRING);
    return v->as.s;
}

static double s_num(const kn_dmn_result_t *r, size_t row, size_t col)
{
    const kn_dmn_value_t *v = kn_dmn_result_value(r, row, col);
    ck_assert_ptr_nonnull(v);
    ck_assert_int_eq(v->type, KN_FEEL_NUMBER);
    return v->as.n;
}

/* Capture what a function prints to a FILE. */
typedef struct {
    char *text;
    size_t len;
    FILE *f;
} s_capture_t;

static void s_capture_open(s_capture_t *c)
{
    c->text = NULL;
    c->len = 0;
    c->f = open_memstream(&c->text, &c->len);
    ck_assert_ptr_nonnull(c->f);
}

static const char *s_capture_close(s_capture_t *c)
{
    fclose(c->f);
    return c->text;
}

/* ------------------------------------------------------------ fixtures */

static kn_dmn_t *s_policies;

static void s_policies_setup(void)
{
    s_policies = s_load("hitpolicies.dmn");
}

static void s_policies_teardown(void)
{
    kn_dmn_destroy(&s_policies);
}

static const kn_dmn_table_t *s_table(const char *name)
{
    const kn_dmn_table_t *t = kn_dmn_find(s_policies, name);
    ck_assert_msg(t != NULL, "no table %s", name);
    return t;
}

/* Evaluate a one-number-input table of hitpolicies.dmn. */
static kn_dmn_status_t s_eval_x(const char *table, double x, kn_dmn_result_t *r)
{
    kn_dmn_value_t in[1] = {kn_feel_number(x)};
    return kn_dmn_eval(s_table(table), in, r);
}

static kn_dmn_t *s_diversion;

static void s_diversion_setup(void)
{
    s_diversion = s_load("diversion.dmn");
}

static void s_diversion_teardown(void)
{
    kn_dmn_destroy(&s_diversion);
}

/* ------------------------------------------------------------ loading */

START_TEST(test_every_namespace_loads)
{
    static const struct {
        const char *uri;
        const char *version;
    } ns[] = {
        {"http://www.omg.org/spec/DMN/20151101/dmn.xsd", "1.1"},
        {"http://www.omg.org/spec/DMN/20180521/MODEL/", "1.2"},
        {"https://www.omg.org/spec/DMN/20191111/MODEL/", "1.3"},
        {"https://www.omg.org/spec/DMN/20211108/MODEL/", "1.4"},
        {"https://www.omg.org/spec/DMN/20230324/MODEL/", "1.5"},
    };
    for (size_t i = 0; i < sizeof ns / sizeof ns[0]; i++) {
        char xml[2048];
        snprintf(
            xml, sizeof xml,
            "<?xml version=\"1.0\"?>"
            "<dmn:definitions xmlns:dmn=\"%s\" id=\"d\" name=\"d\" namespace=\"urn:t\">"
            "<dmn:decision id=\"route\" name=\"Route\"><dmn:decisionTable hitPolicy=\"FIRST\">"
            "<dmn:input><dmn:inputExpression "
            "typeRef=\"string\"><dmn:text>customs</dmn:text></dmn:inputExpression></dmn:input>"
            "<dmn:output name=\"route\" typeRef=\"string\"/>"
            "<dmn:rule id=\"r1\"><dmn:inputEntry><dmn:text>\"release\"</dmn:text></dmn:inputEntry>"
            "<dmn:outputEntry><dmn:text>\"DIRECT_PICKUP\"</dmn:text></dmn:outputEntry></dmn:rule>"
            "</dmn:decisionTable></dmn:decision></dmn:definitions>",
            ns[i].uri);
        kn_dmn_t *dmn = s_accepted(xml);
        ck_assert_str_eq(kn_dmn_version(dmn), ns[i].version);
        const kn_dmn_table_t *t = kn_dmn_find(dmn, "Route");
        ck_assert_ptr_nonnull(t);
        kn_dmn_value_t in[1] = {kn_feel_string("release")};
        kn_dmn_result_t r;
        ck_assert_int_eq(kn_dmn_eval(t, in, &r), KN_DMN_OK);
        ck_assert_str_eq(s_str(&r, 0, 0), "DIRECT_PICKUP");
        kn_dmn_destroy(&dmn);
        ck_assert_ptr_null(dmn);
    }
}
END_TEST

START_TEST(test_unknown_namespace_refused)
{
    const char *xml = "<definitions xmlns=\"http://www.omg.org/spec/DMN/20141115/dmn.xsd\"/>";
    ck_assert_str_eq(s_refused(xml, "old.dmn", KN_ESCHEMA),
                     "dmn: old.dmn: not a DMN file: unknown namespace "
                     "\"http://www.omg.org/spec/DMN/20141115/dmn.xsd\"");
    ck_assert_str_eq(s_refused("<definitions/>", "none.dmn", KN_ESCHEMA),
                     "dmn: none.dmn: not a DMN file: the root element has no namespace");
    ck_assert_str_eq(
        s_refused("<decision xmlns=\"" S_NS13 "\"/>", "root.dmn", KN_ESCHEMA),
        "dmn: root.dmn: not a DMN file: the root element is <decision>, not <definitions>");
}
END_TEST

START_TEST(test_doctype_refused)
{
    kn_error_t err = {0};
    kn_dmn_t *dmn = kn_dmn_load_file(s_path("doctype.dmn"), &err);
    ck_assert_ptr_null(dmn);
    ck_assert_int_eq(err.code, KN_EXML);
    ck_assert_str_eq(err.message, "document type declaration refused");
    /* without any entity too */
    const char *xml =
        "<?xml version=\"1.0\"?><!DOCTYPE definitions SYSTEM \"http://example.com/x.dtd\">"
        "<definitions xmlns=\"" S_NS13 "\"/>";
    ck_assert_str_eq(s_refused(xml, "sys.dmn", KN_EXML),
                     "dmn: sys.dmn: document type declaration refused");
}
END_TEST

START_TEST(test_malformed_xml_refused)
{
    const char *text =
        s_refused("<definitions xmlns=\"" S_NS13 "\"><decision>", "cut.dmn", KN_EXML);
    ck_assert_msg(strncmp(text, "dmn: cut.dmn: xml not well formed: line 1: ", 43) == 0, "%s",
                  text);
    text = s_refused("", NULL, KN_EXML);
    ck_assert_msg(strncmp(text, "dmn: <memory>: xml not well formed: ", 36) == 0, "%s", text);
}
END_TEST

START_TEST(test_missing_file)
{
    kn_error_t err = {0};
    kn_dmn_t *dmn = kn_dmn_load_file(s_path("no-such-file.dmn"), &err);
    ck_assert_ptr_null(dmn);
    ck_assert_int_eq(err.code, KN_EIO);
    ck_assert_str_eq(err.message, "cannot open: No such file or directory");
    kn_dmn_destroy(&dmn); /* NULL-safe */
    kn_dmn_destroy(NULL);
}
END_TEST

START_TEST(test_bad_cell_named_in_file)
{
    kn_error_t err = {0};
    char text[1024];
    kn_dmn_t *dmn = kn_dmn_load_file(s_path("bad_range.dmn"), &err);
    ck_assert_ptr_null(dmn);
    ck_assert_int_eq(err.code, KN_EPARSE);
    kn_error_text(&err, text, sizeof text);
    ck_assert_msg(strncmp(text, "dmn: ", 5) == 0, "%s", text);
    ck_assert_msg(strstr(text,
                         "bad_range.dmn: rule 4 (r4) input 2 (examType): cannot parse \"[1..\": "
                         "unterminated range") != NULL,
                  "%s", text);
}
END_TEST

START_TEST(test_bad_cell_named_exactly)
{
    /* the message the broker logs when a reload is refused */
    FILE *f = fopen(s_path("bad_range.dmn"), "rb");
    ck_assert_ptr_nonnull(f);
    char xml[8192];
    size_t n = fread(xml, 1, sizeof xml - 1, f);
    fclose(f);
    xml[n] = '\0';
    ck_assert_str_eq(
        s_refused(xml, "rules/diversion.dmn", KN_EPARSE),
        "dmn: rules/diversion.dmn: rule 4 (r4) input 2 (examType): cannot parse \"[1..\": "
        "unterminated range");
}
END_TEST

static const char *s_two_inputs =
    "<input><inputExpression typeRef=\"number\"><text>x</text></inputExpression></input>"
    "<input><inputExpression typeRef=\"string\"><text>customs</text></inputExpression>"
    "<inputValues><text>\"none\",\"release\",\"inspect\",\"hold\"</text></inputValues></input>"
    "<output name=\"route\" "
    "typeRef=\"string\"><outputValues><text>\"YARD\",\"SCAN_LANE\"</text></outputValues></output>";

static const char *s_two_input_doc(const char *rules)
{
    static char body[8192];
    snprintf(body, sizeof body, "%s%s", s_two_inputs, rules);
    return s_doc("hitPolicy=\"FIRST\"", body);
}

START_TEST(test_bad_output_cell_named)
{
    const char *xml = s_two_input_doc(
        "<rule "
        "id=\"a\"><inputEntry><text>-</text></inputEntry><inputEntry><text>-</text></inputEntry>"
        "<outputEntry><text>\"YARD</text></outputEntry></rule>");
    ck_assert_str_eq(
        s_refused(xml, "t.dmn", KN_EPARSE),
        "dmn: t.dmn: rule 1 (a) output 1 (route): cannot parse \"\"YARD\": unterminated string");
}
END_TEST

START_TEST(test_cell_type_mismatch)
{
    const char *xml = s_two_input_doc(
        "<rule><inputEntry><text>\"abc\"</text></inputEntry><inputEntry><text>-</text></inputEntry>"
        "<outputEntry><text>\"YARD\"</text></outputEntry></rule>");
    ck_assert_str_eq(
        s_refused(xml, "t.dmn", KN_EPARSE),
        "dmn: t.dmn: rule 1 input 1 (x): \"abc\" is a string but the input is declared number");
}
END_TEST

START_TEST(test_inferred_type_mismatch)
{
    const char *xml = s_doc(
        "",
        "<input><inputExpression><text>code</text></inputExpression></input><output name=\"o\"/>"
        "<rule "
        "id=\"r1\"><inputEntry><text>\"a\"</text></inputEntry><outputEntry><text>1</text></"
        "outputEntry></rule>"
        "<rule "
        "id=\"r2\"><inputEntry><text>[1..2]</text></inputEntry><outputEntry><text>2</text></"
        "outputEntry></rule>");
    ck_assert_str_eq(s_refused(xml, "t.dmn", KN_EPARSE),
                     "dmn: t.dmn: rule 2 (r2) input 1 (code): 1 is a number but the input has "
                     "cells of type string");
}
END_TEST

START_TEST(test_input_values_typo)
{
    const char *xml = s_two_input_doc("<rule "
                                      "id=\"r1\"><inputEntry><text>-</text></"
                                      "inputEntry><inputEntry><text>\"relase\"</text></inputEntry>"
                                      "<outputEntry><text>\"YARD\"</text></outputEntry></rule>");
    ck_assert_str_eq(
        s_refused(xml, "t.dmn", KN_EPARSE),
        "dmn: t.dmn: rule 1 (r1) input 2 (customs): \"relase\" is not among the input values");
}
END_TEST

START_TEST(test_output_values_violation)
{
    const char *xml = s_two_input_doc(
        "<rule "
        "id=\"r1\"><inputEntry><text>-</text></inputEntry><inputEntry><text>-</text></inputEntry>"
        "<outputEntry><text>\"QUARANTAINE\"</text></outputEntry></rule>");
    ck_assert_str_eq(
        s_refused(xml, "t.dmn", KN_EPARSE),
        "dmn: t.dmn: rule 1 (r1) output 1 (route): \"QUARANTAINE\" is not among the output values");
}
END_TEST

START_TEST(test_entry_count_mismatch)
{
    const char *xml =
        s_two_input_doc("<rule "
                        "id=\"r1\"><inputEntry><text>-</text></"
                        "inputEntry><outputEntry><text>\"YARD\"</text></outputEntry></rule>");
    ck_assert_str_eq(s_refused(xml, "t.dmn", KN_ESCHEMA),
                     "dmn: t.dmn: rule 1 (r1): 1 input entries, the table has 2 inputs");
}
END_TEST

START_TEST(test_several_decisions_named)
{
    const char *xml = "<definitions xmlns=\"" S_NS13 "\">"
                      "<decision "
                      "id=\"first\"><decisionTable><input><inputExpression><text>a</text></"
                      "inputExpression></input>"
                      "<output "
                      "name=\"o\"/><rule><inputEntry><text>1</text></"
                      "inputEntry><outputEntry><text>1</text></outputEntry></rule>"
                      "</decisionTable></decision>"
                      "<decision "
                      "id=\"second\"><decisionTable><input><inputExpression><text>a</text></"
                      "inputExpression></input>"
                      "<output name=\"o\"/><rule "
                      "id=\"x\"><inputEntry><text>&gt;</text></inputEntry><outputEntry><text>1</"
                      "text></outputEntry></rule>"
                      "</decisionTable></decision></definitions>";
    ck_assert_str_eq(s_refused(xml, "two.dmn", KN_EPARSE),
                     "dmn: two.dmn: decision second: rule 1 (x) input 1 (a): cannot parse \">\": "
                     "expected a value after the comparison");
}
END_TEST

START_TEST(test_structural_errors)
{
    ck_assert_str_eq(
        s_refused("<definitions xmlns=\"" S_NS13
                  "\"><decision id=\"lit\"><literalExpression><text>1</text>"
                  "</literalExpression></decision></definitions>",
                  "lit.dmn", KN_ESCHEMA),
        "dmn: lit.dmn: decision lit: not a decision table: only decision tables are supported");
    ck_assert_str_eq(s_refused("<definitions xmlns=\"" S_NS13 "\"/>", "empty.dmn", KN_ESCHEMA),
                     "dmn: empty.dmn: no decision in the file");
    ck_assert_str_eq(s_refused(s_doc("", "<input><inputExpression><text>a + "
                                         "b</text></inputExpression></input><output name=\"o\"/>"),
                               "t.dmn", KN_EPARSE),
                     "dmn: t.dmn: input 1: input expression \"a + b\" is not supported: only a "
                     "name or a dotted path");
    ck_assert_str_eq(
        s_refused(
            s_doc("",
                  "<input><inputExpression "
                  "typeRef=\"tNope\"><text>a</text></inputExpression></input><output name=\"o\"/>"),
            "t.dmn", KN_ESCHEMA),
        "dmn: t.dmn: input 1 (a): unknown typeRef \"tNope\"");
    ck_assert_str_eq(
        s_refused(s_doc("hitPolicy=\"SOMETIMES\"", "<output name=\"o\"/>"), "t.dmn", KN_ESCHEMA),
        "dmn: t.dmn: unknown hit policy \"SOMETIMES\"");
    ck_assert_str_eq(
        s_refused(s_doc("hitPolicy=\"PRIORITY\"", "<output name=\"o\"/>"), "t.dmn", KN_ESCHEMA),
        "dmn: t.dmn: hit policy PRIORITY needs outputValues to order the outputs");
    ck_assert_str_eq(s_refused(s_doc("hitPolicy=\"COLLECT\" aggregation=\"SUM\"",
                                     "<output name=\"a\"/><output name=\"b\"/>"),
                               "t.dmn", KN_ESCHEMA),
                     "dmn: t.dmn: aggregation needs a single output, the table has 2");
    ck_assert_str_eq(
        s_refused(s_doc("hitPolicy=\"FIRST\" aggregation=\"SUM\"", "<output name=\"a\"/>"), "t.dmn",
                  KN_ESCHEMA),
        "dmn: t.dmn: aggregation SUM needs hit policy COLLECT");
    ck_assert_str_eq(
        s_refused(
            s_doc("hitPolicy=\"COLLECT\" aggregation=\"SUM\"",
                  "<output name=\"a\"/><rule><outputEntry><text>\"x\"</text></outputEntry></rule>"),
            "t.dmn", KN_EPARSE),
        "dmn: t.dmn: rule 1 output 1 (a): COLLECT SUM needs numbers, this is a string");
    ck_assert_str_eq(s_refused(s_doc("", "<input/>"), "t.dmn", KN_ESCHEMA),
                     "dmn: t.dmn: decision table has no output");
    ck_assert_str_eq(s_refused(s_doc("", "<input/><output name=\"o\"/>"), "t.dmn", KN_ESCHEMA),
                     "dmn: t.dmn: input 1: no inputExpression");
    ck_assert_str_eq(
        s_refused(s_doc("", "<output name=\"a\"/><output/>"), "t.dmn", KN_ESCHEMA),
        "dmn: t.dmn: output 2: output has no name (a table with several outputs must name each)");
    ck_assert_str_eq(
        s_refused(
            s_doc("hitPolicy=\"COLLECT\"",
                  "<output "
                  "name=\"a\"><defaultOutputEntry><text>1</text></defaultOutputEntry></output>"),
            "t.dmn", KN_ESCHEMA),
        "dmn: t.dmn: defaultOutputEntry needs a single-hit policy (U A P F)");
}
END_TEST

START_TEST(test_item_definitions)
{
    const char *xml =
        "<definitions xmlns=\"" S_NS13 "\">"
        "<itemDefinition name=\"tCustoms\"><typeRef>string</typeRef>"
        "<allowedValues><text>\"none\",\"release\",\"inspect\",\"hold\"</text></allowedValues></"
        "itemDefinition>"
        "<itemDefinition name=\"tInstruction\"><typeRef>tCustoms</typeRef></itemDefinition>"
        "<inputData name=\"weight\"><variable name=\"weight\" typeRef=\"number\"/></inputData>"
        "<decision id=\"d\" name=\"D\"><decisionTable>"
        "<input><inputExpression "
        "typeRef=\"tInstruction\"><text>customs</text></inputExpression></input>"
        "<input><inputExpression><text>weight</text></inputExpression></input>"
        "<output name=\"o\" typeRef=\"string\"/>"
        "<rule><inputEntry><text>\"hold\"</text></inputEntry><inputEntry><text>-</text></"
        "inputEntry>"
        "<outputEntry><text>\"YARD\"</text></outputEntry></rule>"
        "</decisionTable></decision></definitions>";
    kn_dmn_t *dmn = s_accepted(xml);
    const kn_dmn_table_t *t = kn_dmn_find(dmn, "d");
    ck_assert_int_eq(kn_dmn_input_type(t, 0), KN_FEEL_STRING);
    ck_assert_int_eq(kn_dmn_input_type(t, 1), KN_FEEL_NUMBER); /* from inputData */
    kn_dmn_value_t in[2] = {kn_feel_string("relase"), kn_feel_number(1)};
    kn_dmn_result_t r;
    ck_assert_int_eq(kn_dmn_eval(t, in, &r), KN_DMN_EINPUTVALUE); /* allowedValues */
    ck_assert_str_eq(r.reason, "input 1 (customs) value \"relase\" is not among its input values");
    kn_dmn_destroy(&dmn);

    /* and a typo in a cell is caught at load */
    char bad[4096];
    snprintf(bad, sizeof bad, "%s", xml);
    char *p = strstr(bad, "\"hold\"</text></inputEntry>");
    memcpy(p, "\"held\"", 6);
    ck_assert_str_eq(
        s_refused(bad, "t.dmn", KN_EPARSE),
        "dmn: t.dmn: rule 1 input 1 (customs): \"held\" is not among the input values");
}
END_TEST

/* ------------------------------------------------------------ hit policies */

START_TEST(test_unique)
{
    kn_dmn_result_t r;
    ck_assert_int_eq(s_eval_x("unique", 3, &r), KN_DMN_OK);
    ck_assert_uint_eq(r.n_rows, 1);
    ck_assert_uint_eq(r.rows[0], 0);
    ck_assert_str_eq(kn_dmn_rule_id(r.table, r.rows[0]), "unique_r1");
    ck_assert_str_eq(s_str(&r, 0, 0), "low");
    ck_assert_int_eq(s_eval_x("unique", 15, &r), KN_DMN_OK);
    ck_assert_str_eq(s_str(&r, 0, 0), "mid");
    /* 20 is in [10..20] and in >=20 */
    ck_assert_int_eq(s_eval_x("unique", 20, &r), KN_DMN_EUNIQUE);
    ck_assert_int_eq(r.status, KN_DMN_EUNIQUE);
    ck_assert_str_eq(r.reason,
                     "hit policy UNIQUE: rules 2 (unique_r2) and 3 (unique_r3) both match");
    ck_assert_uint_eq(r.n_rows, 0);
    ck_assert_ptr_null(kn_dmn_result_value(&r, 0, 0));
}
END_TEST

START_TEST(test_any)
{
    kn_dmn_result_t r;
    ck_assert_int_eq(s_eval_x("any", 3, &r), KN_DMN_OK);
    ck_assert_uint_eq(r.n_matched, 2);
    ck_assert_str_eq(s_str(&r, 0, 0), "small");
    ck_assert_int_eq(s_eval_x("any", 11, &r), KN_DMN_OK);
    ck_assert_str_eq(s_str(&r, 0, 0), "big");
    ck_assert_int_eq(s_eval_x("any", 9, &r), KN_DMN_EANY);
    ck_assert_str_eq(
        r.reason, "hit policy ANY: rules 1 (any_r1) and 4 (any_r4) match with different outputs");
}
END_TEST

START_TEST(test_priority)
{
    const kn_dmn_table_t *t = s_table("priority");
    kn_dmn_value_t in[1] = {kn_feel_string("inspect")};
    kn_dmn_result_t r;
    ck_assert_int_eq(kn_dmn_eval(t, in, &r), KN_DMN_OK);
    ck_assert_uint_eq(r.n_matched, 3);
    ck_assert_uint_eq(r.rows[0], 2);
    ck_assert_str_eq(s_str(&r, 0, 0), "INSPECTION_AREA");
    in[0] = kn_feel_string("release");
    ck_assert_int_eq(kn_dmn_eval(t, in, &r), KN_DMN_OK);
    ck_assert_str_eq(s_str(&r, 0, 0), "YARD");
}
END_TEST

START_TEST(test_first)
{
    kn_dmn_result_t r;
    ck_assert_int_eq(s_eval_x("first", 6, &r), KN_DMN_OK);
    ck_assert_uint_eq(r.n_matched, 1); /* stops at the first match */
    ck_assert_str_eq(s_str(&r, 0, 0), "a");
    ck_assert_int_eq(s_eval_x("first", 1, &r), KN_DMN_OK);
    ck_assert_str_eq(s_str(&r, 0, 0), "b");
    ck_assert_int_eq(s_eval_x("first", -1, &r), KN_DMN_OK);
    ck_assert_uint_eq(r.n_rows, 0);
    ck_assert_uint_eq(r.n_matched, 0);
}
END_TEST

START_TEST(test_rule_order)
{
    kn_dmn_result_t r;
    ck_assert_int_eq(s_eval_x("ruleOrder", 11, &r), KN_DMN_OK);
    ck_assert_uint_eq(r.n_rows, 3);
    ck_assert_str_eq(s_str(&r, 0, 0), "p");
    ck_assert_str_eq(s_str(&r, 1, 0), "q");
    ck_assert_str_eq(s_str(&r, 2, 0), "r");
}
END_TEST

START_TEST(test_output_order)
{
    kn_dmn_result_t r;
    ck_assert_int_eq(s_eval_x("outputOrder", 11, &r), KN_DMN_OK);
    ck_assert_uint_eq(r.n_rows, 3);
    ck_assert_str_eq(s_str(&r, 0, 0), "high");
    ck_assert_str_eq(s_str(&r, 1, 0), "medium");
    ck_assert_str_eq(s_str(&r, 2, 0), "low");
    /* matched stays in rule order */
    ck_assert_uint_eq(r.matched[0], 0);
    ck_assert_uint_eq(r.matched[2], 2);
    ck_assert_int_eq(s_eval_x("outputOrder", 6, &r), KN_DMN_OK);
    ck_assert_uint_eq(r.n_rows, 2);
    ck_assert_str_eq(s_str(&r, 0, 0), "medium");
}
END_TEST

START_TEST(test_collect)
{
    kn_dmn_result_t r;
    ck_assert_int_eq(s_eval_x("collect", 7, &r), KN_DMN_OK);
    ck_assert_uint_eq(r.n_rows, 2);
    ck_assert_str_eq(s_str(&r, 0, 0), "p");
    ck_assert_str_eq(s_str(&r, 1, 0), "q");
    ck_assert_int_eq(s_eval_x("collect", 0, &r), KN_DMN_OK);
    ck_assert_uint_eq(r.n_rows, 0);

    const kn_dmn_table_t *t = s_table("sizes");
    kn_dmn_value_t in[1] = {kn_feel_string("45")};
    ck_assert_int_eq(kn_dmn_eval(t, in, &r), KN_DMN_OK);
    ck_assert_uint_eq(r.n_rows, 2);
    ck_assert_str_eq(s_str(&r, 0, 0), "42G1");
    ck_assert_str_eq(s_str(&r, 1, 0), "L5G1");
}
END_TEST

START_TEST(test_collect_aggregations)
{
    kn_dmn_result_t r;
    ck_assert_int_eq(s_eval_x("collectSum", 11, &r), KN_DMN_OK);
    ck_assert_uint_eq(r.n_rows, 1);
    ck_assert_uint_eq(r.rows[0], KN_DMN_NO_RULE);
    ck_assert(s_num(&r, 0, 0) == 300.25);
    ck_assert_uint_eq(r.n_matched, 3);
    ck_assert_int_eq(s_eval_x("collectSum", 101, &r), KN_DMN_OK); /* the null output is skipped */
    ck_assert(s_num(&r, 0, 0) == 300.25);
    ck_assert_int_eq(s_eval_x("collectSum", -1, &r), KN_DMN_OK);
    ck_assert_int_eq(kn_dmn_result_value(&r, 0, 0)->type, KN_FEEL_NULL);

    ck_assert_int_eq(s_eval_x("collectMin", 11, &r), KN_DMN_OK);
    ck_assert(s_num(&r, 0, 0) == 0.25);
    ck_assert_int_eq(s_eval_x("collectMin", 7, &r), KN_DMN_OK);
    ck_assert(s_num(&r, 0, 0) == 100);
    ck_assert_int_eq(s_eval_x("collectMax", 11, &r), KN_DMN_OK);
    ck_assert(s_num(&r, 0, 0) == 200);
    ck_assert_int_eq(s_eval_x("collectMax", -3, &r), KN_DMN_OK);
    ck_assert_int_eq(kn_dmn_result_value(&r, 0, 0)->type, KN_FEEL_NULL);

    ck_assert_int_eq(s_eval_x("collectCount", 11, &r), KN_DMN_OK);
    ck_assert(s_num(&r, 0, 0) == 3);
    ck_assert_int_eq(s_eval_x("collectCount", -1, &r), KN_DMN_OK);
    ck_assert(s_num(&r, 0, 0) == 0);
}
END_TEST

START_TEST(test_multi_output)
{
    const kn_dmn_table_t *t = s_table("multiOutput");
    kn_dmn_value_t in[2];
    kn_dmn_result_t r;
    ck_assert_uint_eq(kn_dmn_output_count(t), 2);
    ck_assert_str_eq(kn_dmn_output_name(t, 1), "plugs");
    ck_assert_int_eq(kn_dmn_output_index(t, "stack"), 0);
    ck_assert_int_eq(kn_dmn_output_index(t, "nope"), -1);
    ck_assert_int_eq(kn_dmn_input_index(t, "box.weight"), 1);

    kn_dmn_inputs_clear(t, in);
    ck_assert_int_eq(kn_dmn_input_set(t, in, "box.reefer", kn_feel_bool(false)), 0);
    ck_assert_int_eq(kn_dmn_input_set(t, in, "box.weight", kn_feel_number(32.5)), 0);
    ck_assert_int_eq(kn_dmn_input_set(t, in, "box.colour", kn_feel_string("red")), KN_ENOTFOUND);
    ck_assert_int_eq(kn_dmn_eval(t, in, &r), KN_DMN_OK);
    ck_assert_str_eq(s_str(&r, 0, 0), "HEAVY");
    ck_assert(s_num(&r, 0, 1) == 0);
    in[0] = kn_feel_bool(true);
    ck_assert_int_eq(kn_dmn_eval(t, in, &r), KN_DMN_OK);
    ck_assert_str_eq(s_str(&r, 0, 0), "REEFER");
    ck_assert(s_num(&r, 0, 1) == 1);
    ck_assert_ptr_null(kn_dmn_result_value(&r, 0, 2));
}
END_TEST

START_TEST(test_dates_table)
{
    const kn_dmn_table_t *t = s_table("dates");
    kn_dmn_value_t in[2];
    kn_dmn_result_t r;
    ck_assert_int_eq(kn_dmn_input_type(t, 0), KN_FEEL_DATE);
    ck_assert_int_eq(kn_dmn_input_type(t, 1), KN_FEEL_DATETIME);
    ck_assert_int_eq(kn_feel_date_parse("2026-11-21", 10, &in[0]), 0);
    ck_assert_int_eq(kn_feel_datetime_parse("2026-11-22T08:30:00+08:00", 25, &in[1]), 0);
    ck_assert_int_eq(kn_dmn_eval(t, in, &r), KN_DMN_OK);
    ck_assert_str_eq(s_str(&r, 0, 0), "late slot");
    in[1] = kn_feel_datetime(kn_feel_days_from_civil(2026, 11, 21) * 86400000);
    ck_assert_int_eq(kn_dmn_eval(t, in, &r), KN_DMN_OK);
    ck_assert_str_eq(s_str(&r, 0, 0), "current");
    in[0] = kn_feel_date(kn_feel_days_from_civil(2027, 1, 1));
    ck_assert_int_eq(kn_dmn_eval(t, in, &r), KN_DMN_OK);
    ck_assert_str_eq(s_str(&r, 0, 0), "future");
    /* a date where a date and time is expected */
    in[1] = in[0];
    ck_assert_int_eq(kn_dmn_eval(t, in, &r), KN_DMN_ETYPE);
    ck_assert_str_eq(r.reason, "input 2 (slot) is a date, expected a date and time");
}
END_TEST

START_TEST(test_default_output)
{
    const kn_dmn_table_t *t = s_table("defaults");
    kn_dmn_value_t in[1] = {kn_feel_string("hold")};
    kn_dmn_result_t r;
    ck_assert_int_eq(kn_dmn_eval(t, in, &r), KN_DMN_OK);
    ck_assert_uint_eq(r.n_rows, 1);
    ck_assert_uint_eq(r.rows[0], KN_DMN_NO_RULE);
    ck_assert_uint_eq(r.n_matched, 0);
    ck_assert_str_eq(s_str(&r, 0, 0), "YARD");
    in[0] = kn_feel_string("release");
    ck_assert_int_eq(kn_dmn_eval(t, in, &r), KN_DMN_OK);
    ck_assert_str_eq(s_str(&r, 0, 0), "DIRECT_PICKUP");
}
END_TEST

/* ------------------------------------------------------------ evaluation errors */

START_TEST(test_eval_no_input)
{
    const kn_dmn_table_t *t = s_table("first");
    kn_dmn_value_t in[1];
    kn_dmn_result_t r;
    kn_dmn_inputs_clear(t, in);
    ck_assert_int_eq(kn_dmn_eval(t, in, &r), KN_DMN_ENOINPUT);
    ck_assert_str_eq(r.reason, "input 1 (x) has no value");
    ck_assert_uint_eq(r.n_rows, 0);
    ck_assert_str_eq(kn_dmn_status_name(r.status), "NOINPUT");
    /* an explicit null is a value: no rule matches, no error */
    in[0] = kn_feel_null();
    ck_assert_int_eq(kn_dmn_eval(t, in, &r), KN_DMN_OK);
    ck_assert_uint_eq(r.n_rows, 0);
}
END_TEST

START_TEST(test_eval_type_mismatch)
{
    const kn_dmn_table_t *t = s_table("first");
    kn_dmn_value_t in[1] = {kn_feel_string("6")};
    kn_dmn_result_t r;
    ck_assert_int_eq(kn_dmn_eval(t, in, &r), KN_DMN_ETYPE);
    ck_assert_str_eq(r.reason, "input 1 (x) is a string, expected a number");
    in[0] = kn_feel_number(NAN);
    ck_assert_int_eq(kn_dmn_eval(t, in, &r), KN_DMN_ETYPE);
    ck_assert_str_eq(r.reason, "input 1 (x) is not a finite number");
    in[0].type = (kn_feel_type_t)42;
    ck_assert_int_eq(kn_dmn_eval(t, in, &r), KN_DMN_ETYPE);
}
END_TEST

START_TEST(test_eval_input_values)
{
    const kn_dmn_table_t *t = s_table("priority");
    kn_dmn_value_t in[1] = {kn_feel_string("relase")};
    kn_dmn_result_t r;
    ck_assert_int_eq(kn_dmn_eval(t, in, &r), KN_DMN_EINPUTVALUE);
    ck_assert_str_eq(r.reason, "input 1 (customs) value \"relase\" is not among its input values");
    in[0] = kn_feel_null(); /* null passes the constraint */
    ck_assert_int_eq(kn_dmn_eval(t, in, &r), KN_DMN_OK);
    ck_assert_str_eq(s_str(&r, 0, 0), "YARD");
}
END_TEST

START_TEST(test_eval_too_many)
{
    char body[65536];
    size_t n = (size_t)snprintf(
        body, sizeof body,
        "<input><inputExpression typeRef=\"number\"><text>x</text></inputExpression></input>"
        "<output name=\"o\" typeRef=\"number\"/>");
    for (int i = 0; i < KN_DMN_MAX_MATCHES + 1; i++)
        n += (size_t)snprintf(body + n, sizeof body - n,
                              "<rule><inputEntry><text>-</text></inputEntry><outputEntry><text>%d</"
                              "text></outputEntry></rule>",
                              i);
    static char xml[70000];
    snprintf(xml, sizeof xml,
             "<definitions xmlns=\"" S_NS13 "\"><decision id=\"t\">"
             "<decisionTable hitPolicy=\"RULE ORDER\">%s</decisionTable></decision></definitions>",
             body);
    kn_dmn_t *dmn = s_accepted(xml);
    kn_dmn_value_t in[1] = {kn_feel_number(1)};
    kn_dmn_result_t r;
    ck_assert_int_eq(kn_dmn_eval(kn_dmn_find(dmn, "t"), in, &r), KN_DMN_ETOOMANY);
    ck_assert_str_eq(r.reason, "more than 256 rules matched");
    kn_dmn_destroy(&dmn);
}
END_TEST

/* ------------------------------------------------------------ the diversion table */

typedef struct {
    const char *direction;
    int declared; /* -1 null */
    const char *customs;
    const char *exam;
    const char *tax;
    bool dg;
    bool reefer;
    const char *route;
    const char *rule;
} s_box_t;

START_TEST(test_diversion_routes)
{
    static const s_box_t boxes[] = {
        {"export", 1, "none", "none", "paid", false, false, "LOADING_STACK", "r1"},
        {"import", 1, "release", "none", "paid", false, false, "DIRECT_PICKUP", "r13"},
        {"import", 1, "release", "none", "deferred", false, true, "DIRECT_PICKUP", "r12"},
        {"import", 1, "release", "none", "unpaid", false, false, "YARD", "r8"},
        {"import", 0, "release", "none", "paid", false, false, "YARD", "r9"},
        {"import", -1, "release", "none", "paid", false, false, "YARD", "r14"},
        {"import", 1, "inspect", "scan", "paid", false, false, "SCAN_LANE", "r6"},
        {"import", 1, "inspect", "scan", "paid", true, false, "INSPECTION_AREA", "r5"},
        {"import", 1, "inspect", "quarantine", "paid", false, true, "QUARANTINE", "r3"},
        {"import", 1, "hold", "none", "paid", false, false, "YARD", "r2"},
        {"import", 1, "release", "none", "paid", true, false, "YARD", "r11"},
    };
    const kn_dmn_table_t *t = kn_dmn_find(s_diversion, "importDiversion");
    ck_assert_ptr_eq(t, kn_dmn_find(s_diversion, "Import diversion"));
    ck_assert_ptr_null(kn_dmn_find(s_diversion, "exportDiversion"));
    ck_assert_uint_eq(kn_dmn_input_count(t), 7);
    /* resolve names once, as the broker does */
    int i_dir = kn_dmn_input_index(t, "direction"),
        i_decl = kn_dmn_input_index(t, "declaredBeforeArrival"),
        i_cust = kn_dmn_input_index(t, "customsInstruction"),
        i_exam = kn_dmn_input_index(t, "examType"), i_tax = kn_dmn_input_index(t, "taxStatus"),
        i_dg = kn_dmn_input_index(t, "dangerousGoods"), i_reefer = kn_dmn_input_index(t, "reefer");
    int route = kn_dmn_output_index(t, "route"), reason = kn_dmn_output_index(t, "reason");
    ck_assert(i_dir >= 0 && i_decl >= 0 && i_cust >= 0 && i_exam >= 0 && i_tax >= 0 && i_dg >= 0 &&
              i_reefer >= 0);
    ck_assert(route == 0 && reason == 1);
    for (size_t k = 0; k < sizeof boxes / sizeof boxes[0]; k++) {
        const s_box_t *b = &boxes[k];
        kn_dmn_value_t in[7];
        kn_dmn_result_t r;
        in[i_dir] = kn_feel_string(b->direction);
        in[i_decl] = b->declared < 0 ? kn_feel_null() : kn_feel_bool(b->declared);
        in[i_cust] = kn_feel_string(b->customs);
        in[i_exam] = kn_feel_string(b->exam);
        in[i_tax] = kn_feel_string(b->tax);
        in[i_dg] = kn_feel_bool(b->dg);
        in[i_reefer] = kn_feel_bool(b->reefer);
        ck_assert_int_eq(kn_dmn_eval(t, in, &r), KN_DMN_OK);
        ck_assert_uint_eq(r.n_rows, 1);
        ck_assert_msg(strcmp(s_str(&r, 0, (size_t)route), b->route) == 0, "box %zu: %s", k,
                      s_str(&r, 0, 0));
        ck_assert_str_eq(kn_dmn_rule_id(t, r.rows[0]), b->rule);
        ck_assert_int_gt(strlen(s_str(&r, 0, (size_t)reason)), 0);
    }
}
END_TEST

START_TEST(test_accessors)
{
    const kn_dmn_table_t *t = kn_dmn_table_at(s_diversion, 0);
    ck_assert_uint_eq(kn_dmn_table_count(s_diversion), 1);
    ck_assert_str_eq(kn_dmn_table_id(t), "importDiversion");
    ck_assert_str_eq(kn_dmn_table_name(t), "Import diversion");
    ck_assert_int_eq(kn_dmn_table_hit_policy(t), KN_DMN_FIRST);
    ck_assert_int_eq(kn_dmn_table_aggregation(t), KN_DMN_AGG_NONE);
    ck_assert_uint_eq(kn_dmn_rule_count(t), 14);
    ck_assert_str_eq(kn_dmn_rule_id(t, 13), "r14");
    ck_assert_str_eq(kn_dmn_input_name(t, 3), "examType");
    ck_assert_int_eq(kn_dmn_input_type(t, 1), KN_FEEL_BOOL);
    ck_assert_int_eq(kn_dmn_output_type(t, 0), KN_FEEL_STRING);
    ck_assert_int_eq(kn_dmn_input_index(t, "nope"), -1);
    ck_assert_str_eq(kn_dmn_hit_policy_name(KN_DMN_COLLECT, KN_DMN_AGG_SUM), "COLLECT SUM");
    ck_assert_str_eq(kn_dmn_hit_policy_letter(KN_DMN_COLLECT, KN_DMN_AGG_MAX), "C>");
    ck_assert_str_eq(kn_dmn_hit_policy_letter(KN_DMN_OUTPUT_ORDER, KN_DMN_AGG_NONE), "O");
    ck_assert_str_eq(kn_dmn_hit_policy_name(KN_DMN_RULE_ORDER, KN_DMN_AGG_NONE), "RULE ORDER");
    ck_assert_ptr_nonnull(strstr(kn_dmn_name(s_diversion), "diversion.dmn"));
}
END_TEST

/* ------------------------------------------------------------ TCK and check */

START_TEST(test_tck_diversion_passes)
{
    kn_dmn_tck_stats_t st;
    kn_error_t err = {0};
    s_capture_t cap;
    s_capture_open(&cap);
    int rc = kn_dmn_tck_run_file(s_diversion, s_path("diversion-test.xml"), cap.f, &st, &err);
    const char *out = s_capture_close(&cap);
    ck_assert_msg(rc == 0, "%s", out);
    ck_assert_uint_eq(st.passed, 15);
    ck_assert_uint_eq(st.failed, 0);
    ck_assert_ptr_nonnull(strstr(out, "PASS 001\n"));
    ck_assert_ptr_nonnull(strstr(out, "PASS 015\n"));
    ck_assert_str_eq(strstr(out, "15 passed"), "15 passed, 0 failed\n");
    free(cap.text);
}
END_TEST

START_TEST(test_tck_failures_reported)
{
    kn_dmn_tck_stats_t st;
    kn_error_t err = {0};
    s_capture_t cap;
    s_capture_open(&cap);
    int rc = kn_dmn_tck_run_file(s_diversion, s_path("diversion-fail.xml"), cap.f, &st, &err);
    const char *out = s_capture_close(&cap);
    ck_assert_int_eq(rc, 2);
    ck_assert_uint_eq(st.passed, 1);
    ck_assert_uint_eq(st.failed, 2);
    ck_assert_str_eq(out,
                     "PASS pass-013\n"
                     "FAIL fail-route expected {route: \"YARD\"} got {route: \"SCAN_LANE\", "
                     "reason: \"scan ordered\"}\n"
                     "FAIL fail-reason expected {route: \"YARD\", reason: \"held by customs\"} "
                     "got {route: \"YARD\", reason: \"customs hold: keep in the yard\"}\n"
                     "1 passed, 2 failed\n");
    free(cap.text);
}
END_TEST

START_TEST(test_tck_hit_policies)
{
    kn_dmn_tck_stats_t st;
    kn_error_t err = {0};
    s_capture_t cap;
    s_capture_open(&cap);
    int rc = kn_dmn_tck_run_file(s_policies, s_path("hitpolicies-test.xml"), cap.f, &st, &err);
    const char *out = s_capture_close(&cap);
    ck_assert_msg(rc == 0, "%s", out);
    ck_assert_uint_eq(st.passed, 27);
    ck_assert_uint_eq(st.failed, 0);
    free(cap.text);
}
END_TEST

START_TEST(test_tck_odd_cases)
{
    const char *xml =
        "<testCases xmlns=\"http://www.omg.org/spec/DMN/20160719/testcase\" "
        "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\">"
        "<testCase id=\"nodec\"><resultNode "
        "name=\"nope\"><expected><value>1</value></expected></resultNode></testCase>"
        "<testCase id=\"noresult\"><inputNode name=\"x\"><value>1</value></inputNode></testCase>"
        "<testCase><inputNode name=\"x\"><value>6</value></inputNode>"
        "<resultNode name=\"first\"><expected><value>a</value></expected></resultNode>"
        "<resultNode "
        "name=\"unique\"><expected><value>mid</value></expected></resultNode></testCase>"
        "<testCase id=\"badinput\"><inputNode name=\"x\"><value>six</value></inputNode>"
        "<resultNode name=\"first\"><expected><value>a</value></expected></resultNode></testCase>"
        "<testCase id=\"err\"><inputNode name=\"x\"><value>15</value></inputNode>"
        "<resultNode name=\"unique\" errorResult=\"true\"/></testCase>"
        "</testCases>";
    kn_dmn_tck_stats_t st;
    kn_error_t err = {0};
    s_capture_t cap;
    s_capture_open(&cap);
    int rc = kn_dmn_tck_run_memory(s_policies, xml, strlen(xml), "odd.xml", cap.f, &st, &err);
    const char *out = s_capture_close(&cap);
    ck_assert_int_eq(rc, 5);
    ck_assert_str_eq(out, "FAIL nodec expected \"1\" got error: no decision table named \"nope\"\n"
                          "FAIL noresult expected a resultNode got none\n"
                          "FAIL #3 [unique] expected \"mid\" got \"low\"\n"
                          "FAIL badinput expected \"a\" got error: input x: not a number\n"
                          "FAIL err expected an error got \"mid\"\n"
                          "0 passed, 5 failed\n");
    free(cap.text);
}
END_TEST

START_TEST(test_tck_bad_files)
{
    kn_error_t err = {0};
    s_capture_t cap;
    s_capture_open(&cap);
    int rc = kn_dmn_tck_run_file(s_policies, s_path("hitpolicies.dmn"), cap.f, NULL, &err);
    const char *out = s_capture_close(&cap);
    ck_assert_int_eq(rc, KN_ESCHEMA);
    ck_assert_ptr_nonnull(strstr(out, "not a DMN TCK test case file"));
    free(cap.text);

    s_capture_open(&cap);
    rc = kn_dmn_tck_run_file(s_policies, s_path("doctype.dmn"), cap.f, NULL, &err);
    out = s_capture_close(&cap);
    ck_assert_int_eq(rc, KN_EXML);
    ck_assert_ptr_nonnull(strstr(out, "document type declaration refused"));
    free(cap.text);

    s_capture_open(&cap);
    rc = kn_dmn_tck_run_file(s_policies, s_path("missing.xml"), cap.f, NULL, &err);
    out = s_capture_close(&cap);
    ck_assert_int_eq(rc, KN_EIO);
    ck_assert_ptr_nonnull(strstr(out, "missing.xml: cannot open"));
    free(cap.text);
}
END_TEST

START_TEST(test_tck_test_files)
{
    kn_dmn_tck_stats_t st;
    kn_error_t err = {0};
    s_capture_t cap;
    char dmn[1024];
    snprintf(dmn, sizeof dmn, "%s", s_path("diversion.dmn"));
    s_capture_open(&cap);
    int rc = kn_dmn_tck_test_files(dmn, s_path("diversion-fail.xml"), cap.f, &st, &err);
    s_capture_close(&cap);
    ck_assert_int_eq(rc, 2);
    ck_assert_uint_eq(st.failed, 2);
    free(cap.text);

    snprintf(dmn, sizeof dmn, "%s", s_path("bad_range.dmn"));
    s_capture_open(&cap);
    rc = kn_dmn_tck_test_files(dmn, s_path("diversion-test.xml"), cap.f, &st, &err);
    const char *out = s_capture_close(&cap);
    ck_assert_int_eq(rc, KN_EPARSE);
    ck_assert_ptr_nonnull(
        strstr(out, "rule 4 (r4) input 2 (examType): cannot parse \"[1..\": unterminated range\n"));
    free(cap.text);
}
END_TEST

START_TEST(test_check_file)
{
    kn_error_t err = {0};
    s_capture_t cap;
    s_capture_open(&cap);
    int rc = kn_dmn_check_file(s_path("diversion.dmn"), cap.f, &err);
    const char *out = s_capture_close(&cap);
    ck_assert_int_eq(rc, 0);
    ck_assert_ptr_nonnull(strstr(out, "diversion.dmn: DMN 1.3, 1 decision table\n"));
    ck_assert_ptr_nonnull(
        strstr(out, "table Import diversion (id importDiversion): hit policy FIRST (F), "
                    "7 inputs, 2 outputs, 14 rules\n"));
    ck_assert_ptr_nonnull(strstr(out, "  input 2 declaredBeforeArrival: boolean\n"));
    ck_assert_ptr_nonnull(strstr(out, "  output 1 route: string\n"));
    free(cap.text);

    s_capture_open(&cap);
    rc = kn_dmn_check_file(s_path("bad_range.dmn"), cap.f, &err);
    out = s_capture_close(&cap);
    ck_assert_int_eq(rc, KN_EPARSE);
    ck_assert_ptr_nonnull(
        strstr(out, "bad_range.dmn: rule 4 (r4) input 2 (examType): cannot parse"));
    free(cap.text);
}
END_TEST

Suite *kn_test_dmn_suite(void)
{
    Suite *s = suite_create("dmn");
    TCase *tc = tcase_create("load");
    tcase_add_test(tc, test_every_namespace_loads);
    tcase_add_test(tc, test_unknown_namespace_refused);
    tcase_add_test(tc, test_doctype_refused);
    tcase_add_test(tc, test_malformed_xml_refused);
    tcase_add_test(tc, test_missing_file);
    tcase_add_test(tc, test_bad_cell_named_in_file);
    tcase_add_test(tc, test_bad_cell_named_exactly);
    tcase_add_test(tc, test_bad_output_cell_named);
    tcase_add_test(tc, test_cell_type_mismatch);
    tcase_add_test(tc, test_inferred_type_mismatch);
    tcase_add_test(tc, test_input_values_typo);
    tcase_add_test(tc, test_output_values_violation);
    tcase_add_test(tc, test_entry_count_mismatch);
    tcase_add_test(tc, test_several_decisions_named);
    tcase_add_test(tc, test_structural_errors);
    tcase_add_test(tc, test_item_definitions);
    tcase_add_test(tc, test_eval_too_many);
    suite_add_tcase(s, tc);

    tc = tcase_create("hit policies");
    tcase_add_checked_fixture(tc, s_policies_setup, s_policies_teardown);
    tcase_add_test(tc, test_unique);
    tcase_add_test(tc, test_any);
    tcase_add_test(tc, test_priority);
    tcase_add_test(tc, test_first);
    tcase_add_test(tc, test_rule_order);
    tcase_add_test(tc, test_output_order);
    tcase_add_test(tc, test_collect);
    tcase_add_test(tc, test_collect_aggregations);
    tcase_add_test(tc, test_multi_output);
    tcase_add_test(tc, test_dates_table);
    tcase_add_test(tc, test_default_output);
    tcase_add_test(tc, test_eval_no_input);
    tcase_add_test(tc, test_eval_type_mismatch);
    tcase_add_test(tc, test_eval_input_values);
    tcase_add_test(tc, test_tck_hit_policies);
    tcase_add_test(tc, test_tck_odd_cases);
    tcase_add_test(tc, test_tck_bad_files);
    suite_add_tcase(s, tc);

    tc = tcase_create("diversion");
    tcase_add_checked_fixture(tc, s_diversion_setup, s_diversion_teardown);
    tcase_add_test(tc, test_diversion_routes);
    tcase_add_test(tc, test_accessors);
    tcase_add_test(tc, test_tck_diversion_passes);
    tcase_add_test(tc, test_tck_failures_reported);
    tcase_add_test(tc, test_tck_test_files);
    tcase_add_test(tc, test_check_file);
    suite_add_tcase(s, tc);
    return s;
}
