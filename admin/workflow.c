#include "workflow.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "clock.h"
#include "envelope.h"
#include "formspec.h"
#include "fsutil.h"
#include "handoff.h"
#include "match.h"
#include "secmem.h"
#include "stats.h"
#include "termsafe.h"
#include "workspace.h"
#include "xalloc.h"

#define DAY 86400
#define FIELDS_MAX_BYTES (1u << 20)

/* ---- printing text from requests ------------------------------------------ */

/* Prints text from a request with every control character made visible
 * (common/termsafe.h): its sender may be anyone. */
static void print_safe(const char *s, const char *newline_indent)
{
    struct buf b = BUF_INIT;
    termsafe_append(&b, s ? s : "", s ? strlen(s) : 0, newline_indent);
    fwrite(b.data ? b.data : "", 1, b.len, stdout);
    buf_free(&b);
}

/* Prints a value as text: lists joined with ", ". */
static void print_value(json_t *v)
{
    if (json_is_string(v)) {
        print_safe(json_string_value(v), "    ");
        return;
    }
    size_t i;
    json_t *item;
    json_array_foreach (v, i, item) {
        fputs(i ? ", " : "", stdout);
        print_safe(json_string_value(item), "    ");
    }
}

/* A column, escaped and padded to width characters (not bytes: names
 * are written with accents). */
static void print_cell(const char *s, int width, const char *sep)
{
    struct buf b = BUF_INIT;
    termsafe_append(&b, s ? s : "", s ? strlen(s) : 0, NULL);
    int chars = 0;
    for (size_t i = 0; i < b.len; i++)
        chars += ((unsigned char)b.data[i] & 0xC0) != 0x80;
    printf("%s%*s%s", b.data ? b.data : "", chars < width ? width - chars : 0, "", sep);
    buf_free(&b);
}

/* A time from a row (ISO, UTC) for people: in the local time zone, the
 * one follow-up is measured in. */
static void local_time(const char *iso, int with_zone, char *out, size_t size)
{
    time_t t;
    if (iso && clock_parse_iso(iso, &t) == 0)
        clock_local(t, with_zone, out, size);
    else
        snprintf(out, size, "%s", iso ? iso : "");
}

static void print_json(json_t *v)
{
    json_dumpf(v, stdout, JSON_INDENT(2) | JSON_ENSURE_ASCII);
    putchar('\n');
}

/* ---- shared pieces ---------------------------------------------------------- */

static int parse_id(const struct cli *c, long *id, struct diag *d)
{
    char *end;
    *id = strtol(c->operands[0], &end, 10);
    if (*end || *id <= 0) {
        diag_error(d, "peeradmin", 0, 0,
                   "\"%s\" is not a request id (a positive number, from list)", c->operands[0]);
        return -1;
    }
    return 0;
}

/* Label of a fact: the site's words when it has them, else the value. */
static const char *label(const struct workspace *w, const char *field, const char *value)
{
    const char *l = w->has_site ? sitedata_label(&w->site, field, value) : NULL;
    return l ? l : value;
}

/* Adds due, overdue and labels to a readable row. */
static void annotate(const struct workspace *w, json_t *r, time_t now)
{
    json_t *facts = json_object_get(r, "facts");
    const char *role = json_string_value(json_object_get(facts, "role"));
    const char *reason = json_string_value(json_object_get(facts, "reason"));
    json_object_set_new(r, "role_label", role ? json_string(label(w, "role", role)) : json_null());
    json_object_set_new(r, "reason_label",
                        reason ? json_string(label(w, "reason", reason)) : json_null());
    /* The supporter by name, as the directory has it (the slug is an id). */
    json_t *who = w->has_site ? match_find(w->site.supporters,
                                           json_string_value(json_object_get(r, "supporter")))
                              : NULL;
    if (json_is_string(json_object_get(who, "name")))
        json_object_set(r, "supporter_name", json_object_get(who, "name"));
    time_t start, contacted;
    if (!w->has_site || !w->site.has_promise ||
        clock_parse_iso(json_string_value(json_object_get(r, "since")) ?: "", &start) < 0)
        return;
    time_t due = promise_deadline(&w->site.promise, start);
    char iso[CLOCK_ISO_LEN];
    clock_iso(due, iso);
    json_object_set_new(r, "due", json_string(iso));
    enum state s = STATE_NEW;
    state_parse(json_string_value(json_object_get(r, "state")), &s);
    const char *c = json_string_value(json_object_get(r, "contacted"));
    int overdue = !c && state_waiting(s) && now > due;
    json_object_set_new(r, "overdue", json_boolean(overdue));
    json_object_set_new(r, "contacted_late",
                        json_boolean(c && clock_parse_iso(c, &contacted) == 0 && contacted > due));
}

