/* Unit tests for kiosk/receipt.c: signed receipts round trip, and a
 * foreign, forged, edited (any byte) or truncated (any length) receipt is
 * refused, so a kiosk never deletes on the strength of one. */
#include "kiosk_support.h"

#include "buf.h"
#include "receipt.h"

static struct adminkey *key_a, *key_b;

static void random_ids(unsigned char (*ids)[ENVELOPE_ID_BYTES], size_t n)
{
    for (size_t i = 0; i < n; i++)
        randombytes_buf(ids[i], ENVELOPE_ID_BYTES);
}

static int verify(const struct pubkey *pk, const char *text, size_t len,
                  unsigned char (**ids)[ENVELOPE_ID_BYTES], size_t *n, char why[256])
{
    struct diag d = DIAG_INIT;
    unsigned char(*got)[ENVELOPE_ID_BYTES] = NULL;
    size_t count = 0;
    int rc = receipt_verify(pk, text, len, "R", &got, &count, &d);
    snprintf(why, 256, "%s", diag_first(&d));
    assert_true(rc == 0 ? d.nerrors == 0 : d.nerrors > 0 && got == NULL);
    diag_free(&d);
    if (ids)
        *ids = got;
    else
        free(got);
    if (n)
        *n = count;
    return rc;
}

static void write_receipt(const struct adminkey *k, const unsigned char (*ids)[ENVELOPE_ID_BYTES],
                          size_t n, struct buf *out)
{
    struct diag d = DIAG_INIT;
    assert_int_equal(sign_receipt(k, ids, n, out, &d), 0);
    diag_free(&d);
}

static void test_round_trip_sorted_unique(void **state)
{
    (void)state;
    unsigned char ids[5][ENVELOPE_ID_BYTES];
    random_ids(ids, 4);
    memcpy(ids[4], ids[1], ENVELOPE_ID_BYTES); /* a duplicate */
    time_t started = clock_now();
    struct buf r = BUF_INIT;
    write_receipt(key_a, (const unsigned char(*)[ENVELOPE_ID_BYTES])ids, 5, &r);
    assert_true(r.len > 0 && !memcmp(r.data, "peerkit-receipt v1\nkey-id: ", 27));
    assert_non_null(strstr(r.data, "\ncount: 4\n"));
    const char *created = strstr(r.data, "\ncreated: ");
    assert_non_null(created);
    char when[CLOCK_ISO_LEN];
    snprintf(when, sizeof when, "%s", created + 10);
    assert_recent_iso(when, started);
    unsigned char(*got)[ENVELOPE_ID_BYTES];
    size_t n;
    char why[256];
    assert_int_equal(verify(&key_a->pub, r.data, r.len, &got, &n, why), 0);
    assert_int_equal(n, 4);
    for (size_t i = 0; i < n; i++) {
        if (i > 0)
            assert_true(memcmp(got[i - 1], got[i], ENVELOPE_ID_BYTES) < 0);
        int found = 0;
        for (size_t j = 0; j < 4; j++)
            found += !memcmp(got[i], ids[j], ENVELOPE_ID_BYTES);
        assert_int_equal(found, 1);
    }
    free(got);
    buf_free(&r);
}

static void test_empty_receipt(void **state)
{
    (void)state;
    struct buf r = BUF_INIT;
    write_receipt(key_a, NULL, 0, &r);
    size_t n = 99;
    char why[256];
    assert_int_equal(verify(&key_a->pub, r.data, r.len, NULL, &n, why), 0);
    assert_int_equal(n, 0);
    buf_free(&r);
}

