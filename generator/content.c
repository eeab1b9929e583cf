#include "content.h"

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "colors.h"
#include "formspec.h"
#include "frontmatter.h"
#include "fsutil.h"
#include "phone.h"
#include "pool.h"
#include "promise.h"
#include "tree.h"
#include "utf8.h"
#include "xalloc.h"
#include "yamlschema.h"

#define MAX_CONTENT_FILE (4u << 20)

/* ---- checks with positions ----------------------------------------------- */

static void check_photo(struct ys_loader *L, yaml_node_t *n, json_t *v);

static void check_url(struct ys_loader *L, yaml_node_t *n, json_t *v)
{
    const char *s = json_string_value(v);
    /* Said once: the site is still rendered (for its other errors) with a
     * stand-in address, not with one that breaks every link the theme
     * makes from it. */
    if (strncmp(s, "https://", 8) && strncmp(s, "http://", 7)) {
        diag_error(L->d, YS_AT(L, n), "\"%s\" must start with https:// or http://", s);
        json_string_set(v, "https://base-url.invalid/");
        return;
    }
    for (const char *p = s; *p; p++)
        if ((unsigned char)*p <= ' ' || *p == '"' || *p == '<' || *p == '>') {
            diag_error(L->d, YS_AT(L, n), "\"%s\" is not a valid URL", s);
            json_string_set(v, "https://base-url.invalid/");
            return;
        }
    if (s[strlen(s) - 1] != '/') {
        char *t = malloc(strlen(s) + 2);
        if (!t)
            abort();
        sprintf(t, "%s/", s);
        json_string_set(v, t);
        free(t);
    }
}

/* submit_url is where browsers POST sealed requests, and it is written into
 * the page's Content-Security-Policy (connect-src): https only (http only to
 * the loopback host, for testing), no characters that could end a CSP
 * source, used exactly as written (no slash added). */
static void check_submit_url(struct ys_loader *L, yaml_node_t *n, json_t *v)
{
    static const char *const loopback[] = {"http://127.0.0.1", "http://localhost", "http://[::1]",
                                           NULL};
    const char *s = json_string_value(v), *host = NULL;
    if (!strncmp(s, "https://", 8))
        host = s + 8;
    for (size_t i = 0; !host && loopback[i]; i++) {
        size_t k = strlen(loopback[i]);
        if (!strncmp(s, loopback[i], k) && (s[k] == ':' || s[k] == '/' || !s[k]))
            host = s + 7;
    }
    if (!host || !*host || *host == '/' || *host == ':') {
        diag_error(L->d, YS_AT(L, n),
                   "\"%s\" must be an https:// URL (http:// only on 127.0.0.1, localhost or [::1])",
                   s);
        return;
    }
    for (const char *p = s; *p; p++)
        if ((unsigned char)*p <= ' ' || (unsigned char)*p >= 0x7f || strchr("\"'<>;,\\#", *p)) {
            diag_error(L->d, YS_AT(L, n), "\"%s\" is not a URL that can be allowed by the page", s);
            return;
        }
}

static void check_language(struct ys_loader *L, yaml_node_t *n, json_t *v)
{
    const char *s = json_string_value(v);
    size_t i = 0;
    while (((s[i] | 32) >= 'a' && (s[i] | 32) <= 'z'))
        i++;
    bool ok = i >= 2 && i <= 3;
    for (; ok && s[i]; i++)
        ok = s[i] == '-' || ((s[i] | 32) >= 'a' && (s[i] | 32) <= 'z') ||
             (s[i] >= '0' && s[i] <= '9');
    if (!ok)
        diag_error(L->d, YS_AT(L, n), "language \"%s\" is not a language tag such as en or en-US",
                   s);
}

static void check_kiosk(struct ys_loader *L, yaml_node_t *n, json_t *v)
{
    json_int_t s = json_integer_value(v);
    if (s < 15 || s > 86400)
        diag_error(L->d, YS_AT(L, n), "kiosk idle time must be between 15 and 86400 seconds");
}

static void check_response_within(struct ys_loader *L, yaml_node_t *n, json_t *v)
{
    struct promise p;
    if (promise_parse(json_string_value(v), &p) < 0)
        diag_error(L->d, YS_AT(L, n),
                   "response_within \"%s\" is not a promise such as \"24 hours\", "
                   "\"1 business day\" or \"3 business days\"",
                   json_string_value(v));
}

static void check_max(struct ys_loader *L, yaml_node_t *n, json_t *v)
{
    json_int_t m = json_integer_value(v);
    if (m < 1 || m > FORMSPEC_MAX_CHARS)
        diag_error(L->d, YS_AT(L, n), "\"max\" must be between 1 and %d characters",
                   FORMSPEC_MAX_CHARS);
}

static void check_role(struct ys_loader *L, yaml_node_t *n, json_t *v)
{
    const struct content *c = L->ctx;
    json_t *roles = c->site ? json_object_get(c->site, "roles") : NULL;
    if (!roles)
        return;
    size_t i;
    json_t *r;
    json_array_foreach (roles, i, r) {
        if (json_equal(json_object_get(r, "id"), v))
            return;
    }
    struct buf known = BUF_INIT;
    json_array_foreach (roles, i, r) {
        buf_printf(&known, "%s%s", i ? ", " : "", json_string_value(json_object_get(r, "id")));
    }
    diag_error(L->d, YS_AT(L, n), "unknown role \"%s\" (site.yml roles: %s)", json_string_value(v),
               known.data ? known.data : "none");
    buf_free(&known);
}

static const char *const modalities[] = {"in-person", "phone", "video", NULL};

static void check_modalities(struct ys_loader *L, yaml_node_t *n, json_t *v)
{
    if (json_array_size(v) == 0)
        diag_error(L->d, YS_AT(L, n),
                   "\"modalities\" must list at least one of in-person, phone, "
                   "video");
    size_t i;
    json_t *m;
    json_array_foreach (v, i, m) {
        const char *s = json_string_value(m);
        size_t j = 0;
        while (modalities[j] && strcmp(modalities[j], s))
            j++;
        yaml_node_t *item = yaml_document_get_node(L->doc, n->data.sequence.items.start[i]);
        if (!modalities[j])
            diag_error(L->d, YS_AT(L, item),
                       "unknown modality \"%s\" (use in-person, phone or "
                       "video)",
                       s);
        for (size_t k = 0; k < i; k++)
            if (json_equal(json_array_get(v, k), m))
                diag_error(L->d, YS_AT(L, item), "modality \"%s\" appears twice", s);
    }
}

/* One item of request.yml "fields": type known, options where needed, unique
 * id. The rules themselves are sealed/formspec's, shared with the kiosk and
 * the administrator. */
static void check_field(struct ys_loader *L, yaml_node_t *n, json_t *f)
{
    const char *id = json_string_value(json_object_get(f, "id"));
    const char *type = json_string_value(json_object_get(f, "type"));
    json_t *options = json_object_get(f, "options");
    const struct content *c = L->ctx;
    json_t *seen = json_object_get(c->request, "\x01ids");
    if (id && !formspec_id_valid(id))
        diag_error(L->d, YS_AT(L, n),
                   "field id \"%s\" may only use letters, digits, '.', '_' "
                   "and '-'",
                   id);
    else if (id && seen && json_object_get(seen, id))
        diag_error(L->d, YS_AT(L, n), "field id \"%s\" appears twice", id);
    else if (id && seen)
        json_object_set_new(seen, id, json_true());
    if (!type)
        return;
    if (!formspec_type_known(type)) {
        yaml_node_t *at = ys_value_of(L, n, "type");
        diag_error(L->d, YS_AT(L, at ? at : n), "field \"%s\": unknown type \"%s\" (use %s)",
                   id ? id : "?", type, formspec_type_list());
        return;
    }
    if (formspec_type_is_choice(type) && json_array_size(options) == 0)
        diag_error(L->d, YS_AT(L, n), "field \"%s\": type %s needs \"options\"", id ? id : "?",
                   type);
    if (!formspec_type_is_choice(type) && options)
        diag_error(L->d, YS_AT(L, n), "field \"%s\": type %s takes no \"options\"", id ? id : "?",
                   type);
}

/* The "id" values of request.yml's fields, read from the document itself:
 * require_one_of may come before "fields" in the file. Returns a new object
 * of ids (caller decrefs). */
