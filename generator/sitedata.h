/* sitedata: the machine-readable files of a built site, which other programs
 * read (DESIGN §2): request-schema.json (the kiosk validates requests against
 * it, peeradmin checks imports and measures follow-up), supporters.json
 * (peeradmin's matching) and sitemap.xml (search engines); the search index
 * is search.h's. Each function returns a new value; the site
 * module writes it. */
#ifndef PEERKIT_SITEDATA_H
#define PEERKIT_SITEDATA_H

#include <jansson.h>

#include "buf.h"
#include "content.h"
#include "fsutil.h"

/* request-schema.json: the form as sealed/formspec reads it, with the
 * response_within promise when site.yml gives one. Caller decrefs. */
json_t *sitedata_schema(const struct content *c);

/* supporters.json, {version, roles, supporters: [public fields + url]},
 * appended to out one supporter at a time (a large directory is never held
 * twice), in exactly json_dumps's indented layout. */
void sitedata_supporters(const struct content *c, struct buf *out);
/* The same in two steps, so each supporter's entry can be made apart (on a
 * worker, or kept from the last build): one entry, then all of them in the
 * directory's order. */
void sitedata_supporter_entry(json_t *supporter, struct buf *out);
void sitedata_supporters_join(const struct content *c, const char *const *entry, const size_t *len,
                              size_t n, struct buf *out);
/* The same as the pieces of the file (fsutil.h, at most 2n + 2), to be
 * written without joining them: head holds the bytes before the entries
 * (the caller frees it), the pieces point into it and into entry. Returns
 * how many there are. */
size_t sitedata_supporters_pieces(const struct content *c, const char *const *entry,
                                  const size_t *len, size_t n, struct buf *head,
                                  struct fs_piece *pieces);
/* With at least one supporter, the file is the head, the entries with the
 * separator between them, and the tail: so a rebuild can put one changed
 * entry into the last build's file. */
void sitedata_supporters_head(const struct content *c, struct buf *out);
#define SITEDATA_ENTRY_SEPARATOR ",\n"
#define SITEDATA_SUPPORTERS_TAIL "\n ]\n}\n"

/* The values a request field can be offered from the directory (a
 * <datalist>): for "supporter", the accepting supporters as {value: name,
 * slug} (none when there are more than SITEDATA_DATALIST_MAX: a list that
 * long helps nobody, and the page must stay light); for "language", every
 * language supporters speak, as {value, slug: false}. NULL for other ids.
 * Caller decrefs. */
#define SITEDATA_DATALIST_MAX 200
json_t *sitedata_datalist(const struct content *c, const char *field_id);

/* sitemap.xml for the site-relative urls (sorted here, so the order pages
 * were built in does not matter), absolute under base_url. */
void sitedata_sitemap(const char *base_url, json_t *urls, struct buf *out);

#endif
