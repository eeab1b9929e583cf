/* confine: what `peerkiosk serve` and `peerkiosk drop` give up once they are
 * ready to serve, so that a bug in request handling cannot be turned into
 * running a program, opening a connection or reading files (DESIGN §7).
 *
 * Two steps, because Landlock restricts only the calling thread and its
 * future threads while seccomp can cover threads that already run:
 *   1. confine_paths, before the server starts its threads: no_new_privs and,
 *      where the kernel has Landlock, file access limited to reading the site
 *      and reading and writing the spool's directory, and no outgoing TCP
 *      connection;
 *   2. confine_syscalls, once the server listens: a seccomp allow-list
 *      (libseccomp) of the system calls serving needs, applied to every
 *      thread. Running a program kills the process; any other call outside
 *      the list fails with EPERM (no new socket, bind or connect). */
#ifndef PEERKIT_CONFINE_H
#define PEERKIT_CONFINE_H

#include "diag.h"

/* read_dir may be NULL (the drop box serves no site). *landlock is set to 1
 * when the kernel enforced the file rules, 0 when it has no Landlock (a
 * warning is added). Returns -1 only when confinement could not be applied. */
int confine_paths(const char *read_dir, const char *write_dir, int *landlock, struct diag *d);

int confine_syscalls(struct diag *d);

#endif
