/* Unit tests for common/webroot.c and kiosk/pages.c: the kiosk server's file
 * resolution (index files, directory redirects, types, and no way out of the
 * site through "..", backslashes or symlinks) and its own pages, dressed in
 * the site's request page with everything escaped. */
#include "kiosk_support.h"

#include <fcntl.h>
#include <sys/stat.h>

#include "buf.h"
#include "formspec.h"
#include "pages.h"
#include "webroot.h"

static char *site;

static enum webroot_result resolve(const char *path, char **body, const char **mime)
{
    struct webroot *w = webroot_open(site);
    assert_non_null(w);
    int fd = -1;
    off_t size = 0;
    *body = NULL;
    enum webroot_result r = webroot_resolve(w, path, &fd, &size, mime);
    if (r == WEBROOT_OK) {
        *body = calloc(1, (size_t)size + 1);
        assert_int_equal(read(fd, *body, (size_t)size), size);
        close(fd);
    }
    webroot_close(w);
    return r;
}

static void test_files_and_indexes(void **state)
{
    (void)state;
    char *body;
    const char *mime;
    assert_int_equal(resolve("/", &body, &mime), WEBROOT_OK);
    assert_string_equal(body, "home");
    assert_string_equal(mime, "text/html; charset=utf-8");
    free(body);
    assert_int_equal(resolve("/faq/", &body, &mime), WEBROOT_OK);
    assert_string_equal(body, "faq");
    free(body);
    assert_int_equal(resolve("/faq", &body, &mime), WEBROOT_REDIRECT);
    assert_int_equal(resolve("/assets/style.css", &body, &mime), WEBROOT_OK);
    assert_string_equal(mime, "text/css; charset=utf-8");
    free(body);
    assert_int_equal(resolve("/nothing.html", &body, &mime), WEBROOT_NOT_FOUND);
    assert_int_equal(resolve("/empty/", &body, &mime), WEBROOT_NOT_FOUND); /* no index.html */
    /* A FIFO in the site is not served and not waited on (alarm: a hang fails). */
    char *fifo = join(site, "fifo.html");
    assert_int_equal(mkfifo(fifo, 0600), 0);
    alarm(5);
    enum webroot_result r = resolve("/fifo.html", &body, &mime);
    alarm(0);
    unlink(fifo);
    free(fifo);
    if (r != WEBROOT_NOT_FOUND)
        fail_msg("a FIFO in the site: expected WEBROOT_NOT_FOUND (%d), got %d", WEBROOT_NOT_FOUND,
                 r);
    assert_string_equal(webroot_mime("a/b.JS"), "text/javascript; charset=utf-8");
    assert_string_equal(webroot_mime("request-schema.json"), "application/json");
    assert_string_equal(webroot_mime("admin.pub"), "text/plain; charset=utf-8");
    assert_string_equal(webroot_mime("dir.v1/file"), "application/octet-stream");
    assert_null(webroot_open("/nonexistent/site"));
}

static void test_no_way_out(void **state)
{
    (void)state;
    static const char *const paths[] = {
        "/../outside.txt", "/faq/../../outside.txt", "/..",           "/./index.html",
        "/faq/..",         "/..\\outside.txt",       "relative.html", "/link-out/outside.txt",
        "/link-file",
    };
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
        char *body;
        const char *mime;
        enum webroot_result r = resolve(paths[i], &body, &mime);
        if (r == WEBROOT_OK)
            fail_msg("%s was served: %s", paths[i], body);
    }
    /* An empty segment is not found: a redirect of "//faq" to "//faq/" would
     * send the browser to the host "faq". */
    static const char *const doubled[] = {"//faq", "///faq",           "//faq/", "/faq//",
                                          "//",    "/faq//index.html", "/fa\rq"};
    for (size_t i = 0; i < sizeof doubled / sizeof doubled[0]; i++) {
        char *b;
        const char *m;
        enum webroot_result r = resolve(doubled[i], &b, &m);
        if (r == WEBROOT_OK || r == WEBROOT_REDIRECT)
            fail_msg("%s: expected not found or forbidden, got %s", doubled[i],
                     r == WEBROOT_OK ? "served" : "a redirect");
        free(b);
    }
    /* Hidden files are never served: the build's record (.peersite-cache)
     * sits at the top of the site. */
    char *record = join(site, ".peersite-cache"), *hidden = join(site, ".hidden");
    FILE *f = fopen(record, "w");
    assert_non_null(f);
    fputs("record", f);
    fclose(f);
    assert_int_equal(mkdir(hidden, 0755), 0);
    char *inner = join(hidden, "index.html");
    f = fopen(inner, "w");
    assert_non_null(f);
    fputs("hidden", f);
    fclose(f);
    static const char *const dotted[] = {"/.peersite-cache", "/.hidden/", "/.hidden/index.html",
                                         "/.hidden"};
    for (size_t i = 0; i < sizeof dotted / sizeof dotted[0]; i++) {
        char *b;
        const char *m;
        enum webroot_result r = resolve(dotted[i], &b, &m);
        if (r != WEBROOT_FORBIDDEN)
            fail_msg("%s: expected forbidden (%d), got %d", dotted[i], WEBROOT_FORBIDDEN, r);
        free(b);
    }
    unlink(inner);
    rmdir(hidden);
    unlink(record);
    free(inner);
    free(hidden);
    free(record);
    /* A symlink that stays inside the site is fine. */
    char *body;
    const char *mime;
    assert_int_equal(resolve("/link-in/index.html", &body, &mime), WEBROOT_OK);
    assert_string_equal(body, "faq");
    free(body);
}

