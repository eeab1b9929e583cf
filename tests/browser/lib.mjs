// Shared helpers for browser tests: Debian's Chromium through playwright-core
// (never a downloaded browser), a static file server on 127.0.0.1, and TAP-like
// "ok - name" / "not ok - name" lines that scripts/run-tests.sh counts.
import { chromium } from 'playwright-core';
import { createServer } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import { join, normalize, extname } from 'node:path';
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';

export const ROOT = new URL('../..', import.meta.url).pathname.replace(/\/$/, '');
export const PEERSITE = process.env.PEERSITE || `${ROOT}/bin/peersite`;

let failures = 0;
export function ok(name) { console.log(`ok - ${name}`); }
export function fail(name, ...details) {
  failures++;
  console.log(`not ok - ${name}`);
  for (const d of details) for (const line of String(d).split('\n')) console.log(`#   ${line}`);
}
export function check(cond, name, ...details) { if (cond) ok(name); else fail(name, ...details); }
export function failed() { return failures; }

export function tempDir(prefix = 'peerkit-browser-') { return mkdtempSync(join(tmpdir(), prefix)); }

export function buildSite(content, out) {
  execFileSync(PEERSITE, ['build', '--content', content, '--theme', `${ROOT}/themes/default`, '--out', out],
               { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, SOURCE_DATE_EPOCH: '1767225600' } });
}

const MIME = { '.html': 'text/html; charset=utf-8', '.css': 'text/css', '.js': 'text/javascript',
               '.json': 'application/json', '.xml': 'application/xml', '.pub': 'text/plain',
               '.svg': 'image/svg+xml' };

// A minimal static server for the built site (loopback only).
export async function serveDir(dir) {
  const server = createServer(async (req, res) => {
    try {
      let path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
      path = normalize(path).replace(/^(\.\.[/\\])+/, '');
      let file = join(dir, path);
      if ((await stat(file)).isDirectory()) file = join(file, 'index.html');
      const body = await readFile(file);
      res.writeHead(200, { 'Content-Type': MIME[extname(file)] || 'application/octet-stream' });
      res.end(body);
    } catch {
      res.writeHead(404, { 'Content-Type': 'text/html; charset=utf-8' });
      res.end(await readFile(join(dir, '404.html')).catch(() => 'not found'));
    }
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${server.address().port}/`, close: () => server.close() };
}

export async function launch() {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
           '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}
