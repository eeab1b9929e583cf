#include "bundle.h"

#include <sodium.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "envelope.h"

#define MAGIC "PKBUNDLE"
#define HEADER_LEN 16 /* magic 8, version 1, reserved 3, count 4 */
#define REC "PKRC"
#define REC_HEAD (4 + 4 + ENVELOPE_ID_BYTES)
#define END "PKEND"
#define TRAILER_LEN (5 + 4 + 32)

static void put32(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static uint32_t get32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

void bundle_begin(struct buf *out)
{
    unsigned char h[HEADER_LEN] = {0};
    memcpy(h, MAGIC, 8);
    h[8] = 1;
    buf_append(out, h, sizeof h); /* the count is filled in by bundle_end */
}

void bundle_add(struct buf *out, const unsigned char *env, size_t len)
{
    unsigned char h[REC_HEAD];
    memcpy(h, REC, 4);
    put32(h + 4, (uint32_t)len);
    envelope_id(env, len, h + 8);
    buf_append(out, h, sizeof h);
    buf_append(out, env, len);
}

void bundle_end(struct buf *out)
{
    /* Count the records by walking them (they were written by bundle_add) and
     * hash their ids: each id is the hash of its envelope, so the sum binds
     * every byte without hashing the envelopes a second time. */
    uint32_t count = 0;
    size_t p = HEADER_LEN;
    crypto_generichash_state st;
    crypto_generichash_init(&st, NULL, 0, 32);
    while (p + REC_HEAD <= out->len) {
        crypto_generichash_update(&st, (unsigned char *)out->data + p + 8, ENVELOPE_ID_BYTES);
        p += REC_HEAD + get32((unsigned char *)out->data + p + 4);
        count++;
    }
    put32((unsigned char *)out->data + 12, count);
    unsigned char t[TRAILER_LEN];
    memcpy(t, END, 5);
    put32(t + 5, count);
    crypto_generichash_final(&st, t + 9, 32);
    buf_append(out, t, sizeof t);
}

int bundle_detect(const unsigned char *data, size_t len)
{
    return len >= 8 && !memcmp(data, MAGIC, 8);
}

/* Where a read is, and what it has cost: every byte searched for a marker
 * or hashed is counted in work. Searches only move forward; hashing a stretch
 * that a damaged record's hash already covered is allowed for at most len
 * bytes in all, so the work stays linear in the input however the damage (or
 * the garbage) is laid out. */
struct reader {
    const unsigned char *data, *end;
    const unsigned char *hashed_to; /* furthest byte hashed for a record */
    size_t rehash_left;             /* bytes that may still be hashed a second time */
    size_t work;
};

/* The next record marker at or after p, or NULL. */
static const unsigned char *find_rec(struct reader *r, const unsigned char *p)
{
    if (r->end - p < 4)
        return NULL;
    const unsigned char *next = memmem(p, (size_t)(r->end - p), REC, 4);
    r->work += (size_t)((next ? next + 4 : r->end) - p);
    return next;
}

/* Checks a record's envelope against its id: 1 intact, 0 damaged, -1 not
 * checked (it would hash again more than the budget left). */
static int check_record(struct reader *r, const unsigned char *env, uint32_t n,
                        const unsigned char *want, unsigned char id[ENVELOPE_ID_BYTES])
{
    size_t again = r->hashed_to > env ? (size_t)(r->hashed_to - env) : 0;
    if (again > n)
        again = n;
    if (again > r->rehash_left)
        return -1;
    r->rehash_left -= again;
    r->work += n;
    if (env + n > r->hashed_to)
        r->hashed_to = env + n;
    envelope_id(env, n, id);
    return sodium_memcmp(id, want, ENVELOPE_ID_BYTES) == 0;
}

long bundle_scan(const unsigned char *data, size_t len, const char *path, bundle_fn fn, void *ctx,
                 struct diag *d, size_t *work)
{
    if (len < HEADER_LEN || !bundle_detect(data, len) || data[8] != 1) {
        diag_error(d, path, 0, 0, "not a peerkit bundle (or an unsupported version)");
        return -1;
    }
    if (data[9] || data[10] || data[11])
        diag_error(d, path, 0, 0, "bundle header damaged (reserved bytes are not zero)");
    uint32_t declared = get32(data + 12);
    struct reader r = {data, data + len, data, len, 0};
    const unsigned char *end = data + len, *p = data + HEADER_LEN;
    const unsigned char *trailer = NULL;
    long good = 0, bad = 0;
    size_t pos = 0;
    crypto_generichash_state ids;
    crypto_generichash_init(&ids, NULL, 0, 32);
    while (p < end) {
        if (end - p >= TRAILER_LEN && !memcmp(p, END, 5) && end - p == TRAILER_LEN) {
            trailer = p;
            break;
        }
        if (end - p < REC_HEAD || memcmp(p, REC, 4)) {
            /* Not at a record marker: a damaged record (or a damaged trailer). */
            const unsigned char *next = find_rec(&r, p + 1);
            bool tail = end - p >= TRAILER_LEN && !memcmp(end - TRAILER_LEN, END, 5);
            if (!next && end - p <= TRAILER_LEN)
                break; /* what is left is too short for a record: a damaged trailer */
            bad++;
            fn(ctx, ++pos, NULL, 0, NULL, "damaged record (bad marker)");
            if (!next) {
                if (tail)
                    trailer = end - TRAILER_LEN;
                break;
            }
            p = next;
            continue;
        }
        pos++;
        uint32_t n = get32(p + 4);
        const unsigned char *env = p + REC_HEAD;
        unsigned char id[ENVELOPE_ID_BYTES];
        int intact = 0;
        const char *problem = NULL;
        if (n > ENVELOPE_MAX || (size_t)(end - env) < n)
            problem = "bad length";
        else if ((intact = check_record(&r, env, n, p + 8, id)) < 0)
            problem = "not checked: it overlaps damaged data already checked";
        else if (!intact)
            problem = "checksum mismatch";
        if (problem) {
            /* A flipped byte in the length field moves the end: trust the next marker. */
            const unsigned char *next = find_rec(&r, p + 4);
            char why[96];
            snprintf(why, sizeof why, "damaged record (%s)", problem);
            bad++;
            fn(ctx, pos, NULL, 0, NULL,
               next || (size_t)(end - env) >= n ? why : "record cut short (truncated bundle)");
            if (!next) {
                if (end - p > TRAILER_LEN && !memcmp(end - TRAILER_LEN, END, 5))
                    trailer = end - TRAILER_LEN;
                break;
            }
            p = next;
            continue;
        }
        crypto_generichash_update(&ids, id, sizeof id);
        fn(ctx, pos, env, n, id, NULL);
        good++;
        p = env + n;
    }
    if (work)
        *work = r.work;
    if (!trailer) {
        diag_error(d, path, 0, 0,
                   "bundle truncated or damaged at the end: %ld intact "
                   "record%s read",
                   good, good == 1 ? "" : "s");
    } else {
        unsigned char sum[32];
        crypto_generichash_final(&ids, sum, sizeof sum);
        if (get32(trailer + 5) != declared || memcmp(sum, trailer + 9, 32) ||
            (long)declared != good)
            diag_error(d, path, 0, 0, "bundle damaged: %ld of %u records intact", good,
                       (unsigned)declared);
        else if (bad)
            diag_error(d, path, 0, 0,
                       "bundle damaged: %ld stretch%s between records %s not "
                       "a record",
                       bad, bad == 1 ? "" : "es", bad == 1 ? "is" : "are");
    }
    return good;
}

long bundle_read(const unsigned char *data, size_t len, const char *path, bundle_fn fn, void *ctx,
                 struct diag *d)
{
    return bundle_scan(data, len, path, fn, ctx, d, NULL);
}