static void test_pages(void **state)
{
    (void)state;
    struct formspec *schema;
    struct pages *p;
    struct diag d = DIAG_INIT;
    assert_int_equal(formspec_load(site, &schema, &d), 0);
    assert_int_equal(pages_load(site, schema, "kiosk:test", &p, &d), 0);

    struct buf out = BUF_INIT;
    pages_thanks(p, "K7QF-3MXA", &out);
    assert_non_null(strstr(out.data, "<title>Request sent · Site</title>"));
    assert_non_null(strstr(out.data, "<strong>K7QF-3MXA</strong>"));
    assert_non_null(strstr(out.data, "contact you today."));
    assert_non_null(strstr(out.data,
                           "<noscript><meta http-equiv=\"refresh\" content=\"60;url=../\">"
                           "</noscript>\n</head>"));
    assert_non_null(strstr(out.data, "data-return-home=\"60\""));
    assert_non_null(strstr(out.data, "<footer>foot</footer>"));
    assert_null(strstr(out.data, "<form")); /* the form is not repeated */
    buf_free(&out);

    /* Problems name the field by its label; everything is escaped. */
    diag_error(&d, "name", 0, 0, "required: please fill this in");
    diag_error(&d, "<script>", 0, 0, "not a field of this form");
    json_t *values = json_pack("{s:s}", "<script>", "x");
    pages_invalid(p, &d, values, &out);
    json_decref(values);
    assert_non_null(strstr(out.data, "<title>Error: Ask · Site</title>"));
    assert_non_null(
        strstr(out.data, "<li><a href=\"#f-name\">Name — required: please fill this in</a></li>"));
    assert_non_null(strstr(out.data, "<li>&lt;script&gt; — not a field of this form</li>"));
    assert_null(strstr(out.data, "<script>"));
    /* A page without the summary's place gets it at the top of <main>. */
    assert_non_null(strstr(out.data, "<main id=\"main\">\n<div class=\"error-summary\""));
    /* The form again, which the kiosk can take without JS. */
    assert_non_null(strstr(out.data, "<form class=\"request-form\" id=\"request-form\" "
                                     "method=\"post\" action=\"../request\">"));
    assert_null(strstr(out.data, " disabled>"));
    assert_non_null(strstr(out.data, "form-action 'self'"));
    buf_free(&out);

    /* The kiosk's request page: fields enabled, the browser told to seal to
     * the kiosk's /drop with its channel, the kiosk's words instead of the
     * public site's "needs JavaScript". */
    pages_request(p, &out);
    assert_non_null(strstr(out.data, "<fieldset class=\"request-fields\" id=\"request-fields\" "
                                     "data-drop=\"../drop\" data-channel=\"kiosk:test\">"));
    assert_null(strstr(out.data, "needs JavaScript"));
    assert_non_null(strstr(out.data, "by the kiosk itself if scripts are off"));
    /* The public page posts nowhere; the kiosk's posts to its POST /request. */
    assert_non_null(strstr(out.data, "id=\"request-form\" method=\"post\" action=\"../request\""));
    assert_null(strstr(out.data, "method=\"dialog\""));
    assert_non_null(strstr(out.data, "default-src 'none'; form-action 'self'\""));
    assert_null(strstr(out.data, "form-action 'none'"));
    /* Once sent, the kiosk's own words: the sealed text is stored right here. */
    assert_null(strstr(out.data, "left this device"));
    assert_non_null(strstr(out.data, "<p>Sent. It was sealed in this kiosk’s browser before it was "
                                     "stored on this kiosk"));
    assert_non_null(strstr(out.data, "<footer>foot</footer>"));
    /* Only the kiosk runs its idle countdown: its script, uncommented. */
    assert_non_null(
        strstr(out.data, "</title><script src=\"../assets/kiosk.js\"></script></head>"));
    assert_null(strstr(out.data, "peerkit:kiosk-script"));
    buf_free(&out);
    diag_free(&d);

    pages_message(p, "Too <many>", "Wait & see", &out);
    assert_non_null(strstr(out.data, "<h1>Too &lt;many&gt;</h1>\n<p>Wait &amp; see</p>"));
    buf_free(&out);
    pages_free(p);

    /* A request page that peersite did not build is refused. */
    char *other = scratch_dir(), *req = join(other, "request");
    assert_int_equal(mkdir(req, 0755), 0);
    put_file(other, "request/index.html", "<html>no main</html>", 20);
    assert_int_equal(pages_load(other, schema, "kiosk:test", &p, &d), -1);
    expect_message(&d, "not a request page built by peersite");
    diag_free(&d);
    /* ... nor one from before the form stopped posting to the host. */
    const char *old = "<html><head><title>Ask · Site</title></head><body><main>"
                      "<!-- peerkit:how --><!-- /peerkit:how -->"
                      "<form class=\"request-form\" id=\"request-form\" method=\"post\">"
                      "<fieldset class=\"request-fields\" id=\"request-fields\" disabled>"
                      "</fieldset></form></main></body></html>";
    put_file(other, "request/index.html", old, strlen(old));
    assert_int_equal(pages_load(other, schema, "kiosk:test", &p, &d), -1);
    expect_message(&d, "rebuild the site with this version");
    diag_free(&d);
    free(req);
    drop_dir(other);
    formspec_free(schema);
}

