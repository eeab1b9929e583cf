#include "theme.h"

#include <libgen.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "formspec.h"
#include "fsutil.h"
#include "xalloc.h"

/* The directory of the running binary, or NULL. */
static char *exe_dir(void)
{
    char path[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", path, sizeof path - 1);
    if (n <= 0)
        return NULL;
    path[n] = '\0';
    return xstrdup(dirname(path));
}

char *theme_data_dir(const char *sub, const char *checkout_sub)
{
    char *dir = exe_dir(), *found = NULL;
    if (!dir)
        return NULL;
    char *installed = xasprintf("%s/../share/peerkit/%s", dir, sub);
    if (fs_is_dir(installed))
        found = installed;
    else
        free(installed);
    /* Not installed: bin/ (or build/asan/bin/) of the checkout it was built
     * in, recognised by its own source file. */
    char *up = xstrdup(dir);
    for (int level = 0; level < 4 && !found; level++) {
        char *marker = xasprintf("%s/generator/peersite.c", up);
        char *candidate = xasprintf("%s/%s", up, checkout_sub);
        if (fs_exists(marker) && fs_is_dir(candidate))
            found = candidate;
        else
            free(candidate);
        free(marker);
        char *parent = xasprintf("%s/..", up);
        free(up);
        up = parent;
    }
    free(up);
    free(dir);
    char real[PATH_MAX];
    if (found && realpath(found, real)) {
        free(found);
        found = xstrdup(real);
    }
    return found;
}

/* dir/rest, without a leading "./" when dir is ".". */
static char *path_in(const char *dir, const char *rest)
{
    return strcmp(dir, ".") ? xasprintf("%s/%s", dir, rest) : xstrdup(rest);
}

static int try_dir(struct tree *t, char *candidate, struct buf *looked, char **out)
{
    if (tree_kind(t, candidate) == TREE_DIR) {
        *out = candidate;
        return 1;
    }
    buf_printf(looked, "\n  %s", candidate);
    free(candidate);
    return 0;
}

int theme_find(struct tree *t, const char *content_dir, const char *explicit_dir,
               const char *setting, char **out, struct diag *d)
{
    *out = NULL;
    struct buf looked = BUF_INIT;
    const char *name = "default";
    int rc = -1;
    if (explicit_dir) {
        if (try_dir(t, xstrdup(explicit_dir), &looked, out))
            goto found;
        diag_error(d, explicit_dir, 0, 0, "--theme: theme directory not found");
        goto out;
    }
    if (setting && (strchr(setting, '/') || setting[0] == '.')) {
        if (try_dir(t, path_in(content_dir, setting), &looked, out))
            goto found;
        char *where = xasprintf("%s/site.yml", content_dir);
        diag_error(d, where, 0, 0,
                   "theme \"%s\": no such directory (paths are relative to the content "
                   "directory)",
                   setting);
        free(where);
        goto out;
    }
    if (setting) {
        if (!formspec_id_valid(setting)) {
            char *where = xasprintf("%s/site.yml", content_dir);
            diag_error(d, where, 0, 0, "theme \"%s\" is neither a theme name nor a path", setting);
            free(where);
            goto out;
        }
        name = setting;
    }
    char *copy = xstrdup(content_dir);
    char *rel = xasprintf("themes/%s", name);
    int found = try_dir(t, path_in(dirname(copy), rel), &looked, out);
    free(copy);
    free(rel);
    if (found)
        goto found;
    char *installed = theme_data_dir("themes", "themes");
    if (installed) {
        found = try_dir(t, xasprintf("%s/%s", installed, name), &looked, out);
        free(installed);
        if (found)
            goto found;
    } else { /* where an install would have put them */
        char *bin = exe_dir();
        if (bin)
            buf_printf(&looked, "\n  %s/share/peerkit/themes/%s (no installed themes there)",
                       dirname(bin), name);
        else
            buf_puts(&looked, "\n  (no installed themes next to this peersite)");
        free(bin);
    }
    char *where = setting ? xasprintf("%s/site.yml", content_dir) : xstrdup(name);
    diag_error(d, where, 0, 0, "theme \"%s\" not found; looked in:%s\n(give one with --theme DIR)",
               name, looked.data);
    free(where);
    goto out;
found:
    rc = 0;
out:
    buf_free(&looked);
    return rc;
}
