#include "colors.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* The default theme's surfaces (themes/default/assets/style.css). */
struct surface {
    const char *name;
    struct rgb c;
};

static const struct surface light[] = {
    {"the page background #ffffff", {0xff, 0xff, 0xff}},
    {"the cards' background #f3f6f9", {0xf3, 0xf6, 0xf9}},
    {"a button's white text #ffffff", {0xff, 0xff, 0xff}},
};

static const struct surface dark[] = {
    {"the dark page background #11151a", {0x11, 0x15, 0x1a}},
    {"the dark cards' background #1b2129", {0x1b, 0x21, 0x29}},
    {"a button's dark text #0b1320", {0x0b, 0x13, 0x20}},
};

static int hex(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = (char)(c | 32);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

int colors_parse(const char *s, struct rgb *out)
{
    size_t n = s ? strlen(s) : 0;
    if ((n != 4 && n != 7) || s[0] != '#')
        return -1;
    int v[6];
    for (size_t i = 1; i < n; i++)
        if ((v[i - 1] = hex(s[i])) < 0)
            return -1;
    if (n == 4)
        *out = (struct rgb){(unsigned char)(v[0] * 17), (unsigned char)(v[1] * 17),
                            (unsigned char)(v[2] * 17)};
    else
        *out = (struct rgb){(unsigned char)(v[0] * 16 + v[1]), (unsigned char)(v[2] * 16 + v[3]),
                            (unsigned char)(v[4] * 16 + v[5])};
    return 0;
}

static double channel(unsigned char v)
{
    double c = v / 255.0;
    return c <= 0.04045 ? c / 12.92 : pow((c + 0.055) / 1.055, 2.4);
}

double colors_luminance(struct rgb c)
{
    return 0.2126 * channel(c.r) + 0.7152 * channel(c.g) + 0.0722 * channel(c.b);
}

double colors_contrast(struct rgb a, struct rgb b)
{
    double x = colors_luminance(a), y = colors_luminance(b);
    return x > y ? (x + 0.05) / (y + 0.05) : (y + 0.05) / (x + 0.05);
}

/* The surface of a mode the colour contrasts least with, and that ratio. */
static double weakest(struct rgb c, bool is_dark, const char **on)
{
    const struct surface *s = is_dark ? dark : light;
    double worst = 22;
    for (size_t i = 0; i < 3; i++) {
        double r = colors_contrast(c, s[i].c);
        if (r < worst) {
            worst = r;
            *on = s[i].name;
        }
    }
    return worst;
}

int colors_check(const char *value, bool is_dark, char *why, size_t whylen)
{
    struct rgb c;
    if (colors_parse(value, &c) < 0) {
        snprintf(why, whylen, "\"%s\" is not a colour: write it as \"#rrggbb\", in quotes", value);
        return -1;
    }
    const char *on = "";
    double r = weakest(c, is_dark, &on);
    /* Rounded down, as contrast checkers report it: 4.49 does not pass. */
    if (r < COLORS_AA_TEXT) {
        snprintf(why, whylen,
                 "\"%s\" has a contrast of %.2f:1 with %s in %s mode; WCAG AA needs at least "
                 "4.5:1 for text (choose a %s colour)",
                 value, floor(r * 100) / 100, on, is_dark ? "dark" : "light",
                 is_dark ? "lighter" : "darker");
        return -1;
    }
    return 0;
}

struct rgb colors_for_dark(struct rgb a)
{
    const char *on;
    for (int pct = 0; pct <= 100; pct++) {
        struct rgb m = {(unsigned char)lround(a.r + (255 - a.r) * pct / 100.0),
                        (unsigned char)lround(a.g + (255 - a.g) * pct / 100.0),
                        (unsigned char)lround(a.b + (255 - a.b) * pct / 100.0)};
        if (weakest(m, true, &on) >= COLORS_AA_TEXT)
            return m;
    }
    return (struct rgb){0xff, 0xff, 0xff};
}

void colors_css(const char *accent, const char *accent_dark, struct buf *out)
{
    struct rgb a, d;
    if (colors_parse(accent, &a) < 0)
        return;
    if (!accent_dark || colors_parse(accent_dark, &d) < 0)
        d = colors_for_dark(a);
    /* Screens only: print keeps its black text and links. */
    buf_printf(out,
               "/* The program's accent (site.yml colors), checked for WCAG AA. */\n"
               "@media screen {\n  :root { --accent: #%02x%02x%02x; --focus: #%02x%02x%02x; "
               "--accent-fg: #ffffff; }\n}\n"
               "@media screen and (prefers-color-scheme: dark) {\n  :root { --accent: "
               "#%02x%02x%02x; --focus: #%02x%02x%02x; --accent-fg: #0b1320; }\n}\n",
               a.r, a.g, a.b, a.r, a.g, a.b, d.r, d.g, d.b, d.r, d.g, d.b);
}
