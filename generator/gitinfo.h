/* gitinfo: what the content's git repository tells a build, through libgit2
 * (never the git program): last-reviewed dates and the source commit. The
 * repository it opens also serves the --ref tree view (gittree.h) and
 * publishing (publish.h).
 *
 * Dates for all files come from ONE first-parent walk over history, newest
 * first, diffing each commit against its parent and recording the first time
 * each path is seen. */
#ifndef PEERKIT_GITINFO_H
#define PEERKIT_GITINFO_H

#include <git2.h>
#include <jansson.h>
#include <stdbool.h>

#include "diag.h"
#include "gitstatus.h"
#include "tree.h"

struct gitinfo;

/* Finds the repository: repo_dir if given, else upward from content_dir.
 * Returns 1 and *out when found, 0 when content_dir is not in a repository
 * (a warning is added), -1 on error. rev is the commit to build from (NULL:
 * HEAD and the working tree). */
int gitinfo_open(const char *repo_dir, const char *content_dir, const char *rev,
                 struct gitinfo **out, struct diag *d);
void gitinfo_free(struct gitinfo *g);

/* What a program that builds again and again (serve) keeps between builds:
 * the dates of the last commit dated, which a build of the same commit
 * takes as they are. A commit's dates are its own (its id names its whole
 * history), so only the working tree's changes are looked at again. */
struct gitinfo_memo;
struct gitinfo_memo *gitinfo_memo_new(void);
void gitinfo_memo_free(struct gitinfo_memo *m);

/* The facts for site_options.git: {"reviewed": {build path: "YYYY-MM-DD" or
 * null}, "commit": {"id", "dirty"}}. paths are the directories whose files
 * are dated (the content directory) and checked for local changes (content
 * and theme). exact_status: local changes from libgit2's status, whole,
 * never the quick way (gitstatus.h). memo: NULL, or kept by the caller
 * between builds. Caller decrefs. Also sets *seconds to the time the date
 * pass took, if not NULL. */
json_t *gitinfo_facts(struct gitinfo *g, const char *content_dir, const char *theme_dir,
                      bool exact_status, struct gitinfo_memo *memo, double *seconds,
                      struct diag *d);

/* The stats the last gitinfo_facts took of the content's tracked files,
 * for gitstatus_stamp (NULL when it took none). */
const struct gitstatus_stamps *gitinfo_stamps(struct gitinfo *g);

/* The opened repository and the source commit (NULL on an unborn branch),
 * borrowed for as long as g lives. */
git_repository *gitinfo_repo(struct gitinfo *g);
git_commit *gitinfo_commit(struct gitinfo *g);
/* The work tree's real path, ending in '/'. */
const char *gitinfo_workdir(struct gitinfo *g);

/* Lexically normalises path (absolute or relative to the current directory)
 * and returns it relative to the work tree ("" for the work tree itself), or
 * NULL when it lies outside. Caller frees. */
char *gitinfo_repo_path(struct gitinfo *g, const char *path);

/* Adds "what: libgit2's last error" at where. */
void gitinfo_fail(struct diag *d, const char *where, const char *what);

#endif
