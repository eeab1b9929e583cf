/* Unit tests for admin/intake.c: the administrator's database. Import is
 * idempotent on the envelope id, a rolled-back transaction leaves nothing,
 * contact details are encrypted at rest (no marker in any file), a row whose
 * key is not loaded is marked with that key, a version 1 database (the first
 * release's schema) opens and upgrades, an edited row is detected, illegal
 * moves change nothing, and a purge keeps the facts but not the details. */
#include "kiosk_support.h"

#include <sqlite3.h>
#include <sys/stat.h>

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

/* Seals n test requests for key_a and imports them in one transaction. */
static void insert_sealed(struct intake *db, int n)
{
    struct diag d = DIAG_INIT;
    assert_int_equal(intake_begin(db, &d), 0);
    for (int i = 0; i < n; i++) {
        size_t len;
        unsigned char *env = seal_test(key_a, i, &len, NULL);
        insert(db, env, len);
        free(env);
    }
    assert_int_equal(intake_commit(db, &d), 0);
    diag_free(&d);
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
    insert_sealed(db, 10);
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
        assert_string_equal(json_string_value(
                                json_object_get(json_array_get(all, i), "unreadable")),
                            want);
    assert_int_equal(d.nerrors, 0);
    json_decref(all);
    diag_free(&d);
    intake_close(db);
    free(path);
    free(wal);
    drop_dir(dir);
}

/* The first release's schema, exactly as it wrote it (user_version 1). */
static const char SCHEMA_V1[] =
    "CREATE TABLE IF NOT EXISTS requests ("
    " id INTEGER PRIMARY KEY,"
    " envelope_id BLOB NOT NULL UNIQUE CHECK (length(envelope_id) = 32),"
    " key_id TEXT NOT NULL, channel TEXT NOT NULL, reference TEXT NOT NULL,"
    " submitted TEXT NOT NULL, received TEXT NOT NULL, schema TEXT NOT NULL,"
    " status TEXT NOT NULL DEFAULT 'new', nonce BLOB NOT NULL, request BLOB NOT NULL);"
    "PRAGMA user_version = 1;";

/* Writes a version 1 database holding n requests sealed to k, the way the
 * first release stored them (plaintext encrypted under the data key, the
 * envelope id as associated data). */
static void write_v1(const char *path, const struct adminkey *k, int n)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, SCHEMA_V1, NULL, NULL, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db,
                                        "INSERT INTO requests (envelope_id, key_id, channel,"
                                        " reference, submitted, received, schema, nonce, request)"
                                        " VALUES (?, ?, 'kiosk:lounge-2', ?, "
                                        "'2026-01-05T09:00:00Z',"
                                        " '2026-01-06T09:00:00Z', 'x', ?, ?)",
                                        -1, &st, NULL),
                     SQLITE_OK);
    for (int i = 0; i < n; i++) {
        unsigned char id[32], nonce[24], box[512];
        unsigned long long blen;
        json_t *fields = test_fields(i);
        json_object_set_new(fields, "role", json_string("resident"));
        json_t *plain = json_pack("{s:i, s:s, s:s, s:s, s:s, s:o}", "v", 1, "schema", "x",
                                  "channel", "kiosk:lounge-2", "submitted", "2026-01-05T09:00:00Z",
                                  "reference", "ABCD-EFGH", "fields", fields);
        char *text = json_dumps(plain, JSON_COMPACT);
        randombytes_buf(id, sizeof id);
        randombytes_buf(nonce, sizeof nonce);
        assert_true(strlen(text) + 16 < sizeof box);
        crypto_aead_xchacha20poly1305_ietf_encrypt(box, &blen, (unsigned char *)text, strlen(text),
                                                   id, 32, NULL, nonce, k->data_key);
        sqlite3_reset(st);
        sqlite3_bind_blob(st, 1, id, 32, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 2, k->pub.key_id_hex, -1, SQLITE_TRANSIENT);
        sqlite3_bind_text(st, 3, "ABCD-EFGH", -1, SQLITE_STATIC);
        sqlite3_bind_blob(st, 4, nonce, 24, SQLITE_TRANSIENT);
        sqlite3_bind_blob(st, 5, box, (int)blen, SQLITE_TRANSIENT);
        assert_int_equal(sqlite3_step(st), SQLITE_DONE);
        free(text);
        json_decref(plain);
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
    assert_int_equal(chmod(path, 0600), 0);
}

