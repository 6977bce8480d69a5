//! A serde snapshot of everything a picture or a table needs: brokers and the replicas they
//! host (role, LEO, HW, epoch, ISR membership), topics with partition state, the controller,
//! clients, network faults, messages in flight and the operators' metrics.

use crate::collections::sort_by_key;
use crate::config::{Acks, Millis};
use crate::error::ErrorCode;
use crate::ids::{BrokerId, NO_LEADER, NodeId, TopicName, TopicPartition};
use crate::kernel::InFlightMessage;
use crate::message::TopicConfig;
use crate::sim::Sim;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Snapshot {
    pub time: Millis,
    pub seed: u64,
    pub brokers: Vec<BrokerSnapshot>,
    pub topics: Vec<TopicSnapshot>,
    pub controller: ControllerSnapshot,
    pub producers: Vec<ProducerSnapshot>,
    pub consumers: Vec<ConsumerSnapshot>,
    pub network: NetworkSnapshot,
    pub in_flight: Vec<InFlightMessage>,
    /// Deadlines that will change the cluster if nothing happens first, soonest first.
    pub countdowns: Vec<Countdown>,
    pub metrics: Metrics,
}

/// A pending deadline, for the UI to show as a countdown.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Countdown {
    /// The controller fences this broker at `at` unless a heartbeat arrives first
    /// (`broker.session.timeout.ms` after the last one).
    BrokerSession { broker: BrokerId, at: Millis },
    /// The leader drops this follower from the ISR after `at` unless it catches up
    /// (`replica.lag.time.max.ms` after it was last caught up; checked every half of it).
    IsrLag {
        tp: TopicPartition,
        follower: BrokerId,
        at: Millis,
    },
    /// ZooKeeper mode: the ensemble leader expires this broker's session at `at` unless the
    /// broker pings first (`zookeeper.session.timeout.ms`); its ephemeral znodes go with it.
    ZkSession { broker: BrokerId, at: Millis },
    /// KRaft mode: this voter starts an election at `at` (its fetch timeout as a follower, its
    /// randomised election timeout as a candidate or unattached voter).
    ElectionTimeout { voter: i32, at: Millis },
}

impl Countdown {
    pub fn at(&self) -> Millis {
        match self {
            Countdown::BrokerSession { at, .. }
            | Countdown::IsrLag { at, .. }
            | Countdown::ZkSession { at, .. }
            | Countdown::ElectionTimeout { at, .. } => *at,
        }
    }
}

/// The coordinator mode's own state.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "mode", rename_all = "snake_case")]
pub enum CoordinatorSnapshot {
    Builtin,
    Zookeeper(ZkSnapshot),
    Kraft(KraftSnapshot),
}

impl CoordinatorSnapshot {
    /// `builtin`, `zookeeper` or `kraft`, as the config names the mode.
    pub fn mode_name(&self) -> &'static str {
        match self {
            CoordinatorSnapshot::Builtin => "builtin",
            CoordinatorSnapshot::Zookeeper(_) => "zookeeper",
            CoordinatorSnapshot::Kraft(_) => "kraft",
        }
    }
}

/// ZooKeeper mode: the ensemble and what the znodes say.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ZkSnapshot {
    pub servers: Vec<ZkServerSnapshot>,
    /// A leader is backed by a majority of the ensemble, so writes can commit.
    pub quorum: bool,
    /// The broker that owns the ephemeral `/controller` znode.
    pub controller: Option<BrokerId>,
    /// `/controller_epoch`
    pub controller_epoch: i32,
    /// The children of `/brokers/ids` (brokers whose session is alive).
    pub registered_brokers: Vec<BrokerId>,
    /// A newly elected controller reading the cluster state before it acts.
    pub loading: Option<ZkLoadProgress>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ZkServerRole {
    /// Looking for a leader (ZAB's election phase); serves nothing.
    Looking,
    Follower,
    Leader,
}

