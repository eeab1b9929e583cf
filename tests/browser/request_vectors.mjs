// The shared test vectors (tests/fixtures/vectors/envelope.json, also checked
// in C by tests/unit/sealed/test_vectors.c) against the request page's own
// script in Chromium with the vendored libsodium: key id, fingerprint, the
// plaintext JSON, its padding, opening the C-made envelope, the armor. Then an
// envelope made by the page's script and one made in C go through the same
// `peeradmin import`.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, buildSite, serveDir, launch, tempDir, check, fail, failed } from './lib.mjs';

const PEERADMIN = process.env.PEERADMIN || `${ROOT}/bin/peeradmin`;
const HELPERS = process.env.TEST_HELPERS || `${ROOT}/build/release/tests`;
const vectors = JSON.parse(readFileSync(`${ROOT}/tests/fixtures/vectors/envelope.json`, 'utf8'));
const dir = tempDir();
const pass = join(dir, 'pass');
writeFileSync(pass, 'a long enough test passphrase\n', { mode: 0o600 });
execFileSync(`${HELPERS}/fast_keygen`, [join(dir, 'keys'), pass], { stdio: 'ignore' });
cpSync(`${ROOT}/tests/fixtures/minimal`, join(dir, 'content'), { recursive: true });
mkdirSync(join(dir, 'content/keys'), { recursive: true });
cpSync(join(dir, 'keys/admin.pub'), join(dir, 'content/keys/admin.pub'));
const site = join(dir, 'site');
buildSite(join(dir, 'content'), site);

