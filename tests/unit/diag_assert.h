/* Checking diagnostics in unit tests: the text diag_print would show, and an
 * assertion that it holds a message (failing with what was there instead).
 * Include after <cmocka.h>. */
#ifndef PEERKIT_TEST_DIAG_ASSERT_H
#define PEERKIT_TEST_DIAG_ASSERT_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"

static inline char *printed(struct diag *d)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    diag_print(d, f);
    fclose(f);
    return text;
}

static inline void expect_message(struct diag *d, const char *want)
{
    char *got = printed(d);
    if (!strstr(got, want))
        fail_msg("expected a diagnostic containing:\n  %s\ngot:\n%s", want, got);
    free(got);
}

#endif
