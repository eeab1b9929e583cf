#include "keys.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include "fsutil.h"
#include "secmem.h"

#define MAGIC "PKKEY\0\0\1"
#define MAGIC_LEN 8
#define SECRET_LEN (32 + 64)
#define HEADER_LEN                                                                                 \
    (MAGIC_LEN + 8 + 8 + crypto_pwhash_SALTBYTES + crypto_aead_xchacha20poly1305_ietf_NPUBBYTES +  \
     32 + 32)
#define FILE_LEN (HEADER_LEN + SECRET_LEN + crypto_aead_xchacha20poly1305_ietf_ABYTES)

static void put64(unsigned char *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static uint64_t get64(const unsigned char *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v |= (uint64_t)p[i] << (8 * i);
    return v;
}

/* The key that encrypts intake data at rest, derived from the box secret. */
static void derive_data_key(struct adminkey *k)
{
    static const unsigned char label[] = "peerkit intake data key v1";
    crypto_generichash(k->data_key, sizeof k->data_key, label, sizeof label - 1, k->box_sk,
                       sizeof k->box_sk);
}

struct adminkey *keys_generate(void)
{
    struct adminkey *k = secmem_alloc(sizeof *k);
    unsigned char box_pk[32], sign_pk[32];
    crypto_box_keypair(box_pk, k->box_sk);
    crypto_sign_keypair(sign_pk, k->sign_sk);
    pubkey_from_keys(box_pk, sign_pk, &k->pub);
    derive_data_key(k);
    return k;
}

void keys_free(struct adminkey *k)
{
    sodium_free(k); /* wipes */
}

/* Creates path exclusively and writes data durably. */
static int write_new(const char *path, const void *data, size_t len, mode_t mode, struct diag *d)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
    if (fd < 0) {
        diag_error(d, path, 0, 0,
                   errno == EEXIST ? "already exists; refusing to overwrite it"
                                   : "cannot create: %s",
                   strerror(errno));
        return -1;
    }
    const unsigned char *p = data;
    size_t left = len;
    while (left > 0) {
        ssize_t n = write(fd, p, left);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        p += n;
        left -= (size_t)n;
    }
    int rc = (left == 0 && fchmod(fd, mode) == 0 && fsync(fd) == 0) ? 0 : -1;
    if (close(fd) != 0)
        rc = -1;
    if (rc < 0) {
        diag_error(d, path, 0, 0, "write failed: %s", strerror(errno));
        unlink(path);
    }
    return rc;
}

int keys_save(const char *dir, const struct adminkey *k, const struct passphrase *pass,
              const struct keys_cost *cost, struct diag *d)
{
    char *key_path = NULL, *pub_path = NULL;
    unsigned char file[FILE_LEN];
    unsigned char *secret = secmem_alloc(SECRET_LEN), *wrap = secmem_alloc(32);
    struct buf pub = BUF_INIT;
    int rc = -1;
    if (asprintf(&key_path, "%s/admin.key", dir) < 0 ||
        asprintf(&pub_path, "%s/admin.pub", dir) < 0)
        abort();
    if (fs_mkdirs(dir, 0700, d) < 0)
        goto out;
    if (fs_exists(key_path) || fs_exists(pub_path)) {
        diag_error(d, fs_exists(key_path) ? key_path : pub_path, 0, 0,
                   "already exists; refusing to overwrite it");
        goto out;
    }
    unsigned long long ops = cost->ops;
    size_t mem = cost->mem;
    if (ops < crypto_pwhash_OPSLIMIT_MIN || ops > crypto_pwhash_OPSLIMIT_SENSITIVE ||
        mem < crypto_pwhash_MEMLIMIT_MIN || mem > crypto_pwhash_MEMLIMIT_SENSITIVE) {
        diag_error(d, key_path, 0, 0, "Argon2id limits out of range");
        goto out;
    }
    unsigned char *p = file;
    memcpy(p, MAGIC, MAGIC_LEN);
    p += MAGIC_LEN;
    put64(p, ops);
    put64(p + 8, mem);
    p += 16;
    unsigned char *salt = p;
    randombytes_buf(salt, crypto_pwhash_SALTBYTES);
    p += crypto_pwhash_SALTBYTES;
    unsigned char *nonce = p;
    randombytes_buf(nonce, crypto_aead_xchacha20poly1305_ietf_NPUBBYTES);
    p += crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
    memcpy(p, k->pub.box_pk, 32);
    memcpy(p + 32, k->pub.sign_pk, 32);
    p += 64;
    if (crypto_pwhash(wrap, 32, pass->text, pass->len, salt, ops, mem,
                      crypto_pwhash_ALG_ARGON2ID13) != 0) {
        diag_error(d, key_path, 0, 0, "not enough memory to derive the key from the passphrase");
        goto out;
    }
    memcpy(secret, k->box_sk, 32);
    memcpy(secret + 32, k->sign_sk, 64);
    crypto_aead_xchacha20poly1305_ietf_encrypt(p, NULL, secret, SECRET_LEN, file, HEADER_LEN, NULL,
                                               nonce, wrap);
    pubkey_format(&k->pub, &pub);
    if (write_new(key_path, file, sizeof file, 0600, d) < 0)
        goto out;
    if (write_new(pub_path, pub.data, pub.len, 0644, d) < 0) {
        unlink(key_path);
        goto out;
    }
    rc = fs_sync_dir(dir, d);
out:
    sodium_free(secret);
    sodium_free(wrap);
    buf_free(&pub);
    free(key_path);
    free(pub_path);
    return rc;
}

