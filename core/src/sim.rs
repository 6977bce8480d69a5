//! The simulation: owns the kernel and every node, applies validated commands, and runs the
//! event loop. Its state is a function of (config, seed, timed command log).

use crate::broker::Broker;
use crate::collections::{LiteMap, SortedSet, map_from_iter};
use crate::command::{Command, CommandOutcome};
use crate::config::{ClusterConfig, CoordinatorMode, Millis};
use crate::consumer::Consumer;
use crate::controller::{Coordinator, CoordinatorImpl, NewTopic};
use crate::error::{ErrorCode, KafkaError};
use crate::event::{DropReason, Event, EventKind};
use crate::ids::{BrokerId, NodeId, TopicPartition};
use crate::kernel::{Ctx, Due, Kernel};
use crate::network::Network;
use crate::producer::{Producer, SendRequest};
use crate::timer::Timer;
use rand::SeedableRng;
use std::sync::Arc;

/// Most records one Produce command may send (keeps a typo from freezing a browser tab).
pub const MAX_RECORDS_PER_COMMAND: u32 = 100_000;

#[derive(Clone)]
pub struct Sim {
    config: ClusterConfig,
    seed: u64,
    pub(crate) k: Kernel,
    pub(crate) brokers: LiteMap<BrokerId, Broker>,
    pub(crate) coordinator: CoordinatorImpl,
    pub(crate) producers: LiteMap<u32, Producer>,
    pub(crate) consumers: LiteMap<u32, Consumer>,
    pub(crate) down: SortedSet<NodeId>,
    /// The coordinator's nodes, and the broker whose process hosts each co-located one.
    control_nodes: LiteMap<NodeId, Option<BrokerId>>,
    next_record_id: u64,
    command_log: CommandLog,
    /// Commands accepted so far (the log may keep fewer: see [`Sim::limit_command_log`]).
    commands_applied: u64,
    /// Most commands the log keeps (the newest); None keeps them all.
    command_log_limit: Option<usize>,
}

/// Commands per segment of the command log (shared between clones, like a replica log's).
pub const COMMANDS_PER_SEGMENT: usize = 64;

/// Accepted commands with the time each was applied.
pub type CommandLog = crate::segments::Segmented<(Millis, Command), COMMANDS_PER_SEGMENT>;

impl Sim {
    /// Builds and starts a cluster. Fails with a message naming the bad config field.
    pub fn new(config: ClusterConfig, seed: u64) -> Result<Self, String> {
        config.validate()?;
        let rng = rand_pcg::Pcg64Mcg::seed_from_u64(seed);
        let mut k = Kernel::new(rng, Network::new(config.network.clone()));
        let coordinator = CoordinatorImpl::new(&config);
        let control_nodes = map_from_iter(coordinator.as_dyn().nodes());
        for (&node, host) in &control_nodes {
            if let Some(b) = host {
                k.network.colocate(node, NodeId::Broker(*b));
            }
        }
        // Where brokers first look for the controller; they follow whoever leads later.
        let mode = config.coordinator.mode;
        let first_controller = match mode {
            CoordinatorMode::Builtin => NodeId::Controller(0),
            CoordinatorMode::Zookeeper => NodeId::Controller(config.brokers[0].id),
            CoordinatorMode::Kraft => {
                NodeId::Controller(config.coordinator.kraft_voter_ids(&config.brokers)[0])
            }
        };
        let brokers = map_from_iter(config.brokers.iter().map(|b| {
            (
                b.id,
                Broker::new(
                    b.id,
                    b.rack.clone(),
                    mode,
                    first_controller,
                    config.broker.clone(),
                ),
            )
        }));
        let mut sim = Self {
            config,
            seed,
            k,
            brokers,
            coordinator,
            producers: LiteMap::new_vec(),
            consumers: LiteMap::new_vec(),
            down: SortedSet::new(),
            control_nodes,
            next_record_id: 0,
            command_log: CommandLog::new(),
            commands_applied: 0,
            command_log_limit: None,
        };
        sim.coordinator.as_dyn_mut().start(&mut sim.k);
        for (&id, b) in sim.brokers.iter_mut() {
            b.start(&mut Ctx::new(NodeId::Broker(id), &mut sim.k));
        }
        Ok(sim)
    }

