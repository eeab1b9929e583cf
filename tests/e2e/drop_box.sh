#!/usr/bin/env bash
# peerkiosk drop, the drop box for submit_url, and the kiosk's own /drop:
# only one well-formed envelope for the key is stored (armored or binary);
# garbage, a foreign key id, oversized bodies, other methods and paths, and
# browsers on origins not listed are refused and change nothing; CORS
# preflight for listed origins; status, export, import and ack work on its
# spool unchanged.
source "$(dirname "$0")/lib.sh"
keyed_site || exit 1
ORIGIN=https://peers.example.org

"$TEST_HELPERS/seal_requests" --site "$SITE" --pubkey "$K/admin.pub" --count 1 --armor "$T/one.txt" >/dev/null
"$TEST_HELPERS/seal_requests" --site "$SITE" --pubkey "$K/admin.pub" --count 1 --armor "$T/two.txt" >/dev/null
"$TEST_HELPERS/seal_requests" --site "$SITE" --pubkey "$K/admin.pub" --count 2 --armor "$T/pair.txt" >/dev/null
grep -v -- '-----' "$T/two.txt" | base64 -d >"$T/two.bin"
"$TEST_HELPERS/fast_keygen" "$T/other" "$PASS" >/dev/null 2>&1
"$TEST_HELPERS/seal_requests" --site "$SITE" --pubkey "$T/other/admin.pub" --count 1 --armor "$T/foreign.txt" >/dev/null

# start_drop NAME ARGS...: sets DPID and DURL.
start_drop() {
    local name=$1
    shift
    "$PEERKIOSK" drop "$@" --listen 127.0.0.1:0 >"$T/$name.out" 2>"$T/$name.err" &
    DPID=$!
    local port=""
    for _ in $(seq 200); do
        port=$(sed -n 's/^peerkiosk: drop box listening on port \([0-9]*\) .*/\1/p' "$T/$name.out")
        [ -n "$port" ] && break
        kill -0 "$DPID" 2>/dev/null || break
        sleep 0.05
    done
    [ -n "$port" ] || { fail "drop box $name starts" "$(cat "$T/$name.out" "$T/$name.err")"; return 1; }
    DURL=http://127.0.0.1:$port
}

# post NAME WANT_STATUS CURL_ARGS...: POSTs and checks the status; headers in $T/h.
post() {
    local name=$1 want=$2
    shift 2
    local got type=()
    case "$*" in *Content-Type*) ;; *) type=(-H 'Content-Type: text/plain') ;; esac
    got=$(curl -s -o "$T/body" -D "$T/h" -w '%{http_code}' "${type[@]}" "$@")
    if [ "$got" = "$want" ]; then ok "$name"; else fail "$name" "expected HTTP $want, got $got: $(cat "$T/body")"; fi
}

pending() { "$PEERKIOSK" status --spool "$1" --json | sed -n 's/.*"pending":\([0-9]*\).*/\1/p'; }

start_drop drop --pubkey "$K/admin.pub" --spool "$T/drop.db" --allow-origin "$ORIGIN" --rate 1000 || exit 1
expect_confined "the drop box confines itself (seccomp, no_new_privs)" "$DPID"
expect_contains "the drop box names its key and fingerprint" "$T/drop.out" "$(sed -n 's/^fingerprint: //p' "$K/admin.pub")"

post "an armored envelope is stored (201)" 201 --data-binary @"$T/one.txt" -H 'Content-Type: text/plain' "$DURL/drop"
post "a binary envelope is stored (201)" 201 --data-binary @"$T/two.bin" -H 'Content-Type: application/octet-stream' "$DURL/drop"
[ "$(pending "$T/drop.db")" = 2 ] && ok "the spool holds both" || fail "the spool holds both" "pending $(pending "$T/drop.db")"

head -c 3000 /dev/urandom >"$T/garbage"
post "garbage is refused (400)" 400 --data-binary @"$T/garbage" -H 'Content-Type: application/octet-stream' "$DURL/drop"
printf 'PKEV\001' | cat - "$T/garbage" >"$T/fake"
post "random bytes behind the magic are refused (400)" 400 --data-binary @"$T/fake" "$DURL/drop"
post "an envelope for another key is refused (403)" 403 --data-binary @"$T/foreign.txt" "$DURL/drop"
expect_contains "the refusal names the drop box's key" "$T/body" "$(sed -n 's/^key-id: //p' "$K/admin.pub")"
post "two envelopes in one body are refused (400)" 400 --data-binary @"$T/pair.txt" "$DURL/drop"
{ echo "Dear program,"; cat "$T/one.txt"; } >"$T/chatty.txt"
post "text around the envelope is refused (400)" 400 --data-binary @"$T/chatty.txt" "$DURL/drop"
head -c 200000 /dev/zero | tr '\0' A >"$T/big"
post "an oversized body is refused (413)" 413 --data-binary @"$T/big" "$DURL/drop"
post "an oversized body without a length is refused (413)" 413 -H 'Transfer-Encoding: chunked' --data-binary @"$T/big" "$DURL/drop"
post "a form body is refused (415)" 415 --data-binary @"$T/one.txt" -H 'Content-Type: application/x-www-form-urlencoded' "$DURL/drop"
post "GET /drop is refused (405)" 405 "$DURL/drop"
expect_contains "405 says what is allowed" "$T/h" "Allow: POST, OPTIONS"
post "any other path is not found (404)" 404 --data-binary @"$T/one.txt" "$DURL/request"
post "the drop box serves no site (404)" 404 "$DURL/"
[ "$(pending "$T/drop.db")" = 2 ] && ok "refusals change nothing in the spool" || fail "refusals change nothing in the spool" "pending $(pending "$T/drop.db")"

