/* reuse: what a build keeps for the next build into the same directory, so
 * that a rebuild after a few edits redoes only what they touch.
 *
 * The record is two hidden files at the top of the output directory (never
 * published, never served): an index, ".peersite-cache", rewritten by every
 * build, and the data it points into, ".peersite-cache.data", which a
 * rebuild appends to. They travel with the site they describe and are
 * replaced with it; the index is removed first when the site is changed in
 * place, and written last. A data file that lost what was appended to it
 * (shorter than the index says) or is mostly dead is not used. They hold
 *   - a key over everything a build reads besides the collections' files
 *     (this program, the settings, pages, confidentiality, request form,
 *     key, photos, the whole theme, the commit and the dates of all those
 *     files): when the key differs, nothing is reused;
 *   - for each supporter and FAQ file: its identity on disk (size, times,
 *     inode) and its git date, its values, and what was made from it (the directory card,
 *     the supporters.json entry, the answer's HTML); for a supporter, in the
 *     index itself, what its stand-in needs (name, languages, accepting);
 *   - for each page: its search documents (and how many) and its ids (for
 *     the link check);
 *   - the theme's assets as the templates see them (their hashed names and
 *     integrity);
 *   - the length and checksum of the search index as saved for a patch
 *     (search.h), which is a file of its own beside them, ".peersite-cache
 *     .search", rewritten by every build (in the data, each build's 0.9 MB
 *     would soon outweigh the rest and force a full build).
 * A file changed less than 20 ms before a build started (2 s on a file
 * system that keeps whole seconds) is never reused by the next one: its
 * change may fall within one tick of the file system's clock. Files are
 * stamped through symbolic links, as they are read. Everything read from the
 * record is checked for bounds and the index against a checksum when it is
 * loaded: a record that does not read back whole, or names a file or a page
 * twice, is ignored. Each text in the data has its own checksum, compared
 * where the text is used (reuse_whole): a build that finds an item's values
 * damaged reads its file again, and one that finds any other text damaged
 * starts afresh. */
#ifndef PEERKIT_REUSE_H
#define PEERKIT_REUSE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>

#include "buf.h"
#include "diag.h"
#include "fsutil.h"
#include "tree.h"

#define REUSE_FILE ".peersite-cache"
#define REUSE_DATA ".peersite-cache.data"
#define REUSE_SEARCH ".peersite-cache.search"
#define REUSE_KEY_BYTES 32

/* A file as the record knows it. */
struct reuse_stamp {
    uint64_t size, mtime_ns, ctime_ns, ino;
};

void reuse_stamp_of(const struct stat *st, struct reuse_stamp *s);
/* 1 when the file changed too close to a build started at started_ns for
 * the record to vouch for it (see above). */
bool reuse_fresh(const struct stat *st, int64_t started_ns);

/* A bounded string inside the record. */
struct reuse_text {
    const char *s; /* NUL-terminated (a text of the data: once reuse_whole says so) */
    size_t len;
    uint64_t at; /* where it is in the data (a blob), for the next record */
};

enum reuse_kind { REUSE_SUPPORTER = 1, REUSE_FAQ = 2 };

struct reuse_item {
    enum reuse_kind kind;
    struct reuse_text path;
    struct reuse_text reviewed; /* its git date as reuse_reviewed gave it */
    struct reuse_stamp stamp;
    bool fresh; /* changed too close to its build: read it again */
    /* A supporter's stand-in values (reuse_supporter_values), in the index
     * (bytes, not a string): empty for a FAQ entry, or a supporter that
     * cannot be stood in for. */
    struct reuse_text summary;
    struct reuse_text values, card, entry, answer;
};

struct reuse_page {
    struct reuse_text rel, search;
    uint32_t ndocs; /* the search documents it holds */
    size_t nids;
    struct reuse_text *ids;
};

struct reuse;

/* 1 when path (as the content loader names files under content_dir) is a
 * collection's file, with its own record: "content/faq/cost.md". */
bool reuse_is_item(const char *content_dir, const char *path);
/* The last-reviewed date the git facts give path, as a record keeps it:
 * the date, "not yet committed", or "" outside git. */
const char *reuse_reviewed(json_t *git, const char *path);

/* The key of a build (see above); 0, or -1 when the key cannot be known (a
 * directory cannot be read). *fresh says a file changed too recently for the
 * record to be trusted by the next build. boot: the running system's boot
 * (reuse_boot_id). A build does not sync what it writes (20,000 files would
 * take seconds on a disk): a power cut may leave files the record vouches
 * for empty, so the first build after the machine starts again is a full
 * one, and puts the site right. */
/* The collections' folders as the content loader listed them (tree.h), so
 * the key does not read them again; a NULL listing (or listed NULL): the
 * key reads that folder itself. Either way the key is the same. */
struct reuse_listings {
    const struct tree_dir *faq, *supporters;
};
int reuse_key(const char *content_dir, const char *theme_dir, const char *out_dir, json_t *git,
              const char *boot, int64_t started_ns, const struct reuse_listings *listed,
              uint8_t key[REUSE_KEY_BYTES], bool *fresh);
/* This boot of the system, as Linux names it (a UUID), or "" where it does
 * not say. */
void reuse_boot_id(char id[64]);

/* The record in out_dir when it was made under key, else NULL. */
struct reuse *reuse_load(const char *out_dir, const uint8_t key[REUSE_KEY_BYTES]);
/* The same in three steps, so the record is read while the key is worked
 * out: the record whatever its key (NULL when none reads back whole), then
 * r when it was made under key, else NULL (r is freed); then its pages'
 * table, which nothing may look a page up in before (reuse_find_page). Made
 * apart, on another thread while the content loads, it is off the path to
 * the first stat: 1 to 2 ms of 10,000 names. False when the record names a
 * page twice: it cannot be used after all. */