static json_t *request_field_ids(struct ys_loader *L)
{
    json_t *ids = json_object();
    yaml_node_t *root = yaml_document_get_root_node(L->doc);
    if (!root || root->type != YAML_MAPPING_NODE)
        return ids;
    for (yaml_node_pair_t *p = root->data.mapping.pairs.start; p < root->data.mapping.pairs.top;
         p++) {
        yaml_node_t *k = yaml_document_get_node(L->doc, p->key);
        yaml_node_t *v = yaml_document_get_node(L->doc, p->value);
        if (k->type != YAML_SCALAR_NODE || strcmp((const char *)k->data.scalar.value, "fields") ||
            v->type != YAML_SEQUENCE_NODE)
            continue;
        for (yaml_node_item_t *it = v->data.sequence.items.start; it < v->data.sequence.items.top;
             it++) {
            yaml_node_t *f = yaml_document_get_node(L->doc, *it);
            if (f->type != YAML_MAPPING_NODE)
                continue;
            for (yaml_node_pair_t *q = f->data.mapping.pairs.start; q < f->data.mapping.pairs.top;
                 q++) {
                yaml_node_t *fk = yaml_document_get_node(L->doc, q->key);
                yaml_node_t *fv = yaml_document_get_node(L->doc, q->value);
                if (fk->type == YAML_SCALAR_NODE && fv->type == YAML_SCALAR_NODE &&
                    !strcmp((const char *)fk->data.scalar.value, "id"))
                    json_object_set_new(ids, (const char *)fv->data.scalar.value, json_true());
            }
        }
    }
    return ids;
}

/* require_one_of: ids of the form's fields ("give at least one way to reach
 * you"), each once; each wrong item is reported at its own line. */
static void check_one_of(struct ys_loader *L, yaml_node_t *n, json_t *v)
{
    if (json_array_size(v) == 0) {
        diag_error(L->d, YS_AT(L, n), "\"require_one_of\" must list at least one field id");
        return;
    }
    json_t *ids = request_field_ids(L), *id;
    size_t i;
    json_array_foreach (v, i, id) {
        yaml_node_t *item = yaml_document_get_node(L->doc, n->data.sequence.items.start[i]);
        const char *s = json_string_value(id);
        if (!json_object_get(ids, s))
            diag_error(L->d, YS_AT(L, item),
                       "require_one_of: \"%s\" is not the id of a field of this form", s);
        for (size_t k = 0; k < i; k++)
            if (json_equal(json_array_get(v, k), id))
                diag_error(L->d, YS_AT(L, item), "require_one_of: \"%s\" appears twice", s);
    }
    json_decref(ids);
}

/* colors: the program's accent for light mode and, optionally, for dark
 * mode, each held to WCAG AA for text there (colors.h); reported at the
 * colour, naming it and its contrast. An unquoted "#..." is a YAML comment,
 * so an empty value gets that hint. */
static void check_colors(struct ys_loader *L, yaml_node_t *n, json_t *v)
{
    (void)v;
    for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
        yaml_node_t *k = yaml_document_get_node(L->doc, p->key);
        yaml_node_t *val = yaml_document_get_node(L->doc, p->value);
        if (k->type != YAML_SCALAR_NODE)
            continue;
        const char *key = (const char *)k->data.scalar.value;
        bool is_dark = !strcmp(key, "accent_dark");
        if (!is_dark && strcmp(key, "accent"))
            continue;
        if (val->type != YAML_SCALAR_NODE)
            continue; /* reported as a type error already */
        const char *s = (const char *)val->data.scalar.value;
        char why[320];
        if (!*s && val->data.scalar.style == YAML_PLAIN_SCALAR_STYLE)
            diag_error(L->d, YS_AT(L, k),
                       "colors.%s has no value: write the colour in quotes, such as \"#0b5cad\" "
                       "(in YAML, # starts a comment)",
                       key);
        else if (colors_check(s, is_dark, why, sizeof why) < 0)
            diag_error(L->d, YS_AT(L, val), "colors.%s %s", key, why);
    }
}

/* ---- the schemas of each file -------------------------------------------- */

/* contact.email becomes a mailto: link and the address a sealed request is
 * emailed to: one address, name@domain. Characters RFC 5322 allows only
 * quoted, and "?" (in a mailto: link, it starts added headers such as a
 * copy to someone else), are refused. */
static void check_email(struct ys_loader *L, yaml_node_t *n, json_t *v)
{
    const char *s = json_string_value(v), *at = strchr(s, '@');
    bool ok =
        at && at > s && !strchr(at + 1, '@') && strchr(at + 1, '.') && at[strlen(at) - 1] != '.';
    for (const char *p = s; ok && *p; p++)
        ok = (unsigned char)*p > ' ' && !strchr("\"<>(),;:\\[]?", *p);
    if (!ok)
        diag_error(L->d, YS_AT(L, n),
                   "\"%s\" is not an email address (write one, like peer.support@example.org)", s);
}

static const struct ys_key contact_keys[] = {
    {"email", YS_STRING, false, NULL, check_email, NULL},
    {"phone", YS_STRING, false, NULL, NULL, NULL},
    {"hours", YS_STRING, false, NULL, NULL, NULL},
    {NULL, 0, false, NULL, NULL, NULL},
};

static const struct ys_key colors_keys[] = {
    {"accent", YS_STRING, false, NULL, NULL, NULL},
    {"accent_dark", YS_STRING, false, NULL, NULL, NULL},
    {NULL, 0, false, NULL, NULL, NULL},
};

static const struct ys_key site_keys[] = {
    {"name", YS_STRING, true, NULL, NULL, NULL},
    {"organization", YS_STRING, false, NULL, NULL, NULL},
    {"base_url", YS_STRING, true, NULL, check_url, NULL},
    {"language", YS_STRING, false, NULL, check_language, NULL},
    {"contact", YS_OBJECT, false, contact_keys, NULL, NULL},
    {"response_time", YS_STRING, false, NULL, NULL, NULL},
    {"crisis", YS_STRING, false, NULL, NULL, NULL},
    {"submit_url", YS_STRING, false, NULL, check_submit_url, NULL},
    {"roles", YS_PAIRS, false, NULL, NULL, "id"},
    {"kiosk", YS_INT, false, NULL, check_kiosk, NULL},
    {"response_within", YS_STRING, false, NULL, check_response_within, NULL},
    {"theme", YS_STRING, false, NULL, NULL, NULL},
    {"colors", YS_OBJECT, false, colors_keys, check_colors, NULL},
    {NULL, 0, false, NULL, NULL, NULL},
};

static const struct ys_key page_keys[] = {
    {"title", YS_STRING, true, NULL, NULL, NULL},
    {"description", YS_STRING, false, NULL, NULL, NULL},
    {"menu", YS_INT, false, NULL, NULL, NULL},
    {NULL, 0, false, NULL, NULL, NULL},
};

static const struct ys_key faq_keys[] = {
    {"question", YS_STRING, true, NULL, NULL, NULL},
    {"category", YS_STRING, true, NULL, NULL, NULL},
    {"order", YS_INT, false, NULL, NULL, NULL},
    {NULL, 0, false, NULL, NULL, NULL},
};

static const struct ys_key who_knows_keys[] = {
    {"item", YS_STRING, true, NULL, NULL, NULL},
    {"known_by", YS_STRINGS, true, NULL, NULL, NULL},
    {NULL, 0, false, NULL, NULL, NULL},
};

static const struct ys_key limit_keys[] = {
    {"title", YS_STRING, true, NULL, NULL, NULL},
    {"text", YS_MARKDOWN, true, NULL, NULL, NULL},
    {NULL, 0, false, NULL, NULL, NULL},
};

static const struct ys_key confidentiality_keys[] = {
    {"title", YS_STRING, true, NULL, NULL, NULL},
    {"who_knows", YS_OBJECTS, true, who_knows_keys, NULL, NULL},
    {"limits", YS_OBJECTS, true, limit_keys, NULL, NULL},
    {NULL, 0, false, NULL, NULL, NULL},
};

