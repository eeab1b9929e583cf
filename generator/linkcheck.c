#include "linkcheck.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "buf.h"
#include "editdist.h"
#include "pool.h"

struct strset {
    char **items;
    size_t n, cap;
    int sorted;
};

/* Pages and URLs are interned: the same navigation links stand on every
 * page, so each distinct string is stored once. */
struct link {
    const char *page;
    const char *url;
};

/* A page's links, one after another in the URLs: the page is named once,
 * not beside each of its links (a site of 10,000 supporters has 300,000 of
 * them: half the memory they took, 2 MB less at the build's peak). */
struct page_links {
    const char *page;
    size_t first, n;
};

/* A table of strings, each stored once in chunks that live as long as the
 * checker: 300,000 links are some 5,000 distinct strings. */
struct interned_slot {
    const char *s; /* NULL: free */
    size_t len;
    uint64_t hash;
};

struct interned {
    struct interned_slot *slots;
    size_t cap, n; /* cap a power of two, at most half full */
    char **chunks;
    size_t nchunks, capchunks;
    size_t size, used; /* the last chunk's */
};

struct origin {
    char *page;
    char *url;
    char *written;
    char *source;
    int line, col;
};

struct linkcheck {
    struct strset files;
    struct strset ids;  /* "page#id" */
    struct strset kept; /* the same, of kept pages: borrowed, not freed */
    const char **urls;  /* every page's links, in page order */
    size_t nurls, capurls;
    struct page_links *pages;
    size_t npages, cappages;
    struct origin *origins;
    size_t norigins, caporigins;
    struct strset dup_ids;   /* "page#id" seen twice */
    struct interned strings; /* page names and URLs, each stored once */
};

static char *xstrndup(const char *s, size_t n)
{
    char *p = strndup(s, n);
    if (!p)
        abort();
    return p;
}

static void *grow(void *p, size_t *cap, size_t n, size_t size)
{
    if (n < *cap)
        return p;
    *cap = *cap ? *cap * 2 : 64;
    p = realloc(p, *cap * size);
    if (!p)
        abort();
    return p;
}

static void set_add(struct strset *s, char *owned)
{
    s->items = grow(s->items, &s->cap, s->n, sizeof *s->items);
    s->items[s->n++] = owned;
    s->sorted = 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int set_has(struct strset *s, const char *key)
{
    if (!s->sorted && s->n > 1) {
        qsort(s->items, s->n, sizeof *s->items, cmp_str);
        s->sorted = 1;
    }
    return s->n && bsearch(&key, s->items, s->n, sizeof *s->items, cmp_str) != NULL;
}

static void set_free(struct strset *s)
{
    for (size_t i = 0; i < s->n; i++)
        free(s->items[i]);
    free(s->items);
}

struct linkcheck *linkcheck_new(void)
{
    struct linkcheck *lc = calloc(1, sizeof *lc);
    if (!lc)
        abort();
    return lc;
}

#define CHUNK_BYTES (64u << 10)

/* n bytes (and a NUL after them) in the table's chunks. */
static char *store(struct interned *t, const char *s, size_t n)
{
    if (n + 1 > t->size - t->used) {
        t->size = n + 1 > CHUNK_BYTES ? n + 1 : CHUNK_BYTES;
        t->used = 0;
        t->chunks = grow(t->chunks, &t->capchunks, t->nchunks, sizeof *t->chunks);
        if (!(t->chunks[t->nchunks++] = malloc(t->size)))
            abort();
    }
    char *at = t->chunks[t->nchunks - 1] + t->used;
    memcpy(at, s, n);
    at[n] = '\0';
    t->used += n + 1;
    return at;
}

static void table_put(struct interned *t, struct interned_slot e)
{
    size_t mask = t->cap - 1;
    for (size_t i = e.hash & mask;; i = (i + 1) & mask)
        if (!t->slots[i].s) {
            t->slots[i] = e;
            return;
        }
}

/* The one stored copy of s (n bytes, any of them: a page is hostile
 * input), valid as long as lc. */
static const char *intern(struct linkcheck *lc, const char *s, size_t n)
{
    struct interned *t = &lc->strings;
    if (2 * (t->n + 1) > t->cap) {
        struct interned old = *t;
        t->cap = old.cap ? 2 * old.cap : 1024;
        t->slots = calloc(t->cap, sizeof *t->slots);
        if (!t->slots)
            abort();
        for (size_t i = 0; i < old.cap; i++)
            if (old.slots[i].s)
                table_put(t, old.slots[i]);
        free(old.slots);
    }
    uint64_t h = XXH3_64bits(s, n);
    size_t mask = t->cap - 1;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
        const struct interned_slot *e = &t->slots[i];
        if (!e->s)
            break;
        if (e->hash == h && e->len == n && !memcmp(e->s, s, n))
            return e->s;
    }
    struct interned_slot e = {store(t, s, n), n, h};
    table_put(t, e);
    t->n++;
    return e.s;
}

