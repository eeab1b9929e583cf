/* Unit tests for kiosk/keys.c and common/pubkey.c: the key files, their
 * modes, refusing to overwrite, wrong passphrases, every damaged byte and
 * every truncation of admin.key, and every edit of admin.pub. */
#include "kiosk_support.h"

#include <ctype.h>
#include <sys/stat.h>

#include "buf.h"
#include "pubkey.h"

#define PASS "correct horse battery staple"

static struct passphrase make_pass(const char *text)
{
    struct passphrase p;
    p.len = strlen(text);
    p.text = secmem_alloc(p.len + 1);
    memcpy(p.text, text, p.len + 1);
    return p;
}

static int load(const char *path, const char *pass_text, struct adminkey **k, char why[256])
{
    struct passphrase p = make_pass(pass_text);
    struct diag d = DIAG_INIT;
    *k = NULL;
    int rc = keys_load(path, &p, k, &d);
    snprintf(why, 256, "%s", diag_first(&d));
    assert_true(rc == 0 ? d.nerrors == 0 && *k : d.nerrors > 0 && !*k);
    diag_free(&d);
    passphrase_free(&p);
    return rc;
}

/* A fresh key saved into a new directory; returns the directory. */
static char *saved_key(struct adminkey **k)
{
    char *dir = scratch_dir(), *keydir = join(dir, "keys");
    struct passphrase p = make_pass(PASS);
    struct diag d = DIAG_INIT;
    *k = keys_generate();
    assert_int_equal(keys_save(keydir, *k, &p, &TEST_COST, &d), 0); /* creates keys/ */
    diag_free(&d);
    passphrase_free(&p);
    free(keydir);
    return dir;
}