/* ---- init, site -------------------------------------------------------------- */

int cmd_init(const struct cli *c, struct diag *d)
{
    const char *dir = c->noperands ? c->operands[0] : workspace_home();
    if (!dir) {
        diag_error(d, "DIR", 0, 0, "init needs a directory (or PEERADMIN_HOME)");
        return CLI_FAIL;
    }
    if (cli_count(c, "key") > 1 || cli_count(c, "passphrase-file") > 1) {
        diag_error(d, "--key", 0, 0, "init takes one key and one passphrase file");
        return CLI_FAIL;
    }
    if (workspace_init(dir, cli_get(c, "key"), cli_get(c, "passphrase-file"), cli_get(c, "site"),
                       d) < 0)
        return CLI_FAIL;
    printf("peeradmin: workspace ready in %s (admin.key, admin.pub, intake.db%s)\n"
           "Set PEERADMIN_HOME=%s in your shell profile; then a day's work needs no paths.\n",
           dir, cli_get(c, "site") ? ", site/" : "", dir);
    if (!cli_get(c, "site"))
        printf("Next: peeradmin site SITE_DIR (a built site) for matching and follow-up.\n");
    return CLI_OK;
}

int cmd_site(const struct cli *c, struct diag *d)
{
    const char *home = workspace_home();
    if (!home) {
        diag_error(d, "PEERADMIN_HOME", 0, 0,
                   "site refreshes a workspace's copy: set PEERADMIN_HOME (peeradmin init DIR)");
        return CLI_FAIL;
    }
    if (workspace_site(home, c->operands[0], d) < 0)
        return CLI_FAIL;
    struct sitedata sd;
    char *dir = xasprintf("%s/site", home);
    if (sitedata_load(dir, &sd, d) == 0) {
        char words[64] = "none set (no follow-up deadlines)";
        if (sd.has_promise)
            promise_text(&sd.promise, words, sizeof words);
        printf("peeradmin: site data copied to %s: %zu supporters, %zu career stages; "
               "promise: %s\n",
               dir, json_array_size(json_object_get(sd.supporters, "supporters")),
               json_array_size(sitedata_roles(&sd)), words);
        sitedata_free(&sd);
    }
    free(dir);
    return CLI_OK;
}

/* ---- add ----------------------------------------------------------------------- */

/* Reads one line from stdin into secure memory (the caller frees with
 * sodium_free); NULL at end of input. */
static char *read_line(void)
{
    char *line = secmem_alloc(FORMSPEC_MAX_CHARS + 1);
    size_t n = 0;
    int ch;
    while ((ch = getchar()) != EOF && ch != '\n')
        if (n < FORMSPEC_MAX_CHARS)
            line[n++] = (char)ch;
    line[n] = 0;
    if (ch == EOF && n == 0) {
        sodium_free(line);
        return NULL;
    }
    if (n && line[n - 1] == '\r')
        line[n - 1] = 0;
    return line;
}

/* Asks for every field of the form on the terminal (prompts on stderr);
 * checkboxes take a comma-separated list, a checkbox y or yes. */
