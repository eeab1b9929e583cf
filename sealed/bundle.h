/* bundle: the file peerkiosk export writes for the USB stick.
 *
 * Self-checking: a header ("PKBUNDLE", version, count), then one record per
 * envelope ("PKRC", length, the envelope id = BLAKE2b-256 of the envelope,
 * the envelope), then a trailer ("PKEND", count, BLAKE2b-256 of all records).
 * A damaged record is detected by its id and skipped; reading resynchronises
 * on the next record marker, so one flipped byte loses one envelope at most,
 * and a truncated bundle still yields every intact record before the cut. */
#ifndef PEERKIT_BUNDLE_H
#define PEERKIT_BUNDLE_H

#include <stddef.h>

#include "buf.h"
#include "diag.h"

/* Appends a record for one envelope to a bundle being built in out (start
 * with bundle_begin, end with bundle_end). */
void bundle_begin(struct buf *out);
void bundle_add(struct buf *out, const unsigned char *env, size_t len);
void bundle_end(struct buf *out);

/* 1 if data starts like a bundle. */
int bundle_detect(const unsigned char *data, size_t len);

/* Reads a bundle: fn gets every record in order with its 1-based position,
 * the envelope and its verified id, or NULLs and the reason when that record
 * is damaged.
 * Problems with the bundle as a whole (bad header, truncation, count or
 * checksum mismatch) are added to d. Returns the number of intact records, or
 * -1 when data is not a bundle at all. */
typedef void (*bundle_fn)(void *ctx, size_t pos, const unsigned char *env, size_t len,
                          const unsigned char *id, const char *problem);
long bundle_read(const unsigned char *data, size_t len, const char *path, bundle_fn fn, void *ctx,
                 struct diag *d);

/* bundle_read, and *work (if not NULL): the bytes it searched for record
 * markers or hashed, which stays within 4 * len (plus a few bytes per
 * record): resynchronising is linear in the input. A record whose hash would
 * cover, a second time, more of the input than the budget left (len bytes in
 * all, which honest damage never uses up) is reported damaged unchecked. */
long bundle_scan(const unsigned char *data, size_t len, const char *path, bundle_fn fn, void *ctx,
                 struct diag *d, size_t *work);

#endif
