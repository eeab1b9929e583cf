/* sign: the administrator's signatures: receipts the kiosk verifies with
 * sealed/receipt.h before it deletes anything. */
#ifndef PEERKIT_SIGN_H
#define PEERKIT_SIGN_H

#include <stddef.h>

#include "buf.h"
#include "diag.h"
#include "envelope.h"
#include "keys.h"

/* Appends a receipt, dated now, for the held ids (nheld of them) and the
 * discarded ones (ndiscard; any order, duplicates allowed), signed with the
 * Ed25519 key of each of keys (nkeys, 1 to RECEIPT_MAX_SIGNATURES): while
 * keys are rotated, kiosks holding any of their admin.pub accept it. */
int sign_receipt(struct adminkey *const *keys, size_t nkeys,
                 const unsigned char (*held)[ENVELOPE_ID_BYTES], size_t nheld,
                 const unsigned char (*discard)[ENVELOPE_ID_BYTES], size_t ndiscard,
                 struct buf *out, struct diag *d);

#endif
