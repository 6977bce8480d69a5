//! The classic rebalance protocol on the coordinator: JoinGroup, SyncGroup, Heartbeat and
//! LeaveGroup, the join and sync phases with their deadlines, and member session expiry
//! (`GroupCoordinator.scala`: `handleJoinGroup`, `prepareRebalance`, `onCompleteJoin`,
//! `handleSyncGroup`, `onExpirePendingSync`, `handleHeartbeat`, `onExpireHeartbeat`).

use super::{Group, GroupState, InitialDelay, Member, NEW_MEMBER_JOIN_TIMEOUT_MS, Waiter};
use crate::assignor::{AssignorKind, MemberSubscription};
use crate::broker::Broker;
use crate::collections::LiteMapExt;
use crate::config::Millis;
use crate::error::ErrorCode;
use crate::event::EventKind;
use crate::ids::{NodeId, TopicName, TopicPartition};
use crate::kernel::Ctx;
use crate::message::Message;
use crate::timer::{BrokerTimer, Timer};
use rand::Rng;
use std::sync::Arc;

/// What a JoinGroup request says about the member.
struct JoinRequest<'a> {
    waiter: Waiter,
    member_id: &'a Arc<str>,
    session_timeout_ms: Millis,
    rebalance_timeout_ms: Millis,
    protocol: AssignorKind,
    topics: &'a [TopicName],
    owned_partitions: &'a [TopicPartition],
    generation: i32,
}

fn join_error(
    ctx: &mut Ctx,
    waiter: &Waiter,
    member_id: &Arc<str>,
    protocol: AssignorKind,
    error: ErrorCode,
) {
    ctx.send(
        waiter.client,
        Message::JoinGroupResponse {
            correlation_id: waiter.correlation_id,
            error: Some(error),
            generation: -1,
            member_id: member_id.clone(),
            leader: Arc::from(""),
            protocol,
            members: Vec::new(),
        },
    );
}

fn sync_response(
    ctx: &mut Ctx,
    waiter: &Waiter,
    error: Option<ErrorCode>,
    assignment: Vec<TopicPartition>,
) {
    ctx.send(
        waiter.client,
        Message::SyncGroupResponse {
            correlation_id: waiter.correlation_id,
            error,
            assignment,
        },
    );
}

/// The member list the leader receives, in join order.
fn member_subscriptions(group: &Group) -> Vec<MemberSubscription> {
    group
        .members_in_join_order()
        .into_iter()
        .map(|m| MemberSubscription {
            member_id: m.member_id.to_string(),
            topics: m.topics.clone(),
            owned_partitions: m.owned_partitions.clone(),
            generation: m.owned_generation,
        })
        .collect()
}

/// The JoinGroupResponse for the current generation (the leader also gets the members).
fn current_generation_response(group: &Group, member_id: &Arc<str>, waiter: &Waiter) -> Message {
    let is_leader = group.leader.as_ref() == Some(member_id);
    Message::JoinGroupResponse {
        correlation_id: waiter.correlation_id,
        error: None,
        generation: group.generation,
        member_id: member_id.clone(),
        leader: group.leader.clone().unwrap_or_else(|| Arc::from("")),
        protocol: group.protocol.unwrap_or_default(),
        members: if is_leader {
            member_subscriptions(group)
        } else {
            Vec::new()
        },
    }
}

impl Broker {
    pub(super) fn on_join_group(&mut self, ctx: &mut Ctx, from: NodeId, msg: &Message) {
        let Message::JoinGroup {
            correlation_id,
            group_id,
            member_id,
            session_timeout_ms,
            rebalance_timeout_ms,
            protocol,
            topics,
            owned_partitions,
            generation,
        } = msg
        else {
            return;
        };
        let req = JoinRequest {
            waiter: Waiter {
                client: from,
                correlation_id: *correlation_id,
            },
            member_id,
            session_timeout_ms: *session_timeout_ms,
            rebalance_timeout_ms: *rebalance_timeout_ms,
            protocol: *protocol,
            topics,
            owned_partitions,
            generation: *generation,
        };
        if !self.is_coordinator_for(group_id) {
            join_error(
                ctx,
                &req.waiter,
                member_id,
                req.protocol,
                ErrorCode::NotCoordinator,
            );
            return;
        }
        if member_id.is_empty() {
            self.join_new_member(ctx, group_id, &req);
        } else {
            self.join_known_member(ctx, group_id, &req);
        }
        if self
            .groups
            .groups
            .get(group_id)
            .is_some_and(|g| g.state == GroupState::PreparingRebalance)
        {
            self.try_complete_join(ctx, group_id);
        }
    }

