//! Producer-side partition choice (key hash, round-robin, uniform sticky) and the group
//! coordinator's `__consumer_offsets` partition, following Apache Kafka's own code (the
//! few simplifications are stated on [`KeylessPartitioner`] and [`KeylessStrategy`]).
//!
//! Sources in `apache/kafka`: `clients/src/main/java/org/apache/kafka/common/utils/Utils.java`
//! (`murmur2`, `toPositive`, `abs`), `clients/.../producer/internals/BuiltInPartitioner.java`
//! (keyed placement and the KIP-794 uniform sticky partitioner),
//! `clients/.../producer/RoundRobinPartitioner.java`, and
//! `group-coordinator/.../GroupCoordinatorService.java` (`partitionFor`).

use crate::collections::LiteMap;
use crate::ids::TopicName;
use serde::{Deserialize, Serialize};

/// Kafka's `Utils.murmur2`: 32-bit MurmurHash2 with seed `0x9747b28c`, read as a signed `i32`.
///
/// This is the hash the default partitioner applies to the serialised key bytes.
pub fn murmur2(data: &[u8]) -> i32 {
    const SEED: u32 = 0x9747_b28c;
    const M: u32 = 0x5bd1_e995;
    const R: u32 = 24;

    // Kafka computes `seed ^ length` with a Java int length; arrays never exceed i32::MAX.
    let mut h: u32 = SEED ^ (data.len() as u32);

    let mut blocks = data.chunks_exact(4);
    for block in &mut blocks {
        let mut k = u32::from_le_bytes([block[0], block[1], block[2], block[3]]);
        k = k.wrapping_mul(M);
        k ^= k >> R;
        k = k.wrapping_mul(M);
        h = h.wrapping_mul(M);
        h ^= k;
    }

    // The tail bytes, falling through from the highest one as Kafka's `switch` does.
    let tail = blocks.remainder();
    if tail.len() == 3 {
        h ^= u32::from(tail[2]) << 16;
    }
    if tail.len() >= 2 {
        h ^= u32::from(tail[1]) << 8;
    }
    if !tail.is_empty() {
        h ^= u32::from(tail[0]);
        h = h.wrapping_mul(M);
    }

    h ^= h >> 13;
    h = h.wrapping_mul(M);
    h ^= h >> 15;
    h as i32
}

/// Kafka's `Utils.toPositive`: clears the sign bit (`n & 0x7fffffff`).
///
/// Not an absolute value: `to_positive(-1) == i32::MAX` and `to_positive(i32::MIN) == 0`.
pub fn to_positive(n: i32) -> i32 {
    n & 0x7fff_ffff
}

/// How a key maps to a partition, for the UI to explain it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyPlacement {
    /// `murmur2(key bytes)` as a signed 32-bit value.
    pub murmur2: i32,
    /// `to_positive(murmur2)`.
    pub positive: i32,
    /// Number of partitions of the topic, available or not.
    pub num_partitions: u32,
    /// `positive % num_partitions`: the partition the record goes to.
    pub partition: u32,
}

/// Kafka's `BuiltInPartitioner.partitionForKey`: `toPositive(murmur2(key)) % numPartitions`,
/// with every intermediate value kept so the UI can show the computation.
///
/// `key` is the serialised key (`StringSerializer` produces UTF-8). `num_partitions` counts
/// ALL partitions of the topic, whether or not they currently have a leader.
///
/// # Panics
///
/// Panics if `num_partitions == 0` (Kafka would throw `ArithmeticException`).
pub fn partition_for_key(key: &[u8], num_partitions: u32) -> KeyPlacement {
    assert!(
        num_partitions > 0,
        "partition_for_key: a topic has at least one partition"
    );
    let hash = murmur2(key);
    let positive = to_positive(hash);
    KeyPlacement {
        murmur2: hash,
        positive,
        num_partitions,
        // `positive` is non-negative, so the cast is lossless.
        partition: positive as u32 % num_partitions,
    }
}

/// Keyless strategy of a producer.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KeylessStrategy {
    /// Kafka's `RoundRobinPartitioner`: a per-topic counter starting at 0 cycles through the
    /// available partitions (what the course teaches: 0, 1, 2, 0, ...).
    ///
    /// This is the partitioner's intended behaviour. In real producers from 2.4 until the
    /// KAFKA-17632 fix (4.0, later backported to 3.9), `KafkaProducer` calls a custom
    /// partitioner twice when a record opens a new batch, which skips counter values
    /// (KAFKA-9965); that skipping is not modelled.
    #[default]
    RoundRobin,
    /// Kafka 3.3+ built-in uniform sticky partitioner (KIP-794), the default of a modern
    /// producer: stay on one partition for `batch.size` bytes, then jump to a random one.
    Sticky,
}

