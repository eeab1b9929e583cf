/* unseal: opening sealed requests with the administrator's secret keys.
 *
 * Lives in admin/ so that no kiosk binary can contain it (DESIGN §9). Every
 * opened plaintext is checked by envelope_parse_plain (sealed/envelope.h,
 * where the kiosk runs the same check on what it seals): anyone holding
 * admin.pub can seal any bytes, so a decrypted request is still hostile. */
#ifndef PEERKIT_UNSEAL_H
#define PEERKIT_UNSEAL_H

#include <jansson.h>
#include <stddef.h>

#include "diag.h"
#include "envelope.h"
#include "keys.h"

/* Opens an envelope with whichever of keys (n of them) matches its key id and
 * checks the plaintext's structure. *plain is the parsed object (jansson;
 * caller decrefs). Errors say why: not an envelope, unknown key id, damaged,
 * invalid content. */
int unseal_envelope(struct adminkey *const *keys, size_t n, const unsigned char *env, size_t len,
                    json_t **plain, struct diag *d);

/* The same, decrypting into scratch: a secmem_alloc'd buffer of at least
 * ENVELOPE_MAX bytes that the caller reuses across many envelopes (an import
 * allocates secure memory once, not once per envelope). On success the
 * plaintext JSON text stays in scratch[0, *text_len) for the caller, which
 * must wipe it (sodium_memzero) when done; on failure it is wiped here. */
int unseal_envelope_into(struct adminkey *const *keys, size_t n, unsigned char *scratch,
                         const unsigned char *env, size_t len, json_t **plain, size_t *text_len,
                         struct diag *d);

#endif
