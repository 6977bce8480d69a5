//! A replica's log: records with offsets and leader epochs, the log end offset (LEO), the
//! high watermark (HW), the leader-epoch cache, and the epoch-based truncation rules of
//! KIP-101/KIP-279 (the leader answers a fetch with a diverging epoch, the follower cuts).

use crate::config::Millis;
use crate::segments::Segmented;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// Records per log segment. A clone (a timeline checkpoint) shares closed segments and copies
/// the active one, so a small segment keeps checkpoints cheap; 16 records of 64 bytes is 1 KB.
pub const RECORDS_PER_SEGMENT: usize = 16;

/// The simulator's identity for a produced record (Kafka has none; the checker needs one to
/// tell "the same record" from "another record at the same offset").
pub type RecordId = u64;

/// One record in a partition's log.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    pub offset: u64,
    pub leader_epoch: i32,
    pub timestamp: Millis,
    pub key: Option<Arc<str>>,
    pub value: Arc<str>,
    pub id: RecordId,
}

impl Record {
    /// Approximate serialized size, for `batch.size` accounting.
    pub fn size_bytes(&self) -> u32 {
        record_size_bytes(self.key.as_deref(), &self.value)
    }
}

/// A record's approximate size in a batch: its key, its value and a fixed overhead (Kafka's
/// `DefaultRecord.sizeInBytes` counts both, plus varint lengths and headers). The producer's
/// accumulator, its sticky partitioner and the log all count bytes this one way.
pub fn record_size_bytes(key: Option<&str>, value: &str) -> u32 {
    (key.map_or(0, str::len) + value.len() + 16) as u32
}

/// One entry of the leader-epoch cache (`leader-epoch-checkpoint`): the epoch and the first
/// offset written in it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EpochEntry {
    pub epoch: i32,
    pub start_offset: u64,
}

/// Answer to "where does epoch E end in your log?" (`OffsetsForLeaderEpoch`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EpochEndOffset {
    /// The largest epoch <= the one asked for, or -1 when the log knows none.
    pub epoch: i32,
    /// The first offset after that epoch (the next epoch's start, or the LEO).
    pub end_offset: u64,
}

/// What a leader tells a follower whose log diverged (FetchResponse `DivergingEpoch`).
pub type DivergingEpoch = EpochEndOffset;

/// A replica's log.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct ReplicaLog {
    records: Segmented<Record, RECORDS_PER_SEGMENT>,
    log_start_offset: u64,
    high_watermark: u64,
    epochs: Vec<EpochEntry>,
}

impl ReplicaLog {
    pub fn new() -> Self {
        Self::default()
    }

    /// Offset of the next record to append.
    pub fn log_end_offset(&self) -> u64 {
        self.log_start_offset + self.records.len() as u64
    }

    pub fn log_start_offset(&self) -> u64 {
        self.log_start_offset
    }

    pub fn high_watermark(&self) -> u64 {
        self.high_watermark
    }

    pub fn epochs(&self) -> &[EpochEntry] {
        &self.epochs
    }

    /// The latest leader epoch this log has records or an epoch entry for.
    pub fn latest_epoch(&self) -> Option<i32> {
        self.epochs.last().map(|e| e.epoch)
    }

    /// The record at `offset`, if the log still holds it.
    pub fn get(&self, offset: u64) -> Option<&Record> {
        let idx = offset.checked_sub(self.log_start_offset)?;
        self.records.get(idx as usize)
    }

    pub fn records(&self) -> impl Iterator<Item = &Record> {
        self.records.iter()
    }

    pub fn len(&self) -> usize {
        self.records.len()
    }

    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    /// What a checkpoint of this log costs: pointers to shared segments and groups of them,
    /// and records in the active segment (copied by a clone).
    pub fn segments(&self) -> (usize, usize) {
        self.records.clone_cost()
    }

    /// Records from `from` on, at most `max` of them.
    pub fn read(&self, from: u64, max: usize) -> Vec<Record> {
        let start = from.saturating_sub(self.log_start_offset) as usize;
        self.records.read(start, max)
    }