/// The sticky partition of one topic and how many bytes went to it since it was chosen
/// (Kafka's `BuiltInPartitioner.StickyPartitionInfo`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StickyPartitionInfo {
    /// The partition keyless records currently go to.
    pub partition: u32,
    /// Bytes appended to `partition` since it became the sticky partition.
    pub produced_bytes: u32,
}

/// Per-producer state for records without a key (per-topic counters / sticky partition).
///
/// With [`KeylessStrategy::Sticky`] this models Kafka's `BuiltInPartitioner` with
/// `partitioner.adaptive.partitioning.enable=false`: the next partition is drawn uniformly.
/// Adaptive weighting by queue size (Kafka's default) is NOT modelled, and neither is the
/// accumulator's deferral of a switch while the partition's last batch is not full (Kafka
/// then switches after between `batch.size` and `2 * batch.size` bytes); here the switch
/// always happens once `batch.size` bytes were produced.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct KeylessPartitioner {
    strategy: KeylessStrategy,
    /// `batch.size`, at least 1 (Kafka passes `max(1, batch.size)` to the partitioner).
    batch_size_bytes: u32,
    /// `RoundRobinPartitioner`'s `topicCounterMap`: the next counter value per topic.
    #[serde(serialize_with = "crate::collections::serialize_as_map")]
    round_robin_counters: LiteMap<TopicName, i32>,
    /// One `BuiltInPartitioner` sticky state per topic, created on the first keyless record.
    #[serde(serialize_with = "crate::collections::serialize_as_map")]
    sticky: LiteMap<TopicName, StickyPartitionInfo>,
}

impl KeylessPartitioner {
    /// A partitioner with no history. `batch_size_bytes` is the producer's `batch.size`
    /// (Kafka's default is 16384); 0 is treated as 1, as `KafkaProducer` does.
    pub fn new(strategy: KeylessStrategy, batch_size_bytes: u32) -> Self {
        Self {
            strategy,
            batch_size_bytes: batch_size_bytes.max(1),
            round_robin_counters: LiteMap::new_vec(),
            sticky: LiteMap::new_vec(),
        }
    }

    /// The strategy this producer uses for keyless records.
    pub fn strategy(&self) -> KeylessStrategy {
        self.strategy
    }

    /// The effective `batch.size` (at least 1) after which the sticky partition switches.
    pub fn batch_size_bytes(&self) -> u32 {
        self.batch_size_bytes
    }

    /// The current sticky partition of `topic` and the bytes produced to it, if a keyless
    /// record was already sent to that topic with the sticky strategy.
    pub fn sticky_partition_info(&self, topic: &TopicName) -> Option<StickyPartitionInfo> {
        self.sticky.get(topic).copied()
    }

    /// Chooses the partition for a keyless record of `record_bytes` bytes.
    /// `available` = partitions of the topic that currently have a leader, ascending.
    ///
    /// Round-robin: `to_positive(counter++) % available.len()` indexes `available`; when no
    /// partition is available, `to_positive(counter++) % num_partitions` is returned directly.
    ///
    /// Sticky: the topic's sticky partition is drawn on its first keyless record; the record
    /// goes there and its bytes are added; once the sticky partition has received at least
    /// `batch.size` bytes, the next one is drawn right away (so the record that crosses the
    /// threshold still goes to the old partition). A draw is
    /// `to_positive(rng.next_u32() as i32) % available.len()` indexing `available` (or
    /// `% num_partitions` when none is available); the current partition is not excluded,
    /// so it may be drawn again. As in Kafka, the sticky partition is kept even if it loses
    /// its leader before enough bytes went to it. The `rng` is used only for draws.
    ///
    /// # Panics
    ///
    /// Panics if `available` is empty and `num_partitions == 0` (a topic has partitions).
    pub fn choose(
        &mut self,
        topic: &TopicName,
        num_partitions: u32,
        available: &[u32],
        record_bytes: u32,
        rng: &mut impl rand::RngCore,
    ) -> u32 {
        match self.strategy {
            KeylessStrategy::RoundRobin => {
                self.choose_round_robin(topic, num_partitions, available)
            }
            KeylessStrategy::Sticky => {
                self.choose_sticky(topic, num_partitions, available, record_bytes, rng)
            }
        }
    }

