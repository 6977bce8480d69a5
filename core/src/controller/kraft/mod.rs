//! KRaft mode: a quorum of controllers (`NodeId::Controller(id)`; in combined mode co-located
//! with the broker of the same id) running Raft (KIP-595) over `__cluster_metadata`. Brokers
//! register, heartbeat and learn metadata by fetching the log as observers (KIP-631).
//!
//! - `log`: the metadata log (epochs, offsets, diverging-epoch lookups, truncation)
//! - `records`: metadata records and their replay into [`ClusterMetadata`]
//! - `raft`: one voter's Raft state machine (epochs, votes, check quorum)
//! - `fetch`: pull-based replication and the high watermark
//! - `controller`: the active controller's duties (registration, sessions, decisions)

pub mod controller;
pub mod fetch;
pub mod log;
pub mod messages;
pub mod raft;
pub mod records;

use super::{ClusterMetadata, Coordinator, NewTopic, no_active_controller};
use crate::config::{BrokerTimeouts, ClusterConfig};
use crate::election::PreferredElection;
use crate::error::KafkaError;
use crate::ids::{BrokerId, NodeId, TopicPartition};
use crate::kernel::{Ctx, Kernel};
use crate::message::Message;
use crate::snapshot::{
    BrokerRegistrationState, CoordinatorSnapshot, Countdown, KraftBrokerSnapshot, KraftSnapshot,
    VoterSnapshot,
};
use crate::timer::ControllerTimer;
use serde::{Deserialize, Serialize};

pub use log::{LogEntry, MetadataLog};
pub use messages::{KraftBrokerTimer, KraftEvent, KraftMessage, KraftTimer};
pub use raft::{FETCH_MAX_WAIT_MS, RaftTimeouts, Role, Voter};
pub use records::{MetadataRecord, replay};

/// The epoch the cluster starts in (already running, led by the first voter).
pub const BOOTSTRAP_EPOCH: i32 = 1;

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct KraftQuorum {
    pub voters: Vec<Voter>,
    pub combined: bool,
    pub broker_timeouts: BrokerTimeouts,
    /// Replay of the committed prefix of the log (the highest HW any voter reached).
    pub committed: ClusterMetadata,
    pub committed_offset: u64,
}

/// The log every voter starts with: the first voter's LeaderChange for epoch 1, then every
/// broker registered and unfenced (broker epoch = the record's offset).
pub fn bootstrap_log(config: &ClusterConfig) -> MetadataLog {
    let voters = config.coordinator.kraft_voter_ids(&config.brokers);
    let mut log = MetadataLog::default();
    log.append(
        BOOTSTRAP_EPOCH,
        MetadataRecord::LeaderChange {
            epoch: BOOTSTRAP_EPOCH,
            leader: voters[0],
            voters: voters.clone(),
        },
    );
    for b in &config.brokers {
        let offset = log.end_offset();
        log.append(
            BOOTSTRAP_EPOCH,
            MetadataRecord::RegisterBroker {
                id: b.id,
                rack: b.rack.clone(),
                broker_epoch: offset,
                incarnation: 1,
                fenced: false,
            },
        );
    }
    log
}

impl KraftQuorum {
    pub fn new(config: &ClusterConfig) -> Self {
        let ids = config.coordinator.kraft_voter_ids(&config.brokers);
        let timeouts = RaftTimeouts::from_config(&config.coordinator);
        let log = bootstrap_log(config);
        let mut committed = ClusterMetadata::default();
        for e in log.entries() {
            replay(&mut committed, &e.record);
        }
        let voters = ids
            .iter()
            .map(|&id| {
                let mut v = Voter::new(id, ids.clone(), timeouts);
                v.log = log.clone();
                v.high_watermark = log.end_offset();
                v.apply_committed();
                v
            })
            .collect();
        Self {
            voters,
            combined: config.coordinator.kraft_combined,
            broker_timeouts: config.broker.clone(),
            committed_offset: log.end_offset(),
            committed,
        }
    }

    fn index_of(&self, node: NodeId) -> Option<usize> {
        let NodeId::Controller(id) = node else {
            return None;
        };
        self.voters.iter().position(|v| v.id == id)
    }

    /// The active controller. An isolated old leader may still believe it is active until
    /// check quorum makes it resign (a zombie); the newest epoch wins.
    fn active_index(&self) -> Option<usize> {
        self.voters
            .iter()
            .enumerate()
            .filter(|(_, v)| v.up && v.active.is_some())
            .max_by_key(|(_, v)| v.epoch)
            .map(|(i, _)| i)
    }

