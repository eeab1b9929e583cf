#!/usr/bin/env bash
# End-to-end: git-aware builds on a scripted repository with commits at fixed
# dates: last-reviewed dates per page and per item, the footer's commit id,
# uncommitted changes, --ref builds, and publishing to a branch.
. "$(dirname "$0")/lib.sh"
unset SOURCE_DATE_EPOCH
git_identity

R=$T/repo
mkdir -p "$R/themes"
cp -R "$FIXTURES/minimal" "$R/content"
cp -R "$ROOT/themes/default" "$R/themes/default"
commit_at() { # DATE MESSAGE
    GIT_AUTHOR_DATE="$1" GIT_COMMITTER_DATE="$1" git -C "$R" commit -q -m "$2"
}
git -C "$R" init -q
git -C "$R" add -A
commit_at "2025-01-10T10:00:00Z" "Initial content"
echo "More on why." >>"$R/content/faq/why-talk.md"
git -C "$R" add -A
commit_at "2025-03-05T23:30:00-05:00" "Expand why-talk"   # 2025-03-06 in UTC
echo "Updated bio." >>"$R/content/supporters/bob-baker.md"
git -C "$R" add -A
commit_at "2025-06-20T09:00:00Z" "Update Bob"

build() { (cd "$R" && "$PEERSITE" build "$@") }
build --out "$T/out" >"$T/b1.log" 2>&1
expect_status "build inside a repository" 0 $?
o=$T/out
expect_contains "FAQ page dated by its newest source (UTC)" "$o/faq/index.html" 'Last reviewed <time datetime="2025-03-06">'
n=$(grep -c 'reviewed' "$o/faq/index.html")
expect_status "the date shows once on the FAQ page, not under every answer" 1 "$n"
expect_contains "supporter page dated" "$o/supporters/bob-baker/index.html" '<time datetime="2025-06-20">'
expect_contains "unchanged supporter keeps the first date" "$o/supporters/ada-lovelace/index.html" '<time datetime="2025-01-10">'
expect_contains "confidentiality dated" "$o/confidentiality/index.html" '<time datetime="2025-01-10">'
head=$(git -C "$R" rev-parse --short=7 HEAD)
expect_contains "footer names the commit" "$o/index.html" "Content from commit <code>$head</code>."
expect_not_contains "clean tree has no local-changes note" "$o/index.html" "+ local changes"

# The dates cache (in .git) changes nothing: a build without it is identical,
# and a new commit after the cached one dates only what it touched.
expect_exists "the date walk leaves a cache" "$R/.git/peersite-dates.json"
build --out "$T/cached" >/dev/null 2>&1
rm -f "$R/.git/peersite-dates.json"
build --out "$T/uncached" >/dev/null 2>&1
if diff -r -x '.peersite-cache*' "$T/cached" "$T/uncached" >"$T/cache.log"; then ok "cached and uncached dates are identical"; else
    fail "cached and uncached dates are identical" "$(head -20 "$T/cache.log")"; fi
# A cache that says it holds every date of the commit is taken as it is,
# unless it is not as the build wrote it: then the build walks, and writes
# it again.
expect_contains "the cache says it holds every date" "$R/.git/peersite-dates.json" '"complete":'
cp "$R/.git/peersite-dates.json" "$T/whole-cache.json"
damage() { # damage PYTHON: edits the cache's JSON as c
    python3 -c "import json,sys; p=sys.argv[1]; c=json.load(open(p)); $1; json.dump(c, open(p, 'w'))" \
        "$R/.git/peersite-dates.json"
}
for how in "del c['dates']['content/supporters/bob-baker.md']" \
    "c['dates']['content/supporters/bob-baker.md'] = '2020-01-01x'" \
    "c['dates']['content/faq/gone.md'] = '2020-01-01'" \
    "c['dates']['other/readme.md'] = '2020-01-01'; c['complete'] += 1" \
    "c['commit'] = c['commit'][::-1]"; do
    damage "$how"
    build --out "$T/damaged" >/dev/null 2>&1
    if diff -r -x '.peersite-cache*' "$T/damaged" "$T/uncached" >"$T/cache.log"; then ok "a cache damaged ($how) is walked past"; else
        fail "a cache damaged ($how) is walked past" "$(head -20 "$T/cache.log")"; fi
    if cmp -s "$R/.git/peersite-dates.json" "$T/whole-cache.json"; then ok "and written again whole"; else
        fail "and written again whole" "expected $T/whole-cache.json, got $(head -c 300 "$R/.git/peersite-dates.json")"; fi
    rm -rf "$T/damaged"
