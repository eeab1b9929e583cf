/* secmem: process-wide protection for programs that hold request plaintext or
 * secret keys (peerkiosk, peeradmin).
 *
 * secmem_init() turns core dumps off (a dump would write plaintext to disk),
 * locks memory so it is never swapped out (best effort: a warning when the
 * limit refuses), and makes jansson zero every block it frees, so form values
 * held in json_t never linger in freed memory. Call it first in main(). */
#ifndef PEERKIT_SECMEM_H
#define PEERKIT_SECMEM_H

#include <stddef.h>

/* Returns 0, or -1 if libsodium cannot be initialised. Set quiet to skip the
 * mlock warning (tests). */
int secmem_init(int quiet);

/* sodium_malloc that aborts on failure (out of memory for secrets is fatal). */
void *secmem_alloc(size_t n);

#endif
