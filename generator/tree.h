/* tree: a read-only view of the files a build reads (content and theme).
 *
 * The build reads through a tree so that the same code builds from the
 * working directory or, with `--ref`, from a commit's tree through libgit2
 * (gitinfo.c provides that backend). Paths are given as the user wrote them
 * ("content/faq/x.md"); a backend maps them to what it holds. */
#ifndef PEERKIT_TREE_H
#define PEERKIT_TREE_H

#include <stddef.h>

#include "diag.h"

enum tree_kind { TREE_NONE, TREE_FILE, TREE_DIR };

struct tree_ops {
    /* Whole file, NUL-terminated (caller frees *data); -1 with an error in d. */
    int (*read)(void *self, const char *path, size_t max, char **data, size_t *len, struct diag *d);
    /* Sorted names of the entries of dir (files and directories, no names
     * starting with '.'), NULL-terminated; caller frees with tree_list_free.
     * NULL if dir cannot be listed (errno-style reason in d if it exists). */
    char **(*list)(void *self, const char *dir, struct diag *d);
    enum tree_kind (*kind)(void *self, const char *path);
    void (*free)(void *self);
    int concurrent; /* 1: read, list and kind may be called from several threads */
};

struct tree {
    const struct tree_ops *ops;
    void *self;
};

/* The working directory (plain files). Never fails. */
struct tree *tree_fs_new(void);
void tree_free(struct tree *t);

int tree_read(struct tree *t, const char *path, size_t max, char **data, size_t *len,
              struct diag *d);
char **tree_list(struct tree *t, const char *dir, struct diag *d);
enum tree_kind tree_kind(struct tree *t, const char *path);
void tree_list_free(char **names);
/* 1 when several threads may read t at once (the file system; not a commit). */
int tree_concurrent(const struct tree *t);
/* Sorts a NULL-terminated name array in byte order (for backends). */
void tree_list_sort(char **names, size_t n);

#endif
