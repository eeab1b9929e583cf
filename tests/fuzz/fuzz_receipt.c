/* libFuzzer target: receipts, as given and after a valid first two lines
 * (so the parser gets past the key id it cannot guess). No input may verify. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kiosk_fuzz.h"
#include "receipt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct adminkey *k = fuzz_key();
    struct diag d = DIAG_INIT;
    unsigned char(*ids)[ENVELOPE_ID_BYTES] = NULL;
    size_t n;
    if (receipt_verify(&k->pub, (const char *)data, size, "fuzz", &ids, &n, &d) == 0)
        abort();
    diag_free(&d);
    char head[64];
    int h = snprintf(head, sizeof head, "peerkit-receipt v1\nkey-id: %s\n", k->pub.key_id_hex);
    char *text = malloc((size_t)h + size);
    memcpy(text, head, (size_t)h);
    memcpy(text + h, data, size);
    if (receipt_verify(&k->pub, text, (size_t)h + size, "fuzz", &ids, &n, &d) == 0)
        abort();
    diag_free(&d);
    free(text);
    return 0;
}
