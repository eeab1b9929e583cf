/* Unit tests for generator/reuse.c (the record a build keeps for the next)
 * and the search pages it holds (search_page_save/load): what is written
 * reads back; a record made under another key, cut short, pointing outside
 * its data, paired with other data, with damaged data or mostly dead is not
 * used; every prefix
 * of a saved search page is refused or read whole, never past its end. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "reuse.h"
#include "search.h"

static char dir[] = "/tmp/peerkit-reuse-XXXXXX";

static char *in_dir(const char *name)
{
    char *p = NULL;
    if (asprintf(&p, "%s/%s", dir, name) < 0)
        abort();
    return p;
}

static void put_file(const char *name, const void *data, size_t len)
{
    char *p = in_dir(name);
    FILE *f = fopen(p, "w");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    fclose(f);
    free(p);
}

static const uint8_t key[REUSE_KEY_BYTES] = {1, 2, 3};

/* w's index written as REUSE_FILE, its pieces one after another; their
 * number in *npieces when asked. */
static void put_index(struct reuse_writer *w, size_t *npieces)
{
    size_t n, len = 0;
    const struct fs_piece *pieces = reuse_index_pieces(w, &n);
    assert_non_null(pieces);
    for (size_t i = 0; i < n; i++)
        len += pieces[i].len;
    char *all = malloc(len ? len : 1), *at = all;
    assert_non_null(all);
    for (size_t i = 0; i < n; i++) {
        assert_non_null(pieces[i].data); /* never a copy from a file */
        memcpy(at, pieces[i].data, pieces[i].len);
        at += pieces[i].len;
    }
    put_file(REUSE_FILE, all, len); /* after the copy: prev's index may be this file */
    free(all);
    if (npieces)
        *npieces = n;
}

/* How many texts of r's data do not read back whole: every item's four, the
 * pages' search documents and the assets. */
static size_t texts_not_whole(const struct reuse *r)
{
    size_t bad = 0;
    for (size_t i = 0; i < reuse_nitems(r); i++) {
        const struct reuse_item *it = reuse_item(r, i);
        const struct reuse_text *t[] = {&it->values, &it->card, &it->entry, &it->answer};
        for (size_t k = 0; k < 4; k++)
            bad += !reuse_whole(r, t[k]);
    }
    const char *pages[] = {"index.html", "faq/index.html"};
    for (size_t k = 0; k < 2; k++) {
        const struct reuse_page *pg = reuse_find_page(r, pages[k]);
        bad += !pg || !reuse_whole(r, &pg->search);
    }
    bad += !reuse_whole(r, reuse_assets(r));
    return bad;
}

/* The record file name, written with each of its bytes in turn changed (xor
 * flip), is caught every time: refused when it loads, or (texts: the data,
 * whose texts are checked where they are used, not only their bounds) with a
 * text that does not read back whole, so damage is never put back into a
 * site. The file is left holding the last change. */
static void expect_every_byte_caught(const char *name, const char *bytes, size_t len,
                                     unsigned char flip, bool texts)
{
    char *changed = malloc(len);
    assert_non_null(changed);
    for (size_t i = 0; i < len; i++) {
        memcpy(changed, bytes, len);
        changed[i] ^= (char)flip;
        put_file(name, changed, len);
        struct reuse *r = reuse_load(dir, key);
        if (r && (!texts || texts_not_whole(r) == 0))
            fail_msg("%s with byte %zu of %zu changed: expected it refused%s, got it used", name, i,
                     len, texts ? " or a text not whole" : "");
        reuse_free(r);
    }
    free(changed);
}

