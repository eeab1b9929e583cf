#define _XOPEN_SOURCE 700
#include "fsutil.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

/* Checks that the open fd is a regular file of at most max bytes, giving
 * its size. */
static int check_regular(int fd, const char *path, size_t max, size_t *size, struct diag *d)
{
    struct stat st;
    if (fstat(fd, &st) < 0) {
        diag_error(d, path, 0, 0, "cannot stat: %s", strerror(errno));
        return -1;
    }
    if (!S_ISREG(st.st_mode)) {
        diag_error(d, path, 0, 0, "not a regular file");
        return -1;
    }
    if ((size_t)st.st_size > max) {
        diag_error(d, path, 0, 0, "file too large (%lld bytes, limit %zu)", (long long)st.st_size,
                   max);
        return -1;
    }
    *size = (size_t)st.st_size;
    return 0;
}

/* O_NONBLOCK: opening a FIFO or a device must not wait for a writer;
 * anything but a regular file is refused after the open. */
#define READ_FLAGS (O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY)

int fs_read_file(const char *path, size_t max, char **data, size_t *len, struct diag *d)
{
    int rc = -1;
    char *p = NULL;
    int fd = open(path, READ_FLAGS);
    if (fd < 0) {
        diag_error(d, path, 0, 0, "cannot open: %s", strerror(errno));
        return -1;
    }
    size_t size, got = 0;
    if (check_regular(fd, path, max, &size, d) < 0)
        goto out;
    p = malloc(size + 1);
    if (!p)
        abort();
    while (got < size) {
        ssize_t n = read(fd, p + got, size - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            diag_error(d, path, 0, 0, "read failed: %s", strerror(errno));
            goto out;
        }
        if (n == 0)
            break;
        got += (size_t)n;
    }
    p[got] = '\0';
    *data = p;
    *len = got;
    p = NULL;
    rc = 0;
out:
    free(p);
    close(fd);
    return rc;
}

/* Makes room in b for a read of at least one byte and the NUL after it,
 * growing it up to limit + 1 bytes at most. */
static void buf_room(struct fs_buf *b, size_t got, size_t limit)
{
    if (b->data && b->cap - got >= 2)
        return;
    size_t cap = b->cap < 65536 ? 65536 : b->cap * 2;
    if (cap > limit + 1)
        cap = limit + 1;
    if (cap < got + 2)
        cap = got + 2;
    char *p = realloc(b->data, cap);
    if (!p)
        abort();
    b->data = p;
    b->cap = cap;
}

int fs_read_at(int dirfd, const char *name, const char *path, bool regular, size_t max,
               struct fs_buf *b, size_t *len, struct stat *st, struct diag *d)
{
    int rc = -1, err = 0, fd = openat(dirfd, name, READ_FLAGS);
    if (fd < 0) {
        diag_error(d, path, 0, 0, "cannot open: %s", strerror(errno));
        return -1;
    }
    if (st && fstat(fd, st) < 0) {
        diag_error(d, path, 0, 0, "cannot stat: %s", strerror(errno));
        close(fd);
        return -1;
    }
    /* One byte over max is enough to know a file is too large. */
    size_t size, got = 0, limit = max + 1;
    if (!regular) {
        if (check_regular(fd, path, max, &size, d) < 0)
            goto out;
        limit = size;
    }
    while (got < limit) {
        buf_room(b, got, limit);
        size_t want = b->cap - 1 - got < limit - got ? b->cap - 1 - got : limit - got;
        ssize_t n = read(fd, b->data + got, want);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            err = errno;
            break;
        }
        got += (size_t)n;
        /* A regular file gives fewer bytes than asked only at its end. */
        if (n == 0 || (regular && (size_t)n < want))
            break;
    }
    /* What the listing cannot promise, fstat settles: an empty or failed
     * read may be a FIFO or a directory, and a file over max is reported
     * with its size, as fs_read_file does. */
    if (regular && (err || got == 0 || got > max)) {
        if (check_regular(fd, path, err || got == 0 ? max : (size_t)-1, &size, d) < 0)
            goto out;
        if (got > max) {
            diag_error(d, path, 0, 0, "file too large (%lld bytes, limit %zu)",
                       (long long)(size > got ? size : got), max);
            goto out;
        }
    }
    if (err) {
        diag_error(d, path, 0, 0, "read failed: %s", strerror(err));
        goto out;
    }
    if (!b->data)
        buf_room(b, 0, 1); /* an empty file checked by fstat: room for the NUL */
    b->data[got] = '\0';
    *len = got;
    rc = 0;
