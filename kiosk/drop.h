/* drop: the drop box for requests sealed in the browser (DESIGN §5).
 *
 * It accepts only POST /drop bodies that are exactly one envelope for the
 * administrator's key, binary or armored, and stores it in the spool (the
 * kiosk's format, so status, export and ack work unchanged). It never sees
 * a plaintext: what it knows is the ciphertext, its size bucket, the time
 * and the client's address (used for rate limiting, never stored: the peer's,
 * or behind a proxy named in proxies, the one it gives in X-Forwarded-For).
 * Answers: 201 stored, 400 not one well-formed envelope, 403 another key or
 * a browser origin not listed, 405 another method, 413 too large, 415 not
 * an envelope's content type, 429 too many from one address, 503 the spool
 * failed. CORS headers go to listed origins only, preflight included.
 *
 * Two users: `peerkiosk drop` (drop_start: its own HTTP daemon that answers
 * nothing but /drop) and `peerkiosk serve` (drop_new + drop_handle: the
 * kiosk's own /drop, where the kiosk's page is the same origin). */
#ifndef PEERKIT_DROP_H
#define PEERKIT_DROP_H

#include <microhttpd.h>
#include <stddef.h>
#include <stdint.h>

#include "diag.h"
#include "pubkey.h"
#include "spool.h"

#define DROP_PATH "/drop"
#define DROP_MAX_ORIGINS 16
#define DROP_MAX_PROXIES 8
/* The largest envelope, armored (64-character lines, CRLF) with room for whitespace. */
#define DROP_BODY_MAX (((ENVELOPE_MAX + 2) / 3 * 4) * 66 / 64 + 256)

struct drop_config {
    struct pubkey pubkey;                  /* only envelopes for this key id are taken */
    const char *origins[DROP_MAX_ORIGINS]; /* "https://peers.example.org": CORS allowed */
    size_t norigins;
    /* Reverse proxies whose X-Forwarded-For is believed (addresses, as given;
     * drop_start checks them). With one, the per-address connection limit
     * is off (every connection comes from the proxy) and the global cap
     * (max_connections) is what bounds connections. */
    const char *proxies[DROP_MAX_PROXIES];
    size_t nproxies;
    unsigned body_max;        /* bytes; at most DROP_BODY_MAX */
    unsigned rate_per_minute; /* per client address; 0 = no limit */
    unsigned max_connections, per_ip_connections, timeout_seconds, threads; /* drop_start */
    unsigned deadline_seconds; /* drop_start: a whole request (deadline.h) */
};

/* Defaults for everything but pubkey, origins and proxies. */
void drop_config_defaults(struct drop_config *c);

/* 1 if origin is "http(s)://host[:port]" with nothing after it. */
int drop_origin_valid(const char *origin);

/* Checks a body: one binary envelope, or one armored block with nothing but
 * whitespace around it. On success *env (malloc'd) holds the binary envelope.
 * *status is the HTTP status for a refusal (400 or 403); the reason says
 * what is wrong, never echoing the body. */
int drop_parse(const struct pubkey *pk, const unsigned char *body, size_t len, unsigned char **env,
               size_t *env_len, unsigned *status, struct diag *d);

/* ---- inside another server (peerkiosk serve) --------------------------------- */

struct drop;

/* The spool stays the caller's; c is copied. */
struct drop *drop_new(const struct drop_config *c, struct spool *spool);
void drop_free(struct drop *dp);

/* The libmicrohttpd handler for a request to /drop: *state starts NULL and
 * is this request's own; free it with drop_state_free when the request
 * completes. */
enum MHD_Result drop_handle(struct drop *dp, struct MHD_Connection *conn, const char *method,
                            const char *upload_data, size_t *upload_data_size, void **state);
void drop_state_free(void *state);

/* ---- its own daemon (peerkiosk drop) ----------------------------------------- */

struct drop_server;

int drop_start(const struct drop_config *c, const char *listen, const char *spool_path,
               struct drop_server **out, struct diag *d);
/* Stops accepting, lets requests in flight finish (up to grace_seconds). */
void drop_stop(struct drop_server *s, unsigned grace_seconds);
uint16_t drop_port(const struct drop_server *s);

#endif
