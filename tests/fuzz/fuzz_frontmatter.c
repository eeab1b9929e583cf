/* libFuzzer target: front matter splitting, YAML loading and the content
 * schema (through a one-file content directory in a scratch tree). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "content.h"
#include "frontmatter.h"
#include "yamlschema.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct diag d = DIAG_INIT;
    struct fm fm;
    if (fm_split("fuzz.md", (const char *)data, size, &fm, &d) == 0) {
        yaml_document_t doc;
        if (fm_load_yaml("fuzz.md", fm.yaml, fm.yaml_len, fm.yaml_line, &doc, &d) == 0)
            yaml_document_delete(&doc);
        /* Markdown values, whose lines are mapped back to the file's. */
        static const struct ys_key spec[] = {
            {"text", YS_MARKDOWN, false, NULL, NULL, NULL},
            {"intro", YS_MARKDOWN, false, NULL, NULL, NULL},
            {NULL, 0, false, NULL, NULL, NULL},
        };
        json_t *o =
            ys_load("fuzz.md", fm.yaml, fm.yaml_len, fm.yaml_line, spec, "x", NULL, NULL, &d);
        const char *keys[] = {"text", "intro"};
        for (size_t k = 0; o && k < 2; k++) {
            json_t *v = json_object_get(o, keys[k]);
            char at_key[16];
            snprintf(at_key, sizeof at_key, "%s@at", keys[k]);
            int line, column;
            for (size_t off = 0; json_is_string(v) && off <= json_string_length(v); off++)
                ys_markdown_at(json_object_get(o, at_key), json_string_value(v), off, &line,
                               &column);
        }
        json_decref(o);
    }
    diag_free(&d);

    /* The same bytes as a supporter file of an otherwise valid content dir. */
    static char dir[64];
    if (!dir[0]) {
        snprintf(dir, sizeof dir, "/tmp/peerkit-fuzz-%d", (int)getpid());
        char cmd[256];
        snprintf(cmd, sizeof cmd, "rm -rf %s && cp -R tests/fixtures/minimal %s", dir, dir);
        if (system(cmd) != 0)
            abort();
    }
    char path[128];
    snprintf(path, sizeof path, "%s/supporters/fuzz.md", dir);
    FILE *f = fopen(path, "wb");
    if (!f)
        abort();
    fwrite(data, 1, size, f);
    fclose(f);
    struct tree *t = tree_fs_new();
    struct content c;
    content_load(t, dir, &c, &d);
    content_free(&c);
    tree_free(t);
    diag_free(&d);
    return 0;
}
