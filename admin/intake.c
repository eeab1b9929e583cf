#include "intake.h"

#include <sodium.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "clock.h"
#include "db.h"
#include "secmem.h"
#include "xalloc.h"

/* One decrypted request: at most the largest plaintext an envelope holds. */
#define SCRATCH_BYTES ENVELOPE_MAX
#define NONCE_BYTES crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
#define TAG_BYTES crypto_aead_xchacha20poly1305_ietf_ABYTES
#define MAC_BYTES 32
/* The longest outcome note close accepts, and the longest fact value kept. */
#define OUTCOME_MAX 2000
/* How long before its arrival a request may say it was submitted. */
#define SUBMITTED_SLACK (10 * 86400)
#define FACT_MAX 64

struct intake {
    sqlite3 *db;
    char *path;
    struct adminkey *const *keys;
    size_t nkeys;
    sqlite3_stmt *insert;
    sqlite3_stmt *has;
    /* Statements every inserted or moved row uses, prepared once (an
     * import runs them 20,000 times); always reset after use, so nothing
     * holds the database when VACUUM runs. */
    sqlite3_stmt *get_row, *set_mac, *set_facts, *add_audit, *next_id;
    long next;              /* the next row id inside the current transaction, 0: ask */
    unsigned char *scratch; /* secure memory for one decrypted request, reused */
};

/* Version 1, exactly as the first release wrote it. */
static const char schema_v1[] =
    "CREATE TABLE IF NOT EXISTS requests ("
    " id INTEGER PRIMARY KEY,"
    " envelope_id BLOB NOT NULL UNIQUE CHECK (length(envelope_id) = 32),"
    " key_id TEXT NOT NULL,"
    " channel TEXT NOT NULL,"
    " reference TEXT NOT NULL,"
    " submitted TEXT NOT NULL,"
    " received TEXT NOT NULL,"
    " schema TEXT NOT NULL,"
    " status TEXT NOT NULL DEFAULT 'new',"
    " nonce BLOB NOT NULL,"
    " request BLOB NOT NULL);"
    "PRAGMA user_version = 1;";

/* 1 -> 2: states, assignments, the audit log, encrypted facts, row MACs.
 * A purged row keeps empty nonce and request blobs (the v1 columns are NOT
 * NULL), its facts, state and times. */
static const char migrate_v2[] =
    "ALTER TABLE requests ADD COLUMN sealed INTEGER NOT NULL DEFAULT 1;"
    "ALTER TABLE requests ADD COLUMN facts BLOB;"
    "ALTER TABLE requests ADD COLUMN supporter TEXT;"
    "ALTER TABLE requests ADD COLUMN assigned TEXT;"
    "ALTER TABLE requests ADD COLUMN contacted TEXT;"
    "ALTER TABLE requests ADD COLUMN closed TEXT;"
    "ALTER TABLE requests ADD COLUMN purged TEXT;"
    "ALTER TABLE requests ADD COLUMN outcome BLOB;"
    "ALTER TABLE requests ADD COLUMN mac BLOB;"
    "CREATE TABLE assignments ("
    " id INTEGER PRIMARY KEY,"
    " request INTEGER NOT NULL REFERENCES requests(id),"
    " supporter TEXT NOT NULL,"
    " assigned TEXT NOT NULL,"
    " ended TEXT);"
    "CREATE TABLE audit ("
    " id INTEGER PRIMARY KEY,"
    " at TEXT NOT NULL,"
    " action TEXT NOT NULL,"
    " request INTEGER,"
    " detail TEXT NOT NULL DEFAULT '');"
    "PRAGMA user_version = 2;";

/* Every column in the order the MAC covers them (all but mac itself). */
#define COLUMNS                                                                                    \
    "id, envelope_id, key_id, channel, reference, submitted, received, schema,"                    \
    " status, nonce, request, sealed, facts, supporter, assigned, contacted, closed, purged,"      \
    " outcome, mac"
enum {
    C_ID,
    C_EID,
    C_KEY,
    C_CHANNEL,
    C_REF,
    C_SUBMITTED,
    C_RECEIVED,
    C_SCHEMA,
    C_STATE,
    C_NONCE,
    C_REQUEST,
    C_SEALED,
    C_FACTS,
    C_SUPPORTER,
    C_ASSIGNED,
    C_CONTACTED,
    C_CLOSED,
    C_PURGED,
    C_OUTCOME,
    C_MAC
};

static int fail(struct intake *db, struct diag *d, const char *what)
{
    return db_fail(db->db, db->path, what, d);
}

static int exec(struct intake *db, const char *sql, struct diag *d)
{
    return db_exec(db->db, db->path, sql, d);
}

/* The statement in *slot, prepared on first use and reset since. */
static sqlite3_stmt *cached(struct intake *db, sqlite3_stmt **slot, const char *sql, struct diag *d)
{
    if (!*slot && db_prepare(db->db, db->path, sql, slot, d) < 0)
        return NULL;
    sqlite3_reset(*slot);
    sqlite3_clear_bindings(*slot);
    return *slot;
}

static const struct adminkey *find_key(struct intake *db, const char *key_id)
{
    for (size_t i = 0; key_id && i < db->nkeys; i++)
        if (!strcmp(db->keys[i]->pub.key_id_hex, key_id))
            return db->keys[i];
    return NULL;
}

/* The key that authenticates rows, derived from the data key so one secret
 * serves both jobs without using the same key for two purposes. */
static void mac_key(const struct adminkey *k, unsigned char out[32])
{
    static const char label[] = "peerkit intake row mac v2";
    crypto_generichash(out, 32, (const unsigned char *)label, sizeof label - 1, k->data_key,
                       sizeof k->data_key);
}

/* One column's value as the MAC sees it: SQLite's type, and its bytes. */
struct col {
    int type;
    const void *data;
    uint64_t len;
    int64_t v;
};

/* The MAC of a row: every column but mac with its type and length, so no
 * two different rows encode alike. */
