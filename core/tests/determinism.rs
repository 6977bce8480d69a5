//! The state is a function of (config, seed, timed command log): same inputs, same trace.

use kafkascope_core::config::{ClusterConfig, Profile};
use kafkascope_core::message::TopicConfig;
use kafkascope_core::{Command, Millis, NodeId, Sim};

fn scripted() -> Vec<(Millis, Command)> {
    vec![
        (
            0,
            Command::CreateTopic {
                name: "orders".into(),
                partitions: 3,
                replication_factor: 3,
                config: TopicConfig::default(),
            },
        ),
        (
            0,
            Command::AddProducer {
                id: 0,
                acks: None,
                keyless: Some(kafkascope_core::partitioner::KeylessStrategy::Sticky),
                linger_ms: None,
            },
        ),
        (
            500,
            Command::Produce {
                producer: 0,
                topic: "orders".into(),
                key: None,
                value: "v".into(),
                partition: None,
                count: Some(50),
            },
        ),
        (
            1_000,
            Command::Crash {
                node: NodeId::Broker(2),
            },
        ),
        (
            1_200,
            Command::Produce {
                producer: 0,
                topic: "orders".into(),
                key: Some("k".into()),
                value: "w".into(),
                partition: None,
                count: Some(20),
            },
        ),
        (
            6_000,
            Command::Restart {
                node: NodeId::Broker(2),
            },
        ),
    ]
}

fn run(
    config: &ClusterConfig,
    seed: u64,
    commands: &[(Millis, Command)],
    until: Millis,
) -> (String, Vec<(Millis, Command)>) {
    let mut sim = Sim::new(config.clone(), seed).unwrap();
    let mut trace = String::new();
    for (at, cmd) in commands {
        sim.run_until(*at);
        let _ = sim.apply(cmd.clone());
        for e in sim.drain_events() {
            trace.push_str(&serde_json::to_string(&e).unwrap());
            trace.push('\n');
        }
    }
    sim.run_until(until);
    for e in sim.drain_events() {
        trace.push_str(&serde_json::to_string(&e).unwrap());
        trace.push('\n');
    }
    (trace, sim.command_log().to_vec())
}

#[test]
fn same_config_seed_and_commands_give_the_same_trace_bit_for_bit() {
    let mut config = ClusterConfig::new(Profile::Teaching, 3);
    config.network.loss = 0.05;
    let (a, _) = run(&config, 42, &scripted(), 20_000);
    let (b, _) = run(&config, 42, &scripted(), 20_000);
    assert!(a.len() > 10_000, "a substantial trace");
    assert_eq!(a, b);
}

#[test]
fn a_different_seed_gives_a_different_trace() {
    let mut config = ClusterConfig::new(Profile::Teaching, 3);
    config.network.loss = 0.05;
    let (a, _) = run(&config, 1, &scripted(), 20_000);
    let (b, _) = run(&config, 2, &scripted(), 20_000);
    assert_ne!(
        a, b,
        "the seed drives placement, jitter, loss and sticky choices"
    );
}

#[test]
fn replaying_the_recorded_command_log_reproduces_the_run() {
    let config = ClusterConfig::new(Profile::Teaching, 3);
    let (a, log) = run(&config, 7, &scripted(), 20_000);
    let (b, _) = run(&config, 7, &log, 20_000);
    assert_eq!(a, b);
}

#[test]
fn messages_on_one_link_arrive_in_the_order_they_were_sent_despite_jitter() {
    use kafkascope_core::EventKind;
    let mut config = ClusterConfig::new(Profile::Teaching, 3);
    config.network.jitter_ms = 200;
    let mut sim = Sim::new(config, 3).unwrap();
    let mut per_link: std::collections::BTreeMap<(NodeId, NodeId), Vec<(u64, u64)>> =
        Default::default();
    for (at, cmd) in scripted() {
        sim.run_until(at);
        let _ = sim.apply(cmd);
    }
    sim.run_until(20_000);
    for e in sim.drain_events() {
        if let EventKind::MessageSent {
            id,
            from,
            to,
            deliver_at,
            ..
        } = e.kind
        {
            per_link
                .entry((from, to))
                .or_default()
                .push((id, deliver_at));
        }
    }
    assert!(per_link.len() > 5);
    for (link, msgs) in per_link {
        for w in msgs.windows(2) {
            assert!(
                w[0].1 <= w[1].1,
                "{link:?}: message {} overtook {}",
                w[1].0,
                w[0].0
            );
        }
    }
}
