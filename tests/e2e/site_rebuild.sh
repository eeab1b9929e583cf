#!/usr/bin/env bash
# End-to-end: a build into an existing output reuses what did not change.
# After each kind of change (a supporter, an FAQ answer, a template, the
# settings, a supporter added, one deleted, one who stops accepting) the
# rebuilt site equals a cold build of the same content byte for byte; only
# the files whose bytes differ are rewritten; a rebuild that fails leaves the
# site as it was; a damaged record is ignored. (The kiosk never serving the
# record: tests/unit/common; publish never carrying it: site_git.sh.)
. "$(dirname "$0")/lib.sh"

cp -R "$ROOT/content" "$T/content"
cp -R "$ROOT/themes/default" "$T/theme"
C=$T/content
A=$T/site
# Files changed within 20 ms of a build are read again by the next one
# (within 2 s where the file system keeps whole seconds).
touch "$T/probe"
case $(stat -c %y "$T/probe") in
*.000000000*) settle() { sleep 2.1; } ;;
*) settle() { sleep 0.05; } ;;
esac
settle

build() { "$PEERSITE" build --content "$C" --theme "$T/theme" --out "$@"; }

# snapshot DIR: every file with its inode and modification time (the record
# left aside, as it is rewritten by every build).
snapshot() {
    (cd "$1" && find . -type f ! -name '.peersite-cache*' -printf '%p %i %T@\n' | sort)
}

# renamed_rebuild NAME LOG: the last build in place, then a rebuild, with
# --timings into LOG, after Amara Okafor is renamed NAME.
renamed_rebuild() {
    settle
    build "$A" >/dev/null 2>&1
    sed -i "s/^name: .*/name: $1/" "$C/supporters/amara-okafor.md"
    settle
    build "$A" --timings >"$2" 2>&1
}

# same_as_cold NAME: a cold build of the content now equals the rebuilt site.
n=0
same_as_cold() {
    n=$((n + 1))
    build "$T/cold$n" >"$T/cold$n.log" 2>&1
    if diff -r -x '.peersite-cache*' "$A" "$T/cold$n" >"$T/diff$n" 2>&1; then ok "$1"; else
        fail "$1" "expected the rebuilt site to equal a cold build; differences:" \
            "$(head -c 1500 "$T/diff$n")"
    fi
}

build "$A" >"$T/first.log" 2>&1
expect_status "first build" 0 $?
expect_exists "the build leaves its record in the site" "$A/.peersite-cache"

snapshot "$A" >"$T/before"
settle
build "$A" >"$T/noop.log" 2>&1
expect_status "rebuild with nothing changed" 0 $?
snapshot "$A" >"$T/after"
if cmp -s "$T/before" "$T/after"; then ok "nothing changed: no file rewritten"; else
    fail "nothing changed: no file rewritten" "$(diff "$T/before" "$T/after" | head -10)"
fi
expect_contains "the rebuild says it reused the last build" "$T/noop.log" "0 files changed"
build "$A" --timings >"$T/timings.log" 2>&1
expect_match "--timings gives each stage and the total" "$T/timings.log" \
    'timings: date pass [0-9.]+ s, content [0-9.]+ s, pages [0-9.]+ s, search index [0-9.]+ s, link check [0-9.]+ s, swap [0-9.]+ s, free [0-9.]+ s, total [0-9.]+ s'

# A supporter's bio: their page, the directory, supporters.json and the
# search index change; the home page and another supporter's page do not.
sed -i 's/simply listened/simply listened, and stayed/' "$C/supporters/amara-okafor.md"
snapshot "$A" >"$T/before"
build "$A" >"$T/edit.log" 2>&1
expect_status "rebuild after a supporter's edit" 0 $?
snapshot "$A" >"$T/after"
changed=$(diff "$T/before" "$T/after" | sed -n 's/^> \.\/\([^ ]*\) .*/\1/p' | sort | tr '\n' ' ')
case " $changed " in
*" supporters/amara-okafor/index.html "*) ok "the edited supporter's page is rewritten" ;;
*) fail "the edited supporter's page is rewritten" "rewritten: $changed" ;;
esac
case " $changed " in
*" index.html "* | *" supporters/daniel-reyes/index.html "* | *" faq/index.html "*)
    fail "pages the edit does not touch are not rewritten" "rewritten: $changed" ;;
*) ok "pages the edit does not touch are not rewritten" ;;
esac
expect_contains "the new words are on the page" "$A/supporters/amara-okafor/index.html" \
    "simply listened, and stayed"
same_as_cold "after a supporter's edit, the rebuilt site equals a cold build"

