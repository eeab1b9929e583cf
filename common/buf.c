#include "buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void buf_grow(struct buf *b, size_t extra)
{
    if (b->len + extra + 1 <= b->cap)
        return;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < b->len + extra + 1)
        cap *= 2;
    char *p = realloc(b->data, cap);
    if (!p) {
        fputs("out of memory\n", stderr);
        abort();
    }
    b->data = p;
    b->cap = cap;
}

void buf_reserve(struct buf *b, size_t len)
{
    if (len + 1 <= b->cap)
        return;
    char *p = realloc(b->data, len + 1);
    if (!p) {
        fputs("out of memory\n", stderr);
        abort();
    }
    b->data = p;
    b->cap = len + 1;
    b->data[b->len] = '\0'; /* a buffer that was empty and NULL is a string now */
}

void buf_puts(struct buf *b, const char *s)
{
    buf_append(b, s, strlen(s));
}

void buf_printf(struct buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    buf_grow(b, (size_t)n);
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

void buf_append_html(struct buf *b, const char *s, size_t len)
{
    size_t start = 0;
    for (size_t i = 0; i < len; i++) {
        const char *rep = NULL;
        switch (s[i]) {
        case '&': rep = "&amp;"; break;
        case '<': rep = "&lt;"; break;
        case '>': rep = "&gt;"; break;
        case '"': rep = "&quot;"; break;
        case '\'': rep = "&#39;"; break;
        default: continue;
        }
        buf_append(b, s + start, i - start);
        buf_puts(b, rep);
        start = i + 1;
    }
    buf_append(b, s + start, len - start);
}

void buf_reset(struct buf *b)
{
    b->len = 0;
    if (b->data)
        b->data[0] = '\0';
}

char *buf_detach(struct buf *b)
{
    char *p = b->data;
    if (!p) {
        p = calloc(1, 1);
        if (!p)
            abort();
    }
    b->data = NULL;
    b->len = b->cap = 0;
    return p;
}

void buf_free(struct buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}
