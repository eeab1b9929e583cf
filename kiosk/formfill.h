/* formfill: the request form put back as the requester left it, with what
 * is wrong marked (the GOV.UK error-summary pattern), for the kiosk's
 * problems page (422).
 *
 * The form is the request page's own HTML as peersite built it (its fields
 * carry data-field="ID", their controls id="f-ID" or, for choices,
 * id="f-ID-VALUE"): the typed values are written back into it; the error
 * summary at the top (<div class="error-summary" id="seal-errors">) lists
 * every problem in the form's order, each linking to its field; each field
 * with a problem is marked data-invalid, with its message just before its
 * controls and aria-invalid="true" on them. The theme's request.js does the
 * same in the browser.
 *
 * The page goes only to the browser that sent the values, with no-store;
 * the buffer that holds it is sized once, so no copy of the values is left
 * behind by a reallocation, and the caller wipes it. */
#ifndef PEERKIT_FORMFILL_H
#define PEERKIT_FORMFILL_H

#include <jansson.h>

#include "buf.h"
#include "diag.h"

/* Appends to out the form html (the request page's main content) with the
 * values (a JSON object as formspec_validate reads it; NULL when the body
 * could not be read) and the problems (each placed by field id) put in.
 * fields is the schema's fields array; intro is the sentence under the
 * summary's heading. Only values that are text, or choices the field
 * offers, are written back. */
void formfill_render(const char *html, json_t *fields, json_t *values, const struct diag *problems,
                     const char *intro, struct buf *out);

/* The upper bound formfill_render needs beyond html's length, so the
 * caller can size out once. */
size_t formfill_extra(json_t *fields, json_t *values, const struct diag *problems,
                      const char *intro);

#endif
