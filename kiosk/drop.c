#include "drop.h"

#include <errno.h>
#include <pthread.h>
#include <sodium.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "buf.h"
#include "deadline.h"
#include "envelope.h"
#include "netaddr.h"
#include "ratelimit.h"
#include "xalloc.h"

#define ARMOR_BEGIN "-----BEGIN PEERKIT REQUEST-----"
#define ARMOR_END "-----END PEERKIT REQUEST-----"

struct drop {
    struct drop_config c;
    char proxies[DROP_MAX_PROXIES][INET6_ADDRSTRLEN]; /* canonical */
    const char *proxy_list[DROP_MAX_PROXIES];
    struct spool *spool;
    struct ratelimit *rate;
};

/* One request to /drop. */
struct drop_req {
    struct buf body;
    bool answered;  /* a refusal was queued from the headers: the body is dropped */
    bool too_large; /* the body grew past the limit (no or a false Content-Length) */
};

void drop_config_defaults(struct drop_config *c)
{
    c->norigins = 0;
    c->nproxies = 0;
    c->body_max = DROP_BODY_MAX;
    c->rate_per_minute = 30;
    c->max_connections = 256;
    c->per_ip_connections = 16;
    c->timeout_seconds = 15;
    c->deadline_seconds = 30;
    c->threads = 4;
}

int drop_origin_valid(const char *o)
{
    const char *host = !strncmp(o, "https://", 8)  ? o + 8
                       : !strncmp(o, "http://", 7) ? o + 7
                                                   : NULL;
    if (!host || !*host || strlen(o) > 200)
        return 0;
    const char *p = host;
    if (*p == '[') {
        p = strchr(p, ']');
        if (!p || p == host + 1)
            return 0;
        for (const char *q = host + 1; q < p; q++)
            if (!strchr("0123456789abcdefABCDEF:.", *q))
                return 0;
        p++;
    } else {
        while ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
               *p == '.' || *p == '-')
            p++;
        if (p == host)
            return 0;
    }
    if (*p == ':') {
        const char *digits = ++p;
        while (*p >= '0' && *p <= '9')
            p++;
        if (p == digits || p - digits > 5)
            return 0;
    }
    return *p == '\0';
}

/* ---- the body ------------------------------------------------------------------------------- */

/* Header, version, a padded size from the buckets, and the key id. */
static int check_shape(const struct pubkey *pk, const unsigned char *env, size_t len,
                       unsigned *status, struct diag *d)
{
    *status = 400;
    if (len < ENVELOPE_HEADER + crypto_box_SEALBYTES || memcmp(env, ENVELOPE_MAGIC, 4)) {
        diag_error(d, "body", 0, 0, "not a sealed request");
        return -1;
    }
    if (env[4] != ENVELOPE_VERSION) {
        diag_error(d, "body", 0, 0, "unknown envelope version %u", (unsigned)env[4]);
        return -1;
    }
    size_t padded = len - ENVELOPE_HEADER - crypto_box_SEALBYTES;
    if (padded < 1024 || padded > 65536 || (padded & (padded - 1))) {
        diag_error(d, "body", 0, 0, "not the size of a sealed request (%zu bytes)", len);
        return -1;
    }
    if (memcmp(env + 5, pk->key_id, PUBKEY_ID_BYTES)) {
        *status = 403;
        diag_error(d, "body", 0, 0, "sealed for another key than this drop box's (%s)",
                   pk->key_id_hex);
        return -1;
    }
    return 0;
}

struct one_block {
    size_t n;
    unsigned char *env;
    size_t len;
    const char *problem;
};

static void take_block(void *ctx, size_t pos, int line, const unsigned char *env, size_t len,
                       const char *problem)
{
    (void)pos;
    (void)line;
    struct one_block *b = ctx;
    if (++b->n > 1 || !env) {
        b->problem = problem ? problem : "more than one request";
        return;
    }
    b->env = xmalloc(len ? len : 1);
    memcpy(b->env, env, len);
    b->len = len;
}

