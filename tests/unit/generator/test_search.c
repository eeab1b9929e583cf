/* Unit tests for generator/search.c: folding, how a page's <main> becomes
 * sections, what is left out, the BM25 weights and the split files; that
 * the files are written as jansson writes the same values, and that pages
 * scanned on several threads make the same index. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "search.h"

static char *folded(const char *s)
{
    struct buf b = BUF_INIT;
    search_fold(s, strlen(s), &b);
    return b.data ? buf_detach(&b) : strdup("");
}

static void expect_fold(const char *s, const char *want)
{
    char *got = folded(s);
    if (strcmp(got, want))
        fail_msg("fold(\"%s\"): expected \"%s\", got \"%s\"", s, want, got);
    free(got);
}

static void test_fold(void **state)
{
    (void)state;
    expect_fold("Ünïcode ÇA—Straße, “Æsop” × Łódź", "unicode ca strasse aesop lodz");
    /* A decomposed accent goes with its letter; Greek and Cyrillic lowercase. */
    expect_fold("Cafe\xcc\x81 ΩMEGA Москва", "cafe ωmega москва");
    expect_fold("  call 555-0142!  ", "call 555 0142");
    expect_fold("", "");
}

/* The same numbers as site.js's shardOf (FNV-1a 32 of the first two
 * characters' UTF-8 bytes). */
static void test_shard(void **state)
{
    (void)state;
    assert_int_equal(search_shard("burnout", 1000003), 821506);
    assert_int_equal(search_shard("bu", 1000003), 821506);
    assert_int_equal(search_shard("ωmega", 97), 80);
    assert_int_equal(search_shard("listened", 56), 22);
    assert_int_equal(search_shard("anything", 1), 0);
}

/* The documents of an index, from its files. */
static json_t *docs_of(json_t *files)
{
    json_t *entry = json_object_get(files, "search-index.json"), *all = json_array();
    size_t chunk = (size_t)json_integer_value(json_object_get(entry, "chunk"));
    size_t n = (size_t)json_integer_value(json_object_get(entry, "docs"));
    for (size_t c = 0; c * chunk < n; c++) {
        char path[64];
        snprintf(path, sizeof path, "search-index/d-%zu.json", c);
        json_t *docs = json_object_get(files, path);
        assert_non_null(docs);
        json_array_extend(all, docs);
    }
    assert_int_equal(json_array_size(all), n);
    return all;
}

/* The postings of a term, as [doc, weight] pairs (gaps added up). */
static json_t *postings(json_t *files, const char *term)
{
    json_t *entry = json_object_get(files, "search-index.json");
    uint32_t n = (uint32_t)json_integer_value(json_object_get(entry, "shards"));
    char path[64];
    snprintf(path, sizeof path, "search-index/t-%u.json", search_shard(term, n));
    json_t *list = json_object_get(json_object_get(files, path), term), *out = json_array();
    long doc = 0;
    for (size_t i = 0; i + 1 < json_array_size(list); i += 2) {
        doc += json_integer_value(json_array_get(list, i));
        json_array_append_new(out, json_pack("[I, I]", (json_int_t)doc,
                                             json_integer_value(json_array_get(list, i + 1))));
    }
    return out;
}

static const char PAGE[] =
    "<html><head><title>x</title><script>var hidden = 'nope';</script></head><body>"
    "<nav><a>Menu words</a></nav><main id=\"main\">\n"
    "<p class=\"breadcrumb\" data-search-ignore><a>All supporters</a></p>\n"
    "<h1>Questions &amp; answers</h1>\n<p>Opening words.</p>\n"
    "<nav class=\"toc\" data-search-ignore><ul><li><a>Contents <nav>nested</nav> "
    "tocword</a></li></ul></nav>\n"
    "<section aria-labelledby=\"topic-a\"><h2 id=\"topic-a\">About&nbsp;it</h2>\n"
    "<article id=\"first-q\"><h3><a href=\"#first-q\">First question?</a></h3>"
    "<div class=\"prose\"><p>Answer one, with caf&#233; and &#x2014; dashes.</p></div>"
    "</article>\n"
    "<article id=\"second-q\"><h3><a>Second question?</a></h3><p>Answer two.</p>"
    "<div hidden><p>hiddenword</p></div><!-- commentword --></article>\n"
    "</section>\n<p class=\"reviewed\" data-search-ignore>Last reviewed 2026</p>\n"
    "</main><footer>footerword</footer></body></html>";

static void test_sections(void **state)
{
    (void)state;
    struct search *s = search_new();
    search_add_html(s, "faq/", NULL, PAGE, strlen(PAGE));
    json_t *files = search_files(s);
    json_t *docs = docs_of(files);
    char *got = json_dumps(docs, JSON_COMPACT);
    const char *want =
        "[[\"Questions & answers\",\"faq/\",\"\",\"Opening words.\"],"
        "[\"First question?\",\"faq/#first-q\",\"Questions & answers \xe2\x80\xba About it\","
        "\"Answer one, with caf\xc3\xa9 and \xe2\x80\x94 dashes.\"],"
        "[\"Second question?\",\"faq/#second-q\",\"Questions & answers \xe2\x80\xba About it\","
        "\"Answer two.\"]]";
    if (strcmp(got, want))
        fail_msg("expected\n%s\ngot\n%s", want, got);
    free(got);
    /* Nothing from outside <main>, hidden, marked, in a comment or script. */
    static const char *const absent[] = {"menu",    "footerword", "hiddenword", "commentword",
                                         "tocword", "nested",     "supporters", "reviewed",
                                         "nope",    "the",        NULL};
    for (size_t i = 0; absent[i]; i++) {
        json_t *p = postings(files, absent[i]);
        if (json_array_size(p))
            fail_msg("\"%s\" should not be indexed", absent[i]);
        json_decref(p);
    }
    /* Folded words are indexed: "café" as "cafe". */
    json_t *p = postings(files, "cafe");
    assert_int_equal(json_array_size(p), 1);
    assert_int_equal(json_integer_value(json_array_get(json_array_get(p, 0), 0)), 1);
    json_decref(p);
    json_decref(docs);
    json_decref(files);
    search_free(s);
}

