/* gittree: a commit's tree as a tree view (tree.h), so `peersite build --ref
 * REV` reads content and theme exactly as the commit holds them. Build paths
 * are mapped from the current directory into the repository; a path outside
 * the repository is read from the file system (a theme installed elsewhere).
 * Symbolic links in the commit are not files. */
#ifndef PEERKIT_GITTREE_H
#define PEERKIT_GITTREE_H

#include "diag.h"
#include "gitinfo.h"
#include "tree.h"

/* The tree of g's source commit; g must outlive it. Caller frees with
 * tree_free. NULL (error in d) when there is no commit. */
struct tree *gittree_new(struct gitinfo *g, struct diag *d);

#endif
