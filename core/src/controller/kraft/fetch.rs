//! Pull-based replication of `__cluster_metadata` (KIP-595): the leader answers Fetch with
//! the entries after the fetch offset, or with a diverging epoch when the fetcher's log went
//! another way, holds fetches that have nothing new (long poll), and moves the high watermark
//! when a majority of voters has fetched past an offset of its own epoch. Followers append,
//! truncate on a diverging epoch, learn the HW, and fetch again at once.

use super::log::LogEntry;
use super::messages::{KraftEvent, KraftMessage, KraftTimer};
use super::raft::{FETCH_MAX_WAIT_MS, ParkedFetch, RETRY_BACKOFF_MS, Role, Voter, kraft, timer};
use crate::collections::{LiteMapExt, sort_by};
use crate::error::ErrorCode;
use crate::ids::NodeId;
use crate::kernel::Ctx;
use crate::log::EpochEndOffset;
use crate::message::Message;

impl Voter {
    // --- Fetch, at the leader ---

    #[allow(clippy::too_many_arguments)]
    pub fn on_fetch(
        &mut self,
        ctx: &mut Ctx,
        from: NodeId,
        replica: i32,
        observer: bool,
        epoch: i32,
        (fetch_offset, correlation): (u64, u64),
        last_fetched_epoch: i32,
        known_hw: u64,
    ) {
        // As Kafka: an older epoch is fenced, a newer one is unknown here (no transition).
        let error = if epoch < self.epoch && !observer {
            Some(ErrorCode::FencedLeaderEpoch)
        } else if epoch > self.epoch || !self.is_leader() {
            Some(ErrorCode::NotLeaderOrFollower)
        } else {
            None
        };
        if let Some(e) = error {
            self.respond_fetch(ctx, (from, correlation), Some(e), None, 0);
            return;
        }
        if let Some(d) = self.log.diverging(fetch_offset, last_fetched_epoch) {
            self.respond_fetch(ctx, (from, correlation), None, Some(d), 0);
            return;
        }
        let now = ctx.now();
        let is_voter = !observer && self.voters.contains(&replica) && replica != self.id;
        if let Role::Leader(ls) = &mut self.role
            && is_voter
        {
            ls.voter_offsets.insert(replica, fetch_offset);
            ls.last_fetch.insert(replica, now);
        }
        let hw_moved = self.maybe_advance_high_watermark(ctx);
        let has_data = fetch_offset < self.log.end_offset();
        if has_data || hw_moved || known_hw < self.high_watermark {
            self.respond_fetch(ctx, (from, correlation), None, None, fetch_offset);
            return;
        }
        // Nothing new: hold the fetch (long poll) until data, a HW change or the max wait.
        if let Role::Leader(ls) = &mut self.role {
            ls.next_park_id += 1;
            let id = ls.next_park_id;
            ls.parked.insert(
                id,
                ParkedFetch {
                    from,
                    fetch_offset,
                    correlation,
                },
            );
            ctx.set_timer(
                FETCH_MAX_WAIT_MS,
                timer(KraftTimer::FetchWaitExpired { id }),
            );
        }
    }

    fn respond_fetch(
        &self,
        ctx: &mut Ctx,
        (to, correlation): (NodeId, u64),
        error: Option<ErrorCode>,
        diverging: Option<EpochEndOffset>,
        fetch_offset: u64,
    ) {
        let entries = if error.is_none() && diverging.is_none() {
            self.log.entries_from(fetch_offset)
        } else {
            Vec::new()
        };
        ctx.send(
            to,
            Message::Kraft(KraftMessage::FetchMetadataResponse {
                epoch: self.epoch,
                leader: self.known_leader(),
                error,
                diverging,
                entries,
                high_watermark: self.high_watermark,
                correlation,
            }),
        );
    }

    pub fn on_fetch_wait_expired(&mut self, ctx: &mut Ctx, id: u64) {
        let Role::Leader(ls) = &mut self.role else {
            return;
        };
        if let Some(p) = ls.parked.remove(&id) {
            self.respond_fetch(ctx, (p.from, p.correlation), None, None, p.fetch_offset);
        }
    }

    /// New data or a new HW: answer every held fetch now.
    pub fn complete_parked(&mut self, ctx: &mut Ctx) {
        let Role::Leader(ls) = &mut self.role else {
            return;
        };
        let parked = std::mem::take(&mut ls.parked);
        for p in parked.into_values() {
            self.respond_fetch(ctx, (p.from, p.correlation), None, None, p.fetch_offset);
        }
    }

