#include "pages.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "formfill.h"
#include "fsutil.h"

struct pages {
    char *head;        /* from the start to just before the title text */
    char *site_name;   /* " · Site name" as in the title, HTML */
    char *form_title;  /* the request page's own title, HTML */
    char *before_main; /* from </title> to the end of the <main ...> start tag */
    char *form_main;   /* the request page's main content: intro and form */
    char *after_main;  /* from </main> to the end */
    char *request;     /* the whole request page as the kiosk serves it */
    const struct formspec *schema;
};

static char *dup_range(const char *from, const char *to)
{
    char *s = strndup(from, (size_t)(to - from));
    if (!s)
        abort();
    return s;
}

/* The theme's request page fails closed: its fields are disabled until the
 * browser can seal, the form has no way to post to the host (method
 * "dialog", form-action 'none' in its policy), and it tells a visitor
 * without JavaScript to phone or email. At the kiosk the kiosk itself seals
 * a form posted without JavaScript, so the fields are enabled, the form
 * posts to the kiosk's POST /request, the page's script is told to deliver
 * to the kiosk's own /drop with the kiosk's channel, and the words (how it
 * seals, what happened once sent) say what really happens here. */
#define FIELDS_DISABLED "<fieldset class=\"request-fields\" id=\"request-fields\" disabled>"
#define FORM_STATIC "<form class=\"request-form\" id=\"request-form\" method=\"dialog\""
#define FORM_KIOSK                                                                                 \
    "<form class=\"request-form\" id=\"request-form\" method=\"post\" action=\"../request\""
#define HOW_BEGIN "<!-- peerkit:how -->"
#define HOW_END "<!-- /peerkit:how -->"
#define SENT_BEGIN "<!-- peerkit:sent -->"
#define SENT_END "<!-- /peerkit:sent -->"
#define KIOSK_SCRIPT_BEGIN "<!-- peerkit:kiosk-script "
#define KIOSK_SCRIPT_END " -->"
#define POLICY_STATIC "form-action 'none'"
#define POLICY_KIOSK "form-action 'self'"

/* Replaces, in html (taken), the text from the first `begin` through the
 * next `end` (both included; end NULL: `begin` alone) with `to`. Returns the
 * new page (caller frees), or NULL when the text is not there. */
static char *splice(char *html, const char *begin, const char *end, const char *to)
{
    char *from = html ? strstr(html, begin) : NULL;
    char *stop = from && end ? strstr(from, end) : NULL;
    if (!from || (end && !stop)) {
        free(html);
        return NULL;
    }
    stop = end ? stop + strlen(end) : from + strlen(begin);
    struct buf b = BUF_INIT;
    buf_append(&b, html, (size_t)(from - html));
    buf_puts(&b, to);
    buf_puts(&b, stop);
    free(html);
    return buf_detach(&b);
}

/* The kiosk's own script (the idle countdown, the way home after a
 * request) is in the public page only as a comment: here it becomes the
 * script tag it holds. Returns the new page (caller frees), or NULL (html
 * freed) when the comment is not there. */
static char *uncomment_script(char *html)
{
    char *from = html ? strstr(html, KIOSK_SCRIPT_BEGIN) : NULL;
    char *inner = from ? from + strlen(KIOSK_SCRIPT_BEGIN) : NULL;
    char *stop = inner ? strstr(inner, KIOSK_SCRIPT_END) : NULL;
    if (!stop) {
        free(html);
        return NULL;
    }
    struct buf b = BUF_INIT;
    buf_append(&b, html, (size_t)(from - html));
    buf_append(&b, inner, (size_t)(stop - inner));
    buf_puts(&b, stop + strlen(KIOSK_SCRIPT_END));
    free(html);
    return buf_detach(&b);
}

static char *kiosk_page(const char *html, const char *channel)
{
    char *page = strdup(html), *fields = NULL;
    if (!page)
        abort();
    /* The policy is in the <head>: the form's own text cannot provide it. */
    const char *body = strstr(page, "<body");
    const char *policy = strstr(page, POLICY_STATIC);
    if (body && policy && policy < body)
        page = splice(page, POLICY_STATIC, NULL, POLICY_KIOSK);
    page = splice(page, HOW_BEGIN, HOW_END,
                  "<div class=\"seal-how\" id=\"seal-how\">\n<p>Your request is sealed for the "
                  "program coordinator’s key the moment you send it: by this kiosk’s browser, "
                  "or by the kiosk itself if scripts are off. Only the sealed text is stored on "
                  "this kiosk, and nobody here can read it.</p>\n</div>");
    /* Not "only the sealed text left this device": it is stored right here. */
    page = splice(page, SENT_BEGIN, SENT_END,
                  "It was sealed in this kiosk’s browser before it was stored on this kiosk, so "
                  "nobody here can read it; the form has been cleared.");
    page = splice(page, FORM_STATIC, NULL, FORM_KIOSK);
    page = uncomment_script(page);
    if (asprintf(&fields,
                 "<fieldset class=\"request-fields\" id=\"request-fields\" data-drop=\"../drop\" "
                 "data-channel=\"%s\">",
                 channel) < 0)
        abort();
    page = splice(page, FIELDS_DISABLED, NULL, fields);
    free(fields);
    return page;
}

