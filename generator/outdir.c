#include "outdir.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <libgen.h>
#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fsutil.h"
#include "reuse.h"
#include "xalloc.h"

/* Where an in-place rebuild's changed files wait, inside the site. */
#define STAGING REUSE_FILE ".staging-"

/* A file of an in-place rebuild, written aside until the commit. */
struct pending {
    char *rel;    /* its place in the site */
    char *staged; /* where it waits, in the staging directory; NULL once in place */
};

struct outdir {
    char *out;            /* the final directory; NULL for a check */
    char *tmp;            /* where this build writes (in place: where changed
                           * files wait); NULL once committed */
    int tmp_fd;           /* tmp, opened once: files are made relative to it */
    json_t *dirs;         /* directories created in tmp so far */
    pthread_mutex_t lock; /* pages are written from several threads */
    bool in_place;        /* outdir_open_in_place: writes wait in pending */
    size_t written;       /* files written */
    struct pending *pending;
    size_t npending, cappending;
};

/* A directory we may replace: absent, empty, or a previous peersite output. */
static int replaceable(const char *out, struct diag *d)
{
    if (!fs_exists(out))
        return 0;
    if (!fs_is_dir(out)) {
        diag_error(d, out, 0, 0, "exists and is not a directory; refusing to replace it");
        return -1;
    }
    char *schema = xasprintf("%s/request-schema.json", out);
    char *sitemap = xasprintf("%s/sitemap.xml", out);
    bool ours = fs_exists(schema) && fs_exists(sitemap);
    free(schema);
    free(sitemap);
    if (ours)
        return 0;
    int empty = 1;
    DIR *dp = opendir(out);
    struct dirent *e;
    while (dp && (e = readdir(dp)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
            empty = 0;
    if (dp)
        closedir(dp);
    if (!empty) {
        diag_error(d, out, 0, 0,
                   "exists and is not a site built by peersite; refusing to "
                   "replace it (remove it or choose another --out)");
        return -1;
    }
    return 0;
}

/* ".site.tmp-XXXXXX" next to out, so the final rename stays on one file system. */
static char *make_tmp_dir(const char *out, struct diag *d)
{
    char *copy = xstrdup(out), *copy2 = xstrdup(out), *tmp = NULL;
    const char *parent = dirname(copy), *base = basename(copy2);
    if (fs_mkdirs(parent, 0755, d) < 0)
        goto out;
    tmp = xasprintf("%s/.%s.tmp-XXXXXX", parent, base);
    if (!mkdtemp(tmp)) {
        diag_error(d, parent, 0, 0, "cannot create a temporary directory: %s", strerror(errno));
        free(tmp);
        tmp = NULL;
    }
out:
    free(copy);
    free(copy2);
    return tmp;
}

int outdir_open(const char *out, struct outdir **od, struct diag *d)
{
    *od = NULL;
    if (out && replaceable(out, d) < 0)
        return -1;
    char *tmp;
    if (out) {
        tmp = make_tmp_dir(out, d);
    } else {
        tmp = xstrdup("/tmp/peersite-check-XXXXXX");
        if (!mkdtemp(tmp)) {
            diag_error(d, "/tmp", 0, 0, "cannot create a temporary directory: %s", strerror(errno));
            free(tmp);
            tmp = NULL;
        }
    }
    if (!tmp)
        return -1;
    struct outdir *o = xcalloc(1, sizeof *o);
    o->out = out ? xstrdup(out) : NULL;
    o->tmp = tmp;
    o->tmp_fd = open(tmp, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (o->tmp_fd < 0) {
        diag_error(d, tmp, 0, 0, "cannot open: %s", strerror(errno));
        fs_discard(tmp);
        free(tmp);
        free(o->out);
        free(o);
        return -1;
    }
    o->dirs = json_object();
    pthread_mutex_init(&o->lock, NULL);
    *od = o;
    return 0;
}

/* Removes the entries of dir named prefix and six more characters, when
 * they are directories. */
static void clear_dirs(const char *dir, const char *prefix)
{
    size_t plen = strlen(prefix);
    DIR *dp = opendir(dir);
    struct dirent *e;
    while (dp && (e = readdir(dp))) {
        if (strncmp(e->d_name, prefix, plen) || strlen(e->d_name) != plen + 6)
            continue;
        char *path = xasprintf("%s/%s", dir, e->d_name);
        struct stat st;
        if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode))
            fs_discard(path);
        free(path);
    }
    if (dp)
        closedir(dp);
}

/* Removes what builds into out left when they were killed: a full build's
 * ".NAME.tmp-XXXXXX" beside it, an in-place one's staging directory inside
 * it. With out locked, none is in use. */
static void clear_stale(const char *out)
{
    clear_dirs(out, STAGING);
    char *copy = xstrdup(out), *copy2 = xstrdup(out);
    const char *parent = dirname(copy), *base = basename(copy2);
    char *prefix = xasprintf(".%s.tmp-", base);
    clear_dirs(parent, prefix);
    free(prefix);
    free(copy);
    free(copy2);
}

int outdir_lock(const char *out, int *fd, struct diag *d)
{
    *fd = open(out, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (*fd < 0)
        return 0; /* nothing there yet: the first build's rename settles it */
    if (flock(*fd, LOCK_EX | LOCK_NB) < 0) {
        if (errno == EWOULDBLOCK)
            diag_error(d, out, 0, 0,
                       "another peersite build is writing this directory; run it again "
                       "when that one has finished");
        else
            diag_error(d, out, 0, 0, "cannot lock: %s", strerror(errno));
        close(*fd);
        *fd = -1;
        return -1;
    }
    clear_stale(out);
    return 0;
}

int outdir_open_in_place(const char *out, struct outdir **od, struct diag *d)
{
    *od = NULL;
    if (!fs_is_dir(out)) {
        diag_error(d, out, 0, 0, "not a directory");
        return -1;
    }
    /* Changed files wait in a hidden directory at the top of the site: on
     * its file system (the renames cannot cross one, even when out is a
     * link), where its owner may write, and never served or published
     * (".peersite-cache" is the record's prefix). What a killed build
     * leaves there goes with the next one (outdir_lock). */
    char *tmp = xasprintf("%s/%s", out, STAGING "XXXXXX");
    if (!mkdtemp(tmp)) {
        diag_error(d, out, 0, 0, "cannot create a staging directory: %s", strerror(errno));
        free(tmp);
        return -1;
    }
    struct outdir *o = xcalloc(1, sizeof *o);
    o->out = xstrdup(out);
    o->tmp = tmp;
    o->tmp_fd = -1; /* in place, changed files wait there by number */
    o->in_place = true;
    o->dirs = json_object();
    pthread_mutex_init(&o->lock, NULL);
    *od = o;
    return 0;
}

/* Creates the directories of rel that this build has not created yet. The
 * output starts empty, so remembering what we made saves a failing mkdir per
 * page, which costs on a slow file system. The lock covers only the record:
 * two threads may both make a new directory, and one of them is told EEXIST. */
static bool made(struct outdir *o, const char *dir)
{
    pthread_mutex_lock(&o->lock);
    bool known = json_object_get(o->dirs, dir) != NULL;
    pthread_mutex_unlock(&o->lock);
    return known;
}

static int make_parents(struct outdir *o, const char *rel, struct diag *d)
{
    const char *slash = strrchr(rel, '/');
    if (!slash)
        return 0;
    char *dir = xstrndup(rel, (size_t)(slash - rel));
    int rc = 0;
    if (!made(o, dir)) {
        rc = make_parents(o, dir, d);
        if (rc == 0 && mkdirat(o->tmp_fd, dir, 0755) < 0 && errno != EEXIST) {
            char path[PATH_MAX];
            snprintf(path, sizeof path, "%s/%s", o->tmp, dir);
            diag_error(d, path, 0, 0, "cannot create directory: %s", strerror(errno));
            rc = -1;
        }
        if (rc == 0) {
            pthread_mutex_lock(&o->lock);
            json_object_set_new(o->dirs, dir, json_true());
            pthread_mutex_unlock(&o->lock);
        }
    }
    free(dir);
    return rc;
}

/* Writes rel's new bytes into the staging directory, to be renamed into
 * place by the commit. */
static int stage_pieces(struct outdir *o, const char *rel, int from_fd,
                        const struct fs_piece *pieces, size_t npieces, struct diag *d)
{
    pthread_mutex_lock(&o->lock);
    if (o->npending == o->cappending)
        o->pending = xrealloc(o->pending, (o->cappending = o->cappending ? 2 * o->cappending : 64) *
                                              sizeof *o->pending);
    size_t n = o->npending++;
    o->pending[n] = (struct pending){xstrdup(rel), NULL};
    pthread_mutex_unlock(&o->lock);
    char *staged = xasprintf("%s/%zu", o->tmp, n);
    if (fs_write_pieces(staged, from_fd, pieces, npieces, d) < 0) {
        unlink(staged);
        free(staged);
        return -1;
    }
    pthread_mutex_lock(&o->lock);
    o->pending[n].staged = staged;
    pthread_mutex_unlock(&o->lock);
    return 0;
}

/* 1 when path holds exactly the pieces (data only), one after another. */
static int same_bytes(const char *path, const struct fs_piece *pieces, size_t npieces)
{
    size_t len = 0;
    for (size_t i = 0; i < npieces; i++)
        len += pieces[i].len;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
    if (fd < 0)
        return 0;
    struct stat st;
    int same = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && (size_t)st.st_size == len;
    char chunk[65536];
    size_t piece = 0, in_piece = 0; /* where the next byte read is in the pieces */
    for (size_t at = 0; same && at < len;) {
        size_t want = len - at < sizeof chunk ? len - at : sizeof chunk;
        ssize_t n = read(fd, chunk, want);
        if (n < 0 && errno == EINTR)
            continue;
        same = n > 0;
        for (size_t done = 0; same && done < (size_t)n;) {
            if (in_piece == pieces[piece].len) {
                piece++;
                in_piece = 0;
                continue;
            }
            size_t k = pieces[piece].len - in_piece;
            if (k > (size_t)n - done)
                k = (size_t)n - done;
            same = !memcmp(chunk + done, pieces[piece].data + in_piece, k);
            done += k;
            in_piece += k;
        }
        at += n > 0 ? (size_t)n : 0;
    }
    close(fd);
    return same;
}

/* 1 when rel can be replaced in place: every directory on its way is a
 * directory (not a link, which could lead out of the site) and the file is
 * absent or a regular file. */
static int plain_path(const char *out, const char *rel, struct diag *d)
{
    char *path = xasprintf("%s/%s", out, rel);
    size_t base = strlen(out) + 1;
    int ok = 1;
    for (char *p = path + base; ok && (p = strchr(p, '/')); p++) {
        *p = '\0';
        struct stat st;
        ok = lstat(path, &st) == 0 && S_ISDIR(st.st_mode);
        if (!ok)
            diag_error(d, path, 0, 0,
                       "not a directory of the site (a link?); build into an empty --out");
        *p = '/';
    }
    struct stat st;
    if (ok && lstat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
        diag_error(d, path, 0, 0, "not a file of the site; build into an empty --out");
        ok = 0;
    }
    free(path);
    return ok;
}

/* In place: rel's bytes, written into the staging directory (as a new
 * file of a cold build is: 0644 less the umask) when they differ from the
 * file there. Done on the thread that made them, so only the renames are
 * left for the commit, and nothing is held in memory until then (a rebuild
 * renders many files it then leaves as they are: the search index's
 * shards, say). */
static int stage(struct outdir *o, const char *rel, const struct fs_piece *pieces, size_t n,
                 struct diag *d)
{
    if (!plain_path(o->out, rel, d))
        return -1;
    char *path = xasprintf("%s/%s", o->out, rel);
    /* The record is removed before the first rename: always written. */
    int same = strcmp(rel, REUSE_FILE) && same_bytes(path, pieces, n);
    free(path);
    if (same)
        return 0;
    return stage_pieces(o, rel, -1, pieces, n, d);
}

int outdir_splice(struct outdir *o, const char *rel, int from_fd, const struct fs_piece *pieces,
                  size_t n, struct diag *d)
{
    if (!o->in_place) {
        diag_error(d, rel, 0, 0, "a file can be spliced only in place (internal error)");
        return -1;
    }
    return plain_path(o->out, rel, d) ? stage_pieces(o, rel, from_fd, pieces, n, d) : -1;
}

/* Each file costs open, write and close, and a mkdir when it is the first in
 * its directory (every page has one of its own: "faq/index.html"). Nothing
 * is read back or stat'ed. In place, the file there is read once to compare. */
int outdir_write(struct outdir *o, const char *rel, const void *data, size_t len, struct diag *d)
{
    struct fs_piece whole = {data, len, 0};
    return outdir_write_pieces(o, rel, &whole, 1, d);
}

int outdir_write_pieces(struct outdir *o, const char *rel, const struct fs_piece *pieces, size_t n,
                        struct diag *d)
{
    if (o->in_place)
        return stage(o, rel, pieces, n, d);
    if (make_parents(o, rel, d) < 0)
        return -1;
    char path[PATH_MAX]; /* for messages */
    snprintf(path, sizeof path, "%s/%s", o->tmp, rel);
    int rc = fs_write_pieces_at(o->tmp_fd, rel, path, -1, pieces, n, d);
    if (rc == 0) {
        pthread_mutex_lock(&o->lock);
        o->written++;
        pthread_mutex_unlock(&o->lock);
    }
    return rc;
}

/* The record's files (reuse.h) are not the site's. */
static bool is_record(const char *rel)
{
    return !strncmp(rel, REUSE_FILE, strlen(REUSE_FILE));
}

/* Moves a staged file to its place (making its directory if the last
 * build had none there). */
static int put_in_place(struct outdir *o, struct pending *p, struct diag *d)
{
    char *path = xasprintf("%s/%s", o->out, p->rel);
    int rc = rename(p->staged, path);
    if (rc < 0 && errno == ENOENT) {
        char *dir = xstrdup(path);
        if (fs_mkdirs(dirname(dir), 0755, d) == 0)
            rc = rename(p->staged, path);
        free(dir);
    }
    if (rc < 0)
        diag_error(d, path, 0, 0, "cannot replace: %s", strerror(errno));
    else {
        free(p->staged);
        p->staged = NULL;
        o->written += !is_record(p->rel); /* the site's files */
    }
    free(path);
    return rc;
}

/* Every changed file was written aside as it was made; only now, when all
 * are written, are they renamed over the old ones, so a full disk, or a file
 * that cannot be written, changes nothing of the site. The record goes
 * first and comes back last. */
static int commit_in_place(struct outdir *o, struct diag *d)
{
    char *record = xasprintf("%s/%s", o->out, REUSE_FILE);
    int gone = unlink(record) == 0 || errno == ENOENT;
    if (!gone)
        diag_error(d, record, 0, 0, "cannot remove: %s", strerror(errno));
    free(record);
    if (!gone || fs_sync_dir(o->out, d) < 0)
        return -1;
    struct pending *last = NULL;
    int rc = 0;
    for (size_t i = 0; i < o->npending && rc == 0; i++) {
        if (!strcmp(o->pending[i].rel, REUSE_FILE))
            last = &o->pending[i];
        else
            rc = put_in_place(o, &o->pending[i], d);
    }
    if (rc == 0 && last)
        rc = put_in_place(o, last, d);
    if (rc == 0) {
        fs_discard(o->tmp);
        free(o->tmp);
        o->tmp = NULL;
    }
    return rc < 0 ? -1 : fs_sync_dir(o->out, d);
}

int outdir_commit(struct outdir *o, struct diag *d)
{
    if (!o->out)
        return 0;
    if (o->in_place)
        return commit_in_place(o, d);
    close(o->tmp_fd); /* nothing more is written */
    o->tmp_fd = -1;
    if (chmod(o->tmp, 0755) < 0) {
        diag_error(d, o->tmp, 0, 0, "chmod failed: %s", strerror(errno));
        return -1;
    }
    if (fs_exists(o->out)) {
        if (renameat2(AT_FDCWD, o->tmp, AT_FDCWD, o->out, RENAME_EXCHANGE) < 0) {
            diag_error(d, o->out, 0, 0, "cannot replace the site: %s", strerror(errno));
            return -1;
        }
        /* tmp now holds the previous site. */
        if (fs_remove_tree(o->tmp, d) < 0)
            return -1;
    } else if (rename(o->tmp, o->out) < 0) {
        diag_error(d, o->out, 0, 0, "cannot move the site into place: %s", strerror(errno));
        return -1;
    }
    free(o->tmp);
    o->tmp = NULL;
    char *copy = xstrdup(o->out);
    int rc = fs_sync_dir(dirname(copy), d);
    free(copy);
    return rc;
}

const char *outdir_path(const struct outdir *o)
{
    return o->in_place ? o->out : o->tmp;
}

size_t outdir_changed(const struct outdir *o)
{
    return o ? o->written : 0;
}

void outdir_free(struct outdir *o)
{
    if (!o)
        return;
    if (o->tmp_fd >= 0)
        close(o->tmp_fd);
    if (o->tmp) {
        fs_discard(o->tmp);
    }
    free(o->tmp);
    free(o->out);
    for (size_t i = 0; i < o->npending; i++) {
        free(o->pending[i].rel);
        free(o->pending[i].staged);
    }
    free(o->pending);
    json_decref(o->dirs);
    pthread_mutex_destroy(&o->lock);
    free(o);
}
