//! A broker in KRaft mode (KIP-631): it registers with the active controller, heartbeats
//! (`broker.heartbeat.interval.ms`), starts fenced until it has replayed the log up to its
//! registration, and learns metadata by fetching `__cluster_metadata` from the Raft leader
//! as an observer. Committed partition records of partitions it hosts go through the same
//! `on_leader_and_isr` path LeaderAndIsr uses in the other modes.

use super::Broker;
use crate::backoff::exponential_backoff;
use crate::collections::{LiteMap, LiteMapExt};
use crate::controller::kraft::raft::FETCH_MAX_WAIT_MS;
use crate::controller::kraft::{
    KraftBrokerTimer, KraftEvent, KraftMessage, LogEntry, MetadataLog, MetadataRecord,
};
use crate::error::ErrorCode;
use crate::event::EventKind;
use crate::ids::{BrokerId, NodeId, TopicPartition};
use crate::kernel::Ctx;
use crate::log::EpochEndOffset;
use crate::message::{Message, PartitionState};
use crate::timer::{BrokerTimer, Timer};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// `controller.quorum.request.timeout.ms` (Kafka's default).
const REQUEST_TIMEOUT_MS: u64 = 2_000;
/// `BrokerLifecycleManager`'s first backoff after a failed registration or heartbeat.
const REGISTRATION_BACKOFF_MS: u64 = 100;
/// Backoff before fetching again after an error (no leader known yet, election running).
const FETCH_ERROR_BACKOFF_MS: u64 = 200;

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct KraftBrokerState {
    /// This broker's copy of the metadata log (it may hold uncommitted entries).
    pub log: MetadataLog,
    pub high_watermark: u64,
    /// Entries below this offset are replayed into the metadata cache.
    pub applied: u64,
    /// The voters, from the LeaderChange records (the first known one until then).
    pub voters: Vec<i32>,
    /// The Raft leader (the active controller) as far as this broker knows.
    pub leader: Option<i32>,
    pub epoch: i32,
    /// Its broker epoch (the offset of its RegisterBroker record), once known.
    pub broker_epoch: Option<u64>,
    /// A (re)started incarnation must register before it heartbeats.
    pub needs_registration: bool,
    /// Registrations refused in a row (the backoff's attempts); a retry is scheduled while
    /// `registration_retry` holds.
    registration_failures: u32,
    registration_retry: bool,
    /// When the registration in flight was sent: the heartbeat tick resends it only once
    /// it has gone unanswered for a request timeout (Kafka sends one at a time).
    registration_sent_at: Option<u64>,
    /// Partition roles from the log are applied (`BrokerServer` has installed its metadata
    /// publishers): from the start for the first incarnation; for a restarted one once it
    /// is registered and has replayed its own registration record.
    publishing: bool,
    /// What the controller last said.
    pub fenced: bool,
    /// Registered brokers and whether each is fenced, from the log.
    pub registrations: LiteMap<BrokerId, bool>,
    fetch_seq: u64,
    fetch_pending: Option<u64>,
}

fn timer(t: KraftBrokerTimer) -> Timer {
    Timer::Broker(BrokerTimer::Kraft(t))
}

impl Broker {
    pub(super) fn kraft_start(&mut self, ctx: &mut Ctx) {
        let first = match self.controller {
            NodeId::Controller(id) => id,
            _ => 0,
        };
        self.kraft.leader = Some(first);
        if self.kraft.voters.is_empty() {
            self.kraft.voters = vec![first];
        }
        // broker_epoch counts incarnations: the first one was registered when the cluster
        // was set up (it finds its epoch in the log); a restarted one registers anew.
        self.kraft.needs_registration = self.broker_epoch > 1;
        self.kraft.publishing = !self.kraft.needs_registration;
        if self.kraft.needs_registration {
            self.send_registration(ctx);
        }
        self.send_metadata_fetch(ctx);
        ctx.set_timer(
            self.timeouts.broker_heartbeat_interval_ms,
            timer(KraftBrokerTimer::Heartbeat),
        );
    }

    fn active_controller_node(&self) -> NodeId {
        let first = self.kraft.voters.first().copied().unwrap_or_default();
        NodeId::Controller(self.kraft.leader.unwrap_or(first))
    }

