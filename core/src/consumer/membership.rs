//! Group membership on the client (`AbstractCoordinator` / `ConsumerCoordinator`): find the
//! coordinator, prepare (commit, revoke), JoinGroup, SyncGroup (the leader assigns),
//! heartbeat, commit offsets, leave.

use super::{CommitPurpose, Consumer, InFlight, MemberState, PositionState};
use crate::assignor::{self, AssignorKind, MemberSubscription};
use crate::collections::{LiteMap, LiteMapExt, SortedSet, map_from_iter};
use crate::error::ErrorCode;
use crate::event::EventKind;
use crate::ids::{BrokerId, NO_LEADER, NodeId, TopicName, TopicPartition};
use crate::kernel::Ctx;
use crate::message::Message;
use crate::timer::ConsumerTimer;
use std::sync::Arc;

/// Kafka gives a JoinGroup this long beyond the rebalance timeout before giving up on it
/// (`AbstractCoordinator.JOIN_GROUP_TIMEOUT_LAPSE`).
const JOIN_GROUP_TIMEOUT_LAPSE_MS: u64 = 5_000;

impl Consumer {
    pub(super) fn drive_group(&mut self, ctx: &mut Ctx) {
        let now = ctx.now();
        let Some(coordinator) = self.coordinator else {
            self.find_coordinator(ctx);
            return;
        };
        if self.state == MemberState::Stable && self.assignment_changed_in_metadata() {
            // Only the leader watches partition counts; its JoinGroup makes the coordinator
            // rebalance the group.
            self.rejoin_needed = true;
        }
        if self.state != MemberState::Unjoined && !self.rejoin_needed {
            return;
        }
        if matches!(
            self.state,
            MemberState::PreparingRebalance | MemberState::CompletingRebalance
        ) || self
            .has_in_flight(|r| matches!(r, InFlight::JoinGroup { .. } | InFlight::SyncGroup { .. }))
        {
            return;
        }
        if !self.metadata_ready() {
            return;
        }
        if !self.join_prepared && !self.on_join_prepare(ctx) {
            return;
        }
        if now < self.join_backoff_until {
            self.wake(ctx, self.join_backoff_until);
            return;
        }
        self.send_join_group(ctx, coordinator);
    }

    /// The leader's assignment was computed from partition counts that have since changed.
    fn assignment_changed_in_metadata(&self) -> bool {
        self.assignment_snapshot.as_ref().is_some_and(|snap| {
            snap.iter()
                .any(|(t, &n)| self.metadata.partition_count(t) != n)
        })
    }

    fn find_coordinator(&mut self, ctx: &mut Ctx) {
        let now = ctx.now();
        if self.has_in_flight(|r| matches!(r, InFlight::FindCoordinator { .. })) {
            return;
        }
        if now < self.coordinator_backoff_until {
            self.wake(ctx, self.coordinator_backoff_until);
            return;
        }
        let Some(broker) = self.pick_broker(now) else {
            return;
        };
        let group_id = self.group.clone();
        self.send_request(
            ctx,
            InFlight::FindCoordinator { broker },
            self.config.request_timeout_ms,
            |correlation_id| Message::FindCoordinator {
                correlation_id,
                group_id,
            },
        );
    }

    pub(super) fn on_find_coordinator_response(
        &mut self,
        ctx: &mut Ctx,
        correlation_id: u64,
        error: Option<ErrorCode>,
        coordinator: BrokerId,
    ) {
        if self
            .take_in_flight(correlation_id, |r| {
                matches!(r, InFlight::FindCoordinator { .. })
            })
            .is_none()
        {
            return;
        }
        let now = ctx.now();
        if error.is_some() || coordinator == NO_LEADER {
            self.coordinator_backoff_until =
                now + self.exponential_backoff(self.coordinator_failures);
            self.coordinator_failures += 1;
            // A commit waiting on this lookup fails as retriable: the auto-commit timer
            // is reset to `retry.backoff.ms`.
            if std::mem::take(&mut self.auto_commit_awaits_coordinator) {
                self.schedule_auto_commit(ctx, now + self.backoff());
            }
        } else {
            self.coordinator_failures = 0;
            self.coordinator = Some(coordinator);
            self.last_heartbeat_ok = now;
            if matches!(
                self.state,
                MemberState::Stable | MemberState::CompletingRebalance
            ) {
                self.arm_heartbeat(ctx);
            }
        }
        if self.coordinator.is_some() && std::mem::take(&mut self.auto_commit_awaits_coordinator) {
            self.maybe_auto_commit(ctx);
        }
        self.drive(ctx);
    }

