/* Unit tests for generator/mustache.c: every case of the public Mustache spec
 * (read at run time from $MUSTACHE_SPEC_DIR, default tests/spec/mustache, the
 * spec's JSON files as published, with their licence),
 * and our own cases for escaping, errors, recursion and inheritance. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "mustache.h"

/* ---- the spec ------------------------------------------------------------ */

static json_t *partials; /* the current case's partials */

static char *load_partial(void *ctx, const char *name, size_t *len)
{
    (void)ctx;
    json_t *p = json_object_get(partials, name);
    if (!json_is_string(p))
        return NULL;
    *len = json_string_length(p);
    return strndup(json_string_value(p), *len);
}

static const char *spec_dir(void)
{
    const char *dir = getenv("MUSTACHE_SPEC_DIR");
    return dir && *dir ? dir : "tests/spec/mustache";
}

/* Runs every case of one spec file; fails listing each case that differs. */
static void run_spec_file(void **state)
{
    const char *file = *state;
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", spec_dir(), file);
    json_error_t err;
    json_t *root = json_load_file(path, 0, &err);
    if (!root)
        fail_msg("cannot read %s: %s", path, err.text);
    size_t i, failures = 0, cases = 0;
    json_t *t;
    json_array_foreach (json_object_get(root, "tests"), i, t) {
        const char *name = json_string_value(json_object_get(t, "name"));
        const char *tpl = json_string_value(json_object_get(t, "template"));
        const char *want = json_string_value(json_object_get(t, "expected"));
        partials = json_object_get(t, "partials");
        struct mustache *m = mustache_new(load_partial, NULL);
        struct buf out = BUF_INIT;
        struct diag d = DIAG_INIT;
        int rc =
            mustache_render_string(m, name, tpl, strlen(tpl), json_object_get(t, "data"), &out, &d);
        const char *got = out.data ? out.data : "";
        cases++;
        if (rc != 0 || strcmp(got, want)) {
            failures++;
            print_error("%s: \"%s\"\n  expected: \"%s\"\n  got:      \"%s\"%s%s\n", file, name,
                        want, got, rc ? "\n  error: " : "", rc ? diag_first(&d) : "");
        }
        buf_free(&out);
        diag_free(&d);
        mustache_free(m);
    }
    json_decref(root);
    print_message("%s: %zu of %zu cases pass\n", file, cases - failures, cases);
    if (failures)
        fail_msg("%zu of %zu cases of %s fail", failures, cases, file);
    assert_true(cases > 0);
}

/* ---- our own cases ----------------------------------------------------- */

static json_t *templates; /* name -> source, for the cases below */

static char *load_named(void *ctx, const char *name, size_t *len)
{
    (void)ctx;
    json_t *p = json_object_get(templates, name);
    if (!json_is_string(p))
        return NULL;
    *len = json_string_length(p);
    return strndup(json_string_value(p), *len);
}

static char *render(const char *tpl, const char *data_json, struct diag *d, int *rc)
{
    struct mustache *m = mustache_new(load_named, NULL);
    json_t *data = json_loads(data_json, 0, NULL);
    assert_non_null(data);
    struct buf out = BUF_INIT;
    *rc = mustache_render_string(m, "t", tpl, strlen(tpl), data, &out, d);
    json_decref(data);
    mustache_free(m);
    return buf_detach(&out);
}

static void expect_render(const char *tpl, const char *data, const char *want)
{
    struct diag d = DIAG_INIT;
    int rc;
    char *got = render(tpl, data, &d, &rc);
    if (rc != 0 || strcmp(got, want))
        fail_msg("template %s\n  expected: \"%s\"\n  got:      \"%s\" %s", tpl, want, got,
                 diag_first(&d));
    free(got);
    diag_free(&d);
}

static void expect_error(const char *tpl, const char *want)
{
    struct diag d = DIAG_INIT;
    int rc;
    char *got = render(tpl, "{}", &d, &rc);
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    diag_print(&d, f);
    fclose(f);
    if (rc != -1 || !strstr(text, want))
        fail_msg("template %s\n  expected error: %s\n  got: rc=%d %s", tpl, want, rc, text);
    free(text);
    free(got);
    diag_free(&d);
}

