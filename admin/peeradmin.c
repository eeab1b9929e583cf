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
    "       peeradmin import [--receipt OUT [--discard ID]...] [--site DIR] [KEYS] INPUT...\n"
    "       peeradmin receipt --out OUT [--discard ID]... [KEYS] [INPUT...]\n"
    "       peeradmin add --channel phone|email|referral [--fields FILE|-] [KEYS]\n"
    "       peeradmin list [--state S] [--overdue] [--json] [KEYS]\n"
    "       peeradmin show ID [--json] [KEYS]\n"
    "       peeradmin match ID [--json] [KEYS]\n"
    "       peeradmin assign ID SUPPORTER [KEYS]\n"
    "       peeradmin contacted ID | decline ID | reopen ID [KEYS]\n"
    "       peeradmin close ID [--outcome TEXT] [KEYS]\n"
    "       peeradmin stats [--from MONTH] [--to MONTH] [--format csv|json|svg] [--min-cell N]\n"
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

/* A growing list of envelope ids. */
struct idlist {
    unsigned char (*ids)[ENVELOPE_ID_BYTES];
    size_t n, cap;
};

static void idlist_add(struct idlist *l, const unsigned char id[ENVELOPE_ID_BYTES])
{
    if (l->n == l->cap) {
        l->cap = l->cap ? 2 * l->cap : 64;
        l->ids = xrealloc(l->ids, l->cap * ENVELOPE_ID_BYTES);
    }
    memcpy(l->ids[l->n++], id, ENVELOPE_ID_BYTES);
}

/* One import run: every envelope from every input goes through take(). What
 * the receipt lists comes from these inputs only: the envelopes now held in
 * the database (new or already there) and those no import can ever take. */
struct import {
    struct workspace *ws;
    struct intake *db;
    struct formspec *schema; /* --site: validate fields too */
    unsigned char *scratch;  /* secure memory for one plaintext, reused */
    const char *input;
    int receipt_only; /* peeradmin receipt: list what is held, open nothing */
    struct idlist held, discard;
    long added, already, skipped, discarded, missing, schema_mismatch;
    int fatal;
    struct diag *d;
};

/* Names a skipped envelope by its place, and by its id when there is one
 * (what `receipt --discard` takes); discard: the receipt releases it. */
static void skip(struct import *im, const char *what, size_t pos, int line, const char *why,
                 const unsigned char *id, int discard)
{
    char where[64];
    if (line > 0)
        snprintf(where, sizeof where, "%s %zu (line %d)", what, pos, line);
    else
        snprintf(where, sizeof where, "%s %zu", what, pos);
    fprintf(stderr, "%s: %s: skipped: %s", im->input, where, why);
    if (id) {
        char hex[65];
        envelope_id_hex(id, hex);
        fprintf(stderr, " (envelope %s%s)", hex,
                discard ? "; no import can ever take it: the receipt tells the kiosk to discard it"
                        : "");
    }
    fputc('\n', stderr);
    im->skipped++;
    if (discard) {
        idlist_add(&im->discard, id);
        im->discarded++;
    }
}

/* 1 if env is sealed, in this envelope format, for one of the loaded keys:
 * then a failure to open or check it lies in its own bytes, and no import
 * will ever take it. Otherwise another key or a newer release might. */