    /// A member without an id gets one and must join again with it (MEMBER_ID_REQUIRED,
    /// KIP-394), so that a retried JoinGroup never leaves a nameless member behind.
    fn join_new_member(&mut self, ctx: &mut Ctx, group_id: &Arc<str>, req: &JoinRequest) {
        let now = ctx.now();
        let client_id = super::client_id(req.waiter.client, group_id);
        let suffix: u32 = ctx.rng().random();
        let member_id: Arc<str> = Arc::from(format!("{client_id}-{suffix:08x}"));
        let group = self
            .groups
            .groups
            .entry(group_id.clone())
            .or_insert_with(|| Group::new(group_id.clone()));
        if let Some(error) = group.join_precondition(req.protocol) {
            join_error(ctx, &req.waiter, req.member_id, req.protocol, error);
            return;
        }
        group
            .pending_members
            .insert(member_id.clone(), now + req.session_timeout_ms);
        ctx.set_timer(
            req.session_timeout_ms,
            Timer::Broker(BrokerTimer::MemberSession {
                group: group_id.clone(),
                member: member_id.clone(),
            }),
        );
        join_error(
            ctx,
            &req.waiter,
            &member_id,
            req.protocol,
            ErrorCode::MemberIdRequired,
        );
    }

    fn join_known_member(&mut self, ctx: &mut Ctx, group_id: &Arc<str>, req: &JoinRequest) {
        let member_id = req.member_id;
        let Some(group) = self.groups.groups.get_mut(group_id) else {
            join_error(
                ctx,
                &req.waiter,
                member_id,
                req.protocol,
                ErrorCode::UnknownMemberId,
            );
            return;
        };
        if let Some(error) = group.join_precondition(req.protocol) {
            join_error(ctx, &req.waiter, member_id, req.protocol, error);
            return;
        }
        if group.pending_members.remove(member_id).is_some() {
            self.add_member_and_rebalance(ctx, group_id, req);
            return;
        }
        let Some(member) = group.members.get(member_id) else {
            join_error(
                ctx,
                &req.waiter,
                member_id,
                req.protocol,
                ErrorCode::UnknownMemberId,
            );
            return;
        };
        let same_metadata = member.protocol == req.protocol
            && member.topics == req.topics
            && member.owned_partitions == req.owned_partitions;
        let is_leader = group.leader.as_ref() == Some(member_id);
        match group.state {
            GroupState::PreparingRebalance => {
                self.update_member(group_id, req);
            }
            GroupState::CompletingRebalance if same_metadata => {
                // A retried JoinGroup: answer with the current generation.
                let reply = current_generation_response(group, member_id, &req.waiter);
                ctx.send(req.waiter.client, reply);
            }
            GroupState::Stable if same_metadata && !is_leader => {
                let reply = current_generation_response(group, member_id, &req.waiter);
                ctx.send(req.waiter.client, reply);
            }
            GroupState::CompletingRebalance | GroupState::Stable => {
                let reason = if is_leader && same_metadata {
                    format!("leader {member_id} re-joined the group")
                } else {
                    format!("member {member_id} re-joined with new metadata")
                };
                self.update_member(group_id, req);
                self.prepare_rebalance(ctx, group_id, reason);
            }
            GroupState::Empty | GroupState::Dead => {
                join_error(
                    ctx,
                    &req.waiter,
                    member_id,
                    req.protocol,
                    ErrorCode::UnknownMemberId,
                );
            }
        }
    }

