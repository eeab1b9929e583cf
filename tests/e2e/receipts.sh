#!/usr/bin/env bash
# Receipts: what the kiosk may forget. A receipt lists the envelopes of the
# import's own inputs (not every id the program ever received) and stays the
# same when the import is repeated; envelopes no import can ever take (sealed
# for the key but damaged, or holding what the form or the JSON parser
# refuses) are listed to discard, so a poisoned envelope cannot stay in a
# spool forever, and nothing leaves a spool without the administrator's
# signature; during a key rotation one receipt, signed with both keys,
# drains kiosks holding the old or the new admin.pub.
. "$(dirname "$0")/lib.sh"
keyed_site || exit 1
admin() { "$PEERADMIN" "$@" --passphrase-file "$PASS"; }
pending() { "$PEERKIOSK" status --spool "$1" --json | sed -n 's/.*"pending": *\([0-9]*\).*/\1/p'; }
ids() { grep -E '^[0-9a-f]{64}$' "$1"; }
HASH=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef

# --- a drop box collects one good and two poisoned envelopes -----------------
"$TEST_HELPERS/seal_requests" --site "$SITE" --pubkey "$K/admin.pub" --count 1 --armor "$T/good.txt" >/dev/null
# Well sealed for the key, but JSON with a NUL: every import refuses it.
printf '{"v":1,"schema":"%s","channel":"web","submitted":"2026-11-25T10:00:00Z","reference":"ABCD-EFGH","fields":{"name":"a\\u0000b"}}' \
    "$HASH" | "$TEST_HELPERS/seal_raw" "$K/admin.pub" >"$T/nul.txt"
# The right header for the key, then random bytes: it never authenticates.
keyid=$(sed -n 's/^key-id: //p' "$K/admin.pub")
{ printf 'PKEV\001'; printf '%s' "$keyid" | xxd -r -p; head -c $((1024 + 48)) /dev/urandom; } >"$T/forged.bin"

"$PEERKIOSK" drop --pubkey "$K/admin.pub" --spool "$T/drop.db" --listen 127.0.0.1:0 --rate 0 >"$T/drop.out" 2>&1 &
DPID=$!
for _ in $(seq 200); do
    port=$(sed -n 's/^peerkiosk: drop box listening on port \([0-9]*\) .*/\1/p' "$T/drop.out")
    [ -n "$port" ] && break
    sleep 0.05
done
for f in good.txt nul.txt forged.bin; do
    curl -s -o /dev/null -H 'Content-Type: application/octet-stream' --data-binary @"$T/$f" \
        "http://127.0.0.1:$port/drop"
done
kill -TERM "$DPID"
wait "$DPID"
expect_status "the drop box stored all three (it can only check their format)" 3 "$(pending "$T/drop.db")"

# --- import: the poisoned ones are released, by name ---------------------------
"$PEERKIOSK" export --spool "$T/drop.db" --out "$T/one.pkb" >/dev/null
admin import --key "$K/admin.key" --db "$T/intake.db" --site "$SITE" --receipt "$T/r1.txt" "$T/one.pkb" \
    >"$T/import1.out" 2>"$T/import1.err"
expect_status "import skips the two poisoned envelopes (exit 3)" 3 $?
expect_contains "a NUL in the JSON is named" "$T/import1.err" "not JSON"
expect_contains "the forged one is named" "$T/import1.err" "authentication failed"
if [ "$(grep -c 'the receipt tells the kiosk to discard it' "$T/import1.err")" = 2 ]; then
    ok "both are named with their envelope id, to discard"
else
    fail "both are named with their envelope id, to discard" "$(cat "$T/import1.err")"
fi
expect_contains "the receipt holds one and discards two" "$T/r1.txt" "held: 1"
expect_contains "  (the discard list)" "$T/r1.txt" "discard: 2"
expect_contains "import says what the receipt lists" "$T/import1.out" "1 envelope held, 2 to discard"
"$PEERKIOSK" ack --spool "$T/drop.db" --pubkey "$K/admin.pub" --receipt "$T/r1.txt" >"$T/ack1.out" 2>&1
expect_status "ack with the receipt" 0 $?
expect_contains "ack says how many it discarded" "$T/ack1.out" "discarded 2"
expect_status "nothing poisoned stays in the spool" 0 "$(pending "$T/drop.db")"