done
echo '{"version":1,"commit":"'"$(git -C "$R" rev-parse HEAD)"'","prefix":"content","dates":{"content/faq/why-talk.md":"<b>x</b>"}}' >"$R/.git/peersite-dates.json"
build --out "$T/badcache" >/dev/null 2>&1
expect_contains "a damaged cache entry is ignored" "$T/badcache/faq/index.html" 'Last reviewed <time datetime="2025-03-06">'

# Uncommitted edits: marked, or dated by SOURCE_DATE_EPOCH when it is set.
echo "Draft." >>"$R/content/faq/is-it-secret.md"
build --out "$T/out2" >/dev/null 2>&1
expect_contains "uncommitted file is marked" "$T/out2/faq/index.html" "Last reviewed: not yet committed"
expect_contains "dirty tree noted in the footer" "$T/out2/index.html" "<code>$head</code> + local changes"
(cd "$R" && SOURCE_DATE_EPOCH=1767225600 "$PEERSITE" build --out "$T/out3") >/dev/null 2>&1
expect_contains "uncommitted file dated by SOURCE_DATE_EPOCH" "$T/out3/faq/index.html" 'Last reviewed <time datetime="2026-01-01">'

# --ref builds from the commit: uncommitted edits must not leak.
build --ref HEAD~1 --out "$T/ref" >"$T/ref.log" 2>&1
expect_status "build --ref HEAD~1" 0 $?
expect_not_contains "uncommitted edit does not leak into --ref" "$T/ref/faq/index.html" "Draft."
expect_not_contains "later commit does not leak into --ref" "$T/ref/supporters/bob-baker/index.html" "Updated bio."
git -C "$R" worktree add -q "$T/wt" HEAD~1 2>/dev/null
(cd "$T/wt" && "$PEERSITE" build --out "$T/wt-out") >/dev/null 2>&1
if diff -r -x '.peersite-cache*' "$T/ref" "$T/wt-out" >"$T/refdiff.log"; then ok "--ref HEAD~1 equals a build of a checkout of HEAD~1"; else
    fail "--ref HEAD~1 equals a build of a checkout of HEAD~1" "$(head -20 "$T/refdiff.log")"; fi
git -C "$R" worktree remove --force "$T/wt"
build --ref no-such-rev --out "$T/bad" >"$T/badref.log" 2>&1
expect_status "unknown revision fails" 1 $?
expect_contains "unknown revision named" "$T/badref.log" "no-such-rev: unknown revision"
mkdir -p "$T/unborn" && cp -R "$R/content" "$T/unborn/content" && git -C "$T/unborn" init -q
(cd "$T/unborn" && "$PEERSITE" build --ref HEAD --theme "$ROOT/themes/default" --out "$T/unborn-out") \
    >"$T/unborn.log" 2>&1
expect_status "--ref HEAD before the first commit fails" 1 $?
expect_contains "and says nothing is committed yet" "$T/unborn.log" "nothing is committed in this repository yet"

# Publish: a commit on a branch, idempotent, nothing else touched.
git -C "$R" checkout -q -- content
status_before=$(git -C "$R" status --porcelain; git -C "$R" rev-parse HEAD; cat "$R/.git/index" | sha256sum)
build_pub() { (cd "$R" && "$PEERSITE" publish --branch published "$@") }
build_pub >"$T/pub1.log" 2>&1
expect_status "publish creates the branch" 0 $?
expect_contains "publish reports the commit" "$T/pub1.log" "published"
tip1=$(git -C "$R" rev-parse published)
build_pub >"$T/pub2.log" 2>&1
expect_status "second publish succeeds" 0 $?
expect_contains "second publish has nothing to do" "$T/pub2.log" "nothing to do"
tip2=$(git -C "$R" rev-parse published)
if [ "$tip1" = "$tip2" ]; then ok "publishing the same source creates no new commit"; else fail "publishing the same source creates no new commit" "$tip1 -> $tip2"; fi
status_after=$(git -C "$R" status --porcelain; git -C "$R" rev-parse HEAD; cat "$R/.git/index" | sha256sum)
if [ "$status_before" = "$status_after" ]; then ok "publish leaves working tree, index and HEAD alone"; else
    fail "publish leaves working tree, index and HEAD alone" "before: $status_before" "after: $status_after"; fi
