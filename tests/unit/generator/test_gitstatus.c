/* Unit tests for generator/gitstatus.c: the quick way lists what libgit2's
 * own status lists, in real repositories made by the git program, one
 * kind of change at a time; and it hands libgit2 what its rule cannot
 * judge. Each case names the paths it expects, so both ways are checked
 * against the same answer, not only against each other. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <git2.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "gitstatus.h"
#include "xalloc.h"

static char root[] = "/tmp/peerkit-gitstatus-XXXXXX";
static char *repo_dir; /* the case's repository */

/* Runs a shell command in the case's repository; it must succeed. */
static void sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void sh(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    struct buf cmd = BUF_INIT;
    buf_printf(&cmd, "cd '%s' && ", repo_dir);
    char *rest = NULL;
    if (vasprintf(&rest, fmt, ap) < 0)
        abort();
    va_end(ap);
    buf_printf(&cmd, "%s", rest);
    int rc = system(cmd.data);
    if (rc != 0)
        fail_msg("expected `%s` to succeed; it returned %d", rest, rc);
    free(rest);
    buf_free(&cmd);
}

static int setup(void **state)
{
    (void)state;
    if (!mkdtemp(root))
        return -1;
    /* The git program with no configuration but the repository's own. */
    setenv("HOME", root, 1);
    setenv("GIT_CONFIG_NOSYSTEM", "1", 1);
    setenv("GIT_AUTHOR_NAME", "Editor", 1);
    setenv("GIT_AUTHOR_EMAIL", "editor@example.org", 1);
    setenv("GIT_COMMITTER_NAME", "Editor", 1);
    setenv("GIT_COMMITTER_EMAIL", "editor@example.org", 1);
    git_libgit2_init();
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    git_libgit2_shutdown();
    char *cmd = xasprintf("rm -rf '%s'", root);
    int rc = system(cmd);
    free(cmd);
    free(repo_dir);
    return rc ? -1 : 0;
}

/* A fresh repository under name: a content folder, a theme and a folder
 * outside both, committed (unless unborn). */
static void fresh_repo(const char *name, bool commit)
{
    free(repo_dir);
    repo_dir = xasprintf("%s/%s", root, name);
    assert_int_equal(mkdir(repo_dir, 0700), 0);
    sh("git init -q . && mkdir -p content/supporters content/faq themes/default other && "
       "printf 'title: Peer support\\n' > content/site.yml && "
       "printf 'name: Ana\\n' > content/supporters/ana.md && "
       "printf 'name: Ben\\n' > content/supporters/ben.md && "
       "printf 'question: Who?\\n' > content/faq/who.md && "
       "printf '<html></html>\\n' > themes/default/page.html && "
       "printf 'notes\\n' > other/readme.md && git add -A");
    if (commit)
        sh("git commit -qm start");
}

static const char *const both[] = {"content", "themes/default"};

static char *joined(const struct gitstatus *st)
{
    struct buf b = BUF_INIT;
    for (size_t i = 0; i < st->n; i++)
        buf_printf(&b, "%s%s", i ? " " : "", st->paths[i]);
    return b.len ? buf_detach(&b) : xstrdup("");
}

static void list(bool quick, struct gitstatus_memo *memo, const char *const *prefixes, size_t n,
                 struct gitstatus *st)
{
    git_repository *repo = NULL;
    assert_int_equal(git_repository_open(&repo, repo_dir), 0);
    git_reference *ref = NULL;
    git_object *head = NULL;
    if (git_repository_head(&ref, repo) == 0)
        assert_int_equal(git_reference_peel(&head, ref, GIT_OBJECT_COMMIT), 0);
    char *error = NULL;
    int rc = gitstatus_list(repo, head ? git_object_id(head) : NULL, prefixes, n, quick, memo, st,
                            &error);
    if (rc != 0)
        fail_msg("expected the status to be listed; it failed: %s", error);
    git_object_free(head);
    git_reference_free(ref);
    git_repository_free(repo);
}

/* Both ways, and the quick way twice with a memo, list exactly expected
 * (paths joined by spaces); full: the quick way hands the case to libgit2. */
