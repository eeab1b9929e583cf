#!/usr/bin/env bash
# make valgrind: the end-to-end tests with every peersite, peerkiosk and
# peeradmin run under valgrind's memcheck (release build). A memory error or a
# definite leak makes that program exit 99, which fails its test; the report is
# kept in build/valgrind/logs/. Closes with "N passed, N failed".
#
# Left out, each for its reason:
# - the tests that start `peerkiosk serve` or `peerkiosk drop`: those servers
#   confine themselves with seccomp and Landlock, which valgrind cannot run
#   (it does not know those system calls), and a server that cannot confine
#   itself refuses to start. Their code runs under valgrind through
#   `peerkiosk submit` and the unit tests of the server's parts, which run
#   here too; the servers themselves run under ASan and UBSan in `make test`;
# - boundary, which reads the binaries' symbols and runs nothing;
# - site_editor, which installs the programs with `make install`: here they
#   are the wrapper scripts, not programs.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
command -v valgrind >/dev/null || { echo "valgrind: apt-get install valgrind" >&2; exit 1; }
W=$ROOT/build/valgrind
rm -rf "$W"
mkdir -p "$W/bin" "$W/logs"
for prog in peersite peerkiosk peeradmin; do
    cat >"$W/bin/$prog" <<WRAP
#!/bin/sh
exec valgrind --quiet --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite \\
    --show-leak-kinds=definite --log-file="$W/logs/$prog.%p.log" "$ROOT/bin/$prog" "\$@"
WRAP
    chmod +x "$W/bin/$prog"
done
export PEERSITE=$W/bin/peersite PEERKIOSK=$W/bin/peerkiosk PEERADMIN=$W/bin/peeradmin
export TEST_HELPERS=$ROOT/build/release/tests ROOT
SERVERS=" kiosk_server drop_box kiosk_durability kiosk_session receipts spool_disk "
OTHERS=" boundary site_editor "
passed=0 failed=0
# The unit tests (cmocka) under memcheck, but the confinement's own test.
for t in build/release/tests/*/test_*; do
    case $t in *.d | */test_confine) continue ;; esac
    name=$(basename "$t")
    log=$W/logs/unit-$name.log
    CMOCKA_MESSAGE_OUTPUT=stdout valgrind --quiet --error-exitcode=99 --leak-check=full \
        --errors-for-leak-kinds=definite --show-leak-kinds=definite "$t" >"$log" 2>&1
    status=$?
    p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$log" | head -n 1)
    f=$((status != 0))
    printf '%-24s %4d passed %4d failed\n' "unit/$name" "${p:-0}" "$f"
    passed=$((passed + ${p:-0}))
    failed=$((failed + f))
done
for t in ${VALGRIND_TESTS:-tests/e2e/*.sh}; do
    name=$(basename "$t" .sh)
    [ "$name" = lib ] && continue
    case $SERVERS in *" $name "*) echo "$name: left out (a server that confines itself; see above)"; continue ;; esac
    case $OTHERS in *" $name "*) echo "$name: left out (see above)"; continue ;; esac
    log=$W/logs/e2e-$name.log
    timeout 3000 bash "$t" >"$log" 2>&1
    p=$(grep -c '^ok ' "$log")
    f=$(grep -c '^not ok ' "$log")
    printf '%-24s %4d passed %4d failed\n' "$name" "$p" "$f"
    passed=$((passed + p))
    failed=$((failed + f))
done
# Reports with an error or a definite leak (empty logs are clean runs).
bad=$(grep -l -E 'ERROR SUMMARY: [1-9]|definitely lost: [1-9]|Invalid (read|write)' "$W"/logs/peer*.log 2>/dev/null)
if [ -n "$bad" ]; then
    echo "valgrind reports in:" $bad
    failed=$((failed + 1))
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
