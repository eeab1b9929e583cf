/* Unit tests for admin/stats.c: the CMS cell-size rule (no count from 1 to
 * 10 shown), complementary suppression (never exactly one hidden cell beside
 * a shown total), counting by dimension, and the CSV and SVG writers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "promise.h"
#include "stats.h"

/* suppress(counts) with min 11 must hide exactly the cells marked 1 in want. */
static void expect_hidden(const long *counts, size_t n, long total, const int *want, int want_total)
{
    int hidden[16], th = -1;
    stats_suppress(counts, n, total, 11, hidden, &th);
    for (size_t i = 0; i < n; i++)
        if (hidden[i] != want[i])
            fail_msg("cell %zu (count %ld, total %ld): expected %s, got %s", i, counts[i], total,
                     want[i] ? "hidden" : "shown", hidden[i] ? "hidden" : "shown");
    if (th != want_total)
        fail_msg("total %ld: expected %s", total, want_total ? "hidden" : "shown");
}

static void test_cell_size_rule(void **state)
{
    (void)state;
    /* 1..10 hidden, 0 and 11+ shown; two small cells protect each other. */
    const long c1[] = {0, 1, 10, 11, 40};
    const int w1[] = {0, 1, 1, 0, 0};
    expect_hidden(c1, 5, 62, w1, 0);
    const long c2[] = {11, 12, 13};
    const int w2[] = {0, 0, 0};
    expect_hidden(c2, 3, 36, w2, 0);
    /* A small total hides itself (and every non-zero cell is small). */
    const long c3[] = {3, 0, 4};
    const int w3[] = {1, 0, 1};
    expect_hidden(c3, 3, 7, w3, 1);
}

static void test_complementary(void **state)
{
    (void)state;
    /* One small cell: the next smallest non-zero one is hidden too. */
    const long c1[] = {30, 4, 12, 0, 50};
    const int w1[] = {0, 1, 1, 0, 0};
    expect_hidden(c1, 5, 96, w1, 0);
    /* Ties: the first of the smallest. */
    const long c2[] = {20, 20, 5};
    const int w2[] = {1, 0, 1};
    expect_hidden(c2, 3, 45, w2, 0);
    const long c3[] = {0, 15, 0};
    const int w3[] = {0, 0, 0};
    expect_hidden(c3, 3, 15, w3, 0); /* nothing small: nothing hidden */
    const long c4[] = {0, 5, 15};
    const int w4[] = {0, 1, 1};
    expect_hidden(c4, 3, 20, w4, 0);
    /* Zeros are never hidden: a reader knows a hidden cell holds 1 or more. */
    const long c5[] = {0, 3, 0, 11};
    const int w5[] = {0, 1, 0, 1};
    expect_hidden(c5, 4, 14, w5, 0);
    /* Two small cells adding up to less than 11 (20, 1, 1 of 22: each 1 would
     * follow from their sum of 2): the smallest shown cell joins them. */
    const long c6[] = {20, 1, 1};
    const int w6[] = {1, 1, 1};
    expect_hidden(c6, 3, 22, w6, 0);
    const long c7[] = {3, 40, 4, 25};
    const int w7[] = {1, 0, 1, 1};
    expect_hidden(c7, 4, 72, w7, 0);
    /* Small cells adding up to 11 or more protect each other... */
    const long c8[] = {6, 40, 5};
    const int w8[] = {1, 0, 1};
    expect_hidden(c8, 3, 51, w8, 0);
    /* ...unless there are as many as their sum (each would be 1). */
    const long c9[] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 30};
    const int w9[] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1};
    expect_hidden(c9, 12, 41, w9, 0);
}

/* Whatever the counts: no shown cell lies in 1..10, zeros are shown, and
 * the hidden cells of a breakdown with a shown total number 0 or at least
 * 2, add up to 11 or more and to more than their number. */
