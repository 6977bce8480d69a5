//! TEMPORARY placeholder until the assignor module lands (types only).
use crate::ids::{TopicName, TopicPartition};
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize,
)]
pub enum AssignorKind {
    #[serde(rename = "range")]
    #[default]
    Range,
    #[serde(rename = "roundrobin")]
    RoundRobin,
    #[serde(rename = "sticky")]
    Sticky,
    #[serde(rename = "cooperative-sticky")]
    CooperativeSticky,
}
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct MemberSubscription {
    pub member_id: String,
    pub topics: Vec<TopicName>,
    pub owned_partitions: Vec<TopicPartition>,
    pub generation: i32,
}