void linkcheck_free(struct linkcheck *lc)
{
    if (!lc)
        return;
    set_free(&lc->files);
    set_free(&lc->ids);
    free(lc->kept.items);
    set_free(&lc->dup_ids);
    free(lc->urls);
    free(lc->pages);
    for (size_t i = 0; i < lc->strings.nchunks; i++)
        free(lc->strings.chunks[i]);
    free(lc->strings.chunks);
    free(lc->strings.slots);
    for (size_t i = 0; i < lc->norigins; i++) {
        free(lc->origins[i].page);
        free(lc->origins[i].url);
        free(lc->origins[i].written);
        free(lc->origins[i].source);
    }
    free(lc->origins);
    free(lc);
}

void linkcheck_add_file(struct linkcheck *lc, const char *relpath)
{
    set_add(&lc->files, xstrndup(relpath, strlen(relpath)));
}

void linkcheck_add_id(struct linkcheck *lc, const char *relpath, const char *id)
{
    struct buf key = BUF_INIT;
    buf_printf(&key, "%s#%s", relpath, id);
    set_add(&lc->ids, buf_detach(&key));
}

/* Decodes the HTML entities our renderers emit inside attribute values. */
static void attr_decode(const char *s, size_t n, struct buf *out)
{
    static const struct {
        const char *ent;
        char c;
    } ents[] = {{"&amp;", '&'}, {"&quot;", '"'}, {"&#39;", '\''}, {"&lt;", '<'}, {"&gt;", '>'}};
    buf_reset(out);
    if (!memchr(s, '&', n)) {
        buf_append(out, s, n);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        size_t k;
        for (k = 0; k < sizeof ents / sizeof ents[0]; k++) {
            size_t l = strlen(ents[k].ent);
            if (i + l <= n && !memcmp(s + i, ents[k].ent, l)) {
                buf_putc(out, ents[k].c);
                i += l - 1;
                break;
            }
        }
        if (k == sizeof ents / sizeof ents[0])
            buf_putc(out, s[i]);
    }
}

/* What one page holds, found without touching the checker, so pages can be
 * scanned on several threads. */
struct linkcheck_scan {
    char *page;
    struct strset ids;    /* "page#id", sorted */
    struct buf link_text; /* URLs in page order, each ending in a NUL */
    size_t *link_len, nlinks, caplinks;
};

/* The next =" in [p, end), or NULL. By memchr for '=': memmem set itself
 * up afresh for each of a page's hundreds of attributes (a third of the
 * scan's time). */
static const char *attribute_value(const char *p, const char *end)
{
    while (p < end) {
        const char *eq = memchr(p, '=', (size_t)(end - p));
        if (!eq || eq + 1 >= end)
            return NULL;
        if (eq[1] == '"')
            return eq;
        p = eq + 1;
    }
    return NULL;
}

