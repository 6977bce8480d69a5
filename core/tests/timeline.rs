//! Time travel: a clone of a simulation continues exactly like the original, and a timeline's
//! seeks, steps back and forks reproduce what a straight run did. Random sessions in every
//! control-plane mode; a failure prints the seed.

use kafkascope_core::config::{Acks, ClusterConfig, CoordinatorMode, Profile};
use kafkascope_core::message::TopicConfig;
use kafkascope_core::timeline::{CheckpointPolicy, Replay, Timeline};
use kafkascope_core::{Command, Millis, NodeId, Sim};
use rand::{Rng, SeedableRng};

const MODES: [CoordinatorMode; 3] = [
    CoordinatorMode::Builtin,
    CoordinatorMode::Zookeeper,
    CoordinatorMode::Kraft,
];

fn seeds() -> u64 {
    std::env::var("KAFKASCOPE_TIMELINE_SEEDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(6)
}

fn cluster(mode: CoordinatorMode, seed: u64) -> Sim {
    let mut config = ClusterConfig::new(Profile::Teaching, 3).with_mode(mode);
    config.network.jitter_ms = 10;
    config.network.loss = 0.01;
    let mut sim = Sim::new(config, seed).unwrap();
    sim.apply(Command::CreateTopic {
        name: "orders".into(),
        partitions: 3,
        replication_factor: 3,
        config: TopicConfig {
            min_insync_replicas: 2,
            ..TopicConfig::default()
        },
    })
    .unwrap();
    sim.apply(Command::AddProducer {
        id: 0,
        acks: Some(Acks::All),
        keyless: None,
        linger_ms: None,
    })
    .unwrap();
    sim
}

/// A random command (some are refused, which must leave no trace).
fn random_command(rng: &mut impl Rng, n: u32) -> Command {
    let broker = NodeId::Broker(rng.random_range(1..=3));
    match rng.random_range(0..10) {
        0 => Command::Crash { node: broker },
        1 => Command::Restart { node: broker },
        2 => Command::Isolate { node: broker },
        3 => Command::Heal,
        4 if n.is_multiple_of(3) => Command::AddConsumer {
            id: n,
            group: "g".into(),
            topics: vec!["orders".into()],
            assignor: None,
        },
        _ => Command::Produce {
            producer: 0,
            topic: "orders".into(),
            key: Some(format!("k{}", rng.random_range(0..9))),
            value: format!("v{n}"),
            partition: None,
            count: Some(rng.random_range(1..4)),
        },
    }
}

/// Plays a random session of 20 s through a timeline; returns it.
fn session(mode: CoordinatorMode, seed: u64, policy: CheckpointPolicy) -> Timeline<Sim> {
    let mut rng = rand_pcg::Pcg64Mcg::seed_from_u64(seed ^ 0x7173);
    let mut tl = Timeline::with_policy(cluster(mode, seed), policy);
    let mut t = 0;
    for n in 0..60 {
        t += rng.random_range(0..300);
        tl.advance_to(t);
        let _ = tl.apply(random_command(&mut rng, n));
        tl.live_mut().drain_events();
    }
    tl.advance_to(20_000);
    tl.live_mut().drain_events();
    tl
}

fn policy() -> CheckpointPolicy {
    CheckpointPolicy {
        interval_ms: 900,
        max_checkpoints: 1_000,
        window_ms: None,
    }
}

fn state(sim: &Sim) -> String {
    serde_json::to_string(&sim.snapshot()).unwrap()
}

fn trace(sim: &mut Sim) -> Vec<String> {
    sim.drain_events()
        .iter()
        .map(|e| format!("{} {:?}", e.time, e.kind))
        .collect()
}

#[test]
fn a_clone_continues_exactly_like_the_original() {
    for mode in MODES {
        for seed in 0..seeds() {
            let tl = session(mode, seed, policy());
            let mut a = tl.live().clone();
            let mut b = a.clone();
            let mut rng = rand_pcg::Pcg64Mcg::seed_from_u64(seed);
            for n in 100..120 {
                let t = a.now() + rng.random_range(1..1_000);
                a.run_until(t);
                b.run_until(t);
                let cmd = random_command(&mut rng, n);
                assert_eq!(
                    a.apply(cmd.clone()).is_ok(),
                    b.apply(cmd).is_ok(),
                    "{mode:?} seed {seed}"
                );
            }
            assert_eq!(trace(&mut a), trace(&mut b), "{mode:?} seed {seed}");
            assert_eq!(state(&a), state(&b), "{mode:?} seed {seed}");
        }
    }
}

#[test]
fn seeking_and_playing_on_gives_the_same_trace_as_never_seeking() {
    for mode in MODES {
        for seed in 0..seeds() {
            let mut rng = rand_pcg::Pcg64Mcg::seed_from_u64(seed ^ 0xbeef);
            let reference = session(mode, seed, policy());
            // The straight run's events after t0, from a fresh run that never seeks.
            let t0 = rng.random_range(0..20_000);
            let mut straight = Timeline::with_policy(cluster(mode, seed), policy());
            straight.live_mut().drain_events();
            let mut after = Vec::new();
            for l in reference.inputs() {
                if l.at > straight.now() {
                    straight.advance_to(l.at);
                }
                straight.apply(l.input.clone()).unwrap();
            }
            straight.advance_to(20_000);
            for line in trace(straight.live_mut()) {
                let time: Millis = line.split(' ').next().unwrap().parse().unwrap();
                if time > t0 {
                    after.push(line);
                }
            }
            assert_eq!(
                state(straight.live()),
                state(reference.live()),
                "{mode:?} seed {seed}"
            );

            let mut tl = session(mode, seed, policy());
            for _ in 0..5 {
                tl.seek(rng.random_range(0..25_000));
            }
            tl.seek(t0);
            tl.live_mut().drain_events();
            tl.advance_to(20_000);
            assert_eq!(
                trace(tl.live_mut()),
                after,
                "{mode:?} seed {seed} seek {t0}"
            );
            assert_eq!(
                state(tl.live()),
                state(reference.live()),
                "{mode:?} seed {seed}"
            );
        }
    }
}

#[test]
fn a_fork_is_deterministic_and_replays_like_any_future() {
    for mode in MODES {
        for seed in 0..seeds() {
            let fork = |tl: &mut Timeline<Sim>| {
                let mut rng = rand_pcg::Pcg64Mcg::seed_from_u64(seed ^ 0xf0f0);
                tl.seek(rng.random_range(1_000..15_000));
                let mut dropped = None;
                for n in 200..210 {
                    if let Ok(a) = tl.apply(random_command(&mut rng, n)) {
                        dropped.get_or_insert(a.dropped);
                    }
                    let t = tl.now() + rng.random_range(0..2_000);
                    tl.advance_to(t);
                }
                tl.advance_to(40_000);
                dropped
            };
            let mut a = session(mode, seed, policy());
            let mut b = session(mode, seed, policy());
            let da = fork(&mut a);
            assert_eq!(da, fork(&mut b), "{mode:?} seed {seed}");
            assert_eq!(state(a.live()), state(b.live()), "{mode:?} seed {seed}");
            let end = state(a.live());
            let mut rng = rand_pcg::Pcg64Mcg::seed_from_u64(seed);
            a.seek(rng.random_range(0..40_000));
            a.advance_to(40_000);
            assert_eq!(state(a.live()), end, "{mode:?} seed {seed}");
        }
    }
}

#[test]
fn step_back_from_anywhere_lands_just_before_an_event() {
    for mode in MODES {
        for seed in 0..seeds() {
            let mut rng = rand_pcg::Pcg64Mcg::seed_from_u64(seed ^ 0x5babe);
            let mut tl = session(mode, seed, policy());
            tl.seek(rng.random_range(100..20_000));
            let (pos, emitted) = (tl.live().position(), tl.live().events_emitted());
            let Some(_) = tl.step_back() else { continue };
            let back = tl.live().events_emitted();
            assert!(back < emitted, "{mode:?} seed {seed}");
            tl.step();
            assert!(tl.live().events_emitted() > back, "{mode:?} seed {seed}");
            while tl.live().position() < pos {
                tl.step();
            }
            assert_eq!(
                tl.live().events_emitted(),
                emitted,
                "{mode:?} seed {seed}: only the last transition emitted"
            );
        }
    }
}

/// A straight run (a timeline that never seeks and keeps every checkpoint) of the session's
/// inputs up to `t`.
fn straight_to(mode: CoordinatorMode, seed: u64, reference: &Timeline<Sim>, t: Millis) -> Sim {
    let mut straight = Timeline::with_policy(cluster(mode, seed), policy());
    for l in reference.inputs().iter().filter(|l| l.at <= t) {
        if l.at > straight.now() {
            straight.advance_to(l.at);
        }
        straight.apply(l.input.clone()).unwrap();
    }
    straight.advance_to(t);
    straight.live().clone()
}

#[test]
fn under_a_small_checkpoint_budget_seeks_still_equal_a_straight_run() {
    // 20 s at 200 ms would be 100 checkpoints: kept to 6, thinned (the interval doubling) as
    // the session goes.
    let budget = CheckpointPolicy {
        interval_ms: 200,
        max_checkpoints: 6,
        window_ms: None,
    };
    for mode in MODES {
        for seed in 0..seeds() {
            let mut tl = session(mode, seed, budget);
            assert!(tl.checkpoint_count() <= 6, "{mode:?} seed {seed}");
            assert!(tl.policy().interval_ms >= 200 * 8, "{mode:?} seed {seed}");
            let mut rng = rand_pcg::Pcg64Mcg::seed_from_u64(seed ^ 0x5ee4);
            for _ in 0..4 {
                let t = rng.random_range(0..=20_000);
                assert_eq!(tl.seek(t), t);
                let straight = straight_to(mode, seed, &tl, t);
                assert_eq!(
                    state(tl.live()),
                    state(&straight),
                    "{mode:?} seed {seed} seek {t}"
                );
                assert_eq!(tl.live().position(), straight.position());
            }
        }
    }
}

#[test]
fn checkpoints_stay_within_the_budget_over_a_long_session() {
    // A long session (an hour of traffic at 20 records/s, a broker crash and restart every
    // few minutes): the number of checkpoints never exceeds the budget, whatever the length.
    let budget = CheckpointPolicy {
        interval_ms: 1_000,
        max_checkpoints: 32,
        window_ms: None,
    };
    let mut tl = Timeline::with_policy(cluster(CoordinatorMode::Kraft, 3), budget);
    let mut most = 0;
    let mut t = 0;
    for n in 0..72_000u32 {
        t += 50;
        tl.advance_to(t);
        let cmd = match n % 6_000 {
            0 if n > 0 => Command::Crash {
                node: NodeId::Broker(1 + (n / 6_000 % 3) as i32),
            },
            1_000 => Command::Restart {
                node: NodeId::Broker(1 + (n / 6_000 % 3) as i32),
            },
            _ => Command::Produce {
                producer: 0,
                topic: "orders".into(),
                key: Some(format!("k{}", n % 9)),
                value: format!("v{n}"),
                partition: None,
                count: None,
            },
        };
        let _ = tl.apply(cmd);
        tl.live_mut().drain_events();
        most = most.max(tl.checkpoint_count());
    }
    assert!(most <= 32, "{most} checkpoints");
    // Thinned: at least half the budget is in use, spread over the whole session.
    assert!(tl.checkpoint_count() >= 16);
    let times: Vec<Millis> = tl.checkpoint_times().collect();
    let widest = times.windows(2).map(|w| w[1] - w[0]).max().unwrap();
    assert!(widest <= tl.policy().interval_ms * 2, "{times:?}");
    assert!(t - times[times.len() - 1] <= tl.policy().interval_ms);
}
