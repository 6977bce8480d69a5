//! Replica placement for new topics and added partitions, as Kafka's
//! `AdminUtils.assignReplicasToBrokers` does it (rack-unaware round robin with a follower shift,
//! or the rack-aware variant over a rack-alternated broker list), and the add-partitions path
//! of `AdminZkClient.createNewPartitionsAssignment`.

use crate::collections::{LiteMap, SortedSet, sort_by, sort_by_key};

use rand::Rng;
use serde::{Deserialize, Serialize};

use crate::error::{ErrorCode, KafkaError};
use crate::ids::BrokerId;
use crate::topic::{validate_partition_count, validate_replication_factor};
#[cfg(test)]
use std::collections::{BTreeMap, BTreeSet};

/// A broker as placement sees it: its id and its `broker.rack`, if any.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BrokerMeta {
    pub id: BrokerId,
    pub rack: Option<String>,
}

impl BrokerMeta {
    /// A broker without rack information.
    pub fn new(id: BrokerId) -> Self {
        Self { id, rack: None }
    }

    /// A broker in rack `rack`.
    pub fn in_rack(id: BrokerId, rack: impl Into<String>) -> Self {
        Self {
            id,
            rack: Some(rack.into()),
        }
    }
}

/// Where the first replica of partition 0 starts and the follower shift; Kafka draws both at
/// random unless fixed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum StartIndex {
    /// Draw the start index, then the shift, each uniformly from `0..brokers` (Kafka's default).
    Random,
    /// Start index `i` and follower shift `i`, as Kafka's `fixedStartIndex` does.
    Fixed(usize),
}

/// Kafka's message when some brokers have a rack and others do not, in `assignReplicasToBrokers`.
const INCOMPLETE_RACKS: &str =
    "Not all brokers have rack information for replica rack aware assignment.";

/// Kafka's message for the same condition on the add-partitions path, where
/// `AdminZkClient.getBrokerMetadatas` (rack-aware mode "enforced") rejects it first.
const INCOMPLETE_RACKS_ENFORCED: &str = "Not all brokers have rack information. Add --disable-rack-aware in command line to make replica assignment without rack information.";

/// The error for brokers with incomplete rack information. Kafka throws
/// `org.apache.kafka.server.common.AdminOperationException`, which is not a protocol error (a
/// client sees `UNKNOWN_SERVER_ERROR`); `INVALID_REPLICATION_FACTOR` is the closest code here,
/// being what Kafka's KRaft controller returns whenever replicas cannot be placed.
fn incomplete_racks(message: &str) -> KafkaError {
    KafkaError::new(ErrorCode::InvalidReplicationFactor, message)
}

/// Brokers sorted by id. Two entries with the same id are a caller error (Kafka's broker lists
/// come from a registry keyed by id), reported as `INVALID_REQUEST`.
fn sorted_brokers(brokers: &[BrokerMeta]) -> Result<Vec<&BrokerMeta>, KafkaError> {
    let mut sorted: Vec<&BrokerMeta> = brokers.iter().collect();
    sort_by_key(&mut sorted, |b| b.id);
    if let Some(pair) = sorted.windows(2).find(|w| w[0].id == w[1].id) {
        return Err(KafkaError::new(
            ErrorCode::InvalidRequest,
            format!("Broker id {} is listed more than once.", pair[0].id),
        ));
    }
    Ok(sorted)
}

/// Kafka's `getRackAlternatedBrokerList`: racks in sorted order, each rack's brokers in id order,
/// taking one broker from each rack in turn until all are taken. For
/// `{0:r1, 1:r3, 2:r3, 3:r2, 4:r2, 5:r1}` this is `[0, 3, 1, 5, 4, 2]`. `broker_racks` must
/// come in broker id order, as a map's entries do.
pub fn rack_alternated_broker_list<'a>(
    broker_racks: impl IntoIterator<Item = (&'a BrokerId, &'a String)>,
) -> Vec<BrokerId> {
    // Brokers come in id order, so each rack's list is sorted.
    let mut by_rack: LiteMap<&str, Vec<BrokerId>> = LiteMap::new_vec();
    let mut brokers = 0;
    for (&id, rack) in broker_racks {
        by_rack.entry(rack.as_str()).or_default().push(id);
        brokers += 1;
    }
    let mut racks: Vec<(&str, std::vec::IntoIter<BrokerId>)> = by_rack
        .into_iter()
        .map(|(rack, ids)| (rack, ids.into_iter()))
        .collect();
    // Java sorts the rack names by UTF-16 code units; this differs from Rust's byte order only
    // for names mixing characters above U+FFFF with ones in U+E000..=U+FFFF.
    sort_by(&mut racks, |a, b| {
        a.0.encode_utf16().cmp(b.0.encode_utf16())
    });
    let mut result = Vec::with_capacity(brokers);
    let mut rack_index = 0;
    while result.len() < brokers {
        if let Some(id) = racks[rack_index].1.next() {
            result.push(id);
        }
        rack_index = (rack_index + 1) % racks.len();
    }
    result
}

