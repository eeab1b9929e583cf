/* theme: which theme a build uses, and where peersite's own data lives.
 *
 * A content repository usually lives outside a peerkit checkout, so the
 * theme is looked up rather than guessed from the working directory:
 *   1. --theme DIR;
 *   2. theme: in site.yml, a path (it holds a '/' or starts with '.')
 *      relative to the content directory, or a NAME;
 *   3. themes/NAME next to the content directory;
 *   4. the installed themes, PREFIX/share/peerkit/themes/NAME, found from the
 *      running binary so a relocated install works (or, for a binary that was
 *      never installed, the checkout it was built in);
 * NAME is "default" when site.yml names none. */
#ifndef PEERKIT_THEME_H
#define PEERKIT_THEME_H

#include "diag.h"
#include "tree.h"

/* Resolves the theme directory into *out (caller frees). explicit_dir is
 * --theme (may be NULL), setting is site.yml's theme: (may be NULL). Reads
 * through t, so with --ref a theme inside the repository comes from the
 * commit. The error for a missing theme lists every place looked at. */
int theme_find(struct tree *t, const char *content_dir, const char *explicit_dir,
               const char *setting, char **out, struct diag *d);

/* peersite's data directory holding sub ("themes", "starter"): the install's
 * PREFIX/share/peerkit/sub, else the checkout's checkout_sub. NULL when
 * neither exists. Caller frees. */
char *theme_data_dir(const char *sub, const char *checkout_sub);

#endif
