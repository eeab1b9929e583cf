#!/usr/bin/env bash
# make bench-request: the request page's first-render transfer size and the
# time to seal a request in headless Chromium (scripts/bench-request.mjs),
# on the example content built with a fresh key.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
W=$(mktemp -d "${TMPDIR:-/tmp}/peerkit-bench-request.XXXXXX")
trap 'rm -rf "$W"' EXIT
. "$ROOT/scripts/bench-keyed-site.sh"
keyed_example_site "$W"
node "$ROOT/scripts/bench-request.mjs" "$W/site"
