/* form: the request form as the built site describes it (request-schema.json),
 * and validation of submitted values against it. peerkiosk submit and the
 * kiosk's HTTP server use the same rules.
 *
 * Values are a JSON object: field id -> string (a list of strings for
 * checkboxes; "yes" for a ticked checkbox). Every problem is reported with the
 * field id as its place, in words a requester understands. */
#ifndef PEERKIT_FORMSPEC_H
#define PEERKIT_FORMSPEC_H

#include <jansson.h>

#include "buf.h"
#include "diag.h"

struct formspec;

/* The rules of request.yml, shared by the generator (which checks the form
 * and writes request-schema.json), the kiosk and the administrator (which
 * read it). One definition, so the three cannot drift apart. */
#define FORMSPEC_MAX_CHARS 20000

/* 1 if id is 1 to 64 letters, digits, '.', '_' or '-'. */
int formspec_id_valid(const char *id);
/* 1 for text, email, tel, textarea, select, radio, checkbox, checkboxes. */
int formspec_type_known(const char *type);
/* 1 for the types whose values come from "options". */
int formspec_type_is_choice(const char *type);
/* "text, email, ..." for messages. */
const char *formspec_type_list(void);
/* The length limit when request.yml gives none: 4000 for a textarea, else 200. */
long formspec_default_max(const char *type);

/* The request-schema.json object (caller decrefs) for a checked form: request
 * is request.yml as loaded ({title, intro, fields: [{id, label, type,
 * required, help, max, options: [{value, label}]}], require_one_of?: [id,
 * ...]}), response_time and kiosk_idle come from site.yml (either may be
 * NULL). require_one_of is written only when the form has one. */
json_t *formspec_schema_new(json_t *request, json_t *response_time, json_t *kiosk_idle);

/* Reads DIR/request-schema.json, checks its structure (errors name the file
 * and the field) and hashes its bytes (the schema hash sealed with requests). */
int formspec_load(const char *site_dir, struct formspec **out, struct diag *d);
void formspec_free(struct formspec *s);

const char *formspec_hash(const struct formspec *s);
const char *formspec_response_time(const struct formspec *s);
int formspec_idle(const struct formspec *s);
/* The fields array as in the file (borrowed). */
json_t *formspec_fields(const struct formspec *s);

/* What a required field left empty says, by its type ("required: please
 * tick this box" for a checkbox); the browser says the same. */
const char *formspec_required_message(const char *type);

/* The form's require_one_of ids (borrowed), or NULL: at least one of these
 * fields must be given ("a way to reach you"). */
json_t *formspec_one_of(const struct formspec *s);

/* The words for a request that gives none of one_of, naming the fields by
 * their labels: "give at least one of Email, Phone or Pager, so we can
 * reach you". The browser says the same (themes' request.js). */
void formspec_one_of_message(json_t *fields, json_t *one_of, struct buf *out);

/* Checks values; on success *normalized (caller decrefs) holds only the
 * fields that were given, with empty values dropped. Each problem's place is
 * a field id (a missing way to reach the requester: the first id of
 * require_one_of). */
int formspec_validate(const struct formspec *s, json_t *values, json_t **normalized,
                      struct diag *d);

#endif