    pub fn config(&self) -> &ClusterConfig {
        &self.config
    }

    pub fn seed(&self) -> u64 {
        self.seed
    }

    pub fn now(&self) -> Millis {
        self.k.now
    }

    /// Accepted commands with the time they were applied: with the config and the seed, this
    /// reproduces the run.
    /// With [`Sim::limit_command_log`], only the newest commands.
    pub fn command_log(&self) -> &CommandLog {
        &self.command_log
    }

    /// Commands accepted so far, whether or not the command log still holds them.
    pub fn commands_applied(&self) -> u64 {
        self.commands_applied
    }

    /// Keeps at most the newest `limit` commands in the command log from now on (None, the
    /// default, keeps every one). For a long-running world that rebuilds its past another way
    /// (the web app's timeline logs its own inputs), so memory does not grow with the session.
    pub fn limit_command_log(&mut self, limit: Option<usize>) {
        self.command_log_limit = limit;
        self.trim_command_log();
    }

    fn trim_command_log(&mut self) {
        if let Some(limit) = self.command_log_limit {
            while self.command_log.len() > limit {
                self.command_log.pop_front();
            }
        }
    }

    pub fn brokers(&self) -> &LiteMap<BrokerId, Broker> {
        &self.brokers
    }

    pub fn coordinator(&self) -> &dyn Coordinator {
        self.coordinator.as_dyn()
    }

    /// The coordinator as its concrete mode (for checkers and pictures that read its internals).
    pub fn coordinator_impl(&self) -> &CoordinatorImpl {
        &self.coordinator
    }

    /// The coordinator's nodes, each with the broker hosting it if co-located.
    pub fn control_nodes(&self) -> &LiteMap<NodeId, Option<BrokerId>> {
        &self.control_nodes
    }

    pub fn producers(&self) -> &LiteMap<u32, Producer> {
        &self.producers
    }

    pub fn consumers(&self) -> &LiteMap<u32, Consumer> {
        &self.consumers
    }

    pub fn is_up(&self, node: NodeId) -> bool {
        !self.down.contains(&node)
    }

    pub fn network(&self) -> &Network {
        &self.k.network
    }

    /// Whether `MessageSent` events are kept (off for benchmarks that only count them).
    pub fn set_record_messages(&mut self, on: bool) {
        self.k.record_messages = on;
    }

    /// Scheduled items processed so far (deliveries and timers, stale timers included).
    pub fn steps(&self) -> u64 {
        self.k.steps
    }

    /// Events emitted so far (including those already drained).
    pub fn events_emitted(&self) -> u64 {
        self.k.events_emitted
    }

    pub fn drain_events(&mut self) -> Vec<Event> {
        self.k.drain_events()
    }

    /// Moves the clock forward to `t` (never back) without processing anything, even what is
    /// due by then. For replaying a timeline exactly; [`Sim::run_until`] is the usual way.
    pub fn advance_clock(&mut self, t: Millis) {
        self.k.now = self.k.now.max(t);
    }

    /// The message delivered (or dropped) by the next step, if the next step is a delivery.
    pub fn next_delivery(&self) -> Option<&crate::kernel::Envelope> {
        self.k.next_delivery()
    }

    /// Scheduled deliveries and timers (stale timers included).
    pub fn pending(&self) -> usize {
        self.k.pending()
    }

    /// Time of the next thing that will happen, if anything is scheduled.
    pub fn next_event_time(&self) -> Option<Millis> {
        self.k.next_due()
    }

    /// Processes the next scheduled item if it is due at or before `limit`.
    pub fn step_until(&mut self, limit: Millis) -> bool {
        match self.k.pop_due(limit) {
            Some(due) => {
                self.dispatch(due);
                true
            }
            None => false,
        }
    }

    /// Processes one scheduled item, whenever it is due.
    pub fn step(&mut self) -> bool {
        self.step_until(Millis::MAX)
    }