# --- the receipt covers this import's inputs only, and is idempotent ----------
"$TEST_HELPERS/seal_requests" --site "$SITE" --pubkey "$K/admin.pub" --count 2 --spool "$T/kiosk.db" >/dev/null
"$PEERKIOSK" export --spool "$T/kiosk.db" --out "$T/two.pkb" >/dev/null
admin import --key "$K/admin.key" --db "$T/intake.db" --receipt "$T/r2.txt" "$T/two.pkb" >/dev/null 2>&1
expect_status "a second bundle imports" 0 $?
expect_contains "its receipt lists its own two envelopes, not the first bundle's" "$T/r2.txt" "held: 2"
expect_contains "  and nothing to discard" "$T/r2.txt" "discard: 0"
admin import --key "$K/admin.key" --db "$T/intake.db" --receipt "$T/r2b.txt" "$T/two.pkb" >/dev/null 2>&1
if diff <(ids "$T/r2.txt") <(ids "$T/r2b.txt") >/dev/null; then ok "importing again gives the same receipt"; else
    fail "importing again gives the same receipt" "$(diff <(ids "$T/r2.txt") <(ids "$T/r2b.txt"))"; fi
admin import --key "$K/admin.key" --db "$T/intake.db" --site "$SITE" --receipt "$T/r1b.txt" "$T/one.pkb" \
    >/dev/null 2>&1
if diff <(ids "$T/r1.txt") <(ids "$T/r1b.txt") >/dev/null; then ok "  with the same discards"; else
    fail "  with the same discards" "$(diff <(ids "$T/r1.txt") <(ids "$T/r1b.txt"))"; fi

# --- peeradmin receipt: for named inputs, and --discard by hand ----------------
admin receipt --key "$K/admin.key" --db "$T/intake.db" --out "$T/r3.txt" "$T/two.pkb" >"$T/r3.out" 2>&1
expect_status "receipt for a bundle already imported" 0 $?
if diff <(ids "$T/r2.txt") <(ids "$T/r3.txt") >/dev/null; then ok "  lists exactly its envelopes"; else
    fail "  lists exactly its envelopes" "$(cat "$T/r3.txt")"; fi
admin receipt --key "$K/admin.key" --db "$T/intake.db" --out "$T/r4.txt" >"$T/r4.out" 2>&1
expect_status "a receipt for nothing in particular is refused" 1 $?
expect_missing "  and not written" "$T/r4.txt"
admin receipt --key "$K/admin.key" --db "$T/intake.db" --out "$T/r5.txt" --discard 12ab >"$T/r5.out" 2>&1
expect_status "--discard takes only an envelope id" 1 $?
# A kiosk given the new admin.pub still holds envelopes sealed to the old
# key, and the old key is lost for good: import cannot open them and does not
# discard them on its own (loading the key would do); the administrator
# releases them by id.
"$TEST_HELPERS/fast_keygen" "$T/lost" "$PASS" >/dev/null 2>&1
"$TEST_HELPERS/seal_requests" --site "$SITE" --pubkey "$T/lost/admin.pub" --count 1 --spool "$T/lost.db" >/dev/null
"$PEERKIOSK" export --spool "$T/lost.db" --out "$T/lost.pkb" >/dev/null
admin import --key "$K/admin.key" --db "$T/intake.db" --receipt "$T/r6.txt" "$T/lost.pkb" >/dev/null 2>"$T/r6.err"
expect_status "an envelope for a key not loaded is skipped (exit 3)" 3 $?
expect_contains "  and not discarded on import's own" "$T/r6.txt" "discard: 0"
lost=$(sed -n 's/.*(envelope \([0-9a-f]\{64\}\)).*/\1/p' "$T/r6.err")
[ -n "$lost" ] && ok "  its envelope id is printed" || fail "  its envelope id is printed" "$(cat "$T/r6.err")"
"$PEERKIOSK" ack --spool "$T/lost.db" --pubkey "$K/admin.pub" --receipt "$T/r6.txt" >/dev/null 2>&1
expect_status "  so the ack leaves it in the spool" 1 "$(pending "$T/lost.db")"
admin receipt --key "$K/admin.key" --db "$T/intake.db" --out "$T/r7.txt" --discard "$lost" >"$T/r7.out" 2>&1
expect_status "receipt --discard ID" 0 $?
expect_contains "  lists it to discard" "$T/r7.txt" "discard: 1"
"$PEERKIOSK" ack --spool "$T/lost.db" --pubkey "$K/admin.pub" --receipt "$T/r7.txt" >"$T/ack7.out" 2>&1
expect_contains "  and the kiosk discards it" "$T/ack7.out" "discarded 1"
expect_status "  so nothing is left" 0 "$(pending "$T/lost.db")"

