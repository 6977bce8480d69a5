//! What Kafka's admin tools would print about a simulated cluster: `kafka-topics.sh
//! --describe` and `kafka-consumer-groups.sh --describe`, as data (serialisable, for
//! `--json` and the web app) and as text in Kafka's own layout. Also the fate of every
//! produced record and a one-line rendering of each event for traces.
//!
//! Layouts follow `apache/kafka` `tools/.../TopicCommand.java` (`TopicDescription` and
//! `PartitionDescription.printDescription`) and `tools/.../consumer/group/
//! ConsumerGroupCommand.java` (`printOffsets`, `printOffsetFormat`, `collectGroupsOffsets`).
//! Deliberate differences are listed on each function.

use crate::collections::{LiteMap, LiteMapExt};
use crate::config::Millis;
use crate::error::ErrorCode;
use crate::event::{DropReason, ElectionReason, Event, EventKind, IsrChangeReason, LogStartReason};
use crate::group::GroupState;
use crate::ids::{BrokerId, NO_LEADER, NodeId, TopicPartition};
use crate::message::{Message, TopicConfig};
use crate::partitioner::KeylessStrategy;
use crate::scenario::{StepOutcome, StepSource};
use crate::sim::Sim;
use crate::{Command, CommandOutcome};
use serde::{Deserialize, Serialize};
use std::fmt::Write as _;

/// Kafka's placeholder for an unknown column value (`MISSING_COLUMN_VALUE`).
pub const MISSING: &str = "-";

// ---------------------------------------------------------------------------------------
// kafka-topics.sh --describe

/// One topic, as `kafka-topics.sh --describe` reports it, plus the leader's log offsets.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TopicDescription {
    pub topic: String,
    pub internal: bool,
    pub partition_count: usize,
    /// Replicas of the first partition, as `TopicCommand` computes it.
    pub replication_factor: usize,
    /// Configs that differ from the defaults, by name (Kafka shows non-default configs).
    #[serde(serialize_with = "crate::collections::serialize_as_map")]
    pub configs: LiteMap<String, String>,
    pub partitions: Vec<PartitionDescription>,
}

/// One partition line.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartitionDescription {
    pub topic: String,
    pub partition: u32,
    /// None when the partition has no leader (Kafka prints `none`).
    pub leader: Option<BrokerId>,
    pub leader_epoch: i32,
    pub replicas: Vec<BrokerId>,
    pub isr: Vec<BrokerId>,
    /// The leader replica's log end offset (next offset to be written); None without a leader.
    pub log_end_offset: Option<u64>,
    /// The leader replica's high watermark (consumers read below it); None without a leader.
    pub high_watermark: Option<u64>,
}

/// The topic configs that differ from Kafka's defaults, as `name=value`.
pub fn non_default_configs(config: &TopicConfig) -> LiteMap<String, String> {
    let d = TopicConfig::default();
    let mut out = LiteMap::new_vec();
    if config.min_insync_replicas != d.min_insync_replicas {
        out.insert(
            "min.insync.replicas".into(),
            config.min_insync_replicas.to_string(),
        );
    }
    if config.unclean_leader_election_enable != d.unclean_leader_election_enable {
        out.insert(
            "unclean.leader.election.enable".into(),
            config.unclean_leader_election_enable.to_string(),
        );
    }
    if config.retention_ms != d.retention_ms {
        let v = config.retention_ms.map_or(-1, |ms| ms as i64);
        out.insert("retention.ms".into(), v.to_string());
    }
    out
}

/// Every topic in name order (as `kafka-topics.sh` sorts them), from the controller's
/// metadata; internal topics (`__consumer_offsets`) only when asked, like
/// `--exclude-internal` in reverse.
pub fn describe_topics(sim: &Sim, include_internal: bool) -> Vec<TopicDescription> {
    let meta = sim.coordinator().metadata();
    meta.topics
        .iter()
        .filter(|(name, _)| include_internal || !crate::topic::is_internal(name))
        .map(|(name, t)| {
            let partitions = t
                .partitions
                .iter()
                .map(|p| {
                    let leader = (p.leader != NO_LEADER).then_some(p.leader);
                    let log = leader.and_then(|l| sim.replica(l, &p.tp)).map(|r| &r.log);
                    PartitionDescription {
                        topic: name.to_string(),
                        partition: p.tp.partition,
                        leader,
                        leader_epoch: p.leader_epoch,
                        replicas: p.replicas.clone(),
                        isr: p.isr.clone(),
                        log_end_offset: log.map(|l| l.log_end_offset()),
                        high_watermark: log.map(|l| l.high_watermark()),
                    }
                })
                .collect::<Vec<_>>();
            TopicDescription {
                topic: name.to_string(),
                internal: crate::topic::is_internal(name),
                partition_count: partitions.len(),
                replication_factor: partitions.first().map_or(0, |p| p.replicas.len()),
                configs: non_default_configs(&t.config),
                partitions,
            }
        })
        .collect()
}

fn join_ids(ids: &[BrokerId]) -> String {
    ids.iter()
        .map(|b| b.to_string())
        .collect::<Vec<_>>()
        .join(",")
}

fn opt<T: ToString>(v: Option<T>) -> String {
    v.map_or_else(|| MISSING.to_string(), |v| v.to_string())
}

/// The text of `kafka-topics.sh --describe`. Differences from Kafka 3.x/4.x: no `TopicId`
/// (Kafka itself omits it when the id is zero; the simulator has none), no `Elr` /
/// `LastKnownElr` columns (KIP-966 is not modelled), and three extra columns after `Isr`:
/// `LeaderEpoch`, and the leader's `LogEndOffset` and `HighWatermark` (`-` without a leader).
pub fn topics_text(topics: &[TopicDescription]) -> String {
    let mut s = String::new();
    for t in topics {
        let configs = t
            .configs
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(",");
        let _ = writeln!(
            s,
            "Topic: {}\tPartitionCount: {}\tReplicationFactor: {}\tConfigs: {}",
            t.topic, t.partition_count, t.replication_factor, configs
        );
        for p in &t.partitions {
            let _ = writeln!(
                s,
                "\tTopic: {}\tPartition: {}\tLeader: {}\tReplicas: {}\tIsr: {}\tLeaderEpoch: {}\tLogEndOffset: {}\tHighWatermark: {}",
                p.topic,
                p.partition,
                p.leader
                    .map_or_else(|| "none".to_string(), |l| l.to_string()),
                join_ids(&p.replicas),
                join_ids(&p.isr),
                p.leader_epoch,
                opt(p.log_end_offset),
                opt(p.high_watermark),
            );
        }
    }
    s
}

// ---------------------------------------------------------------------------------------
// kafka-consumer-groups.sh --describe