    /// After any step of voter `i`: its own bookkeeping, then the cluster-wide committed view.
    fn after_step(&mut self, ctx: &mut Ctx, i: usize) {
        let timeouts = self.broker_timeouts.clone();
        self.voters[i].reconcile(ctx, &timeouts);
        let v = &self.voters[i];
        while self.committed_offset < v.high_watermark {
            if let Some(e) = v.log.get(self.committed_offset) {
                replay(&mut self.committed, &e.record);
            }
            self.committed_offset += 1;
        }
    }

    /// Runs an admin request at the active controller.
    fn with_active<T>(
        &mut self,
        k: &mut Kernel,
        f: impl FnOnce(&mut Voter, &mut Ctx) -> Result<T, KafkaError>,
    ) -> Result<T, KafkaError> {
        let Some(i) = self.active_index() else {
            return Err(no_active_controller(
                "no controller is active (election in progress or quorum lost)",
            ));
        };
        let node = self.voters[i].node();
        let ctx = &mut Ctx::new(node, k);
        let out = f(&mut self.voters[i], ctx);
        self.after_step(ctx, i);
        out
    }

    /// The highest epoch a running voter knows, and its leader.
    fn current_epoch(&self) -> (i32, Option<i32>) {
        self.voters
            .iter()
            .filter(|v| v.up)
            .map(|v| (v.epoch, v.leader))
            .max_by_key(|(e, l)| (*e, l.is_some()))
            // Every voter down: the last epoch any reached, and no leader.
            .unwrap_or_else(|| (self.voters.iter().map(|v| v.epoch).max().unwrap_or(0), None))
    }
}

impl Coordinator for KraftQuorum {
    fn nodes(&self) -> Vec<(NodeId, Option<BrokerId>)> {
        self.voters
            .iter()
            .map(|v| (v.node(), self.combined.then_some(v.id)))
            .collect()
    }

    fn start(&mut self, k: &mut Kernel) {
        let first = self.voters[0].id;
        for i in 0..self.voters.len() {
            let ctx = &mut Ctx::new(self.voters[i].node(), k);
            if i == 0 {
                self.voters[i].bootstrap_leader(ctx, BOOTSTRAP_EPOCH);
            } else {
                self.voters[i].bootstrap_follower(ctx, BOOTSTRAP_EPOCH, first);
            }
            self.after_step(ctx, i);
        }
    }

    fn on_message(&mut self, ctx: &mut Ctx, from: NodeId, msg: &Message) {
        let Some(i) = self.index_of(ctx.me) else {
            return;
        };
        let v = &mut self.voters[i];
        if !v.up {
            return;
        }
        match msg {
            Message::Kraft(m) => match m {
                KraftMessage::Vote {
                    epoch,
                    candidate,
                    last_epoch,
                    end_offset,
                } => v.on_vote(ctx, from, *epoch, *candidate, *last_epoch, *end_offset),
                KraftMessage::VoteResponse {
                    epoch,
                    granted,
                    leader,
                } => v.on_vote_response(ctx, from, *epoch, *granted, *leader),
                KraftMessage::BeginQuorumEpoch { epoch, leader } => {
                    v.on_begin_quorum_epoch(ctx, from, *epoch, *leader)
                }
                KraftMessage::BeginQuorumEpochResponse { .. } => {}
                KraftMessage::FetchMetadata {
                    replica,
                    observer,
                    epoch,
                    fetch_offset,
                    last_fetched_epoch,
                    high_watermark,
                    correlation,
                    ..
                } => v.on_fetch(
                    ctx,
                    from,
                    *replica,
                    *observer,
                    *epoch,
                    (*fetch_offset, *correlation),
                    *last_fetched_epoch,
                    *high_watermark,
                ),
                KraftMessage::FetchMetadataResponse {
                    epoch,
                    leader,
                    error,
                    diverging,
                    entries,
                    high_watermark,
                    correlation,
                } => v.on_fetch_response(
                    ctx,
                    *correlation,
                    *epoch,
                    *leader,
                    *error,
                    *diverging,
                    entries,
                    *high_watermark,
                ),
                KraftMessage::BrokerRegistration {
                    broker,
                    rack,
                    incarnation,
                } => v.on_broker_registration(ctx, from, *broker, rack.clone(), *incarnation),
                KraftMessage::BrokerHeartbeat {
                    broker,
                    broker_epoch,
                    metadata_offset,
                } => v.on_broker_heartbeat(ctx, from, *broker, *broker_epoch, *metadata_offset),
                KraftMessage::BrokerRegistrationResponse { .. }
                | KraftMessage::BrokerHeartbeatResponse { .. } => {}
            },
            Message::AlterPartition { .. } => v.on_alter_partition(ctx, from, msg),
            _ => return,
        }
        self.after_step(ctx, i);
    }

