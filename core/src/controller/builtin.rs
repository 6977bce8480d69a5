//! The built-in controller: a single controller node that detects broker failure through
//! missed heartbeats (`broker.session.timeout.ms`) and pushes its decisions to brokers with
//! LeaderAndIsr and UpdateMetadata. It is the simplest coordinator; its metadata is not
//! replicated and it never fails. ZooKeeper mode and KRaft mode replace it.

use super::{ClusterMetadata, Coordinator, NewTopic};
use crate::collections::{LiteMap, SortedSet};
use crate::config::Millis;
use crate::config::{BrokerConfig, BrokerTimeouts};
use crate::controller::metadata::{BrokerRegistration, Placer, ShrinkEpoch};
use crate::error::KafkaError;
use crate::event::EventKind;
use crate::ids::{BrokerId, NodeId, TopicPartition};
use crate::kernel::{Ctx, Kernel};
use crate::message::{Message, PartitionState, partition_state_digest};
use crate::snapshot::{CoordinatorSnapshot, Countdown};
use crate::timer::{ControllerTimer, Timer};
use serde::{Deserialize, Serialize};

pub const BUILTIN_CONTROLLER: NodeId = NodeId::Controller(0);

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct BuiltinController {
    pub meta: ClusterMetadata,
    timeouts: BrokerTimeouts,
    /// When each broker was last sent LeaderAndIsr, so a digest mismatch caused by an update
    /// still in flight does not trigger a resync.
    last_sent: LiteMap<BrokerId, Millis>,
    /// The live brokers the last UpdateMetadata named: when they change, every live broker
    /// hears (`KafkaController.onBrokerStartup` / `onReplicasBecomeOffline`).
    told_live: Vec<BrokerId>,
}

impl BuiltinController {
    /// Every configured broker starts registered and live, as in a cluster already running.
    pub fn new(brokers: &[BrokerConfig], timeouts: BrokerTimeouts) -> Self {
        let mut meta = ClusterMetadata {
            controller_epoch: 1,
            ..ClusterMetadata::default()
        };
        for b in brokers {
            meta.brokers.insert(
                b.id,
                BrokerRegistration {
                    id: b.id,
                    rack: b.rack.clone(),
                    fenced: false,
                    broker_epoch: 1,
                    last_heartbeat_ms: 0,
                },
            );
        }
        Self {
            meta,
            timeouts,
            last_sent: LiteMap::new_vec(),
            told_live: Vec::new(),
        }
    }

    fn emit_all(ctx: &mut Ctx, events: Vec<EventKind>) {
        for e in events {
            ctx.emit(e);
        }
    }

    /// Sends LeaderAndIsr to the live replicas of `changed` and UpdateMetadata to every live
    /// broker. A broker in `full_sync` gets the state of all its partitions and the whole
    /// metadata (it just (re)joined).
    fn publish(&mut self, ctx: &mut Ctx, changed: &[TopicPartition], full_sync: Option<BrokerId>) {
        let changed: SortedSet<&TopicPartition> = changed.iter().collect();
        let live = self.meta.live_brokers();
        let live_changed = live != self.told_live;
        for &b in &live {
            let full = full_sync == Some(b);
            let lai: Vec<PartitionState> = self
                .meta
                .partitions()
                .filter(|p| p.replicas.contains(&b) && (full || changed.contains(&p.tp)))
                .cloned()
                .collect();
            if !lai.is_empty() {
                self.last_sent.insert(b, ctx.now());
                ctx.send(
                    NodeId::Broker(b),
                    Message::LeaderAndIsr {
                        controller_id: 0,
                        controller_epoch: self.meta.controller_epoch,
                        partitions: lai,
                    },
                );
            }
        }
        for &b in &live {
            let full = full_sync == Some(b);
            let um: Vec<PartitionState> = self
                .meta
                .partitions()
                .filter(|p| full || changed.contains(&p.tp))
                .cloned()
                .collect();
            if !um.is_empty() || full || live_changed {
                ctx.send(
                    NodeId::Broker(b),
                    Message::UpdateMetadata {
                        controller_id: 0,
                        controller_epoch: self.meta.controller_epoch,
                        partitions: um,
                        live_brokers: live.clone(),
                    },
                );
            }
        }
        self.told_live = live;
    }