/* A record of two items and two pages, written into dir. */
static void write_record(const struct reuse *prev)
{
    struct reuse_writer *w = reuse_writer_new(key, 1, dir, prev);
    struct reuse_stamp st = {10, 20, 30, 40};
    json_t *amara = json_pack("{s:s, s:b, s:[s, s], s:s, s:i}", "name", "Amara Okafor", "accepting",
                              1, "languages", "English", "Igbo", "role", "faculty", "src", 3);
    json_t *cost =
        json_pack("{s:s, s:s, s:i}", "question", "Does it cost?", "category", "About", "order", 6);
    if (prev) {
        reuse_keep_item(w, reuse_find_item(prev, "c/supporters/amara.md"), &st, false);
    } else {
        reuse_add_item(w, REUSE_SUPPORTER, "c/supporters/amara.md", &st, "2026-11-02", false, amara,
                       "<li>A</li>", 10, "{\"slug\": \"amara\"}", 17, NULL, 0);
    }
    reuse_add_item(w, REUSE_FAQ, "c/faq/cost.md", &st, "", true, cost, NULL, 0, NULL, 0,
                   "<p>No.</p>", 10);
    const char *ids[] = {"index.html#main", "index.html#top"};
    if (prev) /* kept as it was: its bytes copied */
        reuse_keep_page(w, reuse_find_page(prev, "index.html"), ids);
    else
        reuse_add_page(w, "index.html", "SEARCH", 6, 3, ids, 2);
    reuse_add_page(w, "faq/index.html", NULL, 0, 0, ids, 0);
    if (!prev) {
        reuse_set_search(w, "INDEX", 5);
        put_file(REUSE_SEARCH, "INDEX", 5);
        reuse_set_assets(w, "{}", 2);
    }
    put_index(w, NULL);
    reuse_writer_free(w);
    json_decref(amara);
    json_decref(cost);
}

/* A rebuild that keeps every item and page writes them as runs of the last
 * index (a piece each, however many they are), and the index reads back
 * with the same items and pages; a changed item in the middle splits the
 * items' run in two. */
static void test_kept_runs(void **state)
{
    (void)state;
    enum { N = 50 };
    struct reuse_writer *w = reuse_writer_new(key, 1, dir, NULL);
    struct reuse_stamp st = {10, 20, 30, 40};
    json_t *values = json_pack("{s:s}", "name", "Someone");
    char path[64];
    for (int i = 0; i < N; i++) {
        snprintf(path, sizeof path, "c/supporters/s%02d.md", i);
        reuse_add_item(w, REUSE_SUPPORTER, path, &st, "", false, values, "<li>", 4, "{}", 2, NULL,
                       0);
        snprintf(path, sizeof path, "supporters/s%02d/index.html", i);
        const char *ids[] = {path};
        reuse_add_page(w, path, "DOCS", 4, 1, ids, 1);
    }
    reuse_set_assets(w, "{}", 2);
    put_index(w, NULL);
    reuse_writer_free(w);
    for (int changed = -1; changed <= N / 2; changed += N / 2 + 1) {
        struct reuse *prev = reuse_load(dir, key);
        assert_non_null(prev);
        w = reuse_writer_new(key, 2, dir, prev);
        for (size_t i = 0; i < reuse_nitems(prev); i++) {
            const struct reuse_item *it = reuse_item(prev, i);
            struct reuse_stamp now = it->stamp;
            now.mtime_ns += (int)i == changed; /* a file edited since */
            reuse_keep_item(w, it, &now, false);
        }
        for (size_t i = 0; i < reuse_npages(prev); i++) {
            const struct reuse_page *pg = reuse_page_at(prev, i);
            const char *ids[] = {pg->ids[0].s};
            reuse_keep_page(w, pg, ids);
        }
        reuse_set_assets(w, "{}", 2);
        size_t npieces;
        put_index(w, &npieces);
        reuse_writer_free(w);
        reuse_free(prev);
        /* The head, the items' run, the pages' count, the pages' run, and
         * five pieces after them (files' count, search, assets, trailer,
         * checksum): 9 with every item kept as it was; 11 with one changed,
         * its own bytes between two runs. One piece for each item or page
         * would be over 100. */
        size_t want = changed < 0 ? 9 : 11;
        if (npieces != want)
            fail_msg("items kept%s: expected the index in %zu pieces, got %zu",
                     changed < 0 ? "" : " but one", want, npieces);
        struct reuse *r = reuse_load(dir, key);
        assert_non_null(r);
        assert_int_equal(reuse_nitems(r), N);
        assert_int_equal(reuse_npages(r), N);
        for (int i = 0; i < N; i++) {
            snprintf(path, sizeof path, "c/supporters/s%02d.md", i);
            const struct reuse_item *it = reuse_find_item(r, path);
            assert_non_null(it);
            assert_int_equal(it->stamp.mtime_ns, 20 + (i == changed));
            assert_true(reuse_whole(r, &it->card));
            assert_string_equal(it->card.s, "<li>");
            snprintf(path, sizeof path, "supporters/s%02d/index.html", i);
            const struct reuse_page *pg = reuse_find_page(r, path);
            assert_non_null(pg);
            assert_int_equal(pg->nids, 1);
            assert_string_equal(pg->ids[0].s, path);
            assert_true(reuse_whole(r, &pg->search));
        }
        reuse_free(r);
    }
    json_decref(values);
}

