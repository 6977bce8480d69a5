//! The cluster coordinator seam. Whatever runs the control plane implements [`Coordinator`]:
//! the built-in controller (`builtin`), ZooKeeper mode (`zookeeper`: an ensemble plus a
//! controller broker) and KRaft mode (`kraft`: a Raft quorum of controllers). The decisions
//! about partitions (elections, ISR changes, placement) live in [`metadata::ClusterMetadata`]
//! so every mode makes them the same way; the modes differ in how the decisions are made
//! durable and how they reach brokers.

pub mod builtin;
pub mod kraft;
pub mod metadata;
pub mod zookeeper;

use crate::config::{ClusterConfig, CoordinatorMode};
use crate::error::{ErrorCode, KafkaError};
use crate::ids::{BrokerId, NodeId, TopicName, TopicPartition};
use crate::kernel::{Ctx, Kernel};
use crate::message::{Message, TopicConfig};
use crate::snapshot::{CoordinatorSnapshot, Countdown};
use crate::timer::ControllerTimer;
use serde::{Deserialize, Serialize};

pub use builtin::BuiltinController;
pub use kraft::KraftQuorum;
pub use metadata::ClusterMetadata;
pub use zookeeper::ZooKeeperMode;

/// An admin request to create a topic.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewTopic {
    pub name: TopicName,
    pub partitions: i32,
    pub replication_factor: i32,
    pub config: TopicConfig,
}

/// The error an admin request gets while no controller can act (quorum lost, election or
/// controller failover in progress).
pub fn no_active_controller(why: &str) -> KafkaError {
    KafkaError::new(
        ErrorCode::NotController,
        format!("This is not the correct controller for this cluster: {why}"),
    )
}

/// The control plane as the rest of the simulator sees it. Every node it runs (controllers,
/// ZooKeeper servers) receives its messages and timers through `on_message` / `on_timer`,
/// with `ctx.me` naming the node.
pub trait Coordinator {
    /// The nodes this coordinator runs, each with the broker whose process hosts it, if any
    /// (co-located roles share the broker's crashes and network faults).
    fn nodes(&self) -> Vec<(NodeId, Option<BrokerId>)>;
    /// Arms every node's periodic duties at simulation start.
    fn start(&mut self, k: &mut Kernel);
    fn on_message(&mut self, ctx: &mut Ctx, from: NodeId, msg: &Message);
    fn on_timer(&mut self, ctx: &mut Ctx, timer: &ControllerTimer);
    /// `node` crashed: its in-memory state is lost (its timers are already dead).
    fn on_crash(&mut self, _node: NodeId) {}
    /// `ctx.me` restarts from what it keeps on disk.
    fn on_restart(&mut self, _ctx: &mut Ctx) {}
    /// CreateTopics, handled by the active controller: validated now; on success the
    /// assignment is made durable and published by messages.
    fn create_topic(
        &mut self,
        k: &mut Kernel,
        topic: &NewTopic,
    ) -> Result<Vec<Vec<BrokerId>>, KafkaError>;
    /// CreatePartitions: grow a topic to `total` partitions.
    fn create_partitions(
        &mut self,
        k: &mut Kernel,
        topic: &str,
        total: i32,
    ) -> Result<Vec<Vec<BrokerId>>, KafkaError>;
    /// ElectLeaders (preferred): all partitions when `partitions` is None.
    fn elect_preferred_leaders(
        &mut self,
        k: &mut Kernel,
        partitions: Option<&[TopicPartition]>,
    ) -> Result<crate::election::PreferredElection, KafkaError>;
    /// The latest committed cluster metadata (what an admin `describe` would show). Never
    /// goes back (the checker holds it to monotonic leader epochs).
    fn metadata(&self) -> &ClusterMetadata;
    /// What the active controller believes now, committed or not: admin commands are
    /// validated against it (a topic being created already exists for the next CreateTopics).
    fn admin_metadata(&self) -> &ClusterMetadata {
        self.metadata()
    }
    /// The node acting as controller now, if any.
    fn active_controller(&self) -> Option<NodeId>;
    /// The mode's own state, for pictures.
    fn snapshot(&self) -> CoordinatorSnapshot;
    /// The mode's pending deadlines.
    fn countdowns(&self, _out: &mut Vec<Countdown>) {}
}

/// The coordinator implementations, as one cloneable value (enum dispatch keeps the whole
/// simulation `Clone`, which time travel needs).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub enum CoordinatorImpl {
    Builtin(BuiltinController),
    ZooKeeper(ZooKeeperMode),
    Kraft(KraftQuorum),
}

impl CoordinatorImpl {
    pub fn new(config: &ClusterConfig) -> Self {
        match config.coordinator.mode {
            CoordinatorMode::Builtin => CoordinatorImpl::Builtin(BuiltinController::new(
                &config.brokers,
                config.broker.clone(),
            )),
            CoordinatorMode::Zookeeper => CoordinatorImpl::ZooKeeper(ZooKeeperMode::new(config)),
            CoordinatorMode::Kraft => CoordinatorImpl::Kraft(KraftQuorum::new(config)),
        }
    }

    pub fn as_dyn(&self) -> &dyn Coordinator {
        match self {
            CoordinatorImpl::Builtin(c) => c,
            CoordinatorImpl::ZooKeeper(c) => c,
            CoordinatorImpl::Kraft(c) => c,
        }
    }

    pub fn as_dyn_mut(&mut self) -> &mut dyn Coordinator {
        match self {
            CoordinatorImpl::Builtin(c) => c,
            CoordinatorImpl::ZooKeeper(c) => c,
            CoordinatorImpl::Kraft(c) => c,
        }
    }
}
