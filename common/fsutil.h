/* fsutil: whole-file reads, durable atomic writes and directory helpers.
 * All return 0 on success, -1 on failure with a message added to d naming
 * the path and the system error. */
#ifndef PEERKIT_FSUTIL_H
#define PEERKIT_FSUTIL_H

#include <stdbool.h>
#include <sys/stat.h>
#include <stddef.h>
#include <sys/types.h>

#include "diag.h"

/* Reads the whole file; *data (caller frees) is NUL-terminated. Refuses
 * files larger than max bytes, and anything but a regular file (a FIFO, a
 * device, a directory) without waiting on it. */
int fs_read_file(const char *path, size_t max, char **data, size_t *len, struct diag *d);
/* A read buffer kept from file to file (one per thread), so that reading
 * many files costs no allocation once it has grown to the largest. Starts
 * zeroed; the caller frees data. */
struct fs_buf {
    char *data;
    size_t cap;
};
/* Reads the file name in directory dirfd (or AT_FDCWD) into b->data,
 * NUL-terminated, *len bytes; path names it in messages. Refuses what
 * fs_read_file refuses, with the same messages. regular: a directory
 * listing said name is a regular file; then the file costs an open, one
 * read and a close, and fstat is only asked when the read looks wrong (empty,
 * failed, or over max). Without it, it is checked first, as fs_read_file
 * does. st, when not NULL, gets the file's identity as it was opened, before
 * a byte was read (one fstat of the open file: cheaper than a stat by name
 * before the read). */
int fs_read_at(int dirfd, const char *name, const char *path, bool regular, size_t max,
               struct fs_buf *b, size_t *len, struct stat *st, struct diag *d);
/* Writes data to path through a temporary file in the same directory:
 * write, fsync, rename, fsync the directory. The file never exists half-written. */
int fs_write_atomic(const char *path, const void *data, size_t len, mode_t mode, struct diag *d);
/* Writes data to a new file at path without the rename dance (for files
 * inside a fresh temporary directory that is itself renamed into place). */
int fs_write_file(const char *path, const void *data, size_t len, struct diag *d);
/* A piece of a file written by fs_write_pieces: len bytes at data, or, with
 * data NULL, len bytes of the source file from offset from. */
struct fs_piece {
    const char *data;
    size_t len;
    off_t from;
};
/* Writes a new file at path (as fs_write_file does) made of the pieces in
 * order, copying those of the source file (from_fd) in the kernel: a long
 * file of which a little changed is not read into memory. A source shorter
 * than a piece asks is an error. */
int fs_write_pieces(const char *path, int from_fd, const struct fs_piece *pieces, size_t n,
                    struct diag *d);
/* The same for name relative to the directory dirfd (no walk from the root
 * for each of a site's 10,000 files); path names it in messages. */
int fs_write_pieces_at(int dirfd, const char *name, const char *path, int from_fd,
                       const struct fs_piece *pieces, size_t n, struct diag *d);
/* mkdir -p */
int fs_mkdirs(const char *path, mode_t mode, struct diag *d);
/* rm -rf; a missing path is not an error. Does not follow symbolic links. */
int fs_remove_tree(const char *path, struct diag *d);
/* rm -rf of a temporary directory on a way out, where a failure to remove
 * it has nothing left to report to. */
void fs_discard(const char *path);
/* fsync a directory so that a rename inside it is durable. */
int fs_sync_dir(const char *dir, struct diag *d);
/* 1 if path exists (any type), else 0. */
int fs_exists(const char *path);
/* 1 if path is a directory. */
int fs_is_dir(const char *path);

#endif
