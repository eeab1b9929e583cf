#include "frontmatter.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "utf8.h"

/* Returns the length of the line starting at p (without its newline) and sets
 * *next to the start of the following line. */
static size_t line_at(const char *p, const char *end, const char **next)
{
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    const char *stop = nl ? nl : end;
    *next = nl ? nl + 1 : end;
    size_t n = (size_t)(stop - p);
    if (n > 0 && p[n - 1] == '\r')
        n--;
    return n;
}

static int is_fence(const char *p, size_t n)
{
    return n == 3 && memcmp(p, "---", 3) == 0;
}

int fm_split(const char *path, const char *text, size_t len, struct fm *out, struct diag *d)
{
    const char *end = text + len, *next;
    const char *p = text;
    if (len >= 3 && (unsigned char)p[0] == 0xEF && (unsigned char)p[1] == 0xBB &&
        (unsigned char)p[2] == 0xBF)
        p += 3; /* UTF-8 byte order mark */
    size_t n = line_at(p, end, &next);
    if (!is_fence(p, n)) {
        diag_error(d, path, 1, 1, "missing front matter: the first line must be ---");
        return -1;
    }
    out->yaml = next;
    out->yaml_line = 2;
    int line = 2;
    for (p = next; p < end; p = next, line++) {
        n = line_at(p, end, &next);
        if (is_fence(p, n)) {
            out->yaml_len = (size_t)(p - out->yaml);
            out->body = next;
            out->body_len = (size_t)(end - next);
            out->body_line = line + 1;
            return 0;
        }
    }
    diag_error(d, path, 1, 1, "front matter is not closed: no second --- line");
    return -1;
}

size_t fm_mark_byte(const char *yaml, size_t len, const yaml_mark_t *m)
{
    size_t at = 0;
    for (size_t line = 0; line < m->line && at < len; at++)
        if (yaml[at] == '\n')
            line++;
    for (size_t col = 0; col < m->column && at < len && yaml[at] != '\n'; col++)
        do /* one character: its lead byte and continuation bytes */
            at++;
        while (at < len && ((unsigned char)yaml[at] & 0xC0) == 0x80);
    return at;
}

/* The words for a value holding ": " on the line [start, eol): that line
 * itself, its value quoted, when it can be quoted plainly and means what it
 * did: not a list item, a quoted key, a value continued on the lines below
 * it (the quotes would end it on its first), nor one holding a comment, a
 * tab or both quote marks. */
static const char *quote_this(const char *yaml, size_t len, size_t start, size_t eol,
                              struct buf *own)
{
    static const char generic[] =
        "a value that holds \": \" needs quotes around it, like department: "
        "\"Medicine: Hospitalist\"";
    size_t k = start;
    while (k < eol && yaml[k] == ' ')
        k++;
    const char *sep = memmem(yaml + k, eol - k, ": ", 2);
    if (!sep || yaml[k] == '-' || yaml[k] == '"' || yaml[k] == '\'')
        return generic;
    size_t v = (size_t)(sep - yaml) + 2, end = eol;
    while (v < end && yaml[v] == ' ')
        v++;
    while (end > v && (yaml[end - 1] == ' ' || yaml[end - 1] == '\r'))
        end--;
    /* The next line that is not blank, indented deeper: the value goes on. */
    size_t next = eol + 1, indent = 0;
    while (next < len) {
        size_t e = next;
        while (e < len && yaml[e] == ' ')
            e++;
        if (e < len && yaml[e] != '\n' && yaml[e] != '\r') {
            indent = e - next;
            break;
        }
        next = e + 1;
    }
    if (next < len && indent > k - start)
        return generic;
    char q = memchr(yaml + v, '"', end - v) || memchr(yaml + v, '\\', end - v) ? '\'' : '"';
    if (v == end || end - v > 80 || (q == '\'' && memchr(yaml + v, '\'', end - v)) ||
        memchr(yaml + k, '#', end - k) || memchr(yaml + k, '\t', end - k))
        return generic;
    buf_printf(own, "a value that holds \": \" needs quotes around it: %.*s: %c%.*s%c",
               (int)((size_t)(sep - yaml) - k), yaml + k, q, (int)(end - v), yaml + v, q);
    return own->data;
}

/* libyaml's commonest complaints in an editor's words, or NULL (its own
 * words are given then). *at_start: the place to point at is where the
 * value started (libyaml's context), not where it noticed the problem. A
 * colon libyaml refuses after another ": " on its line is a value holding
 * one; the first of its line, a line indented under a key's value. */
