//! Commands: everything a user (or a scenario) can do to the cluster. Each is validated
//! before it touches anything; an invalid one returns Kafka's error and changes nothing.

use crate::assignor::AssignorKind;
use crate::config::{Acks, Millis};
use crate::election::PreferredElection;
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

impl Command {
    /// The command's `action` name in scenario files, e.g. `create_topic` (the serde tag;
    /// a test checks they agree). A plain match, so the browser build needs no JSON to name a
    /// command.
    pub fn action_name(&self) -> &'static str {
        match self {
            Command::CreateTopic { .. } => "create_topic",
            Command::AddPartitions { .. } => "add_partitions",
            Command::AddProducer { .. } => "add_producer",
            Command::Produce { .. } => "produce",
            Command::AddConsumer { .. } => "add_consumer",
            Command::StopConsumer { .. } => "stop_consumer",
            Command::Crash { .. } => "crash",
            Command::Restart { .. } => "restart",
            Command::Isolate { .. } => "isolate",
            Command::CutLink { .. } => "cut_link",
            Command::Heal => "heal",
            Command::ElectPreferredLeaders { .. } => "elect_preferred_leaders",
            Command::SetLinkLatency { .. } => "set_link_latency",
        }
    }
}

/// What a successful command produced.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum CommandOutcome {
    Done,
    TopicCreated {
        assignment: Vec<Vec<BrokerId>>,
    },
    RecordsSent {
        records: Vec<u64>,
    },
    /// Each partition's result, as `kafka-leader-election` groups them.
    LeadersElected(PreferredElection),
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One command of each kind. `action_name`'s match makes a new kind add an arm there;
    /// add it here too, so that its name is checked against its tag.
    fn one_of_each() -> Vec<Command> {
        let b = NodeId::Broker(1);
        vec![
            Command::CreateTopic {
                name: "t".into(),
                partitions: 1,
                replication_factor: 1,
                config: TopicConfig::default(),
            },
            Command::AddPartitions {
                topic: "t".into(),
                partitions: 2,
            },
            Command::AddProducer {
                id: 0,
                acks: None,
                keyless: None,
                linger_ms: None,
            },
            Command::Produce {
                producer: 0,
                topic: "t".into(),
                key: None,
                value: "v".into(),
                partition: None,
                count: None,
            },
            Command::AddConsumer {
                id: 0,
                group: "g".into(),
                topics: vec!["t".into()],
                assignor: None,
            },
            Command::StopConsumer { id: 0 },
            Command::Crash { node: b },
            Command::Restart { node: b },
            Command::Isolate { node: b },
            Command::CutLink {
                a: b,
                b: NodeId::Broker(2),
            },
            Command::Heal,
            Command::ElectPreferredLeaders { partitions: None },
            Command::SetLinkLatency {
                a: b,
                b: NodeId::Broker(2),
                latency_ms: 5,
            },
        ]
    }

    #[test]
    fn action_names_are_the_scenario_files_action_tags() {
        for cmd in one_of_each() {
            let v = serde_json::to_value(&cmd).unwrap();
            assert_eq!(v["action"], cmd.action_name(), "{cmd:?}");
        }
    }
}
