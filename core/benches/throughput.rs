//! Throughput benchmark (issue 3): 3 brokers, one topic of 6 partitions with RF 3, acks=all,
//! one producer, one consumer group of 3, no faults, 1,000,000 records. Prints records/s and
//! events/s of simulation (wall clock, this machine) and peak memory.
//!
//! `cargo bench -p kafkascope-core --bench throughput [-- RECORDS]`

use kafkascope_core::config::{Acks, ClusterConfig, Profile};
use kafkascope_core::message::TopicConfig;
use kafkascope_core::{Command, EventKind, Sim};
use std::time::Instant;

const RECORDS_PER_MS: u32 = 100;

fn main() {
    let total: u64 = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    let mut config = ClusterConfig::new(Profile::KafkaDefaults, 3);
    // Retention bounds memory: the logs keep about 5 s of records (more than the group lags,
    // or it would lose records to retention, as a slow Kafka consumer does).
    config.broker.log_retention_check_interval_ms = 1_000;
    config.producer.acks = Acks::All;
    // Read from the beginning even if the group forms after the first records (Kafka's
    // default `latest` would skip them).
    config.consumer.auto_offset_reset = kafkascope_core::config::OffsetReset::Earliest;
    let mut sim = Sim::new(config, 1).expect("config");
    sim.apply(Command::CreateTopic {
        name: "bench".into(),
        partitions: 6,
        replication_factor: 3,
        config: TopicConfig {
            min_insync_replicas: 2,
            retention_ms: Some(5_000),
            ..TopicConfig::default()
        },
    })
    .expect("topic");
    sim.apply(Command::AddProducer {
        id: 0,
        acks: None,
        keyless: None,
        linger_ms: None,
    })
    .expect("producer");
    for id in 0..3 {
        sim.apply(Command::AddConsumer {
            id,
            group: "bench-group".into(),
            topics: vec!["bench".into()],
            assignor: None,
        })
        .expect("consumer");
    }
    // Let the group form before the clock starts.
    sim.run_until(10_000);
    sim.drain_events();
    let events_before = sim.events_emitted();

    let start = Instant::now();
    let mut sent: u64 = 0;
    let mut acked: u64 = 0;
    let mut consumed: u64 = 0;
    let mut t = sim.now();
    let mut key = 0u64;
    while acked < total || consumed < total {
        if sent < total {
            let n = (total - sent).min(RECORDS_PER_MS as u64) as u32;
            key += 1;
            sim.apply(Command::Produce {
                producer: 0,
                topic: "bench".into(),
                key: Some(format!("k{}", key % 1_000)),
                value: "payload-0123456789".into(),
                partition: None,
                count: Some(n),
            })
            .expect("produce");
            sent += n as u64;
        }
        t += 1;
        sim.run_until(t);
        for e in sim.drain_events() {
            match e.kind {
                EventKind::ProduceAcknowledged { .. } => acked += 1,
                EventKind::ProduceFailed { error, .. } => panic!("record failed: {error}"),
                EventKind::RecordsConsumed { records, .. } => consumed += records.len() as u64,
                _ => {}
            }
        }
        if t > 10_000_000 {
            panic!(
                "benchmark did not finish: {acked} of {total} acknowledged, {consumed} consumed"
            );
        }
    }
    let wall = start.elapsed().as_secs_f64();
    let events = sim.events_emitted() - events_before;
    println!("records acknowledged: {acked}, consumed by the group: {consumed}");
    println!(
        "simulated time:       {:.1} s",
        (t - 10_000) as f64 / 1000.0
    );
    println!("wall time:            {wall:.3} s");
    println!("records/s:            {:.0}", acked as f64 / wall);
    println!(
        "events/s:             {:.0} ({events} events)",
        events as f64 / wall
    );
    println!("peak memory (VmHWM):  {}", peak_memory());
}

fn peak_memory() -> String {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM"))
                .map(|l| l.split_whitespace().skip(1).collect::<Vec<_>>().join(" "))
        })
        .unwrap_or_else(|| "unknown (no /proc)".into())
}
