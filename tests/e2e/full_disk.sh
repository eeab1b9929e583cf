#!/usr/bin/env bash
# Fault injection: a real, small tmpfs that fills up under the kiosk's spool,
# under the bundle being exported and under the administrator's intake
# database. Each time: a clear error and a non-zero exit, nothing half
# written, nothing lost; once space is freed, the same command succeeds.
# Needs root (mount); where mounting is not allowed the test says so and skips.
. "$(dirname "$0")/lib.sh"
keyed_site || exit 0
FULL=$T/full
mkdir -p "$FULL"
if ! mount -t tmpfs -o size=256k,mode=0700 peerkit-full "$FULL" 2>/dev/null; then
    echo "skip - a small tmpfs cannot be mounted here (needs root)"
    exit 0
fi
trap 'umount "$FULL" 2>/dev/null; kill -9 $(jobs -p) 2>/dev/null; rm -rf "$T"' EXIT
admin() { "$PEERADMIN" "$@" --key "$K/admin.key" --passphrase-file "$PASS"; }
fill() { dd if=/dev/zero of="$FULL/ballast" bs=4k 2>/dev/null; sync; }
pending() { "$PEERKIOSK" status --spool "$1" --json | jq -r .pending; }

# --- the kiosk's spool fills up ---------------------------------------------
printf '{"referral": "self", "name": "Dr Full", "email": "a@example.org", "consent": "yes"}' >"$T/req.json"
ok_count=0 failed=0
for i in $(seq 400); do
    if "$PEERKIOSK" submit --site "$SITE" --pubkey "$K/admin.pub" --spool "$FULL/spool.db" \
        <"$T/req.json" >/dev/null 2>"$T/submit.err"; then
        ok_count=$((ok_count + 1))
    else
        failed=1
        break
    fi
done
if [ "$failed" = 1 ] && [ "$ok_count" -ge 1 ]; then ok "a full spool fails the submission ($ok_count stored before)"; else
    fail "a full spool fails the submission" "stored $ok_count, failed $failed"; fi
expect_match "and says why" "$T/submit.err" "full|space|disk"
cp "$FULL/spool.db" "$T/spool-copy.db" 2>/dev/null
[ -f "$FULL/spool.db-wal" ] && cp "$FULL/spool.db-wal" "$T/spool-copy.db-wal"
expect_status "every acknowledged submission is in the spool" "$ok_count" "$(pending "$T/spool-copy.db")"
expect_status "the spool is intact" 0 "$(sqlite3 "$T/spool-copy.db" 'PRAGMA integrity_check' | grep -qx ok; echo $?)"

# --- the bundle cannot be written -------------------------------------------
cp "$T/spool-copy.db" "$T/spool.db"
[ -f "$T/spool-copy.db-wal" ] && cp "$T/spool-copy.db-wal" "$T/spool.db-wal"
rm -f "$FULL"/spool.db*
fill
"$PEERKIOSK" export --spool "$T/spool.db" --out "$FULL/requests.pkb" >"$T/export.out" 2>&1
expect_status "export onto a full stick fails" 1 $?
expect_match "and says why" "$T/export.out" "No space left|full"
if ls -a "$FULL" | grep -q 'requests'; then fail "no half-written bundle is left" "$(ls -a "$FULL")"; else
    ok "no half-written bundle is left"; fi
expect_status "the spool still holds every request" "$ok_count" "$(pending "$T/spool.db")"
rm -f "$FULL/ballast"
"$PEERKIOSK" export --spool "$T/spool.db" --out "$FULL/requests.pkb" >"$T/export2.out" 2>&1
expect_status "with space again, export succeeds" 0 $?
cp "$FULL/requests.pkb" "$T/requests.pkb"
rm -f "$FULL/requests.pkb"

# --- the intake database fills up -------------------------------------------
# Room for a few hundred requests once the ballast is gone.
mount -o remount,size=4m "$FULL"
"$TEST_HELPERS/seal_requests" --site "$SITE" --pubkey "$K/admin.pub" --count 300 \
    --bundle "$T/many.pkb" >/dev/null
admin import --db "$FULL/intake.db" "$T/requests.pkb" >"$T/import1.out" 2>&1
expect_status "import into a database with room" 0 $?
before=$(admin list --db "$FULL/intake.db" --json 2>/dev/null | jq length)
fill
admin import --db "$FULL/intake.db" --receipt "$T/receipt.txt" "$T/many.pkb" >"$T/import2.out" 2>&1
status=$?
if [ "$status" -ne 0 ]; then ok "import into a full database fails (exit $status)"; else
    fail "import into a full database fails" "$(cat "$T/import2.out")"; fi
expect_missing "no receipt is written for a failed import" "$T/receipt.txt"
rm -f "$FULL/ballast"
expect_status "the database is intact" 0 \
    "$(sqlite3 "$FULL/intake.db" 'PRAGMA integrity_check' | grep -qx ok; echo $?)"
after=$(admin list --db "$FULL/intake.db" --json 2>/dev/null | jq length)
expect_status "nothing imported before the failure was lost" "$before" "$after"
admin import --db "$FULL/intake.db" --receipt "$T/receipt.txt" "$T/many.pkb" >"$T/import3.out" 2>&1
expect_status "with space again, the import succeeds" 0 $?
expect_status "every request is there" "$((before + 300))" \
    "$(admin list --db "$FULL/intake.db" --json 2>/dev/null | jq length)"
