/* Unit tests for kiosk/bundle.c: a bundle is self-checking. Every changed
 * byte is reported; a damaged record costs that record only; a truncated
 * bundle yields every record before the cut; no damaged envelope is ever
 * handed on, and every one handed on is byte-for-byte what was written. */
#include "kiosk_support.h"

#include "bundle.h"
#include "buf.h"

#define NREC 3

static unsigned char envs[NREC][200];
static size_t lens[NREC] = {120, 200, 64};
static struct buf bundle = BUF_INIT;

struct got {
    size_t n, damaged;
    size_t pos[16];
    int which[16]; /* index into envs of each intact record, by content */
};

static void collect(void *ctx, size_t pos, const unsigned char *env, size_t len,
                    const unsigned char *id, const char *problem)
{
    struct got *g = ctx;
    if (!env) {
        assert_null(id);
        assert_non_null(problem);
        g->damaged++;
        return;
    }
    assert_null(problem);
    assert_non_null(id);
    unsigned char want_id[ENVELOPE_ID_BYTES];
    envelope_id(env, len, want_id);
    assert_memory_equal(id, want_id, ENVELOPE_ID_BYTES);
    int which = -1;
    for (int i = 0; i < NREC; i++)
        if (len == lens[i] && !memcmp(env, envs[i], len))
            which = i;
    if (which < 0)
        fail_msg("record %zu was handed on but is not one of the envelopes written", pos);
    assert_true(g->n < 16);
    g->pos[g->n] = pos;
    g->which[g->n++] = which;
}

static long read_bundle(const unsigned char *data, size_t len, struct got *g, struct diag *d)
{
    memset(g, 0, sizeof *g);
    /* A copy of exactly len bytes, so ASan sees any read past the end. */
    unsigned char *copy = malloc(len ? len : 1);
    memcpy(copy, data, len);
    long good = bundle_read(copy, len, "B", collect, g, d);
    free(copy);
    if (good >= 0)
        assert_int_equal((size_t)good, g->n);
    return good;
}

static void test_round_trip(void **state)
{
    (void)state;
    struct got g;
    struct diag d = DIAG_INIT;
    assert_true(bundle_detect((unsigned char *)bundle.data, bundle.len));
    assert_int_equal(read_bundle((unsigned char *)bundle.data, bundle.len, &g, &d), NREC);
    assert_int_equal(d.nerrors, 0);
    for (int i = 0; i < NREC; i++) {
        assert_int_equal(g.which[i], i);
        assert_int_equal(g.pos[i], (size_t)i + 1);
    }
    diag_free(&d);

    /* An empty bundle is valid and holds nothing. */
    struct buf empty = BUF_INIT;
    bundle_begin(&empty);
    bundle_end(&empty);
    assert_int_equal(read_bundle((unsigned char *)empty.data, empty.len, &g, &d), 0);
    assert_int_equal(d.nerrors, 0);
    buf_free(&empty);
}

static void test_not_a_bundle(void **state)
{
    (void)state;
    struct got g;
    struct diag d = DIAG_INIT;
    assert_false(bundle_detect((const unsigned char *)"PKEV\1", 5));
    assert_int_equal(read_bundle((const unsigned char *)"hello world, not a bundle", 25, &g, &d),
                     -1);
    expect_message(&d, "B: not a peerkit bundle");
    diag_free(&d);
}

static void test_every_changed_byte(void **state)
{
    (void)state;
    unsigned char *copy = malloc(bundle.len);
    for (size_t i = 0; i < bundle.len; i++) {
        for (int x = 0x01; x <= 0x80; x <<= 7) {
            memcpy(copy, bundle.data, bundle.len);
            copy[i] ^= (unsigned char)x;
            struct got g;
            struct diag d = DIAG_INIT;
            long good = read_bundle(copy, bundle.len, &g, &d);
            if (d.nerrors == 0)
                fail_msg("bundle byte %zu xor 0x%02x went unnoticed", i, x);
            if (i < 9) {
                /* magic or version: not read as a bundle at all */
                assert_int_equal(good, -1);
            } else if (good < NREC - 1) {
                fail_msg("bundle byte %zu xor 0x%02x lost %ld records", i, x, NREC - good);
            }
            /* Intact records keep their positions. */
            for (size_t j = 0; j < g.n; j++)
                assert_int_equal(g.pos[j], (size_t)g.which[j] + 1);
            diag_free(&d);
        }
    }
    free(copy);
}