/* The whole text is indexed, however long; a heading's words weigh more;
 * documents and terms come out in a stable order. */
static void test_weights_and_files(void **state)
{
    (void)state;
    struct search *s = search_new();
    struct buf long_text = BUF_INIT;
    for (int i = 0; i < 5000; i++)
        buf_printf(&long_text, "filler%d ", i % 50);
    buf_puts(&long_text, "moral injury at the very end");
    search_add_doc(s, "A long page", "long/", "", long_text.data);
    search_add_doc(s, "Burnout", "faq/#burnout", "FAQ", "What helps with it.");
    search_add_doc(s, "Other", "faq/#other", "FAQ", "Some words about burnout here.");
    json_t *files = search_files(s);
    json_t *entry = json_object_get(files, "search-index.json");
    assert_int_equal(json_integer_value(json_object_get(entry, "v")), 2);
    assert_int_equal(json_integer_value(json_object_get(entry, "docs")), 3);
    assert_int_equal(json_integer_value(json_object_get(entry, "shards")), 1);
    assert_true(json_array_size(json_object_get(entry, "stop")) > 10);

    json_t *p = postings(files, "injury");
    assert_int_equal(json_array_size(p), 1);
    assert_int_equal(json_integer_value(json_array_get(json_array_get(p, 0), 0)), 0);
    json_decref(p);
    /* The document titled "Burnout" outranks one that only mentions it. */
    p = postings(files, "burnout");
    assert_int_equal(json_array_size(p), 2);
    json_int_t titled = json_integer_value(json_array_get(json_array_get(p, 0), 1));
    json_int_t mentioned = json_integer_value(json_array_get(json_array_get(p, 1), 1));
    assert_int_equal(json_integer_value(json_array_get(json_array_get(p, 0), 0)), 1);
    assert_true(titled > mentioned && mentioned >= 1);
    json_decref(p);
    /* The long page's text is kept whole for its snippet. */
    json_t *docs = docs_of(files);
    const char *text = json_string_value(json_array_get(json_array_get(docs, 0), 3));
    assert_non_null(strstr(text, "moral injury at the very end"));
    json_decref(docs);

    /* Built twice, byte for byte the same. */
    char *a = json_dumps(files, JSON_COMPACT | JSON_SORT_KEYS);
    json_t *again = search_files(s);
    char *b = json_dumps(again, JSON_COMPACT | JSON_SORT_KEYS);
    assert_string_equal(a, b);
    free(a);
    free(b);
    json_decref(again);
    json_decref(files);
    search_free(s);
    buf_free(&long_text);
}

/* A big index is split: many shards, each term in the one its first two
 * characters hash to, and the documents in chunks. */
static void test_split(void **state)
{
    (void)state;
    struct search *s = search_new();
    char title[64], text[128];
    for (int i = 0; i < 3000; i++) {
        snprintf(title, sizeof title, "Supporter %05d", i);
        snprintf(text, sizeof text, "Department %d, word%d, listened carefully w%dx", i % 8, i % 97,
                 i);
        search_add_doc(s, title, "supporters/x/", "Peer supporters", text);
    }
    json_t *files = search_files(s);
    json_t *entry = json_object_get(files, "search-index.json");
    uint32_t n = (uint32_t)json_integer_value(json_object_get(entry, "shards"));
    size_t chunk = (size_t)json_integer_value(json_object_get(entry, "chunk"));
    assert_true(n > 1);
    assert_true(chunk >= 8 && chunk < 3000);
    const char *path;
    json_t *v;
    size_t shards = 0;
    json_object_foreach (files, path, v) {
        if (strncmp(path, "search-index/t-", 15))
            continue;
        shards++;
        uint32_t k = (uint32_t)strtoul(path + 15, NULL, 10);
        const char *term;
        json_t *list;
        json_object_foreach (v, term, list) {
            if (search_shard(term, n) != k)
                fail_msg("%s holds \"%s\", which belongs in shard %u", path, term,
                         search_shard(term, n));
        }
    }
    assert_int_equal(shards, n);
    json_t *docs = docs_of(files);
    assert_int_equal(json_array_size(docs), 3000);
    assert_string_equal(json_string_value(json_array_get(json_array_get(docs, 2999), 0)),
                        "Supporter 02999");
    json_t *p = postings(files, "listened");
    assert_int_equal(json_array_size(p), 3000);
    json_decref(p);
    json_decref(docs);
    json_decref(files);
    search_free(s);
}

/* ---- the files as bytes ----------------------------------------------------- */

