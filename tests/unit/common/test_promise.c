/* Unit tests for common/promise.c: parsing response_within, business-day
 * arithmetic across weekends, and the words requesters read. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "promise.h"

static time_t at(const char *iso)
{
    time_t t;
    if (clock_parse_iso(iso, &t) < 0)
        fail_msg("bad test time %s", iso);
    return t;
}

/* deadline(promise, start) must be want. */
static void expect_deadline(const char *promise, const char *start, const char *want)
{
    struct promise p;
    char got[CLOCK_ISO_LEN];
    if (promise_parse(promise, &p) < 0)
        fail_msg("expected \"%s\" to parse", promise);
    clock_iso(promise_deadline(&p, at(start)), got);
    if (strcmp(got, want))
        fail_msg("%s from %s: expected %s, got %s", promise, start, want, got);
}

static void test_parse(void **state)
{
    (void)state;
    struct promise p;
    assert_int_equal(promise_parse("24 hours", &p), 0);
    assert_int_equal(p.amount, 24);
    assert_int_equal(p.business, 0);
    assert_int_equal(promise_parse("1 business day", &p), 0);
    assert_int_equal(p.amount, 1);
    assert_int_equal(p.business, 1);
    assert_int_equal(promise_parse("3 business days", &p), 0);
    assert_int_equal(p.amount, 3);
    assert_int_equal(promise_parse("1 hour", &p), 0);
    static const char *const bad[] =
        {"",          "hours",          "0 hours",   "-1 hours",        "24hours",
         "1 hours",   "3 business day", "2 days",    "1 business  day", "31 business days",
         "721 hours", " 24 hours",      "24 hours ", "1e2 hours",       NULL};
    for (size_t i = 0; bad[i]; i++)
        if (promise_parse(bad[i], &p) == 0)
            fail_msg("expected \"%s\" to be refused", bad[i]);
    assert_int_equal(promise_parse(NULL, &p), -1);
}

static void test_business_days(void **state)
{
    (void)state;
    /* 2026-03-06 is a Friday. */
    expect_deadline("1 business day", "2026-03-05T10:00:00Z", "2026-03-06T10:00:00Z"); /* Thu */
    expect_deadline("1 business day", "2026-03-06T16:00:00Z",
                    "2026-03-09T16:00:00Z"); /* Fri->Mon */
    expect_deadline("1 business day", "2026-03-07T10:00:00Z", "2026-03-10T00:00:00Z"); /* Sat */
    expect_deadline("1 business day", "2026-03-08T23:59:59Z", "2026-03-10T00:00:00Z"); /* Sun */
    expect_deadline("3 business days", "2026-03-05T10:00:00Z",
                    "2026-03-10T10:00:00Z"); /* Thu->Tue */
    expect_deadline("3 business days", "2026-03-09T00:00:00Z",
                    "2026-03-12T00:00:00Z"); /* Mon->Thu */
    expect_deadline("5 business days", "2026-03-06T12:00:00Z", "2026-03-13T12:00:00Z"); /* a week */
    expect_deadline("10 business days", "2026-02-27T09:00:00Z", "2026-03-13T09:00:00Z");
    /* Across a month and a year end. */
    expect_deadline("1 business day", "2026-12-31T18:00:00Z", "2027-01-01T18:00:00Z");
    expect_deadline("2 business days", "2027-01-01T18:00:00Z", "2027-01-05T18:00:00Z");
}

static void in_zone(const char *tz)
{
    setenv("TZ", tz, 1);
    tzset();
}

/* Business days are the local time zone's: the administrator's week, not
 * UTC's. */
static void test_local_time(void **state)
{
    (void)state;
    in_zone("America/New_York");
    /* Friday 23:30 in New York is Saturday 04:30 in UTC: due Monday 23:30
     * there (daylight saving time began on Sunday 8 March). */
    expect_deadline("1 business day", "2026-03-07T04:30:00Z", "2026-03-10T03:30:00Z");
    /* Friday 16:00 EST: Monday 16:00 EDT, one hour less in UTC. */
    expect_deadline("1 business day", "2026-03-06T21:00:00Z", "2026-03-09T20:00:00Z");
    /* Saturday 10:00: the count starts on Monday at midnight, New York's. */
    expect_deadline("1 business day", "2026-03-07T15:00:00Z", "2026-03-10T04:00:00Z");
    /* Hours are hours, whatever the clocks do. */
    expect_deadline("24 hours", "2026-03-07T15:00:00Z", "2026-03-08T15:00:00Z");
    in_zone("Pacific/Auckland");
    /* Monday 10:00 in Auckland is still Sunday in UTC: due Tuesday 10:00. */
    expect_deadline("1 business day", "2026-03-08T21:00:00Z", "2026-03-09T21:00:00Z");
    in_zone("UTC");
}

static void test_hours(void **state)
{
    (void)state;
    /* Hours run through weekends: the promise is about the clock. */
    expect_deadline("24 hours", "2026-03-06T16:00:00Z", "2026-03-07T16:00:00Z");
    expect_deadline("1 hour", "2026-03-07T23:30:00Z", "2026-03-08T00:30:00Z");
    expect_deadline("72 hours", "2026-02-27T12:00:00Z", "2026-03-02T12:00:00Z");
}

static void test_text(void **state)
{
    (void)state;
    struct promise p;
    char out[64];
    static const char *const cases[][2] = {{"1 business day", "within one business day"},
                                           {"3 business days", "within 3 business days"},
                                           {"24 hours", "within 24 hours"},
                                           {"1 hour", "within 1 hour"}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        assert_int_equal(promise_parse(cases[i][0], &p), 0);
        promise_text(&p, out, sizeof out);
        assert_string_equal(out, cases[i][1]);
    }
}

int main(void)
{
    /* The arithmetic follows the local time zone: the other tests are
     * written in UTC. */
    setenv("TZ", "UTC", 1);
    tzset();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse), cmocka_unit_test(test_business_days),
        cmocka_unit_test(test_hours), cmocka_unit_test(test_local_time),
        cmocka_unit_test(test_text),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
