#include "handoff.h"

#include <string.h>

#include "termsafe.h"

static void safe(struct buf *out, const char *s)
{
    termsafe_append(out, s ? s : "", s ? strlen(s) : 0, NULL);
}

/* A field's value in words: options' labels, lists joined with ", ". */
static void value(struct buf *out, const struct sitedata *sd, const char *field, json_t *v)
{
    if (json_is_string(v)) {
        const char *l = sitedata_label(sd, field, json_string_value(v));
        safe(out, l ? l : json_string_value(v));
        return;
    }
    size_t i;
    json_t *item;
    json_array_foreach (v, i, item) {
        const char *l = sitedata_label(sd, field, json_string_value(item));
        buf_puts(out, i ? ", " : "");
        safe(out, l ? l : json_string_value(item));
    }
}

static void line(struct buf *out, const struct sitedata *sd, json_t *fields, const char *field,
                 const char *label)
{
    json_t *v = json_object_get(fields, field);
    if (!v || (json_is_string(v) && !json_string_length(v)) ||
        (json_is_array(v) && !json_array_size(v)))
        return;
    buf_printf(out, "  %-20s ", label);
    value(out, sd, field, v);
    buf_putc(out, '\n');
}

/* How to talk, as the requester asked: "By phone or by video, as you
 * asked." from the form's labels; every way when they did not say. */
static void ways(struct buf *out, const struct sitedata *sd, json_t *chosen)
{
    json_t *one_way = json_is_string(chosen) ? json_pack("[O]", chosen) : NULL;
    if (one_way)
        chosen = one_way;
    size_t n = json_array_size(chosen);
    if (n == 0) {
        buf_puts(out, "In person, by phone or by video:\n  whatever suits you.");
        json_decref(one_way);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        const char *id = json_string_value(json_array_get(chosen, i));
        const char *label = sitedata_label(sd, "modality", id);
        struct buf one = BUF_INIT;
        safe(&one, label ? label : id);
        if (i > 0 && one.len && one.data[0] >= 'A' && one.data[0] <= 'Z')
            one.data[0] = (char)(one.data[0] - 'A' + 'a');
        buf_puts(out, i == 0 ? "" : i + 1 == n ? " or " : ", ");
        buf_append(out, one.data, one.len);
        buf_free(&one);
    }
    buf_puts(out, ", as you asked.");
    json_decref(one_way);
}

void handoff_note(json_t *request, json_t *supporter, const struct sitedata *sd, struct buf *out)
{
    json_t *fields = json_object_get(request, "fields");
    const char *sname = json_string_value(json_object_get(supporter, "name"));
    const char *name = json_string_value(json_object_get(fields, "name"));
    buf_puts(out, "Hand-off for ");
    safe(out, sname);
    buf_puts(out, " - request ");
    safe(out, json_string_value(json_object_get(request, "reference")));
    buf_puts(out, "\n\nHow to reach the requester\n");
    line(out, sd, fields, "name", "Name:");
    line(out, sd, fields, "email", "Email:");
    line(out, sd, fields, "phone", "Phone:");
    line(out, sd, fields, "pager", "Pager:");
    buf_puts(out, "\nPreferences\n");
    line(out, sd, fields, "modality", "Modality:");
    line(out, sd, fields, "language", "Language:");
    line(out, sd, fields, "role", "Career stage:");
    const char *referral = json_string_value(json_object_get(fields, "referral"));
    if (referral && !strcmp(referral, "colleague"))
        buf_puts(out, "  A colleague asked for this person, who agreed to be contacted.\n");
    buf_puts(out, "\nSuggested first message\n  Subject: Touching base\n\n  Hello");
    if (name && *name) {
        buf_putc(out, ' ');
        safe(out, name);
    }
    buf_puts(out, ",\n\n  I am ");
    safe(out, sname);
    buf_puts(out, ", a member of our peer support program. Our program\n"
                  "  coordinator asked me to touch base with you. Would you have some time\n"
                  "  to talk in the next few days? ");
    ways(out, sd, json_object_get(fields, "modality"));
    buf_puts(out, "\n\n  Best wishes,\n  ");
    safe(out, sname);
    buf_puts(out, "\n\nKeep this note private. It holds no details of what happened: hear them\n"
                  "from the requester, if they choose to share them.\n");
}
