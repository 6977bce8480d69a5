//! Consumer-group partition assignors: what the group leader computes when a rebalance completes.
//!
//! Behaviour follows Apache Kafka's client-side assignors for the classic group protocol
//! (`clients/src/main/java/org/apache/kafka/clients/consumer/`): `RangeAssignor`,
//! `RoundRobinAssignor`, `StickyAssignor`, `CooperativeStickyAssignor` and their shared
//! `internals/AbstractStickyAssignor` (the "constrained" algorithm when every member subscribes
//! to the same topics, the "general" one otherwise).
//!
//! Out of scope: rack-aware assignment (`client.rack`, KIP-881) and static membership
//! (`group.instance.id`, which makes Range and RoundRobin sort members by instance id).
//!
//! Determinism. Where Kafka's outcome depends on the iteration order of the leader's
//! `HashMap<memberId, Subscription>` (which member keeps a contested quota slot, how three-way
//! ownership claims resolve, which older owner is remembered), this module reproduces Java's `HashMap` iteration order from
//! Java's `String.hashCode` of the member ids and the order of the `members` slice, which stands
//! for the order of the JoinGroup response. Where Kafka picks "any" element of a `HashSet` of
//! partitions, this module picks the smallest. Member ids and topic names are compared by bytes
//! (Java compares UTF-16 units; the two agree for ASCII).
//!
//! Deliberate deviations, for inputs Kafka itself mishandles (see the notes on [`assign`]).

#[cfg(test)]
use std::collections::BTreeSet;
use std::collections::{BTreeMap, VecDeque};

use serde::{Deserialize, Serialize};

use crate::collections::{LiteMap, SortedSet, map_from_iter, sort, sort_by_key};
use crate::ids::{TopicName, TopicPartition};

/// A partition assignment strategy (`partition.assignment.strategy`), by Kafka's protocol name.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum AssignorKind {
    /// `RangeAssignor`: per topic, consecutive ranges of partitions to members sorted by id.
    #[serde(rename = "range")]
    #[default]
    Range,
    /// `RoundRobinAssignor`: all partitions dealt one by one over the members sorted by id.
    #[serde(rename = "roundrobin")]
    RoundRobin,
    /// `StickyAssignor`: balanced, keeps as much of the previous assignment as it can (eager).
    #[serde(rename = "sticky")]
    Sticky,
    /// `CooperativeStickyAssignor`: the sticky target, reached incrementally (KIP-429).
    #[serde(rename = "cooperative-sticky")]
    CooperativeSticky,
}

impl AssignorKind {
    pub const ALL: [AssignorKind; 4] = [
        AssignorKind::Range,
        AssignorKind::RoundRobin,
        AssignorKind::Sticky,
        AssignorKind::CooperativeSticky,
    ];

    /// The strategy with Kafka's protocol name `name`.
    pub fn from_protocol_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.protocol_name() == name)
    }

    /// Kafka's name for the strategy, as sent in JoinGroup: `"range"`, `"roundrobin"`,
    /// `"sticky"` or `"cooperative-sticky"`.
    pub fn protocol_name(self) -> &'static str {
        match self {
            AssignorKind::Range => "range",
            AssignorKind::RoundRobin => "roundrobin",
            AssignorKind::Sticky => "sticky",
            AssignorKind::CooperativeSticky => "cooperative-sticky",
        }
    }

    /// Whether the strategy uses the cooperative rebalance protocol: members keep their
    /// partitions during a rebalance and give up only the ones that move.
    pub fn is_cooperative(self) -> bool {
        matches!(self, AssignorKind::CooperativeSticky)
    }
}

/// What the group leader knows of one member when it assigns (JoinGroup metadata).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberSubscription {
    /// The coordinator-given member id.
    pub member_id: String,
    /// The topics the member subscribes to.
    pub topics: Vec<TopicName>,
    /// The partitions the member held after the last rebalance it completed. For the eager
    /// `sticky` strategy this is the previous assignment the member reports in its user data
    /// (it has already revoked everything); the other sticky strategy reads it from the
    /// subscription's owned partitions. Range and round robin ignore it.
    pub owned_partitions: Vec<TopicPartition>,
    /// The generation in which `owned_partitions` were assigned; -1 when unknown.
    pub generation: i32,
}

/// Computes the assignment the group leader sends back in SyncGroup.
///
/// `partitions_per_topic`: partition count of every topic any member subscribes to (topics
/// missing from the map, or with no partitions, are skipped, as Kafka skips topics without
/// metadata; topics no member subscribes to are ignored).
///
/// Every member appears in the result, possibly with an empty list; lists are sorted by
/// (topic, partition). Member ids are expected to be unique; a repeated id keeps the position of
/// its first entry and the contents of its last, as a Java map would.
///
/// With [`AssignorKind::CooperativeSticky`], a partition that moves from one member to another is
/// left out of this round's assignment: its owner sees it missing, revokes it (see
/// [`revoked_partitions`]) and rejoins, and the follow-up rebalance assigns it.
///
/// Deviations from Kafka, for inputs it mishandles:
/// - an owned partition whose index is beyond the topic's partition count, or repeated within a
///   member's list, is ignored (Kafka would keep it, or treat the repeat as a conflicting claim);
/// - when the first member (in Kafka's map order) subscribes to no topic, Kafka still considers
///   all subscriptions equal if the others agree with each other; here subscriptions are equal
///   only if they are the same set;
/// - the general sticky algorithm gives a partition back to its owner of an older generation
///   only if that member still subscribes to the topic and takes part in the rebalance (Kafka
///   would assign it to a member no longer subscribed, or fail with a null pointer);
/// - Kafka keeps the highest generation it has seen across calls on the same assignor object;
///   this function is stateless and uses the highest generation among `members`.
pub fn assign(
    kind: AssignorKind,
    partitions_per_topic: &BTreeMap<TopicName, u32>,
    members: &[MemberSubscription],
) -> BTreeMap<String, Vec<TopicPartition>> {
    let counts: Vec<(TopicName, u32)> = partitions_per_topic
        .iter()
        .map(|(topic, count)| (topic.clone(), *count))
        .collect();
    assign_sorted(kind, &counts, members).into_iter().collect()
}

/// [`assign`] over partition counts given as (topic, count) sorted by topic without repeats
/// (a [`LiteMap`]'s slice), the result as (member id, partitions) sorted by member id. The
/// simulated consumers call this one.
pub fn assign_sorted(
    kind: AssignorKind,
    partitions_per_topic: &[(TopicName, u32)],
    members: &[MemberSubscription],
) -> Vec<(String, Vec<TopicPartition>)> {
    let group = Group::new(partitions_per_topic, members);
    if group.members.is_empty() {
        return Vec::new();
    }
    let lists = match kind {
        AssignorKind::Range => group.range(),
        AssignorKind::RoundRobin => group.round_robin(),
        AssignorKind::Sticky => group.sticky().0,
        AssignorKind::CooperativeSticky => {
            let (mut lists, transferring) = group.sticky();
            let transferring =
                transferring.unwrap_or_else(|| group.partitions_changing_owner(&lists));
            for (tp, member) in transferring {
                lists[member].retain(|&x| x != tp);
            }
            lists
        }
    };
    group.into_result(lists)
}

/// The partitions a member must give up on receiving `assigned`: those in `owned` that are not
/// in `assigned`, sorted. A cooperative member revokes them and rejoins if there are any; an
/// eager member has already revoked everything before joining.
pub fn revoked_partitions(
    owned: &[TopicPartition],
    assigned: &[TopicPartition],
) -> Vec<TopicPartition> {
    let assigned: SortedSet<&TopicPartition> = assigned.iter().collect();
    let revoked: SortedSet<&TopicPartition> =
        owned.iter().filter(|tp| !assigned.contains(tp)).collect();
    revoked.into_iter().cloned().collect()
}

/// A partition as (index into [`Group::topics`], partition number). Topic indices follow topic
/// name order, so tuples sort as Kafka's (topic, partition) order.
type Tp = (usize, u32);

/// One member, indexed by its rank in member id order.
struct Member<'a> {
    id: &'a str,
    /// The subscription as given (also names of unknown topics): compared for equality.
    subscription: SortedSet<&'a str>,
    /// Per topic index: whether the member subscribes to it.
    subscribed: Vec<bool>,
    /// The subscribed topics that exist, ascending.
    topics: Vec<usize>,
    /// Claimed partitions that exist, in the order given, without repeats.
    owned: Vec<Tp>,
    generation: i32,
}

/// The assignor's view of the group: existing subscribed topics and the members.
struct Group<'a> {
    /// Subscribed topics with partitions, sorted by name.
    topics: Vec<(TopicName, u32)>,
    /// Sorted by member id.
    members: Vec<Member<'a>>,
    /// Member indices in the iteration order of Kafka's `HashMap<memberId, _>`.
    join_order: Vec<usize>,
}

impl<'a> Group<'a> {
    fn new(partitions_per_topic: &[(TopicName, u32)], members: &'a [MemberSubscription]) -> Self {
        // First position and last value of each id, as `HashMap::put` does.
        let mut by_id: LiteMap<&'a str, (usize, &'a MemberSubscription)> = LiteMap::new_vec();
        for (position, member) in members.iter().enumerate() {
            by_id
                .entry(member.member_id.as_str())
                .and_modify(|entry| entry.1 = member)
                .or_insert((position, member));
        }
        let subscribed: SortedSet<&str> = by_id
            .values()
            .flat_map(|(_, m)| m.topics.iter().map(|t| &**t))
            .collect();
        let topics: Vec<(TopicName, u32)> = partitions_per_topic
            .iter()
            .filter(|(topic, count)| *count > 0 && subscribed.contains(&**topic))
            .cloned()
            .collect();
        let topic_index: LiteMap<&str, usize> = map_from_iter(
            topics
                .iter()
                .enumerate()
                .map(|(i, (topic, _))| (&**topic, i)),
        );

        let mut group_members = Vec::with_capacity(by_id.len());
        let mut positions = Vec::with_capacity(by_id.len());
        for (id, (position, m)) in &by_id {
            let subscription: SortedSet<&'a str> = m.topics.iter().map(|t| &**t).collect();
            let mut is_subscribed = vec![false; topics.len()];
            for topic in &subscription {
                if let Some(&t) = topic_index.get(topic) {
                    is_subscribed[t] = true;
                }
            }
            let member_topics = (0..topics.len()).filter(|&t| is_subscribed[t]).collect();
            let mut seen = SortedSet::new();
            let owned = m
                .owned_partitions
                .iter()
                .filter_map(|tp| {
                    let t = *topic_index.get(&*tp.topic)?;
                    (tp.partition < topics[t].1).then_some((t, tp.partition))
                })
                .filter(|tp| seen.insert(*tp))
                .collect();
            group_members.push(Member {
                id,
                subscription,
                subscribed: is_subscribed,
                topics: member_topics,
                owned,
                generation: m.generation,
            });
            positions.push(*position);
        }