/// One member of a group, as the describe needs it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupMemberInput {
    pub consumer_id: String,
    pub host: Option<String>,
    pub client_id: Option<String>,
    pub assignment: Vec<TopicPartition>,
}

/// What `kafka-consumer-groups.sh --describe` reads about one group: its members with their
/// assignments, and the committed offsets (next record to consume).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupInput {
    pub group: String,
    /// The coordinator's state of the group; None when no coordinator answers.
    #[serde(default)]
    pub state: Option<GroupState>,
    pub members: Vec<GroupMemberInput>,
    pub committed: LiteMap<TopicPartition, u64>,
}

/// One row of the offsets view.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupOffsetRow {
    pub group: String,
    pub topic: Option<String>,
    pub partition: Option<u32>,
    pub current_offset: Option<u64>,
    pub log_end_offset: Option<u64>,
    pub lag: Option<i64>,
    pub consumer_id: Option<String>,
    pub host: Option<String>,
    pub client_id: Option<String>,
}

/// One group's describe.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroupDescription {
    pub group: String,
    /// As in `GroupInput`: None when no coordinator answers.
    #[serde(default)]
    pub state: Option<GroupState>,
    pub rows: Vec<GroupOffsetRow>,
}

/// Kafka's rows for one group (`collectGroupsOffsets`): members with a non-empty assignment,
/// most partitions first, each member's partitions by topic then partition; then partitions
/// with a committed offset that no member owns, with `-` for the member columns.
/// `log_end_offset` gives what `ListOffsets(latest)` returns: the high watermark, or None
/// for a partition without a leader. LAG = LOG-END-OFFSET - CURRENT-OFFSET when both known.
pub fn describe_group(
    input: &GroupInput,
    log_end_offset: impl Fn(&TopicPartition) -> Option<u64>,
) -> GroupDescription {
    let row = |tp: &TopicPartition, m: Option<&GroupMemberInput>| {
        let current = input.committed.get(tp).copied();
        let end = log_end_offset(tp);
        GroupOffsetRow {
            group: input.group.clone(),
            topic: Some(tp.topic.to_string()),
            partition: Some(tp.partition),
            current_offset: current,
            log_end_offset: end,
            lag: current.zip(end).map(|(c, e)| e as i64 - c as i64),
            consumer_id: Some(m.map_or(MISSING.into(), |m| m.consumer_id.clone())),
            host: Some(m.map_or(MISSING.into(), |m| {
                m.host.clone().unwrap_or_else(|| MISSING.into())
            })),
            client_id: Some(m.map_or(MISSING.into(), |m| {
                m.client_id.clone().unwrap_or_else(|| MISSING.into())
            })),
        }
    };
    let mut members: Vec<&GroupMemberInput> = input
        .members
        .iter()
        .filter(|m| !m.assignment.is_empty())
        .collect();
    // Stable sort, most partitions first, as Kafka's comparator.
    members.sort_by_key(|m| std::cmp::Reverse(m.assignment.len()));
    let mut rows = Vec::new();
    let mut assigned = Vec::new();
    for m in members {
        let mut tps = m.assignment.clone();
        tps.sort();
        for tp in &tps {
            rows.push(row(tp, Some(m)));
        }
        assigned.extend(tps);
    }
    for tp in input.committed.keys() {
        if !assigned.contains(tp) {
            rows.push(row(tp, None));
        }
    }
    GroupDescription {
        group: input.group.clone(),
        state: input.state,
        rows,
    }
}

/// The groups of the simulated consumers, from the clients' own state.
///
/// Until the broker-side group coordinator is wired in, CURRENT-OFFSET is each consumer's
/// fetch position (not a committed offset), and only running consumers are counted.
pub fn group_inputs_from_sim(sim: &Sim) -> Vec<GroupInput> {
    // The group coordinator's view, as `kafka-consumer-groups --describe` asks it: members
    // with their assignment, and committed offsets from `__consumer_offsets`.
    let mut groups: LiteMap<String, GroupInput> = LiteMap::new_vec();
    for (gid, (_, g)) in sim.groups() {
        let input = groups.entry(gid.to_string()).or_insert_with(|| GroupInput {
            group: gid.to_string(),
            state: Some(g.state),
            ..GroupInput::default()
        });
        for m in g.members.values() {
            input.members.push(GroupMemberInput {
                consumer_id: m.member_id.to_string(),
                host: None,
                client_id: Some(crate::group::client_id(m.client, &gid)),
                // `GroupMetadata.summary`: assignments only for a Stable group (during a
                // rebalance the rows show committed offsets with no owner).
                assignment: if g.state == GroupState::Stable {
                    m.assignment.clone()
                } else {
                    Vec::new()
                },
            });
        }
        for (tp, offset) in &g.committed {
            input.committed.insert(tp.clone(), *offset);
        }
    }
    // Groups whose coordinator is unreachable still show, with no members.
    for c in sim.consumers().values() {
        groups
            .entry(c.group.to_string())
            .or_insert_with(|| GroupInput {
                group: c.group.to_string(),
                ..GroupInput::default()
            });
    }
    groups.into_values().collect()
}

/// The high watermark of a partition's leader replica: what `ListOffsets(latest)` returns.
pub fn leader_high_watermark(sim: &Sim, tp: &TopicPartition) -> Option<u64> {
    let p = sim.coordinator().metadata().partition(tp)?;
    if p.leader == NO_LEADER {
        return None;
    }
    sim.replica(p.leader, tp).map(|r| r.log.high_watermark())
}

/// Every group of the simulation, described.
pub fn describe_groups(sim: &Sim) -> Vec<GroupDescription> {
    group_inputs_from_sim(sim)
        .iter()
        .map(|g| describe_group(g, |tp| leader_high_watermark(sim, tp)))
        .collect()
}

