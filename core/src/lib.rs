//! Kafkascope core: a deterministic discrete-event simulator of an Apache Kafka cluster.
//!
//! The state is a function of (config, seed, timed command log). Inputs are [`Command`]s,
//! outputs are [`Event`]s and a [`Snapshot`]. No I/O, no clock, no OS randomness.

pub mod assignor;
pub mod error;
pub mod ids;
pub mod partitioner;
pub mod placement;
pub mod topic;

pub use error::{ErrorCode, KafkaError};
pub use ids::{BrokerId, NodeId, TopicName, TopicPartition, NO_LEADER};