static void test_property(void **state)
{
    (void)state;
    unsigned seed = 12345;
    for (int round = 0; round < 5000; round++) {
        long counts[6], total = 0;
        int hidden[6], th;
        size_t n = 2 + (size_t)(round % 5);
        for (size_t i = 0; i < n; i++) {
            seed = seed * 1103515245u + 12345u;
            counts[i] = (long)((seed >> 16) % 30);
            total += counts[i];
        }
        stats_suppress(counts, n, total, 11, hidden, &th);
        long nh = 0, sum = 0;
        for (size_t i = 0; i < n; i++) {
            if (!hidden[i] && counts[i] >= 1 && counts[i] <= 10)
                fail_msg("round %d: a count of %ld is shown", round, counts[i]);
            if (hidden[i] && counts[i] == 0)
                fail_msg("round %d: a zero is hidden", round);
            nh += hidden[i];
            sum += hidden[i] ? counts[i] : 0;
        }
        if (!th && nh && (nh == 1 || sum < 11 || sum <= nh))
            fail_msg("round %d: %ld hidden cells adding up to %ld beside a shown total", round, nh,
                     sum);
        if (!th && total >= 1 && total <= 10)
            fail_msg("round %d: a total of %ld is shown", round, total);
    }
}

static json_t *cell(json_t *report, const char *dim, const char *category);

/* ---- what a reader can work out from a report ------------------------------ */

/* 1 when a breakdown's h hidden cells (each 1 or more) can add up to sum. */
static int can_sum(long sum, long h)
{
    return h == 0 ? sum == 0 : sum >= h;
}

/* The numbers of one published breakdown. */
struct seen {
    long shown, hidden; /* sum of the shown cells, number of hidden ones */
    long total;         /* -1 when hidden */
};

static json_t *dim_of(json_t *report, const char *name)
{
    size_t i;
    json_t *d;
    json_array_foreach (json_object_get(report, "dimensions"), i, d)
        if (!strcmp(json_string_value(json_object_get(d, "dimension")), name))
            return d;
    fail_msg("no dimension %s", name);
    return NULL;
}

/* Sums the shown cells of dim whose category is (or, with not, is not) one
 * of the given ones (NULL: all). */
static struct seen seen_of(json_t *dim, const char *const *cats, int not )
{
    struct seen s = {0, 0, -1};
    size_t j;
    json_t *c;
    json_array_foreach (json_object_get(dim, "cells"), j, c) {
        const char *cat = json_string_value(json_object_get(c, "category"));
        int in = !cats;
        for (size_t k = 0; cats && cats[k]; k++)
            in = in || !strcmp(cat, cats[k]);
        if (cats && not )
            in = !in;
        if (!in)
            continue;
        if (json_is_integer(json_object_get(c, "count")))
            s.shown += (long)json_integer_value(json_object_get(c, "count"));
        else
            s.hidden++;
    }
    if (json_is_integer(json_object_get(dim, "total")))
        s.total = (long)json_integer_value(json_object_get(dim, "total"));
    return s;
}

/* How many values a hidden cell of a group can hold, trying every value
 * from 0 to total: the group's hidden cells add up to sum (each 1 or more). */
static long values_in_group(long sum, long h, long total, long *seen_value)
{
    long n = 0;
    for (long v = 0; v <= total; v++)
        if (v >= 1 && can_sum(sum - v, h - 1)) {
            n++;
            *seen_value = v;
        }
    return n;
}

/* Fails unless every hidden cell of the report can hold two values or more,
 * given every shown number, the totals and the one link between breakdowns
 * the report keeps (contact's total is state's contacted + closed), and no
 * shown number lies in 1..min_cell - 1. */
