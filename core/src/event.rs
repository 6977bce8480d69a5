//! What the simulator reports: every network message (sent, dropped) and every state change,
//! each stamped with the simulated time. The UI and the CLI's `--trace` read these.

use crate::config::Millis;
use crate::error::ErrorCode;
use crate::ids::{BrokerId, NodeId, TopicName, TopicPartition};
use crate::log::{Record, RecordId};
use crate::message::Message;
use crate::partitioner::{KeyPlacement, KeylessStrategy};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// One entry of the event stream.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Event {
    pub time: Millis,
    #[serde(flatten)]
    pub kind: EventKind,
}

/// Why a message never arrived.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DropReason {
    /// Lost at random (the network's `loss` probability).
    Lost,
    /// The link between sender and receiver is cut (partition or isolation).
    LinkCut,
    /// The receiver is down.
    ReceiverDown,
}

/// Why a partition got a new leader.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ElectionReason {
    /// The topic or partition was just created.
    NewPartition,
    /// The previous leader was fenced or shut down; a live ISR member took over.
    LeaderFailed,
    /// No ISR member was live; an out-of-sync replica was chosen (unclean).
    Unclean,
    /// Preferred leader election (on demand or by auto rebalance).
    Preferred,
    /// A replica came back to a partition that had no leader.
    OfflinePartitionRecovered,
}

/// Why a replica's log start offset moved (Kafka's `LogStartOffsetIncrementReason`, and the
/// fetcher's out-of-range reset).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LogStartReason {
    /// Its own retention deleted records older than `retention.ms`.
    Retention,
    /// A follower followed its leader's log start offset.
    LeaderLogStart,
    /// A follower's log ended below its leader's log start (OFFSET_OUT_OF_RANGE): it dropped
    /// its log and starts again, empty, at the leader's log start.
    OutOfRange,
    /// A follower whose empty log started past its leader's end (OFFSET_OUT_OF_RANGE) starts
    /// again at the leader's high watermark.
    PastLeaderEnd,
}

/// Why an ISR changed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "why")]
pub enum IsrChangeReason {
    /// The leader dropped followers that had not caught up within `replica.lag.time.max.ms`.
    FollowerLagging { removed: Vec<BrokerId> },
    /// A follower caught up and the leader added it back.
    FollowerCaughtUp { added: Vec<BrokerId> },
    /// The controller removed a broker that was fenced or went down.
    BrokerFailed { removed: Vec<BrokerId> },
    /// A new leader was elected uncleanly; the ISR restarts with it alone.
    UncleanElection,
}

