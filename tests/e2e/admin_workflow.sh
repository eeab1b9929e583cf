#!/usr/bin/env bash
# End-to-end: the coordinator's workflow over a scripted history, dates from
# faketime. A workspace (no paths to repeat; explicit options win; 0600
# files; a readable database refused), requests from every channel (kiosk
# bundle, phone, email, referral), ranking, hand-off, overdue flags against
# "1 business day", illegal moves that change nothing, statistics with small
# cells (and their complements) hidden, a purge that leaves the statistics
# unchanged, an edited row detected, and no name in the database file.
. "$(dirname "$0")/lib.sh"
MARK=NOTE-MARKER-wf-5e1a
K=$T/keys
PASS=$T/pass
printf 'a long enough test passphrase\n' >"$PASS"
chmod 600 "$PASS"
"$TEST_HELPERS/fast_keygen" "$K" "$PASS" >/dev/null 2>&1 || { fail "keygen for the test"; exit 1; }
cp -R "$ROOT/content" "$T/content"
mkdir -p "$T/content/keys"
cp "$K/admin.pub" "$T/content/keys/"
grep -q '^response_within: 1 business day' "$T/content/site.yml" ||
    { fail "example site promises 1 business day" "$(grep response "$T/content/site.yml")"; exit 1; }
"$PEERSITE" build --content "$T/content" --theme "$ROOT/themes/default" --out "$T/site" >/dev/null 2>&1 ||
    { fail "site build for the test"; exit 1; }

# site.yml response_within: the built site carries it for peeradmin, and the
# requester-facing response_time follows from it when absent.
expect_contains "request-schema.json carries response_within" "$T/site/request-schema.json" '"response_within": "1 business day"'
expect_contains "  and response_time follows from it" "$T/site/request-schema.json" '"response_time": "within one business day"'
cp -R "$T/content" "$T/content3"
sed -i 's/^response_within: .*/response_within: 3 business days/' "$T/content3/site.yml"
"$PEERSITE" build --content "$T/content3" --theme "$ROOT/themes/default" --out "$T/site3" >/dev/null 2>&1
expect_contains "3 business days: within 3 business days" "$T/site3/request-schema.json" '"response_time": "within 3 business days"'
sed -i 's/^response_within: .*/response_within: 2 days/' "$T/content3/site.yml"
"$PEERSITE" build --content "$T/content3" --theme "$ROOT/themes/default" --out "$T/site4" >"$T/bad-promise.out" 2>&1
expect_status "a promise that is not hours or business days: the build fails" 1 $?
expect_match "  with file, line and what is wrong" "$T/bad-promise.out" 'site.yml:[0-9]+:[0-9]+: .*response_within "2 days"'

export PEERADMIN_HOME=$T/home
# pa WHEN ARGS...: peeradmin at a given UTC time, workspace paths only.
pa() {
    local when=$1
    shift
    at "$when" "$PEERADMIN" "$@" --passphrase-file "$PASS"
}
# fields NAME ROLE DEPT MODALITY LANGUAGE SUPPORTER REASON REFERRAL: a request as JSON
fields() {
    printf '{"referral": "%s", "name": "%s", "email": "%s@example.org", "phone": "555-01%02d",
             "role": "%s", "department": "%s", "modality": ["%s"], "language": "%s",
             "supporter": "%s", "reason": "%s", "message": "%s", "consent": "yes"}' \
        "$8" "$1" "$(echo "$1" | tr -dc a-z)" "${#1}" "$2" "$3" "$4" "$5" "$6" "$7" "$MARK"
}

# --- workspace ------------------------------------------------------------------------
pa "2026-03-02 08:00:00" init --key "$K/admin.key" --site "$T/site" >"$T/init.out" 2>&1
expect_status "init DIR from PEERADMIN_HOME with an existing key and the site" 0 $?
for f in admin.key admin.pub intake.db site/supporters.json site/request-schema.json; do
    expect_status "workspace $f is mode 0600" 600 "$(stat -c %a "$T/home/$f" 2>/dev/null || echo missing)"
