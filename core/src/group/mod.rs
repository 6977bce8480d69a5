//! Group coordinator (broker side) for Kafka's classic consumer group protocol.
//!
//! The coordinator of a group is the broker leading partition
//! `abs(groupId.hashCode()) % offsets.topic.num.partitions` of `__consumer_offsets`
//! (`kafka.coordinator.group.GroupCoordinator`, `GroupMetadataManager`). This module holds the
//! state a broker keeps for the groups it coordinates and routes requests and timers;
//! `membership.rs` is the rebalance state machine (JoinGroup, SyncGroup, Heartbeat,
//! LeaveGroup), `offsets.rs` stores committed offsets in `__consumer_offsets` and rebuilds them
//! when this broker becomes leader of an offsets partition.
//!
//! Simplifications (documented for the UI): the group metadata record written at each new
//! generation is only read back for its generation number, so a new coordinator starts every
//! group Empty (members rejoin after their heartbeats fail) but continues its generation count;
//! static membership, group size limits, session timeout bounds and offset expiry are not
//! modelled.

mod membership;
mod offsets;

use crate::assignor::AssignorKind;
use crate::broker::Broker;
use crate::collections::{LiteMap, SortedSet, sort_by_key};
use crate::config::Millis;
use crate::error::ErrorCode;
use crate::ids::{BrokerId, NO_LEADER, NodeId, TopicName, TopicPartition};
use crate::kernel::Ctx;
use crate::message::Message;
use crate::partitioner::group_coordinator_partition;
use crate::timer::BrokerTimer;
use crate::topic::GROUP_METADATA_TOPIC_NAME;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

pub use offsets::{
    CoordinatorRecord, PendingWrite, WriteKind, group_record, offset_record_key, parse_record,
};

/// `offsets.commit.timeout.ms`: an offset commit fails if its record is not replicated (the
/// high watermark has not passed it) within this long.
pub const OFFSETS_COMMIT_TIMEOUT_MS: Millis = 5_000;

/// How long a new member's JoinGroup may wait in the join phase before the coordinator drops
/// it (`GroupCoordinator.NewMemberJoinTimeoutMs`, 5 minutes).
pub const NEW_MEMBER_JOIN_TIMEOUT_MS: Millis = 300_000;

/// The classic group states (`kafka.coordinator.group.GroupState`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum GroupState {
    /// No members; committed offsets may remain.
    Empty,
    /// Waiting for members to (re)join; heartbeats answer REBALANCE_IN_PROGRESS.
    PreparingRebalance,
    /// Everyone joined; waiting for the leader's assignment in SyncGroup.
    CompletingRebalance,
    /// Assignment handed out; members heartbeat.
    Stable,
    /// The group is being removed (Kafka: unloaded or deleted).
    Dead,
}

impl GroupState {
    /// Kafka's name, as `kafka-consumer-groups --describe --state` prints it.
    pub fn name(self) -> &'static str {
        match self {
            GroupState::Empty => "Empty",
            GroupState::PreparingRebalance => "PreparingRebalance",
            GroupState::CompletingRebalance => "CompletingRebalance",
            GroupState::Stable => "Stable",
            GroupState::Dead => "Dead",
        }
    }
}

/// A request the coordinator holds and answers later (a parked JoinGroup or SyncGroup).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Waiter {
    pub client: NodeId,
    pub correlation_id: u64,
}

