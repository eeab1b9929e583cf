/* Unit tests for generator/content.c and generator/frontmatter.c: loading the
 * fixture content, and every kind of validation error with its position. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "content.h"
#include "xalloc.h"
#include "diag.h"
#include "diag_assert.h"
#include "frontmatter.h"
#include "yamlschema.h"

#define FIXTURE "tests/fixtures/minimal"

static struct tree *tree;

/* A scratch copy of the minimal fixture that a test may break. */
static char *scratch(void)
{
    char tmpl[] = "/tmp/peerkit-content-XXXXXX";
    char *dir = mkdtemp(tmpl);
    assert_non_null(dir);
    char cmd[512];
    snprintf(cmd, sizeof cmd, "cp -R %s/. %s/", FIXTURE, dir);
    assert_int_equal(system(cmd), 0);
    return strdup(dir);
}

/* The fixture without its supporters, for a test that writes its own. */
static char *scratch_without_supporters(void)
{
    char *dir = scratch();
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -f %s/supporters/*.md", dir);
    assert_int_equal(system(cmd), 0);
    return dir;
}

static void drop(char *dir)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
    free(dir);
}

static void put(const char *dir, const char *rel, const char *text)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, rel);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

/* supporters/file.md: a faculty supporter called name, with the YAML lines
 * more (each ending in a newline) besides. */
static void put_supporter(const char *dir, const char *file, const char *name, const char *more)
{
    char rel[128], text[512];
    snprintf(rel, sizeof rel, "supporters/%s.md", file);
    snprintf(text, sizeof text,
             "---\nname: %s\nrole: faculty\ndepartment: D\nmodalities: [phone]\n%s---\nBio.\n",
             name, more);
    put(dir, rel, text);
}

/* Loads dir after replacing rel with text; expects failure and message. */
static void expect_error(const char *rel, const char *text, const char *want)
{
    char *dir = scratch();
    put(dir, rel, text);
    struct content c;
    struct diag d = DIAG_INIT;
    int rc = content_load(tree, dir, &c, &d);
    char *where = NULL;
    if (asprintf(&where, "%s/%s", dir, want) < 0)
        abort();
    if (rc != -1)
        fail_msg("expected content_load to fail with %s", where);
    expect_message(&d, where);
    free(where);
    content_free(&c);
    diag_free(&d);
    drop(dir);
}

static void test_minimal_loads(void **state)
{
    (void)state;
    struct content c;
    struct diag d = DIAG_INIT;
    int rc = content_load(tree, FIXTURE, &c, &d);
    if (rc != 0) {
        char *got = printed(&d);
        fail_msg("expected the fixture to load, got:\n%s", got);
    }
    assert_int_equal(json_array_size(c.pages), 2);
    assert_int_equal(json_array_size(c.faq), 2);
    assert_int_equal(json_array_size(c.supporters), 2);
    /* Defaults. */
    assert_string_equal(json_string_value(json_object_get(c.site, "language")), "en");
    json_t *ada = json_array_get(c.supporters, 0);
    assert_string_equal(json_string_value(json_object_get(ada, "slug")), "ada-lovelace");
    assert_true(json_is_true(json_object_get(ada, "accepting")));
    json_t *bob = json_array_get(c.supporters, 1);
    assert_true(json_is_false(json_object_get(bob, "accepting")));
    /* Category "About" has order 1, so it comes before "Confidentiality". */
    assert_string_equal(json_string_value(json_object_get(json_array_get(c.categories, 0), "name")),
                        "About");
    assert_string_equal(json_string_value(json_object_get(json_array_get(c.faq, 0), "slug")),
                        "why-talk");
    /* Options given as plain strings get a label equal to the value. */
    json_t *fields = json_object_get(c.request, "fields");
    json_t *role = json_array_get(fields, 3);
    json_t *opt = json_array_get(json_object_get(role, "options"), 0);
    assert_string_equal(json_string_value(json_object_get(opt, "label")), "faculty");
    assert_int_equal(json_integer_value(json_object_get(json_array_get(fields, 1), "max")), 200);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(fields, 5), "max")), 500);
    assert_null(c.pubkey_path);
    content_free(&c);
    diag_free(&d);
}

static void test_unknown_key_suggests(void **state)
{
    (void)state;
    expect_error("faq/why-talk.md", "---\nquestoin: Why?\ncategory: About\n---\nBody\n",
                 "faq/why-talk.md:2:1: unknown key \"questoin\" in a FAQ entry "
                 "(did you mean \"question\"?)");
}

static void test_missing_required_key(void **state)
{
    (void)state;
    expect_error("faq/why-talk.md", "---\ncategory: About\n---\nBody\n",
                 "faq/why-talk.md:2:1: missing required key \"question\" in a FAQ entry");
}

static void test_wrong_type(void **state)
{
    (void)state;
    expect_error("supporters/bob-baker.md",
                 "---\nname: Bob\nrole: resident\ndepartment: Medicine\nmodalities: video\n---\n",
                 "supporters/bob-baker.md:5:13: \"modalities\" must be a list, not a single value");
    expect_error("faq/why-talk.md", "---\nquestion: Why?\ncategory: About\norder: first\n---\n",
                 "faq/why-talk.md:4:8: \"order\" must be a whole number");
    expect_error("supporters/bob-baker.md",
                 "---\nname: Bob\nrole: resident\ndepartment: M\nmodalities: [video]\n"
                 "accepting: maybe\n---\n",
                 "supporters/bob-baker.md:6:12: \"accepting\" must be true or false");
}

