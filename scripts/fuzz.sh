#!/usr/bin/env bash
# make fuzz: builds every libFuzzer target in tests/fuzz/ with clang
# (-fsanitize=fuzzer,address,undefined) and runs each for FUZZ_SECONDS (default 60),
# or only the targets named in FUZZ_TARGETS ("fuzz_mail fuzz_mustache").
# Seeds come from tests/fuzz/seeds/<target>/ when present; the corpus grows in
# build/fuzz/<target>.corpus/ across runs. Crashes are left in
# build/fuzz/<target>.crashes/ as crash-* files. Prints, per target, the runs,
# the executions per second and the coverage libFuzzer reached.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
SECONDS_EACH=${FUZZ_SECONDS:-60}
command -v clang >/dev/null || { echo "fuzz: clang is needed (apt-get install clang libclang-rt-14-dev)" >&2; exit 1; }
PKGS="libcmark yaml-0.1 libgit2 libsodium jansson libmicrohttpd sqlite3 libseccomp libxxhash"
CFLAGS="-g -O1 -fsanitize=fuzzer,address,undefined -DFUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION -D_GNU_SOURCE -Icommon -Isealed -Igenerator -Ikiosk -Iadmin -Itests/fuzz $(pkg-config --cflags $PKGS)"
mkdir -p build/fuzz
status=0
targets=${FUZZ_TARGETS:-$(ls tests/fuzz/fuzz_*.c | xargs -n1 basename | sed 's/\.c$//')}
for name in $targets; do
    t=tests/fuzz/$name.c
    echo "== $name"
    SRC=$(ls common/*.c sealed/*.c generator/*.c kiosk/*.c admin/*.c |
        grep -v -e generator/peersite.c -e kiosk/peerkiosk.c -e admin/peeradmin.c)
    if ! clang $CFLAGS -o "build/fuzz/$name" "$t" $SRC $(pkg-config --libs $PKGS) -lm -lpthread \
            2>"build/fuzz/$name.build.log"; then
        echo "$name: does not build, see build/fuzz/$name.build.log"
        status=1
        continue
    fi
    mkdir -p "build/fuzz/$name.corpus" "build/fuzz/$name.crashes"
    seeds=()
    [ -d "tests/fuzz/seeds/$name" ] && seeds=("tests/fuzz/seeds/$name")
    if ! "build/fuzz/$name" -max_total_time="$SECONDS_EACH" -print_final_stats=1 \
            -artifact_prefix="build/fuzz/$name.crashes/" \
            "build/fuzz/$name.corpus" "${seeds[@]}" 2>"build/fuzz/$name.log"; then
        echo "$name: crash found, see build/fuzz/$name.crashes/ and build/fuzz/$name.log"
        status=1
    fi
    # libFuzzer's closing statistics: runs, and runs per second.
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "build/fuzz/$name.log")
    speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "build/fuzz/$name.log")
    cov=$(grep -o 'cov: [0-9]*' "build/fuzz/$name.log" | tail -n 1)
    echo "$name: ${runs:-?} runs in ${SECONDS_EACH} s, ${speed:-?} exec/s, $cov"
done
exit $status
