#include "formspec.h"

#include <sodium.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fsutil.h"

struct formspec {
    json_t *root;
    char hash[65];
};

static const char *const types[] = {"text",  "email",    "tel",        "textarea", "select",
                                    "radio", "checkbox", "checkboxes", NULL};

int formspec_id_valid(const char *id)
{
    size_t n = strlen(id);
    if (n == 0 || n > 64)
        return 0;
    for (; *id; id++)
        if (!((*id >= 'a' && *id <= 'z') || (*id >= 'A' && *id <= 'Z') ||
              (*id >= '0' && *id <= '9') || *id == '-' || *id == '_' || *id == '.'))
            return 0;
    return 1;
}

int formspec_type_known(const char *t)
{
    for (size_t i = 0; types[i]; i++)
        if (!strcmp(types[i], t))
            return 1;
    return 0;
}

int formspec_type_is_choice(const char *t)
{
    return !strcmp(t, "select") || !strcmp(t, "radio") || !strcmp(t, "checkboxes");
}

const char *formspec_type_list(void)
{
    return "text, email, tel, textarea, select, radio, checkbox or checkboxes";
}

long formspec_default_max(const char *type)
{
    return type && !strcmp(type, "textarea") ? 4000 : 200;
}

json_t *formspec_schema_new(json_t *request, json_t *response_time, json_t *kiosk_idle)
{
    json_t *one_of = json_object_get(request, "require_one_of");
    json_t *fields = json_array(), *f;
    size_t i;
    json_array_foreach (json_object_get(request, "fields"), i, f) {
        json_t *opts = json_array(), *o;
        size_t j;
        json_array_foreach (json_object_get(f, "options"), j, o) {
            json_array_append_new(opts,
                                  json_pack("{s:O, s:O}", "value", json_object_get(o, "value"),
                                            "label", json_object_get(o, "label")));
        }
        json_array_append_new(fields, json_pack("{s:O, s:O, s:O, s:O, s:O, s:O, s:o}", "id",
                                                json_object_get(f, "id"), "label",
                                                json_object_get(f, "label"), "type",
                                                json_object_get(f, "type"), "required",
                                                json_object_get(f, "required"), "help",
                                                json_object_get(f, "help"), "max",
                                                json_object_get(f, "max"), "options", opts));
    }
    /* Written only when the form has it, so the schema (and its hash) of a
     * form without it stays as it was. */
    return json_pack("{s:i, s:O, s:O, s:O*, s:O*, s:o, s:O*}", "version", 1, "title",
                     json_object_get(request, "title"), "intro", json_object_get(request, "intro"),
                     "response_time", response_time, "kiosk_idle", kiosk_idle, "fields", fields,
                     "require_one_of", json_array_size(one_of) ? one_of : NULL);
}

/* The field of fields with this id, or NULL. */
static json_t *field_by_id(json_t *fields, const char *id)
{
    size_t i;
    json_t *f;
    json_array_foreach (fields, i, f) {
        if (!strcmp(json_string_value(json_object_get(f, "id")), id))
            return f;
    }
    return NULL;
}

/* require_one_of, when present: a non-empty list of distinct ids of the
 * form's fields. */
static int check_one_of(json_t *root, const char *path, struct diag *d)
{
    json_t *one_of = json_object_get(root, "require_one_of"), *id;
    if (!one_of)
        return 0;
    size_t i;
    if (!json_is_array(one_of) || json_array_size(one_of) == 0) {
        diag_error(d, path, 0, 0, "require_one_of is not a list of field ids");
        return -1;
    }
    json_array_foreach (one_of, i, id) {
        if (!json_is_string(id) ||
            !field_by_id(json_object_get(root, "fields"), json_string_value(id))) {
            diag_error(d, path, 0, 0, "require_one_of: item %zu is not a field of the form", i + 1);
            return -1;
        }
    }
    return 0;
}