/// One member of a group, as the coordinator knows it (`MemberMetadata`).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Member {
    pub member_id: Arc<str>,
    /// The client node that joined with this member id.
    pub client: NodeId,
    /// The consumer's number when the client is a simulated consumer (CONSUMER-ID column).
    pub consumer: Option<u32>,
    pub protocol: AssignorKind,
    pub topics: Vec<TopicName>,
    /// Partitions the member reported owning when it last joined.
    pub owned_partitions: Vec<TopicPartition>,
    pub owned_generation: i32,
    /// What the leader assigned to it in the current generation.
    pub assignment: Vec<TopicPartition>,
    pub session_timeout_ms: Millis,
    pub rebalance_timeout_ms: Millis,
    /// The member is removed if it has not heartbeated by then (unless it is waiting in a
    /// JoinGroup or SyncGroup, which keeps it alive).
    pub session_deadline: Millis,
    /// Joined in the current join phase and has not yet received a generation.
    pub is_new: bool,
    /// Order of joining: the leader's JoinGroupResponse lists members in this order.
    pub join_order: u64,
    pub awaiting_join: Option<Waiter>,
    pub awaiting_sync: Option<Waiter>,
}

/// The `client.id` a client joins group `group` with: a consumer's is Kafka's default,
/// `consumer-<group>-<n>` (Kafka numbers a process's consumers from 1; here `n` is the
/// consumer's own number, as the diagram names it). The member id is it plus `-` and a
/// random suffix, and `kafka-consumer-groups --describe` prints it as CLIENT-ID.
pub fn client_id(client: NodeId, group: &str) -> String {
    match client {
        NodeId::Consumer(n) => format!("consumer-{group}-{n}"),
        other => other.to_string(),
    }
}

impl Member {
    /// `MemberMetadata.hasSatisfiedHeartbeat` at time `now`.
    fn heartbeat_satisfied(&self, now: Millis) -> bool {
        if !self.is_new && (self.awaiting_join.is_some() || self.awaiting_sync.is_some()) {
            return true;
        }
        now < self.session_deadline
    }
}

/// The first rebalance of an empty group waits `group.initial.rebalance.delay.ms`, and again
/// while new members keep arriving, up to the rebalance timeout (`InitialDelayedJoin`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InitialDelay {
    pub delay_ms: Millis,
    pub remaining_ms: Millis,
}

/// One group (`GroupMetadata`).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Group {
    pub group_id: Arc<str>,
    pub state: GroupState,
    /// Incremented at the end of every join phase; 0 before the first rebalance.
    pub generation: i32,
    /// The assignor the members agreed on, once there is a generation with members.
    pub protocol: Option<AssignorKind>,
    pub leader: Option<Arc<str>>,
    pub members: LiteMap<Arc<str>, Member>,
    /// Member ids handed out with MEMBER_ID_REQUIRED, with the time they expire unless the
    /// client joins with them.
    pub pending_members: LiteMap<Arc<str>, Millis>,
    /// Members of the current generation that have not sent SyncGroup yet.
    pub pending_sync: SortedSet<Arc<str>>,
    /// Committed offsets, rebuilt from `__consumer_offsets` records below the high watermark.
    pub committed: LiteMap<TopicPartition, u64>,
    /// The leader epochs committed with them, where the commit carried one (KIP-320).
    pub committed_epochs: LiteMap<TopicPartition, i32>,
    /// When the current join phase ends (at the latest).
    pub join_deadline: Option<Millis>,
    /// Present while the first rebalance of an empty group is delayed.
    pub initial_delay: Option<InitialDelay>,
    /// A member joined during the initial delay (the delay is extended).
    pub new_member_added: bool,
    /// When members that have not sent SyncGroup are removed.
    pub sync_deadline: Option<Millis>,
    next_join_order: u64,
}

impl Group {
    fn new(group_id: Arc<str>) -> Self {
        Self {
            group_id,
            state: GroupState::Empty,
            generation: 0,
            protocol: None,
            leader: None,
            members: LiteMap::new_vec(),
            pending_members: LiteMap::new_vec(),
            pending_sync: SortedSet::new(),
            committed: LiteMap::new_vec(),
            committed_epochs: LiteMap::new_vec(),
            join_deadline: None,
            initial_delay: None,
            new_member_added: false,
            sync_deadline: None,
            next_join_order: 0,
        }
    }

