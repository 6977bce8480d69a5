//! Seeded fault schedules for randomized simulation runs: one seed gives the cluster's
//! randomness and a whole schedule of traffic, crashes, restarts and network partitions.
//! Used by the randomized tests and the long-run command; the checker lives in `invariants`.

use crate::command::Command;
use crate::config::{Acks, ClusterConfig, CoordinatorMode, Millis, Profile};
use crate::event::Event;
use crate::ids::{BrokerId, NodeId};
use crate::invariants::{Checker, Violation};
use crate::message::TopicConfig;
use crate::sim::Sim;
use rand::{Rng, SeedableRng};

/// Topic settings for a run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Safety {
    /// acks=all, RF 3, min.insync.replicas=2, clean election only.
    Safe,
    /// acks=all, RF 3, min.insync.replicas=1, unclean election allowed.
    Unsafe,
}

/// What one seed's run saw.
#[derive(Clone, Debug, Default)]
pub struct RunReport {
    pub steps: u64,
    pub events: u64,
    pub committed_records: usize,
    pub faults: u32,
}

/// How long faults are injected, and how long the cluster then gets to recover.
pub const FAULT_PHASE_MS: Millis = 40_000;
/// Recovery bound after everything is healed and restarted (teaching profile): session
/// timeout (3 s) + ISR catch-up + producer delivery timeout (15 s), with margin.
/// KRaft adds a controller election when the heal restarts voters: fetch timeout (2 s) +
/// one split vote's randomized election timeout (< 2 s) + backoff (<= 0.2 s), then a
/// restarted broker's registration, catch-up and unfencing at its next heartbeat (0.5 s):
/// about 2 + 2 + 0.2 + 0.5 + 3 + 15 = 22.7 s, inside the same bound.
/// ZooKeeper mode fits too: a restarted ensemble elects and syncs in a few ticks (0.5 s), the
/// sessions of brokers that died expire 6 s later (`zookeeper.session.timeout.ms`), which is
/// when a restarted broker can register again and the controller (elected in one round trip,
/// loading a dozen znodes in well under a second) re-elects and resyncs: about 8 s, then ISR
/// catch-up and the producer delivery timeout (15 s) as in built-in mode.
pub const RECOVERY_BOUND_MS: Millis = 30_000;

fn up_brokers(sim: &Sim) -> Vec<BrokerId> {
    sim.brokers()
        .keys()
        .copied()
        .filter(|&b| sim.is_up(NodeId::Broker(b)))
        .collect()
}

fn down_brokers(sim: &Sim) -> Vec<BrokerId> {
    sim.brokers()
        .keys()
        .copied()
        .filter(|&b| !sim.is_up(NodeId::Broker(b)))
        .collect()
}

/// Coordinator nodes that fail on their own (ZooKeeper servers, dedicated KRaft voters; not
/// roles co-located with a broker, nor the built-in controller, which never fails).
fn standalone_control_nodes(sim: &Sim) -> Vec<NodeId> {
    if sim.config().coordinator.mode == CoordinatorMode::Builtin {
        return Vec::new();
    }
    sim.control_nodes()
        .iter()
        .filter(|(_, host)| host.is_none())
        .map(|(n, _)| *n)
        .collect()
}

/// Runs one seed with the built-in controller (see [`run_seed_in`]).
pub fn run_seed(seed: u64, safety: Safety) -> Result<RunReport, Violation> {
    run_seed_in(seed, safety, CoordinatorMode::Builtin)
}

/// Runs one seed: builds a 3-broker cluster in `mode`, injects random traffic and faults for
/// [`FAULT_PHASE_MS`] (broker crashes, restarts, isolation and cut links; in ZooKeeper and
/// KRaft modes also crashes of ZooKeeper servers and controllers and cut links between brokers
/// and them), heals, and checks every invariant after every step and recovery at the end.
pub fn run_seed_in(
    seed: u64,
    safety: Safety,
    mode: CoordinatorMode,
) -> Result<RunReport, Violation> {
    run_seed_observed(seed, safety, mode, &mut |_, _| {})
}

/// [`run_seed_in`], handing every step's events to `observe` (for tracing a failing seed).
pub fn run_seed_observed(
    seed: u64,
    safety: Safety,
    mode: CoordinatorMode,
    observe: &mut dyn FnMut(&Sim, &[Event]),
) -> Result<RunReport, Violation> {
    let config = ClusterConfig::new(Profile::Teaching, 3).with_mode(mode);
    run_config_seed(config, seed, safety, observe)
}

