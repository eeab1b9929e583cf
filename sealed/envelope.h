/* envelope: a sealed request (DESIGN §5).
 *
 * Binary form: "PKEV", version 1, the 8-byte key id of the administrator's box
 * key, then crypto_box_seal of the plaintext JSON padded (ISO/IEC 7816-4) to a
 * size bucket of 1, 2, 4, ... 64 KiB, so the length does not reveal how much
 * was written. The envelope id is BLAKE2b-256 of the whole envelope.
 * Armored form: BEGIN/END lines around base64, for email and paste.
 *
 * Plaintext lives only in sodium_malloc memory inside this module. Nothing
 * here can open an envelope: the kiosk links this file. */
#ifndef PEERKIT_ENVELOPE_H
#define PEERKIT_ENVELOPE_H

#include <jansson.h>
#include <stddef.h>

#include "buf.h"
#include "diag.h"
#include "pubkey.h"

#define ENVELOPE_MAGIC "PKEV"
#define ENVELOPE_VERSION 1
#define ENVELOPE_HEADER 13
#define ENVELOPE_ID_BYTES 32
#define ENVELOPE_MAX (ENVELOPE_HEADER + 65536 + 48)
#define ENVELOPE_MIN (ENVELOPE_HEADER + 1024 + 48)

struct formspec;

/* Builds the plaintext {"v":1, schema, channel, submitted, reference, fields}
 * and seals it to pk. fields is the validated field object. reference
 * receives the code shown to the requester (at least 10 bytes). The envelope
 * (malloc'd, not secret) is returned in *env.
 *
 * Before sealing, the plaintext's exact bytes go through the administrator's
 * import check (envelope_parse_plain, then envelope_check_form with form,
 * which may be NULL): what cannot be imported is refused here, with the
 * import's reasons in d, so the kiosk never acknowledges a request that every
 * import would skip. A request too large to seal is refused with the place
 * "request". */
int envelope_seal(const struct pubkey *pk, const char *schema_hash, const struct formspec *form,
                  const char *channel, json_t *fields, char reference[16], unsigned char **env,
                  size_t *len, struct diag *d);

/* The import's check of an opened plaintext (len bytes, the padding
 * removed): JSON without a NUL or a repeated member, with exactly the
 * structure envelope_check_plain describes. On success *plain is the parsed
 * object (caller decrefs). The kiosk runs it on what it seals; opening lives
 * in admin/unseal.h. */
int envelope_parse_plain(const char *text, size_t len, json_t **plain, struct diag *d);

/* The import's check of a parsed plaintext's fields against the site's form
 * (form may be NULL): when the request was made with this very form (its
 * schema hash is form's), every field must satisfy it, each problem named by
 * field id in d, never by value. *applied says whether the form was checked
 * (not for another version of the form: structure only). */
int envelope_check_form(const struct formspec *form, json_t *plain, int *applied, struct diag *d);

/* The plaintext object itself, members in this order (caller decrefs; its
 * compact JSON is what is padded and sealed, byte for byte the same as the
 * request page's script writes: tests/fixtures/vectors/envelope.json). */
json_t *envelope_plain_new(const char *schema_hash, const char *channel, const char *when,
                           const char *reference, json_t *fields);

/* Checks a decrypted plaintext's structure: exactly the members and formats
 * envelope_seal writes (channel "web" or "kiosk:<id>", an ISO UTC time, a
 * reference code, safe field ids, string or list-of-string values). The
 * reason names the member, never a value. Opening lives in admin/unseal.h:
 * this module holds no secret key. */
int envelope_check_plain(json_t *plain, struct diag *d);

/* 1 if channel is "web" or "kiosk:" followed by 1 to 32 of [A-Za-z0-9._-]. */
int envelope_channel_valid(const char *channel);

/* The padded size for a plaintext of len bytes: 1 KiB, 2 KiB, ... 64 KiB. */
size_t envelope_bucket(size_t len);

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
