#!/usr/bin/env bash
# Runs the whole suite twice: on the release build (bin/) and on the ASan+UBSan
# build (build/asan/bin). Unit tests are cmocka binaries; end-to-end tests are
# tests/e2e/*.sh printing "ok - name" / "not ok - name" lines; browser tests
# (tests/browser/*.mjs) run once, on the release build. Closes with
# "N passed, N failed[, N skipped]" and exits non-zero if anything failed.
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
LOGDIR=$ROOT/build/test-logs
rm -rf "$LOGDIR"
mkdir -p "$LOGDIR"

passed=0 failed=0 skipped=0
failures=()

# count FILE LABEL STATUS: adds the file's results; a non-zero exit with no
# failure reported counts as one failure (a crash or an aborted script).
count_tap() {
    local log=$1 label=$2 status=$3
    local p f s
    p=$(grep -c '^ok ' "$log" || true)
    f=$(grep -c '^not ok ' "$log" || true)
    s=$(grep -c '^skip ' "$log" || true)
    if [ "$status" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; grep -q . "$log" || echo "not ok - $label exited $status" >>"$log"; fi
    passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + s))
    if [ "$f" -gt 0 ]; then failures+=("$label (log: ${log#"$ROOT"/})"); fi
    printf '%-44s %4d passed %4d failed %3d skipped\n' "$label" "$p" "$f" "$s"
}

count_cmocka() {
    local log=$1 label=$2 status=$3
    local p f s
    p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$log" | awk '{s+=$1} END {print s+0}')
    f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' "$log" | awk '{s+=$1} END {print s+0}')
    s=$(sed -n 's/^\[  SKIPPED \] \([0-9]*\) test.*/\1/p' "$log" | awk '{s+=$1} END {print s+0}')
    if [ "$status" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
    passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + s))
    if [ "$f" -gt 0 ]; then failures+=("$label (log: ${log#"$ROOT"/})"); fi
    printf '%-44s %4d passed %4d failed %3d skipped\n' "$label" "$p" "$f" "$s"
}

run_variant() {
    local name=$1 build=$2 bindir=$3
    export PEERSITE=$ROOT/$bindir/peersite PEERKIOSK=$ROOT/$bindir/peerkiosk PEERADMIN=$ROOT/$bindir/peeradmin
    export TEST_HELPERS=$ROOT/$build/tests ROOT VARIANT=$name
    export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:halt_on_error=1
    export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
    echo "== $name: unit tests"
    for t in "$build"/tests/*/test_*; do
        [ -x "$t" ] || continue
        local base log
        base=$(basename "$(dirname "$t")")/$(basename "$t")
        log=$LOGDIR/$name-${base//\//-}.log
        (cd "$ROOT" && CMOCKA_MESSAGE_OUTPUT=stdout timeout 300 "$t") >"$log" 2>&1
        count_cmocka "$log" "$name unit/$base" $?
    done
    echo "== $name: end-to-end tests"
    for t in tests/e2e/*.sh; do
        [ -f "$t" ] || continue
        [ "$(basename "$t")" = lib.sh ] && continue
        local base log
        base=$(basename "$t" .sh)
        log=$LOGDIR/$name-e2e-$base.log
        timeout 600 bash "$t" >"$log" 2>&1
        count_tap "$log" "$name e2e/$base" $?
    done
}

run_variant release build/release bin
run_variant asan build/asan build/asan/bin

echo "== browser tests (headless Chromium)"
export PEERSITE=$ROOT/bin/peersite PEERKIOSK=$ROOT/bin/peerkiosk PEERADMIN=$ROOT/bin/peeradmin
export TEST_HELPERS=$ROOT/build/release/tests
for t in tests/browser/*.mjs; do
    [ -f "$t" ] || continue
    [ "$(basename "$t")" = lib.mjs ] && continue
    base=$(basename "$t" .mjs)
    log=$LOGDIR/browser-$base.log
    timeout 600 node "$t" >"$log" 2>&1
    count_tap "$log" "browser/$base" $?
done

if ((${#failures[@]})); then
    echo
    echo "Failures:"
    for f in "${failures[@]}"; do echo "  $f"; done
    for f in "${failures[@]}"; do
        log=${f##*log: }; log=${log%)}
        echo "---- $log"
        grep -E -B2 -A8 '^not ok|\[  FAILED  \]|\[  ERROR   \]|ERROR: AddressSanitizer|runtime error' "$log" | head -60
    done
fi
echo
if [ "$skipped" -gt 0 ]; then
    echo "$passed passed, $failed failed, $skipped skipped"
else
    echo "$passed passed, $failed failed"
fi
[ "$failed" -eq 0 ]
