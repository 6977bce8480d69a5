//! Plain-English narration of the simulator's events, for the event log: what happened, to
//! whom, and why, in Kafka's own words (ISR, leader epoch, high watermark, murmur2).

use crate::fmt::bidi_isolated;
use kafkascope_core::election::PreferredElection;
use kafkascope_core::event::{DropReason, ElectionReason, IsrChangeReason, LogStartReason};
use kafkascope_core::log::{Record, RecordId};
use kafkascope_core::partitioner::{KeyPlacement, KeylessStrategy};
use kafkascope_core::{BrokerId, ErrorCode, EventKind, NO_LEADER, NodeId, TopicPartition};
use std::fmt::Write;
use std::sync::Arc;

/// One narrated line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Narration {
    pub text: String,
    /// Routine replication detail (appends, high watermark moves, role changes, drops): shown
    /// only when the reader asks for details.
    pub detail: bool,
}

/// What narration needs besides the event: the keys of records sent (events carry only the
/// record id) and how keyless records are spread.
#[derive(Clone, Debug, Default)]
pub struct NarrateCtx {
    pub keys: RecordKeys,
    pub keyless: KeylessStrategy,
    /// ZooKeeper mode: a broker stops being alive when its session expires, not by fencing.
    pub zookeeper: bool,
}

/// Keys of records sent and not yet placed, oldest first. A short list (records leave it
/// when the producer places them), so a vector: no map code in the wasm binary for it.
#[derive(Clone, Debug, Default)]
pub struct RecordKeys(std::collections::VecDeque<(RecordId, Arc<str>)>);

impl RecordKeys {
    pub fn insert(&mut self, record: RecordId, key: Arc<str>) {
        self.0.push_back((record, key));
    }

    pub fn get(&self, record: &RecordId) -> Option<&Arc<str>> {
        self.0.iter().find(|(r, _)| r == record).map(|(_, k)| k)
    }