static void expect_listed(const char *const *prefixes, size_t n, const char *expected, bool full)
{
    struct gitstatus_memo memo = {0};
    const char *how[] = {"libgit2's status", "the quick way", "the quick way with a memo",
                         "the quick way from the memo"};
    for (int k = 0; k < 4; k++) {
        struct gitstatus st;
        list(k > 0, k >= 2 ? &memo : NULL, prefixes, n, &st);
        char *got = joined(&st);
        if (strcmp(got, expected))
            fail_msg("%s: expected [%s], got [%s]", how[k], expected, got);
        if (k > 0 && st.full != full)
            fail_msg("%s: expected %s, got %s", how[k], full ? "libgit2's status" : "the quick way",
                     st.full ? "libgit2's status" : "the quick way");
        free(got);
        gitstatus_free(&st);
    }
    gitstatus_memo_free(&memo);
}

static void a_clean_tree_lists_nothing(void **state)
{
    (void)state;
    fresh_repo("clean", true);
    expect_listed(both, 2, "", false);
    /* Stated anew but the same bytes: hashed, and still nothing. */
    sh("sleep 0.01 && touch content/supporters/ana.md themes/default/page.html");
    expect_listed(both, 2, "", false);
}

static void edits_additions_and_deletions(void **state)
{
    (void)state;
    fresh_repo("edits", true);
    /* The same size: only the stat (and then the hash) can tell. */
    sh("printf 'name: Bob\\n' > content/supporters/ben.md");
    sh("printf 'name: Cy\\n' > content/supporters/cy.md && mkdir -p content/pages/help && "
       "printf 'x\\n' > content/pages/help/index.md");
    sh("rm content/faq/who.md && printf 'x\\n' > themes/default/new.html");
    sh("printf 'changed\\n' > other/readme.md"); /* outside both: not listed */
    expect_listed(both, 2,
                  "content/faq/who.md content/pages/help/index.md content/supporters/ben.md "
                  "content/supporters/cy.md themes/default/new.html",
                  false);
    /* One prefix only, and the whole tree. */
    const char *const faq[] = {"content/faq"};
    expect_listed(faq, 1, "content/faq/who.md", false);
    const char *const all[] = {""};
    expect_listed(all, 1,
                  "content/faq/who.md content/pages/help/index.md content/supporters/ben.md "
                  "content/supporters/cy.md other/readme.md themes/default/new.html",
                  false);
    /* A folder gone with its files. */
    sh("rm -r content/supporters");
    expect_listed(faq, 1, "content/faq/who.md", false);
    expect_listed(both, 2,
                  "content/faq/who.md content/pages/help/index.md content/supporters/ana.md "
                  "content/supporters/ben.md themes/default/new.html",
                  false);
}

static void ignored_and_hidden_files_are_not_changes(void **state)
{
    (void)state;
    fresh_repo("ignored", true);
    sh("printf '*.tmp\\ndrafts/\\n' > .gitignore && git add .gitignore && git commit -qm ignore");
    sh("printf 'x\\n' > content/supporters/ana.md.tmp && mkdir -p content/drafts && "
       "printf 'x\\n' > content/drafts/soon.md");
    /* An editor's swap file, and a hidden file the index holds. */
    sh("printf 'x\\n' > content/.ana.md.swp && printf 'x\\n' > content/.keep && "
       "git add -f content/.keep && git commit -qm keep && printf 'y\\n' > content/.keep");
    expect_listed(both, 2, "", false);
    sh("printf 'x\\n' > content/faq/new.md");
    expect_listed(both, 2, "content/faq/new.md", false);
}

static void staged_changes_count_once(void **state)
{
    (void)state;
    fresh_repo("staged", true);
    /* Staged, then put back in the working tree: HEAD and the index differ. */
    sh("printf 'name: Anna\\n' > content/supporters/ana.md && git add content/supporters/ana.md "
       "&& printf 'name: Ana\\n' > content/supporters/ana.md");
    /* Staged and changed again. */
    sh("printf 'q\\n' > content/faq/new.md && git add content/faq/new.md && "
       "printf 'q2\\n' > content/faq/new.md");
    /* Taken out of the index, left in the working tree (untracked now). */
    sh("git rm -q --cached content/supporters/ben.md");
    expect_listed(both, 2, "content/faq/new.md content/supporters/ana.md content/supporters/ben.md",
                  false);
    /* The memo follows the index: committing empties the list. */
    struct gitstatus_memo memo = {0};
    struct gitstatus st;
    list(true, &memo, both, 2, &st);
    assert_int_equal(st.n, 3);
    gitstatus_free(&st);
    sh("git add -A && git commit -qm more");
    list(true, &memo, both, 2, &st);
    char *got = joined(&st);
    if (st.n)
        fail_msg("expected nothing listed after the commit, with the memo; got [%s]", got);
    free(got);
    gitstatus_free(&st);
    gitstatus_memo_free(&memo);
}

