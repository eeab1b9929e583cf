#!/usr/bin/env bash
# The theme's vendored libsodium JavaScript build is byte for byte the npm
# package pinned (exactly) in package-lock.json, with its licence, and the
# built site carries it fingerprinted with Subresource Integrity.
source "$(dirname "$0")/lib.sh"
cd "$ROOT" || exit 1
V=themes/default/assets/vendor

if scripts/vendor-libsodium.sh --check >"$T/check.out" 2>&1; then
    ok "the vendored files are the pinned package's bytes"
else
    fail "the vendored files are the pinned package's bytes" "$(cat "$T/check.out")"
fi
grep -q '"libsodium-wrappers": "[0-9][0-9.]*"' package.json &&
    ok "package.json pins libsodium-wrappers to one exact version" ||
    fail "package.json pins libsodium-wrappers to one exact version" "$(grep libsodium package.json)"
expect_contains "the licence travels with the code" "$V/libsodium-LICENSE.txt" "Permission to use, copy, modify"

# A changed byte is caught (on a copy of the theme's folder, never the real one).
mkdir -p "$T/copy/scripts" "$T/copy/node_modules" "$T/copy/themes/default/assets"
cp scripts/vendor-libsodium.sh "$T/copy/scripts/"
cp package-lock.json "$T/copy/"
cp -R node_modules/libsodium node_modules/libsodium-wrappers "$T/copy/node_modules/"
cp -R "$V" "$T/copy/$V"
printf ' ' >>"$T/copy/$V/libsodium.js"
if (cd "$T/copy" && scripts/vendor-libsodium.sh --check) >"$T/bad.out" 2>&1; then
    fail "a changed vendored byte is caught"
else
    expect_contains "a changed vendored byte is caught" "$T/bad.out" "libsodium.js differs"
fi

keyed_site || exit 1
for f in libsodium libsodium-wrappers; do
    built=$(ls "$SITE"/assets/vendor/"$f".*.js 2>/dev/null | head -1)
    if [ -n "$built" ] && cmp -s "$built" "$V/$f.js"; then ok "the site carries $f.js under a hashed name"; else
        fail "the site carries $f.js under a hashed name" "found: $built"; fi
    sri="sha256-$(openssl dgst -sha256 -binary "$V/$f.js" | base64 -w0)"
    expect_contains "the request page pins $f.js with its SRI hash" "$SITE/request/index.html" "$sri"
done
expect_exists "the licence is published beside it" "$(ls "$SITE"/assets/vendor/libsodium-LICENSE.*.txt | head -1)"
