/* Unit tests for generator/gitinfo.c: finding the content's repository.
 * Content outside any repository is built without dates, and without
 * starting libgit2 at all (its start-up reads the system's certificates):
 * git_libgit2_init is counted here, in front of libgit2's own. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dlfcn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "diag_assert.h"
#include "gitinfo.h"
#include "xalloc.h"

static int starts;

int git_libgit2_init(void)
{
    static int (*real)(void);
    if (!real)
        *(void **)&real = dlsym(RTLD_NEXT, "git_libgit2_init");
    starts++;
    return real();
}

static char dir[] = "/tmp/peerkit-gitinfo-XXXXXX";

static char *path_of(const char *rel)
{
    return xasprintf("%s/%s", dir, rel);
}

static void make_dir(const char *rel)
{
    char *p = path_of(rel);
    assert_int_equal(mkdir(p, 0700), 0);
    free(p);
}

static void put(const char *rel, const char *text)
{
    char *p = path_of(rel);
    FILE *f = fopen(p, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    free(p);
}

/* A repository made by libgit2 (a work tree or a bare one) under rel. */
static void make_repository(const char *rel, bool bare)
{
    char *p = path_of(rel);
    git_repository *repo = NULL;
    git_libgit2_init();
    assert_int_equal(git_repository_init(&repo, p, bare), 0);
    git_repository_free(repo);
    git_libgit2_shutdown();
    free(p);
}

static int setup(void **state)
{
    (void)state;
    return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char *cmd = xasprintf("rm -rf %s", dir);
    int rc = system(cmd);
    free(cmd);
    return rc ? -1 : 0;
}

/* Opens content (under dir) as a build does; returns what gitinfo_open did. */
static int open_content(const char *rel, const char *rev, struct diag *d)
{
    char *content = path_of(rel);
    struct gitinfo *g = NULL;
    int rc = gitinfo_open(NULL, content, rev, &g, d);
    assert_true(rc == 1 ? g != NULL : g == NULL);
    gitinfo_free(g);
    free(content);
    return rc;
}

static void outside_any_repository(void **state)
{
    (void)state;
    make_dir("plain");
    make_dir("plain/content");
    struct diag d = DIAG_INIT;
    starts = 0;
    assert_int_equal(open_content("plain/content", NULL, &d), 0);
    expect_message(&d, "not in a git repository: pages show no last-reviewed dates");
    assert_int_equal(d.nerrors, 0);
    if (starts)
        fail_msg("expected libgit2 not to start outside a repository; it started %d times", starts);
    diag_free(&d);

    struct diag ref = DIAG_INIT;
    assert_int_equal(open_content("plain/content", "HEAD", &ref), -1);
    expect_message(&ref, "--ref needs a git repository");
    assert_int_equal(starts, 0);
    diag_free(&ref);
}

static void inside_a_work_tree(void **state)
{
    (void)state;
    make_repository("work", false);
    make_dir("work/content");
    make_dir("work/content/faq");
    struct diag d = DIAG_INIT;
    starts = 0;
    assert_int_equal(open_content("work/content/faq", NULL, &d), 1);
    assert_int_equal(d.n, 0);
    assert_int_equal(starts, 1);
    diag_free(&d);
}

/* A linked worktree has a ".git" file, not a folder. */
static void inside_a_linked_work_tree(void **state)
{
    (void)state;
    make_dir("linked");
    char *gitdir = path_of("work/.git");
    char *line = xasprintf("gitdir: %s\n", gitdir);
    put("linked/.git", line);
    free(line);
    free(gitdir);
    make_dir("linked/content");
    struct diag d = DIAG_INIT;
    starts = 0;
    assert_int_equal(open_content("linked/content", NULL, &d), 1);
    assert_int_equal(starts, 1);
    diag_free(&d);
}

/* A folder inside a bare repository is libgit2's to refuse. */
static void inside_a_bare_repository(void **state)
{
    (void)state;
    make_repository("bare.git", true);
    make_dir("bare.git/content");
    struct diag d = DIAG_INIT;
    assert_int_equal(open_content("bare.git/content", NULL, &d), -1);
    expect_message(&d, "a bare repository has no content to build");
    diag_free(&d);
    make_repository("bare", true);
    make_dir("bare/content");
    struct diag plain_name = DIAG_INIT;
    assert_int_equal(open_content("bare/content", NULL, &plain_name), -1);
    expect_message(&plain_name, "a bare repository has no content to build");
    diag_free(&plain_name);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(outside_any_repository),
        cmocka_unit_test(inside_a_work_tree),
        cmocka_unit_test(inside_a_linked_work_tree),
        cmocka_unit_test(inside_a_bare_repository),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
