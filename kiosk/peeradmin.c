/* peeradmin: the administrator's side of sealed requests, on an offline
 * machine: make the key pair, import sealed requests into the intake
 * database, sign receipts for the kiosk, and read what was imported.
 * The secret keys and every decrypted request stay in sodium_malloc memory. */
#include <getopt.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bundle.h"
#include "diag.h"
#include "envelope.h"
#include "form.h"
#include "fsutil.h"
#include "intake.h"
#include "keys.h"
#include "receipt.h"
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

/* Exit statuses: 3 = some envelopes were skipped (import). */
enum { EXIT_OK = 0, EXIT_FATAL = 1, EXIT_USAGE = 2, EXIT_PARTIAL = 3 };

struct args {
    const char *out, *db, *receipt, *site;
    const char *keys[MAX_KEYS], *passfiles[MAX_KEYS];
    size_t nkeys, npassfiles;
    int json;
    char **rest;
    int nrest;
};

static int parse(int argc, char **argv, struct args *a)
{
    static const struct option opts[] = {
        {"out", required_argument, NULL, 'o'},  {"db", required_argument, NULL, 'd'},
        {"key", required_argument, NULL, 'k'},  {"passphrase-file", required_argument, NULL, 'P'},
        {"receipt", required_argument, NULL, 'r'}, {"site", required_argument, NULL, 's'},
        {"json", no_argument, NULL, 'j'},       {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    memset(a, 0, sizeof *a);
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'o': a->out = optarg; break;
        case 'd': a->db = optarg; break;
        case 'r': a->receipt = optarg; break;
        case 's': a->site = optarg; break;
        case 'j': a->json = 1; break;
        case 'k':
            if (a->nkeys == MAX_KEYS) {
                fprintf(stderr, "peeradmin: at most %d --key options\n", MAX_KEYS);
                return EXIT_USAGE;
            }
            a->keys[a->nkeys++] = optarg;
            break;
        case 'P':
            if (a->npassfiles == MAX_KEYS) {
                fprintf(stderr, "peeradmin: at most %d --passphrase-file options\n", MAX_KEYS);
                return EXIT_USAGE;
            }
            a->passfiles[a->npassfiles++] = optarg;
            break;
        case 'h': fputs(usage, stdout); exit(0);
        default: return EXIT_USAGE;
        }
    }
    a->rest = argv + optind;
    a->nrest = argc - optind;
    return 0;
}

static int need(const char *value, const char *name)
{
    if (value)
        return 0;
    fprintf(stderr, "peeradmin: %s is required\n", name);
    return 1;
}

/* The keys, loaded and decrypted. One --passphrase-file serves every key;
 * several are matched to the keys in order; without one, the terminal asks
 * for each key. */
struct keyring {
    struct adminkey *k[MAX_KEYS];
    size_t n;
};

