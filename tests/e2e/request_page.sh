#!/usr/bin/env bash
# The request page peersite writes: fails closed without JavaScript (fields
# disabled, phone and email given, no form submission to the host), carries the key for sealing and the
# vendored libsodium with SRI, and a CSP whose connect-src allows submit_url
# and nothing else; submit_url must be https (http only on loopback) and safe
# inside the policy.
source "$(dirname "$0")/lib.sh"
keyed_site || exit 1
P=$SITE/request/index.html
expect_contains "the fields are disabled until the browser can seal" "$P" '<fieldset class="request-fields" id="request-fields" disabled>'
expect_contains "without JavaScript the page gives the phone, as a tel: link" "$P" 'call <a class="tel" href="tel:5550100">555-0100</a>'
expect_contains "and the email" "$P" 'email <a href="mailto:peers@example.org">peers@example.org</a>'
expect_contains "the box key is embedded for sealing" "$P" "data-box=\"$(sed -n 's/^box: //p' "$K/admin.pub")\""
expect_contains "the key id is embedded" "$P" "data-key-id=\"$(sed -n 's/^key-id: //p' "$K/admin.pub")\""
expect_match "libsodium is loaded by the page with its SRI hash" "$P" 'data-sodium="\.\./assets/vendor/libsodium\.[0-9a-f]{10}\.js" data-sodium-integrity="sha256-'
expect_contains "without submit_url connect-src is the site only" "$P" "connect-src 'self'; form-action 'none'"
expect_contains "the request page allows no form submission at all" "$P" "form-action 'none'; base-uri 'none'"
expect_contains "other pages keep their own forms (search)" "$SITE/search/index.html" "form-action 'self'"
expect_contains "the request form has no method that sends anything" "$P" '<form class="request-form" id="request-form" method="dialog" data-search-ignore autocomplete="off"'
expect_not_contains "  and no action to post to" "$P" ' action="'

expect_contains "only the request page allows WebAssembly" "$P" "script-src 'self' 'wasm-unsafe-eval';"
expect_not_contains "other pages do not" "$SITE/faq/index.html" "wasm-unsafe-eval"
expect_contains "without submit_url the page offers the sealed text to send" "$P" '<textarea id="sealed-request" rows="12" readonly'

# Without content/keys/admin.pub the page cannot seal at all: it says so,
# JavaScript or not, and gives the phone and email.
"$PEERSITE" build --content "$FIXTURES/minimal" --theme "$ROOT/themes/default" --out "$T/s-nokey" >/dev/null 2>&1
expect_contains "without a key the page says it cannot take requests online yet" "$T/s-nokey/request/index.html" \
    '<p id="seal-nokey"><strong>This site cannot take requests online yet.</strong>'
expect_contains "  and gives the phone and email" "$T/s-nokey/request/index.html" \
    'call <a class="tel" href="tel:5550100">555-0100</a> or email <a href="mailto:peers@example.org">peers@example.org</a>.</p>'
expect_not_contains "  not that JavaScript is off" "$T/s-nokey/request/index.html" "needs JavaScript"
expect_contains "with a key, the words for while the library loads are there" "$P" '<p id="seal-wait" hidden>Preparing to seal'

with_submit() { # with_submit NAME URL: builds with submit_url: URL; status in $BS, output in $T/NAME.out
    rm -rf "$T/c-$1" "$T/s-$1"
    cp -R "$T/content" "$T/c-$1"
    printf 'submit_url: %s\n' "$2" >>"$T/c-$1/site.yml"
    "$PEERSITE" build --content "$T/c-$1" --theme "$ROOT/themes/default" --out "$T/s-$1" >"$T/$1.out" 2>&1
    BS=$?
}
with_submit https https://drop.example.org/drop
expect_status "an https submit_url builds" 0 "$BS"
expect_contains "connect-src allows exactly submit_url" "$T/s-https/request/index.html" \
    "connect-src 'self' https://drop.example.org/drop; form-action 'none'"
expect_contains "the page posts to it" "$T/s-https/request/index.html" 'data-submit-url="https://drop.example.org/drop"'
expect_contains "with submit_url the button says it sends" "$T/s-https/request/index.html" "Seal and send"
with_submit loop http://127.0.0.1:8090/drop
expect_status "http on loopback builds (for testing)" 0 "$BS"
with_submit plain http://drop.example.org/drop
expect_status "plain http elsewhere is refused" 1 "$BS"
expect_match "the error names the file and line" "$T/plain.out" 'site\.yml:[0-9]+:[0-9]+: .*must be an https:// URL'
with_submit inject "https://drop.example.org/drop;script-src"
expect_status "a URL that would end the CSP source is refused" 1 "$BS"
with_submit sneaky http://127.0.0.1.evil.example/drop
expect_status "a host that only starts like loopback is refused" 1 "$BS"

# The request page always has a way out: an address for the sealed text
# (unless submit_url takes it) and a phone or email for when it cannot seal.
rm -rf "$T/c-nocontact"
cp -R "$T/content" "$T/c-nocontact"
sed -i '/^contact:/,/^  hours:/d' "$T/c-nocontact/site.yml"
"$PEERSITE" build --content "$T/c-nocontact" --theme "$ROOT/themes/default" --out "$T/s-nocontact" \
    >"$T/nocontact.out" 2>&1
expect_status "a site with no contact and no submit_url is refused" 1 $?
expect_match "  naming site.yml and contact.email" "$T/nocontact.out" 'site\.yml: contact\.email: missing, and there is no submit_url'
expect_match "  and that there is no phone or email" "$T/nocontact.out" 'site\.yml: contact: neither phone nor email'
printf 'submit_url: https://drop.example.org/drop\ncontact:\n  phone: 555-0100\n' >>"$T/c-nocontact/site.yml"
"$PEERSITE" build --content "$T/c-nocontact" --theme "$ROOT/themes/default" --out "$T/s-nocontact" \
    >"$T/nocontact.out" 2>&1
expect_status "a drop box and a phone are enough" 0 $?
