/* Unit tests for kiosk/formfill.c: the kiosk's problems page puts back what
 * was typed (escaped), links every problem from the summary to its field in
 * the form's order, and marks each field with its message and
 * aria-invalid (the GOV.UK error-summary pattern). */
#include "kiosk_support.h"

#include "buf.h"
#include "formfill.h"

/* The request page's main content, as peersite's field partial writes it. */
static const char FORM[] =
    "<div class=\"error-summary\" id=\"seal-errors\" tabindex=\"-1\" hidden></div>\n"
    "<h1>Ask</h1>\n<form id=\"request-form\">\n"
    "<div class=\"field\" data-field=\"name\">\n<label for=\"f-name\">Name</label>\n"
    "<input type=\"text\" id=\"f-name\" name=\"name\" maxlength=\"20\" required>\n</div>\n"
    "<div class=\"field\" data-field=\"email\">\n<label for=\"f-email\">Email</label>\n"
    "<p class=\"help\" id=\"f-email-help\">One way to reach you.</p>\n"
    "<input type=\"email\" id=\"f-email\" name=\"email\" maxlength=\"60\" "
    "aria-describedby=\"f-email-help\">\n</div>\n"
    "<div class=\"field\" data-field=\"note\">\n<label for=\"f-note\">Note</label>\n"
    "<textarea id=\"f-note\" name=\"note\" rows=\"6\" maxlength=\"200\"></textarea>\n</div>\n"
    "<div class=\"field\" data-field=\"when\">\n<label for=\"f-when\">When</label>\n"
    "<select id=\"f-when\" name=\"when\" required>\n<option value=\"\">Choose…</option>\n"
    "<option value=\"soon\">Soon</option>\n<option value=\"later\">Later</option>\n"
    "</select>\n</div>\n"
    "<fieldset class=\"field\" data-field=\"who\">\n<legend>Who</legend>\n"
    "<div class=\"choice\"><input type=\"radio\" id=\"f-who-self\" name=\"who\" value=\"self\">"
    "<label for=\"f-who-self\">Me</label></div>\n</fieldset>\n"
    "<div class=\"field\" data-field=\"consent\">\n<div class=\"choice\"><input type=\"checkbox\" "
    "id=\"f-consent\" name=\"consent\" value=\"yes\" required><label "
    "for=\"f-consent\">OK</label></div>\n</div>\n"
    "<fieldset class=\"field\" data-field=\"how\">\n<legend>How</legend>\n"
    "<div class=\"choice\"><input type=\"checkbox\" id=\"f-how-call\" name=\"how\" "
    "value=\"call\"><label for=\"f-how-call\">Call</label></div>\n"
    "<div class=\"choice\"><input type=\"checkbox\" id=\"f-how-meet\" name=\"how\" "
    "value=\"meet\"><label for=\"f-how-meet\">Meet</label></div>\n</fieldset>\n</form>\n";

static json_t *fields;

static char *render(const char *values_json, struct diag *problems)
{
    json_error_t err;
    json_t *values = values_json ? json_loads(values_json, 0, &err) : NULL;
    if (values_json && !values)
        fail_msg("bad test JSON: %s", err.text);
    struct buf out = BUF_INIT;
    formfill_render(FORM, fields, values, problems, "Please check:", &out);
    json_decref(values);
    return buf_detach(&out);
}

static void expect_in(const char *page, const char *want)
{
    if (!strstr(page, want))
        fail_msg("expected the page to contain\n  %s\ngot:\n%s", want, page);
}

static void test_values_come_back(void **state)
{
    (void)state;
    struct diag d = DIAG_INIT;
    diag_error(&d, "when", 0, 0, "required: please fill this in");
    char *page = render("{\"name\": \"Ada \\\"<b>\\\" & co\", \"email\": \"ada@example.org\","
                        " \"note\": \"\\nfirst line kept\\nsecond </textarea><script>\","
                        " \"who\": \"self\", \"consent\": \"yes\", \"how\": [\"meet\", \"fax\"]}",
                        &d);
    /* Text as typed, escaped in attributes and in the textarea. */
    expect_in(page, "id=\"f-name\" name=\"name\" maxlength=\"20\" required "
                    "value=\"Ada &quot;&lt;b&gt;&quot; &amp; co\">");
    expect_in(page, "aria-describedby=\"f-email-help\" value=\"ada@example.org\">");
    expect_in(page, "maxlength=\"200\">\n\nfirst line kept\nsecond &lt;/textarea&gt;&lt;script&gt;"
                    "</textarea>");
    assert_null(strstr(page, "<script>"));
    /* Choices: only those the field offers. */
    expect_in(page, "id=\"f-who-self\" name=\"who\" value=\"self\" checked>");
    expect_in(page, "id=\"f-consent\" name=\"consent\" value=\"yes\" required checked>");
    expect_in(page, "id=\"f-how-meet\" name=\"how\" value=\"meet\" checked>");
    assert_null(strstr(page, "value=\"call\" checked"));
    assert_null(strstr(page, "fax"));
    free(page);
    diag_free(&d);

    /* A select keeps its choice; unknown choices are not written back. */
    page = render("{\"when\": \"later\"}", &d);
    expect_in(page, "<option value=\"later\" selected>Later</option>");
    free(page);
    page = render("{\"when\": \"\\\"><script>\", \"who\": \"nobody\"}", &d);
    assert_null(strstr(page, " selected"));
    assert_null(strstr(page, " checked"));
    assert_null(strstr(page, "<script>"));
    free(page);
    /* Without values (a body that could not be read) the form is empty. */
    page = render(NULL, &d);
    assert_null(strstr(page, "value=\"Ada"));
    free(page);
}

