//! Kafkascope core: a deterministic discrete-event simulator of an Apache Kafka cluster.
//!
//! The state is a function of (config, seed, timed command log). Inputs are [`Command`]s,
//! outputs are [`Event`]s and a snapshot of every node. No I/O, no clock, no OS randomness.

pub mod assignor;
pub mod backoff;
pub mod broker;
pub mod chaos;
pub mod collections;
pub mod command;
pub mod config;
pub mod consumer;
pub mod controller;
pub mod describe;
pub mod election;
pub mod error;
pub mod event;
pub mod expect;
pub mod failover;
pub mod group;
pub mod ids;
pub mod invariants;
pub mod kernel;
pub mod log;
pub mod message;
pub mod network;
pub mod partitioner;
pub mod placement;
pub mod producer;
pub mod replication;
pub mod scenario;
pub mod seconds;
pub mod segments;
pub mod sim;
pub mod snapshot;
pub mod striped;
pub mod timeline;
pub mod timer;
pub mod topic;
pub mod workload;

pub use command::{Command, CommandOutcome};
pub use config::{Acks, ClusterConfig, CoordinatorMode, Millis, Profile};
pub use error::{ErrorCode, KafkaError};
pub use event::{Event, EventKind};
pub use ids::{BrokerId, NO_LEADER, NodeId, TopicName, TopicPartition};
pub use scenario::{Scenario, ScenarioError, ScenarioRun};
pub use sim::Sim;
