/* assets: copies a theme's assets into the site under content-hashed names
 * ("style.3f9a0c1d2e.css") and computes their Subresource Integrity values.
 *
 * The result is a JSON object for the templates: for each asset, a key made
 * from its file name with '.', '-' and '/' as '_' ("style_css") holding
 * {"path": "assets/style.3f9a0c1d2e.css", "integrity": "sha256-..."}. */
#ifndef PEERKIT_ASSETS_H
#define PEERKIT_ASSETS_H

#include <jansson.h>

#include "diag.h"
#include "linkcheck.h"
#include "outdir.h"
#include "tree.h"

/* Copies every regular file of src_dir and of its direct subdirectories
 * (sorted; "vendor/x.js" keeps its folder and has the key "vendor_x_js") into
 * the output's assets/. Returns the object described above (caller decrefs), or
 * NULL with errors in d. */
json_t *assets_copy(struct tree *t, const char *src_dir, struct outdir *out, struct linkcheck *lc,
                    struct diag *d);

/* Copies one file into the output's assets/ under a hashed name; returns its
 * {"path", "integrity"} object (caller decrefs) or NULL. */
json_t *assets_copy_file(struct tree *t, const char *src, const char *name, struct outdir *out,
                         struct linkcheck *lc, struct diag *d);

/* Writes generated data into the output's assets/ under a hashed name made
 * from name ("site-colors.css"); returns its {"path", "integrity"} object
 * (caller decrefs) or NULL. */
json_t *assets_add(const char *name, const void *data, size_t len, struct outdir *out,
                   struct linkcheck *lc, struct diag *d);

/* "sha256-BASE64" of data, into out (at least 64 bytes). */
void assets_integrity(const void *data, size_t len, char *out, size_t outlen);

#endif
