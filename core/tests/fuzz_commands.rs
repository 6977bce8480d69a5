//! Fuzzing the command interface: random sequences of every command the core accepts, with
//! random and hostile arguments (unknown topics and nodes, negative and huge ids, counts and
//! latencies), interleaved with time advances, applied to clusters in every coordinator mode.
//!
//! Properties: nothing panics; a rejected command returns Kafka's error in words and changes
//! nothing the log of applied commands can see; with safe topic settings (at least 2 in-sync
//! replicas, clean election only) every invariant of `invariants::Checker` holds after every
//! step. `chaos` (`tests/simulation.rs`) runs long, well-formed fault schedules; this test runs
//! short, ill-formed ones.
//!
//! `PROPTEST_CASES=N` sets the number of sequences per property (default below, for CI).

mod common;

use kafkascope_core::assignor::AssignorKind;
use kafkascope_core::config::{Acks, ClusterConfig, CoordinatorMode, Millis, Profile};
use kafkascope_core::invariants::Checker;
use kafkascope_core::message::TopicConfig;
use kafkascope_core::partitioner::KeylessStrategy;
use kafkascope_core::{Command, NodeId, Sim, TopicPartition};
use proptest::prelude::*;
use proptest::test_runner::Config;

/// Sequences per property when `PROPTEST_CASES` is not set (each runs a few seconds of
/// simulated time; together a few seconds in a debug build).
const CI_CASES: u32 = 128;

fn config() -> Config {
    Config {
        // Shrinking a long failing sequence takes long; a handful of steps is enough.
        max_shrink_iters: 2_000,
        // Failures found are kept as the regression tests at the end of this file.
        ..common::proptest_config(CI_CASES)
    }
}

// ---------------------------------------------------------------------------------------
// Strategies

fn mode() -> impl Strategy<Value = CoordinatorMode> {
    prop_oneof![
        Just(CoordinatorMode::Builtin),
        Just(CoordinatorMode::Zookeeper),
        Just(CoordinatorMode::Kraft),
    ]
}

/// A cluster: 1 to 5 brokers, a mode, and in KRaft mode combined or dedicated voters.
fn cluster() -> impl Strategy<Value = ClusterConfig> {
    (
        1..=5i32,
        mode(),
        any::<bool>(),
        prop_oneof![Just(1u32), Just(3), Just(5)],
    )
        .prop_map(|(brokers, mode, combined, voters)| {
            let mut c = ClusterConfig::new(Profile::Teaching, brokers).with_mode(mode);
            c.coordinator.kraft_voters = voters;
            c.coordinator.zookeeper_ensemble_size = voters;
            // Combined mode runs voter N inside broker N: only when there are enough brokers.
            c.coordinator.kraft_combined = combined && brokers >= voters as i32;
            c
        })
}

/// Ids around the valid ones, plus the extremes.
fn signed_id() -> impl Strategy<Value = i32> {
    prop_oneof![8 => -1..=6i32, 1 => Just(i32::MAX), 1 => Just(i32::MIN)]
}

fn unsigned_id() -> impl Strategy<Value = u32> {
    prop_oneof![8 => 0..=4u32, 1 => Just(u32::MAX)]
}

fn node() -> impl Strategy<Value = NodeId> {
    prop_oneof![
        4 => signed_id().prop_map(NodeId::Broker),
        2 => signed_id().prop_map(NodeId::Controller),
        2 => signed_id().prop_map(NodeId::ZooKeeper),
        1 => unsigned_id().prop_map(NodeId::Producer),
        1 => unsigned_id().prop_map(NodeId::Consumer),
    ]
}

/// Existing topics, missing ones, internal ones, colliding and invalid names.
fn topic() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => prop_oneof![Just("orders"), Just("payments")].prop_map(String::from),
        1 => prop_oneof![
            Just("missing"),
            Just(""),
            Just("."),
            Just(".."),
            Just("a.b"),
            Just("a_b"),
            Just("__consumer_offsets"),
            Just("__cluster_metadata"),
            Just("<script>alert(1)</script>"),
            Just("ordérs"),
        ]
        .prop_map(String::from),
        1 => "\\PC{0,12}",
        1 => Just("t".repeat(300)),
    ]
}

