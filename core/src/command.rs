//! Commands: everything a user (or a scenario) can do to the cluster. Each is validated
//! before it touches anything; an invalid one returns Kafka's error and changes nothing.

use crate::assignor::AssignorKind;
use crate::config::{Acks, Millis};
use crate::ids::{BrokerId, NodeId, TopicPartition};
use crate::message::TopicConfig;
use crate::partitioner::KeylessStrategy;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case", deny_unknown_fields)]
pub enum Command {
    CreateTopic {
        name: String,
        partitions: i32,
        replication_factor: i32,
        #[serde(default)]
        config: TopicConfig,
    },
    /// Grow a topic to `partitions` partitions.
    AddPartitions { topic: String, partitions: i32 },
    /// Start a producer client (ids are chosen by the caller, from 0).
    AddProducer {
        id: u32,
        #[serde(default)]
        acks: Option<Acks>,
        #[serde(default)]
        keyless: Option<KeylessStrategy>,
        #[serde(default)]
        linger_ms: Option<Millis>,
    },
    /// `producer.send(topic, key, value)`; `count` > 1 sends that many records, value
    /// suffixed with `-<n>`.
    Produce {
        producer: u32,
        topic: String,
        #[serde(default)]
        key: Option<String>,
        value: String,
        #[serde(default)]
        partition: Option<u32>,
        #[serde(default)]
        count: Option<u32>,
    },
    /// Start a consumer in a group, subscribed to topics.
    AddConsumer {
        id: u32,
        group: String,
        topics: Vec<String>,
        #[serde(default)]
        assignor: Option<AssignorKind>,
    },
    /// The consumer leaves its group (LeaveGroup) and stops.
    StopConsumer { id: u32 },
    /// Hard-stop a node: it stops answering; in-memory state is lost.
    Crash { node: NodeId },
    /// Restart a crashed node.
    Restart { node: NodeId },
    /// Cut every link of a node.
    Isolate { node: NodeId },
    /// Cut the link between two nodes.
    CutLink { a: NodeId, b: NodeId },
    /// Repair every cut link and isolation.
    Heal,
    /// Preferred leader election (kafka-leader-election --election-type preferred).
    ElectPreferredLeaders {
        #[serde(default)]
        partitions: Option<Vec<TopicPartition>>,
    },
    /// Set the latency of one link.
    SetLinkLatency {
        a: NodeId,
        b: NodeId,
        latency_ms: Millis,
    },
}

/// What a successful command produced.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum CommandOutcome {
    Done,
    TopicCreated { assignment: Vec<Vec<BrokerId>> },
    RecordsSent { records: Vec<u64> },
    LeadersElected { partitions: Vec<TopicPartition> },
}
