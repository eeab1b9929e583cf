#!/usr/bin/env bash
# Generates N synthetic supporters and F FAQ entries (F defaults to N) twice: as peersite content
# (DIR/peersite) and as an equivalent Hugo site (DIR/hugo), for scripts/bench-site.sh.
set -euo pipefail
N=$1
DIR=$2
F=${3:-$N}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
P=$DIR/peersite
H=$DIR/hugo
rm -rf "$P" "$H"
mkdir -p "$P"/{pages,faq,supporters} "$H"/content/{faq,supporters} "$H"/layouts/_default "$H"/layouts/partials
cp "$ROOT/tests/fixtures/minimal/site.yml" "$ROOT/tests/fixtures/minimal/confidentiality.md" \
   "$ROOT/tests/fixtures/minimal/request.yml" "$P/"
cat >"$P/pages/index.md" <<'MD'
---
title: Welcome
---
Peer support for clinicians. Read the [FAQ](/faq/) or see the [supporters](/supporters/).
MD

# awk writes the many small files far faster than a shell loop.
awk -v n="$N" -v nf="$F" -v p="$P" -v h="$H" 'BEGIN {
    split("Surgery Medicine Pediatrics Anesthesia Emergency Psychiatry Radiology Neurology", dept, " ")
    split("in-person phone video", mod, " ")
    split("English Spanish French Mandarin Arabic Hindi", lang, " ")
    for (i = 1; i <= n; i++) {
        d = dept[i % 8 + 1]; m = mod[i % 3 + 1]; l = lang[i % 6 + 1]
        role = (i % 2) ? "faculty" : "resident"
        acc = (i % 7) ? "true" : "false"
        f = sprintf("%s/supporters/supporter-%05d.md", p, i)
        printf "---\nname: Supporter %05d\ncredentials: MD\nrole: %s\ndepartment: %s\nmodalities: [%s]\nlanguages: [English, %s]\ncampus: Campus %d\naccepting: %s\n---\nI am supporter %d in %s. I have **listened** to many colleagues after hard days.\n", i, role, d, m, l, i % 5, acc, i, d > f
        close(f)
        f = sprintf("%s/content/supporters/supporter-%05d.md", h, i)
        printf "---\ntitle: Supporter %05d\ncredentials: MD\nrole: %s\ndepartment: %s\nmodalities: [%s]\nlanguages: [English, %s]\ncampus: Campus %d\naccepting: %s\n---\nI am supporter %d in %s. I have **listened** to many colleagues after hard days.\n", i, role, d, m, l, i % 5, acc, i, d > f
        close(f)
    }
    for (i = 1; i <= nf; i++) {
        f = sprintf("%s/faq/question-%05d.md", p, i)
        printf "---\nquestion: Synthetic question number %d?\ncategory: Category %d\norder: %d\n---\nThis is the *answer* to question %d. See the [supporters](/supporters/).\n", i, i % 10, i, i > f
        close(f)
        f = sprintf("%s/content/faq/question-%05d.md", h, i)
        printf "---\ntitle: Synthetic question number %d?\ncategory: Category %d\nweight: %d\n_build: {render: never, list: always}\n---\nThis is the *answer* to question %d. See the [supporters](/supporters/).\n", i, i % 10, i, i > f
        close(f)
    }
}'

cat >"$H/config.toml" <<'TOML'
baseURL = "https://peers.example.org/"
title = "Test Peer Support"
disableKinds = ["taxonomy", "term", "RSS"]
TOML
printf -- '---\ntitle: Welcome\n---\nPeer support for clinicians.\n' >"$H/content/_index.md"
printf -- '---\ntitle: Frequently asked questions\n---\n' >"$H/content/faq/_index.md"
printf -- '---\ntitle: Peer supporters\n---\n' >"$H/content/supporters/_index.md"
cat >"$H/layouts/_default/baseof.html" <<'HTML'
<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{{ .Title }} · {{ .Site.Title }}</title></head>
<body><p class="crisis">Call or text 988.</p><nav><a href="/faq/">FAQ</a> <a href="/supporters/">Supporters</a></nav>
<main>{{ block "main" . }}{{ end }}</main><footer>peers@example.org</footer></body></html>
HTML
cat >"$H/layouts/_default/single.html" <<'HTML'
{{ define "main" }}<h1>{{ .Title }}, {{ .Params.credentials }}</h1>
<dl><dt>Role</dt><dd>{{ .Params.role }}</dd><dt>Department</dt><dd>{{ .Params.department }}</dd>
<dt>Meets by</dt><dd>{{ delimit .Params.modalities ", " }}</dd><dt>Languages</dt><dd>{{ delimit .Params.languages ", " }}</dd></dl>
{{ .Content }}{{ end }}
HTML
cat >"$H/layouts/_default/list.html" <<'HTML'
{{ define "main" }}<h1>{{ .Title }}</h1>{{ .Content }}
{{ if eq .Section "faq" }}<ul>{{ range .Pages }}<li><a href="#{{ .File.BaseFileName }}">{{ .Title }}</a></li>{{ end }}</ul>
{{ range .Pages }}<article id="{{ .File.BaseFileName }}"><h3>{{ .Title }}</h3>{{ .Content }}</article>{{ end }}
{{ else }}<ul>{{ range .Pages }}<li data-role="{{ .Params.role }}"><a href="{{ .RelPermalink }}">{{ .Title }}</a> {{ .Params.department }}</li>{{ end }}</ul>{{ end }}
{{ end }}
HTML
cp "$H/layouts/_default/list.html" "$H/layouts/index.html"
