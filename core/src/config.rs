//! Cluster configuration: brokers, racks, network and every timeout, with Kafka's defaults
//! and a "teaching" profile whose shorter timeouts make failures visible in seconds.

use crate::collections::sort;
use crate::ids::BrokerId;
use crate::partitioner::KeylessStrategy;
use serde::{Deserialize, Serialize};

/// Simulated time in milliseconds since the start of the run.
pub type Millis = u64;

/// Which set of timeouts a config starts from.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Profile {
    /// Apache Kafka's documented defaults (kafka-reference.md sections 2, 3, 6, 7).
    KafkaDefaults,
    /// Shorter timeouts for teaching: a broker failure is detected in about 3 s, not 9-18 s.
    #[default]
    Teaching,
}

/// One broker of the cluster.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BrokerConfig {
    pub id: BrokerId,
    #[serde(default)]
    pub rack: Option<String>,
}

/// Broker-side and controller-side timeouts, named after the Kafka configs they model.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BrokerTimeouts {
    /// `replica.lag.time.max.ms`
    pub replica_lag_time_max_ms: Millis,
    /// `replica.fetch.wait.max.ms`: how long a leader holds a follower fetch with no new data.
    pub replica_fetch_wait_max_ms: Millis,
    /// `replica.fetch.backoff.ms`: follower pause after a failed fetch.
    pub replica_fetch_backoff_ms: Millis,
    /// `replica.socket.timeout.ms`: a follower gives up on a fetch (and a leader resends an
    /// unanswered AlterPartition) after this long.
    pub replica_socket_timeout_ms: Millis,
    /// `broker.heartbeat.interval.ms`: broker -> controller liveness heartbeat.
    pub broker_heartbeat_interval_ms: Millis,
    /// `broker.session.timeout.ms`: the controller fences a broker silent this long.
    pub broker_session_timeout_ms: Millis,
    /// `leader.imbalance.check.interval.seconds`, in ms.
    pub leader_imbalance_check_interval_ms: Millis,
    /// `leader.imbalance.per.broker.percentage`
    pub leader_imbalance_per_broker_percentage: u32,
    /// `auto.leader.rebalance.enable`
    pub auto_leader_rebalance_enable: bool,
    /// `log.retention.check.interval.ms`
    pub log_retention_check_interval_ms: Millis,
    /// `group.initial.rebalance.delay.ms`
    pub group_initial_rebalance_delay_ms: Millis,
    /// `offsets.topic.num.partitions`
    pub offsets_topic_num_partitions: u32,
    /// `offsets.topic.replication.factor` (capped by the broker count, as Kafka does on small clusters)
    pub offsets_topic_replication_factor: u32,
    /// Kafka 3.7+ (KAFKA-15583): the leader does not advance the HW while the ISR is below
    /// `min.insync.replicas`, so acks=all produces time out instead of getting
    /// NOT_ENOUGH_REPLICAS_AFTER_APPEND. `false` gives the behaviour of earlier versions.
    #[serde(default = "default_true")]
    pub min_isr_gates_high_watermark: bool,
}

fn default_true() -> bool {
    true
}

/// Producer client settings.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProducerConfig {
    /// `acks`: 0, 1 or all (-1).
    pub acks: Acks,
    /// `linger.ms`
    pub linger_ms: Millis,
    /// `batch.size` in bytes; also the sticky partitioner's switch threshold.
    pub batch_size: u32,
    /// `request.timeout.ms`
    pub request_timeout_ms: Millis,
    /// `delivery.timeout.ms`
    pub delivery_timeout_ms: Millis,
    /// `retries`
    pub retries: u32,
    /// `retry.backoff.ms`: the first retry's backoff.
    pub retry_backoff_ms: Millis,
    /// `retry.backoff.max.ms`: the backoff doubles with each attempt up to this (KIP-580).
    #[serde(default = "default_retry_backoff_max_ms")]
    pub retry_backoff_max_ms: Millis,
    /// `max.in.flight.requests.per.connection`
    pub max_in_flight_requests_per_connection: u32,
    /// How records without a key are spread.
    pub keyless: KeylessStrategy,
}

