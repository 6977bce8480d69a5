//! The world: the simulator built from a scenario and a seed, plus what the view derives from
//! its events (the narrated log, records lost to truncation, dropped messages fading out, the
//! last record's placement). One snapshot is taken per change, never more than once a frame.
//!
//! Time travel: the world keeps a [`Timeline`] of its states, so the page can show any moment
//! of the session (a seek restores the nearest checkpoint and replays up to it), step back one
//! event, and fork when a person acts in the past (the later actions are dropped).

use super::partition_view::PartitionView;
use super::scenario::{Scenario, ScenarioErrors};
use crate::narrate::{NarrateCtx, narrate, placement_text};
use kafkascope_core::assignor::AssignorKind;
use kafkascope_core::config::{CoordinatorMode, Millis};
use kafkascope_core::election::PreferredElection;
use kafkascope_core::event::DropReason;
use kafkascope_core::log::{Record, RecordId};
use kafkascope_core::message::TopicConfig;
use kafkascope_core::snapshot::Snapshot;
use kafkascope_core::timeline::{CheckpointPolicy, Replay, Timeline};
use kafkascope_core::{
    Acks, BrokerId, ClusterConfig, Command, CommandOutcome, ErrorCode, EventKind, KafkaError,
    NodeId, Profile, Sim, TopicPartition,
};
use std::collections::VecDeque;
use std::rc::Rc;
use std::sync::Arc;

mod lesson_run;
use lesson_run::LessonRun;

/// How long a world's set-up may run before it opens anyway.
const SETUP_LIMIT_MS: Millis = 10_000;

/// Most lines kept in each log (key events; everything).
pub const LOG_CAPACITY: usize = 300;
/// Most lost records remembered per replica.
pub const LOST_CAPACITY: usize = 100;
/// Most record keys remembered while waiting for their placement.
const KEYS_CAPACITY: usize = 10_000;

/// One narrated line of the event log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogLine {
    /// Increasing; a stable key for the view.
    pub id: u64,
    pub time: Millis,
    pub text: String,
    pub detail: bool,
    /// What the page's live region says of it, briefly (`narrate::announcement`); None for
    /// lines it does not announce.
    pub announce: Option<String>,
}

/// A message the network dropped, kept for a moment so its dot can fade where it died.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DroppedMessage {
    pub id: u64,
    pub from: NodeId,
    pub to: NodeId,
    pub api: String,
    pub at: Millis,
    pub reason: DropReason,
}

/// Where the last record sent from the produce form went, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Placement {
    pub record: RecordId,
    pub topic: String,
    /// None until the producer has chosen (it may first need metadata).
    pub partition: Option<u32>,
    pub text: String,
}

/// What a person can do to a broker.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BrokerAction {
    Crash,
    Restart,
    Isolate,
    /// Repair every cut link and isolation (the network, not only this broker).
    Heal,
}

/// A produce from the form.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProduceRequest {
    pub topic: String,
    /// None sends a record without a key.
    pub key: Option<String>,
    pub value: String,
    pub acks: Acks,
}

/// A topic as the forms list it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TopicInfo {
    pub name: String,
    pub partitions: u32,
    pub internal: bool,
}

/// Something a script does at a set time (from the page address, e.g.
/// `?script=produce:customer-123@600,crash:2@1500,restart:2@9000`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ScriptAction {
    /// An action on a broker, a ZooKeeper server or a KRaft controller.
    Node(NodeId, BrokerAction),
    /// A record to the first topic, with the scenario's acks.
    Produce {
        key: Option<String>,
        value: String,
    },
    ElectPreferred,
}

/// A node as page addresses and `send()` name it: `2` or `broker-2`, `controller-N`,
/// `zookeeper-N`, `consumer-N`.
pub fn parse_node(s: &str) -> Option<NodeId> {
    let (kind, id) = s.split_once('-').unwrap_or(("broker", s));
    Some(match kind {
        "broker" => NodeId::Broker(id.parse().ok()?),
        "controller" => NodeId::Controller(id.parse().ok()?),
        "zookeeper" => NodeId::ZooKeeper(id.parse().ok()?),
        "consumer" => NodeId::Consumer(id.parse().ok()?),
        _ => return None,
    })
}

/// Parses `action@time_ms` items separated by commas: `crash:2@1500`, `restart:2@9000`,
/// `isolate:1@3000`, `heal@5000`, `produce:KEY@600` (`produce@600` has no key),
/// `elect@20000`. A target is a node as [`parse_node`] reads it.
pub fn parse_script(s: &str) -> Result<Vec<(Millis, ScriptAction)>, String> {
    let mut out = Vec::new();
    for (n, item) in s
        .split(',')
        .map(str::trim)
        .filter(|i| !i.is_empty())
        .enumerate()
    {
        let bad = || format!("script item \"{item}\" is not action@time_ms");
        let (what, at) = item.rsplit_once('@').ok_or_else(bad)?;
        let at: Millis = at.parse().map_err(|_| bad())?;
        let (verb, arg) = match what.split_once(':') {
            Some((v, a)) => (v, Some(a)),
            None => (what, None),
        };
        let node = |a: Option<&str>| a.and_then(parse_node).ok_or_else(bad);
        let action = match verb {
            "crash" => ScriptAction::Node(node(arg)?, BrokerAction::Crash),
            "restart" => ScriptAction::Node(node(arg)?, BrokerAction::Restart),
            "isolate" => ScriptAction::Node(node(arg)?, BrokerAction::Isolate),
            "heal" => ScriptAction::Node(NodeId::Broker(0), BrokerAction::Heal),
            "elect" => ScriptAction::ElectPreferred,
            "produce" => ScriptAction::Produce {
                key: arg.filter(|k| !k.is_empty()).map(str::to_owned),
                value: format!("order-{}", n + 1),
            },
            _ => return Err(bad()),
        };
        out.push((at, action));
    }
    Ok(out)
}

#[derive(Clone, Debug)]
struct SteadyProducer {
    /// Milliseconds between records.
    interval: f64,
    next_at: f64,
    sent: u64,
}

/// What a person (or the page's script) does to the world: the inputs the timeline logs.
#[derive(Clone, Debug, PartialEq)]
pub enum Action {
    Produce(ProduceRequest),
    Node(NodeId, BrokerAction),
    ElectPreferred,
    AddConsumer {
        group: String,
        topic: String,
        assignor: AssignorKind,
    },
}

/// What an action returned.
#[derive(Clone, Debug, PartialEq)]
pub enum ActionOutput {
    Records(Vec<RecordId>),
    Elected(PreferredElection),
    Consumer(u32),
    Done,
}

/// Simulated time between the timeline's checkpoints: a seek replays at most this much
/// (5 s of the stress preset replays in about 5 ms natively and 25 ms in Chromium).
pub const CHECKPOINT_INTERVAL_MS: Millis = 5_000;
/// How far back time travel goes: the last hour of simulated time before the session's end,
/// so the whole of a one-hour session can be scrubbed. Older checkpoints are dropped (all but
/// the session's first, kept so the whole session can still be replayed for an export), so
/// memory stops growing once the session is longer than the window: with the stress preset's
/// 5-minute retention, about 190 MB natively from the hour on (a 15-minute window: 82 MB).
pub const TIME_TRAVEL_WINDOW_MS: Millis = 60 * 60_000;
/// Checkpoints kept at most: past this, every second one is dropped and the interval doubles
/// (an hour's window holds about 360, 10 s apart).
pub const MAX_CHECKPOINTS: usize = 384;

