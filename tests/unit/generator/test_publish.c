/* Unit tests for generator/publish.c: the branch names publish refuses
 * before anything is built (libgit2 not started by anything else yet). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "diag.h"
#include "publish.h"

/* publish_branch_name_ok on name: its result, and the message it gave
 * holding want (NULL: no message at all). */
static void expect_name(const char *name, int want_rc, const char *want)
{
    struct diag d = DIAG_INIT;
    int rc = publish_branch_name_ok(name, &d);
    const char *said = diag_first(&d);
    if (rc != want_rc)
        fail_msg("branch \"%s\": expected %d, got %d (%s)", name, want_rc, rc, said);
    if (want ? !strstr(said, want) : d.n != 0)
        fail_msg("branch \"%s\": expected a message holding \"%s\", got \"%s\"", name,
                 want ? want : "(none)", said);
    diag_free(&d);
}

static void test_names_allowed(void **state)
{
    (void)state;
    expect_name("published", 0, NULL);
    expect_name("gh-pages", 0, NULL);
    expect_name("site/spring-2026", 0, NULL);
    expect_name("published_v2", 0, NULL);
}

static void test_names_git_refuses(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "bad name", "a..b", "x.lock", "end/", "/start", "a//b",        "tab\there", "star*",
        "q?",       "[x",   "a~1",    "a^",   "a:b",    "back\\slash", "@{now}",    "",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        expect_name(bad[i], -1, "is not a name git allows for a branch");
}

static void test_names_that_mislead(void **state)
{
    (void)state;
    expect_name("-x", -1, "begins with a dash");
    expect_name("--force", -1, "begins with a dash");
    expect_name("HEAD", -1, "one of git's own names");
    expect_name("@", -1, "one of git's own names"); /* git push origin @ pushes HEAD */
    expect_name("FETCH_HEAD", -1, "one of git's own names");
    expect_name("refs/heads/published", -1, "one of git's own names");
    expect_name("site", -1, "where builds go by default");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names_allowed),
        cmocka_unit_test(test_names_git_refuses),
        cmocka_unit_test(test_names_that_mislead),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