static void mac_cols(const struct adminkey *k, struct col cols[C_MAC], unsigned char out[MAC_BYTES])
{
    unsigned char key[32];
    crypto_generichash_state h;
    mac_key(k, key);
    crypto_generichash_init(&h, key, sizeof key, MAC_BYTES);
    for (int c = C_ID; c < C_MAC; c++) {
        unsigned char head[9];
        if (cols[c].type == SQLITE_INTEGER) {
            cols[c].data = &cols[c].v;
            cols[c].len = sizeof cols[c].v;
        }
        head[0] = (unsigned char)cols[c].type;
        for (int i = 0; i < 8; i++)
            head[1 + i] = (unsigned char)(cols[c].len >> (8 * i));
        crypto_generichash_update(&h, head, sizeof head);
        if (cols[c].len)
            crypto_generichash_update(&h, cols[c].data, cols[c].len);
    }
    crypto_generichash_final(&h, out, MAC_BYTES);
    sodium_memzero(key, sizeof key);
}

/* The MAC of a row selected with COLUMNS. */
static void row_mac(const struct adminkey *k, sqlite3_stmt *st, unsigned char out[MAC_BYTES])
{
    struct col cols[C_MAC] = {{0}};
    for (int c = C_ID; c < C_MAC; c++) {
        cols[c].type = sqlite3_column_type(st, c);
        if (cols[c].type == SQLITE_INTEGER) {
            cols[c].v = sqlite3_column_int64(st, c);
        } else if (cols[c].type == SQLITE_TEXT || cols[c].type == SQLITE_BLOB) {
            cols[c].data = cols[c].type == SQLITE_TEXT ? (const void *)sqlite3_column_text(st, c)
                                                       : sqlite3_column_blob(st, c);
            cols[c].len = (uint64_t)sqlite3_column_bytes(st, c);
        }
    }
    mac_cols(k, cols, out);
}

/* Recomputes and stores the MAC of row id after a change. */
static int seal_row(struct intake *db, long id, struct diag *d)
{
    sqlite3_stmt *st, *up;
    unsigned char mac[MAC_BYTES];
    int rc = -1;
    if (!(st = cached(db, &db->get_row, "SELECT " COLUMNS " FROM requests WHERE id = ?", d)))
        return -1;
    sqlite3_bind_int64(st, 1, id);
    if (sqlite3_step(st) != SQLITE_ROW) {
        fail(db, d, "cannot read a request back");
        goto out;
    }
    const struct adminkey *k = find_key(db, (const char *)sqlite3_column_text(st, C_KEY));
    if (!k) {
        diag_error(d, db->path, 0, 0, "request %ld needs key %s, which is not loaded", id,
                   (const char *)sqlite3_column_text(st, C_KEY));
        goto out;
    }
    row_mac(k, st, mac);
    sqlite3_reset(st);
    if (!(up = cached(db, &db->set_mac, "UPDATE requests SET mac = ? WHERE id = ?", d)))
        goto out;
    sqlite3_bind_blob(up, 1, mac, sizeof mac, SQLITE_STATIC);
    sqlite3_bind_int64(up, 2, id);
    if (sqlite3_step(up) != SQLITE_DONE) {
        fail(db, d, "cannot update");
        sqlite3_reset(up);
        goto out;
    }
    sqlite3_reset(up);
    rc = 0;
out:
    sqlite3_reset(st);
    return rc;
}

/* nonce || ciphertext of plain, bound to the envelope id and to what the blob
 * is (tag), so blobs cannot be swapped between rows or columns. */
static unsigned char *seal_blob(const struct adminkey *k, const unsigned char *eid, const char *tag,
                                const void *plain, size_t len, size_t *out_len)
{
    unsigned char ad[ENVELOPE_ID_BYTES + 16] = {0};
    size_t tlen = strlen(tag);
    memcpy(ad, eid, ENVELOPE_ID_BYTES);
    memcpy(ad + ENVELOPE_ID_BYTES, tag, tlen < 16 ? tlen : 16);
    unsigned char *blob = xmalloc(NONCE_BYTES + len + TAG_BYTES);
    unsigned long long clen;
    randombytes_buf(blob, NONCE_BYTES);
    crypto_aead_xchacha20poly1305_ietf_encrypt(blob + NONCE_BYTES, &clen, plain, len, ad, sizeof ad,
                                               NULL, blob, k->data_key);
    *out_len = NONCE_BYTES + (size_t)clen;
    return blob;
}

/* Opens a seal_blob into db->scratch (NUL-terminated); the caller wipes it. */
static int open_blob(struct intake *db, const struct adminkey *k, const unsigned char *eid,
                     const char *tag, const unsigned char *blob, size_t len, size_t *out_len)
{
    unsigned char ad[ENVELOPE_ID_BYTES + 16] = {0};
    size_t tlen = strlen(tag);
    unsigned long long plen;
    memcpy(ad, eid, ENVELOPE_ID_BYTES);
    memcpy(ad + ENVELOPE_ID_BYTES, tag, tlen < 16 ? tlen : 16);
    if (len < NONCE_BYTES + TAG_BYTES || len - NONCE_BYTES - TAG_BYTES >= SCRATCH_BYTES)
        return -1;
    if (crypto_aead_xchacha20poly1305_ietf_decrypt(db->scratch, &plen, NULL, blob + NONCE_BYTES,
                                                   len - NONCE_BYTES, ad, sizeof ad, blob,
                                                   k->data_key) != 0)
        return -1;
    db->scratch[plen] = 0;
    *out_len = (size_t)plen;
    return 0;
}

/* A short string fact from hostile fields, or NULL. */
static json_t *fact_string(json_t *v)
{
    const char *s = json_string_value(v);
    return s && *s && strlen(s) <= FACT_MAX ? json_string(s) : NULL;
}

/* The anonymous facts statistics count, taken from a request's fields. */
static json_t *facts_of(json_t *fields)
{
    json_t *f = json_object(), *mods = json_array(), *m = json_object_get(fields, "modality"), *v;
    static const char *const keys[] = {"role", "reason", "referral", NULL};
    for (size_t i = 0; keys[i]; i++)
        if ((v = fact_string(json_object_get(fields, keys[i]))))
            json_object_set_new(f, keys[i], v);
    if (json_is_string(m) && (v = fact_string(m))) {
        json_array_append_new(mods, v);
    } else {
        size_t i;
        json_t *item;
        json_array_foreach (m, i, item)
            if (i < 8 && (v = fact_string(item)))
                json_array_append_new(mods, v);
    }
    json_object_set_new(f, "modality", mods);
    return f;
}

