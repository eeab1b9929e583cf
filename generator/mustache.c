#include "mustache.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DEPTH 64

enum kind { N_TEXT, N_VAR, N_RAW, N_SECTION, N_INVERTED, N_PARTIAL, N_PARENT, N_BLOCK };

struct node {
    enum kind kind;
    char *text; /* text, or the tag's name */
    size_t len;
    char *indent;         /* PARTIAL/PARENT: standalone indentation to apply */
    char *content_indent; /* BLOCK: indentation of its content's first line */
    char *site_indent;    /* BLOCK: indentation at the expansion site; NULL inline */
    struct node *kids;
    size_t nkids, cap;
    int line, col;
};

struct template
{
    char *key;
    struct node root; /* a N_SECTION-like container */
};

struct mustache {
    mustache_load_fn load;
    void *ctx;
    struct template **cache;
    size_t ncache, capcache;
};

/* ---- tokens ---------------------------------------------------------------- */

enum tok {
    T_TEXT,
    T_VAR,
    T_RAW,
    T_SECTION,
    T_INVERTED,
    T_CLOSE,
    T_COMMENT,
    T_PARTIAL,
    T_PARENT,
    T_BLOCK,
    T_DELIM
};

struct token {
    enum tok type;
    const char *s; /* text, or name */
    size_t n;
    int line, col;
    bool removed; /* whitespace of a standalone line */
    char *indent; /* standalone indentation (partials, parents, blocks) */
    bool standalone;
};

struct toks {
    struct token *v;
    size_t n, cap;
};

static void *xrealloc(void *p, size_t n)
{
    p = realloc(p, n);
    if (!p)
        abort();
    return p;
}