done
expect_status "workspace directory is mode 0700" 700 "$(stat -c %a "$T/home")"
pa "2026-03-02 08:00:00" init >"$T/init2.out" 2>&1
expect_status "init refuses an existing workspace" 1 $?
expect_contains "  and says why" "$T/init2.out" "already a workspace"
chmod 644 "$T/home/intake.db"
pa "2026-03-02 08:00:00" list >"$T/ro.out" 2>&1
expect_status "a database readable by others is refused" 1 $?
expect_contains "  and says how to fix it" "$T/ro.out" "chmod 600"
chmod 600 "$T/home/intake.db"
env -u PEERADMIN_HOME "$PEERADMIN" list --passphrase-file "$PASS" >"$T/nohome.out" 2>&1
expect_status "no workspace and no --key: exit 1" 1 $?
expect_contains "  and names what to give" "$T/nohome.out" "PEERADMIN_HOME"
# init with a new key (the real keygen cost), then a command with no paths at all.
"$PEERADMIN" init "$T/fresh" --passphrase-file "$PASS" >"$T/fresh.out" 2>&1
expect_status "init DIR makes a new key pair" 0 $?
expect_status "  its admin.key is mode 0600" 600 "$(stat -c %a "$T/fresh/admin.key" 2>/dev/null || echo missing)"
PEERADMIN_HOME=$T/fresh "$PEERADMIN" list --passphrase-file "$PASS" >"$T/fresh-list.out" 2>&1
expect_status "  and the workspace works without the site data" 0 $?
cp "$PASS" "$T/loose-pass"
chmod 644 "$T/loose-pass"
PEERADMIN_HOME=$T/fresh "$PEERADMIN" list --passphrase-file "$T/loose-pass" >"$T/loose-pass.out" 2>&1
expect_status "a passphrase file readable by others is refused, like a readable key" 1 $?
expect_contains "  and says how to fix it" "$T/loose-pass.out" "chmod 600"
chmod 640 "$T/fresh/admin.key"
PEERADMIN_HOME=$T/fresh "$PEERADMIN" list --passphrase-file "$PASS" >"$T/fresh-ro.out" 2>&1
expect_status "a key readable by the group is refused" 1 $?
# README's order: keygen first (the key for content/keys/admin.pub), then init
# in the same directory, which takes that key.
"$PEERADMIN" keygen --out "$T/kg" --passphrase-file "$PASS" >/dev/null 2>&1
cp "$T/kg/admin.pub" "$T/kg.pub"
printf 'not the passphrase at all\n' >"$T/wrong-pass"
chmod 600 "$T/wrong-pass"
"$PEERADMIN" init "$T/kg" --site "$T/site" --passphrase-file "$T/wrong-pass" >"$T/kg-wrong.out" 2>&1
expect_status "init DIR after keygen --out DIR: a wrong passphrase is refused" 1 $?
expect_contains "  and says so" "$T/kg-wrong.out" "wrong passphrase"
expect_missing "  and makes no database" "$T/kg/intake.db"
"$PEERADMIN" init "$T/kg" --site "$T/site" --key "$K/admin.key" --passphrase-file "$PASS" >"$T/kg-key.out" 2>&1
expect_status "  with --key as well: refused" 1 $?
"$PEERADMIN" init "$T/kg" --site "$T/site" --passphrase-file "$PASS" >"$T/kg.out" 2>&1
expect_status "init DIR after keygen --out DIR takes the key keygen made" 0 $?
if cmp -s "$T/kg.pub" "$T/kg/admin.pub"; then ok "  the same key pair"; else fail "  the same key pair"; fi
for f in admin.key admin.pub intake.db site/supporters.json; do
    expect_status "  $f is mode 0600" 600 "$(stat -c %a "$T/kg/$f" 2>/dev/null || echo missing)"
done
"$PEERADMIN" init "$T/kg" --passphrase-file "$PASS" >"$T/kg2.out" 2>&1
expect_status "  init again: refused" 1 $?
expect_contains "  as a workspace already" "$T/kg2.out" "already a workspace"
# The README imports with --key DIR/admin.key --db DIR/intake.db before it
# makes DIR a workspace: init keeps that database and its requests.
"$TEST_HELPERS/fast_keygen" "$T/kg3" "$PASS" >/dev/null 2>&1
"$TEST_HELPERS/seal_requests" --site "$T/site" --pubkey "$T/kg3/admin.pub" --count 2 \
    --bundle "$T/kg3.pkb" >/dev/null
"$PEERADMIN" import --key "$T/kg3/admin.key" --db "$T/kg3/intake.db" --passphrase-file "$PASS" \
    "$T/kg3.pkb" >/dev/null 2>&1
"$PEERADMIN" init "$T/kg3" --site "$T/site" --passphrase-file "$PASS" >"$T/kg3.out" 2>&1
expect_status "init DIR keeps the intake database import made there" 0 $?
expect_status "  with its requests" 2 \
    "$(PEERADMIN_HOME=$T/kg3 "$PEERADMIN" list --json --passphrase-file "$PASS" 2>/dev/null | jq length)"
