//! The scenario a person configures: how many brokers and their racks, which topics, the
//! producer's acks and keyless strategy, an optional steady produce rate, and the consumer
//! groups to start. A [`ScenarioDraft`] holds the config panel's text fields; parsing it
//! reports each bad field with the text Kafka would print.

use kafkascope_core::Acks;
use kafkascope_core::assignor::AssignorKind;
use kafkascope_core::config::{ClusterConfig, CoordinatorMode, Millis};
use kafkascope_core::partitioner::KeylessStrategy;

/// Which control plane the cluster runs, as the config panel offers it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ControlPlane {
    /// KRaft with dedicated controller nodes (`process.roles=controller`): Kafka 4's only mode.
    #[default]
    KraftDedicated,
    /// KRaft with the controllers inside the first brokers (`process.roles=broker,controller`).
    KraftCombined,
    /// A ZooKeeper ensemble and a controller broker.
    Zookeeper,
    /// The simulator's simplified single controller that never fails.
    Builtin,
}

impl ControlPlane {
    pub const ALL: [ControlPlane; 4] = [
        ControlPlane::KraftDedicated,
        ControlPlane::KraftCombined,
        ControlPlane::Zookeeper,
        ControlPlane::Builtin,
    ];

    /// The value in `?mode=` and the select.
    pub fn key(self) -> &'static str {
        match self {
            ControlPlane::KraftDedicated => "kraft",
            ControlPlane::KraftCombined => "kraft-combined",
            ControlPlane::Zookeeper => "zookeeper",
            ControlPlane::Builtin => "builtin",
        }
    }

    pub fn from_key(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|m| m.key() == s.trim())
    }

    pub fn label(self) -> &'static str {
        match self {
            ControlPlane::KraftDedicated => "KRaft, dedicated controllers",
            ControlPlane::KraftCombined => "KRaft, combined broker + controller",
            ControlPlane::Zookeeper => "ZooKeeper ensemble + controller broker",
            ControlPlane::Builtin => "Built-in controller (simplified, never fails)",
        }
    }

    /// Sets the coordinator part of `config`; `nodes` is the ensemble or quorum size.
    pub fn apply(self, config: &mut ClusterConfig, nodes: u32) {
        let c = &mut config.coordinator;
        match self {
            ControlPlane::KraftDedicated | ControlPlane::KraftCombined => {
                c.mode = CoordinatorMode::Kraft;
                c.kraft_voters = nodes;
                c.kraft_combined = self == ControlPlane::KraftCombined;
            }
            ControlPlane::Zookeeper => {
                c.mode = CoordinatorMode::Zookeeper;
                c.zookeeper_ensemble_size = nodes;
            }
            ControlPlane::Builtin => c.mode = CoordinatorMode::Builtin,
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct TopicSpec {
    pub name: String,
    pub partitions: i32,
    pub replication_factor: i32,
    pub min_insync_replicas: u32,
    pub unclean_leader_election: bool,
}

/// A consumer group started with the cluster: `members` consumers of `topic`.
#[derive(Clone, Debug, PartialEq)]
pub struct GroupSpec {
    pub group: String,
    pub topic: String,
    pub members: u32,
    pub assignor: AssignorKind,
}

/// Most consumers one group of the config panel starts.
pub const MAX_GROUP_MEMBERS: u32 = 9;

#[derive(Clone, Debug, PartialEq)]
pub struct Scenario {
    pub brokers: i32,
    /// One rack per broker (`broker.rack`), or none.
    pub racks: Vec<String>,
    pub control_plane: ControlPlane,
    /// ZooKeeper servers or KRaft voters: 1, 3 or 5.
    pub coordinator_nodes: u32,
    pub topics: Vec<TopicSpec>,
    pub acks: Acks,
    pub keyless: KeylessStrategy,
    /// Records per second a steady producer sends (0: none). Record `n` goes to topic
    /// `n % topics` with key `customer-<n % 20>`.
    pub produce_rate: f64,
    pub groups: Vec<GroupSpec>,
    /// `log.retention.ms`, the retention of every topic (`retention.ms`): records older than
    /// this are deleted. None keeps every record (-1 in Kafka).
    pub retention_ms: Option<Millis>,
}

/// Kafka's default `log.retention.ms` (`log.retention.hours` = 168: 7 days).
pub const KAFKA_DEFAULT_RETENTION_MS: Millis = 7 * 24 * 3_600_000;
/// The stress preset's retention: 5 minutes of records (15,000 at 50 records/s), so its
/// memory stays bounded however long it runs.
pub const STRESS_RETENTION_MS: Millis = 300_000;

impl Default for Scenario {
    /// The scenario at load: 3 brokers, topic "orders" with 3 partitions, RF 3,
    /// min.insync.replicas 2, one producer with acks=all.
    fn default() -> Self {
        Self {
            brokers: 3,
            racks: Vec::new(),
            control_plane: ControlPlane::default(),
            coordinator_nodes: 3,
            topics: vec![TopicSpec {
                name: "orders".into(),
                partitions: 3,
                replication_factor: 3,
                min_insync_replicas: 2,
                unclean_leader_election: false,
            }],
            acks: Acks::All,
            keyless: KeylessStrategy::RoundRobin,
            produce_rate: 0.0,
            groups: Vec::new(),
            retention_ms: Some(KAFKA_DEFAULT_RETENTION_MS),
        }
    }
}

impl Scenario {
    /// The load test of the performance budget: 9 brokers, 3 topics x 12 partitions, RF 3,
    /// a producer at 50 records/s, `log.retention.ms` 5 minutes.
    pub fn stress() -> Self {
        Self {
            brokers: 9,
            racks: Vec::new(),
            control_plane: ControlPlane::default(),
            coordinator_nodes: 3,
            topics: ["orders", "payments", "shipments"]
                .into_iter()
                .map(|name| TopicSpec {
                    name: name.into(),
                    partitions: 12,
                    replication_factor: 3,
                    min_insync_replicas: 2,
                    unclean_leader_election: false,
                })
                .collect(),
            acks: Acks::All,
            keyless: KeylessStrategy::RoundRobin,
            produce_rate: 50.0,
            groups: Vec::new(),
            retention_ms: Some(STRESS_RETENTION_MS),
        }
    }

    /// A named preset (`?preset=` in the page address).
    pub fn preset(name: &str) -> Option<Self> {
        match name {
            "default" => Some(Self::default()),
            "stress" => Some(Self::stress()),
            _ => None,
        }
    }
}

/// `acks` as the producer config spells it.
pub fn acks_label(a: Acks) -> &'static str {
    match a {
        Acks::None => "0",
        Acks::Leader => "1",
        Acks::All => "all",
    }
}

pub fn parse_acks(s: &str) -> Option<Acks> {
    match s.trim() {
        "0" => Some(Acks::None),
        "1" => Some(Acks::Leader),
        "all" | "-1" => Some(Acks::All),
        _ => None,
    }
}

pub fn keyless_label(k: KeylessStrategy) -> &'static str {
    match k {
        KeylessStrategy::RoundRobin => "round_robin",
        KeylessStrategy::Sticky => "sticky",
    }
}