    /// A new leader starts epoch `epoch` at its LEO (`LeaderEpochFileCache.assign`).
    pub fn assign_epoch(&mut self, epoch: i32) {
        self.assign_epoch_at(epoch, self.log_end_offset());
    }

    /// `LeaderEpochFileCache.assign`: a new (epoch, start) entry replaces every entry with an
    /// epoch >= it or a start offset >= its start, so the cache stays monotonic in both.
    fn assign_epoch_at(&mut self, epoch: i32, start_offset: u64) {
        let needed = self
            .epochs
            .last()
            .is_none_or(|last| last.epoch != epoch || start_offset < last.start_offset);
        if !needed {
            return;
        }
        self.epochs
            .retain(|e| e.epoch < epoch && e.start_offset < start_offset);
        self.epochs.push(EpochEntry {
            epoch,
            start_offset,
        });
    }

    /// The leader appends a record at its LEO; returns the offset given to it.
    pub fn append_as_leader(
        &mut self,
        leader_epoch: i32,
        timestamp: Millis,
        key: Option<Arc<str>>,
        value: Arc<str>,
        id: RecordId,
    ) -> u64 {
        let offset = self.log_end_offset();
        self.assign_epoch_at(leader_epoch, offset);
        self.records.push(Record {
            offset,
            leader_epoch,
            timestamp,
            key,
            value,
            id,
        });
        offset
    }

    /// A follower appends records fetched from the leader; they must start at its LEO.
    /// Returns how many were appended.
    pub fn append_as_follower(&mut self, records: &[Record]) -> usize {
        let mut appended = 0;
        for r in records {
            if r.offset != self.log_end_offset() {
                // A fetch response for an offset the follower no longer expects: ignore the rest.
                break;
            }
            self.assign_epoch_at(r.leader_epoch, r.offset);
            self.records.push(r.clone());
            appended += 1;
        }
        appended
    }

    /// Removes every record at or above `offset` and returns them (the lost suffix).
    /// The HW and the epoch cache are cut back with it.
    pub fn truncate_to(&mut self, offset: u64) -> Vec<Record> {
        let offset = offset.max(self.log_start_offset);
        if offset >= self.log_end_offset() {
            // Nothing to remove, but an epoch this replica started as leader without writing
            // in it must go (as `UnifiedLog.truncateTo` does), or the follower would keep
            // claiming it and diverge forever.
            let leo = self.log_end_offset();
            self.epochs.retain(|e| e.start_offset < leo);
            return Vec::new();
        }
        let keep = (offset - self.log_start_offset) as usize;
        let removed: Vec<Record> = self.records.iter_from(keep).cloned().collect();
        self.records.truncate(keep);
        self.high_watermark = self.high_watermark.min(offset);
        self.epochs.retain(|e| e.start_offset < offset);
        removed
    }

    /// `UnifiedLog.updateHighWatermark` on a follower: the HW its leader sent, bounded by
    /// this log's start and end. It may go back: a new leader's HW can lag the old one's
    /// until its followers fetch again. Returns whether it moved.
    pub fn update_high_watermark(&mut self, hw: u64) -> bool {
        let hw = hw.min(self.log_end_offset()).max(self.log_start_offset);
        let moved = hw != self.high_watermark;
        self.high_watermark = hw;
        moved
    }

    /// A leader's HW moves to `hw` (capped at the LEO). It never moves backwards here; only
    /// truncation lowers it.
    pub fn advance_high_watermark(&mut self, hw: u64) -> bool {
        let hw = hw.min(self.log_end_offset());
        if hw > self.high_watermark {
            self.high_watermark = hw;
            true
        } else {
            false
        }
    }

    /// Sets the HW after a restart from its checkpoint (capped at the LEO).
    pub fn restore_high_watermark(&mut self, hw: u64) {
        self.high_watermark = hw.min(self.log_end_offset()).max(self.log_start_offset);
    }

