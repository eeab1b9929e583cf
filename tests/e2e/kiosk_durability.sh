#!/usr/bin/env bash
# End-to-end durability: four clients stream submissions at `peerkiosk serve`,
# the server is killed with SIGKILL in the middle, restarted on the same spool,
# and every submission that was answered with 303 must be in the spool and
# arrive at peeradmin intact. (A submission that was committed but not yet
# answered may be there too: that is allowed, losing an answered one is not.)
. "$(dirname "$0")/lib.sh"
keyed_site || exit 0
SPOOL=$T/spool.db
PER_CLIENT=150

start_kiosk first --site "$SITE" --pubkey "$K/admin.pub" --spool "$SPOOL" --rate 0 || exit 0
client() {
    local w=$1 i code
    for i in $(seq "$PER_CLIENT"); do
        code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 -d referral=self \
                   -d "name=dur-$w-$i" -d email=d@example.org -d consent=yes "$KURL/request")
        echo "dur-$w-$i $code" >>"$T/answers.$w"
    done
}
for w in 1 2 3 4; do client "$w" & done
clients=$(jobs -p | grep -v "^$KPID$")
# Kill once a good number have been answered, while the stream goes on.
for _ in $(seq 400); do
    [ "$(cat "$T"/answers.* 2>/dev/null | grep -c ' 303$')" -ge 120 ] && break
    sleep 0.01
done
kill -KILL "$KPID"
wait "$KPID" 2>/dev/null
# shellcheck disable=SC2086
wait $clients
cat "$T"/answers.* >"$T/answers"
acked=$(grep -c ' 303$' "$T/answers")
refused=$(grep -vc ' 303$' "$T/answers")
if [ "$acked" -ge 100 ] && [ "$refused" -ge 1 ]; then ok "killed mid-stream ($acked answered 303, $refused not)"; else
    fail "killed mid-stream" "answered $acked, not answered $refused"; fi

start_kiosk second --site "$SITE" --pubkey "$K/admin.pub" --spool "$SPOOL" --rate 0 || exit 0
expect_status "restarts on the same spool" 200 "$(curl -s -o /dev/null -w '%{http_code}' "$KURL/")"
stop_kiosk
expect_status "second run stops cleanly" 0 "$KSTATUS"
expect_status "the spool is intact" 0 "$(sqlite3 "$SPOOL" 'PRAGMA integrity_check' | grep -qx ok; echo $?)"

"$PEERKIOSK" export --spool "$SPOOL" --out "$T/bundle" >/dev/null
"$PEERADMIN" import --key "$K/admin.key" --passphrase-file "$PASS" --db "$T/intake.db" "$T/bundle" >"$T/import.out" 2>&1
expect_status "everything in the spool imports" 0 $?
"$PEERADMIN" list --key "$K/admin.key" --passphrase-file "$PASS" --db "$T/intake.db" --json >"$T/list.json"
grep -oE '"name": *"dur-[0-9]+-[0-9]+"' "$T/list.json" | grep -oE 'dur-[0-9]+-[0-9]+' | sort >"$T/stored"
grep ' 303$' "$T/answers" | cut -d' ' -f1 | sort >"$T/acked"
lost=$(comm -23 "$T/acked" "$T/stored")
if [ -z "$lost" ]; then ok "every submission answered 303 survived SIGKILL ($(wc -l <"$T/acked") of $(wc -l <"$T/stored") stored)"; else
    fail "every submission answered 303 survived SIGKILL" "lost: $(echo "$lost" | head -5 | tr '\n' ' ')"; fi
dups=$(uniq -d "$T/stored")
if [ -z "$dups" ]; then ok "no submission stored twice"; else fail "no submission stored twice" "$dups"; fi