out:
    close(fd);
    return rc;
}

static int write_all(int fd, const void *data, size_t len)
{
    const char *p = data;
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

int fs_sync_dir(const char *dir, struct diag *d)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) {
        diag_error(d, dir, 0, 0, "cannot open directory: %s", strerror(errno));
        return -1;
    }
    int rc = fsync(fd);
    if (rc < 0)
        diag_error(d, dir, 0, 0, "fsync failed: %s", strerror(errno));
    close(fd);
    return rc < 0 ? -1 : 0;
}

int fs_write_atomic(const char *path, const void *data, size_t len, mode_t mode, struct diag *d)
{
    int rc = -1, fd = -1;
    char tmp[PATH_MAX], dirbuf[PATH_MAX];
    if (snprintf(tmp, sizeof tmp, "%s.tmp.XXXXXX", path) >= (int)sizeof tmp) {
        diag_error(d, path, 0, 0, "path too long");
        return -1;
    }
    fd = mkstemp(tmp);
    if (fd < 0) {
        diag_error(d, path, 0, 0, "cannot create temporary file: %s", strerror(errno));
        return -1;
    }
    if (fchmod(fd, mode) < 0 || write_all(fd, data, len) < 0 || fsync(fd) < 0) {
        diag_error(d, path, 0, 0, "write failed: %s", strerror(errno));
        goto out;
    }
    if (close(fd) < 0) {
        fd = -1;
        diag_error(d, path, 0, 0, "close failed: %s", strerror(errno));
        goto out;
    }
    fd = -1;
    if (rename(tmp, path) < 0) {
        diag_error(d, path, 0, 0, "rename failed: %s", strerror(errno));
        goto out;
    }
    snprintf(dirbuf, sizeof dirbuf, "%s", path);
    if (fs_sync_dir(dirname(dirbuf), d) < 0)
        return -1;
    return 0;
out:
    if (fd >= 0)
        close(fd);
    unlink(tmp);
    return rc;
}

int fs_write_file(const char *path, const void *data, size_t len, struct diag *d)
{
    struct fs_piece whole = {data, len, 0};
    return fs_write_pieces(path, -1, &whole, 1, d);
}

/* Copies len bytes of from_fd at offset at to the end of to_fd: by
 * copy_file_range, or by reading and writing where the kernel cannot copy
 * between the two files (another file system). 0 when done; -1 with errno,
 * or with errno 0 when the source ends first. */
static int copy_range(int from_fd, off_t at, int to_fd, size_t len)
{
    bool by_kernel = true;
    char chunk[65536];
    while (len > 0) {
        ssize_t n = -1;
        if (by_kernel) {
            n = copy_file_range(from_fd, &at, to_fd, NULL, len, 0);
            /* 0: the source ends, or (some file systems) the kernel would
             * not copy: reading tells which. */
            if (n == 0 || (n < 0 && (errno == EXDEV || errno == EINVAL || errno == ENOSYS ||
                                     errno == EOPNOTSUPP || errno == EPERM))) {
                by_kernel = false;
                continue;
            }
        } else {
            n = pread(from_fd, chunk, len < sizeof chunk ? len : sizeof chunk, at);
            if (n > 0 && write_all(to_fd, chunk, (size_t)n) < 0)
                return -1;
            at += n > 0 ? n : 0;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            if (n == 0)
                errno = 0;
            return -1;
        }
        len -= (size_t)n;
    }
    return 0;
}

