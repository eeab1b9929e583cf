/* editdist: how far apart two short strings are, to suggest what a typo
 * meant ("did you mean ...?"): an unknown key, a broken link, an anchor. */
#ifndef PEERKIT_EDITDIST_H
#define PEERKIT_EDITDIST_H

#include <stddef.h>

/* Levenshtein distance; strings longer than EDITDIST_MAX count as far apart
 * (EDITDIST_FAR), which keeps the cost bounded. */
#define EDITDIST_MAX 120
#define EDITDIST_FAR ((size_t)-1)
size_t editdist(const char *a, const char *b);

#endif
