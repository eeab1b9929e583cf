#include "search.h"

#include <math.h>
#include <stdio.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "utf8.h"
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
/* The list is sorted (binary search) and no word in it is longer than this. */
#define NSTOP (sizeof stop_words / sizeof *stop_words - 1)
#define STOP_MAX 5

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

/* Writes c as UTF-8 at o (up to 4 bytes); returns the end. */
static char *put_utf8(char *o, uint32_t c)
{
    if (c < 0x80) {
        *o++ = (char)c;
    } else if (c < 0x800) {
        *o++ = (char)(0xC0 | (c >> 6));
        *o++ = (char)(0x80 | (c & 0x3F));
    } else if (c < 0x10000) {
        *o++ = (char)(0xE0 | (c >> 12));
        *o++ = (char)(0x80 | ((c >> 6) & 0x3F));
        *o++ = (char)(0x80 | (c & 0x3F));
    } else {
        *o++ = (char)(0xF0 | (c >> 18));
        *o++ = (char)(0x80 | ((c >> 12) & 0x3F));
        *o++ = (char)(0x80 | ((c >> 6) & 0x3F));
        *o++ = (char)(0x80 | (c & 0x3F));
    }
    return o;
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

/* Folding never makes text longer: every character read gives at most as
 * many bytes as it took (a Latin letter of two bytes at most two letters, a
 * code point re-encoded no longer than it came), so room for len bytes is
 * made once and written to directly. */
void search_fold(const char *s, size_t len, struct buf *out)
{
    buf_grow(out, len);
    char *o = out->data + out->len;
    bool space = true; /* no leading or repeated space */
    for (size_t i = 0; i < len;) {
        uint32_t c = (unsigned char)s[i];
        if (c < 0x80)
            i++;
        else
            i += utf8_next(s + i, len - i, &c);
        if (c >= 0x300 && c <= 0x36F)
            continue; /* a combining accent: the letter before stays */
        if (c < 0x80) {
            if ((c >= '0' && c <= '9') || ((c | 32) >= 'a' && (c | 32) <= 'z')) {
                *o++ = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
                space = false;
            } else if (!space) {
                *o++ = ' ';
                space = true;
            }
            continue;
        }
        if (c >= 0xC0 && c <= 0x17F && *latin[c - 0xC0]) {
            for (const char *l = latin[c - 0xC0]; *l; l++)
                *o++ = *l;
            space = false;
            continue;
        }
        if ((c >= 0xC0 && c <= 0x17F) || separates(c)) {
            if (!space)
                *o++ = ' ';
            space = true;
            continue;
        }
        /* Greek and Cyrillic capitals, as the browser lowercases them. */
        if ((c >= 0x391 && c <= 0x3A9) || (c >= 0x410 && c <= 0x42F))
            c += 0x20;
        else if (c >= 0x400 && c <= 0x40F)
            c += 0x50;
        o = put_utf8(o, c);
        space = false;
    }
    out->len = (size_t)(o - out->data);
    if (out->len && out->data[out->len - 1] == ' ')
        out->len--;
    out->data[out->len] = '\0';
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

/* w (NUL-terminated, len bytes) is a stop word: nothing to test past
 * STOP_MAX bytes, the longest in the list. */
static bool is_stop(const char *w, size_t len)
{
    if (len > STOP_MAX)
        return false;
    size_t lo = 0, hi = NSTOP;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        const char *sw = stop_words[mid];
        int c = (unsigned char)w[0] - (unsigned char)sw[0]; /* mostly decides, no call */
        if (!c)
            c = strcmp(w + 1, sw + 1);
        if (!c)
            return true;
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return false;
}

/* s is UTF-8 that jansson takes. A term that is not is left out of the
 * index (it could not be a key); a document's text that is not is written
 * with U+FFFD for each byte out of place (put_docs). */
static bool json_utf8(const char *s, size_t len)
{
    const unsigned char *u = (const unsigned char *)s;
    for (size_t i = 0, n; i < len; i += n)
        if (!(n = utf8_seq(u + i, len - i)))
            return false;
    return true;
}

static uint32_t hash(const char *w, size_t len)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)w[i];
        h *= 16777619u;
    }
    return h;
}

/* ---- a page scanned: its documents and their terms ------------------------ */

/* A distinct term of a document and how often it occurs there (a heading's
 * words TITLE_BOOST times). */
struct page_term {
    size_t off; /* its word in the page's words (in scan's folded while counted) */
    uint32_t len, hash, tf;
};

struct page_doc {
    size_t title, url, trail, text; /* offsets in the page's strs */
    size_t bytes;                   /* title and text, for the chunk size */
    uint32_t len;                   /* words, the heading's counted TITLE_BOOST times */
    size_t first, nterms;           /* in the page's terms */
    bool json;                      /* its strings are UTF-8 jansson takes */
};

struct search_page {
    struct page_doc *docs;
    size_t ndocs, dcap;
    struct buf strs;  /* each doc's title, url, trail and text, NUL-terminated */
    struct buf words; /* each doc's distinct terms, NUL-terminated */
    struct page_term *terms;
    size_t nterms, tcap;
};

/* What reading a page needs for a while: a document's text folded (its
 * words NUL-terminated in place), and its terms seen so far by hash. A slot
 * is in use when its gen is the document's, so nothing is cleared between
 * documents. */
struct scan_slot {
    uint32_t gen, term;
};

struct scan {
    struct buf folded;
    struct scan_slot *slot;
    size_t cap;
    uint32_t gen;
};

static void scan_slots(struct scan *sc, size_t cap)
{
    free(sc->slot);
    sc->cap = cap;
    sc->slot = xcalloc(cap, sizeof *sc->slot);
    sc->gen = 1;
}

static void scan_free(struct scan *sc)
{
    buf_free(&sc->folded);
    free(sc->slot);
}

/* Counts the word folded[at, at+len) weight times in the document whose
 * terms start at first. */
static void count_word(struct search_page *p, struct scan *sc, size_t first, size_t at,
                       uint32_t len, uint32_t weight)
{
    const char *f = sc->folded.data;
    uint32_t h = hash(f + at, len);
    size_t mask = sc->cap - 1, j = h & mask;
    for (; sc->slot[j].gen == sc->gen; j = (j + 1) & mask) {
        struct page_term *pt = &p->terms[sc->slot[j].term];
        if (pt->hash == h && pt->len == len && !memcmp(f + pt->off, f + at, len)) {
            pt->tf += weight;
            return;
        }
    }
    if (p->nterms == p->tcap)
        p->terms = xrealloc(p->terms, (p->tcap = p->tcap ? 2 * p->tcap : 256) * sizeof *p->terms);
    p->terms[p->nterms] = (struct page_term){at, len, h, weight};
    sc->slot[j].gen = sc->gen;
    sc->slot[j].term = (uint32_t)p->nterms++;
    /* At most half full: grown, with this document's terms put back. */
    if (2 * (p->nterms - first) > sc->cap) {
        scan_slots(sc, 2 * sc->cap);
        mask = sc->cap - 1;
        for (size_t k = first; k < p->nterms; k++) {
            for (j = p->terms[k].hash & mask; sc->slot[j].gen == sc->gen; j = (j + 1) & mask)
                ;
            sc->slot[j].gen = sc->gen;
            sc->slot[j].term = (uint32_t)k;
        }
    }
}

