/* termsafe: text from outside made safe to print on a terminal.
 *
 * Anyone holding admin.pub can seal any bytes, so a field name or value
 * could carry escape sequences that rewrite the administrator's screen (or
 * a terminal title). Every C0 control, DEL and C1 control (U+0080..U+009F)
 * is shown as a visible escape (\x1b, \u009b), as is any byte that is not
 * valid UTF-8 (\xff). Tabs show as \t; line breaks are kept only where the
 * caller allows them, followed by indent so a note stays inside its block. */
#ifndef PEERKIT_TERMSAFE_H
#define PEERKIT_TERMSAFE_H

#include <stddef.h>

#include "buf.h"

void termsafe_append(struct buf *out, const char *s, size_t n, const char *newline_indent);

#endif
