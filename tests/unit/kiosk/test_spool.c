/* Unit tests for kiosk/spool.c: the kiosk's store of sealed envelopes. It
 * holds ciphertext only (no plaintext marker in any of its files), is in WAL
 * mode with synchronous=FULL and secure_delete, keeps envelopes across
 * reopening, and deletes exactly the ids it is given. */
#include "kiosk_support.h"

#include <dirent.h>
#include <sqlite3.h>
#include <sys/stat.h>

#include "spool.h"

static struct adminkey *key;

struct listed {
    int n;
    unsigned char ids[8][ENVELOPE_ID_BYTES];
};

static int collect(void *ctx, const unsigned char *env, size_t len)
{
    struct listed *l = ctx;
    assert_true(l->n < 8);
    envelope_id(env, len, l->ids[l->n++]);
    return 0;
}

static int stop_early(void *ctx, const unsigned char *env, size_t len)
{
    (void)env;
    (void)len;
    (*(int *)ctx)++;
    return -1;
}

static long pending(struct spool *s, char oldest[11])
{
    long n = -1;
    struct diag d = DIAG_INIT;
    assert_int_equal(spool_status(s, &n, oldest, &d), 0);
    diag_free(&d);
    return n;
}

/* Today's UTC day, computed here rather than through common/clock, so the
 * spool's stamp is checked against an independent reading of the time. */
static void utc_today(char out[11])
{
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(out, 11, "%Y-%m-%d", &tm);
}

static void test_store_list_delete(void **state)
{
    (void)state;
    char *dir = scratch_dir(), *path = join(dir, "spool.db");
    struct spool *s = NULL;
    struct diag d = DIAG_INIT;
    char oldest[11];
    assert_int_equal(spool_open(path, SPOOL_CREATE, &s, &d), 0);
    assert_int_equal(pending(s, oldest), 0);
    assert_string_equal(oldest, "");

    char before[11], after[11];
    utc_today(before);
    unsigned char ids[4][ENVELOPE_ID_BYTES];
    for (int i = 0; i < 4; i++) {
        size_t len;
        unsigned char *env = seal_test(key, i, &len, NULL);
        envelope_id(env, len, ids[i]);
        assert_int_equal(spool_add(s, env, len, &d), 0);
        if (i == 0) /* the same envelope twice is stored once */
            assert_int_equal(spool_add(s, env, len, &d), 0);
        free(env);
    }
    utc_today(after);
    assert_int_equal(pending(s, oldest), 4);
    /* A day stamp, no time of day: the day it was written (either side of
     * midnight if the test ran across it). */
    if (strcmp(oldest, before) != 0 && strcmp(oldest, after) != 0)
        fail_msg("expected the spool's oldest day to be %s or %s, got \"%s\"", before, after,
                 oldest);

    struct listed l = {0};
    assert_int_equal(spool_foreach(s, collect, &l, &d), 0);
    assert_int_equal(l.n, 4);
    /* All written today: listed in id order, not in the order written. */
    for (int i = 0; i < 4; i++) {
        int found = 0;
        for (int j = 0; j < 4; j++)
            found += !memcmp(l.ids[i], ids[j], ENVELOPE_ID_BYTES);
        assert_int_equal(found, 1);
        if (i > 0)
            assert_true(memcmp(l.ids[i - 1], l.ids[i], ENVELOPE_ID_BYTES) < 0);
    }
    int calls = 0;
    assert_int_equal(spool_foreach(s, stop_early, &calls, &d), -1);
    assert_int_equal(calls, 1);
    diag_free(&d);

    /* Delete two present ids and one the spool never had. */
    unsigned char del[3][ENVELOPE_ID_BYTES];
    memcpy(del[0], ids[1], ENVELOPE_ID_BYTES);
    memcpy(del[1], ids[3], ENVELOPE_ID_BYTES);
    randombytes_buf(del[2], ENVELOPE_ID_BYTES);
    long deleted = -1;
    assert_int_equal(spool_delete(s, (const unsigned char(*)[ENVELOPE_ID_BYTES])del, 3, &deleted,
                                  &d),
                     0);
    assert_int_equal(deleted, 2);
    spool_close(s);

    /* Reopened: exactly the other two remain. */
    assert_int_equal(spool_open(path, SPOOL_CREATE, &s, &d), 0);
    assert_int_equal(pending(s, oldest), 2);
    struct listed rest = {0};
    assert_int_equal(spool_foreach(s, collect, &rest, &d), 0);
    assert_int_equal(rest.n, 2);
    for (int i = 0; i < 2; i++)
        assert_true(!memcmp(rest.ids[i], ids[0], ENVELOPE_ID_BYTES) ||
                    !memcmp(rest.ids[i], ids[2], ENVELOPE_ID_BYTES));
    assert_memory_not_equal(rest.ids[0], rest.ids[1], ENVELOPE_ID_BYTES);
    assert_int_equal(spool_delete(s, NULL, 0, &deleted, &d), 0);
    assert_int_equal(deleted, 0);
    spool_close(s);
    assert_int_equal(d.nerrors, 0);
    free(path);
    drop_dir(dir);
}