sed -i 's/Nothing is billed to/Nothing at all is billed to/' "$C/faq/cost.md"
build "$A" >"$T/faq.log" 2>&1
expect_status "rebuild after an FAQ answer's edit" 0 $?
expect_contains "the FAQ shows the new answer" "$A/faq/index.html" "Nothing at all is billed to"
same_as_cold "after an FAQ edit, the rebuilt site equals a cold build"

sed -i 's/^accepting: .*//' "$C/supporters/grace-kim.md"
printf 'accepting: false\n' >"$T/acc" && sed -i "2r $T/acc" "$C/supporters/grace-kim.md"
build "$A" --timings >"$T/acc.log" 2>&1
expect_status "rebuild after a supporter stops accepting" 0 $?
expect_contains "the directory is made whole (its order changed)" "$T/acc.log" "in place: 1 of"
same_as_cold "after a supporter stops accepting (the directory's order), it equals a cold build"

sed -i 's|<dt>Role</dt>|<dt>Their role</dt>|' "$T/theme/partials/supporter-card.mustache"
build "$A" >"$T/tmpl.log" 2>&1
expect_status "rebuild after a template change" 0 $?
expect_contains "the directory uses the new template" "$A/supporters/index.html" "<dt>Their role</dt>"
same_as_cold "after a template change, the rebuilt site equals a cold build"

sed -i 's/^name: .*/name: Northbridge Clinician Peer Support (renamed)/' "$C/site.yml"
build "$A" >"$T/settings.log" 2>&1
expect_status "rebuild after a settings change" 0 $?
same_as_cold "after a settings change, the rebuilt site equals a cold build"

rm "$C/supporters/tomas-novak.md"
build "$A" >"$T/del.log" 2>&1
expect_status "rebuild after a supporter's file is deleted" 0 $?
expect_missing "the deleted supporter's page is gone" "$A/supporters/tomas-novak/index.html"
same_as_cold "after a deletion, the rebuilt site equals a cold build"

cp "$C/supporters/omar-haddad.md" "$C/supporters/new-person.md"
sed -i 's/^name: .*/name: New Person/' "$C/supporters/new-person.md"
build "$A" >"$T/add.log" 2>&1
expect_status "rebuild after a supporter is added" 0 $?
expect_exists "the new supporter has a page" "$A/supporters/new-person/index.html"
same_as_cold "after an addition, the rebuilt site equals a cold build"

# The search index is patched in place (search.h) while each page made
# again brings as many documents as before, and made whole otherwise: a bio
# that gains a section (one document more), a rename that moves a supporter
# in the pages' order, edits one after another (a patch of a patch), and a
# saved index that does not read back whole. Each time, the site equals a
# cold build.
printf '\n## Why I volunteer\n\nBecause someone listened to me once.\n' >>"$C/supporters/grace-kim.md"
settle
build "$A" >"$T/sec.log" 2>&1
expect_status "rebuild after a bio gains a section" 0 $?
expect_contains "the section is on the page" "$A/supporters/grace-kim/index.html" "Why I volunteer"
same_as_cold "after a bio gains a section (a search document more), it equals a cold build"
sed -i 's/^name: Daniel Reyes/name: Zachary Reyes/' "$C/supporters/daniel-reyes.md"
settle
build "$A" --timings >"$T/ren.log" 2>&1
expect_status "rebuild after a rename that reorders the supporters" 0 $?
expect_contains "a rename that reorders: the directory and supporters.json are made whole" \
    "$T/ren.log" "in place: 0 of"
same_as_cold "after a rename that reorders the supporters, it equals a cold build"
sed -i "s/simply listened/simply and truly listened/" "$C/supporters/amara-okafor.md"
for word in quietly gently kindly; do
    sed -i "s/simply and [a-z]* listened/simply and $word listened/" "$C/supporters/amara-okafor.md"
    settle
    build "$A" >"$T/again.log" 2>&1
    expect_contains "rebuild after edit '$word' reuses the last build" "$T/again.log" \
        "changed since the last build"
done
same_as_cold "after edits one after another, it equals a cold build"
build "$A" >/dev/null 2>&1
expect_exists "the record keeps the search index in a file of its own" "$A/.peersite-cache.search"
python3 - "$A/.peersite-cache.search" <<'PY'
import sys
path = sys.argv[1]
data = bytearray(open(path, 'rb').read())
data[40] ^= 0x55  # its checksum, in the record's index, no longer matches
open(path, 'wb').write(data)
PY
sed -i 's/simply and kindly listened/simply, warmly listened/' "$C/supporters/amara-okafor.md"
settle
build "$A" >"$T/sxrot.log" 2>&1
expect_status "a record with a damaged saved search index: the build still succeeds" 0 $?
cat "$A"/search-index/d-*.json >"$T/chunks"
expect_contains "the edit is searchable" "$T/chunks" "simply, warmly listened"
same_as_cold "after a damaged saved search index, it equals a cold build"

