#include "sign.h"

#include <sodium.h>
#include <string.h>

#include "clock.h"
#include "receipt.h"

int sign_receipt(struct adminkey *const *keys, size_t nkeys,
                 const unsigned char (*held)[ENVELOPE_ID_BYTES], size_t nheld,
                 const unsigned char (*discard)[ENVELOPE_ID_BYTES], size_t ndiscard,
                 struct buf *out, struct diag *d)
{
    size_t start = out->len;
    if (nkeys == 0 || nkeys > RECEIPT_MAX_SIGNATURES) {
        diag_error(d, "receipt", 0, 0, "a receipt is signed by 1 to %d keys, not %zu",
                   RECEIPT_MAX_SIGNATURES, nkeys);
        return -1;
    }
    receipt_body(clock_now(), held, nheld, discard, ndiscard, out);
    size_t body_len = out->len - start;
    for (size_t i = 0; i < nkeys; i++) {
        unsigned char sig[crypto_sign_BYTES];
        size_t j = 0;
        while (j < i && memcmp(keys[j]->pub.key_id, keys[i]->pub.key_id, PUBKEY_ID_BYTES))
            j++;
        if (j < i)
            continue; /* the same key loaded twice signs once */
        /* out->data may move as lines are appended: sign from where it is now. */
        if (crypto_sign_detached(sig, NULL, (unsigned char *)out->data + start, body_len,
                                 keys[i]->sign_sk) != 0) {
            out->len = start;
            out->data[start] = '\0';
            diag_error(d, "receipt", 0, 0, "cannot sign");
            return -1;
        }
        receipt_signature_line(&keys[i]->pub, sig, out);
    }
    return 0;
}