    /// Follow a new leader: fetches, heartbeats and AlterPartition go there.
    fn set_kraft_leader(&mut self, leader: i32) {
        self.kraft.leader = Some(leader);
        self.controller = NodeId::Controller(leader);
    }

    /// No answer or no leader: try the next voter.
    fn rotate_kraft_leader(&mut self) {
        let voters = &self.kraft.voters;
        let next = match self
            .kraft
            .leader
            .and_then(|l| voters.iter().position(|&v| v == l))
        {
            Some(i) => voters.get((i + 1) % voters.len()),
            None => voters.first(),
        };
        if let Some(&next) = next {
            self.set_kraft_leader(next);
        }
    }

    fn send_registration(&mut self, ctx: &mut Ctx) {
        self.kraft.registration_sent_at = Some(ctx.now());
        ctx.send(
            self.active_controller_node(),
            Message::Kraft(KraftMessage::BrokerRegistration {
                broker: self.id,
                rack: self.rack.clone(),
                incarnation: self.broker_epoch,
            }),
        );
    }

    fn send_metadata_fetch(&mut self, ctx: &mut Ctx) {
        self.kraft.fetch_seq += 1;
        self.kraft.fetch_pending = Some(self.kraft.fetch_seq);
        ctx.send(
            self.active_controller_node(),
            Message::Kraft(KraftMessage::FetchMetadata {
                replica: self.id,
                observer: true,
                epoch: self.kraft.epoch,
                fetch_offset: self.kraft.log.end_offset(),
                last_fetched_epoch: self.kraft.log.last_epoch(),
                max_wait_ms: FETCH_MAX_WAIT_MS,
                high_watermark: self.kraft.high_watermark,
                correlation: self.kraft.fetch_seq,
            }),
        );
        ctx.set_timer(
            REQUEST_TIMEOUT_MS,
            timer(KraftBrokerTimer::RetryFetch {
                seq: self.kraft.fetch_seq,
            }),
        );
    }

    pub(super) fn on_kraft_timer(&mut self, ctx: &mut Ctx, t: &KraftBrokerTimer) {
        match t {
            KraftBrokerTimer::Heartbeat => {
                // Heartbeats follow the leader the metadata fetches find (they rotate
                // through the voters on timeouts); two rotations would fight.
                if self.kraft.needs_registration {
                    let unanswered = self
                        .kraft
                        .registration_sent_at
                        .is_none_or(|t| ctx.now() >= t + REQUEST_TIMEOUT_MS);
                    if !self.kraft.registration_retry && unanswered {
                        self.send_registration(ctx);
                    }
                } else if let Some(epoch) = self.kraft.broker_epoch {
                    ctx.send(
                        self.active_controller_node(),
                        Message::Kraft(KraftMessage::BrokerHeartbeat {
                            broker: self.id,
                            broker_epoch: epoch,
                            metadata_offset: self.kraft.applied,
                        }),
                    );
                }
                ctx.set_timer(
                    self.timeouts.broker_heartbeat_interval_ms,
                    timer(KraftBrokerTimer::Heartbeat),
                );
            }
            KraftBrokerTimer::RetryRegistration => {
                self.kraft.registration_retry = false;
                if self.kraft.needs_registration {
                    self.send_registration(ctx);
                }
            }
            KraftBrokerTimer::RetryFetch { seq } => {
                if self.kraft.fetch_pending == Some(*seq) {
                    self.rotate_kraft_leader();
                    self.send_metadata_fetch(ctx);
                }
            }
        }
    }

