/* libFuzzer target: envelopes. The input is tried as an envelope as it is,
 * and as the plaintext of a correctly sealed and padded envelope, so the
 * checks after decryption (padding, JSON, request structure) are reached. */
#include <stdint.h>
#include <string.h>

#include "envelope.h"
#include "kiosk_fuzz.h"
#include "unseal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct adminkey *k = fuzz_key();
    struct diag d = DIAG_INIT;
    json_t *plain = NULL;
    if (unseal_envelope(&k, 1, data, size, &plain, &d) == 0)
        abort(); /* nobody but the key holder can make a valid envelope */
    diag_free(&d);

    if (size >= 65536)
        return 0;
    size_t bucket = 1024, padded;
    while (bucket < size + 1)
        bucket *= 2;
    unsigned char *buf = calloc(1, bucket);
    memcpy(buf, data, size);
    if (sodium_pad(&padded, buf, size, bucket, bucket) != 0)
        abort();
    size_t len = ENVELOPE_HEADER + crypto_box_SEALBYTES + padded;
    unsigned char *env = malloc(len);
    memcpy(env, "PKEV\1", 5);
    memcpy(env + 5, k->pub.key_id, PUBKEY_ID_BYTES);
    crypto_box_seal(env + ENVELOPE_HEADER, buf, padded, k->pub.box_pk);
    if (unseal_envelope(&k, 1, env, len, &plain, &d) == 0) {
        /* Accepted: it must have the structure envelope_seal writes. */
        if (!json_is_object(json_object_get(plain, "fields")))
            abort();
        json_decref(plain);
    }
    diag_free(&d);
    free(env);
    free(buf);
    return 0;
}