int formspec_load(const char *site_dir, struct formspec **out, struct diag *d)
{
    char *path = NULL, *text = NULL;
    size_t len;
    json_error_t err;
    struct formspec *s = calloc(1, sizeof *s);
    if (!s || asprintf(&path, "%s/request-schema.json", site_dir) < 0)
        abort();
    if (fs_read_file(path, 1u << 20, &text, &len, d) < 0)
        goto fail;
    s->root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &err);
    if (!s->root) {
        diag_error(d, path, err.line, err.column, "not valid JSON: %s", err.text);
        goto fail;
    }
    unsigned char h[32];
    crypto_generichash(h, sizeof h, (unsigned char *)text, len, NULL, 0);
    sodium_bin2hex(s->hash, sizeof s->hash, h, sizeof h);
    json_t *fields = json_object_get(s->root, "fields");
    if (json_integer_value(json_object_get(s->root, "version")) != 1 || !json_is_array(fields) ||
        json_array_size(fields) == 0) {
        diag_error(d, path, 0, 0, "not a version 1 request schema with fields");
        goto fail;
    }
    size_t i;
    json_t *f;
    json_array_foreach (fields, i, f) {
        const char *id = json_string_value(json_object_get(f, "id"));
        const char *type = json_string_value(json_object_get(f, "type"));
        json_t *max = json_object_get(f, "max"), *opts = json_object_get(f, "options");
        if (!id || !formspec_id_valid(id) || !type || !formspec_type_known(type) ||
            !json_is_string(json_object_get(f, "label")) ||
            !json_is_boolean(json_object_get(f, "required")) || !json_is_integer(max) ||
            json_integer_value(max) < 1 || json_integer_value(max) > FORMSPEC_MAX_CHARS ||
            !json_is_array(opts) || (formspec_type_is_choice(type) && json_array_size(opts) == 0)) {
            diag_error(d, path, 0, 0, "field %zu (\"%s\") is malformed", i + 1, id ? id : "?");
            goto fail;
        }
        size_t j;
        json_t *o;
        json_array_foreach (opts, j, o) {
            if (!json_is_string(json_object_get(o, "value"))) {
                diag_error(d, path, 0, 0, "field \"%s\": option %zu has no value", id, j + 1);
                goto fail;
            }
        }
        for (size_t k = 0; k < i; k++)
            if (!strcmp(json_string_value(json_object_get(json_array_get(fields, k), "id")), id)) {
                diag_error(d, path, 0, 0, "field id \"%s\" appears twice", id);
                goto fail;
            }
    }
    if (check_one_of(s->root, path, d) < 0)
        goto fail;
    free(path);
    free(text);
    *out = s;
    return 0;
fail:
    free(path);
    free(text);
    formspec_free(s);
    return -1;
}

void formspec_free(struct formspec *s)
{
    if (!s)
        return;
    json_decref(s->root);
    free(s);
}

const char *formspec_hash(const struct formspec *s)
{
    return s->hash;
}

const char *formspec_response_time(const struct formspec *s)
{
    const char *t = json_string_value(json_object_get(s->root, "response_time"));
    return t ? t : "soon";
}

int formspec_idle(const struct formspec *s)
{
    json_int_t v = json_integer_value(json_object_get(s->root, "kiosk_idle"));
    return v >= 15 && v <= 86400 ? (int)v : 120;
}

json_t *formspec_fields(const struct formspec *s)
{
    return json_object_get(s->root, "fields");
}

const char *formspec_required_message(const char *type)
{
    if (!strcmp(type, "checkbox"))
        return "required: please tick this box";
    if (!strcmp(type, "checkboxes"))
        return "required: please choose at least one";
    if (!strcmp(type, "radio") || !strcmp(type, "select"))
        return "required: please choose one";
    return "required: please fill this in";
}

json_t *formspec_one_of(const struct formspec *s)
{
    return json_object_get(s->root, "require_one_of");
}

void formspec_one_of_message(json_t *fields, json_t *one_of, struct buf *out)
{
    size_t i, n = json_array_size(one_of);
    json_t *id;
    buf_puts(out, "give at least one of ");
    json_array_foreach (one_of, i, id) {
        json_t *f = field_by_id(fields, json_string_value(id));
        const char *label = f ? json_string_value(json_object_get(f, "label")) : NULL;
        if (i)
            buf_puts(out, i + 1 == n ? " or " : ", ");
        buf_puts(out, label ? label : json_string_value(id));
    }
    buf_puts(out, ", so we can reach you");
}

/* True when a value counts as given: text that is not empty, a list with
 * at least one choice. */
static bool is_given(json_t *v)
{
    return json_is_array(v) ? json_array_size(v) > 0 : json_string_length(v) > 0;
}

/* Code points in s if s is valid UTF-8 without forbidden controls, else -1.
 * jansson strings are valid UTF-8 already; controls are checked here. */
static long text_length(const char *s, size_t n, bool multiline)
{
    long count = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c == 0x7f) {
            if (!(multiline && (c == '\n' || c == '\r' || c == '\t')))
                return -1;
        }
        if ((c & 0xC0) != 0x80)
            count++;
    }
    return count;
}

static bool email_shape(const char *s)
{
    const char *at = strchr(s, '@');
    if (!at || at == s || strchr(at + 1, '@') || strchr(s, ' '))
        return false;
    const char *dot = strrchr(at + 1, '.');
    return dot && dot > at + 1 && dot[1] != '\0';
}

static bool tel_shape(const char *s)
{
    int digits = 0;
    for (; *s; s++) {
        if (*s >= '0' && *s <= '9')
            digits++;
        else if (!strchr(" +-().x", *s))
            return false;
    }
    return digits >= 3;
}

