#include "serve.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "content.h"
#include "fsutil.h"
#include "gitinfo.h"
#include "tree.h"
#include "webroot.h"
#include "xalloc.h"

#define MAX_PAGE (16u << 20)
/* Editors save in bursts (a temporary file, a rename, a chmod): wait for this
 * long without events before rebuilding. */
#define QUIET_MS 120

/* Polls the build generation; reloads the page when it changes and shows the
 * last build's errors over the page. Text only (no innerHTML): the errors
 * quote the editor's content. */
static const char live_js[] =
    "(function () {\n"
    "  var seen = null, box = null;\n"
    "  function show(errors, site) {\n"
    "    if (!errors) { if (box) { box.remove(); box = null; } return; }\n"
    "    var listed = document.getElementById('peersite-build-errors');\n"
    "    if (listed) { listed.textContent = errors; return; }\n"
    "    if (!box) {\n"
    "      box = document.createElement('div');\n"
    "      box.id = 'peersite-errors';\n"
    "      box.setAttribute('role', 'alert');\n"
    "      var s = box.style;\n"
    "      s.position = 'fixed'; s.left = s.right = s.bottom = '0'; s.zIndex = '99999';\n"
    "      s.maxHeight = '50vh'; s.overflow = 'auto'; s.margin = '0'; s.padding = '1rem';\n"
    "      s.background = '#fff4f4'; s.color = '#5c0000'; s.borderTop = '4px solid #b00020';\n"
    "      s.font = '14px/1.4 monospace'; s.whiteSpace = 'pre-wrap';\n"
    "      document.body.appendChild(box);\n"
    "    }\n"
    "    box.textContent = (site ? 'The last edit has errors; the page shows the last good "
    "build.' : 'The site does not build yet: fix these errors.') + '\\n\\n' + errors;\n"
    "  }\n"
    "  function poll() {\n"
    "    fetch('/__peersite/status', {cache: 'no-store'})\n"
    "      .then(function (r) { return r.json(); })\n"
    "      .then(function (s) {\n"
    "        if ((seen !== null && s.generation !== seen) ||\n"
    "            (s.site && document.getElementById('peersite-no-site'))) {\n"
    "          location.reload(); return;\n"
    "        }\n"
    "        seen = s.generation; show(s.errors, s.site); setTimeout(poll, 400);\n"
    "      }, function () { setTimeout(poll, 1000); });\n"
    "  }\n"
    "  poll();\n"
    "})();\n";

static const char live_tag[] = "<script src=\"/__peersite/live.js\"></script>";

struct preview {
    const struct build_request *req;
    char *tmp;  /* private directory holding the site */
    char *site; /* tmp/site */
    pthread_mutex_t lock;
    unsigned generation;       /* bumped after every build, good or bad */
    char *errors;              /* the last build's messages when it failed, else NULL */
    int have_site;             /* a build has succeeded at least once */
    char *theme;               /* the theme the last build used (watched too) */
    char *gitdir;              /* the repository's, when the content is in one */
    char *said;                /* the warnings last printed on the terminal */
    struct gitinfo_memo *memo; /* the dates of the commit last built */
    int git_held;              /* libgit2 kept started between builds */
};

static volatile sig_atomic_t stopping;

static void on_signal(int sig)
{
    (void)sig;
    stopping = 1;
}

static char *diag_text(struct diag *d)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    if (!f)
        abort();
    diag_print(d, f);
    fclose(f);
    return text;
}

/* The messages of d of one level, as text: the terminal shows warnings only
 * when they change, and the page's overlay only what stops the build. */
static char *level_text(const struct diag *d, enum diag_level level)
{
    struct diag e = DIAG_INIT;
    for (size_t i = 0; i < d->n; i++) {
        const struct diag_item *it = &d->items[i];
        if (it->level != level)
            continue;
        if (level == DIAG_ERROR)
            diag_error(&e, it->where, it->line, it->col, "%s", it->msg);
        else
            diag_warn(&e, it->where, it->line, it->col, "%s", it->msg);
    }
    char *text = diag_text(&e);
    diag_free(&e);
    return text;
}

/* One build into the private directory; the outcome is published to the
 * HTTP threads and printed. */