struct linkcheck_scan *linkcheck_scan_page(const char *relpath, const char *html, size_t len)
{
    struct linkcheck_scan *sc = calloc(1, sizeof *sc);
    if (!sc)
        abort();
    sc->page = xstrndup(relpath, strlen(relpath));
    struct buf val = BUF_INIT, key = BUF_INIT;
    const char *end = html + len;
    /* Attributes are always written as name="value" after a space or a
     * newline: find each =" and look at the name before it. */
    for (const char *p = html; p < end;) {
        const char *eq = attribute_value(p, end);
        if (!eq)
            break;
        int kind = 0;
        size_t before = (size_t)(eq - html);
        if (before >= 5 && !memcmp(eq - 4, "href", 4) && (eq[-5] == ' ' || eq[-5] == '\n'))
            kind = 1;
        else if (before >= 4 && !memcmp(eq - 3, "src", 3) && (eq[-4] == ' ' || eq[-4] == '\n'))
            kind = 1;
        else if (before >= 3 && !memcmp(eq - 2, "id", 2) && (eq[-3] == ' ' || eq[-3] == '\n'))
            kind = 2;
        const char *v = eq + 2;
        const char *q = memchr(v, '"', (size_t)(end - v));
        if (!q)
            break;
        p = q + 1;
        if (!kind)
            continue;
        attr_decode(v, (size_t)(q - v), &val);
        if (kind == 1) {
            /* Up to a NUL an entity may have made, as a C string holds it. */
            size_t n = strnlen(val.data, val.len);
            buf_append(&sc->link_text, val.data, n);
            buf_putc(&sc->link_text, '\0');
            sc->link_len = grow(sc->link_len, &sc->caplinks, sc->nlinks, sizeof *sc->link_len);
            sc->link_len[sc->nlinks++] = n;
        } else {
            buf_reset(&key);
            buf_puts(&key, relpath); /* "page#id", with no format to parse */
            buf_putc(&key, '#');
            buf_puts(&key, val.data);
            set_add(&sc->ids, xstrndup(key.data, key.len));
        }
    }
    if (sc->ids.n > 1)
        qsort(sc->ids.items, sc->ids.n, sizeof *sc->ids.items, cmp_str);
    buf_free(&val);
    buf_free(&key);
    return sc;
}

void linkcheck_add_scan(struct linkcheck *lc, struct linkcheck_scan *sc)
{
    linkcheck_add_file(lc, sc->page);
    const char *page = intern(lc, sc->page, strlen(sc->page));
    lc->pages = grow(lc->pages, &lc->cappages, lc->npages, sizeof *lc->pages);
    lc->pages[lc->npages++] = (struct page_links){page, lc->nurls, sc->nlinks};
    const char *url = sc->link_text.data;
    for (size_t i = 0; i < sc->nlinks; url += sc->link_len[i++] + 1) {
        lc->urls = grow(lc->urls, &lc->capurls, lc->nurls, sizeof *lc->urls);
        lc->urls[lc->nurls++] = intern(lc, url, sc->link_len[i]);
    }
    /* The page's ids are sorted: one used twice stands next to itself. */
    for (size_t i = 0; i < sc->ids.n; i++) {
        if (i > 0 && !strcmp(sc->ids.items[i], sc->ids.items[i - 1]))
            set_add(&lc->dup_ids, xstrndup(sc->ids.items[i], strlen(sc->ids.items[i])));
        set_add(&lc->ids, sc->ids.items[i]); /* ownership moves */
    }
    free(sc->ids.items);
    buf_free(&sc->link_text);
    free(sc->link_len);
    free(sc->page);
    free(sc);
}

void linkcheck_scan_add_ids(struct linkcheck_scan *sc, const char *const *ids, size_t n)
{
    for (size_t i = 0; i < n; i++)
        set_add(&sc->ids, xstrndup(ids[i], strlen(ids[i])));
    if (n && sc->ids.n > 1)
        qsort(sc->ids.items, sc->ids.n, sizeof *sc->ids.items, cmp_str);
}

const char *const *linkcheck_scan_ids(const struct linkcheck_scan *sc, size_t *n)
{
    *n = sc->ids.n;
    return (const char *const *)sc->ids.items;
}

void linkcheck_add_kept(struct linkcheck *lc, const char *relpath, const char *const *ids, size_t n)
{
    linkcheck_add_file(lc, relpath);
    for (size_t i = 0; i < n; i++)
        set_add(&lc->kept, (char *)ids[i]);
}

void linkcheck_scan_free(struct linkcheck_scan *sc)
{
    if (!sc)
        return;
    set_free(&sc->ids);
    buf_free(&sc->link_text);
    free(sc->link_len);
    free(sc->page);
    free(sc);
}

void linkcheck_add_page(struct linkcheck *lc, const char *relpath, const char *html, size_t len)
{
    linkcheck_add_scan(lc, linkcheck_scan_page(relpath, html, len));
}