# A search index that needs fewer parts leaves none behind: a long bio puts
# the documents in chunks of fewer each (search.c sizes them by the average
# document), so the index takes a second part; cut short again, one part
# holds them all, and the rebuild that would leave the second in the site
# builds afresh. (The set of content files and the key stay the same.)
cp "$C/supporters/priya-raman.md" "$T/priya.saved"
printf '\n%s\n' "$(printf 'I listen first and talk later. %.0s' $(seq 700))" \
    >>"$C/supporters/priya-raman.md"
settle
build "$A" >/dev/null 2>&1
expect_exists "a long bio: the search index takes a second part" "$A/search-index/d-1.json"
cp "$T/priya.saved" "$C/supporters/priya-raman.md"
settle
build "$A" >"$T/parts.log" 2>&1
expect_status "rebuild after the bio is cut short" 0 $?
expect_missing "the part no longer needed is gone from the site" "$A/search-index/d-1.json"
same_as_cold "after the index needs fewer parts, it equals a cold build"

# A rebuild that fails changes nothing.
settle
build "$A" >/dev/null 2>&1
(cd "$A" && find . -type f -exec sha256sum {} + | sort) >"$T/sums.before"
sed -i 's/^name: .*/name: [unclosed/' "$C/supporters/daniel-reyes.md"
build "$A" >"$T/bad.log" 2>&1
st=$?
if [ "$st" -ne 0 ]; then ok "a rebuild with a content error fails"; else
    fail "a rebuild with a content error fails" "exit status 0"; fi
(cd "$A" && find . -type f -exec sha256sum {} + | sort) >"$T/sums.after"
if cmp -s "$T/sums.before" "$T/sums.after"; then ok "a failed rebuild leaves the site as it was"; else
    fail "a failed rebuild leaves the site as it was" "$(diff "$T/sums.before" "$T/sums.after" | head)"
fi
expect_contains "the error names the file" "$T/bad.log" "supporters/daniel-reyes.md:"

# A rebuild that fails only at the link check, once its changed pages are
# written aside, changes nothing either, and leaves nothing beside the site.
cp "$ROOT/content/supporters/daniel-reyes.md" "$C/supporters/daniel-reyes.md"
settle
build "$A" >/dev/null 2>&1
(cd "$A" && find . -type f -exec sha256sum {} + | sort) >"$T/sums.before"
printf '\nSee [the old page](../no-such-page/).\n' >>"$C/supporters/daniel-reyes.md"
settle
build "$A" >"$T/badlink.log" 2>&1
st=$?
if [ "$st" -ne 0 ]; then ok "a rebuild with a broken link fails"; else
    fail "a rebuild with a broken link fails" "exit status 0"; fi
expect_contains "it names the link" "$T/badlink.log" "no-such-page"
(cd "$A" && find . -type f -exec sha256sum {} + | sort) >"$T/sums.after"
if cmp -s "$T/sums.before" "$T/sums.after"; then ok "a rebuild failing at the link check leaves the site as it was"; else
    fail "a rebuild failing at the link check leaves the site as it was" \
        "$(diff "$T/sums.before" "$T/sums.after" | head)"
fi
left=$(find "$T" "$A" -maxdepth 1 -name '.site.tmp-*' -o -maxdepth 1 -name '.peersite-cache.staging-*')
if [ -z "$left" ]; then ok "and nothing is left in or beside the site"; else
    fail "and nothing is left in or beside the site" "expected no staging directory, got: $left"; fi
cp "$ROOT/content/supporters/daniel-reyes.md" "$C/supporters/daniel-reyes.md"

