#include "unseal.h"

#include <sodium.h>
#include <string.h>

#include "secmem.h"

int unseal_envelope(struct adminkey *const *keys, size_t n, const unsigned char *env, size_t len,
                    json_t **plain, struct diag *d)
{
    unsigned char *scratch = secmem_alloc(ENVELOPE_MAX);
    size_t text_len;
    int rc = unseal_envelope_into(keys, n, scratch, env, len, plain, &text_len, d);
    sodium_free(scratch); /* wipes */
    return rc;
}

int unseal_envelope_into(struct adminkey *const *keys, size_t n, unsigned char *scratch,
                         const unsigned char *env, size_t len, json_t **plain, size_t *text_len,
                         struct diag *d)
{
    if (len < ENVELOPE_MIN || len > ENVELOPE_MAX || memcmp(env, ENVELOPE_MAGIC, 4)) {
        diag_error(d, "", 0, 0, "not a sealed request (bad header or length)");
        return -1;
    }
    if (env[4] != ENVELOPE_VERSION) {
        diag_error(d, "", 0, 0, "unsupported envelope version %d", env[4]);
        return -1;
    }
    struct adminkey *k = NULL;
    for (size_t i = 0; i < n && !k; i++)
        if (!memcmp(keys[i]->pub.key_id, env + 5, PUBKEY_ID_BYTES))
            k = keys[i];
    if (!k) {
        char hex[2 * PUBKEY_ID_BYTES + 1];
        sodium_bin2hex(hex, sizeof hex, env + 5, PUBKEY_ID_BYTES);
        diag_error(d, "", 0, 0, "sealed for unknown key id %s", hex);
        return -1;
    }
    size_t clen = len - ENVELOPE_HEADER, plen = clen - crypto_box_SEALBYTES, unpadded;
    unsigned char *buf = scratch;
    if (crypto_box_seal_open(buf, env + ENVELOPE_HEADER, clen, k->pub.box_pk, k->box_sk) != 0) {
        diag_error(d, "", 0, 0, "damaged envelope (authentication failed)");
        goto out;
    }
    /* The padding was authenticated with the rest, so a plain scan from the end
     * is safe (sodium_unpad's constant-time scan of the whole bucket guards
     * against padding oracles, which cannot exist after the MAC check). */
    unpadded = plen;
    while (unpadded > 0 && buf[unpadded - 1] == 0)
        unpadded--;
    if (plen != envelope_bucket(plen - 1) || unpadded == 0 || buf[--unpadded] != 0x80) {
        diag_error(d, "", 0, 0, "damaged envelope (bad padding)");
        goto out;
    }
    if (envelope_parse_plain((const char *)buf, unpadded, plain, d) < 0)
        goto out;
    *text_len = unpadded; /* the caller wipes; what follows is only padding */
    return 0;
out:
    sodium_memzero(buf, plen);
    return -1;
}
