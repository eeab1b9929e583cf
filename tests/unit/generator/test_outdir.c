/* Unit tests for generator/outdir.c: a file given as pieces is written as
 * their bytes one after another, and in place it is left alone when those
 * bytes are the file's already, however the pieces cut them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "diag_assert.h"
#include "fsutil.h"
#include "outdir.h"
#include "xalloc.h"

/* A text of some 200 kB (longer than one read when compared, 64 kB), cut
 * into pieces of 1 to 37 bytes, some empty. */
static struct fs_piece *cut(const struct buf *text, size_t *n)
{
    struct fs_piece *p = xcalloc(text->len + 1, sizeof *p);
    size_t k = 0;
    for (size_t at = 0, step = 1; at < text->len; step = step % 37 + 1) {
        size_t len = step % 5 == 0 ? 0 : step;
        if (len > text->len - at)
            len = text->len - at;
        p[k++] = (struct fs_piece){text->data + at, len, 0};
        at += len;
    }
    *n = k;
    return p;
}

static void expect_no_errors(struct diag *d)
{
    char *got = printed(d);
    if (*got)
        fail_msg("expected no diagnostics, got:\n%s", got);
    free(got);
}

static char *read_all(const char *path, size_t *len)
{
    struct diag d = DIAG_INIT;
    char *data = NULL;
    assert_int_equal(fs_read_file(path, 1 << 24, &data, len, &d), 0);
    diag_free(&d);
    return data;
}

/* Builds out once with f.json made of the pieces, then in place with the
 * same bytes (unchanged) and with one byte changed (written). */
static void test_pieces(void **state)
{
    (void)state;
    char dir[] = "/tmp/peerkit-outdir-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char *out = xasprintf("%s/site", dir), *file = xasprintf("%s/site/data/f.json", dir);
    struct buf text = BUF_INIT;
    for (size_t i = 0; text.len < 200000; i++)
        buf_printf(&text, "{\"n\": %zu},\n", i);
    size_t n;
    struct fs_piece *p = cut(&text, &n);
    assert_true(n > 2048); /* more than one writev can take */

    struct diag d = DIAG_INIT;
    struct outdir *od;
    assert_int_equal(outdir_open(out, &od, &d), 0);
    assert_int_equal(outdir_write_pieces(od, "data/f.json", p, n, &d), 0);
    assert_int_equal(outdir_commit(od, &d), 0);
    outdir_free(od);
    expect_no_errors(&d);
    size_t len;
    char *got = read_all(file, &len);
    if (len != text.len || memcmp(got, text.data, len))
        fail_msg("expected the %zu bytes of the pieces, got %zu (differing)", text.len, len);
    free(got);

    /* In place, the same bytes cut otherwise: nothing is written. */
    struct fs_piece whole[3] = {{text.data, 5, 0}, {"", 0, 0}, {text.data + 5, text.len - 5, 0}};
    assert_int_equal(outdir_open_in_place(out, &od, &d), 0);
    assert_int_equal(outdir_write_pieces(od, "data/f.json", whole, 3, &d), 0);
    assert_int_equal(outdir_commit(od, &d), 0);
    assert_int_equal(outdir_changed(od), 0);
    outdir_free(od);

    /* One byte differs, in the last piece, past the first 64 kB: written. */
    text.data[text.len - 3] = '7';
    assert_int_equal(outdir_open_in_place(out, &od, &d), 0);
    assert_int_equal(outdir_write_pieces(od, "data/f.json", p, n, &d), 0);
    assert_int_equal(outdir_commit(od, &d), 0);
    assert_int_equal(outdir_changed(od), 1);
    outdir_free(od);
    expect_no_errors(&d);
    got = read_all(file, &len);
    if (len != text.len || memcmp(got, text.data, len))
        fail_msg("expected the changed bytes in place, got %zu bytes (differing)", len);
    free(got);

    /* One byte shorter: written too. */
    p[n - 1].len--;
    assert_int_equal(outdir_open_in_place(out, &od, &d), 0);
    assert_int_equal(outdir_write_pieces(od, "data/f.json", p, n, &d), 0);
    assert_int_equal(outdir_commit(od, &d), 0);
    assert_int_equal(outdir_changed(od), 1);
    outdir_free(od);
    got = read_all(file, &len);
    assert_int_equal(len, text.len - 1);
    free(got);

    free(p);
    buf_free(&text);
    diag_free(&d);
    assert_int_equal(fs_remove_tree(dir, &d), 0);
    free(out);
    free(file);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pieces),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
