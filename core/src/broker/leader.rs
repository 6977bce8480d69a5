//! Leader duties: appending produced records, serving fetches (with the fetch purgatory that
//! holds an empty fetch up to its max wait), completing acks=all produces when the high
//! watermark passes them, and proposing ISR changes to the controller.

use super::{Broker, Partition};
use crate::config::{Acks, CoordinatorMode, Millis};
use crate::error::ErrorCode;
use crate::event::EventKind;
use crate::ids::{BrokerId, NodeId, TopicPartition};
use crate::kernel::{Ctx, TimerId};
use crate::message::{
    FetchPartition, FetchPartitionResponse, Message, OffsetSpec, PartitionState, ProduceBatch,
    ProducePartitionResponse,
};
use crate::replication::{can_join_isr, high_watermark, isr_meets_min};
use crate::timer::{BrokerTimer, Timer};
use serde::{Deserialize, Serialize};

/// Most records one fetch response carries per partition (stands for `replica.fetch.max.bytes`
/// / `max.partition.fetch.bytes`, counted in records rather than bytes).
pub const FETCH_MAX_RECORDS: usize = 2_048;

/// A fetch with nothing to return yet, held until data arrives or its max wait passes.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ParkedFetch {
    pub from: NodeId,
    pub correlation_id: u64,
    pub replica_id: Option<BrokerId>,
    pub partitions: Vec<FetchPartition>,
    /// The leader's HW of each partition when the fetch was parked.
    pub hw_at_park: Vec<u64>,
    /// Its FetchWaitExpired, cancelled when it is answered.
    #[serde(skip)]
    pub timer: TimerId,
}

/// An acks=all produce waiting for the high watermark to pass its records.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct DelayedProduce {
    pub from: NodeId,
    pub correlation_id: u64,
    pub parts: Vec<DelayedPart>,
    /// Its ProduceTimeout, cancelled when it is answered.
    #[serde(skip)]
    pub timer: TimerId,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct DelayedPart {
    pub tp: TopicPartition,
    pub base_offset: Option<u64>,
    /// The HW must reach this (last offset + 1).
    pub required_offset: u64,
    /// Decided outcome: Some(None) = success, Some(Some(e)) = error, None = still waiting.
    pub outcome: Option<Option<ErrorCode>>,
}

impl Broker {
    pub(super) fn on_produce(
        &mut self,
        ctx: &mut Ctx,
        from: NodeId,
        correlation_id: u64,
        acks: Acks,
        timeout_ms: Millis,
        batches: &[ProduceBatch],
    ) {
        let now = ctx.now();
        let mut parts = Vec::with_capacity(batches.len());
        for batch in batches {
            let outcome = self.append_batch(ctx, batch, acks, now);
            parts.push(outcome);
        }
        match acks {
            // No response; an error closes the connection instead.
            Acks::None => {
                if let Some(error) = parts.iter().find_map(|p| p.outcome.flatten()) {
                    ctx.send(from, Message::ConnectionClosed { error });
                }
            }
            Acks::Leader => {
                let partitions = parts
                    .into_iter()
                    .map(|p| ProducePartitionResponse {
                        tp: p.tp,
                        error: p.outcome.flatten(),
                        base_offset: p.base_offset,
                    })
                    .collect();
                ctx.send(
                    from,
                    Message::ProduceResponse {
                        correlation_id,
                        partitions,
                    },
                );
            }
            Acks::All => {
                let id = self.next_id();
                self.delayed_produces.insert(
                    id,
                    DelayedProduce {
                        from,
                        correlation_id,
                        parts,
                        timer: TimerId::default(),
                    },
                );
                // Some partitions may already be complete (e.g. an ISR of one), or all were
                // rejected before appending.
                let tps: Vec<TopicPartition> = self.delayed_produces[&id]
                    .parts
                    .iter()
                    .map(|p| p.tp.clone())
                    .collect();
                for tp in &tps {
                    self.check_delayed_produces(ctx, tp);
                }
                if self
                    .delayed_produces
                    .get(&id)
                    .is_some_and(|d| d.parts.iter().all(|p| p.outcome.is_some()))
                {
                    self.respond_delayed_produce(ctx, id, None);
                }
                if let Some(d) = self.delayed_produces.get_mut(&id) {
                    d.timer =
                        ctx.set_timer(timeout_ms, Timer::Broker(BrokerTimer::ProduceTimeout(id)));
                }
            }
        }
    }

