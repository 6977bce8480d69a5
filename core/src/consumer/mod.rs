//! A consumer client in a group (Kafka's `KafkaConsumer` with the classic group protocol:
//! `AbstractCoordinator`, `ConsumerCoordinator`, `Fetcher`). The simulated application polls
//! continuously and processes every record at once; it uses auto-commit.
//!
//! - `membership.rs`: finding the coordinator, JoinGroup / SyncGroup (the leader runs the
//!   assignor), heartbeats, revocation before rejoining, offset commits, leaving.
//! - `fetcher.rs`: starting positions (OffsetFetch, else ListOffsets per `auto.offset.reset`)
//!   and fetching from partition leaders.
//!
//! Every request has a timeout; failures back off by `retry.backoff.ms`. Timers are lazily
//! cancelled: each kind has one "due at" slot and a timer that finds its slot changed does
//! nothing.

mod fetcher;
mod membership;
mod validation;

use crate::assignor::AssignorKind;
use crate::collections::LiteMap;
use crate::config::{ConsumerConfig, Millis};
use crate::error::ErrorCode;
use crate::event::EventKind;
use crate::ids::{BrokerId, NodeId, TopicName, TopicPartition};
use crate::kernel::Ctx;
use crate::message::Message;
use crate::producer::ClientMetadata;
use crate::timer::{ConsumerTimer, Timer};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// `retry.backoff.max.ms` (Kafka 3.7+ default).
const RETRY_BACKOFF_MAX_MS: Millis = 1_000;

/// Where the member is in the group protocol (`AbstractCoordinator.MemberState`, plus the
/// simulator's end states).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum MemberState {
    /// Not in a generation: (re)joining is needed.
    Unjoined,
    /// JoinGroup sent, waiting for the join phase to end.
    PreparingRebalance,
    /// SyncGroup sent, waiting for the assignment.
    CompletingRebalance,
    /// Has an assignment and heartbeats.
    Stable,
    /// Closed with `leave()`.
    Stopped,
    /// A fatal error (e.g. INCONSISTENT_GROUP_PROTOCOL) stopped it.
    Failed,
}

/// Why an offset commit was sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum CommitPurpose {
    /// `auto.commit.interval.ms` passed.
    Auto,
    /// Before rejoining (`onJoinPrepare`): positions of partitions about to be revoked.
    JoinPrepare,
    /// On close.
    Leave,
}

/// How a newly assigned partition gets its starting position.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum PositionState {
    /// Ask the coordinator for the committed offset.
    NeedCommitted,
    FetchingCommitted,
    /// No committed offset (or out of range): ListOffsets per `auto.offset.reset`.
    NeedReset {
        not_before: Millis,
    },
    Resetting,
    /// KIP-320: the leader changed; fetching waits until OffsetsForLeaderEpoch confirms the
    /// position (or finds it truncated).
    NeedValidation {
        not_before: Millis,
    },
    Validating,
}

/// A request waiting for its response.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum InFlight {
    Metadata {
        broker: BrokerId,
    },
    FindCoordinator {
        broker: BrokerId,
    },
    JoinGroup {
        broker: BrokerId,
    },
    SyncGroup {
        broker: BrokerId,
        generation: i32,
    },
    Heartbeat {
        broker: BrokerId,
        generation: i32,
    },
    OffsetCommit {
        broker: BrokerId,
        generation: i32,
        purpose: CommitPurpose,
    },
    OffsetFetch {
        broker: BrokerId,
    },
    ListOffsets {
        broker: BrokerId,
        tp: TopicPartition,
    },
    OffsetForLeaderEpoch {
        broker: BrokerId,
        tp: TopicPartition,
    },
    Fetch {
        broker: BrokerId,
        offsets: Vec<(TopicPartition, u64)>,
    },
}

