#!/usr/bin/env bash
# The spool where it cannot be written: `peerkiosk status` and `export` read
# a spool on a read-only medium, one this user may not write, and one on a
# full disk, and create nothing next to it.
# Needs root (tmpfs mounts, running as nobody); otherwise says skip.
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
mount_tmpfs "$T/full" 1m
"$TEST_HELPERS/seal_requests" --site "$SITE" --pubkey "$K/admin.pub" --count 20 --spool "$T/full/spool.db" >/dev/null
dd if=/dev/zero of="$T/full/fill" bs=4k status=none 2>/dev/null
avail=$(df --output=avail "$T/full" | tail -1 | tr -d ' ')
expect_status "the disk is full" 0 "$avail"
"$PEERKIOSK" status --spool "$T/full/spool.db" >"$T/full-status.out" 2>&1
expect_status "status on a full disk" 0 $?
expect_contains "  counts what is there" "$T/full-status.out" "pending: 20"
"$PEERKIOSK" export --spool "$T/full/spool.db" --out "$T/full.pkb" >"$T/full-export.out" 2>&1
expect_status "export from a full disk" 0 $?
expect_contains "  exports all of it" "$T/full-export.out" "exported 20 sealed requests"
expect_only "  nothing created next to it" "$T/full" "fill spool.db "
"$PEERADMIN" import --key "$K/admin.key" --passphrase-file "$PASS" --db "$T/intake.db" \
    --receipt "$T/full-receipt.txt" "$T/full.pkb" >"$T/full-import.out" 2>&1
expect_status "what was exported from a full disk imports" 0 $?
