/* starter: `peersite new DIR`, a new program's content repository that builds
 * and passes `peersite check` at once: content/ with every site.yml key
 * explained, a starter FAQ, the confidentiality page with its limits, one
 * example supporter, the request form and pages; a .gitignore for the built
 * site and a README for the editors. The files come from the starter
 * directory installed with peersite (share/peerkit/starter). */
#ifndef PEERKIT_STARTER_H
#define PEERKIT_STARTER_H

#include "diag.h"

/* Creates dir (absent or empty) from the starter files and makes it a git
 * repository. On failure nothing is left behind that was not there before. */
int starter_create(const char *dir, struct diag *d);

#endif