/// An action taken in the past, which dropped the rest of the session.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fork {
    pub at: Millis,
    /// Later actions dropped.
    pub dropped: usize,
}

impl Fork {
    /// "Acted at 12.300 s: the 8 later actions were dropped".
    pub fn message(&self) -> String {
        let at = crate::fmt::fixed(self.at as f64 / 1000.0, 3);
        match self.dropped {
            0 => format!("Acted at {at} s: the later timeline (no actions in it) was dropped"),
            1 => format!("Acted at {at} s: the 1 later action was dropped"),
            n => format!("Acted at {at} s: the {n} later actions were dropped"),
        }
    }
}

/// The simulator and everything derived from its events: what a checkpoint copies. Its
/// transitions are the simulator's steps, the steady producer's and the script's firings, and
/// actions, so a replay reproduces the steady producer's records exactly.
#[derive(Clone)]
struct Engine {
    scenario: Rc<Scenario>,
    sim: Sim,
    /// Shared lines (`Rc`): every checkpoint of the timeline clones the engine, and copies of
    /// the two logs' 600 lines were a third of what a checkpoint held (92 of 280 KB).
    log: VecDeque<Rc<LogLine>>,
    log_all: VecDeque<Rc<LogLine>>,
    next_line: u64,
    ctx: NarrateCtx,
    /// Per replica (few of them ever lose records): a vector, not a map.
    lost: Vec<((TopicPartition, BrokerId), VecDeque<Record>)>,
    dropped: VecDeque<DroppedMessage>,
    producers: Vec<(Acks, u32)>,
    next_producer: u32,
    next_consumer: u32,
    placement: Option<Placement>,
    steady: Option<SteadyProducer>,
    /// Scheduled actions, in time order.
    script: VecDeque<(Millis, ScriptAction)>,
    /// Firings of the steady producer and the script, and actions applied.
    transitions: u64,
    /// A lesson's steps and checks (`?lesson=`), when the world runs one.
    lesson: Option<Box<LessonRun>>,
}

impl Replay for Engine {
    type Input = Action;
    type Output = ActionOutput;
    type Error = KafkaError;

    fn now(&self) -> Millis {
        self.sim.now()
    }
    fn position(&self) -> u64 {
        self.sim.steps() + self.transitions
    }
    fn events_emitted(&self) -> u64 {
        self.sim.events_emitted() + self.next_line
    }
    fn next_time(&self) -> Option<Millis> {
        [self.sim.next_event_time(), self.next_external()]
            .into_iter()
            .flatten()
            .min()
    }
    /// The simulator's events at a time come before the steady producer and the script.
    fn step_until(&mut self, limit: Millis) -> bool {
        let sim_next = self.sim.next_event_time().filter(|&t| t <= limit);
        let external = self.next_external().filter(|&t| t <= limit);
        match (sim_next, external) {
            (Some(s), e) if e.is_none_or(|e| s <= e) => {
                let delivered = self
                    .sim
                    .next_delivery()
                    .map(|env| (env.id, env.message.api()));
                self.sim.step_until(limit);
                self.ingest(delivered);
                true
            }
            (_, Some(at)) if self.next_lesson_step() == Some(at) => {
                self.sim.advance_clock(at);
                self.fire_lesson_step();
                self.transitions += 1;
                true
            }
            (_, Some(at)) => {
                self.sim.advance_clock(at);
                if self
                    .steady
                    .as_ref()
                    .is_some_and(|s| s.next_at.ceil() as Millis == at)
                {
                    self.fire_steady();
                }
                self.fire_script(at);
                self.transitions += 1;
                self.ingest(None);
                true
            }
            _ => false,
        }
    }
    fn set_clock(&mut self, t: Millis) {
        self.sim.advance_clock(t);
    }
    fn apply_input(&mut self, action: Action) -> Result<ActionOutput, KafkaError> {
        let commands = self.sim.commands_applied();
        let out = match action {
            Action::Produce(req) => self.produce(&req).map(ActionOutput::Records),
            Action::Node(node, a) => self.node_action(node, a).map(|()| ActionOutput::Done),
            Action::ElectPreferred => self.elect_preferred_leaders().map(ActionOutput::Elected),
            Action::AddConsumer {
                group,
                topic,
                assignor,
            } => self
                .add_consumer(&group, &topic, assignor)
                .map(ActionOutput::Consumer),
        };
        // A refused action must change nothing, or a replay would miss the change.
        debug_assert!(out.is_ok() || self.sim.commands_applied() == commands);
        let out = out?;
        self.transitions += 1;
        Ok(out)
    }
    /// Buffered events were taken in already; the copy shares the scenario.
    fn checkpoint(&mut self) -> Self {
        self.clone()
    }
}

impl Engine {
    /// Builds the cluster of `scenario` with `seed`, creating its topics and its producer at
    /// t = 0. Fails, changing nothing anywhere, with each error next to its field.
    // One message per config field, returned once per "Apply": size does not matter.
    #[allow(clippy::result_large_err)]
    fn new(scenario: &Scenario, seed: u64) -> Result<Engine, ScenarioErrors> {
        let mut errs = ScenarioErrors::default();
        let mut config = ClusterConfig::new(Profile::Teaching, scenario.brokers);
        for (b, rack) in config.brokers.iter_mut().zip(&scenario.racks) {
            b.rack = Some(rack.clone());
        }
        scenario
            .control_plane
            .apply(&mut config, scenario.coordinator_nodes);
        let mut sim = match Sim::new(config, seed) {
            Ok(sim) => sim,
            Err(e) if e.starts_with("coordinator.") => {
                errs.coordinator_nodes = Some(e);
                return Err(errs);
            }
            Err(e) if e.contains("rack") => {
                errs.racks = Some(e);
                return Err(errs);
            }
            Err(e) => {
                errs.brokers = Some(e);
                return Err(errs);
            }
        };
        // The timeline logs the actions and the steady producer is replayed from the seed, so
        // the simulator's own command log would only grow with the session.
        sim.limit_command_log(Some(0));
        let zookeeper = sim.config().coordinator.mode == CoordinatorMode::Zookeeper;
        let mut w = Engine {
            scenario: Rc::new(scenario.clone()),
            sim,
            log: VecDeque::new(),
            log_all: VecDeque::new(),
            next_line: 0,
            ctx: NarrateCtx {
                keys: Default::default(),
                keyless: scenario.keyless,
                zookeeper,
            },
            lost: Vec::new(),
            dropped: VecDeque::new(),
            producers: Vec::new(),
            next_producer: 0,
            next_consumer: 0,
            placement: None,
            steady: (scenario.produce_rate > 0.0).then(|| SteadyProducer {
                interval: 1000.0 / scenario.produce_rate,
                next_at: 0.0,
                sent: 0,
            }),
            script: VecDeque::new(),
            transitions: 0,
            lesson: None,
        };
        for (i, t) in scenario.topics.iter().enumerate() {
            let cmd = Command::CreateTopic {
                name: t.name.clone(),
                partitions: t.partitions,
                replication_factor: t.replication_factor,
                config: TopicConfig {
                    min_insync_replicas: t.min_insync_replicas,
                    unclean_leader_election_enable: t.unclean_leader_election,
                    retention_ms: scenario.retention_ms,
                },
            };
            if let Err(e) = w.sim.apply(cmd) {
                let te = errs.topic_mut(i);
                let msg = Some(e.to_string());
                match e.code {
                    ErrorCode::InvalidPartitions => te.partitions = msg,
                    ErrorCode::InvalidReplicationFactor => te.replication_factor = msg,
                    ErrorCode::InvalidConfig => te.min_insync_replicas = msg,
                    _ => te.name = msg,
                }
            }
        }
        if !errs.is_empty() {
            return Err(errs);
        }
        if let Err(e) = w.producer_for(scenario.acks) {
            errs.other = Some(e.to_string());
            return Err(errs);
        }
        for (i, g) in scenario.groups.iter().enumerate() {
            for _ in 0..g.members {
                if let Err(e) = w.add_consumer(&g.group, &g.topic, g.assignor) {
                    errs.group_mut(i).group = Some(e.to_string());
                    break;
                }
            }
        }
        if !errs.is_empty() {
            return Err(errs);
        }
        w.settle_setup();
        if let Some(s) = w.steady.as_mut() {
            s.next_at = w.sim.now() as f64;
        }
        w.ingest(None);
        Ok(w)
    }

