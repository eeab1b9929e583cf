/* Unit tests for common/clock.c, common/termsafe.c, common/db.c,
 * common/fsutil.c (reading, and writing a file in pieces) and
 * common/xalloc.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "clock.h"
#include "db.h"
#include "fsutil.h"
#include "utf8.h"
#include "termsafe.h"
#include "xalloc.h"

#include "diag_assert.h"

static void expect_iso_parse(const char *s, int want_rc, long long want_t)
{
    time_t t = 0;
    int rc = clock_parse_iso(s, &t);
    if (rc != want_rc || (rc == 0 && (long long)t != want_t))
        fail_msg("clock_parse_iso(\"%s\"): expected rc %d t %lld, got rc %d t %lld", s, want_rc,
                 want_t, rc, (long long)t);
}

static void test_clock_iso(void **state)
{
    (void)state;
    char iso[CLOCK_ISO_LEN], day[CLOCK_DAY_LEN];
    clock_iso(1795600000, iso);
    assert_string_equal(iso, "2026-11-25T09:46:40Z");
    clock_day(1795600000, day);
    assert_string_equal(day, "2026-11-25");
    expect_iso_parse("2026-11-25T09:46:40Z", 0, 1795600000);
    expect_iso_parse("1970-01-01T00:00:00Z", 0, 0);
    expect_iso_parse("2028-02-29T12:00:00Z", 0, 1835438400);
    const char *bad[] = {"",
                         "2026-11-25",
                         "2026-11-25T09:46:40",
                         "2026-11-25T09:46:40Z ",
                         "2026-02-30T10:00:00Z",
                         "2026-13-01T10:00:00Z",
                         "2026-11-25T24:00:00Z",
                         "2026-11-25 09:46:40Z",
                         "2026-11-25T09:46:4aZ",
                         "+026-11-25T09:46:40Z",
                         "2026-11-25T09:46:40Z\x1b[2J"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        expect_iso_parse(bad[i], -1, 0);
}

static void test_clock_build_time(void **state)
{
    (void)state;
    int from_env = -1;
    setenv("SOURCE_DATE_EPOCH", "1767225600", 1);
    assert_int_equal((long long)clock_build_time(&from_env), 1767225600LL);
    assert_int_equal(from_env, 1);
    setenv("SOURCE_DATE_EPOCH", "soon", 1); /* not a number: the real time */
    time_t before = time(NULL);
    assert_true(clock_build_time(&from_env) >= before);
    assert_int_equal(from_env, 0);
    /* The real clock never looks at the variable. */
    setenv("SOURCE_DATE_EPOCH", "1767225600", 1);
    assert_true(clock_now() >= before);
    unsetenv("SOURCE_DATE_EPOCH");
}

static void expect_safe(const char *in, size_t n, const char *indent, const char *want)
{
    struct buf b = BUF_INIT;
    termsafe_append(&b, in, n, indent);
    const char *got = b.data ? b.data : "";
    if (strcmp(got, want))
        fail_msg("termsafe of %zu bytes: expected \"%s\", got \"%s\"", n, want, got);
    buf_free(&b);
}

#define SAFE(in, indent, want) expect_safe(in, sizeof in - 1, indent, want)

static void test_termsafe(void **state)
{
    (void)state;
    SAFE("plain text, café, 日本", NULL, "plain text, café, 日本");
    SAFE("\x1b[2J\x1b]0;title\x07", NULL, "\\x1b[2J\\x1b]0;title\\x07");
    SAFE("\xc2\x9b"
         "31m",
         NULL, "\\u009b31m");                            /* C1 CSI */
    SAFE("\xc2\x85 \xc2\xa0", NULL, "\\u0085 \xc2\xa0"); /* NEL; NBSP is text */
    SAFE("del\x7f", NULL, "del\\x7f");
    SAFE("a\tb\\c", NULL, "a\\tb\\\\c");
    SAFE("nul\0here", NULL, "nul\\x00here");
    SAFE("bad \xff utf8 \xc0\xaf \xed\xa0\x80", NULL, "bad \\xff utf8 \\xc0\\xaf \\xed\\xa0\\x80");
    SAFE("cut \xe6\x97", NULL, "cut \\xe6\\x97");
    SAFE("one\ntwo\r\n", NULL, "one\\x0atwo\\x0d\\x0a");
    SAFE("one\ntwo", "    ", "one\n    two");
}

