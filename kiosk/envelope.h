/* envelope: a sealed request (DESIGN §5).
 *
 * Binary form: "PKEV", version 1, the 8-byte key id of the administrator's box
 * key, then crypto_box_seal of the plaintext JSON padded (ISO/IEC 7816-4) to a
 * size bucket of 1, 2, 4, ... 64 KiB, so the length does not reveal how much
 * was written. The envelope id is BLAKE2b-256 of the whole envelope.
 * Armored form: BEGIN/END lines around base64, for email and paste.
 *
 * Plaintext lives only in sodium_malloc memory inside this module. */
#ifndef PEERKIT_ENVELOPE_H
#define PEERKIT_ENVELOPE_H

#include <jansson.h>
#include <stddef.h>

#include "buf.h"
#include "diag.h"
#include "keys.h"
#include "pubkey.h"

#define ENVELOPE_HEADER 13
#define ENVELOPE_ID_BYTES 32
#define ENVELOPE_MAX (ENVELOPE_HEADER + 65536 + 48)
#define ENVELOPE_MIN (ENVELOPE_HEADER + 1024 + 48)

/* Builds the plaintext {"v":1, schema, channel, submitted, reference, fields}
 * and seals it to pk. fields is the validated field object. reference
 * receives the code shown to the requester (at least 10 bytes). The envelope
 * (malloc'd, not secret) is returned in *env. */
int envelope_seal(const struct pubkey *pk, const char *schema_hash, const char *channel,
                  json_t *fields, char reference[16], unsigned char **env, size_t *len,
                  struct diag *d);

/* Opens an envelope with whichever of keys (n of them) matches its key id and
 * checks the plaintext's structure. *plain is the parsed object (jansson;
 * caller decrefs). Errors say why: not an envelope, unknown key id, damaged,
 * invalid content. */
int envelope_open(struct adminkey *const *keys, size_t n, const unsigned char *env, size_t len,
                  json_t **plain, struct diag *d);

/* The same, decrypting into scratch: a secmem_alloc'd buffer of at least
 * ENVELOPE_MAX bytes that the caller reuses across many envelopes (an import
 * allocates secure memory once, not once per envelope). On success the
 * plaintext JSON text stays in scratch[0, *text_len) for the caller, which
 * must wipe it (sodium_memzero) when done; on failure it is wiped here. */
int envelope_open_into(struct adminkey *const *keys, size_t n, unsigned char *scratch,
                       const unsigned char *env, size_t len, json_t **plain, size_t *text_len,
                       struct diag *d);

/* BLAKE2b-256 of the envelope, and as 64 lowercase hex characters. */
void envelope_id(const unsigned char *env, size_t len, unsigned char id[ENVELOPE_ID_BYTES]);
void envelope_id_hex(const unsigned char id[ENVELOPE_ID_BYTES], char hex[65]);

/* Appends the armored form. */
void envelope_armor(const unsigned char *env, size_t len, struct buf *out);

/* Calls fn for every armored block in text, in order, with its 1-based
 * position, its first line number, and the decoded envelope (NULL with a
 * reason when the block is damaged). Returns the number of blocks. */
typedef void (*armor_fn)(void *ctx, size_t pos, int line, const unsigned char *env, size_t len,
                         const char *problem);
size_t envelope_dearmor(const char *text, size_t len, armor_fn fn, void *ctx);

/* A fresh reference code such as "K7QF-3MXA" (no 0/O/1/I). */
void envelope_reference(char out[16]);

#endif
