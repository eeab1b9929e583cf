/* gitstatus: the files under some folders of a working tree that differ
 * from the index or from the commit, as `git status` lists them: untracked
 * files included; ignored files, submodules and paths hidden below the
 * folder they are under (a segment starting with '.', which no build
 * reads) not.
 *
 * libgit2's own status states and compares every file in one thread
 * through its iterators: some 40 ms of every build of a 10,000-supporter
 * site in a repository, the longest part of its date pass. The quick way
 * takes git's own rule instead: a file whose stat matches what the index
 * recorded for it, and which was written before the index was (else it
 * is racily clean), is as the index has it; any other is hashed (through its
 * filters) and compared. The files are stated, and their folders listed
 * for untracked ones, on a thread of their own while libgit2 compares the
 * commit with the index. What the rule cannot judge (a conflict, an entry marked
 * assume-unchanged, skip-worktree or intent-to-add, a symbolic link, a
 * submodule, a changed mode or kind, a repository inside the folders, a
 * folder that is a link or is reached through one) is left to libgit2's
 * status, whole. */
#ifndef PEERKIT_GITSTATUS_H
#define PEERKIT_GITSTATUS_H

#include <git2.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>

struct gitstatus_stamps;

struct gitstatus {
    char **paths; /* repository paths, sorted, each once */
    size_t n;
    bool full; /* libgit2's status was taken */
    /* The quick way's stat of each tracked file under the first prefix
     * (NULL when libgit2's status was taken): a build takes them for its
     * own stamps rather than stating every file again (gitstatus_stamp). */
    struct gitstatus_stamps *stamps;
};

/* What a program that lists again and again (serve) keeps between lists:
 * the commit's differences from the index, which stand while neither the
 * commit nor the index changes. Zeroed before first use. */
struct gitstatus_memo {
    bool valid;
    git_oid head;
    bool has_head;
    git_oid index;  /* the checksum of the index they were listed from */
    char *prefixes; /* the prefixes, joined by '\n' */
    struct gitstatus staged;
};

/* Lists into st what differs under prefixes (repository paths, no trailing
 * '/'; "" is the whole tree) between the commit head (NULL: an unborn
 * branch), the index and the working tree of repo. quick: the quick way
 * where it can say (else libgit2's status, always). memo: NULL, or kept by
 * the caller for the same repository. Returns 0, or -1 with libgit2's
 * message in *error (caller frees). */
int gitstatus_list(git_repository *repo, const git_oid *head, const char *const *prefixes,
                   size_t nprefixes, bool quick, struct gitstatus_memo *memo, struct gitstatus *st,
                   char **error);
void gitstatus_free(struct gitstatus *st);

/* The stat of the regular file at rel (its path below the first prefix,
 * "supporters/ana.md"), taken by the list that made stamps, or NULL. A
 * stat taken before a file is read is a safe stamp for it: a change after
 * it makes the next build read the file again. */
const struct stat *gitstatus_stamp(const struct gitstatus_stamps *stamps, const char *rel);
void gitstatus_stamps_free(struct gitstatus_stamps *stamps);
void gitstatus_memo_free(struct gitstatus_memo *m);

#endif
