// A real browser against a real `peerkiosk serve` on 127.0.0.1: fill the request
// form by its labels, send it, see the thank-you page; the back button and the
// idle timer leave no trace of what was typed; the server's own pages pass axe;
// then `peerkiosk export` + `peeradmin import` + `peeradmin show` give back
// exactly the values typed, and no kiosk file holds them in plaintext.
import AxeBuilder from '@axe-core/playwright';
import { spawn, execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, writeFileSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, buildSite, launch, tempDir, check, fail, failed } from './lib.mjs';

const PEERKIOSK = process.env.PEERKIOSK || `${ROOT}/bin/peerkiosk`;
const PEERADMIN = process.env.PEERADMIN || `${ROOT}/bin/peeradmin`;
const MARK = 'PLAINTEXT-MARKER-browser-3e8b';
const env = { ...process.env };
const HELPERS = process.env.TEST_HELPERS || `${ROOT}/build/release/tests`;
const dir = tempDir();
const pass = join(dir, 'pass');
writeFileSync(pass, 'a long enough test passphrase\n');
// The smallest Argon2id cost, recorded in the key file (tests/helpers/fast_keygen.c).
execFileSync(`${HELPERS}/fast_keygen`, [join(dir, 'keys'), pass], { env, stdio: 'ignore' });
cpSync(`${ROOT}/tests/fixtures/minimal`, join(dir, 'content'), { recursive: true });
mkdirSync(join(dir, 'content/keys'), { recursive: true });
cpSync(join(dir, 'keys/admin.pub'), join(dir, 'content/keys/admin.pub'));
const site = join(dir, 'site');
buildSite(join(dir, 'content'), site);
const spool = join(dir, 'spool.db');

// Starts the server on a free port and resolves with its base URL.
function serve() {
  const child = spawn(PEERKIOSK, ['serve', '--site', site, '--pubkey', join(dir, 'keys/admin.pub'),
                                  '--spool', spool, '--listen', '127.0.0.1:0', '--kiosk-id', 'browser'],
                      { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stderr.on('data', (d) => { out += d; });
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (d) => {
      out += d;
      const m = /on port (\d+) /.exec(out);
      if (m) resolve({ child, url: `http://127.0.0.1:${m[1]}/`, log: () => out });
    });
    child.on('exit', (code) => reject(new Error(`peerkiosk serve exited ${code}: ${out}`)));
  });
}