/* A lookup from a place finds the item whatever the place (the next one,
 * another, past the end), and names the item after it; a record holding a
 * path twice, as an item or as a page, is not used (no build writes one,
 * and a lookup from a place could find either). */
static void test_find_from_and_twice(void **state)
{
    (void)state;
    enum { N = 20 };
    struct reuse_stamp st = {10, 20, 30, 40};
    json_t *values = json_pack("{s:s}", "name", "Someone");
    char path[64];
    for (int twice = 0; twice <= 2; twice++) {
        struct reuse_writer *w = reuse_writer_new(key, 1, dir, NULL);
        for (int i = 0; i < N; i++) {
            snprintf(path, sizeof path, "c/supporters/s%02d.md", twice == 1 && i == 7 ? 3 : i);
            reuse_add_item(w, REUSE_SUPPORTER, path, &st, "", false, values, "<li>", 4, "{}", 2,
                           NULL, 0);
            snprintf(path, sizeof path, "supporters/s%02d/index.html",
                     twice == 2 && i == 9 ? 0 : i);
            reuse_add_page(w, path, NULL, 0, 0, NULL, 0);
        }
        reuse_set_assets(w, "{}", 2);
        put_index(w, NULL);
        reuse_writer_free(w);
        struct reuse *r = reuse_load(dir, key);
        if (twice) {
            if (r)
                fail_msg("%s held twice: expected the record not used, got it read",
                         twice == 1 ? "an item's path" : "a page");
            continue;
        }
        assert_non_null(r);
        size_t next = 0;
        for (int i = 0; i < N; i++) { /* in order: each found where looked first */
            snprintf(path, sizeof path, "c/supporters/s%02d.md", i);
            const struct reuse_item *it = reuse_find_item_from(r, path, &next);
            assert_ptr_equal(it, reuse_item(r, (size_t)i));
            assert_int_equal(next, i + 1);
        }
        size_t from[] = {0, 5, N - 1, N, N + 7, SIZE_MAX};
        for (size_t k = 0; k < sizeof from / sizeof *from; k++) {
            next = from[k];
            const struct reuse_item *it = reuse_find_item_from(r, "c/supporters/s12.md", &next);
            if (it != reuse_item(r, 12) || next != 13)
                fail_msg("looked up from %zu: expected item 12 and next 13, got %s and %zu",
                         from[k], it ? it->path.s : "none", next);
            next = from[k];
            assert_null(reuse_find_item_from(r, "c/supporters/s99.md", &next));
            assert_int_equal(next, from[k]); /* not found: left as it was */
            next = from[k];
            const struct reuse_page *pg =
                reuse_find_page_from(r, "supporters/s12/index.html", &next);
            if (pg != reuse_page_at(r, 12) || next != 13)
                fail_msg("page looked up from %zu: expected page 12 and next 13, got %s and %zu",
                         from[k], pg ? pg->rel.s : "none", next);
            next = from[k];
            assert_null(reuse_find_page_from(r, "supporters/s99/index.html", &next));
            assert_int_equal(next, from[k]);
        }
        next = 0;
        for (int i = 0; i < N; i++) { /* pages in order too */
            snprintf(path, sizeof path, "supporters/s%02d/index.html", i);
            assert_ptr_equal(reuse_find_page_from(r, path, &next), reuse_page_at(r, (size_t)i));
            assert_int_equal(next, i + 1);
        }
        reuse_free(r);
    }
    json_decref(values);
}

/* A stand-in's values read where they are: every shape a record may hold
 * (anyone who can write the site's folder can write one), only the one a
 * supporter has is used. */
