//! Measures controller failover and broker-failure detection in ZooKeeper mode (and broker
//! failure detection with the built-in controller) for 10, 1,000 and 10,000 partitions, with
//! Kafka's default timeouts: `cargo run --release -p kafkascope-core --example zk_failover`.
use kafkascope_core::config::{ClusterConfig, CoordinatorMode, Profile};
use kafkascope_core::controller::zookeeper::ZkEvent;
use kafkascope_core::message::TopicConfig;
use kafkascope_core::{Command, Event, EventKind, NodeId, Sim};
use std::time::Instant;

fn cluster(mode: CoordinatorMode, partitions: i32) -> Sim {
    let config = ClusterConfig::new(Profile::KafkaDefaults, 3).with_mode(mode);
    let mut sim = Sim::new(config, 7).expect("config");
    sim.set_record_messages(false);
    sim.apply(Command::CreateTopic {
        name: "t".into(),
        partitions,
        replication_factor: 3,
        config: TopicConfig::default(),
    })
    .expect("topic");
    sim.run_until(30_000);
    sim.drain_events();
    sim
}

/// Crashes `broker` at 30 s and returns the first time (after the crash) `pick` matches.
fn after_crash(
    sim: &mut Sim,
    broker: i32,
    pick: impl Fn(&EventKind) -> bool,
) -> (Option<u64>, Vec<Event>) {
    let mut seen = Vec::new();
    let t0 = sim.now();
    sim.apply(Command::Crash {
        node: NodeId::Broker(broker),
    })
    .expect("crash");
    while sim.now() < t0 + 120_000 {
        let t = sim.now() + 100;
        sim.run_until(t);
        let events = sim.drain_events();
        let hit = events.iter().find(|e| pick(&e.kind)).map(|e| e.time - t0);
        seen.extend(events);
        if hit.is_some() {
            return (hit, seen);
        }
    }
    (None, seen)
}

fn main() {
    println!(
        "partitions | ZK controller failover | ZK load (znodes, ms) | ZK broker-failure detection | built-in broker-failure detection | wall"
    );
    for n in [10, 1_000, 10_000] {
        let wall = Instant::now();
        let mut sim = cluster(CoordinatorMode::Zookeeper, n);
        let created = wall.elapsed();
        let mut load = (0, 0);
        let (failover, events) = after_crash(&mut sim, 1, |k| {
            matches!(k, EventKind::ControllerActivated { epoch: 2, .. })
        });
        let failover_wall = wall.elapsed() - created;
        for e in events {
            if let EventKind::Zk(ZkEvent::LoadingFinished {
                znodes, took_ms, ..
            }) = e.kind
            {
                load = (znodes, took_ms);
            }
        }
        let mut sim = cluster(CoordinatorMode::Zookeeper, n);
        let (zk_detect, _) = after_crash(&mut sim, 3, |k| {
            matches!(
                k,
                EventKind::Zk(ZkEvent::BrokerDeregistered { broker: 3, .. })
            )
        });
        let mut sim = cluster(CoordinatorMode::Builtin, n);
        let (builtin_detect, _) = after_crash(&mut sim, 3, |k| {
            matches!(k, EventKind::BrokerFenced { broker: 3, .. })
        });
        println!(
            "{n:>10} | {:>21} | {:>20} | {:>27} | {:>33} | {:.2?} (failover run {:.2?})",
            format!("{:?} ms", failover),
            format!("{} / {} ms", load.0, load.1),
            format!("{:?} ms", zk_detect),
            format!("{:?} ms", builtin_detect),
            wall.elapsed(),
            failover_wall
        );
    }
}
