#include "pool.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <unistd.h>

#include "xalloc.h"

enum slot_state { SLOT_QUEUED, SLOT_RUNNING, SLOT_DONE };

struct slot {
    void *job;
    enum slot_state state;
};

struct pool {
    pool_work_fn work;
    pool_done_fn done;
    void *ctx;
    int nthreads;
    pthread_t *threads;
    pthread_mutex_t lock;
    pthread_cond_t queued;   /* a job to take, or stopping */
    pthread_cond_t finished; /* a job is done */
    struct slot *ring;
    size_t window;
    size_t submitted; /* jobs submitted so far */
    size_t taken;     /* jobs a worker has started */
    size_t handed;    /* jobs handed back (done called) */
    size_t batch;     /* jobs the submitting thread waits for at once */
    size_t awaited;   /* it sleeps until jobs handed .. awaited-1 are done; 0: awake */
    int idle;         /* workers waiting for a job */
    int stopping;
};

struct worker_arg {
    struct pool *p;
    int id;
};

/* True when every job from the oldest not handed back to upto-1 is done.
 * Called with the lock held. */
static bool oldest_done(const struct pool *p, size_t upto)
{
    for (size_t n = p->handed; n < upto; n++)
        if (p->ring[n % p->window].state != SLOT_DONE)
            return false;
    return true;
}

static void *worker(void *arg)
{
    struct worker_arg *a = arg;
    struct pool *p = a->p;
    int id = a->id;
    free(a);
    pthread_mutex_lock(&p->lock);
    for (;;) {
        while (!p->stopping && p->taken == p->submitted) {
            p->idle++;
            pthread_cond_wait(&p->queued, &p->lock);
            p->idle--;
        }
        if (p->taken == p->submitted) /* stopping, nothing left */
            break;
        size_t n = p->taken++;
        struct slot *s = &p->ring[n % p->window];
        s->state = SLOT_RUNNING;
        pthread_mutex_unlock(&p->lock);
        p->work(s->job, id, p->ctx);
        pthread_mutex_lock(&p->lock);
        s->state = SLOT_DONE;
        if (n < p->awaited && oldest_done(p, p->awaited))
            pthread_cond_signal(&p->finished);
    }
    pthread_mutex_unlock(&p->lock);
    return NULL;
}

void pool_run_shares(void *(*fn)(void *), void *args, size_t size, size_t n)
{
    pthread_t *ids = xcalloc(n + 1, sizeof *ids);
    bool *running = xcalloc(n + 1, sizeof *running);
    char *at = args;
    for (size_t t = 1; t < n; t++)
        running[t] = pthread_create(&ids[t], NULL, fn, at + t * size) == 0;
    if (n)
        fn(at);
    for (size_t t = 1; t < n; t++) {
        if (running[t])
            pthread_join(ids[t], NULL);
        else
            fn(at + t * size); /* no thread could be had: here then */
    }
    free(running);
    free(ids);
}

int pool_cpus(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : n > 64 ? 64 : (int)n;
}

struct pool *pool_new(int threads, pool_work_fn work, pool_done_fn done, void *ctx)
{
    struct pool *p = xcalloc(1, sizeof *p);
    p->work = work;
    p->done = done;
    p->ctx = ctx;
    p->window = threads > 0 ? 8 * (size_t)threads + 16 : 1;
    p->batch = p->window / 2;
    p->ring = xcalloc(p->window, sizeof *p->ring);
    pthread_mutex_init(&p->lock, NULL);
    pthread_cond_init(&p->queued, NULL);
    pthread_cond_init(&p->finished, NULL);
    p->threads = xcalloc(threads > 0 ? (size_t)threads : 1, sizeof *p->threads);
    for (int i = 0; i < threads; i++) {
        struct worker_arg *a = xmalloc(sizeof *a);
        a->p = p;
        a->id = i;
        if (pthread_create(&p->threads[p->nthreads], NULL, worker, a) != 0) {
            free(a);
            break; /* fewer threads, or none: jobs then run inline */
        }
        p->nthreads++;
    }
    return p;
}

/* Hands back the oldest jobs, waiting until the oldest `want` of them are
 * done, then every done job in order after them. Called with the lock held.
 * Waiting for a batch rather than for each job wakes this thread once a
 * batch, not once a job: with a job a page, that was a context switch per
 * page (some 10,000 a build). */
static void hand_back(struct pool *p, size_t want)
{
    size_t upto = p->handed + want;
    while (!oldest_done(p, upto)) {
        p->awaited = upto;
        pthread_cond_wait(&p->finished, &p->lock);
    }
    p->awaited = 0;
    while (p->handed < p->submitted && p->ring[p->handed % p->window].state == SLOT_DONE) {
        void *job = p->ring[p->handed % p->window].job;
        p->handed++;
        pthread_mutex_unlock(&p->lock);
        p->done(job, p->ctx);
        pthread_mutex_lock(&p->lock);
    }
}

void pool_submit(struct pool *p, void *job)
{
    if (p->nthreads == 0) {
        p->work(job, 0, p->ctx);
        p->done(job, p->ctx);
        return;
    }
    pthread_mutex_lock(&p->lock);
    if (p->submitted - p->handed == p->window)
        hand_back(p, p->batch);
    struct slot *s = &p->ring[p->submitted++ % p->window];
    s->job = job;
    s->state = SLOT_QUEUED;
    if (p->idle)
        pthread_cond_signal(&p->queued);
    pthread_mutex_unlock(&p->lock);
}

void pool_finish(struct pool *p)
{
    pthread_mutex_lock(&p->lock);
    while (p->handed < p->submitted)
        hand_back(p, p->submitted - p->handed);
    pthread_mutex_unlock(&p->lock);
}

void pool_free(struct pool *p)
{
    if (!p)
        return;
    pool_finish(p);
    pthread_mutex_lock(&p->lock);
    p->stopping = 1;
    pthread_cond_broadcast(&p->queued);
    pthread_mutex_unlock(&p->lock);
    for (int i = 0; i < p->nthreads; i++)
        pthread_join(p->threads[i], NULL);
    pthread_mutex_destroy(&p->lock);
    pthread_cond_destroy(&p->queued);
    pthread_cond_destroy(&p->finished);
    free(p->threads);
    free(p->ring);
    free(p);
}