static void test_db(void **state)
{
    (void)state;
    char dir[] = "/tmp/peerkit-db-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char *path = xasprintf("%s/t.db", dir);
    struct diag d = DIAG_INIT;
    sqlite3 *db = NULL;
    mode_t old = umask(0);
    assert_int_equal(db_open(path, DB_CREATE, 0, &db, &d), 0);
    umask(old);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600); /* whatever the umask */
    assert_int_equal(db_exec(db, path, "CREATE TABLE t (x); PRAGMA user_version = 7;", &d), 0);
    assert_int_equal(db_user_version(db, path, &d), 7);
    assert_int_equal(db_exec(db, path, "INSERT INTO t VALUES (1)", &d), 0);
    assert_int_equal(db_checkpoint_truncate(db, path, &d), 0);
    char *wal = xasprintf("%s-wal", path);
    assert_int_equal(stat(wal, &st), 0);
    assert_int_equal(st.st_size, 0);
    assert_int_equal(db_exec(db, path, "SELECT nonsense FROM nowhere", &d), -1);
    assert_non_null(strstr(d.items[0].where, "t.db"));
    db_close(db);
    diag_free(&d);
    /* Read-only: works, and refuses writes. */
    assert_int_equal(db_open(path, DB_READONLY, 0, &db, &d), 0);
    assert_int_equal(db_exec(db, path, "INSERT INTO t VALUES (2)", &d), -1);
    db_close(db);
    diag_free(&d);
    /* A database that must exist and does not. */
    char *missing = xasprintf("%s/none.db", dir);
    assert_int_equal(db_open(missing, DB_WRITE, 0, &db, &d), -1);
    assert_null(db);
    diag_free(&d);
    unlink(wal);
    unlink(path);
    char *shm = xasprintf("%s-shm", path);
    unlink(shm);
    rmdir(dir);
    free(shm);
    free(missing);
    free(wal);
    free(path);
}

static void still_waiting(int sig)
{
    (void)sig;
    static const char msg[] = "[  FAILED  ] 1 test: expected fs_read_file to refuse a FIFO at "
                              "once, got: still waiting for a writer after 5 s\n";
    if (write(1, msg, sizeof msg - 1) < 0)
        _exit(2);
    _exit(1);
}

/* Only regular files are read, and nothing waits: a FIFO without a writer
 * would block a plain open() for ever. */
static void test_fs_read_file(void **state)
{
    (void)state;
    char dir[] = "/tmp/peerkit-fs-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char *file = xasprintf("%s/f.txt", dir), *fifo = xasprintf("%s/fifo", dir);
    struct diag d = DIAG_INIT;
    char *data = NULL;
    size_t len = 0;
    FILE *f = fopen(file, "w");
    assert_non_null(f);
    fputs("hello", f);
    fclose(f);
    assert_int_equal(fs_read_file(file, 100, &data, &len, &d), 0);
    assert_int_equal(len, 5);
    assert_string_equal(data, "hello");
    free(data);
    data = NULL;
    assert_int_equal(fs_read_file(file, 4, &data, &len, &d), -1);
    expect_message(&d, "file too large");
    diag_free(&d);

    assert_int_equal(mkfifo(fifo, 0600), 0);
    signal(SIGALRM, still_waiting);
    alarm(5);
    int rc = fs_read_file(fifo, 100, &data, &len, &d);
    alarm(0);
    assert_int_equal(rc, -1);
    assert_null(data);
    expect_message(&d, "not a regular file");
    diag_free(&d);
    assert_int_equal(fs_read_file(dir, 100, &data, &len, &d), -1);
    expect_message(&d, "not a regular file");
    diag_free(&d);
    assert_int_equal(fs_read_file("/dev/null", 100, &data, &len, &d), -1);
    expect_message(&d, "not a regular file");
    diag_free(&d);
    unlink(fifo);
    unlink(file);
    rmdir(dir);
    free(fifo);
    free(file);
}

