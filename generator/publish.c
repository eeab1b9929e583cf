#include "publish.h"

#include <dirent.h>
#include <errno.h>
#include <git2.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "reuse.h"
#include "xalloc.h"

/* Writes dir (recursively) into the object database as a tree. */
static int write_tree(git_repository *repo, const char *dir, git_oid *out, struct diag *d)
{
    git_treebuilder *tb = NULL;
    struct dirent **list = NULL;
    int rc = -1;
    int n = scandir(dir, &list, NULL, alphasort);
    if (n < 0) {
        diag_error(d, dir, 0, 0, "cannot read directory: %s", strerror(errno));
        return -1;
    }
    if (git_treebuilder_new(&tb, repo, NULL) < 0) {
        gitinfo_fail(d, dir, "cannot build a tree");
        goto out;
    }
    for (int i = 0; i < n; i++) {
        const char *name = list[i]->d_name;
        /* The build's record (reuse.h) describes a local directory. */
        if (!strcmp(name, ".") || !strcmp(name, "..") ||
            !strncmp(name, REUSE_FILE, strlen(REUSE_FILE)))
            continue;
        char *path = NULL;
        struct stat st;
        git_oid oid;
        if (asprintf(&path, "%s/%s", dir, name) < 0)
            abort();
        int ok = lstat(path, &st) == 0;
        if (ok && S_ISDIR(st.st_mode)) {
            ok = write_tree(repo, path, &oid, d) == 0 &&
                 git_treebuilder_insert(NULL, tb, name, &oid, GIT_FILEMODE_TREE) == 0;
        } else if (ok && S_ISREG(st.st_mode)) {
            ok = git_blob_create_from_disk(&oid, repo, path) == 0 &&
                 git_treebuilder_insert(NULL, tb, name, &oid, GIT_FILEMODE_BLOB) == 0;
        }
        if (!ok)
            gitinfo_fail(d, path, "cannot add to the published tree");
        free(path);
        if (!ok)
            goto out;
    }
    if (git_treebuilder_write(out, tb) < 0) {
        gitinfo_fail(d, dir, "cannot write the tree");
        goto out;
    }
    rc = 0;
out:
    for (int i = 0; i < n; i++)
        free(list[i]);
    free(list);
    git_treebuilder_free(tb);
    return rc;
}

int publish_branch_name_ok(const char *branch, struct diag *d)
{
    char *refname = xasprintf("refs/heads/%s", branch);
    int valid = 0;
    git_libgit2_init(); /* said before anything else starts libgit2 */
    bool ok = git_reference_name_is_valid(&valid, refname) == 0 && valid;
    git_libgit2_shutdown();
    free(refname);
    size_t n = strlen(branch);
    if (!ok)
        diag_error(d, branch, 0, 0,
                   "is not a name git allows for a branch; use letters, digits, - and _ (and / "
                   "between parts), such as published");
    else if (branch[0] == '-') /* git refuses it too: commands would read it as an option */
        diag_error(d, branch, 0, 0,
                   "begins with a dash: git commands would read it as an option; choose another "
                   "name, such as published");
    else if (!strcmp(branch, "HEAD") || !strcmp(branch, "@") ||
             (n > 5 && !strcmp(branch + n - 5, "_HEAD")) || !strncmp(branch, "refs/", 5))
        diag_error(d, branch, 0, 0,
                   "is one of git's own names: a branch of that name makes git commands "
                   "ambiguous; choose another name, such as published");
    else if (!strcmp(branch, "site"))
        diag_error(d, branch, 0, 0,
                   "is where builds go by default (site/): a branch of that name makes git "
                   "commands ambiguous; choose another name, such as published");
    else
        return 0;
    return -1;
}

/* git keeps branches as files and folders: "published/v2" cannot be made
 * while a branch "published" exists, nor "published" while "published/v2"
 * does. True, with the reason in d, when branch would be such a one. */
