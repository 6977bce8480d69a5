//! Timers each kind of node sets on itself. A timer that fires after the thing it guarded
//! already happened is ignored by its node (lazy cancellation); a crash kills all of a node's
//! timers through its incarnation number.

use crate::ids::{BrokerId, TopicPartition};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Timer {
    Broker(BrokerTimer),
    Controller(ControllerTimer),
    Producer(ProducerTimer),
    Consumer(ConsumerTimer),
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum BrokerTimer {
    /// Send the next heartbeat to the controller.
    Heartbeat,
    /// Leader: look for followers that fell out of sync (every `replica.lag.time.max.ms / 2`).
    IsrCheck,
    /// A parked fetch reached its max wait.
    FetchWaitExpired(u64),
    /// A produce waiting for acks=all reached its timeout.
    ProduceTimeout(u64),
    /// Follower: the fetch sent to this leader got no answer in time.
    FetchTimeout {
        leader: BrokerId,
        correlation_id: u64,
    },
    /// Follower: back off over; fetch from this leader again.
    FetchBackoff { leader: BrokerId },
    /// Delete records past retention.
    RetentionCheck,
    /// Group coordinator: the initial rebalance delay or the join phase ends.
    GroupJoinDeadline { group: Arc<str>, generation: i32 },
    /// Group coordinator: a member's session may have expired.
    MemberSession { group: Arc<str>, member: Arc<str> },
    /// Group coordinator: the sync phase waited for the leader's assignment too long.
    GroupSyncDeadline { group: Arc<str>, generation: i32 },
    /// Group coordinator: a write to `__consumer_offsets` (offset commit or group metadata)
    /// waited `offsets.commit.timeout.ms` for the high watermark to pass it.
    CoordinatorWriteTimeout(u64),
    /// Leader: an AlterPartition got no answer; send it again.
    AlterPartitionRetry { tp: TopicPartition },
    /// KRaft mode: registration, heartbeats, metadata fetches.
    Kraft(crate::controller::kraft::KraftBrokerTimer),
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ControllerTimer {
    /// Has this broker heartbeated within the session timeout?
    BrokerSession(BrokerId),
    /// Auto leader rebalance check.
    LeaderImbalanceCheck,
    /// ZooKeeper mode (servers and the brokers' controller roles).
    Zk(crate::controller::zookeeper::ZkTimer),
    /// KRaft mode (voters).
    Kraft(crate::controller::kraft::KraftTimer),
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ProducerTimer {
    /// Send whatever batches are ready.
    Drain,
    RequestTimeout(u64),
    MetadataTimeout(u64),
    /// Ask for metadata again (leader unknown or changed).
    MetadataRefresh,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ConsumerTimer {
    Heartbeat,
    AutoCommit,
    /// Retry finding the coordinator or joining.
    Rejoin,
    RequestTimeout(u64),
    /// Fetch again from a broker after an empty or failed fetch.
    FetchBackoff(BrokerId),
    MetadataRefresh,
}
