/* peersite: builds the program's static site from content/ and a theme. */
#include <getopt.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "diag.h"
#include "gitinfo.h"
#include "gittree.h"
#include "publish.h"
#include "site.h"

static const char usage[] =
    "usage: peersite build [--content DIR] [--theme DIR] [--out DIR] [--ref REV] [--repo DIR]\n"
    "       peersite check [--content DIR] [--theme DIR] [--ref REV] [--repo DIR]\n"
    "       peersite publish --branch NAME [--message TEXT] [--content DIR] [--theme DIR]\n"
    "                        [--out DIR] [--ref REV] [--repo DIR]\n"
    "       peersite --help | --version\n"
    "\n"
    "  build    validate the content and write the site (default: content, themes/default, site)\n"
    "  check    validate and render everything, link check included, without writing the site\n"
    "  publish  build, then commit the site as the whole tree of branch NAME\n"
    "  --ref    build from commit REV instead of the working tree\n"
    "  --repo   the git repository (default: found upward from the content directory)\n";

enum verb { BUILD, CHECK, PUBLISH };

struct args {
    char *content;
    const char *theme;
    const char *out;
    const char *ref;
    const char *repo;
    const char *branch;
    const char *message;
    int timings;
};

/* Drops trailing slashes so source paths read "content/faq/x.md". */
static char *trim_slashes(const char *s)
{
    char *t = strdup(s);
    if (!t)
        abort();
    size_t n = strlen(t);
    while (n > 1 && t[n - 1] == '/')
        t[--n] = '\0';
    return t;
}

/* Parses the options of a verb; returns 0, or 2 on a usage error. */
static int parse_args(int argc, char **argv, struct args *a, enum verb v)
{
    static const struct option opts[] = {
        {"content", required_argument, NULL, 'c'}, {"theme", required_argument, NULL, 't'},
        {"out", required_argument, NULL, 'o'},     {"ref", required_argument, NULL, 'r'},
        {"repo", required_argument, NULL, 'R'},    {"branch", required_argument, NULL, 'b'},
        {"message", required_argument, NULL, 'm'}, {"timings", no_argument, NULL, 'T'},
        {"help", no_argument, NULL, 'h'},          {NULL, 0, NULL, 0},
    };
    const char *content = "content";
    memset(a, 0, sizeof *a);
    a->theme = "themes/default";
    a->out = "site";
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'c': content = optarg; break;
        case 't': a->theme = optarg; break;
        case 'o':
            if (v == CHECK)
                goto bad;
            a->out = optarg;
            break;
        case 'r': a->ref = optarg; break;
        case 'R': a->repo = optarg; break;
        case 'b':
        case 'm':
            if (v != PUBLISH)
                goto bad;
            *(c == 'b' ? &a->branch : &a->message) = optarg;
            break;
        case 'T': a->timings = 1; break;
        case 'h': fputs(usage, stdout); exit(0);
        default: goto bad;
        }
    }
    if (optind != argc || (v == PUBLISH && !a->branch))
        goto bad;
    a->content = trim_slashes(content);
    return 0;
bad:
    fputs(usage, stderr);
    return 2;
}

static double since(const struct timespec *t0)
{
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

/* build, check and publish share everything up to writing the site. */
static int run(int argc, char **argv, enum verb v)
{
    struct args a;
    if (parse_args(argc, argv, &a, v))
        return 2;
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    struct diag d = DIAG_INIT;
    struct gitinfo *g = NULL;
    struct tree *tree = NULL;
    json_t *facts = NULL;
    double date_pass = 0;
    int rc = -1;
    int found = gitinfo_open(a.repo, a.content, a.ref, &g, &d);
    if (found < 0)
        goto out;
    if (v == PUBLISH && !found) {
        diag_error(&d, a.content, 0, 0, "publish needs a git repository");
        goto out;
    }
    if (found) {
        facts = gitinfo_facts(g, a.content, a.theme, &date_pass, &d);
        if (!facts)
            goto out;
        if (a.ref && !(tree = gittree_new(g, &d)))
            goto out;
    }
    struct site_options o = {.content_dir = a.content, .theme_dir = a.theme,
                             .out_dir = v == CHECK ? NULL : a.out, .tree = tree, .git = facts};
    rc = site_build(&o, &d);
    if (rc == 0 && v == BUILD)
        printf("peersite: built %s from %s\n", a.out, a.content);
    if (rc == 0 && v == CHECK)
        printf("peersite: %s is valid\n", a.content);
    if (rc == 0 && v == PUBLISH) {
        int created;
        char id[16] = "";
        rc = publish_site(g, a.out, a.branch, a.message, &created, id, &d);
        if (rc == 0 && created)
            printf("peersite: published %s to branch %s as commit %s\n", a.out, a.branch, id);
        else if (rc == 0)
            printf("peersite: branch %s already holds this site (commit %s); nothing to do\n",
                   a.branch, id);
    }
    if (a.timings)
        fprintf(stderr, "peersite: timings: date pass %.3f s, total %.3f s\n", date_pass,
                since(&t0));
out:
    diag_print(&d, stderr);
    if (rc < 0 && d.nerrors)
        fprintf(stderr, "peersite: %zu error%s\n", d.nerrors, d.nerrors == 1 ? "" : "s");
    diag_free(&d);
    json_decref(facts);
    tree_free(tree);
    gitinfo_free(g);
    free(a.content);
    return rc < 0 ? 1 : 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fputs(usage, stderr);
        return 2;
    }
    if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
        fputs(usage, stdout);
        return 0;
    }
    if (!strcmp(argv[1], "--version")) {
        puts("peersite 0.1.0");
        return 0;
    }
    if (sodium_init() < 0) {
        fputs("peersite: cannot initialise libsodium\n", stderr);
        return 1;
    }
    if (!strcmp(argv[1], "build"))
        return run(argc - 1, argv + 1, BUILD);
    if (!strcmp(argv[1], "check"))
        return run(argc - 1, argv + 1, CHECK);
    if (!strcmp(argv[1], "publish"))
        return run(argc - 1, argv + 1, PUBLISH);
    fprintf(stderr, "peersite: unknown command \"%s\"\n%s", argv[1], usage);
    return 2;
}
