/* Unit tests for admin/match.c: who is never offered (not accepting, the
 * requester's own department however it is spelled), the order (career
 * stage, modality, language, load, a named supporter first) and the reasons
 * given for each. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <string.h>

#include "match.h"

static json_t *directory(void)
{
    json_error_t err;
    json_t *doc =
        json_loads("{\"version\": 1, \"roles\": [{\"id\": \"faculty\", \"label\": \"Attending\"},"
                   " {\"id\": \"fellow\", \"label\": \"Fellow\"}, {\"id\": \"resident\", "
                   "\"label\": \"Resident\"},"
                   " {\"id\": \"student\", \"label\": \"Student\"}],"
                   " \"supporters\": ["
                   "  {\"slug\": \"ana\", \"name\": \"Ana Alba\", \"role\": \"resident\", "
                   "\"department\": \"Emergency Medicine\","
                   "   \"modalities\": [\"phone\"], \"languages\": [\"English\", \"Spanish\"], "
                   "\"accepting\": true},"
                   "  {\"slug\": \"ben\", \"name\": \"Ben Bell\", \"role\": \"resident\", "
                   "\"department\": \"Surgery\","
                   "   \"modalities\": [\"phone\", \"video\"], \"languages\": [\"English\"], "
                   "\"accepting\": true},"
                   "  {\"slug\": \"cy\", \"name\": \"Cy Chen\", \"role\": \"fellow\", "
                   "\"department\": \"Medicine\","
                   "   \"modalities\": [\"in-person\"], \"languages\": [\"English\", \"Spanish\"]},"
                   "  {\"slug\": \"di\", \"name\": \"Di Diaz\", \"role\": \"faculty\", "
                   "\"department\": \"Pediatrics\","
                   "   \"modalities\": [\"phone\"], \"languages\": [\"Spanish\"], \"accepting\": "
                   "false},"
                   "  {\"slug\": \"eve\", \"name\": \"Eve Eng\", \"role\": \"student\", "
                   "\"department\": \"Anesthesia\","
                   "   \"modalities\": [\"video\"]}"
                   " ]}",
                   0, &err);
    if (!doc)
        fail_msg("test directory: %s", err.text);
    return doc;
}

static json_t *rank(const char *fields_json, const char *loads_json)
{
    json_t *sup = directory(), *fields = json_loads(fields_json, 0, NULL);
    json_t *loads = json_loads(loads_json ? loads_json : "{}", 0, NULL);
    assert_non_null(fields);
    json_t *m = match_rank(sup, fields, loads);
    json_decref(sup);
    json_decref(fields);
    json_decref(loads);
    return m;
}

/* The ranked slugs joined with spaces must be want. */
static void expect_order(json_t *m, const char *want)
{
    char got[256] = "";
    size_t i;
    json_t *s;
    json_array_foreach (json_object_get(m, "ranked"), i, s) {
        if (i)
            strcat(got, " ");
        strcat(got, json_string_value(json_object_get(s, "supporter")));
    }
    if (strcmp(got, want))
        fail_msg("expected order \"%s\", got \"%s\"", want, got);
}

static int has_reason(json_t *list, const char *slug, const char *text)
{
    size_t i, j;
    json_t *s, *r;
    json_array_foreach (list, i, s) {
        if (strcmp(json_string_value(json_object_get(s, "supporter")), slug))
            continue;
        json_array_foreach (json_object_get(s, "reasons"), j, r)
            if (strstr(json_string_value(r), text))
                return 1;
    }
    return 0;
}

static void test_never_offered(void **state)
{
    (void)state;
    /* Department spelled with other case and spacing: still the same one. */
    json_t *m = rank("{\"role\": \"resident\", \"department\": \"  emergency   MEDICINE\","
                     " \"modality\": [\"phone\"]}",
                     NULL);
    expect_order(m, "ben cy eve");
    json_t *ex = json_object_get(m, "excluded");
    assert_true(has_reason(ex, "ana", "same department as the requester"));
    assert_true(has_reason(ex, "di", "not accepting"));
    json_decref(m);
    /* Named but not accepting: still never offered. */
    m = rank("{\"supporter\": \"Di Diaz\"}", NULL);
    assert_true(has_reason(json_object_get(m, "excluded"), "di", "not accepting"));
    assert_false(has_reason(json_object_get(m, "ranked"), "di", "named"));
    json_decref(m);
}

