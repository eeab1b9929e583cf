/* server: peerkiosk serve, the kiosk's HTTP server (libmicrohttpd).
 *
 * Serves the built site read-only and accepts POST /request: the form body is
 * validated against the site's form exactly as peerkiosk submit does, sealed
 * to the administrator's key at once, committed to the spool, and only then
 * answered with 303 to a thank-you page holding the reference code. Nothing
 * of a request is logged; its plaintext lives in guarded memory and wiped
 * blocks only while it is sealed. */
#ifndef PEERKIT_SERVER_H
#define PEERKIT_SERVER_H

#include <stdint.h>

#include "diag.h"
#include "pubkey.h"

struct server_config {
    const char *site;         /* the built site */
    const char *spool;        /* spool database path */
    const char *kiosk_id;     /* channel "kiosk:<id>" */
    const char *listen;       /* "127.0.0.1:8080" (IPv4 or [IPv6]:port) */
    struct pubkey pubkey;     /* the administrator's key, already checked against the site */
    unsigned body_max;        /* largest request body, bytes */
    unsigned rate_per_minute; /* requests per minute per client address; 0 = no limit */
    unsigned max_connections, per_ip_connections, timeout_seconds, threads;
    unsigned deadline_seconds; /* a whole request, answer included (deadline.h) */
};

/* Defaults for everything but site, spool, kiosk_id, listen and pubkey. */
void server_config_defaults(struct server_config *c);

struct server;

/* Loads the site's form and request page, opens the spool, starts serving. */
int server_start(const struct server_config *c, struct server **out, struct diag *d);

/* Stops accepting, lets requests in flight finish (up to grace_seconds),
 * closes the spool. */
void server_stop(struct server *s, unsigned grace_seconds);

/* The port actually bound (useful with port 0). */
uint16_t server_port(const struct server *s);

#endif
