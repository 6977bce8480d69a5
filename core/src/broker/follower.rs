//! Follower duties: one replica fetcher per leader broker pulls every partition this broker
//! follows from it (Kafka's `ReplicaFetcherThread`), truncates on a diverging epoch, appends,
//! and takes the leader's high watermark.

use super::Broker;
use crate::config::Millis;
use crate::error::ErrorCode;
use crate::event::{EventKind, LogStartReason};
use crate::ids::{BrokerId, NodeId, TopicPartition};
use crate::kernel::{Ctx, TimerId};
use crate::log::ReplicaLog;
use crate::message::{FetchPartition, FetchPartitionResponse, Message};
use crate::timer::{BrokerTimer, Timer};
use serde::{Deserialize, Serialize};

/// The fetch session with one leader broker.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Fetcher {
    /// The fetch in flight, with the leader epoch it asked each partition for.
    pub in_flight: Option<(u64, Vec<(TopicPartition, i32)>)>,
    /// After a fetch that failed as a whole (timed out): no fetch before this time.
    pub backing_off_until: Option<Millis>,
    /// The FetchTimeout of the fetch in flight, cancelled when it is answered.
    #[serde(skip)]
    pub timer: TimerId,
}

impl Broker {
    /// The partitions this broker should be fetching from `leader` at `now`.
    fn followed_from(&self, leader: BrokerId, now: Millis) -> Vec<FetchPartition> {
        self.partitions
            .iter()
            .filter(|(_, p)| {
                !p.is_leader()
                    && p.state.leader == leader
                    && !p.fetch_paused
                    && p.fetch_delayed_until.is_none_or(|t| t <= now)
            })
            .map(|(tp, p)| FetchPartition {
                tp: tp.clone(),
                fetch_offset: p.log.log_end_offset(),
                last_fetched_epoch: p.log.epoch_at_end(),
                current_leader_epoch: p.state.leader_epoch,
            })
            .collect()
    }

    /// Sends a fetch to `leader` unless one is in flight or the fetcher is backing off.
    pub(super) fn maybe_fetch(&mut self, ctx: &mut Ctx, leader: BrokerId) {
        if leader == self.id {
            return;
        }
        let f = self.fetchers.entry(leader).or_default();
        if f.in_flight.is_some() || f.backing_off_until.is_some_and(|t| t > ctx.now()) {
            return;
        }
        let partitions = self.followed_from(leader, ctx.now());
        if partitions.is_empty() {
            return;
        }
        let correlation_id = self.next_id();
        let asked = partitions
            .iter()
            .map(|fp| (fp.tp.clone(), fp.current_leader_epoch))
            .collect();
        self.fetchers
            .get_mut(&leader)
            .expect("just inserted")
            .in_flight = Some((correlation_id, asked));
        ctx.send(
            NodeId::Broker(leader),
            Message::Fetch {
                correlation_id,
                replica_id: Some(self.id),
                max_wait_ms: self.timeouts.replica_fetch_wait_max_ms,
                partitions,
            },
        );
        let timer = ctx.set_timer(
            self.timeouts.replica_fetch_wait_max_ms + self.timeouts.replica_socket_timeout_ms,
            Timer::Broker(BrokerTimer::FetchTimeout {
                leader,
                correlation_id,
            }),
        );
        self.fetchers
            .get_mut(&leader)
            .expect("inserted above")
            .timer = timer;
    }

    pub(super) fn on_fetch_response(
        &mut self,
        ctx: &mut Ctx,
        from: NodeId,
        correlation_id: u64,
        partitions: &[FetchPartitionResponse],
    ) {
        let NodeId::Broker(leader) = from else { return };
        let Some(f) = self.fetchers.get_mut(&leader) else {
            return;
        };
        let asked = match f.in_flight.take() {
            Some((id, asked)) if id == correlation_id => {
                // Ids are never reused: its timeout would find another fetch or none.
                ctx.cancel_timer(f.timer);
                asked
            }
            other => {
                f.in_flight = other; // a late answer to an abandoned fetch
                return;
            }
        };
        let mut delayed = Vec::new();
        for r in partitions {
            let Some(&(_, epoch)) = asked.iter().find(|(tp, _)| tp == &r.tp) else {
                continue;
            };
            if self.apply_fetched(ctx, leader, epoch, r) {
                delayed.push(r.tp.clone());
            }
        }
        if !delayed.is_empty() {
            // `handlePartitionsWithErrors`: only these partitions wait out the backoff.
            let until = self.arm_fetch_backoff(ctx, leader);
            for tp in &delayed {
                if let Some(p) = self.partitions.get_mut(tp) {
                    p.fetch_delayed_until = Some(until);
                }
            }
        }
        self.maybe_fetch(ctx, leader);
    }