pa "2026-03-02 08:00:00" list --db "$T/other.db" >/dev/null 2>&1
expect_status "explicit --db wins over the workspace" 0 $?
expect_exists "  (the other database is created)" "$T/other.db"

# --- the submission time a request carries is the sender's ----------------------------------
# Anyone can seal any date: a request dated 2001 (or tomorrow) is measured from
# its arrival; one that waited three days on the kiosk, from its submission.
dated() { # dated NAME SUBMITTED
    printf '{"v":1,"schema":"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef","channel":"web","submitted":"%s","reference":"ABCD-EFGH","fields":{"referral":"self","name":"Dated Request","email":"dr@example.org","consent":"yes"}}' "$2" |
        "$TEST_HELPERS/seal_raw" "$K/admin.pub" >"$T/$1.txt"
}
dated future 2026-03-11T09:00:00Z
dated waited 2026-03-07T09:00:00Z
for i in $(seq 11); do dated "old$i" 2001-01-01T00:00:00Z; done
pa "2026-03-10 09:00:00" import --db "$T/dated.db" "$T/future.txt" "$T/waited.txt" "$T"/old*.txt >"$T/dated.out" 2>&1
expect_status "import requests dated by their sender" 0 $?
pa "2026-03-10 10:00:00" list --db "$T/dated.db" --json >"$T/dated.json" 2>&1
if [ "$(jq -c '[.[] | [.since, .overdue]] | unique' "$T/dated.json")" = '[["2026-03-07T09:00:00Z",true],["2026-03-10T09:00:00Z",false]]' ] &&
    [ "$(jq -c '.[1] | [.since, .overdue]' "$T/dated.json")" = '["2026-03-07T09:00:00Z",true]' ]; then
    ok "a submission time long before the arrival, or after it, is not believed"; else
    fail "a submission time long before the arrival, or after it, is not believed" "$(jq -c '[.[] | [.submitted, .since, .overdue]]' "$T/dated.json")"; fi
pa "2026-03-10 10:00:00" stats --db "$T/dated.db" >"$T/dated.csv" 2>&1
if [ "$(grep -c '^month,' "$T/dated.csv")" = 2 ] && grep -q '^month,2026-03,13$' "$T/dated.csv"; then ok "  and adds no month of 2001 to the statistics"; else
    fail "  and adds no month of 2001 to the statistics" "$(grep -c '^month,' "$T/dated.csv") month lines"; fi

# --- business days are the administrator's ------------------------------------------------
# Friday 23:30 in New York is Saturday 04:30 in UTC. In New York the request
# is due on Monday at 23:30 (Tuesday 03:30 UTC, daylight saving time having
# begun on Sunday); counted in UTC it would be due on Tuesday at 00:00 UTC.
dated friday 2026-03-07T04:30:00Z
pa "2026-03-07 04:40:00" import --db "$T/tz.db" "$T/friday.txt" >/dev/null 2>&1
# (AT_TZ: the times given to faketime are New York's.)
AT_TZ=America/New_York pa "2026-03-09 21:00:00" list --db "$T/tz.db" --json >"$T/tz.json" 2>&1
if [ "$(jq -c '[.[0].due, .[0].overdue]' "$T/tz.json")" = '["2026-03-10T03:30:00Z",false]' ]; then
    ok "business days in the local time zone: Friday evening in New York is due Monday evening there"; else
    fail "business days in the local time zone: Friday evening in New York is due Monday evening there" "$(jq -c '.[0] | [.since, .due, .overdue]' "$T/tz.json")"; fi
AT_TZ=America/New_York pa "2026-03-09 21:00:00" list --db "$T/tz.db" >"$T/tz.txt" 2>&1
expect_contains "  list shows the due time in local time" "$T/tz.txt" "2026-03-09 23:30"
expect_contains "  and the day received in local time" "$T/tz.txt" "2026-03-06"
AT_TZ=America/New_York pa "2026-03-09 21:00:00" show 1 --db "$T/tz.db" >"$T/tz-show.txt" 2>&1
expect_match "  show names the zone" "$T/tz-show.txt" "^due +2026-03-09 23:30 EDT"
AT_TZ=America/New_York pa "2026-03-09 23:31:00" list --db "$T/tz.db" --overdue --json >"$T/tz2.json" 2>&1
if [ "$(jq -c 'map(.id)' "$T/tz2.json")" = "[1]" ]; then ok "  and it is overdue a minute after"; else
    fail "  and it is overdue a minute after" "$(cat "$T/tz2.json")"; fi

