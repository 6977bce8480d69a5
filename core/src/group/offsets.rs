//! The coordinator's writes to `__consumer_offsets`. OffsetCommit appends one record per
//! partition to the group's offsets partition through the leader's normal append path and is
//! answered once the high watermark passes the records (acks=all, as
//! `GroupMetadataManager.storeOffsets`); the leader's SyncGroup appends a group metadata record
//! and the group becomes Stable once it is committed (`storeGroup`). What a coordinator serves
//! is rebuilt from the records below the high watermark (last value per key), so a broker that
//! becomes leader of an offsets partition recovers committed offsets from its replica.
//!
//! Record formats (simplified from Kafka's binary schemas; records carry record id 0 because
//! no client produced them):
//! - offset commit: key `group|topic|partition`, value the offset in decimal;
//! - group metadata: key `group`, value `generation=N protocol=P leader=L members=[...]`.

use super::{Group, GroupState, LoadedPartition, OFFSETS_COMMIT_TIMEOUT_MS};
use crate::broker::Broker;
use crate::collections::LiteMapExt;
use crate::config::Acks;
use crate::error::ErrorCode;
use crate::event::EventKind;
use crate::ids::{NodeId, TopicPartition};
use crate::kernel::Ctx;
use crate::message::{Message, ProduceBatch, ProducedRecord};
use crate::timer::{BrokerTimer, Timer};
use crate::topic::GROUP_METADATA_TOPIC_NAME;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// What a pending write does once committed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum WriteKind {
    /// Answer an OffsetCommit.
    OffsetCommit {
        client: NodeId,
        correlation_id: u64,
        group_id: Arc<str>,
        offsets: Vec<(TopicPartition, u64)>,
    },
    /// Hand out the leader's assignment (the group becomes Stable).
    GroupSync {
        group_id: Arc<str>,
        generation: i32,
        assignments: Vec<(Arc<str>, Vec<TopicPartition>)>,
    },
}

/// A write appended to the log and waiting for the high watermark.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingWrite {
    /// The `__consumer_offsets` partition the records went to.
    pub partition: u32,
    /// The high watermark must reach this (last record's offset + 1).
    pub required_offset: u64,
    pub kind: WriteKind,
}

/// A record of `__consumer_offsets`, decoded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CoordinatorRecord {
    Offset {
        group: String,
        tp: TopicPartition,
        offset: u64,
        /// `leader_epoch` of the OffsetCommit value (KIP-320), if the commit had one.
        leader_epoch: Option<i32>,
    },
    Group {
        group: String,
        generation: i32,
    },
}

/// The key of an offset commit record.
pub fn offset_record_key(group_id: &str, tp: &TopicPartition) -> String {
    format!("{group_id}|{}|{}", tp.topic, tp.partition)
}

/// The value of an offset commit record: the offset, and the leader epoch if known.
pub fn offset_record_value(offset: u64, leader_epoch: Option<i32>) -> String {
    match leader_epoch {
        Some(e) => format!("{offset} leader_epoch={e}"),
        None => offset.to_string(),
    }
}

/// The group metadata record of `group` (key, value).
pub fn group_record(group: &Group) -> (String, String) {
    let members: Vec<String> = group
        .members_in_join_order()
        .into_iter()
        .map(|m| {
            let parts: Vec<String> = m.assignment.iter().map(|tp| tp.to_string()).collect();
            format!("{}: {}", m.member_id, parts.join(" "))
        })
        .collect();
    let value = format!(
        "generation={} protocol={} leader={} members=[{}]",
        group.generation,
        group.protocol.map_or("", |p| p.protocol_name()),
        group.leader.as_deref().unwrap_or(""),
        members.join("; ")
    );
    (group.group_id.to_string(), value)
}

/// Reads a record back. Offset keys are split from the right (topic names cannot contain
/// `|`, group ids can).
pub fn parse_record(key: &str, value: &str) -> Option<CoordinatorRecord> {
    if let Some(rest) = value.strip_prefix("generation=") {
        let generation = rest.split(' ').next()?.parse().ok()?;
        return Some(CoordinatorRecord::Group {
            group: key.to_string(),
            generation,
        });
    }
    let mut parts = key.rsplitn(3, '|');
    let partition: u32 = parts.next()?.parse().ok()?;
    let topic = parts.next()?;
    let group = parts.next()?;
    let mut fields = value.split(' ');
    let offset: u64 = fields.next()?.parse().ok()?;
    let leader_epoch = match fields.next() {
        Some(f) => Some(f.strip_prefix("leader_epoch=")?.parse().ok()?),
        None => None,
    };
    Some(CoordinatorRecord::Offset {
        group: group.to_string(),
        tp: TopicPartition::new(topic, partition),
        offset,
        leader_epoch,
    })
}