#define PIECES_AT_ONCE 1024 /* IOV_MAX on Linux */

/* Writes n pieces of data with as few writev calls as the kernel allows. */
static int write_run(int fd, const struct fs_piece *pieces, size_t n)
{
    struct iovec iov[PIECES_AT_ONCE];
    for (size_t i = 0; i < n; i++)
        iov[i] = (struct iovec){(void *)pieces[i].data, pieces[i].len};
    struct iovec *v = iov;
    for (;;) {
        while (n > 0 && v->iov_len == 0) /* nothing to write there */
            v++, n--;
        if (n == 0)
            return 0;
        ssize_t w = writev(fd, v, (int)n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            if (w == 0) /* no progress on a regular file: give up, do not spin */
                errno = EIO;
            return -1;
        }
        size_t left = (size_t)w; /* a short write: on from where it stopped */
        while (n > 0 && left >= v->iov_len)
            left -= v->iov_len, v++, n--;
        if (n > 0) {
            v->iov_base = (char *)v->iov_base + left;
            v->iov_len -= left;
        }
    }
}

int fs_write_pieces(const char *path, int from_fd, const struct fs_piece *pieces, size_t n,
                    struct diag *d)
{
    return fs_write_pieces_at(AT_FDCWD, path, path, from_fd, pieces, n, d);
}

int fs_write_pieces_at(int dirfd, const char *name, const char *path, int from_fd,
                       const struct fs_piece *pieces, size_t n, struct diag *d)
{
    int fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        diag_error(d, path, 0, 0, "cannot create: %s", strerror(errno));
        return -1;
    }
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0;) {
        const struct fs_piece *p = &pieces[i];
        size_t run = 0; /* pieces of data in a row, written together */
        while (i + run < n && pieces[i + run].data && run < PIECES_AT_ONCE)
            run++;
        rc = run ? write_run(fd, p, run) : copy_range(from_fd, p->from, fd, p->len);
        i += run ? run : 1;
        if (rc < 0)
            diag_error(d, path, 0, 0, "write failed: %s",
                       errno ? strerror(errno)
                             : "the file it copies from is shorter than expected");
    }
    if (close(fd) < 0 && rc == 0) {
        diag_error(d, path, 0, 0, "close failed: %s", strerror(errno));
        rc = -1;
    }
    return rc;
}

int fs_mkdirs(const char *path, mode_t mode, struct diag *d)
{
    char p[PATH_MAX];
    if (snprintf(p, sizeof p, "%s", path) >= (int)sizeof p) {
        diag_error(d, path, 0, 0, "path too long");
        return -1;
    }
    for (char *s = p + 1; *s; s++) {
        if (*s != '/')
            continue;
        *s = '\0';
        if (mkdir(p, mode) < 0 && errno != EEXIST) {
            diag_error(d, p, 0, 0, "cannot create directory: %s", strerror(errno));
            return -1;
        }
        *s = '/';
    }
    if (mkdir(p, mode) < 0 && errno != EEXIST) {
        diag_error(d, p, 0, 0, "cannot create directory: %s", strerror(errno));
        return -1;
    }
    return 0;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

int fs_remove_tree(const char *path, struct diag *d)
{
    struct stat st;
    if (lstat(path, &st) < 0)
        return 0;
    if (nftw(path, remove_entry, 32, FTW_DEPTH | FTW_PHYS) < 0) {
        diag_error(d, path, 0, 0, "cannot remove: %s", strerror(errno));
        return -1;
    }
    return 0;
}

int fs_exists(const char *path)
{
    struct stat st;
    return lstat(path, &st) == 0;
}

int fs_is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

void fs_discard(const char *path)
{
    struct diag ignore = DIAG_INIT;
    fs_remove_tree(path, &ignore);
    diag_free(&ignore);
}