/// Text for keys, values and group names: short, unicode, HTML, empty, long.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => "[a-z0-9]{0,6}",
        1 => "\\PC{0,16}",
        1 => Just("<img src=x onerror=alert(1)>".to_string()),
        1 => Just("x".repeat(10_000)),
    ]
}

fn count_like() -> impl Strategy<Value = i32> {
    prop_oneof![8 => 1..=6i32, 1 => -2..=0i32, 1 => Just(10_001), 1 => Just(i32::MAX), 1 => Just(i32::MIN)]
}

fn millis() -> impl Strategy<Value = Millis> {
    prop_oneof![8 => 0..=300u64, 1 => Just(Millis::MAX), 1 => Just(Millis::MAX / 2)]
}

fn topic_config(safe: bool) -> impl Strategy<Value = TopicConfig> {
    (
        prop_oneof![4 => 1..=4u32, 1 => Just(0u32), 1 => Just(u32::MAX)],
        any::<bool>(),
        prop_oneof![
            Just(None),
            (0..=20_000u64).prop_map(Some),
            Just(Some(Millis::MAX))
        ],
    )
        .prop_map(move |(min_isr, unclean, retention_ms)| TopicConfig {
            // Safe settings: at least two in-sync replicas for an acks=all write, clean
            // election only.
            min_insync_replicas: if safe { min_isr.max(2) } else { min_isr },
            unclean_leader_election_enable: unclean && !safe,
            retention_ms,
        })
}

fn acks() -> impl Strategy<Value = Option<Acks>> {
    prop::option::of(prop_oneof![
        Just(Acks::None),
        Just(Acks::Leader),
        Just(Acks::All)
    ])
}

fn keyless() -> impl Strategy<Value = Option<KeylessStrategy>> {
    prop::option::of(prop_oneof![
        Just(KeylessStrategy::RoundRobin),
        Just(KeylessStrategy::Sticky)
    ])
}

fn assignor() -> impl Strategy<Value = Option<AssignorKind>> {
    prop::option::of(prop_oneof![
        Just(AssignorKind::Range),
        Just(AssignorKind::RoundRobin),
        Just(AssignorKind::Sticky),
        Just(AssignorKind::CooperativeSticky),
    ])
}

fn partition() -> impl Strategy<Value = TopicPartition> {
    (topic(), prop_oneof![4 => 0..=6u32, 1 => Just(u32::MAX)])
        .prop_map(|(t, p)| TopicPartition::new(t.as_str(), p))
}

/// Every command the core accepts, with random and hostile arguments.
fn command(safe: bool) -> impl Strategy<Value = Command> {
    prop_oneof![
        2 => (topic(), count_like(), count_like(), topic_config(safe)).prop_map(
            |(name, partitions, replication_factor, config)| Command::CreateTopic {
                name,
                partitions,
                replication_factor,
                config,
            }
        ),
        1 => (topic(), count_like())
            .prop_map(|(topic, partitions)| Command::AddPartitions { topic, partitions }),
        1 => (unsigned_id(), acks(), keyless(), prop::option::of(millis())).prop_map(
            |(id, acks, keyless, linger_ms)| Command::AddProducer {
                id,
                acks,
                keyless,
                linger_ms,
            }
        ),
        8 => (
            unsigned_id(),
            topic(),
            prop::option::of(text()),
            text(),
            prop::option::of(prop_oneof![4 => 0..=6u32, 1 => Just(u32::MAX)]),
            prop::option::of(prop_oneof![8 => 1..=4u32, 1 => Just(0), 1 => Just(100_001), 1 => Just(u32::MAX)]),
        )
            .prop_map(|(producer, topic, key, value, partition, count)| Command::Produce {
                producer,
                topic,
                key,
                value,
                partition,
                count,
            }),
        2 => (
            unsigned_id(),
            prop_oneof![4 => Just("readers".to_string()), 1 => text()],
            prop::collection::vec(topic(), 0..3),
            assignor(),
        )
            .prop_map(|(id, group, topics, assignor)| Command::AddConsumer {
                id,
                group,
                topics,
                assignor,
            }),
        1 => unsigned_id().prop_map(|id| Command::StopConsumer { id }),
        3 => node().prop_map(|node| Command::Crash { node }),
        3 => node().prop_map(|node| Command::Restart { node }),
        1 => node().prop_map(|node| Command::Isolate { node }),
        1 => (node(), node()).prop_map(|(a, b)| Command::CutLink { a, b }),
        2 => Just(Command::Heal),
        1 => prop::option::of(prop::collection::vec(partition(), 0..3))
            .prop_map(|partitions| Command::ElectPreferredLeaders { partitions }),
        1 => (node(), node(), millis())
            .prop_map(|(a, b, latency_ms)| Command::SetLinkLatency { a, b, latency_ms }),
    ]
}

