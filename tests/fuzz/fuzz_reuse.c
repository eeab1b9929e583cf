/* libFuzzer target: the build's record (generator/reuse.c), which a build
 * reads back from the output directory, and the search pages it holds. The
 * input is an index's length (4 bytes), the index and its data (the key is
 * taken from the index itself, so the fuzzer gets past it, and checksums are
 * not compared in a fuzzing build); whatever loads must read only
 * within its bytes (values, and a supporter's stand-in values, included),
 * and a search page that loads must index and write. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "reuse.h"
#include "search.h"

static char dir[] = "/tmp/peerkit-fuzz-reuse-XXXXXX";

static void put_file(const char *name, const uint8_t *data, size_t len)
{
    char path[128];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    if (!f)
        abort();
    if (len && fwrite(data, 1, len, f) != len)
        abort();
    fclose(f);
}

static int drop(void *ctx, const char *path, const char *data, size_t len)
{
    (void)ctx;
    (void)path;
    (void)data;
    (void)len;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int made;
    if (!made++ && !mkdtemp(dir))
        abort();
    struct search_page *p = search_page_load((const char *)data, size);
    if (p) {
        struct search *s = search_new();
        search_add_page(s, p);
        search_write(s, drop, NULL);
        search_free(s);
    }
    /* The first four bytes: the index's length; the data follows it. */
    if (size < 4)
        return 0;
    uint32_t n;
    memcpy(&n, data, 4);
    n %= (uint32_t)(size - 3);
    const uint8_t *index = data + 4;
    put_file(REUSE_FILE, index, n);
    put_file(REUSE_DATA, index + n, size - 4 - n);
    uint8_t key[REUSE_KEY_BYTES] = {0};
    /* The key follows the magic's line ("peersite-cache N\n"). */
    const uint8_t *eol = memchr(index, '\n', n);
    size_t at = eol ? (size_t)(eol - index) + 1 : n;
    if (n > at + REUSE_KEY_BYTES)
        memcpy(key, index + at, REUSE_KEY_BYTES);
    struct reuse *r = reuse_load(dir, key);
    for (size_t i = 0; r && i < reuse_nitems(r); i++) {
        const struct reuse_item *it = reuse_item(r, i);
        /* A text of the data is a string once reuse_whole says so. */
        if ((reuse_whole(r, &it->card) && strlen(it->card.s) > it->card.len) ||
            strlen(it->path.s) != it->path.len)
            abort();
        json_decref(reuse_values(r, it, NULL));
        /* A stand-in's values: strings within the index, or refused. */
        const char *name, **langs;
        bool accepting;
        size_t nlangs;
        if (reuse_supporter_values(it, &name, &accepting, &langs, &nlangs)) {
            size_t len = strlen(name);
            for (size_t j = 0; j < nlangs; j++)
                len += strlen(langs[j]);
            if (len > it->summary.len)
                abort();
        }
        free(langs);
        reuse_find_item(r, it->path.s);
    }
    reuse_free(r);
    return 0;
}
