#include "markdown.h"

#include <cmark.h>
#include <stdlib.h>
#include <string.h>

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
    char *out = cmark_render_html(doc, opts);
    buf_puts(html, out);
    free(out);
    buf_free(&url);
    cmark_node_free(doc);
}