static void test_every_truncation(void **state)
{
    (void)state;
    size_t ends[NREC], off = 16;
    for (int i = 0; i < NREC; i++) {
        off += 4 + 4 + ENVELOPE_ID_BYTES + lens[i];
        ends[i] = off;
    }
    for (size_t cut = 0; cut < bundle.len; cut++) {
        struct got g;
        struct diag d = DIAG_INIT;
        long good = read_bundle((unsigned char *)bundle.data, cut, &g, &d);
        long complete = 0;
        for (int i = 0; i < NREC; i++)
            complete += ends[i] <= cut;
        if (cut < 16) {
            assert_int_equal(good, -1);
        } else if (good != complete) {
            fail_msg("cut at %zu: %ld records read, %ld were complete", cut, good, complete);
        }
        if (d.nerrors == 0)
            fail_msg("a bundle cut at %zu of %zu bytes was not reported", cut, bundle.len);
        diag_free(&d);
    }
}

/* Records written by two exports concatenated, or junk between records:
 * reading resynchronises on the next record marker. */
static void test_junk_between_records(void **state)
{
    (void)state;
    size_t first_end = 16 + 4 + 4 + ENVELOPE_ID_BYTES + lens[0];
    struct buf b = BUF_INIT;
    buf_append(&b, bundle.data, first_end);
    buf_puts(&b, "some junk that is not a record");
    buf_append(&b, bundle.data + first_end, bundle.len - first_end);
    struct got g;
    struct diag d = DIAG_INIT;
    assert_int_equal(read_bundle((unsigned char *)b.data, b.len, &g, &d), NREC);
    assert_true(g.damaged >= 1);
    assert_true(d.nerrors > 0);
    diag_free(&d);
    buf_free(&b);
}

static void ignore(void *ctx, size_t pos, const unsigned char *env, size_t len,
                   const unsigned char *id, const char *problem)
{
    (void)pos;
    (void)env;
    (void)len;
    (void)id;
    (void)problem;
    (*(size_t *)ctx)++;
}

/* bytes searched or hashed by bundle_scan over data: at most 4 * len. */
static void expect_linear(const char *what, const unsigned char *data, size_t len, size_t *calls)
{
    struct diag d = DIAG_INIT;
    size_t work = 0;
    *calls = 0;
    bundle_scan(data, len, "B", ignore, calls, &d, &work);
    diag_free(&d);
    if (work > 4 * len)
        fail_msg("%s: expected at most %zu bytes searched or hashed (4 x %zu), got %zu (%.1f x)",
                 what, 4 * len, len, work, (double)work / (double)len);
}

/* Resynchronising is linear in the input: garbage laid out as record after
 * record, each claiming the largest length (so each hash would cover the
 * next 64 KiB again), costs no more than a few passes over it. */
static void test_linear_resync(void **state)
{
    (void)state;
    enum { FAKES = 50000 };
    struct buf b = BUF_INIT;
    buf_append(&b, bundle.data, 16);
    for (int i = 0; i < FAKES; i++) {
        unsigned char rec[4 + 4 + ENVELOPE_ID_BYTES] = "PKRC";
        uint32_t n = ENVELOPE_MAX;
        for (int k = 0; k < 4; k++)
            rec[4 + k] = (unsigned char)(n >> (8 * k));
        randombytes_buf(rec + 8, ENVELOPE_ID_BYTES);
        buf_append(&b, rec, sizeof rec);
    }
    buf_append(&b, bundle.data + 16, bundle.len - 16); /* real records after it */
    size_t calls;
    expect_linear("dense fake records", (unsigned char *)b.data, b.len, &calls);
    if (calls < FAKES)
        fail_msg("expected every fake record reported, got %zu reports for %d", calls, FAKES);
    buf_free(&b);

    /* Random garbage and an intact bundle cost about one pass. */
    unsigned char *junk = malloc(1 << 21);
    memcpy(junk, bundle.data, 16);
    randombytes_buf(junk + 16, (1 << 21) - 16);
    expect_linear("random garbage", junk, 1 << 21, &calls);
    free(junk);
    expect_linear("an intact bundle", (unsigned char *)bundle.data, bundle.len, &calls);
    assert_int_equal(calls, NREC);
}

int main(void)
{
    kiosk_test_init();
    for (int i = 0; i < NREC; i++)
        randombytes_buf(envs[i], lens[i]);
    bundle_begin(&bundle);
    for (int i = 0; i < NREC; i++)
        bundle_add(&bundle, envs[i], lens[i]);
    bundle_end(&bundle);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),           cmocka_unit_test(test_not_a_bundle),
        cmocka_unit_test(test_every_changed_byte),   cmocka_unit_test(test_every_truncation),
        cmocka_unit_test(test_junk_between_records), cmocka_unit_test(test_linear_resync),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    buf_free(&bundle);
    return failed;
}