static void test_supporter_values(void **state)
{
    (void)state;
    static const struct {
        const char *values; /* JSON */
        bool used, accepting;
        const char *langs; /* joined by '|' */
    } cases[] = {
        {"{\"name\": \"Amara\", \"accepting\": true, \"languages\": [\"English\", \"Igbo\"], "
         "\"role\": \"faculty\", \"order\": 3}",
         true, true, "English|Igbo"},
        {"{\"languages\": [], \"accepting\": false, \"name\": \"Amara\"}", true, false, ""},
        {"{\"name\": \"Amara\", \"accepting\": true, \"languages\": [], \"photo\": \"a.jpg\"}",
         false, false, NULL},
        {"{\"name\": \"Amara\", \"languages\": []}", false, false, NULL},
        {"{\"name\": \"Amara\", \"accepting\": true}", false, false, NULL},
        {"{\"name\": \"Amara\", \"accepting\": true, \"languages\": \"English\"}", false, false,
         NULL},
        {"{\"name\": 7, \"accepting\": true, \"languages\": []}", false, false, NULL},
        {"{\"accepting\": true, \"languages\": [\"English\"]}", false, false, NULL},
    };
    struct reuse_stamp st = {1, 2, 3, 4};
    for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
        json_t *values = json_loads(cases[k].values, 0, NULL);
        assert_non_null(values);
        struct reuse_writer *w = reuse_writer_new(key, 1, dir, NULL);
        reuse_add_item(w, REUSE_SUPPORTER, "c/supporters/a.md", &st, "", false, values, "<li>", 4,
                       "{}", 2, NULL, 0);
        reuse_set_assets(w, "{}", 2);
        put_index(w, NULL);
        reuse_writer_free(w);
        json_decref(values);
        struct reuse *r = reuse_load(dir, key);
        assert_non_null(r);
        const char *name = "unset", **langs = NULL;
        bool accepting = !cases[k].accepting;
        size_t n = 99;
        bool used = reuse_supporter_values(reuse_item(r, 0), &name, &accepting, &langs, &n);
        char got[128] = "";
        for (size_t i = 0; used && i < n; i++)
            snprintf(got + strlen(got), sizeof got - strlen(got), "%s%s", i ? "|" : "", langs[i]);
        if (used != cases[k].used ||
            (used && (strcmp(name, "Amara") || accepting != cases[k].accepting ||
                      strcmp(got, cases[k].langs))))
            fail_msg("values %s: expected %s (accepting %d, languages \"%s\"), got %s (name %s, "
                     "accepting %d, languages \"%s\")",
                     cases[k].values, cases[k].used ? "used" : "not used", cases[k].accepting,
                     cases[k].langs ? cases[k].langs : "", used ? "used" : "not used",
                     name ? name : "none", accepting, got);
        if (!used && (langs || n))
            fail_msg("values %s: not used, expected no languages left, got %zu", cases[k].values,
                     n);
        free(langs);
        reuse_free(r);
    }
}

