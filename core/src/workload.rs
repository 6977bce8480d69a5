//! The throughput workload, shared by the native benchmark (`core/benches/throughput.rs`) and
//! the wasm one (`bench/wasm`), so both measure exactly the same simulation: 3 brokers, one
//! topic of 6 partitions with RF 3 and `min.insync.replicas` 2, retention 5 s (checked every
//! second), one producer with acks=all sending 100 keyed records per simulated ms, one
//! consumer group of 3 reading from the earliest offset, Kafka's default timeouts, no faults.
//!
//! The caller times [`Throughput::run`] with its own clock (no clock here: the core has none).

use crate::config::{Acks, ClusterConfig, Millis, OffsetReset, Profile};
use crate::message::TopicConfig;
use crate::{Command, EventKind, Sim};

/// Records the producer sends per simulated millisecond.
pub const RECORDS_PER_MS: u32 = 100;
/// Records in the standard run.
pub const DEFAULT_RECORDS: u64 = 1_000_000;
/// Simulated time given to the group to form before the measured run.
const WARM_UP_MS: Millis = 10_000;

/// What a run did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ThroughputResult {
    pub acknowledged: u64,
    pub consumed: u64,
    /// Simulated milliseconds the run took.
    pub simulated_ms: Millis,
    /// Events emitted during the run (every message sent plus every state change).
    pub events: u64,
}

/// The cluster set up and warmed up, ready for [`Throughput::run`].
pub struct Throughput {
    sim: Sim,
}

impl Default for Throughput {
    fn default() -> Self {
        Self::new()
    }
}

impl Throughput {
    /// Builds the cluster, the topic, the producer and the group, and lets the group form
    /// (not part of the measured run).
    pub fn new() -> Self {
        let mut config = ClusterConfig::new(Profile::KafkaDefaults, 3);
        // Retention bounds memory: the logs keep about 5 s of records (more than the group
        // lags, or it would lose records to retention, as a slow Kafka consumer does).
        config.broker.log_retention_check_interval_ms = 1_000;
        config.producer.acks = Acks::All;
        // Read from the beginning even if the group forms after the first records (Kafka's
        // default `latest` would skip them).
        config.consumer.auto_offset_reset = OffsetReset::Earliest;
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
        sim.run_until(WARM_UP_MS);
        sim.drain_events();
        Self { sim }
    }

    /// Sends `total` records and runs until every one is acknowledged and consumed.
    /// Panics if a record fails or the run does not finish (the workload has no faults).
    pub fn run(&mut self, total: u64) -> ThroughputResult {
        let sim = &mut self.sim;
        let events_before = sim.events_emitted();
        let start = sim.now();
        let (mut sent, mut acknowledged, mut consumed) = (0u64, 0u64, 0u64);
        let mut t = start;
        let mut key = 0u64;
        while acknowledged < total || consumed < total {
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
                    EventKind::ProduceAcknowledged { .. } => acknowledged += 1,
                    EventKind::ProduceFailed { error, .. } => panic!("record failed: {error}"),
                    EventKind::RecordsConsumed { records, .. } => consumed += records.len() as u64,
                    _ => {}
                }
            }
            assert!(
                t - start <= 10_000_000,
                "the run did not finish: {acknowledged} of {total} acknowledged, {consumed} consumed"
            );
        }
        ThroughputResult {
            acknowledged,
            consumed,
            simulated_ms: t - start,
            events: sim.events_emitted() - events_before,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_small_run_acknowledges_and_consumes_every_record() {
        let r = Throughput::new().run(2_000);
        assert_eq!((r.acknowledged, r.consumed), (2_000, 2_000));
        assert!(r.simulated_ms >= 20 && r.events > 2_000);
    }

    #[test]
    fn the_workload_is_deterministic() {
        assert_eq!(Throughput::new().run(1_000), Throughput::new().run(1_000));
    }
}