static int is_space(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

int drop_parse(const struct pubkey *pk, const unsigned char *body, size_t len, unsigned char **env,
               size_t *env_len, unsigned *status, struct diag *d)
{
    *env = NULL;
    *status = 400;
    if (len >= 4 && !memcmp(body, ENVELOPE_MAGIC, 4)) {
        if (check_shape(pk, body, len, status, d) < 0)
            return -1;
        *env = xmalloc(len);
        memcpy(*env, body, len);
        *env_len = len;
        return 0;
    }
    /* Armored: one block and only whitespace around it. */
    const unsigned char *start = body, *end = body + len;
    while (start < end && is_space(*start))
        start++;
    while (end > start && is_space(end[-1]))
        end--;
    size_t n = (size_t)(end - start);
    if (memchr(body, '\0', len) || n < strlen(ARMOR_BEGIN) + strlen(ARMOR_END) ||
        memcmp(start, ARMOR_BEGIN, strlen(ARMOR_BEGIN)) ||
        memcmp(end - strlen(ARMOR_END), ARMOR_END, strlen(ARMOR_END))) {
        diag_error(d, "body", 0, 0, "not a sealed request (binary or armored)");
        return -1;
    }
    struct one_block b = {0, NULL, 0, NULL};
    envelope_dearmor((const char *)start, n, take_block, &b);
    if (b.n != 1 || !b.env) {
        diag_error(d, "body", 0, 0, "not exactly one armored request: %s",
                   b.problem ? b.problem : "none found");
        free(b.env);
        return -1;
    }
    if (check_shape(pk, b.env, b.len, status, d) < 0) {
        free(b.env);
        return -1;
    }
    *env = b.env;
    *env_len = b.len;
    return 0;
}

/* ---- HTTP ----------------------------------------------------------------------------------- */

struct drop *drop_new(const struct drop_config *c, struct spool *spool)
{
    struct drop *dp = xcalloc(1, sizeof *dp);
    dp->c = *c;
    if (dp->c.body_max == 0 || dp->c.body_max > DROP_BODY_MAX)
        dp->c.body_max = DROP_BODY_MAX;
    /* Proxies in canonical form, to compare with the peer's address. */
    dp->c.nproxies = 0;
    for (size_t i = 0; i < c->nproxies && i < DROP_MAX_PROXIES; i++) {
        char *canon = dp->proxies[dp->c.nproxies];
        if (netaddr_canonical(c->proxies[i], canon))
            dp->proxy_list[dp->c.nproxies++] = canon;
    }
    dp->spool = spool;
    dp->rate = ratelimit_new(c->rate_per_minute);
    return dp;
}

void drop_free(struct drop *dp)
{
    if (!dp)
        return;
    ratelimit_free(dp->rate);
    free(dp);
}

void drop_state_free(void *state)
{
    struct drop_req *r = state;
    if (!r)
        return;
    buf_free(&r->body);
    free(r);
}

static bool origin_listed(const struct drop *dp, const char *origin)
{
    for (size_t i = 0; i < dp->c.norigins; i++)
        if (!strcmp(dp->c.origins[i], origin))
            return true;
    return false;
}

/* A browser on a listed origin, the drop box's own origin (the kiosk's page),
 * or no browser at all (no Origin header: curl, a proxy's health check). */
static bool origin_allowed(const struct drop *dp, struct MHD_Connection *conn)
{
    const char *origin = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Origin");
    const char *host = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_HOST);
    if (!origin || origin_listed(dp, origin))
        return true;
    return host && !strncmp(origin, "http://", 7) && !strcmp(origin + 7, host);
}

