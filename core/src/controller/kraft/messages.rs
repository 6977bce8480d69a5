//! KRaft mode's wire messages (Raft between voters, metadata fetches by brokers, broker
//! registration and heartbeats), timers and events.

use super::log::LogEntry;
use crate::config::Millis;
use crate::error::ErrorCode;
use crate::ids::{BrokerId, NodeId};
use crate::log::EpochEndOffset;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum KraftMessage {
    /// A candidate asks for a vote (KIP-595 `Vote`), with its log's last epoch and end offset.
    Vote {
        epoch: i32,
        candidate: i32,
        last_epoch: i32,
        end_offset: u64,
    },
    VoteResponse {
        epoch: i32,
        granted: bool,
        leader: Option<i32>,
    },
    /// The new leader tells the voters it leads `epoch`.
    BeginQuorumEpoch {
        epoch: i32,
        leader: i32,
    },
    BeginQuorumEpochResponse {
        epoch: i32,
    },
    /// Raft `Fetch` of `__cluster_metadata` by a voter (follower) or a broker (observer).
    FetchMetadata {
        replica: i32,
        observer: bool,
        epoch: i32,
        fetch_offset: u64,
        last_fetched_epoch: i32,
        max_wait_ms: Millis,
        /// The fetcher's high watermark: the leader answers at once when it knows a higher
        /// one (as KIP-1166 does), so a commit reaches brokers without waiting out the hold.
        high_watermark: u64,
        /// The request's correlation id, echoed by the response: a voter acts only on the
        /// response to its latest fetch (Kafka's client drops the answer to a request it timed
        /// out), so a retry never starts a second fetch loop.
        #[serde(default)]
        correlation: u64,
    },
    FetchMetadataResponse {
        epoch: i32,
        leader: Option<i32>,
        error: Option<ErrorCode>,
        /// Set when the fetcher's log diverged: truncate to this epoch's end, then refetch.
        diverging: Option<EpochEndOffset>,
        entries: Vec<LogEntry>,
        high_watermark: u64,
        /// The fetch's correlation id.
        #[serde(default)]
        correlation: u64,
    },
    /// KIP-631 `BrokerRegistration`: a (re)started broker asks for a broker epoch.
    BrokerRegistration {
        broker: BrokerId,
        rack: Option<String>,
        incarnation: u64,
    },
    BrokerRegistrationResponse {
        error: Option<ErrorCode>,
        broker_epoch: u64,
        leader: Option<i32>,
    },
    /// KIP-631 `BrokerHeartbeat`, with how far the broker has replayed the metadata log.
    BrokerHeartbeat {
        broker: BrokerId,
        broker_epoch: u64,
        metadata_offset: u64,
    },
    BrokerHeartbeatResponse {
        error: Option<ErrorCode>,
        fenced: bool,
        leader: Option<i32>,
    },
}

impl KraftMessage {
    /// A short summary of the content, after the API name (starts with a space).
    pub fn detail(&self) -> String {
        match self {
            KraftMessage::Vote {
                epoch,
                candidate,
                last_epoch,
                end_offset,
            } => format!(
                " epoch={epoch} candidate={candidate} last_epoch={last_epoch} end_offset={end_offset}"
            ),
            KraftMessage::VoteResponse { epoch, granted, .. } => {
                format!(" epoch={epoch} granted={granted}")
            }
            KraftMessage::BeginQuorumEpoch { epoch, leader } => {
                format!(" epoch={epoch} leader={leader}")
            }
            KraftMessage::BeginQuorumEpochResponse { epoch } => format!(" epoch={epoch}"),
            KraftMessage::FetchMetadata {
                replica,
                observer,
                epoch,
                fetch_offset,
                last_fetched_epoch,
                ..
            } => format!(
                " {} {replica} epoch={epoch} offset={fetch_offset} last_fetched_epoch={last_fetched_epoch}",
                if *observer { "observer" } else { "voter" }
            ),
            KraftMessage::FetchMetadataResponse {
                epoch,
                error,
                diverging,
                entries,
                high_watermark,
                ..
            } => {
                if let Some(e) = error {
                    format!(" epoch={epoch} error={}", e.name())
                } else if let Some(d) = diverging {
                    format!(
                        " epoch={epoch} diverging_epoch={} end_offset={}",
                        d.epoch, d.end_offset
                    )
                } else {
                    format!(
                        " epoch={epoch} records={} hw={high_watermark}",
                        entries.len()
                    )
                }
            }
            KraftMessage::BrokerRegistration { broker, .. } => format!(" broker={broker}"),
            KraftMessage::BrokerRegistrationResponse {
                error,
                broker_epoch,
                ..
            } => match error {
                Some(e) => format!(" error={}", e.name()),
                None => format!(" broker_epoch={broker_epoch}"),
            },
            KraftMessage::BrokerHeartbeat {
                broker,
                broker_epoch,
                metadata_offset,
            } => format!(
                " broker={broker} broker_epoch={broker_epoch} metadata_offset={metadata_offset}"
            ),
            KraftMessage::BrokerHeartbeatResponse { error, fenced, .. } => match error {
                Some(e) => format!(" error={}", e.name()),
                None => format!(" fenced={fenced}"),
            },
        }
    }