# --- requests from every channel ------------------------------------------------------
# A kiosk request, sealed Friday 6 March, exported and imported Monday.
fields "Kiran Sealwell" resident "Surgery" video English "" burnout self >"$T/k.json"
at "2026-03-06 11:00:00" "$PEERKIOSK" submit --site "$T/site" --pubkey "$K/admin.pub" \
    --spool "$T/spool.db" --kiosk-id lounge-1 <"$T/k.json" >/dev/null 2>&1
expect_status "kiosk submit" 0 $?
"$PEERKIOSK" export --spool "$T/spool.db" --out "$T/requests.pkb" >/dev/null 2>&1
pa "2026-03-09 08:00:00" import "$T/requests.pkb" >"$T/import.out" 2>&1
expect_status "import with no paths but the bundle" 0 $?
# 2: phone, Friday 16:00 -> due Monday 16:00. 3: email Monday, names Amara Okafor.
# 4: a manager's referral on Saturday -> due Tuesday 00:00.
fields "Zed Quill" resident "emergency  MEDICINE" phone Spanish "" adverse-event self >"$T/2.json"
fields "Yara Nunez" faculty "Obstetrics and Gynecology" in-person English "Dr. Amara Okafor" litigation self >"$T/3.json"
fields "Xavier Oduya" fellow "Pediatrics" phone English "" burnout colleague >"$T/4.json"
pa "2026-03-06 16:00:00" add --channel phone --fields "$T/2.json" >"$T/add2.out" 2>&1
expect_status "add --channel phone (JSON)" 0 $?
pa "2026-03-09 10:00:00" add --channel email --fields - <"$T/3.json" >/dev/null 2>&1
expect_status "add --channel email (JSON on stdin)" 0 $?
# The referral typed at the prompts: one line per field of the form, in order.
printf 'colleague\nXavier Oduya\nxo@example.org\n\n\nfellow\nPediatrics\nphone\nEnglish\n\nburnout\n%s\nyes\n' \
    "$MARK" | pa "2026-03-07 10:00:00" add --channel referral >"$T/add4.out" 2>"$T/add4.err"
expect_status "add --channel referral (terminal prompts)" 0 $?
expect_contains "  the prompts name the fields" "$T/add4.err" "Career stage"
pa "2026-03-07 10:00:00" add --channel fax --fields "$T/2.json" >"$T/fax.out" 2>&1
expect_status "add refuses an unknown channel" 1 $?
printf '{"referral": "self", "name": "Bad Address", "email": "not-an-address", "consent": "yes"}' >"$T/bad.json"
pa "2026-03-07 10:00:00" add --channel phone --fields "$T/bad.json" >"$T/bad.out" 2>&1
expect_status "add checks the form's rules" 1 $?
expect_contains "  and names the field" "$T/bad.out" "email: not an email address"

# --- matching -------------------------------------------------------------------------
pa "2026-03-09 08:30:00" match 2 --json >"$T/m2.json" 2>&1
expect_status "match --json" 0 $?
first=$(jq -r '.[0].supporter' "$T/m2.json")
if [ "$first" = lucia-ferreira ]; then ok "ranking: same stage, phone and Spanish first"; else
    fail "ranking: same stage, phone and Spanish first" "expected lucia-ferreira, got $first" "$(head -c 400 "$T/m2.json")"; fi
for s in amara-okafor hannah-whitfield rachel-goldberg; do
    if jq -e --arg s "$s" 'map(.supporter) | index($s) == null' "$T/m2.json" >/dev/null; then
        ok "match never offers $s"; else fail "match never offers $s" "$(jq -c 'map(.supporter)' "$T/m2.json")"; fi
done
if jq -e 'all(.[]; (.reasons | length) > 0 and (.score | type) == "number" and (.name | type) == "string")' "$T/m2.json" >/dev/null; then
    ok "every suggestion says why"; else fail "every suggestion says why" "$(head -c 400 "$T/m2.json")"; fi
if jq -e '[.[].score] == ([.[].score] | sort | reverse)' "$T/m2.json" >/dev/null; then
    ok "best first"; else fail "best first" "$(jq -c '[.[].score]' "$T/m2.json")"; fi
