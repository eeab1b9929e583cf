#include "workspace.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fsutil.h"
#include "xalloc.h"

const char *workspace_home(void)
{
    const char *h = getenv("PEERADMIN_HOME");
    return h && *h ? h : NULL;
}

static char *in_home(const char *name)
{
    const char *home = workspace_home();
    return home ? xasprintf("%s/%s", home, name) : NULL;
}

/* The keys: every --key, else the workspace's. One --passphrase-file serves
 * every key; several are matched to the keys in order; without one, the
 * terminal asks for each key. */
static int load_keys(const struct cli *c, struct workspace *w, struct diag *d)
{
    size_t nkeys = cli_count(c, "key"), npass = cli_count(c, "passphrase-file");
    char *home_key = nkeys ? NULL : in_home("admin.key");
    int rc = -1;
    if (!nkeys && !home_key) {
        diag_error(d, "--key", 0, 0,
                   "no key: give --key FILE, or set PEERADMIN_HOME to a workspace "
                   "(peeradmin init DIR)");
        return -1;
    }
    size_t n = nkeys ? nkeys : 1;
    if (npass > 1 && npass != n) {
        diag_error(d, "--passphrase-file", 0, 0,
                   "give one passphrase file for all keys, or one per --key (%zu keys, %zu files)",
                   n, npass);
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        const char *key = nkeys ? cli_at(c, "key", i) : home_key;
        const char *file = npass == 0 ? NULL : cli_at(c, "passphrase-file", npass == 1 ? 0 : i);
        struct passphrase pass;
        if (passphrase_read(file, key, 0, &pass, d) < 0)
            goto out;
        int lrc = keys_load(key, &pass, &w->keys[w->nkeys], d);
        passphrase_free(&pass);
        if (lrc < 0)
            goto out;
        for (size_t j = 0; j < w->nkeys; j++)
            if (!memcmp(w->keys[j]->pub.key_id, w->keys[w->nkeys]->pub.key_id, PUBKEY_ID_BYTES)) {
                diag_error(d, key, 0, 0, "the same key is given twice");
                keys_free(w->keys[w->nkeys]);
                goto out;
            }
        w->nkeys++;
    }
    rc = 0;
out:
    free(home_key);
    return rc;
}

int workspace_open(const struct cli *c, unsigned need, struct workspace *w, struct diag *d)
{
    memset(w, 0, sizeof *w);
    if (need & WS_DB) {
        const char *db = cli_get(c, "db");
        w->db_path = db ? xstrdup(db) : in_home("intake.db");
        if (!w->db_path) {
            diag_error(d, "--db", 0, 0,
                       "no database: give --db FILE, or set PEERADMIN_HOME to a workspace "
                       "(peeradmin init DIR)");
            return -1;
        }
    }
    if (need & (WS_SITE | WS_SITE_MAYBE)) {
        const char *site = cli_get(c, "site");
        char *home_site = site ? NULL : in_home("site");
        if (site || (home_site && fs_exists(home_site))) {
            w->site_dir = xstrdup(site ? site : home_site);
        } else if (need & WS_SITE) {
            diag_error(d, "--site", 0, 0,
                       "no site data: give --site SITE_DIR (a built site), or run peeradmin "
                       "site SITE_DIR once for the workspace");
            free(home_site);
            return -1;
        }
        free(home_site);
        if (w->site_dir) {
            if (sitedata_load(w->site_dir, &w->site, d) < 0)
                return -1;
            w->has_site = 1;
        }
    }
    if ((need & (WS_KEYS | WS_DB)) && load_keys(c, w, d) < 0)
        return -1;
    if ((need & WS_DB) && intake_open(w->db_path, w->keys, w->nkeys, &w->db, d) < 0)
        return -1;
    return 0;
}

void workspace_close(struct workspace *w)
{
    intake_close(w->db);
    for (size_t i = 0; i < w->nkeys; i++)
        keys_free(w->keys[i]);
    if (w->has_site)
        sitedata_free(&w->site);
    free(w->db_path);
    free(w->site_dir);
    memset(w, 0, sizeof *w);
}

/* Copies a file into the workspace with mode 0600. */
static int copy_private(const char *from, const char *to, struct diag *d)
{
    char *text = NULL;
    size_t len;
    int rc = fs_read_file(from, 1u << 20, &text, &len, d) == 0 &&
                     fs_write_atomic(to, text, len, 0600, d) == 0
                 ? 0
                 : -1;
    if (text)
        sodium_memzero(text, len);
    free(text);
    return rc;
}

/* The key pair keygen left in dir, decrypted: the passphrase must open it,
 * and admin.pub beside it must be its public half. */