# CORS: the listed origin only, preflight included.
post "preflight from the listed origin (204)" 204 -X OPTIONS -H "Origin: $ORIGIN" \
    -H 'Access-Control-Request-Method: POST' -H 'Access-Control-Request-Headers: content-type' "$DURL/drop"
if grep -qi "^Access-Control-Allow-Origin: $ORIGIN" "$T/h" && grep -qi '^Access-Control-Allow-Methods: POST' "$T/h"; then
    ok "preflight allows POST from the listed origin"
else
    fail "preflight allows POST from the listed origin" "$(cat "$T/h")"
fi
post "preflight from a foreign origin is refused (403)" 403 -X OPTIONS -H 'Origin: https://evil.example' \
    -H 'Access-Control-Request-Method: POST' "$DURL/drop"
expect_not_contains "no CORS header for a foreign origin" "$T/h" "Access-Control-Allow-Origin"
post "a POST from a foreign origin is refused (403)" 403 -H 'Origin: https://evil.example' --data-binary @"$T/one.txt" "$DURL/drop"
post "a POST from the listed origin is stored (201)" 201 -H "Origin: $ORIGIN" \
    -H 'Content-Type: application/octet-stream' --data-binary @"$T/two.bin" "$DURL/drop"
expect_contains "the answer carries the listed origin" "$T/h" "Access-Control-Allow-Origin: $ORIGIN"
expect_contains "answers are never cached" "$T/h" "Cache-Control: no-store"
stop_kiosk_pid() { kill -TERM "$1" 2>/dev/null; wait "$1"; }
stop_kiosk_pid "$DPID"
expect_status "the drop box stops on SIGTERM" 0 $?

# The same spool format: export, import, receipt, ack.
"$PEERKIOSK" export --spool "$T/drop.db" --out "$T/drop.bundle" >/dev/null
"$PEERADMIN" import --key "$K/admin.key" --passphrase-file "$PASS" --db "$T/intake.db" --receipt "$T/receipt" \
    "$T/drop.bundle" >"$T/import.out" 2>&1
expect_contains "the administrator imports what the drop box stored (a resend is stored once)" "$T/import.out" \
    "imported 2 new requests (0 already present, 0 skipped)"
"$PEERKIOSK" ack --spool "$T/drop.db" --pubkey "$K/admin.pub" --receipt "$T/receipt" >"$T/ack.out" 2>&1
expect_status "ack works on the drop box's spool" 0 $?
[ "$(pending "$T/drop.db")" = 0 ] && ok "ack empties the drop box's spool" || fail "ack empties the drop box's spool"

# Rate limit per address.
start_drop rate --pubkey "$K/admin.pub" --spool "$T/rate.db" --rate 2 || exit 1
codes=""
for _ in 1 2 3; do
    codes="$codes $(curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: text/plain' --data-binary @"$T/one.txt" "$DURL/drop")"
done
[ "$codes" = " 201 201 429" ] && ok "the third request in a minute is refused (429)" || fail "the third request in a minute is refused (429)" "got$codes"
codes=""
for ip in 198.51.100.1 198.51.100.2 198.51.100.3; do
    codes="$codes $(curl -s -o /dev/null -w '%{http_code}' -H "X-Forwarded-For: $ip" -H 'Content-Type: text/plain' --data-binary @"$T/one.txt" "$DURL/drop")"
done
[ "$codes" = " 429 429 429" ] && ok "without --trusted-proxy, X-Forwarded-For is not believed (still 429)" ||
    fail "without --trusted-proxy, X-Forwarded-For is not believed (still 429)" "expected 429 429 429, got$codes"
stop_kiosk_pid "$DPID"

# Behind a named proxy, each client counts on its own (the address the proxy forwards).
start_drop proxied --pubkey "$K/admin.pub" --spool "$T/proxied.db" --rate 2 --trusted-proxy 127.0.0.1 || exit 1
codes=""
for ip in 203.0.113.1 203.0.113.1 203.0.113.1 203.0.113.2 '203.0.113.2, 203.0.113.1'; do
    codes="$codes $(curl -s -o /dev/null -w '%{http_code}' -H "X-Forwarded-For: $ip" -H 'Content-Type: text/plain' --data-binary @"$T/one.txt" "$DURL/drop")"
done
[ "$codes" = " 201 201 429 201 429" ] && ok "behind --trusted-proxy, the limit is per forwarded address (rightmost)" ||
    fail "behind --trusted-proxy, the limit is per forwarded address (rightmost)" "expected 201 201 429 201 429, got$codes"
