#!/usr/bin/env bash
# make demo: builds the example site from content/ into site/ and says where it
# is. With DEMO_SERVE=1 it also serves it on http://127.0.0.1:8000/ (Ctrl-C stops).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
bin/peersite build --content content --theme themes/default --out site
echo
echo "The example site is in $ROOT/site/"
echo "Serve it and open http://127.0.0.1:8000/ in a browser:"
echo "    python3 -m http.server --bind 127.0.0.1 --directory site 8000"
echo "(or run: make demo DEMO_SERVE=1)"
if [ "${DEMO_SERVE:-0}" = 1 ]; then
    exec python3 -m http.server --bind 127.0.0.1 --directory site 8000
fi