/// Consumer client settings.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConsumerConfig {
    /// `session.timeout.ms`
    pub session_timeout_ms: Millis,
    /// `heartbeat.interval.ms`
    pub heartbeat_interval_ms: Millis,
    /// `max.poll.interval.ms`, used as the rebalance timeout.
    pub max_poll_interval_ms: Millis,
    /// `fetch.max.wait.ms`
    pub fetch_max_wait_ms: Millis,
    /// `max.poll.records`: most records one fetch response hands over per partition.
    pub max_poll_records: u32,
    /// `enable.auto.commit`
    pub enable_auto_commit: bool,
    /// `auto.commit.interval.ms`
    pub auto_commit_interval_ms: Millis,
    /// `auto.offset.reset`
    pub auto_offset_reset: OffsetReset,
    /// `request.timeout.ms`
    pub request_timeout_ms: Millis,
    /// `retry.backoff.ms`
    pub retry_backoff_ms: Millis,
    /// `metadata.max.age.ms`: how often the client refreshes metadata even without a reason
    /// (the group leader notices new partitions this way).
    #[serde(default = "default_consumer_metadata_max_age_ms")]
    pub metadata_max_age_ms: Millis,
}

/// Kafka's default `retry.backoff.max.ms`.
fn default_retry_backoff_max_ms() -> Millis {
    1_000
}

fn default_consumer_metadata_max_age_ms() -> Millis {
    300_000
}

/// Producer `acks`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Acks {
    #[serde(rename = "0")]
    None,
    #[serde(rename = "1")]
    Leader,
    #[serde(rename = "all", alias = "-1")]
    All,
}

/// `auto.offset.reset`
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OffsetReset {
    Earliest,
    Latest,
}

/// The simulated network's defaults.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NetworkConfig {
    /// One-way latency of every link, in ms.
    pub latency_ms: Millis,
    /// Extra latency drawn uniformly from `0..=jitter_ms` for each message.
    pub jitter_ms: Millis,
    /// Probability in [0, 1] that a message is lost.
    pub loss: f64,
}

/// Which protocol runs the control plane.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CoordinatorMode {
    /// One simplified controller node that never fails (not a Kafka mode; for data-plane
    /// lessons and tests).
    #[default]
    Builtin,
    /// A ZooKeeper ensemble and a controller broker elected through `/controller`.
    Zookeeper,
    /// A KRaft controller quorum running Raft over `__cluster_metadata`.
    Kraft,
}

/// Control-plane settings, flat so that a scenario can override one field. Fields of the mode
/// not in use are ignored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CoordinatorConfig {
    pub mode: CoordinatorMode,
    /// ZooKeeper servers in the ensemble: 1, 3 or 5.
    pub zookeeper_ensemble_size: u32,
    /// `zookeeper.session.timeout.ms`
    pub zookeeper_session_timeout_ms: Millis,
    /// `zookeeper.max.in.flight.requests`: the controller pipelines at most this many
    /// ZooKeeper requests (its state load and partition-state writes are paced by it).
    pub zookeeper_max_in_flight_requests: u32,
    /// ZooKeeper's `tickTime`: the ensemble's heartbeat unit (a follower that hears nothing
    /// from its leader for `syncLimit` (5) ticks starts a new leader election).
    pub zookeeper_tick_time_ms: Millis,
    /// KRaft controller quorum voters (`controller.quorum.voters`): 1, 3 or 5.
    pub kraft_voters: u32,
    /// `process.roles=broker,controller`: voter N runs inside broker N (needs that many brokers).
    pub kraft_combined: bool,
    /// `controller.quorum.election.timeout.ms` (randomised to T + rand[0, T)).
    pub controller_quorum_election_timeout_ms: Millis,
    /// `controller.quorum.fetch.timeout.ms`
    pub controller_quorum_fetch_timeout_ms: Millis,
    /// `controller.quorum.election.backoff.max.ms`
    pub controller_quorum_election_backoff_max_ms: Millis,
    /// `controller.quorum.request.timeout.ms`
    pub controller_quorum_request_timeout_ms: Millis,
}

impl CoordinatorConfig {
    pub fn for_profile(profile: Profile) -> Self {
        let teaching = profile == Profile::Teaching;
        Self {
            mode: CoordinatorMode::Builtin,
            zookeeper_ensemble_size: 3,
            zookeeper_session_timeout_ms: if teaching { 6_000 } else { 18_000 },
            zookeeper_max_in_flight_requests: 10,
            zookeeper_tick_time_ms: if teaching { 500 } else { 2_000 },
            kraft_voters: 3,
            kraft_combined: false,
            controller_quorum_election_timeout_ms: 1_000,
            controller_quorum_fetch_timeout_ms: 2_000,
            controller_quorum_election_backoff_max_ms: 1_000,
            controller_quorum_request_timeout_ms: 2_000,
        }
    }

