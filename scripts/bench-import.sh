#!/usr/bin/env bash
# make bench-import: seals N requests (default 20,000) into a bundle, then in
# the same run times (a) a plain loop of crypto_box_seal_open over the same
# envelopes (tests/helpers/open_loop) and (b) `peeradmin import` into a new
# intake database. Prints best-of-RUNS seconds and the ratio (target <= 1.5x).
# The key uses the fast test Argon2id limits, so key unlocking is not measured.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
N=${N:-20000}
RUNS=${RUNS:-3}
HELPERS=$ROOT/build/release/tests
W=$(mktemp -d "${TMPDIR:-/tmp}/peerkit-bench-import.XXXXXX")
trap 'rm -rf "$W"' EXIT
. "$ROOT/scripts/bench-keyed-site.sh"
keyed_example_site "$W"

echo "bench-import: sealing $N requests into a bundle"
"$HELPERS/seal_requests" --site "$W/site" --pubkey "$W/keys/admin.pub" --count "$N" \
    --bundle "$W/bundle"

best() { sort -g | head -1; }

loop_times=() import_times=()
for _ in $(seq "$RUNS"); do
    read -r secs count < <("$HELPERS/open_loop" --key "$W/keys/admin.key" \
                               --passphrase-file "$W/pass" "$W/bundle")
    [ "$count" -eq "$N" ] || { echo "open_loop opened $count of $N" >&2; exit 1; }
    loop_times+=("$secs")

    rm -f "$W/intake.db" "$W/intake.db-wal" "$W/intake.db-shm"
    sync
    start=$(date +%s.%N)
    "$ROOT/bin/peeradmin" import --key "$W/keys/admin.key" --passphrase-file "$W/pass" \
        --db "$W/intake.db" "$W/bundle" >/dev/null
    end=$(date +%s.%N)
    import_times+=("$(awk -v a="$start" -v b="$end" 'BEGIN{printf "%.3f", b-a}')")
done
imported=$("$ROOT/bin/peeradmin" list --key "$W/keys/admin.key" --passphrase-file "$W/pass" \
               --db "$W/intake.db" | tail -1 | cut -d" " -f1)

loop=$(printf '%s\n' "${loop_times[@]}" | best)
import=$(printf '%s\n' "${import_times[@]}" | best)
printf '%-34s %8s\n' measurement seconds
printf '%-34s %8.3f\n' "crypto_box_seal_open loop" "$loop"
printf '%-34s %8.3f\n' "peeradmin import ($imported rows)" "$import"
awk -v i="$import" -v l="$loop" 'BEGIN {
    printf "import takes %.2fx the plain open loop (target <= 1.5x)\n", i / l
}'
