#include "pubkey.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fsutil.h"

#define MAGIC "peerkit-admin-public-key v1"

int pubkey_from_keys(const unsigned char box_pk[32], const unsigned char sign_pk[32],
                     struct pubkey *pk)
{
    unsigned char h[32], both[64];
    memcpy(pk->box_pk, box_pk, 32);
    memcpy(pk->sign_pk, sign_pk, 32);
    if (crypto_generichash(h, sizeof h, box_pk, 32, NULL, 0) != 0)
        return -1;
    memcpy(pk->key_id, h, PUBKEY_ID_BYTES);
    sodium_bin2hex(pk->key_id_hex, sizeof pk->key_id_hex, pk->key_id, PUBKEY_ID_BYTES);
    memcpy(both, box_pk, 32);
    memcpy(both + 32, sign_pk, 32);
    if (crypto_generichash(h, sizeof h, both, sizeof both, NULL, 0) != 0)
        return -1;
    char *f = pk->fingerprint;
    for (int g = 0; g < 8; g++)
        f += sprintf(f, "%s%02X%02X", g ? " " : "", h[2 * g], h[2 * g + 1]);
    return 0;
}

void pubkey_format(const struct pubkey *pk, struct buf *out)
{
    char box[sodium_base64_ENCODED_LEN(32, sodium_base64_VARIANT_ORIGINAL)];
    char sign[sizeof box];
    sodium_bin2base64(box, sizeof box, pk->box_pk, 32, sodium_base64_VARIANT_ORIGINAL);
    sodium_bin2base64(sign, sizeof sign, pk->sign_pk, 32, sodium_base64_VARIANT_ORIGINAL);
    buf_printf(out, MAGIC "\nkey-id: %s\nbox: %s\nsign: %s\nfingerprint: %s\n", pk->key_id_hex, box,
               sign, pk->fingerprint);
}

/* Decodes a base64 field that must hold exactly 32 bytes. */
static int key32(const char *val, unsigned char out[32])
{
    size_t n = 0;
    const char *end = NULL;
    if (sodium_base642bin(out, 32, val, strlen(val), NULL, &n, &end,
                          sodium_base64_VARIANT_ORIGINAL) != 0 ||
        n != 32 || *end)
        return -1;
    return 0;
}

int pubkey_parse(const char *text, size_t len, const char *path, struct pubkey *pk, struct diag *d)
{
    enum { F_MAGIC, F_ID, F_BOX, F_SIGN, F_FP, F_DONE } want = F_MAGIC;
    static const char *const names[] = {"", "key-id", "box", "sign", "fingerprint"};
    char vals[5][128] = {{0}};
    int lines[5] = {0};
    int line = 0;
    const char *p = text, *end = text + len;
    if (memchr(text, '\0', len)) {
        diag_error(d, path, 1, 1, "not a text file");
        return -1;
    }
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
        line++;
        if (n && p[n - 1] == '\r')
            n--;
        const char *s = p;
        p = nl ? nl + 1 : end;
        if (n == 0 || s[0] == '#')
            continue;
        if (want == F_DONE) {
            diag_error(d, path, line, 1, "unexpected text after the fingerprint");
            return -1;
        }
        if (want == F_MAGIC) {
            if (n != strlen(MAGIC) || memcmp(s, MAGIC, n)) {
                diag_error(d, path, line, 1, "not a peerkit public key (expected \"%s\")", MAGIC);
                return -1;
            }
            want = F_ID;
            continue;
        }
        size_t kl = strlen(names[want]);
        if (n < kl + 2 || memcmp(s, names[want], kl) || s[kl] != ':' || s[kl + 1] != ' ' ||
            n - kl - 2 >= sizeof vals[0]) {
            diag_error(d, path, line, 1, "expected \"%s: ...\"", names[want]);
            return -1;
        }
        memcpy(vals[want], s + kl + 2, n - kl - 2);
        lines[want] = line;
        want++;
    }
    if (want != F_DONE) {
        diag_error(d, path, line ? line : 1, 1, "incomplete public key: \"%s\" is missing",
                   want == F_MAGIC ? MAGIC : names[want]);
        return -1;
    }
    unsigned char box[32], sign[32];
    if (key32(vals[F_BOX], box) < 0) {
        diag_error(d, path, lines[F_BOX], 6, "box key is not 32 bytes of base64");
        return -1;
    }
    if (key32(vals[F_SIGN], sign) < 0) {
        diag_error(d, path, lines[F_SIGN], 7, "sign key is not 32 bytes of base64");
        return -1;
    }
    if (pubkey_from_keys(box, sign, pk) < 0) {
        diag_error(d, path, 0, 0, "cannot hash the keys");
        return -1;
    }
    if (strcmp(vals[F_ID], pk->key_id_hex)) {
        diag_error(d, path, lines[F_ID], 9, "key id does not match the box key (damaged file?)");
        return -1;
    }
    if (strcmp(vals[F_FP], pk->fingerprint)) {
        diag_error(d, path, lines[F_FP], 14,
                   "fingerprint does not match the keys (damaged "
                   "file?)");
        return -1;
    }
    return 0;
}

int pubkey_load(const char *path, struct pubkey *pk, struct diag *d)
{
    char *text = NULL;
    size_t len;
    if (fs_read_file(path, 4096, &text, &len, d) < 0)
        return -1;
    int rc = pubkey_parse(text, len, path, pk, d);
    free(text);
    return rc;
}