    /// Ids of the KRaft voters: the brokers' ids in combined mode, else 100, 101, ...
    pub fn kraft_voter_ids(&self, brokers: &[BrokerConfig]) -> Vec<i32> {
        if self.kraft_combined {
            brokers
                .iter()
                .take(self.kraft_voters as usize)
                .map(|b| b.id)
                .collect()
        } else {
            (0..self.kraft_voters as i32).map(|i| 100 + i).collect()
        }
    }

    /// Ids (`myid`) of the ZooKeeper servers: 1, 2, ...
    pub fn zookeeper_server_ids(&self) -> Vec<i32> {
        (1..=self.zookeeper_ensemble_size as i32).collect()
    }
}

/// Everything needed to build a cluster, besides the seed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClusterConfig {
    pub profile: Profile,
    pub brokers: Vec<BrokerConfig>,
    pub broker: BrokerTimeouts,
    pub producer: ProducerConfig,
    pub consumer: ConsumerConfig,
    pub network: NetworkConfig,
    #[serde(default = "default_coordinator")]
    pub coordinator: CoordinatorConfig,
}

fn default_coordinator() -> CoordinatorConfig {
    CoordinatorConfig::for_profile(Profile::Teaching)
}

impl BrokerTimeouts {
    pub fn for_profile(profile: Profile) -> Self {
        match profile {
            Profile::KafkaDefaults => Self {
                replica_lag_time_max_ms: 30_000,
                replica_fetch_wait_max_ms: 500,
                replica_fetch_backoff_ms: 1_000,
                replica_socket_timeout_ms: 30_000,
                broker_heartbeat_interval_ms: 2_000,
                broker_session_timeout_ms: 9_000,
                leader_imbalance_check_interval_ms: 300_000,
                leader_imbalance_per_broker_percentage: 10,
                auto_leader_rebalance_enable: true,
                log_retention_check_interval_ms: 300_000,
                group_initial_rebalance_delay_ms: 3_000,
                offsets_topic_num_partitions: 50,
                offsets_topic_replication_factor: 3,
                min_isr_gates_high_watermark: true,
            },
            Profile::Teaching => Self {
                replica_lag_time_max_ms: 4_000,
                replica_fetch_wait_max_ms: 500,
                replica_fetch_backoff_ms: 500,
                replica_socket_timeout_ms: 3_000,
                broker_heartbeat_interval_ms: 500,
                broker_session_timeout_ms: 3_000,
                leader_imbalance_check_interval_ms: 30_000,
                leader_imbalance_per_broker_percentage: 10,
                auto_leader_rebalance_enable: true,
                log_retention_check_interval_ms: 5_000,
                group_initial_rebalance_delay_ms: 500,
                offsets_topic_num_partitions: 3,
                offsets_topic_replication_factor: 3,
                min_isr_gates_high_watermark: true,
            },
        }
    }
}

impl ProducerConfig {
    pub fn for_profile(profile: Profile) -> Self {
        let teaching = profile == Profile::Teaching;
        Self {
            acks: Acks::All,
            linger_ms: if teaching { 0 } else { 5 },
            batch_size: 16_384,
            request_timeout_ms: if teaching { 5_000 } else { 30_000 },
            delivery_timeout_ms: if teaching { 15_000 } else { 120_000 },
            retries: if teaching { 3 } else { i32::MAX as u32 },
            retry_backoff_ms: 100,
            retry_backoff_max_ms: default_retry_backoff_max_ms(),
            max_in_flight_requests_per_connection: 5,
            keyless: KeylessStrategy::RoundRobin,
        }
    }
}

impl ConsumerConfig {
    pub fn for_profile(profile: Profile) -> Self {
        let teaching = profile == Profile::Teaching;
        Self {
            session_timeout_ms: if teaching { 6_000 } else { 45_000 },
            heartbeat_interval_ms: if teaching { 1_000 } else { 3_000 },
            max_poll_interval_ms: if teaching { 10_000 } else { 300_000 },
            fetch_max_wait_ms: 500,
            max_poll_records: 500,
            enable_auto_commit: true,
            auto_commit_interval_ms: if teaching { 1_000 } else { 5_000 },
            auto_offset_reset: if teaching {
                OffsetReset::Earliest
            } else {
                OffsetReset::Latest
            },
            request_timeout_ms: if teaching { 5_000 } else { 30_000 },
            retry_backoff_ms: 100,
            metadata_max_age_ms: if teaching { 5_000 } else { 300_000 },
        }
    }
}