static int user_version(const char *path)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    int v = -1;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL);
    if (sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
    return v;
}

static void sql(const char *path, const char *text)
{
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, text, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
}

static void test_upgrade_from_v1(void **state)
{
    (void)state;
    char *dir = scratch_dir(), *path = join(dir, "intake.db");
    struct diag d = DIAG_INIT;
    write_v1(path, key_a, 3);
    assert_int_equal(user_version(path), 1);

    /* Without the key its rows need, the upgrade is refused and nothing changes. */
    struct intake *db = NULL;
    static struct adminkey *only_b[1];
    only_b[0] = key_b;
    assert_int_equal(intake_open(path, only_b, 1, &db, &d), -1);
    expect_message(&d, "which is not loaded (give every key with --key)");
    diag_free(&d);
    assert_int_equal(user_version(path), 1);

    db = open_db(path, key_a);
    assert_int_equal(user_version(path), INTAKE_VERSION);
    json_t *all = intake_list(db, &d);
    assert_int_equal(json_array_size(all), 3);
    for (size_t i = 0; i < 3; i++) {
        json_t *r = json_array_get(all, i), *want = test_fields((int)i);
        json_object_set_new(want, "role", json_string("resident"));
        if (json_object_get(r, "unreadable"))
            fail_msg("row %zu unreadable after the upgrade: %s", i,
                     json_string_value(json_object_get(r, "unreadable")));
        assert_true(json_equal(json_object_get(r, "fields"), want));
        assert_string_equal(json_string_value(json_object_get(r, "state")), "new");
        assert_string_equal(json_string_value(json_object_get(json_object_get(r, "facts"), "role")),
                            "resident");
        json_decref(want);
    }
    json_decref(all);
    /* The upgraded rows move like new ones. */
    assert_int_equal(intake_begin(db, &d), 0);
    assert_int_equal(intake_move(db, 2, ACTION_ASSIGN, "ana", NULL, &d), 0);
    assert_int_equal(intake_commit(db, &d), 0);
    intake_close(db);
    /* Opening again is not an upgrade: nothing to do. */
    db = open_db(path, key_a);
    json_t *two = intake_get(db, 2, &d);
    assert_string_equal(json_string_value(json_object_get(two, "supporter")), "ana");
    json_decref(two);
    assert_int_equal(d.nerrors, 0);
    intake_close(db);
    /* A database from a newer release is refused. */
    sql(path, "PRAGMA user_version = 99");
    assert_int_equal(intake_open(path, &key_a, 1, &db, &d), -1);
    expect_message(&d, "written by a newer peeradmin");
    diag_free(&d);
    free(path);
    drop_dir(dir);
}

