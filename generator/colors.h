/* colors: a program's own accent colour (site.yml colors: {accent,
 * accent_dark}), for links, buttons and focus rings, held to WCAG 2 AA for
 * text (4.5:1) in light and dark mode.
 *
 * The accent is checked against the surfaces it is used on in the default
 * theme: the page (#ffffff) and the cards (#f3f6f9), with white button text,
 * in light mode; the dark page (#11151a), cards (#1b2129) and dark button
 * text (#0b1320) in dark mode. accent_dark is the dark mode's; without it,
 * the accent is lightened (mixed with white) just enough to pass there. */
#ifndef PEERKIT_COLORS_H
#define PEERKIT_COLORS_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"

#define COLORS_AA_TEXT 4.5

struct rgb {
    unsigned char r, g, b;
};

/* "#rgb" or "#rrggbb" (either case). Returns 0, or -1 when it is not one. */
int colors_parse(const char *s, struct rgb *out);

/* WCAG 2 relative luminance and contrast ratio (1 to 21). */
double colors_luminance(struct rgb c);
double colors_contrast(struct rgb a, struct rgb b);

/* Checks an accent for light (dark false) or dark mode. Returns 0, or -1
 * with why filled: the colour, the ratio, and the surface it fails on. */
int colors_check(const char *value, bool dark, char *why, size_t whylen);

/* The dark mode's accent for a light one: mixed with white in 1% steps
 * until it passes in dark mode. */
struct rgb colors_for_dark(struct rgb accent);

/* The stylesheet that sets the theme's --accent and --focus (and the text
 * on accent buttons) for screens in light and dark mode, from checked
 * colours (accent_dark may be NULL). */
void colors_css(const char *accent, const char *accent_dark, struct buf *out);

#endif