fn offsets_tp(partition: u32) -> TopicPartition {
    TopicPartition::new(GROUP_METADATA_TOPIC_NAME, partition)
}

/// Kafka's mapping of append errors to OffsetCommit errors (`GroupMetadataManager`).
fn commit_error(append_error: ErrorCode) -> ErrorCode {
    match append_error {
        ErrorCode::UnknownTopicOrPartition
        | ErrorCode::NotEnoughReplicas
        | ErrorCode::NotEnoughReplicasAfterAppend => ErrorCode::CoordinatorNotAvailable,
        ErrorCode::NotLeaderOrFollower => ErrorCode::NotCoordinator,
        other => other,
    }
}

/// Kafka's mapping of append errors to SyncGroup errors (`GroupMetadataManager.storeGroup`).
fn sync_error(append_error: ErrorCode) -> ErrorCode {
    match append_error {
        ErrorCode::RequestTimedOut => ErrorCode::RebalanceInProgress,
        other => commit_error(other),
    }
}

/// `validateOffsetCommit`: who may commit in which state.
fn validate_commit(group: &Group, member_id: &str, generation: i32) -> Option<ErrorCode> {
    if group.state == GroupState::Dead {
        return Some(ErrorCode::CoordinatorNotAvailable);
    }
    if generation < 0 && group.state == GroupState::Empty {
        // A consumer without group management (or an admin tool) may commit to an empty group.
        return None;
    }
    if generation >= 0 || !member_id.is_empty() {
        if !group.members.contains_key(member_id) {
            return Some(ErrorCode::UnknownMemberId);
        }
        if generation != group.generation {
            return Some(ErrorCode::IllegalGeneration);
        }
    } else if group.state != GroupState::Empty {
        return Some(ErrorCode::UnknownMemberId);
    }
    if group.state == GroupState::CompletingRebalance {
        return Some(ErrorCode::RebalanceInProgress);
    }
    None
}

impl Broker {
    /// Appends records to the group's offsets partition (acks=all). Returns the offset the
    /// high watermark must reach, or the append error.
    fn append_to_offsets_log(
        &mut self,
        ctx: &mut Ctx,
        group_id: &str,
        records: Vec<(String, String)>,
    ) -> Result<(u32, u64), ErrorCode> {
        let now = ctx.now();
        let partition = self.offsets_partition_for(group_id);
        let batch = ProduceBatch {
            tp: offsets_tp(partition),
            records: records
                .into_iter()
                .map(|(key, value)| ProducedRecord {
                    id: 0,
                    key: Some(Arc::from(key)),
                    value: Arc::from(value),
                    timestamp: now,
                })
                .collect(),
        };
        let appended = self.append_batch(ctx, &batch, Acks::All, now);
        match appended.outcome {
            Some(Some(e)) => Err(e),
            _ => Ok((partition, appended.required_offset)),
        }
    }

