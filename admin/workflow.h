/* workflow: peeradmin's verbs for the coordinator's day (DESIGN §6): the
 * workspace, entering requests by hand, reading them, matching, moving them
 * through their states, statistics and retention. Each takes the parsed
 * command line (cli.h), adds its problems to d and returns CLI_OK,
 * CLI_FAIL or CLI_PARTIAL; each command that writes is one transaction:
 * it happens completely or not at all. */
#ifndef PEERKIT_WORKFLOW_H
#define PEERKIT_WORKFLOW_H

#include "cli.h"
#include "diag.h"

int cmd_init(const struct cli *c, struct diag *d);
int cmd_site(const struct cli *c, struct diag *d);
int cmd_add(const struct cli *c, struct diag *d);
int cmd_list(const struct cli *c, struct diag *d);
int cmd_show(const struct cli *c, struct diag *d);
int cmd_match(const struct cli *c, struct diag *d);
int cmd_assign(const struct cli *c, struct diag *d);
int cmd_contacted(const struct cli *c, struct diag *d);
int cmd_close(const struct cli *c, struct diag *d);
int cmd_decline(const struct cli *c, struct diag *d);
int cmd_reopen(const struct cli *c, struct diag *d);
int cmd_stats(const struct cli *c, struct diag *d);
int cmd_purge(const struct cli *c, struct diag *d);
int cmd_log(const struct cli *c, struct diag *d);

#endif
