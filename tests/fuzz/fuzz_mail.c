/* libFuzzer target: mail as the administrator saves it (mbox, .eml: headers,
 * MIME parts, quoted-printable, base64, quoting) with sealed requests in it. */
#include <stdint.h>
#include <stdlib.h>

#include "mail.h"

struct count {
    size_t messages, last_message, last_pos;
};

static void found(void *ctx, size_t message, size_t pos, int line, const unsigned char *env,
                  size_t len, const char *problem)
{
    struct count *c = ctx;
    if (message < c->last_message || message < 1 || line < 1 || (!env && !problem) ||
        (env && problem) || (message == c->last_message && pos != c->last_pos + 1))
        abort();
    if (message != c->last_message && pos != 1)
        abort();
    c->last_message = message;
    c->last_pos = pos;
    volatile unsigned char sink = 0;
    for (size_t i = 0; env && i < len; i++)
        sink ^= env[i]; /* every reported byte must be readable */
    (void)sink;
}

static void empty(void *ctx, size_t message, int line, const char *subject)
{
    struct count *c = ctx;
    if (message < 1 || line < 1 || message == c->last_message)
        abort();
    volatile char sink = 0;
    for (const char *p = subject; p && *p; p++)
        sink ^= *p;
    (void)sink;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct count c = {0, 0, 0};
    mail_scan((const char *)data, size, found, empty, &c);
    (void)mail_detect((const char *)data, size);
    return 0;
}
