//! Scenario files: a cluster, topics and timed commands in one JSON document, shared by the
//! command line and the web app. The format is documented in `docs/scenario-format.md`.
//!
//! Parsing is strict (unknown fields are errors) and every error names its place: a path
//! such as `steps[3].partitions` and, when the text is at hand, a line and a column.
//!
//! How the places are found: the document is first read with `serde_path_to_error`, keeping
//! each step and each cluster override as raw text (a slice of the input, so its offset is
//! known). Each step is then read on its own. [`Command`] is an internally tagged enum, which
//! serde reads through a buffer that forgets field names, so when a step does not parse its
//! fields are tried one more at a time, in the order written, to find the first one at
//! fault. That keeps [`Command`] the single definition of what a step may contain.

use crate::command::{Command, CommandOutcome};
use crate::config::{BrokerConfig, ClusterConfig, Millis, Profile};
use crate::error::KafkaError;
use crate::event::Event;
use crate::expect::{ExpectResult, Expectation};
use crate::ids::{BrokerId, NodeId, TopicPartition};
use crate::message::TopicConfig;
use crate::sim::Sim;
use serde::de::{self, DeserializeOwned, Deserializer, MapAccess, Visitor};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use serde_json::value::RawValue;
use std::fmt;

/// Longest simulated run a scenario may ask for: one hour.
pub const MAX_RUN_MS: Millis = 3_600_000;

/// Most partitions one topic may have in a scenario (Kafka has no such small limit; the
/// simulator keeps runs fast). Also the cap on `offsets_topic_num_partitions`.
pub const MAX_PARTITIONS: i32 = 1000;

fn too_many_partitions(n: i64) -> String {
    format!("{n} partitions: a simulated topic has at most {MAX_PARTITIONS}")
}

/// How long a scenario runs after its last step when `run_until` is not given.
pub const DEFAULT_TAIL_MS: Millis = 10_000;

/// A parsed, validated scenario.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Scenario {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Present when the scenario is a lesson.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lesson: Option<Lesson>,
    pub seed: u64,
    /// The cluster: the profile's defaults with the file's overrides applied.
    pub cluster: ClusterConfig,
    /// Created at t = 0, before the first step.
    pub topics: Vec<TopicSpec>,
    /// In time order.
    pub steps: Vec<Step>,
    /// As written in the file; see [`Scenario::end_time`].
    #[serde(skip_serializing_if = "Option::is_none")]
    pub run_until: Option<Millis>,
}

/// A topic created at the start of the run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TopicSpec {
    pub name: String,
    pub partitions: i32,
    pub replication_factor: i32,
    #[serde(default)]
    pub config: TopicConfig,
}

impl TopicSpec {
    pub fn to_command(&self) -> Command {
        Command::CreateTopic {
            name: self.name.clone(),
            partitions: self.partitions,
            replication_factor: self.replication_factor,
            config: self.config.clone(),
        }
    }
}

/// What makes a scenario a lesson: a title, what the learner will understand, and what to
/// remember. The steps tell the story ([`Narration`]) and pin it to Kafka's rules
/// ([`Expectation`]).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Lesson {
    pub title: String,
    #[serde(default)]
    pub objectives: Vec<String>,
    /// What to remember, shown when the lesson ends.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    /// Another lesson telling the same story another way (its file name without `.json`),
    /// to be shown side by side.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compare_with: Option<String>,
}

/// A step that tells the story and changes nothing in the simulation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case", deny_unknown_fields)]
pub enum Narration {
    /// Text shown at this moment.
    Narrate { text: String },
    /// The app stops the clock here until the learner goes on; the command line prints it.
    Pause {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        text: Option<String>,
    },
    /// A question with choices; `answer` is the index of the right one. The answer (and the
    /// explanation) is revealed by what happens next.
    Question {
        text: String,
        choices: Vec<String>,
        answer: usize,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        explanation: Option<String>,
    },
}

impl Narration {
    /// `narrate`, `pause` or `question`.
    pub fn action(&self) -> &'static str {
        match self {
            Narration::Narrate { .. } => "narrate",
            Narration::Pause { .. } => "pause",
            Narration::Question { .. } => "question",
        }
    }
}

/// What a step does.
#[derive(Clone, Debug, PartialEq)]
pub enum StepKind {
    /// A command applied to the cluster.
    Command(Command),
    /// Narration: changes nothing.
    Narration(Narration),
    /// A check of the simulation's state at the step's time: changes nothing.
    Expect(Expectation),
}

/// One timed step: `{"at": 2000, "action": "crash", "node": "broker-1"}`.
#[derive(Clone, Debug, PartialEq)]
pub struct Step {
    pub at: Millis,
    pub kind: StepKind,
}

impl Step {
    /// The command, for a command step.
    pub fn command(&self) -> Option<&Command> {
        match &self.kind {
            StepKind::Command(c) => Some(c),
            _ => None,
        }
    }
}

impl Serialize for Step {
    /// `{"at": .., "action": .., ...}`, as written in a file.
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut v = match &self.kind {
            StepKind::Command(c) => serde_json::to_value(c),
            StepKind::Narration(n) => serde_json::to_value(n),
            StepKind::Expect(e) => serde_json::to_value(e),
        }
        .map_err(serde::ser::Error::custom)?;
        if let Some(o) = v.as_object_mut() {
            if matches!(self.kind, StepKind::Expect(_)) {
                o.insert("action".into(), Value::String("expect".into()));
            }
            o.insert("at".into(), Value::from(self.at));
        }
        v.serialize(s)
    }
}

/// A scenario file that could not be read. `path` is empty for the document as a whole.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub struct ScenarioError {
    /// Where, as a path into the document: `steps[3].partitions`, `cluster.broker`.
    pub path: String,
    pub message: String,
    /// 1-based line of the offending text, when known.
    pub line: Option<usize>,
    /// 1-based column (in bytes) of the offending text, when known.
    pub column: Option<usize>,
}

impl ScenarioError {
    fn new(path: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            path: path.into(),
            message: with_suggestion(message.into()),
            line: None,
            column: None,
        }
    }

    fn at(mut self, pos: Option<(usize, usize)>) -> Self {
        if let Some((l, c)) = pos {
            self.line = Some(l);
            self.column = Some(c);
        }
        self
    }

    /// The problem and its position, without the path.
    pub fn problem(&self) -> String {
        match (self.line, self.column) {
            (Some(l), Some(c)) => format!("{} at line {l} column {c}", self.message),
            _ => self.message.clone(),
        }
    }
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            write!(f, "{}", self.problem())
        } else {
            write!(f, "{}: {}", self.path, self.problem())
        }
    }
}

/// Where a command of the run came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StepSource {
    /// `topics[i]`, created at t = 0.
    Topic(usize),
    /// `steps[i]`.
    Step(usize),
}

impl fmt::Display for StepSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StepSource::Topic(i) => write!(f, "topics[{i}]"),
            StepSource::Step(i) => write!(f, "steps[{i}]"),
        }
    }
}

/// What became of one command of the scenario. A command Kafka rejects is not a file error:
/// the run goes on and the rejection is kept here.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StepOutcome {
    pub source: StepSource,
    pub at: Millis,
    pub action: String,
    pub command: Command,
    /// Set when the command was accepted.
    pub outcome: Option<CommandOutcome>,
    /// Set when Kafka's rules rejected the command (nothing changed).
    pub error: Option<KafkaError>,
    /// Index in [`ScenarioRun::events`] of the first event emitted after the command was
    /// applied (its own events, if any, start there): for interleaving steps with a trace.
    pub event_index: usize,
}

impl StepOutcome {
    pub fn is_ok(&self) -> bool {
        self.error.is_none()
    }
}

/// A narration step as the run reached it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NarrationOutcome {
    /// Index in `steps`.
    pub step: usize,
    pub at: Millis,
    pub narration: Narration,
    /// Index in [`ScenarioRun::events`] of the first event after this moment.
    pub event_index: usize,
}

/// An `expect` step and what the simulation showed at its time.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ExpectationOutcome {
    /// Index in `steps`.
    pub step: usize,
    pub at: Millis,
    pub expectation: Expectation,
    pub result: ExpectResult,
    /// Index in [`ScenarioRun::events`] of the first event after this moment.
    pub event_index: usize,
}

impl ExpectationOutcome {
    pub fn holds(&self) -> bool {
        self.result.holds
    }
}

/// A finished run: the simulation as it stands at the end, every event, every step's fate.
pub struct ScenarioRun {
    pub sim: Sim,
    pub events: Vec<Event>,
    /// Topic creations and command steps.
    pub outcomes: Vec<StepOutcome>,
    /// Narration steps, in step order.
    pub narration: Vec<NarrationOutcome>,
    /// `expect` steps, each checked at its time, in step order.
    pub expectations: Vec<ExpectationOutcome>,
    pub end_time: Millis,
}

