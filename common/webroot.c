#include "webroot.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

struct webroot {
    char *dir; /* real path, no trailing slash */
    size_t len;
};

struct webroot *webroot_open(const char *dir)
{
    char *real = realpath(dir, NULL);
    struct stat st;
    if (!real)
        return NULL;
    if (stat(real, &st) != 0 || !S_ISDIR(st.st_mode)) {
        free(real);
        errno = ENOTDIR;
        return NULL;
    }
    struct webroot *w = calloc(1, sizeof *w);
    if (!w)
        abort();
    w->dir = real;
    w->len = strlen(real);
    return w;
}

void webroot_close(struct webroot *w)
{
    if (!w)
        return;
    free(w->dir);
    free(w);
}

static const struct {
    const char *ext, *type;
} types[] = {
    {".html", "text/html; charset=utf-8"},
    {".css", "text/css; charset=utf-8"},
    {".js", "text/javascript; charset=utf-8"},
    {".json", "application/json"},
    {".xml", "application/xml"},
    {".txt", "text/plain; charset=utf-8"},
    {".pub", "text/plain; charset=utf-8"},
    {".svg", "image/svg+xml"},
    {".png", "image/png"},
    {".jpg", "image/jpeg"},
    {".jpeg", "image/jpeg"},
    {".webp", "image/webp"},
    {".gif", "image/gif"},
    {".ico", "image/x-icon"},
    {".woff2", "font/woff2"},
    {".pdf", "application/pdf"},
};

const char *webroot_mime(const char *name)
{
    const char *dot = strrchr(name, '.'), *slash = strrchr(name, '/');
    if (dot && (!slash || dot > slash))
        for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
            if (!strcasecmp(dot, types[i].ext))
                return types[i].type;
    return "application/octet-stream";
}

/* 1 if some segment of path starts with "." (".", "..", and hidden files
 * such as the build's record, .peersite-cache, are never served), or is
 * empty ("//": a redirect to path + "/" would then start "//host", off the
 * site), or path holds a backslash or a control character. */
static int has_bad_segment(const char *path)
{
    for (const char *p = path + 1; *p;) {
        const char *end = strchr(p, '/');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        if ((n == 0 && end) || (n > 0 && p[0] == '.'))
            return 1;
        if (!end)
            break;
        p = end + 1;
    }
    for (const unsigned char *c = (const unsigned char *)path; *c; c++)
        if (*c < 0x20 || *c == 0x7f || *c == '\\')
            return 1;
    return 0;
}

enum webroot_result webroot_resolve(const struct webroot *w, const char *path, int *fd, off_t *size,
                                    const char **mime)
{
    if (path[0] != '/' || has_bad_segment(path) || strlen(path) > 1024)
        return WEBROOT_FORBIDDEN;
    char want[PATH_MAX];
    size_t n = strlen(path);
    int dir_url = path[n - 1] == '/';
    if (snprintf(want, sizeof want, "%s%s%s", w->dir, path, dir_url ? "index.html" : "") >=
        (int)sizeof want)
        return WEBROOT_FORBIDDEN;
    char *real = realpath(want, NULL);
    if (!real)
        return WEBROOT_NOT_FOUND;
    /* Symlinks may not lead out of the site. */
    if (strncmp(real, w->dir, w->len) || real[w->len] != '/') {
        free(real);
        return WEBROOT_FORBIDDEN;
    }
    struct stat st;
    int rc = WEBROOT_NOT_FOUND;
    /* O_NONBLOCK: a FIFO in the site is not waited on (only regular files are served). */
    int f = open(real, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY);
    if (f >= 0 && fstat(f, &st) == 0) {
        if (S_ISREG(st.st_mode)) {
            *fd = f;
            *size = st.st_size;
            *mime = webroot_mime(real);
            f = -1;
            rc = WEBROOT_OK;
        } else if (S_ISDIR(st.st_mode) && !dir_url) {
            rc = WEBROOT_REDIRECT;
        }
    }
    if (f >= 0)
        close(f);
    free(real);
    return rc;
}
