/* workspace: where peeradmin finds its key, its intake database and the
 * site's public data, so a day's work needs no paths.
 *
 * A workspace is a directory (mode 0700) made by `peeradmin init DIR`:
 *   DIR/admin.key, DIR/admin.pub   the key pair (0600)
 *   DIR/intake.db                  the intake database (0600)
 *   DIR/site/                      supporters.json and request-schema.json,
 *                                  copied by `peeradmin site SITE_DIR`
 * PEERADMIN_HOME names it. Explicit options always win, one by one: --key
 * (repeatable, for rotation), --db, --site, --passphrase-file. Without them
 * and without PEERADMIN_HOME a command says what to give. A key file or
 * database readable by group or others is refused (keys.h, intake.h). */
#ifndef PEERKIT_WORKSPACE_H
#define PEERKIT_WORKSPACE_H

#include "cli.h"
#include "diag.h"
#include "intake.h"
#include "keys.h"
#include "sitedata.h"

#define WORKSPACE_MAX_KEYS 16

/* What a verb needs opened. */
enum {
    WS_KEYS = 1,      /* the keys, decrypted */
    WS_DB = 2,        /* the intake database (implies WS_KEYS) */
    WS_SITE = 4,      /* the site data, required */
    WS_SITE_MAYBE = 8 /* the site data when there is some */
};

struct workspace {
    struct adminkey *keys[WORKSPACE_MAX_KEYS];
    size_t nkeys;
    struct intake *db;
    struct sitedata site; /* empty (NULL documents) when not loaded */
    int has_site;
    char *db_path;
    char *site_dir;
};

/* PEERADMIN_HOME, or NULL when unset or empty. */
const char *workspace_home(void);

/* Resolves and opens what need asks for, from the options of c and the
 * workspace. */
int workspace_open(const struct cli *c, unsigned need, struct workspace *w, struct diag *d);
void workspace_close(struct workspace *w);

/* Makes a workspace in dir: a new key pair (or a copy of key_file and the
 * admin.pub beside it, checked with the passphrase), an empty intake
 * database, and the site data when site_dir is given. A directory where
 * keygen wrote admin.key and admin.pub becomes a workspace with that key
 * (the passphrase must open it, admin.pub must be its public half, and
 * --key is refused); one that holds an intake database already is refused.
 * pass_file may be NULL (asks on the terminal). */
int workspace_init(const char *dir, const char *key_file, const char *pass_file,
                   const char *site_dir, struct diag *d);

/* Refreshes dir/site from a built site. */
int workspace_site(const char *dir, const char *site_dir, struct diag *d);

#endif
