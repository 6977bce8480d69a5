// Memory of the stress preset run at full speed (the simulator as fast as it goes, before the
// first frame: `?t=`) to 15, 30, 45, 60, 75, 90 and 120 simulated minutes, a fresh page for
// each, so the growth while time travel's one-hour window fills and the plateau after it are
// both visible. Retention (5 minutes of records in the preset) and the window bound it.
import { largestRendererRssKb } from './stats.mjs';

const MINUTE = 60_000;
export const MEMORY_MARKS = [15, 30, 45, 60, 75, 90, 120];

/**
 * Per sample: the wall time the page took to run there, the JS heap (CDP
 * Runtime.getHeapUsage: used and total; the wasm memory is not in it), the wasm linear memory
 * (its buffer's byteLength: it only grows, so it is the peak the simulation needed), the
 * largest renderer's RSS, and the span time travel covers (the scrubber's data-start and
 * data-end).
 */
export async function measureMemoryHour(browser, server, { marks = MEMORY_MARKS } = {}) {
  const samples = [];
  for (const mark of marks) {
    const page = await browser.context.newPage();
    const started = Date.now();
    await page.goto(`${server.url}?preset=stress&t=${mark * MINUTE}&paused=1`);
    await page.waitForSelector('[data-broker-id]', { timeout: 0 });
    const cdp = await page.context().newCDPSession(page);
    samples.push(await sample(page, cdp, mark, started));
    await page.close();
  }
  return { speed: 'full speed (?t=: the simulator runs before the first frame)', samples };
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
