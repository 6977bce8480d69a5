//! Time-travel benchmark: the web app's stress preset (9 brokers, topics orders, payments and
//! shipments x 12 partitions, RF 3, min ISR 2, KRaft with 3 dedicated controllers, teaching
//! profile, one producer with acks=all sending 50 records/s keyed `customer-<n % 20>`) run
//! for one simulated hour through a [`Timeline`], then 200 seeks to random times.
//!
//! Prints the wall time of the hour (plain and with checkpoints), the checkpoints and what
//! they cost in memory, and seek times (median, p95, max).
//!
//! `cargo bench -p kafkascope-core --bench seek [-- SECONDS [INTERVAL_MS [MAX_CHECKPOINTS [WINDOW_S]]]]`
//! (the web app: `-- 3600 5000 384 900`; the web app's preset also sets a 5-minute retention,
//! which this bench does not).

use kafkascope_core::config::{Acks, ClusterConfig, CoordinatorMode, Millis, Profile};
use kafkascope_core::log::{RECORDS_PER_SEGMENT, Record};
use kafkascope_core::message::TopicConfig;
use kafkascope_core::sim::COMMANDS_PER_SEGMENT;
use kafkascope_core::timeline::{CheckpointPolicy, Timeline};
use kafkascope_core::{Command, Sim};
use rand::{Rng, SeedableRng};
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

