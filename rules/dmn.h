/* kouan — DMN decision tables: load, compile, evaluate.
 *
 * A DMN file (<definitions> in any published DMN namespace, 1.1 to 1.5) is read
 * with libxml2 and every <decision><decisionTable> in it is compiled at once:
 * input names become column indices, input entries become compiled S-FEEL
 * unary tests (feel.h), output entries become values.  A file that cannot be
 * compiled is refused whole, its error naming file, rule and cell:
 *
 *   dmn: rules/diversion.dmn: rule 4 (r4) input 2 (examType): cannot parse "[1..": unterminated
 * range
 *
 * (with "decision ID: " after the file name when the file holds several).
 *
 * A loaded model is immutable: any number of threads may evaluate its tables
 * at once.  Evaluation allocates nothing and parses nothing: the caller fills a
 * vector of kn_dmn_value_t, one per input column, and kn_dmn_eval() writes a
 * kn_dmn_result_t.  An evaluation that cannot give an answer (an input left
 * unset or of the wrong type, two rules matching under UNIQUE …) is a result
 * with a status and a reason, never an error code and never an abort.
 *
 * Semantics in brief: hit policies U A P F R O C C+ C< C> C#; P and O order by
 * the outputValues lists (first output column first); C+ C< C> skip null
 * outputs, C# counts matched rules; aggregation needs a single output; with no
 * match a single-hit table gives its defaultOutputEntry values, or null.
 * An input column is typed by its typeRef (or the inputData's, or an
 * itemDefinition's), else by the literals in its cells; a value of another
 * type is a KN_DMN_ETYPE result.  inputValues (or an itemDefinition's
 * allowedValues) constrain non-null inputs at evaluation and cell literals at
 * compile time.  Only decision tables are supported; a file with any other
 * decision logic is refused.
 */
#ifndef KN_DMN_H
#define KN_DMN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "feel.h"

/* An input or output value: see feel.h for the constructors (kn_feel_string,
 * kn_feel_number, kn_feel_bool, kn_feel_date, kn_feel_datetime, kn_feel_null).
 * A zeroed value is KN_FEEL_UNSET, "not given". */
typedef kn_feel_value_t kn_dmn_value_t;

/* A loaded DMN file and its compiled tables. */
typedef struct kn_dmn kn_dmn_t;

/* One compiled decision table; owned by its kn_dmn_t. */
typedef struct kn_dmn_table kn_dmn_table_t;

typedef enum {
    KN_DMN_UNIQUE = 0,   /* U: at most one rule may match */
    KN_DMN_ANY,          /* A: matches must agree on their outputs */
    KN_DMN_PRIORITY,     /* P: the match whose outputs come first in outputValues */
    KN_DMN_FIRST,        /* F: the first match in rule order */
    KN_DMN_RULE_ORDER,   /* R: all matches in rule order */
    KN_DMN_OUTPUT_ORDER, /* O: all matches in outputValues order */
    KN_DMN_COLLECT       /* C: all matches, or their aggregate */
} kn_dmn_hit_policy_t;

typedef enum {
    KN_DMN_AGG_NONE = 0, /* C: a list */
    KN_DMN_AGG_SUM,      /* C+ */
    KN_DMN_AGG_MIN,      /* C< */
    KN_DMN_AGG_MAX,      /* C> */
    KN_DMN_AGG_COUNT     /* C# */
} kn_dmn_aggregation_t;

/* Outcome of one evaluation.  Not a kn_err_t: these are rule results. */
typedef enum {
    KN_DMN_OK = 0,      /* evaluated; zero or more rows of output */
    KN_DMN_ENOINPUT,    /* an input was left unset (KN_FEEL_UNSET) */
    KN_DMN_ETYPE,       /* an input value has the wrong type, or is not finite */
    KN_DMN_EINPUTVALUE, /* an input value is not among its inputValues */
    KN_DMN_EUNIQUE,     /* hit policy U and more than one rule matched */
    KN_DMN_EANY,        /* hit policy A and matching rules gave different outputs */
    KN_DMN_ETOOMANY     /* R, O or C matched more rules than a result holds */
} kn_dmn_status_t;

/* Most output rows (and recorded matches) one result holds. */
#define KN_DMN_MAX_MATCHES 256

/* Row marker in kn_dmn_result_t.rows: the defaultOutputEntry values, or an
 * aggregate, rather than one rule's output entries. */
#define KN_DMN_NO_RULE UINT32_MAX

/* What kn_dmn_eval() found.  The caller owns it (a stack variable is fine);
 * evaluation fills only what it needs, never memset-ing the arrays.  Output
 * values point into the table (or into the result, for aggregates) and stay
 * valid while both live; string outputs are NUL-terminated. */
typedef struct {
    const kn_dmn_table_t *table; /* the table evaluated */
    kn_dmn_status_t status;      /* KN_DMN_OK or why there is no answer */
    uint32_t n_rows;    /* output rows: 0 (no match), 1 (single hit, aggregate), n (R O C) */
    uint32_t n_matched; /* rules seen matching (F stops at the first, U at the second) */
    uint32_t rows[KN_DMN_MAX_MATCHES];    /* rule index behind each output row, or KN_DMN_NO_RULE */
    uint32_t matched[KN_DMN_MAX_MATCHES]; /* first min(n_matched, max) matching rules, rule order */
    kn_dmn_value_t aggregate;             /* C+ C< C> C#: the value of row 0 */
    char reason[256]; /* when status != KN_DMN_OK: lower-case text naming input or rules */
} kn_dmn_result_t;

