/* markdown: CommonMark to HTML with cmark in its safe mode (raw HTML is
 * dropped, javascript: and similar links are removed).
 *
 * Root-absolute links ("/faq/#x") are rewritten relative to the page that
 * shows them (root is that page's prefix to the site root, "" or "../"), so
 * the site works from any directory, a file:// URL and the kiosk alike. */
#ifndef PEERKIT_MARKDOWN_H
#define PEERKIT_MARKDOWN_H

#include <jansson.h>
#include <stddef.h>

#include "buf.h"

/* Appends the HTML of md to html (none when html is NULL: the text alone
 * is wanted). If links is not NULL, appends one [url, line, column, written]
 * array per link or image (url after rewriting, written as the author wrote
 * it; line counted from first_line, the file line of md's first line). If
 * text is not NULL, appends the plain text (for the search index). */
void md_render(const char *md, size_t len, int first_line, const char *root, struct buf *html,
               json_t *links, struct buf *text);

/* The opening words of md as plain text, at most max bytes, cut after a
 * whole word with "…" when there is more (supporter cards). */
void md_excerpt(const char *md, size_t len, size_t max, struct buf *out);

/* Rewrites one root-absolute URL for a page at root; other URLs are copied. */
void md_rewrite_url(const char *url, const char *root, struct buf *out);

#endif
