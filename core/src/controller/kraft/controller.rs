//! The active controller (KIP-631's QuorumController): the Raft leader becomes active once it
//! has committed its first record of its epoch. It decides with [`ClusterMetadata`] (the same
//! decisions every mode makes) and makes each decision durable by writing metadata records
//! to the log; brokers learn them by fetching. It tracks broker sessions in memory (a new
//! active controller gives every broker a fresh session, as BrokerHeartbeatManager does).

use super::messages::{KraftEvent, KraftMessage, KraftTimer};
use super::raft::Voter;
use super::records::{MetadataRecord, replay};
use crate::collections::{LiteMap, map_from_iter};
use crate::config::{BrokerTimeouts, Millis};
use crate::controller::NewTopic;
use crate::controller::metadata::{BrokerRegistration, ClusterMetadata, Placer, ShrinkEpoch};
use crate::election::PreferredElection;
use crate::error::{ErrorCode, KafkaError};
use crate::event::EventKind;
use crate::ids::{BrokerId, NodeId, TopicPartition};
use crate::kernel::Ctx;
use crate::message::{Message, PartitionState};
use crate::timer::{ControllerTimer, Timer};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ActiveController {
    pub epoch: i32,
    /// The controller's state including records not yet committed.
    pub latest: ClusterMetadata,
    /// Last heartbeat of each broker (in memory only).
    pub sessions: LiteMap<BrokerId, Millis>,
    /// How far each broker said it replayed the log.
    pub broker_offsets: LiteMap<BrokerId, u64>,
    /// Registration incarnations seen, so a resent registration is idempotent.
    incarnations: LiteMap<BrokerId, (u64, u64)>,
    /// Responses sent once the record at the offset commits (AlterPartition, registration).
    pending_replies: Vec<(u64, NodeId, Message)>,
    timeouts: BrokerTimeouts,
    /// Whether the auto leader rebalance check is scheduled (`ImbalanceSchedule`).
    #[serde(default)]
    balance_scheduled: bool,
}

fn timer(t: KraftTimer) -> Timer {
    Timer::Controller(ControllerTimer::Kraft(t))
}

fn partition_records(meta: &ClusterMetadata, changed: &[TopicPartition]) -> Vec<MetadataRecord> {
    changed
        .iter()
        .filter_map(|tp| meta.partition(tp).cloned())
        .map(MetadataRecord::Partition)
        .collect()
}

impl Voter {
    /// Replays newly committed entries into this voter's image.
    pub fn apply_committed(&mut self) {
        while self.applied < self.high_watermark {
            if let Some(e) = self.log.get(self.applied) {
                replay(&mut self.image, &e.record);
                if let MetadataRecord::RegisterBroker {
                    id,
                    broker_epoch,
                    incarnation,
                    ..
                } = &e.record
                {
                    self.incarnations.insert(*id, (*incarnation, *broker_epoch));
                }
            }
            self.applied += 1;
        }
    }

    /// After every step: replay what committed, become active when the leader's own epoch
    /// record is committed, answer requests whose records committed.
    pub fn reconcile(&mut self, ctx: &mut Ctx, timeouts: &BrokerTimeouts) {
        self.apply_committed();
        if self.is_leader() && self.active.is_none() && self.applied == self.log.end_offset() {
            self.activate(ctx, timeouts);
        }
        let hw = self.high_watermark;
        if let Some(a) = self.active.as_mut()
            && a.pending_replies.iter().any(|(o, _, _)| *o < hw)
        {
            let (ready, waiting): (Vec<_>, Vec<_>) =
                a.pending_replies.drain(..).partition(|(o, _, _)| *o < hw);
            a.pending_replies = waiting;
            for (_, to, msg) in ready {
                ctx.send(to, msg);
            }
        }
    }

    fn activate(&mut self, ctx: &mut Ctx, timeouts: &BrokerTimeouts) {
        let now = ctx.now();
        let sessions: LiteMap<BrokerId, Millis> =
            map_from_iter(self.image.brokers.keys().map(|&b| (b, now)));
        for &b in sessions.keys() {
            ctx.set_timer(
                timeouts.broker_session_timeout_ms,
                timer(KraftTimer::BrokerSession {
                    broker: b,
                    epoch: self.epoch,
                }),
            );
        }
        self.active = Some(ActiveController {
            epoch: self.epoch,
            latest: self.image.clone(),
            sessions,
            broker_offsets: LiteMap::new_vec(),
            incarnations: self.incarnations.clone(),
            pending_replies: Vec::new(),
            timeouts: timeouts.clone(),
            balance_scheduled: false,
        });
        ctx.emit(EventKind::ControllerActivated {
            controller: self.node(),
            epoch: self.epoch,
        });
        self.maybe_schedule_balance(ctx, self.any_partition_imbalanced());
    }