    /// The longest rebalance timeout of its members (`GroupMetadata.rebalanceTimeoutMs`).
    pub fn rebalance_timeout_ms(&self) -> Millis {
        self.members
            .values()
            .map(|m| m.rebalance_timeout_ms)
            .max()
            .unwrap_or(0)
    }

    /// Members in the order they joined.
    pub fn members_in_join_order(&self) -> Vec<&Member> {
        let mut v: Vec<&Member> = self.members.values().collect();
        sort_by_key(&mut v, |m| m.join_order);
        v
    }

    /// Why a JoinGroup cannot proceed at all: the group is unloaded (Dead), or the member's
    /// assignor is not one the group's members share.
    pub(crate) fn join_precondition(&self, protocol: AssignorKind) -> Option<ErrorCode> {
        if self.state == GroupState::Dead {
            Some(ErrorCode::CoordinatorNotAvailable)
        } else if !self.supports_protocol(protocol) {
            Some(ErrorCode::InconsistentGroupProtocol)
        } else {
            None
        }
    }

    /// Removes a member; if it led the group, the next member in join order leads.
    pub(crate) fn remove_member(&mut self, id: &Arc<str>) -> Option<Member> {
        let removed = self.members.remove(id)?;
        if self.leader.as_ref() == Some(id) {
            self.leader = self
                .members_in_join_order()
                .first()
                .map(|m| m.member_id.clone());
        }
        Some(removed)
    }

    /// `GroupMetadata.hasAllMembersJoined`.
    fn all_members_joined(&self) -> bool {
        self.pending_members.is_empty() && self.members.values().all(|m| m.awaiting_join.is_some())
    }

    /// Whether a member with this protocol may join (`supportsProtocols`): the simulated
    /// client offers one assignor, so all members must offer the same one.
    fn supports_protocol(&self, protocol: AssignorKind) -> bool {
        self.members.values().all(|m| m.protocol == protocol)
    }
}

/// What a `__consumer_offsets` partition this broker leads has been loaded to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoadedPartition {
    pub leader_epoch: i32,
    /// Records below this offset are applied to the groups' committed offsets.
    pub applied_offset: u64,
}

/// Everything a broker keeps as group coordinator. Lost on a crash (rebuilt from the log by
/// whichever broker leads the offsets partition next).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct GroupCoordinator {
    /// Groups this broker coordinates.
    pub groups: LiteMap<Arc<str>, Group>,
    /// `__consumer_offsets` partitions this broker leads and has loaded.
    pub loaded: LiteMap<u32, LoadedPartition>,
    /// Offset commits and group metadata appended and waiting for the high watermark.
    pub pending_writes: LiteMap<u64, PendingWrite>,
    next_write_id: u64,
}

impl crate::sim::Sim {
    /// A group as its coordinator holds it now: (coordinator broker, group). None when no live
    /// broker coordinates it (offsets partition offline, or nobody used the group yet).
    pub fn group(&self, group_id: &str) -> Option<(BrokerId, &Group)> {
        self.brokers.iter().find_map(|(&id, b)| {
            if self.down.contains(&NodeId::Broker(id)) || !b.is_coordinator_for(group_id) {
                return None;
            }
            b.groups.groups.get(group_id).map(|g| (id, g))
        })
    }

    /// Every group a live coordinator holds (including Empty groups that only have committed
    /// offsets), by group id.
    pub fn groups(&self) -> LiteMap<Arc<str>, (BrokerId, &Group)> {
        let mut out = LiteMap::new_vec();
        for (&id, b) in &self.brokers {
            if self.down.contains(&NodeId::Broker(id)) {
                continue;
            }
            for (gid, g) in &b.groups.groups {
                if b.is_coordinator_for(gid) {
                    out.insert(gid.clone(), (id, g));
                }
            }
        }
        out
    }
}