    /// `RoundRobinPartitioner.partition` for a keyless record.
    fn choose_round_robin(
        &mut self,
        topic: &TopicName,
        num_partitions: u32,
        available: &[u32],
    ) -> u32 {
        let counter = self.round_robin_counters.entry(topic.clone()).or_insert(0);
        // Java's `AtomicInteger.getAndIncrement` wraps from i32::MAX to i32::MIN.
        let value = *counter;
        *counter = value.wrapping_add(1);
        pick(to_positive(value), num_partitions, available)
    }

    /// `BuiltInPartitioner.peekCurrentPartitionInfo` then `updatePartitionInfo`.
    fn choose_sticky(
        &mut self,
        topic: &TopicName,
        num_partitions: u32,
        available: &[u32],
        record_bytes: u32,
        rng: &mut impl rand::RngCore,
    ) -> u32 {
        // Defensive: a recreated topic with fewer partitions invalidates the old choice.
        let valid = matches!(self.sticky.get(topic), Some(info) if info.partition < num_partitions);
        if !valid {
            let partition = next_sticky_partition(num_partitions, available, rng);
            self.sticky.insert(
                topic.clone(),
                StickyPartitionInfo {
                    partition,
                    produced_bytes: 0,
                },
            );
        }
        let batch_size_bytes = self.batch_size_bytes;
        let Some(info) = self.sticky.get_mut(topic) else {
            unreachable!("the sticky state of the topic was just ensured")
        };
        let partition = info.partition;
        info.produced_bytes = info.produced_bytes.saturating_add(record_bytes);
        if info.produced_bytes >= batch_size_bytes {
            *info = StickyPartitionInfo {
                partition: next_sticky_partition(num_partitions, available, rng),
                produced_bytes: 0,
            };
        }
        partition
    }
}

/// `BuiltInPartitioner.nextPartition` without load stats: a uniform draw among available
/// partitions, or among all partitions when none is available.
fn next_sticky_partition(
    num_partitions: u32,
    available: &[u32],
    rng: &mut impl rand::RngCore,
) -> u32 {
    // Kafka: `Utils.toPositive(ThreadLocalRandom.current().nextInt())`.
    let random = to_positive(rng.next_u32() as i32);
    pick(random, num_partitions, available)
}

/// `available[value % available.len()]`, or `value % num_partitions` if none is available.
/// `value` is non-negative.
fn pick(value: i32, num_partitions: u32, available: &[u32]) -> u32 {
    let value = value as u32;
    if available.is_empty() {
        assert!(
            num_partitions > 0,
            "keyless partition choice: a topic has at least one partition"
        );
        value % num_partitions
    } else {
        available[value as usize % available.len()]
    }
}

/// Java's String.hashCode over UTF-16 code units (wrapping i32).
///
/// `s[0]*31^(n-1) + ... + s[n-1]` where `s[i]` are UTF-16 code units, so characters outside
/// the Basic Multilingual Plane contribute their two surrogates.
pub fn java_string_hash_code(s: &str) -> i32 {
    s.encode_utf16().fold(0i32, |h, unit| {
        h.wrapping_mul(31).wrapping_add(i32::from(unit))
    })
}

/// Kafka's `Utils.abs`: the absolute value, except that `i32::MIN` maps to 0 (Java's
/// `Math.abs` would return `i32::MIN`).
pub fn kafka_abs(n: i32) -> i32 {
    if n == i32::MIN { 0 } else { n.abs() }
}