    /// `markCoordinatorUnknown`: requests to the old coordinator are failed; the next drive
    /// looks for the coordinator again.
    pub(super) fn mark_coordinator_unknown(&mut self, ctx: &mut Ctx) {
        if self.coordinator.is_none() {
            return;
        }
        self.coordinator = None;
        let failed: Vec<u64> = self
            .in_flight
            .iter()
            .filter(|(_, r)| r.to_coordinator())
            .map(|(&id, _)| id)
            .collect();
        for id in failed {
            let req = self.in_flight.remove(&id).expect("listed");
            self.on_coordinator_request_failed(ctx, &req);
        }
    }

    /// Undoes the effect of a coordinator request that will never be answered.
    pub(super) fn on_coordinator_request_failed(&mut self, ctx: &mut Ctx, req: &InFlight) {
        let now = ctx.now();
        match req {
            InFlight::JoinGroup { .. } | InFlight::SyncGroup { .. } => {
                if matches!(
                    self.state,
                    MemberState::PreparingRebalance | MemberState::CompletingRebalance
                ) {
                    self.state = MemberState::Unjoined;
                }
            }
            InFlight::OffsetCommit {
                purpose: CommitPurpose::JoinPrepare,
                ..
            } => {
                self.prepare_commit_retry_at = Some(now + self.backoff());
            }
            // A disconnect fails the auto-commit as retriable (`autoCommitOffsetsAsync`).
            InFlight::OffsetCommit {
                purpose: CommitPurpose::Auto,
                ..
            } => {
                self.schedule_auto_commit(ctx, now + self.backoff());
            }
            InFlight::OffsetFetch { .. } => {
                for st in self.position_states.values_mut() {
                    if *st == PositionState::FetchingCommitted {
                        *st = PositionState::NeedCommitted;
                    }
                }
            }
            _ => {}
        }
    }

    /// `onJoinPrepare`: with auto-commit, commit consumed positions first (waiting for the
    /// answer, retrying retriable errors until the rebalance timeout); then revoke: every
    /// partition for the eager protocols, none for cooperative-sticky, all as lost when the
    /// member is no longer in a generation. Returns whether JoinGroup may be sent now.
    fn on_join_prepare(&mut self, ctx: &mut Ctx) -> bool {
        let now = ctx.now();
        let deadline = *self
            .join_prepare_deadline
            .get_or_insert(now + self.config.max_poll_interval_ms);
        let in_generation = self.in_generation();
        if self.config.enable_auto_commit
            && in_generation
            && !self.prepare_commit_done
            && now < deadline
        {
            // Wait for commits in flight (an auto-commit may already cover the positions).
            if self.has_in_flight(|r| matches!(r, InFlight::OffsetCommit { .. })) {
                return false;
            }
            let offsets = self.offsets_to_commit();
            if !offsets.is_empty() {
                if let Some(t) = self.prepare_commit_retry_at.filter(|&t| t > now) {
                    self.wake(ctx, t.min(deadline));
                    return false;
                }
                if self.coordinator.is_none() {
                    return false;
                }
                self.fetch_paused = !self.assignor.is_cooperative();
                self.send_commit(ctx, offsets, CommitPurpose::JoinPrepare);
                self.wake(ctx, deadline);
                return false;
            }
        }
        let revoke = if !in_generation || !self.assignor.is_cooperative() {
            std::mem::take(&mut self.assignment)
        } else {
            Vec::new()
        };
        self.drop_partitions(ctx, &revoke, !in_generation);
        self.revoked_uncommitted.clear();
        self.prepare_commit_done = false;
        self.prepare_commit_retry_at = None;
        self.join_prepare_deadline = None;
        self.fetch_paused = false;
        self.is_leader = false;
        self.assignment_snapshot = None;
        self.join_prepared = true;
        true
    }

    /// Forgets partitions (revoked, or `lost`) and tells the application.
    pub(super) fn drop_partitions(
        &mut self,
        ctx: &mut Ctx,
        partitions: &[TopicPartition],
        lost: bool,
    ) {
        if partitions.is_empty() {
            return;
        }
        for tp in partitions {
            self.positions.remove(tp);
            self.position_states.remove(tp);
            self.position_epochs.remove(tp);
        }
        self.assignment.retain(|tp| !partitions.contains(tp));
        ctx.emit(EventKind::PartitionsRevoked {
            consumer: self.id,
            group: self.group.clone(),
            partitions: partitions.to_vec(),
            lost,
        });
    }

