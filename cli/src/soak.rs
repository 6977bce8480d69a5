//! `kafkascope soak`: the randomized invariant run at scale. Runs many seeds of random traffic
//! and faults (`kafkascope_core::chaos`) in each coordinator mode, over several threads, and
//! reports seeds run, events checked, acknowledged records tracked and violations.
//!
//! Every seed's run is deterministic and independent of the others, so the totals are the
//! same whatever the thread count; only the wall time changes. A violation (or a panic) names
//! its seed and the command that prints its trace.

use kafkascope_core::CoordinatorMode;
use kafkascope_core::chaos::{RunReport, Safety, run_seed_in};
use serde::Serialize;
use std::collections::BTreeMap;
use std::io::Write;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

/// Seeds a worker takes at a time (small enough to keep both cores busy to the end).
const CHUNK: u64 = 16;

/// Violations kept per mode for the report (the count covers all of them).
const KEPT_VIOLATIONS: usize = 10;

/// What one seed's run ended with, when it did not end well.
#[derive(Clone, Debug, Serialize)]
pub struct SeedFailure {
    pub seed: u64,
    /// The invariant and what was seen, or the panic's message.
    pub problem: String,
    /// Prints the seed's trace.
    pub reproduce: String,
}

/// Totals of one mode's run.
#[derive(Clone, Debug, Default, Serialize)]
pub struct ModeReport {
    pub mode: &'static str,
    pub safety: &'static str,
    pub seeds: u64,
    pub first_seed: u64,
    pub steps_checked: u64,
    pub events_checked: u64,
    pub acknowledged_records: u64,
    pub faults_injected: u64,
    pub violations: u64,
    /// Failing seeds per invariant (`panic` for a seed whose run panicked).
    pub violations_by_invariant: BTreeMap<&'static str, u64>,
    /// The lowest-numbered failing seeds, at most [`KEPT_VIOLATIONS`].
    pub failures: Vec<SeedFailure>,
    pub wall_ms: u128,
}

/// Kafka's name for a mode, as the command line takes it.
pub fn mode_name(m: CoordinatorMode) -> &'static str {
    match m {
        CoordinatorMode::Builtin => "builtin",
        CoordinatorMode::Zookeeper => "zookeeper",
        CoordinatorMode::Kraft => "kraft",
    }
}

fn safety_name(s: Safety) -> &'static str {
    match s {
        Safety::Safe => "safe",
        Safety::Unsafe => "unsafe",
    }
}

/// The line that prints a seed's trace (the core's `trace_seed` example).
pub fn reproduce_command(seed: u64, safety: Safety, mode: CoordinatorMode) -> String {
    format!(
        "cargo run --release -p kafkascope-core --example trace_seed -- {seed} {} \"\" {}",
        safety_name(safety),
        mode_name(mode)
    )
}

/// What a worker adds up.
#[derive(Default)]
struct Totals {
    seeds: u64,
    steps: u64,
    events: u64,
    acknowledged: u64,
    faults: u64,
    by_invariant: BTreeMap<&'static str, u64>,
    failures: Vec<SeedFailure>,
}

impl Totals {
    fn add(&mut self, r: &RunReport) {
        self.seeds += 1;
        self.steps += r.steps;
        self.events += r.events;
        self.acknowledged += r.committed_records as u64;
        self.faults += u64::from(r.faults);
    }

    fn merge(&mut self, other: Totals) {
        self.seeds += other.seeds;
        self.steps += other.steps;
        self.events += other.events;
        self.acknowledged += other.acknowledged;
        self.faults += other.faults;
        for (k, n) in other.by_invariant {
            *self.by_invariant.entry(k).or_default() += n;
        }
        self.failures.extend(other.failures);
    }
}

/// One seed, a panic included: a panic is a failure of that seed, not of the whole run.
/// A failure is (the invariant broken or `panic`, what was seen).
fn run_one(
    seed: u64,
    safety: Safety,
    mode: CoordinatorMode,
) -> Result<RunReport, (&'static str, String)> {
    match catch_unwind(AssertUnwindSafe(|| run_seed_in(seed, safety, mode))) {
        Ok(Ok(r)) => Ok(r),
        Ok(Err(v)) => Err((v.invariant, v.to_string())),
        Err(panic) => {
            let msg = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "(no message)".into());
            Err(("panic", format!("panicked: {msg}")))
        }
    }
}

