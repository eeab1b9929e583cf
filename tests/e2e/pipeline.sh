#!/usr/bin/env bash
# End-to-end: the sealed-request pipeline with the built binaries and no
# network. keygen -> site build with the key -> submit (and a helper sealing
# through the library, as the kiosk server will) -> export -> import ->
# receipt -> ack -> nothing pending. Plaintext never appears in the spool or
# the bundle; forged, foreign and damaged inputs change nothing.
. "$(dirname "$0")/lib.sh"
MARK=PLAINTEXT-MARKER-e2e-91c4
K=$T/keys
PASS=$T/pass
printf 'a long enough test passphrase\n' >"$PASS"
chmod 600 "$PASS"

admin() { "$PEERADMIN" "$@" --key "$K/admin.key" --passphrase-file "$PASS"; }
# no_marker NAME FILE...: none of the files (that exist) holds the marker.
no_marker() {
    local name=$1 f found=""
    shift
    for f in "$@"; do
        [ -e "$f" ] && grep -qaF "$MARK" "$f" && found="$found $f"
    done
    if [ -z "$found" ]; then ok "$name"; else fail "$name" "plaintext marker found in:$found"; fi
}

# --- keys -------------------------------------------------------------------
# The real keygen, at its real cost (Argon2id over 256 MiB); nothing in the
# environment can weaken it. The rest of the run uses a key made with the
# smallest cost by a test helper: the cost is recorded in the key file.
RK=$T/real-keys
PEERKIT_PWHASH=min "$PEERADMIN" keygen --out "$RK" --passphrase-file "$PASS" >"$T/keygen.out" 2>&1
expect_status "keygen" 0 $?
expect_contains "keygen prints the fingerprint" "$T/keygen.out" "fingerprint"
expect_status "admin.key is mode 0600" 600 "$(stat -c %a "$RK/admin.key")"
expect_contains "admin.pub names its format" "$RK/admin.pub" "peerkit-admin-public-key v1"
# Header: 8 bytes of magic, then the Argon2id passes and memory (little-endian).
expect_status "keygen records 3 Argon2id passes whatever the environment says" 3 \
    "$(od -An -tu8 -j8 -N8 "$RK/admin.key" | tr -d ' ')"
expect_status "keygen records 256 MiB of Argon2id memory" 268435456 \
    "$(od -An -tu8 -j16 -N8 "$RK/admin.key" | tr -d ' ')"
"$PEERADMIN" list --key "$RK/admin.key" --passphrase-file "$PASS" --db "$T/real.db" >/dev/null 2>&1
expect_status "the real key loads" 0 $?
cp "$RK/admin.key" "$T/admin.key.before"
"$PEERADMIN" keygen --out "$RK" --passphrase-file "$PASS" >"$T/keygen2.out" 2>&1
expect_status "keygen refuses to overwrite (exit 1)" 1 $?
expect_contains "keygen says why" "$T/keygen2.out" "refusing to overwrite"
if cmp -s "$RK/admin.key" "$T/admin.key.before"; then ok "existing key untouched"; else fail "existing key untouched"; fi
"$TEST_HELPERS/fast_keygen" "$K" "$PASS" >/dev/null 2>&1
expect_status "a test key (smallest Argon2id cost)" 0 $?
"$TEST_HELPERS/fast_keygen" "$T/other-keys" "$PASS" >/dev/null 2>&1
expect_status "a second (foreign) key pair" 0 $?

# --- site built with the key --------------------------------------------------
cp -R "$FIXTURES/minimal" "$T/content"
mkdir -p "$T/content/keys"
cp "$K/admin.pub" "$T/content/keys/admin.pub"
"$PEERSITE" build --content "$T/content" --theme "$ROOT/themes/default" --out "$T/site" \
    >"$T/site.log" 2>&1
expect_status "site builds with admin.pub" 0 $?
if cmp -s "$T/site/admin.pub" "$K/admin.pub"; then ok "site publishes admin.pub"; else fail "site publishes admin.pub"; fi

