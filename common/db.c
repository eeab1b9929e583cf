#include "db.h"

#include <ctype.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int db_fail(sqlite3 *db, const char *path, const char *what, struct diag *d)
{
    diag_error(d, path, 0, 0, "%s: %s", what, db ? sqlite3_errmsg(db) : "out of memory");
    return -1;
}

int db_exec(sqlite3 *db, const char *path, const char *sql, struct diag *d)
{
    char *err = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK) {
        diag_error(d, path, 0, 0, "%s", err ? err : "database error");
        sqlite3_free(err);
        return -1;
    }
    return 0;
}

int db_prepare(sqlite3 *db, const char *path, const char *sql, sqlite3_stmt **st, struct diag *d)
{
    if (sqlite3_prepare_v2(db, sql, -1, st, NULL) != SQLITE_OK)
        return db_fail(db, path, "cannot prepare a statement", d);
    return 0;
}

/* "file:PATH?immutable=1" with PATH percent-encoded as a URI path. Caller
 * frees. */
static char *immutable_uri(const char *path)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t n = strlen(path);
    char *uri = malloc(n * 3 + 32), *w = uri;
    if (!uri)
        abort();
    w += sprintf(w, "file:%s", path[0] == '/' ? "//" : "");
    for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
        if (isalnum(*p) || strchr("/-._~", *p)) {
            *w++ = (char)*p;
        } else {
            *w++ = '%';
            *w++ = hex[*p >> 4];
            *w++ = hex[*p & 15];
        }
    }
    strcpy(w, "?immutable=1");
    return uri;
}

/* Opens path for reading without writing anything. SQLite's read-only
 * opening of a WAL database still creates the -wal and -shm files, which
 * fails on a read-only medium, in a directory this user may not write and on
 * a full disk. When there is no -wal file, no connection has the database
 * open (the last one to close removes it) and every commit is in the main
 * file: it is read as immutable, without locks or side files. (A writer that
 * starts meanwhile writes to its new -wal, not to the main file, until a
 * checkpoint.) Otherwise the log holds commits and is read with SQLite's
 * usual locking; its -shm file already exists. */
static int open_readonly(const char *path, int flags, sqlite3 **db)
{
    char *wal = NULL;
    struct stat st;
    if (asprintf(&wal, "%s-wal", path) < 0)
        abort();
    int have_wal = lstat(wal, &st) == 0;
    free(wal);
    flags |= SQLITE_OPEN_READONLY;
    if (have_wal)
        return sqlite3_open_v2(path, db, flags, NULL);
    if (stat(path, &st) != 0) /* an immutable open would not say why */
        return sqlite3_open_v2(path, db, flags, NULL);
    char *uri = immutable_uri(path);
    int rc = sqlite3_open_v2(uri, db, flags | SQLITE_OPEN_URI, NULL);
    free(uri);
    return rc;
}

int db_open(const char *path, enum db_mode mode, int threads, sqlite3 **out, struct diag *d)
{
    int flags = threads ? SQLITE_OPEN_FULLMUTEX : SQLITE_OPEN_NOMUTEX, fresh = 0;
    sqlite3 *db = NULL;
    *out = NULL;
    if (mode == DB_CREATE) {
        /* Create the file ourselves so it is never world-readable, whatever the umask. */
        int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
        struct stat st;
        if (fd < 0) {
            diag_error(d, path, 0, 0, "cannot open the database: %m");
            return -1;
        }
        fresh = fstat(fd, &st) == 0 && st.st_size == 0;
        close(fd);
    }
    int rc = mode == DB_READONLY ? open_readonly(path, flags, &db)
                                 : sqlite3_open_v2(path, &db, flags | SQLITE_OPEN_READWRITE, NULL);
    if (rc != SQLITE_OK) {
        db_fail(db, path, "cannot open the database", d);
        sqlite3_close(db);
        return -1;
    }
    sqlite3_busy_timeout(db, 10000);
    const char *pragmas = mode == DB_READONLY ? "PRAGMA query_only=ON;"
                                              : "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
                                                " PRAGMA secure_delete=ON; PRAGMA foreign_keys=ON;";
    /* Before WAL mode writes the first page, which fixes the setting. */
    if ((fresh && db_exec(db, path, "PRAGMA auto_vacuum=INCREMENTAL", d) < 0) ||
        db_exec(db, path, pragmas, d) < 0) {
        sqlite3_close(db);
        return -1;
    }
    *out = db;
    return 0;
}

void db_close(sqlite3 *db)
{
    sqlite3_close(db);
}

int db_user_version(sqlite3 *db, const char *path, struct diag *d)
{
    sqlite3_stmt *st = NULL;
    int v = -1;
    if (db_prepare(db, path, "PRAGMA user_version", &st, d) < 0)
        return -1;
    if (sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int(st, 0);
    else
        db_fail(db, path, "cannot read the schema version", d);
    sqlite3_finalize(st);
    return v;
}

int db_checkpoint_truncate(sqlite3 *db, const char *path, struct diag *d)
{
    int log = 0, done = 0;
    if (sqlite3_wal_checkpoint_v2(db, NULL, SQLITE_CHECKPOINT_TRUNCATE, &log, &done) != SQLITE_OK)
        return db_fail(db, path, "cannot checkpoint the write-ahead log", d);
    return 0;
}
