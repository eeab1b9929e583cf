/* xalloc: allocation that aborts on failure.
 *
 * Out of memory is not recoverable for these tools, and every caller would
 * otherwise repeat the same check. Secrets never use these: they live in
 * sodium_malloc memory (sealed/secmem.h). */
#ifndef PEERKIT_XALLOC_H
#define PEERKIT_XALLOC_H

#include <stddef.h>

void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
/* At most n bytes of s, NUL-terminated. */
char *xstrndup(const char *s, size_t n);
/* asprintf into a new string (caller frees). */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
