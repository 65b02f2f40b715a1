/* kouan — the KPI report of a simulated port day: the traditional flow beside
 * the smart one (flow.h), on the terminal, as kpi.json and as an offline
 * report.html with SVG charts.
 *
 * Every figure comes from the kn_kpi_t the flows produced; the report adds
 * only the comparison (ratios) and the words around it, including how the day
 * compares with what Xiamen Haitian terminal reported (about 50% fewer
 * handling moves, about 90% less time from berth to truck) and why.
 */
#ifndef KN_REPORT_H
#define KN_REPORT_H

#include "flow.h"
#include "scenario.h"

#include <stddef.h>
#include <stdio.h>

/* The comparison table, plain text (UTF-8, no colours), one line per figure:
 * figure, traditional, smart, change. */
void kn_report_table(FILE *out, const kn_kpi_t *traditional, const kn_kpi_t *smart);

/* kpi.json: {"scenario": {...}, "flows": {"traditional": {...}, "smart":
 * {...}}, "comparison": {...}}.  Returns 0, or KN_EIO with "path: reason"
 * in errbuf. */
int kn_report_json(const char *path, const kn_scenario_t *sc, const kn_kpi_t *traditional,
                   const kn_kpi_t *smart, char *errbuf, size_t errsize);

/* report.html: one self-contained page (no scripts, fonts or links out) with
 * the table, the dwell-time distribution per flow and the yard occupancy per
 * hour as inline SVG, the reasons boxes still went through the yard, and the
 * comparison with Haitian.  Returns 0, or KN_EIO with "path: reason". */
int kn_report_html(const char *path, const kn_scenario_t *sc, const kn_kpi_t *traditional,
                   const kn_kpi_t *smart, char *errbuf, size_t errsize);

#endif
