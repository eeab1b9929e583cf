/* libFuzzer target: armored requests in arbitrary text (mail, pastes). */
#include <stdint.h>
#include <stdlib.h>

#include "envelope.h"

struct count {
    size_t calls;
};

static void seen(void *ctx, size_t pos, int line, const unsigned char *env, size_t len,
                 const char *problem)
{
    struct count *c = ctx;
    if (pos != ++c->calls || line < 1 || (!env && !problem) || (env && problem))
        abort();
    volatile unsigned char sink = 0;
    for (size_t i = 0; env && i < len; i++)
        sink ^= env[i]; /* every reported byte must be readable */
    (void)sink;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct count c = {0};
    if (envelope_dearmor((const char *)data, size, seen, &c) != c.calls)
        abort();
    return 0;
}