    /// The name the UI and traces show.
    pub fn api(&self) -> &'static str {
        match self {
            KraftMessage::Vote { .. } => "Vote",
            KraftMessage::VoteResponse { .. } => "VoteResponse",
            KraftMessage::BeginQuorumEpoch { .. } => "BeginQuorumEpoch",
            KraftMessage::BeginQuorumEpochResponse { .. } => "BeginQuorumEpochResponse",
            KraftMessage::FetchMetadata { .. } => "FetchMetadata",
            KraftMessage::FetchMetadataResponse { .. } => "FetchMetadataResponse",
            KraftMessage::BrokerRegistration { .. } => "BrokerRegistration",
            KraftMessage::BrokerRegistrationResponse { .. } => "BrokerRegistrationResponse",
            KraftMessage::BrokerHeartbeat { .. } => "BrokerHeartbeat",
            KraftMessage::BrokerHeartbeatResponse { .. } => "BrokerHeartbeatResponse",
        }
    }
}

/// Timers of voters. Generation numbers make a re-armed timer's older firings no-ops.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum KraftTimer {
    /// Follower fetch timeout, or candidate/unattached election timeout.
    Election { generation: u64 },
    /// Resend a fetch that got no answer (request timeout) or an error (backoff).
    RetryFetch { seq: u64 },
    /// The leader checks that a majority fetched recently (check quorum).
    CheckQuorum { epoch: i32 },
    /// The leader resends BeginQuorumEpoch to voters that have not fetched yet.
    BeginQuorumRetry { epoch: i32 },
    /// A parked fetch's max wait ran out.
    FetchWaitExpired { id: u64 },
    /// The active controller checks a broker's session.
    BrokerSession { broker: BrokerId, epoch: i32 },
    /// `leader.imbalance.check.interval.seconds` at the active controller.
    LeaderImbalanceCheck { epoch: i32 },
}

/// Timers of brokers in KRaft mode.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum KraftBrokerTimer {
    /// `broker.heartbeat.interval.ms` (also resends a registration that got no answer).
    Heartbeat,
    /// Register again after a refused registration (`BrokerLifecycleManager`'s backoff).
    RetryRegistration,
    /// Resend a metadata fetch that got no answer or an error.
    RetryFetch { seq: u64 },
}

/// Protocol steps worth narrating.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum KraftEvent {
    BecameCandidate {
        voter: i32,
        epoch: i32,
        /// The follower's fetch timeout expired (else its election timeout).
        fetch_timeout: bool,
    },
    VoteGranted {
        voter: i32,
        candidate: i32,
        epoch: i32,
    },
    VoteRejected {
        voter: i32,
        candidate: i32,
        epoch: i32,
        reason: String,
    },
    LeaderElected {
        voter: i32,
        epoch: i32,
        votes: Vec<i32>,
    },
    FollowingLeader {
        voter: i32,
        leader: i32,
        epoch: i32,
    },
    Resigned {
        voter: i32,
        epoch: i32,
        reason: String,
    },
    LogTruncated {
        node: NodeId,
        to_offset: u64,
        diverging_epoch: i32,
    },
    Committed {
        voter: i32,
        epoch: i32,
        high_watermark: u64,
    },
    RecordsWritten {
        controller: i32,
        first_offset: u64,
        count: usize,
        first: String,
    },
    BrokerRegistered {
        broker: BrokerId,
        broker_epoch: u64,
    },
    /// A new incarnation's registration refused: the previous one's session is still valid.
    RegistrationRefused {
        broker: BrokerId,
        session_left_ms: u64,
    },
    MetadataReplayed {
        broker: BrokerId,
        offset: u64,
    },
}

