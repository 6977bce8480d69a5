//! Leader election rules (kafka-reference.md section 3) and the auto-rebalance imbalance
//! test, as pure functions of the assignment, the ISR and which brokers are live.

use crate::ids::{BrokerId, TopicPartition};
use serde::{Deserialize, Serialize};

/// What an election decided.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Election {
    /// A live ISR member leads; the ISR is kept (minus dead members, by the caller).
    Clean(BrokerId),
    /// No live ISR member; an out-of-sync live replica leads and the ISR becomes `[it]`.
    Unclean(BrokerId),
    /// No eligible replica: leader -1.
    Offline,
}

/// `PartitionLeaderElectionAlgorithms.offlinePartitionLeaderElection`: the first replica in
/// assignment order that is live and in the ISR; else, if allowed, the first live replica.
pub fn elect_leader(
    replicas: &[BrokerId],
    isr: &[BrokerId],
    is_live: impl Fn(BrokerId) -> bool,
    unclean_allowed: bool,
) -> Election {
    if let Some(&b) = replicas.iter().find(|&&b| is_live(b) && isr.contains(&b)) {
        return Election::Clean(b);
    }
    if unclean_allowed && let Some(&b) = replicas.iter().find(|&&b| is_live(b)) {
        return Election::Unclean(b);
    }
    Election::Offline
}

/// What a preferred leader election (ElectLeaders) did, partition by partition, in the three
/// groups `kafka-leader-election` prints.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PreferredElection {
    /// The preferred replica was elected leader.
    pub elected: Vec<TopicPartition>,
    /// ELECTION_NOT_NEEDED: the preferred replica leads already ("Valid replica already
    /// elected").
    pub not_needed: Vec<TopicPartition>,
    /// PREFERRED_LEADER_NOT_AVAILABLE: the preferred replica is down or out of the ISR.
    pub not_available: Vec<TopicPartition>,
}

/// Preferred replica election: succeeds only if the first assigned replica is live and in the ISR.
pub fn preferred_leader(
    replicas: &[BrokerId],
    isr: &[BrokerId],
    is_live: impl Fn(BrokerId) -> bool,
) -> Option<BrokerId> {
    let &preferred = replicas.first()?;
    (is_live(preferred) && isr.contains(&preferred)).then_some(preferred)
}

/// Brokers whose leader imbalance ratio exceeds `percentage`: of the partitions that prefer a
/// broker, the share currently led by someone else (`KafkaController.checkAndTriggerAutoLeaderRebalance`).
/// `partitions` yields (replicas, current leader).
pub fn imbalanced_brokers<'a>(
    partitions: impl IntoIterator<Item = (&'a [BrokerId], BrokerId)>,
    percentage: u32,
) -> Vec<BrokerId> {
    let mut per_broker: crate::collections::LiteMap<BrokerId, (u32, u32)> = Default::default();
    for (replicas, leader) in partitions {
        if let Some(&preferred) = replicas.first() {
            let e = per_broker.entry(preferred).or_default();
            e.0 += 1;
            if leader != preferred {
                e.1 += 1;
            }
        }
    }
    per_broker
        .into_iter()
        .filter(|(_, (total, not_led))| *not_led as u64 * 100 > *total as u64 * percentage as u64)
        .map(|(b, _)| b)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_election_takes_first_live_isr_replica_in_assignment_order() {
        let live = |b| b != 1;
        assert_eq!(
            elect_leader(&[1, 2, 3], &[3, 2, 1], live, false),
            Election::Clean(2)
        );
    }

    #[test]
    fn no_live_isr_member_means_offline_unless_unclean_allowed() {
        let live = |b| b == 3;
        assert_eq!(
            elect_leader(&[1, 2, 3], &[1, 2], live, false),
            Election::Offline
        );
        assert_eq!(
            elect_leader(&[1, 2, 3], &[1, 2], live, true),
            Election::Unclean(3)
        );
    }

    #[test]
    fn unclean_allowed_still_prefers_a_clean_candidate() {
        let live = |_| true;
        assert_eq!(
            elect_leader(&[1, 2, 3], &[3], live, true),
            Election::Clean(3)
        );
    }

    #[test]
    fn preferred_leader_needs_the_first_replica_live_and_in_sync() {
        assert_eq!(preferred_leader(&[2, 1], &[1, 2], |_| true), Some(2));
        assert_eq!(preferred_leader(&[2, 1], &[1], |_| true), None);
        assert_eq!(preferred_leader(&[2, 1], &[1, 2], |b| b != 2), None);
    }

    #[test]
    fn imbalance_above_ten_percent_triggers_rebalance() {
        let a: &[BrokerId] = &[1, 2];
        let b: &[BrokerId] = &[2, 1];
        // broker 1 prefers 10 partitions, 1 led elsewhere: exactly 10 %, not above.
        let mut parts: Vec<(&[BrokerId], BrokerId)> = vec![(a, 1); 9];
        parts.push((a, 2));
        parts.push((b, 2));
        assert!(imbalanced_brokers(parts.clone(), 10).is_empty());
        parts.push((b, 1)); // broker 2: 1 of 2 led elsewhere = 50 %
        assert_eq!(imbalanced_brokers(parts, 10), vec![2]);
    }
}