impl InFlight {
    fn broker(&self) -> BrokerId {
        match self {
            InFlight::Metadata { broker }
            | InFlight::FindCoordinator { broker }
            | InFlight::JoinGroup { broker }
            | InFlight::SyncGroup { broker, .. }
            | InFlight::Heartbeat { broker, .. }
            | InFlight::OffsetCommit { broker, .. }
            | InFlight::OffsetFetch { broker }
            | InFlight::ListOffsets { broker, .. }
            | InFlight::OffsetForLeaderEpoch { broker, .. }
            | InFlight::Fetch { broker, .. } => *broker,
        }
    }

    fn api(&self) -> &'static str {
        match self {
            InFlight::Metadata { .. } => "Metadata",
            InFlight::FindCoordinator { .. } => "FindCoordinator",
            InFlight::JoinGroup { .. } => "JoinGroup",
            InFlight::SyncGroup { .. } => "SyncGroup",
            InFlight::Heartbeat { .. } => "Heartbeat",
            InFlight::OffsetCommit { .. } => "OffsetCommit",
            InFlight::OffsetFetch { .. } => "OffsetFetch",
            InFlight::ListOffsets { .. } => "ListOffsets",
            InFlight::OffsetForLeaderEpoch { .. } => "OffsetForLeaderEpoch",
            InFlight::Fetch { .. } => "Fetch",
        }
    }

    /// Requests that go to the group coordinator (failed when it is marked unknown).
    fn to_coordinator(&self) -> bool {
        matches!(
            self,
            InFlight::JoinGroup { .. }
                | InFlight::SyncGroup { .. }
                | InFlight::Heartbeat { .. }
                | InFlight::OffsetCommit { .. }
                | InFlight::OffsetFetch { .. }
        )
    }
}