# --- submit -----------------------------------------------------------------
SPOOL=$T/spool.db
printf '{"referral": "self", "name": "Dr %s", "email": "a@example.org", "modality": ["phone"], "message": "%s", "consent": "yes"}' \
    "$MARK" "$MARK" >"$T/valid.json"
at "2026-01-01 09:30:00" "$PEERKIOSK" submit --site "$T/site" --pubkey "$K/admin.pub" \
    --spool "$SPOOL" --kiosk-id lounge-3 <"$T/valid.json" >"$T/submit.out" 2>"$T/submit.err"
expect_status "submit a valid request" 0 $?
ref=$(grep -oE '[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}' "$T/submit.out" | head -1)
if [ -n "$ref" ]; then ok "submit prints the reference code"; else fail "submit prints the reference code" "$(cat "$T/submit.out")"; fi
no_marker "submit does not echo the request" "$T/submit.out" "$T/submit.err"

printf '{"referral": "nobody", "email": "not-an-address", "consent": "no", "extra": "%s"}' \
    "$MARK" >"$T/invalid.json"
"$PEERKIOSK" status --spool "$SPOOL" --json >"$T/status0.json"
"$PEERKIOSK" submit --site "$T/site" --pubkey "$K/admin.pub" --spool "$SPOOL" \
    <"$T/invalid.json" >"$T/invalid.out" 2>&1
expect_status "invalid request: exit 1" 1 $?
for want in "referral: not one of the choices" "name: required" "email: not an email address" \
            "consent: must be" "extra: not a field of this form"; do
    expect_contains "invalid request names: $want" "$T/invalid.out" "$want"
done
"$PEERKIOSK" status --spool "$SPOOL" --json >"$T/status1.json"
if cmp -s "$T/status0.json" "$T/status1.json"; then ok "invalid request: nothing stored"; else fail "invalid request: nothing stored" "$(cat "$T/status0.json" "$T/status1.json")"; fi
echo 'not json' | "$PEERKIOSK" submit --site "$T/site" --pubkey "$K/admin.pub" --spool "$SPOOL" \
    >"$T/notjson.out" 2>&1
expect_status "request that is not JSON: exit 1" 1 $?

# A NUL in a value (JSON's \u0000) can never be imported: refused, nothing stored.
printf '{"referral": "self", "name": "Dr Nul", "email": "a@example.org", "modality": ["phone\\u0000x"], "consent": "yes"}' \
    >"$T/nul.json"
"$PEERKIOSK" submit --site "$T/site" --pubkey "$K/admin.pub" --spool "$SPOOL" <"$T/nul.json" >"$T/nul.out" 2>&1
expect_status "a request with a NUL in a value: exit 1" 1 $?
"$PEERKIOSK" status --spool "$SPOOL" --json >"$T/status2.json"
if cmp -s "$T/status0.json" "$T/status2.json"; then ok "a request with a NUL: nothing stored"; else fail "a request with a NUL: nothing stored" "$(cat "$T/status0.json" "$T/status2.json")"; fi

"$PEERKIOSK" submit --site "$T/site" --pubkey "$T/other-keys/admin.pub" --spool "$SPOOL" \
    <"$T/valid.json" >"$T/wrongkey.out" 2>&1
expect_status "kiosk refuses a key that is not the site's" 1 $?

# The kiosk server seals through the same library: the helper does so in bulk.
"$TEST_HELPERS/seal_requests" --site "$T/site" --pubkey "$K/admin.pub" --count 24 \
    --marker "$MARK" --spool "$SPOOL" >/dev/null
expect_status "seal 24 more requests into the spool" 0 $?
"$PEERKIOSK" status --spool "$SPOOL" --json >"$T/status.json"
expect_match "status --json: 25 pending" "$T/status.json" '"pending": ?25[,}]'
"$PEERKIOSK" status --spool "$SPOOL" >"$T/status.txt"
expect_contains "status names the oldest day" "$T/status.txt" "2026-01-01"