if git -C "$R" show published:faq/index.html | grep -q 'id="why-talk"'; then ok "branch holds the built site"; else fail "branch holds the built site"; fi
expect_missing "publish writes no site/ into the working tree" "$R/site"
expect_contains "the publish commit names its source" <(git -C "$R" log -1 --format=%B published) \
    "Publish site built from $(git -C "$R" rev-parse --short=7 HEAD)"

# Uncommitted edits are never published by accident.
echo "Not committed yet." >>"$R/content/faq/why-talk.md"
build_pub >"$T/dirty.log" 2>&1
expect_status "publish refuses uncommitted content" 1 $?
expect_contains "and says how to go on" "$T/dirty.log" "--allow-dirty"
expect_contains "naming the file" "$T/dirty.log" "(content/faq/why-talk.md)"
# A broken file not committed is refused as uncommitted, not read: it
# would not be published anyway.
printf 'no front matter\n' >"$R/content/faq/untracked.md"
build_pub >"$T/dirty-bad.log" 2>&1
expect_status "publish refuses a broken uncommitted file" 1 $?
expect_contains "as uncommitted" "$T/dirty-bad.log" "uncommitted changes"
expect_not_contains "without reading it" "$T/dirty-bad.log" "front matter"
rm "$R/content/faq/untracked.md"
if [ "$(git -C "$R" rev-parse published)" = "$tip1" ]; then ok "a refused publish leaves the branch alone"; else
    fail "a refused publish leaves the branch alone"; fi
build_pub --allow-dirty --message "Urgent fix" >"$T/dirty2.log" 2>&1
expect_status "publish --allow-dirty publishes" 0 $?
git -C "$R" log -1 --format=%B published >"$T/dirty-msg.txt"
expect_contains "the message keeps the editor's words" "$T/dirty-msg.txt" "Urgent fix"
expect_contains "the message says the site holds local changes" "$T/dirty-msg.txt" \
    "+ local changes not committed"
if git -C "$R" show published:faq/index.html | grep -q "Not committed yet"; then ok "the dirty publish holds the edit"; else
    fail "the dirty publish holds the edit"; fi
git -C "$R" update-ref refs/heads/published "$tip1"
git -C "$R" checkout -q -- content
# What git does not track is never published, though the working tree holds
# it: a draft .gitignore names, an edit to a file marked assume-unchanged.
# A clean tree is published from its commit.
printf 'draft-*.md\n' >"$R/content/.gitignore"
sed 's/^question: .*/question: A draft question/' "$R/content/faq/why-talk.md" >"$R/content/faq/draft-new.md"
echo "DRAFT TEXT" >>"$R/content/faq/draft-new.md"
git -C "$R" update-index --assume-unchanged content/faq/why-talk.md
echo "Hidden edit." >>"$R/content/faq/why-talk.md"
build_pub >"$T/untracked-pub.log" 2>&1
expect_status "publish with an ignored draft and a hidden edit succeeds" 0 $?
expect_contains "and finds the commit already published" "$T/untracked-pub.log" "nothing to do"
if git -C "$R" show published:faq/index.html | grep -q "DRAFT TEXT\|Hidden edit"; then
    fail "neither the ignored draft nor the hidden edit is published" \
        "$(git -C "$R" show published:faq/index.html | grep -n "DRAFT TEXT\|Hidden edit" | head -3)"
else ok "neither the ignored draft nor the hidden edit is published"; fi
git -C "$R" update-index --no-assume-unchanged content/faq/why-talk.md
git -C "$R" checkout -q -- content
rm "$R/content/.gitignore" "$R/content/faq/draft-new.md"
(cd "$R" && "$PEERSITE" publish --branch published --ref HEAD) >"$T/ref-pub.log" 2>&1
expect_status "publish --ref HEAD ignores the working tree" 0 $?
pubdate=$(git -C "$R" log -1 --format=%cI published)
case "$pubdate" in 2025-06-20T09:00:00*) ok "publish commit dated by the source commit";;
    *) fail "publish commit dated by the source commit" "got $pubdate";; esac
echo "Another line." >>"$R/content/pages/about.md"
git -C "$R" add -A && commit_at "2025-07-01T12:00:00Z" "About"
build_pub >"$T/pub3.log" 2>&1
tip3=$(git -C "$R" rev-parse published)
parent=$(git -C "$R" rev-parse published~1)
if [ "$parent" = "$tip1" ] && [ "$tip3" != "$tip1" ]; then ok "new source publishes on top of the previous tip"; else
    fail "new source publishes on top of the previous tip" "tip3=$tip3 parent=$parent tip1=$tip1"; fi
