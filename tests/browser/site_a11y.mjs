// Builds the example site (with an administrator key, so the request page is
// ready to seal), serves it on 127.0.0.1 and checks every generated page in
// headless Chromium: axe-core (WCAG 2.1 A and AA) in light and dark colour
// schemes, on a phone (390 px) and a desktop; on the phone, no sideways
// scroll, every tap target at least 24 by 24 px (links inside sentences are
// exempt, as WCAG 2.5.8 says), the page's own heading on the first screen and
// the crisis and program numbers as tel: links. Then the enhancements:
// filters (and what an empty result says), search (words deep in a long page
// and in a bio, from ?q= links), "Ask for this supporter"; printing; and that
// nothing is requested from another host.
import AxeBuilder from '@axe-core/playwright';
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ROOT, buildSite, serveDir, launch, tempDir, check, fail, failed } from './lib.mjs';

const HELPERS = process.env.TEST_HELPERS || `${ROOT}/build/release/tests`;
const dir = tempDir();
const content = join(dir, 'content');
cpSync(`${ROOT}/content`, content, { recursive: true });
writeFileSync(join(dir, 'pass'), 'a long enough test passphrase\n', { mode: 0o600 });
execFileSync(`${HELPERS}/fast_keygen`, [join(dir, 'keys'), join(dir, 'pass')], { stdio: 'ignore' });
mkdirSync(join(content, 'keys'), { recursive: true });
cpSync(join(dir, 'keys/admin.pub'), join(content, 'keys/admin.pub'));
const out = join(dir, 'site');
buildSite(content, out);

function pages(d) {
  const res = [];
  for (const name of readdirSync(d)) {
    const p = join(d, name);
    if (statSync(p).isDirectory()) res.push(...pages(p));
    else if (name.endsWith('.html')) res.push(relative(out, p));
  }
  return res.sort();
}

// The last long word of a Markdown body, and how far into it that word is.
function lastWord(file) {
  const body = readFileSync(file, 'utf8').split(/^---$/m).slice(2).join('---');
  const words = body.match(/[A-Za-z]{7,}/g);
  const word = words[words.length - 1];
  return { word, at: body.lastIndexOf(word) };
}

