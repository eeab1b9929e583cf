#!/usr/bin/env bash
# make bench-site: peersite against Hugo (Debian's hugo) on the same synthetic
# content (N supporters and FAQ entries), run alternately in the same run,
# RUNS times each, into an empty output on disk and on tmpfs (so the disk's
# noise can be told from our own cost). Prints the medians of wall time and
# peak memory, and both ratios against the targets (peersite at least 5x
# faster, at most 1/5 of Hugo's memory). Then: the output of the default
# (one thread per CPU) build against a one-thread build, a rebuild after one
# supporter file changes against a cold build, the git date pass, and the
# same rebuild with the content in a repository (the editor's loop). Beside
# each tool, the floor: the time to write that tool's own output and nothing
# else (tests/helpers/write_tree), which bounds any ratio a machine allows.
# Timings are printed, never asserted: a busy machine makes them slower, not
# wrong. What bounds the figures: see docs/testing.md.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
N=${N:-10000}
# A program's FAQ holds dozens of questions, its directory thousands of
# people: the workload the speed targets name is 10,000 supporters and 300
# FAQ entries. FAQ=10000 is a heavier FAQ than any program keeps (on it,
# Hugo spends a second more and peersite a tenth of one, so the ratio
# flatters peersite).
FAQ=${FAQ:-300}
RUNS=${RUNS:-5}
W=$(mktemp -d "${TMPDIR:-/tmp}/peerkit-bench.XXXXXX")
SHM=$(mktemp -d /dev/shm/peerkit-bench.XXXXXX 2>/dev/null || echo "")
trap 'rm -rf "$W" ${SHM:+"$SHM"}' EXIT
export SOURCE_DATE_EPOCH=1767225600
PEERSITE=$ROOT/bin/peersite
WRITE_TREE=$ROOT/build/release/tests/write_tree

echo "bench-site: generating $N supporters and $FAQ FAQ entries"
"$ROOT/scripts/gen-bench-content.sh" "$N" "$W" "$FAQ"

# one OUT CMD...: runs CMD once into OUT, a path not used before; prints
# "seconds peak_kb user_seconds kernel_seconds". Outputs are removed only when the bench ends: on ext4
# without a journal (this kind of VM), creating files right after removing
# thousands makes the inode allocator skip every inode freed in the last
# minutes, one by one, and the run would time that scan rather than the tool.
one() {
    local out=$1
    shift
    sync
    /usr/bin/time -f "%e %M %U %S" -o "$W/time" "$@" >/dev/null 2>"$W/err" || {
        cat "$W/err" >&2
        return 1
    }
    cat "$W/time"
}

median() { sort -n | awk '{a[NR] = $1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }

# compare WHERE: alternates peersite and Hugo RUNS times with outputs under WHERE.
compare() {
    local where=$1 label=$2
    : >"$W/ps.txt"
    : >"$W/hu.txt"
    : >"$W/psw.txt"
    : >"$W/huw.txt"
    for r in $(seq "$RUNS"); do
        one "$where/ps-out$r" "$PEERSITE" build --content "$W/peersite" --theme "$ROOT/themes/default" \
            --out "$where/ps-out$r" >>"$W/ps.txt"
        sync
        "$WRITE_TREE" "$where/ps-out$r" "$where/ps-copy$r" >>"$W/psw.txt"
        one "$where/hu-out$r" hugo --quiet --source "$W/hugo" --destination "$where/hu-out$r" >>"$W/hu.txt"
        sync
        "$WRITE_TREE" "$where/hu-out$r" "$where/hu-copy$r" >>"$W/huw.txt"
    done
    local pt pm pu pk ht hm hu hk
    pt=$(cut -d' ' -f1 "$W/ps.txt" | median)
    pm=$(cut -d' ' -f2 "$W/ps.txt" | median)
    pu=$(cut -d' ' -f3 "$W/ps.txt" | median)
    pk=$(cut -d' ' -f4 "$W/ps.txt" | median)
    ht=$(cut -d' ' -f1 "$W/hu.txt" | median)
    hm=$(cut -d' ' -f2 "$W/hu.txt" | median)
    hu=$(cut -d' ' -f3 "$W/hu.txt" | median)
    hk=$(cut -d' ' -f4 "$W/hu.txt" | median)
    echo
    echo "$label: median of $RUNS alternate runs"
    printf '  %-10s %8s %10s %10s %10s\n' tool seconds "peak MiB" "user CPU" "kernel CPU"
    printf '  %-10s %8.2f %10.1f %10.2f %10.2f\n' peersite "$pt" "$(awk -v m="$pm" 'BEGIN{print m/1024}')" \
        "$pu" "$pk"
    printf '  %-10s %8.2f %10.1f %10.2f %10.2f\n' hugo "$ht" "$(awk -v m="$hm" 'BEGIN{print m/1024}')" \
        "$hu" "$hk"
    awk -v pt="$pt" -v ht="$ht" -v pm="$pm" -v hm="$hm" 'BEGIN {
        if (pt < 0.01) pt = 0.01
        printf "  speed: peersite is %.1fx faster than Hugo (target >= 5x)\n", ht / pt
        printf "  memory: peersite peak is %.2f of Hugo'"'"'s (target <= 0.20)\n", pm / hm
    }'
    # The floor: a tool cannot take less than writing its own output takes.
    awk -v pt="$pt" -v ht="$ht" -v pw="$(median <"$W/psw.txt")" -v hw="$(median <"$W/huw.txt")" \
        -v hf="$(find "$where/hu-out1" -type f | wc -l)" -v hd="$(find "$where/hu-out1" -type d | wc -l)" 'BEGIN {
        printf "  floor (tests/helpers/write_tree: the same folders and files written, nothing else, one thread per CPU):\n"
        printf "    writing Hugo'"'"'s output (%d folders, %d files) takes %.3f s: here no tool writing as much can be more than %.1fx faster than Hugo\n", hd, hf, hw, ht / hw
        printf "    writing peersite'"'"'s output takes %.3f s: %.3f s of its %.2f s is its own work\n", pw, pt - pw, pt
    }'
    COLD=$pt
}

