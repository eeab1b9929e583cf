/* deadline: how long a request may take, for both HTTP servers.
 *
 * libmicrohttpd's own timeout only closes a connection that says nothing at
 * all: a client sending a byte every few seconds holds one for ever. So each
 * connection is watched from when it opens. A request, from the opening of
 * the connection (or the end of the request before it) to the end of its
 * answer, must be done within `seconds`; and once its headers are in, its
 * body must arrive at `min_rate` bytes a second or more on average, counted
 * after the first `grace` seconds. A connection past either is shut down: the
 * server sees the client gone, and its completion callback wipes what the
 * request held. A watchdog thread checks four times a second.
 *
 * Wiring: deadline_notify is the daemon's MHD_OPTION_NOTIFY_CONNECTION
 * callback (its cls the struct deadline); the access handler calls
 * deadline_request on every call, and the completion callback calls
 * deadline_completed. */
#ifndef PEERKIT_DEADLINE_H
#define PEERKIT_DEADLINE_H

#include <microhttpd.h>
#include <stdbool.h>
#include <stddef.h>

#define DEADLINE_MIN_RATE 1024 /* bytes a second */
#define DEADLINE_GRACE 5       /* seconds before the rate counts */

struct deadline;

/* Starts the watchdog thread; NULL if it cannot. */
struct deadline *deadline_new(unsigned seconds, unsigned min_rate, unsigned grace);
/* Stops it (after the daemon has stopped: no connection is left). */
void deadline_free(struct deadline *dl);

void deadline_notify(void *cls, struct MHD_Connection *conn, void **socket_context,
                     enum MHD_ConnectionNotificationCode code);

/* first: the handler's first call for this request (its headers are in);
 * upload_size: the body bytes this call brings (0 on the last call). */
void deadline_request(struct MHD_Connection *conn, bool first, size_t upload_size);

/* The request is over (answered, or the client gone): the next one's clock
 * starts now. */
void deadline_completed(struct MHD_Connection *conn);

/* How many connections the watchdog has shut down (for tests and logs). */
unsigned long deadline_shut(struct deadline *dl);

#endif
