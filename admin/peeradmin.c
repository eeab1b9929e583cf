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
#include "workflow.h"
#include "workspace.h"
#include "xalloc.h"
#include "secmem.h"

static const char usage[] =
    "usage: peeradmin init [DIR] [--key FILE] [--site SITE_DIR] [--passphrase-file F]\n"
    "       peeradmin site SITE_DIR\n"
    "       peeradmin keygen --out DIR [--passphrase-file F]\n"
    "       peeradmin import [--receipt OUT] [--site DIR] [KEYS] INPUT...\n"
    "       peeradmin receipt --out OUT [KEYS]\n"
    "       peeradmin add --channel phone|email|referral [--fields FILE|-] [KEYS]\n"
    "       peeradmin list [--state S] [--overdue] [--json] [KEYS]\n"
    "       peeradmin show ID [--json] [KEYS]\n"
    "       peeradmin match ID [--json] [KEYS]\n"
    "       peeradmin assign ID SUPPORTER [KEYS]\n"
    "       peeradmin contacted ID | decline ID | reopen ID [KEYS]\n"
    "       peeradmin close ID [--outcome TEXT] [KEYS]\n"
    "       peeradmin stats [--from DATE] [--to DATE] [--format csv|json|svg] [--min-cell N]\n"
    "       peeradmin purge [--older-than DAYS] [--yes] [KEYS]\n"
    "       peeradmin log [--json] [KEYS]\n"
    "       peeradmin --help | --version\n"
    "KEYS: [--key FILE...] [--db FILE] [--site DIR] [--passphrase-file F...]; without them,\n"
    "the workspace named by PEERADMIN_HOME (peeradmin init) provides them.\n";

#define INPUT_MAX_BYTES (1u << 30) /* one bundle: 1 GiB is ~16,000 maximal envelopes */

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
    struct workspace *ws;
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
    json_t *plain = NULL;
    size_t text_len = 0; /* plaintext left in im->scratch, wiped below */
    int applied = 0;
    if (unseal_envelope_into(im->ws->keys, im->ws->nkeys, im->scratch, env, len, &plain, &text_len,
                             &why) < 0) {
        skip(im, what, pos, line, diag_first(&why));
        goto out;
    }
    /* The same check the kiosk ran before it acknowledged the request. */
    if (envelope_check_form(im->schema, plain, &applied, &why) < 0) {
        /* Field ids name the problem; the values never reach the terminal. */
        skip(im, what, pos, line, "does not satisfy the request form");
        for (size_t i = 0; i < why.n; i++)
            fprintf(stderr, "    %s: %s\n", why.items[i].where, why.items[i].msg);
        goto out;
    }
    if (im->schema && !applied)
        im->schema_mismatch++;
    int added = 0;
    if (intake_insert(im->db, id, plain, im->scratch, text_len, 1, &added, NULL, im->d) < 0) {
        im->fatal = 1;
        goto out;
    }
    if (added)
        im->added++;
    else
        im->already++;
out:
    sodium_memzero(im->scratch, text_len);
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

