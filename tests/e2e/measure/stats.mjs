// Small helpers shared by the measurements.
import { execSync } from 'node:child_process';
import fs from 'node:fs';

/** The q-quantile (nearest rank) of `values`, rounded to 0.01; null when empty. */
export function quantile(values, q) {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return +sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))].toFixed(2);
}

export function stats(values) {
  return { median: quantile(values, 0.5), p95: quantile(values, 0.95), max: quantile(values, 1) };
}

export function sum(xs) { return xs.reduce((a, b) => a + b, 0); }

/** Chromium's renderer processes (Linux): pid, RSS in kB, CPU time so far in ms. */
export function renderers() {
  let lines;
  try {
    lines = execSync('ps -eo pid=,rss=,args=').toString().split('\n');
  } catch {
    return []; // no ps: not Linux
  }
  const tick = 100; // USER_HZ: 100 on Linux
  return lines.filter((l) => l.includes('--type=renderer')).map((l) => {
    const [pid, rss] = l.trim().split(/\s+/).map(Number);
    let cpuMs = null;
    try {
      // /proc/PID/stat: fields 14 and 15 (utime, stime) in clock ticks, after the ")".
      const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
      cpuMs = (Number(f[11]) + Number(f[12])) * (1000 / tick);
    } catch { /* gone */ }
    return { pid, rssKb: rss, cpuMs };
  });
}

/** The largest renderer's RSS in kB (the page's: the wasm memory lives there), or null. */
export function largestRendererRssKb() {
  const r = renderers();
  return r.length ? Math.max(...r.map((p) => p.rssKb)) : null;
}

/** CPU time of every renderer process together, in ms (null without /proc). */
export function renderersCpuMs() {
  const r = renderers().filter((p) => p.cpuMs !== null);
  return r.length ? sum(r.map((p) => p.cpuMs)) : null;
}

/**
 * The main thread's work per frame, measured in the page without a tracer: from the start of
 * the frame's first requestAnimationFrame callback (this probe registers before the app, so
 * it runs first) to a message posted from it, which the browser runs once the frame's
 * callbacks, style, layout and paint are done.
 */
export async function probeFrames(page, ms) {
  return page.evaluate((ms) => new Promise((resolve) => {
    const work = [];
    const channel = new MessageChannel();
    let start = 0;
    channel.port1.onmessage = () => work.push(performance.now() - start);
    const end = performance.now() + ms;
    const frame = () => {
      start = performance.now();
      channel.port2.postMessage(0);
      if (start < end) requestAnimationFrame(frame);
      else setTimeout(() => resolve(work), 50);
    };
    requestAnimationFrame(frame);
  }), ms);
}
