// Measures the browser figures of the performance budget in Debian's Chromium (headless),
// after `source scripts/web-tools.sh && build_web` has built www/pkg:
//   node tests/e2e/measure.mjs [all|page|frames|seek|idle|memory]...   (default: all)
// `scripts/bench.sh` runs it with `all` and prints the table; the JSON goes to stdout.
// - page: what the page loads, every file's size raw and gzipped (-9), and the total; and
//   the time to first render: navigation start -> the first broker drawn;
// - frames: per-frame main-thread work with the stress preset (9 brokers, 3 x 12 partitions,
//   RF 3, a producer at 50 records/s) at 1x speed, median, p95 and max: measured in the page
//   (see probeFrames) for 10 s in each of three fresh pages, pooled, with each page's p95 and
//   the app's own update + render p95 (#frame-p95); then, for
//   comparison, from a Chrome trace of 10 s (every top-level task between one frame's start
//   and the next; the tracer's instrumentation slows the page, so these read higher);
// - seek: the stress preset run to one simulated hour before the first frame
//   (`?preset=stress&t=3600000&paused=1`), then 200 seeks to random times through the
//   #timeline scrubber (an input event, as a drag sends): the simulator's seek alone
//   (#timeline[data-seek-ms], timed with performance.now() in the app) and the whole
//   update, from the input event to the next animation frame after the render, as
//   median, p95 and max;
// - idle: CPU while paused and while playing in a hidden tab (measure/idle.mjs);
// - memory: JS heap, wasm memory and renderer RSS of the stress preset run at full speed to
//   15, 30, 45 and 60 simulated minutes (a fresh page each), then played on at 10x to 75 and
//   90 minutes (measure/memory.mjs; about 3.5 minutes).
import { serve, launch, ROOT } from './harness.mjs';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { stats, sum, largestRendererRssKb, probeFrames } from './measure/stats.mjs';
import { measureIdle } from './measure/idle.mjs';
import { measureMemoryHour } from './measure/memory.mjs';

const PARTS = ['page', 'frames', 'seek', 'idle', 'memory'];
/** Fresh pages probed for frames, pooled: the figure drifts by a few tenths of a ms from page
 *  to page on these shared machines. */
const FRAME_RUNS = 3;
const asked = process.argv.slice(2).filter((a) => a !== 'all');
const unknown = asked.filter((a) => !PARTS.includes(a));
if (unknown.length) {
  console.error(`unknown part: ${unknown.join(', ')} (parts: all, ${PARTS.join(', ')})`);
  process.exit(2);
}
const parts = asked.length ? asked : PARTS;

const server = await serve();
const browser = await launch();
try {
  const out = {};
  if (parts.includes('page')) Object.assign(out, await measurePage());
  if (parts.includes('frames')) Object.assign(out, await measureFrames());
  if (parts.includes('seek')) out.time_travel = await measureSeek();
  if (parts.includes('idle')) out.idle_cpu = await measureIdle(browser, server);
  if (parts.includes('memory')) out.memory_hour = await measureMemoryHour(browser, server);
  console.log(JSON.stringify(out, null, 2));
} finally {
  await browser.close();
  await server.close();
}

/** What the page loads (raw and gzipped) and the time to the first broker drawn. */
async function measurePage() {
  const page = await browser.context.newPage();
  const loaded = [];
  page.on('response', (r) => loaded.push(new URL(r.url()).pathname));
  await page.goto(server.url);
  await page.waitForSelector('[data-broker-id]');
  const firstRender = await page.evaluate(() => {
    const nav = performance.getEntriesByType('navigation')[0];
    return performance.now() - (nav ? nav.startTime : 0);
  });
  await page.close();
  const files = [...new Set(loaded)].map((p) => {
    const file = path.join(ROOT, p.endsWith('/') ? `${p}index.html` : p);
    const body = fs.readFileSync(file);
    return { path: p, bytes: body.length, gzipped: zlib.gzipSync(body, { level: 9 }).length };
  });
  return {
    page_files: files,
    page_total_bytes: sum(files.map((f) => f.bytes)),
    page_total_gzipped: sum(files.map((f) => f.gzipped)),
    first_render_ms: Math.round(firstRender),
  };
}

/**
 * Per-frame main-thread work in the stress scene at 1x: probed in the page (three fresh
 * pages of 10 s, pooled, and each page's p95), then traced on the last one.
 */
