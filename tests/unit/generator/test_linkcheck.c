/* Unit tests for generator/linkcheck.c and generator/markdown.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "diag.h"
#include "diag_assert.h"
#include "linkcheck.h"
#include "markdown.h"

static void page(struct linkcheck *lc, const char *rel, const char *html)
{
    linkcheck_add_page(lc, rel, html, strlen(html));
}

static void test_resolving_links(void **state)
{
    (void)state;
    struct linkcheck *lc = linkcheck_new();
    page(lc, "index.html",
         "<a href=\"faq/\">f</a> <a href=\"faq/#q1\">q</a> <a href=\"./\">home</a>"
         " <a href=\"https://example.org/x\">ext</a> <a href=\"mailto:a@b\">m</a>"
         " <a href=\"#top\">t</a> <p id=\"top\"></p> <img src=\"assets/a.1.css\">"
         " <a href=\"faq/index.html?x=1#q1\">q</a> <a href=\"supporters\">dir</a>");
    page(lc, "faq/index.html",
         "<h2 id=\"q1\">Q</h2><a href=\"../\">up</a>"
         "<a href=\"../supporters/a%20b/\">sp</a>");
    page(lc, "supporters/index.html", "");
    page(lc, "supporters/a b/index.html", "");
    linkcheck_add_file(lc, "assets/a.1.css");
    struct diag d = DIAG_INIT;
    size_t broken = linkcheck_run(lc, 1, &d);
    if (broken) {
        char *got = printed(&d);
        fail_msg("expected no broken links, got:\n%s", got);
    }
    diag_free(&d);
    linkcheck_free(lc);
}

/* The same links on pages in different folders: a link's state is shared
 * only between pages whose folder it resolves against is the same (the
 * check keeps the state of each link and folder it has seen). */
static void test_same_links_other_folders(void **state)
{
    (void)state;
    static const char *const links = "<a href=\"../x/\">1</a> <a href=\"../../top/\">2</a>"
                                     " <a href=\"../one/#here\">3</a> <a href=\"sub/\">4</a>"
                                     " <a href=\"../../a/x/#gone\">5</a>"
                                     " <a href=\"../../../up\">6</a>";
    for (int threads = 1; threads <= 4; threads += 3) {
        struct linkcheck *lc = linkcheck_new();
        struct buf one = BUF_INIT;
        buf_printf(&one, "<p id=\"here\"></p>%s", links);
        page(lc, "a/one/index.html", one.data);
        page(lc, "a/two/index.html", links);
        page(lc, "b/one/index.html", links);
        page(lc, "a/x/index.html", "");
        page(lc, "top/index.html", "");
        page(lc, "a/one/sub/index.html", "");
        struct diag d = DIAG_INIT;
        size_t broken = linkcheck_run(lc, threads, &d);
        /* a/one: 5 and 6; a/two: 4, 5, 6; b/one: 1, 3, 4, 5, 6. */
        if (broken != 10) {
            char *got = printed(&d);
            fail_msg("expected 10 broken links with %d thread(s), got %zu:\n%s", threads, broken,
                     got);
        }
        expect_message(&d, "b/one/index.html");
        diag_free(&d);
        buf_free(&one);
        linkcheck_free(lc);
    }
}

/* A link whose bytes are not UTF-8 (a page is hostile input) is checked
 * like any other: it crashed the check (fuzz_linkcheck). */
static void test_links_not_utf8(void **state)
{
    (void)state;
    struct linkcheck *lc = linkcheck_new();
    page(lc, "index.html", "<a href=\"//c\xff\">x</a><a href=\"nope\xff/\">y</a>");
    struct diag d = DIAG_INIT;
    size_t broken = linkcheck_run(lc, 1, &d);
    if (broken != 1)
        fail_msg("expected 1 broken link (the second; the first is external), got %zu", broken);
    diag_free(&d);
    linkcheck_free(lc);
}

/* The links of many pages, some broken in each way, spread over every
 * thread's share and over pages with no links: what is reported is the same
 * with one thread and with four. */
static struct linkcheck *many_links(void)
{
    struct linkcheck *lc = linkcheck_new();
    struct buf html = BUF_INIT, rel = BUF_INIT;
    for (int p = 0; p < 60; p++) {
        buf_reset(&html);
        buf_reset(&rel);
        buf_printf(&rel, "s/p%d/index.html", p);
        for (int k = 0; p % 7 && k < 120; k++) {
            int i = p * 120 + k;
            buf_printf(&html, "<a href=\"%s\">x</a>",
                       i % 997 == 0   ? "../../../../above"
                       : i % 991 == 0 ? "../p1/#nowhere"
                       : i % 983 == 0 ? "../nope/"
                       : i % 2        ? "../p1/#top"
                                      : "../p2/");
        }
        buf_puts(&html, "<p id=\"top\"></p>");
        linkcheck_add_page(lc, rel.data, html.data ? html.data : "", html.len);
    }
    buf_free(&html);
    buf_free(&rel);
    return lc;
}