    pub(super) fn on_kraft_message(&mut self, ctx: &mut Ctx, _from: NodeId, msg: &KraftMessage) {
        match msg {
            KraftMessage::FetchMetadataResponse {
                epoch,
                leader,
                error,
                diverging,
                entries,
                high_watermark,
                correlation,
            } => self.on_metadata_fetch_response(
                ctx,
                *correlation,
                *epoch,
                *leader,
                *error,
                *diverging,
                entries,
                *high_watermark,
            ),
            KraftMessage::BrokerRegistrationResponse {
                error,
                broker_epoch,
                leader,
            } => match error {
                _ if self.kraft.registration_sent_at.take().is_none() => {} // not awaited
                None => {
                    self.kraft.broker_epoch = Some(*broker_epoch);
                    self.kraft.needs_registration = false;
                    self.kraft.fenced = true;
                    self.kraft.registration_failures = 0;
                    self.maybe_start_publishing(ctx);
                }
                Some(_) => {
                    self.follow_hint(*leader);
                    self.schedule_registration_retry(ctx);
                }
            },
            KraftMessage::BrokerHeartbeatResponse {
                error,
                fenced,
                leader,
            } => {
                match error {
                    None => self.kraft.fenced = *fenced,
                    Some(ErrorCode::StaleBrokerEpoch) => {
                        // The controller does not know this incarnation: register again.
                        self.kraft.broker_epoch = None;
                        self.kraft.needs_registration = true;
                    }
                    Some(_) => self.follow_hint(*leader),
                }
            }
            _ => {}
        }
    }

    /// `BrokerLifecycleManager.scheduleNextCommunicationAfterFailure`: try again after
    /// `ExponentialBackoff(100, 2, broker.session.timeout.ms, 0.02)`.
    fn schedule_registration_retry(&mut self, ctx: &mut Ctx) {
        if self.kraft.registration_retry {
            return;
        }
        let max = self.timeouts.broker_session_timeout_ms;
        let failures = self.kraft.registration_failures;
        let delay = exponential_backoff(REGISTRATION_BACKOFF_MS, max, 2, failures, ctx.rng());
        self.kraft.registration_failures = failures.saturating_add(1);
        self.kraft.registration_retry = true;
        ctx.set_timer(delay, timer(KraftBrokerTimer::RetryRegistration));
    }

