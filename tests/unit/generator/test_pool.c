/* Unit tests for generator/pool.c: jobs run on the workers and come back to
 * the submitting thread once each, in the order they were submitted, with
 * no more in flight than the window, whatever the number of threads and
 * however long each job takes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>

#include "pool.h"
#include "xalloc.h"

struct job {
    size_t n;
    long sleep_ns; /* how long the work takes */
    atomic_int ran;
};

struct run {
    pthread_t submitter;
    size_t handed;         /* jobs handed back so far */
    size_t submitted;      /* jobs submitted so far */
    size_t most_in_flight; /* submitted but not handed back, at most */
    size_t out_of_order;   /* jobs handed back before an older one */
    size_t off_thread;     /* done called on a thread other than the submitter's */
    size_t not_run;        /* handed back before (or without) its work */
    size_t smallest_batch; /* fewest jobs a submission handed back, when it did */
};

static void work(void *arg, int worker, void *ctx)
{
    (void)ctx;
    struct job *j = arg;
    assert_true(worker >= 0);
    if (j->sleep_ns) {
        struct timespec ts = {0, j->sleep_ns};
        nanosleep(&ts, NULL);
    }
    atomic_fetch_add(&j->ran, 1);
}

static void done(void *arg, void *ctx)
{
    struct job *j = arg;
    struct run *r = ctx;
    r->out_of_order += j->n != r->handed;
    r->off_thread += !pthread_equal(pthread_self(), r->submitter);
    r->not_run += atomic_load(&j->ran) != 1;
    r->handed++;
}

/* Submits n jobs to a pool of threads; sleeps[i % nsleeps] is job i's. */
static void run_jobs(int threads, size_t n, const long *sleeps, size_t nsleeps, struct run *r)
{
    struct job *jobs = xcalloc(n, sizeof *jobs);
    *r = (struct run){.submitter = pthread_self(), .smallest_batch = SIZE_MAX};
    struct pool *p = pool_new(threads, work, done, r);
    for (size_t i = 0; i < n; i++) {
        jobs[i].n = i;
        jobs[i].sleep_ns = sleeps[i % nsleeps];
        size_t before = r->handed;
        pool_submit(p, &jobs[i]);
        if (r->handed > before && r->handed - before < r->smallest_batch)
            r->smallest_batch = r->handed - before;
        r->submitted++;
        if (r->submitted - r->handed > r->most_in_flight)
            r->most_in_flight = r->submitted - r->handed;
    }
    pool_finish(p);
    assert_int_equal(r->handed, n);
    pool_free(p);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(atomic_load(&jobs[i].ran), 1);
    free(jobs);
}

static void test_order_whatever_the_threads(void **state)
{
    (void)state;
    /* Uneven jobs: a slow one now and then lets later ones finish first. */
    static const long sleeps[] = {0, 0, 20000, 0, 0, 0, 150000, 0, 5000};
    static const int threads[] = {1, 2, 3, 8};
    for (size_t t = 0; t < sizeof threads / sizeof *threads; t++) {
        struct run r;
        run_jobs(threads[t], 3000, sleeps, sizeof sleeps / sizeof *sleeps, &r);
        assert_int_equal(r.out_of_order, 0);
        assert_int_equal(r.off_thread, 0);
        assert_int_equal(r.not_run, 0);
        /* The window: 8 jobs a thread and 16 more. */
        assert_in_range(r.most_in_flight, 1, 8 * (size_t)threads[t] + 16);
    }
}

/* 640 jobs on two threads, job slow of every 64 taking ns: all come back,
 * in order. */
static void run_one_slow_in_64(size_t slow, long ns, struct run *r)
{
    long sleeps[64] = {0};
    sleeps[slow] = ns;
    run_jobs(2, 640, sleeps, 64, r);
    assert_int_equal(r->out_of_order, 0);
    assert_int_equal(r->not_run, 0);
}

/* The oldest job outlasts every other one in the window: the submitter
 * waits for it, then hands back all the ones done behind it, in order. */
static void test_slow_oldest(void **state)
{
    (void)state;
    struct run r;
    run_one_slow_in_64(0, 30000000, &r); /* 30 ms, then 63 quick ones */
    assert_int_equal(r.most_in_flight, 32);
}

/* A full window is emptied a batch (half the window) at a time: the
 * submitter sleeps until the oldest 16 jobs are done, not job by job, so it
 * is woken once a batch rather than once a page, and each submission that
 * hands jobs back hands back at least 16. The window fills behind the slow
 * 16th job of every 64. */
static void test_batches(void **state)
{
    (void)state;
    struct run r;
    run_one_slow_in_64(15, 10000000, &r);
    assert_true(r.smallest_batch != SIZE_MAX); /* the window did fill */
    if (r.smallest_batch < 16)
        fail_msg("expected at least 16 jobs handed back at a time, got %zu", r.smallest_batch);
}

/* Without threads every job runs and comes back at its submission. */
static void test_inline(void **state)
{
    (void)state;
    static const long none[] = {0};
    struct run r;
    run_jobs(0, 100, none, 1, &r);
    assert_int_equal(r.out_of_order, 0);
    assert_int_equal(r.off_thread, 0);
    assert_int_equal(r.most_in_flight, 0);
}

/* A pool with nothing submitted finishes and stops. */
static void test_empty(void **state)
{
    (void)state;
    struct run r = {.submitter = pthread_self()};
    struct pool *p = pool_new(4, work, done, &r);
    pool_finish(p);
    pool_free(p);
    pool_free(NULL);
    assert_int_equal(r.handed, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_order_whatever_the_threads),
        cmocka_unit_test(test_slow_oldest),
        cmocka_unit_test(test_batches),
        cmocka_unit_test(test_inline),
        cmocka_unit_test(test_empty),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
