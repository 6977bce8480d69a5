use kafkascope_core::chaos::{Safety, run_seed_in};
use kafkascope_core::config::CoordinatorMode;
fn main() {
    let a: u64 = std::env::args().nth(1).unwrap().parse().unwrap();
    let b: u64 = std::env::args().nth(2).unwrap().parse().unwrap();
    let mut bad = 0;
    for seed in a..b {
        if let Err(v) = run_seed_in(seed, Safety::Safe, CoordinatorMode::Zookeeper) {
            println!("seed {seed}: {v}");
            bad += 1;
        }
    }
    println!("bad {bad}");
}
