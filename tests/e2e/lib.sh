# Shared helpers for end-to-end tests. Source it; then call ok/fail/expect_*.
# Each result is one line: "ok - name" or "not ok - name" followed by details.
# Binaries come from $PEERSITE, $PEERKIOSK, $PEERADMIN (set by scripts/run-tests.sh;
# default: the release build).
set -u
: "${ROOT:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
: "${PEERSITE:=$ROOT/bin/peersite}"
: "${PEERKIOSK:=$ROOT/bin/peerkiosk}"
: "${PEERADMIN:=$ROOT/bin/peeradmin}"
: "${TEST_HELPERS:=$ROOT/build/release/tests}"
FIXTURES=$ROOT/tests/fixtures
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-1767225600}

T=$(mktemp -d "${TMPDIR:-/tmp}/peerkit-e2e.XXXXXX")
trap 'kill -9 $(jobs -p) 2>/dev/null; rm -rf "$T"' EXIT

ok() { echo "ok - $1"; }
fail() {
    echo "not ok - $1"
    shift
    for line in "$@"; do printf '#   %s\n' "$line"; done
}

# git_identity: a git of its own for the test (no system or user config) with
# a fixed author, committer and default branch.
git_identity() {
    export GIT_CONFIG_NOSYSTEM=1 HOME=$T
    git config --global user.name "Content Editor"
    git config --global user.email "editor@example.org"
    git config --global init.defaultBranch main
}

# expect_status NAME WANT STATUS
expect_status() {
    if [ "$3" -eq "$2" ]; then ok "$1"; else fail "$1" "expected exit status $2, got $3"; fi
}

# expect_file_contains NAME FILE TEXT (fixed string)
expect_contains() {
    if grep -qF -- "$3" "$2" 2>/dev/null; then ok "$1"; else
        fail "$1" "expected $2 to contain: $3" "got: $(head -c 600 "$2" 2>/dev/null)"
    fi
}

expect_not_contains() {
    if ! grep -qF -- "$3" "$2" 2>/dev/null; then ok "$1"; else
        fail "$1" "expected $2 not to contain: $3" "found: $(grep -nF -- "$3" "$2" | head -3)"
    fi
}

expect_exists() {
    if [ -e "$2" ]; then ok "$1"; else fail "$1" "expected $2 to exist"; fi
}

expect_missing() {
    if [ ! -e "$2" ]; then ok "$1"; else fail "$1" "expected $2 not to exist"; fi
}

# expect_match NAME FILE REGEX (extended regular expression)
expect_match() {
    if grep -qE -- "$3" "$2" 2>/dev/null; then ok "$1"; else
        fail "$1" "expected $2 to match: $3" "got: $(head -c 600 "$2" 2>/dev/null)"
    fi
}

# start_kiosk NAME ARGS...: starts `peerkiosk serve ARGS --listen 127.0.0.1:0` in the
# background with stdout/stderr in $T/NAME.out/.err; sets KPID and KURL once it
# listens (fails the test and returns 1 if it does not within 10 s).
start_kiosk() {
    local name=$1
    shift
    "$PEERKIOSK" serve "$@" --listen 127.0.0.1:0 >"$T/$name.out" 2>"$T/$name.err" &
    KPID=$!
    local port=""
    for _ in $(seq 200); do
        port=$(sed -n 's/^peerkiosk: serving .* on port \([0-9]*\) .*/\1/p' "$T/$name.out")
        [ -n "$port" ] && break
        kill -0 "$KPID" 2>/dev/null || break
        sleep 0.05
    done
    if [ -z "$port" ]; then
        fail "kiosk server $name starts" "$(cat "$T/$name.out" "$T/$name.err")"
        return 1
    fi
    KURL=http://127.0.0.1:$port
}

# expect_confined NAME PID: /proc shows the seccomp filter and no_new_privs.
expect_confined() {
    local st
    st=$(grep -E '^(Seccomp|NoNewPrivs):' "/proc/$2/status" 2>/dev/null | tr -s '\t ' ' ')
    if grep -q "Seccomp: 2" <<<"$st" && grep -q "NoNewPrivs: 1" <<<"$st"; then ok "$1"; else
        fail "$1" "expected Seccomp: 2 and NoNewPrivs: 1 in /proc/$2/status" "got: $st"; fi
}

# trickle PORT MODE SECONDS: a client that sends 5 bytes every half second
# for at most SECONDS: MODE "headers" never finishes its headers, "body" sends
# POST /request headers (Content-Length 60000) and then its body that slowly.
# Prints "closed after N.N s" when the server closes it, or "open after N.N s".
trickle() {
    node -e '
const net = require("net");
const [port, mode, limit] = [Number(process.argv[1]), process.argv[2], Number(process.argv[3])];
const t0 = Date.now(), s = net.connect(port, "127.0.0.1");
const done = (what) => { console.log(what + " after " + ((Date.now() - t0) / 1000).toFixed(1) + " s"); process.exit(0); };
let data = "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + "a".repeat(2000);
if (mode === "body") {
  s.write("POST /request HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 60000\r\n\r\n");
  data = "name=" + "a".repeat(5000);
}
let i = 0;
const tick = setInterval(() => { s.write(data.slice(i, i + 5)); i += 5; }, 500);
s.on("data", () => {});
s.on("close", () => done("closed"));
s.on("error", () => done("closed"));
setTimeout(() => { clearInterval(tick); done("open"); }, limit * 1000);
' "$@"
}

# stop_kiosk: SIGTERM and wait; sets KSTATUS to its exit status.
stop_kiosk() {
    kill -TERM "$KPID" 2>/dev/null
    wait "$KPID"
    KSTATUS=$?
}

# at "YYYY-MM-DD HH:MM:SS" CMD...: runs CMD with the clock starting at that
# time (Debian's faketime; the programs read no test-only variable) in the
# time zone AT_TZ, UTC by default; the time is AT_TZ's too.
# The monotonic clock stays real, so timeouts behave. libfaketime is preloaded,
# so under ASan the link-order check is relaxed for this one command.
at() {
    local when=$1
    shift
    TZ=${AT_TZ:-UTC} FAKETIME_DONT_FAKE_MONOTONIC=1 \
        ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" \
        faketime -f "@$when" "$@"
}

# keyed_site: an administrator key pair in $K (passphrase file $PASS, made by
# the fast_keygen helper with the smallest Argon2id cost) and the minimal
# fixture built with its admin.pub into $SITE. Sets K, PASS, SITE.
keyed_site() {
    K=$T/keys
    PASS=$T/pass
    SITE=$T/site
    printf 'a long enough test passphrase\n' >"$PASS"
    chmod 600 "$PASS"
    "$TEST_HELPERS/fast_keygen" "$K" "$PASS" >/dev/null 2>&1 ||
        { fail "keygen for the test" "$("$TEST_HELPERS/fast_keygen" "$T/k2" "$PASS" 2>&1)"; return 1; }
    cp -R "$FIXTURES/minimal" "$T/content"
    mkdir -p "$T/content/keys"
    cp "$K/admin.pub" "$T/content/keys/"
    "$PEERSITE" build --content "$T/content" --theme "$ROOT/themes/default" --out "$SITE" >/dev/null 2>&1 ||
        { fail "site build for the test"; return 1; }
}