/// Counts bytes allocated, to measure what a clone costs.
struct Counting;
static ALLOCATED: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        ALLOCATED.fetch_add(l.size(), Ordering::Relaxed);
        unsafe { System.alloc(l) }
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        unsafe { System.dealloc(p, l) }
    }
    unsafe fn realloc(&self, p: *mut u8, l: Layout, new: usize) -> *mut u8 {
        ALLOCATED.fetch_add(new.saturating_sub(l.size()), Ordering::Relaxed);
        unsafe { System.realloc(p, l, new) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Bytes allocated by `f` (what it keeps and what it frees alike).
fn allocated_by<T>(f: impl FnOnce() -> T) -> (T, usize) {
    let before = ALLOCATED.load(Ordering::Relaxed);
    let out = f();
    (out, ALLOCATED.load(Ordering::Relaxed) - before)
}

const TOPICS: [&str; 3] = ["orders", "payments", "shipments"];
/// 50 records/s.
const SEND_EVERY_MS: Millis = 20;

fn stress_cluster() -> Sim {
    let mut config = ClusterConfig::new(Profile::Teaching, 9);
    config.coordinator.mode = CoordinatorMode::Kraft;
    config.coordinator.kraft_voters = 3;
    let mut sim = Sim::new(config, 1).expect("config");
    for name in TOPICS {
        sim.apply(Command::CreateTopic {
            name: name.into(),
            partitions: 12,
            replication_factor: 3,
            config: TopicConfig {
                min_insync_replicas: 2,
                ..TopicConfig::default()
            },
        })
        .expect("topic");
    }
    sim.apply(Command::AddProducer {
        id: 0,
        acks: Some(Acks::All),
        keyless: None,
        linger_ms: None,
    })
    .expect("producer");
    sim
}

fn send(n: u64) -> Command {
    Command::Produce {
        producer: 0,
        topic: TOPICS[(n % 3) as usize].into(),
        key: Some(format!("customer-{}", n % 20)),
        value: format!("order-{n}"),
        partition: None,
        count: None,
    }
}

fn vm_hwm_kb() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = s.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Bytes a checkpoint holds of its own: the active segment of every replica log and of the
/// command log, and one pointer per group of closed segments and per closed segment not yet in
/// a group (what they point to is shared, counted once elsewhere).
/// The rest of the state (queues, client and controller state) is not counted here.
fn unshared_log_bytes(sim: &Sim) -> usize {
    let mut bytes = 0;
    for b in sim.brokers().values() {
        for p in b.partitions.values() {
            let (pointers, active) = p.log.segments();
            bytes += pointers * 8 + active * std::mem::size_of::<Record>();
        }
    }
    let log = sim.command_log();
    let (pointers, active) = log.clone_cost();
    bytes += pointers * 8 + active * std::mem::size_of::<(Millis, Command)>();
    bytes
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn main() {
    let args: Vec<Millis> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let seconds = args.first().copied().unwrap_or(3_600);
    let interval_ms = args.get(1).copied().unwrap_or(1_000);
    let max_checkpoints = args.get(2).map_or(8_192, |&m| m as usize);
    let window_ms = args.get(3).map(|&s| s * 1_000);
    let end = seconds * 1_000;

    // The hour without a timeline: the baseline for time and memory.
    let start = Instant::now();
    let mut sim = stress_cluster();
    let mut n = 0;
    let mut t = sim.now();
    while t < end {
        sim.run_until(t);
        sim.apply(send(n)).expect("send");
        sim.drain_events();
        n += 1;
        t += SEND_EVERY_MS;
    }
    sim.run_until(end);
    let plain_wall = start.elapsed();
    let events = sim.events_emitted();
    drop(sim);
    let plain_hwm = vm_hwm_kb().unwrap_or(0);

    // The same hour through a timeline.
    let policy = CheckpointPolicy {
        interval_ms,
        max_checkpoints,
        window_ms,
    };
    let start = Instant::now();
    let mut tl = Timeline::with_policy(stress_cluster(), policy);
    let mut n = 0;
    let mut t = tl.now();
    while t < end {
        tl.advance_to(t);
        tl.apply(send(n)).expect("send");
        tl.live_mut().drain_events();
        n += 1;
        t += SEND_EVERY_MS;
    }
    tl.advance_to(end);
    tl.live_mut().drain_events();
    let timeline_wall = start.elapsed();
    let timeline_hwm = vm_hwm_kb().unwrap_or(0);

    let checkpoints = tl.checkpoint_count();
    let unshared: usize = tl.checkpoint_states().map(unshared_log_bytes).sum();
    println!("stress preset, {seconds} s simulated, {n} records sent, {events} events");
    println!(
        "hour, plain Sim:        {:.2} s wall",
        plain_wall.as_secs_f64()
    );
    println!(
        "hour, through Timeline: {:.2} s wall ({} checkpoints every {} ms of simulated time, at most {max_checkpoints})",
        timeline_wall.as_secs_f64(),
        checkpoints,
        tl.policy().interval_ms
    );
    println!(
        "segments: {RECORDS_PER_SEGMENT} records per replica-log segment, {COMMANDS_PER_SEGMENT} commands per command-log segment"
    );
    println!(
        "checkpoint log data not shared (active segments + segment pointers): {:.1} MB in all, {:.0} KB per checkpoint",
        unshared as f64 / 1e6,
        unshared as f64 / 1e3 / checkpoints as f64
    );
    println!(
        "peak memory (VmHWM): plain run {plain_hwm} kB; with the timeline {timeline_hwm} kB; difference {:.1} MB = {:.0} KB per checkpoint (with the timeline's own input log)",
        (timeline_hwm.saturating_sub(plain_hwm)) as f64 / 1e3,
        (timeline_hwm.saturating_sub(plain_hwm)) as f64 / checkpoints as f64
    );

    // What the checkpoints hold of their own: what cloning each allocates (shared segments
    // are not copied).
    let own: usize = tl
        .checkpoint_states()
        .map(|c| allocated_by(|| c.clone()).1)
        .sum();
    println!(
        "all {checkpoints} checkpoints (bytes their clones allocate): {:.1} MB, {:.0} KB per checkpoint",
        own as f64 / 1e6,
        own as f64 / 1e3 / checkpoints as f64
    );

    let sim = tl.live();
    let (_c, whole) = allocated_by(|| sim.clone());
    let (_b, brokers) = allocated_by(|| sim.brokers().clone());
    let (_k, coordinator) = allocated_by(|| sim.coordinator_impl().clone());
    let (_p, producers) = allocated_by(|| sim.producers().clone());
    let (_l, command_log) = allocated_by(|| sim.command_log().clone());
    println!(
        "one checkpoint at the end (bytes allocated by a clone): {:.0} KB = brokers {:.0} KB + coordinator {:.0} KB + producers {:.0} KB + command log {:.0} KB + the rest {:.0} KB",
        whole as f64 / 1e3,
        brokers as f64 / 1e3,
        coordinator as f64 / 1e3,
        producers as f64 / 1e3,
        command_log as f64 / 1e3,
        (whole - brokers - coordinator - producers - command_log) as f64 / 1e3,
    );

    if std::env::var("SEEK_BREAKDOWN").is_ok() {
        let b = sim.brokers().values().next().unwrap();
        let (_x, parts) = allocated_by(|| b.partitions.clone());
        let (_x, logs) = allocated_by(|| {
            b.partitions
                .values()
                .map(|p| p.log.clone())
                .collect::<Vec<_>>()
        });
        let (_x, meta) = allocated_by(|| b.metadata.clone());
        let (_x, kraft) = allocated_by(|| b.kraft.clone());
        let (_x, groups) = allocated_by(|| b.groups.clone());
        let (_x, fetchers) = allocated_by(|| b.fetchers.clone());
        let (_x, parked) = allocated_by(|| b.parked_fetches.clone());
        let (_x, delayed) = allocated_by(|| b.delayed_produces.clone());
        println!(
            "broker 1: partitions {parts} (logs {logs}), metadata {meta}, kraft {kraft}, groups {groups}, fetchers {fetchers}, parked {parked}, delayed {delayed}; kernel queue {} items",
            sim.pending()
        );
    }

    // Seeks to random times, each from wherever the previous one left the timeline.
    let mut rng = rand_pcg::Pcg64Mcg::seed_from_u64(2024);
    let mut times = Vec::new();
    let from = tl.start();
    for _ in 0..200 {
        let target = rng.random_range(from..=end);
        let s = Instant::now();
        tl.seek(target);
        times.push(s.elapsed().as_secs_f64() * 1e3);
        tl.live_mut().drain_events();
        assert_eq!(tl.now(), target);
    }
    times.sort_by(f64::total_cmp);
    println!(
        "seek to 200 random times: median {:.2} ms, p95 {:.2} ms, max {:.2} ms",
        percentile(&times, 0.5),
        percentile(&times, 0.95),
        times[times.len() - 1]
    );
}