    fn on_heartbeat(
        &mut self,
        ctx: &mut Ctx,
        broker: BrokerId,
        broker_epoch: u64,
        state_digest: u64,
    ) {
        let now = ctx.now();
        let mut events = Vec::new();
        let mut changed = Vec::new();
        let Some(reg) = self.meta.brokers.get_mut(&broker) else {
            return;
        };
        let restarted = broker_epoch > reg.broker_epoch;
        let was_fenced = reg.fenced;
        reg.last_heartbeat_ms = now;
        reg.broker_epoch = broker_epoch;
        if restarted && !was_fenced {
            // It came back before its session expired: its old incarnation failed.
            changed.extend(
                self.meta
                    .fence_broker(broker, ShrinkEpoch::Keep, &mut events),
            );
        }
        let rejoined = restarted || was_fenced;
        if rejoined {
            changed.extend(self.meta.unfence_broker(broker, &mut events));
            events.push(EventKind::BrokerUnfenced { broker });
        }
        Self::emit_all(ctx, events);
        if rejoined {
            self.publish(ctx, &changed, Some(broker));
        } else if state_digest != self.expected_digest(broker) {
            let settled = self.last_sent.get(&broker).is_none_or(|&t| {
                now.saturating_sub(t) > self.timeouts.broker_heartbeat_interval_ms
            });
            if settled {
                // It missed an update (a cut link dropped it): resend everything it needs.
                self.publish(ctx, &[], Some(broker));
            }
        }
        ctx.send(
            NodeId::Broker(broker),
            Message::BrokerHeartbeatResponse { fenced: false },
        );
        ctx.set_timer(
            self.timeouts.broker_session_timeout_ms,
            Timer::Controller(ControllerTimer::BrokerSession(broker)),
        );
    }

    fn expected_digest(&self, broker: BrokerId) -> u64 {
        partition_state_digest(
            broker,
            self.meta
                .partitions()
                .filter(|p| p.replicas.contains(&broker)),
        )
    }

    fn check_session(&mut self, ctx: &mut Ctx, broker: BrokerId) {
        let now = ctx.now();
        let Some(reg) = self.meta.brokers.get(&broker) else {
            return;
        };
        let silent = now.saturating_sub(reg.last_heartbeat_ms);
        if reg.fenced || silent < self.timeouts.broker_session_timeout_ms {
            return;
        }
        let mut events = vec![EventKind::BrokerFenced {
            broker,
            silent_for_ms: silent,
        }];
        let changed = self
            .meta
            .fence_broker(broker, ShrinkEpoch::Keep, &mut events);
        Self::emit_all(ctx, events);
        self.publish(ctx, &changed, None);
    }
}

impl Coordinator for BuiltinController {
    fn nodes(&self) -> Vec<(NodeId, Option<BrokerId>)> {
        vec![(BUILTIN_CONTROLLER, None)]
    }

    fn start(&mut self, k: &mut Kernel) {
        let ctx = &mut Ctx::new(BUILTIN_CONTROLLER, k);
        let ids: Vec<BrokerId> = self.meta.brokers.keys().copied().collect();
        let live = self.meta.live_brokers();
        for &b in &ids {
            ctx.send(
                NodeId::Broker(b),
                Message::UpdateMetadata {
                    controller_id: 0,
                    controller_epoch: self.meta.controller_epoch,
                    partitions: Vec::new(),
                    live_brokers: live.clone(),
                },
            );
        }
        self.told_live = live;
        for b in ids {
            ctx.set_timer(
                self.timeouts.broker_session_timeout_ms,
                Timer::Controller(ControllerTimer::BrokerSession(b)),
            );
        }
        ctx.set_timer(
            self.timeouts.leader_imbalance_check_interval_ms,
            Timer::Controller(ControllerTimer::LeaderImbalanceCheck),
        );
    }

    fn on_message(&mut self, ctx: &mut Ctx, from: NodeId, msg: &Message) {
        match msg {
            Message::BrokerHeartbeat {
                broker,
                broker_epoch,
                state_digest,
            } => self.on_heartbeat(ctx, *broker, *broker_epoch, *state_digest),
            Message::AlterPartition {
                broker,
                tp,
                leader_epoch,
                partition_epoch,
                new_isr,
            } => {
                let mut events = Vec::new();
                let result = self.meta.alter_partition(
                    *broker,
                    tp,
                    *leader_epoch,
                    *partition_epoch,
                    new_isr,
                    &mut events,
                );
                Self::emit_all(ctx, events);
                if let NodeId::Broker(b) = from {
                    self.last_sent.insert(b, ctx.now());
                }
                let (error, state) = match result {
                    Ok(st) => (None, Some(st)),
                    Err(e) => (Some(e), None),
                };
                ctx.send(
                    from,
                    Message::AlterPartitionResponse {
                        tp: tp.clone(),
                        error,
                        state: state.clone(),
                    },
                );
                if state.is_some() {
                    // Only metadata caches need the new ISR; replicas keep their roles.
                    let live = self.meta.live_brokers();
                    for &b in &live {
                        ctx.send(
                            NodeId::Broker(b),
                            Message::UpdateMetadata {
                                controller_id: 0,
                                controller_epoch: self.meta.controller_epoch,
                                partitions: state.iter().cloned().collect(),
                                live_brokers: live.clone(),
                            },
                        );
                    }
                }
            }
            _ => {}
        }
    }

