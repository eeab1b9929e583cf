/* linkcheck: proves that every internal link and #anchor of the generated
 * site resolves.
 *
 * The generator registers every file it writes, scans every HTML page for
 * href/src/id attributes, and records where each Markdown link came from, so
 * a broken link is reported at its source file:line:column when it came from
 * content, or at the generated page when a theme template produced it. */
#ifndef PEERKIT_LINKCHECK_H
#define PEERKIT_LINKCHECK_H

#include <stddef.h>

#include "diag.h"

struct linkcheck;

struct linkcheck *linkcheck_new(void);
void linkcheck_free(struct linkcheck *lc);
/* A file of the site, by its path relative to the site root ("faq/index.html"). */
void linkcheck_add_file(struct linkcheck *lc, const char *relpath);
/* An id of a page that exists without being rendered (content left out for
 * its errors), so links to it are not reported a second time. */
void linkcheck_add_id(struct linkcheck *lc, const char *relpath, const char *id);
/* An HTML page: registers the file, its ids and its links. */
void linkcheck_add_page(struct linkcheck *lc, const char *relpath, const char *html, size_t len);
/* The same in two steps: scanning a page touches nothing shared (any thread
 * may do it); adding the scan (which it frees) must happen on one thread. */
struct linkcheck_scan;
struct linkcheck_scan *linkcheck_scan_page(const char *relpath, const char *html, size_t len);
void linkcheck_add_scan(struct linkcheck *lc, struct linkcheck_scan *scan);
void linkcheck_scan_free(struct linkcheck_scan *scan);
/* Adds ids ("page#id") to a scan: those of the parts of a page that were
 * not scanned again, being as they were (the directory's unchanged cards). */
void linkcheck_scan_add_ids(struct linkcheck_scan *scan, const char *const *ids, size_t n);
/* The ids a scan found, as "page#id", sorted (valid until the scan is added
 * or freed). */
const char *const *linkcheck_scan_ids(const struct linkcheck_scan *scan, size_t *n);
/* A page kept from an earlier build (reuse.h): its file and its ids, as
 * linkcheck_scan_ids gave them (borrowed: they must outlive the checker).
 * Its links were checked by that build; they still hold while nothing they
 * point to has gone. */
void linkcheck_add_kept(struct linkcheck *lc, const char *relpath, const char *const *ids,
                        size_t n);
/* Where a link of a page came from: a Markdown source position, and the link
 * as the author wrote it (url is what the page holds after rewriting). */
void linkcheck_add_origin(struct linkcheck *lc, const char *relpath, const char *url,
                          const char *written, const char *source, int line, int col);
/* Every file of the site, sorted, once each (valid until the next add). */
const char *const *linkcheck_files(struct linkcheck *lc, size_t *n);

/* Reports every broken link (and duplicate id) to d, quoting it as its
 * author wrote it and suggesting the nearest page or #anchor; returns how
 * many. The links are checked on up to threads threads; what is reported is
 * the same whatever their number. */
size_t linkcheck_run(struct linkcheck *lc, int threads, struct diag *d);

#endif