    /// Runs the simulation until the scenario's topics are committed and every partition's
    /// leader acts as leader (a few hundred ms: in KRaft mode the records commit and the
    /// brokers fetch them; in ZooKeeper mode the controller writes the states first), so the
    /// page opens on the cluster the scenario describes. Every step is in the event log.
    fn settle_setup(&mut self) {
        while !self.setup_ready() && self.sim.step_until(SETUP_LIMIT_MS) {}
    }

    /// Whether the scenario's topics are committed, each partition's leader acts as one and
    /// every live replica knows it hosts the partition.
    fn setup_ready(&self) -> bool {
        let meta = self.sim.coordinator().metadata();
        let sim = &self.sim;
        self.scenario.topics.iter().all(|t| {
            meta.topics.get(t.name.as_str()).is_some_and(|m| {
                m.partitions.iter().all(|p| {
                    sim.replica(p.leader, &p.tp).is_some_and(|r| r.is_leader())
                        && p.replicas.iter().all(|&b| {
                            !sim.is_up(NodeId::Broker(b)) || sim.replica(b, &p.tp).is_some()
                        })
                })
            })
        })
    }

    /// When the steady producer or the script next acts.
    fn next_external(&self) -> Option<Millis> {
        let steady = self.steady.as_ref().map(|s| s.next_at.ceil() as Millis);
        let script = self.script.front().map(|(at, _)| *at);
        [steady, script, self.next_lesson_step()]
            .into_iter()
            .flatten()
            .min()
    }

    /// Schedules an action at simulated time `at` (not before now).
    fn schedule(&mut self, at: Millis, action: ScriptAction) {
        let at = at.max(self.sim.now());
        let i = self.script.partition_point(|(t, _)| *t <= at);
        self.script.insert(i, (at, action));
    }

    fn fire_script(&mut self, at: Millis) {
        while self.script.front().is_some_and(|(t, _)| *t <= at) {
            let Some((_, a)) = self.script.pop_front() else {
                break;
            };
            let r = match a {
                ScriptAction::Node(n, action) => self.node_action(n, action),
                ScriptAction::ElectPreferred => self.elect_preferred_leaders().map(|_| ()),
                ScriptAction::Produce { key, value } => {
                    let Some(topic) = self.scenario.topics.first().map(|t| t.name.clone()) else {
                        continue;
                    };
                    let acks = self.scenario.acks;
                    self.produce(&ProduceRequest {
                        topic,
                        key,
                        value,
                        acks,
                    })
                    .map(|_| ())
                }
            };
            if let Err(e) = r {
                let now = self.sim.now();
                self.push_line(now, format!("scripted action refused: {e}"), false);
            }
        }
    }

    fn fire_steady(&mut self) {
        let Some(s) = self.steady.as_mut() else {
            return;
        };
        let n = s.sent;
        s.sent += 1;
        s.next_at += s.interval;
        if self.scenario.topics.is_empty() {
            return;
        }
        let topic = self.scenario.topics[(n as usize) % self.scenario.topics.len()]
            .name
            .clone();
        let key = format!("customer-{}", n % 20);
        let Ok(producer) = self.producer_for(self.scenario.acks) else {
            return;
        };
        let cmd = Command::Produce {
            producer,
            topic,
            key: Some(key.clone()),
            value: format!("order-{n}"),
            partition: None,
            count: None,
        };
        // A refused produce (the producer is down) is simply skipped.
        if let Ok(CommandOutcome::RecordsSent { records }) = self.sim.apply(cmd) {
            self.remember_keys(&records, &key);
        }
    }

    fn remember_keys(&mut self, records: &[RecordId], key: &str) {
        let key: Arc<str> = Arc::from(key);
        for &r in records {
            self.ctx.keys.insert(r, key.clone());
        }
        while self.ctx.keys.len() > KEYS_CAPACITY {
            self.ctx.keys.pop_oldest();
        }
    }

    /// The producer with these acks, created if there is none yet.
    fn producer_for(&mut self, acks: Acks) -> Result<u32, KafkaError> {
        if let Some(&(_, id)) = self.producers.iter().find(|(a, _)| *a == acks) {
            return Ok(id);
        }
        let id = self.next_producer;
        self.sim.apply(Command::AddProducer {
            id,
            acks: Some(acks),
            keyless: Some(self.scenario.keyless),
            linger_ms: None,
        })?;
        self.next_producer += 1;
        self.producers.push((acks, id));
        Ok(id)
    }

    /// `producer.send(topic, key, value)` from the form, by the producer with those acks.
    fn produce(&mut self, req: &ProduceRequest) -> Result<Vec<RecordId>, KafkaError> {
        // Checked before a producer may be added, so a refused send changes nothing. The
        // controller's view: a topic just created is known before its records commit.
        let known = self
            .sim
            .coordinator()
            .admin_metadata()
            .topics
            .contains_key(req.topic.as_str());
        if !known {
            return Err(KafkaError::new(
                ErrorCode::UnknownTopicOrPartition,
                format!("Topic {} not present in metadata.", req.topic),
            ));
        }
        let producer = self.producer_for(req.acks)?;
        let out = self.sim.apply(Command::Produce {
            producer,
            topic: req.topic.clone(),
            key: req.key.clone(),
            value: req.value.clone(),
            partition: None,
            count: None,
        });
        let records = match out {
            Ok(CommandOutcome::RecordsSent { records }) => records,
            Ok(_) => Vec::new(),
            Err(e) => {
                self.ingest(None);
                return Err(e);
            }
        };
        if let Some(k) = &req.key {
            self.remember_keys(&records, k);
        }
        if let Some(&last) = records.last() {
            self.placement = Some(Placement {
                record: last,
                topic: req.topic.clone(),
                partition: None,
                text: format!(
                    "record {last}: producer {producer} is fetching metadata before it can choose a partition"
                ),
            });
        }
        self.ingest(None);
        Ok(records)
    }

