#include "receipt.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "xalloc.h"

#define MAGIC_V1 "peerkit-receipt v1\n"
#define MAGIC_V2 "peerkit-receipt v2\n"
#define MAX_IDS 10000000u
#define ID_LINE (2 * ENVELOPE_ID_BYTES + 1)

typedef unsigned char envid[ENVELOPE_ID_BYTES];

static int cmp_id(const void *a, const void *b)
{
    return memcmp(a, b, ENVELOPE_ID_BYTES);
}

void receipt_free(struct receipt *r)
{
    if (!r)
        return;
    free(r->held);
    free(r->discard);
    memset(r, 0, sizeof *r);
}

/* A sorted, unique copy of ids (caller frees); *u its length. */
static envid *sorted_unique(const envid *ids, size_t n, size_t *u)
{
    envid *s = xmalloc((n ? n : 1) * ENVELOPE_ID_BYTES);
    if (n)
        memcpy(s, ids, n * ENVELOPE_ID_BYTES);
    qsort(s, n, ENVELOPE_ID_BYTES, cmp_id);
    *u = 0;
    for (size_t i = 0; i < n; i++)
        if (*u == 0 || memcmp(s[*u - 1], s[i], ENVELOPE_ID_BYTES))
            memmove(s[(*u)++], s[i], ENVELOPE_ID_BYTES);
    return s;
}

static void put_ids(const char *name, const envid *ids, size_t n, struct buf *out)
{
    buf_printf(out, "%s: %zu\n", name, n);
    for (size_t i = 0; i < n; i++) {
        char hex[65];
        envelope_id_hex(ids[i], hex);
        buf_printf(out, "%s\n", hex);
    }
}

void receipt_body(time_t created, const unsigned char (*held)[ENVELOPE_ID_BYTES], size_t nheld,
                  const unsigned char (*discard)[ENVELOPE_ID_BYTES], size_t ndiscard,
                  struct buf *out)
{
    size_t nh, nd, kept = 0;
    envid *h = sorted_unique(held, nheld, &nh);
    envid *dis = sorted_unique(discard, ndiscard, &nd);
    /* Held wins: the administrator has it, so it is not "discarded". */
    for (size_t i = 0; i < nd; i++)
        if (!bsearch(dis[i], h, nh, ENVELOPE_ID_BYTES, cmp_id))
            memmove(dis[kept++], dis[i], ENVELOPE_ID_BYTES);
    char when[CLOCK_ISO_LEN];
    clock_iso(created, when);
    buf_printf(out, MAGIC_V2 "created: %s\n", when);
    put_ids("held", h, nh, out);
    put_ids("discard", dis, kept, out);
    free(h);
    free(dis);
}

void receipt_signature_line(const struct pubkey *pk, const unsigned char sig[64], struct buf *out)
{
    char b64[sodium_base64_ENCODED_LEN(crypto_sign_BYTES, sodium_base64_VARIANT_ORIGINAL)];
    sodium_bin2base64(b64, sizeof b64, sig, crypto_sign_BYTES, sodium_base64_VARIANT_ORIGINAL);
    buf_printf(out, "signature: %s %s\n", pk->key_id_hex, b64);
}

/* The text being verified, and where the reading is. */
struct reader {
    const char *text, *p, *end, *path;
    int lineno;
    struct diag *d;
};

/* Next line into line/n; 1, 0 at the end, -1 for a line without its
 * newline (every line ends with one: such a receipt was cut). */
static int next_line(struct reader *r, const char **line, size_t *n)
{
    if (r->p >= r->end)
        return 0;
    const char *nl = memchr(r->p, '\n', (size_t)(r->end - r->p));
    if (!nl)
        return -1;
    r->lineno++;
    *line = r->p;
    *n = (size_t)(nl - r->p);
    r->p = nl + 1;
    return 1;
}