/* A small seeded generator: the same documents on every run. */
static uint32_t next_rand(uint64_t *st)
{
    *st ^= *st << 13;
    *st ^= *st >> 7;
    *st ^= *st << 17;
    return (uint32_t)(*st >> 32);
}

/* What documents are made of: stop words, quotes, backslashes, control
 * bytes, '/', accents, other scripts, and byte sequences jansson does not
 * take for UTF-8 (a term holding one is left out; a document holding one
 * is mended). */
static const char *const WORDS[] =
    {"the",       "and",    "their",           "these",       "with",
     "IS",        "an",     "burnout",         "listened",    "moral",
     "injury",    "word",   "words",           "x",           "it's",
     "555-0142",  "a/b",    "\"quoted\"",      "back\\slash", "tab\there",
     "new\nline", "\b\f\r", "\x01\x02\x1f\x7f"};
static const char *const UTF8[] = {"Café",     "Straße", "ΩMEGA",        "Москва",
                                   "—",        "😀",      "中文",         "e\xcc\x81",
                                   "×",        "Łódź",   "\xed\xa0\x80", "\xf4\x90\x80\x80",
                                   "\xc1\x81", "\xff"};
#define NWORDS (sizeof WORDS / sizeof *WORDS)
#define NUTF8 (sizeof UTF8 / sizeof *UTF8)

static void random_words(struct buf *b, uint64_t *st, unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        uint32_t r = next_rand(st);
        if (r % 11 == 0) {
            /* A word past MAX_TERM (40 bytes), not indexed. */
            for (unsigned k = 0; k < 41 + r / 11 % 20; k++)
                buf_putc(b, (char)('a' + k % 26));
        } else if (r % 7 == 0) {
            /* Any bytes but NUL (documents are C strings). */
            unsigned len = 1 + r / 7 % 12;
            for (unsigned k = 0; k < len; k++) {
                uint32_t c = next_rand(st);
                buf_putc(b, (char)(c % 3 ? 'a' + c / 3 % 26 : 1 + c / 3 % 255));
            }
        } else {
            size_t k = r / 7 % (NWORDS + NUTF8);
            buf_puts(b, k < NWORDS ? WORDS[k] : UTF8[k - NWORDS]);
        }
        buf_putc(b, " ,\n"[r / 1000 % 3]);
    }
}

/* A page: headings with and without ids, FAQ-like articles, what is hidden,
 * comments, scripts, entities (two of them no character at all). */
static void random_page(struct buf *b, uint64_t *st)
{
    buf_puts(b, "<html><body><nav>menu</nav><main id=\"main\">");
    unsigned parts = next_rand(st) % 12;
    for (unsigned i = 0; i < parts; i++) {
        uint32_t r = next_rand(st);
        unsigned level = 1 + r / 16 % 4;
        switch (r % 10) {
        case 0:
        case 1:
            buf_printf(b, "<h%u%s>", level, r / 64 % 2 ? " id=\"h\"" : "");
            random_words(b, st, 1 + r / 128 % 4);
            buf_printf(b, "</h%u>", level);
            break;
        case 2: buf_printf(b, "<article id=\"q%u\">", r / 16 % 50); break;
        case 3: buf_puts(b, "</article>"); break;
        case 4:
            buf_puts(b, "<div hidden><p>hiddenword</p></div><p data-search-ignore>x</p>");
            break;
        case 5: buf_puts(b, "<!-- commentword --><script>var s = 'nope';</script><br><hr/>"); break;
        case 6:
            buf_puts(b, "<p>&amp; &lt;&gt; &quot;&nbsp;&#233; &#x2014; &#xD800; &#x110000;</p>");
            break;
        default:
            buf_puts(b, "<p>");
            random_words(b, st, r / 16 % 50);
            buf_puts(b, "</p>");
            break;
        }
    }
    buf_puts(b, "</main><footer>footerword</footer></body></html>");
}

/* The files an index writes, in order: "path\n" then the bytes, each. */
struct written {
    struct buf all;
    size_t files;
};

static int keep_file(void *ctx, const char *path, const char *data, size_t len)
{
    struct written *w = ctx;
    buf_printf(&w->all, "%s\n", path);
    buf_append(&w->all, data, len);
    buf_putc(&w->all, '\n');
    w->files++;
    return 0;
}

/* Fails showing where want and got part, with some bytes of each. */
static void expect_same_bytes(const char *what, const char *want, size_t wlen, const char *got,
                              size_t glen)
{
    size_t i = 0;
    while (i < wlen && i < glen && want[i] == got[i])
        i++;
    if (i == wlen && i == glen)
        return;
    size_t from = i > 40 ? i - 40 : 0;
    int wn = (int)((wlen - from) < 120 ? wlen - from : 120);
    int gn = (int)((glen - from) < 120 ? glen - from : 120);
    fail_msg("%s: differs at byte %zu of %zu (got %zu bytes)\nexpected ...%.*s\ngot      ...%.*s",
             what, i, wlen, glen, wn, want + from, gn, got + from);
}

/* Each file is what json_dumps(JSON_COMPACT | JSON_PRESERVE_ORDER) writes
 * for the value it holds, and they come in the order the index has always
 * written them: term shards, document chunks, then the entry. */
struct check {
    unsigned shards, chunks, entries;
};

