// Reads what scripts/bench.sh measured (DIR/machine.json, native.json, wasm.json,
// browser.json; any may be missing), prints one table with the project's targets and writes
// DIR/results.json.   node bench/report.mjs DIR
import fs from 'node:fs';
import path from 'node:path';

const dir = process.argv[2] ?? 'target/bench';
const read = (f) => {
  const p = path.join(dir, f);
  return fs.existsSync(p) ? fs.readFileSync(p, 'utf8').trim() : null;
};
const lines = (text) => (text ? text.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l)) : []);
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor((s.length - 1) / 2)] : null;
};

// Targets of the project's performance budget.
const TARGETS = {
  page_gzipped_bytes: 250_000,
  frame_p95_ms: 4,
  seek_p95_ms: 50,
  // "near zero": under 5 ms of CPU per second (0.5 % of one core), and the clock stood still.
  idle_cpu_ms_per_s: 5,
  // "bounded": once time travel's one-hour window is full, the wasm memory grows by less than
  // 10 % from 60 to 90 simulated minutes (records are bounded by the preset's retention).
  memory_growth_60_to_90: 0.10,
};

const machine = JSON.parse(read('machine.json') ?? '{}');
const native = lines(read('native.json'));
const wasm = lines(read('wasm.json'));
const browser = JSON.parse(read('browser.json') ?? '{}');

const rows = [];
const row = (figure, value, target = '', pass = null) => rows.push({ figure, value, target, pass });
const fmt = (n, d = 0) => (n === null || n === undefined ? 'n/a' : Number(n).toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d }));
const kb = (b) => `${fmt(b / 1000, 1)} KB`;

