#include "gitinfo.h"

#include <dirent.h>
#include <stdbool.h>
#include <errno.h>
#include <fcntl.h>
#include <git2.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "fsutil.h"
#include "gitstatus.h"
#include "xalloc.h"

struct gitinfo {
    git_repository *repo;
    char *workdir;                   /* real path, ending in '/' */
    char *cwd;                       /* real path of the current directory */
    git_commit *commit;              /* the source commit; NULL on an unborn branch */
    int from_rev;                    /* 1: building from a commit, not the working tree */
    struct gitstatus_stamps *stamps; /* taken by the last status */
};

void gitinfo_fail(struct diag *d, const char *where, const char *what)
{
    const git_error *e = git_error_last();
    diag_error(d, where, 0, 0, "%s: %s", what, e && e->message ? e->message : "unknown error");
}

char *gitinfo_repo_path(struct gitinfo *g, const char *path)
{
    struct buf abs = BUF_INIT, norm = BUF_INIT;
    if (path[0] != '/')
        buf_printf(&abs, "%s/", g->cwd);
    buf_puts(&abs, path);
    for (const char *s = abs.data; *s;) {
        const char *e = strchr(s, '/');
        size_t n = e ? (size_t)(e - s) : strlen(s);
        if (n == 2 && s[0] == '.' && s[1] == '.') {
            while (norm.len > 0 && norm.data[norm.len - 1] != '/')
                norm.len--;
            if (norm.len > 0)
                norm.len--;
            norm.data[norm.len] = '\0';
        } else if (n > 0 && !(n == 1 && s[0] == '.')) {
            buf_putc(&norm, '/');
            buf_append(&norm, s, n);
        }
        s += n;
        while (*s == '/')
            s++;
    }
    buf_putc(&norm, '/');
    char *res = NULL;
    size_t wl = strlen(g->workdir);
    if (!strncmp(norm.data, g->workdir, wl)) {
        res = strdup(norm.data + wl);
        if (!res)
            abort();
        size_t rl = strlen(res);
        if (rl > 0)
            res[rl - 1] = '\0'; /* drop the trailing '/' added above */
    }
    buf_free(&abs);
    buf_free(&norm);
    return res;
}

/* The repository path of dir as the file system resolves it, or NULL when
 * it resolves outside the working tree. A content folder that is a link to
 * another folder of the working tree: the build reads that folder's files,
 * whose history and changes are under its path. */
static char *real_repo_path(struct gitinfo *g, const char *dir)
{
    char real[PATH_MAX];
    size_t wl = strlen(g->workdir);
    if (!realpath(dir, real))
        return NULL;
    size_t rl = strlen(real);
    if (rl + 1 == wl && !strncmp(real, g->workdir, rl))
        return xstrdup(""); /* the working tree's root */
    return strncmp(real, g->workdir, wl) ? NULL : xstrdup(real + wl);
}

/* In place of *prefix, dir's path as the file system resolves it, when it
 * is in the working tree. */
static void resolve_prefix(struct gitinfo *g, const char *dir, char **prefix)
{
    char *real = *prefix ? real_repo_path(g, dir) : NULL;
    if (real) {
        free(*prefix);
        *prefix = real;
    }
}

/* 0 when no folder from dir up to the root can hold a repository: none has
 * a ".git" entry (a folder, or a worktree's file) or a HEAD of its own (a
 * bare repository). libgit2 still decides every other case; this spares a
 * tree outside git its start-up, which parses the system's TLS certificates
 * (some 5 ms of every build, for a program that never goes online). */
static bool may_be_in_repository(const char *dir)
{
    char path[PATH_MAX];
    if (!realpath(dir, path) || strstr(path, "/.git"))
        return true;
    for (;;) {
        int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
            return true;
        bool found = faccessat(fd, ".git", F_OK, AT_SYMLINK_NOFOLLOW) == 0 ||
                     faccessat(fd, "HEAD", F_OK, AT_SYMLINK_NOFOLLOW) == 0;
        close(fd);
        if (found)
            return true;
        char *slash = strrchr(path, '/');
        if (!slash || (slash == path && !path[1]))
            return false; /* the root, looked at */
        slash[slash == path] = '\0';
    }
}

