/* peeradmin: the administrator's side of sealed requests, on an offline
 * machine: make the key pair, import sealed requests into the intake
 * database, sign receipts for the kiosk, and read what was imported.
 * The secret keys and every decrypted request stay in sodium_malloc memory. */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bundle.h"
#include "cli.h"
#include "diag.h"
#include "envelope.h"
#include "formspec.h"
#include "fsutil.h"
#include "intake.h"
#include "keys.h"
#include "mail.h"
#include "receipt.h"
#include "sign.h"
#include "termsafe.h"
#include "unseal.h"
#include "xalloc.h"
#include "secmem.h"

static const char usage[] =
    "usage: peeradmin keygen --out DIR [--passphrase-file F]\n"
    "       peeradmin import --key FILE... --db FILE [--receipt OUT] [--site DIR]\n"
    "                        [--passphrase-file F...] INPUT...\n"
    "       peeradmin receipt --key FILE... --db FILE --out OUT [--passphrase-file F...]\n"
    "       peeradmin list --key FILE... --db FILE [--json] [--passphrase-file F...]\n"
    "       peeradmin show ID --key FILE... --db FILE [--json] [--passphrase-file F...]\n"
    "       peeradmin --help | --version\n";

#define MAX_KEYS 16
#define INPUT_MAX_BYTES (1u << 30) /* one bundle: 1 GiB is ~16,000 maximal envelopes */

/* The keys, loaded and decrypted. One --passphrase-file serves every key;
 * several are matched to the keys in order; without one, the terminal asks
 * for each key. */
struct keyring {
    struct adminkey *k[MAX_KEYS];
    size_t n;
};

static int keyring_load(const struct cli *c, struct keyring *ring, struct diag *d)
{
    size_t nkeys = cli_count(c, "key"), npass = cli_count(c, "passphrase-file");
    ring->n = 0;
    if (nkeys == 0) {
        diag_error(d, "--key", 0, 0, "at least one key file is required");
        return -1;
    }
    if (npass > 1 && npass != nkeys) {
        diag_error(d, "--passphrase-file", 0, 0,
                   "give one passphrase file for all keys, or one "
                   "per --key (%zu keys, %zu files)",
                   nkeys, npass);
        return -1;
    }
    for (size_t i = 0; i < nkeys; i++) {
        const char *key = cli_at(c, "key", i);
        const char *file = npass == 0 ? NULL : cli_at(c, "passphrase-file", npass == 1 ? 0 : i);
        struct passphrase pass;
        if (passphrase_read(file, key, 0, &pass, d) < 0)
            return -1;
        int rc = keys_load(key, &pass, &ring->k[ring->n], d);
        passphrase_free(&pass);
        if (rc < 0)
            return -1;
        for (size_t j = 0; j < ring->n; j++)
            if (!memcmp(ring->k[j]->pub.key_id, ring->k[ring->n]->pub.key_id, PUBKEY_ID_BYTES)) {
                diag_error(d, key, 0, 0, "the same key is given twice");
                keys_free(ring->k[ring->n]);
                return -1;
            }
        ring->n++;
    }
    return 0;
}

static void keyring_free(struct keyring *ring)
{
    for (size_t i = 0; i < ring->n; i++)
        keys_free(ring->k[i]);
    ring->n = 0;
}

static int cmd_keygen(const struct cli *c, struct diag *d)
{
    struct passphrase pass;
    const struct keys_cost cost = KEYS_COST_KEYGEN;
    const char *out = cli_get(c, "out");
    if (cli_count(c, "passphrase-file") > 1) {
        diag_error(d, "--passphrase-file", 0, 0, "keygen takes one passphrase file");
        return CLI_FAIL;
    }
    if (passphrase_read(cli_get(c, "passphrase-file"), "the new key", 1, &pass, d) < 0)
        return CLI_FAIL;
    struct adminkey *k = keys_generate();
    int rc = keys_save(out, k, &pass, &cost, d);
    passphrase_free(&pass);
    if (rc == 0) {
        printf("peeradmin: wrote %s/admin.key (secret, keep it offline) and %s/admin.pub\n"
               "key id:      %s\nfingerprint: %s\n"
               "Copy admin.pub to content/keys/admin.pub and to the kiosk; compare the "
               "fingerprint shown on the site's request page with the one above.\n",
               out, out, k->pub.key_id_hex, k->pub.fingerprint);
    }
    keys_free(k);
    return rc == 0 ? CLI_OK : CLI_FAIL;
}

/* One import run: every envelope from every input goes through take(). */
struct import {
    struct keyring *ring;
    struct intake *db;
    struct formspec *schema; /* --site: validate fields too */
    unsigned char *scratch;  /* secure memory for one plaintext, reused */
    const char *input;
    long added, already, skipped, schema_mismatch;
    int fatal;
    struct diag *d;
};

