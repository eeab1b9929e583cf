#include "yamlschema.h"

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "editdist.h"
#include "formspec.h"
#include "frontmatter.h"
#include "utf8.h"
#include "xalloc.h"

static const char *scalar(yaml_node_t *n)
{
    return (const char *)n->data.scalar.value;
}

/* A plain empty scalar, "~" or "null" means "no value". */
static bool is_null(yaml_node_t *n)
{
    if (n->type != YAML_SCALAR_NODE || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
        return false;
    const char *s = scalar(n);
    return !*s || !strcmp(s, "~") || !strcmp(s, "null") || !strcmp(s, "Null") || !strcmp(s, "NULL");
}

static const char *node_kind(yaml_node_t *n)
{
    switch (n->type) {
    case YAML_SCALAR_NODE: return "a single value";
    case YAML_SEQUENCE_NODE: return "a list";
    case YAML_MAPPING_NODE: return "a mapping";
    default: return "nothing";
    }
}

static json_t *convert_map(struct ys_loader *L, yaml_node_t *map, const struct ys_key *spec,
                           const char *what);

void ys_strings_free(struct ys_strings *s)
{
    for (size_t i = 0; i < sizeof s->slot / sizeof s->slot[0]; i++)
        json_decref(s->slot[i]);
}

/* The string v of len bytes: the one in its slot when that holds the same
 * text, else a new one that takes the slot (NULL when v is not UTF-8). */
static json_t *shared_string(struct ys_strings *s, const char *v, size_t len)
{
    uint32_t h = 2166136261u; /* FNV-1a */
    for (size_t i = 0; i < len; i++)
        h = (h ^ (unsigned char)v[i]) * 16777619u;
    json_t **slot = &s->slot[h % (sizeof s->slot / sizeof s->slot[0])];
    if (*slot && json_string_length(*slot) == len && !memcmp(json_string_value(*slot), v, len))
        return json_incref(*slot);
    json_t *str = json_stringn(v, len);
    if (str) {
        json_decref(*slot);
        *slot = json_incref(str);
    }
    return str;
}

static json_t *convert_string(struct ys_loader *L, yaml_node_t *n, const char *key)
{
    if (n->type != YAML_SCALAR_NODE) {
        diag_error(L->d, YS_AT(L, n), "\"%s\" must be text, not %s", key, node_kind(n));
        return NULL;
    }
    json_t *s = L->strings ? shared_string(L->strings, scalar(n), n->data.scalar.length)
                           : json_stringn(scalar(n), n->data.scalar.length);
    if (!s)
        diag_error(L->d, YS_AT(L, n), "\"%s\" is not valid UTF-8 text", key);
    return s;
}

static json_t *convert_value(struct ys_loader *L, yaml_node_t *n, const struct ys_key *k)
{
    switch (k->type) {
    case YS_STRING:
    case YS_MARKDOWN: return convert_string(L, n, k->name);
    case YS_INT: {
        const char *s = scalar(n);
        char *end = NULL;
        errno = 0;
        long v = n->type == YAML_SCALAR_NODE ? strtol(s, &end, 10) : 0;
        if (n->type != YAML_SCALAR_NODE || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE || !*s ||
            *end || errno || v < INT_MIN || v > INT_MAX) {
            diag_error(L->d, YS_AT(L, n), "\"%s\" must be a whole number", k->name);
            return NULL;
        }
        return json_integer(v);
    }
    case YS_BOOL: {
        const char *s = n->type == YAML_SCALAR_NODE ? scalar(n) : "";
        bool plain = n->type == YAML_SCALAR_NODE && n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
        if (plain && (!strcasecmp(s, "true") || !strcasecmp(s, "yes")))
            return json_true();
        if (plain && (!strcasecmp(s, "false") || !strcasecmp(s, "no")))
            return json_false();
        diag_error(L->d, YS_AT(L, n), "\"%s\" must be true or false", k->name);
        return NULL;
    }
    case YS_STRINGS: {
        if (n->type != YAML_SEQUENCE_NODE) {
            diag_error(L->d, YS_AT(L, n), "\"%s\" must be a list, not %s", k->name, node_kind(n));
            return NULL;
        }
        json_t *arr = json_array();
        for (yaml_node_item_t *it = n->data.sequence.items.start; it < n->data.sequence.items.top;
             it++) {
            yaml_node_t *item = yaml_document_get_node(L->doc, *it);
            json_t *s = convert_string(L, item, k->name);
            if (s)
                json_array_append_new(arr, s);
        }
        return arr;
    }
    case YS_OBJECT:
        if (n->type != YAML_MAPPING_NODE) {
            diag_error(L->d, YS_AT(L, n), "\"%s\" must be a mapping of keys, not %s", k->name,
                       node_kind(n));
            return NULL;
        }
        return convert_map(L, n, k->sub, k->name);
    case YS_OBJECTS: {
        if (n->type != YAML_SEQUENCE_NODE) {
            diag_error(L->d, YS_AT(L, n), "\"%s\" must be a list, not %s", k->name, node_kind(n));
            return NULL;
        }
        json_t *arr = json_array();
        for (yaml_node_item_t *it = n->data.sequence.items.start; it < n->data.sequence.items.top;
             it++) {
            yaml_node_t *item = yaml_document_get_node(L->doc, *it);
            if (item->type != YAML_MAPPING_NODE) {
                diag_error(L->d, YS_AT(L, item), "each item of \"%s\" must be a mapping, not %s",
                           k->name, node_kind(item));
                continue;
            }
            json_t *o = convert_map(L, item, k->sub, k->name);
            if (o)
                json_array_append_new(arr, o);
        }
        return arr;
    }
    case YS_PAIRS: {
        if (n->type != YAML_SEQUENCE_NODE) {
            diag_error(L->d, YS_AT(L, n), "\"%s\" must be a list, not %s", k->name, node_kind(n));
            return NULL;
        }
        const struct ys_key pair[] = {
            {k->pair_key, YS_STRING, true, NULL, NULL, NULL},
            {"label", YS_STRING, false, NULL, NULL, NULL},
            {NULL, 0, false, NULL, NULL, NULL},
        };
        json_t *arr = json_array();
        json_t *seen = json_object();
        for (yaml_node_item_t *it = n->data.sequence.items.start; it < n->data.sequence.items.top;
             it++) {
            yaml_node_t *item = yaml_document_get_node(L->doc, *it);
            json_t *o = NULL;
            if (item->type == YAML_SCALAR_NODE && !is_null(item)) {
                o = json_object();
                json_object_set_new(o, k->pair_key, convert_string(L, item, k->name));
            } else if (item->type == YAML_MAPPING_NODE) {
                o = convert_map(L, item, pair, k->name);
            } else {
                diag_error(L->d, YS_AT(L, item),
                           "each item of \"%s\" must be text or a mapping "
                           "with \"%s\" and \"label\"",
                           k->name, k->pair_key);
            }
            if (!o)
                continue;
            json_t *key = json_object_get(o, k->pair_key);
            if (!json_is_string(key)) {
                json_decref(o);
                continue;
            }
            const char *v = json_string_value(key);
            if (!formspec_id_valid(v)) {
                diag_error(L->d, YS_AT(L, item),
                           "\"%s\" %s \"%s\" may only use letters, digits, "
                           "'.', '_' and '-'",
                           k->name, k->pair_key, v);
            } else if (json_object_get(seen, v)) {
                diag_error(L->d, YS_AT(L, item), "\"%s\": %s \"%s\" appears twice", k->name,
                           k->pair_key, v);
                json_decref(o); /* the first is shown: not one error more for the page */
                continue;
            }
            json_object_set_new(seen, v, json_true());
            if (!json_object_get(o, "label"))
                json_object_set(o, "label", key);
            json_array_append_new(arr, o);
        }
        json_decref(seen);
        return arr;
    }
    }
    return NULL;
}

/* Where each source line of scalar n starts in its value v. Each line's
 * text (its indentation, a carriage return and trailing blanks left out;
 * on the first line, what precedes the scalar, an anchor or a tag, and its
 * quote) is looked for at the value's next bytes, or, past an escape the
 * value holds otherwise (quotes), a little further on; a line not found is
 * left out, and places on it count from the line before. */
static json_t *markdown_at(struct ys_loader *L, yaml_node_t *n, json_t *v)
{
    json_t *at = json_array();
    const char *value = json_string_value(v), *src = L->src;
    size_t vlen = json_string_length(v), cursor = 0;
    if (!src)
        return at;
    bool block = n->data.scalar.style == YAML_LITERAL_SCALAR_STYLE ||
                 n->data.scalar.style == YAML_FOLDED_SCALAR_STYLE;
    bool quoted = n->data.scalar.style == YAML_SINGLE_QUOTED_SCALAR_STYLE ||
                  n->data.scalar.style == YAML_DOUBLE_QUOTED_SCALAR_STYLE;
    size_t pos = fm_mark_byte(src, L->src_len, &n->start_mark);
    int first_line = 0, first_column = 0;
    /* A block ends where the next key's line starts: that line is not its. */
    size_t end_line =
        n->end_mark.line - (n->end_mark.column == 0 && n->end_mark.line > n->start_mark.line);
    for (size_t line = n->start_mark.line; line <= end_line && pos < L->src_len; line++) {
        size_t line_start = pos;
        while (line_start > 0 && src[line_start - 1] != '\n')
            line_start--;
        size_t eol = pos;
        while (eol < L->src_len && src[eol] != '\n')
            eol++;
        const char *text = src + pos;
        size_t len = eol - pos;
        pos = eol + 1; /* the next line */
        if (line == n->start_mark.line) {
            if (block)
                continue;                                   /* the indicator's line holds no text */
            while (len && (*text == '&' || *text == '!')) { /* an anchor, a tag */
                while (len && *text != ' ')
                    text++, len--;
                while (len && *text == ' ')
                    text++, len--;
            }
            if (len && (*text == '"' || *text == '\''))
                text++, len--;
        }
        while (len && (*text == ' ' || (!block && *text == '\t')))
            text++, len--;
        while (len && (text[len - 1] == '\r' || text[len - 1] == ' ' || text[len - 1] == '\t'))
            len--;
        if (quoted && line == end_line && len && (text[len - 1] == '"' || text[len - 1] == '\''))
            len--; /* the closing quote */
        if (!len)
            continue; /* a blank line */
        int column = (int)utf8_chars(src + line_start, (size_t)(text - src) - line_start) + 1;
        if (!first_line) { /* where the value starts, whatever is found */
            first_line = (int)line + L->line0;
            first_column = column;
        }
        /* The value's next text, after the newlines or the space that
         * stand for the line breaks before it. */
        size_t found = cursor;
        while (found < vlen && (value[found] == '\n' || value[found] == ' '))
            found++;
        size_t same = 0;
        while (same < len && found + same < vlen && value[found + same] == text[same])
            same++;
        if (!same) { /* an escape before it: look a little further */
            size_t key = len < 8 ? len : 8, window = vlen - cursor < 4096 ? vlen - cursor : 4096;
            const char *hit = memmem(value + cursor, window, text, key);
            if (!hit)
                continue;
            found = (size_t)(hit - value);
            while (same < len && found + same < vlen && value[found + same] == text[same])
                same++;
        }
        json_array_append_new(at, json_pack("[I, i, i]", (json_int_t)found, (int)line + L->line0,
                                            column));
        cursor = found + same;
    }
    /* Text before the first line found (an escape on it) is on the
     * value's first line. */
    json_t *head = json_array_get(at, 0);
    if (first_line && (!head || json_integer_value(json_array_get(head, 0)) > 0))
        json_array_insert_new(at, 0,
                              json_pack("[I, i, i]", (json_int_t)0, first_line, first_column));
    return at;
}

yaml_node_t *ys_value_of(struct ys_loader *L, yaml_node_t *map, const char *key)
{
    if (map->type != YAML_MAPPING_NODE)
        return NULL;
    for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
         p++) {
        yaml_node_t *k = yaml_document_get_node(L->doc, p->key);
        if (k && k->type == YAML_SCALAR_NODE && !strcmp(scalar(k), key))
            return yaml_document_get_node(L->doc, p->value);
    }
    return NULL;
}

