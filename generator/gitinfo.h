/* gitinfo: what the content's git repository tells a build, through libgit2
 * (never the git program): last-reviewed dates, the source commit, a tree
 * view of a commit for `--ref`, and publishing the built site to a branch.
 *
 * Dates for all files come from ONE first-parent walk over history, newest
 * first, diffing each commit against its parent and recording the first time
 * each path is seen. */
#ifndef PEERKIT_GITINFO_H
#define PEERKIT_GITINFO_H

#include <jansson.h>

#include "diag.h"
#include "tree.h"

struct gitinfo;

/* Finds the repository: repo_dir if given, else upward from content_dir.
 * Returns 1 and *out when found, 0 when content_dir is not in a repository
 * (a warning is added), -1 on error. rev is the commit to build from (NULL:
 * HEAD and the working tree). */
int gitinfo_open(const char *repo_dir, const char *content_dir, const char *rev,
                 struct gitinfo **out, struct diag *d);
void gitinfo_free(struct gitinfo *g);

/* The facts for site_options.git: {"reviewed": {build path: "YYYY-MM-DD" or
 * null}, "commit": {"id", "dirty"}}. paths are the directories whose files
 * are dated (the content directory) and checked for local changes (content
 * and theme). Caller decrefs. Also sets *seconds to the time the date pass
 * took, if not NULL. */
json_t *gitinfo_facts(struct gitinfo *g, const char *content_dir, const char *theme_dir,
                      double *seconds, struct diag *d);

/* A tree view of the commit (for --ref builds): paths are mapped from the
 * current directory to the repository. Caller frees with tree_free. */
struct tree *gitinfo_tree(struct gitinfo *g, struct diag *d);

/* Commits the directory site_dir as the whole tree of branch (created if
 * absent, parent = its tip) with the source commit's dates, without touching
 * the working tree, the index or HEAD. *created is 0 when the branch already
 * held that exact tree (nothing to do). */
int gitinfo_publish(struct gitinfo *g, const char *site_dir, const char *branch,
                    const char *message, int *created, char shortid[16], struct diag *d);

#endif