impl KraftEvent {
    /// One line of plain words for the event log and CLI traces.
    pub fn narrate(&self) -> String {
        match self {
            KraftEvent::BecameCandidate {
                voter,
                epoch,
                fetch_timeout,
            } => format!(
                "controller {voter}'s {} expired; it became a candidate for epoch {epoch}",
                if *fetch_timeout {
                    "fetch timeout"
                } else {
                    "election timeout"
                }
            ),
            KraftEvent::VoteGranted {
                voter,
                candidate,
                epoch,
            } => format!("controller {voter} voted for {candidate} in epoch {epoch}"),
            KraftEvent::VoteRejected {
                voter,
                candidate,
                epoch,
                reason,
            } => format!(
                "controller {voter} refused its vote to {candidate} in epoch {epoch}: {reason}"
            ),
            KraftEvent::LeaderElected {
                voter,
                epoch,
                votes,
            } => format!("controller {voter} won epoch {epoch} with votes from {votes:?}"),
            KraftEvent::FollowingLeader {
                voter,
                leader,
                epoch,
            } => format!("controller {voter} follows leader {leader} in epoch {epoch}"),
            KraftEvent::Resigned {
                voter,
                epoch,
                reason,
            } => format!("controller {voter} resigned leadership of epoch {epoch}: {reason}"),
            KraftEvent::LogTruncated {
                node,
                to_offset,
                diverging_epoch,
            } => format!(
                "{node} truncated its metadata log to offset {to_offset} (diverging epoch {diverging_epoch})"
            ),
            KraftEvent::Committed {
                voter,
                epoch,
                high_watermark,
            } => format!(
                "leader {voter} (epoch {epoch}) committed the metadata log up to offset {high_watermark}"
            ),
            KraftEvent::RecordsWritten {
                controller,
                first_offset,
                count,
                first,
            } => format!(
                "active controller {controller} wrote {count} record(s) at offset {first_offset}: {first}{}",
                if *count > 1 { ", ..." } else { "" }
            ),
            KraftEvent::BrokerRegistered {
                broker,
                broker_epoch,
            } => format!(
                "broker {broker} registered (broker epoch {broker_epoch}), fenced until it catches up"
            ),
            KraftEvent::RegistrationRefused {
                broker,
                session_left_ms,
            } => format!(
                "controller refused broker {broker}'s new registration \
                 (DUPLICATE_BROKER_REGISTRATION): its previous incarnation's session is valid \
                 for {} s more",
                crate::seconds::seconds(*session_left_ms)
            ),
            KraftEvent::MetadataReplayed { broker, offset } => {
                format!("broker {broker} replayed the metadata log up to offset {offset}")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_narrate_the_protocol_step_in_plain_words() {
        let cases = [
            (
                KraftEvent::BecameCandidate {
                    voter: 101,
                    epoch: 3,
                    fetch_timeout: true,
                },
                "controller 101's fetch timeout expired; it became a candidate for epoch 3",
            ),
            (
                KraftEvent::VoteGranted {
                    voter: 102,
                    candidate: 101,
                    epoch: 3,
                },
                "controller 102 voted for 101 in epoch 3",
            ),
            (
                KraftEvent::LeaderElected {
                    voter: 101,
                    epoch: 3,
                    votes: vec![101, 102],
                },
                "controller 101 won epoch 3 with votes from [101, 102]",
            ),
            (
                KraftEvent::LogTruncated {
                    node: NodeId::Controller(100),
                    to_offset: 57,
                    diverging_epoch: 2,
                },
                "controller-100 truncated its metadata log to offset 57 (diverging epoch 2)",
            ),
            (
                KraftEvent::BrokerRegistered {
                    broker: 2,
                    broker_epoch: 61,
                },
                "broker 2 registered (broker epoch 61), fenced until it catches up",
            ),
            (
                KraftEvent::RegistrationRefused {
                    broker: 2,
                    session_left_ms: 7_500,
                },
                "controller refused broker 2's new registration (DUPLICATE_BROKER_REGISTRATION): \
                 its previous incarnation's session is valid for 7.5 s more",
            ),
        ];
        for (event, words) in cases {
            assert_eq!(event.narrate(), words);
        }
        let fetch = KraftMessage::FetchMetadata {
            replica: 1,
            observer: true,
            epoch: 3,
            fetch_offset: 10,
            last_fetched_epoch: 2,
            max_wait_ms: 500,
            high_watermark: 9,
            correlation: 4,
        };
        assert_eq!(fetch.api(), "FetchMetadata");
        assert_eq!(
            fetch.detail(),
            " observer 1 epoch=3 offset=10 last_fetched_epoch=2"
        );
    }
}