static const struct ys_key supporter_keys[] = {
    {"name", YS_STRING, true, NULL, NULL, NULL},
    {"role", YS_STRING, true, NULL, check_role, NULL},
    {"department", YS_STRING, true, NULL, NULL, NULL},
    {"modalities", YS_STRINGS, true, NULL, check_modalities, NULL},
    {"credentials", YS_STRING, false, NULL, NULL, NULL},
    {"pronouns", YS_STRING, false, NULL, NULL, NULL},
    {"specialty", YS_STRING, false, NULL, NULL, NULL},
    {"languages", YS_STRINGS, false, NULL, NULL, NULL},
    {"campus", YS_STRING, false, NULL, NULL, NULL},
    {"accepting", YS_BOOL, false, NULL, NULL, NULL},
    {"photo", YS_STRING, false, NULL, check_photo, NULL},
    {NULL, 0, false, NULL, NULL, NULL},
};

static const struct ys_key field_keys[] = {
    {"id", YS_STRING, true, NULL, NULL, NULL},
    {"label", YS_STRING, true, NULL, NULL, NULL},
    {"type", YS_STRING, true, NULL, NULL, NULL},
    {"required", YS_BOOL, false, NULL, NULL, NULL},
    {"help", YS_STRING, false, NULL, NULL, NULL},
    {"max", YS_INT, false, NULL, check_max, NULL},
    {"options", YS_PAIRS, false, NULL, NULL, "value"},
    {NULL, 0, false, NULL, NULL, NULL},
};

static const struct ys_key request_keys[] = {
    {"title", YS_STRING, true, NULL, NULL, NULL},
    {"intro", YS_MARKDOWN, false, NULL, NULL, NULL},
    {"fields", YS_OBJECTS, true, field_keys, check_field, NULL},
    {"require_one_of", YS_STRINGS, false, NULL, check_one_of, NULL},
    {NULL, 0, false, NULL, NULL, NULL},
};

/* ---- files ----------------------------------------------------------------- */

char *content_slugify(const char *name)
{
    size_t n = strlen(name);
    if (n > 3 && !strcmp(name + n - 3, ".md"))
        n -= 3;
    char *s = malloc(n + 1);
    if (!s)
        abort();
    size_t o = 0;
    bool dash = false;
    for (size_t i = 0; i < n; i++) {
        char c = name[i];
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
            if (dash && o > 0)
                s[o++] = '-';
            s[o++] = c;
            dash = false;
        } else {
            dash = true;
        }
    }
    s[o] = '\0';
    return s;
}

static char *join(const char *a, const char *b)
{
    size_t na = strlen(a), nb = strlen(b);
    char *p = xmalloc(na + nb + 2);
    memcpy(p, a, na);
    p[na] = '/';
    memcpy(p + na + 1, b, nb + 1);
    return p;
}

/* Adds a source that takes over path and body (both malloc'd); returns its
 * number. The array doubles when its size is a power of two. */
static int add_source(struct content *c, char *path, char *body, int line)
{
    size_t n = c->nsources;
    if (n == 0 || (n >= 16 && !(n & (n - 1))))
        c->sources = xrealloc(c->sources, (n ? 2 * n : 16) * sizeof *c->sources);
    c->sources[n] = (struct content_source){path, body, line};
    return (int)c->nsources++;
}

/* How many bytes of text to skip (a byte order mark's 3, or 0) when it is
 * UTF-8; otherwise -1, with an error at its first byte that
 * is not (an editor that saves Latin-1 or Windows-1252 would show the
 * reader a replacement character where it stood). A NUL is refused too. */
static int plain_text(const char *path, const char *text, size_t len, struct diag *d)
{
    if (memchr(text, '\0', len)) {
        diag_error(d, path, 1, 1, "file contains a NUL byte (is it a text file?)");
        return -1;
    }
    size_t bad = utf8_valid_prefix(text, len);
    if (bad == len) /* a byte order mark (Windows editors write one) is no text */
        return len >= 3 && !memcmp(text, "\xEF\xBB\xBF", 3) ? 3 : 0;
    int line = 1;
    size_t line_start = 0;
    for (size_t i = 0; i < bad; i++)
        if (text[i] == '\n') {
            line++;
            line_start = i + 1;
        }
    diag_error(d, path, line, (int)(bad - line_start) + 1,
               "not UTF-8 text (byte 0x%02X): save the file as UTF-8 (\"Unicode (UTF-8)\" in the "
               "editor's encoding setting)",
               (unsigned char)text[bad]);
    return -1;
}

/* Loads one .md file: front matter against spec, body kept as a source. */
static json_t *load_md(struct content *c, const char *path, const struct ys_key *spec,
                       const char *what, struct diag *d)
{
    char *text = NULL;
    size_t len;
    struct fm fm;
    json_t *obj = NULL;
    if (tree_read(c->tree, path, MAX_CONTENT_FILE, &text, &len, d) < 0)
        return NULL;
    int bom = plain_text(path, text, len, d);
    if (bom < 0 || fm_split(path, text + bom, len - (size_t)bom, &fm, d) < 0)
        goto out;
    obj = ys_load(path, fm.yaml, fm.yaml_len, fm.yaml_line, spec, what, c, NULL, d);
    if (obj) {
        int src = add_source(c, xstrdup(path), xstrndup(fm.body, fm.body_len), fm.body_line);
        json_object_set_new(obj, "src", json_integer(src));
    }
out:
    free(text);
    return obj;
}

static json_t *load_yml(struct content *c, const char *path, const struct ys_key *spec,
                        const char *what, struct diag *d)
{
    char *text = NULL;
    size_t len;
    if (tree_read(c->tree, path, MAX_CONTENT_FILE, &text, &len, d) < 0)
        return NULL;
    int bom = plain_text(path, text, len, d);
    json_t *obj =
        bom < 0 ? NULL : ys_load(path, text + bom, len - (size_t)bom, 1, spec, what, c, NULL, d);
    free(text);
    return obj;
}

/* 1 when name ends with end, letters in any case. */
static bool ends_with(const char *name, const char *end)
{
    size_t n = strlen(name), k = strlen(end);
    return n > k && !strcasecmp(name + n - k, end);
}

/* Warns of the entries of a collection's folder that look meant for the site
 * but are not read: a Markdown file under another name, a folder. A
 * supporter's folder also holds photos, which are not warned of. */
static void warn_unread(const struct tree_dir *td, const char *sub, struct diag *d)
{
    for (size_t i = 0; i < td->nothers; i++) {
        const char *name = td->others[i];
        size_t len = strlen(name);
        char *path = xasprintf("%s/%s", td->dir, name);
        if (name[len - 1] == '/') {
            if (strcmp(sub, "supporters"))
                diag_warn(d, path, 0, 0,
                          "not read: the files of a folder inside %s/ are not part of the site "
                          "(move them up into %s/)",
                          sub, sub);
        } else if (ends_with(name, ".md")) {
            diag_warn(d, path, 0, 0, "not read: the name must end in \".md\", in small letters");
        } else if (ends_with(name, ".md.txt") || ends_with(name, ".markdown") ||
                   ends_with(name, ".mdown") || ends_with(name, ".mkd") ||
                   ends_with(name, ".txt")) {
            diag_warn(d, path, 0, 0,
                      "not read: only files whose names end in \".md\" are part of the site "
                      "(rename it, or move it out of %s/)",
                      sub);
        }
        free(path);
    }
}

/* The *.md files of dir, sorted; NULL when dir is absent (an error if
 * required). */
static struct tree_dir *list_md(struct content *c, const char *dir, bool required, struct diag *d)
{
    if (tree_kind(c->tree, dir) != TREE_DIR) {
        if (required)
            diag_error(d, dir, 0, 0, "missing directory");
        return NULL;
    }
    /* No stat per file: a directory named *.md fails later, when read. */
    return tree_dir_open(c->tree, dir, ".md", d);
}

/* One Markdown file of a collection, parsed on its own (possibly on another
 * thread): its values, its body, and what was wrong with it. */
struct parsed_md {
    char *path;
    json_t *path_value; /* path as JSON; NULL when it is not UTF-8 */
    char *slug;
    json_t *obj;
    char *body;
    int body_line;
    size_t first;  /* the first file with the same slug (itself if none) */
    bool stand_in; /* unchanged: its stand-in is the collection's (stand_ins) */
    struct diag d;
};

/* A collection being loaded: listed and its files named (open_collection),
 * read on the loader's threads, in one pass with the others when it can be
 * (read_collections), then made an array in file order (finish_collection). */
