/* content: loads and validates a content directory (DESIGN §3) into JSON
 * values the site renderer and the templates use.
 *
 * Every problem in every file is added to the diag as path:line:column, so one
 * run lists them all. content_load returns -1 when any error was found; the
 * partially filled struct must still be released with content_free. */
#ifndef PEERKIT_CONTENT_H
#define PEERKIT_CONTENT_H

/* The message for a content directory that is not there: peersite run from
 * the wrong folder (inside content/, say) is the usual reason. */
#define CONTENT_NOT_FOUND                                                                          \
    "content directory not found (run peersite from the folder that holds it, or give one with "   \
    "--content)"

#include <jansson.h>
#include <sys/stat.h>
#include <stdbool.h>

#include "diag.h"
#include "tree.h"

/* One Markdown source: where its body starts, for messages about links. */
struct content_source {
    char *path;    /* e.g. "content/faq/x.md" */
    char *body;    /* Markdown body, NUL-terminated */
    int body_line; /* file line of the body's first line */
};

/* A supporter unchanged since an earlier build, as that build's record
 * gives it: in c->supporters it is an integer, its place in c->stand_ins
 * (content_stand_in). Its pages, card and entry are the record's. */
struct content_stand_in {
    const char *name;       /* the record's text */
    const char **languages; /* the record's texts; the array is the stand-in's */
    size_t nlanguages;
    bool accepting;
    size_t reused; /* the record's item (reuse_item) */
    char *slug, *path;
};

/* A build that can reuse an earlier one (reuse.h, site.c) sees each FAQ
 * and supporter file before it is read. */
struct content_reuse {
    void *ctx;
    /* Before any file of the collection ("faq", "supporters") is read, with
     * every file's path, in order. */
    void (*files)(void *ctx, const char *collection, char *const *paths, size_t n);
    /* From several threads at once, before file i of the collection is
     * read: its identity on disk (name in the directory open as dirfd, or
     * -1 to use path). */
    void (*stamp)(void *ctx, const char *collection, size_t i, const char *path, int dirfd,
                  const char *name);
    /* Optional: true when every file of the collection is to be stamped
     * before any is read, as the collection may be kept whole (kept_whole
     * is then asked); false when each file is stamped just before it is
     * read, on the same thread. NULL: every collection is stamped apart. */
    bool (*stamp_apart)(void *ctx, const char *collection);
    /* Once every file of a collection stamped apart is stamped: true when
     * none needs reading, as nothing but pages an earlier build made and
     * this one keeps reads it. The collection is then left empty. */
    bool (*kept_whole)(void *ctx, const char *collection);
    /* From several threads at once, before file i is read: the values of
     * an unchanged file as an earlier build recorded them (given to the
     * content), or NULL to read the file. Such values have no "src", carry
     * "reused", and are not checked again: they may hold only the keys the
     * caller reads of an item whose pages it keeps. */
    json_t *(*stand_in)(void *ctx, const char *collection, size_t i);
    /* Optional: false when there is nothing to keep (no earlier build): each
     * file may then be stamped as it is read, by stamp_read, with its
     * identity taken when it was opened, before it was read. */
    bool (*stamp_first)(void *ctx);
    void (*stamp_read)(void *ctx, const char *collection, size_t i, const struct stat *st);
    /* Optional, and then asked for each supporter instead of stand_in: true
     * when supporter file i is unchanged, with what the site reads of it
     * filled in (name, languages, accepting, reused), texts that outlive
     * the content. No JSON is made for it: as objects of a dozen
     * allocations each, 10,000 stand-ins took a fifth of a rebuild's CPU. */
    bool (*stand_in_supporter)(void *ctx, size_t i, struct content_stand_in *s);
};

