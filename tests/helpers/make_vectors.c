/* make_vectors: writes the shared test vectors for the envelope format
 * (tests/fixtures/vectors/envelope.json): a key pair from fixed seeds, a
 * plaintext with awkward values, its padding, one envelope sealed to the key
 * and its armor. The envelope is random (crypto_box_seal), so the file is
 * made once and committed; tests/unit/sealed/test_vectors.c and
 * tests/browser/request_vectors.mjs check it on both sides.
 *
 *   make_vectors > tests/fixtures/vectors/envelope.json */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "envelope.h"
#include "pubkey.h"

static char *b64(const unsigned char *p, size_t n)
{
    size_t len = sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_ORIGINAL);
    char *s = malloc(len);
    sodium_bin2base64(s, len, p, n, sodium_base64_VARIANT_ORIGINAL);
    return s;
}

int main(void)
{
    unsigned char seed[32], box_pk[32], box_sk[32], sign_pk[32], sign_sk[64];
    if (sodium_init() < 0)
        return 1;
    memset(seed, 0x42, sizeof seed);
    crypto_box_seed_keypair(box_pk, box_sk, seed);
    memset(seed, 0x17, sizeof seed);
    crypto_sign_seed_keypair(sign_pk, sign_sk, seed);
    struct pubkey pk;
    pubkey_from_keys(box_pk, sign_pk, &pk);
    json_error_t err;
    json_t *fields =
        json_loads("{\"referral\":\"colleague\",\"name\":\"Dr Zoë O’Brien \\\"Z\\\" <b>&amp;</b>\","
                   "\"email\":\"zoe@example.org\",\"modality\":[\"phone\",\"in-person\"],"
                   "\"message\":\"Two lines,\\nwith a tab\\there, a slash / and "
                   "🙂\",\"consent\":\"yes\"}",
                   0, &err);
    const char *schema = "0f1e2d3c4b5a69788796a5b4c3d2e1f00112233445566778899aabbccddeeff0";
    json_t *plain = envelope_plain_new(schema, "web", "2026-01-02T03:04:05Z", "K7QF-3MXA", fields);
    char *text = json_dumps(plain, JSON_COMPACT);
    size_t n = strlen(text), bucket = envelope_bucket(n), padded_len;
    unsigned char *padded = calloc(1, bucket);
    memcpy(padded, text, n);
    sodium_pad(&padded_len, padded, n, bucket, bucket);
    size_t env_len = ENVELOPE_HEADER + crypto_box_SEALBYTES + padded_len;
    unsigned char *env = malloc(env_len), id[ENVELOPE_ID_BYTES];
    memcpy(env, ENVELOPE_MAGIC, 4);
    env[4] = ENVELOPE_VERSION;
    memcpy(env + 5, pk.key_id, PUBKEY_ID_BYTES);
    crypto_box_seal(env + ENVELOPE_HEADER, padded, padded_len, box_pk);
    struct buf armor = BUF_INIT;
    envelope_armor(env, env_len, &armor);
    char id_hex[65], sk_hex[65];
    envelope_id(env, env_len, id);
    envelope_id_hex(id, id_hex);
    sodium_bin2hex(sk_hex, sizeof sk_hex, box_sk, 32);
    json_t *out = json_pack(
        "{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:O, s:s, s:i, s:s, s:s, s:s, s:s}", "about",
        "peerkit envelope test vectors: made by tests/helpers/make_vectors.c", "box_pk",
        b64(box_pk, 32), "box_sk_hex", sk_hex, "sign_pk", b64(sign_pk, 32), "key_id", pk.key_id_hex,
        "fingerprint", pk.fingerprint, "schema", schema, "channel", "web", "submitted",
        "2026-01-02T03:04:05Z", "fields", fields, "reference", "K7QF-3MXA", "padded_len",
        (int)padded_len, "plaintext", text, "padded", b64(padded, padded_len), "envelope",
        b64(env, env_len), "armor", armor.data);
    json_object_set_new(out, "envelope_id", json_string(id_hex));
    json_dumpf(out, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    putchar('\n');
    return 0;
}
