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
    bool ok = git_reference_name_is_valid(&valid, refname) == 0 && valid;
    free(refname);
    size_t n = strlen(branch);
    if (!ok)
        diag_error(d, branch, 0, 0, "not a valid branch name");
    else if (!strcmp(branch, "HEAD") || (n > 5 && !strcmp(branch + n - 5, "_HEAD")) ||
             !strncmp(branch, "refs/", 5))
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
        diag_error(d, gitinfo_workdir(g), 0, 0, "nothing committed yet to publish from");
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
    if (git_repository_head(&head, repo) == 0 && !strcmp(git_reference_name(head), refname)) {
        diag_error(d, branch, 0, 0, "refusing to publish onto the checked-out branch");
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
