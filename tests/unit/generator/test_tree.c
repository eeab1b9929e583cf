/* Unit tests for generator/tree.c: a listed directory read entry by entry
 * (tree_dir), through the file system and through a backend that has no
 * directories of its own. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "diag_assert.h"
#include "fsutil.h"
#include "tree.h"
#include "xalloc.h"

static char dir[] = "/tmp/peerkit-tree-XXXXXX";

static void put(const char *name, const char *text)
{
    char *path = xasprintf("%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    free(path);
}

static int setup(void **state)
{
    (void)state;
    if (!mkdtemp(dir))
        return -1;
    put("b.md", "bee\n");
    put("a.md", "a");
    put(".hidden.md", "no");
    put("c.txt", "see");
    put("z.md", "");
    char *sub = xasprintf("%s/d.md", dir), *fifo = xasprintf("%s/f.md", dir);
    char *link = xasprintf("%s/l.md", dir);
    int rc = mkdir(sub, 0700) || mkfifo(fifo, 0600) || symlink("a.md", link) ? -1 : 0;
    free(sub);
    free(fifo);
    free(link);
    return rc;
}

static int teardown(void **state)
{
    (void)state;
    char *cmd = xasprintf("rm -rf %s", dir);
    int rc = system(cmd);
    free(cmd);
    return rc ? -1 : 0;
}

static void still_waiting(int sig)
{
    (void)sig;
    static const char msg[] = "[  FAILED  ] 1 test: expected tree_dir_read to refuse a FIFO at "
                              "once, got: still waiting for a writer after 5 s\n";
    if (write(1, msg, sizeof msg - 1) < 0)
        _exit(2);
    _exit(1);
}

/* Reads entry i of td: want is its text, or (when error is set) the
 * message it is refused with. */
static void expect_entry(struct tree_dir *td, size_t i, const char *want, int error,
                         struct fs_buf *b)
{
    char *path = xasprintf("%s/%s", dir, td->names[i]);
    struct diag d = DIAG_INIT;
    size_t len = 0;
    signal(SIGALRM, still_waiting);
    alarm(5);
    int rc = tree_dir_read(td, i, path, 1000, b, &len, NULL, &d);
    alarm(0);
    if (error) {
        if (rc != -1)
            fail_msg("%s: expected \"%s\", got %zu bytes", path, want, len);
        char *where = xasprintf("%s: %s", path, want);
        expect_message(&d, where);
        free(where);
    } else {
        if (rc != 0) {
            char *got = printed(&d);
            fail_msg("%s: expected \"%s\", got:\n%s", path, want, got);
        }
        if (len != strlen(want) || strcmp(b->data, want))
            fail_msg("%s: expected \"%s\", got \"%.*s\"", path, want, (int)len, b->data);
    }
    diag_free(&d);
    free(path);
}

/* The listing and the reads of one tree: *.md entries in byte order, no
 * hidden ones; files read, anything else refused without waiting. */
static void check_tree(struct tree *t)
{
    static const char *const names[] = {"a.md", "b.md", "d.md", "f.md", "l.md", "z.md"};
    struct diag d = DIAG_INIT;
    struct tree_dir *td = tree_dir_open(t, dir, ".md", &d);
    assert_non_null(td);
    assert_int_equal(td->n, 6);
    for (size_t i = 0; i < td->n; i++)
        if (strcmp(td->names[i], names[i]))
            fail_msg("entry %zu: expected %s, got %s", i, names[i], td->names[i]);
    assert_null(td->names[td->n]);
    /* Only a regular file may be read without fstat. */
    assert_false(td->regular[2] || td->regular[3] || td->regular[4]);
    struct fs_buf b = {NULL, 0};
    expect_entry(td, 1, "bee\n", 0, &b);
    expect_entry(td, 0, "a", 0, &b);
    expect_entry(td, 2, "not a regular file", 1, &b);
    expect_entry(td, 3, "not a regular file", 1, &b);
    expect_entry(td, 4, "a", 0, &b);
    expect_entry(td, 5, "", 0, &b);
    free(b.data);
    tree_dir_free(td);

    td = tree_dir_open(t, dir, NULL, &d);
    assert_non_null(td);
    assert_int_equal(td->n, 7);
    assert_string_equal(td->names[2], "c.txt");
    tree_dir_free(td);

    td = tree_dir_open(t, dir, ".none", &d); /* nothing kept: an empty listing */
    assert_non_null(td);
    assert_int_equal(td->n, 0);
    assert_null(td->names[0]);
    tree_dir_free(td);

    char *none = xasprintf("%s/none", dir);
    assert_null(tree_dir_open(t, none, ".md", &d));
    assert_int_equal(d.n, 0); /* absent is not an error here */
    free(none);
    diag_free(&d);
}

static void test_fs_dir(void **state)
{
    (void)state;
    struct tree *t = tree_fs_new();
    check_tree(t);
    tree_free(t);
}

/* fs seen as a backend that can only list and read by path (a commit),
 * through ops (which must outlive it). */
static struct tree listing_only(struct tree *fs, struct tree_ops *ops)
{
    *ops = *fs->ops;
    ops->open_dir = NULL;
    ops->read_in = NULL;
    ops->close_dir = NULL;
    return (struct tree){ops, fs->self, NULL};
}

/* Such a backend: the same names and the same results. */
static void test_listing_backend(void **state)
{
    (void)state;
    struct tree *fs = tree_fs_new();
    struct tree_ops ops;
    struct tree t = listing_only(fs, &ops);
    check_tree(&t);
    tree_free(fs);
}

