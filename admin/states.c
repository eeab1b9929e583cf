#include "states.h"

#include <string.h>

static const char *const names[STATE_COUNT] = {"new", "assigned", "contacted", "closed",
                                               "declined"};

const char *state_name(enum state s)
{
    return (unsigned)s < STATE_COUNT ? names[s] : "?";
}

int state_parse(const char *name, enum state *out)
{
    for (int i = 0; name && i < STATE_COUNT; i++)
        if (!strcmp(name, names[i])) {
            *out = (enum state)i;
            return 0;
        }
    return -1;
}

const char *state_action_name(enum state_action a)
{
    static const char *const actions[] = {"assign", "contacted", "close", "decline", "reopen"};
    return (unsigned)a < sizeof actions / sizeof actions[0] ? actions[a] : "?";
}

/* moves[from][action]: the next state, or -1. */
static const int moves[STATE_COUNT][5] = {
    /*               assign          contacted        close         decline         reopen */
    [STATE_NEW] = {STATE_ASSIGNED, -1, -1, STATE_DECLINED, -1},
    [STATE_ASSIGNED] = {STATE_ASSIGNED, STATE_CONTACTED, -1, STATE_DECLINED, -1},
    [STATE_CONTACTED] = {-1, -1, STATE_CLOSED, STATE_DECLINED, -1},
    [STATE_CLOSED] = {-1, -1, -1, -1, STATE_NEW},
    [STATE_DECLINED] = {-1, -1, -1, -1, STATE_NEW},
};

int state_move(enum state from, enum state_action a, enum state *to)
{
    if ((unsigned)from >= STATE_COUNT || (unsigned)a > ACTION_REOPEN || moves[from][a] < 0)
        return -1;
    *to = (enum state)moves[from][a];
    return 0;
}

int state_final(enum state s)
{
    return s == STATE_CLOSED || s == STATE_DECLINED;
}

int state_waiting(enum state s)
{
    return s == STATE_NEW || s == STATE_ASSIGNED;
}
