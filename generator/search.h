/* search: the site's full-text search index, built from the pages as they
 * are rendered (the way Pagefind indexes a built site), and read by the
 * theme's site.js.
 *
 * Each indexed page's <main> is split into sections at its headings: a
 * heading with an id (or inside an element with one, as each FAQ answer is)
 * starts a section that links to that #id. What is hidden or marked
 * data-search-ignore is left out. Every section is a document: its heading
 * (the title), where it sits ("Page title › Heading", the trail), its URL
 * and all of its text.
 *
 * Words are folded (lowercase; Latin letters without accents, "ß" as "ss")
 * and ranked with BM25, a heading's words counting three times. The index
 * is split so a search fetches only what it needs:
 *   search-index.json          {v, docs, shards, chunk, stop}: the entry
 *   search-index/t-K.json      {term: [doc, weight, doc gap, weight, ...]},
 *                              terms whose first two characters hash to K
 *                              (FNV-1a 32 of their UTF-8 bytes, mod shards)
 *   search-index/d-C.json      [[title, url, trail, text], ...] for docs
 *                              C*chunk to C*chunk+chunk-1 (snippets)
 * Common English words (stop) are not indexed; site.js drops them from
 * queries too. Output is deterministic: documents in the order pages were
 * added, terms sorted. Reading a page, the costly part, needs nothing
 * shared: workers scan pages (search_scan_html) and the building thread
 * adds them in page order (search_add_page). */
#ifndef PEERKIT_SEARCH_H
#define PEERKIT_SEARCH_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

struct search;

struct search *search_new(void);
void search_free(struct search *s);

/* A page read for the index but not yet added: its documents and, for
 * each, its distinct terms counted. */
struct search_page;

/* Reads the page at url (site-relative, "faq/") from its HTML: the text of
 * its <main>. label, when not NULL, is where the page itself sits (the trail
 * of its first section, e.g. "Peer supporters"). Touches no shared state, so
 * workers may scan pages at once; the caller owns the result (never NULL)
 * and hands it to search_add_page or search_page_free. */
struct search_page *search_scan_html(const char *url, const char *label, const char *html,
                                     size_t len);

/* Appends p's documents, in order, to the index, and frees p. Calls for one
 * index come from one thread at a time; the order of the calls is the order
 * of the documents. NULL p adds nothing. */
void search_add_page(struct search *s, struct search_page *p);

/* A scanned page as bytes, for the next build (reuse.h), and back: load
 * checks every offset and returns NULL for bytes it did not save. */
void search_page_save(const struct search_page *p, struct buf *out);
struct search_page *search_page_load(const char *data, size_t len);

/* Frees a page that was never added; NULL-safe. */
void search_page_free(struct search_page *p);

/* search_scan_html then search_add_page. */
void search_add_html(struct search *s, const char *url, const char *label, const char *html,
                     size_t len);

/* Adds one document directly (tests, and content that is no page). */
void search_add_doc(struct search *s, const char *title, const char *url, const char *trail,
                    const char *text);

/* Receives one index file: its site-relative path and its bytes (compact
 * JSON, no final newline). Returns 0, or nonzero for a failure. */
typedef int (*search_emit_fn)(void *ctx, const char *path, const char *data, size_t len);

/* Writes every index file through emit: the term shards (t-0, t-1, ...),
 * the document chunks (d-0, ...), then search-index.json. The bytes are
 * what json_dumps(value, JSON_COMPACT | JSON_PRESERVE_ORDER) gives for the
 * same value, as the index was written before. Returns the OR of emit's
 * results. */
int search_write(struct search *s, search_emit_fn emit, void *ctx);

/* The same files, for writing them on several threads: a plan fixes how
 * many there are and what goes in each (the index must not change while it
 * lives); search_plan_file formats file i (0 .. files-1, in search_write's
 * order) into out, touching nothing shared, so workers may format files at
 * once. */
#define SEARCH_PATH_MAX 64
struct search_plan;
struct search_plan *search_plan_new(const struct search *s);
void search_plan_free(struct search_plan *p);
size_t search_plan_files(const struct search_plan *p);
void search_plan_path(const struct search_plan *p, size_t i, char path[SEARCH_PATH_MAX]);
void search_plan_file(const struct search_plan *p, size_t i, struct buf *out);

/* How many documents a scanned page holds (0 for NULL). */
size_t search_page_ndocs(const struct search_page *p);

/* ---- the index kept for the next build, and patched ----
 * A rebuild in place (reuse.h) that re-renders a few pages need not add the
 * other 10,000 to an index again, nor write 180 files to find 6 changed:
 * the last build saved what every term shard is made from (search_plan_save:
 * each document's length and bytes, each term's postings, 0.9 MB for
 * 10,000 supporters), and a patch of it replaces the documents of the pages
 * made again. It yields the same bytes a whole index would, and says which
 * files may differ: the shards of the terms the replaced documents had or
 * have, those whose weights round otherwise under the new average length,
 * and the chunks holding the replaced documents (their strings come from
 * the pages: search_format_docs). When the index's shape changes (its
 * shard count, its chunk size) or a page brings another number of
 * documents, its documents would be renumbered: the caller builds the index
 * whole instead. */
void search_plan_save(const struct search_plan *p, struct buf *out);

struct search_patch;
/* The saved index, or NULL for bytes search_plan_save did not write. The
 * patch reads data where it is (a rebuild's record maps it): it must stay
 * as it is until the patch is freed. */
struct search_patch *search_patch_load(const char *data, size_t len);
void search_patch_free(struct search_patch *p);
size_t search_patch_ndocs(const struct search_patch *p);
/* Documents [first, first + search_page_ndocs(page)) are page's now (it is
 * only read). False, and nothing replaced, when they are not all in the
 * index or one was replaced already. */
bool search_patch_replace(struct search_patch *p, size_t first, const struct search_page *page);
/* Once every page is replaced: false when the index must be built whole
 * (see above), the patch then good only to free. */
bool search_patch_apply(struct search_patch *p);
size_t search_patch_files(const struct search_patch *p);
void search_patch_path(const struct search_patch *p, size_t i, char path[SEARCH_PATH_MAX]);
/* True when file i may differ from the last build's. */
bool search_patch_dirty(const struct search_patch *p, size_t i);
/* True when file i is a chunk of documents, which are [*from, *to);
 * false for a term shard or the entry. */
bool search_patch_chunk(const struct search_patch *p, size_t i, size_t *from, size_t *to);
/* Term shard i (neither a chunk nor the entry, the last file) as a whole
 * index writes it. */
void search_patch_shard(const struct search_patch *p, size_t i, struct buf *out);
/* A chunk: documents [skip, skip + count) of pages, in order, as a whole
 * index writes them (nothing when the pages hold fewer). */
void search_format_docs(const struct search_page *const *pages, size_t npages, size_t skip,
                        size_t count, struct buf *out);
/* The patched index saved, for the build after. */
void search_patch_save(const struct search_patch *p, struct buf *out);

/* The index files read back: an object mapping each path to its JSON value
 * (caller decrefs), for tests; NULL if jansson could not read one. */
json_t *search_files(struct search *s);

/* Appends s folded for search: lowercase, accents off, every character
 * that is not part of a word as one space (site.js folds queries alike). */
void search_fold(const char *s, size_t len, struct buf *out);

/* The shard of a term among n (FNV-1a 32 of its first two characters). */
uint32_t search_shard(const char *term, uint32_t n);

#endif