pub fn parse_keyless(s: &str) -> Option<KeylessStrategy> {
    match s.trim() {
        "round_robin" => Some(KeylessStrategy::RoundRobin),
        "sticky" => Some(KeylessStrategy::Sticky),
        _ => None,
    }
}

/// One topic row of the config panel, as typed.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TopicDraft {
    pub name: String,
    pub partitions: String,
    pub replication_factor: String,
    pub min_insync_replicas: String,
    pub unclean_leader_election: bool,
}

/// One consumer-group row of the config panel, as typed.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct GroupDraft {
    pub group: String,
    pub topic: String,
    pub members: String,
    pub assignor: AssignorKind,
}

/// The config panel's fields, as typed.
#[derive(Clone, Debug, PartialEq)]
pub struct ScenarioDraft {
    pub brokers: String,
    /// Rack names separated by commas, one per broker; empty for none.
    pub racks: String,
    pub control_plane: ControlPlane,
    pub coordinator_nodes: String,
    pub topics: Vec<TopicDraft>,
    pub acks: Acks,
    pub keyless: KeylessStrategy,
    pub produce_rate: String,
    pub groups: Vec<GroupDraft>,
    /// `log.retention.ms`; -1 keeps every record.
    pub retention_ms: String,
}

/// Errors of one consumer-group row, per field.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GroupErrors {
    pub group: Option<String>,
    pub members: Option<String>,
}