    /// Runs everything due at or before `t`, then sets the clock to `t`.
    pub fn run_until(&mut self, t: Millis) {
        while self.step_until(t) {}
        self.k.now = self.k.now.max(t);
    }

    fn dispatch(&mut self, due: Due) {
        match due {
            Due::Deliver(env) => {
                let reason = if env.lost {
                    Some(DropReason::Lost)
                } else if !self.k.network.reachable(env.from, env.to) {
                    Some(DropReason::LinkCut)
                } else if self.down.contains(&env.to) {
                    Some(DropReason::ReceiverDown)
                } else {
                    None
                };
                if let Some(r) = reason {
                    self.k.drop_message(&env, r);
                    return;
                }
                let mut ctx = Ctx::new(env.to, &mut self.k);
                match env.to {
                    NodeId::Broker(id) => {
                        if let Some(b) = self.brokers.get_mut(&id) {
                            b.on_message(&mut ctx, env.from, &env.message);
                        }
                    }
                    NodeId::Controller(_) | NodeId::ZooKeeper(_) => self
                        .coordinator
                        .as_dyn_mut()
                        .on_message(&mut ctx, env.from, &env.message),
                    NodeId::Producer(id) => {
                        if let Some(p) = self.producers.get_mut(&id) {
                            p.on_message(&mut ctx, env.from, &env.message);
                        }
                    }
                    NodeId::Consumer(id) => {
                        if let Some(c) = self.consumers.get_mut(&id) {
                            c.on_message(&mut ctx, env.from, &env.message);
                        }
                    }
                }
            }
            Due::Timer {
                node,
                incarnation,
                timer,
            } => {
                if incarnation != self.k.incarnation(node) || self.down.contains(&node) {
                    return;
                }
                let mut ctx = Ctx::new(node, &mut self.k);
                match (node, &timer) {
                    (NodeId::Broker(id), Timer::Broker(t)) => {
                        if let Some(b) = self.brokers.get_mut(&id) {
                            b.on_timer(&mut ctx, t);
                        }
                    }
                    (NodeId::Controller(_) | NodeId::ZooKeeper(_), Timer::Controller(t)) => {
                        self.coordinator.as_dyn_mut().on_timer(&mut ctx, t)
                    }
                    (NodeId::Producer(id), Timer::Producer(t)) => {
                        if let Some(p) = self.producers.get_mut(&id) {
                            p.on_timer(&mut ctx, t);
                        }
                    }
                    (NodeId::Consumer(id), Timer::Consumer(t)) => {
                        if let Some(c) = self.consumers.get_mut(&id) {
                            c.on_timer(&mut ctx, t);
                        }
                    }
                    _ => {}
                }
            }
        }
    }

    fn invalid(msg: impl Into<String>) -> KafkaError {
        KafkaError::new(ErrorCode::InvalidRequest, msg)
    }

    fn check_node_exists(&self, node: NodeId) -> Result<(), KafkaError> {
        let exists = match node {
            NodeId::Broker(id) => self.brokers.contains_key(&id),
            NodeId::Controller(_) | NodeId::ZooKeeper(_) => self.control_nodes.contains_key(&node),
            NodeId::Producer(id) => self.producers.contains_key(&id),
            NodeId::Consumer(id) => self.consumers.contains_key(&id),
        };
        if exists {
            Ok(())
        } else {
            Err(Self::invalid(format!("there is no {node}")))
        }
    }

    fn bootstrap(&self) -> Vec<BrokerId> {
        self.brokers.keys().copied().collect()
    }

    /// Applies a command now. On error nothing changed.
    pub fn apply(&mut self, cmd: Command) -> Result<CommandOutcome, KafkaError> {
        let out = self.apply_inner(&cmd)?;
        self.commands_applied += 1;
        if self.command_log_limit != Some(0) {
            self.command_log.push((self.k.now, cmd));
            self.trim_command_log();
        }
        Ok(out)
    }