impl NetworkConfig {
    pub fn for_profile(profile: Profile) -> Self {
        match profile {
            // A LAN round trip is well under a millisecond; 1 ms is the clock's grain.
            Profile::KafkaDefaults => Self {
                latency_ms: 1,
                jitter_ms: 0,
                loss: 0.0,
            },
            // Slow enough for a message dot to be seen travelling.
            Profile::Teaching => Self {
                latency_ms: 40,
                jitter_ms: 10,
                loss: 0.0,
            },
        }
    }
}

impl ClusterConfig {
    /// `n` brokers with ids 1..=n and the given profile's defaults.
    pub fn new(profile: Profile, n: i32) -> Self {
        Self {
            profile,
            brokers: (1..=n).map(|id| BrokerConfig { id, rack: None }).collect(),
            broker: BrokerTimeouts::for_profile(profile),
            producer: ProducerConfig::for_profile(profile),
            consumer: ConsumerConfig::for_profile(profile),
            network: NetworkConfig::for_profile(profile),
            coordinator: CoordinatorConfig::for_profile(profile),
        }
    }

    /// The same config with another coordinator mode.
    pub fn with_mode(mut self, mode: CoordinatorMode) -> Self {
        self.coordinator.mode = mode;
        self
    }

    /// Checks the config; the message names the field at fault.
    pub fn validate(&self) -> Result<(), String> {
        check_durations("broker", &self.broker)?;
        check_durations("producer", &self.producer)?;
        check_durations("consumer", &self.consumer)?;
        check_durations("coordinator", &self.coordinator)?;
        let n = self.brokers.len();
        if !(1..=9).contains(&n) {
            return Err(format!("brokers: a cluster has 1 to 9 brokers, got {n}"));
        }
        let mut ids: Vec<_> = self.brokers.iter().map(|b| b.id).collect();
        sort(&mut ids);
        if let Some(w) = ids.windows(2).find(|w| w[0] == w[1]) {
            return Err(format!("brokers: broker id {} appears twice", w[0]));
        }
        if let Some(b) = self.brokers.iter().find(|b| b.id < 0) {
            return Err(format!("brokers: broker id {} is negative", b.id));
        }
        let racked = self.brokers.iter().filter(|b| b.rack.is_some()).count();
        if racked != 0 && racked != n {
            return Err("brokers: either every broker has a rack or none has".into());
        }
        for (name, v) in [
            ("network.latency_ms", self.network.latency_ms),
            ("network.jitter_ms", self.network.jitter_ms),
        ] {
            if v > crate::network::MAX_LATENCY_MS {
                return Err(format!(
                    "{name}: {v} ms is more than {} ms (one hour)",
                    crate::network::MAX_LATENCY_MS
                ));
            }
        }
        if !(0.0..=1.0).contains(&self.network.loss) {
            // Without the value: formatting an f64 would pull the float formatter into the
            // browser's wasm (the field or the file shows the value).
            return Err("network.loss: must be a probability in [0, 1]".to_owned());
        }
        let b = &self.broker;
        for (name, v) in [
            ("broker.replica_lag_time_max_ms", b.replica_lag_time_max_ms),
            (
                "broker.broker_heartbeat_interval_ms",
                b.broker_heartbeat_interval_ms,
            ),
            (
                "broker.broker_session_timeout_ms",
                b.broker_session_timeout_ms,
            ),
            (
                "broker.replica_fetch_wait_max_ms",
                b.replica_fetch_wait_max_ms,
            ),
            (
                "broker.leader_imbalance_check_interval_ms",
                b.leader_imbalance_check_interval_ms,
            ),
            (
                "broker.log_retention_check_interval_ms",
                b.log_retention_check_interval_ms,
            ),
            (
                "consumer.heartbeat_interval_ms",
                self.consumer.heartbeat_interval_ms,
            ),
            (
                "consumer.auto_commit_interval_ms",
                self.consumer.auto_commit_interval_ms,
            ),
            (
                "consumer.request_timeout_ms",
                self.consumer.request_timeout_ms,
            ),
            (
                "consumer.metadata_max_age_ms",
                self.consumer.metadata_max_age_ms,
            ),
            (
                "producer.request_timeout_ms",
                self.producer.request_timeout_ms,
            ),
        ] {
            if v == 0 {
                return Err(format!("{name}: must be larger than 0"));
            }
        }
        if b.broker_heartbeat_interval_ms >= b.broker_session_timeout_ms {
            return Err(
                "broker.broker_heartbeat_interval_ms: must be below broker_session_timeout_ms"
                    .into(),
            );
        }
        let (session, heartbeat) = (
            self.consumer.session_timeout_ms,
            self.consumer.heartbeat_interval_ms,
        );
        // The group coordinator refuses a JoinGroup whose session timeout is outside
        // [group.min.session.timeout.ms, group.max.session.timeout.ms] (INVALID_SESSION_TIMEOUT);
        // the simulated brokers use Kafka's defaults for both.
        if !(GROUP_MIN_SESSION_TIMEOUT_MS..=GROUP_MAX_SESSION_TIMEOUT_MS).contains(&session) {
            return Err(format!(
                "consumer.session_timeout_ms: {session} ms: The session timeout is not within the range allowed by the broker (as configured by group.min.session.timeout.ms and group.max.session.timeout.ms): {GROUP_MIN_SESSION_TIMEOUT_MS} to {GROUP_MAX_SESSION_TIMEOUT_MS} ms here, Kafka's defaults"
            ));
        }
        // The consumer's `Heartbeat` refuses a heartbeat interval not below the session timeout.
        if heartbeat >= session {
            return Err(format!(
                "consumer.heartbeat_interval_ms: {heartbeat} ms is not below session_timeout_ms ({session} ms): Heartbeat must be set lower than the session timeout"
            ));
        }
        // KafkaConfig.validateValues: the replica fetcher's long poll must fit in its socket
        // timeout and in the ISR's lag allowance.
        if b.replica_socket_timeout_ms < b.replica_fetch_wait_max_ms {
            return Err(format!(
                "broker.replica_socket_timeout_ms: {} ms is below replica_fetch_wait_max_ms ({} ms); replica.socket.timeout.ms should always be at least replica.fetch.wait.max.ms to prevent unnecessary socket timeouts",
                b.replica_socket_timeout_ms, b.replica_fetch_wait_max_ms
            ));
        }
        if b.replica_fetch_wait_max_ms > b.replica_lag_time_max_ms {
            return Err(format!(
                "broker.replica_fetch_wait_max_ms: {} ms is above replica_lag_time_max_ms ({} ms); replica.fetch.wait.max.ms should always be less than or equal to replica.lag.time.max.ms to prevent frequent changes in ISR",
                b.replica_fetch_wait_max_ms, b.replica_lag_time_max_ms
            ));
        }
        // KafkaProducer.configureDeliveryTimeout (for an explicitly set delivery.timeout.ms; a
        // scenario's value, given or the profile's, is treated as set).
        let p = &self.producer;
        if p.delivery_timeout_ms < p.linger_ms.min(MAX_DURATION_MS) + p.request_timeout_ms {
            return Err(format!(
                "producer.delivery_timeout_ms: {} ms is below linger_ms + request_timeout_ms ({} + {} ms): delivery.timeout.ms should be equal to or larger than linger.ms + request.timeout.ms",
                p.delivery_timeout_ms, p.linger_ms, p.request_timeout_ms
            ));
        }
        // ConsumerConfig: `max.poll.interval.ms` is atLeast(1).
        if self.consumer.max_poll_interval_ms == 0 {
            return Err("consumer.max_poll_interval_ms: Invalid value 0 for configuration max.poll.interval.ms: Value must be at least 1".into());
        }
        // ReplicationConfigs: `leader.imbalance.check.interval.seconds` is atLeast(1).
        if b.leader_imbalance_check_interval_ms < 1_000 {
            return Err(format!(
                "broker.leader_imbalance_check_interval_ms: {} ms is below 1000 ms; Invalid value {} for configuration leader.imbalance.check.interval.seconds: Value must be at least 1",
                b.leader_imbalance_check_interval_ms,
                b.leader_imbalance_check_interval_ms / 1_000
            ));
        }
        if b.offsets_topic_num_partitions > 1_000 {
            return Err(
                "broker.offsets_topic_num_partitions: at most 1000 in the simulator".into(),
            );
        }
        if b.offsets_topic_num_partitions == 0 || b.offsets_topic_replication_factor == 0 {
            return Err("broker.offsets_topic_num_partitions and offsets_topic_replication_factor must be larger than 0".into());
        }
        let c = &self.coordinator;
        match c.mode {
            CoordinatorMode::Builtin => {}
            CoordinatorMode::Zookeeper => {
                if ![1, 3, 5].contains(&c.zookeeper_ensemble_size) {
                    return Err(format!(
                        "coordinator.zookeeper_ensemble_size: an ensemble has 1, 3 or 5 servers, got {}",
                        c.zookeeper_ensemble_size
                    ));
                }
                for (name, v) in [
                    (
                        "coordinator.zookeeper_session_timeout_ms",
                        c.zookeeper_session_timeout_ms,
                    ),
                    (
                        "coordinator.zookeeper_tick_time_ms",
                        c.zookeeper_tick_time_ms,
                    ),
                    (
                        "coordinator.zookeeper_max_in_flight_requests",
                        c.zookeeper_max_in_flight_requests as Millis,
                    ),
                ] {
                    if v == 0 {
                        return Err(format!("{name}: must be larger than 0"));
                    }
                }
                // ZooKeeper clamps session timeouts to [2, 20] ticks.
                if c.zookeeper_session_timeout_ms < 2 * c.zookeeper_tick_time_ms {
                    return Err(
                        "coordinator.zookeeper_session_timeout_ms: must be at least 2 x zookeeper_tick_time_ms"
                            .into(),
                    );
                }
            }
            CoordinatorMode::Kraft => {
                if ![1, 3, 5].contains(&c.kraft_voters) {
                    return Err(format!(
                        "coordinator.kraft_voters: a controller quorum has 1, 3 or 5 voters, got {}",
                        c.kraft_voters
                    ));
                }
                if c.kraft_combined && (c.kraft_voters as usize) > n {
                    return Err(format!(
                        "coordinator.kraft_voters: combined mode runs a voter in each of the first {} brokers, but there are {n}",
                        c.kraft_voters
                    ));
                }
                for (name, v) in [
                    (
                        "coordinator.controller_quorum_election_timeout_ms",
                        c.controller_quorum_election_timeout_ms,
                    ),
                    (
                        "coordinator.controller_quorum_fetch_timeout_ms",
                        c.controller_quorum_fetch_timeout_ms,
                    ),
                    (
                        "coordinator.controller_quorum_election_backoff_max_ms",
                        c.controller_quorum_election_backoff_max_ms,
                    ),
                    (
                        "coordinator.controller_quorum_request_timeout_ms",
                        c.controller_quorum_request_timeout_ms,
                    ),
                ] {
                    if v == 0 {
                        return Err(format!("{name}: must be larger than 0"));
                    }
                }
                if !c.kraft_combined && self.brokers.iter().any(|b| (100..110).contains(&b.id)) {
                    return Err(
                        "brokers: ids 100 to 109 are taken by the dedicated KRaft controllers"
                            .into(),
                    );
                }
            }
        }
        if self.producer.max_in_flight_requests_per_connection == 0 {
            return Err(
                "producer.max_in_flight_requests_per_connection: must be larger than 0".into(),
            );
        }
        Ok(())
    }
}

