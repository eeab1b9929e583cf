#include "site.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <limits.h>
#include <sodium.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "assets.h"
#include "buf.h"
#include "colors.h"
#include "fsutil.h"
#include "linkcheck.h"
#include "markdown.h"
#include "mustache.h"
#include "outdir.h"
#include "pool.h"
#include "pubkey.h"
#include "reuse.h"
#include "search.h"
#include "sitedata.h"
#include "utf8.h"
#include "xalloc.h"
#include "yamlschema.h"

#define MAX_TEMPLATE (1u << 20)

/* The links of Markdown shown on one page, with their source positions:
 * recorded where the page's values are built (any thread) and given to the
 * link check on the building thread, in page order. */
struct origin_batch {
    char *rel;
    const char *source; /* content paths live as long as the build */
    json_t *links;      /* [url, line, column, written] each (md_render) */
};

struct origins {
    struct origin_batch *v;
    size_t n, cap;
};

/* Everything one build needs, passed to each page renderer. */
struct build {
    const struct site_options *opt;
    struct tree *tree; /* content and theme files */
    struct content c;
    struct diag *d;
    struct outdir *out; /* where pages are written; NULL renders without writing */
    struct linkcheck *lc;
    json_t *globals;                 /* site, assets, pubkey, commit: shared by every page */
    struct search *search;           /* the search index, fed as pages render */
    struct search_plan *search_plan; /* its files, while the workers write them */
    json_t *sitemap;                 /* site-relative page URLs */
    /* Pages are rendered and written by a pool of workers (pool.h); each has
     * its own template cache and buffer. Templates are read under a lock. */
    struct pool *pool;
    int nworkers;
    struct mustache **mu; /* [nworkers] */
    struct buf *html;     /* [nworkers] */
    pthread_mutex_t *template_lock;
    struct diag *template_errors; /* found while a worker loaded a template */
    struct nav_cache *nav;        /* [nworkers] */
    /* Built in parallel before the pages that list them (build_fragments):
     * each FAQ answer's HTML, and the directory's cards, rendered, in the
     * directory's order (mustache_render_items). */
    json_t **answers;
    size_t nanswers;
    size_t ncards;
    size_t *card_of; /* the supporter of each card */
    char **card_text;
    size_t *card_len;
    json_t *card_frame; /* what a card sees beside its supporter */
    /* Each supporter's supporters.json entry, by supporter. */
    char **entry_text;
    size_t *entry_len;
    /* Reuse (reuse.h): the last build's record when this one changes the
     * site in place (NULL: everything is made afresh), and this build's. */
    const struct reuse *prev;
    struct reuse_writer *record;
    struct reuse_hook *hook;
    bool faq_same, supporters_same; /* every FAQ entry, every supporter reused */
    struct page_job *run;           /* kept pages not submitted yet */
    size_t next_page;               /* the record's page keep_page tries first */
    /* In place, the last build's search index is patched (search.h) while
     * pages come back in the order the record has them, each made again
     * with as many documents as before: */
    struct search_patch *patch;
    size_t seen;               /* pages come back so far */
    size_t docs_seen;          /* their documents */
    size_t made_docs;          /* of those, in pages made again */
    size_t *first_doc;         /* [record's pages]: each page's first document */
    struct search_page **made; /* [record's pages]: a page made again, as it is now */
    bool redo;                 /* reuse proved impossible: build afresh */
    bool cards_refused;        /* the theme's directory cannot take its cards */
    /* In place, with the supporters in the order they had (plan_splice):
     * each one's record in the last build, whose card and entry stand in
     * the directory and supporters.json there now. */
    bool splice;                   /* supporters.json: the order by name is as it was */
    bool splice_cards;             /* the directory: and so is who accepts requests */
    const struct reuse_item **was; /* [supporter] */
    size_t spliced;                /* files made so */
};

/* The menu of the last page a worker rendered: pages at the same depth with
 * the same current entry (every supporter's page) share one. */
struct nav_cache {
    char *root;
    const char *key;
    json_t *nav;
};

/* One job for a worker: a page (a template, its values, and what came of
 * it), or, without a template, values prepared in parallel for a later page
 * (build_fragments). */
struct page_job {
    const char *tmpl; /* NULL: prepare only */
    char *rel;
    json_t *page, *extra; /* the page's own values (owned) */
    const char *nav_key;  /* the menu entry marked current, or NULL */
    char *root_override;  /* root for the page's links, or NULL: from rel */
    /* Values built on the worker rather than the building thread. */
    void (*prepare)(struct build *b, struct page_job *job, int worker);
    bool items;          /* the directory: its cards are rendered already */
    json_t *item;        /* what prepare builds from (borrowed) */
    size_t first, count; /* a fragment job's range, or the search index's files */
    bool search_files;   /* count files of the search index, from first */
    bool write, scan;    /* write the file; scan it for the link check */
    struct diag d;
    struct origins origins; /* Markdown links rendered on the worker */
    struct linkcheck_scan *found;
    /* Pages people read are indexed for search: the worker scans the HTML,
     * the building thread adds it to the index in page order. */
    char *url;         /* site-relative, for search */
    const char *label; /* where the page sits in search results, or NULL */
    bool index;
    struct search_page *search;
    /* Pages unchanged since the last build, one after another: nothing to
     * render; the worker reads their search documents from the record. */
    const struct reuse_page **kept;
    struct search_page **kept_search;
    size_t nkept;
    bool load_search; /* their search documents are needed (no patch) */
    bool damaged;     /* a text of the record did not read back whole */
    bool spliced;     /* made of the last build's file (splice_file) */
    size_t size_hint; /* what the page will take, about, when large */
    /* What is freed once the job is back (page_done): by then the record's
     * job, submitted before it, is done with them. */
    bool frees_entries, frees_answers;
};

static void submit(struct build *b, struct page_job *job);
static void load_kept(struct build *b, struct page_job *job);
static bool splice_directory(struct build *b, struct page_job *job, int worker, json_t *values);
static void gather_cards(struct build *b, struct page_job *job);
static void free_cards(struct build *b);
static void free_entries(struct build *b);
static void free_answers(struct build *b);

/* Seconds since *t, and *t moved to now: the stages of --timings. */
static double lap(struct timespec *t)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    double s = (double)(now.tv_sec - t->tv_sec) + (double)(now.tv_nsec - t->tv_nsec) / 1e9;
    *t = now;
    return s;
}

/* ---- theme loading ------------------------------------------------------- */

static char *load_template(void *ctx, const char *name, size_t *len)
{
    struct build *b = ctx;
    char *path = NULL, *data = NULL;
    static const char *const dirs[] = {"templates", "partials"};
    if (!*name || strchr(name, '/') || name[0] == '.')
        return NULL;
    /* Workers load their templates on first use; the tree (a git tree with
     * --ref) and the error list are shared. */
    pthread_mutex_lock(b->template_lock);
    for (size_t i = 0; i < 2 && !data; i++) {
        if (asprintf(&path, "%s/%s/%s.mustache", b->opt->theme_dir, dirs[i], name) < 0)
            abort();
        if (tree_kind(b->tree, path) == TREE_FILE) {
            struct diag tmp = DIAG_INIT;
            if (tree_read(b->tree, path, MAX_TEMPLATE, &data, len, &tmp) < 0) {
                diag_error(b->template_errors, path, 0, 0, "%s", diag_first(&tmp));
                data = NULL;
            }
            diag_free(&tmp);
        }
        free(path);
    }
    pthread_mutex_unlock(b->template_lock);
    return data;
}

/* ---- output -------------------------------------------------------------- */

/* Writes a file of the site (relative path); a render without output writes
 * nothing. */
static int emit(struct build *b, const char *rel, const void *data, size_t len)
{
    return b->out ? outdir_write(b->out, rel, data, len, b->d) : 0;
}

