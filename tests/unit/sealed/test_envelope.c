/* Unit tests for kiosk/envelope.c: sealing and opening, padding to buckets,
 * every tamper position, every truncation, unknown and rotated keys, replay,
 * the plaintext checks, and the armored form inside mail. */
#include "kiosk_support.h"

#include "buf.h"
#include "formspec.h"

static struct adminkey *key_a, *key_b;

/* Opens env with the given keys; returns 0 or -1, and the first reason. */
static int try_open(struct adminkey *const *keys, size_t n, const unsigned char *env, size_t len,
                    json_t **plain, char why[256])
{
    struct diag d = DIAG_INIT;
    json_t *p = NULL;
    int rc = unseal_envelope(keys, n, env, len, &p, &d);
    snprintf(why, 256, "%s", diag_first(&d));
    if (rc == 0) {
        assert_int_equal(d.nerrors, 0);
        if (plain)
            *plain = p;
        else
            json_decref(p);
    } else {
        assert_null(p);
        assert_true(d.nerrors > 0);
    }
    diag_free(&d);
    return rc;
}

/* An envelope around arbitrary plaintext bytes, padded as given (pad = 0:
 * no padding at all), for testing what happens after decryption succeeds. */
static unsigned char *seal_raw(const struct pubkey *pk, const char *text, size_t bucket, int pad,
                               size_t *len)
{
    size_t n = strlen(text), padded = bucket;
    unsigned char *buf = calloc(1, bucket);
    assert_non_null(buf);
    memcpy(buf, text, n);
    if (pad)
        assert_int_equal(sodium_pad(&padded, buf, n, bucket, bucket), 0);
    *len = ENVELOPE_HEADER + crypto_box_SEALBYTES + padded;
    unsigned char *env = malloc(*len);
    assert_non_null(env);
    memcpy(env, "PKEV\1", 5);
    memcpy(env + 5, pk->key_id, PUBKEY_ID_BYTES);
    assert_int_equal(crypto_box_seal(env + ENVELOPE_HEADER, buf, padded, pk->box_pk), 0);
    free(buf);
    return env;
}

static void test_round_trip(void **state)
{
    (void)state;
    size_t len;
    char ref[16], why[256];
    time_t started = clock_now();
    unsigned char *env = seal_test(key_a, 1, &len, ref);
    assert_memory_equal(env, "PKEV\1", 5);
    assert_memory_equal(env + 5, key_a->pub.key_id, PUBKEY_ID_BYTES);
    assert_null(memmem(env, len, MARKER, strlen(MARKER)));
    /* The reference: 4 + "-" + 4 characters from an alphabet without 0/O/1/I. */
    assert_int_equal(strlen(ref), 9);
    assert_int_equal(ref[4], '-');
    assert_int_equal(strcspn(ref, "0O1I"), 9);

    json_t *plain = NULL, *want = test_fields(1);
    assert_int_equal(try_open(&key_a, 1, env, len, &plain, why), 0);
    assert_true(json_equal(json_object_get(plain, "fields"), want));
    assert_string_equal(json_string_value(json_object_get(plain, "reference")), ref);
    assert_string_equal(json_string_value(json_object_get(plain, "channel")), "kiosk:lounge-2");
    assert_string_equal(json_string_value(json_object_get(plain, "schema")), SCHEMA_HASH_DUMMY);
    assert_recent_iso(json_string_value(json_object_get(plain, "submitted")), started);
    json_decref(plain);
    json_decref(want);
    free(env);
}

/* Envelopes of very different sizes inside one bucket have the same length. */
static void test_padding_hides_length(void **state)
{
    (void)state;
    char big[800], huge[3000], ref[16];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    memset(huge, 'y', sizeof huge - 1);
    huge[sizeof huge - 1] = '\0';
    const char *notes[] = {"", "short", big, huge};
    size_t lens[4];
    for (int i = 0; i < 4; i++) {
        struct diag d = DIAG_INIT;
        unsigned char *env = NULL;
        json_t *fields = json_pack("{s:s}", "note", notes[i]);
        assert_int_equal(envelope_seal(&key_a->pub, SCHEMA_HASH_DUMMY, NULL, "web", fields, ref,
                                       &env, &lens[i], &d),
                         0);
        json_decref(fields);
        diag_free(&d);
        free(env);
    }
    assert_int_equal(lens[0], ENVELOPE_MIN);
    assert_int_equal(lens[1], ENVELOPE_MIN);
    assert_int_equal(lens[2], ENVELOPE_MIN);
    assert_int_equal(lens[3], ENVELOPE_HEADER + crypto_box_SEALBYTES + 4096);
}