static json_t *ask_fields(json_t *form)
{
    json_t *values = json_object(), *f;
    size_t i;
    fputs("Enter the request as the requester gave it; leave a line empty to skip a field.\n",
          stderr);
    json_array_foreach (form, i, f) {
        const char *id = json_string_value(json_object_get(f, "id"));
        const char *type = json_string_value(json_object_get(f, "type"));
        json_t *opts = json_object_get(f, "options"), *o;
        size_t j;
        fprintf(stderr, "%s%s", json_string_value(json_object_get(f, "label")),
                json_is_true(json_object_get(f, "required")) ? " (required)" : "");
        if (json_array_size(opts)) {
            fputs(!strcmp(type, "checkboxes") ? " [one or more of: " : " [one of: ", stderr);
            json_array_foreach (opts, j, o)
                fprintf(stderr, "%s%s", j ? ", " : "",
                        json_string_value(json_object_get(o, "value")));
            fputs("]", stderr);
        } else if (!strcmp(type, "checkbox")) {
            fputs(" [yes/no]", stderr);
        }
        fputs(": ", stderr);
        char *line = read_line();
        if (!line)
            break;
        if (!*line) {
        } else if (!strcmp(type, "checkboxes")) {
            json_t *list = json_array();
            for (char *tok = strtok(line, ","); tok; tok = strtok(NULL, ",")) {
                while (*tok == ' ')
                    tok++;
                size_t n = strlen(tok);
                while (n && tok[n - 1] == ' ')
                    tok[--n] = 0;
                if (n)
                    json_array_append_new(list, json_string(tok));
            }
            json_object_set_new(values, id, list);
        } else if (!strcmp(type, "checkbox")) {
            if (!strcasecmp(line, "y") || !strcasecmp(line, "yes"))
                json_object_set_new(values, id, json_string("yes"));
        } else {
            json_t *s = json_stringn(line, strlen(line));
            if (s)
                json_object_set_new(values, id, s);
        }
        sodium_memzero(line, strlen(line));
        sodium_free(line);
    }
    return values;
}

/* Fields given as JSON: from a file, or "-" for standard input. */
static json_t *read_fields(const char *file, struct diag *d)
{
    char *text = NULL;
    size_t len = 0;
    json_error_t err;
    json_t *v = NULL;
    if (!strcmp(file, "-")) {
        struct buf b = BUF_INIT;
        char chunk[4096];
        size_t n;
        while ((n = fread(chunk, 1, sizeof chunk, stdin)) > 0 && b.len < FIELDS_MAX_BYTES)
            buf_append(&b, chunk, n);
        sodium_memzero(chunk, sizeof chunk);
        len = b.len;
        text = buf_detach(&b);
    } else if (fs_read_file(file, FIELDS_MAX_BYTES, &text, &len, d) < 0) {
        return NULL;
    }
    v = json_loadb(text ? text : "", len, JSON_REJECT_DUPLICATES, &err);
    if (!v)
        diag_error(d, file, err.line, err.column, "not valid JSON: %s", err.text);
    else if (!json_is_object(v)) {
        diag_error(d, file, 0, 0, "expected an object of field values");
        json_decref(v);
        v = NULL;
    }
    if (text)
        sodium_memzero(text, len);
    free(text);
    return v;
}

/* Without the site's form: only the shape a sealed request may have. */
static int check_shape(json_t *values, struct diag *d)
{
    const char *key;
    json_t *v;
    size_t before = d->nerrors;
    json_object_foreach (values, key, v) {
        int ok =
            formspec_id_valid(key) &&
            (json_is_string(v) ? json_string_length(v) <= FORMSPEC_MAX_CHARS : json_is_array(v));
        size_t i;
        json_t *item;
        json_array_foreach (json_is_array(v) ? v : NULL, i, item)
            ok = ok && json_is_string(item) && json_string_length(item) <= FORMSPEC_MAX_CHARS;
        if (!ok)
            diag_error(d, formspec_id_valid(key) ? key : "field", 0, 0,
                       "expected text or a list of texts");
    }
    return d->nerrors > before ? -1 : 0;
}

