/* ratelimit: a token bucket per client address, for the drop box (the kiosk
 * server keeps its own copy until its hardening lands; then it can use this).
 *
 * rate_per_minute requests a minute per address, in bursts of as many; a
 * fixed table of slots (the least recently used address gives way), so a
 * flood of addresses costs no memory. Thread-safe. */
#ifndef PEERKIT_RATELIMIT_H
#define PEERKIT_RATELIMIT_H

#include <stdbool.h>

struct ratelimit;

/* rate_per_minute 0 allows everything. */
struct ratelimit *ratelimit_new(unsigned rate_per_minute);
void ratelimit_free(struct ratelimit *r);

/* Takes one token for addr (any string); false when it has none left. */
bool ratelimit_allow(struct ratelimit *r, const char *addr);

#endif