/* Reads "name: value" into field (NUL-terminated, at most size - 1 bytes). */
static int read_field(struct reader *r, const char *name, char *field, size_t size)
{
    const char *line;
    size_t n, k = strlen(name);
    int at = r->lineno + 1;
    if (next_line(r, &line, &n) != 1 || n <= k + 2 || memcmp(line, name, k) || line[k] != ':' ||
        line[k + 1] != ' ' || n - k - 2 >= size) {
        diag_error(r->d, r->path, at, 1, "damaged or truncated receipt: expected \"%s: ...\"",
                   name);
        return -1;
    }
    memcpy(field, line + k + 2, n - k - 2);
    field[n - k - 2] = '\0';
    return 0;
}

/* Reads "name: N" and N sorted, unique id lines into *ids (malloc'd). */
static int read_ids(struct reader *r, const char *name, envid **ids, size_t *count)
{
    char field[32], *stop;
    const char *line;
    size_t n;
    if (read_field(r, name, field, sizeof field) < 0)
        return -1;
    unsigned long c = strtoul(field, &stop, 10);
    if (*stop || field[0] < '0' || field[0] > '9' || c > MAX_IDS) {
        diag_error(r->d, r->path, r->lineno, (int)strlen(name) + 3, "damaged receipt: bad count");
        return -1;
    }
    if (c > (size_t)(r->end - r->p) / ID_LINE) {
        diag_error(r->d, r->path, r->lineno, 1,
                   "damaged or truncated receipt: %lu ids announced, fewer follow", c);
        return -1;
    }
    envid *list = xmalloc((c ? c : 1) * ENVELOPE_ID_BYTES);
    for (unsigned long i = 0; i < c; i++) {
        size_t got;
        if (next_line(r, &line, &n) != 1 || n != 64 ||
            sodium_hex2bin(list[i], ENVELOPE_ID_BYTES, line, 64, NULL, &got, NULL) != 0 ||
            got != ENVELOPE_ID_BYTES ||
            (i > 0 && memcmp(list[i - 1], list[i], ENVELOPE_ID_BYTES) >= 0)) {
            diag_error(r->d, r->path, r->lineno, 1,
                       "damaged or truncated receipt: bad envelope id");
            free(list);
            return -1;
        }
    }
    *ids = list;
    *count = c;
    return 0;
}

/* Decodes a base64 signature of exactly 64 bytes. */
static int decode_sig(const char *b64, size_t n, unsigned char sig[64])
{
    size_t len = 0;
    const char *end = NULL;
    if (sodium_base642bin(sig, 64, b64, n, NULL, &len, &end, sodium_base64_VARIANT_ORIGINAL) != 0 ||
        len != 64 || end != b64 + n)
        return -1;
    return 0;
}

/* 1 if s holds n lowercase hex digits. */
static int is_hex(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return 0;
    return 1;
}

static int verify_v1(const struct pubkey *pk, struct reader *r, struct receipt *out)
{
    char field[128];
    const char *line;
    size_t n;
    if (read_field(r, "key-id", field, sizeof field) < 0)
        return -1;
    if (strcmp(field, pk->key_id_hex)) {
        diag_error(r->d, r->path, r->lineno, 9,
                   "receipt is for key %s, not this kiosk's key %s (foreign receipt)", field,
                   pk->key_id_hex);
        return -1;
    }
    if (read_field(r, "created", field, sizeof field) < 0 ||
        read_ids(r, "count", &out->held, &out->nheld) < 0)
        return -1;
    const char *signed_end = r->p;
    unsigned char sig[64];
    if (next_line(r, &line, &n) != 1 || n < 11 || memcmp(line, "signature: ", 11) ||
        decode_sig(line + 11, n - 11, sig) < 0) {
        diag_error(r->d, r->path, r->lineno, 1,
                   "damaged or truncated receipt: no valid signature line");
        return -1;
    }
    if (r->p != r->end) {
        diag_error(r->d, r->path, r->lineno + 1, 1, "damaged receipt: text after the signature");
        return -1;
    }
    if (crypto_sign_verify_detached(sig, (const unsigned char *)r->text,
                                    (size_t)(signed_end - r->text), pk->sign_pk) != 0) {
        diag_error(r->d, r->path, r->lineno, 1,
                   "the signature does not verify: forged or altered receipt");
        return -1;
    }
    return 0;
}