static void test_reads_back(void **state)
{
    (void)state;
    write_record(NULL);
    struct reuse *r = reuse_load(dir, key);
    assert_non_null(r);
    assert_int_equal(reuse_nitems(r), 2);
    assert_int_equal(reuse_nitems_of(r, REUSE_SUPPORTER), 1);
    assert_int_equal(reuse_nitems_of(r, REUSE_FAQ), 1);
    assert_int_equal(reuse_nitems_of(NULL, REUSE_FAQ), 0);
    const struct reuse_item *a = reuse_find_item(r, "c/supporters/amara.md");
    assert_non_null(a);
    assert_int_equal(a->kind, REUSE_SUPPORTER);
    assert_false(a->fresh);
    assert_int_equal(a->stamp.mtime_ns, 20);
    assert_true(reuse_whole(r, &a->card) && reuse_whole(r, &a->entry));
    assert_string_equal(a->card.s, "<li>A</li>");
    assert_string_equal(a->reviewed.s, "2026-11-02");
    assert_string_equal(a->entry.s, "{\"slug\": \"amara\"}");
    static const char *const only[] = {"name", "languages", "accepting", NULL};
    json_t *v = reuse_values(r, a, only);
    json_t *want = json_pack("{s:s, s:b, s:[s, s]}", "name", "Amara Okafor", "accepting", 1,
                             "languages", "English", "Igbo");
    if (!json_equal(v, want)) {
        char *got = json_dumps(v, JSON_SORT_KEYS), *exp = json_dumps(want, JSON_SORT_KEYS);
        fail_msg("values: expected %s, got %s", exp, got);
    }
    json_decref(want);
    json_decref(v);
    v = reuse_values(r, a, NULL); /* everything but "src" */
    assert_string_equal(json_string_value(json_object_get(v, "role")), "faculty");
    assert_null(json_object_get(v, "src"));
    json_decref(v);
    const struct reuse_item *c = reuse_find_item(r, "c/faq/cost.md");
    assert_non_null(c);
    assert_true(c->fresh); /* recorded as too recent to trust */
    assert_true(reuse_whole(r, &c->answer));
    assert_string_equal(c->answer.s, "<p>No.</p>");
    const struct reuse_page *p = reuse_find_page(r, "index.html");
    assert_non_null(p);
    assert_true(reuse_whole(r, &p->search));
    assert_string_equal(p->search.s, "SEARCH");
    assert_int_equal(p->ndocs, 3);
    assert_int_equal(reuse_npages(r), 2);
    assert_ptr_equal(reuse_page_at(r, 0), p);
    assert_ptr_equal(reuse_page_at(r, 1), reuse_find_page(r, "faq/index.html"));
    assert_int_equal(reuse_search(r)->len, 5);
    assert_memory_equal(reuse_search(r)->s, "INDEX", 5);
    reuse_free(r);
    /* The saved index read back whole or not at all: changed, cut or gone,
     * the record is still used, without it. */
    const char *other_index[] = {"INDEY", "INDE", NULL};
    for (size_t k = 0; k < 3; k++) {
        char *path = in_dir(REUSE_SEARCH);
        unlink(path);
        free(path);
        if (other_index[k])
            put_file(REUSE_SEARCH, other_index[k], strlen(other_index[k]));
        r = reuse_load(dir, key);
        assert_non_null(r);
        if (reuse_search(r)->len)
            fail_msg("saved index \"%s\": expected it not used, got %zu bytes",
                     other_index[k] ? other_index[k] : "(gone)", reuse_search(r)->len);
        reuse_free(r);
    }
    put_file(REUSE_SEARCH, "INDEX", 5);
    r = reuse_load(dir, key);
    assert_non_null(r);
    p = reuse_find_page(r, "index.html");
    assert_true(reuse_whole(r, reuse_assets(r)));
    assert_string_equal(reuse_assets(r)->s, "{}");
    assert_int_equal(p->nids, 2);
    assert_string_equal(p->ids[1].s, "index.html#top");
    assert_null(reuse_find_page(r, "about/index.html"));
    assert_null(reuse_find_item(r, "c/faq/other.md"));

    /* A rebuild appends to the data and keeps what did not change. */
    write_record(r);
    reuse_free(r);
    r = reuse_load(dir, key);
    assert_non_null(r);
    a = reuse_find_item(r, "c/supporters/amara.md");
    assert_non_null(a);
    assert_true(reuse_whole(r, &a->card));
    assert_string_equal(a->card.s, "<li>A</li>");
    assert_true(reuse_whole(r, &reuse_find_page(r, "index.html")->search));
    assert_string_equal(reuse_find_page(r, "index.html")->search.s, "SEARCH");
    p = reuse_find_page(r, "index.html");
    assert_int_equal(p->ndocs, 3);
    assert_int_equal(p->nids, 2);
    assert_string_equal(p->ids[0].s, "index.html#main");
    assert_non_null(reuse_find_page(r, "faq/index.html"));
    /* A build that saves no index says so: the file left there is not read. */
    assert_int_equal(reuse_search(r)->len, 0);
    assert_int_equal(reuse_assets(r)->len, 0);
    reuse_free(r);

    /* Another key: nothing. */
    uint8_t other[REUSE_KEY_BYTES] = {9};
    assert_null(reuse_load(dir, other));
    /* Read first, its key compared after: the same. */
    r = reuse_keyed(reuse_load_any(dir), key);
    assert_non_null(r);
    size_t next = SIZE_MAX;
    assert_null(reuse_find_page_from(r, "index.html", &next)); /* no table made yet */
    assert_true(reuse_index_pages(r));                         /* made apart */
    assert_string_equal(reuse_find_page(r, "index.html")->search.s, "SEARCH");
    reuse_free(r);
    assert_null(reuse_keyed(reuse_load_any(dir), other));
    assert_null(reuse_keyed(NULL, key));
}

static char *slurp(const char *name, size_t *len)
{
    char *p = in_dir(name);
    FILE *f = fopen(p, "r");
    free(p);
    assert_non_null(f);
    char *data = malloc(1 << 20);
    *len = fread(data, 1, 1 << 20, f);
    fclose(f);
    return data;
}

