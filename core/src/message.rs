//! Every message that crosses the simulated network, named after the Kafka API it models.
//! The UI animates these; nothing moves between nodes except through them.

use crate::assignor::{AssignorKind, MemberSubscription};
use crate::config::{Acks, Millis};
use crate::error::ErrorCode;
use crate::ids::{BrokerId, TopicName, TopicPartition};
use crate::log::{DivergingEpoch, Record, RecordId};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// Partition state as the controller publishes it (LeaderAndIsr / UpdateMetadata /
/// `/brokers/topics/<t>/partitions/<p>/state`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartitionState {
    pub tp: TopicPartition,
    pub leader: BrokerId,
    pub leader_epoch: i32,
    pub partition_epoch: i32,
    pub isr: Vec<BrokerId>,
    pub replicas: Vec<BrokerId>,
    pub config: Arc<TopicConfig>,
}

/// Per-topic configs the simulator models.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TopicConfig {
    /// `min.insync.replicas`
    #[serde(rename = "min.insync.replicas")]
    pub min_insync_replicas: u32,
    /// `unclean.leader.election.enable`
    #[serde(rename = "unclean.leader.election.enable")]
    pub unclean_leader_election_enable: bool,
    /// `retention.ms`; None keeps everything (-1 in Kafka).
    #[serde(rename = "retention.ms")]
    pub retention_ms: Option<Millis>,
}

impl Default for TopicConfig {
    fn default() -> Self {
        Self {
            min_insync_replicas: 1,
            unclean_leader_election_enable: false,
            retention_ms: Some(7 * 24 * 3600 * 1000),
        }
    }
}

/// A record as the producer sends it (no offset yet).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProducedRecord {
    pub id: RecordId,
    pub key: Option<Arc<str>>,
    pub value: Arc<str>,
    pub timestamp: Millis,
}

/// One partition's part of a produce request.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProduceBatch {
    pub tp: TopicPartition,
    pub records: Vec<ProducedRecord>,
}

/// One partition's part of a produce response.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProducePartitionResponse {
    pub tp: TopicPartition,
    pub error: Option<ErrorCode>,
    pub base_offset: Option<u64>,
}

/// One partition's part of a fetch request.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FetchPartition {
    pub tp: TopicPartition,
    pub fetch_offset: u64,
    pub last_fetched_epoch: i32,
    pub current_leader_epoch: i32,
}

/// One partition's part of a fetch response.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FetchPartitionResponse {
    pub tp: TopicPartition,
    pub error: Option<ErrorCode>,
    pub high_watermark: u64,
    pub log_start_offset: u64,
    pub diverging_epoch: Option<DivergingEpoch>,
    pub records: Vec<Record>,
}

/// A partition as a metadata response describes it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartitionMetadata {
    pub tp: TopicPartition,
    pub leader: BrokerId,
    pub leader_epoch: i32,
    pub replicas: Vec<BrokerId>,
    pub isr: Vec<BrokerId>,
}

/// `ListOffsets` target.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OffsetSpec {
    Earliest,
    Latest,
}

/// The messages of the simulated Kafka protocol.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "api")]
pub enum Message {
    // --- broker <-> controller ---
    /// Registration and liveness (KIP-631 BrokerHeartbeat; the first one registers).
    /// `state_digest` summarises the partition epochs this broker holds; a broker whose digest
    /// disagrees with the controller's missed an update and is resynced (standing for KRaft
    /// brokers catching up on the metadata log, and for the ZooKeeper controller's channel
    /// resending until delivered).
    BrokerHeartbeat {
        broker: BrokerId,
        broker_epoch: u64,
        state_digest: u64,
    },
    BrokerHeartbeatResponse {
        fenced: bool,
    },
    /// The controller tells replicas their role.
    LeaderAndIsr {
        controller_id: i32,
        controller_epoch: i32,
        partitions: Vec<PartitionState>,
    },
    /// The controller refreshes every broker's metadata cache.
    UpdateMetadata {
        controller_id: i32,
        controller_epoch: i32,
        partitions: Vec<PartitionState>,
        live_brokers: Vec<BrokerId>,
    },
    /// A leader asks the controller to change a partition's ISR.
    AlterPartition {
        broker: BrokerId,
        tp: TopicPartition,
        leader_epoch: i32,
        partition_epoch: i32,
        new_isr: Vec<BrokerId>,
    },
    AlterPartitionResponse {
        tp: TopicPartition,
        error: Option<ErrorCode>,
        state: Option<PartitionState>,
    },