/* Counts the indexed words of folded[from, to) (split by single spaces, 2
 * to MAX_TERM bytes, no stop words), each NUL-terminated where it lies.
 * Returns how many, times weight. */
static uint32_t count_words(struct search_page *p, struct scan *sc, size_t first, size_t from,
                            size_t to, uint32_t weight)
{
    char *f = sc->folded.data;
    uint32_t n = 0;
    for (size_t at = from; at < to;) {
        const char *sp = memchr(f + at, ' ', to - at);
        size_t end = sp ? (size_t)(sp - f) : to, len = end - at;
        f[end] = '\0';
        if (len >= 2 && len <= MAX_TERM && !is_stop(f + at, len)) {
            count_word(p, sc, first, at, (uint32_t)len, weight);
            n += weight;
        }
        at = end + 1;
    }
    return n;
}

/* Appends a NUL-terminated string to b; returns where it starts. */
static size_t put_str(struct buf *b, const char *s)
{
    size_t at = b->len;
    buf_append(b, s, strlen(s) + 1);
    return at;
}

/* Adds a document to p: its strings copied as C strings (the text ends at
 * its first NUL, as it always has), its words folded and counted, its
 * distinct terms packed into p's words. url gets "#anchor" when anchor is
 * not NULL. */
static void page_add_doc(struct search_page *p, struct scan *sc, const char *title, const char *url,
                         const char *anchor, const char *trail, const char *text)
{
    if (p->ndocs == p->dcap)
        p->docs = xrealloc(p->docs, (p->dcap = p->dcap ? 2 * p->dcap : 8) * sizeof *p->docs);
    struct page_doc *d = &p->docs[p->ndocs++];
    struct buf *b = &p->strs;
    d->title = put_str(b, title);
    d->url = b->len;
    buf_puts(b, url);
    if (anchor) {
        buf_putc(b, '#');
        buf_puts(b, anchor);
    }
    buf_putc(b, '\0');
    d->trail = put_str(b, trail);
    d->text = put_str(b, text);
    size_t title_len = d->url - d->title - 1, text_len = b->len - d->text - 1;
    d->bytes = title_len + text_len + 32;
    d->json = json_utf8(b->data + d->title, title_len) &&
              json_utf8(b->data + d->url, d->trail - d->url - 1) &&
              json_utf8(b->data + d->trail, d->text - d->trail - 1) &&
              json_utf8(b->data + d->text, text_len);

    /* Title and text folded one after the other, each NUL-terminated. */
    struct buf *f = &sc->folded;
    buf_reset(f);
    search_fold(b->data + d->title, title_len, f);
    size_t t1 = f->len;
    buf_putc(f, '\0');
    size_t x0 = f->len;
    search_fold(b->data + d->text, text_len, f);
    size_t x1 = f->len;
    buf_putc(f, '\0');

    if (!sc->cap)
        scan_slots(sc, 256);
    else if (++sc->gen == 0)
        scan_slots(sc, sc->cap);
    d->first = p->nterms;
    d->len = count_words(p, sc, d->first, 0, t1, TITLE_BOOST);
    d->len += count_words(p, sc, d->first, x0, x1, 1);
    d->nterms = p->nterms - d->first;
    for (size_t k = d->first; k < p->nterms; k++) {
        struct page_term *pt = &p->terms[k];
        size_t at = p->words.len;
        buf_append(&p->words, f->data + pt->off, pt->len + 1);
        pt->off = at;
    }
}

static struct search_page *page_new(void)
{
    return xcalloc(1, sizeof(struct search_page));
}

/* Done reading p: the scratch goes, and the strings the index will keep
 * take no more room than they need. */
static void page_end(struct search_page *p, struct scan *sc)
{
    scan_free(sc);
    if (p->strs.data && p->strs.cap > p->strs.len + 1) {
        p->strs.data = xrealloc(p->strs.data, p->strs.len + 1);
        p->strs.cap = p->strs.len + 1;
    }
}

void search_page_free(struct search_page *p)
{
    if (!p)
        return;
    free(p->docs);
    buf_free(&p->strs);
    buf_free(&p->words);
    free(p->terms);
    free(p);
}

/* ---- the index being built ------------------------------------------------ */

struct posting {
    uint32_t doc, tf;
};

struct term {
    const char *word; /* in the index's words */
    uint32_t hash, len;
    struct posting *p;
    uint32_t n, cap;
};

struct doc {
    const char *title, *url, *trail, *text; /* in a page's strs, kept in blocks */
    size_t bytes;                           /* as page_doc's */
    uint32_t len;
    bool json;
};

#define WORDS_BLOCK 65536

struct search {
    struct doc *docs;
    size_t ndocs, cap;
    struct term *terms; /* open addressing, power-of-two size */
    size_t nterms, tcap;
    size_t npostings;
    char **blocks; /* the pages' strings, and the terms' words */
    size_t nblocks, bcap;
    char *words; /* where the next term's word goes, left bytes free */
    size_t left;
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
    for (size_t i = 0; i < s->tcap; i++)
        free(s->terms[i].p);
    for (size_t i = 0; i < s->nblocks; i++)
        free(s->blocks[i]);
    free(s->blocks);
    free(s->docs);
    free(s->terms);
    free(s);
}

static void keep_block(struct search *s, char *block)
{
    if (s->nblocks == s->bcap)
        s->blocks = xrealloc(s->blocks, (s->bcap = s->bcap ? 2 * s->bcap : 64) * sizeof *s->blocks);
    s->blocks[s->nblocks++] = block;
}

/* A copy of a term's word that lives as long as the index: words are
 * packed into blocks rather than allocated one by one. */
static const char *keep_word(struct search *s, const char *w, size_t len)
{
    if (s->left < len + 1) {
        keep_block(s, s->words = xmalloc(WORDS_BLOCK));
        s->left = WORDS_BLOCK;
    }
    char *c = s->words;
    memcpy(c, w, len);
    c[len] = '\0';
    s->words += len + 1;
    s->left -= len + 1;
    return c;
}

static struct term *term_slot(struct search *s, const char *w, uint32_t len, uint32_t h)
{
    if (2 * (s->nterms + 1) > s->tcap) {
        struct term *old = s->terms;
        size_t ocap = s->tcap;
        s->tcap *= 2;
        s->terms = xcalloc(s->tcap, sizeof *s->terms);
        for (size_t i = 0; i < ocap; i++) {
            if (!old[i].word)
                continue;
            size_t j = old[i].hash & (s->tcap - 1);
            while (s->terms[j].word)
                j = (j + 1) & (s->tcap - 1);
            s->terms[j] = old[i];
        }
        free(old);
    }
    size_t j = h & (s->tcap - 1);
    for (; s->terms[j].word; j = (j + 1) & (s->tcap - 1)) {
        struct term *t = &s->terms[j];
        if (t->hash == h && t->len == len && !memcmp(t->word, w, len))
            return t;
    }
    s->terms[j].word = keep_word(s, w, len);
    s->terms[j].hash = h;
    s->terms[j].len = len;
    s->nterms++;
    return &s->terms[j];
}