/// Due times of the consumer's timers (one slot per kind; see the module note).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
struct TimerSlots {
    wake: Option<Millis>,
    heartbeat: Option<Millis>,
    auto_commit: Option<Millis>,
    metadata: Option<Millis>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Consumer {
    pub id: u32,
    pub group: Arc<str>,
    pub topics: Vec<TopicName>,
    pub assignor: AssignorKind,
    pub config: ConsumerConfig,
    pub bootstrap: Vec<BrokerId>,
    /// Given by the coordinator (MEMBER_ID_REQUIRED or JoinGroupResponse).
    pub member_id: Option<Arc<str>>,
    /// -1 when not in a generation.
    pub generation: i32,
    /// Partitions currently owned.
    pub assignment: Vec<TopicPartition>,
    /// Next offset to hand to the application, per owned partition with a known position.
    pub positions: LiteMap<TopicPartition, u64>,
    pub state: MemberState,
    pub coordinator: Option<BrokerId>,
    /// This member ran the assignor for the current generation.
    pub is_leader: bool,
    /// Offsets this consumer committed (or read back from the coordinator).
    pub committed: LiteMap<TopicPartition, u64>,
    pub metadata: ClientMetadata,
    pub fatal_error: Option<ErrorCode>,
    /// Records handed to the application so far.
    pub records_consumed: u64,
    /// A rebalance is needed (heartbeat said so, partitions were revoked, metadata changed).
    rejoin_needed: bool,
    /// `!needsJoinPrepare`: the commit and revocation before the next JoinGroup are done.
    join_prepared: bool,
    join_prepare_deadline: Option<Millis>,
    prepare_commit_done: bool,
    prepare_commit_retry_at: Option<Millis>,
    /// Eager protocol: fetching stops while the pre-rebalance commit is in flight
    /// (`markPendingRevocation`).
    fetch_paused: bool,
    /// Cooperative protocol: positions of revoked partitions still to be committed.
    revoked_uncommitted: LiteMap<TopicPartition, u64>,
    /// An auto-commit came due while the coordinator was unknown: it goes once the lookup
    /// finds one (`commitOffsetsAsync` chains it on `lookupCoordinator`).
    auto_commit_awaits_coordinator: bool,
    /// The last assignment received and its generation (the eager sticky assignor's memory).
    prev_assignment: Vec<TopicPartition>,
    prev_generation: i32,
    /// Leader: partition counts the assignment was computed from.
    assignment_snapshot: Option<LiteMap<TopicName, u32>>,
    position_states: LiteMap<TopicPartition, PositionState>,
    /// Per position reached by consuming: the leader epoch of the last record handed out
    /// (`FetchPosition.offsetEpoch`) and the leader epoch it was known good under
    /// (`currentLeader.epoch`). A position from a commit or a reset has none here.
    position_epochs: LiteMap<TopicPartition, (i32, i32)>,
    in_flight: LiteMap<u64, InFlight>,
    next_correlation: u64,
    next_broker: usize,
    coordinator_backoff_until: Millis,
    /// Consecutive failed coordinator lookups (exponential backoff).
    coordinator_failures: u32,
    /// Consecutive metadata responses without every subscribed topic.
    metadata_misses: u32,
    join_backoff_until: Millis,
    offset_fetch_backoff_until: Millis,
    fetch_backoff: LiteMap<BrokerId, Millis>,
    /// Brokers whose requests timed out recently, avoided when picking a broker to ask
    /// (Kafka's least-loaded-node choice skips nodes it cannot connect to).
    unreachable_until: LiteMap<BrokerId, Millis>,
    last_heartbeat_ok: Millis,
    last_metadata_request: Option<Millis>,
    metadata_received: bool,
    timers: TimerSlots,
}

impl Consumer {
    pub fn new(
        id: u32,
        group: Arc<str>,
        topics: Vec<TopicName>,
        assignor: AssignorKind,
        config: ConsumerConfig,
        bootstrap: Vec<BrokerId>,
    ) -> Self {
        Self {
            id,
            group,
            topics,
            assignor,
            config,
            bootstrap,
            member_id: None,
            generation: -1,
            assignment: Vec::new(),
            positions: LiteMap::new_vec(),
            state: MemberState::Unjoined,
            coordinator: None,
            is_leader: false,
            committed: LiteMap::new_vec(),
            metadata: ClientMetadata::default(),
            fatal_error: None,
            records_consumed: 0,
            rejoin_needed: true,
            join_prepared: false,
            join_prepare_deadline: None,
            prepare_commit_done: false,
            prepare_commit_retry_at: None,
            fetch_paused: false,
            revoked_uncommitted: LiteMap::new_vec(),
            auto_commit_awaits_coordinator: false,
            prev_assignment: Vec::new(),
            prev_generation: -1,
            assignment_snapshot: None,
            position_states: LiteMap::new_vec(),
            position_epochs: LiteMap::new_vec(),
            in_flight: LiteMap::new_vec(),
            next_correlation: 0,
            next_broker: 0,
            coordinator_backoff_until: 0,
            coordinator_failures: 0,
            metadata_misses: 0,
            join_backoff_until: 0,
            offset_fetch_backoff_until: 0,
            fetch_backoff: LiteMap::new_vec(),
            unreachable_until: LiteMap::new_vec(),
            last_heartbeat_ok: 0,
            last_metadata_request: None,
            metadata_received: false,
            timers: TimerSlots::default(),
        }
    }

    fn me(&self) -> NodeId {
        NodeId::Consumer(self.id)
    }

    fn active(&self) -> bool {
        !matches!(self.state, MemberState::Stopped | MemberState::Failed)
    }

    fn backoff(&self) -> Millis {
        self.config.retry_backoff_ms.max(1)
    }

    /// `retry.backoff.ms` doubled per consecutive failure up to `retry.backoff.max.ms`
    /// (KIP-580).
    fn exponential_backoff(&self, failures: u32) -> Millis {
        let base = self.backoff();
        base.saturating_mul(1 << failures.min(16))
            .min(RETRY_BACKOFF_MAX_MS.max(base))
    }

    pub fn start(&mut self, ctx: &mut Ctx) {
        let now = ctx.now();
        self.schedule_auto_commit(ctx, now + self.config.auto_commit_interval_ms);
        self.drive(ctx);
    }

