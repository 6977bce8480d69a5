// CPU used by the page while it shows nothing moving: paused, and playing in a hidden tab.
// Both must be near zero: the app requests no animation frame while paused or hidden.
import { renderersCpuMs } from './stats.mjs';

const WINDOW_MS = 10_000;

/**
 * Loads the stress preset playing at 1x, then measures over 10 s each: (1) paused with the
 * Play button; (2) playing again but with the tab hidden (document.hidden and
 * visibilityState emulated, then a `visibilitychange` event, as a browser sends when a tab
 * goes to the background; headless Chromium never hides a tab itself, so without the app's
 * own check frames would keep coming). For each: the main thread's task and script time
 * (CDP Performance.getMetrics deltas) and the CPU time of every renderer process (/proc),
 * as ms of CPU per second, and the simulated clock before and after (it must not move).
 * Then (3) playing visible, as the reference.
 */
export async function measureIdle(browser, server) {
  const page = await browser.context.newPage();
  await page.goto(`${server.url}?preset=stress&speed=100`);
  await page.waitForSelector('[data-broker-id]');
  await page.waitForTimeout(2_000);
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Performance.enable');

  const simTime = () => page.$eval('#cluster', (e) => Number(e.dataset.time));
  const window = async () => {
    const before = { m: await metrics(cdp), cpu: renderersCpuMs(), t: await simTime() };
    const start = Date.now();
    await page.waitForTimeout(WINDOW_MS);
    const s = (Date.now() - start) / 1000;
    const after = { m: await metrics(cdp), cpu: renderersCpuMs(), t: await simTime() };
    const perS = (a, b) => +((b - a) * 1000 / s).toFixed(2);
    return {
      main_thread_task_ms_per_s: perS(before.m.TaskDuration, after.m.TaskDuration),
      script_ms_per_s: perS(before.m.ScriptDuration, after.m.ScriptDuration),
      renderer_cpu_ms_per_s: before.cpu === null ? null : +((after.cpu - before.cpu) / s).toFixed(2),
      sim_time_moved_ms: after.t - before.t,
    };
  };

  await page.click('#play'); // pause
  if ((await page.$eval('#play', (e) => e.getAttribute('aria-pressed'))) !== 'false') {
    throw new Error('#play did not pause');
  }
  const paused = await window();

  await page.click('#play'); // play again, then hide the tab
  await page.waitForTimeout(1_000);
  await page.evaluate(() => {
    Object.defineProperty(document, 'hidden', { configurable: true, get: () => true });
    Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'hidden' });
    document.dispatchEvent(new Event('visibilitychange'));
  });
  const hidden = await window();

  await page.evaluate(() => {
    delete document.hidden;
    delete document.visibilityState;
    document.dispatchEvent(new Event('visibilitychange'));
  });
  const playing = await window();
  await page.close();
  return { window_s: WINDOW_MS / 1000, paused, hidden_while_playing: hidden, playing_1x_for_reference: playing };
}

async function metrics(cdp) {
  const { metrics } = await cdp.send('Performance.getMetrics');
  return Object.fromEntries(metrics.map((m) => [m.name, m.value]));
}
