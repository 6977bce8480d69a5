//! Throughput benchmark (issue 3): the workload of `kafkascope_core::workload` (3 brokers, one
//! topic of 6 partitions with RF 3, acks=all, one producer, one consumer group of 3, no
//! faults), 1,000,000 records by default. Prints records/s and events/s of simulation (wall
//! clock, this machine) and peak memory; `--json` prints one JSON object instead
//! (`scripts/bench.sh` reads it). `bench/wasm` runs the same workload in wasm.
//!
//! `cargo bench -p kafkascope-core --bench throughput [-- RECORDS] [--json]`

use kafkascope_core::workload::{DEFAULT_RECORDS, Throughput};
use std::time::Instant;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let total: u64 = args
        .iter()
        .find_map(|a| a.parse().ok())
        .unwrap_or(DEFAULT_RECORDS);
    let json = args.iter().any(|a| a == "--json");

    let mut workload = Throughput::new();
    let start = Instant::now();
    let r = workload.run(total);
    let wall = start.elapsed().as_secs_f64();
    let records_per_s = r.acknowledged as f64 / wall;
    if json {
        println!(
            "{{\"records\": {}, \"consumed\": {}, \"simulated_ms\": {}, \"events\": {}, \"wall_s\": {wall:.4}, \"records_per_s\": {records_per_s:.0}, \"events_per_s\": {:.0}, \"peak_memory_kb\": {}}}",
            r.acknowledged,
            r.consumed,
            r.simulated_ms,
            r.events,
            r.events as f64 / wall,
            peak_memory_kb().map_or("null".into(), |k| k.to_string())
        );
        return;
    }
    println!(
        "records acknowledged: {}, consumed by the group: {}",
        r.acknowledged, r.consumed
    );
    println!(
        "simulated time:       {:.1} s",
        r.simulated_ms as f64 / 1000.0
    );
    println!("wall time:            {wall:.3} s");
    println!("records/s:            {records_per_s:.0}");
    println!(
        "events/s:             {:.0} ({} events)",
        r.events as f64 / wall,
        r.events
    );
    println!(
        "peak memory (VmHWM):  {}",
        peak_memory_kb().map_or("unknown (no /proc)".into(), |k| format!("{k} kB"))
    );
}

fn peak_memory_kb() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = s.lines().find(|l| l.starts_with("VmHWM"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}