        let mut insertion: Vec<usize> = (0..group_members.len()).collect();
        sort_by_key(&mut insertion, |&m| positions[m]);
        let ids: Vec<&str> = insertion.iter().map(|&m| group_members[m].id).collect();
        let join_order = java_hash_map_order(&ids)
            .into_iter()
            .map(|i| insertion[i])
            .collect();
        Group {
            topics,
            members: group_members,
            join_order,
        }
    }

    fn partition_count(&self, topic: usize) -> u32 {
        self.topics[topic].1
    }

    /// Every partition of every assignable topic, in (topic, partition) order.
    fn all_partitions(&self) -> impl Iterator<Item = Tp> + '_ {
        (0..self.topics.len()).flat_map(|t| (0..self.partition_count(t)).map(move |p| (t, p)))
    }

    /// (member id, partitions) in member id order.
    fn into_result(self, lists: Vec<Vec<Tp>>) -> Vec<(String, Vec<TopicPartition>)> {
        self.members
            .iter()
            .zip(lists)
            .map(|(member, mut list)| {
                sort(&mut list);
                let partitions = list
                    .into_iter()
                    .map(|(t, partition)| TopicPartition {
                        topic: self.topics[t].0.clone(),
                        partition,
                    })
                    .collect();
                (member.id.to_string(), partitions)
            })
            .collect()
    }

    /// RangeAssignor: per topic, its subscribers in id order get consecutive ranges of
    /// `count / subscribers` partitions, the first `count % subscribers` one more.
    fn range(&self) -> Vec<Vec<Tp>> {
        let mut lists = vec![Vec::new(); self.members.len()];
        for t in 0..self.topics.len() {
            let consumers: Vec<usize> = (0..self.members.len())
                .filter(|&m| self.members[m].subscribed[t])
                .collect();
            if consumers.is_empty() {
                continue;
            }
            let count = self.partition_count(t) as usize;
            let (each, extra) = (count / consumers.len(), count % consumers.len());
            let mut next = 0;
            for (i, &m) in consumers.iter().enumerate() {
                for _ in 0..each + usize::from(i < extra) {
                    lists[m].push((t, next));
                    next += 1;
                }
            }
        }
        lists
    }

    /// RoundRobinAssignor: all partitions in (topic, partition) order dealt over the members in
    /// id order, one circular cursor, skipping members not subscribed to the partition's topic.
    fn round_robin(&self) -> Vec<Vec<Tp>> {
        let n = self.members.len();
        let mut lists = vec![Vec::new(); n];
        let mut cursor = 0;
        for (t, p) in self.all_partitions() {
            // Every listed topic has a subscriber, so this stops.
            while !self.members[cursor].subscribed[t] {
                cursor = (cursor + 1) % n;
            }
            lists[cursor].push((t, p));
            cursor = (cursor + 1) % n;
        }
        lists
    }

    /// AbstractStickyAssignor. Returns the assignment and, from the constrained algorithm, the
    /// partitions it gave to a member other than their owner (`None` from the general one).
    fn sticky(&self) -> (Vec<Vec<Tp>>, Option<LiteMap<Tp, usize>>) {
        let n = self.members.len();
        let reference = &self.members[self.join_order[0]].subscription;
        let all_equal = self.members.iter().all(|m| m.subscription == *reference);

        // Resolve claims on the same partition: the higher generation keeps it; equal
        // generations lose it both (and it counts as changing owner).
        let mut owned: Vec<Vec<Tp>> = vec![Vec::new(); n];
        let mut claimant: LiteMap<Tp, usize> = LiteMap::new_vec();
        let mut contested: SortedSet<Tp> = SortedSet::new();
        let mut max_generation = -1;
        for &m in &self.join_order {
            let generation = self.members[m].generation;
            max_generation = max_generation.max(generation);
            for &tp in &self.members[m].owned {
                match claimant.get(&tp).copied() {
                    None => {
                        owned[m].push(tp);
                        claimant.insert(tp, m);
                    }
                    Some(other) => {
                        let other_generation = self.members[other].generation;
                        if generation == other_generation {
                            contested.insert(tp);
                            owned[other].retain(|&x| x != tp);
                            claimant.insert(tp, m);
                        } else if generation > other_generation {
                            owned[m].push(tp);
                            owned[other].retain(|&x| x != tp);
                            claimant.insert(tp, m);
                        }
                    }
                }
            }
        }

        if all_equal {
            let (lists, transferring) = self.constrained(&owned, &contested);
            (lists, Some(transferring))
        } else {
            (self.general(owned, max_generation), None)
        }
    }

    /// The constrained algorithm (all members subscribe to the same topics): members keep owned
    /// partitions up to their quota (`floor(P/N)`, or `ceil(P/N)` for the first `P % N` members
    /// that own that many), then the rest go round robin to the members still under quota.
    fn constrained(
        &self,
        owned: &[Vec<Tp>],
        contested: &SortedSet<Tp>,
    ) -> (Vec<Vec<Tp>>, LiteMap<Tp, usize>) {
        let n = self.members.len();
        let total: usize = self.topics.iter().map(|(_, count)| *count as usize).sum();
        let min_quota = total / n;
        let max_quota = total.div_ceil(n);
        let expected_over_min = total % n;
        let mut over_min = 0;

        let mut lists: Vec<Vec<Tp>> = vec![Vec::new(); n];
        let mut kept: SortedSet<Tp> = SortedSet::new();
        let mut maybe_revoked: LiteMap<Tp, usize> = LiteMap::new_vec();
        let mut under_min: Vec<usize> = Vec::new();
        let mut at_min: VecDeque<usize> = VecDeque::new();

        for &m in &self.join_order {
            let mut mine: Vec<Tp> = owned[m]
                .iter()
                .copied()
                .filter(|tp| !contested.contains(tp))
                .collect();
            sort_by_key(&mut mine, |&(t, p)| (p, t));
            let keep = if mine.len() < min_quota {
                under_min.push(m);
                mine.len()
            } else if mine.len() >= max_quota && over_min < expected_over_min {
                over_min += 1;
                if over_min == expected_over_min {
                    at_min.clear();
                }
                max_quota
            } else {
                if over_min < expected_over_min {
                    at_min.push_back(m);
                }
                min_quota
            };
            for (i, tp) in mine.into_iter().enumerate() {
                if i < keep {
                    lists[m].push(tp);
                    kept.insert(tp);
                } else {
                    maybe_revoked.insert(tp, m);
                }
            }
        }

        sort(&mut under_min);
        sort(at_min.make_contiguous());
        let unassigned: Vec<Tp> = self
            .all_partitions()
            .filter(|tp| !kept.contains(tp))
            .collect();

        let mut transferring = LiteMap::new_vec();
        // `cursor` plays a Java iterator over `under_min`: the index of its next element.
        let mut cursor = 0;
        for tp in unassigned {
            debug_assert!(
                !(under_min.is_empty() && at_min.is_empty()),
                "constrained sticky assignment ran out of unfilled members"
            );
            let (m, from_under_min) = if cursor < under_min.len() {
                cursor += 1;
                (under_min[cursor - 1], true)
            } else if !under_min.is_empty() {
                cursor = 1;
                (under_min[0], true)
            } else if let Some(m) = at_min.pop_front() {
                (m, false)
            } else {
                // Unreachable by Kafka's arithmetic (Kafka throws); stay total anyway.
                let least = (0..n).min_by_key(|&m| (lists[m].len(), m)).unwrap_or(0);
                (least, false)
            };
            lists[m].push(tp);
            if maybe_revoked.get(&tp).is_some_and(|&owner| owner != m) || contested.contains(&tp) {
                transferring.insert(tp, m);
            }
            // A member reaching the floor quota leaves the round-robin rotation and may still
            // take one more later. (Kafka also counts members reaching the ceiling here, only
            // to log an inconsistency.)
            if lists[m].len() == min_quota {
                if from_under_min {
                    cursor -= 1;
                    under_min.remove(cursor);
                }
                at_min.push_back(m);
            }
        }
        (lists, transferring)
    }

    /// The general algorithm (subscriptions differ): keep what members own and still subscribe
    /// to, give each unassigned partition to the least loaded subscriber, then move partitions
    /// from loaded members to members with two or more fewer until balanced, preferring to
    /// return a partition to its owner of an older generation.
    fn general(&self, mut lists: Vec<Vec<Tp>>, max_generation: i32) -> Vec<Vec<Tp>> {
        let n = self.members.len();
        let topic_count = self.topics.len();
        let topic_consumers: Vec<Vec<usize>> = (0..topic_count)
            .map(|t| (0..n).filter(|&m| self.members[m].subscribed[t]).collect())
            .collect();

        // Owners from generations older than the newest, the newest of them per partition.
        let mut previous: LiteMap<Tp, (usize, i32)> = LiteMap::new_vec();
        for &m in &self.join_order {
            let generation = self.members[m].generation;
            if generation < max_generation {
                for &tp in &self.members[m].owned {
                    match previous.get(&tp) {
                        Some(&(_, g)) if generation <= g => {}
                        _ => {
                            previous.insert(tp, (m, generation));
                        }
                    }
                }
            }
        }

        let mut revocation_required = false;
        let mut owner: Vec<Vec<Option<usize>>> = (0..topic_count)
            .map(|t| vec![None; self.partition_count(t) as usize])
            .collect();
        for (m, list) in lists.iter_mut().enumerate() {
            let member = &self.members[m];
            list.retain(|&(t, _)| {
                revocation_required |= !member.subscribed[t];
                member.subscribed[t]
            });
            for &(t, p) in list.iter() {
                owner[t][p as usize] = Some(m);
            }
        }

        // Topics with fewer potential consumers first.
        let mut topic_order: Vec<usize> = (0..topic_count).collect();
        sort_by_key(&mut topic_order, |&t| (topic_consumers[t].len(), t));
        let mut sorted_partitions: Vec<Tp> = topic_order
            .iter()
            .flat_map(|&t| (0..self.partition_count(t)).map(move |p| (t, p)))
            .collect();
        let mut unassigned: Vec<Tp> = sorted_partitions
            .iter()
            .copied()
            .filter(|&(t, p)| owner[t][p as usize].is_none())
            .collect();

        let max_size: Vec<usize> = self
            .members
            .iter()
            .map(|m| {
                m.topics
                    .iter()
                    .map(|&t| self.partition_count(t) as usize)
                    .sum()
            })
            .collect();
        let by_load = lists
            .iter()
            .enumerate()
            .map(|(m, l)| (l.len(), m))
            .collect();
        let mut state = Balancer {
            group: self,
            topic_consumers,
            max_size,
            lists,
            owner,
            by_load,
            participating: vec![true; n],
            movements: Movements::default(),
        };

        let initializing = state.by_load.last().is_none_or(|&(load, _)| load == 0);
        for &tp in &unassigned {
            let target = state
                .by_load
                .iter()
                .map(|&(_, m)| m)
                .find(|&m| state.subscribes(m, tp.0));
            if let Some(m) = target {
                state.give(tp, m);
            }
        }

        // Only partitions with two or more potential consumers, and members that could gain
        // or lose one, take part in the balancing.
        let movable_topic = |t: usize| state.topic_consumers[t].len() >= 2;
        sorted_partitions.retain(|tp| movable_topic(tp.0));
        unassigned.retain(|tp| movable_topic(tp.0));
        for m in 0..n {
            let load = state.lists[m].len();
            let takes_part =
                load < state.max_size[m] || state.lists[m].iter().any(|tp| movable_topic(tp.0));
            if !takes_part {
                state.participating[m] = false;
                state.by_load.remove(&(load, m));
            }
        }

        let before = (state.lists.clone(), state.owner.clone());
        if !revocation_required {
            state.rebalance(&unassigned, &previous);
        }
        let reassigned = state.rebalance(&sorted_partitions, &previous);
        if !initializing
            && reassigned
            && state.balance_score(&state.lists) >= state.balance_score(&before.0)
        {
            state.lists = before.0;
            state.owner = before.1;
        }
        state.lists
    }

    /// CooperativeStickyAssignor for the general algorithm: partitions assigned to a member that
    /// did not own them while another member owned them.
    fn partitions_changing_owner(&self, lists: &[Vec<Tp>]) -> LiteMap<Tp, usize> {
        let mut added = Vec::new();
        let mut revoked = SortedSet::new();
        for (m, list) in lists.iter().enumerate() {
            let owned: SortedSet<Tp> = self.members[m].owned.iter().copied().collect();
            let assigned: SortedSet<Tp> = list.iter().copied().collect();
            added.extend(
                assigned
                    .iter()
                    .filter(|tp| !owned.contains(tp))
                    .map(|&tp| (tp, m)),
            );
            revoked.extend(owned.iter().filter(|tp| !assigned.contains(tp)).copied());
        }
        // By partition, the last member to add it winning.
        let mut added = map_from_iter(added);
        added.retain(|tp, _| revoked.contains(tp));
        added
    }
}

