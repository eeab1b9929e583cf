/* peerkiosk: the kiosk side of sealed requests: seal and spool submissions,
 * export them for the administrator, and forget them once a signed receipt
 * says they are safe. The kiosk never holds a key that can read a request. */
#include <libgen.h>
#include <pthread.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bundle.h"
#include "cli.h"
#include "confine.h"
#include "drop.h"
#include "diag.h"
#include "envelope.h"
#include "formspec.h"
#include "fsutil.h"
#include "pubkey.h"
#include "receipt.h"
#include "secmem.h"
#include "server.h"
#include "sitekey.h"
#include "spool.h"

static const char usage[] =
    "usage: peerkiosk submit --site DIR --pubkey FILE --spool FILE [--kiosk-id ID] < values.json\n"
    "       peerkiosk export --spool FILE --out BUNDLE\n"
    "       peerkiosk status --spool FILE [--json]\n"
    "       peerkiosk ack --spool FILE --pubkey FILE --receipt FILE\n"
    "       peerkiosk serve --site DIR --pubkey FILE --spool FILE [--listen ADDR:PORT]\n"
    "                       [--kiosk-id ID] [--rate N] [--timeout SECONDS]\n"
    "                       [--deadline SECONDS]\n"
    "       peerkiosk drop --pubkey FILE --spool FILE [--listen ADDR:PORT]\n"
    "                      [--allow-origin ORIGIN]... [--trusted-proxy ADDRESS]...\n"
    "                      [--rate N] [--timeout SECONDS] [--deadline SECONDS]\n"
    "       peerkiosk --help | --version\n";

/* The directory holding the spool (SQLite writes its journal and WAL next to
 * it), for confinement. Caller frees. */
static char *spool_dir(const char *spool)
{
    char *copy = strdup(spool);
    if (!copy)
        abort();
    char *dir = strdup(dirname(copy));
    free(copy);
    if (!dir)
        abort();
    return dir;
}

/* Confines the server's process: file access before its threads start,
 * system calls once it listens (confine.h). */
static int confine_before_start(const char *site, const char *spool, struct diag *d)
{
    char *dir = spool_dir(spool);
    int landlock;
    int rc = confine_paths(site, dir, &landlock, d);
    free(dir);
    return rc;
}

/* The channel sealed with each request: "kiosk:<id>". */
static int kiosk_channel(const struct cli *c, char channel[48], struct diag *d)
{
    const char *id = cli_get(c, "kiosk-id");
    snprintf(channel, 48, "kiosk:%s", id ? id : "kiosk");
    if (strlen(id ? id : "") > 32 || !envelope_channel_valid(channel)) {
        diag_error(d, "--kiosk-id", 0, 0, "use 1 to 32 letters, digits, '.', '_' or '-'");
        return -1;
    }
    return 0;
}

static int cmd_submit(const struct cli *c, struct diag *d)
{
    struct pubkey pk;
    struct formspec *schema = NULL;
    struct spool *spool = NULL;
    json_t *values = NULL, *fields = NULL;
    unsigned char *env = NULL;
    size_t env_len, cap = 256 * 1024, len = 0;
    char *input = secmem_alloc(cap + 1), channel[48], ref[16];
    int rc = -1;
    const char *site = cli_get(c, "site");
    if (kiosk_channel(c, channel, d) < 0 || pubkey_load(cli_get(c, "pubkey"), &pk, d) < 0 ||
        sitekey_check_file(site, &pk, d) < 0 || formspec_load(site, &schema, d) < 0)
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
    if (formspec_validate(schema, values, &fields, d) < 0)
        goto out;
    if (envelope_seal(&pk, formspec_hash(schema), schema, channel, fields, ref, &env, &env_len, d))
        goto out;
    if (spool_open(cli_get(c, "spool"), SPOOL_CREATE, &spool, d) < 0 ||
        spool_add(spool, env, env_len, d) < 0)
        goto out;
    printf("%s\n", ref);
    rc = 0;
out:
    json_decref(values);
    json_decref(fields);
    sodium_free(input);
    free(env);
    spool_close(spool);
    formspec_free(schema);
    return rc;
}

