#!/usr/bin/env bash
# Refreshes the theme's vendored copy of libsodium's JavaScript build from the
# npm package pinned in package-lock.json (libsodium-wrappers and the libsodium
# module it wraps), so that building a site never needs npm.
#   scripts/vendor-libsodium.sh          copy node_modules -> themes/default/assets/vendor/
#   scripts/vendor-libsodium.sh --check  exit 1 unless the vendored bytes are the package's
# The files are copied byte for byte: tests/e2e/vendor.sh checks them.
set -euo pipefail
cd "$(dirname "$0")/.."
VENDOR=themes/default/assets/vendor
# vendored name <- file in node_modules
FILES=(
    "libsodium.js:node_modules/libsodium/dist/modules/libsodium.js"
    "libsodium-wrappers.js:node_modules/libsodium-wrappers/dist/modules/libsodium-wrappers.js"
    "libsodium-LICENSE.txt:node_modules/libsodium-wrappers/LICENSE"
)

pinned() { # version of a package in package-lock.json
    node -e 'const l=require("./package-lock.json");const p=l.packages["node_modules/"+process.argv[1]];if(!p)process.exit(1);console.log(p.version)' "$1"
}
installed() { node -e 'console.log(require("./node_modules/"+process.argv[1]+"/package.json").version)' "$1"; }

status=0
for pkg in libsodium libsodium-wrappers; do
    want=$(pinned "$pkg") || { echo "vendor-libsodium: $pkg is not in package-lock.json" >&2; exit 1; }
    have=$(installed "$pkg" 2>/dev/null || echo none)
    if [ "$want" != "$have" ]; then
        echo "vendor-libsodium: node_modules has $pkg $have, package-lock.json pins $want (run npm ci)" >&2
        exit 1
    fi
done
for f in "${FILES[@]}"; do
    name=${f%%:*} src=${f#*:}
    if [ "${1:-}" = --check ]; then
        if ! cmp -s "$src" "$VENDOR/$name"; then
            echo "vendor-libsodium: $VENDOR/$name differs from $src" >&2
            status=1
        fi
    else
        mkdir -p "$VENDOR"
        cp "$src" "$VENDOR/$name"
    fi
done
if [ "${1:-}" != --check ]; then
    echo "vendor-libsodium: copied libsodium-wrappers $(pinned libsodium-wrappers) (libsodium $(pinned libsodium)) into $VENDOR"
fi
exit $status
