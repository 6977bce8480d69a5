//! Measures what the course contrasts between ZooKeeper and KRaft mode: how long the cluster
//! takes to notice a crashed broker and move its partition leaders, and how long it has no
//! active controller after the controller crashes. Each figure comes from running the model
//! (no number is typed in): `kafkascope compare-coordinators` prints them.

use crate::command::Command;
use crate::config::{ClusterConfig, CoordinatorMode, Millis, Profile};
use crate::event::EventKind;
use crate::ids::{BrokerId, NodeId, TopicPartition};
use crate::message::TopicConfig;
use crate::sim::Sim;
use std::collections::BTreeSet;

/// Time the cluster runs before a fault, so that every replica follows and every session is
/// established.
pub const WARM_UP_MS: Millis = 30_000;
/// How long a measurement waits for the cluster to react before giving up.
pub const GIVE_UP_MS: Millis = 180_000;

/// What one broker crash showed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BrokerFailure {
    pub broker: BrokerId,
    /// Crash until the committed metadata says the broker is gone (ZooKeeper: its session
    /// expired and `/brokers/ids/<id>` was deleted; KRaft: the controller fenced it).
    pub detected_ms: Option<Millis>,
    /// Crash until every partition it led has a new leader serving (a `BecameLeader` on
    /// another broker).
    pub leaders_moved_ms: Option<Millis>,
    /// How many partitions it led.
    pub partitions_led: usize,
}

/// What one controller crash showed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ControllerFailover {
    pub crashed: NodeId,
    /// Crash until another controller is active (it can change metadata).
    pub new_controller_ms: Option<Millis>,
    pub new_controller: Option<NodeId>,
}

/// A 3-broker cluster in `mode` with Kafka's default timeouts and one topic of `partitions`
/// partitions with replication factor 3, after [`WARM_UP_MS`].
pub fn warmed_up_cluster(mode: CoordinatorMode, partitions: i32, seed: u64) -> Result<Sim, String> {
    let config = ClusterConfig::new(Profile::KafkaDefaults, 3).with_mode(mode);
    let mut sim = Sim::new(config, seed)?;
    sim.set_record_messages(false);
    sim.apply(Command::CreateTopic {
        name: "t".into(),
        partitions,
        replication_factor: 3,
        config: TopicConfig::default(),
    })
    .map_err(|e| e.to_string())?;
    sim.run_until(WARM_UP_MS);
    sim.drain_events();
    Ok(sim)
}

/// Crashes a broker that does not host the active controller and times the reaction.
pub fn measure_broker_failure(sim: &mut Sim) -> Result<BrokerFailure, String> {
    let controller_host = sim
        .coordinator()
        .active_controller()
        .and_then(|n| sim.control_nodes().get(&n).copied().flatten());
    let broker = *sim
        .brokers()
        .keys()
        .rev()
        .find(|&&b| Some(b) != controller_host)
        .ok_or("no broker to crash")?;
    let mut led: BTreeSet<TopicPartition> = sim
        .coordinator()
        .metadata()
        .partitions()
        .filter(|p| p.leader == broker)
        .map(|p| p.tp.clone())
        .collect();
    let partitions_led = led.len();
    let t0 = sim.now();
    sim.apply(Command::Crash {
        node: NodeId::Broker(broker),
    })
    .map_err(|e| e.to_string())?;
    let mut out = BrokerFailure {
        broker,
        detected_ms: None,
        leaders_moved_ms: None,
        partitions_led,
    };
    while out.leaders_moved_ms.is_none() || out.detected_ms.is_none() {
        if !sim.step_until(t0 + GIVE_UP_MS) {
            break;
        }
        for e in sim.drain_events() {
            if let EventKind::BecameLeader { broker: b, tp, .. } = &e.kind
                && *b != broker
            {
                led.remove(tp);
            }
        }
        let elapsed = sim.now() - t0;
        if out.detected_ms.is_none() && !sim.coordinator().metadata().is_live(broker) {
            out.detected_ms = Some(elapsed);
        }
        if out.leaders_moved_ms.is_none() && led.is_empty() {
            out.leaders_moved_ms = Some(elapsed);
        }
    }
    Ok(out)
}

/// Crashes the active controller (in ZooKeeper mode, the broker it runs in) and times how
/// long until another controller is active.
pub fn measure_controller_failover(sim: &mut Sim) -> Result<ControllerFailover, String> {
    let active = sim
        .coordinator()
        .active_controller()
        .ok_or("no active controller to crash")?;
    let crashed = match sim.control_nodes().get(&active).copied().flatten() {
        Some(host) => NodeId::Broker(host),
        None => active,
    };
    let t0 = sim.now();
    sim.apply(Command::Crash { node: crashed })
        .map_err(|e| e.to_string())?;
    let mut out = ControllerFailover {
        crashed,
        new_controller_ms: None,
        new_controller: None,
    };
    while out.new_controller.is_none() && sim.step_until(t0 + GIVE_UP_MS) {
        for e in sim.drain_events() {
            if let EventKind::ControllerActivated { controller, .. } = e.kind
                && controller != active
            {
                out.new_controller = Some(controller);
                out.new_controller_ms = Some(sim.now() - t0);
            }
        }
    }
    Ok(out)
}