static void test_unknown_role_and_modality(void **state)
{
    (void)state;
    expect_error("supporters/bob-baker.md",
                 "---\nname: Bob\nrole: chief\ndepartment: Medicine\nmodalities: [video]\n---\n",
                 "supporters/bob-baker.md:3:7: unknown role \"chief\" (site.yml roles: faculty, "
                 "resident)");
    expect_error("supporters/bob-baker.md",
                 "---\nname: Bob\nrole: resident\ndepartment: Medicine\n"
                 "modalities: [video, carrier-pigeon]\n---\n",
                 "supporters/bob-baker.md:5:21: unknown modality \"carrier-pigeon\"");
    expect_error("supporters/bob-baker.md",
                 "---\nname: Bob\nrole: resident\ndepartment: Medicine\nmodalities: []\n---\n",
                 "supporters/bob-baker.md:5:13: \"modalities\" must list at least one");
}

/* A supporter whose photo: is photo, beside a file named file holding
 * bytes: the load fails with want at the photo: line. */
static void expect_photo_error(const char *file, const char *bytes, const char *photo,
                               const char *want)
{
    char *dir = scratch(), *rel = NULL, *md = NULL, *where = NULL;
    if (asprintf(&rel, "supporters/%s", file) < 0 ||
        asprintf(&md,
                 "---\nname: Bob\nrole: resident\ndepartment: Medicine\nmodalities: [video]\n"
                 "photo: %s\n---\n",
                 photo) < 0 ||
        asprintf(&where, "%s/supporters/bob-baker.md:6:8: %s", dir, want) < 0)
        abort();
    put(dir, rel, bytes);
    put(dir, "supporters/bob-baker.md", md);
    struct content c;
    struct diag d = DIAG_INIT;
    assert_int_equal(content_load(tree, dir, &c, &d), -1);
    expect_message(&d, where);
    content_free(&c);
    diag_free(&d);
    drop(dir);
    free(rel);
    free(md);
    free(where);
}

static void test_photo_errors_at_their_line(void **state)
{
    (void)state;
    /* A camera's IMG_001.JPG named img_001.jpg: the name that differs only
     * in capitals is given. */
    expect_photo_error("BOB.JPG", "not really a photo", "bob.jpg",
                       "photo \"bob.jpg\" not found next to this file (did you mean \"BOB.JPG\"? "
                       "capitals count)");
    /* Another extension: the same picture, offered. A slip of a letter or
     * two is not: the photo it comes near may be another supporter's
     * (kim.webp missing, tim.webp there), and so is no file but a photo. */
    expect_photo_error("bob.jpg", "not read", "bob.webp",
                       "photo \"bob.webp\" not found next to this file (did you mean "
                       "\"bob.jpg\"?)");
    expect_photo_error("tim.webp", "not read", "kim.webp",
                       "photo \"kim.webp\" not found next to this file\n");
    expect_photo_error("bob-baker.txt", "not read", "bob-baker.jpg",
                       "photo \"bob-baker.jpg\" not found next to this file\n");
    /* A file that is no image under an image's name. */
    expect_photo_error("bob.png", "a text file, renamed", "bob.png",
                       "photo \"bob.png\" is not a JPEG, PNG or WebP image");
    expect_error("supporters/bob-baker.md",
                 "---\nname: Bob\nrole: resident\ndepartment: Medicine\nmodalities: [video]\n"
                 "photo: bob.jpg\n---\n",
                 "supporters/bob-baker.md:6:8: photo \"bob.jpg\" not found next to this file");
    expect_error("supporters/bob-baker.md",
                 "---\nname: Bob\nrole: resident\ndepartment: Medicine\nmodalities: [video]\n"
                 "photo: ../bob.png\n---\n",
                 "supporters/bob-baker.md:6:8: photo \"../bob.png\" must be a .jpg, .jpeg, .png "
                 "or .webp file next to this file");
}