void linkcheck_add_origin(struct linkcheck *lc, const char *relpath, const char *url,
                          const char *written, const char *source, int line, int col)
{
    lc->origins = grow(lc->origins, &lc->caporigins, lc->norigins, sizeof *lc->origins);
    struct origin *o = &lc->origins[lc->norigins++];
    o->page = xstrndup(relpath, strlen(relpath));
    o->url = xstrndup(url, strlen(url));
    o->written = xstrndup(written, strlen(written));
    o->source = xstrndup(source, strlen(source));
    o->line = line;
    o->col = col;
}

/* 1 if url leaves the site (has a scheme or is protocol-relative). */
static int is_external(const char *url)
{
    if (url[0] == '/' && url[1] == '/')
        return 1;
    for (const char *p = url; *p && *p != '/' && *p != '?' && *p != '#'; p++)
        if (*p == ':')
            return 1;
    return 0;
}

/* Resolves url against page into a site path (target) and fragment.
 * Returns -1 when the path climbs above the site root. */
static int resolve(const char *page, const char *url, struct buf *target, struct buf *frag)
{
    const char *hash = strchr(url, '#');
    size_t plen = hash ? (size_t)(hash - url) : strlen(url);
    const char *query = memchr(url, '?', plen);
    if (query)
        plen = (size_t)(query - url);
    buf_reset(frag);
    if (hash)
        buf_puts(frag, hash + 1);
    buf_reset(target);
    if (plen == 0) {
        buf_puts(target, page);
        return 0;
    }
    struct buf path = BUF_INIT;
    if (url[0] == '/') {
        buf_append(&path, url + 1, plen - 1);
    } else {
        const char *slash = strrchr(page, '/');
        if (slash)
            buf_append(&path, page, (size_t)(slash - page + 1));
        buf_append(&path, url, plen);
    }
    /* Normalise segment by segment, decoding %XX. */
    int rc = 0;
    const char *s = path.data;
    int trailing = path.len == 0 || path.data[path.len - 1] == '/';
    while (*s) {
        const char *e = strchr(s, '/');
        size_t n = e ? (size_t)(e - s) : strlen(s);
        if (n == 0 || (n == 1 && s[0] == '.')) {
            /* skip */
        } else if (n == 2 && s[0] == '.' && s[1] == '.') {
            if (target->len == 0) {
                rc = -1;
                break;
            }
            char *last = target->data + target->len - 1;
            while (last > target->data && last[-1] != '/')
                last--;
            target->len = (size_t)(last - target->data);
            target->data[target->len] = '\0';
        } else {
            for (size_t i = 0; i < n; i++) {
                if (s[i] == '%' && i + 2 < n + 1 && strchr("0123456789abcdefABCDEF", s[i + 1]) &&
                    s[i + 1] && s[i + 2] && strchr("0123456789abcdefABCDEF", s[i + 2])) {
                    char hex[3] = {s[i + 1], s[i + 2], 0};
                    buf_putc(target, (char)strtol(hex, NULL, 16));
                    i += 2;
                } else {
                    buf_putc(target, s[i]);
                }
            }
            buf_putc(target, '/');
        }
        s += n;
        if (*s == '/')
            s++;
    }
    if (rc == 0) {
        if (target->len && target->data[target->len - 1] == '/' && !trailing) {
            target->len--; /* a file, not a directory */
            target->data[target->len] = '\0';
        }
        if (target->len == 0 || target->data[target->len - 1] == '/')
            buf_puts(target, "index.html");
    }
    buf_free(&path);
    return rc;
}

static const struct origin *find_origin(struct linkcheck *lc, const struct link *l)
{
    for (size_t i = 0; i < lc->norigins; i++)
        if (!strcmp(lc->origins[i].page, l->page) && !strcmp(lc->origins[i].url, l->url))
            return &lc->origins[i];
    return NULL;
}

/* Suggestions cost a scan of every page or id: only for the first few. */
#define MAX_SUGGESTIONS 50

/* "faq/index.html" -> "/faq/", "admin.pub" -> "/admin.pub": how an author
 * writes a link to a file of the site. */