static void test_edited_row_detected(void **state)
{
    (void)state;
    char *dir = scratch_dir(), *path = join(dir, "intake.db");
    struct intake *db = open_db(path, key_a);
    struct diag d = DIAG_INIT;
    insert_sealed(db, 3);
    intake_close(db);
    static const char *const edits[] =
        {"UPDATE requests SET status = 'closed' WHERE id = 2",
         "UPDATE requests SET received = '2020-01-01T00:00:00Z' WHERE id = 2",
         "UPDATE requests SET channel = 'phone' WHERE id = 2",
         "UPDATE requests SET supporter = 'ana' WHERE id = 2",
         "UPDATE requests SET mac = NULL WHERE id = 2",
         "UPDATE requests SET facts = (SELECT facts FROM requests WHERE id = 3) WHERE id = 2",
         NULL};
    for (size_t e = 0; edits[e]; e++) {
        char *copy = join(dir, "copy.db");
        char *cmd = NULL;
        if (asprintf(&cmd, "cp '%s' '%s' && rm -f '%s-wal' '%s-shm'", path, copy, copy, copy) < 0)
            abort();
        assert_int_equal(system(cmd), 0);
        free(cmd);
        sql(copy, edits[e]);
        db = open_db(copy, key_a);
        json_t *all = intake_list(db, &d);
        assert_int_equal(json_array_size(all), 3);
        const char *why = json_string_value(json_object_get(json_array_get(all, 1), "unreadable"));
        if (!why || !strstr(why, "integrity"))
            fail_msg("edit \"%s\": expected row 2 marked, got %s", edits[e],
                     why ? why : "readable");
        assert_null(json_object_get(json_array_get(all, 0), "unreadable"));
        assert_null(json_object_get(json_array_get(all, 2), "unreadable"));
        json_decref(all);
        /* And it cannot be moved. */
        assert_int_equal(intake_begin(db, &d), 0);
        assert_int_equal(intake_move(db, 2, ACTION_DECLINE, NULL, NULL, &d), -1);
        intake_rollback(db);
        expect_message(&d, "nothing was changed");
        diag_free(&d);
        intake_close(db);
        free(copy);
    }
    free(path);
    drop_dir(dir);
}

static void test_moves_and_purge(void **state)
{
    (void)state;
    char *dir = scratch_dir(), *path = join(dir, "intake.db");
    struct intake *db = open_db(path, key_a);
    struct diag d = DIAG_INIT;
    size_t len;
    unsigned char *env = seal_test(key_a, 1, &len, NULL);
    assert_int_equal(intake_begin(db, &d), 0);
    insert(db, env, len);
    assert_int_equal(intake_commit(db, &d), 0);
    free(env);

    json_t *before = intake_get(db, 1, &d);
    assert_int_equal(intake_begin(db, &d), 0);
    assert_int_equal(intake_move(db, 1, ACTION_CLOSE, NULL, NULL, &d), -1);
    intake_rollback(db);
    expect_message(&d, "request 1 is new: it cannot be closed");
    diag_free(&d);
    json_t *after = intake_get(db, 1, &d);
    assert_true(json_equal(before, after));
    json_decref(before);
    json_decref(after);
    assert_int_equal(intake_begin(db, &d), 0);
    assert_int_equal(intake_move(db, 7, ACTION_ASSIGN, "ana", NULL, &d), -1);
    intake_rollback(db);
    expect_message(&d, "no request 7");
    diag_free(&d);

    assert_int_equal(intake_begin(db, &d), 0);
    assert_int_equal(intake_move(db, 1, ACTION_ASSIGN, "ana", NULL, &d), 0);
    assert_int_equal(intake_move(db, 1, ACTION_ASSIGN, "ben", NULL, &d), 0); /* reassigned */
    assert_int_equal(intake_move(db, 1, ACTION_CONTACTED, NULL, NULL, &d), 0);
    assert_int_equal(intake_move(db, 1, ACTION_CLOSE, NULL, "met; " MARKER, &d), 0);
    assert_int_equal(intake_commit(db, &d), 0);
    json_t *loads = intake_loads(db, &d);
    assert_int_equal(json_object_size(loads), 0); /* closed: nobody's open load */
    json_decref(loads);
    json_t *r = intake_get(db, 1, &d);
    assert_string_equal(json_string_value(json_object_get(r, "state")), "closed");
    assert_string_equal(json_string_value(json_object_get(r, "supporter")), "ben");
    assert_string_equal(json_string_value(json_object_get(r, "outcome")), "met; " MARKER);
    json_t *facts = json_incref(json_object_get(r, "facts"));
    json_decref(r);
    json_t *log = intake_audit(db, &d);
    assert_int_equal(json_array_size(log), 4); /* two assigns, contacted, close */
    char *log_text = json_dumps(log, 0);
    assert_null(strstr(log_text, MARKER));
    assert_null(strstr(log_text, "Ada"));
    free(log_text);
    json_decref(log);
    intake_close(db);
    assert_false(file_contains(path, MARKER));

    /* A dry run counts and changes nothing; the real one keeps the facts. */
    db = open_db(path, key_a);
    long n = -1, bad = -1;
    assert_int_equal(intake_begin(db, &d), 0);
    assert_int_equal(intake_purge(db, clock_now() - 3600, 0, &n, &bad, &d), 0);
    assert_int_equal(n, 0); /* closed just now: not old enough */
    assert_int_equal(intake_purge(db, clock_now() + 10, 1, &n, &bad, &d), 0);
    assert_int_equal(n, 1);
    r = intake_get(db, 1, &d);
    assert_non_null(json_object_get(r, "fields"));
    json_decref(r);
    assert_int_equal(intake_purge(db, clock_now() + 10, 0, &n, &bad, &d), 0);
    assert_int_equal(n, 1);
    assert_int_equal(intake_commit(db, &d), 0);
    assert_int_equal(intake_compact(db, &d), 0);
    r = intake_get(db, 1, &d);
    assert_null(json_object_get(r, "unreadable"));
    assert_null(json_object_get(r, "fields"));
    assert_true(json_is_null(json_object_get(r, "outcome")));
    assert_string_equal(json_string_value(json_object_get(r, "state")), "closed");
    assert_true(json_equal(json_object_get(r, "facts"), facts));
    json_decref(r);
    json_decref(facts);
    assert_int_equal(intake_begin(db, &d), 0);
    assert_int_equal(intake_move(db, 1, ACTION_REOPEN, NULL, NULL, &d), -1);
    intake_rollback(db);
    expect_message(&d, "was purged");
    diag_free(&d);
    intake_close(db);
    free(path);
    drop_dir(dir);
}

