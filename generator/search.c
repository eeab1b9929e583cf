#include "search.h"

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "xalloc.h"

#define TITLE_BOOST 3
#define MAX_TERM 40
#define POSTINGS_PER_SHARD 6000
#define CHUNK_BYTES 32768

/* Words too common to help a search; site.js reads this list from the
 * index, so both sides drop the same ones. */
static const char *const stop_words[] = {"an",  "and",   "are",  "as",    "at",    "be",   "but",
                                         "by",  "for",   "from", "if",    "in",    "into", "is",
                                         "it",  "its",   "of",   "on",    "or",    "so",   "that",
                                         "the", "their", "then", "there", "these", "this", "to",
                                         "was", "were",  "will", "with",  NULL};

/* U+00C0 to U+017F folded ("" separates words), as the browser's
 * NFD-without-marks gives them, with the letters it keeps (ß, æ, ø, ł...)
 * spelled out; site.js carries the same table. */
static const char *const latin[192] = {
    "a", "a", "a",  "a",  "a", "a", "ae", "c",  "e",  "e", "e", "e", "i",  "i",  "i", "i", "d", "n",
    "o", "o", "o",  "o",  "o", "",  "o",  "u",  "u",  "u", "u", "y", "th", "ss", "a", "a", "a", "a",
    "a", "a", "ae", "c",  "e", "e", "e",  "e",  "i",  "i", "i", "i", "d",  "n",  "o", "o", "o", "o",
    "o", "",  "o",  "u",  "u", "u", "u",  "y",  "th", "y", "a", "a", "a",  "a",  "a", "a", "c", "c",
    "c", "c", "c",  "c",  "c", "c", "d",  "d",  "d",  "d", "e", "e", "e",  "e",  "e", "e", "e", "e",
    "e", "e", "g",  "g",  "g", "g", "g",  "g",  "g",  "g", "h", "h", "h",  "h",  "i", "i", "i", "i",
    "i", "i", "i",  "i",  "i", "i", "ij", "ij", "j",  "j", "k", "k", "k",  "l",  "l", "l", "l", "l",
    "l", "l", "l",  "l",  "l", "n", "n",  "n",  "n",  "n", "n", "n", "n",  "n",  "o", "o", "o", "o",
    "o", "o", "oe", "oe", "r", "r", "r",  "r",  "r",  "r", "s", "s", "s",  "s",  "s", "s", "s", "s",
    "t", "t", "t",  "t",  "t", "t", "u",  "u",  "u",  "u", "u", "u", "u",  "u",  "u", "u", "u", "u",
    "w", "w", "y",  "y",  "y", "z", "z",  "z",  "z",  "z", "z", "s",
};

/* ---- folding -------------------------------------------------------------- */

/* Decodes one UTF-8 code point at s (len > 0); returns its length (1 for a
 * byte that starts no valid sequence, taken as U+FFFD). */
static size_t utf8_next(const char *s, size_t len, uint32_t *cp)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t n = u[0] < 0x80 ? 1 : u[0] >= 0xF0 ? 4 : u[0] >= 0xE0 ? 3 : u[0] >= 0xC0 ? 2 : 0;
    if (n == 0 || n > len) {
        *cp = 0xFFFD;
        return 1;
    }
    uint32_t c = n == 1 ? u[0] : u[0] & (0x7F >> n);
    for (size_t i = 1; i < n; i++) {
        if ((u[i] & 0xC0) != 0x80) {
            *cp = 0xFFFD;
            return 1;
        }
        c = (c << 6) | (u[i] & 0x3F);
    }
    *cp = c;
    return n;
}

static void put_utf8(struct buf *out, uint32_t c)
{
    char b[4];
    size_t n;
    if (c < 0x80) {
        b[0] = (char)c;
        n = 1;
    } else if (c < 0x800) {
        b[0] = (char)(0xC0 | (c >> 6));
        b[1] = (char)(0x80 | (c & 0x3F));
        n = 2;
    } else if (c < 0x10000) {
        b[0] = (char)(0xE0 | (c >> 12));
        b[1] = (char)(0x80 | ((c >> 6) & 0x3F));
        b[2] = (char)(0x80 | (c & 0x3F));
        n = 3;
    } else {
        b[0] = (char)(0xF0 | (c >> 18));
        b[1] = (char)(0x80 | ((c >> 12) & 0x3F));
        b[2] = (char)(0x80 | ((c >> 6) & 0x3F));
        b[3] = (char)(0x80 | (c & 0x3F));
        n = 4;
    }
    buf_append(out, b, n);
}

