/* libFuzzer target: the kiosk's problems page, which writes a hostile
 * requester's values back into the request page's HTML. The input is split
 * at the first NUL into the page's HTML and the values (JSON); the schema is
 * fixed. The output must stay within the size computed beforehand (the
 * buffer holding plaintext is never reallocated). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "formfill.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    const char *nul = memchr(text, '\0', size);
    size_t hlen = nul ? (size_t)(nul - text) : size;
    char *html = malloc(hlen + 1);
    if (!html)
        abort();
    memcpy(html, text, hlen);
    html[hlen] = '\0';
    json_t *values = nul ? json_loadb(nul + 1, size - hlen - 1, 0, NULL) : NULL;
    json_t *fields =
        json_pack("[{s:s, s:s, s:s, s:[]}, {s:s, s:s, s:s, s:[{s:s, s:s}, {s:s, s:s}]},"
                  " {s:s, s:s, s:s, s:[{s:s, s:s}]}]",
                  "id", "name", "label", "Name", "type", "text", "options", "id", "modality",
                  "label", "How", "type", "checkboxes", "options", "value", "phone", "label",
                  "Phone", "value", "video", "label", "<Video>", "id", "consent", "label",
                  "I agree", "type", "checkbox", "options", "value", "yes", "label", "Yes");
    struct diag problems = DIAG_INIT;
    diag_error(&problems, "name", 0, 0, "Enter your name");
    diag_error(&problems, "modality", 0, 0, "Choose <one>");
    size_t extra = formfill_extra(fields, values, &problems, "There is a problem");
    struct buf out = BUF_INIT;
    formfill_render(html, fields, values, &problems, "There is a problem", &out);
    if (out.len > hlen + extra)
        abort(); /* the bound the kiosk sizes its buffer with */
    buf_free(&out);
    diag_free(&problems);
    json_decref(fields);
    json_decref(values);
    free(html);
    return 0;
}