    fn apply_inner(&mut self, cmd: &Command) -> Result<CommandOutcome, KafkaError> {
        match cmd {
            Command::CreateTopic {
                name,
                partitions,
                replication_factor,
                config,
            } => {
                let topic = NewTopic {
                    name: Arc::from(name.as_str()),
                    partitions: *partitions,
                    replication_factor: *replication_factor,
                    config: config.clone(),
                };
                let assignment = self
                    .coordinator
                    .as_dyn_mut()
                    .create_topic(&mut self.k, &topic)?;
                Ok(CommandOutcome::TopicCreated { assignment })
            }
            Command::AddPartitions { topic, partitions } => {
                let assignment = self.coordinator.as_dyn_mut().create_partitions(
                    &mut self.k,
                    topic,
                    *partitions,
                )?;
                Ok(CommandOutcome::TopicCreated { assignment })
            }
            Command::AddProducer {
                id,
                acks,
                keyless,
                linger_ms,
            } => {
                if self.producers.contains_key(id) {
                    return Err(Self::invalid(format!("producer-{id} already exists")));
                }
                let mut cfg = self.config.producer.clone();
                if let Some(a) = acks {
                    cfg.acks = *a;
                }
                if let Some(s) = keyless {
                    cfg.keyless = *s;
                }
                if let Some(l) = linger_ms {
                    cfg.linger_ms = *l;
                }
                let mut p = Producer::new(*id, cfg, self.bootstrap());
                p.start(&mut Ctx::new(NodeId::Producer(*id), &mut self.k));
                self.producers.insert(*id, p);
                Ok(CommandOutcome::Done)
            }
            Command::Produce {
                producer,
                topic,
                key,
                value,
                partition,
                count,
            } => self.produce(
                *producer,
                topic,
                key.as_deref(),
                value,
                *partition,
                count.unwrap_or(1),
            ),
            Command::AddConsumer {
                id,
                group,
                topics,
                assignor,
            } => {
                if self.consumers.contains_key(id) {
                    return Err(Self::invalid(format!("consumer-{id} already exists")));
                }
                if group.is_empty() {
                    return Err(KafkaError::new(
                        ErrorCode::InvalidRequest,
                        "group.id must not be empty",
                    ));
                }
                if topics.is_empty() {
                    return Err(Self::invalid(
                        "a consumer must subscribe to at least one topic",
                    ));
                }
                let meta = self.coordinator.as_dyn().admin_metadata();
                if let Some(t) = topics
                    .iter()
                    .find(|t| !meta.topics.contains_key(t.as_str()))
                {
                    return Err(KafkaError::new(
                        ErrorCode::UnknownTopicOrPartition,
                        format!("Topic '{t}' does not exist."),
                    ));
                }
                let topics = topics
                    .iter()
                    .map(|t| {
                        meta.topics
                            .get_key_value(t.as_str())
                            .expect("checked")
                            .0
                            .clone()
                    })
                    .collect();
                self.ensure_offsets_topic()?;
                let mut c = Consumer::new(
                    *id,
                    Arc::from(group.as_str()),
                    topics,
                    assignor.unwrap_or_default(),
                    self.config.consumer.clone(),
                    self.bootstrap(),
                );
                c.start(&mut Ctx::new(NodeId::Consumer(*id), &mut self.k));
                self.consumers.insert(*id, c);
                Ok(CommandOutcome::Done)
            }
            Command::StopConsumer { id } => {
                let node = NodeId::Consumer(*id);
                self.check_node_exists(node)?;
                if let Some(c) = self.consumers.get_mut(id)
                    && !self.down.contains(&node)
                {
                    c.leave(&mut Ctx::new(node, &mut self.k));
                }
                self.k.bump_incarnation(node);
                self.down.insert(node);
                Ok(CommandOutcome::Done)
            }
            Command::Crash { node } => self.crash(*node),
            Command::Restart { node } => self.restart(*node),
            Command::Isolate { node } => {
                self.check_node_exists(*node)?;
                self.k.network.isolate(*node);
                self.k.emit(EventKind::NodeIsolated { node: *node });
                Ok(CommandOutcome::Done)
            }
            Command::CutLink { a, b } => {
                self.check_node_exists(*a)?;
                self.check_node_exists(*b)?;
                if a == b {
                    return Err(Self::invalid("a link joins two different nodes"));
                }
                self.k.network.cut(*a, *b);
                self.k.emit(EventKind::LinkCut { a: *a, b: *b });
                Ok(CommandOutcome::Done)
            }
            Command::Heal => {
                self.k.network.heal();
                self.k.emit(EventKind::NetworkHealed);
                Ok(CommandOutcome::Done)
            }
            Command::ElectPreferredLeaders { partitions } => {
                if let Some(tps) = partitions {
                    let meta = self.coordinator.as_dyn().admin_metadata();
                    if let Some(tp) = tps.iter().find(|tp| meta.partition(tp).is_none()) {
                        return Err(KafkaError::new(
                            ErrorCode::UnknownTopicOrPartition,
                            format!("Partition {tp} does not exist."),
                        ));
                    }
                }
                let results = self
                    .coordinator
                    .as_dyn_mut()
                    .elect_preferred_leaders(&mut self.k, partitions.as_deref())?;
                Ok(CommandOutcome::LeadersElected(results))
            }
            Command::SetLinkLatency { a, b, latency_ms } => {
                self.check_node_exists(*a)?;
                self.check_node_exists(*b)?;
                if *latency_ms > crate::network::MAX_LATENCY_MS {
                    return Err(Self::invalid(format!(
                        "latency_ms {latency_ms} is more than {} ms (one hour)",
                        crate::network::MAX_LATENCY_MS
                    )));
                }
                self.k.network.set_latency(*a, *b, *latency_ms);
                Ok(CommandOutcome::Done)
            }
        }
    }