/* Characters that separate words beyond ASCII: Latin-1 punctuation, general
 * punctuation (dashes, quotes, spaces), CJK and full-width punctuation. */
static bool separates(uint32_t c)
{
    return (c >= 0x80 && c <= 0xBF) || c == 0xD7 || c == 0xF7 || (c >= 0x2000 && c <= 0x206F) ||
           (c >= 0x2190 && c <= 0x2BFF) || (c >= 0x3000 && c <= 0x303F) ||
           (c >= 0xFE30 && c <= 0xFE4F) || (c >= 0xFF00 && c <= 0xFF0F) ||
           (c >= 0xFF1A && c <= 0xFF20) || c == 0xFFFD || (c >= 0x1F000 && c <= 0x1FAFF);
}

void search_fold(const char *s, size_t len, struct buf *out)
{
    bool space = true; /* no leading or repeated space */
    for (size_t i = 0; i < len;) {
        uint32_t c;
        i += utf8_next(s + i, len - i, &c);
        if (c >= 0x300 && c <= 0x36F)
            continue; /* a combining accent: the letter before stays */
        if (c < 0x80) {
            bool word = (c >= '0' && c <= '9') || ((c | 32) >= 'a' && (c | 32) <= 'z');
            if (word) {
                buf_putc(out, (char)(c >= 'A' && c <= 'Z' ? c + 32 : c));
                space = false;
            } else if (!space) {
                buf_putc(out, ' ');
                space = true;
            }
            continue;
        }
        if (c >= 0xC0 && c <= 0x17F && *latin[c - 0xC0]) {
            buf_puts(out, latin[c - 0xC0]);
            space = false;
            continue;
        }
        if ((c >= 0xC0 && c <= 0x17F) || separates(c)) {
            if (!space)
                buf_putc(out, ' ');
            space = true;
            continue;
        }
        /* Greek and Cyrillic capitals, as the browser lowercases them. */
        if ((c >= 0x391 && c <= 0x3A9) || (c >= 0x410 && c <= 0x42F))
            c += 0x20;
        else if (c >= 0x400 && c <= 0x40F)
            c += 0x50;
        put_utf8(out, c);
        space = false;
    }
    if (out->len && out->data[out->len - 1] == ' ')
        out->data[--out->len] = '\0';
}

uint32_t search_shard(const char *term, uint32_t n)
{
    uint32_t h = 2166136261u;
    size_t len = strlen(term), at = 0;
    for (int k = 0; k < 2 && at < len; k++) {
        uint32_t c;
        size_t step = utf8_next(term + at, len - at, &c);
        for (size_t i = 0; i < step; i++) {
            h ^= (unsigned char)term[at + i];
            h *= 16777619u;
        }
        at += step;
    }
    return n ? h % n : 0;
}

static bool is_stop(const char *w)
{
    for (size_t i = 0; stop_words[i]; i++)
        if (!strcmp(stop_words[i], w))
            return true;
    return false;
}

/* ---- the index being built ------------------------------------------------ */

struct posting {
    uint32_t doc, tf;
};

struct term {
    char *word;
    struct posting *p;
    size_t n, cap;
};

struct doc {
    char *title, *url, *trail, *text;
    uint32_t len; /* words, the heading's counted TITLE_BOOST times */
};

struct search {
    struct doc *docs;
    size_t ndocs, cap;
    struct term *terms; /* open addressing, power-of-two size */
    size_t nterms, tcap;
    size_t npostings;
};

struct search *search_new(void)
{
    struct search *s = xcalloc(1, sizeof *s);
    s->tcap = 1024;
    s->terms = xcalloc(s->tcap, sizeof *s->terms);
    return s;
}

void search_free(struct search *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->ndocs; i++) {
        free(s->docs[i].title);
        free(s->docs[i].url);
        free(s->docs[i].trail);
        free(s->docs[i].text);
    }
    for (size_t i = 0; i < s->tcap; i++) {
        free(s->terms[i].word);
        free(s->terms[i].p);
    }
    free(s->docs);
    free(s->terms);
    free(s);
}

