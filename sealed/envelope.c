#include "envelope.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "formspec.h"
#include "secmem.h"
#include "xalloc.h"

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

json_t *envelope_plain_new(const char *schema_hash, const char *channel, const char *when,
                           const char *reference, json_t *fields)
{
    return json_pack("{s:i, s:s, s:s, s:s, s:s, s:O}", "v", 1, "schema", schema_hash, "channel",
                     channel, "submitted", when, "reference", reference, "fields", fields);
}

int envelope_seal(const struct pubkey *pk, const char *schema_hash, const struct formspec *form,
                  const char *channel, json_t *fields, char reference[16], unsigned char **env,
                  size_t *len, struct diag *d)
{
    char when[CLOCK_ISO_LEN];
    clock_iso(clock_now(), when);
    envelope_reference(reference);
    json_t *plain = envelope_plain_new(schema_hash, channel, when, reference, fields);
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
    size_t bucket = envelope_bucket(n), padded_len;
    unsigned char *buf = secmem_alloc(bucket);
    json_dumpb(plain, (char *)buf, n, JSON_COMPACT);
    json_decref(plain);
    /* What the administrator's import would make of these very bytes. */
    json_t *parsed = NULL;
    int applied;
    if (envelope_parse_plain((const char *)buf, n, &parsed, d) < 0 ||
        envelope_check_form(form, parsed, &applied, d) < 0) {
        json_decref(parsed);
        sodium_free(buf); /* wipes */
        return -1;
    }
    json_decref(parsed);
    sodium_pad(&padded_len, buf, n, bucket, bucket);
    *len = ENVELOPE_HEADER + crypto_box_SEALBYTES + padded_len;
    *env = xmalloc(*len);
    memcpy(*env, ENVELOPE_MAGIC, 4);
    (*env)[4] = ENVELOPE_VERSION;
    memcpy(*env + 5, pk->key_id, PUBKEY_ID_BYTES);
    crypto_box_seal(*env + ENVELOPE_HEADER, buf, padded_len, pk->box_pk);
    sodium_free(buf);
    return 0;
}

/* Exactly "XXXX-XXXX" from the reference alphabet. */
static int reference_valid(const char *r)
{
    if (strlen(r) != 9 || r[4] != '-')
        return 0;
    for (int i = 0; i < 9; i++)
        if (i != 4 && !strchr(ref_alphabet, r[i]))
            return 0;
    return 1;
}

static int hex64(const char *s)
{
    if (strlen(s) != 64)
        return 0;
    for (; *s; s++)
        if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
            return 0;
    return 1;
}

int envelope_channel_valid(const char *channel)
{
    if (!strcmp(channel, "web"))
        return 1;
    if (strncmp(channel, "kiosk:", 6))
        return 0;
    const char *id = channel + 6;
    size_t n = strlen(id);
    if (n == 0 || n > 32)
        return 0;
    for (; *id; id++)
        if (!((*id >= 'a' && *id <= 'z') || (*id >= 'A' && *id <= 'Z') ||
              (*id >= '0' && *id <= '9') || *id == '-' || *id == '_' || *id == '.'))
            return 0;
    return 1;
}

/* Anyone holding admin.pub can seal any JSON: every member must have exactly
 * the shape envelope_seal writes, and the reason names the member (never its
 * value, which may hold anything). */
int envelope_check_plain(json_t *p, struct diag *d)
{
    static const char *const members[] = {"v",         "schema", "channel", "submitted",
                                          "reference", "fields", NULL};
    time_t t;
    if (!json_is_object(p)) {
        diag_error(d, "", 0, 0, "invalid request content: not an object");
        return -1;
    }
    const char *key;
    json_t *v;
    json_object_foreach (p, key, v) {
        int known = 0;
        for (size_t i = 0; members[i]; i++)
            known = known || !strcmp(members[i], key);
        if (!known) {
            diag_error(d, "", 0, 0, "invalid request content: unexpected member");
            return -1;
        }
    }
    const char *schema = json_string_value(json_object_get(p, "schema"));
    const char *channel = json_string_value(json_object_get(p, "channel"));
    const char *when = json_string_value(json_object_get(p, "submitted"));
    const char *ref = json_string_value(json_object_get(p, "reference"));
    json_t *fields = json_object_get(p, "fields");
    const char *bad = NULL;
    if (!json_is_integer(json_object_get(p, "v")) ||
        json_integer_value(json_object_get(p, "v")) != 1)
        bad = "version";
    else if (!schema || !hex64(schema))
        bad = "schema";
    else if (!channel || !envelope_channel_valid(channel))
        bad = "channel";
    else if (!when || clock_parse_iso(when, &t) < 0)
        bad = "submitted";
    else if (!ref || !reference_valid(ref))
        bad = "reference";
    else if (!json_is_object(fields))
        bad = "fields";
    if (bad) {
        diag_error(d, "", 0, 0, "invalid request content: bad \"%s\"", bad);
        return -1;
    }
    json_object_foreach (fields, key, v) {
        int ok = formspec_id_valid(key);
        if (ok && !json_is_string(v)) {
            size_t i;
            json_t *item;
            ok = json_is_array(v);
            json_array_foreach (v, i, item) {
                ok = ok && json_is_string(item);
            }
        }
        if (!ok) {
            diag_error(d, "", 0, 0,
                       "invalid request content: a field name or value is "
                       "malformed");
            return -1;
        }
    }
    return 0;
}

int envelope_parse_plain(const char *text, size_t len, json_t **plain, struct diag *d)
{
    json_error_t err;
    /* Without JSON_ALLOW_NUL: a NUL in a string is refused, as C strings
     * downstream would cut it short. */
    *plain = json_loadb(text, len, JSON_REJECT_DUPLICATES, &err);
    if (!*plain) {
        diag_error(d, "", 0, 0, "invalid request content (not JSON)");
        return -1;
    }
    if (envelope_check_plain(*plain, d) < 0) {
        json_decref(*plain);
        *plain = NULL;
        return -1;
    }
    return 0;
}

int envelope_check_form(const struct formspec *form, json_t *plain, int *applied, struct diag *d)
{
    json_t *normalized = NULL;
    *applied =
        form && !strcmp(json_string_value(json_object_get(plain, "schema")), formspec_hash(form));
    if (!*applied)
        return 0;
    int rc = formspec_validate(form, json_object_get(plain, "fields"), &normalized, d);
    json_decref(normalized);
    return rc;
}

size_t envelope_bucket(size_t len)
{
    size_t b = 1024;
    while (b < len + 1)
        b *= 2;
    return b;
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
            if (sodium_base642bin(env, b64.len + 1, b64.data ? b64.data : "", b64.len, NULL, &elen,
                                  &stop, sodium_base64_VARIANT_ORIGINAL) != 0 ||
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