static void test_too_large_refused(void **state)
{
    (void)state;
    size_t n = 70000, len = 0;
    char *text = malloc(n + 1), ref[16];
    memset(text, 'z', n);
    text[n] = '\0';
    json_t *fields = json_pack("{s:s}", "note", text);
    struct diag d = DIAG_INIT;
    unsigned char *env = NULL;
    assert_int_equal(envelope_seal(&key_a->pub, SCHEMA_HASH_DUMMY, NULL, "web", fields, ref, &env,
                                   &len, &d),
                     -1);
    assert_null(env);
    expect_message(&d, "too large to seal");
    json_decref(fields);
    diag_free(&d);
    free(text);
}

/* Every single-byte change anywhere in the envelope is refused, with the
 * reason that fits where the change is. */
static void test_every_tamper_position(void **state)
{
    (void)state;
    size_t len;
    char why[256];
    unsigned char *env = seal_test(key_a, 2, &len, NULL);
    for (size_t i = 0; i < len; i++) {
        for (int flip = 0x01; flip <= 0x80; flip <<= 7) { /* lowest and highest bit */
            env[i] ^= (unsigned char)flip;
            if (try_open(&key_a, 1, env, len, NULL, why) == 0)
                fail_msg("a change at byte %zu (xor 0x%02x) was not detected", i, flip);
            const char *want = i < 4                 ? "not a sealed request"
                               : i == 4              ? "unsupported envelope version"
                               : i < ENVELOPE_HEADER ? "unknown key id"
                                                     : "authentication failed";
            if (!strstr(why, want))
                fail_msg("byte %zu: expected \"%s\", got \"%s\"", i, want, why);
            env[i] ^= (unsigned char)flip;
        }
    }
    assert_int_equal(try_open(&key_a, 1, env, len, NULL, why), 0);
    free(env);
}

static void test_every_truncation(void **state)
{
    (void)state;
    size_t len;
    char why[256];
    unsigned char *env = seal_test(key_a, 3, &len, NULL);
    for (size_t cut = 0; cut < len; cut++) {
        /* A fresh copy of exactly cut bytes, so ASan sees any overread. */
        unsigned char *part = malloc(cut ? cut : 1);
        memcpy(part, env, cut);
        if (try_open(&key_a, 1, part, cut, NULL, why) == 0)
            fail_msg("an envelope cut to %zu of %zu bytes was accepted", cut, len);
        free(part);
    }
    unsigned char *longer = malloc(len + 1);
    memcpy(longer, env, len);
    longer[len] = 0;
    assert_int_equal(try_open(&key_a, 1, longer, len + 1, NULL, why), -1);
    free(longer);
    free(env);
}

static void test_wrong_and_rotated_keys(void **state)
{
    (void)state;
    size_t len;
    char why[256];
    unsigned char *env = seal_test(key_a, 4, &len, NULL);
    /* Only another key loaded: refused, naming the key id it was sealed for. */
    assert_int_equal(try_open(&key_b, 1, env, len, NULL, why), -1);
    assert_non_null(strstr(why, "unknown key id"));
    assert_non_null(strstr(why, key_a->pub.key_id_hex));
    /* Both keys loaded (rotation): the matching one opens it, in either order. */
    struct adminkey *both[2] = {key_b, key_a};
    assert_int_equal(try_open(both, 2, env, len, NULL, why), 0);
    /* Relabelled for key b: key b cannot open what was sealed to key a. */
    memcpy(env + 5, key_b->pub.key_id, PUBKEY_ID_BYTES);
    assert_int_equal(try_open(both, 2, env, len, NULL, why), -1);
    assert_non_null(strstr(why, "authentication failed"));
    free(env);
}

/* A replayed envelope is byte-identical, so it has the same id (the intake
 * database drops it); sealing the same request twice gives different ids. */