# A link given as --out is followed: the site is built where it points (on
# another file system here when /dev/shm is one), in place or afresh, and
# the link stays a link; "--out ." rebuilds in place too.
L=$(mktemp -d /dev/shm/peerkit-link.XXXXXX 2>/dev/null || mktemp -d "$T/link.XXXXXX")
build "$L/live" >/dev/null 2>&1
ln -s "$L/live" "$T/linked"
build "$T/linked" >"$T/link1.log" 2>&1
expect_status "a build through a link" 0 $?
settle
sed -i 's/^name: .*/name: Daniel Reyes-Linked/' "$C/supporters/daniel-reyes.md"
settle
build "$T/linked" >"$T/link2.log" 2>&1
expect_contains "a rebuild through a link is in place" "$T/link2.log" "changed since the last build"
if [ -L "$T/linked" ]; then ok "the link stays a link"; else fail "the link stays a link" "got: $(stat -c %F "$T/linked")"; fi
expect_contains "the site it points to has the edit" "$L/live/supporters/daniel-reyes/index.html" "Reyes-Linked"
settle
sed -i 's/^name: .*/name: Daniel Reyes-Dot/' "$C/supporters/daniel-reyes.md"
settle
(cd "$L/live" && "$PEERSITE" build --content "$C" --theme "$T/theme" --out .) >"$T/dot.log" 2>&1
expect_contains "--out . rebuilds in place" "$T/dot.log" "changed since the last build"
expect_contains "with the edit" "$L/live/supporters/daniel-reyes/index.html" "Reyes-Dot"
cp "$C/site.yml" "$T/site.yml.saved"
sed -i 's/^name: .*/name: Dot Program/' "$C/site.yml"
(cd "$L/live" && "$PEERSITE" build --content "$C" --theme "$T/theme" --out .) >"$T/dot2.log" 2>&1
expect_status "--out . builds afresh too (the settings changed)" 0 $?
expect_contains "with the new settings" "$L/live/index.html" "Dot Program"
cp "$T/site.yml.saved" "$C/site.yml"
left=$(find "$L" "$L/live" -maxdepth 1 -name '.*tmp-*' -o -maxdepth 1 -name '.peersite-cache.staging-*')
if [ -z "$left" ]; then ok "and leaves nothing in or beside it"; else
    fail "and leaves nothing in or beside it" "got: $left"; fi
rm -rf "$L" "$T/linked"
cp "$ROOT/content/supporters/daniel-reyes.md" "$C/supporters/daniel-reyes.md"

# What a killed build left beside the site goes with the next build; a
# directory that only looks alike stays.
mkdir -p "$T/.site.tmp-Ab12Cd/faq" "$T/.site.tmp-notours" "$T/.other.tmp-Ab12Cd" \
    "$A/.peersite-cache.staging-Xy34Zw"
echo stale >"$T/.site.tmp-Ab12Cd/faq/index.html"
echo stale >"$A/.peersite-cache.staging-Xy34Zw/0"
settle
build "$A" >"$T/stale.log" 2>&1
expect_status "a build beside a killed build's leftovers" 0 $?
expect_missing "the killed full build's directory is removed" "$T/.site.tmp-Ab12Cd"
expect_missing "the killed rebuild's staging directory is removed" "$A/.peersite-cache.staging-Xy34Zw"
if [ -d "$T/.site.tmp-notours" ] && [ -d "$T/.other.tmp-Ab12Cd" ]; then
    ok "directories of other names stay"
else
    fail "directories of other names stay" "expected .site.tmp-notours and .other.tmp-Ab12Cd, got: $(ls -a "$T")"
fi

# A record that does not read back whole is ignored: the build starts afresh.
sed -i 's/^name: \[unclosed/name: Daniel Reyes/' "$C/supporters/daniel-reyes.md"
build "$A" >/dev/null 2>&1
head -c 100 "$A/.peersite-cache" >"$T/cut" && cp "$T/cut" "$A/.peersite-cache"
build "$A" >"$T/cut.log" 2>&1
expect_status "a cut record is ignored" 0 $?
expect_not_contains "and the build is not called a reuse" "$T/cut.log" "changed since"
same_as_cold "after a cut record, the site equals a cold build"

# A photo taken down: its asset must not stay behind in the site.
printf '\211PNG\r\n\032\nnot a real image past its signature' >"$C/supporters/grace.png"
sed -i 's/^name: Grace.*/&\nphoto: grace.png/' "$C/supporters/grace-kim.md"
settle
build "$A" >/dev/null 2>&1
settle
sed -i '/^photo:/d' "$C/supporters/grace-kim.md"
rm "$C/supporters/grace.png"
settle
build "$A" >"$T/photo.log" 2>&1
expect_status "rebuild after a photo is taken down" 0 $?
if ls "$A"/assets | grep -q '^grace\.'; then
    fail "the photo taken down is gone from the site" "$(ls "$A/assets")"
else ok "the photo taken down is gone from the site"; fi
same_as_cold "after a photo is taken down, it equals a cold build"
# A supporter with a photo is read again by every build (its photo is
# copied each time); the directory and supporters.json are still spliced.
printf '\211PNG\r\n\032\nnot a real image past its signature' >"$C/supporters/grace.png"
sed -i 's/^name: Grace.*/&\nphoto: grace.png/' "$C/supporters/grace-kim.md"
renamed_rebuild "Amara Okafor-Photo" "$T/photo2.log"
expect_contains "beside a supporter with a photo, both files are still spliced" "$T/photo2.log" \
    "in place: 2 of"