static uint32_t hash(const char *w)
{
    uint32_t h = 2166136261u;
    for (; *w; w++) {
        h ^= (unsigned char)*w;
        h *= 16777619u;
    }
    return h;
}

static struct term *term_slot(struct search *s, const char *w)
{
    if (2 * (s->nterms + 1) > s->tcap) {
        struct term *old = s->terms;
        size_t ocap = s->tcap;
        s->tcap *= 2;
        s->terms = xcalloc(s->tcap, sizeof *s->terms);
        for (size_t i = 0; i < ocap; i++) {
            if (!old[i].word)
                continue;
            size_t j = hash(old[i].word) & (s->tcap - 1);
            while (s->terms[j].word)
                j = (j + 1) & (s->tcap - 1);
            s->terms[j] = old[i];
        }
        free(old);
    }
    size_t j = hash(w) & (s->tcap - 1);
    while (s->terms[j].word && strcmp(s->terms[j].word, w))
        j = (j + 1) & (s->tcap - 1);
    if (!s->terms[j].word) {
        s->terms[j].word = xstrdup(w);
        s->nterms++;
    }
    return &s->terms[j];
}

static int by_cstr(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Appends the indexed words of text (folded, no stop words, 2 to MAX_TERM
 * bytes) to words, weight times each. */
static void words_of(const char *text, int weight, char ***words, size_t *n, size_t *cap)
{
    struct buf f = BUF_INIT;
    search_fold(text, strlen(text), &f);
    char *save = NULL;
    for (char *w = f.data ? strtok_r(f.data, " ", &save) : NULL; w;
         w = strtok_r(NULL, " ", &save)) {
        size_t len = strlen(w);
        if (len < 2 || len > MAX_TERM || is_stop(w))
            continue;
        for (int k = 0; k < weight; k++) {
            if (*n == *cap)
                *words = xrealloc(*words, (*cap = *cap ? 2 * *cap : 64) * sizeof **words);
            (*words)[(*n)++] = xstrdup(w);
        }
    }
    buf_free(&f);
}

void search_add_doc(struct search *s, const char *title, const char *url, const char *trail,
                    const char *text)
{
    if (s->ndocs == s->cap)
        s->docs = xrealloc(s->docs, (s->cap = s->cap ? 2 * s->cap : 64) * sizeof *s->docs);
    uint32_t id = (uint32_t)s->ndocs++;
    struct doc *d = &s->docs[id];
    d->title = xstrdup(title);
    d->url = xstrdup(url);
    d->trail = xstrdup(trail ? trail : "");
    d->text = xstrdup(text);
    char **words = NULL;
    size_t n = 0, cap = 0;
    words_of(title, TITLE_BOOST, &words, &n, &cap);
    words_of(text, 1, &words, &n, &cap);
    d->len = (uint32_t)n;
    /* Sorted, equal words are neighbours: one posting per distinct word. */
    qsort(words, n, sizeof *words, by_cstr);
    for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j < n && !strcmp(words[j], words[i]))
            j++;
        struct term *t = term_slot(s, words[i]);
        if (t->n == t->cap)
            t->p = xrealloc(t->p, (t->cap = t->cap ? 2 * t->cap : 4) * sizeof *t->p);
        t->p[t->n++] = (struct posting){id, (uint32_t)(j - i)};
        s->npostings++;
        i = j;
    }
    for (size_t i = 0; i < n; i++)
        free(words[i]);
    free(words);
}

/* ---- pages: <main>'s text, split at headings ------------------------------ */

/* A tag as the scanner sees it. */
struct tag {
    char name[16];
    bool end, ignore, has_id;
    char id[128];
};

static bool void_element(const char *n)
{
    static const char *const v[] = {"area",  "base", "br",   "col",    "embed", "hr",  "img",
                                    "input", "link", "meta", "source", "track", "wbr", NULL};
    for (size_t i = 0; v[i]; i++)
        if (!strcmp(v[i], n))
            return true;
    return false;
}

/* Words on either side of these do not run together. */
static bool block_element(const char *n)
{
    static const char *const b[] = {"p",          "div",      "li",      "ul",      "ol",
                                    "dl",         "dt",       "dd",      "tr",      "td",
                                    "th",         "table",    "br",      "h1",      "h2",
                                    "h3",         "h4",       "h5",      "h6",      "section",
                                    "article",    "aside",    "nav",     "caption", "blockquote",
                                    "pre",        "fieldset", "legend",  "label",   "figure",
                                    "figcaption", "hr",       "details", "summary", "option",
                                    "form",       "header",   "footer",  NULL};
    for (size_t i = 0; b[i]; i++)
        if (!strcmp(b[i], n))
            return true;
    return false;
}