static void skip(struct import *im, const char *what, size_t pos, int line, const char *why)
{
    char where[64];
    if (line > 0)
        snprintf(where, sizeof where, "%s %zu (line %d)", what, pos, line);
    else
        snprintf(where, sizeof where, "%s %zu", what, pos);
    fprintf(stderr, "%s: %s: skipped: %s\n", im->input, where, why);
    im->skipped++;
}

/* id is the envelope's id when the caller already verified it (a bundle
 * record), else NULL and it is computed here. */
static void take(struct import *im, const char *what, size_t pos, int line,
                 const unsigned char *env, size_t len, const unsigned char *known_id,
                 const char *problem)
{
    if (im->fatal)
        return;
    if (!env) {
        skip(im, what, pos, line, problem);
        return;
    }
    unsigned char id[ENVELOPE_ID_BYTES];
    if (known_id)
        memcpy(id, known_id, sizeof id);
    else
        envelope_id(env, len, id);
    int has = intake_has(im->db, id, im->d);
    if (has < 0) {
        im->fatal = 1;
        return;
    }
    if (has) {
        im->already++;
        return;
    }
    struct diag why = DIAG_INIT;
    json_t *plain = NULL, *normalized = NULL;
    size_t text_len = 0; /* plaintext left in im->scratch, wiped below */
    if (unseal_envelope_into(im->ring->k, im->ring->n, im->scratch, env, len, &plain, &text_len,
                             &why) < 0) {
        skip(im, what, pos, line, diag_first(&why));
        goto out;
    }
    if (im->schema) {
        if (strcmp(json_string_value(json_object_get(plain, "schema")),
                   formspec_hash(im->schema))) {
            im->schema_mismatch++;
        } else if (formspec_validate(im->schema, json_object_get(plain, "fields"), &normalized,
                                     &why) < 0) {
            /* Field ids name the problem; the values never reach the terminal. */
            skip(im, what, pos, line, "does not satisfy the request form");
            for (size_t i = 0; i < why.n; i++)
                fprintf(stderr, "    %s: %s\n", why.items[i].where, why.items[i].msg);
            goto out;
        }
    }
    int added = 0;
    if (intake_insert(im->db, id, plain, im->scratch, text_len, &added, im->d) < 0) {
        im->fatal = 1;
        goto out;
    }
    if (added)
        im->added++;
    else
        im->already++;
out:
    sodium_memzero(im->scratch, text_len);
    json_decref(normalized);
    json_decref(plain);
    diag_free(&why);
}

static void take_record(void *ctx, size_t pos, const unsigned char *env, size_t len,
                        const unsigned char *id, const char *problem)
{
    take(ctx, "record", pos, 0, env, len, id, problem);
}

static void take_armored(void *ctx, size_t pos, int line, const unsigned char *env, size_t len,
                         const char *problem)
{
    take(ctx, "request", pos, line, env, len, NULL, problem);
}

static void take_mailed(void *ctx, size_t message, size_t pos, int line,
                        const unsigned char *env, size_t len, const char *problem)
{
    char what[48];
    snprintf(what, sizeof what, "message %zu, request", message);
    take(ctx, what, pos, line, env, len, NULL, problem);
}

/* A message with no request is named (position, line, subject escaped):
 * the administrator may have saved the wrong one. */
static void mail_without_request(void *ctx, size_t message, int line, const char *subject)
{
    struct import *im = ctx;
    struct buf safe = BUF_INIT;
    if (subject)
        termsafe_append(&safe, subject, strnlen(subject, 80), NULL);
    diag_warn(im->d, im->input, line, 1, "message %zu%s%s%s holds no sealed request", message,
              subject ? " (\"" : "", subject ? safe.data : "", subject ? "\")" : "");
    buf_free(&safe);
}

static int write_receipt(struct keyring *ring, struct intake *db, const char *out, size_t *count,
                         struct diag *d)
{
    unsigned char(*ids)[ENVELOPE_ID_BYTES] = NULL;
    size_t n = 0;
    struct buf text = BUF_INIT;
    int rc = -1;
    if (intake_ids(db, &ids, &n, d) < 0 || sign_receipt(ring->k[0], ids, n, &text, d) < 0 ||
        fs_write_atomic(out, text.data, text.len, 0644, d) < 0)
        goto done;
    *count = n;
    rc = 0;
done:
    free(ids);
    buf_free(&text);
    return rc;
}