same_as_cold "beside a supporter with a photo, it equals a cold build"
sed -i '/^photo:/d' "$C/supporters/grace-kim.md"
rm "$C/supporters/grace.png"
sed -i 's/^name: .*/name: Amara Okafor/' "$C/supporters/amara-okafor.md"

# A settings file reached through a symbolic link is followed, as it is read.
mkdir -p "$T/elsewhere"
mv "$C/site.yml" "$T/elsewhere/site.yml"
ln -s "$T/elsewhere/site.yml" "$C/site.yml"
settle
build "$A" >/dev/null 2>&1
settle
sed -i 's/^name: .*/name: Harbor Peer Support (through a link)/' "$T/elsewhere/site.yml"
settle
build "$A" >/dev/null 2>&1
expect_contains "an edit behind a link is seen" "$A/index.html" "(through a link)"
same_as_cold "after an edit behind a link, it equals a cold build"

# A damaged record (a supporter's values emptied) is not trusted, and does
# not crash the build.
build "$A" >/dev/null 2>&1
python3 - "$A/.peersite-cache.data" <<'PY'
import sys
p = sys.argv[1]
d = bytearray(open(p, 'rb').read())
d[38:42] = b'\0\0\0\0'  # the first blob: a supporter's values, now none
open(p, 'wb').write(bytes(d))
PY
sed -i 's/simply listened, and stayed/simply listened, and stayed on/' "$C/supporters/amara-okafor.md"
settle
build "$A" >"$T/damaged.log" 2>&1
expect_status "a record with damaged values: the build still succeeds" 0 $?
same_as_cold "after a damaged record, it equals a cold build"

# damage FILE OLD NEW: every OLD in FILE becomes NEW, as long (bytes, with
# \0 for NUL): the record still reads back in bounds.
damage() {
    python3 - "$@" <<'PY'
import sys
path, old, new = sys.argv[1], sys.argv[2].replace('\\0', '\0').encode(), sys.argv[3].replace('\\0', '\0').encode()
data = open(path, 'rb').read()
assert len(old) == len(new) and old in data, (path, old)
open(path, 'wb').write(data.replace(old, new))
PY
}

# Damage inside the data (a name changed in every card, entry and search
# text that holds it; the record still reads back in bounds) is caught where
# the text is used: the file is read again, or the rebuild starts afresh,
# rather than publish the damaged text. (The damaged bytes may stay in the
# record's data, where nothing points at them any more.)
build "$A" >/dev/null 2>&1
damage "$A/.peersite-cache.data" 'Daniel Reyes' 'Daniel Reyez'
sed -i 's/simply listened, and stayed on/simply listened, and stayed on./' "$C/supporters/amara-okafor.md"
settle
build "$A" >"$T/bitrot.log" 2>&1
expect_status "a record with damaged text: the build still succeeds" 0 $?
if grep -rq --exclude='.peersite-cache*' 'Daniel Reyez' "$A"; then
    fail "the damaged text is not in the site" \
        "$(grep -rl --exclude='.peersite-cache*' 'Daniel Reyez' "$A" | head -5)"
else ok "the damaged text is not in the site"; fi
same_as_cold "after damaged text in the record, it equals a cold build"

# Damage in one text alone, each kind where a rebuild reads it (the values
# read back whole, so the file is not read again): the rebuild that finds
# it starts afresh. damaged_alone NAME OLD NEW FILE MARK: OLD (in that text
# only) made NEW in the record, then FILE edited; MARK (in NEW) must not reach
# the site.
damaged_alone() {
    build "$A" >/dev/null 2>&1
    damage "$A/.peersite-cache.data" "$2" "$3"
    if [ -n "${6:-}" ]; then sed -i "$6" "$C/$4"; else echo "<!-- $1 -->" >>"$C/$4"; fi
    settle
    build "$A" >"$T/rot.log" 2>&1
    expect_status "a record with a damaged $1: the build still succeeds" 0 $?
    if grep -rqF --exclude='.peersite-cache*' "$5" "$A"; then
        fail "the damaged $1 is not in the site" "$(grep -rlF --exclude='.peersite-cache*' "$5" "$A")"
    else ok "the damaged $1 is not in the site"; fi
    if grep -q "changed since the last build" "$T/rot.log"; then
        fail "the damaged $1 makes the build start afresh" "$(cat "$T/rot.log")"
    else ok "the damaged $1 makes the build start afresh"; fi
    same_as_cold "after a damaged $1, it equals a cold build"
}
# A card and an entry are read from the record when the directory and
# supporters.json are made whole: here a renamed supporter moves in the
# order. (Spliced, they stay in the files as they are: below.)
damaged_alone card '>Daniel Reyes, MD, MPH</a>' '>Daniel Reyez, MD, MPH</a>' \
    supporters/amara-okafor.md 'Reyez' 's/^name: .*/name: Zora Okafor/'
