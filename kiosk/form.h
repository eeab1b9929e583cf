/* form: the request form as the built site describes it (request-schema.json),
 * and validation of submitted values against it. peerkiosk submit and the
 * kiosk's HTTP server use the same rules.
 *
 * Values are a JSON object: field id -> string (a list of strings for
 * checkboxes; "yes" for a ticked checkbox). Every problem is reported with the
 * field id as its place, in words a requester understands. */
#ifndef PEERKIT_FORM_H
#define PEERKIT_FORM_H

#include <jansson.h>

#include "diag.h"

struct form_schema;

/* Reads DIR/request-schema.json, checks its structure (errors name the file
 * and the field) and hashes its bytes (the schema hash sealed with requests). */
int form_schema_load(const char *site_dir, struct form_schema **out, struct diag *d);
void form_schema_free(struct form_schema *s);

const char *form_schema_hash(const struct form_schema *s);
const char *form_schema_response_time(const struct form_schema *s);
int form_schema_idle(const struct form_schema *s);
/* The fields array as in the file (borrowed). */
json_t *form_schema_fields(const struct form_schema *s);

/* Checks values; on success *normalized (caller decrefs) holds only the
 * fields that were given, with empty values dropped. */
int form_validate(const struct form_schema *s, json_t *values, json_t **normalized,
                  struct diag *d);

#endif