static int adopt_key(const char *dir, const char *pass_file, struct adminkey **k, struct diag *d)
{
    char *key = xasprintf("%s/admin.key", dir), *pub = xasprintf("%s/admin.pub", dir);
    struct passphrase pass;
    struct pubkey pk;
    int rc = -1;
    if (passphrase_read(pass_file, key, 0, &pass, d) < 0)
        goto out;
    rc = keys_load(key, &pass, k, d);
    passphrase_free(&pass);
    if (rc < 0 || pubkey_load(pub, &pk, d) < 0) {
        rc = -1;
        goto out;
    }
    rc = -1;
    if (memcmp(pk.key_id, (*k)->pub.key_id, PUBKEY_ID_BYTES)) {
        diag_error(d, pub, 0, 0, "is not the public half of %s (key id %s, not %s)", key,
                   pk.key_id_hex, (*k)->pub.key_id_hex);
        goto out;
    }
    if (chmod(pub, 0600) < 0) {
        diag_error(d, pub, 0, 0, "cannot make it private: %m");
        goto out;
    }
    rc = 0;
out:
    free(key);
    free(pub);
    return rc;
}

/* The key the new workspace holds, decrypted: the pair keygen left in dir
 * (adopt), a copy of key_file, or a new one saved in dir. */
static int init_key(const char *dir, int adopt, const char *key_file, const char *pass_file,
                    struct adminkey **k, struct diag *d)
{
    struct passphrase pass;
    int rc = -1;
    if (adopt)
        return adopt_key(dir, pass_file, k, d);
    if (passphrase_read(pass_file, key_file ? key_file : "the new key", key_file == NULL, &pass,
                        d) < 0)
        return -1;
    if (key_file) {
        char *src_dir = xstrdup(key_file), *slash = strrchr(src_dir, '/');
        if (slash)
            *slash = 0;
        char *pub = xasprintf("%s/admin.pub", slash ? src_dir : ".");
        char *to_key = xasprintf("%s/admin.key", dir), *to_pub = xasprintf("%s/admin.pub", dir);
        rc = keys_load(key_file, &pass, k, d) == 0 && copy_private(key_file, to_key, d) == 0 &&
                     copy_private(pub, to_pub, d) == 0
                 ? 0
                 : -1;
        free(src_dir);
        free(pub);
        free(to_key);
        free(to_pub);
    } else {
        const struct keys_cost cost = KEYS_COST_KEYGEN;
        *k = keys_generate();
        char *to_pub = xasprintf("%s/admin.pub", dir);
        rc = keys_save(dir, *k, &pass, &cost, d) == 0 && chmod(to_pub, 0600) == 0 ? 0 : -1;
        free(to_pub);
    }
    passphrase_free(&pass);
    return rc;
}

int workspace_init(const char *dir, const char *key_file, const char *pass_file,
                   const char *site_dir, struct diag *d)
{
    char *key = xasprintf("%s/admin.key", dir), *db_path = xasprintf("%s/intake.db", dir);
    char *pub = xasprintf("%s/admin.pub", dir);
    struct adminkey *k = NULL;
    struct intake *db = NULL;
    char *site_copy = xasprintf("%s/site", dir);
    int rc = -1, adopt = fs_exists(key);
    /* A directory keygen wrote (admin.key and admin.pub, perhaps with the
     * intake database that import made there) becomes the workspace, keeping
     * its key and its requests; one that holds the site's data too already
     * is one. */
    if (adopt && fs_exists(db_path) && fs_exists(site_copy)) {
        diag_error(d, dir, 0, 0,
                   "already a workspace (refresh its site data with peeradmin site SITE_DIR)");
        goto out;
    }
    if (adopt && key_file) {
        diag_error(d, key, 0, 0,
                   "the directory holds a key already: run init without --key to use it, or "
                   "choose another directory");
        goto out;
    }
    if (adopt && !fs_exists(pub)) {
        diag_error(d, pub, 0, 0, "missing: %s needs its public half beside it", key);
        goto out;
    }
    if (fs_mkdirs(dir, 0700, d) < 0)
        goto out;
    if (chmod(dir, 0700) < 0) {
        diag_error(d, dir, 0, 0, "cannot make it private: %m");
        goto out;
    }
    /* Check the site first: a bad one leaves no half-made workspace behind. */
    if (site_dir) {
        struct sitedata sd;
        if (sitedata_load(site_dir, &sd, d) < 0)
            goto out;
        sitedata_free(&sd);
    }
    if (init_key(dir, adopt, key_file, pass_file, &k, d) < 0 ||
        intake_open(db_path, &k, 1, &db, d) < 0 ||
        (site_dir && workspace_site(dir, site_dir, d) < 0))
        goto out;
    rc = 0;
out:
    intake_close(db);
    keys_free(k);
    free(key);
    free(pub);
    free(db_path);
    free(site_copy);
    return rc;
}

int workspace_site(const char *dir, const char *site_dir, struct diag *d)
{
    char *dest = xasprintf("%s/site", dir);
    int rc = sitedata_copy(site_dir, dest, d);
    free(dest);
    return rc;
}
