//! Expectations: checks of the simulator's state at one moment of a scenario, written as
//! `expect` steps (`{"at": 9000, "action": "expect", "check": "partition", ...}`). Lessons use
//! them to pin their story to Kafka's rules (which partition a key goes to, who leads after a
//! failover, which acknowledged records an unclean election lost); `kafkascope run` fails
//! when one does not hold.
//!
//! Each check reads the same state the command line describes: the controller's metadata
//! (leader, ISR, leader epoch, fenced brokers, controller epoch), the replicas' logs (log end
//! offset, high watermark), the group coordinators, and the fate of every produced record
//! ([`crate::describe::record_results`]). A check names what it expects, property by
//! property; one that names no property is a file error, as it could never fail.

use crate::describe::{RecordResult, RecordStatus};
use crate::error::ErrorCode;
use crate::group::GroupState;
use crate::ids::{BrokerId, NO_LEADER, NodeId, TopicPartition};
use crate::scenario::{NodeRef, PartitionRef, StepSource};
use crate::sim::Sim;
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

/// One check, tagged by `check`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "check", rename_all = "snake_case", deny_unknown_fields)]
pub enum Expectation {
    /// A partition as `kafka-topics.sh --describe` shows it: the controller's leader, leader
    /// epoch, replicas and ISR, and the leader replica's log end offset and high watermark.
    Partition {
        partition: PartitionRef,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        leader: Option<LeaderMatch>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        leader_epoch: Option<NumberMatch>,
        /// The ISR as a set (order does not matter).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        isr: Option<Vec<BrokerId>>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        log_end_offset: Option<NumberMatch>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        high_watermark: Option<NumberMatch>,
    },
    /// One broker's replica of a partition: its own log end offset and high watermark, and
    /// whether the controller has it in the ISR.
    Replica {
        partition: PartitionRef,
        broker: BrokerId,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        log_end_offset: Option<NumberMatch>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        high_watermark: Option<NumberMatch>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        in_isr: Option<bool>,
    },
    /// Produced records, chosen by the step that sent them, key, value and producer (all
    /// that are given), in the order they were sent. At least one record must match.
    Records {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        step: Option<usize>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        key: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        value: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        producer: Option<u32>,
        /// How many records match.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        count: Option<NumberMatch>,
        /// Every matching record went to this partition.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        partition: Option<PartitionRef>,
        /// The partition of each matching record, in send order.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        partitions: Option<Vec<PartitionRef>>,
        /// The offset the producer was told for each matching record, in send order.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        offsets: Option<Vec<u64>>,
        /// Every matching record has this fate.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        status: Option<RecordStatus>,
        /// Every matching record failed with this error.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        error: Option<ErrorCode>,
    },
    /// Records acknowledged to their producer and no longer in their partition leader's log.
    LostRecords { count: NumberMatch },
    /// Counts operators watch (`OfflinePartitionsCount`, `UnderReplicatedPartitions`,
    /// `UnderMinIsrPartitionCount`, internal topics included) and the brokers the controller
    /// has fenced.
    Cluster {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        offline_partitions: Option<NumberMatch>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        under_replicated_partitions: Option<NumberMatch>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        under_min_isr_partitions: Option<NumberMatch>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        fenced_brokers: Option<Vec<BrokerId>>,
    },
    /// One broker: its process runs (`up`), the controller considers it dead (`fenced`: in
    /// ZooKeeper mode, its `/brokers/ids` znode is gone).
    Broker {
        broker: BrokerId,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        up: Option<bool>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        fenced: Option<bool>,
    },
    /// The active controller (the node that can change metadata now) and the controller
    /// epoch (ZooKeeper's `/controller_epoch`, KRaft's Raft epoch as committed).
    Controller {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        active: Option<NodeMatch>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        epoch: Option<NumberMatch>,
    },
    /// A consumer group as its coordinator knows it.
    Group {
        group: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        state: Option<GroupState>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        members: Option<NumberMatch>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        generation: Option<NumberMatch>,
        /// Exactly these members (by consumer) with exactly these partitions each.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        assignment: Option<BTreeMap<NodeRef, Vec<PartitionRef>>>,
        /// Committed offsets (next record to consume) of the partitions named.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        committed: Option<BTreeMap<PartitionRef, u64>>,
    },
}

/// A number, exactly (`4`) or within bounds (`{"at_least": 2}`, `{"at_most": 5}`, both).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NumberMatch {
    Exactly(u64),
    Between {
        at_least: Option<u64>,
        at_most: Option<u64>,
    },
}

impl NumberMatch {
    pub fn matches(self, n: u64) -> bool {
        match self {
            NumberMatch::Exactly(x) => n == x,
            NumberMatch::Between { at_least, at_most } => {
                at_least.is_none_or(|a| n >= a) && at_most.is_none_or(|b| n <= b)
            }
        }
    }
}

