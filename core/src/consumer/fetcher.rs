//! Positions and fetching (`Fetcher`, `OffsetFetcher`, `SubscriptionState`): a newly assigned
//! partition starts at the group's committed offset, else at the earliest or latest offset
//! (`auto.offset.reset`); then one Fetch at a time goes to each leader broker, waiting up to
//! `fetch.max.wait.ms` for records below the high watermark.

use super::{Consumer, InFlight, PositionState};
use crate::collections::LiteMap;
use crate::config::OffsetReset;
use crate::error::ErrorCode;
use crate::event::EventKind;
use crate::ids::{BrokerId, TopicPartition};
use crate::kernel::Ctx;
use crate::message::{FetchPartition, FetchPartitionResponse, Message, OffsetSpec};
use crate::timer::{ConsumerTimer, Timer};

impl Consumer {
    /// Asks for the starting positions of partitions that have none.
    pub(super) fn drive_positions(&mut self, ctx: &mut Ctx) {
        let now = ctx.now();
        if let Some(coordinator) = self.coordinator {
            let need: Vec<TopicPartition> = self
                .position_states
                .iter()
                .filter(|(_, s)| **s == PositionState::NeedCommitted)
                .map(|(tp, _)| tp.clone())
                .collect();
            let idle = !self.has_in_flight(|r| matches!(r, InFlight::OffsetFetch { .. }));
            if !need.is_empty() && idle {
                if now < self.offset_fetch_backoff_until {
                    self.wake(ctx, self.offset_fetch_backoff_until);
                } else {
                    for tp in &need {
                        self.position_states
                            .insert(tp.clone(), PositionState::FetchingCommitted);
                    }
                    let group_id = self.group.clone();
                    self.send_request(
                        ctx,
                        InFlight::OffsetFetch {
                            broker: coordinator,
                        },
                        self.config.request_timeout_ms,
                        |correlation_id| Message::OffsetFetch {
                            correlation_id,
                            group_id,
                            partitions: need,
                        },
                    );
                }
            }
        }
        let resets: Vec<(TopicPartition, u64)> = self
            .position_states
            .iter()
            .filter_map(|(tp, s)| match s {
                PositionState::NeedReset { not_before } => Some((tp.clone(), *not_before)),
                _ => None,
            })
            .collect();
        let spec = match self.config.auto_offset_reset {
            OffsetReset::Earliest => OffsetSpec::Earliest,
            OffsetReset::Latest => OffsetSpec::Latest,
        };
        for (tp, not_before) in resets {
            if now < not_before {
                self.wake(ctx, not_before);
                continue;
            }
            let Some(leader) = self.metadata.leader(&tp) else {
                self.retry_position_later(ctx, tp, false);
                continue;
            };
            self.position_states
                .insert(tp.clone(), PositionState::Resetting);
            let target = tp.clone();
            self.send_request(
                ctx,
                InFlight::ListOffsets { broker: leader, tp },
                self.config.request_timeout_ms,
                |correlation_id| Message::ListOffsets {
                    correlation_id,
                    tp: target,
                    spec,
                },
            );
        }
    }

    pub(super) fn on_offset_fetch_response(
        &mut self,
        ctx: &mut Ctx,
        correlation_id: u64,
        error: Option<ErrorCode>,
        offsets: &[(TopicPartition, Option<u64>)],
        leader_epochs: &[(TopicPartition, i32)],
    ) {
        let Some(req) = self.take_in_flight(correlation_id, |r| {
            matches!(r, InFlight::OffsetFetch { .. })
        }) else {
            return;
        };
        let now = ctx.now();
        if let Some(e) = error {
            self.on_coordinator_request_failed(ctx, &req);
            if matches!(
                e,
                ErrorCode::NotCoordinator | ErrorCode::CoordinatorNotAvailable
            ) {
                self.mark_coordinator_unknown(ctx);
            } else {
                self.offset_fetch_backoff_until = now + self.backoff();
            }
        } else {
            for (tp, committed) in offsets {
                if self.position_states.get(tp) != Some(&PositionState::FetchingCommitted) {
                    continue;
                }
                match committed {
                    Some(offset) => {
                        self.positions.insert(tp.clone(), *offset);
                        self.committed.insert(tp.clone(), *offset);
                        // `SubscriptionState.seekUnvalidated`: a committed offset with a
                        // leader epoch is checked against the current leader before the
                        // first fetch (it may have been truncated since); without one it
                        // is taken as it is.
                        match leader_epochs.iter().find(|(t, _)| t == tp) {
                            Some(&(_, epoch)) => {
                                let current = self.metadata.leader_epoch(tp);
                                self.position_epochs.insert(tp.clone(), (epoch, current));
                                self.position_states.insert(
                                    tp.clone(),
                                    PositionState::NeedValidation { not_before: now },
                                );
                            }
                            None => {
                                self.position_states.remove(tp);
                                self.position_epochs.remove(tp);
                            }
                        }
                    }
                    None => {
                        self.position_states
                            .insert(tp.clone(), PositionState::NeedReset { not_before: now });
                    }
                }
            }
        }
        self.drive(ctx);
    }