int cmd_add(const struct cli *c, struct diag *d)
{
    static const char *const channels[] = {"phone", "email", "referral", NULL};
    const char *channel = cli_get(c, "channel"), *file = cli_get(c, "fields");
    struct workspace w = {0};
    struct formspec *form = NULL;
    json_t *values = NULL, *fields = NULL, *plain = NULL;
    char *text = NULL;
    unsigned char *secure = NULL;
    size_t len = 0;
    int rc = CLI_FAIL, known = 0;
    for (size_t i = 0; channels[i]; i++)
        known = known || !strcmp(channel, channels[i]);
    if (!known) {
        diag_error(d, "--channel", 0, 0, "\"%s\": give phone, email or referral", channel);
        return CLI_FAIL;
    }
    if (workspace_open(c, WS_DB | WS_SITE_MAYBE, &w, d) < 0)
        goto out;
    if (w.has_site && formspec_load(w.site_dir, &form, d) < 0)
        goto out;
    if (!file && !form) {
        diag_error(d, "--fields", 0, 0,
                   "without the site's form (peeradmin site SITE_DIR) give the fields as JSON");
        goto out;
    }
    values = file ? read_fields(file, d) : ask_fields(formspec_fields(form));
    if (!values)
        goto out;
    if (form ? formspec_validate(form, values, &fields, d) < 0 : check_shape(values, d) < 0)
        goto out;
    if (!fields)
        fields = json_incref(values);
    char reference[16], now[CLOCK_ISO_LEN];
    envelope_reference(reference);
    clock_iso(clock_now(), now);
    plain = json_pack("{s:i, s:s, s:s, s:s, s:s, s:O}", "v", 1, "schema",
                      form ? formspec_hash(form) : "", "channel", channel, "submitted", now,
                      "reference", reference, "fields", fields);
    text = json_dumps(plain, JSON_COMPACT);
    len = strlen(text);
    secure = secmem_alloc(len + 1);
    memcpy(secure, text, len);
    unsigned char id[ENVELOPE_ID_BYTES];
    randombytes_buf(id, sizeof id);
    int added = 0;
    long row = 0;
    if (intake_begin(w.db, d) < 0)
        goto out;
    if (intake_insert(w.db, id, plain, secure, len, 0, &added, &row, d) < 0 ||
        intake_commit(w.db, d) < 0) {
        intake_rollback(w.db);
        goto out;
    }
    printf("peeradmin: added request %ld (reference %s, channel %s)\n", row, reference, channel);
    rc = CLI_OK;
out:
    if (text) {
        sodium_memzero(text, len);
        free(text);
    }
    if (secure) {
        sodium_memzero(secure, len);
        sodium_free(secure);
    }
    json_decref(plain);
    json_decref(fields);
    json_decref(values);
    formspec_free(form);
    workspace_close(&w);
    return rc;
}

/* ---- list, show, log -------------------------------------------------------------- */

int cmd_list(const struct cli *c, struct diag *d)
{
    struct workspace w = {0};
    json_t *all = NULL, *shown = json_array(), *r;
    const char *want = cli_get(c, "state");
    enum state ws;
    int overdue_only = cli_flag(c, "overdue"), rc = CLI_FAIL;
    size_t i, unreadable = 0, overdue = 0;
    time_t now = clock_now();
    if (want && state_parse(want, &ws) < 0) {
        diag_error(d, "--state", 0, 0,
                   "\"%s\" is not a state (new, assigned, contacted, closed, declined)", want);
        goto out;
    }
    if (workspace_open(c, WS_DB | WS_SITE_MAYBE, &w, d) < 0 || !(all = intake_list(w.db, d)))
        goto out;
    if (overdue_only && !(w.has_site && w.site.has_promise)) {
        diag_error(d, "--overdue", 0, 0,
                   "the site sets no response_within: nothing to measure follow-up against");
        goto out;
    }
    json_array_foreach (all, i, r) {
        if (json_object_get(r, "unreadable")) {
            unreadable++;
            if (!want && !overdue_only)
                json_array_append(shown, r);
            continue;
        }
        annotate(&w, r, now);
        int late = json_is_true(json_object_get(r, "overdue"));
        overdue += late;
        if ((want && strcmp(json_string_value(json_object_get(r, "state")), want)) ||
            (overdue_only && !late))
            continue;
        json_array_append(shown, r);
    }
    if (cli_flag(c, "json")) {
        print_json(shown);
    } else {
        printf("%-5s %-10s %-11s %-10s %-14s %-28s %-20s %-18s %s\n", "ID", "REFERENCE", "RECEIVED",
               "STATE", "CHANNEL", "CAREER STAGE", "SUPPORTER", "DUE", "REASON");
        json_array_foreach (shown, i, r) {
            printf("%-5lld ", (long long)json_integer_value(json_object_get(r, "id")));
            const char *why = json_string_value(json_object_get(r, "unreadable"));
            if (why) {
                fputs("! unreadable: ", stdout);
                print_cell(why, 0, "\n");
                continue;
            }
            char day[32] = "";
            local_time(json_string_value(json_object_get(r, "received")), 0, day, sizeof day);
            day[10] = 0;
            print_cell(json_string_value(json_object_get(r, "reference")), 10, " ");
            print_cell(day, 11, " ");
            print_cell(json_string_value(json_object_get(r, "state")), 10, " ");
            print_cell(json_string_value(json_object_get(r, "channel")), 14, " ");
            print_cell(json_string_value(json_object_get(r, "role_label")) ?: "-", 28, " ");
            print_cell(json_string_value(json_object_get(r, "supporter_name"))
                           ?: json_string_value(json_object_get(r, "supporter")) ?: "-",
                       20, " ");
            char due[48] = "-", when[32];
            const char *dv = json_string_value(json_object_get(r, "due"));
            local_time(dv, 0, when, sizeof when);
            if (dv && json_is_true(json_object_get(r, "overdue")))
                snprintf(due, sizeof due, "%.10s OVERDUE", when);
            else if (dv && !json_string_value(json_object_get(r, "contacted")))
                snprintf(due, sizeof due, "%s", when);
            else if (json_is_true(json_object_get(r, "contacted_late")))
                snprintf(due, sizeof due, "contacted late");
            print_cell(due, 18, " ");
            print_cell(json_string_value(json_object_get(r, "reason_label")) ?: "-", 0, "\n");
        }
        printf("%zu request%s", json_array_size(shown), json_array_size(shown) == 1 ? "" : "s");
        if (overdue)
            printf(", %zu overdue", overdue);
        putchar('\n');
    }
    if (unreadable)
        diag_warn(d, w.db_path, 0, 0,
                  "%zu request%s could not be read (marked \"unreadable\"): see the reason beside "
                  "each",
                  unreadable, unreadable == 1 ? "" : "s");
    rc = unreadable ? CLI_PARTIAL : CLI_OK;
out:
    json_decref(all);
    json_decref(shown);
    workspace_close(&w);
    return rc;
}