/* Content outside any repository: built without dates, never from a
 * commit. */
static int outside_git(const char *content_dir, const char *rev, struct diag *d)
{
    /* A content folder that is not there is said once, by the loader. */
    if (fs_is_dir(content_dir))
        diag_warn(d, content_dir, 0, 0,
                  "not in a git repository: pages show no last-reviewed dates");
    return rev ? (diag_error(d, content_dir, 0, 0, "--ref needs a git repository"), -1) : 0;
}

int gitinfo_open(const char *repo_dir, const char *content_dir, const char *rev,
                 struct gitinfo **out, struct diag *d)
{
    const char *start = repo_dir ? repo_dir : fs_is_dir(content_dir) ? content_dir : ".";
    if (!repo_dir && !may_be_in_repository(start))
        return outside_git(content_dir, rev, d);
    git_libgit2_init();
    /* The date walk reads every version of large trees: keep them in the
     * object cache (the default skips trees over 4 KiB), and skip re-hashing
     * each object read, as git itself does. */
    git_libgit2_opts(GIT_OPT_SET_CACHE_OBJECT_LIMIT, GIT_OBJECT_TREE, (size_t)64 << 20);
    git_libgit2_opts(GIT_OPT_ENABLE_STRICT_HASH_VERIFICATION, 0);
    struct gitinfo *g = calloc(1, sizeof *g);
    git_object *obj = NULL;
    git_reference *head = NULL;
    char buf[PATH_MAX];
    if (!g)
        abort();
    int rc = git_repository_open_ext(&g->repo, start, repo_dir ? GIT_REPOSITORY_OPEN_NO_SEARCH : 0,
                                     NULL);
    if (rc == GIT_ENOTFOUND && !repo_dir) {
        gitinfo_free(g);
        return outside_git(content_dir, rev, d);
    }
    if (rc < 0) {
        gitinfo_fail(d, start, "cannot open the git repository");
        goto fail;
    }
    const char *wd = git_repository_workdir(g->repo);
    if (!wd) {
        diag_error(d, start, 0, 0, "a bare repository has no content to build");
        goto fail;
    }
    if (!realpath(wd, buf) || !(g->workdir = malloc(strlen(buf) + 2)))
        goto fail_errno;
    sprintf(g->workdir, "%s/", buf);
    if (!strcmp(buf, "/"))
        strcpy(g->workdir, "/");
    if (!realpath(".", buf) || !(g->cwd = strdup(buf)))
        goto fail_errno;
    if (git_repository_is_shallow(g->repo) == 1)
        diag_warn(d, wd, 0, 0,
                  "shallow clone: last-reviewed dates may be wrong (older history "
                  "is missing)");
    if (rev) {
        g->from_rev = 1;
        if (git_revparse_single(&obj, g->repo, rev) < 0) {
            if (git_repository_head_unborn(g->repo) == 1)
                diag_error(d, rev, 0, 0,
                           "unknown revision: nothing is committed in this repository yet");
            else
                diag_error(d, rev, 0, 0,
                           "unknown revision: no commit, tag or branch of this repository has that "
                           "name (git log --oneline lists the commits)");
            goto fail;
        }
        if (git_object_peel((git_object **)&g->commit, obj, GIT_OBJECT_COMMIT) < 0) {
            diag_error(d, rev, 0, 0, "not a commit");
            goto fail;
        }
    } else {
        rc = git_repository_head(&head, g->repo);
        if (rc == 0) {
            if (git_reference_peel((git_object **)&g->commit, head, GIT_OBJECT_COMMIT) < 0) {
                gitinfo_fail(d, wd, "cannot read HEAD");
                goto fail;
            }
        } else if (rc != GIT_EUNBORNBRANCH && rc != GIT_ENOTFOUND) {
            gitinfo_fail(d, wd, "cannot read HEAD");
            goto fail;
        }
    }
    git_object_free(obj);
    git_reference_free(head);
    *out = g;
    return 1;
fail_errno:
    diag_error(d, start, 0, 0, "cannot resolve the work tree: %s", strerror(errno));
fail:
    git_object_free(obj);
    git_reference_free(head);
    gitinfo_free(g);
    return -1;
}