stop_kiosk_pid "$DPID"
# A request's deadline holds at the drop box too.
start_drop deadline --pubkey "$K/admin.pub" --spool "$T/deadline.db" --deadline 2 || exit 1
got=$(trickle "${DURL##*:}" headers 6)
if [[ $got =~ ^closed\ after\ [23]\. ]]; then ok "the drop box cuts trickling headers at the deadline (2 s): $got"; else
    fail "the drop box cuts trickling headers at the deadline (2 s)" "expected closed after 2 to 3 s, got: $got"; fi
stop_kiosk_pid "$DPID"

# The global cap: with a named proxy there is no per-address limit, and at
# most 256 connections are served at once; the next waits for a free one.
start_drop capped --pubkey "$K/admin.pub" --spool "$T/capped.db" --trusted-proxy 127.0.0.1 || exit 1
got=$(node -e '
const net = require("net");
const port = Number(process.argv[1]), held = [];
const ask = (then) => {
  const s = net.connect(port, "127.0.0.1", () => s.write("GET /drop HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
  let answered = false;
  s.on("data", () => { if (!answered) { answered = true; then(true); } });
  s.on("error", () => {});
  return () => answered;
};
let opened = 0;
for (let i = 0; i < 256; i++) held.push(net.connect(port, "127.0.0.1", () => opened++).on("error", () => {}));
setTimeout(() => {
  const answered = ask(() => {});
  setTimeout(() => {
    const first = answered() ? "answered" : "waiting";
    held.pop().destroy();
    setTimeout(() => { console.log(opened + " open, the next " + first + ", then " + (answered() ? "answered" : "waiting")); process.exit(0); }, 1500);
  }, 1000);
}, 500);
' "${DURL##*:}")
[ "$got" = "256 open, the next waiting, then answered" ] && ok "at most 256 connections at once: $got" ||
    fail "at most 256 connections at once" "expected: 256 open, the next waiting, then answered" "got: $got"
stop_kiosk_pid "$DPID"

many=()
for i in $(seq 9); do many+=(--trusted-proxy "10.0.0.$i"); done
timeout 10 "$PEERKIOSK" drop --pubkey "$K/admin.pub" --spool "$T/x.db" "${many[@]}" --listen 127.0.0.1:0 >"$T/many.out" 2>&1
expect_status "more proxies than the drop box holds (9) are refused" 1 $?
expect_contains "  saying how many it takes" "$T/many.out" "at most 8"
"$PEERKIOSK" drop --pubkey "$K/admin.pub" --spool "$T/x.db" --trusted-proxy proxy.example >"$T/badproxy.out" 2>&1
expect_status "a proxy that is not an address is refused" 1 $?
expect_contains "  the error names the option" "$T/badproxy.out" "--trusted-proxy"

"$PEERKIOSK" drop --pubkey "$K/admin.pub" --spool "$T/x.db" --allow-origin 'https://peers.example.org/path' \
    >"$T/bad.out" 2>&1
expect_status "an origin with a path is refused" 1 $?
expect_contains "the error names the option" "$T/bad.out" "--allow-origin"
"$PEERKIOSK" drop --spool "$T/x.db" >"$T/usage.out" 2>&1
expect_status "drop without --pubkey is a usage error" 2 $?

# The kiosk's own /drop: same rules, its own key only.
start_kiosk kiosk --site "$SITE" --pubkey "$K/admin.pub" --spool "$T/kiosk.db" --kiosk-id lounge || exit 1
post "the kiosk's /drop stores an envelope for its key (201)" 201 -H "Origin: $KURL" \
    -H 'Content-Type: application/octet-stream' --data-binary @"$T/two.bin" "$KURL/drop"
post "the kiosk's /drop refuses another key (403)" 403 --data-binary @"$T/foreign.txt" "$KURL/drop"
post "the kiosk's /drop refuses other origins (403)" 403 -H 'Origin: https://evil.example' --data-binary @"$T/one.txt" "$KURL/drop"
curl -s -D "$T/kh" -o "$T/kiosk-request.html" "$KURL/request/"
expect_contains "the kiosk's page tells the browser to seal to its /drop" "$T/kiosk-request.html" 'data-drop="../drop" data-channel="kiosk:lounge"'
expect_not_contains "the kiosk's page does not say it needs JavaScript" "$T/kiosk-request.html" "needs JavaScript"
expect_contains "without JavaScript the kiosk's form posts to its POST /request" "$T/kiosk-request.html" \
    'id="request-form" method="post" action="../request"'
expect_contains "  which the page's own policy allows there" "$T/kiosk-request.html" "form-action 'self'"
expect_not_contains "  (not the public page's form-action 'none')" "$T/kiosk-request.html" "form-action 'none'"
expect_contains "the kiosk allows WebAssembly for libsodium, nothing more" "$T/kh" "script-src 'self' 'wasm-unsafe-eval';"
stop_kiosk
[ "$(pending "$T/kiosk.db")" = 1 ] && ok "the kiosk's spool holds exactly the accepted envelope" || fail "the kiosk's spool holds exactly the accepted envelope" "pending $(pending "$T/kiosk.db")"
