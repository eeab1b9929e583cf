#!/usr/bin/env bash
# End-to-end: the editor's loop with an installed peersite and a content
# repository of its own, outside the checkout: `new`, `check`, builds from
# another directory and with --ref, theme lookup (installed, relocated, named,
# missing), `serve` with live rebuilds, errors shown and recovered from, and
# publish leaving the working tree as it was.
. "$(dirname "$0")/lib.sh"
unset SOURCE_DATE_EPOCH
git_identity

# --- an installed peersite --------------------------------------------------
make -s -C "$ROOT" install PREFIX="$T/usr" PROGRAMS="$PEERSITE $PEERKIOSK $PEERADMIN" \
    >"$T/install.log" 2>&1
expect_status "make install" 0 $?
expect_exists "make install installs the default theme" "$T/usr/share/peerkit/themes/default/templates/base.mustache"
expect_exists "make install installs the starter" "$T/usr/share/peerkit/starter/content/site.yml"
expect_exists "make install installs the man page" "$T/usr/share/man/man1/peersite.1"
expect_exists "make install installs the docs" "$T/usr/share/doc/peerkit/publishing.md"
PS=$T/usr/bin/peersite

# --- new, then check, from anywhere ------------------------------------------
mkdir "$T/elsewhere"
(cd "$T/elsewhere" && "$PS" new "$T/program") >"$T/new.log" 2>&1
expect_status "new" 0 $?
for f in .gitignore README.md content/site.yml content/request.yml content/confidentiality.md \
    content/pages/index.md content/supporters/example-supporter.md; do
    expect_exists "new writes $f" "$T/program/$f"
done
expect_exists "new makes a git repository" "$T/program/.git/HEAD"
expect_contains "and says the first commit is the editor's" "$T/new.log" 'git add -A && git commit -m "Start our site"'
expect_contains "as its README does" "$T/program/README.md" "Nothing is committed yet"
expect_contains "site.yml explains submit_url" "$T/program/content/site.yml" "# submit_url:"
(cd "$T/program" && "$PS" check) >"$T/check.log" 2>&1
expect_status "the new repository passes check at once" 0 $?
(cd "$T/elsewhere" && "$PS" new "$T/program") >"$T/new2.log" 2>&1
expect_status "new refuses a directory that is not empty" 1 $?
expect_contains "and says so" "$T/new2.log" "not empty"
(cd "$T/program" && "$PS" publish --branch published) >"$T/pub0.log" 2>&1
expect_status "publish before the first commit is refused" 1 $?
expect_contains "and says why" "$T/pub0.log" "nothing committed yet to publish from"
git -C "$T/program" add -A && git -C "$T/program" commit -q -m "Start the program's site"

(cd "$T/elsewhere" && "$PS" build --content "$T/program/content" --out "$T/out1") >"$T/b1.log" 2>&1
expect_status "an installed peersite builds a repository from another directory" 0 $?
expect_exists "with the installed theme" "$T/out1/faq/index.html"
(cd "$T/program" && "$PS" build --ref HEAD --out "$T/out2") >"$T/b2.log" 2>&1
expect_status "--ref HEAD with a theme outside the repository" 0 $?
if diff -r -x '.peersite-cache*' "$T/out1" "$T/out2" >/dev/null; then ok "--ref HEAD equals the working tree's build"; else
    fail "--ref HEAD equals the working tree's build" "$(diff -r -x '.peersite-cache*' "$T/out1" "$T/out2" | head -5)"; fi

# The starter's form keeps the choice "Ask for this supporter" makes; a form
# without a supporter field is not offered one.
expect_contains "the starter's form has a supporter field" "$T/out1/request/index.html" 'name="supporter"'
expect_contains "and its supporter's page asks for them by name" \
    "$T/out1/supporters/example-supporter/index.html" 'request/?supporter=example-supporter">Ask for this supporter'
cp -R "$T/program/content" "$T/nochoice"
awk '/^  # A supporter.s page offers/ {skip = 1} skip && /^  - id: reason/ {skip = 0} !skip' \
    "$T/program/content/request.yml" >"$T/nochoice/request.yml"