static int emit_json(struct build *b, const char *rel, json_t *value)
{
    char *text = json_dumps(value, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
    if (!text)
        abort();
    size_t len = strlen(text);
    text[len] = '\n';
    int rc = emit(b, rel, text, len + 1);
    free(text);
    if (b->lc)
        linkcheck_add_file(b->lc, rel);
    return rc;
}

/* "faq/index.html" -> "../"; "index.html" -> "" */
static char *root_for(const char *rel)
{
    struct buf r = BUF_INIT;
    for (const char *p = rel; *p; p++)
        if (*p == '/')
            buf_puts(&r, "../");
    return buf_detach(&r);
}

/* ---- Markdown ------------------------------------------------------------ */

static void origins_add(struct linkcheck *lc, const char *rel, const char *source, json_t *links)
{
    size_t i;
    json_t *l;
    json_array_foreach (links, i, l) {
        linkcheck_add_origin(lc, rel, json_string_value(json_array_get(l, 0)),
                             json_string_value(json_array_get(l, 3)), source,
                             (int)json_integer_value(json_array_get(l, 1)),
                             (int)json_integer_value(json_array_get(l, 2)));
    }
}

/* Hands what a worker recorded to the link check, and empties it. */
static void origins_flush(struct linkcheck *lc, struct origins *o)
{
    for (size_t i = 0; i < o->n; i++) {
        origins_add(lc, o->v[i].rel, o->v[i].source, o->v[i].links);
        json_decref(o->v[i].links);
        free(o->v[i].rel);
    }
    free(o->v);
    *o = (struct origins){NULL, 0, 0};
}

static json_t *md_html_at(struct build *b, struct origins *later, const char *md, size_t len,
                          int first_line, const json_t *at, const char *source, const char *rel,
                          struct buf *text);

/* Renders Markdown shown on page rel, recording each link's source position
 * for the link checker (now, or in later when a worker renders it) and, if
 * text is not NULL, appending plain text. */
static json_t *md_html(struct build *b, struct origins *later, const char *md, size_t len,
                       int first_line, const char *source, const char *rel, struct buf *text)
{
    return md_html_at(b, later, md, len, first_line, NULL, source, rel, text);
}

/* A link's place in md (line counted from 1, column) as a byte offset. */
static size_t offset_in(const char *md, size_t len, int line, int column)
{
    size_t at = 0;
    for (int l = 1; l < line && at < len; at++)
        if (md[at] == '\n')
            l++;
    at += column > 0 ? (size_t)column - 1 : 0;
    return at < len ? at : len;
}

/* md_html for Markdown held in a YAML value whose lines the file holds
 * elsewhere (at: ys_markdown_at's map; NULL for a body, whose lines are the
 * file's from first_line on). */
static json_t *md_html_at(struct build *b, struct origins *later, const char *md, size_t len,
                          int first_line, const json_t *at, const char *source, const char *rel,
                          struct buf *text)
{
    char *root = root_for(rel);
    json_t *links = json_array();
    struct buf html = BUF_INIT;
    md_render(md, len, first_line, root, &html, links, text);
    /* cmark counts a link's column in bytes; editors, and YAML's messages,
     * in characters. */
    size_t i;
    json_t *l;
    json_array_foreach (links, i, l) {
        int line = (int)json_integer_value(json_array_get(l, 1)),
            column = (int)json_integer_value(json_array_get(l, 2));
        if (at) {
            ys_markdown_at(at, md, offset_in(md, len, line, column), &line, &column);
            if (line <= 0)
                continue;
        } else {
            size_t off = offset_in(md, len, line - first_line + 1, column), start = off;
            while (start > 0 && md[start - 1] != '\n')
                start--;
            column = (int)utf8_chars(md + start, off - start) + 1;
        }
        json_array_set_new(l, 1, json_integer(line));
        json_array_set_new(l, 2, json_integer(column));
    }
    if (!json_array_size(links)) {
        json_decref(links);
    } else if (later) {
        if (later->n == later->cap)
            later->v = xrealloc(later->v,
                                (later->cap = later->cap ? 2 * later->cap : 4) * sizeof *later->v);
        later->v[later->n++] = (struct origin_batch){xstrdup(rel), source, links};
    } else {
        origins_add(b->lc, rel, source, links);
        json_decref(links);
    }
    json_t *res = json_stringn(html.data ? html.data : "", html.len);
    buf_free(&html);
    free(root);
    return res;
}

/* The Markdown body of a content file (its "src"). */
static json_t *md_body(struct build *b, struct origins *later, json_t *obj, const char *rel,
                       struct buf *text)
{
    const struct content_source *s = &b->c.sources[json_integer_value(json_object_get(obj, "src"))];
    return md_html(b, later, s->body, strlen(s->body), s->body_line, s->path, rel, text);
}

/* The Markdown of obj's YAML value key (YS_MARKDOWN) in source file path. */
static json_t *md_value(struct build *b, json_t *obj, const char *key, const char *path,
                        const char *rel)
{
    const char *md = json_string_value(json_object_get(obj, key));
    char *at = xasprintf("%s@at", key);
    json_t *res = md_html_at(b, NULL, md ? md : "", md ? strlen(md) : 0, 1,
                             json_object_get(obj, at), path, rel, NULL);
    free(at);
    return res;
}

/* ---- git facts (filled by the git module when the content is in a repo) --- */

/* Newest last-reviewed date of the given source paths: {"date", "committed"}
 * or NULL when the build has no git facts. */
static json_t *reviewed(struct build *b, const char *const *paths, size_t n)
{
    json_t *map = b->opt->git ? json_object_get(b->opt->git, "reviewed") : NULL;
    if (!map)
        return NULL;
    const char *best = NULL;
    bool uncommitted = false;
    for (size_t i = 0; i < n; i++) {
        json_t *v = json_object_get(map, paths[i]);
        if (json_is_string(v)) {
            if (!best || strcmp(json_string_value(v), best) > 0)
                best = json_string_value(v);
        } else {
            uncommitted = true;
        }
    }
    if (uncommitted || !best)
        return json_pack("{s:b}", "uncommitted", 1);
    return json_pack("{s:s}", "date", best);
}

static json_t *reviewed_one(struct build *b, json_t *obj)
{
    const char *path = json_string_value(json_object_get(obj, "path"));
    return path ? reviewed(b, &path, 1) : NULL;
}

static void set_reviewed(json_t *page, json_t *r)
{
    if (r)
        json_object_set_new(page, "reviewed", r);
}

/* ---- pages --------------------------------------------------------------- */

/* A large page's size, about (page_job.size_hint): its frame (head, menu,
 * footer), and what each FAQ entry adds to its answer (question, ids and
 * markup: some 150 bytes in the default theme). */
#define PAGE_FRAME_BYTES (16u << 10)
#define FAQ_ENTRY_BYTES 256u

struct nav_item {
    const char *key, *title, *path;
};

/* Renders template tmpl for the page rel ("faq/index.html") with the global
 * values, "root", "nav", "page" and the page's own values (extra, stolen). */
static void submit_page(struct build *b, struct page_job *job)
{
    /* Search covers the whole text of the pages people read (search.h);
     * not the directory, which repeats the supporters' own pages. */
    static const char *const indexed[] = {"home",      "page",    "faq", "confidentiality",
                                          "supporter", "request", NULL};
    job->write = b->out != NULL;
    job->scan = !job->root_override;
    job->d = (struct diag)DIAG_INIT;
    for (size_t k = 0; b->search && !job->root_override && indexed[k]; k++)
        if (!strcmp(job->tmpl, indexed[k]))
            job->index = true;
    const char *slash = strrchr(job->rel, '/');
    job->url = slash ? xstrndup(job->rel, (size_t)(slash - job->rel + 1)) : xstrdup("");
    job->label = !strcmp(job->tmpl, "supporter") ? "Peer supporters" : NULL;
    submit(b, job);
}

/* A page to render from tmpl at rel (page and extra are stolen), to be
 * given to submit_page. */
static struct page_job *page_job_new(const char *tmpl, const char *rel, json_t *page, json_t *extra,
                                     const char *nav_key)
{
    struct page_job *job = xcalloc(1, sizeof *job);
    job->tmpl = tmpl;
    job->rel = xstrdup(rel);
    job->page = page;
    job->extra = extra;
    job->nav_key = nav_key;
    return job;
}

static int render_page(struct build *b, const char *tmpl, const char *rel, json_t *page,
                       json_t *extra, const char *nav_key, const char *root_override)
{
    struct page_job *job = page_job_new(tmpl, rel, page, extra, nav_key);
    job->root_override = root_override ? xstrdup(root_override) : NULL;
    submit_page(b, job);
    return 0; /* a failure is reported when the job comes back (page_done) */
}

/* The menu for a page at root with nav_key current. */
static json_t *make_nav(struct build *b, const char *root, const char *nav_key)
{
    json_t *nav = json_array(), *item;
    size_t i;
    json_array_foreach (json_object_get(b->globals, "nav_items"), i, item) {
        const char *p = json_string_value(json_object_get(item, "path"));
        json_t *n =
            json_pack("{s:O, s:s+, s:b}", "title", json_object_get(item, "title"), "href", root,
                      *p || *root ? p : "./", "current",
                      nav_key && !strcmp(nav_key, json_string_value(json_object_get(item, "key"))));
        json_array_append_new(nav, n);
    }
    return nav;
}

/* The same, the worker's last one when it is the same. */
static json_t *nav_for(struct build *b, int worker, const char *root, const char *nav_key)
{
    struct nav_cache *c = &b->nav[worker];
    if (c->nav && !strcmp(c->root, root) &&
        (c->key == nav_key || (c->key && nav_key && !strcmp(c->key, nav_key))))
        return json_incref(c->nav);
    json_t *nav = make_nav(b, root, nav_key);
    json_decref(c->nav);
    free(c->root);
    c->root = xstrdup(root);
    c->key = nav_key;
    c->nav = json_incref(nav);
    return nav;
}

/* What every page has: root, home_href, page (with its path and canonical
 * URL) and nav (page and nav are stolen). */
static json_t *page_frame(struct build *b, const char *url, const char *root, json_t *page,
                          json_t *nav)
{
    json_t *ctx = json_object();
    json_object_set_new(ctx, "root", json_string(root));
    json_object_set_new(ctx, "home_href", json_string(*root ? root : "./"));
    json_object_set_new(page, "path", json_string(url));
    json_object_set_new(page, "canonical",
                        json_sprintf("%s%s",
                                     json_string_value(
                                         json_object_get(json_object_get(b->globals, "site"),
                                                         "base_url")),
                                     url));
    json_object_set_new(ctx, "page", page);
    json_object_set_new(ctx, "nav", nav);
    return ctx;
}

/* The page's own values, in front of the globals on the template's context
 * stack (mustache_render_layered): nothing global is copied per page. */
static json_t *page_context(struct build *b, struct page_job *job, int worker)
{
    char *root = job->root_override ? xstrdup(job->root_override) : root_for(job->rel);
    json_t *ctx = page_frame(b, job->url, root, job->page, nav_for(b, worker, root, job->nav_key));
    job->page = NULL;
    if (job->extra) {
        json_object_update(ctx, job->extra);
        json_decref(job->extra);
        job->extra = NULL;
    }
    free(root);
    return ctx;
}

/* On a worker: prepares, renders, writes and scans one page. The values it
 * reads are shared read-only; jansson's reference counts are atomic. */
static void page_work(void *arg, int worker, void *ctx)
{
    struct page_job *job = arg;
    struct build *b = ctx;
    if (job->prepare)
        job->prepare(b, job, worker);
    load_kept(b, job);
    if (!job->tmpl)
        return;
    json_t *values = page_context(b, job, worker);
    if (job->items && b->splice) {
        if (b->splice_cards && splice_directory(b, job, worker, values)) {
            json_decref(values);
            return;
        }
        gather_cards(b, job); /* to render it whole */
    }
    struct buf *html = &b->html[worker];
    buf_reset(html);
    buf_reserve(html, job->size_hint);
    struct mustache_items cards = {"supporters", b->ncards, (const char *const *)b->card_text,
                                   b->card_len,  false,     0};
    int rendered = job->items ? mustache_render_items(b->mu[worker], job->tmpl, b->globals, values,
                                                      &cards, html, &job->d)
                              : mustache_render_layered(b->mu[worker], job->tmpl, b->globals,
                                                        values, html, &job->d);
    if (rendered == 0) {
        if (job->write)
            outdir_write(b->out, job->rel, html->data, html->len, &job->d);
        if (job->scan)
            job->found = linkcheck_scan_page(job->rel, html->data, html->len);
        if (job->index)
            job->search = search_scan_html(job->url, job->label, html->data, html->len);
    }
    json_decref(values);
    /* The directory and the FAQ take megabytes; pages after them, a few kB:
     * a buffer grown for one of those is not kept for the rest. */
    if (html->cap > (256u << 10))
        buf_free(html);
}

/* ---- reuse (reuse.h) ------------------------------------------------------ */

/* What the content loader told us of a collection's files: each one's stamp
 * (taken before it was read), by its place in the collection. */
struct collection_files {
    size_t n;
    struct reuse_stamp *stamp;
    bool *stamped;                   /* its stamp could be taken */
    bool *fresh;                     /* changed too close to this build to be reused by the next */
    char **paths;                    /* by place: sorted, as the loader lists them */
    char *path_bytes;                /* where paths point, one allocation */
    const struct reuse_item **known; /* the record of each, or NULL */
};

struct reuse_hook {
    struct build *b;
    int64_t started_ns;
    struct collection_files faq, supporters;
    bool other_files; /* a collection's files are not the ones the record knows */
    bool faq_whole;   /* no FAQ entry changed: the content holds none (hook_kept_whole) */
    struct content_reuse api;
};

static struct collection_files *files_of(struct reuse_hook *h, const char *collection)
{
    return strcmp(collection, "faq") ? &h->supporters : &h->faq;
}

static void hook_files(void *ctx, const char *collection, char *const *paths, size_t n)
{
    struct reuse_hook *h = ctx;
    struct collection_files *f = files_of(h, collection);
    enum reuse_kind kind = strcmp(collection, "faq") ? REUSE_SUPPORTER : REUSE_FAQ;
    f->n = n;
    f->stamp = xcalloc(n + 1, sizeof *f->stamp);
    f->stamped = xcalloc(n + 1, sizeof *f->stamped);
    f->fresh = xcalloc(n + 1, sizeof *f->fresh);
    f->paths = xcalloc(n + 1, sizeof *f->paths);
    f->known = xcalloc(n + 1, sizeof *f->known);
    size_t bytes = 1;
    for (size_t i = 0; i < n; i++)
        bytes += strlen(paths[i]) + 1;
    char *at = f->path_bytes = xmalloc(bytes);
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(paths[i]) + 1;
        f->paths[i] = memcpy(at, paths[i], len);
        at += len;
    }
    /* As many files as the record's; that they are the same ones is known
     * once each is stamped (same_files). */
    if (h->b->prev && reuse_nitems_of(h->b->prev, kind) != n)
        h->other_files = true;
}

/* Once every file of f is stamped: each has its record, or a file was
 * added or removed (or renamed) since the last build. */
static void same_files(struct reuse_hook *h, struct collection_files *f)
{
    for (size_t i = 0; i < f->n && !h->other_files; i++)
        if (!f->known[i])
            h->other_files = true;
}