static void test_bad_yaml(void **state)
{
    (void)state;
    expect_error("faq/why-talk.md", "---\nquestion: Why?\ncategory: [About\n---\nBody\n",
                 "faq/why-talk.md:3:11: YAML: the [ opened here is never closed: end the list "
                 "with ]");
    expect_error("site.yml", "name: X\n  base_url: https://x/\n",
                 "site.yml:2:11: YAML: this line is indented under the line above it: start it "
                 "in the same column as the keys above it");
    /* A key out of line with its block: the message points at that line,
     * not at the block's first key. */
    expect_error("site.yml", "# settings\nname: X\ncontact:\n  email: a@b.c\n phone: 1\n",
                 "site.yml:5:2: YAML: this line is out of step with the keys above it: start it "
                 "in the same column");
    /* A value holding ": ": the author's own line, quoted as it should be. */
    expect_error("supporters/bob-baker.md",
                 "---\nname: Bob\nrole: resident\ndepartment: Medicine: Hospitalist\n---\n",
                 "supporters/bob-baker.md:4:21: YAML: a value that holds \": \" needs quotes "
                 "around it: department: \"Medicine: Hospitalist\"");
    expect_error("site.yml", "name: X\norganization: Example Health: Main Campus  \n",
                 "site.yml:2:29: YAML: a value that holds \": \" needs quotes around it: "
                 "organization: \"Example Health: Main Campus\"");
    expect_error("site.yml", "name: X\ncontact:\n  hours: Open \"8\": 6\n",
                 "site.yml:3:18: YAML: a value that holds \": \" needs quotes around it: hours: "
                 "'Open \"8\": 6'");
    /* What quotes on its line would change: the example instead. A list
     * item, a value continued on the next line, a tab, a quoted key. */
    static const char *const unquotable[][2] = {
        {"name: X\nlanguages:\n  - English: fluent: yes\n", "site.yml:3:20"},
        {"name: X\norganization: Example: Health\n  and more\n", "site.yml:2:22"},
        {"name: X\norganization: Example: Health\t\n", "site.yml:2:22"},
        {"name: X\n\"note: x\": a: b\n", "site.yml:2:13"},
    };
    for (size_t i = 0; i < sizeof unquotable / sizeof *unquotable; i++) {
        char *want = xasprintf("%s: YAML: a value that holds \": \" needs quotes around it, "
                               "like department: \"Medicine: Hospitalist\"",
                               unquotable[i][1]);
        expect_error("site.yml", unquotable[i][0], want);
        free(want);
    }
    /* One it cannot quote plainly: the example instead. */
    expect_error("site.yml", "name: X\ncontact:\n  hours: it's \"8\": 6\n",
                 "site.yml:3:18: YAML: a value that holds \": \" needs quotes around it, like "
                 "department: \"Medicine: Hospitalist\"");
    /* A tab: at the tab, with what to do; a quote or a bracket left open,
     * where it opens; an item out of line with the list's. */
    expect_error("faq/why-talk.md", "---\nquestion: Why?\n\tcategory: About\n---\nx\n",
                 "faq/why-talk.md:3:1: YAML: this line is indented with a tab: indent with "
                 "spaces, not tabs");
    expect_error("faq/why-talk.md", "---\nquestion: \"Why?\ncategory: About\n---\nx\n",
                 "faq/why-talk.md:2:11: YAML: the quote opened here is never closed: close it "
                 "with the same quote mark");
    /* A quote left open in a block: libyaml complains lines later. */
    expect_error("site.yml",
                 "name: X\ntagline: \"Always here\nbase_url: https://x/\ncontact:\n  hours: \"9 to "
                 "5\"\n  phone: 555-0100\n",
                 "site.yml:2:10: YAML: the quote opened here is not closed on its line");
    /* The tab found after letters of several bytes (libyaml counts
     * characters): its hint still. */
    expect_error("site.yml",
                 "name: "
                 "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
                 "\xc3\xa9\xc3\xa9\ncontact:\n\t email: a@b.org\n",
                 "site.yml:3:1: YAML: this line is indented with a tab: indent with spaces, not "
                 "tabs");
    expect_error("site.yml", "name: X\nroles:\n  - id: a\n    label: A\n   - id: b\n",
                 "site.yml:5:4: YAML: this line is out of step with the items (\"- \") above it: "
                 "start it in the same column");
    /* A byte order mark (Windows editors write one) is not text: the files
     * after it read as without it. */
    expect_error("faq/why-talk.md", "\xEF\xBB\xBF---\nquestion: Why?\n---\nx\n",
                 "faq/why-talk.md:2:1: missing required key \"category\"");
    /* Text saved as Latin-1 (or any bytes that are not UTF-8): refused at
     * the byte, in the body as in the front matter. */
    expect_error("faq/why-talk.md", "---\nquestion: Why?\ncategory: About\n---\nCaf\xe9 au lait\n",
                 "faq/why-talk.md:5:4: not UTF-8 text (byte 0xE9): save the file as UTF-8");
    expect_error("site.yml", "name: Caf\xe9\n", "site.yml:1:10: not UTF-8 text (byte 0xE9)");
    expect_error("faq/why-talk.md", "question: no fences\n",
                 "faq/why-talk.md:1:1: missing front "
                 "matter");
    expect_error("faq/why-talk.md", "---\nquestion: x\n",
                 "faq/why-talk.md:1:1: front matter is "
                 "not closed");
}

/* Where "[x]" of a Markdown value lies in the file, for each style of
 * scalar: folded and literal blocks, plain and quoted text over lines
 * (column -1: the line alone is known). */
static void expect_link_at(const char *yaml, int line, int column)
{
    static const struct ys_key spec[] = {
        {"name", YS_STRING, false, NULL, NULL, NULL},
        {"text", YS_MARKDOWN, false, NULL, NULL, NULL},
        {NULL, 0, false, NULL, NULL, NULL},
    };
    struct diag d = DIAG_INIT;
    json_t *o = ys_load("x.yml", yaml, strlen(yaml), 3, spec, "x", NULL, NULL, &d);
    assert_non_null(o);
    const char *text = json_string_value(json_object_get(o, "text"));
    const char *link = strstr(text, "[x]");
    assert_non_null(link);
    int got_line, got_column;
    ys_markdown_at(json_object_get(o, "text@at"), text, (size_t)(link - text), &got_line,
                   &got_column);
    if (got_line != line || (column > 0 && got_column != column))
        fail_msg("%s: expected the link at %d:%d, got %d:%d", yaml, line, column, got_line,
                 got_column);
    json_decref(o);
    diag_free(&d);
}

static void test_markdown_value_places(void **state)
{
    (void)state;
    /* The YAML starts at line 3 of its file (front matter). */
    expect_link_at("name: a\ntext: >-\n  One two\n  three [x](/y/) four.\n", 6, 9);
    expect_link_at("text: |\n    First line.\n\n    Then [x](/y/).\n", 6, 10);
    expect_link_at("text: plain words\n  go on [x](/y/)\n", 4, 9);
    expect_link_at("text: \"quoted [x](/y/)\"\n", 3, 15);
    expect_link_at("text: >\n  a\n    more [x](/y/)\n", 5, 10);
    /* Letters of two or more bytes above it (libyaml counts characters). */
    expect_link_at(
        "name: Ordonnance du tribunal \xc3\xa9\xc3\xa9\xc3\xa9\ntext: See the [x](/y/).\n", 4, 15);
    expect_link_at("name: \xe4\xbd\xa0\xe5\xa5\xbd\xe4\xbd\xa0\xe5\xa5\xbd\ntext: >-\n  One\n  two "
                   "[x](/y/)\n",
                   6, 7);
    /* Columns count characters, as editors do: "é" is one, not two bytes. */
    expect_link_at("text: caf\xc3\xa9, see [x](/y/)\n", 3, 17);
    expect_link_at("text: >-\n  caf\xc3\xa9\n  n\xc3\xa9"
                   "e [x](/y/)\n",
                   5, 7);
    /* Windows line ends; blanks at a line's end. */
    expect_link_at("name: a\r\ntext: >-\r\n  One two\r\n  three [x](/y/)\r\n", 6, 9);
    expect_link_at("text: first line here   \n  then [x](/y/)\n", 4, 8);
    /* Escapes in quotes, an anchor, a tag: the lines after them still. */
    expect_link_at("text: 'it''s\n  then [x](/y/)'\n", 4, 8);
    expect_link_at("text: \"a \\\"q\\\" b\n  then [x](/y/)\"\n", 4, 8);
    expect_link_at("text: &a \"see [x](/y/)\"\n", 3, 15);
    expect_link_at("text: \"\\u00e9 see [x](/y/)\"\n", 3, -1); /* its line, if not its column */
    expect_link_at("text: !!str see [x](/y/)\n", 3, 17);
    /* A tab after a block's indentation is text. */
    expect_link_at("text: |\n  a\n  \tc [x](/y/)\n", 5, 6);
}

