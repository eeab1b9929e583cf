#include "formbody.h"

#include <sodium.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "secmem.h"

#define MAX_ENTRIES 256
#define KEY_MAX 64

struct entry {
    char key[KEY_MAX + 1];
    size_t off, len; /* value bytes in the arena */
};

struct formbody {
    struct MHD_PostProcessor *pp;
    const struct formspec *schema;
    unsigned char *arena; /* secure memory: every value, back to back */
    size_t cap, used, fed, max_bytes;
    struct entry entries[MAX_ENTRIES];
    size_t n;
    enum formbody_status status;
    bool urlencoded; /* "%00" is a NUL there */
    int percent;     /* how much of "%00" the body ended with: 0 to 2 */
    bool nul;        /* the body holds a NUL, raw or encoded */
};

static enum MHD_Result on_value(void *cls, enum MHD_ValueKind kind, const char *key,
                                const char *filename, const char *content_type,
                                const char *transfer_encoding, const char *data, uint64_t off,
                                size_t size)
{
    (void)kind;
    (void)filename;
    (void)content_type;
    (void)transfer_encoding;
    struct formbody *b = cls;
    if (b->status != FORMBODY_OK)
        return MHD_NO; /* refused: nothing more is kept */
    if (!key || strlen(key) > KEY_MAX) {
        b->status = FORMBODY_MALFORMED;
        return MHD_NO;
    }
    /* A continuation of the value being read, or a new one. */
    struct entry *e = b->n ? &b->entries[b->n - 1] : NULL;
    if (!(off > 0 && e && !strcmp(e->key, key))) {
        if (b->n == MAX_ENTRIES) {
            b->status = FORMBODY_TOO_LARGE;
            return MHD_NO;
        }
        e = &b->entries[b->n++];
        strcpy(e->key, key);
        e->off = b->used;
        e->len = 0;
    }
    if (size > b->cap - b->used) {
        b->status = FORMBODY_TOO_LARGE;
        return MHD_NO;
    }
    memcpy(b->arena + b->used, data, size);
    b->used += size;
    e->len += size;
    return MHD_YES;
}

struct formbody *formbody_new(struct MHD_Connection *c, const struct formspec *s, size_t max_bytes)
{
    struct formbody *b = calloc(1, sizeof *b);
    if (!b)
        abort();
    b->schema = s;
    b->max_bytes = max_bytes;
    b->cap = max_bytes;
    b->pp = MHD_create_post_processor(c, 4096, on_value, b);
    if (!b->pp) {
        free(b);
        return NULL;
    }
    b->arena = secmem_alloc(b->cap);
    sodium_memzero(b->arena, b->cap); /* sodium_malloc fills it with a pattern */
    const char *type =
        MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE);
    b->urlencoded = type && !strncasecmp(type, MHD_HTTP_POST_ENCODING_FORM_URLENCODED,
                                         strlen(MHD_HTTP_POST_ENCODING_FORM_URLENCODED));
    return b;
}

/* A refused body keeps nothing: the parser goes (with what it buffered) and
 * the values read so far are wiped at once, not when the request ends. */
static void refuse(struct formbody *b, enum formbody_status why)
{
    if (b->status == FORMBODY_OK)
        b->status = why;
    if (b->pp) {
        MHD_destroy_post_processor(b->pp);
        b->pp = NULL;
    }
    sodium_memzero(b->arena, b->cap);
    sodium_memzero(b->entries, sizeof b->entries);
    b->used = 0;
    b->n = 0;
}

void formbody_free(struct formbody *b)
{
    if (!b)
        return;
    if (b->pp)
        MHD_destroy_post_processor(b->pp);
    sodium_free(b->arena); /* wipes */
    free(b);
}

/* Notes a NUL in the raw body: a NUL byte, or "%00" in an urlencoded body
 * (a typed "%00" arrives as "%2500"), across chunk boundaries. The post
 * processor hands names over as C strings, cut at a NUL, so a name like
 * "consent%00x" must be caught here, before it becomes "consent". */
static void scan_nul(struct formbody *b, const char *data, size_t len)
{
    if (memchr(data, '\0', len))
        b->nul = true;
    for (size_t i = 0; b->urlencoded && i < len; i++) {
        if (data[i] == '%') {
            b->percent = 1;
        } else if (data[i] == '0' && b->percent == 2) {
            b->nul = true;
            b->percent = 0;
        } else {
            b->percent = data[i] == '0' && b->percent == 1 ? 2 : 0;
        }
    }
}

enum formbody_status formbody_feed(struct formbody *b, const char *data, size_t len)
{
    if (b->status != FORMBODY_OK)
        return b->status;
    if (len > b->max_bytes - b->fed) {
        refuse(b, FORMBODY_TOO_LARGE);
        return b->status;
    }
    b->fed += len;
    scan_nul(b, data, len);
    if (MHD_post_process(b->pp, data, len) != MHD_YES || b->status != FORMBODY_OK)
        refuse(b, FORMBODY_MALFORMED); /* keeps TOO_LARGE when that was the reason */
    return b->status;
}

enum formbody_status formbody_status(const struct formbody *b)
{
    return b->status;
}

size_t formbody_residue(const struct formbody *b)
{
    size_t n = 0;
    for (size_t i = 0; i < b->cap; i++)
        n += b->arena[i] != 0;
    return n;
}

static bool is_list_field(const struct formspec *s, const char *key)
{
    size_t i;
    json_t *f;
    json_array_foreach (formspec_fields(s), i, f) {
        if (!strcmp(json_string_value(json_object_get(f, "id")), key))
            return !strcmp(json_string_value(json_object_get(f, "type")), "checkboxes");
    }
    return false;
}

json_t *formbody_values(struct formbody *b, struct diag *d)
{
    /* Let the post processor deliver what it still holds. */
    if (b->pp)
        MHD_destroy_post_processor(b->pp);
    b->pp = NULL;
    if (b->status != FORMBODY_OK) {
        diag_error(d, "request", 0, 0, "the form could not be read");
        return NULL;
    }
    if (b->nul) {
        /* No field may hold one, and which field it was is not known. */
        diag_error(d, "", 0, 0, "the form holds a NUL character, which no field may contain");
        return NULL;
    }
    json_t *out = json_object();
    size_t before = d->nerrors;
    for (size_t i = 0; i < b->n; i++) {
        struct entry *e = &b->entries[i];
        /* Browsers send every line break as CRLF; store what was typed. */
        unsigned char *val = b->arena + e->off;
        size_t w = 0;
        for (size_t r = 0; r < e->len; r++)
            if (!(val[r] == '\r' && r + 1 < e->len && val[r + 1] == '\n'))
                val[w++] = val[r];
        e->len = w;
        json_t *v = json_stringn((const char *)val, e->len);
        if (!v) {
            diag_error(d, e->key, 0, 0, "is not valid text (UTF-8)");
            continue;
        }
        json_t *have = json_object_get(out, e->key);
        if (is_list_field(b->schema, e->key)) {
            if (!have)
                json_object_set_new(out, e->key, have = json_array());
            json_array_append_new(have, v);
        } else if (have) {
            /* The same single-valued field twice: a list, which validation refuses. */
            if (!json_is_array(have)) {
                json_t *list = json_pack("[O]", have);
                json_object_set_new(out, e->key, list);
                have = list;
            }
            json_array_append_new(have, v);
        } else {
            json_object_set_new(out, e->key, v);
        }
    }
    if (d->nerrors > before) {
        json_decref(out);
        return NULL;
    }
    return out;
}
