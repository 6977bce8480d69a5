//! The cluster coordinator seam. Whatever runs the control plane (the built-in controller
//! here; ZooKeeper mode and KRaft mode later) implements [`Coordinator`]; the decisions about
//! partitions (elections, ISR changes, placement) live in [`metadata::ClusterMetadata`] so
//! every mode makes them the same way.

pub mod builtin;
pub mod metadata;

use crate::error::KafkaError;
use crate::ids::{BrokerId, NodeId, TopicName, TopicPartition};
use crate::kernel::Ctx;
use crate::message::{Message, TopicConfig};
use crate::timer::ControllerTimer;
use serde::{Deserialize, Serialize};

pub use builtin::BuiltinController;
pub use metadata::ClusterMetadata;

/// An admin request to create a topic.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewTopic {
    pub name: TopicName,
    pub partitions: i32,
    pub replication_factor: i32,
    pub config: TopicConfig,
}

/// The control plane as the rest of the simulator sees it.
pub trait Coordinator {
    /// Arms the coordinator's periodic duties at simulation start.
    fn start(&mut self, ctx: &mut Ctx);
    fn on_message(&mut self, ctx: &mut Ctx, from: NodeId, msg: &Message);
    fn on_timer(&mut self, ctx: &mut Ctx, timer: &ControllerTimer);
    /// CreateTopics: validated now; on success the assignment is published by messages.
    fn create_topic(
        &mut self,
        ctx: &mut Ctx,
        topic: &NewTopic,
    ) -> Result<Vec<Vec<BrokerId>>, KafkaError>;
    /// CreatePartitions: grow a topic to `total` partitions.
    fn create_partitions(
        &mut self,
        ctx: &mut Ctx,
        topic: &str,
        total: i32,
    ) -> Result<Vec<Vec<BrokerId>>, KafkaError>;
    /// ElectLeaders (preferred): all partitions when `partitions` is None.
    fn elect_preferred_leaders(
        &mut self,
        ctx: &mut Ctx,
        partitions: Option<&[TopicPartition]>,
    ) -> Vec<TopicPartition>;
    /// The authoritative metadata.
    fn metadata(&self) -> &ClusterMetadata;
    /// The node acting as controller now, if any.
    fn active_controller(&self) -> Option<NodeId>;
    /// Where brokers send heartbeats and AlterPartition.
    fn controller_endpoint(&self) -> NodeId;
}

/// The coordinator implementations, as one cloneable value (enum dispatch keeps the whole
/// simulation `Clone`, which time travel needs).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub enum CoordinatorImpl {
    Builtin(BuiltinController),
}

impl CoordinatorImpl {
    pub fn as_dyn(&self) -> &dyn Coordinator {
        match self {
            CoordinatorImpl::Builtin(c) => c,
        }
    }

    pub fn as_dyn_mut(&mut self) -> &mut dyn Coordinator {
        match self {
            CoordinatorImpl::Builtin(c) => c,
        }
    }
}