static void test_duplicate_slug(void **state)
{
    (void)state;
    expect_error("faq/Why Talk.md", "---\nquestion: Again?\ncategory: About\n---\n",
                 "faq/why-talk.md:1:1: duplicate slug \"why-talk\"");
}

static void test_duplicate_key(void **state)
{
    (void)state;
    expect_error("faq/why-talk.md", "---\nquestion: A\nquestion: B\ncategory: C\n---\n",
                 "faq/why-talk.md:3:1: key \"question\" appears twice");
}

static void test_field_errors(void **state)
{
    (void)state;
    expect_error("site.yml", "name: X\nbase_url: https://x/\ncontact:\n  email: not-an-email\n",
                 "site.yml:4:10: \"not-an-email\" is not an email address");
    expect_error("site.yml",
                 "name: X\nbase_url: https://x/\ncontact:\n  email: a@b.org?cc=c@d.org\n",
                 "site.yml:4:10: \"a@b.org?cc=c@d.org\" is not an email address");
    /* Addresses RFC 5322 allows as they are pass. */
    static const char *const good[] = {"first.last+tag@sub.example.org", "user=x&y@example.org",
                                       "o'brien@example.org"};
    for (size_t i = 0; i < sizeof good / sizeof *good; i++) {
        char *dir = scratch(), *yml = NULL;
        if (asprintf(&yml, "name: X\nbase_url: https://x/\ncontact:\n  email: %s\n", good[i]) < 0)
            abort();
        put(dir, "site.yml", yml);
        struct content c;
        struct diag d = DIAG_INIT;
        content_load(tree, dir, &c, &d);
        for (size_t k = 0; k < d.n; k++)
            if (strstr(d.items[k].msg, "email address"))
                fail_msg("expected %s to pass, got: %s", good[i], d.items[k].msg);
        content_free(&c);
        diag_free(&d);
        free(yml);
        drop(dir);
    }
    expect_error("request.yml", "title: T\nfields:\n  - id: a\n    label: A\n    type: colour\n",
                 "request.yml:5:11: field \"a\": unknown type \"colour\"");
    expect_error("request.yml", "title: T\nfields:\n  - id: a\n    label: A\n    type: radio\n",
                 "request.yml:3:5: field \"a\": type radio needs \"options\"");
    expect_error("request.yml",
                 "title: T\nfields:\n  - {id: a, label: A, type: text}\n"
                 "  - {id: a, label: B, type: text}\n",
                 "request.yml:4:5: field id \"a\" appears twice");
    expect_error("request.yml", "title: T\nfields:\n  - {id: a, label: A, type: text, max: 0}\n",
                 "request.yml:3:40: \"max\" must be between 1 and 20000");
}

/* require_one_of names fields of the form (even when it comes before
 * "fields"), each once; a wrong item is reported at its own line. */
static void test_require_one_of(void **state)
{
    (void)state;
    const char *form = "fields:\n  - {id: email, label: Email, type: email}\n"
                       "  - {id: phone, label: Phone, type: tel}\n";
    char *text = NULL;
    assert_true(asprintf(&text, "title: T\nrequire_one_of:\n  - email\n  - fax\n%s", form) > 0);
    expect_error("request.yml", text,
                 "request.yml:4:5: require_one_of: \"fax\" is not the id of a field of this form");
    free(text);
    assert_true(asprintf(&text, "title: T\n%srequire_one_of: [phone, phone]\n", form) > 0);
    expect_error("request.yml", text, "request.yml:5:25: require_one_of: \"phone\" appears twice");
    free(text);
    assert_true(asprintf(&text, "title: T\n%srequire_one_of: []\n", form) > 0);
    expect_error("request.yml", text,
                 "request.yml:5:17: \"require_one_of\" must list at least one field id");
    free(text);

    char *dir = scratch();
    assert_true(asprintf(&text, "title: T\nrequire_one_of: [phone, email]\n%s", form) > 0);
    put(dir, "request.yml", text);
    free(text);
    struct content c;
    struct diag d = DIAG_INIT;
    assert_int_equal(content_load(tree, dir, &c, &d), 0);
    json_t *one_of = json_object_get(c.request, "require_one_of");
    assert_int_equal(json_array_size(one_of), 2);
    assert_string_equal(json_string_value(json_array_get(one_of, 0)), "phone");
    content_free(&c);
    diag_free(&d);
    drop(dir);
}

/* colors: an accent that fails WCAG AA is refused at the colour, naming it
 * and its contrast; an unquoted one (a YAML comment) gets a hint. */
