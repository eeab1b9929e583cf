#include "utf8.h"

#include <stdint.h>
#include <string.h>

size_t utf8_seq(const unsigned char *u, size_t left)
{
    if (u[0] < 0x80)
        return 1;
    size_t n = u[0] >= 0xC2 && u[0] <= 0xDF   ? 2
               : u[0] >= 0xE0 && u[0] <= 0xEF ? 3
               : u[0] >= 0xF0 && u[0] <= 0xF4 ? 4
                                              : 0;
    if (!n || n > left)
        return 0;
    uint32_t c = u[0] & (n == 2 ? 0x1F : n == 3 ? 0x0F : 0x07);
    for (size_t k = 1; k < n; k++) {
        if (u[k] < 0x80 || u[k] > 0xBF)
            return 0;
        c = (c << 6) | (u[k] & 0x3F);
    }
    if (c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF) || (n == 3 && c < 0x800) ||
        (n == 4 && c < 0x10000))
        return 0;
    return n;
}

size_t utf8_valid_prefix(const char *s, size_t len)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0;
    while (i < len) {
        /* Content is mostly ASCII: eight bytes at a time while it is. */
        uint64_t w;
        if (len - i >= 8 && (memcpy(&w, u + i, 8), !(w & 0x8080808080808080u))) {
            i += 8;
            continue;
        }
        size_t n = utf8_seq(u + i, len - i);
        if (!n)
            return i;
        i += n;
    }
    return len;
}

size_t utf8_chars(const char *s, size_t len)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++)
        n += ((unsigned char)s[i] & 0xC0) != 0x80;
    return n;
}