int keys_load(const char *path, const struct passphrase *pass, struct adminkey **out,
              struct diag *d)
{
    unsigned char file[FILE_LEN + 1];
    unsigned char *secret = secmem_alloc(SECRET_LEN), *wrap = secmem_alloc(32);
    struct adminkey *k = NULL;
    int rc = -1;
    /* O_NONBLOCK: a FIFO is refused below, not waited on. */
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) < 0) {
        diag_error(d, path, 0, 0, "cannot open the key file: %s", strerror(errno));
        goto out;
    }
    if (!S_ISREG(st.st_mode)) {
        diag_error(d, path, 0, 0, "not a regular file");
        goto out;
    }
    if (st.st_mode & 077) {
        diag_error(d, path, 0, 0,
                   "the key file is readable by other users (mode %03o); "
                   "run: chmod 600 %s",
                   (unsigned)(st.st_mode & 0777), path);
        goto out;
    }
    ssize_t n = read(fd, file, sizeof file);
    if (n != FILE_LEN) {
        diag_error(d, path, 0, 0, "damaged key file: %zd bytes, expected %d", n, FILE_LEN);
        goto out;
    }
    if (memcmp(file, MAGIC, MAGIC_LEN)) {
        diag_error(d, path, 0, 0, "not a peerkit key file (or a newer version)");
        goto out;
    }
    uint64_t ops = get64(file + MAGIC_LEN), mem = get64(file + MAGIC_LEN + 8);
    if (ops < crypto_pwhash_OPSLIMIT_MIN || ops > crypto_pwhash_OPSLIMIT_SENSITIVE ||
        mem < crypto_pwhash_MEMLIMIT_MIN || mem > crypto_pwhash_MEMLIMIT_SENSITIVE) {
        diag_error(d, path, 0, 0, "damaged key file: implausible key derivation limits");
        goto out;
    }
    const unsigned char *salt = file + MAGIC_LEN + 16;
    const unsigned char *nonce = salt + crypto_pwhash_SALTBYTES;
    const unsigned char *pks = nonce + crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
    if (crypto_pwhash(wrap, 32, pass->text, pass->len, salt, ops, (size_t)mem,
                      crypto_pwhash_ALG_ARGON2ID13) != 0) {
        diag_error(d, path, 0, 0, "not enough memory to derive the key from the passphrase");
        goto out;
    }
    if (crypto_aead_xchacha20poly1305_ietf_decrypt(secret, NULL, NULL, file + HEADER_LEN,
                                                   FILE_LEN - HEADER_LEN, file, HEADER_LEN, nonce,
                                                   wrap) != 0) {
        diag_error(d, path, 0, 0, "wrong passphrase or damaged key file");
        goto out;
    }
    k = secmem_alloc(sizeof *k);
    memcpy(k->box_sk, secret, 32);
    memcpy(k->sign_sk, secret + 32, 64);
    unsigned char box_pk[32];
    crypto_scalarmult_base(box_pk, k->box_sk);
    if (sodium_memcmp(box_pk, pks, 32) || sodium_memcmp(k->sign_sk + 32, pks + 32, 32)) {
        diag_error(d, path, 0, 0, "damaged key file: secret and public keys do not match");
        goto out;
    }
    pubkey_from_keys(pks, pks + 32, &k->pub);
    derive_data_key(k);
    *out = k;
    k = NULL;
    rc = 0;
