/* intake: the administrator's SQLite database of imported requests.
 *
 * Each request's plaintext, exactly as it was sealed (the field values:
 * contact details and message), is stored encrypted with XChaCha20-Poly1305
 * under the data key of an administrator key (keys.h), with the envelope id
 * as associated data: the database file alone reveals no contact details.
 * Reference, channel and times are in clear, to list and sort by. Import is
 * idempotent on the envelope id. */
#ifndef PEERKIT_INTAKE_H
#define PEERKIT_INTAKE_H

#include <jansson.h>

#include "diag.h"
#include "envelope.h"
#include "keys.h"

struct intake;

/* Opens (creating if needed) the database; keys decrypt rows (the first one
 * encrypts new rows). */
int intake_open(const char *path, struct adminkey *const *keys, size_t nkeys, struct intake **out,
                struct diag *d);
void intake_close(struct intake *db);

int intake_begin(struct intake *db, struct diag *d);
int intake_commit(struct intake *db, struct diag *d);
void intake_rollback(struct intake *db);

/* Inserts an opened request: plain is its parsed object, text the plaintext
 * JSON it was parsed from (stored encrypted as it is, so the database keeps
 * exactly what was sealed). *added is 0 when the envelope was already there. */
int intake_insert(struct intake *db, const unsigned char id[ENVELOPE_ID_BYTES], json_t *plain,
                  const unsigned char *text, size_t text_len, int *added, struct diag *d);

/* 1 if the envelope is already in the database, 0 if not, -1 on error. */
int intake_has(struct intake *db, const unsigned char id[ENVELOPE_ID_BYTES], struct diag *d);

/* Every envelope id in the database (malloc'd array, caller frees). */
int intake_ids(struct intake *db, unsigned char (**ids)[ENVELOPE_ID_BYTES], size_t *n,
               struct diag *d);

/* One request as {id, envelope_id, channel, reference, submitted, received,
 * status, fields} (caller decrefs), or an array of all of them (oldest
 * first). A row whose key is not loaded is an error naming the key id. */
json_t *intake_get(struct intake *db, long id, struct diag *d);
json_t *intake_list(struct intake *db, struct diag *d);

#endif