    /// Registers a write that completes when the high watermark reaches `required_offset`.
    fn await_write(
        &mut self,
        ctx: &mut Ctx,
        partition: u32,
        required_offset: u64,
        kind: WriteKind,
    ) {
        self.groups.next_write_id += 1;
        let id = self.groups.next_write_id;
        self.groups.pending_writes.insert(
            id,
            PendingWrite {
                partition,
                required_offset,
                kind,
            },
        );
        ctx.set_timer(
            OFFSETS_COMMIT_TIMEOUT_MS,
            Timer::Broker(BrokerTimer::CoordinatorWriteTimeout(id)),
        );
        // With an ISR of one the high watermark has already passed the records.
        self.complete_writes(ctx, partition);
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) fn on_offset_commit(
        &mut self,
        ctx: &mut Ctx,
        from: NodeId,
        correlation_id: u64,
        group_id: &Arc<str>,
        member_id: &Arc<str>,
        generation: i32,
        offsets: &[(TopicPartition, u64)],
        leader_epochs: &[(TopicPartition, i32)],
    ) {
        let respond = |ctx: &mut Ctx, error: Option<ErrorCode>| {
            ctx.send(
                from,
                Message::OffsetCommitResponse {
                    correlation_id,
                    error,
                    offsets: offsets.to_vec(),
                },
            );
        };
        if !self.is_coordinator_for(group_id) {
            return respond(ctx, Some(ErrorCode::NotCoordinator));
        }
        let error = match self.groups.groups.get(group_id) {
            None if generation < 0 => {
                self.groups
                    .groups
                    .insert(group_id.clone(), Group::new(group_id.clone()));
                None
            }
            None => Some(ErrorCode::IllegalGeneration),
            Some(g) => validate_commit(g, member_id, generation),
        };
        if error.is_some() {
            return respond(ctx, error);
        }
        // A commit from a live member counts as a sign of life (as in Kafka).
        let session = self
            .groups
            .groups
            .get(group_id)
            .and_then(|g| g.members.get(member_id))
            .map(|m| m.session_timeout_ms);
        if let Some(timeout) = session {
            self.schedule_session(ctx, group_id, member_id, timeout);
        }
        if offsets.is_empty() {
            return respond(ctx, None);
        }
        let records = offsets
            .iter()
            .map(|(tp, offset)| {
                let epoch = leader_epochs.iter().find(|(t, _)| t == tp).map(|e| e.1);
                (
                    offset_record_key(group_id, tp),
                    offset_record_value(*offset, epoch),
                )
            })
            .collect();
        match self.append_to_offsets_log(ctx, group_id, records) {
            Err(e) => respond(ctx, Some(commit_error(e))),
            Ok((partition, required_offset)) => self.await_write(
                ctx,
                partition,
                required_offset,
                WriteKind::OffsetCommit {
                    client: from,
                    correlation_id,
                    group_id: group_id.clone(),
                    offsets: offsets.to_vec(),
                },
            ),
        }
    }

    /// The leader's assignment: persist the group metadata, then hand the assignment out.
    pub(super) fn store_group_assignment(
        &mut self,
        ctx: &mut Ctx,
        group_id: &Arc<str>,
        assignments: Vec<(Arc<str>, Vec<TopicPartition>)>,
    ) {
        let Some(group) = self.groups.groups.get(group_id) else {
            return;
        };
        let generation = group.generation;
        let mut preview = group.clone();
        for m in preview.members.values_mut() {
            m.assignment = assignments
                .iter()
                .find(|(id, _)| *id == m.member_id)
                .map(|(_, a)| a.clone())
                .unwrap_or_default();
        }
        match self.append_to_offsets_log(ctx, group_id, vec![group_record(&preview)]) {
            Err(e) => self.fail_group_sync(ctx, group_id, generation, sync_error(e)),
            Ok((partition, required_offset)) => self.await_write(
                ctx,
                partition,
                required_offset,
                WriteKind::GroupSync {
                    group_id: group_id.clone(),
                    generation,
                    assignments,
                },
            ),
        }
    }

    /// Writes the group metadata record without waiting (a generation with no members).
    pub(super) fn store_empty_group(&mut self, ctx: &mut Ctx, group_id: &Arc<str>) {
        if let Some(group) = self.groups.groups.get(group_id) {
            let record = group_record(group);
            // Kafka only logs a failure here: an empty generation has nobody to tell.
            let _ = self.append_to_offsets_log(ctx, group_id, vec![record]);
        }
    }

    fn fail_group_sync(
        &mut self,
        ctx: &mut Ctx,
        group_id: &Arc<str>,
        generation: i32,
        error: ErrorCode,
    ) {
        let current = self.groups.groups.get(group_id).is_some_and(|g| {
            g.state == GroupState::CompletingRebalance && g.generation == generation
        });
        if current {
            self.reset_and_propagate_assignment_error(ctx, group_id, error);
            self.prepare_rebalance(
                ctx,
                group_id,
                format!("storing the group assignment failed with {}", error.name()),
            );
        }
    }

    pub(super) fn on_offset_fetch(
        &mut self,
        ctx: &mut Ctx,
        from: NodeId,
        correlation_id: u64,
        group_id: &Arc<str>,
        partitions: &[TopicPartition],
    ) {
        let (error, offsets, leader_epochs) = if !self.is_coordinator_for(group_id) {
            (Some(ErrorCode::NotCoordinator), Vec::new(), Vec::new())
        } else {
            let group = self.groups.groups.get(group_id);
            let committed = group.map(|g| &g.committed);
            let epochs = group.map(|g| &g.committed_epochs);
            (
                None,
                partitions
                    .iter()
                    .map(|tp| (tp.clone(), committed.and_then(|c| c.get(tp).copied())))
                    .collect(),
                partitions
                    .iter()
                    .filter_map(|tp| Some((tp.clone(), *epochs?.get(tp)?)))
                    .collect(),
            )
        };
        ctx.send(
            from,
            Message::OffsetFetchResponse {
                correlation_id,
                error,
                offsets,
                leader_epochs,
            },
        );
    }

