#include "stats.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "formspec.h"
#include "promise.h"
#include "states.h"
#include "xalloc.h"

static int small(long count, long min_cell)
{
    return count >= 1 && count < min_cell;
}

void stats_suppress(const long *counts, size_t n, long total, long min_cell, int *hidden,
                    int *total_hidden)
{
    size_t nhidden = 0;
    long sum = 0;
    for (size_t i = 0; i < n; i++) {
        hidden[i] = small(counts[i], min_cell);
        nhidden += (size_t)hidden[i];
        sum += hidden[i] ? counts[i] : 0;
    }
    *total_hidden = small(total, min_cell);
    /* A shown total tells the sum of the hidden cells. It protects them
     * when there are two or more, the sum is at least min_cell (never a
     * small number itself) and it exceeds their number (11 hidden cells
     * summing to 11 would each be 1). Otherwise hide the smallest shown
     * cell that is not zero: it is min_cell or more, so one is enough.
     * Zeros are never hidden, so a reader knows every hidden cell is at
     * least 1, and the sum still leaves each one a range. */
    if (*total_hidden || nhidden == 0 || (nhidden >= 2 && sum >= min_cell && sum > (long)nhidden))
        return;
    size_t pick = n;
    for (size_t i = 0; i < n; i++)
        if (!hidden[i] && counts[i] > 0 && (pick == n || counts[i] < counts[pick]))
            pick = i;
    if (pick < n)
        hidden[pick] = 1;
}

void stats_whole_months(const char *from, const char *to, char out_from[11], char out_to[11])
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    out_from[0] = out_to[0] = 0;
    if (from)
        snprintf(out_from, 11, "%.7s-01", from);
    if (to) {
        int y = atoi(to), m = atoi(to + 5);
        int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
        int last = m >= 1 && m <= 12 ? days[m - 1] + (m == 2 && leap) : 31;
        snprintf(out_to, 11, "%.7s-%02d", to, last);
    }
}

/* ---- building breakdowns -------------------------------------------------- */

static json_t *dim_new(json_t *dims, const char *name, const char *label)
{
    json_t *d = json_pack("{s:s, s:s, s:[]}", "dimension", name, "label", label, "cells");
    json_array_append_new(dims, d);
    return d;
}

static json_t *cell(json_t *dim, const char *category)
{
    size_t i;
    json_t *c;
    json_array_foreach (json_object_get(dim, "cells"), i, c)
        if (!strcmp(json_string_value(json_object_get(c, "category")), category))
            return c;
    return NULL;
}

static void add_cat(json_t *dim, const char *category, const char *label)
{
    if (!cell(dim, category))
        json_array_append_new(json_object_get(dim, "cells"),
                              json_pack("{s:s, s:s, s:I}", "category", category, "label",
                                        label ? label : category, "count", (json_int_t)0));
}

/* Counts one request in category (or in "other" when it is not one of the
 * known categories: the value came from a request and may be anything). */
static void bump(json_t *dim, const char *category)
{
    json_t *c = category ? cell(dim, category) : cell(dim, "not-given");
    /* Only a plain id becomes a category of its own: the value came from a
     * request, and the report may be printed on a terminal. */
    if (!c && category && json_is_true(json_object_get(dim, "open")) &&
        formspec_id_valid(category)) {
        add_cat(dim, category, category);
        c = cell(dim, category);
    }
    if (!c) {
        add_cat(dim, "other", "Other (not on the form)");
        c = cell(dim, "other");
    }
    json_object_set_new(c, "count",
                        json_integer(json_integer_value(json_object_get(c, "count")) + 1));
}

/* Without the site's list of options, a breakdown takes the values it
 * meets as its categories ("open"), in the order it meets them. */
static void add_options(json_t *dim, json_t *options, const char *key)
{
    size_t i;
    json_t *o;
    if (!json_array_size(options))
        json_object_set_new(dim, "open", json_true());
    json_array_foreach (options, i, o) {
        const char *v = json_string_value(json_object_get(o, key));
        if (v)
            add_cat(dim, v, json_string_value(json_object_get(o, "label")));
    }
}