/* A file made of pieces of another and new bytes, copied in the kernel
 * within a file system and read and written across two (from dir_from into
 * dir_to); a source shorter than a piece asks is an error. */
static void expect_pieces(const char *dir_from, const char *dir_to)
{
    char *from = xasprintf("%s/from", dir_from), *to = xasprintf("%s/to", dir_to);
    /* Longer than one read of the fallback (64 KiB), so pieces span several. */
    struct buf old = BUF_INIT, want = BUF_INIT;
    for (size_t i = 0; old.len < 200000; i++)
        buf_printf(&old, "line %zu\n", i);
    FILE *f = fopen(from, "w");
    assert_non_null(f);
    fwrite(old.data, 1, old.len, f);
    fclose(f);
    int fd = open(from, O_RDONLY);
    assert_true(fd >= 0);
    struct fs_piece p[] = {{NULL, 10, 0},
                           {"NEW", 3, 0},
                           {NULL, 150000, 20},
                           {"", 0, 0},
                           {NULL, 7, (off_t)old.len - 7}};
    buf_append(&want, old.data, 10);
    buf_puts(&want, "NEW");
    buf_append(&want, old.data + 20, 150000);
    buf_append(&want, old.data + old.len - 7, 7);
    struct diag d = DIAG_INIT;
    assert_int_equal(fs_write_pieces(to, fd, p, 5, &d), 0);
    char *got = NULL;
    size_t len = 0;
    assert_int_equal(fs_read_file(to, 1 << 20, &got, &len, &d), 0);
    if (len != want.len || memcmp(got, want.data, len))
        fail_msg("expected %zu bytes made of the pieces, got %zu (differing)", want.len, len);
    free(got);
    struct fs_piece past[] = {{NULL, 100, (off_t)old.len - 50}};
    assert_int_equal(fs_write_pieces(to, fd, past, 1, &d), -1);
    expect_message(&d, "shorter than expected");
    diag_free(&d);
    close(fd);
    unlink(from);
    unlink(to);
    free(from);
    free(to);
    buf_free(&old);
    buf_free(&want);
}

static void test_fs_write_pieces(void **state)
{
    (void)state;
    char dir[] = "/tmp/peerkit-pieces-XXXXXX", shm[] = "/dev/shm/peerkit-pieces-XXXXXX";
    assert_non_null(mkdtemp(dir));
    expect_pieces(dir, dir);
    if (mkdtemp(shm)) { /* another file system, where the machine has one */
        expect_pieces(shm, dir);
        rmdir(shm);
    }
    rmdir(dir);
}

/* Writes n bytes of a pattern that expect_read_at checks. */
static void write_bytes(const char *path, size_t n)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    for (size_t i = 0; i < n; i++)
        fputc('a' + (char)(i % 7), f);
    fclose(f);
}

/* fs_read_at of name in dirfd into b: expects success with n bytes of the
 * write_bytes pattern. */
static void expect_read_at(int dirfd, const char *name, bool regular, size_t max, size_t n,
                           struct fs_buf *b)
{
    struct diag d = DIAG_INIT;
    size_t len = 0;
    struct stat st, want;
    if (fs_read_at(dirfd, name, name, regular, max, b, &len, &st, &d) != 0) {
        char *got = printed(&d);
        fail_msg("fs_read_at(%s, regular %d): expected %zu bytes, got an error:\n%s", name, regular,
                 n, got);
    }
    if (len != n)
        fail_msg("fs_read_at(%s, regular %d): expected %zu bytes, got %zu", name, regular, n, len);
    for (size_t i = 0; i < n; i++)
        if (b->data[i] != 'a' + (char)(i % 7))
            fail_msg("fs_read_at(%s): byte %zu differs", name, i);
    assert_int_equal(b->data[n], '\0');
    /* The identity of the file read, as a stat by name gives it. */
    assert_int_equal(fstatat(dirfd, name, &want, 0), 0);
    if (st.st_ino != want.st_ino || st.st_size != want.st_size ||
        st.st_mtim.tv_nsec != want.st_mtim.tv_nsec)
        fail_msg("fs_read_at(%s): expected the file's stat (inode %llu, %lld bytes), got inode "
                 "%llu, %lld bytes",
                 name, (unsigned long long)want.st_ino, (long long)want.st_size,
                 (unsigned long long)st.st_ino, (long long)st.st_size);
    diag_free(&d);
}