struct collection_load {
    const char *sub; /* its folder in the content */
    const struct ys_key *spec;
    const char *what, *kind;
    char *dir;
    struct tree_dir *td;
    size_t n;
    struct parsed_md *items;
    struct content_stand_in *stand_ins; /* [n], for supporters the hook may stand in for */
    const char *collection;             /* as the reuse hook names it ("faq"), or NULL */
    bool stamp_read;                    /* no earlier build: each file stamped as it is read */
    bool stamp_apart; /* every file stamped before any is read: it may be kept whole */
    bool stamped;     /* that stamping is done */
    bool read;        /* its files are read */
    struct diag d;    /* what its folder's listing said, said when it is finished */
};

struct parse_range {
    struct content *c;
    struct collection_load *const *cls; /* read one after another */
    size_t ncls, n;                     /* their files, in all */
    size_t *next;                       /* the next file no thread has taken, shared */
};

/* Files are taken a few at a time, so a thread slowed by the other work of
 * the machine (or by a share of changed files, which cost a read and a
 * parse where the others cost a stat) holds no one up for long. */
#define FILES_AT_ONCE 32

/* The next files [*from, *to) for this thread; false when none is left. */
static bool take_files(struct parse_range *r, size_t *from, size_t *to)
{
    *from = __atomic_fetch_add(r->next, FILES_AT_ONCE, __ATOMIC_RELAXED);
    if (*from >= r->n)
        return false;
    *to = *from + FILES_AT_ONCE < r->n ? *from + FILES_AT_ONCE : r->n;
    return true;
}

/* Reads and converts file i of cl; b: the thread's read buffer. */
static void parse_file(struct content *c, struct collection_load *cl, size_t i, struct fs_buf *b,
                       struct ys_strings *strings)
{
    struct parsed_md *m = &cl->items[i];
    size_t len;
    struct fm fm;
    m->d = (struct diag)DIAG_INIT;
    m->slug = content_slugify(cl->td->names[i]);
    /* The record names the file by this path: it is UTF-8. */
    if (cl->stand_ins && c->reuse->stand_in_supporter(c->reuse->ctx, i, &cl->stand_ins[i])) {
        m->stand_in = true;
        return;
    }
    m->path_value = json_string(m->path);
    if (cl->collection && m->path_value &&
        (m->obj = c->reuse->stand_in(c->reuse->ctx, cl->collection, i))) {
        /* Unchanged since a build that read it; named here, on the
         * loader's threads, not one by one on the building thread. */
        json_object_set_new_nocheck(m->obj, "slug", json_string_nocheck(m->slug));
        json_object_set_nocheck(m->obj, "path", m->path_value);
        return;
    }
    struct stat st;
    if (tree_dir_read(cl->td, i, m->path, MAX_CONTENT_FILE, b, &len, cl->stamp_read ? &st : NULL,
                      &m->d) < 0)
        return;
    if (cl->stamp_read)
        c->reuse->stamp_read(c->reuse->ctx, cl->collection, i, &st);
    int bom = plain_text(m->path, b->data, len, &m->d);
    if (bom >= 0 && fm_split(m->path, b->data + bom, len - (size_t)bom, &fm, &m->d) == 0) {
        m->obj = ys_load(m->path, fm.yaml, fm.yaml_len, fm.yaml_line, cl->spec, cl->what, c,
                         strings, &m->d);
        m->body = xstrndup(fm.body, fm.body_len);
        m->body_line = fm.body_line;
    }
}

static void stamp_file(struct content *c, struct collection_load *cl, size_t i)
{
    c->reuse->stamp(c->reuse->ctx, cl->collection, i, cl->items[i].path, tree_dir_fd(cl->td),
                    cl->td->names[i]);
}

/* What this pass does with file i of cl: stamps it, when it is stamped
 * apart and not yet; else reads it (stamping it first, just before, when
 * the build may reuse it). */
static void take_file(struct content *c, struct collection_load *cl, size_t i, struct fs_buf *b,
                      struct ys_strings *strings)
{
    if (cl->stamp_apart && !cl->stamped) {
        stamp_file(c, cl, i);
        return;
    }
    if (cl->collection && !cl->stamp_apart && !cl->stamp_read)
        stamp_file(c, cl, i);
    parse_file(c, cl, i, b, strings);
}

/* Takes files a few at a time until none is left, the collections' one
 * after another; touches nothing shared but the content's settings, read
 * only (a supporter's role is checked against site.yml's roles), and the
 * count of files taken. One read buffer serves every file this thread
 * takes. */
static void *parse_range(void *arg)
{
    struct parse_range *r = arg;
    struct fs_buf b = {NULL, 0};
    struct ys_strings *strings = xcalloc(1, sizeof *strings);
    size_t from, to;
    while (take_files(r, &from, &to)) {
        size_t k = 0, first = 0; /* the collection of file from, and its first */
        for (size_t at = from; at < to; at++) {
            while (at - first >= r->cls[k]->n)
                first += r->cls[k++]->n;
            take_file(r->c, r->cls[k], at - first, &b, strings);
        }
    }
    free(b.data);
    ys_strings_free(strings);
    free(strings);
    return NULL;
}

/* One pass over the files of the collections, on up to c->jobs threads
 * when the tree allows it. */
static void read_pass(struct content *c, struct collection_load *const *cls, size_t ncls)
{
    size_t n = 0;
    for (size_t k = 0; k < ncls; k++)
        n += cls[k]->n;
    size_t threads = c->jobs > 1 && tree_concurrent(c->tree) ? (size_t)c->jobs : 1;
    if (threads > n / 64 + 1) /* threads cost more than a few files */
        threads = n / 64 + 1;
    if (threads > 64)
        threads = 64;
    struct parse_range ranges[64];
    size_t next = 0;
    for (size_t t = 0; t < threads; t++)
        ranges[t] = (struct parse_range){c, cls, ncls, n, &next};
    pool_run_shares(parse_range, ranges, sizeof *ranges, threads);
}

static int by_slug_then_file(const void *a, const void *b)
{
    const struct parsed_md *x = *(const struct parsed_md *const *)a;
    const struct parsed_md *y = *(const struct parsed_md *const *)b;
    int c = strcmp(x->slug, y->slug);
    return c ? c : x < y ? -1 : x > y;
}

/* Sets each item's "first": the first file in order that claimed its slug
 * (itself when none did before it). A path that is not UTF-8 claims none:
 * it cannot be named in JSON. */
static void find_duplicate_slugs(struct parsed_md *items, size_t n)
{
    struct parsed_md **by = xmalloc((n ? n : 1) * sizeof *by);
    bool sorted = true; /* as files named after their slugs come */
    for (size_t i = 0; i < n; i++) {
        by[i] = &items[i];
        sorted = sorted && (i == 0 || strcmp(items[i - 1].slug, items[i].slug) <= 0);
    }
    if (!sorted)
        qsort(by, n, sizeof *by, by_slug_then_file);
    for (size_t i = 0; i < n;) {
        size_t end = i + 1;
        while (end < n && !strcmp(by[end]->slug, by[i]->slug))
            end++;
        struct parsed_md *owner = NULL;
        for (; i < end; i++) {
            by[i]->first = (size_t)((owner ? owner : by[i]) - items);
            if (!owner && (by[i]->path_value || by[i]->stand_in))
                owner = by[i];
        }
    }
    free(by);
}

void content_prefetch(struct tree *t, const char *dir, const struct tree_dir *listed[2])
{
    char *paths[2] = {join(dir, "faq"), join(dir, "supporters")};
    tree_dir_prefetch_all(t, (const char *const *)paths, 2, ".md", listed);
    free(paths[0]);
    free(paths[1]);
}

/* Lists DIR/sub's .md files and names them to the reuse hook; nothing is
 * read yet. */
