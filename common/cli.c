#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

static int option_index(const struct cli_program *p, const char *name)
{
    for (int i = 0; p->options[i].name; i++)
        if (!strcmp(p->options[i].name, name))
            return i;
    return -1;
}

/* 1 if name is one of the space-separated words of list. */
static int listed(const char *list, const char *name)
{
    size_t n = strlen(name);
    for (const char *p = list; p && *p;) {
        while (*p == ' ')
            p++;
        size_t w = strcspn(p, " ");
        if (w == n && !strncmp(p, name, n))
            return 1;
        p += w;
    }
    return 0;
}

/* 1 when text (up to end) names verb as a command: "NAME VERB" or
 * "| VERB", followed by a space or the end. */
static int names_verb(const char *text, const char *end, const char *name, const char *verb)
{
    size_t nl = strlen(name), vl = strlen(verb);
    for (const char *t = text; t < end; t++) {
        const char *v = NULL;
        if ((size_t)(end - t) > nl + 1 && !strncmp(t, name, nl) && t[nl] == ' ' &&
            (t == text || t[-1] == ' '))
            v = t + nl + 1;
        else if ((size_t)(end - t) > 2 && !strncmp(t, "| ", 2))
            v = t + 2;
        if (v && (size_t)(end - v) >= vl && !strncmp(v, verb, vl) &&
            (v + vl == end || v[vl] == ' ' || v[vl] == '\n'))
            return 1;
    }
    return 0;
}

/* Adds the usage entry [entry, end) to out when it names verb; 1 if it did. */
static int show_entry(const struct cli_program *p, const char *verb, const char *entry,
                      const char *end, int shown, struct buf *out)
{
    if (!entry || !names_verb(entry, end, p->name, verb))
        return 0;
    while (*entry == ' ')
        entry++;
    if (!strncmp(entry, "usage: ", 7))
        entry += 7;
    buf_puts(out, shown ? "       " : "usage: ");
    buf_append(out, entry, (size_t)(end - entry));
    if (end[-1] != '\n')
        buf_putc(out, '\n');
    return 1;
}

/* The length of the placeholder a line defines ("KEYS: ..." at its start,
 * in capitals), or 0. */
static size_t defines(const char *line)
{
    size_t n = 0;
    while ((line[n] >= 'A' && line[n] <= 'Z') || line[n] == '_')
        n++;
    return n && line[n] == ':' ? n : 0;
}

/* The usage of verb alone (its entries in the usage text: lines that begin
 * with the program's name, and the lines under them, with the placeholders
 * they use defined), or the whole text when it names none. */
static void verb_usage(const struct cli_program *p, const char *verb, FILE *f)
{
    const char *u = p->usage, *entry = NULL, *line = u;
    struct buf out = BUF_INIT;
    int shown = 0;
    size_t nl = strlen(p->name);
    while (*line) {
        const char *eol = strchr(line, '\n');
        eol = eol ? eol + 1 : line + strlen(line);
        const char *t = line;
        while (*t == ' ')
            t++;
        if (!strncmp(t, "usage: ", 7))
            t += 7;
        int starts = !strncmp(t, p->name, nl) && t[nl] == ' ';
        int ends = t == eol || *t == '\n' || defines(line);
        if (starts || ends) {
            shown += show_entry(p, verb, entry, line, shown, &out);
            entry = starts ? line : NULL;
        }
        line = eol;
    }
    shown += show_entry(p, verb, entry, line, shown, &out);
    if (!shown) {
        fputs(u, f);
        buf_free(&out);
        return;
    }
    /* Each placeholder the entries shown use ([KEYS]), with its lines. */
    size_t used = out.len;
    for (line = u; *line;) {
        size_t n = defines(line);
        char want[64];
        snprintf(want, sizeof want, "[%.*s]", (int)(n < 60 ? n : 60), line);
        const char *end = line;
        do {
            const char *eol = strchr(end, '\n');
            end = eol ? eol + 1 : end + strlen(end);
        } while (n && *end && *end != '\n' && *end != ' ' && !defines(end));
        if (n && memmem(out.data, used, want, strlen(want)))
            buf_append(&out, line, (size_t)(end - line));
        line = end;
    }
    fwrite(out.data, 1, out.len, f);
    fprintf(f, "(%s --help lists every command and option)\n", p->name);
    buf_free(&out);
}

static int usage_error(const struct cli_program *p, const char *fmt, const char *a, const char *b)
{
    fprintf(stderr, "%s: ", p->name);
    fprintf(stderr, fmt, a, b);
    fprintf(stderr, "\n%s", p->usage);
    return CLI_EXIT_USAGE;
}

/* A usage error of a known verb: what is wrong, then that verb's usage. */
static int verb_error(const struct cli_program *p, const char *verb, const char *fmt, const char *a,
                      const char *b)
{
    fprintf(stderr, "%s: ", p->name);
    fprintf(stderr, fmt, a, b);
    fputc('\n', stderr);
    verb_usage(p, verb, stderr);
    return CLI_EXIT_USAGE;
}