    fn send_join_group(&mut self, ctx: &mut Ctx, coordinator: BrokerId) {
        self.state = MemberState::PreparingRebalance;
        let (owned_partitions, generation) = if self.assignor == AssignorKind::Sticky {
            // The eager sticky assignor reports its previous assignment in its user data.
            (self.prev_assignment.clone(), self.prev_generation)
        } else {
            (self.assignment.clone(), self.generation)
        };
        let timeout = self
            .config
            .request_timeout_ms
            .max(self.config.max_poll_interval_ms + JOIN_GROUP_TIMEOUT_LAPSE_MS);
        let group_id = self.group.clone();
        let member_id = self.member_id.clone().unwrap_or_else(|| Arc::from(""));
        let (protocol, topics) = (self.assignor, self.topics.clone());
        let session_timeout_ms = self.config.session_timeout_ms;
        let rebalance_timeout_ms = self.config.max_poll_interval_ms;
        self.send_request(
            ctx,
            InFlight::JoinGroup {
                broker: coordinator,
            },
            timeout,
            |correlation_id| Message::JoinGroup {
                correlation_id,
                group_id,
                member_id,
                session_timeout_ms,
                rebalance_timeout_ms,
                protocol,
                topics,
                owned_partitions,
                generation,
            },
        );
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) fn on_join_group_response(
        &mut self,
        ctx: &mut Ctx,
        correlation_id: u64,
        error: Option<ErrorCode>,
        generation: i32,
        member_id: &Arc<str>,
        leader: &Arc<str>,
        protocol: AssignorKind,
        members: &[MemberSubscription],
    ) {
        let Some(req) =
            self.take_in_flight(correlation_id, |r| matches!(r, InFlight::JoinGroup { .. }))
        else {
            return;
        };
        let now = ctx.now();
        // `JoinGroupResponseHandler`: a member reset meanwhile (e.g. by an OffsetCommit's
        // UNKNOWN_MEMBER_ID) does not take the generation (UnjoinedGroupException).
        if error.is_none() && self.state != MemberState::PreparingRebalance {
            return;
        }
        if error.is_some() {
            self.state = MemberState::Unjoined;
        }
        match error {
            None => {
                self.member_id = Some(member_id.clone());
                self.generation = generation;
                self.is_leader = leader == member_id;
                self.state = MemberState::CompletingRebalance;
                self.last_heartbeat_ok = now;
                self.arm_heartbeat(ctx);
                let assignments = if self.is_leader {
                    self.perform_assignment(protocol, members)
                } else {
                    Vec::new()
                };
                let group_id = self.group.clone();
                let member_id = member_id.clone();
                self.send_request(
                    ctx,
                    InFlight::SyncGroup {
                        broker: req.broker(),
                        generation,
                    },
                    self.config.request_timeout_ms,
                    |correlation_id| Message::SyncGroup {
                        correlation_id,
                        group_id,
                        member_id,
                        generation,
                        assignments,
                    },
                );
            }
            Some(ErrorCode::MemberIdRequired) => {
                self.member_id = Some(member_id.clone());
            }
            Some(ErrorCode::UnknownMemberId) => self.reset_state(true),
            Some(ErrorCode::NotCoordinator | ErrorCode::CoordinatorNotAvailable) => {
                self.mark_coordinator_unknown(ctx)
            }
            Some(ErrorCode::InconsistentGroupProtocol) => {
                self.fail(ctx, ErrorCode::InconsistentGroupProtocol);
                return;
            }
            Some(ErrorCode::RebalanceInProgress | ErrorCode::IllegalGeneration) => {}
            Some(_) => self.join_backoff_until = now + self.backoff(),
        }
        self.drive(ctx);
    }