impl ScenarioRun {
    /// The commands Kafka rejected, in run order.
    pub fn failures(&self) -> impl Iterator<Item = &StepOutcome> {
        self.outcomes.iter().filter(|o| !o.is_ok())
    }

    /// The expectations that did not hold, in step order.
    pub fn failed_expectations(&self) -> impl Iterator<Item = &ExpectationOutcome> {
        self.expectations.iter().filter(|e| !e.holds())
    }
}

impl Scenario {
    /// Reads a scenario from JSON text. Errors name the place at fault.
    pub fn parse(text: &str) -> Result<Self, ScenarioError> {
        Parser { input: text }.parse()
    }

    /// When the run stops: `run_until`, or the last step's time plus [`DEFAULT_TAIL_MS`].
    pub fn end_time(&self) -> Millis {
        self.run_until
            .unwrap_or_else(|| self.steps.last().map_or(0, |s| s.at) + DEFAULT_TAIL_MS)
    }

    /// Builds the cluster, creates the topics at t = 0, applies each step at its time and
    /// runs to [`Scenario::end_time`]. Commands Kafka rejects are recorded, not fatal.
    ///
    /// Narration and `expect` steps change nothing: the simulation runs to their time (as it
    /// would anyway), and an expectation is checked against the state at that moment, after
    /// the steps before it in the file.
    pub fn run(&self) -> Result<ScenarioRun, ScenarioError> {
        let mut sim = Sim::new(self.cluster.clone(), self.seed).map_err(cluster_error)?;
        let mut events = Vec::new();
        let mut outcomes = Vec::with_capacity(self.topics.len() + self.steps.len());
        let mut narration = Vec::new();
        let mut expectations = Vec::new();
        fn apply(
            sim: &mut Sim,
            events: &mut Vec<Event>,
            outcomes: &mut Vec<StepOutcome>,
            (source, at): (StepSource, Millis),
            command: Command,
        ) {
            events.extend(sim.drain_events());
            let event_index = events.len();
            let (outcome, error) = match sim.apply(command.clone()) {
                Ok(o) => (Some(o), None),
                Err(e) => (None, Some(e)),
            };
            outcomes.push(StepOutcome {
                source,
                at,
                action: command.action_name().to_owned(),
                command,
                outcome,
                error,
                event_index,
            });
        }
        for (i, t) in self.topics.iter().enumerate() {
            let place = (StepSource::Topic(i), 0);
            apply(&mut sim, &mut events, &mut outcomes, place, t.to_command());
        }
        for (i, s) in self.steps.iter().enumerate() {
            sim.run_until(s.at);
            match &s.kind {
                StepKind::Command(c) => {
                    let place = (StepSource::Step(i), s.at);
                    apply(&mut sim, &mut events, &mut outcomes, place, c.clone());
                }
                StepKind::Narration(n) => {
                    events.extend(sim.drain_events());
                    narration.push(NarrationOutcome {
                        step: i,
                        at: s.at,
                        narration: n.clone(),
                        event_index: events.len(),
                    });
                }
                StepKind::Expect(e) => {
                    events.extend(sim.drain_events());
                    let records = if e.needs_records() {
                        crate::describe::record_results(&sim, &outcomes, &events)
                    } else {
                        Vec::new()
                    };
                    expectations.push(ExpectationOutcome {
                        step: i,
                        at: s.at,
                        expectation: e.clone(),
                        result: e.evaluate(&sim, &records),
                        event_index: events.len(),
                    });
                }
            }
        }
        let end_time = self.end_time();
        sim.run_until(end_time);
        events.extend(sim.drain_events());
        Ok(ScenarioRun {
            sim,
            events,
            outcomes,
            narration,
            expectations,
            end_time,
        })
    }
}

impl<'de> Deserialize<'de> for Scenario {
    /// Reads through [`Scenario::parse`] (same rules and paths; positions are dropped, as they
    /// would refer to re-serialised text).
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = Value::deserialize(d)?;
        Scenario::parse(&v.to_string()).map_err(|mut e| {
            e.line = None;
            e.column = None;
            de::Error::custom(e)
        })
    }
}

/// `ClusterConfig::validate` and `Sim::new` say `field: problem`; place it under `cluster`.
fn cluster_error(msg: String) -> ScenarioError {
    match msg.split_once(": ") {
        Some((field, problem)) if !field.contains(' ') => {
            ScenarioError::new(format!("cluster.{field}"), problem)
        }
        _ => ScenarioError::new("cluster", msg),
    }
}

// ---------------------------------------------------------------------------------------
// Node and partition names

/// A node written either as Kafkascope names it (`"broker-2"`, `"controller-0"`,
/// `"producer-0"`, `"consumer-1"`) or in [`NodeId`]'s own form (`{"kind": "broker", "id": 2}`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct NodeRef(pub NodeId);

/// Reads `broker-2`, `controller-0`, `zookeeper-1`, `producer-0` or `consumer-1`.
pub fn parse_node_name(s: &str) -> Result<NodeId, String> {
    let bad = || {
        format!(
            "{s:?} is not a node: write \"broker-<id>\", \"controller-<id>\", \"zookeeper-<id>\", \
             \"producer-<id>\", \"consumer-<id>\" or {{\"kind\": \"broker\", \"id\": <id>}}"
        )
    };
    let (kind, id) = s.split_once('-').ok_or_else(bad)?;
    let node = match kind {
        "broker" => NodeId::Broker(id.parse().map_err(|_| bad())?),
        "controller" => NodeId::Controller(id.parse().map_err(|_| bad())?),
        "zookeeper" => NodeId::ZooKeeper(id.parse().map_err(|_| bad())?),
        "producer" => NodeId::Producer(id.parse().map_err(|_| bad())?),
        "consumer" => NodeId::Consumer(id.parse().map_err(|_| bad())?),
        _ => return Err(bad()),
    };
    Ok(node)
}

impl<'de> Deserialize<'de> for NodeRef {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = NodeRef;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a node such as \"broker-2\" or {\"kind\": \"broker\", \"id\": 2}")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<NodeRef, E> {
                parse_node_name(s).map(NodeRef).map_err(E::custom)
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<NodeRef, A::Error> {
                NodeId::deserialize(de::value::MapAccessDeserializer::new(map)).map(NodeRef)
            }
        }
        d.deserialize_any(V)
    }
}

impl Serialize for NodeRef {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&self.0)
    }
}

/// A partition written as `"orders-0"` or `{"topic": "orders", "partition": 0}`.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct PartitionRef(pub TopicPartition);

impl Serialize for PartitionRef {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for PartitionRef {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = PartitionRef;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str(
                    "a partition such as \"orders-0\" or {\"topic\": \"orders\", \"partition\": 0}",
                )
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<PartitionRef, E> {
                s.rsplit_once('-')
                    .and_then(|(t, p)| Some(TopicPartition::new(t, p.parse().ok()?)))
                    .filter(|tp| !tp.topic.is_empty())
                    .map(PartitionRef)
                    .ok_or_else(|| {
                        E::custom(format!(
                            "{s:?} is not a partition: write \"<topic>-<partition>\" such as \"orders-0\""
                        ))
                    })
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<PartitionRef, A::Error> {
                TopicPartition::deserialize(de::value::MapAccessDeserializer::new(map))
                    .map(PartitionRef)
            }
        }
        d.deserialize_any(V)
    }
}

// ---------------------------------------------------------------------------------------
// Parsing

/// The document as first read: steps and overrides kept as raw text.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDoc<'a> {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    lesson: Option<Lesson>,
    #[serde(default)]
    seed: u64,
    #[serde(borrow)]
    cluster: RawCluster<'a>,
    #[serde(default)]
    topics: Vec<TopicSpec>,
    #[serde(borrow, default)]
    steps: Vec<&'a RawValue>,
    #[serde(borrow, default)]
    run_until: Option<&'a RawValue>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCluster<'a> {
    #[serde(default)]
    profile: Profile,
    #[serde(borrow)]
    brokers: &'a RawValue,
    #[serde(borrow, default)]
    broker: Option<&'a RawValue>,
    #[serde(borrow, default)]
    producer: Option<&'a RawValue>,
    #[serde(borrow, default)]
    consumer: Option<&'a RawValue>,
    #[serde(borrow, default)]
    network: Option<&'a RawValue>,
    /// `"kraft"`, `"zookeeper"`, `"builtin"`, or an object of overrides with a `mode`.
    #[serde(borrow, default)]
    coordinator: Option<&'a RawValue>,
}

/// A JSON object's members in the order written (duplicates kept, to be reported).
struct Members<'a>(Vec<(String, &'a RawValue)>);