static int cmd_import(const struct cli *c, struct diag *d)
{
    const char *db = cli_get(c, "db"), *site = cli_get(c, "site"), *receipt = cli_get(c, "receipt");
    char **inputs = c->operands;
    int ninputs = c->noperands;
    struct keyring ring = {{NULL}, 0};
    struct import im = {.ring = &ring, .d = d, .scratch = secmem_alloc(ENVELOPE_MAX)};
    char **data = xcalloc((size_t)ninputs, sizeof *data);
    size_t *lens = xcalloc((size_t)ninputs, sizeof *lens);
    int rc = CLI_FAIL;
    /* Read every input first: an unreadable one stops the run before anything is imported. */
    for (int i = 0; i < ninputs; i++)
        if (fs_read_file(inputs[i], INPUT_MAX_BYTES, &data[i], &lens[i], d) < 0)
            goto out;
    if (keyring_load(c, &ring, d) < 0 || (site && formspec_load(site, &im.schema, d) < 0) ||
        intake_open(db, ring.k, ring.n, &im.db, d) < 0 || intake_begin(im.db, d) < 0)
        goto out;
    for (int i = 0; i < ninputs && !im.fatal; i++) {
        const unsigned char *bytes = (const unsigned char *)data[i];
        im.input = inputs[i];
        long before = im.skipped;
        if (bundle_detect(bytes, lens[i])) {
            struct diag whole = DIAG_INIT;
            bundle_read(bytes, lens[i], inputs[i], take_record, &im, &whole);
            /* A damaged end or count means envelopes may be missing: partial. */
            if (whole.nerrors && im.skipped == before)
                im.skipped++;
            diag_print(&whole, stderr);
            diag_free(&whole);
        } else if (mail_detect(data[i], lens[i])) {
            mail_scan(data[i], lens[i], take_mailed, mail_without_request, &im);
        } else if (envelope_dearmor(data[i], lens[i], take_armored, &im) == 0) {
            diag_warn(d, inputs[i], 0, 0,
                      "no sealed requests found (neither a bundle nor "
                      "armored requests)");
        }
    }
    if (im.fatal || intake_commit(im.db, d) < 0) {
        intake_rollback(im.db);
        diag_error(d, db, 0, 0, "nothing was imported");
        goto out;
    }
    printf("peeradmin: imported %ld new request%s (%ld already present, %ld skipped)\n", im.added,
           im.added == 1 ? "" : "s", im.already, im.skipped);
    if (im.schema_mismatch)
        fprintf(stderr,
                "peeradmin: note: %ld request%s sealed with another version of the form "
                "%s checked for structure only\n",
                im.schema_mismatch, im.schema_mismatch == 1 ? "" : "s",
                im.schema_mismatch == 1 ? "was" : "were");
    rc = im.skipped ? CLI_PARTIAL : CLI_OK;
    if (receipt) {
        size_t n;
        if (write_receipt(&ring, im.db, receipt, &n, d) < 0) {
            diag_error(d, receipt, 0, 0,
                       "the requests are imported, but no receipt was "
                       "written: run peeradmin receipt");
            rc = CLI_FAIL;
        } else {
            printf("peeradmin: receipt for %zu envelope%s written to %s\n", n, n == 1 ? "" : "s",
                   receipt);
        }
    }
out:
    for (int i = 0; i < ninputs; i++)
        free(data[i]);
    free(data);
    free(lens);
    intake_close(im.db);
    sodium_free(im.scratch);
    formspec_free(im.schema);
    keyring_free(&ring);
    return rc;
}

static int cmd_receipt(const struct cli *c, struct diag *d)
{
    struct keyring ring = {{NULL}, 0};
    struct intake *db = NULL;
    const char *out = cli_get(c, "out");
    size_t n;
    int rc = CLI_FAIL;
    if (keyring_load(c, &ring, d) < 0 ||
        intake_open(cli_get(c, "db"), ring.k, ring.n, &db, d) < 0 ||
        write_receipt(&ring, db, out, &n, d) < 0)
        goto out;
    printf("peeradmin: receipt for %zu envelope%s written to %s\n", n, n == 1 ? "" : "s", out);
    rc = CLI_OK;
out:
    intake_close(db);
    keyring_free(&ring);
    return rc;
}

/* Prints text from a request with every control character made visible
 * (common/termsafe.h): its sender may be anyone. */
static void print_safe(const char *s, const char *newline_indent)
{
    struct buf b = BUF_INIT;
    termsafe_append(&b, s ? s : "", s ? strlen(s) : 0, newline_indent);
    fwrite(b.data ? b.data : "", 1, b.len, stdout);
    buf_free(&b);
}

/* Prints a value as text: lists joined with ", ". */
static void print_value(json_t *v)
{
    if (json_is_string(v)) {
        print_safe(json_string_value(v), "    ");
        return;
    }
    size_t i;
    json_t *item;
    json_array_foreach (v, i, item) {
        fputs(i ? ", " : "", stdout);
        print_safe(json_string_value(item), "    ");
    }
}