/// Everything that happens.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum EventKind {
    // --- network ---
    MessageSent {
        id: u64,
        from: NodeId,
        to: NodeId,
        sent_at: Millis,
        deliver_at: Millis,
        message: Arc<Message>,
    },
    MessageDropped {
        id: u64,
        from: NodeId,
        to: NodeId,
        reason: DropReason,
    },
    // --- nodes and links ---
    NodeCrashed {
        node: NodeId,
    },
    NodeRestarted {
        node: NodeId,
    },
    NodeIsolated {
        node: NodeId,
    },
    LinkCut {
        a: NodeId,
        b: NodeId,
    },
    NetworkHealed,
    /// The controller stopped hearing from a broker for the session timeout.
    BrokerFenced {
        broker: BrokerId,
        silent_for_ms: Millis,
    },
    BrokerUnfenced {
        broker: BrokerId,
    },
    /// A controller can now change metadata: ZooKeeper mode, after winning `/controller` and
    /// loading the cluster state; KRaft, after winning the election and committing a record
    /// of its epoch. `epoch` is the controller epoch (ZooKeeper) or Raft epoch (KRaft).
    ControllerActivated {
        controller: NodeId,
        epoch: i32,
    },
    /// A controller stopped acting (lost `/controller`, its session, or Raft leadership).
    ControllerResigned {
        controller: NodeId,
        epoch: i32,
    },
    /// A broker ignored a request from a controller with an older controller epoch.
    StaleControllerRejected {
        broker: BrokerId,
        controller_id: i32,
        controller_epoch: i32,
        current_epoch: i32,
    },
    // --- topics and partitions ---
    TopicCreated {
        topic: TopicName,
        assignment: Vec<Vec<BrokerId>>,
    },
    PartitionsAdded {
        topic: TopicName,
        assignment: Vec<Vec<BrokerId>>,
    },
    LeaderElected {
        tp: TopicPartition,
        leader: BrokerId,
        previous_leader: BrokerId,
        leader_epoch: i32,
        isr: Vec<BrokerId>,
        reason: ElectionReason,
    },
    /// No live replica may lead: the partition is offline.
    PartitionOffline {
        tp: TopicPartition,
        isr: Vec<BrokerId>,
    },
    IsrChanged {
        tp: TopicPartition,
        isr: Vec<BrokerId>,
        reason: IsrChangeReason,
    },
    /// A broker took its new role from LeaderAndIsr.
    BecameLeader {
        broker: BrokerId,
        tp: TopicPartition,
        leader_epoch: i32,
    },
    BecameFollower {
        broker: BrokerId,
        tp: TopicPartition,
        leader: BrokerId,
        leader_epoch: i32,
    },
    // --- logs ---
    RecordsAppended {
        broker: BrokerId,
        tp: TopicPartition,
        base_offset: u64,
        count: u64,
        leader_epoch: i32,
    },
    /// A replica's HW moved: a leader's forward, a follower's to its leader's (which may be
    /// lower, after a failover).
    HighWatermarkAdvanced {
        broker: BrokerId,
        tp: TopicPartition,
        high_watermark: u64,
    },
    /// A replica removed records from the end of its log; they are gone from it.
    RecordsTruncated {
        broker: BrokerId,
        tp: TopicPartition,
        to_offset: u64,
        lost: Vec<Record>,
    },
    /// A replica's log now starts at `log_start_offset`; the records below it are gone.
    LogStartOffsetAdvanced {
        broker: BrokerId,
        tp: TopicPartition,
        log_start_offset: u64,
        reason: LogStartReason,
        /// The records it dropped (what tells a record deleted from one lost).
        deleted: Vec<RecordId>,
    },
    // --- producers ---
    /// The producer chose a partition for a record (with the murmur2 arithmetic for keys).
    RecordPartitioned {
        producer: u32,
        record: RecordId,
        tp: TopicPartition,
        key_placement: Option<KeyPlacement>,
        explicit: bool,
        /// For a record with neither key nor partition: the producer's keyless strategy.
        keyless: Option<KeylessStrategy>,
    },
    ProduceAcknowledged {
        producer: u32,
        record: RecordId,
        tp: TopicPartition,
        /// None for acks=0: the producer never learns it.
        offset: Option<u64>,
    },
    ProduceRetrying {
        producer: u32,
        record: RecordId,
        tp: TopicPartition,
        error: ErrorCode,
        attempt: u32,
    },
    ProduceFailed {
        producer: u32,
        record: RecordId,
        tp: Option<TopicPartition>,
        error: ErrorCode,
    },
    // --- consumers ---
    RebalanceStarted {
        group: Arc<str>,
        coordinator: BrokerId,
        reason: String,
    },
    GroupStable {
        group: Arc<str>,
        generation: i32,
        leader: Arc<str>,
        protocol: String,
    },
    MemberRemoved {
        group: Arc<str>,
        member: Arc<str>,
        reason: String,
    },
    PartitionsAssigned {
        consumer: u32,
        group: Arc<str>,
        generation: i32,
        partitions: Vec<TopicPartition>,
    },
    /// The consumer gave up partitions: revoked (it could still commit for them) or lost
    /// (`invokePartitionsLost`: outside a generation, or closing during a rebalance, it
    /// cannot, and another member may already own them).
    PartitionsRevoked {
        consumer: u32,
        group: Arc<str>,
        partitions: Vec<TopicPartition>,
        #[serde(default)]
        lost: bool,
    },
    /// KIP-320: after a leader change the consumer found its position past where the epoch
    /// of its last record ends on the new leader (an unclean election truncated it), and
    /// seeks back to the first offset known to diverge.
    ConsumerTruncationDetected {
        consumer: u32,
        tp: TopicPartition,
        position: u64,
        diverging_offset: u64,
    },
    /// A fatal error stopped a consumer (its `poll()` would throw): it no longer joins.
    ConsumerFailed {
        consumer: u32,
        group: Arc<str>,
        error: ErrorCode,
    },
    RecordsConsumed {
        consumer: u32,
        tp: TopicPartition,
        records: Vec<(u64, RecordId)>,
    },
    OffsetsCommitted {
        group: Arc<str>,
        offsets: Vec<(TopicPartition, u64)>,
    },
    /// A node's request got no answer in time.
    RequestTimedOut {
        node: NodeId,
        to: NodeId,
        api: String,
    },
    // --- coordinator protocols ---
    Zk(crate::controller::zookeeper::ZkEvent),
    Kraft(crate::controller::kraft::KraftEvent),
}
