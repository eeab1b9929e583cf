#!/usr/bin/env bash
# make bench-site: builds N synthetic supporters + N FAQ entries with peersite and
# with Hugo (Debian's hugo) in the same run; prints best-of-3 wall time, peak
# memory, and the ratios. Target: peersite >= 5x faster, <= 1/5 of Hugo's memory.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
N=${N:-10000}
RUNS=${RUNS:-3}
W=$(mktemp -d "${TMPDIR:-/tmp}/peerkit-bench.XXXXXX")
trap 'rm -rf "$W"' EXIT
export SOURCE_DATE_EPOCH=1767225600

echo "bench-site: generating $N supporters and $N FAQ entries"
"$ROOT/scripts/gen-bench-content.sh" "$N" "$W"

# best_of OUT CMD...: prints "seconds peak_kb" of the fastest of $RUNS runs. Each run
# writes into an empty OUT (removed and synced to disk, untimed), so neither tool
# pays for deleting or overwriting the previous output.
best_of() {
    local best_t="" best_m="" out=$1
    shift
    for _ in $(seq "$RUNS"); do
        rm -rf "$out"
        sync
        /usr/bin/time -f "%e %M" -o "$W/time" "$@" >/dev/null 2>"$W/err" || {
            cat "$W/err" >&2
            return 1
        }
        read -r t m <"$W/time"
        if [ -z "$best_t" ] || awk -v a="$t" -v b="$best_t" 'BEGIN{exit !(a<b)}'; then best_t=$t; fi
        if [ -z "$best_m" ] || [ "$m" -gt "$best_m" ]; then best_m=$m; fi
    done
    echo "$best_t $best_m"
}

read -r ps_t ps_m < <(best_of "$W/peersite-out" "$ROOT/bin/peersite" build --content "$W/peersite" \
                                 --theme "$ROOT/themes/default" --out "$W/peersite-out")
read -r hu_t hu_m < <(best_of "$W/hugo-out" hugo --quiet --source "$W/hugo" --destination "$W/hugo-out")
pages=$(find "$W/peersite-out" -name '*.html' | wc -l)
hpages=$(find "$W/hugo-out" -name '*.html' | wc -l)

printf '%-10s %8s %12s %8s\n' tool seconds "peak MiB" pages
printf '%-10s %8.2f %12.1f %8d\n' peersite "$ps_t" "$(awk -v m="$ps_m" 'BEGIN{print m/1024}')" "$pages"
printf '%-10s %8.2f %12.1f %8d\n' hugo "$hu_t" "$(awk -v m="$hu_m" 'BEGIN{print m/1024}')" "$hpages"
awk -v pt="$ps_t" -v ht="$hu_t" -v pm="$ps_m" -v hm="$hu_m" 'BEGIN {
    if (pt < 0.01) pt = 0.01
    printf "speed: peersite is %.1fx faster than Hugo (target >= 5x)\n", ht / pt
    printf "memory: peersite peak is %.2f of Hugo'"'"'s (target <= 0.20)\n", pm / hm
}'

# The git date pass: the same content in a repository of 2,000 commits.
COMMITS=${COMMITS:-2000}
echo
echo "bench-site: date pass over $COMMITS commits ($N supporters + $N FAQ files)"
"$ROOT/scripts/gen-bench-history.sh" "$W/peersite" "$W/repo" "$COMMITS"
best=""
for _ in $(seq "$RUNS"); do
    rm -rf "$W/repo-out"
    sync
    (cd "$W/repo" && "$ROOT/bin/peersite" build --timings --out "$W/repo-out" >/dev/null 2>"$W/timings") || {
        cat "$W/timings" >&2; exit 1; }
    line=$(grep 'timings:' "$W/timings")
    dp=$(echo "$line" | sed 's/.*date pass \([0-9.]*\) s.*/\1/')
    tot=$(echo "$line" | sed 's/.*total \([0-9.]*\) s.*/\1/')
    if [ -z "$best" ] || awk -v a="$tot" -v b="${best#* }" 'BEGIN{exit !(a<b)}'; then best="$dp $tot"; fi
done
read -r dp tot <<<"$best"
awk -v dp="$dp" -v tot="$tot" 'BEGIN {
    printf "date pass: %.3f s of a %.3f s build = %.1f%% (target < 10%%)\n", dp, tot, 100 * dp / tot
}'
grep -q '<time datetime=' "$W/repo-out/faq/index.html" || { echo "bench-site: no dates in the output" >&2; exit 1; }
