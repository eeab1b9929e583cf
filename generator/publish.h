/* publish: commits a built site to a branch of the content's repository
 * (`peersite publish`), without touching the working tree, the index or HEAD.
 * The commit takes the source commit's author, committer and times, so
 * publishing the same source twice gives the same commit. */
#ifndef PEERKIT_PUBLISH_H
#define PEERKIT_PUBLISH_H

#include <stdio.h>

#include "diag.h"
#include "gitinfo.h"

/* 0 when branch is a name publish may commit to; -1 with the reason in d:
 * not a valid branch name, HEAD or another of git's own names, or "site"
 * (where builds go by default). Said before anything is built. */
int publish_branch_name_ok(const char *branch, struct diag *d);

/* Commits the directory site_dir as the whole tree of branch (created if
 * absent, parent = its tip). *created is 0 when the branch already held that
 * exact tree (nothing to do); shortid receives the branch's commit. The
 * message names the source commit, and says so when the site holds local
 * changes that are not committed (dirty); a message given is kept as its
 * first paragraph. Refuses the checked-out branch, and a new branch named
 * like a file or folder of the working tree. */
int publish_site(struct gitinfo *g, const char *site_dir, const char *branch, const char *message,
                 int dirty, int *created, char shortid[16], struct diag *d);

/* Says on f what puts the published branch online: a push to the remote
 * (named when there is one), or that the remote has it already. */
void publish_say_next(struct gitinfo *g, const char *branch, FILE *f);

#endif
