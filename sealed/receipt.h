/* receipt: the administrator's signed word to a kiosk about envelopes it may
 * forget: those safe in the intake database ("held") and those the
 * administrator releases because no import can ever take them ("discard").
 * The kiosk deletes exactly those and nothing else.
 *
 * Version 2, written by this release:
 *     peerkit-receipt v2
 *     created: YYYY-MM-DDTHH:MM:SSZ
 *     held: N
 *     <N lines: envelope ids, 64 hex, sorted, unique>
 *     discard: M
 *     <M lines: envelope ids, sorted, unique, none of them held>
 *     signature: <key id, 16 hex> <base64 of the 64-byte Ed25519 signature>
 *     (one signature line per signing key, 1 to RECEIPT_MAX_SIGNATURES)
 * Every signature covers every byte before the first signature line. While
 * keys are rotated the administrator signs with every loaded key, so a kiosk
 * still holding the old admin.pub and one holding the new accept the same
 * receipt; each verifies the signature of its own key and ignores the rest.
 *
 * Version 1 (earlier releases) still verifies: one key, held ids only:
 *     peerkit-receipt v1
 *     key-id: <hex of the administrator's key id>
 *     created: YYYY-MM-DDTHH:MM:SSZ
 *     count: N
 *     <N lines: envelope ids, 64 hex, sorted, unique>
 *     signature: <base64 of the 64-byte signature over every byte before>
 */
#ifndef PEERKIT_RECEIPT_H
#define PEERKIT_RECEIPT_H

#include <stddef.h>
#include <time.h>

#include "buf.h"
#include "diag.h"
#include "envelope.h"
#include "pubkey.h"

#define RECEIPT_MAX_SIGNATURES 16

/* The ids of a verified receipt (malloc'd lists; receipt_free releases). */
struct receipt {
    unsigned char (*held)[ENVELOPE_ID_BYTES];
    size_t nheld;
    unsigned char (*discard)[ENVELOPE_ID_BYTES];
    size_t ndiscard;
    int version;
};

void receipt_free(struct receipt *r);

/* Appends the signed part of a version 2 receipt: the held ids (nheld, any
 * order, duplicates allowed) and the discarded ones (the same; an id also
 * held is listed as held only), each list sorted and unique. Signing it is
 * the administrator's (admin/sign.h); this module holds no secret key. */
void receipt_body(time_t created, const unsigned char (*held)[ENVELOPE_ID_BYTES], size_t nheld,
                  const unsigned char (*discard)[ENVELOPE_ID_BYTES], size_t ndiscard,
                  struct buf *out);

/* Appends the signature line of pk's key for a body signed with sig. */
void receipt_signature_line(const struct pubkey *pk, const unsigned char sig[64], struct buf *out);

/* Verifies a receipt (either version) against pk: the signature made with
 * pk's key must verify; signatures of other keys are ignored. On success r
 * holds the listed ids. A damaged, truncated, forged or foreign receipt is
 * refused with the reason, and r is left empty. */
int receipt_verify(const struct pubkey *pk, const char *text, size_t len, const char *path,
                   struct receipt *r, struct diag *d);

#endif
