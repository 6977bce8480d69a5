// Memory over a one-hour session of the stress preset played at the page's top speed (10x:
// about 6 minutes of wall time when the page keeps up), sampled at load (the baseline) and at
// 15, 30, 45 and 60 simulated minutes, so a plateau (memory bounded by retention and the
// time-travel window) or growth is visible.
import { largestRendererRssKb } from './stats.mjs';

const MINUTE = 60_000;
// 0: just after the first render, the baseline (Chromium's own memory is most of the RSS).
const MARKS = [0, 15, 30, 45, 60];

/**
 * Per sample: the wall time so far, the JS heap (CDP Runtime.getHeapUsage: used and total;
 * the wasm memory is not in it), the wasm linear memory (its buffer's byteLength: it only
 * grows, so it is the peak the simulation needed), the largest renderer's RSS, and the span
 * time travel covers (the scrubber's data-start and data-end).
 */
export async function measureMemoryHour(browser, server, { minutes = 60 } = {}) {
  const page = await browser.context.newPage();
  await page.goto(`${server.url}?preset=stress&speed=1000`);
  await page.waitForSelector('[data-broker-id]');
  const cdp = await page.context().newCDPSession(page);
  const started = Date.now();
  const samples = [];
  for (const mark of MARKS.filter((m) => m <= minutes)) {
    await page.waitForFunction(
      (t) => Number(document.querySelector('#cluster')?.dataset.time) >= t,
      mark * MINUTE,
      { timeout: 0, polling: 500 },
    );
    samples.push(await sample(page, cdp, mark, started));
  }
  await page.close();
  return { speed: '10x (the top speed)', samples };
}

async function sample(page, cdp, minute, started) {
  await cdp.send('HeapProfiler.collectGarbage');
  const heap = await cdp.send('Runtime.getHeapUsage');
  const page_ = await page.evaluate(async () => {
    const wasm = await (await import('./www/pkg/kafkascope_web.js')).default();
    const timeline = document.querySelector('#timeline');
    return {
      wasm_memory_bytes: wasm.memory.buffer.byteLength,
      sim_time_ms: Number(document.querySelector('#cluster').dataset.time),
      time_travel_from_ms: timeline ? Number(timeline.dataset.start) : null,
      time_travel_to_ms: timeline ? Number(timeline.dataset.end) : null,
    };
  });
  return {
    simulated_minute: minute,
    wall_s: Math.round((Date.now() - started) / 1000),
    js_heap_used_bytes: heap.usedSize,
    js_heap_total_bytes: heap.totalSize,
    ...page_,
    renderer_rss_kb: largestRendererRssKb(),
  };
}
