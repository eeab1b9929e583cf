/* peerkiosk: the kiosk side of sealed requests: seal and spool submissions,
 * export them for the administrator, and forget them once a signed receipt
 * says they are safe. The kiosk never holds a key that can read a request. */
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bundle.h"
#include "diag.h"
#include "envelope.h"
#include "form.h"
#include "fsutil.h"
#include "pubkey.h"
#include "receipt.h"
#include "secmem.h"
#include "server.h"
#include "spool.h"

static const char usage[] =
    "usage: peerkiosk submit --site DIR --pubkey FILE --spool FILE [--kiosk-id ID] < values.json\n"
    "       peerkiosk export --spool FILE --out BUNDLE\n"
    "       peerkiosk status --spool FILE [--json]\n"
    "       peerkiosk ack --spool FILE --pubkey FILE --receipt FILE\n"
    "       peerkiosk serve --site DIR --pubkey FILE --spool FILE [--listen ADDR:PORT]\n"
    "                       [--kiosk-id ID] [--rate N] [--timeout SECONDS]\n"
    "       peerkiosk --help | --version\n";

struct args {
    const char *site, *pubkey, *spool, *kiosk_id, *out, *receipt, *listen;
    int json;
    long rate, timeout;
};

static int parse(int argc, char **argv, struct args *a)
{
    static const struct option opts[] = {
        {"site", required_argument, NULL, 's'},    {"pubkey", required_argument, NULL, 'p'},
        {"spool", required_argument, NULL, 'S'},   {"kiosk-id", required_argument, NULL, 'k'},
        {"out", required_argument, NULL, 'o'},     {"receipt", required_argument, NULL, 'r'},
        {"json", no_argument, NULL, 'j'},          {"help", no_argument, NULL, 'h'},
        {"listen", required_argument, NULL, 'l'},  {"rate", required_argument, NULL, 'R'},
        {"timeout", required_argument, NULL, 'T'},
        {NULL, 0, NULL, 0},
    };
    memset(a, 0, sizeof *a);
    a->kiosk_id = "kiosk";
    a->listen = "127.0.0.1:8080";
    a->rate = -1;
    a->timeout = -1;
    int c;
    char *end;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 's': a->site = optarg; break;
        case 'p': a->pubkey = optarg; break;
        case 'S': a->spool = optarg; break;
        case 'k': a->kiosk_id = optarg; break;
        case 'o': a->out = optarg; break;
        case 'r': a->receipt = optarg; break;
        case 'j': a->json = 1; break;
        case 'l': a->listen = optarg; break;
        case 'R':
            a->rate = strtol(optarg, &end, 10);
            if (*end || a->rate < 0 || a->rate > 1000000) {
                fprintf(stderr, "peerkiosk: --rate takes a number of requests per minute\n");
                return 2;
            }
            break;
        case 'T':
            a->timeout = strtol(optarg, &end, 10);
            if (*end || a->timeout < 1 || a->timeout > 3600) {
                fprintf(stderr, "peerkiosk: --timeout takes 1 to 3600 seconds\n");
                return 2;
            }
            break;
        case 'h': fputs(usage, stdout); exit(0);
        default: return 2;
        }
    }
    return optind == argc ? 0 : 2;
}

static int need(const char *value, const char *name)
{
    if (value)
        return 0;
    fprintf(stderr, "peerkiosk: %s is required\n%s", name, usage);
    return 2;
}

/* The kiosk must seal to the key the site was built with. */
static int check_site_key(const char *site, const struct pubkey *pk, struct diag *d)
{
    char *path = NULL;
    struct pubkey site_pk;
    int rc = 0;
    if (asprintf(&path, "%s/admin.pub", site) < 0)
        abort();
    if (fs_exists(path)) {
        if (pubkey_load(path, &site_pk, d) < 0)
            rc = -1;
        else if (memcmp(site_pk.key_id, pk->key_id, PUBKEY_ID_BYTES)) {
            diag_error(d, path, 0, 0, "the site shows key %s but --pubkey is key %s; refusing "
                       "to seal to a key the site does not show", site_pk.key_id_hex,
                       pk->key_id_hex);
            rc = -1;
        }
    }
    free(path);
    return rc;
}

static int valid_kiosk_id(const char *id)
{
    size_t n = strlen(id);
    if (n == 0 || n > 32)
        return 0;
    for (const char *p = id; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '-' || *p == '_' || *p == '.'))
            return 0;
    return 1;
}