out:
    if (fd >= 0)
        close(fd);
    sodium_memzero(file, sizeof file);
    sodium_free(secret);
    sodium_free(wrap);
    if (k)
        keys_free(k);
    return rc;
}

/* Reads one line without echo from the terminal into buf (NUL-terminated). */
static int tty_line(const char *prompt, char *buf, size_t size, struct diag *d)
{
    int fd = open("/dev/tty", O_RDWR | O_CLOEXEC);
    if (fd < 0) {
        diag_error(d, "passphrase", 0, 0, "no terminal to ask on; use --passphrase-file");
        return -1;
    }
    struct termios old, quiet;
    int have_tty = tcgetattr(fd, &old) == 0;
    if (have_tty) {
        quiet = old;
        quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
        quiet.c_lflag |= ICANON;
        tcsetattr(fd, TCSAFLUSH, &quiet);
    }
    if (write(fd, prompt, strlen(prompt)) < 0) {
        /* the prompt is a courtesy */
    }
    size_t len = 0;
    char c;
    while (len + 1 < size && read(fd, &c, 1) == 1 && c != '\n')
        buf[len++] = c;
    buf[len] = '\0';
    if (have_tty)
        tcsetattr(fd, TCSAFLUSH, &old);
    if (write(fd, "\n", 1) < 0) {
        /* ignored */
    }
    close(fd);
    return 0;
}

int passphrase_read(const char *file, const char *what, int confirm, struct passphrase *pass,
                    struct diag *d)
{
    enum { MAX = 1024 };
    char prompt[256];
    pass->text = secmem_alloc(MAX);
    pass->len = 0;
    if (file) {
        int fd = open(file, O_RDONLY | O_CLOEXEC);
        struct stat st;
        if (fd < 0) {
            diag_error(d, file, 0, 0, "cannot open the passphrase file: %s", strerror(errno));
            goto fail;
        }
        /* It unlocks the key: as private as the key file (a pipe or a
         * terminal, as in --passphrase-file <(...), is not a file others
         * can open later). */
        if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 077)) {
            diag_error(d, file, 0, 0,
                       "the passphrase file is readable by other users (mode %03o); "
                       "run: chmod 600 %s",
                       (unsigned)(st.st_mode & 0777), file);
            close(fd);
            goto fail;
        }
        ssize_t n = read(fd, pass->text, MAX - 1);
        close(fd);
        if (n < 0) {
            diag_error(d, file, 0, 0, "cannot read the passphrase file");
            goto fail;
        }
        pass->text[n] = '\0';
        pass->text[strcspn(pass->text, "\r\n")] = '\0';
    } else {
        snprintf(prompt, sizeof prompt, "Passphrase for %s: ", what);
        if (tty_line(prompt, pass->text, MAX, d) < 0)
            goto fail;
        if (confirm) {
            char *again = secmem_alloc(MAX);
            int same = tty_line("Passphrase again: ", again, MAX, d) == 0 &&
                       strlen(again) == strlen(pass->text) &&
                       sodium_memcmp(again, pass->text, strlen(again)) == 0;
            sodium_free(again);
            if (!same) {
                diag_error(d, "passphrase", 0, 0, "the two passphrases differ");
                goto fail;
            }
        }
    }
    pass->len = strlen(pass->text);
    if (pass->len < 8) {
        diag_error(d, file ? file : "passphrase", 0, 0,
                   "the passphrase is too short (at least 8 "
                   "characters)");
        goto fail;
    }
    return 0;
fail:
    passphrase_free(pass);
    return -1;
}

void passphrase_free(struct passphrase *pass)
{
    sodium_free(pass->text);
    pass->text = NULL;
    pass->len = 0;
}