impl Broker {
    /// The `__consumer_offsets` partition that holds this group.
    pub fn offsets_partition_for(&self, group_id: &str) -> u32 {
        group_coordinator_partition(group_id, self.timeouts.offsets_topic_num_partitions.max(1))
    }

    /// Whether this broker currently coordinates `group_id`.
    pub fn is_coordinator_for(&self, group_id: &str) -> bool {
        let p = self.offsets_partition_for(group_id);
        self.groups.loaded.contains_key(&p)
            && self
                .partitions
                .get(&TopicPartition::new(GROUP_METADATA_TOPIC_NAME, p))
                .is_some_and(|x| x.is_leader())
    }

    pub(crate) fn on_group_request(&mut self, ctx: &mut Ctx, from: NodeId, msg: &Message) {
        match msg {
            Message::FindCoordinator {
                correlation_id,
                group_id,
            } => self.on_find_coordinator(ctx, from, *correlation_id, group_id),
            Message::JoinGroup { .. } => self.on_join_group(ctx, from, msg),
            Message::SyncGroup {
                correlation_id,
                group_id,
                member_id,
                generation,
                assignments,
            } => self.on_sync_group(
                ctx,
                Waiter {
                    client: from,
                    correlation_id: *correlation_id,
                },
                group_id,
                member_id,
                *generation,
                assignments,
            ),
            Message::Heartbeat {
                correlation_id,
                group_id,
                member_id,
                generation,
            } => {
                let error = self.on_heartbeat(ctx, group_id, member_id, *generation);
                ctx.send(
                    from,
                    Message::HeartbeatResponse {
                        correlation_id: *correlation_id,
                        error,
                    },
                );
            }
            Message::LeaveGroup {
                correlation_id,
                group_id,
                member_id,
            } => {
                let error = self.on_leave_group(ctx, group_id, member_id);
                ctx.send(
                    from,
                    Message::LeaveGroupResponse {
                        correlation_id: *correlation_id,
                        error,
                    },
                );
            }
            Message::OffsetCommit {
                correlation_id,
                group_id,
                member_id,
                generation,
                offsets,
                leader_epochs,
            } => self.on_offset_commit(
                ctx,
                from,
                *correlation_id,
                group_id,
                member_id,
                *generation,
                offsets,
                leader_epochs,
            ),
            Message::OffsetFetch {
                correlation_id,
                group_id,
                partitions,
            } => self.on_offset_fetch(ctx, from, *correlation_id, group_id, partitions),
            _ => {}
        }
    }

    pub(crate) fn on_group_timer(&mut self, ctx: &mut Ctx, timer: &BrokerTimer) {
        match timer {
            BrokerTimer::GroupJoinDeadline { group, generation } => {
                self.on_join_deadline(ctx, group, *generation)
            }
            BrokerTimer::MemberSession { group, member } => {
                self.on_session_deadline(ctx, group, member)
            }
            BrokerTimer::GroupSyncDeadline { group, generation } => {
                self.on_sync_deadline(ctx, group, *generation)
            }
            BrokerTimer::CoordinatorWriteTimeout(id) => self.expire_write(ctx, *id),
            _ => {}
        }
    }

    /// FindCoordinator: any broker answers from its metadata cache.
    fn on_find_coordinator(
        &mut self,
        ctx: &mut Ctx,
        from: NodeId,
        correlation_id: u64,
        group_id: &Arc<str>,
    ) {
        let p = self.offsets_partition_for(group_id);
        let leader = self
            .metadata
            .partitions
            .get(&TopicPartition::new(GROUP_METADATA_TOPIC_NAME, p))
            .map_or(NO_LEADER, |st| st.leader);
        let error = (leader == NO_LEADER).then_some(ErrorCode::CoordinatorNotAvailable);
        ctx.send(
            from,
            Message::FindCoordinatorResponse {
                correlation_id,
                group_id: group_id.clone(),
                error,
                coordinator: leader,
            },
        );
    }
}
