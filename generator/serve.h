/* serve: `peersite serve`, the editor's preview. Builds the content into a
 * private directory outside the content repository, serves it on 127.0.0.1,
 * watches the content and the theme (inotify), rebuilds on every change and
 * reloads the open pages. A content error is shown on the page and on the
 * terminal, and the last good site keeps being served until it is fixed.
 *
 * Pages get one extra script, /__peersite/live.js (same origin, so the
 * site's own Content-Security-Policy allows it), which polls
 * /__peersite/status for the build generation and its errors. */
#ifndef PEERKIT_SERVE_H
#define PEERKIT_SERVE_H

#include "build.h"
#include "diag.h"

/* Runs until SIGINT or SIGTERM; port 0 takes a free one. Progress and errors
 * go to the terminal as they happen (this verb is interactive); returns -1
 * only when it cannot start (errors in d). r->out is ignored. */
int serve_run(const struct build_request *r, int port, struct diag *d);

#endif
