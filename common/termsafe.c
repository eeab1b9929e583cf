#include "termsafe.h"

#include <string.h>

/* Length of the valid UTF-8 sequence at s (at most n bytes), 0 if invalid
 * (overlong forms, surrogates and values past U+10FFFF included). */
static size_t utf8_len(const unsigned char *s, size_t n, unsigned *cp)
{
    unsigned c = s[0];
    size_t len;
    unsigned min;
    if (c < 0x80) {
        *cp = c;
        return 1;
    } else if ((c & 0xE0) == 0xC0) {
        len = 2, min = 0x80, *cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
        len = 3, min = 0x800, *cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
        len = 4, min = 0x10000, *cp = c & 0x07;
    } else {
        return 0;
    }
    if (len > n)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        *cp = (*cp << 6) | (s[i] & 0x3F);
    }
    if (*cp < min || *cp > 0x10FFFF || (*cp >= 0xD800 && *cp <= 0xDFFF))
        return 0;
    return len;
}

void termsafe_append(struct buf *out, const char *s, size_t n, const char *newline_indent)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < n) {
        unsigned cp;
        size_t len = utf8_len(p + i, n - i, &cp);
        if (len == 0) {
            buf_printf(out, "\\x%02x", p[i]);
            i++;
            continue;
        }
        if (cp == '\n' && newline_indent) {
            buf_putc(out, '\n');
            buf_puts(out, newline_indent);
        } else if (cp == '\t') {
            buf_puts(out, "\\t");
        } else if (cp == '\\') {
            buf_puts(out, "\\\\");
        } else if (cp < 0x20 || cp == 0x7F) {
            buf_printf(out, "\\x%02x", cp);
        } else if (cp >= 0x80 && cp <= 0x9F) {
            buf_printf(out, "\\u%04x", cp);
        } else {
            buf_append(out, p + i, len);
        }
        i += len;
    }
}
