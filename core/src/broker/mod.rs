//! A Kafka broker: hosts partition replicas, leads some and follows others, heartbeats to the
//! controller, answers metadata, and hosts group coordinators. Leader duties are in
//! `leader.rs`, follower duties in `follower.rs`.

mod follower;
mod kraft;
mod leader;

use crate::collections::{LiteMap, SortedSet, map_from_iter};
use crate::config::{BrokerTimeouts, CoordinatorMode, Millis};
use crate::event::{EventKind, LogStartReason};
use crate::group::GroupCoordinator;
use crate::ids::{BrokerId, NO_LEADER, NodeId, TopicPartition};
use crate::kernel::Ctx;
use crate::log::ReplicaLog;
use crate::message::{Message, PartitionMetadata, PartitionState, partition_state_digest};
use crate::replication::FollowerProgress;
use crate::timer::{BrokerTimer, Timer};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

pub use follower::Fetcher;
pub use leader::{DelayedProduce, ParkedFetch};

/// One replica of a partition on this broker.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Partition {
    pub log: ReplicaLog,
    /// The latest state the controller told this broker.
    pub state: PartitionState,
    /// Present while this broker leads the partition.
    pub leader: Option<LeaderState>,
    /// A follower stops fetching after FENCED_LEADER_EPOCH until new LeaderAndIsr arrives.
    pub fetch_paused: bool,
    /// A follower leaves this partition out of its fetches until then, after the leader
    /// answered it with an error (`AbstractFetcherThread.delayPartitions`, for
    /// `replica.fetch.backoff.ms`); the other partitions from that leader go on.
    pub fetch_delayed_until: Option<Millis>,
}

/// What the leader of a partition tracks.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct LeaderState {
    pub followers: LiteMap<BrokerId, FollowerProgress>,
    /// An AlterPartition sent and not yet answered: the proposed ISR.
    pub pending_isr: Option<Vec<BrokerId>>,
    /// First offset of the current leader epoch.
    pub epoch_start_offset: u64,
}

impl Partition {
    pub fn is_leader(&self) -> bool {
        self.leader.is_some()
    }

    /// The ISR plus any member a pending expansion adds ("maximal ISR").
    pub fn maximal_isr(&self) -> Vec<BrokerId> {
        let mut isr = self.state.isr.clone();
        if let Some(pending) = self.leader.as_ref().and_then(|l| l.pending_isr.as_ref()) {
            for b in pending {
                if !isr.contains(b) {
                    isr.push(*b);
                }
            }
        }
        isr
    }
}

/// The broker's view of cluster metadata (from UpdateMetadata).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct MetadataCache {
    /// Shared with clones (timeline checkpoints) until it changes, which is seldom.
    pub partitions: Arc<LiteMap<TopicPartition, PartitionState>>,
    pub live_brokers: SortedSet<BrokerId>,
    pub controller_epoch: i32,
}

/// A broker's whole state. What survives a crash is chosen by [`Broker::recover`].
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Broker {
    pub id: BrokerId,
    pub rack: Option<String>,
    /// Which control plane this broker talks to.
    pub mode: CoordinatorMode,
    /// Where AlterPartition goes: the controller this broker knows of.
    pub controller: NodeId,
    /// Incremented by every restart (stands for KIP-631's broker epoch).
    pub broker_epoch: u64,
    pub timeouts: BrokerTimeouts,
    pub partitions: LiteMap<TopicPartition, Partition>,
    pub metadata: MetadataCache,
    pub fetchers: LiteMap<BrokerId, Fetcher>,
    pub parked_fetches: LiteMap<u64, ParkedFetch>,
    pub delayed_produces: LiteMap<u64, DelayedProduce>,
    pub groups: GroupCoordinator,
    /// KRaft mode: registration, heartbeats and the fetched metadata log.
    pub kraft: kraft::KraftBrokerState,
    next_id: u64,
}

impl Broker {
    pub fn new(
        id: BrokerId,
        rack: Option<String>,
        mode: CoordinatorMode,
        controller: NodeId,
        timeouts: BrokerTimeouts,
    ) -> Self {
        Self {
            id,
            rack,
            mode,
            controller,
            broker_epoch: 1,
            timeouts,
            partitions: LiteMap::new_vec(),
            metadata: MetadataCache::default(),
            fetchers: LiteMap::new_vec(),
            parked_fetches: LiteMap::new_vec(),
            delayed_produces: LiteMap::new_vec(),
            groups: GroupCoordinator::default(),
            kraft: kraft::KraftBrokerState::default(),
            next_id: 0,
        }
    }