static void add_months(json_t *dim, const char *first, const char *last)
{
    int y = atoi(first), m = atoi(first + 5), ly = atoi(last), lm = atoi(last + 5);
    for (int guard = 0; (y < ly || (y == ly && m <= lm)) && guard < 1200; guard++) {
        char month[16];
        snprintf(month, sizeof month, "%04d-%02d", y % 10000, m % 100);
        add_cat(dim, month, month);
        if (++m > 12) {
            m = 1;
            y++;
        }
    }
}

static const char *channel_kind(const char *channel)
{
    static const char *const kinds[] = {"web", "phone", "email", "referral", NULL};
    if (!channel)
        return NULL;
    if (!strncmp(channel, "kiosk:", 6))
        return "kiosk";
    for (size_t i = 0; kinds[i]; i++)
        if (!strcmp(channel, kinds[i]))
            return kinds[i];
    return "other";
}

/* Within or later than the promise (or "contacted" when the site sets
 * none), for a request that is contacted or closed; NULL for the others,
 * which the state breakdown counts (see suppress_linked). */
static const char *contact_kind(json_t *r, const struct sitedata *sd)
{
    const char *contacted = json_string_value(json_object_get(r, "contacted"));
    enum state s = STATE_NEW;
    state_parse(json_string_value(json_object_get(r, "state")), &s);
    if (s != STATE_CONTACTED && s != STATE_CLOSED)
        return NULL;
    if (!sd->has_promise)
        return "contacted";
    time_t start, when;
    if (!contacted ||
        clock_parse_iso(json_string_value(json_object_get(r, "since")) ?: "", &start) < 0 ||
        clock_parse_iso(contacted, &when) < 0)
        return "later"; /* no time to show it was within */
    return when <= promise_deadline(&sd->promise, start) ? "within" : "later";
}

static void fact_bump(json_t *dim, json_t *facts, const char *key)
{
    bump(dim, json_string_value(json_object_get(facts, key)));
}

static long cell_count(json_t *c)
{
    return (long)json_integer_value(json_object_get(c, "count"));
}

/* Marks the cells of dim whose hidden[] is set (their count becomes null)
 * and sets its total, null when total_hidden. */
static void mark(json_t *dim, const int *hidden, long total, int total_hidden)
{
    size_t j;
    json_t *c;
    json_array_foreach (json_object_get(dim, "cells"), j, c) {
        json_object_set_new(c, "hidden", json_boolean(hidden[j]));
        if (hidden[j])
            json_object_set_new(c, "count", json_null());
    }
    json_object_set_new(dim, "total", total_hidden ? json_null() : json_integer(total));
}

/* One breakdown whose cells add up to total (modality's need not: a request
 * may ask for several, and its hidden cells stay within 1..total). */
static void suppress_dim(json_t *dim, long total, long min_cell)
{
    json_t *cells = json_object_get(dim, "cells");
    size_t n = json_array_size(cells);
    long *counts = xcalloc(n + 1, sizeof *counts);
    int *hidden = xcalloc(n + 1, sizeof *hidden), th;
    for (size_t j = 0; j < n; j++)
        counts[j] = cell_count(json_array_get(cells, j));
    stats_suppress(counts, n, total, min_cell, hidden, &th);
    mark(dim, hidden, total, th);
    free(counts);
    free(hidden);
}

/* state and contact count the same requests: contact splits those that are
 * contacted or closed (g, its total) by the time to first contact. A reader
 * who has g from contact knows the sum of state's two cells for them too,
 * so state is protected as two parts with totals of their own, g and
 * total - g, each as a breakdown. When either is small, g would give a
 * small count away: contact is hidden whole (its total too) and state is
 * protected as one breakdown, which then hides a cell on each side of g
 * (a small part's cells add up to less than min_cell). */