const server = await serveDir(site);
const browser = await launch();
try {
  const page = await browser.newPage();
  await page.goto(server.url + 'request/');
  await page.waitForSelector('#request-form[data-ready="yes"]');
  const got = await page.evaluate((v) => {
    const E = window.peerkitEnvelope, s = window.sodium, B64 = s.base64_variants.ORIGINAL;
    const box = s.from_base64(v.box_pk, B64), sign = s.from_base64(v.sign_pk, B64);
    const sk = s.from_hex(v.box_sk_hex);
    const text = E.plaintext(v.schema, v.channel, v.submitted, v.reference, v.fields);
    const pad = E.padded(s, text);
    const env = s.from_base64(v.envelope, B64);
    const opened = s.crypto_box_seal_open(env.subarray(13), box, sk);
    const mine = E.envelope(s, box, pad);
    const mineOpened = s.crypto_box_seal_open(mine.subarray(13), box, sk);
    return {
      keyId: s.to_hex(E.keyId(s, box)),
      fingerprint: E.fingerprint(s, box, sign),
      plaintext: text,
      padded: s.to_base64(pad, B64),
      opened: s.to_base64(opened, B64),
      armor: E.armor(s, env),
      header: s.to_hex(mine.subarray(0, 13)),
      mineOpened: s.to_base64(mineOpened, B64),
      mineLength: mine.length,
      envelopeId: s.to_hex(s.crypto_generichash(32, env)),
    };
  }, vectors);
  check(got.keyId === vectors.key_id, 'JS: the key id of the vector key', `${got.keyId} vs ${vectors.key_id}`);
  check(got.fingerprint === vectors.fingerprint, 'JS: the fingerprint of the vector key', `${got.fingerprint} vs ${vectors.fingerprint}`);
  check(got.plaintext === vectors.plaintext, 'JS: the plaintext JSON is byte for byte the C one', got.plaintext, vectors.plaintext);
  check(got.padded === vectors.padded, 'JS: the ISO/IEC 7816-4 padding to the bucket is the C one');
  check(got.opened === vectors.padded, 'JS: the C-made vector envelope opens to the padded plaintext');
  check(got.armor === vectors.armor, 'JS: the armor is envelope_armor\'s text', got.armor.slice(0, 120));
  check(got.envelopeId === vectors.envelope_id, 'JS: the envelope id (BLAKE2b-256) is the C one');
  check(got.header === `504b455601${vectors.key_id}` && got.mineOpened === vectors.padded &&
        got.mineLength === 13 + 48 + vectors.padded_len,
        'JS: an envelope made by the page has the C header and size and opens with the vector key', got.header);

  // The form's rules in the browser, as sealed/formspec.c words them.
  const problems = await page.evaluate(async () => {
    const schema = await (await fetch('../request-schema.json')).json();
    const E = window.peerkitEnvelope;
    const one = (values) => E.validate(schema, values).problems.map((p) => `${p.id}: ${p.message}`).join('; ');
    return {
      empty: one({}),
      bad: one({ referral: 'nobody', name: 'x'.repeat(201), email: 'a@b', role: 'dean', modality: ['phone', 'fax'],
                 message: 'bell\u0007', consent: 'no' }),
      good: one({ referral: 'self', name: 'Ann', email: 'ann@example.org', consent: 'yes', message: 'a\nb' }),
      // A lone UTF-16 surrogate would seal as "\ud800" in the JSON, which import refuses.
      lone: one({ referral: 'self', name: 'Ann\uD800', email: 'ann@example.org', consent: 'yes',
                  message: 'x\uDC00y' }),
      paired: one({ referral: 'self', name: 'Ann \uD83D\uDE42', pager: '555 0100', consent: 'yes', message: '\uD83D\uDE42\n\uD83D\uDE42' }),
      loneAtEnd: one({ referral: 'self', name: 'Ann', pager: '555 0100', consent: 'yes', message: 'ok \uDBFF' }),
      unreachable: one({ referral: 'self', name: 'Ann', email: '', pager: '', consent: 'yes' }),
    };
  });
  check(problems.empty === 'referral: required: please choose one; name: required: please fill this in; consent: required: please tick this box; ' +
        'email: give at least one of Email or Pager, so we can reach you',
        'JS: required fields', problems.empty);
  check(problems.bad === 'referral: not one of the choices; name: too long (at most 200 characters); email: not an email address; ' +
        'role: not one of the choices; modality: not one of the choices; message: contains characters that are not allowed; ' +
        'consent: must be "yes" when ticked', 'JS: types, max and options', problems.bad);
  check(problems.good === '', 'JS: a valid request passes', problems.good);
  check(problems.lone === 'name: contains characters that are not allowed; message: contains characters that are not allowed' &&
        problems.loneAtEnd === 'message: contains characters that are not allowed',
        'JS: a lone UTF-16 surrogate is refused before sealing', problems.lone, problems.loneAtEnd);
  check(problems.paired === '', 'JS: a surrogate pair (an emoji) is fine', problems.paired);
  check(problems.unreachable === 'email: give at least one of Email or Pager, so we can reach you',
        'JS: a request with no way to reach the person is refused, in formspec\'s words', problems.unreachable);

  // One envelope from the page's script and one from C, opened by the same import.
  const armored = await page.evaluate(async () => {
    const E = window.peerkitEnvelope, s = window.sodium, form = document.getElementById('request-form');
    const bytes = new Uint8Array(await (await fetch('../request-schema.json')).arrayBuffer());
    const hash = s.to_hex(s.crypto_generichash(32, bytes));
    const box = s.from_base64(form.getAttribute('data-box'), s.base64_variants.ORIGINAL);
    const seal = (ref, fields) => E.armor(s, E.envelope(s, box, E.padded(s, E.plaintext(hash, 'web', '2026-02-03T04:05:06Z', ref, fields))));
    return [seal('JSJS-2345', { referral: 'self', name: 'Made in JS', email: 'js@example.org', consent: 'yes' }),
            seal('JSJS-XYZW', { referral: 'self', name: 'No way to reach', consent: 'yes' })];
  });
  writeFileSync(join(dir, 'js.txt'), armored[0]);
  writeFileSync(join(dir, 'none.txt'), armored[1]);
  execFileSync(`${HELPERS}/seal_requests`, ['--site', site, '--pubkey', join(dir, 'keys/admin.pub'), '--count', '1',
                                            '--armor', join(dir, 'c.txt')], { stdio: 'ignore' });
  const keyArgs = ['--key', join(dir, 'keys/admin.key'), '--passphrase-file', pass, '--db', join(dir, 'intake.db')];
  const out = execFileSync(PEERADMIN, ['import', ...keyArgs, '--site', site, join(dir, 'js.txt'), join(dir, 'c.txt')],
                           { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  check(/imported 2 new requests \(0 already present, 0 skipped\)/.test(out),
        'envelopes made in JS and in C are opened by the same import (and satisfy the form)', out);
  let refused = '';
  try {
    execFileSync(PEERADMIN, ['import', ...keyArgs, '--site', site, join(dir, 'none.txt')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) { refused = `${e.status} ${e.stdout}${e.stderr}`; }
  check(/^3 /.test(refused) && /does not satisfy the request form/.test(refused) &&
        /email: give at least one of Email or Pager, so we can reach you/.test(refused),
        'import refuses a request with no way to reach the person', refused);
  const rows = JSON.parse(execFileSync(PEERADMIN, ['list', ...keyArgs, '--json'], { encoding: 'utf8' }));
  const js = rows.find((r) => r.reference === 'JSJS-2345');
  check(js && js.fields.name === 'Made in JS' && js.channel === 'web' && js.submitted === '2026-02-03T04:05:06Z',
        'the JS envelope reads back exactly', JSON.stringify(js));
} catch (e) {
  fail('vector test ran to the end', e.stack || e);
} finally {
  await browser.close();
  server.close();
}
process.exit(failed() ? 1 : 0);
