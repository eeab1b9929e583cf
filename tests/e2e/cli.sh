#!/usr/bin/env bash
# The verb tables: each verb takes the options it names and no other; usage
# errors exit 2 and say what is wrong; failures exit 1; a partial import 3.
. "$(dirname "$0")/lib.sh"

# usage NAME WANT_TEXT CMD...: CMD exits 2 and its stderr contains WANT_TEXT.
usage() {
    local name=$1 want=$2
    shift 2
    "$@" >"$T/out" 2>"$T/err"
    local status=$?
    if [ "$status" -eq 2 ] && grep -qF -- "$want" "$T/err"; then
        ok "$name"
    else
        fail "$name" "expected exit 2 and \"$want\"" "got exit $status: $(head -c 300 "$T/err")"
    fi
}

usage "status refuses --receipt (not one of its options)" "--receipt is not an option of status" \
    "$PEERKIOSK" status --spool "$T/s.db" --receipt x
usage "export refuses --json" "--json is not an option of export" \
    "$PEERKIOSK" export --spool "$T/s.db" --out "$T/b.pkb" --json
usage "ack needs --receipt" "ack needs --receipt" "$PEERKIOSK" ack --spool "$T/s.db" --pubkey x
usage "serve: --rate must be a number" "--rate takes a whole number" \
    "$PEERKIOSK" serve --site x --pubkey y --spool z --rate lots
usage "serve: --timeout within 1..3600" "--timeout takes a whole number from 1 to 3600" \
    "$PEERKIOSK" serve --site x --pubkey y --spool z --timeout 0
usage "unknown verb" "unknown command \"sned\"" "$PEERKIOSK" sned
usage "unknown option" "unrecognized option" "$PEERKIOSK" status --spool x --colour
usage "stray operand" "unexpected argument \"extra\"" "$PEERKIOSK" status --spool x extra
usage "peeradmin list refuses --out" "--out is not an option of list" \
    "$PEERADMIN" list --db x --out y
usage "peeradmin keygen refuses --db" "--db is not an option of keygen" \
    "$PEERADMIN" keygen --out x --db y
usage "peeradmin show needs one ID" "show needs more arguments" "$PEERADMIN" show --db x
usage "peeradmin show takes one ID only" "unexpected argument \"2\"" "$PEERADMIN" show 1 2 --db x
usage "peeradmin import needs an input" "import needs more arguments" "$PEERADMIN" import --db x
usage "no verb" "usage:" "$PEERADMIN"
# A usage error of a known verb shows that verb's usage, not every verb's.
usage "peersite new needs its folder" "usage: peersite new DIR" "$PEERSITE" new
expect_not_contains "and only its own usage" "$T/err" "peersite build"
expect_contains "with where the rest is" "$T/err" "(peersite --help lists every command and option)"
usage "a usage over several lines is shown whole" \
    "usage: peersite build [--content DIR] [--theme DIR] [--out DIR] [--ref REV] [--repo DIR]" \
    "$PEERSITE" build --jobs 0
expect_contains "its second line too" "$T/err" "[--jobs N] [--timings]"
usage "a verb sharing its line with others" "usage: peeradmin contacted ID | decline ID | reopen ID" \
    "$PEERADMIN" decline
usage "a placeholder the usage uses is defined below it" \
    "KEYS: [--key FILE...] [--db FILE]" "$PEERADMIN" show
usage "keygen's usage" "usage: peeradmin keygen --out DIR" "$PEERADMIN" keygen
expect_not_contains "with no placeholder it does not use" "$T/err" "KEYS:"
usage "an option getopt does not know, with the verb's usage" "usage: peerkiosk status --spool FILE" \
    "$PEERKIOSK" status --spool x --colour
usage "an unknown verb still lists every verb" "peersite serve" "$PEERSITE" sned
"$PEERKIOSK" --version >"$T/v" 2>&1
expect_status "--version exits 0" 0 $?
expect_contains "--version names the program" "$T/v" "peerkiosk "
"$PEERADMIN" list --help >"$T/h" 2>&1
expect_status "--help after a verb exits 0" 0 $?
expect_contains "--help prints the usage" "$T/h" "usage: peeradmin"
# A failure that is not a usage error exits 1.
"$PEERKIOSK" status --spool "$T/missing-dir/s.db" >"$T/out" 2>"$T/err"
expect_status "an unopenable spool exits 1" 1 $?
expect_contains "and names the file" "$T/err" "$T/missing-dir/s.db"