int cmd_show(const struct cli *c, struct diag *d)
{
    struct workspace w = {0};
    json_t *r = NULL;
    long id;
    int rc = CLI_FAIL;
    if (parse_id(c, &id, d) < 0)
        return CLI_FAIL;
    if (workspace_open(c, WS_DB | WS_SITE_MAYBE, &w, d) < 0 || !(r = intake_get(w.db, id, d)))
        goto out;
    if (!json_object_get(r, "unreadable"))
        annotate(&w, r, clock_now());
    if (cli_flag(c, "json")) {
        print_json(r);
    } else {
        static const char *const meta[] = {"id",        "reference",  "state",       "channel",
                                           "submitted", "received",   "due",         "supporter",
                                           "assigned",  "contacted",  "closed",      "purged",
                                           "outcome",   "unreadable", "envelope_id", NULL};
        for (size_t i = 0; meta[i]; i++) {
            json_t *v = json_object_get(r, meta[i]);
            if (!v || json_is_null(v))
                continue;
            printf("%-12s ", meta[i]);
            char when[48];
            if (!strcmp(meta[i], "due")) {
                local_time(json_string_value(v), 1, when, sizeof when);
                printf("%s", when);
            } else if (!strcmp(meta[i], "supporter") && json_object_get(r, "supporter_name")) {
                print_value(json_object_get(r, "supporter_name"));
                fputs(" (", stdout);
                print_value(v);
                fputs(")", stdout);
            } else if (json_is_integer(v)) {
                printf("%lld", (long long)json_integer_value(v));
            } else {
                print_value(v);
            }
            putchar('\n');
        }
        putchar('\n');
        const char *key;
        json_t *v;
        json_object_foreach (json_object_get(r, "fields"), key, v) {
            print_safe(key, NULL);
            fputs(": ", stdout);
            print_value(v);
            putchar('\n');
        }
    }
    rc = CLI_OK;
out:
    json_decref(r);
    workspace_close(&w);
    return rc;
}