/* fs_read_at of name in dirfd: expects failure with the message want, at
 * once (the alarm fails a read that waits). */
static void expect_refused_at(int dirfd, const char *name, bool regular, size_t max,
                              struct fs_buf *b, const char *want)
{
    struct diag d = DIAG_INIT;
    size_t len = 0;
    signal(SIGALRM, still_waiting);
    alarm(5);
    int rc = fs_read_at(dirfd, name, name, regular, max, b, &len, NULL, &d);
    alarm(0);
    if (rc != -1)
        fail_msg("fs_read_at(%s, regular %d): expected \"%s\", got %zu bytes", name, regular, want,
                 len);
    expect_message(&d, want);
    diag_free(&d);
}

struct grower {
    const char *path;
    volatile int stop;
};

static void *grow(void *arg)
{
    struct grower *g = arg;
    FILE *f = fopen(g->path, "a");
    if (!f)
        return NULL;
    for (size_t i = 0; !g->stop && i < 4000; i++) {
        for (int k = 0; k < 256; k++)
            fputc('a' + (char)(k % 7), f);
        fflush(f);
    }
    fclose(f);
    return NULL;
}

/* fs_read_at reads relative to a directory: one read for a file the
 * listing calls regular, every size the buffer grows through, and the
 * refusals of fs_read_file, with its messages, whatever the listing said. */
/* RFC 3629 section 3's table and the cases it rules out (Markus Kuhn's
 * decoder test names them): where the first invalid byte is. */
static void test_utf8(void **state)
{
    (void)state;
    static const struct {
        const char *s;
        size_t valid;
    } cases[] = {
        {"plain ASCII text, longer than eight bytes", 41},
        {"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", 14}, /* U+00E9, U+20AC, U+1F600 */
        {"Caf\xe9 au lait", 3},                            /* Latin-1 */
        {"\xc0\xaf", 0},                                   /* overlong "/" */
        {"\xe0\x80\xaf", 0},                               /* overlong, 3 bytes */
        {"\xf0\x80\x80\xaf", 0},                           /* overlong, 4 bytes */
        {"ok \xed\xa0\x80", 3},                            /* U+D800, a surrogate */
        {"\xf4\x90\x80\x80", 0},                           /* past U+10FFFF */
        {"\xf4\x8f\xbf\xbf", 4},                           /* U+10FFFF itself */
        {"\xef\xbf\xbd", 3},                               /* U+FFFD */
        {"abcdefgh\xe2\x82", 8},                           /* cut short */
        {"\x80", 0},                                       /* a lone continuation */
        {"\xfe\xff", 0},
    };
    /* Columns count characters: "café €" is 6 of them in 9 bytes. */
    assert_int_equal(utf8_chars("caf\xc3\xa9 \xe2\x82\xac", 9), 6);
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        size_t got = utf8_valid_prefix(cases[i].s, strlen(cases[i].s));
        if (got != cases[i].valid)
            fail_msg("case %zu: expected %zu valid bytes, got %zu", i, cases[i].valid, got);
    }
}