    /// An existing member rejoins: take its new metadata and park its JoinGroup.
    fn update_member(&mut self, group_id: &Arc<str>, req: &JoinRequest) {
        let Some(m) = self
            .groups
            .groups
            .get_mut(group_id)
            .and_then(|g| g.members.get_mut(req.member_id))
        else {
            return;
        };
        m.client = req.waiter.client;
        m.protocol = req.protocol;
        m.topics = req.topics.to_vec();
        m.owned_partitions = req.owned_partitions.to_vec();
        m.owned_generation = req.generation;
        m.session_timeout_ms = req.session_timeout_ms;
        m.rebalance_timeout_ms = req.rebalance_timeout_ms;
        // A JoinGroup already parked for this member is replaced (its client retried).
        m.awaiting_join = Some(req.waiter.clone());
    }

    fn add_member_and_rebalance(&mut self, ctx: &mut Ctx, group_id: &Arc<str>, req: &JoinRequest) {
        let now = ctx.now();
        let Some(group) = self.groups.groups.get_mut(group_id) else {
            return;
        };
        let member_id = req.member_id.clone();
        if group.state == GroupState::PreparingRebalance && group.generation == 0 {
            group.new_member_added = true;
        }
        group.next_join_order += 1;
        let consumer = match req.waiter.client {
            NodeId::Consumer(n) => Some(n),
            _ => None,
        };
        group.members.insert(
            member_id.clone(),
            Member {
                member_id: member_id.clone(),
                client: req.waiter.client,
                consumer,
                protocol: req.protocol,
                topics: req.topics.to_vec(),
                owned_partitions: req.owned_partitions.to_vec(),
                owned_generation: req.generation,
                assignment: Vec::new(),
                session_timeout_ms: req.session_timeout_ms,
                rebalance_timeout_ms: req.rebalance_timeout_ms,
                session_deadline: now,
                is_new: true,
                join_order: group.next_join_order,
                awaiting_join: Some(req.waiter.clone()),
                awaiting_sync: None,
            },
        );
        if group.leader.is_none() {
            group.leader = Some(member_id.clone());
        }
        // A new member cannot heartbeat while its JoinGroup is parked; it is dropped if the
        // join phase outlasts this.
        self.schedule_session(ctx, group_id, &member_id, NEW_MEMBER_JOIN_TIMEOUT_MS);
        self.maybe_prepare_rebalance(ctx, group_id, format!("new member {member_id} joined"));
    }

    fn maybe_prepare_rebalance(&mut self, ctx: &mut Ctx, group_id: &Arc<str>, reason: String) {
        let can = self.groups.groups.get(group_id).is_some_and(|g| {
            matches!(
                g.state,
                GroupState::Stable | GroupState::CompletingRebalance | GroupState::Empty
            )
        });
        if can {
            self.prepare_rebalance(ctx, group_id, reason);
        }
    }

    /// Enters PreparingRebalance: members must rejoin within the rebalance timeout (or, for
    /// an empty group, after `group.initial.rebalance.delay.ms`).
    pub(super) fn prepare_rebalance(&mut self, ctx: &mut Ctx, group_id: &Arc<str>, reason: String) {
        let now = ctx.now();
        let me = self.id;
        let initial_delay_ms = self.timeouts.group_initial_rebalance_delay_ms;
        let Some(group) = self.groups.groups.get_mut(group_id) else {
            return;
        };
        if group.state == GroupState::CompletingRebalance {
            // Members waiting in SyncGroup must rejoin.
            self.reset_and_propagate_assignment_error(
                ctx,
                group_id,
                ErrorCode::RebalanceInProgress,
            );
        }
        let group = self.groups.groups.get_mut(group_id).expect("present");
        group.pending_sync.clear();
        group.sync_deadline = None;
        let rebalance_timeout = group.rebalance_timeout_ms();
        let delay = if group.state == GroupState::Empty {
            group.initial_delay = Some(InitialDelay {
                delay_ms: initial_delay_ms,
                remaining_ms: rebalance_timeout.saturating_sub(initial_delay_ms),
            });
            initial_delay_ms
        } else {
            group.initial_delay = None;
            rebalance_timeout
        };
        group.state = GroupState::PreparingRebalance;
        group.join_deadline = Some(now + delay);
        let generation = group.generation;
        ctx.emit(EventKind::RebalanceStarted {
            group: group_id.clone(),
            coordinator: me,
            reason,
        });
        ctx.set_timer(
            delay,
            Timer::Broker(BrokerTimer::GroupJoinDeadline {
                group: group_id.clone(),
                generation,
            }),
        );
        self.try_complete_join(ctx, group_id);
    }

