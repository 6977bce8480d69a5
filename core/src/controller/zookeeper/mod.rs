//! ZooKeeper mode: a ZooKeeper ensemble (`NodeId::ZooKeeper`) and, in every broker, a
//! controller role (`NodeId::Controller(broker id)`, co-located with the broker) that keeps the
//! broker's ZooKeeper session, registers `/brokers/ids/<id>` and races for `/controller`.
//!
//! - `datatree`: znodes, sessions, transactions.
//! - `server`: a ZooKeeper server (simplified ZAB, sessions, watches).
//! - `client`: a broker's ZooKeeper client (session, pings, reconnects, pipelining).
//! - `controller`: Kafka's controller logic on top of it.
//! - `view`: the committed data tree as cluster metadata.

pub mod client;
pub mod controller;
pub mod datatree;
pub mod messages;
pub mod server;
pub mod view;

use super::{ClusterMetadata, Coordinator, NewTopic, no_active_controller};
use crate::collections::{LiteMap, LiteMapExt, map_from_iter};
use crate::config::ClusterConfig;
use crate::election::PreferredElection;
use crate::error::KafkaError;
use crate::event::EventKind;
use crate::ids::{BrokerId, NodeId, TopicPartition};
use crate::kernel::{Ctx, Kernel};
use crate::message::Message;
use crate::snapshot::{CoordinatorSnapshot, Countdown, ZkServerRole, ZkServerSnapshot, ZkSnapshot};
use crate::timer::{ControllerTimer, Timer};
use client::ZkClient;
use controller::KafkaController;
use datatree::{
    BROKER_IDS, CONTROLLER, CONTROLLER_EPOCH, DataTree, Txn, TxnKind, ZnodeData, broker_path, zxid,
};
use serde::{Deserialize, Serialize};
use server::{Ensemble, ZkServer};
use view::CommittedView;

pub use messages::{ZkEvent, ZkMessage, ZkTimer};

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ZooKeeperMode {
    pub ensemble: Ensemble,
    pub servers: LiteMap<i32, ZkServer>,
    pub controllers: LiteMap<BrokerId, KafkaController>,
    pub view: CommittedView,
}

impl ZooKeeperMode {
    /// A cluster already running: the ensemble has a leader (the highest id) and synced
    /// followers, every broker has a session and `/brokers/ids/<id>`, the lowest broker id
    /// holds `/controller` with `/controller_epoch` = 1 and is active.
    pub fn new(config: &ClusterConfig) -> Self {
        let c = &config.coordinator;
        let ensemble = Ensemble {
            servers: c.zookeeper_server_ids(),
            tick_ms: c.zookeeper_tick_time_ms,
        };
        let racks = map_from_iter(config.brokers.iter().map(|b| (b.id, b.rack.clone())));
        // The history that got the cluster here, as epoch-1 transactions.
        let mut log: Vec<Txn> = Vec::new();
        let mut sessions = LiteMap::new_vec();
        let push = |log: &mut Vec<Txn>, kind: TxnKind| {
            let z = zxid(1, log.len() as u32 + 1);
            let kind = match kind {
                TxnKind::CreateSession {
                    broker, timeout_ms, ..
                } => TxnKind::CreateSession {
                    session: z,
                    broker,
                    timeout_ms,
                },
                k => k,
            };
            log.push(Txn {
                zxid: z,
                kind,
                reply_to: None,
            });
            z
        };
        for &b in racks.keys() {
            let s = push(
                &mut log,
                TxnKind::CreateSession {
                    session: 0,
                    broker: b,
                    timeout_ms: c.zookeeper_session_timeout_ms,
                },
            );
            sessions.insert(b, s);
            push(
                &mut log,
                TxnKind::Multi {
                    session: s,
                    ops: vec![messages::ZkOp::Create {
                        path: broker_path(b),
                        data: ZnodeData::BrokerRegistration {
                            broker: b,
                            rack: racks[&b].clone(),
                        },
                        ephemeral: true,
                    }],
                },
            );
        }
        let first = *racks.keys().next().expect("at least one broker");
        push(
            &mut log,
            TxnKind::Multi {
                session: sessions[&first],
                ops: vec![
                    messages::ZkOp::Create {
                        path: CONTROLLER.into(),
                        data: ZnodeData::Controller { broker: first },
                        ephemeral: true,
                    },
                    messages::ZkOp::SetData {
                        path: CONTROLLER_EPOCH.into(),
                        data: ZnodeData::ControllerEpoch(1),
                        version: Some(0),
                    },
                ],
            },
        );
        let mut tree = DataTree::initial();
        for t in &log {
            tree.apply(t);
        }
        let leader = *ensemble.servers.iter().max().expect("servers");
        let mut servers = LiteMap::new_vec();
        for &s in &ensemble.servers {
            let mut srv = ZkServer::new(s, tree.clone(), log.clone());
            srv.start_synced(leader, 0, &ensemble);
            servers.insert(s, srv);
        }
        let mut view = CommittedView::new(&racks);
        view.catch_up(&log, log.len());
        let registered: Vec<(BrokerId, u64)> = tree
            .children(BROKER_IDS)
            .into_iter()
            .filter_map(|(n, cz)| n.parse().ok().map(|b| (b, cz)))
            .collect();
        let mut controllers = LiteMap::new_vec();
        for &b in racks.keys() {
            let mut client = ZkClient::new(
                b,
                ensemble.servers.clone(),
                c.zookeeper_session_timeout_ms,
                c.zookeeper_max_in_flight_requests,
            );
            client.session = Some(sessions[&b]);
            client.connected = true;
            let srv = servers.get_mut(&client.server).expect("server");
            srv.connections.insert(sessions[&b], NodeId::Controller(b));
            srv.add_watch(CONTROLLER, NodeId::Controller(b), false);
            let mut ctl = KafkaController::new(b, client, racks.clone(), config.broker.clone());
            ctl.registered = true;
            if b == first {
                ctl.start_active(&registered);
                srv.add_watch(BROKER_IDS, NodeId::Controller(b), true);
            }
            controllers.insert(b, ctl);
        }
        Self {
            ensemble,
            servers,
            controllers,
            view,
        }
    }