/* The place of a collection's file among f's, or -1. */
static long place_of(const struct collection_files *f, const char *path)
{
    size_t lo = 0, hi = f->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(f->paths[mid], path);
        if (!c)
            return (long)mid;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

/* The values the site reads of a FAQ entry's stand-in, each of the type it
 * expects. */
static bool stand_in_whole(json_t *v)
{
    json_t *order = json_object_get(v, "order");
    return json_is_string(json_object_get(v, "question")) &&
           json_is_string(json_object_get(v, "category")) && (!order || json_is_integer(order));
}

static void stamp_set(struct reuse_hook *h, struct collection_files *f, size_t i,
                      const struct stat *st)
{
    reuse_stamp_of(st, &f->stamp[i]);
    f->stamped[i] = true;
    f->fresh[i] = reuse_fresh(st, h->started_ns);
}

/* The stat of the content file at path taken before the build (the git
 * status states every tracked file), or NULL. It is as good a stamp as one
 * taken here: it comes before the file is read, and a change after the
 * read either shows in the next build's stat or falls in the clock tick of
 * a change made just before this build started (reuse_fresh). */
static const struct stat *known_stat(const struct site_options *o, const char *path)
{
    size_t cl = strlen(o->content_dir);
    if (!o->stat_of || strncmp(path, o->content_dir, cl) || path[cl] != '/')
        return NULL;
    return o->stat_of(o->stat_ctx, path + cl + 1);
}

/* On the content loader's threads, before the file is read: its stamp. A
 * change made while it is read makes the next build read it again. */
static void hook_stamp(void *ctx, const char *collection, size_t i, const char *path, int dirfd,
                       const char *name)
{
    struct reuse_hook *h = ctx;
    struct collection_files *f = files_of(h, collection);
    if (i >= f->n)
        return;
    /* Its record, looked up here on every loader thread. A thread takes
     * runs of files, so each lookup starts where its last one ended. */
    if (h->b->prev) {
        static _Thread_local size_t next;
        const struct reuse_item *it = reuse_find_item_from(h->b->prev, path, &next);
        f->known[i] = it && it->kind == (f == &h->faq ? REUSE_FAQ : REUSE_SUPPORTER) ? it : NULL;
    }
    struct stat st;
    const struct stat *known = known_stat(h->b->opt, path);
    if (known)
        st = *known;
    else if ((dirfd >= 0 ? fstatat(dirfd, name, &st, 0) : stat(path, &st)) < 0)
        return;
    stamp_set(h, f, i, &st);
}

/* Without an earlier build, there is nothing to compare before reading:
 * each file is stamped as it was opened to be read. */
static bool hook_stamp_first(void *ctx)
{
    struct reuse_hook *h = ctx;
    return h->b->prev != NULL;
}

static void hook_stamp_read(void *ctx, const char *collection, size_t i, const struct stat *st)
{
    struct reuse_hook *h = ctx;
    struct collection_files *f = files_of(h, collection);
    if (i < f->n)
        stamp_set(h, f, i, st);
}

/* The record of file i when the file is as it recorded it, else NULL. */
static const struct reuse_item *unchanged(struct reuse_hook *h, struct collection_files *f,
                                          size_t i)
{
    if (!h->b->prev || h->other_files || i >= f->n || !f->stamped[i])
        return NULL;
    const struct reuse_item *it = f->known[i];
    if (!it || it->fresh || memcmp(&it->stamp, &f->stamp[i], sizeof it->stamp) ||
        strcmp(it->reviewed.s, reuse_reviewed(h->b->opt->git, f->paths[i])))
        return NULL;
    return it;
}

/* The FAQ is read by its page alone: with no entry changed, the page is
 * kept and the entries are not even decoded from the record. So its files
 * are all stamped before any is read; a supporter's file is stamped just
 * before it is read (or stood in for). */
static bool hook_stamp_apart(void *ctx, const char *collection)
{
    struct reuse_hook *h = ctx;
    return files_of(h, collection) == &h->faq;
}

static bool hook_kept_whole(void *ctx, const char *collection)
{
    struct reuse_hook *h = ctx;
    struct collection_files *f = files_of(h, collection);
    same_files(h, f);
    if (f != &h->faq)
        return false;
    for (size_t i = 0; i < f->n; i++)
        if (!unchanged(h, f, i))
            return false;
    h->faq_whole = true;
    return true;
}

/* On the content loader's threads: values for a FAQ file unchanged since
 * the record, or NULL. (A supporter has a stand-in of its own, below.) */
static json_t *hook_stand_in(void *ctx, const char *collection, size_t i)
{
    struct reuse_hook *h = ctx;
    const struct reuse_item *it = unchanged(h, files_of(h, collection), i);
    if (!it || it->kind != REUSE_FAQ)
        return NULL;
    /* A stand-in carries what the site reads of an unchanged item beside
     * what the record kept for it (its answer): the FAQ's order and topics.
     * Decoding the rest would cost as much. */
    static const char *const faq[] = {"question", "category", "order", NULL};
    json_t *v = reuse_values(h->b->prev, it, faq);
    /* A record is a file: values without their required shape are not used. */
    if (!v || !stand_in_whole(v)) {
        json_decref(v);
        return NULL;
    }
    json_object_set_new(v, "reused", json_integer((json_int_t)reuse_index(h->b->prev, it)));
    return v;
}

/* The same for a supporter, as a stand-in of its own (content.h): no JSON
 * is made of it. What the site reads of it beside what the record kept
 * (its card, entry and page): the directory's order, counts and filters,
 * and the request form's lists. One with a photo is read again: every
 * build copies the photo (its asset name is its hash). */
static bool hook_stand_in_supporter(void *ctx, size_t i, struct content_stand_in *s)
{
    struct reuse_hook *h = ctx;
    const struct reuse_item *it = unchanged(h, &h->supporters, i);
    if (!it || it->kind != REUSE_SUPPORTER ||
        !reuse_supporter_values(it, &s->name, &s->accepting, &s->languages, &s->nlanguages))
        return false;
    s->reused = reuse_index(h->b->prev, it);
    return true;
}

static void hook_free(struct reuse_hook *h)
{
    if (!h)
        return;
    struct collection_files *all[] = {&h->faq, &h->supporters};
    for (size_t k = 0; k < 2; k++) {
        free(all[k]->stamp);
        free(all[k]->stamped);
        free(all[k]->fresh);
        free(all[k]->path_bytes);
        free(all[k]->paths);
        free(all[k]->known);
    }
    free(h);
}

static const struct reuse_item *record_of(struct build *b, json_t *item)
{
    const struct content_stand_in *si = b->prev ? content_stand_in_of(&b->c, item) : NULL;
    if (si)
        return reuse_item(b->prev, si->reused);
    json_t *at = b->prev ? json_object_get(item, "reused") : NULL;
    return at ? reuse_item(b->prev, (size_t)json_integer_value(at)) : NULL;
}

/* An earlier page's ids as C strings (caller frees the array). */
static const char **kept_ids(const struct reuse_page *pg)
{
    const char **ids = xcalloc(pg->nids + 1, sizeof *ids);
    for (size_t i = 0; i < pg->nids; i++)
        ids[i] = pg->ids[i].s;
    return ids;
}

/* A kept page's search documents from the record, or NULL when it has none
 * or they do not read back whole. Touches nothing shared: workers call it. */
static struct search_page *read_search(const struct reuse *prev, const struct reuse_page *pg)
{
    const struct reuse_text *t = &pg->search;
    return t->len && reuse_whole(prev, t) ? search_page_load(t->s, t->len) : NULL;
}

/* The same on the building thread: documents that do not read back make
 * the build start afresh. */
static struct search_page *kept_search(struct build *b, const struct reuse_page *pg)
{
    struct search_page *p = read_search(b->prev, pg);
    if (pg->search.len && !p)
        b->redo = true;
    return p;
}

static void free_patch(struct build *b)
{
    search_patch_free(b->patch);
    b->patch = NULL;
    for (size_t i = 0; b->made && i < reuse_npages(b->prev); i++)
        search_page_free(b->made[i]);
    free(b->made);
    free(b->first_doc);
    b->made = NULL;
    b->first_doc = NULL;
}

/* The record's table of pages (reuse_index_pages), then the last build's
 * search index, to be patched, when it read back whole (reuse_search; else
 * the index is made whole, as in a full build). Both are made on a thread
 * of their own from the moment the record is known to match, while the
 * content is loaded: most of that load keeps both CPUs busy, but its
 * serial end (the collections finished and sorted) left one idle, and the
 * building thread then waited 3 to 4 ms for this read; and the table was
 * the last of the record's reading, which the first stat waited for. */
struct patch_read {
    struct reuse *prev;
    bool pages; /* the table is made: the record names no page twice */
    struct search_patch *patch;
    pthread_t thread;
    bool running;
};

static void *read_patch(void *arg)
{
    struct patch_read *p = arg;
    p->pages = reuse_index_pages(p->prev);
    const struct reuse_text *t = reuse_search(p->prev);
    if (p->pages && t->len)
        p->patch = search_patch_load(t->s, t->len);
    return NULL;
}

static void start_patch_read(struct patch_read *p, struct reuse *prev)
{
    p->prev = prev;
    p->running = pthread_create(&p->thread, NULL, read_patch, p) == 0;
    if (!p->running) /* read here, then */
        read_patch(p);
}

/* The patch read, once it is (the caller owns it), or NULL. */
static struct search_patch *patch_read_done(struct patch_read *p)
{
    if (p->running)
        pthread_join(p->thread, NULL);
    p->running = false;
    struct search_patch *patch = p->patch;
    p->patch = NULL;
    return patch;
}

/* The saved index for the next build: its length and checksum in the
 * record, its bytes in a file of their own. */
static void save_index(struct build *b, const struct buf *saved)
{
    if (!b->record)
        return;
    reuse_set_search(b->record, saved->data ? saved->data : "", saved->len);
    if (b->out)
        outdir_write(b->out, REUSE_SEARCH, saved->data, saved->len, b->d);
}

/* Back on the building thread. */
static void adopt_patch(struct build *b, struct search_patch *patch)
{
    size_t n = reuse_npages(b->prev);
    b->patch = patch;
    b->first_doc = xcalloc(n + 1, sizeof *b->first_doc);
    b->made = xcalloc(n + 1, sizeof *b->made);
}

/* The index is made whole after all: the pages come back so far go into it
 * in their order, the kept ones read from the record. */
static void stop_patch(struct build *b)
{
    if (!b->patch)
        return;
    for (size_t i = 0; i < b->seen; i++) {
        struct search_page *p = b->made[i];
        b->made[i] = NULL;
        search_add_page(b->search, p ? p : kept_search(b, reuse_page_at(b->prev, i)));
    }
    free_patch(b);
}

/* The record's next page came back: kept (made NULL), or made again with
 * *made its documents now (taken when it fits). False when the index can
 * no longer be patched: another page, another number of documents, or so
 * many pages made again that a whole index costs no more than holding them. */
static bool patch_follows(struct build *b, const struct reuse_page *pg, struct search_page **made)
{
    size_t i = b->seen;
    if (i >= reuse_npages(b->prev) || reuse_page_at(b->prev, i) != pg)
        return false;
    if (made && *made) {
        if (search_page_ndocs(*made) != pg->ndocs ||
            b->made_docs + pg->ndocs > search_patch_ndocs(b->patch) / 4 + 64 ||
            !search_patch_replace(b->patch, b->docs_seen, *made))
            return false;
        b->made[i] = *made;
        *made = NULL;
        b->made_docs += pg->ndocs;
    } else if (made && pg->ndocs) {
        return false; /* its documents went */
    }
    b->first_doc[i] = b->docs_seen;
    b->docs_seen += pg->ndocs;
    b->seen++;
    return true;
}

/* A page kept as it is: its ids and search documents come from the record
 * (found: read on the worker when loaded). */
static void add_kept_page(struct build *b, const struct reuse_page *pg, struct search_page *found,
                          bool loaded)
{
    const char **ids = kept_ids(pg);
    linkcheck_add_kept(b->lc, pg->rel.s, ids, pg->nids);
    if (b->patch && !patch_follows(b, pg, NULL))
        stop_patch(b);
    if (b->patch) {
        search_page_free(found);
    } else {
        if (!loaded)
            found = kept_search(b, pg);
        else if (pg->search.len && !found)
            b->redo = true; /* a damaged record */
        search_add_page(b->search, found);
    }
    if (b->record)
        reuse_keep_page(b->record, pg, ids);
    free(ids);
}

/* On a worker: the search documents of a run of kept pages, when the index
 * is not patched. */
static void load_kept(struct build *b, struct page_job *job)
{
    for (size_t i = 0; job->load_search && i < job->nkept; i++)
        job->kept_search[i] = read_search(b->prev, job->kept[i]);
}

/* A page made afresh: recorded for the next build. In place, every id the
 * page had must still be there, or links elsewhere (not checked again)
 * might point at one that went. */
static void record_page(struct build *b, struct page_job *job)
{
    size_t n;
    const char *const *ids = linkcheck_scan_ids(job->found, &n);
    if (b->prev) {
        const struct reuse_page *pg = reuse_find_page(b->prev, job->rel);
        size_t j = 0;
        for (size_t i = 0; pg && i < pg->nids; i++) {
            while (j < n && strcmp(ids[j], pg->ids[i].s) < 0)
                j++;
            if (j == n || strcmp(ids[j], pg->ids[i].s))
                b->redo = true;
        }
        if (!pg)
            b->redo = true;
    }
    if (!b->record)
        return;
    struct buf found = BUF_INIT;
    if (job->search)
        search_page_save(job->search, &found);
    reuse_add_page(b->record, job->rel, found.data, found.len, search_page_ndocs(job->search), ids,
                   n);
    buf_free(&found);
}

/* Kept pages per job: 256 filled the pool's window behind a slow job (the
 * kept items recorded) and held the building thread. */
#define RUN 1024
#define SEARCH_FILES_PER_JOB 8

/* Submits the kept pages gathered so far. */
static void flush_run(struct build *b)
{
    if (b->run) {
        b->run->load_search = !b->patch;
        pool_submit(b->pool, b->run);
    }
    b->run = NULL;
}

/* Every job goes through here, after the kept pages before it. */
static void submit(struct build *b, struct page_job *job)
{
    flush_run(b);
    pool_submit(b->pool, job);
}

static void finish(struct build *b)
{
    flush_run(b);
    pool_finish(b->pool);
}

/* A page for sitemap.xml. In place the sitemap is kept (the pages are the
 * ones the last build made): nothing is gathered for it. */
__attribute__((format(printf, 2, 3))) static void sitemap_add(struct build *b, const char *fmt, ...)
{
    if (b->prev)
        return;
    va_list ap;
    va_start(ap, fmt);
    json_array_append_new(b->sitemap, json_vsprintf(fmt, ap));
    va_end(ap);
}

/* In place, a page whose inputs did not change is kept: true when it is.
 * Without its record the site cannot be changed in place. */
static bool keep_page(struct build *b, const char *rel)
{
    if (!b->prev)
        return false;
    const struct reuse_page *pg = reuse_find_page_from(b->prev, rel, &b->next_page);
    if (!pg) {
        /* Nothing to render it from either (a stand-in holds only what
         * the lists need): this build ends, and a full one follows. */
        b->redo = true;
        return true;
    }
    if (!b->run) {
        b->run = xcalloc(1, sizeof *b->run);
        b->run->kept = xcalloc(RUN, sizeof *b->run->kept);
        b->run->kept_search = xcalloc(RUN, sizeof *b->run->kept_search);
        b->run->d = (struct diag)DIAG_INIT;
    }
    b->run->kept[b->run->nkept++] = pg;
    if (b->run->nkept == RUN)
        flush_run(b);
    return true;
}

/* Back on the building thread, in the order pages were submitted. */
static void page_done(void *arg, void *ctx)
{
    struct page_job *job = arg;
    struct build *b = ctx;
    if (job->damaged)
        b->redo = true;
    b->spliced += job->spliced;
    origins_flush(b->lc, &job->origins);
    if (job->items)
        free_cards(b);
    if (job->frees_entries)
        free_entries(b);
    if (job->frees_answers)
        free_answers(b);
    for (size_t i = 0; i < job->nkept; i++)
        add_kept_page(b, job->kept[i], job->kept_search[i], job->load_search);
    free(job->kept);
    free(job->kept_search);
    if (job->found) {
        record_page(b, job);
        linkcheck_add_scan(b->lc, job->found);
        if (b->patch) {
            const struct reuse_page *pg = reuse_find_page(b->prev, job->rel);
            if (!pg || !patch_follows(b, pg, &job->search))
                stop_patch(b);
        }
    }
    char path[SEARCH_PATH_MAX];
    for (size_t i = job->first; job->search_files && i < job->first + job->count; i++) {
        search_plan_path(b->search_plan, i, path);
        linkcheck_add_file(b->lc, path);
    }
    search_add_page(b->search, job->search);
    diag_move(b->d, &job->d);
    json_decref(job->page);
    json_decref(job->extra);
    free(job->url);
    free(job->rel);
    free(job->root_override);
    free(job);
}

static json_t *page_info(const char *title, const char *description)
{
    json_t *p = json_pack("{s:s}", "title", title);
    if (description)
        json_object_set_new(p, "description", json_string(description));
    return p;
}

static int build_pages(struct build *b)
{
    int rc = 0;
    size_t i;
    json_t *p;
    json_array_foreach (b->c.pages, i, p) {
        const char *slug = json_string_value(json_object_get(p, "slug"));
        const char *title = json_string_value(json_object_get(p, "title"));
        bool home = !strcmp(slug, "index");
        char *rel = NULL, *url = NULL;
        if (asprintf(&rel, "%s%s", home ? "" : slug, home ? "index.html" : "/index.html") < 0 ||
            asprintf(&url, "%s%s", home ? "" : slug, home ? "" : "/") < 0)
            abort();
        sitemap_add(b, "%s", url);
        if (!keep_page(b, rel)) {
            json_t *page = page_info(title, json_string_value(json_object_get(p, "description")));
            set_reviewed(page, reviewed_one(b, p));
            json_t *extra = json_pack("{s:o}", "content", md_body(b, NULL, p, rel, NULL));
            rc |= render_page(b, home ? "home" : "page", rel, page, extra, home ? "home" : slug,
                              NULL);
        }
        free(rel);
        free(url);
    }
    return rc;
}

/* The FAQ page, its answers under their topics (the page's own now). One
 * pass over the entries: topic by topic, a site of 10,000 entries took 24 ms
 * of the building thread here. */
static int build_faq(struct build *b)
{
    const char *rel = "faq/index.html";
    sitemap_add(b, "faq/");
    if (b->faq_same && keep_page(b, rel))
        return 0;
    json_t *cats = json_array(), *by_slug = json_object(), *cat, *q;
    size_t i, j;
    json_array_foreach (b->c.categories, i, cat) {
        json_t *questions = json_array();
        json_object_set(by_slug, json_string_value(json_object_get(cat, "slug")), questions);
        json_array_append_new(cats,
                              json_pack("{s:O, s:O, s:o}", "name", json_object_get(cat, "name"),
                                        "slug", json_object_get(cat, "slug"), "questions",
                                        questions));
    }
    size_t npaths = json_array_size(b->c.faq), size_hint = PAGE_FRAME_BYTES;
    const char **paths = xcalloc(npaths + 1, sizeof *paths);
    json_array_foreach (b->c.faq, j, q) {
        paths[j] = json_string_value(json_object_get(q, "path"));
        const char *topic = json_string_value(json_object_get(q, "category_slug"));
        json_t *questions = topic ? json_object_get(by_slug, topic) : NULL;
        if (!questions)
            continue;
        size_hint += json_string_length(b->answers[j]) + FAQ_ENTRY_BYTES;
        json_array_append_new(questions,
                              json_pack("{s:s, s:s, s:O}", "slug",
                                        json_string_value(json_object_get(q, "slug")), "question",
                                        json_string_value(json_object_get(q, "question")), "answer",
                                        b->answers[j]));
    }
    json_decref(by_slug);
    json_t *page = page_info("Frequently asked questions", NULL);
    set_reviewed(page, reviewed(b, paths, npaths));
    free(paths);
    struct page_job *job =
        page_job_new("faq", rel, page,
                     json_pack("{s:o, s:i}", "categories", cats, "count", (int)npaths), "faq");
    job->size_hint = size_hint;
    job->frees_answers = true;
    submit_page(b, job);
    return 0;
}

static int build_confidentiality(struct build *b)
{
    const char *rel = "confidentiality/index.html";
    if (keep_page(b, rel)) {
        sitemap_add(b, "confidentiality/");
        return 0;
    }
    json_t *conf = b->c.confidentiality;
    const char *source = b->c.sources[json_integer_value(json_object_get(conf, "src"))].path;
    json_t *who = json_array(), *limits = json_array(), *w;
    size_t i;
    json_array_foreach (json_object_get(conf, "who_knows"), i, w) {
        json_array_append_new(who, json_pack("{s:O, s:O}", "item", json_object_get(w, "item"),
                                             "known_by", json_object_get(w, "known_by")));
    }
    json_array_foreach (json_object_get(conf, "limits"), i, w) {
        char *slug = content_slugify(json_string_value(json_object_get(w, "title")));
        json_array_append_new(limits, json_pack("{s:O, s:s+, s:o}", "title",
                                                json_object_get(w, "title"), "slug", "limit-", slug,
                                                "text", md_value(b, w, "text", source, rel)));
        free(slug);
    }
    const char *title = json_string_value(json_object_get(conf, "title"));
    json_t *page = page_info(title, NULL);
    set_reviewed(page, reviewed(b, &source, 1));
    json_t *extra = json_pack("{s:o, s:o, s:o}", "content", md_body(b, NULL, conf, rel, NULL),
                              "who_knows", who, "limits", limits);
    sitemap_add(b, "confidentiality/");
    return render_page(b, "confidentiality", rel, page, extra, "confidentiality", NULL);
}

static const char *modality_label(const char *m)
{
    if (!strcmp(m, "in-person"))
        return "In person";
    if (!strcmp(m, "phone"))
        return "Phone";
    return "Video";
}

/* Joins the strings of an array with ", " (for display and data attributes). */
static json_t *joined(json_t *arr, const char *sep, bool lower)
{
    struct buf s = BUF_INIT;
    size_t i;
    json_t *v;
    json_array_foreach (arr, i, v) {
        if (i)
            buf_puts(&s, sep);
        const char *t = json_string_value(v);
        for (; t && *t; t++)
            buf_putc(&s, lower && *t >= 'A' && *t <= 'Z' ? (char)(*t - 'A' + 'a') : *t);
    }
    json_t *res = json_string(s.data ? s.data : "");
    buf_free(&s);
    return res;
}

/* The template values of one supporter; bio rendered for page rel. */
static json_t *supporter_values(struct build *b, struct origins *later, json_t *s, const char *rel,
                                bool bio)
{
    static const char *const copy[] = {"slug",      "name",       "credentials", "pronouns",
                                       "role",      "department", "specialty",   "campus",
                                       "accepting", "languages",  NULL};
    json_t *v = json_object();
    for (size_t i = 0; copy[i]; i++) {
        json_t *x = json_object_get(s, copy[i]);
        if (x)
            json_object_set(v, copy[i], x);
    }
    const char *role = json_string_value(json_object_get(s, "role"));
    json_object_set_new(v, "role_label", json_string(content_role_label(&b->c, role)));
    json_t *mods = json_array(), *names = json_array(), *m;
    size_t i;
    json_array_foreach (json_object_get(s, "modalities"), i, m) {
        const char *id = json_string_value(m);
        json_array_append_new(mods, json_pack("{s:s, s:s}", "id", id, "label", modality_label(id)));
        json_array_append_new(names, json_string(modality_label(id)));
    }
    json_object_set_new(v, "modalities", mods);
    json_object_set_new(v, "modalities_text", joined(names, ", ", false));
    json_object_set_new(v, "modalities_data", joined(json_object_get(s, "modalities"), " ", true));
    json_decref(names);
    json_object_set_new(v, "languages_text", joined(json_object_get(s, "languages"), ", ", false));
    json_object_set_new(v, "languages_data", joined(json_object_get(s, "languages"), "|", true));
    json_object_set_new(v, "href",
                        json_sprintf("supporters/%s/",
                                     json_string_value(json_object_get(s, "slug"))));
    json_t *photo = json_object_get(s, "photo_asset");
    if (photo)
        json_object_set(v, "photo", photo);
    if (bio) {
        json_object_set_new(v, "bio", md_body(b, later, s, rel, NULL));
    } else {
        const struct content_source *src =
            &b->c.sources[json_integer_value(json_object_get(s, "src"))];
        struct buf ex = BUF_INIT;
        md_excerpt(src->body, strlen(src->body), 160, &ex);
        if (ex.len)
            json_object_set_new(v, "excerpt", json_string(ex.data));
        buf_free(&ex);
    }
    /* A specialty that only repeats the department is said once. */
    const char *spec = json_string_value(json_object_get(s, "specialty"));
    const char *dept = json_string_value(json_object_get(s, "department"));
    if (spec && dept && !strcasecmp(spec, dept))
        json_object_del(v, "specialty");
    set_reviewed(v, reviewed_one(b, s));
    return v;
}

static int cmp_cstr(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* A handful of names, each once: a program's supporters speak a few
 * languages between them, 10,000 times over. The last one found is looked
 * at first; past FEW_NAMES, a JSON object keeps the rest. */
#define FEW_NAMES 32
struct name_set {
    const char *few[FEW_NAMES];
    size_t nfew, last;
    json_t *more; /* the names past the first FEW_NAMES, or NULL */
};

static void add_distinct(struct name_set *set, const char *name)
{
    if (!name)
        return;
    if (set->nfew && !strcmp(set->few[set->last], name))
        return;
    for (size_t i = 0; i < set->nfew; i++)
        if (!strcmp(set->few[i], name)) {
            set->last = i;
            return;
        }
    if (set->nfew < FEW_NAMES) {
        set->last = set->nfew;
        set->few[set->nfew++] = name;
    } else {
        if (!set->more)
            set->more = json_object();
        json_object_set_new(set->more, name, json_true());
    }
}

/* The supporters' languages, sorted, each once. */
static json_t *distinct_languages(const struct content *c)
{
    struct name_set set = {.nfew = 0};
    json_t *s;
    size_t i;
    json_array_foreach (c->supporters, i, s) {
        for (size_t j = 0; j < content_supporter_nlanguages(c, s); j++)
            add_distinct(&set, content_supporter_language(c, s, j));
    }
    size_t n = set.nfew + json_object_size(set.more), k = 0;
    const char **names = xmalloc((n + 1) * sizeof *names);
    for (i = 0; i < set.nfew; i++)
        names[k++] = set.few[i];
    const char *name;
    json_t *unused;
    json_object_foreach (set.more, name, unused) {
        names[k++] = name;
    }
    qsort(names, n, sizeof *names, cmp_cstr);
    json_t *sorted = json_array();
    for (i = 0; i < n; i++)
        json_array_append_new(sorted, json_string(names[i]));
    free(names);
    json_decref(set.more);
    return sorted;
}

/* On a worker: a supporter's own page, its bio rendered there. */
static void supporter_page_values(struct build *b, struct page_job *job, int worker)
{
    (void)worker;
    json_t *v = supporter_values(b, &job->origins, job->item, job->rel, true);
    job->page = page_info(json_string_value(json_object_get(job->item, "name")), NULL);
    json_t *r = json_object_get(v, "reviewed");
    if (r)
        json_object_set(job->page, "reviewed", r);
    job->extra = json_pack("{s:o}", "supporter", v);
}

/* Card k and entry i of an unchanged supporter, from the record (not freed
 * with the others); a text that does not read back whole makes the build
 * start afresh. */
static void kept_card(struct build *b, struct page_job *job, size_t k, const struct reuse_item *it)
{
    bool whole = reuse_whole(b->prev, &it->card);
    job->damaged |= !whole;
    b->card_text[k] = (char *)(whole ? it->card.s : "");
    b->card_len[k] = whole ? it->card.len : 0;
}

static void kept_entry(struct build *b, struct page_job *job, size_t i, const struct reuse_item *it)
{
    bool whole = reuse_whole(b->prev, &it->entry);
    job->damaged |= !whole;
    b->entry_text[i] = (char *)(whole ? it->entry.s : "");
    b->entry_len[i] = whole ? it->entry.len : 0;
}

/* On a worker: the directory's cards first .. first+count-1, rendered. */
static void prepare_cards(struct build *b, struct page_job *job, int worker)
{
    struct buf *html = &b->html[worker];
    for (size_t i = job->first; i < job->first + job->count; i++) {
        size_t who = b->card_of[i];
        json_t *s = json_array_get(b->c.supporters, who);
        const struct reuse_item *it = record_of(b, s);
        if (it && b->splice) /* it stays where it is, or is gathered (gather_cards) */
            continue;
        if (it) { /* unchanged since the last build */
            kept_card(b, job, i, it);
            kept_entry(b, job, who, it);
            continue;
        }
        /* Both made in the worker's buffer and kept at their size: grown
         * by doubling, the 10,000 entries took 5 MB for 3. */
        buf_reset(html);
        sitedata_supporter_entry(s, html);
        b->entry_len[who] = html->len;
        b->entry_text[who] = xmalloc(html->len + 1);
        memcpy(b->entry_text[who], html->data, html->len + 1);
        json_t *card = supporter_values(b, NULL, s, "supporters/index.html", false);
        buf_reset(html);
        mustache_render_item(b->mu[worker], "supporters", "supporters", b->globals, b->card_frame,
                             card, html, &job->d);
        b->card_text[i] = xmalloc(html->len + 1);
        memcpy(b->card_text[i], html->data ? html->data : "", html->len + 1);
        b->card_len[i] = html->len;
        json_decref(card);
    }
}

/* On a worker: the HTML of FAQ answers first .. first+count-1. */
static void prepare_answers(struct build *b, struct page_job *job, int worker)
{
    (void)worker;
    for (size_t i = job->first; i < job->first + job->count; i++) {
        json_t *q = json_array_get(b->c.faq, i);
        const struct reuse_item *it = record_of(b, q);
        bool whole = !it || reuse_whole(b->prev, &it->answer);
        job->damaged |= !whole; /* and the build starts afresh */
        b->answers[i] = !it ? md_body(b, &job->origins, q, "faq/index.html", NULL)
                            : json_stringn(whole ? it->answer.s : "", whole ? it->answer.len : 0);
    }
}

/* What a build made of each FAQ and supporter file, for the next build:
 * an unchanged one's record is kept as it is. */
static void record_item(struct build *b, struct collection_files *files, enum reuse_kind kind,
                        json_t *item, const struct reuse_item *kept, const char *card,
                        size_t card_len, const char *entry, size_t entry_len, const char *answer,
                        size_t answer_len)
{
    const char *path = content_item_path(&b->c, item);
    /* A stand-in's place in c->stand_ins is its file's place among the
     * collection's (both in the order the loader gave the files hook): no
     * search through 10,000 paths. */
    const struct content_stand_in *si = content_stand_in_of(&b->c, item);
    long at = si ? (long)(si - b->c.stand_ins) : -1;
    if (!si || (size_t)at >= files->n || strcmp(files->paths[at], path))
        at = path ? place_of(files, path) : -1;
    if (at < 0 || !files->stamped[at])
        return; /* not recorded: the next build reads everything again */
    size_t i = (size_t)at;
    if (kept)
        reuse_keep_item(b->record, kept, &files->stamp[i], files->fresh[i]);
    else
        reuse_add_item(b->record, kind, path, &files->stamp[i], reuse_reviewed(b->opt->git, path),
                       files->fresh[i], item, card, card_len, entry, entry_len, answer, answer_len);
}

/* The items the record keeps as they were. Both run on a worker while the
 * pages are made (record_items): nothing else writes the record until that
 * job is back, and the cards, entries and answers they read are freed only
 * when later jobs are back (page_done). */
static void record_kept_items(struct build *b, struct page_job *job, int worker)
{
    (void)job;
    (void)worker;
    size_t i;
    json_t *s;
    json_array_foreach (b->c.supporters, i, s) {
        const struct reuse_item *it = record_of(b, s);
        if (it)
            record_item(b, &b->hook->supporters, REUSE_SUPPORTER, s, it, NULL, 0, NULL, 0, NULL, 0);
    }
    if (b->hook->faq_whole) { /* each entry as the record has it */
        struct collection_files *f = &b->hook->faq;
        for (size_t k = 0; k < f->n; k++)
            reuse_keep_item(b->record, f->known[k], &f->stamp[k], f->fresh[k]);
    }
    json_array_foreach (b->c.faq, i, s) {
        const struct reuse_item *it = record_of(b, s);
        if (it)
            record_item(b, &b->hook->faq, REUSE_FAQ, s, it, NULL, 0, NULL, 0, NULL, 0);
    }
}

static void record_new_items(struct build *b)
{
    size_t n = json_array_size(b->c.supporters);
    size_t *card_at = xcalloc(n + 1, sizeof *card_at);
    for (size_t k = 0; k < b->ncards; k++)
        card_at[b->card_of[k]] = k;
    for (size_t i = 0; i < n; i++) {
        json_t *s = json_array_get(b->c.supporters, i);
        size_t k = card_at[i];
        if (!record_of(b, s) && b->card_text && b->card_text[k])
            record_item(b, &b->hook->supporters, REUSE_SUPPORTER, s, NULL, b->card_text[k],
                        b->card_len[k], b->entry_text[i], b->entry_len[i], NULL, 0);
    }
    free(card_at);
    size_t j;
    json_t *q;
    json_array_foreach (b->c.faq, j, q) {
        if (!record_of(b, q) && b->answers && b->answers[j])
            record_item(b, &b->hook->faq, REUSE_FAQ, q, NULL, NULL, 0, NULL, 0,
                        json_string_value(b->answers[j]), json_string_length(b->answers[j]));
    }
}

/* On a worker: every item's record, the new ones' then the kept ones'. */
static void record_items(struct build *b, struct page_job *job, int worker)
{
    record_new_items(b);
    record_kept_items(b, job, worker);
}

/* ---- the directory and supporters.json, spliced ---------------------------- */

/* In place, when the supporters keep the order they had, the directory and
 * supporters.json are the last build's files with the changed supporters'
 * cards and entries put where theirs were: the kernel copies the rest
 * (megabytes), nothing renders or scans it again, and a card that came out
 * the same leaves the file as it is. The last build's file is trusted as a
 * kept page is: a build that did not end renamed nothing into place. */

/* 1 when html holds an id attribute, as the link check finds them. */
static bool holds_ids(const char *html, size_t len)
{
    struct linkcheck_scan *sc = linkcheck_scan_page("", html, len);
    size_t n;
    linkcheck_scan_ids(sc, &n);
    linkcheck_scan_free(sc);
    return n > 0;
}

/* On the building thread, before the cards are made: supporters.json is
 * spliced when each changed supporter's entry as the last build made it
 * reads back whole and, with its old name, the supporter stands where it
 * stands now; the directory when, besides, its old card reads back whole
 * and holds no id (the directory's ids are then the last build's and the
 * new cards'), and it accepted requests then as it does now (the cards of
 * those who do come first). */
static void plan_splice(struct build *b)
{
    size_t n = json_array_size(b->c.supporters);
    if (!b->prev || !b->out || b->supporters_same || b->cards_refused || !n)
        return;
    static const char *const wanted[] = {"name", "accepting", NULL};
    const struct reuse_item **was = xcalloc(n, sizeof *was);
    json_t **old = xcalloc(n, sizeof *old); /* a changed one's values then */
    bool ok = true, cards = true;
    for (size_t i = 0; i < n && ok; i++) {
        json_t *s = json_array_get(b->c.supporters, i);
        if ((was[i] = record_of(b, s)))
            continue;
        const char *path = json_string_value(json_object_get(s, "path"));
        long at = path ? place_of(&b->hook->supporters, path) : -1;
        const struct reuse_item *it = at >= 0 ? b->hook->supporters.known[at] : NULL;
        if (it && reuse_whole(b->prev, &it->entry))
            old[i] = reuse_values(b->prev, it, wanted);
        json_t *was_accepting = json_object_get(old[i], "accepting");
        ok = json_is_string(json_object_get(old[i], "name")) && json_is_boolean(was_accepting);
        cards = cards && ok && reuse_whole(b->prev, &it->card) &&
                !holds_ids(it->card.s, it->card.len) &&
                json_is_true(was_accepting) == content_supporter_accepting(&b->c, s);
        was[i] = it;
    }
    /* The order with the old names: only a changed one can be out of it. */
    for (size_t i = 0; ok && i + 1 < n; i++) {
        if (!old[i] && !old[i + 1])
            continue;
        json_t *s = json_array_get(b->c.supporters, i), *t = json_array_get(b->c.supporters, i + 1);
        const char *name_s = old[i] ? json_string_value(json_object_get(old[i], "name"))
                                    : content_supporter_name(&b->c, s);
        const char *name_t = old[i + 1] ? json_string_value(json_object_get(old[i + 1], "name"))
                                        : content_supporter_name(&b->c, t);
        ok = content_supporter_order(name_s, content_item_slug(&b->c, s), name_t,
                                     content_item_slug(&b->c, t)) < 0;
    }
    for (size_t i = 0; i < n; i++)
        json_decref(old[i]);
    free(old);
    if (ok) {
        b->splice = true;
        b->splice_cards = cards;
        b->was = was;
    } else {
        free(was);
    }
}

/* The pieces of a spliced file, old ranges next to each other made one. */
struct pieces {
    struct fs_piece *p;
    size_t n, cap;
};

static void add_piece(struct pieces *ps, const char *data, size_t len, off_t from)
{
    if (!len)
        return;
    struct fs_piece *last = ps->n ? &ps->p[ps->n - 1] : NULL;
    if (!data && last && !last->data && last->from + (off_t)last->len == from) {
        last->len += len;
        return;
    }
    if (ps->n == ps->cap)
        ps->p = xrealloc(ps->p, (ps->cap = ps->cap ? 2 * ps->cap : 16) * sizeof *ps->p);
    ps->p[ps->n++] = (struct fs_piece){data, len, from};
}

static bool read_at(int fd, char *to, size_t len, off_t at)
{
    while (len > 0) {
        ssize_t got = pread(fd, to, len, at);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0)
            return false;
        to += got;
        len -= (size_t)got;
        at += got;
    }
    return true;
}

/* One file of the site made of n parts (cards or entries, in the order the
 * last build had them too) between head and tail, with sep between parts. */
struct spliced {
    const char *rel;
    const char *head, *tail, *sep;
    size_t head_len, tail_len, n;
    const struct reuse_text *(*old_part)(struct build *b, size_t k); /* as the last build made it */
    const char *(*new_part)(struct build *b, size_t k, size_t *len); /* NULL: unchanged */
};

/* On a worker: writes f's file as the last build's with its changed parts
 * put in, and says which parts changed (into changed, when not NULL).
 * false when the file there is not laid out as the last build would have
 * made it: not as long, not with the same ends, or not holding a changed
 * part's old text where it was (a hand edit of the same length), and
 * nothing is written then; true when it is, whether or not a byte differs. */
static bool splice_file(struct build *b, struct page_job *job, const struct spliced *f,
                        struct buf *changed)
{
    size_t sep_len = strlen(f->sep);
    uint64_t size = f->head_len + f->tail_len + (f->n ? (f->n - 1) * sep_len : 0);
    for (size_t k = 0; k < f->n; k++)
        size += f->old_part(b, k)->len;
    char *path = xasprintf("%s/%s", outdir_path(b->out), f->rel);
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
    free(path);
    struct stat st;
    char *ends = xmalloc(f->head_len + f->tail_len + 1);
    bool ok = fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
              (uint64_t)st.st_size == size && size >= f->head_len + f->tail_len &&
              read_at(fd, ends, f->head_len, 0) && !memcmp(ends, f->head, f->head_len) &&
              read_at(fd, ends, f->tail_len, (off_t)(size - f->tail_len)) &&
              !memcmp(ends, f->tail, f->tail_len);
    free(ends);
    struct pieces ps = {NULL, 0, 0};
    char *there = NULL;
    bool differs = false;
    off_t at = 0;
    add_piece(&ps, NULL, f->head_len, at);
    at += (off_t)f->head_len;
    for (size_t k = 0; ok && k < f->n; k++) {
        if (k) {
            add_piece(&ps, NULL, sep_len, at);
            at += (off_t)sep_len;
        }
        const struct reuse_text *was = f->old_part(b, k);
        size_t len;
        const char *now = f->new_part(b, k, &len);
        if (now) { /* where a part changes, the file holds its old text */
            there = xrealloc(there, was->len + 1);
            ok = read_at(fd, there, was->len, at) && !memcmp(there, was->s, was->len);
            if (!ok)
                break;
        }
        if (now && (len != was->len || memcmp(now, was->s, len))) {
            differs = true;
            add_piece(&ps, now, len, 0);
            if (changed)
                buf_append(changed, now, len);
        } else {
            add_piece(&ps, NULL, was->len, at);
        }
        at += (off_t)was->len;
    }
    add_piece(&ps, NULL, f->tail_len, at);
    if (ok && differs && outdir_splice(b->out, f->rel, fd, ps.p, ps.n, &job->d) == 0)
        job->spliced = true;
    if (fd >= 0)
        close(fd);
    free(ps.p);
    free(there);
    return ok;
}

static const struct reuse_text *old_card(struct build *b, size_t k)
{
    return &b->was[b->card_of[k]]->card;
}

static const char *new_card(struct build *b, size_t k, size_t *len)
{
    json_t *s = json_array_get(b->c.supporters, b->card_of[k]);
    *len = b->card_len[k];
    return record_of(b, s) ? NULL : b->card_text[k];
}

/* On a worker: the directory, spliced when the page around its cards
 * (values, rendered with every card empty) is as it was. Its ids are the
 * last build's and those of the new cards, whose links alone are checked:
 * the others were checked by the last build and still hold (nothing they
 * point to has gone, and pages keep their ids). */
static bool splice_directory(struct build *b, struct page_job *job, int worker, json_t *values)
{
    const struct reuse_page *pg = reuse_find_page(b->prev, job->rel);
    if (!pg)
        return false;
    size_t n = b->ncards;
    const char **none = xcalloc(n + 1, sizeof *none);
    size_t *zero = xcalloc(n + 1, sizeof *zero);
    for (size_t k = 0; k < n; k++)
        none[k] = "";
    struct mustache_items items = {"supporters", n, none, zero, false, 0};
    struct buf frame = BUF_INIT, changed = BUF_INIT;
    struct diag said = DIAG_INIT; /* the render of the whole page says it again */
    bool framed = mustache_render_items(b->mu[worker], job->tmpl, b->globals, values, &items,
                                        &frame, &said) == 0 &&
                  items.placed && !said.n;
    diag_free(&said);
    free(none);
    free(zero);
    bool ok = false;
    if (framed) {
        struct spliced f = {job->rel, frame.data, frame.data + items.at,
                            "",       items.at,   frame.len - items.at,
                            n,        old_card,   new_card};
        ok = splice_file(b, job, &f, &changed);
    }
    if (ok) {
        const char **ids = kept_ids(pg);
        job->found = linkcheck_scan_page(job->rel, changed.data ? changed.data : "", changed.len);
        linkcheck_scan_add_ids(job->found, ids, pg->nids);
        free(ids);
    }
    buf_free(&frame);
    buf_free(&changed);
    return ok;
}

/* On a worker, when the directory is rendered whole after all: the
 * unchanged cards, from the record. */
static void gather_cards(struct build *b, struct page_job *job)
{
    for (size_t k = 0; k < b->ncards; k++) {
        const struct reuse_item *it = record_of(b, json_array_get(b->c.supporters, b->card_of[k]));
        if (it)
            kept_card(b, job, k, it);
    }
}

static const struct reuse_text *old_entry(struct build *b, size_t i)
{
    return &b->was[i]->entry;
}

static const char *new_entry(struct build *b, size_t i, size_t *len)
{
    *len = b->entry_len[i];
    return record_of(b, json_array_get(b->c.supporters, i)) ? NULL : b->entry_text[i];
}

/* On a worker: supporters.json, spliced (its head and tail hold only the
 * roles, which are in the record's key); false when it must be written
 * whole. */
static bool splice_entries(struct build *b, struct page_job *job)
{
    struct buf head = BUF_INIT;
    sitedata_supporters_head(&b->c, &head);
    struct spliced f = {"supporters.json",
                        head.data,
                        SITEDATA_SUPPORTERS_TAIL,
                        SITEDATA_ENTRY_SEPARATOR,
                        head.len,
                        strlen(SITEDATA_SUPPORTERS_TAIL),
                        json_array_size(b->c.supporters),
                        old_entry,
                        new_entry};
    bool ok = splice_file(b, job, &f, NULL);
    buf_free(&head);
    return ok;
}

/* The same for the entries, when supporters.json is written whole. */
static void gather_entries(struct build *b, struct page_job *job)
{
    size_t i;
    json_t *s;
    json_array_foreach (b->c.supporters, i, s) {
        const struct reuse_item *it = record_of(b, s);
        if (it)
            kept_entry(b, job, i, it);
    }
}

/* The values of pages that list a whole collection (the directory, the FAQ)
 * are built on every worker before those pages, a chunk per job. */
static void build_fragments(struct build *b)
{
    size_t ns = json_array_size(b->c.supporters), nf = json_array_size(b->c.faq);
    b->answers = xcalloc(nf + 1, sizeof *b->answers);
    b->nanswers = nf;
    /* Those accepting requests first; the others after them. */
    b->ncards = ns;
    b->card_of = xcalloc(ns + 1, sizeof *b->card_of);
    b->card_text = xcalloc(ns + 1, sizeof *b->card_text);
    b->card_len = xcalloc(ns + 1, sizeof *b->card_len);
    b->entry_text = xcalloc(ns + 1, sizeof *b->entry_text);
    b->entry_len = xcalloc(ns + 1, sizeof *b->entry_len);
    size_t k = 0, i;
    json_t *s;
    for (int pass = 1; pass >= 0; pass--)
        json_array_foreach (b->c.supporters, i, s) {
            if (content_supporter_accepting(&b->c, s) == pass)
                b->card_of[k++] = i;
        }
    b->card_frame = page_frame(b, "supporters/", "../", page_info("Peer supporters", NULL),
                               make_nav(b, "../", "supporters"));
    /* The theme must list the cards the one way they can be given
     * (mustache_render_items); said once, not once per card. No job has
     * used the first worker's engine yet (reading the saved search index,
     * the one job before, needs none). */
    b->cards_refused =
        !b->supporters_same && mustache_check_items(b->mu[0], "supporters", "supporters", b->d) < 0;
    plan_splice(b);
    const size_t chunk = 64;
    for (int kind = 0; kind < 2; kind++) {
        /* In place, a collection with nothing changed keeps its pages. */
        size_t n =
            kind ? (b->faq_same ? 0 : nf) : (b->supporters_same || b->cards_refused ? 0 : ns);
        for (size_t first = 0; first < n; first += chunk) {
            struct page_job *job = xcalloc(1, sizeof *job);
            job->prepare = kind ? prepare_answers : prepare_cards;
            job->first = first;
            job->count = n - first < chunk ? n - first : chunk;
            job->d = (struct diag)DIAG_INIT;
            submit(b, job);
        }
    }
    finish(b);
    /* What was made of each file goes in the record on a worker, while the
     * pages are made: the first job after the fragments, so every job that
     * frees cards, entries or answers comes back after it. */
    if (b->record) {
        struct page_job *job = xcalloc(1, sizeof *job);
        job->prepare = record_items;
        job->d = (struct diag)DIAG_INIT;
        submit(b, job);
    }
}

/* The directory's cards, once its page is rendered (those of unchanged
 * supporters point into the record). */
static void free_cards(struct build *b)
{
    for (size_t i = 0; b->card_text && i < b->ncards; i++)
        if (b->card_text[i] && !record_of(b, json_array_get(b->c.supporters, b->card_of[i])))
            free(b->card_text[i]);
    for (size_t i = 0; b->card_text && i < b->ncards; i++)
        b->card_text[i] = NULL;
}

/* The supporters.json entries, once joined (on a worker: nothing else reads
 * them then). */
static void free_entries(struct build *b)
{
    for (size_t i = 0; b->entry_text && i < json_array_size(b->c.supporters); i++) {
        if (b->entry_text[i] && !record_of(b, json_array_get(b->c.supporters, i)))
            free(b->entry_text[i]);
        b->entry_text[i] = NULL;
    }
}

static void free_answers(struct build *b)
{
    for (size_t i = 0; b->answers && i < b->nanswers; i++) {
        json_decref(b->answers[i]);
        b->answers[i] = NULL;
    }
}

static void free_fragments(struct build *b)
{
    free_answers(b);
    free(b->answers);
    b->answers = NULL;
    free_cards(b);
    free_entries(b);
    free(b->entry_text);
    free(b->entry_len);
    b->entry_text = NULL;
    b->entry_len = NULL;
    free(b->card_text);
    free(b->card_len);
    free(b->card_of);
    json_decref(b->card_frame);
    free(b->was);
    b->was = NULL;
    b->card_text = NULL;
    b->card_len = NULL;
    b->card_of = NULL;
    b->card_frame = NULL;
    b->ncards = 0;
}

static int build_supporters(struct build *b)
{
    int rc = 0;
    size_t i;
    json_t *s;
    const char *rel = "supporters/index.html";
    sitemap_add(b, "supporters/");
    if (b->supporters_same && keep_page(b, rel))
        goto pages;
    if (b->cards_refused) { /* reported once; links to the page are not broken too */
        linkcheck_add_file(b->lc, rel);
        goto pages;
    }
    /* One place per card: the cards are rendered already (build_fragments). */
    json_t *cards = json_array();
    for (i = 0; i < b->ncards; i++)
        json_array_append_new(cards, json_null());
    size_t accepting = 0;
    json_array_foreach (b->c.supporters, i, s) {
        accepting += content_supporter_accepting(&b->c, s);
    }
    json_t *roles = json_array(), *r;
    json_array_foreach (json_object_get(b->c.site, "roles"), i, r) {
        json_array_append(roles, r);
    }
    json_t *languages = distinct_languages(&b->c), *langs = json_array(), *l;
    json_array_foreach (languages, i, l) {
        json_t *one = json_pack("[O]", l);
        json_t *lower = joined(one, "", true);
        json_decref(one);
        json_array_append_new(langs, json_pack("{s:O, s:o}", "label", l, "value", lower));
    }
    json_decref(languages);
    json_t *mods = json_array();
    static const char *const ids[] = {"in-person", "phone", "video"};
    for (i = 0; i < 3; i++)
        json_array_append_new(mods, json_pack("{s:s, s:s}", "id", ids[i], "label",
                                              modality_label(ids[i])));
    json_t *extra =
        json_pack("{s:o, s:{s:o, s:o, s:o}, s:i, s:i}", "supporters", cards, "filters", "roles",
                  roles, "modalities", mods, "languages", langs, "count",
                  (int)json_array_size(b->c.supporters), "accepting_count", (int)accepting);
    struct page_job *dir =
        page_job_new("supporters", rel, page_info("Peer supporters", NULL), extra, "supporters");
    dir->items = true;
    for (i = 0; i < b->ncards; i++)
        dir->size_hint += b->card_len[i];
    dir->size_hint += PAGE_FRAME_BYTES;
    submit_page(b, dir);

pages:
    json_array_foreach (b->c.supporters, i, s) {
        const char *slug = content_item_slug(&b->c, s);
        char prel[PATH_MAX];
        snprintf(prel, sizeof prel, "supporters/%s/index.html", slug);
        sitemap_add(b, "supporters/%s/", slug);
        if (record_of(b, s) && keep_page(b, prel))
            continue;
        struct page_job *job = xcalloc(1, sizeof *job);
        job->tmpl = "supporter";
        job->rel = xstrdup(prel);
        job->nav_key = "supporters";
        job->prepare = supporter_page_values;
        job->item = s;
        submit_page(b, job);
    }
    return rc;
}

static const char *autocomplete_for(const char *id)
{
    if (!strcmp(id, "name"))
        return "name";
    if (!strcmp(id, "email"))
        return "email";
    if (!strcmp(id, "phone") || !strcmp(id, "pager"))
        return "tel";
    return NULL;
}

static int build_request(struct build *b)
{
    const char *rel = "request/index.html";
    /* The form lists supporters (sitedata_datalist). */
    if (b->supporters_same && keep_page(b, rel)) {
        sitemap_add(b, "request/");
        return 0;
    }
    json_t *req = b->c.request;
    json_t *fields = json_array(), *f;
    size_t i;
    const char *source = NULL;
    char *path = NULL;
    if (asprintf(&path, "%s/request.yml", b->c.dir) < 0)
        abort();
    source = path;
    json_array_foreach (json_object_get(req, "fields"), i, f) {
        const char *id = json_string_value(json_object_get(f, "id"));
        const char *type = json_string_value(json_object_get(f, "type"));
        json_t *v = json_deep_copy(f);
        if (!*json_string_value(json_object_get(v, "help")))
            json_object_del(v, "help"); /* templates test {{#help}} */
        json_object_set_new(v, "input_id", json_sprintf("f-%s", id));
        json_object_set_new(v, "help_id", json_sprintf("f-%s-help", id));
        bool input = !strcmp(type, "text") || !strcmp(type, "email") || !strcmp(type, "tel");
        json_object_set_new(v, "is_input", json_boolean(input));
        json_object_set_new(v, "is_textarea", json_boolean(!strcmp(type, "textarea")));
        json_object_set_new(v, "is_select", json_boolean(!strcmp(type, "select")));
        json_object_set_new(v, "is_radio", json_boolean(!strcmp(type, "radio")));
        json_object_set_new(v, "is_checkbox", json_boolean(!strcmp(type, "checkbox")));
        json_object_set_new(v, "is_checkboxes", json_boolean(!strcmp(type, "checkboxes")));
        json_object_set_new(v, "is_group",
                            json_boolean(!strcmp(type, "radio") || !strcmp(type, "checkboxes")));
        const char *ac = autocomplete_for(id);
        if (ac)
            json_object_set_new(v, "autocomplete", json_string(ac));
        json_t *list = input ? sitedata_datalist(&b->c, id) : NULL;
        if (json_array_size(list))
            json_object_set_new(v, "has_datalist", json_true());
        if (list)
            json_object_set_new(v, "datalist", list);
        size_t j;
        json_t *o;
        json_array_foreach (json_object_get(v, "options"), j, o) {
            json_object_set_new(o, "input_id",
                                json_sprintf("f-%s-%s", id,
                                             json_string_value(json_object_get(o, "value"))));
        }
        json_array_append_new(fields, v);
    }
    const char *title = json_string_value(json_object_get(req, "title"));
    json_t *form = json_pack("{s:s, s:o, s:o}", "title", title, "intro",
                             md_value(b, req, "intro", source, rel), "fields", fields);
    json_t *page = page_info(title, NULL);
    const char *paths[] = {source};
    set_reviewed(page, reviewed(b, paths, 1));
    sitemap_add(b, "request/");
    int rc =
        render_page(b, "request", rel, page, json_pack("{s:o}", "form", form), "request", NULL);
    free(path);
    return rc;
}

/* On a worker: the directory as data, a file as large as the directory page. */
static void write_supporters_json(struct build *b, struct page_job *job, int worker)
{
    (void)worker;
    if (b->splice && splice_entries(b, job))
        return;
    if (b->splice)
        gather_entries(b, job);
    /* Written from the entries as they are: joined, they were 3 MB more
     * at the build's busiest moment. */
    size_t n = json_array_size(b->c.supporters);
    struct buf head = BUF_INIT;
    struct fs_piece *pieces = xcalloc(2 * n + 2, sizeof *pieces);
    size_t k = sitedata_supporters_pieces(&b->c, (const char *const *)b->entry_text, b->entry_len,
                                          n, &head, pieces);
    if (b->out)
        outdir_write_pieces(b->out, "supporters.json", pieces, k, &job->d);
    free(pieces);
    buf_free(&head);
}

/* The files other programs read (sitedata.h). */
static int write_data_files(struct build *b)
{
    json_t *schema = sitedata_schema(&b->c);
    int rc = emit_json(b, "request-schema.json", schema);
    json_decref(schema);
    if (b->supporters_same) { /* in place, and kept as it is */
        linkcheck_add_file(b->lc, "supporters.json");
        return rc;
    }
    struct page_job *job = xcalloc(1, sizeof *job);
    job->prepare = write_supporters_json;
    job->frees_entries = true;
    job->d = (struct diag)DIAG_INIT;
    submit(b, job);
    linkcheck_add_file(b->lc, "supporters.json");
    return rc;
}

static int write_sitemap(struct build *b)
{
    if (b->prev) { /* in place, the pages are the ones the last build made */
        linkcheck_add_file(b->lc, "sitemap.xml");
        return 0;
    }
    struct buf x = BUF_INIT;
    sitedata_sitemap(json_string_value(json_object_get(b->c.site, "base_url")), b->sitemap, &x);
    int rc = emit(b, "sitemap.xml", x.data, x.len);
    linkcheck_add_file(b->lc, "sitemap.xml");
    buf_free(&x);
    return rc;
}

/* On a worker: files [first, first + count) of the search index. */
static void write_search_part(struct build *b, struct page_job *job, int worker)
{
    struct buf *out = &b->html[worker];
    char path[SEARCH_PATH_MAX];
    for (size_t i = job->first; i < job->first + job->count; i++) {
        search_plan_file(b->search_plan, i, out);
        search_plan_path(b->search_plan, i, path);
        if (b->out)
            outdir_write(b->out, path, out->data, out->len, &job->d);
    }
}

/* The documents [from, to) of the pages as they are now (made again by
 * this build, or kept: read from the record), as a chunk of the index;
 * false when a kept page's documents do not read back. */
static bool format_chunk(struct build *b, size_t from, size_t to, struct buf *out)
{
    size_t n = reuse_npages(b->prev), np = 0, nloaded = 0, skip = 0;
    const struct search_page **pages = xcalloc(n + 1, sizeof *pages);
    struct search_page **loaded = xcalloc(n + 1, sizeof *loaded);
    bool whole = true;
    for (size_t i = 0; i < b->seen && whole; i++) {
        const struct reuse_page *pg = reuse_page_at(b->prev, i);
        size_t first = b->first_doc[i];
        if (!pg->ndocs || first + pg->ndocs <= from || first >= to)
            continue;
        if (!np)
            skip = from - first;
        const struct search_page *p =
            b->made[i] ? b->made[i] : (loaded[nloaded++] = kept_search(b, pg));
        whole = p && search_page_ndocs(p) == pg->ndocs;
        pages[np++] = p;
    }
    if (whole)
        search_format_docs(pages, np, skip, to - from, out);
    for (size_t i = 0; i < nloaded; i++)
        search_page_free(loaded[i]);
    free(loaded);
    free(pages);
    if (!whole)
        b->redo = true;
    return whole;
}

/* In place, the index patched: only the files that may differ are made
 * again, on this thread (a few of 180); false when it must be made whole
 * (search.h). */
static bool write_patched_index(struct build *b)
{
    struct search_patch *p = b->patch;
    if (!p || b->docs_seen != search_patch_ndocs(p) || !search_patch_apply(p))
        return false;
    struct buf out = BUF_INIT;
    char path[SEARCH_PATH_MAX];
    for (size_t i = 0; i < search_patch_files(p); i++) {
        size_t from, to;
        search_patch_path(p, i, path);
        linkcheck_add_file(b->lc, path);
        if (!search_patch_dirty(p, i))
            continue;
        bool made = true;
        if (search_patch_chunk(p, i, &from, &to))
            made = format_chunk(b, from, to, &out);
        else
            search_patch_shard(p, i, &out);
        if (made && b->out)
            outdir_write(b->out, path, out.data, out.len, b->d);
    }
    if (b->record) {
        buf_reset(&out);
        search_patch_save(p, &out);
        save_index(b, &out);
    }
    buf_free(&out);
    free_patch(b);
    return true;
}

/* The search index's files (search.h), compact: they are fetched on every
 * search. They are formatted and written on the workers, a few per job;
 * the link check learns of them in order when the jobs come back. The
 * building thread saves the index for the next build meanwhile. */
static void write_search_index(struct build *b)
{
    if (write_patched_index(b))
        return;
    stop_patch(b);
    b->search_plan = search_plan_new(b->search);
    size_t n = search_plan_files(b->search_plan);
    for (size_t first = 0; first < n; first += SEARCH_FILES_PER_JOB) {
        struct page_job *job = xcalloc(1, sizeof *job);
        job->prepare = write_search_part;
        job->search_files = true;
        job->first = first;
        job->count = n - first < SEARCH_FILES_PER_JOB ? n - first : SEARCH_FILES_PER_JOB;
        job->d = (struct diag)DIAG_INIT;
        submit(b, job);
    }
    if (b->record) {
        struct buf saved = BUF_INIT;
        search_plan_save(b->search_plan, &saved);
        save_index(b, &saved);
        buf_free(&saved);
    }
    finish(b);
    search_plan_free(b->search_plan);
    b->search_plan = NULL;
}

/* On a worker: the collections and the Markdown read for them, which no
 * page still to come reads (the search and 404 pages, the data files are
 * written). Freed while the other workers write the search index, they
 * leave room for what it and the link check allocate: the build's peak
 * memory is the lower for it (a full build's; a rebuild in place writes a
 * few files of the index and keeps them). Source paths stay: messages
 * name them. */
static void release_collections(struct build *b, struct page_job *job, int worker)
{
    (void)worker;
    json_decref(job->page);
    job->page = NULL;
    for (size_t i = 0; i < b->c.nsources; i++) {
        free(b->c.sources[i].body);
        b->c.sources[i].body = NULL;
    }
}

/* The collections go to a worker to be freed (release_collections). */
static void submit_release(struct build *b)
{
    struct page_job *release = xcalloc(1, sizeof *release);
    release->prepare = release_collections;
    release->page = json_array();
    json_t *held[] = {b->c.supporters, b->c.faq, b->c.categories};
    for (size_t i = 0; i < 3; i++)
        if (held[i])
            json_array_append_new(release->page, held[i]);
    release->d = (struct diag)DIAG_INIT;
    b->c.supporters = b->c.faq = b->c.categories = NULL;
    submit(b, release);
}

static int build_search_and_404(struct build *b, struct site_timings *tm, struct timespec *t)
{
    finish(b); /* every page read is in the index */
    tm->pages += lap(t);
    if (!b->prev) /* in place, memory is no concern: the collections stay */
        submit_release(b);
    write_search_index(b);
    tm->index = lap(t);
    int rc = 0;
    sitemap_add(b, "search/");
    if (keep_page(b, "search/index.html") && keep_page(b, "404.html"))
        return rc;
    rc |= render_page(b, "search", "search/index.html", page_info("Search", NULL), NULL, "search",
                      NULL);
    /* 404.html is served for any missing path, so its links must be
     * root-absolute: rendered with the base URL's path for the site and,
     * for the link check, once more as if it stood at the root. */
    const char *base = json_string_value(json_object_get(b->c.site, "base_url"));
    const char *p = strstr(base, "://");
    p = p ? strchr(p + 3, '/') : NULL;
    rc |= render_page(b, "404", "404.html", page_info("Page not found", NULL), NULL, NULL,
                      p ? p : "/");
    struct build check = *b;
    check.out = NULL;
    rc |=
        render_page(&check, "404", "404.html", page_info("Page not found", NULL), NULL, NULL, NULL);
    return rc;
}

/* ---- globals: assets, key, navigation ------------------------------------ */

/* In place, the theme's assets as the last build made them: the theme and
 * the settings are in the record's key, so they are the same files under
 * the same names, in the site already. NULL when the record has none whole
 * (a build that warned of an asset keeps none: the warning is said again). */
static json_t *kept_assets(struct build *b)
{
    const struct reuse_text *t = b->prev ? reuse_assets(b->prev) : NULL;
    if (!t || !t->len || !reuse_whole(b->prev, t))
        return NULL;
    json_t *assets = json_loadb(t->s, t->len, 0, NULL), *a;
    const char *key;
    bool good = json_is_object(assets);
    json_object_foreach (assets, key, a) {
        const char *path = json_string_value(json_object_get(a, "path"));
        good = good && path && !strncmp(path, "assets/", 7) &&
               json_is_string(json_object_get(a, "integrity"));
    }
    if (!good) {
        json_decref(assets);
        return NULL;
    }
    json_object_foreach (assets, key, a)
        linkcheck_add_file(b->lc, json_string_value(json_object_get(a, "path")));
    return assets;
}

static void record_assets(struct build *b, json_t *assets)
{
    char *text = json_dumps(assets, JSON_COMPACT | JSON_PRESERVE_ORDER);
    if (!text)
        abort();
    reuse_set_assets(b->record, text, strlen(text));
    free(text);
}

static int load_pubkey(struct build *b)
{
    if (!b->c.pubkey_path) {
        char *path = NULL;
        if (asprintf(&path, "%s/keys/admin.pub", b->c.dir) < 0)
            abort();
        diag_warn(b->d, path, 0, 0,
                  "missing: until it is here, the request page says the site cannot take "
                  "requests online yet and gives the program's contact details (the "
                  "administrator makes this key with `peeradmin keygen`; docs/admin.md)");
        free(path);
        return 0;
    }
    struct pubkey pk;
    if (pubkey_load(b->c.pubkey_path, &pk, b->d) < 0)
        return -1;
    struct buf text = BUF_INIT;
    pubkey_format(&pk, &text);
    int rc = emit(b, "admin.pub", text.data, text.len);
    linkcheck_add_file(b->lc, "admin.pub");
    buf_free(&text);
    /* The request page seals in the browser with these keys and shows the
     * fingerprint it computes from them (DESIGN §5). */
    char box[sodium_base64_ENCODED_LEN(32, sodium_base64_VARIANT_ORIGINAL)], sign[sizeof box];
    sodium_bin2base64(box, sizeof box, pk.box_pk, 32, sodium_base64_VARIANT_ORIGINAL);
    sodium_bin2base64(sign, sizeof sign, pk.sign_pk, 32, sodium_base64_VARIANT_ORIGINAL);
    json_object_set_new(b->globals, "pubkey",
                        json_pack("{s:s, s:s, s:s, s:s, s:s}", "fingerprint", pk.fingerprint,
                                  "key_id", pk.key_id_hex, "path", "admin.pub", "box", box, "sign",
                                  sign));
    return rc;
}

static int copy_photos(struct build *b)
{
    size_t i;
    json_t *s;
    json_array_foreach (b->c.supporters, i, s) {
        const char *src = json_string_value(json_object_get(s, "photo_path"));
        if (!src)
            continue;
        json_t *asset =
            assets_copy_file(b->tree, src, json_string_value(json_object_get(s, "photo")), b->out,
                             b->lc, b->d);
        if (!asset)
            return -1;
        json_object_set_new(s, "photo_asset", asset);
    }
    return 0;
}

/* site.yml colors: a stylesheet of their own, after the theme's. */
static int add_colors(struct build *b, json_t *assets)
{
    json_t *colors = json_object_get(b->c.site, "colors");
    const char *accent = json_string_value(json_object_get(colors, "accent"));
    if (!accent)
        return 0;
    struct buf css = BUF_INIT;
    colors_css(accent, json_string_value(json_object_get(colors, "accent_dark")), &css);
    json_t *a = assets_add("site-colors.css", css.data, css.len, b->out, b->lc, b->d);
    buf_free(&css);
    if (!a)
        return -1;
    json_object_set_new(assets, "site_colors_css", a);
    return 0;
}

static json_t *nav_items(struct build *b)
{
    json_t *nav = json_array(), *p;
    json_array_append_new(nav,
                          json_pack("{s:s, s:s, s:s}", "key", "home", "title", "Home", "path", ""));
    json_array_append_new(nav, json_pack("{s:s, s:s, s:s}", "key", "faq", "title", "FAQ", "path",
                                         "faq/"));
    json_array_append_new(nav, json_pack("{s:s, s:s, s:s}", "key", "confidentiality", "title",
                                         "Confidentiality", "path", "confidentiality/"));
    json_array_append_new(nav, json_pack("{s:s, s:s, s:s}", "key", "supporters", "title",
                                         "Supporters", "path", "supporters/"));
    /* Pages with "menu", by that number, then slug. */
    size_t n = 0, i;
    json_t **menu = malloc((json_array_size(b->c.pages) + 1) * sizeof *menu);
    if (!menu)
        abort();
    json_array_foreach (b->c.pages, i, p) {
        if (json_object_get(p, "menu") &&
            strcmp(json_string_value(json_object_get(p, "slug")), "index"))
            menu[n++] = p;
    }
    for (i = 1; i < n; i++)
        for (size_t j = i; j > 0 && json_integer_value(json_object_get(menu[j - 1], "menu")) >
                                        json_integer_value(json_object_get(menu[j], "menu"));
             j--) {
            json_t *t = menu[j];
            menu[j] = menu[j - 1];
            menu[j - 1] = t;
        }
    for (i = 0; i < n; i++) {
        const char *slug = json_string_value(json_object_get(menu[i], "slug"));
        json_array_append_new(nav, json_pack("{s:s, s:O, s:s+}", "key", slug, "title",
                                             json_object_get(menu[i], "title"), "path", slug, "/"));
    }
    free(menu);
    json_array_append_new(nav, json_pack("{s:s, s:s, s:s}", "key", "search", "title", "Search",
                                         "path", "search/"));
    /* "Ask for support" is the header's own button (base template). */
    return nav;
}

/* ---- the build ----------------------------------------------------------- */

/* Content left out for its errors still "exists" for the link check: its
 * errors are reported, links to it need not be. */
static void register_left_out(struct build *b)
{
    size_t i;
    json_t *item;
    json_array_foreach (b->c.left_out, i, item) {
        const char *kind = json_string_value(json_object_get(item, "kind"));
        const char *slug = json_string_value(json_object_get(item, "slug"));
        char *rel = NULL;
        if (!strcmp(kind, "faq"))
            linkcheck_add_id(b->lc, "faq/index.html", slug);
        else if (!strcmp(kind, "supporter"))
            rel = xasprintf("supporters/%s/index.html", slug);
        else
            rel = strcmp(slug, "index") ? xasprintf("%s/index.html", slug) : xstrdup("index.html");
        if (rel)
            linkcheck_add_file(b->lc, rel);
        free(rel);
    }
}

/* The page workers: o->jobs threads (0: one per CPU); one job at a time
 * renders inline, on this thread. */
static void start_workers(struct build *b, pthread_mutex_t *lock, struct diag *errors)
{
    int jobs = b->opt->jobs > 0 ? b->opt->jobs : pool_cpus();
    b->nworkers = jobs;
    b->template_lock = lock;
    b->template_errors = errors;
    b->mu = xcalloc((size_t)jobs, sizeof *b->mu);
    b->html = xcalloc((size_t)jobs, sizeof *b->html);
    b->nav = xcalloc((size_t)jobs, sizeof *b->nav);
    for (int i = 0; i < jobs; i++)
        b->mu[i] = mustache_new(load_template, b);
    b->pool = pool_new(jobs > 1 ? jobs : 0, page_work, page_done, b);
}

static void stop_workers(struct build *b)
{
    pool_free(b->pool);
    for (int i = 0; i < b->nworkers; i++) {
        mustache_free(b->mu[i]);
        buf_free(&b->html[i]);
        json_decref(b->nav[i].nav);
        free(b->nav[i].root);
    }
    free(b->nav);
    free(b->mu);
    free(b->html);
}

/* A build that ends the process (site_options.exiting) leaves its content,
 * search index, link records and the last build's record to the system: the
 * kernel takes them back at once, where freeing them block by block costs a
 * tenth of a build (and unmapping the record, 35 MB for 10,000 supporters,
 * tells every CPU the workers ran on, a few ms more). They stay
 * reachable from here, as they are, so leak checkers do not call them lost.
 * Sanitizer builds free them anyway, to keep proving the freeing paths. */
#if defined(__SANITIZE_ADDRESS__)
#define FREE_AT_EXIT 1
#else
#define FREE_AT_EXIT 0
#endif
static struct build *volatile left_at_exit; /* volatile: the store must stay */

static void leave_to_exit(const struct build *b)
{
    struct build *kept = xmalloc(sizeof *kept);
    *kept = *b;
    left_at_exit = kept;
}

/* 1 when a file the last build made is not among files (sorted): changing
 * the site in place would leave it there (a photo taken down, a search
 * index part no longer needed). Both lists are sorted, so one walk through
 * both answers (20,000 names: a search for each cost a millisecond on the
 * building thread); a record whose list is not sorted is not trusted. */
static bool leaves_behind(const struct reuse *prev, const char *const *files, size_t n)
{
    size_t nold, j = 0;
    const struct reuse_text *old = reuse_files(prev, &nold);
    for (size_t i = 0; i < nold; i++) {
        if (i && strcmp(old[i - 1].s, old[i].s) >= 0)
            return true;
        int c = 1;
        while (j < n && (c = strcmp(files[j], old[i].s)) < 0)
            j++;
        if (c)
            return true; /* not among files */
        j++;
    }
    return false;
}

/* 1 when every item of a collection stands in for an unchanged file. */
static bool all_reused(json_t *items)
{
    size_t i;
    json_t *v;
    json_array_foreach (items, i, v) {
        if (!json_is_integer(v) && !json_object_get(v, "reused"))
            return false;
    }
    return true;
}

/* 1 when the request form has a text field with this id (one the page's
 * script can fill in: request.js). */
static bool form_has_text_field(json_t *request, const char *id)
{
    size_t i;
    json_t *f;
    json_array_foreach (json_object_get(request, "fields"), i, f) {
        const char *has = json_string_value(json_object_get(f, "id"));
        const char *type = json_string_value(json_object_get(f, "type"));
        if (has && !strcmp(has, id) && type && (!strcmp(type, "text") || !strcmp(type, "textarea")))
            return true;
    }
    return false;
}

#define REDO (-2) /* reuse proved impossible: build again, afresh */

struct preload {
    const char *out_dir;
    struct reuse *r;
};

static void *preload(void *arg)
{
    struct preload *p = arg;
    p->r = reuse_load_any(p->out_dir);
    return NULL;
}

static int build_once(const struct site_options *o, struct diag *d, bool may_reuse)
{
    struct site_timings unused = {0}, *tm = o->timings ? o->timings : &unused;
    memset(tm, 0, sizeof *tm);
    struct timespec t, wall;
    clock_gettime(CLOCK_MONOTONIC, &t);
    clock_gettime(CLOCK_REALTIME, &wall);
    int64_t started = (int64_t)wall.tv_sec * 1000000000 + wall.tv_nsec;
    struct build b;
    memset(&b, 0, sizeof b);
    b.opt = o;
    b.d = d;
    size_t before = d->nerrors;
    int rc = -1;
    char *assets_dir = NULL;
    struct tree *own_tree = NULL;
    pthread_mutex_t template_lock = PTHREAD_MUTEX_INITIALIZER;
    struct diag template_errors = DIAG_INIT;
    struct reuse *prev = NULL;
    struct reuse_hook *hook = NULL;
    struct patch_read patch_read = {0};

    /* One build at a time into a directory, from before the record is
     * read to after the site is in place. */
    int lock = -1;
    if (o->out_dir && outdir_lock(o->out_dir, &lock, d) < 0)
        return -1;
    /* What the last build into this directory left (reuse.h). */
    uint8_t key[REUSE_KEY_BYTES];
    bool fresh = false;
    char boot[64];
    reuse_boot_id(boot);
    /* The record the key must match is read on a thread of its own while
     * this one lists the collections for the content loader: the key takes
     * what in their folders is not an item from that listing. */
    b.tree = o->tree ? o->tree : (own_tree = tree_fs_new());
    struct preload pre = {o->out_dir, NULL};
    pthread_t reader;
    bool reading = o->reuse && o->out_dir && may_reuse && fs_is_dir(o->out_dir) &&
                   pthread_create(&reader, NULL, preload, &pre) == 0;
    const struct tree_dir *lists[2] = {NULL, NULL};
    int keyed = -1;
    if (o->reuse && o->out_dir) {
        content_prefetch(b.tree, o->content_dir, lists);
        struct reuse_listings listed = {lists[0], lists[1]};
        keyed = reuse_key(o->content_dir, o->theme_dir, o->out_dir, o->git, boot, started, &listed,
                          key, &fresh);
    }
    if (reading)
        pthread_join(reader, NULL);
    if (keyed < 0)
        reuse_free(pre.r);
    if (keyed == 0) {
        b.prev = prev = reuse_keyed(pre.r, key);
        if (prev)
            start_patch_read(&patch_read, prev);
        b.hook = hook = xcalloc(1, sizeof *hook);
        hook->b = &b;
        hook->started_ns = started;
        hook->api = (struct content_reuse){hook,
                                           hook_files,
                                           hook_stamp,
                                           hook_stamp_apart,
                                           hook_kept_whole,
                                           hook_stand_in,
                                           hook_stamp_first,
                                           hook_stamp_read,
                                           hook_stand_in_supporter};
    }

    /* Content with errors is still rendered when it can be, so broken links
     * are reported in the same run as every other error. */
    int jobs = o->jobs > 0 ? o->jobs : pool_cpus();
    if (content_load_reusing(b.tree, o->content_dir, jobs, hook ? &hook->api : NULL, &b.c, d) < 0 &&
        !content_renderable(&b.c))
        goto out;
    tm->load = lap(&t);
    if (prev) /* every supporter stamped: each is one the record knows? */
        same_files(hook, &hook->supporters);
    if (prev && hook->other_files) { /* a file was added or removed */
        rc = REDO;
        goto out;
    }
    if (prev) {
        b.faq_same = all_reused(b.c.faq);
        b.supporters_same = all_reused(b.c.supporters);
    }
    if (tree_kind(b.tree, o->theme_dir) != TREE_DIR) {
        diag_error(d, o->theme_dir, 0, 0, "theme directory not found");
        goto out;
    }
    /* A check builds into a scratch directory and throws it away. */
    if ((prev ? outdir_open_in_place(o->out_dir, &b.out, d) : outdir_open(o->out_dir, &b.out, d)) <
        0)
        goto out;
    if (hook && !fresh) /* else its record could not be trusted */
        b.record = reuse_writer_new(key, started, outdir_path(b.out), prev);
    b.lc = linkcheck_new();
    start_workers(&b, &template_lock, &template_errors);
    if (prev) {
        struct search_patch *patch = patch_read_done(&patch_read);
        if (!patch_read.pages) { /* a record that names a page twice */
            rc = REDO;
            goto out;
        }
        if (patch)
            adopt_patch(&b, patch);
    }
    b.globals = json_object();
    b.search = search_new();
    b.sitemap = json_array();
    json_object_set(b.globals, "site", b.c.site);
    if (o->git && json_object_get(o->git, "commit"))
        json_object_set(b.globals, "commit", json_object_get(o->git, "commit"));
    json_object_set_new(b.globals, "nav_items", nav_items(&b));
    /* A supporter's page offers to ask for them by name only when the form
     * has a text field that takes the name (request.js fills it in). */
    json_object_set_new(b.globals, "form_names_supporter",
                        json_boolean(form_has_text_field(b.c.request, "supporter")));
    if (asprintf(&assets_dir, "%s/assets", o->theme_dir) < 0)
        abort();
    json_t *assets = kept_assets(&b);
    if (!assets) {
        size_t said = d->n;
        if (!(assets = assets_copy(b.tree, assets_dir, b.out, b.lc, d)) ||
            add_colors(&b, assets) < 0)
            goto out;
        if (b.record && d->n == said) /* a warning is said again by the next build */
            record_assets(&b, assets);
    } else if (b.record) {
        record_assets(&b, assets);
    }
    json_object_set_new(b.globals, "assets", assets);
    if (load_pubkey(&b) < 0 || copy_photos(&b) < 0)
        goto out;

    build_fragments(&b);
    /* supporters.json first: its entries are freed once it is written,
     * not held while 10,000 pages are made. */
    write_data_files(&b);
    build_pages(&b);
    build_faq(&b);
    build_confidentiality(&b);
    build_supporters(&b);
    build_request(&b);
    build_search_and_404(&b, tm, &t);
    finish(&b); /* every page written and scanned */
    diag_move(d, &template_errors);
    write_sitemap(&b);
    tm->pages += lap(&t);
    if (b.redo) {
        rc = REDO;
        goto out;
    }
    register_left_out(&b);
    linkcheck_run(b.lc, jobs, d);
    tm->links = lap(&t);
    if (d->nerrors > before)
        goto out;
    size_t nfiles;
    const char *const *files = linkcheck_files(b.lc, &nfiles);
    if (prev && leaves_behind(prev, files, nfiles)) {
        rc = REDO; /* a file of the last build is not made any more */
        goto out;
    }
    if (b.record) {
        reuse_set_files(b.record, files, nfiles);
        size_t n;
        const struct fs_piece *index = reuse_index_pieces(b.record, &n);
        if (index && outdir_write_pieces(b.out, REUSE_FILE, index, n, d) < 0)
            goto out;
    }
    if (outdir_commit(b.out, d) < 0)
        goto out;
    tm->in_place = prev != NULL;
    tm->changed = outdir_changed(b.out);
    tm->spliced = b.spliced;
    tm->swap = lap(&t);
    rc = 0;
out:
    lap(&t);
    search_patch_free(patch_read_done(&patch_read)); /* before prev, which it reads */
    if (b.pool)
        flush_run(&b); /* a run cut short by an error still needs its turn */
    stop_workers(&b);  /* before anything they might still read is freed */
    free_fragments(&b);
    free_patch(&b);
    diag_move(d, &template_errors);
    outdir_free(b.out);
    free(assets_dir);
    reuse_writer_free(b.record);
    hook_free(hook);
    if (lock >= 0)
        close(lock);
    b.record = NULL;
    b.hook = NULL;
    if (o->exiting && !FREE_AT_EXIT && rc != REDO) {
        leave_to_exit(&b);
    } else {
        reuse_free(prev);
        linkcheck_free(b.lc);
        json_decref(b.globals);
        search_free(b.search);
        json_decref(b.sitemap);
        content_free(&b.c);
    }
    tree_free(own_tree);
    tm->free = lap(&t);
    return rc;
}

int site_build(const struct site_options *o, struct diag *d)
{
    /* A first try that finds it cannot reuse the last build says nothing. */
    struct diag first = DIAG_INIT;
    int rc = build_once(o, &first, true);
    if (rc == REDO) {
        diag_free(&first);
        return build_once(o, d, false) == 0 ? 0 : -1;
    }
    diag_move(d, &first);
    diag_free(&first);
    return rc;
}