static void site_url(const char *file, struct buf *out)
{
    size_t n = strlen(file);
    buf_putc(out, '/');
    if (n >= 10 && !strcmp(file + n - 10, "index.html"))
        n -= 10;
    buf_append(out, file, n);
}

/* The page nearest to target (a missing file), as a root-absolute URL. */
static int near_page(struct linkcheck *lc, const char *target, struct buf *out)
{
    struct buf want = BUF_INIT, have = BUF_INIT;
    site_url(target, &want);
    size_t best = want.len / 4 > 2 ? want.len / 4 : 2;
    int found = 0;
    for (size_t i = 0; i < lc->files.n; i++) {
        buf_reset(&have);
        site_url(lc->files.items[i], &have);
        size_t dist = editdist(want.data, have.data);
        if (dist <= best && (!found || dist < best)) {
            best = dist;
            buf_reset(out);
            buf_puts(out, have.data);
            found = 1;
        }
    }
    buf_free(&want);
    buf_free(&have);
    return found;
}

/* The #anchor of page nearest to frag among the ids of set (best and found
 * carry over from set to set). */
static void near_in(const struct strset *set, const char *page, size_t plen, const char *frag,
                    size_t *best, int *found, struct buf *out)
{
    for (size_t i = 0; i < set->n; i++) {
        const char *key = set->items[i];
        if (strncmp(key, page, plen) || key[plen] != '#')
            continue;
        size_t dist = editdist(frag, key + plen + 1);
        if (dist <= *best && (!*found || dist < *best)) {
            *best = dist;
            buf_reset(out);
            buf_printf(out, "#%s", key + plen + 1);
            *found = 1;
        }
    }
}

/* 1 when each word of frag (its parts between '-') is a word of id, in
 * the same order: "limit-court-order" in "limit-a-court-order-or-subpoena",
 * an id written from a heading's words with some left out. */
static bool words_in_order(const char *frag, const char *id)
{
    while (*frag) {
        size_t n = strcspn(frag, "-");
        bool found = false;
        while (*id && !found) {
            size_t m = strcspn(id, "-");
            found = m == n && !strncmp(frag, id, n);
            id += m + (id[m] == '-');
        }
        if (!found || !n)
            return false;
        frag += n + (frag[n] == '-');
    }
    return true;
}

/* The shortest #anchor of page in set holding frag's words in order. */
static void words_in(const struct strset *set, const char *page, size_t plen, const char *frag,
                     int *found, struct buf *out)
{
    for (size_t i = 0; i < set->n; i++) {
        const char *key = set->items[i];
        if (strncmp(key, page, plen) || key[plen] != '#' || !words_in_order(frag, key + plen + 1))
            continue;
        if (*found && strlen(key + plen) >= out->len)
            continue;
        buf_reset(out);
        buf_printf(out, "#%s", key + plen + 1);
        *found = 1;
    }
}

/* The #anchor of page nearest to frag, on pages made now or kept: by the
 * fewest letters changed, else the shortest that holds its words. */
static int near_anchor(struct linkcheck *lc, const char *page, const char *frag, struct buf *out)
{
    size_t plen = strlen(page), best = strlen(frag) / 3 > 2 ? strlen(frag) / 3 : 2;
    int found = 0;
    near_in(&lc->ids, page, plen, frag, &best, &found, out);
    near_in(&lc->kept, page, plen, frag, &best, &found, out);
    if (!found && *frag) {
        words_in(&lc->ids, page, plen, frag, &found, out);
        words_in(&lc->kept, page, plen, frag, &found, out);
    }
    return found;
}

static void report(struct linkcheck *lc, const struct link *l, struct diag *d, const char *why,
                   const char *near)
{
    const struct origin *o = find_origin(lc, l);
    const char *written = o ? o->written : l->url;
    const char *open = near ? " (did you mean \"" : "", *close = near ? "\"?)" : "";
    /* An #anchor is offered as the whole link to write: the page as the
     * author wrote it, then the anchor. */
    const char *hash = near && near[0] == '#' ? strchr(written, '#') : NULL;
    int page_len = hash ? (int)(hash - written) : 0;
    if (!near)
        near = "";
    if (o)
        diag_error(d, o->source, o->line, o->col, "broken link \"%s\": %s%s%.*s%s%s", written, why,
                   open, page_len, written, near, close);
    else
        diag_error(d, l->page, 0, 0, "broken link \"%s\" (from the theme): %s%s%.*s%s%s", written,
                   why, open, page_len, written, near, close);
}