    /// Appends one partition's records if this broker may; returns the partition's outcome.
    /// The group coordinator appends offset commits to `__consumer_offsets` through it too.
    pub(crate) fn append_batch(
        &mut self,
        ctx: &mut Ctx,
        batch: &ProduceBatch,
        acks: Acks,
        now: Millis,
    ) -> DelayedPart {
        let me = self.id;
        let reject = |tp: &TopicPartition, e| DelayedPart {
            tp: tp.clone(),
            base_offset: None,
            required_offset: 0,
            outcome: Some(Some(e)),
        };
        let Some(p) = self.partitions.get_mut(&batch.tp) else {
            return reject(&batch.tp, ErrorCode::NotLeaderOrFollower);
        };
        if !p.is_leader() {
            return reject(&batch.tp, ErrorCode::NotLeaderOrFollower);
        }
        if acks == Acks::All
            && !isr_meets_min(
                p.state.isr.len(),
                p.state.config.min_insync_replicas,
                p.state.replicas.len(),
            )
        {
            return reject(&batch.tp, ErrorCode::NotEnoughReplicas);
        }
        let epoch = p.state.leader_epoch;
        let base = p.log.log_end_offset();
        for r in &batch.records {
            p.log.append_as_leader(
                epoch,
                now.max(r.timestamp),
                r.key.clone(),
                r.value.clone(),
                r.id,
            );
        }
        let count = batch.records.len() as u64;
        ctx.emit(EventKind::RecordsAppended {
            broker: me,
            tp: batch.tp.clone(),
            base_offset: base,
            count,
            leader_epoch: epoch,
        });
        self.maybe_advance_high_watermark(ctx, &batch.tp);
        self.wake_parked_fetches(ctx, &batch.tp);
        DelayedPart {
            tp: batch.tp.clone(),
            base_offset: Some(base),
            required_offset: base + count,
            outcome: if acks == Acks::All { None } else { Some(None) },
        }
    }

    /// Decides waiting acks=all parts on `tp` (`DelayedProduce.tryComplete`) and answers every
    /// produce whose parts are all decided.
    pub(super) fn check_delayed_produces(&mut self, ctx: &mut Ctx, tp: &TopicPartition) {
        let Some(p) = self.partitions.get(tp) else {
            return;
        };
        let hw = p.log.high_watermark();
        let leading = p.is_leader();
        let enough = isr_meets_min(
            p.state.isr.len(),
            p.state.config.min_insync_replicas,
            p.state.replicas.len(),
        );
        let mut done = Vec::new();
        for (&id, d) in self.delayed_produces.iter_mut() {
            for part in d
                .parts
                .iter_mut()
                .filter(|x| &x.tp == tp && x.outcome.is_none())
            {
                if !leading {
                    part.outcome = Some(Some(ErrorCode::NotLeaderOrFollower));
                } else if hw >= part.required_offset {
                    part.outcome =
                        Some((!enough).then_some(ErrorCode::NotEnoughReplicasAfterAppend));
                }
            }
            if d.parts.iter().all(|x| x.outcome.is_some()) {
                done.push(id);
            }
        }
        for id in done {
            self.respond_delayed_produce(ctx, id, None);
        }
    }

    fn respond_delayed_produce(&mut self, ctx: &mut Ctx, id: u64, undecided: Option<ErrorCode>) {
        let Some(d) = self.delayed_produces.remove(&id) else {
            return;
        };
        // Ids are never reused: its timeout would find nothing (ignored if it is firing now).
        ctx.cancel_timer(d.timer);
        let partitions = d
            .parts
            .into_iter()
            .map(|p| ProducePartitionResponse {
                tp: p.tp,
                error: p.outcome.unwrap_or(undecided),
                base_offset: p.base_offset,
            })
            .collect();
        ctx.send(
            d.from,
            Message::ProduceResponse {
                correlation_id: d.correlation_id,
                partitions,
            },
        );
    }

    pub(super) fn expire_delayed_produce(&mut self, ctx: &mut Ctx, id: u64) {
        self.respond_delayed_produce(ctx, id, Some(ErrorCode::RequestTimedOut));
    }

    /// Leadership lost: waiting produces on `tp` fail with NOT_LEADER_OR_FOLLOWER.
    pub(super) fn fail_delayed_produces(&mut self, ctx: &mut Ctx, tp: &TopicPartition) {
        self.check_delayed_produces(ctx, tp);
    }