    /// The broker after a crash and restart: its logs (and their checkpointed HW) survive on
    /// disk; every in-memory role, follower tracking, purgatory and group state is gone.
    pub fn recover(&self) -> Self {
        let mut b = Broker::new(
            self.id,
            self.rack.clone(),
            self.mode,
            self.controller,
            self.timeouts.clone(),
        );
        b.broker_epoch = self.broker_epoch + 1;
        // KRaft: `controller.quorum.voters` is configuration; it survives a restart.
        b.kraft.voters = self.kraft.voters.clone();
        for (tp, p) in &self.partitions {
            let mut state = p.state.clone();
            state.leader = NO_LEADER;
            b.partitions.insert(
                tp.clone(),
                Partition {
                    log: p.log.clone(),
                    state,
                    leader: None,
                    fetch_paused: false,
                    fetch_delayed_until: None,
                },
            );
        }
        b
    }

    pub(crate) fn next_id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }

    /// Starts the periodic duties (at creation and after each restart).
    pub fn start(&mut self, ctx: &mut Ctx) {
        match self.mode {
            CoordinatorMode::Builtin => self.send_heartbeat(ctx),
            // The broker's controller role (a co-located node) keeps its ZooKeeper session.
            CoordinatorMode::Zookeeper => {}
            CoordinatorMode::Kraft => self.kraft_start(ctx),
        }
        ctx.set_timer(
            self.isr_check_interval(),
            Timer::Broker(BrokerTimer::IsrCheck),
        );
        ctx.set_timer(
            self.timeouts.log_retention_check_interval_ms,
            Timer::Broker(BrokerTimer::RetentionCheck),
        );
    }

    fn send_heartbeat(&mut self, ctx: &mut Ctx) {
        ctx.send(
            self.controller,
            Message::BrokerHeartbeat {
                broker: self.id,
                broker_epoch: self.broker_epoch,
                state_digest: partition_state_digest(
                    self.id,
                    self.partitions.values().map(|p| &p.state),
                ),
            },
        );
        ctx.set_timer(
            self.timeouts.broker_heartbeat_interval_ms,
            Timer::Broker(BrokerTimer::Heartbeat),
        );
    }

    pub fn on_message(&mut self, ctx: &mut Ctx, from: NodeId, msg: &Message) {
        match msg {
            Message::LeaderAndIsr {
                controller_id,
                controller_epoch,
                partitions,
            } => {
                let accepted = self.accept_controller(ctx, from, *controller_id, *controller_epoch);
                if accepted {
                    self.on_leader_and_isr(ctx, partitions);
                }
                if self.mode == CoordinatorMode::Zookeeper {
                    // The controller's channel learns what this broker now holds, or that
                    // its epoch is stale (STALE_CONTROLLER_EPOCH).
                    use crate::controller::zookeeper::{ZkMessage, messages::replica_state_digest};
                    let reply = ZkMessage::LeaderAndIsrResponse {
                        broker: self.id,
                        error: (!accepted).then_some(crate::error::ErrorCode::StaleControllerEpoch),
                        state_digest: replica_state_digest(
                            self.id,
                            self.partitions.values().map(|p| &p.state),
                        ),
                    };
                    ctx.send(from, Message::Zk(reply));
                }
            }
            Message::UpdateMetadata {
                controller_id,
                controller_epoch,
                partitions,
                live_brokers,
            } => {
                if !self.accept_controller(ctx, from, *controller_id, *controller_epoch) {
                    return;
                }
                let live: SortedSet<BrokerId> = live_brokers.iter().copied().collect();
                let lost_brokers = self.metadata.live_brokers.iter().any(|b| !live.contains(b));
                self.metadata.live_brokers = live;
                for st in partitions {
                    Arc::make_mut(&mut self.metadata.partitions).insert(st.tp.clone(), st.clone());
                }
                if lost_brokers {
                    // A dead follower outside the ISR no longer holds the HW back (see
                    // `maybe_advance_high_watermark`). Kafka recomputes at the next follower
                    // fetch, at most a fetch wait later; here at once.
                    let led: Vec<TopicPartition> = self
                        .partitions
                        .iter()
                        .filter(|(_, p)| p.is_leader())
                        .map(|(tp, _)| tp.clone())
                        .collect();
                    for tp in led {
                        self.maybe_advance_high_watermark(ctx, &tp);
                    }
                }
            }
            Message::BrokerHeartbeatResponse { .. } => {}
            Message::AlterPartitionResponse { tp, error, state } => {
                self.on_alter_partition_response(ctx, tp, *error, state.as_ref())
            }
            Message::Metadata { correlation_id } => {
                let reply = self.metadata_response(*correlation_id);
                ctx.send(from, reply);
            }
            Message::Produce {
                correlation_id,
                acks,
                timeout_ms,
                batches,
            } => self.on_produce(ctx, from, *correlation_id, *acks, *timeout_ms, batches),
            Message::Fetch {
                correlation_id,
                replica_id,
                max_wait_ms,
                partitions,
            } => self.on_fetch(
                ctx,
                from,
                *correlation_id,
                *replica_id,
                *max_wait_ms,
                partitions,
            ),
            Message::FetchResponse {
                correlation_id,
                partitions,
            } => self.on_fetch_response(ctx, from, *correlation_id, partitions),
            Message::ListOffsets {
                correlation_id,
                tp,
                spec,
            } => self.on_list_offsets(ctx, from, *correlation_id, tp, *spec),
            Message::OffsetForLeaderEpoch {
                correlation_id,
                tp,
                current_leader_epoch,
                leader_epoch,
            } => self.on_offset_for_leader_epoch(
                ctx,
                from,
                *correlation_id,
                tp,
                *current_leader_epoch,
                *leader_epoch,
            ),
            Message::FindCoordinator { .. }
            | Message::JoinGroup { .. }
            | Message::SyncGroup { .. }
            | Message::Heartbeat { .. }
            | Message::LeaveGroup { .. }
            | Message::OffsetCommit { .. }
            | Message::OffsetFetch { .. } => self.on_group_request(ctx, from, msg),
            Message::Kraft(m) => self.on_kraft_message(ctx, from, m),
            _ => {}
        }
    }

    /// How often the leader looks for followers to drop from the ISR: half of
    /// `replica.lag.time.max.ms`, as `ReplicaManager` schedules its `isr-expiration` task, and
    /// at least 1 ms (Kafka refuses `replica.lag.time.max.ms` below `replica.fetch.wait.max.ms`,
    /// itself at least 1 ms here; a period of 0 would re-arm the check at the same instant
    /// forever).
    fn isr_check_interval(&self) -> Millis {
        (self.timeouts.replica_lag_time_max_ms / 2).max(1)
    }

    pub fn on_timer(&mut self, ctx: &mut Ctx, timer: &BrokerTimer) {
        match timer {
            BrokerTimer::Heartbeat => self.send_heartbeat(ctx),
            BrokerTimer::IsrCheck => {
                self.maybe_shrink_isr(ctx);
                ctx.set_timer(
                    self.isr_check_interval(),
                    Timer::Broker(BrokerTimer::IsrCheck),
                );
            }
            BrokerTimer::FetchWaitExpired(id) => self.complete_parked_fetch(ctx, *id),
            BrokerTimer::ProduceTimeout(id) => self.expire_delayed_produce(ctx, *id),
            BrokerTimer::FetchTimeout {
                leader,
                correlation_id,
            } => self.on_fetch_timeout(ctx, *leader, *correlation_id),
            BrokerTimer::FetchBackoff { leader } => self.maybe_fetch(ctx, *leader),
            BrokerTimer::RetentionCheck => {
                self.apply_retention(ctx);
                ctx.set_timer(
                    self.timeouts.log_retention_check_interval_ms,
                    Timer::Broker(BrokerTimer::RetentionCheck),
                );
            }
            BrokerTimer::AlterPartitionRetry { tp } => self.retry_alter_partition(ctx, tp),
            BrokerTimer::Kraft(t) => self.on_kraft_timer(ctx, t),
            BrokerTimer::GroupJoinDeadline { .. }
            | BrokerTimer::MemberSession { .. }
            | BrokerTimer::GroupSyncDeadline { .. }
            | BrokerTimer::CoordinatorWriteTimeout(_) => self.on_group_timer(ctx, timer),
        }
    }

    /// A request from a controller is accepted unless its controller epoch is older than one
    /// already seen: a stale ("zombie") controller is fenced (STALE_CONTROLLER_EPOCH). The
    /// newest controller becomes where AlterPartition goes.
    fn accept_controller(
        &mut self,
        ctx: &mut Ctx,
        from: NodeId,
        controller_id: i32,
        controller_epoch: i32,
    ) -> bool {
        if controller_epoch < self.metadata.controller_epoch {
            ctx.emit(EventKind::StaleControllerRejected {
                broker: self.id,
                controller_id,
                controller_epoch,
                current_epoch: self.metadata.controller_epoch,
            });
            return false;
        }
        self.metadata.controller_epoch = controller_epoch;
        self.controller = from;
        true
    }

    /// Applies the controller's decisions: become leader, follower, or neither.
    fn on_leader_and_isr(&mut self, ctx: &mut Ctx, states: &[PartitionState]) {
        for st in states {
            if !st.replicas.contains(&self.id) {
                continue;
            }
            let known = self.partitions.get(&st.tp);
            if let Some(p) = known
                && (st.leader_epoch < p.state.leader_epoch
                    || (st.leader_epoch == p.state.leader_epoch
                        && st.partition_epoch < p.state.partition_epoch))
            {
                continue; // stale
            }
            let same_epoch = known.is_some_and(|p| {
                p.state.leader_epoch == st.leader_epoch
                    && p.state.leader == st.leader
                    && (p.is_leader() || st.leader != self.id)
            });
            let p = self
                .partitions
                .entry(st.tp.clone())
                .or_insert_with(|| Partition {
                    log: ReplicaLog::new(),
                    state: st.clone(),
                    leader: None,
                    fetch_paused: false,
                    fetch_delayed_until: None,
                });
            if same_epoch {
                // Same leadership, newer ISR or config: just take it.
                let newer = st.partition_epoch > p.state.partition_epoch;
                p.state = st.clone();
                if let Some(l) = p.leader.as_mut()
                    && (l.pending_isr.as_ref() == Some(&st.isr) || newer)
                {
                    // A newer committed state supersedes any proposal in flight (Kafka's
                    // `makeLeader` takes the ISR it is given as committed).
                    l.pending_isr = None;
                }
                if p.leader.is_some() {
                    // As Kafka's `makeLeader`: the ISR may have shrunk (the controller removed
                    // a fenced follower), so the HW may move and waiting produces may finish.
                    self.maybe_advance_high_watermark(ctx, &st.tp);
                    self.check_delayed_produces(ctx, &st.tp);
                }
                continue;
            }
            p.state = st.clone();
            if st.leader == self.id {
                self.make_leader(ctx, &st.tp);
            } else {
                self.make_follower_or_offline(ctx, &st.tp);
            }
        }
    }

    fn make_leader(&mut self, ctx: &mut Ctx, tp: &TopicPartition) {
        let now = ctx.now();
        let me = self.id;
        let p = self.partitions.get_mut(tp).expect("partition exists");
        let epoch = p.state.leader_epoch;
        p.log.assign_epoch(epoch);
        // Only a new leader forgets what its followers fetched; already the leader (a new
        // epoch for the same leader, as ZooKeeper mode's ISR shrink gives), their LEOs still
        // count for the high watermark.
        let before = p.leader.take().map(|l| l.followers);
        let leo = p.log.log_end_offset();
        let followers = map_from_iter(p.state.replicas.iter().filter(|&&b| b != me).map(|&b| {
            let kept = before.as_ref().and_then(|f| f.get(&b));
            let in_isr = p.state.isr.contains(&b);
            (b, FollowerProgress::reset(kept, now, in_isr, leo))
        }));
        p.leader = Some(LeaderState {
            followers,
            pending_isr: None,
            epoch_start_offset: p.log.log_end_offset(),
        });
        p.fetch_paused = false;
        p.fetch_delayed_until = None;
        ctx.emit(EventKind::BecameLeader {
            broker: me,
            tp: tp.clone(),
            leader_epoch: epoch,
        });
        self.maybe_advance_high_watermark(ctx, tp);
        self.on_offsets_leader_elected(ctx, tp);
    }

    fn make_follower_or_offline(&mut self, ctx: &mut Ctx, tp: &TopicPartition) {
        let p = self.partitions.get_mut(tp).expect("partition exists");
        let was_leader = p.leader.take().is_some();
        p.fetch_paused = false;
        p.fetch_delayed_until = None;
        let (leader, epoch) = (p.state.leader, p.state.leader_epoch);
        if was_leader {
            self.fail_delayed_produces(ctx, tp);
        }
        self.on_offsets_leader_resigned(ctx, tp);
        self.wake_parked_fetches(ctx, tp);
        if leader == NO_LEADER {
            return;
        }
        ctx.emit(EventKind::BecameFollower {
            broker: self.id,
            tp: tp.clone(),
            leader,
            leader_epoch: epoch,
        });
        self.maybe_fetch(ctx, leader);
    }

    fn metadata_response(&self, correlation_id: u64) -> Message {
        Message::MetadataResponse {
            correlation_id,
            brokers: self.metadata.live_brokers.iter().copied().collect(),
            partitions: self
                .metadata
                .partitions
                .values()
                .map(|st| PartitionMetadata {
                    tp: st.tp.clone(),
                    leader: st.leader,
                    leader_epoch: st.leader_epoch,
                    replicas: st.replicas.clone(),
                    isr: st.isr.clone(),
                })
                .collect(),
        }
    }

    /// Retention: each partition drops records older than its topic's `retention.ms`.
    fn apply_retention(&mut self, ctx: &mut Ctx) {
        let now = ctx.now();
        for (tp, p) in self.partitions.iter_mut() {
            let Some(ms) = p.state.config.retention_ms else {
                continue;
            };
            if let Some((start, deleted)) = p.log.delete_records_older_than(now.saturating_sub(ms))
            {
                ctx.emit(EventKind::LogStartOffsetAdvanced {
                    broker: self.id,
                    tp: tp.clone(),
                    log_start_offset: start,
                    reason: LogStartReason::Retention,
                    deleted,
                });
            }
        }
    }
}
