/* write_tree: the floor `make bench-site` measures the generators against.
 * Reads every folder and file of a built site into memory, then writes the
 * same tree under a new directory, nothing else: a mkdir for each folder
 * (a level at a time, so a parent is there before its children), then an
 * open, a write and a close for each file, on one thread per CPU as the
 * generators write. Prints the seconds the writing took. No generator that
 * writes this output can take less: what it pays beyond this is its own.
 *
 *   write_tree SITE NEWDIR
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <ftw.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

struct entry {
    char *rel; /* from the site's root, with its leading '/' */
    char *data;
    size_t len;
    int depth; /* folders: how many '/' in rel; files: 0 */
};

static struct entry *entries;
static size_t nentries, cap;
static size_t root_len;
static const char *out_dir;
static long nthreads;
static int level; /* the folder depth being made, or 0: the files */

static void *xrealloc_or_die(void *p, size_t n)
{
    p = realloc(p, n);
    if (!p) {
        fputs("write_tree: out of memory\n", stderr);
        exit(1);
    }
    return p;
}

static int depth_of(const char *rel)
{
    int d = 0;
    for (; *rel; rel++)
        d += *rel == '/';
    return d;
}

static int load(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
    if (ftw->level == 0)
        return 0;
    if (type != FTW_F && type != FTW_D) {
        fprintf(stderr, "write_tree: %s: neither a folder nor a file\n", path);
        return -1;
    }
    if (nentries == cap) {
        cap = cap ? 2 * cap : 4096;
        entries = xrealloc_or_die(entries, cap * sizeof *entries);
    }
    struct entry *e = &entries[nentries++];
    *e = (struct entry){.rel = strdup(path + root_len)};
    if (!e->rel)
        return -1;
    if (type == FTW_D) {
        e->depth = depth_of(e->rel);
        return 0;
    }
    e->len = (size_t)st->st_size;
    e->data = xrealloc_or_die(NULL, e->len ? e->len : 1);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    ssize_t got = fd < 0 ? -1 : read(fd, e->data, e->len);
    if (fd >= 0)
        close(fd);
    if (got != (ssize_t)e->len) {
        fprintf(stderr, "write_tree: %s: could not read it whole\n", path);
        return -1;
    }
    return 0;
}

static void fail(const char *what, const char *path)
{
    fprintf(stderr, "write_tree: %s %s: %s\n", what, path, strerror(errno));
    exit(1);
}

/* One thread's share: every nthreads-th entry of the kind being written. */
static void *write_share(void *arg)
{
    long me = (long)arg, seen = 0;
    char path[PATH_MAX];
    for (size_t i = 0; i < nentries; i++) {
        const struct entry *e = &entries[i];
        bool folder = e->depth > 0;
        if (level ? e->depth != level : folder)
            continue;
        if (seen++ % nthreads != me)
            continue;
        snprintf(path, sizeof path, "%s%s", out_dir, e->rel);
        if (folder) {
            if (mkdir(path, 0755) < 0)
                fail("mkdir", path);
            continue;
        }
        int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        if (fd < 0)
            fail("open", path);
        if (write(fd, e->data, e->len) != (ssize_t)e->len)
            fail("write", path);
        if (close(fd) < 0)
            fail("close", path);
    }
    return NULL;
}

static void run_threads(void)
{
    pthread_t *t = xrealloc_or_die(NULL, (size_t)nthreads * sizeof *t);
    for (long k = 0; k < nthreads; k++)
        if (pthread_create(&t[k], NULL, write_share, (void *)k)) {
            fputs("write_tree: could not start a thread\n", stderr);
            exit(1);
        }
    for (long k = 0; k < nthreads; k++)
        pthread_join(t[k], NULL);
    free(t);
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fputs("usage: write_tree SITE NEWDIR\n", stderr);
        return 2;
    }
    root_len = strlen(argv[1]);
    out_dir = argv[2];
    if (nftw(argv[1], load, 64, FTW_PHYS) != 0) {
        fprintf(stderr, "write_tree: %s: could not read the site\n", argv[1]);
        return 1;
    }
    nthreads = sysconf(_SC_NPROCESSORS_ONLN);
    if (nthreads < 1)
        nthreads = 1;
    int deepest = 0;
    for (size_t i = 0; i < nentries; i++)
        if (entries[i].depth > deepest)
            deepest = entries[i].depth;

    double start = now();
    if (mkdir(out_dir, 0755) < 0)
        fail("mkdir", out_dir);
    for (level = 1; level <= deepest; level++)
        run_threads();
    level = 0;
    run_threads();
    printf("%.3f\n", now() - start);

    for (size_t i = 0; i < nentries; i++) {
        free(entries[i].rel);
        free(entries[i].data);
    }
    free(entries);
    return 0;
}