    /// Ends the join phase early once every known member has rejoined (not during the initial
    /// delay, which always runs its course).
    fn try_complete_join(&mut self, ctx: &mut Ctx, group_id: &Arc<str>) {
        let ready = self.groups.groups.get(group_id).is_some_and(|g| {
            g.state == GroupState::PreparingRebalance
                && g.initial_delay.is_none()
                && g.all_members_joined()
        });
        if ready {
            self.complete_join(ctx, group_id);
        }
    }

    pub(super) fn on_join_deadline(&mut self, ctx: &mut Ctx, group_id: &Arc<str>, generation: i32) {
        let now = ctx.now();
        let configured = self.timeouts.group_initial_rebalance_delay_ms;
        let Some(group) = self.groups.groups.get_mut(group_id) else {
            return;
        };
        if group.state != GroupState::PreparingRebalance
            || group.generation != generation
            || group.join_deadline != Some(now)
        {
            return;
        }
        if let Some(init) = group.initial_delay
            && group.new_member_added
            && init.remaining_ms != 0
        {
            // New members keep arriving: wait once more (InitialDelayedJoin.onComplete).
            group.new_member_added = false;
            let delay = configured.min(init.remaining_ms);
            group.initial_delay = Some(InitialDelay {
                delay_ms: delay,
                remaining_ms: init.remaining_ms.saturating_sub(init.delay_ms),
            });
            group.join_deadline = Some(now + delay);
            ctx.set_timer(
                delay,
                Timer::Broker(BrokerTimer::GroupJoinDeadline {
                    group: group_id.clone(),
                    generation,
                }),
            );
            return;
        }
        self.complete_join(ctx, group_id);
    }

    /// `onCompleteJoin`: drop members that did not rejoin, start the next generation and answer
    /// every parked JoinGroup; the leader's answer lists the members for the assignor.
    fn complete_join(&mut self, ctx: &mut Ctx, group_id: &Arc<str>) {
        let now = ctx.now();
        let Some(group) = self.groups.groups.get_mut(group_id) else {
            return;
        };
        group.join_deadline = None;
        group.initial_delay = None;
        group.new_member_added = false;
        let gone: Vec<Arc<str>> = group
            .members
            .values()
            .filter(|m| m.awaiting_join.is_none())
            .map(|m| m.member_id.clone())
            .collect();
        for id in &gone {
            group.remove_member(id);
            ctx.emit(EventKind::MemberRemoved {
                group: group_id.clone(),
                member: id.clone(),
                reason: "did not rejoin within the rebalance timeout".into(),
            });
        }
        if group
            .leader
            .as_ref()
            .is_none_or(|l| !group.members.contains_key(l))
        {
            group.leader = group
                .members_in_join_order()
                .first()
                .map(|m| m.member_id.clone());
        }
        group.generation += 1;
        if group.members.is_empty() {
            group.state = GroupState::Empty;
            group.protocol = None;
            group.leader = None;
            self.store_empty_group(ctx, group_id);
            return;
        }
        group.state = GroupState::CompletingRebalance;
        let leader = group
            .leader
            .clone()
            .expect("a group with members has a leader");
        group.protocol = Some(group.members[&leader].protocol);
        let subscriptions = member_subscriptions(group);
        let generation = group.generation;
        let protocol = group.protocol.unwrap_or_default();
        let mut sessions = Vec::new();
        for m in group.members.values_mut() {
            let Some(w) = m.awaiting_join.take() else {
                continue;
            };
            m.is_new = false;
            ctx.send(
                w.client,
                Message::JoinGroupResponse {
                    correlation_id: w.correlation_id,
                    error: None,
                    generation,
                    member_id: m.member_id.clone(),
                    leader: leader.clone(),
                    protocol,
                    members: if m.member_id == leader {
                        subscriptions.clone()
                    } else {
                        Vec::new()
                    },
                },
            );
            sessions.push((m.member_id.clone(), m.session_timeout_ms));
        }
        group.pending_sync = group.members.keys().cloned().collect();
        let rebalance_timeout = group.rebalance_timeout_ms();
        group.sync_deadline = Some(now + rebalance_timeout);
        ctx.set_timer(
            rebalance_timeout,
            Timer::Broker(BrokerTimer::GroupSyncDeadline {
                group: group_id.clone(),
                generation,
            }),
        );
        for (id, timeout) in sessions {
            self.schedule_session(ctx, group_id, &id, timeout);
        }
    }