void gitinfo_free(struct gitinfo *g)
{
    if (!g)
        return;
    git_commit_free(g->commit);
    git_repository_free(g->repo);
    gitstatus_stamps_free(g->stamps);
    free(g->workdir);
    free(g->cwd);
    free(g);
    git_libgit2_shutdown();
}

const struct gitstatus_stamps *gitinfo_stamps(struct gitinfo *g)
{
    return g->stamps;
}

git_repository *gitinfo_repo(struct gitinfo *g)
{
    return g->repo;
}

git_commit *gitinfo_commit(struct gitinfo *g)
{
    return g->commit;
}

const char *gitinfo_workdir(struct gitinfo *g)
{
    return g->workdir;
}

/* ---- last-reviewed dates ------------------------------------------------- */

static void utc_date(git_time_t t, char out[11])
{
    time_t tt = (time_t)t;
    struct tm tm;
    gmtime_r(&tt, &tm);
    strftime(out, 11, "%Y-%m-%d", &tm);
}

struct collect {
    const char *prefix; /* "content" or "" */
    json_t *paths;      /* repo path -> null */
};

static int collect_blob(const char *root, const git_tree_entry *e, void *payload)
{
    struct collect *c = payload;
    size_t pl = strlen(c->prefix);
    if (pl && strncmp(root, c->prefix, pl) != 0)
        return strncmp(c->prefix, root, strlen(root)) == 0 ? 0 : 1; /* skip other subtrees */
    if (pl && root[pl] != '/')
        return 1;
    if (git_tree_entry_type(e) != GIT_OBJECT_BLOB)
        return 0;
    char *path = NULL;
    if (asprintf(&path, "%s%s", root, git_tree_entry_name(e)) < 0)
        abort();
    json_object_set_new(c->paths, path, json_null());
    free(path);
    return 0;
}

/* Build path of a repository path under the content prefix. */
static void build_key(const char *content_dir, const char *prefix, const char *path, char **key)
{
    size_t pl = strlen(prefix);
    if (asprintf(key, "%s/%s", content_dir, path + (pl ? pl + 1 : 0)) < 0)
        abort();
}

/* The oid of the tree at prefix in a commit ("" = its root tree); 0 or -1
 * when the commit has no such tree. */
static int subtree_id(git_commit *c, const char *prefix, git_oid *out)
{
    if (!*prefix) {
        git_oid_cpy(out, git_commit_tree_id(c));
        return 0;
    }
    git_tree *root = NULL;
    git_tree_entry *e = NULL;
    int rc = -1;
    if (git_commit_tree(&root, c) == 0 && git_tree_entry_bypath(&e, root, prefix) == 0 &&
        git_tree_entry_type(e) == GIT_OBJECT_TREE) {
        git_oid_cpy(out, git_tree_entry_id(e));
        rc = 0;
    }
    git_tree_entry_free(e);
    git_tree_free(root);
    return rc;
}

struct walk {
    git_repository *repo;
    json_t *remaining; /* repo paths not dated yet */
    json_t *dates;     /* build path -> date */
    json_t *found;     /* repo path -> date, for the cache */
    const char *content_dir, *prefix;
    char date[11];
    struct buf path;
};

/* Compares a commit's tree with its parent's (parent NULL: the root commit),
 * skipping identical subtrees by id, and dates every changed path that is
 * still waiting. path holds the directory being compared. */