const server = await serve();
const browser = await launch();
const typed = {
  name: `Dr Browser ${MARK}`,
  email: 'browser@example.org',
  message: `I would like to talk.\nNot urgent. ${MARK}`,
};
let reference = null;
try {
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors = [], foreign = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  // Failed loads are checked by status below (the 422 page is one, on purpose).
  page.on('console', (m) => {
    if (m.type() === 'error' && !/^Failed to load resource/.test(m.text())) errors.push(m.text());
  });
  page.on('request', (r) => { if (!r.url().startsWith(server.url)) foreign.push(r.url()); });
  const badStatus = [];
  page.on('response', (r) => {
    const path = new URL(r.url()).pathname;
    if (r.status() >= 400 && !(r.status() === 422 && path === '/request') && path !== '/favicon.ico')
      badStatus.push(`${r.status()} ${path}`);
  });
  await page.clock.install();
  await page.goto(server.url + 'request/');

  // The idle timer clears a half-filled form (the fixture's kiosk idle time is 90 s).
  await page.getByLabel('Your name').fill('Someone who walked away');
  await page.clock.runFor(91_000);
  check(await page.getByLabel('Your name').inputValue() === '', 'an idle form is cleared');

  await page.getByLabel('Myself').check();
  await page.getByLabel('Your name').fill(typed.name);
  await page.getByLabel('Email').fill(typed.email);
  await page.getByLabel('Your role').selectOption('resident');
  await page.getByLabel('Phone').check();
  await page.getByLabel('Anything else?').fill(typed.message);
  await page.getByLabel('I understand this is not an emergency service.').check();
  await Promise.all([page.waitForURL(/\/request\/thanks\?t=/), page.getByRole('button', { name: 'Send my request' }).click()]);
  const text = await page.locator('main').innerText();
  const m = /Your reference: ([A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4})/.exec(text);
  check(m, 'the thank-you page shows the reference code', text);
  reference = m && m[1];
  check(/within one business day/.test(text), 'the thank-you page promises the response time');
  const axeThanks = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  check(axeThanks.violations.length === 0, 'axe WCAG 2.1 A/AA: thank-you page',
        ...axeThanks.violations.map((v) => `${v.id}: ${v.help}`));

  // After the idle time the thank-you page gives way to the home page.
  await page.clock.runFor(91_000);
  const home = await page.waitForURL(server.url, { timeout: 5000 }).then(() => true, () => false);
  check(home, 'the thank-you page returns home after the idle time', page.url());

  // Back: the form comes back empty (no-store, and the script clears it).
  await page.goBack();
  await page.waitForLoadState();
  const after = await page.getByLabel('Your name').inputValue();
  check(after === '', 'the back button never shows a sent form', `name field holds "${after}"`);

  // A request the browser's own checks would stop, sent anyway: the server's 422 page.
  await page.goto(server.url + 'request/');
  await page.evaluate(() => { document.getElementById('request-form').noValidate = true; });
  await page.getByLabel('Email').fill('not-an-address');
  await page.getByRole('button', { name: 'Send my request' }).click();
  await page.waitForLoadState();
  const problems = await page.locator('[role=alert]').innerText().catch(() => '');
  check(/Your name/.test(problems) && /not an email address/.test(problems),
        'an invalid request shows every problem by label', problems);
  const axe422 = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  check(axe422.violations.length === 0, 'axe WCAG 2.1 A/AA: the problems page',
        ...axe422.violations.map((v) => `${v.id}: ${v.help}`));

  check(errors.length === 0, 'no JavaScript or Content-Security-Policy errors', ...errors);
  check(badStatus.length === 0, 'every page and asset loads', ...badStatus);
  check(foreign.length === 0, 'no request leaves the kiosk', ...foreign);
  await context.close();
} catch (e) {
  fail('browser test ran to the end', e.stack || e);
} finally {
  await browser.close();
  server.child.kill('SIGTERM');
  await new Promise((r) => server.child.on('exit', r));
}

// The kiosk's files never hold what was typed.
const leaked = [spool, `${spool}-wal`, `${spool}-shm`].filter(
  (f) => existsSync(f) && readFileSync(f).includes(MARK));
check(leaked.length === 0 && !server.log().includes(MARK), 'no plaintext in the spool or the server log', ...leaked);

// And the administrator gets exactly what was typed.
try {
  const bundle = join(dir, 'bundle');
  const db = join(dir, 'intake.db');
  execFileSync(PEERKIOSK, ['export', '--spool', spool, '--out', bundle], { env, stdio: 'ignore' });
  execFileSync(PEERADMIN, ['import', '--key', join(dir, 'keys/admin.key'), '--passphrase-file', pass,
                           '--db', db, bundle], { env, stdio: 'ignore' });
  const rows = JSON.parse(execFileSync(PEERADMIN, ['list', '--key', join(dir, 'keys/admin.key'),
                                                   '--passphrase-file', pass, '--db', db, '--json'], { env }));
  check(rows.length === 1, 'exactly one request reached the administrator', JSON.stringify(rows));
  const shown = JSON.parse(execFileSync(PEERADMIN, ['show', String(rows[0].id), '--key', join(dir, 'keys/admin.key'),
                                                    '--passphrase-file', pass, '--db', db, '--json'], { env }));
  const f = shown.fields;
  check(shown.reference === reference, 'peeradmin show has the reference the browser showed', shown.reference);
  check(shown.channel === 'kiosk:browser', 'peeradmin show has the kiosk channel', shown.channel);
  check(f.name === typed.name && f.email === typed.email && f.message === typed.message &&
        f.referral === 'self' && f.role === 'resident' && f.consent === 'yes' &&
        JSON.stringify(f.modality) === '["phone"]',
        'peeradmin show has exactly the values typed in the browser', JSON.stringify(f));
} catch (e) {
  fail('export and import of the browser request', e.stack || e);
}
process.exit(failed() ? 1 : 0);
