//! Identifiers shared by every module: brokers, clients, topic-partitions, network nodes.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::sync::Arc;

/// A broker id as in `broker.id` / `node.id`.
pub type BrokerId = i32;

/// Kafka's "no leader" value in metadata (`leader: -1`).
pub const NO_LEADER: BrokerId = -1;

/// A topic name. Shared, because it is copied into every record batch and event.
pub type TopicName = Arc<str>;

/// A topic and a partition index, as Kafka prints it: `orders-0`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct TopicPartition {
    pub topic: TopicName,
    pub partition: u32,
}

impl TopicPartition {
    pub fn new(topic: impl Into<TopicName>, partition: u32) -> Self {
        Self {
            topic: topic.into(),
            partition,
        }
    }
}

impl fmt::Display for TopicPartition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.topic, self.partition)
    }
}

/// Every endpoint of the simulated network. Messages travel between these.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum NodeId {
    Broker(BrokerId),
    /// A controller process: the built-in coordinator (0); a KRaft voter (its `node.id`);
    /// in ZooKeeper mode, the controller role of broker N (co-located with `Broker(N)`).
    /// A KRaft voter in combined mode is co-located with the broker of the same id.
    Controller(i32),
    /// A ZooKeeper server of the ensemble (its `myid`).
    #[serde(rename = "zookeeper")]
    ZooKeeper(i32),
    Producer(u32),
    Consumer(u32),
}

impl fmt::Display for NodeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NodeId::Broker(id) => write!(f, "broker-{id}"),
            NodeId::Controller(id) => write!(f, "controller-{id}"),
            NodeId::ZooKeeper(id) => write!(f, "zookeeper-{id}"),
            NodeId::Producer(id) => write!(f, "producer-{id}"),
            NodeId::Consumer(id) => write!(f, "consumer-{id}"),
        }
    }
}