    pub(super) fn on_sync_group(
        &mut self,
        ctx: &mut Ctx,
        waiter: Waiter,
        group_id: &Arc<str>,
        member_id: &Arc<str>,
        generation: i32,
        assignments: &[(String, Vec<TopicPartition>)],
    ) {
        if !self.is_coordinator_for(group_id) {
            sync_response(ctx, &waiter, Some(ErrorCode::NotCoordinator), Vec::new());
            return;
        }
        let Some(group) = self.groups.groups.get_mut(group_id) else {
            sync_response(ctx, &waiter, Some(ErrorCode::UnknownMemberId), Vec::new());
            return;
        };
        let error = if group.state == GroupState::Dead {
            Some(ErrorCode::CoordinatorNotAvailable)
        } else if !group.members.contains_key(member_id) {
            Some(ErrorCode::UnknownMemberId)
        } else if generation != group.generation {
            Some(ErrorCode::IllegalGeneration)
        } else {
            match group.state {
                GroupState::Empty => Some(ErrorCode::UnknownMemberId),
                GroupState::PreparingRebalance => Some(ErrorCode::RebalanceInProgress),
                _ => None,
            }
        };
        if let Some(e) = error {
            sync_response(ctx, &waiter, Some(e), Vec::new());
            return;
        }
        group.pending_sync.remove(member_id);
        if group.pending_sync.is_empty() {
            group.sync_deadline = None;
        }
        if group.state == GroupState::Stable {
            let assignment = group.members[member_id].assignment.clone();
            sync_response(ctx, &waiter, None, assignment);
            let timeout = group.members[member_id].session_timeout_ms;
            self.schedule_session(ctx, group_id, member_id, timeout);
            return;
        }
        // CompletingRebalance: park until the leader's assignment arrives.
        group
            .members
            .get_mut(member_id)
            .expect("checked")
            .awaiting_sync = Some(waiter);
        if group.leader.as_ref() != Some(member_id) {
            return;
        }
        // The leader's assignment is stored in the log first (members unknown to the group are
        // dropped, missing ones get nothing).
        let assignments = assignments
            .iter()
            .filter(|(id, _)| group.members.contains_key(id.as_str()))
            .map(|(id, a)| (Arc::from(id.as_str()), a.clone()))
            .collect();
        self.store_group_assignment(ctx, group_id, assignments);
    }

    /// The group metadata record is committed: the group is Stable and every member waiting
    /// in SyncGroup gets its assignment.
    pub(super) fn complete_group_sync(
        &mut self,
        ctx: &mut Ctx,
        group_id: &Arc<str>,
        generation: i32,
        assignments: Vec<(Arc<str>, Vec<TopicPartition>)>,
    ) {
        let Some(group) = self.groups.groups.get_mut(group_id) else {
            return;
        };
        if group.state != GroupState::CompletingRebalance || group.generation != generation {
            return;
        }
        for m in group.members.values_mut() {
            m.assignment = assignments
                .iter()
                .rev()
                .find(|(id, _)| *id == m.member_id)
                .map(|(_, a)| a.clone())
                .unwrap_or_default();
        }
        group.state = GroupState::Stable;
        ctx.emit(EventKind::GroupStable {
            group: group_id.clone(),
            generation,
            leader: group.leader.clone().unwrap_or_else(|| Arc::from("")),
            protocol: group
                .protocol
                .unwrap_or_default()
                .protocol_name()
                .to_string(),
        });
        self.propagate_assignment(ctx, group_id, None);
    }