    /// `KafkaConsumer.close()`: commit what was consumed, give up the partitions and leave
    /// the group so that it rebalances at once. The node stops right after, so nothing here
    /// waits for an answer.
    pub fn leave(&mut self, ctx: &mut Ctx) {
        if !self.active() {
            return;
        }
        self.leave_group(ctx);
        self.state = MemberState::Stopped;
        self.in_flight.clear();
    }

    /// Sends a request and arms its timeout.
    fn send_request(
        &mut self,
        ctx: &mut Ctx,
        req: InFlight,
        timeout: Millis,
        build: impl FnOnce(u64) -> Message,
    ) -> u64 {
        self.next_correlation += 1;
        let correlation_id = self.next_correlation;
        ctx.send(NodeId::Broker(req.broker()), build(correlation_id));
        self.in_flight.insert(correlation_id, req);
        ctx.set_timer(
            timeout,
            Timer::Consumer(ConsumerTimer::RequestTimeout(correlation_id)),
        );
        correlation_id
    }

    fn has_in_flight(&self, f: impl Fn(&InFlight) -> bool) -> bool {
        self.in_flight.values().any(f)
    }

    /// Takes the request a response answers, if it is the kind expected.
    fn take_in_flight(
        &mut self,
        correlation_id: u64,
        kind: impl Fn(&InFlight) -> bool,
    ) -> Option<InFlight> {
        if self.in_flight.get(&correlation_id).is_some_and(kind) {
            self.in_flight.remove(&correlation_id)
        } else {
            None
        }
    }

    /// The next broker to ask (Kafka's least-loaded node; here a rotation that skips brokers
    /// whose requests recently timed out, unless all did).
    fn pick_broker(&mut self, now: Millis) -> Option<BrokerId> {
        let candidates = if self.metadata.brokers.is_empty() {
            &self.bootstrap
        } else {
            &self.metadata.brokers
        };
        if candidates.is_empty() {
            return None;
        }
        let n = candidates.len();
        let reachable = |b: &BrokerId| self.unreachable_until.get(b).is_none_or(|&t| t <= now);
        let offset = (0..n)
            .find(|i| reachable(&candidates[(self.next_broker + i) % n]))
            .unwrap_or(0);
        let b = candidates[(self.next_broker + offset) % n];
        self.next_broker += offset + 1;
        Some(b)
    }

    /// Sets a timer slot to `at` unless an earlier (still pending) time is already set.
    fn schedule(ctx: &mut Ctx, slot: &mut Option<Millis>, at: Millis, timer: ConsumerTimer) {
        let now = ctx.now();
        let at = at.max(now);
        if slot.is_some_and(|t| t >= now && t <= at) {
            return;
        }
        *slot = Some(at);
        ctx.set_timer(at - now, Timer::Consumer(timer));
    }

    /// True (and clears the slot) when a timer for this slot is due now.
    fn take_due(slot: &mut Option<Millis>, now: Millis) -> bool {
        if slot.is_some_and(|t| t <= now) {
            *slot = None;
            true
        } else {
            false
        }
    }

    /// Runs `drive` again at `at`.
    fn wake(&mut self, ctx: &mut Ctx, at: Millis) {
        Self::schedule(ctx, &mut self.timers.wake, at, ConsumerTimer::Rejoin);
    }

    /// A position request (ListOffsets, or OffsetsForLeaderEpoch when `validating`) could
    /// not go out or failed: ask again after `retry.backoff.ms`, with fresh metadata (the
    /// leader may have moved).
    fn retry_position_later(&mut self, ctx: &mut Ctx, tp: TopicPartition, validating: bool) {
        let not_before = ctx.now() + self.backoff();
        let state = if validating {
            PositionState::NeedValidation { not_before }
        } else {
            PositionState::NeedReset { not_before }
        };
        self.position_states.insert(tp, state);
        self.request_metadata_soon(ctx);
        self.wake(ctx, not_before);
    }

    fn schedule_auto_commit(&mut self, ctx: &mut Ctx, at: Millis) {
        self.timers.auto_commit = None;
        Self::schedule(
            ctx,
            &mut self.timers.auto_commit,
            at,
            ConsumerTimer::AutoCommit,
        );
    }