static int compare_trees(struct walk *w, const git_oid *child, const git_oid *parent)
{
    if (parent && git_oid_equal(child, parent))
        return 0;
    git_tree *a = NULL, *b = NULL;
    int rc = -1;
    if (git_tree_lookup(&a, w->repo, child) < 0 ||
        (parent && git_tree_lookup(&b, w->repo, parent) < 0))
        goto out;
    size_t na = git_tree_entrycount(a), nb = b ? git_tree_entrycount(b) : 0, i = 0, j = 0;
    size_t base = w->path.len;
    while (i < na && json_object_size(w->remaining) > 0) {
        const git_tree_entry *ea = git_tree_entry_byindex(a, i);
        const git_tree_entry *eb = j < nb ? git_tree_entry_byindex(b, j) : NULL;
        int c = eb ? git_tree_entry_cmp(ea, eb) : -1;
        if (c > 0) {
            j++; /* only in the parent: deleted, nothing to date */
            continue;
        }
        bool same_kind = c == 0 && git_tree_entry_type(ea) == git_tree_entry_type(eb);
        if (!(same_kind && git_oid_equal(git_tree_entry_id(ea), git_tree_entry_id(eb)))) {
            buf_printf(&w->path, "%s%s", base ? "/" : "", git_tree_entry_name(ea));
            if (git_tree_entry_type(ea) == GIT_OBJECT_TREE) {
                if (compare_trees(w, git_tree_entry_id(ea),
                                  same_kind ? git_tree_entry_id(eb) : NULL) < 0)
                    goto out;
            } else if (json_object_get(w->remaining, w->path.data)) {
                char *key;
                build_key(w->content_dir, w->prefix, w->path.data, &key);
                json_object_set_new(w->dates, key, json_string(w->date));
                json_object_set_new(w->found, w->path.data, json_string(w->date));
                free(key);
                json_object_del(w->remaining, w->path.data);
            }
            w->path.len = base;
            w->path.data[base] = '\0';
        }
        i++;
        if (c == 0)
            j++;
    }
    rc = 0;
out:
    git_tree_free(a);
    git_tree_free(b);
    return rc;
}

/* The dates cache: the result of the last walk, so the next build only walks
 * the commits made since. One JSON file in the repository's git directory:
 * {"version": 1, "commit": oid, "prefix": p, "dates": {repo path: date},
 * "complete": n}, where complete, when there, says the walk dated all n
 * files of the commit under the prefix. Anything unexpected in it means "no
 * cache". */
static char *cache_path(struct gitinfo *g)
{
    char *p = NULL;
    if (asprintf(&p, "%speersite-dates.json", git_repository_path(g->repo)) < 0)
        abort();
    return p;
}

static json_t *cache_load(struct gitinfo *g, const char *prefix)
{
    char *path = cache_path(g);
    json_t *c = json_load_file(path, 0, NULL);
    free(path);
    if (!c || json_integer_value(json_object_get(c, "version")) != 1 ||
        !json_is_string(json_object_get(c, "commit")) ||
        !json_is_string(json_object_get(c, "prefix")) ||
        strcmp(json_string_value(json_object_get(c, "prefix")), prefix) ||
        !json_is_object(json_object_get(c, "dates"))) {
        json_decref(c);
        return NULL;
    }
    return c;
}

static void cache_save(struct gitinfo *g, const char *prefix, json_t *found, bool complete)
{
    char oid[GIT_OID_HEXSZ + 1];
    git_oid_tostr(oid, sizeof oid, git_commit_id(g->commit));
    json_t *c = json_pack("{s:i, s:s, s:s, s:O}", "version", 1, "commit", oid, "prefix", prefix,
                          "dates", found);
    if (complete)
        json_object_set_new(c, "complete", json_integer((json_int_t)json_object_size(found)));
    char *text = json_dumps(c, JSON_COMPACT | JSON_SORT_KEYS);
    char *path = cache_path(g);
    struct diag ignore = DIAG_INIT; /* a read-only repository just goes without */
    if (text)
        fs_write_atomic(path, text, strlen(text), 0644, &ignore);
    diag_free(&ignore);
    free(path);
    free(text);
    json_decref(c);
}

/* A date as the cache writes it: "YYYY-MM-DD". */
static bool cached_date(json_t *date)
{
    int y, m, day;
    char extra;
    return json_is_string(date) && json_string_length(date) == 10 &&
           sscanf(json_string_value(date), "%4d-%2d-%2d%c", &y, &m, &day, &extra) == 3;
}