# --- export -----------------------------------------------------------------
mkdir "$T/usb"
"$PEERKIOSK" export --spool "$SPOOL" --out "$T/usb/requests.pkb" >"$T/export.out" 2>&1
expect_status "export" 0 $?
expect_contains "export says how many" "$T/export.out" "25"
no_marker "no plaintext in the spool, its WAL or the bundle" "$SPOOL" "$SPOOL-wal" "$SPOOL-shm" \
    "$T/usb/requests.pkb"
if grep -qaF "lounge-3" "$SPOOL" "$T/usb/requests.pkb"; then fail "kiosk id is sealed, not stored in clear"; else ok "kiosk id is sealed, not stored in clear"; fi

# --- import -----------------------------------------------------------------
DB=$T/intake.db
admin import --db "$DB" --receipt "$T/receipt.txt" "$T/usb/requests.pkb" >"$T/import.out" 2>&1
expect_status "import: exit 0" 0 $?
expect_contains "import counts what it added" "$T/import.out" "25"
no_marker "no plaintext in the intake database" "$DB" "$DB-wal"
no_marker "no plaintext in import output" "$T/import.out"
expect_contains "receipt lists 25 envelopes" "$T/receipt.txt" "held: 25"

admin list --db "$DB" --json >"$T/list.json"
expect_status "list --json" 0 $?
node -e '
const rows = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
const ref = process.argv[2], mark = process.argv[3];
if (rows.length !== 25) throw new Error("rows: " + rows.length);
for (const k of ["id", "envelope_id", "channel", "reference", "received", "fields"])
  for (const r of rows) if (!(k in r)) throw new Error("missing " + k);
const mine = rows.find(r => r.reference === ref);
if (!mine) throw new Error("submitted reference " + ref + " not found");
if (mine.channel !== "kiosk:lounge-3") throw new Error("channel " + mine.channel);
if (mine.fields.name !== "Dr " + mark || mine.fields.modality[0] !== "phone") throw new Error("fields");
if (!/^[0-9a-f]{64}$/.test(mine.envelope_id)) throw new Error("envelope_id");
console.log(mine.id);
' "$T/list.json" "$ref" "$MARK" >"$T/myid" 2>"$T/list.err"
expect_status "list --json: every row, the submitted one with its fields" 0 $?
myid=$(cat "$T/myid")
admin show "$myid" --db "$DB" --json >"$T/show.json"
expect_status "show ID --json" 0 $?
expect_contains "show has the fields as submitted" "$T/show.json" "\"message\": \"$MARK\""
expect_contains "show has the reference" "$T/show.json" "\"reference\": \"$ref\""
admin show 9999 --db "$DB" >"$T/show-missing.out" 2>&1
expect_status "show of a missing id: exit 1" 1 $?

# Importing the same bundle again adds nothing and lists the same envelopes.
admin import --db "$DB" --receipt "$T/receipt2.txt" "$T/usb/requests.pkb" >"$T/import2.out" 2>&1
expect_status "re-import: exit 0" 0 $?
admin list --db "$DB" >"$T/list2.txt"
expect_contains "re-import is idempotent" "$T/list2.txt" "25 requests"
if diff <(grep -E '^[0-9a-f]{64}$' "$T/receipt.txt") <(grep -E '^[0-9a-f]{64}$' "$T/receipt2.txt") >/dev/null; then
    ok "second receipt lists the same envelopes"; else fail "second receipt lists the same envelopes"; fi

# --- receipts and ack ---------------------------------------------------------
# A forged receipt (one id changed, signature kept) deletes nothing.
sed -E '5{s/0$/1/;t;s/.$/0/}' "$T/receipt.txt" >"$T/forged.txt"
cmp -s "$T/forged.txt" "$T/receipt.txt" && fail "forged receipt differs" "sed changed nothing"
"$PEERKIOSK" ack --spool "$SPOOL" --pubkey "$K/admin.pub" --receipt "$T/forged.txt" >"$T/ack-forged.out" 2>&1
expect_status "forged receipt refused (exit 1)" 1 $?
expect_contains "forged receipt: says why" "$T/ack-forged.out" "forged or altered"
"$PEERKIOSK" status --spool "$SPOOL" --json >"$T/status-f.json"
expect_match "forged receipt deleted nothing" "$T/status-f.json" '"pending": ?25[,}]'

