# Sourced by the kiosk benchmarks: keyed_example_site DIR makes an administrator
# key pair in DIR/keys (passphrase file DIR/pass, made by the fast_keygen test helper with the smallest Argon2id cost, so
# unlocking the key is not what is measured) and builds the example content
# with its admin.pub into DIR/site. Needs ROOT.
keyed_example_site() {
    local w=$1
    export SOURCE_DATE_EPOCH=1767225600
    printf 'bench passphrase\n' >"$w/pass"
    chmod 600 "$w/pass"
    "$ROOT/build/release/tests/fast_keygen" "$w/keys" "$w/pass" >/dev/null
    cp -r "$ROOT/content" "$w/content"
    mkdir -p "$w/content/keys"
    cp "$w/keys/admin.pub" "$w/content/keys/"
    "$ROOT/bin/peersite" build --content "$w/content" --theme "$ROOT/themes/default" \
        --out "$w/site" >/dev/null 2>&1
}