static bool folder_conflict(git_repository *repo, const char *branch, struct diag *d)
{
    char *in_the_way = NULL; /* the existing branch's name */
    /* One above it: "published" for "published/v2". */
    char *name = xstrdup(branch);
    for (char *slash = strchr(name, '/'); slash && !in_the_way; slash = strchr(slash + 1, '/')) {
        *slash = '\0';
        char *ref = xasprintf("refs/heads/%s", name);
        git_reference *r = NULL;
        if (git_reference_lookup(&r, repo, ref) == 0)
            in_the_way = xstrdup(name);
        git_reference_free(r);
        free(ref);
        *slash = '/';
    }
    free(name);
    /* One below it. Branch names hold none of glob's special characters
     * (* ? [): git refuses them. */
    char *below = xasprintf("refs/heads/%s/*", branch);
    git_reference_iterator *it = NULL;
    const char *found = NULL;
    if (!in_the_way && git_reference_iterator_glob_new(&it, repo, below) == 0 &&
        git_reference_next_name(&found, it) == 0)
        in_the_way = xstrdup(found + strlen("refs/heads/"));
    git_reference_iterator_free(it);
    free(below);
    if (!in_the_way)
        return false;
    char *other = xstrdup(branch); /* published/v2 -> published-v2 */
    for (char *p = other; *p; p++)
        *p = *p == '/' ? '-' : *p;
    diag_error(d, branch, 0, 0,
               "cannot be made while a branch named %s exists (git keeps branch names as files "
               "and folders); choose another name, such as %s%s",
               in_the_way, other, strchr(branch, '/') ? "" : "-site");
    free(other);
    free(in_the_way);
    return true;
}

int publish_site(struct gitinfo *g, const char *site_dir, const char *branch, const char *message,
                 int dirty, int *created, char shortid[16], struct diag *d)
{
    int rc = -1;
    char *refname = NULL, *msg = NULL;
    git_reference *ref = NULL, *head = NULL;
    git_commit *tip = NULL;
    git_tree *tree = NULL;
    git_signature *sig = NULL;
    git_oid tree_id, commit_id;
    git_buf src_id = {0};
    git_repository *repo = gitinfo_repo(g);
    git_commit *source = gitinfo_commit(g);
    *created = 0;
    if (!source) {
        diag_error(d, gitinfo_workdir(g), 0, 0,
                   "nothing committed yet to publish from: commit first (git add -A && git "
                   "commit -m \"Start our site\")");
        return -1;
    }
    if (asprintf(&refname, "refs/heads/%s", branch) < 0)
        abort();
    if (publish_branch_name_ok(branch, d) < 0)
        goto out;
    /* A new branch named like a file or folder of the working tree makes
     * "git log NAME" ambiguous. One already published to stays usable. */
    const char *workdir = gitinfo_workdir(g);
    char *same = workdir ? xasprintf("%s/%s", workdir, branch) : NULL;
    struct stat st;
    git_reference *existing = NULL;
    bool taken = same && lstat(same, &st) == 0 &&
                 git_reference_lookup(&existing, repo, refname) == GIT_ENOTFOUND;
    git_reference_free(existing);
    free(same);
    if (taken) {
        diag_error(d, branch, 0, 0,
                   "is also the name of a file or folder of the repository: a branch of that name "
                   "makes git commands ambiguous; choose another name, such as %s",
                   strcmp(branch, "published") ? "published" : "published-site");
        goto out;
    }
    if (folder_conflict(repo, branch, d))
        goto out;
    if (git_repository_head(&head, repo) == 0 && !strcmp(git_reference_name(head), refname)) {
        diag_error(d, branch, 0, 0,
                   "is the checked-out branch: the site would replace your content in it; "
                   "publish to another branch, such as published");
        goto out;
    }
    if (write_tree(repo, site_dir, &tree_id, d) < 0 || git_tree_lookup(&tree, repo, &tree_id) < 0)
        goto out;
    int found = git_reference_lookup(&ref, repo, refname);
    if (found == 0) {
        if (git_reference_peel((git_object **)&tip, ref, GIT_OBJECT_COMMIT) < 0) {
            gitinfo_fail(d, branch, "cannot read the branch");
            goto out;
        }
        if (git_oid_equal(git_commit_tree_id(tip), &tree_id)) {
            git_oid_tostr(shortid, 8, git_commit_id(tip));
            rc = 0; /* the branch already holds this site */
            goto out;
        }
    } else if (found != GIT_ENOTFOUND) {
        gitinfo_fail(d, branch, "cannot read the branch");
        goto out;
    }
    /* The source commit's identity and times make publishing reproducible. */
    const git_signature *src = git_commit_committer(source);
    if (git_signature_new(&sig, src->name, src->email, src->when.time, src->when.offset) < 0 ||
        git_object_short_id(&src_id, (const git_object *)source) < 0) {
        gitinfo_fail(d, branch, "cannot prepare the commit");
        goto out;
    }
    /* Say what the site was built from, local changes included. */
    const char *local = dirty ? " + local changes not committed" : "";
    if (message)
        msg = xasprintf("%s\n\nBuilt from %s%s\n", message, src_id.ptr, local);
    else
        msg = xasprintf("Publish site built from %s%s\n", src_id.ptr, local);
    const git_commit *parents[1] = {tip};
    if (git_commit_create(&commit_id, repo, refname, sig, sig, NULL, msg, tree, tip ? 1 : 0,
                          parents) < 0) {
        gitinfo_fail(d, branch, "cannot commit the site");
        goto out;
    }
    git_oid_tostr(shortid, 8, &commit_id);
    *created = 1;
    rc = 0;
out:
    git_buf_dispose(&src_id);
    git_signature_free(sig);
    git_tree_free(tree);
    git_commit_free(tip);
    git_reference_free(ref);
    git_reference_free(head);
    free(refname);
    free(msg);
    return rc;
}