static void open_collection(struct content *c, struct collection_load *cl, const char *sub,
                            const struct ys_key *spec, const char *what, const char *kind,
                            bool required)
{
    *cl = (struct collection_load){.sub = sub, .spec = spec, .what = what, .kind = kind};
    cl->d = (struct diag)DIAG_INIT;
    cl->dir = join(c->dir, sub);
    cl->td = list_md(c, cl->dir, required, &cl->d);
    if (cl->td)
        warn_unread(cl->td, sub, &cl->d);
    cl->n = cl->td ? cl->td->n : 0;
    cl->items = xcalloc(cl->n ? cl->n : 1, sizeof *cl->items);
    char **paths = xcalloc(cl->n ? cl->n : 1, sizeof *paths);
    for (size_t i = 0; i < cl->n; i++)
        paths[i] = cl->items[i].path = join(cl->td->dir, cl->td->names[i]);
    /* Collections a build may reuse: the FAQ and the supporters. */
    cl->collection = c->reuse && (!strcmp(sub, "faq") || !strcmp(sub, "supporters")) ? sub : NULL;
    if (cl->collection)
        c->reuse->files(c->reuse->ctx, cl->collection, paths, cl->n);
    if (cl->collection && !strcmp(sub, "supporters") && c->reuse->stand_in_supporter)
        cl->stand_ins = xcalloc(cl->n ? cl->n : 1, sizeof *cl->stand_ins);
    free(paths);
    /* With nothing to keep, each file is stamped as it is opened to be read
     * (an fstat, where a stat by name came first, in a pass of its own). */
    cl->stamp_read = cl->collection && c->reuse->stamp_first && c->reuse->stamp_read &&
                     !c->reuse->stamp_first(c->reuse->ctx) && cl->td && tree_dir_fd(cl->td) >= 0;
    /* One that may be kept whole has every file stamped before any is read;
     * the others' files are each stamped just before they are read. */
    cl->stamp_apart =
        cl->collection && !cl->stamp_read &&
        (!c->reuse->stamp_apart || c->reuse->stamp_apart(c->reuse->ctx, cl->collection));
}

/* Reads the collections' files in one pass on the loader's threads, so no
 * thread waits for the others between two collections; those stamped apart
 * are stamped in it, then read in a second pass unless kept whole. */
static void read_collections(struct content *c, struct collection_load *const *cls, size_t ncls)
{
    read_pass(c, cls, ncls);
    struct collection_load **again = xcalloc(ncls, sizeof *again);
    size_t nagain = 0;
    for (size_t k = 0; k < ncls; k++) {
        struct collection_load *cl = cls[k];
        if (!cl->stamp_apart) {
            cl->read = true;
            continue;
        }
        cl->stamped = true;
        /* Every file stamped: a collection with none changed is left unread. */
        if (!c->reuse->kept_whole(c->reuse->ctx, cl->collection))
            again[nagain++] = cl;
    }
    if (nagain)
        read_pass(c, again, nagain);
    for (size_t k = 0; k < nagain; k++)
        again[k]->read = true;
    free(again);
}

/* The collection as an array of objects with a unique "slug", in file
 * order (empty when kept whole), what was said of it said in its place. */
static json_t *finish_collection(struct content *c, struct collection_load *cl, struct diag *d)
{
    diag_move(d, &cl->d);
    struct parsed_md *items = cl->items;
    size_t n = cl->read ? cl->n : 0;
    find_duplicate_slugs(items, n);
    /* In file order from here: source numbers and slugs do not depend on
     * how the parsing was shared out. */
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++) {
        struct parsed_md *m = &items[i];
        diag_move(d, &m->d);
        bool keep = true;
        if (!*m->slug) {
            diag_error(d, m->path, 1, 1, "file name gives an empty slug: use letters or digits");
            keep = false;
        } else if (m->first != i) {
            diag_error(d, m->path, 1, 1,
                       "duplicate slug \"%s\" (also from %s): rename one of the two files", m->slug,
                       items[m->first].path);
            keep = false; /* rendered once, from the first file */
        } else if (!m->obj && !m->stand_in && cl->kind) {
            /* Unreadable: left out, but links to its page are not broken
             * for it (its own error says what is wrong). */
            json_array_append_new(c->left_out,
                                  json_pack("{s:s, s:s}", "kind", cl->kind, "slug", m->slug));
        }
        if (!keep) {
            json_decref(m->obj);
            m->obj = NULL;
        }
        if (m->stand_in && keep) { /* its place in c->stand_ins */
            struct content_stand_in *si = &cl->stand_ins[i];
            si->slug = m->slug;
            si->path = m->path;
            m->slug = m->path = NULL;
            json_array_append_new(arr, json_integer((json_int_t)i));
        } else if (m->stand_in) {
            free(cl->stand_ins[i].languages);
            cl->stand_ins[i].languages = NULL;
        } else if (m->obj && !m->body) { /* a stand-in: its source is not read */
            json_array_append_new(arr, m->obj);
        } else if (m->obj) {
            int src = add_source(c, m->path, m->body, m->body_line);
            json_object_set_new_nocheck(m->obj, "src", json_integer(src));
            json_object_set_new_nocheck(m->obj, "slug", json_string_nocheck(m->slug));
            json_object_set_nocheck(m->obj, "path", m->path_value);
            json_array_append_new(arr, m->obj);
        }
    }
    for (size_t i = 0; i < cl->n; i++) {
        json_decref(items[i].path_value);
        free(items[i].slug);
        if (i >= n || !items[i].obj || !items[i].body) { /* else the source has them */
            free(items[i].body);
            free(items[i].path);
        }
    }
    free(items);
    tree_dir_free(cl->td);
    free(cl->dir);
    return arr;
}

/* Loads every .md in DIR/sub as an array of objects with a unique "slug". */
static json_t *load_collection(struct content *c, const char *sub, const struct ys_key *spec,
                               const char *what, const char *kind, bool required, struct diag *d)
{
    struct collection_load cl;
    open_collection(c, &cl, sub, spec, what, kind, required);
    struct collection_load *one = &cl;
    read_collections(c, &one, 1);
    return finish_collection(c, &cl, d);
}

/* ---- defaults, cross-file checks and ordering ---------------------------- */

static void set_default(json_t *obj, const char *key, json_t *value)
{
    if (!json_object_get(obj, key))
        json_object_set_new(obj, key, value);
    else
        json_decref(value);
}

static void site_defaults(json_t *site)
{
    set_default(site, "language", json_string("en"));
    /* The words requesters read follow from the promise follow-up is measured against. */
    struct promise p;
    char text[64] = "within one business day";
    if (promise_parse(json_string_value(json_object_get(site, "response_within")), &p) == 0)
        promise_text(&p, text, sizeof text);
    set_default(site, "response_time", json_string(text));
    set_default(site, "kiosk", json_integer(120));
    set_default(site, "contact", json_object());
    set_default(site, "crisis", json_string("Call your local emergency number now."));
    /* Numbers a phone follows in one tap (phone.h): the program's, as a
     * tel: URI, and the crisis text with its numbers as links. */
    struct buf b = BUF_INIT;
    json_t *contact = json_object_get(site, "contact");
    const char *phone = json_string_value(json_object_get(contact, "phone"));
    if (phone && *phone) {
        phone_uri("tel:", phone, strlen(phone), &b);
        json_object_set_new(contact, "tel", json_string(b.data));
        buf_reset(&b);
    }
    const char *crisis = json_string_value(json_object_get(site, "crisis"));
    if (crisis) {
        phone_html(crisis, strlen(crisis), &b);
        json_object_set_new(site, "crisis_html", json_string(b.data ? b.data : ""));
    }
    buf_free(&b);
    if (!json_object_get(site, "roles")) {
        static const char *const roles[][2] = {
            {"faculty", "Faculty"}, {"app", "Advanced practice provider"},
            {"fellow", "Fellow"},   {"resident", "Resident"},
            {"student", "Student"},
        };
        json_t *arr = json_array();
        for (size_t i = 0; i < sizeof roles / sizeof roles[0]; i++)
            json_array_append_new(arr,
                                  json_pack("{s:s, s:s}", "id", roles[i][0], "label", roles[i][1]));
        json_object_set_new(site, "roles", arr);
    }
}

static json_int_t order_of(json_t *o)
{
    json_t *v = json_object_get(o, "order");
    return v ? json_integer_value(v) : INT_MAX;
}

/* What an ordering compares, read out of each item once, so that sorting
 * compares fields rather than looking keys up at every step: a, then b,
 * then s, then t (unused ones are equal for every item). */
struct sort_key {
    json_t *item;
    json_int_t a, b;
    const char *s, *t;
};

