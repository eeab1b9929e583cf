#include "server.h"

#include <arpa/inet.h>
#include <malloc.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sodium.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "deadline.h"
#include "drop.h"
#include "envelope.h"
#include "formspec.h"
#include "formbody.h"
#include "netaddr.h"
#include "pages.h"
#include "sitekey.h"
#include "spool.h"
#include "webroot.h"

#define TOKENS 256
#define RATE_SLOTS 128
#define THANKS_PATH "/request/thanks"
/* Each connection's buffer for the raw request (a form's plaintext passes
 * through it). Above 32 KiB libmicrohttpd maps it on its own, zeroes it
 * between requests and unmaps it when the connection closes, rather than
 * leaving it in the heap unwiped. */
#define CONNECTION_POOL (64 * 1024)

/* A thank-you page waiting to be shown: the token in its URL, the reference
 * code, and when it stops being shown (the site's idle time). */
struct token {
    char id[33];
    char reference[16];
    time_t expires;
};

/* One client address's token bucket for POST /request. */
struct rate_slot {
    char addr[INET6_ADDRSTRLEN];
    double tokens;
    time_t last;
};

struct server {
    struct server_config c;
    struct MHD_Daemon *daemon;
    struct webroot *root;
    struct formspec *schema;
    struct pages *pages;
    struct spool *spool;
    struct drop *drop; /* the kiosk's own /drop, for requests its browser sealed */
    struct deadline *deadline;
    char channel[48];
    uint16_t port;
    pthread_mutex_t lock; /* tokens, rate slots, in_flight */
    struct token tokens[TOKENS];
    size_t next_token;
    struct rate_slot rates[RATE_SLOTS];
    long in_flight;
};

/* Per-request state for POST /request. */
struct post {
    struct formbody *body;
    void *drop;  /* drop_handle's state for a request to /drop */
    int refused; /* an answer was queued before the body was read */
};

void server_config_defaults(struct server_config *c)
{
    c->body_max = 64 * 1024;
    c->rate_per_minute = 10;
    c->max_connections = 256;
    c->per_ip_connections = 128; /* the kiosk's browser and local tools share 127.0.0.1 */
    c->timeout_seconds = 15;
    c->deadline_seconds = 30;
    c->threads = 4;
}

/* ---- responses -------------------------------------------------------------- */

static void security_headers(struct MHD_Response *r, bool no_store)
{
    MHD_add_response_header(r, "Content-Security-Policy",
                            "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; "
                            "style-src 'self'; "
                            "img-src 'self'; connect-src 'self'; form-action 'self'; "
                            "base-uri 'none'; frame-ancestors 'none'");
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
    MHD_add_response_header(r, "X-Frame-Options", "DENY");
    MHD_add_response_header(r, "Cross-Origin-Opener-Policy", "same-origin");
    MHD_add_response_header(r, "Cache-Control", no_store ? "no-store" : "no-cache");
}

/* Sends html (taking its memory) with the status; no_store for anything
 * that shows or follows a request. */
