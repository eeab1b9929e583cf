#include "phone.h"

#include <string.h>
#include <strings.h>

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool is_alnum(char c)
{
    return is_digit(c) || ((c | 32) >= 'a' && (c | 32) <= 'z');
}

static bool is_sep(char c)
{
    return c == ' ' || c == '-' || c == '.' || c == '(' || c == ')';
}

/* The word that ends just before position `at` (spaces skipped), as
 * [*ws, *we); false when there is none or a sentence ends in between. */
static bool word_before(const char *s, size_t at, size_t *ws, size_t *we)
{
    size_t i = at;
    while (i > 0 && s[i - 1] == ' ')
        i--;
    size_t end = i;
    while (i > 0 && (is_alnum(s[i - 1]) || s[i - 1] == '-'))
        i--;
    if (i == end)
        return false;
    *ws = i;
    *we = end;
    return true;
}

static bool word_is(const char *s, size_t ws, size_t we, const char *w)
{
    return we - ws == strlen(w) && !strncasecmp(s + ws, w, we - ws);
}

static bool all_digits(const char *s, size_t ws, size_t we)
{
    for (size_t i = ws; i < we; i++)
        if (!is_digit(s[i]) && s[i] != '-')
            return false;
    return true;
}

static bool is_verb(const char *s, size_t ws, size_t we)
{
    static const char *const verbs[] = {"call", "text", "dial", "phone", "ring", NULL};
    for (size_t v = 0; verbs[v]; v++)
        if (word_is(s, ws, we, verbs[v]))
            return true;
    return false;
}

/* Whether the words just before a number ask to call or text it (a short
 * number counts only then), and where the word "text" is: "call 988",
 * "call or text 988", "call 911 or 988", "text HOME to 741741". */
static bool called(const char *s, size_t start, size_t *text_ws, size_t *text_we)
{
    size_t ws[3], we[3];
    int n = 0;
    *text_ws = *text_we = 0;
    for (size_t at = start; n < 3 && word_before(s, at, &ws[n], &we[n]); at = ws[n], n++)
        ;
    if (n == 0)
        return false;
    int text = -1;
    bool asked = false;
    if (is_verb(s, ws[0], we[0])) {
        asked = true;
        text = word_is(s, ws[0], we[0], "text") ? 0 : -1;
    } else if (n >= 2 && (word_is(s, ws[0], we[0], "or") || word_is(s, ws[0], we[0], "and"))) {
        asked = is_verb(s, ws[1], we[1]) || all_digits(s, ws[1], we[1]);
        text = word_is(s, ws[1], we[1], "text") ? 1 : -1;
    } else if (n >= 3 && word_is(s, ws[0], we[0], "to") && word_is(s, ws[2], we[2], "text")) {
        asked = true;
        text = 2;
    }
    if (text >= 0) {
        *text_ws = ws[text];
        *text_we = we[text];
    }
    return asked;
}

/* 2026-01-31: four digits, two, two, joined by '-' or '.'. */
static bool is_date(const char *s, size_t start, size_t end)
{
    return end - start == 10 && is_digit(s[start]) && is_digit(s[start + 3]) &&
           (s[start + 4] == '-' || s[start + 4] == '.') && s[start + 7] == s[start + 4];
}

bool phone_find(const char *s, size_t len, size_t from, struct phone_match *m)
{
    for (size_t i = from; i < len; i++) {
        size_t start = i;
        if ((s[i] == '+' || s[i] == '(') && i + 1 < len && is_digit(s[i + 1]))
            i++;
        if (!is_digit(s[i]) || (start > 0 && is_alnum(s[start - 1])))
            continue;
        /* Digits, and single separators (or ") " and " (") between them. */
        size_t end = i, digits = 0, j = i;
        while (j < len) {
            if (is_digit(s[j])) {
                digits++;
                end = ++j;
                continue;
            }
            size_t k = j;
            while (k < len && is_sep(s[k]) && k - j < 2)
                k++;
            if (k == j || k >= len || !is_digit(s[k]))
                break;
            j = k;
        }
        i = end;
        if (end < len &&
            (is_alnum(s[end]) || (s[end] == ',' && end + 1 < len && is_digit(s[end + 1]))))
            continue; /* part of a word, or 10,000 */
        size_t tws, twe;
        bool asked = called(s, start, &tws, &twe);
        if (digits >= 7 && digits <= 15 && !is_date(s, start, end)) {
            *m = (struct phone_match){start, end, tws, twe};
            return true;
        }
        if (digits >= 3 && digits <= 6 && asked) {
            *m = (struct phone_match){start, end, tws, twe};
            return true;
        }
    }
    return false;
}

void phone_uri(const char *scheme, const char *number, size_t len, struct buf *out)
{
    buf_puts(out, scheme);
    for (size_t i = 0; i < len; i++)
        if (is_digit(number[i]) || (number[i] == '+' && i == 0))
            buf_putc(out, number[i]);
}

static void link(struct buf *out, const char *cls, const char *scheme, const char *label,
                 const char *s, const struct phone_match *m, size_t from, size_t to)
{
    buf_printf(out, "<a class=\"%s\" href=\"", cls);
    phone_uri(scheme, s + m->start, m->end - m->start, out);
    buf_printf(out, "\" aria-label=\"%s ", label);
    buf_append_html(out, s + m->start, m->end - m->start);
    buf_puts(out, "\">");
    buf_append_html(out, s + from, to - from);
    buf_puts(out, "</a>");
}

bool phone_html(const char *s, size_t len, struct buf *out)
{
    struct phone_match m;
    size_t at = 0;
    bool any = false;
    while (phone_find(s, len, at, &m)) {
        any = true;
        /* "text 988" stays on one line: the two links side by side. */
        bool pair = m.text_end > at && strspn(s + m.text_end, " ") == m.start - m.text_end;
        if (m.text_end > at) {
            buf_append_html(out, s + at, m.text_start - at);
            if (pair)
                buf_puts(out, "<span class=\"phone-pair\">");
            link(out, "sms", "sms:", "Text", s, &m, m.text_start, m.text_end);
            at = m.text_end;
        }
        buf_append_html(out, s + at, m.start - at);
        link(out, "tel", "tel:", "Call", s, &m, m.start, m.end);
        if (pair)
            buf_puts(out, "</span>");
        at = m.end;
    }
    buf_append_html(out, s + at, len - at);
    return any;
}