static int by_key(const void *x, const void *y)
{
    const struct sort_key *p = *(const struct sort_key *const *)x;
    const struct sort_key *q = *(const struct sort_key *const *)y;
    if (p->a != q->a)
        return p->a < q->a ? -1 : 1;
    if (p->b != q->b)
        return p->b < q->b ? -1 : 1;
    int c = strcmp(p->s, q->s);
    return c ? c : strcmp(p->t, q->t);
}

static const char *str_of(json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

/* By slug. */
static void key_slug(const struct content *c, json_t *o, struct sort_key *k)
{
    (void)c;
    *k = (struct sort_key){o, 0, 0, str_of(o, "slug"), ""};
}

/* By name, then slug (content_supporter_order compares two the same way). */
static void key_name(const struct content *c, json_t *o, struct sort_key *k)
{
    *k = (struct sort_key){o, 0, 0, content_supporter_name(c, o), content_item_slug(c, o)};
}

/* By order, then name. */
static void key_category(const struct content *c, json_t *o, struct sort_key *k)
{
    (void)c;
    *k = (struct sort_key){o, order_of(o), 0, str_of(o, "name"), ""};
}

static int key_cmp(const struct sort_key *a, const struct sort_key *b)
{
    return by_key(&a, &b);
}

/* order[0..n) as keys in order, when they are nearly in it (as a rebuild
 * after an edit finds supporters whose files are named after them): the
 * keys out of place are set aside, sorted and merged back, n comparisons
 * and k log k where a sort takes n log n. False, with order untouched past
 * what it holds, when more than an eighth are out of place. */
static bool sort_nearly_sorted(struct sort_key *keys, size_t n, struct sort_key **order)
{
    struct sort_key **aside = xmalloc((n / 8 + 1) * sizeof *aside);
    size_t kept = 0, naside = 0;
    bool ok = true;
    for (size_t i = 0; i < n && ok; i++) {
        struct sort_key *k = &keys[i];
        if (kept && key_cmp(k, order[kept - 1]) < 0) {
            /* The one before it may be the one out of place: it goes
             * aside when this one still follows the one before that. */
            struct sort_key *out = k;
            if (kept == 1 || key_cmp(k, order[kept - 2]) > 0) {
                out = order[kept - 1];
                order[kept - 1] = k;
            }
            ok = naside < n / 8;
            if (ok)
                aside[naside++] = out;
        } else {
            order[kept++] = k;
        }
    }
    if (ok) {
        qsort(aside, naside, sizeof *aside, by_key);
        /* Merged from the end, in place: order has room for all. */
        size_t a = kept, b = naside, to = n;
        while (b > 0) {
            if (a > 0 && key_cmp(order[a - 1], aside[b - 1]) > 0)
                order[--to] = order[--a];
            else
                order[--to] = aside[--b];
        }
    }
    free(aside);
    return ok;
}

/* Sorts the n items of arr in place by their keys (keys[i] is item i's). */
static void sort_keys(json_t *arr, struct sort_key *keys, size_t n)
{
    size_t i = 1;
    while (i < n && key_cmp(&keys[i - 1], &keys[i]) <= 0)
        i++;
    if (i >= n) /* in order already */
        return;
    struct sort_key **order = xmalloc((n ? n : 1) * sizeof *order);
    if (!sort_nearly_sorted(keys, n, order)) {
        for (size_t i = 0; i < n; i++)
            order[i] = &keys[i];
        qsort(order, n, sizeof *order, by_key);
    }
    for (size_t i = 0; i < n; i++)
        json_incref(order[i]->item);
    for (size_t i = 0; i < n; i++)
        json_array_set_new(arr, i, order[i]->item);
    free(order);
}

/* Sorts a JSON array in place by the keys fill gives each item. */
static void sort_array(const struct content *c, json_t *arr,
                       void (*fill)(const struct content *, json_t *, struct sort_key *))
{
    size_t n = json_array_size(arr);
    if (n < 2)
        return;
    struct sort_key *keys = xmalloc(n * sizeof *keys);
    for (size_t i = 0; i < n; i++)
        fill(c, json_array_get(arr, i), &keys[i]);
    sort_keys(arr, keys, n);
    free(keys);
}

/* Drops the items missing a required key (their errors are reported), and
 * remembers their slugs so links to them are not reported as broken too. */
static void keep_complete(struct content *c, json_t *arr, const struct ys_key *spec,
                          const char *kind)
{
    for (size_t i = json_array_size(arr); i-- > 0;) {
        json_t *o = json_array_get(arr, i);
        if (json_is_integer(o) || json_object_get(o, "reused")) /* a stand-in was whole */
            continue;
        for (const struct ys_key *k = spec; k->name; k++)
            if (k->required && !json_object_get(o, k->name)) {
                json_t *slug = json_object_get(o, "slug");
                if (kind && slug)
                    json_array_append_new(c->left_out,
                                          json_pack("{s:s, s:O}", "kind", kind, "slug", slug));
                json_array_remove(arr, i);
                break;
            }
    }
}

/* A field whose id an earlier field has (an error, said at the field) is
 * left out: the form shows the first, not two inputs of one id. */
static void drop_repeated_fields(json_t *fields)
{
    json_t *seen = json_object();
    for (size_t i = 0; i < json_array_size(fields);) {
        const char *id = json_string_value(json_object_get(json_array_get(fields, i), "id"));
        if (id && json_object_get(seen, id)) {
            json_array_remove(fields, i);
            continue;
        }
        if (id)
            json_object_set_new(seen, id, json_true());
        i++;
    }
    json_decref(seen);
}

/* Groups FAQ entries into categories, returned in display order: by their
 * smallest "order", then by name. Gives each entry its category_slug, and
 * sorts the entries by their category's place, order, question and slug. */
static json_t *faq_categories(json_t *faq)
{
    size_t n = json_array_size(faq), i;
    json_t *cats = json_array(), *byname = json_object(), *q;
    json_t **cat_of = xmalloc((n ? n : 1) * sizeof *cat_of);
    struct sort_key *keys = xmalloc((n ? n : 1) * sizeof *keys);
    json_array_foreach (faq, i, q) {
        const char *name = json_string_value(json_object_get(q, "category"));
        json_t *cat = json_object_get(byname, name);
        if (!cat) {
            char *slug = content_slugify(name);
            cat = json_pack("{s:s, s:s+}", "name", name, "slug", "topic-", slug);
            free(slug);
            json_object_set_new(byname, name, cat);
            json_array_append(cats, cat);
        }
        json_int_t order = order_of(q);
        if (order < order_of(cat))
            json_object_set_new(cat, "order", json_integer(order));
        cat_of[i] = cat;
        keys[i] = (struct sort_key){q, 0, order, str_of(q, "question"), str_of(q, "slug")};
    }
    sort_array(NULL, cats, key_category);
    json_array_foreach (cats, i, q) {
        json_object_set_new(q, "rank", json_integer((json_int_t)i));
        json_object_del(q, "order");
    }
    json_array_foreach (faq, i, q) {
        json_object_set(q, "category_slug", json_object_get(cat_of[i], "slug"));
        keys[i].a = json_integer_value(json_object_get(cat_of[i], "rank"));
    }
    sort_keys(faq, keys, n);
    free(keys);
    free(cat_of);
    json_decref(byname);
    return cats;
}

static const char *const reserved_pages[] = {"faq",    "confidentiality", "supporters", "request",
                                             "search", "assets",          "404",        NULL};

/* Warns of a folder of the content that holds Markdown files but is not
 * one the site is read from: a renamed faq/ would otherwise leave the FAQ
 * page empty without a word. Other folders (keys/, a program's own notes
 * in other formats) are left alone. */
static void warn_unread_folders(struct content *c, struct diag *d)
{
    static const char *const read[] = {"faq", "supporters", "pages", "keys", NULL};
    char **names = tree_list(c->tree, c->dir, NULL);
    for (char **n = names; n && *n; n++) {
        bool known = **n == '.';
        for (const char *const *r = read; *r && !known; r++)
            known = !strcmp(*n, *r);
        char *sub = join(c->dir, *n);
        char **inside =
            known || tree_kind(c->tree, sub) != TREE_DIR ? NULL : tree_list(c->tree, sub, NULL);
        bool markdown = false;
        for (char **m = inside; m && *m && !markdown; m++)
            markdown = ends_with(*m, ".md");
        if (markdown) {
            char *faq = join(c->dir, "faq");
            bool no_faq = tree_kind(c->tree, faq) != TREE_DIR;
            diag_warn(d, sub, 0, 0,
                      "not read: pages are made from the Markdown files in faq/, supporters/ and "
                      "pages/ only (move these into one of them)%s",
                      no_faq ? "; there is no faq/ folder, so the FAQ page has no questions" : "");
            free(faq);
        }
        tree_list_free(inside);
        free(sub);
    }
    tree_list_free(names);
}

static void check_pages(struct content *c, struct diag *d)
{
    bool home = false;
    size_t i;
    json_t *p;
    json_array_foreach (c->pages, i, p) {
        const char *slug = json_string_value(json_object_get(p, "slug"));
        if (!strcmp(slug, "index"))
            home = true;
        for (size_t j = 0; reserved_pages[j]; j++)
            if (!strcmp(slug, reserved_pages[j]))
                diag_error(d, json_string_value(json_object_get(p, "path")), 1, 1,
                           "the page slug \"%s\" is reserved for a generated page", slug);
    }
    if (!home) {
        char *path = join(c->dir, "pages/index.md");
        diag_error(d, path, 0, 0, "missing: the home page");
        free(path);
    }
}

/* 1 when data starts as a JPEG, a PNG or a WebP image does. */
static bool is_image(const char *data, size_t len)
{
    const unsigned char *u = (const unsigned char *)data;
    return (len >= 3 && u[0] == 0xFF && u[1] == 0xD8 && u[2] == 0xFF) ||
           (len >= 8 && !memcmp(u, "\x89PNG\r\n\x1a\n", 8)) ||
           (len >= 12 && !memcmp(u, "RIFF", 4) && !memcmp(u + 8, "WEBP", 4));
}

/* 1 for a plain file name with an image's extension. */
static bool photo_name(const char *name)
{
    const char *ext = strrchr(name, '.');
    return !strchr(name, '/') && name[0] != '.' && ext &&
           (!strcasecmp(ext, ".jpg") || !strcasecmp(ext, ".jpeg") || !strcasecmp(ext, ".png") ||
            !strcasecmp(ext, ".webp"));
}

/* 1 when two file names are the same but for their extensions. */
static bool same_stem(const char *a, const char *b)
{
    size_t la = (size_t)(strrchr(a, '.') - a), lb = (size_t)(strrchr(b, '.') - b);
    return la == lb && !strncasecmp(a, b, la);
}

/* The photo next to the supporters' files that a missing one's name may
 * have meant, or NULL: one that differs only in capitals (a camera's
 * IMG_001.JPG named img_001.jpg, which the web server would not find
 * either), else only in its extension (*capitals: which it was). A name a
 * letter or two away is not offered: it is as likely another supporter's
 * photo, and following the suggestion would show their face. */
static const char *near_photo(char *const *names, const char *photo, bool *capitals)
{
    const char *other_extension = NULL;
    for (size_t i = 0; names && names[i]; i++) {
        if (!strcasecmp(names[i], photo)) {
            *capitals = true;
            return names[i];
        }
        if (!other_extension && photo_name(names[i]) && same_stem(names[i], photo))
            other_extension = names[i];
    }
    *capitals = false;
    return other_extension;
}

/* A supporter's photo: a plain file name with an image extension, next to
 * the supporter's file, and an image indeed; reported at its photo: line. */
static void check_photo(struct ys_loader *L, yaml_node_t *n, json_t *v)
{
    const struct content *c = L->ctx;
    const char *photo = json_string_value(v);
    if (!photo_name(photo)) {
        diag_error(L->d, YS_AT(L, n),
                   "photo \"%s\" must be a .jpg, .jpeg, .png or .webp file next to this file",
                   photo);
        return;
    }
    char *full = xasprintf("%s/supporters/%s", c->dir, photo);
    if (tree_kind(c->tree, full) == TREE_FILE) {
        static const char lfs[] = "version https://git-lfs.github.com/spec/";
        char *data = NULL;
        size_t len = 0;
        struct diag unread = DIAG_INIT; /* the copy says why, if it cannot read it either */
        if (tree_read(c->tree, full, 16u << 20, &data, &len, &unread) == 0 && !is_image(data, len))
            diag_error(L->d, YS_AT(L, n),
                       len >= sizeof lfs - 1 && !memcmp(data, lfs, sizeof lfs - 1)
                           ? "photo \"%s\" is a Git LFS pointer, not the image itself (run git "
                             "lfs pull first)"
                           : "photo \"%s\" is not a JPEG, PNG or WebP image (save or export it "
                             "again as one of those)",
                       photo);
        free(data);
        diag_free(&unread);
    } else {
        char *dir = xasprintf("%s/supporters", c->dir);
        char **names = tree_list(c->tree, dir, NULL);
        bool capitals;
        const char *near = near_photo(names, photo, &capitals);
        if (near)
            diag_error(L->d, YS_AT(L, n),
                       "photo \"%s\" not found next to this file (did you mean \"%s\"?%s)", photo,
                       near, capitals ? " capitals count" : "");
        else
            diag_error(L->d, YS_AT(L, n), "photo \"%s\" not found next to this file", photo);
        tree_list_free(names);
        free(dir);
    }
    free(full);
}

/* Where each valid photo is read from when the site is built. */
static void find_photos(struct content *c)
{
    size_t i;
    json_t *s;
    json_array_foreach (c->supporters, i, s) {
        const char *photo = json_string_value(json_object_get(s, "photo"));
        if (!photo || strchr(photo, '/') || photo[0] == '.')
            continue;
        char *full = xasprintf("%s/supporters/%s", c->dir, photo);
        if (tree_kind(c->tree, full) == TREE_FILE)
            json_object_set_new(s, "photo_path", json_string(full));
        free(full);
    }
}

/* The request page must always leave the requester a way to reach the
 * program: without submit_url the sealed text is emailed to contact.email,
 * and where the browser cannot seal the page gives contact.phone or
 * contact.email instead. Reported at site.yml, naming the key to set. */
static void check_ways_out(json_t *site, const char *path, struct diag *d)
{
    json_t *contact = json_object_get(site, "contact");
    bool email = json_string_length(json_object_get(contact, "email")) > 0;
    bool phone = json_string_length(json_object_get(contact, "phone")) > 0;
    if (!email && !json_object_get(site, "submit_url"))
        diag_error(d, path, 0, 0,
                   "contact.email: missing, and there is no submit_url: the request page would "
                   "have nowhere to send sealed requests (set contact.email, or submit_url for a "
                   "drop box)");
    if (!email && !phone)
        diag_error(d, path, 0, 0,
                   "contact: neither phone nor email: the request page would have nowhere to send "
                   "people when it cannot take a request (set contact.phone or contact.email)");
}

static void request_defaults(json_t *request)
{
    json_t *fields = json_object_get(request, "fields");
    set_default(request, "intro", json_string(""));
    size_t i;
    json_t *f;
    json_array_foreach (fields, i, f) {
        const char *type = json_string_value(json_object_get(f, "type"));
        set_default(f, "required", json_false());
        set_default(f, "help", json_string(""));
        set_default(f, "max", json_integer(formspec_default_max(type)));
        set_default(f, "options", json_array());
    }
}

char *content_theme_setting(struct tree *t, const char *dir)
{
    struct content c;
    struct diag ignore = DIAG_INIT;
    char *path = join(dir, "site.yml"), *text = NULL, *setting = NULL;
    size_t len;
    memset(&c, 0, sizeof c);
    c.tree = t;
    if (tree_read(t, path, MAX_CONTENT_FILE, &text, &len, &ignore) == 0) {
        json_t *site = ys_load(path, text, len, 1, site_keys, "site.yml", &c, NULL, &ignore);
        const char *v = json_string_value(json_object_get(site, "theme"));
        setting = v ? xstrdup(v) : NULL;
        json_decref(site);
    }
    diag_free(&ignore);
    free(text);
    free(path);
    return setting;
}

int content_load(struct tree *t, const char *dir, struct content *c, struct diag *d)
{
    return content_load_jobs(t, dir, 1, c, d);
}

int content_load_jobs(struct tree *t, const char *dir, int jobs, struct content *c, struct diag *d)
{
    return content_load_reusing(t, dir, jobs, NULL, c, d);
}

int content_dir_check(struct tree *t, const char *dir, struct diag *d)
{
    if (tree_kind(t, dir) != TREE_DIR) {
        /* Run from inside the content folder, by the default's name. */
        struct stat st;
        if (!strcmp(dir, "content") && stat("site.yml", &st) == 0 && S_ISREG(st.st_mode))
            diag_error(d, dir, 0, 0,
                       "content directory not found: this folder holds site.yml, so it is the "
                       "content folder itself; run peersite from the folder above it (cd ..), or "
                       "give --content .");
        else
            diag_error(d, dir, 0, 0, CONTENT_NOT_FOUND);
        return -1;
    }
    char *path = join(dir, "site.yml");
    /* The repository `peersite new` made, named in place of its content
     * folder: one message that says so, not one for every file missing. */
    char *inner = join(dir, "content/site.yml");
    bool one_down = tree_kind(t, path) == TREE_NONE && tree_kind(t, inner) == TREE_FILE;
    free(inner);
    free(path);
    if (!one_down)
        return 0;
    if (!strcmp(dir, "."))
        diag_error(d, dir, 0, 0,
                   "no site.yml here, but its content folder has one: leave out --content "
                   "(content is its default)");
    else
        diag_error(d, dir, 0, 0,
                   "no site.yml here, but its content folder has one: give --content "
                   "%s/content, or run peersite from %s without it",
                   dir, dir);
    return -1;
}

int content_load_reusing(struct tree *t, const char *dir, int jobs,
                         const struct content_reuse *reuse, struct content *c, struct diag *d)
{
    size_t before = d->nerrors;
    memset(c, 0, sizeof *c);
    c->jobs = jobs;
    c->reuse = reuse;
    c->tree = t;
    c->dir = xstrdup(dir);
    c->left_out = json_array();
    if (content_dir_check(t, dir, d) < 0)
        return -1;
    char *path = join(dir, "site.yml");
    c->site = load_yml(c, path, site_keys, "site.yml", d);
    if (c->site) {
        site_defaults(c->site);
        check_ways_out(c->site, path, d);
    }
    free(path);

    c->pages = load_collection(c, "pages", page_keys, "a page", "page", true, d);
    keep_complete(c, c->pages, page_keys, "page");
    sort_array(c, c->pages, key_slug);
    check_pages(c, d);
    warn_unread_folders(c, d);

    /* The FAQ and the supporters are read in one pass, each said and made
     * an array in its place. */
    struct collection_load faq, supporters;
    open_collection(c, &faq, "faq", faq_keys, "a FAQ entry", "faq", false);
    open_collection(c, &supporters, "supporters", supporter_keys, "a supporter", "supporter",
                    false);
    struct collection_load *both[] = {&faq, &supporters};
    read_collections(c, both, 2);
    c->faq = finish_collection(c, &faq, d);
    keep_complete(c, c->faq, faq_keys, "faq");
    c->categories = faq_categories(c->faq);

    path = join(dir, "confidentiality.md");
    c->confidentiality = load_md(c, path, confidentiality_keys, "confidentiality.md", d);
    free(path);
    keep_complete(c, json_object_get(c->confidentiality, "who_knows"), who_knows_keys, NULL);
    keep_complete(c, json_object_get(c->confidentiality, "limits"), limit_keys, NULL);

    c->supporters = finish_collection(c, &supporters, d);
    c->stand_ins = supporters.stand_ins;
    c->nstand_ins = supporters.stand_ins ? supporters.n : 0;
    keep_complete(c, c->supporters, supporter_keys, "supporter");
    find_photos(c);
    size_t i;
    json_t *s;
    json_array_foreach (c->supporters, i, s) {
        if (json_is_integer(s)) /* a stand-in: as it was */
            continue;
        set_default(s, "accepting", json_true());
        if (!json_object_get(s, "languages")) /* not made for each only to be dropped */
            json_object_set_new(s, "languages", json_array());
    }
    sort_array(c, c->supporters, key_name);

    path = join(dir, "request.yml");
    c->request = json_object(); /* holds the field-id set while loading */
    json_object_set_new(c->request, "\x01ids", json_object());
    json_t *req = load_yml(c, path, request_keys, "request.yml", d);
    free(path);
    json_decref(c->request);
    c->request = req;
    if (req) {
        keep_complete(c, json_object_get(req, "fields"), field_keys, NULL);
        drop_repeated_fields(json_object_get(req, "fields"));
        request_defaults(req);
    }

    path = join(dir, "keys/admin.pub");
    if (tree_kind(t, path) == TREE_FILE)
        c->pubkey_path = path;
    else
        free(path);
    return d->nerrors > before ? -1 : 0;
}

int content_supporter_order(const char *name_a, const char *slug_a, const char *name_b,
                            const char *slug_b)
{
    int c = strcmp(name_a, name_b);
    return c ? c : strcmp(slug_a, slug_b);
}

int content_renderable(const struct content *c)
{
    static const char *const site_needs[] = {"name", "base_url", NULL};
    static const char *const conf_needs[] = {"title", "who_knows", "limits", NULL};
    static const char *const request_needs[] = {"title", "fields", NULL};
    if (!c->site || !c->pages || !c->faq || !c->supporters || !c->confidentiality || !c->request)
        return 0;
    for (size_t i = 0; site_needs[i]; i++)
        if (!json_is_string(json_object_get(c->site, site_needs[i])))
            return 0;
    for (size_t i = 0; conf_needs[i]; i++)
        if (!json_object_get(c->confidentiality, conf_needs[i]))
            return 0;
    for (size_t i = 0; request_needs[i]; i++)
        if (!json_object_get(c->request, request_needs[i]))
            return 0;
    return 1;
}

void content_free(struct content *c)
{
    free(c->dir);
    json_decref(c->site);
    json_decref(c->pages);
    json_decref(c->faq);
    json_decref(c->categories);
    json_decref(c->confidentiality);
    json_decref(c->supporters);
    for (size_t i = 0; i < c->nstand_ins; i++) {
        free(c->stand_ins[i].languages);
        free(c->stand_ins[i].slug);
        free(c->stand_ins[i].path);
    }
    free(c->stand_ins);
    json_decref(c->request);
    json_decref(c->left_out);
    free(c->pubkey_path);
    for (size_t i = 0; i < c->nsources; i++) {
        free(c->sources[i].path);
        free(c->sources[i].body);
    }
    free(c->sources);
    memset(c, 0, sizeof *c);
}

const struct content_stand_in *content_stand_in_of(const struct content *c, json_t *item)
{
    if (!json_is_integer(item))
        return NULL;
    json_int_t at = json_integer_value(item);
    return c && at >= 0 && (size_t)at < c->nstand_ins ? &c->stand_ins[at] : NULL;
}

const char *content_item_slug(const struct content *c, json_t *item)
{
    const struct content_stand_in *si = content_stand_in_of(c, item);
    return si ? si->slug : str_of(item, "slug");
}

const char *content_item_path(const struct content *c, json_t *item)
{
    const struct content_stand_in *si = content_stand_in_of(c, item);
    return si ? si->path : str_of(item, "path");
}

const char *content_supporter_name(const struct content *c, json_t *s)
{
    const struct content_stand_in *si = content_stand_in_of(c, s);
    return si ? si->name : str_of(s, "name");
}

bool content_supporter_accepting(const struct content *c, json_t *s)
{
    const struct content_stand_in *si = content_stand_in_of(c, s);
    return si ? si->accepting : json_is_true(json_object_get(s, "accepting"));
}

size_t content_supporter_nlanguages(const struct content *c, json_t *s)
{
    const struct content_stand_in *si = content_stand_in_of(c, s);
    return si ? si->nlanguages : json_array_size(json_object_get(s, "languages"));
}

const char *content_supporter_language(const struct content *c, json_t *s, size_t i)
{
    const struct content_stand_in *si = content_stand_in_of(c, s);
    if (si)
        return i < si->nlanguages ? si->languages[i] : NULL;
    return json_string_value(json_array_get(json_object_get(s, "languages"), i));
}

const char *content_role_label(const struct content *c, const char *id)
{
    size_t i;
    json_t *r;
    json_array_foreach (json_object_get(c->site, "roles"), i, r) {
        if (!strcmp(json_string_value(json_object_get(r, "id")), id))
            return json_string_value(json_object_get(r, "label"));
    }
    return id;
}