impl GroupErrors {
    pub fn is_empty(&self) -> bool {
        self.group.is_none() && self.members.is_none()
    }
}

/// Errors of one topic row, per field.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TopicErrors {
    pub name: Option<String>,
    pub partitions: Option<String>,
    pub replication_factor: Option<String>,
    pub min_insync_replicas: Option<String>,
}

impl TopicErrors {
    pub fn is_empty(&self) -> bool {
        self.name.is_none()
            && self.partitions.is_none()
            && self.replication_factor.is_none()
            && self.min_insync_replicas.is_none()
    }
}

/// What is wrong with a draft, field by field.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ScenarioErrors {
    pub brokers: Option<String>,
    pub racks: Option<String>,
    pub coordinator_nodes: Option<String>,
    pub topics: Vec<TopicErrors>,
    pub produce_rate: Option<String>,
    pub retention_ms: Option<String>,
    pub groups: Vec<GroupErrors>,
    /// Anything not tied to one field.
    pub other: Option<String>,
}

impl ScenarioErrors {
    pub fn is_empty(&self) -> bool {
        self.brokers.is_none()
            && self.racks.is_none()
            && self.coordinator_nodes.is_none()
            && self.produce_rate.is_none()
            && self.retention_ms.is_none()
            && self.other.is_none()
            && self.topics.iter().all(TopicErrors::is_empty)
            && self.groups.iter().all(GroupErrors::is_empty)
    }

    pub fn group_mut(&mut self, i: usize) -> &mut GroupErrors {
        if self.groups.len() <= i {
            self.groups.resize(i + 1, GroupErrors::default());
        }
        &mut self.groups[i]
    }

    pub fn topic_mut(&mut self, i: usize) -> &mut TopicErrors {
        if self.topics.len() <= i {
            self.topics.resize(i + 1, TopicErrors::default());
        }
        &mut self.topics[i]
    }

    /// All messages, for a summary line.
    pub fn messages(&self) -> Vec<String> {
        let mut v: Vec<String> = Vec::new();
        v.extend(self.brokers.iter().cloned());
        v.extend(self.racks.iter().cloned());
        v.extend(self.coordinator_nodes.iter().cloned());
        for t in &self.topics {
            v.extend(
                [
                    &t.name,
                    &t.partitions,
                    &t.replication_factor,
                    &t.min_insync_replicas,
                ]
                .into_iter()
                .flatten()
                .cloned(),
            );
        }
        v.extend(self.produce_rate.iter().cloned());
        v.extend(self.retention_ms.iter().cloned());
        for g in &self.groups {
            v.extend([&g.group, &g.members].into_iter().flatten().cloned());
        }
        v.extend(self.other.iter().cloned());
        v
    }
}

impl From<&Scenario> for ScenarioDraft {
    fn from(s: &Scenario) -> Self {
        Self {
            brokers: s.brokers.to_string(),
            racks: s.racks.join(", "),
            control_plane: s.control_plane,
            coordinator_nodes: s.coordinator_nodes.to_string(),
            topics: s
                .topics
                .iter()
                .map(|t| TopicDraft {
                    name: t.name.clone(),
                    partitions: t.partitions.to_string(),
                    replication_factor: t.replication_factor.to_string(),
                    min_insync_replicas: t.min_insync_replicas.to_string(),
                    unclean_leader_election: t.unclean_leader_election,
                })
                .collect(),
            acks: s.acks,
            keyless: s.keyless,
            produce_rate: crate::fmt::fixed(s.produce_rate, 0),
            groups: s
                .groups
                .iter()
                .map(|g| GroupDraft {
                    group: g.group.clone(),
                    topic: g.topic.clone(),
                    members: g.members.to_string(),
                    assignor: g.assignor,
                })
                .collect(),
            retention_ms: retention_text(s.retention_ms),
        }
    }
}

/// `log.retention.ms` as the config panel and a share link write it (-1: keep everything).
pub fn retention_text(ms: Option<Millis>) -> String {
    ms.map_or_else(|| "-1".to_owned(), |ms| ms.to_string())
}