static void test_only_ciphertext_on_disk(void **state)
{
    (void)state;
    char *dir = scratch_dir(), *path = join(dir, "spool.db"), *wal = join(dir, "spool.db-wal");
    struct spool *s = NULL;
    struct diag d = DIAG_INIT;
    assert_int_equal(spool_open(path, SPOOL_CREATE, &s, &d), 0);
    for (int i = 0; i < 20; i++) {
        size_t len;
        unsigned char *env = seal_test(key, i, &len, NULL);
        assert_int_equal(spool_add(s, env, len, &d), 0);
        free(env);
    }
    /* While open (WAL not yet checkpointed) and after closing. */
    assert_true(fs_exists(wal));
    assert_false(file_contains(path, MARKER));
    assert_false(file_contains(wal, MARKER));
    assert_false(file_contains(path, "Ada"));
    spool_close(s);
    assert_false(file_contains(path, MARKER));
    assert_false(file_contains(wal, MARKER));

    /* The settings that make a stored envelope durable and a deleted one gone. */
    sqlite3 *db;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    sqlite3_stmt *st;
    assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(st, 0), "wal");
    sqlite3_finalize(st);
    /* Only three columns: id, day, data. */
    assert_int_equal(sqlite3_prepare_v2(db, "SELECT * FROM envelopes", -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_column_count(st), 3);
    sqlite3_finalize(st);
    sqlite3_close(db);
    diag_free(&d);
    free(path);
    free(wal);
    drop_dir(dir);
}

static void test_unusable_path(void **state)
{
    (void)state;
    struct spool *s = NULL;
    struct diag d = DIAG_INIT;
    assert_int_equal(spool_open("/nonexistent-dir/spool.db", SPOOL_CREATE, &s, &d), -1);
    assert_null(s);
    expect_message(&d, "/nonexistent-dir/spool.db");
    diag_free(&d);
    /* A file that is not a database. */
    char *dir = scratch_dir();
    put_file(dir, "junk.db", "this is not an SQLite database, just text that is long enough", 61);
    char *junk = join(dir, "junk.db");
    assert_int_equal(spool_open(junk, SPOOL_CREATE, &s, &d), -1);
    expect_message(&d, "junk.db");
    diag_free(&d);
    free(junk);
    drop_dir(dir);
}

/* The directory's entries, sorted, as one string. */
static char *entries(const char *dir)
{
    struct dirent **names;
    int n = scandir(dir, &names, NULL, alphasort);
    assert_true(n >= 0);
    char *out = calloc(1, 1024);
    for (int i = 0; i < n; i++) {
        if (names[i]->d_name[0] != '.') {
            strncat(out, names[i]->d_name, 1000 - strlen(out));
            strcat(out, " ");
        }
        free(names[i]);
    }
    free(names);
    return out;
}

