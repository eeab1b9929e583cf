// The public request page on a plain static host (`python3 -m http.server`, no
// peerkit process): the browser seals, the armored text in #sealed-request
// goes through `peeradmin import` and `peeradmin show` gives back every field
// typed; the fingerprint shown is the sealing key's, every script has SRI, no
// request leaves the origin, nothing is posted, stored or put in the URL; with
// JavaScript off nothing can be sent at all. Then the same page built with
// submit_url pointing at `peerkiosk drop`: sent, exported, imported, compared.
import AxeBuilder from '@axe-core/playwright';
import { spawn, execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, writeFileSync, readFileSync, appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { ROOT, buildSite, launch, tempDir, check, fail, failed } from './lib.mjs';

const PEERKIOSK = process.env.PEERKIOSK || `${ROOT}/bin/peerkiosk`;
const PEERADMIN = process.env.PEERADMIN || `${ROOT}/bin/peeradmin`;
const HELPERS = process.env.TEST_HELPERS || `${ROOT}/build/release/tests`;
const env = { ...process.env };
const dir = tempDir();
const pass = join(dir, 'pass');
writeFileSync(pass, 'a long enough test passphrase\n', { mode: 0o600 });
execFileSync(`${HELPERS}/fast_keygen`, [join(dir, 'keys'), pass], { env, stdio: 'ignore' });
const fingerprint = /^fingerprint: (.*)$/m.exec(readFileSync(join(dir, 'keys/admin.pub'), 'utf8'))[1];
const keyArgs = ['--key', join(dir, 'keys/admin.key'), '--passphrase-file', pass];

function keyedSite(name, extraSiteYml) {
  const content = join(dir, `${name}-content`);
  cpSync(`${ROOT}/tests/fixtures/minimal`, content, { recursive: true });
  mkdirSync(join(content, 'keys'), { recursive: true });
  cpSync(join(dir, 'keys/admin.pub'), join(content, 'keys/admin.pub'));
  if (extraSiteYml) appendFileSync(join(content, 'site.yml'), extraSiteYml);
  const site = join(dir, `${name}-site`);
  buildSite(content, site);
  return site;
}

async function freePort() {
  const srv = createServer();
  await new Promise((r) => srv.listen(0, '127.0.0.1', r));
  const port = srv.address().port;
  await new Promise((r) => srv.close(r));
  return port;
}

// Starts a child and resolves once `ready` matches its output.
function start(cmd, args, ready) {
  const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  return new Promise((resolve, reject) => {
    const look = (d) => { out += d; const m = ready.exec(out); if (m) resolve({ child, m, log: () => out }); };
    child.stdout.on('data', look);
    child.stderr.on('data', look);
    child.on('exit', (code) => reject(new Error(`${cmd} exited ${code}: ${out}`)));
  });
}

async function stop(p) {
  p.child.kill('SIGTERM');
  await new Promise((r) => (p.child.exitCode !== null ? r() : p.child.on('exit', r)));
}

async function staticHost(site) {
  const port = await freePort();
  const p = await start('python3', ['-u', '-m', 'http.server', '--bind', '127.0.0.1', '--directory', site, String(port)],
                        /Serving HTTP/);
  return { ...p, url: `http://127.0.0.1:${port}/` };
}

const typed = {
  name: 'Dr Static Ünïcode “quoted” <b>&',
  email: 'static@example.org',
  message: 'Line one\nLine two with a tab\there and an emoji 🙂',
};

async function fill(page) {
  await page.getByLabel('Myself').check();
  await page.getByLabel('Your name').fill(typed.name);
  await page.getByLabel('Email').fill(typed.email);
  await page.getByLabel('Your role').selectOption('resident');
  await page.getByLabel('Phone').check();
  await page.getByLabel('In person').check();
  await page.getByLabel('Anything else?').fill(typed.message);
  await page.getByLabel('I understand this is not an emergency service.').check();
}

// Watches a page: every request, errors, storage.
function watch(page, origin, allowed = []) {
  const w = { errors: [], foreign: [], posts: [] };
  page.on('pageerror', (e) => w.errors.push(String(e)));
  page.on('console', (m) => {
    // Failed loads are checked by status (Chromium asks for /favicon.ico).
    if (m.type() === 'error' && !/^Failed to load resource/.test(m.text())) w.errors.push(m.text());
  });
  page.on('request', (r) => {
    if (!r.url().startsWith(origin) && !allowed.some((a) => r.url().startsWith(a))) w.foreign.push(r.url());
    if (r.method() !== 'GET' && r.method() !== 'HEAD') w.posts.push(`${r.method()} ${r.url()}`);
  });
  return w;
}

async function axe(page, name) {
  const r = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  check(r.violations.length === 0, `axe WCAG 2.1 A/AA: ${name}`, ...r.violations.map((v) => `${v.id}: ${v.help}`));
}

function importAndShow(db, file) {
  execFileSync(PEERADMIN, ['import', ...keyArgs, '--db', db, file], { env, stdio: 'pipe' });
  const rows = JSON.parse(execFileSync(PEERADMIN, ['list', ...keyArgs, '--db', db, '--json'], { env }));
  if (rows.length !== 1) throw new Error(`expected one request, got ${JSON.stringify(rows)}`);
  return JSON.parse(execFileSync(PEERADMIN, ['show', String(rows[0].id), ...keyArgs, '--db', db, '--json'], { env }));
}

function sameFields(shown, name) {
  const f = shown.fields;
  check(f.name === typed.name && f.email === typed.email && f.message === typed.message &&
        f.referral === 'self' && f.role === 'resident' && f.consent === 'yes' &&
        JSON.stringify(f.modality) === '["in-person","phone"]' && Object.keys(f).length === 7,
        `${name}: peeradmin show has exactly the values typed`, JSON.stringify(f));
  check(shown.channel === 'web', `${name}: the channel is "web"`, shown.channel);
}

const browser = await launch();
const hosts = [];
try {
  // ---- armored text on a plain static host ----
  const host = await staticHost(keyedSite('armor'));
  hosts.push(host);

  // The public site never clears a form by itself: only the kiosk does.
  const idleCtx = await browser.newContext();
  const idlePage = await idleCtx.newPage();
  await idlePage.clock.install();
  await idlePage.goto(host.url + 'request/');
  await idlePage.waitForSelector('#request-form[data-ready="yes"]');
  await idlePage.getByLabel('Your name').fill('Still typing slowly');
  await idlePage.clock.runFor(30 * 60_000);
  check(await idlePage.getByLabel('Your name').inputValue() === 'Still typing slowly' &&
        await idlePage.locator('dialog').count() === 0,
        'the public request page keeps what was typed after 30 idle minutes');
  await idleCtx.close();
  const context = await browser.newContext({ permissions: ['clipboard-read', 'clipboard-write'] });
  const page = await context.newPage();
  const w = watch(page, host.url);
  await page.goto(host.url + 'request/');
  await page.waitForSelector('#request-form[data-ready]');
  check(await page.getAttribute('#request-form', 'data-ready') === 'yes', 'the page is ready to seal on a static host');
  const shownFp = await page.textContent('#seal-fingerprint');
  check(shownFp === fingerprint && await page.getAttribute('#seal-fingerprint', 'data-computed') === 'browser',
        'the fingerprint shown is computed in the browser from the sealing key', `shown ${shownFp}, admin.pub ${fingerprint}`);
  const scripts = await page.$$eval('script', (ss) => ss.map((s) => ({ src: s.getAttribute('src'), sri: s.integrity })));
  check(scripts.length >= 4 && scripts.every((s) => s.src && /^sha256-/.test(s.sri)),
        'every script on the page is a file with Subresource Integrity', JSON.stringify(scripts));

  // The page's own checks (GOV.UK error summary) stop an incomplete form
  // before any sealing: no way to reach the person, then a bad address.
  check(await page.evaluate(() => document.getElementById('request-form').noValidate),
        'the page checks the form itself, not with the browser\'s bubbles');
  await page.getByLabel('Your name').fill('Kept while fixing');
  await page.getByRole('button', { name: 'Seal my request' }).click();
  let problems = await page.locator('#seal-errors').innerText();
  check(/There is a problem/.test(problems) && /Email — give at least one of Email or Pager, so we can reach you/.test(problems),
        'a request with no way to reach the person is stopped before sealing', problems);
  check(await page.evaluate(() => document.activeElement.id) === 'seal-errors', 'the error summary takes focus');
  await page.getByLabel('Email').fill('not-an-address');
  await page.getByRole('button', { name: 'Seal my request' }).click();
  problems = await page.locator('#seal-errors').innerText();
  const links = await page.locator('#seal-errors a').evaluateAll((as) => as.map((a) => `${a.getAttribute('href')} ${a.textContent}`));
  check(links[0] === '#f-referral-self Who is this for? — required: please choose one' &&
        links.includes('#f-email Email — not an email address') && !/Your name/.test(problems),
        'the summary lists each problem in the form\'s order, linking to its field', JSON.stringify(links));
  check(await page.getByLabel('Your name').inputValue() === 'Kept while fixing', 'what was typed stays while fixing it');
  await page.locator('#seal-errors a[href="#f-email"]').click();
  check(await page.evaluate(() => document.activeElement.id) === 'f-email', 'the summary link moves focus to its field');
  check(await page.getAttribute('#f-email', 'aria-invalid') === 'true' &&
        /^f-email-error\b/.test(await page.getAttribute('#f-email', 'aria-describedby')) &&
        /Error: Not an email address/.test(await page.locator('#f-email-error').textContent()),
        'the field is marked: its message, aria-invalid and aria-describedby',
        await page.locator('[data-field="email"]').innerHTML());
  await axe(page, 'the request page with its error summary');
  check(await page.locator('#seal-armor').isHidden(), 'nothing is sealed while the form has problems');

  await fill(page);
  const before = page.url();
  await page.getByRole('button', { name: 'Seal my request' }).click();
  await page.waitForSelector('#seal-armor:not([hidden])');
  check(await page.locator('#seal-errors').isHidden() && await page.locator('[aria-invalid], .error-message').count() === 0,
        'once sealed, the error marks are gone');
  const armored = await page.inputValue('#sealed-request');
  check(/^-----BEGIN PEERKIT REQUEST-----\n([A-Za-z0-9+/=]{1,64}\n)+-----END PEERKIT REQUEST-----\n$/.test(armored),
        'the armored request is in #sealed-request as envelope_armor writes it', armored.slice(0, 200));
  check(await page.getAttribute('#sealed-request', 'readonly') !== null, '#sealed-request is read-only');
  const reference = (await page.textContent('#seal-armor .seal-reference')).trim();
  await axe(page, 'the sealed request with its steps');
  check(await page.getByLabel('Your name').inputValue() === '' && await page.getByLabel('Anything else?').inputValue() === '',
        'the form is cleared after sealing');
  check(page.url() === before, 'nothing was put in the URL', page.url());
  const stored = await page.evaluate(() => localStorage.length + sessionStorage.length);
  check(stored === 0, 'nothing was stored in localStorage or sessionStorage', String(stored));
  const mailto = await page.getAttribute('#seal-email', 'href');
  check(mailto.startsWith('mailto:peers@example.org?subject=') && decodeURIComponent(mailto).includes(armored.trim()),
        '"Email it" is a mailto to the program with the sealed text in the body', mailto.slice(0, 120));
  const steps = await page.locator('#seal-armor ol').innerText();
  check(/with the sealed text in it/.test(steps) && !/too long/.test(steps), 'the steps say the message opens with the sealed text in it', steps);
  check(await page.getAttribute('#seal-download', 'download') === 'request.peerreq' &&
        (await page.getAttribute('#seal-download', 'href')).startsWith('blob:'), 'Download offers a .peerreq file');
  await page.getByRole('button', { name: 'Copy' }).click();
  const clip = await page.evaluate(() => navigator.clipboard.readText());
  check(clip === armored, 'Copy puts the sealed text on the clipboard');
  const fileArmor = join(dir, 'pasted.txt');
  writeFileSync(fileArmor, `From the requester's email:\n\n${armored}\nThanks\n`);
  const shown = importAndShow(join(dir, 'armor.db'), fileArmor);
  sameFields(shown, 'armored text');
  check(shown.reference === reference, 'armored text: the reference shown is the sealed one', `${shown.reference} vs ${reference}`);
  check(w.errors.length === 0, 'static host: no JavaScript or Content-Security-Policy errors', ...w.errors);
  check(w.foreign.length === 0, 'static host: no request leaves the origin', ...w.foreign);
  check(w.posts.length === 0, 'static host: nothing is posted anywhere', ...w.posts);
  await context.close();

  // ---- a sealed request too long for an email link ----
  const longCtx = await browser.newContext();
  const pageL = await longCtx.newPage();
  await pageL.goto(host.url + 'request/');
  await pageL.waitForSelector('#request-form[data-ready="yes"]');
  await fill(pageL);
  await pageL.getByLabel('Anything else?').fill('€'.repeat(500));
  await pageL.getByRole('button', { name: 'Seal my request' }).click();
  await pageL.waitForSelector('#seal-armor:not([hidden])');
  const longHref = await pageL.getAttribute('#seal-email', 'href');
  const longSteps = await pageL.locator('#seal-armor ol').innerText();
  check(!/body=/.test(longHref) && longHref.startsWith('mailto:peers@example.org?subject='),
        'a sealed request too long for a mailto link is not put in it', longHref.slice(0, 120));
  check(/too long to fit in an email link/.test(longSteps) && /paste the sealed text into it/.test(longSteps) &&
        !/with the sealed text in it/.test(longSteps),
        'then the steps say to paste or attach it, not that the message opens with it', longSteps);
  await longCtx.close();

  // ---- JavaScript off: nothing can be sent ----
  const noJs = await browser.newContext({ javaScriptEnabled: false });
  const page2 = await noJs.newPage();
  const w2 = watch(page2, host.url);
  await page2.goto(host.url + 'request/');
  const main = await page2.locator('main').innerText();
  check(/needs JavaScript/.test(main) && /555-0100/.test(main) && /peers@example\.org/.test(main),
        'without JavaScript the page gives the phone and email instead', main.slice(0, 400));
  check(await page2.getByLabel('Your name').isDisabled() && await page2.getByRole('button', { name: 'Seal my request' }).isDisabled(),
        'without JavaScript the form cannot be filled or sent');
  await page2.getByRole('button', { name: 'Seal my request' }).click({ force: true, timeout: 2000 }).catch(() => {});
  await page2.locator('#f-name').press('Enter', { timeout: 2000 }).catch(() => {});
  await page2.waitForTimeout(300);
  check(w2.posts.length === 0 && page2.url() === host.url + 'request/', 'without JavaScript nothing is posted', ...w2.posts, page2.url());
  await noJs.close();
  // The library fails to load (blocked here): the same, with JavaScript on.
  const broken = await browser.newContext();
  const page4 = await broken.newPage();
  const w4 = watch(page4, host.url);
  await page4.route(/\/vendor\/libsodium\.[0-9a-f]+\.js$/, (r) => r.abort());
  await page4.goto(host.url + 'request/');
  await page4.waitForSelector('#request-form[data-ready]');
  check(await page4.getAttribute('#request-form', 'data-ready') === 'no' && await page4.getByLabel('Your name').isDisabled() &&
        await page4.locator('#seal-off').isVisible() && w4.posts.length === 0,
        'when the library cannot load, the form stays disabled with the phone and email, and nothing is posted');
  await broken.close();
  // Even with its fields forced open and no script to take the submission
  // over, the form cannot send to the host: it has no method or action that
  // posts, and the page's policy allows no form submission at all.
  const forced = await browser.newContext();
  const page5 = await forced.newPage();
  const w5 = watch(page5, host.url);
  const sent5 = [];
  page5.on('request', (r) => { if (new URL(r.url()).search || r.method() !== 'GET') sent5.push(`${r.method()} ${r.url()}`); });
  await page5.route(/\/assets\/request\.[0-9a-f]+\.js$/, (r) => r.abort());
  await page5.goto(host.url + 'request/');
  await page5.evaluate(() => { document.getElementById('request-fields').disabled = false; });
  await page5.getByLabel('Your name').fill('Forced open');
  await page5.getByLabel('I understand this is not an emergency service.').check();
  await page5.getByLabel('Myself').check();
  await page5.getByRole('button', { name: 'Seal my request' }).click();
  await page5.waitForTimeout(300);
  check(sent5.length === 0 && page5.url() === host.url + 'request/',
        'with its fields forced open and no script, the form sends nothing to the host', ...sent5, page5.url());
  const csp5 = await page5.getAttribute('meta[http-equiv="Content-Security-Policy"]', 'content');
  check(/form-action 'none'/.test(csp5), "the request page's policy allows no form submission", csp5);
  const blocked = new Promise((resolve) => page5.on('console', (m) => { if (/form-action/.test(m.text())) resolve(true); }));
  await page5.evaluate(() => {
    const f = document.getElementById('request-form');
    f.method = 'post';
    f.action = '../request';
    f.submit();
  });
  await Promise.race([blocked, page5.waitForTimeout(1000)]);
  await page5.waitForTimeout(200);
  check(sent5.length === 0, 'a form made to post anyway is stopped by form-action', ...sent5);
  check(w5.posts.length === 0, 'forced open: nothing is posted', ...w5.posts);
  await forced.close();
  // While the library loads (held here), the page says it is preparing to
  // seal, not that JavaScript is off; then it is ready.
  const slow = await browser.newContext();
  const page6 = await slow.newPage();
  let release;
  const held = new Promise((r) => { release = r; });
  await page6.route(/\/vendor\/libsodium\.[0-9a-f]+\.js$/, async (r) => { await held; await r.continue(); });
  await page6.goto(host.url + 'request/');
  const waiting = await page6.locator('#seal-how').innerText();
  check(/Preparing to seal/.test(waiting) && !/needs JavaScript/.test(waiting) &&
        await page6.getByLabel('Your name').isDisabled(),
        'while the library loads, the page says it is preparing to seal (not that JavaScript is off)', waiting);
  release();
  await page6.waitForSelector('#request-form[data-ready]');
  const readyHow = await page6.locator('#seal-how').innerText();
  check(await page6.getAttribute('#request-form', 'data-ready') === 'yes' && /When you press/.test(readyHow) &&
        !/Preparing/.test(readyHow), 'once loaded, the page says how it seals', readyHow);
  await slow.close();
  const log = host.log();
  check(!/"POST/.test(log), 'the static host never received a POST', log.split('\n').filter((l) => /POST/.test(l)).join('\n'));

  // ---- no key in the content: the page says so, with or without JavaScript ----
  const noKeySite = join(dir, 'nokey-site');
  buildSite(`${ROOT}/tests/fixtures/minimal`, noKeySite);
  const noKeyHost = await staticHost(noKeySite);
  hosts.push(noKeyHost);
  for (const js of [true, false]) {
    const ctx = await browser.newContext({ javaScriptEnabled: js });
    const pg = await ctx.newPage();
    await pg.goto(noKeyHost.url + 'request/');
    if (js) await pg.waitForLoadState('load');
    await pg.waitForTimeout(200);
    const how = await pg.locator('#seal-how').innerText();
    check(/cannot take requests online yet/.test(how) && /555-0100/.test(how) && /peers@example\.org/.test(how) &&
          !/needs JavaScript/.test(how) && !/Preparing/.test(how) && await pg.getByLabel('Your name').isDisabled(),
          `without a key (JavaScript ${js ? 'on' : 'off'}) the page says it cannot take requests online yet, with the phone and email`, how);
    await ctx.close();
  }

  // ---- submit_url: the same page posts to peerkiosk drop ----
  const dropPort = await freePort();
  const webPort = await freePort();
  const webOrigin = `http://127.0.0.1:${webPort}`;
  const spool = join(dir, 'drop.db');
  const drop = await start(PEERKIOSK, ['drop', '--pubkey', join(dir, 'keys/admin.pub'), '--spool', spool,
                                       '--listen', `127.0.0.1:${dropPort}`, '--allow-origin', webOrigin],
                           /peerkiosk: drop box listening on port (\d+)/);
  hosts.push(drop);
  const site3 = keyedSite('drop', `submit_url: http://127.0.0.1:${dropPort}/drop\n`);
  const p3 = await start('python3', ['-u', '-m', 'http.server', '--bind', '127.0.0.1', '--directory', site3, String(webPort)],
                         /Serving HTTP/);
  hosts.push(p3);
  const ctx3 = await browser.newContext();
  const page3 = await ctx3.newPage();
  const w3 = watch(page3, webOrigin + '/', [`http://127.0.0.1:${dropPort}/drop`]);
  await page3.goto(webOrigin + '/request/');
  await page3.waitForSelector('#request-form[data-ready]');
  const csp = await page3.getAttribute('meta[http-equiv="Content-Security-Policy"]', 'content');
  check(/connect-src 'self' http:\/\/127\.0\.0\.1:\d+\/drop;/.test(csp), 'connect-src allows submit_url only', csp);
  await fill(page3);
  await page3.getByRole('button', { name: 'Seal and send' }).click();
  await page3.waitForSelector('#seal-sent:not([hidden]), #seal-armor:not([hidden])');
  const sent = await page3.locator('main').innerText();
  await axe(page3, 'the confirmation after sending');
  check(await page3.locator('#seal-sent').isVisible() && /within one business day/.test(sent),
        'after sending, the page shows the reference and the response time', sent.slice(0, 600));
  const ref3 = (await page3.textContent('#seal-sent .seal-reference')).trim();
  check(w3.posts.length === 1 && w3.posts[0] === `POST http://127.0.0.1:${dropPort}/drop`,
        'exactly one POST, to submit_url', ...w3.posts);
  check(w3.foreign.length === 0, 'submit_url: no request to any other origin', ...w3.foreign);
  check(w3.errors.length === 0, 'submit_url: no JavaScript or CSP errors', ...w3.errors);
  await ctx3.close();

  // A drop box that does not take the request: the sealed text to email,
  // with why nothing was sent, worded by the drop box's answer.
  const refusals = [
    [429, /busy, so nothing was sent: please try again in a minute/],
    [413, /too large for the drop box, so nothing was sent/],
    [403, /does not accept requests for this key, so nothing was sent: please contact the program/],
    [503, /cannot store requests right now, so nothing was sent/],
    [0, /could not be reached, so nothing was sent/],
  ];
  for (const [status, words] of refusals) {
    const ctx = await browser.newContext();
    const pg = await ctx.newPage();
    await pg.route(`http://127.0.0.1:${dropPort}/drop`, (r) => {
      if (status === 0) return r.abort('connectionrefused');
      return r.fulfill({ status, body: 'no', headers: { 'Access-Control-Allow-Origin': webOrigin } });
    });
    await pg.goto(webOrigin + '/request/');
    await pg.waitForSelector('#request-form[data-ready="yes"]');
    await fill(pg);
    await pg.getByRole('button', { name: 'Seal and send' }).click();
    await pg.waitForSelector('#seal-armor:not([hidden])');
    const unsent = await pg.locator('#seal-unsent').innerText();
    check(words.test(unsent) && /sealed below/.test(unsent) && (status === 0 || !/could not be reached/.test(unsent)) &&
          /^-----BEGIN PEERKIT REQUEST-----/.test(await pg.inputValue('#sealed-request')),
          `a drop box answer of ${status || 'none'} is worded as such, and the sealed text is offered`, unsent);
    await ctx.close();
  }
  const bundle = join(dir, 'drop.bundle');
  execFileSync(PEERKIOSK, ['export', '--spool', spool, '--out', bundle], { env, stdio: 'ignore' });
  const shown3 = importAndShow(join(dir, 'drop-import.db'), bundle);
  sameFields(shown3, 'drop box');
  check(shown3.reference === ref3, 'drop box: the reference shown is the sealed one', `${shown3.reference} vs ${ref3}`);
} catch (e) {
  fail('request page test ran to the end', e.stack || e);
} finally {
  await browser.close();
  for (const h of hosts) await stop(h).catch(() => {});
}
process.exit(failed() ? 1 : 0);