static void test_escaping(void **state)
{
    (void)state;
    expect_render("<p title=\"{{x}}\">{{x}}</p>",
                  "{\"x\": \"\\\"><script>alert('x')</script><img src=x onerror=alert(1)>\"}",
                  "<p title=\"&quot;&gt;&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&lt;img "
                  "src=x onerror=alert(1)&gt;\">&quot;&gt;&lt;script&gt;alert(&#39;x&#39;)&lt;/"
                  "script&gt;&lt;img src=x onerror=alert(1)&gt;</p>");
    expect_render("{{{x}}}|{{&x}}", "{\"x\": \"<b>\"}", "<b>|<b>");
    /* Values are never re-parsed as templates. */
    expect_render("{{x}}", "{\"x\": \"{{y}}\", \"y\": \"no\"}", "{{y}}");
}

static void test_values(void **state)
{
    (void)state;
    expect_render("{{i}} {{r}} {{t}} {{f}} [{{n}}] [{{missing}}]",
                  "{\"i\": 42, \"r\": 1.5, \"t\": true, \"f\": false, \"n\": null}",
                  "42 1.5 true false [] []");
    expect_render("{{#list}}<{{name}}>{{/list}}",
                  "{\"list\": [{\"name\": \"a\"}, {\"name\": "
                  "\"b\"}]}",
                  "<a><b>");
    /* Empty strings are falsey, so optional text can guard its markup. */
    expect_render("{{#s}}[{{s}}]{{/s}}{{^s}}none{{/s}}", "{\"s\": \"\"}", "none");
}

static void test_errors_have_positions(void **state)
{
    (void)state;
    expect_error("line one\n  {{#open}}\nno end\n", "t:2:3: unclosed section {{open}}");
    expect_error("{{#a}}x{{/b}}", "t:1:8: {{/b}} closes {{a}} opened at line 1");
    expect_error("ok\n{{/a}}", "t:2:1: closing tag {{/a}} without an opening tag");
    expect_error("a {{name", "t:1:3: unclosed tag");
    expect_error("{{= | =}}", "t:1:1: bad set-delimiter tag");
}

static void test_deep_recursion_is_refused(void **state)
{
    (void)state;
    templates = json_pack("{s:s}", "loop", "x{{>loop}}");
    struct diag d = DIAG_INIT;
    int rc;
    char *got = render("{{>loop}}", "{}", &d, &rc);
    assert_int_equal(rc, -1);
    if (!strstr(diag_first(&d), "nested deeper than 64"))
        fail_msg("expected a nesting error, got: %s", diag_first(&d));
    free(got);
    diag_free(&d);
    json_decref(templates);
    templates = NULL;
}

static void test_layout_inheritance(void **state)
{
    (void)state;
    templates = json_pack("{s:s, s:s}", "base",
                          "<title>{{$title}}Site{{/title}}</title>\n"
                          "<main>\n{{$main}}{{/main}}\n</main>\n{{> footer}}",
                          "footer", "<footer>{{site}}</footer>\n");
    expect_render("{{<base}}{{$title}}FAQ · {{site}}{{/title}}{{$main}}<h1>{{h}}</h1>{{/main}}"
                  "{{/base}}",
                  "{\"site\": \"Harbor\", \"h\": \"Q&A\"}",
                  "<title>FAQ · Harbor</title>\n<main>\n<h1>Q&amp;A</h1>\n</main>\n"
                  "<footer>Harbor</footer>\n");
    /* A block not overridden keeps its default. */
    expect_render("{{<base}}{{$main}}m{{/main}}{{/base}}", "{\"site\": \"S\"}",
                  "<title>Site</title>\n<main>\nm\n</main>\n<footer>S</footer>\n");
    json_decref(templates);
    templates = NULL;
}