static void rebuild(struct preview *p)
{
    struct build_request r = *p->req;
    struct build_result res;
    struct diag d = DIAG_INIT;
    struct timespec t0, t1;
    r.out = p->site;
    r.memo = p->memo;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    int rc = build_run(&r, &res, &d);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    if (res.theme) { /* site.yml may name another theme now */
        free(p->theme);
        p->theme = xstrdup(res.theme);
    }
    const char *gitdir = res.git ? git_repository_path(gitinfo_repo(res.git)) : NULL;
    if (gitdir && (!p->gitdir || strcmp(gitdir, p->gitdir))) {
        free(p->gitdir);
        p->gitdir = xstrdup(gitdir);
    }
    /* Started once for all builds: each start parses the system's TLS
     * certificates (some 5 ms of every save). */
    if (res.git && !p->git_held)
        p->git_held = git_libgit2_init() > 0;
    build_result_free(&res);
    char *warnings = level_text(&d, DIAG_WARNING), *errors = level_text(&d, DIAG_ERROR);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    /* The page learns the outcome before the terminal does: whoever reads
     * the terminal's line and then asks for a page finds the same. Its
     * overlay shows only what stops the build, or nothing. Only this
     * thread changes have_site. */
    bool had_site = p->have_site;
    pthread_mutex_lock(&p->lock);
    p->generation++;
    free(p->errors);
    p->errors = rc == 0 ? NULL : xstrdup(errors);
    p->have_site |= rc == 0;
    pthread_mutex_unlock(&p->lock);
    /* The same warnings after every save would bury a new one: they are
     * printed again only when they change, whether the build failed or not. */
    bool repeated = *warnings && p->said && !strcmp(warnings, p->said);
    if (!repeated)
        fputs(warnings, stderr);
    fputs(errors, stderr);
    free(p->said);
    p->said = warnings;
    const char *same = repeated ? " (the same warnings as before)" : "";
    if (rc == 0)
        fprintf(stderr, "peersite: built in %.2f s%s\n", secs, same);
    else
        fprintf(stderr, "peersite: %zu error%s%s; %s\n", d.nerrors, d.nerrors == 1 ? "" : "s", same,
                had_site ? "still serving the last good build"
                         : "nothing to serve until the site builds");
    free(errors);
    diag_free(&d);
}

/* ---- HTTP ---------------------------------------------------------------- */

/* libmicrohttpd is loaded when serve starts, not with every run of
 * peersite: it and the libraries it needs (GnuTLS and its own) took 2 ms of
 * each build's start, for the one verb that serves. */
#ifndef MHD_SONAME
#define MHD_SONAME "libmicrohttpd.so.12"
#endif
static struct {
    __typeof__(&MHD_start_daemon) start_daemon;
    __typeof__(&MHD_stop_daemon) stop_daemon;
    __typeof__(&MHD_get_daemon_info) get_daemon_info;
    __typeof__(&MHD_create_response_from_buffer) create_response_from_buffer;
    __typeof__(&MHD_create_response_from_fd) create_response_from_fd;
    __typeof__(&MHD_add_response_header) add_response_header;
    __typeof__(&MHD_queue_response) queue_response;
    __typeof__(&MHD_destroy_response) destroy_response;
} mhd;

