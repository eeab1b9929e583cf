#!/usr/bin/env bash
# End-to-end: `peerkiosk serve` on 127.0.0.1 with curl. The site is served
# read-only with the right types and headers and no way out of the site
# directory; POST /request (urlencoded and multipart) is validated, sealed and
# committed before the 303; invalid, oversized, foreign and too frequent
# requests keep nothing; a full disk answers 503 and the server lives on;
# SIGTERM stops it cleanly; what was sent arrives intact at peeradmin.
. "$(dirname "$0")/lib.sh"
MARK=PLAINTEXT-MARKER-kiosk-5d21
keyed_site || exit 0
"$TEST_HELPERS/fast_keygen" "$T/other" "$PASS" >/dev/null 2>&1
SPOOL=$T/spool.db
pending() { "$PEERKIOSK" status --spool "$SPOOL" --json | sed -n 's/.*"pending": *\([0-9]*\).*/\1/p'; }

# http NAME: curl with headers to $T/NAME.h, body to $T/NAME.b; prints the status.
http() {
    local name=$1
    shift
    curl -s -o "$T/$name.b" -D "$T/$name.h" -w '%{http_code}' "$@"
}

start_kiosk kiosk --site "$SITE" --pubkey "$K/admin.pub" --spool "$SPOOL" --kiosk-id lounge-1 || exit 0
expect_confined "the kiosk server confines itself (seccomp, no_new_privs)" "$KPID"
expect_contains "serve prints the key fingerprint" "$T/kiosk.out" "fingerprint"

# --- the site, read-only ------------------------------------------------------
expect_status "GET / is 200" 200 "$(http home "$KURL/")"
expect_contains "home is the site's" "$T/home.b" "<main"
expect_match "HTML content type" "$T/home.h" '^Content-Type: text/html; charset=utf-8'
expect_match "strict CSP with frame denial" "$T/home.h" "^Content-Security-Policy: default-src 'none';.*frame-ancestors 'none'"
expect_match "nosniff" "$T/home.h" '^X-Content-Type-Options: nosniff'
expect_match "no referrer" "$T/home.h" '^Referrer-Policy: no-referrer'
expect_match "frames denied" "$T/home.h" '^X-Frame-Options: DENY'
expect_status "GET /request/ is 200" 200 "$(http form "$KURL/request/")"
expect_match "the form page is never stored" "$T/form.h" '^Cache-Control: no-store'
css=$(grep -o 'assets/style\.[^"]*\.css' "$T/form.b" | head -1)
js=$(grep -o 'assets/site\.[^"]*\.js' "$T/form.b" | head -1)
http css "$KURL/$css" >/dev/null
expect_match "CSS type" "$T/css.h" '^Content-Type: text/css'
http js "$KURL/$js" >/dev/null
expect_match "JavaScript type" "$T/js.h" '^Content-Type: text/javascript'
http schema "$KURL/request-schema.json" >/dev/null
expect_match "JSON type" "$T/schema.h" '^Content-Type: application/json'
if cmp -s "$T/schema.b" "$SITE/request-schema.json"; then ok "files are served byte for byte"; else fail "files are served byte for byte"; fi
expect_status "directory without slash redirects" 301 "$(http dir "$KURL/faq")"
expect_match "redirect to the slash form" "$T/dir.h" '^Location: /faq/'
# "//faq" names the site's faq directory, but a redirect to "//faq/" would
# send the browser to the host "faq": never off the site.
for path in '//faq' '///faq' '/%2Ffaq' '//about'; do
    code=$(http dbl --path-as-is "$KURL$path")
    if [ "$code" = 404 ] && ! grep -qi '^Location:' "$T/dbl.h"; then ok "no redirect off the site: $path"; else
        fail "no redirect off the site: $path" "expected 404 without Location, got $code: $(grep -i '^Location' "$T/dbl.h")"; fi
done
expect_status "missing page is 404" 404 "$(http missing "$KURL/no/such/page")"
expect_contains "404 is the site's page" "$T/missing.b" "There is no page at this address"