static int for_loaded_key(const struct import *im, const unsigned char *env, size_t len)
{
    if (len < ENVELOPE_MIN || len > ENVELOPE_MAX || memcmp(env, ENVELOPE_MAGIC, 4) ||
        env[4] != ENVELOPE_VERSION)
        return 0;
    for (size_t i = 0; i < im->ws->nkeys; i++)
        if (!memcmp(im->ws->keys[i]->pub.key_id, env + 5, PUBKEY_ID_BYTES))
            return 1;
    return 0;
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
        skip(im, what, pos, line, problem, NULL, 0);
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
        idlist_add(&im->held, id);
        return;
    }
    if (im->receipt_only) {
        im->missing++;
        return;
    }
    struct diag why = DIAG_INIT;
    json_t *plain = NULL;
    size_t text_len = 0; /* plaintext left in im->scratch, wiped below */
    int applied = 0;
    if (unseal_envelope_into(im->ws->keys, im->ws->nkeys, im->scratch, env, len, &plain, &text_len,
                             &why) < 0) {
        skip(im, what, pos, line, diag_first(&why), id, for_loaded_key(im, env, len));
        goto out;
    }
    /* The same check the kiosk ran before it acknowledged the request. */
    if (envelope_check_form(im->schema, plain, &applied, &why) < 0) {
        /* Field ids name the problem; the values never reach the terminal. */
        skip(im, what, pos, line, "does not satisfy the request form", id, 1);
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
    idlist_add(&im->held, id);
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

static void take_mailed(void *ctx, size_t message, size_t pos, int line, const unsigned char *env,
                        size_t len, const char *problem)
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

/* Reads every input (an unreadable one stops the run before anything is
 * done); data and lens are the caller's, freed with free_inputs. */
static int read_inputs(const struct cli *c, char ***data, size_t **lens, struct diag *d)
{
    *data = xcalloc((size_t)c->noperands + 1, sizeof **data);
    *lens = xcalloc((size_t)c->noperands + 1, sizeof **lens);
    /* Every input is read first: an unreadable or empty one stops the run
     * before anything is imported. */
    for (int i = 0; i < c->noperands; i++) {
        if (fs_read_file(c->operands[i], INPUT_MAX_BYTES, &(*data)[i], &(*lens)[i], d) < 0)
            return -1;
        if ((*lens)[i] == 0) {
            diag_error(d, c->operands[i], 0, 0,
                       "empty file: not a bundle, a request or saved mail");
            return -1;
        }
    }
    return 0;
}

static void free_inputs(int n, char **data, size_t *lens)
{
    for (int i = 0; data && i < n; i++)
        free(data[i]);
    free(data);
    free(lens);
}

/* Passes every envelope of every input (bundle, mail, armored text) to take. */
static void scan_inputs(struct import *im, const struct cli *c, char **data, size_t *lens)
{
    for (int i = 0; i < c->noperands && !im->fatal; i++) {
        const unsigned char *bytes = (const unsigned char *)data[i];
        const char *input = c->operands[i];
        im->input = input;
        long before = im->skipped;
        if (bundle_detect(bytes, lens[i])) {
            struct diag whole = DIAG_INIT;
            bundle_read(bytes, lens[i], input, take_record, im, &whole);
            /* A damaged end or count means envelopes may be missing: partial. */
            if (whole.nerrors && im->skipped == before)
                im->skipped++;
            diag_print(&whole, stderr);
            diag_free(&whole);
        } else if (mail_detect(data[i], lens[i])) {
            mail_scan(data[i], lens[i], take_mailed, mail_without_request, im);
        } else if (envelope_dearmor(data[i], lens[i], take_armored, im) == 0) {
            diag_warn(im->d, input, 0, 0,
                      "no sealed requests found (neither a bundle nor "
                      "armored requests)");
        }
    }
}

/* --discard ID...: envelopes the administrator releases by hand (one whose
 * key is lost for good, say). One the database holds is listed as held. */
static int add_discards(struct import *im, const struct cli *c, struct diag *d)
{
    for (size_t i = 0; i < cli_count(c, "discard"); i++) {
        const char *hex = cli_at(c, "discard", i);
        unsigned char id[ENVELOPE_ID_BYTES];
        size_t got = 0;
        const char *end = NULL;
        if (strlen(hex) != 64 || sodium_hex2bin(id, sizeof id, hex, 64, NULL, &got, &end) != 0 ||
            got != sizeof id) {
            diag_error(d, "--discard", 0, 0,
                       "\"%s\" is not an envelope id (64 hex digits, as import prints them)", hex);
            return -1;
        }
        int has = intake_has(im->db, id, d);
        if (has < 0)
            return -1;
        idlist_add(has ? &im->held : &im->discard, id);
    }
    return 0;
}

/* Signs and writes the receipt for what this run saw (im->held and
 * im->discard) with every loaded key, and checks it as a kiosk would. */
static int write_receipt(const struct import *im, const char *out, struct diag *d)
{
    struct buf text = BUF_INIT;
    struct receipt check = {0};
    int rc = -1;
    if (sign_receipt(im->ws->keys, im->ws->nkeys,
                     (const unsigned char(*)[ENVELOPE_ID_BYTES])im->held.ids, im->held.n,
                     (const unsigned char(*)[ENVELOPE_ID_BYTES])im->discard.ids, im->discard.n,
                     &text, d) < 0 ||
        receipt_verify(&im->ws->keys[0]->pub, text.data, text.len, out, &check, d) < 0 ||
        fs_write_atomic(out, text.data, text.len, 0644, d) < 0)
        goto done;
    printf("peeradmin: receipt written to %s: %zu envelope%s held, %zu to discard (signed with "
           "%zu key%s)\n",
           out, check.nheld, check.nheld == 1 ? "" : "s", check.ndiscard, im->ws->nkeys,
           im->ws->nkeys == 1 ? "" : "s");
    rc = 0;
done:
    receipt_free(&check);
    buf_free(&text);
    return rc;
}

static void import_free(struct import *im)
{
    sodium_free(im->scratch);
    formspec_free(im->schema);
    free(im->held.ids);
    free(im->discard.ids);
}

static int cmd_import(const struct cli *c, struct diag *d)
{
    const char *receipt = cli_get(c, "receipt");
    struct workspace ws = {0};
    struct import im = {.ws = &ws, .d = d, .scratch = secmem_alloc(ENVELOPE_MAX)};
    char **data = NULL;
    size_t *lens = NULL;
    int rc = CLI_FAIL;
    if (cli_count(c, "discard") && !receipt) {
        diag_error(d, "--discard", 0, 0, "--discard is written into the receipt: give --receipt");
        goto out;
    }
    /* The site's form (--site or the workspace's copy) checks the fields too. */
    if (read_inputs(c, &data, &lens, d) < 0 ||
        workspace_open(c, WS_DB | WS_SITE_MAYBE, &ws, d) < 0 ||
        (ws.has_site && formspec_load(ws.site_dir, &im.schema, d) < 0))
        goto out;
    im.db = ws.db;
    const char *db = ws.db_path;
    if (intake_begin(im.db, d) < 0)
        goto out;
    scan_inputs(&im, c, data, lens);
    char detail[96];
    snprintf(detail, sizeof detail, "%ld new, %ld already present, %ld skipped (%ld to discard)",
             im.added, im.already, im.skipped, im.discarded);
    if (im.fatal || add_discards(&im, c, d) < 0 || intake_log(im.db, "import", 0, detail, d) < 0 ||
        intake_commit(im.db, d) < 0) {
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
    if (receipt && write_receipt(&im, receipt, d) < 0) {
        diag_error(d, receipt, 0, 0,
                   "the requests are imported, but no receipt was written: import the same "
                   "inputs again with --receipt");
        rc = CLI_FAIL;
    }
out:
    free_inputs(c->noperands, data, lens);
    import_free(&im);
    workspace_close(&ws);
    return rc;
}

/* A receipt without importing: the envelopes of the inputs that the
 * database already holds, and the ids given with --discard. */
static int cmd_receipt(const struct cli *c, struct diag *d)
{
    struct workspace ws = {0};
    struct import im = {.ws = &ws, .d = d, .receipt_only = 1};
    const char *out = cli_get(c, "out");
    char **data = NULL;
    size_t *lens = NULL;
    int rc = CLI_FAIL;
    if (c->noperands == 0 && cli_count(c, "discard") == 0) {
        diag_error(d, "INPUT", 0, 0,
                   "a receipt covers the bundles or mail it names, and the ids given with "
                   "--discard: give at least one");
        goto out;
    }
    if (read_inputs(c, &data, &lens, d) < 0 || workspace_open(c, WS_DB, &ws, d) < 0)
        goto out;
    im.db = ws.db;
    scan_inputs(&im, c, data, lens);
    if (im.fatal || add_discards(&im, c, d) < 0)
        goto out;
    if (im.missing)
        fprintf(stderr,
                "peeradmin: note: %ld envelope%s in the inputs %s not in the database and %s not "
                "listed (import %s first)\n",
                im.missing, im.missing == 1 ? "" : "s", im.missing == 1 ? "is" : "are",
                im.missing == 1 ? "is" : "are", im.missing == 1 ? "it" : "them");
    if (write_receipt(&im, out, d) < 0)
        goto out;
    char detail[64];
    snprintf(detail, sizeof detail, "%zu listed as held, %zu to discard", im.held.n, im.discard.n);
    if (intake_begin(im.db, d) < 0 || intake_log(im.db, "receipt", 0, detail, d) < 0 ||
        intake_commit(im.db, d) < 0) {
        intake_rollback(im.db);
        goto out;
    }
    rc = CLI_OK;
out:
    free_inputs(c->noperands, data, lens);
    import_free(&im);
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
    {"discard", CLI_REPEAT, 0, 0},
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
    {"import", cmd_import, "", SITE " receipt discard", 1, 1 << 20},
    {"receipt", cmd_receipt, "out", KEYS " discard", 0, 1 << 20},
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
