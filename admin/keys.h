/* keys: the administrator's key pair and its files.
 *
 * admin.key (binary, mode 0600) holds the X25519 box secret key and the
 * Ed25519 signing secret key, encrypted with XChaCha20-Poly1305 under a key
 * derived from the passphrase with Argon2id; the header (magic, limits, salt,
 * nonce, both public keys) is the associated data, so no byte of the file can
 * change unnoticed. admin.pub is the text of common/pubkey.h.
 *
 * struct adminkey lives in sodium_malloc memory: keys_free wipes it. */
#ifndef PEERKIT_KEYS_H
#define PEERKIT_KEYS_H

#include <sodium.h>
#include <stddef.h>

#include "diag.h"
#include "pubkey.h"

struct adminkey {
    unsigned char box_sk[32];
    unsigned char sign_sk[64];
    unsigned char data_key[32]; /* encrypts contact details in the intake database */
    struct pubkey pub;
};

struct passphrase {
    char *text; /* sodium_malloc'd, NUL-terminated */
    size_t len;
};

/* A new random key pair (caller frees with keys_free). */
struct adminkey *keys_generate(void);
void keys_free(struct adminkey *k);

/* The Argon2id cost of deriving the key that wraps admin.key. The file
 * records it, so a key written with any cost loads with the cost it was
 * written with. */
struct keys_cost {
    unsigned long long ops;
    size_t mem;
};

/* What keygen uses: 3 passes over 256 MiB (libsodium's "moderate", the
 * memory age's scrypt default asks for; minisign uses 1 GiB). Nothing in the
 * environment can lower it. */
#define KEYS_COST_KEYGEN                                                                           \
    {                                                                                              \
        crypto_pwhash_OPSLIMIT_MODERATE, crypto_pwhash_MEMLIMIT_MODERATE                           \
    }

/* Writes DIR/admin.key and DIR/admin.pub (DIR is created if absent); refuses
 * to overwrite either. cost must lie within libsodium's limits. */
int keys_save(const char *dir, const struct adminkey *k, const struct passphrase *pass,
              const struct keys_cost *cost, struct diag *d);

/* Loads and decrypts a key file. Refuses a key file readable by group or
 * others, a damaged file (naming what is wrong), and a wrong passphrase. */
int keys_load(const char *path, const struct passphrase *pass, struct adminkey **out,
              struct diag *d);

/* Reads the passphrase from the first line of file, or, when file is NULL,
 * from the terminal without echo (twice when confirm is set), asking
 * "Passphrase for <what>: ". Refuses a regular file that group or others
 * could read or write, as keys_load refuses such a key file. */
int passphrase_read(const char *file, const char *what, int confirm, struct passphrase *pass,
                    struct diag *d);
void passphrase_free(struct passphrase *pass);

#endif