/* Stores the facts of row id (encrypted). */
static int store_facts(struct intake *db, const struct adminkey *k, long id,
                       const unsigned char *eid, json_t *fields, struct diag *d)
{
    json_t *facts = facts_of(fields);
    char *text = json_dumps(facts, JSON_COMPACT | JSON_SORT_KEYS);
    size_t blen;
    unsigned char *blob = seal_blob(k, eid, "facts", text, strlen(text), &blen);
    sqlite3_stmt *st;
    int rc = -1;
    if (!(st = cached(db, &db->set_facts, "UPDATE requests SET facts = ? WHERE id = ?", d)))
        goto out;
    sqlite3_bind_blob(st, 1, blob, (int)blen, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, id);
    if (sqlite3_step(st) != SQLITE_DONE)
        fail(db, d, "cannot store facts");
    else
        rc = 0;
    sqlite3_reset(st);
out:
    sodium_memzero(text, strlen(text));
    free(text);
    free(blob);
    json_decref(facts);
    return rc;
}

/* Decrypts a row's request blob (the v1 layout: its own nonce column, the
 * envelope id as associated data) and returns its fields (new reference). */
static json_t *open_request(struct intake *db, const struct adminkey *k, sqlite3_stmt *st)
{
    const unsigned char *eid = sqlite3_column_blob(st, C_EID);
    const unsigned char *nonce = sqlite3_column_blob(st, C_NONCE);
    const unsigned char *sealed = sqlite3_column_blob(st, C_REQUEST);
    int slen = sqlite3_column_bytes(st, C_REQUEST);
    unsigned long long clen = 0;
    json_t *request = NULL, *fields = NULL;
    if (sqlite3_column_bytes(st, C_NONCE) != NONCE_BYTES || slen < (int)TAG_BYTES ||
        slen > SCRATCH_BYTES)
        return NULL;
    if (crypto_aead_xchacha20poly1305_ietf_decrypt(db->scratch, &clen, NULL, sealed, (size_t)slen,
                                                   eid, ENVELOPE_ID_BYTES, nonce,
                                                   k->data_key) == 0 &&
        (request = json_loadb((const char *)db->scratch, (size_t)clen, 0, NULL)) &&
        json_is_object(json_object_get(request, "fields")))
        fields = json_incref(json_object_get(request, "fields"));
    json_decref(request);
    sodium_memzero(db->scratch, (size_t)slen);
    return fields;
}

/* Upgrades a version 1 database: the new columns, then facts and a MAC for
 * every row. Runs inside the caller's transaction. */
static int upgrade_v2(struct intake *db, struct diag *d)
{
    sqlite3_stmt *st = NULL;
    int rc = -1, step;
    if (exec(db, migrate_v2, d) < 0 ||
        db_prepare(db->db, db->path, "SELECT " COLUMNS " FROM requests ORDER BY id", &st, d) < 0)
        return -1;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        long id = (long)sqlite3_column_int64(st, C_ID);
        const char *key_id = (const char *)sqlite3_column_text(st, C_KEY);
        const struct adminkey *k = find_key(db, key_id);
        if (!k) {
            diag_error(d, db->path, 0, 0,
                       "upgrading the database: request %ld needs key %s, which is not loaded "
                       "(give every key with --key)",
                       id, key_id ? key_id : "?");
            goto out;
        }
        json_t *fields =
            sqlite3_column_bytes(st, C_EID) == ENVELOPE_ID_BYTES ? open_request(db, k, st) : NULL;
        /* A row that does not decrypt keeps no facts; list shows it as unreadable. */
        int frc = fields ? store_facts(db, k, id, sqlite3_column_blob(st, C_EID), fields, d) : 0;
        json_decref(fields);
        if (frc < 0 || seal_row(db, id, d) < 0)
            goto out;
    }
    if (step != SQLITE_DONE) {
        fail(db, d, "cannot read");
        goto out;
    }
    rc = 0;
out:
    sqlite3_finalize(st);
    return rc;
}

/* Runs one statement with a blob and an id (?1, ?2); the blob may be NULL. */
static int set_blob(struct intake *db, const char *sql, const unsigned char *blob, size_t len,
                    long id, struct diag *d)
{
    sqlite3_stmt *st = NULL;
    int rc = -1;
    if (db_prepare(db->db, db->path, sql, &st, d) < 0)
        return -1;
    if (blob)
        sqlite3_bind_blob(st, 1, blob, (int)len, SQLITE_STATIC);
    sqlite3_bind_int64(st, 2, id);
    if (sqlite3_step(st) == SQLITE_DONE)
        rc = 0;
    else
        fail(db, d, "cannot update");
    sqlite3_finalize(st);
    return rc;
}

/* 2 -> 3: the supporter of a request (requests.supporter, the assignment
 * history) was kept in clear beside the request's times, and the audit log
 * named them; it is now encrypted like the request, and the log keeps the
 * move only. A row that failed its MAC before stays failing: it is
 * encrypted, never sealed again. Runs inside the caller's transaction. */
