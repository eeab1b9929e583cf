#include "ratelimit.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "xalloc.h"

#define SLOTS 128

struct slot {
    char addr[64];
    double tokens;
    time_t last;
};

struct ratelimit {
    unsigned per_minute;
    pthread_mutex_t lock;
    struct slot slots[SLOTS];
};

struct ratelimit *ratelimit_new(unsigned rate_per_minute)
{
    struct ratelimit *r = xcalloc(1, sizeof *r);
    r->per_minute = rate_per_minute;
    pthread_mutex_init(&r->lock, NULL);
    return r;
}

void ratelimit_free(struct ratelimit *r)
{
    if (!r)
        return;
    pthread_mutex_destroy(&r->lock);
    free(r);
}

bool ratelimit_allow(struct ratelimit *r, const char *addr)
{
    if (r->per_minute == 0)
        return true;
    time_t now = time(NULL);
    double per_second = r->per_minute / 60.0, cap = r->per_minute;
    pthread_mutex_lock(&r->lock);
    struct slot *slot = NULL, *oldest = &r->slots[0];
    for (size_t i = 0; i < SLOTS && !slot; i++) {
        if (r->slots[i].last && !strcmp(r->slots[i].addr, addr))
            slot = &r->slots[i];
        else if (r->slots[i].last < oldest->last)
            oldest = &r->slots[i];
    }
    if (!slot) {
        slot = oldest;
        snprintf(slot->addr, sizeof slot->addr, "%s", addr);
        slot->tokens = cap;
        slot->last = now;
    }
    slot->tokens += (double)(now - slot->last) * per_second;
    if (slot->tokens > cap)
        slot->tokens = cap;
    slot->last = now;
    bool ok = slot->tokens >= 1.0;
    if (ok)
        slot->tokens -= 1.0;
    pthread_mutex_unlock(&r->lock);
    return ok;
}