static void an_unborn_branch_lists_what_is_added(void **state)
{
    (void)state;
    fresh_repo("unborn", false);
    expect_listed(both, 2,
                  "content/faq/who.md content/site.yml content/supporters/ana.md "
                  "content/supporters/ben.md themes/default/page.html",
                  false);
}

/* Line endings converted by the filters (checked out with CRLF, stored
 * with LF): a file stated anew is hashed as git stores it, and is the
 * same. Another size is a change whatever the filters would make of it,
 * as git and libgit2 both have it. */
static void filters_apply_before_hashing(void **state)
{
    (void)state;
    fresh_repo("crlf", true);
    sh("git config core.autocrlf true && rm content/supporters/ana.md && "
       "git checkout -q -- content/supporters/ana.md && "
       "test $(wc -c < content/supporters/ana.md) -eq 11");
    expect_listed(both, 2, "", false);
    sh("sleep 0.01 && touch content/supporters/ana.md");
    expect_listed(both, 2, "", false);
    sh("printf 'name: Ana\\n' > content/supporters/ana.md");
    expect_listed(both, 2, "content/supporters/ana.md", false);
    sh("printf 'name: Ann\\r\\n' > content/supporters/ana.md");
    expect_listed(both, 2, "content/supporters/ana.md", false);
}

/* What git's stat rule cannot judge goes to libgit2, which still lists
 * the right paths. */
static void what_the_rule_cannot_judge_goes_to_libgit2(void **state)
{
    (void)state;
    fresh_repo("modes", true);
    sh("chmod +x content/supporters/ana.md");
    expect_listed(both, 2, "content/supporters/ana.md", true);

    fresh_repo("assume", true);
    sh("git update-index --assume-unchanged content/supporters/ana.md && "
       "printf 'name: Anna\\n' > content/supporters/ana.md");
    expect_listed(both, 2, "", true);

    fresh_repo("skip", true);
    sh("git update-index --skip-worktree content/supporters/ben.md && "
       "rm content/supporters/ben.md");
    expect_listed(both, 2, "content/supporters/ben.md", true); /* libgit2 1.5 lists it */

    fresh_repo("intent", true);
    sh("printf 'x\\n' > content/faq/new.md && git add -N content/faq/new.md");
    expect_listed(both, 2, "content/faq/new.md", true);

    fresh_repo("link", true);
    sh("ln -s ana.md content/supporters/alias.md && git add content/supporters/alias.md && "
       "git commit -qm link");
    expect_listed(both, 2, "", true);

    fresh_repo("kind", true);
    sh("rm content/supporters/ana.md && mkdir content/supporters/ana.md && "
       "printf 'x\\n' > content/supporters/ana.md/inner.md");
    expect_listed(both, 2, "content/supporters/ana.md content/supporters/ana.md/inner.md", true);

    fresh_repo("nested", true);
    sh("mkdir -p content/pages/inner && cd content/pages/inner && git init -q . && "
       "printf 'x\\n' > a.md");
    expect_listed(both, 2, "content/pages/inner/", true);
}

/* A tracked folder replaced by a link: git does not follow it, and its
 * files are gone (the link itself is untracked, unless ignored). */
static void a_folder_replaced_by_a_link(void **state)
{
    (void)state;
    fresh_repo("linked-folder", true);
    sh("mkdir ../elsewhere && cp content/supporters/*.md ../elsewhere/ && "
       "rm -r content/supporters && ln -s \"$PWD/../elsewhere\" content/supporters");
    expect_listed(both, 2, "content/supporters content/supporters/ana.md content/supporters/ben.md",
                  false);
    sh("printf 'supporters\\n' > content/.gitignore");
    expect_listed(both, 2, "content/supporters/ana.md content/supporters/ben.md", false);
}

/* A folder an ignore rule names is not looked into: not its thousands of
 * files, nor a repository inside it. */
static void ignored_folders_are_not_looked_into(void **state)
{
    (void)state;
    fresh_repo("vendor", true);
    sh("printf 'vendor/\\n' > .gitignore && git add .gitignore && git commit -qm ignore && "
       "mkdir -p themes/default/vendor/lib && cd themes/default/vendor/lib && git init -q . && "
       "for i in $(seq 200); do printf x > f$i.js; done");
    expect_listed(both, 2, "", false);
}

