/* sitedata: the program's public data as the built site publishes it:
 * supporters.json (the directory and the roles, whose order is the
 * seniority scale) and request-schema.json (the form: field labels and
 * options; response_within, the promise follow-up is measured against).
 *
 * peeradmin keeps a copy in its workspace (peeradmin site), so matching and
 * follow-up work offline. Both files come from outside: their structure is
 * checked on load and every problem names the file. */
#ifndef PEERKIT_SITEDATA_H
#define PEERKIT_SITEDATA_H

#include <jansson.h>

#include "diag.h"
#include "promise.h"

struct sitedata {
    json_t *supporters; /* the supporters.json document */
    json_t *schema;     /* the request-schema.json document */
    char *dir;
    struct promise promise;
    int has_promise; /* 0 when the site sets no response_within */
};

/* Loads and checks DIR/supporters.json and DIR/request-schema.json. */
int sitedata_load(const char *dir, struct sitedata *sd, struct diag *d);
void sitedata_free(struct sitedata *sd);

/* The label of a value: "role" from the roles list, any other field id from
 * that field's options in the form. NULL when there is none. */
const char *sitedata_label(const struct sitedata *sd, const char *field, const char *value);

/* The form's options for a field ([{value, label}], borrowed; NULL if none). */
json_t *sitedata_options(const struct sitedata *sd, const char *field);

/* The roles list ([{id, label}], borrowed). */
json_t *sitedata_roles(const struct sitedata *sd);

/* Copies both files from site_dir into dest (created, mode 0700; files
 * 0600, written atomically) after checking them. */
int sitedata_copy(const char *site_dir, const char *dest, struct diag *d);

#endif
