#include "intake.h"

#include <sodium.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "db.h"
#include "secmem.h"
#include "xalloc.h"

/* One decrypted request: at most the largest plaintext an envelope holds. */
#define SCRATCH_BYTES ENVELOPE_MAX

struct intake {
    sqlite3 *db;
    char *path;
    struct adminkey *const *keys;
    size_t nkeys;
    sqlite3_stmt *insert;
    sqlite3_stmt *has;
    unsigned char *scratch; /* secure memory for one decrypted request, reused */
};

static int fail(struct intake *db, struct diag *d, const char *what)
{
    return db_fail(db->db, db->path, what, d);
}

static int exec(struct intake *db, const char *sql, struct diag *d)
{
    return db_exec(db->db, db->path, sql, d);
}

int intake_open(const char *path, struct adminkey *const *keys, size_t nkeys, struct intake **out,
                struct diag *d)
{
    struct intake *db = xcalloc(1, sizeof *db);
    db->path = xstrdup(path);
    db->keys = keys;
    db->nkeys = nkeys;
    db->scratch = secmem_alloc(SCRATCH_BYTES);
    if (db_open(path, DB_CREATE, 0, &db->db, d) < 0 ||
        exec(db,
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
             "PRAGMA user_version = 1;",
             d) < 0)
        goto fail;
    if (sqlite3_prepare_v2(db->db,
                           "INSERT OR IGNORE INTO requests (envelope_id, key_id, channel,"
                           " reference, submitted, received, schema, nonce, request)"
                           " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                           -1, &db->insert, NULL) != SQLITE_OK) {
        fail(db, d, "cannot prepare");
        goto fail;
    }
    if (sqlite3_prepare_v2(db->db, "SELECT 1 FROM requests WHERE envelope_id = ?", -1, &db->has,
                           NULL) != SQLITE_OK) {
        fail(db, d, "cannot prepare");
        goto fail;
    }
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
    db_close(db->db);
    sodium_free(db->scratch);
    free(db->path);
    free(db);
}

int intake_begin(struct intake *db, struct diag *d)
{
    return exec(db, "BEGIN IMMEDIATE", d);
}

int intake_commit(struct intake *db, struct diag *d)
{
    return exec(db, "COMMIT", d);
}

void intake_rollback(struct intake *db)
{
    sqlite3_exec(db->db, "ROLLBACK", NULL, NULL, NULL);
}

int intake_insert(struct intake *db, const unsigned char id[ENVELOPE_ID_BYTES], json_t *plain,
                  const unsigned char *text, size_t text_len, int *added, struct diag *d)
{
    const struct adminkey *k = db->keys[0];
    unsigned char nonce[crypto_aead_xchacha20poly1305_ietf_NPUBBYTES];
    unsigned long long sealed_len;
    char received[21];
    int rc = -1;
    if (text_len == 0 || text_len > SCRATCH_BYTES) {
        diag_error(d, db->path, 0, 0, "request too large to store (%zu bytes)", text_len);
        return -1;
    }
    unsigned char *sealed = malloc(text_len + crypto_aead_xchacha20poly1305_ietf_ABYTES);
    if (!sealed)
        abort();
    randombytes_buf(nonce, sizeof nonce);
    crypto_aead_xchacha20poly1305_ietf_encrypt(sealed, &sealed_len, text, text_len, id,
                                               ENVELOPE_ID_BYTES, NULL, nonce, k->data_key);
    clock_iso(clock_now(), received);
    sqlite3_stmt *st = db->insert;
    sqlite3_reset(st);
    sqlite3_bind_blob(st, 1, id, ENVELOPE_ID_BYTES, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, k->pub.key_id_hex, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 3, json_string_value(json_object_get(plain, "channel")), -1,
                      SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 4, json_string_value(json_object_get(plain, "reference")), -1,
                      SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 5, json_string_value(json_object_get(plain, "submitted")), -1,
                      SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 6, received, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 7, json_string_value(json_object_get(plain, "schema")), -1,
                      SQLITE_TRANSIENT);
    sqlite3_bind_blob(st, 8, nonce, sizeof nonce, SQLITE_STATIC);
    sqlite3_bind_blob(st, 9, sealed, (int)sealed_len, SQLITE_STATIC);
    if (sqlite3_step(st) != SQLITE_DONE) {
        fail(db, d, "cannot insert");
        goto out;
    }
    *added = sqlite3_changes(db->db) > 0;
    rc = 0;
out:
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
    free(sealed);
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

int intake_ids(struct intake *db, unsigned char (**ids)[ENVELOPE_ID_BYTES], size_t *n,
               struct diag *d)
{
    sqlite3_stmt *st = NULL;
    size_t cap = 64, count = 0;
    unsigned char(*list)[ENVELOPE_ID_BYTES] = malloc(cap * ENVELOPE_ID_BYTES);
    int step;
    if (!list)
        abort();
    if (sqlite3_prepare_v2(db->db, "SELECT envelope_id FROM requests ORDER BY envelope_id", -1, &st,
                           NULL) != SQLITE_OK) {
        free(list);
        return fail(db, d, "cannot read");
    }
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        if (sqlite3_column_bytes(st, 0) != ENVELOPE_ID_BYTES)
            continue;
        if (count == cap) {
            cap *= 2;
            list = realloc(list, cap * ENVELOPE_ID_BYTES);
            if (!list)
                abort();
        }
        memcpy(list[count++], sqlite3_column_blob(st, 0), ENVELOPE_ID_BYTES);
    }
    sqlite3_finalize(st);
    if (step != SQLITE_DONE) {
        free(list);
        return fail(db, d, "cannot read");
    }
    *ids = list;
    *n = count;
    return 0;
}

/* Decrypts one row into an object. */
static json_t *row(struct intake *db, sqlite3_stmt *st, struct diag *d)
{
    const char *key_id = (const char *)sqlite3_column_text(st, 2);
    const struct adminkey *k = NULL;
    for (size_t i = 0; i < db->nkeys && !k; i++)
        if (!strcmp(db->keys[i]->pub.key_id_hex, key_id))
            k = db->keys[i];
    long id = (long)sqlite3_column_int64(st, 0);
    if (!k) {
        diag_error(d, db->path, 0, 0, "request %ld needs key %s, which is not loaded", id, key_id);
        return NULL;
    }
    const unsigned char *eid = sqlite3_column_blob(st, 1);
    const unsigned char *nonce = sqlite3_column_blob(st, 9);
    const unsigned char *sealed = sqlite3_column_blob(st, 10);
    int slen = sqlite3_column_bytes(st, 10);
    if (sqlite3_column_bytes(st, 1) != ENVELOPE_ID_BYTES ||
        sqlite3_column_bytes(st, 9) != crypto_aead_xchacha20poly1305_ietf_NPUBBYTES ||
        slen < (int)crypto_aead_xchacha20poly1305_ietf_ABYTES || slen > SCRATCH_BYTES) {
        diag_error(d, db->path, 0, 0, "request %ld is damaged", id);
        return NULL;
    }
    unsigned char *clear = db->scratch;
    unsigned long long clen = 0;
    json_t *request = NULL, *fields, *res = NULL;
    if (crypto_aead_xchacha20poly1305_ietf_decrypt(clear, &clen, NULL, sealed, (size_t)slen, eid,
                                                   ENVELOPE_ID_BYTES, nonce, k->data_key) != 0 ||
        !(request = json_loadb((const char *)clear, (size_t)clen, 0, NULL)) ||
        !json_is_object(fields = json_object_get(request, "fields"))) {
        diag_error(d, db->path, 0, 0, "request %ld cannot be decrypted (wrong key or damaged)", id);
        goto out;
    }
    char hex[65];
    envelope_id_hex(eid, hex);
    res = json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:O}", "id", (json_int_t)id, "envelope_id",
                    hex, "channel", sqlite3_column_text(st, 3), "reference",
                    sqlite3_column_text(st, 4), "submitted", sqlite3_column_text(st, 5), "received",
                    sqlite3_column_text(st, 6), "status", sqlite3_column_text(st, 8), "fields",
                    fields);
