//! Prints the trace of one randomized run:
//! `cargo run -p kafkascope-core --example trace_seed -- SEED [safe|unsafe] [FILTER] [builtin|zookeeper|kraft]`.
use kafkascope_core::EventKind;
use kafkascope_core::chaos::{Safety, run_seed_observed};
use kafkascope_core::config::CoordinatorMode;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let seed: u64 = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    let safety = if args.get(2).map(String::as_str) == Some("unsafe") {
        Safety::Unsafe
    } else {
        Safety::Safe
    };
    let filter = args.get(3).cloned().unwrap_or_default();
    let mode = match args.get(4).map(String::as_str) {
        Some("zookeeper") => CoordinatorMode::Zookeeper,
        Some("kraft") => CoordinatorMode::Kraft,
        _ => CoordinatorMode::Builtin,
    };
    let result = run_seed_observed(seed, safety, mode, &mut |_, events| {
        for e in events {
            if matches!(e.kind, EventKind::MessageSent { .. }) && !filter.contains("msg") {
                continue;
            }
            let line = format!("{:>6} {:?}", e.time, e.kind);
            if filter.is_empty()
                || filter.split(',').any(|f| f != "msg" && line.contains(f))
                || filter == "msg"
            {
                println!("{line}");
            }
        }
    });
    println!("{result:?}");
}