damaged_alone "supporters.json entry" '"slug": "daniel-reyes"' '"slug": "daniel-reyez"' \
    supporters/amara-okafor.md 'daniel-reyez' 's/^name: .*/name: Abigail Okafor/'
sed -i 's/^name: .*/name: Amara Okafor/' "$C/supporters/amara-okafor.md"
damaged_alone "search text" 'Daniel Reyes, MD, MPH\0supporters/' 'Daniel Reyez, MD, MPH\0supporters/' \
    supporters/amara-okafor.md 'Reyez'
damaged_alone "FAQ answer" '<p>A confidential conversation' '<p>A confidential convers4tion' \
    faq/cost.md 'convers4tion'

# In place, while the supporters keep their order, the directory and
# supporters.json are the last build's files with the changed supporters'
# cards and entries put in (--timings counts the files made so); a card and
# an entry that come out the same leave both files as they are.
renamed_rebuild "Amara Okafor-Reyes" "$T/splice.log"
expect_contains "a rename that keeps the order: both files are spliced" "$T/splice.log" \
    "in place: 2 of"
expect_contains "the directory has the new name" "$A/supporters/index.html" "Amara Okafor-Reyes"
same_as_cold "after a spliced rename, it equals a cold build"
stat -c '%i %Y' "$A/supporters/index.html" "$A/supporters.json" >"$T/lists.before"
sed -i 's/do the same for you\./do the same for you, whenever you need it./' \
    "$C/supporters/amara-okafor.md"
settle
build "$A" --timings >"$T/tail.log" 2>&1
expect_contains "the end of a bio (not on the card) is on the page" \
    "$A/supporters/amara-okafor/index.html" "whenever you need it"
stat -c '%i %Y' "$A/supporters/index.html" "$A/supporters.json" >"$T/lists.after"
if cmp -s "$T/lists.before" "$T/lists.after" && grep -q "in place: 0 of" "$T/tail.log"; then
    ok "a card and an entry that come out the same: neither file is rewritten"
else
    fail "a card and an entry that come out the same: neither file is rewritten" \
        "$(diff "$T/lists.before" "$T/lists.after"; grep timings "$T/tail.log")"
fi
same_as_cold "after an edit off the card, it equals a cold build"

# A kept card damaged in the record is not read while the directory is
# spliced: the page keeps the card it has, and the damage is found by the
# build that reads it (above).
damage "$A/.peersite-cache.data" '>Daniel Reyes, MD, MPH</a>' '>Daniel Reyez, MD, MPH</a>'
sed -i 's/^name: .*/name: Amara Okafor/' "$C/supporters/amara-okafor.md"
settle
build "$A" --timings >"$T/keptrot.log" 2>&1
expect_contains "a damaged kept card: the rebuild is still spliced" "$T/keptrot.log" "in place: 2 of"
if grep -rq --exclude='.peersite-cache*' 'Reyez' "$A"; then
    fail "the damaged kept card is not in the site" "$(grep -rl --exclude='.peersite-cache*' 'Reyez' "$A")"
else ok "the damaged kept card is not in the site"; fi
same_as_cold "after a spliced rebuild beside a damaged kept card, it equals a cold build"

# A directory that is not as the last build left it is made whole again.
# (Afresh first: the damaged card above is still in the record.)
rm -rf "$A"
build "$A" >/dev/null 2>&1
echo '<!-- stray -->' >>"$A/supporters/index.html"
sed -i 's/^name: .*/name: Amara Okafor-Reyes/' "$C/supporters/amara-okafor.md"
settle
build "$A" --timings >"$T/stray.log" 2>&1
expect_contains "a directory changed by hand is not spliced (supporters.json is)" "$T/stray.log" \
    "in place: 1 of"
same_as_cold "after a directory changed by hand, it equals a cold build"

# The same with a hand edit of the same length that moves where the entries
# start: the text the changed entry replaces is not its old one, so
# supporters.json is made whole, and stays valid JSON.
settle
build "$A" >/dev/null 2>&1
sed -i 's/"name": "Daniel Reyes"/"name": "Daniel Reye"/; s/"name": "Jordan Blake"/"name": "Jordan Blakee"/' \
    "$A/supporters.json"