impl fmt::Display for NumberMatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            NumberMatch::Exactly(x) => write!(f, "{x}"),
            NumberMatch::Between {
                at_least: Some(a),
                at_most: Some(b),
            } => write!(f, "{a} to {b}"),
            NumberMatch::Between {
                at_least: Some(a), ..
            } => write!(f, "at least {a}"),
            NumberMatch::Between {
                at_most: Some(b), ..
            } => write!(f, "at most {b}"),
            NumberMatch::Between { .. } => write!(f, "any"),
        }
    }
}

impl Serialize for NumberMatch {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        match *self {
            NumberMatch::Exactly(x) => s.serialize_u64(x),
            NumberMatch::Between { at_least, at_most } => {
                let mut m = s.serialize_map(None)?;
                if let Some(a) = at_least {
                    m.serialize_entry("at_least", &a)?;
                }
                if let Some(b) = at_most {
                    m.serialize_entry("at_most", &b)?;
                }
                m.end()
            }
        }
    }
}

impl<'de> Deserialize<'de> for NumberMatch {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = NumberMatch;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a number ≥ 0 or {\"at_least\": n, \"at_most\": m}")
            }
            fn visit_u64<E: de::Error>(self, n: u64) -> Result<NumberMatch, E> {
                Ok(NumberMatch::Exactly(n))
            }
            fn visit_i64<E: de::Error>(self, n: i64) -> Result<NumberMatch, E> {
                u64::try_from(n)
                    .map(NumberMatch::Exactly)
                    .map_err(|_| E::custom(format!("{n} is negative: expected a number ≥ 0")))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<NumberMatch, A::Error> {
                let (mut at_least, mut at_most) = (None, None);
                while let Some(k) = map.next_key::<String>()? {
                    match k.as_str() {
                        "at_least" => at_least = Some(map.next_value()?),
                        "at_most" => at_most = Some(map.next_value()?),
                        other => {
                            return Err(de::Error::unknown_field(other, &["at_least", "at_most"]));
                        }
                    }
                }
                if at_least.is_none() && at_most.is_none() {
                    return Err(de::Error::custom(
                        "a range needs `at_least`, `at_most` or both",
                    ));
                }
                if let (Some(a), Some(b)) = (at_least, at_most)
                    && a > b
                {
                    return Err(de::Error::custom(format!(
                        "at_least {a} is more than at_most {b}"
                    )));
                }
                Ok(NumberMatch::Between { at_least, at_most })
            }
        }
        d.deserialize_any(V)
    }
}

/// A partition's leader: a broker id (`3`), one of several (`[2, 3]`), or `"none"` (offline:
/// Kafka prints `Leader: none`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LeaderMatch {
    Broker(BrokerId),
    OneOf(Vec<BrokerId>),
    None,
}

impl LeaderMatch {
    fn matches(&self, leader: Option<BrokerId>) -> bool {
        match (self, leader) {
            (LeaderMatch::None, None) => true,
            (LeaderMatch::Broker(b), Some(l)) => *b == l,
            (LeaderMatch::OneOf(bs), Some(l)) => bs.contains(&l),
            _ => false,
        }
    }
}

impl fmt::Display for LeaderMatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LeaderMatch::Broker(b) => write!(f, "{b}"),
            LeaderMatch::OneOf(bs) => write!(f, "one of {}", ids(bs)),
            LeaderMatch::None => write!(f, "none"),
        }
    }
}

impl Serialize for LeaderMatch {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            LeaderMatch::Broker(b) => s.serialize_i32(*b),
            LeaderMatch::OneOf(bs) => bs.serialize(s),
            LeaderMatch::None => s.serialize_str("none"),
        }
    }
}

impl<'de> Deserialize<'de> for LeaderMatch {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = LeaderMatch;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a broker id, a list of broker ids, or \"none\"")
            }
            fn visit_u64<E: de::Error>(self, n: u64) -> Result<LeaderMatch, E> {
                i32::try_from(n)
                    .map(LeaderMatch::Broker)
                    .map_err(|_| E::custom(format!("{n} is not a broker id")))
            }
            fn visit_i64<E: de::Error>(self, n: i64) -> Result<LeaderMatch, E> {
                match i32::try_from(n) {
                    Ok(b) if b >= 0 => Ok(LeaderMatch::Broker(b)),
                    _ => Err(E::custom(format!(
                        "{n} is not a broker id (write \"none\" for no leader)"
                    ))),
                }
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<LeaderMatch, E> {
                if s == "none" {
                    Ok(LeaderMatch::None)
                } else {
                    Err(E::custom(format!(
                        "{s:?}: expected a broker id, a list of broker ids, or \"none\""
                    )))
                }
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<LeaderMatch, A::Error> {
                let mut out = Vec::new();
                while let Some(b) = seq.next_element::<BrokerId>()? {
                    out.push(b);
                }
                if out.is_empty() {
                    return Err(de::Error::custom(
                        "an empty list matches no leader: write \"none\"",
                    ));
                }
                Ok(LeaderMatch::OneOf(out))
            }
        }
        d.deserialize_any(V)
    }
}

