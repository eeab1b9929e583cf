#include "spool.h"

#include <pthread.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct spool {
    sqlite3 *db;
    char *path;
    pthread_mutex_t lock;
    sqlite3_stmt *insert;
};

static int db_fail(struct spool *s, struct diag *d, const char *what)
{
    diag_error(d, s->path, 0, 0, "%s: %s", what, sqlite3_errmsg(s->db));
    return -1;
}

static int exec(struct spool *s, const char *sql, struct diag *d)
{
    char *err = NULL;
    if (sqlite3_exec(s->db, sql, NULL, NULL, &err) != SQLITE_OK) {
        diag_error(d, s->path, 0, 0, "%s", err ? err : "database error");
        sqlite3_free(err);
        return -1;
    }
    return 0;
}

int spool_open(const char *path, struct spool **out, struct diag *d)
{
    struct spool *s = calloc(1, sizeof *s);
    if (!s || !(s->path = strdup(path)))
        abort();
    pthread_mutex_init(&s->lock, NULL);
    if (sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
                        SQLITE_OPEN_FULLMUTEX, NULL) != SQLITE_OK) {
        db_fail(s, d, "cannot open the spool");
        goto fail;
    }
    sqlite3_busy_timeout(s->db, 10000);
    if (exec(s, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA secure_delete=ON;",
             d) < 0 ||
        exec(s, "CREATE TABLE IF NOT EXISTS envelopes ("
                " id BLOB PRIMARY KEY CHECK (length(id) = 32),"
                " day TEXT NOT NULL,"
                " data BLOB NOT NULL) WITHOUT ROWID;"
                "PRAGMA user_version = 1;",
             d) < 0)
        goto fail;
    if (sqlite3_prepare_v2(s->db, "INSERT OR IGNORE INTO envelopes (id, day, data) "
                           "VALUES (?, ?, ?)", -1, &s->insert, NULL) != SQLITE_OK) {
        db_fail(s, d, "cannot prepare");
        goto fail;
    }
    *out = s;
    return 0;
fail:
    spool_close(s);
    return -1;
}

void spool_close(struct spool *s)
{
    if (!s)
        return;
    sqlite3_finalize(s->insert);
    sqlite3_close(s->db);
    pthread_mutex_destroy(&s->lock);
    free(s->path);
    free(s);
}

static void today(char out[11])
{
    const char *sde = getenv("SOURCE_DATE_EPOCH");
    time_t t = sde && *sde ? (time_t)strtoll(sde, NULL, 10) : time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 11, "%Y-%m-%d", &tm);
}

int spool_add(struct spool *s, const unsigned char *env, size_t len, struct diag *d)
{
    unsigned char id[ENVELOPE_ID_BYTES];
    char day[11];
    envelope_id(env, len, id);
    today(day);
    pthread_mutex_lock(&s->lock);
    sqlite3_reset(s->insert);
    sqlite3_bind_blob(s->insert, 1, id, sizeof id, SQLITE_TRANSIENT);
    sqlite3_bind_text(s->insert, 2, day, -1, SQLITE_TRANSIENT);
    sqlite3_bind_blob(s->insert, 3, env, (int)len, SQLITE_STATIC);
    int rc = sqlite3_step(s->insert) == SQLITE_DONE ? 0 : db_fail(s, d, "cannot store");
    sqlite3_clear_bindings(s->insert);
    pthread_mutex_unlock(&s->lock);
    return rc;
}

int spool_status(struct spool *s, long *pending, char oldest[11], struct diag *d)
{
    sqlite3_stmt *st = NULL;
    int rc = -1;
    pthread_mutex_lock(&s->lock);
    if (sqlite3_prepare_v2(s->db, "SELECT count(*), coalesce(min(day), '') FROM envelopes", -1,
                           &st, NULL) != SQLITE_OK || sqlite3_step(st) != SQLITE_ROW) {
        db_fail(s, d, "cannot read the spool");
        goto out;
    }
    *pending = (long)sqlite3_column_int64(st, 0);
    const unsigned char *day = sqlite3_column_text(st, 1);
    snprintf(oldest, 11, "%s", day ? (const char *)day : "");
    rc = 0;
out:
    sqlite3_finalize(st);
    pthread_mutex_unlock(&s->lock);
    return rc;
}

int spool_foreach(struct spool *s, spool_fn fn, void *ctx, struct diag *d)
{
    sqlite3_stmt *st = NULL;
    int rc = -1, step;
    pthread_mutex_lock(&s->lock);
    if (sqlite3_prepare_v2(s->db, "SELECT data FROM envelopes ORDER BY day, id", -1, &st,
                           NULL) != SQLITE_OK) {
        db_fail(s, d, "cannot read the spool");
        goto out;
    }
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        const unsigned char *data = sqlite3_column_blob(st, 0);
        int n = sqlite3_column_bytes(st, 0);
        if (fn(ctx, data, (size_t)n) < 0) {
            diag_error(d, s->path, 0, 0, "export stopped");
            goto out;
        }
    }
    if (step != SQLITE_DONE) {
        db_fail(s, d, "cannot read the spool");
        goto out;
    }
    rc = 0;
out:
    sqlite3_finalize(st);
    pthread_mutex_unlock(&s->lock);
    return rc;
}

int spool_delete(struct spool *s, const unsigned char (*ids)[ENVELOPE_ID_BYTES], size_t n,
                 long *deleted, struct diag *d)
{
    sqlite3_stmt *st = NULL;
    int rc = -1;
    *deleted = 0;
    pthread_mutex_lock(&s->lock);
    if (exec(s, "BEGIN IMMEDIATE", d) < 0)
        goto out;
    if (sqlite3_prepare_v2(s->db, "DELETE FROM envelopes WHERE id = ?", -1, &st, NULL) !=
        SQLITE_OK) {
        db_fail(s, d, "cannot prepare");
        goto rollback;
    }
    for (size_t i = 0; i < n; i++) {
        sqlite3_reset(st);
        sqlite3_bind_blob(st, 1, ids[i], ENVELOPE_ID_BYTES, SQLITE_STATIC);
        if (sqlite3_step(st) != SQLITE_DONE) {
            db_fail(s, d, "cannot delete");
            goto rollback;
        }
        *deleted += sqlite3_changes(s->db);
    }
    if (exec(s, "COMMIT", d) < 0)
        goto rollback;
    rc = 0;
    goto out;
rollback:
    exec(s, "ROLLBACK", d);
    *deleted = 0;
out:
    sqlite3_finalize(st);
    pthread_mutex_unlock(&s->lock);
    return rc;
}