sed -i 's/^name: Grace Kim$/name: Grace Kimm/' "$C/supporters/grace-kim.md"
settle
build "$A" --timings >"$T/shift.log" 2>&1
expect_contains "an entry moved by a hand edit of the same length: supporters.json is made whole" \
    "$T/shift.log" "in place: 1 of"
if python3 -m json.tool "$A/supporters.json" >/dev/null 2>&1; then ok "and it is valid JSON"; else
    fail "and it is valid JSON" "$(python3 -m json.tool "$A/supporters.json" 2>&1 | tail -1)"; fi
same_as_cold "after a hand edit that moves an entry, it equals a cold build"
sed -i 's/^name: Grace Kimm$/name: Grace Kim/' "$C/supporters/grace-kim.md"

# A theme whose cards carry ids: the directory is made whole (its ids are
# found again), supporters.json is still spliced.
cp -R "$T/theme" "$T/theme-ids"
sed -i 's/<li class="supporter/<li id="card-{{slug}}" class="supporter/' \
    "$T/theme-ids/partials/supporter-card.mustache"
settle
"$PEERSITE" build --content "$C" --theme "$T/theme-ids" --out "$T/ids" >/dev/null 2>&1
sed -i 's/^name: .*/name: Amara Okafor/' "$C/supporters/amara-okafor.md"
settle
"$PEERSITE" build --content "$C" --theme "$T/theme-ids" --out "$T/ids" --timings >"$T/ids.log" 2>&1
expect_contains "cards with ids: the directory is made whole" "$T/ids.log" "in place: 1 of"
expect_contains "with its ids" "$T/ids/supporters/index.html" 'id="card-amara-okafor"'
"$PEERSITE" build --content "$C" --theme "$T/theme-ids" --out "$T/ids-cold" >/dev/null 2>&1
if diff -r -x '.peersite-cache*' "$T/ids" "$T/ids-cold" >"$T/ids.diff" 2>&1; then
    ok "with cards that carry ids, it equals a cold build"
else
    fail "with cards that carry ids, it equals a cold build" "$(head -c 1500 "$T/ids.diff")"
fi

# Damage in the index (an anchor of the kept FAQ page, the rest in bounds)
# is caught too: a link to that anchor is not called broken.
build "$A" >/dev/null 2>&1
damage "$A/.peersite-cache" 'faq/index.html#cost\0' 'faq/index.html#cosu\0'
sed -i 's/simply listened, and stayed on\./simply listened, and stayed on ([free](\/faq\/#cost))./' \
    "$C/supporters/amara-okafor.md"
settle
build "$A" >"$T/idrot.log" 2>&1
expect_status "a record with a damaged index: the build still succeeds" 0 $?
same_as_cold "after a damaged index, it equals a cold build"

# The site's own files are the site's: a directory where a file goes, or a
# link where a directory goes, stops an in-place rebuild before anything
# is replaced (nothing is written through the link).
settle
build "$A" >/dev/null 2>&1
cp "$A/faq/index.html" "$T/faq.before"
mv "$A/faq" "$T/faq-real"
mkdir -p "$T/outside"
ln -s "$T/outside" "$A/faq"
sed -i 's/Nothing at all is billed to/Nothing at all, ever, is billed to/' "$C/faq/cost.md"
settle
build "$A" >"$T/link.log" 2>&1
expect_status "a link inside the site stops the rebuild" 1 $?
expect_contains "it names the link" "$T/link.log" "not a directory of the site"
expect_missing "nothing is written through the link" "$T/outside/index.html"
rm "$A/faq"
mv "$T/faq-real" "$A/faq"
if cmp -s "$A/faq/index.html" "$T/faq.before"; then ok "and nothing of the site was replaced"; else
    fail "and nothing of the site was replaced" "faq/index.html changed"; fi
build "$A" >/dev/null 2>&1
same_as_cold "once the link is gone, the rebuild equals a cold build"

# In a git repository (dates on every page): an edit to a committed file
# dates that file "not yet committed" and marks the tree dirty, which every
# page's footer says, so the first edit builds afresh; the next edits to
# other files reuse the last build, and equal a cold build.
git_identity
G=$T/repo
mkdir -p "$G"
cp -R "$ROOT/content" "$G/content"
git -C "$G" init -q && git -C "$G" add -A && git -C "$G" commit -qm "content"
settle
gbuild() { (cd "$G" && "$PEERSITE" build --theme "$T/theme" --out "$T/gsite" "$@"); }
gbuild >/dev/null 2>&1
sed -i 's/simply listened/simply listened, and stayed/' "$G/content/supporters/amara-okafor.md"
gbuild >"$T/g1.log" 2>&1
settle
sed -i 's/^pronouns: .*/pronouns: they\/them/' "$G/content/supporters/daniel-reyes.md"
gbuild >"$T/g2.log" 2>&1
expect_status "in git: a rebuild after a second edit" 0 $?
expect_contains "in git: the second edit reuses the last build" "$T/g2.log" "changed since the last build"
# (SOURCE_DATE_EPOCH, set for the tests, dates uncommitted files.)
expect_contains "in git: the edited page has its new date" \
    "$T/gsite/supporters/daniel-reyes/index.html" 'Last reviewed <time datetime="2026-01-01">'