static int check_file(void *ctx, const char *path, const char *data, size_t len)
{
    struct check *c = ctx;
    char want_path[64];
    if (c->entries)
        fail_msg("%s written after search-index.json", path);
    if (!strcmp(path, "search-index.json")) {
        c->entries++;
    } else if (!strncmp(path, "search-index/t-", 15)) {
        snprintf(want_path, sizeof want_path, "search-index/t-%u.json", c->shards++);
        if (c->chunks || strcmp(path, want_path))
            fail_msg("expected the file %s next, got %s", c->chunks ? "d-..." : want_path, path);
    } else {
        snprintf(want_path, sizeof want_path, "search-index/d-%u.json", c->chunks++);
        if (strcmp(path, want_path))
            fail_msg("expected the file %s next, got %s", want_path, path);
    }
    json_error_t err;
    json_t *v = json_loadb(data, len, 0, &err);
    if (!v)
        fail_msg("%s is no JSON: %s at byte %d\n%.*s", path, err.text, err.position,
                 (int)(len < 400 ? len : 400), data);
    char *again = json_dumps(v, JSON_COMPACT | JSON_PRESERVE_ORDER);
    assert_non_null(again);
    expect_same_bytes(path, again, strlen(again), data, len);
    free(again);
    json_decref(v);
    return 0;
}

static void test_written_as_jansson(void **state)
{
    (void)state;
    uint64_t st = 0x9E3779B97F4A7C15ull;
    struct search *s = search_new();
    struct buf title = BUF_INIT, trail = BUF_INIT, text = BUF_INIT, url = BUF_INIT;
    for (int i = 0; i < 400; i++) {
        buf_reset(&title);
        buf_reset(&trail);
        buf_reset(&text);
        buf_reset(&url);
        random_words(&title, &st, 1 + next_rand(&st) % 4);
        random_words(&trail, &st, next_rand(&st) % 3);
        random_words(&text, &st, next_rand(&st) % 120);
        buf_printf(&url, "page-%d/#\"q\\%d", i, i % 7);
        if (i % 5 == 0) {
            buf_reset(&text);
            random_page(&text, &st);
            search_add_html(s, url.data, i % 2 ? trail.data : NULL, text.data, text.len);
        } else {
            search_add_doc(s, title.data, url.data, trail.data, text.data ? text.data : "");
        }
    }
    struct check c = {0};
    assert_int_equal(search_write(s, check_file, &c), 0);
    assert_int_equal(c.entries, 1);
    assert_true(c.shards > 1 && c.chunks > 1); /* several of each, for the order */

    /* The stop list is sorted and its words short: is_stop relies on both. */
    json_t *files = search_files(s);
    assert_non_null(files);
    json_t *stop = json_object_get(json_object_get(files, "search-index.json"), "stop");
    assert_true(json_array_size(stop) > 10);
    for (size_t i = 0; i < json_array_size(stop); i++) {
        const char *w = json_string_value(json_array_get(stop, i));
        if (strlen(w) > 5)
            fail_msg("stop word \"%s\": expected at most 5 bytes, got %zu", w, strlen(w));
        if (i && strcmp(json_string_value(json_array_get(stop, i - 1)), w) >= 0)
            fail_msg("stop words: expected \"%s\" after \"%s\" in order",
                     json_string_value(json_array_get(stop, i - 1)), w);
    }
    json_decref(files);
    buf_free(&title);
    buf_free(&trail);
    buf_free(&text);
    buf_free(&url);
    search_free(s);
}

/* site.js finds document i at i % chunk of chunk i / chunk: a document
 * whose bytes are not all UTF-8 keeps its place, mended with U+FFFD, and an
 * entity naming no character reads as U+FFFD, as a browser reads it. */
static void test_every_document_in_its_place(void **state)
{
    (void)state;
    struct search *s = search_new();
    search_add_doc(s, "First", "a/", "", "alpha");
    search_add_doc(s, "Bad \xff bytes", "b/", "", "beta \xed\xa0\x80 \xc1\x81 end");
    const char *page = "<main><h1>Entities</h1><p>gamma &#xD800; &#x110000; &#233;</p></main>";
    search_add_html(s, "c/", NULL, page, strlen(page));
    search_add_doc(s, "Last", "d/", "", "delta");
    json_t *files = search_files(s);
    assert_non_null(files);
    json_t *docs = json_object_get(files, "search-index/d-0.json");
    if (json_array_size(docs) != 4)
        fail_msg("documents in d-0.json: expected 4, got %zu", json_array_size(docs));
    static const char *const want[][2] = {{"First", "alpha"},
                                          {"Bad \xef\xbf\xbd bytes",
                                           "beta \xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd "
                                           "\xef\xbf\xbd\xef\xbf\xbd end"},
                                          {"Entities", "gamma \xef\xbf\xbd \xef\xbf\xbd \xc3\xa9"},
                                          {"Last", "delta"}};
    for (size_t i = 0; i < 4; i++) {
        json_t *d = json_array_get(docs, i);
        const char *title = json_string_value(json_array_get(d, 0));
        const char *text = json_string_value(json_array_get(d, 3));
        if (!title || strcmp(title, want[i][0]))
            fail_msg("document %zu's title: expected \"%s\", got \"%s\"", i, want[i][0],
                     title ? title : "(none)");
        if (!text || strcmp(text, want[i][1]))
            fail_msg("document %zu's text: expected \"%s\", got \"%s\"", i, want[i][1],
                     text ? text : "(none)");
    }
    json_decref(files);
    search_free(s);
}

