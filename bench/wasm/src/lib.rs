//! The core's throughput workload ([`kafkascope_core::workload`]) compiled to wasm, so
//! `scripts/bench.sh` can time the same simulation natively and in a JavaScript engine.
//! Built with `wasm-pack build bench/wasm --target nodejs --release` and run by
//! `bench/wasm/run.mjs` in Node (V8). Not part of the page's wasm.

use kafkascope_core::workload::Throughput;
use wasm_bindgen::prelude::*;

/// The workload, set up and warmed up; JavaScript times [`Workload::run`].
#[wasm_bindgen]
pub struct Workload(Throughput);

#[wasm_bindgen]
impl Workload {
    #[wasm_bindgen(constructor)]
    #[allow(clippy::new_without_default)]
    pub fn new() -> Workload {
        Workload(Throughput::new())
    }

    /// Sends `records` records, runs until all are acknowledged and consumed, and returns
    /// `[acknowledged, consumed, simulated_ms, events]`.
    pub fn run(&mut self, records: u32) -> Vec<f64> {
        let r = self.0.run(records as u64);
        vec![
            r.acknowledged as f64,
            r.consumed as f64,
            r.simulated_ms as f64,
            r.events as f64,
        ]
    }
}
