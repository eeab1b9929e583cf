#include "gittree.h"

#include <git2.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

struct gtree {
    struct gitinfo *g;
    git_tree *root;
    struct tree *outside; /* the file system, for paths outside the repository */
};

/* 1 when path lies outside the work tree: read from the file system (a theme
 * installed elsewhere is not part of the commit being built). */
static int outside(struct gtree *t, const char *path)
{
    char *rp = gitinfo_repo_path(t->g, path);
    int out = rp == NULL;
    free(rp);
    return out;
}

/* The entry at a build path, or NULL (also for paths outside the repo). */
static git_tree_entry *entry_at(struct gtree *t, const char *path, int *is_root)
{
    char *rp = gitinfo_repo_path(t->g, path);
    git_tree_entry *e = NULL;
    *is_root = rp && !*rp;
    if (rp && *rp && git_tree_entry_bypath(&e, t->root, rp) < 0)
        e = NULL;
    free(rp);
    return e;
}

static int gt_read(void *self, const char *path, size_t max, char **data, size_t *len,
                   struct diag *d)
{
    struct gtree *t = self;
    if (outside(t, path))
        return tree_read(t->outside, path, max, data, len, d);
    int is_root, rc = -1;
    git_blob *blob = NULL;
    git_tree_entry *e = entry_at(t, path, &is_root);
    if (!e || git_tree_entry_type(e) != GIT_OBJECT_BLOB ||
        git_tree_entry_filemode(e) == GIT_FILEMODE_LINK) {
        diag_error(d, path, 0, 0, "not a file in the commit being built");
        goto out;
    }
    if (git_blob_lookup(&blob, gitinfo_repo(t->g), git_tree_entry_id(e)) < 0) {
        gitinfo_fail(d, path, "cannot read from git");
        goto out;
    }
    git_object_size_t size = git_blob_rawsize(blob);
    if (size > max) {
        diag_error(d, path, 0, 0, "file too large (%llu bytes, limit %zu)",
                   (unsigned long long)size, max);
        goto out;
    }
    *data = malloc((size_t)size + 1);
    if (!*data)
        abort();
    memcpy(*data, git_blob_rawcontent(blob), (size_t)size);
    (*data)[size] = '\0';
    *len = (size_t)size;
    rc = 0;
out:
    git_blob_free(blob);
    git_tree_entry_free(e);
    return rc;
}

static char **gt_list(void *self, const char *dir, struct diag *d)
{
    struct gtree *t = self;
    if (outside(t, dir))
        return tree_list(t->outside, dir, d);
    int is_root;
    git_tree *sub = NULL;
    git_tree_entry *e = entry_at(t, dir, &is_root);
    const git_tree *tree = t->root;
    if (!is_root) {
        if (!e || git_tree_entry_type(e) != GIT_OBJECT_TREE ||
            git_tree_lookup(&sub, gitinfo_repo(t->g), git_tree_entry_id(e)) < 0) {
            git_tree_entry_free(e);
            (void)d;
            return NULL;
        }
        tree = sub;
    }
    size_t n = git_tree_entrycount(tree), o = 0;
    char **names = malloc((n + 1) * sizeof *names);
    if (!names)
        abort();
    for (size_t i = 0; i < n; i++) {
        const char *name = git_tree_entry_name(git_tree_entry_byindex(tree, i));
        if (name[0] != '.' && !(names[o++] = strdup(name)))
            abort();
    }
    names[o] = NULL;
    tree_list_sort(names, o);
    git_tree_free(sub);
    git_tree_entry_free(e);
    return names;
}

static enum tree_kind gt_kind(void *self, const char *path)
{
    if (outside(self, path))
        return tree_kind(((struct gtree *)self)->outside, path);
    int is_root;
    git_tree_entry *e = entry_at(self, path, &is_root);
    enum tree_kind k = is_root ? TREE_DIR : TREE_NONE;
    if (e && git_tree_entry_type(e) == GIT_OBJECT_TREE)
        k = TREE_DIR;
    else if (e && git_tree_entry_type(e) == GIT_OBJECT_BLOB &&
             git_tree_entry_filemode(e) != GIT_FILEMODE_LINK)
        k = TREE_FILE;
    git_tree_entry_free(e);
    return k;
}

static void gt_free(void *self)
{
    struct gtree *t = self;
    git_tree_free(t->root);
    tree_free(t->outside);
    free(t);
}

/* libgit2 objects are not shared between threads: read a commit on one. */
static const struct tree_ops git_tree_ops = {.read = gt_read,
                                             .list = gt_list,
                                             .kind = gt_kind,
                                             .free = gt_free,
                                             .concurrent = 0};

struct tree *gittree_new(struct gitinfo *g, struct diag *d)
{
    if (!gitinfo_commit(g)) {
        diag_error(d, gitinfo_workdir(g), 0, 0, "no commit to build from");
        return NULL;
    }
    struct gtree *t = xcalloc(1, sizeof *t);
    struct tree *tree = xmalloc(sizeof *tree);
    tree->ahead = NULL;
    t->g = g;
    t->outside = tree_fs_new();
    if (git_commit_tree(&t->root, gitinfo_commit(g)) < 0) {
        gitinfo_fail(d, gitinfo_workdir(g), "cannot read the commit's tree");
        tree_free(t->outside);
        free(t);
        free(tree);
        return NULL;
    }
    tree->ops = &git_tree_ops;
    tree->self = t;
    return tree;
}