/// The text of `kafka-consumer-groups.sh --describe --all-groups`, in Kafka's layout: for
/// each group a blank line, the header and one line per row, columns padded to at least
/// 15 characters (PARTITION to 10). Before the rows, Kafka's note on the group's state
/// (`shouldPrintMemberState`; Kafka prints the notes on stderr): an Empty group "has no
/// active members" (its committed offsets still follow), a rebalancing one gets a warning,
/// and a group no coordinator answers for is an error.
pub fn groups_text(groups: &[GroupDescription]) -> String {
    let mut s = String::new();
    for g in groups {
        let group = &g.group;
        match g.state {
            None => {
                let _ = writeln!(
                    s,
                    "\nError: Executing consumer group command failed due to \
                     org.apache.kafka.common.errors.CoordinatorNotAvailableException: The \
                     coordinator is not available."
                );
                continue;
            }
            Some(GroupState::Dead) => {
                let _ = writeln!(s, "\nError: Consumer group '{group}' does not exist.");
                continue;
            }
            Some(GroupState::Empty) => {
                let _ = writeln!(s, "\nConsumer group '{group}' has no active members.");
            }
            Some(GroupState::PreparingRebalance | GroupState::CompletingRebalance) => {
                let _ = writeln!(s, "\nWarning: Consumer group '{group}' is rebalancing.");
            }
            Some(GroupState::Stable) => {}
        }
        if g.rows.is_empty() {
            continue;
        }
        let cell = |v: &Option<String>| v.clone().unwrap_or_else(|| MISSING.into());
        let width =
            |f: &dyn Fn(&GroupOffsetRow) -> usize| g.rows.iter().map(f).fold(15, usize::max);
        let wg = width(&|r| r.group.len());
        let wt = width(&|r| cell(&r.topic).len());
        let wc = width(&|r| cell(&r.consumer_id).len());
        let wh = width(&|r| cell(&r.host).len());
        let line = |c: [&str; 9]| {
            format!(
                "\n{:<wg$} {:<wt$} {:<10} {:<15} {:<15} {:<15} {:<wc$} {:<wh$} {}",
                c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7], c[8]
            )
        };
        s.push_str(&line([
            "GROUP",
            "TOPIC",
            "PARTITION",
            "CURRENT-OFFSET",
            "LOG-END-OFFSET",
            "LAG",
            "CONSUMER-ID",
            "HOST",
            "CLIENT-ID",
        ]));
        for r in &g.rows {
            s.push_str(&line([
                &r.group,
                &cell(&r.topic),
                &opt(r.partition),
                &opt(r.current_offset),
                &opt(r.log_end_offset),
                &opt(r.lag),
                &cell(&r.consumer_id),
                &cell(&r.host),
                &cell(&r.client_id),
            ]));
        }
        s.push('\n');
    }
    s
}

// ---------------------------------------------------------------------------------------
// Brokers

/// A broker at the end of a run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BrokerStatus {
    pub id: BrokerId,
    pub rack: Option<String>,
    /// The process runs (not crashed).
    pub up: bool,
    /// The controller considers it dead (session expired): it leads nothing, is in no ISR.
    pub fenced: bool,
}

pub fn broker_statuses(sim: &Sim) -> Vec<BrokerStatus> {
    let meta = sim.coordinator().metadata();
    sim.brokers()
        .values()
        .map(|b| BrokerStatus {
            id: b.id,
            rack: b.rack.clone(),
            up: sim.is_up(NodeId::Broker(b.id)),
            fenced: meta.brokers.get(&b.id).is_none_or(|r| r.fenced),
        })
        .collect()
}

/// `Brokers: 1 (down, fenced), 2, 3`
pub fn brokers_text(brokers: &[BrokerStatus]) -> String {
    let list = brokers
        .iter()
        .map(|b| {
            let mut notes = Vec::new();
            if let Some(r) = &b.rack {
                notes.push(format!("rack {r}"));
            }
            if !b.up {
                notes.push("down".to_string());
            }
            if b.fenced {
                notes.push("fenced".to_string());
            }
            if notes.is_empty() {
                b.id.to_string()
            } else {
                format!("{} ({})", b.id, notes.join(", "))
            }
        })
        .collect::<Vec<_>>()
        .join(", ");
    format!("Brokers: {list}\n")
}

// ---------------------------------------------------------------------------------------
// Produced records

/// What became of a produced record, as far as the producer and the leader's log tell.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordStatus {
    /// The producer got an offset, and the partition leader's log still holds the record.
    Acknowledged,
    /// Acknowledged, but the current leader's log no longer holds it (an unclean election
    /// or a truncation lost it).
    AcknowledgedThenLost,
    /// Acknowledged, and since deleted by retention: its offset is below the leader's log
    /// start, and no replica ever truncated it.
    AcknowledgedThenDeleted,
    /// acks=0: sent, the producer never learns the offset.
    SentWithoutAck,
    /// The producer gave up with an error.
    Failed,
    /// Neither acknowledged nor failed when the run ended.
    Pending,
}

/// One produced record.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordResult {
    pub record: u64,
    pub producer: u32,
    /// The step that sent it.
    pub source: StepSource,
    pub sent_at: Millis,
    pub key: Option<String>,
    pub value: String,
    /// The partition the producer chose (None if it never chose one).
    pub partition: Option<TopicPartition>,
    /// The offset the producer was told, if any.
    pub offset: Option<u64>,
    pub status: RecordStatus,
    pub error: Option<ErrorCode>,
    /// Whether the partition leader's log holds the record at the end (None: no leader).
    pub in_leader_log: Option<bool>,
}

/// The fate of every record sent by an accepted `produce` step.
pub fn record_results(sim: &Sim, outcomes: &[StepOutcome], events: &[Event]) -> Vec<RecordResult> {
    let mut out: LiteMap<u64, RecordResult> = LiteMap::new_vec();
    for o in outcomes {
        let (
            Command::Produce {
                producer,
                key,
                value,
                ..
            },
            Some(CommandOutcome::RecordsSent { records }),
        ) = (&o.command, &o.outcome)
        else {
            continue;
        };
        for (i, id) in records.iter().enumerate() {
            let value = if records.len() == 1 {
                value.clone()
            } else {
                format!("{value}-{i}")
            };
            out.insert(
                *id,
                RecordResult {
                    record: *id,
                    producer: *producer,
                    source: o.source,
                    sent_at: o.at,
                    key: key.clone(),
                    value,
                    partition: None,
                    offset: None,
                    status: RecordStatus::Pending,
                    error: None,
                    in_leader_log: None,
                },
            );
        }
    }
    // Records some replica truncated (lost there), and the records each broker dropped below
    // its log start (by retention, or following its leader's).
    let mut truncated = crate::collections::SortedSet::new();
    let mut deleted_by: LiteMap<BrokerId, crate::collections::SortedSet<u64>> = LiteMap::new_vec();
    for e in events {
        match &e.kind {
            EventKind::RecordsTruncated { lost, .. } => {
                truncated.extend(lost.iter().map(|r| r.id));
            }
            EventKind::LogStartOffsetAdvanced {
                broker, deleted, ..
            } => {
                deleted_by
                    .entry(*broker)
                    .or_default()
                    .extend(deleted.iter().copied());
            }
            EventKind::RecordPartitioned { record, tp, .. } => {
                if let Some(r) = out.get_mut(record) {
                    r.partition = Some(tp.clone());
                }
            }
            EventKind::ProduceAcknowledged {
                record, tp, offset, ..
            } => {
                if let Some(r) = out.get_mut(record) {
                    r.partition = Some(tp.clone());
                    r.offset = *offset;
                    r.status = if offset.is_some() {
                        RecordStatus::Acknowledged
                    } else {
                        RecordStatus::SentWithoutAck
                    };
                }
            }
            EventKind::ProduceFailed {
                record, tp, error, ..
            } => {
                if let Some(r) = out.get_mut(record) {
                    if tp.is_some() {
                        r.partition = tp.clone();
                    }
                    r.status = RecordStatus::Failed;
                    r.error = Some(*error);
                }
            }
            _ => {}
        }
    }
    // Record ids held by each partition's current leader, and the leader (None: no leader).
    let meta = sim.coordinator().metadata();
    type Held = Option<(crate::collections::SortedSet<u64>, BrokerId)>;
    let mut held: LiteMap<TopicPartition, Held> = LiteMap::new_vec();
    for r in out.values_mut() {
        let Some(tp) = &r.partition else { continue };
        let leader_log = held.entry(tp.clone()).or_insert_with(|| {
            let p = meta.partition(tp).filter(|p| p.leader != NO_LEADER)?;
            let log = &sim.replica(p.leader, tp)?.log;
            Some((log.records().map(|rec| rec.id).collect(), p.leader))
        });
        let Some((ids, leader)) = leader_log else {
            continue;
        };
        let present = ids.contains(&r.record);
        r.in_leader_log = Some(present);
        if r.status == RecordStatus::Acknowledged && !present {
            // Deleted: the current leader itself dropped it below its log start, and no
            // replica ever truncated it (which would make it lost).
            let deleted = deleted_by
                .get(leader)
                .is_some_and(|d| d.contains(&r.record))
                && !truncated.contains(&r.record);
            r.status = if deleted {
                RecordStatus::AcknowledgedThenDeleted
            } else {
                RecordStatus::AcknowledgedThenLost
            };
        }
    }
    out.into_values().collect()
}