static void test_colors(void **state)
{
    (void)state;
    const char *site = "name: X\nbase_url: https://x/\ncontact: {email: a@b.org}\n";
    char *text = NULL;
    assert_true(asprintf(&text, "%scolors:\n  accent: \"#ffd700\"\n", site) > 0);
    expect_error("site.yml", text,
                 "site.yml:5:11: colors.accent \"#ffd700\" has a contrast of 1.29:1 with the "
                 "cards' background #f3f6f9 in light mode; WCAG AA needs at least 4.5:1 for text");
    free(text);
    assert_true(
        asprintf(&text, "%scolors: {accent: \"#0b5cad\", accent_dark: \"#0b5cad\"}\n", site) > 0);
    expect_error("site.yml", text,
                 "site.yml:4:42: colors.accent_dark \"#0b5cad\" has a contrast of");
    free(text);
    assert_true(asprintf(&text, "%scolors:\n  accent: #0b5cad\n", site) > 0);
    expect_error("site.yml", text,
                 "site.yml:5:3: colors.accent has no value: write the colour in quotes");
    free(text);
    assert_true(asprintf(&text, "%scolors: {accent: blue}\n", site) > 0);
    expect_error("site.yml", text, "site.yml:4:18: colors.accent \"blue\" is not a colour");
    free(text);
}

static void test_site_errors(void **state)
{
    (void)state;
    expect_error("site.yml", "name: X\nbase_url: ftp://x/\n",
                 "site.yml:2:11: \"ftp://x/\" must start with https:// or http://");
    expect_error("site.yml", "name: X\n", "site.yml:1:1: missing required key \"base_url\"");
    expect_error("site.yml", "name: X\nbase_url: https://x/\nkiosk: 5\n",
                 "site.yml:3:8: kiosk idle time must be between 15 and 86400 seconds");
}

/* The request page always has a way out: an address for sealed text (unless
 * a drop box takes it), and a phone or email for when it cannot seal. */
static void test_site_ways_out(void **state)
{
    (void)state;
    expect_error("site.yml", "name: X\nbase_url: https://x/\ncontact: {phone: 555-0100}\n",
                 "site.yml: contact.email: missing, and there is no submit_url");
    expect_error("site.yml",
                 "name: X\nbase_url: https://x/\nsubmit_url: https://drop.example.org/drop\n",
                 "site.yml: contact: neither phone nor email");
    expect_error("site.yml", "name: X\nbase_url: https://x/\ncontact: {email: ''}\n",
                 "site.yml: contact.email: missing");
    const char *good[] = {
        "name: X\nbase_url: https://x/\ncontact: {email: a@example.org}\n",
        "name: X\nbase_url: https://x/\nsubmit_url: https://drop.example.org/drop\n"
        "contact: {phone: 555-0100}\n",
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        char *dir = scratch();
        put(dir, "site.yml", good[i]);
        struct content c;
        struct diag d = DIAG_INIT;
        if (content_load(tree, dir, &c, &d) != 0) {
            char *got = printed(&d);
            fail_msg("expected site.yml to load:\n%s\ngot:\n%s", good[i], got);
        }
        content_free(&c);
        diag_free(&d);
        drop(dir);
    }
}

static void test_reserved_and_missing_home(void **state)
{
    (void)state;
    expect_error("pages/faq.md", "---\ntitle: FAQ\n---\n",
                 "pages/faq.md:1:1: the page slug \"faq\" is reserved");
    char *dir = scratch();
    char path[512];
    snprintf(path, sizeof path, "%s/pages/index.md", dir);
    unlink(path);
    struct content c;
    struct diag d = DIAG_INIT;
    assert_int_equal(content_load(tree, dir, &c, &d), -1);
    expect_message(&d, "pages/index.md: missing: the home page");
    content_free(&c);
    diag_free(&d);
    drop(dir);
}

/* Every error of a run is reported, not only the first. */
static void test_all_errors_listed(void **state)
{
    (void)state;
    char *dir = scratch();
    put(dir, "faq/why-talk.md", "---\nquestoin: A\ncategory: B\n---\n");
    put(dir, "supporters/bob-baker.md",
        "---\nname: Bob\nrole: chief\ndepartment: M\nmodalities: [fax]\n---\n");
    put(dir, "site.yml", "name: X\nbase_url: https://x/\nlanguage: 'english!'\n");
    struct content c;
    struct diag d = DIAG_INIT;
    assert_int_equal(content_load(tree, dir, &c, &d), -1);
    if (d.nerrors < 5) {
        char *got = printed(&d);
        fail_msg("expected at least 5 errors, got %zu:\n%s", d.nerrors, got);
    }
    expect_message(&d, "unknown key \"questoin\"");
    expect_message(&d, "missing required key \"question\"");
    expect_message(&d, "unknown modality \"fax\"");
    expect_message(&d, "language \"english!\" is not a language tag");
    content_free(&c);
    diag_free(&d);
    drop(dir);
}

/* A file's slug is claimed by the first file in name order that gives it;
 * a name that is not UTF-8 claims none (it cannot be named in JSON), so only
 * the later of the other two is reported. */
static void test_duplicate_slug_claims(void **state)
{
    (void)state;
    char *dir = scratch();
    const char *entry = "---\nquestion: Q?\ncategory: About\n---\n";
    put(dir,
        "faq/A\xff"
        "b.md",
        entry);
    put(dir, "faq/a-b.md", entry);
    put(dir, "faq/a_b.md", entry);
    struct content c;
    struct diag d = DIAG_INIT;
    assert_int_equal(content_load(tree, dir, &c, &d), -1);
    char *want = NULL;
    assert_true(asprintf(&want,
                         "%s/faq/a_b.md:1:1: duplicate slug \"a-b\" (also from %s/faq/a-b.md)", dir,
                         dir) > 0);
    expect_message(&d, want);
    if (d.nerrors != 1) {
        char *got = printed(&d);
        fail_msg("expected one error, got %zu:\n%s", d.nerrors, got);
    }
    free(want);
    content_free(&c);
    diag_free(&d);
    drop(dir);
}

/* Parsing on several threads gives what one thread gives: the same values,
 * sources and messages, in the same order. */
