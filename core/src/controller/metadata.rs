//! The controller's authoritative cluster metadata and every decision it makes on it:
//! topic creation, broker fencing and unfencing, leader election (clean, unclean, preferred),
//! ISR changes. Pure: each method returns the partitions it changed and pushes events; the
//! coordinator mode decides how the changes reach brokers.

use super::NewTopic;
use crate::collections::LiteMap;
use crate::config::Millis;
use crate::election::{
    Election, PreferredElection, elect_leader, imbalanced_brokers, preferred_leader,
};
use crate::error::{ErrorCode, KafkaError};
use crate::event::{ElectionReason, EventKind, IsrChangeReason};
use crate::ids::{BrokerId, NO_LEADER, TopicName, TopicPartition};
use crate::message::{PartitionState, TopicConfig};
use crate::placement::{BrokerMeta, StartIndex, add_partitions, assign_replicas_to_brokers};
use crate::striped::{self, UsableBroker};
use crate::topic::{
    check_collision, validate_new_topic, validate_partition_count, validate_topic_name,
};
use rand::{Rng, SeedableRng};
use rand_pcg::Pcg64Mcg;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::Arc;

/// How a controller places the replicas of new partitions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Placer {
    /// ZooKeeper mode (and the built-in controller): `AdminUtils` over the live brokers, the
    /// replication factor checked against them, every replica in the first ISR.
    AdminUtils,
    /// KRaft: `StripedReplicaPlacer` over every registered broker (fenced ones last), the
    /// replication factor checked against all of them, the ISR the unfenced replicas.
    Striped,
}