/// [`run_seed_observed`] with a given cluster config (e.g. KRaft combined mode, 5 voters).
pub fn run_config_seed(
    config: ClusterConfig,
    seed: u64,
    safety: Safety,
    observe: &mut dyn FnMut(&Sim, &[Event]),
) -> Result<RunReport, Violation> {
    let mode = config.coordinator.mode;
    let mut sim = Sim::new(config, seed).expect("valid config");
    // The schedule has its own stream so that schedule and cluster randomness are independent.
    let mut rng = rand_pcg::Pcg64Mcg::seed_from_u64(seed ^ 0x5eed_cafe_f00d_d00d);
    let mut checker = Checker::new();
    let mut report = RunReport::default();
    let (min_isr, unclean) = match safety {
        Safety::Safe => (2, false),
        Safety::Unsafe => (1, true),
    };
    for name in ["orders", "payments"] {
        sim.apply(Command::CreateTopic {
            name: name.into(),
            partitions: 2,
            replication_factor: 3,
            config: TopicConfig {
                min_insync_replicas: min_isr,
                unclean_leader_election_enable: unclean,
                ..TopicConfig::default()
            },
        })
        .expect("topic");
    }
    sim.apply(Command::AddProducer {
        id: 0,
        acks: Some(Acks::All),
        keyless: None,
        linger_ms: None,
    })
    .expect("producer");
    // A consumer group reads along, so ConsistentRead is checked on real reads.
    for id in 0..2 {
        sim.apply(Command::AddConsumer {
            id,
            group: "readers".into(),
            topics: vec!["orders".into(), "payments".into()],
            assignor: None,
        })
        .expect("consumer");
    }
    let mut t: Millis = 500;
    while t < FAULT_PHASE_MS {
        step_to(&mut sim, &mut checker, observe, t)?;
        let roll = rng.random_range(0..100);
        let cmd = match roll {
            0..=54 => {
                let topic = if rng.random_bool(0.5) {
                    "orders"
                } else {
                    "payments"
                };
                let key = rng
                    .random_bool(0.7)
                    .then(|| format!("k{}", rng.random_range(0..20)));
                Some(Command::Produce {
                    producer: 0,
                    topic: topic.into(),
                    key,
                    value: format!("v{t}"),
                    partition: None,
                    count: Some(rng.random_range(1..=4)),
                })
            }
            55..=66 => pick(&mut rng, &up_brokers(&sim)).map(|b| Command::Crash {
                node: NodeId::Broker(b),
            }),
            67..=80 => pick(&mut rng, &down_brokers(&sim)).map(|b| Command::Restart {
                node: NodeId::Broker(b),
            }),
            81..=85 => pick(&mut rng, &up_brokers(&sim)).map(|b| Command::Isolate {
                node: NodeId::Broker(b),
            }),
            86..=91 => {
                let ids: Vec<BrokerId> = sim.brokers().keys().copied().collect();
                let a = ids[rng.random_range(0..ids.len())];
                let control: Vec<NodeId> = if mode == CoordinatorMode::Builtin {
                    vec![NodeId::Controller(0)]
                } else {
                    standalone_control_nodes(&sim)
                };
                let b = if rng.random_bool(0.3) && !control.is_empty() {
                    control[rng.random_range(0..control.len())]
                } else {
                    NodeId::Broker(ids[rng.random_range(0..ids.len())])
                };
                (NodeId::Broker(a) != b).then_some(Command::CutLink {
                    a: NodeId::Broker(a),
                    b,
                })
            }
            92..=94 => {
                let up: Vec<NodeId> = standalone_control_nodes(&sim)
                    .into_iter()
                    .filter(|n| sim.is_up(*n))
                    .collect();
                pick(&mut rng, &up).map(|node| Command::Crash { node })
            }
            95..=96 => {
                let down: Vec<NodeId> = standalone_control_nodes(&sim)
                    .into_iter()
                    .filter(|n| !sim.is_up(*n))
                    .collect();
                pick(&mut rng, &down).map(|node| Command::Restart { node })
            }
            _ => Some(Command::Heal),
        };
        if let Some(cmd) = cmd {
            if !matches!(cmd, Command::Produce { .. }) {
                report.faults += 1;
            }
            // A rejected command (e.g. producing while the topic is offline is fine; crashing a
            // down broker cannot happen here) changes nothing.
            let _ = sim.apply(cmd);
        }
        t += rng.random_range(100..1_500);
    }
    // Heal everything and give the cluster the recovery bound.
    step_to(&mut sim, &mut checker, observe, FAULT_PHASE_MS)?;
    sim.apply(Command::Heal).expect("heal");
    for b in down_brokers(&sim) {
        sim.apply(Command::Restart {
            node: NodeId::Broker(b),
        })
        .expect("restart");
    }
    for node in standalone_control_nodes(&sim) {
        if !sim.is_up(node) {
            sim.apply(Command::Restart { node }).expect("restart");
        }
    }
    step_to(
        &mut sim,
        &mut checker,
        observe,
        FAULT_PHASE_MS + RECOVERY_BOUND_MS,
    )?;
    checker.check_recovered(&sim)?;
    report.steps = checker.steps_checked;
    report.events = checker.events_checked;
    report.committed_records = checker.committed_records();
    Ok(report)
}

fn pick<T: Copy>(rng: &mut impl Rng, from: &[T]) -> Option<T> {
    (!from.is_empty()).then(|| from[rng.random_range(0..from.len())])
}

/// Runs the simulation to `t`, checking after every step.
fn step_to(
    sim: &mut Sim,
    checker: &mut Checker,
    observe: &mut dyn FnMut(&Sim, &[Event]),
    t: Millis,
) -> Result<(), Violation> {
    let events = sim.drain_events();
    observe(sim, &events);
    checker.observe(sim, &events)?;
    while sim.step_until(t) {
        let events = sim.drain_events();
        observe(sim, &events);
        checker.observe(sim, &events)?;
    }
    sim.run_until(t);
    Ok(())
}
