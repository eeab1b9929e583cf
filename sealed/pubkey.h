/* pubkey: the administrator's public key file, admin.pub.
 *
 * Text, one field per line (blank lines and lines starting with '#' are
 * ignored when parsing):
 *     peerkit-admin-public-key v1
 *     key-id: <16 hex: first 8 bytes of BLAKE2b-256(box public key)>
 *     box: <base64 of the 32-byte X25519 public key>
 *     sign: <base64 of the 32-byte Ed25519 public key>
 *     fingerprint: <first 16 bytes of BLAKE2b-256(box_pk || sign_pk), 8 groups of 4 hex>
 * The key id and fingerprint are recomputed and must match, so a damaged or
 * edited file is refused. */
#ifndef PEERKIT_PUBKEY_H
#define PEERKIT_PUBKEY_H

#include <stddef.h>

#include "buf.h"
#include "diag.h"

#define PUBKEY_ID_BYTES 8

struct pubkey {
    unsigned char box_pk[32];
    unsigned char sign_pk[32];
    unsigned char key_id[PUBKEY_ID_BYTES];
    char key_id_hex[2 * PUBKEY_ID_BYTES + 1];
    char fingerprint[40]; /* "3F2A 91C0 ..." */
};

/* Fills pk from the two public keys (derives key id and fingerprint). */
int pubkey_from_keys(const unsigned char box_pk[32], const unsigned char sign_pk[32],
                     struct pubkey *pk);
/* Parses admin.pub text; errors name path and line. */
int pubkey_parse(const char *text, size_t len, const char *path, struct pubkey *pk, struct diag *d);
int pubkey_load(const char *path, struct pubkey *pk, struct diag *d);
/* Appends the canonical text of pk. */
void pubkey_format(const struct pubkey *pk, struct buf *out);

#endif