static void test_replay_and_uniqueness(void **state)
{
    (void)state;
    size_t len1, len2;
    char ref1[16], ref2[16], why[256];
    unsigned char *e1 = seal_test(key_a, 5, &len1, ref1);
    unsigned char *e2 = seal_test(key_a, 5, &len2, ref2);
    unsigned char id1[ENVELOPE_ID_BYTES], id1again[ENVELOPE_ID_BYTES], id2[ENVELOPE_ID_BYTES];
    envelope_id(e1, len1, id1);
    assert_int_equal(try_open(&key_a, 1, e1, len1, NULL, why), 0);
    assert_int_equal(try_open(&key_a, 1, e1, len1, NULL, why), 0);
    envelope_id(e1, len1, id1again);
    envelope_id(e2, len2, id2);
    assert_memory_equal(id1, id1again, sizeof id1);
    assert_memory_not_equal(id1, id2, sizeof id1);
    assert_string_not_equal(ref1, ref2);
    char hex[65];
    envelope_id_hex(id1, hex);
    assert_int_equal(strlen(hex), 64);
    assert_int_equal(strspn(hex, "0123456789abcdef"), 64);
    free(e1);
    free(e2);
}

/* What decrypts correctly must still be a well-formed request. */
static void test_plaintext_checks(void **state)
{
    (void)state;
    static const struct {
        const char *text;
        int pad;
        const char *want;
    } cases[] = {
        {"{\"v\":1}", 0, "bad padding"},
        {"not json at all", 1, "not JSON"},
        {"[1,2,3]", 1, "invalid request content"},
        {"{\"v\":2,\"schema\":\"" SCHEMA_HASH_DUMMY "\",\"channel\":\"web\",\"submitted\":"
         "\"2026-11-25T10:00:00Z\",\"reference\":\"ABCD-EFGH\",\"fields\":{}}",
         1, "invalid request content"},
        {"{\"v\":1,\"schema\":\"" SCHEMA_HASH_DUMMY "\",\"channel\":\"fax\",\"submitted\":"
         "\"2026-11-25T10:00:00Z\",\"reference\":\"ABCD-EFGH\",\"fields\":{}}",
         1, "invalid request content"},
        {"{\"v\":1,\"schema\":\"" SCHEMA_HASH_DUMMY "\",\"channel\":\"web\",\"submitted\":"
         "\"2026-11-25T10:00:00Z\",\"reference\":\"ABCD-EFGH\",\"fields\":{\"a\":[1]}}",
         1, "malformed"},
        /* Hostile but well-sealed: anyone with admin.pub can seal these. */
        {"{\"v\":1,\"schema\":\"" SCHEMA_HASH_DUMMY
         "\",\"channel\":\"kiosk:\\u001b[2J\",\"submitted\":"
         "\"2026-11-25T10:00:00Z\",\"reference\":\"ABCD-EFGH\",\"fields\":{}}",
         1, "bad \"channel\""},
        {"{\"v\":1,\"schema\":\"" SCHEMA_HASH_DUMMY "\",\"channel\":\"web\",\"submitted\":"
         "\"2026-11-25T10:00:00Z\",\"reference\":\"ABCD-EFGH\",\"fields\":{\"n\\u001b]0;x\\u0007\":"
         "\"b\"}}",
         1, "malformed"},
        {"{\"v\":1,\"schema\":\"" SCHEMA_HASH_DUMMY "\",\"channel\":\"web\",\"submitted\":"
         "\"2026-02-30T10:00:00Z\",\"reference\":\"ABCD-EFGH\",\"fields\":{}}",
         1, "bad \"submitted\""},
        {"{\"v\":1,\"schema\":\"" SCHEMA_HASH_DUMMY "\",\"channel\":\"web\",\"submitted\":"
         "\"2026-11-25T10:00:00Z\",\"reference\":\"ABCD\\u009bEFG\",\"fields\":{}}",
         1, "bad \"reference\""},
        {"{\"v\":1,\"schema\":\"" SCHEMA_HASH_DUMMY "\",\"channel\":\"web\",\"submitted\":"
         "\"2026-11-25T10:00:00Z\",\"reference\":\"ABCD-EFGH\",\"fields\":{},\"x\":1}",
         1, "unexpected member"},
        {"{\"v\":1,\"v\":1}", 1, "not JSON"}, /* duplicate keys */
        {"{\"v\":1,\"schema\":\"" SCHEMA_HASH_DUMMY "\",\"channel\":\"web\",\"submitted\":"
         "\"2026-11-25T10:00:00Z\",\"reference\":\"ABCD-EFGH\",\"fields\":{\"a\":\"b\"}}",
         1, NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t len;
        char why[256];
        unsigned char *env = seal_raw(&key_a->pub, cases[i].text, 1024, cases[i].pad, &len);
        int rc = try_open(&key_a, 1, env, len, NULL, why);
        if (cases[i].want && (rc == 0 || !strstr(why, cases[i].want)))
            fail_msg("case %zu: expected \"%s\", got rc %d \"%s\"", i, cases[i].want, rc, why);
        if (!cases[i].want && rc != 0)
            fail_msg("case %zu: a well-formed request was refused: %s", i, why);
        free(env);
    }
    /* A bucket that is not a power of two times 1 KiB is refused too. */
    size_t len;
    char why[256];
    unsigned char *env = seal_raw(&key_a->pub, "{}", 1500, 1, &len);
    assert_int_equal(try_open(&key_a, 1, env, len, NULL, why), -1);
    assert_non_null(strstr(why, "bad padding"));
    free(env);
}

struct seen {
    int n;
    int lines[8];
    size_t lens[8];
    unsigned char *envs[8];
    const char *problems[8];
};

static void collect(void *ctx, size_t pos, int line, const unsigned char *env, size_t len,
                    const char *problem)
{
    struct seen *s = ctx;
    assert_int_equal(pos, (size_t)s->n + 1);
    assert_true(s->n < 8);
    s->lines[s->n] = line;
    s->lens[s->n] = len;
    s->envs[s->n] = env ? malloc(len) : NULL;
    if (env)
        memcpy(s->envs[s->n], env, len);
    s->problems[s->n] = problem;
    s->n++;
}

static void seen_free(struct seen *s)
{
    for (int i = 0; i < s->n; i++)
        free(s->envs[i]);
}

/* Armored requests pasted into a mailbox, with CRLF line endings and
 * indentation, come back byte for byte, with the line they start on. */
static void test_armor_in_mailbox(void **state)
{
    (void)state;
    size_t len1, len2;
    unsigned char *e1 = seal_test(key_a, 6, &len1, NULL), *e2 = seal_test(key_a, 7, &len2, NULL);
    struct buf a1 = BUF_INIT, a2 = BUF_INIT, mail = BUF_INIT;
    envelope_armor(e1, len1, &a1);
    envelope_armor(e2, len2, &a2);
    buf_puts(&mail, "From kiosk@example.org Wed Nov 25 10:00:00 2026\nSubject: request\n\n");
    buf_append(&mail, a1.data, a1.len);
    buf_puts(&mail, "\nFrom kiosk@example.org Wed Nov 25 11:00:00 2026\nSubject: another\n\n");
    /* The second one as a mail client may mangle it: CRLF and indentation. */
    for (size_t i = 0; i < a2.len; i++) {
        if (i == 0 || a2.data[i - 1] == '\n')
            buf_puts(&mail, "  ");
        if (a2.data[i] == '\n')
            buf_putc(&mail, '\r');
        buf_putc(&mail, a2.data[i]);
    }
    struct seen s = {0};
    assert_int_equal(envelope_dearmor(mail.data, mail.len, collect, &s), 2);
    assert_int_equal(s.n, 2);
    assert_int_equal(s.lines[0], 4);
    assert_null(s.problems[0]);
    assert_null(s.problems[1]);
    assert_int_equal(s.lens[0], len1);
    assert_memory_equal(s.envs[0], e1, len1);
    assert_int_equal(s.lens[1], len2);
    assert_memory_equal(s.envs[1], e2, len2);
    int lines_a1 = 0;
    for (size_t i = 0; i < a1.len; i++)
        lines_a1 += a1.data[i] == '\n';
    assert_int_equal(s.lines[1], 4 + lines_a1 + 4);
    seen_free(&s);
    buf_free(&a1);
    buf_free(&a2);
    buf_free(&mail);
    free(e1);
    free(e2);
}

static void test_armor_damage_reported(void **state)
{
    (void)state;
    size_t len;
    unsigned char *env = seal_test(key_a, 8, &len, NULL);
    struct buf a = BUF_INIT, text = BUF_INIT;
    envelope_armor(env, len, &a);
    /* 1: cut before END (a new block starts); 2: intact; 3: bad base64; 4: no END. */
    const char *end = strstr(a.data, "-----END");
    buf_append(&text, a.data, (size_t)(end - a.data));
    buf_append(&text, a.data, a.len);
    char *bad = strdup(a.data);
    bad[40] = '*';
    buf_puts(&text, bad);
    buf_append(&text, a.data, (size_t)(end - a.data));
    struct seen s = {0};
    assert_int_equal(envelope_dearmor(text.data, text.len, collect, &s), 4);
    assert_non_null(s.problems[0]);
    assert_non_null(strstr(s.problems[0], "no END line"));
    assert_null(s.problems[1]);
    assert_memory_equal(s.envs[1], env, len);
    assert_non_null(strstr(s.problems[2], "not valid base64"));
    assert_non_null(strstr(s.problems[3], "no END line"));
    /* Text with no armor at all holds no blocks. */
    struct seen none = {0};
    assert_int_equal(envelope_dearmor("hello\nworld\n", 12, collect, &none), 0);
    seen_free(&s);
    free(bad);
    buf_free(&a);
    buf_free(&text);
    free(env);
}

/* Seals fields with envelope_seal; returns its result and the first reason. */
static int seal_fields(json_t *fields, const char *hash, const struct formspec *form, char why[256])
{
    struct diag d = DIAG_INIT;
    unsigned char *env = NULL;
    size_t len = 0;
    char ref[16];
    int rc = envelope_seal(&key_a->pub, hash, form, "kiosk:lounge-2", fields, ref, &env, &len, &d);
    snprintf(why, 256, "%s", diag_first(&d));
    if (rc < 0 && env)
        fail_msg("a refused request was sealed anyway (%zu bytes)", len);
    diag_free(&d);
    free(env);
    json_decref(fields);
    return rc;
}

/* The kiosk never acknowledges what the administrator's import would skip:
 * envelope_seal runs the import's checks on the bytes it is about to seal. */
static void test_seal_runs_the_import_check(void **state)
{
    (void)state;
    char why[256], *dir = scratch_dir();
    struct formspec *form = NULL;
    struct diag d = DIAG_INIT;
    put_file(dir, "request-schema.json", SCHEMA_JSON, strlen(SCHEMA_JSON));
    assert_int_equal(formspec_load(dir, &form, &d), 0);
    /* A NUL inside a value or a name: the import's JSON parser refuses it. */
    json_t *f = json_pack("{s:[o]}", "how", json_stringn("call\0anything", 13));
    if (seal_fields(f, SCHEMA_HASH_DUMMY, NULL, why) != -1)
        fail_msg("expected a choice holding a NUL to be refused, got it sealed");
    if (!strstr(why, "not JSON"))
        fail_msg("expected \"not JSON\", got \"%s\"", why);
    f = json_object();
    json_object_setn_new(f, "name\0x", 6, json_string("Ada"));
    assert_int_equal(seal_fields(f, SCHEMA_HASH_DUMMY, NULL, why), -1);
    /* A field name the import refuses. */
    assert_int_equal(seal_fields(json_pack("{s:s}", "no spaces", "x"), SCHEMA_HASH_DUMMY, NULL,
                                 why),
                     -1);
    assert_non_null(strstr(why, "field name or value is malformed"));
    /* Made with this form: its rules apply, as at import. */
    const char *hash = formspec_hash(form);
    assert_int_equal(seal_fields(json_pack("{s:s}", "name", "Ada"), hash, form, why), -1);
    assert_non_null(strstr(why, "required"));
    assert_int_equal(seal_fields(json_pack("{s:s, s:s, s:s}", "name", "Ada", "when", "soon",
                                           "consent", "yes"),
                                 hash, form, why),
                     0);
    /* Another version of the form: structure only, as at import. */
    assert_int_equal(seal_fields(json_pack("{s:s}", "name", "Ada"), SCHEMA_HASH_DUMMY, form, why),
                     0);
    formspec_free(form);
    diag_free(&d);
    drop_dir(dir);
}

int main(void)
{
    kiosk_test_init();
    key_a = keys_generate();
    key_b = keys_generate();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_padding_hides_length),
        cmocka_unit_test(test_too_large_refused),
        cmocka_unit_test(test_every_tamper_position),
        cmocka_unit_test(test_every_truncation),
        cmocka_unit_test(test_wrong_and_rotated_keys),
        cmocka_unit_test(test_replay_and_uniqueness),
        cmocka_unit_test(test_plaintext_checks),
        cmocka_unit_test(test_armor_in_mailbox),
        cmocka_unit_test(test_armor_damage_reported),
        cmocka_unit_test(test_seal_runs_the_import_check),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    keys_free(key_a);
    keys_free(key_b);
    return failed;
}