static void add_headers(const struct drop *dp, struct MHD_Connection *conn, struct MHD_Response *r)
{
    const char *origin = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Origin");
    MHD_add_response_header(r, "Content-Type", "text/plain; charset=utf-8");
    MHD_add_response_header(r, "Cache-Control", "no-store");
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(r, "Content-Security-Policy",
                            "default-src 'none'; frame-ancestors 'none'");
    MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
    MHD_add_response_header(r, "Vary", "Origin");
    if (origin && origin_listed(dp, origin))
        MHD_add_response_header(r, "Access-Control-Allow-Origin", origin);
}

/* A short plain-text answer (the reason a script or a log can show). */
static enum MHD_Result answer(const struct drop *dp, struct MHD_Connection *conn, unsigned status,
                              const char *text)
{
    size_t n = strlen(text);
    char *body = xmalloc(n + 2);
    memcpy(body, text, n);
    memcpy(body + n, "\n", 2);
    struct MHD_Response *r = MHD_create_response_from_buffer(n + 1, body, MHD_RESPMEM_MUST_FREE);
    add_headers(dp, conn, r);
    if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
        MHD_add_response_header(r, "Allow", "POST, OPTIONS");
    enum MHD_Result ret = MHD_queue_response(conn, status, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result preflight(const struct drop *dp, struct MHD_Connection *conn)
{
    const char *origin = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Origin");
    const char *want =
        MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Access-Control-Request-Method");
    if (!origin || !origin_listed(dp, origin) || !want || strcmp(want, "POST"))
        return answer(dp, conn, MHD_HTTP_FORBIDDEN, "origin not allowed");
    struct MHD_Response *r = MHD_create_response_from_buffer(0, (char *)"", MHD_RESPMEM_PERSISTENT);
    add_headers(dp, conn, r);
    MHD_add_response_header(r, "Access-Control-Allow-Methods", "POST");
    MHD_add_response_header(r, "Access-Control-Allow-Headers", "Content-Type");
    MHD_add_response_header(r, "Access-Control-Max-Age", "600");
    enum MHD_Result ret = MHD_queue_response(conn, MHD_HTTP_NO_CONTENT, r);
    MHD_destroy_response(r);
    return ret;
}

static bool type_accepted(const char *type)
{
    static const char *const ok[] = {"application/octet-stream", "text/plain", NULL};
    if (!type)
        return true;
    for (size_t i = 0; ok[i]; i++) {
        size_t n = strlen(ok[i]);
        if (!strncasecmp(type, ok[i], n) && (type[n] == '\0' || type[n] == ';' || type[n] == ' '))
            return true;
    }
    return false;
}

/* Headers only: refuses early what will not be accepted. */
static enum MHD_Result headers_in(struct drop *dp, struct MHD_Connection *conn, const char *method,
                                  struct drop_req *r)
{
    char addr[INET6_ADDRSTRLEN];
    r->answered = true;
    if (!strcmp(method, MHD_HTTP_METHOD_OPTIONS))
        return preflight(dp, conn);
    if (strcmp(method, MHD_HTTP_METHOD_POST))
        return answer(dp, conn, MHD_HTTP_METHOD_NOT_ALLOWED, "only POST of a sealed request");
    if (!origin_allowed(dp, conn))
        return answer(dp, conn, MHD_HTTP_FORBIDDEN, "origin not allowed");
    char peer[INET6_ADDRSTRLEN];
    netaddr_client(conn, peer);
    netaddr_forwarded_client(peer,
                             MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "X-Forwarded-For"),
                             dp->proxy_list, dp->c.nproxies, addr);
    if (!ratelimit_allow(dp->rate, addr))
        return answer(dp, conn, MHD_HTTP_TOO_MANY_REQUESTS, "too many requests: wait a minute");
    const char *length =
        MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
    if (length && strtoull(length, NULL, 10) > dp->c.body_max)
        return answer(dp, conn, MHD_HTTP_CONTENT_TOO_LARGE, "too large for a sealed request");
    if (!type_accepted(
            MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_TYPE)))
        return answer(dp, conn, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE,
                      "send application/octet-stream or text/plain");
    r->answered = false;
    return MHD_YES;
}

