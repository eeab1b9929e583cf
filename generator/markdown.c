#include "markdown.h"

#include <cmark.h>
#include <stdlib.h>
#include <string.h>

#include "content.h"
#include "phone.h"
#include "xalloc.h"

void md_rewrite_url(const char *url, const char *root, struct buf *out)
{
    if (url[0] == '/' && url[1] != '/') {
        buf_puts(out, root);
        if (!root[0] && (url[1] == '\0' || url[1] == '#'))
            buf_puts(out, "./");
        buf_puts(out, url + 1);
    } else {
        buf_puts(out, url);
    }
}

/* Inline nodes carry no source position in cmark; use the nearest block's. */
static void node_position(cmark_node *n, int *line, int *col)
{
    while (n && cmark_node_get_start_line(n) == 0)
        n = cmark_node_parent(n);
    *line = n ? cmark_node_get_start_line(n) : 1;
    *col = n ? cmark_node_get_start_column(n) : 1;
}

/* The nodes of doc of one type (outside links and images), in document
 * order; NULL-terminated, caller frees. Collected first: the tree is
 * changed afterwards. */
static cmark_node **nodes_of(cmark_node *doc, cmark_node_type want)
{
    size_t n = 0, cap = 8;
    cmark_node **list = xmalloc(cap * sizeof *list);
    cmark_iter *it = cmark_iter_new(doc);
    cmark_event_type ev;
    int in_link = 0;
    while ((ev = cmark_iter_next(it)) != CMARK_EVENT_DONE) {
        cmark_node *node = cmark_iter_get_node(it);
        cmark_node_type type = cmark_node_get_type(node);
        if (type == CMARK_NODE_LINK || type == CMARK_NODE_IMAGE)
            in_link += ev == CMARK_EVENT_ENTER ? 1 : -1;
        if (ev != CMARK_EVENT_ENTER || type != want || in_link)
            continue;
        if (n + 1 >= cap)
            list = xrealloc(list, (cap *= 2) * sizeof *list);
        list[n++] = node;
    }
    cmark_iter_free(it);
    list[n] = NULL;
    return list;
}

/* Telephone numbers in the text become tel: (and sms:) links (phone.h):
 * the text node is replaced by the same text as HTML with the links. */
static void phone_links(cmark_node *doc)
{
    cmark_node **texts = nodes_of(doc, CMARK_NODE_TEXT);
    struct buf html = BUF_INIT;
    for (size_t i = 0; texts[i]; i++) {
        const char *lit = cmark_node_get_literal(texts[i]);
        buf_reset(&html);
        if (!lit || !phone_html(lit, strlen(lit), &html))
            continue;
        cmark_node *raw = cmark_node_new(CMARK_NODE_CUSTOM_INLINE);
        cmark_node_set_on_enter(raw, html.data);
        cmark_node_replace(texts[i], raw);
        cmark_node_free(texts[i]);
    }
    buf_free(&html);
    free(texts);
}

/* Headings get an id from their words ("## What it is not" ->
 * id="what-it-is-not"; "-2" and so on when one repeats), so a heading can
 * be linked to, and search can point into a long page. */
