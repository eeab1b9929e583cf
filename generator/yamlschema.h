/* yamlschema: converts a YAML mapping (a .yml file or a Markdown file's front
 * matter) to JSON against a small declarative schema, reporting every unknown,
 * duplicate, missing or mistyped key as path:line:column (DESIGN §3).
 *
 * The schema is a table of at most 64 struct ys_key ending with a NULL name. A key may
 * carry a check that validates the converted value further; checks receive the
 * loader, so they can report at the node and reach the caller's context. */
#ifndef PEERKIT_YAMLSCHEMA_H
#define PEERKIT_YAMLSCHEMA_H

#include <jansson.h>
#include <stdbool.h>
#include <yaml.h>

#include "diag.h"

enum ys_type {
    YS_STRING,   /* any scalar, kept as a string */
    YS_INT,      /* plain scalar of digits */
    YS_BOOL,     /* plain true/false/yes/no */
    YS_STRINGS,  /* sequence of scalars */
    YS_OBJECT,   /* mapping checked against sub */
    YS_OBJECTS,  /* sequence of mappings checked against sub */
    YS_PAIRS,    /* sequence of tokens or {KEY, label} mappings (roles, options) */
    YS_MARKDOWN, /* a scalar of Markdown: a string, and beside it under "KEY@at" where
                  * its lines start in the file (ys_markdown_at) */
};

struct ys_loader;
typedef void (*ys_check_fn)(struct ys_loader *L, yaml_node_t *node, json_t *value);

struct ys_key {
    const char *name;
    enum ys_type type;
    bool required;
    const struct ys_key *sub; /* YS_OBJECT / YS_OBJECTS */
    ys_check_fn check;        /* extra validation of the converted value */
    const char *pair_key;     /* YS_PAIRS: "id" or "value" */
};

/* Strings recently converted, to be shared: values such as a role, a
 * department or a language repeat from file to file, and a shared JSON
 * string costs neither memory nor allocations. One per thread loading many
 * files (zeroed to start, ys_strings_free at the end). A check of a schema
 * loaded with one must not change the string it checks. */
struct ys_strings {
    json_t *slot[512];
};

void ys_strings_free(struct ys_strings *s);

/* What a check sees: the caller's context, the diagnostics and the document. */
struct ys_loader {
    void *ctx;
    struct diag *d;
    const char *path;
    yaml_document_t *doc;
    int line0;                  /* file line of YAML line 0 */
    struct ys_strings *strings; /* NULL: nothing shared */
    const char *src;            /* the YAML text */
    size_t src_len;
};

/* The file, line and column of a node, for diag_error. */
#define YS_AT(L, node)                                                                             \
    (L)->path, (int)(node)->start_mark.line + (L)->line0, (int)(node)->start_mark.column + 1

/* Parses yaml (starting at file line first_line of path) and converts its
 * mapping against spec; what names the mapping in messages ("site.yml").
 * An empty document is an empty mapping. Returns a new object (caller decrefs)
 * that holds only known keys, even when errors were reported; NULL when the
 * document is unusable. Errors are in d either way. strings (or NULL) are
 * the strings the object may share with others loaded before. */
json_t *ys_load(const char *path, const char *yaml, size_t len, int first_line,
                const struct ys_key *spec, const char *what, void *ctx, struct ys_strings *strings,
                struct diag *d);

/* The value node of key in mapping node map, or NULL (for a check to
 * point at one key of the mapping it checks). */
yaml_node_t *ys_value_of(struct ys_loader *L, yaml_node_t *map, const char *key);

/* Where byte offset of a YS_MARKDOWN value lies in its file, from the
 * value's "KEY@at" (an array of [offset, line, column], one per source
 * line, in order); *line 0 when at is NULL or empty. Columns count
 * characters, as editors (and libyaml's messages) do. Scalars span lines: a
 * folded one (>) joins them, so a link's place in the value is not its
 * place in the file. */
void ys_markdown_at(const json_t *at, const char *value, size_t offset, int *line, int *column);

#endif