static enum MHD_Result body_done(struct drop *dp, struct MHD_Connection *conn, struct drop_req *r)
{
    struct diag d = DIAG_INIT;
    unsigned char *env = NULL;
    size_t env_len = 0;
    unsigned status;
    enum MHD_Result ret;
    if (r->too_large) {
        ret = answer(dp, conn, MHD_HTTP_CONTENT_TOO_LARGE, "too large for a sealed request");
    } else if (drop_parse(&dp->c.pubkey, (const unsigned char *)r->body.data, r->body.len, &env,
                          &env_len, &status, &d) < 0) {
        ret = answer(dp, conn, status, diag_first(&d));
    } else if (spool_add(dp->spool, env, env_len, &d) < 0) {
        /* The spool's reason, never the body. */
        fprintf(stderr, "peerkiosk: could not store a sealed request: %s\n", diag_first(&d));
        ret = answer(dp, conn, MHD_HTTP_SERVICE_UNAVAILABLE, "cannot store requests right now");
    } else {
        ret = answer(dp, conn, MHD_HTTP_CREATED, "stored");
    }
    free(env);
    diag_free(&d);
    return ret;
}

enum MHD_Result drop_handle(struct drop *dp, struct MHD_Connection *conn, const char *method,
                            const char *upload_data, size_t *upload_data_size, void **state)
{
    struct drop_req *r = *state;
    if (!r) {
        r = xcalloc(1, sizeof *r);
        *state = r;
        return headers_in(dp, conn, method, r);
    }
    if (r->answered) {
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (*upload_data_size) {
        if (!r->too_large && r->body.len + *upload_data_size <= dp->c.body_max)
            buf_append(&r->body, upload_data, *upload_data_size);
        else
            r->too_large = true;
        *upload_data_size = 0;
        return MHD_YES;
    }
    r->answered = true;
    return body_done(dp, conn, r);
}

/* ---- peerkiosk drop's own daemon ------------------------------------------------------------ */

struct drop_server {
    struct MHD_Daemon *daemon;
    struct spool *spool;
    struct drop *drop;
    struct deadline *deadline;
    uint16_t port;
    pthread_mutex_t lock;
    long in_flight;
};

static char not_found; /* req_cls of a request for another path */

static enum MHD_Result daemon_handle(void *cls, struct MHD_Connection *conn, const char *url,
                                     const char *method, const char *version,
                                     const char *upload_data, size_t *upload_data_size,
                                     void **req_cls)
{
    (void)version;
    struct drop_server *s = cls;
    deadline_request(conn, *req_cls == NULL, *upload_data_size);
    if (!*req_cls) {
        pthread_mutex_lock(&s->lock);
        s->in_flight++;
        pthread_mutex_unlock(&s->lock);
    }
    if (strcmp(url, DROP_PATH)) {
        if (*req_cls) {
            *upload_data_size = 0;
            return MHD_YES;
        }
        *req_cls = &not_found;
        return answer(s->drop, conn, MHD_HTTP_NOT_FOUND, "this drop box answers POST /drop only");
    }
    return drop_handle(s->drop, conn, method, upload_data, upload_data_size, req_cls);
}

static void daemon_completed(void *cls, struct MHD_Connection *conn, void **req_cls,
                             enum MHD_RequestTerminationCode toe)
{
    (void)toe;
    struct drop_server *s = cls;
    deadline_completed(conn);
    if (!*req_cls)
        return;
    if (*req_cls != &not_found)
        drop_state_free(*req_cls);
    *req_cls = NULL;
    pthread_mutex_lock(&s->lock);
    s->in_flight--;
    pthread_mutex_unlock(&s->lock);
}

static void log_mhd(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    /* libmicrohttpd's own errors (sockets, limits); they never hold bodies. */
    fputs("peerkiosk: http: ", stderr);
    vfprintf(stderr, fmt, ap);
}

int drop_start(const struct drop_config *c, const char *listen, const char *spool_path,
               struct drop_server **out, struct diag *d)
{
    struct drop_server *s = xcalloc(1, sizeof *s);
    struct sockaddr_storage addr;
    pthread_mutex_init(&s->lock, NULL);
    for (size_t i = 0; i < c->norigins; i++)
        if (!drop_origin_valid(c->origins[i])) {
            diag_error(d, "--allow-origin", 0, 0,
                       "expected an origin such as https://peers.example.org (scheme, host and "
                       "port only), got \"%s\"",
                       c->origins[i]);
            goto fail;
        }
    char canon[INET6_ADDRSTRLEN];
    for (size_t i = 0; i < c->nproxies; i++)
        if (!netaddr_canonical(c->proxies[i], canon)) {
            diag_error(d, "--trusted-proxy", 0, 0,
                       "expected the proxy's IP address, such as 127.0.0.1, got \"%s\"",
                       c->proxies[i]);
            goto fail;
        }
    if (netaddr_parse_listen("--listen", listen, &addr, d) < 0 ||
        spool_open(spool_path, SPOOL_CREATE, &s->spool, d) < 0)
        goto fail;
    s->drop = drop_new(c, s->spool);
    if (!(s->deadline = deadline_new(c->deadline_seconds, DEADLINE_MIN_RATE, DEADLINE_GRACE))) {
        diag_error(d, listen, 0, 0, "cannot start the deadline watchdog");
        goto fail;
    }
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO | MHD_USE_ITC |
                     MHD_USE_ERROR_LOG | (addr.ss_family == AF_INET6 ? MHD_USE_IPv6 : 0);
    s->daemon = MHD_start_daemon(flags, 0, NULL, NULL, daemon_handle, s, MHD_OPTION_EXTERNAL_LOGGER,
                                 log_mhd, NULL, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr,
                                 MHD_OPTION_THREAD_POOL_SIZE, (unsigned)c->threads,
                                 MHD_OPTION_CONNECTION_LIMIT, (unsigned)c->max_connections,
                                 MHD_OPTION_PER_IP_CONNECTION_LIMIT,
                                 c->nproxies ? 0u : (unsigned)c->per_ip_connections,
                                 MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)c->timeout_seconds,
                                 MHD_OPTION_NOTIFY_COMPLETED, daemon_completed, s,
                                 MHD_OPTION_NOTIFY_CONNECTION, deadline_notify, s->deadline,
                                 MHD_OPTION_END);
    if (!s->daemon) {
        diag_error(d, listen, 0, 0, "cannot listen: %s", strerror(errno));
        goto fail;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(s->daemon, MHD_DAEMON_INFO_BIND_PORT);
    s->port = info ? info->port : 0;
    *out = s;
    return 0;
fail:
    drop_stop(s, 0);
    return -1;
}

void drop_stop(struct drop_server *s, unsigned grace_seconds)
{
    if (!s)
        return;
    if (s->daemon) {
        MHD_socket listener = MHD_quiesce_daemon(s->daemon);
        if (listener != MHD_INVALID_SOCKET)
            close(listener);
        for (unsigned waited = 0; waited < grace_seconds * 20; waited++) {
            pthread_mutex_lock(&s->lock);
            long busy = s->in_flight;
            pthread_mutex_unlock(&s->lock);
            if (busy <= 0)
                break;
            usleep(50 * 1000);
        }
        MHD_stop_daemon(s->daemon);
    }
    deadline_free(s->deadline);
    drop_free(s->drop);
    spool_close(s->spool);
    pthread_mutex_destroy(&s->lock);
    free(s);
}

uint16_t drop_port(const struct drop_server *s)
{
    return s->port;
}