/// Runs seeds `from..from + seeds` of one mode over `threads` workers. `progress` is called
/// (from the workers) with the number of seeds done before and after each chunk.
pub fn run_mode(
    mode: CoordinatorMode,
    safety: Safety,
    from: u64,
    seeds: u64,
    threads: usize,
    progress: &(dyn Fn(u64, u64) + Sync),
) -> ModeReport {
    let start = Instant::now();
    let next = AtomicU64::new(0);
    let done = AtomicU64::new(0);
    let end = seeds;
    let totals = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads.max(1))
            .map(|_| {
                scope.spawn(|| {
                    let mut t = Totals::default();
                    loop {
                        let lo = next.fetch_add(CHUNK, Ordering::Relaxed);
                        if lo >= end {
                            break t;
                        }
                        for i in lo..(lo + CHUNK).min(end) {
                            let seed = from.wrapping_add(i);
                            match run_one(seed, safety, mode) {
                                Ok(r) => t.add(&r),
                                Err((invariant, problem)) => {
                                    t.seeds += 1;
                                    *t.by_invariant.entry(invariant).or_default() += 1;
                                    t.failures.push(SeedFailure {
                                        seed,
                                        problem,
                                        reproduce: reproduce_command(seed, safety, mode),
                                    });
                                }
                            }
                        }
                        let n = (lo + CHUNK).min(end) - lo;
                        let before = done.fetch_add(n, Ordering::Relaxed);
                        progress(before, before + n);
                    }
                })
            })
            .collect();
        let mut all = Totals::default();
        for w in workers {
            all.merge(w.join().expect("soak workers catch every panic"));
        }
        all
    });
    let mut failures = totals.failures;
    failures.sort_by_key(|f| f.seed);
    let violations = failures.len() as u64;
    failures.truncate(KEPT_VIOLATIONS);
    ModeReport {
        mode: mode_name(mode),
        safety: safety_name(safety),
        seeds: totals.seeds,
        first_seed: from,
        steps_checked: totals.steps,
        events_checked: totals.events,
        acknowledged_records: totals.acknowledged,
        faults_injected: totals.faults,
        violations,
        violations_by_invariant: totals.by_invariant,
        failures,
        wall_ms: start.elapsed().as_millis(),
    }
}

/// How many unsafe seeds the checker caught losing acknowledged records: the proof that it
/// can fail.
#[derive(Clone, Debug, Serialize)]
pub struct UnsafeCheck {
    pub mode: &'static str,
    pub safety: &'static str,
    pub seeds: u64,
    /// Seeds whose run broke `NoCommittedRecordLost`.
    pub caught_losing_records: u64,
    /// Seeds caught breaking any invariant.
    pub caught: u64,
    pub wall_ms: u128,
}

/// Runs unsafe settings (min.insync.replicas=1, unclean election) for `seeds` seeds.
pub fn run_unsafe(mode: CoordinatorMode, from: u64, seeds: u64, threads: usize) -> UnsafeCheck {
    let r = run_mode(mode, Safety::Unsafe, from, seeds, threads, &|_, _| {});
    UnsafeCheck {
        mode: r.mode,
        safety: r.safety,
        seeds: r.seeds,
        caught_losing_records: r
            .violations_by_invariant
            .get("NoCommittedRecordLost")
            .copied()
            .unwrap_or(0),
        caught: r.violations,
        wall_ms: r.wall_ms,
    }
}

/// The command's settings.
pub struct Options {
    pub modes: Vec<CoordinatorMode>,
    pub seeds: u64,
    pub from: u64,
    pub threads: usize,
    pub unsafe_seeds: u64,
    pub json: bool,
}

/// One mode's line of the table, then each kept violation with the command reproducing it.
fn write_row(out: &mut impl Write, r: &ModeReport) -> std::io::Result<()> {
    writeln!(
        out,
        "{:<10} {:>9} {:>15} {:>14} {:>12} {:>11} {:>8.1} s",
        r.mode,
        r.seeds,
        r.events_checked,
        r.acknowledged_records,
        r.faults_injected,
        r.violations,
        r.wall_ms as f64 / 1000.0
    )?;
    for f in &r.failures {
        writeln!(out, "  VIOLATION seed {}: {}", f.seed, f.problem)?;
        writeln!(out, "    reproduce: {}", f.reproduce)?;
    }
    if r.violations > r.failures.len() as u64 {
        writeln!(
            out,
            "  ... and {} more failing seed(s)",
            r.violations - r.failures.len() as u64
        )?;
    }
    Ok(())
}

