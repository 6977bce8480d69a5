//! Kafka's replication rules as pure functions: follower fetch state, ISR shrink and expand,
//! the high watermark and the min-ISR rule (kafka-reference.md section 3).

use crate::config::Millis;
use crate::ids::BrokerId;
use serde::{Deserialize, Serialize};

/// What a leader knows of one follower (`ReplicaState` in Kafka's `Replica.scala`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FollowerProgress {
    /// The follower's LEO as its last fetch offset told us.
    pub log_end_offset: u64,
    /// When it was last caught up; None: not since this leader began. (Kafka's 0 means
    /// never; here 0 is the first millisecond of a run.)
    pub last_caught_up_ms: Option<Millis>,
    /// When its previous fetch arrived; None: none yet.
    pub last_fetch_ms: Option<Millis>,
    /// The leader's LEO when the previous fetch arrived.
    pub last_fetch_leader_leo: u64,
}

impl FollowerProgress {
    /// A fresh state; ISR members start caught up "now" so a new leader does not drop them.
    pub fn new(now: Millis, in_isr: bool) -> Self {
        Self {
            log_end_offset: 0,
            last_caught_up_ms: in_isr.then_some(now),
            last_fetch_ms: None,
            last_fetch_leader_leo: 0,
        }
    }

    /// `Replica.resetReplicaState`, when this broker becomes (or stays) the partition's leader
    /// with a new leader epoch: a follower counts as caught up now if it is in the ISR, else
    /// never, so one outside it does not hold the HW back. A new leader forgets what the
    /// follower fetched (`kept` is None); a re-elected one keeps its LEO, takes its own LEO
    /// (`leader_leo`) as the one the last fetch saw, and resets the last fetch time like the
    /// caught-up time, so a follower outside the ISR is not counted caught up as of a fetch
    /// from before the election.
    pub fn reset(kept: Option<&Self>, now: Millis, in_isr: bool, leader_leo: u64) -> Self {
        let caught_up = in_isr.then_some(now);
        match kept {
            None => Self::new(now, in_isr),
            Some(k) => Self {
                last_caught_up_ms: caught_up,
                last_fetch_ms: caught_up,
                last_fetch_leader_leo: leader_leo,
                ..*k
            },
        }
    }

    /// `Replica.updateFetchStateOrThrow`: a fetch at `fetch_offset` arrived when the leader's
    /// LEO was `leader_leo`.
    pub fn on_fetch(&mut self, fetch_offset: u64, leader_leo: u64, now: Millis) {
        let caught_up_at = if fetch_offset >= leader_leo {
            Some(now)
        } else if fetch_offset >= self.last_fetch_leader_leo {
            self.last_fetch_ms
        } else {
            None
        };
        self.last_caught_up_ms = self.last_caught_up_ms.max(caught_up_at);
        self.log_end_offset = fetch_offset;
        self.last_fetch_leader_leo = leader_leo;
        self.last_fetch_ms = Some(now);
    }

    /// `Partition.isFollowerOutOfSync`: not at the leader's LEO and not caught up for longer
    /// than `replica.lag.time.max.ms`.
    pub fn is_out_of_sync(&self, leader_leo: u64, now: Millis, lag_max_ms: Millis) -> bool {
        self.log_end_offset != leader_leo
            && self
                .last_caught_up_ms
                .is_none_or(|t| now.saturating_sub(t) > lag_max_ms)
    }
}

/// `Partition.isFollowerInSync` for expansion: the follower reached the HW and the start of
/// the leader's current epoch.
pub fn can_join_isr(follower_leo: u64, leader_hw: u64, leader_epoch_start_offset: u64) -> bool {
    follower_leo >= leader_hw && follower_leo >= leader_epoch_start_offset
}

/// The min-ISR rule: acks=all is accepted, and (since 3.7) the HW advances, only while the
/// ISR holds at least `min(min.insync.replicas, replication factor)` members.
pub fn isr_meets_min(isr_len: usize, min_insync_replicas: u32, replication_factor: usize) -> bool {
    isr_len >= (min_insync_replicas as usize).min(replication_factor)
}