/* The names of the repository's remotes (each "remote.NAME.url" of its
 * configuration), in n. Read entry by entry: libgit2 1.5's git_remote_list
 * matches a regular expression and leaks what it allocates for each entry
 * that does not match. */
static char **remote_names(git_repository *repo, size_t *n)
{
    git_config *cfg = NULL;
    git_config_iterator *it = NULL;
    git_config_entry *e;
    char **names = NULL;
    size_t cap = 0;
    *n = 0;
    if (git_repository_config_snapshot(&cfg, repo) < 0 || git_config_iterator_new(&it, cfg) < 0) {
        git_config_free(cfg);
        return NULL;
    }
    while (git_config_next(&e, it) == 0) {
        size_t len = strlen(e->name);
        if (strncmp(e->name, "remote.", 7) || len <= 11 || strcmp(e->name + len - 4, ".url"))
            continue;
        char *name = xasprintf("%.*s", (int)(len - 11), e->name + 7);
        bool seen = false;
        for (size_t i = 0; i < *n && !seen; i++)
            seen = !strcmp(names[i], name);
        if (seen) {
            free(name);
            continue;
        }
        if (*n == cap) {
            cap = cap ? 2 * cap : 4;
            names = xrealloc(names, cap * sizeof *names);
        }
        names[(*n)++] = name;
    }
    git_config_iterator_free(it);
    git_config_free(cfg);
    return names;
}

void publish_say_next(struct gitinfo *g, const char *branch, FILE *f)
{
    git_repository *repo = gitinfo_repo(g);
    size_t n;
    char **remotes = remote_names(repo, &n);
    /* Pushed already when the remote's branch, as last fetched or pushed,
     * is the branch's tip. */
    char *local = xasprintf("refs/heads/%s", branch);
    git_oid tip, theirs;
    bool has_tip = git_reference_name_to_id(&tip, repo, local) == 0;
    free(local);
    size_t pushed = n;
    for (size_t i = 0; i < n && pushed == n && has_tip; i++) {
        char *ref = xasprintf("refs/remotes/%s/%s", remotes[i], branch);
        if (git_reference_name_to_id(&theirs, repo, ref) == 0 && git_oid_equal(&tip, &theirs))
            pushed = i;
        free(ref);
    }
    if (pushed < n)
        fprintf(f, "  %s/%s is this commit already (as of the last push or fetch).\n",
                remotes[pushed], branch);
    else if (n == 0)
        fprintf(f,
                "  The branch is in this repository only: to put the site online, push it to the "
                "repository your web host reads (git remote add NAME URL, then git push NAME "
                "%s).\n",
                branch);
    else if (n == 1)
        fprintf(f, "  To put the site online: git push %s %s\n", remotes[0], branch);
    else
        fprintf(f,
                "  To put the site online: git push NAME %s, NAME being the remote your web host "
                "reads (this repository has %zu).\n",
                branch, n);
    for (size_t i = 0; i < n; i++)
        free(remotes[i]);
    free(remotes);
}
