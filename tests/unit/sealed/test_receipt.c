/* Unit tests for sealed/receipt.c and admin/sign.c: signed receipts round
 * trip with held and discarded ids; a receipt signed with several keys (key
 * rotation) verifies on a kiosk holding any one of them; a receipt written by
 * an earlier release (version 1) still verifies; and a foreign, forged,
 * edited (any byte) or truncated (any length) receipt is refused, so a kiosk
 * never deletes on the strength of one. */
#include "kiosk_support.h"

#include "buf.h"
#include "receipt.h"

typedef unsigned char envid[ENVELOPE_ID_BYTES];

static struct adminkey *key_a, *key_b, *key_c;

static void random_ids(envid *ids, size_t n)
{
    for (size_t i = 0; i < n; i++)
        randombytes_buf(ids[i], ENVELOPE_ID_BYTES);
}

/* Verifies text against pk; returns 0 or -1 and the first reason. The ids
 * go to r when given, else they are freed. */
static int verify(const struct pubkey *pk, const char *text, size_t len, struct receipt *r,
                  char why[256])
{
    struct diag d = DIAG_INIT;
    struct receipt got;
    int rc = receipt_verify(pk, text, len, "R", &got, &d);
    snprintf(why, 256, "%s", diag_first(&d));
    assert_true(rc == 0 ? d.nerrors == 0
                        : d.nerrors > 0 && got.held == NULL && got.discard == NULL);
    diag_free(&d);
    if (r)
        *r = got;
    else
        receipt_free(&got);
    return rc;
}

/* Signs a receipt with the nkeys keys. */
static void write_receipt(struct adminkey *const *keys, size_t nkeys, const envid *held,
                          size_t nheld, const envid *discard, size_t ndiscard, struct buf *out)
{
    struct diag d = DIAG_INIT;
    assert_int_equal(sign_receipt(keys, nkeys, held, nheld, discard, ndiscard, out, &d), 0);
    diag_free(&d);
}

/* 1 if id is among the n ids. */
static int listed(const envid *ids, size_t n, const unsigned char *id)
{
    for (size_t i = 0; i < n; i++)
        if (!memcmp(ids[i], id, ENVELOPE_ID_BYTES))
            return 1;
    return 0;
}

static void expect_sorted(const envid *ids, size_t n)
{
    for (size_t i = 1; i < n; i++)
        if (memcmp(ids[i - 1], ids[i], ENVELOPE_ID_BYTES) >= 0)
            fail_msg("expected ids sorted and unique, got id %zu after id %zu out of order", i,
                     i - 1);
}

static void test_round_trip_sorted_unique(void **state)
{
    (void)state;
    envid ids[5], gone[3];
    random_ids(ids, 4);
    memcpy(ids[4], ids[1], ENVELOPE_ID_BYTES); /* a duplicate */
    random_ids(gone, 2);
    memcpy(gone[2], ids[0], ENVELOPE_ID_BYTES); /* also held: listed as held only */
    time_t started = clock_now();
    struct buf r = BUF_INIT;
    write_receipt(&key_a, 1, ids, 5, gone, 3, &r);
    assert_true(r.len > 0 && !memcmp(r.data, "peerkit-receipt v2\ncreated: ", 28));
    assert_non_null(strstr(r.data, "\nheld: 4\n"));
    assert_non_null(strstr(r.data, "\ndiscard: 2\n"));
    char when[CLOCK_ISO_LEN];
    snprintf(when, sizeof when, "%s", strstr(r.data, "\ncreated: ") + 10);
    assert_recent_iso(when, started);
    struct receipt got;
    char why[256];
    assert_int_equal(verify(&key_a->pub, r.data, r.len, &got, why), 0);
    assert_int_equal(got.version, 2);
    if (got.nheld != 4 || got.ndiscard != 2)
        fail_msg("expected 4 held and 2 discarded, got %zu and %zu", got.nheld, got.ndiscard);
    expect_sorted(got.held, got.nheld);
    expect_sorted(got.discard, got.ndiscard);
    for (size_t i = 0; i < 4; i++)
        assert_true(listed(got.held, got.nheld, ids[i]));
    assert_true(listed(got.discard, got.ndiscard, gone[0]));
    assert_true(listed(got.discard, got.ndiscard, gone[1]));
    assert_false(listed(got.discard, got.ndiscard, ids[0]));
    receipt_free(&got);
    buf_free(&r);
}

static void test_empty_receipt(void **state)
{
    (void)state;
    struct buf r = BUF_INIT;
    write_receipt(&key_a, 1, NULL, 0, NULL, 0, &r);
    struct receipt got;
    char why[256];
    assert_int_equal(verify(&key_a->pub, r.data, r.len, &got, why), 0);
    assert_int_equal(got.nheld + got.ndiscard, 0);
    receipt_free(&got);
    buf_free(&r);
}

/* Rotation: signed with the new and the old key, the receipt verifies on a
 * kiosk holding either admin.pub, and is foreign to any other. */
