/* webroot: serving the built site's files safely.
 *
 * A URL path maps to a regular file under the site directory: "/" and paths
 * ending in "/" map to index.html; a path without an extension that names a
 * directory maps to its index.html. Nothing outside the directory is ever
 * opened: ".." and NUL are refused outright, and the resolved path (symlinks
 * followed) must still be inside the directory. An empty segment ("//x"),
 * a backslash or a control character is refused too, so a redirect to
 * path + "/" always stays on the site (never "//host/..."). */
#ifndef PEERKIT_WEBROOT_H
#define PEERKIT_WEBROOT_H

#include <stddef.h>
#include <sys/types.h>

struct webroot;

/* Opens dir (which must exist and be a directory); NULL with errno set. */
struct webroot *webroot_open(const char *dir);
void webroot_close(struct webroot *w);

enum webroot_result { WEBROOT_OK, WEBROOT_NOT_FOUND, WEBROOT_FORBIDDEN, WEBROOT_REDIRECT };

/* Resolves a decoded URL path. WEBROOT_OK: *fd is open read-only (caller
 * closes), *size its length, *mime its type. WEBROOT_REDIRECT: the path names
 * a directory without the trailing slash (redirect to path + "/"). */
enum webroot_result webroot_resolve(const struct webroot *w, const char *path, int *fd, off_t *size,
                                    const char **mime);

/* The Content-Type for a file name, by extension. */
const char *webroot_mime(const char *name);

#endif