    /// Leader: recompute the HW from the maximal ISR, honouring the min-ISR rule (Kafka 3.7+).
    pub(super) fn maybe_advance_high_watermark(&mut self, ctx: &mut Ctx, tp: &TopicPartition) {
        let me = self.id;
        let Some(p) = self.partitions.get_mut(tp) else {
            return;
        };
        let Some(leader) = p.leader.as_ref() else {
            return;
        };
        let gated = self.timeouts.min_isr_gates_high_watermark;
        if gated
            && !isr_meets_min(
                p.state.isr.len(),
                p.state.config.min_insync_replicas,
                p.state.replicas.len(),
            )
        {
            return;
        }
        let maximal = p.maximal_isr();
        let leo = p.log.log_end_offset();
        let (now, lag_max) = (ctx.now(), self.timeouts.replica_lag_time_max_ms);
        // `shouldWaitForReplicaToJoinIsr`: a caught-up follower outside the ISR holds the HW
        // back too, or under steady writes it might never reach the HW and rejoin; if the
        // controller would take it (`isReplicaIsrEligible`: alive, or unfenced in KRaft, in
        // this broker's metadata).
        let live = &self.metadata.live_brokers;
        let joining = leader
            .followers
            .iter()
            .filter(|(b, f)| {
                !maximal.contains(b) && live.contains(b) && !f.is_out_of_sync(leo, now, lag_max)
            })
            .map(|(_, f)| f.log_end_offset)
            .min();
        let candidate = high_watermark(leo, &maximal, me, |b| {
            leader.followers.get(&b).map_or(0, |f| f.log_end_offset)
        })
        .min(joining.unwrap_or(u64::MAX));
        if p.log.advance_high_watermark(candidate) {
            ctx.emit(EventKind::HighWatermarkAdvanced {
                broker: me,
                tp: tp.clone(),
                high_watermark: p.log.high_watermark(),
            });
            self.check_delayed_produces(ctx, tp);
            self.wake_parked_fetches(ctx, tp);
            self.on_offsets_high_watermark(ctx, tp);
        }
    }

    pub(super) fn on_fetch(
        &mut self,
        ctx: &mut Ctx,
        from: NodeId,
        correlation_id: u64,
        replica_id: Option<BrokerId>,
        max_wait_ms: Millis,
        partitions: &[FetchPartition],
    ) {
        if let Some(follower) = replica_id {
            for fp in partitions {
                self.record_follower_fetch(ctx, follower, fp);
            }
        }
        let (responses, ready) = self.read_fetch(replica_id, partitions);
        if ready || max_wait_ms == 0 {
            ctx.send(
                from,
                Message::FetchResponse {
                    correlation_id,
                    partitions: responses,
                },
            );
        } else {
            let id = self.next_id();
            let hw_at_park = partitions
                .iter()
                .map(|fp| {
                    self.partitions
                        .get(&fp.tp)
                        .map_or(0, |p| p.log.high_watermark())
                })
                .collect();
            let timer = ctx.set_timer(
                max_wait_ms,
                Timer::Broker(BrokerTimer::FetchWaitExpired(id)),
            );
            self.parked_fetches.insert(
                id,
                ParkedFetch {
                    from,
                    correlation_id,
                    replica_id,
                    partitions: partitions.to_vec(),
                    hw_at_park,
                    timer,
                },
            );
        }
    }