/// A table of produced records.
pub fn records_text(records: &[RecordResult]) -> String {
    let header = [
        "STEP",
        "SENT-AT",
        "PRODUCER",
        "RECORD",
        "KEY",
        "VALUE",
        "PARTITION",
        "OFFSET",
        "RESULT",
    ];
    let rows: Vec<[String; 9]> = records
        .iter()
        .map(|r| {
            let result = match r.status {
                RecordStatus::Acknowledged => "acknowledged".to_string(),
                RecordStatus::AcknowledgedThenLost => {
                    "ACKNOWLEDGED THEN LOST (not in the leader's log)".to_string()
                }
                RecordStatus::AcknowledgedThenDeleted => {
                    "acknowledged, since deleted by retention".to_string()
                }
                RecordStatus::SentWithoutAck => match r.in_leader_log {
                    Some(true) => "sent (acks=0), in the leader's log".to_string(),
                    Some(false) => "sent (acks=0), not in the leader's log".to_string(),
                    None => "sent (acks=0)".to_string(),
                },
                RecordStatus::Failed => format!(
                    "failed: {}",
                    r.error.map_or("?".to_string(), |e| e.name().to_string())
                ),
                RecordStatus::Pending => "pending (no answer yet)".to_string(),
            };
            [
                r.source.to_string(),
                format!("{} ms", r.sent_at),
                format!("producer-{}", r.producer),
                r.record.to_string(),
                r.key.clone().unwrap_or_else(|| MISSING.into()),
                r.value.clone(),
                opt(r.partition.as_ref()),
                opt(r.offset),
                result,
            ]
        })
        .collect();
    let mut widths = header.map(str::len);
    for row in &rows {
        for (w, c) in widths.iter_mut().zip(row) {
            *w = (*w).max(c.chars().count());
        }
    }
    let mut s = String::new();
    let mut line = |cells: &[&str]| {
        let mut l = String::new();
        for (i, c) in cells.iter().enumerate() {
            if i + 1 == cells.len() {
                l.push_str(c);
            } else {
                let _ = write!(l, "{:<w$}  ", c, w = widths[i]);
            }
        }
        s.push_str(l.trim_end());
        s.push('\n');
    };
    line(&header);
    for row in &rows {
        line(&row.each_ref().map(String::as_str));
    }
    s
}

// ---------------------------------------------------------------------------------------
// Event trace

/// A command in a few words: `crash node=broker-1`, `produce producer=0 topic=orders
/// key=customer-123 value=v` (fields left at their default are not shown).
pub fn command_summary(cmd: &Command) -> String {
    let v = serde_json::to_value(cmd).unwrap_or(serde_json::Value::Null);
    let Some(obj) = v.as_object() else {
        return String::new();
    };
    let mut s = obj
        .get("action")
        .and_then(|a| a.as_str())
        .unwrap_or("?")
        .to_string();
    for (k, v) in obj {
        if k == "action" || v.is_null() {
            continue;
        }
        let text = match v {
            serde_json::Value::String(x) => x.clone(),
            serde_json::Value::Object(_) => match serde_json::from_value::<NodeId>(v.clone()) {
                Ok(n) => n.to_string(),
                Err(_) if k == "config" => {
                    let cfg = serde_json::from_value::<TopicConfig>(v.clone()).unwrap_or_default();
                    let c = non_default_configs(&cfg);
                    if c.is_empty() {
                        continue;
                    }
                    c.iter()
                        .map(|(k, v)| format!("{k}={v}"))
                        .collect::<Vec<_>>()
                        .join(",")
                }
                Err(_) => v.to_string(),
            },
            // A preferred election's partitions by name, as the tool takes them.
            serde_json::Value::Array(_) if k == "partitions" => {
                match serde_json::from_value::<Vec<TopicPartition>>(v.clone()) {
                    Ok(tps) => {
                        let names: Vec<String> = tps.iter().map(ToString::to_string).collect();
                        format!("[{}]", names.join(", "))
                    }
                    Err(_) => v.to_string(),
                }
            }
            other => other.to_string(),
        };
        let _ = write!(s, " {k}={text}");
    }
    s
}

fn ids(v: &[BrokerId]) -> String {
    format!("[{}]", join_ids(v))
}

fn tps<'a>(v: impl IntoIterator<Item = &'a TopicPartition>) -> String {
    v.into_iter()
        .map(|tp| tp.to_string())
        .collect::<Vec<_>>()
        .join(",")
}

/// ` t-0=6 (epoch 0), t-1=none`: committed offsets with their leader epochs (KIP-320).
fn committed_offsets<'a>(
    offsets: impl Iterator<Item = (&'a TopicPartition, Option<u64>)>,
    leader_epochs: &[(TopicPartition, i32)],
) -> String {
    offsets
        .map(|(tp, o)| {
            let offset = o.map_or_else(|| "none".to_owned(), |o| o.to_string());
            match leader_epochs.iter().find(|(t, _)| t == tp) {
                Some((_, e)) => format!(" {tp}={offset} (epoch {e})"),
                None => format!(" {tp}={offset}"),
            }
        })
        .collect::<Vec<_>>()
        .join(",")
}