/* Takes the dates of the cached commit for every path still waiting. */
static void cache_apply(struct walk *w, json_t *cache)
{
    json_t *dates = json_object_get(cache, "dates");
    const char *path;
    json_t *v, *tmp;
    json_object_foreach_safe (w->remaining, tmp, path, v) {
        json_t *date = json_object_get(dates, path);
        if (!cached_date(date))
            continue; /* not a date we wrote: walk for it instead */
        char *key;
        build_key(w->content_dir, w->prefix, path, &key);
        json_object_set_new(w->dates, key, json_string(json_string_value(date)));
        json_object_set(w->found, path, date);
        free(key);
        json_object_del(w->remaining, path);
    }
}

/* The dates straight from the cache when it is of the commit being built
 * and complete: no tree to read, no lookup per file (some 20 ms of CPU in
 * a 10,000-supporter site). Any entry not as the cache writes it, or not as
 * many as it says, and the build walks instead. */
static bool cached_dates(struct gitinfo *g, const char *prefix, const char *content_dir,
                         json_t *dates)
{
    json_t *cache = cache_load(g, prefix), *all = json_object_get(cache, "dates"), *date;
    json_t *complete = json_object_get(cache, "complete");
    git_oid cached;
    size_t pl = strlen(prefix);
    bool ok = json_is_integer(complete) &&
              json_integer_value(complete) == (json_int_t)json_object_size(all) &&
              git_oid_fromstr(&cached, json_string_value(json_object_get(cache, "commit"))) == 0 &&
              git_oid_equal(&cached, git_commit_id(g->commit));
    const char *path;
    json_object_foreach (ok ? all : NULL, path, date) {
        if (!cached_date(date) || (pl && (strncmp(path, prefix, pl) || path[pl] != '/'))) {
            ok = false;
            break;
        }
        char *key;
        build_key(content_dir, prefix, path, &key);
        json_object_set(dates, key, date);
        free(key);
    }
    if (!ok)
        json_object_clear(dates);
    json_decref(cache);
    return ok;
}

/* The one walk: first-parent history from the source commit, newest first;
 * each commit is compared with its parent (below prefix only) and every path
 * seen for the first time gets that commit's author date. Reaching the commit
 * of the dates cache ends the walk early with the cached dates. */
static int date_walk(struct gitinfo *g, const char *prefix, json_t *remaining, json_t *dates,
                     const char *content_dir, struct diag *d)
{
    git_revwalk *walk = NULL;
    git_oid oid, cached;
    int rc = -1;
    json_t *cache = cache_load(g, prefix);
    bool have_cache =
        cache && git_oid_fromstr(&cached, json_string_value(json_object_get(cache, "commit"))) == 0;
    struct walk w = {g->repo, remaining, dates, json_object(), content_dir, prefix, "", BUF_INIT};
    if (git_revwalk_new(&walk, g->repo) < 0 ||
        git_revwalk_push(walk, git_commit_id(g->commit)) < 0 ||
        git_revwalk_simplify_first_parent(walk) < 0) {
        gitinfo_fail(d, g->workdir, "cannot walk history");
        goto out;
    }
    while (json_object_size(remaining) > 0 && git_revwalk_next(&oid, walk) == 0) {
        if (have_cache && git_oid_equal(&oid, &cached)) {
            cache_apply(&w, cache);
            if (json_object_size(remaining) == 0)
                break;
            have_cache = false; /* an incomplete cache: walk on */
        }
        git_commit *c = NULL, *parent = NULL;
        git_oid child_tree, parent_tree;
        int ok = git_commit_lookup(&c, g->repo, &oid) == 0;
        if (ok && git_commit_parentcount(c) > 0)
            ok = git_commit_parent(&parent, c, 0) == 0;
        if (ok && subtree_id(c, prefix, &child_tree) == 0) {
            bool has_parent = parent && subtree_id(parent, prefix, &parent_tree) == 0;
            utc_date(git_commit_author(c)->when.time, w.date);
            buf_reset(&w.path);
            buf_puts(&w.path, prefix);
            ok = compare_trees(&w, &child_tree, has_parent ? &parent_tree : NULL) == 0;
        }
        git_commit_free(parent);
        git_commit_free(c);
        if (!ok) {
            gitinfo_fail(d, g->workdir, "cannot read history");
            goto out;
        }
    }
    /* Saved for a commit not cached yet; and for this one when it was
     * walked all the same (its cache did not say it was complete, or was
     * not), so the next build takes the dates straight from it. */
    bool complete = json_object_size(remaining) == 0;
    if (!cache || !git_oid_equal(&cached, git_commit_id(g->commit)) || complete)
        cache_save(g, prefix, w.found, complete);
    rc = 0;
out:
    json_decref(cache);
    json_decref(w.found);
    buf_free(&w.path);
    git_revwalk_free(walk);
    return rc;
}

