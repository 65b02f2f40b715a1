/* kouan — DMN TCK test cases and table summaries, for `kouan rules test` and
 * `kouan rules check`.
 *
 * Test cases use the DMN TCK format (namespace
 * http://www.omg.org/spec/DMN/20160719/testcase): <testCases><testCase id=…
 * [invocableName=…]> with <inputNode name=…> values and <resultNode name=…>
 * expectations, each a <value xsi:type="xsd:…"> (string, decimal and the other
 * XSD number types, boolean, date, dateTime; xsi:nil="true" for null), a
 * <list> of <item>s (R, O and C results) or <component>s (multi-output tables;
 * as input, a structure whose parts feed dotted input names like box.reefer).
 * A resultNode with errorResult="true" expects an evaluation error.  An input
 * the case does not give is null.
 *
 * One line per case goes to out — "PASS id" or "FAIL id expected X got Y",
 * with "[node]" after the id when a case checks several decisions — and then
 * a last line "N passed, M failed".
 */
#ifndef KN_DMN_TCK_H
#define KN_DMN_TCK_H

#include <stdio.h>

#include "dmn.h"
#include "err.h"

typedef struct {
    unsigned passed; /* cases whose every result node matched */
    unsigned failed; /* cases with at least one mismatch */
} kn_dmn_tck_stats_t;

/* Run the cases in len bytes at buf (name stands for the file in messages)
 * against dmn, reporting to out.  stats may be NULL.  Returns the number of
 * failed cases (0 when all passed), or a negative kn_err_t when the case file
 * itself is unreadable (not XML, not TCK) — then err is filled and the error
 * is printed to out. */
int kn_dmn_tck_run_memory(const kn_dmn_t *dmn, const char *buf, size_t len, const char *name,
                          FILE *out, kn_dmn_tck_stats_t *stats, kn_error_t *err);

/* Same, reading the case file at cases_path. */
int kn_dmn_tck_run_file(const kn_dmn_t *dmn, const char *cases_path, FILE *out,
                        kn_dmn_tck_stats_t *stats, kn_error_t *err);

/* `kouan rules test FILE CASES`: load the DMN file, run the case file.
 * Returns the number of failed cases, or a negative kn_err_t (printed to out,
 * and in err) when either file cannot be loaded. */
int kn_dmn_tck_test_files(const char *dmn_path, const char *cases_path, FILE *out,
                          kn_dmn_tck_stats_t *stats, kn_error_t *err);

/* `kouan rules check FILE`: load the DMN file and print a summary of each
 * table (name, hit policy, inputs and their types, outputs, rule count) to
 * out, or the error.  Returns 0, or the negative kn_err_t of the failure
 * (err filled too). */
int kn_dmn_check_file(const char *path, FILE *out, kn_error_t *err);

#endif