/* A column of the list, escaped and padded to width. */
static void print_cell(json_t *v, int width, const char *sep)
{
    struct buf b = BUF_INIT;
    const char *s = json_string_value(v);
    termsafe_append(&b, s ? s : "", s ? strlen(s) : 0, NULL);
    printf("%-*s%s", width, b.data ? b.data : "", sep);
    buf_free(&b);
}

static void print_json(json_t *v)
{
    json_dumpf(v, stdout, JSON_INDENT(2) | JSON_ENSURE_ASCII);
    putchar('\n');
}

static int cmd_list(const struct cli *c, struct diag *d)
{
    struct keyring ring = {{NULL}, 0};
    struct intake *db = NULL;
    json_t *all = NULL;
    int rc = CLI_FAIL;
    if (keyring_load(c, &ring, d) < 0 ||
        intake_open(cli_get(c, "db"), ring.k, ring.n, &db, d) < 0 || !(all = intake_list(db, d)))
        goto out;
    if (cli_flag(c, "json")) {
        print_json(all);
    } else {
        size_t i;
        json_t *r;
        printf("%-5s %-20s %-9s %-10s %s\n", "ID", "SUBMITTED", "REFERENCE", "STATUS", "CHANNEL");
        json_array_foreach (all, i, r) {
            printf("%-5lld ", (long long)json_integer_value(json_object_get(r, "id")));
            print_cell(json_object_get(r, "submitted"), 20, " ");
            print_cell(json_object_get(r, "reference"), 9, " ");
            print_cell(json_object_get(r, "status"), 10, " ");
            print_cell(json_object_get(r, "channel"), 0, "\n");
        }
        printf("%zu request%s\n", json_array_size(all), json_array_size(all) == 1 ? "" : "s");
    }
    rc = CLI_OK;
out:
    json_decref(all);
    intake_close(db);
    keyring_free(&ring);
    return rc;
}

static int cmd_show(const struct cli *c, struct diag *d)
{
    struct keyring ring = {{NULL}, 0};
    struct intake *db = NULL;
    json_t *r = NULL;
    char *end;
    long id = strtol(c->operands[0], &end, 10);
    int rc = CLI_FAIL;
    if (*end || id <= 0) {
        diag_error(d, "ID", 0, 0, "show takes one request id (a positive number, from list)");
        return CLI_FAIL;
    }
    if (keyring_load(c, &ring, d) < 0 ||
        intake_open(cli_get(c, "db"), ring.k, ring.n, &db, d) < 0 || !(r = intake_get(db, id, d)))
        goto out;
    if (cli_flag(c, "json")) {
        print_json(r);
    } else {
        static const char *const meta[] = {"id",        "reference", "status",      "channel",
                                           "submitted", "received",  "envelope_id", NULL};
        for (size_t i = 0; meta[i]; i++) {
            json_t *v = json_object_get(r, meta[i]);
            printf("%-12s ", meta[i]);
            if (json_is_integer(v))
                printf("%lld", (long long)json_integer_value(v));
            else
                print_value(v);
            putchar('\n');
        }
        putchar('\n');
        const char *key;
        json_t *v;
        json_object_foreach (json_object_get(r, "fields"), key, v) {
            print_safe(key, NULL);
            fputs(": ", stdout);
            print_value(v);
            putchar('\n');
        }
    }
    rc = CLI_OK;
out:
    json_decref(r);
    intake_close(db);
    keyring_free(&ring);
    return rc;
}

static int init(const struct cli_verb *verb)
{
    (void)verb;
    if (secmem_init(0) < 0) {
        fputs("peeradmin: cannot initialise libsodium\n", stderr);
        return -1;
    }
    return 0;
}

static const struct cli_option options[] = {
    {"out", CLI_VALUE, 0, 0},     {"db", CLI_VALUE, 0, 0},
    {"key", CLI_REPEAT, 0, 0},    {"passphrase-file", CLI_REPEAT, 0, 0},
    {"receipt", CLI_VALUE, 0, 0}, {"site", CLI_VALUE, 0, 0},
    {"json", CLI_FLAG, 0, 0},     {NULL, 0, 0, 0},
};

#define KEYS "key passphrase-file"
static const struct cli_verb verbs[] = {
    {"keygen", cmd_keygen, "out", "passphrase-file", 0, 0},
    {"import", cmd_import, "db", KEYS " receipt site", 1, 1 << 20},
    {"receipt", cmd_receipt, "db out", KEYS, 0, 0},
    {"list", cmd_list, "db", KEYS " json", 0, 0},
    {"show", cmd_show, "db", KEYS " json", 1, 1},
    {NULL, NULL, NULL, NULL, 0, 0},
};

static const struct cli_program program = {"peeradmin", "0.1.0", usage, options, verbs, init};

int main(int argc, char **argv)
{
    return cli_main(&program, argc, argv);
}
