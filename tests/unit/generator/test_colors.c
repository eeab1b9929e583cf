/* Unit tests for generator/colors.c: WCAG 2 contrast, the AA check in light
 * and dark mode with its words, the dark mode's derived accent, the
 * stylesheet, and site.yml's colors key reported where it is written. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "colors.h"

static struct rgb rgb(const char *s)
{
    struct rgb c;
    assert_int_equal(colors_parse(s, &c), 0);
    return c;
}

static void test_contrast(void **state)
{
    (void)state;
    /* The extremes and two well-known pairs (WebAIM's checker). */
    assert_true(fabs(colors_contrast(rgb("#000"), rgb("#fff")) - 21.0) < 0.001);
    assert_true(fabs(colors_contrast(rgb("#777777"), rgb("#ffffff")) - 4.48) < 0.01);
    assert_true(fabs(colors_contrast(rgb("#0b5cad"), rgb("#FFFFFF")) - 6.67) < 0.01);
    struct rgb c;
    assert_int_equal(colors_parse("#0B5CAD", &c), 0);
    assert_int_equal(c.r, 0x0b);
    assert_int_equal(c.b, 0xad);
    assert_int_equal(colors_parse("0b5cad", &c), -1);
    assert_int_equal(colors_parse("#0b5ca", &c), -1);
    assert_int_equal(colors_parse("#ggg", &c), -1);
    assert_int_equal(colors_parse("blue", &c), -1);
}

static void test_check(void **state)
{
    (void)state;
    char why[320];
    assert_int_equal(colors_check("#0b5cad", false, why, sizeof why), 0);
    assert_int_equal(colors_check("#8cc4ff", true, why, sizeof why), 0);
    /* #777 passes nowhere near the cards (4.12:1), the surface named. */
    assert_int_equal(colors_check("#777777", false, why, sizeof why), -1);
    assert_string_equal(why, "\"#777777\" has a contrast of 4.12:1 with the cards' background "
                             "#f3f6f9 in light mode; WCAG AA needs at least 4.5:1 for text "
                             "(choose a darker colour)");
    assert_int_equal(colors_check("#0b5cad", true, why, sizeof why), -1);
    assert_non_null(strstr(why, "in dark mode"));
    assert_non_null(strstr(why, "(choose a lighter colour)"));
    assert_int_equal(colors_check("navy", false, why, sizeof why), -1);
    assert_string_equal(why, "\"navy\" is not a colour: write it as \"#rrggbb\", in quotes");
}

static void test_dark_and_css(void **state)
{
    (void)state;
    char why[320], hex[8];
    /* The derived dark accent passes in dark mode, and stays the same hue. */
    struct rgb d = colors_for_dark(rgb("#7a1f5c"));
    snprintf(hex, sizeof hex, "#%02x%02x%02x", d.r, d.g, d.b);
    assert_int_equal(colors_check(hex, true, why, sizeof why), 0);
    assert_true(d.r > d.g && d.b > d.g);
    struct buf css = BUF_INIT;
    colors_css("#7a1f5c", NULL, &css);
    assert_non_null(strstr(css.data, "@media screen {\n  :root { --accent: #7a1f5c; --focus: "
                                     "#7a1f5c; --accent-fg: #ffffff; }"));
    char want[128];
    snprintf(want, sizeof want, "prefers-color-scheme: dark) {\n  :root { --accent: %s;", hex);
    assert_non_null(strstr(css.data, want));
    buf_reset(&css);
    colors_css("#7a1f5c", "#f0c0e0", &css);
    assert_non_null(strstr(css.data, "--accent: #f0c0e0;"));
    buf_free(&css);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_contrast),
        cmocka_unit_test(test_check),
        cmocka_unit_test(test_dark_and_css),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