pa "2026-03-09 08:30:00" match 2 >"$T/m2.txt" 2>&1
expect_contains "text output names who is left out and why" "$T/m2.txt" "Amara Okafor: same department as the requester"
pa "2026-03-09 10:30:00" match 3 --json >"$T/m3.json" 2>&1
if [ "$(jq -r '.[0].supporter' "$T/m3.json")" = amara-okafor ] &&
    jq -e '.[0].reasons | index("named by the requester") != null' "$T/m3.json" >/dev/null; then
    ok "a named, eligible supporter comes first"; else fail "a named, eligible supporter comes first" "$(head -c 300 "$T/m3.json")"; fi

# --- states and overdue ---------------------------------------------------------------
pa "2026-03-09 17:00:00" list --overdue --json >"$T/od1.json" 2>&1
# Friday 11:00 (kiosk) and 16:00 (phone) were due Monday 11:00 and 16:00;
# Saturday's referral is due Tuesday 00:00, Monday's email Tuesday 10:00.
if [ "$(jq -c 'map(.id)' "$T/od1.json")" = "[1,2]" ]; then ok "Monday 17:00: Friday's two requests are overdue, nothing else"; else
    fail "Monday 17:00: Friday's two requests are overdue, nothing else" "$(jq -c 'map(.id)' "$T/od1.json")"; fi
pa "2026-03-09 15:59:00" list --overdue --json >"$T/od0.json" 2>&1
if [ "$(jq -c 'map(.id)' "$T/od0.json")" = "[1]" ]; then ok "Monday 15:59: the phone request is not overdue yet"; else
    fail "Monday 15:59: the phone request is not overdue yet" "$(jq -c 'map(.id)' "$T/od0.json")"; fi
pa "2026-03-09 17:00:00" list >"$T/list1.txt" 2>&1
expect_contains "list shows labels, not ids" "$T/list1.txt" "Resident"
expect_contains "  (reasons too)" "$T/list1.txt" "An adverse event or an unexpected outcome"
expect_contains "  and flags overdue" "$T/list1.txt" "OVERDUE"
pa "2026-03-09 17:05:00" assign 2 lucia-ferreira >"$T/handoff.txt" 2>&1
expect_status "assign" 0 $?
expect_contains "hand-off: the subject" "$T/handoff.txt" "Subject: Touching base"
expect_contains "hand-off: how to reach them" "$T/handoff.txt" "Zed Quill"
expect_contains "hand-off: the first message offers the way they asked for" "$T/handoff.txt" \
    "By phone, as you asked."
