/* buf: a growable byte buffer, always NUL-terminated.
 * A zero-initialised struct buf is an empty buffer. buf_free() releases it;
 * on allocation failure the process aborts (out of memory is not recoverable
 * for a batch tool, and every caller would otherwise repeat the same check). */
#ifndef PEERKIT_BUF_H
#define PEERKIT_BUF_H

#include <stddef.h>
#include <string.h>

struct buf {
    char *data;
    size_t len;
    size_t cap;
};

#define BUF_INIT                                                                                   \
    {                                                                                              \
        NULL, 0, 0                                                                                 \
    }

void buf_grow(struct buf *b, size_t extra);
/* Makes room for len bytes in all (a size known ahead, so a large buffer
 * is not grown by doubling: each step copies it and touches new pages). */
void buf_reserve(struct buf *b, size_t len);
/* Inline, so an append of a few bytes known at compile time (a length
 * field, a separator) is a store, not two calls: a build appends tens of
 * millions of times. */
static inline void buf_append(struct buf *b, const void *data, size_t len)
{
    if (b->len + len + 1 > b->cap)
        buf_grow(b, len);
    if (len)
        memcpy(b->data + b->len, data, len);
    b->len += len;
    b->data[b->len] = '\0';
}
void buf_puts(struct buf *b, const char *s);
/* One byte; inline, as renderers and scanners call it per character. */
static inline void buf_putc(struct buf *b, char c)
{
    if (b->len + 2 > b->cap)
        buf_grow(b, 1);
    b->data[b->len++] = c;
    b->data[b->len] = '\0';
}
void buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends s with & < > " ' escaped for HTML text and attribute values. */
void buf_append_html(struct buf *b, const char *s, size_t len);
void buf_reset(struct buf *b);
/* Returns the data (caller frees) and leaves b empty. */
char *buf_detach(struct buf *b);
void buf_free(struct buf *b);

#endif