    /// `offsets.commit.timeout.ms` passed without the high watermark reaching the write.
    pub(super) fn expire_write(&mut self, ctx: &mut Ctx, id: u64) {
        if let Some(w) = self.groups.pending_writes.remove(&id) {
            self.fail_write(ctx, w, ErrorCode::RequestTimedOut);
        }
    }

    fn fail_write(&mut self, ctx: &mut Ctx, w: PendingWrite, error: ErrorCode) {
        match w.kind {
            WriteKind::OffsetCommit {
                client,
                correlation_id,
                offsets,
                ..
            } => ctx.send(
                client,
                Message::OffsetCommitResponse {
                    correlation_id,
                    error: Some(commit_error(error)),
                    offsets,
                },
            ),
            WriteKind::GroupSync {
                group_id,
                generation,
                ..
            } => self.fail_group_sync(ctx, &group_id, generation, sync_error(error)),
        }
    }

    /// Completes the writes to offsets partition `partition` that the high watermark passed.
    fn complete_writes(&mut self, ctx: &mut Ctx, partition: u32) {
        let hw = self
            .partitions
            .get(&offsets_tp(partition))
            .filter(|p| p.is_leader())
            .map(|p| p.log.high_watermark());
        let Some(hw) = hw else {
            return;
        };
        let done: Vec<u64> = self
            .groups
            .pending_writes
            .iter()
            .filter(|(_, w)| w.partition == partition && w.required_offset <= hw)
            .map(|(&id, _)| id)
            .collect();
        for id in done {
            let w = self.groups.pending_writes.remove(&id).expect("listed");
            match w.kind {
                WriteKind::OffsetCommit {
                    client,
                    correlation_id,
                    group_id,
                    offsets,
                } => {
                    ctx.emit(EventKind::OffsetsCommitted {
                        group: group_id,
                        offsets: offsets.clone(),
                    });
                    ctx.send(
                        client,
                        Message::OffsetCommitResponse {
                            correlation_id,
                            error: None,
                            offsets,
                        },
                    );
                }
                WriteKind::GroupSync {
                    group_id,
                    generation,
                    assignments,
                } => self.complete_group_sync(ctx, &group_id, generation, assignments),
            }
        }
    }

    /// Applies the records of a loaded offsets partition up to its high watermark.
    fn apply_offsets_log(&mut self, partition: u32) {
        let Some(p) = self.partitions.get(&offsets_tp(partition)) else {
            return;
        };
        let Some(loaded) = self.groups.loaded.get_mut(&partition) else {
            return;
        };
        let hw = p.log.high_watermark();
        let from = loaded.applied_offset.max(p.log.log_start_offset());
        if hw <= from {
            return;
        }
        for r in p.log.read(from, (hw - from) as usize) {
            let Some(key) = r.key.as_deref() else {
                continue;
            };
            let Some(record) = parse_record(key, &r.value) else {
                continue;
            };
            let (group, entry) = match &record {
                CoordinatorRecord::Offset { group, .. }
                | CoordinatorRecord::Group { group, .. } => {
                    let id: Arc<str> = Arc::from(group.as_str());
                    let g = self
                        .groups
                        .groups
                        .entry(id.clone())
                        .or_insert_with(|| Group::new(id));
                    (group, g)
                }
            };
            debug_assert_eq!(&*entry.group_id, group.as_str());
            match record {
                CoordinatorRecord::Offset {
                    tp,
                    offset,
                    leader_epoch,
                    ..
                } => {
                    match leader_epoch {
                        Some(e) => entry.committed_epochs.insert(tp.clone(), e),
                        None => entry.committed_epochs.remove(&tp),
                    };
                    entry.committed.insert(tp, offset);
                }
                CoordinatorRecord::Group { generation, .. } => {
                    entry.generation = entry.generation.max(generation);
                }
            }
        }
        loaded.applied_offset = hw;
    }

    /// Hook: the high watermark of `tp` moved on this leader.
    pub(crate) fn on_offsets_high_watermark(&mut self, ctx: &mut Ctx, tp: &TopicPartition) {
        if &*tp.topic != GROUP_METADATA_TOPIC_NAME {
            return;
        }
        self.apply_offsets_log(tp.partition);
        self.complete_writes(ctx, tp.partition);
    }

