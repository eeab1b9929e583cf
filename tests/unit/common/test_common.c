/* Unit tests for common/clock.c, common/termsafe.c, common/db.c,
 * common/fsutil.c (reading) and common/xalloc.c. */
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

#include "buf.h"
#include "clock.h"
#include "db.h"
#include "fsutil.h"
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
        cmocka_unit_test(test_clock_iso), cmocka_unit_test(test_clock_build_time),
        cmocka_unit_test(test_termsafe),  cmocka_unit_test(test_db),
        cmocka_unit_test(test_xalloc),    cmocka_unit_test(test_fs_read_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