static void suppress_linked(json_t *state, json_t *contact, long total, long min_cell)
{
    json_t *cells = json_object_get(state, "cells"), *c;
    size_t n = json_array_size(cells), j, part_n[2] = {0, 0};
    long g = 0, *counts[2], part_total[2];
    int *hidden[2], all_hidden[64] = {0}, th;
    json_array_foreach (cells, j, c) {
        const char *cat = json_string_value(json_object_get(c, "category"));
        if (!strcmp(cat, "contacted") || !strcmp(cat, "closed"))
            g += cell_count(c);
    }
    if (small(g, min_cell) || small(total - g, min_cell) || n > 64) {
        suppress_dim(state, total, min_cell);
        json_array_foreach (json_object_get(contact, "cells"), j, c)
            all_hidden[j] = cell_count(c) > 0;
        mark(contact, all_hidden, g, 1);
        return;
    }
    for (int p = 0; p < 2; p++) {
        counts[p] = xcalloc(n, sizeof *counts[p]);
        hidden[p] = xcalloc(n, sizeof *hidden[p]);
    }
    /* part 1: contacted and closed; part 0: every other state. */
    int part_of[64];
    json_array_foreach (cells, j, c) {
        const char *cat = json_string_value(json_object_get(c, "category"));
        int p = !strcmp(cat, "contacted") || !strcmp(cat, "closed");
        part_of[j] = p;
        counts[p][part_n[p]++] = cell_count(c);
    }
    part_total[0] = total - g;
    part_total[1] = g;
    for (int p = 0; p < 2; p++)
        stats_suppress(counts[p], part_n[p], part_total[p], min_cell, hidden[p], &th);
    size_t at[2] = {0, 0};
    for (j = 0; j < n; j++)
        all_hidden[j] = hidden[part_of[j]][at[part_of[j]]++];
    mark(state, all_hidden, total, 0);
    suppress_dim(contact, g, min_cell);
    for (int p = 0; p < 2; p++) {
        free(counts[p]);
        free(hidden[p]);
    }
}

/* Applies the cell-size rule to every breakdown. A small total hides more
 * than every cell: the cells themselves go, zeros and all, because which
 * categories exist can depend on the data (an "other" row, the months of
 * the requests) and would bound the total. */
static void suppress_all(json_t *dims, json_t *state, json_t *contact, long total, long min_cell,
                         int *total_hidden)
{
    size_t i;
    json_t *dim;
    *total_hidden = small(total, min_cell);
    json_array_foreach (dims, i, dim) {
        json_object_del(dim, "open");
        if (*total_hidden) {
            json_object_set_new(dim, "cells", json_array());
            json_object_set_new(dim, "total", json_null());
        } else if (dim != state && dim != contact) {
            suppress_dim(dim, total, min_cell);
        }
    }
    if (!*total_hidden)
        suppress_linked(state, contact, total, min_cell);
}