/// Working state of the general sticky algorithm.
struct Balancer<'g, 'a> {
    group: &'g Group<'a>,
    topic_consumers: Vec<Vec<usize>>,
    /// Partitions a member could hold at most (all of its subscribed topics).
    max_size: Vec<usize>,
    lists: Vec<Vec<Tp>>,
    owner: Vec<Vec<Option<usize>>>,
    /// Participating members by (load, id): Kafka's `sortedCurrentSubscriptions`.
    by_load: SortedSet<(usize, usize)>,
    participating: Vec<bool>,
    movements: Movements,
}

impl Balancer<'_, '_> {
    fn subscribes(&self, member: usize, topic: usize) -> bool {
        self.group.members[member].subscribed[topic]
    }

    fn owner_of(&self, (t, p): Tp) -> Option<usize> {
        self.owner[t][p as usize]
    }

    fn give(&mut self, tp: Tp, member: usize) {
        self.by_load.remove(&(self.lists[member].len(), member));
        self.lists[member].push(tp);
        self.owner[tp.0][tp.1 as usize] = Some(member);
        self.by_load.insert((self.lists[member].len(), member));
    }

    /// Balanced: loads differ by at most one, or no member short of its maximum could take a
    /// partition of its topics from a member holding two or more more.
    fn is_balanced(&self) -> bool {
        let (Some(&(min, _)), Some(&(max, _))) = (self.by_load.first(), self.by_load.last()) else {
            return true;
        };
        if min + 1 >= max {
            return true;
        }
        for &(load, m) in &self.by_load {
            if load == self.max_size[m] {
                continue;
            }
            for &t in &self.group.members[m].topics {
                for p in 0..self.group.partition_count(t) {
                    if let Some(other) = self.owner_of((t, p))
                        && other != m
                        && self.participating[other]
                        && load + 1 < self.lists[other].len()
                    {
                        return false;
                    }
                }
            }
        }
        true
    }

    /// Kafka's `performReassignments`: passes over `partitions` until a pass moves nothing.
    fn rebalance(&mut self, partitions: &[Tp], previous: &LiteMap<Tp, (usize, i32)>) -> bool {
        let mut reassigned = false;
        loop {
            let mut modified = false;
            for &tp in partitions {
                if self.is_balanced() {
                    break;
                }
                let Some(current) = self.owner_of(tp) else {
                    continue;
                };
                let load = self.lists[current].len();
                if let Some(&(previous_owner, _)) = previous.get(&tp)
                    && self.participating[previous_owner]
                    && self.subscribes(previous_owner, tp.0)
                    && load > self.lists[previous_owner].len() + 1
                {
                    self.reassign_to(tp, previous_owner);
                    reassigned = true;
                    modified = true;
                    continue;
                }
                if self.topic_consumers[tp.0]
                    .iter()
                    .any(|&other| load > self.lists[other].len() + 1)
                {
                    let target = self
                        .by_load
                        .iter()
                        .map(|&(_, m)| m)
                        .find(|&m| self.subscribes(m, tp.0));
                    if let Some(target) = target {
                        self.reassign_to(tp, target);
                    }
                    reassigned = true;
                    modified = true;
                }
            }
            if !modified {
                return reassigned;
            }
        }
    }

    fn reassign_to(&mut self, tp: Tp, target: usize) {
        let Some(current) = self.owner_of(tp) else {
            return;
        };
        let moved = self.movements.partition_to_move(tp, current, target);
        let Some(from) = self.owner_of(moved) else {
            return;
        };
        self.by_load.remove(&(self.lists[from].len(), from));
        self.by_load.remove(&(self.lists[target].len(), target));
        self.movements.record(moved, from, target);
        if let Some(i) = self.lists[from].iter().position(|&x| x == moved) {
            self.lists[from].remove(i);
        }
        self.lists[target].push(moved);
        self.owner[moved.0][moved.1 as usize] = Some(target);
        self.by_load.insert((self.lists[target].len(), target));
        self.by_load.insert((self.lists[from].len(), from));
    }

    /// Sum over pairs of participating members of their load difference (0 is perfect).
    fn balance_score(&self, lists: &[Vec<Tp>]) -> usize {
        let loads: Vec<usize> = (0..lists.len())
            .filter(|&m| self.participating[m])
            .map(|m| lists[m].len())
            .collect();
        let mut score = 0;
        for (i, a) in loads.iter().enumerate() {
            for b in &loads[i + 1..] {
                score += a.abs_diff(*b);
            }
        }
        score
    }
}

/// Kafka's `PartitionMovements`: where each partition moved from during this assignment, so that
/// moving a partition of a topic back between the same two members returns the original one
/// instead of moving a second partition.
#[derive(Default)]
struct Movements {
    /// Partition -> (original owner, current owner).
    by_partition: LiteMap<Tp, (usize, usize)>,
    /// Topic -> (from, to) -> partitions.
    by_topic: LiteMap<usize, LiteMap<(usize, usize), SortedSet<Tp>>>,
}

impl Movements {
    fn remove(&mut self, tp: Tp) -> Option<(usize, usize)> {
        let pair = self.by_partition.remove(&tp)?;
        if let Some(pairs) = self.by_topic.get_mut(&tp.0) {
            if let Some(set) = pairs.get_mut(&pair) {
                set.remove(&tp);
                if set.is_empty() {
                    pairs.remove(&pair);
                }
            }
            if pairs.is_empty() {
                self.by_topic.remove(&tp.0);
            }
        }
        Some(pair)
    }

    fn add(&mut self, tp: Tp, pair: (usize, usize)) {
        self.by_partition.insert(tp, pair);
        self.by_topic
            .entry(tp.0)
            .or_default()
            .entry(pair)
            .or_default()
            .insert(tp);
    }

    fn record(&mut self, tp: Tp, from: usize, to: usize) {
        match self.remove(tp) {
            Some((origin, _)) if origin != to => self.add(tp, (origin, to)),
            Some(_) => {}
            None => self.add(tp, (from, to)),
        }
    }

    /// The partition to move when `tp` should go from `from` to `to`: a partition of the same
    /// topic that earlier moved from `to` to `tp`'s original owner, if any (the smallest; Kafka
    /// takes the first of a hash set), else `tp`.
    fn partition_to_move(&self, tp: Tp, from: usize, to: usize) -> Tp {
        let Some(pairs) = self.by_topic.get(&tp.0) else {
            return tp;
        };
        let origin = self
            .by_partition
            .get(&tp)
            .map_or(from, |&(origin, _)| origin);
        pairs
            .get(&(to, origin))
            .and_then(|set| set.first().copied())
            .unwrap_or(tp)
    }
}

/// Java's `String.hashCode`: `s[0]*31^(n-1) + ... + s[n-1]` over UTF-16 units, wrapping.
fn java_string_hash(s: &str) -> i32 {
    s.encode_utf16().fold(0i32, |h, unit| {
        h.wrapping_mul(31).wrapping_add(i32::from(unit))
    })
}