    /// Whether some partition is not led by its preferred replica (a full scan: on
    /// activation and after each check, not on every write).
    fn any_partition_imbalanced(&self) -> bool {
        self.active
            .as_ref()
            .is_some_and(|a| a.latest.partitions().any(|p| !has_preferred_leader(p)))
    }

    /// `QuorumController.maybeScheduleNextBalancePartitionLeaders`, after activation and
    /// after every write: while some partition is not led by its preferred replica
    /// (`imbalanced`) and no check is scheduled, check `leader.imbalance.check.interval`
    /// from now. So leadership returns that long after the write that left it imbalanced
    /// (a failover), not on a fixed grid. (Kafka checks again 10 ms later when one check
    /// hit its cap of 1,000 elections; here one check elects every imbalanced partition.)
    fn maybe_schedule_balance(&mut self, ctx: &mut Ctx, imbalanced: bool) {
        let epoch = self.epoch;
        let Some(a) = self.active.as_mut() else {
            return;
        };
        if a.balance_scheduled || !a.timeouts.auto_leader_rebalance_enable || !imbalanced {
            return;
        }
        a.balance_scheduled = true;
        ctx.set_timer(
            a.timeouts.leader_imbalance_check_interval_ms,
            timer(KraftTimer::LeaderImbalanceCheck { epoch }),
        );
    }

    /// Appends records of this epoch and wakes held fetches; returns the last offset.
    fn write(&mut self, ctx: &mut Ctx, records: Vec<MetadataRecord>) -> Option<u64> {
        let first = records.first()?.describe();
        let count = records.len();
        // Only partitions this write changes can become imbalanced: every other one was
        // already looked at when the last check was scheduled or ran.
        let imbalanced = records.iter().any(|r| match r {
            MetadataRecord::Partition(st) => !has_preferred_leader(st),
            _ => false,
        });
        let first_offset = self.log.end_offset();
        for r in records {
            self.log.append(self.epoch, r);
        }
        ctx.emit(EventKind::Kraft(KraftEvent::RecordsWritten {
            controller: self.id,
            first_offset,
            count,
            first,
        }));
        self.complete_parked(ctx);
        self.maybe_advance_high_watermark(ctx);
        self.maybe_schedule_balance(ctx, imbalanced);
        Some(self.log.end_offset() - 1)
    }

    fn not_controller(&self) -> Option<ErrorCode> {
        self.active.is_none().then_some(ErrorCode::NotController)
    }

    fn leader_hint(&self) -> Option<i32> {
        self.known_leader()
    }

    pub fn on_broker_registration(
        &mut self,
        ctx: &mut Ctx,
        from: NodeId,
        broker: BrokerId,
        rack: Option<String>,
        incarnation: u64,
    ) {
        if let Some(e) = self.not_controller() {
            ctx.send(
                from,
                Message::Kraft(KraftMessage::BrokerRegistrationResponse {
                    error: Some(e),
                    broker_epoch: 0,
                    leader: self.leader_hint(),
                }),
            );
            return;
        }
        let offset = self.log.end_offset();
        let now = ctx.now();
        let Some(a) = self.active.as_mut() else {
            return;
        };
        if let Some(&(inc, epoch)) = a.incarnations.get(&broker)
            && inc == incarnation
        {
            // A resent registration: answer with the epoch already given, once committed.
            a.pending_replies.push((
                epoch,
                from,
                Message::Kraft(KraftMessage::BrokerRegistrationResponse {
                    error: None,
                    broker_epoch: epoch,
                    leader: Some(self.id),
                }),
            ));
            return;
        }
        // `ClusterControlManager.registerBroker`: a new incarnation is refused while the old
        // one's session is valid (`BrokerHeartbeatManager.hasValidSession`: unfenced and heard
        // from within `broker.session.timeout.ms`). A broker that restarts quickly keeps its
        // partitions on the dead incarnation until that session expires.
        let session_ms = a.timeouts.broker_session_timeout_ms;
        let silent = now.saturating_sub(a.sessions.get(&broker).copied().unwrap_or(0));
        if a.latest.is_live(broker) && silent < session_ms {
            ctx.emit(EventKind::Kraft(KraftEvent::RegistrationRefused {
                broker,
                session_left_ms: session_ms - silent,
            }));
            ctx.send(
                from,
                Message::Kraft(KraftMessage::BrokerRegistrationResponse {
                    error: Some(ErrorCode::DuplicateBrokerRegistration),
                    broker_epoch: 0,
                    leader: Some(self.id),
                }),
            );
            return;
        }
        let mut events = Vec::new();
        // A new incarnation: whatever the old one led or was in-sync for moves away first.
        let changed = if a.latest.is_live(broker) {
            a.latest
                .fence_broker(broker, ShrinkEpoch::Keep, &mut events)
        } else {
            Vec::new()
        };
        a.latest.brokers.insert(
            broker,
            BrokerRegistration {
                id: broker,
                rack: rack.clone(),
                fenced: true,
                broker_epoch: offset,
                last_heartbeat_ms: now,
            },
        );
        a.incarnations.insert(broker, (incarnation, offset));
        a.sessions.insert(broker, now);
        let mut records = vec![MetadataRecord::RegisterBroker {
            id: broker,
            rack,
            broker_epoch: offset,
            incarnation,
            fenced: true,
        }];
        records.extend(partition_records(&a.latest, &changed));
        a.pending_replies.push((
            offset,
            from,
            Message::Kraft(KraftMessage::BrokerRegistrationResponse {
                error: None,
                broker_epoch: offset,
                leader: Some(self.id),
            }),
        ));
        ctx.emit(EventKind::Kraft(KraftEvent::BrokerRegistered {
            broker,
            broker_epoch: offset,
        }));
        for e in events {
            ctx.emit(e);
        }
        ctx.set_timer(
            session_ms,
            timer(KraftTimer::BrokerSession {
                broker,
                epoch: self.epoch,
            }),
        );
        self.write(ctx, records);
    }

