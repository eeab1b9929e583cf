#!/usr/bin/env bash
# The trust boundary is in the binaries (DESIGN §9): the kiosk, which may be
# stolen, contains no code that opens an envelope, derives a key from a
# passphrase or signs; no program contains another program's folder.
. "$(dirname "$0")/lib.sh"
OBJ=$(dirname "$TEST_HELPERS") # build/release or build/asan

# defined NAME...: the global symbols the objects of these folders define.
defined() {
    local f
    for f in "$@"; do
        nm --defined-only -g "$OBJ/$f"/*.o 2>/dev/null | awk '$2 ~ /[TDRB]/ {print $3}'
    done | grep -vx main | sort -u
}

# none_of NAME BINARY SYMBOLS_FILE: BINARY defines none of the symbols.
none_of() {
    local name=$1 bin=$2 list=$3 found
    found=$(nm --defined-only "$bin" | awk '{print $3}' | sort -u | comm -12 - "$list" | head -5)
    if [ ! -s "$list" ]; then
        fail "$name" "no symbols listed for the folder (objects missing under $OBJ?)"
    elif [ -z "$found" ]; then
        ok "$name"
    else
        fail "$name" "found: $(echo $found)"
    fi
}

imports=$(nm -D --undefined-only "$PEERKIOSK" | awk '{print $2}' | sed 's/@.*//')
for sym in crypto_box_seal_open crypto_box_open crypto_box_open_easy crypto_pwhash \
           crypto_sign_detached crypto_sign_keypair crypto_box_keypair; do
    if grep -qx "$sym" <<<"$imports"; then
        fail "peerkiosk does not import $sym" "nm -D lists it"
    else
        ok "peerkiosk does not import $sym"
    fi
done
# The check itself works: peeradmin does import what opens envelopes.
if grep -qx crypto_box_seal_open < <(nm -D --undefined-only "$PEERADMIN" | awk '{print $2}' | sed 's/@.*//'); then
    ok "peeradmin imports crypto_box_seal_open (the check can see it)"
else
    fail "peeradmin imports crypto_box_seal_open (the check can see it)"
fi

defined admin >"$T/admin.syms"
defined kiosk >"$T/kiosk.syms"
defined generator >"$T/generator.syms"
none_of "peerkiosk contains no admin/ symbol" "$PEERKIOSK" "$T/admin.syms"
none_of "peerkiosk contains no generator/ symbol" "$PEERKIOSK" "$T/generator.syms"
none_of "peersite contains no admin/ symbol" "$PEERSITE" "$T/admin.syms"
none_of "peersite contains no kiosk/ symbol" "$PEERSITE" "$T/kiosk.syms"
none_of "peeradmin contains no kiosk/ symbol" "$PEERADMIN" "$T/kiosk.syms"
none_of "peeradmin contains no generator/ symbol" "$PEERADMIN" "$T/generator.syms"
if grep -qx unseal_envelope_into "$T/admin.syms"; then
    ok "the admin symbol list holds unseal_envelope_into"
else
    fail "the admin symbol list holds unseal_envelope_into"
fi