/// The start index and follower shift: fixed, or two draws from `rng` (start index first).
fn start_and_shift(start: StartIndex, n: usize, rng: &mut impl Rng) -> (usize, usize) {
    match start {
        StartIndex::Fixed(i) => (i, i),
        StartIndex::Random => {
            let start_index = rng.random_range(0..n);
            let shift = rng.random_range(0..n);
            (start_index, shift)
        }
    }
}

/// Kafka's `replicaIndex`: the position of a follower, `1 + (shift + k) % (n - 1)` places after
/// the first replica, so a follower never lands on the first replica's position. Needs `n >= 2`.
fn replica_index(first: usize, shift: usize, k: usize, n: usize) -> usize {
    let m = n - 1;
    let offset = 1 + (shift % m + k % m) % m;
    (first + offset) % n
}

/// The partition ids `start_partition_id..start_partition_id + partitions`, as u64 so the sum
/// cannot overflow.
fn partition_ids(start_partition_id: u32, partitions: usize) -> impl Iterator<Item = u64> {
    let first = u64::from(start_partition_id);
    (0..partitions as u64).map(move |i| first + i)
}

/// Kafka's rack-unaware assignment over `ids` (sorted): the first replica of partition p at
/// `(p + start) % n`, the followers at [`replica_index`] with a shift that grows by one each
/// time p passes a multiple of n.
fn assign_rack_unaware(
    ids: &[BrokerId],
    partitions: usize,
    replication_factor: usize,
    start_index: usize,
    shift: usize,
    start_partition_id: u32,
) -> Vec<Vec<BrokerId>> {
    let n = ids.len() as u64;
    // Only `shift % (n - 1)` matters to replica_index; keeping it reduced avoids overflow.
    // With one broker there are no followers and the shift is unused.
    let m = (ids.len() - 1).max(1);
    let mut shift = shift % m;
    let mut result = Vec::with_capacity(partitions);
    for p in partition_ids(start_partition_id, partitions) {
        if p > 0 && p % n == 0 {
            shift = (shift + 1) % m;
        }
        let first = ((p % n + (start_index as u64) % n) % n) as usize;
        let mut replicas = Vec::with_capacity(replication_factor);
        replicas.push(ids[first]);
        for j in 0..replication_factor - 1 {
            replicas.push(ids[replica_index(first, shift, j, ids.len())]);
        }
        result.push(replicas);
    }
    result
}

/// Kafka's rack-aware assignment: the first replica round-robin over the rack-alternated list,
/// each follower the next candidate (by [`replica_index`] with the shift scaled by the number of
/// racks) that is skipped while its rack already holds a replica and some rack holds none, or
/// while it already holds a replica and some broker holds none.
fn assign_rack_aware(
    broker_racks: &LiteMap<BrokerId, String>,
    partitions: usize,
    replication_factor: usize,
    start: StartIndex,
    start_partition_id: u32,
    rng: &mut impl Rng,
) -> Vec<Vec<BrokerId>> {
    let num_racks = broker_racks.values().collect::<SortedSet<_>>().len();
    let arranged = rack_alternated_broker_list(broker_racks);
    let n = arranged.len();
    let (start_index, shift) = start_and_shift(start, n, rng);
    // Only `shift % (n - 1)` matters to replica_index; keeping it reduced keeps the product
    // with the rack count small. With one broker there are no followers and it is unused.
    let m = (n - 1).max(1);
    let mut shift = shift % m;
    let n64 = n as u64;
    let mut result = Vec::with_capacity(partitions);
    for p in partition_ids(start_partition_id, partitions) {
        if p > 0 && p % n64 == 0 {
            shift = (shift + 1) % m;
        }
        let first = ((p % n64 + (start_index as u64) % n64) % n64) as usize;
        let leader = arranged[first];
        let mut replicas = Vec::with_capacity(replication_factor);
        replicas.push(leader);
        let mut racks_with_replicas: SortedSet<&str> =
            SortedSet::from([broker_racks[&leader].as_str()]);
        let mut brokers_with_replicas: SortedSet<BrokerId> = SortedSet::from([leader]);
        let mut k = 0;
        for _ in 0..replication_factor - 1 {
            // Terminates: replication_factor <= n, so an unused broker exists, and while some
            // rack has no replica an unused broker on such a rack exists; every n - 1
            // consecutive k visit every position but the leader's.
            loop {
                let broker = arranged[replica_index(first, shift * num_racks, k, n)];
                let rack = broker_racks[&broker].as_str();
                k += 1;
                let rack_ok =
                    !racks_with_replicas.contains(rack) || racks_with_replicas.len() == num_racks;
                let broker_ok =
                    !brokers_with_replicas.contains(&broker) || brokers_with_replicas.len() == n;
                if rack_ok && broker_ok {
                    replicas.push(broker);
                    racks_with_replicas.insert(rack);
                    brokers_with_replicas.insert(broker);
                    break;
                }
            }
        }
        result.push(replicas);
    }
    result
}

