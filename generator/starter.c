#include "starter.h"

#include <dirent.h>
#include <errno.h>
#include <git2.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fsutil.h"
#include "theme.h"
#include "xalloc.h"

#define MAX_STARTER_FILE (1u << 20)

/* Copies the files and folders of src into the existing directory dst. */
static int copy_tree(const char *src, const char *dst, struct diag *d)
{
    DIR *dp = opendir(src);
    if (!dp) {
        diag_error(d, src, 0, 0, "cannot read the starter files: %s", strerror(errno));
        return -1;
    }
    int rc = 0;
    struct dirent *e;
    while (rc == 0 && (e = readdir(dp))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        char *from = xasprintf("%s/%s", src, e->d_name), *to = xasprintf("%s/%s", dst, e->d_name);
        struct stat st;
        char *data = NULL;
        size_t len;
        if (lstat(from, &st) < 0) {
            diag_error(d, from, 0, 0, "cannot read: %s", strerror(errno));
            rc = -1;
        } else if (S_ISDIR(st.st_mode)) {
            rc = mkdir(to, 0755) < 0
                     ? (diag_error(d, to, 0, 0, "cannot create: %s", strerror(errno)), -1)
                     : copy_tree(from, to, d);
        } else if (S_ISREG(st.st_mode)) {
            rc = fs_read_file(from, MAX_STARTER_FILE, &data, &len, d) < 0 ||
                         fs_write_file(to, data, len, d) < 0
                     ? -1
                     : 0;
        }
        free(data);
        free(from);
        free(to);
    }
    closedir(dp);
    return rc;
}

/* 1 when dir is absent or an empty directory. */
static int usable(const char *dir)
{
    if (!fs_exists(dir))
        return 1;
    DIR *dp = opendir(dir);
    if (!dp)
        return 0;
    int empty = 1;
    struct dirent *e;
    while ((e = readdir(dp)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
            empty = 0;
    closedir(dp);
    return empty;
}

int starter_create(const char *dir, struct diag *d)
{
    char *src = theme_data_dir("starter", "generator/starter");
    char *copy = xstrdup(dir), *base_copy = xstrdup(dir), *tmp = NULL;
    git_repository *repo = NULL;
    int rc = -1;
    if (!src) {
        diag_error(d, dir, 0, 0,
                   "the starter files are not installed next to this peersite "
                   "(expected PREFIX/share/peerkit/starter)");
        goto out;
    }
    if (!usable(dir)) {
        diag_error(d, dir, 0, 0, "already exists and is not empty; choose a new directory");
        goto out;
    }
    /* Built beside dir and renamed into place, so a failure leaves nothing. */
    const char *parent = dirname(copy);
    if (fs_mkdirs(parent, 0755, d) < 0)
        goto out;
    tmp = xasprintf("%s/.%s.new-XXXXXX", parent, basename(base_copy));
    if (!mkdtemp(tmp)) {
        diag_error(d, parent, 0, 0, "cannot create a temporary directory: %s", strerror(errno));
        free(tmp);
        tmp = NULL;
        goto out;
    }
    if (chmod(tmp, 0755) < 0 || copy_tree(src, tmp, d) < 0)
        goto out;
    git_libgit2_init();
    int ok = git_repository_init(&repo, tmp, 0) == 0;
    git_repository_free(repo);
    git_libgit2_shutdown();
    if (!ok) {
        diag_error(d, dir, 0, 0, "cannot make it a git repository");
        goto out;
    }
    if (rename(tmp, dir) < 0) {
        diag_error(d, dir, 0, 0, "cannot create: %s", strerror(errno));
        goto out;
    }
    free(tmp);
    tmp = NULL;
    rc = 0;
out:
    if (tmp) {
        fs_discard(tmp);
    }
    free(tmp);
    free(src);
    free(copy);
    free(base_copy);
    return rc;
}