    /// Crash, restart or isolate a broker, a ZooKeeper server or a KRaft controller.
    fn node_action(&mut self, node: NodeId, action: BrokerAction) -> Result<(), KafkaError> {
        let cmd = match action {
            BrokerAction::Crash => Command::Crash { node },
            BrokerAction::Restart => Command::Restart { node },
            BrokerAction::Isolate => Command::Isolate { node },
            BrokerAction::Heal => Command::Heal,
        };
        self.apply(cmd).map(|_| ())
    }

    /// `kafka-leader-election --election-type preferred --all-topic-partitions`.
    fn elect_preferred_leaders(&mut self) -> Result<PreferredElection, KafkaError> {
        match self.apply(Command::ElectPreferredLeaders { partitions: None })? {
            CommandOutcome::LeadersElected(results) => Ok(results),
            _ => Ok(PreferredElection::default()),
        }
    }

    /// Starts a consumer in `group` subscribed to `topic`, with the partition assignment
    /// strategy `assignor`. Returns its id.
    fn add_consumer(
        &mut self,
        group: &str,
        topic: &str,
        assignor: AssignorKind,
    ) -> Result<u32, KafkaError> {
        let id = self.next_consumer;
        self.apply(Command::AddConsumer {
            id,
            group: group.to_owned(),
            topics: vec![topic.to_owned()],
            assignor: Some(assignor),
        })?;
        self.next_consumer += 1;
        Ok(id)
    }

    /// Applies a command now, then takes in its events.
    fn apply(&mut self, cmd: Command) -> Result<CommandOutcome, KafkaError> {
        let out = self.sim.apply(cmd);
        self.ingest(None);
        out
    }

    fn push_line(&mut self, time: Millis, text: String, detail: bool) {
        self.push_announced(time, text, detail, None);
    }

    fn push_announced(
        &mut self,
        time: Millis,
        text: String,
        detail: bool,
        announce: Option<String>,
    ) {
        let line = Rc::new(LogLine {
            id: self.next_line,
            time,
            text,
            detail,
            announce,
        });
        self.next_line += 1;
        if !detail {
            self.log.push_back(line.clone());
            if self.log.len() > LOG_CAPACITY {
                self.log.pop_front();
            }
        }
        self.log_all.push_back(line);
        if self.log_all.len() > LOG_CAPACITY {
            self.log_all.pop_front();
        }
    }

