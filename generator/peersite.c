/* peersite: builds a peer-support program's public site from its content
 * repository (DESIGN §3–4): build, check, publish to a branch, start a new
 * content repository, and preview with live rebuilds while editing. */
#include <errno.h>
#include <limits.h>
#include <sodium.h>
#include <malloc.h>
#ifdef PEERSITE_MIMALLOC
#include <mimalloc.h>
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "build.h"
#include "cli.h"
#include "diag.h"
#include "fsutil.h"
#include "publish.h"
#include "serve.h"
#include "starter.h"
#include "xalloc.h"

static const char usage[] =
    "usage: peersite build [--content DIR] [--theme DIR] [--out DIR] [--ref REV] [--repo DIR]\n"
    "                      [--jobs N] [--timings]\n"
    "       peersite check [--content DIR] [--theme DIR] [--ref REV] [--repo DIR] [--jobs N]\n"
    "                      [--timings]\n"
    "       peersite publish --branch NAME [--message TEXT] [--allow-dirty] [--content DIR]\n"
    "                        [--theme DIR] [--ref REV] [--repo DIR]\n"
    "       peersite serve [--content DIR] [--theme DIR] [--repo DIR] [--port N]\n"
    "       peersite new DIR\n"
    "       peersite --help | --version\n"
    "\n"
    "  build    validate the content and write the site (default: content/ into site/)\n"
    "  check    validate and render everything, link check included, without writing\n"
    "  publish  build in a temporary directory, then commit the site to branch NAME\n"
    "  serve    preview on http://127.0.0.1:PORT/, rebuilding and reloading on every edit\n"
    "  new      start a new program's content repository in DIR\n"
    "  --theme  the theme directory (default: site.yml's theme, themes/NAME next to the\n"
    "           content, then the installed themes; NAME is \"default\")\n"
    "  --ref    build from commit REV instead of the working tree\n"
    "  --repo   the git repository (default: found upward from the content directory)\n"
    "  --jobs   threads that render pages (default: one per CPU; the output is the same)\n"
    "  --timings  print how long each stage of the build took\n";

/* Drops trailing slashes so source paths read "content/faq/x.md". */
static char *trim_slashes(const char *s)
{
    char *t = xstrdup(s);
    size_t n = strlen(t);
    while (n > 1 && t[n - 1] == '/')
        t[--n] = '\0';
    return t;
}

/* The request every building verb starts from. content is malloc'd (free it). */
static struct build_request request_from(const struct cli *c, char **content)
{
    *content = trim_slashes(cli_get(c, "content") ? cli_get(c, "content") : "content");
    struct build_request r = {.content = *content,
                              .theme = cli_get(c, "theme"),
                              .repo = cli_get(c, "repo"),
                              .ref = cli_get(c, "ref"),
                              .jobs = (int)cli_number(c, "jobs", 0)};
    return r;
}

