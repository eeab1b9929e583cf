#include "build.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "content.h"
#include "gittree.h"
#include "site.h"
#include "theme.h"
#include "tree.h"

static const struct stat *stamp_of(const void *stamps, const char *rel)
{
    return gitstatus_stamp(stamps, rel);
}

int build_run(const struct build_request *r, struct build_result *res, struct diag *d)
{
    memset(res, 0, sizeof *res);
    struct tree *tree = NULL;
    json_t *facts = NULL;
    char *setting = NULL;
    int rc = -1;
    int found = gitinfo_open(r->repo, r->content, r->ref, &res->git, d);
    if (found < 0)
        goto out;
    if (r->need_git && !found) {
        diag_error(d, r->content, 0, 0, "publish needs a git repository");
        goto out;
    }
    if (found && r->ref && !(tree = gittree_new(res->git, d)))
        goto out;
    if (!tree)
        tree = tree_fs_new();
    setting = content_theme_setting(tree, r->content);
    if (theme_find(tree, r->content, r->theme, setting, &res->theme, d) < 0)
        goto out;
    if (found) {
        /* What publish refuses is judged by libgit2's status itself: it is
         * the one answer that decides what reaches the public site, and it
         * is asked once, not at every save. */
        facts = gitinfo_facts(res->git, r->content, res->theme, r->need_git, r->memo,
                              &res->date_pass, d);
        if (!facts)
            goto out;
        json_t *commit = json_object_get(facts, "commit");
        snprintf(res->source, sizeof res->source, "%s",
                 commit ? json_string_value(json_object_get(commit, "id")) : "");
        res->dirty = json_is_true(json_object_get(commit, "dirty"));
    }
    /* Said before the build: the errors of files that would not be
     * published anyway are no help. */
    if (r->refuse_dirty && res->dirty) {
        json_t *changed = json_object_get(facts, "changed"), *p;
        size_t i, shown = json_array_size(json_object_get(changed, "paths"));
        json_int_t count = json_integer_value(json_object_get(changed, "count"));
        struct buf names = BUF_INIT;
        json_array_foreach (json_object_get(changed, "paths"), i, p)
            buf_printf(&names, "%s%s", i ? ", " : "", json_string_value(p));
        if (count > (json_int_t)shown)
            buf_printf(&names, " and %lld more", (long long)(count - (json_int_t)shown));
        diag_error(d, "peersite", 0, 0,
                   "the working tree has uncommitted changes to the content or the theme (%s): "
                   "commit them first (git add -A && git commit), or publish them as they are "
                   "with --allow-dirty (the commit message will say so)",
                   names.data ? names.data : "");
        buf_free(&names);
        goto out;
    }
    /* Published from the commit itself when the working tree holds no
     * change to it: the working tree also holds what git does not track (a
     * draft .gitignore names, a file marked assume-unchanged), which a
     * build of it would read and put online. With nothing committed yet,
     * publish_site says so. */
    if (r->need_git && found && !r->ref && !res->dirty && gitinfo_commit(res->git)) {
        tree_free(tree);
        free(setting);
        free(res->theme);
        res->theme = NULL;
        setting = NULL;
        if (!(tree = gittree_new(res->git, d)))
            goto out;
        setting = content_theme_setting(tree, r->content);
        if (theme_find(tree, r->content, r->theme, setting, &res->theme, d) < 0)
            goto out;
    }
    struct site_options o = {.content_dir = r->content,
                             .theme_dir = res->theme,
                             .out_dir = r->out,
                             .tree = tree,
                             .git = facts,
                             .jobs = r->jobs,
                             .timings = &res->stages,
                             .exiting = r->exiting,
                             .reuse = r->out && !r->ref && !r->need_git};
    if (res->git && o.reuse && gitinfo_stamps(res->git)) {
        o.stat_of = stamp_of;
        o.stat_ctx = gitinfo_stamps(res->git);
    }
    rc = site_build(&o, d);
out:
    free(setting);
    json_decref(facts);
    tree_free(tree);
    return rc;
}

void build_result_free(struct build_result *res)
{
    gitinfo_free(res->git);
    free(res->theme);
    memset(res, 0, sizeof *res);
}