fn err_name(e: &Option<ErrorCode>) -> String {
    e.map_or(String::new(), |e| format!(" {}", e.name()))
}

/// A short summary of a message's content (after its API name).
pub fn message_detail(m: &Message) -> String {
    match m {
        Message::LeaderAndIsr { partitions, .. } | Message::UpdateMetadata { partitions, .. } => {
            partitions
                .iter()
                .map(|p| {
                    format!(
                        " {} leader {} epoch {} isr {}",
                        p.tp,
                        p.leader,
                        p.leader_epoch,
                        ids(&p.isr)
                    )
                })
                .collect::<Vec<_>>()
                .join(";")
        }
        Message::AlterPartition { tp, new_isr, .. } => format!(" {tp} isr {}", ids(new_isr)),
        Message::AlterPartitionResponse { tp, error, .. } => format!(" {tp}{}", err_name(error)),
        Message::Produce { acks, batches, .. } => {
            let acks = match acks {
                crate::config::Acks::None => "0",
                crate::config::Acks::Leader => "1",
                crate::config::Acks::All => "all",
            };
            let parts = batches
                .iter()
                .map(|b| format!("{} x{}", b.tp, b.records.len()))
                .collect::<Vec<_>>()
                .join(",");
            format!(" {parts} acks={acks}")
        }
        Message::ConnectionClosed { error } => format!(" after {}", error.name()),
        Message::ProduceResponse { partitions, .. } => partitions
            .iter()
            .map(|p| match (p.error, p.base_offset) {
                (Some(e), _) => format!(" {} {}", p.tp, e.name()),
                (None, Some(o)) => format!(" {} offset {o}", p.tp),
                (None, None) => format!(" {}", p.tp),
            })
            .collect::<Vec<_>>()
            .join(";"),
        Message::Fetch { partitions, .. } => {
            let parts = partitions
                .iter()
                .map(|p| format!("{}@{}", p.tp, p.fetch_offset))
                .collect::<Vec<_>>()
                .join(",");
            if parts.is_empty() {
                String::new()
            } else {
                format!(" {parts}")
            }
        }
        Message::FetchResponse { partitions, .. } => partitions
            .iter()
            .filter(|p| !p.records.is_empty() || p.error.is_some())
            .map(|p| match p.error {
                Some(e) => format!(" {} {}", p.tp, e.name()),
                None => format!(" {} +{} hw {}", p.tp, p.records.len(), p.high_watermark),
            })
            .collect::<Vec<_>>()
            .join(";"),
        Message::ListOffsets { tp, .. } => format!(" {tp}"),
        Message::ListOffsetsResponse {
            tp, offset, error, ..
        } => {
            format!(" {tp} {offset}{}", err_name(error))
        }
        Message::OffsetForLeaderEpoch {
            tp, leader_epoch, ..
        } => format!(" {tp} epoch {leader_epoch}"),
        Message::OffsetForLeaderEpochResponse {
            tp, error: Some(e), ..
        } => format!(" {tp} {}", e.name()),
        Message::OffsetForLeaderEpochResponse {
            tp,
            leader_epoch,
            end_offset,
            ..
        } => format!(" {tp} epoch {leader_epoch} ends at {end_offset}"),
        Message::FindCoordinator { group_id, .. } | Message::LeaveGroup { group_id, .. } => {
            format!(" {group_id}")
        }
        Message::FindCoordinatorResponse {
            coordinator, error, ..
        } => format!(" broker {coordinator}{}", err_name(error)),
        Message::JoinGroup {
            group_id,
            generation,
            ..
        } => format!(" {group_id} generation {generation}"),
        Message::SyncGroupResponse {
            assignment, error, ..
        } => {
            format!(" [{}]{}", tps(assignment), err_name(error))
        }
        Message::OffsetCommit {
            offsets,
            leader_epochs,
            ..
        } => committed_offsets(offsets.iter().map(|(tp, o)| (tp, Some(*o))), leader_epochs),
        Message::OffsetFetchResponse {
            offsets,
            leader_epochs,
            error: None,
            ..
        } => committed_offsets(offsets.iter().map(|(tp, o)| (tp, *o)), leader_epochs),
        Message::JoinGroupResponse { error, .. }
        | Message::HeartbeatResponse { error, .. }
        | Message::LeaveGroupResponse { error, .. }
        | Message::OffsetCommitResponse { error, .. }
        | Message::OffsetFetchResponse { error, .. } => err_name(error),
        Message::BrokerHeartbeatResponse { fenced: true } => " fenced".into(),
        Message::BrokerHeartbeat { .. }
        | Message::BrokerHeartbeatResponse { .. }
        | Message::Metadata { .. }
        | Message::MetadataResponse { .. }
        | Message::SyncGroup { .. }
        | Message::Heartbeat { .. }
        | Message::OffsetFetch { .. } => String::new(),
        Message::Zk(m) => m.detail(),
        Message::Kraft(m) => m.detail(),
    }
}

fn reason_text(r: ElectionReason) -> &'static str {
    match r {
        ElectionReason::NewPartition => "new partition",
        ElectionReason::LeaderFailed => "leader failed",
        ElectionReason::Unclean => {
            "UNCLEAN election: no live ISR member, out-of-sync replica chosen"
        }
        ElectionReason::Preferred => "preferred leader election",
        ElectionReason::OfflinePartitionRecovered => "a replica came back to an offline partition",
    }
}

fn drop_text(r: DropReason) -> &'static str {
    match r {
        DropReason::Lost => "lost",
        DropReason::LinkCut => "link cut",
        DropReason::ReceiverDown => "receiver down",
    }
}

/// One event as a line of text: `  3120 ms  controller elected broker 3 leader of orders-0
/// (epoch 1, isr [3,1]) because leader failed`.
pub fn event_line(e: &Event) -> String {
    format!("{:>6} ms  {}", e.time, event_text(&e.kind))
}

