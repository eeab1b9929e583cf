#include "diag.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

static char *xstrdup(const char *s)
{
    char *p = strdup(s ? s : "");
    if (!p)
        abort();
    return p;
}

static void add(struct diag *d, enum diag_level level, const char *where, int line, int col,
                const char *fmt, va_list ap)
{
    if (d->n == d->cap) {
        size_t cap = d->cap ? d->cap * 2 : 8;
        struct diag_item *p = realloc(d->items, cap * sizeof *p);
        if (!p)
            abort();
        d->items = p;
        d->cap = cap;
    }
    char msg[1024];
    vsnprintf(msg, sizeof msg, fmt, ap);
    struct diag_item *it = &d->items[d->n++];
    it->level = level;
    it->where = xstrdup(where);
    it->line = line;
    it->col = col;
    it->msg = xstrdup(msg);
    if (level == DIAG_ERROR)
        d->nerrors++;
}

void diag_error(struct diag *d, const char *where, int line, int col, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    add(d, DIAG_ERROR, where, line, col, fmt, ap);
    va_end(ap);
}

void diag_warn(struct diag *d, const char *where, int line, int col, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    add(d, DIAG_WARNING, where, line, col, fmt, ap);
    va_end(ap);
}

static int cmp_item(const void *a, const void *b)
{
    const struct diag_item *x = a, *y = b;
    int c = strcmp(x->where, y->where);
    if (c)
        return c;
    if (x->line != y->line)
        return x->line < y->line ? -1 : 1;
    if (x->col != y->col)
        return x->col < y->col ? -1 : 1;
    return 0;
}

void diag_print(struct diag *d, FILE *f)
{
    /* Insertion sort keeps equal items in the order they were found. */
    for (size_t i = 1; i < d->n; i++) {
        struct diag_item tmp = d->items[i];
        size_t j = i;
        while (j > 0 && cmp_item(&d->items[j - 1], &tmp) > 0) {
            d->items[j] = d->items[j - 1];
            j--;
        }
        d->items[j] = tmp;
    }
    for (size_t i = 0; i < d->n; i++) {
        const struct diag_item *it = &d->items[i];
        const char *level = it->level == DIAG_WARNING ? "warning: " : "";
        if (!it->where[0])
            fprintf(f, "%s%s\n", level, it->msg);
        else if (it->line > 0)
            fprintf(f, "%s:%d:%d: %s%s\n", it->where, it->line, it->col, level, it->msg);
        else
            fprintf(f, "%s: %s%s\n", it->where, level, it->msg);
    }
}

const char *diag_first(const struct diag *d)
{
    for (size_t i = 0; i < d->n; i++)
        if (d->items[i].level == DIAG_ERROR)
            return d->items[i].msg;
    return "";
}

void diag_free(struct diag *d)
{
    for (size_t i = 0; i < d->n; i++) {
        free(d->items[i].where);
        free(d->items[i].msg);
    }
    free(d->items);
    d->items = NULL;
    d->n = d->cap = d->nerrors = 0;
}

void diag_move(struct diag *to, struct diag *from)
{
    for (size_t i = 0; i < from->n; i++) {
        const struct diag_item *it = &from->items[i];
        if (it->level == DIAG_ERROR)
            diag_error(to, it->where, it->line, it->col, "%s", it->msg);
        else
            diag_warn(to, it->where, it->line, it->col, "%s", it->msg);
    }
    diag_free(from);
}
