/* Unit tests for kiosk/form.c: the request schema as the site writes it,
 * and validation of submitted values, which must name every problem (by
 * field id) in one pass, the same way for peerkiosk submit and the server. */
#include "kiosk_support.h"

#include "formspec.h"

static struct formspec *schema;

static int validate(const char *values_json, json_t **normalized, struct diag *d)
{
    json_error_t err;
    json_t *values = json_loads(values_json, 0, &err);
    if (!values)
        fail_msg("bad test JSON: %s", err.text);
    *normalized = NULL;
    int rc = formspec_validate(schema, values, normalized, d);
    json_decref(values);
    return rc;
}

static void test_schema_loads(void **state)
{
    (void)state;
    assert_int_equal(json_array_size(formspec_fields(schema)), 8);
    assert_string_equal(formspec_response_time(schema), "today");
    assert_int_equal(formspec_idle(schema), 60);
    /* The hash is BLAKE2b-256 of the file's bytes. */
    unsigned char h[32];
    char hex[65];
    crypto_generichash(h, 32, (const unsigned char *)SCHEMA_JSON, strlen(SCHEMA_JSON), NULL, 0);
    sodium_bin2hex(hex, sizeof hex, h, 32);
    assert_string_equal(formspec_hash(schema), hex);
}

static void test_valid_values_normalized(void **state)
{
    (void)state;
    json_t *out;
    struct diag d = DIAG_INIT;
    assert_int_equal(validate("{\"name\": \"Ada Lovelace\", \"email\": \"\", \"phone\": "
                              "\"+1 (555) 010-2233 x12\", \"note\": \"line one\\nline two\\tend\","
                              " \"when\": \"later\", \"consent\": \"yes\", \"how\": [\"meet\"],"
                              " \"who\": \"self\"}",
                              &out, &d),
                     0);
    assert_int_equal(d.nerrors, 0);
    /* The empty email is dropped; everything else is kept as given. */
    assert_null(json_object_get(out, "email"));
    assert_string_equal(json_string_value(json_object_get(out, "name")), "Ada Lovelace");
    assert_int_equal(json_array_size(json_object_get(out, "how")), 1);
    assert_int_equal(json_object_size(out), 7);
    json_decref(out);
    /* Only the required ones; an empty list of checkboxes is as good as none. */
    assert_int_equal(validate("{\"name\": \"Bo\", \"when\": \"soon\", \"consent\": \"yes\","
                              " \"how\": []}",
                              &out, &d),
                     0);
    assert_int_equal(json_object_size(out), 3);
    json_decref(out);
    /* Exactly at the limit counts characters, not bytes: 20 x "é". */
    assert_int_equal(validate("{\"name\": \"\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9"
                              "\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\""
                              ","
                              " \"when\": \"soon\", \"consent\": \"yes\"}",
                              &out, &d),
                     0);
    json_decref(out);
    diag_free(&d);
}

static void test_every_problem_named(void **state)
{
    (void)state;
    json_t *out;
    struct diag d = DIAG_INIT;
    assert_int_equal(validate("{\"name\": \"a name that is far too long for the field\","
                              " \"email\": \"not-an-address\", \"phone\": \"call me\","
                              " \"note\": \"bell\\u0007\", \"who\": \"someone else\","
                              " \"consent\": \"no\", \"how\": [\"call\", \"call\", \"fax\"],"
                              " \"shoe_size\": \"44\"}",
                              &out, &d),
                     -1);
    assert_null(out);
    static const char *const want[] = {
        "name: too long (at most 20 characters)",
        "email: not an email address",
        "phone: not a phone or pager number",
        "note: contains characters that are not allowed",
        "when: required: please choose one",
        "who: not one of the choices",
        "consent: must be \"yes\" when ticked",
        "how: the same choice is given twice",
        "how: not one of the choices",
        "shoe_size: not a field of this form",
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++)
        expect_message(&d, want[i]);
    assert_int_equal(d.nerrors, sizeof want / sizeof want[0]);
    diag_free(&d);

    /* Wrong JSON types. */
    assert_int_equal(validate("{\"name\": 5, \"when\": [\"soon\"], \"consent\": \"yes\","
                              " \"how\": \"call\"}",
                              &out, &d),
                     -1);
    expect_message(&d, "name: expected text");
    expect_message(&d, "when: expected text");
    expect_message(&d, "how: expected a list of choices");
    diag_free(&d);
    assert_int_equal(validate("[\"name\"]", &out, &d), -1);
    expect_message(&d, "expected an object of field values");
    diag_free(&d);
    /* A newline is allowed in a textarea only. */
    assert_int_equal(validate("{\"name\": \"Ada\\nLovelace\", \"when\": \"soon\","
                              " \"consent\": \"yes\"}",
                              &out, &d),
                     -1);
    expect_message(&d, "name: contains characters that are not allowed");
    diag_free(&d);
}

