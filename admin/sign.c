#include "sign.h"

#include <sodium.h>

#include "clock.h"
#include "receipt.h"

int sign_receipt(const struct adminkey *k, const unsigned char (*ids)[ENVELOPE_ID_BYTES], size_t n,
                 struct buf *out, struct diag *d)
{
    size_t start = out->len;
    receipt_body(&k->pub, clock_now(), ids, n, out);
    unsigned char sig[crypto_sign_BYTES];
    char b64[sodium_base64_ENCODED_LEN(crypto_sign_BYTES, sodium_base64_VARIANT_ORIGINAL)];
    if (crypto_sign_detached(sig, NULL, (unsigned char *)out->data + start, out->len - start,
                             k->sign_sk) != 0) {
        out->len = start;
        out->data[start] = '\0';
        diag_error(d, "receipt", 0, 0, "cannot sign");
        return -1;
    }
    sodium_bin2base64(b64, sizeof b64, sig, sizeof sig, sodium_base64_VARIANT_ORIGINAL);
    buf_printf(out, "signature: %s\n", b64);
    return 0;
}