static enum MHD_Result send_html(struct MHD_Connection *conn, unsigned status, struct buf *html,
                                 bool no_store)
{
    size_t len = html->len;
    char *data = buf_detach(html);
    struct MHD_Response *r =
        MHD_create_response_from_buffer(len, data ? data : (char *)"",
                                        data ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
    MHD_add_response_header(r, "Content-Type", "text/html; charset=utf-8");
    security_headers(r, no_store);
    enum MHD_Result ret = MHD_queue_response(conn, status, r);
    MHD_destroy_response(r);
    return ret;
}

/* Frees a page that held what a requester typed, wiped first. */
static void wipe_free(void *p)
{
    if (p) {
        sodium_memzero(p, malloc_usable_size(p));
        free(p);
    }
}

/* send_html for a page holding what was typed (the problems page): the
 * buffer, sized once by its writer, is wiped when libmicrohttpd is done. */
static enum MHD_Result send_private_html(struct MHD_Connection *conn, unsigned status,
                                         struct buf *html)
{
    size_t len = html->len;
    char *data = buf_detach(html);
    struct MHD_Response *r =
        MHD_create_response_from_buffer_with_free_callback(len, data, wipe_free);
    MHD_add_response_header(r, "Content-Type", "text/html; charset=utf-8");
    security_headers(r, true);
    enum MHD_Result ret = MHD_queue_response(conn, status, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result send_message(struct server *s, struct MHD_Connection *conn, unsigned status,
                                    const char *title, const char *text)
{
    struct buf html = BUF_INIT;
    pages_message(s->pages, title, text, &html);
    return send_html(conn, status, &html, true);
}

/* An empty response whose one header says it all (Location, Allow). */
static enum MHD_Result send_empty(struct MHD_Connection *conn, unsigned status, const char *header,
                                  const char *value)
{
    struct MHD_Response *r = MHD_create_response_from_buffer(0, (char *)"", MHD_RESPMEM_PERSISTENT);
    MHD_add_response_header(r, header, value);
    security_headers(r, true);
    enum MHD_Result ret = MHD_queue_response(conn, status, r);
    MHD_destroy_response(r);
    return ret;
}

/* A file of the site (the response takes fd). */
static enum MHD_Result send_file(struct MHD_Connection *conn, unsigned status, int fd, off_t size,
                                 const char *mime, bool no_store)
{
    struct MHD_Response *r = MHD_create_response_from_fd((uint64_t)size, fd);
    MHD_add_response_header(r, "Content-Type", mime);
    security_headers(r, no_store);
    enum MHD_Result ret = MHD_queue_response(conn, status, r);
    MHD_destroy_response(r);
    return ret;
}

/* The site's own 404 page (root-absolute links, so it works at any depth). */
static enum MHD_Result send_not_found(struct server *s, struct MHD_Connection *conn)
{
    int fd;
    off_t size;
    const char *mime;
    if (webroot_resolve(s->root, "/404.html", &fd, &size, &mime) == WEBROOT_OK)
        return send_file(conn, MHD_HTTP_NOT_FOUND, fd, size, mime, false);
    struct buf html = BUF_INIT;
    buf_puts(&html, "<!doctype html><title>Not found</title><h1>Not found</h1>");
    return send_html(conn, MHD_HTTP_NOT_FOUND, &html, false);
}

/* ---- static files ------------------------------------------------------------ */

static bool is_request_page(const char *url)
{
    return !strcmp(url, "/request/") || !strcmp(url, "/request/index.html");
}

static enum MHD_Result serve_file(struct server *s, struct MHD_Connection *conn, const char *url)
{
    int fd;
    off_t size;
    const char *mime;
    switch (webroot_resolve(s->root, url, &fd, &size, &mime)) {
    case WEBROOT_OK: return send_file(conn, MHD_HTTP_OK, fd, size, mime, is_request_page(url));
    case WEBROOT_REDIRECT: {
        char *to = NULL;
        if (asprintf(&to, "%s/", url) < 0)
            abort();
        enum MHD_Result ret = send_empty(conn, MHD_HTTP_MOVED_PERMANENTLY, "Location", to);
        free(to);
        return ret;
    }
    case WEBROOT_FORBIDDEN:
    case WEBROOT_NOT_FOUND: break;
    }
    return send_not_found(s, conn);
}

/* ---- thank-you tokens ---------------------------------------------------------- */

static void token_add(struct server *s, const char *reference, char id[33])
{
    unsigned char raw[16];
    randombytes_buf(raw, sizeof raw);
    sodium_bin2hex(id, 33, raw, sizeof raw);
    pthread_mutex_lock(&s->lock);
    struct token *t = &s->tokens[s->next_token++ % TOKENS];
    memcpy(t->id, id, 33);
    snprintf(t->reference, sizeof t->reference, "%s", reference);
    t->expires = time(NULL) + formspec_idle(s->schema);
    pthread_mutex_unlock(&s->lock);
}

static bool token_find(struct server *s, const char *id, char reference[16])
{
    bool found = false;
    time_t now = time(NULL);
    if (!id || strlen(id) != 32)
        return false;
    pthread_mutex_lock(&s->lock);
    for (size_t i = 0; i < TOKENS && !found; i++) {
        struct token *t = &s->tokens[i];
        if (t->id[0] && sodium_memcmp(t->id, id, 32) == 0) {
            if (t->expires > now) {
                memcpy(reference, t->reference, 16);
                found = true;
            } else {
                sodium_memzero(t, sizeof *t);
            }
        }
    }
    pthread_mutex_unlock(&s->lock);
    return found;
}

static enum MHD_Result serve_thanks(struct server *s, struct MHD_Connection *conn)
{
    char reference[16];
    const char *id = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "t");
    if (!token_find(s, id, reference))
        return send_message(s, conn, MHD_HTTP_GONE, "This confirmation is no longer shown",
                            "For privacy, the confirmation of a request is shown only for a short "
                            "time on this kiosk. If you sent a request, it was received.");
    struct buf html = BUF_INIT;
    pages_thanks(s->pages, reference, &html);
    return send_html(conn, MHD_HTTP_OK, &html, true);
}

/* ---- limits -------------------------------------------------------------------- */

static void client_address(struct MHD_Connection *conn, char out[INET6_ADDRSTRLEN])
{
    const union MHD_ConnectionInfo *info =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    out[0] = '\0';
    if (!info || !info->client_addr)
        return;
    const struct sockaddr *sa = info->client_addr;
    if (sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, out,
                  INET6_ADDRSTRLEN);
    else if (sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, out,
                  INET6_ADDRSTRLEN);
}

/* A token bucket per client address: rate_per_minute requests a minute, with
 * bursts of as many. Returns false when this request is over the limit. */
static bool rate_allows(struct server *s, struct MHD_Connection *conn)
{
    if (s->c.rate_per_minute == 0)
        return true;
    char addr[INET6_ADDRSTRLEN];
    client_address(conn, addr);
    time_t now = time(NULL);
    double per_second = s->c.rate_per_minute / 60.0, cap = s->c.rate_per_minute;
    pthread_mutex_lock(&s->lock);
    struct rate_slot *slot = NULL, *oldest = &s->rates[0];
    for (size_t i = 0; i < RATE_SLOTS && !slot; i++) {
        if (!strcmp(s->rates[i].addr, addr) && s->rates[i].last)
            slot = &s->rates[i];
        else if (s->rates[i].last < oldest->last)
            oldest = &s->rates[i];
    }
    if (!slot) {
        slot = oldest;
        snprintf(slot->addr, sizeof slot->addr, "%s", addr);
        slot->tokens = cap;
        slot->last = now;
    }
    slot->tokens += (double)(now - slot->last) * per_second;
    if (slot->tokens > cap)
        slot->tokens = cap;
    slot->last = now;
    bool ok = slot->tokens >= 1.0;
    if (ok)
        slot->tokens -= 1.0;
    pthread_mutex_unlock(&s->lock);
    return ok;
}

/* ---- POST /request --------------------------------------------------------------- */

/* Validates, seals and commits one request; answers 422, 503 or 303. */
static enum MHD_Result finish_request(struct server *s, struct MHD_Connection *conn, struct post *p)
{
    struct diag problems = DIAG_INIT, d = DIAG_INIT;
    json_t *values = formbody_values(p->body, &problems), *fields = NULL;
    unsigned char *env = NULL;
    size_t env_len;
    char reference[16], token[33];
    enum MHD_Result ret;
    if (!values || formspec_validate(s->schema, values, &fields, &problems) < 0) {
        struct buf html = BUF_INIT;
        pages_invalid(s->pages, &problems, values, &html);
        ret = send_private_html(conn, MHD_HTTP_UNPROCESSABLE_CONTENT, &html);
        goto out;
    }
    if (envelope_seal(&s->c.pubkey, formspec_hash(s->schema), s->schema, s->channel, fields,
                      reference, &env, &env_len, &problems) < 0) {
        struct buf html = BUF_INIT;
        if (!strcmp(problems.items[0].where, "request")) {
            /* Too large once sealed: the body limit normally prevents it. */
            ret = send_message(s, conn, MHD_HTTP_CONTENT_TOO_LARGE, "Your request is too long",
                               "Nothing was kept. Please shorten your message and send it again.");
            goto out;
        }
        /* The administrator's import would refuse what was to be sealed. */
        pages_invalid(s->pages, &problems, values, &html);
        ret = send_private_html(conn, MHD_HTTP_UNPROCESSABLE_CONTENT, &html);
        goto out;
    }
    /* Drop the plaintext before the slow part: the spool commit. */
    json_decref(fields);
    json_decref(values);
    fields = values = NULL;
    formbody_free(p->body);
    p->body = NULL;
    if (spool_add(s->spool, env, env_len, &d) < 0) {
        /* The message names the spool and SQLite's reason; never the request. */
        fprintf(stderr, "peerkiosk: could not store a request: %s\n", diag_first(&d));
        ret = send_message(s, conn, MHD_HTTP_SERVICE_UNAVAILABLE, "Your request could not be saved",
                           "Nothing was kept. This kiosk cannot store requests right now; please "
                           "try again in a few minutes, or contact the program directly.");
        goto out;
    }
    token_add(s, reference, token);
    char location[96];
    snprintf(location, sizeof location, THANKS_PATH "?t=%s", token);
    ret = send_empty(conn, MHD_HTTP_SEE_OTHER, "Location", location);
out:
    sodium_memzero(reference, sizeof reference);
    json_decref(fields);
    json_decref(values);
    free(env);
    diag_free(&problems);
    diag_free(&d);
    return ret;
}

static enum MHD_Result handle_post(struct server *s, struct MHD_Connection *conn,
                                   const char *upload_data, size_t *upload_data_size,
                                   void **req_cls)
{
    struct post *p = *req_cls == s ? NULL : *req_cls;
    if (!p) {
        /* Headers only: refuse early what will not be accepted. */
        p = calloc(1, sizeof *p);
        if (!p)
            abort();
        *req_cls = p;
        const char *length =
            MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
        p->refused = 1;
        /* The form's plaintext comes only from the kiosk's own browser:
         * over the network it would travel unsealed. */
        if (!netaddr_client_is_loopback(conn))
            return send_message(s, conn, MHD_HTTP_FORBIDDEN, "Requests are taken on the kiosk only",
                                "Nothing was kept. This form can be sent only from the kiosk "
                                "itself; please use the program's own site, or contact the "
                                "program directly.");
        if (!rate_allows(s, conn))
            return send_message(s, conn, MHD_HTTP_TOO_MANY_REQUESTS, "Too many requests",
                                "Nothing was kept. Please wait a minute and send your request "
                                "again.");
        if (length && strtoull(length, NULL, 10) > s->c.body_max)
            return send_message(s, conn, MHD_HTTP_CONTENT_TOO_LARGE, "Your request is too long",
                                "Nothing was kept. Please shorten your message and send it "
                                "again.");
        p->body = formbody_new(conn, s->schema, s->c.body_max);
        if (!p->body)
            return send_message(s, conn, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE, "Not a form",
                                "Requests are sent with the form on this site.");
        p->refused = 0;
        return MHD_YES;
    }
    if (p->refused) {
        *upload_data_size = 0; /* an answer is queued; the body is dropped */
        return MHD_YES;
    }
    if (*upload_data_size) {
        /* A body that grows past the limit (no or a false Content-Length), or
         * that cannot be parsed, is refused here (its values wiped) and the
         * rest is read and ignored, within the request's deadline, so the
         * answer is a page and not a dropped connection. */
        formbody_feed(p->body, upload_data, *upload_data_size);
        *upload_data_size = 0;
        return MHD_YES;
    }
    switch (formbody_status(p->body)) {
    case FORMBODY_OK: break;
    case FORMBODY_TOO_LARGE:
        return send_message(s, conn, MHD_HTTP_CONTENT_TOO_LARGE, "Your request is too long",
                            "Nothing was kept. Please shorten your message and send it again.");
    case FORMBODY_MALFORMED:
        return send_message(s, conn, MHD_HTTP_BAD_REQUEST, "This form could not be read",
                            "Nothing was kept. Please send your request again with the form on "
                            "this kiosk.");
    }
    return finish_request(s, conn, p);
}

/* ---- dispatch ---------------------------------------------------------------------- */

static enum MHD_Result handle(void *cls, struct MHD_Connection *conn, const char *url,
                              const char *method, const char *version, const char *upload_data,
                              size_t *upload_data_size, void **req_cls)
{
    (void)version;
    struct server *s = cls;
    bool get = !strcmp(method, MHD_HTTP_METHOD_GET) || !strcmp(method, MHD_HTTP_METHOD_HEAD);
    bool post = !strcmp(method, MHD_HTTP_METHOD_POST);
    deadline_request(conn, *req_cls == NULL, *upload_data_size);
    if (!*req_cls) {
        /* Counted until completed(), so a stop can wait for it. */
        pthread_mutex_lock(&s->lock);
        s->in_flight++;
        pthread_mutex_unlock(&s->lock);
        *req_cls = s;
    }
    if (post && (!strcmp(url, "/request") || !strcmp(url, "/request/")))
        return handle_post(s, conn, upload_data, upload_data_size, req_cls);
    if (!strcmp(url, DROP_PATH)) {
        struct post *p = *req_cls == s ? NULL : *req_cls;
        if (!p) {
            p = calloc(1, sizeof *p);
            if (!p)
                abort();
            *req_cls = p;
        }
        return drop_handle(s->drop, conn, method, upload_data, upload_data_size, &p->drop);
    }
    if (*upload_data_size) {
        *upload_data_size = 0; /* a body where none is expected: ignored */
        return MHD_YES;
    }
    if (!get)
        return send_empty(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "Allow",
                          post ? "GET, HEAD" : "GET, HEAD, POST");
    if (!strcmp(url, THANKS_PATH))
        return serve_thanks(s, conn);
    if (is_request_page(url)) {
        struct buf html = BUF_INIT;
        pages_request(s->pages, &html);
        return send_html(conn, MHD_HTTP_OK, &html, true);
    }
    return serve_file(s, conn, url);
}

static void completed(void *cls, struct MHD_Connection *conn, void **req_cls,
                      enum MHD_RequestTerminationCode toe)
{
    (void)toe;
    struct server *s = cls;
    deadline_completed(conn);
    if (!*req_cls)
        return;
    if (*req_cls != s) {
        struct post *p = *req_cls;
        formbody_free(p->body);
        drop_state_free(p->drop);
        free(p);
    }
    *req_cls = NULL;
    pthread_mutex_lock(&s->lock);
    s->in_flight--;
    pthread_mutex_unlock(&s->lock);
}

/* ---- start and stop ---------------------------------------------------------------- */

/* "127.0.0.1:8080", "[::1]:8080" or ":8080" (loopback). */
static int parse_listen(const char *text, struct sockaddr_storage *ss, socklen_t *len,
                        struct diag *d)
{
    char host[64];
    const char *colon = strrchr(text, ':');
    const char *host_start = text, *host_end = colon;
    if (!colon || !colon[1])
        goto bad;
    char *stop;
    unsigned long port = strtoul(colon + 1, &stop, 10);
    if (*stop || port > 65535)
        goto bad;
    if (*text == '[') {
        host_start = text + 1;
        if (colon == text || colon[-1] != ']')
            goto bad;
        host_end = colon - 1;
    }
    if ((size_t)(host_end - host_start) >= sizeof host)
        goto bad;
    memcpy(host, host_start, (size_t)(host_end - host_start));
    host[host_end - host_start] = '\0';
    memset(ss, 0, sizeof *ss);
    struct sockaddr_in *v4 = (struct sockaddr_in *)ss;
    struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)ss;
    if (!host[0] || inet_pton(AF_INET, host, &v4->sin_addr) == 1) {
        if (!host[0])
            v4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        v4->sin_family = AF_INET;
        v4->sin_port = htons((uint16_t)port);
        *len = sizeof *v4;
        return 0;
    }
    if (inet_pton(AF_INET6, host, &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons((uint16_t)port);
        *len = sizeof *v6;
        return 0;
    }
bad:
    diag_error(d, "--listen", 0, 0, "expected ADDRESS:PORT such as 127.0.0.1:8080, got \"%s\"",
               text);
    return -1;
}

static void log_mhd(void *cls, const char *fmt, va_list ap)
{
    (void)cls;
    /* libmicrohttpd's own errors (sockets, limits); they never hold bodies. */
    fputs("peerkiosk: http: ", stderr);
    vfprintf(stderr, fmt, ap);
}

/* The request page as it will be served shows and seals to --pubkey's key
 * (sitekey.h): checked on the very bytes served, before anything listens. */
static int check_request_page(const struct server *s, const char *site, struct diag *d)
{
    struct buf page = BUF_INIT;
    char *path = NULL;
    if (asprintf(&path, "%s/request/index.html", site) < 0)
        abort();
    pages_request(s->pages, &page);
    int rc = sitekey_check_page(page.data ? page.data : "", page.len, path, &s->c.pubkey, d);
    buf_free(&page);
    free(path);
    return rc;
}

int server_start(const struct server_config *c, struct server **out, struct diag *d)
{
    struct server *s = calloc(1, sizeof *s);
    if (!s)
        abort();
    s->c = *c;
    pthread_mutex_init(&s->lock, NULL);
    snprintf(s->channel, sizeof s->channel, "kiosk:%s", c->kiosk_id);
    struct sockaddr_storage addr;
    socklen_t addr_len;
    if (parse_listen(c->listen, &addr, &addr_len, d) < 0)
        goto fail;
    if (!(s->root = webroot_open(c->site))) {
        diag_error(d, c->site, 0, 0, "cannot open the site: %s", strerror(errno));
        goto fail;
    }
    if (formspec_load(c->site, &s->schema, d) < 0 ||
        pages_load(c->site, s->schema, s->channel, &s->pages, d) < 0 ||
        check_request_page(s, c->site, d) < 0 ||
        spool_open(c->spool, SPOOL_CREATE, &s->spool, d) < 0)
        goto fail;
    struct drop_config dc;
    drop_config_defaults(&dc);
    dc.pubkey = c->pubkey;
    dc.rate_per_minute = c->rate_per_minute;
    s->drop = drop_new(&dc, s->spool);
    if (!(s->deadline = deadline_new(c->deadline_seconds, DEADLINE_MIN_RATE, DEADLINE_GRACE))) {
        diag_error(d, c->listen, 0, 0, "cannot start the deadline watchdog");
        goto fail;
    }
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO | MHD_USE_ITC |
                     MHD_USE_ERROR_LOG | (addr.ss_family == AF_INET6 ? MHD_USE_IPv6 : 0);
    s->daemon =
        MHD_start_daemon(flags, 0, NULL, NULL, handle, s, MHD_OPTION_EXTERNAL_LOGGER, log_mhd, NULL,
                         MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr,
                         MHD_OPTION_THREAD_POOL_SIZE, (unsigned)c->threads,
                         MHD_OPTION_CONNECTION_LIMIT, (unsigned)c->max_connections,
                         MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)c->per_ip_connections,
                         MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)c->timeout_seconds,
                         MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)CONNECTION_POOL,
                         MHD_OPTION_NOTIFY_COMPLETED, completed, s, MHD_OPTION_NOTIFY_CONNECTION,
                         deadline_notify, s->deadline, MHD_OPTION_END);
    if (!s->daemon) {
        diag_error(d, c->listen, 0, 0, "cannot listen: %s", strerror(errno));
        goto fail;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(s->daemon, MHD_DAEMON_INFO_BIND_PORT);
    s->port = info ? info->port : 0;
    (void)addr_len;
    *out = s;
    return 0;
fail:
    server_stop(s, 0);
    return -1;
}

void server_stop(struct server *s, unsigned grace_seconds)
{
    if (!s)
        return;
    if (s->daemon) {
        MHD_socket listener = MHD_quiesce_daemon(s->daemon);
        if (listener != MHD_INVALID_SOCKET)
            close(listener);
        /* Let requests in flight finish (a submission being committed). */
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
    pages_free(s->pages);
    formspec_free(s->schema);
    webroot_close(s->root);
    sodium_memzero(s->tokens, sizeof s->tokens);
    pthread_mutex_destroy(&s->lock);
    free(s);
}

uint16_t server_port(const struct server *s)
{
    return s->port;
}