static char *xstrndup(const char *s, size_t n)
{
    char *p = xrealloc(NULL, n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

static struct token *push_tok(struct toks *t, enum tok type, const char *s, size_t n, int line,
                              int col)
{
    if (t->n == t->cap) {
        t->cap = t->cap ? t->cap * 2 : 64;
        t->v = xrealloc(t->v, t->cap * sizeof *t->v);
    }
    struct token *k = &t->v[t->n++];
    memset(k, 0, sizeof *k);
    k->type = type;
    k->s = s;
    k->n = n;
    k->line = line;
    k->col = col;
    return k;
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t';
}

/* Advances line/col over [p, q). */
static void advance(const char *p, const char *q, int *line, int *col)
{
    for (; p < q; p++) {
        if (*p == '\n') {
            (*line)++;
            *col = 1;
        } else {
            (*col)++;
        }
    }
}

static void trim(const char **s, size_t *n)
{
    while (*n && (is_space(**s) || **s == '\n' || **s == '\r')) {
        (*s)++;
        (*n)--;
    }
    while (*n && (is_space((*s)[*n - 1]) || (*s)[*n - 1] == '\n' || (*s)[*n - 1] == '\r'))
        (*n)--;
}

/* Splits src into text (at most one newline each, at its end) and tags. */
static int tokenize(const char *name, const char *src, size_t len, struct toks *t, struct diag *d)
{
    char otag[16] = "{{", ctag[16] = "}}";
    const char *p = src, *end = src + len;
    int line = 1, col = 1;
    while (p < end) {
        size_t ol = strlen(otag);
        const char *o = memmem(p, (size_t)(end - p), otag, ol);
        const char *text_end = o ? o : end;
        while (p < text_end) {
            const char *nl = memchr(p, '\n', (size_t)(text_end - p));
            const char *q = nl ? nl + 1 : text_end;
            push_tok(t, T_TEXT, p, (size_t)(q - p), line, col);
            advance(p, q, &line, &col);
            p = q;
        }
        if (!o)
            break;
        int tline = line, tcol = col;
        const char *in = o + ol;
        enum tok type = T_VAR;
        const char *close_seq = ctag;
        char triple[20];
        if (in < end) {
            switch (*in) {
            case '#': type = T_SECTION; break;
            case '^': type = T_INVERTED; break;
            case '/': type = T_CLOSE; break;
            case '!': type = T_COMMENT; break;
            case '>': type = T_PARTIAL; break;
            case '<': type = T_PARENT; break;
            case '$': type = T_BLOCK; break;
            case '=': type = T_DELIM; break;
            case '&': type = T_RAW; break;
            case '{':
                type = T_RAW;
                snprintf(triple, sizeof triple, "}%s", ctag);
                close_seq = triple;
                break;
            }
            if (type != T_VAR)
                in++;
        }
        if (type == T_DELIM) {
            snprintf(triple, sizeof triple, "=%s", ctag);
            close_seq = triple;
        }
        size_t csl = strlen(close_seq);
        const char *c = memmem(in, (size_t)(end - in), close_seq, csl);
        if (!c) {
            diag_error(d, name, tline, tcol, "unclosed tag: no \"%s\" after \"%s\"", close_seq,
                       otag);
            return -1;
        }
        const char *s = in;
        size_t n = (size_t)(c - in);
        trim(&s, &n);
        if (type == T_DELIM) {
            const char *sp = s;
            while (sp < s + n && !is_space(*sp))
                sp++;
            const char *o2 = sp;
            while (o2 < s + n && is_space(*o2))
                o2++;
            size_t l1 = (size_t)(sp - s), l2 = (size_t)(s + n - o2);
            if (l1 == 0 || l2 == 0 || l1 >= sizeof otag - 1 || l2 >= sizeof ctag - 1 ||
                memchr(o2, ' ', l2) || memchr(s, '=', l1) || memchr(o2, '=', l2)) {
                diag_error(d, name, tline, tcol, "bad set-delimiter tag");
                return -1;
            }
            push_tok(t, T_DELIM, s, n, tline, tcol);
            memcpy(otag, s, l1);
            otag[l1] = '\0';
            memcpy(ctag, o2, l2);
            ctag[l2] = '\0';
        } else {
            if (type != T_COMMENT && n == 0) {
                diag_error(d, name, tline, tcol, "empty tag name");
                return -1;
            }
            push_tok(t, type, s, n, tline, tcol);
        }
        p = c + csl;
        advance(o, p, &line, &col);
    }
    return 0;
}

static bool is_blank_text(const struct token *k)
{
    for (size_t i = 0; i < k->n; i++) {
        char ch = k->s[i];
        if (is_space(ch) || ch == '\n' || (ch == '\r' && i + 2 == k->n && k->s[i + 1] == '\n'))
            continue;
        return false;
    }
    return true;
}

/* Marks the whitespace of standalone lines: lines holding only whitespace and
 * tags that render nothing in place (sections, comments, partials, parents,
 * blocks, delimiters). Partials, parents and blocks keep the indentation. */
static void standalone(struct toks *t)
{
    size_t start = 0;
    while (start < t->n) {
        size_t end = start;
        while (end < t->n &&
               !(t->v[end].type == T_TEXT && t->v[end].n && t->v[end].s[t->v[end].n - 1] == '\n'))
            end++;
        size_t last = end < t->n ? end : t->n - 1; /* inclusive */
        bool ok = true, any = false;
        for (size_t i = start; i <= last && ok; i++) {
            const struct token *k = &t->v[i];
            if (k->type == T_TEXT)
                ok = is_blank_text(k);
            else if (k->type == T_VAR || k->type == T_RAW)
                ok = false;
            else
                any = true;
        }
        if (ok && any) {
            /* Indentation: the blank text before the first tag. */
            struct buf ind = BUF_INIT;
            size_t first = start;
            while (t->v[first].type == T_TEXT) {
                buf_append(&ind, t->v[first].s, t->v[first].n);
                first++;
            }
            /* A block opened and closed on one line keeps its newline. */
            bool keep_nl = false;
            for (size_t i = start; i + 1 <= last; i++)
                if (t->v[i].type == T_BLOCK && t->v[i + 1].type == T_CLOSE &&
                    t->v[i].n == t->v[i + 1].n && !memcmp(t->v[i].s, t->v[i + 1].s, t->v[i].n))
                    keep_nl = true;
            for (size_t i = start; i <= last; i++) {
                struct token *k = &t->v[i];
                if (k->type == T_TEXT)
                    k->removed = !(keep_nl && i == last && end < t->n);
                if (keep_nl && i == last && k->type == T_TEXT && end < t->n) {
                    /* keep only the newline itself */
                    const char *nl = k->s + k->n - 1;
                    if (k->n >= 2 && nl[-1] == '\r')
                        nl--;
                    k->n = (size_t)(k->s + k->n - nl);
                    k->s = nl;
                }
                if (k->type == T_PARTIAL || k->type == T_PARENT || k->type == T_BLOCK) {
                    free(k->indent);
                    k->indent = xstrndup(ind.data ? ind.data : "", ind.len);
                    k->standalone = true;
                }
            }
            buf_free(&ind);
        }
        start = end + 1;
    }
}

/* ---- compiling ------------------------------------------------------------- */

static struct node *add_kid(struct node *parent, enum kind kind, const char *s, size_t n, int line,
                            int col)
{
    if (parent->nkids == parent->cap) {
        parent->cap = parent->cap ? parent->cap * 2 : 8;
        parent->kids = xrealloc(parent->kids, parent->cap * sizeof *parent->kids);
    }
    struct node *k = &parent->kids[parent->nkids++];
    memset(k, 0, sizeof *k);
    k->kind = kind;
    k->text = xstrndup(s, n);
    k->len = n;
    k->line = line;
    k->col = col;
    return k;
}

static void node_free(struct node *n)
{
    for (size_t i = 0; i < n->nkids; i++)
        node_free(&n->kids[i]);
    free(n->kids);
    free(n->text);
    free(n->indent);
    free(n->content_indent);
    free(n->site_indent);
}

/* Leading spaces and tabs of a block's first content line. */
static char *first_indent(const struct node *b)
{
    if (b->nkids == 0 || b->kids[0].kind != N_TEXT)
        return xstrndup("", 0);
    size_t i = 0;
    while (i < b->kids[0].len && is_space(b->kids[0].text[i]))
        i++;
    return xstrndup(b->kids[0].text, i);
}

/* Appends text to the last text node when possible (fewer nodes to walk). */
static void add_text(struct node *parent, const char *s, size_t n, int line, int col)
{
    if (n == 0)
        return;
    struct node *last = parent->nkids ? &parent->kids[parent->nkids - 1] : NULL;
    if (last && last->kind == N_TEXT) {
        last->text = xrealloc(last->text, last->len + n + 1);
        memcpy(last->text + last->len, s, n);
        last->len += n;
        last->text[last->len] = '\0';
        return;
    }
    add_kid(parent, N_TEXT, s, n, line, col);
}

/* Builds the node tree; kids pointers move as arrays grow, so the open
 * containers are tracked by index paths rather than pointers. */
static int build(const char *name, struct toks *t, struct node *root, struct diag *d)
{
    struct node *stack[MAX_DEPTH * 4];
    size_t depth = 0;
    stack[0] = root;
    for (size_t i = 0; i < t->n; i++) {
        struct token *k = &t->v[i];
        struct node *top = stack[depth];
        switch (k->type) {
        case T_TEXT:
            if (!k->removed)
                add_text(top, k->s, k->n, k->line, k->col);
            break;
        case T_COMMENT:
        case T_DELIM: break;
        case T_VAR:
        case T_RAW:
            add_kid(top, k->type == T_VAR ? N_VAR : N_RAW, k->s, k->n, k->line, k->col);
            break;
        case T_PARTIAL: {
            struct node *n = add_kid(top, N_PARTIAL, k->s, k->n, k->line, k->col);
            n->indent = k->indent ? strdup(k->indent) : NULL;
            break;
        }
        case T_SECTION:
        case T_INVERTED:
        case T_PARENT:
        case T_BLOCK: {
            if (depth + 1 >= sizeof stack / sizeof stack[0]) {
                diag_error(d, name, k->line, k->col, "sections nested too deeply");
                return -1;
            }
            enum kind kind = k->type == T_SECTION    ? N_SECTION
                             : k->type == T_INVERTED ? N_INVERTED
                             : k->type == T_PARENT   ? N_PARENT
                                                     : N_BLOCK;
            struct node *n = add_kid(top, kind, k->s, k->n, k->line, k->col);
            if (kind == N_PARENT)
                n->indent = k->indent ? strdup(k->indent) : NULL;
            if (kind == N_BLOCK && k->standalone)
                n->site_indent = strdup(k->indent ? k->indent : "");
            stack[++depth] = n;
            break;
        }
        case T_CLOSE: {
            if (depth == 0) {
                diag_error(d, name, k->line, k->col,
                           "closing tag {{/%.*s}} without an opening "
                           "tag",
                           (int)k->n, k->s);
                return -1;
            }
            if (top->len != k->n || memcmp(top->text, k->s, k->n)) {
                diag_error(d, name, k->line, k->col, "{{/%.*s}} closes {{%s}} opened at line %d",
                           (int)k->n, k->s, top->text, top->line);
                return -1;
            }
            if (top->kind == N_BLOCK) {
                top->content_indent = top->site_indent ? first_indent(top) : xstrndup("", 0);
                if (top->site_indent && top->content_indent[0]) {
                    free(top->site_indent);
                    top->site_indent = strdup(top->content_indent);
                }
            }
            depth--;
            break;
        }
        }
        /* Containers may have moved when their parent's kids array grew. */
        for (size_t j = 1; j <= depth; j++)
            stack[j] = &stack[j - 1]->kids[stack[j - 1]->nkids - 1];
    }
    if (depth > 0) {
        diag_error(d, name, stack[depth]->line, stack[depth]->col, "unclosed section {{%s}}",
                   stack[depth]->text);
        return -1;
    }
    return 0;
}

/* Prefixes every line of src with indent (not after a final newline). */
static char *indent_source(const char *src, size_t len, const char *indent, size_t *out_len)
{
    struct buf b = BUF_INIT;
    bool at_start = true;
    for (size_t i = 0; i < len; i++) {
        if (at_start)
            buf_puts(&b, indent);
        buf_putc(&b, src[i]);
        at_start = src[i] == '\n';
    }
    *out_len = b.len;
    return buf_detach(&b);
}

static struct template *compile(const char *name, const char *src, size_t len, const char *indent,
                                struct diag *d)
{
    struct toks t = {0};
    struct template *tp = calloc(1, sizeof *tp);
    char *indented = NULL;
    if (!tp)
        abort();
    if (indent && *indent) {
        indented = indent_source(src, len, indent, &len);
        src = indented;
    }
    int rc = tokenize(name, src, len, &t, d);
    if (rc == 0) {
        standalone(&t);
        rc = build(name, &t, &tp->root, d);
    }
    for (size_t i = 0; i < t.n; i++)
        free(t.v[i].indent);
    free(t.v);
    free(indented);
    if (rc < 0) {
        node_free(&tp->root);
        free(tp);
        return NULL;
    }
    return tp;
}

static void template_free(struct template *t)
{
    if (!t)
        return;
    node_free(&t->root);
    free(t->key);
    free(t);
}

struct mustache *mustache_new(mustache_load_fn load, void *ctx)
{
    struct mustache *m = calloc(1, sizeof *m);
    if (!m)
        abort();
    m->load = load;
    m->ctx = ctx;
    return m;
}

void mustache_free(struct mustache *m)
{
    if (!m)
        return;
    for (size_t i = 0; i < m->ncache; i++)
        template_free(m->cache[i]);
    free(m->cache);
    free(m);
}

/* The compiled template NAME with indentation (cached). *missing is set when
 * the loader has no such template. */
static struct template *get(struct mustache *m, const char *name, const char *indent, bool *missing,
                            struct diag *d)
{
    /* A page asks for its partials again and again: looked up without
     * making the key ("name\1indent") each time. */
    size_t nlen = strlen(name);
    if (!indent)
        indent = "";
    *missing = false;
    for (size_t i = 0; i < m->ncache; i++) {
        const char *k = m->cache[i]->key;
        if (!strncmp(k, name, nlen) && k[nlen] == 1 && !strcmp(k + nlen + 1, indent))
            return m->cache[i];
    }
    struct buf key = BUF_INIT;
    buf_printf(&key, "%s%c%s", name, 1, indent);
    size_t len = 0;
    char *src = m->load ? m->load(m->ctx, name, &len) : NULL;
    if (!src) {
        *missing = true;
        buf_free(&key);
        return NULL;
    }
    struct template *t = compile(name, src, len, indent, d);
    free(src);
    if (!t) {
        buf_free(&key);
        return NULL;
    }
    t->key = buf_detach(&key);
    if (m->ncache == m->capcache) {
        m->capcache = m->capcache ? m->capcache * 2 : 16;
        m->cache = xrealloc(m->cache, m->capcache * sizeof *m->cache);
    }
    m->cache[m->ncache++] = t;
    return t;
}

/* ---- rendering ------------------------------------------------------------- */

struct frames {
    const struct node **parents; /* N_PARENT nodes whose blocks override, outermost first */
    size_t n;
};

struct render {
    struct mustache *m;
    struct diag *d;
    json_t **stack;
    size_t depth, cap;
    int nesting;
    /* mustache_render_items: this section emits these instead of its body. */
    const struct node *items_at;
    struct mustache_items *items;
    int emitted;     /* times it did */
    int reindenting; /* blocks being rendered aside to be reindented */
};

static void push(struct render *r, json_t *v)
{
    if (r->depth == r->cap) {
        r->cap = r->cap ? r->cap * 2 : 16;
        r->stack = xrealloc(r->stack, r->cap * sizeof *r->stack);
    }
    r->stack[r->depth++] = v;
}

/* Looks a (dotted) name up through the context stack, per the spec: the first
 * part is searched from the innermost context out; the rest must follow. */
static json_t *lookup(struct render *r, const char *name)
{
    if (!strcmp(name, "."))
        return r->depth ? r->stack[r->depth - 1] : NULL;
    /* Each part by its length (json_object_getn): looked up once a level of
     * the stack, a name would otherwise be measured again each time. */
    const char *dot = strchr(name, '.');
    size_t n = dot ? (size_t)(dot - name) : strlen(name);
    json_t *v = NULL;
    for (size_t i = r->depth; i-- > 0;) {
        if (json_is_object(r->stack[i]) && (v = json_object_getn(r->stack[i], name, n)))
            break;
    }
    while (v && dot) {
        const char *part = dot + 1;
        dot = strchr(part, '.');
        n = dot ? (size_t)(dot - part) : strlen(part);
        v = json_is_object(v) ? json_object_getn(v, part, n) : NULL;
    }
    return v;
}

/* false, null, "", [] and missing values are falsey. */
static bool truthy(json_t *v)
{
    if (!v || json_is_false(v) || json_is_null(v))
        return false;
    if (json_is_array(v))
        return json_array_size(v) > 0;
    if (json_is_string(v))
        return json_string_length(v) > 0;
    return true;
}

static void interpolate(json_t *v, bool escape, struct buf *out)
{
    char num[64];
    const char *s = NULL;
    size_t n = 0;
    if (json_is_string(v)) {
        s = json_string_value(v);
        n = json_string_length(v);
    } else if (json_is_integer(v)) {
        n = (size_t)snprintf(num, sizeof num, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        s = num;
    } else if (json_is_real(v)) {
        n = (size_t)snprintf(num, sizeof num, "%.15g", json_real_value(v));
        s = num;
    } else if (json_is_true(v) || json_is_false(v)) {
        s = json_is_true(v) ? "true" : "false";
        n = strlen(s);
    }
    if (!s)
        return;
    if (escape)
        buf_append_html(out, s, n);
    else
        buf_append(out, s, n);
}

/* Re-indents rendered block text: removes strip from the start of every line
 * that has it and puts add there instead. A line at a time: a page's whole
 * <main> passes through here. */
static void reindent(const char *text, size_t len, const char *strip, const char *add,
                     struct buf *out)
{
    size_t sl = strlen(strip), al = strlen(add);
    for (size_t i = 0; i < len;) {
        if (sl && len - i >= sl && !memcmp(text + i, strip, sl))
            i += sl;
        if (i >= len)
            break;
        const char *nl = memchr(text + i, '\n', len - i);
        size_t end = nl ? (size_t)(nl - text) + 1 : len;
        buf_append(out, add, al);
        buf_append(out, text + i, end - i);
        i = end;
    }
}

static int render_nodes(struct render *r, const struct node *parent, struct frames *f,
                        struct buf *out);

static int render_template(struct render *r, const struct node *at, const char *name,
                           const char *indent, struct frames *f, struct buf *out)
{
    if (r->nesting >= MAX_DEPTH) {
        diag_error(r->d, name, at->line, at->col,
                   "partials or parents nested deeper than %d "
                   "levels (recursion?)",
                   MAX_DEPTH);
        return -1;
    }
    bool missing;
    size_t errors = r->d->nerrors;
    struct template *t = get(r->m, name, indent, &missing, r->d);
    if (!t)
        return missing && r->d->nerrors == errors ? 0 : -1;
    r->nesting++;
    int rc = render_nodes(r, &t->root, f, out);
    r->nesting--;
    return rc;
}

/* The node that defines block NAME: the outermost override, else the block. */
static const struct node *find_block(const struct node *block, struct frames *f)
{
    for (size_t i = 0; i < f->n; i++) {
        const struct node *p = f->parents[i];
        for (size_t k = 0; k < p->nkids; k++)
            if (p->kids[k].kind == N_BLOCK && !strcmp(p->kids[k].text, block->text))
                return &p->kids[k];
    }
    return block;
}

static int render_node(struct render *r, const struct node *n, struct frames *f, struct buf *out)
{
    switch (n->kind) {
    case N_TEXT: buf_append(out, n->text, n->len); return 0;
    case N_VAR:
    case N_RAW: {
        json_t *v = lookup(r, n->text);
        if (v)
            interpolate(v, n->kind == N_VAR, out);
        return 0;
    }
    case N_SECTION: {
        json_t *v = lookup(r, n->text);
        if (!truthy(v))
            return 0;
        if (json_is_array(v) && n == r->items_at) {
            if (json_array_size(v) != r->items->n) {
                diag_error(r->d, n->text, n->line, n->col,
                           "%zu items rendered for a list of %zu (internal error)", r->items->n,
                           json_array_size(v));
                return -1;
            }
            r->items->at = out->len;
            r->items->placed = ++r->emitted == 1 && !r->reindenting;
            for (size_t i = 0; i < r->items->n; i++)
                buf_append(out, r->items->text[i], r->items->len[i]);
            return 0;
        }
        if (json_is_array(v)) {
            size_t i;
            json_t *item;
            json_array_foreach (v, i, item) {
                push(r, item);
                int rc = render_nodes(r, n, f, out);
                r->depth--;
                if (rc < 0)
                    return -1;
            }
            return 0;
        }
        push(r, v);
        int rc = render_nodes(r, n, f, out);
        r->depth--;
        return rc;
    }
    case N_INVERTED: return truthy(lookup(r, n->text)) ? 0 : render_nodes(r, n, f, out);
    case N_PARTIAL: return render_template(r, n, n->text, n->indent, f, out);
    case N_PARENT: {
        struct frames g;
        g.n = f->n + 1;
        g.parents = xrealloc(NULL, g.n * sizeof *g.parents);
        if (f->n)
            memcpy(g.parents, f->parents, f->n * sizeof *g.parents);
        g.parents[f->n] = n;
        int rc = render_template(r, n, n->text, n->indent, &g, out);
        free(g.parents);
        return rc;
    }
    case N_BLOCK: {
        const struct node *def = find_block(n, f);
        const char *strip = def->content_indent ? def->content_indent : "";
        const char *add = n->site_indent ? n->site_indent : "";
        if (!*strip && !*add) /* nothing to reindent: no copy (the directory's is megabytes) */
            return render_nodes(r, def, f, out);
        struct buf tmp = BUF_INIT;
        r->reindenting++;
        int rc = render_nodes(r, def, f, &tmp);
        r->reindenting--;
        if (rc == 0)
            reindent(tmp.data ? tmp.data : "", tmp.len, strip, add, out);
        buf_free(&tmp);
        return rc;
    }
    }
    return 0;
}

static int render_nodes(struct render *r, const struct node *parent, struct frames *f,
                        struct buf *out)
{
    for (size_t i = 0; i < parent->nkids; i++)
        if (render_node(r, &parent->kids[i], f, out) < 0)
            return -1;
    return 0;
}

static int render_root(struct mustache *m, const struct node *root, json_t *base, json_t *data,
                       struct buf *out, struct diag *d)
{
    struct render r = {m, d, NULL, 0, 0, 0, NULL, NULL, 0, 0};
    struct frames f = {NULL, 0};
    if (base)
        push(&r, base);
    push(&r, data);
    int rc = render_nodes(&r, root, &f, out);
    free(r.stack);
    return rc;
}

int mustache_render(struct mustache *m, const char *name, json_t *data, struct buf *out,
                    struct diag *d)
{
    return mustache_render_layered(m, name, NULL, data, out, d);
}

int mustache_render_layered(struct mustache *m, const char *name, json_t *base, json_t *data,
                            struct buf *out, struct diag *d)
{
    bool missing;
    struct template *t = get(m, name, NULL, &missing, d);
    if (!t) {
        if (missing)
            diag_error(d, name, 0, 0, "template not found");
        return -1;
    }
    return render_root(m, &t->root, base, data, out, d);
}

int mustache_render_string(struct mustache *m, const char *name, const char *src, size_t len,
                           json_t *data, struct buf *out, struct diag *d)
{
    struct template *t = compile(name, src, len, NULL, d);
    if (!t)
        return -1;
    int rc = render_root(m, &t->root, NULL, data, out, d);
    template_free(t);
    return rc;
}

/* ---- pre-rendered items ------------------------------------------------------ */

/* Counts the sections named name in the tree under n, outside partials, and
 * whether one of them holds a block or a parent (which need the frames of
 * their template, so cannot be rendered alone). */
static void find_sections(const struct node *n, const char *name, const struct node **found,
                          size_t *count, bool *inside_block, bool in_section)
{
    for (size_t i = 0; i < n->nkids; i++) {
        const struct node *k = &n->kids[i];
        if (in_section && (k->kind == N_BLOCK || k->kind == N_PARENT))
            *inside_block = true;
        bool here = k->kind == N_SECTION && !strcmp(k->text, name);
        if (here) {
            *found = k;
            (*count)++;
        }
        find_sections(k, name, found, count, inside_block, in_section || here);
    }
}

/* The one section named section in template name, or NULL (with an error in
 * d) when there is not exactly one that can be rendered alone. */
static const struct node *items_section(struct mustache *m, const char *name, const char *section,
                                        struct diag *d)
{
    bool missing;
    struct template *t = get(m, name, NULL, &missing, d);
    if (!t) {
        if (missing)
            diag_error(d, name, 0, 0, "template not found");
        return NULL;
    }
    const struct node *found = NULL;
    size_t count = 0;
    bool inside_block = false;
    find_sections(&t->root, section, &found, &count, &inside_block, false);
    if (count != 1 || inside_block) {
        diag_error(d, name, 0, 0,
                   "{{#%s}} must appear exactly once in this template, without blocks inside",
                   section);
        return NULL;
    }
    return found;
}

int mustache_check_items(struct mustache *m, const char *name, const char *section, struct diag *d)
{
    return items_section(m, name, section, d) ? 0 : -1;
}

int mustache_render_items(struct mustache *m, const char *name, json_t *base, json_t *data,
                          struct mustache_items *items, struct buf *out, struct diag *d)
{
    items->placed = false;
    items->at = 0;
    const struct node *at = items_section(m, name, items->section, d);
    if (!at)
        return -1;
    bool missing;
    struct template *t = get(m, name, NULL, &missing, d);
    struct render r = {m, d, NULL, 0, 0, 0, at, items, 0, 0};
    struct frames f = {NULL, 0};
    if (base)
        push(&r, base);
    push(&r, data);
    int rc = render_nodes(&r, &t->root, &f, out);
    free(r.stack);
    return rc;
}

int mustache_render_item(struct mustache *m, const char *name, const char *section, json_t *base,
                         json_t *data, json_t *item, struct buf *out, struct diag *d)
{
    const struct node *at = items_section(m, name, section, d);
    if (!at)
        return -1;
    struct render r = {m, d, NULL, 0, 0, 0, NULL, NULL, 0, 0};
    struct frames f = {NULL, 0};
    if (base)
        push(&r, base);
    push(&r, data);
    push(&r, item);
    int rc = render_nodes(&r, at, &f, out);
    free(r.stack);
    return rc;
}
