#!/usr/bin/env bash
# make bench-kiosk: drives `peerkiosk serve` on 127.0.0.1 with wrk (Debian's wrk):
# 32 connections POSTing valid requests for DURATION seconds (default 10). Every
# 303 means sealed and durably committed. Prints durable submissions per second
# (counted in the spool afterwards) and wrk's p99 latency, against the targets
# (>= 300/s, p99 < 100 ms), and against the same server serving the static form
# page in the same run (the cost of HTTP alone).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
DURATION=${DURATION:-10}
CONNECTIONS=${CONNECTIONS:-32}
command -v wrk >/dev/null || { echo "bench-kiosk: wrk is needed (scripts/install-deps.sh installs it)" >&2; exit 1; }
W=$(mktemp -d "${TMPDIR:-/tmp}/peerkit-bench-kiosk.XXXXXX")
KPID=
trap '[ -n "$KPID" ] && kill "$KPID" 2>/dev/null; rm -rf "$W"' EXIT
. "$ROOT/scripts/bench-keyed-site.sh"
keyed_example_site "$W"

"$ROOT/bin/peerkiosk" serve --site "$W/site" --pubkey "$W/keys/admin.pub" --spool "$W/spool.db" \
    --listen 127.0.0.1:0 --rate 0 >"$W/serve.out" 2>"$W/serve.err" &
KPID=$!
port=
for _ in $(seq 200); do
    port=$(sed -n 's/^peerkiosk: serving .* on port \([0-9]*\) .*/\1/p' "$W/serve.out")
    [ -n "$port" ] && break
    sleep 0.05
done
[ -n "$port" ] || { cat "$W/serve.err" >&2; exit 1; }
URL=http://127.0.0.1:$port

# A request like one typed at the kiosk: every field of the example form.
cat >"$W/post.lua" <<'LUA'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.body = "referral=self&name=Dr+Bench+Mark&email=bench%40example.org&phone=555-0100" ..
           "&role=resident&department=Medicine&modality=in-person&modality=phone" ..
           "&language=English&reason=burnout&consent=yes" ..
           "&message=" .. string.rep("I+would+like+to+talk+to+someone.+", 12)
LUA

echo "bench-kiosk: $CONNECTIONS connections, ${DURATION}s each"
wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" --latency "$URL/request/" >"$W/get.txt"
wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" --latency -s "$W/post.lua" "$URL/request" >"$W/post.txt"
kill -TERM "$KPID"
wait "$KPID" || true
KPID=

pending=$("$ROOT/bin/peerkiosk" status --spool "$W/spool.db" --json | sed -n 's/.*"pending": *\([0-9]*\).*/\1/p')
non3xx=$(sed -n 's/.*Non-2xx or 3xx responses: *\([0-9]*\).*/\1/p' "$W/post.txt")
errors=$(sed -n 's/.*Socket errors: \(.*\)/\1/p' "$W/post.txt")
# wrk prints latency as e.g. "99%   12.34ms" (us, ms or s).
p99_ms() { awk '$1 == "99%" { v = $2; u = v; gsub(/[0-9.]/, "", u); gsub(/[a-z]/, "", v);
           print (u == "us" ? v / 1000 : (u == "s" ? v * 1000 : v)) }' "$1"; }
rps() { awk '/^Requests\/sec/ { print $2 }' "$1"; }
post_p99=$(p99_ms "$W/post.txt")
get_p99=$(p99_ms "$W/get.txt")

printf '%-36s %12s %10s\n' measurement "per second" "p99 ms"
printf '%-36s %12.0f %10.2f\n' "GET /request/ (static form page)" "$(rps "$W/get.txt")" "$get_p99"
printf '%-36s %12.0f %10.2f\n' "POST /request (wrk)" "$(rps "$W/post.txt")" "$post_p99"
printf '%-36s %12.0f\n' "durable submissions in the spool" "$(awk -v n="$pending" -v d="$DURATION" 'BEGIN { print n / d }')"
[ -z "${non3xx:-}" ] || echo "warning: $non3xx responses were not 303"
[ -z "${errors:-}" ] || echo "warning: socket errors: $errors"
awk -v n="$pending" -v d="$DURATION" -v p="$post_p99" -v g="$(rps "$W/get.txt")" 'BEGIN {
    r = n / d
    printf "durable submissions: %.0f/s (target >= 300/s): %s\n", r, (r >= 300 ? "met" : "NOT met")
    printf "p99 latency: %.1f ms (target < 100 ms): %s\n", p, (p < 100 ? "met" : "NOT met")
    printf "a sealed, durable submission costs %.1fx a static page\n", g / r
}'