struct content {
    struct tree *tree;                 /* where files are read from (not owned) */
    const struct content_reuse *reuse; /* NULL: every file is read */
    char *dir;
    json_t *site;            /* site.yml with defaults applied */
    json_t *pages;           /* array, sorted by slug: {slug, title, description?, menu?, src} */
    json_t *faq;             /* array, sorted by category order, order, question: {slug, question,
                                category, category_slug, order?, src} */
    json_t *categories;      /* array of {name, slug} in display order */
    json_t *confidentiality; /* {title, who_knows, limits, src} */
    json_t *supporters;      /* array sorted by name then slug: objects, and stand-ins */
    struct content_stand_in *stand_ins; /* [nstand_ins]: the stand-ins' places */
    size_t nstand_ins;
    json_t *request;   /* {title, intro, fields} */
    char *pubkey_path; /* content/keys/admin.pub if present, else NULL */
    int jobs;          /* threads that parse collections */
    json_t *left_out;  /* [{kind: page|faq|supporter, slug}] left out for errors */
    /* Markdown sources; "src" in the JSON values above is an index into this. */
    struct content_source *sources;
    size_t nsources;
};

/* Loads DIR from tree t. Returns 0 if the content is valid, -1 otherwise
 * (errors in d). */
int content_load(struct tree *t, const char *dir, struct content *c, struct diag *d);
/* The same, parsing the files of each collection on up to jobs threads (when
 * the tree can be read from several); the result does not depend on jobs. */
int content_load_jobs(struct tree *t, const char *dir, int jobs, struct content *c, struct diag *d);
/* Lists the collections' directories of dir ahead (tree_dir_prefetch), on
 * any thread, for the load that follows on t; listed[0] and [1] are the
 * FAQ's and the supporters' listings (NULL where there is none). */
void content_prefetch(struct tree *t, const char *dir, const struct tree_dir *listed[2]);

/* 0 when dir is a folder that may hold content; -1, said in d, when it is
 * not there (run from inside the content folder, say) or is the repository
 * above the content folder `peersite new` makes. */
int content_dir_check(struct tree *t, const char *dir, struct diag *d);
/* The same as content_load_jobs, asking reuse (may be NULL) about each FAQ
 * and supporter file. */
int content_load_reusing(struct tree *t, const char *dir, int jobs,
                         const struct content_reuse *reuse, struct content *c, struct diag *d);
void content_free(struct content *c);

/* 1 when content that failed to load is still whole enough to render (site,
 * confidentiality and request have their required keys; incomplete FAQ
 * entries, pages and supporters were left out), so one run can report its
 * broken links along with the other errors. */
int content_renderable(const struct content *c);

/* An item of c->supporters that stands in for an unchanged supporter, or
 * NULL for an object (every item of the other collections is one). */
const struct content_stand_in *content_stand_in_of(const struct content *c, json_t *item);
/* What the site reads of a supporter, object or stand-in alike. */
const char *content_item_slug(const struct content *c, json_t *item);
const char *content_item_path(const struct content *c, json_t *item);
const char *content_supporter_name(const struct content *c, json_t *s);
bool content_supporter_accepting(const struct content *c, json_t *s);
size_t content_supporter_nlanguages(const struct content *c, json_t *s);
const char *content_supporter_language(const struct content *c, json_t *s, size_t i);

/* The order of c->supporters: by name, then slug (<0, 0 or >0). */
int content_supporter_order(const char *name_a, const char *slug_a, const char *name_b,
                            const char *slug_b);

/* site.yml's theme: setting, read before the content is loaded because the
 * theme must be known first; NULL when absent or unreadable (content_load
 * reports site.yml's problems). Caller frees. */
char *content_theme_setting(struct tree *t, const char *dir);

/* Derives a slug from a file name ("Is It Safe.md" -> "is-it-safe"): lowercase
 * ASCII letters and digits, other runs become one '-'. Returns a malloc'd
 * string (caller frees); "" when nothing usable remains. */
char *content_slugify(const char *name);

/* Looks up the label of a role id in site.yml roles; returns id if unknown. */
const char *content_role_label(const struct content *c, const char *id);

#endif