static const char *plain_words(const char *problem, const char *context, const char *yaml,
                               size_t len, const yaml_mark_t *m, bool *at_start, struct buf *own)
{
    size_t at = fm_mark_byte(yaml, len, m);
    *at_start = false;
    if (strstr(problem, "tab character") ||
        (at < len && yaml[at] == '\t' && strstr(problem, "cannot start any token")))
        return "this line is indented with a tab: indent with spaces, not tabs";
    if (!strcmp(problem, "did not find expected key"))
        return "this line is out of step with the keys above it: start it in the same column";
    if (!strcmp(problem, "did not find expected '-' indicator"))
        return "this line is out of step with the items (\"- \") above it: start it in the same "
               "column";
    *at_start = true;
    if (context && strstr(context, "quoted scalar"))
        return "the quote opened here is never closed: close it with the same quote mark";
    if (!strcmp(problem, "did not find expected ',' or ']'"))
        return "the [ opened here is never closed: end the list with ]";
    if (!strcmp(problem, "did not find expected ',' or '}'"))
        return "the { opened here is never closed: end it with }";
    *at_start = false;
    if (strcmp(problem, "mapping values are not allowed in this context"))
        return NULL;
    size_t start = at;
    while (start > 0 && yaml[start - 1] != '\n')
        start--;
    const char *earlier = memmem(yaml + start, at - start, ": ", 2);
    size_t eol = at;
    while (eol < len && yaml[eol] != '\n')
        eol++;
    return earlier ? quote_this(yaml, len, start, eol, own)
                   : "this line is indented under the line above it: start it in the same "
                     "column as the keys above it";
}

/* A quoted value opened on a line of [from, to) and not closed on it: libyaml
 * reads the lines after it as the value's, and complains only where they
 * stop making sense. The place of its quote, or 0. */
static size_t open_quote(const char *yaml, size_t len, size_t from, size_t to, size_t *line)
{
    size_t at = 0, l = 0;
    while (l < from && at < len)
        if (yaml[at++] == '\n')
            l++;
    for (; l < to && at < len; l++) {
        size_t eol = at;
        while (eol < len && yaml[eol] != '\n')
            eol++;
        for (size_t i = at; i + 2 < eol; i++) {
            if (!((yaml[i] == ':' || yaml[i] == '-') && yaml[i + 1] == ' ' &&
                  (yaml[i + 2] == '"' || yaml[i + 2] == '\'')))
                continue;
            char q = yaml[i + 2];
            size_t k = i + 3;
            bool closed = false;
            while (k < eol && !closed) {
                if (q == '"' && yaml[k] == '\\')
                    k += 2;
                else if (yaml[k] == q && q == '\'' && k + 1 < eol && yaml[k + 1] == '\'')
                    k += 2;
                else
                    closed = yaml[k++] == q;
            }
            if (!closed) {
                *line = l;
                return i + 2 + 1; /* 1-based, so 0 says none */
            }
            break; /* one value per line */
        }
        at = eol + 1;
    }
    return 0;
}

int fm_load_yaml(const char *path, const char *yaml, size_t len, int first_line,
                 yaml_document_t *doc, struct diag *d)
{
    yaml_parser_t parser;
    int rc = -1;
    if (!yaml_parser_initialize(&parser)) {
        diag_error(d, path, 0, 0, "cannot initialise the YAML parser");
        return -1;
    }
    yaml_parser_set_input_string(&parser, (const unsigned char *)yaml, len);
    yaml_parser_set_encoding(&parser, YAML_UTF8_ENCODING);
    if (!yaml_parser_load(&parser, doc)) {
        const yaml_mark_t *m = &parser.problem_mark, *c = &parser.context_mark;
        const char *problem = parser.problem ? parser.problem : "invalid YAML";
        bool at_start;
        struct buf own = BUF_INIT;
        const char *plain = plain_words(problem, parser.context, yaml, len, m, &at_start, &own);
        /* libyaml notices a quote left open in a block only lines later,
         * where the lines it swallowed stop making sense. */
        size_t quote_line = 0,
               quote = parser.context && strstr(parser.context, "block") && c->line < m->line
                           ? open_quote(yaml, len, c->line, m->line, &quote_line)
                           : 0;
        if (quote) {
            size_t start = quote - 1;
            while (start > 0 && yaml[start - 1] != '\n')
                start--;
            diag_error(d, path, (int)quote_line + first_line,
                       (int)utf8_chars(yaml + start, quote - 1 - start) + 1,
                       "YAML: the quote opened here is not closed on its line: close it with the "
                       "same quote mark (the lines after it were read as part of it, up to line "
                       "%d)",
                       (int)m->line + first_line);
        } else if (plain && at_start && parser.context)
            diag_error(d, path, (int)c->line + first_line, (int)c->column + 1, "YAML: %s", plain);
        else if (plain)
            diag_error(d, path, (int)m->line + first_line, (int)m->column + 1, "YAML: %s", plain);
        /* Else libyaml's words. A value's context is where it starts, where
         * an unclosed bracket is; a block's is where the whole block starts
         * (often the file's first key): the line it noticed is the one to
         * fix then. */
        else if (parser.context && c->line < m->line && !strstr(parser.context, "block"))
            diag_error(d, path, (int)c->line + first_line, (int)c->column + 1,
                       "YAML: %s %s that starts here (noticed at line %d, column %d)", problem,
                       parser.context, (int)m->line + first_line, (int)m->column + 1);
        else if (parser.context && c->line < m->line)
            diag_error(d, path, (int)m->line + first_line, (int)m->column + 1,
                       "YAML: %s %s that starts at line %d", problem, parser.context,
                       (int)c->line + first_line);
        else if (parser.context)
            diag_error(d, path, (int)m->line + first_line, (int)m->column + 1, "YAML: %s %s",
                       problem, parser.context);
        else
            diag_error(d, path, (int)m->line + first_line, (int)m->column + 1, "YAML: %s", problem);
        buf_free(&own);
        goto out;
    }
    rc = 0;
out:
    yaml_parser_delete(&parser);
    return rc;
}