static void audit(json_t *report, const char *what)
{
    long min_cell = (long)json_integer_value(json_object_get(report, "min_cell"));
    json_t *t = json_object_get(report, "total"), *dim, *c;
    size_t i, j;
    json_array_foreach (json_object_get(report, "dimensions"), i, dim) {
        json_t *counts[] = {json_object_get(dim, "total"), NULL};
        json_array_foreach (json_object_get(dim, "cells"), j, c) {
            counts[0] = json_object_get(c, "count");
            if (json_is_integer(counts[0]) && json_integer_value(counts[0]) >= 1 &&
                json_integer_value(counts[0]) < min_cell)
                fail_msg("%s: %s/%s shows %lld", what,
                         json_string_value(json_object_get(dim, "dimension")),
                         json_string_value(json_object_get(c, "category")),
                         (long long)json_integer_value(counts[0]));
        }
        counts[0] = json_object_get(dim, "total");
        if (json_is_integer(counts[0]) && json_integer_value(counts[0]) >= 1 &&
            json_integer_value(counts[0]) < min_cell)
            fail_msg("%s: %s total shows %lld", what,
                     json_string_value(json_object_get(dim, "dimension")),
                     (long long)json_integer_value(counts[0]));
    }
    if (!json_is_integer(t)) {
        /* A small total: nothing else may be shown at all. */
        json_array_foreach (json_object_get(report, "dimensions"), i, dim)
            if (json_array_size(json_object_get(dim, "cells")) ||
                !json_is_null(json_object_get(dim, "total")))
                fail_msg("%s: a hidden total, yet %s shows cells", what,
                         json_string_value(json_object_get(dim, "dimension")));
        return;
    }
    long total = (long)json_integer_value(t), v;
    if (total >= 1 && total < min_cell)
        fail_msg("%s: a total of %ld is shown", what, total);
    /* Breakdowns whose cells add up to the total, on their own. */
    static const char *const alone[] = {"month", "role", "reason", "channel", "referral", NULL};
    for (size_t k = 0; alone[k]; k++) {
        struct seen s = seen_of(dim_of(report, alone[k]), NULL, 0);
        if (s.total != total)
            fail_msg("%s: %s total %ld, report total %ld", what, alone[k], s.total, total);
        if (s.hidden && values_in_group(total - s.shown, s.hidden, total, &v) < 2)
            fail_msg("%s: a hidden %s cell can only be %ld", what, alone[k], v);
    }
    /* Modality: a request may ask for several, or none ("not given"): each
     * hidden cell lies in 1..total, and all cells add up to total or more. */
    struct seen m = seen_of(dim_of(report, "modality"), NULL, 0);
    long mv = 0;
    for (v = 1; m.hidden && v <= total; v++)
        mv += m.shown + v + (m.hidden - 1) * total >= total;
    if (m.hidden && mv < 2)
        fail_msg("%s: a hidden modality cell has %ld possible values", what, mv);
    /* State and contact: g, contact's total, is state's contacted + closed;
     * when contact hides it, every g from 0 to total is tried. */
    static const char *const part[] = {"contacted", "closed", NULL};
    struct seen in = seen_of(dim_of(report, "state"), part, 0);
    struct seen out = seen_of(dim_of(report, "state"), part, 1);
    struct seen ct = seen_of(dim_of(report, "contact"), NULL, 0);
    long n_in = 0, n_out = 0, n_ct = 0;
    /* values[] marks which values each kind of hidden cell can take. */
    char *ok_in = calloc((size_t)total + 1, 1), *ok_out = calloc((size_t)total + 1, 1),
         *ok_ct = calloc((size_t)total + 1, 1);
    for (long g = 0; g <= total; g++) {
        if ((ct.total >= 0 && g != ct.total) || !can_sum(g - in.shown, in.hidden) ||
            !can_sum(total - g - out.shown, out.hidden) || !can_sum(g - ct.shown, ct.hidden))
            continue;
        for (v = 1; v <= total; v++) {
            ok_in[v] |= in.hidden && can_sum(g - in.shown - v, in.hidden - 1);
            ok_out[v] |= out.hidden && can_sum(total - g - out.shown - v, out.hidden - 1);
            ok_ct[v] |= ct.hidden && can_sum(g - ct.shown - v, ct.hidden - 1);
        }
    }
    for (v = 1; v <= total; v++) {
        n_in += ok_in[v];
        n_out += ok_out[v];
        n_ct += ok_ct[v];
    }
    free(ok_in);
    free(ok_out);
    free(ok_ct);
    if ((in.hidden && n_in < 2) || (out.hidden && n_out < 2) || (ct.hidden && n_ct < 2))
        fail_msg("%s: state and contact pin a hidden cell (values: contacted/closed %ld, other "
                 "states %ld, contact %ld)",
                 what, n_in, n_out, n_ct);
}