out:
    json_decref(request);
    sodium_memzero(clear, (size_t)slen);
    return res;
}

#define COLUMNS                                                                                    \
    "id, envelope_id, key_id, channel, reference, submitted, received, schema,"                    \
    " status, nonce, request"

json_t *intake_get(struct intake *db, long id, struct diag *d)
{
    sqlite3_stmt *st = NULL;
    json_t *res = NULL;
    if (sqlite3_prepare_v2(db->db, "SELECT " COLUMNS " FROM requests WHERE id = ?", -1, &st,
                           NULL) != SQLITE_OK) {
        fail(db, d, "cannot read");
        return NULL;
    }
    sqlite3_bind_int64(st, 1, id);
    if (sqlite3_step(st) == SQLITE_ROW)
        res = row(db, st, d);
    else
        diag_error(d, db->path, 0, 0, "no request %ld", id);
    sqlite3_finalize(st);
    return res;
}

json_t *intake_list(struct intake *db, struct diag *d)
{
    sqlite3_stmt *st = NULL;
    json_t *all = json_array();
    int step;
    if (sqlite3_prepare_v2(db->db, "SELECT " COLUMNS " FROM requests ORDER BY id", -1, &st, NULL) !=
        SQLITE_OK) {
        fail(db, d, "cannot read");
        json_decref(all);
        return NULL;
    }
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        json_t *r = row(db, st, d);
        if (!r) {
            json_decref(all);
            all = NULL;
            break;
        }
        json_array_append_new(all, r);
    }
    sqlite3_finalize(st);
    return all;
}