static void test_signed_by_every_key(void **state)
{
    (void)state;
    envid ids[3];
    random_ids(ids, 3);
    struct adminkey *both[] = {key_a, key_b, key_a}; /* a key loaded twice signs once */
    struct buf r = BUF_INIT;
    char why[256];
    write_receipt(both, 3, ids, 2, ids + 2, 1, &r);
    char line[64];
    snprintf(line, sizeof line, "\nsignature: %s ", key_a->pub.key_id_hex);
    assert_non_null(strstr(r.data, line));
    assert_null(strstr(strstr(r.data, line) + 1, line));
    snprintf(line, sizeof line, "\nsignature: %s ", key_b->pub.key_id_hex);
    assert_non_null(strstr(r.data, line));
    struct receipt got;
    assert_int_equal(verify(&key_a->pub, r.data, r.len, &got, why), 0);
    assert_int_equal(got.nheld, 2);
    receipt_free(&got);
    if (verify(&key_b->pub, r.data, r.len, &got, why) != 0)
        fail_msg("expected the old key's kiosk to accept the receipt, got: %s", why);
    assert_int_equal(got.ndiscard, 1);
    receipt_free(&got);
    assert_int_equal(verify(&key_c->pub, r.data, r.len, NULL, why), -1);
    assert_non_null(strstr(why, "foreign receipt"));
    assert_non_null(strstr(why, key_a->pub.key_id_hex));
    assert_non_null(strstr(why, key_b->pub.key_id_hex));
    /* The signature lines' key ids swapped: neither kiosk accepts it. */
    char *swapped = strdup(r.data);
    char *a = strstr(swapped, "signature: ") + 11, *b = strstr(a, "signature: ") + 11;
    char tmp[16];
    memcpy(tmp, a, 16);
    memcpy(a, b, 16);
    memcpy(b, tmp, 16);
    assert_int_equal(verify(&key_a->pub, swapped, strlen(swapped), NULL, why), -1);
    assert_non_null(strstr(why, "forged or altered"));
    assert_int_equal(verify(&key_b->pub, swapped, strlen(swapped), NULL, why), -1);
    free(swapped);
    buf_free(&r);
}

/* A receipt written by an earlier release still verifies. */
static void test_version_1_verifies(void **state)
{
    (void)state;
    envid ids[2];
    random_ids(ids, 2);
    if (memcmp(ids[0], ids[1], ENVELOPE_ID_BYTES) > 0) {
        envid t;
        memcpy(t, ids[0], sizeof t);
        memcpy(ids[0], ids[1], sizeof t);
        memcpy(ids[1], t, sizeof t);
    }
    char hex[2][65];
    envelope_id_hex(ids[0], hex[0]);
    envelope_id_hex(ids[1], hex[1]);
    struct buf r = BUF_INIT;
    buf_printf(&r,
               "peerkit-receipt v1\nkey-id: %s\ncreated: 2026-11-25T09:30:00Z\ncount: 2\n%s\n%s\n",
               key_a->pub.key_id_hex, hex[0], hex[1]);
    unsigned char sig[crypto_sign_BYTES];
    crypto_sign_detached(sig, NULL, (unsigned char *)r.data, r.len, key_a->sign_sk);
    char b64[sodium_base64_ENCODED_LEN(crypto_sign_BYTES, sodium_base64_VARIANT_ORIGINAL)];
    sodium_bin2base64(b64, sizeof b64, sig, sizeof sig, sodium_base64_VARIANT_ORIGINAL);
    buf_printf(&r, "signature: %s\n", b64);
    struct receipt got;
    char why[256];
    if (verify(&key_a->pub, r.data, r.len, &got, why) != 0)
        fail_msg("expected a version 1 receipt to verify, got: %s", why);
    assert_int_equal(got.version, 1);
    assert_int_equal(got.nheld, 2);
    assert_int_equal(got.ndiscard, 0);
    assert_memory_equal(got.held[1], ids[1], ENVELOPE_ID_BYTES);
    receipt_free(&got);
    /* Foreign and forged, as before. */
    assert_int_equal(verify(&key_b->pub, r.data, r.len, NULL, why), -1);
    assert_non_null(strstr(why, "foreign receipt"));
    char *forged = strdup(r.data);
    memcpy(strstr(forged, "key-id: ") + 8, key_b->pub.key_id_hex, 16);
    assert_int_equal(verify(&key_b->pub, forged, strlen(forged), NULL, why), -1);
    assert_non_null(strstr(why, "forged or altered"));
    free(forged);
    for (size_t cut = 0; cut < r.len; cut++)
        if (verify(&key_a->pub, r.data, cut, NULL, why) == 0)
            fail_msg("a version 1 receipt cut to %zu of %zu bytes was accepted", cut, r.len);
    buf_free(&r);
}

