#!/usr/bin/env bash
# End-to-end: peersite builds the fixture and the example content, output is
# deterministic and complete, broken content fails with path:line:column, hostile
# text is escaped, and a failed build leaves the previous site untouched.
. "$(dirname "$0")/lib.sh"
THEME=$ROOT/themes/default

cp -R "$FIXTURES/minimal" "$T/content"
out=$T/site
"$PEERSITE" build --content "$T/content" --theme "$THEME" --out "$out" >"$T/build.log" 2>&1
expect_status "build the minimal fixture" 0 $?
expect_contains "missing admin.pub is a warning" "$T/build.log" "keys/admin.pub: warning: missing"
expect_contains "saying what the request page does meanwhile" "$T/build.log" \
    "the request page says the site cannot take requests online yet and gives the program's contact details"
expect_contains "and the request page does say so" "$out/request/index.html" \
    "This site cannot take requests online yet."

# Run from inside content/ (no content/ there): the message says where to run it.
(cd "$T/content" && "$PEERSITE" check --theme "$THEME") >"$T/inside.log" 2>&1
expect_status "a check from inside content/ fails" 1 $?
expect_contains "and says it is inside the content folder, and what to run" "$T/inside.log" \
    "content: content directory not found: this folder holds site.yml, so it is the content folder itself; run peersite from the folder above it (cd ..), or give --content ."
mkdir -p "$T/empty"
(cd "$T/empty" && "$PEERSITE" check --theme "$THEME") >"$T/nowhere.log" 2>&1
expect_status "a check from a folder without content/ fails" 1 $?
expect_contains "and says to run it from the folder that holds it" "$T/nowhere.log" \
    "content: content directory not found (run peersite from the folder that holds it, or give one with --content)"
expect_not_contains "with no word about git for a folder that is not there" "$T/nowhere.log" \
    "not in a git repository"
for f in index.html about/index.html faq/index.html confidentiality/index.html \
         supporters/index.html supporters/ada-lovelace/index.html supporters/bob-baker/index.html \
         request/index.html search/index.html 404.html sitemap.xml request-schema.json \
         supporters.json search-index.json; do
    expect_exists "output has $f" "$out/$f"
done
expect_contains "FAQ question has its slug as id" "$out/faq/index.html" 'id="why-talk"'
expect_contains "FAQ has a table of contents" "$out/faq/index.html" 'href="#is-it-secret"'
expect_contains "crisis banner on every page, its number a tel: link" "$out/supporters/bob-baker/index.html" \
    'Call or <span class="phone-pair"><a class="sms" href="sms:988" aria-label="Text 988">text</a> <a class="tel" href="tel:988" aria-label="Call 988">988</a></span>.'
missing=
for page in "$out"/index.html "$out"/*/index.html "$out"/supporters/*/index.html "$out"/404.html; do
    grep -q 'href="tel:5550100"' "$page" && grep -q 'href="tel:988"' "$page" || missing="$missing $page"
done
if [ -z "$missing" ]; then ok "every page has the crisis and program numbers as tel: links"; else
    fail "every page has the crisis and program numbers as tel: links" "$missing"; fi
expect_contains "contact on every page" "$out/404.html" "peers@example.org"
expect_contains "not accepting is shown" "$out/supporters/bob-baker/index.html" "Not accepting requests"
expect_contains "accepting is shown" "$out/supporters/ada-lovelace/index.html" "Accepting requests"
expect_contains "filter data on cards" "$out/supporters/index.html" 'data-languages="english|french"'

