/* libFuzzer target: the link checker's HTML scanning (ids, href and src
 * attributes, entity decoding) and link resolution, on a page of hostile
 * markup that links to itself and to a second, fixed page. Also Markdown
 * rendering and link rewriting of the same bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "linkcheck.h"
#include "markdown.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct linkcheck *lc = linkcheck_new();
    linkcheck_add_page(lc, "faq/index.html", (const char *)data, size);
    linkcheck_add_page(lc, "index.html", "<a href=\"faq/#x\" id=\"top\">x</a>", 31);
    linkcheck_add_file(lc, "assets/site.js");
    struct diag d = DIAG_INIT;
    linkcheck_run(lc, 1, &d);
    diag_free(&d);
    linkcheck_free(lc);

    struct buf html = BUF_INIT, text = BUF_INIT;
    json_t *links = json_array();
    md_render((const char *)data, size, 1, "../", &html, links, &text);
    json_decref(links);
    buf_free(&html);
    buf_free(&text);
    return 0;
}
