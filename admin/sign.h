/* sign: the administrator's signatures: receipts the kiosk verifies with
 * sealed/receipt.h before it deletes anything. */
#ifndef PEERKIT_SIGN_H
#define PEERKIT_SIGN_H

#include <stddef.h>

#include "buf.h"
#include "diag.h"
#include "envelope.h"
#include "keys.h"

/* Appends a receipt for the ids (n of them, 32 bytes each, any order,
 * duplicates allowed), dated now and signed with k's Ed25519 key. */
int sign_receipt(const struct adminkey *k, const unsigned char (*ids)[ENVELOPE_ID_BYTES], size_t n,
                 struct buf *out, struct diag *d);

#endif
