/* libFuzzer target: what the generator reads back out of text and HTML it
 * did not write itself: the search indexer (a page's <main> split at its
 * headings, words folded), phone numbers found in any text and linked, and
 * colours from site.yml. The input is the page, the text and the colour. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "colors.h"
#include "phone.h"
#include "search.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    struct search *idx = search_new();
    search_add_html(idx, "faq/", "Label", s, size);
    search_add_html(idx, "", NULL, "<main><h1 id=\"a\">A</h1><p>x</p></main>", 39);
    json_t *files = search_files(idx);
    json_decref(files);
    search_free(idx);

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
