/* build: one run of peersite over a content directory, shared by build,
 * check, publish and serve: opens the content's git repository (if any),
 * resolves the theme (theme.h), gathers the git facts (dates, source commit,
 * local changes) and builds or checks the site. */
#ifndef PEERKIT_BUILD_H
#define PEERKIT_BUILD_H

#include "diag.h"
#include "gitinfo.h"
#include "site.h"

struct build_request {
    const char *content;       /* the content directory */
    const char *theme;         /* --theme, or NULL to look it up */
    const char *repo;          /* --repo, or NULL to search upward from content */
    const char *ref;           /* --ref: build from this commit; NULL: the working tree */
    const char *out;           /* the output directory; NULL checks without writing */
    int need_git;              /* 1 (publish): a content directory outside git is an error,
                                * the status is libgit2's own, and a working tree
                                * without changes is built from its commit */
    int refuse_dirty;          /* 1: uncommitted content or theme changes are an error,
                                * found before anything is built (publish) */
    int jobs;                  /* threads rendering pages; 0: one per CPU */
    int exiting;               /* the process ends after this build (site_options) */
    struct gitinfo_memo *memo; /* kept between builds (serve), or NULL */
};

struct build_result {
    struct gitinfo *git; /* the repository, NULL outside git (build_result_free) */
    char *theme;         /* the theme directory used */
    char source[16];     /* the source commit's short id, "" when none */
    int dirty;           /* the working tree has uncommitted content or theme changes */
    double date_pass;    /* seconds spent dating pages */
    struct site_timings stages;
};

/* Returns 0 when the site was built (or is valid); -1 with every error in d.
 * res is filled as far as the run got; release it with build_result_free. */
int build_run(const struct build_request *r, struct build_result *res, struct diag *d);
void build_result_free(struct build_result *res);

#endif
