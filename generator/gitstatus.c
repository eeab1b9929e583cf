#include "gitstatus.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "xalloc.h"

/* 1 when a segment of path starts with '.': a hidden file (an editor's swap
 * file, say), which no build reads. */
static bool hidden_path(const char *path)
{
    if (*path == '.')
        return true;
    for (const char *p = strchr(path, '/'); p; p = strchr(p + 1, '/'))
        if (p[1] == '.')
            return true;
    return false;
}

static void add_path(struct gitstatus *st, size_t *cap, const char *path)
{
    if (st->n == *cap) {
        *cap = *cap ? 2 * *cap : 16;
        st->paths = xrealloc(st->paths, *cap * sizeof *st->paths);
    }
    st->paths[st->n++] = xstrdup(path);
}

static int by_path(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void sort_unique(struct gitstatus *st)
{
    if (!st->n)
        return;
    qsort(st->paths, st->n, sizeof *st->paths, by_path);
    size_t kept = 1;
    for (size_t i = 1; i < st->n; i++) {
        if (strcmp(st->paths[i], st->paths[kept - 1]))
            st->paths[kept++] = st->paths[i];
        else
            free(st->paths[i]);
    }
    st->n = kept;
}

/* ---- stamps ------------------------------------------------------------- */

struct gitstatus_stamps {
    size_t n, nslots;
    const char **rel;  /* into names */
    struct stat *stat; /* one per rel */
    size_t *slots;     /* open addressing: index + 1, 0 empty */
    char *names;
};

static size_t hash_rel(const char *s)
{
    uint32_t h = 2166136261u; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

const struct stat *gitstatus_stamp(const struct gitstatus_stamps *t, const char *rel)
{
    if (!t || !t->nslots)
        return NULL;
    for (size_t j = hash_rel(rel) & (t->nslots - 1); t->slots[j]; j = (j + 1) & (t->nslots - 1))
        if (!strcmp(t->rel[t->slots[j] - 1], rel))
            return &t->stat[t->slots[j] - 1];
    return NULL;
}

void gitstatus_stamps_free(struct gitstatus_stamps *t)
{
    if (!t)
        return;
    free(t->rel);
    free(t->stat);
    free(t->slots);
    free(t->names);
    free(t);
}

void gitstatus_free(struct gitstatus *st)
{
    for (size_t i = 0; i < st->n; i++)
        free(st->paths[i]);
    free(st->paths);
    gitstatus_stamps_free(st->stamps);
    memset(st, 0, sizeof *st);
}

void gitstatus_memo_free(struct gitstatus_memo *m)
{
    gitstatus_free(&m->staged);
    free(m->prefixes);
    memset(m, 0, sizeof *m);
}

static void copy_paths(struct gitstatus *to, size_t *cap, const struct gitstatus *from)
{
    for (size_t i = 0; i < from->n; i++)
        add_path(to, cap, from->paths[i]);
}

static bool under(const char *path, const char *prefix)
{
    size_t n = strlen(prefix);
    return !n || (!strncmp(path, prefix, n) && path[n] == '/');
}

static bool under_any(const char *path, const char *const *prefixes, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (under(path, prefixes[i]))
            return true;
    return false;
}

/* The prefixes as libgit2 takes them (with its pathspec matching off):
 * none at all when one is the whole tree. */
static git_strarray pathspec(const char *const *prefixes, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!*prefixes[i])
            return (git_strarray){NULL, 0};
    return (git_strarray){(char **)prefixes, n};
}

/* ---- libgit2's status, whole ------------------------------------------- */

static int full_status(git_repository *repo, const char *const *prefixes, size_t nprefixes,
                       struct gitstatus *st)
{
    git_status_options opts;
    git_status_options_init(&opts, GIT_STATUS_OPTIONS_VERSION);
    opts.show = GIT_STATUS_SHOW_INDEX_AND_WORKDIR;
    opts.flags = GIT_STATUS_OPT_INCLUDE_UNTRACKED | GIT_STATUS_OPT_RECURSE_UNTRACKED_DIRS |
                 GIT_STATUS_OPT_EXCLUDE_SUBMODULES | GIT_STATUS_OPT_DISABLE_PATHSPEC_MATCH;
    opts.pathspec = pathspec(prefixes, nprefixes);
    git_status_list *list = NULL;
    if (git_status_list_new(&list, repo, &opts) < 0)
        return -1;
    size_t cap = 0, n = git_status_list_entrycount(list);
    for (size_t i = 0; i < n; i++) {
        const git_status_entry *e = git_status_byindex(list, i);
        const git_diff_delta *delta = e->index_to_workdir ? e->index_to_workdir : e->head_to_index;
        if (delta && delta->new_file.path)
            add_path(st, &cap, delta->new_file.path);
    }
    git_status_list_free(list);
    st->full = true;
    return 0;
}

/* ---- the quick way ----------------------------------------------------- */

#define GIVE_UP 1 /* the quick way cannot say: libgit2's status, whole */

/* What the stat of a tracked file says of it. */
enum mark { SAME, CHANGED, DELETED, TO_HASH, CANNOT_SAY };

/* The tracked files under the prefixes, stated on a thread of their own
 * (system calls and comparisons only, no libgit2: a repository is not to
 * be used by two threads at once), and their folders listed meanwhile for
 * files the index does not hold. */
struct stat_pass {
    const char *workdir;           /* ends in '/' */
    const git_index_entry **entry; /* in the index's order: by path */
    size_t n;
    struct gitstatus untracked; /* files not in the index, in folders no ignore rule names */
    size_t untracked_cap;
    int64_t index_ns;    /* when the index was written */
    bool filemode;       /* core.filemode: the executable bit counts */
    unsigned char *mark; /* enum mark, one per entry */
    struct stat *stat;   /* what each entry's stat said, when it was a regular file */
};

/* What the index recorded of the file is what it is now. Every field is
 * compared (git's core.checkStat=default, and more): one that differs only
 * sends the file to be hashed. */
static bool stat_matches(const git_index_entry *e, const struct stat *s)
{
    return e->file_size == (uint32_t)s->st_size && e->mtime.seconds == (int32_t)s->st_mtim.tv_sec &&
           e->mtime.nanoseconds == (uint32_t)s->st_mtim.tv_nsec &&
           e->ctime.seconds == (int32_t)s->st_ctim.tv_sec &&
           e->ctime.nanoseconds == (uint32_t)s->st_ctim.tv_nsec && e->ino == (uint32_t)s->st_ino &&
           e->dev == (uint32_t)s->st_dev && e->uid == (uint32_t)s->st_uid &&
           e->gid == (uint32_t)s->st_gid;
}

/* dirfd: the entry's folder, or -1 with dir_errno saying why it is not. */
static enum mark mark_entry(const struct stat_pass *p, const git_index_entry *e, int dirfd,
                            int dir_errno, const char *name, struct stat *out)
{
    /* A submodule (a commit in the tree) is libgit2's to judge: git says
     * when it is replaced by a file, and lists nothing in a folder that
     * stands for it. */
    if ((e->flags & GIT_INDEX_ENTRY_VALID) ||
        (e->flags_extended & (GIT_INDEX_ENTRY_INTENT_TO_ADD | GIT_INDEX_ENTRY_SKIP_WORKTREE)) ||
        (e->mode != GIT_FILEMODE_BLOB && e->mode != GIT_FILEMODE_BLOB_EXECUTABLE))
        return CANNOT_SAY;
    struct stat s;
    int err = dirfd < 0 ? dir_errno : fstatat(dirfd, name, &s, AT_SYMLINK_NOFOLLOW) < 0 ? errno : 0;
    if (err) /* ELOOP: a folder on the way is a link now */
        return err == ENOENT || err == ENOTDIR || err == ELOOP ? DELETED : CANNOT_SAY;
    *out = s;
    if (!S_ISREG(s.st_mode) ||
        (p->filemode && (e->mode == GIT_FILEMODE_BLOB_EXECUTABLE) != !!(s.st_mode & S_IXUSR)))
        return CANNOT_SAY;
    /* Another size is a change, as git and libgit2 have it, whatever the
     * filters would make of the bytes. A size of 0 is one not recorded, or
     * one git smudged (a racily clean file found changed): hashed. */
    if (!e->file_size)
        return TO_HASH;
    if (e->file_size != (uint32_t)s.st_size)
        return CHANGED;
    /* A file written no earlier than the index may have changed after it
     * in the same tick of the file system's clock, its stat unchanged
     * (git's "racily clean"): hashed. To the nanosecond, as libgit2
     * compares them: to the second, a repository just checked out had every
     * file hashed. */
    /* The index keeps seconds in 32 bits, unsigned as git reads them
     * (libgit2's field is signed: past 2038 it would read as long ago). */
    int64_t written = (int64_t)(uint32_t)e->mtime.seconds * 1000000000 + e->mtime.nanoseconds;
    return stat_matches(e, &s) && written < p->index_ns ? SAME : TO_HASH;
}

/* Each file by its folder: entries in path order share it, so a folder is
 * opened once, and the kernel walks one name per file, not the whole path
 * (a third of the cost of a stat). */
/* The folder dir (a repository path ending in '/', or "") below the
 * working tree root, opened one part at a time without following a
 * symbolic link, as git walks it: a tracked file beyond a link is gone.
 * -1 with errno (ELOOP for a link on the way). */
static int open_folder(int root, const char *dir, size_t len)
{
    int fd = openat(root, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    char part[NAME_MAX + 1];
    for (size_t at = 0; fd >= 0 && at < len;) {
        size_t n = strcspn(dir + at, "/");
        if (n > NAME_MAX) {
            close(fd);
            errno = ENAMETOOLONG;
            return -1;
        }
        memcpy(part, dir + at, n);
        part[n] = '\0';
        int next = openat(fd, part, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        int err = errno;
        close(fd);
        fd = next;
        errno = err;
        at += n + 1;
    }
    return fd;
}

static void stat_tracked(struct stat_pass *p)
{
    struct buf dir = BUF_INIT;
    int root = open(p->workdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    int dirfd = -1, dir_errno = root < 0 ? errno : 0;
    bool opened = false;
    for (size_t i = 0; i < p->n; i++) {
        const char *path = p->entry[i]->path, *slash = strrchr(path, '/');
        size_t dl = slash ? (size_t)(slash - path) + 1 : 0;
        if (root >= 0 && (!opened || dir.len != dl || strncmp(dir.data, path, dl))) {
            if (dirfd >= 0)
                close(dirfd);
            buf_reset(&dir);
            buf_append(&dir, path, dl);
            dirfd = open_folder(root, path, dl);
            dir_errno = dirfd < 0 ? errno : 0; /* ENOENT: the folder is gone */
            opened = true;
        }
        p->mark[i] = mark_entry(p, p->entry[i], dirfd, dir_errno, path + dl, &p->stat[i]);
    }
    if (dirfd >= 0)
        close(dirfd);
    if (root >= 0)
        close(root);
    buf_free(&dir);
}

static int by_entry_path(const void *key, const void *e)
{
    return strcmp(key, (*(const git_index_entry *const *)e)->path);
}

static bool tracked(const struct stat_pass *p, const char *path)
{
    return bsearch(path, p->entry, p->n, sizeof *p->entry, by_entry_path) != NULL;
}

struct quick {
    git_repository *repo;
    git_index *index;
    const char *workdir; /* ends in '/' */
    struct gitstatus *st;
    size_t cap;
};

static int ignored(struct quick *q, const char *path)
{
    int is = 0;
    return git_ignore_path_is_ignored(&is, q->repo, path) < 0 ? -1 : is;
}

/* The files under rel (a folder of the working tree, "" for its root) that
 * the index does not hold: untracked, unless an ignore rule names them
 * (asked of libgit2 once the stating thread is done). A folder an ignore
 * rule names is not looked into (git never takes back what is below it),
 * nor are hidden entries. Only reads the entries: it runs beside the
 * stating thread. 0, GIVE_UP or -1. */
static int list_untracked(struct quick *q, struct stat_pass *p, struct buf *rel)
{
    struct buf dir = BUF_INIT;
    buf_printf(&dir, "%s%s", p->workdir, rel->len ? rel->data : "");
    DIR *d = opendir(dir.data);
    buf_free(&dir);
    if (!d)
        return errno == ENOENT || errno == ENOTDIR ? 0 : GIVE_UP;
    int rc = 0;
    size_t base = rel->len;
    struct dirent *de;
    while (rc == 0 && (de = readdir(d))) {
        const char *name = de->d_name;
        if (name[0] == '.') {
            /* A repository inside: git lists it as one untracked entry. */
            if (!strcmp(name, ".git") && base)
                rc = GIVE_UP;
            continue;
        }
        unsigned char type = de->d_type;
        if (type == DT_UNKNOWN) {
            struct stat s;
            if (fstatat(dirfd(d), name, &s, AT_SYMLINK_NOFOLLOW) < 0) {
                rc = GIVE_UP;
                break;
            }
            type = S_ISDIR(s.st_mode)   ? DT_DIR
                   : S_ISREG(s.st_mode) ? DT_REG
                   : S_ISLNK(s.st_mode) ? DT_LNK
                                        : DT_UNKNOWN;
        }
        buf_printf(rel, "%s%s", base ? "/" : "", name);
        if (type == DT_DIR) {
            int ign = ignored(q, rel->data);
            rc = ign < 0 ? -1 : ign ? 0 : list_untracked(q, p, rel);
        } else if ((type == DT_REG || type == DT_LNK) && !tracked(p, rel->data)) {
            add_path(&p->untracked, &p->untracked_cap, rel->data);
        }
        rel->len = base;
        rel->data[base] = '\0';
    }
    closedir(d);
    return rc;
}

static void *stat_files(void *arg)
{
    stat_tracked(arg);
    return NULL;
}

/* The table of the regular files' stats under prefix, by their paths
 * below it. */
static struct gitstatus_stamps *stamps_of(const struct stat_pass *p, const char *prefix)
{
    struct gitstatus_stamps *t = xcalloc(1, sizeof *t);
    size_t pl = strlen(prefix), skip = pl ? pl + 1 : 0, bytes = 0;
    for (size_t i = 0; i < p->n; i++)
        if (S_ISREG(p->stat[i].st_mode) && under(p->entry[i]->path, prefix))
            bytes += strlen(p->entry[i]->path + skip) + 1;
    t->names = xmalloc(bytes ? bytes : 1);
    t->rel = xcalloc(p->n ? p->n : 1, sizeof *t->rel);
    t->stat = xcalloc(p->n ? p->n : 1, sizeof *t->stat);
    char *at = t->names;
    for (size_t i = 0; i < p->n; i++) {
        if (!S_ISREG(p->stat[i].st_mode) || !under(p->entry[i]->path, prefix))
            continue;
        size_t len = strlen(p->entry[i]->path + skip) + 1;
        memcpy(at, p->entry[i]->path + skip, len);
        t->rel[t->n] = at;
        t->stat[t->n++] = p->stat[i];
        at += len;
    }
    for (t->nslots = 16; t->nslots < 2 * t->n; t->nslots *= 2)
        ;
    t->slots = xcalloc(t->nslots, sizeof *t->slots);
    for (size_t i = 0; i < t->n; i++) {
        size_t j = hash_rel(t->rel[i]) & (t->nslots - 1);
        while (t->slots[j])
            j = (j + 1) & (t->nslots - 1);
        t->slots[j] = i + 1;
    }
    return t;
}

static char *joined(const char *const *prefixes, size_t n)
{
    struct buf b = BUF_INIT;
    for (size_t i = 0; i < n; i++)
        buf_printf(&b, "%s\n", prefixes[i]);
    return b.len ? buf_detach(&b) : xstrdup("");
}

/* What the commit and the index differ in under the prefixes: from the
 * memo while the commit and the index (by the checksum its file ends
 * with) are those it was made of. */
static int staged(struct quick *q, const git_oid *head, const char *const *prefixes,
                  size_t nprefixes, struct gitstatus_memo *memo)
{
    char *key = joined(prefixes, nprefixes);
    if (memo && memo->valid && memo->has_head == (head != NULL) &&
        (!head || git_oid_equal(&memo->head, head)) &&
        git_oid_equal(&memo->index, git_index_checksum(q->index)) && !strcmp(memo->prefixes, key)) {
        copy_paths(q->st, &q->cap, &memo->staged);
        free(key);
        return 0;
    }
    git_commit *commit = NULL;
    git_tree *tree = NULL;
    git_diff *diff = NULL;
    git_diff_options opts;
    git_diff_options_init(&opts, GIT_DIFF_OPTIONS_VERSION);
    opts.flags = GIT_DIFF_IGNORE_SUBMODULES | GIT_DIFF_DISABLE_PATHSPEC_MATCH;
    opts.pathspec = pathspec(prefixes, nprefixes);
    int rc = -1;
    if ((head &&
         (git_commit_lookup(&commit, q->repo, head) < 0 || git_commit_tree(&tree, commit) < 0)) ||
        git_diff_tree_to_index(&diff, q->repo, tree, q->index, &opts) < 0)
        goto out;
    struct gitstatus found = {0};
    size_t cap = 0;
    for (size_t i = 0; i < git_diff_num_deltas(diff); i++)
        add_path(&found, &cap, git_diff_get_delta(diff, i)->new_file.path);
    copy_paths(q->st, &q->cap, &found);
    if (memo) {
        gitstatus_memo_free(memo);
        *memo = (struct gitstatus_memo){.valid = true,
                                        .has_head = head != NULL,
                                        .index = *git_index_checksum(q->index),
                                        .prefixes = key,
                                        .staged = found};
        if (head)
            git_oid_cpy(&memo->head, head);
        key = NULL;
    } else {
        gitstatus_free(&found);
    }
    rc = 0;
out:
    free(key);
    git_diff_free(diff);
    git_tree_free(tree);
    git_commit_free(commit);
    return rc;
}

static int quick_status(git_repository *repo, const git_oid *head, const char *const *prefixes,
                        size_t nprefixes, struct gitstatus_memo *memo, struct gitstatus *st)
{
    struct quick q = {.repo = repo, .workdir = git_repository_workdir(repo), .st = st};
    struct stat_pass pass = {.workdir = q.workdir};
    git_config *cfg = NULL;
    pthread_t stater;
    bool stating = false;
    int rc = -1;
    if (!q.workdir)
        return GIVE_UP;
    /* The index file is stated before it is read: a newer index read with
     * an older stamp only makes more files racily clean (hashed). */
    struct stat index_file;
    if (git_repository_index(&q.index, repo) < 0)
        goto out;
    const char *index_path = git_index_path(q.index);
    if (!index_path || stat(index_path, &index_file) < 0) {
        rc = GIVE_UP; /* an index never written */
        goto out;
    }
    if (git_index_read(q.index, false) < 0 || git_repository_config_snapshot(&cfg, repo) < 0)
        goto out;
    if (git_index_has_conflicts(q.index)) {
        rc = GIVE_UP;
        goto out;
    }
    /* A prefix that is a link, or is reached through one, is libgit2's to
     * judge: git does not follow a link, and the listing below would. */
    int root = open(q.workdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    bool linked = root < 0;
    for (size_t i = 0; i < nprefixes && !linked; i++) {
        int fd = *prefixes[i] ? open_folder(root, prefixes[i], strlen(prefixes[i])) : -1;
        if (fd >= 0)
            close(fd);
        else if (*prefixes[i] && errno != ENOENT)
            linked = true; /* ELOOP: a link; ENOTDIR: a file, or a link on the way */
    }
    if (root >= 0)
        close(root);
    if (linked) {
        rc = GIVE_UP;
        goto out;
    }
    int filemode = 1;
    if (git_config_get_bool(&filemode, cfg, "core.filemode") < 0)
        filemode = 1; /* git's default */
    pass.filemode = filemode;
    pass.index_ns = (int64_t)index_file.st_mtim.tv_sec * 1000000000 + index_file.st_mtim.tv_nsec;
    size_t n = git_index_entrycount(q.index);
    pass.entry = xcalloc(n ? n : 1, sizeof *pass.entry);
    for (size_t i = 0; i < n; i++) {
        const git_index_entry *e = git_index_get_byindex(q.index, i);
        if (!under_any(e->path, prefixes, nprefixes))
            continue;
        /* In byte order, for the lookups: not so when core.ignorecase is. */
        if (pass.n && strcmp(pass.entry[pass.n - 1]->path, e->path) >= 0) {
            rc = GIVE_UP;
            goto out;
        }
        pass.entry[pass.n++] = e;
    }
    pass.mark = xcalloc(pass.n ? pass.n : 1, 1);
    pass.stat = xcalloc(pass.n ? pass.n : 1, sizeof *pass.stat);
    stating = pthread_create(&stater, NULL, stat_files, &pass) == 0;
    if (!stating)
        stat_tracked(&pass); /* no thread to be had: here, first */
    if (staged(&q, head, prefixes, nprefixes, memo) < 0)
        goto out;
    struct buf rel = BUF_INIT;
    rc = 0;
    for (size_t i = 0; i < nprefixes && rc == 0; i++) {
        int ign = *prefixes[i] ? ignored(&q, prefixes[i]) : 0;
        buf_reset(&rel);
        buf_puts(&rel, prefixes[i]);
        rc = ign < 0 ? -1 : ign ? 0 : list_untracked(&q, &pass, &rel);
    }
    buf_free(&rel);
    if (stating)
        pthread_join(stater, NULL);
    stating = false;
    for (size_t i = 0; i < pass.untracked.n && rc == 0; i++) {
        int ign = ignored(&q, pass.untracked.paths[i]);
        if (ign < 0)
            rc = -1;
        else if (!ign)
            add_path(st, &q.cap, pass.untracked.paths[i]);
    }
    for (size_t i = 0; i < pass.n && rc == 0; i++) {
        const git_index_entry *e = pass.entry[i];
        git_oid id;
        if (pass.mark[i] == CANNOT_SAY)
            rc = GIVE_UP;
        else if (pass.mark[i] == DELETED || pass.mark[i] == CHANGED)
            add_path(st, &q.cap, e->path);
        else if (pass.mark[i] == TO_HASH &&
                 git_repository_hashfile(&id, repo, e->path, GIT_OBJECT_BLOB, NULL) < 0)
            rc = GIVE_UP; /* libgit2's status says what is wrong */
        else if (pass.mark[i] == TO_HASH && !git_oid_equal(&id, &e->id))
            add_path(st, &q.cap, e->path);
    }
    if (rc == 0)
        st->stamps = stamps_of(&pass, prefixes[0]);
out:
    if (stating)
        pthread_join(stater, NULL);
    free(pass.entry);
    free(pass.mark);
    free(pass.stat);
    gitstatus_free(&pass.untracked);
    git_config_free(cfg);
    git_index_free(q.index);
    return rc;
}

/* Drops the paths hidden below the prefix they are under: the build reads
 * no hidden file or folder of the content or the theme, but reads all of a
 * content folder that is itself under a hidden one (.src/content). */
static void drop_hidden(struct gitstatus *st, const char *const *prefixes, size_t nprefixes)
{
    size_t kept = 0;
    for (size_t i = 0; i < st->n; i++) {
        /* Below the longest prefix it is under: a theme kept inside the
         * content folder (content/.theme) is read whole. */
        const char *below = st->paths[i];
        size_t longest = 0;
        for (size_t k = 0; k < nprefixes; k++) {
            size_t n = strlen(prefixes[k]);
            if (under(st->paths[i], prefixes[k]) && n >= longest) {
                longest = n;
                below = st->paths[i] + (n ? n + 1 : 0);
            }
        }
        if (hidden_path(below))
            free(st->paths[i]);
        else
            st->paths[kept++] = st->paths[i];
    }
    st->n = kept;
}

int gitstatus_list(git_repository *repo, const git_oid *head, const char *const *prefixes,
                   size_t nprefixes, bool quick, struct gitstatus_memo *memo, struct gitstatus *st,
                   char **error)
{
    memset(st, 0, sizeof *st);
    *error = NULL;
    int rc = quick ? quick_status(repo, head, prefixes, nprefixes, memo, st) : GIVE_UP;
    if (rc == GIVE_UP) {
        gitstatus_free(st);
        rc = full_status(repo, prefixes, nprefixes, st);
    }
    if (rc < 0) {
        const git_error *e = git_error_last(); /* this thread's */
        *error = xstrdup(e && e->message ? e->message : "unknown error");
        gitstatus_free(st);
        return -1;
    }
    drop_hidden(st, prefixes, nprefixes);
    sort_unique(st);
    return 0;
}
