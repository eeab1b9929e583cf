#include "assets.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fsutil.h"
#include "xalloc.h"

#define MAX_ASSET (16u << 20)

void assets_integrity(const void *data, size_t len, char *out, size_t outlen)
{
    unsigned char h[crypto_hash_sha256_BYTES];
    char b64[sodium_base64_ENCODED_LEN(crypto_hash_sha256_BYTES, sodium_base64_VARIANT_ORIGINAL)];
    crypto_hash_sha256(h, data, len);
    sodium_bin2base64(b64, sizeof b64, h, sizeof h, sodium_base64_VARIANT_ORIGINAL);
    snprintf(out, outlen, "sha256-%s", b64);
}

json_t *assets_copy_file(struct tree *t, const char *src, const char *name, struct outdir *out,
                         struct linkcheck *lc, struct diag *d)
{
    char *data = NULL;
    size_t len;
    if (tree_read(t, src, MAX_ASSET, &data, &len, d) < 0)
        return NULL;
    json_t *res = assets_add(name, data, len, out, lc, d);
    free(data);
    return res;
}

json_t *assets_add(const char *name, const void *data, size_t len, struct outdir *out,
                   struct linkcheck *lc, struct diag *d)
{
    char *rel = NULL;
    json_t *res = NULL;
    unsigned char h[crypto_generichash_BYTES];
    char hex[2 * crypto_generichash_BYTES + 1], integrity[80];
    crypto_generichash(h, sizeof h, (const unsigned char *)data, len, NULL, 0);
    sodium_bin2hex(hex, sizeof hex, h, sizeof h);
    hex[10] = '\0';
    const char *dot = strrchr(name, '.');
    int stem = dot && dot != name ? (int)(dot - name) : (int)strlen(name);
    rel = xasprintf("assets/%.*s.%s%s", stem, name, hex, dot && dot != name ? dot : "");
    if (outdir_write(out, rel, data, len, d) < 0)
        goto out;
    if (lc)
        linkcheck_add_file(lc, rel);
    assets_integrity(data, len, integrity, sizeof integrity);
    res = json_pack("{s:s, s:s}", "path", rel, "integrity", integrity);
out:
    free(rel);
    return res;
}

/* Copies the regular files of src_dir/sub (sorted) and, one level at a
 * time, its subdirectories ("vendor/" holds third-party code with its
 * licence); keys name the path with '/', '.' and '-' as '_'. */
static int copy_dir(struct tree *t, const char *src_dir, const char *sub, struct outdir *out,
                    struct linkcheck *lc, json_t *all, struct diag *d)
{
    int rc = -1;
    char *src_sub = xasprintf("%s%s%s", src_dir, *sub ? "/" : "", sub);
    char **names = tree_list(t, src_sub, d);
    if (!names)
        goto out;
    rc = 0;
    for (size_t i = 0; names[i] && rc == 0; i++) {
        char *src = xasprintf("%s/%s", src_sub, names[i]);
        char *name = xasprintf("%s%s%s", sub, *sub ? "/" : "", names[i]);
        enum tree_kind kind = tree_kind(t, src);
        if (kind == TREE_FILE) {
            json_t *one = assets_copy_file(t, src, name, out, lc, d);
            if (one) {
                char *key = xstrdup(name);
                for (char *p = key; *p; p++)
                    if (*p == '.' || *p == '-' || *p == '/')
                        *p = '_';
                json_object_set_new(all, key, one);
                free(key);
            }
        } else if (kind == TREE_DIR && !*sub) {
            rc = copy_dir(t, src_dir, names[i], out, lc, all, d);
        } else {
            diag_warn(d, src, 0, 0, "skipped: not a regular file");
        }
        free(src);
        free(name);
    }
out:
    tree_list_free(names);
    free(src_sub);
    return rc;
}

json_t *assets_copy(struct tree *t, const char *src_dir, struct outdir *out, struct linkcheck *lc,
                    struct diag *d)
{
    if (tree_kind(t, src_dir) != TREE_DIR) {
        diag_error(d, src_dir, 0, 0, "theme assets directory not found");
        return NULL;
    }
    json_t *all = json_object();
    if (copy_dir(t, src_dir, "", out, lc, all, d) < 0) {
        json_decref(all);
        return NULL;
    }
    return all;
}