expect_contains "in git: the footer says there are local changes" \
    "$T/gsite/index.html" "+ local changes"
(cd "$G" && "$PEERSITE" build --theme "$T/theme" --out "$T/gcold") >/dev/null 2>&1
if diff -r -x '.peersite-cache*' "$T/gsite" "$T/gcold" >"$T/gdiff" 2>&1; then
    ok "in git: the rebuilt site equals a cold build"
else
    fail "in git: the rebuilt site equals a cold build" "$(head -c 1500 "$T/gdiff")"
fi

# A theme whose directory lists the supporters twice cannot take its cards
# rendered apart: refused once, at the template.
cp -R "$ROOT/themes/default" "$T/twice"
sed -i 's|</ul>|</ul><ol>{{#supporters}}<li>{{name}}</li>{{/supporters}}</ol>|' \
    "$T/twice/templates/supporters.mustache"
"$PEERSITE" build --content "$C" --theme "$T/twice" --out "$T/twice-out" >"$T/twice.log" 2>&1
expect_status "a directory template with the list twice is refused" 1 $?
expect_contains "the error names the template and the rule" "$T/twice.log" \
    "supporters: {{#supporters}} must appear exactly once in this template"
if [ "$(grep -c 'must appear exactly once' "$T/twice.log")" = 1 ] &&
    ! grep -q 'broken link' "$T/twice.log"; then
    ok "said once, with no broken links after it"
else
    fail "said once, with no broken links after it" "$(head -5 "$T/twice.log")"
fi

# A file replaced in place gets the mode a cold build gives it: the umask
# of whoever builds is kept (0600 pages under umask 077, not 0644).
(
    umask 077
    build "$T/private" >/dev/null 2>&1
    sed -i 's/simply listened/listened with care/' "$C/supporters/amara-okafor.md"
    settle
    build "$T/private" >/dev/null 2>&1
    build "$T/private-cold" >/dev/null 2>&1
)
page=supporters/amara-okafor/index.html
want=$(stat -c %a "$T/private-cold/$page")
got=$(stat -c %a "$T/private/$page")
if [ "$want" = 600 ] && [ "$got" = "$want" ]; then
    ok "a page replaced in place keeps the builder's umask"
else
    fail "a page replaced in place keeps the builder's umask" \
        "expected mode 600 as a cold build gives it (it gave $want), got $got"
fi

# One build at a time into a directory: a second one is refused, not mixed
# in (flock(1) holds the lock a build would take).
if command -v flock >/dev/null; then
    flock -n "$A" sleep 3 &
    holder=$!
    sleep 0.3
    build "$A" >"$T/locked.log" 2>&1
    expect_status "a build while another writes the directory is refused" 1 $?
    expect_contains "it says another build is writing" "$T/locked.log" \
        "another peersite build is writing this directory"
    wait "$holder"
    build "$A" >/dev/null 2>&1
    expect_status "and runs once that one has finished" 0 $?
fi

# The theme's assets are kept in place while the theme and settings are as
# the record knows them (its key); a build that warned of an asset keeps
# none, so the next one says it again; a damaged record of them is not used.
mkdir -p "$T/theme/assets/vendor/deeper"
build "$A" >"$T/deep1.log" 2>&1
expect_contains "an asset folder too deep is skipped with a warning" "$T/deep1.log" \
    "skipped: not a regular file"
settle
build "$A" >"$T/deep2.log" 2>&1
expect_contains "the rebuild after it says so again" "$T/deep2.log" "skipped: not a regular file"
expect_contains "and reuses the last build" "$T/deep2.log" "changed since the last build"
rmdir "$T/theme/assets/vendor/deeper"
build "$A" >/dev/null 2>&1
settle
build "$A" >/dev/null 2>&1
damage "$A/.peersite-cache.data" '"integrity":"sha256-' '"integrity":"sha257-'
sed -i 's/listened with care/listened with great care/' "$C/supporters/amara-okafor.md"
settle
build "$A" >"$T/asrot.log" 2>&1
expect_status "a record with damaged assets: the build still succeeds" 0 $?
same_as_cold "after damaged assets in the record, it equals a cold build"
