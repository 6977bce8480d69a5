// Memory of the stress preset: run at full speed (the simulator as fast as it goes, before the
// first frame: `?t=`, at most an hour) to 15, 30, 45 and 60 simulated minutes, a fresh page
// for each; the 60-minute page then plays on at the top speed (10x) to 75 and 90 minutes, so
// the growth while time travel's one-hour window fills and the plateau after it are both
// visible. Retention (5 minutes of records in the preset) and the window bound it.
import { largestRendererRssKb } from './stats.mjs';

const MINUTE = 60_000;
/** Fresh pages run to these minutes before their first frame (`t` is at most an hour). */
const LOADED = [15, 30, 45, 60];
/** Then the 60-minute page plays on at 10x to these. */
const PLAYED = [75, 90];

/**
 * Per sample: the wall time the page took to get there, the JS heap (CDP
 * Runtime.getHeapUsage: used and total; the wasm memory is not in it), the wasm linear memory
 * (its buffer's byteLength: it only grows, so it is the peak the simulation needed), the
 * largest renderer's RSS, the simulated time reached and the span time travel covers (the
 * scrubber's data-start and data-end).
 */
export async function measureMemoryHour(browser, server) {
  const samples = [];
  for (const mark of LOADED) {
    const last = mark === LOADED[LOADED.length - 1];
    const page = await browser.context.newPage();
    const started = Date.now();
    const play = last ? '&speed=1000' : '&paused=1';
    await page.goto(`${server.url}?preset=stress&t=${mark * MINUTE}${play}`);
    await page.waitForSelector('[data-broker-id]', { timeout: 0 });
    const cdp = await page.context().newCDPSession(page);
    samples.push(await sample(page, cdp, mark, started));
    if (!last) {
      await page.close();
      continue;
    }
    for (const m of PLAYED) {
      await page.waitForFunction(
        (t) => Number(document.querySelector('#cluster')?.dataset.time) >= t,
        m * MINUTE,
        { timeout: 0, polling: 500 },
      );
      samples.push(await sample(page, cdp, m, started));
    }
    await page.close();
  }
  return { how: '?t= (full speed) to 15-60 min, then played at 10x to 75 and 90 min', samples };
}

async function sample(page, cdp, minute, started) {
  await cdp.send('HeapProfiler.collectGarbage');
  const heap = await cdp.send('Runtime.getHeapUsage');
  const page_ = await page.evaluate(async () => {
    // The build the page loaded (no lesson: kafkascope_play); init returns its instance.
    const wasm = await (await import('./www/pkg/kafkascope_play.js')).default();
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
