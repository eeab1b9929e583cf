/* formbody: the body of POST /request (application/x-www-form-urlencoded or
 * multipart/form-data, parsed by libmicrohttpd's post processor) collected
 * into the JSON values that formspec_validate checks.
 *
 * Values are gathered in one sodium_malloc arena, wiped by formbody_free,
 * which the server calls however the request ends (completed, refused, the
 * client gone, timed out), and at once when the body is refused.
 * Names of fields the form calls "checkboxes" become lists; any other name
 * given twice becomes a list too, which validation then refuses. Line breaks
 * arrive as CRLF (HTML form encoding) and are stored as LF. */
#ifndef PEERKIT_FORMBODY_H
#define PEERKIT_FORMBODY_H

#include <jansson.h>
#include <microhttpd.h>
#include <stddef.h>

#include "diag.h"
#include "formspec.h"

struct formbody;

/* NULL when the request's content type is not a form encoding. */
struct formbody *formbody_new(struct MHD_Connection *c, const struct formspec *s, size_t max_bytes);
void formbody_free(struct formbody *b);

enum formbody_status { FORMBODY_OK, FORMBODY_TOO_LARGE, FORMBODY_MALFORMED };

/* Feeds a chunk of the body. Once TOO_LARGE (more than max_bytes, or more
 * fields than the form can have) or MALFORMED (not the encoding its type
 * says, such as an unescaped '=' in a value), stays so: the values read so
 * far are wiped at once and the rest of the body is ignored, so the caller
 * can read it to the end and answer with a page instead of dropping the
 * connection. */
enum formbody_status formbody_feed(struct formbody *b, const char *data, size_t len);
enum formbody_status formbody_status(const struct formbody *b);

/* How many bytes of the value arena are not zero: none once a body is
 * refused (and none before anything is read). For tests. */
size_t formbody_residue(const struct formbody *b);

/* The values as a JSON object (caller decrefs), or NULL with a problem per
 * field that is not valid UTF-8 text, or one problem when the body holds a
 * NUL character anywhere (raw, or "%00" urlencoded): no field may contain
 * one, and a name cut at a NUL would become another field's name. */
json_t *formbody_values(struct formbody *b, struct diag *d);

#endif
