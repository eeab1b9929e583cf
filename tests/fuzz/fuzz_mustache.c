/* libFuzzer target: the Mustache engine. The input is split at the first NUL
 * into a template and JSON data (when the data does not parse, a fixed object
 * is used); partials "p" and "parent" are the template itself, so recursion,
 * inheritance and delimiter changes are exercised with hostile nesting. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mustache.h"

struct input {
    const char *src;
    size_t len;
};

static char *load(void *ctx, const char *name, size_t *len)
{
    const struct input *in = ctx;
    if (strcmp(name, "p") && strcmp(name, "parent") && strcmp(name, "main"))
        return NULL;
    char *copy = malloc(in->len + 1);
    if (!copy)
        abort();
    memcpy(copy, in->src, in->len);
    copy[in->len] = '\0';
    *len = in->len;
    return copy;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    const char *nul = memchr(text, '\0', size);
    size_t tlen = nul ? (size_t)(nul - text) : size;
    json_t *values = NULL;
    if (nul)
        values = json_loadb(nul + 1, size - tlen - 1, 0, NULL);
    if (!values)
        values = json_pack("{s:s, s:[{s:s}, {s:b}], s:{s:i}, s:b}", "name", "<b>&\"'", "list", "x",
                           "a", "flag", 1, "obj", "n", 3, "t", 1);
    struct input in = {text, tlen};
    struct mustache *m = mustache_new(load, &in);
    struct buf out = BUF_INIT;
    struct diag d = DIAG_INIT;
    mustache_render_string(m, "fuzz", text, tlen, values, &out, &d);
    buf_reset(&out);
    mustache_render(m, "main", values, &out, &d); /* the cached, compiled path */
    buf_free(&out);
    diag_free(&d);
    mustache_free(m);
    json_decref(values);
    return 0;
}
