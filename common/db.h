/* db: the SQLite conventions the spool and the intake database share.
 *
 * Both are durable stores of things that must not be lost: WAL mode,
 * synchronous=FULL (a commit returns only once it is on disk) and
 * secure_delete (deleted rows are overwritten, not left in free pages).
 * Every error names the database file. */
#ifndef PEERKIT_DB_H
#define PEERKIT_DB_H

#include <sqlite3.h>

#include "diag.h"

enum db_mode {
    DB_CREATE,   /* read-write, created (mode 0600) when absent, with auto_vacuum=INCREMENTAL
                    so that PRAGMA incremental_vacuum can give deleted pages back */
    DB_WRITE,    /* read-write, must exist */
    DB_READONLY, /* read-only, must exist; creates and writes nothing, so it works on a
                    read-only medium, a full disk or a file this user cannot write */
};

/* Opens path with the durable settings above. threads: serialise the
 * connection for use from several threads. */
int db_open(const char *path, enum db_mode mode, int threads, sqlite3 **out, struct diag *d);
void db_close(sqlite3 *db);

/* Runs SQL without results (several statements allowed). */
int db_exec(sqlite3 *db, const char *path, const char *sql, struct diag *d);
/* Adds "path: what: <sqlite's message>" to d and returns -1. */
int db_fail(sqlite3 *db, const char *path, const char *what, struct diag *d);
/* Prepares one statement; errors name path. */
int db_prepare(sqlite3 *db, const char *path, const char *sql, sqlite3_stmt **st, struct diag *d);

/* PRAGMA user_version, or -1 with an error. */
int db_user_version(sqlite3 *db, const char *path, struct diag *d);

/* Checkpoints the WAL into the database and truncates it to zero bytes, so
 * nothing deleted survives in the log. */
int db_checkpoint_truncate(sqlite3 *db, const char *path, struct diag *d);

#endif
