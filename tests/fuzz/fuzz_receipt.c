/* libFuzzer target: receipts, as given and after a valid start of either
 * version (so the parser gets past the key id and date it cannot guess). No
 * input may verify. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kiosk_fuzz.h"
#include "receipt.h"

static void must_not_verify(const struct adminkey *k, const char *head, const uint8_t *data,
                            size_t size)
{
    struct diag d = DIAG_INIT;
    struct receipt r;
    size_t h = strlen(head);
    char *text = malloc(h + size + 1);
    memcpy(text, head, h);
    if (size)
        memcpy(text + h, data, size);
    if (receipt_verify(&k->pub, text, h + size, "fuzz", &r, &d) == 0)
        abort();
    diag_free(&d);
    free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct adminkey *k = fuzz_key();
    char v1[64];
    snprintf(v1, sizeof v1, "peerkit-receipt v1\nkey-id: %s\n", k->pub.key_id_hex);
    must_not_verify(k, "", data, size);
    must_not_verify(k, v1, data, size);
    must_not_verify(k, "peerkit-receipt v2\ncreated: 2026-11-25T09:30:00Z\n", data, size);
    return 0;
}
