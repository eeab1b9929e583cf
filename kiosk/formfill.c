#include "formfill.h"

#include <sodium.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "xalloc.h"

#define SUMMARY_PLACEHOLDER                                                                        \
    "<div class=\"error-summary\" id=\"seal-errors\" tabindex=\"-1\" hidden></div>"

/* One change to the form: at byte `at`, drop `del` bytes and insert the
 * text at [off, off + len) of the insertion arena. Edits at the same place
 * keep the order they were made in. */
struct edit {
    size_t at, del, off, len, seq;
};

struct edits {
    const char *html;
    struct edit *e;
    size_t n, cap;
    struct buf *arena; /* sized by the caller: never reallocated */
};

/* Starts an insertion at `at`: the text appended to the arena until the
 * next edit_begin belongs to it (edit_end closes it). */
static void edit_begin(struct edits *E, size_t at, size_t del)
{
    if (E->n == E->cap) {
        E->cap = E->cap ? 2 * E->cap : 32;
        E->e = xrealloc(E->e, E->cap * sizeof *E->e);
    }
    E->e[E->n] = (struct edit){at, del, E->arena->len, 0, E->n};
    E->n++;
}

static void edit_end(struct edits *E)
{
    struct edit *e = &E->e[E->n - 1];
    e->len = E->arena->len - e->off;
}

static void insert(struct edits *E, size_t at, const char *text)
{
    edit_begin(E, at, 0);
    buf_puts(E->arena, text);
    edit_end(E);
}

