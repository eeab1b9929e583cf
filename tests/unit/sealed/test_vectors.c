/* Unit test: the shared envelope test vectors (tests/fixtures/vectors/
 * envelope.json) hold in C: the key id and fingerprint of the key pair, the
 * plaintext JSON envelope_plain_new writes for the fields, its padding, the
 * envelope opening to exactly that padding with the vector's secret key,
 * and envelope_armor's text. tests/browser/request_vectors.mjs checks the
 * same file against the request page's script. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "diag.h"
#include "envelope.h"
#include "pubkey.h"

static json_t *v;

static const char *str(const char *key)
{
    const char *s = json_string_value(json_object_get(v, key));
    if (!s)
        fail_msg("the vectors have no \"%s\"", key);
    return s;
}

/* base64 member into a malloc'd buffer. */
static unsigned char *bin(const char *key, size_t *len)
{
    const char *s = str(key);
    unsigned char *out = malloc(strlen(s));
    assert_int_equal(sodium_base642bin(out, strlen(s), s, strlen(s), NULL, len, NULL,
                                       sodium_base64_VARIANT_ORIGINAL),
                     0);
    return out;
}

static void test_key_id_and_fingerprint(void **state)
{
    (void)state;
    size_t n;
    unsigned char *box = bin("box_pk", &n), *sign = bin("sign_pk", &n);
    struct pubkey pk;
    assert_int_equal(pubkey_from_keys(box, sign, &pk), 0);
    assert_string_equal(pk.key_id_hex, str("key_id"));
    assert_string_equal(pk.fingerprint, str("fingerprint"));
    free(box);
    free(sign);
}

static void test_plaintext_and_padding(void **state)
{
    (void)state;
    json_t *plain = envelope_plain_new(str("schema"), str("channel"), str("submitted"),
                                       str("reference"), json_object_get(v, "fields"));
    char *text = json_dumps(plain, JSON_COMPACT);
    assert_string_equal(text, str("plaintext"));
    struct diag d = DIAG_INIT;
    assert_int_equal(envelope_check_plain(plain, &d), 0);
    size_t n = strlen(text), bucket = envelope_bucket(n), padded_len, want_len;
    unsigned char *padded = calloc(1, bucket), *want = bin("padded", &want_len);
    memcpy(padded, text, n);
    assert_int_equal(sodium_pad(&padded_len, padded, n, bucket, bucket), 0);
    assert_int_equal(padded_len, want_len);
    assert_memory_equal(padded, want, want_len);
    assert_int_equal((long)padded_len, (long)json_integer_value(json_object_get(v, "padded_len")));
    free(padded);
    free(want);
    free(text);
    json_decref(plain);
}

static void test_envelope_opens_and_armors(void **state)
{
    (void)state;
    size_t env_len, pad_len, n;
    unsigned char *env = bin("envelope", &env_len), *want = bin("padded", &pad_len);
    unsigned char *box = bin("box_pk", &n), sk[32], id[ENVELOPE_ID_BYTES];
    assert_int_equal(sodium_hex2bin(sk, 32, str("box_sk_hex"), 64, NULL, &n, NULL), 0);
    assert_memory_equal(env, ENVELOPE_MAGIC, 4);
    assert_int_equal(env[4], ENVELOPE_VERSION);
    char key_id[17];
    sodium_bin2hex(key_id, sizeof key_id, env + 5, 8);
    assert_string_equal(key_id, str("key_id"));
    unsigned char *opened = malloc(env_len);
    assert_int_equal(crypto_box_seal_open(opened, env + ENVELOPE_HEADER, env_len - ENVELOPE_HEADER,
                                          box, sk),
                     0);
    assert_int_equal(env_len - ENVELOPE_HEADER - crypto_box_SEALBYTES, pad_len);
    assert_memory_equal(opened, want, pad_len);
    struct buf armor = BUF_INIT;
    envelope_armor(env, env_len, &armor);
    assert_string_equal(armor.data, str("armor"));
    char hex[65];
    envelope_id(env, env_len, id);
    envelope_id_hex(id, hex);
    assert_string_equal(hex, str("envelope_id"));
    buf_free(&armor);
    free(opened);
    free(env);
    free(want);
    free(box);
}

int main(void)
{
    json_error_t err;
    if (sodium_init() < 0)
        return 1;
    v = json_load_file("tests/fixtures/vectors/envelope.json", 0, &err);
    if (!v) {
        fprintf(stderr, "tests/fixtures/vectors/envelope.json:%d: %s\n", err.line, err.text);
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_key_id_and_fingerprint),
        cmocka_unit_test(test_plaintext_and_padding),
        cmocka_unit_test(test_envelope_opens_and_armors),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    json_decref(v);
    return failed;
}