const char *const *linkcheck_files(struct linkcheck *lc, size_t *n)
{
    set_has(&lc->files, ""); /* sorts */
    size_t k = 0;
    for (size_t i = 0; i < lc->files.n; i++) {
        if (k && !strcmp(lc->files.items[k - 1], lc->files.items[i])) {
            free(lc->files.items[i]);
            continue;
        }
        lc->files.items[k++] = lc->files.items[i];
    }
    lc->files.n = k;
    *n = k;
    return (const char *const *)lc->files.items;
}

/* 1 when s, sorted already, holds key: safe beside other readers. */
static bool sorted_has(const struct strset *s, const char *key)
{
    return s->n && bsearch(&key, s->items, s->n, sizeof *s->items, cmp_str) != NULL;
}

enum link_state { LINK_WHOLE, LINK_ABOVE_ROOT, LINK_NO_PAGE, LINK_NO_ANCHOR };

/* Where the link from page to url leads: target holds the site path it names
 * (the page found, when it is an #anchor that is missing), frag its anchor;
 * key is scratch. The sets are sorted and only read, so threads may ask at
 * once. */
static enum link_state link_state(const struct linkcheck *lc, const char *page, const char *url,
                                  struct buf *target, struct buf *frag, struct buf *key)
{
    if (is_external(url))
        return LINK_WHOLE;
    if (resolve(page, url, target, frag) < 0)
        return LINK_ABOVE_ROOT;
    if (!sorted_has(&lc->files, target->data)) {
        buf_reset(key);
        buf_puts(key, target->data); /* as "%s" took it: to a NUL a %00 made */
        buf_puts(key, "/index.html");
        if (!sorted_has(&lc->files, key->data))
            return LINK_NO_PAGE;
        buf_reset(target);
        buf_puts(target, key->data);
    }
    if (frag->len == 0)
        return LINK_WHOLE;
    buf_reset(key);
    buf_puts(key, target->data);
    buf_putc(key, '#');
    buf_puts(key, frag->data);
    return sorted_has(&lc->ids, key->data) || sorted_has(&lc->kept, key->data) ? LINK_WHOLE
                                                                               : LINK_NO_ANCHOR;
}

/* Links [from, to) checked on a thread of their own; each one's state is
 * kept for linkcheck_run to report, in order. */
struct check_range {
    const struct linkcheck *lc;
    size_t from, to;
    unsigned char *state;
};

/* How much of page a link's state depends on: the length of the folder its
 * path is resolved against ("" for a root-absolute link or one that climbs
 * to the root, "supporters/" for "../x" from "supporters/a/index.html"), or
 * SIZE_MAX when it depends on more (a link to the page itself, a "." or
 * ".." past the first segments, one that climbs above the root). Links of
 * pages in different folders that resolve against the same folder share
 * their state: the menu, the assets and the footer of 10,000 supporter
 * pages are checked once. */
static size_t depends_on(const char *page, const char *url)
{
    if (url[0] == '/')
        return 0;
    const char *p = url;
    size_t up = 0;
    while (p[0] == '.' && p[1] == '.' && p[2] == '/')
        p += 3, up++;
    if (up == 0 && (*p == '\0' || *p == '#' || *p == '?'))
        return SIZE_MAX; /* the page itself */
    for (const char *seg = p; *seg && *seg != '#' && *seg != '?';) {
        size_t n = strcspn(seg, "/#?");
        if (seg[0] == '.' && (n == 1 || (n == 2 && seg[1] == '.')))
            return SIZE_MAX;
        seg += n;
        if (*seg == '/')
            seg++;
    }
    const char *slash = strrchr(page, '/');
    size_t dir = slash ? (size_t)(slash - page + 1) : 0;
    for (; up > 0; up--) {
        if (dir == 0)
            return SIZE_MAX; /* above the root: reported */
        dir--;
        while (dir > 0 && page[dir - 1] != '/')
            dir--;
    }
    return dir;
}

#define MEMO_SLOTS 4096 /* a cache: a slot taken again forgets its last link */