static int by_place(const void *a, const void *b)
{
    const struct edit *x = a, *y = b;
    if (x->at != y->at)
        return x->at < y->at ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* The tag that holds `attr` (e.g. id="f-name"): offsets of its '<' and of
 * its closing '>'. Returns false when the attribute is not in html. */
static bool tag_with(const char *html, const char *attr, size_t *start, size_t *end)
{
    const char *p = strstr(html, attr);
    if (!p)
        return false;
    const char *lt = p;
    while (lt > html && *lt != '<')
        lt--;
    const char *gt = strchr(p, '>');
    if (!gt)
        return false;
    *start = (size_t)(lt - html);
    *end = (size_t)(gt - html);
    return true;
}

static bool tag_for_id(const char *html, const char *id, size_t *start, size_t *end)
{
    char *attr = xasprintf("id=\"%s\"", id);
    bool found = tag_with(html, attr, start, end);
    free(attr);
    return found;
}

static const char *str(json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "";
}

static bool offers(json_t *field, const char *value)
{
    size_t i;
    json_t *o;
    json_array_foreach (json_object_get(field, "options"), i, o) {
        if (!strcmp(str(o, "value"), value))
            return true;
    }
    return false;
}

static bool is_group(const char *type)
{
    return !strcmp(type, "radio") || !strcmp(type, "checkboxes");
}

/* Adds a boolean attribute (" checked", " selected") to the tag with id. */
static void flag(struct edits *E, const char *id, const char *attr)
{
    size_t s, e;
    if (tag_for_id(E->html, id, &s, &e))
        insert(E, e, attr);
}

/* Puts a field's value back into its control. */
static void fill_value(struct edits *E, json_t *f, json_t *v)
{
    const char *id = str(f, "id"), *type = str(f, "type");
    char *ctl = xasprintf("f-%s", id);
    size_t s, e;
    if (!strcmp(type, "checkboxes") && json_is_array(v)) {
        size_t i;
        json_t *item;
        json_array_foreach (v, i, item) {
            if (json_is_string(item) && offers(f, json_string_value(item))) {
                char *one = xasprintf("f-%s-%s", id, json_string_value(item));
                flag(E, one, " checked");
                free(one);
            }
        }
    } else if (!json_is_string(v) || json_string_length(v) == 0) {
        /* nothing to put back */
    } else if (!strcmp(type, "radio")) {
        if (offers(f, json_string_value(v))) {
            char *one = xasprintf("f-%s-%s", id, json_string_value(v));
            flag(E, one, " checked");
            free(one);
        }
    } else if (!strcmp(type, "checkbox")) {
        if (!strcmp(json_string_value(v), "yes"))
            flag(E, ctl, " checked");
    } else if (!strcmp(type, "select")) {
        if (offers(f, json_string_value(v)) && tag_for_id(E->html, ctl, &s, &e)) {
            const char *close = strstr(E->html + e, "</select>");
            char *opt = xasprintf("<option value=\"%s\"", json_string_value(v));
            const char *o = strstr(E->html + e, opt);
            if (o && (!close || o < close))
                insert(E, (size_t)(o - E->html) + strlen(opt), " selected");
            free(opt);
        }
    } else if (tag_for_id(E->html, ctl, &s, &e)) {
        const char *text = json_string_value(v);
        if (!strcmp(type, "textarea")) {
            /* A line break right after <textarea> is dropped by the parser:
             * one of ours goes first, so the value's own survives. */
            edit_begin(E, e + 1, 0);
            buf_putc(E->arena, '\n');
        } else {
            edit_begin(E, e, 0);
            buf_puts(E->arena, " value=\"");
        }
        buf_append_html(E->arena, text, json_string_length(v));
        if (strcmp(type, "textarea"))
            buf_putc(E->arena, '"');
        edit_end(E);
    }
    free(ctl);
}

/* aria-invalid and aria-describedby (the error message first) on a tag. */
static void describe(struct edits *E, size_t start, size_t end, const char *err_id, bool invalid)
{
    const char *tag = E->html + start;
    const char *has = strstr(tag, " aria-describedby=\"");
    if (has && has < E->html + end) {
        edit_begin(E, (size_t)(has - E->html) + strlen(" aria-describedby=\""), 0);
        buf_printf(E->arena, "%s ", err_id);
        edit_end(E);
    } else {
        edit_begin(E, end, 0);
        buf_printf(E->arena, " aria-describedby=\"%s\"", err_id);
        edit_end(E);
    }
    if (invalid)
        insert(E, end, " aria-invalid=\"true\"");
}

/* The message in words that start with a capital, for under the label. */
static void message_text(struct buf *b, const char *msg)
{
    char first[2] = {msg[0], '\0'};
    if (first[0] >= 'a' && first[0] <= 'z')
        first[0] = (char)(first[0] - 'a' + 'A');
    buf_append_html(b, first, strlen(first));
    if (msg[0])
        buf_append_html(b, msg + 1, strlen(msg + 1));
}

/* Marks a field with a problem: the wrapper, the message before its first
 * control, and every control of it. */
static void mark_field(struct edits *E, json_t *f, const char *msg)
{
    const char *id = str(f, "id"), *type = str(f, "type");
    char *wrap_attr = xasprintf("data-field=\"%s\"", id), *err_id = xasprintf("f-%s-error", id);
    const char *w = strstr(E->html, wrap_attr);
    size_t ws, we, s, e;
    if (!w || !tag_with(E->html, wrap_attr, &ws, &we))
        goto out;
    insert(E, (size_t)(w - E->html) + strlen(wrap_attr), " data-invalid");
    /* The first control of the field comes after its label and help. */
    static const char *const starts[] = {"<input", "<select", "<textarea", "<div class=\"choice\"",
                                         NULL};
    const char *first = NULL;
    for (size_t i = 0; starts[i]; i++) {
        const char *p = strstr(w, starts[i]);
        if (p && (!first || p < first))
            first = p;
    }
    if (first) {
        edit_begin(E, (size_t)(first - E->html), 0);
        buf_printf(E->arena,
                   "<p class=\"error-message\" id=\"%s\"><span class=\"visually-hidden\">Error:"
                   "</span> ",
                   err_id);
        message_text(E->arena, msg);
        buf_puts(E->arena, "</p>\n");
        edit_end(E);
    }
    if (is_group(type)) {
        describe(E, ws, we, err_id, false);
        size_t i;
        json_t *o;
        json_array_foreach (json_object_get(f, "options"), i, o) {
            char *one = xasprintf("f-%s-%s", id, str(o, "value"));
            if (tag_for_id(E->html, one, &s, &e))
                insert(E, e, " aria-invalid=\"true\"");
            free(one);
        }
    } else {
        char *ctl = xasprintf("f-%s", id);
        if (tag_for_id(E->html, ctl, &s, &e))
            describe(E, s, e, err_id, true);
        free(ctl);
    }
out:
    free(wrap_attr);
    free(err_id);
}

/* The field a problem is about, and its position in the form, or NULL. */
static json_t *field_of(json_t *fields, const char *id, size_t *index)
{
    size_t i;
    json_t *f;
    json_array_foreach (fields, i, f) {
        if (!strcmp(str(f, "id"), id)) {
            *index = i;
            return f;
        }
    }
    return NULL;
}

/* The summary: every problem, in the form's order (problems about no
 * field of the form last), each linking to its field's first control. */
static void summary(struct edits *E, json_t *fields, const struct diag *problems, const char *intro)
{
    const char *ph = strstr(E->html, SUMMARY_PLACEHOLDER);
    edit_begin(E, ph ? (size_t)(ph - E->html) : 0, ph ? strlen(SUMMARY_PLACEHOLDER) : 0);
    struct buf *b = E->arena;
    buf_puts(b, "<div class=\"error-summary\" id=\"seal-errors\" tabindex=\"-1\">\n"
                "<div role=\"alert\">\n<h2 id=\"seal-errors-title\">There is a problem</h2>\n<p>");
    buf_append_html(b, intro, strlen(intro));
    buf_puts(b, "</p>\n<ul>\n");
    size_t nfields = json_array_size(fields);
    for (size_t pass = 0; pass <= nfields; pass++) {
        for (size_t i = 0; i < problems->n; i++) {
            const struct diag_item *it = &problems->items[i];
            size_t at = nfields;
            json_t *f = field_of(fields, it->where, &at);
            if (at != pass)
                continue;
            buf_puts(b, "<li>");
            if (f) {
                const char *id = str(f, "id");
                json_t *opt0 = json_array_get(json_object_get(f, "options"), 0);
                if (is_group(str(f, "type")) && opt0)
                    buf_printf(b, "<a href=\"#f-%s-%s\">", id, str(opt0, "value"));
                else
                    buf_printf(b, "<a href=\"#f-%s\">", id);
                buf_append_html(b, str(f, "label"), strlen(str(f, "label")));
                buf_puts(b, " — ");
            } else if (it->where[0]) {
                buf_append_html(b, it->where, strlen(it->where));
                buf_puts(b, " — ");
            }
            buf_append_html(b, it->msg, strlen(it->msg));
            buf_puts(b, f ? "</a></li>\n" : "</li>\n");
        }
    }
    buf_puts(b, "</ul>\n</div>\n</div>\n");
    edit_end(E);
}

size_t formfill_extra(json_t *fields, json_t *values, const struct diag *problems,
                      const char *intro)
{
    /* Escaping grows a byte to at most six ("&quot;"); the rest is markup
     * of a known size per field and per problem. */
    size_t n = 1024 + 6 * strlen(intro);
    const char *key;
    json_t *v;
    json_object_foreach (values, key, v) {
        if (json_is_string(v))
            n += 6 * json_string_length(v) + 64;
        else
            n += 64 * (json_array_size(v) + 1);
    }
    size_t i;
    json_t *f;
    json_array_foreach (fields, i, f) {
        n +=
            512 + 6 * strlen(str(f, "label")) + 48 * json_array_size(json_object_get(f, "options"));
    }
    for (i = 0; i < problems->n; i++)
        n += 512 + 6 * (strlen(problems->items[i].where) + strlen(problems->items[i].msg));
    return n;
}

void formfill_render(const char *html, json_t *fields, json_t *values, const struct diag *problems,
                     const char *intro, struct buf *out)
{
    struct buf arena = BUF_INIT;
    buf_grow(&arena, formfill_extra(fields, values, problems, intro));
    struct edits E = {html, NULL, 0, 0, &arena};
    size_t i;
    json_t *f;
    json_array_foreach (fields, i, f) {
        if (values)
            fill_value(&E, f, json_object_get(values, str(f, "id")));
        for (size_t k = 0; k < problems->n; k++)
            if (!strcmp(problems->items[k].where, str(f, "id"))) {
                mark_field(&E, f, problems->items[k].msg);
                break; /* one message per field: the first */
            }
    }
    summary(&E, fields, problems, intro);
    qsort(E.e, E.n, sizeof *E.e, by_place);
    size_t at = 0;
    for (i = 0; i < E.n; i++) {
        const struct edit *e = &E.e[i];
        if (e->at < at)
            continue; /* inside text an earlier edit removed */
        buf_append(out, html + at, e->at - at);
        buf_append(out, arena.data + e->off, e->len);
        at = e->at + e->del;
    }
    buf_puts(out, html + at);
    sodium_memzero(arena.data, arena.cap);
    buf_free(&arena);
    free(E.e);
}
