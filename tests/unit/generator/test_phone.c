/* Unit tests for generator/phone.c (numbers as tel: and sms: links) and for
 * what generator/markdown.c does with them and with headings. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "markdown.h"
#include "phone.h"

/* The numbers phone_find sees in s, as "number|text word" lines. */
static char *found(const char *s)
{
    struct buf b = BUF_INIT;
    struct phone_match m;
    size_t at = 0, len = strlen(s);
    while (phone_find(s, len, at, &m)) {
        buf_printf(&b, "%.*s|%.*s\n", (int)(m.end - m.start), s + m.start,
                   (int)(m.text_end - m.text_start), s + m.text_start);
        at = m.end;
    }
    return b.data ? buf_detach(&b) : strdup("");
}

static void expect_found(const char *s, const char *want)
{
    char *got = found(s);
    if (strcmp(got, want))
        fail_msg("in \"%s\"\nexpected:\n%sgot:\n%s", s, want, got);
    free(got);
}

static void test_what_is_a_number(void **state)
{
    (void)state;
    expect_found("If you might harm yourself, call or text 988 (Suicide & Crisis Lifeline). The "
                 "Physician Support Line: 1-888-409-0141.",
                 "988|text\n1-888-409-0141|\n");
    expect_found("Call 911 or 988, any time.", "911|\n988|\n");
    expect_found("Text HOME to 741741.", "741741|Text\n");
    expect_found("Phone: (555) 014-2222 or +44 20 7946 0958",
                 "(555) 014-2222|\n+44 20 7946 0958|\n");
    expect_found("EAP, 555-0155, open around the clock", "555-0155|\n");
    /* Not numbers to call: counts, years, dates, hours, words. */
    expect_found("Weekdays 7 am – 7 pm; 24 hours; since 2019; reviewed 2026-01-31; 10,000,000 "
                 "people; 20 to 40 minutes; room B2024; version 3.14",
                 "");
    expect_found("We answer within 988 minutes", "");
}

static void test_links(void **state)
{
    (void)state;
    struct buf b = BUF_INIT;
    assert_true(phone_html("Call or text 988 <now> & 1-888-409-0141.", 40, &b));
    assert_string_equal(b.data,
                        "Call or <span class=\"phone-pair\"><a class=\"sms\" href=\"sms:988\" "
                        "aria-label=\"Text 988\">text</a> <a class=\"tel\" href=\"tel:988\" "
                        "aria-label=\"Call 988\">988</a></span> &lt;now&gt; "
                        "&amp; <a class=\"tel\" href=\"tel:18884090141\" aria-label=\"Call "
                        "1-888-409-0141\">1-888-409-0141</a>.");
    buf_reset(&b);
    assert_false(phone_html("No <numbers> here", 17, &b));
    assert_string_equal(b.data, "No &lt;numbers&gt; here");
    buf_reset(&b);
    phone_uri("tel:", "+1 (555) 010-2233", 17, &b);
    assert_string_equal(b.data, "tel:+15550102233");
    buf_free(&b);
}

/* In Markdown: numbers in text become links, but not inside a link or code;
 * headings get ids from their words, unique on the page. */
static void test_markdown(void **state)
{
    (void)state;
    const char *md = "## Call us\n\nCall 555-0142, or [555-0199](tel:5550199), or `555-0100`.\n\n"
                     "## Call us\n\n### Ünïcode only ✓\n";
    struct buf html = BUF_INIT, text = BUF_INIT;
    md_render(md, strlen(md), 1, "", &html, NULL, &text);
    assert_non_null(strstr(html.data, "<h2 id=\"call-us\">"));
    assert_non_null(strstr(html.data, "<h2 id=\"call-us-2\">"));
    assert_non_null(strstr(html.data, "<h3 id=\"n-code-only\">"));
    assert_non_null(strstr(html.data, "Call <a class=\"tel\" href=\"tel:5550142\" "
                                      "aria-label=\"Call 555-0142\">555-0142</a>, or "
                                      "<a href=\"tel:5550199\">555-0199</a>, or "
                                      "<code>555-0100</code>."));
    /* The plain text is the words, without markup. */
    assert_non_null(strstr(text.data, "Call 555-0142, or 555-0199, or 555-0100."));
    buf_free(&html);
    buf_free(&text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_what_is_a_number),
        cmocka_unit_test(test_links),
        cmocka_unit_test(test_markdown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
