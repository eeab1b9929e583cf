#include "sitedata.h"

#include <stdlib.h>
#include <string.h>

#include "fsutil.h"
#include "xalloc.h"

#define SITEDATA_MAX (4u << 20)

static json_t *load_json(const char *dir, const char *name, char **text, size_t *len,
                         struct diag *d)
{
    char *path = xasprintf("%s/%s", dir, name);
    json_error_t err;
    json_t *doc = NULL;
    if (fs_read_file(path, SITEDATA_MAX, text, len, d) == 0) {
        doc = json_loadb(*text, *len, JSON_REJECT_DUPLICATES, &err);
        if (!doc)
            diag_error(d, path, err.line, err.column, "not valid JSON: %s", err.text);
        else if (!json_is_object(doc) || json_integer_value(json_object_get(doc, "version")) != 1) {
            diag_error(d, path, 0, 0, "not a version 1 %s (build the site with peersite)", name);
            json_decref(doc);
            doc = NULL;
        }
    }
    free(path);
    return doc;
}

static int is_str(json_t *o, const char *key)
{
    return json_is_string(json_object_get(o, key));
}

/* Every supporter has a slug, a name, a role among roles, a department and a
 * list of modalities; roles are {id, label}. */
static int check_supporters(const char *dir, json_t *doc, struct diag *d)
{
    json_t *roles = json_object_get(doc, "roles"), *list = json_object_get(doc, "supporters"), *x;
    size_t i, before = d->nerrors;
    char *path = xasprintf("%s/supporters.json", dir);
    if (!json_is_array(roles) || !json_is_array(list)) {
        diag_error(d, path, 0, 0, "needs a roles list and a supporters list");
        goto out;
    }
    json_array_foreach (roles, i, x)
        if (!is_str(x, "id") || !is_str(x, "label"))
            diag_error(d, path, 0, 0, "roles[%zu]: needs an id and a label", i);
    json_array_foreach (list, i, x) {
        if (!is_str(x, "slug") || !is_str(x, "name") || !is_str(x, "role") ||
            !json_is_array(json_object_get(x, "modalities")))
            diag_error(d, path, 0, 0, "supporters[%zu]: needs slug, name, role and modalities", i);
        json_t *dep = json_object_get(x, "department"), *langs = json_object_get(x, "languages");
        if ((dep && !json_is_string(dep)) || (langs && !json_is_array(langs)))
            diag_error(d, path, 0, 0, "supporters[%zu]: department or languages malformed", i);
    }
out:
    free(path);
    return d->nerrors > before ? -1 : 0;
}

int sitedata_load(const char *dir, struct sitedata *sd, struct diag *d)
{
    char *t1 = NULL, *t2 = NULL;
    size_t l1, l2;
    memset(sd, 0, sizeof *sd);
    sd->dir = xstrdup(dir);
    sd->supporters = load_json(dir, "supporters.json", &t1, &l1, d);
    sd->schema = load_json(dir, "request-schema.json", &t2, &l2, d);
    free(t1);
    free(t2);
    if (!sd->supporters || !sd->schema || check_supporters(dir, sd->supporters, d) < 0)
        goto fail;
    if (!json_is_array(json_object_get(sd->schema, "fields"))) {
        diag_error(d, dir, 0, 0, "request-schema.json has no fields");
        goto fail;
    }
    json_t *within = json_object_get(sd->schema, "response_within");
    if (within) {
        if (promise_parse(json_string_value(within), &sd->promise) < 0) {
            diag_error(d, dir, 0, 0, "request-schema.json: response_within is not a promise");
            goto fail;
        }
        sd->has_promise = 1;
    }
    return 0;
fail:
    sitedata_free(sd);
    return -1;
}

void sitedata_free(struct sitedata *sd)
{
    json_decref(sd->supporters);
    json_decref(sd->schema);
    free(sd->dir);
    memset(sd, 0, sizeof *sd);
}

json_t *sitedata_roles(const struct sitedata *sd)
{
    return json_object_get(sd->supporters, "roles");
}

json_t *sitedata_options(const struct sitedata *sd, const char *field)
{
    size_t i;
    json_t *f;
    json_array_foreach (json_object_get(sd->schema, "fields"), i, f)
        if (!strcmp(json_string_value(json_object_get(f, "id")) ?: "", field))
            return json_object_get(f, "options");
    return NULL;
}

static const char *label_in(json_t *list, const char *key, const char *value)
{
    size_t i;
    json_t *o;
    json_array_foreach (list, i, o)
        if (!strcmp(json_string_value(json_object_get(o, key)) ?: "", value))
            return json_string_value(json_object_get(o, "label"));
    return NULL;
}

const char *sitedata_label(const struct sitedata *sd, const char *field, const char *value)
{
    if (!value || !sd->supporters)
        return NULL;
    const char *l = NULL;
    if (!strcmp(field, "role"))
        l = label_in(sitedata_roles(sd), "id", value);
    return l ? l : label_in(sitedata_options(sd, field), "value", value);
}

int sitedata_copy(const char *site_dir, const char *dest, struct diag *d)
{
    struct sitedata sd;
    static const char *const names[] = {"supporters.json", "request-schema.json", NULL};
    int rc = -1;
    if (sitedata_load(site_dir, &sd, d) < 0)
        return -1;
    sitedata_free(&sd);
    if (fs_mkdirs(dest, 0700, d) < 0)
        return -1;
    for (size_t i = 0; names[i]; i++) {
        char *from = xasprintf("%s/%s", site_dir, names[i]),
             *to = xasprintf("%s/%s", dest, names[i]);
        char *text = NULL;
        size_t len;
        int ok = fs_read_file(from, SITEDATA_MAX, &text, &len, d) == 0 &&
                 fs_write_atomic(to, text, len, 0600, d) == 0;
        free(text);
        free(from);
        free(to);
        if (!ok)
            goto out;
    }
    rc = 0;
out:
    return rc;
}
