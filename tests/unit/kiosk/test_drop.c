/* Unit tests for kiosk/drop.c's checks and kiosk/ratelimit.c: what a drop
 * box body may be (one envelope for its key, binary or armored, a padded
 * size), which origins --allow-origin takes, and the per-address limit. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "diag_assert.h"
#include "drop.h"
#include "ratelimit.h"

static struct pubkey pk, other;

/* A stand-in envelope of the smallest bucket for key k (drop_parse never
 * opens one). */
static void fake_envelope(const struct pubkey *k, unsigned char env[ENVELOPE_MIN])
{
    randombytes_buf(env, ENVELOPE_MIN);
    memcpy(env, ENVELOPE_MAGIC, 4);
    env[4] = ENVELOPE_VERSION;
    memcpy(env + 5, k->key_id, PUBKEY_ID_BYTES);
}

static int parse(const void *body, size_t len, unsigned *status, struct diag *d)
{
    unsigned char *env = NULL;
    size_t env_len = 0;
    int rc = drop_parse(&pk, body, len, &env, &env_len, status, d);
    if (rc == 0)
        assert_memory_equal(env + 5, pk.key_id, PUBKEY_ID_BYTES);
    else
        assert_null(env);
    free(env);
    return rc;
}

static void test_binary_and_armored(void **state)
{
    (void)state;
    unsigned char env[ENVELOPE_MIN];
    unsigned status;
    struct diag d = DIAG_INIT;
    fake_envelope(&pk, env);
    assert_int_equal(parse(env, sizeof env, &status, &d), 0);
    struct buf a = BUF_INIT;
    buf_puts(&a, "\r\n  ");
    envelope_armor(env, sizeof env, &a);
    buf_puts(&a, "\n\n");
    assert_int_equal(parse(a.data, a.len, &status, &d), 0);
    /* Two blocks, or words around one, are not "one envelope". */
    envelope_armor(env, sizeof env, &a);
    assert_int_equal(parse(a.data, a.len, &status, &d), -1);
    assert_int_equal(status, 400);
    expect_message(&d, "not exactly one armored request");
    buf_free(&a);
    diag_free(&d);
    buf_puts(&a, "Hello\n");
    envelope_armor(env, sizeof env, &a);
    assert_int_equal(parse(a.data, a.len, &status, &d), -1);
    assert_int_equal(status, 400);
    buf_free(&a);
    diag_free(&d);
}

static void test_refusals(void **state)
{
    (void)state;
    unsigned char env[ENVELOPE_MIN], big[ENVELOPE_MIN + 1];
    unsigned status;
    struct diag d = DIAG_INIT;
    fake_envelope(&other, env);
    assert_int_equal(parse(env, sizeof env, &status, &d), -1);
    assert_int_equal(status, 403);
    expect_message(&d, pk.key_id_hex);
    diag_free(&d);
    fake_envelope(&pk, env);
    env[4] = 2;
    assert_int_equal(parse(env, sizeof env, &status, &d), -1);
    expect_message(&d, "unknown envelope version 2");
    diag_free(&d);
    fake_envelope(&pk, big);
    assert_int_equal(parse(big, sizeof big, &status, &d), -1); /* not a bucket size */
    expect_message(&d, "not the size of a sealed request");
    diag_free(&d);
    assert_int_equal(parse("PKEV", 4, &status, &d), -1);
    assert_int_equal(parse("", 0, &status, &d), -1);
    assert_int_equal(parse("name=Ann&message=hello", 22, &status, &d), -1);
    assert_int_equal(status, 400);
    diag_free(&d);
}

static void test_origins(void **state)
{
    (void)state;
    assert_true(drop_origin_valid("https://peers.example.org"));
    assert_true(drop_origin_valid("http://127.0.0.1:8000"));
    assert_true(drop_origin_valid("https://[::1]:8443"));
    assert_false(drop_origin_valid("https://peers.example.org/"));
    assert_false(drop_origin_valid("https://peers.example.org/drop"));
    assert_false(drop_origin_valid("peers.example.org"));
    assert_false(drop_origin_valid("https://"));
    assert_false(drop_origin_valid("https://a b"));
    assert_false(drop_origin_valid("https://host:123456"));
    assert_false(drop_origin_valid("*"));
}

static void test_rate_limit(void **state)
{
    (void)state;
    struct ratelimit *r = ratelimit_new(3);
    for (int i = 0; i < 3; i++)
        assert_true(ratelimit_allow(r, "10.0.0.1"));
    assert_false(ratelimit_allow(r, "10.0.0.1"));
    assert_true(ratelimit_allow(r, "10.0.0.2")); /* another address has its own bucket */
    ratelimit_free(r);
    r = ratelimit_new(0);
    for (int i = 0; i < 1000; i++)
        assert_true(ratelimit_allow(r, "10.0.0.1"));
    ratelimit_free(r);
}

int main(void)
{
    unsigned char box[32], sign[32];
    if (sodium_init() < 0)
        return 1;
    randombytes_buf(box, 32);
    randombytes_buf(sign, 32);
    pubkey_from_keys(box, sign, &pk);
    randombytes_buf(box, 32);
    pubkey_from_keys(box, sign, &other);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_binary_and_armored),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_origins),
        cmocka_unit_test(test_rate_limit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
