/* Unit tests for admin/mail.c: a sealed request found in a single message
 * and in an mbox, with LF and CRLF, quoted-printable and base64 bodies,
 * multipart messages with .peerreq attachments (armored and binary), replies
 * quoting the request with "> ", HTML parts skipped; messages without a
 * request named; damaged ones reported with their position. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "envelope.h"
#include "mail.h"

/* A stand-in envelope: the scanner never opens one, it only finds it. */
static unsigned char env[ENVELOPE_MIN];
static char armored[4096], b64_armor[8192], b64_env[4096];

struct seen {
    size_t n, empty;
    size_t message[8], pos[8];
    int line[8];
    int match[8];
    char problem[8][128];
    size_t empty_message[8];
    char subject[8][128];
};

static void found(void *ctx, size_t message, size_t pos, int line, const unsigned char *e,
                  size_t len, const char *problem)
{
    struct seen *s = ctx;
    if (s->n >= 8)
        return;
    s->message[s->n] = message;
    s->pos[s->n] = pos;
    s->line[s->n] = line;
    s->match[s->n] = e && len == sizeof env && !memcmp(e, env, len);
    snprintf(s->problem[s->n], 128, "%s", problem ? problem : "");
    s->n++;
}

static void empty(void *ctx, size_t message, int line, const char *subject)
{
    (void)line;
    struct seen *s = ctx;
    if (s->empty >= 8)
        return;
    s->empty_message[s->empty] = message;
    snprintf(s->subject[s->empty], 128, "%s", subject ? subject : "(none)");
    s->empty++;
}

static struct seen scan(const char *text)
{
    struct seen s;
    memset(&s, 0, sizeof s);
    mail_scan(text, strlen(text), found, empty, &s);
    return s;
}

/* text with every "\n" made "\r\n" (caller frees). */
static char *crlf(const char *text)
{
    struct buf b = BUF_INIT;
    for (const char *p = text; *p; p++) {
        if (*p == '\n')
            buf_putc(&b, '\r');
        buf_putc(&b, *p);
    }
    return buf_detach(&b);
}

/* text with "prefix" before every line (caller frees). */
static char *quoted(const char *prefix, const char *text)
{
    struct buf b = BUF_INIT;
    int start = 1;
    for (const char *p = text; *p; p++) {
        if (start)
            buf_puts(&b, prefix);
        buf_putc(&b, *p);
        start = *p == '\n';
    }
    return buf_detach(&b);
}

static void b64_lines(const unsigned char *data, size_t len, char *out, size_t outlen)
{
    char *one = malloc(sodium_base64_ENCODED_LEN(len, sodium_base64_VARIANT_ORIGINAL));
    sodium_bin2base64(one, sodium_base64_ENCODED_LEN(len, sodium_base64_VARIANT_ORIGINAL), data,
                      len, sodium_base64_VARIANT_ORIGINAL);
    size_t n = strlen(one), o = 0;
    for (size_t i = 0; i < n && o + 80 < outlen; i += 76) {
        size_t k = n - i < 76 ? n - i : 76;
        memcpy(out + o, one + i, k);
        o += k;
        out[o++] = '\n';
    }
    out[o] = '\0';
    free(one);
}

/* Quoted-printable as a mail program writes it: '=' as =3D, lines cut at
 * 76 with soft breaks (caller frees). */
static char *qp(const char *text)
{
    struct buf b = BUF_INIT;
    int col = 0;
    for (const char *p = text; *p; p++) {
        if (*p == '\n') {
            buf_putc(&b, '\n');
            col = 0;
            continue;
        }
        if (col >= 72) {
            buf_puts(&b, "=\n");
            col = 0;
        }
        if (*p == '=') {
            buf_puts(&b, "=3D");
            col += 3;
        } else {
            buf_putc(&b, *p);
            col++;
        }
    }
    return buf_detach(&b);
}

static int setup(void **state)
{
    (void)state;
    assert_true(sodium_init() >= 0);
    randombytes_buf(env, sizeof env);
    memcpy(env, ENVELOPE_MAGIC, 4);
    struct buf a = BUF_INIT;
    envelope_armor(env, sizeof env, &a);
    snprintf(armored, sizeof armored, "%s", a.data);
    buf_free(&a);
    b64_lines((const unsigned char *)armored, strlen(armored), b64_armor, sizeof b64_armor);
    b64_lines(env, sizeof env, b64_env, sizeof b64_env);
    return 0;
}

#define HEAD "From: Someone <someone@example.org>\nTo: peers@example.org\nSubject: Sealed message\n"

static void test_detect(void **state)
{
    (void)state;
    const char *eml = HEAD "\nbody\n";
    assert_true(mail_detect(eml, strlen(eml)));
    assert_true(mail_detect("From a@b Mon Jan  1 00:00:00 2026\n", 34));
    assert_false(mail_detect(armored, strlen(armored)));
    assert_false(mail_detect("Hello: this is prose\n\nnot mail\n", 30));
}

static void test_plain_lf_and_crlf(void **state)
{
    (void)state;
    char text[8192];
    snprintf(text, sizeof text, HEAD "\nHere it is:\n\n%s\nThanks\n", armored);
    struct seen s = scan(text);
    assert_int_equal(s.n, 1);
    assert_true(s.match[0]);
    assert_int_equal(s.line[0], 7); /* the BEGIN line in the file */
    assert_int_equal(s.empty, 0);
    char *c = crlf(text);
    s = scan(c);
    assert_int_equal(s.n, 1);
    assert_true(s.match[0]);
    free(c);
}

