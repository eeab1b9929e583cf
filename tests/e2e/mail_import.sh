#!/usr/bin/env bash
# peeradmin import on mail as mail programs write it (Python's email package
# makes the MIME): a single .eml with quoted-printable text, with base64 text,
# with a .peerreq attachment (armored and binary), a reply that quotes the
# request with "> ", CRLF line ends, and an mbox where one message holds no
# request (named in a warning) and one holds a damaged request (skipped with
# its position, exit 3). Every request comes back intact.
source "$(dirname "$0")/lib.sh"
keyed_site || exit 1
"$TEST_HELPERS/seal_requests" --site "$SITE" --pubkey "$K/admin.pub" --count 7 --armor "$T/all.txt" >/dev/null
mkdir -p "$T/req"
awk -v dir="$T/req" '/-----BEGIN/{n++} {print > (dir "/" n ".txt")}' "$T/all.txt"

python3 - "$T" <<'PY'
import sys, base64
from email.message import EmailMessage
from email import policy
T = sys.argv[1]
req = [open(f"{T}/req/{i}.txt").read() for i in range(1, 8)]
def msg(subject):
    m = EmailMessage()
    m["From"] = "requester@example.org"
    m["To"] = "peers@example.org"
    m["Subject"] = subject
    return m
def save(name, m, crlf=False):
    data = m.as_bytes(policy=policy.SMTP if crlf else policy.default)
    open(f"{T}/{name}", "wb").write(data)
# 1: quoted-printable text (the armor's '=' padding becomes =3D)
m = msg("Sealed message"); m.set_content("Here it is:\n\n" + req[0], cte="quoted-printable"); save("qp.eml", m)
# 2: base64 text, CRLF line ends
m = msg("Sealed message"); m.set_content("Sealed:\n" + req[1], cte="base64"); save("b64.eml", m, crlf=True)
# 3: armored .peerreq attachment, 4: binary .peerreq attachment
m = msg("With attachment"); m.set_content("My request is attached.")
m.add_attachment(req[2].encode(), maintype="application", subtype="octet-stream", filename="request.peerreq")
env = base64.b64decode("".join(l for l in req[3].splitlines() if not l.startswith("-----")))
m.add_attachment(env, maintype="application", subtype="octet-stream", filename="second.peerreq")
save("attach.eml", m)
# 5: a reply quoting the request, inside multipart/alternative with HTML
m = msg("Re: Sealed message")
quoted = "".join("> " + l + "\n" for l in req[4].splitlines())
m.set_content("Forwarding as asked.\n\nOn Monday you wrote:\n" + quoted)
m.add_alternative("<p>Forwarding as asked.</p><pre>" + req[4] + "</pre>", subtype="html")
save("reply.eml", m)
# mbox: 6 ok, one without a request, 7 damaged (cut in half)
out = []
for subject, body in (("Sealed message", req[5]), ("Lunch on Friday", "No request here.\n"),
                      ("Cut", req[6][: len(req[6]) // 2])):
    m = msg(subject); m.set_content(body)
    out.append("From requester@example.org Mon Jan  5 10:00:00 2026\n" + m.as_string(policy=policy.default) + "\n")
open(f"{T}/inbox.mbox", "w").write("".join(out))
PY
expect_status "python made the test mail" 0 $?
admin() { "$PEERADMIN" "$@" --key "$K/admin.key" --passphrase-file "$PASS"; }

for f in qp b64 attach reply; do
    admin import --db "$T/$f.db" "$T/$f.eml" >"$T/$f.out" 2>&1
    expect_status "import of $f.eml succeeds" 0 $?
done
expect_contains "quoted-printable text gives its request" "$T/qp.out" "imported 1 new request "
expect_contains "base64 text with CRLF gives its request" "$T/b64.out" "imported 1 new request "
expect_contains "armored and binary .peerreq attachments give both" "$T/attach.out" "imported 2 new requests"
expect_contains "a reply quoting the request gives it once (HTML skipped)" "$T/reply.out" "imported 1 new request "
grep -q 'Content-Transfer-Encoding: quoted-printable' "$T/qp.eml" && grep -q '=3D' "$T/qp.eml" &&
    grep -q $'\r$' "$T/b64.eml" && ok "the test mail really is quoted-printable and CRLF" ||
    fail "the test mail really is quoted-printable and CRLF"

admin import --db "$T/mbox.db" "$T/inbox.mbox" >"$T/mbox.out" 2>&1
expect_status "an mbox with a damaged request is a partial import (exit 3)" 3 $?
expect_contains "the good request in the mbox is imported" "$T/mbox.out" "imported 1 new request (0 already present, 1 skipped)"
expect_match "the message without a request is named" "$T/mbox.out" 'inbox.mbox:[0-9]+:1: warning: message 2 \("Lunch on Friday"\) holds no sealed request'
expect_match "the damaged request is skipped with its position" "$T/mbox.out" 'inbox.mbox: message 3, request 1 \(line [0-9]+\): skipped: .*END'

# Every field survives: the mailed requests show the same values as the armored originals.
admin import --db "$T/direct.db" "$T/all.txt" >/dev/null 2>&1
for f in qp b64 attach reply mbox; do admin import --db "$T/mailed.db" "$T/$f.eml" "$T/inbox.mbox" >/dev/null 2>&1 || true; done
admin list --db "$T/direct.db" --json >"$T/direct.json"
admin list --db "$T/mailed.db" --json >"$T/mailed.json"
python3 - "$T" <<'PY'
import json, sys
T = sys.argv[1]
direct = {r["envelope_id"]: r for r in json.load(open(f"{T}/direct.json"))}
mailed = json.load(open(f"{T}/mailed.json"))
bad = [r["envelope_id"] for r in mailed if direct.get(r["envelope_id"], {}).get("fields") != r["fields"]]
print("ok - every mailed request has exactly its sealed fields" if len(mailed) == 6 and not bad else
      f"not ok - every mailed request has exactly its sealed fields\n#   {len(mailed)} mailed, differing: {bad}")
PY