/* The working tree's status, listed on a thread of its own while the
 * commits are walked: neither needs the other. The thread opens the
 * repository again (a git_repository is not to be used by two threads at
 * once). */
struct status_job {
    const char *gitdir, *prefix, *theme_prefix;
    git_oid head;
    bool has_head, quick;
    struct gitstatus_memo *memo; /* the caller's, or NULL */
    struct gitstatus st;
    char *error; /* libgit2's message, when listing failed */
};

static void *list_status(void *arg)
{
    struct status_job *j = arg;
    const char *prefixes[2] = {j->prefix, j->theme_prefix};
    git_repository *repo = NULL;
    if (git_repository_open(&repo, j->gitdir) < 0) {
        const git_error *e = git_error_last(); /* this thread's */
        j->error = xstrdup(e && e->message ? e->message : "unknown error");
    } else {
        gitstatus_list(repo, j->has_head ? &j->head : NULL, prefixes, j->theme_prefix ? 2 : 1,
                       j->quick, j->memo, &j->st, &j->error);
    }
    git_repository_free(repo);
    return NULL;
}

/* Marks the files the status lists as changed and names the first few in
 * changed; returns how many there are, or -1. */
static int local_changes(struct gitinfo *g, struct status_job *j, const char *prefix, json_t *dates,
                         const char *content_dir, json_t *changed, struct diag *d)
{
    if (j->error) {
        diag_error(d, g->workdir, 0, 0, "cannot read the working tree status: %s", j->error);
        return -1;
    }
    const char *sde = getenv("SOURCE_DATE_EPOCH");
    char date[11] = "";
    if (sde && *sde)
        utc_date((git_time_t)strtoll(sde, NULL, 10), date);
    size_t pl = strlen(prefix);
    for (size_t i = 0; i < j->st.n; i++) {
        const char *path = j->st.paths[i];
        if (i < 3)
            json_array_append_new(changed, json_string(path));
        if (pl && (strncmp(path, prefix, pl) || path[pl] != '/'))
            continue;
        char *key;
        build_key(content_dir, prefix, path, &key);
        json_object_set_new(dates, key, date[0] ? json_string(date) : json_null());
        free(key);
    }
    return (int)j->st.n;
}

struct gitinfo_memo {
    git_oid commit;
    char *prefix, *content_dir;
    json_t *dates; /* build path -> date, as the walk left them; NULL: none yet */
    char *gitdir;  /* the repository of staged */
    struct gitstatus_memo staged;
};

struct gitinfo_memo *gitinfo_memo_new(void)
{
    return xcalloc(1, sizeof(struct gitinfo_memo));
}

void gitinfo_memo_free(struct gitinfo_memo *m)
{
    if (!m)
        return;
    free(m->prefix);
    free(m->content_dir);
    json_decref(m->dates);
    free(m->gitdir);
    gitstatus_memo_free(&m->staged);
    free(m);
}

static bool memo_holds(const struct gitinfo_memo *m, const git_commit *c, const char *prefix,
                       const char *content_dir)
{
    return m && m->dates && git_oid_equal(&m->commit, git_commit_id(c)) &&
           !strcmp(m->prefix, prefix) && !strcmp(m->content_dir, content_dir);
}

static void memo_keep(struct gitinfo_memo *m, const git_commit *c, const char *prefix,
                      const char *content_dir, json_t *dates)
{
    if (!m)
        return;
    git_oid_cpy(&m->commit, git_commit_id(c));
    free(m->prefix);
    free(m->content_dir);
    json_decref(m->dates);
    m->prefix = xstrdup(prefix);
    m->content_dir = xstrdup(content_dir);
    m->dates = json_copy(dates);
}