    /// A follower's fetch offset is its LEO: update what the leader knows, then maybe expand
    /// the ISR and advance the HW.
    fn record_follower_fetch(&mut self, ctx: &mut Ctx, follower: BrokerId, fp: &FetchPartition) {
        let now = ctx.now();
        let Some(p) = self.partitions.get_mut(&fp.tp) else {
            return;
        };
        // `Partition.fetchRecords`: the follower's state is updated only after a read that
        // succeeded (right epoch, offset in range) and found no diverging epoch.
        let leo = p.log.log_end_offset();
        if fp.current_leader_epoch != p.state.leader_epoch
            || fp.fetch_offset < p.log.log_start_offset()
            || p.log
                .diverging_epoch(fp.fetch_offset, fp.last_fetched_epoch)
                .is_some()
            || fp.fetch_offset > leo
        {
            return;
        }
        let hw = p.log.high_watermark();
        let Some(leader) = p.leader.as_mut() else {
            return;
        };
        let Some(progress) = leader.followers.get_mut(&follower) else {
            return;
        };
        progress.on_fetch(fp.fetch_offset, leo, now);
        // `Partition.canAddReplicaToIsr`: in KRaft also only a follower the controller
        // would take (`isReplicaIsrEligible`: unfenced in this broker's metadata). ZooKeeper
        // and built-in mode leave the check to the controller here: their live-broker list
        // comes in UpdateMetadata, which the resync of missed requests does not repeat.
        let eligible =
            self.mode != CoordinatorMode::Kraft || self.metadata.live_brokers.contains(&follower);
        let joins = !p.state.isr.contains(&follower)
            && leader.pending_isr.is_none()
            && eligible
            && can_join_isr(fp.fetch_offset, hw, leader.epoch_start_offset);
        if joins {
            let mut new_isr = p.state.isr.clone();
            new_isr.push(follower);
            self.propose_isr(ctx, &fp.tp, new_isr);
        }
        self.maybe_advance_high_watermark(ctx, &fp.tp);
    }

    /// Builds the response for a fetch; `ready` is true when anything is worth sending now.
    fn read_fetch(
        &self,
        replica_id: Option<BrokerId>,
        partitions: &[FetchPartition],
    ) -> (Vec<FetchPartitionResponse>, bool) {
        let mut ready = false;
        let responses = partitions
            .iter()
            .map(|fp| {
                let mut r = FetchPartitionResponse {
                    tp: fp.tp.clone(),
                    error: None,
                    high_watermark: 0,
                    log_start_offset: 0,
                    diverging_epoch: None,
                    records: Vec::new(),
                };
                let p = match leader_log(self.partitions.get(&fp.tp), fp.current_leader_epoch) {
                    Ok(p) => p,
                    Err(e) => {
                        r.error = Some(e);
                        ready = true;
                        return r;
                    }
                };
                r.high_watermark = p.log.high_watermark();
                r.log_start_offset = p.log.log_start_offset();
                if replica_id.is_some() {
                    if fp.fetch_offset < p.log.log_start_offset() {
                        // `Partition.readRecords`: below the log start is out of range
                        // "regardless of whether epochs are diverging".
                        r.error = Some(ErrorCode::OffsetOutOfRange);
                    } else if let Some(div) = p
                        .log
                        .diverging_epoch(fp.fetch_offset, fp.last_fetched_epoch)
                    {
                        r.diverging_epoch = Some(div);
                    } else if fp.fetch_offset > p.log.log_end_offset() {
                        // Past our end with no epoch to compare (a follower that started
                        // afresh at an old leader's log start): `LocalLog.read`'s range check.
                        r.error = Some(ErrorCode::OffsetOutOfRange);
                    } else {
                        r.records = p.log.read(fp.fetch_offset, FETCH_MAX_RECORDS);
                    }
                } else {
                    // Consumers read only committed records: below the HW.
                    let hw = p.log.high_watermark();
                    if fp.fetch_offset < p.log.log_start_offset()
                        || fp.fetch_offset > p.log.log_end_offset()
                    {
                        r.error = Some(ErrorCode::OffsetOutOfRange);
                    } else if fp.fetch_offset < hw {
                        let max = ((hw - fp.fetch_offset) as usize).min(FETCH_MAX_RECORDS);
                        r.records = p.log.read(fp.fetch_offset, max);
                    }
                }
                ready |= r.error.is_some() || r.diverging_epoch.is_some() || !r.records.is_empty();
                r
            })
            .collect();
        (responses, ready)
    }

    /// Something changed on `tp` (new records, new HW, role change): answer parked fetches
    /// that now have something to say. Followers learn a new HW this way without waiting for
    /// their max wait (Kafka followers learn it on their next fetch; documented simplification).
    pub(super) fn wake_parked_fetches(&mut self, ctx: &mut Ctx, tp: &TopicPartition) {
        let ids: Vec<u64> = self
            .parked_fetches
            .iter()
            .filter(|(_, f)| f.partitions.iter().any(|fp| &fp.tp == tp))
            .map(|(&id, _)| id)
            .collect();
        for id in ids {
            let f = &self.parked_fetches[&id];
            let (_, ready) = self.read_fetch(f.replica_id, &f.partitions);
            let hw_moved = f.replica_id.is_some()
                && f.partitions.iter().zip(&f.hw_at_park).any(|(fp, &hw)| {
                    self.partitions
                        .get(&fp.tp)
                        .is_some_and(|p| p.log.high_watermark() > hw)
                });
            if ready || hw_moved {
                self.complete_parked_fetch(ctx, id);
            }
        }
    }