static void test_cache_reuse(void **state)
{
    (void)state;
    templates = json_pack("{s:s}", "page", "[{{x}}]");
    struct mustache *m = mustache_new(load_named, NULL);
    struct buf out = BUF_INIT;
    struct diag d = DIAG_INIT;
    json_t *a = json_pack("{s:s}", "x", "a"), *b = json_pack("{s:s}", "x", "b");
    assert_int_equal(mustache_render(m, "page", a, &out, &d), 0);
    json_object_set_new(templates, "page", json_string("changed {{x}}"));
    assert_int_equal(mustache_render(m, "page", b, &out, &d), 0);
    assert_string_equal(out.data, "[a][b]"); /* compiled once, served from the cache */
    assert_int_equal(mustache_render(m, "absent", a, &out, &d), -1);
    assert_string_equal(diag_first(&d), "template not found");
    json_decref(a);
    json_decref(b);
    buf_free(&out);
    diag_free(&d);
    mustache_free(m);
    json_decref(templates);
    templates = NULL;
}

/* A list rendered item by item, each item on its own, then given to the page
 * as rendered, is the page rendered whole: inside a reindented block of a
 * parent, with a partial per item, and with values from the page and base. */
static void test_items_rendered_apart(void **state)
{
    (void)state;
    templates = json_pack("{s:s, s:s, s:s}", "base", "<main>\n  {{$main}}{{/main}}\n</main>\n",
                          "card", "<li>{{name}} {{root}}{{site}}</li>\n", "list",
                          "{{<base}}{{$main}}\n<h1>{{count}}</h1>\n<ul>\n{{#people}}\n{{> "
                          "card}}\n{{/people}}\n"
                          "</ul>\n{{/main}}{{/base}}");
    struct mustache *m = mustache_new(load_named, NULL);
    json_t *base = json_pack("{s:s}", "site", "S&");
    json_t *people =
        json_pack("[{s:s}, {s:s}, {s:s}]", "name", "Ana", "name", "<Bo>", "name", "Cy");
    json_t *frame = json_pack("{s:s}", "root", "../");
    json_t *page = json_pack("{s:s, s:i, s:O}", "root", "../", "count", 3, "people", people);
    struct buf whole = BUF_INIT, part = BUF_INIT, apart = BUF_INIT;
    struct diag d = DIAG_INIT;
    assert_int_equal(mustache_render_layered(m, "list", base, page, &whole, &d), 0);
    const char *text[3];
    size_t len[3];
    char *copies[3];
    for (size_t i = 0; i < 3; i++) {
        buf_reset(&part);
        assert_int_equal(mustache_render_item(m, "list", "people", base, frame,
                                              json_array_get(people, i), &part, &d),
                         0);
        copies[i] = strdup(part.data);
        text[i] = copies[i];
        len[i] = part.len;
    }
    struct mustache_items items = {"people", 3, text, len, true, 0};
    assert_int_equal(mustache_render_items(m, "list", base, page, &items, &apart, &d), 0);
    assert_string_equal(apart.data, whole.data);
    assert_false(items.placed); /* reindented inside the block */
    assert_non_null(strstr(whole.data, "  <li>&lt;Bo&gt; ../S&amp;</li>\n"));
    /* A template with the list twice cannot take it rendered. */
    json_object_set_new(templates, "twice",
                        json_string("{{#people}}a{{/people}}{{#people}}b{{/people}}"));
    assert_int_equal(mustache_render_items(m, "twice", base, page, &items, &apart, &d), -1);
    assert_non_null(strstr(diag_first(&d), "exactly once"));
    for (size_t i = 0; i < 3; i++)
        free(copies[i]);
    buf_free(&whole);
    buf_free(&part);
    buf_free(&apart);
    diag_free(&d);
    json_decref(base);
    json_decref(people);
    json_decref(frame);
    json_decref(page);
    mustache_free(m);
    json_decref(templates);
    templates = NULL;
}

/* Where the list went: a page made with empty texts, the texts put in at
 * that place, is the page made with them; a list reindented, or given
 * twice, has no one place. */
