// Times the core's throughput workload compiled to wasm, in Node (V8):
//   node bench/wasm/run.mjs PKG_DIR [RECORDS]
// PKG_DIR is wasm-pack's output for `--target nodejs` (scripts/bench.sh builds it).
// Prints one JSON object, the same fields as `cargo bench --bench throughput -- --json`.
import { createRequire } from 'node:module';
import path from 'node:path';
import { performance } from 'node:perf_hooks';

const [pkgDir, recordsArg] = process.argv.slice(2);
if (!pkgDir) {
  console.error('usage: node bench/wasm/run.mjs PKG_DIR [RECORDS]');
  process.exit(2);
}
const records = Number(recordsArg ?? 1_000_000);
const { Workload } = createRequire(import.meta.url)(path.resolve(pkgDir, 'kafkascope_bench_wasm.js'));

const workload = new Workload();
const start = performance.now();
const [acknowledged, consumed, simulatedMs, events] = workload.run(records);
const wallS = (performance.now() - start) / 1000;
workload.free();
console.log(JSON.stringify({
  records: acknowledged,
  consumed,
  simulated_ms: simulatedMs,
  events,
  wall_s: +wallS.toFixed(4),
  records_per_s: Math.round(acknowledged / wallS),
  events_per_s: Math.round(events / wallS),
  engine: `Node ${process.version} (V8 ${process.versions.v8})`,
}));
