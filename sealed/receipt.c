#include "receipt.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "xalloc.h"

#define MAGIC "peerkit-receipt v1\n"
#define MAX_IDS 10000000u

static int cmp_id(const void *a, const void *b)
{
    return memcmp(a, b, ENVELOPE_ID_BYTES);
}

void receipt_body(const struct pubkey *pk, time_t created,
                  const unsigned char (*ids)[ENVELOPE_ID_BYTES], size_t n, struct buf *out)
{
    unsigned char(*sorted)[ENVELOPE_ID_BYTES] = xmalloc((n ? n : 1) * ENVELOPE_ID_BYTES);
    if (n)
        memcpy(sorted, ids, n * ENVELOPE_ID_BYTES);
    qsort(sorted, n, ENVELOPE_ID_BYTES, cmp_id);
    size_t u = 0;
    for (size_t i = 0; i < n; i++)
        if (u == 0 || memcmp(sorted[u - 1], sorted[i], ENVELOPE_ID_BYTES))
            memmove(sorted[u++], sorted[i], ENVELOPE_ID_BYTES);
    char when[CLOCK_ISO_LEN];
    clock_iso(created, when);
    buf_printf(out, MAGIC "key-id: %s\ncreated: %s\ncount: %zu\n", pk->key_id_hex, when, u);
    for (size_t i = 0; i < u; i++) {
        char hex[65];
        envelope_id_hex(sorted[i], hex);
        buf_printf(out, "%s\n", hex);
    }
    free(sorted);
}

/* Next line of [*p, end) into line/n; 0 at the end. */
static int next_line(const char **p, const char *end, const char **line, size_t *n)
{
    if (*p >= end)
        return 0;
    const char *nl = memchr(*p, '\n', (size_t)(end - *p));
    if (!nl)
        return -1; /* every line ends with a newline: this one was cut */
    *line = *p;
    *n = (size_t)(nl - *p);
    *p = nl + 1;
    return 1;
}

int receipt_verify(const struct pubkey *pk, const char *text, size_t len, const char *path,
                   unsigned char (**ids)[ENVELOPE_ID_BYTES], size_t *n, struct diag *d)
{
    const char *p = text, *end = text + len, *line;
    size_t ln;
    int lineno = 1;
    unsigned char(*list)[ENVELOPE_ID_BYTES] = NULL;
    char field[128];
    unsigned long count = 0;
    if (len < strlen(MAGIC) || memcmp(text, MAGIC, strlen(MAGIC))) {
        diag_error(d, path, 1, 1, "not a peerkit receipt");
        return -1;
    }
    p += strlen(MAGIC);
    /* key-id, created, count */
    static const char *const keys[] = {"key-id: ", "created: ", "count: "};
    for (int i = 0; i < 3; i++) {
        lineno++;
        if (next_line(&p, end, &line, &ln) != 1 || ln <= strlen(keys[i]) ||
            memcmp(line, keys[i], strlen(keys[i])) || ln - strlen(keys[i]) >= sizeof field) {
            diag_error(d, path, lineno, 1, "damaged or truncated receipt: expected \"%s...\"",
                       keys[i]);
            return -1;
        }
        memcpy(field, line + strlen(keys[i]), ln - strlen(keys[i]));
        field[ln - strlen(keys[i])] = '\0';
        if (i == 0 && strcmp(field, pk->key_id_hex)) {
            diag_error(d, path, lineno, 9,
                       "receipt is for key %s, not this kiosk's key %s "
                       "(foreign receipt)",
                       field, pk->key_id_hex);
            return -1;
        }
        if (i == 2) {
            char *stop;
            count = strtoul(field, &stop, 10);
            if (*stop || count > MAX_IDS) {
                diag_error(d, path, lineno, 8, "damaged receipt: bad count");
                return -1;
            }
        }
    }
    list = xmalloc((count ? count : 1) * ENVELOPE_ID_BYTES);
    for (unsigned long i = 0; i < count; i++) {
        lineno++;
        size_t got;
        if (next_line(&p, end, &line, &ln) != 1 || ln != 64 ||
            sodium_hex2bin(list[i], ENVELOPE_ID_BYTES, line, 64, NULL, &got, NULL) != 0 ||
            got != ENVELOPE_ID_BYTES ||
            (i > 0 && memcmp(list[i - 1], list[i], ENVELOPE_ID_BYTES) >= 0)) {
            diag_error(d, path, lineno, 1, "damaged or truncated receipt: bad envelope id");
            goto fail;
        }
    }
    const char *signed_end = p;
    lineno++;
    unsigned char sig[crypto_sign_BYTES];
    size_t siglen = 0;
    if (next_line(&p, end, &line, &ln) != 1 || ln < 11 || memcmp(line, "signature: ", 11) ||
        sodium_base642bin(sig, sizeof sig, line + 11, ln - 11, NULL, &siglen, NULL,
                          sodium_base64_VARIANT_ORIGINAL) != 0 ||
        siglen != sizeof sig) {
        diag_error(d, path, lineno, 1, "damaged or truncated receipt: no valid signature line");
        goto fail;
    }
    if (p != end) {
        diag_error(d, path, lineno + 1, 1, "damaged receipt: text after the signature");
        goto fail;
    }
    if (crypto_sign_verify_detached(sig, (const unsigned char *)text, (size_t)(signed_end - text),
                                    pk->sign_pk) != 0) {
        diag_error(d, path, lineno, 1,
                   "the signature does not verify: forged or altered "
                   "receipt");
        goto fail;
    }
    *ids = list;
    *n = count;
    return 0;
fail:
    free(list);
    return -1;
}