static void test_items_placed(void **state)
{
    (void)state;
    templates =
        json_pack("{s:s, s:s, s:s, s:s, s:s}", "base", "<main>\n{{$main}}{{/main}}\n</main>\n",
                  "card", "<li>{{name}}</li>\n", "flat",
                  "{{<base}}{{$main}}\n<h1>{{count}}</h1>\n<ul>\n{{#people}}\n{{> "
                  "card}}\n{{/people}}\n</ul>\n{{/main}}{{/base}}",
                  "indented",
                  "<ul>\n  {{$cards}}\n  {{#people}}{{> card}}{{/people}}\n  {{/cards}}\n</ul>\n",
                  "twice", "{{#rounds}}{{#people}}{{/people}}{{/rounds}}");
    struct mustache *m = mustache_new(load_named, NULL);
    json_t *page = json_pack("{s:i, s:[{s:s}, {s:s}], s:[i, i]}", "count", 2, "people", "name",
                             "Ana", "name", "Bo", "rounds", 1, 2);
    const char *none[2] = {"", ""}, *text[2] = {"<li>Ana</li>\n", "<li>Bo</li>\n"};
    size_t zero[2] = {0, 0}, len[2] = {strlen(text[0]), strlen(text[1])};
    struct mustache_items empty = {"people", 2, none, zero, false, 0};
    struct mustache_items full = {"people", 2, text, len, false, 0};
    struct buf frame = BUF_INIT, whole = BUF_INIT, put = BUF_INIT;
    struct diag d = DIAG_INIT;
    assert_int_equal(mustache_render_items(m, "flat", NULL, page, &empty, &frame, &d), 0);
    assert_int_equal(mustache_render_items(m, "flat", NULL, page, &full, &whole, &d), 0);
    assert_true(empty.placed);
    assert_int_equal(empty.at, strlen("<main>\n<h1>2</h1>\n<ul>\n"));
    buf_append(&put, frame.data, empty.at);
    buf_puts(&put, text[0]);
    buf_puts(&put, text[1]);
    buf_puts(&put, frame.data + empty.at);
    assert_string_equal(put.data, whole.data);
    buf_reset(&frame);
    assert_int_equal(mustache_render_items(m, "indented", NULL, page, &empty, &frame, &d), 0);
    assert_false(empty.placed);
    buf_reset(&frame);
    assert_int_equal(mustache_render_items(m, "twice", NULL, page, &empty, &frame, &d), 0);
    assert_false(empty.placed);
    assert_int_equal(d.n, 0);
    buf_free(&frame);
    buf_free(&whole);
    buf_free(&put);
    json_decref(page);
    mustache_free(m);
    json_decref(templates);
    templates = NULL;
}

int main(void)
{
    static const char *const files[] = {"comments.json",    "delimiters.json", "interpolation.json",
                                        "inverted.json",    "partials.json",   "sections.json",
                                        "~inheritance.json"};
    struct CMUnitTest tests[] = {
        {"spec comments", run_spec_file, NULL, NULL, (void *)files[0]},
        {"spec delimiters", run_spec_file, NULL, NULL, (void *)files[1]},
        {"spec interpolation", run_spec_file, NULL, NULL, (void *)files[2]},
        {"spec inverted", run_spec_file, NULL, NULL, (void *)files[3]},
        {"spec partials", run_spec_file, NULL, NULL, (void *)files[4]},
        {"spec sections", run_spec_file, NULL, NULL, (void *)files[5]},
        {"spec inheritance", run_spec_file, NULL, NULL, (void *)files[6]},
        cmocka_unit_test(test_escaping),
        cmocka_unit_test(test_values),
        cmocka_unit_test(test_errors_have_positions),
        cmocka_unit_test(test_deep_recursion_is_refused),
        cmocka_unit_test(test_layout_inheritance),
        cmocka_unit_test(test_cache_reuse),
        cmocka_unit_test(test_items_rendered_apart),
        cmocka_unit_test(test_items_placed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
