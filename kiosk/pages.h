/* pages: the HTML the kiosk server writes itself (thank-you, problems with a
 * request, busy, unavailable), dressed in the site's own page: the built
 * request/index.html is split around its <main> element, so these pages have
 * the site's header, crisis banner, footer, stylesheet and script.
 *
 * They are served at /request and /request/thanks, the depth of the request
 * page, so its relative links work unchanged. */
#ifndef PEERKIT_PAGES_H
#define PEERKIT_PAGES_H

#include <jansson.h>

#include "buf.h"
#include "diag.h"
#include "formspec.h"

struct pages;

/* channel is sealed with requests made in the kiosk's browser ("kiosk:<id>"). */
int pages_load(const char *site_dir, const struct formspec *s, const char *channel,
               struct pages **out, struct diag *d);
void pages_free(struct pages *p);

/* The request page as the kiosk serves it: the site's, with the fields
 * enabled and the form posting to POST /request (the kiosk seals a form
 * posted without JavaScript; the page's policy allows it), the browser told
 * to seal and deliver to the kiosk's own /drop, and the kiosk's words. */
void pages_request(const struct pages *p, struct buf *out);

/* The thank-you page: the reference code and the promised response time; it
 * returns to the home page after the site's idle time, even without
 * JavaScript. */
void pages_thanks(const struct pages *p, const char *reference, struct buf *out);

/* 422: the form again as the requester left it (values may be NULL), an
 * error summary linking every problem to its field, and each field's
 * message next to it (formfill.h). The page holds what was typed: send it
 * with no-store and wipe out afterwards. */
void pages_invalid(const struct pages *p, const struct diag *problems, json_t *values,
                   struct buf *out);

/* A short page with a heading and one paragraph (both plain text). */
void pages_message(const struct pages *p, const char *title, const char *text, struct buf *out);

#endif
