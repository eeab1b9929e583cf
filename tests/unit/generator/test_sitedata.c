/* Unit tests for generator/sitedata.c: supporters.json is written one
 * supporter at a time, and must be exactly what json_dumps writes for the
 * whole document (the kiosk and the administrator parse it; builds are
 * byte-for-byte reproducible). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "sitedata.h"

/* The reference: the whole document through json_dumps. */
static char *reference(json_t *site, json_t *supporters)
{
    json_t *list = json_array(), *s;
    size_t i;
    json_array_foreach (supporters, i, s) {
        json_t *o = json_deep_copy(s);
        json_object_set_new(o, "url",
                            json_sprintf("supporters/%s/",
                                         json_string_value(json_object_get(s, "slug"))));
        json_array_append_new(list, o);
    }
    json_t *doc = json_pack("{s:i, s:O, s:o}", "version", 1, "roles",
                            json_object_get(site, "roles"), "supporters", list);
    char *text = json_dumps(doc, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
    json_decref(doc);
    char *with_nl = malloc(strlen(text) + 2);
    strcpy(with_nl, text);
    strcat(with_nl, "\n");
    free(text);
    return with_nl;
}

static void expect_same(size_t n)
{
    struct content c;
    memset(&c, 0, sizeof c);
    /* Values of every kind the writer may meet: nested, empty, numbers,
     * strings to escape, and one longer than its stack buffer. */
    c.site =
        json_pack("{s:[{s:s, s:s}, {s:s, s:s, s:[], s:{}, s:f, s:[[s], {s:n}]}]}", "roles", "id",
                  "faculty", "label", "Attending \"physician\"", "id", "resident", "label",
                  "Resident\t/ \x01", "none", "nothing", "ratio", 1.5, "nested", "x", "k\"ey", "");
    char long_text[600];
    memset(long_text, 'w', sizeof long_text - 1);
    long_text[sizeof long_text - 1] = '\0';
    long_text[300] = '"';
    c.supporters = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(c.supporters,
                              json_pack("{s:s, s:s, s:s, s:s, s:s, s:[s, s], s:[], s:i, s:b}",
                                        "slug", i ? "b-two" : "a-one", "name",
                                        i ? "Bé \\u00e9 Two" : "A\nOne", "credentials",
                                        i ? long_text : "MD/PhD \x1f", "role", "faculty",
                                        "department", "Médecine", "modalities", "phone", "video",
                                        "languages", "campus", (int)i - 1, "accepting", 1));
    struct buf out = BUF_INIT;
    sitedata_supporters(&c, &out);
    char *want = reference(c.site, c.supporters);
    if (strcmp(want, out.data))
        fail_msg("with %zu supporters, expected:\n%s\ngot:\n%s", n, want, out.data);
    free(want);
    buf_free(&out);
    json_decref(c.site);
    json_decref(c.supporters);
}

static void test_supporters_json_as_json_dumps_writes_it(void **state)
{
    (void)state;
    expect_same(0);
    expect_same(1);
    expect_same(2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_supporters_json_as_json_dumps_writes_it),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
