//! KRaft's replica placement, as the quorum controller's `StripedReplicaPlacer` does it.
//!
//! Brokers are grouped by rack; each rack keeps its unfenced brokers and its fenced brokers in
//! two sorted lists, each with a random start offset, and the racks are sorted by name with a
//! random start. A partition takes its first replica (the leader) from the first rack at the
//! current rack offset that has an unfenced broker left, then one broker from each following
//! rack in turn (unfenced ones before fenced ones), skipping the first replica's rack once.
//! Each partition moves the rack offset on by one and each rack's lists by one: the striped
//! pattern. After as many partitions as there are unfenced brokers, the racks and the lists
//! are shuffled so that the same replica sets do not repeat.
//!
//! The replication factor is checked against every registered broker, fenced or not; a fenced
//! broker is placed only when the unfenced ones are too few, never as the leader. (ZooKeeper
//! mode places with `AdminUtils` over the live brokers instead: [`crate::placement`].)
//!
//! Not modelled: Kafka 4's continuation of an existing topic's stripes when partitions are
//! added (the offsets start at random here too), and controlled shutdown (no broker is in it).

use crate::collections::{sort, sort_by};
use crate::error::{ErrorCode, KafkaError};
use crate::ids::BrokerId;
use rand::Rng;
use rand::seq::SliceRandom;

/// A registered broker as the placer sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UsableBroker {
    pub id: BrokerId,
    pub rack: Option<String>,
    pub fenced: bool,
}

/// The placer's random draws: start offsets and shuffles.
pub trait Draws {
    /// A number in `0..n` (`n` > 0).
    fn below(&mut self, n: usize) -> usize;
    fn shuffle<T>(&mut self, items: &mut [T]);
}

impl<R: Rng> Draws for R {
    fn below(&mut self, n: usize) -> usize {
        self.random_range(0..n)
    }

    fn shuffle<T>(&mut self, items: &mut [T]) {
        items.shuffle(self);
    }
}

/// Brokers handed out round-robin from a start offset, each once per pass.
#[derive(Debug, Default)]
struct BrokerList {
    brokers: Vec<BrokerId>,
    /// How many were handed out in the current pass.
    index: usize,
    offset: usize,
    /// The pass `index` counts for. Kafka's iteration epoch, but never reset, so that a list
    /// untouched for a while cannot mistake a new pass for an old one.
    pass: u64,
}

impl BrokerList {
    fn initialize(&mut self, draws: &mut impl Draws) {
        if !self.brokers.is_empty() {
            sort(&mut self.brokers);
            self.offset = draws.below(self.brokers.len());
        }
    }

    /// The next broker of pass `pass`, or None when every one was handed out in it. A new
    /// pass starts one further along.
    fn next(&mut self, pass: u64) -> Option<BrokerId> {
        if self.brokers.is_empty() {
            return None;
        }
        if self.pass != pass {
            self.pass = pass;
            self.index = 0;
            self.offset = (self.offset + 1) % self.brokers.len();
        }
        if self.index >= self.brokers.len() {
            return None;
        }
        let b = self.brokers[(self.index + self.offset) % self.brokers.len()];
        self.index += 1;
        Some(b)
    }
}

#[derive(Debug, Default)]
struct Rack {
    unfenced: BrokerList,
    fenced: BrokerList,
}

impl Rack {
    /// An unfenced broker if one is left, else a fenced one.
    fn next(&mut self, pass: u64) -> Option<BrokerId> {
        self.unfenced.next(pass).or_else(|| self.fenced.next(pass))
    }
}

/// The racks in their order, and where the next partition starts.
struct RackList {
    /// Sorted by name (no rack first), each with its brokers.
    racks: Vec<(Option<String>, Rack)>,
    total: usize,
    unfenced: usize,
    offset: usize,
    /// Partitions placed since the last shuffle.
    placed: usize,
    pass: u64,
}

impl RackList {
    fn new(brokers: &[UsableBroker], draws: &mut impl Draws) -> Self {
        let mut racks: Vec<(Option<String>, Rack)> = Vec::new();
        for b in brokers {
            let i = match racks.iter().position(|(name, _)| *name == b.rack) {
                Some(i) => i,
                None => {
                    racks.push((b.rack.clone(), Rack::default()));
                    racks.len() - 1
                }
            };
            let list = if b.fenced {
                &mut racks[i].1.fenced
            } else {
                &mut racks[i].1.unfenced
            };
            list.brokers.push(b.id);
        }
        for (_, rack) in &mut racks {
            rack.fenced.initialize(draws);
            rack.unfenced.initialize(draws);
        }
        sort_by(&mut racks, |a, b| a.0.cmp(&b.0));
        let offset = if racks.is_empty() {
            0
        } else {
            draws.below(racks.len())
        };
        RackList {
            racks,
            total: brokers.len(),
            unfenced: brokers.iter().filter(|b| !b.fenced).count(),
            offset,
            placed: 0,
            pass: 0,
        }
    }

