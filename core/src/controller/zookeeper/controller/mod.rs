//! Kafka's controller logic in ZooKeeper mode, in each broker's controller role: register
//! `/brokers/ids/<id>`, race for the ephemeral `/controller` (bumping `/controller_epoch` in
//! the same multi), and, once won, load the cluster state from ZooKeeper with real reads
//! before acting. The active controller watches `/brokers/ids`, makes its decisions through
//! [`ClusterMetadata`], writes each changed partition state to ZooKeeper (guarded by the
//! version of `/controller_epoch`, so a zombie's writes fail), and only after the writes
//! commit sends LeaderAndIsr and UpdateMetadata.

mod admin;
mod channel;
mod load;
mod writes;

use super::client::{ClientEvent, ZkClient};
use super::datatree::{
    BROKER_IDS, CONTROLLER, CONTROLLER_EPOCH, TOPICS, ZnodeData, Zxid, broker_path,
    partition_state_path, topic_path,
};
use super::messages::{
    SessionId, WatchKind, ZkAnswer, ZkError, ZkEvent, ZkOp, ZkRead, replica_state_digest,
};
use super::messages::{ZkMessage, ZkRequest, ZkTimer};
use crate::collections::{LiteMap, SortedSet, map_from_iter, sort};
use crate::config::{BrokerTimeouts, Millis};
use crate::controller::metadata::{BrokerRegistration, Placer, ShrinkEpoch, TopicMetadata};
use crate::controller::{ClusterMetadata, NewTopic};
use crate::election::PreferredElection;
use crate::error::KafkaError;
use crate::event::EventKind;
use crate::ids::{BrokerId, NO_LEADER, NodeId, TopicName, TopicPartition};
use crate::kernel::Ctx;
use crate::message::{Message, PartitionState, TopicConfig};
use crate::snapshot::ZkLoadProgress;
use crate::timer::{ControllerTimer, Timer};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// Why a request was sent, so its answer goes to the right step.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Purpose {
    Register,
    CheckRegistration,
    WatchController,
    ReadEpoch,
    Elect {
        epoch: i32,
        version: u32,
    },
    Abdicate,
    LoadBrokers {
        epoch: i32,
    },
    LoadTopics {
        epoch: i32,
    },
    LoadAssignment {
        epoch: i32,
        topic: TopicName,
    },
    LoadPartition {
        epoch: i32,
        tp: TopicPartition,
    },
    BrokerChange {
        epoch: i32,
    },
    Write {
        epoch: i32,
        batch: u64,
        tp: Option<TopicPartition>,
    },
    VerifyEpoch {
        epoch: i32,
        batch: u64,
        tp: Option<TopicPartition>,
    },
    /// A partition-state write hit BADVERSION: read what is there.
    ReRead {
        epoch: i32,
        batch: u64,
        tp: TopicPartition,
    },
}