# A receipt signed by another administrator key deletes nothing.
"$PEERADMIN" import --key "$T/other-keys/admin.key" --passphrase-file "$PASS" --db "$T/other.db" \
    --receipt "$T/foreign.txt" "$T/usb/requests.pkb" >"$T/import-foreign.out" 2>&1
expect_status "import with the wrong key: every envelope skipped (exit 3)" 3 $?
expect_contains "wrong key: reason names the key id" "$T/import-foreign.out" "unknown key id"
"$PEERKIOSK" ack --spool "$SPOOL" --pubkey "$K/admin.pub" --receipt "$T/foreign.txt" >"$T/ack-foreign.out" 2>&1
expect_status "foreign receipt refused (exit 1)" 1 $?
expect_contains "foreign receipt: says why" "$T/ack-foreign.out" "foreign receipt"
head -c 200 "$T/receipt.txt" >"$T/cut.txt"
"$PEERKIOSK" ack --spool "$SPOOL" --pubkey "$K/admin.pub" --receipt "$T/cut.txt" >/dev/null 2>&1
expect_status "truncated receipt refused (exit 1)" 1 $?
# A FIFO as the receipt is refused at once (nobody writes to it: a plain
# open would wait for ever).
mkfifo "$T/receipt.fifo"
timeout 10 "$PEERKIOSK" ack --spool "$SPOOL" --pubkey "$K/admin.pub" --receipt "$T/receipt.fifo" >"$T/ack-fifo.out" 2>&1
expect_status "a FIFO as the receipt: refused at once (exit 1, not a timeout's 124)" 1 $?
expect_contains "  says it is not a regular file" "$T/ack-fifo.out" "not a regular file"
"$PEERKIOSK" status --spool "$SPOOL" --json >"$T/status-g.json"
expect_match "refused receipts deleted nothing" "$T/status-g.json" '"pending": ?25[,}]'

# A request written after the export stays in the spool after the ack.
"$PEERKIOSK" submit --site "$T/site" --pubkey "$K/admin.pub" --spool "$SPOOL" <"$T/valid.json" >/dev/null 2>&1
"$PEERKIOSK" ack --spool "$SPOOL" --pubkey "$K/admin.pub" --receipt "$T/receipt.txt" >"$T/ack.out" 2>&1
expect_status "genuine receipt accepted" 0 $?
expect_contains "ack deletes the 25 listed" "$T/ack.out" "25"
"$PEERKIOSK" status --spool "$SPOOL" --json >"$T/status-h.json"
expect_match "the request not yet exported is kept" "$T/status-h.json" '"pending": ?1[,}]'
"$PEERKIOSK" export --spool "$SPOOL" --out "$T/usb/second.pkb" >/dev/null 2>&1
admin import --db "$DB" --receipt "$T/receipt3.txt" "$T/usb/second.pkb" >/dev/null 2>&1
"$PEERKIOSK" ack --spool "$SPOOL" --pubkey "$K/admin.pub" --receipt "$T/receipt3.txt" >/dev/null 2>&1
"$PEERKIOSK" status --spool "$SPOOL" --json >"$T/status-i.json"
expect_match "after the second round trip nothing is pending" "$T/status-i.json" '"pending": ?0[,}]'
no_marker "after ack no plaintext in the spool files" "$SPOOL" "$SPOOL-wal"

# --- damaged bundle -------------------------------------------------------------
"$TEST_HELPERS/seal_requests" --site "$T/site" --pubkey "$K/admin.pub" --count 10 \
    --marker "$MARK" --bundle "$T/ten.pkb" >/dev/null
