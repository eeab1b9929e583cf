#!/usr/bin/env bash
# Turns SRC (a peersite content tree made by gen-bench-content.sh) into a git
# repository REPO with COMMITS commits: the first adds everything (content and the
# default theme), each later one edits five FAQ or supporter files. The later
# commits go through git fast-import, so 2,000 commits take seconds.
set -euo pipefail
export LC_ALL=C
SRC=$1
REPO=$2
COMMITS=${3:-2000}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
rm -rf "$REPO"
mkdir -p "$REPO/themes"
cp -R "$SRC" "$REPO/content"
cp -R "$ROOT/themes/default" "$REPO/themes/default"
cd "$REPO"
export GIT_AUTHOR_NAME=Bench GIT_AUTHOR_EMAIL=bench@example.org
export GIT_COMMITTER_NAME=Bench GIT_COMMITTER_EMAIL=bench@example.org
export GIT_AUTHOR_DATE="1700000000 +0000" GIT_COMMITTER_DATE="1700000000 +0000"
git init -q -b main
git add -A
git commit -q -m initial
mapfile -t files < <(ls content/faq/*.md content/supporters/*.md)
n=${#files[@]}
t=1700000000
{
    for ((i = 2; i <= COMMITS; i++)); do
        t=$((t + 3600))
        printf 'commit refs/heads/main\ncommitter Bench <bench@example.org> %d +0000\ndata 4\nedit\n' "$t"
        [ "$i" = 2 ] && printf 'from refs/heads/main^0\n'
        for k in 0 1 2 3 4; do
            f=${files[$(( (i * 7919 + k * 104729) % n ))]}
            body="$(<"$f")
Edit $i."
            printf 'M 100644 inline %s\ndata %d\n%s\n' "$f" "$(( ${#body} + 1 ))" "$body"
        done
    done
} | git fast-import --quiet
git checkout -q -f main
