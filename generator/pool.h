/* pool: runs a build's page jobs on worker threads and hands each finished
 * job back to the submitting thread in the order it was submitted, so what a
 * build records (links to check, errors) and writes is the same whatever the
 * number of threads: output is byte-identical to a one-thread build.
 *
 * At most a window of jobs is in flight; submitting beyond it first hands
 * back the oldest half of the window, once all of them are done (one wake-up
 * a batch, not one a job). With zero threads every job runs inline, at
 * submission. */
#ifndef PEERKIT_POOL_H
#define PEERKIT_POOL_H

#include <stddef.h>

/* Runs on a worker thread (or inline); worker is 0 .. threads-1 (0 inline),
 * for per-worker resources. */
typedef void (*pool_work_fn)(void *job, int worker, void *ctx);
/* Runs on the submitting thread, in submission order, once the job is done. */
typedef void (*pool_done_fn)(void *job, void *ctx);

struct pool;

struct pool *pool_new(int threads, pool_work_fn work, pool_done_fn done, void *ctx);
void pool_submit(struct pool *p, void *job);
/* Waits for every job and hands it back. */
void pool_finish(struct pool *p);
/* Finishes, then stops the threads; NULL-safe. */
void pool_free(struct pool *p);

/* Worker threads for this machine: its online CPUs (at least 1). */
int pool_cpus(void);

/* Runs fn on each of n blocks of size bytes at args: the first on this
 * thread, the others each on a thread of its own (or here, when no thread
 * can be had), and returns once all are done. For work split in shares up
 * front, where the pool's ordered jobs are not needed. */
void pool_run_shares(void *(*fn)(void *), void *args, size_t size, size_t n);

#endif