static void heading_ids(cmark_node *doc)
{
    cmark_node **heads = nodes_of(doc, CMARK_NODE_HEADING);
    json_t *seen = json_object();
    struct buf words = BUF_INIT, tag = BUF_INIT;
    for (size_t i = 0; heads[i]; i++) {
        buf_reset(&words);
        cmark_iter *it = cmark_iter_new(heads[i]);
        cmark_event_type ev;
        while ((ev = cmark_iter_next(it)) != CMARK_EVENT_DONE) {
            cmark_node *n = cmark_iter_get_node(it);
            cmark_node_type t = cmark_node_get_type(n);
            if (ev == CMARK_EVENT_ENTER && (t == CMARK_NODE_TEXT || t == CMARK_NODE_CODE))
                buf_puts(&words, cmark_node_get_literal(n));
        }
        cmark_iter_free(it);
        char *slug = content_slugify(words.data ? words.data : "");
        char *id = xstrdup(*slug ? slug : "section");
        for (int k = 2; json_object_get(seen, id); k++) {
            free(id);
            id = xasprintf("%s-%d", *slug ? slug : "section", k);
        }
        json_object_set_new(seen, id, json_true());
        int level = cmark_node_get_heading_level(heads[i]);
        cmark_node *block = cmark_node_new(CMARK_NODE_CUSTOM_BLOCK);
        buf_reset(&tag);
        buf_printf(&tag, "<h%d id=\"%s\">", level, id);
        cmark_node_set_on_enter(block, tag.data);
        buf_reset(&tag);
        buf_printf(&tag, "</h%d>", level);
        cmark_node_set_on_exit(block, tag.data);
        cmark_node *child;
        while ((child = cmark_node_first_child(heads[i])))
            cmark_node_append_child(block, child);
        cmark_node_replace(heads[i], block);
        cmark_node_free(heads[i]);
        free(slug);
        free(id);
    }
    buf_free(&words);
    buf_free(&tag);
    json_decref(seen);
    free(heads);
}

void md_render(const char *md, size_t len, int first_line, const char *root, struct buf *html,
               json_t *links, struct buf *text)
{
    int opts = CMARK_OPT_DEFAULT | CMARK_OPT_VALIDATE_UTF8 | CMARK_OPT_SMART;
    cmark_node *doc = cmark_parse_document(md, len, opts);
    cmark_iter *it = cmark_iter_new(doc);
    struct buf url = BUF_INIT;
    cmark_event_type ev;
    while ((ev = cmark_iter_next(it)) != CMARK_EVENT_DONE) {
        cmark_node *n = cmark_iter_get_node(it);
        cmark_node_type type = cmark_node_get_type(n);
        if (ev == CMARK_EVENT_ENTER && (type == CMARK_NODE_LINK || type == CMARK_NODE_IMAGE)) {
            const char *u = cmark_node_get_url(n);
            buf_reset(&url);
            md_rewrite_url(u ? u : "", root, &url);
            if (links) { /* before set_url, which frees u */
                int line, col;
                node_position(n, &line, &col);
                json_array_append_new(links, json_pack("[s, i, i, s]", url.data,
                                                       line + first_line - 1, col, u ? u : ""));
            }
            cmark_node_set_url(n, url.data);
        }
        if (!text)
            continue;
        if (ev == CMARK_EVENT_ENTER &&
            (type == CMARK_NODE_TEXT || type == CMARK_NODE_CODE || type == CMARK_NODE_CODE_BLOCK)) {
            const char *lit = cmark_node_get_literal(n);
            buf_puts(text, lit ? lit : "");
        } else if ((ev == CMARK_EVENT_ENTER &&
                    (type == CMARK_NODE_SOFTBREAK || type == CMARK_NODE_LINEBREAK)) ||
                   (ev == CMARK_EVENT_EXIT &&
                    (type == CMARK_NODE_PARAGRAPH || type == CMARK_NODE_HEADING ||
                     type == CMARK_NODE_ITEM))) {
            buf_putc(text, ' ');
        }
    }
    cmark_iter_free(it);
    if (html) {
        phone_links(doc);
        heading_ids(doc);
        char *out = cmark_render_html(doc, opts);
        buf_puts(html, out);
        free(out);
    }
    buf_free(&url);
    cmark_node_free(doc);
}

void md_excerpt(const char *md, size_t len, size_t max, struct buf *out)
{
    struct buf text = BUF_INIT; /* the text alone: no HTML is made */
    md_render(md, len, 1, "", NULL, NULL, &text);
    const char *t = text.data ? text.data : "";
    while (*t == ' ')
        t++;
    size_t n = strlen(t);
    while (n > 0 && t[n - 1] == ' ')
        n--;
    if (n <= max) {
        buf_append(out, t, n);
    } else {
        size_t cut = max;
        while (cut > 0 && t[cut] != ' ')
            cut--;
        while (cut > 0 && strchr(" ,;:.-", t[cut - 1]))
            cut--;
        buf_append(out, t, cut ? cut : max);
        buf_puts(out, "…");
    }
    buf_free(&text);
}