static void test_save_and_load(void **state)
{
    (void)state;
    struct adminkey *k, *back;
    char why[256];
    char *dir = saved_key(&k);
    char *key = join(dir, "keys/admin.key"), *pub = join(dir, "keys/admin.pub");
    struct stat st;
    assert_int_equal(stat(key, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(st.st_size, 240);
    assert_int_equal(stat(pub, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0644);

    assert_int_equal(load(key, PASS, &back, why), 0);
    assert_memory_equal(back->box_sk, k->box_sk, 32);
    assert_memory_equal(back->sign_sk, k->sign_sk, 64);
    assert_memory_equal(back->data_key, k->data_key, 32);
    assert_string_equal(back->pub.key_id_hex, k->pub.key_id_hex);

    /* admin.pub holds the same public keys, and the secret key file does not
     * hold the secret keys in the clear. */
    struct pubkey pk;
    struct diag d = DIAG_INIT;
    assert_int_equal(pubkey_load(pub, &pk, &d), 0);
    assert_memory_equal(pk.box_pk, k->pub.box_pk, 32);
    assert_memory_equal(pk.sign_pk, k->pub.sign_pk, 32);
    assert_string_equal(pk.fingerprint, k->pub.fingerprint);
    size_t len;
    char *bytes = slurp(key, &len);
    assert_null(memmem(bytes, len, k->box_sk, 32));
    assert_null(memmem(bytes, len, k->sign_sk, 32));
    free(bytes);
    diag_free(&d);
    keys_free(k);
    keys_free(back);
    free(key);
    free(pub);
    drop_dir(dir);
}

static void test_refuses_to_overwrite(void **state)
{
    (void)state;
    struct adminkey *k, *other = keys_generate();
    char *dir = saved_key(&k), *keydir = join(dir, "keys"), *key = join(dir, "keys/admin.key");
    size_t before_len, after_len;
    char *before = slurp(key, &before_len);
    struct passphrase p = make_pass(PASS);
    struct diag d = DIAG_INIT;
    assert_int_equal(keys_save(keydir, other, &p, &TEST_COST, &d), -1);
    expect_message(&d, "already exists; refusing to overwrite it");
    char *after = slurp(key, &after_len);
    assert_int_equal(before_len, after_len);
    assert_memory_equal(before, after, before_len);
    /* Only admin.pub present (admin.key moved away): still refused. */
    char *moved = join(dir, "moved.key");
    assert_int_equal(rename(key, moved), 0);
    diag_free(&d);
    assert_int_equal(keys_save(keydir, other, &p, &TEST_COST, &d), -1);
    expect_message(&d, "admin.pub: already exists");
    assert_false(fs_exists(key));
    diag_free(&d);
    passphrase_free(&p);
    free(before);
    free(after);
    free(moved);
    free(keydir);
    free(key);
    keys_free(k);
    keys_free(other);
    drop_dir(dir);
}

static void test_wrong_passphrase_and_mode(void **state)
{
    (void)state;
    struct adminkey *k, *back;
    char why[256];
    char *dir = saved_key(&k), *key = join(dir, "keys/admin.key");
    assert_int_equal(load(key, PASS "!", &back, why), -1);
    assert_non_null(strstr(why, "wrong passphrase"));
    assert_int_equal(load(key, "", &back, why), -1);

    assert_int_equal(chmod(key, 0644), 0);
    assert_int_equal(load(key, PASS, &back, why), -1);
    assert_non_null(strstr(why, "readable by other users (mode 644)"));
    assert_non_null(strstr(why, "chmod 600"));
    assert_int_equal(chmod(key, 0640), 0);
    assert_int_equal(load(key, PASS, &back, why), -1);
    assert_int_equal(chmod(key, 0400), 0);
    assert_int_equal(load(key, PASS, &back, why), 0);
    keys_free(back);

    char *missing = join(dir, "keys/none.key");
    assert_int_equal(load(missing, PASS, &back, why), -1);
    assert_non_null(strstr(why, "cannot open the key file"));
    assert_int_equal(load(dir, PASS, &back, why), -1); /* a directory */
    /* A FIFO is refused at once, not waited on (alarm: a hang fails). */
    char *fifo = join(dir, "keys/fifo.key");
    assert_int_equal(mkfifo(fifo, 0600), 0);
    alarm(5);
    int rc = load(fifo, PASS, &back, why);
    alarm(0);
    if (rc != -1 || !strstr(why, "not a regular file"))
        fail_msg("a FIFO as the key file: expected \"not a regular file\", got rc %d: %s", rc, why);
    unlink(fifo);
    free(fifo);
    free(missing);
    free(key);
    keys_free(k);
    drop_dir(dir);
}

/* Writes bytes as the key file (mode 0600) and tries to load it. */
static int load_bytes(const char *key, const unsigned char *bytes, size_t len, char why[256])
{
    unlink(key);
    FILE *f = fopen(key, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(bytes, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
    assert_int_equal(chmod(key, 0600), 0);
    struct adminkey *k = NULL;
    int rc = load(key, PASS, &k, why);
    keys_free(k);
    return rc;
}

static void test_every_damaged_byte(void **state)
{
    (void)state;
    struct adminkey *k;
    char why[256];
    char *dir = saved_key(&k), *key = join(dir, "keys/admin.key");
    size_t len;
    unsigned char *orig = (unsigned char *)slurp(key, &len), *copy = malloc(len + 1);
    assert_int_equal(len, 240);
    for (size_t i = 0; i < len; i++) {
        memcpy(copy, orig, len);
        copy[i] ^= 0x04;
        if (load_bytes(key, copy, len, why) == 0)
            fail_msg("a changed byte %zu of the key file was not detected", i);
    }
    for (size_t cut = 0; cut < len; cut++)
        if (load_bytes(key, orig, cut, why) == 0)
            fail_msg("a key file cut to %zu bytes was accepted", cut);
    assert_non_null(strstr(why, "damaged key file: 239 bytes, expected 240"));
    memcpy(copy, orig, len);
    copy[len] = '\n';
    assert_int_equal(load_bytes(key, copy, len + 1, why), -1);
    assert_int_equal(load_bytes(key, orig, len, why), 0);
    free(orig);
    free(copy);
    free(key);
    keys_free(k);
    drop_dir(dir);
}

static void test_passphrase_file(void **state)
{
    (void)state;
    char *dir = scratch_dir(), *file = join(dir, "pass"), *crlf = join(dir, "crlf"),
         *shortp = join(dir, "short"), *empty = join(dir, "empty");
    put_file(dir, "pass", PASS "\nsecond line ignored\n", strlen(PASS) + 21);
    put_file(dir, "crlf", PASS "\r\n", strlen(PASS) + 2);
    put_file(dir, "short", "abc\n", 4);
    put_file(dir, "empty", "", 0);
    struct passphrase p;
    struct diag d = DIAG_INIT;
    /* Readable by the group: refused like such a key file, and nothing is read. */
    assert_int_equal(chmod(file, 0640), 0);
    assert_int_equal(passphrase_read(file, "admin.key", 0, &p, &d), -1);
    expect_message(&d, "readable by other users (mode 640)");
    diag_free(&d);
    assert_int_equal(chmod(file, 0604), 0);
    assert_int_equal(passphrase_read(file, "admin.key", 0, &p, &d), -1);
    diag_free(&d);
    for (size_t i = 0; i < 4; i++)
        assert_int_equal(chmod((char *[]){file, crlf, shortp, empty}[i], 0600), 0);
    assert_int_equal(passphrase_read(file, "admin.key", 0, &p, &d), 0);
    assert_string_equal(p.text, PASS);
    assert_int_equal(p.len, strlen(PASS));
    passphrase_free(&p);
    assert_int_equal(passphrase_read(crlf, "admin.key", 0, &p, &d), 0);
    assert_string_equal(p.text, PASS);
    passphrase_free(&p);
    assert_int_equal(d.nerrors, 0);
    assert_int_equal(passphrase_read(shortp, "admin.key", 0, &p, &d), -1);
    expect_message(&d, "too short");
    diag_free(&d);
    assert_int_equal(passphrase_read(empty, "admin.key", 0, &p, &d), -1);
    diag_free(&d);
    char *missing = join(dir, "missing");
    assert_int_equal(passphrase_read(missing, "admin.key", 0, &p, &d), -1);
    expect_message(&d, "missing");
    diag_free(&d);
    free(missing);
    free(file);
    free(crlf);
    free(shortp);
    free(empty);
    drop_dir(dir);
}

static int parse(const char *text, struct pubkey *pk, char why[256])
{
    struct diag d = DIAG_INIT;
    int rc = pubkey_parse(text, strlen(text), "admin.pub", pk, &d);
    snprintf(why, 256, "%s", diag_first(&d));
    assert_true(rc == 0 ? d.nerrors == 0 : d.nerrors > 0);
    diag_free(&d);
    return rc;
}

static void test_pubkey_text(void **state)
{
    (void)state;
    struct adminkey *k = keys_generate();
    struct buf text = BUF_INIT;
    pubkey_format(&k->pub, &text);
    struct pubkey pk;
    char why[256];
    assert_int_equal(parse(text.data, &pk, why), 0);
    assert_memory_equal(&pk, &k->pub, sizeof pk);
    /* The fingerprint is 8 groups of 4 hex digits a person can read aloud. */
    assert_int_equal(strlen(pk.fingerprint), 39);
    for (int i = 0; i < 39; i++)
        assert_true(i % 5 == 4 ? pk.fingerprint[i] == ' ' : isxdigit(pk.fingerprint[i]) != 0);

    /* Comments and blank lines are allowed around the fields. */
    struct buf commented = BUF_INIT;
    buf_puts(&commented, "# the administrator's key, checked by phone on 2026-11-25\n\n");
    buf_append(&commented, text.data, text.len);
    buf_puts(&commented, "\n# end\n");
    assert_int_equal(parse(commented.data, &pk, why), 0);

    /* Any other change to any byte either is refused or, where it cannot
     * matter (a line's spelling the parser does not depend on), yields the
     * very same keys: never a different key. */
    char *copy = strdup(text.data);
    int refused = 0;
    for (size_t i = 0; i < text.len; i++) {
        for (const char *c = "A0z+/ \n#"; *c; c++) {
            if (copy[i] == *c)
                continue;
            char was = copy[i];
            copy[i] = *c;
            struct pubkey got;
            if (parse(copy, &got, why) == 0) {
                if (memcmp(got.box_pk, k->pub.box_pk, 32) ||
                    memcmp(got.sign_pk, k->pub.sign_pk, 32))
                    fail_msg("byte %zu changed to '%c' gave a different key", i, *c);
            } else {
                refused++;
            }
            copy[i] = was;
        }
    }
    assert_true(refused > (int)text.len * 5);
    free(copy);

    /* Specific damage, each named with its line. */
    static const struct {
        const char *from, *to, *want;
    } edits[] = {
        {"peerkit-admin-public-key v1", "peerkit-admin-public-key v9",
         "admin.pub:1:1: not a peerkit public key"},
        {"key-id: ", "key-ID: ", "admin.pub:2:1: expected \"key-id: ...\""},
        {"fingerprint: ", "# fingerprint: ", "incomplete public key: \"fingerprint\" is missing"},
    };
    for (size_t i = 0; i < sizeof edits / sizeof edits[0]; i++) {
        struct buf e = BUF_INIT;
        const char *at = strstr(text.data, edits[i].from);
        assert_non_null(at);
        buf_append(&e, text.data, (size_t)(at - text.data));
        buf_puts(&e, edits[i].to);
        buf_puts(&e, at + strlen(edits[i].from));
        struct diag d = DIAG_INIT;
        assert_int_equal(pubkey_parse(e.data, e.len, "admin.pub", &pk, &d), -1);
        expect_message(&d, edits[i].want);
        diag_free(&d);
        buf_free(&e);
    }
    /* A box key swapped for another valid key: the key id gives it away. */
    struct adminkey *other = keys_generate();
    struct buf o = BUF_INIT, mixed = BUF_INIT;
    pubkey_format(&other->pub, &o);
    const char *box_line = strstr(text.data, "box: "), *other_box = strstr(o.data, "box: ");
    buf_append(&mixed, text.data, (size_t)(box_line - text.data));
    buf_append(&mixed, other_box, (size_t)(strchr(other_box, '\n') - other_box));
    buf_puts(&mixed, strchr(box_line, '\n'));
    assert_int_equal(parse(mixed.data, &pk, why), -1);
    assert_non_null(strstr(why, "key id does not match the box key"));
    buf_free(&o);
    buf_free(&mixed);
    buf_free(&text);
    buf_free(&commented);
    keys_free(k);
    keys_free(other);
}

int main(void)
{
    kiosk_test_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_save_and_load),
        cmocka_unit_test(test_refuses_to_overwrite),
        cmocka_unit_test(test_wrong_passphrase_and_mode),
        cmocka_unit_test(test_every_damaged_byte),
        cmocka_unit_test(test_passphrase_file),
        cmocka_unit_test(test_pubkey_text),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