static void test_order_and_reasons(void **state)
{
    (void)state;
    /* Resident, phone, Spanish, from Pediatrics: ana (same stage, phone,
     * Spanish) 65, ben (same stage, phone) 50, cy (one step, Spanish) 35,
     * eve (one step) 20. */
    json_t *m = rank("{\"role\": \"resident\", \"department\": \"Pediatrics\","
                     " \"modality\": [\"phone\"], \"language\": \"spanish\"}",
                     NULL);
    expect_order(m, "ana ben cy eve");
    json_t *r = json_object_get(m, "ranked");
    assert_int_equal(json_integer_value(json_object_get(json_array_get(r, 0), "score")), 65);
    assert_true(has_reason(r, "ana", "same career stage (Resident)"));
    assert_true(has_reason(r, "ana", "offers phone"));
    assert_true(has_reason(r, "ana", "speaks spanish"));
    assert_true(has_reason(r, "cy", "similar career stage (Fellow, 1 step"));
    assert_true(has_reason(r, "ben", "does not list spanish"));
    assert_true(has_reason(r, "eve", "0 open assignments"));
    json_decref(m);
    /* Load: three open assignments cost ana 15 points, ben passes her. */
    m = rank("{\"role\": \"resident\", \"department\": \"Pediatrics\","
             " \"modality\": [\"phone\"], \"language\": \"spanish\"}",
             "{\"ana\": 4}");
    expect_order(m, "ben ana cy eve");
    assert_true(has_reason(json_object_get(m, "ranked"), "ana", "4 open assignments"));
    json_decref(m);
    /* Equal scores: fewer open assignments, then the slug. */
    m = rank("{}", "{\"ben\": 0}");
    expect_order(m, "ana ben cy eve");
    json_decref(m);
}

static void test_named_first(void **state)
{
    (void)state;
    /* eve would come last; named (in a longer string), she comes first. */
    json_t *m = rank("{\"role\": \"resident\", \"modality\": [\"phone\"],"
                     " \"supporter\": \"Dr. Eve  Eng, please\"}",
                     NULL);
    expect_order(m, "eve ana ben cy");
    assert_true(has_reason(json_object_get(m, "ranked"), "eve", "named by the requester"));
    json_decref(m);
    /* Named from one's own department: still left out (naming someone is not
     * asking for one's own department), and the reason says both. */
    m = rank("{\"department\": \"Emergency Medicine\", \"supporter\": \"Dr. Ana Alba\"}", NULL);
    expect_order(m, "ben cy eve");
    assert_true(has_reason(json_object_get(m, "excluded"), "ana",
                           "named by the requester, but from the requester's department"));
    assert_false(has_reason(json_object_get(m, "ranked"), "ana", "as the request asks"));
    json_decref(m);
    /* Whole words only: "Susana Albano" does not name Ana Alba. */
    m = rank("{\"role\": \"student\", \"supporter\": \"Susana Albano\"}", NULL);
    expect_order(m, "eve ana ben cy");
    assert_false(has_reason(json_object_get(m, "ranked"), "ana", "named"));
    json_decref(m);
    /* Asking for one's own department lets a supporter from it be offered. */
    m = rank("{\"department\": \"Emergency Medicine\", \"same_department\": \"yes\","
             " \"role\": \"resident\"}",
             NULL);
    expect_order(m, "ana ben cy eve");
    assert_true(
        has_reason(json_object_get(m, "ranked"), "ana", "same department, as the request asks"));
    json_decref(m);
}

/* A directory written with accents: the program is in Quebec. */
static json_t *accented(void)
{
    json_t *doc = json_loads(
        "{\"roles\": [{\"id\": \"resident\", \"label\": \"R\u00e9sident\"}], \"supporters\": ["
        " {\"slug\": \"lucia\", \"name\": \"Luc\u00eda Ferreira\", \"role\": \"resident\","
        "  \"department\": \"M\u00e9decine familiale\", \"modalities\": [\"phone\"]},"
        " {\"slug\": \"tomas\", \"name\": \"Tom\u00e1s Nov\u00e1k\", \"role\": \"resident\","
        "  \"department\": \"\u00c6rztliche Stra\u00dfe \u0141\u00f3d\u017a\", \"modalities\": "
        "[\"phone\"]},"
        " {\"slug\": \"eleni\", \"name\": \"Eleni Pappas\", \"role\": \"resident\","
        "  \"department\": \"\u03a0\u03b1\u03b9\u03b4\u03b9\u03b1\u03c4\u03c1\u03b9\u03ba\u03ae\","
        "  \"modalities\": [\"phone\"]}]}",
        0, NULL);
    assert_non_null(doc);
    return doc;
}

