#include "secmem.h"

#include <jansson.h>
#include <malloc.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

static void *json_alloc(size_t n)
{
    return malloc(n);
}

/* Zeroes the whole block before handing it back to the allocator. */
static void json_wipe_free(void *p)
{
    if (!p)
        return;
    sodium_memzero(p, malloc_usable_size(p));
    free(p);
}

int secmem_init(int quiet)
{
    struct rlimit none = {0, 0};
    setrlimit(RLIMIT_CORE, &none);
    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
    if (sodium_init() < 0)
        return -1;
    /* Lock only when the limit allows it for the whole life of the process:
     * with MCL_FUTURE, an allocation past RLIMIT_MEMLOCK would fail later.
     * Sanitizer builds reserve terabytes of shadow memory: never lock those. */
    struct rlimit lim;
    int can_lock =
        geteuid() == 0 || (getrlimit(RLIMIT_MEMLOCK, &lim) == 0 &&
                           (lim.rlim_cur == RLIM_INFINITY || lim.rlim_cur >= (rlim_t)1 << 30));
#if defined(__SANITIZE_ADDRESS__)
    can_lock = 0;
    quiet = 1;
#endif
    if (!can_lock || mlockall(MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT) != 0) {
        if (!quiet)
            fputs("warning: memory is not locked (RLIMIT_MEMLOCK below 1 GiB): plaintext could "
                  "reach swap; raise the limit (LimitMEMLOCK=infinity) or run without swap\n",
                  stderr);
    }
    json_set_alloc_funcs(json_alloc, json_wipe_free);
    return 0;
}

void *secmem_alloc(size_t n)
{
    void *p = sodium_malloc(n);
    if (!p) {
        fputs("out of secure memory\n", stderr);
        abort();
    }
    return p;
}