expect_not_contains "  and not the others" "$T/handoff.txt" "In person, by phone or by video"
expect_contains "hand-off: the supporter introduces themself" "$T/handoff.txt" "Lucía Ferreira, a member of our peer support program"
expect_not_contains "hand-off: never the note" "$T/handoff.txt" "$MARK"
expect_not_contains "hand-off: never the reason" "$T/handoff.txt" "adverse"
expect_not_contains "hand-off: never the department" "$T/handoff.txt" "MEDICINE"
pa "2026-03-09 17:05:30" list >"$T/list-assigned.txt" 2>&1
expect_contains "list names the supporter" "$T/list-assigned.txt" "Lucía Ferreira"
expect_not_contains "  not by slug" "$T/list-assigned.txt" "lucia-ferreira"
pa "2026-03-09 17:05:30" show 2 >"$T/show-assigned.txt" 2>&1
expect_match "show names the supporter" "$T/show-assigned.txt" "^supporter +Lucía Ferreira \(lucia-ferreira\)"
pa "2026-03-09 17:06:00" list --json >"$T/before-close.json" 2>/dev/null
pa "2026-03-09 17:06:00" close 2 >"$T/illegal.out" 2>&1
expect_status "assigned -> closed is illegal: exit 1" 1 $?
expect_contains "  and says why" "$T/illegal.out" "cannot be closed (mark it contacted first)"
pa "2026-03-09 17:06:00" list --json >"$T/after-close.json" 2>/dev/null
if cmp -s "$T/before-close.json" "$T/after-close.json"; then ok "  and changes nothing"; else fail "  and changes nothing"; fi
pa "2026-03-09 17:06:00" contacted 99 >"$T/u.out" 2>&1
expect_status "unknown id: exit 1" 1 $?
expect_contains "  named" "$T/u.out" "no request 99"
pa "2026-03-09 17:06:00" close 3 >"$T/new-close.out" 2>&1
expect_status "new -> closed is illegal: exit 1" 1 $?
expect_contains "  and says what comes first" "$T/new-close.out" "cannot be closed (assign it first)"
pa "2026-03-09 17:06:00" assign 3 nobody-at-all >"$T/u2.out" 2>&1
expect_status "unknown supporter: exit 1" 1 $?
expect_contains "  named" "$T/u2.out" "unknown supporter"
pa "2026-03-09 17:06:00" assign 3 hannah-whitfield >"$T/u3.out" 2>&1
expect_status "a supporter who is not accepting cannot be assigned" 1 $?
# Overruling matching is possible, with a warning: request 1's requester is
# in Surgery, and so is Daniel Reyes.
pa "2026-03-09 17:07:00" assign 1 daniel-reyes >"$T/overrule.out" 2>&1
expect_status "assign overrules matching" 0 $?
expect_contains "  with a warning" "$T/overrule.out" "daniel-reyes would not be offered: same department as the requester"
pa "2026-03-09 17:08:00" assign 1 jordan-blake >/dev/null 2>&1
expect_status "reassign (assigned -> assigned)" 0 $?
pa "2026-03-10 10:00:00" contacted 2 >/dev/null 2>&1                      # late (due Mon 16:00)
pa "2026-03-10 10:05:00" close 2 --outcome "met once; $MARK" >/dev/null 2>&1
expect_status "contacted, then close with an outcome" 0 $?
pa "2026-03-09 11:00:00" assign 3 amara-okafor >/dev/null 2>&1
pa "2026-03-09 15:00:00" contacted 3 >/dev/null 2>&1                      # within the day
pa "2026-03-20 09:00:00" close 3 >/dev/null 2>&1
pa "2026-03-10 09:00:00" decline 4 >/dev/null 2>&1
expect_status "decline" 0 $?
pa "2026-03-10 09:01:00" reopen 4 >/dev/null 2>&1
pa "2026-03-10 09:02:00" decline 4 >/dev/null 2>&1
expect_status "reopen, decline again" 0 $?
pa "2026-03-10 09:03:00" reopen 1 >/dev/null 2>&1
expect_status "reopening a new request is illegal" 1 $?
pa "2026-03-10 09:05:00" list --overdue --json >"$T/od2.json" 2>&1
if [ "$(jq -c 'map(.id)' "$T/od2.json")" = "[1]" ]; then ok "Tuesday: the kiosk request (Friday 11:00, uncontacted) is overdue"; else
    fail "Tuesday: the kiosk request (Friday 11:00, uncontacted) is overdue" "$(jq -c 'map(.id)' "$T/od2.json")"; fi
pa "2026-03-10 09:05:00" list --state closed --json >"$T/closed.json" 2>&1
if [ "$(jq -c 'map(.id)' "$T/closed.json")" = "[2,3]" ]; then ok "list --state closed"; else fail "list --state closed" "$(cat "$T/closed.json")"; fi
pa "2026-03-10 09:05:00" log >"$T/log.txt" 2>&1
expect_contains "the audit log records moves" "$T/log.txt" "contacted -> closed"
expect_not_contains "the audit log holds no personal data" "$T/log.txt" "Quill"
expect_not_contains "  nor who supports whom" "$T/log.txt" "lucia-ferreira"

# --- statistics -------------------------------------------------------------------------
# Twenty-four more requests from residents about burnout (all "self"), twelve
# by phone and twelve by email: channel then has 13 by phone, 13 by email and
# one each from the kiosk and a referral. The two small cells add up to 2, so
# the smallest shown cell (phone) is hidden with them (complementary
# suppression); email stays. The referral breakdown has 27 "self" and one
# "colleague": the one hidden cell takes "self" with it.
for i in $(seq 24); do
    via=phone
    [ "$i" -gt 12 ] && via=email
    fields "Quinn Batch$(printf '%c' $((96 + (i - 1) % 12 + 1)))$via" resident "Medicine" phone English "" burnout self >"$T/b$i.json"
    pa "2026-03-1$((i % 8 + 1)) 09:00:00" add --channel "$via" --fields "$T/b$i.json" >/dev/null 2>&1 ||
        fail "add batch request $i"