static void test_damaged_records_are_not_used(void **state)
{
    (void)state;
    write_record(NULL);
    size_t len, dlen;
    char *index = slurp(REUSE_FILE, &len), *data = slurp(REUSE_DATA, &dlen);
    /* Every shorter index. */
    for (size_t cut = 0; cut < len; cut++) {
        put_file(REUSE_FILE, index, cut);
        struct reuse *r = reuse_load(dir, key);
        if (r)
            fail_msg("an index cut to %zu of %zu bytes was used", cut, len);
    }
    put_file(REUSE_FILE, index, len);
    /* Data shorter than the index says: what was appended was lost. */
    put_file(REUSE_DATA, data, dlen - 1);
    assert_null(reuse_load(dir, key));
    /* Data of another record (another id). */
    char *swapped = malloc(dlen);
    memcpy(swapped, data, dlen);
    swapped[strlen("peersite-cache-data 1\n")] ^= 1;
    put_file(REUSE_DATA, swapped, dlen);
    assert_null(reuse_load(dir, key));
    /* Every single byte of the index flipped: refused (it has a checksum). */
    put_file(REUSE_DATA, data, dlen);
    expect_every_byte_caught(REUSE_FILE, index, len, 0x41, false);
    /* Every single byte of the data changed: caught. Unchanged, every text
     * reads back whole. */
    put_file(REUSE_FILE, index, len);
    put_file(REUSE_DATA, data, dlen);
    struct reuse *whole = reuse_load(dir, key);
    assert_non_null(whole);
    if (texts_not_whole(whole))
        fail_msg("an undamaged record: expected every text whole, got %zu not",
                 texts_not_whole(whole));
    reuse_free(whole);
    expect_every_byte_caught(REUSE_DATA, data, dlen, 0x04, true);
    /* Mostly dead data is left for a fresh build to rewrite: each rebuild
     * here replaces a 600 kB page, so the dead part grows past the live
     * part and 1 MiB. */
    put_file(REUSE_FILE, index, len);
    put_file(REUSE_DATA, data, dlen);
    char *blob = calloc(1, 600000);
    memset(blob, 'x', 599999);
    int rounds = 0;
    for (struct reuse *r = reuse_load(dir, key); r; r = reuse_load(dir, key), rounds++) {
        struct reuse_writer *w = reuse_writer_new(key, 1, dir, r);
        reuse_add_page(w, "faq/index.html", blob, 599999, 1, NULL, 0);
        put_index(w, NULL);
        reuse_writer_free(w);
        reuse_free(r);
        assert_true(rounds < 10);
    }
    if (rounds < 2)
        fail_msg("expected a record with some dead data to be used, got refused after %d rounds",
                 rounds);
    free(blob);
    put_file(REUSE_FILE, index, len);
    char *big = calloc(1, dlen + (3u << 20));
    memcpy(big, data, dlen);
    put_file(REUSE_DATA, big, dlen + (3u << 20));
    struct reuse *r = reuse_load(dir, key);
    assert_non_null(r); /* dead bytes after the last blob are not counted */
    reuse_free(r);
    free(big);
    free(swapped);
    free(index);
    free(data);
}

static const char *const PAGE =
    "<main><h1>Peer support</h1><p>We listen after a hard day.</p>"
    "<h2 id=\"cost\">Cost</h2><p>Nothing at all; \"free\" &amp; private.</p></main>";

static int collect(void *ctx, const char *path, const char *data, size_t len)
{
    struct buf *out = ctx;
    buf_printf(out, "%s\n", path);
    buf_append(out, data, len);
    buf_putc(out, '\n');
    return 0;
}

static void test_search_pages_saved(void **state)
{
    (void)state;
    struct search_page *p = search_scan_html("faq/", "FAQ", PAGE, strlen(PAGE));
    struct buf saved = BUF_INIT;
    search_page_save(p, &saved);
    struct search *direct = search_new(), *again = search_new();
    search_add_page(direct, p);
    struct search_page *q = search_page_load(saved.data, saved.len);
    assert_non_null(q);
    search_add_page(again, q);
    struct buf a = BUF_INIT, b = BUF_INIT;
    search_write(direct, collect, &a);
    search_write(again, collect, &b);
    if (a.len != b.len || memcmp(a.data, b.data, a.len))
        fail_msg("index from a saved page: expected\n%s\ngot\n%s", a.data, b.data);
    /* Every prefix and every flipped byte: refused or read whole. */
    for (size_t cut = 0; cut < saved.len; cut++)
        if (search_page_load(saved.data, cut))
            fail_msg("a search page cut to %zu of %zu bytes was read", cut, saved.len);
    for (size_t i = 0; i < saved.len; i++) {
        saved.data[i] ^= 0x20;
        struct search_page *z = search_page_load(saved.data, saved.len);
        struct search *s = search_new();
        search_add_page(s, z);
        struct buf out = BUF_INIT;
        search_write(s, collect, &out);
        buf_free(&out);
        search_free(s);
        saved.data[i] ^= 0x20;
    }
    buf_free(&a);
    buf_free(&b);
    buf_free(&saved);
    search_free(direct);
    search_free(again);
}

