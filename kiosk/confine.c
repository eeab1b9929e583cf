#include "confine.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/landlock.h>
#include <sched.h>
#include <seccomp.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

/* Debian's kernel headers describe Landlock ABI 2; the running kernel may
 * speak a newer one. These are the stable UAPI values of the later rights and
 * of the ruleset attribute's network field (Linux 6.2 and 6.7). */
#ifndef LANDLOCK_ACCESS_FS_TRUNCATE
#define LANDLOCK_ACCESS_FS_TRUNCATE (1ULL << 14)
#endif
#ifndef LANDLOCK_ACCESS_NET_CONNECT_TCP
#define LANDLOCK_ACCESS_NET_CONNECT_TCP (1ULL << 1)
#endif
struct ruleset_attr {
    uint64_t handled_access_fs;
    uint64_t handled_access_net; /* ABI 4 */
};

/* Every file access right of the ABI the kernel speaks: what is handled and
 * not granted by a rule is denied. */
static uint64_t handled_fs(int abi)
{
    uint64_t all =
        LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_READ_FILE |
        LANDLOCK_ACCESS_FS_READ_DIR | LANDLOCK_ACCESS_FS_REMOVE_DIR |
        LANDLOCK_ACCESS_FS_REMOVE_FILE | LANDLOCK_ACCESS_FS_MAKE_CHAR |
        LANDLOCK_ACCESS_FS_MAKE_DIR | LANDLOCK_ACCESS_FS_MAKE_REG | LANDLOCK_ACCESS_FS_MAKE_SOCK |
        LANDLOCK_ACCESS_FS_MAKE_FIFO | LANDLOCK_ACCESS_FS_MAKE_BLOCK | LANDLOCK_ACCESS_FS_MAKE_SYM;
    if (abi >= 2)
        all |= LANDLOCK_ACCESS_FS_REFER;
    if (abi >= 3)
        all |= LANDLOCK_ACCESS_FS_TRUNCATE;
    if (abi >= 5)
        all |= 1ULL << 15; /* LANDLOCK_ACCESS_FS_IOCTL_DEV */
    return all;
}

static int allow_dir(int ruleset, const char *dir, uint64_t access, struct diag *d)
{
    struct landlock_path_beneath_attr rule = {.allowed_access = access};
    rule.parent_fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (rule.parent_fd < 0) {
        diag_error(d, dir, 0, 0, "cannot confine access to it: %s", strerror(errno));
        return -1;
    }
    long rc = syscall(SYS_landlock_add_rule, ruleset, LANDLOCK_RULE_PATH_BENEATH, &rule, 0);
    int saved = errno;
    close(rule.parent_fd);
    if (rc < 0) {
        diag_error(d, dir, 0, 0, "cannot confine access to it: %s", strerror(saved));
        return -1;
    }
    return 0;
}

int confine_paths(const char *read_dir, const char *write_dir, int *landlock, struct diag *d)
{
    *landlock = 0;
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
        diag_error(d, "", 0, 0, "cannot set no_new_privs: %s", strerror(errno));
        return -1;
    }
    long abi = syscall(SYS_landlock_create_ruleset, NULL, 0, LANDLOCK_CREATE_RULESET_VERSION);
    if (abi < 1) {
        diag_warn(d, "", 0, 0,
                  "this kernel has no Landlock: file access is not confined "
                  "(seccomp still is)");
        return 0;
    }
    struct ruleset_attr attr = {.handled_access_fs = handled_fs((int)abi)};
    size_t attr_size = sizeof attr;
    if (abi >= 4)
        attr.handled_access_net = LANDLOCK_ACCESS_NET_CONNECT_TCP; /* no connection out */
    else
        attr_size = offsetof(struct ruleset_attr, handled_access_net);
    int ruleset = (int)syscall(SYS_landlock_create_ruleset, &attr, attr_size, 0);
    if (ruleset < 0) {
        diag_error(d, "", 0, 0, "cannot create a Landlock ruleset: %s", strerror(errno));
        return -1;
    }
    const uint64_t read = LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR;
    /* SQLite creates and removes its journal, WAL and shared-memory files next
     * to the spool, and truncates the WAL. */
    uint64_t write = read | LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_MAKE_REG |
                     LANDLOCK_ACCESS_FS_REMOVE_FILE;
    if (abi >= 3)
        write |= LANDLOCK_ACCESS_FS_TRUNCATE;
    int rc = -1;
    if ((read_dir && allow_dir(ruleset, read_dir, read, d) < 0) ||
        allow_dir(ruleset, write_dir, write, d) < 0)
        goto out;
#if defined(__SANITIZE_ADDRESS__)
    /* The sanitizer build's leak check reads its own threads from /proc. */
    if (allow_dir(ruleset, "/proc", read, d) < 0)
        goto out;
#endif
    if (syscall(SYS_landlock_restrict_self, ruleset, 0) < 0) {
        diag_error(d, "", 0, 0, "cannot apply the Landlock ruleset: %s", strerror(errno));
        goto out;
    }
    *landlock = 1;
    rc = 0;
out:
    close(ruleset);
    return rc;
}

/* What serving needs once the socket listens: memory, threads, time, the
 * accepted connections, files already allowed by Landlock, and SQLite. */