static int cmd_submit(struct args *a, struct diag *d)
{
    struct pubkey pk;
    struct form_schema *schema = NULL;
    struct spool *spool = NULL;
    json_t *values = NULL, *fields = NULL;
    unsigned char *env = NULL;
    size_t env_len, cap = 256 * 1024, len = 0;
    char *input = secmem_alloc(cap + 1), channel[48], ref[16];
    int rc = -1;
    if (!valid_kiosk_id(a->kiosk_id)) {
        diag_error(d, "--kiosk-id", 0, 0, "use 1 to 32 letters, digits, '.', '_' or '-'");
        goto out;
    }
    snprintf(channel, sizeof channel, "kiosk:%s", a->kiosk_id);
    if (pubkey_load(a->pubkey, &pk, d) < 0 || check_site_key(a->site, &pk, d) < 0 ||
        form_schema_load(a->site, &schema, d) < 0)
        goto out;
    ssize_t n;
    while (len < cap && (n = read(0, input + len, cap - len)) > 0)
        len += (size_t)n;
    if (len == cap) {
        diag_error(d, "stdin", 0, 0, "the request is too large");
        goto out;
    }
    json_error_t err;
    values = json_loadb(input, len, JSON_REJECT_DUPLICATES, &err);
    if (!values) {
        diag_error(d, "stdin", err.line, err.column, "not valid JSON: %s", err.text);
        goto out;
    }
    if (form_validate(schema, values, &fields, d) < 0)
        goto out;
    if (envelope_seal(&pk, form_schema_hash(schema), channel, fields, ref, &env, &env_len, d) < 0 ||
        spool_open(a->spool, &spool, d) < 0 || spool_add(spool, env, env_len, d) < 0)
        goto out;
    printf("%s\n", ref);
    rc = 0;
out:
    json_decref(values);
    json_decref(fields);
    sodium_free(input);
    free(env);
    spool_close(spool);
    form_schema_free(schema);
    return rc;
}

struct export {
    struct buf out;
    long n;
};

static int add_to_bundle(void *ctx, const unsigned char *env, size_t len)
{
    struct export *e = ctx;
    bundle_add(&e->out, env, len);
    e->n++;
    return 0;
}

static int cmd_export(struct args *a, struct diag *d)
{
    struct spool *spool = NULL;
    struct export e = {BUF_INIT, 0};
    int rc = -1;
    if (spool_open(a->spool, &spool, d) < 0)
        goto out;
    bundle_begin(&e.out);
    if (spool_foreach(spool, add_to_bundle, &e, d) < 0)
        goto out;
    bundle_end(&e.out);
    if (fs_write_atomic(a->out, e.out.data, e.out.len, 0600, d) < 0)
        goto out;
    printf("peerkiosk: exported %ld sealed request%s to %s\n", e.n, e.n == 1 ? "" : "s", a->out);
    rc = 0;
out:
    buf_free(&e.out);
    spool_close(spool);
    return rc;
}

static int cmd_status(struct args *a, struct diag *d)
{
    struct spool *spool = NULL;
    long pending;
    char oldest[11];
    int rc = -1;
    if (spool_open(a->spool, &spool, d) < 0 || spool_status(spool, &pending, oldest, d) < 0)
        goto out;
    if (a->json) {
        json_t *o = json_pack("{s:I, s:s?}", "pending", (json_int_t)pending, "oldest_day",
                              oldest[0] ? oldest : NULL);
        char *s = json_dumps(o, JSON_COMPACT);
        printf("%s\n", s);
        free(s);
        json_decref(o);
    } else {
        printf("pending: %ld\n", pending);
        if (oldest[0])
            printf("oldest: %s\n", oldest);
    }
    rc = 0;
out:
    spool_close(spool);
    return rc;
}