# --- no way out of the site ---------------------------------------------------
ln -s /etc "$SITE/escape"
for path in '/../../../../etc/passwd' '/%2e%2e/%2e%2e/etc/passwd' '/escape/passwd' \
            '/assets/..%2f..%2f..%2fetc/passwd' '/..%5c..%5cetc%5cpasswd'; do
    code=$(http trav --path-as-is "$KURL$path")
    if [ "$code" = 404 ] && ! grep -q 'root:' "$T/trav.b"; then ok "no traversal: $path"; else
        fail "no traversal: $path" "status $code" "$(head -c 200 "$T/trav.b")"; fi
done
expect_status "PUT is not allowed" 405 "$(http put -X PUT -d x "$KURL/index.html")"
expect_status "POST elsewhere is not allowed" 405 "$(http post405 -d x "$KURL/faq/")"

# --- requests -----------------------------------------------------------------
before=$(pending)
code=$(http ok1 --data-urlencode referral=self --data-urlencode "name=Dr $MARK" \
           --data-urlencode email=a@example.org --data-urlencode role=resident \
           --data-urlencode modality=phone --data-urlencode modality=in-person \
           --data-urlencode "message=Line one $MARK
line two" --data-urlencode consent=yes "$KURL/request")
expect_status "valid urlencoded request: 303" 303 "$code"
expect_match "303 to the thank-you page" "$T/ok1.h" '^Location: /request/thanks\?t=[0-9a-f]{32}'
expect_status "it is in the spool when the 303 is sent" $((before + 1)) "$(pending)"
loc=$(sed -n 's/^Location: \(.*\)\r$/\1/p' "$T/ok1.h")
expect_status "thank-you page" 200 "$(http thanks "$KURL$loc")"
expect_match "thank-you page shows the reference" "$T/thanks.b" 'Your reference: <strong>[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}</strong>'
expect_contains "thank-you page promises the response time" "$T/thanks.b" "within one business day"
expect_contains "thank-you page returns home without JavaScript" "$T/thanks.b" 'http-equiv="refresh" content="90;url=../"'
expect_match "thank-you page is never stored" "$T/thanks.h" '^Cache-Control: no-store'
ref1=$(grep -oE '[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}' "$T/thanks.b" | head -1)
expect_status "an unknown confirmation is gone" 410 "$(http gone "$KURL/request/thanks?t=00000000000000000000000000000000")"

code=$(http ok2 -F referral=colleague -F "name=Dr Multipart $MARK" -F email=m@example.org \
           -F modality=phone -F consent=yes "$KURL/request")
expect_status "valid multipart request: 303" 303 "$code"

n=$(pending)
code=$(http bad -d referral=nobody -d email=not-an-address -d shoe=44 -d consent=maybe "$KURL/request")
expect_status "invalid request: 422" 422 "$code"
expect_contains "422 names the field by label: choice" "$T/bad.b" '<a href="#f-referral-self">Who is this for? — not one of the choices</a>'
expect_contains "422 names a missing required field" "$T/bad.b" '<a href="#f-name">Your name — required'
expect_contains "422 names a bad email" "$T/bad.b" '<a href="#f-email">Email — not an email address</a>'
expect_contains "422 names an unknown field" "$T/bad.b" "<li>shoe — not a field of this form</li>"
expect_contains "422 offers the form again" "$T/bad.b" 'id="request-form"'
expect_contains "422 keeps what was typed" "$T/bad.b" 'name="email" maxlength="200" autocomplete="email" value="not-an-address" aria-describedby="f-email-error" aria-invalid="true">'
expect_contains "422 marks the field with its message" "$T/bad.b" '<p class="error-message" id="f-email-error"><span class="visually-hidden">Error:</span> Not an email address</p>'
expect_match "422 says Error: in its title" "$T/bad.b" '<title>Error: Ask for support · '

expect_match "422 is never stored" "$T/bad.h" '^Cache-Control: no-store'
expect_status "invalid request: nothing kept" "$n" "$(pending)"

n=$(pending)
code=$(http unreachable -d referral=self -d name=Nowhere -d email= -d pager= -d consent=yes "$KURL/request")
expect_status "no way to reach the person: 422" 422 "$code"
expect_contains "422 asks for a way to reach the person, at its first field" "$T/unreachable.b" \
    'give at least one of Email or Pager, so we can reach you'
expect_status "no way to reach the person: nothing kept" "$n" "$(pending)"

printf 'referral=self&name=Dr%%FF%%FE&email=a%%40b.org&consent=yes' >"$T/badutf8"
expect_status "invalid UTF-8: 422" 422 "$(http utf8 --data-binary @"$T/badutf8" "$KURL/request")"
expect_contains "invalid UTF-8 is named" "$T/utf8.b" "not valid text"
head -c 70000 /dev/zero | tr '\0' 'a' | sed 's/^/referral=self\&consent=yes\&name=x\&message=/' >"$T/big"
expect_status "oversized body: 413" 413 "$(http big --data-binary @"$T/big" "$KURL/request")"
expect_status "unknown body type: 415" 415 "$(http json -H 'Content-Type: application/json' -d '{"name":"x"}' "$KURL/request")"
expect_status "oversized body without a length: 413, not a dropped connection" 413 \
    "$(http bigchunked -H 'Transfer-Encoding: chunked' --data-binary @"$T/big" "$KURL/request")"
expect_status "an unescaped '=' in a value: 400, not a dropped connection" 400 \
    "$(http eq --data-binary "referral=self&name=Dr $MARK&email=a@b.org&message=a=b&consent=yes" "$KURL/request")"
expect_contains "  and the page says nothing was kept" "$T/eq.b" "Nothing was kept"
expect_not_contains "  and does not echo the form's values" "$T/eq.b" "$MARK"
{ printf 'referral=self&name=%s' "$MARK"; for _ in $(seq 300); do printf '&modality=phone'; done; } >"$T/many"
expect_status "more fields than the form can have: 413, not a dropped connection" 413 \
    "$(http many --data-binary @"$T/many" "$KURL/request")"
expect_status "refused requests kept nothing" "$n" "$(pending)"


no_marker() {
    local found=""
    for f in "$@"; do [ -e "$f" ] && grep -qaF "$MARK" "$f" && found="$found $f"; done
    if [ -z "$found" ]; then ok "no plaintext in the kiosk's files and logs"; else fail "no plaintext in the kiosk's files and logs" "found in:$found"; fi
}
no_marker "$SPOOL" "$SPOOL-wal" "$SPOOL-shm" "$T/kiosk.out" "$T/kiosk.err"

stop_kiosk
expect_status "SIGTERM: clean exit" 0 "$KSTATUS"
expect_contains "SIGTERM: says it stopped" "$T/kiosk.out" "peerkiosk: stopped"

# --- what was sent arrives intact ----------------------------------------------
"$PEERKIOSK" export --spool "$SPOOL" --out "$T/bundle" >/dev/null
"$PEERADMIN" import --key "$K/admin.key" --passphrase-file "$PASS" --db "$T/intake.db" "$T/bundle" >/dev/null 2>&1
expect_status "import what the server collected" 0 $?
"$PEERADMIN" list --key "$K/admin.key" --passphrase-file "$PASS" --db "$T/intake.db" --json >"$T/list.json"
node -e '
const rows = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
const [ref, mark] = process.argv.slice(2);
const r = rows.find((x) => x.reference === ref);
if (!r) throw new Error("reference " + ref + " not imported");
const f = r.fields, want = { referral: "self", name: "Dr " + mark, email: "a@example.org", role: "resident",
  message: "Line one " + mark + "\nline two", consent: "yes" };
for (const k in want) if (f[k] !== want[k]) throw new Error(k + ": " + JSON.stringify(f[k]));
if (JSON.stringify(f.modality) !== JSON.stringify(["phone", "in-person"])) throw new Error("modality " + f.modality);
if (r.channel !== "kiosk:lounge-1") throw new Error("channel " + r.channel);
if (!rows.some((x) => x.fields.name === "Dr Multipart " + mark)) throw new Error("multipart request missing");
' "$T/list.json" "$ref1" "$MARK" 2>"$T/node.err"
expect_status "values arrive exactly as sent (urlencoded and multipart)" 0 $?
[ -s "$T/node.err" ] && cat "$T/node.err" | sed 's/^/#   /'

# --- refusals at start -----------------------------------------------------------
"$PEERKIOSK" serve --site "$SITE" --pubkey "$T/other/admin.pub" --spool "$T/x.db" --listen 127.0.0.1:0 >"$T/mismatch.out" 2>&1
expect_status "refuses a key the site does not show" 1 $?
expect_contains "says which keys differ" "$T/mismatch.out" "refusing to seal to a key the site does not show"
expect_missing "refusing to start created no spool" "$T/x.db"
# Tampered site copies: the page a kiosk serves always shows the key it
# seals to, and the browser seals to that key too.
fp() { sed -n 's/^fingerprint: //p' "$1"; }
# (1) built for another key, showing the real administrator's fingerprint;
#     the kiosk was given the other key, so the site's admin.pub "matches".
cp -R "$T/content" "$T/content-other"
cp "$T/other/admin.pub" "$T/content-other/keys/admin.pub"
"$PEERSITE" build --content "$T/content-other" --theme "$ROOT/themes/default" --out "$T/site-other" >/dev/null 2>&1
sed -i "s/id=\"seal-fingerprint\">[^<]*</id=\"seal-fingerprint\">$(fp "$K/admin.pub")</" "$T/site-other/request/index.html"
grep -qF "$(fp "$K/admin.pub")" "$T/site-other/request/index.html" || fail "the tampered copy shows the real fingerprint" "sed changed nothing"
timeout 10 "$PEERKIOSK" serve --site "$T/site-other" --pubkey "$T/other/admin.pub" --spool "$T/t1.db" --listen 127.0.0.1:0 >"$T/t1.out" 2>&1
expect_status "refuses a page showing another fingerprint than --pubkey's" 1 $?
expect_contains "  and says so" "$T/t1.out" "the request page shows fingerprint"
expect_missing "  having kept nothing" "$T/t1.db"
# (2) the real site, with the page's script sealing to another key.
cp -R "$SITE" "$T/site-box"
otherbox=$(sed -n 's/^box: //p' "$T/other/admin.pub")
sed -i "s|data-box=\"[^\"]*\"|data-box=\"$otherbox\"|" "$T/site-box/request/index.html"
timeout 10 "$PEERKIOSK" serve --site "$T/site-box" --pubkey "$K/admin.pub" --spool "$T/t2.db" --listen 127.0.0.1:0 >"$T/t2.out" 2>&1
expect_status "refuses a page whose script seals to another key" 1 $?
expect_contains "  and says so" "$T/t2.out" "seals to another key than --pubkey's (data-box)"
# (3) a site without admin.pub is no longer served unchecked.
cp -R "$SITE" "$T/site-nokey"
rm "$T/site-nokey/admin.pub"
timeout 10 "$PEERKIOSK" serve --site "$T/site-nokey" --pubkey "$K/admin.pub" --spool "$T/t3.db" --listen 127.0.0.1:0 >"$T/t3.out" 2>&1
expect_status "refuses a site without admin.pub" 1 $?
expect_contains "  and says so" "$T/t3.out" "the site has no admin.pub"
echo '{"referral": "self", "name": "Dr S", "email": "s@example.org", "consent": "yes"}' |
    "$PEERKIOSK" submit --site "$T/site-nokey" --pubkey "$K/admin.pub" --spool "$T/t3.db" >"$T/t3s.out" 2>&1
expect_status "submit refuses it too" 1 $?
expect_contains "  and says why" "$T/t3s.out" "the site has no admin.pub"
"$PEERKIOSK" serve --site "$SITE" --pubkey "$K/admin.pub" --spool "$T/y.db" --listen 127.0.0.1:99999 >"$T/badlisten.out" 2>&1
expect_status "refuses a bad listen address" 1 $?

# --- rate limit --------------------------------------------------------------------
start_kiosk rated --site "$SITE" --pubkey "$K/admin.pub" --spool "$T/rated.db" --rate 3 || exit 0
codes=""
for i in 1 2 3 4; do
    codes="$codes $(http rate$i -d referral=self -d "name=R$i" -d email=r@example.org -d consent=yes "$KURL/request")"
done
expect_status "rate limit: the 4th request within a minute is 429" 0 "$([ "$codes" = " 303 303 303 429" ]; echo $?)"
[ "$codes" = " 303 303 303 429" ] || echo "#   got:$codes"
expect_contains "429 says to wait" "$T/rate4.b" "Please wait a minute"
stop_kiosk

# --- a NUL can never be imported ---------------------------------------------------
# The import's JSON parser refuses a NUL, so the kiosk must too: a choice with
# one inside, a name with one inside, or a raw NUL byte is refused (422),
# never acknowledged and left in the spool for every import to skip.
start_kiosk nul --site "$SITE" --pubkey "$K/admin.pub" --spool "$T/nul.db" --rate 0 || exit 0
base='referral=self&name=Dr%20Nul&email=a%40b.org&consent=yes'
expect_status "a choice with an encoded NUL inside: 422" 422 \
    "$(http nulchoice --data-binary "$base&modality=phone%00anything" "$KURL/request")"
expect_contains "the NUL is named" "$T/nulchoice.b" "NUL character"
expect_status "a NUL at the end of a choice: 422" 422 \
    "$(http nulend --data-binary "$base&modality=phone%00" "$KURL/request")"
expect_status "a field name with a NUL inside: 422" 422 \
    "$(http nulname --data-binary "referral=self&name=Dr%20Nul&email=a%40b.org&consent%00x=yes" "$KURL/request")"
printf -- '--XyZ\r\nContent-Disposition: form-data; name="referral"\r\n\r\nself\r\n--XyZ\r\nContent-Disposition: form-data; name="name"\r\n\r\nDr Raw\r\n--XyZ\r\nContent-Disposition: form-data; name="email"\r\n\r\nr@example.org\r\n--XyZ\r\nContent-Disposition: form-data; name="consent"\r\n\r\nyes\r\n--XyZ\r\nContent-Disposition: form-data; name="modality"\r\n\r\nphone\0x\r\n--XyZ--\r\n' >"$T/rawnul"
expect_status "multipart with a raw NUL in a choice: 422" 422 \
    "$(http rawnul -H 'Content-Type: multipart/form-data; boundary=XyZ' --data-binary @"$T/rawnul" "$KURL/request")"
expect_status "requests holding a NUL kept nothing" 0 "$(SPOOL=$T/nul.db pending)"
expect_status "a typed %00 (sent as %2500) is text, not a NUL: 303" 303 \
    "$(http pct --data-binary "$base&modality=phone&message=100%2500%20sure" "$KURL/request")"
stop_kiosk
"$PEERKIOSK" export --spool "$T/nul.db" --out "$T/nul.pkb" >/dev/null
"$PEERADMIN" import --key "$K/admin.key" --passphrase-file "$PASS" --db "$T/nul-intake.db" --site "$SITE" \
    "$T/nul.pkb" >"$T/nul-import.out" 2>&1
expect_status "everything the kiosk acknowledged imports (exit 0)" 0 $?

# --- the form's plaintext only from this machine ---------------------------------
# A browser elsewhere on the network would send the form unsealed: 403, nothing kept.
addr=$(ip -4 -o addr show scope global 2>/dev/null | awk '{print $4}' | cut -d/ -f1 | head -1)
if [ -z "$addr" ]; then
    echo "skip - POST /request from another machine is refused (no non-loopback address here)"
else
    "$PEERKIOSK" serve --site "$SITE" --pubkey "$K/admin.pub" --spool "$T/net.db" \
        --listen 0.0.0.0:0 >"$T/net.out" 2>"$T/net.err" &
    KPID=$!
    port=""
    for _ in $(seq 200); do
        port=$(sed -n 's/^peerkiosk: serving .* on port \([0-9]*\) .*/\1/p' "$T/net.out")
        [ -n "$port" ] && break
        sleep 0.05
    done
    form=(-d referral=self -d "name=Net $MARK" -d email=n@example.org -d consent=yes)
    expect_status "POST /request from another address ($addr) is refused: 403" 403 \
        "$(http net "${form[@]}" "http://$addr:$port/request")"
    expect_contains "  and the page says so" "$T/net.b" "can be sent only from the kiosk itself"
    expect_status "  the site itself is still served there" 200 "$(http netget "http://$addr:$port/")"
    expect_status "POST /request from loopback on the same server: 303" 303 \
        "$(http netlo "${form[@]}" "http://127.0.0.1:$port/request")"
    stop_kiosk
    expect_status "only the loopback request was kept" 1 "$(SPOOL=$T/net.db pending)"
fi

# --- slow clients -----------------------------------------------------------------------
start_kiosk slow --site "$SITE" --pubkey "$K/admin.pub" --spool "$T/slow.db" --timeout 1 || exit 0
port=${KURL##*:}
exec 3<>"/dev/tcp/127.0.0.1/$port"
printf 'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n' >&3 # never finishes its headers
sleep 2.5
timeout 2 cat <&3 >"$T/slow.resp"
expect_status "a client that stalls is disconnected after the timeout" 0 $?
exec 3<&-
expect_status "the server still answers others" 200 "$(http afterslow "$KURL/")"
# A client that goes away in the middle of its body: the request's values
# are wiped by the server (libmicrohttpd's completion callback) and the
# server carries on.
exec 3<>"/dev/tcp/127.0.0.1/$port"
printf 'POST /request HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 5000\r\n\r\nreferral=self&name=Dr+%s&mess' "$MARK" >&3
sleep 0.3
exec 3<&-
expect_status "a client that disconnects mid-body: the server still answers" 200 "$(http afterdrop "$KURL/")"
expect_status "  and still takes a request" 303 "$(http afterdrop2 -d referral=self -d name=After -d email=a@b.org -d consent=yes "$KURL/request")"
stop_kiosk

# A client that sends a little now and then is never idle long enough for the
# timeout: the request's deadline and the body's minimum rate close it.
start_kiosk deadline --site "$SITE" --pubkey "$K/admin.pub" --spool "$T/deadline.db" --deadline 2 || exit 0
port=${KURL##*:}
got=$(trickle "$port" headers 6)
if [[ $got =~ ^closed\ after\ [23]\. ]]; then ok "headers that trickle in are cut at the deadline (2 s): $got"; else
    fail "headers that trickle in are cut at the deadline (2 s)" "expected closed after 2 to 3 s, got: $got"; fi
expect_status "  and the server answers others" 200 "$(http afterdeadline "$KURL/")"
stop_kiosk
start_kiosk rate --site "$SITE" --pubkey "$K/admin.pub" --spool "$T/minrate.db" || exit 0
port=${KURL##*:}
got=$(trickle "$port" body 10)
if [[ $got =~ ^closed\ after\ [56]\. ]]; then ok "a body slower than 1 KiB/s is cut after the first 5 s: $got"; else
    fail "a body slower than 1 KiB/s is cut after the first 5 s" "expected closed after 5 to 6 s, got: $got"; fi
expect_status "  and the server answers others" 200 "$(http afterrate "$KURL/")"
stop_kiosk

# --- a full disk: 503, nothing half written, the server lives on ----------------------
# The file size limit makes the spool's writes fail once it has grown a little.
(
    ulimit -f 120
    exec "$PEERKIOSK" serve --site "$SITE" --pubkey "$K/admin.pub" --spool "$T/full.db" \
        --listen 127.0.0.1:0 --rate 0
) >"$T/full.out" 2>"$T/full.err" &
KPID=$!
for _ in $(seq 200); do
    port=$(sed -n 's/^peerkiosk: serving .* on port \([0-9]*\) .*/\1/p' "$T/full.out")
    [ -n "$port" ] && break
    sleep 0.05
done
KURL=http://127.0.0.1:$port
accepted=0 unavailable=0
long=$(head -c 400 /dev/zero | tr '\0' 'm')
for i in $(seq 400); do
    code=$(curl -s -o /dev/null -w '%{http_code}' -d referral=self -d "name=F$i" -d email=f@example.org \
               -d "message=$long" -d consent=yes "$KURL/request")
    case $code in 303) accepted=$((accepted + 1)) ;; 503) unavailable=$((unavailable + 1)) ;; esac
    [ "$unavailable" -ge 3 ] && break
done
if [ "$unavailable" -ge 1 ] && [ "$accepted" -ge 1 ]; then ok "full disk: 503 ($accepted accepted before)"; else
    fail "full disk: 503" "accepted $accepted, unavailable $unavailable" "$(tail -3 "$T/full.err")"; fi
expect_status "full disk: the server still serves pages" 200 "$(http after "$KURL/")"
expect_contains "full disk: 503 says nothing was kept" "$T/full.err" "could not store a request"
stop_kiosk
SPOOL=$T/full.db
expect_status "full disk: every 303 is in the spool, nothing more" "$accepted" "$(pending)"
expect_status "full disk: the spool is intact" 0 "$(sqlite3 "$T/full.db" 'PRAGMA integrity_check' | grep -qx ok; echo $?)"