/* The key: a template or the settings change it, a supporter's file does
 * not (it has its own stamp); a file changed just now is too fresh. */
/* fuzz_reuse starts from a real record: one the reader refuses at its first
 * bytes (an older format) leaves the fuzzer outside the parser. */
static void test_fuzz_seed_reads_back(void **state)
{
    (void)state;
    FILE *f = fopen("tests/fuzz/seeds/fuzz_reuse/example-record", "rb");
    assert_non_null(f);
    static char seed[1 << 20];
    size_t size = fread(seed, 1, sizeof seed, f);
    fclose(f);
    uint32_t n = 0;
    assert_true(size > 4);
    memcpy(&n, seed, 4);
    assert_true(n <= size - 4);
    put_file(REUSE_FILE, seed + 4, n);
    put_file(REUSE_DATA, seed + 4 + n, size - 4 - n);
    const char *eol = memchr(seed + 4, '\n', n);
    uint8_t key[REUSE_KEY_BYTES] = {0};
    assert_non_null(eol);
    memcpy(key, eol + 1, REUSE_KEY_BYTES);
    struct reuse *r = reuse_load(dir, key);
    if (!r || !reuse_nitems(r))
        fail_msg("expected the fuzz seed to read back as a record, got %s: run "
                 "scripts/fuzz-seed-reuse.sh after changing the record's format",
                 r ? "no items" : "a refusal");
    reuse_free(r);
}

static void test_key(void **state)
{
    (void)state;
    char root[] = "/tmp/peerkit-reuse-key-XXXXXX";
    assert_non_null(mkdtemp(root));
    char cmd[512];
    snprintf(cmd, sizeof cmd,
             "mkdir -p %s/c/supporters %s/t/templates && echo 'name: x' > %s/c/site.yml && "
             "echo a > %s/c/supporters/a.md && echo '<p>' > %s/t/templates/page.mustache && "
             "touch -d '2026-01-01' %s/c/site.yml %s/c/supporters/a.md "
             "%s/t/templates/page.mustache",
             root, root, root, root, root, root, root, root);
    assert_int_equal(system(cmd), 0);
    char c[300], t[300];
    snprintf(c, sizeof c, "%s/c", root);
    snprintf(t, sizeof t, "%s/t", root);
    uint8_t k1[REUSE_KEY_BYTES], k2[REUSE_KEY_BYTES];
    bool fresh = true;
    /* A build a minute later: the files (their inode times are now) are
     * not fresh to it. */
    int64_t later = ((int64_t)time(NULL) + 60) * 1000000000;
    assert_int_equal(reuse_key(c, t, NULL, NULL, "boot-1", later, NULL, k1, &fresh), 0);
    assert_false(fresh);
    snprintf(cmd, sizeof cmd,
             "echo b > %s/c/supporters/a.md && touch -d '2026-01-02' %s/c/supporters/a.md", root,
             root);
    assert_int_equal(system(cmd), 0);
    assert_int_equal(reuse_key(c, t, NULL, NULL, "boot-1", later, NULL, k2, &fresh), 0);
    assert_memory_equal(k1, k2, sizeof k1);
    snprintf(cmd, sizeof cmd, "echo '<div>' > %s/t/templates/page.mustache", root);
    assert_int_equal(system(cmd), 0);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    int64_t now = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
    assert_int_equal(reuse_key(c, t, NULL, NULL, "boot-1", now, NULL, k2, &fresh), 0);
    assert_memory_not_equal(k1, k2, sizeof k1);
    assert_true(fresh);
    json_t *git = json_pack("{s:{s:s}}", "commit", "id", "abc1234");
    assert_int_equal(reuse_key(c, t, NULL, git, "boot-1", later, NULL, k1, &fresh), 0);
    assert_memory_not_equal(k1, k2, sizeof k1);
    json_decref(git);
    /* After the machine starts again (a power cut may have lost what the
     * last build wrote), nothing of that build is trusted. */
    assert_int_equal(reuse_key(c, t, NULL, NULL, "boot-1", later, NULL, k1, &fresh), 0);
    assert_int_equal(reuse_key(c, t, NULL, NULL, "boot-2", later, NULL, k2, &fresh), 0);
    assert_memory_not_equal(k1, k2, sizeof k1);
    assert_int_equal(reuse_key(c, t, NULL, NULL, "boot-1", later, NULL, k2, &fresh), 0);
    assert_memory_equal(k1, k2, sizeof k1);
    /* Linux says which boot it is in (where /proc shows it). */
    char boot[64];
    reuse_boot_id(boot);
    bool said = access("/proc/sys/kernel/random/boot_id", R_OK) == 0;
    if (strlen(boot) != (said ? 36 : 0))
        fail_msg("reuse_boot_id: expected %s, got \"%s\"", said ? "a UUID" : "nothing", boot);
    snprintf(cmd, sizeof cmd, "rm -rf %s", root);
    assert_int_equal(system(cmd), 0);
}