    /// Hook: this broker became leader of `tp`. For an offsets partition it becomes the
    /// coordinator of its groups and loads them from the log (`GroupCoordinator.onElection`);
    /// members find it through FindCoordinator and rejoin.
    pub(crate) fn on_offsets_leader_elected(&mut self, ctx: &mut Ctx, tp: &TopicPartition) {
        if &*tp.topic != GROUP_METADATA_TOPIC_NAME {
            return;
        }
        self.unload_offsets_partition(ctx, tp.partition);
        let Some(epoch) = self.partitions.get(tp).map(|p| p.state.leader_epoch) else {
            return;
        };
        self.groups.loaded.insert(
            tp.partition,
            LoadedPartition {
                leader_epoch: epoch,
                applied_offset: 0,
            },
        );
        self.apply_offsets_log(tp.partition);
    }

    /// Hook: this broker no longer leads `tp` (`GroupCoordinator.onResignation`).
    pub(crate) fn on_offsets_leader_resigned(&mut self, ctx: &mut Ctx, tp: &TopicPartition) {
        if &*tp.topic != GROUP_METADATA_TOPIC_NAME {
            return;
        }
        self.unload_offsets_partition(ctx, tp.partition);
    }

    /// Drops the groups of an offsets partition: parked requests and waiting commits get
    /// NOT_COORDINATOR so their clients look for the new coordinator.
    fn unload_offsets_partition(&mut self, ctx: &mut Ctx, partition: u32) {
        if self.groups.loaded.remove(&partition).is_none() {
            return;
        }
        let failed: Vec<u64> = self
            .groups
            .pending_writes
            .iter()
            .filter(|(_, w)| w.partition == partition)
            .map(|(&id, _)| id)
            .collect();
        for id in failed {
            let w = self.groups.pending_writes.remove(&id).expect("listed");
            self.fail_write(ctx, w, ErrorCode::NotLeaderOrFollower);
        }
        let ids: Vec<Arc<str>> = self
            .groups
            .groups
            .keys()
            .filter(|g| self.offsets_partition_for(g) == partition)
            .cloned()
            .collect();
        for id in ids {
            let Some(g) = self.groups.groups.remove(&id) else {
                continue;
            };
            for m in g.members.values() {
                if let Some(w) = &m.awaiting_join {
                    ctx.send(
                        w.client,
                        Message::JoinGroupResponse {
                            correlation_id: w.correlation_id,
                            error: Some(ErrorCode::NotCoordinator),
                            generation: -1,
                            member_id: m.member_id.clone(),
                            leader: Arc::from(""),
                            protocol: m.protocol,
                            members: Vec::new(),
                        },
                    );
                }
                if let Some(w) = &m.awaiting_sync {
                    ctx.send(
                        w.client,
                        Message::SyncGroupResponse {
                            correlation_id: w.correlation_id,
                            error: Some(ErrorCode::NotCoordinator),
                            assignment: Vec::new(),
                        },
                    );
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offset_record_round_trips_even_with_a_pipe_in_the_group_id() {
        let tp = TopicPartition::new("orders", 7);
        let key = offset_record_key("team|a", &tp);
        assert_eq!(key, "team|a|orders|7");
        assert_eq!(
            parse_record(&key, "42"),
            Some(CoordinatorRecord::Offset {
                group: "team|a".into(),
                tp: tp.clone(),
                offset: 42,
                leader_epoch: None,
            })
        );
        // With the leader epoch of the commit (KIP-320).
        assert_eq!(offset_record_value(42, Some(3)), "42 leader_epoch=3");
        assert_eq!(
            parse_record(&key, &offset_record_value(42, Some(3))),
            Some(CoordinatorRecord::Offset {
                group: "team|a".into(),
                tp,
                offset: 42,
                leader_epoch: Some(3),
            })
        );
        assert_eq!(parse_record(&key, "42 epoch=3"), None);
        assert_eq!(parse_record("orders|7", "42"), None);
        assert_eq!(parse_record("g|orders|x", "42"), None);
    }

    #[test]
    fn group_record_carries_the_generation() {
        let mut g = Group::new(Arc::from("g|1"));
        g.generation = 7;
        let (key, value) = group_record(&g);
        assert_eq!(key, "g|1");
        assert!(value.starts_with("generation=7 "), "{value}");
        assert_eq!(
            parse_record(&key, &value),
            Some(CoordinatorRecord::Group {
                group: "g|1".into(),
                generation: 7
            })
        );
    }
}