/// Kafka's `AdminUtils.assignReplicasToBrokers`: replica lists for `partitions` partitions
/// numbered from `start_partition_id` (element i is partition `start_partition_id + i`; the
/// first broker of each list is its preferred leader).
///
/// Brokers are sorted by id first. Checks, in Kafka's order: the partition count, the
/// replication factor (positive, at most the number of brokers), then rack information.
/// Rack-unaware when no broker has a rack, rack-aware when all have one; when only some have one
/// it fails with Kafka's message "Not all brokers have rack information for replica rack aware
/// assignment." (code `INVALID_REPLICATION_FACTOR` standing in for Kafka's
/// `AdminOperationException`). With [`StartIndex::Random`] two values are drawn from `rng`;
/// with [`StartIndex::Fixed`] none. Duplicate broker ids are `INVALID_REQUEST`.
pub fn assign_replicas_to_brokers(
    brokers: &[BrokerMeta],
    partitions: i32,
    replication_factor: i32,
    start: StartIndex,
    start_partition_id: u32,
    rng: &mut impl Rng,
) -> Result<Vec<Vec<BrokerId>>, KafkaError> {
    let sorted = sorted_brokers(brokers)?;
    validate_partition_count(partitions)?;
    validate_replication_factor(replication_factor, sorted.len())?;
    // Both are positive and the replication factor is at most the broker count here.
    let partitions = usize::try_from(partitions).unwrap_or(0);
    let replication_factor = usize::try_from(replication_factor).unwrap_or(0);
    if sorted.iter().all(|b| b.rack.is_none()) {
        let ids: Vec<BrokerId> = sorted.iter().map(|b| b.id).collect();
        let (start_index, shift) = start_and_shift(start, ids.len(), rng);
        return Ok(assign_rack_unaware(
            &ids,
            partitions,
            replication_factor,
            start_index,
            shift,
            start_partition_id,
        ));
    }
    let mut broker_racks = LiteMap::new_vec();
    for b in &sorted {
        let rack = b
            .rack
            .clone()
            .ok_or_else(|| incomplete_racks(INCOMPLETE_RACKS))?;
        broker_racks.insert(b.id, rack);
    }
    Ok(assign_rack_aware(
        &broker_racks,
        partitions,
        replication_factor,
        start,
        start_partition_id,
        rng,
    ))
}

