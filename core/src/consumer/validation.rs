//! KIP-320 (`SubscriptionState.maybeValidatePositionForCurrentLeader`,
//! `OffsetFetcher.validatePositionsIfNeeded`, `maybeCompleteValidation`): when a partition's
//! leader epoch changes, a consumer whose position came from records it consumed asks the
//! new leader where the epoch of its last record ends. A position past that point was
//! truncated (an unclean election): the consumer seeks back to the first offset known to
//! diverge, instead of reading past the gap or resetting by `auto.offset.reset`.

use super::{Consumer, InFlight, PositionState};
use crate::config::Millis;
use crate::error::ErrorCode;
use crate::event::EventKind;
use crate::ids::TopicPartition;
use crate::kernel::Ctx;
use crate::message::Message;

impl Consumer {
    /// After new metadata: positions whose partition has a newer leader epoch than the one
    /// they were known good under wait for validation.
    pub(super) fn validate_positions_on_metadata(&mut self, now: Millis) {
        for tp in &self.assignment {
            if !self.positions.contains_key(tp) || self.position_states.get(tp).is_some() {
                continue;
            }
            let Some(&(_, known)) = self.position_epochs.get(tp) else {
                continue;
            };
            let current = self.metadata.leader_epoch(tp);
            if current > known {
                self.position_states.insert(
                    tp.clone(),
                    PositionState::NeedValidation { not_before: now },
                );
            }
        }
    }

    /// Sends OffsetsForLeaderEpoch for the positions waiting for validation.
    pub(super) fn drive_validations(&mut self, ctx: &mut Ctx) {
        let now = ctx.now();
        let due: Vec<(TopicPartition, Millis)> = self
            .position_states
            .iter()
            .filter_map(|(tp, s)| match s {
                PositionState::NeedValidation { not_before } => Some((tp.clone(), *not_before)),
                _ => None,
            })
            .collect();
        for (tp, not_before) in due {
            if now < not_before {
                self.wake(ctx, not_before);
                continue;
            }
            let (Some(leader), Some(&(offset_epoch, _))) =
                (self.metadata.leader(&tp), self.position_epochs.get(&tp))
            else {
                self.retry_position_later(ctx, tp, true);
                continue;
            };
            let current_leader_epoch = self.metadata.leader_epoch(&tp);
            self.position_states
                .insert(tp.clone(), PositionState::Validating);
            let target = tp.clone();
            self.send_request(
                ctx,
                InFlight::OffsetForLeaderEpoch { broker: leader, tp },
                self.config.request_timeout_ms,
                |correlation_id| Message::OffsetForLeaderEpoch {
                    correlation_id,
                    tp: target,
                    current_leader_epoch,
                    leader_epoch: offset_epoch,
                },
            );
        }
    }

    /// `SubscriptionState.maybeCompleteValidation`.
    pub(super) fn on_offset_for_leader_epoch_response(
        &mut self,
        ctx: &mut Ctx,
        correlation_id: u64,
        tp: &TopicPartition,
        error: Option<ErrorCode>,
        leader_epoch: i32,
        end_offset: u64,
    ) {
        if self
            .take_in_flight(correlation_id, |r| {
                matches!(r, InFlight::OffsetForLeaderEpoch { .. })
            })
            .is_none()
            || self.position_states.get(tp) != Some(&PositionState::Validating)
        {
            return;
        }
        let now = ctx.now();
        let current = self.metadata.leader_epoch(tp);
        let position = self.positions.get(tp).copied();
        match (error, position) {
            (Some(_), _) => self.retry_position_later(ctx, tp.clone(), true),
            // The leader's log knows no epoch at or below the record's: reset the offset.
            (None, _) if leader_epoch < 0 => {
                self.positions.remove(tp);
                self.position_epochs.remove(tp);
                self.position_states
                    .insert(tp.clone(), PositionState::NeedReset { not_before: now });
            }
            (None, Some(position)) if end_offset < position => {
                ctx.emit(EventKind::ConsumerTruncationDetected {
                    consumer: self.id,
                    tp: tp.clone(),
                    position,
                    diverging_offset: end_offset,
                });
                self.positions.insert(tp.clone(), end_offset);
                self.position_epochs
                    .insert(tp.clone(), (leader_epoch, current));
                self.position_states.remove(tp);
            }
            (None, _) => {
                if let Some(e) = self.position_epochs.get_mut(tp) {
                    e.1 = current;
                }
                self.position_states.remove(tp);
            }
        }
        self.drive(ctx);
    }
}
