/* Unit tests for admin/states.c: every (state, action) pair against the
 * table of legal moves in states.h; nothing else is allowed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "states.h"

static void test_every_move(void **state)
{
    (void)state;
    /* want[from][action]: the next state, or -1. */
    static const int want[STATE_COUNT][5] = {
        [STATE_NEW] = {STATE_ASSIGNED, -1, -1, STATE_DECLINED, -1},
        [STATE_ASSIGNED] = {STATE_ASSIGNED, STATE_CONTACTED, -1, STATE_DECLINED, -1},
        [STATE_CONTACTED] = {-1, -1, STATE_CLOSED, STATE_DECLINED, -1},
        [STATE_CLOSED] = {-1, -1, -1, -1, STATE_NEW},
        [STATE_DECLINED] = {-1, -1, -1, -1, STATE_NEW},
    };
    for (int s = 0; s < STATE_COUNT; s++)
        for (int a = ACTION_ASSIGN; a <= ACTION_REOPEN; a++) {
            enum state to = (enum state)99;
            int rc = state_move((enum state)s, (enum state_action)a, &to);
            int got = rc < 0 ? -1 : (int)to;
            if (got != want[s][a])
                fail_msg("%s from %s: expected %s, got %s", state_action_name(a), state_name(s),
                         want[s][a] < 0 ? "refused" : state_name(want[s][a]),
                         got < 0 ? "refused" : state_name(got));
            if (rc < 0 && to != (enum state)99)
                fail_msg("a refused move must not write its result");
        }
    enum state to;
    assert_int_equal(state_move((enum state)7, ACTION_ASSIGN, &to), -1);
    assert_int_equal(state_move(STATE_NEW, (enum state_action)9, &to), -1);
}

static void test_names(void **state)
{
    (void)state;
    enum state s;
    for (int i = 0; i < STATE_COUNT; i++) {
        assert_int_equal(state_parse(state_name((enum state)i), &s), 0);
        assert_int_equal(s, i);
    }
    assert_int_equal(state_parse("open", &s), -1);
    assert_int_equal(state_parse("", &s), -1);
    assert_int_equal(state_parse(NULL, &s), -1);
    assert_true(state_final(STATE_CLOSED) && state_final(STATE_DECLINED));
    assert_false(state_final(STATE_CONTACTED));
    assert_true(state_waiting(STATE_NEW) && state_waiting(STATE_ASSIGNED));
    assert_false(state_waiting(STATE_CONTACTED));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_move),
        cmocka_unit_test(test_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