int cmd_log(const struct cli *c, struct diag *d)
{
    struct workspace w = {0};
    json_t *log = NULL, *e;
    size_t i;
    int rc = CLI_FAIL;
    if (workspace_open(c, WS_DB, &w, d) < 0 || !(log = intake_audit(w.db, d)))
        goto out;
    if (cli_flag(c, "json")) {
        print_json(log);
    } else {
        json_array_foreach (log, i, e) {
            /* An action about no one request (an import) has no number. */
            json_int_t req = json_integer_value(json_object_get(e, "request"));
            char num[24] = "-";
            if (req > 0)
                snprintf(num, sizeof num, "%lld", (long long)req);
            printf("%s  %-10s request %-5s ", json_string_value(json_object_get(e, "at")),
                   json_string_value(json_object_get(e, "action")), num);
            print_cell(json_string_value(json_object_get(e, "detail")), 0, "\n");
        }
    }
    rc = CLI_OK;
out:
    json_decref(log);
    workspace_close(&w);
    return rc;
}

/* ---- match, assign and the other moves ---------------------------------------------- */

/* The request, readable and not purged: what matching and a hand-off need. */
static json_t *readable(struct workspace *w, long id, struct diag *d)
{
    json_t *r = intake_get(w->db, id, d);
    const char *why = r ? json_string_value(json_object_get(r, "unreadable")) : NULL;
    if (why)
        diag_error(d, "peeradmin", 0, 0, "request %ld %s", id, why);
    else if (r && !json_object_get(r, "fields"))
        diag_error(d, "peeradmin", 0, 0, "request %ld was purged: its details are gone", id);
    else
        return r;
    json_decref(r);
    return NULL;
}

int cmd_match(const struct cli *c, struct diag *d)
{
    struct workspace w = {0};
    json_t *r = NULL, *loads = NULL, *m = NULL, *s;
    long id;
    size_t i, j;
    int rc = CLI_FAIL;
    if (parse_id(c, &id, d) < 0)
        return CLI_FAIL;
    if (workspace_open(c, WS_DB | WS_SITE, &w, d) < 0 || !(r = readable(&w, id, d)) ||
        !(loads = intake_loads(w.db, d)))
        goto out;
    m = match_rank(w.site.supporters, json_object_get(r, "fields"), loads);
    if (cli_flag(c, "json")) {
        print_json(json_object_get(m, "ranked"));
        rc = CLI_OK;
        goto out;
    }
    printf("Suggested supporters for request %ld, best first:\n", id);
    json_array_foreach (json_object_get(m, "ranked"), i, s) {
        printf("%2zu. ", i + 1);
        print_cell(json_string_value(json_object_get(s, "name")), 0, " (");
        print_cell(json_string_value(json_object_get(s, "supporter")), 0, ")");
        printf("  score %lld\n", (long long)json_integer_value(json_object_get(s, "score")));
        json_t *why;
        json_array_foreach (json_object_get(s, "reasons"), j, why) {
            fputs("      - ", stdout);
            print_cell(json_string_value(why), 0, "\n");
        }
    }
    if (!json_array_size(json_object_get(m, "ranked")))
        printf("    nobody eligible: see below\n");
    if (json_array_size(json_object_get(m, "excluded")))
        printf("Not offered:\n");
    json_array_foreach (json_object_get(m, "excluded"), i, s) {
        fputs("    ", stdout);
        print_cell(json_string_value(json_object_get(s, "name")), 0, ": ");
        json_t *why;
        json_array_foreach (json_object_get(s, "reasons"), j, why)
            print_cell(json_string_value(why), 0,
                       j + 1 < json_array_size(json_object_get(s, "reasons")) ? "; " : "");
        putchar('\n');
    }
    printf("Assign with: peeradmin assign %ld SUPPORTER\n", id);
    rc = CLI_OK;
out:
    json_decref(m);
    json_decref(loads);
    json_decref(r);
    workspace_close(&w);
    return rc;
}

/* One move in one transaction; prints the new state. */
static int move(enum state_action a, const char *supporter, const char *outcome,
                struct workspace *w, long id, struct diag *d)
{
    if (intake_begin(w->db, d) < 0)
        return -1;
    if (intake_move(w->db, id, a, supporter, outcome, d) < 0 || intake_commit(w->db, d) < 0) {
        intake_rollback(w->db);
        return -1;
    }
    json_t *r = intake_get(w->db, id, d);
    printf("peeradmin: request %ld is now %s\n", id,
           r ? json_string_value(json_object_get(r, "state")) : "?");
    json_decref(r);
    return 0;
}