    /// The leader runs the assignor over every member's subscription, with partition counts
    /// from its own metadata.
    fn perform_assignment(
        &mut self,
        protocol: AssignorKind,
        members: &[MemberSubscription],
    ) -> Vec<(String, Vec<TopicPartition>)> {
        let topics: SortedSet<&TopicName> = members.iter().flat_map(|m| &m.topics).collect();
        let counts: LiteMap<TopicName, u32> = map_from_iter(
            topics
                .into_iter()
                .map(|t| (t.clone(), self.metadata.partition_count(t)))
                .filter(|(_, n)| *n > 0),
        );
        let result = assignor::assign_sorted(protocol, counts.as_slice(), members);
        self.assignment_snapshot = Some(counts);
        result
    }

    pub(super) fn on_sync_group_response(
        &mut self,
        ctx: &mut Ctx,
        correlation_id: u64,
        error: Option<ErrorCode>,
        assignment: &[TopicPartition],
    ) {
        let Some(InFlight::SyncGroup {
            generation: sent, ..
        }) = self.take_in_flight(correlation_id, |r| matches!(r, InFlight::SyncGroup { .. }))
        else {
            return;
        };
        let now = ctx.now();
        match error {
            None if self.state == MemberState::CompletingRebalance && sent == self.generation => {
                self.state = MemberState::Stable;
                self.on_join_complete(ctx, assignment);
            }
            None => self.state = MemberState::Unjoined,
            Some(e) => {
                self.state = MemberState::Unjoined;
                match e {
                    ErrorCode::RebalanceInProgress => self.rejoin_needed = true,
                    ErrorCode::UnknownMemberId | ErrorCode::IllegalGeneration => {
                        if sent == self.generation {
                            self.reset_state(e == ErrorCode::UnknownMemberId);
                        }
                    }
                    ErrorCode::NotCoordinator | ErrorCode::CoordinatorNotAvailable => {
                        self.mark_coordinator_unknown(ctx)
                    }
                    _ => self.join_backoff_until = now + self.backoff(),
                }
            }
        }
        self.drive(ctx);
    }

    /// `onJoinComplete`: take the new assignment. A cooperative member gives up partitions it
    /// owns but was not assigned, then rejoins so that they can be handed out.
    fn on_join_complete(&mut self, ctx: &mut Ctx, assigned: &[TopicPartition]) {
        let now = ctx.now();
        if !self.is_leader {
            self.assignment_snapshot = None;
        }
        let owned = self.assignment.clone();
        let added: Vec<TopicPartition> = assigned
            .iter()
            .filter(|tp| !owned.contains(tp))
            .cloned()
            .collect();
        let revoked = assignor::revoked_partitions(&owned, assigned);
        self.rejoin_needed = false;
        if !revoked.is_empty() {
            // Only a cooperative member still owns partitions here.
            for tp in &revoked {
                if let Some(&pos) = self.positions.get(tp)
                    && self.config.enable_auto_commit
                    && self.committed.get(tp) != Some(&pos)
                {
                    self.revoked_uncommitted.insert(tp.clone(), pos);
                }
            }
            self.drop_partitions(ctx, &revoked, false);
            self.rejoin_needed = true;
        }
        self.assignment = assigned.to_vec();
        self.prev_assignment = assigned.to_vec();
        self.prev_generation = self.generation;
        for tp in &added {
            self.position_states
                .insert(tp.clone(), PositionState::NeedCommitted);
        }
        ctx.emit(EventKind::PartitionsAssigned {
            consumer: self.id,
            group: self.group.clone(),
            generation: self.generation,
            partitions: added,
        });
        self.join_prepared = false;
        self.last_heartbeat_ok = now;
        self.schedule_auto_commit(ctx, now + self.config.auto_commit_interval_ms);
        self.arm_heartbeat(ctx);
    }

    /// `resetStateAndRejoin`: the member is no longer in its generation (and maybe no longer
    /// known at all); its partitions count as lost at the next join.
    fn reset_state(&mut self, reset_member_id: bool) {
        self.generation = -1;
        if reset_member_id {
            self.member_id = None;
        }
        self.state = MemberState::Unjoined;
        self.rejoin_needed = true;
        self.join_prepared = false;
        self.is_leader = false;
    }

    fn fail(&mut self, ctx: &mut Ctx, error: ErrorCode) {
        let assignment = self.assignment.clone();
        let lost = self.partitions_would_be_lost();
        self.drop_partitions(ctx, &assignment, lost);
        self.fatal_error = Some(error);
        self.state = MemberState::Failed;
        self.in_flight.clear();
        ctx.emit(EventKind::ConsumerFailed {
            consumer: self.id,
            group: self.group.clone(),
            error,
        });
    }