    /// Retention: drops records older than `cutoff` (by timestamp), never at or above the HW.
    /// Returns the new log start offset and the records dropped, when it moved.
    pub fn delete_records_older_than(&mut self, cutoff: Millis) -> Option<(u64, Vec<RecordId>)> {
        let mut dropped = Vec::new();
        while let Some(first) = self.records.first() {
            if first.timestamp >= cutoff || first.offset >= self.high_watermark {
                break;
            }
            dropped.push(first.id);
            self.records.pop_front();
            self.log_start_offset += 1;
        }
        (!dropped.is_empty()).then_some((self.log_start_offset, dropped))
    }

    /// A follower follows its leader's log start offset (`UnifiedLog.maybeIncrementLogStartOffset`
    /// with reason `LeaderOffsetIncremented`), never past its own HW. Returns the new log
    /// start offset and the records dropped, when it moved.
    pub fn increment_log_start_offset(&mut self, offset: u64) -> Option<(u64, Vec<RecordId>)> {
        let target = offset.min(self.high_watermark);
        let mut dropped = Vec::new();
        while self.log_start_offset < target
            && let Some(first) = self.records.first()
        {
            dropped.push(first.id);
            self.records.pop_front();
            self.log_start_offset += 1;
        }
        (!dropped.is_empty()).then_some((self.log_start_offset, dropped))
    }

    /// `UnifiedLog.truncateFullyAndStartAt`: a follower whose log ends below its leader's log
    /// start drops everything and starts empty at `offset` (its LEO and HW), with an empty
    /// epoch cache. Returns the records it dropped.
    pub fn truncate_fully_and_start_at(&mut self, offset: u64) -> Vec<RecordId> {
        let dropped = self.records.iter().map(|r| r.id).collect();
        self.records.truncate(0);
        self.log_start_offset = offset;
        self.high_watermark = offset;
        self.epochs.clear();
        dropped
    }

    /// `LeaderEpochFileCache.endOffsetFor`: the largest epoch <= `epoch` and where it ends.
    /// An epoch older than every known one ends where the first known one starts; an epoch
    /// newer than every known one (other than the latest) is undefined (epoch -1).
    pub fn end_offset_for_epoch(&self, epoch: i32) -> EpochEndOffset {
        let leo = self.log_end_offset();
        let undefined = EpochEndOffset {
            epoch: -1,
            end_offset: leo,
        };
        if epoch < 0 {
            return undefined;
        }
        if self.epochs.last().is_some_and(|last| last.epoch == epoch) {
            return EpochEndOffset {
                epoch,
                end_offset: leo,
            };
        }
        // First entry whose epoch is above the requested one: its start ends the span.
        let idx = self.epochs.partition_point(|e| e.epoch <= epoch);
        let Some(higher) = self.epochs.get(idx) else {
            return undefined;
        };
        let floor_epoch = if idx == 0 {
            epoch
        } else {
            self.epochs[idx - 1].epoch
        };
        EpochEndOffset {
            epoch: floor_epoch,
            end_offset: higher.start_offset,
        }
    }

    /// Leader side of a fetch (`Partition.fetchRecords`): does the follower's log, which ends
    /// at `fetch_offset` with `last_fetched_epoch`, diverge from ours?
    pub fn diverging_epoch(
        &self,
        fetch_offset: u64,
        last_fetched_epoch: i32,
    ) -> Option<DivergingEpoch> {
        if last_fetched_epoch < 0 {
            return None;
        }
        let ours = self.end_offset_for_epoch(last_fetched_epoch);
        if ours.epoch < last_fetched_epoch || ours.end_offset < fetch_offset {
            Some(ours)
        } else {
            None
        }
    }