static int keyring_load(const struct args *a, struct keyring *ring, struct diag *d)
{
    ring->n = 0;
    if (a->nkeys == 0) {
        diag_error(d, "--key", 0, 0, "at least one key file is required");
        return -1;
    }
    if (a->npassfiles > 1 && a->npassfiles != a->nkeys) {
        diag_error(d, "--passphrase-file", 0, 0, "give one passphrase file for all keys, or one "
                   "per --key (%zu keys, %zu files)", a->nkeys, a->npassfiles);
        return -1;
    }
    for (size_t i = 0; i < a->nkeys; i++) {
        const char *file = a->npassfiles == 0 ? NULL : a->passfiles[a->npassfiles == 1 ? 0 : i];
        struct passphrase pass;
        if (passphrase_read(file, a->keys[i], 0, &pass, d) < 0)
            return -1;
        int rc = keys_load(a->keys[i], &pass, &ring->k[ring->n], d);
        passphrase_free(&pass);
        if (rc < 0)
            return -1;
        for (size_t j = 0; j < ring->n; j++)
            if (!memcmp(ring->k[j]->pub.key_id, ring->k[ring->n]->pub.key_id, PUBKEY_ID_BYTES)) {
                diag_error(d, a->keys[i], 0, 0, "the same key is given twice");
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

static int cmd_keygen(struct args *a, struct diag *d)
{
    struct passphrase pass;
    if (a->npassfiles > 1) {
        diag_error(d, "--passphrase-file", 0, 0, "keygen takes one passphrase file");
        return EXIT_USAGE;
    }
    if (passphrase_read(a->npassfiles ? a->passfiles[0] : NULL, "the new key", 1, &pass, d) < 0)
        return EXIT_FATAL;
    struct adminkey *k = keys_generate();
    int rc = keys_save(a->out, k, &pass, d);
    passphrase_free(&pass);
    if (rc == 0) {
        printf("peeradmin: wrote %s/admin.key (secret, keep it offline) and %s/admin.pub\n"
               "key id:      %s\nfingerprint: %s\n"
               "Copy admin.pub to content/keys/admin.pub and to the kiosk; compare the "
               "fingerprint shown on the site's request page with the one above.\n",
               a->out, a->out, k->pub.key_id_hex, k->pub.fingerprint);
    }
    keys_free(k);
    return rc == 0 ? EXIT_OK : EXIT_FATAL;
}

/* One import run: every envelope from every input goes through take(). */
struct import {
    struct keyring *ring;
    struct intake *db;
    struct form_schema *schema; /* --site: validate fields too */
    unsigned char *scratch;     /* secure memory for one plaintext, reused */
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
    if (envelope_open_into(im->ring->k, im->ring->n, im->scratch, env, len, &plain, &text_len,
                           &why) < 0) {
        skip(im, what, pos, line, diag_first(&why));
        goto out;
    }
    if (im->schema) {
        if (strcmp(json_string_value(json_object_get(plain, "schema")),
                   form_schema_hash(im->schema))) {
            im->schema_mismatch++;
        } else if (form_validate(im->schema, json_object_get(plain, "fields"), &normalized,
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

static int write_receipt(struct keyring *ring, struct intake *db, const char *out, size_t *count,
                         struct diag *d)
{
    unsigned char(*ids)[ENVELOPE_ID_BYTES] = NULL;
    size_t n = 0;
    struct buf text = BUF_INIT;
    int rc = -1;
    if (intake_ids(db, &ids, &n, d) < 0 || receipt_write(ring->k[0], ids, n, &text, d) < 0 ||
        fs_write_atomic(out, text.data, text.len, 0644, d) < 0)
        goto done;
    *count = n;
    rc = 0;
done:
    free(ids);
    buf_free(&text);
    return rc;
}

static int cmd_import(struct args *a, struct diag *d)
{
    struct keyring ring = {{NULL}, 0};
    struct import im = {.ring = &ring, .d = d, .scratch = secmem_alloc(ENVELOPE_MAX)};
    char **data = calloc((size_t)a->nrest, sizeof *data);
    size_t *lens = calloc((size_t)a->nrest, sizeof *lens);
    int rc = EXIT_FATAL;
    if (!data || !lens)
        abort();
    /* Read every input first: an unreadable one stops the run before anything is imported. */
    for (int i = 0; i < a->nrest; i++)
        if (fs_read_file(a->rest[i], INPUT_MAX_BYTES, &data[i], &lens[i], d) < 0)
            goto out;
    if (keyring_load(a, &ring, d) < 0 || (a->site && form_schema_load(a->site, &im.schema, d) < 0)
        || intake_open(a->db, ring.k, ring.n, &im.db, d) < 0 || intake_begin(im.db, d) < 0)
        goto out;
    for (int i = 0; i < a->nrest && !im.fatal; i++) {
        const unsigned char *bytes = (const unsigned char *)data[i];
        im.input = a->rest[i];
        long before = im.skipped;
        if (bundle_detect(bytes, lens[i])) {
            struct diag whole = DIAG_INIT;
            bundle_read(bytes, lens[i], a->rest[i], take_record, &im, &whole);
            /* A damaged end or count means envelopes may be missing: partial. */
            if (whole.nerrors && im.skipped == before)
                im.skipped++;
            diag_print(&whole, stderr);
            diag_free(&whole);
        } else if (envelope_dearmor(data[i], lens[i], take_armored, &im) == 0) {
            diag_warn(d, a->rest[i], 0, 0, "no sealed requests found (neither a bundle nor "
                      "armored requests)");
        }
    }
    if (im.fatal || intake_commit(im.db, d) < 0) {
        intake_rollback(im.db);
        diag_error(d, a->db, 0, 0, "nothing was imported");
        goto out;
    }
    printf("peeradmin: imported %ld new request%s (%ld already present, %ld skipped)\n", im.added,
           im.added == 1 ? "" : "s", im.already, im.skipped);
    if (im.schema_mismatch)
        fprintf(stderr, "peeradmin: note: %ld request%s sealed with another version of the form "
                "%s checked for structure only\n", im.schema_mismatch,
                im.schema_mismatch == 1 ? "" : "s", im.schema_mismatch == 1 ? "was" : "were");
    rc = im.skipped ? EXIT_PARTIAL : EXIT_OK;
    if (a->receipt) {
        size_t n;
        if (write_receipt(&ring, im.db, a->receipt, &n, d) < 0) {
            diag_error(d, a->receipt, 0, 0, "the requests are imported, but no receipt was "
                       "written: run peeradmin receipt");
            rc = EXIT_FATAL;
        } else {
            printf("peeradmin: receipt for %zu envelope%s written to %s\n", n, n == 1 ? "" : "s",
                   a->receipt);
        }
    }
out:
    for (int i = 0; i < a->nrest; i++)
        free(data[i]);
    free(data);
    free(lens);
    intake_close(im.db);
    sodium_free(im.scratch);
    form_schema_free(im.schema);
    keyring_free(&ring);
    return rc;
}

static int cmd_receipt(struct args *a, struct diag *d)
{
    struct keyring ring = {{NULL}, 0};
    struct intake *db = NULL;
    size_t n;
    int rc = EXIT_FATAL;
    if (keyring_load(a, &ring, d) < 0 || intake_open(a->db, ring.k, ring.n, &db, d) < 0 ||
        write_receipt(&ring, db, a->out, &n, d) < 0)
        goto out;
    printf("peeradmin: receipt for %zu envelope%s written to %s\n", n, n == 1 ? "" : "s", a->out);
    rc = EXIT_OK;
out:
    intake_close(db);
    keyring_free(&ring);
    return rc;
}

/* Prints a value as text: lists joined with ", ". */
static void print_value(json_t *v)
{
    if (json_is_string(v)) {
        fputs(json_string_value(v), stdout);
        return;
    }
    size_t i;
    json_t *item;
    json_array_foreach(v, i, item) {
        printf("%s%s", i ? ", " : "", json_string_value(item));
    }
}

static void print_json(json_t *v)
{
    json_dumpf(v, stdout, JSON_INDENT(2) | JSON_ENSURE_ASCII);
    putchar('\n');
}

static int cmd_list(struct args *a, struct diag *d)
{
    struct keyring ring = {{NULL}, 0};
    struct intake *db = NULL;
    json_t *all = NULL;
    int rc = EXIT_FATAL;
    if (keyring_load(a, &ring, d) < 0 || intake_open(a->db, ring.k, ring.n, &db, d) < 0 ||
        !(all = intake_list(db, d)))
        goto out;
    if (a->json) {
        print_json(all);
    } else {
        size_t i;
        json_t *r;
        printf("%-5s %-20s %-9s %-10s %s\n", "ID", "SUBMITTED", "REFERENCE", "STATUS",
               "CHANNEL");
        json_array_foreach(all, i, r) {
            printf("%-5lld %-20s %-9s %-10s %s\n",
                   (long long)json_integer_value(json_object_get(r, "id")),
                   json_string_value(json_object_get(r, "submitted")),
                   json_string_value(json_object_get(r, "reference")),
                   json_string_value(json_object_get(r, "status")),
                   json_string_value(json_object_get(r, "channel")));
        }
        printf("%zu request%s\n", json_array_size(all), json_array_size(all) == 1 ? "" : "s");
    }
    rc = EXIT_OK;
out:
    json_decref(all);
    intake_close(db);
    keyring_free(&ring);
    return rc;
}

static int cmd_show(struct args *a, struct diag *d)
{
    struct keyring ring = {{NULL}, 0};
    struct intake *db = NULL;
    json_t *r = NULL;
    char *end;
    long id = a->nrest == 1 ? strtol(a->rest[0], &end, 10) : 0;
    int rc = EXIT_FATAL;
    if (a->nrest != 1 || *end || id <= 0) {
        diag_error(d, "ID", 0, 0, "show takes one request id (a positive number, from list)");
        return EXIT_USAGE;
    }
    if (keyring_load(a, &ring, d) < 0 || intake_open(a->db, ring.k, ring.n, &db, d) < 0 ||
        !(r = intake_get(db, id, d)))
        goto out;
    if (a->json) {
        print_json(r);
    } else {
        static const char *const meta[] = {"id", "reference", "status", "channel", "submitted",
                                           "received", "envelope_id", NULL};
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
        json_object_foreach(json_object_get(r, "fields"), key, v) {
            printf("%s: ", key);
            print_value(v);
            putchar('\n');
        }
    }
    rc = EXIT_OK;
out:
    json_decref(r);
    intake_close(db);
    keyring_free(&ring);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fputs(usage, stderr);
        return EXIT_USAGE;
    }
    const char *verb = argv[1];
    if (!strcmp(verb, "-h") || !strcmp(verb, "--help")) {
        fputs(usage, stdout);
        return EXIT_OK;
    }
    if (!strcmp(verb, "--version")) {
        puts("peeradmin 0.1.0");
        return EXIT_OK;
    }
    struct args a;
    if (parse(argc - 1, argv + 1, &a)) {
        fputs(usage, stderr);
        return EXIT_USAGE;
    }
    if (secmem_init(0) < 0) {
        fputs("peeradmin: cannot initialise libsodium\n", stderr);
        return EXIT_FATAL;
    }
    struct diag d = DIAG_INIT;
    int rc;
    int takes_rest = !strcmp(verb, "import") || !strcmp(verb, "show");
    if (!takes_rest && a.nrest) {
        fprintf(stderr, "peeradmin: unexpected argument \"%s\"\n%s", a.rest[0], usage);
        return EXIT_USAGE;
    }
    if (!strcmp(verb, "keygen")) {
        rc = need(a.out, "--out") ? EXIT_USAGE : cmd_keygen(&a, &d);
    } else if (!strcmp(verb, "import")) {
        if (need(a.db, "--db"))
            return EXIT_USAGE;
        if (a.nrest == 0) {
            fprintf(stderr, "peeradmin: import needs at least one INPUT file\n%s", usage);
            return EXIT_USAGE;
        }
        rc = cmd_import(&a, &d);
    } else if (!strcmp(verb, "receipt")) {
        rc = need(a.db, "--db") || need(a.out, "--out") ? EXIT_USAGE : cmd_receipt(&a, &d);
    } else if (!strcmp(verb, "list")) {
        rc = need(a.db, "--db") ? EXIT_USAGE : cmd_list(&a, &d);
    } else if (!strcmp(verb, "show")) {
        rc = need(a.db, "--db") ? EXIT_USAGE : cmd_show(&a, &d);
    } else {
        fprintf(stderr, "peeradmin: unknown command \"%s\"\n%s", verb, usage);
        return EXIT_USAGE;
    }
    diag_print(&d, stderr);
    diag_free(&d);
    return rc;
}