impl<'de: 'a, 'a> Deserialize<'de> for Members<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = Members<'a>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Members<'a>, A::Error> {
                let mut out = Vec::new();
                while let Some(k) = map.next_key::<String>()? {
                    let v: &'a RawValue = map.next_value()?;
                    out.push((k, v));
                }
                Ok(Members(out))
            }
        }
        d.deserialize_map(V(std::marker::PhantomData))
    }
}

struct Parser<'a> {
    input: &'a str,
}

/// Joins a path prefix and a `serde_path_to_error` path (`.` for the root; `?` for a place
/// it could not name, such as the end of a truncated object: left out).
fn join_path(prefix: &str, sub: &str) -> String {
    let sub = match sub.strip_suffix('?') {
        Some(rest) => rest.strip_suffix('.').unwrap_or(rest),
        None => sub,
    };
    match (prefix.is_empty(), sub) {
        (_, "." | "") => prefix.to_string(),
        (true, s) => s.to_string(),
        (false, s) if s.starts_with('[') => format!("{prefix}{s}"),
        (false, s) => format!("{prefix}.{s}"),
    }
}

/// serde_json's message without its ` at line L column C` suffix.
fn bare_message(e: &serde_json::Error) -> String {
    let s = e.to_string();
    let suffix = format!(" at line {} column {}", e.line(), e.column());
    match s.strip_suffix(&suffix) {
        Some(m) if e.line() != 0 => m.to_string(),
        _ => s,
    }
}

/// Levenshtein distance, for "did you mean" suggestions.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

/// Adds `did you mean `x`?` to serde's "unknown field `a`, expected one of `b`, `c`" and
/// "unknown variant" messages when one of the expected names is close.
fn with_suggestion(msg: String) -> String {
    if !(msg.starts_with("unknown field `") || msg.starts_with("unknown variant `")) {
        return msg;
    }
    let names: Vec<&str> = msg.split('`').skip(1).step_by(2).collect();
    let Some((given, expected)) = names.split_first() else {
        return msg;
    };
    let best = expected
        .iter()
        .map(|e| (edit_distance(given, e), *e))
        .min()
        .filter(|(d, e)| {
            *d <= (e.len() / 3).max(2) || e.starts_with(given) || given.starts_with(e)
        });
    match best {
        Some((_, e)) => format!("{msg} (did you mean `{e}`?)"),
        None => msg,
    }
}

fn is_missing_field(msg: &str) -> bool {
    msg.starts_with("missing field")
}

impl<'a> Parser<'a> {
    /// Byte offset of a slice of the input.
    fn offset_of(&self, part: &str) -> usize {
        (part.as_ptr() as usize).saturating_sub(self.input.as_ptr() as usize)
    }

