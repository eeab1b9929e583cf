/* libFuzzer target: a POST /drop body as the drop box checks it (binary or
 * armored envelope, key id, size bucket). */
#include <sodium.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "drop.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct pubkey pk;
    static int ready;
    if (!ready) {
        unsigned char box[32] = {1}, sign[32] = {2};
        if (sodium_init() < 0 || pubkey_from_keys(box, sign, &pk) < 0)
            abort();
        ready = 1;
    }
    struct diag d = DIAG_INIT;
    unsigned char *env = NULL;
    size_t len = 0;
    unsigned status = 0;
    int rc = drop_parse(&pk, data, size, &env, &len, &status, &d);
    if (rc == 0 &&
        (!env || len < ENVELOPE_MIN || len > ENVELOPE_MAX || memcmp(env + 5, pk.key_id, 8)))
        abort();
    if (rc < 0 && (env || (status != 400 && status != 403) || d.nerrors == 0))
        abort();
    free(env);
    diag_free(&d);
    return 0;
}
