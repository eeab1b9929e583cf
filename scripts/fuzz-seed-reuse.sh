#!/usr/bin/env bash
# Writes tests/fuzz/seeds/fuzz_reuse/example-record: a real build's record
# (of the repository's content/), as fuzz_reuse reads its input: the index's
# length (4 bytes, little-endian), the index, then the data. Run it when the
# record's format changes; test_reuse fails until then (the seed must load).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
SOURCE_DATE_EPOCH=1767225600 "$ROOT/bin/peersite" build --content "$ROOT/content" \
    --theme "$ROOT/themes/default" --out "$W/site" >/dev/null 2>&1
python3 - "$W/site" "$ROOT/tests/fuzz/seeds/fuzz_reuse/example-record" <<'PY'
import struct, sys
site, out = sys.argv[1], sys.argv[2]
index = open(site + "/.peersite-cache", "rb").read()
data = open(site + "/.peersite-cache.data", "rb").read()
open(out, "wb").write(struct.pack("<I", len(index)) + index + data)
PY
echo "fuzz-seed-reuse: wrote tests/fuzz/seeds/fuzz_reuse/example-record"