static int cmd_ack(struct args *a, struct diag *d)
{
    struct pubkey pk;
    struct spool *spool = NULL;
    char *text = NULL;
    size_t len, n = 0;
    unsigned char(*ids)[ENVELOPE_ID_BYTES] = NULL;
    long deleted;
    int rc = -1;
    if (pubkey_load(a->pubkey, &pk, d) < 0 ||
        fs_read_file(a->receipt, 512u << 20, &text, &len, d) < 0 ||
        receipt_verify(&pk, text, len, a->receipt, &ids, &n, d) < 0 ||
        spool_open(a->spool, &spool, d) < 0 || spool_delete(spool, ids, n, &deleted, d) < 0)
        goto out;
    printf("peerkiosk: receipt verified; deleted %ld envelope%s (%zu listed)\n", deleted,
           deleted == 1 ? "" : "s", n);
    rc = 0;
out:
    free(text);
    free(ids);
    spool_close(spool);
    return rc;
}

static int cmd_serve(struct args *a, struct diag *d)
{
    struct server_config c;
    server_config_defaults(&c);
    c.site = a->site;
    c.spool = a->spool;
    c.kiosk_id = a->kiosk_id;
    c.listen = a->listen;
    if (a->rate >= 0)
        c.rate_per_minute = (unsigned)a->rate;
    if (a->timeout > 0)
        c.timeout_seconds = (unsigned)a->timeout;
    if (!valid_kiosk_id(a->kiosk_id)) {
        diag_error(d, "--kiosk-id", 0, 0, "use 1 to 32 letters, digits, '.', '_' or '-'");
        return -1;
    }
    if (pubkey_load(a->pubkey, &c.pubkey, d) < 0 || check_site_key(a->site, &c.pubkey, d) < 0)
        return -1;
    /* Signals are taken by sigwait below: block them before any thread starts.
     * A full disk must fail a write (and answer 503), not kill the server. */
    sigset_t stop;
    sigemptyset(&stop);
    sigaddset(&stop, SIGTERM);
    sigaddset(&stop, SIGINT);
    pthread_sigmask(SIG_BLOCK, &stop, NULL);
    signal(SIGPIPE, SIG_IGN);
    signal(SIGXFSZ, SIG_IGN);
    struct server *s;
    if (server_start(&c, &s, d) < 0)
        return -1;
    printf("peerkiosk: serving %s on port %u for key %s (fingerprint %s)\n", a->site,
           (unsigned)server_port(s), c.pubkey.key_id_hex, c.pubkey.fingerprint);
    fflush(stdout);
    int sig = 0;
    sigwait(&stop, &sig);
    printf("peerkiosk: stopping: finishing requests in flight\n");
    fflush(stdout);
    server_stop(s, 10);
    printf("peerkiosk: stopped\n");
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fputs(usage, stderr);
        return 2;
    }
    const char *verb = argv[1];
    if (!strcmp(verb, "-h") || !strcmp(verb, "--help")) {
        fputs(usage, stdout);
        return 0;
    }
    if (!strcmp(verb, "--version")) {
        puts("peerkiosk 0.1.0");
        return 0;
    }
    struct args a;
    if (parse(argc - 1, argv + 1, &a)) {
        fputs(usage, stderr);
        return 2;
    }
    /* The long-running server warns when it cannot lock its memory. */
    if (secmem_init(strcmp(verb, "serve") != 0) < 0) {
        fputs("peerkiosk: cannot initialise libsodium\n", stderr);
        return 1;
    }
    struct diag d = DIAG_INIT;
    int rc;
    if (!strcmp(verb, "submit")) {
        if ((rc = need(a.site, "--site") | need(a.pubkey, "--pubkey") | need(a.spool, "--spool")))
            return 2;
        rc = cmd_submit(&a, &d);
    } else if (!strcmp(verb, "export")) {
        if (need(a.spool, "--spool") || need(a.out, "--out"))
            return 2;
        rc = cmd_export(&a, &d);
    } else if (!strcmp(verb, "status")) {
        if (need(a.spool, "--spool"))
            return 2;
        rc = cmd_status(&a, &d);
    } else if (!strcmp(verb, "ack")) {
        if (need(a.spool, "--spool") || need(a.pubkey, "--pubkey") || need(a.receipt, "--receipt"))
            return 2;
        rc = cmd_ack(&a, &d);
    } else if (!strcmp(verb, "serve")) {
        if (need(a.site, "--site") || need(a.pubkey, "--pubkey") || need(a.spool, "--spool"))
            return 2;
        rc = cmd_serve(&a, &d);
    } else {
        fprintf(stderr, "peerkiosk: unknown command \"%s\"\n%s", verb, usage);
        return 2;
    }
    diag_print(&d, stderr);
    diag_free(&d);
    return rc < 0 ? 1 : 0;
}