static void test_jobs_same_result(void **state)
{
    (void)state;
    char *dir = scratch();
    for (int i = 0; i < 300; i++) {
        char rel[64], text[256];
        snprintf(rel, sizeof rel, "supporters/s%03d.md", i);
        snprintf(text, sizeof text,
                 "---\nname: S %d\nrole: %s\ndepartment: D%d\nmodalities: [phone, video]\n---\n"
                 "Bio %d.\n",
                 i % 50, i == 123 ? "chief" : "faculty", i % 7, i);
        put(dir, rel, text);
        snprintf(rel, sizeof rel, "faq/q%03d.md", i);
        snprintf(text, sizeof text, "---\nquestion: Q%d?\ncategory: C%d\norder: %d\n---\nA %d\n",
                 i % 40, i % 3, i % 5, i);
        put(dir, rel, i == 77 ? "---\nquestoin: Q?\ncategory: C\n---\n" : text);
    }
    struct content one, four;
    struct diag d1 = DIAG_INIT, d4 = DIAG_INIT;
    assert_int_equal(content_load_jobs(tree, dir, 1, &one, &d1), -1);
    assert_int_equal(content_load_jobs(tree, dir, 4, &four, &d4), -1);
    char *p1 = printed(&d1), *p4 = printed(&d4);
    if (strcmp(p1, p4))
        fail_msg("one thread reported:\n%s\nfour reported:\n%s", p1, p4);
    assert_int_equal(json_array_size(one.supporters), 302);
    assert_true(json_equal(one.supporters, four.supporters));
    assert_true(json_equal(one.faq, four.faq));
    assert_true(json_equal(one.categories, four.categories));
    assert_int_equal(one.nsources, four.nsources);
    for (size_t i = 0; i < one.nsources; i++) {
        assert_string_equal(one.sources[i].path, four.sources[i].path);
        assert_string_equal(one.sources[i].body, four.sources[i].body);
        assert_int_equal(one.sources[i].body_line, four.sources[i].body_line);
    }
    free(p1);
    free(p4);
    content_free(&one);
    content_free(&four);
    diag_free(&d1);
    diag_free(&d4);
    drop(dir);
}

/* A reuse hook that records, under a lock, when each file is stamped and
 * when it is about to be read (stand_in is asked just before). */
struct order_log {
    pthread_mutex_t lock;
    size_t n, faq_files;
    struct order_event {
        char what; /* 's' stamped, 'r' about to be read */
        bool faq;
        size_t i;
    } ev[2048];
    bool keep_faq; /* kept_whole's answer for the FAQ */
    int asked_whole;
};

static void log_event(struct order_log *l, char what, const char *collection, size_t i)
{
    pthread_mutex_lock(&l->lock);
    if (l->n < sizeof l->ev / sizeof l->ev[0])
        l->ev[l->n++] = (struct order_event){what, !strcmp(collection, "faq"), i};
    pthread_mutex_unlock(&l->lock);
}

static void log_files(void *ctx, const char *collection, char *const *paths, size_t n)
{
    (void)paths;
    struct order_log *l = ctx;
    if (!strcmp(collection, "faq"))
        l->faq_files = n;
}

static void log_stamp(void *ctx, const char *collection, size_t i, const char *path, int dirfd,
                      const char *name)
{
    (void)path;
    (void)dirfd;
    (void)name;
    log_event(ctx, 's', collection, i);
}

static bool log_apart(void *ctx, const char *collection)
{
    (void)ctx;
    return !strcmp(collection, "faq");
}

static bool log_whole(void *ctx, const char *collection)
{
    struct order_log *l = ctx;
    l->asked_whole += !strcmp(collection, "faq") ? 1 : 100;
    return l->keep_faq;
}

static json_t *log_stand_in(void *ctx, const char *collection, size_t i)
{
    log_event(ctx, 'r', collection, i);
    return NULL;
}

/* The FAQ, which may be kept whole, has every file stamped before any is
 * read, and is read only when not kept; a supporter's file is stamped just
 * before it is read, in the same pass as the FAQ's stamps. */
static void test_reuse_stamp_order(void **state)
{
    (void)state;
    char *dir = scratch();
    for (int i = 0; i < 200; i++) {
        char rel[64], text[160], file[16], name[16];
        snprintf(file, sizeof file, "s%03d", i);
        snprintf(name, sizeof name, "S %d", i);
        put_supporter(dir, file, name, "");
        snprintf(rel, sizeof rel, "faq/q%03d.md", i);
        snprintf(text, sizeof text, "---\nquestion: Q%d?\ncategory: C\n---\nA.\n", i);
        put(dir, rel, text);
    }
    for (int keep = 0; keep < 2; keep++) {
        struct order_log *l = calloc(1, sizeof *l);
        assert_non_null(l);
        pthread_mutex_init(&l->lock, NULL);
        l->keep_faq = keep;
        struct content_reuse hook = {l,    log_files, log_stamp, log_apart, log_whole, log_stand_in,
                                     NULL, NULL,      NULL};
        struct content c;
        struct diag d = DIAG_INIT;
        if (content_load_reusing(tree, dir, 4, &hook, &c, &d) != 0) {
            char *said = printed(&d);
            fail_msg("keep %d: expected the content to load, got:\n%s", keep, said);
        }
        assert_int_equal(l->asked_whole, 1); /* the FAQ's alone, once */
        size_t nfaq = l->faq_files, faq_stamped = 0, faq_read = 0;
        bool *stamped = calloc(512, 1);
        assert_non_null(stamped);
        for (size_t k = 0; k < l->n; k++) {
            const struct order_event *e = &l->ev[k];
            if (e->faq && e->what == 's')
                faq_stamped++;
            if (e->faq && e->what == 'r') {
                if (faq_stamped != nfaq)
                    fail_msg("keep %d: FAQ file %zu read after %zu of %zu FAQ stamps, expected "
                             "all first",
                             keep, e->i, faq_stamped, nfaq);
                faq_read++;
            }
            if (!e->faq && e->what == 's')
                stamped[e->i] = true;
            if (!e->faq && e->what == 'r' && !stamped[e->i])
                fail_msg("keep %d: supporter file %zu read before it was stamped", keep, e->i);
        }
        assert_int_equal(faq_stamped, nfaq);
        assert_int_equal(faq_read, keep ? 0 : nfaq);
        assert_int_equal(json_array_size(c.faq), keep ? 0 : nfaq);
        assert_true(json_array_size(c.supporters) >= 200);
        free(stamped);
        content_free(&c);
        diag_free(&d);
        pthread_mutex_destroy(&l->lock);
        free(l);
    }
    drop(dir);
}