    // --- heartbeats ---

    pub(super) fn arm_heartbeat(&mut self, ctx: &mut Ctx) {
        if self.timers.heartbeat.is_none() {
            let at = ctx.now() + self.config.heartbeat_interval_ms;
            Self::schedule(
                ctx,
                &mut self.timers.heartbeat,
                at,
                ConsumerTimer::Heartbeat,
            );
        }
    }

    /// Every `heartbeat.interval.ms` while in a generation. With no successful heartbeat for
    /// `session.timeout.ms` the client gives up on the coordinator and looks for it again.
    pub(super) fn on_heartbeat_timer(&mut self, ctx: &mut Ctx) {
        let now = ctx.now();
        if !matches!(
            self.state,
            MemberState::Stable | MemberState::CompletingRebalance
        ) {
            return;
        }
        self.arm_heartbeat(ctx);
        let Some(coordinator) = self.coordinator else {
            self.drive(ctx);
            return;
        };
        if now.saturating_sub(self.last_heartbeat_ok) >= self.config.session_timeout_ms {
            self.mark_coordinator_unknown(ctx);
            self.drive(ctx);
            return;
        }
        if self.has_in_flight(|r| matches!(r, InFlight::Heartbeat { .. })) {
            return;
        }
        let (group_id, generation) = (self.group.clone(), self.generation);
        let member_id = self.member_id.clone().unwrap_or_else(|| Arc::from(""));
        self.send_request(
            ctx,
            InFlight::Heartbeat {
                broker: coordinator,
                generation,
            },
            self.config.request_timeout_ms,
            |correlation_id| Message::Heartbeat {
                correlation_id,
                group_id,
                member_id,
                generation,
            },
        );
    }

    pub(super) fn on_heartbeat_response(
        &mut self,
        ctx: &mut Ctx,
        correlation_id: u64,
        error: Option<ErrorCode>,
    ) {
        let Some(InFlight::Heartbeat {
            generation: sent, ..
        }) = self.take_in_flight(correlation_id, |r| matches!(r, InFlight::Heartbeat { .. }))
        else {
            return;
        };
        let now = ctx.now();
        match error {
            None => self.last_heartbeat_ok = now,
            Some(ErrorCode::RebalanceInProgress) => {
                self.last_heartbeat_ok = now;
                if self.state == MemberState::Stable {
                    self.rejoin_needed = true;
                }
            }
            Some(e @ (ErrorCode::IllegalGeneration | ErrorCode::UnknownMemberId)) => {
                if sent == self.generation {
                    self.reset_state(e == ErrorCode::UnknownMemberId);
                }
            }
            Some(ErrorCode::NotCoordinator | ErrorCode::CoordinatorNotAvailable) => {
                self.mark_coordinator_unknown(ctx)
            }
            Some(_) => {}
        }
        self.drive(ctx);
    }

    // --- offset commits ---

    /// Positions not yet committed: owned partitions, plus (cooperative) revoked ones.
    pub(super) fn offsets_to_commit(&self) -> Vec<(TopicPartition, u64)> {
        let mut out: LiteMap<TopicPartition, u64> = self.revoked_uncommitted.clone();
        for tp in &self.assignment {
            if let Some(&pos) = self.positions.get(tp) {
                out.insert(tp.clone(), pos);
            }
        }
        out.retain(|tp, pos| self.committed.get(tp) != Some(pos));
        out.into_iter().collect()
    }

    fn send_commit(
        &mut self,
        ctx: &mut Ctx,
        offsets: Vec<(TopicPartition, u64)>,
        purpose: CommitPurpose,
    ) {
        let Some(coordinator) = self.coordinator else {
            return;
        };
        let (group_id, generation) = (self.group.clone(), self.generation);
        let member_id = self.member_id.clone().unwrap_or_else(|| Arc::from(""));
        // KIP-320: each offset goes with the leader epoch of the last record consumed below
        // it (`OffsetAndMetadata(offset, offsetEpoch)`), where the consumer knows it.
        let leader_epochs = offsets
            .iter()
            .filter_map(|(tp, _)| Some((tp.clone(), self.position_epochs.get(tp)?.0)))
            .collect();
        self.send_request(
            ctx,
            InFlight::OffsetCommit {
                broker: coordinator,
                generation,
                purpose,
            },
            self.config.request_timeout_ms,
            |correlation_id| Message::OffsetCommit {
                correlation_id,
                group_id,
                member_id,
                generation,
                offsets,
                leader_epochs,
            },
        );
    }

