/* open_loop: the peer that `make bench-import` measures peeradmin import
 * against: a plain loop of crypto_box_seal_open over every envelope of a
 * bundle, nothing else (no parsing, no database). Prints the seconds the loop
 * took and the number opened.
 *
 *   open_loop --key admin.key --passphrase-file F BUNDLE
 */
#include <getopt.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bundle.h"
#include "envelope.h"
#include "fsutil.h"
#include "keys.h"
#include "secmem.h"

struct loaded {
    const unsigned char **env;
    size_t *len;
    size_t n, cap;
};

static void collect(void *ctx, size_t pos, const unsigned char *env, size_t len,
                    const unsigned char *id, const char *problem)
{
    (void)pos;
    (void)id;
    (void)problem;
    struct loaded *l = ctx;
    if (!env)
        return;
    if (l->n == l->cap) {
        l->cap = l->cap ? 2 * l->cap : 1024;
        l->env = realloc(l->env, l->cap * sizeof *l->env);
        l->len = realloc(l->len, l->cap * sizeof *l->len);
        if (!l->env || !l->len)
            abort();
    }
    l->env[l->n] = env;
    l->len[l->n++] = len;
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"key", required_argument, NULL, 'k'},
        {"passphrase-file", required_argument, NULL, 'P'},
        {NULL, 0, NULL, 0},
    };
    const char *keyfile = NULL, *passfile = NULL;
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (c == 'k')
            keyfile = optarg;
        else if (c == 'P')
            passfile = optarg;
        else
            return 2;
    }
    if (!keyfile || !passfile || optind + 1 != argc) {
        fputs("usage: open_loop --key admin.key --passphrase-file F BUNDLE\n", stderr);
        return 2;
    }
    secmem_init(1);
    struct diag d = DIAG_INIT;
    struct passphrase pass;
    struct adminkey *k = NULL;
    struct loaded l = {NULL, NULL, 0, 0};
    char *data = NULL;
    size_t data_len;
    int rc = 1;
    if (passphrase_read(passfile, keyfile, 0, &pass, &d) < 0)
        goto done;
    int loaded = keys_load(keyfile, &pass, &k, &d);
    passphrase_free(&pass);
    if (loaded < 0 || fs_read_file(argv[optind], 1u << 30, &data, &data_len, &d) < 0 ||
        bundle_read((unsigned char *)data, data_len, argv[optind], collect, &l, &d) < 0)
        goto done;
    unsigned char *plain = secmem_alloc(ENVELOPE_MAX);
    size_t opened = 0;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (size_t i = 0; i < l.n; i++) {
        const unsigned char *c_text = l.env[i] + ENVELOPE_HEADER;
        size_t c_len = l.len[i] - ENVELOPE_HEADER;
        if (crypto_box_seal_open(plain, c_text, c_len, k->pub.box_pk, k->box_sk) == 0)
            opened++;
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    sodium_free(plain);
    printf("%.3f %zu\n", (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9, opened);
    rc = opened == l.n ? 0 : 1;
done:
    diag_print(&d, stderr);
    diag_free(&d);
    free(l.env);
    free(l.len);
    free(data);
    keys_free(k);
    return rc;
}
