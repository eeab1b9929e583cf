/* sitekey: the kiosk shows the key it seals to (DESIGN §7).
 *
 * A kiosk seals to --pubkey; its visitors and its installer trust the
 * fingerprint on the request page. A tampered copy of the site could show
 * the real administrator's fingerprint while the kiosk seals to another key,
 * or have the browser seal to another key than the one it shows. So the
 * kiosk checks, and refuses to start otherwise, that the site's admin.pub is
 * --pubkey's key and that the request page it serves shows that key: the
 * fingerprint (the element with id="seal-fingerprint") and the keys the
 * page's script seals with (data-box, data-sign, data-key-id), each exactly
 * once. It checks rather than rewrites: a page that is not what the build
 * wrote for this key is a sign of a wrong or tampered site, which the
 * installer must see, not have papered over. */
#ifndef PEERKIT_SITEKEY_H
#define PEERKIT_SITEKEY_H

#include <stddef.h>

#include "diag.h"
#include "pubkey.h"

/* DIR/admin.pub exists and holds exactly pk (both keys). */
int sitekey_check_file(const char *site_dir, const struct pubkey *pk, struct diag *d);

/* The request page html (len bytes; path for messages) shows pk and seals
 * to pk, as described above. */
int sitekey_check_page(const char *html, size_t len, const char *path, const struct pubkey *pk,
                       struct diag *d);

#endif