/* Load and compile the DMN file at path.  Returns an owned model, or NULL with
 * err filled: KN_EIO (cannot read), KN_ETOOBIG (over 16 MiB), KN_EXML (not
 * well formed, or a DOCTYPE/entity declaration), KN_ESCHEMA (not DMN, or
 * malformed DMN), KN_EPARSE (a cell that cannot be compiled), KN_ENOMEM. */
kn_dmn_t *kn_dmn_load_file(const char *path, kn_error_t *err);

/* Same from len bytes at buf (copied as needed; buf may be freed after the
 * call).  name stands for the file in messages; NULL gives "<memory>". */
kn_dmn_t *kn_dmn_load_memory(const char *buf, size_t len, const char *name, kn_error_t *err);

/* Free a model and every table in it; sets *self to NULL.  NULL-safe. */
void kn_dmn_destroy(kn_dmn_t **self);

/* DMN version of the file's namespace: "1.1" … "1.5".  Never NULL. */
const char *kn_dmn_version(const kn_dmn_t *dmn);

/* The name given at load (the path for files).  Never NULL. */
const char *kn_dmn_name(const kn_dmn_t *dmn);

/* Number of decision tables, in file order. */
size_t kn_dmn_table_count(const kn_dmn_t *dmn);

/* Table i (i < count); borrowed from dmn. */
const kn_dmn_table_t *kn_dmn_table_at(const kn_dmn_t *dmn, size_t i);

/* The table of the decision whose id, else whose name, is id_or_name;
 * NULL when none.  Borrowed from dmn. */
const kn_dmn_table_t *kn_dmn_find(const kn_dmn_t *dmn, const char *id_or_name);

/* Decision id ("" when the file gives none) and name (the id when unnamed). */
const char *kn_dmn_table_id(const kn_dmn_table_t *table);
const char *kn_dmn_table_name(const kn_dmn_table_t *table);

kn_dmn_hit_policy_t kn_dmn_table_hit_policy(const kn_dmn_table_t *table);
kn_dmn_aggregation_t kn_dmn_table_aggregation(const kn_dmn_table_t *table);

/* "UNIQUE" … "COLLECT SUM"; and the letter form "U" … "C+".  Never NULL. */
const char *kn_dmn_hit_policy_name(kn_dmn_hit_policy_t policy, kn_dmn_aggregation_t aggregation);
const char *kn_dmn_hit_policy_letter(kn_dmn_hit_policy_t policy, kn_dmn_aggregation_t aggregation);

/* Input columns: count, name (the input expression: "reefer", "box.reefer"),
 * type (KN_FEEL_UNSET when any type is accepted), and the index of a name
 * (-1 when the table has no such input).  Look indices up once, not per call. */
size_t kn_dmn_input_count(const kn_dmn_table_t *table);
const char *kn_dmn_input_name(const kn_dmn_table_t *table, size_t i);
kn_feel_type_t kn_dmn_input_type(const kn_dmn_table_t *table, size_t i);
int kn_dmn_input_index(const kn_dmn_table_t *table, const char *name);

/* Output columns, as for inputs.  A single unnamed output takes the decision's name. */
size_t kn_dmn_output_count(const kn_dmn_table_t *table);
const char *kn_dmn_output_name(const kn_dmn_table_t *table, size_t i);
kn_feel_type_t kn_dmn_output_type(const kn_dmn_table_t *table, size_t i);
int kn_dmn_output_index(const kn_dmn_table_t *table, const char *name);

/* Rules: count, and the id of rule i (0-based); NULL when the rule has none. */
size_t kn_dmn_rule_count(const kn_dmn_table_t *table);
const char *kn_dmn_rule_id(const kn_dmn_table_t *table, size_t i);

/* Mark every input in inputs[0 .. input_count) as unset. */
void kn_dmn_inputs_clear(const kn_dmn_table_t *table, kn_dmn_value_t *inputs);

/* Set the input called name in inputs[]; returns 0, or KN_ENOTFOUND when the
 * table has no such input (not an error for a caller that feeds several
 * tables from one record).  A linear search: prefer kn_dmn_input_index(). */
int kn_dmn_input_set(const kn_dmn_table_t *table, kn_dmn_value_t *inputs, const char *name,
                     kn_dmn_value_t value);

/* Evaluate table against inputs[0 .. input_count) and fill *result.  Returns
 * result->status.  Allocates nothing; reads inputs only. */
kn_dmn_status_t kn_dmn_eval(const kn_dmn_table_t *table, const kn_dmn_value_t *inputs,
                            kn_dmn_result_t *result);

/* Output column col of output row row (row < n_rows); NULL when out of range. */
const kn_dmn_value_t *kn_dmn_result_value(const kn_dmn_result_t *result, size_t row, size_t col);

/* Short token for a status: "OK", "NOINPUT", "TYPE", "INPUTVALUE", "UNIQUE",
 * "ANY", "TOOMANY".  Never NULL. */
const char *kn_dmn_status_name(kn_dmn_status_t status);

/* For rules/ only: parse len bytes of XML safely (no network, no DTD, no
 * entity expansion; a DOCTYPE or ENTITY declaration is refused) into *doc,
 * which the caller frees with xmlFreeDoc().  position prefixes error messages.
 * Returns 0, KN_ETOOBIG, KN_EXML or KN_ENOMEM. */
struct _xmlDoc;
int kn__dmn_xml_parse(const char *buf, size_t len, const char *position, struct _xmlDoc **doc,
                      kn_error_t *err);

#endif