static unsigned rnd(unsigned *seed, unsigned n)
{
    *seed = *seed * 1103515245u + 12345u;
    return (*seed >> 16) % n;
}

/* Mostly the first of n choices, so that small cells are common. */
static unsigned skewed(unsigned *seed, unsigned n)
{
    return rnd(seed, 100) < 70 ? 0 : rnd(seed, n);
}

/* A random small history: states with or without a first contact, every
 * channel, facts given or not. */
static json_t *random_rows(unsigned *seed, int n)
{
    static const char *const states[] = {"new", "closed", "assigned", "contacted", "declined"};
    static const char *const channels[] = {"phone", "kiosk:a", "web", "email", "referral", "fax"};
    static const char *const roles[] = {"resident", "fellow", "faculty", NULL};
    static const char *const reasons[] = {"burnout", "lawsuit", "adverse-event", NULL};
    static const char *const referrals[] = {"self", "colleague", NULL};
    static const char *const mods[] = {"phone", "video", "in-person"};
    json_t *rows = json_array();
    for (int i = 0; i < n; i++) {
        char since[32], contacted[32];
        int month = 1 + (int)rnd(seed, 3), day = 2 + (int)rnd(seed, 26);
        const char *st = states[skewed(seed, 5)];
        snprintf(since, sizeof since, "2026-%02d-%02dT09:00:00Z", month, day);
        snprintf(contacted, sizeof contacted, "2026-%02d-%02dT%02u:00:00Z", month, day + 1,
                 rnd(seed, 2) ? 8u : 12u);
        /* Contacted and closed requests were contacted; some declined and
         * reopened ones were too. */
        int was = !strcmp(st, "contacted") || !strcmp(st, "closed") || rnd(seed, 4) == 0;
        json_t *facts = json_object(), *m = json_array();
        const char *v;
        if ((v = roles[skewed(seed, 4)]))
            json_object_set_new(facts, "role", json_string(v));
        if ((v = reasons[skewed(seed, 4)]))
            json_object_set_new(facts, "reason", json_string(v));
        if ((v = referrals[skewed(seed, 3)]))
            json_object_set_new(facts, "referral", json_string(v));
        for (unsigned k = 0, nm = skewed(seed, 3); k < nm + (rnd(seed, 5) != 0); k++)
            json_array_append_new(m, json_string(mods[(k + rnd(seed, 2)) % 3]));
        json_object_set_new(facts, "modality", m);
        json_array_append_new(rows, json_pack("{s:s, s:s, s:s, s:o, s:o}", "since", since, "state",
                                              st, "channel", channels[skewed(seed, 6)], "contacted",
                                              was ? json_string(contacted) : json_null(), "facts",
                                              facts));
    }
    return rows;
}

/* For random small reports, no hidden cell can be pinned to one value
 * from the shown numbers, whatever the breakdown. */
static void test_report_property(void **state)
{
    (void)state;
    unsigned seed = 20260301;
    struct sitedata sd = {0};
    for (int round = 0; round < 3000; round++) {
        sd.has_promise = round % 3 != 0;
        promise_parse("1 business day", &sd.promise);
        int n = (int)rnd(&seed, 70);
        long min_cell = round % 5 == 4 ? 15 : 11;
        json_t *rows = random_rows(&seed, n);
        json_t *rep = stats_compute(rows, &sd, "2026-01-01", "2026-03-31", min_cell);
        char what[64];
        snprintf(what, sizeof what, "round %d (%d requests)", round, n);
        audit(rep, what);
        json_decref(rep);
        json_decref(rows);
    }
}