done
pa "2026-04-01 09:00:00" stats --from 2026-03-01 --to 2026-03-31 >"$T/stats.csv" 2>"$T/stats.err"
expect_status "stats (CSV)" 0 $?
expect_contains "CSV header" "$T/stats.csv" "dimension,category,count"
expect_contains "a large cell is shown" "$T/stats.csv" "channel,Email,13"
expect_contains "the total is shown" "$T/stats.csv" "month,Total,28"
expect_contains "a small cell is written suppressed" "$T/stats.csv" "channel,Kiosk,suppressed"
expect_contains "two small cells adding up to 2: the smallest shown cell is hidden too" "$T/stats.csv" "channel,Phone,suppressed"
expect_contains "complementary suppression: the only other referral cell is hidden" "$T/stats.csv" "referral,Myself,suppressed"
expect_contains "  (the small one too)" "$T/stats.csv" "referral,A colleague who has agreed to be contacted,suppressed"
expect_not_contains "a hidden count is never claimed to be under 11 (the complements are not)" "$T/stats.csv" "<11"
small=$(awk -F, 'NR > 1 && $NF ~ /^[0-9]+$/ && $NF >= 1 && $NF <= 10' "$T/stats.csv")
if [ -z "$small" ]; then ok "no count from 1 to 10 anywhere"; else fail "no count from 1 to 10 anywhere" "$small"; fi
# In every breakdown whose cells add up to its total, the hidden cells number
# 0 or at least 2 and add up to 11 or more.
weak=$(awk -F, 'NR > 1 && $1 != "modality" {
        if ($2 == "Total") { if ($3 ~ /^[0-9]+$/ && h[$1] && (h[$1] == 1 || $3 - s[$1] < 11)) print $1 }
        else if ($3 ~ /^[0-9]+$/) s[$1] += $3; else h[$1]++ }' "$T/stats.csv")
if [ -z "$weak" ]; then ok "no breakdown whose hidden cells can be worked out"; else fail "no breakdown whose hidden cells can be worked out" "$weak"; fi
expect_not_contains "state and time to first contact: no row for what state already counts" "$T/stats.csv" "Not yet contacted"
pa "2026-04-01 09:00:00" stats --from 2026-03-01 --to 2026-03-31 --format json >"$T/stats.json" 2>&1
if jq -e '.min_cell == 11 and .total == 28 and ([.dimensions[].cells[] | select(.count != null and .count >= 1 and .count <= 10)] | length) == 0' "$T/stats.json" >/dev/null; then
    ok "stats --format json"; else fail "stats --format json" "$(head -c 400 "$T/stats.json")"; fi
pa "2026-04-01 09:00:00" stats --from 2026-03-01 --to 2026-03-31 --format svg >"$T/stats.svg" 2>&1
expect_contains "SVG: role=img" "$T/stats.svg" 'role="img"'
expect_contains "SVG: a title" "$T/stats.svg" "<title"
expect_contains "SVG: a description" "$T/stats.svg" "<desc"
expect_contains "SVG: hidden counts in words" "$T/stats.svg" ">suppressed</text>"
pa "2026-04-01 09:00:00" stats --format svg >"$T/stats-all.svg" 2>&1
expect_match "SVG without a period: a plain title" "$T/stats-all.svg" "<title[^>]*>Peer support requests</title>"
expect_contains "SVG: text labels on bars" "$T/stats.svg" ">28</text>"
expect_contains "SVG: the description carries the numbers" "$T/stats.svg" "Channel (total 28): Kiosk suppressed, Web form 0, Phone suppressed, Email 13"
if xmllint --noout "$T/stats.svg" 2>"$T/xml.err"; then ok "SVG is well-formed XML"; else fail "SVG is well-formed XML" "$(cat "$T/xml.err")"; fi
# Periods are whole months: two reports a few days apart could be subtracted
# to single out the requests of those days.
pa "2026-04-01 09:00:00" stats --from 2026-03-09 --to 2026-03-30 >"$T/days.csv" 2>"$T/days.err"
expect_status "stats with a period inside a month" 0 $?
if cmp -s "$T/stats.csv" "$T/days.csv"; then ok "  counts the whole month, as --from 2026-03-01 --to 2026-03-31 does"; else
    fail "  counts the whole month, as --from 2026-03-01 --to 2026-03-31 does" "$(diff "$T/stats.csv" "$T/days.csv" | head -5)"; fi
expect_contains "  and says so" "$T/days.err" "statistics cover whole months: 2026-03-01 to 2026-03-31"
pa "2026-04-01 09:00:00" stats --from 2026-03 --to 2026-03 --format json >"$T/month.json" 2>"$T/month.err"
if jq -e '.from == "2026-03-01" and .to == "2026-03-31" and .total == 28' "$T/month.json" >/dev/null; then
    ok "stats --from YYYY-MM --to YYYY-MM"; else fail "stats --from YYYY-MM --to YYYY-MM" "$(head -c 300 "$T/month.json")"; fi