#define SLUG "zed-slug-marker"

/* Counts the rows of a query's first column that are text (1) or all (0). */
static long count_rows(const char *path, const char *query)
{
    sqlite3 *raw = NULL;
    sqlite3_stmt *st = NULL;
    long n = -1;
    assert_int_equal(sqlite3_open(path, &raw), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(raw, query, -1, &st, NULL), SQLITE_OK);
    if (sqlite3_step(st) == SQLITE_ROW)
        n = (long)sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(raw);
    return n;
}

/* Who supports a request is not in clear in the file: not in the request's
 * row, the assignment history or the audit log; load counting still works,
 * and a purge forgets it. */
static void test_supporter_encrypted(void **state)
{
    (void)state;
    char *dir = scratch_dir(), *path = join(dir, "intake.db"), *wal = join(dir, "intake.db-wal");
    struct intake *db = open_db(path, key_a);
    struct diag d = DIAG_INIT;
    size_t len;
    unsigned char *env = seal_test(key_a, 1, &len, NULL);
    assert_int_equal(intake_begin(db, &d), 0);
    insert(db, env, len);
    assert_int_equal(intake_move(db, 1, ACTION_ASSIGN, "ana", NULL, &d), 0);
    assert_int_equal(intake_move(db, 1, ACTION_ASSIGN, SLUG, NULL, &d), 0);
    assert_int_equal(intake_commit(db, &d), 0);
    free(env);
    assert_false(file_contains(path, SLUG));
    assert_false(file_contains(wal, SLUG));
    json_t *r = intake_get(db, 1, &d);
    assert_string_equal(json_string_value(json_object_get(r, "supporter")), SLUG);
    json_decref(r);
    json_t *loads = intake_loads(db, &d);
    assert_int_equal(json_object_size(loads), 1);
    assert_int_equal(json_integer_value(json_object_get(loads, SLUG)), 1);
    json_decref(loads);
    json_t *audit = intake_audit(db, &d);
    char *log = json_dumps(audit, 0);
    assert_null(strstr(log, SLUG));
    free(log);
    json_decref(audit);
    assert_int_equal(intake_begin(db, &d), 0);
    assert_int_equal(intake_move(db, 1, ACTION_CONTACTED, NULL, NULL, &d), 0);
    assert_int_equal(intake_move(db, 1, ACTION_CLOSE, NULL, NULL, &d), 0);
    long n = 0, bad = 0;
    assert_int_equal(intake_purge(db, clock_now() + 10, 0, &n, &bad, &d), 0);
    assert_int_equal(intake_commit(db, &d), 0);
    assert_int_equal(n, 1);
    r = intake_get(db, 1, &d);
    assert_true(json_is_null(json_object_get(r, "supporter")));
    json_decref(r);
    intake_close(db);
    assert_int_equal(count_rows(path, "SELECT count(*) FROM assignments"), 0);
    diag_free(&d);
    free(path);
    free(wal);
    drop_dir(dir);
}