int cmd_assign(const struct cli *c, struct diag *d)
{
    struct workspace w = {0};
    json_t *r = NULL, *s;
    const char *slug = c->operands[1];
    long id;
    int rc = CLI_FAIL;
    if (parse_id(c, &id, d) < 0)
        return CLI_FAIL;
    if (workspace_open(c, WS_DB | WS_SITE, &w, d) < 0 || !(r = readable(&w, id, d)))
        goto out;
    if (!(s = match_find(w.site.supporters, slug))) {
        diag_error(d, "SUPPORTER", 0, 0,
                   "unknown supporter \"%s\" (give the slug, as peeradmin match %ld shows)", slug,
                   id);
        goto out;
    }
    json_t *acc = json_object_get(s, "accepting");
    if (acc && !json_is_true(acc)) {
        diag_error(d, "SUPPORTER", 0, 0, "%s is not accepting new requests", slug);
        goto out;
    }
    /* The coordinator may overrule matching, but not without being told. */
    json_t *loads = intake_loads(w.db, d);
    json_t *m = match_rank(w.site.supporters, json_object_get(r, "fields"), loads);
    size_t i;
    json_t *x;
    json_array_foreach (json_object_get(m, "excluded"), i, x)
        if (!strcmp(json_string_value(json_object_get(x, "supporter")), slug))
            diag_warn(d, "SUPPORTER", 0, 0, "%s would not be offered: %s", slug,
                      json_string_value(json_array_get(json_object_get(x, "reasons"), 0)));
    json_decref(m);
    json_decref(loads);
    if (move(ACTION_ASSIGN, slug, NULL, &w, id, d) < 0)
        goto out;
    struct buf note = BUF_INIT;
    handoff_note(r, s, &w.site, &note);
    fputs("\n", stdout);
    fwrite(note.data, 1, note.len, stdout);
    sodium_memzero(note.data, note.len);
    buf_free(&note);
    rc = CLI_OK;
out:
    json_decref(r);
    workspace_close(&w);
    return rc;
}

static int simple_move(const struct cli *c, enum state_action a, struct diag *d)
{
    struct workspace w = {0};
    long id;
    int rc = CLI_FAIL;
    if (parse_id(c, &id, d) < 0)
        return CLI_FAIL;
    if (workspace_open(c, WS_DB, &w, d) == 0 &&
        move(a, NULL, a == ACTION_CLOSE ? cli_get(c, "outcome") : NULL, &w, id, d) == 0)
        rc = CLI_OK;
    workspace_close(&w);
    return rc;
}

int cmd_contacted(const struct cli *c, struct diag *d)
{
    return simple_move(c, ACTION_CONTACTED, d);
}

int cmd_close(const struct cli *c, struct diag *d)
{
    return simple_move(c, ACTION_CLOSE, d);
}

int cmd_decline(const struct cli *c, struct diag *d)
{
    return simple_move(c, ACTION_DECLINE, d);
}

int cmd_reopen(const struct cli *c, struct diag *d)
{
    return simple_move(c, ACTION_REOPEN, d);
}

/* ---- stats, purge ------------------------------------------------------------------- */

/* A date (YYYY-MM-DD) or a month (YYYY-MM). */
static int check_day(const char *opt, const char *day, struct diag *d)
{
    char iso[32];
    time_t t;
    size_t n = day ? strlen(day) : 0;
    snprintf(iso, sizeof iso, "%.10s%sT00:00:00Z", day ? day : "", n == 7 ? "-01" : "");
    if (day && ((n != 10 && n != 7) || clock_parse_iso(iso, &t) < 0)) {
        diag_error(d, opt, 0, 0, "\"%s\" is not a date (YYYY-MM-DD) or a month (YYYY-MM)", day);
        return -1;
    }
    return 0;
}