void search_add_page(struct search *s, struct search_page *p)
{
    if (!p)
        return;
    if (s->ndocs + p->ndocs > s->cap) {
        while (s->ndocs + p->ndocs > s->cap)
            s->cap = s->cap ? 2 * s->cap : 64;
        s->docs = xrealloc(s->docs, s->cap * sizeof *s->docs);
    }
    const char *strs = p->strs.data, *f = p->words.data;
    for (size_t i = 0; i < p->ndocs; i++) {
        const struct page_doc *pd = &p->docs[i];
        uint32_t id = (uint32_t)s->ndocs++;
        struct doc *d = &s->docs[id];
        d->title = strs + pd->title;
        d->url = strs + pd->url;
        d->trail = strs + pd->trail;
        d->text = strs + pd->text;
        d->bytes = pd->bytes;
        d->len = pd->len;
        d->json = pd->json;
        for (size_t k = pd->first; k < pd->first + pd->nterms; k++) {
            const struct page_term *pt = &p->terms[k];
            struct term *t = term_slot(s, f + pt->off, pt->len, pt->hash);
            if (t->n == t->cap)
                t->p = xrealloc(t->p, (t->cap = t->cap ? 2 * t->cap : 4) * sizeof *t->p);
            t->p[t->n++] = (struct posting){id, pt->tf};
            s->npostings++;
        }
    }
    /* The documents' strings stay with the index. */
    if (p->ndocs)
        keep_block(s, buf_detach(&p->strs));
    search_page_free(p);
}

void search_add_doc(struct search *s, const char *title, const char *url, const char *trail,
                    const char *text)
{
    struct search_page *p = page_new();
    struct scan sc = {0};
    page_add_doc(p, &sc, title, url, NULL, trail ? trail : "", text);
    page_end(p, &sc);
    search_add_page(s, p);
}

/* ---- pages: <main>'s text, split at headings ------------------------------ */

/* What the scanner does with an element: a void one has no end tag, a block
 * one keeps the words on either side of it apart, a raw one's content
 * (script, style, template) is no text. */
enum { TAG_VOID = 1, TAG_BLOCK = 2, TAG_RAW = 4 };

/* Sorted by name (binary search). */
static const struct tag_kind {
    const char *name;
    unsigned kind;
} tag_kinds[] = {
    {"area", TAG_VOID},        {"article", TAG_BLOCK},    {"aside", TAG_BLOCK},
    {"base", TAG_VOID},        {"blockquote", TAG_BLOCK}, {"br", TAG_VOID | TAG_BLOCK},
    {"caption", TAG_BLOCK},    {"col", TAG_VOID},         {"dd", TAG_BLOCK},
    {"details", TAG_BLOCK},    {"div", TAG_BLOCK},        {"dl", TAG_BLOCK},
    {"dt", TAG_BLOCK},         {"embed", TAG_VOID},       {"fieldset", TAG_BLOCK},
    {"figcaption", TAG_BLOCK}, {"figure", TAG_BLOCK},     {"footer", TAG_BLOCK},
    {"form", TAG_BLOCK},       {"h1", TAG_BLOCK},         {"h2", TAG_BLOCK},
    {"h3", TAG_BLOCK},         {"h4", TAG_BLOCK},         {"h5", TAG_BLOCK},
    {"h6", TAG_BLOCK},         {"header", TAG_BLOCK},     {"hr", TAG_VOID | TAG_BLOCK},
    {"img", TAG_VOID},         {"input", TAG_VOID},       {"label", TAG_BLOCK},
    {"legend", TAG_BLOCK},     {"li", TAG_BLOCK},         {"link", TAG_VOID},
    {"meta", TAG_VOID},        {"nav", TAG_BLOCK},        {"ol", TAG_BLOCK},
    {"option", TAG_BLOCK},     {"p", TAG_BLOCK},          {"pre", TAG_BLOCK},
    {"script", TAG_RAW},       {"section", TAG_BLOCK},    {"source", TAG_VOID},
    {"style", TAG_RAW},        {"summary", TAG_BLOCK},    {"table", TAG_BLOCK},
    {"td", TAG_BLOCK},         {"template", TAG_RAW},     {"th", TAG_BLOCK},
    {"tr", TAG_BLOCK},         {"track", TAG_VOID},       {"ul", TAG_BLOCK},
    {"wbr", TAG_VOID},
};

/* The kind of the element name (lowercase), 0 for any other. Most steps
 * of the search are decided by the first letter, without a call. */
static unsigned tag_kind(const char *name)
{
    size_t lo = 0, hi = sizeof tag_kinds / sizeof *tag_kinds;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        const char *k = tag_kinds[mid].name;
        int c = (unsigned char)name[0] - (unsigned char)k[0];
        if (!c)
            c = strcmp(name + 1, k + 1);
        if (!c)
            return tag_kinds[mid].kind;
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return 0;
}

/* A tag as the scanner sees it. */
struct tag {
    char name[16];
    unsigned kind;
    bool end, ignore, has_id;
    char id[128];
};

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
    t->kind = n ? tag_kind(t->name) : 0;
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

/* Appends text with entities decoded and runs of white space as one; the
 * bytes between entities and white space go in as runs. */
static void put_text(struct buf *b, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        size_t run = i;
        while (run < n && s[run] != '&' && s[run] != ' ' && s[run] != '\n' && s[run] != '\t' &&
               s[run] != '\r')
            run++;
        if (run > i) {
            buf_append(b, s + i, run - i);
            i = run;
            if (i == n)
                break;
        }
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
                if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
                    cp = 0xFFFD; /* as a browser reads it */
                if (cp) {
                    if (cp == ' ' || cp == 0xA0) {
                        if (b->len && b->data[b->len - 1] != ' ')
                            buf_putc(b, ' ');
                    } else {
                        char u[4];
                        buf_append(b, u, (size_t)(put_utf8(u, cp) - u));
                    }
                    i += k;
                    continue;
                }
            }
            buf_putc(b, c);
            continue;
        }
        if (b->len && b->data[b->len - 1] != ' ')
            buf_putc(b, ' ');
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

static void flush(struct search_page *p, struct scan *sc, const char *url, struct section *sec)
{
    trim(&sec->text);
    trim(&sec->title);
    if (sec->text.len && sec->title.len)
        page_add_doc(p, sc, sec->title.data, url, sec->anchor, sec->trail, sec->text.data);
    buf_reset(&sec->text);
}