struct export
{
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

static int cmd_export(const struct cli *c, struct diag *d)
{
    struct spool *spool = NULL;
    struct export e = {BUF_INIT, 0};
    int rc = -1;
    const char *out = cli_get(c, "out");
    if (spool_open(cli_get(c, "spool"), SPOOL_READ, &spool, d) < 0)
        goto out;
    bundle_begin(&e.out);
    if (spool_foreach(spool, add_to_bundle, &e, d) < 0)
        goto out;
    bundle_end(&e.out);
    if (fs_write_atomic(out, e.out.data, e.out.len, 0600, d) < 0)
        goto out;
    printf("peerkiosk: exported %ld sealed request%s to %s\n", e.n, e.n == 1 ? "" : "s", out);
    rc = 0;
out:
    buf_free(&e.out);
    spool_close(spool);
    return rc;
}

static int cmd_status(const struct cli *c, struct diag *d)
{
    struct spool *spool = NULL;
    long pending;
    char oldest[11];
    int rc = -1;
    if (spool_open(cli_get(c, "spool"), SPOOL_READ, &spool, d) < 0 ||
        spool_status(spool, &pending, oldest, d) < 0)
        goto out;
    if (cli_flag(c, "json")) {
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

/* Deletes what a receipt signed with --pubkey's key lists: the envelopes the
 * administrator holds, and those released because no import can take them. */
static int cmd_ack(const struct cli *c, struct diag *d)
{
    struct pubkey pk;
    struct spool *spool = NULL;
    struct receipt r = {0};
    char *text = NULL;
    size_t len;
    long held = 0, discarded = 0;
    int rc = -1;
    const char *receipt = cli_get(c, "receipt");
    if (pubkey_load(cli_get(c, "pubkey"), &pk, d) < 0 ||
        fs_read_file(receipt, 512u << 20, &text, &len, d) < 0 ||
        receipt_verify(&pk, text, len, receipt, &r, d) < 0 ||
        spool_open(cli_get(c, "spool"), SPOOL_WRITE, &spool, d) < 0 ||
        spool_delete(spool, r.held, r.nheld, &held, d) < 0 ||
        spool_delete(spool, r.discard, r.ndiscard, &discarded, d) < 0)
        goto out;
    printf("peerkiosk: receipt verified; deleted %ld envelope%s (%zu listed)", held,
           held == 1 ? "" : "s", r.nheld);
    if (r.version >= 2)
        printf("; discarded %ld the administrator can never import (%zu listed)", discarded,
               r.ndiscard);
    printf("\n");
    rc = 0;
out:
    free(text);
    receipt_free(&r);
    spool_close(spool);
    return rc;
}

static int cmd_serve(const struct cli *cl, struct diag *d)
{
    struct server_config c;
    char channel[48];
    server_config_defaults(&c);
    c.site = cli_get(cl, "site");
    c.spool = cli_get(cl, "spool");
    c.kiosk_id = cli_get(cl, "kiosk-id") ? cli_get(cl, "kiosk-id") : "kiosk";
    c.listen = cli_get(cl, "listen") ? cli_get(cl, "listen") : "127.0.0.1:8080";
    c.rate_per_minute = (unsigned)cli_number(cl, "rate", (long)c.rate_per_minute);
    c.timeout_seconds = (unsigned)cli_number(cl, "timeout", (long)c.timeout_seconds);
    c.deadline_seconds = (unsigned)cli_number(cl, "deadline", (long)c.deadline_seconds);
    if (kiosk_channel(cl, channel, d) < 0 || pubkey_load(cli_get(cl, "pubkey"), &c.pubkey, d) < 0 ||
        sitekey_check_file(c.site, &c.pubkey, d) < 0)
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
    if (confine_before_start(c.site, c.spool, d) < 0 || server_start(&c, &s, d) < 0)
        return -1;
    if (confine_syscalls(d) < 0) {
        server_stop(s, 0);
        return -1;
    }
    printf("peerkiosk: serving %s on port %u for key %s (fingerprint %s)\n", c.site,
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

/* Blocks SIGTERM and SIGINT for sigwait (before any thread starts); a full
 * disk must fail a write (and answer 503), not kill the server. */
static void block_stop_signals(sigset_t *stop)
{
    sigemptyset(stop);
    sigaddset(stop, SIGTERM);
    sigaddset(stop, SIGINT);
    pthread_sigmask(SIG_BLOCK, stop, NULL);
    signal(SIGPIPE, SIG_IGN);
    signal(SIGXFSZ, SIG_IGN);
}

/* The drop box for submit_url: no site, only POST /drop of envelopes for
 * --pubkey's key, into the spool. */
static int cmd_drop(const struct cli *cl, struct diag *d)
{
    struct drop_config c;
    drop_config_defaults(&c);
    const char *listen = cli_get(cl, "listen") ? cli_get(cl, "listen") : "127.0.0.1:8090";
    c.rate_per_minute = (unsigned)cli_number(cl, "rate", (long)c.rate_per_minute);
    c.timeout_seconds = (unsigned)cli_number(cl, "timeout", (long)c.timeout_seconds);
    c.deadline_seconds = (unsigned)cli_number(cl, "deadline", (long)c.deadline_seconds);
    c.norigins = cli_count(cl, "allow-origin");
    c.nproxies = cli_count(cl, "trusted-proxy");
    if (c.norigins > DROP_MAX_ORIGINS || c.nproxies > DROP_MAX_PROXIES) {
        diag_error(d, c.norigins > DROP_MAX_ORIGINS ? "--allow-origin" : "--trusted-proxy", 0, 0,
                   "given too often (at most %d)",
                   c.norigins > DROP_MAX_ORIGINS ? DROP_MAX_ORIGINS : DROP_MAX_PROXIES);
        return -1;
    }
    for (size_t i = 0; i < c.norigins; i++)
        c.origins[i] = cli_at(cl, "allow-origin", i);
    for (size_t i = 0; i < c.nproxies; i++)
        c.proxies[i] = cli_at(cl, "trusted-proxy", i);
    if (pubkey_load(cli_get(cl, "pubkey"), &c.pubkey, d) < 0)
        return -1;
    sigset_t stop;
    block_stop_signals(&stop);
    struct drop_server *s;
    if (confine_before_start(NULL, cli_get(cl, "spool"), d) < 0 ||
        drop_start(&c, listen, cli_get(cl, "spool"), &s, d) < 0)
        return -1;
    if (confine_syscalls(d) < 0) {
        drop_stop(s, 0);
        return -1;
    }
    printf("peerkiosk: drop box listening on port %u for key %s (fingerprint %s), %zu allowed "
           "origin%s\n",
           (unsigned)drop_port(s), c.pubkey.key_id_hex, c.pubkey.fingerprint, c.norigins,
           c.norigins == 1 ? "" : "s");
    fflush(stdout);
    int sig = 0;
    sigwait(&stop, &sig);
    printf("peerkiosk: stopping: finishing requests in flight\n");
    fflush(stdout);
    drop_stop(s, 10);
    printf("peerkiosk: stopped\n");
    return 0;
}

/* The long-running server warns when it cannot lock its memory. */
static int init(const struct cli_verb *verb)
{
    if (secmem_init(strcmp(verb->name, "serve") != 0 && strcmp(verb->name, "drop") != 0) < 0) {
        fputs("peerkiosk: cannot initialise libsodium\n", stderr);
        return -1;
    }
    return 0;
}

static const struct cli_option options[] = {
    {"site", CLI_VALUE, 0, 0},
    {"pubkey", CLI_VALUE, 0, 0},
    {"spool", CLI_VALUE, 0, 0},
    {"kiosk-id", CLI_VALUE, 0, 0},
    {"out", CLI_VALUE, 0, 0},
    {"receipt", CLI_VALUE, 0, 0},
    {"json", CLI_FLAG, 0, 0},
    {"listen", CLI_VALUE, 0, 0},
    {"rate", CLI_NUMBER, 0, 1000000},
    {"timeout", CLI_NUMBER, 1, 3600},
    {"deadline", CLI_NUMBER, 1, 3600},
    {"allow-origin", CLI_REPEAT, 0, 0},
    {"trusted-proxy", CLI_REPEAT, 0, 0},
    {NULL, 0, 0, 0},
};

static const struct cli_verb verbs[] = {
    {"submit", cmd_submit, "site pubkey spool", "kiosk-id", 0, 0},
    {"export", cmd_export, "spool out", "", 0, 0},
    {"status", cmd_status, "spool", "json", 0, 0},
    {"ack", cmd_ack, "spool pubkey receipt", "", 0, 0},
    {"serve", cmd_serve, "site pubkey spool", "listen kiosk-id rate timeout deadline", 0, 0},
    {"drop", cmd_drop, "pubkey spool", "listen allow-origin trusted-proxy rate timeout deadline", 0,
     0},
    {NULL, NULL, NULL, NULL, 0, 0},
};

static const struct cli_program program = {"peerkiosk", "0.1.0", usage, options, verbs, init};

int main(int argc, char **argv)
{
    return cli_main(&program, argc, argv);
}