/// Parses `log.retention.ms`: -1 (keep everything) or at least 1000 ms, at most Kafka's
/// default (7 days); the error is Kafka's config parser's where it has one.
pub fn parse_retention(s: &str) -> Result<Option<Millis>, String> {
    let t = s.trim();
    match t.parse::<i64>() {
        Ok(-1) => Ok(None),
        Ok(n) if (1_000..=KAFKA_DEFAULT_RETENTION_MS as i64).contains(&n) => Ok(Some(n as Millis)),
        Ok(n) => Err(format!(
            "log.retention.ms {n}: here -1 (keep every record) or 1000 to {KAFKA_DEFAULT_RETENTION_MS} (7 days)"
        )),
        Err(_) => Err(format!(
            "Invalid value {t} for configuration log.retention.ms: Not a number of type LONG"
        )),
    }
}

fn parse_int(s: &str) -> Option<i64> {
    s.trim().parse::<i64>().ok()
}

impl ScenarioDraft {
    /// Parses the typed values. Numbers that do not parse are reported as Kafka's config
    /// parser and `kafka-topics.sh` report them; range checks that Kafka itself makes
    /// (replication factor, partitions, topic names, min.insync.replicas >= 1) are left to
    /// the simulator, whose errors are Kafka's.
    // One message per config field, returned once per "Apply": size does not matter.
    #[allow(clippy::result_large_err)]
    pub fn parse(&self) -> Result<Scenario, ScenarioErrors> {
        let (scenario, errs) = self.parse_lenient();
        if errs.is_empty() {
            Ok(scenario)
        } else {
            Err(errs)
        }
    }

    /// Like [`ScenarioDraft::parse`], but always returns a scenario: a value that does not
    /// parse is replaced by a harmless one (and reported), so the simulator can still check
    /// the other fields and every error shows at once.
    pub fn parse_lenient(&self) -> (Scenario, ScenarioErrors) {
        let mut errs = ScenarioErrors::default();
        let brokers = match parse_int(&self.brokers) {
            Some(n) if (1..=9).contains(&n) => n as i32,
            Some(n) => {
                errs.brokers = Some(format!("a cluster here has 1 to 9 brokers, got {n}"));
                3
            }
            None => {
                errs.brokers = Some(format!("\"{}\" is not a number of brokers", self.brokers));
                3
            }
        };
        let racks: Vec<String> = if self.racks.trim().is_empty() {
            Vec::new()
        } else {
            self.racks.split(',').map(|r| r.trim().to_owned()).collect()
        };
        if !racks.is_empty() && racks.len() != brokers as usize {
            // Kafka refuses rack-aware placement unless every broker has a rack.
            errs.racks = Some(format!(
                "Not all brokers have rack information for replica rack aware assignment: \
                 give one rack per broker ({brokers}), or none; got {}",
                racks.len()
            ));
        } else if racks.iter().any(String::is_empty) {
            errs.racks = Some("a rack name cannot be empty".to_owned());
        }
        let coordinator_nodes = match parse_int(&self.coordinator_nodes) {
            Some(n @ (1 | 3 | 5)) => n as u32,
            _ => {
                errs.coordinator_nodes = Some(format!(
                    "a ZooKeeper ensemble or KRaft quorum has 1, 3 or 5 nodes, got \"{}\"",
                    self.coordinator_nodes.trim()
                ));
                3
            }
        };
        let mut topics = Vec::with_capacity(self.topics.len());
        for (i, t) in self.topics.iter().enumerate() {
            let partitions = match parse_int(&t.partitions) {
                Some(n) if i32::try_from(n).is_ok() => n as i32,
                _ => {
                    errs.topic_mut(i).partitions = Some(format!(
                        "Cannot parse argument '{}' of option partitions",
                        t.partitions
                    ));
                    1
                }
            };
            let replication_factor = match parse_int(&t.replication_factor) {
                Some(n) if i32::try_from(n).is_ok() => n as i32,
                _ => {
                    errs.topic_mut(i).replication_factor = Some(format!(
                        "Cannot parse argument '{}' of option replication-factor",
                        t.replication_factor
                    ));
                    1
                }
            };
            let min_insync_replicas = match parse_int(&t.min_insync_replicas) {
                Some(n) if n >= 1 && n <= i64::from(i32::MAX) => n as u32,
                Some(n) => {
                    errs.topic_mut(i).min_insync_replicas = Some(format!(
                        "Invalid value {n} for configuration min.insync.replicas: Value must be at least 1"
                    ));
                    1
                }
                None => {
                    errs.topic_mut(i).min_insync_replicas = Some(format!(
                        "Invalid value {} for configuration min.insync.replicas: Not a number of type INT",
                        t.min_insync_replicas.trim()
                    ));
                    1
                }
            };
            topics.push(TopicSpec {
                name: t.name.trim().to_owned(),
                partitions,
                replication_factor,
                min_insync_replicas,
                unclean_leader_election: t.unclean_leader_election,
            });
        }
        let produce_rate = match self.produce_rate.trim().parse::<u32>() {
            Ok(r) if r <= 200 => f64::from(r),
            _ => {
                errs.produce_rate = Some(format!(
                    "\"{}\" is not a whole number of records/s from 0 to 200",
                    self.produce_rate
                ));
                0.0
            }
        };
        let retention_ms = parse_retention(&self.retention_ms).unwrap_or_else(|e| {
            errs.retention_ms = Some(e);
            Some(KAFKA_DEFAULT_RETENTION_MS)
        });
        let mut groups = Vec::with_capacity(self.groups.len());
        for (i, g) in self.groups.iter().enumerate() {
            let members = match parse_int(&g.members) {
                Some(n) if (1..=i64::from(MAX_GROUP_MEMBERS)).contains(&n) => n as u32,
                _ => {
                    errs.group_mut(i).members = Some(format!(
                        "a group here starts with 1 to {MAX_GROUP_MEMBERS} consumers, got \"{}\"",
                        g.members.trim()
                    ));
                    1
                }
            };
            groups.push(GroupSpec {
                group: g.group.trim().to_owned(),
                topic: g.topic.trim().to_owned(),
                members,
                assignor: g.assignor,
            });
        }
        let scenario = Scenario {
            brokers,
            racks: if errs.racks.is_some() {
                Vec::new()
            } else {
                racks
            },
            control_plane: self.control_plane,
            coordinator_nodes,
            topics,
            acks: self.acks,
            keyless: self.keyless,
            produce_rate,
            groups,
            retention_ms,
        };
        (scenario, errs)
    }

