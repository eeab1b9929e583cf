/* libFuzzer target: what the generator reads back out of text and HTML it
 * did not write itself: the search indexer (a page's <main> split at its
 * headings, words folded; each index file must be what jansson writes for
 * the value it holds), phone numbers found in any text and linked, and
 * colours from site.yml. The input is the page, the text and the colour. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "colors.h"
#include "phone.h"
#include "search.h"

/* The writer and jansson agree on every file, and the chunks hold every
 * document in its place (as many as the entry says), or the run stops here. */
static int check_file(void *ctx, const char *path, const char *data, size_t len)
{
    size_t *docs = ctx;
    json_t *v = json_loadb(data, len, 0, NULL);
    if (!v)
        abort();
    char *again = json_dumps(v, JSON_COMPACT | JSON_PRESERVE_ORDER);
    if (!again || strlen(again) != len || memcmp(again, data, len))
        abort();
    if (!strncmp(path, "search-index/d-", 15))
        *docs += json_array_size(v);
    else if (!strcmp(path, "search-index.json") &&
             (json_int_t)*docs != json_integer_value(json_object_get(v, "docs")))
        abort();
    free(again);
    json_decref(v);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    struct search *idx = search_new();
    struct search_page *page = search_scan_html("faq/", "Label", s, size);
    search_add_page(idx, page);
    search_add_html(idx, "", NULL, "<main><h1 id=\"a\">A</h1><p>x</p></main>", 39);
    /* The input as a document too: its first line the title. */
    char *z = malloc(size + 1);
    if (!z)
        abort();
    memcpy(z, s, size);
    z[size] = '\0';
    char *nl = strchr(z, '\n');
    if (nl)
        *nl = '\0';
    search_add_doc(idx, z, "doc/", NULL, nl ? nl + 1 : "");
    free(z);
    size_t docs = 0;
    search_write(idx, check_file, &docs);
    json_decref(search_files(idx));
    search_free(idx);
    search_page_free(search_scan_html("x/", NULL, s, size));

    struct buf out = BUF_INIT;
    phone_html(s, size, &out);
    buf_reset(&out);
    search_fold(s, size, &out);
    buf_free(&out);

    char colour[32];
    size_t n = size < sizeof colour - 1 ? size : sizeof colour - 1;
    memcpy(colour, s, n);
    colour[n] = '\0';
    struct rgb rgb;
    char why[256];
    colors_parse(colour, &rgb);
    colors_check(colour, false, why, sizeof why);
    colors_check(colour, true, why, sizeof why);
    return 0;
}
