/* stats: anonymous counts of requests, with small cells suppressed.
 *
 * Counts by month, career stage, reason, channel, referral type, modality,
 * final state and time to first contact (within the promise, later, not yet,
 * never). Suppression follows the US CMS cell-size rule: no count from 1 to
 * min_cell - 1 is shown (min_cell is 11 by default, so 1 to 10 are hidden;
 * zero is shown). Complementary suppression: where exactly one cell of a
 * breakdown is hidden and its total is shown, the next smallest cell is
 * hidden too, so the hidden count cannot be recomputed from the total and
 * the other cells. The input is facts, never contact details, so a purge
 * (which keeps facts, states and times) does not change the numbers. */
#ifndef PEERKIT_STATS_H
#define PEERKIT_STATS_H

#include <jansson.h>
#include <stddef.h>

#include "buf.h"
#include "sitedata.h"

#define STATS_MIN_CELL 11

/* Marks hidden cells of one breakdown: counts[0..n), total of the
 * requests it covers. hidden[i] is set to 1 for each hidden cell;
 * *total_hidden to 1 when the total itself is small. */
void stats_suppress(const long *counts, size_t n, long total, long min_cell, int *hidden,
                    int *total_hidden);

/* Counts rows (intake_list objects; unreadable ones must be left out by the
 * caller) whose start day lies in [from, to] ("YYYY-MM-DD", either may be
 * NULL). sd (may have no data: labels fall back to ids) gives the
 * categories and labels; now is for "not yet contacted".
 * Returns {from, to, min_cell, total, hidden_total, promise, dimensions:
 * [{dimension, label, total, cells: [{category, label, count, hidden}]}]}
 * with suppression applied: a hidden cell's count is null. */
json_t *stats_compute(json_t *rows, const struct sitedata *sd, const char *from, const char *to,
                      long min_cell);

/* Writers: CSV (dimension,category,count; a hidden count as "<11"), JSON,
 * and an accessible SVG bar chart. */
void stats_csv(json_t *report, struct buf *out);
void stats_json(json_t *report, struct buf *out);
void stats_svg(json_t *report, struct buf *out);

#endif