    pub fn on_broker_heartbeat(
        &mut self,
        ctx: &mut Ctx,
        from: NodeId,
        broker: BrokerId,
        broker_epoch: u64,
        metadata_offset: u64,
    ) {
        let leader = self.leader_hint();
        let reply = |error: Option<ErrorCode>, fenced: bool| {
            Message::Kraft(KraftMessage::BrokerHeartbeatResponse {
                error,
                fenced,
                leader,
            })
        };
        if let Some(e) = self.not_controller() {
            ctx.send(from, reply(Some(e), true));
            return;
        }
        let now = ctx.now();
        let epoch = self.epoch;
        let Some(a) = self.active.as_mut() else {
            return;
        };
        let Some(reg) = a.latest.brokers.get(&broker) else {
            ctx.send(from, reply(Some(ErrorCode::StaleBrokerEpoch), true));
            return;
        };
        if reg.broker_epoch != broker_epoch {
            ctx.send(from, reply(Some(ErrorCode::StaleBrokerEpoch), true));
            return;
        }
        a.sessions.insert(broker, now);
        a.broker_offsets.insert(broker, metadata_offset);
        ctx.set_timer(
            a.timeouts.broker_session_timeout_ms,
            timer(KraftTimer::BrokerSession { broker, epoch }),
        );
        // Unfenced once it has replayed the log up to its own registration.
        if reg.fenced && metadata_offset > reg.broker_epoch {
            let mut events = Vec::new();
            let changed = a.latest.unfence_broker(broker, &mut events);
            events.push(EventKind::BrokerUnfenced { broker });
            let mut records = vec![MetadataRecord::BrokerRegistrationChange {
                id: broker,
                fenced: false,
            }];
            records.extend(partition_records(&a.latest, &changed));
            for e in events {
                ctx.emit(e);
            }
            if let Some(last) = self.write(ctx, records)
                && let Some(a) = self.active.as_mut()
            {
                a.pending_replies.push((last, from, reply(None, false)));
            }
            return;
        }
        let fenced = reg.fenced;
        ctx.send(from, reply(None, fenced));
    }

    pub fn on_session_timer(&mut self, ctx: &mut Ctx, broker: BrokerId, epoch: i32) {
        let now = ctx.now();
        let Some(a) = self.active.as_mut() else {
            return;
        };
        if a.epoch != epoch || !a.latest.is_live(broker) {
            return;
        }
        let last = a.sessions.get(&broker).copied().unwrap_or(0);
        let silent = now.saturating_sub(last);
        if silent < a.timeouts.broker_session_timeout_ms {
            return;
        }
        let mut events = vec![EventKind::BrokerFenced {
            broker,
            silent_for_ms: silent,
        }];
        let changed = a
            .latest
            .fence_broker(broker, ShrinkEpoch::Keep, &mut events);
        let mut records = vec![MetadataRecord::BrokerRegistrationChange {
            id: broker,
            fenced: true,
        }];
        records.extend(partition_records(&a.latest, &changed));
        for e in events {
            ctx.emit(e);
        }
        self.write(ctx, records);
    }