    /// Answers every parked SyncGroup with the member's assignment (or the error) and restarts
    /// their session timers.
    fn propagate_assignment(
        &mut self,
        ctx: &mut Ctx,
        group_id: &Arc<str>,
        error: Option<ErrorCode>,
    ) {
        let Some(group) = self.groups.groups.get_mut(group_id) else {
            return;
        };
        let mut sessions = Vec::new();
        for m in group.members.values_mut() {
            if let Some(w) = m.awaiting_sync.take() {
                let assignment = if error.is_none() {
                    m.assignment.clone()
                } else {
                    Vec::new()
                };
                sync_response(ctx, &w, error, assignment);
                sessions.push((m.member_id.clone(), m.session_timeout_ms));
            }
        }
        for (id, timeout) in sessions {
            self.schedule_session(ctx, group_id, &id, timeout);
        }
    }

    pub(super) fn reset_and_propagate_assignment_error(
        &mut self,
        ctx: &mut Ctx,
        group_id: &Arc<str>,
        error: ErrorCode,
    ) {
        if let Some(group) = self.groups.groups.get_mut(group_id) {
            for m in group.members.values_mut() {
                m.assignment.clear();
            }
        }
        self.propagate_assignment(ctx, group_id, Some(error));
    }

    pub(super) fn on_sync_deadline(&mut self, ctx: &mut Ctx, group_id: &Arc<str>, generation: i32) {
        let now = ctx.now();
        let Some(group) = self.groups.groups.get_mut(group_id) else {
            return;
        };
        if group.generation != generation || group.sync_deadline != Some(now) {
            return;
        }
        group.sync_deadline = None;
        if !matches!(
            group.state,
            GroupState::CompletingRebalance | GroupState::Stable
        ) || group.pending_sync.is_empty()
        {
            return;
        }
        let missing: Vec<Arc<str>> = std::mem::take(&mut group.pending_sync)
            .into_iter()
            .collect();
        for id in &missing {
            group.remove_member(id);
            ctx.emit(EventKind::MemberRemoved {
                group: group_id.clone(),
                member: id.clone(),
                reason: "did not send SyncGroup within the rebalance timeout".into(),
            });
        }
        let names: Vec<&str> = missing.iter().map(|m| &**m).collect();
        self.prepare_rebalance(
            ctx,
            group_id,
            format!("removing {} on pending sync expiration", names.join(", ")),
        );
    }

    pub(super) fn on_heartbeat(
        &mut self,
        ctx: &mut Ctx,
        group_id: &Arc<str>,
        member_id: &Arc<str>,
        generation: i32,
    ) -> Option<ErrorCode> {
        if !self.is_coordinator_for(group_id) {
            return Some(ErrorCode::NotCoordinator);
        }
        let Some(group) = self.groups.groups.get(group_id) else {
            return Some(ErrorCode::UnknownMemberId);
        };
        if group.state == GroupState::Dead {
            return Some(ErrorCode::CoordinatorNotAvailable);
        }
        let Some(member) = group.members.get(member_id) else {
            return Some(ErrorCode::UnknownMemberId);
        };
        if generation != group.generation {
            return Some(ErrorCode::IllegalGeneration);
        }
        let error = match group.state {
            GroupState::Empty | GroupState::Dead => return Some(ErrorCode::UnknownMemberId),
            GroupState::PreparingRebalance => Some(ErrorCode::RebalanceInProgress),
            GroupState::CompletingRebalance | GroupState::Stable => None,
        };
        let timeout = member.session_timeout_ms;
        self.schedule_session(ctx, group_id, member_id, timeout);
        error
    }

