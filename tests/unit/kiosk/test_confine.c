/* Unit tests for kiosk/confine.c: after confinement a process reads only the
 * site, writes only in the spool's directory, opens no new socket, and is
 * killed if it tries to run a program; /proc reports the filter. Each case
 * runs in a child process, since confinement cannot be undone. */
#include "kiosk_support.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "confine.h"

static char *root, *site, *spool;

/* Confines the calling (child) process; exits 90 when that fails. */
static void confine_me(void)
{
    struct diag d = DIAG_INIT;
    int landlock = 0;
    if (confine_paths(site, spool, &landlock, &d) < 0 || confine_syscalls(&d) < 0) {
        diag_print(&d, stderr);
        _exit(90);
    }
}

/* Runs check() confined in a child; returns its wait status. */
static int in_child(int (*check)(void))
{
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        confine_me();
        _exit(check());
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    return status;
}

static void expect_exit(int status, int code, const char *what)
{
    if (!WIFEXITED(status) || WEXITSTATUS(status) != code)
        fail_msg("%s: expected exit %d, got %s %d", what, code,
                 WIFEXITED(status) ? "exit" : "signal",
                 WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
}

/* 0 when the site reads and the spool directory takes a new file. */
static int allowed_work(void)
{
    char buf[16];
    char *page = join(site, "index.html"), *file = join(spool, "new.db-wal");
    int fd = open(page, O_RDONLY);
    if (fd < 0 || read(fd, buf, sizeof buf) <= 0)
        return 1;
    close(fd);
    fd = open(file, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    if (fd < 0 || write(fd, "x", 1) != 1 || fsync(fd) < 0)
        return 2;
    close(fd);
    if (unlink(file) < 0)
        return 3;
    return 0;
}

static int read_outside(void)
{
    char *secret = join(root, "outside.txt");
    int fd = open(secret, O_RDONLY);
    return fd < 0 && errno == EACCES ? 0 : 1;
}

static int write_site(void)
{
    char *page = join(site, "index.html");
    int fd = open(page, O_WRONLY | O_TRUNC);
    return fd < 0 && errno == EACCES ? 0 : 1;
}

static int new_socket(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    return fd < 0 && errno == EPERM ? 0 : 1;
}

static int run_program(void)
{
    char *argv[] = {"/bin/true", NULL}, *envp[] = {NULL};
    execve("/bin/true", argv, envp);
    return 7; /* not reached: the filter kills the process */
}

static void test_allowed_work_goes_on(void **state)
{
    (void)state;
    expect_exit(in_child(allowed_work), 0, "reading the site and writing the spool");
}

static void test_files_outside_are_refused(void **state)
{
    (void)state;
    expect_exit(in_child(read_outside), 0, "reading a file outside the site (EACCES)");
    expect_exit(in_child(write_site), 0, "writing into the site (EACCES)");
}

static void test_no_new_socket(void **state)
{
    (void)state;
    expect_exit(in_child(new_socket), 0, "a new socket (EPERM)");
}

static void test_running_a_program_kills(void **state)
{
    (void)state;
    int status = in_child(run_program);
    if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGSYS)
        fail_msg("expected the child to be killed by SIGSYS, got %s %d",
                 WIFEXITED(status) ? "exit" : "signal",
                 WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
}

/* The confined process cannot read /proc itself (Landlock), so its parent
 * reads the child's status while the child waits. */
static void test_proc_reports_the_filter(void **state)
{
    (void)state;
    int ready[2];
    assert_int_equal(pipe(ready), 0);
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        confine_me();
        if (write(ready[1], "r", 1) != 1)
            _exit(91);
        pause();
        _exit(0);
    }
    char c;
    assert_int_equal(read(ready[0], &c, 1), 1);
    char path[64], text[8192];
    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    FILE *f = fopen(path, "r"); /* /proc files have no size to read by */
    assert_non_null(f);
    size_t len = fread(text, 1, sizeof text - 1, f);
    text[len] = '\0';
    fclose(f);
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    if (!strstr(text, "\nSeccomp:\t2\n") || !strstr(text, "\nNoNewPrivs:\t1\n"))
        fail_msg("expected Seccomp: 2 and NoNewPrivs: 1 in %s, got:\n%s", path, text);
    close(ready[0]);
    close(ready[1]);
}

int main(void)
{
    root = scratch_dir();
    site = join(root, "site");
    spool = join(root, "spool");
    assert_int_equal(mkdir(site, 0755), 0);
    assert_int_equal(mkdir(spool, 0700), 0);
    put_file(site, "index.html", "<p>home</p>", 11);
    put_file(root, "outside.txt", "secret", 6);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_allowed_work_goes_on),
        cmocka_unit_test(test_files_outside_are_refused),
        cmocka_unit_test(test_no_new_socket),
        cmocka_unit_test(test_running_a_program_kills),
        cmocka_unit_test(test_proc_reports_the_filter),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    free(site);
    free(spool);
    drop_dir(root);
    return failed;
}