/// The active controller: a node (`"controller-101"`), one of several, or `"none"`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum NodeMatch {
    Node(NodeId),
    OneOf(Vec<NodeId>),
    None,
}

impl NodeMatch {
    fn matches(&self, node: Option<NodeId>) -> bool {
        match (self, node) {
            (NodeMatch::None, None) => true,
            (NodeMatch::Node(n), Some(a)) => *n == a,
            (NodeMatch::OneOf(ns), Some(a)) => ns.contains(&a),
            _ => false,
        }
    }

    /// The nodes named.
    pub fn nodes(&self) -> Vec<NodeId> {
        match self {
            NodeMatch::Node(n) => vec![*n],
            NodeMatch::OneOf(ns) => ns.clone(),
            NodeMatch::None => Vec::new(),
        }
    }
}

impl fmt::Display for NodeMatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            NodeMatch::Node(n) => write!(f, "{n}"),
            NodeMatch::OneOf(ns) => {
                let names: Vec<String> = ns.iter().map(ToString::to_string).collect();
                write!(f, "one of {}", names.join(", "))
            }
            NodeMatch::None => write!(f, "none"),
        }
    }
}

impl Serialize for NodeMatch {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            NodeMatch::Node(n) => NodeRef(*n).serialize(s),
            NodeMatch::OneOf(ns) => s.collect_seq(ns.iter().map(|n| NodeRef(*n))),
            NodeMatch::None => s.serialize_str("none"),
        }
    }
}

impl<'de> Deserialize<'de> for NodeMatch {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = NodeMatch;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a node such as \"controller-101\", a list of nodes, or \"none\"")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<NodeMatch, E> {
                if s == "none" {
                    return Ok(NodeMatch::None);
                }
                crate::scenario::parse_node_name(s)
                    .map(NodeMatch::Node)
                    .map_err(E::custom)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<NodeMatch, A::Error> {
                let mut out = Vec::new();
                while let Some(n) = seq.next_element::<NodeRef>()? {
                    out.push(n.0);
                }
                if out.is_empty() {
                    return Err(de::Error::custom(
                        "an empty list matches no controller: write \"none\"",
                    ));
                }
                Ok(NodeMatch::OneOf(out))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<NodeMatch, A::Error> {
                NodeId::deserialize(de::value::MapAccessDeserializer::new(map)).map(NodeMatch::Node)
            }
        }
        d.deserialize_any(V)
    }
}

/// One property of a check: what was expected, what was found.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PropertyResult {
    pub property: String,
    pub expected: String,
    pub found: String,
    pub holds: bool,
}

/// The result of one check.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExpectResult {
    /// What was looked at: `partition orders-1`, `records with key customer-123`.
    pub subject: String,
    pub properties: Vec<PropertyResult>,
    /// Every property holds (and the subject exists).
    pub holds: bool,
}

impl ExpectResult {
    fn new(subject: impl Into<String>) -> Self {
        Self {
            subject: subject.into(),
            properties: Vec::new(),
            holds: true,
        }
    }

    fn prop(&mut self, property: &str, expected: String, found: String, holds: bool) {
        self.holds &= holds;
        self.properties.push(PropertyResult {
            property: property.into(),
            expected,
            found,
            holds,
        });
    }

    fn number(&mut self, property: &str, m: Option<NumberMatch>, found: Option<u64>) {
        if let Some(m) = m {
            let holds = found.is_some_and(|n| m.matches(n));
            self.prop(property, m.to_string(), opt(found), holds);
        }
    }

    fn flag(&mut self, property: &str, m: Option<bool>, found: bool) {
        if let Some(m) = m {
            self.prop(property, m.to_string(), found.to_string(), m == found);
        }
    }

    fn set(&mut self, property: &str, m: &Option<Vec<BrokerId>>, found: &[BrokerId]) {
        if let Some(m) = m {
            let want: BTreeSet<_> = m.iter().collect();
            let got: BTreeSet<_> = found.iter().collect();
            self.prop(property, ids(m), ids(found), want == got);
        }
    }

    /// The subject was not found: the check fails with that as what was found.
    fn missing(mut self, what: &str) -> Self {
        self.holds = false;
        self.properties.push(PropertyResult {
            property: "exists".into(),
            expected: "yes".into(),
            found: what.into(),
            holds: false,
        });
        self
    }

    /// `partition orders-1: leader 3 (found 3), isr [2,3] (found [2,3])`.
    pub fn text(&self) -> String {
        let props: Vec<String> = self
            .properties
            .iter()
            .map(|p| {
                if p.holds {
                    format!("{} {}", p.property, p.expected)
                } else {
                    format!("{} expected {}, found {}", p.property, p.expected, p.found)
                }
            })
            .collect();
        format!("{}: {}", self.subject, props.join("; "))
    }
}

