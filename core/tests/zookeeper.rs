//! ZooKeeper mode: sessions, ephemeral znodes, the /controller race, controller failover with a
//! state load that grows with the partition count, zombie fencing, quorum loss.

mod common;

use common::*;
use kafkascope_core::config::{Acks, ClusterConfig, CoordinatorMode, Profile};
use kafkascope_core::controller::CoordinatorImpl;
use kafkascope_core::controller::zookeeper::{ZkEvent, ZkMessage, ZooKeeperMode};
use kafkascope_core::message::{Message, TopicConfig};
use kafkascope_core::{Command, Event, EventKind, NodeId, Sim, TopicPartition};

fn zk_sim(profile: Profile, brokers: i32, seed: u64) -> Sim {
    Sim::new(
        ClusterConfig::new(profile, brokers).with_mode(CoordinatorMode::Zookeeper),
        seed,
    )
    .expect("valid config")
}

fn zk(sim: &Sim) -> &ZooKeeperMode {
    match sim.coordinator_impl() {
        CoordinatorImpl::ZooKeeper(z) => z,
        _ => panic!("not ZooKeeper mode"),
    }
}

fn topic(sim: &mut Sim, name: &str, partitions: i32) {
    sim.apply(Command::CreateTopic {
        name: name.into(),
        partitions,
        replication_factor: 3,
        config: TopicConfig {
            min_insync_replicas: 2,
            ..TopicConfig::default()
        },
    })
    .expect("topic created");
}

fn activated(events: &[Event]) -> Vec<(u64, NodeId, i32)> {
    events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::ControllerActivated { controller, epoch } => {
                Some((e.time, *controller, *epoch))
            }
            _ => None,
        })
        .collect()
}

fn sent<'a>(events: &'a [Event]) -> impl Iterator<Item = (u64, NodeId, NodeId, &'a Message)> {
    events.iter().filter_map(|e| match &e.kind {
        EventKind::MessageSent {
            from, to, message, ..
        } => Some((e.time, *from, *to, message.as_ref())),
        _ => None,
    })
}

#[test]
fn a_cluster_starts_with_an_active_controller_and_serves_produce_and_consume() {
    let mut sim = zk_sim(Profile::Teaching, 3, 1);
    assert_eq!(
        sim.coordinator().active_controller(),
        Some(NodeId::Controller(1))
    );
    topic(&mut sim, "orders", 3);
    add_producer(&mut sim, 0, Acks::All);
    let mut events = Vec::new();
    run_for(&mut sim, 2_000, &mut events);
    // The partition states are committed in ZooKeeper, so metadata() shows them.
    for p in 0..3 {
        let st = sim
            .coordinator()
            .metadata()
            .partition(&TopicPartition::new("orders", p))
            .expect("state committed")
            .clone();
        assert_eq!(st.isr.len(), 3);
    }
    let rec = produce(&mut sim, 0, "orders", Some("k"), "v");
    sim.apply(Command::AddConsumer {
        id: 0,
        group: "g".into(),
        topics: vec!["orders".into()],
        assignor: None,
    })
    .expect("consumer");
    run_for(&mut sim, 15_000, &mut events);
    assert!(acked_offset(&events, rec).is_some_and(|o| o.is_some()));
    assert!(events.iter().any(|e| matches!(&e.kind,
        EventKind::RecordsConsumed { records, .. } if records.iter().any(|(_, id)| *id == rec))));
}