struct search_page *search_scan_html(const char *url, const char *label, const char *html,
                                     size_t len)
{
    struct search_page *p = page_new();
    const char *main = html ? memmem(html, len, "<main", 5) : NULL;
    const char *end = main ? memmem(main, len - (size_t)(main - html), "</main>", 7) : NULL;
    if (!end)
        return p;
    const char *body = memchr(main, '>', (size_t)(end - main));
    if (!body)
        return p;
    body++;
    struct scan sc = {0};
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
        if (body[at + 1] == '!' && !strncmp(body + at, "<!--", 4)) {
            const char *close = memmem(body + at, n - at, "-->", 3);
            at = close ? (size_t)(close - body) + 3 : n;
            continue;
        }
        struct tag t;
        parse_tag(body, n, &at, &t);
        if (!t.name[0])
            continue;
        if (t.kind & TAG_RAW) {
            char close[24];
            snprintf(close, sizeof close, "</%s", t.name);
            const char *c = memmem(body + at, n - at, close, strlen(close));
            at = c ? (size_t)(c - body) : n;
            continue;
        }
        /* What is hidden or marked is skipped, nested same-name tags counted. */
        if (ignore_depth) {
            if (!strcmp(t.name, ignore) && !(t.kind & TAG_VOID))
                ignore_depth += t.end ? -1 : 1;
            continue;
        }
        if (!t.end && t.ignore && !(t.kind & TAG_VOID)) {
            snprintf(ignore, sizeof ignore, "%s", t.name);
            ignore_depth = 1;
            continue;
        }
        if (t.kind & TAG_BLOCK)
            put_text(level ? &heading : &sec.text, " ", 1);
        /* The innermost open element with an id: where a heading without
         * one of its own points (each FAQ answer's <article id>). */
        if (!t.end && !(t.kind & TAG_VOID)) {
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
            flush(p, &sc, url, &sec);
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
    flush(p, &sc, url, &sec);
    buf_free(&sec.title);
    buf_free(&sec.text);
    free(sec.anchor);
    free(sec.trail);
    free(head_id);
    buf_free(&heading);
    buf_free(&page);
    buf_free(&h2);
    page_end(p, &sc);
    return p;
}

void search_add_html(struct search *s, const char *url, const char *label, const char *html,
                     size_t len)
{
    search_add_page(s, search_scan_html(url, label, html, len));
}

/* ---- the files -------------------------------------------------------------- */

/* Appends s as a JSON string, escaped as jansson's json_dumps escapes it:
 * \" \\ \b \f \n \r \t, other control characters as \u00XX in capitals,
 * everything else (UTF-8, '/') as it is. */
static void put_json_str(struct buf *b, const char *s, size_t len)
{
    static const char hex[] = "0123456789ABCDEF";
    buf_grow(b, len + 2);
    buf_putc(b, '"');
    size_t run = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        buf_append(b, s + run, i - run);
        run = i + 1;
        char e = c == '"'    ? '"'
                 : c == '\\' ? '\\'
                 : c == '\b' ? 'b'
                 : c == '\f' ? 'f'
                 : c == '\n' ? 'n'
                 : c == '\r' ? 'r'
                 : c == '\t' ? 't'
                             : 0;
        if (e) {
            char esc[2] = {'\\', e};
            buf_append(b, esc, 2);
        } else {
            char esc[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
            buf_append(b, esc, 6);
        }
    }
    buf_append(b, s + run, len - run);
    buf_putc(b, '"');
}

static void put_uint(struct buf *b, unsigned long long v)
{
    char d[24], *o = d + sizeof d;
    do
        *--o = (char)('0' + v % 10);
    while (v /= 10);
    buf_append(b, o, (size_t)(d + sizeof d - o));
}

static int by_word(const void *a, const void *b)
{
    return strcmp((*(struct term *const *)a)->word, (*(struct term *const *)b)->word);
}

/* A posting's weight: BM25 (k1 1.2, b 0.75) times ten, as a whole number
 * of at least 1. The patch (below) compares weights made here, so there is
 * one place that makes them. */
static unsigned long long posting_weight(double idf, double tf, double dl, double avgdl)
{
    double score = idf * tf * 2.2 / (tf + 1.2 * (0.25 + 0.75 * dl / avgdl));
    long w = lround(score * 10);
    return (unsigned long long)(w < 1 ? 1 : w);
}

static double term_idf(size_t df, size_t ndocs)
{
    double d = (double)df, nd = (double)ndocs;
    return log(1.0 + (nd - d + 0.5) / (d + 0.5));
}

/* The shard {term: [doc, weight, doc gap, weight, ...]} of the n terms at
 * sorted, in that order, over ndocs documents of lengths dl. */
static void put_shard(struct buf *out, struct term *const *sorted, size_t n, size_t ndocs,
                      const uint32_t *dl, double avgdl)
{
    buf_putc(out, '{');
    bool first = true;
    for (size_t i = 0; i < n; i++) {
        const struct term *t = sorted[i];
        if (!json_utf8(t->word, t->len))
            continue; /* a key jansson refused */
        if (!first)
            buf_putc(out, ',');
        first = false;
        put_json_str(out, t->word, t->len);
        buf_append(out, ":[", 2);
        double idf = term_idf(t->n, ndocs);
        uint32_t prev = 0;
        for (size_t j = 0; j < t->n; j++) {
            if (j)
                buf_putc(out, ',');
            put_uint(out, t->p[j].doc - prev);
            buf_putc(out, ',');
            put_uint(out, posting_weight(idf, t->p[j].tf, dl[t->p[j].doc], avgdl));
            prev = t->p[j].doc;
        }
        buf_putc(out, ']');
    }
    buf_putc(out, '}');
}

/* s as a JSON string with U+FFFD for each byte that is not part of UTF-8
 * jansson takes. */
static void put_json_str_mended(struct buf *b, const char *s)
{
    size_t len = strlen(s);
    struct buf mended = BUF_INIT;
    const unsigned char *u = (const unsigned char *)s;
    for (size_t i = 0, n; i < len; i += n ? n : 1) {
        n = utf8_seq(u + i, len - i);
        if (n)
            buf_append(&mended, s + i, n);
        else
            buf_append(&mended, "\xEF\xBF\xBD", 3);
    }
    put_json_str(b, mended.data ? mended.data : "", mended.len);
    buf_free(&mended);
}

/* Documents [from, to) as [[title, url, trail, text], ...]: every one, in
 * its place, since site.js finds document i at i % chunk of its chunk. */
static void put_docs(const struct doc *docs, struct buf *out, size_t from, size_t to)
{
    buf_putc(out, '[');
    for (size_t i = from; i < to; i++) {
        const struct doc *d = &docs[i];
        const char *field[] = {d->title, d->url, d->trail, d->text};
        buf_append(out, i == from ? "[" : ",[", i == from ? 1 : 2);
        for (size_t k = 0; k < 4; k++) {
            if (k)
                buf_putc(out, ',');
            if (d->json)
                put_json_str(out, field[k], strlen(field[k]));
            else
                put_json_str_mended(out, field[k]);
        }
        buf_putc(out, ']');
    }
    buf_putc(out, ']');
}

/* The index's shape: how many term shards for its postings, how many
 * documents to a chunk for their bytes, and the average length BM25 weighs
 * each document's against. */
static uint32_t shards_for(size_t npostings)
{
    size_t n = (npostings + POSTINGS_PER_SHARD - 1) / POSTINGS_PER_SHARD;
    return n < 1 ? 1 : n > 1024 ? 1024 : (uint32_t)n;
}

static size_t chunk_for(size_t text_bytes, size_t ndocs)
{
    size_t avg = ndocs ? text_bytes / ndocs : 1;
    size_t chunk = CHUNK_BYTES / (avg ? avg : 1);
    return chunk < 8 ? 8 : chunk > 512 ? 512 : chunk;
}

static size_t chunks_for(size_t ndocs, size_t chunk)
{
    return ndocs ? (ndocs + chunk - 1) / chunk : 1;
}

static double avg_length(uint64_t total, size_t ndocs)
{
    return ndocs && total > 0 ? (double)total / (double)ndocs : 1;
}

static void file_path(uint32_t nshards, size_t nchunks, size_t i, char path[SEARCH_PATH_MAX])
{
    if (i < nshards)
        snprintf(path, SEARCH_PATH_MAX, "search-index/t-%zu.json", i);
    else if (i < nshards + nchunks)
        snprintf(path, SEARCH_PATH_MAX, "search-index/d-%zu.json", i - nshards);
    else
        snprintf(path, SEARCH_PATH_MAX, "search-index.json");
}

/* Where every file of the index comes from: terms sorted, then grouped by
 * shard keeping that order. */
struct search_plan {
    const struct search *s;
    uint32_t nshards;
    size_t chunk, nchunks;
    double avgdl;
    uint32_t *dl; /* each document's length */
    struct term **grouped;
    size_t *start; /* [nshards + 1]: each shard's terms in grouped */
};

struct search_plan *search_plan_new(const struct search *s)
{
    struct search_plan *p = xcalloc(1, sizeof *p);
    p->s = s;
    p->nshards = shards_for(s->npostings);
    size_t text_bytes = 0;
    for (size_t i = 0; i < s->ndocs; i++)
        text_bytes += s->docs[i].bytes;
    p->chunk = chunk_for(text_bytes, s->ndocs);
    p->nchunks = chunks_for(s->ndocs, p->chunk);
    p->dl = xmalloc((s->ndocs + 1) * sizeof *p->dl);
    uint64_t total = 0;
    for (size_t i = 0; i < s->ndocs; i++)
        total += p->dl[i] = s->docs[i].len;
    p->avgdl = avg_length(total, s->ndocs);

    struct term **sorted = xmalloc((s->nterms + 1) * sizeof *sorted);
    size_t k = 0;
    for (size_t i = 0; i < s->tcap; i++)
        if (s->terms[i].word)
            sorted[k++] = &s->terms[i];
    qsort(sorted, k, sizeof *sorted, by_word);
    uint32_t *shard = xmalloc((k + 1) * sizeof *shard);
    p->start = xcalloc((size_t)p->nshards + 1, sizeof *p->start);
    for (size_t i = 0; i < k; i++) {
        shard[i] = search_shard(sorted[i]->word, p->nshards);
        p->start[shard[i] + 1]++;
    }
    for (uint32_t i = 0; i < p->nshards; i++)
        p->start[i + 1] += p->start[i];
    p->grouped = xmalloc((k + 1) * sizeof *p->grouped);
    size_t *at = xmalloc(((size_t)p->nshards + 1) * sizeof *at);
    memcpy(at, p->start, ((size_t)p->nshards + 1) * sizeof *at);
    for (size_t i = 0; i < k; i++)
        p->grouped[at[shard[i]]++] = sorted[i];
    free(at);
    free(shard);
    free(sorted);
    return p;
}

void search_plan_free(struct search_plan *p)
{
    if (!p)
        return;
    free(p->grouped);
    free(p->start);
    free(p->dl);
    free(p);
}

size_t search_plan_files(const struct search_plan *p)
{
    return p->nshards + p->nchunks + 1;
}

void search_plan_path(const struct search_plan *p, size_t i, char path[SEARCH_PATH_MAX])
{
    file_path(p->nshards, p->nchunks, i, path);
}

void search_plan_file(const struct search_plan *p, size_t i, struct buf *out)
{
    const struct search *s = p->s;
    buf_reset(out);
    if (i < p->nshards) {
        put_shard(out, p->grouped + p->start[i], p->start[i + 1] - p->start[i], s->ndocs, p->dl,
                  p->avgdl);
    } else if (i < p->nshards + p->nchunks) {
        size_t c = i - p->nshards,
               to = (c + 1) * p->chunk < s->ndocs ? (c + 1) * p->chunk : s->ndocs;
        put_docs(s->docs, out, c * p->chunk, to);
    } else {
        buf_printf(out, "{\"v\":2,\"docs\":%zu,\"shards\":%u,\"chunk\":%zu,\"stop\":[", s->ndocs,
                   p->nshards, p->chunk);
        for (size_t k = 0; k < NSTOP; k++) {
            if (k)
                buf_putc(out, ',');
            put_json_str(out, stop_words[k], strlen(stop_words[k]));
        }
        buf_append(out, "]}", 2);
    }
}

int search_write(struct search *s, search_emit_fn emit, void *ctx)
{
    struct search_plan *p = search_plan_new(s);
    struct buf out = BUF_INIT;
    char path[SEARCH_PATH_MAX];
    int rc = 0;
    for (size_t i = 0; i < search_plan_files(p); i++) {
        search_plan_file(p, i, &out);
        search_plan_path(p, i, path);
        rc |= emit(ctx, path, out.data, out.len);
    }
    buf_free(&out);
    search_plan_free(p);
    return rc;
}

/* Reads a file back into the object ctx. */
static int load_file(void *ctx, const char *path, const char *data, size_t len)
{
    json_t *v = json_loadb(data, len, 0, NULL);
    if (!v)
        return -1;
    json_object_set_new(ctx, path, v);
    return 0;
}

json_t *search_files(struct search *s)
{
    json_t *files = json_object();
    if (search_write(s, load_file, files)) {
        json_decref(files);
        return NULL; /* the writer wrote what jansson cannot read: a bug */
    }
    return files;
}

/* ---- a page kept for the next build (reuse.h) ----------------------------- */

static void save_u64(struct buf *b, uint64_t v)
{
    buf_append(b, &v, sizeof v);
}

void search_page_save(const struct search_page *p, struct buf *out)
{
    save_u64(out, p->ndocs);
    save_u64(out, p->nterms);
    save_u64(out, p->strs.len);
    save_u64(out, p->words.len);
    for (size_t i = 0; i < p->ndocs; i++) {
        const struct page_doc *d = &p->docs[i];
        uint64_t v[9] = {d->title, d->url,   d->trail,  d->text,          d->bytes,
                         d->len,   d->first, d->nterms, d->json ? 1u : 0u};
        buf_append(out, v, sizeof v);
    }
    for (size_t i = 0; i < p->nterms; i++) {
        const struct page_term *t = &p->terms[i];
        uint64_t v[4] = {t->off, t->len, t->hash, t->tf};
        buf_append(out, v, sizeof v);
    }
    buf_append(out, p->strs.data ? p->strs.data : "", p->strs.len);
    buf_append(out, p->words.data ? p->words.data : "", p->words.len);
}

/* Reads n words of 8 bytes at *at, within end. */
static bool load_u64s(const char **at, const char *end, uint64_t *v, size_t n)
{
    if ((size_t)(end - *at) / sizeof *v < n)
        return false;
    memcpy(v, *at, n * sizeof *v);
    *at += n * sizeof *v;
    return true;
}

/* Every offset and length is checked against the strings it points into:
 * a record is a file on disk. */
struct search_page *search_page_load(const char *data, size_t len)
{
    const char *at = data, *end = data + len;
    uint64_t h[4];
    if (!load_u64s(&at, end, h, 4) || h[0] > len / 72 || h[1] > len / 32 || h[2] > len ||
        h[3] > len)
        return NULL;
    struct search_page *p = page_new();
    p->ndocs = p->dcap = h[0];
    p->nterms = p->tcap = h[1];
    p->docs = xcalloc(p->ndocs + 1, sizeof *p->docs);
    p->terms = xcalloc(p->nterms + 1, sizeof *p->terms);
    bool good = true;
    for (size_t i = 0; good && i < p->ndocs; i++) {
        uint64_t v[9] = {0};
        good = load_u64s(&at, end, v, 9);
        struct page_doc *d = &p->docs[i];
        d->title = v[0];
        d->url = v[1];
        d->trail = v[2];
        d->text = v[3];
        d->bytes = v[4];
        d->len = (uint32_t)v[5];
        d->first = v[6];
        d->nterms = v[7];
        d->json = v[8] != 0;
        good = good && v[0] < h[2] && v[1] < h[2] && v[2] < h[2] && v[3] < h[2] &&
               v[6] <= p->nterms && v[7] <= p->nterms - v[6];
    }
    for (size_t i = 0; good && i < p->nterms; i++) {
        uint64_t v[4] = {0};
        good = load_u64s(&at, end, v, 4);
        struct page_term *t = &p->terms[i];
        t->off = v[0];
        t->len = (uint32_t)v[1];
        t->hash = (uint32_t)v[2];
        t->tf = (uint32_t)v[3];
        good = good && v[0] < h[3] && v[1] <= h[3] - v[0] && v[1] <= MAX_TERM;
    }
    good = good && (size_t)(end - at) == h[2] + h[3];
    if (good) {
        buf_append(&p->strs, at, h[2]);
        buf_append(&p->words, at + h[2], h[3]);
        /* Every string ends inside its buffer. */
        good =
            (!h[2] || p->strs.data[h[2] - 1] == '\0') && (!h[3] || p->words.data[h[3] - 1] == '\0');
        for (size_t i = 0; good && i < p->nterms; i++)
            good = p->words.data[p->terms[i].off + p->terms[i].len] == '\0' &&
                   p->terms[i].hash == hash(p->words.data + p->terms[i].off, p->terms[i].len);
    }
    if (!good) {
        search_page_free(p);
        return NULL;
    }
    return p;
}

size_t search_page_ndocs(const struct search_page *p)
{
    return p ? p->ndocs : 0;
}

/* ---- the index kept for the next build, and patched ----------------------- */

/* Saved (search_plan_save), all numbers unsigned LEB128:
 *   "psx1", ndocs, then each document's len and bytes;
 *   nterms, then each term in the plan's order (by shard, then by word): its
 *   word's length and bytes, how many postings, then each posting's doc gap
 *   and tf.
 * The documents' strings are not in it: they stay with their pages'
 * records, and a patch needs only those of the chunks it rewrites. */
#define SAVED_MAGIC "psx1"

static void put_varint(struct buf *b, uint64_t v)
{
    char d[10];
    size_t n = 0;
    do {
        d[n] = (char)(v & 0x7F);
        v >>= 7;
        if (v)
            d[n] |= (char)0x80;
        n++;
    } while (v);
    buf_append(b, d, n);
}

static void save_term(struct buf *out, const struct term *t)
{
    put_varint(out, t->len);
    buf_append(out, t->word, t->len);
    put_varint(out, t->n);
    uint32_t prev = 0;
    for (size_t j = 0; j < t->n; j++) {
        put_varint(out, t->p[j].doc - prev);
        put_varint(out, t->p[j].tf);
        prev = t->p[j].doc;
    }
}

void search_plan_save(const struct search_plan *p, struct buf *out)
{
    const struct search *s = p->s;
    buf_append(out, SAVED_MAGIC, 4);
    put_varint(out, s->ndocs);
    for (size_t i = 0; i < s->ndocs; i++) {
        put_varint(out, s->docs[i].len);
        put_varint(out, s->docs[i].bytes);
    }
    size_t nterms = p->start[p->nshards];
    put_varint(out, nterms);
    for (size_t i = 0; i < nterms; i++)
        save_term(out, p->grouped[i]);
}

/* A term a replaced document has, and how often. */
struct added {
    size_t off; /* its word in the patch's added words */
    uint32_t len, shard, doc, tf;
};

struct search_patch {
    size_t ndocs;
    uint32_t *len;     /* each document's length, replaced ones' new */
    uint32_t *old_len; /* as saved */
    size_t *bytes;     /* each document's bytes, replaced ones' new */
    bool *replaced;    /* [ndocs] */
    /* As saved: the terms in the plan's order, their postings, their words,
     * and where each term's bytes are in the saved copy (a term whose
     * postings stay is saved again as it was). */
    struct term *terms;
    size_t nterms;
    struct posting *postings;
    size_t npostings;
    uint32_t *shard;   /* each term's */
    size_t *saved_at;  /* [nterms + 1]: each term's first byte in saved */
    const char *saved; /* the caller's bytes, read where they are */
    size_t saved_len;
    char *words;
    uint32_t nshards;
    size_t chunk;
    double avgdl;
    /* What the replaced documents bring. */
    struct added *added;
    size_t nadded, acap;
    struct buf added_words;
    /* Once applied: the new terms (grouped as the plan groups them), and
     * which files may differ from the last build's. */
    struct term *now;
    struct term **now_grouped;
    uint32_t *now_shard;
    long *now_old; /* the old term each stands for unchanged, or -1 */
    size_t nnow;
    struct posting *now_postings;
    size_t now_npostings;
    size_t *start; /* [nshards + 1]: each shard's terms in now_grouped */
    double now_avgdl;
    bool *dirty; /* [files] */
    size_t nchunks;
};

struct varint_reader {
    const unsigned char *p, *end;
    bool bad;
};

static uint64_t get_varint(struct varint_reader *r)
{
    uint64_t v = 0;
    for (unsigned shift = 0; shift < 64; shift += 7) {
        if (r->p == r->end) {
            r->bad = true;
            return 0;
        }
        unsigned char c = *r->p++;
        v |= (uint64_t)(c & 0x7F) << shift;
        if (!(c & 0x80))
            return v;
    }
    r->bad = true;
    return 0;
}

void search_patch_free(struct search_patch *p)
{
    if (!p)
        return;
    free(p->len);
    free(p->old_len);
    free(p->bytes);
    free(p->replaced);
    free(p->terms);
    free(p->shard);
    free(p->saved_at);
    free(p->postings);
    free(p->words);
    free(p->added);
    buf_free(&p->added_words);
    free(p->now);
    free(p->now_grouped);
    free(p->now_shard);
    free(p->now_old);
    free(p->now_postings);
    free(p->start);
    free(p->dirty);
    free(p);
}

/* Every count is checked against the bytes left, every document against
 * ndocs, every term against the one before it (the plan's order): a record
 * is a file on disk. */
struct search_patch *search_patch_load(const char *data, size_t len)
{
    if (len < 4 || memcmp(data, SAVED_MAGIC, 4))
        return NULL;
    struct varint_reader r = {(const unsigned char *)data + 4, (const unsigned char *)data + len,
                              false};
    struct search_patch *p = xcalloc(1, sizeof *p);
    size_t left = len - 4;
    uint64_t ndocs = get_varint(&r);
    if (r.bad || ndocs > left / 2 || ndocs > UINT32_MAX)
        goto bad;
    p->ndocs = ndocs;
    p->len = xmalloc((ndocs + 1) * sizeof *p->len);
    p->bytes = xmalloc((ndocs + 1) * sizeof *p->bytes);
    p->replaced = xcalloc(ndocs + 1, sizeof *p->replaced);
    uint64_t total = 0;
    size_t text_bytes = 0;
    for (size_t i = 0; i < ndocs && !r.bad; i++) {
        uint64_t l = get_varint(&r), b = get_varint(&r);
        if (l > UINT32_MAX || b > UINT32_MAX)
            r.bad = true;
        p->len[i] = (uint32_t)l;
        p->bytes[i] = (size_t)b;
        total += l;
        text_bytes += (size_t)b;
    }
    uint64_t nterms = get_varint(&r);
    if (r.bad || nterms > (size_t)(r.end - r.p) / 3)
        goto bad;
    p->nterms = nterms;
    p->terms = xcalloc(nterms + 1, sizeof *p->terms);
    p->saved_at = xmalloc((nterms + 1) * sizeof *p->saved_at);
    /* Postings take at least two bytes each; words one. */
    p->postings = xmalloc(((size_t)(r.end - r.p) / 2 + 1) * sizeof *p->postings);
    p->words = xmalloc((size_t)(r.end - r.p) + nterms + 1);
    size_t at = 0;
    for (size_t i = 0; i < nterms && !r.bad; i++) {
        p->saved_at[i] = (size_t)((const char *)r.p - data);
        uint64_t wl = get_varint(&r);
        if (r.bad || wl == 0 || wl > MAX_TERM || wl > (size_t)(r.end - r.p) ||
            memchr(r.p, '\0', wl)) {
            r.bad = true;
            break;
        }
        struct term *t = &p->terms[i];
        t->word = p->words + at;
        memcpy(p->words + at, r.p, wl);
        p->words[at + wl] = '\0';
        at += wl + 1;
        r.p += wl;
        t->len = (uint32_t)wl;
        uint64_t n = get_varint(&r);
        if (r.bad || n == 0 || n > ndocs || n > (size_t)(r.end - r.p) / 2) {
            r.bad = true;
            break;
        }
        t->p = p->postings + p->npostings;
        t->n = (uint32_t)n;
        uint64_t doc = 0;
        for (size_t j = 0; j < n && !r.bad; j++) {
            uint64_t gap = get_varint(&r), tf = get_varint(&r);
            doc += gap;
            /* Increasing documents: each once. */
            if ((j && gap == 0) || doc >= ndocs || tf == 0 || tf > UINT32_MAX)
                r.bad = true;
            t->p[j] = (struct posting){(uint32_t)doc, (uint32_t)tf};
        }
        p->npostings += n;
    }
    if (r.bad || r.p != r.end)
        goto bad;
    p->saved_at[nterms] = len;
    p->saved = data;
    p->saved_len = len;
    p->old_len = xmalloc((ndocs + 1) * sizeof *p->old_len);
    memcpy(p->old_len, p->len, ndocs * sizeof *p->len);
    p->nshards = shards_for(p->npostings);
    p->shard = xmalloc((nterms + 1) * sizeof *p->shard);
    /* The plan's order: by shard, then by word, each word once. */
    for (size_t i = 0; i < nterms; i++) {
        p->shard[i] = search_shard(p->terms[i].word, p->nshards);
        if (i && (p->shard[i] < p->shard[i - 1] ||
                  (p->shard[i] == p->shard[i - 1] &&
                   strcmp(p->terms[i - 1].word, p->terms[i].word) >= 0)))
            goto bad;
    }
    p->chunk = chunk_for(text_bytes, ndocs);
    p->avgdl = avg_length(total, ndocs);
    return p;
bad:
    search_patch_free(p);
    return NULL;
}

size_t search_patch_ndocs(const struct search_patch *p)
{
    return p->ndocs;
}

bool search_patch_replace(struct search_patch *p, size_t first, const struct search_page *pg)
{
    if (first > p->ndocs || pg->ndocs > p->ndocs - first)
        return false;
    for (size_t i = 0; i < pg->ndocs; i++)
        if (p->replaced[first + i])
            return false;
    for (size_t i = 0; i < pg->ndocs; i++) {
        const struct page_doc *d = &pg->docs[i];
        size_t doc = first + i;
        p->replaced[doc] = true;
        p->len[doc] = d->len;
        p->bytes[doc] = d->bytes;
        for (size_t k = d->first; k < d->first + d->nterms; k++) {
            const struct page_term *t = &pg->terms[k];
            if (p->nadded == p->acap)
                p->added =
                    xrealloc(p->added, (p->acap = p->acap ? 2 * p->acap : 256) * sizeof *p->added);
            size_t off = p->added_words.len;
            buf_append(&p->added_words, pg->words.data + t->off, t->len + 1);
            p->added[p->nadded++] = (struct added){off, t->len, 0, (uint32_t)doc, t->tf};
        }
    }
    return true;
}

/* ctx: the added terms' words. */
static int by_shard_word_doc(const void *a, const void *b, void *ctx)
{
    const char *added_base = ctx;
    const struct added *x = a, *y = b;
    if (x->shard != y->shard)
        return x->shard < y->shard ? -1 : 1;
    int c = strcmp(added_base + x->off, added_base + y->off);
    if (c)
        return c;
    return x->doc < y->doc ? -1 : x->doc > y->doc;
}

/* Old term i against added term k, in the plan's order. */
static int old_vs_added(const struct search_patch *p, size_t i, size_t k)
{
    const struct added *a = &p->added[k];
    if (p->shard[i] != a->shard)
        return p->shard[i] < a->shard ? -1 : 1;
    return strcmp(p->terms[i].word, p->added_words.data + a->off);
}

/* A term whose postings stay (the same documents, as often each) is
 * written otherwise only when a weight rounds otherwise: a document's length
 * changed, or the average did. */
static bool weights_move(const struct search_patch *p, const struct term *t)
{
    double idf = term_idf(t->n, p->ndocs);
    for (size_t j = 0; j < t->n; j++) {
        uint32_t d = t->p[j].doc;
        double tf = t->p[j].tf;
        if (posting_weight(idf, tf, p->old_len[d], p->avgdl) !=
            posting_weight(idf, tf, p->len[d], p->now_avgdl))
            return true;
    }
    return false;
}

/* Old term t (NULL: none) merged with added postings [k, kend), the
 * replaced documents' old postings left out, into out (room for all):
 * how many. */
static size_t merge_postings(const struct search_patch *p, const struct term *t, size_t k,
                             size_t kend, struct posting *out)
{
    size_t n = 0, a = 0, m = k;
    while ((t && a < t->n) || m < kend) {
        if (t && a < t->n && p->replaced[t->p[a].doc])
            a++;
        else if (m < kend && (!t || a == t->n || p->added[m].doc < t->p[a].doc))
            out[n++] = (struct posting){p->added[m].doc, p->added[m].tf}, m++;
        else
            out[n++] = t->p[a++];
    }
    return n;
}

bool search_patch_apply(struct search_patch *p)
{
    /* The old terms that had a replaced document. */
    bool *involved = xcalloc(p->nterms + 1, sizeof *involved);
    size_t removed = 0;
    for (size_t i = 0; i < p->nterms; i++) {
        const struct term *t = &p->terms[i];
        size_t r = 0;
        for (size_t j = 0; j < t->n; j++)
            r += p->replaced[t->p[j].doc];
        involved[i] = r != 0;
        removed += r;
    }
    p->now_npostings = p->npostings - removed + p->nadded;
    uint64_t total = 0;
    size_t text_bytes = 0;
    bool lengths_moved = false;
    for (size_t i = 0; i < p->ndocs; i++) {
        total += p->len[i];
        text_bytes += p->bytes[i];
        lengths_moved |= p->len[i] != p->old_len[i];
    }
    /* Another shape renumbers every file: the index is made whole. */
    if (shards_for(p->now_npostings) != p->nshards || chunk_for(text_bytes, p->ndocs) != p->chunk) {
        free(involved);
        return false;
    }
    p->now_avgdl = avg_length(total, p->ndocs);
    bool avg_moved = p->now_avgdl != p->avgdl;
    p->nchunks = chunks_for(p->ndocs, p->chunk);
    p->dirty = xcalloc(p->nshards + p->nchunks + 1, sizeof *p->dirty);

    for (size_t k = 0; k < p->nadded; k++)
        p->added[k].shard = search_shard(p->added_words.data + p->added[k].off, p->nshards);
    if (p->nadded)
        qsort_r(p->added, p->nadded, sizeof *p->added, by_shard_word_doc, p->added_words.data);

    /* Old terms and added ones merged in the plan's order. A term no
     * replaced document had or has stays as it is, its postings where they
     * are; the others are merged afresh. */
    size_t cap = p->nterms + p->nadded + 1;
    p->now = xcalloc(cap, sizeof *p->now);
    p->now_shard = xmalloc(cap * sizeof *p->now_shard);
    p->now_old = xmalloc(cap * sizeof *p->now_old);
    /* Room for every posting, though only merged terms' are written: the
     * pages of the rest are never touched. */
    p->now_postings = xmalloc((p->npostings + p->nadded + 1) * sizeof *p->now_postings);
    size_t i = 0, k = 0, n = 0, at = 0;
    while (i < p->nterms || k < p->nadded) {
        int c = i == p->nterms ? 1 : k == p->nadded ? -1 : old_vs_added(p, i, k);
        const struct term *old = c <= 0 ? &p->terms[i] : NULL;
        size_t kend = k;
        if (c >= 0)
            while (kend < p->nadded && p->added[kend].shard == p->added[k].shard &&
                   !strcmp(p->added_words.data + p->added[kend].off,
                           p->added_words.data + p->added[k].off))
                kend++;
        uint32_t shard = old ? p->shard[i] : p->added[k].shard;
        struct term *t = &p->now[n];
        bool same;
        if (old && !involved[i] && kend == k) {
            *t = *old;
            same = true;
        } else {
            t->p = p->now_postings + at;
            t->n = (uint32_t)merge_postings(p, old, k, kend, t->p);
            same = old && t->n == old->n && !memcmp(t->p, old->p, t->n * sizeof *t->p);
            if (same)
                t->p = old->p;
            else
                at += t->n;
            t->word = old ? old->word : p->added_words.data + p->added[k].off;
            t->len = old ? old->len : p->added[k].len;
        }
        if (!same)
            p->dirty[shard] = true;
        else if ((avg_moved || (lengths_moved && involved[i])) && !p->dirty[shard] &&
                 weights_move(p, t))
            p->dirty[shard] = true;
        if (t->n) {
            p->now_shard[n] = shard;
            p->now_old[n] = same ? (long)i : -1;
            n++;
        }
        if (old)
            i++;
        k = kend;
    }
    free(involved);
    p->nnow = n;
    p->now_grouped = xmalloc((n + 1) * sizeof *p->now_grouped);
    p->start = xcalloc((size_t)p->nshards + 1, sizeof *p->start);
    for (size_t j = 0; j < n; j++) {
        p->now_grouped[j] = &p->now[j];
        p->start[p->now_shard[j] + 1]++;
    }
    for (uint32_t sh = 0; sh < p->nshards; sh++)
        p->start[sh + 1] += p->start[sh];
    for (size_t d = 0; d < p->ndocs; d++)
        if (p->replaced[d])
            p->dirty[p->nshards + d / p->chunk] = true;
    return true;
}

size_t search_patch_files(const struct search_patch *p)
{
    return p->nshards + p->nchunks + 1;
}

void search_patch_path(const struct search_patch *p, size_t i, char path[SEARCH_PATH_MAX])
{
    file_path(p->nshards, p->nchunks, i, path);
}

bool search_patch_dirty(const struct search_patch *p, size_t i)
{
    return p->dirty[i];
}

bool search_patch_chunk(const struct search_patch *p, size_t i, size_t *from, size_t *to)
{
    *from = *to = 0;
    if (i < p->nshards || i >= p->nshards + p->nchunks)
        return false;
    *from = (i - p->nshards) * p->chunk;
    *to = *from + p->chunk < p->ndocs ? *from + p->chunk : p->ndocs;
    return true;
}

void search_patch_shard(const struct search_patch *p, size_t i, struct buf *out)
{
    buf_reset(out);
    put_shard(out, p->now_grouped + p->start[i], p->start[i + 1] - p->start[i], p->ndocs, p->len,
              p->now_avgdl);
}

void search_format_docs(const struct search_page *const *pages, size_t npages, size_t skip,
                        size_t count, struct buf *out)
{
    size_t n = 0;
    for (size_t i = 0; i < npages; i++)
        n += pages[i]->ndocs;
    struct doc *docs = xcalloc(n + 1, sizeof *docs);
    n = 0;
    for (size_t i = 0; i < npages; i++) {
        const struct search_page *pg = pages[i];
        for (size_t j = 0; j < pg->ndocs; j++) {
            const struct page_doc *pd = &pg->docs[j];
            const char *strs = pg->strs.data;
            docs[n++] =
                (struct doc){strs + pd->title, strs + pd->url, strs + pd->trail, strs + pd->text,
                             pd->bytes,        pd->len,        pd->json};
        }
    }
    buf_reset(out);
    if (skip <= n && count <= n - skip)
        put_docs(docs, out, skip, skip + count);
    free(docs);
}

void search_patch_save(const struct search_patch *p, struct buf *out)
{
    /* About as long as it was: made room for once, not grown by doubling
     * (each step a copy into pages not touched before). */
    buf_reserve(out, out->len + p->saved_len + p->saved_len / 16 + 64);
    buf_append(out, SAVED_MAGIC, 4);
    put_varint(out, p->ndocs);
    for (size_t i = 0; i < p->ndocs; i++) {
        put_varint(out, p->len[i]);
        put_varint(out, p->bytes[i]);
    }
    put_varint(out, p->nnow);
    /* Runs of terms that stay are copied as they were saved. */
    for (size_t i = 0; i < p->nnow;) {
        long o = p->now_old[i];
        if (o < 0) {
            save_term(out, &p->now[i++]);
            continue;
        }
        size_t j = i + 1;
        while (j < p->nnow && p->now_old[j] == o + (long)(j - i))
            j++;
        size_t from = p->saved_at[o], to = p->saved_at[o + (long)(j - i)];
        buf_append(out, p->saved + from, to - from);
        i = j;
    }
}