/// The leader's HW candidate: the smallest LEO over the leader and the members of the
/// maximal ISR (whose LEOs `follower_leo` gives).
pub fn high_watermark(
    leader_leo: u64,
    maximal_isr: &[BrokerId],
    leader: BrokerId,
    follower_leo: impl Fn(BrokerId) -> u64,
) -> u64 {
    maximal_isr
        .iter()
        .filter(|&&b| b != leader)
        .map(|&b| follower_leo(b))
        .fold(leader_leo, u64::min)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn follower_at_leader_leo_is_caught_up_now() {
        let mut p = FollowerProgress::new(0, true);
        p.on_fetch(10, 10, 500);
        assert_eq!(p.last_caught_up_ms, Some(500));
        assert!(!p.is_out_of_sync(12, 30_000, 30_000));
    }

    #[test]
    fn follower_reaching_previous_leader_leo_is_caught_up_as_of_previous_fetch() {
        let mut p = FollowerProgress::new(0, true);
        p.on_fetch(5, 10, 1_000); // behind; leader LEO was 10
        assert_eq!(p.last_caught_up_ms, Some(0));
        p.on_fetch(10, 14, 2_000); // reached the LEO of the previous fetch
        assert_eq!(p.last_caught_up_ms, Some(1_000));
    }

    #[test]
    fn a_follower_outside_the_isr_is_caught_up_only_once_it_has_reached_the_leader() {
        let mut p = FollowerProgress::new(0, false);
        assert!(
            p.is_out_of_sync(10, 1, 30_000),
            "never caught up, even at time 1"
        );
        p.on_fetch(0, 10, 100); // its first fetch: behind, and nothing before it
        assert_eq!(p.last_caught_up_ms, None);
        assert!(p.is_out_of_sync(10, 200, 30_000));
        p.on_fetch(10, 12, 300); // reached the LEO its first fetch saw
        assert_eq!(p.last_caught_up_ms, Some(100));
        assert!(!p.is_out_of_sync(12, 400, 30_000));
    }

    #[test]
    fn a_new_leader_forgets_its_followers_and_counts_only_the_isr_caught_up() {
        assert_eq!(
            FollowerProgress::reset(None, 5_000, true, 9),
            FollowerProgress::new(5_000, true)
        );
        let outside = FollowerProgress::reset(None, 5_000, false, 9);
        assert_eq!(
            (outside.log_end_offset, outside.last_caught_up_ms),
            (0, None)
        );
    }

    #[test]
    fn a_re_elected_leader_keeps_follower_offsets_but_not_their_times() {
        // The follower fetched at 1,000 when the leader's LEO was 10, and at 2,000 it was at
        // 10 (so, caught up as of 1,000); then it left the ISR and the leader was re-elected.
        let mut f = FollowerProgress::new(0, true);
        f.on_fetch(4, 10, 1_000);
        f.on_fetch(10, 14, 2_000);
        let inside = FollowerProgress::reset(Some(&f), 3_000, true, 14);
        assert_eq!(inside.log_end_offset, 10);
        assert_eq!(inside.last_fetch_leader_leo, 14);
        assert_eq!(inside.last_caught_up_ms, Some(3_000));
        let mut outside = FollowerProgress::reset(Some(&f), 3_000, false, 14);
        assert_eq!(outside.last_caught_up_ms, None);
        assert_eq!(outside.last_fetch_ms, None);
        // Its next fetch reaches the leader's LEO at the election (14) but not its LEO now
        // (20): caught up as of the previous fetch, which was before the election, so not at
        // all.
        // (Keeping the old fetch time would count it caught up at 2,000.)
        outside.on_fetch(14, 20, 3_100);
        assert_eq!(outside.last_caught_up_ms, None);
        assert!(outside.is_out_of_sync(20, 3_100, 30_000));
    }

    #[test]
    fn follower_behind_for_longer_than_lag_max_is_out_of_sync() {
        let mut p = FollowerProgress::new(0, true);
        p.on_fetch(3, 10, 100);
        assert!(!p.is_out_of_sync(10, 30_000, 30_000));
        assert!(p.is_out_of_sync(10, 30_001, 30_000));
        // ...but never while it sits at the leader's LEO.
        p.on_fetch(10, 10, 100);
        p.last_caught_up_ms = None;
        assert!(!p.is_out_of_sync(10, 99_999, 30_000));
    }

    #[test]
    fn follower_joins_isr_only_at_hw_and_past_epoch_start() {
        assert!(can_join_isr(10, 10, 7));
        assert!(!can_join_isr(9, 10, 7));
        assert!(!can_join_isr(10, 8, 11));
    }

    #[test]
    fn min_isr_is_capped_by_replication_factor() {
        assert!(!isr_meets_min(1, 2, 3));
        assert!(isr_meets_min(2, 2, 3));
        // min.insync.replicas=3 with RF=2: two replicas suffice.
        assert!(isr_meets_min(2, 3, 2));
    }

    #[test]
    fn high_watermark_is_min_leo_over_leader_and_isr() {
        let leos = |b: BrokerId| match b {
            2 => 7,
            3 => 9,
            _ => 0,
        };
        assert_eq!(high_watermark(10, &[1, 2, 3], 1, leos), 7);
        assert_eq!(high_watermark(10, &[1, 3], 1, leos), 9);
        assert_eq!(high_watermark(10, &[1], 1, leos), 10);
    }
}