static void test_threads_report_the_same(void **state)
{
    (void)state;
    struct linkcheck *one = many_links(), *four = many_links();
    struct diag d1 = DIAG_INIT, d4 = DIAG_INIT;
    size_t b1 = linkcheck_run(one, 1, &d1), b4 = linkcheck_run(four, 4, &d4);
    char *got1 = printed(&d1), *got4 = printed(&d4);
    if (b1 != b4 || strcmp(got1, got4))
        fail_msg("expected the same report with 4 threads as with 1:\n%s\ngot:\n%s", got1, got4);
    /* 6,000 links of pages not divisible by 7: 7 above the root, 7 to a
     * missing anchor, 7 to a missing page (multiples of 997, 991, 983). */
    if (b1 < 15 || !strstr(got1, "it points above") || !strstr(got1, "no such #anchor") ||
        !strstr(got1, "no such page or file"))
        fail_msg("expected every kind of broken link reported, got %zu:\n%s", b1, got1);
    free(got1);
    free(got4);
    diag_free(&d1);
    diag_free(&d4);
    linkcheck_free(one);
    linkcheck_free(four);
}

/* A page of which only a part was scanned again (the directory, spliced)
 * keeps the ids of the rest: links to them resolve, an id the new part
 * gives twice is still reported, and its own links are checked. */
static void test_scan_with_kept_ids(void **state)
{
    (void)state;
    const char *kept[] = {"supporters/index.html#card-ana", "supporters/index.html#filters"};
    const char *part = "<li id=\"card-bo\"><a href=\"bo/\">Bo</a></li>"
                       "<li id=\"card-ana\"><a href=\"nobody/\">?</a></li>";
    struct linkcheck_scan *sc = linkcheck_scan_page("supporters/index.html", part, strlen(part));
    linkcheck_scan_add_ids(sc, kept, 2);
    size_t n;
    const char *const *ids = linkcheck_scan_ids(sc, &n);
    assert_int_equal(n, 4);
    for (size_t i = 1; i < n; i++)
        if (strcmp(ids[i - 1], ids[i]) > 0)
            fail_msg("expected the ids sorted, got %s before %s", ids[i - 1], ids[i]);
    struct linkcheck *lc = linkcheck_new();
    linkcheck_add_scan(lc, sc);
    page(lc, "supporters/bo/index.html", "");
    page(lc, "index.html",
         "<a href=\"supporters/#filters\">f</a><a href=\"supporters/#card-bo\">b</a>");
    struct diag d = DIAG_INIT;
    size_t broken = linkcheck_run(lc, 1, &d);
    char *got = printed(&d);
    const char *want[] = {"broken link \"nobody/\"",
                          "supporters/index.html#card-ana: id used twice on the page"};
    for (size_t i = 0; i < 2; i++)
        if (!strstr(got, want[i]))
            fail_msg("expected:\n  %s\ngot:\n%s", want[i], got);
    assert_int_equal(broken, 2);
    free(got);
    diag_free(&d);
    linkcheck_free(lc);
}