    pub(super) fn on_list_offsets_response(
        &mut self,
        ctx: &mut Ctx,
        correlation_id: u64,
        tp: &TopicPartition,
        error: Option<ErrorCode>,
        offset: u64,
    ) {
        if self
            .take_in_flight(correlation_id, |r| {
                matches!(r, InFlight::ListOffsets { .. })
            })
            .is_none()
        {
            return;
        }
        if self.position_states.get(tp) != Some(&PositionState::Resetting) {
            return;
        }
        if error.is_some() {
            self.retry_position_later(ctx, tp.clone(), false);
        } else {
            self.position_states.remove(tp);
            self.position_epochs.remove(tp);
            self.positions.insert(tp.clone(), offset);
        }
        self.drive(ctx);
    }

    /// One Fetch per leader broker with the owned partitions that have a position.
    pub(super) fn drive_fetches(&mut self, ctx: &mut Ctx) {
        if self.fetch_paused {
            return;
        }
        let now = ctx.now();
        let mut per_broker: LiteMap<BrokerId, Vec<(TopicPartition, u64)>> = LiteMap::new_vec();
        let mut leaderless = false;
        for tp in &self.assignment {
            let Some(&pos) = self.positions.get(tp) else {
                continue;
            };
            if self.position_states.get(tp).is_some() {
                continue; // being validated (KIP-320)
            }
            match self.metadata.leader(tp) {
                Some(b) => per_broker.entry(b).or_default().push((tp.clone(), pos)),
                None => leaderless = true,
            }
        }
        for (broker, offsets) in per_broker {
            if self.fetch_backoff.get(&broker).is_some_and(|&t| t > now)
                || self.has_in_flight(
                    |r| matches!(r, InFlight::Fetch { broker: b, .. } if *b == broker),
                )
            {
                continue;
            }
            let partitions = offsets
                .iter()
                .map(|(tp, pos)| FetchPartition {
                    tp: tp.clone(),
                    fetch_offset: *pos,
                    last_fetched_epoch: -1,
                    current_leader_epoch: self.metadata.leader_epoch(tp),
                })
                .collect();
            let max_wait_ms = self.config.fetch_max_wait_ms;
            self.send_request(
                ctx,
                InFlight::Fetch { broker, offsets },
                self.config.request_timeout_ms + max_wait_ms,
                |correlation_id| Message::Fetch {
                    correlation_id,
                    replica_id: None,
                    max_wait_ms,
                    partitions,
                },
            );
        }
        if leaderless {
            self.request_metadata_soon(ctx);
        }
    }

    /// Hands fetched records to the application (in offset order, from the position on, at
    /// most `max.poll.records` per partition) and advances positions.
    pub(super) fn on_fetch_response(
        &mut self,
        ctx: &mut Ctx,
        correlation_id: u64,
        partitions: &[FetchPartitionResponse],
    ) {
        let Some(InFlight::Fetch { broker, offsets }) =
            self.take_in_flight(correlation_id, |r| matches!(r, InFlight::Fetch { .. }))
        else {
            return;
        };
        let now = ctx.now();
        let mut failed = false;
        for pr in partitions {
            let Some(&(_, sent)) = offsets.iter().find(|(tp, _)| *tp == pr.tp) else {
                continue;
            };
            if self.fetch_paused
                || !self.assignment.contains(&pr.tp)
                || self.positions.get(&pr.tp) != Some(&sent)
            {
                continue; // revoked, paused or moved meanwhile: drop the data
            }
            match pr.error {
                Some(ErrorCode::OffsetOutOfRange) => {
                    // The offset is outside the log (e.g. deleted by retention): reset it
                    // per auto.offset.reset.
                    self.positions.remove(&pr.tp);
                    self.position_epochs.remove(&pr.tp);
                    self.position_states
                        .insert(pr.tp.clone(), PositionState::NeedReset { not_before: now });
                }
                Some(_) => failed = true,
                None => {
                    let handed: Vec<&crate::log::Record> = pr
                        .records
                        .iter()
                        .filter(|r| r.offset >= sent)
                        .take(self.config.max_poll_records.max(1) as usize)
                        .collect();
                    let records: Vec<(u64, u64)> =
                        handed.iter().map(|r| (r.offset, r.id)).collect();
                    if let Some(last) = handed.last() {
                        let leader_epoch = self.metadata.leader_epoch(&pr.tp);
                        self.position_epochs
                            .insert(pr.tp.clone(), (last.leader_epoch, leader_epoch));
                        self.positions.insert(pr.tp.clone(), last.offset + 1);
                        self.records_consumed += records.len() as u64;
                        ctx.emit(EventKind::RecordsConsumed {
                            consumer: self.id,
                            tp: pr.tp.clone(),
                            records,
                        });
                    }
                }
            }
        }
        if failed {
            self.back_off_fetches(ctx, broker);
        }
        self.drive(ctx);
    }

    /// A fetch from `broker` failed: wait `retry.backoff.ms` and refresh metadata (the
    /// leader may have moved).
    pub(super) fn back_off_fetches(&mut self, ctx: &mut Ctx, broker: BrokerId) {
        let backoff = self.backoff();
        self.fetch_backoff.insert(broker, ctx.now() + backoff);
        ctx.set_timer(
            backoff,
            Timer::Consumer(ConsumerTimer::FetchBackoff(broker)),
        );
        self.request_metadata_soon(ctx);
    }
}
