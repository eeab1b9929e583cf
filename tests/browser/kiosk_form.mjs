// A real browser against a real `peerkiosk serve` on 127.0.0.1: fill the request
// form by its labels; the browser seals it and posts it to the kiosk's /drop;
// the back button and the idle timer leave no trace of what was typed; without
// JavaScript the kiosk seals it itself (its 422 and thank-you pages pass axe);
// a request the kiosk refuses (over --rate) says it was not sent, offers no
// sealed text and goes home after the idle time;
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
writeFileSync(pass, 'a long enough test passphrase\n', { mode: 0o600 });
// The smallest Argon2id cost, recorded in the key file (tests/helpers/fast_keygen.c).
execFileSync(`${HELPERS}/fast_keygen`, [join(dir, 'keys'), pass], { env, stdio: 'ignore' });
cpSync(`${ROOT}/tests/fixtures/minimal`, join(dir, 'content'), { recursive: true });
mkdirSync(join(dir, 'content/keys'), { recursive: true });
cpSync(join(dir, 'keys/admin.pub'), join(dir, 'content/keys/admin.pub'));
const site = join(dir, 'site');
buildSite(join(dir, 'content'), site);
const spool = join(dir, 'spool.db');

// Starts the server on a free port and resolves with its base URL.
function serve(spoolFile = spool, extra = []) {
  const child = spawn(PEERKIOSK, ['serve', '--site', site, '--pubkey', join(dir, 'keys/admin.pub'),
                                  '--spool', spoolFile, '--listen', '127.0.0.1:0', '--kiosk-id', 'browser', ...extra],
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
let reference = null, noJsReference = null;
async function fillForm(page, who) {
  await page.getByLabel('Myself').check();
  await page.getByLabel('Your name').fill(who.name);
  await page.getByLabel('Email').fill(who.email);
  await page.getByLabel('Your role').selectOption('resident');
  await page.getByLabel('Phone').check();
  await page.getByLabel('Anything else?').fill(who.message);
  await page.getByLabel('I understand this is not an emergency service.').check();
}
try {
  const context = await browser.newContext();
  const page = await context.newPage();
  const errors = [], foreign = [], posts = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  // Failed loads are checked by status below.
  page.on('console', (m) => {
    if (m.type() === 'error' && !/^Failed to load resource/.test(m.text())) errors.push(m.text());
  });
  page.on('request', (r) => {
    if (!r.url().startsWith(server.url)) foreign.push(r.url());
    if (r.method() === 'POST') posts.push(new URL(r.url()).pathname);
  });
  const badStatus = [];
  page.on('response', (r) => {
    const path = new URL(r.url()).pathname;
    if (r.status() >= 400 && path !== '/favicon.ico') badStatus.push(`${r.status()} ${path}`);
  });
  await page.clock.install();
  await page.goto(server.url + 'request/');
  await page.waitForSelector('#request-form[data-ready]');
  check(await page.getAttribute('#request-form', 'data-ready') === 'yes', 'the kiosk page is ready to seal in the browser');
  const how = await page.locator('#seal-how').innerText();
  check(/this kiosk’s browser/.test(how) && !/needs JavaScript/.test(how), 'the kiosk page says where sealing happens here', how);

  // Left alone, the form warns with a countdown before it clears (the
  // fixture's kiosk idle time is 90 s: a 30 s countdown after 60 s).
  await page.getByLabel('Your name').fill('Someone who walked away');
  // The scroll that filling causes arrives with the next frames: let it come.
  await page.clock.runFor(500);
  await page.clock.runFor(59_000);
  check(!(await page.locator('dialog.idle-warning').isVisible()), 'no warning before the idle time');
  await page.clock.runFor(2_000);
  const warning = page.getByRole('dialog', { name: 'Are you still there?' });
  // The page paints what the fake clock did in its own time: on a busy
  // machine, give it a few real seconds to show it.
  const settles = async (re) => {
    for (let i = 0; i < 50; i++) {
      const text = await warning.innerText().catch(() => '');
      if ((await warning.isVisible()) && re.test(text)) return text;
      await new Promise((r) => setTimeout(r, 100));
    }
    return await warning.innerText().catch(() => '');
  };
  const counted = await settles(/cleared in (29|30) seconds/);
  check(await warning.isVisible() && /cleared in (29|30) seconds/.test(counted),
        'after 60 idle seconds a dialog counts down from 30 seconds', counted);
  await page.clock.runFor(5_000);
  const later = await settles(/cleared in 2[3-5] seconds/);
  check(/cleared in 2[3-5] seconds/.test(later), 'the countdown is visible', later);
  check(await page.evaluate(() => document.activeElement.textContent) === 'I’m still here', 'the dialog takes focus on its button');
  const axeIdle = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  check(axeIdle.violations.length === 0, 'axe WCAG 2.1 A/AA: the idle warning',
        ...axeIdle.violations.map((v) => `${v.id}: ${v.help}`));
  await page.getByRole('button', { name: 'I’m still here' }).click();
  check(!(await warning.isVisible()) && await page.getByLabel('Your name').inputValue() === 'Someone who walked away',
        '"I\'m still here" keeps the form as it was');
  await page.clock.runFor(91_000);
  check(await page.getByLabel('Your name').inputValue() === '' && !(await warning.isVisible()),
        'an idle form is cleared when the countdown ends');

  await fillForm(page, typed);
  await page.getByRole('button', { name: 'Seal my request' }).click();
  await page.waitForSelector('#seal-sent:not([hidden])');
  const text = await page.locator('#seal-sent').innerText();
  const m = /Your reference: ([A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4})/.exec(text);
  check(m, 'the page shows the reference code once the kiosk stored the sealed request', text);
  reference = m && m[1];
  check(/within one business day/.test(text), 'the page promises the response time');
  check(!/left this device/.test(text) && /stored on this kiosk, so nobody here can read it/.test(text) &&
        /goes back to the home page after 90 seconds/.test(text),
        'the kiosk says the sealed request is stored here, and when the page goes home', text);
  check(JSON.stringify(posts) === '["/drop"]', 'the browser sealed and posted to the kiosk\'s /drop only', JSON.stringify(posts));
  check(await page.getByLabel('Your name').inputValue() === '', 'the form is cleared once sealed');
  const axeThanks = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  check(axeThanks.violations.length === 0, 'axe WCAG 2.1 A/AA: request page with its confirmation',
        ...axeThanks.violations.map((v) => `${v.id}: ${v.help}`));

  // After the idle time the confirmation gives way to the home page.
  await page.clock.runFor(91_000);
  const home = await page.waitForURL(server.url, { timeout: 5000 }).then(() => true, () => false);
  check(home, 'the confirmation returns home after the idle time', page.url());

  // Back: the confirmation replaced itself with the home page; whatever the
  // back button shows holds neither the reference nor what was typed.
  await page.goBack().catch(() => {});
  await page.waitForLoadState();
  const back = await page.content();
  const nameField = await page.locator('#f-name').count() ? await page.locator('#f-name').inputValue() : '';
  check(!back.includes(reference) && !back.includes(MARK) && nameField === '',
        'the back button never shows a sent form or its reference', `url ${page.url()}, name field "${nameField}"`);
  check(errors.length === 0, 'no JavaScript or Content-Security-Policy errors', ...errors);
  check(badStatus.length === 0, 'every page and asset loads', ...badStatus);
  check(foreign.length === 0, 'no request leaves the kiosk', ...foreign);
  await context.close();

  // JavaScript off: the kiosk's form can still be filled and sent (the kiosk seals it).
  const off = await browser.newContext({ javaScriptEnabled: false });
  const page0 = await off.newPage();
  await page0.goto(server.url + 'request/');
  check(await page0.getByLabel('Your name').isEnabled() && await page0.getByRole('button', { name: 'Seal my request' }).isEnabled(),
        'without JavaScript the kiosk form stays usable');
  await off.close();

  // Without the sealing script (blocked here, so that axe can still run), the
  // kiosk seals: the server's 422 page, then its thank-you page.
  const noJs = await browser.newContext();
  const page2 = await noJs.newPage();
  await page2.route(/\/assets\/request\.[0-9a-f]+\.js$/, (r) => r.abort());
  await page2.goto(server.url + 'request/');
  // A request the browser's own checks would stop, sent anyway: the server's
  // 422 page keeps what was typed and links each problem to its field.
  await page2.evaluate(() => { document.getElementById('request-form').noValidate = true; });
  await page2.getByLabel('Your name').fill('Kept “Name” <b>');
  await page2.getByLabel('Email').fill('not-an-address');
  await page2.getByLabel('Anything else?').fill('First line\nsecond line');
  await page2.getByLabel('Phone').check();
  await page2.getByLabel('Your role').selectOption('resident');
  await Promise.all([page2.waitForNavigation(), page2.getByRole('button', { name: 'Seal my request' }).click()]);
  const problems = await page2.locator('#seal-errors').innerText().catch(() => '');
  check(/There is a problem/.test(problems) && /Who is this for\? — required/.test(problems) &&
        /Email — not an email address/.test(problems) && /I understand/.test(problems),
        'without browser sealing, the 422 page starts with every problem by label', problems);
  check(/^Error: /.test(await page2.title()), 'its title starts with "Error:"', await page2.title());
  check(await page2.evaluate(() => document.activeElement.id) === 'seal-errors', 'the error summary has focus');
  check(await page2.getByLabel('Your name').inputValue() === 'Kept “Name” <b>' &&
        await page2.getByLabel('Email').inputValue() === 'not-an-address' &&
        await page2.getByLabel('Anything else?').inputValue() === 'First line\nsecond line' &&
        await page2.getByLabel('Phone').isChecked() && await page2.getByLabel('Your role').inputValue() === 'resident',
        'the 422 page keeps what was typed');
  await page2.locator('#seal-errors a', { hasText: 'Email' }).click();
  check(await page2.evaluate(() => document.activeElement.id) === 'f-email', 'a summary link moves focus to its field');
  await page2.locator('#seal-errors a', { hasText: 'Who is this for?' }).click();
  check(await page2.evaluate(() => document.activeElement.id) === 'f-referral-self', 'a group\'s link moves focus to its first choice');
  check(await page2.getAttribute('#f-email', 'aria-invalid') === 'true' &&
        /Error: Not an email address/.test(await page2.locator('[data-field="email"] .error-message').textContent()),
        'each field is marked with its message and aria-invalid');
  const axe422 = await new AxeBuilder({ page: page2 }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  check(axe422.violations.length === 0, 'axe WCAG 2.1 A/AA: the problems page',
        ...axe422.violations.map((v) => `${v.id}: ${v.help}`));
  // The same kiosk refuses a request with no way to reach the person.
  await page2.getByLabel('Email').fill('');
  await page2.getByLabel('Myself').check();
  await page2.getByLabel('I understand this is not an emergency service.').check();
  await Promise.all([page2.waitForNavigation(), page2.getByRole('button', { name: 'Seal my request' }).click()]);
  check(/Email — give at least one of Email or Pager, so we can reach you/.test(await page2.locator('#seal-errors').innerText()),
        'the kiosk refuses a request with no way to reach the person');
  await fillForm(page2, { name: 'No script', email: 'noscript@example.org', message: 'Sealed by the kiosk.' });
  await Promise.all([page2.waitForURL(/\/request\/thanks\?t=/), page2.getByRole('button', { name: 'Seal my request' }).click()]);
  const thanks = await page2.locator('main').innerText();
  const m2 = /Your reference: ([A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4})/.exec(thanks);
  check(m2, 'without browser sealing the kiosk seals and shows the reference', thanks);
  noJsReference = m2 && m2[1];
  const axeNoJs = await new AxeBuilder({ page: page2 }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  check(axeNoJs.violations.length === 0, 'axe WCAG 2.1 A/AA: thank-you page',
        ...axeNoJs.violations.map((v) => `${v.id}: ${v.help}`));
  await noJs.close();

  // A kiosk that does not take the request (here: over its --rate): the
  // page says it was not sent and how else to reach the program, offers no
  // sealed text to carry away on this shared machine, and goes home after
  // the idle time like a sent one.
  const rated = await serve(join(dir, 'rated.db'), ['--rate', '1']);
  try {
    const ctx = await browser.newContext();
    const pg = await ctx.newPage();
    await pg.clock.install();
    await pg.goto(rated.url + 'request/');
    await pg.waitForSelector('#request-form[data-ready="yes"]');
    await fillForm(pg, { name: 'First', email: 'first@example.org', message: 'One.' });
    await pg.getByRole('button', { name: 'Seal my request' }).click();
    await pg.waitForSelector('#seal-sent:not([hidden])');
    // A fresh page (no timer left from the sent one) for the second request.
    await pg.goto(rated.url + 'request/');
    await pg.waitForSelector('#request-form[data-ready="yes"]');
    await fillForm(pg, { name: `Second ${MARK}`, email: 'second@example.org', message: 'Two.' });
    await pg.getByRole('button', { name: 'Seal my request' }).click();
    await pg.waitForSelector('#seal-failed:not([hidden]), #seal-armor:not([hidden])');
    const failedText = await pg.locator('main').innerText();
    check(await pg.locator('#seal-failed').isVisible() && /Your request was not sent/.test(failedText) &&
          /busy, so nothing was sent: please try again in a minute/.test(failedText) &&
          /Please try again, or contact the program directly: call 555-0100/.test(failedText),
          'at the kiosk a refused request says it was not sent, to try again or call', failedText.slice(0, 800));
    check(await pg.locator('#seal-armor').isHidden() && await pg.inputValue('#sealed-request') === '' &&
          !/BEGIN PEERKIT REQUEST|send it by email/.test(failedText) && await pg.locator('#seal-sent').isHidden(),
          'at the kiosk a refused request offers no sealed text, copy, download or email');
    check(await pg.getByLabel('Your name').inputValue() === '', 'the form is cleared after a refused request');
    const axeFailed = await new AxeBuilder({ page: pg }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
    check(axeFailed.violations.length === 0, 'axe WCAG 2.1 A/AA: request page saying it was not sent',
          ...axeFailed.violations.map((v) => `${v.id}: ${v.help}`));
    await pg.clock.runFor(91_000);
    const wentHome = await pg.waitForURL(rated.url, { timeout: 5000 }).then(() => true, () => false);
    check(wentHome, 'after a refused request the kiosk page returns home after the idle time', pg.url());
    await ctx.close();
  } finally {
    rated.child.kill('SIGTERM');
    await new Promise((r) => rated.child.on('exit', r));
  }
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
  check(rows.length === 2, 'both requests reached the administrator', JSON.stringify(rows));
  const shown = rows.map((r) => JSON.parse(execFileSync(PEERADMIN, ['show', String(r.id), '--key', join(dir, 'keys/admin.key'),
                                                                   '--passphrase-file', pass, '--db', db, '--json'], { env })));
  const js = shown.find((r) => r.reference === reference);
  const nojs = shown.find((r) => r.reference === noJsReference);
  check(js && nojs, 'peeradmin show has the references the browser showed', shown.map((r) => r.reference).join(' '));
  check(js && js.channel === 'kiosk:browser' && nojs && nojs.channel === 'kiosk:browser',
        'both carry the kiosk channel', shown.map((r) => r.channel).join(' '));
  const f = js.fields;
  check(f.name === typed.name && f.email === typed.email && f.message === typed.message &&
        f.referral === 'self' && f.role === 'resident' && f.consent === 'yes' &&
        JSON.stringify(f.modality) === '["phone"]',
        'peeradmin show has exactly the values typed in the browser', JSON.stringify(f));
} catch (e) {
  fail('export and import of the browser request', e.stack || e);
}
process.exit(failed() ? 1 : 0);