/* An empty index still has its files: one shard, one (empty) chunk. */
static void test_empty(void **state)
{
    (void)state;
    struct search *s = search_new();
    struct written w = {BUF_INIT, 0};
    assert_int_equal(search_write(s, keep_file, &w), 0);
    const char *want =
        "search-index/t-0.json\n{}\nsearch-index/d-0.json\n[]\n"
        "search-index.json\n{\"v\":2,\"docs\":0,\"shards\":1,\"chunk\":512,"
        "\"stop\":[\"an\",\"and\",\"are\",\"as\",\"at\",\"be\",\"but\",\"by\",\"for\","
        "\"from\",\"if\",\"in\",\"into\",\"is\",\"it\",\"its\",\"of\",\"on\",\"or\","
        "\"so\",\"that\",\"the\",\"their\",\"then\",\"there\",\"these\",\"this\",\"to\","
        "\"was\",\"were\",\"will\",\"with\"]}\n";
    expect_same_bytes("empty index", want, strlen(want), w.all.data, w.all.len);
    buf_free(&w.all);
    search_free(s);
}

/* ---- pages scanned on threads ------------------------------------------------ */

#define THREAD_PAGES 240
#define THREADS 4

struct scan_job {
    char *html[THREAD_PAGES];
    size_t len[THREAD_PAGES];
    struct search_page *page[THREAD_PAGES];
};

static const char *page_url(int i)
{
    static const char *const urls[] = {"faq/", "", "supporters/ada/", "about/"};
    return urls[i % 4];
}

static const char *page_label(int i)
{
    return i % 4 == 2 ? "Peer supporters" : NULL;
}

struct scan_arg {
    struct scan_job *job;
    int first; /* this thread scans pages first, first + THREADS, ... */
};

static void *scan_some(void *arg)
{
    struct scan_arg *a = arg;
    for (int i = a->first; i < THREAD_PAGES; i += THREADS)
        a->job->page[i] =
            search_scan_html(page_url(i), page_label(i), a->job->html[i], a->job->len[i]);
    return NULL;
}

struct format_arg {
    const struct search_plan *plan;
    struct buf *files; /* one per file of the plan */
    int first;         /* this thread formats files first, first + THREADS, ... */
};

static void *format_some(void *arg)
{
    struct format_arg *a = arg;
    for (size_t i = (size_t)a->first; i < search_plan_files(a->plan); i += THREADS)
        search_plan_file(a->plan, i, &a->files[i]);
    return NULL;
}

/* The index's files formatted on several threads, from the end backwards,
 * read as search_write writes them. */
static void expect_plan_on_threads(struct search *s, const struct written *want)
{
    struct search_plan *plan = search_plan_new(s);
    size_t n = search_plan_files(plan);
    struct buf *files = calloc(n, sizeof *files);
    assert_non_null(files);
    pthread_t t[THREADS];
    struct format_arg args[THREADS];
    for (int k = 0; k < THREADS; k++) {
        args[k] = (struct format_arg){plan, files, THREADS - 1 - k};
        assert_int_equal(pthread_create(&t[k], NULL, format_some, &args[k]), 0);
    }
    for (int k = 0; k < THREADS; k++)
        pthread_join(t[k], NULL);
    struct written got = {BUF_INIT, 0};
    char path[SEARCH_PATH_MAX];
    for (size_t i = 0; i < n; i++) {
        search_plan_path(plan, i, path);
        keep_file(&got, path, files[i].data, files[i].len);
        buf_free(&files[i]);
    }
    if (got.files != want->files)
        fail_msg("files formatted on threads: expected %zu, got %zu", want->files, got.files);
    expect_same_bytes("index formatted on threads", want->all.data, want->all.len, got.all.data,
                      got.all.len);
    buf_free(&got.all);
    free(files);
    search_plan_free(plan);
}

static void test_threads(void **state)
{
    (void)state;
    struct scan_job job = {0};
    uint64_t st = 42;
    for (int i = 0; i < THREAD_PAGES; i++) {
        struct buf b = BUF_INIT;
        random_page(&b, &st);
        job.len[i] = b.len;
        job.html[i] = buf_detach(&b);
    }
    struct search *one = search_new(), *many = search_new();
    for (int i = 0; i < THREAD_PAGES; i++)
        search_add_html(one, page_url(i), page_label(i), job.html[i], job.len[i]);

    pthread_t t[THREADS];
    struct scan_arg args[THREADS];
    for (int k = 0; k < THREADS; k++) {
        args[k] = (struct scan_arg){&job, k};
        assert_int_equal(pthread_create(&t[k], NULL, scan_some, &args[k]), 0);
    }
    for (int k = 0; k < THREADS; k++)
        pthread_join(t[k], NULL);
    for (int i = 0; i < THREAD_PAGES; i++)
        search_add_page(many, job.page[i]);
    /* A page scanned but never added is freed on its own. */
    search_page_free(search_scan_html("x/", NULL, job.html[0], job.len[0]));
    search_page_free(NULL);
    search_add_page(many, NULL);

    struct written a = {BUF_INIT, 0}, b = {BUF_INIT, 0};
    assert_int_equal(search_write(one, keep_file, &a), 0);
    assert_int_equal(search_write(many, keep_file, &b), 0);
    assert_true(a.files >= 3);
    expect_same_bytes("index from pages scanned on threads", a.all.data, a.all.len, b.all.data,
                      b.all.len);
    expect_plan_on_threads(many, &a);
    buf_free(&a.all);
    buf_free(&b.all);
    for (int i = 0; i < THREAD_PAGES; i++)
        free(job.html[i]);
    search_free(one);
    search_free(many);
}