json_t *stats_compute(json_t *rows, const struct sitedata *sd, const char *from, const char *to,
                      long min_cell)
{
    json_t *dims = json_array(), *r;
    json_t *month = dim_new(dims, "month", "Month");
    json_t *role = dim_new(dims, "role", "Career stage");
    json_t *reason = dim_new(dims, "reason", "Reason");
    json_t *channel = dim_new(dims, "channel", "Channel");
    json_t *referral = dim_new(dims, "referral", "Referral");
    json_t *modality = dim_new(dims, "modality", "Modality asked for");
    json_t *state = dim_new(dims, "state", "State");
    json_t *contact = dim_new(dims, "contact", "Time to first contact (contacted or closed)");
    static const char *const channels[][2] = {{"kiosk", "Kiosk"},
                                              {"web", "Web form"},
                                              {"phone", "Phone"},
                                              {"email", "Email"},
                                              {"referral", "Manager's referral"}};
    static const char *const states[] = {"New", "Assigned", "Contacted", "Closed", "Declined"};
    char within[96] = "Within the promise", promise_words[64];
    if (sd->has_promise) {
        promise_text(&sd->promise, promise_words, sizeof promise_words);
        const char *w = promise_words;
        if (!strncmp(w, "within ", 7))
            w += 7;
        snprintf(within, sizeof within, "Within the promise (%s)", w);
    }
    add_options(role, sd->supporters ? sitedata_roles(sd) : NULL, "id");
    add_options(reason, sd->schema ? sitedata_options(sd, "reason") : NULL, "value");
    for (size_t i = 0; i < 5; i++)
        add_cat(channel, channels[i][0], channels[i][1]);
    if (sd->schema && sitedata_options(sd, "referral"))
        add_options(referral, sitedata_options(sd, "referral"), "value");
    else {
        add_cat(referral, "self", "Self");
        add_cat(referral, "colleague", "Colleague");
    }
    add_options(modality, sd->schema ? sitedata_options(sd, "modality") : NULL, "value");
    for (int i = 0; i < STATE_COUNT; i++)
        add_cat(state, state_name((enum state)i), states[i]);
    if (sd->has_promise) {
        add_cat(contact, "within", within);
        add_cat(contact, "later", "Later than the promise");
    } else {
        add_cat(contact, "contacted", "Contacted");
    }
    for (json_t *d = role; d; d = d == role ? reason : d == reason ? referral : NULL)
        add_cat(d, "not-given", "Not given");
    /* The months of the period: from..to when both are given, else the data's. */
    char first[8] = "", last[8] = "";
    size_t i;
    long total = 0;
    json_array_foreach (rows, i, r) {
        const char *since = json_string_value(json_object_get(r, "since"));
        if (!since || strlen(since) < 10 || (from && strncmp(since, from, 10) < 0) ||
            (to && strncmp(since, to, 10) > 0))
            continue;
        total++;
        if (!*first || strncmp(since, first, 7) < 0)
            memcpy(first, since, 7);
        if (!*last || strncmp(since, last, 7) > 0)
            memcpy(last, since, 7);
    }
    if (from && to) {
        memcpy(first, from, 7);
        memcpy(last, to, 7);
    }
    if (*first)
        add_months(month, first, last);
    json_array_foreach (rows, i, r) {
        const char *since = json_string_value(json_object_get(r, "since"));
        if (!since || strlen(since) < 10 || (from && strncmp(since, from, 10) < 0) ||
            (to && strncmp(since, to, 10) > 0))
            continue;
        json_t *facts = json_object_get(r, "facts");
        char m[8];
        memcpy(m, since, 7);
        m[7] = 0;
        bump(month, m);
        fact_bump(role, facts, "role");
        fact_bump(reason, facts, "reason");
        fact_bump(referral, facts, "referral");
        bump(channel, channel_kind(json_string_value(json_object_get(r, "channel"))));
        bump(state, json_string_value(json_object_get(r, "state")));
        const char *kind = contact_kind(r, sd);
        if (kind)
            bump(contact, kind);
        json_t *mods = json_object_get(facts, "modality"), *mo;
        size_t j;
        if (json_array_size(mods) == 0) {
            add_cat(modality, "not-given", "Not given");
            bump(modality, "not-given");
        }
        json_array_foreach (mods, j, mo)
            bump(modality, json_string_value(mo));
    }
    int total_hidden = 0;
    suppress_all(dims, state, contact, total, min_cell, &total_hidden);
    return json_pack("{s:s?, s:s?, s:I, s:o, s:b, s:s?, s:o}", "from", from, "to", to, "min_cell",
                     (json_int_t)min_cell, "total",
                     total_hidden ? json_null() : json_integer(total), "hidden_total", total_hidden,
                     "promise", sd->has_promise ? promise_words : NULL, "dimensions", dims);
}

/* ---- writers ----------------------------------------------------------------- */

static void csv_field(struct buf *out, const char *s)
{
    if (!strpbrk(s, ",\"\n\r")) {
        buf_puts(out, s);
        return;
    }
    buf_putc(out, '"');
    for (; *s; s++) {
        if (*s == '"')
            buf_putc(out, '"');
        buf_putc(out, *s);
    }
    buf_putc(out, '"');
}

/* A count, or the word for a hidden one. Every hidden count reads the same,
 * whether it is small or was hidden beside a small one: writing "<11" for
 * the small ones would be false for the others, and telling them apart
 * would tell a reader which hidden count is the large one. */
static void count_text(struct buf *out, json_t *count)
{
    if (json_is_integer(count))
        buf_printf(out, "%lld", (long long)json_integer_value(count));
    else
        buf_puts(out, STATS_HIDDEN);
}