/// One step of a session: a command now, or time passing.
#[derive(Clone, Debug)]
enum Op {
    Apply(Command),
    Advance(Millis),
}

fn ops(safe: bool) -> impl Strategy<Value = Vec<Op>> {
    let op = prop_oneof![
        3 => command(safe).prop_map(Op::Apply),
        2 => prop_oneof![4 => 0..=500u64, 1 => 500..=10_000u64].prop_map(Op::Advance),
    ];
    prop::collection::vec(op, 1..40)
}

// ---------------------------------------------------------------------------------------
// Running a session

/// A cluster with two topics (RF up to 3, min.insync.replicas=2), an acks=all producer and
/// a consumer, so that random commands find something to act on.
fn start(config: ClusterConfig, seed: u64) -> Sim {
    let rf = config.brokers.len().min(3) as i32;
    let mut sim = Sim::new(config, seed).expect("a valid cluster");
    for name in ["orders", "payments"] {
        sim.apply(Command::CreateTopic {
            name: name.into(),
            partitions: 3,
            replication_factor: rf,
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
    sim.apply(Command::AddConsumer {
        id: 0,
        group: "readers".into(),
        topics: vec!["orders".into()],
        assignor: None,
    })
    .expect("consumer");
    sim
}

/// Kafka's error in words: the code's name, then a message that says what is wrong (never a
/// Rust debug dump).
fn assert_clear_error(cmd: &Command, e: &kafkascope_core::KafkaError) {
    let text = e.to_string();
    assert!(
        !e.message.trim().is_empty(),
        "{cmd:?} was refused with an empty message: {text}"
    );
    assert!(
        text.starts_with(e.code.name()),
        "{cmd:?}: {text} does not start with the code's name"
    );
    for dump in [
        "Some(",
        "None",
        "Err(",
        "Ok(",
        "{ ",
        "internal error",
        "panicked",
    ] {
        assert!(
            !e.message.contains(dump) || format!("{cmd:?}").contains(dump),
            "{cmd:?} was refused with a debug dump ({dump}): {text}"
        );
    }
}

/// Plays `ops` on a fresh cluster. Every rejected command leaves the command log as it was
/// and says why; with `check`, every invariant is checked after every step.
fn play(config: ClusterConfig, seed: u64, ops: &[Op], check: bool) -> Result<(), String> {
    let mut sim = start(config, seed);
    let mut checker = Checker::new();
    let observe = |sim: &mut Sim, checker: &mut Checker| -> Result<(), String> {
        let events = sim.drain_events();
        if check {
            checker.observe(sim, &events).map_err(|v| v.to_string())?;
        }
        Ok(())
    };
    for op in ops {
        match op {
            Op::Apply(cmd) => {
                let logged = sim.command_log().len();
                if let Err(e) = sim.apply(cmd.clone()) {
                    assert_clear_error(cmd, &e);
                    assert_eq!(
                        sim.command_log().len(),
                        logged,
                        "{cmd:?} refused but logged"
                    );
                }
                observe(&mut sim, &mut checker)?;
            }
            Op::Advance(ms) => {
                let t = sim.now() + ms;
                while sim.step_until(t) {
                    observe(&mut sim, &mut checker)?;
                }
                sim.run_until(t);
            }
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(config())]

    /// Any sequence of any commands, in any mode: no panic, rejections in words.
    #[test]
    fn any_command_sequence_is_applied_or_refused_in_words(
        config in cluster(),
        seed in any::<u64>(),
        ops in ops(false),
    ) {
        play(config, seed, &ops, false).map_err(TestCaseError::fail)?;
    }

    /// Safe topic settings: whatever the commands, every invariant holds after every step.
    #[test]
    fn safe_settings_keep_every_invariant_under_any_command_sequence(
        config in cluster(),
        seed in any::<u64>(),
        ops in ops(true),
    ) {
        play(config, seed, &ops, true).map_err(TestCaseError::fail)?;
    }
}

// ---------------------------------------------------------------------------------------
// What the fuzzing found (each failed before its fix)

/// `linger.ms` near `u64::MAX` overflowed the producer's drain time (a panic in debug builds).
/// Kafka reads `linger.ms` as at most `Integer.MAX_VALUE`; so does the model now.
#[test]
fn the_longest_linger_ms_is_capped_as_kafka_caps_it() {
    for mode in [
        CoordinatorMode::Builtin,
        CoordinatorMode::Zookeeper,
        CoordinatorMode::Kraft,
    ] {
        let mut sim = start(ClusterConfig::new(Profile::Teaching, 1).with_mode(mode), 1);
        sim.apply(Command::AddProducer {
            id: 1,
            acks: Some(Acks::All),
            keyless: None,
            linger_ms: Some(Millis::MAX),
        })
        .expect("accepted");
        assert_eq!(
            sim.producers()[&1].config.linger_ms,
            kafkascope_core::producer::MAX_LINGER_MS
        );
        sim.apply(Command::Produce {
            producer: 1,
            topic: "orders".into(),
            key: None,
            value: "v".into(),
            partition: None,
            count: None,
        })
        .expect("sent");
        // Runs on (the drain timer is set about 24.8 days ahead, not past the clock's end).
        sim.run_until(10_000);
        assert_eq!(sim.now(), 10_000);
    }
}

/// A link latency near `u64::MAX` overflowed the delivery time of the next message (a panic in
/// debug builds): refused now, as is such a latency in a cluster's network config.
#[test]
fn a_link_latency_past_an_hour_is_refused() {
    let mut sim = start(ClusterConfig::new(Profile::Teaching, 3), 1);
    let (a, b) = (NodeId::Broker(1), NodeId::Broker(2));
    for latency_ms in [3_600_001, Millis::MAX] {
        let e = sim
            .apply(Command::SetLinkLatency { a, b, latency_ms })
            .expect_err("refused");
        assert!(e.message.contains("more than 3600000 ms"), "{e}");
    }
    sim.apply(Command::SetLinkLatency {
        a,
        b,
        latency_ms: 3_600_000,
    })
    .expect("an hour is allowed");
    sim.run_until(10_000);
    let mut config = ClusterConfig::new(Profile::Teaching, 3);
    config.network.latency_ms = Millis::MAX;
    assert!(
        Sim::new(config, 1)
            .err()
            .expect("refused")
            .starts_with("network.latency_ms: ")
    );
}

/// Growing a topic skipped the simulator's limit of partitions per topic that creating one
/// has: `add_partitions` to 10,001 (or `i32::MAX`) was accepted and froze the run.
#[test]
fn growing_a_topic_past_the_partition_limit_is_refused() {
    let mut sim = start(ClusterConfig::new(Profile::Teaching, 3), 1);
    for partitions in [10_001, i32::MAX] {
        let e = sim
            .apply(Command::AddPartitions {
                topic: "orders".into(),
                partitions,
            })
            .expect_err("refused");
        assert_eq!(e.code, kafkascope_core::ErrorCode::InvalidPartitions);
        assert!(e.message.contains("10000 per topic"), "{e}");
    }
    assert_eq!(
        sim.apply(Command::AddPartitions {
            topic: "orders".into(),
            partitions: 2,
        })
        .expect_err("refused")
        .message,
        "Topic already has 3 partition(s)."
    );
}