int cmd_stats(const struct cli *c, struct diag *d)
{
    struct workspace w = {0};
    const char *from = cli_get(c, "from"), *to = cli_get(c, "to");
    const char *format = cli_get(c, "format") ? cli_get(c, "format") : "csv";
    json_t *all = NULL, *rows = json_array(), *report = NULL, *r;
    struct buf out = BUF_INIT;
    size_t i, unreadable = 0;
    int rc = CLI_FAIL;
    if (strcmp(format, "csv") && strcmp(format, "json") && strcmp(format, "svg")) {
        diag_error(d, "--format", 0, 0, "\"%s\": give csv, json or svg", format);
        goto out;
    }
    if (check_day("--from", from, d) < 0 || check_day("--to", to, d) < 0)
        goto out;
    /* Whole months only: reports for periods a few days apart could be
     * subtracted from each other to single out a day's requests. */
    char month_from[11], month_to[11];
    stats_whole_months(from, to, month_from, month_to);
    if ((from && strlen(from) == 10 && strcmp(from, month_from)) ||
        (to && strlen(to) == 10 && strcmp(to, month_to)))
        fprintf(stderr, "peeradmin: note: statistics cover whole months: %s%s%s\n",
                from ? month_from : "the start", " to ", to ? month_to : "today");
    from = from ? month_from : NULL;
    to = to ? month_to : NULL;
    if (from && to && strcmp(from, to) > 0) {
        diag_error(d, "--from", 0, 0, "the period starts after it ends");
        goto out;
    }
    if (workspace_open(c, WS_DB | WS_SITE_MAYBE, &w, d) < 0 || !(all = intake_list(w.db, d)))
        goto out;
    json_array_foreach (all, i, r) {
        if (json_object_get(r, "unreadable"))
            unreadable++;
        else
            json_array_append(rows, r);
    }
    report = stats_compute(rows, &w.site, from, to, cli_number(c, "min-cell", STATS_MIN_CELL));
    if (!strcmp(format, "csv"))
        stats_csv(report, &out);
    else if (!strcmp(format, "json"))
        stats_json(report, &out);
    else
        stats_svg(report, &out);
    fwrite(out.data, 1, out.len, stdout);
    if (unreadable)
        diag_warn(d, w.db_path, 0, 0, "%zu unreadable request%s not counted (see peeradmin list)",
                  unreadable, unreadable == 1 ? "" : "s");
    rc = unreadable ? CLI_PARTIAL : CLI_OK;
out:
    buf_free(&out);
    json_decref(report);
    json_decref(rows);
    json_decref(all);
    workspace_close(&w);
    return rc;
}

int cmd_purge(const struct cli *c, struct diag *d)
{
    struct workspace w = {0};
    long days = cli_number(c, "older-than", 90), n = 0, bad = 0;
    int yes = cli_flag(c, "yes"), rc = CLI_FAIL;
    time_t cutoff = clock_now() - (time_t)days * DAY;
    char day[CLOCK_DAY_LEN];
    clock_day(cutoff, day);
    if (workspace_open(c, WS_DB, &w, d) < 0 || intake_begin(w.db, d) < 0)
        goto out;
    if (intake_purge(w.db, cutoff, !yes, &n, &bad, d) < 0 || (yes && intake_commit(w.db, d) < 0)) {
        intake_rollback(w.db);
        goto out;
    }
    if (!yes) {
        intake_rollback(w.db);
        printf("peeradmin: %ld closed or declined request%s finished before %s would lose "
               "%s personal data (dry run: run again with --yes)\n",
               n, n == 1 ? "" : "s", day, n == 1 ? "its" : "their");
    } else if (intake_compact(w.db, d) < 0) {
        diag_error(d, w.db_path, 0, 0,
                   "the personal data is deleted, but the file could not be compacted: "
                   "run peeradmin purge --yes again");
        goto out;
    } else {
        printf("peeradmin: purged the personal data of %ld request%s finished before %s; "
               "statistics keep their anonymous facts\n",
               n, n == 1 ? "" : "s", day);
    }
    /* Not a silent skip: these may hold personal data past the retention. */
    if (bad)
        diag_warn(d, w.db_path, 0, 0,
                  "%ld request%s could not be checked (unreadable: see peeradmin list) and %s "
                  "kept as %s: load every key, or look into the edited row%s",
                  bad, bad == 1 ? "" : "s", bad == 1 ? "is" : "are",
                  bad == 1 ? "it is" : "they are", bad == 1 ? "" : "s");
    rc = bad ? CLI_PARTIAL : CLI_OK;
out:
    workspace_close(&w);
    return rc;
}
