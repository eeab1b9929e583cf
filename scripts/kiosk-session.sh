#!/usr/bin/env bash
# kiosk-session.sh: running peerkit on a real lounge kiosk (see docs/kiosk.md).
#
#   kiosk-session.sh unit          print the systemd unit that runs `peerkiosk serve`
#   kiosk-session.sh browser       the kiosk user's session: Chromium in kiosk mode on
#                                  the loopback server, started again whenever it exits
#   kiosk-session.sh export DIR    write the sealed requests to the USB stick mounted at DIR
#   kiosk-session.sh ack DIR       verify DIR/receipt.txt and forget what it lists
#   kiosk-session.sh status        how many requests wait, and since when
#
# Settings come from the environment (or /etc/peerkit/kiosk.env, read first):
#   PEERKIT_BIN    where peerkiosk is            (default /usr/local/bin)
#   PEERKIT_SITE   the built site                 (default /srv/peerkit/site)
#   PEERKIT_PUBKEY the administrator's admin.pub, installed by hand and checked by
#                  fingerprint; the server refuses a site that shows another key
#                                                 (default /etc/peerkit/admin.pub)
#   PEERKIT_SPOOL  the spool database             (default /var/lib/peerkit/spool.db)
#   PEERKIT_LISTEN the loopback address and port  (default 127.0.0.1:8080)
#   PEERKIT_ID     this kiosk's name              (default: the host name)
#   PEERKIT_DRY_RUN=1  print the browser command instead of running it
set -euo pipefail
[ -r /etc/peerkit/kiosk.env ] && . /etc/peerkit/kiosk.env
BIN=${PEERKIT_BIN:-/usr/local/bin}
SITE=${PEERKIT_SITE:-/srv/peerkit/site}
PUBKEY=${PEERKIT_PUBKEY:-/etc/peerkit/admin.pub}
SPOOL=${PEERKIT_SPOOL:-/var/lib/peerkit/spool.db}
LISTEN=${PEERKIT_LISTEN:-127.0.0.1:8080}
ID=${PEERKIT_ID:-$(hostname -s 2>/dev/null || echo kiosk)}
URL="http://$LISTEN/"

die() { echo "kiosk-session: $*" >&2; exit 1; }

unit() {
    cat <<UNIT
# /etc/systemd/system/peerkiosk.service (written by kiosk-session.sh unit)
[Unit]
Description=peerkit kiosk: the site and sealed requests on $LISTEN
After=local-fs.target

[Service]
Type=simple
User=peerkit
Group=peerkit
ExecStart=$BIN/peerkiosk serve --site $SITE --pubkey $PUBKEY --spool $SPOOL --listen $LISTEN --kiosk-id $ID
Restart=always
RestartSec=1
# SIGTERM lets submissions in flight finish and closes the spool cleanly.
KillSignal=SIGTERM
TimeoutStopSec=15
# Plaintext must never reach swap or a core file.
LimitMEMLOCK=infinity
LimitCORE=0
# The server needs its spool directory and nothing else writable.
StateDirectory=peerkit
StateDirectoryMode=0700
ProtectSystem=strict
ReadWritePaths=$(dirname "$SPOOL")
ProtectHome=yes
PrivateTmp=yes
PrivateDevices=yes
NoNewPrivileges=yes
RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX
IPAddressDeny=any
IPAddressAllow=localhost
CapabilityBoundingSet=
SystemCallArchitectures=native
# The same limits the server sets itself once it listens (seccomp allow-list,
# Landlock), kept by systemd too should a build lack them.
SystemCallFilter=@system-service
SystemCallFilter=~@privileged @resources @mount @module @raw-io @reboot @swap @cpu-emulation @obsolete
SystemCallErrorNumber=EPERM
MemoryDenyWriteExecute=yes
LockPersonality=yes
RestrictNamespaces=yes
RestrictRealtime=yes
RestrictSUIDSGID=yes
ProtectKernelTunables=yes
ProtectKernelModules=yes
ProtectKernelLogs=yes
ProtectControlGroups=yes
ProtectClock=yes
ProtectHostname=yes
ProtectProc=invisible
ProcSubset=pid
UMask=0077

[Install]
WantedBy=multi-user.target
UNIT
}

# Chromium as a kiosk: full screen, no address bar, nothing remembered between
# people (a fresh incognito profile each start), nothing sent anywhere.
browser_command() {
    local chromium
    chromium=$(command -v chromium || command -v chromium-browser || echo /usr/bin/chromium)
    printf '%s\n' "$chromium" --kiosk --incognito --no-first-run --noerrdialogs \
        --disable-translate --disable-features=Translate,AutofillServerCommunication \
        --disable-sync --disable-background-networking --disable-component-update \
        --password-store=basic --disable-session-crashed-bubble --overscroll-history-navigation=0 \
        --user-data-dir="${XDG_RUNTIME_DIR:-/tmp}/peerkit-chromium" "$URL"
}

browser() {
    mapfile -t cmd < <(browser_command)
    if [ "${PEERKIT_DRY_RUN:-}" = 1 ]; then
        printf '%s\n' "${cmd[@]}"
        return
    fi
    # Wait for the server, then keep a browser on screen for as long as the session lasts.
    for _ in $(seq 120); do
        curl -fsS -o /dev/null "$URL" 2>/dev/null && break
        sleep 1
    done
    while :; do
        rm -rf "${XDG_RUNTIME_DIR:-/tmp}/peerkit-chromium"
        "${cmd[@]}" || true
        sleep 1
    done
}

export_to() {
    local dir=$1 name
    [ -d "$dir" ] || die "$dir: not a directory (is the USB stick mounted?)"
    name="requests-$ID-$(date -u +%Y%m%dT%H%M%SZ).pkb"
    "$BIN/peerkiosk" export --spool "$SPOOL" --out "$dir/$name"
    sync
    echo "kiosk-session: wrote $dir/$name; take it to the administrator's machine"
}

ack_from() {
    local dir=$1
    [ -f "$dir/receipt.txt" ] || die "$dir/receipt.txt: no receipt on the stick"
    "$BIN/peerkiosk" ack --spool "$SPOOL" --pubkey "$PUBKEY" --receipt "$dir/receipt.txt"
    "$BIN/peerkiosk" status --spool "$SPOOL"
}

case "${1:-}" in
unit) unit ;;
browser) browser ;;
export) [ $# -eq 2 ] || die "usage: kiosk-session.sh export DIR"; export_to "$2" ;;
ack) [ $# -eq 2 ] || die "usage: kiosk-session.sh ack DIR"; ack_from "$2" ;;
status) "$BIN/peerkiosk" status --spool "$SPOOL" ;;
*) sed -n '2,22s/^# \{0,1\}//p' "$0"; exit 2 ;;
esac