struct reuse *reuse_load_any(const char *out_dir);
struct reuse *reuse_keyed(struct reuse *r, const uint8_t key[REUSE_KEY_BYTES]);
bool reuse_index_pages(struct reuse *r);
void reuse_free(struct reuse *r);
size_t reuse_nitems(const struct reuse *r);
size_t reuse_nitems_of(const struct reuse *r, enum reuse_kind kind);
const struct reuse_item *reuse_item(const struct reuse *r, size_t i);
size_t reuse_index(const struct reuse *r, const struct reuse_item *it);
/* The record of a source file or a page, or NULL. */
const struct reuse_item *reuse_find_item(const struct reuse *r, const char *path);
/* The same, looking first at the item *next names (any value will do: a
 * record holds a path once), which then names the item after the one found. */
const struct reuse_item *reuse_find_item_from(const struct reuse *r, const char *path,
                                              size_t *next);
const struct reuse_page *reuse_find_page(const struct reuse *r, const char *rel);
/* The same, looking first at the page *next names, as reuse_find_item_from. */
const struct reuse_page *reuse_find_page_from(const struct reuse *r, const char *rel, size_t *next);
/* The pages in the order the build that made the record finished them. */
size_t reuse_npages(const struct reuse *r);
const struct reuse_page *reuse_page_at(const struct reuse *r, size_t i);
/* The search index as that build saved it (search_plan_save), read whole
 * from REUSE_SEARCH (its length and checksum are the index's); an empty
 * text when it saved none or the file does not read back. */
const struct reuse_text *reuse_search(const struct reuse *r);
/* The assets' object as that build gave it to the templates (JSON); an
 * empty text when it kept none. */
const struct reuse_text *reuse_assets(const struct reuse *r);
/* The files of the site the record describes, sorted. */
const struct reuse_text *reuse_files(const struct reuse *r, size_t *n);
/* 1 when t, a text of r's data (an item's values, card, entry or answer, a
 * page's search documents), holds what was written: its checksum matches.
 * Safe from any thread. */
bool reuse_whole(const struct reuse *r, const struct reuse_text *t);
/* An item's values as the content loader made them, only those named in
 * only (NULL-terminated) when it is not NULL (caller decrefs); NULL for
 * values that do not read back whole. */
json_t *reuse_values(const struct reuse *r, const struct reuse_item *it, const char *const *only);
/* A supporter's values as a stand-in reads them (content.h), without
 * making them JSON: its name and languages point into the record
 * (*languages is the caller's to free), accepting is true or false. They
 * are kept apart in the index (its checksum covers them), not among the
 * values in the data: 10,000 reads there, each a page of its own to fault
 * in and a checksum, were a twentieth of a rebuild's CPU. False when the
 * supporter was recorded without them: its values lacked that shape (a
 * name, accepting, a list of languages), or it has a photo (every build
 * copies one). */
bool reuse_supporter_values(const struct reuse_item *it, const char **name, bool *accepting,
                            const char ***languages, size_t *nlanguages);

/* The record of this build. The data is appended to the file in dir (the
 * directory being written): to prev's data when given, else to a new file.
 * The index (reuse_index_pieces) is written last, by the caller. Items and pages
 * are kept apart: reuse_keep_item may run on one thread while another adds
 * or keeps pages, but nothing else may run beside either. */
struct reuse_writer;
struct reuse_writer *reuse_writer_new(const uint8_t key[REUSE_KEY_BYTES], int64_t started_ns,
                                      const char *dir, const struct reuse *prev);
void reuse_writer_free(struct reuse_writer *w);
/* values: the item's content values (flat: strings, booleans, integers and
 * lists of strings are kept; its "src" and "reused" are not). fresh: the
 * next build must read the file again. */
void reuse_add_item(struct reuse_writer *w, enum reuse_kind kind, const char *path,
                    const struct reuse_stamp *stamp, const char *reviewed, bool fresh,
                    json_t *values, const char *card, size_t card_len, const char *entry,
                    size_t entry_len, const char *answer, size_t answer_len);
/* An item of prev's record kept as it is (with its stamp now). */
void reuse_keep_item(struct reuse_writer *w, const struct reuse_item *it,
                     const struct reuse_stamp *stamp, bool fresh);
void reuse_add_page(struct reuse_writer *w, const char *rel, const char *search, size_t search_len,
                    size_t ndocs, const char *const *ids, size_t nids);
/* A page of prev's record kept as it is (ids: its ids as C strings). */
void reuse_keep_page(struct reuse_writer *w, const struct reuse_page *pg, const char *const *ids);
/* The search index saved (search.h): the index keeps its length and
 * checksum; the caller writes the bytes to REUSE_SEARCH. And the assets'
 * object. From the building thread. */
void reuse_set_search(struct reuse_writer *w, const char *data, size_t len);
void reuse_set_assets(struct reuse_writer *w, const char *json, size_t len);
/* Every file of the site this build made or kept (sorted): a rebuild
 * that would leave one of them behind is not done in place. */
void reuse_set_files(struct reuse_writer *w, const char *const *files, size_t n);
/* The index's bytes, as pieces to be written one after another (the kept
 * runs point into prev's index: written before prev is freed); NULL when
 * the data could not be written. */
const struct fs_piece *reuse_index_pieces(struct reuse_writer *w, size_t *n);
/* The id pairing an index with its data. */
const uint8_t *reuse_data_id(const struct reuse *r);

#endif
