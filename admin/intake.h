/* intake: the administrator's SQLite database of requests, from every
 * channel, and what happened to them.
 *
 * What is secret is encrypted with XChaCha20-Poly1305 under the data key of
 * an administrator key (keys.h): each request's plaintext exactly as it was
 * sealed or entered (contact details and note), its anonymous facts (career
 * stage, reason, referral, modality: what statistics count), the
 * coordinator's outcome note, and the supporter assigned (in the request and
 * in its assignment history: who supports whom, beside the request's times,
 * is personal too). What is clear (reference, channel, times, state) is
 * there to list and sort by, and is authenticated: each row carries a keyed
 * BLAKE2b MAC over every column, so a row edited outside peeradmin is
 * detected and shown as unreadable, never trusted. The database file alone
 * reveals no name, email, phone, note or supporter.
 *
 * The schema is versioned (PRAGMA user_version) and upgraded on open:
 * 1 = the first release (requests only), 2 = states, assignments, audit log,
 * facts and row MACs, 3 = supporters encrypted (and taken out of the audit
 * log). An older database is upgraded in one transaction, with every key
 * its rows need loaded.
 *
 * The audit log holds actions (what, when, which request, the move), never
 * personal data and never the supporter. Import is idempotent on the envelope id; requests
 * entered by hand get a random id, and receipts list only sealed ones. */
#ifndef PEERKIT_INTAKE_H
#define PEERKIT_INTAKE_H

#include <jansson.h>
#include <time.h>

#include "diag.h"
#include "envelope.h"
#include "keys.h"
#include "states.h"

#define INTAKE_VERSION 3

struct intake;

/* Opens (creating if needed) the database and upgrades its schema; keys
 * decrypt rows (the first one encrypts new rows). Refuses a database file
 * readable by group or others, and one written by a newer release. */
int intake_open(const char *path, struct adminkey *const *keys, size_t nkeys, struct intake **out,
                struct diag *d);
void intake_close(struct intake *db);

int intake_begin(struct intake *db, struct diag *d);
int intake_commit(struct intake *db, struct diag *d);
void intake_rollback(struct intake *db);

/* Inserts a request: plain is its parsed object ({fields, channel,
 * reference, submitted, schema}), text the plaintext JSON it was parsed from
 * (stored encrypted as it is). sealed: 1 for an opened envelope (id is its
 * envelope id), 0 for a request entered by hand (id is random). *added is 0
 * when the envelope was already there; *row_id (may be NULL) the row. */
int intake_insert(struct intake *db, const unsigned char id[ENVELOPE_ID_BYTES], json_t *plain,
                  const unsigned char *text, size_t text_len, int sealed, int *added, long *row_id,
                  struct diag *d);

/* 1 if the envelope is already in the database, 0 if not, -1 on error. */
int intake_has(struct intake *db, const unsigned char id[ENVELOPE_ID_BYTES], struct diag *d);

/* One request as {id, envelope_id, channel, reference, submitted, received,
 * state, status (the same), since, supporter, assigned, contacted, closed,
 * purged, facts, outcome, fields} (caller decrefs); fields is absent once
 * purged. since is when the promise runs from (and the month statistics
 * count): submitted when it lies before received by at most 10 days (the
 * sender chose it), else received.
 * A row that cannot be read (its key is not loaded, it fails its MAC, it does
 * not decrypt) comes back as {id, unreadable: why}. NULL with an error only
 * for an unknown id or a database error. */
json_t *intake_get(struct intake *db, long id, struct diag *d);
/* Every request, oldest first, unreadable ones marked as above. */
json_t *intake_list(struct intake *db, struct diag *d);

/* Moves request id by action (states.h), in the caller's transaction:
 * supporter is the slug for ACTION_ASSIGN, outcome the note for
 * ACTION_CLOSE (may be NULL; stored encrypted). Refuses an unknown id, an
 * unreadable row, an illegal move and reopening a purged request. Writes
 * the audit log and the assignment history (the supporter encrypted). */
int intake_move(struct intake *db, long id, enum state_action action, const char *supporter,
                const char *outcome, struct diag *d);

/* Open assignments (assigned or contacted) per supporter slug: {slug: n}. */
json_t *intake_loads(struct intake *db, struct diag *d);

/* Deletes the personal data (plaintext, outcome, reference) of closed and
 * declined requests finished before cutoff, in the caller's transaction,
 * and who supported them (the request's supporter and assignment history);
 * their facts, state and times stay for statistics. dry_run: only count.
 * *count: how many requests are (or would be) purged; *unreadable: how many
 * rows could not be checked (their key is not loaded, they fail their MAC):
 * they are left as they are, whatever their state or purge mark says. */
int intake_purge(struct intake *db, time_t cutoff, int dry_run, long *count, long *unreadable,
                 struct diag *d);

/* After a purge's commit: VACUUM (rewrites the file without free pages) and
 * a truncated write-ahead log, so nothing deleted survives on disk. */
int intake_compact(struct intake *db, struct diag *d);

/* Adds an entry to the audit log (in the caller's transaction): action,
 * the request it concerns (0 for none) and a detail that must hold no
 * personal data. Moves and hand entries log themselves; an import logs
 * once per run. */
int intake_log(struct intake *db, const char *action, long request, const char *detail,
               struct diag *d);

/* The audit log, oldest first: [{at, action, request, detail}]. */
json_t *intake_audit(struct intake *db, struct diag *d);

#endif