    fn produce(
        &mut self,
        producer: u32,
        topic: &str,
        key: Option<&str>,
        value: &str,
        partition: Option<u32>,
        count: u32,
    ) -> Result<CommandOutcome, KafkaError> {
        let node = NodeId::Producer(producer);
        self.check_node_exists(node)?;
        if self.down.contains(&node) {
            return Err(Self::invalid(format!("{node} is down")));
        }
        if count == 0 || count > MAX_RECORDS_PER_COMMAND {
            return Err(Self::invalid(format!(
                "count must be 1 to {MAX_RECORDS_PER_COMMAND}"
            )));
        }
        let meta = self.coordinator.as_dyn().admin_metadata();
        let Some((name, t)) = meta.topics.get_key_value(topic) else {
            return Err(KafkaError::new(
                ErrorCode::UnknownTopicOrPartition,
                format!("Topic {topic} not present in metadata."),
            ));
        };
        if let Some(p) = partition
            && p as usize >= t.partitions.len()
        {
            return Err(KafkaError::new(
                ErrorCode::UnknownTopicOrPartition,
                format!(
                    "Invalid partition given with record: {p} is not in the range [0...{}].",
                    t.partitions.len()
                ),
            ));
        }
        let name = name.clone();
        let key: Option<Arc<str>> = key.map(Arc::from);
        let mut ids = Vec::with_capacity(count as usize);
        let p = self.producers.get_mut(&producer).expect("checked");
        let mut ctx = Ctx::new(node, &mut self.k);
        for i in 0..count {
            self.next_record_id += 1;
            let value: Arc<str> = if count == 1 {
                Arc::from(value)
            } else {
                Arc::from(format!("{value}-{i}"))
            };
            p.send(
                &mut ctx,
                SendRequest {
                    id: self.next_record_id,
                    topic: name.clone(),
                    key: key.clone(),
                    value,
                    partition,
                },
            );
            ids.push(self.next_record_id);
        }
        Ok(CommandOutcome::RecordsSent { records: ids })
    }

    /// `__consumer_offsets` is created on first use, as Kafka does.
    fn ensure_offsets_topic(&mut self) -> Result<(), KafkaError> {
        let name = crate::topic::GROUP_METADATA_TOPIC_NAME;
        if self
            .coordinator
            .as_dyn()
            .admin_metadata()
            .topics
            .contains_key(name)
        {
            return Ok(());
        }
        let live = self
            .coordinator
            .as_dyn()
            .admin_metadata()
            .live_brokers()
            .len() as i32;
        let rf = (self.config.broker.offsets_topic_replication_factor as i32).min(live.max(1));
        let topic = NewTopic {
            name: Arc::from(name),
            partitions: self.config.broker.offsets_topic_num_partitions as i32,
            replication_factor: rf,
            config: crate::message::TopicConfig {
                retention_ms: None,
                ..Default::default()
            },
        };
        self.coordinator
            .as_dyn_mut()
            .create_topic(&mut self.k, &topic)
            .map(|_| ())
    }

