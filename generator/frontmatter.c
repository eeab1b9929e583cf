#include "frontmatter.h"

#include <string.h>

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
        /* libyaml notices an unclosed bracket or quote only lines later:
         * point at where the construct starts, and say where it noticed. */
        if (parser.context && c->line < m->line)
            diag_error(d, path, (int)c->line + first_line, (int)c->column + 1,
                       "YAML: %s %s that starts here (noticed at line %d, column %d)", problem,
                       parser.context, (int)m->line + first_line, (int)m->column + 1);
        else if (parser.context)
            diag_error(d, path, (int)m->line + first_line, (int)m->column + 1, "YAML: %s %s",
                       problem, parser.context);
        else
            diag_error(d, path, (int)m->line + first_line, (int)m->column + 1, "YAML: %s", problem);
        goto out;
    }
    rc = 0;
out:
    yaml_parser_delete(&parser);
    return rc;
}
