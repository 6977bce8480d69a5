#!/usr/bin/env bash
# Every performance figure of the project in one command, on this machine:
#   ./scripts/bench.sh [PART...]     PART: throughput page frames seek idle memory (default: all)
# Installs what is missing (the wasm target, wasm-pack, wasm-bindgen-cli, Chromium, npm
# packages: scripts/web-tools.sh), builds the page (build_web) and the wasm benchmark
# (bench/wasm), runs the core's throughput workload natively and in wasm (Node), then
# tests/e2e/measure.mjs in Chromium, prints one table and writes target/bench/results.json.
# Takes about 5 minutes on an idle 2-core machine. Figures are only meaningful on an otherwise
# idle machine.
set -euo pipefail
source "$(dirname "$0")/web-tools.sh"
cd "$ROOT"

ALL=(throughput page frames seek idle memory)
PARTS=("$@")
[ ${#PARTS[@]} -eq 0 ] && PARTS=("${ALL[@]}")
for p in "${PARTS[@]}"; do
  [[ " ${ALL[*]} " == *" $p "* ]] || { echo "unknown part: $p (parts: ${ALL[*]})" >&2; exit 2; }
done
wants() { [[ " ${PARTS[*]} " == *" $1 "* ]]; }

OUT="$ROOT/target/bench"
mkdir -p "$OUT"
rm -f "$OUT"/native.json "$OUT"/wasm.json "$OUT"/browser.json
RUNS="${BENCH_RUNS:-3}"
RECORDS="${BENCH_RECORDS:-1000000}"

ensure_wasm_tools
ensure_npm_packages

# The machine: figures from a busy machine are not comparable.
node -e '
  const os = require("os");
  console.log(JSON.stringify({
    date: new Date().toISOString(), cpus: os.cpus().length, cpu: os.cpus()[0]?.model ?? null,
    load_average_at_start: os.loadavg().map((x) => +x.toFixed(2)), total_memory_bytes: os.totalmem(),
    node: process.version,
  }));' >"$OUT/machine.json"

if wants throughput; then
  log "throughput: building the native bench and bench/wasm (wasm-pack, --target nodejs, release profile, no wasm-opt)"
  cargo bench -q -p kafkascope-core --bench throughput --no-run
  wasm-pack --quiet build bench/wasm --target nodejs --release --out-dir ../../target/bench/wasm-pkg --no-pack
  # Native and wasm runs alternate, so both see the same conditions on the machine.
  log "throughput: $RUNS runs of $RECORDS records each, native (cargo bench --bench throughput) and wasm (Node)"
  for _ in $(seq "$RUNS"); do
    cargo bench -q -p kafkascope-core --bench throughput -- "$RECORDS" --json 2>/dev/null | tail -n 1 >>"$OUT/native.json"
    node bench/wasm/run.mjs target/bench/wasm-pkg "$RECORDS" >>"$OUT/wasm.json"
  done
fi

BROWSER=()
for p in page frames seek idle memory; do wants "$p" && BROWSER+=("$p"); done
if [ ${#BROWSER[@]} -gt 0 ]; then
  ensure_chromium
  build_web
  log "browser: node tests/e2e/measure.mjs ${BROWSER[*]} (Chromium $(chromium --version 2>/dev/null | awk '{print $2}'))"
  node tests/e2e/measure.mjs "${BROWSER[@]}" >"$OUT/browser.json"
fi

node bench/report.mjs "$OUT"
