#include "sitedata.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "formspec.h"
#include "xalloc.h"

json_t *sitedata_schema(const struct content *c)
{
    json_t *site = c->site;
    json_t *schema = formspec_schema_new(c->request, json_object_get(site, "response_time"),
                                         json_object_get(site, "kiosk"));
    /* peeradmin measures follow-up against the promise (DESIGN §6). */
    if (json_object_get(site, "response_within"))
        json_object_set(schema, "response_within", json_object_get(site, "response_within"));
    return schema;
}

static void put_spaces(struct buf *out, int n)
{
    static const char spaces[] = "                ";
    for (; n > 0; n -= (int)sizeof spaces - 1)
        buf_append(out, spaces, n < (int)sizeof spaces - 1 ? (size_t)n : sizeof spaces - 1);
}

/* A scalar exactly as jansson writes it (its escaping, its numbers), into a
 * buffer on the stack: no allocation for the usual short value. */
static void put_scalar(struct buf *out, json_t *v)
{
    char text[256];
    size_t n = json_dumpb(v, text, sizeof text, JSON_ENCODE_ANY);
    if (n && n <= sizeof text) {
        buf_append(out, text, n);
        return;
    }
    char *long_text = json_dumps(v, JSON_ENCODE_ANY);
    if (!long_text)
        abort();
    buf_puts(out, long_text);
    free(long_text);
}

static void put_key(struct buf *out, const char *key)
{
    json_t *k = json_string(key);
    put_scalar(out, k);
    json_decref(k);
}

/* Appends v as json_dumps writes it with JSON_INDENT(1), in insertion order,
 * nested depth levels into a document whose lines after the first are all
 * indented by base spaces more: so a large document can be written one
 * member at a time, and without making a copy of each member to dump. */
static void put_value(struct buf *out, json_t *v, int base, int depth)
{
    if (json_is_array(v) && json_array_size(v)) {
        size_t i;
        json_t *x;
        buf_putc(out, '[');
        json_array_foreach (v, i, x) {
            buf_puts(out, i ? ",\n" : "\n");
            put_spaces(out, base + depth + 1);
            put_value(out, x, base, depth + 1);
        }
        buf_putc(out, '\n');
        put_spaces(out, base + depth);
        buf_putc(out, ']');
    } else if (json_is_object(v) && json_object_size(v)) {
        const char *key;
        json_t *x;
        bool first = true;
        buf_putc(out, '{');
        json_object_foreach (v, key, x) {
            buf_puts(out, first ? "\n" : ",\n");
            first = false;
            put_spaces(out, base + depth + 1);
            put_key(out, key);
            buf_puts(out, ": ");
            put_value(out, x, base, depth + 1);
        }
        buf_putc(out, '\n');
        put_spaces(out, base + depth);
        buf_putc(out, '}');
    } else {
        put_scalar(out, v); /* and [] and {} */
    }
}

void sitedata_supporter_entry(json_t *s, struct buf *out)
{
    static const char *const keys[] = {"slug",      "name",       "credentials", "pronouns",
                                       "role",      "department", "specialty",   "modalities",
                                       "languages", "campus",     "accepting",   NULL};
    /* What json_dumps wrote of {keys..., url} at depth 2 of the document,
     * without making that object. The keys are plain words. */
    bool first = true;
    buf_puts(out, "  {");
    for (size_t k = 0; keys[k]; k++) {
        json_t *v = json_object_get(s, keys[k]);
        if (!v)
            continue;
        buf_puts(out, first ? "\n   \"" : ",\n   \"");
        buf_puts(out, keys[k]);
        buf_puts(out, "\": ");
        first = false;
        put_value(out, v, 2, 1);
    }
    buf_puts(out, first ? "\n   \"url\": " : ",\n   \"url\": ");
    json_t *url = json_sprintf("supporters/%s/", json_string_value(json_object_get(s, "slug")));
    put_scalar(out, url);
    json_decref(url);
    buf_puts(out, "\n  }");
}

static void head_before_list(const struct content *c, struct buf *out)
{
    buf_puts(out, "{\n \"version\": 1,\n \"roles\": ");
    put_value(out, json_object_get(c->site, "roles"), 1, 0);
    buf_puts(out, ",\n \"supporters\": ");
}

void sitedata_supporters_head(const struct content *c, struct buf *out)
{
    head_before_list(c, out);
    buf_puts(out, "[\n");
}