/* The MAC of row id as intake.c computes it: a version 2 database written
 * by hand in the test must look as the release wrote it. */
static void remac(const char *path, const struct adminkey *k, long id)
{
    static const char label[] = "peerkit intake row mac v2";
    unsigned char key[32], mac[32];
    crypto_generichash(key, 32, (const unsigned char *)label, sizeof label - 1, k->data_key, 32);
    sqlite3 *raw = NULL;
    sqlite3_stmt *st = NULL, *up = NULL;
    assert_int_equal(sqlite3_open(path, &raw), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(raw,
                                        "SELECT id, envelope_id, key_id, channel, reference,"
                                        " submitted, received, schema, status, nonce, request,"
                                        " sealed, facts, supporter, assigned, contacted, closed,"
                                        " purged, outcome FROM requests WHERE id = ?",
                                        -1, &st, NULL),
                     SQLITE_OK);
    sqlite3_bind_int64(st, 1, id);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    crypto_generichash_state h;
    crypto_generichash_init(&h, key, sizeof key, sizeof mac);
    for (int c = 0; c < 19; c++) {
        int type = sqlite3_column_type(st, c);
        int64_t v = sqlite3_column_int64(st, c);
        const void *data = type == SQLITE_INTEGER ? (const void *)&v
                           : type == SQLITE_TEXT  ? (const void *)sqlite3_column_text(st, c)
                                                  : sqlite3_column_blob(st, c);
        uint64_t n = type == SQLITE_INTEGER ? 8
                     : type == SQLITE_TEXT || type == SQLITE_BLOB
                         ? (uint64_t)sqlite3_column_bytes(st, c)
                         : 0;
        unsigned char head[9];
        head[0] = (unsigned char)type;
        for (int i = 0; i < 8; i++)
            head[1 + i] = (unsigned char)(n >> (8 * i));
        crypto_generichash_update(&h, head, sizeof head);
        if (n)
            crypto_generichash_update(&h, data, n);
    }
    crypto_generichash_final(&h, mac, sizeof mac);
    sqlite3_finalize(st);
    assert_int_equal(sqlite3_prepare_v2(raw, "UPDATE requests SET mac = ? WHERE id = ?", -1, &up,
                                        NULL),
                     SQLITE_OK);
    sqlite3_bind_blob(up, 1, mac, sizeof mac, SQLITE_TRANSIENT);
    sqlite3_bind_int64(up, 2, id);
    assert_int_equal(sqlite3_step(up), SQLITE_DONE);
    sqlite3_finalize(up);
    sqlite3_close(raw);
}

/* A version 2 database kept the supporter in clear: the upgrade encrypts
 * it everywhere, keeps what reads (and what fails its MAC) as it was. */
