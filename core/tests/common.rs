//! Helpers shared by the integration tests.
#![allow(dead_code)]

use kafkascope_core::config::{Acks, ClusterConfig, Profile};
use kafkascope_core::message::TopicConfig;
use kafkascope_core::{Command, Event, EventKind, NodeId, Sim, TopicPartition};

pub fn teaching(brokers: i32, seed: u64) -> Sim {
    Sim::new(ClusterConfig::new(Profile::Teaching, brokers), seed).expect("valid config")
}

pub fn create_topic(
    sim: &mut Sim,
    name: &str,
    partitions: i32,
    rf: i32,
    min_isr: u32,
    unclean: bool,
) {
    sim.apply(Command::CreateTopic {
        name: name.into(),
        partitions,
        replication_factor: rf,
        config: TopicConfig {
            min_insync_replicas: min_isr,
            unclean_leader_election_enable: unclean,
            ..TopicConfig::default()
        },
    })
    .expect("topic created");
}

pub fn add_producer(sim: &mut Sim, id: u32, acks: Acks) {
    sim.apply(Command::AddProducer {
        id,
        acks: Some(acks),
        keyless: None,
        linger_ms: None,
    })
    .expect("producer added");
}

pub fn produce(sim: &mut Sim, producer: u32, topic: &str, key: Option<&str>, value: &str) -> u64 {
    match sim
        .apply(Command::Produce {
            producer,
            topic: topic.into(),
            key: key.map(Into::into),
            value: value.into(),
            partition: None,
            count: None,
        })
        .expect("produce accepted")
    {
        kafkascope_core::CommandOutcome::RecordsSent { records } => records[0],
        other => panic!("unexpected outcome {other:?}"),
    }
}

pub fn run_for(sim: &mut Sim, ms: u64, events: &mut Vec<Event>) {
    let t = sim.now() + ms;
    sim.run_until(t);
    events.extend(sim.drain_events());
}

pub fn leader_of(sim: &Sim, topic: &str, p: u32) -> i32 {
    sim.coordinator()
        .metadata()
        .partition(&TopicPartition::new(topic, p))
        .expect("partition")
        .leader
}

pub fn isr_of(sim: &Sim, topic: &str, p: u32) -> Vec<i32> {
    sim.coordinator()
        .metadata()
        .partition(&TopicPartition::new(topic, p))
        .expect("partition")
        .isr
        .clone()
}

pub fn acked_offset(events: &[Event], record: u64) -> Option<Option<u64>> {
    events.iter().find_map(|e| match &e.kind {
        EventKind::ProduceAcknowledged {
            record: r, offset, ..
        } if *r == record => Some(*offset),
        _ => None,
    })
}

pub fn failed_with(events: &[Event], record: u64) -> Option<kafkascope_core::ErrorCode> {
    events.iter().find_map(|e| match &e.kind {
        EventKind::ProduceFailed {
            record: r, error, ..
        } if *r == record => Some(*error),
        _ => None,
    })
}

pub fn crash(sim: &mut Sim, broker: i32) {
    sim.apply(Command::Crash {
        node: NodeId::Broker(broker),
    })
    .expect("crash");
}

pub fn restart(sim: &mut Sim, broker: i32) {
    sim.apply(Command::Restart {
        node: NodeId::Broker(broker),
    })
    .expect("restart");
}

/// proptest's settings for the fuzz tests: `ci_cases` inputs per property, or
/// `PROPTEST_CASES` when set (a long run); no failure files (found failures become regression
/// tests in the file itself).
pub fn proptest_config(ci_cases: u32) -> proptest::test_runner::Config {
    proptest::test_runner::Config {
        cases: std::env::var("PROPTEST_CASES")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(ci_cases),
        failure_persistence: None,
        ..proptest::test_runner::Config::default()
    }
}

/// A consumer of `group` subscribed to `topic`, with the default assignor.
pub fn add_group_consumer(sim: &mut Sim, id: u32, group: &str, topic: &str) {
    sim.apply(Command::AddConsumer {
        id,
        group: group.into(),
        topics: vec![topic.into()],
        assignor: None,
    })
    .expect("consumer added");
}