    // --- ZooKeeper mode: ZooKeeper client/server and ZAB ---
    Zk(crate::controller::zookeeper::ZkMessage),
    // --- KRaft mode: Raft, metadata fetches, broker registration ---
    Kraft(crate::controller::kraft::KraftMessage),

    // --- clients <-> brokers ---
    Metadata {
        correlation_id: u64,
    },
    MetadataResponse {
        correlation_id: u64,
        brokers: Vec<BrokerId>,
        partitions: Vec<PartitionMetadata>,
    },
    Produce {
        correlation_id: u64,
        acks: Acks,
        timeout_ms: Millis,
        batches: Vec<ProduceBatch>,
    },
    ProduceResponse {
        correlation_id: u64,
        partitions: Vec<ProducePartitionResponse>,
    },
    /// The broker closed the producer's connection: Kafka's only answer to an acks=0 produce
    /// it could not append (`KafkaApis.handleProduceRequest`, "so that the producer client
    /// will know that some error has happened and will refresh its metadata"). Not an API of
    /// Kafka's: the connection's end, drawn as a message.
    ConnectionClosed {
        error: ErrorCode,
    },
    /// Followers (replica_id set) and consumers (replica_id None) fetch the same way.
    Fetch {
        correlation_id: u64,
        replica_id: Option<BrokerId>,
        max_wait_ms: Millis,
        partitions: Vec<FetchPartition>,
    },
    FetchResponse {
        correlation_id: u64,
        partitions: Vec<FetchPartitionResponse>,
    },
    ListOffsets {
        correlation_id: u64,
        tp: TopicPartition,
        spec: OffsetSpec,
    },
    ListOffsetsResponse {
        correlation_id: u64,
        tp: TopicPartition,
        error: Option<ErrorCode>,
        offset: u64,
    },
    /// KIP-320: a consumer whose partition has a new leader asks where the epoch of its last
    /// record ends in the leader's log (`OffsetsForLeaderEpoch`, from a client).
    OffsetForLeaderEpoch {
        correlation_id: u64,
        tp: TopicPartition,
        current_leader_epoch: i32,
        leader_epoch: i32,
    },
    OffsetForLeaderEpochResponse {
        correlation_id: u64,
        tp: TopicPartition,
        error: Option<ErrorCode>,
        /// The largest epoch at or below the one asked for, and where it ends; -1 when the
        /// leader's log knows none.
        leader_epoch: i32,
        end_offset: u64,
    },

    // --- consumer groups ---
    /// Which broker coordinates this group? Any broker answers from its metadata cache.
    FindCoordinator {
        correlation_id: u64,
        group_id: Arc<str>,
    },
    FindCoordinatorResponse {
        correlation_id: u64,
        group_id: Arc<str>,
        error: Option<ErrorCode>,
        coordinator: BrokerId,
    },
    /// Joins (or rejoins) the group. An empty `member_id` asks for one (MEMBER_ID_REQUIRED).
    JoinGroup {
        correlation_id: u64,
        group_id: Arc<str>,
        member_id: Arc<str>,
        /// `session.timeout.ms`
        session_timeout_ms: Millis,
        /// `max.poll.interval.ms`: how long the coordinator waits for members to rejoin.
        rebalance_timeout_ms: Millis,
        protocol: AssignorKind,
        topics: Vec<TopicName>,
        owned_partitions: Vec<TopicPartition>,
        generation: i32,
    },
    JoinGroupResponse {
        correlation_id: u64,
        error: Option<ErrorCode>,
        generation: i32,
        member_id: Arc<str>,
        leader: Arc<str>,
        protocol: AssignorKind,
        /// Filled only for the group leader, who runs the assignor.
        members: Vec<MemberSubscription>,
    },
    SyncGroup {
        correlation_id: u64,
        group_id: Arc<str>,
        member_id: Arc<str>,
        generation: i32,
        /// The leader's assignment for every member; empty from followers.
        assignments: Vec<(String, Vec<TopicPartition>)>,
    },
    SyncGroupResponse {
        correlation_id: u64,
        error: Option<ErrorCode>,
        assignment: Vec<TopicPartition>,
    },
    Heartbeat {
        correlation_id: u64,
        group_id: Arc<str>,
        member_id: Arc<str>,
        generation: i32,
    },
    HeartbeatResponse {
        correlation_id: u64,
        error: Option<ErrorCode>,
    },
    LeaveGroup {
        correlation_id: u64,
        group_id: Arc<str>,
        member_id: Arc<str>,
    },
    LeaveGroupResponse {
        correlation_id: u64,
        error: Option<ErrorCode>,
    },
    OffsetCommit {
        correlation_id: u64,
        group_id: Arc<str>,
        member_id: Arc<str>,
        generation: i32,
        offsets: Vec<(TopicPartition, u64)>,
        /// `committed_leader_epoch` (KIP-320): the leader epoch of the last record consumed
        /// below the offset, for the partitions that have one.
        #[serde(default)]
        leader_epochs: Vec<(TopicPartition, i32)>,
    },
    OffsetCommitResponse {
        correlation_id: u64,
        error: Option<ErrorCode>,
        offsets: Vec<(TopicPartition, u64)>,
    },
    OffsetFetch {
        correlation_id: u64,
        group_id: Arc<str>,
        partitions: Vec<TopicPartition>,
    },
    OffsetFetchResponse {
        correlation_id: u64,
        error: Option<ErrorCode>,
        offsets: Vec<(TopicPartition, Option<u64>)>,
        /// The committed leader epochs stored with the offsets (KIP-320).
        #[serde(default)]
        leader_epochs: Vec<(TopicPartition, i32)>,
    },
}