(cd "$R" && "$PEERSITE" publish --branch main) >"$T/pubmain.log" 2>&1
expect_status "refuses to publish onto the checked-out branch" 1 $?
# "git log site" would be ambiguous beside the site/ folder builds make.
(cd "$R" && "$PEERSITE" publish --branch site) >"$T/pubsite.log" 2>&1
expect_status "refuses a branch named site" 1 $?
expect_contains "and says why" "$T/pubsite.log" "ambiguous"
(cd "$R" && "$PEERSITE" publish --branch content) >"$T/pubcontent.log" 2>&1
expect_status "refuses a branch named like a folder of the repository" 1 $?
expect_contains "naming it" "$T/pubcontent.log" "content: is also the name of a file or folder"
(cd "$R" && "$PEERSITE" publish --branch HEAD) >"$T/pubhead.log" 2>&1
expect_status "refuses a branch named HEAD" 1 $?
expect_contains "one of git's own names" "$T/pubhead.log" "HEAD: is one of git's own names"
expect_not_contains "said before anything is built" "$T/pubhead.log" "warning"
# Names git refuses are refused in plain words before anything is built
# (a name with a space once crashed publish: libgit2 was not started yet).
(cd "$R" && "$PEERSITE" publish --branch "bad name") >"$T/pubspace.log" 2>&1
expect_status "refuses a branch name with a space" 1 $?
expect_contains "saying what a name may hold" "$T/pubspace.log" \
    "bad name: is not a name git allows for a branch; use letters, digits"
(cd "$R" && "$PEERSITE" publish --branch a..b) >"$T/pubdots.log" 2>&1
expect_status "refuses a branch name with two dots" 1 $?
(cd "$R" && "$PEERSITE" publish --branch -x) >"$T/pubdash.log" 2>&1
expect_status "refuses a branch name beginning with a dash" 1 $?
expect_contains "read as an option" "$T/pubdash.log" "-x: begins with a dash"
if git -C "$R" rev-parse -q --verify refs/heads/-x >/dev/null; then
    fail "no branch -x is made"
else ok "no branch -x is made"; fi
# git keeps branches as files and folders: published/v2 cannot sit beside
# published, nor deep beside deep/x.
(cd "$R" && "$PEERSITE" publish --branch published/v2) >"$T/pubnested.log" 2>&1
expect_status "refuses a branch inside an existing branch's name" 1 $?
expect_contains "naming the branch in the way" "$T/pubnested.log" \
    "published/v2: cannot be made while a branch named published exists"
expect_contains "and suggesting a name" "$T/pubnested.log" "such as published-v2"
git -C "$R" branch -q deep/x published
(cd "$R" && "$PEERSITE" publish --branch deep) >"$T/pubdeep.log" 2>&1
expect_status "refuses a branch whose name is a folder of branches" 1 $?
expect_contains "naming the branch below it" "$T/pubdeep.log" \
    "deep: cannot be made while a branch named deep/x exists"
git -C "$R" branch -q -D deep/x
expect_contains "the checked-out branch refused with a next step" "$T/pubmain.log" \
    "main: is the checked-out branch"

# What puts the branch online: a push, named with the remote.
expect_contains "without a remote, publish says the branch is here only" "$T/pub1.log" \
    "The branch is in this repository only: to put the site online, push it"
git init -q --bare "$T/host.git"
git -C "$R" remote add origin "$T/host.git"
(cd "$R" && "$PEERSITE" publish --branch published) >"$T/pubremote.log" 2>&1
expect_status "publish with a remote" 0 $?
expect_contains "names the push" "$T/pubremote.log" "To put the site online: git push origin published"
git -C "$R" push -q origin published
(cd "$R" && "$PEERSITE" publish --branch published) >"$T/pubpushed.log" 2>&1
expect_contains "once pushed, says the remote has it" "$T/pubpushed.log" \
    "origin/published is this commit already"
git -C "$R" remote add mirror "$T/host.git"
(cd "$R" && "$PEERSITE" publish --branch published --ref HEAD~1) >"$T/pubtwo.log" 2>&1
expect_contains "with two remotes, asks for the one the host reads" "$T/pubtwo.log" \
    "git push NAME published, NAME being the remote your web host reads (this repository has 2)"