    pub(super) fn complete_parked_with_error(&mut self, _ctx: &mut Ctx) {
        // A resigned leader drops held fetches; fetchers time out and look for the new leader.
        if let Role::Leader(ls) = &mut self.role {
            ls.parked.clear();
        }
    }

    /// The leader's HW: the largest offset a majority of voters has, once a record of the
    /// leader's own epoch is in it. Returns whether it moved.
    pub fn maybe_advance_high_watermark(&mut self, ctx: &mut Ctx) -> bool {
        let Role::Leader(ls) = &self.role else {
            return false;
        };
        let mut offsets: Vec<u64> = ls.voter_offsets.values().copied().collect();
        offsets.push(self.log.end_offset());
        sort_by(&mut offsets, |a, b| b.cmp(a));
        let majority_offset = offsets[self.majority() - 1];
        if majority_offset <= ls.epoch_start_offset || majority_offset <= self.high_watermark {
            return false;
        }
        self.high_watermark = majority_offset;
        ctx.emit(kraft(KraftEvent::Committed {
            voter: self.id,
            epoch: self.epoch,
            high_watermark: majority_offset,
        }));
        self.complete_parked(ctx);
        true
    }

    // --- Fetch, at a follower ---

    pub fn send_fetch(&mut self, ctx: &mut Ctx) {
        let Some(leader) = self.leader else {
            return;
        };
        if leader == self.id {
            return;
        }
        self.fetch_seq += 1;
        self.fetch_pending = Some(self.fetch_seq);
        ctx.send(
            NodeId::Controller(leader),
            Message::Kraft(KraftMessage::FetchMetadata {
                replica: self.id,
                observer: false,
                epoch: self.epoch,
                fetch_offset: self.log.end_offset(),
                last_fetched_epoch: self.log.last_epoch(),
                max_wait_ms: FETCH_MAX_WAIT_MS,
                high_watermark: self.high_watermark,
                correlation: self.fetch_seq,
            }),
        );
        ctx.set_timer(
            self.timeouts.request_ms,
            timer(KraftTimer::RetryFetch {
                seq: self.fetch_seq,
            }),
        );
    }

    pub fn on_retry_fetch(&mut self, ctx: &mut Ctx, seq: u64) {
        if self.fetch_pending == Some(seq) && matches!(self.role, Role::Follower) {
            self.send_fetch(ctx);
        }
    }

    #[allow(clippy::too_many_arguments)]
    pub fn on_fetch_response(
        &mut self,
        ctx: &mut Ctx,
        correlation: u64,
        epoch: i32,
        leader: Option<i32>,
        error: Option<ErrorCode>,
        diverging: Option<EpochEndOffset>,
        entries: &[LogEntry],
        high_watermark: u64,
    ) {
        if epoch > self.epoch {
            match leader {
                Some(l) if l != self.id => self.become_follower(ctx, epoch, l),
                _ => self.become_unattached(ctx, epoch),
            }
            return;
        }
        if epoch < self.epoch || !matches!(self.role, Role::Follower) {
            return;
        }
        // The answer to a fetch this voter has since retried (its request timeout passed): as
        // Kafka's client, which drops the response of a timed-out request. Acting on it would
        // start a second fetch loop beside the retry's, one more per timeout.
        if self.fetch_pending != Some(correlation) {
            return;
        }
        if error.is_some() {
            // Keep the pending fetch; retry after a backoff.
            if let Some(seq) = self.fetch_pending {
                ctx.set_timer(RETRY_BACKOFF_MS, timer(KraftTimer::RetryFetch { seq }));
            }
            return;
        }
        self.fetch_pending = None;
        if let Some(d) = diverging {
            let to = self.log.truncation_offset(d);
            self.log.truncate_to(to);
            ctx.emit(kraft(KraftEvent::LogTruncated {
                node: self.node(),
                to_offset: to,
                diverging_epoch: d.epoch,
            }));
        } else if self.log.append_replicated(entries) {
            // Only a response that continues this log may move the HW (a stale one may not).
            let hw = high_watermark.min(self.log.end_offset());
            if hw > self.high_watermark {
                self.high_watermark = hw;
            }
        }
        self.arm_election_timer(ctx, self.timeouts.fetch_ms);
        self.send_fetch(ctx);
    }
}
