//! KRaft mode: a quorum of controllers (`NodeId::Controller(id)`; in combined mode co-located
//! with the broker of the same id) running Raft (KIP-595) over `__cluster_metadata`. Brokers
//! register, heartbeat and learn metadata by fetching the log as observers.
//!
//! STUB: the seam only; the protocol is being written.

pub mod messages;

use super::{ClusterMetadata, Coordinator, NewTopic, no_active_controller};
use crate::config::ClusterConfig;
use crate::error::KafkaError;
use crate::ids::{BrokerId, NodeId, TopicPartition};
use crate::kernel::{Ctx, Kernel};
use crate::message::Message;
use crate::snapshot::{CoordinatorSnapshot, KraftSnapshot};
use crate::timer::ControllerTimer;
use serde::{Deserialize, Serialize};

pub use messages::{KraftBrokerTimer, KraftEvent, KraftMessage, KraftTimer};

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct KraftQuorum {
    meta: ClusterMetadata,
    voters: Vec<i32>,
    combined: bool,
}

impl KraftQuorum {
    pub fn new(config: &ClusterConfig) -> Self {
        Self {
            meta: ClusterMetadata::default(),
            voters: config.coordinator.kraft_voter_ids(&config.brokers),
            combined: config.coordinator.kraft_combined,
        }
    }
}

impl Coordinator for KraftQuorum {
    fn nodes(&self) -> Vec<(NodeId, Option<BrokerId>)> {
        self.voters
            .iter()
            .map(|&v| (NodeId::Controller(v), self.combined.then_some(v)))
            .collect()
    }

    fn start(&mut self, _k: &mut Kernel) {}

    fn on_message(&mut self, _ctx: &mut Ctx, _from: NodeId, _msg: &Message) {}

    fn on_timer(&mut self, _ctx: &mut Ctx, _timer: &ControllerTimer) {}

    fn create_topic(
        &mut self,
        _k: &mut Kernel,
        _topic: &NewTopic,
    ) -> Result<Vec<Vec<BrokerId>>, KafkaError> {
        Err(no_active_controller("KRaft mode is not built yet"))
    }

    fn create_partitions(
        &mut self,
        _k: &mut Kernel,
        _topic: &str,
        _total: i32,
    ) -> Result<Vec<Vec<BrokerId>>, KafkaError> {
        Err(no_active_controller("KRaft mode is not built yet"))
    }

    fn elect_preferred_leaders(
        &mut self,
        _k: &mut Kernel,
        _partitions: Option<&[TopicPartition]>,
    ) -> Result<Vec<TopicPartition>, KafkaError> {
        Err(no_active_controller("KRaft mode is not built yet"))
    }

    fn metadata(&self) -> &ClusterMetadata {
        &self.meta
    }

    fn active_controller(&self) -> Option<NodeId> {
        None
    }

    fn snapshot(&self) -> CoordinatorSnapshot {
        CoordinatorSnapshot::Kraft(KraftSnapshot {
            voters: Vec::new(),
            combined: self.combined,
            epoch: 0,
            leader: None,
            high_watermark: 0,
            brokers: Vec::new(),
        })
    }
}
