/* libFuzzer target: bundles, as given and behind a valid bundle header. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bundle.h"
#include "envelope.h"

static void seen(void *ctx, size_t pos, const unsigned char *env, size_t len,
                 const unsigned char *id, const char *problem)
{
    (void)ctx;
    (void)pos;
    if (env) {
        /* An envelope handed on must match its id. */
        unsigned char want[ENVELOPE_ID_BYTES];
        envelope_id(env, len, want);
        if (problem || !id || memcmp(want, id, sizeof want))
            abort();
    } else if (!problem) {
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct diag d = DIAG_INIT;
    bundle_read(data, size, "fuzz", seen, NULL, &d);
    diag_free(&d);
    unsigned char *b = malloc(size + 16);
    memcpy(b, "PKBUNDLE\1\0\0\0\0\0\0\0", 16);
    memcpy(b + 16, data, size);
    bundle_read(b, size + 16, "fuzz", seen, NULL, &d);
    diag_free(&d);
    free(b);
    return 0;
}