/// One event in plain words, without its time.
pub fn event_text(kind: &EventKind) -> String {
    use EventKind as K;
    match kind {
        K::MessageSent {
            from, to, message, ..
        } => format!(
            "{from} -> {to}  {}{}",
            message.api(),
            message_detail(message)
        ),
        K::MessageDropped {
            id,
            from,
            to,
            reason,
        } => format!(
            "{from} -> {to}  message #{id} dropped ({})",
            drop_text(*reason)
        ),
        K::NodeCrashed { node } => format!("{node} crashed"),
        K::NodeRestarted { node } => format!("{node} restarted"),
        K::NodeIsolated { node } => format!("{node} isolated from every other node"),
        K::LinkCut { a, b } => format!("link {a} <-> {b} cut"),
        K::NetworkHealed => "network healed: every link restored".into(),
        K::BrokerFenced {
            broker,
            silent_for_ms,
        } => format!("controller fenced broker {broker} (no heartbeat for {silent_for_ms} ms)"),
        K::BrokerUnfenced { broker } => format!("controller unfenced broker {broker}"),
        K::StaleControllerRejected {
            broker,
            controller_id,
            controller_epoch,
            current_epoch,
        } => format!(
            "broker {broker} rejected a request from controller {controller_id}: its controller epoch {controller_epoch} is older than {current_epoch} (STALE_CONTROLLER_EPOCH)"
        ),
        K::ControllerActivated { controller, epoch } => {
            format!("{controller} is now the active controller (epoch {epoch})")
        }
        K::ControllerResigned { controller, epoch } => {
            format!("{controller} stopped acting as controller (epoch {epoch})")
        }
        K::Zk(z) => z.narrate(),
        K::Kraft(r) => r.narrate(),
        K::TopicCreated { topic, assignment } | K::PartitionsAdded { topic, assignment } => {
            let verb = if matches!(kind, K::TopicCreated { .. }) {
                "created"
            } else {
                "grew"
            };
            let parts = assignment
                .iter()
                .enumerate()
                .map(|(i, r)| format!("{i}:{}", ids(r)))
                .collect::<Vec<_>>()
                .join(" ");
            format!("topic {topic} {verb}, replicas {parts}")
        }
        K::LeaderElected {
            tp,
            leader,
            previous_leader,
            leader_epoch,
            isr,
            reason,
        } => {
            let prev = if *previous_leader == NO_LEADER {
                String::new()
            } else {
                format!(", was {previous_leader}")
            };
            format!(
                "controller elected broker {leader} leader of {tp} (epoch {leader_epoch}, isr {}{prev}) because {}",
                ids(isr),
                reason_text(*reason)
            )
        }
        K::PartitionOffline { tp, isr } => format!(
            "{tp} is OFFLINE: no live replica may lead (isr {})",
            ids(isr)
        ),
        K::IsrChanged { tp, isr, reason } => {
            let why = match reason {
                IsrChangeReason::FollowerLagging { removed } => {
                    format!("removed {} (lagging)", ids(removed))
                }
                IsrChangeReason::FollowerCaughtUp { added } => {
                    format!("added {} (caught up)", ids(added))
                }
                IsrChangeReason::BrokerFailed { removed } => {
                    format!("removed {} (broker failed)", ids(removed))
                }
                IsrChangeReason::UncleanElection => "reset by unclean election".into(),
            };
            format!("{tp} isr now {}: {why}", ids(isr))
        }
        K::BecameLeader {
            broker,
            tp,
            leader_epoch,
        } => format!("broker {broker} became leader of {tp} (epoch {leader_epoch})"),
        K::BecameFollower {
            broker,
            tp,
            leader,
            leader_epoch,
        } => format!("broker {broker} follows broker {leader} for {tp} (epoch {leader_epoch})"),
        K::RecordsAppended {
            broker,
            tp,
            base_offset,
            count,
            leader_epoch,
        } => format!(
            "broker {broker} appended {count} record(s) to {tp} at offset {base_offset} (epoch {leader_epoch})"
        ),
        K::HighWatermarkAdvanced {
            broker,
            tp,
            high_watermark,
        } => format!("broker {broker} {tp} high watermark -> {high_watermark}"),
        K::RecordsTruncated {
            broker,
            tp,
            to_offset,
            lost,
        } => format!(
            "broker {broker} truncated {tp} to offset {to_offset}, removing {} record(s)",
            lost.len()
        ),
        K::LogStartOffsetAdvanced {
            broker,
            tp,
            log_start_offset,
            reason,
            ..
        } => format!(
            "broker {broker} {tp} log start offset -> {log_start_offset} ({})",
            match reason {
                LogStartReason::Retention => "retention",
                LogStartReason::LeaderLogStart => "the leader's log start",
                LogStartReason::OutOfRange =>
                    "OFFSET_OUT_OF_RANGE: its log ended below the leader's log start; truncated fully",
                LogStartReason::PastLeaderEnd =>
                    "OFFSET_OUT_OF_RANGE: its log started past the leader's end; truncated fully",
            }
        ),
        K::RecordPartitioned {
            producer,
            record,
            tp,
            key_placement,
            explicit,
            keyless,
        } => {
            let how = match (key_placement, explicit) {
                (_, true) => "explicit partition".to_string(),
                (Some(k), false) => format!(
                    "toPositive(murmur2(key)) = {} % {} = {}",
                    k.positive, k.num_partitions, k.partition
                ),
                (None, false) => match keyless {
                    Some(KeylessStrategy::Sticky) => "no key: uniform sticky".to_string(),
                    Some(KeylessStrategy::RoundRobin) => "no key: round-robin".to_string(),
                    None => "no key".to_string(),
                },
            };
            format!("producer-{producer} record {record} -> {tp} ({how})")
        }
        K::ProduceAcknowledged {
            producer,
            record,
            tp,
            offset,
        } => match offset {
            Some(o) => format!("producer-{producer} record {record} acknowledged: {tp} offset {o}"),
            None => format!("producer-{producer} record {record} sent to {tp} (acks=0)"),
        },
        K::ProduceRetrying {
            producer,
            record,
            tp,
            error,
            attempt,
        } => format!(
            "producer-{producer} record {record} to {tp}: {}, retrying (attempt {attempt})",
            error.name()
        ),
        K::ProduceFailed {
            producer,
            record,
            tp,
            error,
        } => format!(
            "producer-{producer} record {record}{} FAILED: {}",
            tp.as_ref().map_or(String::new(), |tp| format!(" to {tp}")),
            error.name()
        ),
        K::RebalanceStarted {
            group,
            coordinator,
            reason,
        } => format!(
            "group {group}: rebalance started by coordinator broker {coordinator} ({reason})"
        ),
        K::GroupStable {
            group,
            generation,
            leader,
            protocol,
        } => format!("group {group}: stable, generation {generation}, leader {leader}, {protocol}"),
        K::MemberRemoved {
            group,
            member,
            reason,
        } => format!("group {group}: member {member} removed ({reason})"),
        K::PartitionsAssigned {
            consumer,
            group,
            generation,
            partitions,
        } => format!(
            "consumer-{consumer} ({group}, generation {generation}) assigned [{}]",
            tps(partitions)
        ),
        K::PartitionsRevoked {
            consumer,
            group,
            partitions,
            lost,
        } => format!(
            "consumer-{consumer} ({group}) {} [{}]",
            if *lost { "lost" } else { "revoked" },
            tps(partitions)
        ),
        K::ConsumerFailed {
            consumer,
            group,
            error,
        } => format!("consumer-{consumer} ({group}) stopped: {error}"),
        K::ConsumerTruncationDetected {
            consumer,
            tp,
            position,
            diverging_offset,
        } => format!(
            "consumer-{consumer} {tp}: truncation detected at offset {position}, resetting to \
             the first offset known to diverge, {diverging_offset}"
        ),
        K::RecordsConsumed {
            consumer,
            tp,
            records,
        } => {
            let range = match (records.first(), records.last()) {
                (Some(a), Some(b)) => format!(" (offsets {}..={})", a.0, b.0),
                _ => String::new(),
            };
            format!(
                "consumer-{consumer} consumed {} record(s) from {tp}{range}",
                records.len()
            )
        }
        K::OffsetsCommitted { group, offsets } => format!(
            "group {group} committed {}",
            offsets
                .iter()
                .map(|(tp, o)| format!("{tp}={o}"))
                .collect::<Vec<_>>()
                .join(",")
        ),
        K::RequestTimedOut { node, to, api } => format!("{node}: {api} to {to} timed out"),
    }
}