    /// The controller acting now: the active one with the highest epoch (a zombie that has
    /// not noticed yet has an older one).
    fn active(&self) -> Option<&KafkaController> {
        self.controllers
            .values()
            .filter(|c| c.is_active())
            .max_by_key(|c| c.epoch)
    }

    fn active_id(&self) -> Result<BrokerId, KafkaError> {
        if !self
            .servers
            .values()
            .any(|s| s.up && s.serving && s.role == ZkServerRole::Leader)
        {
            return Err(no_active_controller("the ZooKeeper ensemble has no quorum"));
        }
        match self.active() {
            Some(c) => Ok(c.broker),
            None if self.controllers.values().any(|c| c.loading().is_some()) => Err(
                no_active_controller("the new controller is still loading the cluster state"),
            ),
            None => Err(no_active_controller("no broker holds /controller")),
        }
    }

    fn update_view(&mut self, server: i32) {
        if let Some(s) = self.servers.get(&server)
            && s.committed_zxid() > self.view.zxid
        {
            self.view.catch_up(&s.log, s.committed);
        }
    }
}

impl Coordinator for ZooKeeperMode {
    fn nodes(&self) -> Vec<(NodeId, Option<BrokerId>)> {
        let mut v: Vec<_> = self
            .servers
            .keys()
            .map(|&s| (NodeId::ZooKeeper(s), None))
            .collect();
        v.extend(
            self.controllers
                .keys()
                .map(|&b| (NodeId::Controller(b), Some(b))),
        );
        v
    }

    fn start(&mut self, k: &mut Kernel) {
        for &s in self.servers.keys() {
            let ctx = &mut Ctx::new(NodeId::ZooKeeper(s), k);
            ctx.set_timer(
                self.ensemble.tick_ms,
                Timer::Controller(ControllerTimer::Zk(ZkTimer::ServerTick)),
            );
        }
        for c in self.controllers.values_mut() {
            let ctx = &mut Ctx::new(c.me(), k);
            c.client.arm(ctx);
            if c.is_active() {
                c.arm_imbalance_check(ctx);
                ctx.emit(EventKind::ControllerActivated {
                    controller: c.me(),
                    epoch: c.epoch,
                });
                let live = c.context.live_brokers();
                for &b in &live {
                    ctx.send(
                        NodeId::Broker(b),
                        Message::UpdateMetadata {
                            controller_id: c.broker,
                            controller_epoch: c.epoch,
                            partitions: Vec::new(),
                            live_brokers: live.clone(),
                        },
                    );
                }
            }
        }
    }

    fn on_message(&mut self, ctx: &mut Ctx, from: NodeId, msg: &Message) {
        match ctx.me {
            NodeId::ZooKeeper(s) => {
                let Message::Zk(m) = msg else {
                    return;
                };
                if let Some(srv) = self.servers.get_mut(&s) {
                    srv.on_message(ctx, &self.ensemble, from, m);
                }
                self.update_view(s);
            }
            NodeId::Controller(b) => {
                if let Some(c) = self.controllers.get_mut(&b) {
                    c.on_message(ctx, from, msg);
                }
            }
            _ => {}
        }
    }