    pub(super) fn complete_parked_fetch(&mut self, ctx: &mut Ctx, id: u64) {
        let Some(f) = self.parked_fetches.remove(&id) else {
            return;
        };
        // Ids are never reused: its max wait would find nothing (ignored if it is firing now).
        ctx.cancel_timer(f.timer);
        let (partitions, _) = self.read_fetch(f.replica_id, &f.partitions);
        ctx.send(
            f.from,
            Message::FetchResponse {
                correlation_id: f.correlation_id,
                partitions,
            },
        );
    }

    /// Leader: drop followers that have not caught up within `replica.lag.time.max.ms`.
    pub(super) fn maybe_shrink_isr(&mut self, ctx: &mut Ctx) {
        let now = ctx.now();
        let lag_max = self.timeouts.replica_lag_time_max_ms;
        let me = self.id;
        let mut proposals = Vec::new();
        for (tp, p) in &self.partitions {
            let Some(leader) = p.leader.as_ref() else {
                continue;
            };
            if leader.pending_isr.is_some() {
                continue;
            }
            let leo = p.log.log_end_offset();
            let out: Vec<BrokerId> = p
                .state
                .isr
                .iter()
                .copied()
                .filter(|&b| b != me)
                .filter(|b| {
                    leader
                        .followers
                        .get(b)
                        .is_none_or(|f| f.is_out_of_sync(leo, now, lag_max))
                })
                .collect();
            if !out.is_empty() {
                let new_isr = p
                    .state
                    .isr
                    .iter()
                    .copied()
                    .filter(|b| !out.contains(b))
                    .collect();
                proposals.push((tp.clone(), new_isr));
            }
        }
        for (tp, isr) in proposals {
            self.propose_isr(ctx, &tp, isr);
        }
    }

    /// Sends AlterPartition; until answered, the proposal counts in the maximal ISR.
    fn propose_isr(&mut self, ctx: &mut Ctx, tp: &TopicPartition, new_isr: Vec<BrokerId>) {
        let Some(p) = self.partitions.get_mut(tp) else {
            return;
        };
        let Some(leader) = p.leader.as_mut() else {
            return;
        };
        leader.pending_isr = Some(new_isr.clone());
        let msg = Message::AlterPartition {
            broker: self.id,
            tp: tp.clone(),
            leader_epoch: p.state.leader_epoch,
            partition_epoch: p.state.partition_epoch,
            new_isr,
        };
        ctx.send(self.controller, msg);
        ctx.set_timer(
            self.timeouts.replica_socket_timeout_ms,
            Timer::Broker(BrokerTimer::AlterPartitionRetry { tp: tp.clone() }),
        );
    }

    pub(super) fn retry_alter_partition(&mut self, ctx: &mut Ctx, tp: &TopicPartition) {
        let pending = self
            .partitions
            .get(tp)
            .and_then(|p| p.leader.as_ref())
            .and_then(|l| l.pending_isr.clone());
        if let Some(isr) = pending {
            ctx.emit(EventKind::RequestTimedOut {
                node: NodeId::Broker(self.id),
                to: self.controller,
                api: "AlterPartition".into(),
            });
            self.propose_isr(ctx, tp, isr);
        }
    }