    /// NOT_CONTROLLER: go to the leader the answer names (else the fetches will find it).
    fn follow_hint(&mut self, leader: Option<i32>) {
        if let Some(l) = leader {
            self.set_kraft_leader(l);
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn on_metadata_fetch_response(
        &mut self,
        ctx: &mut Ctx,
        correlation: u64,
        epoch: i32,
        leader: Option<i32>,
        error: Option<ErrorCode>,
        diverging: Option<EpochEndOffset>,
        entries: &[LogEntry],
        high_watermark: u64,
    ) {
        // The answer to a fetch since retried (to the next voter): dropped, as Kafka's client
        // drops the response of a timed-out request; acting on it would start a second fetch
        // loop beside the retry's.
        if self.kraft.fetch_pending != Some(correlation) {
            return;
        }
        // The voter this fetch went to.
        let asked = self.kraft.leader;
        // An observer adopts an epoch only with its leader: a candidate's epoch that never got
        // a leader may exceed the epoch a later majority elects in (its voters never saw it).
        if epoch > self.kraft.epoch
            && let Some(l) = leader
        {
            self.kraft.epoch = epoch;
            self.set_kraft_leader(l);
        }
        self.kraft.fetch_pending = None;
        if error.is_some() {
            match leader {
                // Another voter named as leader (NOT_LEADER_OR_FOLLOWER with its id): fetch
                // from it at once, as `KafkaRaftClient.maybeHandleCommonResponse` moves to
                // it; heartbeats follow. Only an error without a new leader backs off and
                // tries the next voter.
                Some(l) if Some(l) != asked && epoch >= self.kraft.epoch => {
                    self.set_kraft_leader(l);
                    self.send_metadata_fetch(ctx);
                }
                _ => {
                    // Keep it pending: the retry timer resends (to the next voter).
                    self.kraft.fetch_seq += 1;
                    self.kraft.fetch_pending = Some(self.kraft.fetch_seq);
                    ctx.set_timer(
                        FETCH_ERROR_BACKOFF_MS,
                        timer(KraftBrokerTimer::RetryFetch {
                            seq: self.kraft.fetch_seq,
                        }),
                    );
                }
            }
            return;
        }
        if let Some(l) = leader
            && epoch >= self.kraft.epoch
        {
            self.set_kraft_leader(l);
        }
        if let Some(d) = diverging {
            let to = self.kraft.log.truncation_offset(d).max(self.kraft.applied);
            self.kraft.log.truncate_to(to);
            ctx.emit(EventKind::Kraft(KraftEvent::LogTruncated {
                node: NodeId::Broker(self.id),
                to_offset: to,
                diverging_epoch: d.epoch,
            }));
        } else if self.kraft.log.append_replicated(entries) {
            let hw = high_watermark.min(self.kraft.log.end_offset());
            if hw > self.kraft.high_watermark {
                self.kraft.high_watermark = hw;
                self.replay_committed(ctx);
            }
        }
        self.send_metadata_fetch(ctx);
    }

    /// Applies newly committed records: the metadata cache, and partition roles for the
    /// partitions this broker hosts (the latest state of each, in one batch).
    fn replay_committed(&mut self, ctx: &mut Ctx) {
        let from = self.kraft.applied;
        let to = self.kraft.high_watermark;
        let mut hosted: LiteMap<TopicPartition, PartitionState> = LiteMap::new_vec();
        let mut brokers_changed = false;
        for offset in from..to {
            let Some(entry) = self.kraft.log.get(offset) else {
                break;
            };
            match &entry.record {
                MetadataRecord::LeaderChange { epoch, voters, .. } => {
                    self.kraft.voters = voters.clone();
                    self.metadata.controller_epoch = *epoch;
                }
                MetadataRecord::RegisterBroker {
                    id,
                    broker_epoch,
                    fenced,
                    ..
                } => {
                    self.kraft.registrations.insert(*id, *fenced);
                    brokers_changed = true;
                    if *id == self.id
                        && self.kraft.broker_epoch.is_none()
                        && !self.kraft.needs_registration
                    {
                        self.kraft.broker_epoch = Some(*broker_epoch);
                        self.kraft.fenced = *fenced;
                    }
                }
                MetadataRecord::BrokerRegistrationChange { id, fenced } => {
                    self.kraft.registrations.insert(*id, *fenced);
                    brokers_changed = true;
                }
                MetadataRecord::Topic { .. } => {}
                MetadataRecord::Partition(st) => {
                    Arc::make_mut(&mut self.metadata.partitions).insert(st.tp.clone(), st.clone());
                    if st.replicas.contains(&self.id) {
                        hosted.insert(st.tp.clone(), st.clone());
                    }
                }
            }
        }
        self.kraft.applied = to;
        if brokers_changed {
            self.metadata.live_brokers = self
                .kraft
                .registrations
                .iter()
                .filter(|(_, fenced)| !**fenced)
                .map(|(b, _)| *b)
                .collect();
        }
        ctx.emit(EventKind::Kraft(KraftEvent::MetadataReplayed {
            broker: self.id,
            offset: to,
        }));
        // A restarted incarnation applies partition roles only once registered and caught
        // up to its registration (Kafka's `BrokerServer.startup` installs its metadata
        // publishers then): until then it leads and follows nothing.
        if self.kraft.publishing {
            if !hosted.is_empty() {
                let states: Vec<PartitionState> = hosted.into_values().collect();
                self.on_leader_and_isr(ctx, &states);
            }
        } else {
            self.maybe_start_publishing(ctx);
        }
    }

    /// Registered, with its own registration record replayed: apply the roles the metadata
    /// replayed so far gives this broker, and every later change as it comes.
    fn maybe_start_publishing(&mut self, ctx: &mut Ctx) {
        let caught_up = self
            .kraft
            .broker_epoch
            .is_some_and(|epoch| self.kraft.applied > epoch);
        if self.kraft.publishing || self.kraft.needs_registration || !caught_up {
            return;
        }
        self.kraft.publishing = true;
        let states: Vec<PartitionState> = self
            .metadata
            .partitions
            .values()
            .filter(|st| st.replicas.contains(&self.id))
            .cloned()
            .collect();
        if !states.is_empty() {
            self.on_leader_and_isr(ctx, &states);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{BrokerTimeouts, CoordinatorMode, NetworkConfig, Profile};
    use crate::kernel::Kernel;
    use crate::message::TopicConfig;
    use crate::network::Network;
    use rand::SeedableRng;
    use std::sync::Arc;

    fn leader_with_pending_expansion(
        mode: CoordinatorMode,
        k: &mut Kernel,
    ) -> (Broker, TopicPartition) {
        let mut b = Broker::new(
            1,
            None,
            mode,
            NodeId::Controller(100),
            BrokerTimeouts::for_profile(Profile::Teaching),
        );
        let tp = TopicPartition::new("t", 0);
        let st = PartitionState {
            tp: tp.clone(),
            leader: 1,
            leader_epoch: 1,
            partition_epoch: 4,
            isr: vec![1],
            replicas: vec![1, 2],
            config: Arc::new(TopicConfig::default()),
        };
        let ctx = &mut Ctx::new(NodeId::Broker(1), k);
        b.on_leader_and_isr(ctx, std::slice::from_ref(&st));
        let p = b.partitions.get_mut(&tp).expect("hosted");
        p.leader.as_mut().expect("leads").pending_isr = Some(vec![1, 2]);
        (b, tp)
    }

    fn kernel() -> Kernel {
        Kernel::new(
            rand_pcg::Pcg64Mcg::seed_from_u64(1),
            Network::new(NetworkConfig {
                latency_ms: 1,
                jitter_ms: 0,
                loss: 0.0,
            }),
        )
    }

    /// The expansion may have been committed with its answer lost; a retry then meets
    /// FENCED_LEADER_EPOCH. Dropping the proposal would let the leader acknowledge writes
    /// without broker 2 while the controller counts 2 in the ISR (and may elect it).
    #[test]
    fn a_fenced_alter_partition_keeps_the_maximal_isr_until_the_log_says_otherwise() {
        let mut k = kernel();
        let (mut b, tp) = leader_with_pending_expansion(CoordinatorMode::Kraft, &mut k);
        let ctx = &mut Ctx::new(NodeId::Broker(1), &mut k);
        b.on_alter_partition_response(ctx, &tp, Some(ErrorCode::FencedLeaderEpoch), None);
        assert_eq!(b.partitions[&tp].maximal_isr(), vec![1, 2]);
        // The committed PartitionChangeRecord arrives through the metadata log.
        let mut st = b.partitions[&tp].state.clone();
        st.partition_epoch = 5;
        st.isr = vec![1, 2];
        b.on_leader_and_isr(ctx, &[st]);
        let p = &b.partitions[&tp];
        assert_eq!(p.state.isr, vec![1, 2]);
        assert!(p.leader.as_ref().expect("leads").pending_isr.is_none());

        // ZooKeeper mode too: a controller that has already moved the partition on (in
        // memory, its ZooKeeper write still pending) answers NOT_LEADER_OR_FOLLOWER, and the
        // leader keeps waiting for broker 2 until a LeaderAndIsr says what was decided.
        let (mut b, tp) = leader_with_pending_expansion(CoordinatorMode::Zookeeper, &mut k);
        let ctx = &mut Ctx::new(NodeId::Broker(1), &mut k);
        b.on_alter_partition_response(ctx, &tp, Some(ErrorCode::NotLeaderOrFollower), None);
        assert_eq!(b.partitions[&tp].maximal_isr(), vec![1, 2]);
        let mut st = b.partitions[&tp].state.clone();
        st.partition_epoch = 5;
        b.on_leader_and_isr(ctx, &[st]);
        assert_eq!(b.partitions[&tp].maximal_isr(), vec![1]);
        // INELIGIBLE_REPLICA (INVALID_REQUEST here) says the change was not applied.
        let (mut b, tp) = leader_with_pending_expansion(CoordinatorMode::Zookeeper, &mut k);
        let ctx = &mut Ctx::new(NodeId::Broker(1), &mut k);
        b.on_alter_partition_response(ctx, &tp, Some(ErrorCode::InvalidRequest), None);
        assert_eq!(b.partitions[&tp].maximal_isr(), vec![1]);

        // And with the built-in controller (it resyncs the leader by digest soon after).
        let (mut b, tp) = leader_with_pending_expansion(CoordinatorMode::Builtin, &mut k);
        let ctx = &mut Ctx::new(NodeId::Broker(1), &mut k);
        b.on_alter_partition_response(ctx, &tp, Some(ErrorCode::FencedLeaderEpoch), None);
        assert_eq!(b.partitions[&tp].maximal_isr(), vec![1, 2]);
    }
}