void ys_markdown_at(const json_t *at, const char *value, size_t offset, int *line, int *column)
{
    *line = 0;
    *column = 0;
    size_t i;
    json_t *e;
    json_array_foreach (at, i, e) {
        size_t off = (size_t)json_integer_value(json_array_get(e, 0));
        if (off > offset && i > 0)
            break;
        *line = (int)json_integer_value(json_array_get(e, 1));
        *column = (int)json_integer_value(json_array_get(e, 2)) +
                  (offset > off ? (int)utf8_chars(value + off, offset - off) : 0);
    }
}

static void unknown_key(struct ys_loader *L, yaml_node_t *key, const struct ys_key *spec,
                        const char *what)
{
    const char *name = scalar(key), *near = NULL;
    size_t best = 3;
    for (const struct ys_key *k = spec; k->name; k++) {
        size_t dist = editdist(name, k->name);
        if (dist < best) {
            best = dist;
            near = k->name;
        }
    }
    if (near)
        diag_error(L->d, YS_AT(L, key), "unknown key \"%s\" in %s (did you mean \"%s\"?)", name,
                   what, near);
    else
        diag_error(L->d, YS_AT(L, key), "unknown key \"%s\" in %s", name, what);
}

/* Converts a mapping to a JSON object holding only the keys of spec; reports
 * unknown, duplicate, missing and mistyped keys. Returns NULL only when the
 * mapping was unusable; a partial object is returned otherwise (errors are in
 * the diag either way). */
