/* Shared helpers for the unit tests of kiosk/: scratch directories, a small
 * request schema, sealing test requests, and reading files back to look for
 * plaintext. Included by one test file each (static functions). */
#ifndef PEERKIT_TEST_KIOSK_SUPPORT_H
#define PEERKIT_TEST_KIOSK_SUPPORT_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "diag.h"
#include "diag_assert.h"
#include "envelope.h"
#include "fsutil.h"
#include "keys.h"
#include "sign.h"
#include "unseal.h"
#include "secmem.h"

/* The string every test request carries, so files can be searched for it. */
#define MARKER "PLAINTEXT-MARKER-7f3a"

/* A small form with one field of every type. */
#define SCHEMA_JSON                                                                                \
    "{\"version\": 1, \"title\": \"Ask\", \"response_time\": \"today\", \"kiosk_idle\": 60,\n"     \
    " \"fields\": [\n"                                                                             \
    "  {\"id\": \"name\", \"label\": \"Name\", \"type\": \"text\", \"required\": true,"            \
    " \"max\": 20, \"options\": []},\n"                                                            \
    "  {\"id\": \"email\", \"label\": \"Email\", \"type\": \"email\", \"required\": false,"        \
    " \"max\": 60, \"options\": []},\n"                                                            \
    "  {\"id\": \"phone\", \"label\": \"Phone\", \"type\": \"tel\", \"required\": false,"          \
    " \"max\": 30, \"options\": []},\n"                                                            \
    "  {\"id\": \"note\", \"label\": \"Note\", \"type\": \"textarea\", \"required\": false,"       \
    " \"max\": 200, \"options\": []},\n"                                                           \
    "  {\"id\": \"when\", \"label\": \"When\", \"type\": \"select\", \"required\": true,"          \
    " \"max\": 20, \"options\": [{\"value\": \"soon\", \"label\": \"Soon\"},"                      \
    " {\"value\": \"later\", \"label\": \"Later\"}]},\n"                                           \
    "  {\"id\": \"who\", \"label\": \"Who\", \"type\": \"radio\", \"required\": false,"            \
    " \"max\": 20, \"options\": [{\"value\": \"self\", \"label\": \"Me\"}]},\n"                    \
    "  {\"id\": \"consent\", \"label\": \"OK\", \"type\": \"checkbox\", \"required\": true,"       \
    " \"max\": 3, \"options\": []},\n"                                                             \
    "  {\"id\": \"how\", \"label\": \"How\", \"type\": \"checkboxes\", \"required\": false,"       \
    " \"max\": 20, \"options\": [{\"value\": \"call\", \"label\": \"Call\"},"                      \
    " {\"value\": \"meet\", \"label\": \"Meet\"}]}\n"                                              \
    " ]}\n"

#define SCHEMA_HASH_DUMMY "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static inline char *scratch_dir(void)
{
    char tmpl[] = "/tmp/peerkit-unit-XXXXXX";
    char *dir = mkdtemp(tmpl);
    assert_non_null(dir);
    return strdup(dir);
}

static inline void drop_dir(char *dir)
{
    struct diag d = DIAG_INIT;
    assert_int_equal(fs_remove_tree(dir, &d), 0);
    diag_free(&d);
    free(dir);
}

static inline char *join(const char *dir, const char *name)
{
    char *p = NULL;
    assert_true(asprintf(&p, "%s/%s", dir, name) > 0);
    return p;
}

static inline void put_file(const char *dir, const char *name, const void *data, size_t len)
{
    char *p = join(dir, name);
    FILE *f = fopen(p, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
    free(p);
}

/* The whole file, or NULL if it does not exist. */
static inline char *slurp(const char *path, size_t *len)
{
    char *data = NULL;
    struct diag d = DIAG_INIT;
    if (fs_read_file(path, 1u << 30, &data, len, &d) < 0)
        data = NULL;
    diag_free(&d);
    return data;
}

/* 1 if the file exists and holds needle anywhere. */
static inline int file_contains(const char *path, const char *needle)
{
    size_t len = 0;
    char *data = slurp(path, &len);
    int found = data && memmem(data, len, needle, strlen(needle)) != NULL;
    free(data);
    return found;
}

/* Fields of test request number i, carrying the marker. */
static inline json_t *test_fields(int i)
{
    return json_pack("{s:s, s:s, s:s, s:[s,s]}", "name", "Ada " MARKER, "email",
                     i % 2 ? "ada@example.org" : "a@b.org", "note", "I would like to talk. " MARKER,
                     "how", "call", "meet");
}

/* Seals test request i to k's public key. */
static inline unsigned char *seal_test(const struct adminkey *k, int i, size_t *len, char ref[16])
{
    struct diag d = DIAG_INIT;
    unsigned char *env = NULL;
    json_t *fields = test_fields(i);
    char spare[16];
    assert_int_equal(envelope_seal(&k->pub, SCHEMA_HASH_DUMMY, NULL, "kiosk:lounge-2", fields,
                                   ref ? ref : spare, &env, len, &d),
                     0);
    json_decref(fields);
    diag_free(&d);
    return env;
}

/* Key files written by tests use the smallest Argon2id cost (the file
 * records it, so they load like any other). */
static const struct keys_cost TEST_COST = {crypto_pwhash_OPSLIMIT_MIN, crypto_pwhash_MEMLIMIT_MIN};

/* s is "YYYY-MM-DDTHH:MM:SSZ" and lies between since and now: the kiosk and
 * the administrator use the real clock (dates in end-to-end tests come from
 * faketime). */
static inline void assert_recent_iso(const char *s, time_t since)
{
    time_t t;
    if (!s || clock_parse_iso(s, &t) < 0)
        fail_msg("expected an ISO UTC time, got \"%s\"", s ? s : "(null)");
    if (t < since - 1 || t > clock_now() + 1)
        fail_msg("expected a time between %lld and now, got %s", (long long)since, s);
}

/* Secure memory, as the programs have it. */
static inline void kiosk_test_init(void)
{
    assert_int_equal(secmem_init(1), 0);
}

#endif