static void test_upgrade_from_v2(void **state)
{
    (void)state;
    char *dir = scratch_dir(), *path = join(dir, "intake.db");
    struct diag d = DIAG_INIT;
    struct intake *db = open_db(path, key_a);
    insert_sealed(db, 3);
    intake_close(db);
    /* As version 2 wrote an assignment of requests 2 and 3 to SLUG; request
     * 3's row was then edited by hand (its MAC no longer matches). */
    sql(path, "UPDATE requests SET supporter = '" SLUG "', assigned = '2026-01-07T09:00:00Z',"
              " status = 'assigned' WHERE id IN (2, 3);"
              "INSERT INTO assignments (request, supporter, assigned) VALUES"
              " (2, '" SLUG "', '2026-01-07T09:00:00Z'), (3, '" SLUG "', '2026-01-07T09:00:00Z');"
              "INSERT INTO audit (at, action, request, detail) VALUES"
              " ('2026-01-07T09:00:00Z', 'assign', 2, 'new -> assigned " SLUG "'),"
              " ('2026-01-07T09:00:00Z', 'assign', 3, 'new -> assigned " SLUG "');"
              "PRAGMA user_version = 2");
    remac(path, key_a, 2);
    sql(path, "UPDATE requests SET channel = 'phone' WHERE id = 3; VACUUM");
    assert_true(file_contains(path, SLUG));
    /* Without the key, nothing changes. */
    static struct adminkey *only_b[1];
    only_b[0] = key_b;
    assert_int_equal(intake_open(path, only_b, 1, &db, &d), -1);
    expect_message(&d, "which is not loaded");
    diag_free(&d);
    assert_int_equal(user_version(path), 2);
    db = open_db(path, key_a);
    assert_int_equal(user_version(path), INTAKE_VERSION);
    json_t *two = intake_get(db, 2, &d), *three = intake_get(db, 3, &d);
    assert_string_equal(json_string_value(json_object_get(two, "supporter")), SLUG);
    assert_non_null(json_object_get(three, "unreadable"));
    json_decref(two);
    json_decref(three);
    json_t *loads = intake_loads(db, &d);
    assert_int_equal(json_integer_value(json_object_get(loads, SLUG)), 1);
    json_decref(loads);
    json_t *log = intake_audit(db, &d);
    assert_string_equal(json_string_value(json_object_get(json_array_get(log, 0), "detail")),
                        "new -> assigned");
    json_decref(log);
    assert_int_equal(intake_begin(db, &d), 0);
    assert_int_equal(intake_move(db, 2, ACTION_CONTACTED, NULL, NULL, &d), 0);
    assert_int_equal(intake_commit(db, &d), 0);
    intake_close(db);
    char *wal = join(dir, "intake.db-wal");
    assert_false(file_contains(path, SLUG));
    assert_false(file_contains(wal, SLUG));
    free(wal);
    assert_int_equal(
        count_rows(path, "SELECT count(*) FROM assignments WHERE typeof(supporter) = 'text'"), 0);
    diag_free(&d);
    free(path);
    drop_dir(dir);
}

/* A purge leaves a row it cannot check alone, and says how many there were. */
static void test_purge_reports_unreadable(void **state)
{
    (void)state;
    char *dir = scratch_dir(), *path = join(dir, "intake.db");
    struct intake *db = open_db(path, key_a);
    struct diag d = DIAG_INIT;
    assert_int_equal(intake_begin(db, &d), 0);
    for (int i = 0; i < 3; i++) {
        size_t len;
        unsigned char *env = seal_test(key_a, i, &len, NULL);
        insert(db, env, len);
        free(env);
        assert_int_equal(intake_move(db, i + 1, ACTION_DECLINE, NULL, NULL, &d), 0);
    }
    assert_int_equal(intake_commit(db, &d), 0);
    intake_close(db);
    /* Row 2 edited: its channel; row 3: marked purged by hand. */
    sql(path, "UPDATE requests SET channel = 'phone' WHERE id = 2;"
              "UPDATE requests SET purged = '2026-01-01T00:00:00Z' WHERE id = 3");
    db = open_db(path, key_a);
    long n = -1, bad = -1;
    assert_int_equal(intake_begin(db, &d), 0);
    assert_int_equal(intake_purge(db, clock_now() + 10, 0, &n, &bad, &d), 0);
    assert_int_equal(intake_commit(db, &d), 0);
    assert_int_equal(n, 1);
    assert_int_equal(bad, 2);
    intake_close(db);
    /* Their personal data is still there (for the administrator to look
     * into); row 1's is gone. */
    sqlite3 *raw = NULL;
    sqlite3_stmt *st = NULL;
    assert_int_equal(sqlite3_open(path, &raw), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(raw, "SELECT id, length(request) FROM requests ORDER BY id",
                                        -1, &st, NULL),
                     SQLITE_OK);
    for (int i = 1; i <= 3; i++) {
        assert_int_equal(sqlite3_step(st), SQLITE_ROW);
        if ((sqlite3_column_int(st, 1) > 0) != (i != 1))
            fail_msg("row %d: request of %d bytes after the purge", i, sqlite3_column_int(st, 1));
    }
    sqlite3_finalize(st);
    sqlite3_close(raw);
    diag_free(&d);
    free(path);
    drop_dir(dir);
}