static void test_broken_links_are_reported(void **state)
{
    (void)state;
    struct linkcheck *lc = linkcheck_new();
    page(lc, "index.html",
         "<a href=\"nope/\">x</a><a href=\"faq/#missing\">y</a>"
         "<a href=\"../../etc/passwd\">z</a><a href=\"#gone\">w</a>");
    page(lc, "faq/index.html",
         "<p id=\"dup\"></p><p id=\"dup\"></p>"
         "<h2 id=\"is-it-safe\">Q</h2>"
         "<h2 id=\"limit-a-court-order-or-subpoena\">L</h2>"
         "<h2 id=\"limit-a-court-order-or-subpoena-served\">L</h2>"
         "<a href=\"../faq/#nothing\">md</a>"
         "<a href=\"../faq/#limit-court-order\">words</a>"
         "<a href=\"../faq/#order-court\">order</a>"
         "<a href=\"#is-it-sa\">same page</a>"
         "<a href=\"../faq/#is-it-saf\">near</a>"
         "<a href=\"../supporter/\">typo</a>");
    page(lc, "supporters/index.html", "");
    linkcheck_add_origin(lc, "faq/index.html", "../faq/#nothing", "/faq/#nothing",
                         "content/faq/a.md", 7, 3);
    linkcheck_add_origin(lc, "faq/index.html", "../faq/#is-it-saf", "/faq/#is-it-saf",
                         "content/faq/a.md", 8, 1);
    linkcheck_add_origin(lc, "faq/index.html", "../supporter/", "/supporter/", "content/faq/a.md",
                         9, 1);
    linkcheck_add_origin(lc, "faq/index.html", "../faq/#limit-court-order",
                         "/faq/#limit-court-order", "content/faq/a.md", 10, 1);
    linkcheck_add_origin(lc, "faq/index.html", "../faq/#order-court", "/faq/#order-court",
                         "content/faq/a.md", 11, 1);
    linkcheck_add_origin(lc, "faq/index.html", "#is-it-sa", "#is-it-sa", "content/faq/a.md", 12, 1);
    struct diag d = DIAG_INIT;
    size_t broken = linkcheck_run(lc, 1, &d);
    char *got = printed(&d);
    const char *want[] = {
        "index.html: broken link \"nope/\" (from the theme): no such page or file",
        "index.html: broken link \"faq/#missing\" (from the theme): no such #anchor",
        "index.html: broken link \"../../etc/passwd\" (from the theme): it points above",
        "index.html: broken link \"#gone\" (from the theme): no such #anchor",
        "content/faq/a.md:7:3: broken link \"/faq/#nothing\": no such #anchor on that page\n",
        "content/faq/a.md:8:1: broken link \"/faq/#is-it-saf\": no such #anchor on that page "
        "(did you mean \"/faq/#is-it-safe\"?)",
        "content/faq/a.md:9:1: broken link \"/supporter/\": no such page or file (did you mean "
        "\"/supporters/\"?)",
        "faq/index.html#dup: id used twice on the page",
        /* An id written from a heading's words, some left out: the
         * shortest that holds them in order. */
        "content/faq/a.md:10:1: broken link \"/faq/#limit-court-order\": no such #anchor on that "
        "page (did you mean \"/faq/#limit-a-court-order-or-subpoena\"?)",
        /* Out of order: no guess. */
        "content/faq/a.md:11:1: broken link \"/faq/#order-court\": no such #anchor on that page\n",
        /* The whole link to write: the page as written, then the anchor. */
        "content/faq/a.md:12:1: broken link \"#is-it-sa\": no such #anchor on that page (did you "
        "mean \"#is-it-safe\"?)",
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        if (!strstr(got, want[i]))
            fail_msg("expected:\n  %s\ngot:\n%s", want[i], got);
    assert_int_equal(broken, 11);
    free(got);
    diag_free(&d);
    linkcheck_free(lc);
}

static void test_markdown_safe_and_rewritten(void **state)
{
    (void)state;
    const char *md = "Hello <script>alert(1)</script> <img src=x onerror=alert(1)>\n\n"
                     "[faq](/faq/#q) [home](/) [js](javascript:alert(1)) [ext](https://e.org/)\n"
                     "\n<div onclick=\"x()\">raw</div>\n";
    struct buf html = BUF_INIT, text = BUF_INIT;
    json_t *links = json_array();
    md_render(md, strlen(md), 10, "../", &html, links, &text);
    if (strstr(html.data, "<script") || strstr(html.data, "onerror") ||
        strstr(html.data, "onclick") || strstr(html.data, "javascript:"))
        fail_msg("unsafe HTML survived:\n%s", html.data);
    if (!strstr(html.data, "href=\"../faq/#q\"") || !strstr(html.data, "href=\"../\""))
        fail_msg("root-absolute links not rewritten:\n%s", html.data);
    assert_int_equal(json_array_size(links), 4);
    json_t *first = json_array_get(links, 0);
    assert_string_equal(json_string_value(json_array_get(first, 0)), "../faq/#q");
    assert_string_equal(json_string_value(json_array_get(first, 3)), "/faq/#q"); /* as written */
    assert_int_equal(json_integer_value(json_array_get(first, 1)), 12);
    assert_non_null(strstr(text.data, "Hello"));
    json_decref(links);
    buf_free(&html);
    buf_free(&text);

    struct buf u = BUF_INIT;
    md_rewrite_url("/", "", &u);
    assert_string_equal(u.data, "./");
    buf_reset(&u);
    md_rewrite_url("/#x", "", &u);
    assert_string_equal(u.data, "./#x");
    buf_reset(&u);
    md_rewrite_url("//evil.example/", "../", &u);
    assert_string_equal(u.data, "//evil.example/");
    buf_free(&u);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_resolving_links),
        cmocka_unit_test(test_same_links_other_folders),
        cmocka_unit_test(test_links_not_utf8),
        cmocka_unit_test(test_broken_links_are_reported),
        cmocka_unit_test(test_scan_with_kept_ids),
        cmocka_unit_test(test_threads_report_the_same),
        cmocka_unit_test(test_markdown_safe_and_rewritten),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
