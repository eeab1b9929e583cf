#include "envelope.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "secmem.h"

#define MAGIC "PKEV"
#define VERSION 1
#define BEGIN_LINE "-----BEGIN PEERKIT REQUEST-----"
#define END_LINE "-----END PEERKIT REQUEST-----"

static const char ref_alphabet[] = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";

void envelope_reference(char out[16])
{
    for (int i = 0, o = 0; i < 8; i++) {
        if (i == 4)
            out[o++] = '-';
        out[o++] = ref_alphabet[randombytes_uniform(32)];
        out[o] = '\0';
    }
}

void envelope_id(const unsigned char *env, size_t len, unsigned char id[ENVELOPE_ID_BYTES])
{
    crypto_generichash(id, ENVELOPE_ID_BYTES, env, len, NULL, 0);
}

void envelope_id_hex(const unsigned char id[ENVELOPE_ID_BYTES], char hex[65])
{
    sodium_bin2hex(hex, 65, id, ENVELOPE_ID_BYTES);
}

static size_t bucket_for(size_t len)
{
    size_t b = 1024;
    while (b < len + 1)
        b *= 2;
    return b;
}

/* "2026-11-25T10:00:00Z" from SOURCE_DATE_EPOCH or the clock. */
static void now_utc(char out[21])
{
    const char *sde = getenv("SOURCE_DATE_EPOCH");
    time_t t = sde && *sde ? (time_t)strtoll(sde, NULL, 10) : time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, 21, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int envelope_seal(const struct pubkey *pk, const char *schema_hash, const char *channel,
                  json_t *fields, char reference[16], unsigned char **env, size_t *len,
                  struct diag *d)
{
    char when[21];
    now_utc(when);
    envelope_reference(reference);
    json_t *plain = json_pack("{s:i, s:s, s:s, s:s, s:s, s:O}", "v", 1, "schema", schema_hash,
                              "channel", channel, "submitted", when, "reference", reference,
                              "fields", fields);
    if (!plain) {
        diag_error(d, "request", 0, 0, "cannot build the request");
        return -1;
    }
    size_t n = json_dumpb(plain, NULL, 0, JSON_COMPACT);
    if (n == 0 || n >= 65536) {
        json_decref(plain);
        diag_error(d, "request", 0, 0, "the request is too large to seal (%zu bytes)", n);
        return -1;
    }
    size_t bucket = bucket_for(n), padded_len;
    unsigned char *buf = secmem_alloc(bucket);
    json_dumpb(plain, (char *)buf, n, JSON_COMPACT);
    json_decref(plain);
    sodium_pad(&padded_len, buf, n, bucket, bucket);
    *len = ENVELOPE_HEADER + crypto_box_SEALBYTES + padded_len;
    *env = malloc(*len);
    if (!*env)
        abort();
    memcpy(*env, MAGIC, 4);
    (*env)[4] = VERSION;
    memcpy(*env + 5, pk->key_id, PUBKEY_ID_BYTES);
    crypto_box_seal(*env + ENVELOPE_HEADER, buf, padded_len, pk->box_pk);
    sodium_free(buf);
    return 0;
}

/* The plaintext's structure: exactly what envelope_seal writes. */
static int check_plain(json_t *p, struct diag *d)
{
    json_t *fields = json_object_get(p, "fields");
    const char *schema = json_string_value(json_object_get(p, "schema"));
    const char *channel = json_string_value(json_object_get(p, "channel"));
    const char *when = json_string_value(json_object_get(p, "submitted"));
    const char *ref = json_string_value(json_object_get(p, "reference"));
    if (!json_is_object(p) || json_integer_value(json_object_get(p, "v")) != 1 || !schema ||
        strlen(schema) != 64 || !channel || (strcmp(channel, "web") &&
                                             strncmp(channel, "kiosk:", 6)) ||
        !when || strlen(when) != 20 || !ref || strlen(ref) != 9 || !json_is_object(fields)) {
        diag_error(d, "", 0, 0, "invalid request content");
        return -1;
    }
    const char *key;
    json_t *v;
    json_object_foreach(fields, key, v) {
        if (json_is_string(v))
            continue;
        size_t i;
        json_t *item;
        int ok = json_is_array(v);
        json_array_foreach(v, i, item) {
            ok = ok && json_is_string(item);
        }
        if (!ok) {
            diag_error(d, "", 0, 0, "invalid request content: field \"%s\"", key);
            return -1;
        }
    }
    return 0;
}

int envelope_open(struct adminkey *const *keys, size_t n, const unsigned char *env, size_t len,
                  json_t **plain, struct diag *d)
{
    unsigned char *scratch = secmem_alloc(ENVELOPE_MAX);
    size_t text_len;
    int rc = envelope_open_into(keys, n, scratch, env, len, plain, &text_len, d);
    sodium_free(scratch); /* wipes */
    return rc;
}

int envelope_open_into(struct adminkey *const *keys, size_t n, unsigned char *scratch,
                       const unsigned char *env, size_t len, json_t **plain, size_t *text_len,
                       struct diag *d)
{
    if (len < ENVELOPE_MIN || len > ENVELOPE_MAX || memcmp(env, MAGIC, 4)) {
        diag_error(d, "", 0, 0, "not a sealed request (bad header or length)");
        return -1;
    }
    if (env[4] != VERSION) {
        diag_error(d, "", 0, 0, "unsupported envelope version %d", env[4]);
        return -1;
    }
    struct adminkey *k = NULL;
    for (size_t i = 0; i < n && !k; i++)
        if (!memcmp(keys[i]->pub.key_id, env + 5, PUBKEY_ID_BYTES))
            k = keys[i];
    if (!k) {
        char hex[2 * PUBKEY_ID_BYTES + 1];
        sodium_bin2hex(hex, sizeof hex, env + 5, PUBKEY_ID_BYTES);
        diag_error(d, "", 0, 0, "sealed for unknown key id %s", hex);
        return -1;
    }
    size_t clen = len - ENVELOPE_HEADER, plen = clen - crypto_box_SEALBYTES, unpadded;
    unsigned char *buf = scratch;
    if (crypto_box_seal_open(buf, env + ENVELOPE_HEADER, clen, k->pub.box_pk, k->box_sk) != 0) {
        diag_error(d, "", 0, 0, "damaged envelope (authentication failed)");
        goto out;
    }
    /* The padding was authenticated with the rest, so a plain scan from the end
     * is safe (sodium_unpad's constant-time scan of the whole bucket guards
     * against padding oracles, which cannot exist after the MAC check). */
    unpadded = plen;
    while (unpadded > 0 && buf[unpadded - 1] == 0)
        unpadded--;
    if (plen != bucket_for(plen - 1) || unpadded == 0 || buf[--unpadded] != 0x80) {
        diag_error(d, "", 0, 0, "damaged envelope (bad padding)");
        goto out;
    }
    json_error_t err;
    *plain = json_loadb((const char *)buf, unpadded, JSON_REJECT_DUPLICATES, &err);
    if (!*plain) {
        diag_error(d, "", 0, 0, "invalid request content (not JSON)");
        goto out;
    }
    if (check_plain(*plain, d) < 0) {
        json_decref(*plain);
        *plain = NULL;
        goto out;
    }
    *text_len = unpadded; /* the caller wipes; what follows is only padding */
    return 0;
out:
    sodium_memzero(buf, plen);
    return -1;
}

void envelope_armor(const unsigned char *env, size_t len, struct buf *out)
{
    size_t b64len = sodium_base64_ENCODED_LEN(len, sodium_base64_VARIANT_ORIGINAL);
    char *b64 = malloc(b64len);
    if (!b64)
        abort();
    sodium_bin2base64(b64, b64len, env, len, sodium_base64_VARIANT_ORIGINAL);
    buf_puts(out, BEGIN_LINE "\n");
    size_t n = strlen(b64);
    for (size_t i = 0; i < n; i += 64) {
        buf_append(out, b64 + i, n - i < 64 ? n - i : 64);
        buf_putc(out, '\n');
    }
    buf_puts(out, END_LINE "\n");
    free(b64);
}

/* Length of the line at p without its line ending (tolerates CRLF and
 * leading/trailing spaces around armor lines). */
static size_t line_len(const char *p, const char *end, const char **next)
{
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    *next = nl ? nl + 1 : end;
    size_t n = (size_t)((nl ? nl : end) - p);
    while (n && (p[n - 1] == '\r' || p[n - 1] == ' ' || p[n - 1] == '\t'))
        n--;
    return n;
}

static int is_line(const char *p, size_t n, const char *want)
{
    while (n && (*p == ' ' || *p == '\t')) {
        p++;
        n--;
    }
    return n == strlen(want) && !memcmp(p, want, n);
}

size_t envelope_dearmor(const char *text, size_t len, armor_fn fn, void *ctx)
{
    const char *p = text, *end = text + len, *next;
    size_t count = 0;
    int line = 0;
    while (p < end) {
        size_t n = line_len(p, end, &next);
        line++;
        if (!is_line(p, n, BEGIN_LINE)) {
            p = next;
            continue;
        }
        int first = line;
        struct buf b64 = BUF_INIT;
        int closed = 0;
        for (p = next; p < end; p = next) {
            n = line_len(p, end, &next);
            line++;
            if (is_line(p, n, END_LINE)) {
                closed = 1;
                p = next;
                break;
            }
            if (is_line(p, n, BEGIN_LINE)) {
                line--; /* a new block starts here: this one was cut short */
                break;
            }
            for (size_t i = 0; i < n; i++)
                if (p[i] != ' ' && p[i] != '\t')
                    buf_putc(&b64, p[i]);
        }
        count++;
        if (!closed) {
            fn(ctx, count, first, NULL, 0, "armored block has no END line (truncated?)");
        } else {
            unsigned char *env = malloc(b64.len + 1);
            size_t elen = 0;
            const char *stop = NULL;
            if (!env)
                abort();
            if (sodium_base642bin(env, b64.len + 1, b64.data ? b64.data : "", b64.len, NULL,
                                  &elen, &stop, sodium_base64_VARIANT_ORIGINAL) != 0 ||
                stop != (b64.data ? b64.data : "") + b64.len)
                fn(ctx, count, first, NULL, 0, "armored block is not valid base64");
            else
                fn(ctx, count, first, env, elen, NULL);
            free(env);
        }
        buf_free(&b64);
    }
    return count;
}