void stats_csv(json_t *report, struct buf *out)
{
    size_t i, j;
    json_t *dim, *c;
    buf_puts(out, "dimension,category,count\n");
    json_array_foreach (json_object_get(report, "dimensions"), i, dim) {
        const char *name = json_string_value(json_object_get(dim, "dimension"));
        json_array_foreach (json_object_get(dim, "cells"), j, c) {
            buf_printf(out, "%s,", name);
            csv_field(out, json_string_value(json_object_get(c, "label")));
            buf_putc(out, ',');
            count_text(out, json_object_get(c, "count"));
            buf_putc(out, '\n');
        }
        buf_printf(out, "%s,Total,", name);
        count_text(out, json_object_get(dim, "total"));
        buf_putc(out, '\n');
    }
}

void stats_json(json_t *report, struct buf *out)
{
    char *text = json_dumps(report, JSON_INDENT(2) | JSON_ENSURE_ASCII | JSON_PRESERVE_ORDER);
    buf_puts(out, text);
    buf_putc(out, '\n');
    free(text);
}

/* Characters, not bytes: labels may be written in any language. */
static long chars(const char *s)
{
    long n = 0;
    for (; s && *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

/* Widths in pixels, estimated: sans-serif at 13 px averages about 6.5 px a
 * character, capitals and bold more, so 7.5 (8.5 bold, 11 for the 18 px
 * title) leaves room for long words without measuring fonts. */
#define CHAR_W 7.5
#define BOLD_W 8.5
#define TITLE_W 11.0

static void total_text(struct buf *out, json_t *dim)
{
    json_t *t = json_object_get(dim, "total");
    if (json_is_integer(t))
        buf_printf(out, "%lld", (long long)json_integer_value(t));
    else
        buf_puts(out, STATS_HIDDEN);
}

/* The numbers in words for screen readers, which read the description but
 * not the bars: "Channel (total 28): Kiosk suppressed, Web form 0, ...". */
static void describe_counts(json_t *dims, struct buf *out)
{
    size_t i, j;
    json_t *dim, *c;
    json_array_foreach (dims, i, dim) {
        const char *l = json_string_value(json_object_get(dim, "label"));
        struct buf t = BUF_INIT;
        total_text(&t, dim);
        buf_putc(out, ' ');
        buf_append_html(out, l, strlen(l));
        buf_printf(out, " (total %s)%s", t.data,
                   json_array_size(json_object_get(dim, "cells")) ? ":" : ".");
        buf_free(&t);
        json_array_foreach (json_object_get(dim, "cells"), j, c) {
            const char *cl = json_string_value(json_object_get(c, "label"));
            buf_puts(out, j ? ", " : " ");
            buf_append_html(out, cl, strlen(cl));
            buf_putc(out, ' ');
            count_text(out, json_object_get(c, "count"));
        }
        if (json_array_size(json_object_get(dim, "cells")))
            buf_putc(out, '.');
    }
}

/* A bar chart, one group of horizontal bars per breakdown. Every bar has
 * its label and count written beside it; hidden counts draw an outlined
 * empty bar with the word "suppressed", so nothing is carried by colour
 * alone and it prints in black and white. The labels' column is as wide as
 * the longest label needs, and the description carries every number. */
void stats_svg(json_t *report, struct buf *out)
{
    long min_cell = (long)json_integer_value(json_object_get(report, "min_cell"));
    json_t *dims = json_object_get(report, "dimensions"), *dim, *c;
    size_t i, j, rows = 0;
    const int bar_h = 18, gap = 6, top = 70, span = 300, room = 120;
    const char *from = json_string_value(json_object_get(report, "from"));
    const char *to = json_string_value(json_object_get(report, "to"));
    struct buf title = BUF_INIT;
    buf_printf(&title, "Peer support requests%s%s%s%s", from || to ? ", " : "",
               from ? from : (to ? "the start" : ""), from || to ? " to " : "",
               from || to ? (to ? to : "today") : "");
    long label_w = 0, width = 20 + (long)(TITLE_W * (double)chars(title.data));
    json_array_foreach (dims, i, dim) {
        rows += json_array_size(json_object_get(dim, "cells")) + 2;
        /* the heading: label, " (total suppressed)" */
        long heading =
            20 +
            (long)(BOLD_W * (double)(chars(json_string_value(json_object_get(dim, "label"))) + 19));
        width = heading > width ? heading : width;
        json_array_foreach (json_object_get(dim, "cells"), j, c) {
            long w = (long)(CHAR_W * (double)chars(json_string_value(json_object_get(c, "label"))));
            label_w = w > label_w ? w : label_w;
        }
    }
    long left = 10 + label_w + 8 + 10;
    if (left < 120)
        left = 120;
    width = left + span + room > width ? left + span + room : width;
    long height = top + (long)rows * (bar_h + gap) + 20;
    buf_printf(out,
               "<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" width=\"%ld\" height=\"%ld\""
               " viewBox=\"0 0 %ld %ld\" aria-labelledby=\"t d\" font-family=\"sans-serif\""
               " font-size=\"13\">\n<title id=\"t\">",
               width, height, width, height);
    buf_append_html(out, title.data, title.len);
    buf_puts(out, "</title>\n<desc id=\"d\">Anonymous counts of requests by ");
    json_array_foreach (dims, i, dim) {
        const char *l = json_string_value(json_object_get(dim, "label"));
        buf_printf(out, "%s", i ? (i + 1 == json_array_size(dims) ? " and " : ", ") : "");
        buf_append_html(out, l, strlen(l));
    }
    buf_printf(out,
               ". Counts from 1 to %ld are " STATS_HIDDEN " (US CMS cell-size rule), and so is the "
               "smallest other count where the " STATS_HIDDEN
               " ones could otherwise be worked out; "
               "every " STATS_HIDDEN " count is marked the same way.",
               min_cell - 1);
    describe_counts(dims, out);
    buf_puts(out, "</desc>\n"
                  "<rect width=\"100%\" height=\"100%\" fill=\"#fff\"/>\n"
                  "<text x=\"10\" y=\"28\" font-size=\"18\" font-weight=\"bold\" fill=\"#000\">");
    buf_append_html(out, title.data, title.len);
    buf_free(&title);
    buf_puts(out, "</text>\n");
    long y = top;
    json_array_foreach (dims, i, dim) {
        const char *l = json_string_value(json_object_get(dim, "label"));
        long max = 1;
        json_array_foreach (json_object_get(dim, "cells"), j, c)
            if (json_integer_value(json_object_get(c, "count")) > max)
                max = (long)json_integer_value(json_object_get(c, "count"));
        buf_printf(out, "<g>\n<text x=\"10\" y=\"%ld\" font-weight=\"bold\" fill=\"#000\">",
                   y + 13);
        buf_append_html(out, l, strlen(l));
        buf_puts(out, " (total ");
        total_text(out, dim);
        buf_puts(out, ")</text>\n");
        y += bar_h + gap;
        json_array_foreach (json_object_get(dim, "cells"), j, c) {
            const char *cl = json_string_value(json_object_get(c, "label"));
            json_t *count = json_object_get(c, "count");
            buf_printf(out, "<text x=\"%ld\" y=\"%ld\" text-anchor=\"end\" fill=\"#000\">",
                       left - 8, y + 13);
            buf_append_html(out, cl, strlen(cl));
            buf_puts(out, "</text>\n");
            if (json_is_integer(count)) {
                long v = (long)json_integer_value(count), w = v * span / max;
                buf_printf(out,
                           "<rect x=\"%ld\" y=\"%ld\" width=\"%ld\" height=\"%d\" fill=\"#333\"/>\n"
                           "<text x=\"%ld\" y=\"%ld\" fill=\"#000\">%ld</text>\n",
                           left, y, w, bar_h, left + w + 6, y + 13, v);
            } else {
                buf_printf(out,
                           "<rect x=\"%ld\" y=\"%ld\" width=\"40\" height=\"%d\" fill=\"none\""
                           " stroke=\"#000\" stroke-dasharray=\"3 2\"/>\n"
                           "<text x=\"%ld\" y=\"%ld\" fill=\"#000\">" STATS_HIDDEN "</text>\n",
                           left, y, bar_h, left + 46, y + 13);
            }
            y += bar_h + gap;
        }
        buf_puts(out, "</g>\n");
        y += bar_h + gap;
    }
    buf_puts(out, "</svg>\n");
}
