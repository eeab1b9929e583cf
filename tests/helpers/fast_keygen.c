/* fast_keygen: writes admin.key and admin.pub like `peeradmin keygen`, but
 * with libsodium's smallest Argon2id cost, so tests that make or load many
 * keys stay fast. The cost is recorded in the key file, so the release
 * peeradmin loads these keys as it loads any other; nothing in the release
 * binaries can be told to weaken keygen.
 *
 * usage: fast_keygen DIR PASSPHRASE_FILE */
#include <stdio.h>

#include "keys.h"
#include "secmem.h"

int main(int argc, char **argv)
{
    if (argc != 3) {
        fputs("usage: fast_keygen DIR PASSPHRASE_FILE\n", stderr);
        return 2;
    }
    if (secmem_init(1) < 0)
        return 1;
    const struct keys_cost cost = {crypto_pwhash_OPSLIMIT_MIN, crypto_pwhash_MEMLIMIT_MIN};
    struct diag d = DIAG_INIT;
    struct passphrase pass;
    int rc = 1;
    if (passphrase_read(argv[2], "the test key", 0, &pass, &d) == 0) {
        struct adminkey *k = keys_generate();
        if (keys_save(argv[1], k, &pass, &cost, &d) == 0) {
            printf("key id:      %s\nfingerprint: %s\n", k->pub.key_id_hex, k->pub.fingerprint);
            rc = 0;
        }
        keys_free(k);
        passphrase_free(&pass);
    }
    diag_print(&d, stderr);
    diag_free(&d);
    return rc;
}