/* Gives the index entry of rel (a committed file) the stat the file has
 * now, its committed bytes kept, and size as its recorded size: a file
 * changed without the index knowing, as git would have written it. */
static void restat_entry(const char *rel, uint32_t size)
{
    git_repository *repo = NULL;
    git_index *index = NULL;
    assert_int_equal(git_repository_open(&repo, repo_dir), 0);
    assert_int_equal(git_repository_index(&index, repo), 0);
    git_index_entry e = *git_index_get_bypath(index, rel, 0);
    char *path = xasprintf("%s/%s", repo_dir, rel);
    struct stat now;
    assert_int_equal(lstat(path, &now), 0);
    e.ctime.seconds = (int32_t)now.st_ctim.tv_sec;
    e.ctime.nanoseconds = (uint32_t)now.st_ctim.tv_nsec;
    e.mtime.seconds = (int32_t)(uint32_t)now.st_mtim.tv_sec;
    e.mtime.nanoseconds = (uint32_t)now.st_mtim.tv_nsec;
    e.dev = (uint32_t)now.st_dev;
    e.ino = (uint32_t)now.st_ino;
    e.uid = now.st_uid;
    e.gid = now.st_gid;
    e.file_size = size;
    e.path = rel;
    assert_int_equal(git_index_add(index, &e), 0);
    assert_int_equal(git_index_write(index), 0);
    git_index_free(index);
    git_repository_free(repo);
    free(path);
}

/* An entry whose size git set to 0 (a racily clean file it found changed
 * when it wrote the index) is hashed: git calls an empty file there a
 * change, where libgit2 1.5 does not. */
static void a_smudged_entry_is_hashed(void **state)
{
    (void)state;
    fresh_repo("smudged", true);
    sh(": > content/supporters/ana.md");
    restat_entry("content/supporters/ana.md", 0);
    sh("sleep 0.01 && touch .git/index"); /* the entry is not racily clean */
    sh("git status --porcelain | grep -qx ' M content/supporters/ana.md'");
    struct gitstatus st;
    list(true, NULL, both, 2, &st);
    char *got = joined(&st);
    if (strcmp(got, "content/supporters/ana.md") || st.full)
        fail_msg("expected the quick way to list [content/supporters/ana.md], as git does; got "
                 "[%s]%s",
                 got, st.full ? " from libgit2's status" : "");
    free(got);
    gitstatus_free(&st);
}

/* Content kept under a hidden folder (.src/content) is read by the build
 * whole: only what is hidden below the content folder is left out. */
static void a_content_folder_under_a_hidden_one(void **state)
{
    (void)state;
    fresh_repo("hidden-parent", true);
    sh("mkdir .src && git mv content .src/content && git commit -qm move && "
       "printf 'name: Benjamin\\n' > .src/content/supporters/ben.md && "
       "printf 'question: New?\\n' > .src/content/faq/new.md && "
       "printf 'swap\\n' > .src/content/faq/.new.md.swp");
    static const char *const hidden[] = {".src/content", "themes/default"};
    expect_listed(hidden, 2, ".src/content/faq/new.md .src/content/supporters/ben.md", false);
}

/* A theme kept inside the content folder (content/.theme): hidden from the
 * content's point of view, read whole as the theme. */
static void a_theme_inside_the_content_folder(void **state)
{
    (void)state;
    fresh_repo("inner-theme", true);
    sh("mkdir -p content/.theme && printf 'x\\n' > content/.theme/page.html && git add -A && "
       "git commit -qm theme && printf 'y\\n' > content/.theme/page.html && "
       "printf 'swap\\n' > content/.theme/.page.html.swp");
    static const char *const inner[] = {"content", "content/.theme"};
    expect_listed(inner, 2, "content/.theme/page.html", false);
}

/* A content folder that is a link, or reached through one: git does not
 * follow it, the listing would (its files as untracked): libgit2 judges. */
static void a_content_folder_that_is_a_link(void **state)
{
    (void)state;
    fresh_repo("linked-content", true);
    sh("mkdir site && git mv content site/content && ln -s site/content content && "
       "git add content && git commit -qm link");
    expect_listed(both, 2, "", true);
    static const char *const through[] = {"content/supporters"};
    expect_listed(through, 1, "", true);
}

/* A submodule is libgit2's to judge: a folder standing for it holds nothing
 * to list, a file in its place is a change. */