    pub(super) fn on_alter_partition_response(
        &mut self,
        ctx: &mut Ctx,
        tp: &TopicPartition,
        error: Option<ErrorCode>,
        state: Option<&PartitionState>,
    ) {
        let Some(p) = self.partitions.get_mut(tp) else {
            return;
        };
        let Some(leader) = p.leader.as_mut() else {
            return;
        };
        match error {
            None => leader.pending_isr = None,
            // INELIGIBLE_REPLICA (INVALID_REQUEST here): the controller says the change was
            // not applied, so the leader goes back to its committed ISR (Kafka's
            // `handleAlterPartitionError`).
            Some(ErrorCode::InvalidRequest) => {
                leader.pending_isr = None;
                return;
            }
            // Any other error, in every mode, as Kafka's `handleAlterPartitionError`: the
            // proposal may have been applied (its answer lost, or the controller already
            // knows a newer state), so the maximal ISR stays (the HW keeps waiting for a
            // member being added) until newer metadata says what the partition is now; the
            // retry timer set with the request resends it meanwhile. Dropping it on
            // NOT_LEADER_OR_FOLLOWER let a ZooKeeper- or KRaft-mode leader acknowledge
            // acks=all writes without a follower the controller had counted in the ISR and
            // then elected; dropping it on FENCED_LEADER_EPOCH left a built-in-mode ISR short
            // after every fault had healed (all found by `kafkascope soak`).
            Some(e) => {
                if e == ErrorCode::NotController {
                    // Resend once the heartbeats have found the active controller.
                    ctx.set_timer(
                        self.timeouts.broker_heartbeat_interval_ms,
                        Timer::Broker(BrokerTimer::AlterPartitionRetry { tp: tp.clone() }),
                    );
                }
                return;
            }
        }
        if let Some(st) = state
            && st.leader_epoch == p.state.leader_epoch
            && st.partition_epoch >= p.state.partition_epoch
        {
            p.state = st.clone();
        }
        // A smaller ISR may let the HW move (and may now fail waiting acks=all produces).
        self.maybe_advance_high_watermark(ctx, tp);
        self.check_delayed_produces(ctx, tp);
    }

    pub(super) fn on_list_offsets(
        &mut self,
        ctx: &mut Ctx,
        from: NodeId,
        correlation_id: u64,
        tp: &TopicPartition,
        spec: OffsetSpec,
    ) {
        let (error, offset) = match self.partitions.get(tp) {
            Some(p) if p.is_leader() => match spec {
                OffsetSpec::Earliest => (None, p.log.log_start_offset()),
                // `Partition.fetchOffsetForTimestamp`: a new leader whose HW still lags the
                // start of its epoch cannot say where the end is yet (the consumer retries).
                OffsetSpec::Latest
                    if p.leader
                        .as_ref()
                        .is_some_and(|l| l.epoch_start_offset > p.log.high_watermark()) =>
                {
                    (Some(ErrorCode::OffsetNotAvailable), 0)
                }
                OffsetSpec::Latest => (None, p.log.high_watermark()),
            },
            _ => (Some(ErrorCode::NotLeaderOrFollower), 0),
        };
        ctx.send(
            from,
            Message::ListOffsetsResponse {
                correlation_id,
                tp: tp.clone(),
                error,
                offset,
            },
        );
    }

    /// `Partition.lastOffsetForLeaderEpoch` for a consumer (KIP-320): where `leader_epoch`
    /// ends in this leader's log, once the consumer's view of the leader epoch is checked.
    pub(super) fn on_offset_for_leader_epoch(
        &mut self,
        ctx: &mut Ctx,
        from: NodeId,
        correlation_id: u64,
        tp: &TopicPartition,
        current_leader_epoch: i32,
        leader_epoch: i32,
    ) {
        let answer = leader_log(self.partitions.get(tp), current_leader_epoch)
            .map(|p| p.log.end_offset_for_epoch(leader_epoch));
        let (error, leader_epoch, end_offset) = match answer {
            Ok(e) => (None, e.epoch, e.end_offset),
            Err(e) => (Some(e), -1, 0),
        };
        ctx.send(
            from,
            Message::OffsetForLeaderEpochResponse {
                correlation_id,
                tp: tp.clone(),
                error,
                leader_epoch,
                end_offset,
            },
        );
    }
}

/// `Partition.getLocalLog` for a request that needs the leader: the requester's view of the
/// leader epoch is checked first (`checkCurrentLeaderEpoch`: an older one is fenced, a newer
/// one not known here yet; -1, a client without one, is not checked), then leadership.
fn leader_log(p: Option<&Partition>, current_leader_epoch: i32) -> Result<&Partition, ErrorCode> {
    let p = p.ok_or(ErrorCode::NotLeaderOrFollower)?;
    if current_leader_epoch >= 0 {
        if current_leader_epoch < p.state.leader_epoch {
            return Err(ErrorCode::FencedLeaderEpoch);
        }
        if current_leader_epoch > p.state.leader_epoch {
            return Err(ErrorCode::UnknownLeaderEpoch);
        }
    }
    if p.is_leader() {
        Ok(p)
    } else {
        Err(ErrorCode::NotLeaderOrFollower)
    }
}