static int upgrade_v3(struct intake *db, struct diag *d)
{
    sqlite3_stmt *st = NULL;
    int rc = -1, step;
    if (db_prepare(db->db, db->path,
                   "SELECT " COLUMNS " FROM requests WHERE typeof(supporter) = 'text' ORDER BY id",
                   &st, d) < 0)
        return -1;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        long id = (long)sqlite3_column_int64(st, C_ID);
        const char *key_id = (const char *)sqlite3_column_text(st, C_KEY);
        const struct adminkey *k = find_key(db, key_id);
        unsigned char mac[MAC_BYTES];
        if (!k || sqlite3_column_bytes(st, C_EID) != ENVELOPE_ID_BYTES) {
            diag_error(d, db->path, 0, 0,
                       "upgrading the database: request %ld needs key %s, which is not loaded "
                       "(give every key with --key)",
                       id, key_id ? key_id : "?");
            goto out;
        }
        row_mac(k, st, mac);
        int good = sqlite3_column_bytes(st, C_MAC) == MAC_BYTES &&
                   sodium_memcmp(mac, sqlite3_column_blob(st, C_MAC), MAC_BYTES) == 0;
        const char *slug = (const char *)sqlite3_column_text(st, C_SUPPORTER);
        size_t blen;
        unsigned char *blob =
            seal_blob(k, sqlite3_column_blob(st, C_EID), "supporter", slug, strlen(slug), &blen);
        int urc =
            set_blob(db, "UPDATE requests SET supporter = ?1 WHERE id = ?2", blob, blen, id, d);
        free(blob);
        if (urc < 0 || (good && seal_row(db, id, d) < 0))
            goto out;
    }
    if (step != SQLITE_DONE) {
        fail(db, d, "cannot read");
        goto out;
    }
    sqlite3_finalize(st);
    st = NULL;
    if (db_prepare(db->db, db->path,
                   "SELECT a.id, a.supporter, r.key_id, r.envelope_id FROM assignments a"
                   " JOIN requests r ON r.id = a.request WHERE typeof(a.supporter) = 'text'",
                   &st, d) < 0)
        return -1;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        const struct adminkey *k = find_key(db, (const char *)sqlite3_column_text(st, 2));
        const char *slug = (const char *)sqlite3_column_text(st, 1);
        size_t blen;
        if (!k || sqlite3_column_bytes(st, 3) != ENVELOPE_ID_BYTES) {
            diag_error(d, db->path, 0, 0,
                       "upgrading the database: an assignment needs key %s, which is not loaded "
                       "(give every key with --key)",
                       (const char *)sqlite3_column_text(st, 2));
            goto out;
        }
        unsigned char *blob =
            seal_blob(k, sqlite3_column_blob(st, 3), "assignment", slug, strlen(slug), &blen);
        int urc = set_blob(db, "UPDATE assignments SET supporter = ?1 WHERE id = ?2", blob, blen,
                           (long)sqlite3_column_int64(st, 0), d);
        free(blob);
        if (urc < 0)
            goto out;
    }
    if (step != SQLITE_DONE) {
        fail(db, d, "cannot read");
        goto out;
    }
    /* An assignment in the log read "new -> assigned SLUG": keep the move. */
    rc = exec(db,
              "DELETE FROM assignments WHERE request NOT IN (SELECT id FROM requests);"
              "UPDATE audit SET detail = substr(detail, 1, instr(detail, ' -> assigned') + 11)"
              " WHERE action = 'assign' AND instr(detail, ' -> assigned ') > 0;"
              "PRAGMA user_version = 3;",
              d);
out:
    sqlite3_finalize(st);
    return rc;
}

/* Brings the schema to INTAKE_VERSION in one transaction. */
static int migrate(struct intake *db, struct diag *d)
{
    int v = db_user_version(db->db, db->path, d);
    if (v < 0)
        return -1;
    if (v > INTAKE_VERSION) {
        diag_error(d, db->path, 0, 0,
                   "written by a newer peeradmin (schema version %d; this one knows up to %d)", v,
                   INTAKE_VERSION);
        return -1;
    }
    if (v == INTAKE_VERSION)
        return 0;
    if (exec(db, "BEGIN IMMEDIATE", d) < 0)
        return -1;
    if ((v == 0 && exec(db, schema_v1, d) < 0) || (v < 2 && upgrade_v2(db, d) < 0) ||
        upgrade_v3(db, d) < 0 || exec(db, "COMMIT", d) < 0) {
        intake_rollback(db);
        return -1;
    }
    return 0;
}

/* The database holds who asked for help: nobody but its owner may read it. */
static int check_mode(const char *path, struct diag *d)
{
    struct stat sb;
    if (stat(path, &sb) < 0)
        return 0; /* created below, mode 0600 */
    if (sb.st_mode & 077) {
        diag_error(d, path, 0, 0,
                   "the intake database is readable by others (mode %03o): run chmod 600 on it",
                   (unsigned)(sb.st_mode & 0777));
        return -1;
    }
    return 0;
}