/// `group.min.session.timeout.ms`'s default: the shortest consumer session a broker accepts.
pub const GROUP_MIN_SESSION_TIMEOUT_MS: Millis = 6_000;
/// `group.max.session.timeout.ms`'s default: the longest consumer session a broker accepts.
pub const GROUP_MAX_SESSION_TIMEOUT_MS: Millis = 1_800_000;

/// The longest duration a setting may have: `Integer.MAX_VALUE` ms (about 24.8 days), the bound
/// of Kafka's int-typed `*.ms` settings. A run lasts at most an hour, so a longer one could only
/// mean "never", and would overflow the simulated clock.
pub const MAX_DURATION_MS: Millis = i32::MAX as Millis;

/// A settings section's durations (its `*_ms` fields), by name. Listed by hand so that the
/// browser build needs no JSON to check them; a test checks every `*_ms` field of each
/// section's serialised form is listed, so a new setting cannot be missed.
trait Durations {
    fn durations(&self) -> Vec<(&'static str, Millis)>;
}

impl Durations for BrokerTimeouts {
    fn durations(&self) -> Vec<(&'static str, Millis)> {
        vec![
            ("replica_lag_time_max_ms", self.replica_lag_time_max_ms),
            ("replica_fetch_wait_max_ms", self.replica_fetch_wait_max_ms),
            ("replica_fetch_backoff_ms", self.replica_fetch_backoff_ms),
            ("replica_socket_timeout_ms", self.replica_socket_timeout_ms),
            (
                "broker_heartbeat_interval_ms",
                self.broker_heartbeat_interval_ms,
            ),
            ("broker_session_timeout_ms", self.broker_session_timeout_ms),
            (
                "leader_imbalance_check_interval_ms",
                self.leader_imbalance_check_interval_ms,
            ),
            (
                "log_retention_check_interval_ms",
                self.log_retention_check_interval_ms,
            ),
            (
                "group_initial_rebalance_delay_ms",
                self.group_initial_rebalance_delay_ms,
            ),
        ]
    }
}

impl Durations for ProducerConfig {
    fn durations(&self) -> Vec<(&'static str, Millis)> {
        vec![
            ("linger_ms", self.linger_ms),
            ("request_timeout_ms", self.request_timeout_ms),
            ("delivery_timeout_ms", self.delivery_timeout_ms),
            ("retry_backoff_ms", self.retry_backoff_ms),
            ("retry_backoff_max_ms", self.retry_backoff_max_ms),
        ]
    }
}

impl Durations for ConsumerConfig {
    fn durations(&self) -> Vec<(&'static str, Millis)> {
        vec![
            ("session_timeout_ms", self.session_timeout_ms),
            ("heartbeat_interval_ms", self.heartbeat_interval_ms),
            ("max_poll_interval_ms", self.max_poll_interval_ms),
            ("fetch_max_wait_ms", self.fetch_max_wait_ms),
            ("auto_commit_interval_ms", self.auto_commit_interval_ms),
            ("request_timeout_ms", self.request_timeout_ms),
            ("retry_backoff_ms", self.retry_backoff_ms),
            ("metadata_max_age_ms", self.metadata_max_age_ms),
        ]
    }
}

impl Durations for CoordinatorConfig {
    fn durations(&self) -> Vec<(&'static str, Millis)> {
        vec![
            (
                "zookeeper_session_timeout_ms",
                self.zookeeper_session_timeout_ms,
            ),
            ("zookeeper_tick_time_ms", self.zookeeper_tick_time_ms),
            (
                "controller_quorum_election_timeout_ms",
                self.controller_quorum_election_timeout_ms,
            ),
            (
                "controller_quorum_fetch_timeout_ms",
                self.controller_quorum_fetch_timeout_ms,
            ),
            (
                "controller_quorum_election_backoff_max_ms",
                self.controller_quorum_election_backoff_max_ms,
            ),
            (
                "controller_quorum_request_timeout_ms",
                self.controller_quorum_request_timeout_ms,
            ),
        ]
    }
}

/// Every `*_ms` field of a section at most [`MAX_DURATION_MS`].
fn check_durations(section: &str, settings: &impl Durations) -> Result<(), String> {
    for (name, ms) in settings.durations() {
        if ms > MAX_DURATION_MS {
            return Err(format!(
                "{section}.{name}: {ms} ms is more than {MAX_DURATION_MS} ms (Integer.MAX_VALUE, about 24.8 days)"
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn teaching() -> ClusterConfig {
        ClusterConfig::new(Profile::Teaching, 3)
    }

    /// Every `*_ms` field of each checked section, as its serialised form has it, is in its
    /// `durations()` list with its value, and the list names nothing else.
    #[test]
    fn every_ms_setting_is_checked_against_the_upper_bound() {
        fn listed(section: &(impl Serialize + Durations)) {
            let serde_json::Value::Object(fields) = serde_json::to_value(section).unwrap() else {
                panic!("a section serialises to an object");
            };
            let from_serde: Vec<(String, Millis)> = fields
                .iter()
                .filter(|(k, _)| k.ends_with("_ms"))
                .map(|(k, v)| (k.clone(), v.as_u64().unwrap()))
                .collect();
            let mut from_list: Vec<(String, Millis)> = section
                .durations()
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v))
                .collect();
            let mut from_serde = from_serde;
            from_serde.sort();
            from_list.sort();
            assert_eq!(from_list, from_serde);
        }
        for p in [Profile::Teaching, Profile::KafkaDefaults] {
            let c = ClusterConfig::new(p, 3);
            listed(&c.broker);
            listed(&c.producer);
            listed(&c.consumer);
            listed(&c.coordinator);
        }
    }

    #[test]
    fn the_profiles_are_valid() {
        for p in [Profile::Teaching, Profile::KafkaDefaults] {
            ClusterConfig::new(p, 3).validate().unwrap();
        }
    }

    #[test]
    fn network_loss_is_a_probability() {
        let mut c = teaching();
        for bad in [-0.1, 1.5, f64::NAN] {
            c.network.loss = bad;
            assert_eq!(
                c.validate().unwrap_err(),
                "network.loss: must be a probability in [0, 1]"
            );
        }
        for good in [0.0, 0.25, 1.0] {
            c.network.loss = good;
            c.validate().unwrap();
        }
    }

    #[test]
    fn replica_socket_timeout_is_at_least_replica_fetch_wait_max() {
        let mut c = teaching();
        c.broker.replica_fetch_wait_max_ms = 500;
        c.broker.replica_socket_timeout_ms = 499;
        let e = c.validate().unwrap_err();
        assert!(e.starts_with("broker.replica_socket_timeout_ms: 499 ms is below replica_fetch_wait_max_ms (500 ms); replica.socket.timeout.ms should always be at least replica.fetch.wait.max.ms to prevent unnecessary socket timeouts"), "{e}");
        c.broker.replica_socket_timeout_ms = 0;
        assert!(
            c.validate()
                .unwrap_err()
                .starts_with("broker.replica_socket_timeout_ms:")
        );
        c.broker.replica_socket_timeout_ms = 500;
        c.validate().unwrap();
    }

    #[test]
    fn replica_fetch_wait_max_is_at_most_replica_lag_time_max() {
        let mut c = teaching();
        c.broker.replica_fetch_wait_max_ms = 500;
        c.broker.replica_lag_time_max_ms = 499;
        let e = c.validate().unwrap_err();
        assert_eq!(
            e,
            "broker.replica_fetch_wait_max_ms: 500 ms is above replica_lag_time_max_ms (499 ms); replica.fetch.wait.max.ms should always be less than or equal to replica.lag.time.max.ms to prevent frequent changes in ISR"
        );
        c.broker.replica_lag_time_max_ms = 500;
        c.validate().unwrap();
    }

    #[test]
    fn the_smallest_replica_settings_kafka_accepts_are_valid() {
        let mut c = teaching();
        c.broker.replica_lag_time_max_ms = 1;
        c.broker.replica_fetch_wait_max_ms = 1;
        c.broker.replica_socket_timeout_ms = 1;
        c.broker.replica_fetch_backoff_ms = 0;
        c.validate().unwrap();
    }

    #[test]
    fn leader_imbalance_check_interval_is_at_least_one_second() {
        let mut c = teaching();
        c.broker.leader_imbalance_check_interval_ms = 999;
        assert_eq!(
            c.validate().unwrap_err(),
            "broker.leader_imbalance_check_interval_ms: 999 ms is below 1000 ms; Invalid value 0 for configuration leader.imbalance.check.interval.seconds: Value must be at least 1"
        );
        c.broker.leader_imbalance_check_interval_ms = 0;
        assert!(c.validate().is_err());
        c.broker.leader_imbalance_check_interval_ms = 1_000;
        c.validate().unwrap();
    }

    #[test]
    fn the_consumer_session_is_within_the_brokers_group_session_range() {
        let mut c = teaching();
        c.consumer.heartbeat_interval_ms = 1;
        for bad in [0, 2, 5_999, 1_800_001] {
            c.consumer.session_timeout_ms = bad;
            let e = c.validate().unwrap_err();
            assert_eq!(
                e,
                format!(
                    "consumer.session_timeout_ms: {bad} ms: The session timeout is not within the range allowed by the broker (as configured by group.min.session.timeout.ms and group.max.session.timeout.ms): 6000 to 1800000 ms here, Kafka's defaults"
                )
            );
        }
        for good in [6_000, 1_800_000] {
            c.consumer.session_timeout_ms = good;
            c.validate().unwrap();
        }
    }

    #[test]
    fn the_consumer_heartbeat_is_below_the_session_timeout() {
        let mut c = teaching();
        c.consumer.session_timeout_ms = 6_000;
        c.consumer.heartbeat_interval_ms = 6_000;
        assert_eq!(
            c.validate().unwrap_err(),
            "consumer.heartbeat_interval_ms: 6000 ms is not below session_timeout_ms (6000 ms): Heartbeat must be set lower than the session timeout"
        );
        c.consumer.heartbeat_interval_ms = 5_999;
        c.validate().unwrap();
    }

    #[test]
    fn the_delivery_timeout_covers_linger_and_request_timeout() {
        let mut c = teaching();
        c.producer.linger_ms = 10;
        c.producer.request_timeout_ms = 5_000;
        c.producer.delivery_timeout_ms = 5_009;
        assert_eq!(
            c.validate().unwrap_err(),
            "producer.delivery_timeout_ms: 5009 ms is below linger_ms + request_timeout_ms (10 + 5000 ms): delivery.timeout.ms should be equal to or larger than linger.ms + request.timeout.ms"
        );
        c.producer.delivery_timeout_ms = 5_010;
        c.validate().unwrap();
    }

    #[test]
    fn max_poll_interval_is_at_least_one_ms() {
        let mut c = teaching();
        c.consumer.max_poll_interval_ms = 0;
        assert_eq!(
            c.validate().unwrap_err(),
            "consumer.max_poll_interval_ms: Invalid value 0 for configuration max.poll.interval.ms: Value must be at least 1"
        );
        c.consumer.max_poll_interval_ms = 1;
        c.validate().unwrap();
    }
}