/* The two cases the rule once let through. */
static void test_report_examples(void **state)
{
    (void)state;
    struct sitedata sd = {0};
    sd.has_promise = 1;
    promise_parse("1 business day", &sd.promise);
    /* Reasons 20, 1 and 1 of 22: the two small ones add up to 2. */
    json_t *rows = json_array();
    for (int i = 0; i < 22; i++)
        json_array_append_new(rows,
                              json_pack("{s:s, s:s, s:s, s:{s:s}}", "since", "2026-03-02T09:00:00Z",
                                        "state", "new", "channel", "phone", "facts", "reason",
                                        i < 20    ? "burnout"
                                        : i == 20 ? "adverse-event"
                                                  : "lawsuit"));
    json_t *rep = stats_compute(rows, &sd, "2026-03-01", "2026-03-31", 11);
    audit(rep, "20, 1, 1");
    assert_true(json_is_null(json_object_get(cell(rep, "reason", "burnout"), "count")));
    json_decref(rep);
    json_decref(rows);
    /* New 12, Assigned 0, Declined 3 (never contacted), Closed 20: "not yet
     * contacted" (12) beside Assigned 0 would give New away, and Declined
     * would follow from the total. */
    rows = json_array();
    for (int i = 0; i < 35; i++)
        json_array_append_new(rows, json_pack("{s:s, s:s, s:s, s:s?, s:{}}", "since",
                                              "2026-03-02T09:00:00Z", "state",
                                              i < 12   ? "new"
                                              : i < 15 ? "declined"
                                                       : "closed",
                                              "channel", "phone", "contacted",
                                              i < 15 ? NULL : "2026-03-02T10:00:00Z", "facts"));
    rep = stats_compute(rows, &sd, "2026-03-01", "2026-03-31", 11);
    audit(rep, "New 12, Declined 3");
    assert_true(json_is_null(json_object_get(cell(rep, "state", "new"), "count")));
    assert_true(json_is_null(json_object_get(cell(rep, "state", "declined"), "count")));
    json_decref(rep);
    json_decref(rows);
}

static json_t *rows(int n_phone, int n_email)
{
    json_t *a = json_array();
    for (int i = 0; i < n_phone + n_email; i++)
        json_array_append_new(a, json_pack("{s:s, s:s, s:s, s:s, s:{s:s, s:s, s:[s]}}", "since",
                                           i % 2 ? "2026-03-04T10:00:00Z" : "2026-04-02T10:00:00Z",
                                           "state", "closed", "contacted", "2026-05-01T10:00:00Z",
                                           "channel", i < n_phone ? "phone" : "kiosk:lounge",
                                           "facts", "role", "resident", "reason",
                                           i < n_phone ? "burnout" : "zzz-unknown", "modality",
                                           "phone"));
    return a;
}

static json_t *cell(json_t *report, const char *dim, const char *category)
{
    size_t i, j;
    json_t *d, *c;
    json_array_foreach (json_object_get(report, "dimensions"), i, d) {
        if (strcmp(json_string_value(json_object_get(d, "dimension")), dim))
            continue;
        json_array_foreach (json_object_get(d, "cells"), j, c)
            if (!strcmp(json_string_value(json_object_get(c, "category")), category))
                return c;
    }
    fail_msg("no cell %s/%s", dim, category);
    return NULL;
}