static void test_quoted_printable_and_base64(void **state)
{
    (void)state;
    char text[16384];
    char *q = qp(armored);
    snprintf(text, sizeof text,
             HEAD "MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n"
                  "Content-Transfer-Encoding: quoted-printable\n\n%s",
             q);
    free(q);
    struct seen s = scan(text);
    assert_int_equal(s.n, 1);
    assert_true(s.match[0]);

    snprintf(text, sizeof text,
             HEAD "MIME-Version: 1.0\nContent-Type: text/plain\n"
                  "Content-Transfer-Encoding: base64\n\n%s",
             b64_armor);
    s = scan(text);
    assert_int_equal(s.n, 1);
    assert_true(s.match[0]);
}

static void test_multipart_attachments(void **state)
{
    (void)state;
    char text[32768];
    /* A text part without a request, an HTML part quoting it (skipped), an
     * armored .peerreq and a binary one. */
    snprintf(text, sizeof text,
             HEAD "MIME-Version: 1.0\nContent-Type: multipart/mixed;\n boundary=\"outer b\"\n\n"
                  "preamble\n--outer b\nContent-Type: multipart/alternative; boundary=inner\n\n"
                  "--inner\nContent-Type: text/plain\n\nSee attached.\n--inner\n"
                  "Content-Type: text/html\n\n<pre>%s</pre>\n--inner--\n"
                  "--outer b\nContent-Type: application/octet-stream; name=\"request.peerreq\"\n"
                  "Content-Disposition: attachment; filename=\"request.peerreq\"\n"
                  "Content-Transfer-Encoding: base64\n\n%s"
                  "--outer b\r\nContent-Type: application/octet-stream\r\n"
                  "Content-Disposition: attachment; filename=binary.PEERREQ\r\n"
                  "Content-Transfer-Encoding: base64\r\n\r\n%s"
                  "--outer b--\nepilogue\n",
             armored, b64_armor, b64_env);
    struct seen s = scan(text);
    assert_int_equal(s.n, 2);
    assert_true(s.match[0]);
    assert_true(s.match[1]);
    assert_int_equal(s.pos[1], 2);
}

static void test_reply_quoting(void **state)
{
    (void)state;
    char text[16384];
    char *once = quoted("> ", armored), *twice = quoted(">> ", armored);
    snprintf(text, sizeof text, HEAD "\nOn Monday you wrote:\n%s\nand before:\n%s", once, twice);
    struct seen s = scan(text);
    assert_int_equal(s.n, 2);
    assert_true(s.match[0] && s.match[1]);
    free(once);
    free(twice);
}

static void test_mbox_named_and_damaged(void **state)
{
    (void)state;
    char text[32768], cut[2048];
    /* The third message has its request cut short. */
    snprintf(cut, sizeof cut, "%.*s", 200, armored);
    snprintf(text, sizeof text,
             "From a@example.org Mon Jan  5 10:00:00 2026\n" HEAD "\n%s\n"
             "From b@example.org Mon Jan  5 11:00:00 2026\nFrom: b@example.org\n"
             "Subject: Lunch \x1b[31mon Friday\n\nNo request here.\nFrom the kitchen.\n\n"
             "From c@example.org Mon Jan  5 12:00:00 2026\nFrom: c@example.org\n"
             "Subject: cut\n\n%s\n",
             armored, cut);
    struct seen s = scan(text);
    assert_int_equal(s.n, 2);
    assert_int_equal(s.message[0], 1);
    assert_true(s.match[0]);
    assert_int_equal(s.message[1], 3);
    assert_false(s.match[1]);
    assert_non_null(strstr(s.problem[1], "no END line"));
    assert_int_equal(s.empty, 1);
    assert_int_equal(s.empty_message[0], 2);
    assert_string_equal(s.subject[0], "Lunch \x1b[31mon Friday"); /* raw: the caller escapes */
}

static void test_damaged_attachment(void **state)
{
    (void)state;
    char text[16384];
    snprintf(text, sizeof text,
             HEAD "MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=b\n\n--b\n"
                  "Content-Type: text/plain\n\nhello\n--b\n"
                  "Content-Disposition: attachment; filename=\"r.peerreq\"\n"
                  "Content-Transfer-Encoding: base64\n\n%.*s!!!\n--b--\n",
             100, b64_env);
    struct seen s = scan(text);
    assert_int_equal(s.n, 1);
    assert_false(s.match[0]);
    assert_non_null(strstr(s.problem[0], "not valid base64"));
    assert_int_equal(s.empty, 0);
}

/* Nothing from outside crashes it: every prefix of a multipart message. */
static void test_every_prefix(void **state)
{
    (void)state;
    char text[16384];
    snprintf(text, sizeof text,
             HEAD "Content-Type: multipart/mixed; boundary=b\n\n--b\n"
                  "Content-Transfer-Encoding: quoted-printable\n\n=3D=\n%s--b--\n",
             armored);
    size_t n = strlen(text);
    for (size_t i = 0; i <= n; i += 7) {
        struct seen s;
        memset(&s, 0, sizeof s);
        mail_scan(text, i, found, empty, &s);
        assert_true(s.n + s.empty >= 1 || i == 0);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_detect),
        cmocka_unit_test(test_plain_lf_and_crlf),
        cmocka_unit_test(test_quoted_printable_and_base64),
        cmocka_unit_test(test_multipart_attachments),
        cmocka_unit_test(test_reply_quoting),
        cmocka_unit_test(test_mbox_named_and_damaged),
        cmocka_unit_test(test_damaged_attachment),
        cmocka_unit_test(test_every_prefix),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
