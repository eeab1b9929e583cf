#!/usr/bin/env bash
# Installs every Debian and npm package that building and testing peerkit needs.
# Does nothing (quickly) when everything is already present.
set -euo pipefail
cd "$(dirname "$0")/.."

DEBS=(build-essential pkg-config git curl sqlite3
      libcmark-dev libyaml-dev libgit2-dev libsodium-dev libjansson-dev
      libmicrohttpd-dev libsqlite3-dev libcmocka-dev libseccomp-dev libxxhash-dev libmimalloc-dev
      chromium hugo wrk time faketime libxml2-utils jq)
# Node.js may come from Debian or elsewhere; only install Debian's when absent.
command -v node >/dev/null || DEBS+=(nodejs)
command -v npm >/dev/null || DEBS+=(npm)

missing=()
for p in "${DEBS[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if ((${#missing[@]})); then
    echo "install-deps: installing Debian packages: ${missing[*]}" >&2
    SUDO=
    if [ "$(id -u)" -ne 0 ]; then
        command -v sudo >/dev/null || { echo "install-deps: need root (or sudo) to install: ${missing[*]}" >&2; exit 1; }
        SUDO=sudo
    fi
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get update -qq
    $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# npm packages for the browser tests, pinned by package-lock.json. The browser is
# Debian's chromium; playwright-core never downloads one.
if [ -f package-lock.json ]; then
    stamp=node_modules/.peerkit-lock
    if [ ! -f "$stamp" ] || ! cmp -s package-lock.json "$stamp"; then
        echo "install-deps: installing npm packages (npm ci)" >&2
        PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error >/dev/null
        cp package-lock.json "$stamp"
    fi
fi