    /// Parses the draft and builds its world with `seed`; every problem is reported, each
    /// next to its field (a parse error wins over the simulator's error for the same field).
    // One message per config field, returned once per "Apply": size does not matter.
    #[allow(clippy::result_large_err)]
    pub fn build(&self, seed: u64) -> Result<super::World, ScenarioErrors> {
        let (scenario, mut errs) = self.parse_lenient();
        if errs.brokers.is_some() {
            // Topic checks against a broker count the person did not ask for would mislead.
            return Err(errs);
        }
        match super::World::new(&scenario, seed) {
            Ok(w) if errs.is_empty() => Ok(w),
            Ok(_) => Err(errs),
            Err(sim) => {
                errs.brokers = errs.brokers.or(sim.brokers);
                errs.racks = errs.racks.or(sim.racks);
                errs.coordinator_nodes = errs.coordinator_nodes.or(sim.coordinator_nodes);
                errs.other = errs.other.or(sim.other);
                for (i, t) in sim.topics.into_iter().enumerate() {
                    let e = errs.topic_mut(i);
                    e.name = e.name.take().or(t.name);
                    e.partitions = e.partitions.take().or(t.partitions);
                    e.replication_factor = e.replication_factor.take().or(t.replication_factor);
                    e.min_insync_replicas = e.min_insync_replicas.take().or(t.min_insync_replicas);
                }
                for (i, g) in sim.groups.into_iter().enumerate() {
                    let e = errs.group_mut(i);
                    e.group = e.group.take().or(g.group);
                    e.members = e.members.take().or(g.members);
                }
                Err(errs)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_stress_preset_keeps_five_minutes_of_records_and_the_default_kafkas_seven_days() {
        assert_eq!(Scenario::stress().retention_ms, Some(300_000));
        assert_eq!(Scenario::default().retention_ms, Some(604_800_000));
        let d = ScenarioDraft::from(&Scenario::stress());
        assert_eq!(d.retention_ms, "300000");
        assert_eq!(d.parse().unwrap(), Scenario::stress());
    }

    #[test]
    fn retention_is_minus_one_or_a_second_to_seven_days() {
        assert_eq!(parse_retention("-1"), Ok(None));
        assert_eq!(parse_retention(" 60000 "), Ok(Some(60_000)));
        assert_eq!(parse_retention("604800000"), Ok(Some(604_800_000)));
        assert!(parse_retention("999").unwrap_err().contains("1000 to"));
        assert!(parse_retention("604800001").is_err());
        assert_eq!(
            parse_retention("5 min").unwrap_err(),
            "Invalid value 5 min for configuration log.retention.ms: Not a number of type LONG"
        );
        let mut d = ScenarioDraft::from(&Scenario::default());
        d.retention_ms = "x".into();
        let e = d.parse().unwrap_err();
        assert!(e.retention_ms.is_some() && e.messages().len() == 1, "{e:?}");
        d.retention_ms = "-1".into();
        assert_eq!(d.parse().unwrap().retention_ms, None);
    }

    #[test]
    fn default_scenario_is_the_course_cluster() {
        let s = Scenario::default();
        assert_eq!(s.brokers, 3);
        assert_eq!(s.topics.len(), 1);
        let t = &s.topics[0];
        assert_eq!(
            (
                t.name.as_str(),
                t.partitions,
                t.replication_factor,
                t.min_insync_replicas
            ),
            ("orders", 3, 3, 2)
        );
        assert_eq!(s.acks, Acks::All);
    }

    #[test]
    fn control_planes_round_trip_through_their_keys_and_set_the_config() {
        for m in ControlPlane::ALL {
            assert_eq!(ControlPlane::from_key(m.key()), Some(m));
        }
        let mut c = ClusterConfig::new(kafkascope_core::Profile::Teaching, 3);
        ControlPlane::KraftCombined.apply(&mut c, 3);
        assert_eq!(c.coordinator.mode, CoordinatorMode::Kraft);
        assert!(c.coordinator.kraft_combined);
        ControlPlane::Zookeeper.apply(&mut c, 5);
        assert_eq!(c.coordinator.mode, CoordinatorMode::Zookeeper);
        assert_eq!(c.coordinator.zookeeper_ensemble_size, 5);
    }

    #[test]
    fn a_coordinator_size_other_than_1_3_5_is_reported_next_to_its_field() {
        let mut d = ScenarioDraft::from(&Scenario::default());
        d.coordinator_nodes = "4".into();
        let e = d.parse().unwrap_err();
        assert!(e.coordinator_nodes.unwrap().contains("1, 3 or 5"));
    }

    #[test]
    fn a_draft_of_a_scenario_parses_back_to_it() {
        for s in [Scenario::default(), Scenario::stress()] {
            assert_eq!(ScenarioDraft::from(&s).parse().unwrap(), s);
        }
    }

    #[test]
    fn bad_numbers_are_reported_next_to_their_field() {
        let mut d = ScenarioDraft::from(&Scenario::default());
        d.brokers = "12".into();
        d.topics[0].partitions = "three".into();
        d.topics[0].min_insync_replicas = "x".into();
        let e = d.parse().unwrap_err();
        assert_eq!(
            e.brokers.as_deref(),
            Some("a cluster here has 1 to 9 brokers, got 12")
        );
        assert_eq!(
            e.topics[0].partitions.as_deref(),
            Some("Cannot parse argument 'three' of option partitions")
        );
        assert_eq!(
            e.topics[0].min_insync_replicas.as_deref(),
            Some("Invalid value x for configuration min.insync.replicas: Not a number of type INT")
        );
        assert!(e.topics[0].replication_factor.is_none());
    }

    #[test]
    fn every_error_shows_at_once_parse_and_kafka() {
        let mut d = ScenarioDraft::from(&Scenario::default());
        d.topics[0].replication_factor = "4".into();
        d.topics[0].min_insync_replicas = "x".into();
        let e = d.build(1).err().unwrap();
        assert!(
            e.topics[0]
                .min_insync_replicas
                .as_deref()
                .unwrap()
                .contains("Not a number")
        );
        assert_eq!(
            e.topics[0].replication_factor.as_deref(),
            Some(
                // The default cluster is in KRaft mode: the quorum controller's words.
                "INVALID_REPLICATION_FACTOR: Unable to replicate the partition 4 time(s): The target replication factor of 4 cannot be reached because only 3 broker(s) are registered."
            )
        );
        let ok = ScenarioDraft::from(&Scenario::default()).build(1);
        assert!(ok.is_ok());
    }

    #[test]
    fn min_isr_below_one_gets_kafkas_config_error() {
        let mut d = ScenarioDraft::from(&Scenario::default());
        d.topics[0].min_insync_replicas = "-1".into();
        assert_eq!(
            d.parse().unwrap_err().topics[0]
                .min_insync_replicas
                .as_deref(),
            Some(
                "Invalid value -1 for configuration min.insync.replicas: Value must be at least 1"
            )
        );
    }

    fn with_racks_and_group(assignor: AssignorKind) -> Scenario {
        Scenario {
            racks: vec!["a".into(), "a".into(), "b".into()],
            groups: vec![GroupSpec {
                group: "billing".into(),
                topic: "orders".into(),
                members: 2,
                assignor,
            }],
            ..Scenario::default()
        }
    }

    #[test]
    fn racks_and_groups_round_trip_through_the_draft() {
        let s = with_racks_and_group(AssignorKind::Sticky);
        let d = ScenarioDraft::from(&s);
        assert_eq!(d.racks, "a, a, b");
        assert_eq!(d.parse().unwrap(), s);
    }

    #[test]
    fn racks_go_to_the_brokers_config() {
        let w = ScenarioDraft::from(&with_racks_and_group(AssignorKind::Range))
            .build(1)
            .unwrap();
        let racks: Vec<Option<&str>> = w
            .sim()
            .config()
            .brokers
            .iter()
            .map(|b| b.rack.as_deref())
            .collect();
        assert_eq!(racks, [Some("a"), Some("a"), Some("b")]);
    }

    #[test]
    fn a_rack_list_that_misses_brokers_gets_kafkas_error_and_changes_nothing() {
        let mut d = ScenarioDraft::from(&Scenario::default());
        d.racks = "a, b".into();
        let e = d.build(1).err().unwrap();
        assert!(
            e.racks
                .as_deref()
                .unwrap()
                .starts_with("Not all brokers have rack information"),
            "{e:?}"
        );
        d.racks = "a, , b".into();
        assert_eq!(
            d.parse().unwrap_err().racks.as_deref(),
            Some("a rack name cannot be empty")
        );
    }

    #[test]
    fn a_group_starts_its_consumers_with_the_chosen_assignor() {
        // One topic of 3 partitions, 2 members: range gives [0, 1] and [2], roundrobin
        // gives [0, 2] and [1] (members sorted by member id).
        for (assignor, want) in [
            (AssignorKind::Range, [vec![0, 1], vec![2]]),
            (AssignorKind::RoundRobin, [vec![0, 2], vec![1]]),
        ] {
            let mut w = ScenarioDraft::from(&with_racks_and_group(assignor))
                .build(1)
                .unwrap();
            w.advance_to(15_000);
            let mut members: Vec<_> = w
                .snapshot()
                .consumers
                .iter()
                .filter(|c| &*c.group == "billing")
                .map(|c| {
                    let mut ps: Vec<u32> = c.assignment.iter().map(|tp| tp.partition).collect();
                    ps.sort_unstable();
                    (c.member_id.clone(), ps)
                })
                .collect();
            assert_eq!(members.len(), 2);
            members.sort();
            let got: Vec<Vec<u32>> = members.into_iter().map(|m| m.1).collect();
            assert_eq!(got, want, "{assignor:?}");
        }
    }

    #[test]
    fn a_group_needs_one_to_nine_members() {
        let mut d = ScenarioDraft::from(&with_racks_and_group(AssignorKind::Range));
        d.groups[0].members = "0".into();
        assert_eq!(
            d.parse().unwrap_err().groups[0].members.as_deref(),
            Some("a group here starts with 1 to 9 consumers, got \"0\"")
        );
    }

    #[test]
    fn acks_and_keyless_round_trip_through_their_labels() {
        for a in [Acks::None, Acks::Leader, Acks::All] {
            assert_eq!(parse_acks(acks_label(a)), Some(a));
        }
        for k in [KeylessStrategy::RoundRobin, KeylessStrategy::Sticky] {
            assert_eq!(parse_keyless(keyless_label(k)), Some(k));
        }
        assert_eq!(parse_acks("2"), None);
    }
}