/// The iteration order of a `java.util.HashMap<String, _>` created empty and filled with `keys`
/// in order: by bucket (`(h ^ h >>> 16) & (capacity - 1)`), then by insertion. Capacity starts at
/// 16 and doubles past 3/4 full, or when a bucket reaches 9 entries below capacity 64.
/// (Tree bins, 9+ colliding keys at capacity 64 or more, are not modelled.)
fn java_hash_map_order(keys: &[&str]) -> Vec<usize> {
    let spread: Vec<u32> = keys
        .iter()
        .map(|key| {
            let h = java_string_hash(key) as u32;
            h ^ (h >> 16)
        })
        .collect();
    let mut capacity: u32 = 16;
    for i in 0..keys.len() {
        let bucket = spread[i] & (capacity - 1);
        let before = spread[..i]
            .iter()
            .filter(|&&s| s & (capacity - 1) == bucket)
            .count();
        if before >= 8 && capacity < 64 {
            capacity *= 2;
        }
        if (i + 1) * 4 > capacity as usize * 3 {
            capacity *= 2;
        }
    }
    let mut order: Vec<usize> = (0..keys.len()).collect();
    sort_by_key(&mut order, |&i| spread[i] & (capacity - 1));
    order
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tp(topic: &str, partition: u32) -> TopicPartition {
        TopicPartition::new(topic, partition)
    }

    fn tps(list: &[(&str, u32)]) -> Vec<TopicPartition> {
        let mut v: Vec<TopicPartition> = list.iter().map(|&(t, p)| tp(t, p)).collect();
        v.sort();
        v
    }

    fn topics(spec: &[(&str, u32)]) -> BTreeMap<TopicName, u32> {
        spec.iter().map(|&(t, n)| (TopicName::from(t), n)).collect()
    }

    fn member(
        id: &str,
        subscribed: &[&str],
        owned: &[(&str, u32)],
        generation: i32,
    ) -> MemberSubscription {
        MemberSubscription {
            member_id: id.to_string(),
            topics: subscribed.iter().map(|&t| TopicName::from(t)).collect(),
            owned_partitions: owned.iter().map(|&(t, p)| tp(t, p)).collect(),
            generation,
        }
    }

    fn fresh(id: &str, subscribed: &[&str]) -> MemberSubscription {
        member(id, subscribed, &[], -1)
    }

    /// The members of the next rebalance: each reports its assignment as owned, in `generation`.
    fn rejoin(
        members: &[MemberSubscription],
        result: &BTreeMap<String, Vec<TopicPartition>>,
        generation: i32,
    ) -> Vec<MemberSubscription> {
        members
            .iter()
            .map(|m| MemberSubscription {
                owned_partitions: result[&m.member_id].clone(),
                generation,
                ..m.clone()
            })
            .collect()
    }

    fn sizes(result: &BTreeMap<String, Vec<TopicPartition>>) -> (usize, usize) {
        let min = result.values().map(Vec::len).min().unwrap_or(0);
        let max = result.values().map(Vec::len).max().unwrap_or(0);
        (min, max)
    }

    /// Every member present, no partition twice, only existing partitions of subscribed topics;
    /// with `complete`, every partition of every subscribed topic is assigned.
    fn assert_valid(
        partitions_per_topic: &BTreeMap<TopicName, u32>,
        members: &[MemberSubscription],
        result: &BTreeMap<String, Vec<TopicPartition>>,
        complete: bool,
    ) {
        let ids: BTreeSet<&str> = members.iter().map(|m| m.member_id.as_str()).collect();
        let keys: BTreeSet<&str> = result.keys().map(String::as_str).collect();
        assert_eq!(ids, keys, "every member appears in the result");
        let mut seen = BTreeSet::new();
        for m in members {
            for p in &result[&m.member_id] {
                assert!(
                    m.topics.contains(&p.topic),
                    "{p} given to {} not subscribed",
                    m.member_id
                );
                assert!(
                    p.partition < partitions_per_topic[&p.topic],
                    "{p} does not exist"
                );
                assert!(seen.insert(p.clone()), "{p} assigned twice: {result:?}");
            }
        }
        if complete {
            let subscribed: BTreeSet<&TopicName> = members.iter().flat_map(|m| &m.topics).collect();
            for (topic, &count) in partitions_per_topic {
                if subscribed.contains(topic) {
                    for p in 0..count {
                        assert!(
                            seen.contains(&tp(topic, p)),
                            "{topic}-{p} unassigned: {result:?}"
                        );
                    }
                }
            }
        }
    }

    /// Kafka's `verifyValidityAndBalance` balance rule: two members whose loads differ by two or
    /// more hold no partitions of a common topic.
    fn assert_kafka_balance(result: &BTreeMap<String, Vec<TopicPartition>>) {
        let lists: Vec<(&String, &Vec<TopicPartition>)> = result.iter().collect();
        for (i, (a, pa)) in lists.iter().enumerate() {
            for (b, pb) in &lists[i + 1..] {
                if pa.len().abs_diff(pb.len()) <= 1 {
                    continue;
                }
                let ta: BTreeSet<&TopicName> = pa.iter().map(|p| &p.topic).collect();
                assert!(
                    pb.iter().all(|p| !ta.contains(&p.topic)),
                    "{a} ({}) and {b} ({}) share a topic: {result:?}",
                    pa.len(),
                    pb.len()
                );
            }
        }
    }

    /// Kafka's `isSticky`, as far as it can be seen from outside: no topic has one partition
    /// moving from A to B and another from B to A between two members present in both.
    fn assert_no_swaps(
        before: &BTreeMap<String, Vec<TopicPartition>>,
        after: &BTreeMap<String, Vec<TopicPartition>>,
    ) {
        let mut moves: BTreeSet<(TopicName, &str, &str)> = BTreeSet::new();
        for (from, old) in before {
            for p in old {
                let to = after
                    .iter()
                    .find(|(_, new)| new.contains(p))
                    .map(|(id, _)| id);
                if let Some(to) = to
                    && to != from
                    && after.contains_key(from)
                {
                    moves.insert((p.topic.clone(), from.as_str(), to.as_str()));
                }
            }
        }
        for (topic, from, to) in &moves {
            assert!(
                !moves.contains(&(topic.clone(), *to, *from)),
                "{topic} moves both ways between {from} and {to}: {before:?} -> {after:?}"
            );
        }
    }

    /// Partitions held by the same member before and after.
    fn kept(
        before: &BTreeMap<String, Vec<TopicPartition>>,
        after: &BTreeMap<String, Vec<TopicPartition>>,
    ) -> usize {
        before
            .iter()
            .filter_map(|(id, old)| {
                after
                    .get(id)
                    .map(|new| old.iter().filter(|p| new.contains(p)).count())
            })
            .sum()
    }

    struct Lcg(u64);

    impl Lcg {
        fn below(&mut self, n: u64) -> u64 {
            self.0 = self
                .0
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            (self.0 >> 33) % n
        }
    }

    #[test]
    fn assignor_kinds_carry_kafka_protocol_names() {
        let all = [
            AssignorKind::Range,
            AssignorKind::RoundRobin,
            AssignorKind::Sticky,
            AssignorKind::CooperativeSticky,
        ];
        let names: Vec<&str> = all.iter().map(|k| k.protocol_name()).collect();
        assert_eq!(
            names,
            ["range", "roundrobin", "sticky", "cooperative-sticky"]
        );
        for kind in all {
            let json = serde_json::to_string(&kind).unwrap();
            assert_eq!(json, format!("\"{}\"", kind.protocol_name()));
            assert_eq!(serde_json::from_str::<AssignorKind>(&json).unwrap(), kind);
            assert_eq!(
                kind.is_cooperative(),
                kind == AssignorKind::CooperativeSticky
            );
        }
        assert_eq!(AssignorKind::default(), AssignorKind::Range);
    }

    #[test]
    fn range_gives_the_first_members_one_extra_partition_per_topic() {
        let ppt = topics(&[("t0", 3), ("t1", 3)]);
        let members = [fresh("C0", &["t0", "t1"]), fresh("C1", &["t0", "t1"])];
        let r = assign(AssignorKind::Range, &ppt, &members);
        assert_eq!(r["C0"], tps(&[("t0", 0), ("t0", 1), ("t1", 0), ("t1", 1)]));
        assert_eq!(r["C1"], tps(&[("t0", 2), ("t1", 2)]));
    }

    #[test]
    fn round_robin_deals_sorted_partitions_over_sorted_members() {
        let ppt = topics(&[("t0", 3), ("t1", 3)]);
        // Member order in the input does not matter: members are sorted by id.
        let members = [fresh("C1", &["t0", "t1"]), fresh("C0", &["t0", "t1"])];
        let r = assign(AssignorKind::RoundRobin, &ppt, &members);
        assert_eq!(r["C0"], tps(&[("t0", 0), ("t0", 2), ("t1", 1)]));
        assert_eq!(r["C1"], tps(&[("t0", 1), ("t1", 0), ("t1", 2)]));

        // Javadoc: three members, the same two topics.
        let members = [
            fresh("C0", &["t0", "t1"]),
            fresh("C1", &["t0", "t1"]),
            fresh("C2", &["t0", "t1"]),
        ];
        let r = assign(AssignorKind::RoundRobin, &ppt, &members);
        assert_eq!(r["C0"], tps(&[("t0", 0), ("t1", 0)]));
        assert_eq!(r["C1"], tps(&[("t0", 1), ("t1", 1)]));
        assert_eq!(r["C2"], tps(&[("t0", 2), ("t1", 2)]));
    }

    #[test]
    fn more_members_than_partitions_leaves_the_extras_idle() {
        let ppt = topics(&[("t0", 2)]);
        let members: Vec<MemberSubscription> =
            (0..5).map(|i| fresh(&format!("C{i}"), &["t0"])).collect();
        for kind in [
            AssignorKind::Range,
            AssignorKind::RoundRobin,
            AssignorKind::Sticky,
            AssignorKind::CooperativeSticky,
        ] {
            let r = assign(kind, &ppt, &members);
            assert_valid(&ppt, &members, &r, true);
            assert_eq!(r.len(), 5, "{kind:?}");
            assert_eq!(r.values().filter(|l| l.is_empty()).count(), 3, "{kind:?}");
            assert_eq!(sizes(&r), (0, 1), "{kind:?}");
        }
        // Range and round robin pick the members first in id order.
        let r = assign(AssignorKind::Range, &ppt, &members);
        assert_eq!(r["C0"], tps(&[("t0", 0)]));
        assert_eq!(r["C1"], tps(&[("t0", 1)]));
    }

    #[test]
    fn range_assigns_each_topic_among_its_own_subscribers() {
        // Kafka RangeAssignorTest.testMultipleConsumersMixedTopics.
        let ppt = topics(&[("topic1", 3), ("topic2", 2)]);
        let members = [
            fresh("consumer1", &["topic1"]),
            fresh("consumer2", &["topic1", "topic2"]),
            fresh("consumer3", &["topic1"]),
        ];
        let r = assign(AssignorKind::Range, &ppt, &members);
        assert_eq!(r["consumer1"], tps(&[("topic1", 0)]));
        assert_eq!(
            r["consumer2"],
            tps(&[("topic1", 1), ("topic2", 0), ("topic2", 1)])
        );
        assert_eq!(r["consumer3"], tps(&[("topic1", 2)]));
        // RoundRobinAssignorTest.testMultipleConsumersMixedTopics expects the same.
        assert_eq!(assign(AssignorKind::RoundRobin, &ppt, &members), r);
    }

    #[test]
    fn round_robin_skips_members_not_subscribed_to_the_topic() {
        // RoundRobinAssignor javadoc: imbalance with differing subscriptions.
        let ppt = topics(&[("t0", 1), ("t1", 2), ("t2", 3)]);
        let members = [
            fresh("C0", &["t0"]),
            fresh("C1", &["t0", "t1"]),
            fresh("C2", &["t0", "t1", "t2"]),
        ];
        let r = assign(AssignorKind::RoundRobin, &ppt, &members);
        assert_eq!(r["C0"], tps(&[("t0", 0)]));
        assert_eq!(r["C1"], tps(&[("t1", 0)]));
        assert_eq!(r["C2"], tps(&[("t1", 1), ("t2", 0), ("t2", 1), ("t2", 2)]));
    }

    #[test]
    fn unknown_empty_and_unsubscribed_topics_are_skipped() {
        let ppt = topics(&[("t0", 2), ("empty", 0), ("other", 4)]);
        let members = [
            member(
                "A",
                &["t0", "missing", "empty"],
                &[("missing", 0), ("other", 1)],
                3,
            ),
            fresh("B", &["t0"]),
        ];
        for kind in [
            AssignorKind::Range,
            AssignorKind::RoundRobin,
            AssignorKind::Sticky,
            AssignorKind::CooperativeSticky,
        ] {
            let r = assign(kind, &ppt, &members);
            assert_valid(&ppt, &members, &r, true);
            let all: Vec<&TopicPartition> = r.values().flatten().collect();
            assert_eq!(all.len(), 2, "{kind:?}: only t0's partitions: {r:?}");
        }
        assert!(assign(AssignorKind::Sticky, &ppt, &[]).is_empty());
        let r = assign(
            AssignorKind::Range,
            &BTreeMap::new(),
            &[fresh("A", &["t0"])],
        );
        assert_eq!(r["A"], Vec::<TopicPartition>::new());
    }

    #[test]
    fn sticky_javadoc_example_1_keeps_every_partition_in_place_when_c1_leaves() {
        // StickyAssignor javadoc, example 1: four topics of two partitions, three members.
        let ppt = topics(&[("t0", 2), ("t1", 2), ("t2", 2), ("t3", 2)]);
        let all = ["t0", "t1", "t2", "t3"];
        let members = [fresh("C0", &all), fresh("C1", &all), fresh("C2", &all)];
        let first = assign(AssignorKind::Sticky, &ppt, &members);
        assert_eq!(first["C0"], tps(&[("t0", 0), ("t1", 1), ("t3", 0)]));
        assert_eq!(first["C1"], tps(&[("t0", 1), ("t2", 0), ("t3", 1)]));
        assert_eq!(first["C2"], tps(&[("t1", 0), ("t2", 1)]));
        assert_eq!(assign(AssignorKind::RoundRobin, &ppt, &members), first);

        let survivors: Vec<MemberSubscription> = rejoin(&members, &first, 1)
            .into_iter()
            .filter(|m| m.member_id != "C1")
            .collect();
        let round_robin = assign(AssignorKind::RoundRobin, &ppt, &survivors);
        assert_eq!(
            round_robin["C0"],
            tps(&[("t0", 0), ("t1", 0), ("t2", 0), ("t3", 0)])
        );
        assert_eq!(
            round_robin["C2"],
            tps(&[("t0", 1), ("t1", 1), ("t2", 1), ("t3", 1)])
        );
        assert_eq!(
            kept(&first, &round_robin),
            3,
            "of 5 previous survivors' partitions"
        );

        let sticky = assign(AssignorKind::Sticky, &ppt, &survivors);
        assert_eq!(
            kept(&first, &sticky),
            5,
            "all of C0's and C2's partitions stay"
        );
        assert_eq!(sizes(&sticky), (4, 4));
        // The javadoc (written for the original algorithm) gives C0 t2p0 and C2 t0p1; the
        // current constrained algorithm deals C1's partitions in order over C0, C2, C2.
        assert_eq!(
            sticky["C0"],
            tps(&[("t0", 0), ("t0", 1), ("t1", 1), ("t3", 0)])
        );
        assert_eq!(
            sticky["C2"],
            tps(&[("t1", 0), ("t2", 0), ("t2", 1), ("t3", 1)])
        );
    }

    #[test]
    fn sticky_javadoc_example_2_balances_unequal_subscriptions_and_keeps_five() {
        let ppt = topics(&[("t0", 1), ("t1", 2), ("t2", 3)]);
        let members = [
            fresh("C0", &["t0"]),
            fresh("C1", &["t0", "t1"]),
            fresh("C2", &["t0", "t1", "t2"]),
        ];
        let first = assign(AssignorKind::Sticky, &ppt, &members);
        assert_eq!(first["C0"], tps(&[("t0", 0)]));
        assert_eq!(first["C1"], tps(&[("t1", 0), ("t1", 1)]));
        assert_eq!(first["C2"], tps(&[("t2", 0), ("t2", 1), ("t2", 2)]));

        let survivors: Vec<MemberSubscription> = rejoin(&members, &first, 1)
            .into_iter()
            .filter(|m| m.member_id != "C0")
            .collect();
        let round_robin = assign(AssignorKind::RoundRobin, &ppt, &survivors);
        assert_eq!(round_robin["C1"], tps(&[("t0", 0), ("t1", 1)]));
        assert_eq!(
            round_robin["C2"],
            tps(&[("t1", 0), ("t2", 0), ("t2", 1), ("t2", 2)])
        );
        // "Round Robin (preserves 3 partition assignments)": counted against its own first
        // round, which differs from sticky's here.
        let round_robin_first = assign(AssignorKind::RoundRobin, &ppt, &members);
        assert_eq!(
            round_robin_first["C2"],
            tps(&[("t1", 1), ("t2", 0), ("t2", 1), ("t2", 2)])
        );
        assert_eq!(kept(&round_robin_first, &round_robin), 3);
        let sticky = assign(AssignorKind::Sticky, &ppt, &survivors);
        assert_eq!(sticky["C1"], tps(&[("t0", 0), ("t1", 0), ("t1", 1)]));
        assert_eq!(sticky["C2"], tps(&[("t2", 0), ("t2", 1), ("t2", 2)]));
        assert_eq!(kept(&first, &sticky), 5);
    }

    #[test]
    fn java_hash_map_order_follows_string_hash_buckets() {
        assert_eq!(java_string_hash("hello"), 99_162_322);
        assert_eq!(java_string_hash(""), 0);
        assert_eq!(java_string_hash("a"), 97);
        assert_eq!(java_string_hash("consumer1"), -421_004_549);
        // The high half folded in reverses "consumerN" in a 16-bucket table (buckets 12, 11,
        // 10): Kafka's own tests see consumer3, consumer2, consumer1.
        let h = java_string_hash("consumer1") as u32;
        assert_eq!((h ^ (h >> 16)) & 15, 12);
        assert_eq!(
            java_hash_map_order(&["consumer1", "consumer2", "consumer3"]),
            [2, 1, 0]
        );
        // Same bucket: insertion order.
        assert_eq!(java_hash_map_order(&["Aa", "BB"]), [0, 1]);
        assert_eq!(java_hash_map_order(&["BB", "Aa"]), [0, 1]);
    }

    // Ports of Kafka's AbstractStickyAssignorTest / StickyAssignorTest /
    // CooperativeStickyAssignorTest cases with exact expectations (no racks).

    #[test]
    fn sticky_two_members_two_topics_from_scratch() {
        let ppt = topics(&[("topic1", 3), ("topic2", 3)]);
        let both = ["topic1", "topic2"];
        let members = [fresh("consumer1", &both), fresh("consumer2", &both)];
        let r = assign(AssignorKind::Sticky, &ppt, &members);
        assert_eq!(
            r["consumer1"],
            tps(&[("topic1", 0), ("topic1", 2), ("topic2", 1)])
        );
        assert_eq!(
            r["consumer2"],
            tps(&[("topic1", 1), ("topic2", 0), ("topic2", 2)])
        );
    }

    #[test]
    fn sticky_mixed_subscriptions_use_the_general_algorithm() {
        let ppt = topics(&[("topic1", 3), ("topic2", 2)]);
        let members = [
            fresh("consumer1", &["topic1"]),
            fresh("consumer2", &["topic1", "topic2"]),
            fresh("consumer3", &["topic1"]),
        ];
        let r = assign(AssignorKind::Sticky, &ppt, &members);
        assert_eq!(r["consumer1"], tps(&[("topic1", 0), ("topic1", 2)]));
        assert_eq!(r["consumer2"], tps(&[("topic2", 0), ("topic2", 1)]));
        assert_eq!(r["consumer3"], tps(&[("topic1", 1)]));
    }

    #[test]
    fn sticky_member_owning_min_quota_gets_the_extra_partition() {
        let ppt = topics(&[("topic1", 2), ("topic2", 3)]);
        let both = ["topic1", "topic2"];
        let members = [
            member("consumer1", &both, &[("topic1", 0), ("topic2", 1)], 1),
            member("consumer2", &both, &[("topic1", 1), ("topic2", 2)], 1),
        ];
        let r = assign(AssignorKind::Sticky, &ppt, &members);
        assert_eq!(
            r["consumer1"],
            tps(&[("topic1", 0), ("topic2", 0), ("topic2", 1)])
        );
        assert_eq!(r["consumer2"], tps(&[("topic1", 1), ("topic2", 2)]));
    }

    #[test]
    fn sticky_only_as_many_members_keep_max_quota_as_the_remainder_allows() {
        let ppt = topics(&[("topic1", 2), ("topic2", 2)]);
        let both = ["topic1", "topic2"];
        let members = [
            member("consumer1", &both, &[("topic1", 0), ("topic2", 0)], 1),
            member("consumer2", &both, &[("topic1", 1), ("topic2", 1)], 1),
            member("consumer3", &both, &[], 1),
        ];
        let r = assign(AssignorKind::Sticky, &ppt, &members);
        assert_eq!(r["consumer1"], tps(&[("topic1", 0)]));
        assert_eq!(r["consumer2"], tps(&[("topic1", 1), ("topic2", 1)]));
        assert_eq!(r["consumer3"], tps(&[("topic2", 0)]));
        // Cooperative: topic2-0 moves from consumer1 to consumer3, so it waits a round.
        let r = assign(AssignorKind::CooperativeSticky, &ppt, &members);
        assert_eq!(r["consumer1"], tps(&[("topic1", 0)]));
        assert_eq!(r["consumer3"], tps(&[]));
    }

    #[test]
    fn sticky_members_under_min_quota_keep_theirs_and_fill_up() {
        let ppt = topics(&[("topic1", 2), ("topic2", 3)]);
        let both = ["topic1", "topic2"];
        let members = [
            member("consumer1", &both, &[("topic1", 0)], 1),
            member("consumer2", &both, &[("topic1", 1)], 1),
            member("consumer3", &both, &[], 1),
        ];
        let r = assign(AssignorKind::Sticky, &ppt, &members);
        assert_eq!(r["consumer1"], tps(&[("topic1", 0), ("topic2", 1)]));
        assert_eq!(r["consumer2"], tps(&[("topic1", 1), ("topic2", 2)]));
        assert_eq!(r["consumer3"], tps(&[("topic2", 0)]));
        assert_eq!(assign(AssignorKind::CooperativeSticky, &ppt, &members), r);
    }

    #[test]
    fn sticky_add_then_remove_a_member_on_one_topic() {
        let ppt = topics(&[("topic", 3)]);
        let one = [fresh("consumer1", &["topic"])];
        let r1 = assign(AssignorKind::Sticky, &ppt, &one);
        assert_eq!(
            r1["consumer1"],
            tps(&[("topic", 0), ("topic", 1), ("topic", 2)])
        );
        let mut two = rejoin(&one, &r1, 1);
        two.push(member("consumer2", &["topic"], &[], 1));
        let r2 = assign(AssignorKind::Sticky, &ppt, &two);
        assert_eq!(r2["consumer1"], tps(&[("topic", 0), ("topic", 1)]));
        assert_eq!(r2["consumer2"], tps(&[("topic", 2)]));
        let last = [member("consumer2", &["topic"], &[("topic", 2)], 1)];
        let r3 = assign(AssignorKind::Sticky, &ppt, &last);
        assert_eq!(
            r3["consumer2"],
            tps(&[("topic", 0), ("topic", 1), ("topic", 2)])
        );
    }

    #[test]
    fn sticky_add_then_remove_two_members_on_two_topics() {
        let ppt = topics(&[("topic1", 3), ("topic2", 4)]);
        let both = ["topic1", "topic2"];
        let two = [fresh("consumer1", &both), fresh("consumer2", &both)];
        let r1 = assign(AssignorKind::Sticky, &ppt, &two);
        assert_eq!(
            r1["consumer1"],
            tps(&[("topic1", 0), ("topic1", 2), ("topic2", 1), ("topic2", 3)])
        );
        assert_eq!(
            r1["consumer2"],
            tps(&[("topic1", 1), ("topic2", 0), ("topic2", 2)])
        );

        let mut four = rejoin(&two, &r1, 1);
        four.push(member("consumer3", &both, &[], 1));
        four.push(member("consumer4", &both, &[], 1));
        let r2 = assign(AssignorKind::Sticky, &ppt, &four);
        assert_eq!(r2["consumer1"], tps(&[("topic1", 0), ("topic2", 1)]));
        assert_eq!(r2["consumer2"], tps(&[("topic1", 1), ("topic2", 0)]));
        assert_eq!(r2["consumer3"], tps(&[("topic1", 2), ("topic2", 3)]));
        assert_eq!(r2["consumer4"], tps(&[("topic2", 2)]));
        // Cooperative withholds exactly Kafka's partitionsTransferringOwnership:
        // topic1-2 and topic2-3 to consumer3, topic2-2 to consumer4.
        let c = assign(AssignorKind::CooperativeSticky, &ppt, &four);
        assert_eq!(c["consumer1"], r2["consumer1"]);
        assert_eq!(c["consumer2"], r2["consumer2"]);
        assert!(
            c["consumer3"].is_empty() && c["consumer4"].is_empty(),
            "{c:?}"
        );

        let last_two: Vec<MemberSubscription> = rejoin(&four, &r2, 1).into_iter().skip(2).collect();
        let r3 = assign(AssignorKind::Sticky, &ppt, &last_two);
        assert_eq!(
            r3["consumer3"],
            tps(&[("topic1", 0), ("topic1", 2), ("topic2", 1), ("topic2", 3)])
        );
        assert_eq!(
            r3["consumer4"],
            tps(&[("topic1", 1), ("topic2", 0), ("topic2", 2)])
        );
    }

    #[test]
    fn sticky_members_already_at_quota_are_considered_filled() {
        let ppt = topics(&[("topic", 4)]);
        let members = [
            member("consumer1", &["topic"], &[("topic", 0), ("topic", 1)], 1),
            member("consumer2", &["topic"], &[("topic", 2)], 1),
            member("consumer3", &["topic"], &[], 1),
        ];
        let r = assign(AssignorKind::Sticky, &ppt, &members);
        assert_eq!(r["consumer1"], tps(&[("topic", 0), ("topic", 1)]));
        assert_eq!(r["consumer2"], tps(&[("topic", 2)]));
        assert_eq!(r["consumer3"], tps(&[("topic", 3)]));
    }

    #[test]
    fn sticky_claims_from_a_stale_or_unknown_generation_lose_to_the_current_one() {
        let ppt = topics(&[("topic", 3), ("topic2", 3)]);
        let both = ["topic", "topic2"];
        let claim = [("topic", 0), ("topic", 2), ("topic2", 1)];
        for stale in [9, -1] {
            let members = [
                member("consumer1", &both, &claim, 10),
                member("consumer2", &both, &claim, stale),
            ];
            for kind in [AssignorKind::Sticky, AssignorKind::CooperativeSticky] {
                let r = assign(kind, &ppt, &members);
                assert_eq!(r["consumer1"], tps(&claim), "{kind:?} {stale}");
                assert_eq!(
                    r["consumer2"],
                    tps(&[("topic", 1), ("topic2", 0), ("topic2", 2)])
                );
            }
        }
        let members = [
            member(
                "consumer1",
                &both,
                &[("topic", 0), ("topic2", 1), ("topic", 1)],
                10,
            ),
            member(
                "consumer2",
                &both,
                &[("topic", 0), ("topic2", 1), ("topic2", 2)],
                8,
            ),
        ];
        let r = assign(AssignorKind::Sticky, &ppt, &members);
        assert_eq!(
            r["consumer1"],
            tps(&[("topic", 0), ("topic", 1), ("topic2", 1)])
        );
        assert_eq!(
            r["consumer2"],
            tps(&[("topic", 2), ("topic2", 0), ("topic2", 2)])
        );
    }

    #[test]
    fn sticky_partitions_go_to_the_highest_generation_claimant() {
        let ppt = topics(&[("topic", 3), ("topic2", 3), ("topic3", 3)]);
        let all = ["topic", "topic2", "topic3"];
        let members = [
            member(
                "consumer1",
                &all,
                &[("topic", 0), ("topic2", 0), ("topic3", 0)],
                10,
            ),
            member(
                "consumer2",
                &all,
                &[("topic", 1), ("topic2", 1), ("topic3", 1)],
                9,
            ),
            member(
                "consumer3",
                &all,
                &[("topic2", 1), ("topic3", 0), ("topic3", 2)],
                8,
            ),
        ];
        let r = assign(AssignorKind::Sticky, &ppt, &members);
        assert_eq!(
            r["consumer1"],
            tps(&[("topic", 0), ("topic2", 0), ("topic3", 0)])
        );
        assert_eq!(
            r["consumer2"],
            tps(&[("topic", 1), ("topic2", 1), ("topic3", 1)])
        );
        assert_eq!(
            r["consumer3"],
            tps(&[("topic", 2), ("topic2", 2), ("topic3", 2)])
        );
    }

    #[test]
    fn sticky_new_member_gets_unowned_partitions_without_moving_owned_ones() {
        let ppt = topics(&[("topic", 3), ("topic1", 3), ("topic2", 3), ("topic3", 3)]);
        let all = ["topic", "topic2", "topic3", "topic1"];
        let members = [
            member("consumer1", &all, &[], -1),
            member(
                "consumer2",
                &all,
                &[("topic", 0), ("topic2", 0), ("topic1", 0)],
                9,
            ),
            member(
                "consumer3",
                &all,
                &[("topic3", 2), ("topic2", 2), ("topic1", 1)],
                8,
            ),
            member(
                "consumer4",
                &all,
                &[("topic3", 1), ("topic", 1), ("topic", 2)],
                7,
            ),
        ];
        let r = assign(AssignorKind::Sticky, &ppt, &members);
        assert_eq!(
            r["consumer1"],
            tps(&[("topic1", 2), ("topic2", 1), ("topic3", 0)])
        );
        assert_eq!(assign(AssignorKind::CooperativeSticky, &ppt, &members), r);
    }

    #[test]
    fn same_generation_double_claims_are_invalidated_for_both_claimants() {
        let ppt = topics(&[("topic", 3)]);
        let members = [
            member("consumer1", &["topic"], &[("topic", 0), ("topic", 1)], 1),
            member("consumer2", &["topic"], &[("topic", 0), ("topic", 2)], 1),
            member("consumer3", &["topic"], &[], 1),
        ];
        let r = assign(AssignorKind::Sticky, &ppt, &members);
        assert_eq!(r["consumer1"], tps(&[("topic", 1)]));
        assert_eq!(r["consumer2"], tps(&[("topic", 2)]));
        assert_eq!(r["consumer3"], tps(&[("topic", 0)]));
        // Cooperative: topic-0 counts as owned until both have revoked it.
        let c = assign(AssignorKind::CooperativeSticky, &ppt, &members);
        assert_eq!(c["consumer1"], tps(&[("topic", 1)]));
        assert_eq!(c["consumer2"], tps(&[("topic", 2)]));
        assert!(c["consumer3"].is_empty());

        let ppt = topics(&[("topic", 4)]);
        let r = assign(AssignorKind::Sticky, &ppt, &members);
        assert_eq!(r["consumer1"], tps(&[("topic", 1), ("topic", 3)]));
        assert_eq!(r["consumer2"], tps(&[("topic", 2)]));
        assert_eq!(r["consumer3"], tps(&[("topic", 0)]));
        let c = assign(AssignorKind::CooperativeSticky, &ppt, &members);
        assert_eq!(c["consumer1"], tps(&[("topic", 1), ("topic", 3)]));
        assert!(c["consumer3"].is_empty());
    }

    #[test]
    fn sticky_conflicting_previous_generations_keep_the_newest_owners() {
        // StickyAssignorTest.testAssignmentWithConflictingPreviousGenerations, both variants.
        let ppt = topics(&[("topic", 4), ("topic2", 4), ("topic3", 4)]);
        let all = ["topic", "topic2", "topic3"];
        for equal in [true, false] {
            let (c1_topics, c2_topics): (&[&str], &[&str]) = if equal {
                (&all, &all)
            } else {
                (&["topic"], &["topic", "topic2"])
            };
            let c1_owned: &[(&str, u32)] = if equal {
                &[
                    ("topic", 0),
                    ("topic", 1),
                    ("topic", 2),
                    ("topic2", 2),
                    ("topic2", 3),
                    ("topic3", 0),
                ]
            } else {
                &[("topic", 0), ("topic", 1), ("topic", 2), ("topic", 3)]
            };
            let c2_owned = [
                ("topic", 0),
                ("topic", 1),
                ("topic2", 0),
                ("topic2", 1),
                ("topic2", 2),
                ("topic2", 3),
            ];
            let c3_owned = [
                ("topic", 2),
                ("topic", 3),
                ("topic3", 0),
                ("topic3", 1),
                ("topic3", 2),
                ("topic3", 3),
            ];
            let members = [
                member("consumer1", c1_topics, c1_owned, 1),
                member("consumer2", c2_topics, &c2_owned, 2),
                member("consumer3", &all, &c3_owned, 2),
            ];
            let r = assign(AssignorKind::Sticky, &ppt, &members);
            assert_valid(&ppt, &members, &r, true);
            assert!(r.values().all(|l| l.len() == 4), "{equal}: {r:?}");
            assert!(
                r["consumer2"].iter().all(|p| tps(&c2_owned).contains(p)),
                "{equal}: {r:?}"
            );
            assert!(
                r["consumer3"].iter().all(|p| tps(&c3_owned).contains(p)),
                "{equal}: {r:?}"
            );
        }
    }

    #[test]
    fn sticky_survives_members_of_several_generations() {
        // StickyAssignorTest.testAssignmentWithMultipleGenerations1, both variants.
        let ppt = topics(&[("topic", 6), ("topic2", 6)]);
        let all = ["topic", "topic2"];
        for equal in [true, false] {
            let c2_topics: &[&str] = if equal { &all } else { &["topic"] };
            let members = [
                fresh("consumer1", &all),
                fresh("consumer2", c2_topics),
                fresh("consumer3", &all),
            ];
            let r1 = assign(AssignorKind::Sticky, &ppt, &members);
            assert!(r1.values().all(|l| l.len() == 4), "{r1:?}");

            let round2: Vec<MemberSubscription> =
                rejoin(&members, &r1, 1).into_iter().take(2).collect();
            let r2 = assign(AssignorKind::Sticky, &ppt, &round2);
            assert!(r2.values().all(|l| l.len() == 6), "{r2:?}");
            if equal {
                assert!(r1["consumer1"].iter().all(|p| r2["consumer1"].contains(p)));
            }
            assert!(r1["consumer2"].iter().all(|p| r2["consumer2"].contains(p)));
            assert!(r1["consumer3"].iter().any(|p| r2["consumer2"].contains(p)));

            let round3 = [
                member("consumer2", c2_topics, &[], 2),
                member("consumer3", &all, &[], 1),
            ];
            let round3 = [
                MemberSubscription {
                    owned_partitions: r2["consumer2"].clone(),
                    ..round3[0].clone()
                },
                MemberSubscription {
                    owned_partitions: r1["consumer3"].clone(),
                    ..round3[1].clone()
                },
            ];
            let r3 = assign(AssignorKind::Sticky, &ppt, &round3);
            assert_valid(&ppt, &round3, &r3, true);
            assert!(r3.values().all(|l| l.len() == 6), "{r3:?}");
        }
    }

    #[test]
    fn sticky_conflicting_claims_across_three_generations_stay_valid() {
        // AbstractStickyAssignorTest.testSubscriptionNotEqualAndAssignSamePartitionWith3Generation.
        let ppt = topics(&[("topic", 6), ("topic1", 1)]);
        for g in [
            [1, 2, 3],
            [1, 3, 2],
            [2, 1, 3],
            [2, 3, 1],
            [3, 1, 2],
            [3, 2, 1],
        ] {
            let members = [
                member("consumer1", &["topic"], &[("topic", 0), ("topic", 2)], g[0]),
                member(
                    "consumer2",
                    &["topic"],
                    &[("topic", 1), ("topic", 2), ("topic", 3)],
                    g[1],
                ),
                member(
                    "consumer3",
                    &["topic"],
                    &[("topic", 2), ("topic", 4), ("topic", 5)],
                    g[2],
                ),
                member("consumer4", &["topic1"], &[("topic1", 0)], 2),
            ];
            let r = assign(AssignorKind::Sticky, &ppt, &members);
            assert_valid(&ppt, &members, &r, true);
            assert!(
                r.values().all(|l| (1..=2).contains(&l.len())),
                "{g:?}: {r:?}"
            );
        }
    }

    #[test]
    fn sticky_dropped_topic_moves_partitions_to_subscribers_and_keeps_the_rest() {
        // AbstractStickyAssignorTest.testAddRemoveTopicTwoConsumers.
        let mut ppt = topics(&[("topic", 3)]);
        let members = [
            fresh("consumer1", &["topic"]),
            fresh("consumer2", &["topic"]),
        ];
        let r1 = assign(AssignorKind::Sticky, &ppt, &members);
        ppt.insert("topic2".into(), 3);
        let both: Vec<MemberSubscription> = rejoin(&members, &r1, 1)
            .into_iter()
            .map(|m| MemberSubscription {
                topics: vec!["topic".into(), "topic2".into()],
                ..m
            })
            .collect();
        let r2 = assign(AssignorKind::Sticky, &ppt, &both);
        assert_eq!(sizes(&r2), (3, 3));
        assert_eq!(kept(&r1, &r2), 3);
        ppt.remove("topic");
        let only2: Vec<MemberSubscription> = rejoin(&both, &r2, 2)
            .into_iter()
            .map(|m| MemberSubscription {
                topics: vec!["topic2".into()],
                ..m
            })
            .collect();
        let r3 = assign(AssignorKind::Sticky, &ppt, &only2);
        assert_valid(&ppt, &only2, &r3, true);
        assert_eq!(sizes(&r3), (1, 2));
        for id in ["consumer1", "consumer2"] {
            assert!(r3[id].iter().all(|p| r2[id].contains(p)), "{r3:?}");
        }
    }

    #[test]
    fn sticky_never_returns_a_partition_to_an_old_owner_no_longer_subscribed() {
        // X owned all of T in generation 1 and now reads only U; Kafka's general algorithm
        // would hand T's partitions back to X as their "previous owner".
        let ppt = topics(&[("T", 4), ("U", 4)]);
        let members = [
            member("X", &["U"], &[("T", 0), ("T", 1), ("T", 2), ("T", 3)], 1),
            member(
                "Y",
                &["T", "U"],
                &[("U", 0), ("U", 1), ("U", 2), ("U", 3)],
                2,
            ),
            member("Z", &["T"], &[], 2),
        ];
        for kind in [AssignorKind::Sticky, AssignorKind::CooperativeSticky] {
            let r = assign(kind, &ppt, &members);
            assert_valid(&ppt, &members, &r, kind == AssignorKind::Sticky);
            assert_kafka_balance(&r);
        }
        let r = assign(AssignorKind::Sticky, &ppt, &members);
        assert_eq!(r["X"], tps(&[("U", 0), ("U", 1)]));
        assert_eq!(r["Y"], tps(&[("T", 0), ("U", 2), ("U", 3)]));
        assert_eq!(r["Z"], tps(&[("T", 1), ("T", 2), ("T", 3)]));
    }

    #[test]
    fn sticky_general_algorithm_returns_a_partition_to_its_previous_generation_owner() {
        // Y (generation 2) wins T-0 over X's stale claim (generation 1). When Y must shed
        // partitions, T-0 goes back to X although W is less loaded; T-1 then goes to W.
        let ppt = topics(&[("T", 4), ("U", 1)]);
        let members = [
            member("W", &["T", "U"], &[], 2),
            member("X", &["T", "U"], &[("T", 0), ("U", 0)], 1),
            member("Y", &["T"], &[("T", 0), ("T", 1), ("T", 2), ("T", 3)], 2),
        ];
        let r = assign(AssignorKind::Sticky, &ppt, &members);
        assert_eq!(r["W"], tps(&[("T", 1)]));
        assert_eq!(r["X"], tps(&[("T", 0), ("U", 0)]));
        assert_eq!(r["Y"], tps(&[("T", 2), ("T", 3)]));
    }

    #[test]
    fn sticky_general_algorithm_moves_a_partition_back_instead_of_swapping_two() {
        // Balancing first moves t1-2 from c1 to c0, later wants to move c0's t1-0 to c1:
        // Kafka's PartitionMovements sends t1-2 back instead, so both keep what they owned.
        let ppt = topics(&[("t0", 2), ("t1", 4)]);
        let both = ["t0", "t1"];
        let members = [
            member("c0", &both, &[("t1", 0)], 1),
            member(
                "c1",
                &both,
                &[("t0", 0), ("t0", 1), ("t1", 2), ("t1", 3)],
                1,
            ),
            member("c2", &["t0"], &[], 1),
            member("c3", &["t0"], &[], 1),
        ];
        let r = assign(AssignorKind::Sticky, &ppt, &members);
        assert_eq!(r["c0"], tps(&[("t1", 0), ("t1", 1)]));
        assert_eq!(r["c1"], tps(&[("t1", 2), ("t1", 3)]));
        assert_eq!(r["c2"], tps(&[("t0", 0)]));
        assert_eq!(r["c3"], tps(&[("t0", 1)]));
    }

    #[test]
    fn sticky_general_algorithm_rebalances_all_partitions_when_a_subscription_shrank() {
        // c2 no longer reads t1, so its partitions must be revoked anyway. Kafka then skips
        // the pass that moves only newly assigned partitions and walks all partitions in
        // order: c0 gives up its own t1-0 rather than the t1-1 it just received.
        let ppt = topics(&[("t0", 1), ("t1", 4)]);
        let members = [
            member("c0", &["t1"], &[("t1", 0)], 1),
            member("c1", &["t0", "t1"], &[], 1),
            member("c2", &["t0"], &[("t1", 1), ("t1", 2)], 1),
        ];
        let r = assign(AssignorKind::Sticky, &ppt, &members);
        assert_eq!(r["c0"], tps(&[("t1", 1), ("t1", 3)]));
        assert_eq!(r["c1"], tps(&[("t1", 0), ("t1", 2)]));
        assert_eq!(r["c2"], tps(&[("t0", 0)]));
    }

    #[test]
    fn sticky_member_leaving_nested_subscriptions_moves_no_topic_both_ways() {
        // AbstractStickyAssignorTest.testReassignmentAfterOneConsumerLeaves: topic tN has N
        // partitions, member cN subscribes to t1..tN; c10 leaves. Kafka asserts isSticky():
        // no two partitions of one topic move in opposite directions between two members.
        let names: Vec<String> = (1..20).map(|i| format!("t{i:02}")).collect();
        let ppt: BTreeMap<TopicName, u32> = (1..20)
            .map(|i| (TopicName::from(names[i - 1].as_str()), i as u32))
            .collect();
        let members: Vec<MemberSubscription> = (1..20)
            .map(|i| {
                let subscribed: Vec<&str> = names[..i].iter().map(String::as_str).collect();
                fresh(&format!("c{i:02}"), &subscribed)
            })
            .collect();
        let before = assign(AssignorKind::Sticky, &ppt, &members);
        assert_valid(&ppt, &members, &before, true);
        assert_kafka_balance(&before);
        let after_members: Vec<MemberSubscription> = rejoin(&members, &before, 1)
            .into_iter()
            .filter(|m| m.member_id != "c10")
            .collect();
        let after = assign(AssignorKind::Sticky, &ppt, &after_members);
        assert_valid(&ppt, &after_members, &after, true);
        assert_kafka_balance(&after);
        assert_no_swaps(&before, &after);
    }

    #[test]
    fn sticky_poor_round_robin_scenario_is_valid_and_balanced() {
        // AbstractStickyAssignorTest.testPoorRoundRobinAssignmentScenario and
        // testMoveExistingAssignments.
        let ppt = topics(&[
            ("topic1", 2),
            ("topic2", 1),
            ("topic3", 2),
            ("topic4", 1),
            ("topic5", 2),
        ]);
        let all = ["topic1", "topic2", "topic3", "topic4", "topic5"];
        let odd = ["topic1", "topic3", "topic5"];
        let members = [
            fresh("consumer1", &all),
            fresh("consumer2", &odd),
            fresh("consumer3", &odd),
            fresh("consumer4", &all),
        ];
        let r = assign(AssignorKind::Sticky, &ppt, &members);
        assert_valid(&ppt, &members, &r, true);
        assert_kafka_balance(&r);
        assert_eq!(sizes(&r), (2, 2));

        let ppt = topics(&[
            ("topic1", 1),
            ("topic2", 1),
            ("topic3", 1),
            ("topic4", 1),
            ("topic5", 1),
            ("topic6", 1),
        ]);
        let members = [
            member("consumer1", &["topic1", "topic2"], &[("topic1", 0)], 1),
            member(
                "consumer2",
                &["topic1", "topic2", "topic3", "topic4"],
                &[("topic2", 0), ("topic3", 0)],
                1,
            ),
            member(
                "consumer3",
                &["topic2", "topic3", "topic4", "topic5", "topic6"],
                &[("topic4", 0), ("topic5", 0), ("topic6", 0)],
                1,
            ),
        ];
        let r = assign(AssignorKind::Sticky, &ppt, &members);
        assert_valid(&ppt, &members, &r, true);
        assert_kafka_balance(&r);
    }

    #[test]
    fn sticky_stays_balanced_when_all_members_subscribe_to_the_same_topics() {
        let mut rng = Lcg(7);
        for case in 0..300 {
            let topic_count = 1 + rng.below(4) as usize;
            let mut ppt: BTreeMap<TopicName, u32> = (0..topic_count)
                .map(|t| (TopicName::from(format!("t{t}")), 1 + rng.below(10) as u32))
                .collect();
            let names: Vec<String> = ppt.keys().map(|t| t.to_string()).collect();
            let names: Vec<&str> = names.iter().map(String::as_str).collect();
            let mut members: Vec<MemberSubscription> = (0..1 + rng.below(8))
                .map(|i| fresh(&format!("m{i}"), &names))
                .collect();
            let mut next_id = members.len();
            let mut result = assign(AssignorKind::Sticky, &ppt, &members);
            for generation in 1..6 {
                let (min, max) = sizes(&result);
                assert!(max - min <= 1, "case {case} gen {generation}: {result:?}");
                assert_valid(&ppt, &members, &result, true);
                // Churn: some leave, some join, sometimes a topic grows.
                members = rejoin(&members, &result, generation);
                let leaving = rng.below(3) as usize;
                for _ in 0..leaving.min(members.len() - 1) {
                    let i = rng.below(members.len() as u64) as usize;
                    members.remove(i);
                }
                for _ in 0..rng.below(3) {
                    members.push(fresh(&format!("m{next_id}"), &names));
                    next_id += 1;
                }
                if rng.below(4) == 0 {
                    let t = TopicName::from(names[rng.below(names.len() as u64) as usize]);
                    *ppt.get_mut(&t).unwrap() += 1 + rng.below(3) as u32;
                }
                let previous = result;
                result = assign(AssignorKind::Sticky, &ppt, &members);
                // Nobody who stays keeps fewer than it could: min(owned, floor quota).
                let total: usize = ppt.values().map(|&c| c as usize).sum();
                let floor = total / members.len();
                for m in &members {
                    if let Some(old) = previous.get(&m.member_id) {
                        let kept = old
                            .iter()
                            .filter(|p| result[&m.member_id].contains(p))
                            .count();
                        assert!(
                            kept >= old.len().min(floor),
                            "case {case}: {} kept {kept}",
                            m.member_id
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn sticky_member_joining_moves_only_the_minimum_number_of_partitions() {
        let mut rng = Lcg(42);
        for case in 0..300 {
            let topic_count = 1 + rng.below(3) as usize;
            let ppt: BTreeMap<TopicName, u32> = (0..topic_count)
                .map(|t| (TopicName::from(format!("t{t}")), 1 + rng.below(12) as u32))
                .collect();
            let names: Vec<String> = ppt.keys().map(|t| t.to_string()).collect();
            let names: Vec<&str> = names.iter().map(String::as_str).collect();
            let n = 1 + rng.below(7) as usize;
            let members: Vec<MemberSubscription> =
                (0..n).map(|i| fresh(&format!("c{i}"), &names)).collect();
            let before = assign(AssignorKind::Sticky, &ppt, &members);
            let mut joined = rejoin(&members, &before, 1);
            joined.push(fresh("new", &names));

            // Fewest moves: old members keep min(load, quota), the largest loads taking the
            // P % (n+1) larger quotas; the newcomer takes a smaller one.
            let total: usize = ppt.values().map(|&c| c as usize).sum();
            let (floor, extra) = (total / (n + 1), total % (n + 1));
            let mut loads: Vec<usize> = before.values().map(Vec::len).collect();
            loads.sort_unstable_by(|a, b| b.cmp(a));
            let best_kept: usize = loads
                .iter()
                .enumerate()
                .map(|(i, &l)| l.min(floor + usize::from(i < extra)))
                .sum();

            let after = assign(AssignorKind::Sticky, &ppt, &joined);
            assert_valid(&ppt, &joined, &after, true);
            assert_eq!(
                total - kept(&before, &after),
                total - best_kept,
                "case {case}: {before:?} -> {after:?}"
            );

            // Cooperative: the moving partitions are exactly the ones withheld this round.
            let coop = assign(AssignorKind::CooperativeSticky, &ppt, &joined);
            let held: usize = coop.values().map(Vec::len).sum();
            assert_eq!(held, best_kept, "case {case}");
            assert!(coop["new"].is_empty());
        }
    }

    #[test]
    fn sticky_general_algorithm_stays_valid_and_balanced_for_random_subscriptions() {
        let mut rng = Lcg(2024);
        for case in 0..150 {
            let topic_count = 2 + rng.below(5) as usize;
            let ppt: BTreeMap<TopicName, u32> = (0..topic_count)
                .map(|t| (TopicName::from(format!("t{t}")), 1 + rng.below(6) as u32))
                .collect();
            let names: Vec<String> = ppt.keys().map(|t| t.to_string()).collect();
            let random_subscription = |rng: &mut Lcg| -> Vec<TopicName> {
                let picked: Vec<TopicName> = names
                    .iter()
                    .filter(|_| rng.below(2) == 0)
                    .map(|t| TopicName::from(t.as_str()))
                    .collect();
                if picked.is_empty() {
                    vec![TopicName::from(names[0].as_str())]
                } else {
                    picked
                }
            };
            let n = 2 + rng.below(6) as usize;
            let mut members: Vec<MemberSubscription> = (0..n)
                .map(|i| MemberSubscription {
                    member_id: format!("c{i}"),
                    topics: random_subscription(&mut rng),
                    owned_partitions: vec![],
                    generation: -1,
                })
                .collect();
            let mut result = assign(AssignorKind::Sticky, &ppt, &members);
            for generation in 1..4 {
                assert_valid(&ppt, &members, &result, true);
                assert_kafka_balance(&result);
                assert!(result.len() == n, "case {case}");
                members = rejoin(&members, &result, generation);
                for m in members.iter_mut() {
                    if rng.below(3) == 0 {
                        m.topics = random_subscription(&mut rng);
                    }
                }
                result = assign(AssignorKind::Sticky, &ppt, &members);
            }
            // A member leaves, nothing else changes: nothing swaps within a topic.
            let mut survivors = rejoin(&members, &result, 4);
            survivors.remove(rng.below(n as u64) as usize);
            let after = assign(AssignorKind::Sticky, &ppt, &survivors);
            assert_valid(&ppt, &survivors, &after, true);
            assert_kafka_balance(&after);
            assert_no_swaps(&result, &after);
        }
    }

    #[test]
    fn cooperative_sticky_withholds_moving_partitions_until_the_owner_revokes_them() {
        let ppt = topics(&[("t0", 6)]);
        let members = [fresh("C0", &["t0"]), fresh("C1", &["t0"])];
        let r0 = assign(AssignorKind::CooperativeSticky, &ppt, &members);
        assert_eq!(sizes(&r0), (3, 3), "nothing owned yet: nothing to withhold");

        // C2 joins: the target is 2/2/2, but the partitions C2 should take are still owned.
        let mut joined = rejoin(&members, &r0, 1);
        joined.push(fresh("C2", &["t0"]));
        let r1 = assign(AssignorKind::CooperativeSticky, &ppt, &joined);
        assert_eq!(r1["C0"].len(), 2);
        assert_eq!(r1["C1"].len(), 2);
        assert!(
            r1["C2"].is_empty(),
            "moving partitions are withheld: {r1:?}"
        );
        let revoked: Vec<TopicPartition> = ["C0", "C1"]
            .iter()
            .flat_map(|id| revoked_partitions(&r0[*id], &r1[*id]))
            .collect();
        assert_eq!(revoked.len(), 2);
        assert!(r1.values().flatten().all(|p| !revoked.contains(p)));
        // They are what the eager sticky target gives C2 this round.
        let mut revoked_sorted = revoked.clone();
        revoked_sorted.sort();
        assert_eq!(
            assign(AssignorKind::Sticky, &ppt, &joined)["C2"],
            revoked_sorted
        );

        // Members revoke and rejoin reporting what they now own: C2 gets the freed partitions.
        let r2 = assign(
            AssignorKind::CooperativeSticky,
            &ppt,
            &rejoin(&joined, &r1, 2),
        );
        assert_eq!(r2["C0"], r1["C0"]);
        assert_eq!(r2["C1"], r1["C1"]);
        assert_eq!(r2["C2"], revoked_sorted);
        assert!(revoked_partitions(&r1["C0"], &r2["C0"]).is_empty());
    }

    #[test]
    fn cooperative_sticky_withholds_in_the_general_algorithm_too() {
        let ppt = topics(&[("a", 4), ("b", 2)]);
        let members = [
            member(
                "C0",
                &["a", "b"],
                &[("a", 0), ("a", 1), ("a", 2), ("a", 3), ("b", 0), ("b", 1)],
                1,
            ),
            member("C1", &["a"], &[], -1),
        ];
        let target = assign(AssignorKind::Sticky, &ppt, &members);
        assert_eq!(sizes(&target), (3, 3));
        let r1 = assign(AssignorKind::CooperativeSticky, &ppt, &members);
        assert!(r1["C1"].is_empty(), "{r1:?}");
        assert_eq!(r1["C0"], target["C0"]);
        let r2 = assign(
            AssignorKind::CooperativeSticky,
            &ppt,
            &rejoin(&members, &r1, 2),
        );
        assert_eq!(r2, target);
    }

    #[test]
    fn cooperative_sticky_converges_within_a_few_rebalances() {
        // CooperativeStickyAssignorTest.verifyValidityAndBalance: no partition is revoked and
        // given away in the same round, and follow-up rounds (at most 4) reach a valid,
        // balanced assignment.
        let mut rng = Lcg(99);
        for case in 0..150 {
            let topic_count = 1 + rng.below(4) as usize;
            let ppt: BTreeMap<TopicName, u32> = (0..topic_count)
                .map(|t| (TopicName::from(format!("t{t}")), 1 + rng.below(8) as u32))
                .collect();
            let names: Vec<String> = ppt.keys().map(|t| t.to_string()).collect();
            let equal = rng.below(2) == 0;
            let mut members: Vec<MemberSubscription> = (0..1 + rng.below(6))
                .map(|i| {
                    let topics: Vec<TopicName> = names
                        .iter()
                        .enumerate()
                        .filter(|(k, _)| equal || *k == 0 || rng.below(2) == 0)
                        .map(|(_, t)| TopicName::from(t.as_str()))
                        .collect();
                    MemberSubscription {
                        member_id: format!("c{i}"),
                        topics,
                        owned_partitions: vec![],
                        generation: -1,
                    }
                })
                .collect();
            let mut result = assign(AssignorKind::CooperativeSticky, &ppt, &members);
            // Then a membership change.
            members = rejoin(&members, &result, 1);
            if rng.below(2) == 0 && members.len() > 1 {
                members.remove(0);
            }
            members.push(MemberSubscription {
                member_id: "joiner".into(),
                topics: members[0].topics.clone(),
                owned_partitions: vec![],
                generation: -1,
            });
            result = assign(AssignorKind::CooperativeSticky, &ppt, &members);
            let mut rebalances = 0;
            let mut generation = 2;
            loop {
                let added: BTreeSet<&TopicPartition> = members
                    .iter()
                    .flat_map(|m| {
                        result[&m.member_id]
                            .iter()
                            .filter(|p| !m.owned_partitions.contains(p))
                    })
                    .collect();
                let revoked: BTreeSet<TopicPartition> = members
                    .iter()
                    .flat_map(|m| revoked_partitions(&m.owned_partitions, &result[&m.member_id]))
                    .collect();
                assert!(
                    added.iter().all(|p| !revoked.contains(*p)),
                    "case {case}: {result:?}"
                );
                if revoked.is_empty() {
                    break;
                }
                members = rejoin(&members, &result, generation);
                generation += 1;
                result = assign(AssignorKind::CooperativeSticky, &ppt, &members);
                rebalances += 1;
                assert!(rebalances <= 4, "case {case}");
            }
            assert_valid(&ppt, &members, &result, true);
            assert_kafka_balance(&result);
            if equal {
                let (min, max) = sizes(&result);
                assert!(max - min <= 1, "case {case}: {result:?}");
            }
        }
    }

    #[test]
    fn revoked_partitions_are_owned_ones_missing_from_the_assignment() {
        let owned = tps(&[("a", 0), ("a", 1), ("b", 0)]);
        let assigned = tps(&[("a", 1), ("c", 0)]);
        assert_eq!(
            revoked_partitions(&owned, &assigned),
            tps(&[("a", 0), ("b", 0)])
        );
        assert!(revoked_partitions(&assigned, &assigned).is_empty());
        assert!(revoked_partitions(&[], &owned).is_empty());
    }
}