    /// Does whatever is next: metadata, coordinator, rebalance, positions, fetches.
    fn drive(&mut self, ctx: &mut Ctx) {
        if !self.active() {
            return;
        }
        if !self.metadata_received {
            self.request_metadata(ctx);
        }
        self.drive_group(ctx);
        if !self.active() {
            return;
        }
        self.drive_positions(ctx);
        self.drive_validations(ctx);
        self.drive_fetches(ctx);
    }

    // --- metadata ---

    /// Every subscribed topic is known with its partitions.
    fn metadata_ready(&self) -> bool {
        self.topics
            .iter()
            .all(|t| self.metadata.partition_count(t) > 0)
    }

    fn request_metadata(&mut self, ctx: &mut Ctx) {
        if self.has_in_flight(|r| matches!(r, InFlight::Metadata { .. })) {
            return;
        }
        let Some(broker) = self.pick_broker(ctx.now()) else {
            return;
        };
        self.last_metadata_request = Some(ctx.now());
        self.send_request(
            ctx,
            InFlight::Metadata { broker },
            self.config.request_timeout_ms,
            |correlation_id| Message::Metadata { correlation_id },
        );
    }

    /// Metadata is needed (unknown leader, NOT_LEADER_OR_FOLLOWER): ask at most once per
    /// `retry.backoff.ms`.
    fn request_metadata_soon(&mut self, ctx: &mut Ctx) {
        let now = ctx.now();
        let at = self
            .last_metadata_request
            .map_or(now, |t| (t + self.backoff()).max(now));
        if at <= now {
            self.request_metadata(ctx);
        } else {
            Self::schedule(
                ctx,
                &mut self.timers.metadata,
                at,
                ConsumerTimer::MetadataRefresh,
            );
        }
    }

    fn on_metadata_response(
        &mut self,
        ctx: &mut Ctx,
        correlation_id: u64,
        brokers: &[BrokerId],
        partitions: &[crate::message::PartitionMetadata],
    ) {
        if self
            .take_in_flight(correlation_id, |r| matches!(r, InFlight::Metadata { .. }))
            .is_none()
        {
            return;
        }
        let now = ctx.now();
        self.metadata.apply(brokers, partitions);
        self.metadata_received = true;
        self.validate_positions_on_metadata(now);
        // `metadata.max.age.ms`: refresh periodically (how the leader sees new partitions).
        self.timers.metadata = None;
        let at = if self.metadata_ready() {
            self.metadata_misses = 0;
            now + self.config.metadata_max_age_ms
        } else {
            self.metadata_misses += 1;
            now + self.exponential_backoff(self.metadata_misses - 1)
        };
        Self::schedule(
            ctx,
            &mut self.timers.metadata,
            at,
            ConsumerTimer::MetadataRefresh,
        );
        self.drive(ctx);
    }

    // --- dispatch ---