    /// `auto.commit.interval.ms` passed: commit consumed positions if any moved. With the
    /// coordinator unknown, the commit waits for the lookup (`commitOffsetsAsync`).
    pub(super) fn maybe_auto_commit(&mut self, ctx: &mut Ctx) {
        if !self.config.enable_auto_commit
            || self.state != MemberState::Stable
            || self.has_in_flight(|r| matches!(r, InFlight::OffsetCommit { .. }))
        {
            return;
        }
        if self.coordinator.is_none() {
            self.auto_commit_awaits_coordinator = true;
            return;
        }
        let offsets = self.offsets_to_commit();
        if !offsets.is_empty() {
            self.send_commit(ctx, offsets, CommitPurpose::Auto);
        }
    }

    pub(super) fn on_offset_commit_response(
        &mut self,
        ctx: &mut Ctx,
        correlation_id: u64,
        error: Option<ErrorCode>,
        offsets: &[(TopicPartition, u64)],
    ) {
        let Some(InFlight::OffsetCommit {
            generation: sent,
            purpose,
            ..
        }) = self.take_in_flight(correlation_id, |r| {
            matches!(r, InFlight::OffsetCommit { .. })
        })
        else {
            return;
        };
        let now = ctx.now();
        let mut retriable = false;
        match error {
            None => {
                for (tp, offset) in offsets {
                    self.committed.insert(tp.clone(), *offset);
                }
            }
            Some(
                ErrorCode::NotCoordinator
                | ErrorCode::CoordinatorNotAvailable
                | ErrorCode::RequestTimedOut,
            ) => {
                retriable = true;
                self.mark_coordinator_unknown(ctx);
            }
            Some(ErrorCode::RebalanceInProgress) => self.rejoin_needed = true,
            Some(e @ (ErrorCode::UnknownMemberId | ErrorCode::IllegalGeneration)) => {
                // `OffsetCommitResponseHandler`: only a member that has already rejoined in a
                // newer generation keeps its state.
                if sent == self.generation || self.state != MemberState::PreparingRebalance {
                    self.reset_state(e == ErrorCode::UnknownMemberId);
                }
            }
            Some(_) => {}
        }
        // `autoCommitOffsetsAsync`: a retriable failure resets the auto-commit timer to
        // `retry.backoff.ms`, not to a whole interval.
        if purpose == CommitPurpose::Auto && retriable {
            self.schedule_auto_commit(ctx, now + self.backoff());
        }
        if purpose == CommitPurpose::JoinPrepare {
            if retriable {
                self.prepare_commit_retry_at = Some(now + self.backoff());
            } else {
                self.prepare_commit_done = true;
            }
        }
        self.drive(ctx);
    }

    /// A member of the group's current generation, as far as it knows.
    fn in_generation(&self) -> bool {
        self.generation >= 0 && self.member_id.is_some()
    }

    /// `onLeavePrepare`: partitions given up outside a generation, or during a rebalance,
    /// are lost rather than revoked.
    fn partitions_would_be_lost(&self) -> bool {
        !self.in_generation()
            || matches!(
                self.state,
                MemberState::PreparingRebalance | MemberState::CompletingRebalance
            )
    }

    /// `close()`: final commit, revoke (or lose), LeaveGroup. Nothing is awaited.
    pub(super) fn leave_group(&mut self, ctx: &mut Ctx) {
        let in_generation = self.in_generation();
        if self.config.enable_auto_commit && self.state == MemberState::Stable && in_generation {
            let offsets = self.offsets_to_commit();
            if !offsets.is_empty() {
                self.send_commit(ctx, offsets, CommitPurpose::Leave);
            }
        }
        let assignment = self.assignment.clone();
        let lost = self.partitions_would_be_lost();
        self.drop_partitions(ctx, &assignment, lost);
        if let (Some(coordinator), Some(member_id)) = (self.coordinator, self.member_id.clone())
            && self.state != MemberState::Unjoined
        {
            self.next_correlation += 1;
            ctx.send(
                NodeId::Broker(coordinator),
                Message::LeaveGroup {
                    correlation_id: self.next_correlation,
                    group_id: self.group.clone(),
                    member_id,
                },
            );
        }
        self.member_id = None;
        self.generation = -1;
    }
}
