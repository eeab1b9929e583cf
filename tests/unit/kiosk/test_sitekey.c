/* Unit tests for kiosk/sitekey.c: the kiosk serves a request page only if it
 * shows --pubkey's fingerprint and seals to --pubkey's keys, each exactly
 * once, and only from a site whose admin.pub is --pubkey's key. */
#include "kiosk_support.h"

#include "buf.h"
#include "pubkey.h"
#include "sitekey.h"

static struct adminkey *key_a, *key_b;

/* A request page as the default theme writes it, for box/sign/key id and the
 * fingerprint given. */
static void page(struct buf *out, const struct pubkey *seal, const char *fingerprint)
{
    char box[64], sign[64];
    sodium_bin2base64(box, sizeof box, seal->box_pk, 32, sodium_base64_VARIANT_ORIGINAL);
    sodium_bin2base64(sign, sizeof sign, seal->sign_pk, 32, sodium_base64_VARIANT_ORIGINAL);
    buf_printf(out,
               "<!doctype html><main><form class=\"request-form\" id=\"request-form\" "
               "method=\"dialog\" data-box=\"%s\" data-sign=\"%s\" data-key-id=\"%s\">"
               "</form>\n<p class=\"key\">Requests are sealed for the program administrator’s "
               "key <code>%s</code>, fingerprint <code class=\"fingerprint\" "
               "id=\"seal-fingerprint\">%s</code>.</p></main>",
               box, sign, seal->key_id_hex, seal->key_id_hex, fingerprint);
}

/* Checks html against pk; returns the result and the first reason. */
static int check(const struct buf *html, const struct pubkey *pk, char why[512])
{
    struct diag d = DIAG_INIT;
    int rc = sitekey_check_page(html->data, html->len, "request/index.html", pk, &d);
    snprintf(why, 512, "%s", diag_first(&d));
    assert_true(rc == 0 ? d.nerrors == 0 : d.nerrors > 0);
    diag_free(&d);
    return rc;
}

static void expect_refused(const struct buf *html, const struct pubkey *pk, const char *want)
{
    char why[512];
    int rc = check(html, pk, why);
    if (rc != -1)
        fail_msg("expected the page to be refused (%s), got it accepted", want);
    if (!strstr(why, want))
        fail_msg("expected the reason to say \"%s\", got \"%s\"", want, why);
}

static void test_the_page_of_the_key(void **state)
{
    (void)state;
    struct buf html = BUF_INIT;
    char why[512];
    page(&html, &key_a->pub, key_a->pub.fingerprint);
    if (check(&html, &key_a->pub, why) != 0)
        fail_msg("expected the page built for the key to be accepted, got: %s", why);
    /* The same page for a kiosk sealing to another key. */
    expect_refused(&html, &key_b->pub, "shows fingerprint");
    buf_free(&html);
}

/* The tampered copy: the real administrator's fingerprint shown, another key
 * used to seal (by the kiosk's --pubkey or by the page's script). */
static void test_tampered_pages(void **state)
{
    (void)state;
    struct buf html = BUF_INIT;
    page(&html, &key_b->pub, key_a->pub.fingerprint);
    expect_refused(&html, &key_b->pub, "shows fingerprint \"");
    expect_refused(&html, &key_a->pub, "seals to another key than --pubkey's (data-box)");
    buf_free(&html);
    /* A second fingerprint element, or a second form's keys. */
    page(&html, &key_a->pub, key_a->pub.fingerprint);
    buf_puts(&html, "<code id=\"seal-fingerprint\">0000</code>");
    expect_refused(&html, &key_a->pub, "more than one key fingerprint");
    buf_free(&html);
    page(&html, &key_a->pub, key_a->pub.fingerprint);
    buf_puts(&html, "<form data-box=\"AAAA\">");
    expect_refused(&html, &key_a->pub, "more than one data-box");
    buf_free(&html);
    /* No key on the page at all (a site built without admin.pub). */
    buf_puts(&html,
             "<main><form id=\"request-form\"></form><p id=\"seal-nokey\">No key.</p></main>");
    expect_refused(&html, &key_a->pub, "has no key fingerprint");
    buf_free(&html);
    /* The fingerprint text never reaches the terminal raw. */
    page(&html, &key_a->pub, "\x1b]0;owned\x07");
    char why[512];
    assert_int_equal(check(&html, &key_a->pub, why), -1);
    assert_null(strchr(why, '\x1b'));
    buf_free(&html);
}

static void test_admin_pub(void **state)
{
    (void)state;
    char *dir = scratch_dir();
    struct diag d = DIAG_INIT;
    assert_int_equal(sitekey_check_file(dir, &key_a->pub, &d), -1);
    expect_message(&d, "the site has no admin.pub");
    diag_free(&d);
    struct buf pub = BUF_INIT;
    pubkey_format(&key_a->pub, &pub);
    put_file(dir, "admin.pub", pub.data, pub.len);
    assert_int_equal(sitekey_check_file(dir, &key_a->pub, &d), 0);
    assert_int_equal(sitekey_check_file(dir, &key_b->pub, &d), -1);
    expect_message(&d, "refusing to seal to a key the site does not show");
    diag_free(&d);
    /* The same box key with another signing key: not the same key. */
    struct pubkey mixed;
    pubkey_from_keys(key_a->pub.box_pk, key_b->pub.sign_pk, &mixed);
    assert_int_equal(sitekey_check_file(dir, &mixed, &d), -1);
    expect_message(&d, "another signing key");
    diag_free(&d);
    buf_free(&pub);
    drop_dir(dir);
}

int main(void)
{
    kiosk_test_init();
    key_a = keys_generate();
    key_b = keys_generate();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_the_page_of_the_key),
        cmocka_unit_test(test_tampered_pages),
        cmocka_unit_test(test_admin_pub),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    keys_free(key_a);
    keys_free(key_b);
    return failed;
}
