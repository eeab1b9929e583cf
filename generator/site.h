/* site: builds the whole static site from loaded content and a theme
 * (DESIGN §4): pages, JSON files for the kiosk and the administrator, the
 * search index, the sitemap and fingerprinted assets.
 *
 * The site is built in a temporary directory next to the output and swapped
 * into place only when every page rendered and every link resolved, so a
 * failed build never leaves a partial site; or, when the last build's record
 * allows it (reuse.h), changed in place: only the pages the changed files
 * touch are rendered, and the files that differ are written beside their
 * places and renamed over them once all are written (outdir.h). */
#ifndef PEERKIT_SITE_H
#define PEERKIT_SITE_H

#include <jansson.h>
#include <sys/stat.h>

#include "content.h"
#include "diag.h"
#include "tree.h"

struct site_options {
    const char *content_dir; /* "content" */
    const char *theme_dir;   /* "themes/default" */
    const char *out_dir;     /* "site"; NULL for a check without writing */
    struct tree *tree;       /* where content and theme are read; NULL: the file system */
    /* Optional git facts (may be NULL): "reviewed" maps a source path
     * (as content_load names it) to "YYYY-MM-DD" or to null for "not yet
     * committed"; "commit" is {"id": short id, "dirty": bool}. */
    json_t *git;
    /* Threads that render and write pages; 0: one per CPU. The output is the
     * same byte for byte whatever the number. */
    int jobs;
    /* Keep a record for the next build into out_dir, and reuse the last
     * one's (reuse.h); never with a --ref tree or for publishing. */
    int reuse;
    /* The process ends right after this build: what the build read and
     * indexed is left for the system to take back at exit, at once. */
    int exiting;
    /* Where the time went (may be NULL): --timings prints it. */
    struct site_timings *timings;
    /* Stats of content files taken before this build (may be NULL): given
     * a path below content_dir ("supporters/ana.md"), its stat, or NULL.
     * The build takes them for its stamps rather than stating each file
     * again; it states the others itself. */
    const struct stat *(*stat_of)(const void *ctx, const char *rel);
    const void *stat_ctx;
};

/* Seconds spent in each stage of a build. */
struct site_timings {
    double load;    /* reading and checking the content */
    double pages;   /* rendering and writing every page and file */
    double index;   /* writing the search index */
    double links;   /* the link check */
    double swap;    /* putting the new site in place */
    double free;    /* releasing the build's memory */
    int in_place;   /* the site was changed in place, reusing the last build */
    size_t changed; /* then: the files written (their bytes differed) */
    size_t spliced; /* of those, made of the last build's (the directory, supporters.json) */
};

/* Builds (or, with out_dir NULL, checks) the site. Returns 0 on success;
 * -1 with every error in d. Warnings may be added on success. */
int site_build(const struct site_options *o, struct diag *d);

#endif