    fn shuffle(&mut self, draws: &mut impl Draws) {
        draws.shuffle(&mut self.racks);
        for (_, rack) in &mut self.racks {
            draws.shuffle(&mut rack.fenced.brokers);
            draws.shuffle(&mut rack.unfenced.brokers);
        }
    }

    /// One partition's replicas; the caller checked that `rf` brokers exist and one is
    /// unfenced.
    fn place(&mut self, rf: usize, draws: &mut impl Draws) -> Vec<BrokerId> {
        if self.placed == self.unfenced && self.unfenced > 1 {
            self.shuffle(draws);
            self.placed = 0;
        }
        let n = self.racks.len();
        self.offset %= n;
        let mut replicas = Vec::with_capacity(rf);
        // The leader: the first unfenced broker from the offset's rack on.
        let mut first_rack = self.offset;
        loop {
            if let Some(b) = self.racks[first_rack].1.unfenced.next(self.pass) {
                replicas.push(b);
                break;
            }
            first_rack = (first_rack + 1) % n;
        }
        // The others: one from each rack in turn from the offset on, the leader's rack
        // skipped the first time it comes up.
        let mut skip = Some(first_rack);
        let mut rack = self.offset;
        while replicas.len() < rf {
            let got = if skip == Some(rack) {
                skip = None;
                None
            } else {
                self.racks[rack].1.next(self.pass)
            };
            rack = (rack + 1) % n;
            if let Some(b) = got {
                replicas.push(b);
            }
        }
        self.pass += 1;
        self.placed += 1;
        self.offset += 1;
        replicas
    }
}

/// The error of `CreateTopics` or `CreatePartitions` when the placer refuses:
/// `INVALID_REPLICATION_FACTOR`, "Unable to replicate the partition 3 time(s): ...".
fn refused(rf: i32, why: String) -> KafkaError {
    KafkaError::new(
        ErrorCode::InvalidReplicationFactor,
        format!("Unable to replicate the partition {rf} time(s): {why}"),
    )
}