    /// Where this replica's log stops agreeing with `leader`'s: the offset its next fetches
    /// from that leader would truncate it to (KIP-101/279, as [`Self::diverging_epoch`] and
    /// [`Self::truncation_point`] play it out), or None when it holds nothing the leader does
    /// not. What an unclean election will cost an old leader, before it fetches.
    pub fn divergence_from(&self, leader: &ReplicaLog) -> Option<u64> {
        // The common case, a follower in step or behind: no copy.
        leader.diverging_epoch(self.log_end_offset(), self.epoch_at_end())?;
        let mut log = self.clone();
        let mut cut = None;
        // Each round trip moves at least one epoch back; a few suffice in practice.
        for _ in 0..16 {
            let Some(d) = leader.diverging_epoch(log.log_end_offset(), log.epoch_at_end()) else {
                break;
            };
            let (to, done) = log.truncation_point(d);
            if to >= log.log_end_offset() {
                break;
            }
            cut = Some(to);
            log.truncate_to(to);
            if done {
                break;
            }
        }
        cut
    }

    /// Follower side: where to truncate to, given the leader's diverging epoch
    /// (`AbstractFetcherThread.getOffsetTruncationState`). Returns the offset and whether
    /// truncation is complete (false: fetch again to find the exact point).
    pub fn truncation_point(&self, leader: DivergingEpoch) -> (u64, bool) {
        let leo = self.log_end_offset();
        if leader.epoch < 0 {
            // The leader has no epoch at or below ours: fall back to our HW.
            return (self.high_watermark.min(leo), true);
        }
        let ours = self.end_offset_for_epoch(leader.epoch);
        if ours.epoch < 0 {
            (leader.end_offset.min(leo), true)
        } else if ours.epoch != leader.epoch {
            (ours.end_offset.min(leo), false)
        } else {
            (leader.end_offset.min(ours.end_offset).min(leo), true)
        }
    }

