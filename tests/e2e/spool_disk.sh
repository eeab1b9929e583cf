#!/usr/bin/env bash
# The spool where it cannot be written: `peerkiosk status` and `export` read
# a spool on a read-only medium, one this user may not write, and one on a
# full disk, and create nothing next to it; `ack` works on a full disk and
# gives the space back; after an ack, no copy of a deleted envelope is left
# in any of the spool's files, even while a server has it open.
# The disk parts need root (tmpfs mounts, running as nobody); otherwise skip.
. "$(dirname "$0")/lib.sh"
keyed_site || exit 0
MOUNTS=()
trap 'for m in "${MOUNTS[@]}"; do umount -l "$m" 2>/dev/null; done; kill -9 $(jobs -p) 2>/dev/null; rm -rf "$T"' EXIT

# mount_tmpfs DIR SIZE: a small file system of its own (root only).
mount_tmpfs() {
    mkdir -p "$1"
    mount -t tmpfs -o "size=$2,mode=0755" tmpfs "$1" 2>/dev/null || return 1
    MOUNTS+=("$1")
}
pending() { "$PEERKIOSK" status --spool "$1" --json | sed -n 's/.*"pending": *\([0-9]*\).*/\1/p'; }
# expect_only NAME DIR WANT: the directory's entries, sorted, are WANT.
expect_only() {
    local got
    got=$(cd "$2" && ls -A | sort | tr '\n' ' ')
    if [ "$got" = "$3" ]; then ok "$1"; else fail "$1" "expected in $2: $3" "got: $got"; fi
}

# --- ack while the drop box runs: no copy of a deleted envelope anywhere ---------
"$PEERKIOSK" drop --pubkey "$K/admin.pub" --spool "$T/live.db" --listen 127.0.0.1:0 --rate 0 \
    >"$T/drop.out" 2>"$T/drop.err" &
DPID=$!
for _ in $(seq 200); do
    port=$(sed -n 's/^peerkiosk: drop box listening on port \([0-9]*\) .*/\1/p' "$T/drop.out" 2>/dev/null)
    [ -n "$port" ] && break
    sleep 0.05
done
for i in 1 2 3; do
    "$TEST_HELPERS/seal_requests" --site "$SITE" --pubkey "$K/admin.pub" --count 1 --armor "$T/e$i.txt" >/dev/null
    grep -v -- '-----' "$T/e$i.txt" | base64 -d >"$T/e$i.bin"
    curl -s -o /dev/null -H 'Content-Type: application/octet-stream' --data-binary @"$T/e$i.bin" \
        "http://127.0.0.1:$port/drop"
done
# bytes_in FILE ENVELOPE: 0 if 32 bytes from the middle of the envelope are in the file.
bytes_in() {
    [ -e "$1" ] && node -e '
const fs = require("fs");
const [file, env] = process.argv.slice(1);
process.exit(fs.readFileSync(file).includes(fs.readFileSync(env).subarray(300, 332)) ? 0 : 1);
' "$1" "$2"
}
if bytes_in "$T/live.db-wal" "$T/e1.bin"; then ok "the search finds an envelope in the log"; else
    fail "the search finds an envelope in the log" "expected the bytes of e1.bin in live.db-wal"; fi
"$PEERKIOSK" export --spool "$T/live.db" --out "$T/live.pkb" >/dev/null
"$PEERADMIN" import --key "$K/admin.key" --passphrase-file "$PASS" --db "$T/live-intake.db" \
    --receipt "$T/live-receipt.txt" "$T/live.pkb" >/dev/null 2>&1
"$PEERKIOSK" ack --spool "$T/live.db" --pubkey "$K/admin.pub" --receipt "$T/live-receipt.txt" >"$T/live-ack.out" 2>&1
expect_status "ack while the drop box runs" 0 $?
expect_status "  the write-ahead log is truncated" 0 "$(stat -c %s "$T/live.db-wal")"
found=""
for i in 1 2 3; do
    for f in "$T/live.db" "$T/live.db-wal" "$T/live.db-shm"; do
        bytes_in "$f" "$T/e$i.bin" && found="$found e$i in ${f##*/}"
    done
done
if [ -z "$found" ]; then ok "  no copy of a deleted envelope in any spool file"; else
    fail "  no copy of a deleted envelope in any spool file" "expected none, found:$found"; fi
kill -TERM "$DPID"
wait "$DPID"

