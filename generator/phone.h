/* phone: the telephone numbers in the site's words, made into links a phone
 * follows in one tap. Every number becomes a tel: link; where the words just
 * before it say "text" ("call or text 988"), that word becomes an sms: link
 * to the same number. Links never wrap (the theme's a.tel, a.sms).
 *
 * What counts as a number: a run of digits with spaces, '-', '.', '(' or
 * ')' between them and an optional leading '+', holding at least 7 digits
 * (but not a date such as 2026-01-31), or 3 to 6 digits right after "call",
 * "text", "dial", "phone" or "ring" (also "call 911 or 988", "text HOME to
 * 741741"). Years, hours and counts in sentences stay text. */
#ifndef PEERKIT_PHONE_H
#define PEERKIT_PHONE_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"

struct phone_match {
    size_t start, end;           /* the number: s[start, end) */
    size_t text_start, text_end; /* the word "text" before it, or both 0 */
};

/* Finds the first number in s[from, len); fills m and returns true. */
bool phone_find(const char *s, size_t len, size_t from, struct phone_match *m);

/* "tel:" or "sms:" URI of a number as written: its digits, and a leading '+'
 * when it has one ("1-888-409-0141" -> "tel:18884090141"). */
void phone_uri(const char *scheme, const char *number, size_t len, struct buf *out);

/* s as HTML text (escaped), with its numbers as links. Returns true when
 * it found at least one. */
bool phone_html(const char *s, size_t len, struct buf *out);

#endif