/* Parses the tag at html[*at] ('<'); moves *at past it. */
static void parse_tag(const char *html, size_t len, size_t *at, struct tag *t)
{
    memset(t, 0, sizeof *t);
    size_t i = *at + 1;
    if (i < len && html[i] == '/') {
        t->end = true;
        i++;
    }
    size_t n = 0;
    while (i < len && (html[i] | 32) >= 'a' && (html[i] | 32) <= 'z' && n < sizeof t->name - 1)
        t->name[n++] = (char)(html[i++] | 32);
    while (i < len && html[i] >= '0' && html[i] <= '9' && n < sizeof t->name - 1)
        t->name[n++] = html[i++];
    /* Attributes: only id, hidden and data-search-ignore matter. */
    while (i < len && html[i] != '>') {
        while (i < len && (html[i] == ' ' || html[i] == '\n' || html[i] == '/'))
            i++;
        size_t a = i;
        while (i < len && html[i] != '=' && html[i] != ' ' && html[i] != '>' && html[i] != '\n')
            i++;
        size_t alen = i - a;
        const char *val = NULL;
        size_t vlen = 0;
        if (i < len && html[i] == '=') {
            i++;
            char q = html[i] == '"' || html[i] == '\'' ? html[i++] : 0;
            val = html + i;
            while (i < len && (q ? html[i] != q : (html[i] != ' ' && html[i] != '>')))
                i++;
            vlen = (size_t)(html + i - val);
            if (q && i < len)
                i++;
        }
        if ((alen == 6 && !strncasecmp(html + a, "hidden", 6)) ||
            (alen == 18 && !strncasecmp(html + a, "data-search-ignore", 18)))
            t->ignore = true;
        if (alen == 2 && !strncasecmp(html + a, "id", 2) && val && vlen < sizeof t->id) {
            memcpy(t->id, val, vlen);
            t->id[vlen] = '\0';
            t->has_id = true;
        }
        if (alen == 0 && i < len && html[i] != '>')
            i++;
    }
    *at = i < len ? i + 1 : len;
}

/* Appends text with entities decoded and runs of white space as one. */
static void put_text(struct buf *b, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '&') {
            const char *semi = memchr(s + i, ';', n - i < 10 ? n - i : 10);
            if (semi) {
                size_t k = (size_t)(semi - (s + i));
                uint32_t cp = 0;
                if (!strncmp(s + i, "&amp;", 5))
                    cp = '&';
                else if (!strncmp(s + i, "&lt;", 4))
                    cp = '<';
                else if (!strncmp(s + i, "&gt;", 4))
                    cp = '>';
                else if (!strncmp(s + i, "&quot;", 6))
                    cp = '"';
                else if (!strncmp(s + i, "&nbsp;", 6))
                    cp = ' ';
                else if (s[i + 1] == '#')
                    cp = (uint32_t)strtoul(s + i + (s[i + 2] == 'x' ? 3 : 2), NULL,
                                           s[i + 2] == 'x' ? 16 : 10);
                if (cp) {
                    if (cp == ' ' || cp == 0xA0) {
                        if (b->len && b->data[b->len - 1] != ' ')
                            buf_putc(b, ' ');
                    } else {
                        put_utf8(b, cp);
                    }
                    i += k;
                    continue;
                }
            }
        }
        if (c == ' ' || c == '\n' || c == '\t' || c == '\r') {
            if (b->len && b->data[b->len - 1] != ' ')
                buf_putc(b, ' ');
            continue;
        }
        buf_putc(b, c);
    }
}

static void trim(struct buf *b)
{
    while (b->len && b->data[b->len - 1] == ' ')
        b->data[--b->len] = '\0';
}

/* The section being collected while scanning a page. */
struct section {
    struct buf title, text;
    char *anchor; /* NULL: the top of the page */
    char *trail;
};

static void flush(struct search *s, const char *url, struct section *sec)
{
    trim(&sec->text);
    trim(&sec->title);
    if (sec->text.len && sec->title.len) {
        char *u = sec->anchor ? xasprintf("%s#%s", url, sec->anchor) : xstrdup(url);
        search_add_doc(s, sec->title.data, u, sec->trail, sec->text.data);
        free(u);
    }
    buf_reset(&sec->text);
}

