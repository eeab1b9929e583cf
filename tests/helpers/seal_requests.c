/* seal_requests: a test and benchmark helper that seals N requests through
 * the library, as the kiosk does, and writes them to a spool, a bundle or an
 * armored text file. Field values are made up to satisfy the site's form and
 * carry a marker string, so tests can grep files for plaintext.
 *
 *   seal_requests --site DIR --pubkey FILE --count N [--marker TEXT]
 *                 (--spool FILE | --bundle FILE | --armor FILE)
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bundle.h"
#include "envelope.h"
#include "formspec.h"
#include "fsutil.h"
#include "pubkey.h"
#include "secmem.h"
#include "spool.h"

/* A value of the right type for one field, within its max length. */
static json_t *value_for(json_t *field, long i, const char *marker)
{
    const char *type = json_string_value(json_object_get(field, "type"));
    const char *id = json_string_value(json_object_get(field, "id"));
    json_t *options = json_object_get(field, "options");
    json_int_t max = json_integer_value(json_object_get(field, "max"));
    char text[256];
    if (!strcmp(type, "checkbox"))
        return json_string("yes");
    if (!strcmp(type, "select") || !strcmp(type, "radio") || !strcmp(type, "checkboxes")) {
        json_t *first =
            json_object_get(json_array_get(options, (size_t)i % json_array_size(options)), "value");
        return !strcmp(type, "checkboxes") ? json_pack("[O]", first) : json_incref(first);
    }
    if (!strcmp(type, "email"))
        snprintf(text, sizeof text, "person%ld@example.org", i);
    else if (!strcmp(type, "tel"))
        snprintf(text, sizeof text, "555-%04ld", i % 10000);
    else
        snprintf(text, sizeof text, "%s %s %ld", marker, id, i);
    if (max > 0 && (json_int_t)strlen(text) > max)
        text[max] = '\0';
    return json_string(text);
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"site", required_argument, NULL, 's'},  {"pubkey", required_argument, NULL, 'p'},
        {"count", required_argument, NULL, 'n'}, {"marker", required_argument, NULL, 'm'},
        {"spool", required_argument, NULL, 'S'}, {"bundle", required_argument, NULL, 'b'},
        {"armor", required_argument, NULL, 'a'}, {NULL, 0, NULL, 0},
    };
    const char *site = NULL, *pubfile = NULL, *marker = "PLAINTEXT-MARKER";
    const char *spool_path = NULL, *bundle_path = NULL, *armor_path = NULL;
    long count = 1;
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 's': site = optarg; break;
        case 'p': pubfile = optarg; break;
        case 'n': count = strtol(optarg, NULL, 10); break;
        case 'm': marker = optarg; break;
        case 'S': spool_path = optarg; break;
        case 'b': bundle_path = optarg; break;
        case 'a': armor_path = optarg; break;
        default: return 2;
        }
    }
    if (!site || !pubfile || count < 0 || !!spool_path + !!bundle_path + !!armor_path != 1) {
        fputs("usage: seal_requests --site DIR --pubkey FILE --count N [--marker TEXT]\n"
              "                     (--spool FILE | --bundle FILE | --armor FILE)\n",
              stderr);
        return 2;
    }
    secmem_init(1);
    struct diag d = DIAG_INIT;
    struct pubkey pk;
    struct formspec *schema = NULL;
    struct spool *spool = NULL;
    struct buf out = BUF_INIT;
    int rc = 1;
    if (pubkey_load(pubfile, &pk, &d) < 0 || formspec_load(site, &schema, &d) < 0 ||
        (spool_path && spool_open(spool_path, SPOOL_CREATE, &spool, &d) < 0))
        goto done;
    if (bundle_path)
        bundle_begin(&out);
    for (long i = 0; i < count; i++) {
        json_t *values = json_object(), *fields = NULL, *f;
        size_t k;
        json_array_foreach (formspec_fields(schema), k, f) {
            json_object_set_new(values, json_string_value(json_object_get(f, "id")),
                                value_for(f, i, marker));
        }
        unsigned char *env = NULL;
        size_t len;
        char ref[16];
        int ok = formspec_validate(schema, values, &fields, &d) == 0 &&
                 envelope_seal(&pk, formspec_hash(schema), schema, "kiosk:test", fields, ref, &env,
                               &len, &d) == 0 &&
                 (!spool || spool_add(spool, env, len, &d) == 0);
        if (ok && bundle_path)
            bundle_add(&out, env, len);
        if (ok && armor_path)
            envelope_armor(env, len, &out);
        json_decref(values);
        json_decref(fields);
        free(env);
        if (!ok)
            goto done;
    }
    if (bundle_path)
        bundle_end(&out);
    if ((bundle_path && fs_write_atomic(bundle_path, out.data, out.len, 0600, &d) < 0) ||
        (armor_path &&
         fs_write_atomic(armor_path, out.data ? out.data : "", out.len, 0600, &d) < 0))
        goto done;
    rc = 0;
done:
    diag_print(&d, stderr);
    diag_free(&d);
    buf_free(&out);
    spool_close(spool);
    formspec_free(schema);
    return rc;
}