static void test_compute(void **state)
{
    (void)state;
    struct sitedata none = {0};
    json_t *r = rows(20, 3);
    json_t *rep = stats_compute(r, &none, NULL, NULL, 11);
    assert_int_equal(json_integer_value(json_object_get(rep, "total")), 23);
    assert_int_equal(json_integer_value(json_object_get(cell(rep, "role", "resident"), "count")),
                     23);
    /* kiosk 3 is hidden; total - phone would give it away, so phone (the
     * next smallest non-zero cell) is hidden too. */
    assert_true(json_is_null(json_object_get(cell(rep, "channel", "kiosk"), "count")));
    assert_true(json_is_null(json_object_get(cell(rep, "channel", "phone"), "count")));
    assert_int_equal(json_integer_value(json_object_get(cell(rep, "channel", "web"), "count")), 0);
    /* Without the site's form, values are their own categories. */
    assert_true(json_is_true(json_object_get(cell(rep, "reason", "zzz-unknown"), "hidden")));
    json_decref(rep);
    /* ...but only plain ids: anything else (an escape sequence) is "other". */
    json_object_set_new(json_object_get(json_array_get(r, 0), "facts"), "role",
                        json_string("\x1b[2Jevil"));
    rep = stats_compute(r, &none, NULL, NULL, 11);
    assert_true(json_is_true(json_object_get(cell(rep, "role", "other"), "hidden")));
    struct buf text = BUF_INIT;
    stats_csv(rep, &text);
    assert_null(strchr(text.data, '\x1b'));
    buf_free(&text);
    json_object_set_new(json_object_get(json_array_get(r, 0), "facts"), "role",
                        json_string("resident"));
    /* The months between the first and the last request are all there. */
    assert_int_equal(json_integer_value(json_object_get(cell(rep, "month", "2026-03"), "count")),
                     11);
    assert_int_equal(json_integer_value(json_object_get(cell(rep, "month", "2026-04"), "count")),
                     12);
    struct buf csv = BUF_INIT;
    stats_csv(rep, &csv);
    assert_non_null(strstr(csv.data, "dimension,category,count\n"));
    /* Kiosk (3) and its complement phone (20) read the same: "<11" would be
     * false for phone. */
    assert_non_null(strstr(csv.data, "channel,Kiosk,suppressed\n"));
    assert_non_null(strstr(csv.data, "channel,Phone,suppressed\n"));
    assert_null(strstr(csv.data, "<11"));
    assert_non_null(strstr(csv.data, "month,Total,23\n"));
    buf_free(&csv);
    struct buf svg = BUF_INIT;
    stats_svg(rep, &svg);
    assert_non_null(strstr(svg.data, "role=\"img\""));
    assert_non_null(strstr(svg.data, "<title id=\"t\">"));
    assert_non_null(strstr(svg.data, "<desc id=\"d\">"));
    assert_non_null(strstr(svg.data, ">suppressed</text>"));
    assert_null(strstr(svg.data, "fewer than"));
    buf_free(&svg);
    json_decref(rep);
    /* A period: only March. 11 requests, so the total is shown. */
    rep = stats_compute(r, &none, "2026-03-01", "2026-03-31", 11);
    assert_int_equal(json_integer_value(json_object_get(rep, "total")), 11);
    json_decref(rep);
    /* With the site's form: labels, every option (zeros too), and a value
     * that is not on the form counted as "other". */
    struct sitedata sd = {0};
    sd.supporters = json_pack("{s:[{s:s, s:s}]}", "roles", "id", "resident", "label", "Resident");
    sd.schema = json_pack("{s:[{s:s, s:[{s:s, s:s}, {s:s, s:s}]}]}", "fields", "id", "reason",
                          "options", "value", "burnout", "label", "Stress or burnout", "value",
                          "lawsuit", "label", "A lawsuit");
    rep = stats_compute(r, &sd, NULL, NULL, 11);
    assert_int_equal(json_integer_value(json_object_get(cell(rep, "reason", "lawsuit"), "count")),
                     0);
    assert_true(json_is_true(json_object_get(cell(rep, "reason", "other"), "hidden")));
    assert_string_equal(json_string_value(json_object_get(cell(rep, "reason", "burnout"), "label")),
                        "Stress or burnout");
    json_decref(rep);
    json_decref(sd.supporters);
    json_decref(sd.schema);
    /* --min-cell 25: 23 is now a small total and hides everything, the
     * cells themselves included. */
    rep = stats_compute(r, &none, NULL, NULL, 25);
    assert_true(json_is_null(json_object_get(rep, "total")));
    size_t i;
    json_t *d;
    json_array_foreach (json_object_get(rep, "dimensions"), i, d) {
        assert_int_equal(json_array_size(json_object_get(d, "cells")), 0);
        assert_true(json_is_null(json_object_get(d, "total")));
    }
    json_decref(rep);
    json_decref(r);
}