git -C "$R" remote remove mirror
git -C "$R" remote remove origin

# A branch already published to stays usable beside a folder of its name
# (a build into --out published, say).
mkdir "$R/published" && echo x >"$R/published/x"
echo "More." >>"$R/content/pages/about.md"
git -C "$R" add content && commit_at "2025-07-02T12:00:00Z" "More"
(cd "$R" && "$PEERSITE" publish --branch published) >"$T/pubagain.log" 2>&1
expect_status "publishing again to a branch beside a folder of its name" 0 $?
rm -rf "$R/published"

# An editor's hidden swap file is no change to the site: publishing goes on.
echo "swap" >"$R/content/faq/.why-talk.md.swp"
(cd "$R" && "$PEERSITE" publish --branch published) >"$T/swp.log" 2>&1
expect_status "a hidden swap file does not make the tree dirty" 0 $?
rm "$R/content/faq/.why-talk.md.swp"

# --repo overrides discovery; outside a repository: one warning, no dates.
(cd "$T" && "$PEERSITE" build --repo "$R" --content "$R/content" --theme "$R/themes/default" --out "$T/out4") >/dev/null 2>&1
expect_contains "--repo finds the dates" "$T/out4/faq/index.html" '<time datetime='
cp -R "$FIXTURES/minimal" "$T/plain"
"$PEERSITE" build --content "$T/plain" --theme "$ROOT/themes/default" --out "$T/out5" >"$T/plain.log" 2>&1
expect_status "build outside a repository" 0 $?
n=$(grep -c "not in a git repository" "$T/plain.log")
if [ "$n" = 1 ]; then ok "outside a repository: exactly one warning"; else fail "outside a repository: exactly one warning" "got $n"; fi
expect_not_contains "outside a repository: no dates" "$T/out5/faq/index.html" "<time"

# A shallow clone warns that dates may be wrong.
git clone -q --depth 1 "file://$R" "$T/shallow" 2>/dev/null
(cd "$T/shallow" && "$PEERSITE" build --out "$T/out6") >"$T/shallow.log" 2>&1
expect_contains "shallow clone warns" "$T/shallow.log" "shallow clone: last-reviewed dates may be wrong"

# A git directory outside its working tree (core.worktree), named by --repo:
# the working tree's status is read through the git directory, and an
# uncommitted edit is still seen.
W=$T/split-wt
mkdir -p "$W"
cp -R "$FIXTURES/minimal" "$W/content"
git init -q --bare "$T/split.git"
git --git-dir="$T/split.git" config core.bare false
git --git-dir="$T/split.git" config core.worktree "$W"
git --git-dir="$T/split.git" add -A
git --git-dir="$T/split.git" commit -q -m "Split layout"
echo "One more line." >>"$W/content/pages/index.md"
"$PEERSITE" build --repo "$T/split.git" --content "$W/content" --theme "$ROOT/themes/default" \
    --out "$T/out-split" >"$T/split.log" 2>&1
expect_status "a git directory outside the working tree (core.worktree): builds" 0 $?
expect_contains "and sees the uncommitted edit" "$T/out-split/index.html" "+ local changes"

# A content folder that is a link to another folder of the working tree:
# the build reads that folder's files, so their dates and their changes are
# taken under its path.
L=$T/linked
mkdir -p "$L/src"
cp -R "$FIXTURES/minimal" "$L/src/content"
ln -s src/content "$L/content"
git -C "$L" init -q
git -C "$L" add -A
GIT_AUTHOR_DATE="2025-05-01T10:00:00Z" GIT_COMMITTER_DATE="2025-05-01T10:00:00Z" \
    git -C "$L" commit -q -m "Content behind a link"
(cd "$L" && "$PEERSITE" build --theme "$ROOT/themes/default" --out "$T/out-linked") >"$T/linked.log" 2>&1
expect_status "a linked content folder builds" 0 $?
expect_contains "its pages dated from the folder it leads to" "$T/out-linked/faq/index.html" \
    '<time datetime="2025-05-01">'
expect_not_contains "and none marked uncommitted" "$T/out-linked/index.html" "+ local changes"
echo "Edited behind the link." >>"$L/src/content/pages/about.md"
(cd "$L" && "$PEERSITE" build --theme "$ROOT/themes/default" --out "$T/out-linked") >"$T/linked2.log" 2>&1
expect_contains "an edit behind the link is a local change" "$T/out-linked/index.html" \
    "+ local changes"