static void test_foreign_and_forged(void **state)
{
    (void)state;
    envid ids[3];
    random_ids(ids, 3);
    struct buf r = BUF_INIT;
    char why[256];
    write_receipt(&key_b, 1, ids, 3, NULL, 0, &r);
    /* Signed by another administrator key: refused as foreign. */
    assert_int_equal(verify(&key_a->pub, r.data, r.len, NULL, why), -1);
    assert_non_null(strstr(why, "foreign receipt"));
    /* The same, relabelled with this kiosk's key id: the signature fails. */
    char *forged = strdup(r.data);
    memcpy(strstr(forged, "signature: ") + 11, key_a->pub.key_id_hex, 16);
    assert_int_equal(verify(&key_a->pub, forged, strlen(forged), NULL, why), -1);
    assert_non_null(strstr(why, "forged or altered"));
    free(forged);
    buf_free(&r);
}

static void test_every_byte_change(void **state)
{
    (void)state;
    envid ids[3];
    random_ids(ids, 3);
    struct buf r = BUF_INIT;
    char why[256];
    write_receipt(&key_a, 1, ids, 2, ids + 2, 1, &r);
    char *copy = malloc(r.len);
    for (size_t i = 0; i < r.len; i++) {
        for (int x = 1; x <= 0x40; x <<= 3) { /* 0x01, 0x08, 0x40 */
            memcpy(copy, r.data, r.len);
            copy[i] = (char)(copy[i] ^ x);
            if (verify(&key_a->pub, copy, r.len, NULL, why) == 0)
                fail_msg("receipt byte %zu xor 0x%02x was accepted", i, x);
        }
    }
    /* An extra line, a dropped id line, an id moved between the lists: refused. */
    struct buf extra = BUF_INIT;
    buf_append(&extra, r.data, r.len);
    buf_puts(&extra, "trailing\n");
    assert_int_equal(verify(&key_a->pub, extra.data, extra.len, NULL, why), -1);
    assert_non_null(strstr(why, "text after the signatures"));
    char *dropped = strdup(r.data);
    char *first_id = strstr(dropped, "held: 2\n") + 8;
    memmove(first_id, first_id + 65, strlen(first_id + 65) + 1);
    assert_int_equal(verify(&key_a->pub, dropped, strlen(dropped), NULL, why), -1);
    free(dropped);
    char *moved = strdup(r.data);
    memcpy(strstr(moved, "held: 2\n") + 6, "1", 1);
    memcpy(strstr(moved, "discard: 1\n") + 9, "2", 1);
    assert_int_equal(verify(&key_a->pub, moved, strlen(moved), NULL, why), -1);
    free(moved);
    free(copy);
    buf_free(&extra);
    buf_free(&r);
}

static void test_every_truncation(void **state)
{
    (void)state;
    envid ids[2];
    random_ids(ids, 2);
    struct buf r = BUF_INIT;
    char why[256];
    write_receipt(&key_a, 1, ids, 1, ids + 1, 1, &r);
    for (size_t cut = 0; cut < r.len; cut++) {
        char *part = malloc(cut ? cut : 1);
        memcpy(part, r.data, cut);
        if (verify(&key_a->pub, part, cut, NULL, why) == 0)
            fail_msg("a receipt cut to %zu of %zu bytes was accepted", cut, r.len);
        free(part);
    }
    assert_int_equal(verify(&key_a->pub, "", 0, NULL, why), -1);
    assert_non_null(strstr(why, "not a peerkit receipt"));
    buf_free(&r);
}

/* A huge count cannot make the verifier allocate or read past the text. */
static void test_lying_count(void **state)
{
    (void)state;
    char why[256], text[256];
    snprintf(text, sizeof text,
             "peerkit-receipt v1\nkey-id: %s\ncreated: 2026-11-25T00:00:00Z\n"
             "count: 9999999\n",
             key_a->pub.key_id_hex);
    assert_int_equal(verify(&key_a->pub, text, strlen(text), NULL, why), -1);
    snprintf(text, sizeof text,
             "peerkit-receipt v1\nkey-id: %s\ncreated: 2026-11-25T00:00:00Z\n"
             "count: 99999999999\n",
             key_a->pub.key_id_hex);
    assert_int_equal(verify(&key_a->pub, text, strlen(text), NULL, why), -1);
    assert_non_null(strstr(why, "bad count"));
    snprintf(text, sizeof text,
             "peerkit-receipt v2\ncreated: 2026-11-25T00:00:00Z\nheld: 0\n"
             "discard: 9999999\n");
    assert_int_equal(verify(&key_a->pub, text, strlen(text), NULL, why), -1);
    assert_non_null(strstr(why, "fewer follow"));
}

int main(void)
{
    kiosk_test_init();
    key_a = keys_generate();
    key_b = keys_generate();
    key_c = keys_generate();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip_sorted_unique), cmocka_unit_test(test_empty_receipt),
        cmocka_unit_test(test_signed_by_every_key),      cmocka_unit_test(test_version_1_verifies),
        cmocka_unit_test(test_foreign_and_forged),       cmocka_unit_test(test_every_byte_change),
        cmocka_unit_test(test_every_truncation),         cmocka_unit_test(test_lying_count),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    keys_free(key_a);
    keys_free(key_b);
    keys_free(key_c);
    return failed;
}