/* A listing made ahead is the one tree_dir_open then gives, once: taken,
 * the next open lists again. One not taken goes with the tree. An
 * unreadable directory's message comes with the open that takes it. */
static void test_prefetch(void **state)
{
    (void)state;
    struct tree *t = tree_fs_new();
    tree_dir_prefetch(t, dir, ".md");
    put("e.md", "late"); /* after the listing: not in it */
    struct diag d = DIAG_INIT;
    struct tree_dir *td = tree_dir_open(t, dir, ".md", &d);
    assert_non_null(td);
    if (td->n != 6)
        fail_msg("the listing made ahead: expected 6 entries, got %zu", td->n);
    struct fs_buf b = {NULL, 0};
    expect_entry(td, 1, "bee\n", 0, &b);
    tree_dir_free(td);
    td = tree_dir_open(t, dir, ".md", &d); /* listed afresh */
    assert_int_equal(td->n, 7);
    tree_dir_free(td);
    char *path = xasprintf("%s/e.md", dir);
    unlink(path);
    free(path);

    char *locked = xasprintf("%s/locked", dir);
    assert_int_equal(mkdir(locked, 0), 0);
    tree_dir_prefetch(t, locked, ".md");
    tree_dir_prefetch(t, dir, NULL); /* never taken */
    if (geteuid() != 0) {
        assert_null(tree_dir_open(t, locked, ".md", &d));
        expect_message(&d, "cannot read directory");
    } else {
        tree_dir_free(tree_dir_open(t, locked, ".md", &d));
    }
    rmdir(locked);
    free(locked);
    free(b.data);
    diag_free(&d);
    tree_free(t);
}

static int by_strcmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Makes the n files names in a new folder sub of dir, then expects both
 * backends to list them in strcmp's order (names: freed). */
static void expect_sorted(const char *sub, char **names, size_t n)
{
    char *folder = xasprintf("%s/%s", dir, sub);
    assert_int_equal(mkdir(folder, 0700), 0);
    for (size_t i = 0; i < n; i++) {
        char *path = xasprintf("%s/%s", folder, names[i]);
        FILE *f = fopen(path, "w");
        assert_non_null(f);
        fclose(f);
        free(path);
    }
    qsort(names, n, sizeof *names, by_strcmp);
    size_t unique = 0; /* a name made twice is one file */
    for (size_t i = 0; i < n; i++)
        if (!unique || strcmp(names[unique - 1], names[i]))
            names[unique++] = names[i];
        else
            free(names[i]);
    struct tree *fs = tree_fs_new();
    struct tree_ops ops;
    struct tree listing = listing_only(fs, &ops);
    struct tree *trees[] = {fs, &listing};
    for (size_t k = 0; k < 2; k++) {
        struct diag d = DIAG_INIT;
        struct tree_dir *td = tree_dir_open(trees[k], folder, ".md", &d);
        assert_non_null(td);
        if (td->n != unique)
            fail_msg("%s: expected %zu entries, got %zu", sub, unique, td->n);
        for (size_t i = 0; i < unique; i++)
            if (strcmp(td->names[i], names[i]))
                fail_msg("%s, backend %zu, entry %zu: expected %s, got %s", sub, k, i, names[i],
                         td->names[i]);
        tree_dir_free(td);
        diag_free(&d);
    }
    tree_free(fs);
    for (size_t i = 0; i < unique; i++)
        free(names[i]);
    free(folder);
}

/* Names that share a prefix (a long one, or one that is a whole name),
 * end within the 8 bytes after it or run past them, differ only after
 * them, or hold bytes above 0x7f: listed in strcmp's order. */
static void test_sorted_as_strcmp(void **state)
{
    (void)state;
    static const char *const odd[] = {
        "s.md",
        "s.md.md",
        "s-.md",
        "s~.md",
        "s\xc3\xa9.md",
        "saaaaaaa.md",
        "saaaaaaab.md",
        "saaaaaaaaaaaaaaa1.md",
        "saaaaaaaaaaaaaaa0.md",
        "saaaaaaaaaaaaaaa.md",
        /* Bytes above 0x7f (and 0x7f) inside the 8: compared unsigned
         * (\303 is 0xc3, in octal, which ends after three digits). */
        "s\303a.md",
        "s\303b.md",
        "sa\303.md",
        "sb\303.md",
        "s\177.md",
    };
    enum { ODD = sizeof odd / sizeof *odd, NUMBERED = 300 };
    char *names[ODD + NUMBERED];
    size_t n = 0;
    for (size_t i = 0; i < ODD; i++)
        names[n++] = xstrdup(odd[i]);
    /* As numbered files come: ...0042, ...042, ...42 */
    for (unsigned i = 0; i < NUMBERED; i++)
        names[n++] = xasprintf("supporter-%0*u.md", (int)(i % 3) + 3, (i * 7919u) % 1000);
    expect_sorted("mixed", names, n);
    for (unsigned i = 0; i < NUMBERED; i++) /* their prefix: "supporter-" */
        names[i] = xasprintf("supporter-%0*u.md", (int)(i % 3) + 3, (i * 7919u) % 1000);
    expect_sorted("numbered", names, NUMBERED);
    static const char *const whole[] = {"ab.md.md", "ab.md", "ab.md.mdx.md"};
    for (size_t i = 0; i < 3; i++) /* their prefix: "ab.md", a name */
        names[i] = xstrdup(whole[i]);
    expect_sorted("whole", names, 3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fs_dir),
        cmocka_unit_test(test_listing_backend),
        cmocka_unit_test(test_prefetch),
        cmocka_unit_test(test_sorted_as_strcmp),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