static void test_summary_and_marks(void **state)
{
    (void)state;
    struct diag d = DIAG_INIT;
    /* Reported out of the form's order, and twice for one field. */
    diag_error(&d, "shoe_size", 0, 0, "not a field of this form");
    diag_error(&d, "how", 0, 0, "not one of the choices");
    diag_error(&d, "email", 0, 0, "give at least one of Email or Pager, so we can reach you");
    diag_error(&d, "name", 0, 0, "required: please fill this in");
    diag_error(&d, "name", 0, 0, "too long");
    char *page = render("{\"email\": \"\"}", &d);
    /* The placeholder is replaced, not kept hidden. */
    assert_null(strstr(page, "hidden></div>"));
    expect_in(page, "<div class=\"error-summary\" id=\"seal-errors\" tabindex=\"-1\">\n"
                    "<div role=\"alert\">\n<h2 id=\"seal-errors-title\">There is a problem</h2>\n"
                    "<p>Please check:</p>\n<ul>\n"
                    "<li><a href=\"#f-name\">Name — required: please fill this in</a></li>\n"
                    "<li><a href=\"#f-name\">Name — too long</a></li>\n"
                    "<li><a href=\"#f-email\">Email — give at least one of Email or Pager, so we "
                    "can reach you</a></li>\n"
                    "<li><a href=\"#f-how-call\">How — not one of the choices</a></li>\n"
                    "<li>shoe_size — not a field of this form</li>\n</ul>");
    /* Each field: marked, its first message before its control, the
     * control invalid and described by the message first. */
    expect_in(page, "data-field=\"name\" data-invalid>");
    expect_in(page, "<label for=\"f-name\">Name</label>\n<p class=\"error-message\" "
                    "id=\"f-name-error\"><span class=\"visually-hidden\">Error:</span> Required: "
                    "please fill this in</p>\n<input type=\"text\" id=\"f-name\" name=\"name\" "
                    "maxlength=\"20\" required aria-describedby=\"f-name-error\" "
                    "aria-invalid=\"true\">");
    assert_null(strstr(page, "> Too long</p>"));
    expect_in(page, "One way to reach you.</p>\n<p class=\"error-message\" id=\"f-email-error\">");
    expect_in(page, "aria-describedby=\"f-email-error f-email-help\" aria-invalid=\"true\">");
    /* A group: the fieldset is described, each choice invalid. */
    expect_in(page, "<fieldset class=\"field\" data-field=\"how\" data-invalid "
                    "aria-describedby=\"f-how-error\">");
    expect_in(page, "<legend>How</legend>\n<p class=\"error-message\" id=\"f-how-error\">");
    expect_in(page, "value=\"call\" aria-invalid=\"true\">");
    expect_in(page, "value=\"meet\" aria-invalid=\"true\">");
    assert_null(strstr(page, "data-field=\"when\" data-invalid"));
    free(page);
    diag_free(&d);

    /* The single checkbox: the message before its box and label. */
    diag_error(&d, "consent", 0, 0, "required: please fill this in");
    page = render("{}", &d);
    expect_in(page, "data-field=\"consent\" data-invalid>\n<p class=\"error-message\" "
                    "id=\"f-consent-error\"><span class=\"visually-hidden\">Error:</span> "
                    "Required: please fill this in</p>\n<div class=\"choice\">");
    expect_in(page, "required aria-describedby=\"f-consent-error\" aria-invalid=\"true\">");
    free(page);
    diag_free(&d);
}

int main(void)
{
    kiosk_test_init();
    json_error_t err;
    json_t *schema = json_loads(SCHEMA_JSON, 0, &err);
    assert_non_null(schema);
    fields = json_object_get(schema, "fields");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_values_come_back),
        cmocka_unit_test(test_summary_and_marks),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    json_decref(schema);
    return failed;
}
