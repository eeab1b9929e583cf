// Builds the example site, serves it on 127.0.0.1 and checks every generated
// page in headless Chromium with axe-core (WCAG 2.1 A and AA), in light and dark
// colour schemes; then checks the JavaScript enhancements (filters, search) and
// that nothing is requested from another host.
import AxeBuilder from '@axe-core/playwright';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ROOT, buildSite, serveDir, launch, tempDir, check, fail, ok, failed } from './lib.mjs';

const out = join(tempDir(), 'site');
buildSite(`${ROOT}/content`, out);

function pages(dir) {
  const res = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) res.push(...pages(p));
    else if (name.endsWith('.html')) res.push(relative(out, p));
  }
  return res.sort();
}

const server = await serveDir(out);
const browser = await launch();
try {
  const all = pages(out);
  check(all.length >= 20, `example site has many pages (${all.length})`);
  for (const scheme of ['light', 'dark']) {
    const context = await browser.newContext({ colorScheme: scheme });
    const page = await context.newPage();
    const foreign = [];
    page.on('request', (r) => { if (!r.url().startsWith(server.url)) foreign.push(r.url()); });
    for (const rel of all) {
      const path = rel.replace(/index\.html$/, '');
      await page.goto(server.url + path);
      const result = await new AxeBuilder({ page })
        .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
      const v = result.violations;
      check(v.length === 0, `axe WCAG 2.1 A/AA (${scheme}): /${path}`,
            ...v.map((x) => `${x.id}: ${x.help} — ${x.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')}`));
    }
    check(foreign.length === 0, `no third-party request (${scheme})`, ...foreign.slice(0, 5));
    await context.close();
  }

  // Enhancements: the supporter filter hides and shows cards.
  const page = await browser.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
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

  // Without JavaScript every supporter is listed and the filter form stays hidden.
  const nojs = await browser.newContext({ javaScriptEnabled: false });
  const p2 = await nojs.newPage();
  await p2.goto(server.url + 'supporters/');
  check(await p2.locator('.supporter:visible').count() === total, 'all supporters visible without JavaScript');
  check(!(await p2.locator('#supporter-filters').isVisible()), 'filter form hidden without JavaScript');
  await nojs.close();

  // Client-side search finds a FAQ question.
  await page.goto(server.url + 'search/?q=confidential');
  await page.waitForSelector('#search-results li', { timeout: 5000 }).catch(() => {});
  const hits = await page.locator('#search-results li').count();
  check(hits > 0, `search finds results for "confidential" (${hits})`);
  check(errors.length === 0, 'no JavaScript errors', ...errors);
} catch (e) {
  fail('browser test ran to the end', e.stack || e);
} finally {
  await browser.close();
  server.close();
}
process.exit(failed() ? 1 : 0);
