/* Unit tests for kiosk/formbody.c, fed by libmicrohttpd as the kiosk server
 * feeds it: a good body gives its values; a body that cannot be read (an
 * unescaped '=' in a value) or holds more fields than a form can have is
 * refused, and the values read before the refusal are wiped at once, while
 * the rest of the body is still read, so the server can answer with a page. */
#include "kiosk_support.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sys/socket.h>

#include "buf.h"
#include "formbody.h"
#include "formspec.h"

static struct formspec *schema;

/* What the handler saw of the last request. */
static struct {
    pthread_mutex_t lock;
    enum formbody_status status;
    size_t residue_before; /* after the first chunk: values were held */
    size_t residue_end;    /* when the whole body had been read */
    size_t chunks;
    char *name; /* the "name" value of a good body */
} seen = {PTHREAD_MUTEX_INITIALIZER, FORMBODY_OK, 0, 0, 0, NULL};

static enum MHD_Result handler(void *cls, struct MHD_Connection *conn, const char *url,
                               const char *method, const char *version, const char *upload_data,
                               size_t *upload_data_size, void **req_cls)
{
    (void)cls;
    (void)url;
    (void)method;
    (void)version;
    struct formbody *b = *req_cls;
    if (!b) {
        *req_cls = formbody_new(conn, schema, 4096);
        return *req_cls ? MHD_YES : MHD_NO;
    }
    if (*upload_data_size) {
        formbody_feed(b, upload_data, *upload_data_size);
        *upload_data_size = 0;
        pthread_mutex_lock(&seen.lock);
        if (seen.chunks++ == 0)
            seen.residue_before = formbody_residue(b);
        pthread_mutex_unlock(&seen.lock);
        return MHD_YES;
    }
    pthread_mutex_lock(&seen.lock);
    seen.status = formbody_status(b);
    seen.residue_end = formbody_residue(b);
    if (seen.status == FORMBODY_OK) {
        struct diag d = DIAG_INIT;
        json_t *values = formbody_values(b, &d);
        const char *name = json_string_value(json_object_get(values, "name"));
        seen.name = name ? strdup(name) : NULL;
        json_decref(values);
        diag_free(&d);
    }
    pthread_mutex_unlock(&seen.lock);
    struct MHD_Response *r =
        MHD_create_response_from_buffer(2, (char *)"ok", MHD_RESPMEM_PERSISTENT);
    enum MHD_Result ret = MHD_queue_response(conn, MHD_HTTP_OK, r);
    MHD_destroy_response(r);
    return ret;
}

static void completed(void *cls, struct MHD_Connection *conn, void **req_cls,
                      enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)conn;
    (void)toe;
    formbody_free(*req_cls);
    *req_cls = NULL;
}

/* POSTs body as an urlencoded form and returns the status line's code (0 if
 * the connection was dropped without an answer). */
static int post(uint16_t port, const char *body)
{
    pthread_mutex_lock(&seen.lock);
    seen.status = FORMBODY_OK;
    seen.residue_before = seen.residue_end = seen.chunks = 0;
    free(seen.name);
    seen.name = NULL;
    pthread_mutex_unlock(&seen.lock);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
    char *req = NULL;
    int n = asprintf(&req,
                     "POST /request HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
                     "Content-Type: application/x-www-form-urlencoded\r\n"
                     "Content-Length: %zu\r\n\r\n%s",
                     strlen(body), body);
    assert_true(n > 0);
    assert_int_equal(write(fd, req, (size_t)n), n);
    free(req);
    char answer[512] = {0};
    size_t got = 0;
    ssize_t r;
    while (got < sizeof answer - 1 && (r = read(fd, answer + got, sizeof answer - 1 - got)) > 0)
        got += (size_t)r;
    close(fd);
    int code = 0;
    sscanf(answer, "HTTP/1.1 %d", &code);
    return code;
}

static struct MHD_Daemon *start(uint16_t *port)
{
    struct MHD_Daemon *d =
        MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO, 0, NULL, NULL, handler,
                         NULL, MHD_OPTION_NOTIFY_COMPLETED, completed, NULL, MHD_OPTION_END);
    assert_non_null(d);
    *port = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT)->port;
    return d;
}

static void test_good_body(void **state)
{
    (void)state;
    uint16_t port;
    struct MHD_Daemon *d = start(&port);
    assert_int_equal(post(port, "name=Ada+" MARKER "&when=soon&consent=yes"), 200);
    assert_int_equal(seen.status, FORMBODY_OK);
    if (!seen.name || strcmp(seen.name, "Ada " MARKER))
        fail_msg("expected name \"Ada %s\", got \"%s\"", MARKER, seen.name ? seen.name : "(none)");
    /* The measure works: a good body's values are held until they are used. */
    assert_true(seen.residue_end > 0);
    MHD_stop_daemon(d);
}

/* Values read before the refusal are wiped at once; the rest of the body is
 * still read (the request ends normally, with an answer). */
static void expect_refused(const char *what, const char *body, enum formbody_status want)
{
    uint16_t port;
    struct MHD_Daemon *d = start(&port);
    int code = post(port, body);
    if (code != 200)
        fail_msg("%s: expected the body read to its end and answered (200), got %d", what, code);
    if (seen.status != want)
        fail_msg("%s: expected status %d, got %d", what, want, seen.status);
    if (seen.residue_before != 0 || seen.residue_end != 0)
        fail_msg("%s: expected the values read so far wiped at once, got %zu bytes left after the "
                 "first chunk and %zu at the end",
                 what, seen.residue_before, seen.residue_end);
    MHD_stop_daemon(d);
}

static void test_refused_bodies_are_wiped(void **state)
{
    (void)state;
    expect_refused("an unescaped '=' in a value",
                   "name=Ada+" MARKER "&note=" MARKER "+again&when=a=b&consent=yes",
                   FORMBODY_MALFORMED);
    struct buf many = BUF_INIT;
    buf_puts(&many, "name=Ada+" MARKER "&note=" MARKER);
    for (int i = 0; i < 300; i++)
        buf_printf(&many, "&how=call");
    expect_refused("more fields than a form can have", many.data, FORMBODY_TOO_LARGE);
    buf_free(&many);
    struct buf big = BUF_INIT;
    buf_puts(&big, "name=Ada+" MARKER "&note=");
    for (int i = 0; i < 5000; i++)
        buf_puts(&big, "x");
    expect_refused("a body larger than the limit", big.data, FORMBODY_TOO_LARGE);
    buf_free(&big);
}

int main(void)
{
    kiosk_test_init();
    char *dir = scratch_dir();
    put_file(dir, "request-schema.json", SCHEMA_JSON, strlen(SCHEMA_JSON));
    struct diag d = DIAG_INIT;
    assert_int_equal(formspec_load(dir, &schema, &d), 0);
    diag_free(&d);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_good_body),
        cmocka_unit_test(test_refused_bodies_are_wiped),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    formspec_free(schema);
    free(seen.name);
    drop_dir(dir);
    return failed;
}
