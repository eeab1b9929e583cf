/* diag: a caller-owned list of located messages (errors and warnings).
 *
 * Functions that can fail on outside input take a struct diag * and add one
 * item per problem, so a run can report every problem, not only the first.
 * Only main() prints them (diag_print) and picks the exit status.
 * An item prints as "where:line:column: message"; line 0 drops line and
 * column, an empty where drops the location entirely. */
#ifndef PEERKIT_DIAG_H
#define PEERKIT_DIAG_H

#include <stddef.h>
#include <stdio.h>

enum diag_level { DIAG_ERROR, DIAG_WARNING };

struct diag_item {
    enum diag_level level;
    char *where;
    int line;
    int col;
    char *msg;
};

struct diag {
    struct diag_item *items;
    size_t n;
    size_t cap;
    size_t nerrors;
};

#define DIAG_INIT                                                                                  \
    {                                                                                              \
        NULL, 0, 0, 0                                                                              \
    }

void diag_error(struct diag *d, const char *where, int line, int col, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
void diag_warn(struct diag *d, const char *where, int line, int col, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
/* Prints every item, sorted by where, line, column (stable), to f. */
void diag_print(struct diag *d, FILE *f);
/* Text of the first error, for callers that only need one line ("" if none). */
const char *diag_first(const struct diag *d);
void diag_free(struct diag *d);
/* Adds every item of from to to, then frees from (a worker's findings). */
void diag_move(struct diag *to, struct diag *from);

#endif