size_t sitedata_supporters_pieces(const struct content *c, const char *const *entry,
                                  const size_t *len, size_t n, struct buf *head,
                                  struct fs_piece *pieces)
{
    size_t k = 0;
    if (!n) {
        head_before_list(c, head);
        buf_puts(head, "[]\n}\n");
        pieces[k++] = (struct fs_piece){head->data, head->len, 0};
        return k;
    }
    sitedata_supporters_head(c, head);
    pieces[k++] = (struct fs_piece){head->data, head->len, 0};
    for (size_t i = 0; i < n; i++) {
        if (i)
            pieces[k++] =
                (struct fs_piece){SITEDATA_ENTRY_SEPARATOR, strlen(SITEDATA_ENTRY_SEPARATOR), 0};
        pieces[k++] = (struct fs_piece){entry[i], len[i], 0};
    }
    pieces[k++] = (struct fs_piece){SITEDATA_SUPPORTERS_TAIL, strlen(SITEDATA_SUPPORTERS_TAIL), 0};
    return k;
}

void sitedata_supporters_join(const struct content *c, const char *const *entry, const size_t *len,
                              size_t n, struct buf *out)
{
    struct buf head = BUF_INIT;
    struct fs_piece *pieces = xcalloc(2 * n + 2, sizeof *pieces);
    size_t k = sitedata_supporters_pieces(c, entry, len, n, &head, pieces);
    for (size_t i = 0; i < k; i++)
        buf_append(out, pieces[i].data, pieces[i].len);
    free(pieces);
    buf_free(&head);
}

void sitedata_supporters(const struct content *c, struct buf *out)
{
    size_t n = json_array_size(c->supporters);
    struct buf *one = xcalloc(n + 1, sizeof *one);
    const char **entry = xcalloc(n + 1, sizeof *entry);
    size_t *len = xcalloc(n + 1, sizeof *len);
    for (size_t i = 0; i < n; i++) {
        sitedata_supporter_entry(json_array_get(c->supporters, i), &one[i]);
        entry[i] = one[i].data;
        len[i] = one[i].len;
    }
    sitedata_supporters_join(c, entry, len, n, out);
    for (size_t i = 0; i < n; i++)
        buf_free(&one[i]);
    free(one);
    free(entry);
    free(len);
}

static int by_string(const void *a, const void *b);

json_t *sitedata_datalist(const struct content *c, const char *field_id)
{
    json_t *list = json_array(), *s, *l;
    size_t i, j;
    if (!strcmp(field_id, "supporter")) {
        json_array_foreach (c->supporters, i, s) {
            if (content_supporter_accepting(c, s))
                json_array_append_new(list,
                                      json_pack("{s:s, s:s}", "value", content_supporter_name(c, s),
                                                "slug", content_item_slug(c, s)));
        }
        if (json_array_size(list) > SITEDATA_DATALIST_MAX)
            json_array_clear(list);
        return list;
    }
    if (strcmp(field_id, "language")) {
        json_decref(list);
        return NULL;
    }
    json_t *seen = json_object();
    json_array_foreach (c->supporters, i, s) {
        for (j = 0; j < content_supporter_nlanguages(c, s); j++)
            json_object_set_new(seen, content_supporter_language(c, s, j), json_true());
    }
    size_t n = json_object_size(seen), k = 0;
    const char **names = xmalloc((n + 1) * sizeof *names);
    const char *key;
    json_object_foreach (seen, key, l) {
        names[k++] = key;
    }
    qsort(names, n, sizeof *names, by_string);
    for (k = 0; k < n; k++)
        json_array_append_new(list, json_pack("{s:s, s:b}", "value", names[k], "slug", 0));
    free(names);
    json_decref(seen);
    return list;
}

static int by_string(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

void sitedata_sitemap(const char *base_url, json_t *urls, struct buf *out)
{
    size_t n = json_array_size(urls);
    const char **sorted = xmalloc((n + 1) * sizeof *sorted);
    for (size_t i = 0; i < n; i++)
        sorted[i] = json_string_value(json_array_get(urls, i));
    qsort(sorted, n, sizeof *sorted, by_string);
    buf_puts(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                  "<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n");
    for (size_t i = 0; i < n; i++) {
        buf_puts(out, "<url><loc>");
        buf_append_html(out, base_url, strlen(base_url));
        buf_append_html(out, sorted[i], strlen(sorted[i]));
        buf_puts(out, "</loc></url>\n");
    }
    buf_puts(out, "</urlset>\n");
    free(sorted);
}