impl ZkServerRole {
    /// The role as one lowercase word, as the serde form spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            ZkServerRole::Looking => "looking",
            ZkServerRole::Follower => "follower",
            ZkServerRole::Leader => "leader",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ZkServerSnapshot {
    pub id: i32,
    pub up: bool,
    pub role: ZkServerRole,
    /// ZAB epoch of the leader this server follows or is.
    pub epoch: u32,
    /// Last committed transaction applied (zxid counter within all epochs).
    pub last_zxid: u64,
    /// Client sessions connected to this server.
    pub connections: Vec<BrokerId>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ZkLoadProgress {
    pub broker: BrokerId,
    pub started_at: Millis,
    /// Znodes read so far, of `total` to read.
    pub read: u32,
    pub total: u32,
}

/// KRaft mode: the controller quorum and the brokers' registrations.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KraftSnapshot {
    pub voters: Vec<VoterSnapshot>,
    /// Voters run inside brokers (`process.roles=broker,controller`).
    pub combined: bool,
    /// The highest epoch any running voter knows, and the leader of it if known.
    pub epoch: i32,
    pub leader: Option<i32>,
    /// The metadata log's high watermark (committed offset) at the leader.
    pub high_watermark: u64,
    pub brokers: Vec<KraftBrokerSnapshot>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RaftState {
    Unattached,
    Voted,
    Candidate,
    Leader,
    Follower,
    Resigned,
}

impl RaftState {
    /// The state as one lowercase word, as the serde form spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            RaftState::Unattached => "unattached",
            RaftState::Voted => "voted",
            RaftState::Candidate => "candidate",
            RaftState::Leader => "leader",
            RaftState::Follower => "follower",
            RaftState::Resigned => "resigned",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VoterSnapshot {
    pub id: i32,
    pub up: bool,
    pub state: RaftState,
    pub epoch: i32,
    pub leader: Option<i32>,
    pub voted_for: Option<i32>,
    pub log_end_offset: u64,
    pub high_watermark: u64,
    /// Epoch of the last record in its log.
    pub last_epoch: i32,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BrokerRegistrationState {
    /// Registered and fenced: leads nothing, in no ISR (KIP-631).
    Fenced,
    Unfenced,
    ControlledShutdown,
    /// Not registered (never started, or its registration is gone).
    Unregistered,
}

impl BrokerRegistrationState {
    /// In words, the fenced state in capitals (it is the alarming one).
    pub fn label(self) -> &'static str {
        match self {
            BrokerRegistrationState::Fenced => "FENCED",
            BrokerRegistrationState::Unfenced => "unfenced",
            BrokerRegistrationState::ControlledShutdown => "controlled shutdown",
            BrokerRegistrationState::Unregistered => "unregistered",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KraftBrokerSnapshot {
    pub id: BrokerId,
    pub state: BrokerRegistrationState,
    /// The offset of its registration record.
    pub broker_epoch: u64,
    /// How far it has replayed `__cluster_metadata` (0 while it is down).
    pub metadata_offset: u64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReplicaRole {
    Leader,
    Follower,
    /// Hosts the replica but has no leader to follow (offline partition, or not told yet).
    None,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReplicaSnapshot {
    pub tp: TopicPartition,
    pub role: ReplicaRole,
    pub leader_epoch: i32,
    pub log_start_offset: u64,
    pub log_end_offset: u64,
    pub high_watermark: u64,
    /// In the ISR as the controller has it.
    pub in_isr: bool,
    /// The controller's metadata names this replica the leader. It can while the broker does
    /// not lead: the broker is down and the controller has not noticed, or it has not been
    /// told yet.
    pub named_leader: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BrokerSnapshot {
    pub id: BrokerId,
    pub rack: Option<String>,
    /// The process is running.
    pub up: bool,
    /// The controller considers it alive (registered and not fenced).
    pub live: bool,
    pub isolated: bool,
    pub replicas: Vec<ReplicaSnapshot>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PartitionSnapshot {
    pub partition: u32,
    pub leader: BrokerId,
    pub leader_epoch: i32,
    pub replicas: Vec<BrokerId>,
    pub isr: Vec<BrokerId>,
    /// The leader's LEO and HW (0 when offline).
    pub log_end_offset: u64,
    pub high_watermark: u64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TopicSnapshot {
    pub name: TopicName,
    pub internal: bool,
    pub config: TopicConfig,
    pub partitions: Vec<PartitionSnapshot>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ControllerSnapshot {
    /// The coordinator's nodes, each with the broker whose process hosts it if co-located
    /// (a ZooKeeper-mode controller role, a combined KRaft voter).
    pub nodes: Vec<(NodeId, Option<BrokerId>)>,
    pub active: Option<NodeId>,
    pub controller_epoch: i32,
    pub coordinator: CoordinatorSnapshot,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProducerSnapshot {
    pub id: u32,
    pub up: bool,
    pub acks: Acks,
    /// Records sent and not yet acknowledged or failed.
    pub outstanding: usize,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsumerSnapshot {
    pub id: u32,
    pub up: bool,
    pub group: Arc<str>,
    pub member_id: Option<Arc<str>>,
    pub generation: i32,
    pub assignment: Vec<TopicPartition>,
    /// Next offset to read, per assigned partition.
    pub positions: Vec<(TopicPartition, u64)>,
    /// While the consumer is down: the partitions its group's coordinator still assigns to
    /// its member, until the member's session times out (no other member reads them).
    pub held: Vec<TopicPartition>,
    /// The fatal error that stopped it (`INCONSISTENT_GROUP_PROTOCOL`), if one did.
    pub fatal_error: Option<ErrorCode>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NetworkSnapshot {
    pub isolated: Vec<NodeId>,
    pub cut_links: Vec<(NodeId, NodeId)>,
}

/// What Kafka operators watch.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Metrics {
    /// `UnderReplicatedPartitions`: ISR smaller than the replica set.
    pub under_replicated_partitions: usize,
    /// `OfflinePartitionsCount`: no leader.
    pub offline_partitions: usize,
    /// `UnderMinIsrPartitionCount`
    pub under_min_isr_partitions: usize,
    /// `ActiveControllerCount` summed over the cluster (1 when healthy).
    pub active_controller_count: usize,
    /// `PurgatorySize` of the fetch purgatory (`delayedOperation=Fetch`) summed over the running
    /// brokers: fetches a leader holds until new records arrive or their max wait
    /// (`fetch.max.wait.ms`, `replica.fetch.wait.max.ms`) passes. While they wait, nothing is on
    /// the wire between follower (or consumer) and leader.
    pub fetch_purgatory_size: usize,
}

impl Sim {
    /// Session expiries of live brokers and ISR-lag deadlines of followers behind their leader.
    pub fn countdowns(&self) -> Vec<Countdown> {
        let cfg = &self.config().broker;
        let mut out = Vec::new();
        self.coordinator().countdowns(&mut out);
        for (&id, b) in self.brokers() {
            if !self.is_up(NodeId::Broker(id)) {
                continue;
            }
            for (tp, p) in &b.partitions {
                let Some(leader) = &p.leader else { continue };
                let leo = p.log.log_end_offset();
                for (&f, progress) in &leader.followers {
                    if p.state.isr.contains(&f) && progress.log_end_offset != leo {
                        out.push(Countdown::IsrLag {
                            tp: tp.clone(),
                            follower: f,
                            // Never caught up under this leader: out of sync already.
                            at: progress
                                .last_caught_up_ms
                                .map_or(0, |t| t + cfg.replica_lag_time_max_ms),
                        });
                    }
                }
            }
        }
        sort_by_key(&mut out, Countdown::at);
        out
    }

    /// The mode's snapshot; a KRaft broker's metadata offset is what the broker itself has
    /// replayed (the controller only knows it from heartbeats, and not at all between
    /// controllers).
    fn coordinator_snapshot(&self) -> CoordinatorSnapshot {
        let mut c = self.coordinator().snapshot();
        if let CoordinatorSnapshot::Kraft(k) = &mut c {
            for b in &mut k.brokers {
                b.metadata_offset = match self.brokers().get(&b.id) {
                    Some(broker) if self.is_up(NodeId::Broker(b.id)) => broker.kraft.applied,
                    _ => 0,
                };
            }
        }
        c
    }

    pub fn snapshot(&self) -> Snapshot {
        let meta = self.coordinator().metadata();
        let isolated: Vec<NodeId> = self.network().isolated_nodes().collect();
        // Only a down consumer needs its group (for what the group holds for it).
        let any_down = self
            .consumers()
            .keys()
            .any(|&id| !self.is_up(NodeId::Consumer(id)));
        let groups = if any_down {
            self.groups()
        } else {
            Default::default()
        };
        let brokers = self
            .brokers()
            .values()
            .map(|b| {
                let up = self.is_up(NodeId::Broker(b.id));
                BrokerSnapshot {
                    id: b.id,
                    rack: b.rack.clone(),
                    up,
                    live: meta.is_live(b.id),
                    isolated: isolated.contains(&NodeId::Broker(b.id)),
                    replicas: b
                        .partitions
                        .iter()
                        .map(|(tp, p)| ReplicaSnapshot {
                            tp: tp.clone(),
                            // A crashed broker's roles went with its memory (what it held is kept
                            // only for its restart to recover from): its log is on disk, its role
                            // is nothing until the controller tells it again.
                            role: if !up {
                                ReplicaRole::None
                            } else if p.is_leader() {
                                ReplicaRole::Leader
                            } else if p.state.leader == NO_LEADER {
                                ReplicaRole::None
                            } else {
                                ReplicaRole::Follower
                            },
                            leader_epoch: p.state.leader_epoch,
                            log_start_offset: p.log.log_start_offset(),
                            log_end_offset: p.log.log_end_offset(),
                            high_watermark: p.log.high_watermark(),
                            in_isr: meta.partition(tp).is_some_and(|s| s.isr.contains(&b.id)),
                            named_leader: meta.partition(tp).is_some_and(|s| s.leader == b.id),
                        })
                        .collect(),
                }
            })
            .collect();
        let topics = meta
            .topics
            .iter()
            .map(|(name, t)| TopicSnapshot {
                name: name.clone(),
                internal: crate::topic::is_internal(name),
                config: (*t.config).clone(),
                partitions: t
                    .partitions
                    .iter()
                    .map(|p| {
                        let log = self.replica(p.leader, &p.tp).map(|r| &r.log);
                        PartitionSnapshot {
                            partition: p.tp.partition,
                            leader: p.leader,
                            leader_epoch: p.leader_epoch,
                            replicas: p.replicas.clone(),
                            isr: p.isr.clone(),
                            log_end_offset: log.map_or(0, |l| l.log_end_offset()),
                            high_watermark: log.map_or(0, |l| l.high_watermark()),
                        }
                    })
                    .collect(),
            })
            .collect();
        let mut metrics = Metrics {
            under_replicated_partitions: 0,
            offline_partitions: 0,
            under_min_isr_partitions: 0,
            active_controller_count: usize::from(self.coordinator().active_controller().is_some()),
            fetch_purgatory_size: self
                .brokers()
                .iter()
                .filter(|(id, _)| self.is_up(NodeId::Broker(**id)))
                .map(|(_, b)| b.parked_fetches.len())
                .sum(),
        };
        for p in meta.partitions() {
            metrics.under_replicated_partitions += usize::from(p.isr.len() < p.replicas.len());
            metrics.offline_partitions += usize::from(p.leader == NO_LEADER);
            let min = (p.config.min_insync_replicas as usize).min(p.replicas.len());
            metrics.under_min_isr_partitions += usize::from(p.isr.len() < min);
        }
        Snapshot {
            time: self.now(),
            seed: self.seed(),
            brokers,
            topics,
            controller: ControllerSnapshot {
                nodes: self.control_nodes().iter().map(|(n, h)| (*n, *h)).collect(),
                active: self.coordinator().active_controller(),
                controller_epoch: meta.controller_epoch,
                coordinator: self.coordinator_snapshot(),
            },
            producers: self
                .producers()
                .values()
                .map(|p| ProducerSnapshot {
                    id: p.id,
                    up: self.is_up(NodeId::Producer(p.id)),
                    acks: p.config.acks,
                    outstanding: p.outstanding(),
                })
                .collect(),
            consumers: self
                .consumers()
                .values()
                .map(|c| {
                    let up = self.is_up(NodeId::Consumer(c.id));
                    let held = if up {
                        Vec::new()
                    } else {
                        groups
                            .get(&c.group)
                            .and_then(|(_, g)| {
                                g.members.values().find(|m| m.consumer == Some(c.id))
                            })
                            .map(|m| m.assignment.clone())
                            .unwrap_or_default()
                    };
                    // A crashed consumer's membership and positions went with its memory (it
                    // rejoins as a new member): it owns nothing while down.
                    ConsumerSnapshot {
                        id: c.id,
                        up,
                        group: c.group.clone(),
                        member_id: c.member_id.clone().filter(|_| up),
                        generation: if up { c.generation } else { -1 },
                        assignment: if up { c.assignment.clone() } else { Vec::new() },
                        positions: if up {
                            c.positions.iter().map(|(tp, o)| (tp.clone(), *o)).collect()
                        } else {
                            Vec::new()
                        },
                        held,
                        fatal_error: c.fatal_error,
                    }
                })
                .collect(),
            network: NetworkSnapshot {
                isolated,
                cut_links: self.network().cut_links().collect(),
            },
            in_flight: self.in_flight(),
            countdowns: self.countdowns(),
            metrics,
        }
    }
}
