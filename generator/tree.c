#include "tree.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fsutil.h"

static int fs_read(void *self, const char *path, size_t max, char **data, size_t *len,
                   struct diag *d)
{
    (void)self;
    return fs_read_file(path, max, data, len, d);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

void tree_list_sort(char **names, size_t n)
{
    qsort(names, n, sizeof *names, cmp_str);
}

static char **fs_list(void *self, const char *dir, struct diag *d)
{
    (void)self;
    DIR *dp = opendir(dir);
    if (!dp) {
        if (errno != ENOENT)
            diag_error(d, dir, 0, 0, "cannot read directory: %s", strerror(errno));
        return NULL;
    }
    size_t n = 0, cap = 16;
    char **names = malloc(cap * sizeof *names);
    if (!names)
        abort();
    struct dirent *e;
    while ((e = readdir(dp))) {
        if (e->d_name[0] == '.')
            continue;
        if (n + 1 >= cap) {
            cap *= 2;
            names = realloc(names, cap * sizeof *names);
            if (!names)
                abort();
        }
        if (!(names[n++] = strdup(e->d_name)))
            abort();
    }
    closedir(dp);
    tree_list_sort(names, n);
    names[n] = NULL;
    return names;
}

static enum tree_kind fs_kind(void *self, const char *path)
{
    (void)self;
    struct stat st;
    if (stat(path, &st) < 0)
        return TREE_NONE;
    return S_ISDIR(st.st_mode) ? TREE_DIR : S_ISREG(st.st_mode) ? TREE_FILE : TREE_NONE;
}

static void fs_free(void *self)
{
    (void)self;
}

static const struct tree_ops fs_ops = {fs_read, fs_list, fs_kind, fs_free, 1};

struct tree *tree_fs_new(void)
{
    struct tree *t = malloc(sizeof *t);
    if (!t)
        abort();
    t->ops = &fs_ops;
    t->self = NULL;
    return t;
}

void tree_free(struct tree *t)
{
    if (!t)
        return;
    t->ops->free(t->self);
    free(t);
}

int tree_read(struct tree *t, const char *path, size_t max, char **data, size_t *len,
              struct diag *d)
{
    return t->ops->read(t->self, path, max, data, len, d);
}

char **tree_list(struct tree *t, const char *dir, struct diag *d)
{
    return t->ops->list(t->self, dir, d);
}

enum tree_kind tree_kind(struct tree *t, const char *path)
{
    return t->ops->kind(t->self, path);
}

void tree_list_free(char **names)
{
    for (char **p = names; p && *p; p++)
        free(*p);
    free(names);
}

int tree_concurrent(const struct tree *t)
{
    return t->ops->concurrent;
}