    /// The coordinator roles that run inside `broker`'s process.
    fn roles_hosted_by(&self, broker: BrokerId) -> Vec<NodeId> {
        self.control_nodes
            .iter()
            .filter(|(_, host)| **host == Some(broker))
            .map(|(n, _)| *n)
            .collect()
    }

    /// A role co-located with a broker fails and restarts with it, never alone.
    fn check_not_colocated(&self, node: NodeId) -> Result<(), KafkaError> {
        match self.control_nodes.get(&node) {
            Some(Some(b)) => Err(Self::invalid(format!(
                "{node} runs inside broker-{b}'s process; crash or restart broker-{b}"
            ))),
            _ => Ok(()),
        }
    }

    fn crash(&mut self, node: NodeId) -> Result<CommandOutcome, KafkaError> {
        self.check_node_exists(node)?;
        if self.config.coordinator.mode == CoordinatorMode::Builtin
            && matches!(node, NodeId::Controller(_))
        {
            return Err(Self::invalid(
                "the built-in controller does not fail; use ZooKeeper or KRaft mode to fail controllers",
            ));
        }
        self.check_not_colocated(node)?;
        if self.down.contains(&node) {
            return Err(Self::invalid(format!("{node} is already down")));
        }
        let mut nodes = vec![node];
        if let NodeId::Broker(b) = node {
            nodes.extend(self.roles_hosted_by(b));
        }
        for n in nodes {
            self.down.insert(n);
            self.k.bump_incarnation(n);
            if self.control_nodes.contains_key(&n) {
                self.coordinator.as_dyn_mut().on_crash(n);
            }
            self.k.emit(EventKind::NodeCrashed { node: n });
        }
        Ok(CommandOutcome::Done)
    }

    fn restart(&mut self, node: NodeId) -> Result<CommandOutcome, KafkaError> {
        self.check_node_exists(node)?;
        self.check_not_colocated(node)?;
        if !self.down.contains(&node) {
            return Err(Self::invalid(format!("{node} is not down")));
        }
        self.restart_node(node);
        if let NodeId::Broker(b) = node {
            for role in self.roles_hosted_by(b) {
                self.restart_node(role);
            }
        }
        Ok(CommandOutcome::Done)
    }

    fn restart_node(&mut self, node: NodeId) {
        self.down.remove(&node);
        self.k.emit(EventKind::NodeRestarted { node });
        let mut ctx = Ctx::new(node, &mut self.k);
        match node {
            NodeId::Broker(id) => {
                let b = self.brokers.get_mut(&id).expect("checked");
                *b = b.recover();
                b.start(&mut ctx);
            }
            NodeId::Producer(id) => {
                let p = self.producers.get_mut(&id).expect("checked");
                *p = Producer::new(id, p.config.clone(), self.brokers.keys().copied().collect());
                p.start(&mut ctx);
            }
            NodeId::Consumer(id) => {
                let c = self.consumers.get_mut(&id).expect("checked");
                *c = Consumer::new(
                    id,
                    c.group.clone(),
                    c.topics.clone(),
                    c.assignor,
                    c.config.clone(),
                    c.bootstrap.clone(),
                );
                c.start(&mut ctx);
            }
            NodeId::Controller(_) | NodeId::ZooKeeper(_) => {
                self.coordinator.as_dyn_mut().on_restart(&mut ctx)
            }
        }
    }

    /// Messages on the wire now.
    pub fn in_flight(&self) -> Vec<crate::kernel::InFlightMessage> {
        self.k.in_flight()
    }

    /// The replica of `tp` on `broker`, if it hosts one.
    pub fn replica(
        &self,
        broker: BrokerId,
        tp: &TopicPartition,
    ) -> Option<&crate::broker::Partition> {
        self.brokers.get(&broker)?.partitions.get(tp)
    }
}
