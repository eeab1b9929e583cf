/* frontmatter: splits a content file into its YAML front matter and its
 * Markdown body, and loads YAML text into a libyaml document.
 *
 * Line numbers: libyaml marks are 0-based and relative to the YAML text;
 * struct fm keeps the offset so callers can report file line numbers. */
#ifndef PEERKIT_FRONTMATTER_H
#define PEERKIT_FRONTMATTER_H

#include <stddef.h>
#include <yaml.h>

#include "diag.h"

struct fm {
    const char *yaml; /* points into the caller's text */
    size_t yaml_len;
    int yaml_line;    /* file line (1-based) of the first YAML line */
    const char *body; /* Markdown after the closing --- line */
    size_t body_len;
    int body_line; /* file line (1-based) of the first body line */
};

/* Finds the front matter of a .md file: the first line must be "---", the
 * YAML ends at the next line that is exactly "---". Adds an error naming
 * path and returns -1 when either line is missing. */
int fm_split(const char *path, const char *text, size_t len, struct fm *out, struct diag *d);

/* Parses YAML text as one document into doc (caller calls yaml_document_delete
 * on success). first_line is the file line of the text's first line. Syntax
 * errors are added as path:line:column and return -1. An empty text gives an
 * empty document (no root node). */
/* The byte of yaml (len bytes) where libyaml's mark lies: its index and
 * column count characters, not bytes. */
size_t fm_mark_byte(const char *yaml, size_t len, const yaml_mark_t *m);

int fm_load_yaml(const char *path, const char *yaml, size_t len, int first_line,
                 yaml_document_t *doc, struct diag *d);

#endif