/// Partition of `__consumer_offsets` whose leader is the group coordinator:
/// `Utils.abs(groupId.hashCode()) % n` (`GroupCoordinatorService.partitionFor`).
///
/// `offsets_topic_partitions` is `offsets.topic.num.partitions` (50 by default). Note this
/// uses [`kafka_abs`], not [`to_positive`]: negative hashes give different partitions.
///
/// # Panics
///
/// Panics if `offsets_topic_partitions == 0`.
pub fn group_coordinator_partition(group_id: &str, offsets_topic_partitions: u32) -> u32 {
    assert!(
        offsets_topic_partitions > 0,
        "group_coordinator_partition: offsets.topic.num.partitions is at least 1"
    );
    // `kafka_abs` is non-negative, so the cast is lossless.
    kafka_abs(java_string_hash_code(group_id)) as u32 % offsets_topic_partitions
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_pcg::Pcg64Mcg;

    fn topic(name: &str) -> TopicName {
        TopicName::from(name)
    }

    #[test]
    fn murmur2_matches_kafka_utils_test_vectors() {
        // clients/src/test/java/org/apache/kafka/common/utils/UtilsTest.java#testMurmur2
        let cases: [(&[u8], i32); 6] = [
            (b"21", -973_932_308),
            (b"foobar", -790_332_482),
            (b"a-little-bit-long-string", -985_981_536),
            (b"a-little-bit-longer-string", -1_486_304_829),
            (
                b"lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8",
                -58_897_971,
            ),
            (b"abc", 479_470_107), // Kafka passes it as new byte[] {'a', 'b', 'c'}
        ];
        for (input, expected) in cases {
            assert_eq!(
                murmur2(input),
                expected,
                "murmur2({:?})",
                String::from_utf8_lossy(input)
            );
        }
    }

    #[test]
    fn murmur2_matches_librdkafka_vectors_cast_to_i32() {
        // librdkafka src/rdmurmur2.c unit test, given there as u32.
        let cases: [(&[u8], u32); 7] = [
            (b"kafka", 0xd067_cf64),
            (b"giberish123456789", 0x8f55_2b0c),
            (b"1234", 0x9fc9_7b14),
            (b"234", 0xe7c0_09ca),
            (b"34", 0x8739_30da),
            (b"4", 0x5a4b_5ca1),
            (b"", 0x106e_08d9),
        ];
        for (input, expected) in cases {
            assert_eq!(
                murmur2(input),
                expected as i32,
                "murmur2({:?})",
                String::from_utf8_lossy(input)
            );
        }
    }

    #[test]
    fn to_positive_clears_only_the_sign_bit() {
        assert_eq!(to_positive(i32::MIN), 0);
        assert_eq!(to_positive(-1), i32::MAX);
        assert_eq!(to_positive(0), 0);
        assert_eq!(to_positive(42), 42);
        assert_eq!(to_positive(-973_932_308), -973_932_308 & 0x7fff_ffff);
    }

    #[test]
    fn digit_keys_over_three_partitions_land_like_kafka_streams_test() {
        let partitions: Vec<u32> = (0..10)
            .map(|d| partition_for_key(d.to_string().as_bytes(), 3).partition)
            .collect();
        assert_eq!(partitions, [2, 0, 2, 2, 1, 0, 1, 0, 0, 2]);
    }

    #[test]
    fn customer_123_goes_to_partition_0_of_3() {
        assert_eq!(
            partition_for_key(b"customer-123", 3),
            KeyPlacement {
                murmur2: 593_099_448,
                positive: 593_099_448,
                num_partitions: 3,
                partition: 0,
            }
        );
    }

    #[test]
    fn key_placement_of_negative_hash_uses_to_positive() {
        let placement = partition_for_key(b"21", 7);
        assert_eq!(placement.murmur2, -973_932_308);
        assert_eq!(placement.positive, 1_173_551_340);
        assert_eq!(placement.partition, 1_173_551_340 % 7);
    }

    #[test]
    #[should_panic(expected = "at least one partition")]
    fn partition_for_key_panics_on_zero_partitions() {
        partition_for_key(b"k", 0);
    }

    #[test]
    fn round_robin_cycles_0_1_2_0() {
        let mut p = KeylessPartitioner::new(KeylessStrategy::RoundRobin, 16_384);
        let mut rng = Pcg64Mcg::seed_from_u64(1);
        let t = topic("orders");
        let got: Vec<u32> = (0..4)
            .map(|_| p.choose(&t, 3, &[0, 1, 2], 100, &mut rng))
            .collect();
        assert_eq!(got, [0, 1, 2, 0]);
    }

    #[test]
    fn round_robin_cycles_over_available_partitions_only() {
        let mut p = KeylessPartitioner::new(KeylessStrategy::RoundRobin, 16_384);
        let mut rng = Pcg64Mcg::seed_from_u64(1);
        let t = topic("orders");
        let got: Vec<u32> = (0..5)
            .map(|_| p.choose(&t, 4, &[1, 3], 100, &mut rng))
            .collect();
        assert_eq!(got, [1, 3, 1, 3, 1]);
    }

    #[test]
    fn round_robin_counter_continues_when_availability_changes() {
        let mut p = KeylessPartitioner::new(KeylessStrategy::RoundRobin, 16_384);
        let mut rng = Pcg64Mcg::seed_from_u64(1);
        let t = topic("orders");
        assert_eq!(p.choose(&t, 3, &[0, 1, 2], 1, &mut rng), 0); // counter 0
        assert_eq!(p.choose(&t, 3, &[0, 2], 1, &mut rng), 2); // counter 1 -> index 1
        assert_eq!(p.choose(&t, 3, &[0, 1, 2], 1, &mut rng), 2); // counter 2 -> index 2
    }

    #[test]
    fn round_robin_without_available_partitions_uses_all_partitions() {
        let mut p = KeylessPartitioner::new(KeylessStrategy::RoundRobin, 16_384);
        let mut rng = Pcg64Mcg::seed_from_u64(1);
        let t = topic("orders");
        let got: Vec<u32> = (0..4).map(|_| p.choose(&t, 3, &[], 1, &mut rng)).collect();
        assert_eq!(got, [0, 1, 2, 0]);
    }

    #[test]
    fn round_robin_counters_are_per_topic() {
        let mut p = KeylessPartitioner::new(KeylessStrategy::RoundRobin, 16_384);
        let mut rng = Pcg64Mcg::seed_from_u64(1);
        let (a, b) = (topic("a"), topic("b"));
        let all = [0, 1, 2];
        assert_eq!(p.choose(&a, 3, &all, 1, &mut rng), 0);
        assert_eq!(p.choose(&a, 3, &all, 1, &mut rng), 1);
        assert_eq!(p.choose(&b, 3, &all, 1, &mut rng), 0);
        assert_eq!(p.choose(&a, 3, &all, 1, &mut rng), 2);
        assert_eq!(p.choose(&b, 3, &all, 1, &mut rng), 1);
    }

    #[test]
    fn round_robin_does_not_use_the_rng() {
        let mut p = KeylessPartitioner::new(KeylessStrategy::RoundRobin, 16_384);
        let mut used = Pcg64Mcg::seed_from_u64(9);
        let mut untouched = Pcg64Mcg::seed_from_u64(9);
        p.choose(&topic("t"), 3, &[0, 1, 2], 1, &mut used);
        assert_eq!(
            rand::RngCore::next_u64(&mut used),
            rand::RngCore::next_u64(&mut untouched)
        );
    }

    #[test]
    fn round_robin_counter_wraps_like_java_int() {
        let mut p = KeylessPartitioner::new(KeylessStrategy::RoundRobin, 16_384);
        let mut rng = Pcg64Mcg::seed_from_u64(1);
        let t = topic("t");
        p.round_robin_counters.insert(t.clone(), i32::MAX);
        // to_positive(i32::MAX) % 3 == 1, then to_positive(i32::MIN) == 0.
        assert_eq!(p.choose(&t, 3, &[0, 1, 2], 1, &mut rng), 1);
        assert_eq!(p.choose(&t, 3, &[0, 1, 2], 1, &mut rng), 0);
        assert_eq!(p.choose(&t, 3, &[0, 1, 2], 1, &mut rng), 1);
    }

    /// Sends `n` keyless records of `bytes` bytes each and returns their partitions.
    fn sticky_run(seed: u64, n: usize, bytes: u32, available: &[u32], num: u32) -> Vec<u32> {
        let mut p = KeylessPartitioner::new(KeylessStrategy::Sticky, 1000);
        let mut rng = Pcg64Mcg::seed_from_u64(seed);
        let t = topic("events");
        (0..n)
            .map(|_| p.choose(&t, num, available, bytes, &mut rng))
            .collect()
    }

    #[test]
    fn sticky_stays_until_batch_size_bytes_then_switches() {
        let mut p = KeylessPartitioner::new(KeylessStrategy::Sticky, 1000);
        let mut rng = Pcg64Mcg::seed_from_u64(7);
        let t = topic("events");
        let all: Vec<u32> = (0..1000).collect();
        // Records of 300 bytes: after 4 records (1200 >= 1000) the partition is redrawn.
        let first = p.choose(&t, 1000, &all, 300, &mut rng);
        for _ in 0..3 {
            assert_eq!(p.choose(&t, 1000, &all, 300, &mut rng), first);
        }
        let info = p.sticky_partition_info(&t).expect("sticky state exists");
        assert_eq!(info.produced_bytes, 0, "counter resets on switch");
        let second = p.choose(&t, 1000, &all, 300, &mut rng);
        assert_eq!(second, info.partition);
        // With 1000 partitions, redrawing the same one is unlikely; this seed draws another.
        assert_ne!(second, first);
        assert_eq!(
            p.sticky_partition_info(&t),
            Some(StickyPartitionInfo {
                partition: second,
                produced_bytes: 300
            })
        );
    }

    #[test]
    fn sticky_switches_exactly_when_produced_bytes_reach_batch_size() {
        let mut p = KeylessPartitioner::new(KeylessStrategy::Sticky, 1000);
        let mut rng = Pcg64Mcg::seed_from_u64(3);
        let t = topic("events");
        let all: Vec<u32> = (0..1000).collect();
        let first = p.choose(&t, 1000, &all, 999, &mut rng);
        assert_eq!(p.sticky_partition_info(&t).unwrap().partition, first);
        assert_eq!(p.sticky_partition_info(&t).unwrap().produced_bytes, 999);
        // The record reaching exactly batch.size still goes to the old partition.
        assert_eq!(p.choose(&t, 1000, &all, 1, &mut rng), first);
        assert_eq!(p.sticky_partition_info(&t).unwrap().produced_bytes, 0);
    }

    #[test]
    fn sticky_record_larger_than_batch_size_switches_after_each_record() {
        let mut p = KeylessPartitioner::new(KeylessStrategy::Sticky, 100);
        let mut rng = Pcg64Mcg::seed_from_u64(11);
        let t = topic("events");
        let all: Vec<u32> = (0..1000).collect();
        let got: Vec<u32> = (0..3)
            .map(|_| {
                let partition = p.choose(&t, 1000, &all, 500, &mut rng);
                assert_eq!(p.sticky_partition_info(&t).unwrap().produced_bytes, 0);
                partition
            })
            .collect();
        assert!(got[0] != got[1] || got[1] != got[2], "{got:?}");
    }

    #[test]
    fn sticky_same_seed_gives_same_sequence() {
        let all = [0, 1, 2, 3, 4, 5];
        let a = sticky_run(42, 200, 150, &all, 6);
        let b = sticky_run(42, 200, 150, &all, 6);
        assert_eq!(a, b);
        // And the sequence does depend on the seed.
        let runs: Vec<Vec<u32>> = (0..5).map(|s| sticky_run(s, 200, 150, &all, 6)).collect();
        assert!(runs.iter().any(|r| *r != runs[0]));
    }

    #[test]
    fn sticky_chooses_only_available_partitions() {
        let available = [1, 4, 6];
        let got = sticky_run(5, 2000, 250, &available, 8);
        assert!(got.iter().all(|p| available.contains(p)), "{got:?}");
        // Uniform draws over 500 switches reach every available partition.
        for p in available {
            assert!(got.contains(&p), "partition {p} never chosen");
        }
    }

    #[test]
    fn sticky_without_available_partitions_draws_among_all() {
        let got = sticky_run(5, 2000, 250, &[], 4);
        assert!(got.iter().all(|&p| p < 4));
        for p in 0..4 {
            assert!(got.contains(&p), "partition {p} never chosen");
        }
    }

    #[test]
    fn sticky_draw_is_to_positive_random_modulo_available() {
        let mut p = KeylessPartitioner::new(KeylessStrategy::Sticky, 16_384);
        let mut rng = Pcg64Mcg::seed_from_u64(8);
        let mut mirror = rng.clone();
        let available = [2, 5, 7, 9, 11];
        let expected_index =
            to_positive(rand::RngCore::next_u32(&mut mirror) as i32) as usize % available.len();
        let got = p.choose(&topic("t"), 12, &available, 10, &mut rng);
        assert_eq!(got, available[expected_index]);
    }

    #[test]
    fn sticky_keeps_partition_that_lost_its_leader_until_batch_is_done() {
        let mut p = KeylessPartitioner::new(KeylessStrategy::Sticky, 1000);
        let mut rng = Pcg64Mcg::seed_from_u64(2);
        let t = topic("events");
        let first = p.choose(&t, 4, &[0, 1, 2, 3], 100, &mut rng);
        let others: Vec<u32> = (0..4).filter(|&x| x != first).collect();
        assert_eq!(p.choose(&t, 4, &others, 100, &mut rng), first);
    }

    #[test]
    fn sticky_state_is_per_topic() {
        let mut p = KeylessPartitioner::new(KeylessStrategy::Sticky, 1000);
        let mut rng = Pcg64Mcg::seed_from_u64(4);
        let (a, b) = (topic("a"), topic("b"));
        let all: Vec<u32> = (0..100).collect();
        let pa = p.choose(&a, 100, &all, 600, &mut rng);
        p.choose(&b, 100, &all, 600, &mut rng);
        p.choose(&b, 100, &all, 600, &mut rng); // b switches, a must not
        assert_eq!(
            p.sticky_partition_info(&a),
            Some(StickyPartitionInfo {
                partition: pa,
                produced_bytes: 600
            })
        );
        assert_eq!(p.sticky_partition_info(&b).unwrap().produced_bytes, 0);
    }

    #[test]
    fn zero_batch_size_is_treated_as_one() {
        let p = KeylessPartitioner::new(KeylessStrategy::Sticky, 0);
        assert_eq!(p.batch_size_bytes(), 1);
        assert_eq!(p.strategy(), KeylessStrategy::Sticky);
        assert_eq!(KeylessStrategy::default(), KeylessStrategy::RoundRobin);
    }

    #[test]
    fn keyless_partitioner_round_trips_through_json() {
        let mut p = KeylessPartitioner::new(KeylessStrategy::Sticky, 1000);
        let mut rng = Pcg64Mcg::seed_from_u64(6);
        let t = topic("events");
        p.choose(&t, 6, &[0, 1, 2, 3, 4, 5], 300, &mut rng);
        let json = serde_json::to_string(&p).unwrap();
        let mut restored: KeylessPartitioner = serde_json::from_str(&json).unwrap();
        let mut rng2 = rng.clone();
        for _ in 0..50 {
            assert_eq!(
                p.choose(&t, 6, &[0, 1, 2, 3, 4, 5], 300, &mut rng),
                restored.choose(&t, 6, &[0, 1, 2, 3, 4, 5], 300, &mut rng2)
            );
        }
        assert_eq!(
            serde_json::to_string(&KeylessStrategy::RoundRobin).unwrap(),
            "\"round_robin\""
        );
    }

    #[test]
    fn java_string_hash_code_matches_java() {
        assert_eq!(java_string_hash_code(""), 0);
        assert_eq!(java_string_hash_code("a"), 97);
        assert_eq!(java_string_hash_code("ab"), 97 * 31 + 98); // 3105
        assert_eq!(java_string_hash_code("hello"), 99_162_322);
        // The classic collision.
        assert_eq!(java_string_hash_code("Aa"), 2112);
        assert_eq!(java_string_hash_code("BB"), 2112);
    }

    #[test]
    fn java_string_hash_code_uses_utf16_code_units() {
        // U+00E9 is one UTF-16 unit (233) but two UTF-8 bytes.
        assert_eq!(java_string_hash_code("é"), 233);
        // U+20AC = 8364: 8364*31^3 + 'u'*31^2 + 'r'*31 + 'o'.
        assert_eq!(java_string_hash_code("€uro"), 249_288_006);
        // U+1F600 is the surrogate pair D83D DE00: 0xD83D * 31 + 0xDE00.
        assert_eq!(java_string_hash_code("😀"), 0xD83D * 31 + 0xDE00);
    }

    #[test]
    fn java_string_hash_code_wraps_like_java_int() {
        // A well-known string whose Java hashCode is Integer.MIN_VALUE.
        assert_eq!(java_string_hash_code("polygenelubricants"), i32::MIN);
        assert_eq!(java_string_hash_code("my-group"), -1_906_497_762);
    }

    #[test]
    fn group_coordinator_partition_uses_kafka_abs() {
        assert_eq!(group_coordinator_partition("a", 50), 97 % 50);
        assert_eq!(group_coordinator_partition("hello", 50), 22);
        // Negative hash: abs(-1906497762) % 50 = 12, whereas to_positive would give 36.
        assert_eq!(group_coordinator_partition("my-group", 50), 12);
        // Utils.abs(Integer.MIN_VALUE) == 0.
        assert_eq!(kafka_abs(i32::MIN), 0);
        assert_eq!(kafka_abs(-5), 5);
        assert_eq!(group_coordinator_partition("polygenelubricants", 50), 0);
        assert_eq!(group_coordinator_partition("polygenelubricants", 7), 0);
        assert_eq!(group_coordinator_partition("", 50), 0);
    }
}
