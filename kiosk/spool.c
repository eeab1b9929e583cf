#include "spool.h"

#include <pthread.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "db.h"
#include "xalloc.h"

struct spool {
    sqlite3 *db;
    char *path;
    pthread_mutex_t lock;
    sqlite3_stmt *insert;
};

/* Stays in the spool's own words; db.h does the work. */
static int fail(struct spool *s, struct diag *d, const char *what)
{
    return db_fail(s->db, s->path, what, d);
}

static int exec(struct spool *s, const char *sql, struct diag *d)
{
    return db_exec(s->db, s->path, sql, d);
}

#define SPOOL_VERSION 1

/* Creates the table in a new (empty) spool, in one transaction, so two
 * processes creating it at once do not both write it. Nothing is written to
 * a spool that already has its schema. */
static int create_schema(struct spool *s, struct diag *d)
{
    int v = db_user_version(s->db, s->path, d);
    if (v != 0)
        return v < 0 ? -1 : 0;
    if (exec(s, "BEGIN IMMEDIATE", d) < 0)
        return -1;
    if ((v = db_user_version(s->db, s->path, d)) < 0 ||
        (v == 0 && exec(s,
                        "CREATE TABLE envelopes ("
                        " id BLOB PRIMARY KEY CHECK (length(id) = 32),"
                        " day TEXT NOT NULL,"
                        " data BLOB NOT NULL) WITHOUT ROWID;"
                        "PRAGMA user_version = 1;",
                        d) < 0)) {
        exec(s, "ROLLBACK", d);
        return -1;
    }
    return exec(s, "COMMIT", d);
}

/* The schema version: this one, or an error that says what the file is. */
static int check_version(struct spool *s, struct diag *d)
{
    int v = db_user_version(s->db, s->path, d);
    if (v < 0)
        return -1;
    if (v == SPOOL_VERSION)
        return 0;
    if (v == 0)
        diag_error(d, s->path, 0, 0, "not a peerkit spool (no schema)");
    else
        diag_error(d, s->path, 0, 0,
                   "a spool of a newer version (%d) than this peerkiosk reads (%d)", v,
                   SPOOL_VERSION);
    return -1;
}

int spool_open(const char *path, enum spool_mode mode, struct spool **out, struct diag *d)
{
    struct spool *s = xcalloc(1, sizeof *s);
    *out = NULL;
    s->path = xstrdup(path);
    pthread_mutex_init(&s->lock, NULL);
    enum db_mode how = mode == SPOOL_CREATE  ? DB_CREATE
                       : mode == SPOOL_WRITE ? DB_WRITE
                                             : DB_READONLY;
    if (db_open(path, how, 1, &s->db, d) < 0 || (mode == SPOOL_CREATE && create_schema(s, d) < 0) ||
        check_version(s, d) < 0 ||
        (mode != SPOOL_READ &&
         db_prepare(s->db, path, "INSERT OR IGNORE INTO envelopes (id, day, data) VALUES (?, ?, ?)",
                    &s->insert, d) < 0))
        goto fail;
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
    db_close(s->db);
    pthread_mutex_destroy(&s->lock);
    free(s->path);
    free(s);
}

int spool_add(struct spool *s, const unsigned char *env, size_t len, struct diag *d)
{
    if (!s->insert) {
        diag_error(d, s->path, 0, 0, "the spool is open for reading only");
        return -1;
    }
    unsigned char id[ENVELOPE_ID_BYTES];
    char day[CLOCK_DAY_LEN];
    envelope_id(env, len, id);
    clock_day(clock_now(), day);
    pthread_mutex_lock(&s->lock);
    sqlite3_reset(s->insert);
    sqlite3_bind_blob(s->insert, 1, id, sizeof id, SQLITE_TRANSIENT);
    sqlite3_bind_text(s->insert, 2, day, -1, SQLITE_TRANSIENT);
    sqlite3_bind_blob(s->insert, 3, env, (int)len, SQLITE_STATIC);
    int rc = sqlite3_step(s->insert) == SQLITE_DONE ? 0 : fail(s, d, "cannot store");
    sqlite3_clear_bindings(s->insert);
    pthread_mutex_unlock(&s->lock);
    return rc;
}

int spool_status(struct spool *s, long *pending, char oldest[11], struct diag *d)
{
    sqlite3_stmt *st = NULL;
    int rc = -1;
    pthread_mutex_lock(&s->lock);
    if (sqlite3_prepare_v2(s->db, "SELECT count(*), coalesce(min(day), '') FROM envelopes", -1, &st,
                           NULL) != SQLITE_OK ||
        sqlite3_step(st) != SQLITE_ROW) {
        fail(s, d, "cannot read the spool");
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
    if (sqlite3_prepare_v2(s->db, "SELECT data FROM envelopes ORDER BY day, id", -1, &st, NULL) !=
        SQLITE_OK) {
        fail(s, d, "cannot read the spool");
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
        fail(s, d, "cannot read the spool");
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
    if (db_prepare(s->db, s->path, "DELETE FROM envelopes WHERE id = ?", &st, d) < 0)
        goto rollback;
    for (size_t i = 0; i < n; i++) {
        sqlite3_reset(st);
        sqlite3_bind_blob(st, 1, ids[i], ENVELOPE_ID_BYTES, SQLITE_STATIC);
        if (sqlite3_step(st) != SQLITE_DONE) {
            fail(s, d, "cannot delete");
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
