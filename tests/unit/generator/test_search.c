/* Unit tests for generator/search.c: folding, how a page's <main> becomes
 * sections, what is left out, the BM25 weights and the split files. */
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fold),     cmocka_unit_test(test_shard),
        cmocka_unit_test(test_sections), cmocka_unit_test(test_weights_and_files),
        cmocka_unit_test(test_split),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