size=$(stat -c %s "$T/ten.pkb")
cp "$T/ten.pkb" "$T/flipped.pkb"
# Flip one byte in the middle of the bundle. All ten envelopes are in one size
# bucket, so records are equal in size: header 16 bytes, trailer 41.
off=$((size / 2))
rec=$(((size - 16 - 41) / 10))
damaged=$(((off - 16) / rec + 1))
orig=$(od -An -tu1 -j "$off" -N1 "$T/ten.pkb" | tr -d ' ')
printf "$(printf '\\%03o' $(((orig + 1) % 256)))" | dd of="$T/flipped.pkb" bs=1 seek="$off" conv=notrunc status=none
admin import --db "$T/flip.db" "$T/flipped.pkb" >"$T/flip.out" 2>&1
expect_status "bundle with one flipped byte: exit 3" 3 $?
expect_contains "the damaged record is named by position" "$T/flip.out" "record $damaged: skipped: damaged record"
admin list --db "$T/flip.db" >"$T/flip-list.txt"
expect_contains "every other envelope imported" "$T/flip-list.txt" "9 requests"
head -c $((size - 700)) "$T/ten.pkb" >"$T/truncated.pkb"
admin import --db "$T/trunc.db" "$T/truncated.pkb" >"$T/trunc.out" 2>&1
expect_status "truncated bundle: exit 3" 3 $?
expect_contains "truncation is reported" "$T/trunc.out" "truncated"
admin list --db "$T/trunc.db" >"$T/trunc-list.txt"
expect_contains "records before the cut imported" "$T/trunc-list.txt" "9 requests"

# --- armored requests in a mailbox ------------------------------------------------
"$TEST_HELPERS/seal_requests" --site "$T/site" --pubkey "$K/admin.pub" --count 3 \
    --marker "$MARK" --armor "$T/armored.txt" >/dev/null
{
    printf 'From kiosk@example.org Wed Nov 25 10:00:00 2026\r\nSubject: requests\r\n\r\n'
    sed 's/$/\r/' "$T/armored.txt"
    printf '\r\n-----BEGIN PEERKIT REQUEST-----\r\nnot base64 at all!\r\n-----END PEERKIT REQUEST-----\r\n'
} >"$T/mbox"
no_marker "no plaintext in armored requests" "$T/mbox"
admin import --db "$T/mail.db" "$T/mbox" >"$T/mail.out" 2>&1
expect_status "mailbox with one bad block: exit 3" 3 $?
expect_contains "bad block named by position and line" "$T/mail.out" "request 4 (line"
admin list --db "$T/mail.db" >"$T/mail-list.txt"
expect_contains "the three good requests imported" "$T/mail-list.txt" "3 requests"

# --- fatal errors: nothing imported -------------------------------------------------
admin import --db "$T/fatal.db" "$T/ten.pkb" "$T/no-such-file" >"$T/fatal.out" 2>&1
expect_status "unreadable input: exit 1" 1 $?
if [ ! -e "$T/fatal.db" ] || [ "$("$PEERADMIN" list --key "$K/admin.key" --passphrase-file "$PASS" --db "$T/fatal.db" | tail -1)" = "0 requests" ]; then
    ok "unreadable input: nothing imported"; else fail "unreadable input: nothing imported"; fi
mkfifo "$T/input.fifo"
timeout 10 "$PEERADMIN" import --key "$K/admin.key" --passphrase-file "$PASS" --db "$T/fifo.db" \
    "$T/ten.pkb" "$T/input.fifo" >"$T/fifo.out" 2>&1
expect_status "a FIFO as an input: refused at once (exit 1, not a timeout's 124)" 1 $?
expect_contains "  says it is not a regular file" "$T/fifo.out" "not a regular file"
mkfifo "$T/key.fifo"
timeout 10 "$PEERADMIN" import --key "$T/key.fifo" --passphrase-file "$PASS" --db "$T/fifo.db" \
    "$T/ten.pkb" >"$T/keyfifo.out" 2>&1