const PHONE = { width: 390, height: 844 };
const server = await serveDir(out);
const browser = await launch();
try {
  const all = pages(out);
  check(all.length >= 20, `example site has many pages (${all.length})`);
  for (const [size, viewport] of [['390 px', PHONE], ['1280 px', { width: 1280, height: 800 }]]) {
    for (const scheme of ['light', 'dark']) {
      const context = await browser.newContext({ colorScheme: scheme, viewport });
      const page = await context.newPage();
      const foreign = [], wide = [], small = [], low = [], untel = [];
      page.on('request', (r) => { if (!r.url().startsWith(server.url)) foreign.push(r.url()); });
      for (const rel of all) {
        const path = rel.replace(/index\.html$/, '');
        await page.goto(server.url + path);
        if (path === 'request/') await page.waitForSelector('#request-form[data-ready="yes"]');
        const result = await new AxeBuilder({ page })
          .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
        const v = result.violations;
        check(v.length === 0, `axe WCAG 2.1 A/AA (${size}, ${scheme}): /${path}`,
              ...v.map((x) => `${x.id}: ${x.help} — ${x.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')}`));
        if (viewport !== PHONE) continue;
        const m = await page.evaluate(() => {
          const shown = (el) => {
            const r = el.getBoundingClientRect(), s = getComputedStyle(el);
            return r.width > 0 && r.height > 0 && s.visibility !== 'hidden' && r.top >= 0;
          };
          // A link in a sentence: its block holds more text than the link.
          const inline = (el) => {
            if (el.tagName !== 'A') return false;
            const block = el.closest('p, li, td, dd, dt, figcaption, caption, label, legend');
            return block && block.textContent.trim().length > el.textContent.trim().length;
          };
          const targets = [...document.querySelectorAll('a[href], button, summary, input, select, textarea')]
            .filter((el) => shown(el) && !el.closest('[hidden], .skip-link') && !inline(el))
            .map((el) => { const r = el.getBoundingClientRect(); return { el, w: r.width, h: r.height }; })
            .filter((t) => t.w < 24 || t.h < 24)
            .map((t) => `${t.el.tagName.toLowerCase()} "${(t.el.textContent || t.el.name || '').trim().slice(0, 30)}" ${t.w.toFixed(0)}x${t.h.toFixed(0)}`);
          const h1 = document.querySelector('main h1');
          const tel = (sel) => [...document.querySelectorAll(sel + ' a[href^="tel:"]')].length;
          return {
            scroll: document.documentElement.scrollWidth - document.documentElement.clientWidth,
            targets,
            h1: h1 ? h1.getBoundingClientRect().bottom : 0,
            tel: tel('.crisis .crisis-short') > 0 && tel('.site-footer') > 0,
          };
        });
        if (m.scroll > 0) wide.push(`/${path} scrolls ${m.scroll} px sideways`);
        if (m.targets.length) small.push(`/${path}: ${m.targets.join('; ')}`);
        if (!(m.h1 > 0 && m.h1 < 700)) low.push(`/${path}: heading ends at ${m.h1} px`);
        if (!m.tel) untel.push(`/${path}`);
      }
      if (viewport === PHONE) {
        check(wide.length === 0, `no page scrolls sideways at 390 px (${scheme})`, ...wide);
        check(small.length === 0, `every tap target is at least 24 by 24 px at 390 px (${scheme})`, ...small);
        check(low.length === 0, `the page's own heading is on the first screen of a phone (${scheme})`, ...low);
        check(untel.length === 0, `the crisis and program numbers are tel: links on every page (${scheme})`, ...untel);
      }
      check(foreign.length === 0, `no third-party request (${size}, ${scheme})`, ...foreign.slice(0, 5));
      await context.close();
    }
  }

  const context = await browser.newContext({ viewport: PHONE });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });

  // On a phone the crisis banner is one line that opens to its numbers, and
  // the menu is folded.
  await page.goto(server.url + 'faq/');
  const crisis = page.locator('.crisis-short');
  check(await crisis.isVisible() && (await crisis.boundingBox()).height < 50 &&
        !(await page.locator('.crisis-short a[href="tel:988"]').isVisible()),
        'on a phone the crisis banner is one short line');
  await page.locator('.crisis-short summary').click();
  check(await page.locator('.crisis-short a[href="tel:988"]').isVisible() &&
        await page.locator('.crisis-short a[href="sms:988"]').isVisible() &&
        await page.locator('.crisis-short a[href="tel:18884090141"]').isVisible(),
        'opened, it gives the crisis numbers as tel: and sms: links');
  const menuLink = page.locator('.nav-narrow a', { hasText: 'Supporters' });
  check(!(await menuLink.isVisible()) &&
        await page.getByRole('link', { name: 'Ask for support', exact: true }).isVisible(),
        'the menu is folded; "Ask for support" stays in the header');
  await page.locator('.nav-narrow summary').click();
  check(await menuLink.isVisible(), 'the menu opens');

  // The supporter filter hides and shows cards; an empty result says so.
  await page.goto(server.url + 'supporters/');
  const total = await page.locator('.supporter').count();
  check(await page.locator('#supporter-filters').isVisible(), 'filters appear with JavaScript');
  await page.selectOption('#filter-modality', 'video');
  const shown = await page.locator('.supporter:visible').count();
  const videoOnly = await page.locator('.supporter:visible').evaluateAll(
    (els) => els.every((e) => e.dataset.modalities.split(' ').includes('video')));
  check(shown > 0 && shown < total && videoOnly, `modality filter shows only video supporters (${shown} of ${total})`);
  await page.selectOption('#filter-modality', '');
  check(await page.locator('.supporter:visible').count() === total, 'clearing the filter shows everyone');
  const closedLast = await page.locator('.supporter').evaluateAll((els) => {
    const open = els.map((e) => !e.classList.contains('supporter-closed'));
    return open.indexOf(false) === -1 || open.slice(open.indexOf(false)).every((x) => !x);
  });
  check(closedLast, 'supporters not accepting requests come after the others');
  // A combination nobody offers: the page says so, offers a reset and the coordinator.
  const combo = await page.evaluate(() => {
    const sel = (id) => [...document.getElementById(id).options].map((o) => o.value).filter(Boolean);
    const cards = [...document.querySelectorAll('.supporter')];
    for (const role of sel('filter-role'))
      for (const lang of sel('filter-language'))
        if (!cards.some((c) => c.dataset.role === role && c.dataset.languages.split('|').includes(lang)))
          return [role, lang];
    return null;
  });
  await page.selectOption('#filter-role', combo[0]);
  await page.selectOption('#filter-language', combo[1]);
  const emptyText = await page.locator('#filter-empty').innerText().catch(() => '');
  check(await page.locator('.supporter:visible').count() === 0 && /No supporter matches/.test(emptyText) &&
        /coordinator will match you/.test(emptyText),
        `an empty filter result says so and that the coordinator can match anyway (${combo.join(', ')})`, emptyText);
  const axeEmpty = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  check(axeEmpty.violations.length === 0, 'axe WCAG 2.1 A/AA: the empty filter result',
        ...axeEmpty.violations.map((v) => `${v.id}: ${v.help}`));
  await page.getByRole('button', { name: 'Show all supporters' }).click();
  check(await page.locator('.supporter:visible').count() === total && await page.locator('#filter-empty').isHidden(),
        'its reset shows everyone again');

  // Without JavaScript every supporter is listed and the filter form stays hidden.
  const nojs = await browser.newContext({ javaScriptEnabled: false });
  const p2 = await nojs.newPage();
  await p2.goto(server.url + 'supporters/');
  check(await p2.locator('.supporter:visible').count() === total, 'all supporters visible without JavaScript');
  check(!(await p2.locator('#supporter-filters').isVisible()), 'filter form hidden without JavaScript');
  await nojs.close();

  // "Ask for this supporter" names them in the form; only the slug is in the address.
  await page.goto(server.url + 'supporters/amara-okafor/');
  await page.getByRole('link', { name: 'Ask for this supporter' }).click();
  await page.waitForSelector('#request-form[data-ready="yes"]');
  check(new URL(page.url()).search === '?supporter=amara-okafor' &&
        await page.getByLabel('A supporter you would like to talk to (optional)').inputValue() === 'Amara Okafor',
        '"Ask for this supporter" names them in the request form', page.url());
  const options = await page.locator('#f-language-list option').evaluateAll((os) => os.map((o) => o.value));
  const names = await page.locator('#f-supporter-list option').count();
  check(options.includes('Igbo') && options.includes('Spanish') && names >= 8,
        `the language and supporter fields suggest the directory's values (${options.length} languages, ${names} names)`);
  const talk = await page.locator('.talk-now').innerText();
  check(/555-0142/.test(talk) && /Weekdays 7 am/.test(talk) && await page.locator('.talk-now a[href="tel:5550142"]').count() === 1,
        "the program's phone and hours sit next to the form", talk);

  // Search: the whole text of long pages and of bios, from ?q= links.
  const longest = readdirSync(join(content, 'pages')).map((f) => join(content, 'pages', f))
    .sort((a, b) => statSync(b).size - statSync(a).size)[0];
  const deep = lastWord(longest);
  check(deep.at > 400, `the word "${deep.word}" is deep in ${relative(content, longest)} (at ${deep.at})`);
  await page.goto(server.url + 'search/?q=' + encodeURIComponent(deep.word));
  await page.waitForSelector('#search-results li', { timeout: 5000 }).catch(() => {});
  const slug = relative(join(content, 'pages'), longest).replace(/\.md$/, '');
  const hrefs = await page.locator('#search-results li > a').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
  check(hrefs.some((h) => h.startsWith(`../${slug}/#`)),
        `search finds "${deep.word}" from the end of a long page, at its section`, JSON.stringify(hrefs));
  const first = page.locator('#search-results li').filter({ has: page.locator(`a[href^="../${slug}/"]`) }).first();
  check(await first.locator('.snippet mark').count() > 0 && await first.locator('.section').count() === 1,
        'a result shows the section it comes from and a snippet with the word marked', await first.innerText());
  const bios = readdirSync(join(content, 'supporters')).filter((f) => f.endsWith('.md'));
  const bio = bios.map((f) => ({ f, ...lastWord(join(content, 'supporters', f)) }))
    .find((b) => !/supporter|colleague|program/i.test(b.word));
  await page.goto(server.url + 'search/');
  await page.getByLabel(/^Search every page/).fill(bio.word);
  await page.getByRole('button', { name: 'Search', exact: true }).click();
  await page.waitForSelector('#search-results li', { timeout: 5000 }).catch(() => {});
  const bioHits = await page.locator('#search-results li > a').evaluateAll((as) => as.map((a) => a.getAttribute('href')));
  check(bioHits.includes(`../supporters/${bio.f.replace(/\.md$/, '')}/`),
        `search finds "${bio.word}" in a supporter's bio`, JSON.stringify(bioHits));
  check(new URL(page.url()).searchParams.get('q') === bio.word, 'the search is in the address, so it can be linked', page.url());
  await page.getByLabel(/^Search every page/).fill('zzqx');
  await page.getByRole('button', { name: 'Search', exact: true }).click();
  await page.waitForFunction(() => /No results/.test(document.getElementById('search-status').textContent));
  check(await page.locator('#search-results li').count() === 0, 'a search without results says so');
  const axeSearch = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  check(axeSearch.violations.length === 0, 'axe WCAG 2.1 A/AA: search results',
        ...axeSearch.violations.map((v) => `${v.id}: ${v.help}`));

  // Printing: no page holding only the footer, where links go printed.
  const printing = await browser.newContext({ bypassCSP: true });
  const pp = await printing.newPage();
  const lone = [];
  for (const rel of all.filter((r) => !r.startsWith('supporters/') || r === 'supporters/index.html')) {
    const path = rel.replace(/index\.html$/, '');
    await pp.goto(server.url + path);
    const count = async () => ((await pp.pdf({ format: 'A4' })).toString('latin1').match(/\/Type\s*\/Page[^s]/g) || []).length;
    const withFooter = await count();
    await pp.addStyleTag({ content: '.site-footer { display: none !important; }' });
    const without = await count();
    if (withFooter > without) lone.push(`/${path}: ${withFooter} pages, ${without} without the footer`);
  }
  check(lone.length === 0, 'printed, no page holds only the footer', ...lone);
  await pp.goto(server.url + 'faq/');
  await pp.emulateMedia({ media: 'print' });
  await pp.evaluate(() => window.dispatchEvent(new Event('beforeprint')));
  const after = await pp.evaluate(() => getComputedStyle(document.querySelector('main .prose a[href]'), '::after').content);
  check(/\(http:\/\/127\.0\.0\.1:\d+\//.test(after), 'printed, a link shows where it goes', after);
  await printing.close();
  // A program's own accent themes links, buttons and focus rings in both
  // modes, and the pages still pass axe.
  const tinted = join(dir, 'tinted');
  cpSync(content, tinted, { recursive: true });
  writeFileSync(join(tinted, 'site.yml'), readFileSync(join(tinted, 'site.yml'), 'utf8') + 'colors:\n  accent: "#7a1f5c"\n');
  const tintedOut = join(dir, 'tinted-site');
  buildSite(tinted, tintedOut);
  const tintedServer = await serveDir(tintedOut);
  try {
    for (const scheme of ['light', 'dark']) {
      const ctx = await browser.newContext({ colorScheme: scheme, viewport: PHONE });
      const tp = await ctx.newPage();
      await tp.goto(tintedServer.url + 'confidentiality/');
      const link = tp.locator('.site-footer a[href^="mailto:"]');
      await link.focus();
      const look = await tp.evaluate(() => {
        const a = document.querySelector('.site-footer a[href^="mailto:"]'), b = document.querySelector('.cta');
        return { link: getComputedStyle(a).color, ring: getComputedStyle(a).outlineColor,
                 button: getComputedStyle(b).backgroundColor };
      });
      const want = scheme === 'light' ? 'rgb(122, 31, 92)' : null;
      check((want ? look.link === want : look.link !== 'rgb(122, 31, 92)' && look.link !== 'rgb(140, 196, 255)') &&
            look.ring === look.link && look.button === look.link,
            `the accent colours links, focus rings and buttons (${scheme})`, JSON.stringify(look));
      const r = await new AxeBuilder({ page: tp }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
      check(r.violations.length === 0, `axe WCAG 2.1 A/AA with the program's accent (${scheme})`,
            ...r.violations.map((v) => `${v.id}: ${v.help}`));
      await ctx.close();
    }
  } finally {
    tintedServer.close();
  }
  check(errors.length === 0, 'no JavaScript errors', ...errors);
} catch (e) {
  fail('browser test ran to the end', e.stack || e);
} finally {
  await browser.close();
  server.close();
}
process.exit(failed() ? 1 : 0);