async function measureFrames() {
  const probed = [];
  const p95s = [];
  const appP95s = [];
  let frames;
  for (let run = 0; run < FRAME_RUNS; run++) {
    const stress = await browser.context.newPage();
    await stress.goto(`${server.url}?preset=stress&speed=100`);
    await stress.waitForSelector('[data-broker-id]');
    await stress.waitForTimeout(2_000);
    // Without a tracer first (a trace's instrumentation slows every DOM call), then traced.
    const work = await probeFrames(stress, 10_000);
    probed.push(...work);
    p95s.push(stats(work).p95);
    appP95s.push(Number(await stress.$eval('#frame-p95', (e) => e.dataset.ms ?? e.textContent)));
    if (run === FRAME_RUNS - 1) frames = await traceFrames(stress, 10_000);
    await stress.close();
  }
  return {
    stress_frames_probed: probed.length,
    stress_frame_work_ms: stats(probed),
    stress_frame_work_p95_per_page_ms: p95s,
    stress_app_update_render_p95_per_page_ms: appP95s,
    stress_main_thread_ms_per_frame_traced: stats(frames),
  };
}

/** A one-hour stress session, then 200 seeks to random times (a fixed pseudo-random list). */
async function measureSeek() {
  const page = await browser.context.newPage();
  const started = Date.now();
  await page.goto(`${server.url}?preset=stress&t=3600000&paused=1`, { timeout: 600_000 });
  await page.waitForSelector('[data-broker-id]', { timeout: 600_000 });
  const loadS = (Date.now() - started) / 1000;
  // The span time travel covers (the session, or its last part if it is bounded).
  const { min, max } = await page.$eval('#timeline', (e) => ({ min: Number(e.dataset.start), max: Number(e.dataset.end) }));
  const result = await page.evaluate(async ({ min, max }) => {
    const input = document.querySelector('#timeline');
    const frame = () => new Promise((r) => requestAnimationFrame(() => r()));
    let x = 12345;
    const rand = () => { x = (x * 1103515245 + 12345) % 2147483648; return x / 2147483648; };
    const sim = [];
    const total = [];
    for (let i = 0; i < 200; i++) {
      const t = Math.round(min + rand() * (max - min));
      await frame();
      const start = performance.now();
      input.value = String(t);
      input.dispatchEvent(new Event('input', { bubbles: true }));
      await frame();
      total.push(performance.now() - start);
      sim.push(Number(input.dataset.seekMs));
    }
    return { sim, total };
  }, { min, max });
  const mem = await page.evaluate(() => performance.memory?.usedJSHeapSize ?? null);
  // The largest Chromium renderer process (Linux `ps`): the wasm memory lives there.
  const rendererRssKb = largestRendererRssKb();
  await page.close();
  return {
    session_ms: max - min,
    load_and_run_the_hour_s: loadS,
    seeks: result.sim.length,
    seek_in_simulator_ms: stats(result.sim),
    seek_input_to_next_frame_ms: stats(result.total),
    js_heap_bytes: mem,
    renderer_rss_kb_max: rendererRssKb,
  };
}

/**
 * Records a Chrome trace of `ms` and returns, per frame, the milliseconds the renderer's
 * main thread was busy: the sum of its top-level tasks starting between this frame's
 * BeginMainThreadFrame and the next one.
 */
async function traceFrames(page, ms) {
  const cdp = await page.context().newCDPSession(page);
  const events = [];
  cdp.on('Tracing.dataCollected', (e) => events.push(...e.value));
  const done = new Promise((resolve) => cdp.once('Tracing.tracingComplete', resolve));
  await cdp.send('Tracing.start', {
    transferMode: 'ReportEvents',
    traceConfig: { includedCategories: ['toplevel', 'disabled-by-default-devtools.timeline.frame', '__metadata'] },
  });
  await page.waitForTimeout(ms);
  await cdp.send('Tracing.end');
  await done;

  const main = events.find((e) => e.name === 'thread_name' && e.args?.name === 'CrRendererMain'
    && events.some((f) => f.pid === e.pid && f.name === 'BeginMainThreadFrame'));
  if (!main) throw new Error('no renderer main thread with frames in the trace');
  const onMain = events.filter((e) => e.pid === main.pid && e.tid === main.tid);
  const starts = onMain.filter((e) => e.name === 'BeginMainThreadFrame').map((e) => e.ts).sort((a, b) => a - b);
  const tasks = onMain.filter((e) => e.ph === 'X' && e.cat.split(',').includes('toplevel'));
  const busy = new Array(Math.max(starts.length - 1, 0)).fill(0);
  for (const t of tasks) {
    const i = upperBound(starts, t.ts) - 1;
    if (i >= 0 && i < busy.length) busy[i] += (t.dur ?? 0) / 1000;
  }
  return busy;
}

function upperBound(sorted, x) {
  let lo = 0, hi = sorted.length;
  while (lo < hi) { const mid = (lo + hi) >> 1; if (sorted[mid] <= x) lo = mid + 1; else hi = mid; }
  return lo;
}
