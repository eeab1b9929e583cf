/* promise: the program's response promise (site.yml response_within), and
 * the deadline it sets for a request.
 *
 * "24 hours", "1 business day", "3 business days": a whole number of hours
 * (1 to 720) or of business days (1 to 30). Business days skip Saturdays and
 * Sundays (holidays are not known); a request that arrives on a weekend
 * starts the count on Monday at 00:00. Days, weekends and midnight are
 * those of the local time zone (TZ, or the system's): the program's, where
 * the administrator works, so a request sent on a Friday evening in New
 * York (Saturday in UTC) is due on Monday evening there, and a deadline
 * keeps its time of day across a daylight-saving change. Hours are hours,
 * in any zone. The generator reads the setting
 * (and derives the requester-facing response_time text from it); peeradmin
 * measures follow-up against it. */
#ifndef PEERKIT_PROMISE_H
#define PEERKIT_PROMISE_H

#include <stddef.h>
#include <time.h>

struct promise {
    int amount;   /* how many hours or business days */
    int business; /* 1: business days, 0: hours */
};

/* Parses text; -1 for anything that is not one of the forms above. */
int promise_parse(const char *text, struct promise *out);

/* The moment by which a request that arrived at start must be contacted. */
time_t promise_deadline(const struct promise *p, time_t start);

/* The promise in words for requesters: "within 24 hours", "within one
 * business day", "within 3 business days". */
void promise_text(const struct promise *p, char *out, size_t size);

#endif
