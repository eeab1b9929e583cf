/* seal_raw: seals any bytes read from standard input to admin.pub and writes
 * the armored envelope, exactly as anyone holding the public key could: no
 * form, no checks. Tests use it to make hostile but well-sealed requests.
 *
 *   seal_raw ADMIN_PUB < plaintext > request.txt */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "envelope.h"
#include "pubkey.h"
#include "xalloc.h"

int main(int argc, char **argv)
{
    if (argc != 2) {
        fputs("usage: seal_raw ADMIN_PUB < plaintext\n", stderr);
        return 2;
    }
    struct diag d = DIAG_INIT;
    struct pubkey pk;
    if (sodium_init() < 0 || pubkey_load(argv[1], &pk, &d) < 0) {
        diag_print(&d, stderr);
        return 1;
    }
    size_t cap = 65535;
    unsigned char *plain = xmalloc(cap);
    size_t n = fread(plain, 1, cap, stdin);
    size_t bucket = envelope_bucket(n), padded;
    unsigned char *buf = xcalloc(1, bucket);
    memcpy(buf, plain, n);
    sodium_pad(&padded, buf, n, bucket, bucket);
    size_t len = ENVELOPE_HEADER + crypto_box_SEALBYTES + padded;
    unsigned char *env = xmalloc(len);
    memcpy(env, ENVELOPE_MAGIC, 4);
    env[4] = ENVELOPE_VERSION;
    memcpy(env + 5, pk.key_id, PUBKEY_ID_BYTES);
    crypto_box_seal(env + ENVELOPE_HEADER, buf, padded, pk.box_pk);
    struct buf out = BUF_INIT;
    envelope_armor(env, len, &out);
    fwrite(out.data, 1, out.len, stdout);
    buf_free(&out);
    free(env);
    free(buf);
    free(plain);
    return 0;
}