/// Whether taking a failed follower out of an ISR starts a new leader epoch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ShrinkEpoch {
    /// ZooKeeper mode: `ReplicaStateMachine` moves the replica offline with
    /// `newLeaderAndIsr`, which is the leader epoch plus one.
    Bump,
    /// KRaft (metadata version 3.6 and later: `isLeaderEpochBumpRequiredOnIsrShrink` is
    /// false) and the built-in controller: the epoch stays.
    Keep,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BrokerRegistration {
    pub id: BrokerId,
    pub rack: Option<String>,
    /// A fenced broker is considered down: it leads nothing and is in no ISR.
    pub fenced: bool,
    pub broker_epoch: u64,
    pub last_heartbeat_ms: Millis,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TopicMetadata {
    pub config: Arc<TopicConfig>,
    pub partitions: Vec<PartitionState>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClusterMetadata {
    pub brokers: LiteMap<BrokerId, BrokerRegistration>,
    /// A `BTreeMap` so that it can be indexed by `&str` (`topics["t"]`), which `LiteMap` cannot.
    /// Each topic behind an `Arc`, changed through `Arc::make_mut`: a clone (every checkpoint
    /// of a timeline clones a dozen images) shares the topics that did not change since.
    pub topics: BTreeMap<TopicName, Arc<TopicMetadata>>,
    pub controller_epoch: i32,
}

impl ClusterMetadata {
    pub fn is_live(&self, b: BrokerId) -> bool {
        self.brokers.get(&b).is_some_and(|r| !r.fenced)
    }

    pub fn live_brokers(&self) -> Vec<BrokerId> {
        self.brokers
            .values()
            .filter(|r| !r.fenced)
            .map(|r| r.id)
            .collect()
    }

    pub fn partition(&self, tp: &TopicPartition) -> Option<&PartitionState> {
        self.topics
            .get(&tp.topic)?
            .partitions
            .get(tp.partition as usize)
    }

    fn partition_mut(&mut self, tp: &TopicPartition) -> Option<&mut PartitionState> {
        Arc::make_mut(self.topics.get_mut(&tp.topic)?)
            .partitions
            .get_mut(tp.partition as usize)
    }

    pub fn partitions(&self) -> impl Iterator<Item = &PartitionState> {
        self.topics.values().flat_map(|t| t.partitions.iter())
    }

    fn live_broker_metas(&self) -> Vec<BrokerMeta> {
        self.brokers
            .values()
            .filter(|r| !r.fenced)
            .map(|r| BrokerMeta {
                id: r.id,
                rack: r.rack.clone(),
            })
            .collect()
    }

    /// Every registered broker as KRaft's placer sees it.
    fn usable_brokers(&self) -> Vec<UsableBroker> {
        self.brokers
            .values()
            .map(|r| UsableBroker {
                id: r.id,
                rack: r.rack.clone(),
                fenced: r.fenced,
            })
            .collect()
    }

    /// The replicas of `count` new partitions with `rf` replicas each.
    fn place(
        &self,
        placer: Placer,
        count: i32,
        rf: i32,
        rng: &mut impl Rng,
    ) -> Result<Vec<Vec<BrokerId>>, KafkaError> {
        match placer {
            Placer::AdminUtils => assign_replicas_to_brokers(
                &self.live_broker_metas(),
                count,
                rf,
                StartIndex::Random,
                0,
                rng,
            ),
            // Kafka's placer has a `Random` of its own. One draw seeds one here, so that the
            // cluster's other random choices (election timeouts) do not depend on how many
            // partitions were placed (the placer shuffles once per pass over the brokers).
            Placer::Striped => striped::place(
                &self.usable_brokers(),
                usize::try_from(count).unwrap_or(0),
                rf,
                &mut Pcg64Mcg::seed_from_u64(rng.random()),
            ),
        }
    }

    /// The brokers a new partition's ISR is limited to: with KRaft's placer the unfenced
    /// ones; None (every replica) otherwise.
    fn first_isr_brokers(&self, placer: Placer) -> Option<Vec<BrokerId>> {
        (placer == Placer::Striped).then(|| self.live_brokers())
    }

    /// CreateTopics: validate, place replicas, make the first replica of each partition leader.
    pub fn create_topic(
        &mut self,
        t: &NewTopic,
        placer: Placer,
        rng: &mut impl Rng,
        events: &mut Vec<EventKind>,
    ) -> Result<Vec<Vec<BrokerId>>, KafkaError> {
        let existing = self.topics.keys().map(|k| k.as_ref());
        match placer {
            Placer::AdminUtils => validate_new_topic(
                &t.name,
                t.partitions,
                t.replication_factor,
                self.live_brokers().len(),
                existing,
            )?,
            // ReplicationControlManager.createTopic: the name, then the replication factor
            // and the partition count in its words; the placer checks the brokers.
            Placer::Striped => {
                validate_topic_name(&t.name)?;
                check_collision(&t.name, existing)?;
                if t.replication_factor <= 0 {
                    return Err(KafkaError::new(
                        ErrorCode::InvalidReplicationFactor,
                        "Replication factor must be larger than 0, or -1 to use the default value.",
                    ));
                }
                if t.partitions <= 0 {
                    return Err(KafkaError::new(
                        ErrorCode::InvalidPartitions,
                        "Number of partitions was set to an invalid non-positive value.",
                    ));
                }
                validate_partition_count(t.partitions)?;
            }
        }
        if t.config.min_insync_replicas == 0 {
            return Err(KafkaError::new(
                ErrorCode::InvalidConfig,
                "Invalid value 0 for configuration min.insync.replicas: Value must be at least 1",
            ));
        }
        let assignment = self.place(placer, t.partitions, t.replication_factor, rng)?;
        let config = Arc::new(t.config.clone());
        let isr_brokers = self.first_isr_brokers(placer);
        let partitions = assignment
            .iter()
            .enumerate()
            .map(|(i, replicas)| {
                new_partition(&t.name, i as u32, replicas, &config, isr_brokers.as_deref())
            })
            .collect::<Vec<_>>();
        events.push(EventKind::TopicCreated {
            topic: t.name.clone(),
            assignment: assignment.clone(),
        });
        for p in &partitions {
            events.push(elected(p, NO_LEADER, ElectionReason::NewPartition));
        }
        self.topics.insert(
            t.name.clone(),
            Arc::new(TopicMetadata { config, partitions }),
        );
        Ok(assignment)
    }

    /// CreatePartitions: grow `topic` to `total` partitions.
    pub fn create_partitions(
        &mut self,
        topic: &str,
        total: i32,
        placer: Placer,
        rng: &mut impl Rng,
        events: &mut Vec<EventKind>,
    ) -> Result<Vec<Vec<BrokerId>>, KafkaError> {
        let live = self.live_broker_metas();
        let Some(t) = self.topics.get(topic) else {
            return Err(KafkaError::new(
                ErrorCode::UnknownTopicOrPartition,
                format!("The topic '{topic}' does not exist."),
            ));
        };
        let existing: Vec<Vec<BrokerId>> =
            t.partitions.iter().map(|p| p.replicas.clone()).collect();
        let added = match placer {
            Placer::AdminUtils => add_partitions(&live, &existing, total, rng)?,
            // ReplicationControlManager.createPartitions: the count, then the placer with
            // the topic's replication factor.
            Placer::Striped => {
                let current = existing.len();
                let total_usize = usize::try_from(total).unwrap_or(0);
                if total_usize < current {
                    return Err(KafkaError::new(
                        ErrorCode::InvalidPartitions,
                        format!(
                            "The topic {topic} currently has {current} partition(s); {total} would not be an increase."
                        ),
                    ));
                }
                if total_usize == current {
                    return Err(KafkaError::new(
                        ErrorCode::InvalidPartitions,
                        format!("Topic already has {current} partition(s)."),
                    ));
                }
                validate_partition_count(total)?;
                let rf = existing.first().map_or(0, |r| r.len() as i32);
                self.place(placer, total - current as i32, rf, rng)?
            }
        };
        let isr_brokers = self.first_isr_brokers(placer);
        let Some(t) = self.topics.get_mut(topic).map(Arc::make_mut) else {
            return Ok(Vec::new()); // found above; borrowed again once placing is done
        };
        let name: TopicName = Arc::from(topic);
        let start = t.partitions.len() as u32;
        for (i, replicas) in added.iter().enumerate() {
            let p = new_partition(
                &name,
                start + i as u32,
                replicas,
                &t.config,
                isr_brokers.as_deref(),
            );
            events.push(elected(&p, NO_LEADER, ElectionReason::NewPartition));
            t.partitions.push(p);
        }
        events.push(EventKind::PartitionsAdded {
            topic: name,
            assignment: added.clone(),
        });
        Ok(added)
    }

    /// A broker is gone (session expired or fenced): take it out of every ISR (never leaving
    /// an ISR empty) and elect new leaders where it led. Returns the changed partitions.
    pub fn fence_broker(
        &mut self,
        broker: BrokerId,
        shrink: ShrinkEpoch,
        events: &mut Vec<EventKind>,
    ) -> Vec<TopicPartition> {
        if let Some(r) = self.brokers.get_mut(&broker) {
            r.fenced = true;
        }
        let live: Vec<BrokerId> = self.live_brokers();
        let mut changed = Vec::new();
        for t in self.topics.values_mut() {
            // Only a topic with a partition to change is copied (when shared).
            if !t
                .partitions
                .iter()
                .any(|p| p.leader == broker || p.isr.contains(&broker))
            {
                continue;
            }
            let t = Arc::make_mut(t);
            let unclean_ok = t.config.unclean_leader_election_enable;
            for p in t.partitions.iter_mut() {
                let in_isr = p.isr.contains(&broker);
                if p.leader != broker && !in_isr {
                    continue;
                }
                let (old_leader, old_isr) = (p.leader, p.isr.clone());
                if in_isr && p.isr.len() > 1 {
                    p.isr.retain(|&b| b != broker);
                }
                if p.leader == broker {
                    elect_into(p, &live, unclean_ok, ElectionReason::LeaderFailed, events);
                } else if p.isr != old_isr {
                    if shrink == ShrinkEpoch::Bump {
                        p.leader_epoch += 1;
                    }
                    events.push(EventKind::IsrChanged {
                        tp: p.tp.clone(),
                        isr: p.isr.clone(),
                        reason: IsrChangeReason::BrokerFailed {
                            removed: vec![broker],
                        },
                    });
                }
                // An offline partition whose last ISR member is this broker stays as it is:
                // no new partition epoch, nothing to write or publish.
                if p.leader == old_leader && p.isr == old_isr {
                    continue;
                }
                p.partition_epoch += 1;
                changed.push(p.tp.clone());
            }
        }
        changed
    }

    /// A broker is back: offline partitions it can lead get a leader again.
    pub fn unfence_broker(
        &mut self,
        broker: BrokerId,
        events: &mut Vec<EventKind>,
    ) -> Vec<TopicPartition> {
        if let Some(r) = self.brokers.get_mut(&broker) {
            r.fenced = false;
        }
        let live: Vec<BrokerId> = self.live_brokers();
        let mut changed = Vec::new();
        for t in self.topics.values_mut() {
            if !t
                .partitions
                .iter()
                .any(|p| p.leader == NO_LEADER && p.replicas.contains(&broker))
            {
                continue;
            }
            let t = Arc::make_mut(t);
            let unclean_ok = t.config.unclean_leader_election_enable;
            for p in t.partitions.iter_mut() {
                if p.leader == NO_LEADER && p.replicas.contains(&broker) {
                    elect_into(
                        p,
                        &live,
                        unclean_ok,
                        ElectionReason::OfflinePartitionRecovered,
                        events,
                    );
                    if p.leader != NO_LEADER {
                        p.partition_epoch += 1;
                        changed.push(p.tp.clone());
                    }
                }
            }
        }
        changed
    }

    /// AlterPartition from a leader: accept the new ISR if the request is current and every
    /// new member is live; returns the new state.
    pub fn alter_partition(
        &mut self,
        broker: BrokerId,
        tp: &TopicPartition,
        leader_epoch: i32,
        partition_epoch: i32,
        new_isr: &[BrokerId],
        events: &mut Vec<EventKind>,
    ) -> Result<PartitionState, ErrorCode> {
        let live: Vec<BrokerId> = self.live_brokers();
        let Some(p) = self.partition_mut(tp) else {
            return Err(ErrorCode::UnknownTopicOrPartition);
        };
        if p.leader != broker {
            return Err(ErrorCode::NotLeaderOrFollower);
        }
        if leader_epoch != p.leader_epoch || partition_epoch != p.partition_epoch {
            // FENCED_LEADER_EPOCH / INVALID_UPDATE_VERSION in Kafka.
            return Err(ErrorCode::FencedLeaderEpoch);
        }
        if !new_isr.contains(&broker)
            || new_isr
                .iter()
                .any(|b| !live.contains(b) || !p.replicas.contains(b))
        {
            // INELIGIBLE_REPLICA in Kafka.
            return Err(ErrorCode::InvalidRequest);
        }
        let added: Vec<BrokerId> = new_isr
            .iter()
            .copied()
            .filter(|b| !p.isr.contains(b))
            .collect();
        let removed: Vec<BrokerId> = p
            .isr
            .iter()
            .copied()
            .filter(|b| !new_isr.contains(b))
            .collect();
        // The order the leader sent: Kafka stores the ISR as given, so a returning follower
        // is appended (`Partition.prepareIsrExpand` sends `isr + replica`).
        let mut isr: Vec<BrokerId> = Vec::with_capacity(new_isr.len());
        for &b in new_isr {
            if !isr.contains(&b) {
                isr.push(b);
            }
        }
        p.isr = isr;
        p.partition_epoch += 1;
        let reason = if !removed.is_empty() {
            IsrChangeReason::FollowerLagging { removed }
        } else {
            IsrChangeReason::FollowerCaughtUp { added }
        };
        events.push(EventKind::IsrChanged {
            tp: tp.clone(),
            isr: p.isr.clone(),
            reason,
        });
        Ok(p.clone())
    }

    /// Preferred replica election on the given partitions (all when None), with each
    /// partition's result.
    pub fn elect_preferred(
        &mut self,
        only: Option<&[TopicPartition]>,
        events: &mut Vec<EventKind>,
    ) -> PreferredElection {
        let live: Vec<BrokerId> = self.live_brokers();
        let mut result = PreferredElection::default();
        for t in self.topics.values_mut() {
            for i in 0..t.partitions.len() {
                let p = &t.partitions[i];
                if only.is_some_and(|tps| !tps.contains(&p.tp)) {
                    continue;
                }
                // `PartitionRegistration.hasPreferredLeader`, then the builder's election.
                if p.replicas.first() == Some(&p.leader) {
                    result.not_needed.push(p.tp.clone());
                    continue;
                }
                let Some(preferred) = preferred_leader(&p.replicas, &p.isr, |b| live.contains(&b))
                else {
                    result.not_available.push(p.tp.clone());
                    continue;
                };
                // Copied on write: a topic with nothing to elect stays shared.
                let p = &mut Arc::make_mut(t).partitions[i];
                let previous = p.leader;
                p.leader = preferred;
                p.leader_epoch += 1;
                p.partition_epoch += 1;
                events.push(elected(p, previous, ElectionReason::Preferred));
                result.elected.push(p.tp.clone());
            }
        }
        result
    }

    /// Auto leader rebalance: preferred election for partitions of brokers whose imbalance
    /// exceeds `percentage`.
    pub fn rebalance_leaders(
        &mut self,
        percentage: u32,
        events: &mut Vec<EventKind>,
    ) -> Vec<TopicPartition> {
        let brokers = imbalanced_brokers(
            self.partitions().map(|p| (p.replicas.as_slice(), p.leader)),
            percentage,
        );
        let targets: Vec<TopicPartition> = self
            .partitions()
            .filter(|p| {
                p.replicas.first().is_some_and(|b| brokers.contains(b)) && p.leader != p.replicas[0]
            })
            .map(|p| p.tp.clone())
            .collect();
        if targets.is_empty() {
            return targets;
        }
        self.elect_preferred(Some(&targets), events).elected
    }
}

/// A new partition: its first replica leads; the ISR is every replica, or those of them in
/// `isr_brokers` (KRaft: the unfenced ones; the placer puts one first).
fn new_partition(
    topic: &TopicName,
    partition: u32,
    replicas: &[BrokerId],
    config: &Arc<TopicConfig>,
    isr_brokers: Option<&[BrokerId]>,
) -> PartitionState {
    PartitionState {
        tp: TopicPartition::new(topic.clone(), partition),
        leader: replicas[0],
        leader_epoch: 0,
        partition_epoch: 0,
        isr: replicas
            .iter()
            .copied()
            .filter(|b| isr_brokers.is_none_or(|ok| ok.contains(b)))
            .collect(),
        replicas: replicas.to_vec(),
        config: config.clone(),
    }
}

fn elected(p: &PartitionState, previous: BrokerId, reason: ElectionReason) -> EventKind {
    EventKind::LeaderElected {
        tp: p.tp.clone(),
        leader: p.leader,
        previous_leader: previous,
        leader_epoch: p.leader_epoch,
        isr: p.isr.clone(),
        reason,
    }
}

/// Runs an election on `p` and records the outcome (new leader, or offline).
fn elect_into(
    p: &mut PartitionState,
    live: &[BrokerId],
    unclean_ok: bool,
    reason: ElectionReason,
    events: &mut Vec<EventKind>,
) {
    let previous = p.leader;
    match elect_leader(&p.replicas, &p.isr, |b| live.contains(&b), unclean_ok) {
        Election::Clean(b) => {
            p.leader = b;
            p.leader_epoch += 1;
            // Dead members other than the last one leave the ISR with the election.
            if p.isr.len() > 1 {
                p.isr.retain(|x| live.contains(x));
            }
            events.push(elected(p, previous, reason));
        }
        Election::Unclean(b) => {
            p.leader = b;
            p.leader_epoch += 1;
            p.isr = vec![b];
            events.push(elected(p, previous, ElectionReason::Unclean));
            events.push(EventKind::IsrChanged {
                tp: p.tp.clone(),
                isr: p.isr.clone(),
                reason: IsrChangeReason::UncleanElection,
            });
        }
        Election::Offline => {
            if previous != NO_LEADER {
                p.leader = NO_LEADER;
                p.leader_epoch += 1;
            }
            events.push(EventKind::PartitionOffline {
                tp: p.tp.clone(),
                isr: p.isr.clone(),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    fn cluster(n: i32) -> ClusterMetadata {
        let mut m = ClusterMetadata::default();
        for id in 1..=n {
            m.brokers.insert(
                id,
                BrokerRegistration {
                    id,
                    rack: None,
                    fenced: false,
                    broker_epoch: 1,
                    last_heartbeat_ms: 0,
                },
            );
        }
        m
    }

    fn topic(m: &mut ClusterMetadata, name: &str, parts: i32, rf: i32, unclean: bool) {
        let mut rng = rand_pcg::Pcg64Mcg::seed_from_u64(7);
        let t = NewTopic {
            name: Arc::from(name),
            partitions: parts,
            replication_factor: rf,
            config: TopicConfig {
                unclean_leader_election_enable: unclean,
                ..TopicConfig::default()
            },
        };
        m.create_topic(&t, Placer::AdminUtils, &mut rng, &mut Vec::new())
            .unwrap();
    }

    fn tp0() -> TopicPartition {
        TopicPartition::new("t", 0)
    }

    #[test]
    fn new_partitions_start_with_first_replica_leading_and_full_isr() {
        let mut m = cluster(3);
        topic(&mut m, "t", 3, 3, false);
        for p in m.partitions() {
            assert_eq!(p.leader, p.replicas[0]);
            assert_eq!(p.isr, p.replicas);
        }
    }

    #[test]
    fn fencing_the_leader_elects_next_isr_replica_and_bumps_epoch() {
        let mut m = cluster(3);
        topic(&mut m, "t", 1, 3, false);
        let before = m.partition(&tp0()).unwrap().clone();
        let mut ev = Vec::new();
        m.fence_broker(before.leader, ShrinkEpoch::Keep, &mut ev);
        let after = m.partition(&tp0()).unwrap();
        assert_eq!(after.leader, before.replicas[1]);
        assert_eq!(after.leader_epoch, before.leader_epoch + 1);
        assert!(!after.isr.contains(&before.leader));
    }

    #[test]
    fn isr_never_becomes_empty_and_partition_goes_offline() {
        let mut m = cluster(3);
        topic(&mut m, "t", 1, 3, false);
        let r = m.partition(&tp0()).unwrap().replicas.clone();
        let mut ev = Vec::new();
        for b in &r {
            m.fence_broker(*b, ShrinkEpoch::Keep, &mut ev);
        }
        let p = m.partition(&tp0()).unwrap();
        assert_eq!(p.leader, NO_LEADER);
        assert_eq!(p.isr, vec![r[2]], "the last ISR member stays");
        // The last ISR member returns: it leads again, cleanly.
        m.unfence_broker(r[2], &mut ev);
        assert_eq!(m.partition(&tp0()).unwrap().leader, r[2]);
        // Another replica returning first would not be elected without unclean election.
        let mut m2 = cluster(3);
        topic(&mut m2, "t", 1, 3, false);
        for b in &r {
            m2.fence_broker(*b, ShrinkEpoch::Keep, &mut ev);
        }
        m2.unfence_broker(r[0], &mut ev);
        assert_eq!(m2.partition(&tp0()).unwrap().leader, NO_LEADER);
    }

    #[test]
    fn unclean_election_picks_a_live_out_of_sync_replica_when_allowed() {
        let mut m = cluster(3);
        topic(&mut m, "t", 1, 3, true);
        let r = m.partition(&tp0()).unwrap().replicas.clone();
        let mut ev = Vec::new();
        // Shrink ISR to the leader alone, then kill it.
        let p = m.partition(&tp0()).unwrap().clone();
        m.alter_partition(
            p.leader,
            &tp0(),
            p.leader_epoch,
            p.partition_epoch,
            &[p.leader],
            &mut ev,
        )
        .unwrap();
        m.fence_broker(r[0], ShrinkEpoch::Keep, &mut ev);
        let p = m.partition(&tp0()).unwrap();
        assert_eq!(p.leader, r[1]);
        assert_eq!(p.isr, vec![r[1]]);
        assert!(ev.iter().any(|e| matches!(
            e,
            EventKind::LeaderElected {
                reason: ElectionReason::Unclean,
                ..
            }
        )));
    }

    #[test]
    fn alter_partition_with_stale_epoch_is_rejected_and_changes_nothing() {
        let mut m = cluster(3);
        topic(&mut m, "t", 1, 3, false);
        let p = m.partition(&tp0()).unwrap().clone();
        let mut ev = Vec::new();
        let r = m.alter_partition(
            p.leader,
            &tp0(),
            p.leader_epoch,
            p.partition_epoch + 5,
            &[p.leader],
            &mut ev,
        );
        assert_eq!(r, Err(ErrorCode::FencedLeaderEpoch));
        assert_eq!(m.partition(&tp0()).unwrap(), &p);
    }

    #[test]
    fn preferred_election_moves_leadership_back() {
        let mut m = cluster(3);
        topic(&mut m, "t", 1, 3, false);
        let r = m.partition(&tp0()).unwrap().replicas.clone();
        let mut ev = Vec::new();
        m.fence_broker(r[0], ShrinkEpoch::Keep, &mut ev);
        m.unfence_broker(r[0], &mut ev);
        // Back, but not in the ISR yet: no preferred election possible.
        let r0 = m.elect_preferred(None, &mut ev);
        assert!(r0.elected.is_empty() && r0.not_needed.is_empty());
        assert_eq!(r0.not_available, vec![tp0()]);
        let p = m.partition(&tp0()).unwrap().clone();
        let mut isr = p.isr.clone();
        isr.push(r[0]);
        m.alter_partition(
            p.leader,
            &tp0(),
            p.leader_epoch,
            p.partition_epoch,
            &isr,
            &mut ev,
        )
        .unwrap();
        assert_eq!(m.elect_preferred(None, &mut ev).elected, vec![tp0()]);
        assert_eq!(m.partition(&tp0()).unwrap().leader, r[0]);
        // Again: the preferred replica leads already (ELECTION_NOT_NEEDED).
        let again = m.elect_preferred(Some(&[tp0()]), &mut ev);
        assert!(again.elected.is_empty() && again.not_available.is_empty());
        assert_eq!(again.not_needed, vec![tp0()]);
    }
}
