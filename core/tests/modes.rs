//! The same cluster story in every coordinator mode: the control plane differs, Kafka's
//! partition rules do not. A broker failure moves leaders to the next live ISR replica in
//! assignment order; a preferred leader election and the auto leader rebalance bring the
//! first replica back as leader; acknowledged records survive.

use kafkascope_core::config::{Acks, ClusterConfig, CoordinatorMode, Profile};
use kafkascope_core::message::TopicConfig;
use kafkascope_core::{Command, CommandOutcome, NO_LEADER, NodeId, Sim};

const MODES: [CoordinatorMode; 3] = [
    CoordinatorMode::Builtin,
    CoordinatorMode::Zookeeper,
    CoordinatorMode::Kraft,
];

fn cluster(mode: CoordinatorMode, seed: u64) -> Sim {
    let mut config = ClusterConfig::new(Profile::Teaching, 3).with_mode(mode);
    // Long enough that only the explicit election acts in the preferred-election test.
    config.broker.leader_imbalance_check_interval_ms = 600_000;
    let mut sim = Sim::new(config, seed).expect("valid config");
    sim.apply(Command::CreateTopic {
        name: "orders".into(),
        partitions: 6,
        replication_factor: 3,
        config: TopicConfig {
            min_insync_replicas: 2,
            ..TopicConfig::default()
        },
    })
    .unwrap_or_else(|e| panic!("{mode:?}: {e}"));
    sim
}

fn leaders(sim: &Sim) -> Vec<(Vec<i32>, i32, Vec<i32>)> {
    sim.coordinator()
        .metadata()
        .partitions()
        .map(|p| {
            let mut isr = p.isr.clone();
            isr.sort_unstable();
            (p.replicas.clone(), p.leader, isr)
        })
        .collect()
}

#[test]
fn a_broker_crash_moves_leaders_to_the_next_live_isr_replica_in_every_mode() {
    for mode in MODES {
        let mut sim = cluster(mode, 7);
        sim.run_until(2_000);
        sim.apply(Command::Crash {
            node: NodeId::Broker(1),
        })
        .unwrap();
        // Teaching profile: ZooKeeper session 6 s, broker session 3 s, plus the controller's work.
        sim.run_until(20_000);
        for (replicas, leader, isr) in leaders(&sim) {
            let expected = *replicas.iter().find(|&&b| b != 1).unwrap();
            assert_eq!(leader, expected, "{mode:?}: replicas {replicas:?}");
            let mut want: Vec<i32> = replicas.iter().copied().filter(|&b| b != 1).collect();
            want.sort_unstable();
            assert_eq!(isr, want, "{mode:?}: replicas {replicas:?}");
        }
    }
}

#[test]
fn preferred_leader_election_brings_the_first_replica_back_in_every_mode() {
    for mode in MODES {
        let mut sim = cluster(mode, 3);
        sim.run_until(2_000);
        sim.apply(Command::Crash {
            node: NodeId::Broker(1),
        })
        .unwrap();
        sim.run_until(20_000);
        sim.apply(Command::Restart {
            node: NodeId::Broker(1),
        })
        .unwrap();
        sim.run_until(40_000);
        assert!(
            leaders(&sim).iter().any(|(r, l, _)| r[0] == 1 && *l != 1),
            "{mode:?}: broker 1 came back as a follower of what it led"
        );
        assert!(
            leaders(&sim).iter().all(|(r, _, isr)| isr.len() == r.len()),
            "{mode:?}: broker 1 rejoined every ISR: {:?}",
            leaders(&sim)
        );
        let out = sim
            .apply(Command::ElectPreferredLeaders { partitions: None })
            .unwrap_or_else(|e| panic!("{mode:?}: {e}"));
        let CommandOutcome::LeadersElected(results) = out else {
            panic!("{mode:?}: {out:?}");
        };
        assert!(!results.elected.is_empty(), "{mode:?}");
        sim.run_until(50_000);
        for (replicas, leader, _) in leaders(&sim) {
            assert_eq!(leader, replicas[0], "{mode:?}: preferred leader restored");
        }
    }
}

#[test]
fn auto_leader_rebalance_brings_the_first_replica_back_in_every_mode() {
    for mode in MODES {
        let mut config = ClusterConfig::new(Profile::Teaching, 3).with_mode(mode);
        config.broker.leader_imbalance_check_interval_ms = 20_000;
        let mut sim = Sim::new(config, 11).unwrap();
        sim.apply(Command::CreateTopic {
            name: "orders".into(),
            partitions: 6,
            replication_factor: 3,
            config: TopicConfig::default(),
        })
        .unwrap();
        sim.run_until(2_000);
        sim.apply(Command::Crash {
            node: NodeId::Broker(2),
        })
        .unwrap();
        sim.run_until(15_000);
        sim.apply(Command::Restart {
            node: NodeId::Broker(2),
        })
        .unwrap();
        // The next imbalance checks (every 20 s) find broker 2 leading less than it prefers.
        sim.run_until(90_000);
        for (replicas, leader, _) in leaders(&sim) {
            assert_eq!(leader, replicas[0], "{mode:?}: auto rebalance restored it");
        }
    }
}

#[test]
fn acknowledged_records_survive_a_leader_crash_in_every_mode() {
    for mode in MODES {
        let mut sim = cluster(mode, 5);
        sim.apply(Command::AddProducer {
            id: 0,
            acks: Some(Acks::All),
            keyless: None,
            linger_ms: None,
        })
        .unwrap();
        sim.run_until(1_000);
        for i in 0..12 {
            sim.apply(Command::Produce {
                producer: 0,
                topic: "orders".into(),
                key: Some(format!("k{i}")),
                value: format!("v{i}"),
                partition: None,
                count: None,
            })
            .unwrap();
        }
        sim.run_until(3_000);
        let before: u64 = sim
            .coordinator()
            .metadata()
            .partitions()
            .filter_map(|p| sim.replica(p.leader, &p.tp))
            .map(|r| r.log.high_watermark())
            .sum();
        assert_eq!(before, 12, "{mode:?}: all 12 records committed");
        sim.apply(Command::Crash {
            node: NodeId::Broker(1),
        })
        .unwrap();
        sim.run_until(25_000);
        let after: u64 = sim
            .coordinator()
            .metadata()
            .partitions()
            .inspect(|p| assert_ne!(p.leader, NO_LEADER, "{mode:?}: {} has a leader", p.tp))
            .filter_map(|p| sim.replica(p.leader, &p.tp))
            .map(|r| r.log.high_watermark())
            .sum();
        assert_eq!(after, 12, "{mode:?}: the new leaders hold every record");
    }
}
