// Measures the browser figures issue #5 asks for, in Debian's Chromium:
//   node tests/e2e/measure.mjs        (after ./scripts/serve.sh or build_web has built www/pkg)
// - time to first render: navigation start -> the first broker drawn;
// - per-frame main-thread time with the stress preset (9 brokers, 3 x 12 partitions, RF 3,
//   a producer at 50 records/s) at 1x speed for 10 s: the app's own update+render time per
//   frame (#frame-p95) and, independently, the Chrome DevTools Protocol's total script and
//   layout time divided by the frames drawn.
import { serve, launch } from './harness.mjs';
import fs from 'node:fs';
import path from 'node:path';
import { ROOT } from './harness.mjs';

const server = await serve();
const browser = await launch();
try {
  const page = await browser.context.newPage();
  await page.goto(server.url);
  await page.waitForSelector('[data-broker-id]');
  const firstRender = await page.evaluate(() => {
    const nav = performance.getEntriesByType('navigation')[0];
    return performance.now() - (nav ? nav.startTime : 0);
  });
  await page.close();

  const stress = await browser.context.newPage();
  const cdp = await stress.context().newCDPSession(stress);
  await cdp.send('Performance.enable');
  await stress.goto(`${server.url}?preset=stress&speed=100`);
  await stress.waitForSelector('[data-broker-id]');
  await stress.waitForTimeout(2_000);
  const m0 = Object.fromEntries((await cdp.send('Performance.getMetrics')).metrics.map((m) => [m.name, m.value]));
  let frames = 0;
  await stress.evaluate(() => { window.__frames = 0; const f = () => { window.__frames++; requestAnimationFrame(f); }; requestAnimationFrame(f); });
  await stress.waitForTimeout(10_000);
  frames = await stress.evaluate(() => window.__frames);
  const m1 = Object.fromEntries((await cdp.send('Performance.getMetrics')).metrics.map((m) => [m.name, m.value]));
  const busy = (k) => (m1[k] - m0[k]) * 1000;
  const main = busy('ScriptDuration') + busy('LayoutDuration') + busy('RecalcStyleDuration');
  const p95 = await stress.$eval('#frame-p95', (e) => e.dataset.ms ?? e.textContent);
  const wasm = fs.statSync(path.join(ROOT, 'www/pkg/kafkascope_web_bg.wasm')).size;
  console.log(JSON.stringify({
    first_render_ms: Math.round(firstRender),
    stress_frames_in_10s: frames,
    stress_app_update_render_p95_ms: Number(p95),
    stress_main_thread_ms_per_frame_mean: +(main / Math.max(frames, 1)).toFixed(2),
    wasm_bytes: wasm,
  }, null, 2));
} finally {
  await browser.close();
  await server.close();
}
