/* stats: anonymous counts of requests, with small cells suppressed.
 *
 * Counts by month, career stage, reason, channel, referral type, modality,
 * state, and, for the requests that are contacted or closed, whether the
 * first contact came within the promise. Suppression follows the US CMS
 * cell-size rule: no count from 1 to min_cell - 1 is shown (min_cell is 11
 * by default, so 1 to 10 are hidden; zero is shown). Complementary
 * suppression: a reader who has the total knows the sum of a breakdown's
 * hidden cells, so the hidden cells of a breakdown are never one alone,
 * always add up to min_cell or more and to more than their number (the
 * smallest shown cell that is not zero is hidden with them when needed);
 * then no hidden cell can be worked out to one value from the shown cells
 * and the totals. Zeros are never hidden, so a hidden cell holds 1 or more.
 *
 * Breakdowns of the same requests are linked: the state breakdown's
 * contacted + closed is the total of the time-to-contact breakdown, which is
 * why that breakdown counts only those requests (a "not yet contacted" row
 * would be new + assigned, and "declined before any contact" a part of
 * declined, each giving a hidden state away). State is protected as two
 * parts with their own totals, and when either part is small the whole
 * time-to-contact breakdown is hidden. A small report total hides every
 * cell, even the list of categories (which may depend on the data).
 *
 * The input is facts, never contact details, so a purge (which keeps facts,
 * states and times) does not change the numbers. */
#ifndef PEERKIT_STATS_H
#define PEERKIT_STATS_H

#include <jansson.h>
#include <stddef.h>

#include "buf.h"
#include "sitedata.h"

#define STATS_MIN_CELL 11

/* Marks hidden cells of one breakdown: counts[0..n), total of the
 * requests it covers (the sum of the counts). hidden[i] is set to 1 for
 * each hidden cell; *total_hidden to 1 when the total itself is small (then
 * every cell that is not zero is small too, and hidden). */
void stats_suppress(const long *counts, size_t n, long total, long min_cell, int *hidden,
                    int *total_hidden);

/* A report's period in whole calendar months: out_from is the first day of
 * from's month, out_to the last day of to's month ("YYYY-MM-DD" or
 * "YYYY-MM" in, "YYYY-MM-DD" out; either may be NULL, and its out is then
 * empty). Two reports whose periods differ by a few days could be
 * subtracted from each other to single out the requests of those days; in
 * whole months the difference is at least a month of requests. */
void stats_whole_months(const char *from, const char *to, char out_from[11], char out_to[11]);

/* Counts rows (intake_list objects; unreadable ones must be left out by the
 * caller) whose start day lies in [from, to] ("YYYY-MM-DD", either may be
 * NULL). sd (may have no data: labels fall back to ids) gives the
 * categories and labels; now is for "not yet contacted".
 * Returns {from, to, min_cell, total, hidden_total, promise, dimensions:
 * [{dimension, label, total, cells: [{category, label, count, hidden}]}]}
 * with suppression applied: a hidden cell's count is null, and with a
 * hidden total every dimension has no cells. */
json_t *stats_compute(json_t *rows, const struct sitedata *sd, const char *from, const char *to,
                      long min_cell);

/* How every hidden count is written, small or not. */
#define STATS_HIDDEN "suppressed"

/* Writers: CSV (dimension,category,count; a hidden count as "suppressed"),
 * JSON (a hidden count is null), and an accessible SVG bar chart. */
void stats_csv(json_t *report, struct buf *out);
void stats_json(json_t *report, struct buf *out);
void stats_svg(json_t *report, struct buf *out);

#endif