(cd "$T/elsewhere" && "$PS" build --content "$T/nochoice" --out "$T/out-nochoice") >"$T/nochoice.log" 2>&1
expect_status "a form without a supporter field builds" 0 $?
expect_not_contains "its form has none" "$T/out-nochoice/request/index.html" 'name="supporter"'
expect_contains "so a supporter's page asks for support, not for them" \
    "$T/out-nochoice/supporters/example-supporter/index.html" '<a class="button" href="../../request/">Ask for support</a>'
expect_not_contains "and puts no choice in the address" \
    "$T/out-nochoice/supporters/example-supporter/index.html" "?supporter="
# A supporter field the page's script cannot fill in (radio buttons) keeps
# no choice either.
sed '/^  - id: supporter$/,/^    max: 120$/c\
  - id: supporter\
    label: A supporter you would like to talk to\
    type: radio\
    options: [alex-example]' "$T/program/content/request.yml" >"$T/nochoice/request.yml"
(cd "$T/elsewhere" && "$PS" build --content "$T/nochoice" --out "$T/out-radio") >"$T/radio.log" 2>&1
expect_status "a form whose supporter field is radio buttons builds" 0 $?
expect_contains "and its form has them" "$T/out-radio/request/index.html" 'name="supporter" value="alex-example"'
expect_contains "but a supporter's page asks for support, not for them" \
    "$T/out-radio/supporters/example-supporter/index.html" '<a class="button" href="../../request/">Ask for support</a>'

# The repository named instead of its content folder: one message that says
# where the content is.
(cd "$T/elsewhere" && "$PS" build --content "$T/program" --out "$T/out-root") >"$T/root.log" 2>&1
expect_status "the repository given as --content fails" 1 $?
expect_contains "and names the content folder" "$T/root.log" "give --content $T/program/content"
if [ "$(wc -l <"$T/root.log")" = 1 ]; then ok "in one message"; else
    fail "in one message" "$(cat "$T/root.log")"; fi
(cd "$T/program" && "$PS" check --content .) >"$T/dot.log" 2>&1
expect_status "--content . in the repository fails" 1 $?
expect_contains "and says to leave --content out" "$T/dot.log" "leave out --content"

# A relocated install still finds its themes.
mv "$T/usr" "$T/moved"
(cd "$T/program" && "$T/moved/bin/peersite" check) >"$T/moved.log" 2>&1
expect_status "a relocated install finds its theme" 0 $?
mv "$T/moved/share/peerkit/themes" "$T/themes-away"
(cd "$T/program" && "$T/moved/bin/peersite" check) >"$T/nothemes.log" 2>&1
expect_status "without its themes, it fails" 1 $?
expect_contains "and names where they would be" "$T/nothemes.log" \
    "$T/moved/share/peerkit/themes/default (no installed themes there)"
mv "$T/themes-away" "$T/moved/share/peerkit/themes"
mv "$T/moved" "$T/usr"

# Themes: one next to the content wins; a named one that is missing is an error
# that lists where it looked.
mkdir -p "$T/program/themes"
cp -R "$T/usr/share/peerkit/themes/default" "$T/program/themes/default"
sed -i 's|<body|<body data-local-theme|' "$T/program/themes/default/templates/base.mustache"
(cd "$T/program" && "$PS" build --out "$T/out3") >/dev/null 2>&1
expect_contains "themes/NAME next to the content comes first" "$T/out3/index.html" "data-local-theme"
rm -rf "$T/program/themes"
sed -i 's|^# theme: default|theme: harbour|' "$T/program/content/site.yml"
(cd "$T/program" && "$PS" check) >"$T/theme.log" 2>&1
expect_status "a missing named theme fails" 1 $?
expect_contains "the error lists where it looked (next to the content)" "$T/theme.log" "themes/harbour"
expect_contains "the error lists where it looked (installed)" "$T/theme.log" "share/peerkit/themes/harbour"
git -C "$T/program" checkout -q -- content

# --- serve: live rebuilds, errors shown, the last good site kept -------------
# Only serve loads libmicrohttpd (and GnuTLS with it): every other run starts
# without them.
if ldd "$PS" | grep -q 'microhttpd\|gnutls'; then
    fail "peersite starts without libmicrohttpd" "$(ldd "$PS" | grep 'microhttpd\|gnutls')"