void search_add_html(struct search *s, const char *url, const char *label, const char *html,
                     size_t len)
{
    const char *main = memmem(html, len, "<main", 5);
    const char *end = main ? memmem(main, len - (size_t)(main - html), "</main>", 7) : NULL;
    if (!end)
        return;
    const char *body = memchr(main, '>', (size_t)(end - main));
    if (!body)
        return;
    body++;
    size_t n = (size_t)(end - body), at = 0;
    struct section sec = {BUF_INIT, BUF_INIT, NULL, xstrdup(label ? label : "")};
    struct buf heading = BUF_INIT, page = BUF_INIT, h2 = BUF_INIT;
    char ignore[16] = "", ids[32][16]; /* open elements with an id, innermost last */
    char idv[32][128];
    int ignore_depth = 0, nids = 0, id_depth[32] = {0};
    int level = 0; /* the heading being read: 1 to 4, 0 outside one */
    char *head_id = NULL;
    while (at < n) {
        if (body[at] != '<') {
            const char *lt = memchr(body + at, '<', n - at);
            size_t stop = lt ? (size_t)(lt - body) : n;
            if (!ignore_depth)
                put_text(level ? &heading : &sec.text, body + at, stop - at);
            at = stop;
            continue;
        }
        if (!strncmp(body + at, "<!--", 4)) {
            const char *close = memmem(body + at, n - at, "-->", 3);
            at = close ? (size_t)(close - body) + 3 : n;
            continue;
        }
        struct tag t;
        parse_tag(body, n, &at, &t);
        if (!t.name[0])
            continue;
        if (!strcmp(t.name, "script") || !strcmp(t.name, "style") || !strcmp(t.name, "template")) {
            char close[24];
            snprintf(close, sizeof close, "</%s", t.name);
            const char *c = memmem(body + at, n - at, close, strlen(close));
            at = c ? (size_t)(c - body) : n;
            continue;
        }
        /* What is hidden or marked is skipped, nested same-name tags counted. */
        if (ignore_depth) {
            if (!strcmp(t.name, ignore) && !void_element(t.name))
                ignore_depth += t.end ? -1 : 1;
            continue;
        }
        if (!t.end && t.ignore && !void_element(t.name)) {
            snprintf(ignore, sizeof ignore, "%s", t.name);
            ignore_depth = 1;
            continue;
        }
        if (block_element(t.name))
            put_text(level ? &heading : &sec.text, " ", 1);
        /* The innermost open element with an id: where a heading without
         * one of its own points (each FAQ answer's <article id>). */
        if (!t.end && !void_element(t.name)) {
            if (t.has_id && nids < 32) {
                snprintf(ids[nids], sizeof ids[nids], "%s", t.name);
                snprintf(idv[nids], sizeof idv[nids], "%s", t.id);
                id_depth[nids++] = 1;
            } else if (nids && !strcmp(ids[nids - 1], t.name)) {
                id_depth[nids - 1]++;
            }
        } else if (t.end && nids && !strcmp(ids[nids - 1], t.name) && --id_depth[nids - 1] == 0) {
            nids--;
        }
        bool is_heading = t.name[0] == 'h' && t.name[1] >= '1' && t.name[1] <= '4' && !t.name[2];
        if (is_heading && !t.end && !level) {
            level = t.name[1] - '0';
            buf_reset(&heading);
            free(head_id);
            head_id = t.has_id ? xstrdup(t.id) : nids && level > 1 ? xstrdup(idv[nids - 1]) : NULL;
        } else if (is_heading && t.end && level == t.name[1] - '0') {
            trim(&heading);
            const char *h = heading.data ? heading.data : "";
            while (*h == ' ')
                h++;
            flush(s, url, &sec);
            free(sec.anchor);
            sec.anchor = level > 1 && head_id ? xstrdup(head_id) : NULL;
            free(sec.trail);
            if (level == 1) {
                buf_reset(&page);
                buf_puts(&page, h);
                buf_reset(&h2);
                sec.trail = xstrdup(label ? label : "");
            } else if (level == 2) {
                buf_reset(&h2);
                buf_puts(&h2, h);
                sec.trail = xstrdup(page.data ? page.data : "");
            } else {
                sec.trail = h2.len ? xasprintf("%s › %s", page.data ? page.data : "", h2.data)
                                   : xstrdup(page.data ? page.data : "");
            }
            buf_reset(&sec.title);
            buf_puts(&sec.title, h);
            level = 0;
        }
    }
    flush(s, url, &sec);
    buf_free(&sec.title);
    buf_free(&sec.text);
    free(sec.anchor);
    free(sec.trail);
    free(head_id);
    buf_free(&heading);
    buf_free(&page);
    buf_free(&h2);
}

