#include "mail.h"

#include <ctype.h>
#include <sodium.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "envelope.h"
#include "xalloc.h"

#define MAX_DEPTH 8
#define MAX_HEADER 998 /* RFC 5322's line limit, for the values kept */

/* The one message being scanned. */
struct scan {
    mail_request_fn found;
    void *ctx;
    size_t message, requests;
};

/* The headers of a message or part that matter here (NUL-terminated,
 * unfolded, cut at MAX_HEADER). */
struct headers {
    char type[MAX_HEADER + 1], encoding[MAX_HEADER + 1], disposition[MAX_HEADER + 1],
        subject[MAX_HEADER + 1];
    bool seen; /* at least one header line */
};

/* ---- lines ---------------------------------------------------------------------------------- */

/* The line at p (without "\n" or "\r\n"); *next is the start of the next. */
static size_t line_at(const char *p, const char *end, const char **next)
{
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    *next = nl ? nl + 1 : end;
    size_t n = (size_t)((nl ? nl : end) - p);
    if (n && p[n - 1] == '\r')
        n--;
    return n;
}

static int count_lines(const char *from, const char *to)
{
    int n = 0;
    for (const char *p = from; p < to; p++)
        n += *p == '\n';
    return n;
}

/* "Name:" at the start of a line: printable ASCII without space or colon. */
static size_t header_name(const char *p, size_t n)
{
    size_t i = 0;
    while (i < n && p[i] > ' ' && p[i] < 127 && p[i] != ':')
        i++;
    return i > 0 && i < n && p[i] == ':' ? i : 0;
}

/* ---- headers -------------------------------------------------------------------------------- */

static void keep(char *dst, const char *src, size_t n, bool continued)
{
    size_t have = strlen(dst);
    if (continued && have < MAX_HEADER)
        dst[have++] = ' ';
    while (n && (*src == ' ' || *src == '\t')) {
        src++;
        n--;
    }
    if (n > MAX_HEADER - have)
        n = MAX_HEADER - have;
    memcpy(dst + have, src, n);
    dst[have + n] = '\0';
}

/* Reads headers from p; returns where the body starts (after the blank
 * line, or at the first line that is not a header). */
static const char *read_headers(const char *p, const char *end, struct headers *h)
{
    char *current = NULL;
    memset(h, 0, sizeof *h);
    while (p < end) {
        const char *next;
        size_t n = line_at(p, end, &next);
        if (n == 0)
            return next;
        if ((*p == ' ' || *p == '\t') && h->seen) {
            if (current)
                keep(current, p, n, true);
            p = next;
            continue;
        }
        size_t name = header_name(p, n);
        if (!name)
            return p; /* not a header: the body starts here */
        h->seen = true;
        current = NULL;
        if (name == 12 && !strncasecmp(p, "Content-Type", name))
            current = h->type;
        else if (name == 25 && !strncasecmp(p, "Content-Transfer-Encoding", name))
            current = h->encoding;
        else if (name == 19 && !strncasecmp(p, "Content-Disposition", name))
            current = h->disposition;
        else if (name == 7 && !strncasecmp(p, "Subject", name))
            current = h->subject;
        if (current) {
            current[0] = '\0';
            keep(current, p + name + 1, n - name - 1, false);
        }
        p = next;
    }
    return end;
}

/* The value of parameter `name` in a header value ("...; boundary=\"x\""),
 * into out (size outlen); 0 if absent. */
static int header_param(const char *value, const char *name, char *out, size_t outlen)
{
    size_t nl = strlen(name);
    for (const char *p = strchr(value, ';'); p; p = strchr(p + 1, ';')) {
        const char *q = p + 1;
        while (*q == ' ' || *q == '\t')
            q++;
        if (strncasecmp(q, name, nl) || q[nl] != '=')
            continue;
        q += nl + 1;
        size_t o = 0;
        if (*q == '"') {
            for (q++; *q && *q != '"' && o + 1 < outlen; q++)
                out[o++] = *q == '\\' && q[1] ? *++q : *q;
        } else {
            for (; *q && *q != ';' && *q != ' ' && *q != '\t' && o + 1 < outlen; q++)
                out[o++] = *q;
        }
        out[o] = '\0';
        return o > 0;
    }
    return 0;
}

static bool starts_with_ci(const char *s, const char *prefix)
{
    return !strncasecmp(s, prefix, strlen(prefix));
}

/* ---- transfer encodings --------------------------------------------------------------------- */

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = tolower(c);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

