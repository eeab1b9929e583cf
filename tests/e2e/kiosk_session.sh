#!/usr/bin/env bash
# End-to-end: scripts/kiosk-session.sh, the kiosk's operating routine: the
# systemd unit it prints, the browser it would start, and the USB hand-over
# (export to the stick, import on the administrator's side, ack from the stick).
. "$(dirname "$0")/lib.sh"
S=$ROOT/scripts/kiosk-session.sh
keyed_site || exit 0
export PEERKIT_BIN=$(dirname "$PEERKIOSK") PEERKIT_SITE=$SITE PEERKIT_SPOOL=$T/var/spool.db \
       PEERKIT_PUBKEY=$K/admin.pub PEERKIT_ID=lounge-7 PEERKIT_LISTEN=127.0.0.1:8088
mkdir -p "$T/var"

"$S" unit >"$T/unit"
expect_status "unit" 0 $?
expect_contains "unit runs peerkiosk serve on loopback with the installed key" "$T/unit" \
    "ExecStart=$PEERKIT_BIN/peerkiosk serve --site $SITE --pubkey $K/admin.pub --spool $T/var/spool.db --listen 127.0.0.1:8088 --kiosk-id lounge-7"
expect_contains "unit restarts the server" "$T/unit" "Restart=always"
expect_contains "unit keeps memory out of swap" "$T/unit" "LimitMEMLOCK=infinity"
expect_contains "unit forbids core files" "$T/unit" "LimitCORE=0"
expect_contains "unit allows no network but loopback" "$T/unit" "IPAddressAllow=localhost"

PEERKIT_DRY_RUN=1 "$S" browser >"$T/browser"
expect_contains "browser in kiosk mode" "$T/browser" "--kiosk"
expect_contains "browser remembers nothing" "$T/browser" "--incognito"
expect_contains "browser points at the loopback server" "$T/browser" "http://127.0.0.1:8088/"

"$TEST_HELPERS/seal_requests" --site "$SITE" --pubkey "$K/admin.pub" --count 5 --spool "$T/var/spool.db" >/dev/null
mkdir "$T/usb"
"$S" export "$T/usb" >"$T/export.out" 2>&1
expect_status "export to the stick" 0 $?
bundle=$(ls "$T"/usb/requests-lounge-7-*.pkb 2>/dev/null | head -1)
if [ -n "$bundle" ]; then ok "the bundle is named for the kiosk and the time"; else fail "the bundle is named for the kiosk and the time" "$(ls "$T/usb")"; fi
"$S" export "$T/no-stick" >"$T/nostick.out" 2>&1
expect_status "export without a stick fails" 1 $?
"$S" ack "$T/usb" >"$T/noreceipt.out" 2>&1
expect_status "ack without a receipt fails" 1 $?
"$PEERADMIN" import --key "$K/admin.key" --passphrase-file "$PASS" --db "$T/intake.db" \
    --receipt "$T/usb/receipt.txt" "$bundle" >/dev/null 2>&1
"$S" ack "$T/usb" >"$T/ack.out" 2>&1
expect_status "ack from the stick" 0 $?
expect_contains "after the ack nothing is pending" "$T/ack.out" "pending: 0"
