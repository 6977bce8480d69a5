//! ZooKeeper mode: a ZooKeeper ensemble (`NodeId::ZooKeeper`) and, in every broker, a
//! controller role (`NodeId::Controller(broker id)`, co-located with the broker) that keeps the
//! broker's ZooKeeper session, registers `/brokers/ids/<id>` and races for `/controller`.
//!
//! STUB: the seam only; the protocol is being written.

pub mod messages;

use super::{ClusterMetadata, Coordinator, NewTopic, no_active_controller};
use crate::config::ClusterConfig;
use crate::error::KafkaError;
use crate::ids::{BrokerId, NodeId, TopicPartition};
use crate::kernel::{Ctx, Kernel};
use crate::message::Message;
use crate::snapshot::{CoordinatorSnapshot, ZkSnapshot};
use crate::timer::ControllerTimer;
use serde::{Deserialize, Serialize};

pub use messages::{ZkEvent, ZkMessage, ZkTimer};

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ZooKeeperMode {
    meta: ClusterMetadata,
    brokers: Vec<BrokerId>,
    servers: Vec<i32>,
}

impl ZooKeeperMode {
    pub fn new(config: &ClusterConfig) -> Self {
        Self {
            meta: ClusterMetadata::default(),
            brokers: config.brokers.iter().map(|b| b.id).collect(),
            servers: config.coordinator.zookeeper_server_ids(),
        }
    }
}

impl Coordinator for ZooKeeperMode {
    fn nodes(&self) -> Vec<(NodeId, Option<BrokerId>)> {
        let mut v: Vec<_> = self
            .servers
            .iter()
            .map(|&s| (NodeId::ZooKeeper(s), None))
            .collect();
        v.extend(
            self.brokers
                .iter()
                .map(|&b| (NodeId::Controller(b), Some(b))),
        );
        v
    }

    fn start(&mut self, _k: &mut Kernel) {}

    fn on_message(&mut self, _ctx: &mut Ctx, _from: NodeId, _msg: &Message) {}

    fn on_timer(&mut self, _ctx: &mut Ctx, _timer: &ControllerTimer) {}

    fn create_topic(
        &mut self,
        _k: &mut Kernel,
        _topic: &NewTopic,
    ) -> Result<Vec<Vec<BrokerId>>, KafkaError> {
        Err(no_active_controller("ZooKeeper mode is not built yet"))
    }

    fn create_partitions(
        &mut self,
        _k: &mut Kernel,
        _topic: &str,
        _total: i32,
    ) -> Result<Vec<Vec<BrokerId>>, KafkaError> {
        Err(no_active_controller("ZooKeeper mode is not built yet"))
    }

    fn elect_preferred_leaders(
        &mut self,
        _k: &mut Kernel,
        _partitions: Option<&[TopicPartition]>,
    ) -> Result<Vec<TopicPartition>, KafkaError> {
        Err(no_active_controller("ZooKeeper mode is not built yet"))
    }

    fn metadata(&self) -> &ClusterMetadata {
        &self.meta
    }

    fn active_controller(&self) -> Option<NodeId> {
        None
    }

    fn snapshot(&self) -> CoordinatorSnapshot {
        CoordinatorSnapshot::Zookeeper(ZkSnapshot {
            servers: Vec::new(),
            quorum: false,
            controller: None,
            controller_epoch: 0,
            registered_brokers: Vec::new(),
            loading: None,
        })
    }
}