/* Compares lengths too: a value with a NUL inside ("phone\0anything") is not
 * the option "phone". */
static bool has_option(json_t *field, json_t *value)
{
    size_t i, n = json_string_length(value);
    json_t *o;
    json_array_foreach (json_object_get(field, "options"), i, o) {
        json_t *want = json_object_get(o, "value");
        if (json_string_length(want) == n &&
            !memcmp(json_string_value(want), json_string_value(value), n))
            return true;
    }
    return false;
}

/* Checks one string value of field; adds problems to d. */
static void check_text(json_t *field, const char *id, const char *type, json_t *val, struct diag *d)
{
    const char *v = json_string_value(val);
    long max = (long)json_integer_value(json_object_get(field, "max"));
    long chars = text_length(v, json_string_length(val), !strcmp(type, "textarea"));
    if (chars < 0)
        diag_error(d, id, 0, 0, "contains characters that are not allowed");
    else if (chars > max)
        diag_error(d, id, 0, 0, "too long (at most %ld characters)", max);
    else if (!strcmp(type, "email") && !email_shape(v))
        diag_error(d, id, 0, 0, "not an email address");
    else if (!strcmp(type, "tel") && !tel_shape(v))
        diag_error(d, id, 0, 0, "not a phone or pager number");
    else if ((!strcmp(type, "select") || !strcmp(type, "radio")) && !has_option(field, val))
        diag_error(d, id, 0, 0, "not one of the choices");
    else if (!strcmp(type, "checkbox") && (json_string_length(val) != 3 || strcmp(v, "yes")))
        diag_error(d, id, 0, 0, "must be \"yes\" when ticked");
}

int formspec_validate(const struct formspec *s, json_t *values, json_t **normalized, struct diag *d)
{
    size_t before = d->nerrors;
    if (!json_is_object(values)) {
        diag_error(d, "request", 0, 0, "expected an object of field values");
        return -1;
    }
    json_t *out = json_object(), *fields = formspec_fields(s);
    const char *key;
    size_t key_len;
    json_t *v;
    json_object_keylen_foreach(values, key, key_len, v)
    {
        size_t i;
        json_t *f;
        bool known = false;
        if (strlen(key) != key_len) {
            /* Named by what precedes the NUL: the rest may be anything. */
            diag_error(d, "request", 0, 0, "a field name holds a NUL character");
            continue;
        }
        json_array_foreach (fields, i, f) {
            known = known || !strcmp(json_string_value(json_object_get(f, "id")), key);
        }
        if (!known)
            diag_error(d, key, 0, 0, "not a field of this form");
    }
    size_t i;
    json_t *f;
    json_array_foreach (fields, i, f) {
        const char *id = json_string_value(json_object_get(f, "id"));
        const char *type = json_string_value(json_object_get(f, "type"));
        bool required = json_is_true(json_object_get(f, "required"));
        json_t *val = json_object_get(values, id);
        bool given = false;
        if (!strcmp(type, "checkboxes")) {
            if (val && !json_is_array(val)) {
                diag_error(d, id, 0, 0, "expected a list of choices");
                continue;
            }
            size_t j, k;
            json_t *item;
            json_array_foreach (val, j, item) {
                if (!json_is_string(item) || !has_option(f, item)) {
                    diag_error(d, id, 0, 0, "not one of the choices");
                    break;
                }
                for (k = 0; k < j; k++)
                    if (json_equal(json_array_get(val, k), item))
                        diag_error(d, id, 0, 0, "the same choice is given twice");
            }
            given = json_array_size(val) > 0;
        } else if (val) {
            if (!json_is_string(val)) {
                diag_error(d, id, 0, 0, "expected text");
                continue;
            }
            given = json_string_length(val) > 0;
            if (given)
                check_text(f, id, type, val, d);
        }
        if (!given && required)
            diag_error(d, id, 0, 0, "%s", formspec_required_message(type));
        if (given)
            json_object_set(out, id, val);
    }
    /* "At least one way to reach you": reported at the group's first field,
     * where the form shows it. */
    json_t *one_of = formspec_one_of(s), *id;
    if (json_array_size(one_of)) {
        bool any = false;
        json_array_foreach (one_of, i, id) {
            any = any || is_given(json_object_get(values, json_string_value(id)));
        }
        if (!any) {
            struct buf msg = BUF_INIT;
            formspec_one_of_message(fields, one_of, &msg);
            diag_error(d, json_string_value(json_array_get(one_of, 0)), 0, 0, "%s", msg.data);
            buf_free(&msg);
        }
    }
    if (d->nerrors > before) {
        json_decref(out);
        return -1;
    }
    *normalized = out;
    return 0;
}