    /// Applies one partition of a fetch response; returns true when the partition should
    /// back off.
    fn apply_fetched(
        &mut self,
        ctx: &mut Ctx,
        leader: BrokerId,
        epoch: i32,
        r: &FetchPartitionResponse,
    ) -> bool {
        let me = self.id;
        let Some(p) = self.partitions.get_mut(&r.tp) else {
            return false;
        };
        if p.is_leader() || p.state.leader != leader || p.state.leader_epoch != epoch {
            return false; // the role changed while the fetch was in flight
        }
        match r.error {
            Some(ErrorCode::FencedLeaderEpoch) => {
                p.fetch_paused = true;
                return false;
            }
            // `AbstractFetcherThread.handleOutOfRangeError`: the leader's log starts past this
            // replica's end (retention deleted what it missed), so it drops its log and starts
            // at the leader's log start (`truncateFullyAndStartAt`). Kafka first asks the
            // leader for its offsets with ListOffsets; the response's log start says the same.
            Some(ErrorCode::OffsetOutOfRange) if r.log_start_offset > p.log.log_end_offset() => {
                let deleted = p.log.truncate_fully_and_start_at(r.log_start_offset);
                ctx.emit(EventKind::LogStartOffsetAdvanced {
                    broker: me,
                    tp: r.tp.clone(),
                    log_start_offset: r.log_start_offset,
                    reason: LogStartReason::OutOfRange,
                    deleted,
                });
                return false;
            }
            // Past the leader's end: Kafka asks for the leader's end offset (ListOffsets) and
            // truncates to it; here to the HW the response carries, which is at most that,
            // so a few records may be fetched again.
            Some(ErrorCode::OffsetOutOfRange) => {
                let to = r.high_watermark;
                if to < p.log.log_start_offset() {
                    let deleted = p.log.truncate_fully_and_start_at(to);
                    ctx.emit(EventKind::LogStartOffsetAdvanced {
                        broker: me,
                        tp: r.tp.clone(),
                        log_start_offset: to,
                        reason: LogStartReason::PastLeaderEnd,
                        deleted,
                    });
                } else {
                    truncate_log(ctx, me, &r.tp, &mut p.log, to);
                }
                return false;
            }
            Some(_) => return true,
            None => {}
        }
        if let Some(div) = r.diverging_epoch {
            let (to, _complete) = p.log.truncation_point(div);
            truncate_log(ctx, me, &r.tp, &mut p.log, to);
            return false;
        }
        if !r.records.is_empty() {
            let base = p.log.log_end_offset();
            let n = p.log.append_as_follower(&r.records);
            if n > 0 {
                ctx.emit(EventKind::RecordsAppended {
                    broker: me,
                    tp: r.tp.clone(),
                    base_offset: base,
                    count: n as u64,
                    leader_epoch: r.records[n - 1].leader_epoch,
                });
            }
        }
        if p.log.update_high_watermark(r.high_watermark) {
            ctx.emit(EventKind::HighWatermarkAdvanced {
                broker: me,
                tp: r.tp.clone(),
                high_watermark: p.log.high_watermark(),
            });
        }
        // `ReplicaFetcherThread.processPartitionData`: then follow the leader's log start.
        if let Some((start, deleted)) = p.log.increment_log_start_offset(r.log_start_offset) {
            ctx.emit(EventKind::LogStartOffsetAdvanced {
                broker: me,
                tp: r.tp.clone(),
                log_start_offset: start,
                reason: LogStartReason::LeaderLogStart,
                deleted,
            });
        }
        false
    }

    fn back_off(&mut self, ctx: &mut Ctx, leader: BrokerId) {
        let until = self.arm_fetch_backoff(ctx, leader);
        if let Some(f) = self.fetchers.get_mut(&leader) {
            f.backing_off_until = Some(until);
        }
    }

    /// Wakes the fetcher for `leader` after `replica.fetch.backoff.ms`; returns that time.
    fn arm_fetch_backoff(&self, ctx: &mut Ctx, leader: BrokerId) -> Millis {
        let backoff = self.timeouts.replica_fetch_backoff_ms;
        ctx.set_timer(backoff, Timer::Broker(BrokerTimer::FetchBackoff { leader }));
        ctx.now() + backoff
    }

    pub(super) fn on_fetch_timeout(
        &mut self,
        ctx: &mut Ctx,
        leader: BrokerId,
        correlation_id: u64,
    ) {
        let Some(f) = self.fetchers.get_mut(&leader) else {
            return;
        };
        if !matches!(&f.in_flight, Some((id, _)) if *id == correlation_id) {
            return;
        }
        f.in_flight = None;
        ctx.emit(EventKind::RequestTimedOut {
            node: NodeId::Broker(self.id),
            to: NodeId::Broker(leader),
            api: "Fetch".into(),
        });
        self.back_off(ctx, leader);
    }
}