static int verify_v2(const struct pubkey *pk, struct reader *r, struct receipt *out)
{
    char field[128], ids[RECEIPT_MAX_SIGNATURES][2 * PUBKEY_ID_BYTES + 1];
    const char *line;
    size_t n, nsig = 0;
    int ours = 0, ours_line = 0, got;
    unsigned char sig[64], our_sig[64];
    if (read_field(r, "created", field, sizeof field) < 0 ||
        read_ids(r, "held", &out->held, &out->nheld) < 0 ||
        read_ids(r, "discard", &out->discard, &out->ndiscard) < 0)
        return -1;
    const char *signed_end = r->p;
    while ((got = next_line(r, &line, &n)) == 1) {
        /* "signature: " + 16 hex + " " + base64 */
        if (n < 29 || memcmp(line, "signature: ", 11) || !is_hex(line + 11, 16) ||
            line[27] != ' ' || decode_sig(line + 28, n - 28, sig) < 0) {
            diag_error(r->d, r->path, r->lineno, 1,
                       nsig ? "damaged receipt: text after the signatures"
                            : "damaged or truncated receipt: no valid signature line");
            return -1;
        }
        if (nsig == RECEIPT_MAX_SIGNATURES) {
            diag_error(r->d, r->path, r->lineno, 1, "damaged receipt: more than %d signatures",
                       RECEIPT_MAX_SIGNATURES);
            return -1;
        }
        memcpy(ids[nsig], line + 11, 16);
        ids[nsig][16] = '\0';
        for (size_t i = 0; i < nsig; i++)
            if (!strcmp(ids[i], ids[nsig])) {
                diag_error(r->d, r->path, r->lineno, 12, "damaged receipt: key %s signs twice",
                           ids[i]);
                return -1;
            }
        if (!strcmp(ids[nsig], pk->key_id_hex)) {
            ours = 1;
            ours_line = r->lineno;
            memcpy(our_sig, sig, sizeof sig);
        }
        nsig++;
    }
    if (got < 0 || nsig == 0) {
        diag_error(r->d, r->path, r->lineno + 1, 1,
                   "damaged or truncated receipt: no valid signature line");
        return -1;
    }
    if (!ours) {
        struct buf keys = BUF_INIT;
        for (size_t i = 0; i < nsig; i++)
            buf_printf(&keys, "%s%s", i ? ", " : "", ids[i]);
        diag_error(r->d, r->path, r->lineno, 1,
                   "receipt is signed by key%s %s, not by this kiosk's key %s (foreign receipt)",
                   nsig == 1 ? "" : "s", keys.data, pk->key_id_hex);
        buf_free(&keys);
        return -1;
    }
    if (crypto_sign_verify_detached(our_sig, (const unsigned char *)r->text,
                                    (size_t)(signed_end - r->text), pk->sign_pk) != 0) {
        diag_error(r->d, r->path, ours_line, 1,
                   "the signature does not verify: forged or altered receipt");
        return -1;
    }
    return 0;
}

int receipt_verify(const struct pubkey *pk, const char *text, size_t len, const char *path,
                   struct receipt *out, struct diag *d)
{
    struct reader r = {text, text, text + len, path, 1, d};
    struct receipt got = {0};
    int rc;
    memset(out, 0, sizeof *out);
    if (len >= strlen(MAGIC_V2) && !memcmp(text, MAGIC_V2, strlen(MAGIC_V2))) {
        r.p += strlen(MAGIC_V2);
        got.version = 2;
        rc = verify_v2(pk, &r, &got);
    } else if (len >= strlen(MAGIC_V1) && !memcmp(text, MAGIC_V1, strlen(MAGIC_V1))) {
        r.p += strlen(MAGIC_V1);
        got.version = 1;
        rc = verify_v1(pk, &r, &got);
    } else {
        diag_error(d, path, 1, 1, "not a peerkit receipt");
        return -1;
    }
    if (rc < 0) {
        receipt_free(&got);
        return -1;
    }
    *out = got;
    return 0;
}