static int write_receipt(struct workspace *ws, struct intake *db, const char *out, size_t *count,
                         struct diag *d)
{
    unsigned char(*ids)[ENVELOPE_ID_BYTES] = NULL;
    size_t n = 0;
    struct buf text = BUF_INIT;
    int rc = -1;
    if (intake_ids(db, &ids, &n, d) < 0 ||
        sign_receipt(ws->keys, ws->nkeys, (const unsigned char(*)[ENVELOPE_ID_BYTES])ids, n, NULL,
                     0, &text, d) < 0 ||
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
    const char *receipt = cli_get(c, "receipt");
    char **inputs = c->operands;
    int ninputs = c->noperands;
    struct workspace ws = {0};
    struct import im = {.ws = &ws, .d = d, .scratch = secmem_alloc(ENVELOPE_MAX)};
    char **data = xcalloc((size_t)ninputs, sizeof *data);
    size_t *lens = xcalloc((size_t)ninputs, sizeof *lens);
    int rc = CLI_FAIL;
    /* Read every input first: an unreadable one stops the run before anything is imported. */
    for (int i = 0; i < ninputs; i++)
        if (fs_read_file(inputs[i], INPUT_MAX_BYTES, &data[i], &lens[i], d) < 0)
            goto out;
    /* The site's form (--site or the workspace's copy) checks the fields too. */
    if (workspace_open(c, WS_DB | WS_SITE_MAYBE, &ws, d) < 0 ||
        (ws.has_site && formspec_load(ws.site_dir, &im.schema, d) < 0))
        goto out;
    im.db = ws.db;
    const char *db = ws.db_path;
    if (intake_begin(im.db, d) < 0)
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
    char detail[64];
    snprintf(detail, sizeof detail, "%ld new, %ld already present, %ld skipped", im.added,
             im.already, im.skipped);
    if (im.fatal || intake_log(im.db, "import", 0, detail, d) < 0 || intake_commit(im.db, d) < 0) {
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
        if (write_receipt(&ws, im.db, receipt, &n, d) < 0) {
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
    sodium_free(im.scratch);
    formspec_free(im.schema);
    workspace_close(&ws);
    return rc;
}

static int cmd_receipt(const struct cli *c, struct diag *d)
{
    struct workspace ws = {0};
    const char *out = cli_get(c, "out");
    size_t n;
    int rc = CLI_FAIL;
    if (workspace_open(c, WS_DB, &ws, d) < 0 || write_receipt(&ws, ws.db, out, &n, d) < 0)
        goto out;
    printf("peeradmin: receipt for %zu envelope%s written to %s\n", n, n == 1 ? "" : "s", out);
    rc = CLI_OK;
out:
    workspace_close(&ws);
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
    {"out", CLI_VALUE, 0, 0},
    {"db", CLI_VALUE, 0, 0},
    {"key", CLI_REPEAT, 0, 0},
    {"passphrase-file", CLI_REPEAT, 0, 0},
    {"receipt", CLI_VALUE, 0, 0},
    {"site", CLI_VALUE, 0, 0},
    {"json", CLI_FLAG, 0, 0},
    {"channel", CLI_VALUE, 0, 0},
    {"fields", CLI_VALUE, 0, 0},
    {"state", CLI_VALUE, 0, 0},
    {"overdue", CLI_FLAG, 0, 0},
    {"outcome", CLI_VALUE, 0, 0},
    {"from", CLI_VALUE, 0, 0},
    {"to", CLI_VALUE, 0, 0},
    {"format", CLI_VALUE, 0, 0},
    {"min-cell", CLI_NUMBER, 11, 1000},
    {"older-than", CLI_NUMBER, 1, 36500},
    {"yes", CLI_FLAG, 0, 0},
    {NULL, 0, 0, 0},
};

/* Every verb that reads the database takes the keys, the database and the
 * site explicitly, or from the workspace (workspace.h). */
#define KEYS "key passphrase-file db"
#define SITE KEYS " site"
static const struct cli_verb verbs[] = {
    {"init", cmd_init, "", "key passphrase-file site", 0, 1},
    {"site", cmd_site, "", "", 1, 1},
    {"keygen", cmd_keygen, "out", "passphrase-file", 0, 0},
    {"import", cmd_import, "", SITE " receipt", 1, 1 << 20},
    {"receipt", cmd_receipt, "out", KEYS, 0, 0},
    {"add", cmd_add, "channel", SITE " fields", 0, 0},
    {"list", cmd_list, "", SITE " json state overdue", 0, 0},
    {"show", cmd_show, "", SITE " json", 1, 1},
    {"match", cmd_match, "", SITE " json", 1, 1},
    {"assign", cmd_assign, "", SITE, 2, 2},
    {"contacted", cmd_contacted, "", KEYS, 1, 1},
    {"close", cmd_close, "", KEYS " outcome", 1, 1},
    {"decline", cmd_decline, "", KEYS, 1, 1},
    {"reopen", cmd_reopen, "", KEYS, 1, 1},
    {"stats", cmd_stats, "", SITE " from to format min-cell", 0, 0},
    {"purge", cmd_purge, "", KEYS " older-than yes", 0, 0},
    {"log", cmd_log, "", KEYS " json", 0, 0},
    {NULL, NULL, NULL, NULL, 0, 0},
};

static const struct cli_program program = {"peeradmin", "0.1.0", usage, options, verbs, init};

int main(int argc, char **argv)
{
    return cli_main(&program, argc, argv);
}