/* Fills c from argv (argv[0] is the verb); 0, or an exit status. */
static int parse(const struct cli_program *p, struct cli *c, int argc, char **argv)
{
    struct option longopts[CLI_MAX_OPTIONS + 2];
    int n = 0;
    for (; p->options[n].name; n++)
        longopts[n] =
            (struct option){p->options[n].name,
                            p->options[n].kind == CLI_FLAG ? no_argument : required_argument, NULL,
                            256 + n};
    longopts[n++] = (struct option){"help", no_argument, NULL, 'h'};
    longopts[n] = (struct option){NULL, 0, NULL, 0};
    optind = 1;
    opterr = 1;
    int ch;
    while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        if (ch == 'h') {
            fputs(p->usage, stdout);
            exit(0);
        }
        if (ch < 256) { /* getopt has said which option */
            verb_usage(p, c->verb->name, stderr);
            return CLI_EXIT_USAGE;
        }
        int i = ch - 256;
        const struct cli_option *o = &p->options[i];
        if (!listed(c->verb->required, o->name) && !listed(c->verb->allowed, o->name))
            return verb_error(p, c->verb->name, "--%s is not an option of %s", o->name,
                              c->verb->name);
        if (o->kind == CLI_NUMBER) {
            char *end;
            errno = 0;
            long v = strtol(optarg, &end, 10);
            if (!*optarg || *end || errno || v < o->min || v > o->max) {
                fprintf(stderr, "%s: --%s takes a whole number from %ld to %ld\n", p->name, o->name,
                        o->min, o->max);
                verb_usage(p, c->verb->name, stderr);
                return CLI_EXIT_USAGE;
            }
        }
        if (o->kind == CLI_REPEAT && c->counts[i] == CLI_MAX_REPEAT) {
            fprintf(stderr, "%s: at most %d --%s options\n", p->name, CLI_MAX_REPEAT, o->name);
            return CLI_EXIT_USAGE;
        }
        size_t slot = o->kind == CLI_REPEAT ? c->counts[i] : 0;
        c->values[i][slot] = optarg ? optarg : "";
        c->counts[i]++;
    }
    /* getopt has moved the operands after the options. */
    c->operands = argv + optind;
    c->noperands = argc - optind;
    for (const char *r = c->verb->required; r && *r;) {
        while (*r == ' ')
            r++;
        size_t w = strcspn(r, " ");
        if (w) {
            char name[64];
            snprintf(name, sizeof name, "%.*s", (int)w, r);
            int i = option_index(p, name);
            if (i < 0 || c->counts[i] == 0)
                return verb_error(p, c->verb->name, "%s needs --%s", c->verb->name, name);
        }
        r += w;
    }
    if (c->noperands < c->verb->min_operands || c->noperands > c->verb->max_operands) {
        if (c->noperands > c->verb->max_operands)
            return verb_error(p, c->verb->name, "unexpected argument \"%s\"%s",
                              c->operands[c->verb->max_operands], "");
        return verb_error(p, c->verb->name, "%s needs more arguments%s", c->verb->name, "");
    }
    return 0;
}

int cli_main(const struct cli_program *p, int argc, char **argv)
{
    if (argc < 2) {
        fputs(p->usage, stderr);
        return CLI_EXIT_USAGE;
    }
    const char *verb = argv[1];
    if (!strcmp(verb, "-h") || !strcmp(verb, "--help")) {
        fputs(p->usage, stdout);
        return 0;
    }
    if (!strcmp(verb, "--version")) {
        printf("%s %s\n", p->name, p->version);
        return 0;
    }
    struct cli c;
    memset(&c, 0, sizeof c);
    c.program = p;
    for (const struct cli_verb *v = p->verbs; v->name && !c.verb; v++)
        if (!strcmp(v->name, verb))
            c.verb = v;
    if (!c.verb)
        return usage_error(p, "unknown command \"%s\"%s", verb, "");
    int status = parse(p, &c, argc - 1, argv + 1);
    if (status)
        return status;
    if (p->init && p->init(c.verb) != 0)
        return CLI_EXIT_FAIL;
    struct diag d = DIAG_INIT;
    int rc = c.verb->run(&c, &d);
    diag_print(&d, stderr);
    /* Content checks report many problems at once: say how many. */
    if (rc == CLI_FAIL && d.nerrors > 1)
        fprintf(stderr, "%s: %zu errors\n", p->name, d.nerrors);
    diag_free(&d);
    return rc == CLI_OK ? 0 : rc == CLI_PARTIAL ? CLI_EXIT_PARTIAL : CLI_EXIT_FAIL;
}

const char *cli_get(const struct cli *c, const char *name)
{
    int i = option_index(c->program, name);
    if (i < 0 || c->counts[i] == 0)
        return NULL;
    return c->values[i][c->program->options[i].kind == CLI_REPEAT ? c->counts[i] - 1 : 0];
}

size_t cli_count(const struct cli *c, const char *name)
{
    int i = option_index(c->program, name);
    return i < 0 ? 0 : c->counts[i];
}

const char *cli_at(const struct cli *c, const char *name, size_t k)
{
    int i = option_index(c->program, name);
    if (i < 0 || k >= c->counts[i])
        return NULL;
    return c->values[i][c->program->options[i].kind == CLI_REPEAT ? k : 0];
}

int cli_flag(const struct cli *c, const char *name)
{
    return cli_count(c, name) > 0;
}

long cli_number(const struct cli *c, const char *name, long def)
{
    const char *v = cli_get(c, name);
    return v ? strtol(v, NULL, 10) : def;
}