/// Kafka's add-partitions path (`AdminZkClient.createNewPartitionsAssignment` without a manual
/// assignment): replica lists for the partitions that grow `existing` to `new_total`, numbered
/// from `existing.len()`. Only the new partitions' lists are returned.
///
/// The replication factor is partition 0's; the start index (and shift) is the position, among
/// the brokers sorted by id, of the first broker whose id is at least partition 0's first
/// replica (0 if none). In rack-aware mode Kafka applies that position to the rack-alternated
/// list all the same, and so does this. Errors: brokers with incomplete racks (checked first,
/// with the message of Kafka's rack-aware mode "enforced"); no partitions at all
/// (`UNKNOWN_TOPIC_OR_PARTITION`); `new_total` not above the current count (`INVALID_PARTITIONS`,
/// "Topic already has N partition(s)."), or above the simulator's limit per topic
/// ([`validate_partition_count`]); then those of [`assign_replicas_to_brokers`]. `rng` is
/// not drawn from: the start is always fixed on this path.
pub fn add_partitions(
    brokers: &[BrokerMeta],
    existing: &[Vec<BrokerId>],
    new_total: i32,
    rng: &mut impl Rng,
) -> Result<Vec<Vec<BrokerId>>, KafkaError> {
    let with_rack = brokers.iter().filter(|b| b.rack.is_some()).count();
    if with_rack > 0 && with_rack < brokers.len() {
        return Err(incomplete_racks(INCOMPLETE_RACKS_ENFORCED));
    }
    let Some(partition0) = existing.first() else {
        return Err(KafkaError::new(
            ErrorCode::UnknownTopicOrPartition,
            "This server does not host this topic-partition.",
        ));
    };
    let current = existing.len();
    let to_add = i64::from(new_total) - current as i64;
    if to_add <= 0 {
        return Err(KafkaError::new(
            ErrorCode::InvalidPartitions,
            format!("Topic already has {current} partition(s)."),
        ));
    }
    // The simulator's own limit per topic holds for growing one as for creating it.
    validate_partition_count(new_total)?;
    // new_total > current, so both fit in i32 / u32.
    let to_add = i32::try_from(to_add).unwrap_or(i32::MAX);
    let start_partition_id = u32::try_from(current).unwrap_or(u32::MAX);
    let replication_factor = i32::try_from(partition0.len()).unwrap_or(i32::MAX);
    let sorted = sorted_brokers(brokers)?;
    let start_index = partition0
        .first()
        .and_then(|&leader| sorted.iter().position(|b| b.id >= leader))
        .unwrap_or(0);
    assign_replicas_to_brokers(
        brokers,
        to_add,
        replication_factor,
        StartIndex::Fixed(start_index),
        start_partition_id,
        rng,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_pcg::Pcg64Mcg;

    fn rng() -> Pcg64Mcg {
        Pcg64Mcg::seed_from_u64(7)
    }

    fn plain(ids: impl IntoIterator<Item = BrokerId>) -> Vec<BrokerMeta> {
        ids.into_iter().map(BrokerMeta::new).collect()
    }

    fn racked(pairs: &[(BrokerId, &str)]) -> Vec<BrokerMeta> {
        pairs
            .iter()
            .map(|&(id, rack)| BrokerMeta::in_rack(id, rack))
            .collect()
    }

    fn rack_map(pairs: &[(BrokerId, &str)]) -> BTreeMap<BrokerId, String> {
        pairs.iter().map(|&(id, r)| (id, r.to_owned())).collect()
    }

    /// The rack map of Kafka's `AdminRackAwareTest` and `AdminUtils` javadoc.
    const SIX_BROKERS: [(BrokerId, &str); 6] = [
        (0, "rack1"),
        (1, "rack3"),
        (2, "rack3"),
        (3, "rack2"),
        (4, "rack2"),
        (5, "rack1"),
    ];

    fn kafka_rack_unaware_vector() -> Vec<Vec<BrokerId>> {
        vec![
            vec![0, 1, 2],
            vec![1, 2, 3],
            vec![2, 3, 4],
            vec![3, 4, 0],
            vec![4, 0, 1],
            vec![0, 2, 3],
            vec![1, 3, 4],
            vec![2, 4, 0],
            vec![3, 0, 1],
            vec![4, 1, 2],
        ]
    }

    fn err<T: std::fmt::Debug>(r: Result<T, KafkaError>) -> (ErrorCode, String) {
        let e = r.expect_err("expected an error");
        (e.code, e.message)
    }

    /// Each partition has `rf` distinct brokers and every broker leads the same number of
    /// partitions (the count must be a multiple of the broker count).
    fn assert_valid_and_leaders_even(a: &[Vec<BrokerId>], ids: &[BrokerId], rf: usize) {
        for replicas in a {
            assert_eq!(replicas.len(), rf);
            let distinct: BTreeSet<_> = replicas.iter().collect();
            assert_eq!(distinct.len(), rf, "duplicate broker in {replicas:?}");
            assert!(replicas.iter().all(|b| ids.contains(b)));
        }
        let per = a.len() / ids.len();
        for id in ids {
            let led = a.iter().filter(|r| r[0] == *id).count();
            assert_eq!(led, per, "broker {id} leads {led} partitions in {a:?}");
        }
    }

    #[test]
    fn rack_unaware_fixed_start_zero_matches_kafka_vector() {
        let a =
            assign_replicas_to_brokers(&plain(0..5), 10, 3, StartIndex::Fixed(0), 0, &mut rng())
                .unwrap();
        assert_eq!(a, kafka_rack_unaware_vector());
    }

    #[test]
    fn brokers_are_sorted_by_id_before_assignment() {
        let shuffled = plain([3, 0, 4, 2, 1]);
        let a = assign_replicas_to_brokers(&shuffled, 10, 3, StartIndex::Fixed(0), 0, &mut rng())
            .unwrap();
        assert_eq!(a, kafka_rack_unaware_vector());
    }

    #[test]
    fn fixed_start_sets_both_start_index_and_shift() {
        // Start 2 and shift 2 over 0..5: partition 0 leads on broker 2; its followers sit
        // 1 + (2 + j) % 4 places further: 2+3=5%5=0 and 2+4=6%5=1.
        let a = assign_replicas_to_brokers(&plain(0..5), 1, 3, StartIndex::Fixed(2), 0, &mut rng())
            .unwrap();
        assert_eq!(a, vec![vec![2, 0, 1]]);
    }

    #[test]
    fn rack_alternated_list_matches_kafka_example() {
        assert_eq!(
            rack_alternated_broker_list(&rack_map(&SIX_BROKERS)),
            vec![0, 3, 1, 5, 4, 2]
        );
        // Kafka's second case: without broker 5, rack1 runs out first.
        assert_eq!(
            rack_alternated_broker_list(&rack_map(&SIX_BROKERS[..5])),
            vec![0, 3, 1, 4, 2]
        );
    }

    #[test]
    fn rack_aware_seven_partitions_matches_kafka_vector() {
        let a = assign_replicas_to_brokers(
            &racked(&SIX_BROKERS),
            7,
            3,
            StartIndex::Fixed(0),
            0,
            &mut rng(),
        )
        .unwrap();
        assert_eq!(
            a,
            vec![
                vec![0, 3, 1],
                vec![3, 1, 5],
                vec![1, 5, 4],
                vec![5, 4, 2],
                vec![4, 2, 0],
                vec![2, 0, 3],
                vec![0, 4, 2],
            ]
        );
    }

    #[test]
    fn rack_aware_skips_used_racks_then_used_brokers() {
        // Kafka's testSkipBrokerWithReplicaAlreadyAssigned setup: racks a:{0,3,4} b:{1} c:{2},
        // so the alternated list is [0,1,2,3,4] (n = 5, 3 racks). Fixed start 2: start 2,
        // shift 2, scaled shift 6; candidate k sits 1 + (6 + k) % 4 places after the leader.
        // Partition 2: leader index 4 (broker 4, rack a).
        //   k=0 -> index 2, broker 2 (c): new rack, taken.
        //   k=1 -> index 3, broker 3 (a): rack a used while b has none, skipped.
        //   k=2 -> index 0, broker 0 (a): skipped likewise.
        //   k=3 -> index 1, broker 1 (b): taken; now every rack has a replica.
        //   k=4 -> index 2, broker 2: already a replica while 3 and 0 have none, skipped.
        //   k=5 -> index 3, broker 3: taken.
        let brokers = racked(&[(0, "a"), (1, "b"), (2, "c"), (3, "a"), (4, "a")]);
        let a = assign_replicas_to_brokers(&brokers, 6, 4, StartIndex::Fixed(2), 0, &mut rng())
            .unwrap();
        assert_eq!(a[0], vec![2, 0, 1, 3]);
        assert_eq!(a[1], vec![3, 1, 2, 4]);
        assert_eq!(a[2], vec![4, 2, 1, 3]);
        for replicas in &a {
            let distinct: BTreeSet<_> = replicas.iter().collect();
            assert_eq!(distinct.len(), 4);
        }
    }

    #[test]
    fn rack_aware_places_replicas_on_distinct_racks_when_racks_suffice() {
        let brokers = racked(&[
            (0, "rack1"),
            (1, "rack2"),
            (2, "rack2"),
            (3, "rack3"),
            (4, "rack3"),
            (5, "rack2"),
        ]);
        let racks: BTreeMap<BrokerId, &str> = brokers
            .iter()
            .map(|b| (b.id, b.rack.as_deref().unwrap()))
            .collect();
        for seed in 0..20 {
            let mut r = Pcg64Mcg::seed_from_u64(seed);
            // RF 2 < 3 racks: two racks per partition; RF 5 > 3 racks: all three racks.
            for (rf, want) in [(2, 2), (3, 3), (5, 3)] {
                let a = assign_replicas_to_brokers(&brokers, 6, rf, StartIndex::Random, 0, &mut r)
                    .unwrap();
                for replicas in &a {
                    let used: BTreeSet<_> = replicas.iter().map(|b| racks[b]).collect();
                    assert_eq!(used.len(), want, "rf {rf}: {replicas:?}");
                    let distinct: BTreeSet<_> = replicas.iter().collect();
                    assert_eq!(distinct.len(), rf as usize);
                }
            }
        }
    }

    #[test]
    fn random_start_is_deterministic_per_seed_and_valid() {
        let ids: Vec<BrokerId> = (0..5).collect();
        let brokers = plain(ids.clone());
        let mut seen = BTreeSet::new();
        for seed in 0..30 {
            let run = |s| {
                let mut r = Pcg64Mcg::seed_from_u64(s);
                assign_replicas_to_brokers(&brokers, 10, 3, StartIndex::Random, 0, &mut r).unwrap()
            };
            let a = run(seed);
            assert_eq!(a, run(seed), "seed {seed} not deterministic");
            assert_valid_and_leaders_even(&a, &ids, 3);
            seen.insert(a);
        }
        // The draws matter: 30 seeds do not all give one assignment.
        assert!(seen.len() > 1);
    }

    #[test]
    fn random_rack_aware_is_deterministic_per_seed_and_valid() {
        let brokers = racked(&SIX_BROKERS);
        let ids: Vec<BrokerId> = (0..6).collect();
        for seed in 0..30 {
            let run = |s| {
                let mut r = Pcg64Mcg::seed_from_u64(s);
                assign_replicas_to_brokers(&brokers, 12, 3, StartIndex::Random, 0, &mut r).unwrap()
            };
            let a = run(seed);
            assert_eq!(a, run(seed));
            assert_valid_and_leaders_even(&a, &ids, 3);
        }
    }

    #[test]
    fn random_start_draws_start_index_then_shift() {
        let brokers = plain(0..5);
        for seed in 0..20 {
            let mut r = Pcg64Mcg::seed_from_u64(seed);
            let mut copy = r.clone();
            let start_index = copy.random_range(0..5usize);
            let shift = copy.random_range(0..5usize);
            let a =
                assign_replicas_to_brokers(&brokers, 10, 3, StartIndex::Random, 0, &mut r).unwrap();
            let ids: Vec<BrokerId> = (0..5).collect();
            assert_eq!(a, assign_rack_unaware(&ids, 10, 3, start_index, shift, 0));
            // Exactly two draws were used.
            assert_eq!(r.random_range(0..u64::MAX), copy.random_range(0..u64::MAX));
        }
    }

    #[test]
    fn fixed_start_draws_nothing_from_rng() {
        let mut r = rng();
        let before = r.clone();
        assign_replicas_to_brokers(&plain(0..5), 10, 3, StartIndex::Fixed(1), 0, &mut r).unwrap();
        assert_eq!(r, before);
    }

    #[test]
    fn start_partition_id_continues_the_round_robin() {
        // Partitions 5..10 of a fresh assignment equal the tail of the full one.
        let a = assign_replicas_to_brokers(&plain(0..5), 5, 3, StartIndex::Fixed(0), 5, &mut rng())
            .unwrap();
        assert_eq!(a, kafka_rack_unaware_vector()[5..].to_vec());
    }

    #[test]
    fn single_broker_single_replica() {
        let a = assign_replicas_to_brokers(&plain([7]), 3, 1, StartIndex::Random, 0, &mut rng())
            .unwrap();
        assert_eq!(a, vec![vec![7]; 3]);
        let a = assign_replicas_to_brokers(
            &racked(&[(7, "r")]),
            3,
            1,
            StartIndex::Random,
            0,
            &mut rng(),
        )
        .unwrap();
        assert_eq!(a, vec![vec![7]; 3]);
    }

    #[test]
    fn non_positive_partitions_error_comes_before_replication_factor() {
        assert_eq!(
            err(assign_replicas_to_brokers(
                &plain(0..3),
                0,
                0,
                StartIndex::Random,
                0,
                &mut rng()
            )),
            (
                ErrorCode::InvalidPartitions,
                "Number of partitions must be larger than 0.".to_owned()
            )
        );
    }

    #[test]
    fn non_positive_replication_factor_is_rejected() {
        assert_eq!(
            err(assign_replicas_to_brokers(
                &plain(0..3),
                10,
                0,
                StartIndex::Random,
                0,
                &mut rng()
            )),
            (
                ErrorCode::InvalidReplicationFactor,
                "Replication factor must be larger than 0.".to_owned()
            )
        );
    }

    #[test]
    fn replication_factor_above_broker_count_is_rejected() {
        assert_eq!(
            err(assign_replicas_to_brokers(
                &plain(0..3),
                10,
                4,
                StartIndex::Random,
                0,
                &mut rng()
            )),
            (
                ErrorCode::InvalidReplicationFactor,
                "Replication factor: 4 larger than available brokers: 3.".to_owned()
            )
        );
        assert_eq!(
            err(assign_replicas_to_brokers(
                &[],
                1,
                1,
                StartIndex::Random,
                0,
                &mut rng()
            ))
            .1,
            "Replication factor: 1 larger than available brokers: 0."
        );
    }

    #[test]
    fn partial_rack_information_is_rejected_after_count_checks() {
        // Kafka's testAssignReplicasToBrokersWithInvalidParameters: broker 4 has no rack.
        let mut brokers = racked(&SIX_BROKERS[..4]);
        brokers.push(BrokerMeta::new(4));
        assert_eq!(
            err(assign_replicas_to_brokers(
                &brokers,
                10,
                6,
                StartIndex::Random,
                0,
                &mut rng()
            ))
            .1,
            "Replication factor: 6 larger than available brokers: 5."
        );
        assert_eq!(
            err(assign_replicas_to_brokers(
                &brokers,
                10,
                5,
                StartIndex::Random,
                0,
                &mut rng()
            )),
            (
                ErrorCode::InvalidReplicationFactor,
                "Not all brokers have rack information for replica rack aware assignment."
                    .to_owned()
            )
        );
    }

    #[test]
    fn duplicate_broker_ids_are_rejected() {
        assert_eq!(
            err(assign_replicas_to_brokers(
                &plain([1, 2, 1]),
                1,
                1,
                StartIndex::Random,
                0,
                &mut rng()
            )),
            (
                ErrorCode::InvalidRequest,
                "Broker id 1 is listed more than once.".to_owned()
            )
        );
    }

    #[test]
    fn add_partitions_extends_an_existing_assignment_as_kafka_does() {
        // Brokers 0..5 (n = 5), topic with 2 partitions of RF 3 whose partition 0 leads on
        // broker 2. Kafka's add path: start index = position of the first broker with id >= 2,
        // i.e. 2; shift 2; partition ids from 2. Followers sit 1 + (shift + j) % 4 places after
        // the first replica.
        //   p2: first (2+2)%5 = 4; followers 4+1+2 = 7%5 = 2, 4+1+3 = 8%5 = 3  -> [4,2,3]
        //   p3: first (3+2)%5 = 0; followers 0+1+2 = 3,      0+1+3 = 4       -> [0,3,4]
        //   p4: first (4+2)%5 = 1; followers 1+1+2 = 4,      1+1+3 = 5%5 = 0  -> [1,4,0]
        //   p5: 5 % 5 == 0, shift 3. first (5+2)%5 = 2; followers 2+1+3 = 6%5 = 1,
        //       2+1+(4%4=0) = 3                                              -> [2,1,3]
        //   p6: first (6+2)%5 = 3; followers 3+1+3 = 7%5 = 2, 3+1+0 = 4      -> [3,2,4]
        let existing = vec![vec![2, 3, 4], vec![3, 4, 0]];
        let added = add_partitions(&plain(0..5), &existing, 7, &mut rng()).unwrap();
        assert_eq!(
            added,
            vec![
                vec![4, 2, 3],
                vec![0, 3, 4],
                vec![1, 4, 0],
                vec![2, 1, 3],
                vec![3, 2, 4]
            ]
        );
    }

    #[test]
    fn add_partitions_continues_a_topic_created_with_start_zero() {
        // Partition 0 leads on broker 0, so the add path reuses start 0 / shift 0 from partition
        // 5 on: growing 5 -> 10 gives the tail of Kafka's 10-partition vector.
        let full = kafka_rack_unaware_vector();
        let added = add_partitions(&plain(0..5), &full[..5], 10, &mut rng()).unwrap();
        assert_eq!(added, full[5..].to_vec());
    }

    #[test]
    fn add_partitions_starts_at_next_higher_broker_when_partition0_leader_is_gone() {
        // Broker 2 has left: brokers [0,1,3,4] (n = 4). The first id >= 2 is 3 at position 2,
        // so start 2, shift 2; followers sit 1 + (2 + j) % 3 places after the first replica.
        //   p1: first (1+2)%4 = 3 (broker 4); 3+1+2 = 6%4 = 2 (broker 3); 3+1+0 = 0 (broker 0)
        //   p2: first (2+2)%4 = 0 (broker 0); 0+1+2 = 3 (broker 4);       0+1+0 = 1 (broker 1)
        let added = add_partitions(&plain([0, 1, 3, 4]), &[vec![2, 3, 4]], 3, &mut rng()).unwrap();
        assert_eq!(added, vec![vec![4, 3, 0], vec![0, 4, 1]]);
        // A leader above every live id falls back to start 0 (Kafka's max(0, -1)).
        let from_zero =
            add_partitions(&plain([0, 1, 3, 4]), &[vec![9, 3, 4]], 2, &mut rng()).unwrap();
        let fixed0 = assign_replicas_to_brokers(
            &plain([0, 1, 3, 4]),
            1,
            3,
            StartIndex::Fixed(0),
            1,
            &mut rng(),
        )
        .unwrap();
        assert_eq!(from_zero, fixed0);
    }

    #[test]
    fn add_partitions_rack_aware_uses_id_order_position_on_the_alternated_list() {
        // Partition 0 leads on broker 3: position 3 among ids [0..6), applied (as Kafka does)
        // to the alternated list [0,3,1,5,4,2]. Start 3, shift 3, scaled shift 9, n = 6;
        // candidate k sits 1 + (9 + k) % 5 places after the leader.
        //   p1: leader index (1+3)%6 = 4 -> broker 4 (rack2); k=0: 4+1+4 = 9%6 = 3 -> broker 5
        //       (rack1); k=1: 4+1+0 = 5 -> broker 2 (rack3)                      -> [4,5,2]
        //   p2: leader index (2+3)%6 = 5 -> broker 2 (rack3); k=0: 5+1+4 = 10%6 = 4 -> broker 4
        //       (rack2); k=1: 5+1+0 = 6%6 = 0 -> broker 0 (rack1)                -> [2,4,0]
        let added = add_partitions(&racked(&SIX_BROKERS), &[vec![3, 1, 5]], 3, &mut rng()).unwrap();
        assert_eq!(added, vec![vec![4, 5, 2], vec![2, 4, 0]]);
    }

    #[test]
    fn add_partitions_rejects_a_count_that_is_not_an_increase() {
        let existing = vec![vec![0, 1], vec![1, 2]];
        for total in [2, 1, 0, -3] {
            assert_eq!(
                err(add_partitions(&plain(0..3), &existing, total, &mut rng())),
                (
                    ErrorCode::InvalidPartitions,
                    "Topic already has 2 partition(s).".to_owned()
                )
            );
        }
    }

    #[test]
    fn add_partitions_without_partitions_is_unknown_topic() {
        assert_eq!(
            err(add_partitions(&plain(0..3), &[], 3, &mut rng())).0,
            ErrorCode::UnknownTopicOrPartition
        );
    }

    #[test]
    fn add_partitions_checks_partition0_replication_factor_against_brokers() {
        assert_eq!(
            err(add_partitions(
                &plain(0..2),
                &[vec![0, 1, 2]],
                2,
                &mut rng()
            )),
            (
                ErrorCode::InvalidReplicationFactor,
                "Replication factor: 3 larger than available brokers: 2.".to_owned()
            )
        );
    }

    #[test]
    fn add_partitions_rejects_partial_rack_information_first() {
        let brokers = vec![BrokerMeta::in_rack(0, "r1"), BrokerMeta::new(1)];
        // Even with a count that is not an increase, the broker check comes first.
        assert_eq!(
            err(add_partitions(&brokers, &[vec![0]], 1, &mut rng())),
            (
                ErrorCode::InvalidReplicationFactor,
                "Not all brokers have rack information. Add --disable-rack-aware in command line to make replica assignment without rack information.".to_owned()
            )
        );
    }
}
