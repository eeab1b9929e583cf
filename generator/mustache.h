/* mustache: our Mustache template engine (no C Mustache library is packaged),
 * following the spec in shared/spec/mustache: interpolation with HTML
 * escaping by default, sections, inverted sections, comments, partials with
 * standalone indentation, set delimiters, and template inheritance (parents
 * {{<name}} and blocks {{$name}}). Data is jansson JSON.
 *
 * Templates are compiled once and cached by name; rendering walks the
 * compiled nodes and appends to a buffer. */
#ifndef PEERKIT_MUSTACHE_H
#define PEERKIT_MUSTACHE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "buf.h"
#include "diag.h"

/* Returns the source of template NAME (malloc'd; the engine frees it) and its
 * length, or NULL when there is no such template (a missing partial renders
 * as nothing, as the spec says). */
typedef char *(*mustache_load_fn)(void *ctx, const char *name, size_t *len);

struct mustache;

struct mustache *mustache_new(mustache_load_fn load, void *ctx);
void mustache_free(struct mustache *m);

/* Renders template NAME with data, appending to out. Syntax errors are added
 * to d as NAME:line:column and return -1 (as does a missing NAME, or nesting
 * of partials and parents deeper than 64 levels). */
int mustache_render(struct mustache *m, const char *name, json_t *data, struct buf *out,
                    struct diag *d);

/* Renders NAME with data in front of base (may be NULL) on the context
 * stack: a name is looked up in data, then in base, which is what rendering a
 * merge of the two would do, without copying base for every page. */
int mustache_render_layered(struct mustache *m, const char *name, json_t *base, json_t *data,
                            struct buf *out, struct diag *d);

/* A long list rendered item by item (on several threads, or kept from an
 * earlier build): while template NAME renders, its one section named
 * section emits text[i] for the list's i-th item instead of rendering its
 * body. mustache_render_item gives that text: the section's body rendered
 * once with item in front of data in front of base. So an item sees its own
 * values, data and base, and nothing the page adds beside the list. All
 * three refuse (-1, with an error in d) a template with no such section,
 * with more than one, or with a block inside it; check says only that. */
struct mustache_items {
    const char *section;
    size_t n;
    const char *const *text;
    const size_t *len;
    /* Set by mustache_render_items: the list went once into out, as given
     * (not reindented inside a block), at out's byte at. Then a page made
     * with other texts is the same page with its list in their place. */
    bool placed;
    size_t at;
};
int mustache_check_items(struct mustache *m, const char *name, const char *section, struct diag *d);
int mustache_render_items(struct mustache *m, const char *name, json_t *base, json_t *data,
                          struct mustache_items *items, struct buf *out, struct diag *d);
int mustache_render_item(struct mustache *m, const char *name, const char *section, json_t *base,
                         json_t *data, json_t *item, struct buf *out, struct diag *d);

/* Renders src (compiled afresh, not cached); partials come from the loader. */
int mustache_render_string(struct mustache *m, const char *name, const char *src, size_t len,
                           json_t *data, struct buf *out, struct diag *d);

#endif