json_t *gitinfo_facts(struct gitinfo *g, const char *content_dir, const char *theme_dir,
                      bool exact_status, struct gitinfo_memo *memo, double *seconds, struct diag *d)
{
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    json_t *dates = json_object(), *remaining = json_object(), *res = NULL;
    git_tree *tree = NULL;
    char *prefix = gitinfo_repo_path(g, content_dir),
         *theme_prefix = gitinfo_repo_path(g, theme_dir);
    int dirty = 0;
    struct status_job status = {0};
    pthread_t status_thread;
    bool listing = false;
    if (!prefix) {
        diag_error(d, content_dir, 0, 0, "the content directory is outside the repository %s",
                   g->workdir);
        goto out;
    }
    if (!g->from_rev) {
        /* The working tree, read through its links. */
        resolve_prefix(g, content_dir, &prefix);
        resolve_prefix(g, theme_dir, &theme_prefix);
        /* By its git directory, as --repo named it: a working tree need not
         * hold one (core.worktree), and then it could not be found from it. */
        status.gitdir = git_repository_path(g->repo);
        status.prefix = prefix;
        status.theme_prefix = theme_prefix;
        status.quick = !exact_status;
        if (g->commit) {
            git_oid_cpy(&status.head, git_commit_id(g->commit));
            status.has_head = true;
        }
        if (memo) { /* its staged changes are of one repository */
            if (!memo->gitdir || strcmp(memo->gitdir, status.gitdir)) {
                gitstatus_memo_free(&memo->staged);
                free(memo->gitdir);
                memo->gitdir = xstrdup(status.gitdir);
            }
            status.memo = &memo->staged;
        }
        listing = pthread_create(&status_thread, NULL, list_status, &status) == 0;
        if (!listing)
            list_status(&status); /* no thread to be had: here, first */
    }
    if (g->commit && memo_holds(memo, g->commit, prefix, content_dir)) {
        json_object_update(dates, memo->dates);
    } else if (g->commit && cached_dates(g, prefix, content_dir, dates)) {
        memo_keep(memo, g->commit, prefix, content_dir, dates);
    } else if (g->commit) {
        struct collect c = {prefix, remaining};
        if (git_commit_tree(&tree, g->commit) < 0 ||
            git_tree_walk(tree, GIT_TREEWALK_PRE, collect_blob, &c) < 0) {
            gitinfo_fail(d, g->workdir, "cannot read the commit's tree");
            goto out;
        }
        if (date_walk(g, prefix, remaining, dates, content_dir, d) < 0)
            goto out;
        memo_keep(memo, g->commit, prefix, content_dir, dates);
    }
    if (listing) {
        pthread_join(status_thread, NULL);
        listing = false;
    }
    json_t *changed = json_array();
    if (!g->from_rev && !status.error) { /* the stats the status took, for the build */
        gitstatus_stamps_free(g->stamps);
        g->stamps = status.st.stamps;
        status.st.stamps = NULL;
    }
    if (!g->from_rev &&
        (dirty = local_changes(g, &status, prefix, dates, content_dir, changed, d)) < 0) {
        json_decref(changed);
        goto out;
    }
    /* What makes the tree dirty, for a refusal to name (not part of the
     * commit's facts, which pages and the build's key read). */
    res = json_pack("{s:O, s:{s:O, s:i}}", "reviewed", dates, "changed", "paths", changed, "count",
                    dirty);
    if (g->commit) {
        git_buf id = {0};
        if (git_object_short_id(&id, (const git_object *)g->commit) == 0) {
            json_object_set_new(res, "commit",
                                json_pack("{s:s, s:b}", "id", id.ptr, "dirty", dirty > 0));
            git_buf_dispose(&id);
        }
    }
    json_decref(changed);
out:
    if (listing)
        pthread_join(status_thread, NULL);
    gitstatus_free(&status.st);
    free(status.error);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    if (seconds)
        *seconds = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    git_tree_free(tree);
    json_decref(dates);
    json_decref(remaining);
    free(prefix);
    free(theme_prefix);
    return res;
}