const results = { machine, targets: TARGETS };
if (native.length || wasm.length) {
  const n = median(native.map((r) => r.records_per_s));
  const w = median(wasm.map((r) => r.records_per_s));
  const same = native.length && wasm.length
    && native.every((r) => r.events === wasm[0].events && r.records === wasm[0].records);
  results.throughput = { native_runs: native, wasm_runs: wasm, native_records_per_s: n, wasm_records_per_s: w, wasm_over_native: n && w ? +(w / n).toFixed(3) : null, identical_work: !!same };
  const range = (rs) => `${fmt(Math.min(...rs.map((r) => r.records_per_s)))}–${fmt(Math.max(...rs.map((r) => r.records_per_s)))}`;
  row(`a. core throughput, native (records/s, median of ${native.length} runs; range)`, `${fmt(n)} (${range(native)})`);
  row(`a. core throughput, wasm in ${wasm[0]?.engine ?? 'Node'} (records/s, median of ${wasm.length}; range)`, `${fmt(w)} (${range(wasm)})`);
  row('a. wasm / native', n && w ? fmt(w / n, 2) : 'n/a', 'same work', same ? 'same events' : 'DIFFERENT work');
}
if (browser.page_total_gzipped !== undefined) {
  const gz = browser.page_total_gzipped;
  row('b. page size (what the page loads), raw / gzipped', `${kb(browser.page_total_bytes)} / ${kb(gz)}`, '≤ 250 KB gzipped', gz <= TARGETS.page_gzipped_bytes);
  row('c. time to first render (navigation → first broker drawn)', `${fmt(browser.first_render_ms)} ms`);
}
if (browser.stress_frame_work_ms) {
  const f = browser.stress_frame_work_ms;
  row('d. stress scene, main-thread work per frame (median / p95 / max; 3 pages pooled)', `${fmt(f.median, 2)} / ${fmt(f.p95, 2)} / ${fmt(f.max, 2)} ms`, 'p95 < 4 ms', f.p95 < TARGETS.frame_p95_ms);
  const per = browser.stress_frame_work_p95_per_page_ms ?? [];
  const app = browser.stress_app_update_render_p95_per_page_ms ?? [];
  row("d. p95 of each page; the app's own update + render p95 of each", `${per.map((v) => fmt(v, 1)).join(', ')} ms; ${app.map((v) => fmt(v, 1)).join(', ')} ms`);
  const t = browser.stress_main_thread_ms_per_frame_traced;
  row('d. the same from a Chrome trace (tracer slows the page)', `${fmt(t.median, 2)} / ${fmt(t.p95, 2)} / ${fmt(t.max, 2)} ms`);
}
if (browser.time_travel) {
  const s = browser.time_travel.seek_input_to_next_frame_ms;
  const sim = browser.time_travel.seek_in_simulator_ms;
  row(`e. seek in a one-hour session, input → next frame (median / p95 / max; ${fmt(browser.time_travel.session_ms / 60_000, 0)} min reachable)`, `${fmt(s.median, 1)} / ${fmt(s.p95, 1)} / ${fmt(s.max, 1)} ms`, 'p95 < 50 ms', s.p95 < TARGETS.seek_p95_ms);
  row('e. the seek inside the simulator (median / p95 / max)', `${fmt(sim.median, 1)} / ${fmt(sim.p95, 1)} / ${fmt(sim.max, 1)} ms`);
}
if (browser.idle_cpu) {
  for (const [key, label] of [['paused', 'paused'], ['hidden_while_playing', 'hidden tab (playing)']]) {
    const m = browser.idle_cpu[key];
    const cpu = m.renderer_cpu_ms_per_s ?? m.main_thread_task_ms_per_s;
    const ok = cpu < TARGETS.idle_cpu_ms_per_s && m.main_thread_task_ms_per_s < TARGETS.idle_cpu_ms_per_s && m.sim_time_moved_ms === 0;
    row(`f. CPU while ${label}: renderer CPU / main-thread tasks (ms per s)`, `${fmt(m.renderer_cpu_ms_per_s, 1)} / ${fmt(m.main_thread_task_ms_per_s, 2)} ms/s; clock moved ${m.sim_time_moved_ms} ms`, 'near zero (< 5 ms/s)', ok);
  }
  const p = browser.idle_cpu.playing_1x_for_reference;
  row('f. for reference: playing the stress scene at 1x', `${fmt(p.renderer_cpu_ms_per_s, 0)} / ${fmt(p.main_thread_task_ms_per_s, 0)} ms/s`);
}
if (browser.memory_hour) {
  const s = browser.memory_hour.samples;
  const mb = (b) => fmt(b / 1e6, 1);
  for (const x of s) {
    const got = x.sim_time_ms >= x.simulated_minute * 60_000 ? '' : ` (NOT REACHED: the page was at ${fmt(x.sim_time_ms / 60_000, 1)} min)`;
    row(`g. memory at ${x.simulated_minute} simulated min (after ${x.wall_s} s): wasm / JS heap / renderer RSS`, `${mb(x.wasm_memory_bytes)} / ${mb(x.js_heap_used_bytes)} / ${mb(x.renderer_rss_kb * 1000)} MB; time travel ${fmt(x.time_travel_from_ms / 60_000, 1)}–${fmt(x.time_travel_to_ms / 60_000, 1)} min${got}`);
  }
  const at = (m) => s.find((x) => x.simulated_minute === m);
  // A sample counts only if the page got to its minute (a refused address shows the default
  // cluster at 0 ms instead).
  const reached = (x) => x && x.sim_time_ms >= x.simulated_minute * 60_000;
  if (at(60) && at(90)) {
    const growth = at(90).wasm_memory_bytes / at(60).wasm_memory_bytes - 1;
    const ok = reached(at(60)) && reached(at(90));
    row('g. wasm memory growth from 60 to 90 min (the window full)', ok ? `${fmt(growth * 100, 1)} %` : 'a sample did not reach its minute', 'bounded (< 10 %)', ok && growth < TARGETS.memory_growth_60_to_90);
  }
}
results.browser = browser;
results.table = rows;

const cells = rows.map((r) => [r.figure, r.value, r.target, r.pass === null ? '' : r.pass === true ? 'pass' : r.pass === false ? 'FAIL' : String(r.pass)]);
const header = ['figure', 'value', 'target', 'pass'];
const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
const line = (c) => `| ${c.map((x, i) => x.padEnd(widths[i])).join(' | ')} |`;
console.log(`\nKafkascope benchmarks, ${machine.date ?? ''} (${machine.cpus ?? '?'} CPUs, load average at start ${machine.load_average_at_start?.join(' ') ?? '?'})`);
console.log(line(header));
console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
for (const c of cells) console.log(line(c));
fs.writeFileSync(path.join(dir, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
console.log(`\nwritten: ${path.join(dir, 'results.json')}`);