static int load_mhd(struct diag *d)
{
    void *lib = dlopen(MHD_SONAME, RTLD_NOW | RTLD_LOCAL);
    const char *missing = NULL;
#define FIND(field)                                                                                \
    if (lib && !missing && !(*(void **)&mhd.field = dlsym(lib, "MHD_" #field)))                    \
        missing = "MHD_" #field;
    FIND(start_daemon)
    FIND(stop_daemon)
    FIND(get_daemon_info)
    FIND(create_response_from_buffer)
    FIND(create_response_from_fd)
    FIND(add_response_header)
    FIND(queue_response)
    FIND(destroy_response)
#undef FIND
    if (lib && !missing)
        return 0; /* kept loaded until the process ends */
    diag_error(d, "peersite serve", 0, 0,
               "cannot load libmicrohttpd (%s): %s%s; install it (Debian: libmicrohttpd12)",
               MHD_SONAME, lib ? "it has no " : "", lib ? missing : dlerror());
    if (lib)
        dlclose(lib);
    return -1;
}

static enum MHD_Result reply(struct MHD_Connection *c, unsigned status, const char *type,
                             void *data, size_t len, enum MHD_ResponseMemoryMode mode)
{
    struct MHD_Response *r = mhd.create_response_from_buffer(len, data, mode);
    if (!r)
        return MHD_NO;
    mhd.add_response_header(r, "Content-Type", type);
    mhd.add_response_header(r, "Cache-Control", "no-store");
    enum MHD_Result ok = mhd.queue_response(c, status, r);
    mhd.destroy_response(r);
    return ok;
}

static enum MHD_Result status_json(struct MHD_Connection *c, struct preview *p)
{
    pthread_mutex_lock(&p->lock);
    json_t *s = json_pack("{s:I, s:s?, s:b}", "generation", (json_int_t)p->generation, "errors",
                          p->errors, "site", p->have_site);
    pthread_mutex_unlock(&p->lock);
    char *text = json_dumps(s, JSON_COMPACT);
    json_decref(s);
    return reply(c, 200, "application/json", text, strlen(text), MHD_RESPMEM_MUST_FREE);
}

/* The page shown before any build has succeeded: the errors are in the
 * page itself, so it says what is wrong with scripts off too (the live
 * script then updates them rather than lay its own list over them). */
static enum MHD_Result no_site_yet(struct MHD_Connection *c, struct preview *p)
{
    struct buf b = BUF_INIT;
    buf_puts(&b, "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
                 "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
                 "<meta name=\"color-scheme\" content=\"light dark\"><title>"
                 "peersite preview</title></head><body><main id=\"peersite-no-site\"><h1>"
                 "The site does not build yet</h1>");
    pthread_mutex_lock(&p->lock);
    if (p->errors) {
        buf_puts(&b, "<p>Fix these errors; this page reloads on every save.</p>"
                     "<pre id=\"peersite-build-errors\" style=\"white-space: pre-wrap; "
                     "overflow-wrap: anywhere\">");
        buf_append_html(&b, p->errors, strlen(p->errors));
        buf_puts(&b, "</pre>");
    } else {
        buf_puts(&b, "<p>This page reloads once the site builds.</p>");
    }
    pthread_mutex_unlock(&p->lock);
    buf_printf(&b, "</main>%s</body></html>\n", live_tag);
    size_t len = b.len; /* before buf_detach empties b: arguments have no order */
    return reply(c, 503, "text/html; charset=utf-8", buf_detach(&b), len, MHD_RESPMEM_MUST_FREE);
}

/* Serves a file of the site; HTML gets the live-reload script. */
static enum MHD_Result site_file(struct MHD_Connection *c, struct preview *p, const char *url)
{
    struct webroot *w = webroot_open(p->site);
    int fd = -1;
    off_t size = 0;
    const char *mime = NULL;
    unsigned status = 200;
    enum webroot_result res = w ? webroot_resolve(w, url, &fd, &size, &mime) : WEBROOT_NOT_FOUND;
    if (res == WEBROOT_REDIRECT) {
        webroot_close(w);
        char *to = xasprintf("%s/", url);
        struct MHD_Response *r = mhd.create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
        mhd.add_response_header(r, "Location", to);
        enum MHD_Result ok = mhd.queue_response(c, 301, r);
        mhd.destroy_response(r);
        free(to);
        return ok;
    }
    if (res != WEBROOT_OK) {
        status = 404;
        res = w ? webroot_resolve(w, "/404.html", &fd, &size, &mime) : WEBROOT_NOT_FOUND;
    }
    webroot_close(w);
    if (res != WEBROOT_OK)
        return reply(c, 404, "text/plain; charset=utf-8", "Not found\n", 10,
                     MHD_RESPMEM_PERSISTENT);
    if (strncmp(mime, "text/html", 9) != 0 || size > MAX_PAGE) {
        struct MHD_Response *r = mhd.create_response_from_fd((uint64_t)size, fd);
        mhd.add_response_header(r, "Content-Type", mime);
        mhd.add_response_header(r, "Cache-Control", "no-store");
        enum MHD_Result ok = mhd.queue_response(c, status, r);
        mhd.destroy_response(r);
        return ok;
    }
    struct buf page = BUF_INIT;
    char chunk[65536];
    ssize_t n;
    while ((n = read(fd, chunk, sizeof chunk)) > 0)
        buf_append(&page, chunk, (size_t)n);
    close(fd);
    buf_putc(&page, '\0');
    char *end = strstr(page.data, "</body>");
    struct buf out = BUF_INIT;
    size_t head = end ? (size_t)(end - page.data) : page.len - 1;
    buf_append(&out, page.data, head);
    buf_puts(&out, live_tag);
    buf_puts(&out, page.data + head);
    buf_free(&page);
    size_t len = out.len;
    return reply(c, status, mime, buf_detach(&out), len, MHD_RESPMEM_MUST_FREE);
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url,
                              const char *method, const char *version, const char *upload,
                              size_t *upload_len, void **state)
{
    (void)version;
    (void)upload;
    struct preview *p = cls;
    if (!*state) { /* headers only so far */
        *state = p;
        return MHD_YES;
    }
    if (*upload_len) { /* a body is read and dropped: nothing is taken here */
        *upload_len = 0;
        return MHD_YES;
    }
    if (strcmp(method, "GET") && strcmp(method, "HEAD"))
        return reply(c, 405, "text/plain; charset=utf-8",
                     "The preview only shows the site; requests are not taken here.\n", 63,
                     MHD_RESPMEM_PERSISTENT);
    if (!strcmp(url, "/__peersite/live.js"))
        return reply(c, 200, "text/javascript; charset=utf-8", (void *)live_js, sizeof live_js - 1,
                     MHD_RESPMEM_PERSISTENT);
    if (!strcmp(url, "/__peersite/status"))
        return status_json(c, p);
    pthread_mutex_lock(&p->lock);
    int have = p->have_site;
    pthread_mutex_unlock(&p->lock);
    return have ? site_file(c, p, url) : no_site_yet(c, p);
}

/* ---- watching ------------------------------------------------------------ */

/* Watches dir and every folder below it (not the hidden ones: .git, editor
 * swap folders). Adding a watch twice is harmless, so this runs again after
 * a folder is created. */
static void watch_tree(int fd, const char *dir)
{
    const uint32_t mask = IN_CLOSE_WRITE | IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO |
                          IN_DELETE_SELF | IN_MODIFY | IN_ATTRIB;
    if (inotify_add_watch(fd, dir, mask) < 0)
        return;
    DIR *dp = opendir(dir);
    struct dirent *e;
    while (dp && (e = readdir(dp))) {
        /* The entry's type from the folder itself where the file system
         * gives it: a stat of each of 10,000 supporters' files cost some
         * 15 ms after every save (1.5 us a stat on this kind of VM). Links
         * are followed, as the loader follows them. */
        if (e->d_name[0] == '.' ||
            (e->d_type != DT_DIR && e->d_type != DT_LNK && e->d_type != DT_UNKNOWN))
            continue;
        char *sub = xasprintf("%s/%s", dir, e->d_name);
        if (fs_is_dir(sub))
            watch_tree(fd, sub);
        free(sub);
    }
    if (dp)
        closedir(dp);
}

static void watch_all(int fd, const struct preview *p)
{
    watch_tree(fd, p->req->content);
    if (p->theme)
        watch_tree(fd, p->theme);
    /* A commit changes the pages' dates ("Last reviewed") without touching
     * a file: it moves a branch (refs/heads, written by rename) and is
     * logged in logs/HEAD. Not the rest of .git: git status rewrites the
     * index, which would rebuild for nothing. */
    const char *in_git[] = {"logs", "refs/heads"};
    for (size_t i = 0; p->gitdir && i < 2; i++) {
        char *dir = xasprintf("%s/%s", p->gitdir, in_git[i]);
        inotify_add_watch(fd, dir, IN_CLOSE_WRITE | IN_MODIFY | IN_MOVED_TO | IN_CREATE);
        free(dir);
    }
}

/* Reads the pending events; 1 when one of them concerns a file that is not
 * hidden (editors' swap and backup files start with '.' or end in '~'). */
static int drain(int fd)
{
    char events[16384] __attribute__((aligned(__alignof__(struct inotify_event))));
    int relevant = 0;
    ssize_t n;
    while ((n = read(fd, events, sizeof events)) > 0) {
        for (char *q = events; q < events + n;) {
            const struct inotify_event *ev = (const struct inotify_event *)q;
            size_t len = ev->len ? strlen(ev->name) : 0;
            if (!ev->len || (ev->name[0] != '.' && ev->name[len - 1] != '~'))
                relevant = 1;
            q += sizeof *ev + ev->len;
        }
    }
    return relevant;
}

static int64_t now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

int serve_run(const struct build_request *r, int port, struct diag *d)
{
    struct preview p = {.req = r, .lock = PTHREAD_MUTEX_INITIALIZER};
    struct MHD_Daemon *daemon = NULL;
    int ino = -1, rc = -1;
    char tmp[] = "/tmp/peersite-serve-XXXXXX";
    /* A folder that cannot be the content is said and left, not served
     * as an error page until the editor notices. */
    struct tree *fs = tree_fs_new();
    int checked = content_dir_check(fs, r->content, d);
    tree_free(fs);
    if (checked < 0)
        return -1;
    /* Nor a folder without site.yml: its whole tree would be watched (a
     * home folder, the root) for a site that cannot build. */
    char *site_yml = xasprintf("%s/site.yml", r->content);
    struct stat st;
    bool has_site = stat(site_yml, &st) == 0 && S_ISREG(st.st_mode);
    free(site_yml);
    if (!has_site) {
        diag_error(d, r->content, 0, 0,
                   "no site.yml here: this is not a program's content folder (give --content "
                   "with the folder that holds site.yml; peersite new DIR starts one)");
        return -1;
    }
    if (!mkdtemp(tmp)) {
        diag_error(d, "/tmp", 0, 0, "cannot create a temporary directory: %s", strerror(errno));
        return -1;
    }
    if (load_mhd(d) < 0) {
        fs_discard(tmp);
        return -1;
    }
    p.tmp = tmp;
    p.site = xasprintf("%s/site", tmp);
    p.memo = gitinfo_memo_new();
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    daemon =
        mhd.start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION, 0, NULL,
                         NULL, handle, &p, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr,
                         MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)30, MHD_OPTION_END);
    if (!daemon) {
        diag_error(d, "peersite serve", 0, 0,
                   "cannot listen on 127.0.0.1 port %d: %s (choose another with --port N, or "
                   "--port 0 for any free one)",
                   port, strerror(errno));
        goto out;
    }
    ino = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (ino < 0) {
        diag_error(d, r->content, 0, 0, "cannot watch for changes: %s", strerror(errno));
        goto out;
    }
    struct sigaction sa = {.sa_handler = on_signal};
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    watch_all(ino, &p);
    const union MHD_DaemonInfo *info = mhd.get_daemon_info(daemon, MHD_DAEMON_INFO_BIND_PORT);
    fprintf(stderr, "peersite: serving %s on http://127.0.0.1:%u/ (Ctrl-C to stop)\n", r->content,
            info ? info->port : (unsigned)port);
    rebuild(&p);
    watch_all(ino, &p); /* now the theme is known */
    int64_t pending_since = -1;
    while (!stopping) {
        struct pollfd pfd = {.fd = ino, .events = POLLIN};
        int n = poll(&pfd, 1, pending_since < 0 ? 500 : QUIET_MS);
        if (n > 0 && drain(ino)) {
            pending_since = now_ms();
            continue;
        }
        if (pending_since >= 0 && now_ms() - pending_since >= QUIET_MS) {
            pending_since = -1;
            rebuild(&p);
            watch_all(ino, &p); /* new folders, or another theme */
        }
    }
    fprintf(stderr, "peersite: stopped\n");
    rc = 0;
out:
    if (daemon)
        mhd.stop_daemon(daemon);
    if (ino >= 0)
        close(ino);
    fs_discard(tmp);
    free(p.theme);
    free(p.gitdir);
    gitinfo_memo_free(p.memo);
    if (p.git_held)
        git_libgit2_shutdown();
    free(p.said);
    free(p.site);
    free(p.errors);
    pthread_mutex_destroy(&p.lock);
    return rc;
}