compare "$W" "on disk ($W)"
if [ -n "$SHM" ]; then
    compare "$SHM" "on tmpfs ($SHM)"
else
    echo "(no /dev/shm: no tmpfs figures)"
fi
OUT=${SHM:-$W}

# The default build uses one thread per CPU; its output must equal one thread's.
"$PEERSITE" build --content "$W/peersite" --theme "$ROOT/themes/default" --out "$OUT/j1" --jobs 1 \
    >/dev/null 2>&1
if diff -r -x '.peersite-cache*' "$OUT/ps-out1" "$OUT/j1" >/dev/null; then
    echo "threads: the $(nproc)-thread output equals the one-thread output, byte for byte"
else
    echo "threads: the outputs DIFFER" >&2
    exit 1
fi

# A rebuild into the existing output after one supporter file changes,
# against a cold build of the same content: the output is built once (which
# leaves its record, generator/reuse.h), then each run edits one supporter
# and builds again in place. The edits are more than 20 ms apart from the
# builds that follow them, as an editor's are.
"$PEERSITE" build --content "$W/peersite" --theme "$ROOT/themes/default" --out "$OUT/rebuild" \
    >/dev/null 2>&1
f=$W/peersite/supporters/supporter-00042.md
: >"$W/re.txt"
# timed LOG CMD...: runs CMD, its output into LOG; prints its wall time in
# seconds to the microsecond (time's %e counts hundredths: a tenth of a
# 0.09 s rebuild).
timed() {
    local log=$1 start=$EPOCHREALTIME
    shift
    "$@" >"$log" 2>&1
    awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN {printf "%.6f\n", b - a}'
}
for r in $(seq "$RUNS"); do
    sed -i "s/^name: .*/name: Supporter 42, edited $r/" "$f"
    sleep 0.05
    timed "$W/re.log" "$PEERSITE" build --content "$W/peersite" --theme "$ROOT/themes/default" \
        --out "$OUT/rebuild" >>"$W/re.txt"
    grep -q "changed since the last build" "$W/re.log" ||
        echo "bench-site: a rebuild did not reuse the last build: $(tail -1 "$W/re.log")" >&2
done
rt=$(median <"$W/re.txt")
"$PEERSITE" build --content "$W/peersite" --theme "$ROOT/themes/default" --out "$OUT/cold" \
    >/dev/null 2>&1
same=no
diff -r -x '.peersite-cache*' "$OUT/rebuild" "$OUT/cold" >/dev/null && same=yes
awk -v rt="$rt" -v ct="$COLD" -v same="$same" 'BEGIN {
    printf "rebuild after one edit: %.3f s against a cold build of %.2f s = %.3f (target <= 0.10); byte-identical to a cold build: %s\n", rt, ct, rt / ct, same
}'
[ "$same" = yes ] || { echo "bench-site: the rebuilt site differs from a cold build" >&2; exit 1; }
# What bounds a rebuild: every content file must be stated to learn what
# changed (find, one thread, the same calls), and a rebuild with nothing
# changed still reads the record, states every content file, makes a
# stand-in of each supporter and keeps every page.
: >"$W/st.txt"
: >"$W/nc.txt"
for _ in $(seq "$RUNS"); do
    timed /dev/null find "$W/peersite" -type f -printf '%s %T@ %C@ %i\n' >>"$W/st.txt"
    timed /dev/null "$PEERSITE" build --content "$W/peersite" --theme "$ROOT/themes/default" \
        --out "$OUT/rebuild" >>"$W/nc.txt"