int main(void)
{
    kiosk_test_init();
    char *dir = scratch_dir();
    site = join(dir, "site");
    char *path;
    assert_int_equal(mkdir(site, 0755), 0);
    const char *dirs[] = {"faq", "assets", "empty", "request"};
    for (size_t i = 0; i < 4; i++) {
        path = join(site, dirs[i]);
        assert_int_equal(mkdir(path, 0755), 0);
        free(path);
    }
    put_file(site, "index.html", "home", 4);
    put_file(site, "faq/index.html", "faq", 3);
    put_file(site, "assets/style.css", "body{}", 6);
    put_file(dir, "outside.txt", "secret", 6);
    put_file(site, "request-schema.json", SCHEMA_JSON, strlen(SCHEMA_JSON));
    const char *req =
        "<!doctype html><html><head><meta http-equiv=\"Content-Security-Policy\" "
        "content=\"default-src 'none'; form-action 'none'\">"
        "<title>Ask · Site</title>"
        "<!-- peerkit:kiosk-script <script src=\"../assets/kiosk.js\"></script> --></head><body>"
        "<main id=\"main\"><!-- peerkit:how --><p>needs JavaScript</p>"
        "<!-- /peerkit:how --><p>Sent. <!-- peerkit:sent -->Only the sealed text left this "
        "device.<!-- /peerkit:sent --></p><form class=\"request-form\" id=\"request-form\" "
        "method=\"dialog\"><fieldset "
        "class=\"request-fields\" id=\"request-fields\" disabled></fieldset>"
        "</form></main>"
        "<footer>foot</footer></body></html>";
    put_file(site, "request/index.html", req, strlen(req));
    char *out = join(dir, "outside.txt"), *link = join(site, "link-out"),
         *lf = join(site, "link-file"), *in = join(site, "link-in"), *faq = join(site, "faq");
    assert_int_equal(symlink(dir, link), 0);
    assert_int_equal(symlink(out, lf), 0);
    assert_int_equal(symlink(faq, in), 0);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_files_and_indexes),
        cmocka_unit_test(test_no_way_out),
        cmocka_unit_test(test_pages),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    free(out);
    free(link);
    free(lf);
    free(in);
    free(faq);
    free(site);
    drop_dir(dir);
    return failed;
}
