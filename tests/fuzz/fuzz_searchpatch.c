/* libFuzzer target: the search index saved for the next build and patched
 * (search.h). The input is a page: the index of it and two fixed pages is
 * saved, read back (it must be), patched with the second fixed page made
 * again, and every file the patch rewrites must be what jansson writes for
 * its value; the patch saved must read back and save the same bytes. Then
 * the saved bytes with the input's first bytes laid over them at a place
 * they choose: read back within bounds or refused, never trusted past them. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "search.h"

static const char page_a[] = "<main><h1 id=\"a\">Alpha</h1><p>one two three</p></main>";
static const char page_b[] = "<main><h1 id=\"b\">Beta</h1><p>four five six six</p></main>";
static const char page_b2[] = "<main><h1 id=\"b\">Beta</h1><p>four seven</p></main>";

static void expect_json(const struct buf *b)
{
    json_t *v = json_loadb(b->data ? b->data : "", b->len, 0, NULL);
    if (!v)
        abort();
    char *again = json_dumps(v, JSON_COMPACT | JSON_PRESERVE_ORDER);
    if (!again || strlen(again) != b->len || memcmp(again, b->data, b->len))
        abort();
    free(again);
    json_decref(v);
}

/* Every rewritten shard of an applied patch, checked. */
static void check_patch(struct search_patch *p)
{
    struct buf out = BUF_INIT;
    for (size_t i = 0; i + 1 < search_patch_files(p); i++) {
        size_t from, to;
        if (search_patch_dirty(p, i) && !search_patch_chunk(p, i, &from, &to)) {
            search_patch_shard(p, i, &out);
            expect_json(&out);
        }
    }
    buf_free(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    struct search *idx = search_new();
    struct search_page *in = search_scan_html("in/", NULL, s, size);
    size_t first_b = search_page_ndocs(in) + 1;
    search_add_page(idx, in);
    search_add_html(idx, "a/", NULL, page_a, strlen(page_a));
    search_add_html(idx, "b/", NULL, page_b, strlen(page_b));
    struct search_plan *plan = search_plan_new(idx);
    struct buf saved = BUF_INIT;
    search_plan_save(plan, &saved);
    search_plan_free(plan);
    search_free(idx);

    struct search_patch *p = search_patch_load(saved.data, saved.len);
    if (!p)
        abort(); /* what the writer wrote must read back */
    struct search_page *b2 = search_scan_html("b/", NULL, page_b2, strlen(page_b2));
    if (!search_patch_replace(p, first_b, b2))
        abort();
    search_page_free(b2);
    if (search_patch_apply(p)) {
        check_patch(p);
        struct buf again = BUF_INIT, twice = BUF_INIT;
        search_patch_save(p, &again);
        struct search_patch *q = search_patch_load(again.data, again.len);
        if (!q || !search_patch_apply(q))
            abort();
        search_patch_save(q, &twice);
        if (again.len != twice.len || memcmp(again.data, twice.data, again.len))
            abort();
        search_patch_free(q);
        buf_free(&again);
        buf_free(&twice);
    }
    search_patch_free(p);

    /* The saved bytes damaged: up to 8 input bytes at a place the first two
     * choose. */
    if (size >= 3 && saved.len) {
        size_t at = ((size_t)data[0] << 8 | data[1]) % saved.len;
        size_t n = size - 2 < 8 ? size - 2 : 8;
        for (size_t i = 0; i < n && at + i < saved.len; i++)
            saved.data[at + i] ^= (char)data[2 + i];
        struct search_patch *d = search_patch_load(saved.data, saved.len);
        if (d && search_patch_apply(d))
            check_patch(d);
        search_patch_free(d);
    }
    buf_free(&saved);
    return 0;
}