    /// Takes in the events emitted since the last call. `delivered` is the message the last
    /// step delivered or dropped (id and API), for naming a drop.
    fn ingest(&mut self, delivered: Option<(u64, &'static str)>) {
        let events = self.sim.drain_events();
        self.keep_record_events(&events);
        // APIs of messages sent in this batch (they may also be dropped in it).
        let mut sent_now: Vec<(u64, &'static str)> = Vec::new();
        for ev in &events {
            match &ev.kind {
                EventKind::MessageSent { id, message, .. } => {
                    sent_now.push((*id, message.api()));
                    continue;
                }
                EventKind::MessageDropped {
                    id,
                    from,
                    to,
                    reason,
                } => {
                    let api = sent_now
                        .iter()
                        .find(|(i, _)| i == id)
                        .map(|(_, a)| (*a).to_owned())
                        .or_else(|| {
                            delivered
                                .filter(|(i, _)| i == id)
                                .map(|(_, a)| a.to_owned())
                        })
                        .unwrap_or_else(|| "message".to_owned());
                    self.dropped.push_back(DroppedMessage {
                        id: *id,
                        from: *from,
                        to: *to,
                        api,
                        at: ev.time,
                        reason: *reason,
                    });
                    if self.dropped.len() > 500 {
                        self.dropped.pop_front();
                    }
                }
                EventKind::RecordsTruncated {
                    broker, tp, lost, ..
                } if !lost.is_empty() => {
                    let i = match self
                        .lost
                        .iter()
                        .position(|((t, b), _)| t == tp && b == broker)
                    {
                        Some(i) => i,
                        None => {
                            self.lost.push(((tp.clone(), *broker), VecDeque::new()));
                            self.lost.len() - 1
                        }
                    };
                    let v = &mut self.lost[i].1;
                    v.extend(lost.iter().cloned());
                    while v.len() > LOST_CAPACITY {
                        v.pop_front();
                    }
                }
                EventKind::RecordPartitioned {
                    record,
                    tp,
                    key_placement,
                    explicit,
                    keyless,
                    ..
                } => {
                    if let Some(p) = self.placement.as_mut().filter(|p| p.record == *record) {
                        p.partition = Some(tp.partition);
                        p.text = placement_text(
                            &self.ctx,
                            *record,
                            tp,
                            key_placement.as_ref(),
                            *explicit,
                            *keyless,
                        );
                    }
                }
                EventKind::ProduceFailed { record, error, .. } => {
                    if let Some(p) = self
                        .placement
                        .as_mut()
                        .filter(|p| p.record == *record && p.partition.is_none())
                    {
                        p.text = format!("record {record} failed before placement: {error}");
                    }
                }
                _ => {}
            }
            if let Some(n) = narrate(&ev.kind, &self.ctx) {
                let announce = crate::narrate::announcement(&ev.kind);
                self.push_announced(ev.time, n.text, n.detail, announce);
            }
            if let EventKind::RecordPartitioned { record, .. } = &ev.kind {
                self.ctx.keys.remove(record);
            }
        }
    }
}

/// The world the page shows: a timeline of [`Engine`] states (the live one and checkpoints),
/// and the snapshot of the live one, retaken once per change.
pub struct World {
    seed: u64,
    timeline: Timeline<Engine>,
    snapshot: Rc<Snapshot>,
    /// Bumped whenever the shown state changed (and the snapshot was retaken).
    version: u64,
    /// Set when the last action was taken in the past (cleared by the next action or seek).
    fork: Option<Fork>,
    /// The script scheduled with [`World::schedule`], as given (for share links).
    script: Vec<(Millis, ScriptAction)>,
}

impl World {
    /// Builds the cluster of `scenario` with `seed`, creating its topics and its producer at
    /// t = 0. Fails, changing nothing anywhere, with each error next to its field.
    #[allow(clippy::result_large_err)] // as Engine::new
    pub fn new(scenario: &Scenario, seed: u64) -> Result<World, ScenarioErrors> {
        let engine = Engine::new(scenario, seed)?;
        Ok(Self::start(engine, seed))
    }

    fn start(engine: Engine, seed: u64) -> World {
        let snapshot = Rc::new(engine.sim.snapshot());
        let policy = CheckpointPolicy {
            interval_ms: CHECKPOINT_INTERVAL_MS,
            max_checkpoints: MAX_CHECKPOINTS,
            window_ms: Some(TIME_TRAVEL_WINDOW_MS),
        };
        World {
            seed,
            timeline: Timeline::with_policy(engine, policy),
            snapshot,
            version: 0,
            fork: None,
            script: Vec::new(),
        }
    }

    fn engine(&self) -> &Engine {
        self.timeline.live()
    }

    pub fn scenario(&self) -> &Scenario {
        &self.engine().scenario
    }

    /// The scenario, shared (cheap to hand to a view every frame).
    pub fn scenario_rc(&self) -> Rc<Scenario> {
        self.engine().scenario.clone()
    }

    pub fn seed(&self) -> u64 {
        self.seed
    }

    pub fn sim(&self) -> &Sim {
        &self.engine().sim
    }

    pub fn now(&self) -> Millis {
        self.engine().sim.now()
    }

    pub fn snapshot(&self) -> &Rc<Snapshot> {
        &self.snapshot
    }

    pub fn version(&self) -> u64 {
        self.version
    }

    /// Key events, oldest first.
    pub fn log(&self) -> &VecDeque<Rc<LogLine>> {
        &self.engine().log
    }

    /// Every narrated event (details included), oldest first.
    pub fn log_all(&self) -> &VecDeque<Rc<LogLine>> {
        &self.engine().log_all
    }

    pub fn dropped(&self) -> &VecDeque<DroppedMessage> {
        &self.engine().dropped
    }

    pub fn placement(&self) -> Option<&Placement> {
        self.engine().placement.as_ref()
    }

    /// Records `broker`'s replica of `tp` lost to truncation, oldest first.
    pub fn lost(&self, tp: &TopicPartition, broker: BrokerId) -> Option<&VecDeque<Record>> {
        self.engine()
            .lost
            .iter()
            .find(|((t, b), _)| t == tp && *b == broker)
            .map(|(_, v)| v)
    }

    /// Every topic with its partition count, internal ones flagged.
    pub fn topics(&self) -> Vec<TopicInfo> {
        self.snapshot
            .topics
            .iter()
            .map(|t| TopicInfo {
                name: t.name.to_string(),
                partitions: t.partitions.len() as u32,
                internal: t.internal,
            })
            .collect()
    }

    pub fn partition_view(&self, tp: &TopicPartition) -> Option<PartitionView> {
        PartitionView::build(self, tp)
    }

    /// When the next thing happens: a scheduled delivery or timer, the steady producer, the
    /// script, or (in the past) a logged action.
    pub fn next_event_time(&self) -> Option<Millis> {
        self.timeline.next_time()
    }

    /// Schedules an action at simulated time `at` (not before now). A script belongs to the
    /// session from its start: the timeline restarts here, forgetting any history.
    pub fn schedule(&mut self, at: Millis, action: ScriptAction) {
        let mut engine = self.engine().clone();
        self.script.push((at, action.clone()));
        engine.schedule(at, action);
        self.timeline = Timeline::with_policy(engine, self.timeline.policy());
    }

    /// Runs the simulation up to `t` (firing the steady producer on its schedule; in the past,
    /// replaying the logged actions). Returns whether anything happened; only then is a new
    /// snapshot taken.
    pub fn advance_to(&mut self, t: Millis) -> bool {
        let before = self.timeline.live().position();
        self.timeline.advance_to(t);
        let changed = self.timeline.live().position() != before;
        if changed {
            self.refresh();
        }
        changed
    }

    /// Advances to the next event time and processes everything due then. Returns that time.
    pub fn step(&mut self) -> Option<Millis> {
        let t = self.next_event_time()?;
        self.advance_to(t);
        Some(t)
    }

    /// The session's span time travel covers: its start (at most [`TIME_TRAVEL_WINDOW_MS`]
    /// before its end) and the furthest time it reached.
    pub fn session(&self) -> (Millis, Millis) {
        (self.timeline.start(), self.timeline.end())
    }

    /// Whether the session is longer than time travel covers (its start is out of reach).
    pub fn time_travel_clipped(&self) -> bool {
        self.timeline.start() > self.timeline.origin()
    }

    /// Whether the shown state is in the past (a future is ahead of it).
    pub fn in_past(&self) -> bool {
        self.timeline.in_past()
    }

    /// Shows the world as it was at `t` (clamped to the session). Returns the time shown.
    /// Every narrated line of the session up to the time shown, details included, at most
    /// `limit` (the page keeps only the last [`LOG_CAPACITY`]): a copy of the timeline is
    /// replayed from the start in short slices, taking in the lines each adds. The flag is
    /// true when lines were left out (over `limit`, or more than [`LOG_CAPACITY`] lines in one
    /// slice).
    pub fn full_log(&self, limit: usize) -> (Vec<LogLine>, bool) {
        const SLICE_MS: Millis = 20;
        let mut tl = self.timeline.clone();
        let until = tl.now();
        // From the session's origin, even when time travel covers only its last part.
        tl.rewind();
        let mut t = tl.origin();
        let mut lines: Vec<LogLine> = Vec::new();
        let mut next_id = 0;
        let mut left_out = false;
        loop {
            let e = tl.live();
            left_out |= e.log_all.front().is_some_and(|l| l.id > next_id);
            lines.extend(
                e.log_all
                    .iter()
                    .filter(|l| l.id >= next_id)
                    .map(|l| LogLine::clone(l)),
            );
            next_id = e.next_line;
            if lines.len() > limit {
                lines.truncate(limit);
                return (lines, true);
            }
            if t >= until {
                return (lines, left_out);
            }
            t = (t + SLICE_MS).min(until);
            tl.advance_to(t);
        }
    }

    pub fn seek(&mut self, t: Millis) -> Millis {
        let shown = self.timeline.seek(t);
        self.fork = None;
        self.refresh();
        shown
    }

    /// Goes back to just before the last event. Returns the time shown (None: at the start).
    pub fn step_back(&mut self) -> Option<Millis> {
        let r = self.timeline.step_back();
        self.fork = None;
        self.refresh();
        r
    }

    /// Whether the last action was taken in the past, and what it dropped.
    pub fn fork(&self) -> Option<Fork> {
        self.fork
    }

    /// The script given to [`World::schedule`], in the order given.
    pub fn script(&self) -> &[(Millis, ScriptAction)] {
        &self.script
    }

    /// Every action of the session with its time, oldest first (those ahead of the time shown
    /// included, when viewing the past).
    pub fn actions(&self) -> impl Iterator<Item = (Millis, &Action)> + '_ {
        self.timeline.inputs().iter().map(|l| (l.at, &l.input))
    }

    /// Checkpoints held.
    pub fn checkpoints(&self) -> usize {
        self.timeline.checkpoint_count()
    }

    /// Applies an action through the timeline (logged with its time; in the past it forks).
    pub fn act(&mut self, action: Action) -> Result<ActionOutput, KafkaError> {
        let applied = self.timeline.apply(action)?;
        self.refresh();
        self.fork = applied.forked.then(|| Fork {
            at: self.now(),
            dropped: applied.dropped,
        });
        Ok(applied.output)
    }

    /// `producer.send(topic, key, value)` from the form, by the producer with those acks.
    pub fn produce(&mut self, req: &ProduceRequest) -> Result<Vec<RecordId>, KafkaError> {
        match self.act(Action::Produce(req.clone()))? {
            ActionOutput::Records(r) => Ok(r),
            _ => Ok(Vec::new()),
        }
    }

    pub fn broker_action(
        &mut self,
        broker: BrokerId,
        action: BrokerAction,
    ) -> Result<(), KafkaError> {
        self.node_action(NodeId::Broker(broker), action)
    }

    /// Crash, restart or isolate a broker, a ZooKeeper server or a KRaft controller.
    pub fn node_action(&mut self, node: NodeId, action: BrokerAction) -> Result<(), KafkaError> {
        self.act(Action::Node(node, action)).map(|_| ())
    }

    /// `kafka-leader-election --election-type preferred --all-topic-partitions`.
    pub fn elect_preferred_leaders(&mut self) -> Result<PreferredElection, KafkaError> {
        match self.act(Action::ElectPreferred)? {
            ActionOutput::Elected(p) => Ok(p),
            _ => Ok(PreferredElection::default()),
        }
    }

    /// Starts a consumer in `group` subscribed to `topic`, with the partition assignment
    /// strategy `assignor`. Returns its id.
    pub fn add_consumer(
        &mut self,
        group: &str,
        topic: &str,
        assignor: AssignorKind,
    ) -> Result<u32, KafkaError> {
        let out = self.act(Action::AddConsumer {
            group: group.to_owned(),
            topic: topic.to_owned(),
            assignor,
        })?;
        match out {
            ActionOutput::Consumer(id) => Ok(id),
            _ => unreachable!("adding a consumer returns its id"),
        }
    }

    /// Forgets dropped messages that died more than `keep_ms` ago (only what is drawn: the
    /// list is rebuilt exactly by a seek).
    pub fn prune_dropped(&mut self, now: f64, keep_ms: f64) {
        let dropped = &mut self.timeline.live_mut().dropped;
        while dropped
            .front()
            .is_some_and(|d| (d.at as f64) + keep_ms < now)
        {
            dropped.pop_front();
        }
    }

    fn refresh(&mut self) {
        self.snapshot = Rc::new(self.engine().sim.snapshot());
        self.version += 1;
    }

    /// A world running a lesson (or any scenario file) with `seed`: its cluster, its topics
    /// at t = 0 and its timed steps, applied as `kafkascope run` applies them.
    pub fn from_lesson(
        lesson: Rc<kafkascope_core::scenario::Scenario>,
        seed: u64,
    ) -> Result<World, String> {
        Ok(Self::start(Engine::from_lesson(lesson, seed)?, seed))
    }

    /// The lesson this world runs, if any.
    pub fn lesson_scenario(&self) -> Option<&Rc<kafkascope_core::scenario::Scenario>> {
        self.engine().lesson.as_ref().map(|l| &l.scenario)
    }

    /// The lesson's `expect` steps reached so far: each step's index and its result.
    pub fn lesson_results(&self) -> &[(usize, kafkascope_core::expect::ExpectResult)] {
        self.engine()
            .lesson
            .as_ref()
            .map_or(&[], |l| l.results.as_slice())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Memory does not grow with the session: time travel covers the last hour, the
    /// simulator keeps no command log, and the whole session still exports from its origin.
    #[test]
    fn time_travel_covers_the_last_hour_and_the_rest_is_dropped() {
        let s = Scenario {
            produce_rate: 2.0,
            ..Scenario::default()
        };
        let mut w = World::new(&s, 1).unwrap();
        let origin = w.session().0;
        w.advance_to(50 * 60_000);
        assert!(!w.time_travel_clipped());
        assert_eq!(w.session(), (origin, 50 * 60_000));
        w.advance_to(70 * 60_000);
        assert!(w.time_travel_clipped());
        assert_eq!(w.session(), (10 * 60_000, 70 * 60_000));
        // At most the cap: an hour's checkpoints, thinned to one every 10 s.
        assert!(
            w.checkpoints() <= MAX_CHECKPOINTS,
            "{} checkpoints",
            w.checkpoints()
        );
        assert!(w.sim().command_log().is_empty());
        assert!(w.sim().commands_applied() > 2 * 60 * 70);
        assert_eq!(w.seek(0), 10 * 60_000);
        w.seek(62 * 60_000);
        let mut straight = World::new(&s, 1).unwrap();
        straight.advance_to(62 * 60_000);
        assert_eq!(w.snapshot(), straight.snapshot());
        assert_eq!(w.log_all(), straight.log_all());
        let (lines, left_out) = w.full_log(usize::MAX);
        assert!(!left_out && lines[0].id == 0 && lines[0].time < 1_000);
        assert_eq!(lines.last().map(|l| l.id), w.log_all().back().map(|l| l.id));
    }

    #[test]
    fn the_scenarios_retention_deletes_old_records_from_every_replica() {
        let s = Scenario {
            produce_rate: 20.0,
            retention_ms: Some(2_000),
            ..Scenario::default()
        };
        let mut w = World::new(&s, 1).unwrap();
        w.advance_to(12_000);
        let tp = TopicPartition::new("orders", 0);
        for b in 1..=3 {
            let log = &w.sim().replica(b, &tp).unwrap().log;
            // 20 records/s over 3 partitions: ~7 a second each; at most about 2 s (retention)
            // plus 5 s (the teaching profile's retention check interval) of them are kept.
            assert!(log.log_start_offset() > 10, "broker {b}: nothing deleted");
            assert!(log.log_end_offset() - log.log_start_offset() < 60);
        }
        let keep_all = Scenario {
            retention_ms: None,
            ..s
        };
        let mut w = World::new(&keep_all, 1).unwrap();
        w.advance_to(12_000);
        assert_eq!(w.sim().replica(1, &tp).unwrap().log.log_start_offset(), 0);
    }
    use crate::model::scenario::ScenarioDraft;
    use kafkascope_core::snapshot::ReplicaRole;

    fn world() -> World {
        World::new(&Scenario::default(), 42).unwrap()
    }

    #[test]
    fn default_world_opens_on_three_brokers_and_a_committed_orders_topic() {
        let w = world();
        let s = w.snapshot();
        // KRaft: the topic's records committed and the brokers fetched them during set-up.
        assert!(s.time > 0 && s.time < 1_000, "set-up took {} ms", s.time);
        assert!(
            s.brokers
                .iter()
                .flat_map(|b| &b.replicas)
                .filter(|r| r.role == kafkascope_core::snapshot::ReplicaRole::Leader)
                .count()
                == 3
        );
        assert_eq!(s.brokers.len(), 3);
        let orders = s.topics.iter().find(|t| &*t.name == "orders").unwrap();
        assert_eq!(orders.partitions.len(), 3);
        assert_eq!(orders.config.min_insync_replicas, 2);
        assert_eq!(s.producers.len(), 1);
        assert!(
            w.log()
                .iter()
                .any(|l| l.text.starts_with("created topic orders"))
        );
    }

    #[test]
    fn replicas_learn_their_roles_after_leader_and_isr_arrives() {
        let mut w = world();
        assert!(w.advance_to(1_000));
        let s = w.snapshot();
        for b in &s.brokers {
            assert_eq!(b.replicas.len(), 3, "broker {}", b.id);
        }
        let leaders = s
            .brokers
            .iter()
            .flat_map(|b| &b.replicas)
            .filter(|r| r.role == ReplicaRole::Leader)
            .count();
        assert_eq!(leaders, 3);
    }

    #[test]
    fn nothing_happening_takes_no_new_snapshot() {
        let mut w = world();
        w.advance_to(1_000);
        let v = w.version();
        let next = w.next_event_time().unwrap();
        assert!(next > 1_000);
        assert!(!w.advance_to(next - 1) || next - 1 < 1_000);
        assert_eq!(w.version(), v);
    }

    #[test]
    fn a_keyed_record_gets_the_murmur2_placement() {
        let mut w = world();
        w.advance_to(500);
        w.produce(&ProduceRequest {
            topic: "orders".into(),
            key: Some("customer-123".into()),
            value: "order-1".into(),
            acks: Acks::All,
        })
        .unwrap();
        w.advance_to(2_000);
        let p = w.placement().unwrap();
        assert_eq!(p.partition, Some(0));
        assert_eq!(
            p.text,
            "key \"customer-123\": murmur2 = 593099448, 593099448 % 3 = 0 -> partition 0"
        );
        let acked = w
            .log()
            .iter()
            .any(|l| l.text.contains("acknowledged, orders-0 offset 0"));
        assert!(acked, "{:?}", w.log());
    }

    #[test]
    fn a_new_acks_setting_adds_a_producer_and_reuses_it() {
        let mut w = world();
        w.advance_to(500);
        for _ in 0..2 {
            w.produce(&ProduceRequest {
                topic: "orders".into(),
                key: None,
                value: "v".into(),
                acks: Acks::Leader,
            })
            .unwrap();
        }
        assert_eq!(w.snapshot().producers.len(), 2);
    }

    #[test]
    fn unknown_topic_is_refused_with_kafkas_error() {
        let mut w = world();
        let e = w
            .produce(&ProduceRequest {
                topic: "nope".into(),
                key: None,
                value: "v".into(),
                acks: Acks::All,
            })
            .unwrap_err();
        assert_eq!(e.code, ErrorCode::UnknownTopicOrPartition);
    }

    #[test]
    fn crashing_a_broker_leads_to_fencing_isr_shrink_and_election() {
        let mut w = world();
        w.advance_to(1_000);
        let leader_of_0 = w.snapshot().topics[0].partitions[0].leader;
        w.broker_action(leader_of_0, BrokerAction::Crash).unwrap();
        w.advance_to(6_000);
        let texts: Vec<&str> = w.log().iter().map(|l| l.text.as_str()).collect();
        assert!(
            texts.iter().any(|t| t.starts_with(&format!(
                "broker {leader_of_0} stopped answering; fenced after"
            ))),
            "{texts:#?}"
        );
        assert!(
            texts.iter().any(
                |t| t.contains("leader of orders-0") && t.contains("because its leader failed")
            ),
            "{texts:#?}"
        );
        let s = w.snapshot();
        assert_ne!(s.topics[0].partitions[0].leader, leader_of_0);
        assert!(!s.topics[0].partitions[0].isr.contains(&leader_of_0));
        let b = s.brokers.iter().find(|b| b.id == leader_of_0).unwrap();
        assert!(!b.up && !b.live);
        assert_eq!(s.metrics.under_replicated_partitions, 3);
    }

    #[test]
    fn restarting_a_running_broker_is_refused_and_changes_nothing() {
        let mut w = world();
        w.advance_to(1_000);
        let v = w.version();
        let e = w.broker_action(1, BrokerAction::Restart).unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidRequest);
        assert_eq!(w.version(), v);
    }

    #[test]
    fn isolation_drops_messages_that_then_fade() {
        let mut w = world();
        w.advance_to(1_000);
        w.broker_action(2, BrokerAction::Isolate).unwrap();
        w.advance_to(2_000);
        assert!(!w.dropped().is_empty());
        let d = w.dropped().back().unwrap();
        assert_eq!(d.reason, DropReason::LinkCut);
        assert_ne!(d.api, "message");
        w.prune_dropped(100_000.0, 500.0);
        assert!(w.dropped().is_empty());
        w.broker_action(2, BrokerAction::Heal).unwrap();
        assert!(
            w.log()
                .iter()
                .any(|l| l.text.starts_with("the network is healed"))
        );
    }

    #[test]
    fn a_script_can_target_zookeeper_servers_and_controllers() {
        let script = parse_script("crash:zookeeper-2@100,restart:controller-101@200").unwrap();
        assert_eq!(
            script,
            vec![
                (
                    100,
                    ScriptAction::Node(NodeId::ZooKeeper(2), BrokerAction::Crash)
                ),
                (
                    200,
                    ScriptAction::Node(NodeId::Controller(101), BrokerAction::Restart)
                ),
            ]
        );
        assert!(parse_script("crash:zookeeper-x@100").is_err());
    }

    #[test]
    fn a_script_runs_its_actions_at_their_times() {
        let script = parse_script("produce:customer-123@600, crash:1@1500,heal@2000").unwrap();
        assert_eq!(script[0].0, 600);
        assert_eq!(
            script[1],
            (
                1500,
                ScriptAction::Node(NodeId::Broker(1), BrokerAction::Crash)
            )
        );
        let mut w = world();
        for (at, a) in script {
            w.schedule(at, a);
        }
        w.advance_to(1_499);
        assert!(w.snapshot().brokers[0].up);
        assert_eq!(w.placement().and_then(|p| p.partition), Some(0));
        w.advance_to(1_500);
        assert!(!w.snapshot().brokers[0].up);
        assert!(parse_script("explode:1@5").is_err());
        assert!(parse_script("crash:x@5").is_err());
        assert!(parse_script("crash:1").is_err());
    }

    #[test]
    fn step_goes_to_the_next_event_time() {
        let mut w = world();
        let next = w.next_event_time().unwrap();
        assert_eq!(w.step(), Some(next));
        assert_eq!(w.now(), next);
    }

    #[test]
    fn invalid_topic_reports_kafkas_error_next_to_the_field() {
        let mut d = ScenarioDraft::from(&Scenario::default());
        d.topics[0].replication_factor = "4".into();
        let s = d.parse().unwrap();
        let e = World::new(&s, 1).err().unwrap();
        assert_eq!(
            e.topics[0].replication_factor.as_deref(),
            Some(
                // The default cluster is in KRaft mode: the quorum controller's words.
                "INVALID_REPLICATION_FACTOR: Unable to replicate the partition 4 time(s): The target replication factor of 4 cannot be reached because only 3 broker(s) are registered."
            )
        );
        let mut d = ScenarioDraft::from(&Scenario::default());
        d.topics[0].name = "bad name!".into();
        let e = World::new(&d.parse().unwrap(), 1).err().unwrap();
        assert!(
            e.topics[0]
                .name
                .as_deref()
                .unwrap()
                .starts_with("INVALID_TOPIC_EXCEPTION: Topic name is invalid"),
            "{e:?}"
        );
        let mut d = ScenarioDraft::from(&Scenario::default());
        d.topics[0].partitions = "0".into();
        let e = World::new(&d.parse().unwrap(), 1).err().unwrap();
        assert!(e.topics[0].partitions.is_some(), "{e:?}");
    }

    #[test]
    fn duplicate_topics_are_refused() {
        let mut s = Scenario::default();
        s.topics.push(s.topics[0].clone());
        let e = World::new(&s, 1).err().unwrap();
        assert!(
            e.topics[1]
                .name
                .as_deref()
                .unwrap()
                .starts_with("TOPIC_ALREADY_EXISTS"),
            "{e:?}"
        );
    }

    #[test]
    fn same_scenario_and_seed_give_the_same_world() {
        let mut a = World::new(&Scenario::stress(), 7).unwrap();
        let mut b = World::new(&Scenario::stress(), 7).unwrap();
        a.advance_to(3_000);
        b.advance_to(3_000);
        assert_eq!(a.snapshot(), b.snapshot());
    }

    #[test]
    fn the_steady_producer_sends_at_its_rate() {
        let mut w = World::new(&Scenario::stress(), 7).unwrap();
        w.advance_to(2_000);
        let appended: u64 = w
            .snapshot()
            .topics
            .iter()
            .flat_map(|t| &t.partitions)
            .map(|p| p.log_end_offset)
            .sum();
        // 50 records/s for 2 s, minus the ones still on their way.
        assert!((80..=101).contains(&appended), "{appended}");
    }

    /// The stress preset with a crash of broker 2 at 4 s and a restart at 9 s, played to `t`
    /// (and never sought).
    fn played_to(t: Millis) -> World {
        let mut w = World::new(&Scenario::stress(), 3).unwrap();
        for (at, action) in [(4_000, BrokerAction::Crash), (9_000, BrokerAction::Restart)] {
            if at <= t {
                w.advance_to(at);
                w.broker_action(2, action).unwrap();
            }
        }
        w.advance_to(t);
        w
    }

    fn session() -> World {
        played_to(12_000)
    }

    fn lines(w: &World) -> Vec<(Millis, String)> {
        w.log_all()
            .iter()
            .map(|l| (l.time, l.text.clone()))
            .collect()
    }

    #[test]
    fn a_seek_shows_the_world_exactly_as_it_was_then() {
        let mut w = session();
        let (start, end) = w.session();
        assert_eq!(end, 12_000);
        assert!(w.checkpoints() >= 2);
        for t in [6_500, 2_000, 4_000, 11_000, 9_000, start] {
            let fresh = played_to(t);
            assert_eq!(w.seek(t), t);
            assert!(w.in_past());
            assert!(w.snapshot() == fresh.snapshot(), "seek to {t}");
            assert!(lines(&w) == lines(&fresh), "seek to {t}");
            assert_eq!(w.placement(), fresh.placement());
        }
    }

    #[test]
    fn playing_on_after_a_seek_replays_the_future_and_the_steady_producer() {
        let reference = session();
        let mut w = session();
        w.seek(3_000);
        assert!(w.snapshot().brokers[1].up, "broker 2 had not crashed yet");
        w.advance_to(12_000);
        assert!(!w.in_past());
        assert!(w.snapshot() == reference.snapshot());
        assert!(lines(&w) == lines(&reference));
        // Seeking past the end shows the end.
        assert_eq!(w.seek(99_000), 12_000);
        assert!(w.snapshot() == reference.snapshot());
    }

    #[test]
    fn step_back_undoes_the_last_event() {
        let mut w = session();
        w.seek(4_000);
        assert!(!w.snapshot().brokers[1].up, "crashed at 4 s");
        // Step back until the crash is undone: it was the last thing at 4 s or just before.
        let mut steps = 0;
        while !w.snapshot().brokers[1].up {
            w.step_back().unwrap();
            steps += 1;
            assert!(steps < 50);
        }
        assert_eq!(w.now(), 4_000);
        assert!(
            w.log_all()
                .iter()
                .all(|l| !l.text.contains("broker 2 crashed"))
        );
    }

    #[test]
    fn acting_in_the_past_forks_and_says_what_was_dropped() {
        let mut w = session();
        w.seek(2_000);
        w.broker_action(5, BrokerAction::Crash).unwrap();
        let fork = w.fork().unwrap();
        assert_eq!(
            fork,
            Fork {
                at: 2_000,
                dropped: 2
            }
        );
        assert_eq!(
            fork.message(),
            "Acted at 2.000 s: the 2 later actions were dropped"
        );
        assert_eq!(w.session().1, 2_000);
        assert!(!w.in_past());
        // The new future is the fork's, and deterministic.
        w.advance_to(8_000);
        let mut again = World::new(&Scenario::stress(), 3).unwrap();
        again.advance_to(2_000);
        again.broker_action(5, BrokerAction::Crash).unwrap();
        again.advance_to(8_000);
        assert!(w.snapshot() == again.snapshot());
        assert!(
            w.snapshot().brokers[1].up,
            "the crash of broker 2 was dropped"
        );
        // A refused action in the past forks nothing.
        w.seek(1_000);
        assert!(w.broker_action(1, BrokerAction::Restart).is_err());
        assert_eq!(w.session().1, 8_000);
    }

    /// The stress preset for a simulated hour, then 50 seeks (figures, not a check):
    /// `cargo test --release -p kafkascope-web stress_hour -- --ignored --nocapture`
    #[test]
    #[ignore]
    fn stress_hour_seek_figures() {
        let start = std::time::Instant::now();
        let mut w = World::new(&Scenario::stress(), 1).unwrap();
        w.advance_to(3_600_000);
        println!(
            "hour: {:.1} s wall, {} checkpoints",
            start.elapsed().as_secs_f64(),
            w.checkpoints()
        );
        let mut times = Vec::new();
        for i in 0..50u64 {
            let t = (i * 7_919_117) % 3_600_000;
            let s = std::time::Instant::now();
            w.seek(t);
            times.push(s.elapsed().as_secs_f64() * 1e3);
        }
        times.sort_by(f64::total_cmp);
        println!(
            "seek: median {:.2} ms, p95 {:.2} ms, max {:.2} ms",
            times[25], times[47], times[49]
        );
    }

    /// What the stress preset holds after 15, 30, 45 and 60 simulated minutes (figures, not a
    /// check): `cargo test --release -p kafkascope-web stress_memory -- --ignored --nocapture`
    #[test]
    #[ignore]
    fn stress_memory_figures() {
        let rss_kb = || {
            std::fs::read_to_string("/proc/self/status")
                .ok()
                .and_then(|s| {
                    let l = s.lines().find(|l| l.starts_with("VmRSS:"))?.to_owned();
                    l.split_whitespace().nth(1)?.parse::<u64>().ok()
                })
                .unwrap_or(0)
        };
        let mut w = World::new(&Scenario::stress(), 1).unwrap();
        for minute in [15, 30, 45, 60, 75, 90] {
            w.advance_to(minute * 60_000);
            let sim = w.sim();
            let records: u64 = sim
                .brokers()
                .values()
                .flat_map(|b| b.partitions.values())
                .map(|p| p.log.log_end_offset() - p.log.log_start_offset())
                .sum();
            let (start, end) = w.session();
            println!(
                "{minute} min: RSS {} kB, {} checkpoints, time travel {start}..{end} ms, \
                 {records} records in replica logs, command log {} of {} commands, {} actions",
                rss_kb(),
                w.checkpoints(),
                sim.command_log().len(),
                sim.commands_applied(),
                w.actions().count()
            );
        }
    }
}