int intake_open(const char *path, struct adminkey *const *keys, size_t nkeys, struct intake **out,
                struct diag *d)
{
    struct intake *db = xcalloc(1, sizeof *db);
    db->path = xstrdup(path);
    db->keys = keys;
    db->nkeys = nkeys;
    db->scratch = secmem_alloc(SCRATCH_BYTES + 1);
    if (check_mode(path, d) < 0 || db_open(path, DB_CREATE, 0, &db->db, d) < 0 ||
        migrate(db, d) < 0)
        goto fail;
    if (db_prepare(db->db, db->path,
                   "INSERT OR IGNORE INTO requests (" COLUMNS ")"
                   " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                   &db->insert, d) < 0 ||
        db_prepare(db->db, db->path, "SELECT 1 FROM requests WHERE envelope_id = ?", &db->has, d) <
            0)
        goto fail;
    *out = db;
    return 0;
fail:
    intake_close(db);
    return -1;
}

void intake_close(struct intake *db)
{
    if (!db)
        return;
    sqlite3_finalize(db->insert);
    sqlite3_finalize(db->has);
    sqlite3_finalize(db->get_row);
    sqlite3_finalize(db->set_mac);
    sqlite3_finalize(db->set_facts);
    sqlite3_finalize(db->add_audit);
    sqlite3_finalize(db->next_id);
    db_close(db->db);
    sodium_free(db->scratch);
    free(db->path);
    free(db);
}

int intake_begin(struct intake *db, struct diag *d)
{
    db->next = 0;
    return exec(db, "BEGIN IMMEDIATE", d);
}

int intake_commit(struct intake *db, struct diag *d)
{
    db->next = 0;
    return exec(db, "COMMIT", d);
}

void intake_rollback(struct intake *db)
{
    db->next = 0;
    sqlite3_exec(db->db, "ROLLBACK", NULL, NULL, NULL);
}

int intake_log(struct intake *db, const char *action, long request, const char *detail,
               struct diag *d)
{
    sqlite3_stmt *st;
    char at[CLOCK_ISO_LEN];
    int rc = -1;
    clock_iso(clock_now(), at);
    if (!(st = cached(db, &db->add_audit,
                      "INSERT INTO audit (at, action, request, detail) VALUES (?, ?, ?, ?)", d)))
        return -1;
    sqlite3_bind_text(st, 1, at, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, action, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, request);
    sqlite3_bind_text(st, 4, detail ? detail : "", -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_DONE)
        rc = 0;
    else
        fail(db, d, "cannot write the audit log");
    sqlite3_reset(st);
    return rc;
}

static void text_col(struct col *c, const char *s)
{
    c->type = s ? SQLITE_TEXT : SQLITE_NULL;
    c->data = s;
    c->len = s ? strlen(s) : 0;
}

static void blob_col(struct col *c, const void *data, size_t len)
{
    c->type = SQLITE_BLOB;
    c->data = data;
    c->len = len;
}

/* The id the next row gets. The caller holds the write lock (BEGIN
 * IMMEDIATE), so nobody else can take it meanwhile; asked once per
 * transaction and counted from there. */
static int next_id(struct intake *db, long *id, struct diag *d)
{
    if (db->next > 0) {
        *id = db->next;
        return 0;
    }
    sqlite3_stmt *st = cached(db, &db->next_id, "SELECT coalesce(max(id), 0) + 1 FROM requests", d);
    if (!st)
        return -1;
    int rc = sqlite3_step(st) == SQLITE_ROW ? 0 : fail(db, d, "cannot read");
    *id = db->next = (long)sqlite3_column_int64(st, 0);
    sqlite3_reset(st);
    return rc;
}

/* One INSERT per request, its facts and MAC computed beforehand: an import
 * writes thousands of rows and each extra statement costs (make bench-import). */
int intake_insert(struct intake *db, const unsigned char id[ENVELOPE_ID_BYTES], json_t *plain,
                  const unsigned char *text, size_t text_len, int sealed, int *added, long *row_id,
                  struct diag *d)
{
    const struct adminkey *k = db->keys[0];
    unsigned char nonce[NONCE_BYTES], mac[MAC_BYTES];
    unsigned long long sealed_len;
    char received[CLOCK_ISO_LEN], *facts_text = NULL;
    unsigned char *box = NULL, *facts = NULL;
    size_t facts_len = 0;
    long rid;
    int rc = -1;
    if (text_len == 0 || text_len > SCRATCH_BYTES) {
        diag_error(d, db->path, 0, 0, "request too large to store (%zu bytes)", text_len);
        return -1;
    }
    if (next_id(db, &rid, d) < 0)
        return -1;
    box = xmalloc(text_len + TAG_BYTES);
    randombytes_buf(nonce, sizeof nonce);
    crypto_aead_xchacha20poly1305_ietf_encrypt(box, &sealed_len, text, text_len, id,
                                               ENVELOPE_ID_BYTES, NULL, nonce, k->data_key);
    json_t *fj = facts_of(json_object_get(plain, "fields"));
    facts_text = json_dumps(fj, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(fj);
    facts = seal_blob(k, id, "facts", facts_text, strlen(facts_text), &facts_len);
    clock_iso(clock_now(), received);
    struct col cols[C_MAC] = {{0}};
    cols[C_ID].type = SQLITE_INTEGER;
    cols[C_ID].v = rid;
    blob_col(&cols[C_EID], id, ENVELOPE_ID_BYTES);
    text_col(&cols[C_KEY], k->pub.key_id_hex);
    text_col(&cols[C_CHANNEL], json_string_value(json_object_get(plain, "channel")));
    text_col(&cols[C_REF], json_string_value(json_object_get(plain, "reference")));
    text_col(&cols[C_SUBMITTED], json_string_value(json_object_get(plain, "submitted")));
    text_col(&cols[C_RECEIVED], received);
    text_col(&cols[C_SCHEMA], json_string_value(json_object_get(plain, "schema")));
    text_col(&cols[C_STATE], "new");
    blob_col(&cols[C_NONCE], nonce, sizeof nonce);
    blob_col(&cols[C_REQUEST], box, (size_t)sealed_len);
    cols[C_SEALED].type = SQLITE_INTEGER;
    cols[C_SEALED].v = sealed ? 1 : 0;
    blob_col(&cols[C_FACTS], facts, facts_len);
    for (int c = C_SUPPORTER; c < C_MAC; c++)
        cols[c].type = SQLITE_NULL;
    mac_cols(k, cols, mac);
    sqlite3_stmt *st = db->insert;
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    for (int c = C_ID; c < C_MAC; c++) {
        if (cols[c].type == SQLITE_INTEGER)
            sqlite3_bind_int64(st, c + 1, cols[c].v);
        else if (cols[c].type == SQLITE_TEXT)
            sqlite3_bind_text(st, c + 1, cols[c].data, (int)cols[c].len, SQLITE_STATIC);
        else if (cols[c].type == SQLITE_BLOB)
            sqlite3_bind_blob(st, c + 1, cols[c].data, (int)cols[c].len, SQLITE_STATIC);
    }
    sqlite3_bind_blob(st, C_MAC + 1, mac, sizeof mac, SQLITE_STATIC);
    if (sqlite3_step(st) != SQLITE_DONE) {
        fail(db, d, "cannot insert");
        goto out;
    }
    *added = sqlite3_changes(db->db) > 0;
    if (*added)
        db->next = rid + 1;
    if (*added && !sealed &&
        intake_log(db, "add", rid, json_string_value(json_object_get(plain, "channel")), d) < 0)
        goto out;
    if (*added && row_id)
        *row_id = rid;
    rc = 0;
out:
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    free(box);
    free(facts);
    if (facts_text) {
        sodium_memzero(facts_text, strlen(facts_text));
        free(facts_text);
    }
    return rc;
}

int intake_has(struct intake *db, const unsigned char id[ENVELOPE_ID_BYTES], struct diag *d)
{
    sqlite3_stmt *st = db->has;
    sqlite3_reset(st);
    sqlite3_bind_blob(st, 1, id, ENVELOPE_ID_BYTES, SQLITE_STATIC);
    int step = sqlite3_step(st);
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    if (step == SQLITE_ROW)
        return 1;
    if (step == SQLITE_DONE)
        return 0;
    return fail(db, d, "cannot read");
}

static json_t *unreadable(long id, const char *why)
{
    return json_pack("{s:I, s:s}", "id", (json_int_t)id, "unreadable", why);
}

static json_t *text_or_null(sqlite3_stmt *st, int c)
{
    const unsigned char *s = sqlite3_column_text(st, c);
    return s ? json_string((const char *)s) : json_null();
}

/* The moment the promise runs from, and the month statistics count a
 * request in: the submission time the request carries when it is a real
 * time no later than its arrival and at most SUBMITTED_SLACK before it, else
 * the arrival. The submission time comes from the sender (anyone can seal
 * any time): a request dated 2001 would be overdue at once and add 300
 * empty months to a report. The slack covers a kiosk emptied weekly (a
 * request can wait a week and a long weekend on it). */
static const char *since(sqlite3_stmt *st)
{
    const char *sub = (const char *)sqlite3_column_text(st, C_SUBMITTED);
    const char *rec = (const char *)sqlite3_column_text(st, C_RECEIVED);
    time_t ts, tr;
    if (sub && rec && clock_parse_iso(sub, &ts) == 0 && clock_parse_iso(rec, &tr) == 0 &&
        ts <= tr && tr - ts <= SUBMITTED_SLACK)
        return sub;
    return rec ? rec : "";
}

/* Checks and decrypts one row selected with COLUMNS into an object; a row
 * that cannot be read is marked, never an error. */
static json_t *row(struct intake *db, sqlite3_stmt *st)
{
    long id = (long)sqlite3_column_int64(st, C_ID);
    const char *key_id = (const char *)sqlite3_column_text(st, C_KEY);
    const struct adminkey *k = find_key(db, key_id);
    char why[160];
    if (!k) {
        snprintf(why, sizeof why, "needs key %s, which is not loaded", key_id ? key_id : "?");
        return unreadable(id, why);
    }
    unsigned char mac[MAC_BYTES];
    row_mac(k, st, mac);
    if (sqlite3_column_bytes(st, C_MAC) != MAC_BYTES ||
        sodium_memcmp(mac, sqlite3_column_blob(st, C_MAC), MAC_BYTES) != 0 ||
        sqlite3_column_bytes(st, C_EID) != ENVELOPE_ID_BYTES)
        return unreadable(id, "fails its integrity check: it was changed outside peeradmin");
    const unsigned char *eid = sqlite3_column_blob(st, C_EID);
    json_t *facts = NULL, *fields = NULL, *outcome = NULL;
    size_t len;
    if (sqlite3_column_type(st, C_FACTS) == SQLITE_BLOB) {
        if (open_blob(db, k, eid, "facts", sqlite3_column_blob(st, C_FACTS),
                      (size_t)sqlite3_column_bytes(st, C_FACTS), &len) < 0)
            return unreadable(id, "cannot be decrypted (damaged)");
        facts = json_loadb((const char *)db->scratch, len, 0, NULL);
        sodium_memzero(db->scratch, len);
    }
    int purged = sqlite3_column_type(st, C_PURGED) != SQLITE_NULL;
    if (!purged && !(fields = open_request(db, k, st))) {
        json_decref(facts);
        return unreadable(id, "cannot be decrypted (wrong key or damaged)");
    }
    if (sqlite3_column_type(st, C_OUTCOME) == SQLITE_BLOB &&
        open_blob(db, k, eid, "outcome", sqlite3_column_blob(st, C_OUTCOME),
                  (size_t)sqlite3_column_bytes(st, C_OUTCOME), &len) == 0) {
        outcome = json_string((const char *)db->scratch);
        sodium_memzero(db->scratch, len);
    }
    json_t *supporter = json_null();
    if (sqlite3_column_type(st, C_SUPPORTER) == SQLITE_BLOB) {
        if (open_blob(db, k, eid, "supporter", sqlite3_column_blob(st, C_SUPPORTER),
                      (size_t)sqlite3_column_bytes(st, C_SUPPORTER), &len) < 0) {
            json_decref(facts);
            json_decref(fields);
            json_decref(outcome);
            return unreadable(id, "cannot be decrypted (damaged)");
        }
        supporter = json_string((const char *)db->scratch);
        sodium_memzero(db->scratch, len);
    }
    char hex[65];
    envelope_id_hex(eid, hex);
    json_t *r = json_pack(
        "{s:I, s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:s, s:b, s:o, s:o, s:o, s:o, s:o, s:o, s:o}",
        "id", (json_int_t)id, "envelope_id", hex, "channel", text_or_null(st, C_CHANNEL),
        "reference", text_or_null(st, C_REF), "submitted", text_or_null(st, C_SUBMITTED),
        "received", text_or_null(st, C_RECEIVED), "state", text_or_null(st, C_STATE), "status",
        text_or_null(st, C_STATE), "since", since(st), "sealed", sqlite3_column_int(st, C_SEALED),
        "supporter", supporter ? supporter : json_null(), "assigned", text_or_null(st, C_ASSIGNED),
        "contacted", text_or_null(st, C_CONTACTED), "closed", text_or_null(st, C_CLOSED), "purged",
        text_or_null(st, C_PURGED), "facts", facts ? facts : json_object(), "outcome",
        outcome ? outcome : json_null());
    if (fields)
        json_object_set_new(r, "fields", fields);
    return r;
}

json_t *intake_get(struct intake *db, long id, struct diag *d)
{
    sqlite3_stmt *st = NULL;
    json_t *res = NULL;
    if (db_prepare(db->db, db->path, "SELECT " COLUMNS " FROM requests WHERE id = ?", &st, d) < 0)
        return NULL;
    sqlite3_bind_int64(st, 1, id);
    int step = sqlite3_step(st);
    if (step == SQLITE_ROW)
        res = row(db, st);
    else if (step == SQLITE_DONE)
        diag_error(d, "peeradmin", 0, 0, "no request %ld (see peeradmin list)", id);
    else
        fail(db, d, "cannot read");
    sqlite3_finalize(st);
    return res;
}

json_t *intake_list(struct intake *db, struct diag *d)
{
    sqlite3_stmt *st = NULL;
    json_t *all = json_array();
    int step;
    if (db_prepare(db->db, db->path, "SELECT " COLUMNS " FROM requests ORDER BY id", &st, d) < 0) {
        json_decref(all);
        return NULL;
    }
    while ((step = sqlite3_step(st)) == SQLITE_ROW)
        json_array_append_new(all, row(db, st));
    if (step != SQLITE_DONE) {
        fail(db, d, "cannot read");
        json_decref(all);
        all = NULL;
    }
    sqlite3_finalize(st);
    return all;
}

/* Stores the outcome note encrypted, or clears it. */
static int set_outcome(struct intake *db, const struct adminkey *k, long id,
                       const unsigned char *eid, const char *outcome, struct diag *d)
{
    sqlite3_stmt *st = NULL;
    unsigned char *blob = NULL;
    size_t blen = 0;
    int rc = -1;
    if (outcome)
        blob = seal_blob(k, eid, "outcome", outcome, strlen(outcome) + 0, &blen);
    if (db_prepare(db->db, db->path, "UPDATE requests SET outcome = ? WHERE id = ?", &st, d) < 0)
        goto out;
    if (blob)
        sqlite3_bind_blob(st, 1, blob, (int)blen, SQLITE_STATIC);
    else
        sqlite3_bind_null(st, 1);
    sqlite3_bind_int64(st, 2, id);
    if (sqlite3_step(st) != SQLITE_DONE) {
        fail(db, d, "cannot update");
        goto out;
    }
    rc = 0;
out:
    sqlite3_finalize(st);
    free(blob);
    return rc;
}

/* Runs one UPDATE of row id with text values (NULL binds NULL). */
static int update(struct intake *db, const char *sql, long id, const char *a, const char *b,
                  struct diag *d)
{
    sqlite3_stmt *st = NULL;
    int rc = -1;
    if (db_prepare(db->db, db->path, sql, &st, d) < 0)
        return -1;
    if (a)
        sqlite3_bind_text(st, 1, a, -1, SQLITE_STATIC);
    if (b)
        sqlite3_bind_text(st, 2, b, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 3, id);
    if (sqlite3_step(st) == SQLITE_DONE)
        rc = 0;
    else
        fail(db, d, "cannot update");
    sqlite3_finalize(st);
    return rc;
}

/* Records who supports request id from now on: encrypted, in the request
 * and in its assignment history, so the database file does not tie a
 * supporter to a request's times. */
static int assign(struct intake *db, const struct adminkey *k, long id, const unsigned char *eid,
                  const char *supporter, const char *now, struct diag *d)
{
    size_t rlen, alen;
    unsigned char *in_request = seal_blob(k, eid, "supporter", supporter, strlen(supporter), &rlen);
    unsigned char *in_history =
        seal_blob(k, eid, "assignment", supporter, strlen(supporter), &alen);
    int rc = -1;
    if (update(db, "UPDATE assignments SET ended = ?1 WHERE request = ?3 AND ended IS NULL", id,
               now, NULL, d) < 0 ||
        update(db, "INSERT INTO assignments (supporter, assigned, request) VALUES ('', ?1, ?3)", id,
               now, NULL, d) < 0 ||
        set_blob(db, "UPDATE assignments SET supporter = ?1 WHERE id = last_insert_rowid()",
                 in_history, alen, 0, d) < 0 ||
        update(db, "UPDATE requests SET assigned = ?1, status = 'assigned' WHERE id = ?3", id, now,
               NULL, d) < 0 ||
        set_blob(db, "UPDATE requests SET supporter = ?1 WHERE id = ?2", in_request, rlen, id, d) <
            0)
        goto out;
    rc = 0;
out:
    free(in_request);
    free(in_history);
    return rc;
}

static int apply(struct intake *db, const struct adminkey *k, long id, const unsigned char *eid,
                 enum state to, enum state_action a, const char *supporter, const char *outcome,
                 const char *now, struct diag *d)
{
    const char *name = state_name(to);
    switch (a) {
    case ACTION_ASSIGN: return assign(db, k, id, eid, supporter, now, d);
    case ACTION_CONTACTED:
        /* The first contact is what the promise is measured by. */
        return update(db,
                      "UPDATE requests SET status = ?1, contacted = coalesce(contacted, ?2)"
                      " WHERE id = ?3",
                      id, name, now, d);
    case ACTION_CLOSE:
    case ACTION_DECLINE:
        if (update(db, "UPDATE assignments SET ended = ?2 WHERE request = ?3 AND ended IS NULL", id,
                   NULL, now, d) < 0 ||
            update(db, "UPDATE requests SET status = ?1, closed = ?2 WHERE id = ?3", id, name, now,
                   d) < 0)
            return -1;
        return a == ACTION_CLOSE && outcome ? set_outcome(db, k, id, eid, outcome, d) : 0;
    case ACTION_REOPEN:
        if (set_outcome(db, k, id, eid, NULL, d) < 0)
            return -1;
        return update(db,
                      "UPDATE requests SET status = ?1, closed = NULL, supporter = NULL,"
                      " assigned = NULL WHERE id = ?3",
                      id, name, NULL, d);
    }
    return -1;
}

int intake_move(struct intake *db, long id, enum state_action action, const char *supporter,
                const char *outcome, struct diag *d)
{
    json_t *r = intake_get(db, id, d);
    enum state from, to;
    char now[CLOCK_ISO_LEN], detail[160];
    unsigned char eid[ENVELOPE_ID_BYTES];
    int rc = -1;
    if (!r)
        return -1;
    const char *why = json_string_value(json_object_get(r, "unreadable"));
    if (why) {
        diag_error(d, "peeradmin", 0, 0, "request %ld %s; nothing was changed", id, why);
        goto out;
    }
    if (state_parse(json_string_value(json_object_get(r, "state")), &from) < 0) {
        diag_error(d, "peeradmin", 0, 0, "request %ld has an unknown state", id);
        goto out;
    }
    if (state_move(from, action, &to) < 0) {
        /* Say what would make the move possible. */
        const char *next = from == STATE_NEW ? " (assign it first)"
                           : action == ACTION_CLOSE && from == STATE_ASSIGNED
                               ? " (mark it contacted first)"
                               : "";
        diag_error(d, "peeradmin", 0, 0, "request %ld is %s: it cannot be %s%s", id,
                   state_name(from),
                   action == ACTION_ASSIGN      ? "assigned"
                   : action == ACTION_CONTACTED ? "marked contacted"
                   : action == ACTION_CLOSE     ? "closed"
                   : action == ACTION_DECLINE   ? "declined"
                                                : "reopened (it is not closed or declined)",
                   action == ACTION_REOPEN ? "" : next);
        goto out;
    }
    if (action == ACTION_REOPEN && !json_is_null(json_object_get(r, "purged"))) {
        diag_error(d, "peeradmin", 0, 0,
                   "request %ld was purged: its contact details are gone, so it cannot be "
                   "reopened (enter it again with peeradmin add)",
                   id);
        goto out;
    }
    if (outcome && strlen(outcome) > OUTCOME_MAX) {
        diag_error(d, "--outcome", 0, 0, "at most %d bytes", OUTCOME_MAX);
        goto out;
    }
    if (sodium_hex2bin(eid, sizeof eid, json_string_value(json_object_get(r, "envelope_id")), 64,
                       NULL, NULL, NULL) != 0)
        goto out;
    clock_iso(clock_now(), now);
    /* Never the supporter: the log is in clear, and who supports whom is
     * kept encrypted with the request. */
    snprintf(detail, sizeof detail, "%s -> %s", state_name(from), state_name(to));
    const struct adminkey *k = db->keys[0];
    sqlite3_stmt *st = NULL;
    if (db_prepare(db->db, db->path, "SELECT key_id FROM requests WHERE id = ?", &st, d) < 0)
        goto out;
    sqlite3_bind_int64(st, 1, id);
    if (sqlite3_step(st) == SQLITE_ROW)
        k = find_key(db, (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    if (!k || apply(db, k, id, eid, to, action, supporter, outcome, now, d) < 0 ||
        seal_row(db, id, d) < 0 || intake_log(db, state_action_name(action), id, detail, d) < 0)
        goto out;
    rc = 0;
out:
    json_decref(r);
    return rc;
}

json_t *intake_loads(struct intake *db, struct diag *d)
{
    sqlite3_stmt *st = NULL;
    json_t *loads = json_object();
    int step;
    /* The supporters are encrypted: count the open requests' by reading
     * them (only rows that pass their MAC count). */
    if (db_prepare(db->db, db->path,
                   "SELECT " COLUMNS " FROM requests WHERE supporter IS NOT NULL AND"
                   " status IN ('assigned', 'contacted') ORDER BY id",
                   &st, d) < 0) {
        json_decref(loads);
        return NULL;
    }
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        json_t *r = row(db, st);
        const char *slug = json_string_value(json_object_get(r, "supporter"));
        const char *state = json_string_value(json_object_get(r, "state"));
        if (slug && state && (!strcmp(state, "assigned") || !strcmp(state, "contacted")))
            json_object_set_new(loads, slug,
                                json_integer(json_integer_value(json_object_get(loads, slug)) + 1));
        json_decref(r);
    }
    sqlite3_finalize(st);
    if (step != SQLITE_DONE) {
        fail(db, d, "cannot read");
        json_decref(loads);
        return NULL;
    }
    return loads;
}

int intake_purge(struct intake *db, time_t cutoff, int dry_run, long *count, long *unreadable,
                 struct diag *d)
{
    sqlite3_stmt *st = NULL;
    char before[CLOCK_ISO_LEN], now[CLOCK_ISO_LEN];
    long *ids = NULL, bad = 0;
    size_t n = 0, cap = 0;
    int rc = -1, step;
    clock_iso(cutoff, before);
    clock_iso(clock_now(), now);
    /* Every row, judged by its checked values: an edited state, date or
     * purge mark is not evidence enough either way. */
    if (db_prepare(db->db, db->path, "SELECT " COLUMNS " FROM requests ORDER BY id", &st, d) < 0)
        return -1;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        json_t *r = row(db, st);
        const char *state = json_string_value(json_object_get(r, "state"));
        const char *closed = json_string_value(json_object_get(r, "closed"));
        int take = !json_object_get(r, "unreadable") &&
                   json_is_null(json_object_get(r, "purged")) && state &&
                   (!strcmp(state, "closed") || !strcmp(state, "declined")) && closed &&
                   strcmp(closed, before) < 0;
        bad += json_object_get(r, "unreadable") != NULL;
        json_decref(r);
        if (!take)
            continue;
        if (n == cap)
            ids = xrealloc(ids, (cap = cap ? cap * 2 : 16) * sizeof *ids);
        ids[n++] = (long)sqlite3_column_int64(st, C_ID);
    }
    sqlite3_finalize(st);
    if (step != SQLITE_DONE) {
        fail(db, d, "cannot read");
        goto out;
    }
    for (size_t i = 0; !dry_run && i < n; i++) {
        if (update(db,
                   "UPDATE requests SET request = x'', nonce = x'', outcome = NULL,"
                   " reference = '', supporter = NULL, purged = ?1 WHERE id = ?3",
                   ids[i], now, NULL, d) < 0 ||
            update(db, "DELETE FROM assignments WHERE request = ?3", ids[i], NULL, NULL, d) < 0 ||
            seal_row(db, ids[i], d) < 0 || intake_log(db, "purge", ids[i], "", d) < 0)
            goto out;
    }
    *count = (long)n;
    *unreadable = bad;
    rc = 0;
out:
    free(ids);
    return rc;
}

int intake_compact(struct intake *db, struct diag *d)
{
    if (exec(db, "VACUUM", d) < 0)
        return -1;
    return db_checkpoint_truncate(db->db, db->path, d);
}

json_t *intake_audit(struct intake *db, struct diag *d)
{
    sqlite3_stmt *st = NULL;
    json_t *all = json_array();
    if (db_prepare(db->db, db->path, "SELECT at, action, request, detail FROM audit ORDER BY id",
                   &st, d) < 0) {
        json_decref(all);
        return NULL;
    }
    while (sqlite3_step(st) == SQLITE_ROW)
        json_array_append_new(all,
                              json_pack("{s:s, s:s, s:I, s:s}", "at", sqlite3_column_text(st, 0),
                                        "action", sqlite3_column_text(st, 1), "request",
                                        (json_int_t)sqlite3_column_int64(st, 2), "detail",
                                        sqlite3_column_text(st, 3)));
    sqlite3_finalize(st);
    return all;
}