/// The control plane in words, for `kafkascope run`: the mode, who is the active controller,
/// and each ZooKeeper server or KRaft voter with its role, epoch and log position.
pub fn control_plane_text(c: &crate::snapshot::ControllerSnapshot) -> String {
    use crate::snapshot::CoordinatorSnapshot as C;
    use std::fmt::Write as _;
    let mut s = String::new();
    let active = c.active.map_or("none".to_owned(), |n| n.to_string());
    match &c.coordinator {
        C::Builtin => {
            let _ = writeln!(
                s,
                "Control plane: built-in controller (simplified, never fails), controller epoch {}",
                c.controller_epoch
            );
        }
        C::Zookeeper(z) => {
            let _ = writeln!(
                s,
                "Control plane: ZooKeeper ensemble of {}, {}; /controller = {}, controller epoch {}, active controller {active}",
                z.servers.len(),
                if z.quorum { "quorum OK" } else { "NO QUORUM" },
                z.controller
                    .map_or("(none)".to_owned(), |b| format!("broker {b}")),
                z.controller_epoch
            );
            for sv in &z.servers {
                let _ = writeln!(
                    s,
                    "  zookeeper-{:<3} {:<9} epoch {:<3} zxid {:<#12x} sessions {:?}{}",
                    sv.id,
                    sv.role.as_str().to_ascii_uppercase(),
                    sv.epoch,
                    sv.last_zxid,
                    sv.connections,
                    if sv.up { "" } else { "  (DOWN)" }
                );
            }
            let _ = writeln!(s, "  /brokers/ids: {:?}", z.registered_brokers);
        }
        C::Kraft(k) => {
            let _ = writeln!(
                s,
                "Control plane: KRaft quorum of {} voters{}, epoch {}, leader {}, metadata high watermark {}",
                k.voters.len(),
                if k.combined {
                    " (combined with brokers)"
                } else {
                    ""
                },
                k.epoch,
                k.leader
                    .map_or("(none)".to_owned(), |l| format!("controller-{l}")),
                k.high_watermark
            );
            for v in &k.voters {
                let _ = writeln!(
                    s,
                    "  controller-{:<4} {:<10} epoch {:<3} LEO {:<6} HW {:<6}{}",
                    v.id,
                    v.state.as_str().to_ascii_uppercase(),
                    v.epoch,
                    v.log_end_offset,
                    v.high_watermark,
                    if v.up { "" } else { "  (DOWN)" }
                );
            }
            for b in &k.brokers {
                let _ = writeln!(
                    s,
                    "  broker {:<3} {}, broker epoch {}, metadata offset {}",
                    b.id,
                    b.state.label(),
                    b.broker_epoch,
                    b.metadata_offset
                );
            }
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::Scenario;

    fn tp(t: &str, p: u32) -> TopicPartition {
        TopicPartition::new(t, p)
    }

    #[test]
    fn topics_describe_in_kafka_layout() {
        let topics = vec![TopicDescription {
            topic: "orders".into(),
            internal: false,
            partition_count: 2,
            replication_factor: 3,
            configs: non_default_configs(&TopicConfig {
                min_insync_replicas: 2,
                ..TopicConfig::default()
            }),
            partitions: vec![
                PartitionDescription {
                    topic: "orders".into(),
                    partition: 0,
                    leader: Some(1),
                    leader_epoch: 0,
                    replicas: vec![1, 2, 3],
                    isr: vec![1, 2, 3],
                    log_end_offset: Some(5),
                    high_watermark: Some(5),
                },
                PartitionDescription {
                    topic: "orders".into(),
                    partition: 1,
                    leader: None,
                    leader_epoch: 3,
                    replicas: vec![2, 3, 1],
                    isr: vec![2],
                    log_end_offset: None,
                    high_watermark: None,
                },
            ],
        }];
        assert_eq!(
            topics_text(&topics),
            "Topic: orders\tPartitionCount: 2\tReplicationFactor: 3\tConfigs: min.insync.replicas=2\n\
             \tTopic: orders\tPartition: 0\tLeader: 1\tReplicas: 1,2,3\tIsr: 1,2,3\tLeaderEpoch: 0\tLogEndOffset: 5\tHighWatermark: 5\n\
             \tTopic: orders\tPartition: 1\tLeader: none\tReplicas: 2,3,1\tIsr: 2\tLeaderEpoch: 3\tLogEndOffset: -\tHighWatermark: -\n"
        );
    }

    #[test]
    fn non_default_configs_only() {
        assert!(non_default_configs(&TopicConfig::default()).is_empty());
        let c = non_default_configs(&TopicConfig {
            min_insync_replicas: 2,
            unclean_leader_election_enable: true,
            retention_ms: None,
        });
        assert_eq!(
            c.into_iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect::<Vec<_>>(),
            [
                "min.insync.replicas=2",
                "retention.ms=-1",
                "unclean.leader.election.enable=true"
            ]
        );
    }

    #[test]
    fn group_rows_follow_kafka_order_and_lag() {
        let input = GroupInput {
            group: "billing".into(),
            state: Some(GroupState::Stable),
            members: vec![
                GroupMemberInput {
                    consumer_id: "c1".into(),
                    host: None,
                    client_id: Some("consumer-1".into()),
                    assignment: vec![tp("orders", 2)],
                },
                GroupMemberInput {
                    consumer_id: "c0".into(),
                    host: Some("/10.0.0.1".into()),
                    client_id: Some("consumer-0".into()),
                    assignment: vec![tp("orders", 1), tp("orders", 0)],
                },
                GroupMemberInput {
                    consumer_id: "idle".into(),
                    host: None,
                    client_id: None,
                    assignment: vec![],
                },
            ],
            committed: [
                (tp("orders", 0), 3),
                (tp("orders", 2), 7),
                (tp("audit", 0), 1),
            ]
            .into_iter()
            .collect(),
        };
        let d = describe_group(&input, |t| (t.partition != 1).then_some(10));
        let summary: Vec<_> = d
            .rows
            .iter()
            .map(|r| {
                (
                    format!("{}-{}", r.topic.as_deref().unwrap(), r.partition.unwrap()),
                    r.current_offset,
                    r.lag,
                    r.consumer_id.clone().unwrap(),
                )
            })
            .collect();
        assert_eq!(
            summary,
            [
                ("orders-0".to_string(), Some(3), Some(7), "c0".to_string()),
                ("orders-1".to_string(), None, None, "c0".to_string()),
                ("orders-2".to_string(), Some(7), Some(3), "c1".to_string()),
                ("audit-0".to_string(), Some(1), Some(9), "-".to_string()),
            ]
        );
        let text = groups_text(&[d]);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "");
        assert_eq!(
            lines[1],
            "GROUP           TOPIC           PARTITION  CURRENT-OFFSET  LOG-END-OFFSET  LAG             CONSUMER-ID     HOST            CLIENT-ID"
        );
        assert_eq!(
            lines[2],
            "billing         orders          0          3               10              7               c0              /10.0.0.1       consumer-0"
        );
        assert_eq!(
            lines[3],
            "billing         orders          1          -               -               -               c0              /10.0.0.1       consumer-0"
        );
        assert_eq!(
            lines[5],
            "billing         audit           0          1               10              9               -               -               -"
        );
        let empty = groups_text(&[GroupDescription {
            group: "g".into(),
            state: Some(GroupState::Empty),
            rows: vec![],
        }]);
        assert_eq!(empty, "\nConsumer group 'g' has no active members.\n");
    }

    #[test]
    fn the_groups_state_is_noted_before_its_rows_as_kafka_does() {
        let described = |state| GroupDescription {
            group: "g".into(),
            state,
            rows: vec![GroupOffsetRow {
                group: "g".into(),
                topic: Some("t".into()),
                partition: Some(0),
                current_offset: Some(4),
                log_end_offset: Some(6),
                lag: Some(2),
                consumer_id: None,
                host: None,
                client_id: None,
            }],
        };
        let lines = |state| {
            groups_text(&[described(state)])
                .lines()
                .map(str::to_string)
                .collect::<Vec<_>>()
        };
        // Empty: the note, then the committed offsets with `-` for the member columns.
        let empty = lines(Some(GroupState::Empty));
        assert_eq!(empty[1], "Consumer group 'g' has no active members.");
        assert!(empty[3].starts_with("GROUP "), "{empty:?}");
        assert!(empty[4].starts_with("g               t               0          4"));
        for state in [
            GroupState::PreparingRebalance,
            GroupState::CompletingRebalance,
        ] {
            let l = lines(Some(state));
            assert_eq!(l[1], "Warning: Consumer group 'g' is rebalancing.");
            assert!(l[3].starts_with("GROUP "), "{l:?}");
        }
        assert!(lines(Some(GroupState::Stable))[1].starts_with("GROUP "));
        assert_eq!(
            lines(None),
            [
                "",
                "Error: Executing consumer group command failed due to \
                 org.apache.kafka.common.errors.CoordinatorNotAvailableException: The coordinator \
                 is not available."
            ]
        );
        assert_eq!(
            lines(Some(GroupState::Dead)),
            ["", "Error: Consumer group 'g' does not exist."]
        );
    }

    #[test]
    fn describe_a_run_and_trace_its_events() {
        let s = Scenario::parse(
            r#"{"seed": 1, "cluster": {"brokers": 3},
                "topics": [{"name": "orders", "partitions": 3, "replication_factor": 3, "config": {"min.insync.replicas": 2}}],
                "steps": [
                  {"at": 0, "action": "add_producer", "id": 0},
                  {"at": 1000, "action": "produce", "producer": 0, "topic": "orders", "key": "customer-123", "value": "order-1"},
                  {"at": 1000, "action": "produce", "producer": 0, "topic": "orders", "key": "customer-123", "value": "order-2"},
                  {"at": 3000, "action": "crash", "node": "broker-1"}
                ], "run_until": 10000}"#,
        )
        .unwrap();
        let run = s.run().unwrap();
        let topics = describe_topics(&run.sim, false);
        assert_eq!(topics.len(), 1);
        let p0 = &topics[0].partitions[0];
        assert_eq!(p0.log_end_offset, Some(2));
        assert_eq!(p0.high_watermark, Some(2));
        assert!(!p0.isr.contains(&1), "crashed broker 1 left the ISR");
        assert_ne!(p0.leader, Some(1));
        let text = topics_text(&topics);
        assert!(text.starts_with(
            "Topic: orders\tPartitionCount: 3\tReplicationFactor: 3\tConfigs: min.insync.replicas=2\n"
        ));
        let records = record_results(&run.sim, &run.outcomes, &run.events);
        assert_eq!(records.len(), 2);
        // customer-123 -> partition 0 of 3 (kafka-reference.md section 1).
        let mut offsets: Vec<_> = records.iter().filter_map(|r| r.offset).collect();
        offsets.sort_unstable();
        assert_eq!(offsets, [0, 1]);
        for r in &records {
            assert_eq!(r.partition, Some(tp("orders", 0)));
            assert_eq!(r.status, RecordStatus::Acknowledged);
            assert_eq!(r.in_leader_log, Some(true));
        }
        assert!(records_text(&records).contains("customer-123"));
        let brokers = broker_statuses(&run.sim);
        assert!(!brokers[0].up && brokers[0].fenced);
        assert_eq!(brokers_text(&brokers), "Brokers: 1 (down, fenced), 2, 3\n");
        let lines: Vec<String> = run.events.iter().map(event_line).collect();
        assert!(
            lines
                .iter()
                .any(|l| l.contains("broker-1 -> broker-") || l.contains("-> broker-1"))
        );
        assert!(
            lines.iter().any(|l| l.contains("because leader failed")),
            "{:#?}",
            lines
                .iter()
                .filter(|l| l.contains("elected"))
                .collect::<Vec<_>>()
        );
        assert!(lines.iter().any(|l| l.ends_with("ms  broker-1 crashed")));
        assert!(describe_groups(&run.sim).is_empty());
    }
}
