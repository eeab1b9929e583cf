/* clock: the one place that reads the time.
 *
 * The kiosk and the administrator use the real clock: a request's submission
 * time, a spool's day stamp and a receipt's date are facts, and no variable in
 * the environment may change them (tests that need dates run under faketime).
 * Only the generator honours SOURCE_DATE_EPOCH, for reproducible builds. */
#ifndef PEERKIT_CLOCK_H
#define PEERKIT_CLOCK_H

#include <stddef.h>
#include <time.h>

/* "2026-11-25T10:00:00Z" (21 bytes with the NUL). */
#define CLOCK_ISO_LEN 21
/* "2026-11-25" (11 bytes with the NUL). */
#define CLOCK_DAY_LEN 11

/* The real time. */
time_t clock_now(void);

/* For builds: SOURCE_DATE_EPOCH when it is set to a number, else the real
 * time. *from_env (may be NULL) says which. */
time_t clock_build_time(int *from_env);

/* t formatted in UTC. */
void clock_iso(time_t t, char out[CLOCK_ISO_LEN]);
void clock_day(time_t t, char out[CLOCK_DAY_LEN]);

/* t for people, in the local time zone (TZ, or the system's):
 * "2026-11-25 10:00", with with_zone "2026-11-25 10:00 EST". */
void clock_local(time_t t, int with_zone, char *out, size_t size);

/* Parses exactly "YYYY-MM-DDTHH:MM:SSZ" (a real calendar time, UTC) into *t;
 * -1 for anything else. */
int clock_parse_iso(const char *s, time_t *t);

#endif
