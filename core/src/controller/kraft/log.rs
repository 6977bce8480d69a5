//! The metadata log `__cluster_metadata`: entries with their Raft epoch and offset, the
//! epoch-start index that answers "where does epoch E end?" (diverging-epoch detection), and
//! truncation. Voters and observer brokers keep one each.

use super::records::MetadataRecord;
use crate::log::EpochEndOffset;
use crate::segments::Segmented;
use serde::{Deserialize, Serialize};

/// Entries per segment: a clone (a timeline checkpoint) shares closed segments, as a replica
/// log's, and copies the active one.
pub const ENTRIES_PER_SEGMENT: usize = 8;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogEntry {
    pub offset: u64,
    /// The Raft epoch of the leader that appended it.
    pub epoch: i32,
    pub record: MetadataRecord,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MetadataLog {
    entries: Segmented<LogEntry, ENTRIES_PER_SEGMENT>,
    /// (epoch, first offset of that epoch), ascending: the leader-epoch checkpoint.
    epochs: Vec<(i32, u64)>,
}

impl MetadataLog {
    pub fn end_offset(&self) -> u64 {
        self.entries.len() as u64
    }

    /// Epoch of the last entry (0 when empty).
    pub fn last_epoch(&self) -> i32 {
        self.epochs.last().map_or(0, |e| e.0)
    }

    pub fn get(&self, offset: u64) -> Option<&LogEntry> {
        self.entries.get(offset as usize)
    }

    pub fn entries(&self) -> impl DoubleEndedIterator<Item = &LogEntry> + '_ {
        self.entries.iter()
    }

    /// Copies of the entries from `offset` to the end (none when `offset` is at or past the
    /// end).
    pub fn entries_from(&self, offset: u64) -> Vec<LogEntry> {
        self.entries.read(offset as usize, usize::MAX)
    }

    /// Appends a new record as the leader of `epoch`; returns its offset.
    pub fn append(&mut self, epoch: i32, record: MetadataRecord) -> u64 {
        let offset = self.end_offset();
        self.push(LogEntry {
            offset,
            epoch,
            record,
        });
        offset
    }

    /// Appends entries replicated from the leader. Entries must continue this log exactly
    /// (the fetch protocol guarantees it); anything else is ignored and returns false.
    pub fn append_replicated(&mut self, entries: &[LogEntry]) -> bool {
        if entries
            .first()
            .is_some_and(|e| e.offset != self.end_offset())
        {
            return false;
        }
        for e in entries {
            self.push(e.clone());
        }
        true
    }

    fn push(&mut self, e: LogEntry) {
        if self.epochs.last().is_none_or(|&(ep, _)| ep < e.epoch) {
            self.epochs.push((e.epoch, e.offset));
        }
        self.entries.push(e);
    }

    /// Removes every entry at or after `offset`.
    pub fn truncate_to(&mut self, offset: u64) {
        self.entries.truncate(offset as usize);
        while self
            .epochs
            .last()
            .is_some_and(|&(_, start)| start >= offset)
        {
            self.epochs.pop();
        }
    }

    /// The largest epoch <= `epoch` this log has, and where it ends (the next epoch's start,
    /// or the end of the log). Epoch 0 / offset 0 when it has none.
    pub fn end_offset_for_epoch(&self, epoch: i32) -> EpochEndOffset {
        let idx = self.epochs.partition_point(|&(e, _)| e <= epoch);
        if idx == 0 {
            return EpochEndOffset {
                epoch: 0,
                end_offset: 0,
            };
        }
        let end_offset = self
            .epochs
            .get(idx)
            .map_or(self.end_offset(), |&(_, start)| start);
        EpochEndOffset {
            epoch: self.epochs[idx - 1].0,
            end_offset,
        }
    }

    /// The fetch validation a Raft leader does (KIP-595): a follower at `fetch_offset` whose
    /// last entry has `last_fetched_epoch` diverges from this log if this log's end for that
    /// epoch is before `fetch_offset` or that epoch is not in this log. Returns where the
    /// follower must truncate to.
    pub fn diverging(&self, fetch_offset: u64, last_fetched_epoch: i32) -> Option<EpochEndOffset> {
        if fetch_offset == 0 {
            return None;
        }
        let end = self.end_offset_for_epoch(last_fetched_epoch);
        (end.epoch != last_fetched_epoch || end.end_offset < fetch_offset).then_some(end)
    }

    /// Where a follower truncates to on a diverging-epoch answer: the smaller of its own end
    /// of that epoch and the leader's.
    pub fn truncation_offset(&self, diverging: EpochEndOffset) -> u64 {
        self.end_offset_for_epoch(diverging.epoch)
            .end_offset
            .min(diverging.end_offset)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(epoch: i32) -> MetadataRecord {
        MetadataRecord::LeaderChange {
            epoch,
            leader: 0,
            voters: vec![0],
        }
    }

    fn log_of(epochs: &[i32]) -> MetadataLog {
        let mut l = MetadataLog::default();
        for &e in epochs {
            l.append(e, rec(e));
        }
        l
    }

    #[test]
    fn end_offset_for_epoch_answers_with_the_next_epoch_start() {
        let l = log_of(&[1, 1, 3, 3, 3, 5]);
        assert_eq!(l.end_offset_for_epoch(1).end_offset, 2);
        assert_eq!(l.end_offset_for_epoch(2).epoch, 1);
        assert_eq!(l.end_offset_for_epoch(2).end_offset, 2);
        assert_eq!(l.end_offset_for_epoch(3).end_offset, 5);
        assert_eq!(l.end_offset_for_epoch(9).end_offset, 6);
        assert_eq!(l.end_offset_for_epoch(0).end_offset, 0);
    }

    #[test]
    fn a_follower_with_records_of_a_lost_epoch_is_told_to_truncate() {
        let leader = log_of(&[1, 1, 3, 3]);
        let follower = log_of(&[1, 1, 2, 2, 2]);
        let d = leader.diverging(5, 2).expect("diverges");
        assert_eq!((d.epoch, d.end_offset), (1, 2));
        assert_eq!(follower.truncation_offset(d), 2);
        assert_eq!(leader.diverging(2, 1), None);
        assert_eq!(leader.diverging(4, 3), None);
        let mut f = follower;
        f.truncate_to(2);
        assert_eq!((f.end_offset(), f.last_epoch()), (2, 1));
    }
}