/// The digest of partition epochs a broker reports in its heartbeat: for each partition it
/// hosts, in order, the leader epoch, and the partition epoch where it leads.
pub fn partition_state_digest<'a>(
    me: BrokerId,
    states: impl IntoIterator<Item = &'a PartitionState>,
) -> u64 {
    state_digest(me, states, false)
}

/// FNV-1a over each partition's name, leader epoch (and leader, if `with_leader`), and the
/// partition epoch where `me` leads; only equality matters.
pub fn state_digest<'a>(
    me: BrokerId,
    states: impl IntoIterator<Item = &'a PartitionState>,
    with_leader: bool,
) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut mix = |bytes: &[u8]| {
        for b in bytes {
            h ^= *b as u64;
            h = h.wrapping_mul(0x100_0000_01b3);
        }
    };
    for st in states {
        mix(st.tp.topic.as_bytes());
        mix(&st.tp.partition.to_le_bytes());
        if with_leader {
            mix(&st.leader.to_le_bytes());
        }
        mix(&st.leader_epoch.to_le_bytes());
        if st.leader == me {
            mix(&st.partition_epoch.to_le_bytes());
        }
    }
    h
}

impl Message {
    /// Kafka's API name of this message, e.g. `Fetch` or `ProduceResponse`.
    pub fn api(&self) -> &'static str {
        match self {
            Message::BrokerHeartbeat { .. } => "BrokerHeartbeat",
            Message::BrokerHeartbeatResponse { .. } => "BrokerHeartbeatResponse",
            Message::LeaderAndIsr { .. } => "LeaderAndIsr",
            Message::UpdateMetadata { .. } => "UpdateMetadata",
            Message::AlterPartition { .. } => "AlterPartition",
            Message::AlterPartitionResponse { .. } => "AlterPartitionResponse",
            Message::Zk(m) => m.api(),
            Message::Kraft(m) => m.api(),
            Message::Metadata { .. } => "Metadata",
            Message::MetadataResponse { .. } => "MetadataResponse",
            Message::Produce { .. } => "Produce",
            Message::ProduceResponse { .. } => "ProduceResponse",
            Message::ConnectionClosed { .. } => "ConnectionClosed",
            Message::Fetch { .. } => "Fetch",
            Message::FetchResponse { .. } => "FetchResponse",
            Message::ListOffsets { .. } => "ListOffsets",
            Message::OffsetForLeaderEpoch { .. } => "OffsetForLeaderEpoch",
            Message::OffsetForLeaderEpochResponse { .. } => "OffsetForLeaderEpochResponse",
            Message::ListOffsetsResponse { .. } => "ListOffsetsResponse",
            Message::FindCoordinator { .. } => "FindCoordinator",
            Message::FindCoordinatorResponse { .. } => "FindCoordinatorResponse",
            Message::JoinGroup { .. } => "JoinGroup",
            Message::JoinGroupResponse { .. } => "JoinGroupResponse",
            Message::SyncGroup { .. } => "SyncGroup",
            Message::SyncGroupResponse { .. } => "SyncGroupResponse",
            Message::Heartbeat { .. } => "Heartbeat",
            Message::HeartbeatResponse { .. } => "HeartbeatResponse",
            Message::LeaveGroup { .. } => "LeaveGroup",
            Message::LeaveGroupResponse { .. } => "LeaveGroupResponse",
            Message::OffsetCommit { .. } => "OffsetCommit",
            Message::OffsetCommitResponse { .. } => "OffsetCommitResponse",
            Message::OffsetFetch { .. } => "OffsetFetch",
            Message::OffsetFetchResponse { .. } => "OffsetFetchResponse",
        }
    }
}
