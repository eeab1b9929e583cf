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
#include <string.h>

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
    /* Only zeros beside it: a zero is hidden rather than none. */
    const long c3[] = {0, 15, 0};
    const int w3[] = {0, 0, 0};
    expect_hidden(c3, 3, 15, w3, 0); /* nothing small: nothing hidden */
    const long c4[] = {0, 5, 15};
    const int w4[] = {0, 1, 1};
    expect_hidden(c4, 3, 20, w4, 0);
    /* Only one other cell, and it is zero: hide the zero. */
    const long c5[] = {0, 3};
    const int w5[] = {1, 1};
    expect_hidden(c5, 2, 14, w5, 0);
}

/* Whatever the counts: no shown cell lies in 1..10, and no breakdown with a
 * shown total has exactly one hidden cell (unless it has a single cell). */
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
        int nh = 0;
        for (size_t i = 0; i < n; i++) {
            if (!hidden[i] && counts[i] >= 1 && counts[i] <= 10)
                fail_msg("round %d: a count of %ld is shown", round, counts[i]);
            nh += hidden[i];
        }
        if (!th && nh == 1)
            fail_msg("round %d: exactly one hidden cell beside a shown total", round);
        if (!th && total >= 1 && total <= 10)
            fail_msg("round %d: a total of %ld is shown", round, total);
    }
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
    assert_non_null(strstr(csv.data, "channel,Kiosk,<11\n"));
    assert_non_null(strstr(csv.data, "month,Total,23\n"));
    buf_free(&csv);
    struct buf svg = BUF_INIT;
    stats_svg(rep, &svg);
    assert_non_null(strstr(svg.data, "role=\"img\""));
    assert_non_null(strstr(svg.data, "<title id=\"t\">"));
    assert_non_null(strstr(svg.data, "<desc id=\"d\">"));
    assert_non_null(strstr(svg.data, "fewer than 11 (hidden)"));
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
    /* --min-cell 25: 23 is now a small total and hides everything. */
    rep = stats_compute(r, &none, NULL, NULL, 25);
    assert_true(json_is_null(json_object_get(rep, "total")));
    assert_true(json_is_null(json_object_get(cell(rep, "role", "resident"), "count")));
    json_decref(rep);
    json_decref(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cell_size_rule),
        cmocka_unit_test(test_complementary),
        cmocka_unit_test(test_property),
        cmocka_unit_test(test_compute),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