/* ---- the files -------------------------------------------------------------- */

static int by_word(const void *a, const void *b)
{
    return strcmp((*(struct term *const *)a)->word, (*(struct term *const *)b)->word);
}

json_t *search_files(struct search *s)
{
    json_t *files = json_object(), *stop = json_array();
    for (size_t i = 0; stop_words[i]; i++)
        json_array_append_new(stop, json_string(stop_words[i]));
    uint32_t nshards = (uint32_t)((s->npostings + POSTINGS_PER_SHARD - 1) / POSTINGS_PER_SHARD);
    nshards = nshards < 1 ? 1 : nshards > 1024 ? 1024 : nshards;
    size_t text_bytes = 0;
    for (size_t i = 0; i < s->ndocs; i++)
        text_bytes += strlen(s->docs[i].text) + strlen(s->docs[i].title) + 32;
    size_t avg = s->ndocs ? text_bytes / s->ndocs : 1;
    size_t chunk = CHUNK_BYTES / (avg ? avg : 1);
    chunk = chunk < 8 ? 8 : chunk > 512 ? 512 : chunk;

    /* BM25 (k1 1.2, b 0.75), as a whole number per posting. */
    double total = 0;
    for (size_t i = 0; i < s->ndocs; i++)
        total += s->docs[i].len;
    double avgdl = s->ndocs && total > 0 ? total / (double)s->ndocs : 1;
    struct term **sorted = xmalloc((s->nterms + 1) * sizeof *sorted);
    size_t k = 0;
    for (size_t i = 0; i < s->tcap; i++)
        if (s->terms[i].word)
            sorted[k++] = &s->terms[i];
    qsort(sorted, k, sizeof *sorted, by_word);
    json_t **shards = xcalloc(nshards, sizeof *shards);
    for (size_t i = 0; i < k; i++) {
        struct term *t = sorted[i];
        double df = (double)t->n, nd = (double)s->ndocs;
        double idf = log(1.0 + (nd - df + 0.5) / (df + 0.5));
        json_t *list = json_array();
        uint32_t prev = 0;
        for (size_t j = 0; j < t->n; j++) {
            double tf = t->p[j].tf, dl = s->docs[t->p[j].doc].len;
            double score = idf * tf * 2.2 / (tf + 1.2 * (0.25 + 0.75 * dl / avgdl));
            long w = lround(score * 10);
            json_array_append_new(list, json_integer(t->p[j].doc - prev));
            json_array_append_new(list, json_integer(w < 1 ? 1 : w));
            prev = t->p[j].doc;
        }
        uint32_t sh = search_shard(t->word, nshards);
        if (!shards[sh])
            shards[sh] = json_object();
        json_object_set_new(shards[sh], t->word, list);
    }
    for (uint32_t i = 0; i < nshards; i++) {
        char *path = xasprintf("search-index/t-%u.json", i);
        json_object_set_new(files, path, shards[i] ? shards[i] : json_object());
        free(path);
    }
    for (size_t c = 0; c * chunk < s->ndocs || (c == 0 && !s->ndocs); c++) {
        json_t *docs = json_array();
        for (size_t i = c * chunk; i < s->ndocs && i < (c + 1) * chunk; i++) {
            const struct doc *d = &s->docs[i];
            json_array_append_new(docs,
                                  json_pack("[s, s, s, s]", d->title, d->url, d->trail, d->text));
        }
        char *path = xasprintf("search-index/d-%zu.json", c);
        json_object_set_new(files, path, docs);
        free(path);
    }
    json_object_set_new(files, "search-index.json",
                        json_pack("{s:i, s:I, s:i, s:I, s:o}", "v", 2, "docs", (json_int_t)s->ndocs,
                                  "shards", (int)nshards, "chunk", (json_int_t)chunk, "stop",
                                  stop));
    free(shards);
    free(sorted);
    return files;
}