/// What to do once a batch of writes has committed.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub enum AfterWrite {
    Publish {
        changed: Vec<TopicPartition>,
        full_sync: Vec<BrokerId>,
    },
    AlterPartitionReply {
        to: NodeId,
        state: PartitionState,
    },
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Batch {
    outstanding: usize,
    /// The partition states this batch writes: published once committed.
    states: Vec<PartitionState>,
    then: AfterWrite,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Load {
    pub started_at: Millis,
    pub outstanding: usize,
    pub read: u32,
    pub total: u32,
    brokers: Option<Vec<(String, Zxid)>>,
    topics_listed: bool,
    assignments: LiteMap<TopicName, (Vec<Vec<BrokerId>>, Arc<TopicConfig>)>,
    states: LiteMap<TopicPartition, PartitionState>,
    versions: LiteMap<TopicPartition, u32>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub enum Phase {
    Idle,
    /// Racing for `/controller`.
    Electing,
    Loading(Box<Load>),
    Active,
}

/// The controller channel's view of one broker: what it last acknowledged.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
struct Channel {
    last_sent: Millis,
    acked_digest: Option<u64>,
    probed: bool,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct KafkaController {
    pub broker: BrokerId,
    pub client: ZkClient,
    pub phase: Phase,
    pub registered: bool,
    /// The controller epoch this broker won (meaningful while loading or active).
    pub epoch: i32,
    /// The version of `/controller_epoch` that epoch wrote: every write checks it.
    pub epoch_version: u32,
    /// The controller context: what the active controller decided (some of it may not be
    /// committed in ZooKeeper yet).
    pub context: ClusterMetadata,
    /// The partition states this controller knows ZooKeeper holds: only these reach brokers
    /// (a decision is published after its write commits, never before).
    pub published: LiteMap<TopicPartition, PartitionState>,
    /// The version each partition-state znode will have once this controller's writes so
    /// far commit: its writes are conditional on it (Kafka's zkVersion), so a write resent
    /// after a lost answer cannot overwrite a newer one.
    zk_versions: LiteMap<TopicPartition, u32>,
    racks: LiteMap<BrokerId, Option<String>>,
    timeouts: BrokerTimeouts,
    batches: LiteMap<u64, Batch>,
    next_batch: u64,
    channel: LiteMap<BrokerId, Channel>,
    retry_register: bool,
    /// The live brokers the last UpdateMetadata named: when they change, every live broker
    /// hears (`onBrokerStartup`, and `onReplicasBecomeOffline` when no leader moved).
    told_live: Vec<BrokerId>,
}

fn request_read(r: ZkRead) -> ZkRequest {
    ZkRequest::Read(r)
}

impl KafkaController {
    pub fn new(
        broker: BrokerId,
        client: ZkClient,
        racks: LiteMap<BrokerId, Option<String>>,
        timeouts: BrokerTimeouts,
    ) -> Self {
        Self {
            broker,
            client,
            phase: Phase::Idle,
            registered: false,
            epoch: 0,
            epoch_version: 0,
            context: ClusterMetadata::default(),
            published: LiteMap::new_vec(),
            zk_versions: LiteMap::new_vec(),
            racks,
            timeouts,
            batches: LiteMap::new_vec(),
            next_batch: 0,
            channel: LiteMap::new_vec(),
            retry_register: false,
            told_live: Vec::new(),
        }
    }

    pub fn racks(&self) -> &LiteMap<BrokerId, Option<String>> {
        &self.racks
    }

    pub fn timeouts(&self) -> &BrokerTimeouts {
        &self.timeouts
    }

    pub fn is_active(&self) -> bool {
        matches!(self.phase, Phase::Active)
    }

    pub fn me(&self) -> NodeId {
        NodeId::Controller(self.broker)
    }

    pub fn loading(&self) -> Option<ZkLoadProgress> {
        match &self.phase {
            Phase::Loading(l) => Some(ZkLoadProgress {
                broker: self.broker,
                started_at: l.started_at,
                read: l.read,
                total: l.total,
            }),
            _ => None,
        }
    }

    /// The state at t=0 for the first controller: it won epoch 1 with an empty cluster.
    pub fn start_active(&mut self, registered: &[(BrokerId, Zxid)]) {
        self.phase = Phase::Active;
        self.epoch = 1;
        self.epoch_version = 1;
        self.context = self.empty_context(1, registered);
    }

    fn empty_context(&self, epoch: i32, registered: &[(BrokerId, Zxid)]) -> ClusterMetadata {
        let mut meta = ClusterMetadata {
            controller_epoch: epoch,
            ..ClusterMetadata::default()
        };
        for (&b, rack) in &self.racks {
            let reg = registered.iter().find(|(r, _)| *r == b);
            meta.brokers.insert(
                b,
                BrokerRegistration {
                    id: b,
                    rack: rack.clone(),
                    fenced: reg.is_none(),
                    broker_epoch: reg.map_or(0, |r| r.1),
                    last_heartbeat_ms: 0,
                },
            );
        }
        meta
    }

    fn session(&self) -> Option<SessionId> {
        self.client.session
    }

    fn submit(&mut self, ctx: &mut Ctx, p: Purpose, r: ZkRequest) {
        self.client.submit(ctx, p, r);
    }

    fn watch_controller(&mut self, ctx: &mut Ctx) {
        self.submit(
            ctx,
            Purpose::WatchController,
            request_read(ZkRead::Exists {
                path: CONTROLLER.into(),
                watch: true,
            }),
        );
    }

    fn register(&mut self, ctx: &mut Ctx) {
        let rack = self.racks.get(&self.broker).cloned().flatten();
        self.submit(
            ctx,
            Purpose::Register,
            ZkRequest::Write(vec![ZkOp::Create {
                path: broker_path(self.broker),
                data: ZnodeData::BrokerRegistration {
                    broker: self.broker,
                    rack,
                },
                ephemeral: true,
            }]),
        );
    }

    pub fn resign(&mut self, ctx: &mut Ctx) {
        if matches!(self.phase, Phase::Active | Phase::Loading(_)) {
            ctx.emit(EventKind::ControllerResigned {
                controller: self.me(),
                epoch: self.epoch,
            });
        }
        self.phase = Phase::Idle;
        self.batches.clear();
        self.channel.clear();
    }

    pub fn on_tick(&mut self, ctx: &mut Ctx) {
        if let Some(to_server) = self.client.on_tick(ctx) {
            ctx.emit(EventKind::Zk(ZkEvent::ClientReconnecting {
                broker: self.broker,
                to_server,
            }));
        }
        if self.retry_register && !self.registered && self.client.connected {
            self.retry_register = false;
            self.register(ctx);
        }
        if self.is_active() {
            self.resync_channels(ctx);
        }
    }

    pub fn on_imbalance_check(&mut self, ctx: &mut Ctx, epoch: i32) {
        if !self.is_active() || epoch != self.epoch {
            return;
        }
        if self.timeouts.auto_leader_rebalance_enable {
            let mut events = Vec::new();
            let changed = self.context.rebalance_leaders(
                self.timeouts.leader_imbalance_per_broker_percentage,
                &mut events,
            );
            emit_all(ctx, events);
            self.write_and_publish(ctx, changed, Vec::new(), &SortedSet::new());
        }
        self.arm_imbalance_check(ctx);
    }

    pub fn arm_imbalance_check(&self, ctx: &mut Ctx) {
        ctx.set_timer(
            self.timeouts.leader_imbalance_check_interval_ms,
            Timer::Controller(ControllerTimer::Zk(ZkTimer::LeaderImbalanceCheck {
                epoch: self.epoch,
            })),
        );
    }

    pub fn on_message(&mut self, ctx: &mut Ctx, from: NodeId, msg: &Message) {
        match msg {
            // A STALE_CONTROLLER_EPOCH answer is only logged by Kafka's controller (ZooKeeper
            // fences it); it says nothing of the broker's state.
            Message::Zk(ZkMessage::LeaderAndIsrResponse {
                broker,
                error: None,
                state_digest,
            }) if self.is_active() => {
                self.channel.entry(*broker).or_default().acked_digest = Some(*state_digest);
            }
            Message::Zk(ZkMessage::LeaderAndIsrResponse { .. }) => {}
            Message::Zk(m) => {
                for e in self.client.on_message(ctx, from, m) {
                    self.on_client_event(ctx, e);
                }
            }
            Message::AlterPartition {
                broker,
                tp,
                leader_epoch,
                partition_epoch,
                new_isr,
            } if self.is_active() => {
                // Kafka's equalsAllowStale: a retry of a change already decided is answered
                // with the state once written, never refused (the leader would drop it).
                if let Some(cur) = self.context.partition(tp)
                    && cur.leader == *broker
                    && cur.leader_epoch == *leader_epoch
                    && *partition_epoch < cur.partition_epoch
                    && same_members(&cur.isr, new_isr)
                {
                    if self.published.get(tp) == Some(cur) {
                        ctx.send(
                            from,
                            Message::AlterPartitionResponse {
                                tp: tp.clone(),
                                error: None,
                                state: Some(cur.clone()),
                            },
                        );
                    }
                    return;
                }
                let mut events = Vec::new();
                let result = self.context.alter_partition(
                    *broker,
                    tp,
                    *leader_epoch,
                    *partition_epoch,
                    new_isr,
                    &mut events,
                );
                emit_all(ctx, events);
                match result {
                    Ok(state) => {
                        let batch =
                            self.new_batch(AfterWrite::AlterPartitionReply { to: from, state });
                        self.write_state(ctx, batch, tp, false);
                    }
                    Err(e) => ctx.send(
                        from,
                        Message::AlterPartitionResponse {
                            tp: tp.clone(),
                            error: Some(e),
                            state: None,
                        },
                    ),
                }
            }
            _ => {}
        }
    }

    fn on_client_event(&mut self, ctx: &mut Ctx, e: ClientEvent) {
        match e {
            ClientEvent::NewSession => {
                self.resign(ctx);
                self.registered = false;
                self.retry_register = false;
                self.register(ctx);
                self.watch_controller(ctx);
            }
            ClientEvent::Reconnected => {
                // Watches lived on the old server: set them again (and catch up).
                self.watch_controller(ctx);
                if self.is_active() {
                    self.read_broker_ids(ctx);
                }
            }
            ClientEvent::SessionLost => {
                ctx.emit(EventKind::Zk(ZkEvent::ClientSessionLost {
                    broker: self.broker,
                }));
                self.resign(ctx);
                self.registered = false;
            }
            ClientEvent::Watch(path, kind) => {
                ctx.emit(EventKind::Zk(ZkEvent::WatchFired {
                    broker: self.broker,
                    path: path.clone(),
                }));
                if path == CONTROLLER {
                    self.watch_controller(ctx);
                } else if path == BROKER_IDS
                    && kind == WatchKind::NodeChildrenChanged
                    && self.is_active()
                {
                    self.read_broker_ids(ctx);
                }
            }
            ClientEvent::Response(p, r) => self.on_response(ctx, p, r),
        }
    }

    fn read_broker_ids(&mut self, ctx: &mut Ctx) {
        self.submit(
            ctx,
            Purpose::BrokerChange { epoch: self.epoch },
            request_read(ZkRead::GetChildren {
                path: BROKER_IDS.into(),
                watch: true,
            }),
        );
    }

    fn on_response(&mut self, ctx: &mut Ctx, p: Purpose, r: Result<ZkAnswer, ZkError>) {
        match (p, r) {
            (Purpose::Register, Ok(_)) => {
                self.registered = true;
                ctx.emit(EventKind::Zk(ZkEvent::BrokerRegistered {
                    broker: self.broker,
                }));
            }
            (Purpose::Register, Err(ZkError::NodeExists)) => self.submit(
                ctx,
                Purpose::CheckRegistration,
                request_read(ZkRead::Exists {
                    path: broker_path(self.broker),
                    watch: false,
                }),
            ),
            (Purpose::CheckRegistration, Ok(ZkAnswer::Exists(found))) => match found {
                // Our own create, answered late: registered.
                Some((_, _, owner)) if owner.is_some() && owner == self.session() => {
                    self.registered = true;
                }
                // The previous incarnation's znode: wait for its session to expire.
                Some(_) => self.retry_register = true,
                None => self.register(ctx),
            },
            // The ZooKeeper leader is closing this session (it expired there) and refused the
            // create. Neither ZooKeeper's client (ClientCnxn leaves its state alone on an error
            // code in a reply) nor Kafka's ZooKeeperClient treats that answer as an expiry:
            // a new session comes only when a reconnect is refused. The close may never commit
            // (the leader fails first, and a new leader rebuilds its session tracker from the
            // data tree, live), so the session goes on, unregistered. Kafka's startup turns a
            // failed registerBroker into a failed start, and the broker is started again: here
            // the registration is tried again a tick later (as after a foreign znode), and it
            // succeeds once a leader serves the session, or the committed close brings a new
            // session that registers.
            (Purpose::Register, Err(_)) => self.retry_register = true,
            (Purpose::WatchController, Ok(ZkAnswer::Exists(found))) => {
                self.on_controller_znode(ctx, found)
            }
            (Purpose::ReadEpoch, Ok(ZkAnswer::Data { data, version })) => {
                if let (Phase::Electing, ZnodeData::ControllerEpoch(e)) = (&self.phase, data) {
                    let epoch = e + 1;
                    self.submit(
                        ctx,
                        Purpose::Elect {
                            epoch,
                            version: version + 1,
                        },
                        ZkRequest::Write(vec![
                            ZkOp::Create {
                                path: CONTROLLER.into(),
                                data: ZnodeData::Controller {
                                    broker: self.broker,
                                },
                                ephemeral: true,
                            },
                            ZkOp::SetData {
                                path: CONTROLLER_EPOCH.into(),
                                data: ZnodeData::ControllerEpoch(epoch),
                                version: Some(version),
                            },
                        ]),
                    );
                }
            }
            (Purpose::Elect { epoch, version }, Ok(_)) => {
                if matches!(self.phase, Phase::Electing) {
                    self.won(ctx, epoch, version);
                }
            }
            (Purpose::Abdicate, _) => self.watch_controller(ctx),
            (Purpose::VerifyEpoch { epoch, batch, tp }, r) => {
                if epoch != self.epoch || !self.is_active() {
                    return;
                }
                match r {
                    Ok(ZkAnswer::Data { version, .. }) if version == self.epoch_version => match tp
                    {
                        Some(tp) => self.submit(
                            ctx,
                            Purpose::ReRead {
                                epoch,
                                batch,
                                tp: tp.clone(),
                            },
                            request_read(ZkRead::GetData {
                                path: partition_state_path(&tp.topic, tp.partition),
                                watch: false,
                            }),
                        ),
                        None => self.batch_done(ctx, batch),
                    },
                    // Another controller bumped /controller_epoch (this one is a zombie: the
                    // ZooKeeper leader reported the refused write), or no answer came (the
                    // session is gone): stop acting.
                    _ => {
                        self.resign(ctx);
                        self.watch_controller(ctx);
                    }
                }
            }
            (Purpose::Elect { .. }, Err(_)) => {
                if matches!(self.phase, Phase::Electing) {
                    self.phase = Phase::Idle;
                    self.watch_controller(ctx);
                }
            }
            (Purpose::BrokerChange { epoch }, Ok(ZkAnswer::Children(list))) => {
                if self.is_active() && epoch == self.epoch {
                    self.on_broker_change(ctx, &list);
                }
            }
            (Purpose::ReRead { epoch, batch, tp }, r) => {
                if epoch != self.epoch || !self.is_active() {
                    return;
                }
                self.on_reread(ctx, batch, tp, r);
            }
            (Purpose::Write { epoch, batch, tp }, r) => {
                if epoch != self.epoch || !self.is_active() {
                    // Already resigned: whatever the answer, nothing of it is published.
                    return;
                }
                match r {
                    // Either /controller_epoch moved (this controller is a zombie) or the
                    // partition's version did (a resent write that had committed): look.
                    // (NONODE too: the state znode is not what this controller believes.)
                    Err(ZkError::BadVersion | ZkError::NoNode) => self.submit(
                        ctx,
                        Purpose::VerifyEpoch { epoch, batch, tp },
                        request_read(ZkRead::GetData {
                            path: CONTROLLER_EPOCH.into(),
                            watch: false,
                        }),
                    ),
                    // Ok, or a resent create that had already committed.
                    Ok(_) | Err(ZkError::NodeExists) => self.batch_done(ctx, batch),
                    // The session is gone (the controller resigns when its client hears so):
                    // nothing of this batch may be published.
                    Err(_) => {
                        self.batches.remove(&batch);
                    }
                }
            }
            (p, r) => self.on_load_response(ctx, p, r),
        }
    }

    fn on_controller_znode(
        &mut self,
        ctx: &mut Ctx,
        found: Option<(ZnodeData, u32, Option<SessionId>)>,
    ) {
        match found {
            None => {
                if matches!(self.phase, Phase::Idle) && self.session().is_some() {
                    self.phase = Phase::Electing;
                    self.submit(
                        ctx,
                        Purpose::ReadEpoch,
                        request_read(ZkRead::GetData {
                            path: CONTROLLER_EPOCH.into(),
                            watch: false,
                        }),
                    );
                }
            }
            Some((ZnodeData::Controller { broker }, _, owner)) => {
                let mine = broker == self.broker && owner.is_some() && owner == self.session();
                if !mine && !matches!(self.phase, Phase::Idle) {
                    // Someone else holds /controller.
                    self.resign(ctx);
                } else if mine && matches!(self.phase, Phase::Idle) {
                    // Our election's answer was lost: give /controller up and race again.
                    self.submit(
                        ctx,
                        Purpose::Abdicate,
                        ZkRequest::Write(vec![ZkOp::Delete {
                            path: CONTROLLER.into(),
                        }]),
                    );
                }
            }
            Some(_) => {}
        }
    }

    fn on_broker_change(&mut self, ctx: &mut Ctx, list: &[(String, Zxid)]) {
        let registered: LiteMap<BrokerId, Zxid> = map_from_iter(
            list.iter()
                .filter_map(|(n, cz)| n.parse().ok().map(|b| (b, *cz))),
        );
        let mut events = Vec::new();
        let mut changed = Vec::new();
        let mut full_sync = Vec::new();
        let ids: Vec<BrokerId> = self.context.brokers.keys().copied().collect();
        for b in ids {
            let reg = &self.context.brokers[&b];
            let (live, epoch) = (!reg.fenced, reg.broker_epoch);
            match registered.get(&b) {
                None if live => {
                    events.push(EventKind::Zk(ZkEvent::BrokerDeregistered {
                        controller: self.broker,
                        broker: b,
                    }));
                    changed.extend(self.context.fence_broker(b, ShrinkEpoch::Bump, &mut events));
                }
                Some(&cz) if !live || cz != epoch => {
                    if live {
                        // It restarted between two looks: its old incarnation failed.
                        changed.extend(self.context.fence_broker(
                            b,
                            ShrinkEpoch::Bump,
                            &mut events,
                        ));
                    }
                    if let Some(r) = self.context.brokers.get_mut(&b) {
                        r.broker_epoch = cz;
                    }
                    changed.extend(self.context.unfence_broker(b, &mut events));
                    events.push(EventKind::BrokerUnfenced { broker: b });
                    full_sync.push(b);
                }
                _ => {}
            }
        }
        emit_all(ctx, events);
        self.write_and_publish(ctx, changed, full_sync, &SortedSet::new());
    }
}

fn same_members(a: &[BrokerId], b: &[BrokerId]) -> bool {
    a.len() == b.len() && a.iter().all(|x| b.contains(x))
}

fn emit_all(ctx: &mut Ctx, events: Vec<EventKind>) {
    for e in events {
        ctx.emit(e);
    }
}