if [ "$(id -u)" != 0 ] || ! mount_tmpfs "$T/probe" 1m; then
    echo "skip - the spool on a read-only medium, a full disk, and a spool this user may not write (needs root to mount tmpfs)"
    exit 0
fi

"$TEST_HELPERS/seal_requests" --site "$SITE" --pubkey "$K/admin.pub" --count 10 --spool "$T/spool.db" >/dev/null
expect_status "a spool of 10" 10 "$(pending "$T/spool.db")"

# --- a read-only medium --------------------------------------------------------
mount_tmpfs "$T/ro" 4m
cp "$T/spool.db" "$T/ro/"
mount -o remount,ro "$T/ro"
"$PEERKIOSK" status --spool "$T/ro/spool.db" >"$T/ro-status.out" 2>&1
expect_status "status on a read-only medium" 0 $?
expect_contains "  counts what is there" "$T/ro-status.out" "pending: 10"
"$PEERKIOSK" export --spool "$T/ro/spool.db" --out "$T/ro.pkb" >"$T/ro-export.out" 2>&1
expect_status "export from a read-only medium" 0 $?
expect_contains "  exports all of it" "$T/ro-export.out" "exported 10 sealed requests"

# --- a spool this user may not write ----------------------------------------------
chmod 755 "$T"
mkdir -p "$T/locked" "$T/out"
cp "$T/spool.db" "$T/locked/"
chmod 755 "$T/locked"
chmod 644 "$T/locked/spool.db"
chmod 1777 "$T/out"
as_nobody() { setpriv --reuid=nobody --regid=nogroup --clear-groups -- "$@"; }
as_nobody "$PEERKIOSK" status --spool "$T/locked/spool.db" >"$T/locked-status.out" 2>&1
expect_status "status of a spool this user may not write" 0 $?
expect_contains "  counts what is there" "$T/locked-status.out" "pending: 10"
as_nobody "$PEERKIOSK" export --spool "$T/locked/spool.db" --out "$T/out/locked.pkb" >"$T/locked-export.out" 2>&1
expect_status "export of a spool this user may not write" 0 $?
expect_only "  nothing created next to it" "$T/locked" "spool.db "

# --- a full disk -----------------------------------------------------------------------
mount_tmpfs "$T/full" 3m
"$TEST_HELPERS/seal_requests" --site "$SITE" --pubkey "$K/admin.pub" --count 20 --spool "$T/full/spool.db" >/dev/null
expect_exists "a new spool keeps a reserve for ack" "$T/full/spool.db-reserve"
dd if=/dev/zero of="$T/full/fill" bs=4k status=none 2>/dev/null
avail=$(df --output=avail "$T/full" | tail -1 | tr -d ' ')
expect_status "the disk is full" 0 "$avail"
"$PEERKIOSK" status --spool "$T/full/spool.db" >"$T/full-status.out" 2>&1
expect_status "status on a full disk" 0 $?
expect_contains "  counts what is there" "$T/full-status.out" "pending: 20"
"$PEERKIOSK" export --spool "$T/full/spool.db" --out "$T/full.pkb" >"$T/full-export.out" 2>&1
expect_status "export from a full disk" 0 $?
expect_contains "  exports all of it" "$T/full-export.out" "exported 20 sealed requests"
expect_only "  nothing created next to it" "$T/full" "fill spool.db spool.db-reserve "
"$PEERADMIN" import --key "$K/admin.key" --passphrase-file "$PASS" --db "$T/intake.db" \
    --receipt "$T/full-receipt.txt" "$T/full.pkb" >"$T/full-import.out" 2>&1
expect_status "what was exported from a full disk imports" 0 $?
"$PEERKIOSK" ack --spool "$T/full/spool.db" --pubkey "$K/admin.pub" --receipt "$T/full-receipt.txt" \
    >"$T/full-ack.out" 2>&1
expect_status "ack on a full disk" 0 $?
expect_status "  deletes every listed envelope" 0 "$(pending "$T/full/spool.db")"
after=$(df --output=avail "$T/full" | tail -1 | tr -d ' ')
if [ "$after" -gt 0 ]; then ok "  and gives their space back ($after KiB free)"; else
    fail "  and gives their space back" "expected free space after ack, got $after KiB"; fi
expect_exists "  the reserve is kept again" "$T/full/spool.db-reserve"
"$TEST_HELPERS/seal_requests" --site "$SITE" --pubkey "$K/admin.pub" --count 1 --spool "$T/full/spool.db" >/dev/null 2>&1
expect_status "after ack on a full disk, a new request is stored" 1 "$(pending "$T/full/spool.db")"