# --- rotation: one receipt for kiosks with the old and the new key -------------
"$TEST_HELPERS/fast_keygen" "$T/new" "$PASS" >/dev/null 2>&1
"$TEST_HELPERS/seal_requests" --site "$SITE" --pubkey "$K/admin.pub" --count 2 --spool "$T/old-kiosk.db" >/dev/null
"$TEST_HELPERS/seal_requests" --site "$SITE" --pubkey "$T/new/admin.pub" --count 3 --spool "$T/new-kiosk.db" >/dev/null
"$PEERKIOSK" export --spool "$T/old-kiosk.db" --out "$T/old.pkb" >/dev/null
"$PEERKIOSK" export --spool "$T/new-kiosk.db" --out "$T/new.pkb" >/dev/null
admin import --key "$T/new/admin.key" --key "$K/admin.key" --db "$T/rot.db" --receipt "$T/rot.txt" \
    "$T/old.pkb" "$T/new.pkb" >"$T/rot.out" 2>&1
expect_status "import with the new and the old key" 0 $?
expect_contains "the receipt is signed with both" "$T/rot.out" "signed with 2 keys"
"$PEERKIOSK" ack --spool "$T/old-kiosk.db" --pubkey "$K/admin.pub" --receipt "$T/rot.txt" >"$T/ack-old.out" 2>&1
expect_status "a kiosk still holding the old admin.pub accepts it" 0 $?
"$PEERKIOSK" ack --spool "$T/new-kiosk.db" --pubkey "$T/new/admin.pub" --receipt "$T/rot.txt" >"$T/ack-new.out" 2>&1
expect_status "a kiosk holding the new admin.pub accepts it" 0 $?
if [ "$(pending "$T/old-kiosk.db")" = 0 ] && [ "$(pending "$T/new-kiosk.db")" = 0 ]; then
    ok "both kiosks are drained"
else
    fail "both kiosks are drained" "old $(pending "$T/old-kiosk.db"), new $(pending "$T/new-kiosk.db")"
fi
"$TEST_HELPERS/seal_requests" --site "$SITE" --pubkey "$K/admin.pub" --count 1 --spool "$T/old2.db" >/dev/null
"$PEERKIOSK" export --spool "$T/old2.db" --out "$T/old2.pkb" >/dev/null
admin import --key "$T/new/admin.key" --key "$K/admin.key" --db "$T/rot.db" --receipt "$T/rot2.txt" "$T/old2.pkb" \
    >/dev/null 2>&1
admin receipt --key "$T/new/admin.key" --db "$T/rot.db" --out "$T/newonly.txt" "$T/old2.pkb" >/dev/null 2>&1
"$PEERKIOSK" ack --spool "$T/old2.db" --pubkey "$K/admin.pub" --receipt "$T/newonly.txt" >"$T/ack-foreign.out" 2>&1
expect_status "a receipt signed with the new key only is foreign to the old kiosk" 1 $?
expect_contains "  and says so" "$T/ack-foreign.out" "foreign receipt"
expect_status "  and deletes nothing" 1 "$(pending "$T/old2.db")"