    /// (line, column) of the byte at `offset`, both 1-based, as serde_json counts them.
    fn position(&self, offset: usize) -> (usize, usize) {
        let bytes = self.input.as_bytes();
        let offset = offset.min(bytes.len());
        let before = &bytes[..offset];
        let line = 1 + before.iter().filter(|&&b| b == b'\n').count();
        let line_start = before
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |p| p + 1);
        (line, offset - line_start + 1)
    }

    /// Position of the first character of a raw value.
    fn start_of(&self, raw: &RawValue) -> Option<(usize, usize)> {
        Some(self.position(self.offset_of(raw.get())))
    }

    /// Turns an error serde_json reported inside `part` (a slice of the input, or the whole
    /// input) into an error at the right place in the whole input.
    fn json_error(
        &self,
        prefix: &str,
        sub_path: &str,
        part: &str,
        e: &serde_json::Error,
    ) -> ScenarioError {
        let mut err = ScenarioError::new(join_path(prefix, sub_path), bare_message(e));
        if e.line() > 0 {
            // serde_json's column counts the bytes of the line up to the last one it read.
            let line_start = part
                .split_inclusive('\n')
                .take(e.line() - 1)
                .map(str::len)
                .sum::<usize>();
            let end = (line_start + e.column()).min(part.len());
            let abs = self.offset_of(part) + end;
            let (l, c) = self.position(abs.saturating_sub(1));
            err = err.at(Some((l, c)));
        }
        err
    }

    /// Deserializes a raw value with paths tracked below `prefix`.
    fn de_raw<T: Deserialize<'a>>(
        &self,
        raw: &'a RawValue,
        prefix: &str,
    ) -> Result<T, ScenarioError> {
        let text = raw.get();
        let mut de = serde_json::Deserializer::from_str(text);
        serde_path_to_error::deserialize(&mut de).map_err(|e| {
            let path = e.path().to_string();
            self.json_error(prefix, &path, text, e.inner())
        })
    }

    /// An object's members, or an error saying what was expected instead.
    fn members(
        &self,
        raw: &'a RawValue,
        path: &str,
        expected: &str,
    ) -> Result<Vec<(String, &'a RawValue)>, ScenarioError> {
        let members = serde_json::from_str::<Members<'a>>(raw.get())
            .map_err(|e| {
                let msg = bare_message(&e).replace("an object", expected);
                ScenarioError::new(path, msg).at(self.start_of(raw))
            })?
            .0;
        for (i, (k, v)) in members.iter().enumerate() {
            if members[..i].iter().any(|(k2, _)| k2 == k) {
                return Err(
                    ScenarioError::new(path, format!("duplicate field `{k}`")).at(self.start_of(v))
                );
            }
        }
        Ok(members)
    }

    fn parse(&self) -> Result<Scenario, ScenarioError> {
        // Not an object at all: say what the file holds, not what serde expected of a type.
        let start = self.input.len() - self.input.trim_start().len();
        let holds = match self.input[start..].bytes().next() {
            None => Some("nothing (it is empty)"),
            Some(b'[') => Some("an array"),
            Some(b'"') => Some("a string"),
            Some(b't' | b'f') => Some("a boolean"),
            Some(b'n') => Some("null"),
            Some(b'-' | b'0'..=b'9') => Some("a number"),
            _ => None,
        };
        if let Some(holds) = holds {
            return Err(ScenarioError::new(
                "",
                format!(
                    "a scenario is a JSON object ({{\"cluster\": ..., \"steps\": [...]}}); this file holds {holds}"
                ),
            )
            .at(Some(self.position(start))));
        }
        let mut de = serde_json::Deserializer::from_str(self.input);
        let doc: RawDoc<'a> = serde_path_to_error::deserialize(&mut de).map_err(|e| {
            let path = e.path().to_string();
            self.json_error("", &path, self.input, e.inner())
        })?;
        de.end()
            .map_err(|e| self.json_error("", "", self.input, &e))?;

        let cluster = self.cluster(&doc.cluster)?;
        if let Some((i, t)) = doc
            .topics
            .iter()
            .enumerate()
            .find(|(_, t)| t.partitions > MAX_PARTITIONS)
        {
            return Err(ScenarioError::new(
                format!("topics[{i}].partitions"),
                too_many_partitions(t.partitions.into()),
            ));
        }
        let mut steps: Vec<Step> = Vec::with_capacity(doc.steps.len());
        let mut known = Known::new(&cluster, &doc.topics);
        for (i, raw) in doc.steps.iter().enumerate() {
            let (step, at_raw) = self.step(i, raw, &known)?;
            known.after(i, &step);
            if step.at > MAX_RUN_MS {
                return Err(ScenarioError::new(
                    format!("steps[{i}].at"),
                    format!(
                        "{} ms is past the longest run, {MAX_RUN_MS} ms (one hour)",
                        step.at
                    ),
                )
                .at(self.start_of(at_raw)));
            }
            if let Some(prev) = steps.last()
                && step.at < prev.at
            {
                return Err(ScenarioError::new(
                    format!("steps[{i}].at"),
                    format!(
                        "{} ms is before the previous step (steps[{}] at {} ms): steps must be in time order",
                        step.at,
                        i - 1,
                        prev.at
                    ),
                )
                .at(self.start_of(at_raw)));
            }
            steps.push(step);
        }
        let run_until = match doc.run_until {
            None => None,
            Some(raw) => {
                let t: Option<Millis> = self.de_raw(raw, "run_until")?;
                if let Some(t) = t {
                    let last = steps.last().map_or(0, |s| s.at);
                    if t < last {
                        return Err(ScenarioError::new(
                            "run_until",
                            format!("{t} ms is before the last step ({last} ms)"),
                        )
                        .at(self.start_of(raw)));
                    }
                    if t > MAX_RUN_MS {
                        return Err(ScenarioError::new(
                            "run_until",
                            format!("{t} ms is past the longest run, {MAX_RUN_MS} ms (one hour)"),
                        )
                        .at(self.start_of(raw)));
                    }
                }
                t
            }
        };
        if let Some(l) = &doc.lesson
            && l.title.trim().is_empty()
        {
            return Err(ScenarioError::new("lesson.title", "the title is empty"));
        }
        Ok(Scenario {
            name: doc.name,
            description: doc.description,
            lesson: doc.lesson,
            seed: doc.seed,
            cluster,
            topics: doc.topics,
            steps,
            run_until,
        })
    }

    fn cluster(&self, raw: &RawCluster<'a>) -> Result<ClusterConfig, ScenarioError> {
        let profile = raw.profile;
        let mut config = ClusterConfig::new(profile, 1);
        config.brokers = self.brokers(raw.brokers)?;
        if let Some(o) = raw.broker {
            config.broker = self.overrides(&config.broker, o, "cluster.broker")?;
        }
        if let Some(o) = raw.producer {
            config.producer = self.overrides(&config.producer, o, "cluster.producer")?;
        }
        if let Some(o) = raw.consumer {
            config.consumer = self.overrides(&config.consumer, o, "cluster.consumer")?;
        }
        if let Some(o) = raw.network {
            config.network = self.overrides(&config.network, o, "cluster.network")?;
        }
        if let Some(o) = raw.coordinator {
            if o.get().starts_with('"') {
                config.coordinator.mode = self.de_raw(o, "cluster.coordinator")?;
            } else {
                config.coordinator =
                    self.overrides(&config.coordinator, o, "cluster.coordinator")?;
            }
        }
        config.validate().map_err(cluster_error)?;
        let n = config.broker.offsets_topic_num_partitions;
        if n > MAX_PARTITIONS as u32 {
            return Err(ScenarioError::new(
                "cluster.broker.offsets_topic_num_partitions",
                too_many_partitions(n.into()),
            ));
        }
        Ok(config)
    }

    fn brokers(&self, raw: &'a RawValue) -> Result<Vec<BrokerConfig>, ScenarioError> {
        const PATH: &str = "cluster.brokers";
        let text = raw.get();
        if text.starts_with('[') {
            return self.de_raw(raw, PATH);
        }
        let n: i64 = serde_json::from_str(text).map_err(|_| {
            ScenarioError::new(
                PATH,
                format!(
                    "expected a broker count (1 to 9) or a list of {{\"id\": .., \"rack\": ..}}, got {text}"
                ),
            )
            .at(self.start_of(raw))
        })?;
        if !(1..=9).contains(&n) {
            return Err(
                ScenarioError::new(PATH, format!("a cluster has 1 to 9 brokers, got {n}"))
                    .at(self.start_of(raw)),
            );
        }
        Ok((1..=n as i32)
            .map(|id| BrokerConfig { id, rack: None })
            .collect())
    }

    /// Applies a partial object on top of `defaults`: only the fields named change.
    fn overrides<T: Serialize + DeserializeOwned>(
        &self,
        defaults: &T,
        raw: &'a RawValue,
        path: &str,
    ) -> Result<T, ScenarioError> {
        let members = self.members(raw, path, "an object of overrides")?;
        let mut merged =
            serde_json::to_value(defaults).map_err(|e| ScenarioError::new(path, e.to_string()))?;
        for (key, value) in members {
            let Some(obj) = merged.as_object() else { break };
            if !obj.contains_key(&key) {
                let known = obj
                    .keys()
                    .map(|k| format!("`{k}`"))
                    .collect::<Vec<_>>()
                    .join(", ");
                return Err(ScenarioError::new(
                    format!("{path}.{key}"),
                    format!("unknown field `{key}`, expected one of {known}"),
                )
                .at(self.start_of(value)));
            }
            let v: Value = serde_json::from_str(value.get())
                .map_err(|e| self.json_error(path, &key, value.get(), &e))?;
            let mut trial = merged.clone();
            trial[key.as_str()] = v.clone();
            if let Err(e) = T::deserialize(&trial) {
                return Err(ScenarioError::new(format!("{path}.{key}"), e.to_string())
                    .at(self.start_of(value)));
            }
            merged = trial;
        }
        T::deserialize(&merged).map_err(|e| ScenarioError::new(path, e.to_string()))
    }

    /// Reads `steps[i]`; returns the step and the raw `at` (for later errors). `known` is
    /// what the steps before it created, for checking what an `expect` step names.
    fn step(
        &self,
        i: usize,
        raw: &'a RawValue,
        known: &Known,
    ) -> Result<(Step, &'a RawValue), ScenarioError> {
        let path = format!("steps[{i}]");
        let members = self.members(
            raw,
            &path,
            "a step object such as {\"at\": 0, \"action\": \"heal\"}",
        )?;
        let find = |name: &str| members.iter().find(|(k, _)| k == name).map(|(_, v)| *v);
        let at_raw = find("at").ok_or_else(|| {
            ScenarioError::new(&path, "missing field `at` (the step's time in ms)")
                .at(self.start_of(raw))
        })?;
        let at: Millis = self.de_raw(at_raw, &format!("{path}.at"))?;
        let action_raw = find("action").ok_or_else(|| {
            ScenarioError::new(&path, "missing field `action`").at(self.start_of(raw))
        })?;
        let action: String = self.de_raw(action_raw, &format!("{path}.action"))?;
        let kind = match action.as_str() {
            "narrate" | "pause" | "question" => {
                StepKind::Narration(self.narration(&path, &action, action_raw, raw, &members)?)
            }
            "expect" => StepKind::Expect(self.expectation(&path, i, raw, &members, known)?),
            _ => StepKind::Command(self.command(&path, &action, action_raw, raw, &members)?),
        };
        Ok((Step { at, kind }, at_raw))
    }

    /// The members of a step other than `at`, `action` and `skip`, as JSON values.
    fn plain_fields(
        &self,
        path: &str,
        members: &[(String, &'a RawValue)],
        skip: &[&str],
    ) -> Result<Vec<Field<'a>>, ScenarioError> {
        let mut fields = Vec::new();
        for (key, value) in members {
            if key == "at" || key == "action" || skip.contains(&key.as_str()) {
                continue;
            }
            let v = serde_json::from_str(value.get())
                .map_err(|e| self.json_error(&format!("{path}.{key}"), "", value.get(), &e))?;
            fields.push((key.clone(), v, *value));
        }
        Ok(fields)
    }

    fn narration(
        &self,
        path: &str,
        action: &str,
        action_raw: &'a RawValue,
        raw: &'a RawValue,
        members: &[(String, &'a RawValue)],
    ) -> Result<Narration, ScenarioError> {
        let fields = self.plain_fields(path, members, &[])?;
        let tag = Tag {
            name: "action",
            value: action,
            raw: action_raw,
            what: format!("action `{action}`"),
        };
        let n: Narration = self.tagged(path, &tag, raw, &fields, |_, _| None)?;
        let find = |name: &str| members.iter().find(|(k, _)| k == name).map(|(_, v)| *v);
        let err = |field: &str, msg: String| {
            ScenarioError::new(format!("{path}.{field}"), msg)
                .at(find(field).and_then(|r| self.start_of(r)))
        };
        let text = match &n {
            Narration::Narrate { text } | Narration::Question { text, .. } => Some(text),
            Narration::Pause { text } => text.as_ref(),
        };
        if text.is_some_and(|t| t.trim().is_empty()) {
            return Err(err("text", "the text is empty".into()));
        }
        if let Narration::Question {
            choices, answer, ..
        } = &n
        {
            if choices.len() < 2 {
                return Err(err(
                    "choices",
                    format!("a question needs at least 2 choices, got {}", choices.len()),
                ));
            }
            if let Some(j) = choices.iter().position(|c| c.trim().is_empty()) {
                return Err(err("choices", format!("choice {j} is empty")));
            }
            if *answer >= choices.len() {
                return Err(err(
                    "answer",
                    format!(
                        "{answer} is not a choice: the answer is the index of the right choice, 0 to {}",
                        choices.len() - 1
                    ),
                ));
            }
        }
        Ok(n)
    }

    fn expectation(
        &self,
        path: &str,
        i: usize,
        raw: &'a RawValue,
        members: &[(String, &'a RawValue)],
        known: &Known,
    ) -> Result<Expectation, ScenarioError> {
        let find = |name: &str| members.iter().find(|(k, _)| k == name).map(|(_, v)| *v);
        let check_raw = find("check").ok_or_else(|| {
            ScenarioError::new(
                path,
                "missing field `check` (action `expect`): one of `partition`, `replica`, `records`, `lost_records`, `cluster`, `broker`, `controller`, `group`",
            )
            .at(self.start_of(raw))
        })?;
        let check: String = self.de_raw(check_raw, &format!("{path}.check"))?;
        let fields = self.plain_fields(path, members, &["check"])?;
        let tag = Tag {
            name: "check",
            value: &check,
            raw: check_raw,
            what: format!("check `{check}`"),
        };
        let e: Expectation = self.tagged(path, &tag, raw, &fields, |_, _| None)?;
        let err = |field: &str, msg: String| {
            let place = find(field).unwrap_or(check_raw);
            let p = if find(field).is_some() {
                format!("{path}.{field}")
            } else {
                path.to_string()
            };
            ScenarioError::new(p, msg).at(self.start_of(place))
        };
        if e.property_count() == 0 {
            return Err(err(
                "check",
                format!("check `{check}` names nothing to check: give at least one property"),
            ));
        }
        // What the check names must exist by then.
        for tp in e.partitions() {
            let field = match &e {
                Expectation::Records { partitions, .. } if partitions.is_some() => "partitions",
                Expectation::Group { committed, .. } if committed.is_some() => "committed",
                Expectation::Group { .. } => "assignment",
                _ => "partition",
            };
            match known.topics.get(tp.topic.as_ref()) {
                None => {
                    return Err(err(
                        field,
                        format!(
                            "topic `{}` is not created before this step (in `topics` or a `create_topic` step)",
                            tp.topic
                        ),
                    ));
                }
                Some(&n) if tp.partition >= n => {
                    return Err(err(
                        field,
                        format!("{tp}: topic `{}` has {n} partition(s)", tp.topic),
                    ));
                }
                _ => {}
            }
        }
        for b in e.brokers() {
            if !known.brokers.contains(&b) {
                let field = match &e {
                    Expectation::Partition { isr, .. } => {
                        if isr.as_ref().is_some_and(|v| v.contains(&b)) {
                            "isr"
                        } else {
                            "leader"
                        }
                    }
                    Expectation::Cluster { .. } => "fenced_brokers",
                    _ => "broker",
                };
                return Err(err(field, format!("the cluster has no broker {b}")));
            }
        }
        match &e {
            Expectation::Records {
                step: Some(s),
                partitions,
                offsets,
                ..
            } => {
                if *s >= i {
                    return Err(err(
                        "step",
                        format!("steps[{s}] is not before this step (steps[{i}])"),
                    ));
                }
                if !known.produce_steps.contains(s) {
                    return Err(err("step", format!("steps[{s}] is not a `produce` step")));
                }
                if let (Some(p), Some(o)) = (partitions, offsets)
                    && p.len() != o.len()
                {
                    return Err(err(
                        "offsets",
                        format!(
                            "{} offsets for {} partitions: give one of each per record",
                            o.len(),
                            p.len()
                        ),
                    ));
                }
            }
            Expectation::Group {
                assignment: Some(a),
                ..
            } => {
                if let Some(n) = a.keys().find(|n| !matches!(n.0, NodeId::Consumer(_))) {
                    return Err(err(
                        "assignment",
                        format!("{} is not a consumer: write \"consumer-<id>\"", n.0),
                    ));
                }
            }
            Expectation::Controller {
                active: Some(m), ..
            } => {
                if let Some(n) = m
                    .nodes()
                    .into_iter()
                    .find(|n| !known.control_nodes.contains(n))
                {
                    let names: Vec<String> = known
                        .control_nodes
                        .iter()
                        .map(|n| format!("`{n}`"))
                        .collect();
                    return Err(err(
                        "active",
                        format!(
                            "{n} is not a controller of this cluster: one of {}",
                            names.join(", ")
                        ),
                    ));
                }
            }
            _ => {}
        }
        Ok(e)
    }

    fn command(
        &self,
        path: &str,
        action: &str,
        action_raw: &'a RawValue,
        raw: &'a RawValue,
        members: &[(String, &'a RawValue)],
    ) -> Result<Command, ScenarioError> {
        let find = |name: &str| members.iter().find(|(k, _)| k == name).map(|(_, v)| *v);
        // The fields of the command, with friendlier forms rewritten to Command's own.
        let mut fields: Vec<Field<'a>> = Vec::new();
        for (key, value) in members {
            if key == "at" || key == "action" {
                continue;
            }
            let field_path = format!("{path}.{key}");
            let v = match key.as_str() {
                "node" | "a" | "b" => {
                    let n: NodeRef = self.de_raw(value, &field_path)?;
                    serde_json::to_value(n.0)
                        .map_err(|e| ScenarioError::new(&field_path, e.to_string()))?
                }
                "partitions" if action == "elect_preferred_leaders" => {
                    let ps: Option<Vec<PartitionRef>> = self.de_raw(value, &field_path)?;
                    let ps: Option<Vec<TopicPartition>> =
                        ps.map(|v| v.into_iter().map(|p| p.0).collect());
                    serde_json::to_value(ps)
                        .map_err(|e| ScenarioError::new(&field_path, e.to_string()))?
                }
                _ => serde_json::from_str(value.get())
                    .map_err(|e| self.json_error(&field_path, "", value.get(), &e))?,
            };
            fields.push((key.clone(), v, *value));
        }
        let tag = Tag {
            name: "action",
            value: action,
            raw: action_raw,
            what: format!("action `{action}`"),
        };
        // Nested structures with a type of their own: point inside them.
        let nested = |key: &str, raw: &'a RawValue| {
            if action == "create_topic" && key == "config" {
                self.de_raw::<TopicConfig>(raw, &format!("{path}.{key}"))
                    .err()
            } else {
                None
            }
        };
        let command: Command = self.tagged(path, &tag, raw, &fields, nested)?;
        // Fields that a variant ignores (e.g. on a command without fields) are still errors:
        // a command serialises every field it has.
        let known = serde_json::to_value(&command).unwrap_or(Value::Null);
        if let Some((k, _, v)) = fields
            .iter()
            .find(|(k, _, _)| known.get(k.as_str()).is_none())
        {
            let expected: Vec<String> = known
                .as_object()
                .map(|o| {
                    o.keys()
                        .filter(|k| *k != "action")
                        .map(|k| format!("`{k}`"))
                        .collect()
                })
                .unwrap_or_default();
            let msg = if expected.is_empty() {
                format!("unknown field `{k}`: action \"{action}\" takes no other fields")
            } else {
                format!(
                    "unknown field `{k}`, expected one of `at`, `action`, {}",
                    expected.join(", ")
                )
            };
            return Err(ScenarioError::new(format!("{path}.{k}"), msg).at(self.start_of(v)));
        }
        if let Command::CreateTopic { partitions, .. } | Command::AddPartitions { partitions, .. } =
            &command
            && *partitions > MAX_PARTITIONS
        {
            return Err(ScenarioError::new(
                format!("{path}.partitions"),
                too_many_partitions((*partitions).into()),
            )
            .at(find("partitions").and_then(|r| self.start_of(r))));
        }
        Ok(command)
    }

    /// Reads a step as `T`, an enum tagged by `tag`, from its fields. When it does not parse,
    /// finds the field at fault: the first field, in the order written, whose addition turns
    /// "missing field" (or success) into another error. serde reads internally tagged enums
    /// through a buffer that forgets field names, hence the search.
    fn tagged<T: DeserializeOwned>(
        &self,
        path: &str,
        tag: &Tag<'a, '_>,
        step_raw: &'a RawValue,
        fields: &[Field<'a>],
        nested: impl Fn(&str, &'a RawValue) -> Option<ScenarioError>,
    ) -> Result<T, ScenarioError> {
        let build = |n: usize| {
            let mut m = serde_json::Map::new();
            m.insert(tag.name.into(), Value::String(tag.value.into()));
            for (k, v, _) in &fields[..n] {
                m.insert(k.clone(), v.clone());
            }
            T::deserialize(Value::Object(m))
        };
        let full = match build(fields.len()) {
            Ok(t) => return Ok(t),
            Err(e) => e,
        };
        let full_msg = full.to_string();
        if is_missing_field(&full_msg) {
            return Err(
                ScenarioError::new(path, format!("{full_msg} ({})", tag.what))
                    .at(self.start_of(step_raw)),
            );
        }
        for n in 0..=fields.len() {
            let Err(e) = build(n) else { continue };
            let msg = e.to_string();
            if is_missing_field(&msg) {
                continue;
            }
            if n == 0 {
                return Err(ScenarioError::new(format!("{path}.{}", tag.name), msg)
                    .at(self.start_of(tag.raw)));
            }
            let (key, _, raw) = &fields[n - 1];
            if let Some(inner) = nested(key, raw) {
                return Err(inner);
            }
            return Err(ScenarioError::new(format!("{path}.{key}"), msg).at(self.start_of(raw)));
        }
        Err(ScenarioError::new(path, full_msg).at(self.start_of(step_raw)))
    }
}

/// A step's field: name, value, and the text it came from.
type Field<'a> = (String, Value, &'a RawValue);

/// The tag of a step's enum: `action` for commands and narration, `check` for expectations.
struct Tag<'a, 'b> {
    name: &'static str,
    value: &'b str,
    raw: &'a RawValue,
    /// How a "missing field" error names the variant: "action `produce`".
    what: String,
}

/// What exists when a step is read, from the cluster, the topics and the steps before it.
struct Known {
    brokers: Vec<BrokerId>,
    control_nodes: Vec<NodeId>,
    /// Topic name -> most partitions it may have.
    topics: std::collections::BTreeMap<String, u32>,
    produce_steps: Vec<usize>,
}

impl Known {
    fn new(cluster: &ClusterConfig, topics: &[TopicSpec]) -> Self {
        let control_nodes = crate::controller::CoordinatorImpl::new(cluster)
            .as_dyn()
            .nodes()
            .into_iter()
            .map(|(n, _)| n)
            .collect();
        let mut k = Known {
            brokers: cluster.brokers.iter().map(|b| b.id).collect(),
            control_nodes,
            topics: Default::default(),
            produce_steps: Vec::new(),
        };
        for t in topics {
            k.add_topic(&t.name, t.partitions);
        }
        k
    }

    fn add_topic(&mut self, name: &str, partitions: i32) {
        let n = partitions.max(0) as u32;
        let e = self.topics.entry(name.to_string()).or_insert(0);
        *e = (*e).max(n);
    }

    /// Learns from step `i`.
    fn after(&mut self, i: usize, step: &Step) {
        match &step.kind {
            StepKind::Command(Command::CreateTopic {
                name, partitions, ..
            }) => self.add_topic(name, *partitions),
            StepKind::Command(Command::AddPartitions { topic, partitions })
                if self.topics.contains_key(topic) =>
            {
                self.add_topic(topic, *partitions)
            }
            StepKind::Command(Command::Produce { .. }) => self.produce_steps.push(i),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Acks;
    use crate::error::ErrorCode;
    use crate::expect::Expectation;

    const GOOD: &str = r#"{
  "name": "failover",
  "description": "leader crash",
  "seed": 7,
  "cluster": {
    "profile": "teaching",
    "brokers": 3,
    "broker": {"replica_lag_time_max_ms": 5000},
    "producer": {"acks": "1"},
    "network": {"latency_ms": 5}
  },
  "topics": [
    {"name": "orders", "partitions": 3, "replication_factor": 3,
     "config": {"min.insync.replicas": 2}}
  ],
  "steps": [
    {"at": 0, "action": "add_producer", "id": 0},
    {"at": 1000, "action": "produce", "producer": 0, "topic": "orders", "key": "customer-123", "value": "v"},
    {"at": 2000, "action": "crash", "node": "broker-1"},
    {"at": 2000, "action": "cut_link", "a": {"kind": "broker", "id": 2}, "b": "broker-3"},
    {"at": 9000, "action": "heal"},
    {"at": 9000, "action": "restart", "node": "broker-1"}
  ]
}"#;

    fn err(text: &str) -> ScenarioError {
        match Scenario::parse(text) {
            Ok(_) => panic!("expected an error for {text}"),
            Err(e) => e,
        }
    }

    /// A minimal document with the given steps.
    fn with_steps(steps: &str) -> String {
        format!("{{\"cluster\": {{\"brokers\": 3}},\n\"steps\": [\n{steps}\n]}}")
    }

    #[test]
    fn parses_a_full_scenario_with_overrides_on_profile_defaults() {
        let s = Scenario::parse(GOOD).expect("valid");
        assert_eq!(s.name.as_deref(), Some("failover"));
        assert_eq!(s.seed, 7);
        assert_eq!(s.cluster.brokers.len(), 3);
        assert_eq!(s.cluster.brokers[2].id, 3);
        let teaching = ClusterConfig::new(Profile::Teaching, 3);
        assert_eq!(s.cluster.broker.replica_lag_time_max_ms, 5000);
        // Only the named fields change.
        assert_eq!(
            s.cluster.broker.broker_session_timeout_ms,
            teaching.broker.broker_session_timeout_ms
        );
        assert_eq!(s.cluster.producer.acks, Acks::Leader);
        assert_eq!(s.cluster.producer.linger_ms, teaching.producer.linger_ms);
        assert_eq!(s.cluster.network.latency_ms, 5);
        assert_eq!(s.cluster.network.jitter_ms, teaching.network.jitter_ms);
        assert_eq!(s.cluster.consumer, teaching.consumer);
        assert_eq!(s.topics[0].config.min_insync_replicas, 2);
        assert_eq!(s.steps.len(), 6);
        assert_eq!(
            s.steps[2].command(),
            Some(&Command::Crash {
                node: NodeId::Broker(1)
            })
        );
        assert_eq!(
            s.steps[3].command(),
            Some(&Command::CutLink {
                a: NodeId::Broker(2),
                b: NodeId::Broker(3)
            })
        );
        assert_eq!(s.end_time(), 19_000);
    }

    #[test]
    fn defaults_profile_seed_and_run_until() {
        let s = Scenario::parse(r#"{"cluster": {"brokers": 1}}"#).expect("valid");
        assert_eq!(s.seed, 0);
        assert_eq!(s.cluster, ClusterConfig::new(Profile::Teaching, 1));
        assert!(s.topics.is_empty() && s.steps.is_empty());
        assert_eq!(s.end_time(), DEFAULT_TAIL_MS);
        let s = Scenario::parse(
            r#"{"cluster": {"profile": "kafka_defaults", "brokers": [{"id": 5, "rack": "a"}, {"id": 7, "rack": "b"}]}, "run_until": 1234}"#,
        )
        .expect("valid");
        assert_eq!(s.cluster.profile, Profile::KafkaDefaults);
        assert_eq!(s.cluster.broker.replica_lag_time_max_ms, 30_000);
        assert_eq!(s.cluster.brokers[1].id, 7);
        assert_eq!(s.cluster.brokers[1].rack.as_deref(), Some("b"));
        assert_eq!(s.end_time(), 1234);
    }

    #[test]
    fn the_coordinator_is_a_mode_name_or_an_object_of_overrides() {
        let s = Scenario::parse(r#"{"cluster": {"brokers": 3, "coordinator": "kraft"}}"#)
            .expect("valid");
        assert_eq!(s.cluster.coordinator.mode, crate::CoordinatorMode::Kraft);
        let s = Scenario::parse(
            r#"{"cluster": {"brokers": 3, "coordinator": {"mode": "zookeeper", "zookeeper_ensemble_size": 5}}}"#,
        )
        .expect("valid");
        assert_eq!(
            s.cluster.coordinator.mode,
            crate::CoordinatorMode::Zookeeper
        );
        assert_eq!(s.cluster.coordinator.zookeeper_ensemble_size, 5);
        let e = err(r#"{"cluster": {"brokers": 3, "coordinator": "raft"}}"#);
        assert_eq!(e.path, "cluster.coordinator");
        let e = err(
            r#"{"cluster": {"brokers": 3, "coordinator": {"mode": "kraft", "kraft_voters": 4}}}"#,
        );
        assert!(e.problem().contains("1, 3 or 5"), "{}", e.problem());
    }

    #[test]
    fn serialises_to_a_document_that_parses_back_the_same() {
        let s = Scenario::parse(GOOD).expect("valid");
        let text = serde_json::to_string_pretty(&s).expect("serialise");
        assert_eq!(Scenario::parse(&text).expect("round trip"), s);
        let via_serde: Scenario = serde_json::from_str(&text).expect("Deserialize impl");
        assert_eq!(via_serde, s);
    }

    #[test]
    fn node_names_in_every_form() {
        for (text, node) in [
            ("\"broker-2\"", NodeId::Broker(2)),
            ("\"controller-0\"", NodeId::Controller(0)),
            ("\"zookeeper-2\"", NodeId::ZooKeeper(2)),
            ("\"producer-0\"", NodeId::Producer(0)),
            ("\"consumer-12\"", NodeId::Consumer(12)),
            ("{\"kind\": \"broker\", \"id\": 3}", NodeId::Broker(3)),
            ("{\"kind\": \"consumer\", \"id\": 1}", NodeId::Consumer(1)),
        ] {
            let r: NodeRef = serde_json::from_str(text).expect(text);
            assert_eq!(r.0, node, "{text}");
            let s = Scenario::parse(&with_steps(&format!(
                "{{\"at\": 0, \"action\": \"isolate\", \"node\": {text}}}"
            )))
            .expect(text);
            assert_eq!(s.steps[0].command(), Some(&Command::Isolate { node }));
        }
        assert_eq!(
            serde_json::to_string(&NodeRef(NodeId::Broker(2))).unwrap(),
            "\"broker-2\""
        );
        for bad in [
            "broker",
            "broker-x",
            "brokr-2",
            "producer--1",
            "-1",
            "broker-",
        ] {
            assert!(parse_node_name(bad).is_err(), "{bad}");
        }
        let e = err(&with_steps(
            r#"{"at": 0, "action": "crash", "node": "brokr-2"}"#,
        ));
        assert_eq!(e.path, "steps[0].node");
        assert!(e.message.contains("\"brokr-2\" is not a node"), "{e}");
        // serde_json points just after the value it could not use.
        assert_eq!((e.line, e.column), (Some(3), Some(46)));
    }

    #[test]
    fn partitions_of_preferred_election_as_strings() {
        let s = Scenario::parse(&with_steps(
            r#"{"at": 0, "action": "elect_preferred_leaders", "partitions": ["orders-0", {"topic": "my-topic", "partition": 2}]}"#,
        ))
        .expect("valid");
        assert_eq!(
            s.steps[0].command(),
            Some(&Command::ElectPreferredLeaders {
                partitions: Some(vec![
                    TopicPartition::new("orders", 0),
                    TopicPartition::new("my-topic", 2)
                ])
            })
        );
        let e = err(&with_steps(
            r#"{"at": 0, "action": "elect_preferred_leaders", "partitions": ["orders"]}"#,
        ));
        assert_eq!(e.path, "steps[0].partitions[0]");
    }

    #[test]
    fn wrong_type_in_a_step_names_the_field_line_and_column() {
        let e = err(&with_steps(
            "{\"at\": 0, \"action\": \"add_producer\", \"id\": 0},\n{\"at\": 0, \"action\": \"create_topic\", \"name\": \"t\", \"partitions\": \"x\", \"replication_factor\": 1}",
        ));
        assert_eq!(e.path, "steps[1].partitions");
        assert_eq!(e.message, "invalid type: string \"x\", expected i32");
        assert_eq!((e.line, e.column), (Some(4), Some(64)));
        assert_eq!(
            e.to_string(),
            "steps[1].partitions: invalid type: string \"x\", expected i32 at line 4 column 64"
        );
    }

    #[test]
    fn wrong_type_inside_a_topic_config_of_a_step_points_inside_it() {
        let e = err(&with_steps(
            r#"{"at": 0, "action": "create_topic", "name": "t", "partitions": 1, "replication_factor": 1, "config": {"min.insync.replicas": "two"}}"#,
        ));
        assert_eq!(e.path, "steps[0].config.min.insync.replicas");
        assert!(e.message.starts_with("invalid type: string \"two\""), "{e}");
        assert_eq!(e.line, Some(3));
    }

    #[test]
    fn unknown_fields_are_errors_everywhere() {
        let e = err(&with_steps(
            r#"{"at": 0, "action": "crash", "node": "broker-1", "nod": 1}"#,
        ));
        assert_eq!(e.path, "steps[0].nod");
        assert!(e.message.starts_with("unknown field `nod`"), "{e}");
        let e = err(&with_steps(
            r#"{"at": 0, "action": "heal", "node": "broker-1"}"#,
        ));
        assert_eq!(e.path, "steps[0].node");
        assert!(e.message.contains("takes no other fields"), "{e}");
        let e = err(r#"{"cluster": {"brokers": 3}, "topcs": []}"#);
        assert_eq!(e.path, "topcs");
        assert!(e.message.starts_with("unknown field `topcs`"), "{e}");
        assert_eq!(e.line, Some(1));
        let e = err(r#"{"cluster": {"brokers": 3, "broker": {"replica_lag_time": 5}}}"#);
        assert_eq!(e.path, "cluster.broker.replica_lag_time");
        assert!(
            e.message
                .ends_with("(did you mean `replica_lag_time_max_ms`?)"),
            "{e}"
        );
        let e = err(
            r#"{"cluster": {"brokers": 3}, "topics": [{"name": "t", "partitions": 1, "replication_factor": 1, "config": {"min.isr": 2}}]}"#,
        );
        assert_eq!(e.path, "topics[0].config.min.isr");
    }

    #[test]
    fn unknown_action_and_missing_fields() {
        let e = err(&with_steps(
            r#"{"at": 0, "action": "crsh", "node": "broker-1"}"#,
        ));
        assert_eq!(e.path, "steps[0].action");
        assert!(e.message.starts_with("unknown variant `crsh`"), "{e}");
        assert!(e.message.ends_with("(did you mean `crash`?)"), "{e}");
        let e = err(&with_steps(
            r#"{"at": 0, "action": "produce", "producer": 0, "value": "v"}"#,
        ));
        assert_eq!(e.path, "steps[0]");
        assert_eq!(e.message, "missing field `topic` (action `produce`)");
        let e = err(&with_steps(r#"{"action": "heal"}"#));
        assert_eq!(e.path, "steps[0]");
        assert!(e.message.starts_with("missing field `at`"));
        let e = err(&with_steps(r#"{"at": 5}"#));
        assert_eq!(e.message, "missing field `action`");
        let e = err(r#"{"steps": []}"#);
        assert_eq!(e.message, "missing field `cluster`");
        let e = err(&with_steps(r#"{"at": 0, "at": 1, "action": "heal"}"#));
        assert_eq!(e.message, "duplicate field `at`");
        let e = err(&with_steps(r#"[0, "heal"]"#));
        assert_eq!(e.path, "steps[0]");
        assert!(e.message.contains("expected a step object"), "{e}");
    }

    #[test]
    fn wrong_types_outside_steps() {
        let e = err("{\"seed\": \"x\", \"cluster\": {\"brokers\": 3}}");
        assert_eq!(e.path, "seed");
        assert_eq!(
            e.problem(),
            "invalid type: string \"x\", expected u64 at line 1 column 12"
        );
        let e = err(r#"{"cluster": {"brokers": 3, "producer": {"acks": "2"}}}"#);
        assert_eq!(e.path, "cluster.producer.acks");
        assert!(e.message.starts_with("unknown variant `2`"), "{e}");
        let e = err(r#"{"cluster": {"profile": "fast", "brokers": 3}}"#);
        assert_eq!(e.path, "cluster.profile");
        let e = err(r#"{"cluster": {"brokers": [{"id": 1}, {"id": "two"}]}}"#);
        assert_eq!(e.path, "cluster.brokers[1].id");
        assert_eq!(e.line, Some(1));
        let e = err(r#"{"cluster": {"brokers": 12}}"#);
        assert_eq!(e.path, "cluster.brokers");
        assert_eq!(e.message, "a cluster has 1 to 9 brokers, got 12");
        let e = err(r#"{"cluster": {"brokers": "three"}}"#);
        assert!(e.message.starts_with("expected a broker count"), "{e}");
        let e = err(
            r#"{"cluster": {"brokers": 3}, "topics": [{"name": "t", "partitions": -1.5, "replication_factor": 1}]}"#,
        );
        assert_eq!(e.path, "topics[0].partitions");
    }

    #[test]
    fn steps_out_of_order_and_run_until_before_the_last_step() {
        let e = err(&with_steps(
            "{\"at\": 2000, \"action\": \"heal\"},\n{\"at\": 1000, \"action\": \"heal\"}",
        ));
        assert_eq!(e.path, "steps[1].at");
        assert_eq!(
            e.message,
            "1000 ms is before the previous step (steps[0] at 2000 ms): steps must be in time order"
        );
        assert_eq!((e.line, e.column), (Some(4), Some(8)));
        let e = err(
            "{\"cluster\": {\"brokers\": 3}, \"steps\": [{\"at\": 2000, \"action\": \"heal\"}], \"run_until\": 1000}",
        );
        assert_eq!(e.path, "run_until");
        let e = err(&with_steps(r#"{"at": 999999999, "action": "heal"}"#));
        assert_eq!(e.path, "steps[0].at");
    }

    #[test]
    fn partition_counts_are_capped() {
        let e = err(
            r#"{"cluster": {"brokers": 1}, "topics": [{"name": "t", "partitions": 100000000, "replication_factor": 1}]}"#,
        );
        assert_eq!(e.path, "topics[0].partitions");
        let e = err(&with_steps(
            r#"{"at": 0, "action": "add_partitions", "topic": "t", "partitions": 5000}"#,
        ));
        assert_eq!(e.path, "steps[0].partitions");
        assert_eq!(
            e.message,
            "5000 partitions: a simulated topic has at most 1000"
        );
        assert_eq!(e.line, Some(3));
        let e =
            err(r#"{"cluster": {"brokers": 3, "broker": {"offsets_topic_num_partitions": 5000}}}"#);
        assert_eq!(e.path, "cluster.broker.offsets_topic_num_partitions");
    }

    #[test]
    fn bad_cluster_config_names_the_field() {
        let e = err(r#"{"cluster": {"brokers": [{"id": 1}, {"id": 1}]}}"#);
        assert_eq!(e.path, "cluster.brokers");
        assert_eq!(e.message, "broker id 1 appears twice");
        let e = err(r#"{"cluster": {"brokers": 3, "network": {"loss": 2.0}}}"#);
        assert_eq!(e.path, "cluster.network.loss");
        let e =
            err(r#"{"cluster": {"brokers": 3, "broker": {"broker_heartbeat_interval_ms": 9000}}}"#);
        assert_eq!(e.path, "cluster.broker.broker_heartbeat_interval_ms");
    }

    #[test]
    fn json_syntax_errors_have_a_position() {
        let e = err(
            "{\"cluster\": {\"brokers\": 3},\n \"steps\": [\n {\"at\": 0 \"action\": \"heal\"}]}",
        );
        assert!(e.message.starts_with("expected `,` or `}`"), "{e}");
        assert_eq!(e.line, Some(3));
        let e = err("{\"cluster\": {\"brokers\": 3}} x");
        assert!(e.message.starts_with("trailing characters"), "{e}");
        // A truncated object: no path serde could not name (it printed `?`).
        let e = err("{");
        assert_eq!(
            e.to_string(),
            "EOF while parsing an object at line 1 column 1"
        );
        let e = err("{\"cluster\": {\"brokers\": 3}, \"steps\": [{\"at\": 0,");
        assert_eq!(e.path, "steps[0]");
        assert!(e.message.starts_with("EOF while parsing an object"), "{e}");
    }

    #[test]
    fn a_file_that_is_not_an_object_says_what_it_holds() {
        for (text, holds, column) in [
            ("", "nothing (it is empty)", 1),
            ("  []", "an array", 3),
            ("\"x\"", "a string", 1),
            ("\n 42", "a number", 2),
            ("true", "a boolean", 1),
            ("null", "null", 1),
        ] {
            let e = err(text);
            assert_eq!(e.path, "", "{text:?}");
            assert_eq!(
                e.message,
                format!(
                    "a scenario is a JSON object ({{\"cluster\": ..., \"steps\": [...]}}); this file holds {holds}"
                ),
                "{text:?}"
            );
            assert_eq!(e.column, Some(column), "{text:?}");
        }
    }

    #[test]
    fn run_applies_steps_in_time_and_records_rejected_commands() {
        let text = r#"{
          "seed": 3,
          "cluster": {"brokers": 3},
          "topics": [
            {"name": "orders", "partitions": 3, "replication_factor": 3},
            {"name": "big", "partitions": 1, "replication_factor": 4}
          ],
          "steps": [
            {"at": 0, "action": "add_producer", "id": 0},
            {"at": 1000, "action": "produce", "producer": 0, "topic": "orders", "key": "customer-123", "value": "v"},
            {"at": 1000, "action": "produce", "producer": 7, "topic": "orders", "value": "v"},
            {"at": 2000, "action": "crash", "node": "broker-1"}
          ],
          "run_until": 9000
        }"#;
        let s = Scenario::parse(text).expect("valid");
        let run = s.run().expect("runs");
        assert_eq!(run.sim.now(), 9000);
        assert_eq!(run.end_time, 9000);
        assert_eq!(run.outcomes.len(), 6);
        let failed: Vec<_> = run.failures().collect();
        assert_eq!(failed.len(), 2);
        assert_eq!(failed[0].source, StepSource::Topic(1));
        assert_eq!(
            failed[0].error.as_ref().unwrap().code,
            ErrorCode::InvalidReplicationFactor
        );
        assert_eq!(failed[1].source, StepSource::Step(2));
        assert_eq!(failed[1].at, 1000);
        assert_eq!(failed[1].action, "produce");
        assert!(!run.events.is_empty());
        // The crash at 2000 ms was applied at 2000 ms.
        assert!(
            run.sim
                .command_log()
                .iter()
                .any(|(t, c)| *t == 2000 && matches!(c, Command::Crash { .. }))
        );
        // Same file, same run.
        let again = s.run().expect("runs");
        assert_eq!(again.events, run.events);
    }

    /// Every lesson of `lessons/`.
    fn lessons() -> Vec<(String, Scenario)> {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../lessons");
        let mut out: Vec<(String, Scenario)> = std::fs::read_dir(dir)
            .expect("lessons/")
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "json"))
            .map(|p| {
                let text = std::fs::read_to_string(&p).unwrap();
                let s = Scenario::parse(&text).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
                (p.display().to_string(), s)
            })
            .collect();
        out.sort_by(|a, b| a.0.cmp(&b.0));
        assert!(!out.is_empty());
        out
    }

    #[test]
    fn narration_and_expectations_change_nothing_in_the_run() {
        for (name, s) in lessons() {
            let with = s.run().expect("runs");
            let mut bare = s.clone();
            bare.steps.retain(|st| st.command().is_some());
            bare.run_until = Some(s.end_time());
            let without = bare.run().expect("runs");
            assert!(
                !with.narration.is_empty() && !with.expectations.is_empty(),
                "{name}"
            );
            assert!(without.narration.is_empty() && without.expectations.is_empty());
            assert_eq!(with.events, without.events, "{name}");
            assert_eq!(with.sim.command_log(), without.sim.command_log(), "{name}");
        }
    }

    #[test]
    fn lessons_serialise_to_documents_that_parse_back_the_same() {
        for (name, s) in lessons() {
            let text = serde_json::to_string_pretty(&s).expect("serialise");
            assert_eq!(Scenario::parse(&text).expect(&name), s, "{name}");
        }
    }

    #[test]
    fn narration_and_expect_steps_parse() {
        let s = Scenario::parse(&with_steps(
            r#"{"at": 0, "action": "narrate", "text": "hello"},
{"at": 0, "action": "pause"},
{"at": 5, "action": "question", "text": "q?", "choices": ["a", "b"], "answer": 1, "explanation": "because"},
{"at": 9, "action": "expect", "check": "cluster", "offline_partitions": 0}"#,
        ))
        .expect("valid");
        assert_eq!(
            s.steps[0].kind,
            StepKind::Narration(Narration::Narrate {
                text: "hello".into()
            })
        );
        assert_eq!(
            s.steps[1].kind,
            StepKind::Narration(Narration::Pause { text: None })
        );
        assert!(matches!(
            &s.steps[2].kind,
            StepKind::Narration(Narration::Question { answer: 1, choices, .. }) if choices.len() == 2
        ));
        assert!(matches!(
            &s.steps[3].kind,
            StepKind::Expect(Expectation::Cluster {
                offline_partitions: Some(crate::expect::NumberMatch::Exactly(0)),
                ..
            })
        ));
        let run = s.run().expect("runs");
        assert_eq!(run.narration.len(), 3);
        assert_eq!(run.narration[2].at, 5);
        assert_eq!(run.expectations.len(), 1);
        assert!(run.expectations[0].holds());
        // A step that is not narration must still be a command.
        let e = err(&with_steps(r#"{"at": 0, "action": "narrate"}"#));
        assert_eq!(
            e.to_string(),
            "steps[0]: missing field `text` (action `narrate`) at line 3 column 1"
        );
        let e = err(&with_steps(
            r#"{"at": 0, "action": "narrate", "text": "  "}"#,
        ));
        assert_eq!(e.path, "steps[0].text");
        let e = err(&with_steps(
            r#"{"at": 0, "action": "pause", "node": "broker-1"}"#,
        ));
        assert_eq!(e.path, "steps[0].node");
        let e = err(&with_steps(
            r#"{"at": 0, "action": "expect", "check": "records", "step": 0, "count": 1}"#,
        ));
        assert_eq!(e.path, "steps[0].step");
        // Fields of the check are checked like a command's.
        let e = err(&with_steps(
            r#"{"at": 0, "action": "expect", "check": "broker", "broker": 1, "fencd": true}"#,
        ));
        assert_eq!(e.path, "steps[0].fencd");
        assert!(e.message.ends_with("(did you mean `fenced`?)"), "{e}");
        let e = err(&with_steps(
            r#"{"at": 0, "action": "expect", "check": "broker", "broker": 1, "up": "yes"}"#,
        ));
        assert_eq!(e.path, "steps[0].up");
        assert_eq!(
            e.message,
            "invalid type: string \"yes\", expected a boolean"
        );
        let e = err(&with_steps(
            r#"{"at": 0, "action": "expect", "check": "partition", "partition": "payments-0", "leader": 1}"#,
        ));
        assert!(
            e.message
                .starts_with("topic `payments` is not created before this step"),
            "{e}"
        );
        let e = err(r#"{"lesson": {"title": " "}, "cluster": {"brokers": 1}}"#);
        assert_eq!(e.path, "lesson.title");
    }
}