/* ---- the index patched in place ----------------------------------------------- */

#define PATCH_PAGES 1500

/* Every file of the index planned from s: its bytes, by place. */
struct files {
    size_t n;
    char (*path)[SEARCH_PATH_MAX];
    struct buf *bytes;
    struct buf saved;
};

static void plan_files(struct search *s, struct files *f)
{
    struct search_plan *plan = search_plan_new(s);
    f->n = search_plan_files(plan);
    f->path = calloc(f->n, sizeof *f->path);
    f->bytes = calloc(f->n, sizeof *f->bytes);
    assert_true(f->path && f->bytes);
    for (size_t i = 0; i < f->n; i++) {
        search_plan_path(plan, i, f->path[i]);
        search_plan_file(plan, i, &f->bytes[i]);
    }
    f->saved = (struct buf)BUF_INIT;
    search_plan_save(plan, &f->saved);
    search_plan_free(plan);
}

static void free_files(struct files *f)
{
    for (size_t i = 0; i < f->n; i++)
        buf_free(&f->bytes[i]);
    free(f->path);
    free(f->bytes);
    buf_free(&f->saved);
}

/* The index of pages html[0..PATCH_PAGES), scanned afresh. */
static void whole_index(char **html, size_t *len, struct files *f)
{
    struct search *s = search_new();
    for (int i = 0; i < PATCH_PAGES; i++)
        search_add_page(s, search_scan_html(page_url(i), page_label(i), html[i], len[i]));
    plan_files(s, f);
    search_free(s);
}

/* A page made again: its HTML now b's, its scan p. */
static void make_again(char **html, size_t *len, struct search_page **page, struct buf *b,
                       struct search_page *p)
{
    free(*html);
    *len = b->len;
    *html = buf_detach(b);
    search_page_free(*page);
    *page = p;
}

/* A patch of the last index, where a few pages were made again with as many
 * documents each, writes what the whole index of the new pages writes: the
 * files it calls dirty byte for byte, and the others were the same before.
 * Round after round, each from the last one's saved patch. */
static void test_patch_equals_whole(void **state)
{
    (void)state;
    uint64_t st = 7;
    char *html[PATCH_PAGES];
    size_t len[PATCH_PAGES];
    for (int i = 0; i < PATCH_PAGES; i++) {
        struct buf b = BUF_INIT;
        random_page(&b, &st);
        len[i] = b.len;
        html[i] = buf_detach(&b);
    }
    struct files before;
    whole_index(html, len, &before);
    struct buf base = BUF_INIT;
    buf_append(&base, before.saved.data, before.saved.len);
    int patched = 0, dirty_total = 0, clean_total = 0;
    for (int round = 0; round < 12; round++) {
        struct search_page *pages[PATCH_PAGES];
        size_t first[PATCH_PAGES + 1];
        first[0] = 0;
        for (int i = 0; i < PATCH_PAGES; i++) {
            pages[i] = search_scan_html(page_url(i), page_label(i), html[i], len[i]);
            first[i + 1] = first[i] + search_page_ndocs(pages[i]);
        }
        /* A few pages made again, as many documents each. */
        bool again[PATCH_PAGES] = {0};
        int n = 1 + round % 5;
        for (int k = 0; k < n; k++) {
            int i = (int)(next_rand(&st) % PATCH_PAGES);
            for (int tries = 0; tries < 5000; tries++) {
                struct buf b = BUF_INIT;
                random_page(&b, &st);
                struct search_page *p = search_scan_html(page_url(i), page_label(i), b.data, b.len);
                if (search_page_ndocs(p) == search_page_ndocs(pages[i])) {
                    make_again(&html[i], &len[i], &pages[i], &b, p);
                    again[i] = true;
                    break;
                }
                search_page_free(p);
                buf_free(&b);
            }
        }
        /* Every third round, a page of one document becomes one word many
         * times: one shard touched, but the average length moves, and with
         * it weights in shards no replaced document touches. */
        for (int i = 0; round % 3 == 2 && i < PATCH_PAGES; i++) {
            if (again[i] || search_page_ndocs(pages[i]) != 1)
                continue;
            struct buf b = BUF_INIT;
            buf_puts(&b, "<main><h1>Zeta</h1><p>");
            for (int k = 0; k < 400 + 300 * round; k++)
                buf_puts(&b, "zeta ");
            buf_puts(&b, "</p></main>");
            struct search_page *p = search_scan_html(page_url(i), page_label(i), b.data, b.len);
            assert_int_equal(search_page_ndocs(p), 1);
            make_again(&html[i], &len[i], &pages[i], &b, p);
            again[i] = true;
            break;
        }
        struct files after;
        whole_index(html, len, &after);

        struct search_patch *patch = search_patch_load(base.data, base.len);
        assert_non_null(patch);
        assert_int_equal(search_patch_ndocs(patch), first[PATCH_PAGES]);
        for (int i = 0; i < PATCH_PAGES; i++)
            if (again[i])
                assert_true(search_patch_replace(patch, first[i], pages[i]));
        if (!search_patch_apply(patch)) {
            /* Only when the index's shape changed: other files. */
            assert_true(after.n != before.n ||
                        strcmp(after.bytes[after.n - 1].data, before.bytes[before.n - 1].data));
        } else {
            patched++;
            if (search_patch_files(patch) != after.n)
                fail_msg("patched index: expected %zu files, got %zu", after.n,
                         search_patch_files(patch));
            struct buf out = BUF_INIT;
            for (size_t i = 0; i < after.n; i++) {
                char path[SEARCH_PATH_MAX];
                search_patch_path(patch, i, path);
                assert_string_equal(path, after.path[i]);
                size_t from, to;
                bool chunk = search_patch_chunk(patch, i, &from, &to);
                if (!search_patch_dirty(patch, i)) {
                    clean_total++;
                    expect_same_bytes(path, after.bytes[i].data, after.bytes[i].len,
                                      before.bytes[i].data, before.bytes[i].len);
                    continue;
                }
                dirty_total++;
                if (chunk) {
                    /* The pages that hold the chunk's documents. */
                    int a = 0;
                    while (first[a + 1] <= from)
                        a++;
                    int b = a;
                    while (b < PATCH_PAGES && first[b] < to)
                        b++;
                    search_format_docs((const struct search_page *const *)pages + a,
                                       (size_t)(b - a), from - first[a], to - from, &out);
                } else {
                    search_patch_shard(patch, i, &out);
                }
                expect_same_bytes(path, after.bytes[i].data, after.bytes[i].len, out.data, out.len);
            }
            buf_reset(&out);
            search_patch_save(patch, &out);
            expect_same_bytes("the patch saved", after.saved.data, after.saved.len, out.data,
                              out.len);
            buf_reset(&base);
            buf_append(&base, out.data, out.len);
            buf_free(&out);
        }
        if (!patched || base.len != after.saved.len) {
            buf_reset(&base);
            buf_append(&base, after.saved.data, after.saved.len);
        }
        search_patch_free(patch);
        for (int i = 0; i < PATCH_PAGES; i++)
            search_page_free(pages[i]);
        free_files(&before);
        before = after;
    }
    print_message("patched %d of 12 rounds; %d files dirty, %d clean\n", patched, dirty_total,
                  clean_total);
    /* The rounds did patch, and a patch left most files alone. */
    if (patched < 8 || clean_total <= dirty_total)
        fail_msg("expected most rounds patched and most files clean, got %d of 12 patched, "
                 "%d dirty files against %d clean",
                 patched, dirty_total, clean_total);
    free_files(&before);
    buf_free(&base);
    for (int i = 0; i < PATCH_PAGES; i++)
        free(html[i]);
}

