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

/* Renders src (compiled afresh, not cached); partials come from the loader. */
int mustache_render_string(struct mustache *m, const char *name, const char *src, size_t len,
                           json_t *data, struct buf *out, struct diag *d);

#endif
