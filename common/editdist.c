#include "editdist.h"

#include <string.h>

size_t editdist(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > EDITDIST_MAX || lb > EDITDIST_MAX)
        return EDITDIST_FAR;
    size_t row[EDITDIST_MAX + 1];
    for (size_t j = 0; j <= lb; j++)
        row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t prev = row[0];
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t cur = row[j];
            size_t best = prev + (a[i - 1] != b[j - 1]);
            if (row[j] + 1 < best)
                best = row[j] + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            prev = cur;
        }
    }
    return row[lb];
}