static double since(const struct timespec *t0)
{
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

/* build and check differ only in writing the site. */
static int build_or_check(const struct cli *c, struct diag *d, int write)
{
    char *content;
    struct build_request r = request_from(c, &content);
    r.exiting = 1; /* build and check end the process */
    struct build_result res;
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    const char *out = cli_get(c, "out") ? cli_get(c, "out") : "site";
    /* An existing site is named by its real path: a link to it
     * (/var/www/site -> /srv/sites/v3, say) is followed and stays a link,
     * and "." (a build from inside the site) is swapped like any other. */
    struct stat st;
    char *target = write && lstat(out, &st) == 0 ? realpath(out, NULL) : NULL;
    r.out = write ? (target ? target : out) : NULL;
    int rc = build_run(&r, &res, d);
    free(target);
    if (rc == 0 && write && res.stages.in_place)
        printf("peersite: built %s from %s (%zu %s changed since the last build)\n", out, content,
               res.stages.changed, res.stages.changed == 1 ? "file" : "files");
    else if (rc == 0 && write)
        printf("peersite: built %s from %s\n", out, content);
    if (rc == 0 && !write)
        printf("peersite: %s is valid\n", content);
    if (cli_flag(c, "timings")) {
        fprintf(stderr,
                "peersite: timings: date pass %.3f s, content %.3f s, pages %.3f s, "
                "search index %.3f s, link check %.3f s, swap %.3f s, free %.3f s, total %.3f s",
                res.date_pass, res.stages.load, res.stages.pages, res.stages.index,
                res.stages.links, res.stages.swap, res.stages.free, since(&t0));
        if (rc == 0 && write && res.stages.in_place)
            fprintf(stderr, "; in place: %zu of %zu files spliced", res.stages.spliced,
                    res.stages.changed);
        fputc('\n', stderr);
    }
    build_result_free(&res);
    free(content);
    return rc;
}

static int cmd_build(const struct cli *c, struct diag *d)
{
    return build_or_check(c, d, 1);
}

static int cmd_check(const struct cli *c, struct diag *d)
{
    return build_or_check(c, d, 0);
}

/* Builds in a private temporary directory (nothing is written into the working
 * tree) and commits the result to the branch. */
static int cmd_publish(const struct cli *c, struct diag *d)
{
    char *content, tmp[] = "/tmp/peersite-publish-XXXXXX", *out = NULL;
    struct build_request r = request_from(c, &content);
    struct build_result res = {0};
    const char *branch = cli_get(c, "branch");
    int rc = -1;
    if (publish_branch_name_ok(branch, d) < 0)
        goto out;
    if (!mkdtemp(tmp)) {
        diag_error(d, "/tmp", 0, 0, "cannot create a temporary directory");
        goto out;
    }
    out = xasprintf("%s/site", tmp);
    r.out = out;
    r.need_git = 1;
    r.refuse_dirty = !cli_flag(c, "allow-dirty");
    if (build_run(&r, &res, d) < 0)
        goto out;
    int created;
    char id[16] = "";
    if (publish_site(res.git, out, branch, cli_get(c, "message"), res.dirty, &created, id, d) < 0)
        goto out;
    if (created)
        printf("peersite: published %s%s to branch %s as commit %s\n", res.source,
               res.dirty ? " + local changes" : "", branch, id);
    else
        printf("peersite: branch %s already holds this site (commit %s); nothing to do\n", branch,
               id);
    publish_say_next(res.git, branch, stdout);
    rc = 0;
out:
    if (out) {
        fs_discard(tmp);
    }
    build_result_free(&res);
    free(out);
    free(content);
    return rc;
}

static int cmd_serve(const struct cli *c, struct diag *d)
{
    char *content;
    struct build_request r = request_from(c, &content);
    int rc = serve_run(&r, (int)cli_number(c, "port", 8000), d);
    free(content);
    return rc;
}

static int cmd_new(const struct cli *c, struct diag *d)
{
    const char *dir = c->operands[0];
    if (starter_create(dir, d) < 0)
        return -1;
    /* The commands as this peersite was started (bin/peersite in a checkout). */
    const char *self = strchr(program_invocation_name, '/') ? program_invocation_name : "peersite";
    char real[PATH_MAX];
    if (self[0] != '/' && strcmp(self, "peersite") && realpath(self, real))
        self = real;
    printf("peersite: started a new program in %s\n"
           "  cd %s && %s serve      (preview while you edit)\n"
           "  %s check               (before you commit)\n"
           "  git add -A && git commit -m \"Start our site\"   (pages are dated from the commits)\n"
           "Read %s/README.md first.\n",
           dir, dir, self, self, dir);
    return 0;
}

static int init(const struct cli_verb *verb)
{
    (void)verb;
    if (sodium_init() < 0) {
        fputs("peersite: cannot initialise libsodium\n", stderr);
        return -1;
    }
    return 0;
}

static const struct cli_option options[] = {
    {"content", CLI_VALUE, 0, 0},   {"theme", CLI_VALUE, 0, 0},      {"out", CLI_VALUE, 0, 0},
    {"ref", CLI_VALUE, 0, 0},       {"repo", CLI_VALUE, 0, 0},       {"branch", CLI_VALUE, 0, 0},
    {"message", CLI_VALUE, 0, 0},   {"allow-dirty", CLI_FLAG, 0, 0}, {"timings", CLI_FLAG, 0, 0},
    {"port", CLI_NUMBER, 0, 65535}, {"jobs", CLI_NUMBER, 1, 64},     {NULL, 0, 0, 0},
};

static const struct cli_verb verbs[] = {
    {"build", cmd_build, "", "content theme out ref repo timings jobs", 0, 0},
    {"check", cmd_check, "", "content theme ref repo timings jobs", 0, 0},
    {"publish", cmd_publish, "branch", "message allow-dirty content theme ref repo jobs", 0, 0},
    {"serve", cmd_serve, "", "content theme repo port jobs", 0, 0},
    {"new", cmd_new, "", "", 1, 1},
    {NULL, NULL, NULL, NULL, 0, 0},
};

static const struct cli_program program = {"peersite", "0.1.0", usage, options, verbs, init};

int main(int argc, char **argv)
{
#ifdef PEERSITE_MIMALLOC
    /* Memory freed goes back to the system within 2 ms, not 25: a cold
     * build of the benchmark peaks 9 MiB lower for 12 ms more (a fifth of
     * Hugo's memory is the goal, docs/testing.md). */
    mi_option_set(mi_option_decommit_delay, 2);
#else
    /* Blocks of a megabyte or more (a large directory page, the search
     * index) go back to the system when freed, rather than staying in the
     * heap for the rest of the build. */
    mallopt(M_MMAP_THRESHOLD, 1 << 20);
#endif
    return cli_main(&program, argc, argv);
}