/// Runs every mode, prints the report, and says whether every safe seed held.
pub fn run(out: &mut impl Write, opts: &Options) -> std::io::Result<bool> {
    if !opts.json {
        writeln!(
            out,
            "Randomized fault schedules (chaos::run_seed_in): 3 brokers, acks=all, RF 3, \
             min.insync.replicas=2, clean election only; every invariant checked after every \
             step. Seeds {}..{}, {} thread(s).\n",
            opts.from,
            opts.from.saturating_add(opts.seeds),
            opts.threads
        )?;
        writeln!(
            out,
            "{:<10} {:>9} {:>15} {:>14} {:>12} {:>11} {:>10}",
            "mode", "seeds", "events checked", "acked records", "faults", "violations", "wall"
        )?;
        out.flush()?;
    }
    let mut clean = true;
    for &mode in &opts.modes {
        let step = (opts.seeds / 10).max(1);
        let name = mode_name(mode);
        let progress = |before: u64, after: u64| {
            if after / step > before / step && after < opts.seeds {
                eprintln!("soak: {name}: {after} of {} seeds", opts.seeds);
            }
        };
        let r = run_mode(
            mode,
            Safety::Safe,
            opts.from,
            opts.seeds,
            opts.threads,
            &progress,
        );
        clean &= r.violations == 0;
        if opts.json {
            writeln!(
                out,
                "{}",
                serde_json::to_string(&r).map_err(std::io::Error::other)?
            )?;
        } else {
            write_row(out, &r)?;
        }
        out.flush()?;
    }
    if opts.unsafe_seeds > 0 && !opts.json {
        writeln!(
            out,
            "\nUnsafe settings (min.insync.replicas=1, unclean election): the checker must catch \
             some seeds losing acknowledged records."
        )?;
    }
    for &mode in opts.modes.iter().filter(|_| opts.unsafe_seeds > 0) {
        let u = run_unsafe(mode, opts.from, opts.unsafe_seeds, opts.threads);
        if opts.json {
            writeln!(
                out,
                "{}",
                serde_json::to_string(&u).map_err(std::io::Error::other)?
            )?;
        } else {
            writeln!(
                out,
                "{:<10} {} of {} seeds caught losing acknowledged records ({} caught in all), {:.1} s",
                u.mode,
                u.caught_losing_records,
                u.seeds,
                u.caught,
                u.wall_ms as f64 / 1000.0
            )?;
        }
        out.flush()?;
    }
    Ok(clean)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn totals_do_not_depend_on_the_thread_count() {
        let one = run_mode(CoordinatorMode::Kraft, Safety::Safe, 5, 6, 1, &|_, _| {});
        let three = run_mode(CoordinatorMode::Kraft, Safety::Safe, 5, 6, 3, &|_, _| {});
        assert_eq!(one.seeds, 6);
        assert!(one.events_checked > 0 && one.acknowledged_records > 0);
        assert_eq!(
            (
                one.events_checked,
                one.acknowledged_records,
                one.faults_injected
            ),
            (
                three.events_checked,
                three.acknowledged_records,
                three.faults_injected
            )
        );
    }

    /// Unsafe settings lose records on some seeds: each failing seed is printed with the
    /// invariant and the line that prints its trace.
    #[test]
    fn a_violation_names_its_seed_and_how_to_reproduce_it() {
        let r = run_mode(
            CoordinatorMode::Builtin,
            Safety::Unsafe,
            0,
            40,
            2,
            &|_, _| {},
        );
        assert!(r.violations > 0, "unsafe settings lose data on some seed");
        let seeds: Vec<u64> = r.failures.iter().map(|f| f.seed).collect();
        assert!(seeds.windows(2).all(|w| w[0] < w[1]), "lowest seeds first");
        let mut text = Vec::new();
        write_row(&mut text, &r).unwrap();
        let text = String::from_utf8(text).unwrap();
        let f = &r.failures[0];
        assert!(
            text.contains(&format!(
                "  VIOLATION seed {}: {}\n    reproduce: cargo run --release -p kafkascope-core \
                 --example trace_seed -- {} unsafe \"\" builtin\n",
                f.seed, f.problem, f.seed
            )),
            "{text}"
        );
        assert!(f.problem.contains(" violated at "), "{}", f.problem);
    }
}