static void test_fs_read_at(void **state)
{
    (void)state;
    char dir[] = "/tmp/peerkit-fsat-XXXXXX";
    assert_non_null(mkdtemp(dir));
    int dfd = open(dir, O_RDONLY | O_DIRECTORY);
    assert_true(dfd >= 0);
    struct fs_buf b = {NULL, 0};
    static const size_t sizes[] = {1, 5, 65534, 65535, 65536, 65537, 200000, 5};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        char *path = xasprintf("%s/f%zu", dir, i), *name = strrchr(path, '/') + 1;
        write_bytes(path, sizes[i]);
        expect_read_at(dfd, name, true, 1u << 20, sizes[i], &b);
        expect_read_at(dfd, name, false, 1u << 20, sizes[i], &b);
        expect_read_at(dfd, name, true, sizes[i], sizes[i], &b); /* exactly max */
        char *want = xasprintf("file too large (%zu bytes, limit %zu)", sizes[i], sizes[i] - 1);
        expect_refused_at(dfd, name, true, sizes[i] - 1, &b, want);
        expect_refused_at(dfd, name, false, sizes[i] - 1, &b, want);
        free(want);
        unlink(path);
        free(path);
    }
    /* An empty file is read as "", with a fresh buffer too. */
    char *empty = xasprintf("%s/empty", dir);
    write_bytes(empty, 0);
    struct fs_buf fresh = {NULL, 0};
    expect_read_at(dfd, "empty", true, 100, 0, &fresh);
    expect_read_at(dfd, "empty", false, 100, 0, &fresh);
    free(fresh.data);
    expect_read_at(dfd, "empty", true, 100, 0, &b);
    /* A listing that is out of date (or wrong) cannot make a FIFO, a
     * directory or a device be read, or be waited on. */
    assert_int_equal(mkfifoat(dfd, "fifo", 0600), 0);
    assert_int_equal(mkdirat(dfd, "sub", 0700), 0);
    expect_refused_at(dfd, "fifo", true, 100, &b, "fifo: not a regular file");
    expect_refused_at(dfd, "fifo", false, 100, &b, "fifo: not a regular file");
    expect_refused_at(dfd, "sub", true, 100, &b, "sub: not a regular file");
    expect_refused_at(dfd, "sub", false, 100, &b, "sub: not a regular file");
    expect_refused_at(AT_FDCWD, "/dev/null", true, 100, &b, "/dev/null: not a regular file");
    expect_refused_at(AT_FDCWD, "/dev/zero", true, 100, &b, "/dev/zero: not a regular file");
    expect_refused_at(dfd, "none", true, 100, &b, "none: cannot open: No such file or directory");
    /* A file that grows while it is read: what was there (up to max), or
     * refused as too large; never more than max bytes, never a hang. */
    char *growing = xasprintf("%s/growing", dir);
    write_bytes(growing, 7000);
    struct grower g = {growing, 0};
    pthread_t tid;
    assert_int_equal(pthread_create(&tid, NULL, grow, &g), 0);
    for (int i = 0; i < 50; i++) {
        struct diag d = DIAG_INIT;
        size_t len = 0;
        if (fs_read_at(dfd, "growing", "growing", i % 2, 300000, &b, &len, NULL, &d) == 0) {
            assert_true(len >= 7000 && len <= 300000);
            assert_int_equal(b.data[len], '\0');
        } else {
            expect_message(&d, "file too large");
        }
        diag_free(&d);
    }
    g.stop = 1;
    pthread_join(tid, NULL);
    free(b.data);
    close(dfd);
    char *cmd = xasprintf("rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
    free(cmd);
    free(growing);
    free(empty);
}

static void test_xalloc(void **state)
{
    (void)state;
    char *s = xasprintf("%s-%d", "a", 7);
    assert_string_equal(s, "a-7");
    char *t = xstrdup(s);
    assert_string_equal(t, "a-7");
    t = xrealloc(t, 100);
    int *z = xcalloc(4, sizeof *z);
    assert_int_equal(z[0] | z[1] | z[2] | z[3], 0);
    free(z);
    free(t);
    free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_clock_iso),       cmocka_unit_test(test_clock_build_time),
        cmocka_unit_test(test_termsafe),        cmocka_unit_test(test_db),
        cmocka_unit_test(test_xalloc),          cmocka_unit_test(test_fs_read_file),
        cmocka_unit_test(test_fs_read_at),      cmocka_unit_test(test_utf8),
        cmocka_unit_test(test_fs_write_pieces),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