struct memo {
    const char *url;  /* interned: the same text, the same pointer */
    const char *page; /* its first dir bytes are the folder */
    size_t dir;
    unsigned char state;
};

static void *check_range(void *arg)
{
    struct check_range *r = arg;
    const struct page_links *pl = r->lc->pages;
    struct buf target = BUF_INIT, frag = BUF_INIT, key = BUF_INIT;
    struct memo *memo = calloc(MEMO_SLOTS, sizeof *memo);
    if (!memo)
        abort();
    for (size_t i = r->from; i < r->to; i++) {
        while (pl->first + pl->n <= i)
            pl++; /* the page whose link i is */
        const char *url = r->lc->urls[i];
        size_t dir = depends_on(pl->page, url);
        struct memo *m = NULL;
        if (dir != SIZE_MAX) {
            uint64_t h = (uint64_t)(uintptr_t)url * 0x9E3779B97F4A7C15u;
            for (size_t k = 0; k < dir; k++)
                h = (h ^ (unsigned char)pl->page[k]) * 0x100000001B3u;
            m = &memo[(h >> 20) % MEMO_SLOTS];
            if (m->url == url && m->dir == dir && !memcmp(m->page, pl->page, dir)) {
                r->state[i] = m->state;
                continue;
            }
        }
        r->state[i] = (unsigned char)link_state(r->lc, pl->page, url, &target, &frag, &key);
        if (m)
            *m = (struct memo){url, pl->page, dir, r->state[i]};
    }
    free(memo);
    buf_free(&target);
    buf_free(&frag);
    buf_free(&key);
    return NULL;
}

/* Every link's state, on up to threads threads: 300,000 links of a
 * 10,000-supporter site took the building thread 45 ms, its workers idle. */
static unsigned char *link_states(struct linkcheck *lc, int threads)
{
    set_has(&lc->files, ""); /* sorted once, before any thread reads them */
    set_has(&lc->ids, "");
    set_has(&lc->kept, "");
    unsigned char *state = calloc(lc->nurls + 1, 1);
    if (!state)
        abort();
    size_t n = threads > 1 && lc->nurls > 4096 ? (size_t)(threads > 16 ? 16 : threads) : 1;
    struct check_range ranges[16];
    for (size_t t = 0; t < n; t++)
        ranges[t] = (struct check_range){lc, lc->nurls * t / n, lc->nurls * (t + 1) / n, state};
    pool_run_shares(check_range, ranges, sizeof *ranges, n);
    return state;
}

size_t linkcheck_run(struct linkcheck *lc, int threads, struct diag *d)
{
    size_t broken = 0;
    struct buf target = BUF_INIT, frag = BUF_INIT, key = BUF_INIT, alt = BUF_INIT;
    for (size_t i = 0; i < lc->dup_ids.n; i++) {
        diag_error(d, lc->dup_ids.items[i], 0, 0, "id used twice on the page");
        broken++;
    }
    unsigned char *state = link_states(lc, threads);
    const struct page_links *pl = lc->pages;
    for (size_t i = 0; i < lc->nurls; i++) {
        while (pl->first + pl->n <= i)
            pl++; /* the page whose link i is */
        if (state[i] == LINK_WHOLE)
            continue;
        const struct link l = {pl->page, lc->urls[i]};
        /* Again, for where it leads: only broken links come here. */
        link_state(lc, l.page, l.url, &target, &frag, &key);
        buf_reset(&alt);
        if (state[i] == LINK_ABOVE_ROOT) {
            report(lc, &l, d, "it points above the site root", NULL);
        } else if (state[i] == LINK_NO_PAGE) {
            int near = broken < MAX_SUGGESTIONS && near_page(lc, target.data, &alt);
            if (near && frag.len)
                buf_printf(&alt, "#%s", frag.data);
            report(lc, &l, d, "no such page or file", near ? alt.data : NULL);
        } else {
            int near = broken < MAX_SUGGESTIONS && near_anchor(lc, target.data, frag.data, &alt);
            report(lc, &l, d, "no such #anchor on that page", near ? alt.data : NULL);
        }
        broken++;
    }
    free(state);
    buf_free(&target);
    buf_free(&frag);
    buf_free(&key);
    buf_free(&alt);
    return broken;
}
