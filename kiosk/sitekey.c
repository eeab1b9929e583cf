#include "sitekey.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "fsutil.h"
#include "termsafe.h"

#define REFUSE "refusing to serve a page that shows another key than the one this kiosk seals to"

int sitekey_check_file(const char *site_dir, const struct pubkey *pk, struct diag *d)
{
    char *path = NULL;
    struct pubkey site_pk;
    int rc = -1;
    if (asprintf(&path, "%s/admin.pub", site_dir) < 0)
        abort();
    if (!fs_exists(path)) {
        diag_error(d, path, 0, 0,
                   "the site has no admin.pub: it was built without the administrator's key "
                   "(content/keys/admin.pub); refusing to seal to a key the site does not show");
    } else if (pubkey_load(path, &site_pk, d) == 0) {
        if (memcmp(site_pk.key_id, pk->key_id, PUBKEY_ID_BYTES))
            diag_error(d, path, 0, 0,
                       "the site shows key %s but --pubkey is key %s; refusing to seal to a key "
                       "the site does not show",
                       site_pk.key_id_hex, pk->key_id_hex);
        else if (strcmp(site_pk.fingerprint, pk->fingerprint))
            diag_error(d, path, 0, 0,
                       "the site's key has fingerprint %s but --pubkey's is %s (another signing "
                       "key); refusing to seal to a key the site does not show",
                       site_pk.fingerprint, pk->fingerprint);
        else
            rc = 0;
    }
    free(path);
    return rc;
}

/* The one occurrence of needle in [html, end), or NULL with a problem named
 * by what (none, or more than one). */
static const char *find_once(const char *html, const char *end, const char *needle,
                             const char *what, const char *path, struct diag *d)
{
    const char *first = memmem(html, (size_t)(end - html), needle, strlen(needle));
    if (!first) {
        diag_error(d, path, 0, 0,
                   "the request page has no %s: the site was built without the administrator's "
                   "key or with a theme that does not show it; " REFUSE,
                   what);
        return NULL;
    }
    const char *after = first + strlen(needle);
    if (memmem(after, (size_t)(end - after), needle, strlen(needle))) {
        diag_error(d, path, 0, 0, "the request page has more than one %s; " REFUSE, what);
        return NULL;
    }
    return first;
}

/* The value of the one attribute name="..." equals want. */
static int check_attribute(const char *html, const char *end, const char *name, const char *want,
                           const char *path, struct diag *d)
{
    char needle[32], what[48];
    snprintf(needle, sizeof needle, " %s=\"", name);
    snprintf(what, sizeof what, "%s attribute", name);
    const char *at = find_once(html, end, needle, what, path, d);
    if (!at)
        return -1;
    const char *value = at + strlen(needle);
    const char *quote = memchr(value, '"', (size_t)(end - value));
    if (!quote || (size_t)(quote - value) != strlen(want) || memcmp(value, want, strlen(want))) {
        diag_error(d, path, 0, 0,
                   "the request page's script seals to another key than --pubkey's (%s); " REFUSE,
                   name);
        return -1;
    }
    return 0;
}

/* The text of the element with id="seal-fingerprint" equals the fingerprint. */
static int check_fingerprint(const char *html, const char *end, const struct pubkey *pk,
                             const char *path, struct diag *d)
{
    const char *at = find_once(html, end, "id=\"seal-fingerprint\"",
                               "key fingerprint (id=\"seal-fingerprint\")", path, d);
    if (!at)
        return -1;
    const char *open = memchr(at, '>', (size_t)(end - at));
    const char *close = open ? memchr(open, '<', (size_t)(end - open)) : NULL;
    if (!close) {
        diag_error(d, path, 0, 0, "the request page's key fingerprint is cut short; " REFUSE);
        return -1;
    }
    const char *text = open + 1;
    size_t n = (size_t)(close - text);
    while (n && (*text == ' ' || *text == '\n')) {
        text++;
        n--;
    }
    while (n && (text[n - 1] == ' ' || text[n - 1] == '\n'))
        n--;
    if (n != strlen(pk->fingerprint) || memcmp(text, pk->fingerprint, n)) {
        struct buf shown = BUF_INIT; /* the site's text: it reaches a terminal */
        termsafe_append(&shown, text, n < 64 ? n : 64, NULL);
        diag_error(d, path, 0, 0,
                   "the request page shows fingerprint \"%s\" but --pubkey's is %s; " REFUSE,
                   shown.data ? shown.data : "", pk->fingerprint);
        buf_free(&shown);
        return -1;
    }
    return 0;
}

int sitekey_check_page(const char *html, size_t len, const char *path, const struct pubkey *pk,
                       struct diag *d)
{
    char box[sodium_base64_ENCODED_LEN(32, sodium_base64_VARIANT_ORIGINAL)];
    char sign[sizeof box];
    const char *end = html + len;
    size_t before = d->nerrors;
    sodium_bin2base64(box, sizeof box, pk->box_pk, 32, sodium_base64_VARIANT_ORIGINAL);
    sodium_bin2base64(sign, sizeof sign, pk->sign_pk, 32, sodium_base64_VARIANT_ORIGINAL);
    check_fingerprint(html, end, pk, path, d);
    check_attribute(html, end, "data-box", box, path, d);
    check_attribute(html, end, "data-sign", sign, path, d);
    check_attribute(html, end, "data-key-id", pk->key_id_hex, path, d);
    return d->nerrors > before ? -1 : 0;
}