fn opt<T: fmt::Display>(v: Option<T>) -> String {
    v.map_or_else(|| "none".to_string(), |v| v.to_string())
}

fn ids(v: &[BrokerId]) -> String {
    let s: Vec<String> = v.iter().map(ToString::to_string).collect();
    format!("[{}]", s.join(","))
}

fn list<T: fmt::Display>(v: impl IntoIterator<Item = T>) -> String {
    let s: Vec<String> = v.into_iter().map(|x| x.to_string()).collect();
    format!("[{}]", s.join(", "))
}

fn status_name(s: RecordStatus) -> &'static str {
    match s {
        RecordStatus::Acknowledged => "acknowledged",
        RecordStatus::AcknowledgedThenLost => "acknowledged_then_lost",
        RecordStatus::AcknowledgedThenDeleted => "acknowledged_then_deleted",
        RecordStatus::SentWithoutAck => "sent_without_ack",
        RecordStatus::Failed => "failed",
        RecordStatus::Pending => "pending",
    }
}

/// The produced records' fates at the moment of the check, in send order.
pub type Records<'a> = &'a [RecordResult];

impl Expectation {
    /// The check's name, as written in `check`.
    pub fn name(&self) -> &'static str {
        match self {
            Expectation::Partition { .. } => "partition",
            Expectation::Replica { .. } => "replica",
            Expectation::Records { .. } => "records",
            Expectation::LostRecords { .. } => "lost_records",
            Expectation::Cluster { .. } => "cluster",
            Expectation::Broker { .. } => "broker",
            Expectation::Controller { .. } => "controller",
            Expectation::Group { .. } => "group",
        }
    }

    /// Whether the check reads the produced records' fates (the caller computes them only
    /// then).
    pub fn needs_records(&self) -> bool {
        matches!(
            self,
            Expectation::Records { .. } | Expectation::LostRecords { .. }
        )
    }

    /// The properties the check names. A check naming none could never fail.
    pub fn property_count(&self) -> usize {
        fn n<T>(o: &Option<T>) -> usize {
            usize::from(o.is_some())
        }
        match self {
            Expectation::Partition {
                leader,
                leader_epoch,
                isr,
                log_end_offset,
                high_watermark,
                ..
            } => n(leader) + n(leader_epoch) + n(isr) + n(log_end_offset) + n(high_watermark),
            Expectation::Replica {
                log_end_offset,
                high_watermark,
                in_isr,
                ..
            } => n(log_end_offset) + n(high_watermark) + n(in_isr),
            Expectation::Records {
                count,
                partition,
                partitions,
                offsets,
                status,
                error,
                ..
            } => n(count) + n(partition) + n(partitions) + n(offsets) + n(status) + n(error),
            Expectation::LostRecords { .. } => 1,
            Expectation::Cluster {
                offline_partitions,
                under_replicated_partitions,
                under_min_isr_partitions,
                fenced_brokers,
            } => {
                n(offline_partitions)
                    + n(under_replicated_partitions)
                    + n(under_min_isr_partitions)
                    + n(fenced_brokers)
            }
            Expectation::Broker { up, fenced, .. } => n(up) + n(fenced),
            Expectation::Controller { active, epoch } => n(active) + n(epoch),
            Expectation::Group {
                state,
                members,
                generation,
                assignment,
                committed,
                ..
            } => n(state) + n(members) + n(generation) + n(assignment) + n(committed),
        }
    }

    /// The partitions the check names (for checking that their topics exist).
    pub fn partitions(&self) -> Vec<&TopicPartition> {
        match self {
            Expectation::Partition { partition, .. } | Expectation::Replica { partition, .. } => {
                vec![&partition.0]
            }
            Expectation::Records {
                partition,
                partitions,
                ..
            } => partition
                .iter()
                .chain(partitions.iter().flatten())
                .map(|p| &p.0)
                .collect(),
            Expectation::Group {
                assignment,
                committed,
                ..
            } => assignment
                .iter()
                .flat_map(|a| a.values().flatten())
                .chain(committed.iter().flat_map(|c| c.keys()))
                .map(|p| &p.0)
                .collect(),
            _ => Vec::new(),
        }
    }

    /// The brokers the check names (for checking that they exist).
    pub fn brokers(&self) -> Vec<BrokerId> {
        match self {
            Expectation::Partition { leader, isr, .. } => {
                let mut out = isr.clone().unwrap_or_default();
                match leader {
                    Some(LeaderMatch::Broker(b)) => out.push(*b),
                    Some(LeaderMatch::OneOf(bs)) => out.extend(bs),
                    _ => {}
                }
                out
            }
            Expectation::Replica { broker, .. } | Expectation::Broker { broker, .. } => {
                vec![*broker]
            }
            Expectation::Cluster { fenced_brokers, .. } => {
                fenced_brokers.clone().unwrap_or_default()
            }
            _ => Vec::new(),
        }
    }

    /// What the check looks at, in words (`partition ledger-0`, `records with key k`): the
    /// subject of its result, and what the page lists before the check has run.
    pub fn subject(&self) -> String {
        match self {
            Expectation::Partition { partition, .. } => format!("partition {}", partition.0),
            Expectation::Replica {
                partition, broker, ..
            } => format!("replica of {} on broker {broker}", partition.0),
            Expectation::Records {
                step,
                key,
                value,
                producer,
                ..
            } => {
                let mut what = Vec::new();
                if let Some(s) = step {
                    what.push(format!("sent by steps[{s}]"));
                }
                if let Some(k) = key {
                    what.push(format!("with key {k}"));
                }
                if let Some(v) = value {
                    what.push(format!("with value {v}"));
                }
                if let Some(p) = producer {
                    what.push(format!("from producer-{p}"));
                }
                if what.is_empty() {
                    "every record".to_string()
                } else {
                    format!("records {}", what.join(" "))
                }
            }
            Expectation::LostRecords { .. } => "acknowledged records lost".to_owned(),
            Expectation::Cluster { .. } => "cluster".to_owned(),
            Expectation::Broker { broker, .. } => format!("broker {broker}"),
            Expectation::Controller { .. } => "controller".to_owned(),
            Expectation::Group { group, .. } => format!("group {group}"),
        }
    }

    /// Checks the simulation as it stands. `records` are the produced records' fates now
    /// (only read by the record checks, see [`Expectation::needs_records`]).
    pub fn evaluate(&self, sim: &Sim, records: Records) -> ExpectResult {
        let meta = sim.coordinator().metadata();
        match self {
            Expectation::Partition {
                partition,
                leader,
                leader_epoch,
                isr,
                log_end_offset,
                high_watermark,
            } => {
                let tp = &partition.0;
                let r = ExpectResult::new(self.subject());
                let Some(p) = meta.partition(tp) else {
                    return r.missing("no such partition");
                };
                let mut r = r;
                let found_leader = (p.leader != NO_LEADER).then_some(p.leader);
                if let Some(m) = leader {
                    r.prop(
                        "leader",
                        m.to_string(),
                        opt(found_leader),
                        m.matches(found_leader),
                    );
                }
                r.number(
                    "leader epoch",
                    *leader_epoch,
                    u64::try_from(p.leader_epoch).ok(),
                );
                r.set("isr", isr, &p.isr);
                let log = found_leader
                    .and_then(|l| sim.replica(l, tp))
                    .map(|rep| &rep.log);
                r.number(
                    "log end offset",
                    *log_end_offset,
                    log.map(|l| l.log_end_offset()),
                );
                r.number(
                    "high watermark",
                    *high_watermark,
                    log.map(|l| l.high_watermark()),
                );
                r
            }
            Expectation::Replica {
                partition,
                broker,
                log_end_offset,
                high_watermark,
                in_isr,
            } => {
                let tp = &partition.0;
                let r = ExpectResult::new(self.subject());
                let Some(rep) = sim.replica(*broker, tp) else {
                    return r.missing("broker hosts no such replica");
                };
                let mut r = r;
                r.number(
                    "log end offset",
                    *log_end_offset,
                    Some(rep.log.log_end_offset()),
                );
                r.number(
                    "high watermark",
                    *high_watermark,
                    Some(rep.log.high_watermark()),
                );
                let isr = meta.partition(tp).is_some_and(|p| p.isr.contains(broker));
                r.flag("in isr", *in_isr, isr);
                r
            }
            Expectation::Records {
                step,
                key,
                value,
                producer,
                count,
                partition,
                partitions,
                offsets,
                status,
                error,
            } => {
                let chosen: Vec<&RecordResult> = records
                    .iter()
                    .filter(|r| {
                        step.is_none_or(|s| r.source == StepSource::Step(s))
                            && key.as_ref().is_none_or(|k| r.key.as_ref() == Some(k))
                            && value.as_ref().is_none_or(|v| &r.value == v)
                            && producer.is_none_or(|p| r.producer == p)
                    })
                    .collect();
                let mut r = ExpectResult::new(self.subject());
                r.number("count", *count, Some(chosen.len() as u64));
                if chosen.is_empty() {
                    if count.is_some_and(|c| c.matches(0)) && r.properties.len() == 1 {
                        return r;
                    }
                    return r.missing("no record matches");
                }
                let found_partitions: Vec<String> =
                    chosen.iter().map(|c| opt(c.partition.as_ref())).collect();
                if let Some(p) = partition {
                    let holds = chosen.iter().all(|c| c.partition.as_ref() == Some(&p.0));
                    r.prop("partition", p.0.to_string(), list(&found_partitions), holds);
                }
                if let Some(ps) = partitions {
                    let want: Vec<String> = ps.iter().map(|p| p.0.to_string()).collect();
                    r.prop(
                        "partitions",
                        list(&want),
                        list(&found_partitions),
                        want == found_partitions,
                    );
                }
                if let Some(os) = offsets {
                    let found: Vec<String> = chosen.iter().map(|c| opt(c.offset)).collect();
                    let want: Vec<String> = os.iter().map(ToString::to_string).collect();
                    r.prop("offsets", list(&want), list(&found), want == found);
                }
                if let Some(s) = status {
                    let found: Vec<&str> = chosen.iter().map(|c| status_name(c.status)).collect();
                    let holds = chosen.iter().all(|c| c.status == *s);
                    r.prop("status", status_name(*s).into(), list(found), holds);
                }
                if let Some(e) = error {
                    let found: Vec<String> = chosen
                        .iter()
                        .map(|c| c.error.map_or("none".into(), |e| e.name().to_string()))
                        .collect();
                    let holds = chosen
                        .iter()
                        .all(|c| c.status == RecordStatus::Failed && c.error == Some(*e));
                    r.prop("error", e.name().into(), list(found), holds);
                }
                r
            }
            Expectation::LostRecords { count } => {
                let lost: Vec<&RecordResult> = records
                    .iter()
                    .filter(|r| r.status == RecordStatus::AcknowledgedThenLost)
                    .collect();
                let mut r = ExpectResult::new(self.subject());
                let found = if lost.is_empty() {
                    "0".to_string()
                } else {
                    let which: Vec<String> = lost
                        .iter()
                        .map(|l| format!("{}@{}", l.value, opt(l.offset)))
                        .collect();
                    format!("{} {}", lost.len(), list(which))
                };
                r.prop(
                    "count",
                    count.to_string(),
                    found,
                    count.matches(lost.len() as u64),
                );
                r
            }
            Expectation::Cluster {
                offline_partitions,
                under_replicated_partitions,
                under_min_isr_partitions,
                fenced_brokers,
            } => {
                let m = sim.snapshot().metrics;
                let mut r = ExpectResult::new(self.subject());
                r.number(
                    "offline partitions",
                    *offline_partitions,
                    Some(m.offline_partitions as u64),
                );
                r.number(
                    "under-replicated partitions",
                    *under_replicated_partitions,
                    Some(m.under_replicated_partitions as u64),
                );
                r.number(
                    "under-min-ISR partitions",
                    *under_min_isr_partitions,
                    Some(m.under_min_isr_partitions as u64),
                );
                let fenced: Vec<BrokerId> = sim
                    .brokers()
                    .keys()
                    .copied()
                    .filter(|b| !meta.is_live(*b))
                    .collect();
                r.set("fenced brokers", fenced_brokers, &fenced);
                r
            }
            Expectation::Broker { broker, up, fenced } => {
                let r = ExpectResult::new(self.subject());
                if !sim.brokers().contains_key(broker) {
                    return r.missing("no such broker");
                }
                let mut r = r;
                r.flag("up", *up, sim.is_up(NodeId::Broker(*broker)));
                r.flag("fenced", *fenced, !meta.is_live(*broker));
                r
            }
            Expectation::Controller { active, epoch } => {
                let mut r = ExpectResult::new(self.subject());
                let found = sim.coordinator().active_controller();
                if let Some(m) = active {
                    r.prop("active", m.to_string(), opt(found), m.matches(found));
                }
                r.number("epoch", *epoch, u64::try_from(meta.controller_epoch).ok());
                r
            }
            Expectation::Group {
                group,
                state,
                members,
                generation,
                assignment,
                committed,
            } => {
                let r = ExpectResult::new(self.subject());
                let groups = sim.groups();
                let Some((_, g)) = groups.get(group.as_str()) else {
                    return r.missing("no coordinator knows this group");
                };
                let mut r = r;
                if let Some(s) = state {
                    r.prop(
                        "state",
                        s.name().into(),
                        g.state.name().into(),
                        *s == g.state,
                    );
                }
                r.number("members", *members, Some(g.members.len() as u64));
                r.number("generation", *generation, u64::try_from(g.generation).ok());
                if let Some(want) = assignment {
                    let render = |m: &BTreeMap<String, BTreeSet<String>>| {
                        let parts: Vec<String> = m
                            .iter()
                            .map(|(c, ps)| format!("{c}: {}", list(ps)))
                            .collect();
                        format!("{{{}}}", parts.join(", "))
                    };
                    let want: BTreeMap<String, BTreeSet<String>> = want
                        .iter()
                        .map(|(c, ps)| {
                            (
                                c.0.to_string(),
                                ps.iter().map(|p| p.0.to_string()).collect(),
                            )
                        })
                        .collect();
                    let found: BTreeMap<String, BTreeSet<String>> = g
                        .members
                        .values()
                        .map(|m| {
                            let who = m.consumer.map_or_else(
                                || m.member_id.to_string(),
                                |c| format!("consumer-{c}"),
                            );
                            (who, m.assignment.iter().map(ToString::to_string).collect())
                        })
                        .collect();
                    r.prop("assignment", render(&want), render(&found), want == found);
                }
                if let Some(want) = committed {
                    let render = |m: &BTreeMap<String, Option<u64>>| {
                        let parts: Vec<String> =
                            m.iter().map(|(p, o)| format!("{p}: {}", opt(*o))).collect();
                        format!("{{{}}}", parts.join(", "))
                    };
                    let w: BTreeMap<String, Option<u64>> = want
                        .iter()
                        .map(|(p, o)| (p.0.to_string(), Some(*o)))
                        .collect();
                    let f: BTreeMap<String, Option<u64>> = want
                        .keys()
                        .map(|p| (p.0.to_string(), g.committed.get(&p.0).copied()))
                        .collect();
                    r.prop("committed", render(&w), render(&f), w == f);
                }
                r
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::{Scenario, ScenarioRun};

    /// One run with a pair of expectations per check at each moment: the first must hold,
    /// the second (a wrong value) must not.
    const STORY: &str = r#"{
      "seed": 1,
      "cluster": {"brokers": 3},
      "topics": [{"name": "orders", "partitions": 3, "replication_factor": 3, "config": {"min.insync.replicas": 2}}],
      "steps": [
        {"at": 0, "action": "add_producer", "id": 0, "acks": "all"},
        {"at": 0, "action": "add_consumer", "id": 0, "group": "billing", "topics": ["orders"]},
        {"at": 1000, "action": "produce", "producer": 0, "topic": "orders", "key": "customer-123", "value": "order", "count": 2},
        {"at": 3000, "action": "crash", "node": "broker-1"},
        {"at": 9000, "action": "expect", "check": "partition", "partition": "orders-0", "leader": 3, "leader_epoch": 0, "isr": [2, 3], "log_end_offset": 2, "high_watermark": {"at_least": 2}},
        {"at": 9000, "action": "expect", "check": "partition", "partition": "orders-0", "leader": [1, 2], "isr": [1, 2, 3]},
        {"at": 9000, "action": "expect", "check": "replica", "partition": "orders-0", "broker": 2, "log_end_offset": 2, "high_watermark": 2, "in_isr": true},
        {"at": 9000, "action": "expect", "check": "replica", "partition": "orders-0", "broker": 1, "in_isr": true},
        {"at": 9000, "action": "expect", "check": "records", "key": "customer-123", "count": 2, "partition": "orders-0", "partitions": ["orders-0", "orders-0"], "offsets": [0, 1], "status": "acknowledged"},
        {"at": 9000, "action": "expect", "check": "records", "step": 2, "offsets": [1, 0]},
        {"at": 9000, "action": "expect", "check": "records", "value": "nope", "count": 0},
        {"at": 9000, "action": "expect", "check": "records", "value": "nope", "status": "acknowledged"},
        {"at": 9000, "action": "expect", "check": "records", "step": 2, "error": "NOT_ENOUGH_REPLICAS"},
        {"at": 9000, "action": "expect", "check": "lost_records", "count": 0},
        {"at": 9000, "action": "expect", "check": "lost_records", "count": {"at_least": 1}},
        {"at": 9000, "action": "expect", "check": "cluster", "offline_partitions": 0, "under_replicated_partitions": {"at_least": 3}, "under_min_isr_partitions": 0, "fenced_brokers": [1]},
        {"at": 9000, "action": "expect", "check": "cluster", "offline_partitions": 1},
        {"at": 9000, "action": "expect", "check": "broker", "broker": 1, "up": false, "fenced": true},
        {"at": 9000, "action": "expect", "check": "broker", "broker": 2, "fenced": true},
        {"at": 9000, "action": "expect", "check": "controller", "active": "controller-0", "epoch": 1},
        {"at": 9000, "action": "expect", "check": "controller", "active": "none"},
        {"at": 9000, "action": "expect", "check": "group", "group": "billing", "state": "Stable", "members": 1, "generation": {"at_least": 1}, "assignment": {"consumer-0": ["orders-2", "orders-1", "orders-0"]}, "committed": {"orders-0": 2}},
        {"at": 9000, "action": "expect", "check": "group", "group": "billing", "assignment": {"consumer-0": ["orders-0"]}},
        {"at": 9000, "action": "expect", "check": "group", "group": "nobody", "members": 0}
      ],
      "run_until": 9000
    }"#;

    fn story() -> ScenarioRun {
        Scenario::parse(STORY).expect("valid").run().expect("runs")
    }

    fn result(run: &ScenarioRun, step: usize) -> &ExpectResult {
        &run.expectations
            .iter()
            .find(|e| e.step == step)
            .unwrap_or_else(|| panic!("steps[{step}]"))
            .result
    }

    /// (the step that must hold, the step that must fail, the property that fails)
    const PAIRS: [(usize, usize, &str); 10] = [
        (4, 5, "leader"),
        (6, 7, "in isr"),
        (8, 9, "offsets"),
        (10, 11, "exists"),
        (8, 12, "error"),
        (13, 14, "count"),
        (15, 16, "offline partitions"),
        (17, 18, "fenced"),
        (19, 20, "active"),
        (21, 22, "assignment"),
    ];

    #[test]
    fn every_check_holds_when_right_and_fails_when_wrong() {
        let run = story();
        assert_eq!(run.expectations.len(), 20);
        for (good, bad, property) in PAIRS {
            let g = result(&run, good);
            assert!(g.holds, "steps[{good}]: {}", g.text());
            assert!(g.properties.iter().all(|p| p.holds), "{}", g.text());
            let b = result(&run, bad);
            assert!(!b.holds, "steps[{bad}] should fail: {}", b.text());
            let failing: Vec<&str> = b
                .properties
                .iter()
                .filter(|p| !p.holds)
                .map(|p| p.property.as_str())
                .collect();
            assert_eq!(failing[0], property, "steps[{bad}]: {}", b.text());
        }
        // Unknown group: nothing to compare with.
        let r = result(&run, 23);
        assert!(!r.holds);
        assert_eq!(r.properties[0].found, "no coordinator knows this group");
        assert_eq!(run.failed_expectations().count(), 11);
    }

    #[test]
    fn a_failing_check_says_what_it_expected_and_what_it_found() {
        let run = story();
        assert_eq!(
            result(&run, 5).text(),
            "partition orders-0: leader expected one of [1,2], found 3; isr expected [1,2,3], found [3,2]"
        );
        assert_eq!(
            result(&run, 9).text(),
            "records sent by steps[2]: offsets expected [1, 0], found [0, 1]"
        );
        assert_eq!(
            result(&run, 12).text(),
            "records sent by steps[2]: error expected NOT_ENOUGH_REPLICAS, found [none, none]"
        );
        assert_eq!(
            result(&run, 20).text(),
            "controller: active expected none, found controller-0"
        );
        assert_eq!(
            result(&run, 4).text(),
            "partition orders-0: leader 3; leader epoch 0; isr [2,3]; log end offset 2; high watermark at least 2"
        );
    }

    #[test]
    fn lost_records_and_record_status_after_an_unclean_election() {
        let text = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../scenarios/unclean-election.json"
        ))
        .unwrap();
        let mut s = Scenario::parse(&text).unwrap();
        let at = s.end_time();
        for e in [
            r#"{"check": "lost_records", "count": 3}"#,
            r#"{"check": "records", "step": 3, "offsets": [3, 4, 5], "status": "acknowledged_then_lost"}"#,
            r#"{"check": "records", "step": 1, "status": "acknowledged"}"#,
        ] {
            s.steps.push(crate::scenario::Step {
                at,
                kind: crate::scenario::StepKind::Expect(serde_json::from_str(e).unwrap()),
            });
        }
        let run = s.run().unwrap();
        for e in &run.expectations {
            assert!(e.holds(), "{}", e.result.text());
        }
        // And the same check fails on a run that loses nothing.
        s.steps.retain(|st| {
            !matches!(st.command(), Some(crate::Command::Restart { node }) if *node == NodeId::Broker(1))
        });
        let run = s.run().unwrap();
        assert!(
            !run.expectations[0].holds(),
            "{}",
            run.expectations[0].result.text()
        );
    }

    #[test]
    fn number_leader_and_node_matches_parse_and_print() {
        let n: NumberMatch = serde_json::from_str("4").unwrap();
        assert!(n.matches(4) && !n.matches(5));
        let n: NumberMatch = serde_json::from_str(r#"{"at_least": 2, "at_most": 3}"#).unwrap();
        assert!(!n.matches(1) && n.matches(2) && n.matches(3) && !n.matches(4));
        assert_eq!(n.to_string(), "2 to 3");
        assert_eq!(
            serde_json::to_string(&n).unwrap(),
            r#"{"at_least":2,"at_most":3}"#
        );
        for bad in [
            "-1",
            "{}",
            r#"{"min": 1}"#,
            r#""3""#,
            r#"{"at_least": 5, "at_most": 1}"#,
        ] {
            assert!(serde_json::from_str::<NumberMatch>(bad).is_err(), "{bad}");
        }
        let l: LeaderMatch = serde_json::from_str(r#""none""#).unwrap();
        assert!(l.matches(None) && !l.matches(Some(1)));
        let l: LeaderMatch = serde_json::from_str("[2, 3]").unwrap();
        assert!(l.matches(Some(3)) && !l.matches(Some(1)) && !l.matches(None));
        for bad in ["[]", "-1", r#""leader""#] {
            assert!(serde_json::from_str::<LeaderMatch>(bad).is_err(), "{bad}");
        }
        let n: NodeMatch = serde_json::from_str(r#"["controller-101", "controller-102"]"#).unwrap();
        assert!(n.matches(Some(NodeId::Controller(102))) && !n.matches(None));
        assert_eq!(n.to_string(), "one of controller-101, controller-102");
        assert_eq!(
            serde_json::to_string(&n).unwrap(),
            r#"["controller-101","controller-102"]"#
        );
    }
}