/* A saved index cut short or changed anywhere is refused or read within
 * its bounds (ASan says which), never trusted past them. */
static void test_patch_damaged(void **state)
{
    (void)state;
    struct search *s = search_new();
    uint64_t st = 11;
    for (int i = 0; i < 40; i++) {
        struct buf b = BUF_INIT;
        random_page(&b, &st);
        search_add_html(s, page_url(i), page_label(i), b.data, b.len);
        buf_free(&b);
    }
    struct files f;
    plan_files(s, &f);
    search_free(s);
    struct search_patch *whole = search_patch_load(f.saved.data, f.saved.len);
    assert_non_null(whole);
    search_patch_free(whole);
    for (size_t cut = 0; cut < f.saved.len; cut++)
        if (search_patch_load(f.saved.data, cut))
            fail_msg("a saved index cut at byte %zu of %zu: expected it refused", cut, f.saved.len);
    char *copy = malloc(f.saved.len);
    assert_non_null(copy);
    for (size_t i = 0; i < f.saved.len; i++) {
        memcpy(copy, f.saved.data, f.saved.len);
        copy[i] ^= (char)(1 + i % 255);
        struct search_patch *p = search_patch_load(copy, f.saved.len);
        if (p && search_patch_apply(p)) {
            struct buf out = BUF_INIT;
            for (size_t k = 0; k < search_patch_files(p); k++) {
                size_t from, to;
                if (search_patch_dirty(p, k) && !search_patch_chunk(p, k, &from, &to) &&
                    k + 1 < search_patch_files(p))
                    search_patch_shard(p, k, &out);
            }
            buf_free(&out);
        }
        search_patch_free(p);
    }
    free(copy);
    free_files(&f);
}

/* Each term shard of an applied patch: the patch's bytes equal after's when
 * it calls the shard dirty, before's equal after's when not. Returns how
 * many were dirty. */
static int expect_shards_patched(const struct search_patch *patch, const struct files *before,
                                 const struct files *after)
{
    struct buf out = BUF_INIT;
    int dirty = 0;
    for (size_t i = 0; i < after->n; i++) {
        size_t from, to;
        if (!search_patch_dirty(patch, i)) {
            expect_same_bytes(after->path[i], after->bytes[i].data, after->bytes[i].len,
                              before->bytes[i].data, before->bytes[i].len);
        } else if (!search_patch_chunk(patch, i, &from, &to) && i + 1 < after->n) {
            search_patch_shard(patch, i, &out);
            expect_same_bytes(after->path[i], after->bytes[i].data, after->bytes[i].len, out.data,
                              out.len);
            dirty++;
        }
    }
    buf_free(&out);
    return dirty;
}