static const int allowed[] = {
    SCMP_SYS(read),
    SCMP_SYS(write),
    SCMP_SYS(readv),
    SCMP_SYS(writev),
    SCMP_SYS(pread64),
    SCMP_SYS(pwrite64),
    SCMP_SYS(close),
    SCMP_SYS(fstat),
    SCMP_SYS(newfstatat),
    SCMP_SYS(statx),
    SCMP_SYS(lseek),
    SCMP_SYS(openat),
    SCMP_SYS(fcntl),
    SCMP_SYS(fsync),
    SCMP_SYS(fdatasync),
    SCMP_SYS(ftruncate),
    SCMP_SYS(unlink),
    SCMP_SYS(unlinkat),
    SCMP_SYS(access),
    SCMP_SYS(faccessat),
    SCMP_SYS(faccessat2),
    SCMP_SYS(readlink),
    SCMP_SYS(readlinkat),
    SCMP_SYS(getdents64),
    SCMP_SYS(getcwd),
    SCMP_SYS(fchown),
    SCMP_SYS(fchmod),
    SCMP_SYS(geteuid),
    SCMP_SYS(getuid),
    SCMP_SYS(getpid),
    SCMP_SYS(gettid),
    SCMP_SYS(mmap),
    SCMP_SYS(munmap),
    SCMP_SYS(mprotect),
    SCMP_SYS(mremap),
    SCMP_SYS(madvise),
    SCMP_SYS(brk),
    SCMP_SYS(mlock),
    SCMP_SYS(munlock),
    SCMP_SYS(mlock2),
    SCMP_SYS(futex),
    SCMP_SYS(set_robust_list),
    SCMP_SYS(rseq),
    SCMP_SYS(sched_yield),
    SCMP_SYS(sched_getaffinity),
    SCMP_SYS(clock_gettime),
    SCMP_SYS(clock_nanosleep),
    SCMP_SYS(nanosleep),
    SCMP_SYS(gettimeofday),
    SCMP_SYS(getrandom),
    SCMP_SYS(rt_sigaction),
    SCMP_SYS(rt_sigprocmask),
    SCMP_SYS(rt_sigreturn),
    SCMP_SYS(rt_sigtimedwait),
    SCMP_SYS(sigaltstack),
    SCMP_SYS(tgkill),
    SCMP_SYS(restart_syscall),
    SCMP_SYS(exit),
    SCMP_SYS(exit_group),
    SCMP_SYS(prlimit64),
    SCMP_SYS(uname),
    SCMP_SYS(accept),
    SCMP_SYS(accept4),
    SCMP_SYS(recvfrom),
    SCMP_SYS(recvmsg),
    SCMP_SYS(sendto),
    SCMP_SYS(sendmsg),
    SCMP_SYS(sendfile),
    SCMP_SYS(shutdown),
    SCMP_SYS(setsockopt),
    SCMP_SYS(getsockopt),
    SCMP_SYS(getsockname),
    SCMP_SYS(getpeername),
    SCMP_SYS(poll),
    SCMP_SYS(ppoll),
    SCMP_SYS(select),
    SCMP_SYS(pselect6),
    SCMP_SYS(epoll_create1),
    SCMP_SYS(epoll_ctl),
    SCMP_SYS(epoll_wait),
    SCMP_SYS(epoll_pwait),
    SCMP_SYS(eventfd2),
    SCMP_SYS(pipe2),
    SCMP_SYS(ioctl),
#if defined(__SANITIZE_ADDRESS__)
    /* The sanitizer build's leak check stops the world at exit with a traced
     * helper thread; release builds never need these. */
    SCMP_SYS(ptrace),
    SCMP_SYS(wait4),
    SCMP_SYS(prctl),
    SCMP_SYS(getppid),
    SCMP_SYS(clone),
    SCMP_SYS(open),
    SCMP_SYS(getdents),
    SCMP_SYS(sched_setaffinity),
#endif
};

int confine_syscalls(struct diag *d)
{
    /* Anything not listed fails with EPERM; running a program kills. */
    scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ERRNO(EPERM));
    int rc = -1;
    if (!ctx) {
        diag_error(d, "", 0, 0, "cannot create a seccomp filter");
        return -1;
    }
    int err = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_TSYNC, 1);
    for (size_t i = 0; !err && i < sizeof allowed / sizeof allowed[0]; i++)
        err = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, allowed[i], 0);
#if !defined(__SANITIZE_ADDRESS__)
    /* Threads only: a clone that would make a new process is refused. */
    if (!err)
        err = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(clone), 1,
                               SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_THREAD, CLONE_THREAD));
    /* libmicrohttpd names its threads; nothing else of prctl. */
    if (!err)
        err = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(prctl), 1,
                               SCMP_A0(SCMP_CMP_EQ, PR_SET_NAME));
#endif
    /* glibc falls back to clone when clone3 is refused with ENOSYS; clone3's
     * flags are in memory, where a filter cannot read them. */
    if (!err)
        err = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0);
    if (!err)
        err = seccomp_rule_add(ctx, SCMP_ACT_KILL_PROCESS, SCMP_SYS(execve), 0);
    if (!err)
        err = seccomp_rule_add(ctx, SCMP_ACT_KILL_PROCESS, SCMP_SYS(execveat), 0);
    if (!err)
        err = seccomp_load(ctx);
    if (err) {
        diag_error(d, "", 0, 0, "cannot apply the seccomp filter: %s", strerror(-err));
        goto out;
    }
    rc = 0;
out:
    seccomp_release(ctx);
    return rc;
}