expect_not_contains "  (no note: those are months)" "$T/month.err" "note"
pa "2026-04-01 09:00:00" stats --min-cell 10 >"$T/mc.out" 2>&1
expect_status "stats --min-cell below 11 is a usage error (1 to 10 are never shown)" 2 $?
pa "2026-04-01 09:00:00" stats --from 2026-03-01 --to 2026-03-31 --min-cell 15 >"$T/mc15.csv" 2>&1
expect_contains "stats --min-cell 15 hides 13" "$T/mc15.csv" "channel,Email,suppressed"

# --- no name in the database file -------------------------------------------------------
no_names() {
    local name=$1 found=""
    for f in "$T/home/intake.db" "$T/home/intake.db-wal"; do
        [ -e "$f" ] || continue
        for word in Quill Nunez Oduya Sealwell Batch "$MARK" "@example.org" "555-01" \
            lucia-ferreira amara-okafor jordan-blake daniel-reyes; do
            strings -a "$f" | grep -qF -- "$word" && found="$found $(basename "$f"):$word"
        done
    done
    if [ -z "$found" ]; then ok "$name"; else fail "$name" "found:$found"; fi
}
no_names "strings on the database: no name, email, phone, note or supporter before purge"

# --- purge ------------------------------------------------------------------------------
pa "2026-07-01 09:00:00" purge --older-than 90 >"$T/dry.out" 2>&1
expect_status "purge dry run" 0 $?
expect_contains "  says what it would do" "$T/dry.out" "3 closed or declined requests finished before 2026-04-02 would lose"
pa "2026-07-01 09:00:00" show 2 --json >"$T/show2.json" 2>&1
if jq -e '.fields.name == "Zed Quill"' "$T/show2.json" >/dev/null; then ok "  and changes nothing"; else fail "  and changes nothing" "$(head -c 300 "$T/show2.json")"; fi
pa "2026-07-01 09:00:00" purge --older-than 90 --yes >"$T/purge.out" 2>&1
expect_status "purge --yes" 0 $?
expect_contains "  counts what it purged" "$T/purge.out" "purged the personal data of 3 requests"
pa "2026-07-01 09:00:00" show 2 --json >"$T/show2b.json" 2>&1
if jq -e '(.fields == null) and .outcome == null and .state == "closed" and .purged != null' "$T/show2b.json" >/dev/null; then
    ok "a purged request keeps its state, not its details"; else fail "a purged request keeps its state, not its details" "$(head -c 400 "$T/show2b.json")"; fi
pa "2026-07-02 09:00:00" stats --from 2026-03-01 --to 2026-03-31 >"$T/stats2.csv" 2>&1
if cmp -s "$T/stats.csv" "$T/stats2.csv"; then ok "statistics are the same after the purge"; else
    fail "statistics are the same after the purge" "$(diff "$T/stats.csv" "$T/stats2.csv" | head -5)"; fi
wal=$(stat -c %s "$T/home/intake.db-wal" 2>/dev/null || echo 0)
expect_status "the write-ahead log is truncated" 0 "$wal"
no_names "strings on the database: no name, email, phone, note or supporter after purge"
pa "2026-07-02 09:00:00" reopen 2 >"$T/reopen.out" 2>&1
expect_status "a purged request cannot be reopened" 1 $?
expect_contains "  and says why" "$T/reopen.out" "purged"

# --- an edited row is detected; list goes on ---------------------------------------------
sqlite3 "$T/home/intake.db" "UPDATE requests SET status = 'new' WHERE id = 3" 2>/dev/null
pa "2026-07-02 09:00:00" list >"$T/tampered.txt" 2>&1
expect_status "list with an edited row: exit 3" 3 $?
expect_match "  the row is marked" "$T/tampered.txt" "^3 +! unreadable: fails its integrity check"
expect_contains "  and the others are still listed" "$T/tampered.txt" "28 requests"
pa "2026-07-02 09:00:00" contacted 3 >"$T/t3.out" 2>&1
expect_status "an edited row cannot be moved" 1 $?
pa "2026-07-03 09:00:00" purge --older-than 90 --yes >"$T/purge-tampered.out" 2>&1
expect_status "purge with an edited row: exit 3" 3 $?
expect_contains "  and it says so" "$T/purge-tampered.out" "1 request could not be checked"
