#include "deadline.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>

#include "xalloc.h"

enum phase {
    WAITING,   /* for a request's headers */
    BODY,      /* headers in, the body arriving */
    ANSWERING, /* the whole request in, the answer going out */
};

/* One connection. It lives from libmicrohttpd's STARTED notice to its
 * CLOSED notice, which comes before the socket is closed: holding the lock,
 * the watchdog only ever shuts down a socket that is still this one. */
struct watch {
    struct watch *prev, *next;
    struct deadline *dl;
    int fd;
    enum phase phase;
    double start;      /* of this request (or of the wait for one) */
    double body_start; /* when its headers were in */
    size_t body_bytes;
    bool shut;
};

struct deadline {
    unsigned seconds, min_rate, grace;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    pthread_t thread;
    bool stop;
    struct watch *head;
    unsigned long shut;
};

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Whether w is past its request's deadline or below the body's rate. */
static bool overdue(const struct deadline *dl, const struct watch *w, double t)
{
    if (t - w->start > dl->seconds)
        return true;
    if (w->phase != BODY)
        return false;
    double counted = t - w->body_start - dl->grace;
    return counted > 0 && (double)w->body_bytes < counted * dl->min_rate;
}

static void *watchdog(void *arg)
{
    struct deadline *dl = arg;
    pthread_mutex_lock(&dl->lock);
    while (!dl->stop) {
        struct timespec until;
        clock_gettime(CLOCK_MONOTONIC, &until);
        until.tv_nsec += 250 * 1000 * 1000;
        if (until.tv_nsec >= 1000 * 1000 * 1000) {
            until.tv_sec++;
            until.tv_nsec -= 1000 * 1000 * 1000;
        }
        pthread_cond_timedwait(&dl->wake, &dl->lock, &until);
        double t = now();
        for (struct watch *w = dl->head; w; w = w->next)
            if (!w->shut && w->fd >= 0 && overdue(dl, w, t)) {
                shutdown(w->fd, SHUT_RDWR);
                w->shut = true;
                dl->shut++;
            }
    }
    pthread_mutex_unlock(&dl->lock);
    return NULL;
}

struct deadline *deadline_new(unsigned seconds, unsigned min_rate, unsigned grace)
{
    struct deadline *dl = xcalloc(1, sizeof *dl);
    pthread_condattr_t attr;
    dl->seconds = seconds;
    dl->min_rate = min_rate;
    dl->grace = grace;
    pthread_mutex_init(&dl->lock, NULL);
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&dl->wake, &attr);
    pthread_condattr_destroy(&attr);
    if (pthread_create(&dl->thread, NULL, watchdog, dl) != 0) {
        pthread_cond_destroy(&dl->wake);
        pthread_mutex_destroy(&dl->lock);
        free(dl);
        return NULL;
    }
    return dl;
}

void deadline_free(struct deadline *dl)
{
    if (!dl)
        return;
    pthread_mutex_lock(&dl->lock);
    dl->stop = true;
    pthread_cond_signal(&dl->wake);
    pthread_mutex_unlock(&dl->lock);
    pthread_join(dl->thread, NULL);
    while (dl->head) {
        struct watch *w = dl->head;
        dl->head = w->next;
        free(w);
    }
    pthread_cond_destroy(&dl->wake);
    pthread_mutex_destroy(&dl->lock);
    free(dl);
}

void deadline_notify(void *cls, struct MHD_Connection *conn, void **socket_context,
                     enum MHD_ConnectionNotificationCode code)
{
    struct deadline *dl = cls;
    struct watch *w = *socket_context;
    if (code == MHD_CONNECTION_NOTIFY_STARTED) {
        const union MHD_ConnectionInfo *info =
            MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
        w = xcalloc(1, sizeof *w);
        w->dl = dl;
        w->fd = info ? (int)info->connect_fd : -1;
        w->phase = WAITING;
        w->start = now();
        pthread_mutex_lock(&dl->lock);
        w->next = dl->head;
        if (dl->head)
            dl->head->prev = w;
        dl->head = w;
        pthread_mutex_unlock(&dl->lock);
        *socket_context = w;
        return;
    }
    if (!w)
        return;
    pthread_mutex_lock(&dl->lock);
    if (w->prev)
        w->prev->next = w->next;
    else
        dl->head = w->next;
    if (w->next)
        w->next->prev = w->prev;
    pthread_mutex_unlock(&dl->lock);
    free(w);
    *socket_context = NULL;
}

static struct watch *watch_of(struct MHD_Connection *conn)
{
    const union MHD_ConnectionInfo *info =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    return info ? info->socket_context : NULL;
}

/* A body follows the headers: a length above zero, or chunks. */
static bool body_expected(struct MHD_Connection *conn)
{
    const char *len =
        MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
    return (len && strtoull(len, NULL, 10) > 0) ||
           MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_TRANSFER_ENCODING);
}

void deadline_request(struct MHD_Connection *conn, bool first, size_t upload_size)
{
    struct watch *w = watch_of(conn);
    if (!w)
        return;
    bool body = first && body_expected(conn);
    pthread_mutex_lock(&w->dl->lock);
    if (first) {
        w->phase = body ? BODY : ANSWERING;
        w->body_start = now();
        w->body_bytes = 0;
    } else if (upload_size) {
        w->body_bytes += upload_size;
    } else {
        w->phase = ANSWERING;
    }
    pthread_mutex_unlock(&w->dl->lock);
}

void deadline_completed(struct MHD_Connection *conn)
{
    struct watch *w = watch_of(conn);
    if (!w)
        return;
    pthread_mutex_lock(&w->dl->lock);
    w->phase = WAITING;
    w->start = now();
    pthread_mutex_unlock(&w->dl->lock);
}

unsigned long deadline_shut(struct deadline *dl)
{
    pthread_mutex_lock(&dl->lock);
    unsigned long n = dl->shut;
    pthread_mutex_unlock(&dl->lock);
    return n;
}