    fn on_timer(&mut self, ctx: &mut Ctx, timer: &ControllerTimer) {
        let ControllerTimer::Kraft(t) = timer else {
            return;
        };
        let Some(i) = self.index_of(ctx.me) else {
            return;
        };
        let v = &mut self.voters[i];
        if !v.up {
            return;
        }
        match t {
            KraftTimer::Election { generation } => v.on_election_timer(ctx, *generation),
            KraftTimer::RetryFetch { seq } => v.on_retry_fetch(ctx, *seq),
            KraftTimer::CheckQuorum { epoch } => v.on_check_quorum(ctx, *epoch),
            KraftTimer::BeginQuorumRetry { epoch } => v.on_begin_quorum_retry(ctx, *epoch),
            KraftTimer::FetchWaitExpired { id } => v.on_fetch_wait_expired(ctx, *id),
            KraftTimer::BrokerSession { broker, epoch } => v.on_session_timer(ctx, *broker, *epoch),
            KraftTimer::LeaderImbalanceCheck { epoch } => v.on_imbalance_timer(ctx, *epoch),
        }
        self.after_step(ctx, i);
    }

    fn on_crash(&mut self, node: NodeId) {
        if let Some(i) = self.index_of(node) {
            self.voters[i].crash();
        }
    }

    fn on_restart(&mut self, ctx: &mut Ctx) {
        if let Some(i) = self.index_of(ctx.me) {
            self.voters[i].restart(ctx);
            self.after_step(ctx, i);
        }
    }

    fn create_topic(
        &mut self,
        k: &mut Kernel,
        topic: &NewTopic,
    ) -> Result<Vec<Vec<BrokerId>>, KafkaError> {
        self.with_active(k, |v, ctx| v.admin_create_topic(ctx, topic))
    }

    fn create_partitions(
        &mut self,
        k: &mut Kernel,
        topic: &str,
        total: i32,
    ) -> Result<Vec<Vec<BrokerId>>, KafkaError> {
        self.with_active(k, |v, ctx| v.admin_create_partitions(ctx, topic, total))
    }

    fn elect_preferred_leaders(
        &mut self,
        k: &mut Kernel,
        partitions: Option<&[TopicPartition]>,
    ) -> Result<PreferredElection, KafkaError> {
        self.with_active(k, |v, ctx| v.admin_elect_preferred(ctx, partitions))
    }

    fn metadata(&self) -> &ClusterMetadata {
        &self.committed
    }

    fn admin_metadata(&self) -> &ClusterMetadata {
        self.active_index()
            .and_then(|i| self.voters[i].active.as_ref())
            .map_or(&self.committed, |a| &a.latest)
    }

    fn active_controller(&self) -> Option<NodeId> {
        self.active_index().map(|i| self.voters[i].node())
    }

    fn snapshot(&self) -> CoordinatorSnapshot {
        let (epoch, leader) = self.current_epoch();
        let active = self
            .active_index()
            .and_then(|i| self.voters[i].active.as_ref());
        let meta = active.map_or(&self.committed, |a| &a.latest);
        let high_watermark = leader
            .and_then(|l| self.voters.iter().find(|v| v.id == l && v.up))
            .map_or(self.committed_offset, |v| v.high_watermark);
        CoordinatorSnapshot::Kraft(KraftSnapshot {
            voters: self
                .voters
                .iter()
                .map(|v| VoterSnapshot {
                    id: v.id,
                    up: v.up,
                    state: v.state(),
                    epoch: v.epoch,
                    leader: v.leader,
                    voted_for: v.voted_for,
                    log_end_offset: v.log.end_offset(),
                    high_watermark: v.high_watermark,
                    last_epoch: v.log.last_epoch(),
                })
                .collect(),
            combined: self.combined,
            epoch,
            leader,
            high_watermark,
            brokers: meta
                .brokers
                .values()
                .map(|r| KraftBrokerSnapshot {
                    id: r.id,
                    state: if r.fenced {
                        BrokerRegistrationState::Fenced
                    } else {
                        BrokerRegistrationState::Unfenced
                    },
                    broker_epoch: r.broker_epoch,
                    metadata_offset: active
                        .and_then(|a| a.broker_offsets.get(&r.id).copied())
                        .unwrap_or(0),
                })
                .collect(),
        })
    }

    fn countdowns(&self, out: &mut Vec<Countdown>) {
        for v in self.voters.iter().filter(|v| v.up) {
            if let Some(at) = v.election_deadline {
                out.push(Countdown::ElectionTimeout { voter: v.id, at });
            }
        }
        if let Some(a) = self
            .active_index()
            .and_then(|i| self.voters[i].active.as_ref())
        {
            for (b, &last) in &a.sessions {
                if a.latest.is_live(*b) {
                    out.push(Countdown::BrokerSession {
                        broker: *b,
                        at: last + self.broker_timeouts.broker_session_timeout_ms,
                    });
                }
            }
        }
    }
}