static void decode_qp(const char *p, size_t n, struct buf *out)
{
    const char *end = p + n;
    while (p < end) {
        if (*p != '=') {
            buf_putc(out, *p++);
            continue;
        }
        if (p + 1 < end && p[1] == '\n') { /* soft line break */
            p += 2;
        } else if (p + 2 < end && p[1] == '\r' && p[2] == '\n') {
            p += 3;
        } else if (p + 2 < end && hexval(p[1]) >= 0 && hexval(p[2]) >= 0) {
            buf_putc(out, (char)(hexval(p[1]) * 16 + hexval(p[2])));
            p += 3;
        } else {
            buf_putc(out, *p++);
        }
    }
}

static int decode_base64(const char *p, size_t n, struct buf *out)
{
    unsigned char *bin = xmalloc(n / 4 * 3 + 3);
    size_t len = 0;
    const char *stop = NULL;
    int rc = sodium_base642bin(bin, n / 4 * 3 + 3, p, n, " \t\r\n", &len, &stop,
                               sodium_base64_VARIANT_ORIGINAL);
    while (rc == 0 && stop < p + n && strchr(" \t\r\n", *stop))
        stop++;
    if (rc == 0 && stop == p + n)
        buf_append(out, bin, len);
    free(bin);
    return rc == 0 && stop == p + n ? 0 : -1;
}

/* ---- requests in text ----------------------------------------------------------------------- */

/* The text without quoting: each line loses its leading "> " or ">" marks
 * (any depth, spaces between them too), so a reply that quotes the armored
 * request still holds it. */
static void unquote(const char *p, size_t n, struct buf *out)
{
    const char *end = p + n;
    while (p < end) {
        const char *next;
        size_t len = line_at(p, end, &next);
        const char *s = p, *e = p + len;
        for (const char *t = s;;) {
            while (t < e && (*t == ' ' || *t == '\t'))
                t++;
            if (t < e && *t == '>') {
                s = ++t;
                if (s < e && *s == ' ')
                    s++;
                t = s;
            } else {
                break;
            }
        }
        buf_append(out, s, (size_t)(e - s));
        buf_putc(out, '\n');
        p = next;
    }
}

struct in_text {
    struct scan *sc;
    int line0;
    bool encoded; /* line numbers inside a decoded body do not map to the file */
};

static void take_block(void *ctx, size_t pos, int line, const unsigned char *env, size_t len,
                       const char *problem)
{
    (void)pos;
    struct in_text *t = ctx;
    t->sc->requests++;
    t->sc->found(t->sc->ctx, t->sc->message, t->sc->requests,
                 t->encoded ? t->line0 : t->line0 + line - 1, env, len, problem);
}

static void scan_text(struct scan *sc, const char *p, size_t n, int line0, bool encoded)
{
    struct buf plain = BUF_INIT;
    struct in_text t = {sc, line0, encoded};
    unquote(p, n, &plain);
    envelope_dearmor(plain.data ? plain.data : "", plain.len, take_block, &t);
    buf_free(&plain);
}

/* ---- parts ---------------------------------------------------------------------------------- */

static void scan_part(struct scan *sc, const char *p, const char *end, int line0, int depth);

/* The parts between "--boundary" lines, each scanned with its line. */
static void scan_multipart(struct scan *sc, const char *body, const char *end, int line0,
                           const char *boundary, int depth)
{
    size_t bl = strlen(boundary);
    const char *p = body, *part = NULL;
    int line = line0, part_line = 0;
    while (p < end) {
        const char *next;
        size_t n = line_at(p, end, &next);
        while (n && (p[n - 1] == ' ' || p[n - 1] == '\t'))
            n--;
        bool delim = n >= bl + 2 && p[0] == '-' && p[1] == '-' && !memcmp(p + 2, boundary, bl);
        bool last = delim && n == bl + 4 && p[bl + 2] == '-' && p[bl + 3] == '-';
        if (delim && (n == bl + 2 || last)) {
            if (part)
                scan_part(sc, part, p, part_line, depth + 1);
            part = last ? NULL : next;
            part_line = line + 1;
            if (last)
                return;
        }
        p = next;
        line++;
    }
    if (part) /* no closing delimiter: scan what there is */
        scan_part(sc, part, end, part_line, depth + 1);
}

static bool is_peerreq(const struct headers *h)
{
    char name[256];
    if (!header_param(h->disposition, "filename", name, sizeof name) &&
        !header_param(h->type, "name", name, sizeof name))
        return false;
    size_t n = strlen(name);
    return n >= 8 && !strcasecmp(name + n - 8, ".peerreq");
}