/* Inserts a request that says it was submitted at submitted. */
static void insert_dated(struct intake *db, const char *submitted)
{
    struct diag d = DIAG_INIT;
    unsigned char id[ENVELOPE_ID_BYTES];
    int added = 0;
    json_t *plain =
        json_pack("{s:i, s:s, s:s, s:s, s:s, s:o}", "v", 1, "schema", "x", "channel", "web",
                  "submitted", submitted, "reference", "ABCD-EFGH", "fields", test_fields(0));
    char *text = json_dumps(plain, JSON_COMPACT);
    randombytes_buf(id, sizeof id);
    assert_int_equal(intake_insert(db, id, plain, (unsigned char *)text, strlen(text), 1, &added,
                                   NULL, &d),
                     0);
    assert_int_equal(added, 1);
    free(text);
    json_decref(plain);
    diag_free(&d);
}

/* The sender chooses the submission time: it counts only when it lies
 * before the arrival, and by at most 10 days. */
static void test_since(void **state)
{
    (void)state;
    char *dir = scratch_dir(), *path = join(dir, "intake.db");
    struct intake *db = open_db(path, key_a);
    struct diag d = DIAG_INIT;
    char three_days[CLOCK_ISO_LEN], a_month[CLOCK_ISO_LEN], an_hour_on[CLOCK_ISO_LEN];
    clock_iso(clock_now() - 3 * 86400, three_days);
    clock_iso(clock_now() - 30 * 86400, a_month);
    clock_iso(clock_now() + 3600, an_hour_on);
    static const int trusted[] = {1, 0, 0, 0};
    const char *dates[] = {three_days, a_month, "2001-01-01T00:00:00Z", an_hour_on};
    assert_int_equal(intake_begin(db, &d), 0);
    for (size_t i = 0; i < 4; i++)
        insert_dated(db, dates[i]);
    assert_int_equal(intake_commit(db, &d), 0);
    json_t *all = intake_list(db, &d);
    for (size_t i = 0; i < 4; i++) {
        json_t *r = json_array_get(all, i);
        const char *since = json_string_value(json_object_get(r, "since"));
        const char *want =
            json_string_value(json_object_get(r, trusted[i] ? "submitted" : "received"));
        if (!since || strcmp(since, want))
            fail_msg("submitted %s, received %s: expected the promise to run from %s, got %s",
                     dates[i], json_string_value(json_object_get(r, "received")), want,
                     since ? since : "(none)");
    }
    json_decref(all);
    diag_free(&d);
    intake_close(db);
    free(path);
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
        cmocka_unit_test(test_upgrade_from_v1),
        cmocka_unit_test(test_edited_row_detected),
        cmocka_unit_test(test_moves_and_purge),
        cmocka_unit_test(test_since),
        cmocka_unit_test(test_purge_reports_unreadable),
        cmocka_unit_test(test_supporter_encrypted),
        cmocka_unit_test(test_upgrade_from_v2),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    keys_free(key_a);
    keys_free(key_b);
    return failed;
}