/* A form body can hold a NUL anywhere (json_stringn keeps it): a value is
 * compared with its length, so "call\0anything" is not the choice "call" and
 * "yes\0" is not "yes", and a field name with a NUL in it is refused. The
 * import's JSON parser refuses every NUL, so such a value must never pass. */
static void test_nul_refused(void **state)
{
    (void)state;
    struct diag d = DIAG_INIT;
    json_t *out = NULL;
    json_t *base = json_pack("{s:s, s:s, s:s}", "name", "Ada", "when", "soon", "consent", "yes");
    static const struct {
        const char *id, *value;
        size_t len;
        int list;
        const char *want;
    } cases[] = {
        {"how", "call\0anything", 13, 1, "how: not one of the choices"},
        {"how", "call\0", 5, 1, "how: not one of the choices"},
        {"when", "soon\0later", 10, 0, "when: contains characters that are not allowed"},
        {"who", "self\0", 5, 0, "who: contains characters that are not allowed"},
        {"consent", "yes\0", 4, 0, "consent: contains characters that are not allowed"},
        {"name", "Ada\0Lovelace", 12, 0, "name: contains characters that are not allowed"},
        {"note", "a\0b", 3, 0, "note: contains characters that are not allowed"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        json_t *values = json_deep_copy(base);
        json_t *v = json_stringn(cases[i].value, cases[i].len);
        json_object_set_new(values, cases[i].id, cases[i].list ? json_pack("[o]", v) : v);
        int rc = formspec_validate(schema, values, &out, &d);
        if (rc != -1)
            fail_msg("case %zu (%s): expected -1 (refused), got %d", i, cases[i].want, rc);
        expect_message(&d, cases[i].want);
        diag_free(&d);
        json_decref(values);
    }
    /* A field name with a NUL in it: "consent\0x" is not "consent". */
    json_t *values = json_pack("{s:s, s:s}", "name", "Ada", "when", "soon");
    json_object_setn_new(values, "consent\0x", 9, json_string("yes"));
    assert_int_equal(formspec_validate(schema, values, &out, &d), -1);
    expect_message(&d, "a field name holds a NUL character");
    diag_free(&d);
    json_decref(values);
    json_decref(base);
}

/* Writes text as DIR/request-schema.json and expects loading to fail. */
static void expect_bad_schema(const char *text, const char *want)
{
    char *dir = scratch_dir();
    put_file(dir, "request-schema.json", text, strlen(text));
    struct formspec *s = NULL;
    struct diag d = DIAG_INIT;
    assert_int_equal(formspec_load(dir, &s, &d), -1);
    assert_null(s);
    expect_message(&d, want);
    diag_free(&d);
    drop_dir(dir);
}

static void test_bad_schemas(void **state)
{
    (void)state;
    expect_bad_schema("{\"version\": 1,\n \"fields\": [}", "request-schema.json:2:");
    expect_bad_schema("{\"version\": 2, \"fields\": []}", "not a version 1 request schema");
    expect_bad_schema("{\"version\": 1, \"fields\": [{\"id\": \"a\", \"label\": \"A\", \"type\":"
                      " \"colour\", \"required\": true, \"max\": 5, \"options\": []}]}",
                      "field 1 (\"a\") is malformed");
    expect_bad_schema("{\"version\": 1, \"fields\": [{\"id\": \"a\", \"label\": \"A\", \"type\":"
                      " \"select\", \"required\": true, \"max\": 5, \"options\": []}]}",
                      "field 1 (\"a\") is malformed");
    expect_bad_schema("{\"version\": 1, \"fields\": [{\"id\": \"a\", \"label\": \"A\", \"type\":"
                      " \"text\", \"required\": true, \"max\": 5, \"options\": []}, {\"id\": "
                      "\"a\", \"label\": \"B\", \"type\": \"text\", \"required\": false, \"max\":"
                      " 5, \"options\": []}]}",
                      "field id \"a\" appears twice");
    char *dir = scratch_dir();
    struct formspec *s = NULL;
    struct diag d = DIAG_INIT;
    assert_int_equal(formspec_load(dir, &s, &d), -1);
    expect_message(&d, "request-schema.json");
    diag_free(&d);
    drop_dir(dir);
}

/* require_one_of: at least one way to reach the requester, reported at the
 * group's first field with the fields' labels; checked when loaded. */
static void test_require_one_of(void **state)
{
    (void)state;
    char *dir = scratch_dir();
    /* SCHEMA_JSON with require_one_of before the closing brace. */
    const char *end = strrchr(SCHEMA_JSON, '}');
    char *text = NULL;
    assert_true(asprintf(&text, "%.*s, \"require_one_of\": [\"email\", \"phone\", \"note\"]}\n",
                         (int)(end - SCHEMA_JSON), SCHEMA_JSON) > 0);
    put_file(dir, "request-schema.json", text, strlen(text));
    struct formspec *s = NULL;
    struct diag d = DIAG_INIT;
    assert_int_equal(formspec_load(dir, &s, &d), 0);
    assert_int_equal(json_array_size(formspec_one_of(s)), 3);
    json_t *values = json_pack("{s:s, s:s, s:s, s:s}", "name", "Bo", "when", "soon", "consent",
                               "yes", "email", ""),
           *out = NULL;
    assert_int_equal(formspec_validate(s, values, &out, &d), -1);
    assert_null(out);
    assert_int_equal(d.nerrors, 1);
    assert_string_equal(d.items[0].where, "email");
    assert_string_equal(d.items[0].msg,
                        "give at least one of Email, Phone or Note, so we can reach you");
    diag_free(&d);
    /* Any one of them is enough. */
    json_object_set_new(values, "phone", json_string("555 0100"));
    assert_int_equal(formspec_validate(s, values, &out, &d), 0);
    json_decref(out);
    /* A given but malformed address counts as given: its own problem is named. */
    json_object_del(values, "phone");
    json_object_set_new(values, "email", json_string("nowhere"));
    assert_int_equal(formspec_validate(s, values, &out, &d), -1);
    assert_int_equal(d.nerrors, 1);
    expect_message(&d, "email: not an email address");
    diag_free(&d);
    json_decref(values);
    formspec_free(s);
    free(text);
    drop_dir(dir);

    /* Schemas without it have none; a bad one is refused. */
    assert_null(formspec_one_of(schema));
    assert_true(asprintf(&text, "%.*s, \"require_one_of\": [\"fax\"]}\n", (int)(end - SCHEMA_JSON),
                         SCHEMA_JSON) > 0);
    expect_bad_schema(text, "require_one_of: item 1 is not a field of the form");
    free(text);
    assert_true(asprintf(&text, "%.*s, \"require_one_of\": []}\n", (int)(end - SCHEMA_JSON),
                         SCHEMA_JSON) > 0);
    expect_bad_schema(text, "require_one_of is not a list of field ids");
    free(text);
}

/* The schema the generator writes carries require_one_of only when the form
 * has it, so the hash of a form without it does not change. */
static void test_schema_writer(void **state)
{
    (void)state;
    json_t *request = json_pack("{s:s, s:s, s:[{s:s, s:s, s:s, s:b, s:s, s:i, s:[]}]}", "title",
                                "Ask", "intro", "", "fields", "id", "email", "label", "Email",
                                "type", "email", "required", 0, "help", "", "max", 60, "options");
    json_t *schema = formspec_schema_new(request, NULL, NULL);
    assert_null(json_object_get(schema, "require_one_of"));
    assert_null(json_object_get(schema, "kiosk_idle"));
    json_decref(schema);
    json_object_set_new(request, "require_one_of", json_pack("[s]", "email"));
    json_t *today = json_string("today"), *idle = json_integer(60);
    schema = formspec_schema_new(request, today, idle);
    json_decref(today);
    json_decref(idle);
    assert_string_equal(json_string_value(
                            json_array_get(json_object_get(schema, "require_one_of"), 0)),
                        "email");
    /* Written in the order the kiosk and the browser read it. */
    char *text = json_dumps(schema, JSON_PRESERVE_ORDER | JSON_COMPACT);
    assert_non_null(strstr(text, "\"fields\":[{\"id\":\"email\""));
    assert_true(strstr(text, "\"require_one_of\"") > strstr(text, "\"fields\""));
    free(text);
    json_decref(schema);
    json_decref(request);
}

int main(void)
{
    kiosk_test_init();
    char *dir = scratch_dir();
    struct diag d = DIAG_INIT;
    put_file(dir, "request-schema.json", SCHEMA_JSON, strlen(SCHEMA_JSON));
    if (formspec_load(dir, &schema, &d) < 0) {
        diag_print(&d, stderr);
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_schema_loads),        cmocka_unit_test(test_valid_values_normalized),
        cmocka_unit_test(test_every_problem_named), cmocka_unit_test(test_bad_schemas),
        cmocka_unit_test(test_nul_refused),         cmocka_unit_test(test_require_one_of),
        cmocka_unit_test(test_schema_writer),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    formspec_free(schema);
    diag_free(&d);
    drop_dir(dir);
    return failed;
}
