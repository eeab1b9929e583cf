/* states: the life of a request, as one table of legal moves.
 *
 *   new --assign--> assigned --contacted--> contacted --close--> closed
 *   new, assigned, contacted --decline--> declined
 *   closed, declined --reopen--> new
 *   assigned --assign--> assigned (the supporter changes: someone falls ill)
 *
 * Any other move is refused, so a command that would make one changes
 * nothing. Names are the words stored in the intake database and shown. */
#ifndef PEERKIT_STATES_H
#define PEERKIT_STATES_H

enum state { STATE_NEW, STATE_ASSIGNED, STATE_CONTACTED, STATE_CLOSED, STATE_DECLINED };
#define STATE_COUNT 5

enum state_action { ACTION_ASSIGN, ACTION_CONTACTED, ACTION_CLOSE, ACTION_DECLINE, ACTION_REOPEN };

const char *state_name(enum state s);
/* -1 for a word that is not a state. */
int state_parse(const char *name, enum state *out);
const char *state_action_name(enum state_action a);

/* The state after a, or -1 when a is not a legal move from `from`. */
int state_move(enum state from, enum state_action a, enum state *to);

/* 1 for closed and declined: the request is finished (purge may take it). */
int state_final(enum state s);
/* 1 for new and assigned: the requester still waits for a first contact. */
int state_waiting(enum state s);

#endif