    fn on_timer(&mut self, ctx: &mut Ctx, timer: &ControllerTimer) {
        match timer {
            ControllerTimer::BrokerSession(b) => self.check_session(ctx, *b),
            ControllerTimer::LeaderImbalanceCheck => {
                if self.timeouts.auto_leader_rebalance_enable {
                    let mut events = Vec::new();
                    let changed = self.meta.rebalance_leaders(
                        self.timeouts.leader_imbalance_per_broker_percentage,
                        &mut events,
                    );
                    Self::emit_all(ctx, events);
                    self.publish(ctx, &changed, None);
                }
                ctx.set_timer(
                    self.timeouts.leader_imbalance_check_interval_ms,
                    Timer::Controller(ControllerTimer::LeaderImbalanceCheck),
                );
            }
            ControllerTimer::Zk(_) | ControllerTimer::Kraft(_) => {}
        }
    }

    fn create_topic(
        &mut self,
        k: &mut Kernel,
        topic: &NewTopic,
    ) -> Result<Vec<Vec<BrokerId>>, KafkaError> {
        let ctx = &mut Ctx::new(BUILTIN_CONTROLLER, k);
        let mut events = Vec::new();
        let assignment =
            self.meta
                .create_topic(topic, Placer::AdminUtils, ctx.rng(), &mut events)?;
        Self::emit_all(ctx, events);
        let changed: Vec<TopicPartition> = (0..assignment.len() as u32)
            .map(|p| TopicPartition::new(topic.name.clone(), p))
            .collect();
        self.publish(ctx, &changed, None);
        Ok(assignment)
    }

    fn create_partitions(
        &mut self,
        k: &mut Kernel,
        topic: &str,
        total: i32,
    ) -> Result<Vec<Vec<BrokerId>>, KafkaError> {
        let ctx = &mut Ctx::new(BUILTIN_CONTROLLER, k);
        let mut events = Vec::new();
        let before = self
            .meta
            .topics
            .get(topic)
            .map_or(0, |t| t.partitions.len() as u32);
        let added = self.meta.create_partitions(
            topic,
            total,
            Placer::AdminUtils,
            ctx.rng(),
            &mut events,
        )?;
        Self::emit_all(ctx, events);
        let name = self
            .meta
            .topics
            .get_key_value(topic)
            .map(|(k, _)| k.clone())
            .expect("exists");
        let changed: Vec<TopicPartition> = (before..before + added.len() as u32)
            .map(|p| TopicPartition::new(name.clone(), p))
            .collect();
        self.publish(ctx, &changed, None);
        Ok(added)
    }

    fn elect_preferred_leaders(
        &mut self,
        k: &mut Kernel,
        partitions: Option<&[TopicPartition]>,
    ) -> Result<crate::election::PreferredElection, KafkaError> {
        let ctx = &mut Ctx::new(BUILTIN_CONTROLLER, k);
        let mut events = Vec::new();
        let results = self.meta.elect_preferred(partitions, &mut events);
        Self::emit_all(ctx, events);
        self.publish(ctx, &results.elected, None);
        Ok(results)
    }

    fn metadata(&self) -> &ClusterMetadata {
        &self.meta
    }

    fn active_controller(&self) -> Option<NodeId> {
        Some(BUILTIN_CONTROLLER)
    }

    fn snapshot(&self) -> CoordinatorSnapshot {
        CoordinatorSnapshot::Builtin
    }

    fn countdowns(&self, out: &mut Vec<Countdown>) {
        for r in self.meta.brokers.values().filter(|r| !r.fenced) {
            out.push(Countdown::BrokerSession {
                broker: r.id,
                at: r.last_heartbeat_ms + self.timeouts.broker_session_timeout_ms,
            });
        }
    }
}