/* The slugs match_rank leaves out for a request from department dept. */
static void expect_excluded(const char *dept, const char *want)
{
    json_t *sup = accented(), *fields = json_object();
    /* Unchecked: jansson would refuse the bytes that are not UTF-8. */
    json_object_set_new(fields, "department", json_string_nocheck(dept));
    json_t *m = match_rank(sup, fields, NULL);
    char got[128] = "";
    size_t i;
    json_t *s;
    json_array_foreach (json_object_get(m, "excluded"), i, s) {
        if (i)
            strcat(got, " ");
        strcat(got, json_string_value(json_object_get(s, "supporter")));
    }
    if (strcmp(got, want))
        fail_msg("department \"%s\": expected \"%s\" left out, got \"%s\"", dept, want, got);
    if (*want && !has_reason(json_object_get(m, "excluded"), want, "same department"))
        fail_msg("department \"%s\": expected the reason \"same department\"", dept);
    json_decref(m);
    json_decref(fields);
    json_decref(sup);
}

static void test_accents(void **state)
{
    (void)state;
    /* Accents, case and spacing do not make another department. */
    expect_excluded("Medecine Familiale", "lucia");
    expect_excluded("M\u00c9DECINE  familiale", "lucia");
    expect_excluded("me\xcc\x81"
                    "decine-familiale",
                    "lucia");                             /* e + combining acute */
    expect_excluded("aerztliche strasse, lodz", "tomas"); /* AE, sharp s, L with stroke */
    /* Other scripts are compared as written (without spacing). */
    expect_excluded("\xce\xa0\xce\xb1\xce\xb9\xce\xb4\xce\xb9\xce\xb1\xcf\x84\xcf\x81"
                    "\xce\xb9\xce\xba\xce\xae",
                    "eleni");
    expect_excluded("Medecine", "");
    expect_excluded("\xce\xa0", "");
    /* Named without the accents, with a title or a credential. */
    static const char *const asked[][2] = {{"Dr. Tomas Novak", "tomas"},
                                           {"Lucia Ferreira, MD", "lucia"},
                                           {"dr lucía ferreira please", "lucia"},
                                           {"Prof. NOVAK", ""},
                                           {"Ferreira", ""}};
    for (size_t i = 0; i < sizeof asked / sizeof asked[0]; i++) {
        json_t *sup = accented(), *fields = json_pack("{s:s}", "supporter", asked[i][0]);
        json_t *m = match_rank(sup, fields, NULL);
        const char *first = json_string_value(
            json_object_get(json_array_get(json_object_get(m, "ranked"), 0), "supporter"));
        int hit = has_reason(json_object_get(m, "ranked"), first, "named by the requester");
        if (*asked[i][1] ? !hit || strcmp(first, asked[i][1]) : hit)
            fail_msg("\"%s\": expected %s named first, got %s (%s)", asked[i][0],
                     *asked[i][1] ? asked[i][1] : "nobody", first, hit ? "named" : "not named");
        json_decref(m);
        json_decref(fields);
        json_decref(sup);
    }
    /* A byte that is not UTF-8 counts as punctuation, never as a letter. */
    expect_excluded("M\xff"
                    "edecine familiale",
                    "lucia");
    expect_excluded("M\xff", "");
}

static void test_hostile_fields(void **state)
{
    (void)state;
    /* Wrong types where strings are expected: compared as absent, no crash. */
    json_t *m = rank("{\"role\": 7, \"department\": [1], \"modality\": {\"x\": 1},"
                     " \"language\": null, \"supporter\": 3}",
                     NULL);
    expect_order(m, "ana ben cy eve");
    json_decref(m);
    m = rank("{\"modality\": \"video\"}", NULL);
    expect_order(m, "ben eve ana cy");
    json_decref(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_never_offered),  cmocka_unit_test(test_order_and_reasons),
        cmocka_unit_test(test_named_first),    cmocka_unit_test(test_accents),
        cmocka_unit_test(test_hostile_fields),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