    fn on_timer(&mut self, ctx: &mut Ctx, timer: &ControllerTimer) {
        let ControllerTimer::Zk(t) = timer else {
            return;
        };
        match (ctx.me, t) {
            (NodeId::ZooKeeper(s), ZkTimer::ServerTick) => {
                if let Some(srv) = self.servers.get_mut(&s) {
                    srv.on_tick(ctx, &self.ensemble);
                }
                self.update_view(s);
            }
            (NodeId::Controller(b), ZkTimer::ClientTick) => {
                if let Some(c) = self.controllers.get_mut(&b) {
                    c.on_tick(ctx);
                }
            }
            (NodeId::Controller(b), ZkTimer::LeaderImbalanceCheck { epoch }) => {
                if let Some(c) = self.controllers.get_mut(&b) {
                    c.on_imbalance_check(ctx, *epoch);
                }
            }
            _ => {}
        }
    }

    fn on_crash(&mut self, node: NodeId) {
        match node {
            NodeId::ZooKeeper(s) => {
                if let Some(srv) = self.servers.get_mut(&s) {
                    srv.crash();
                }
            }
            NodeId::Controller(b) => {
                if let Some(c) = self.controllers.get_mut(&b) {
                    // Everything the controller role knew was in memory.
                    let client = ZkClient::new(
                        b,
                        self.ensemble.servers.clone(),
                        c.client.timeout_ms,
                        c.client.max_in_flight() as u32,
                    );
                    *c = KafkaController::new(b, client, c.racks().clone(), c.timeouts().clone());
                }
            }
            _ => {}
        }
    }

    fn on_restart(&mut self, ctx: &mut Ctx) {
        match ctx.me {
            NodeId::ZooKeeper(s) => {
                if let Some(srv) = self.servers.get_mut(&s) {
                    srv.restart(ctx, &self.ensemble);
                }
            }
            NodeId::Controller(b) => {
                if let Some(c) = self.controllers.get_mut(&b) {
                    let server = c.client.server;
                    c.client.connect(ctx, server);
                    c.client.arm(ctx);
                }
            }
            _ => {}
        }
    }

    fn create_topic(
        &mut self,
        k: &mut Kernel,
        topic: &NewTopic,
    ) -> Result<Vec<Vec<BrokerId>>, KafkaError> {
        let b = self.active_id()?;
        let c = self.controllers.get_mut(&b).expect("active");
        c.create_topic(&mut Ctx::new(NodeId::Controller(b), k), topic)
    }

    fn create_partitions(
        &mut self,
        k: &mut Kernel,
        topic: &str,
        total: i32,
    ) -> Result<Vec<Vec<BrokerId>>, KafkaError> {
        let b = self.active_id()?;
        let c = self.controllers.get_mut(&b).expect("active");
        c.create_partitions(&mut Ctx::new(NodeId::Controller(b), k), topic, total)
    }

    fn elect_preferred_leaders(
        &mut self,
        k: &mut Kernel,
        partitions: Option<&[TopicPartition]>,
    ) -> Result<PreferredElection, KafkaError> {
        let b = self.active_id()?;
        let c = self.controllers.get_mut(&b).expect("active");
        Ok(c.elect_preferred(&mut Ctx::new(NodeId::Controller(b), k), partitions))
    }

    fn metadata(&self) -> &ClusterMetadata {
        &self.view.meta
    }

    fn admin_metadata(&self) -> &ClusterMetadata {
        self.active().map_or(&self.view.meta, |c| &c.context)
    }

    fn active_controller(&self) -> Option<NodeId> {
        self.active().map(|c| c.me())
    }

    fn snapshot(&self) -> CoordinatorSnapshot {
        let tree = &self.view.tree;
        CoordinatorSnapshot::Zookeeper(ZkSnapshot {
            servers: self
                .servers
                .values()
                .map(|s| ZkServerSnapshot {
                    id: s.id,
                    up: s.up,
                    role: s.role,
                    epoch: s.epoch,
                    last_zxid: s.committed_zxid(),
                    connections: s
                        .connections
                        .keys()
                        .filter_map(|sess| s.tree.sessions.get(sess).map(|i| i.broker))
                        .collect(),
                })
                .collect(),
            quorum: self
                .servers
                .values()
                .any(|s| s.up && s.serving && s.role == ZkServerRole::Leader),
            controller: match tree.get(CONTROLLER).map(|n| &n.data) {
                Some(ZnodeData::Controller { broker }) => Some(*broker),
                _ => None,
            },
            controller_epoch: self.view.meta.controller_epoch,
            registered_brokers: tree
                .children(BROKER_IDS)
                .into_iter()
                .filter_map(|(n, _)| n.parse().ok())
                .collect(),
            loading: self.controllers.values().find_map(|c| c.loading()),
        })
    }

    fn countdowns(&self, out: &mut Vec<Countdown>) {
        for s in self.servers.values() {
            let Some(st) = s.leader.as_ref().filter(|st| st.established && s.up) else {
                continue;
            };
            for (sess, &at) in &st.session_deadlines {
                if let Some(info) = s.tree.sessions.get(sess) {
                    out.push(Countdown::ZkSession {
                        broker: info.broker,
                        at,
                    });
                }
            }
        }
    }
}
