#!/usr/bin/env bash
# Anyone who holds admin.pub can seal any bytes. Hostile but well-sealed
# requests are refused with a clear message, or imported and then printed with
# every control character made visible: no raw escape sequence ever reaches
# the administrator's terminal.
. "$(dirname "$0")/lib.sh"
keyed_site || exit 0
admin() { "$PEERADMIN" "$@" --key "$K/admin.key" --passphrase-file "$PASS"; }
HASH=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef
ESC=$'\x1b'
CSI=$'\xc2\x9b'
BEL=$'\x07'
# seal NAME JSON: an armored request holding exactly JSON.
seal() { printf '%s' "$2" | "$TEST_HELPERS/seal_raw" "$K/admin.pub" >"$T/$1.txt"; }
plain() { # plain CHANNEL REFERENCE SUBMITTED FIELDS
    printf '{"v":1,"schema":"%s","channel":"%s","submitted":"%s","reference":"%s","fields":%s}' \
        "$HASH" "$1" "$3" "$2" "$4"
}
seal channel "$(plain 'kiosk:\u001b]0;owned\u0007' ABCD-EFGH 2026-11-25T10:00:00Z '{}')"
seal fieldname "$(plain web ABCD-EFGH 2026-11-25T10:00:00Z '{"name\u001b[2J":"x"}')"
seal reference "$(plain web 'AB\u009bD-EFGH' 2026-11-25T10:00:00Z '{}')"
seal submitted "$(plain web ABCD-EFGH '2026-11-25T10:00:00Z\u001b[1m' '{}')"
seal value "$(plain web ABCD-EFGH 2026-11-25T10:00:00Z \
    '{"name":"Dr \u001b[31mRed\u001b[0m \u009b2J","message":"line one\nline \u0007two\\end"}')"

for what in channel fieldname reference submitted; do
    admin import --db "$T/intake.db" "$T/$what.txt" >"$T/$what.out" 2>"$T/$what.err"
    expect_status "an escape sequence in the $what: skipped (exit 3)" 3 $?
    expect_contains "  with a clear reason" "$T/$what.err" "invalid request content"
    if grep -qaF -e "$ESC" -e "$CSI" -e "$BEL" "$T/$what.out" "$T/$what.err"; then
        fail "  and no raw control character printed" "$(od -c "$T/$what.err" | head -5)"
    else
        ok "  and no raw control character printed"
    fi
done

admin import --db "$T/intake.db" "$T/value.txt" >"$T/value.out" 2>&1
expect_status "escape sequences in values: imported" 0 $?
admin show 1 --db "$T/intake.db" >"$T/show.out" 2>&1
expect_status "show" 0 $?
admin list --db "$T/intake.db" >"$T/list.out" 2>&1
expect_status "list" 0 $?
for f in show list; do
    if grep -qaF -e "$ESC" -e "$CSI" -e "$BEL" "$T/$f.out"; then
        fail "$f prints no raw control character" "$(od -c "$T/$f.out" | grep -E '033|233|007' | head -3)"
    else
        ok "$f prints no raw control character"
    fi
done
expect_contains "show makes ESC visible" "$T/show.out" 'Dr \x1b[31mRed\x1b[0m \u009b2J'
expect_contains "show makes BEL visible and keeps the note's line break" "$T/show.out" 'line \x07two\\end'
expect_contains "  (the second line indented under its field)" "$T/show.out" "    line "
admin show 1 --json --db "$T/intake.db" >"$T/show.json" 2>&1
if grep -qaF -e "$ESC" -e "$CSI" -e "$BEL" "$T/show.json"; then
    fail "show --json prints no raw control character"
else
    ok "show --json prints no raw control character"
fi
