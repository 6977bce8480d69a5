// Interleaved A/B of per-frame main-thread work on the stress scene, for changes too small to
// tell apart from the machine's drift in separate runs:
//   node tests/e2e/measure/ab.mjs '[["a", "", "", "/tmp/old-pkg"], ["b", ""]]' [rounds]
// Each variant is [name, css, query, pkg]: `css` is injected into the page (the context
// bypasses the page's CSP for it; "" for none), `query` is appended to
// `?preset=stress&speed=100`, and `pkg` is a folder holding another build of kafkascope_play
// (its .js and _bg.wasm, e.g. `wasm-bindgen --out-dir /tmp/old-pkg --out-name kafkascope_play`)
// served in place of www/pkg's. Every round opens one fresh page per variant, in turn, and
// probes 8 s of frames as `measure.mjs frames` does; the pooled median and p95 per variant
// are printed last.
import { serve } from '../harness.mjs';
import { chromium } from 'playwright-core';
import fs from 'node:fs';
import path from 'node:path';
import { stats, probeFrames } from './stats.mjs';

const variants = JSON.parse(process.argv[2] ?? '[["current", ""]]');
const rounds = Number(process.argv[3] ?? 3);
const server = await serve();
const userDataDir = fs.mkdtempSync(path.join(fs.realpathSync('/tmp'), 'kafkascope-ab-'));
const context = await chromium.launchPersistentContext(userDataDir, {
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  headless: true,
  bypassCSP: true,
  viewport: { width: 1280, height: 800 },
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
    '--disable-dev-shm-usage'],
});
const pooled = {};
try {
  for (let round = 0; round < rounds; round++) {
    for (const [name, css, query, pkg] of variants) {
      const page = await context.newPage();
      if (pkg) {
        await page.route(/kafkascope_play(_bg\.wasm|\.js)$/, (route) => {
          const file = new URL(route.request().url()).pathname.split('/').pop();
          route.fulfill({ path: path.join(pkg, file), contentType: file.endsWith('.js') ? 'text/javascript' : 'application/wasm' });
        });
      }
      await page.goto(`${server.url}?preset=stress&speed=100${query ?? ''}`);
      await page.waitForSelector('[data-broker-id]');
      if (css) await page.addStyleTag({ content: css });
      await page.waitForTimeout(1500);
      const work = await probeFrames(page, 8000);
      (pooled[name] ??= []).push(...work);
      const s = stats(work);
      console.log(`${name} round ${round}: median ${s.median} p95 ${s.p95} ms (${work.length} frames)`);
      await page.close();
    }
  }
  for (const [name, work] of Object.entries(pooled)) {
    const s = stats(work);
    console.log(`pooled ${name}: median ${s.median} p95 ${s.p95} max ${s.max} ms (${work.length} frames)`);
  }
} finally {
  await context.close();
  fs.rmSync(userDataDir, { recursive: true, force: true });
  await server.close();
}
