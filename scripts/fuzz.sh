#!/usr/bin/env bash
# make fuzz: builds every libFuzzer target in tests/fuzz/ with clang
# (-fsanitize=fuzzer,address,undefined) and runs each for FUZZ_SECONDS (default 60).
# Seeds come from tests/fuzz/seeds/<target>/ when present. Crashes are left in
# build/fuzz/<target>.crashes/ as crash-* files.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
SECONDS_EACH=${FUZZ_SECONDS:-60}
command -v clang >/dev/null || { echo "fuzz: clang is needed (apt-get install clang libclang-rt-14-dev)" >&2; exit 1; }
PKGS="libcmark yaml-0.1 libgit2 libsodium jansson libmicrohttpd sqlite3"
CFLAGS="-g -O1 -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE -Icommon -Isealed -Igenerator -Ikiosk -Iadmin -Itests/fuzz $(pkg-config --cflags $PKGS)"
SRC=$(ls common/*.c sealed/*.c generator/*.c kiosk/*.c admin/*.c | grep -v -e generator/peersite.c -e kiosk/peerkiosk.c -e admin/peeradmin.c)
mkdir -p build/fuzz
status=0
for t in tests/fuzz/fuzz_*.c; do
    name=$(basename "$t" .c)
    echo "== $name"
    clang $CFLAGS -o "build/fuzz/$name" "$t" $SRC $(pkg-config --libs $PKGS) -lm
    mkdir -p "build/fuzz/$name.corpus" "build/fuzz/$name.crashes"
    seeds=()
    [ -d "tests/fuzz/seeds/$name" ] && seeds=("tests/fuzz/seeds/$name")
    if ! "build/fuzz/$name" -max_total_time="$SECONDS_EACH" -artifact_prefix="build/fuzz/$name.crashes/" \
            "build/fuzz/$name.corpus" "${seeds[@]}" 2>"build/fuzz/$name.log"; then
        echo "$name: crash found, see build/fuzz/$name.crashes/ and build/fuzz/$name.log"
        status=1
    fi
    tail -n 1 "build/fuzz/$name.log"
done
exit $status