else ok "peersite starts without libmicrohttpd"; fi
# start_serve ERR: serve in the background (SPID) with its terminal in ERR,
# and URL once its first build has ended, well or not (at most 10 s).
start_serve() {
    (cd "$T/program" && exec "$PS" serve --port 0) >/dev/null 2>"$1" &
    SPID=$!
    URL=
    for _ in $(seq 100); do
        URL=$(sed -n 's|.*on \(http://127.0.0.1:[0-9]*/\).*|\1|p' "$1" | head -1)
        [ -n "$URL" ] && grep -q "built in\|nothing to serve\|still serving" "$1" && break
        sleep 0.1
    done
}
start_serve "$T/serve.err"
if [ -n "$URL" ]; then ok "serve listens on 127.0.0.1"; else fail "serve listens on 127.0.0.1" "$(cat "$T/serve.err")"; fi
generation() { curl -s "${URL}__peersite/status" | jq -r .generation; }
# wait_for GEN: until the generation differs from GEN (at most 10 s).
wait_for() {
    for _ in $(seq 100); do [ "$(generation)" != "$1" ] && return 0; sleep 0.1; done
    return 1
}
curl -s "$URL" >"$T/home1.html"
expect_contains "serve shows the home page" "$T/home1.html" "A colleague who gets it"
expect_contains "pages load the live-reload script" "$T/home1.html" '<script src="/__peersite/live.js"></script>'
curl -s "${URL}__peersite/live.js" >"$T/live.js"
expect_contains "the live script reloads on a new build" "$T/live.js" "location.reload()"
expect_status "directories redirect to their slash" 301 "$(curl -s -o /dev/null -w '%{http_code}' "${URL}faq")"
expect_status "a missing page is a 404" 404 "$(curl -s -o /dev/null -w '%{http_code}' "${URL}no-such-page/")"
expect_status "serve takes no requests" 405 "$(curl -s -o /dev/null -w '%{http_code}' -d x=1 "${URL}request/")"

g=$(generation)
sed -i 's/A colleague who gets it/A colleague who understands/' "$T/program/content/pages/index.md"
wait_for "$g"
expect_status "an edit starts a rebuild" 0 $?
curl -s "$URL" >"$T/home2.html"
expect_contains "the rebuilt page shows the edit" "$T/home2.html" "A colleague who understands"
if [ "$(grep -c 'warning: missing' "$T/serve.err")" = 1 ] &&
    grep -q 'built in .* s (the same warnings as before)' "$T/serve.err"; then
    ok "the same warning is not printed again after every save"
else
    fail "the same warning is not printed again after every save" "$(cat "$T/serve.err")"
fi

g=$(generation)
printf -- '---\nquestion: [unclosed\ncategory: Getting support\n---\nText.\n' >"$T/program/content/faq/broken.md"
wait_for "$g"
curl -s "${URL}__peersite/status" >"$T/status-bad.json"
expect_contains "the error reaches the page's status" "$T/status-bad.json" "content/faq/broken.md:2"
expect_contains "and the terminal" "$T/serve.err" "content/faq/broken.md:2"
expect_not_contains "the page's list holds errors only (the key's warning stays on the terminal)" \
    "$T/status-bad.json" "warning:"
if [ "$(grep -c 'warning: missing' "$T/serve.err")" = 1 ]; then
    ok "nor is it printed again when a build fails"
else
    fail "nor is it printed again when a build fails" "expected it once, got: $(cat "$T/serve.err")"
fi
expect_contains "an unclosed bracket is reported where it starts" "$T/status-bad.json" \
    "content/faq/broken.md:2:11: YAML: the [ opened here is never closed: end the list with ]"
curl -s "$URL" >"$T/home3.html"
expect_contains "the last good site keeps being served" "$T/home3.html" "A colleague who understands"

g=$(generation)
rm "$T/program/content/faq/broken.md"
wait_for "$g"
curl -s "${URL}__peersite/status" >"$T/status-ok.json"
expect_contains "fixing the error clears it" "$T/status-ok.json" '"errors":null'
curl -s "$URL" >"$T/home4.html"
expect_contains "an edit not committed says so" "$T/home4.html" "Last reviewed: not yet committed"

