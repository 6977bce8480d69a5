// Shared set-up for the browser tests: a static server for the repository root (wasm served
// as application/wasm) and Debian's Chromium driven by playwright-core.
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { before, after } from 'node:test';
import { chromium } from 'playwright-core';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const ARTIFACTS = path.join(ROOT, 'target', 'e2e');

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

/** The Content-Security-Policy the pages carry in a <meta> element (index.html,
 *  www/course-example.html), plus frame-ancestors, which only a header can set. */
export const CSP = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; "
  + "img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors *";

/** Serves the repository root on a free loopback port; resolves to { url, close }. With
 *  `{ csp: true }` every response also carries the policy as a header (as a server would). */
export function serve({ csp = false } = {}) {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://localhost');
    let file = path.normalize(path.join(ROOT, decodeURIComponent(url.pathname)));
    if (!file.startsWith(ROOT)) {
      res.writeHead(403).end();
      return;
    }
    if (fs.existsSync(file) && fs.statSync(file).isDirectory()) file = path.join(file, 'index.html');
    fs.readFile(file, (err, body) => {
      if (err) {
        res.writeHead(404).end('not found');
        return;
      }
      const headers = { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream' };
      if (csp) headers['content-security-policy'] = CSP;
      res.writeHead(200, headers);
      res.end(body);
    });
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      resolve({ url: `http://127.0.0.1:${port}/`, close: () => new Promise((r) => server.close(r)) });
    });
  });
}

/** Launches Debian's Chromium headless with a fresh profile. */
export async function launch() {
  const userDataDir = fs.mkdtempSync(path.join(fs.realpathSync('/tmp'), 'kafkascope-e2e-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    viewport: { width: 1280, height: 800 },
    args: [
      '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      '--disable-dev-shm-usage',
    ],
  });
  return {
    context,
    close: async () => {
      await context.close();
      fs.rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

/** Records on `page` what must never happen: page errors, console errors (Chromium logs a
 *  CSP refusal there), Content-Security-Policy violations (`securitypolicyviolation`, also
 *  inside shadow roots and frames) and dialogs (alert, confirm, prompt: a dialog is dismissed
 *  and recorded). Returns the array the problems go into. */
export function watch(page) {
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('dialog', (d) => { errors.push(`dialog ${d.type()}: ${d.message()}`); d.dismiss().catch(() => {}); });
  page.on('console', (m) => { if (m.text().startsWith('CSP violation:')) errors.push(m.text()); });
  page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      console.log(`CSP violation: ${e.violatedDirective} blocked ${e.blockedURI || 'inline'} at ${e.sourceFile}:${e.lineNumber}`);
    }, true);
  });
  return errors;
}

/** Opens the app and waits until the cluster is drawn; fails on page errors. */
export async function openApp(context, url) {
  const page = await context.newPage();
  const errors = watch(page);
  await page.goto(url);
  await page.waitForSelector('[data-broker-id]', { timeout: 20_000 });
  return { page, errors };
}

const AXE_SOURCE = fs.readFileSync(path.join(ROOT, 'node_modules', 'axe-core', 'axe.min.js'), 'utf8');

/**
 * Runs axe-core (WCAG 2.x A and AA rules and best practices) on the page, or on `include`
 * (a selector); resolves to the violations of impact serious or critical, each as
 * { id, impact, help, nodes: [target and summary] }. Evaluated through the DevTools protocol,
 * so the page's Content-Security-Policy does not stop it.
 */
export async function seriousViolations(page, include) {
  await page.evaluate(AXE_SOURCE);
  const result = await page.evaluate(async (sel) => {
    const context = sel ? { include: [sel] } : document;
    // Inside shadow roots too (the <kafka-cluster> element); axe walks open shadow DOM.
    // preload: false: axe would otherwise copy the page's style sheets into <style> elements
    // of its own (for css-orientation-lock), which a strict CSP refuses, as it should.
    const r = await window.axe.run(context, { resultTypes: ['violations'], preload: false });
    return r.violations.map((v) => ({
      id: v.id, impact: v.impact, help: v.help,
      nodes: v.nodes.slice(0, 5).map((n) => `${JSON.stringify(n.target)}: ${n.failureSummary}`),
    }));
  }, include ?? null);
  return result.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

/**
 * For a test file: starts the server (options as `serve`) and Chromium before its tests and
 * stops them after. Returns an object whose `server` and `browser` are set once started.
 */
export function useBrowser(options = {}) {
  const env = { server: null, browser: null };
  before(async () => {
    fs.mkdirSync(ARTIFACTS, { recursive: true });
    env.server = await serve(options);
    env.browser = await launch();
  });
  after(async () => {
    await env.browser?.close();
    await env.server?.close();
  });
  return env;
}

/** Opens www/course-example.html and waits until both of its clusters are drawn; `errors`
 * collects what `watch` sees. */
export async function openExample(context, url) {
  const page = await context.newPage();
  const errors = watch(page);
  await page.goto(`${url}www/course-example.html`);
  await page.waitForSelector('#first g[data-broker-id="2"]', { timeout: 20_000 });
  await page.waitForSelector('#second g[data-broker-id="2"]', { timeout: 20_000 });
  return { page, errors };
}

/** Opens the embedding fixture (tests/e2e/fixtures/embed-host.html) and waits for `ready`:
 *  its module script loaded (`data-ready`), or its custom elements defined (`data-elements`);
 *  `errors` collects what `watch` sees. */
export async function openEmbedHost(context, url, ready = 'body[data-ready="true"]') {
  const page = await context.newPage();
  const errors = watch(page);
  await page.goto(`${url}tests/e2e/fixtures/embed-host.html`);
  await page.waitForSelector(ready);
  return { page, errors };
}