/* A hook that stands in for supporters 1 and 3 (of s0 .. s5) with names of
 * its own, so the order proves they were used and their files not read. */
static const char *stand_in_langs[] = {"Igbo", "English"};

static void none_files(void *ctx, const char *collection, char *const *paths, size_t n)
{
    (void)ctx, (void)collection, (void)paths, (void)n;
}

static void none_stamp(void *ctx, const char *collection, size_t i, const char *path, int dirfd,
                       const char *name)
{
    (void)ctx, (void)collection, (void)i, (void)path, (void)dirfd, (void)name;
}

static bool none_whole(void *ctx, const char *collection)
{
    (void)ctx, (void)collection;
    return false;
}

static json_t *no_stand_in(void *ctx, const char *collection, size_t i)
{
    (void)ctx, (void)collection, (void)i;
    return NULL;
}

static bool odd_stand_in(void *ctx, size_t i, struct content_stand_in *s)
{
    (void)ctx;
    if (i != 1 && i != 3)
        return false;
    s->name = i == 1 ? "A1" : "A3";
    s->accepting = i == 1;
    s->languages = malloc(sizeof stand_in_langs);
    assert_non_null(s->languages);
    memcpy(s->languages, stand_in_langs, sizeof stand_in_langs);
    s->nlanguages = i == 1 ? 2 : 0;
    s->reused = 100 + i;
    return true;
}

static void test_supporter_stand_ins(void **state)
{
    (void)state;
    char *dir = scratch_without_supporters();
    for (int i = 0; i < 6; i++) {
        char file[16], name[16];
        snprintf(file, sizeof file, "s%d", i);
        snprintf(name, sizeof name, "S %d", i);
        put_supporter(dir, file, name, "accepting: false\nlanguages: [Welsh]\n");
    }
    put(dir, "supporters/s3.md", "---\nname: [not, read]\n---\n"); /* stood in for: not read */
    struct content_reuse hook = {NULL,        none_files, none_stamp, NULL,        none_whole,
                                 no_stand_in, NULL,       NULL,       odd_stand_in};
    struct content c;
    struct diag d = DIAG_INIT;
    if (content_load_reusing(tree, dir, 2, &hook, &c, &d) != 0) {
        char *said = printed(&d);
        fail_msg("expected the content to load, got:\n%s", said);
    }
    static const struct {
        const char *name, *slug, *langs;
        bool stand_in, accepting;
    } want[] = {
        {"A1", "s1", "Igbo|English", true, true}, {"A3", "s3", "", true, false},
        {"S 0", "s0", "Welsh", false, false},     {"S 2", "s2", "Welsh", false, false},
        {"S 4", "s4", "Welsh", false, false},     {"S 5", "s5", "Welsh", false, false},
    };
    assert_int_equal(json_array_size(c.supporters), 6);
    for (size_t k = 0; k < 6; k++) {
        json_t *s = json_array_get(c.supporters, k);
        const struct content_stand_in *si = content_stand_in_of(&c, s);
        char langs[64] = "", path[256];
        for (size_t j = 0; j < content_supporter_nlanguages(&c, s); j++)
            snprintf(langs + strlen(langs), sizeof langs - strlen(langs), "%s%s", j ? "|" : "",
                     content_supporter_language(&c, s, j));
        snprintf(path, sizeof path, "%s/supporters/%s.md", dir, want[k].slug);
        if (strcmp(content_supporter_name(&c, s), want[k].name) ||
            strcmp(content_item_slug(&c, s), want[k].slug) ||
            strcmp(content_item_path(&c, s), path) || strcmp(langs, want[k].langs) ||
            (si != NULL) != want[k].stand_in ||
            content_supporter_accepting(&c, s) != want[k].accepting)
            fail_msg("supporter %zu: expected %s (%s, %s, languages \"%s\", accepting %d, "
                     "stand-in %d), got %s (%s, %s, languages \"%s\", accepting %d, stand-in %d)",
                     k, want[k].name, want[k].slug, path, want[k].langs, want[k].accepting,
                     want[k].stand_in, content_supporter_name(&c, s), content_item_slug(&c, s),
                     content_item_path(&c, s), langs, content_supporter_accepting(&c, s),
                     si != NULL);
        if (si)
            assert_int_equal(si->reused, k == 0 ? 101 : 103);
    }
    assert_int_equal(d.nerrors, 0);
    content_free(&c);
    diag_free(&d);
    drop(dir);
}