static void expect_same_file(const char *what, const char *path, const char *before, size_t len)
{
    size_t now_len = 0;
    char *now = slurp(path, &now_len);
    if (!now || now_len != len || memcmp(now, before, len))
        fail_msg("%s: expected %s unchanged (%zu bytes), got %zu bytes%s", what, path, len, now_len,
                 now && now_len == len ? " that differ" : "");
    free(now);
}

static void expect_entries(const char *what, const char *dir, const char *want)
{
    char *got = entries(dir);
    if (strcmp(got, want))
        fail_msg("%s: expected the directory to hold \"%s\", got \"%s\"", what, want, got);
    free(got);
}

/* status and export open the spool without writing: no -wal or -shm file is
 * made, the file stays byte for byte the same; and opening an existing spool
 * to write does not rewrite its schema. */
static void test_reading_writes_nothing(void **state)
{
    (void)state;
    char *dir = scratch_dir(), *path = join(dir, "spool.db"), *missing = join(dir, "none.db");
    struct spool *s = NULL, *r = NULL;
    struct diag d = DIAG_INIT;
    char oldest[11];
    assert_int_equal(spool_open(path, SPOOL_CREATE, &s, &d), 0);
    for (int i = 0; i < 3; i++) {
        size_t len;
        unsigned char *env = seal_test(key, i, &len, NULL);
        assert_int_equal(spool_add(s, env, len, &d), 0);
        free(env);
    }
    spool_close(s);
    expect_entries("after closing", dir, "spool.db spool.db-reserve ");
    size_t len = 0;
    char *before = slurp(path, &len);
    assert_non_null(before);

    assert_int_equal(spool_open(path, SPOOL_READ, &r, &d), 0);
    assert_int_equal(pending(r, oldest), 3);
    struct listed l = {0};
    assert_int_equal(spool_foreach(r, collect, &l, &d), 0);
    assert_int_equal(l.n, 3);
    expect_entries("while open for reading", dir, "spool.db spool.db-reserve ");
    size_t elen;
    unsigned char *env = seal_test(key, 9, &elen, NULL);
    assert_int_equal(spool_add(r, env, elen, &d), -1);
    expect_message(&d, "reading only");
    diag_free(&d);
    spool_close(r);
    expect_entries("after reading", dir, "spool.db spool.db-reserve ");
    expect_same_file("reading", path, before, len);

    /* Opening an existing spool to write leaves it as it was. */
    assert_int_equal(spool_open(path, SPOOL_CREATE, &s, &d), 0);
    spool_close(s);
    expect_same_file("opening an existing spool", path, before, len);

    /* Read while a writer has it open: its log is read too. */
    assert_int_equal(spool_open(path, SPOOL_CREATE, &s, &d), 0);
    assert_int_equal(spool_add(s, env, elen, &d), 0);
    assert_int_equal(spool_open(path, SPOOL_READ, &r, &d), 0);
    assert_int_equal(pending(r, oldest), 4);
    spool_close(r);
    spool_close(s);
    free(env);

    /* Reading or acknowledging a spool that is not there creates nothing. */
    assert_int_equal(spool_open(missing, SPOOL_READ, &r, &d), -1);
    assert_int_equal(spool_open(missing, SPOOL_WRITE, &r, &d), -1);
    assert_null(r);
    assert_false(fs_exists(missing));
    diag_free(&d);

    /* Another database, or a newer spool, is named as such. */
    sqlite3 *db;
    assert_int_equal(sqlite3_open(missing, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "CREATE TABLE t (x)", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    assert_int_equal(spool_open(missing, SPOOL_READ, &r, &d), -1);
    expect_message(&d, "not a peerkit spool");
    diag_free(&d);
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "PRAGMA user_version = 2", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    assert_int_equal(spool_open(path, SPOOL_CREATE, &s, &d), -1);
    expect_message(&d, "newer version (2)");
    diag_free(&d);
    free(before);
    free(missing);
    free(path);
    drop_dir(dir);
}

/* 1 if the file exists and holds the n bytes anywhere. */
static int file_has(const char *path, const unsigned char *bytes, size_t n)
{
    size_t len = 0;
    char *data = slurp(path, &len);
    int found = data && memmem(data, len, bytes, n) != NULL;
    free(data);
    return found;
}

static off_t file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? st.st_size : -1;
}

/* ack while a server has the spool open: the deleted envelopes leave no
 * copy in any of the spool's files (the log is checkpointed and truncated),
 * the file gives the freed pages back, and the reserve is there again. */
static void test_ack_leaves_no_copy(void **state)
{
    (void)state;
    enum { N = 40, GONE = 30 };
    char *dir = scratch_dir(), *path = join(dir, "spool.db"), *wal = join(dir, "spool.db-wal"),
         *shm = join(dir, "spool.db-shm"), *reserve = join(dir, "spool.db-reserve");
    struct spool *server = NULL, *ack = NULL;
    struct diag d = DIAG_INIT;
    unsigned char ids[N][ENVELOPE_ID_BYTES], chunk[N][32];
    assert_int_equal(spool_open(path, SPOOL_CREATE, &server, &d), 0);
    for (int i = 0; i < N; i++) {
        size_t len;
        unsigned char *env = seal_test(key, i, &len, NULL);
        envelope_id(env, len, ids[i]);
        memcpy(chunk[i], env + len / 2, 32);
        assert_int_equal(spool_add(server, env, len, &d), 0);
        free(env);
    }
    assert_true(file_has(wal, chunk[0], 32)); /* the search finds what is there */
    struct stat st;
    assert_int_equal(stat(reserve, &st), 0);
    assert_int_equal(spool_open(path, SPOOL_WRITE, &ack, &d), 0);
    assert_false(fs_exists(reserve)); /* room for ack on a full disk */
    sqlite3 *raw;
    assert_int_equal(sqlite3_open(path, &raw), SQLITE_OK);
    assert_int_equal(sqlite3_exec(raw, "SELECT count(*) FROM envelopes", NULL, NULL, NULL),
                     SQLITE_OK); /* the log is opened on first use */
    assert_int_equal(sqlite3_wal_checkpoint_v2(raw, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(raw);
    off_t before = file_size(path); /* everything in it, nothing in the log */
    long deleted = -1;
    assert_int_equal(spool_delete(ack, (const unsigned char(*)[ENVELOPE_ID_BYTES])ids, GONE,
                                  &deleted, &d),
                     0);
    assert_int_equal(deleted, GONE);
    if (file_size(wal) != 0)
        fail_msg("expected the write-ahead log truncated after ack, got %lld bytes",
                 (long long)file_size(wal));
    const char *files[] = {path, wal, shm};
    for (int i = 0; i < N; i++)
        for (size_t f = 0; f < 3; f++)
            if (file_has(files[f], chunk[i], 32) != (i >= GONE && f == 0))
                fail_msg("envelope %d (%s): expected its bytes %s %s, got the opposite", i,
                         i < GONE ? "deleted" : "kept", i < GONE || f ? "nowhere in" : "in",
                         files[f]);
    if (file_size(path) >= before)
        fail_msg("expected the spool smaller than %lld bytes after ack, got %lld",
                 (long long)before, (long long)file_size(path));
    char oldest[11];
    assert_int_equal(pending(server, oldest), N - GONE);
    spool_close(ack);
    assert_int_equal(stat(reserve, &st), 0); /* made again */
    assert_int_equal(st.st_size, 1024 * 1024);
    spool_close(server);
    assert_int_equal(d.nerrors, 0);
    free(reserve);
    free(shm);
    free(wal);
    free(path);
    drop_dir(dir);
}

int main(void)
{
    kiosk_test_init();
    key = keys_generate();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_store_list_delete),  cmocka_unit_test(test_only_ciphertext_on_disk),
        cmocka_unit_test(test_unusable_path),      cmocka_unit_test(test_reading_writes_nothing),
        cmocka_unit_test(test_ack_leaves_no_copy),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    keys_free(key);
    return failed;
}