    pub fn on_message(&mut self, ctx: &mut Ctx, from: NodeId, msg: &Message) {
        if !self.active() {
            return;
        }
        if let NodeId::Broker(b) = from {
            self.unreachable_until.remove(&b);
        }
        match msg {
            Message::MetadataResponse {
                correlation_id,
                brokers,
                partitions,
            } => self.on_metadata_response(ctx, *correlation_id, brokers, partitions),
            Message::FindCoordinatorResponse {
                correlation_id,
                error,
                coordinator,
                ..
            } => self.on_find_coordinator_response(ctx, *correlation_id, *error, *coordinator),
            Message::JoinGroupResponse {
                correlation_id,
                error,
                generation,
                member_id,
                leader,
                protocol,
                members,
            } => self.on_join_group_response(
                ctx,
                *correlation_id,
                *error,
                *generation,
                member_id,
                leader,
                *protocol,
                members,
            ),
            Message::SyncGroupResponse {
                correlation_id,
                error,
                assignment,
            } => self.on_sync_group_response(ctx, *correlation_id, *error, assignment),
            Message::HeartbeatResponse {
                correlation_id,
                error,
            } => self.on_heartbeat_response(ctx, *correlation_id, *error),
            Message::OffsetCommitResponse {
                correlation_id,
                error,
                offsets,
            } => self.on_offset_commit_response(ctx, *correlation_id, *error, offsets),
            Message::OffsetFetchResponse {
                correlation_id,
                error,
                offsets,
                leader_epochs,
            } => {
                self.on_offset_fetch_response(ctx, *correlation_id, *error, offsets, leader_epochs)
            }
            Message::ListOffsetsResponse {
                correlation_id,
                tp,
                error,
                offset,
            } => self.on_list_offsets_response(ctx, *correlation_id, tp, *error, *offset),
            Message::OffsetForLeaderEpochResponse {
                correlation_id,
                tp,
                error,
                leader_epoch,
                end_offset,
            } => self.on_offset_for_leader_epoch_response(
                ctx,
                *correlation_id,
                tp,
                *error,
                *leader_epoch,
                *end_offset,
            ),
            Message::FetchResponse {
                correlation_id,
                partitions,
            } => self.on_fetch_response(ctx, *correlation_id, partitions),
            _ => {}
        }
    }

    pub fn on_timer(&mut self, ctx: &mut Ctx, timer: &ConsumerTimer) {
        if !self.active() {
            return;
        }
        let now = ctx.now();
        match timer {
            ConsumerTimer::Rejoin => {
                if Self::take_due(&mut self.timers.wake, now) {
                    self.drive(ctx);
                }
            }
            ConsumerTimer::Heartbeat => {
                if Self::take_due(&mut self.timers.heartbeat, now) {
                    self.on_heartbeat_timer(ctx);
                }
            }
            ConsumerTimer::AutoCommit => {
                if Self::take_due(&mut self.timers.auto_commit, now) {
                    self.schedule_auto_commit(ctx, now + self.config.auto_commit_interval_ms);
                    self.maybe_auto_commit(ctx);
                }
            }
            ConsumerTimer::MetadataRefresh => {
                if Self::take_due(&mut self.timers.metadata, now) {
                    self.request_metadata(ctx);
                }
            }
            ConsumerTimer::FetchBackoff(broker) => {
                if self.fetch_backoff.get(broker).is_some_and(|&t| t <= now) {
                    self.fetch_backoff.remove(broker);
                    self.drive(ctx);
                }
            }
            ConsumerTimer::RequestTimeout(id) => {
                if let Some(req) = self.in_flight.remove(id) {
                    self.unreachable_until
                        .insert(req.broker(), now + self.config.request_timeout_ms);
                    ctx.emit(EventKind::RequestTimedOut {
                        node: self.me(),
                        to: NodeId::Broker(req.broker()),
                        api: req.api().into(),
                    });
                    self.on_request_failed(ctx, req);
                    self.drive(ctx);
                }
            }
        }
    }

    /// A request got no answer in time (Kafka disconnects and fails it).
    fn on_request_failed(&mut self, ctx: &mut Ctx, req: InFlight) {
        let now = ctx.now();
        match req {
            InFlight::Metadata { .. } => {}
            InFlight::FindCoordinator { .. } => {
                self.coordinator_backoff_until =
                    now + self.exponential_backoff(self.coordinator_failures);
                self.coordinator_failures += 1;
            }
            InFlight::ListOffsets { tp, .. } | InFlight::OffsetForLeaderEpoch { tp, .. } => {
                match self.position_states.get(&tp) {
                    Some(PositionState::Resetting) => self.retry_position_later(ctx, tp, false),
                    Some(PositionState::Validating) => self.retry_position_later(ctx, tp, true),
                    _ => self.request_metadata_soon(ctx),
                }
            }
            InFlight::Fetch { broker, .. } => self.back_off_fetches(ctx, broker),
            group_request => {
                self.on_coordinator_request_failed(ctx, &group_request);
                self.mark_coordinator_unknown(ctx);
            }
        }
    }
}
