/* libFuzzer target: a request body (JSON values) validated against the
 * example site's form, and the same bytes as a request-schema.json. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "formspec.h"

static struct formspec *schema;
static char dir[64];

static void setup(void)
{
    struct diag d = DIAG_INIT;
    snprintf(dir, sizeof dir, "/tmp/peerkit-fuzz-form-%d", (int)getpid());
    char cmd[256];
    snprintf(cmd, sizeof cmd,
             "rm -rf %s && mkdir -p %s && bin/peersite build --content "
             "tests/fixtures/minimal --out %s/site >/dev/null 2>&1",
             dir, dir, dir);
    char site[96];
    snprintf(site, sizeof site, "%s/site", dir);
    if (system(cmd) != 0 || formspec_load(site, &schema, &d) < 0)
        abort(); /* run `make` first: the target reads the fixture's built schema */
    diag_free(&d);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!schema)
        setup();
    struct diag d = DIAG_INIT;
    json_error_t err;
    json_t *values = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, &err), *out;
    if (values) {
        if (formspec_validate(schema, values, &out, &d) == 0)
            json_decref(out);
        json_decref(values);
    }
    diag_free(&d);

    char path[128];
    snprintf(path, sizeof path, "%s/request-schema.json", dir);
    FILE *f = fopen(path, "wb");
    if (!f)
        abort();
    fwrite(data, 1, size, f);
    fclose(f);
    struct formspec *s = NULL;
    if (formspec_load(dir, &s, &d) == 0)
        formspec_free(s);
    diag_free(&d);
    return 0;
}
