/* tree: a read-only view of the files a build reads (content and theme).
 *
 * The build reads through a tree so that the same code builds from the
 * working directory or, with `--ref`, from a commit's tree through libgit2
 * (gitinfo.c provides that backend). Paths are given as the user wrote them
 * ("content/faq/x.md"); a backend maps them to what it holds. */
#ifndef PEERKIT_TREE_H
#define PEERKIT_TREE_H

#include <sys/stat.h>
#include <stddef.h>

#include "diag.h"

enum tree_kind { TREE_NONE, TREE_FILE, TREE_DIR };

struct tree_dir;
struct fs_buf;

struct tree_ops {
    /* Whole file, NUL-terminated (caller frees *data); -1 with an error in d. */
    int (*read)(void *self, const char *path, size_t max, char **data, size_t *len, struct diag *d);
    /* Sorted names of the entries of dir (files and directories, no names
     * starting with '.'), NULL-terminated; caller frees with tree_list_free.
     * NULL if dir cannot be listed (errno-style reason in d if it exists). */
    char **(*list)(void *self, const char *dir, struct diag *d);
    enum tree_kind (*kind)(void *self, const char *path);
    /* Optional (NULL: list and read by path): lists dir into td (names,
     * regular) and keeps what read_in needs; -1 as list returns NULL. */
    int (*open_dir)(void *self, const char *dir, const char *suffix, struct tree_dir *td,
                    struct diag *d);
    /* Reads entry i of td into b (NUL-terminated, *len bytes); path names
     * it in messages; st (or NULL) gets its identity as it was opened. */
    int (*read_in)(void *self, struct tree_dir *td, size_t i, const char *path, size_t max,
                   struct fs_buf *b, size_t *len, struct stat *st, struct diag *d);
    void (*close_dir)(void *self, struct tree_dir *td);
    void (*free)(void *self);
    int concurrent; /* 1: read, list and kind may be called from several threads */
};

struct tree_ahead; /* directories listed ahead (tree_dir_prefetch) */

struct tree {
    const struct tree_ops *ops;
    void *self;
    struct tree_ahead *ahead;
};

/* The working directory (plain files). Never fails. */
struct tree *tree_fs_new(void);
void tree_free(struct tree *t);

int tree_read(struct tree *t, const char *path, size_t max, char **data, size_t *len,
              struct diag *d);
char **tree_list(struct tree *t, const char *dir, struct diag *d);
enum tree_kind tree_kind(struct tree *t, const char *path);
void tree_list_free(char **names);
/* A directory listed once and then read entry by entry, possibly from
 * several threads: the file system reads each entry relative to the open
 * directory, trusting the listing that it is a regular file (an open, a
 * read and a close per file). names are sorted as tree_list sorts them. */
struct tree_dir {
    struct tree *t;
    char *dir;
    char **names; /* n names, then NULL */
    size_t n;
    unsigned char *regular; /* per name: 1 when the listing says a regular file */
    void *state;            /* the backend's (the open directory) */
    char *block;            /* the names' storage when they share one */
    /* The other entries (not hidden, without the suffix), sorted, so a
     * caller can say which it leaves out; each "/"-ended when a folder. */
    char **others;
    size_t nothers;
};

/* The listed directory's descriptor, for fstatat; -1 when the tree is not
 * the file system (a git tree). */
int tree_dir_fd(const struct tree_dir *td);

/* Lists dir, keeping the names that end with suffix (all if NULL); NULL
 * when dir cannot be listed, as tree_list. Free with tree_dir_free. */
struct tree_dir *tree_dir_open(struct tree *t, const char *dir, const char *suffix, struct diag *d);
/* Reads entry i into b (see struct fs_buf: one per thread, caller frees
 * b->data); path (dir/name, as the caller shows it) names it in messages,
 * which are tree_read's. st, when not NULL, gets the file's identity as it
 * was opened, before it was read: only from a tree whose directories have
 * a descriptor (tree_dir_fd >= 0); from another, it is zeroed. */
int tree_dir_read(struct tree_dir *td, size_t i, const char *path, size_t max, struct fs_buf *b,
                  size_t *len, struct stat *st, struct diag *d);
void tree_dir_free(struct tree_dir *td);
/* Lists dir as tree_dir_open would (its messages kept for then), for the
 * next tree_dir_open of dir with suffix to take as it is: a listing made
 * ahead, while another thread does something else, or on one that must be
 * joined before the tree is used again (one listing at a time is made
 * ahead for a tree). The listing is as dir was then: a folder that appears
 * between the two is not seen until the next build. Returns the listing
 * (NULL when dir could not be listed), to be read, not kept: it is
 * tree_dir_open's to take. */
const struct tree_dir *tree_dir_prefetch(struct tree *t, const char *dir, const char *suffix);
/* The same for n directories, listed at once on n threads when the tree
 * allows it (tree_concurrent); listed[i] gets dirs[i]'s listing. */
void tree_dir_prefetch_all(struct tree *t, const char *const *dirs, size_t n, const char *suffix,
                           const struct tree_dir **listed);
/* 1 when several threads may read t at once (the file system; not a commit). */
int tree_concurrent(const struct tree *t);
/* Sorts a NULL-terminated name array in byte order (for backends). */
void tree_list_sort(char **names, size_t n);

#endif