    pub(super) fn on_leave_group(
        &mut self,
        ctx: &mut Ctx,
        group_id: &Arc<str>,
        member_id: &Arc<str>,
    ) -> Option<ErrorCode> {
        if !self.is_coordinator_for(group_id) {
            return Some(ErrorCode::NotCoordinator);
        }
        let Some(group) = self.groups.groups.get_mut(group_id) else {
            return Some(ErrorCode::UnknownMemberId);
        };
        if group.state == GroupState::Dead {
            return Some(ErrorCode::CoordinatorNotAvailable);
        }
        if group.pending_members.remove(member_id).is_some() {
            self.try_complete_join(ctx, group_id);
            return None;
        }
        if !group.members.contains_key(member_id) {
            return Some(ErrorCode::UnknownMemberId);
        }
        self.remove_member_and_update_group(
            ctx,
            group_id,
            member_id,
            format!("member {member_id} left the group (LeaveGroup)"),
        );
        None
    }

    /// `removeMemberAndUpdateGroup`: a parked JoinGroup of the member gets UNKNOWN_MEMBER_ID;
    /// a stable group rebalances; a rebalancing group may now complete its join phase.
    fn remove_member_and_update_group(
        &mut self,
        ctx: &mut Ctx,
        group_id: &Arc<str>,
        member_id: &Arc<str>,
        reason: String,
    ) {
        let Some(group) = self.groups.groups.get_mut(group_id) else {
            return;
        };
        let Some(m) = group.remove_member(member_id) else {
            return;
        };
        if let Some(w) = &m.awaiting_join {
            join_error(
                ctx,
                w,
                &Arc::from(""),
                m.protocol,
                ErrorCode::UnknownMemberId,
            );
        }
        group.pending_sync.remove(member_id);
        ctx.emit(EventKind::MemberRemoved {
            group: group_id.clone(),
            member: member_id.clone(),
            reason: reason.clone(),
        });
        match group.state {
            GroupState::Stable | GroupState::CompletingRebalance => {
                self.prepare_rebalance(ctx, group_id, reason)
            }
            GroupState::PreparingRebalance => self.try_complete_join(ctx, group_id),
            GroupState::Empty | GroupState::Dead => {}
        }
    }

    /// The member must heartbeat (or be parked in a join or sync) within `timeout`.
    pub(super) fn schedule_session(
        &mut self,
        ctx: &mut Ctx,
        group_id: &Arc<str>,
        member_id: &Arc<str>,
        timeout: Millis,
    ) {
        let now = ctx.now();
        let Some(m) = self
            .groups
            .groups
            .get_mut(group_id)
            .and_then(|g| g.members.get_mut(member_id))
        else {
            return;
        };
        m.session_deadline = now + timeout;
        ctx.set_timer(
            timeout,
            Timer::Broker(BrokerTimer::MemberSession {
                group: group_id.clone(),
                member: member_id.clone(),
            }),
        );
    }

    pub(super) fn on_session_deadline(
        &mut self,
        ctx: &mut Ctx,
        group_id: &Arc<str>,
        member_id: &Arc<str>,
    ) {
        let now = ctx.now();
        let Some(group) = self.groups.groups.get_mut(group_id) else {
            return;
        };
        if group.state == GroupState::Dead {
            return;
        }
        if let Some(&deadline) = group.pending_members.get(member_id) {
            if now >= deadline {
                group.pending_members.remove(member_id);
                self.try_complete_join(ctx, group_id);
            }
            return;
        }
        let Some(m) = group.members.get(member_id) else {
            return;
        };
        if m.heartbeat_satisfied(now) {
            return;
        }
        let reason = if m.is_new {
            format!("new member {member_id} waited too long in JoinGroup")
        } else {
            format!(
                "member {member_id} sent no heartbeat for session.timeout.ms ({} ms)",
                m.session_timeout_ms
            )
        };
        self.remove_member_and_update_group(ctx, group_id, member_id, reason);
    }
}