static void a_submodule_goes_to_libgit2(void **state)
{
    (void)state;
    fresh_repo("submodule", true);
    sh("git update-index --add --cacheinfo 160000,$(git rev-parse HEAD),content/vendor && "
       "git commit -qm vendor && mkdir content/vendor && printf 'x\\n' > content/vendor/page.html");
    expect_listed(both, 2, "", true);
    sh("rm -r content/vendor && printf 'x\\n' > content/vendor");
    sh("git status --porcelain | grep -q 'content/vendor'");
    expect_listed(both, 2, "content/vendor", true);
}

/* A file changed in the same tick as an index written after 2038: the
 * index's 32-bit seconds are read unsigned, as git reads them, so the entry
 * is racily clean and hashed. */
static void racily_clean_after_2038(void **state)
{
    (void)state;
    fresh_repo("y2038", true);
    sh("printf 'name: Bob\\n' > content/supporters/ben.md && "
       "touch -d @2300000000 content/supporters/ben.md");
    restat_entry("content/supporters/ben.md", (uint32_t)strlen("name: Bob\n"));
    sh("touch -d @2300000000 .git/index");
    struct gitstatus st;
    list(true, NULL, both, 2, &st);
    char *got = joined(&st);
    if (strcmp(got, "content/supporters/ben.md"))
        fail_msg("expected the quick way to list [content/supporters/ben.md]; got [%s]", got);
    free(got);
    gitstatus_free(&st);
}

/* The quick way's stats of the content's tracked files, for a build to
 * take as its stamps: each as stat() gives it; none for a file not
 * tracked, gone, or outside the first prefix; none at all from libgit2. */
static void stats_are_kept_for_the_build(void **state)
{
    (void)state;
    fresh_repo("stamps", true);
    sh("printf 'name: Cy\\n' > content/supporters/cy.md && rm content/faq/who.md");
    struct gitstatus st;
    list(true, NULL, both, 2, &st);
    assert_false(st.full);
    assert_non_null(st.stamps);
    char *path = xasprintf("%s/content/supporters/ana.md", repo_dir);
    struct stat now;
    assert_int_equal(stat(path, &now), 0);
    const struct stat *kept = gitstatus_stamp(st.stamps, "supporters/ana.md");
    assert_non_null(kept);
    if (kept->st_ino != now.st_ino || kept->st_size != now.st_size ||
        kept->st_mtim.tv_nsec != now.st_mtim.tv_nsec || kept->st_ctim.tv_sec != now.st_ctim.tv_sec)
        fail_msg("expected the kept stat of supporters/ana.md to be its stat (inode %lu, size "
                 "%ld); "
                 "got inode %lu, size %ld",
                 (unsigned long)now.st_ino, (long)now.st_size, (unsigned long)kept->st_ino,
                 (long)kept->st_size);
    free(path);
    assert_non_null(gitstatus_stamp(st.stamps, "site.yml"));
    assert_null(gitstatus_stamp(st.stamps, "supporters/cy.md")); /* untracked */
    assert_null(gitstatus_stamp(st.stamps, "faq/who.md"));       /* gone */
    assert_null(gitstatus_stamp(st.stamps, "page.html"));        /* the theme's */
    assert_null(gitstatus_stamp(st.stamps, "content/site.yml"));
    gitstatus_free(&st);
    list(false, NULL, both, 2, &st);
    assert_null(st.stamps);
    gitstatus_free(&st);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(a_clean_tree_lists_nothing),
        cmocka_unit_test(edits_additions_and_deletions),
        cmocka_unit_test(ignored_and_hidden_files_are_not_changes),
        cmocka_unit_test(staged_changes_count_once),
        cmocka_unit_test(an_unborn_branch_lists_what_is_added),
        cmocka_unit_test(filters_apply_before_hashing),
        cmocka_unit_test(what_the_rule_cannot_judge_goes_to_libgit2),
        cmocka_unit_test(a_folder_replaced_by_a_link),
        cmocka_unit_test(ignored_folders_are_not_looked_into),
        cmocka_unit_test(a_smudged_entry_is_hashed),
        cmocka_unit_test(stats_are_kept_for_the_build),
        cmocka_unit_test(a_content_folder_under_a_hidden_one),
        cmocka_unit_test(a_theme_inside_the_content_folder),
        cmocka_unit_test(a_content_folder_that_is_a_link),
        cmocka_unit_test(a_submodule_goes_to_libgit2),
        cmocka_unit_test(racily_clean_after_2038),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