    /// What a follower reports as `lastFetchedEpoch`: the latest epoch in its cache
    /// (`UnifiedLog.latestEpoch`), -1 when it has none.
    pub fn epoch_at_end(&self) -> i32 {
        self.latest_epoch().unwrap_or(-1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn log_with(epochs_and_counts: &[(i32, usize)]) -> ReplicaLog {
        let mut log = ReplicaLog::new();
        let mut id = 0;
        for &(epoch, n) in epochs_and_counts {
            log.assign_epoch(epoch);
            for _ in 0..n {
                id += 1;
                log.append_as_leader(epoch, 0, None, Arc::from("v"), id);
            }
        }
        log
    }

    #[test]
    fn divergence_from_a_leader_is_where_fetching_from_it_would_truncate() {
        // KIP-101: the old leader wrote 3 records in epoch 0 beyond the 2 the new leader got,
        // and the new leader wrote 1 in epoch 1: the old one keeps offsets 0..2.
        let old = log_with(&[(0, 5)]);
        let new = log_with(&[(0, 2), (1, 1)]);
        assert_eq!(old.divergence_from(&new), Some(2));
        // A follower that is only behind (a prefix of the leader's log) does not diverge.
        assert_eq!(log_with(&[(0, 2)]).divergence_from(&new), None);
        assert_eq!(new.divergence_from(&new), None);
        // KIP-279: epochs the leader never had (the follower led epochs 1 and 2 alone): back
        // through them to what the leader has.
        let stale = log_with(&[(0, 2), (2, 2), (3, 1)]);
        let leader = log_with(&[(0, 2), (4, 3)]);
        assert_eq!(stale.divergence_from(&leader), Some(2));
    }

    #[test]
    fn leo_is_the_offset_of_the_next_record() {
        let log = log_with(&[(0, 3)]);
        assert_eq!(log.log_end_offset(), 3);
        assert_eq!(log.get(2).unwrap().offset, 2);
        assert!(log.get(3).is_none());
    }

    #[test]
    fn a_followers_high_watermark_is_its_leaders_within_its_own_log() {
        let mut log = log_with(&[(0, 5)]);
        assert!(log.update_high_watermark(4));
        // The new leader's HW lags: the follower's goes back with it.
        assert!(log.update_high_watermark(2));
        assert_eq!(log.high_watermark(), 2);
        assert!(!log.update_high_watermark(2));
        // Capped at the LEO, and never below the log start.
        assert!(log.update_high_watermark(9));
        assert_eq!(log.high_watermark(), 5);
        log.increment_log_start_offset(3);
        assert!(log.update_high_watermark(1));
        assert_eq!(log.high_watermark(), 3);
    }

    #[test]
    fn high_watermark_never_moves_back_and_is_capped_by_leo() {
        let mut log = log_with(&[(0, 3)]);
        assert!(log.advance_high_watermark(2));
        assert!(!log.advance_high_watermark(1));
        assert_eq!(log.high_watermark(), 2);
        log.advance_high_watermark(10);
        assert_eq!(log.high_watermark(), 3);
    }

    #[test]
    fn end_offset_for_epoch_follows_the_epoch_cache() {
        // epoch 0: offsets 0..3, epoch 2: 3..5, epoch 4: 5..6
        let log = log_with(&[(0, 3), (2, 2), (4, 1)]);
        assert_eq!(
            log.end_offset_for_epoch(4),
            EpochEndOffset {
                epoch: 4,
                end_offset: 6
            }
        );
        assert_eq!(
            log.end_offset_for_epoch(0),
            EpochEndOffset {
                epoch: 0,
                end_offset: 3
            }
        );
        // epoch 1 was never used here: the largest epoch below it is 0, which ends at 3.
        assert_eq!(
            log.end_offset_for_epoch(1),
            EpochEndOffset {
                epoch: 0,
                end_offset: 3
            }
        );
        assert_eq!(
            log.end_offset_for_epoch(3),
            EpochEndOffset {
                epoch: 2,
                end_offset: 5
            }
        );
        assert_eq!(log.end_offset_for_epoch(-5).epoch, -1);
        // Newer than every known epoch: undefined.
        assert_eq!(log.end_offset_for_epoch(9).epoch, -1);
    }

    #[test]
    fn epoch_older_than_any_known_ends_where_the_first_known_starts() {
        // A log whose first epoch is 3 (e.g. a leader elected after others led before).
        let log = log_with(&[(3, 2), (5, 1)]);
        assert_eq!(
            log.end_offset_for_epoch(0),
            EpochEndOffset {
                epoch: 0,
                end_offset: 0
            }
        );
        // So an empty follower that once led epoch 0 does not diverge from it.
        assert_eq!(log.diverging_epoch(0, 0), None);
    }

    #[test]
    fn leader_reports_divergence_when_follower_wrote_in_an_epoch_it_never_had() {
        // Leader: epoch 0 offsets 0..2, epoch 2 from 2. Follower wrote offsets 2..4 in epoch 1.
        let leader = log_with(&[(0, 2), (2, 3)]);
        let div = leader.diverging_epoch(4, 1).expect("diverges");
        assert_eq!(
            div,
            EpochEndOffset {
                epoch: 0,
                end_offset: 2
            }
        );
        let mut follower = log_with(&[(0, 2), (1, 2)]);
        let (to, complete) = follower.truncation_point(div);
        assert_eq!((to, complete), (2, true));
        let lost = follower.truncate_to(to);
        assert_eq!(
            lost.iter().map(|r| r.offset).collect::<Vec<_>>(),
            vec![2, 3]
        );
        assert_eq!(follower.log_end_offset(), 2);
        assert_eq!(follower.latest_epoch(), Some(0));
    }

    #[test]
    fn no_divergence_for_a_follower_that_is_a_prefix() {
        let leader = log_with(&[(0, 2), (2, 3)]);
        assert_eq!(leader.diverging_epoch(3, 2), None);
        assert_eq!(leader.diverging_epoch(2, 0), None);
    }

    #[test]
    fn follower_longer_in_same_epoch_is_cut_to_leader_end() {
        // Old leader wrote 0..5 in epoch 0 but only 0..3 reached the new leader (epoch 1).
        let leader = log_with(&[(0, 3), (1, 1)]);
        let div = leader.diverging_epoch(5, 0).expect("diverges");
        assert_eq!(
            div,
            EpochEndOffset {
                epoch: 0,
                end_offset: 3
            }
        );
        let follower = log_with(&[(0, 5)]);
        assert_eq!(follower.truncation_point(div), (3, true));
    }

    #[test]
    fn truncating_at_leo_drops_an_epoch_started_without_records() {
        let mut log = log_with(&[(0, 2)]);
        log.assign_epoch(1); // became leader in epoch 1, wrote nothing
        assert_eq!(log.epoch_at_end(), 1);
        log.truncate_to(2);
        assert_eq!(log.latest_epoch(), Some(0));
        let mut empty = ReplicaLog::new();
        empty.assign_epoch(3);
        empty.truncate_to(0);
        assert_eq!(empty.latest_epoch(), None);
    }

    #[test]
    fn a_follower_record_of_a_lower_epoch_replaces_a_later_empty_epoch_entry() {
        // Led epoch 5 at offset 2 without writing, then follows and fetches an epoch-3 record.
        let mut log = log_with(&[(0, 2)]);
        log.assign_epoch(5);
        let leader = log_with(&[(0, 2), (3, 1)]);
        assert_eq!(log.append_as_follower(&leader.read(2, 1)), 1);
        assert_eq!(log.epochs(), leader.epochs());
        assert_eq!(log.epoch_at_end(), 3);
    }

    #[test]
    fn truncation_lowers_the_high_watermark() {
        let mut log = log_with(&[(0, 5)]);
        log.advance_high_watermark(5);
        log.truncate_to(3);
        assert_eq!(log.high_watermark(), 3);
    }

    #[test]
    fn follower_append_rejects_a_gap() {
        let leader = log_with(&[(0, 4)]);
        let mut follower = ReplicaLog::new();
        assert_eq!(follower.append_as_follower(&leader.read(1, 10)), 0);
        assert_eq!(follower.append_as_follower(&leader.read(0, 10)), 4);
        assert_eq!(follower.epochs(), leader.epochs());
    }

    #[test]
    fn retention_never_deletes_at_or_above_the_high_watermark() {
        let mut log = ReplicaLog::new();
        for t in 0..5 {
            log.append_as_leader(0, t * 10, None, Arc::from("v"), t);
        }
        log.advance_high_watermark(2);
        assert_eq!(log.delete_records_older_than(100), Some((2, vec![0, 1])));
        assert_eq!(log.log_start_offset(), 2);
        assert_eq!(log.log_end_offset(), 5);
        assert_eq!(log.get(2).unwrap().id, 2);
    }

    #[test]
    fn a_follower_follows_the_leaders_log_start_up_to_its_own_high_watermark() {
        let mut log = log_with(&[(0, 6)]);
        log.advance_high_watermark(3);
        assert_eq!(log.increment_log_start_offset(5), Some((3, vec![1, 2, 3])));
        assert_eq!((log.log_start_offset(), log.log_end_offset()), (3, 6));
        assert_eq!(log.get(3).unwrap().offset, 3);
        assert_eq!(log.increment_log_start_offset(2), None, "never backwards");
    }

    #[test]
    fn truncating_fully_starts_an_empty_log_at_the_offset() {
        let mut log = log_with(&[(0, 2), (1, 2)]);
        log.advance_high_watermark(4);
        assert_eq!(log.truncate_fully_and_start_at(10), vec![1, 2, 3, 4]);
        assert_eq!(
            (
                log.log_start_offset(),
                log.log_end_offset(),
                log.high_watermark()
            ),
            (10, 10, 10)
        );
        assert!(log.is_empty() && log.epochs().is_empty());
        // It takes the leader's records from there on.
        let leader = log_with(&[(0, 12), (1, 3)]);
        assert_eq!(log.append_as_follower(&leader.read(10, 10)), 5);
        assert_eq!(log.epoch_at_end(), 1);
    }
}