int pages_load(const char *site_dir, const struct formspec *s, const char *channel,
               struct pages **out, struct diag *d)
{
    char *path = NULL, *file = NULL, *html = NULL;
    size_t len;
    if (asprintf(&path, "%s/request/index.html", site_dir) < 0)
        abort();
    int rc = fs_read_file(path, 4u << 20, &file, &len, d);
    if (rc < 0) {
        free(path);
        return -1;
    }
    html = kiosk_page(file, channel);
    free(file);
    if (!html) {
        diag_error(d, path, 0, 0,
                   "not a request page built by peersite (no sealing fields or explanation: "
                   "rebuild the site with this version)");
        free(path);
        return -1;
    }
    const char *title = strstr(html, "<title>");
    const char *title_end = title ? strstr(title, "</title>") : NULL;
    const char *main = title_end ? strstr(title_end, "<main") : NULL;
    const char *main_open = main ? strchr(main, '>') : NULL;
    const char *main_close = main_open ? strstr(main_open, "</main>") : NULL;
    if (!main_close) {
        diag_error(d, path, 0, 0, "not a request page built by peersite (no <title> or <main>)");
        free(path);
        free(html);
        return -1;
    }
    struct pages *p = calloc(1, sizeof *p);
    if (!p)
        abort();
    title += strlen("<title>");
    const char *dot = strstr(title, " · ");
    if (!dot || dot > title_end)
        dot = title_end;
    p->head = dup_range(html, title);
    p->site_name = dup_range(dot, title_end);
    p->form_title = dup_range(title, dot);
    p->before_main = dup_range(title_end, main_open + 1);
    p->form_main = dup_range(main_open + 1, main_close);
    p->after_main = strdup(main_close);
    p->request = html;
    html = NULL;
    p->schema = s;
    if (!p->after_main)
        abort();
    free(path);
    free(html);
    *out = p;
    return 0;
}

void pages_free(struct pages *p)
{
    if (!p)
        return;
    free(p->head);
    free(p->site_name);
    free(p->form_title);
    free(p->before_main);
    free(p->form_main);
    free(p->after_main);
    free(p->request);
    free(p);
}

static void html(struct buf *out, const char *text)
{
    buf_append_html(out, text, strlen(text));
}

/* The page up to the inside of <main>; extra_head goes just before </head>. */
static void open_page(const struct pages *p, const char *title, const char *extra_head,
                      struct buf *out)
{
    buf_puts(out, p->head);
    html(out, title);
    buf_puts(out, p->site_name);
    const char *head_end = extra_head ? strstr(p->before_main, "</head>") : NULL;
    if (head_end) {
        buf_append(out, p->before_main, (size_t)(head_end - p->before_main));
        buf_puts(out, extra_head);
        buf_puts(out, head_end);
    } else {
        buf_puts(out, p->before_main);
    }
    buf_putc(out, '\n');
}

void pages_request(const struct pages *p, struct buf *out)
{
    buf_puts(out, p->request);
}

void pages_thanks(const struct pages *p, const char *reference, struct buf *out)
{
    char refresh[128];
    int idle = formspec_idle(p->schema);
    /* Back to the home page after the idle time: the theme's script does it
     * (data-return-home); without JavaScript, a refresh in <noscript> does. */
    snprintf(refresh, sizeof refresh,
             "<noscript><meta http-equiv=\"refresh\" "
             "content=\"%d;url=../\"></noscript>\n",
             idle);
    open_page(p, "Request sent", refresh, out);
    buf_puts(out,
             "<h1>Your request was sent</h1>\n<p class=\"reference\">Your reference: <strong>");
    html(out, reference);
    buf_puts(out, "</strong></p>\n<p>The program coordinator will contact you ");
    html(out, formspec_response_time(p->schema));
    buf_puts(out, ". You can quote the reference if you call or write to the program.</p>\n"
                  "<p>Nothing you wrote is kept readable on this kiosk: your request was sealed "
                  "for the program coordinator the moment you sent it.</p>\n");
    buf_printf(out,
               "<p class=\"help\">For privacy, this page goes back to the home page after "
               "%d seconds. Please note your reference now.</p>\n"
               "<p><a href=\"../\" data-return-home=\"%d\">Done</a></p>\n",
               idle, idle);
    buf_puts(out, p->after_main);
}

void pages_invalid(const struct pages *p, const struct diag *problems, json_t *values,
                   struct buf *out)
{
    static const char intro[] = "Your request has not been sent, and nothing was kept on this "
                                "kiosk. Please check:";
    json_t *fields = formspec_fields(p->schema);
    /* Sized once: the page holds what was typed (formfill.h). */
    buf_grow(out, strlen(p->head) + strlen(p->form_title) + strlen(p->site_name) +
                      strlen(p->before_main) + strlen(p->form_main) + strlen(p->after_main) + 64 +
                      formfill_extra(fields, values, problems, intro));
    /* GOV.UK: the title says there is an error, so it is heard first. */
    buf_puts(out, p->head);
    buf_puts(out, "Error: ");
    buf_puts(out, p->form_title);
    buf_puts(out, p->site_name);
    buf_puts(out, p->before_main);
    buf_putc(out, '\n');
    formfill_render(p->form_main, fields, values, problems, intro, out);
    buf_puts(out, p->after_main);
}

void pages_message(const struct pages *p, const char *title, const char *text, struct buf *out)
{
    open_page(p, title, NULL, out);
    buf_puts(out, "<h1>");
    html(out, title);
    buf_puts(out, "</h1>\n<p>");
    html(out, text);
    buf_puts(out, "</p>\n<p><a href=\"../\">Home</a> · <a href=\"./\">Ask for support</a></p>\n");
    buf_puts(out, p->after_main);
}