expect_status "a FIFO as the key: refused at once (exit 1, not a timeout's 124)" 1 $?
: >"$T/empty.pkb"
admin import --db "$T/empty.db" "$T/ten.pkb" "$T/empty.pkb" >"$T/empty.out" 2>&1
expect_status "an empty input: exit 1" 1 $?
expect_contains "  says it is empty" "$T/empty.out" "empty file"
if [ ! -e "$T/empty.db" ] || [ "$("$PEERADMIN" list --key "$K/admin.key" --passphrase-file "$PASS" --db "$T/empty.db" | tail -1)" = "0 requests" ]; then
    ok "  and nothing is imported"; else fail "  and nothing is imported" "expected 0 requests in empty.db"; fi
printf 'wrong passphrase here\n' >"$T/wrongpass"
chmod 600 "$T/wrongpass"
"$PEERADMIN" import --key "$K/admin.key" --passphrase-file "$T/wrongpass" --db "$T/wp.db" \
    "$T/ten.pkb" >"$T/wp.out" 2>&1
expect_status "wrong passphrase: exit 1" 1 $?
expect_contains "wrong passphrase: says so" "$T/wp.out" "wrong passphrase"
cp "$K/admin.key" "$T/loose.key"
chmod 644 "$T/loose.key"
"$PEERADMIN" list --key "$T/loose.key" --passphrase-file "$PASS" --db "$DB" >"$T/loose.out" 2>&1
expect_status "world-readable key refused" 1 $?
expect_contains "world-readable key: says how to fix" "$T/loose.out" "chmod 600"
cp "$K/admin.key" "$T/damaged.key"
chmod 600 "$T/damaged.key"
# Flip every bit of byte 100 (setting it to a fixed value would change nothing
# when it already held that value).
byte=$(od -An -tu1 -j100 -N1 "$T/damaged.key" | tr -d ' ')
printf "\\$(printf '%03o' $((255 - byte)))" | dd of="$T/damaged.key" bs=1 seek=100 conv=notrunc status=none
"$PEERADMIN" list --key "$T/damaged.key" --passphrase-file "$PASS" --db "$DB" >"$T/damaged.out" 2>&1
expect_status "damaged key file refused" 1 $?

# --- key rotation: two keys, one passphrase file each -------------------------------
admin import --db "$T/rot.db" "$T/ten.pkb" >/dev/null 2>&1
"$PEERADMIN" list --key "$T/other-keys/admin.key" --key "$K/admin.key" --passphrase-file "$PASS" \
    --db "$T/rot.db" >"$T/rot.txt" 2>&1
expect_status "list with two keys (rotation)" 0 $?
"$PEERADMIN" list --key "$T/other-keys/admin.key" --passphrase-file "$PASS" --db "$T/rot.db" \
    >"$T/rot2.txt" 2>&1
# list never stops at a row it cannot read: it marks each one and exits 3 (partial).
expect_status "list without the needed key: exit 3, rows marked" 3 $?
expect_contains "missing key is named" "$T/rot2.txt" "not loaded"
expect_contains "every row is still listed" "$T/rot2.txt" "10 requests"

# --- validating against the site's form --------------------------------------------
admin import --db "$T/site.db" --site "$T/site" "$T/ten.pkb" >"$T/site-import.out" 2>&1
expect_status "import --site: requests satisfy the form (exit 0)" 0 $?
cp -R "$T/content" "$T/content2"
sed -i 's/^title: .*/title: Ask for support (revised)/' "$T/content2/request.yml"
"$PEERSITE" build --content "$T/content2" --theme "$ROOT/themes/default" --out "$T/site2" >/dev/null 2>&1
admin import --db "$T/site2.db" --site "$T/site2" "$T/ten.pkb" >"$T/site2-import.out" 2>&1
expect_status "import --site with a revised form: still imported" 0 $?
expect_contains "revised form: says what was checked" "$T/site2-import.out" \
    "10 requests sealed with another version of the form were checked for structure only"