/* A document whose words become others of as many bytes but more of them
 * counted (stop words become indexed ones): one shard touched, but the
 * average length moves, and with it weights in shards no replaced document
 * touches. The patch finds those too. */
static void test_patch_average_moves(void **state)
{
    (void)state;
    enum { PAGES = 1200 };
    char *html[PAGES];
    size_t len[PAGES];
    uint64_t st = 3;
    for (int i = 0; i < PAGES; i++) {
        struct buf b = BUF_INIT;
        buf_printf(&b, "<main><h1>Title %d</h1><p>", i);
        for (int k = 0; i == 0 && k < 300; k++)
            buf_puts(&b, "the "); /* 1,200 bytes, no word counted */
        for (int k = 0; i && k < 30; k++)
            buf_printf(&b, "w%u ", next_rand(&st) % 3000);
        buf_puts(&b, "</p></main>");
        len[i] = b.len;
        html[i] = buf_detach(&b);
    }
    struct search *s = search_new();
    for (int i = 0; i < PAGES; i++)
        search_add_html(s, "p/", NULL, html[i], len[i]);
    struct files before;
    plan_files(s, &before);
    search_free(s);
    assert_true(before.n > 8); /* several shards */

    /* As many bytes, 400 words counted. */
    struct buf b = BUF_INIT;
    buf_puts(&b, "<main><h1>Title 0</h1><p>");
    for (int k = 0; k < 400; k++)
        buf_puts(&b, "qq ");
    buf_puts(&b, "</p></main>");
    struct search_page *page = search_scan_html("p/", NULL, b.data, b.len);
    free(html[0]);
    len[0] = b.len;
    html[0] = buf_detach(&b);
    s = search_new();
    for (int i = 0; i < PAGES; i++)
        search_add_html(s, "p/", NULL, html[i], len[i]);
    struct files after;
    plan_files(s, &after);
    search_free(s);

    struct search_patch *patch = search_patch_load(before.saved.data, before.saved.len);
    assert_non_null(patch);
    assert_true(search_patch_replace(patch, 0, page));
    assert_true(search_patch_apply(patch));
    assert_int_equal(search_patch_files(patch), after.n);
    int moved = expect_shards_patched(patch, &before, &after);
    /* "title", "0" and "qq": at most three shards touched. */
    if (moved <= 3)
        fail_msg("expected shards rewritten for the average alone, got %d shards dirty", moved);
    search_patch_free(patch);
    search_page_free(page);
    free_files(&before);
    free_files(&after);
    for (int i = 0; i < PAGES; i++)
        free(html[i]);
}

/* Page i of the trade below: thirty words, and ten more, counted ("yyy")
 * or not ("the"), on pages 1 and 2. */
static void trade_page(struct buf *b, int i, uint64_t *st, bool counted)
{
    buf_printf(b, "<main><h1>Title %d</h1><p>", i);
    for (int k = 0; k < 30; k++)
        buf_printf(b, "w%u ", next_rand(st) % 3000);
    for (int k = 0; (i == 1 || i == 2) && k < 10; k++)
        buf_puts(b, counted ? "yyy " : "the ");
    buf_puts(b, "</p></main>");
}

/* Two documents trade ten counted words (as many bytes each): the average
 * length stays, but each one's own moves, and with it the weights of the
 * terms they keep as they were. */
static void test_patch_lengths_trade(void **state)
{
    (void)state;
    enum { PAGES = 1200 };
    struct files before, after;
    struct search_page *now[3] = {NULL};
    for (int version = 0; version < 2; version++) {
        uint64_t st = 5;
        struct search *s = search_new();
        for (int i = 0; i < PAGES; i++) {
            struct buf b = BUF_INIT;
            trade_page(&b, i, &st, (i == 2) == (version == 0));
            if (version == 1 && (i == 1 || i == 2))
                now[i] = search_scan_html("p/", NULL, b.data, b.len);
            search_add_html(s, "p/", NULL, b.data, b.len);
            buf_free(&b);
        }
        plan_files(s, version ? &after : &before);
        search_free(s);
    }
    struct search_patch *patch = search_patch_load(before.saved.data, before.saved.len);
    assert_non_null(patch);
    assert_int_equal(search_page_ndocs(now[1]), 1);
    assert_true(search_patch_replace(patch, 1, now[1]));
    assert_true(search_patch_replace(patch, 2, now[2]));
    assert_true(search_patch_apply(patch));
    assert_int_equal(search_patch_files(patch), after.n);
    expect_shards_patched(patch, &before, &after);
    search_patch_free(patch);
    search_page_free(now[1]);
    search_page_free(now[2]);
    free_files(&before);
    free_files(&after);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fold),
        cmocka_unit_test(test_shard),
        cmocka_unit_test(test_sections),
        cmocka_unit_test(test_weights_and_files),
        cmocka_unit_test(test_split),
        cmocka_unit_test(test_written_as_jansson),
        cmocka_unit_test(test_empty),
        cmocka_unit_test(test_threads),
        cmocka_unit_test(test_every_document_in_its_place),
        cmocka_unit_test(test_patch_equals_whole),
        cmocka_unit_test(test_patch_average_moves),
        cmocka_unit_test(test_patch_lengths_trade),
        cmocka_unit_test(test_patch_damaged),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
