/* utf8: UTF-8 as RFC 3629 defines it (and jansson takes it): shortest
 * forms only, no surrogates (U+D800 to U+DFFF), nothing past U+10FFFF. */
#ifndef PEERKIT_UTF8_H
#define PEERKIT_UTF8_H

#include <stddef.h>

/* The length of the sequence at s (left bytes on, at least 1), or 0 when
 * none starts there. */
size_t utf8_seq(const unsigned char *s, size_t left);

/* How many bytes of s are valid UTF-8 before the first that is not: len
 * when all are. */
size_t utf8_valid_prefix(const char *s, size_t len);

/* How many characters the len bytes of s hold (its lead bytes): a column as
 * editors count it. s need not be valid UTF-8. */
size_t utf8_chars(const char *s, size_t len);

#endif