/* The key taken from the loader's listings of the collections' folders is
 * the key read from the folders themselves: their items left out, the
 * rest (a folder of photos, a note, a link named like an item, a folder
 * named like one) in; a change to the rest changes both alike. */
static void test_key_from_listings(void **state)
{
    (void)state;
    char root[] = "/tmp/peerkit-reuse-listed-XXXXXX";
    assert_non_null(mkdtemp(root));
    char cmd[1024];
    snprintf(cmd, sizeof cmd,
             "cd %s && mkdir -p c/supporters/photos c/supporters/old.md c/faq t && "
             "echo 'name: x' > c/site.yml && echo a > c/supporters/a.md && "
             "echo p > c/supporters/photos/a.png && echo n > c/supporters/notes.txt && "
             "ln -s a.md c/supporters/b.md && ln -s photos c/supporters/pics.md && "
             "echo h > c/supporters/.hidden && echo q > c/faq/q.md && echo t > t/x && "
             "touch -d '2026-01-01' c/site.yml c/supporters/a.md c/supporters/photos/a.png "
             "c/supporters/notes.txt c/faq/q.md t/x",
             root);
    assert_int_equal(system(cmd), 0);
    char c[300], t[300], faq[400], sup[400];
    snprintf(c, sizeof c, "%s/c", root);
    snprintf(t, sizeof t, "%s/t", root);
    snprintf(faq, sizeof faq, "%s/faq", c);
    snprintf(sup, sizeof sup, "%s/supporters", c);
    int64_t later = ((int64_t)time(NULL) + 60) * 1000000000;
    uint8_t read_key[REUSE_KEY_BYTES], listed_key[REUSE_KEY_BYTES];
    bool fresh;
    for (int round = 0; round < 2; round++) {
        struct tree *tree = tree_fs_new();
        struct reuse_listings listed = {tree_dir_prefetch(tree, faq, ".md"),
                                        tree_dir_prefetch(tree, sup, ".md")};
        assert_non_null(listed.faq);
        assert_non_null(listed.supporters);
        assert_int_equal(reuse_key(c, t, NULL, NULL, "boot", later, NULL, read_key, &fresh), 0);
        assert_int_equal(reuse_key(c, t, NULL, NULL, "boot", later, &listed, listed_key, &fresh),
                         0);
        tree_free(tree);
        assert_memory_equal(read_key, listed_key, sizeof read_key);
        uint8_t before[REUSE_KEY_BYTES];
        memcpy(before, read_key, sizeof before);
        /* Round 0: a note in the folder changes (the key must move);
         * round 1: an item changes (it must not). */
        snprintf(cmd, sizeof cmd, "echo %s > %s/%s", round ? "b" : "note, longer", sup,
                 round ? "a.md" : "notes.txt");
        assert_int_equal(system(cmd), 0);
        tree = tree_fs_new();
        listed = (struct reuse_listings){tree_dir_prefetch(tree, faq, ".md"),
                                         tree_dir_prefetch(tree, sup, ".md")};
        assert_int_equal(reuse_key(c, t, NULL, NULL, "boot", later, &listed, listed_key, &fresh),
                         0);
        tree_free(tree);
        if (round == 0)
            assert_memory_not_equal(before, listed_key, sizeof before);
        else
            assert_memory_equal(before, listed_key, sizeof before);
    }
    snprintf(cmd, sizeof cmd, "rm -rf %s", root);
    assert_int_equal(system(cmd), 0);
}

int main(void)
{
    assert_non_null(mkdtemp(dir));
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reads_back),
        cmocka_unit_test(test_supporter_values),
        cmocka_unit_test(test_kept_runs),
        cmocka_unit_test(test_find_from_and_twice),
        cmocka_unit_test(test_damaged_records_are_not_used),
        cmocka_unit_test(test_search_pages_saved),
        cmocka_unit_test(test_key),
        cmocka_unit_test(test_key_from_listings),
        cmocka_unit_test(test_fuzz_seed_reads_back),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0)
        rc = 1;
    return rc;
}
