#include "spool.h"

#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "db.h"
#include "xalloc.h"

struct spool {
    sqlite3 *db;
    char *path;
    char *reserve; /* let go of while open to delete (SPOOL_WRITE); made again on close */
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
/* Room kept next to the spool so that ack, which frees space, can run on a
 * full disk: each of its transactions needs about DELETE_BATCH bytes of log
 * (secure_delete writes every freed page) and the 32 KiB -shm file. */
#define RESERVE_BYTES (1024 * 1024)
#define DELETE_BATCH (256 * 1024)
#define VACUUM_STEP "64" /* pages moved per step when giving pages back */

/* "<spool>-reserve". Caller frees. */
static char *reserve_path(const char *spool)
{
    char *p = NULL;
    if (asprintf(&p, "%s-reserve", spool) < 0)
        abort();
    return p;
}

/* Makes the reserve if it is missing and there is room (best effort: a spool
 * without one works, but ack then needs some free space). */
static void make_reserve(const char *path)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0)
        return;
    int err = posix_fallocate(fd, 0, RESERVE_BYTES);
    if (close(fd) < 0 || err)
        unlink(path);
}

/* The number a one-row pragma answers, or -1 with an error. */
static long pragma_number(struct spool *s, const char *sql, struct diag *d)
{
    sqlite3_stmt *st = NULL;
    long v = -1;
    if (db_prepare(s->db, s->path, sql, &st, d) < 0)
        return -1;
    if (sqlite3_step(st) == SQLITE_ROW)
        v = (long)sqlite3_column_int64(st, 0);
    else
        fail(s, d, "cannot read the spool's settings");
    sqlite3_finalize(st);
    return v;
}

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
    if (exec(s, "COMMIT", d) < 0)
        return -1;
    if (v == 0) {
        char *reserve = reserve_path(s->path);
        make_reserve(reserve);
        free(reserve);
    }
    return 0;
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
    if (mode == SPOOL_WRITE) {
        /* Room for ack on a full disk: its -shm file and log need some. */
        s->reserve = reserve_path(path);
        unlink(s->reserve);
    }
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
    if (s->reserve) {
        make_reserve(s->reserve);
        free(s->reserve);
    }
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

/* One transaction deleting the listed ids from *next on, until about
 * DELETE_BATCH bytes of envelopes are gone; *next and *deleted advance. */
static int delete_batch(struct spool *s, sqlite3_stmt *size, sqlite3_stmt *del,
                        const unsigned char (*ids)[ENVELOPE_ID_BYTES], size_t n, size_t *next,
                        long *deleted, struct diag *d)
{
    long in_batch = 0;
    size_t bytes = 0, i = *next;
    if (exec(s, "BEGIN IMMEDIATE", d) < 0)
        return -1;
    for (; i < n && bytes < DELETE_BATCH; i++) {
        sqlite3_reset(size);
        sqlite3_bind_blob(size, 1, ids[i], ENVELOPE_ID_BYTES, SQLITE_STATIC);
        if (sqlite3_step(size) == SQLITE_ROW)
            bytes += (size_t)sqlite3_column_int64(size, 0);
        sqlite3_reset(size);
        sqlite3_reset(del);
        sqlite3_bind_blob(del, 1, ids[i], ENVELOPE_ID_BYTES, SQLITE_STATIC);
        if (sqlite3_step(del) != SQLITE_DONE) {
            fail(s, d, "cannot delete");
            exec(s, "ROLLBACK", d);
            return -1;
        }
        in_batch += sqlite3_changes(s->db);
    }
    if (exec(s, "COMMIT", d) < 0) {
        exec(s, "ROLLBACK", d);
        return -1;
    }
    *deleted += in_batch;
    *next = i;
    return db_checkpoint_truncate(s->db, s->path, d);
}

/* Gives the pages the deletions freed back to the file system, a few at a
 * time (spools made with auto_vacuum; older ones keep them for new
 * envelopes). */
static int give_back_pages(struct spool *s, struct diag *d)
{
    long before = LONG_MAX, now;
    while ((now = pragma_number(s, "PRAGMA freelist_count", d)) > 0 && now < before) {
        before = now;
        if (exec(s, "PRAGMA incremental_vacuum(" VACUUM_STEP ")", d) < 0 ||
            db_checkpoint_truncate(s->db, s->path, d) < 0)
            return -1;
    }
    return now < 0 ? -1 : 0;
}

int spool_delete(struct spool *s, const unsigned char (*ids)[ENVELOPE_ID_BYTES], size_t n,
                 long *deleted, struct diag *d)
{
    sqlite3_stmt *size = NULL, *del = NULL;
    int rc = -1;
    size_t next = 0;
    *deleted = 0;
    pthread_mutex_lock(&s->lock);
    if (db_prepare(s->db, s->path, "SELECT length(data) FROM envelopes WHERE id = ?", &size, d) <
            0 ||
        db_prepare(s->db, s->path, "DELETE FROM envelopes WHERE id = ?", &del, d) < 0)
        goto out;
    while (next < n)
        if (delete_batch(s, size, del, ids, n, &next, deleted, d) < 0)
            goto out;
    if (give_back_pages(s, d) < 0 || db_checkpoint_truncate(s->db, s->path, d) < 0)
        goto out;
    rc = 0;
out:
    if (rc < 0 && *deleted)
        diag_error(d, s->path, 0, 0,
                   "stopped after deleting %ld of the listed envelopes; the others stay in the "
                   "spool: run ack again",
                   *deleted);
    sqlite3_finalize(size);
    sqlite3_finalize(del);
    pthread_mutex_unlock(&s->lock);
    return rc;
}