    pub fn on_imbalance_timer(&mut self, ctx: &mut Ctx, epoch: i32) {
        let Some(a) = self.active.as_mut() else {
            return;
        };
        if a.epoch != epoch {
            return;
        }
        a.balance_scheduled = false;
        let t = a.timeouts.clone();
        let mut events = Vec::new();
        // Every imbalanced partition, as `maybeBalancePartitionLeaders` does:
        // `leader.imbalance.per.broker.percentage` is only ZooKeeper mode's.
        let changed = if t.auto_leader_rebalance_enable {
            a.latest.rebalance_leaders(0, &mut events)
        } else {
            Vec::new()
        };
        let records = partition_records(&a.latest, &changed);
        for e in events {
            ctx.emit(e);
        }
        self.write(ctx, records);
        // A check that elected nothing writes nothing; Kafka schedules after it all the same.
        self.maybe_schedule_balance(ctx, self.any_partition_imbalanced());
    }

    pub fn on_alter_partition(&mut self, ctx: &mut Ctx, from: NodeId, msg: &Message) {
        let Message::AlterPartition {
            broker,
            tp,
            leader_epoch,
            partition_epoch,
            new_isr,
        } = msg
        else {
            return;
        };
        let respond = |error: Option<ErrorCode>, state| Message::AlterPartitionResponse {
            tp: tp.clone(),
            error,
            state,
        };
        let Some(a) = self.active.as_mut() else {
            ctx.send(from, respond(Some(ErrorCode::NotController), None));
            return;
        };
        let mut events = Vec::new();
        let result = a.latest.alter_partition(
            *broker,
            tp,
            *leader_epoch,
            *partition_epoch,
            new_isr,
            &mut events,
        );
        for e in events {
            ctx.emit(e);
        }
        match result {
            Err(e) => ctx.send(from, respond(Some(e), None)),
            Ok(st) => {
                // Answered once the PartitionChangeRecord commits.
                if let Some(last) = self.write(ctx, vec![MetadataRecord::Partition(st.clone())])
                    && let Some(a) = self.active.as_mut()
                {
                    a.pending_replies
                        .push((last, from, respond(None, Some(st))));
                }
            }
        }
    }

    pub fn admin_create_topic(
        &mut self,
        ctx: &mut Ctx,
        topic: &NewTopic,
    ) -> Result<Vec<Vec<crate::ids::BrokerId>>, KafkaError> {
        let Some(a) = self.active.as_mut() else {
            return Err(crate::controller::no_active_controller(
                "no active controller",
            ));
        };
        let mut events = Vec::new();
        let assignment = a
            .latest
            .create_topic(topic, Placer::Striped, ctx.rng(), &mut events)?;
        let Some(t) = a.latest.topics.get(&topic.name) else {
            return Ok(assignment);
        };
        let mut records = vec![MetadataRecord::Topic {
            name: topic.name.clone(),
            config: t.config.clone(),
        }];
        records.extend(t.partitions.iter().cloned().map(MetadataRecord::Partition));
        for e in events {
            ctx.emit(e);
        }
        self.write(ctx, records);
        Ok(assignment)
    }

    pub fn admin_create_partitions(
        &mut self,
        ctx: &mut Ctx,
        topic: &str,
        total: i32,
    ) -> Result<Vec<Vec<BrokerId>>, KafkaError> {
        let Some(a) = self.active.as_mut() else {
            return Err(crate::controller::no_active_controller(
                "no active controller",
            ));
        };
        let mut events = Vec::new();
        let before = a.latest.topics.get(topic).map_or(0, |t| t.partitions.len());
        let added =
            a.latest
                .create_partitions(topic, total, Placer::Striped, ctx.rng(), &mut events)?;
        let records: Vec<MetadataRecord> = a
            .latest
            .topics
            .get(topic)
            .map(|t| {
                t.partitions[before..]
                    .iter()
                    .cloned()
                    .map(MetadataRecord::Partition)
                    .collect()
            })
            .unwrap_or_default();
        for e in events {
            ctx.emit(e);
        }
        self.write(ctx, records);
        Ok(added)
    }

    pub fn admin_elect_preferred(
        &mut self,
        ctx: &mut Ctx,
        partitions: Option<&[TopicPartition]>,
    ) -> Result<PreferredElection, KafkaError> {
        let Some(a) = self.active.as_mut() else {
            return Err(crate::controller::no_active_controller(
                "no active controller",
            ));
        };
        let mut events = Vec::new();
        let mut results = a.latest.elect_preferred(partitions, &mut events);
        // `ReplicationControlManager.electLeaders`: asked for every partition, the quorum
        // controller leaves out those whose preferred replica leads already.
        if partitions.is_none() {
            results.not_needed.clear();
        }
        let records = partition_records(&a.latest, &results.elected);
        for e in events {
            ctx.emit(e);
        }
        self.write(ctx, records);
        Ok(results)
    }
}

/// `PartitionRegistration.hasPreferredLeader`: led by its first replica.
fn has_preferred_leader(p: &PartitionState) -> bool {
    p.replicas.first() == Some(&p.leader)
}
