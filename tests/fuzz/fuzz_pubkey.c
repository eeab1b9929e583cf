/* libFuzzer target: admin.pub text. */
#include <stdint.h>

#include "pubkey.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct diag d = DIAG_INIT;
    struct pubkey pk;
    pubkey_parse((const char *)data, size, "fuzz", &pk, &d);
    diag_free(&d);
    return 0;
}