# The language filter lists each language once, in order, however many:
# 40 between three supporters, some said by all three.
cp -R "$FIXTURES/minimal" "$T/langs"
langs=$(for i in $(seq 10 49); do printf 'L%s ' "$i"; done)
for who in 0 1 2; do
    list=$(for l in $langs; do case $((${l#L} % 3)) in "$who") printf '%s, ' "$l" ;; esac; done)
    printf -- '---\nname: Lang %s\nrole: faculty\ndepartment: D\nmodalities: [phone]\nlanguages: [%sShared, Also]\n---\nBio.\n' \
        "$who" "$list" >"$T/langs/supporters/lang-$who.md"
done
"$PEERSITE" build --content "$T/langs" --theme "$THEME" --out "$T/langs-site" >"$T/langs.log" 2>&1
expect_status "build supporters with 40 languages between them" 0 $?
got=$(sed -n '/id="filter-language"/,/<\/select>/p' "$T/langs-site/supporters/index.html" |
    grep -o '<option value="[^"]*">[^<]*' | sed 's/.*">//' | grep -v '^Any' | tr '\n' ' ')
want=$(printf '%s\n' $langs Shared Also English French | LC_ALL=C sort | tr '\n' ' ')
if [ "$got" = "$want" ]; then ok "the language filter lists each of the 44 once, in order"; else
    fail "the language filter lists each of the 44 once, in order" "expected: $want
got: $got"; fi
expect_contains "labels tied to inputs" "$out/request/index.html" '<label for="f-name">'
expect_contains "required fields marked" "$out/request/index.html" 'name="name" maxlength="200" required'
expect_contains "no-clinical-details warning" "$out/request/index.html" "do not include clinical details"
expect_contains "links are relative" "$out/faq/index.html" 'href="../supporters/ada-lovelace/"'
expect_contains "SRI on stylesheet" "$out/index.html" 'integrity="sha256-'
expect_contains "schema lists fields" "$out/request-schema.json" '"type": "checkboxes"'
expect_contains "schema carries kiosk idle" "$out/request-schema.json" '"kiosk_idle": 90'
expect_contains "sitemap has absolute URLs" "$out/sitemap.xml" "<loc>https://peers.example.org/faq/</loc>"
expect_contains "404 links are root-absolute" "$out/404.html" 'href="/faq/"'
if ls "$out"/assets/style.*.css >/dev/null 2>&1; then ok "assets carry a content hash"; else fail "assets carry a content hash" "no assets/style.HASH.css"; fi
if grep -rqE 'https?://[^"]*\.(js|css)' "$out"/*.html "$out"/*/index.html; then
    fail "no third-party assets" "$(grep -rhoE 'https?://[^"]*\.(js|css)' "$out" | head -3)"
else ok "no third-party assets"; fi
if grep -q '"bio"\|"path"\|"src"' "$out/supporters.json"; then
    fail "supporters.json has public fields only" "$(head -c 400 "$out/supporters.json")"
else ok "supporters.json has public fields only"; fi

# Deterministic: a second build is byte-identical.
"$PEERSITE" build --content "$T/content" --theme "$THEME" --out "$T/site2" >/dev/null 2>&1
if diff -r -x '.peersite-cache*' "$out" "$T/site2" >"$T/diff.log"; then ok "two builds are byte-identical"; else
    fail "two builds are byte-identical" "$(head -20 "$T/diff.log")"; fi

# check writes nothing and succeeds.
"$PEERSITE" check --content "$T/content" --theme "$THEME" >"$T/check.log" 2>&1
expect_status "check passes on valid content" 0 $?

# Hostile text never appears unescaped.
cat >"$T/content/faq/hostile.md" <<'MD'
---
question: "<script>alert('q')</script> and <img src=x onerror=alert(1)>"
category: "About <b>x</b>"
---
Body <script>alert('b')</script> <img src=x onerror=alert(2)> [x](javascript:alert(3))
MD
cat >"$T/content/supporters/zed.md" <<'MD'
---
name: "Zed \" onmouseover=\"alert(1)"
role: faculty
department: "<script>alert('d')</script>"
modalities: [phone]
---
<iframe src="https://evil.example/"></iframe>
MD
"$PEERSITE" build --content "$T/content" --theme "$THEME" --out "$out" >"$T/build2.log" 2>&1
expect_status "build with hostile text" 0 $?
if grep -rlE --include='*.html' "<script>alert|<img src=x|<iframe|href=\"javascript:|\" onmouseover=\"" "$out" >"$T/hostile.log"; then
    fail "hostile text is escaped everywhere" "found in: $(tr '\n' ' ' <"$T/hostile.log")"
else ok "hostile text is escaped everywhere"; fi
expect_contains "hostile question is shown escaped" "$out/faq/index.html" "&lt;script&gt;alert(&#39;q&#39;)&lt;/script&gt;"

# Broken content: every error as path:line:column, exit 1, old site untouched.
before=$(cd "$out" && find . -type f -exec sha256sum {} + | sort | sha256sum)
cat >"$T/content/faq/why-talk.md" <<'MD'
---
questoin: Why?
category: About
---
See [nobody](/supporters/nobody/) and [gone](/faq/#gone).
MD
cat >"$T/content/supporters/bob-baker.md" <<'MD'
---
name: Bob
role: chief
department: Medicine
modalities: [video, fax]
accepting: maybe
---
MD
cat >>"$T/content/request.yml" <<'YML'
  - id: colour
    label: Favourite colour
    type: colour
YML
"$PEERSITE" build --content "$T/content" --theme "$THEME" --out "$out" >"$T/bad.log" 2>&1
expect_status "broken content exits 1" 1 $?
C=$T/content
expect_contains "unknown key reported" "$T/bad.log" "$C/faq/why-talk.md:2:1: unknown key \"questoin\" in a FAQ entry (did you mean \"question\"?)"
expect_contains "missing key reported" "$T/bad.log" "$C/faq/why-talk.md:2:1: missing required key \"question\""
expect_contains "unknown role reported" "$T/bad.log" "$C/supporters/bob-baker.md:3:7: unknown role \"chief\""
expect_contains "unknown modality reported" "$T/bad.log" "$C/supporters/bob-baker.md:5:21: unknown modality \"fax\""
expect_contains "wrong type reported" "$T/bad.log" "$C/supporters/bob-baker.md:6:12: \"accepting\" must be true or false"
expect_contains "unknown field type reported" "$T/bad.log" "$C/request.yml:"
expect_contains "unknown field type message" "$T/bad.log" "field \"colour\": unknown type \"colour\""
expect_contains "error count" "$T/bad.log" "peersite: 6 errors"
after=$(cd "$out" && find . -type f -exec sha256sum {} + | sort | sha256sum)
if [ "$before" = "$after" ]; then ok "failed build leaves the site untouched"; else fail "failed build leaves the site untouched"; fi
if ls -a "$T" | grep -q '\.site\.tmp'; then fail "no temporary directory left behind" "$(ls -a "$T")"; else ok "no temporary directory left behind"; fi

# Broken links fail the build, naming the source file and the link.
cp -R "$FIXTURES/minimal" "$T/links"
cat >"$T/links/faq/why-talk.md" <<'MD'
---
question: Why?
category: About
---
Intro line.

See [nobody](/supporters/nobody/) and [gone](/faq/#gone).
MD
"$PEERSITE" check --content "$T/links" --theme "$THEME" >"$T/links.log" 2>&1
expect_status "broken links fail the check" 1 $?
expect_contains "broken page link named" "$T/links.log" "$T/links/faq/why-talk.md:7:5: broken link \"/supporters/nobody/\": no such page or file"
expect_contains "broken anchor named" "$T/links.log" "$T/links/faq/why-talk.md:7:39: broken link \"/faq/#gone\": no such #anchor on that page"

# One run reports every error: content errors and broken links together, with
# the page or anchor a typo meant; links to an entry left out for its own
# errors are not reported again.
cat >"$T/links/faq/why-talk.md" <<'MD'
---
question: Why?
category: About
---
See [the supporters](/supporter/) and [why](/faq/#why-tal).
MD
printf -- '---\nquestoin: Broken?\ncategory: About\n---\nText.\n' >"$T/links/faq/broken.md"
printf '\nSee [broken](/faq/#broken).\n' >>"$T/links/pages/about.md"
"$PEERSITE" check --content "$T/links" --theme "$THEME" >"$T/all.log" 2>&1
expect_status "content errors and broken links fail together" 1 $?
expect_contains "the content error is reported" "$T/all.log" "$T/links/faq/broken.md:2:1: unknown key \"questoin\""
expect_contains "a broken page link suggests the page meant" "$T/all.log" \
    "$T/links/faq/why-talk.md:5:5: broken link \"/supporter/\": no such page or file (did you mean \"/supporters/\"?)"
expect_contains "a broken anchor suggests the anchor meant" "$T/all.log" \
    "broken link \"/faq/#why-tal\": no such #anchor on that page (did you mean \"/faq/#why-talk\"?)"
expect_not_contains "a link to an entry left out is not reported again" "$T/all.log" "/faq/#broken"

# One mistake, one error: not a cascade against pages the editor never wrote.
cp -R "$T/links" "$T/once"
rm "$T/once/faq/broken.md"
sed -i 's|/supporter/|/supporters/|; s|#why-tal)|#why-talk)|' "$T/once/faq/why-talk.md"
sed -i 's|^base_url: .*|base_url: peersupport.example.org|' "$T/once/site.yml"
cp "$T/once/faq/why-talk.md" "$T/once/faq/Why_Talk.md"
first_supporter=$(ls "$T/once/supporters" | head -1)
printf '\nSee [them](/supporters/%s/).\n' "${first_supporter%.md}" >>"$T/once/pages/about.md"
printf -- '---\nname: [unclosed\n---\n' >"$T/once/supporters/$first_supporter"
# Columns count characters, as editors do: "é" is one, not two bytes.
printf '\nCaf\303\251 n\303\251e: see [x](/supporterz/).\n' >>"$T/once/pages/about.md"
# A field id and an option value given twice in the request form.
sed -i 's/{value: colleague, label: A colleague}/{value: self, label: A colleague}/' "$T/once/request.yml"
printf '  - id: name\n    label: Name again\n    type: text\n' >>"$T/once/request.yml"
"$PEERSITE" check --content "$T/once" --theme "$THEME" >"$T/once.log" 2>&1
expect_status "mistakes fail the check" 1 $?
expect_contains "a base_url without https:// is said once" "$T/once.log" "must start with https:// or http://"
expect_contains "a duplicate slug says what to do" "$T/once.log" "rename one of the two files"
expect_contains "an unreadable supporter is reported" "$T/once.log" "$first_supporter:2"

expect_not_contains "no broken link comes of the base_url" "$T/once.log" "peersupport.example.orgfaq"
expect_match "a link's column counts characters" "$T/once.log" 'about.md:[0-9]+:15: broken link "/supporterz/"'
expect_contains "a field id given twice is said" "$T/once.log" "field id \"name\" appears twice"
expect_contains "an option value given twice is said" "$T/once.log" "value \"self\" appears twice"
expect_not_contains "no id used twice comes of the duplicate slug, field or option" "$T/once.log" \
    "id used twice"
expect_not_contains "a link to the unreadable supporter's page is not called broken" "$T/once.log" \
    "/supporters/${first_supporter%.md}/\": no such page"

# A file meant for the site under another name, or in a folder, is not read:
# said, not silently dropped. A supporter's photos are not warned of.
cp -R "$FIXTURES/minimal" "$T/names"
q=$(ls "$T/names/faq" | head -1)
for n in Q1.MD q2.markdown q3.md.txt; do cp "$T/names/faq/$q" "$T/names/faq/$n"; done
mkdir -p "$T/names/faq/more" "$T/names/supporters/photos"
cp "$T/names/faq/$q" "$T/names/faq/more/q4.md"
printf 'x' >"$T/names/supporters/photos/a.jpg"
printf 'x' >"$T/names/supporters/b.jpg"
"$PEERSITE" check --content "$T/names" --theme "$THEME" >"$T/names.log" 2>&1
expect_status "unread files do not fail the check" 0 $?
expect_contains "a .MD file is named" "$T/names.log" "faq/Q1.MD: warning: not read: the name must end in \".md\""
expect_contains "a .markdown file is named" "$T/names.log" "faq/q2.markdown: warning: not read"
expect_contains "a .md.txt file is named" "$T/names.log" "faq/q3.md.txt: warning: not read"
expect_contains "a folder in faq/ is named" "$T/names.log" "faq/more/: warning: not read"
expect_not_contains "photos are not warned of" "$T/names.log" "jpg"
expect_not_contains "nor their folder" "$T/names.log" "photos/"
# A renamed faq/ would leave the FAQ page empty without a word: a folder of
# the content holding Markdown files that no page is made from is named.
mv "$T/names/faq" "$T/names/questions"
mkdir "$T/names/notes" && printf 'x\n' >"$T/names/notes/todo.txt"
"$PEERSITE" check --content "$T/names" --theme "$THEME" >"$T/renamed.log" 2>&1
expect_status "the links into the FAQ fail the check" 1 $?
expect_contains "and are named" "$T/renamed.log" 'broken link "/faq/#'
expect_contains "a folder of Markdown files not read is named" "$T/renamed.log" \
    "names/questions: warning: not read: pages are made from the Markdown files in faq/, supporters/ and pages/ only"
expect_contains "and the empty FAQ is said" "$T/renamed.log" "there is no faq/ folder, so the FAQ page has no questions"
expect_not_contains "a folder of other files is not" "$T/renamed.log" "notes"

# Pages are rendered on several threads: the output is the same byte for byte
# as a one-thread build, and so are the errors.
"$PEERSITE" build --content "$ROOT/content" --theme "$THEME" --out "$T/j1" --jobs 1 >/dev/null 2>&1
"$PEERSITE" build --content "$ROOT/content" --theme "$THEME" --out "$T/j4" --jobs 4 >/dev/null 2>&1
if diff -r -x '.peersite-cache*' "$T/j1" "$T/j4" >"$T/jdiff.log"; then ok "four threads build what one thread builds"; else
    fail "four threads build what one thread builds" "$(head -5 "$T/jdiff.log")"; fi
"$PEERSITE" check --content "$T/links" --theme "$THEME" --jobs 1 >"$T/e1.log" 2>&1
"$PEERSITE" check --content "$T/links" --theme "$THEME" --jobs 4 >"$T/e4.log" 2>&1
if diff "$T/e1.log" "$T/e4.log" >/dev/null; then ok "four threads report what one thread reports"; else
    fail "four threads report what one thread reports" "$(diff "$T/e1.log" "$T/e4.log" | head -5)"; fi

# Enough files for several parsing threads, some of them wrong.
cp -R "$FIXTURES/minimal" "$T/many"
for i in $(seq 300); do
    role=resident
    [ $((i % 97)) = 0 ] && role=chief
    printf -- '---\nname: Helper %03d\nrole: %s\ndepartment: Dept %d\nmodalities: [phone]\n---\nBio %d.\n' \
        "$i" "$role" "$((i % 7))" "$i" >"$T/many/supporters/helper-$i.md"
done
"$PEERSITE" check --content "$T/many" --theme "$THEME" --jobs 1 >"$T/m1.log" 2>&1
"$PEERSITE" check --content "$T/many" --theme "$THEME" --jobs 4 >"$T/m4.log" 2>&1
expect_contains "a wrong file among many is reported" "$T/m4.log" "helper-97.md:3:7: unknown role"
if diff "$T/m1.log" "$T/m4.log" >/dev/null; then ok "parsing on four threads reports what one thread reports"; else
    fail "parsing on four threads reports what one thread reports" "$(diff "$T/m1.log" "$T/m4.log" | head -5)"; fi
sed -i 's/^role: chief/role: resident/' "$T"/many/supporters/helper-*.md
"$PEERSITE" build --content "$T/many" --theme "$THEME" --out "$T/m1" --jobs 1 >/dev/null 2>&1
"$PEERSITE" build --content "$T/many" --theme "$THEME" --out "$T/m4" --jobs 4 >/dev/null 2>&1
if diff -r -x '.peersite-cache*' "$T/m1" "$T/m4" >/dev/null; then ok "300 supporters on four threads build what one thread builds"; else
    fail "300 supporters on four threads build what one thread builds" "$(diff -r -x '.peersite-cache*' "$T/m1" "$T/m4" | head -5)"; fi

# A program's own accent: its stylesheet follows the theme's on every page;
# one that fails WCAG AA is refused at the colour, naming it and its ratio.
cp -R "$FIXTURES/minimal" "$T/colors"
printf 'colors:\n  accent: "#7a1f5c"\n' >>"$T/colors/site.yml"
"$PEERSITE" build --content "$T/colors" --theme "$THEME" --out "$T/colors-site" >"$T/colors.log" 2>&1
expect_status "an accent with enough contrast builds" 0 $?
css=$(ls "$T/colors-site"/assets/site-colors.*.css 2>/dev/null | head -1)
expect_contains "  its stylesheet sets the accent in light mode" "$css" "--accent: #7a1f5c; --focus: #7a1f5c;"
expect_match "  and a lighter one in dark mode" "$css" 'prefers-color-scheme: dark\) \{'
expect_match "  every page links it after the theme's, with SRI" "$T/colors-site/faq/index.html" \
    '<link rel="stylesheet" href="\.\./assets/site-colors\.[0-9a-f]{10}\.css" integrity="sha256-'
expect_match "  and a fingerprinted favicon" "$T/colors-site/index.html" '<link rel="icon" href="assets/favicon\.[0-9a-f]{10}\.svg"'
cp -R "$FIXTURES/minimal" "$T/contrast"
printf 'colors:\n  accent: "#ffd700"\n' >>"$T/contrast/site.yml"
"$PEERSITE" check --content "$T/contrast" --theme "$THEME" >"$T/contrast.log" 2>&1
expect_status "an accent that fails WCAG AA is refused" 1 $?
expect_contains "  at the colour, with its contrast" "$T/contrast.log" \
    "$T/contrast/site.yml:15:11: colors.accent \"#ffd700\" has a contrast of 1.29:1 with the cards' background #f3f6f9 in light mode; WCAG AA needs at least 4.5:1 for text"

# Refuses to replace a directory that is not a site.
mkdir -p "$T/precious" && echo keep >"$T/precious/notes.txt"
"$PEERSITE" build --content "$T/content" --theme "$THEME" --out "$T/precious" >/dev/null 2>&1
"$PEERSITE" build --content "$FIXTURES/minimal" --theme "$THEME" --out "$T/precious" >"$T/precious.log" 2>&1
expect_status "refuses to replace a foreign directory" 1 $?
expect_exists "foreign directory kept" "$T/precious/notes.txt"

# Usage errors exit 2.
"$PEERSITE" build --bogus >/dev/null 2>&1
expect_status "unknown option is a usage error" 2 $?
"$PEERSITE" frobnicate >/dev/null 2>&1
expect_status "unknown command is a usage error" 2 $?

# The example content in the repository builds cleanly and passes the check.
"$PEERSITE" build --content "$ROOT/content" --theme "$THEME" --out "$T/example" >"$T/example.log" 2>&1
expect_status "example content builds" 0 $?
if grep -v "admin.pub: warning" "$T/example.log" | grep -q "warning"; then
    fail "example content builds without warnings" "$(cat "$T/example.log")"
else ok "example content builds without warnings"; fi

# make bench-site's floor (tests/helpers/write_tree) writes a built site
# again as it is, into a new directory only.
"$TEST_HELPERS/write_tree" "$T/example" "$T/example-copy" >"$T/write_tree.out" 2>&1
expect_status "write_tree writes a built site again" 0 $?
expect_match "write_tree prints the seconds it took" "$T/write_tree.out" '^[0-9]+\.[0-9]{3}$'
if diff -r "$T/example" "$T/example-copy" >"$T/write_tree.diff" 2>&1; then
    ok "write_tree's copy equals the site, byte for byte"
else fail "write_tree's copy equals the site, byte for byte" "$(head -5 "$T/write_tree.diff")"; fi
"$TEST_HELPERS/write_tree" "$T/example" "$T/example-copy" >/dev/null 2>&1
expect_status "write_tree refuses a directory that exists" 1 $?