static void test_foreign_and_forged(void **state)
{
    (void)state;
    unsigned char ids[3][ENVELOPE_ID_BYTES];
    random_ids(ids, 3);
    struct buf r = BUF_INIT;
    char why[256];
    write_receipt(key_b, (const unsigned char(*)[ENVELOPE_ID_BYTES])ids, 3, &r);
    /* Signed by another administrator key: refused as foreign. */
    assert_int_equal(verify(&key_a->pub, r.data, r.len, NULL, NULL, why), -1);
    assert_non_null(strstr(why, "foreign receipt"));
    /* The same, relabelled with this kiosk's key id: the signature fails. */
    char *forged = strdup(r.data);
    memcpy(strstr(forged, "key-id: ") + 8, key_a->pub.key_id_hex, 16);
    assert_int_equal(verify(&key_a->pub, forged, strlen(forged), NULL, NULL, why), -1);
    assert_non_null(strstr(why, "forged or altered"));
    free(forged);
    buf_free(&r);
}

static void test_every_byte_change(void **state)
{
    (void)state;
    unsigned char ids[3][ENVELOPE_ID_BYTES];
    random_ids(ids, 3);
    struct buf r = BUF_INIT;
    char why[256];
    write_receipt(key_a, (const unsigned char(*)[ENVELOPE_ID_BYTES])ids, 3, &r);
    char *copy = malloc(r.len);
    for (size_t i = 0; i < r.len; i++) {
        for (int x = 1; x <= 0x40; x <<= 3) { /* 0x01, 0x08, 0x40 */
            memcpy(copy, r.data, r.len);
            copy[i] = (char)(copy[i] ^ x);
            if (verify(&key_a->pub, copy, r.len, NULL, NULL, why) == 0)
                fail_msg("receipt byte %zu xor 0x%02x was accepted", i, x);
        }
    }
    /* An extra line, an extra id or a dropped id line: refused. */
    struct buf extra = BUF_INIT;
    buf_append(&extra, r.data, r.len);
    buf_puts(&extra, "trailing\n");
    assert_int_equal(verify(&key_a->pub, extra.data, extra.len, NULL, NULL, why), -1);
    assert_non_null(strstr(why, "text after the signature"));
    char *dropped = strdup(r.data);
    char *first_id = strstr(dropped, "count: 3\n") + 9;
    memmove(first_id, first_id + 65, strlen(first_id + 65) + 1);
    assert_int_equal(verify(&key_a->pub, dropped, strlen(dropped), NULL, NULL, why), -1);
    free(dropped);
    free(copy);
    buf_free(&extra);
    buf_free(&r);
}

static void test_every_truncation(void **state)
{
    (void)state;
    unsigned char ids[2][ENVELOPE_ID_BYTES];
    random_ids(ids, 2);
    struct buf r = BUF_INIT;
    char why[256];
    write_receipt(key_a, (const unsigned char(*)[ENVELOPE_ID_BYTES])ids, 2, &r);
    for (size_t cut = 0; cut < r.len; cut++) {
        char *part = malloc(cut ? cut : 1);
        memcpy(part, r.data, cut);
        if (verify(&key_a->pub, part, cut, NULL, NULL, why) == 0)
            fail_msg("a receipt cut to %zu of %zu bytes was accepted", cut, r.len);
        free(part);
    }
    assert_int_equal(verify(&key_a->pub, "", 0, NULL, NULL, why), -1);
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
    assert_int_equal(verify(&key_a->pub, text, strlen(text), NULL, NULL, why), -1);
    snprintf(text, sizeof text,
             "peerkit-receipt v1\nkey-id: %s\ncreated: 2026-11-25T00:00:00Z\n"
             "count: 99999999999\n",
             key_a->pub.key_id_hex);
    assert_int_equal(verify(&key_a->pub, text, strlen(text), NULL, NULL, why), -1);
    assert_non_null(strstr(why, "bad count"));
}

int main(void)
{
    kiosk_test_init();
    key_a = keys_generate();
    key_b = keys_generate();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip_sorted_unique), cmocka_unit_test(test_empty_receipt),
        cmocka_unit_test(test_foreign_and_forged),       cmocka_unit_test(test_every_byte_change),
        cmocka_unit_test(test_every_truncation),         cmocka_unit_test(test_lying_count),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    keys_free(key_a);
    keys_free(key_b);
    return failed;
}
