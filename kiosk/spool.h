/* spool: the kiosk's SQLite store of sealed envelopes, and nothing else: each
 * row is an envelope id, a coarse UTC day stamp and the ciphertext.
 *
 * WAL mode with synchronous=FULL: spool_add returns only once the envelope is
 * durable, so a request acknowledged to the browser survives a crash or power
 * loss. secure_delete overwrites deleted rows. spool_add is safe to call from
 * several threads (one connection behind a mutex). */
#ifndef PEERKIT_SPOOL_H
#define PEERKIT_SPOOL_H

#include <stddef.h>

#include "diag.h"
#include "envelope.h"

struct spool;

enum spool_mode {
    SPOOL_READ,   /* status, export: creates and writes nothing (a read-only medium, a full
                     disk, a spool this user may not write) */
    SPOOL_WRITE,  /* ack: the spool must exist */
    SPOOL_CREATE, /* serve, drop, submit: created (mode 0600) with its schema when absent;
                     an existing spool is not written to by opening it */
};

int spool_open(const char *path, enum spool_mode mode, struct spool **out, struct diag *d);
void spool_close(struct spool *s);

/* Stores one envelope (its id is computed here) in its own transaction. */
int spool_add(struct spool *s, const unsigned char *env, size_t len, struct diag *d);

/* Number of envelopes and the oldest day stamp ("" when empty). */
int spool_status(struct spool *s, long *pending, char oldest[11], struct diag *d);

/* Calls fn for every envelope, oldest day first; within a day in id order,
 * so the order does not reveal when in the day each one was written. A
 * negative return from fn stops the walk with an error. */
typedef int (*spool_fn)(void *ctx, const unsigned char *env, size_t len);
int spool_foreach(struct spool *s, spool_fn fn, void *ctx, struct diag *d);

/* Deletes exactly the listed ids that are present; *deleted counts them.
 * It works on a full disk: the spool keeps a reserve file ("<spool>-reserve",
 * 1 MiB, made with the spool), which opening it with SPOOL_WRITE removes and
 * closing it makes again, and the ids are deleted in batches of about
 * 256 KiB of envelopes,
 * each its own transaction, after which the write-ahead log is checkpointed
 * and truncated, so no copy of a deleted envelope stays in it; pages freed
 * are then given back to the file system. When it stops part way (the
 * error says so), only listed envelopes were deleted. */
int spool_delete(struct spool *s, const unsigned char (*ids)[ENVELOPE_ID_BYTES], size_t n,
                 long *deleted, struct diag *d);

#endif
