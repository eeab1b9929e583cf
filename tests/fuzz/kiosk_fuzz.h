/* Shared setup for the kiosk fuzz targets: one key pair made on first use. */
#ifndef PEERKIT_KIOSK_FUZZ_H
#define PEERKIT_KIOSK_FUZZ_H

#include <sodium.h>
#include <stdlib.h>

#include "keys.h"

static struct adminkey *fuzz_key(void)
{
    static struct adminkey *k;
    if (!k) {
        if (sodium_init() < 0)
            abort();
        k = keys_generate();
    }
    return k;
}

#endif