done
files=$(find "$W/peersite" -type f | wc -l)
awk -v st="$(median <"$W/st.txt")" -v nc="$(median <"$W/nc.txt")" -v ct="$COLD" -v n="$files" 'BEGIN {
    printf "  stating the %d content files (find, one thread): %.3f s = %.2f of a cold build\n", n, st, st / ct
    printf "  a rebuild with nothing changed: %.3f s = %.3f of a cold build\n", nc, nc / ct
}'

# The git date pass: the same content in a repository of 2,000 commits.
COMMITS=${COMMITS:-2000}
echo
echo "bench-site: date pass over $COMMITS commits ($N supporters + $FAQ FAQ files)"
"$ROOT/scripts/gen-bench-history.sh" "$W/peersite" "$W/repo" "$COMMITS"
best=""
for r in $(seq 3); do
    sync
    (cd "$W/repo" && "$PEERSITE" build --timings --out "$W/repo-out$r" >/dev/null 2>"$W/timings") || {
        cat "$W/timings" >&2
        exit 1
    }
    line=$(grep 'timings:' "$W/timings")
    dp=$(echo "$line" | sed 's/.*date pass \([0-9.]*\) s.*/\1/')
    tot=$(echo "$line" | sed 's/.*total \([0-9.]*\) s.*/\1/')
    if [ -z "$best" ] || awk -v a="$tot" -v b="${best#* }" 'BEGIN{exit !(a<b)}'; then best="$dp $tot"; fi
done
read -r dp tot <<<"$best"
awk -v dp="$dp" -v tot="$tot" 'BEGIN {
    printf "date pass: %.3f s of a %.3f s build = %.1f%% (target < 10%%)\n", dp, tot, 100 * dp / tot
}'
grep -q '<time datetime=' "$W/repo-out1/faq/index.html" || { echo "bench-site: no dates in the output" >&2; exit 1; }

# The editor's loop as it runs: content in a repository, one supporter file
# edited and not committed (as an editor saves it), the site rebuilt in
# place. The first edit makes the working tree dirty, and every page's
# footer then says "+ local changes": that build is whole, and the edits
# after it are timed. The date pass printed beside is mostly libgit2's
# status of the working tree, which every build in a repository takes
# (docs/testing.md).
rf=$W/repo/content/supporters/supporter-00042.md
(cd "$W/repo" && "$PEERSITE" build --out "$OUT/repo-rebuild") >/dev/null 2>&1
# The commit holds the name the last edit above gave: these edits say
# something else, or one of them would make the working tree clean again
# (and that build whole, rightly).
sed -i "s/^name: .*/name: Supporter 42, edited in the repository/" "$rf"
sleep 0.05
(cd "$W/repo" && "$PEERSITE" build --out "$OUT/repo-rebuild") >/dev/null 2>&1
: >"$W/rr.txt"
: >"$W/rd.txt"
: >"$W/rc.txt"
for r in $(seq "$RUNS"); do
    sed -i "s/^name: .*/name: Supporter 42, edited in the repository $r/" "$rf"
    sleep 0.05
    (cd "$W/repo" && timed "$W/rr.log" "$PEERSITE" build --timings --out "$OUT/repo-rebuild") >>"$W/rr.txt"
    grep -q "changed since the last build" "$W/rr.log" ||
        echo "bench-site: rebuild $r in the repository did not reuse the last build: $(tail -1 "$W/rr.log")" >&2
    sed -n 's/.*timings: date pass \([0-9.]*\) s.*/\1/p' "$W/rr.log" >>"$W/rd.txt"
    (cd "$W/repo" && timed /dev/null "$PEERSITE" build --out "$OUT/repo-cold$r") >>"$W/rc.txt"
done
# The last rebuild and the cold build after it read the same files.
same=no
diff -r -x '.peersite-cache*' "$OUT/repo-rebuild" "$OUT/repo-cold$RUNS" >/dev/null && same=yes
awk -v rt="$(median <"$W/rr.txt")" -v dp="$(median <"$W/rd.txt")" -v ct="$(median <"$W/rc.txt")" -v same="$same" 'BEGIN {
    printf "rebuild after one edit in the repository: %.3f s against a cold build there of %.2f s = %.3f (date pass %.3f s of it); byte-identical to a cold build: %s\n", rt, ct, rt / ct, dp, same
}'
[ "$same" = yes ] || { echo "bench-site: the site rebuilt in the repository differs from a cold build" >&2; exit 1; }