# A commit changes the pages' dates without touching a file: serve notices.
g=$(generation)
git -C "$T/program" commit -qam "Warmer words"
wait_for "$g"
expect_status "a commit starts a rebuild" 0 $?
curl -s "$URL" >"$T/home5.html"
expect_not_contains "and the page no longer says it is not committed" "$T/home5.html" \
    "not yet committed"

# A folder made while serving is watched from the build after it: a save
# inside it rebuilds too.
g=$(generation)
mkdir "$T/program/content/notes"
wait_for "$g"
expect_status "a new folder starts a rebuild" 0 $?
g=$(generation)
echo "A note for the editors." >"$T/program/content/notes/todo.txt"
wait_for "$g"
expect_status "and a file saved in it starts another" 0 $?
rm -r "$T/program/content/notes"

servedir=$(ls -d /tmp/peersite-serve-* 2>/dev/null | wc -l)
kill -TERM "$SPID"
wait "$SPID"
expect_status "serve stops on SIGTERM" 0 $?
expect_status "serve removes its private directory" "$((servedir - 1))" "$(ls -d /tmp/peersite-serve-* 2>/dev/null | wc -l)"

# Content that has never built: nothing claims a last good build.
printf -- '---\nquestion: [unclosed\ncategory: Getting support\n---\nText.\n' >"$T/program/content/faq/broken.md"
printf -- '---\nquestion: Q?\ncategory: C\n"<b>&": x\n---\nText.\n' >"$T/program/content/faq/tagged.md"
start_serve "$T/serve2.err"
expect_contains "a first build that fails says nothing is served" "$T/serve2.err" \
    "2 errors; nothing to serve until the site builds"
curl -s "${URL}__peersite/status" >"$T/status-none.json"
expect_contains "and the page's status says there is no site yet" "$T/status-none.json" '"site":false'
expect_status "every page answers that nothing builds yet" 503 \
    "$(curl -s -o "$T/none.html" -w '%{http_code}' "${URL}faq/")"
expect_contains "with the errors in the page itself (scripts off, curl)" "$T/none.html" \
    "content/faq/broken.md:2:11: YAML: the [ opened here is never closed"
expect_contains "escaped" "$T/none.html" 'unknown key &quot;&lt;b&gt;&amp;&quot; in a FAQ entry'
expect_contains "wrapped to a phone's width" "$T/none.html" 'white-space: pre-wrap; overflow-wrap: anywhere'
expect_not_contains "never as markup" "$T/none.html" '"<b>&"'
expect_contains "a page that reloads itself once the site builds (scripts on)" \
    "$T/none.html" '<main id="peersite-no-site">'
kill -TERM "$SPID"
wait "$SPID"
rm "$T/program/content/faq/broken.md" "$T/program/content/faq/tagged.md"

# A folder that cannot be the content is said, and serve stops: it does not
# serve an error page until the editor notices.
timeout 10 "$PS" serve --content "$T/program" --port 0 >/dev/null 2>"$T/serve-up.err"
expect_status "serve given the repository for its content folder stops" 1 $?
expect_contains "and says which folder to give" "$T/serve-up.err" \
    "no site.yml here, but its content folder has one: give --content $T/program/content"
(cd "$T/program/content" && timeout 10 "$PS" serve --port 0) >/dev/null 2>"$T/serve-in.err"
expect_status "serve run from inside the content folder stops" 1 $?
expect_contains "and says to run it from the folder above" "$T/serve-in.err" \
    "it is the content folder itself; run peersite from the folder above it (cd ..)"

mkdir -p "$T/not-content"
timeout 10 "$PS" serve --content "$T/not-content" --port 0 >/dev/null 2>"$T/serve-none.err"
expect_status "serve given a folder without site.yml stops" 1 $?
expect_contains "and says it is not a content folder" "$T/serve-none.err" \
    "no site.yml here: this is not a program's content folder"

# --- publish from the installed peersite --------------------------------------
git -C "$T/program" checkout -q -- content
before=$(git -C "$T/program" status --porcelain --ignored)
(cd "$T/program" && "$PS" publish --branch published) >"$T/pub.log" 2>&1
expect_status "publish" 0 $?
after=$(git -C "$T/program" status --porcelain --ignored)
if [ "$before" = "$after" ]; then ok "publish leaves git status as it was"; else
    fail "publish leaves git status as it was" "before: $before" "after: $after"; fi