static void scan_part(struct scan *sc, const char *p, const char *end, int line0, int depth)
{
    struct headers h;
    char boundary[256];
    if (depth > MAX_DEPTH)
        return;
    const char *body = read_headers(p, end, &h);
    int body_line = line0 + count_lines(p, body);
    if (starts_with_ci(h.type, "multipart/")) {
        if (header_param(h.type, "boundary", boundary, sizeof boundary))
            scan_multipart(sc, body, end, body_line, boundary, depth);
        else
            scan_text(sc, body, (size_t)(end - body), body_line, false);
        return;
    }
    if (starts_with_ci(h.type, "message/rfc822")) {
        scan_part(sc, body, end, body_line, depth + 1);
        return;
    }
    if (starts_with_ci(h.type, "text/html"))
        return;
    struct buf decoded = BUF_INIT;
    const char *text = body;
    size_t len = (size_t)(end - body);
    bool encoded = false;
    if (starts_with_ci(h.encoding, "quoted-printable")) {
        decode_qp(body, len, &decoded);
        encoded = true;
    } else if (starts_with_ci(h.encoding, "base64")) {
        encoded = true;
        if (decode_base64(body, len, &decoded) < 0) {
            sc->requests++;
            sc->found(sc->ctx, sc->message, sc->requests, body_line, NULL, 0,
                      is_peerreq(&h) ? "the .peerreq attachment is not valid base64 (damaged?)"
                                     : "a base64 part is damaged");
            buf_free(&decoded);
            return;
        }
    }
    if (encoded) {
        text = decoded.data ? decoded.data : "";
        len = decoded.len;
    }
    if (len >= 4 && !memcmp(text, ENVELOPE_MAGIC, 4)) {
        /* A binary envelope: a .peerreq file attached as it was downloaded. */
        sc->requests++;
        sc->found(sc->ctx, sc->message, sc->requests, body_line, (const unsigned char *)text, len,
                  NULL);
    } else {
        size_t before = sc->requests;
        scan_text(sc, text, len, body_line, encoded);
        if (sc->requests == before && is_peerreq(&h)) {
            sc->requests++;
            sc->found(sc->ctx, sc->message, sc->requests, body_line, NULL, 0,
                      "the .peerreq attachment holds no sealed request (damaged?)");
        }
    }
    buf_free(&decoded);
}

/* ---- messages ------------------------------------------------------------------------------- */

static bool is_from_line(const char *p, const char *end)
{
    return end - p >= 5 && !memcmp(p, "From ", 5);
}

int mail_detect(const char *text, size_t len)
{
    static const char *const names[] = {"From",         "Subject",
                                        "To",           "Date",
                                        "Message-ID",   "MIME-Version",
                                        "Content-Type", "Received",
                                        "Return-Path",  NULL};
    const char *p = text, *end = text + len;
    if (is_from_line(p, end))
        return 1;
    int lines = 0;
    while (p < end && lines++ < 200) {
        const char *next;
        size_t n = line_at(p, end, &next);
        if (n == 0)
            return 0;
        if (*p != ' ' && *p != '\t') {
            size_t name = header_name(p, n);
            if (!name)
                return 0;
            for (size_t i = 0; names[i]; i++)
                if (strlen(names[i]) == name && !strncasecmp(p, names[i], name))
                    return 1;
        }
        p = next;
    }
    return 0;
}

size_t mail_scan(const char *text, size_t len, mail_request_fn found, mail_empty_fn empty,
                 void *ctx)
{
    const char *p = text, *end = text + len;
    bool mbox = is_from_line(p, end);
    size_t count = 0;
    int line = 1;
    while (p < end) {
        /* One message: up to the next "From " line after a blank line (mbox). */
        const char *start = p, *q = p, *stop = end;
        int start_line = line;
        if (mbox) {
            const char *next;
            line_at(q, end, &next); /* the "From " line itself */
            q = next;
            start = next;
            start_line = line + 1;
            bool blank = false;
            while (q < end) {
                size_t n = line_at(q, end, &next);
                if (blank && is_from_line(q, end)) {
                    stop = q;
                    break;
                }
                blank = n == 0;
                q = next;
            }
        }
        struct scan sc = {found, ctx, ++count, 0};
        struct headers h;
        read_headers(start, stop, &h);
        scan_part(&sc, start, stop, start_line, 0);
        if (sc.requests == 0 && empty)
            empty(ctx, count, start_line, h.subject[0] ? h.subject : NULL);
        line += count_lines(p, stop);
        p = stop;
    }
    return count;
}