/// Cuts a follower's `log` back to `to`, and says what it lost.
fn truncate_log(
    ctx: &mut Ctx,
    broker: BrokerId,
    tp: &TopicPartition,
    log: &mut ReplicaLog,
    to: u64,
) {
    let lost = log.truncate_to(to);
    if !lost.is_empty() {
        ctx.emit(EventKind::RecordsTruncated {
            broker,
            tp: tp.clone(),
            to_offset: to,
            lost,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{BrokerTimeouts, CoordinatorMode, NetworkConfig, Profile};
    use crate::kernel::Kernel;
    use crate::message::{PartitionState, TopicConfig};
    use crate::network::Network;
    use rand::SeedableRng;
    use std::sync::Arc;

    /// The fetches the broker sent since the last call: correlation id and partitions.
    fn fetches(k: &mut Kernel) -> Vec<(u64, Vec<TopicPartition>)> {
        k.drain_events()
            .into_iter()
            .filter_map(|e| match e.kind {
                EventKind::MessageSent { message, .. } => match &*message {
                    Message::Fetch {
                        correlation_id,
                        partitions,
                        ..
                    } => Some((
                        *correlation_id,
                        partitions.iter().map(|p| p.tp.clone()).collect(),
                    )),
                    _ => None,
                },
                _ => None,
            })
            .collect()
    }

    fn answer(tp: &TopicPartition, error: Option<ErrorCode>) -> FetchPartitionResponse {
        FetchPartitionResponse {
            tp: tp.clone(),
            error,
            high_watermark: 0,
            log_start_offset: 0,
            diverging_epoch: None,
            records: Vec::new(),
        }
    }

    /// `AbstractFetcherThread.handlePartitionsWithErrors`: the partition the leader answered
    /// with an error waits out `replica.fetch.backoff.ms`; the other one is fetched again at
    /// once (the whole fetcher used to back off).
    #[test]
    fn a_partition_error_delays_only_that_partition() {
        let mut k = Kernel::new(
            rand_pcg::Pcg64Mcg::seed_from_u64(1),
            Network::new(NetworkConfig {
                latency_ms: 1,
                jitter_ms: 0,
                loss: 0.0,
            }),
        );
        let timeouts = BrokerTimeouts::for_profile(Profile::Teaching);
        let backoff = timeouts.replica_fetch_backoff_ms;
        let mut b = Broker::new(
            1,
            None,
            CoordinatorMode::Builtin,
            NodeId::Controller(0),
            timeouts,
        );
        let (t0, t1) = (TopicPartition::new("t", 0), TopicPartition::new("t", 1));
        let state = |tp: &TopicPartition| PartitionState {
            tp: tp.clone(),
            leader: 2,
            leader_epoch: 1,
            partition_epoch: 1,
            isr: vec![2, 1],
            replicas: vec![2, 1],
            config: Arc::new(TopicConfig::default()),
        };
        b.on_leader_and_isr(
            &mut Ctx::new(NodeId::Broker(1), &mut k),
            &[state(&t0), state(&t1)],
        );
        // The first fetch went out with t-0 alone (t-1 was added while it was in flight);
        // once it is answered, the next one asks for both.
        let sent = fetches(&mut k);
        assert_eq!(sent.len(), 1, "{sent:?}");
        b.on_fetch_response(
            &mut Ctx::new(NodeId::Broker(1), &mut k),
            NodeId::Broker(2),
            sent[0].0,
            &[answer(&t0, None)],
        );
        let sent = fetches(&mut k);
        assert_eq!(sent.len(), 1, "{sent:?}");
        let (id, asked) = &sent[0];
        assert_eq!(asked, &vec![t0.clone(), t1.clone()]);
        let ctx = &mut Ctx::new(NodeId::Broker(1), &mut k);
        b.on_fetch_response(
            ctx,
            NodeId::Broker(2),
            *id,
            &[
                answer(&t0, None),
                answer(&t1, Some(ErrorCode::NotLeaderOrFollower)),
            ],
        );
        let now = ctx.now();
        assert_eq!(b.partitions[&t1].fetch_delayed_until, Some(now + backoff));
        assert_eq!(b.partitions[&t0].fetch_delayed_until, None);
        let again = fetches(&mut k);
        assert_eq!(again.len(), 1, "fetched again at once: {again:?}");
        assert_eq!(again[0].1, vec![t0.clone()]);
        // Once the backoff has passed, t-1 is fetched again.
        let followed: Vec<TopicPartition> = b
            .followed_from(2, now + backoff)
            .into_iter()
            .map(|fp| fp.tp)
            .collect();
        assert_eq!(followed, vec![t0, t1]);
    }
}