    pub fn remove(&mut self, record: &RecordId) {
        if let Some(i) = self.0.iter().position(|(r, _)| r == record) {
            self.0.remove(i);
        }
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn pop_oldest(&mut self) {
        self.0.pop_front();
    }
}

/// "broker 2", "producer 0", "the controller".
pub fn node_name(node: NodeId) -> String {
    match node {
        NodeId::Broker(id) => format!("broker {id}"),
        NodeId::Controller(0) => "the controller".to_owned(),
        NodeId::Controller(id) => format!("controller {id}"),
        NodeId::ZooKeeper(id) => format!("ZooKeeper server {id}"),
        NodeId::Producer(id) => format!("producer {id}"),
        NodeId::Consumer(id) => format!("consumer {id}"),
    }
}

/// A broker list as Kafka tools print it: `[3,1]`.
pub fn broker_list(ids: &[BrokerId]) -> String {
    let mut s = String::from("[");
    for (i, id) in ids.iter().enumerate() {
        if i > 0 {
            s.push(',');
        }
        let _ = write!(s, "{id}");
    }
    s.push(']');
    s
}

/// Milliseconds as seconds with one decimal: `3.0 s`.
pub fn seconds(ms: u64) -> String {
    format!("{}.{} s", ms / 1000, (ms % 1000) / 100)
}

/// The default partitioner's arithmetic for a key, e.g.
/// `key "customer-123": murmur2 = 593099448, 593099448 % 3 = 0 -> partition 0`.
/// A negative hash shows Kafka's `toPositive` step (`hash & 0x7fffffff`).
pub fn key_arithmetic(key: Option<&str>, kp: &KeyPlacement) -> String {
    let mut s = match key {
        Some(k) => format!("key \"{}\": murmur2 = {}", bidi_isolated(k), kp.murmur2),
        None => format!("key: murmur2 = {}", kp.murmur2),
    };
    if kp.murmur2 != kp.positive {
        let _ = write!(s, ", toPositive = {}", kp.positive);
    }
    let _ = write!(
        s,
        ", {} % {} = {} -> partition {}",
        kp.positive, kp.num_partitions, kp.partition, kp.partition
    );
    s
}

fn record_label(r: &Record) -> String {
    match &r.key {
        Some(k) => format!(
            "{}: {} (key \"{}\")",
            r.offset,
            bidi_isolated(&r.value),
            bidi_isolated(k)
        ),
        None => format!("{}: {}", r.offset, bidi_isolated(&r.value)),
    }
}

fn tps(list: &[TopicPartition]) -> String {
    if list.is_empty() {
        return "nothing".to_owned();
    }
    list.iter()
        .map(|tp| tp.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

fn key(text: String) -> Option<Narration> {
    Some(Narration {
        text,
        detail: false,
    })
}

fn detail(text: String) -> Option<Narration> {
    Some(Narration { text, detail: true })
}

/// What a screen reader hears of an event, in a few words, or None for events it does not
/// hear (the page's live region says only what changes the cluster's shape: crashes and
/// restarts, isolation, fencing, leader elections, offline partitions, ISR changes, a new
/// active controller, records lost). The event log has the full sentence.
pub fn announcement(kind: &EventKind) -> Option<String> {
    Some(match kind {
        EventKind::NodeCrashed { node } => format!("{} crashed", node_name(*node)),
        EventKind::NodeRestarted { node } => format!("{} restarted", node_name(*node)),
        EventKind::NodeIsolated { node } => format!("{} isolated", node_name(*node)),
        EventKind::NetworkHealed => "network healed".to_owned(),
        EventKind::BrokerFenced { broker, .. } => format!("broker {broker} fenced"),
        EventKind::BrokerUnfenced { broker } => format!("broker {broker} unfenced"),
        // A new topic's first leaders are part of setting it up, not news.
        EventKind::LeaderElected {
            reason: ElectionReason::NewPartition,
            ..
        } => return None,
        EventKind::LeaderElected {
            tp,
            leader,
            leader_epoch,
            reason,
            ..
        } => format!(
            "broker {leader} leads {tp}{} (epoch {leader_epoch})",
            if matches!(reason, ElectionReason::Unclean) {
                " after an UNCLEAN election"
            } else {
                ""
            }
        ),
        EventKind::PartitionOffline { tp, .. } => format!("{tp} OFFLINE"),
        EventKind::IsrChanged { tp, isr, .. } => format!("ISR of {tp} now {}", broker_list(isr)),
        EventKind::ControllerActivated { controller, epoch } => format!(
            "{} is the active controller (epoch {epoch})",
            node_name(*controller)
        ),
        EventKind::RecordsTruncated {
            broker, tp, lost, ..
        } if !lost.is_empty() => format!(
            "broker {broker} lost {} record{} of {tp}",
            lost.len(),
            if lost.len() == 1 { "" } else { "s" }
        ),
        _ => return None,
    })
}

/// The sentence for one event, or `None` for events the log does not show (messages being
/// sent: the diagram animates those).
pub fn narrate(kind: &EventKind, ctx: &NarrateCtx) -> Option<Narration> {
    match kind {
        EventKind::MessageSent { .. } => None,
        EventKind::MessageDropped {
            from, to, reason, ..
        } => detail(format!(
            "a message from {} to {} was dropped: {}",
            node_name(*from),
            node_name(*to),
            match reason {
                DropReason::Lost => "lost by the network",
                DropReason::LinkCut => "the link is cut",
                DropReason::ReceiverDown => "the receiver is down",
            }
        )),
        EventKind::NodeCrashed { node } => key(format!(
            "{} crashed: it stops answering and loses what it held in memory",
            node_name(*node)
        )),
        EventKind::NodeRestarted { node } => key(format!("{} restarted", node_name(*node))),
        EventKind::NodeIsolated { node } => key(format!(
            "{} is isolated: every link to and from it is cut",
            node_name(*node)
        )),
        EventKind::LinkCut { a, b } => key(format!(
            "the link between {} and {} is cut",
            node_name(*a),
            node_name(*b)
        )),
        EventKind::NetworkHealed => key("the network is healed: every link works again".into()),
        EventKind::StaleControllerRejected { .. }
        | EventKind::ControllerActivated { .. }
        | EventKind::ControllerResigned { .. }
        | EventKind::Zk(_)
        | EventKind::Kraft(_) => key(kafkascope_core::describe::event_text(kind)),
        EventKind::BrokerFenced {
            broker,
            silent_for_ms,
        } => key(format!(
            "broker {broker} stopped answering; fenced after {} silence",
            seconds(*silent_for_ms)
        )),
        // ZooKeeper mode has no fencing: the broker registered /brokers/ids/<id> again.
        EventKind::BrokerUnfenced { broker } if ctx.zookeeper => key(format!(
            "broker {broker} registered in ZooKeeper again; the controller counts it alive"
        )),
        EventKind::BrokerUnfenced { broker } => key(format!(
            "broker {broker} is heard again; the controller unfences it"
        )),
        EventKind::TopicCreated { topic, assignment } => {
            key(topic_assignment("created topic", topic, 0, assignment))
        }
        EventKind::PartitionsAdded { topic, assignment } => key(topic_assignment(
            "added partitions to",
            topic,
            0,
            assignment,
        )),
        EventKind::LeaderElected {
            tp,
            leader,
            previous_leader,
            leader_epoch,
            isr,
            reason,
        } => {
            let why = match reason {
                ElectionReason::NewPartition => "because the partition is new".to_owned(),
                ElectionReason::LeaderFailed => "because its leader failed".to_owned(),
                ElectionReason::Unclean => {
                    "UNCLEANLY: no ISR member was alive, so an out-of-sync replica leads and \
                     records it never had are lost"
                        .to_owned()
                }
                ElectionReason::Preferred => {
                    format!("to give leadership back to the preferred replica {leader}")
                }
                ElectionReason::OfflinePartitionRecovered => {
                    "because a replica came back to an offline partition".to_owned()
                }
            };
            let mut s = format!(
                "controller elected broker {leader} leader of {tp} (epoch {leader_epoch}) from ISR {} {why}",
                broker_list(isr)
            );
            if *previous_leader != NO_LEADER && previous_leader != leader {
                let _ = write!(s, " (previous leader: broker {previous_leader})");
            }
            key(s)
        }
        EventKind::PartitionOffline { tp, isr } => key(format!(
            "{tp} is OFFLINE: no replica that may lead is alive (ISR {})",
            broker_list(isr)
        )),
        EventKind::IsrChanged { tp, isr, reason } => key(match reason {
            IsrChangeReason::FollowerLagging { removed } => format!(
                "ISR of {tp} shrank to {}: the leader dropped {} (not caught up within replica.lag.time.max.ms)",
                broker_list(isr),
                brokers_words(removed)
            ),
            IsrChangeReason::FollowerCaughtUp { added } => format!(
                "ISR of {tp} grew to {}: {} caught up with the leader",
                broker_list(isr),
                brokers_words(added)
            ),
            IsrChangeReason::BrokerFailed { removed } => format!(
                "ISR of {tp} shrank to {}: the controller removed {} ({})",
                broker_list(isr),
                brokers_words(removed),
                if ctx.zookeeper {
                    "its ZooKeeper session expired, or it shut down"
                } else {
                    "fenced or shut down"
                }
            ),
            IsrChangeReason::UncleanElection => format!(
                "ISR of {tp} restarts as {} after an unclean election",
                broker_list(isr)
            ),
        }),
        EventKind::BecameLeader {
            broker,
            tp,
            leader_epoch,
        } => detail(format!(
            "broker {broker} now leads {tp} (epoch {leader_epoch})"
        )),
        EventKind::BecameFollower {
            broker,
            tp,
            leader,
            leader_epoch,
        } => detail(format!(
            "broker {broker} now follows broker {leader} for {tp} (epoch {leader_epoch})"
        )),
        EventKind::RecordsAppended {
            broker,
            tp,
            base_offset,
            count,
            leader_epoch,
        } => detail(if *count == 1 {
            format!("broker {broker} appended offset {base_offset} to {tp} (epoch {leader_epoch})")
        } else {
            format!(
                "broker {broker} appended offsets {base_offset}..{} to {tp} (epoch {leader_epoch})",
                base_offset + count - 1
            )
        }),
        EventKind::HighWatermarkAdvanced {
            broker,
            tp,
            high_watermark,
        } => detail(format!(
            "broker {broker}: high watermark of {tp} is now {high_watermark}"
        )),
        EventKind::RecordsTruncated {
            broker,
            tp,
            to_offset,
            lost,
        } => {
            if lost.is_empty() {
                detail(format!(
                    "broker {broker} truncated {tp} to offset {to_offset}; nothing lost"
                ))
            } else {
                key(format!(
                    "broker {broker} truncated {tp} to offset {to_offset}; LOST {} record{}: {}",
                    lost.len(),
                    if lost.len() == 1 { "" } else { "s" },
                    lost.iter().map(record_label).collect::<Vec<_>>().join(", ")
                ))
            }
        }
        EventKind::LogStartOffsetAdvanced {
            broker,
            tp,
            log_start_offset,
            reason: LogStartReason::Retention,
            ..
        } => detail(format!(
            "broker {broker}: retention deleted old records of {tp}; log now starts at {log_start_offset}"
        )),
        EventKind::LogStartOffsetAdvanced {
            broker,
            tp,
            log_start_offset,
            reason: LogStartReason::LeaderLogStart,
            ..
        } => detail(format!(
            "broker {broker}: its copy of {tp} now starts at {log_start_offset}, where the leader's does"
        )),
        EventKind::LogStartOffsetAdvanced {
            broker,
            tp,
            log_start_offset,
            reason: LogStartReason::PastLeaderEnd,
            ..
        } => key(format!(
            "broker {broker}'s copy of {tp} started past the new leader's end \
             (OFFSET_OUT_OF_RANGE); it starts again at {log_start_offset}"
        )),
        EventKind::LogStartOffsetAdvanced {
            broker,
            tp,
            log_start_offset,
            reason: LogStartReason::OutOfRange,
            ..
        } => Some(Narration {
            text: format!(
                "broker {broker} was too far behind on {tp}: the leader's log starts at \
             {log_start_offset} (OFFSET_OUT_OF_RANGE), so it dropped its copy and fetches again \
             from there"
            ),
            detail: false,
        }),
        EventKind::RecordPartitioned {
            record,
            tp,
            key_placement,
            explicit,
            keyless,
            ..
        } => key(placement_text(
            ctx,
            *record,
            tp,
            key_placement.as_ref(),
            *explicit,
            *keyless,
        )),
        EventKind::ProduceAcknowledged {
            producer,
            record,
            tp,
            offset,
        } => key(match offset {
            Some(o) => {
                format!("producer {producer}: record {record} acknowledged, {tp} offset {o}")
            }
            None => format!(
                "producer {producer}: record {record} sent to {tp} with acks=0 (no acknowledgement)"
            ),
        }),
        EventKind::ProduceRetrying {
            producer,
            record,
            tp,
            error,
            attempt,
        } => key(format!(
            "producer {producer}: record {record} to {tp} got {}; retry {attempt}",
            error.name()
        )),
        EventKind::ProduceFailed {
            producer,
            record,
            tp,
            error,
        } => key(format!(
            "producer {producer}: record {record}{} FAILED with {}",
            tp.as_ref().map(|t| format!(" to {t}")).unwrap_or_default(),
            error
        )),
        EventKind::RebalanceStarted {
            group,
            coordinator,
            reason,
        } => key(format!(
            "group {group}: rebalance started by coordinator broker {coordinator} ({reason})",
            group = bidi_isolated(group)
        )),
        EventKind::GroupStable {
            group,
            generation,
            leader,
            protocol,
        } => key(format!(
            "group {group} is stable: generation {generation}, leader {leader}, assignor {protocol}",
            group = bidi_isolated(group)
        )),
        EventKind::MemberRemoved {
            group,
            member,
            reason,
        } => key(format!(
            "group {group}: member {member} removed ({reason})",
            group = bidi_isolated(group)
        )),
        EventKind::PartitionsAssigned {
            consumer,
            group,
            generation,
            partitions,
        } => key(format!(
            "consumer {consumer} (group {group}, generation {generation}) assigned {}",
            tps(partitions),
            group = bidi_isolated(group)
        )),
        EventKind::PartitionsRevoked {
            consumer,
            group,
            partitions,
            lost: false,
        } => key(format!(
            "consumer {consumer} (group {group}) revoked {}",
            tps(partitions),
            group = bidi_isolated(group)
        )),
        EventKind::PartitionsRevoked {
            consumer,
            group,
            partitions,
            lost: true,
        } => key(format!(
            "consumer {consumer} (group {group}) lost {}: outside a generation or in the middle \
             of a rebalance it cannot commit for them, and another member may already own them",
            tps(partitions),
            group = bidi_isolated(group)
        )),
        EventKind::ConsumerTruncationDetected {
            consumer,
            tp,
            position,
            diverging_offset,
        } => key(format!(
            "consumer {consumer}: the records of {tp} it read at offsets {diverging_offset} to \
             {} are not on the new leader (truncation detected, KIP-320); it goes back to \
             offset {diverging_offset}",
            position.saturating_sub(1)
        )),
        EventKind::ConsumerFailed {
            consumer,
            group,
            error,
        } => key(format!(
            "consumer {consumer} stopped: group {group} refused it with {error}{}",
            if *error == ErrorCode::InconsistentGroupProtocol {
                " (its assignor is not one every member of the group supports)"
            } else {
                ""
            },
            group = bidi_isolated(group)
        )),
        EventKind::RecordsConsumed {
            consumer,
            tp,
            records,
        } => detail(match (records.first(), records.last()) {
            (Some(a), Some(b)) if records.len() > 1 => {
                format!("consumer {consumer} read {tp} offsets {}..{}", a.0, b.0)
            }
            (Some(a), _) => format!("consumer {consumer} read {tp} offset {}", a.0),
            _ => format!("consumer {consumer} read nothing from {tp}"),
        }),
        EventKind::OffsetsCommitted { group, offsets } => detail(format!(
            "group {group} committed {}",
            offsets
                .iter()
                .map(|(tp, o)| format!("{tp}@{o}"))
                .collect::<Vec<_>>()
                .join(", "),
            group = bidi_isolated(group)
        )),
        EventKind::RequestTimedOut { node, to, api } => key(format!(
            "{}: {api} to {} timed out",
            node_name(*node),
            node_name(*to)
        )),
    }
}

/// What the "Elect preferred leaders" button did: the partitions moved, and those whose
/// preferred replica could not lead (PREFERRED_LEADER_NOT_AVAILABLE), named when few.
pub fn preferred_election(r: &PreferredElection) -> String {
    let partitions = |tps: &[TopicPartition]| {
        if tps.len() <= 3 {
            let names: Vec<String> = tps.iter().map(ToString::to_string).collect();
            names.join(", ")
        } else {
            format!("{} partitions", tps.len())
        }
    };
    let mut text = if r.elected.is_empty() {
        "no leader moved".to_owned()
    } else {
        format!(
            "preferred leader election started for {}",
            partitions(&r.elected)
        )
    };
    if !r.not_available.is_empty() {
        let _ = write!(
            text,
            "; not {}: the preferred replica is down or out of the ISR \
             (PREFERRED_LEADER_NOT_AVAILABLE)",
            partitions(&r.not_available),
        );
    } else if r.elected.is_empty() {
        text = "every partition already has its preferred leader".to_owned();
    }
    text
}

/// How a record's partition was chosen, in the partitioner's terms.
pub fn placement_text(
    ctx: &NarrateCtx,
    record: RecordId,
    tp: &TopicPartition,
    key_placement: Option<&KeyPlacement>,
    explicit: bool,
    keyless: Option<KeylessStrategy>,
) -> String {
    if explicit {
        return format!(
            "record {record}: partition {} given explicitly -> {tp}",
            tp.partition
        );
    }
    match key_placement {
        Some(kp) => key_arithmetic(ctx.keys.get(&record).map(|k| &**k), kp),
        // The producer's own strategy; the world's default for an event without one.
        None => match keyless.unwrap_or(ctx.keyless) {
            KeylessStrategy::RoundRobin => {
                format!("no key: round-robin -> partition {}", tp.partition)
            }
            KeylessStrategy::Sticky => {
                format!(
                    "no key: uniform sticky partitioner -> partition {}",
                    tp.partition
                )
            }
        },
    }
}

fn brokers_words(ids: &[BrokerId]) -> String {
    match ids {
        [one] => format!("broker {one}"),
        many => format!("brokers {}", broker_list(many)),
    }
}

fn topic_assignment(what: &str, topic: &str, first: usize, assignment: &[Vec<BrokerId>]) -> String {
    let mut s = format!("{what} {topic}:");
    for (i, replicas) in assignment.iter().enumerate() {
        let _ = write!(
            s,
            "{} partition {} on {}",
            if i == 0 { "" } else { "," },
            first + i,
            broker_list(replicas)
        );
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use kafkascope_core::partitioner::partition_for_key;

    fn tp(p: u32) -> TopicPartition {
        TopicPartition::new("orders", p)
    }

    fn text(kind: EventKind) -> String {
        narrate(&kind, &NarrateCtx::default()).unwrap().text
    }

    #[test]
    fn preferred_election_says_what_moved_and_what_could_not() {
        let r = |elected: &[u32], not_needed: &[u32], not_available: &[u32]| PreferredElection {
            elected: elected.iter().map(|&p| tp(p)).collect(),
            not_needed: not_needed.iter().map(|&p| tp(p)).collect(),
            not_available: not_available.iter().map(|&p| tp(p)).collect(),
        };
        assert_eq!(
            preferred_election(&r(&[], &[0, 1], &[])),
            "every partition already has its preferred leader"
        );
        assert_eq!(
            preferred_election(&r(&[0, 2], &[1], &[])),
            "preferred leader election started for orders-0, orders-2"
        );
        assert_eq!(
            preferred_election(&r(&[0, 1, 2, 3], &[], &[5])),
            "preferred leader election started for 4 partitions; not orders-5: the preferred \
             replica is down or out of the ISR (PREFERRED_LEADER_NOT_AVAILABLE)"
        );
        assert_eq!(
            preferred_election(&r(&[], &[0], &[1, 2])),
            "no leader moved; not orders-1, orders-2: the preferred replica is down or out of \
             the ISR (PREFERRED_LEADER_NOT_AVAILABLE)"
        );
    }

    #[test]
    fn a_broker_back_is_unfenced_outside_zookeeper_mode_and_registered_in_it() {
        let e = EventKind::BrokerUnfenced { broker: 1 };
        assert_eq!(
            text(e.clone()),
            "broker 1 is heard again; the controller unfences it"
        );
        let zk = NarrateCtx {
            zookeeper: true,
            ..Default::default()
        };
        assert_eq!(
            narrate(&e, &zk).unwrap().text,
            "broker 1 registered in ZooKeeper again; the controller counts it alive"
        );
    }

    #[test]
    fn a_consumer_says_whether_it_revoked_or_lost_its_partitions() {
        let dropped = |lost| EventKind::PartitionsRevoked {
            consumer: 2,
            group: "g".into(),
            partitions: vec![tp(0), tp(1)],
            lost,
        };
        assert_eq!(
            text(dropped(false)),
            "consumer 2 (group g) revoked orders-0, orders-1"
        );
        assert_eq!(
            text(dropped(true)),
            "consumer 2 (group g) lost orders-0, orders-1: outside a generation or in the \
             middle of a rebalance it cannot commit for them, and another member may already \
             own them"
        );
    }

    #[test]
    fn a_consumer_that_detects_truncation_says_what_it_read_and_where_it_goes_back() {
        assert_eq!(
            text(EventKind::ConsumerTruncationDetected {
                consumer: 0,
                tp: tp(0),
                position: 6,
                diverging_offset: 3,
            }),
            "consumer 0: the records of orders-0 it read at offsets 3 to 5 are not on the new \
             leader (truncation detected, KIP-320); it goes back to offset 3"
        );
    }

    #[test]
    fn fencing_names_the_broker_and_the_silence() {
        assert_eq!(
            text(EventKind::BrokerFenced {
                broker: 2,
                silent_for_ms: 3000
            }),
            "broker 2 stopped answering; fenced after 3.0 s silence"
        );
        assert_eq!(seconds(3_549), "3.5 s");
    }

    #[test]
    fn election_names_leader_partition_epoch_isr_and_reason() {
        let e = EventKind::LeaderElected {
            tp: tp(0),
            leader: 3,
            previous_leader: NO_LEADER,
            leader_epoch: 2,
            isr: vec![3, 1],
            reason: ElectionReason::LeaderFailed,
        };
        assert_eq!(
            text(e),
            "controller elected broker 3 leader of orders-0 (epoch 2) from ISR [3,1] because its leader failed"
        );
        let e = EventKind::LeaderElected {
            tp: tp(1),
            leader: 3,
            previous_leader: 2,
            leader_epoch: 5,
            isr: vec![3],
            reason: ElectionReason::Unclean,
        };
        let t = text(e);
        assert!(t.contains("UNCLEANLY"), "{t}");
        assert!(t.ends_with("(previous leader: broker 2)"), "{t}");
    }

    #[test]
    fn keyed_placement_shows_murmur2_arithmetic() {
        let kp = partition_for_key(b"customer-123", 3);
        let mut ctx = NarrateCtx::default();
        ctx.keys.insert(7, Arc::from("customer-123"));
        let e = EventKind::RecordPartitioned {
            producer: 0,
            record: 7,
            tp: tp(kp.partition),
            key_placement: Some(kp),
            explicit: false,
            keyless: None,
        };
        let t = narrate(&e, &ctx).unwrap().text;
        assert_eq!(
            t,
            format!(
                "key \"customer-123\": murmur2 = {h}, {h} % 3 = {p} -> partition {p}",
                h = kp.murmur2,
                p = kp.partition
            )
        );
        // The course's worked example.
        assert_eq!(kp.murmur2, 593099448);
        assert_eq!(
            t,
            "key \"customer-123\": murmur2 = 593099448, 593099448 % 3 = 0 -> partition 0"
        );
    }

    #[test]
    fn negative_hash_shows_to_positive_step() {
        // Find a key whose murmur2 is negative.
        let (k, kp) = (0..1000)
            .map(|i| format!("k{i}"))
            .map(|k| {
                let kp = partition_for_key(k.as_bytes(), 4);
                (k, kp)
            })
            .find(|(_, kp)| kp.murmur2 < 0)
            .unwrap();
        let t = key_arithmetic(Some(&k), &kp);
        assert!(
            t.contains(&format!(
                "murmur2 = {}, toPositive = {}, {} % 4 = {}",
                kp.murmur2, kp.positive, kp.positive, kp.partition
            )),
            "{t}"
        );
        assert_eq!(kp.positive, kp.murmur2 & 0x7fff_ffff);
    }

    #[test]
    fn keyless_placement_names_the_strategy() {
        let e = |keyless| EventKind::RecordPartitioned {
            producer: 0,
            record: 1,
            tp: tp(1),
            key_placement: None,
            explicit: false,
            keyless,
        };
        assert_eq!(text(e(None)), "no key: round-robin -> partition 1");
        let ctx = NarrateCtx {
            keyless: KeylessStrategy::Sticky,
            ..Default::default()
        };
        assert_eq!(
            narrate(&e(None), &ctx).unwrap().text,
            "no key: uniform sticky partitioner -> partition 1"
        );
        // The producer's own strategy wins over the world's default: a lesson's sticky
        // producer in a round-robin world is narrated as sticky, and the other way round.
        assert_eq!(
            text(e(Some(KeylessStrategy::Sticky))),
            "no key: uniform sticky partitioner -> partition 1"
        );
        assert_eq!(
            narrate(&e(Some(KeylessStrategy::RoundRobin)), &ctx)
                .unwrap()
                .text,
            "no key: round-robin -> partition 1"
        );
    }

    #[test]
    fn isr_changes_say_who_and_why() {
        let t = text(EventKind::IsrChanged {
            tp: tp(0),
            isr: vec![1, 3],
            reason: IsrChangeReason::BrokerFailed { removed: vec![2] },
        });
        assert_eq!(
            t,
            "ISR of orders-0 shrank to [1,3]: the controller removed broker 2 (fenced or shut down)"
        );
        let zk = NarrateCtx {
            zookeeper: true,
            ..Default::default()
        };
        let e = EventKind::IsrChanged {
            tp: tp(0),
            isr: vec![1, 3],
            reason: IsrChangeReason::BrokerFailed { removed: vec![2] },
        };
        assert_eq!(
            narrate(&e, &zk).unwrap().text,
            "ISR of orders-0 shrank to [1,3]: the controller removed broker 2 (its ZooKeeper session expired, or it shut down)"
        );
        let t = text(EventKind::IsrChanged {
            tp: tp(0),
            isr: vec![1, 2, 3],
            reason: IsrChangeReason::FollowerCaughtUp { added: vec![2] },
        });
        assert_eq!(
            t,
            "ISR of orders-0 grew to [1,2,3]: broker 2 caught up with the leader"
        );
    }

    #[test]
    fn truncation_with_loss_lists_the_lost_records_and_is_not_a_detail() {
        let r = |offset, v: &str| Record {
            offset,
            leader_epoch: 1,
            timestamp: 0,
            key: None,
            value: Arc::from(v),
            id: offset,
        };
        let n = narrate(
            &EventKind::RecordsTruncated {
                broker: 2,
                tp: tp(0),
                to_offset: 3,
                lost: vec![r(3, "order-4"), r(4, "order-5")],
            },
            &NarrateCtx::default(),
        )
        .unwrap();
        assert!(!n.detail);
        assert_eq!(
            n.text,
            "broker 2 truncated orders-0 to offset 3; LOST 2 records: 3: order-4, 4: order-5"
        );
    }

    #[test]
    fn routine_replication_is_detail_and_messages_are_not_narrated() {
        let n = narrate(
            &EventKind::RecordsAppended {
                broker: 1,
                tp: tp(0),
                base_offset: 4,
                count: 3,
                leader_epoch: 1,
            },
            &NarrateCtx::default(),
        )
        .unwrap();
        assert!(n.detail);
        assert_eq!(
            n.text,
            "broker 1 appended offsets 4..6 to orders-0 (epoch 1)"
        );
        let n = narrate(
            &EventKind::MessageDropped {
                id: 1,
                from: NodeId::Broker(1),
                to: NodeId::Broker(2),
                reason: DropReason::ReceiverDown,
            },
            &NarrateCtx::default(),
        )
        .unwrap();
        assert!(n.detail);
        assert_eq!(
            n.text,
            "a message from broker 1 to broker 2 was dropped: the receiver is down"
        );
    }

    #[test]
    fn topic_creation_lists_each_partitions_replicas() {
        assert_eq!(
            text(EventKind::TopicCreated {
                topic: Arc::from("orders"),
                assignment: vec![vec![1, 2, 3], vec![2, 3, 1]],
            }),
            "created topic orders: partition 0 on [1,2,3], partition 1 on [2,3,1]"
        );
    }

    #[test]
    fn a_consumer_stopped_by_an_inconsistent_group_protocol_says_why() {
        let t = text(EventKind::ConsumerFailed {
            consumer: 2,
            group: "g".into(),
            error: ErrorCode::InconsistentGroupProtocol,
        });
        assert!(t.starts_with("consumer 2 stopped: group "), "{t}");
        assert!(
            t.ends_with(" refused it with INCONSISTENT_GROUP_PROTOCOL (23) (its assignor is not one every member of the group supports)"),
            "{t}"
        );
    }

    #[test]
    fn produce_failure_uses_kafkas_error_name_and_code() {
        let t = text(EventKind::ProduceFailed {
            producer: 0,
            record: 9,
            tp: Some(tp(2)),
            error: kafkascope_core::ErrorCode::NotEnoughReplicas,
        });
        assert_eq!(
            t,
            "producer 0: record 9 to orders-2 FAILED with NOT_ENOUGH_REPLICAS (19)"
        );
    }

    #[test]
    fn a_key_or_group_with_bidi_controls_is_isolated_so_it_cannot_turn_the_line_around() {
        let kp = kafkascope_core::partitioner::partition_for_key(b"x", 3);
        assert_eq!(
            key_arithmetic(Some("evil\u{202E}key"), &kp)
                .split(':')
                .next()
                .unwrap(),
            "key \"\u{2068}evil\u{202E}key\u{2069}\""
        );
        assert!(key_arithmetic(Some("customer-123"), &kp).starts_with("key \"customer-123\": "));
        assert_eq!(
            crate::fmt::bidi_isolated("مرحبا"),
            "مرحبا",
            "RTL letters alone need no isolate"
        );
    }
}