static json_t *convert_map(struct ys_loader *L, yaml_node_t *map, const struct ys_key *spec,
                           const char *what)
{
    json_t *obj = json_object();
    uint64_t seen = 0; /* bit i: spec[i] was given, with a value or not */
    for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
         p++) {
        yaml_node_t *key = yaml_document_get_node(L->doc, p->key);
        yaml_node_t *val = yaml_document_get_node(L->doc, p->value);
        if (key->type != YAML_SCALAR_NODE) {
            diag_error(L->d, YS_AT(L, key), "keys must be plain names in %s", what);
            continue;
        }
        const struct ys_key *k = spec;
        while (k->name && strcmp(k->name, scalar(key)))
            k++;
        if (!k->name) {
            unknown_key(L, key, spec, what);
            continue;
        }
        uint64_t bit = (uint64_t)1 << (k - spec);
        if (seen & bit) {
            diag_error(L->d, YS_AT(L, key), "key \"%s\" appears twice in %s", k->name, what);
            continue;
        }
        seen |= bit;
        if (is_null(val)) {
            if (k->required)
                diag_error(L->d, YS_AT(L, key), "\"%s\" has no value", k->name);
            continue;
        }
        json_t *v = convert_value(L, val, k);
        if (!v)
            continue;
        if (k->check && k->type != YS_OBJECTS)
            k->check(L, val, v);
        if (k->type == YS_MARKDOWN) {
            char *name = xasprintf("%s@at", k->name);
            json_object_set_new(obj, name, markdown_at(L, val, v));
            free(name);
        }
        if (k->check && k->type == YS_OBJECTS) {
            size_t i = 0;
            for (yaml_node_item_t *it = val->data.sequence.items.start;
                 it < val->data.sequence.items.top && i < json_array_size(v); it++) {
                yaml_node_t *item = yaml_document_get_node(L->doc, *it);
                if (item->type == YAML_MAPPING_NODE)
                    k->check(L, item, json_array_get(v, i++));
            }
        }
        json_object_set_new_nocheck(obj, k->name, v);
    }
    for (const struct ys_key *k = spec; k->name; k++)
        if (k->required && !(seen & (uint64_t)1 << (k - spec)))
            diag_error(L->d, YS_AT(L, map), "missing required key \"%s\" in %s", k->name, what);
    return obj;
}

json_t *ys_load(const char *path, const char *yaml, size_t len, int first_line,
                const struct ys_key *spec, const char *what, void *ctx, struct ys_strings *strings,
                struct diag *d)
{
    yaml_document_t doc;
    json_t *obj = NULL;
    if (fm_load_yaml(path, yaml, len, first_line, &doc, d) < 0)
        return NULL;
    struct ys_loader L = {ctx, d, path, &doc, first_line, strings, yaml, len};
    yaml_node_t *root = yaml_document_get_root_node(&doc);
    if (!root || is_null(root)) {
        obj = json_object();
        for (const struct ys_key *k = spec; k->name; k++)
            if (k->required)
                diag_error(d, path, first_line, 1, "missing required key \"%s\" in %s", k->name,
                           what);
    } else if (root->type != YAML_MAPPING_NODE) {
        diag_error(d, YS_AT(&L, root), "%s must be a mapping of keys, not %s", what,
                   node_kind(root));
    } else {
        obj = convert_map(&L, root, spec, what);
    }
    yaml_document_delete(&doc);
    return obj;
}
