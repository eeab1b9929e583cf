/* cli: a program's verbs and options from one table (signify's usage per
 * verb, git's verb functions).
 *
 * Each verb names the options it requires and the ones it allows; an option
 * a verb does not take is a usage error, as is a missing required option or
 * the wrong number of operands. Verb functions return CLI_OK, CLI_FAIL or
 * CLI_PARTIAL and add their problems to the diag; only cli_main prints them
 * and maps the result to the exit status: 0, 1, 2 (usage), 3 (partial). */
#ifndef PEERKIT_CLI_H
#define PEERKIT_CLI_H

#include <stddef.h>

#include "diag.h"

enum { CLI_OK = 0, CLI_FAIL = -1, CLI_PARTIAL = 1 };
enum { CLI_EXIT_OK = 0, CLI_EXIT_FAIL = 1, CLI_EXIT_USAGE = 2, CLI_EXIT_PARTIAL = 3 };

#define CLI_MAX_OPTIONS 32
#define CLI_MAX_REPEAT 16

enum cli_kind {
    CLI_FLAG,   /* --json */
    CLI_VALUE,  /* --spool FILE: the last one given counts */
    CLI_REPEAT, /* --key FILE...: up to CLI_MAX_REPEAT, in order */
    CLI_NUMBER, /* --rate N: a whole number within [min, max] */
};

struct cli_option {
    const char *name; /* without the dashes */
    enum cli_kind kind;
    long min, max; /* CLI_NUMBER only */
};

struct cli;
typedef int (*cli_run)(const struct cli *c, struct diag *d);

struct cli_verb {
    const char *name;
    cli_run run;
    const char *required; /* option names separated by spaces */
    const char *allowed;  /* further options it takes */
    int min_operands, max_operands;
};

struct cli_program {
    const char *name;
    const char *version;
    const char *usage;
    const struct cli_option *options; /* ends with {NULL} */
    const struct cli_verb *verbs;     /* ends with {NULL} */
    /* Called once the command line is valid, before the verb runs (may be
     * NULL); a non-zero return exits 1. */
    int (*init)(const struct cli_verb *verb);
};

struct cli {
    const struct cli_program *program;
    const struct cli_verb *verb;
    const char *values[CLI_MAX_OPTIONS][CLI_MAX_REPEAT];
    size_t counts[CLI_MAX_OPTIONS];
    char **operands;
    int noperands;
};

int cli_main(const struct cli_program *p, int argc, char **argv);

/* The value of an option (the last one given), or NULL. */
const char *cli_get(const struct cli *c, const char *name);
/* How many times an option was given; the i-th value. */
size_t cli_count(const struct cli *c, const char *name);
const char *cli_at(const struct cli *c, const char *name, size_t i);
/* 1 if a flag was given. */
int cli_flag(const struct cli *c, const char *name);
/* A CLI_NUMBER option's value, or def when it was not given. */
long cli_number(const struct cli *c, const char *name, long def);

#endif
