/* receipt: the administrator's signed list of envelope ids that are safe in
 * the intake database; the kiosk deletes exactly those and nothing else.
 *
 * Text, signed with Ed25519 over every byte before the signature line:
 *     peerkit-receipt v1
 *     key-id: <hex of the administrator's key id>
 *     created: YYYY-MM-DDTHH:MM:SSZ
 *     count: N
 *     <N lines: envelope ids, 64 hex, sorted, unique>
 *     signature: <base64 of the 64-byte signature>
 */
#ifndef PEERKIT_RECEIPT_H
#define PEERKIT_RECEIPT_H

#include <stddef.h>
#include <time.h>

#include "buf.h"
#include "diag.h"
#include "envelope.h"
#include "pubkey.h"

/* Appends the unsigned part of a receipt for pk: the header and the ids (n
 * of them, any order, duplicates allowed), sorted and unique. Signing it is
 * the administrator's (admin/sign.h); this module holds no secret key. */
void receipt_body(const struct pubkey *pk, time_t created,
                  const unsigned char (*ids)[ENVELOPE_ID_BYTES], size_t n, struct buf *out);

/* Verifies a receipt against pk. On success *ids (malloc'd, caller frees)
 * holds the *n listed ids. A damaged, truncated, forged or foreign receipt is
 * refused with the reason. */
int receipt_verify(const struct pubkey *pk, const char *text, size_t len, const char *path,
                   unsigned char (**ids)[ENVELOPE_ID_BYTES], size_t *n, struct diag *d);

#endif