/// Places `partitions` partitions of `rf` replicas on the registered `brokers`, the first
/// replica of each unfenced.
pub fn place(
    brokers: &[UsableBroker],
    partitions: usize,
    rf: i32,
    draws: &mut impl Draws,
) -> Result<Vec<Vec<BrokerId>>, KafkaError> {
    if rf <= 0 {
        return Err(refused(
            rf,
            format!("Invalid replication factor {rf}: the replication factor must be positive."),
        ));
    }
    let mut racks = RackList::new(brokers, draws);
    if racks.unfenced == 0 {
        return Err(refused(rf, "All brokers are currently fenced.".to_owned()));
    }
    let rf_usize = usize::try_from(rf).unwrap_or(usize::MAX);
    if rf_usize > racks.total {
        return Err(refused(
            rf,
            format!(
                "The target replication factor of {rf} cannot be reached because only {} broker(s) are registered.",
                racks.total
            ),
        ));
    }
    Ok((0..partitions)
        .map(|_| racks.place(rf_usize, draws))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_pcg::Pcg64Mcg;
    use std::collections::BTreeSet;

    /// Every offset 0 and no shuffling: the pattern the placer's own documentation draws.
    struct NoChance;

    impl Draws for NoChance {
        fn below(&mut self, _: usize) -> usize {
            0
        }
        fn shuffle<T>(&mut self, _: &mut [T]) {}
    }

    fn broker(id: BrokerId, rack: &str, fenced: bool) -> UsableBroker {
        UsableBroker {
            id,
            rack: Some(rack.to_owned()),
            fenced,
        }
    }

    #[test]
    fn three_racks_of_three_give_the_striped_pattern() {
        // Racks A (1, 2, 3), B (4, 5, 6), C (7, 8, 9), every offset 0:
        // A0 B0 C0, then B1 C1 A1, then C2 A2 B2.
        let brokers: Vec<UsableBroker> = (1..=9)
            .map(|id| broker(id, ["A", "B", "C"][(id as usize - 1) / 3], false))
            .collect();
        let placed = place(&brokers, 3, 3, &mut NoChance).unwrap();
        assert_eq!(placed, vec![vec![1, 4, 7], vec![5, 8, 2], vec![9, 3, 6]]);
    }

    #[test]
    fn without_racks_the_leaders_and_followers_rotate() {
        let brokers: Vec<UsableBroker> = (1..=3)
            .map(|id| UsableBroker {
                id,
                rack: None,
                fenced: false,
            })
            .collect();
        let placed = place(&brokers, 3, 3, &mut NoChance).unwrap();
        assert_eq!(placed, vec![vec![1, 2, 3], vec![2, 3, 1], vec![3, 1, 2]]);
    }

    #[test]
    fn a_fenced_broker_is_placed_only_when_needed_and_never_leads() {
        let mut brokers: Vec<UsableBroker> = (1..=3)
            .map(|id| UsableBroker {
                id,
                rack: None,
                fenced: id == 2,
            })
            .collect();
        // RF 2 of 2 unfenced: the fenced broker is not used.
        for replicas in place(&brokers, 6, 2, &mut NoChance).unwrap() {
            assert!(!replicas.contains(&2), "{replicas:?}");
        }
        // RF 3: it is, and last.
        for replicas in place(&brokers, 6, 3, &mut NoChance).unwrap() {
            assert_eq!(replicas[2], 2, "{replicas:?}");
        }
        brokers[0].fenced = true;
        for replicas in place(&brokers, 6, 3, &mut NoChance).unwrap() {
            assert_eq!(replicas[0], 3, "{replicas:?}");
        }
    }

    #[test]
    fn the_replication_factor_is_checked_against_every_registered_broker() {
        let mut brokers: Vec<UsableBroker> = (1..=3)
            .map(|id| UsableBroker {
                id,
                rack: None,
                fenced: id == 3,
            })
            .collect();
        let err = |b: &[UsableBroker], rf| place(b, 1, rf, &mut NoChance).unwrap_err();
        let e = err(&brokers, 4);
        assert_eq!(e.code, ErrorCode::InvalidReplicationFactor);
        assert_eq!(
            e.message,
            "Unable to replicate the partition 4 time(s): The target replication factor of 4 cannot be reached because only 3 broker(s) are registered."
        );
        assert!(place(&brokers, 1, 3, &mut NoChance).is_ok());
        assert_eq!(
            err(&brokers, 0).message,
            "Unable to replicate the partition 0 time(s): Invalid replication factor 0: the replication factor must be positive."
        );
        for b in &mut brokers {
            b.fenced = true;
        }
        assert_eq!(
            err(&brokers, 1).message,
            "Unable to replicate the partition 1 time(s): All brokers are currently fenced."
        );
    }

    #[test]
    fn random_placements_spread_over_racks_and_brokers() {
        // Two racks of three, some fenced: every partition has distinct replicas, an unfenced
        // leader, both racks, and fenced brokers only beyond the unfenced ones of its racks.
        for seed in 0..50 {
            let mut rng = Pcg64Mcg::seed_from_u64(seed);
            let brokers: Vec<UsableBroker> = (1..=6)
                .map(|id| broker(id, if id <= 3 { "r1" } else { "r2" }, id == 2 || id == 6))
                .collect();
            let placed = place(&brokers, 24, 3, &mut rng).unwrap();
            let mut leaders = BTreeSet::new();
            for r in &placed {
                let distinct: BTreeSet<_> = r.iter().collect();
                assert_eq!(distinct.len(), 3, "seed {seed}: {r:?}");
                assert!(r[0] != 2 && r[0] != 6, "seed {seed}: fenced leader {r:?}");
                assert!(r.iter().any(|&b| b <= 3) && r.iter().any(|&b| b > 3));
                assert!(!r.contains(&2) || !r.contains(&6), "seed {seed}: {r:?}");
                leaders.insert(r[0]);
            }
            // Leaders come from both racks (which brokers of a rack lead depends on the
            // draws: with two racks a rack leads every other partition, and its list moves
            // on one a partition, so the same broker of it can lead each time).
            assert!(
                leaders.is_subset(&BTreeSet::from([1, 3, 4, 5])),
                "seed {seed}"
            );
            assert!(leaders.iter().any(|&b| b <= 3) && leaders.iter().any(|&b| b > 3));
        }
    }
}