static int by_cstr(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Supporters come in name order whatever their files' order: nearly in it
 * (one moved up, one moved down, as after an edit; the order a rebuild
 * finds), the reverse of it, and shuffled. */
static void test_supporters_sorted_from_any_order(void **state)
{
    (void)state;
    enum { N = 60 };
    for (int pattern = 0; pattern < 3; pattern++) {
        char *dir = scratch_without_supporters();
        char names[N][32];
        const char *want[N];
        unsigned seed = 7;
        for (int i = 0; i < N; i++) {
            int at = pattern == 0   ? i
                     : pattern == 1 ? N - 1 - i
                                    : (int)((seed = seed * 1103515245u + 12345u) >> 16) % 1000;
            if (pattern == 0 && i == 5)
                at = 50; /* sorts far later than its file */
            if (pattern == 0 && i == 40)
                at = 2; /* and far earlier */
            snprintf(names[i], sizeof names[i], "P %03d %02d", at, i);
            want[i] = names[i];
            char file[16];
            snprintf(file, sizeof file, "f%02d", i);
            put_supporter(dir, file, names[i], "");
        }
        qsort(want, N, sizeof *want, by_cstr);
        struct content c;
        struct diag d = DIAG_INIT;
        if (content_load(tree, dir, &c, &d) != 0) {
            char *said = printed(&d);
            fail_msg("pattern %d: expected the content to load, got:\n%s", pattern, said);
        }
        assert_int_equal(json_array_size(c.supporters), N);
        for (size_t k = 0; k < N; k++) {
            const char *got = content_supporter_name(&c, json_array_get(c.supporters, k));
            if (strcmp(got, want[k]))
                fail_msg("pattern %d, place %zu: expected %s, got %s", pattern, k, want[k], got);
        }
        content_free(&c);
        diag_free(&d);
        drop(dir);
    }
}

/* With a ys_strings, equal strings of files loaded one after the other are
 * mostly one JSON string (a slot may go to another string meanwhile), and no
 * value is ever taken for another: 2,000 files whose values share slots. */
static void test_shared_strings(void **state)
{
    (void)state;
    static const struct ys_key spec[] = {
        {"name", YS_STRING, true, NULL, NULL, NULL},
        {"tags", YS_STRINGS, false, NULL, NULL, NULL},
        {NULL, 0, false, NULL, NULL, NULL},
    };
    struct ys_strings *strings = calloc(1, sizeof *strings);
    struct diag d = DIAG_INIT;
    json_t *before = NULL;
    int shared = 0;
    for (int i = 0; i < 2000; i++) {
        char yaml[128], name[32], tag[32];
        snprintf(name, sizeof name, "n%d", i);
        snprintf(tag, sizeof tag, "t%d", i % 9);
        snprintf(yaml, sizeof yaml, "name: %s\ntags: [%s, same, %s]\n", name, tag, name);
        json_t *o = ys_load("x.yml", yaml, strlen(yaml), 1, spec, "x", NULL, strings, &d);
        assert_non_null(o);
        json_t *tags = json_object_get(o, "tags");
        assert_string_equal(json_string_value(json_object_get(o, "name")), name);
        assert_string_equal(json_string_value(json_array_get(tags, 0)), tag);
        assert_string_equal(json_string_value(json_array_get(tags, 1)), "same");
        assert_string_equal(json_string_value(json_array_get(tags, 2)), name);
        shared += before && json_array_get(tags, 1) == before;
        json_decref(before);
        before = json_incref(json_array_get(tags, 1));
        json_decref(o);
    }
    if (shared < 1900)
        fail_msg("expected \"same\" to be shared from file to file, it was %d times of 1999",
                 shared);
    assert_int_equal(d.nerrors, 0);
    json_decref(before);
    ys_strings_free(strings);
    free(strings);
}

static void test_slugify(void **state)
{
    (void)state;
    const char *cases[][2] = {
        {"Is It Safe.md", "is-it-safe"}, {"a--b__c.md", "a-b-c"}, {"--x--.md", "x"},
        {"Ünïcode.md", "n-code"},        {"...md", ""},           {"007.md", "007"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *s = content_slugify(cases[i][0]);
        if (strcmp(s, cases[i][1]))
            fail_msg("slugify(%s): expected \"%s\", got \"%s\"", cases[i][0], cases[i][1], s);
        free(s);
    }
}

static void test_frontmatter_split(void **state)
{
    (void)state;
    const char *text = "---\r\na: 1\r\n---\r\nbody\n";
    struct fm fm;
    struct diag d = DIAG_INIT;
    assert_int_equal(fm_split("x.md", text, strlen(text), &fm, &d), 0);
    assert_int_equal(fm.yaml_line, 2);
    assert_int_equal(fm.body_line, 4);
    assert_memory_equal(fm.body, "body\n", 5);
    /* A UTF-8 byte order mark before the first fence is accepted. */
    const char *bom = "\xEF\xBB\xBF---\na: 1\n---\n";
    assert_int_equal(fm_split("x.md", bom, strlen(bom), &fm, &d), 0);
    assert_int_equal(d.nerrors, 0);
    diag_free(&d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_minimal_loads),
        cmocka_unit_test(test_unknown_key_suggests),
        cmocka_unit_test(test_missing_required_key),
        cmocka_unit_test(test_wrong_type),
        cmocka_unit_test(test_unknown_role_and_modality),
        cmocka_unit_test(test_photo_errors_at_their_line),
        cmocka_unit_test(test_bad_yaml),
        cmocka_unit_test(test_markdown_value_places),
        cmocka_unit_test(test_duplicate_slug),
        cmocka_unit_test(test_duplicate_key),
        cmocka_unit_test(test_field_errors),
        cmocka_unit_test(test_require_one_of),
        cmocka_unit_test(test_colors),
        cmocka_unit_test(test_site_errors),
        cmocka_unit_test(test_site_ways_out),
        cmocka_unit_test(test_reserved_and_missing_home),
        cmocka_unit_test(test_all_errors_listed),
        cmocka_unit_test(test_duplicate_slug_claims),
        cmocka_unit_test(test_jobs_same_result),
        cmocka_unit_test(test_reuse_stamp_order),
        cmocka_unit_test(test_supporter_stand_ins),
        cmocka_unit_test(test_supporters_sorted_from_any_order),
        cmocka_unit_test(test_shared_strings),
        cmocka_unit_test(test_slugify),
        cmocka_unit_test(test_frontmatter_split),
    };
    tree = tree_fs_new();
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    tree_free(tree);
    return failed;
}