static void test_whole_months(void **state)
{
    (void)state;
    static const char *const cases[][4] = {{"2026-03-02", "2026-03-30", "2026-03-01", "2026-03-31"},
                                           {"2026-01-01", "2026-02-14", "2026-01-01", "2026-02-28"},
                                           {"2028-02-29", "2028-02-01", "2028-02-01",
                                            "2028-02-29"}, /* a leap year */
                                           {"2000-02", "1900-02", "2000-02-01", "1900-02-28"},
                                           {"2026-12-31", "2026-12", "2026-12-01", "2026-12-31"},
                                           {"2026-04-30", "2026-04-30", "2026-04-01",
                                            "2026-04-30"}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char from[11], to[11];
        stats_whole_months(cases[i][0], cases[i][1], from, to);
        if (strcmp(from, cases[i][2]) || strcmp(to, cases[i][3]))
            fail_msg("%s..%s: expected %s..%s, got %s..%s", cases[i][0], cases[i][1], cases[i][2],
                     cases[i][3], from, to);
    }
    char from[11], to[11];
    stats_whole_months(NULL, "2026-06-03", from, to);
    assert_string_equal(from, "");
    assert_string_equal(to, "2026-06-30");
}

/* The x of the text element holding exactly label in svg, or -1. */
static long label_x(const char *svg, const char *label)
{
    char want[256];
    snprintf(want, sizeof want, "text-anchor=\"end\" fill=\"#000\">%s</text>", label);
    const char *at = strstr(svg, want), *x;
    if (!at)
        return -1;
    for (x = at; x > svg && strncmp(x, "<text x=\"", 9); x--)
        ;
    return atol(x + 9);
}

static void test_svg_layout(void **state)
{
    (void)state;
    static const char long_label[] = "Something that happened at work and that I would rather "
                                     "talk about with a peer";
    struct sitedata sd = {0};
    sd.schema = json_pack("{s:[{s:s, s:[{s:s, s:s}, {s:s, s:s}]}]}", "fields", "id", "reason",
                          "options", "value", "burnout", "label", "Stress or burnout", "value",
                          "other", "label", long_label);
    json_t *r = rows(20, 3), *rep;
    rep = stats_compute(r, &sd, NULL, NULL, 11);
    struct buf svg = BUF_INIT;
    stats_svg(rep, &svg);
    /* The label ends at the bars and must fit left of them: at 13 px, a
     * character of a sans-serif font is about 6.5 px wide on average. */
    long x = label_x(svg.data, long_label), need = (long)(6.5 * (double)strlen(long_label));
    if (x < need)
        fail_msg("a label of %zu characters ends at x = %ld: it needs %ld px", strlen(long_label),
                 x, need);
    long width = atol(strstr(svg.data, "width=\"") + 7);
    if (width < x + 8 + 300)
        fail_msg("the chart is %ld px wide, the bars start at %ld", width, x + 8);
    /* Screen readers read the description: every number is in it. */
    const char *desc = strstr(svg.data, "<desc"), *end = strstr(svg.data, "</desc>");
    assert_non_null(desc);
    char *d = strndup(desc, (size_t)(end - desc));
    static const char *const said[] = {"Channel (total 23): Kiosk suppressed, Web form 0, Phone "
                                       "suppressed",
                                       "Career stage (total 23): Not given 0, resident 23",
                                       "Reason (total 23): Stress or burnout suppressed",
                                       "Month (total 23): 2026-03 11, 2026-04 12", NULL};
    for (size_t i = 0; said[i]; i++)
        if (!strstr(d, said[i]))
            fail_msg("expected the description to say \"%s\", got: %s", said[i], d);
    free(d);
    buf_free(&svg);
    json_decref(rep);
    json_decref(r);
    json_decref(sd.schema);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cell_size_rule),  cmocka_unit_test(test_complementary),
        cmocka_unit_test(test_property),        cmocka_unit_test(test_report_property),
        cmocka_unit_test(test_report_examples), cmocka_unit_test(test_compute),
        cmocka_unit_test(test_svg_layout),      cmocka_unit_test(test_whole_months),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
