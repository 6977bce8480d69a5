//! KRaft mode end to end: a Raft controller quorum over `__cluster_metadata`, brokers that
//! register, heartbeat and fetch metadata. Timing assertions use Kafka's defaults
//! (`Profile::KafkaDefaults`): broker.session.timeout.ms 9 s, broker.heartbeat.interval.ms
//! 2 s, controller.quorum.fetch.timeout.ms 2 s, controller.quorum.election.timeout.ms 1 s.

mod common;
use common::*;
use kafkascope_core::config::{Acks, ClusterConfig, CoordinatorMode, Profile};
use kafkascope_core::controller::CoordinatorImpl;
use kafkascope_core::controller::kraft::{KraftEvent, KraftMessage, KraftQuorum};
use kafkascope_core::message::{Message, PartitionState};
use kafkascope_core::{
    Command, ErrorCode, Event, EventKind, NO_LEADER, NodeId, Sim, TopicPartition,
};
use std::collections::BTreeMap;

fn kraft_config(profile: Profile, brokers: i32) -> ClusterConfig {
    ClusterConfig::new(profile, brokers).with_mode(CoordinatorMode::Kraft)
}

fn kraft(profile: Profile, brokers: i32, seed: u64) -> Sim {
    Sim::new(kraft_config(profile, brokers), seed).expect("valid config")
}

fn quorum(sim: &Sim) -> &KraftQuorum {
    match sim.coordinator_impl() {
        CoordinatorImpl::Kraft(q) => q,
        _ => panic!("not KRaft"),
    }
}

fn activations(events: &[Event]) -> Vec<(u64, NodeId, i32)> {
    events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::ControllerActivated { controller, epoch } => {
                Some((e.time, *controller, *epoch))
            }
            _ => None,
        })
        .collect()
}

fn fenced(events: &[Event]) -> Vec<(u64, i32)> {
    events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::BrokerFenced { broker, .. } => Some((e.time, *broker)),
            _ => None,
        })
        .collect()
}

fn sent(events: &[Event]) -> impl Iterator<Item = (u64, NodeId, NodeId, &Message)> {
    events.iter().filter_map(|e| match &e.kind {
        EventKind::MessageSent {
            from, to, message, ..
        } => Some((e.time, *from, *to, &**message)),
        _ => None,
    })
}

fn no_pushes(events: &[Event]) {
    for (t, from, to, m) in sent(events) {
        assert!(
            !matches!(
                m,
                Message::LeaderAndIsr { .. } | Message::UpdateMetadata { .. }
            ),
            "KRaft mode pushed {} from {from} to {to} at {t}",
            m.api()
        );
    }
}

fn partitions(sim: &Sim) -> BTreeMap<TopicPartition, PartitionState> {
    sim.coordinator()
        .metadata()
        .partitions()
        .map(|p| (p.tp.clone(), p.clone()))
        .collect()
}

fn produce_to(sim: &mut Sim, producer: u32, topic: &str, partition: u32, n: u32) -> Vec<u64> {
    match sim
        .apply(Command::Produce {
            producer,
            topic: topic.into(),
            key: None,
            value: "v".into(),
            partition: Some(partition),
            count: Some(n),
        })
        .expect("produce accepted")
    {
        kafkascope_core::CommandOutcome::RecordsSent { records } => records,
        other => panic!("unexpected outcome {other:?}"),
    }
}

#[test]
fn a_kraft_cluster_starts_running_serves_topics_at_t0_and_never_pushes_leader_and_isr() {
    let mut sim = kraft(Profile::Teaching, 3, 1);
    create_topic(&mut sim, "orders", 3, 3, 2, false);
    add_producer(&mut sim, 0, Acks::All);
    let ids: Vec<u64> = (0..10)
        .map(|i| produce(&mut sim, 0, "orders", Some(&format!("k{i}")), "v"))
        .collect();
    sim.apply(Command::AddConsumer {
        id: 0,
        group: "g".into(),
        topics: vec!["orders".into()],
        assignor: None,
    })
    .expect("consumer");
    let mut events = Vec::new();
    run_for(&mut sim, 15_000, &mut events);
    for id in &ids {
        assert!(
            matches!(acked_offset(&events, *id), Some(Some(_))),
            "record {id} acknowledged with acks=all"
        );
    }
    let consumed: usize = events
        .iter()
        .map(|e| match &e.kind {
            EventKind::RecordsConsumed { records, .. } => records.len(),
            _ => 0,
        })
        .sum();
    assert_eq!(consumed, ids.len(), "the group read every record once");
    // Brokers learned the topic from the log, not from pushes.
    for b in sim.brokers().values() {
        assert_eq!(
            b.kraft.applied,
            quorum(&sim).committed_offset.min(b.kraft.applied)
        );
        assert!(
            b.metadata
                .partitions
                .contains_key(&TopicPartition::new("orders", 0))
        );
        assert_eq!(b.metadata.live_brokers.len(), 3);
    }
    assert!(
        sent(&events).any(|(_, _, _, m)| matches!(
            m,
            Message::Kraft(KraftMessage::FetchMetadataResponse { entries, .. }) if !entries.is_empty()
        )),
        "metadata travels in fetch responses"
    );
    no_pushes(&events);
    assert_eq!(
        sim.coordinator().active_controller(),
        Some(NodeId::Controller(100))
    );
}

/// The broker failure story with Kafka's defaults: fenced 9 s after the controller last heard
/// from it, then new leaders from the ISR, written as records that the brokers fetch.
#[test]
fn a_crashed_broker_is_fenced_after_the_session_timeout_and_its_partitions_move_by_records() {
    let mut sim = kraft(Profile::KafkaDefaults, 3, 2);
    create_topic(&mut sim, "t", 6, 3, 2, false);
    let mut events = Vec::new();
    run_for(&mut sim, 5_000, &mut events);
    let before = partitions(&sim);
    let victim = before.values().next().expect("partition").leader;
    let crash_at = sim.now();
    crash(&mut sim, victim);
    run_for(&mut sim, 20_000, &mut events);
    let last_heartbeat_arrival = sent(&events)
        .filter(|&(t, from, _, m)| {
            t < crash_at
                && from == NodeId::Broker(victim)
                && matches!(m, Message::Kraft(KraftMessage::BrokerHeartbeat { .. }))
        })
        .map(|(t, ..)| t)
        .max()
        .expect("it heartbeated");
    let f = fenced(&events);
    assert_eq!(f.len(), 1, "exactly one fencing: {f:?}");
    let (fenced_at, b) = f[0];
    assert_eq!(b, victim);
    let silent = fenced_at - last_heartbeat_arrival;
    assert!(
        (9_000..9_100).contains(&silent),
        "fenced {silent} ms after its last heartbeat was sent (broker.session.timeout.ms = 9 s)"
    );
    let after = partitions(&sim);
    for (tp, old) in &before {
        let new = &after[tp];
        assert!(!new.isr.contains(&victim), "{tp} ISR {:?}", new.isr);
        if old.leader == victim {
            assert!(new.leader != NO_LEADER && old.isr.contains(&new.leader));
            assert_eq!(new.leader_epoch, old.leader_epoch + 1);
            // The new leader learned it by fetching the record, and leads.
            assert!(sim.replica(new.leader, tp).expect("replica").is_leader());
        }
    }
    no_pushes(&events);
}

/// Controller failover with Kafka's defaults. The standby already has the whole log; it
/// becomes a candidate when its fetch timeout expires (2 s after the last fetch response,
/// which the leader held up to 500 ms: so 1.5 s to 2 s after the crash), as Kafka 3.x's
/// `pollFollowerAsVoter` does. If it is alone, it wins epoch + 1 in one round trip. If both
/// standbys time out within a round trip of each other (their fetches are answered together),
/// the vote splits in epoch + 1; each waits its randomized election timeout, T + rand[0, T)
/// with T = 1 s, then a backoff of 0 or 100 ms (binary exponential, first retry), and the
/// first to retry wins epoch + 2: fetch timeout + election timeout + round trips.
#[test]
fn killing_the_active_controller_activates_a_standby_after_its_fetch_timeout_without_reloading() {
    for seed in 0..8 {
        let mut sim = kraft(Profile::KafkaDefaults, 3, seed);
        create_topic(&mut sim, "t", 4, 3, 2, false);
        let mut events = Vec::new();
        run_for(&mut sim, 5_000, &mut events);
        let old_epoch = quorum(&sim).voters[0].epoch;
        let old_end = quorum(&sim).voters[0].log.end_offset();
        let t0 = sim.now();
        sim.apply(Command::Crash {
            node: NodeId::Controller(100),
        })
        .expect("crash");
        let mut after = Vec::new();
        run_for(&mut sim, 10_000, &mut after);
        let act = activations(&after);
        assert_eq!(act.len(), 1, "seed {seed}: {act:?}");
        let (t, node, epoch) = act[0];
        assert_ne!(node, NodeId::Controller(100));
        let took = t - t0;
        let window = match epoch - old_epoch {
            1 => 1_500..=2_100,
            2 => 2_500..=4_200,
            d => panic!("seed {seed}: epoch advanced by {d}"),
        };
        assert!(
            window.contains(&took),
            "seed {seed}: failover to epoch {epoch} took {took} ms"
        );
        eprintln!("seed {seed}: controller failover {took} ms, epoch {old_epoch} -> {epoch}");
        // No reload: nothing of the old log was fetched by the new leader after the crash;
        // its log is the old one plus its LeaderChange record.
        let NodeId::Controller(id) = node else {
            unreachable!()
        };
        let refetched = sent(&after).any(|(_, _, to, m)| {
            to == node
                && matches!(m, Message::Kraft(KraftMessage::FetchMetadataResponse { entries, .. }) if !entries.is_empty())
        });
        assert!(!refetched, "seed {seed}: the standby had the log already");
        let v = quorum(&sim)
            .voters
            .iter()
            .find(|v| v.id == id)
            .expect("voter");
        assert!(v.log.end_offset() > old_end);
        // Admin requests work again, and brokers follow the new controller.
        create_topic(&mut sim, "after", 1, 3, 2, false);
        run_for(&mut sim, 3_000, &mut after);
        for b in sim.brokers().values() {
            assert_eq!(b.controller, node, "seed {seed}");
            assert!(
                b.metadata
                    .partitions
                    .contains_key(&TopicPartition::new("after", 0))
            );
        }
    }
}

#[test]
fn after_a_controller_failover_brokers_follow_the_new_leader_and_no_live_broker_is_fenced() {
    // The teaching profile's 3 s broker session is shorter than a failover plus a wrong turn:
    // a broker that left the new leader named in a NOT_LEADER_OR_FOLLOWER answer (for the
    // next voter, the dead one) missed its heartbeats and was fenced while alive.
    for seed in 0..12 {
        let mut sim = kraft(Profile::Teaching, 3, seed);
        create_topic(&mut sim, "t", 3, 3, 1, false);
        let mut events = Vec::new();
        run_for(&mut sim, 3_000, &mut events);
        let active = quorum(&sim)
            .voters
            .iter()
            .find(|v| v.is_leader())
            .expect("a leader")
            .id;
        sim.apply(Command::Crash {
            node: NodeId::Controller(active),
        })
        .expect("crash");
        let mut after = Vec::new();
        run_for(&mut sim, 15_000, &mut after);
        let act = activations(&after);
        let (_, node, _) = *act
            .last()
            .unwrap_or_else(|| panic!("seed {seed}: no failover"));
        assert_eq!(
            fenced(&after),
            vec![],
            "seed {seed}: a live broker was fenced after the failover"
        );
        for b in sim.brokers().values() {
            assert_eq!(b.controller, node, "seed {seed}: broker {} follows", b.id);
        }
        for p in partitions(&sim).values() {
            assert_ne!(p.leader, NO_LEADER, "seed {seed}: {} offline", p.tp);
        }
    }
}

#[test]
fn an_isolated_leader_resigns_by_check_quorum_and_its_uncommitted_records_are_truncated() {
    let mut sim = kraft(Profile::KafkaDefaults, 3, 3);
    let mut events = Vec::new();
    run_for(&mut sim, 3_000, &mut events);
    let committed_before = quorum(&sim).committed_offset;
    sim.apply(Command::Isolate {
        node: NodeId::Controller(100),
    })
    .expect("isolate");
    let t0 = sim.now();
    // The isolated leader is still active: it writes records it can never commit.
    create_topic(&mut sim, "doomed", 2, 3, 2, false);
    let doomed_end = quorum(&sim).voters[0].log.end_offset();
    assert!(doomed_end > committed_before);
    let mut after = Vec::new();
    run_for(&mut sim, 8_000, &mut after);
    let resigned = after
        .iter()
        .find_map(|e| match &e.kind {
            EventKind::Kraft(KraftEvent::Resigned {
                voter: 100, reason, ..
            }) => Some((e.time, reason.clone())),
            _ => None,
        })
        .expect("the isolated leader resigned");
    // Check quorum: 1.5 x the 2 s fetch timeout after the last majority fetch (which was at
    // most one held fetch, 500 ms, before the isolation).
    let took = resigned.0 - t0;
    assert!((2_500..=3_000).contains(&took), "resigned after {took} ms");
    assert!(resigned.1.contains("no majority fetched"));
    let act = activations(&after);
    assert_eq!(act.len(), 1, "{act:?}");
    assert!(act[0].1 != NodeId::Controller(100) && act[0].2 >= 2);
    assert!(!sim.coordinator().metadata().topics.contains_key("doomed"));
    // Rejoining: the old leader's epoch-1 tail diverges from the new leader's log.
    sim.apply(Command::Heal).expect("heal");
    let mut healed = Vec::new();
    run_for(&mut sim, 5_000, &mut healed);
    let truncated = healed
        .iter()
        .find_map(|e| match &e.kind {
            EventKind::Kraft(KraftEvent::LogTruncated {
                node: NodeId::Controller(100),
                to_offset,
                diverging_epoch,
            }) => Some((*to_offset, *diverging_epoch)),
            _ => None,
        })
        .expect("controller 100 truncated its log");
    assert_eq!(truncated, (committed_before, 1));
    let q = quorum(&sim);
    let logs: Vec<_> = q
        .voters
        .iter()
        .map(|v| v.log.entries().cloned().collect::<Vec<_>>())
        .collect();
    assert_eq!(
        logs[0], logs[1],
        "after truncation it holds the leader's log"
    );
    assert_eq!(logs[1], logs[2]);
    assert!(!sim.coordinator().metadata().topics.contains_key("doomed"));
}

#[test]
fn without_a_quorum_no_metadata_changes_but_partition_leaders_keep_serving() {
    let mut sim = kraft(Profile::KafkaDefaults, 3, 4);
    create_topic(&mut sim, "t", 3, 3, 1, false);
    add_producer(&mut sim, 0, Acks::Leader);
    let mut events = Vec::new();
    run_for(&mut sim, 3_000, &mut events);
    for n in [101, 102] {
        sim.apply(Command::Crash {
            node: NodeId::Controller(n),
        })
        .expect("crash");
    }
    let mut after = Vec::new();
    run_for(&mut sim, 5_000, &mut after);
    assert_eq!(sim.coordinator().active_controller(), None);
    let err = sim
        .apply(Command::CreateTopic {
            name: "x".into(),
            partitions: 1,
            replication_factor: 1,
            config: Default::default(),
        })
        .expect_err("no controller");
    assert_eq!(err.code, ErrorCode::NotController);
    let before = partitions(&sim);
    let victim = 3;
    crash(&mut sim, victim);
    let serving: Vec<u32> = before
        .values()
        .filter(|p| p.leader != victim)
        .map(|p| p.tp.partition)
        .collect();
    assert!(!serving.is_empty());
    let ids: Vec<u64> = serving
        .iter()
        .flat_map(|&p| produce_to(&mut sim, 0, "t", p, 3))
        .collect();
    run_for(&mut sim, 30_000, &mut after);
    assert!(
        fenced(&after).is_empty(),
        "nobody can fence broker {victim}"
    );
    assert_eq!(partitions(&sim), before, "metadata unchanged");
    for id in ids {
        assert!(
            matches!(acked_offset(&after, id), Some(Some(_))),
            "record {id} acknowledged by a live leader"
        );
    }
}

/// The outcome of a broker crash is decided by the same `ClusterMetadata` code in both modes:
/// each partition the broker led goes to the first live ISR member, and it leaves every ISR.
#[test]
fn a_broker_crash_gives_the_same_partition_outcome_in_builtin_and_kraft_modes() {
    let mut outcomes = Vec::new();
    for mode in [CoordinatorMode::Builtin, CoordinatorMode::Kraft] {
        let mut sim = Sim::new(
            ClusterConfig::new(Profile::KafkaDefaults, 3).with_mode(mode),
            5,
        )
        .expect("config");
        create_topic(&mut sim, "t", 6, 3, 2, false);
        let mut events = Vec::new();
        run_for(&mut sim, 5_000, &mut events);
        let before = partitions(&sim);
        crash(&mut sim, 2);
        run_for(&mut sim, 15_000, &mut events);
        let after = partitions(&sim);
        let mut outcome = Vec::new();
        for (tp, old) in &before {
            let new = &after[tp];
            let expected_isr: Vec<i32> = old.isr.iter().copied().filter(|&b| b != 2).collect();
            let expected_leader = if old.leader == 2 {
                expected_isr[0]
            } else {
                old.leader
            };
            assert_eq!(
                (new.leader, &new.isr),
                (expected_leader, &expected_isr),
                "{mode:?} {tp}"
            );
            outcome.push((
                old.replicas.clone(),
                new.leader_epoch - old.leader_epoch,
                new.partition_epoch - old.partition_epoch,
            ));
        }
        outcomes.push(outcome);
    }
    // The same epoch bumps per partition (modulo placement, which draws from the seed).
    let bumps = |o: &Vec<(Vec<i32>, i32, i32)>| {
        let mut v: Vec<(i32, i32)> = o.iter().map(|(_, l, p)| (*l, *p)).collect();
        v.sort();
        v
    };
    assert_eq!(bumps(&outcomes[0]), bumps(&outcomes[1]));
}

#[test]
fn the_same_seed_gives_the_same_event_trace_in_kraft_mode() {
    let run = || {
        let mut sim = kraft(Profile::Teaching, 3, 9);
        create_topic(&mut sim, "t", 3, 3, 2, false);
        add_producer(&mut sim, 0, Acks::All);
        produce(&mut sim, 0, "t", Some("k"), "v");
        let mut events = Vec::new();
        run_for(&mut sim, 2_000, &mut events);
        sim.apply(Command::Crash {
            node: NodeId::Controller(100),
        })
        .expect("crash");
        crash(&mut sim, 1);
        run_for(&mut sim, 10_000, &mut events);
        format!("{events:?}")
    };
    assert_eq!(run(), run());
}

#[test]
fn combined_mode_survives_the_crash_of_the_broker_hosting_the_active_controller() {
    let mut config = kraft_config(Profile::Teaching, 3);
    config.coordinator.kraft_combined = true;
    let mut sim = Sim::new(config, 6).expect("config");
    assert_eq!(
        sim.coordinator().active_controller(),
        Some(NodeId::Controller(1))
    );
    create_topic(&mut sim, "t", 3, 3, 2, false);
    add_producer(&mut sim, 0, Acks::All);
    let mut events = Vec::new();
    run_for(&mut sim, 3_000, &mut events);
    crash(&mut sim, 1);
    assert!(
        !sim.is_up(NodeId::Controller(1)),
        "the voter shares the process"
    );
    let mut after = Vec::new();
    run_for(&mut sim, 10_000, &mut after);
    let act = activations(&after);
    assert_eq!(act.len(), 1);
    assert!(matches!(act[0].1, NodeId::Controller(2 | 3)));
    assert_eq!(
        fenced(&after).iter().map(|f| f.1).collect::<Vec<_>>(),
        vec![1]
    );
    for p in partitions(&sim).values() {
        assert!(p.leader != 1 && p.leader != NO_LEADER && !p.isr.contains(&1));
    }
    let id = produce(&mut sim, 0, "t", Some("k"), "v");
    run_for(&mut sim, 3_000, &mut after);
    assert!(matches!(acked_offset(&after, id), Some(Some(_))));
    // Restart: the broker re-registers with a new broker epoch and is unfenced once caught up.
    let old_epoch = sim.coordinator().metadata().brokers[&1].broker_epoch;
    restart(&mut sim, 1);
    run_for(&mut sim, 5_000, &mut after);
    let reg = &sim.coordinator().metadata().brokers[&1];
    assert!(reg.broker_epoch > old_epoch && !reg.fenced);
    assert!(after.iter().any(|e| matches!(
        &e.kind,
        EventKind::Kraft(KraftEvent::BrokerRegistered { broker: 1, .. })
    )));
    no_pushes(&after);
}

#[test]
fn one_and_five_voter_quorums_elect_and_fail_over() {
    for voters in [1, 5] {
        let mut config = kraft_config(Profile::Teaching, 3);
        config.coordinator.kraft_voters = voters;
        let mut sim = Sim::new(config, 7).expect("config");
        create_topic(&mut sim, "t", 2, 3, 2, false);
        let mut events = Vec::new();
        run_for(&mut sim, 2_000, &mut events);
        sim.apply(Command::Crash {
            node: NodeId::Controller(100),
        })
        .expect("crash");
        run_for(&mut sim, 10_000, &mut events);
        if voters == 1 {
            assert_eq!(sim.coordinator().active_controller(), None);
            sim.apply(Command::Restart {
                node: NodeId::Controller(100),
            })
            .expect("restart");
            run_for(&mut sim, 5_000, &mut events);
            // It resumes from its quorum-state file and log, in a new epoch.
            assert_eq!(
                sim.coordinator().active_controller(),
                Some(NodeId::Controller(100))
            );
        } else {
            let active = sim.coordinator().active_controller().expect("failed over");
            assert_ne!(active, NodeId::Controller(100));
        }
        create_topic(&mut sim, "later", 1, 3, 2, false);
        run_for(&mut sim, 3_000, &mut events);
        assert!(sim.coordinator().metadata().topics.contains_key("later"));
    }
}

#[test]
fn preferred_leader_election_and_auto_rebalance_work_through_the_log() {
    let mut sim = kraft(Profile::Teaching, 3, 8);
    create_topic(&mut sim, "t", 3, 3, 2, false);
    let mut events = Vec::new();
    run_for(&mut sim, 2_000, &mut events);
    let before = partitions(&sim);
    crash(&mut sim, 1);
    run_for(&mut sim, 6_000, &mut events);
    restart(&mut sim, 1);
    run_for(&mut sim, 10_000, &mut events);
    // Broker 1 is back in every ISR but leads nothing until a preferred election.
    let mid = partitions(&sim);
    assert!(mid.values().all(|p| p.leader != 1 && p.isr.contains(&1)));
    sim.apply(Command::ElectPreferredLeaders { partitions: None })
        .expect("elect");
    run_for(&mut sim, 2_000, &mut events);
    let after = partitions(&sim);
    for (tp, p) in &after {
        assert_eq!(p.leader, before[tp].replicas[0], "{tp}");
        assert!(sim.replica(p.leader, tp).expect("replica").is_leader());
    }
}

/// What one measurement run saw (simulated ms).
#[derive(Debug, PartialEq)]
struct Timings {
    /// Crash of the active controller -> a new one is active (KRaft only).
    failover_ms: Option<u64>,
    /// Crash of a broker -> the controller fences it.
    detection_ms: u64,
    /// Crash of a broker -> the last of its partitions has a new leader acting on it.
    leaders_moved_ms: u64,
}

fn measure(mode: CoordinatorMode, partitions: i32) -> Timings {
    let mut sim = Sim::new(
        ClusterConfig::new(Profile::KafkaDefaults, 3).with_mode(mode),
        1,
    )
    .expect("config");
    create_topic(&mut sim, "t", partitions, 3, 2, false);
    sim.run_until(10_000);
    sim.drain_events();
    let mut failover_ms = None;
    if mode == CoordinatorMode::Kraft {
        let t0 = sim.now();
        sim.apply(Command::Crash {
            node: NodeId::Controller(100),
        })
        .expect("crash");
        sim.run_until(t0 + 10_000);
        failover_ms = activations(&sim.drain_events())
            .first()
            .map(|(t, ..)| t - t0);
    }
    let t0 = sim.now() + 1_000; // between two heartbeats
    sim.run_until(t0);
    crash(&mut sim, 1);
    sim.run_until(t0 + 20_000);
    let events = sim.drain_events();
    let detection_ms = fenced(&events).first().expect("fenced").0 - t0;
    let leaders_moved_ms = events
        .iter()
        .filter(|e| matches!(e.kind, EventKind::BecameLeader { .. }))
        .map(|e| e.time - t0)
        .max()
        .expect("new leaders");
    Timings {
        failover_ms,
        detection_ms,
        leaders_moved_ms,
    }
}

fn compare(partition_counts: &[i32]) {
    let mut kraft_failovers = Vec::new();
    for &n in partition_counts {
        let b = measure(CoordinatorMode::Builtin, n);
        let k = measure(CoordinatorMode::Kraft, n);
        eprintln!("{n:>6} partitions: builtin {b:?}\n{:>20} kraft   {k:?}", "");
        // Broker failure detection is the session timeout (9 s) after the last heartbeat
        // (sent every 2 s; the crash is 1 s after one), in both modes.
        for t in [&b, &k] {
            assert!((8_000..8_100).contains(&t.detection_ms), "{t:?}");
            assert!(t.leaders_moved_ms >= t.detection_ms);
            assert!(t.leaders_moved_ms - t.detection_ms < 100, "{t:?}");
        }
        kraft_failovers.push(k.failover_ms.expect("failed over"));
    }
    // KRaft failover does not depend on the partition count: the standby has the log.
    for f in &kraft_failovers {
        assert!((1_500..=4_200).contains(f), "{kraft_failovers:?}");
    }
    assert!(
        kraft_failovers.windows(2).all(|w| w[0] == w[1]),
        "same seed, same failover regardless of partitions: {kraft_failovers:?}"
    );
}

#[test]
fn failover_and_failure_detection_times_do_not_grow_with_the_partition_count() {
    compare(&[10, 1_000]);
}

/// The 10,000-partition point of the comparison (a few seconds in release mode:
/// `cargo test --release -p kafkascope-core --test kraft -- --ignored`).
#[test]
#[ignore]
fn failover_and_failure_detection_times_with_ten_thousand_partitions() {
    compare(&[10, 1_000, 10_000]);
}

#[test]
fn the_snapshot_shows_the_quorum_and_countdowns_name_election_and_session_deadlines() {
    use kafkascope_core::snapshot::{
        BrokerRegistrationState, CoordinatorSnapshot, Countdown, RaftState,
    };
    let mut sim = kraft(Profile::KafkaDefaults, 3, 10);
    let mut events = Vec::new();
    run_for(&mut sim, 3_000, &mut events);
    let CoordinatorSnapshot::Kraft(k) = sim.snapshot().controller.coordinator else {
        panic!("KRaft snapshot");
    };
    assert_eq!((k.epoch, k.leader, k.combined), (1, Some(100), false));
    let states: Vec<RaftState> = k.voters.iter().map(|v| v.state).collect();
    assert_eq!(
        states,
        vec![RaftState::Leader, RaftState::Follower, RaftState::Follower]
    );
    assert!(
        k.voters
            .iter()
            .all(|v| v.high_watermark == k.high_watermark)
    );
    assert_eq!(k.brokers.len(), 3);
    assert!(k.brokers.iter().all(
        |b| b.state == BrokerRegistrationState::Unfenced && b.metadata_offset > b.broker_epoch
    ));
    let now = sim.now();
    let cds = sim.countdowns();
    let elections: Vec<i32> = cds
        .iter()
        .filter_map(|c| match c {
            // A follower's fetch timeout: at most 2 s ahead (reset by every fetch response).
            Countdown::ElectionTimeout { voter, at } if *at > now && *at <= now + 2_000 => {
                Some(*voter)
            }
            _ => None,
        })
        .collect();
    assert_eq!(elections, vec![101, 102]);
    let sessions = cds
        .iter()
        .filter(
            |c| matches!(c, Countdown::BrokerSession { at, .. } if *at > now && *at <= now + 9_000),
        )
        .count();
    assert_eq!(sessions, 3);
    // A crashed broker's session runs out and it shows fenced.
    crash(&mut sim, 2);
    run_for(&mut sim, 12_000, &mut events);
    let CoordinatorSnapshot::Kraft(k) = sim.snapshot().controller.coordinator else {
        panic!("KRaft snapshot");
    };
    let b2 = k.brokers.iter().find(|b| b.id == 2).expect("broker 2");
    assert_eq!(b2.state, BrokerRegistrationState::Fenced);
    assert!(
        !sim.countdowns()
            .iter()
            .any(|c| matches!(c, Countdown::BrokerSession { broker: 2, .. }))
    );
}

#[test]
fn auto_leader_rebalance_moves_leadership_back_to_preferred_replicas_in_kraft_mode() {
    let mut sim = kraft(Profile::Teaching, 3, 11);
    create_topic(&mut sim, "t", 3, 3, 2, false);
    let mut events = Vec::new();
    run_for(&mut sim, 2_000, &mut events);
    let before = partitions(&sim);
    crash(&mut sim, 1);
    run_for(&mut sim, 6_000, &mut events);
    restart(&mut sim, 1);
    run_for(&mut sim, 5_000, &mut events);
    assert!(partitions(&sim).values().all(|p| p.leader != 1));
    // leader.imbalance.check.interval (30 s in the teaching profile) later, without a command.
    run_for(&mut sim, 31_000, &mut events);
    for (tp, p) in partitions(&sim) {
        assert_eq!(p.leader, before[&tp].replicas[0], "{tp}");
    }
    assert!(events.iter().any(|e| matches!(
        &e.kind,
        EventKind::LeaderElected {
            reason: kafkascope_core::event::ElectionReason::Preferred,
            ..
        }
    )));
    no_pushes(&events);
}

#[test]
fn kraft_rebalances_every_imbalanced_partition_without_the_ten_percent_threshold() {
    // QuorumController's maybeBalancePartitionLeaders elects the preferred leader of every
    // imbalanced partition; leader.imbalance.per.broker.percentage is ZooKeeper mode's.
    let mut sim = kraft(Profile::Teaching, 3, 11);
    create_topic(&mut sim, "t", 33, 3, 2, false);
    let mut events = Vec::new();
    run_for(&mut sim, 2_000, &mut events);
    crash(&mut sim, 1);
    run_for(&mut sim, 6_000, &mut events);
    restart(&mut sim, 1);
    run_for(&mut sim, 5_000, &mut events);
    let preferring_1: Vec<TopicPartition> = partitions(&sim)
        .values()
        .filter(|p| p.replicas[0] == 1)
        .map(|p| p.tp.clone())
        .collect();
    assert!(preferring_1.len() > 10, "{}", preferring_1.len());
    // All but one go back by hand: broker 1 is then imbalanced by 1 of 11 or more, under 10 %.
    let (left, by_hand) = preferring_1.split_last().unwrap();
    sim.apply(Command::ElectPreferredLeaders {
        partitions: Some(by_hand.to_vec()),
    })
    .expect("elect");
    run_for(&mut sim, 2_000, &mut events);
    assert_ne!(partitions(&sim)[left].leader, 1);
    run_for(&mut sim, 31_000, &mut events);
    assert_eq!(
        partitions(&sim)[left].leader,
        1,
        "{left} led by its preferred replica"
    );
}

#[test]
fn kraft_places_replicas_on_fenced_brokers_last_and_checks_rf_against_registered_ones() {
    // StripedReplicaPlacer: RF counts every registered broker; a fenced one is placed only
    // when needed, never first, and is left out of the new partition's ISR.
    for seed in 0..6 {
        let mut sim = kraft(Profile::Teaching, 3, seed);
        let mut events = Vec::new();
        run_for(&mut sim, 1_000, &mut events);
        crash(&mut sim, 3);
        run_for(&mut sim, 6_000, &mut events);
        assert_eq!(fenced(&events).last().map(|f| f.1), Some(3), "seed {seed}");
        create_topic(&mut sim, "t", 4, 3, 1, false);
        run_for(&mut sim, 1_000, &mut events);
        for p in partitions(&sim).values() {
            assert_eq!(p.replicas.len(), 3, "seed {seed}: {p:?}");
            assert_ne!(p.replicas[0], 3, "seed {seed}: a fenced leader {p:?}");
            assert_eq!(
                p.replicas[2], 3,
                "seed {seed}: the fenced broker last {p:?}"
            );
            assert_eq!(p.leader, p.replicas[0]);
            assert!(!p.isr.contains(&3), "seed {seed}: {p:?}");
        }
        let too_many = sim.apply(Command::CreateTopic {
            name: "u".into(),
            partitions: 1,
            replication_factor: 4,
            config: Default::default(),
        });
        let e = too_many.expect_err("RF 4 on 3 registered brokers");
        assert_eq!(e.code, ErrorCode::InvalidReplicationFactor);
        assert_eq!(
            e.message,
            "Unable to replicate the partition 4 time(s): The target replication factor of 4 cannot be reached because only 3 broker(s) are registered."
        );
    }
}

#[test]
fn create_partitions_goes_through_the_log_and_the_new_leaders_start_leading() {
    let mut sim = kraft(Profile::Teaching, 3, 12);
    create_topic(&mut sim, "t", 2, 3, 2, false);
    let mut events = Vec::new();
    run_for(&mut sim, 1_000, &mut events);
    sim.apply(Command::AddPartitions {
        topic: "t".into(),
        partitions: 5,
    })
    .expect("add partitions");
    // Accepted by the active controller; committed and replayed a few round trips later.
    assert_eq!(
        sim.coordinator().admin_metadata().topics["t"]
            .partitions
            .len(),
        5
    );
    run_for(&mut sim, 1_000, &mut events);
    let after = partitions(&sim);
    assert_eq!(after.len(), 5);
    for p in after.values() {
        assert!(sim.replica(p.leader, &p.tp).expect("replica").is_leader());
        for b in sim.brokers().values() {
            assert!(b.metadata.partitions.contains_key(&p.tp));
        }
    }
    no_pushes(&events);
}

#[test]
fn the_whole_quorum_restarts_from_its_quorum_state_and_logs() {
    let mut sim = kraft(Profile::Teaching, 3, 13);
    create_topic(&mut sim, "t", 2, 3, 2, false);
    let mut events = Vec::new();
    run_for(&mut sim, 2_000, &mut events);
    let committed: Vec<_> = quorum(&sim).voters[0].log.entries().cloned().collect();
    let epoch = quorum(&sim).voters[0].epoch;
    for n in [100, 101, 102] {
        sim.apply(Command::Crash {
            node: NodeId::Controller(n),
        })
        .expect("crash");
    }
    run_for(&mut sim, 5_000, &mut events);
    assert_eq!(sim.coordinator().active_controller(), None);
    for n in [100, 101, 102] {
        sim.apply(Command::Restart {
            node: NodeId::Controller(n),
        })
        .expect("restart");
    }
    let mut after = Vec::new();
    run_for(&mut sim, 8_000, &mut after);
    let act = activations(&after);
    assert_eq!(act.len(), 1, "{act:?}");
    assert!(act[0].2 > epoch, "a new epoch");
    for v in &quorum(&sim).voters {
        // Everything committed before the crash is still there, in the same place.
        let prefix: Vec<_> = v.log.entries().take(committed.len()).cloned().collect();
        assert_eq!(prefix, committed);
        assert_eq!(v.epoch, act[0].2);
    }
    create_topic(&mut sim, "after", 1, 3, 2, false);
    run_for(&mut sim, 2_000, &mut after);
    assert!(sim.coordinator().metadata().topics.contains_key("after"));
    assert!(
        fenced(&after).is_empty(),
        "brokers got fresh sessions from the new controller"
    );
}

/// When one standby's fetch timeout expires well before the other's (here one link to the
/// old leader is 200 ms slower, so the two fetch cycles are out of phase), it wins epoch + 1
/// in one round trip: its fetch timeout (2 s after its last fetch response) plus the vote and
/// the LeaderChange commit.
#[test]
fn a_standby_that_times_out_alone_wins_the_next_epoch_in_one_round_trip() {
    let mut sim = kraft(Profile::KafkaDefaults, 3, 14);
    sim.apply(Command::SetLinkLatency {
        a: NodeId::Controller(100),
        b: NodeId::Controller(101),
        latency_ms: 200,
    })
    .expect("latency");
    let mut events = Vec::new();
    run_for(&mut sim, 5_000, &mut events);
    let t0 = sim.now();
    sim.apply(Command::Crash {
        node: NodeId::Controller(100),
    })
    .expect("crash");
    let mut after = Vec::new();
    run_for(&mut sim, 10_000, &mut after);
    let act = activations(&after);
    assert_eq!(act.len(), 1, "{act:?}");
    let (t, node, epoch) = act[0];
    assert_eq!(epoch, 2, "no split vote");
    let NodeId::Controller(winner) = node else {
        unreachable!()
    };
    let other = if winner == 101 { 102 } else { 101 };
    // Its last fetch response came at most one fetch cycle before the crash: the 500 ms hold
    // plus a round trip (400 ms on the slow link).
    let took = t - t0;
    assert!((1_100..=2_100).contains(&took), "took {took} ms");
    // The other standby, still following the dead leader, granted its vote at once.
    assert!(after.iter().any(|e| matches!(
        &e.kind,
        EventKind::Kraft(KraftEvent::VoteGranted { voter, candidate, epoch: 2 })
            if *voter == other && *candidate == winner
    )));
    assert!(!after.iter().any(|e| matches!(
        &e.kind,
        EventKind::Kraft(KraftEvent::BecameCandidate { voter, .. }) if *voter == other
    )));
}

/// A broker restarted while the controller it last knew is still down finds the new active
/// controller among the configured voters, registers and is unfenced once caught up.
#[test]
fn a_broker_restarted_after_a_controller_failover_registers_with_the_new_controller() {
    let mut sim = kraft(Profile::Teaching, 3, 3);
    create_topic(&mut sim, "t", 2, 3, 2, false);
    let mut events = Vec::new();
    run_for(&mut sim, 1_000, &mut events);
    sim.apply(Command::Crash {
        node: NodeId::Controller(100),
    })
    .expect("crash");
    run_for(&mut sim, 500, &mut events);
    crash(&mut sim, 2);
    run_for(&mut sim, 8_000, &mut events);
    let active = sim.coordinator().active_controller().expect("failed over");
    let old_epoch = sim.coordinator().metadata().brokers[&2].broker_epoch;
    restart(&mut sim, 2);
    let mut after = Vec::new();
    run_for(&mut sim, 6_000, &mut after);
    let reg = &sim.coordinator().metadata().brokers[&2];
    assert!(reg.broker_epoch > old_epoch && !reg.fenced, "{reg:?}");
    assert_eq!(sim.brokers()[&2].controller, active);
    assert!(partitions(&sim).values().all(|p| p.isr.contains(&2)));
}

/// A lone voter keeps starting elections it cannot win (epochs 2, 3, ...); brokers hear those
/// epochs in its NOT_LEADER answers. When it dies and the other two come back, they elect a
/// leader in a lower epoch than the lone candidate reached (they never saw its epochs). The
/// brokers must follow that leader: an observer adopts an epoch only with a leader.
#[test]
fn brokers_follow_a_leader_elected_in_a_lower_epoch_than_a_failed_candidate_reached() {
    let mut sim = kraft(Profile::Teaching, 3, 15);
    create_topic(&mut sim, "t", 1, 3, 2, false);
    let mut events = Vec::new();
    run_for(&mut sim, 1_000, &mut events);
    for n in [101, 102] {
        sim.apply(Command::Crash {
            node: NodeId::Controller(n),
        })
        .expect("crash");
    }
    run_for(&mut sim, 20_000, &mut events);
    let lone_epoch = quorum(&sim).voters[0].epoch;
    assert!(
        lone_epoch >= 4,
        "the lone voter kept campaigning: {lone_epoch}"
    );
    sim.apply(Command::Crash {
        node: NodeId::Controller(100),
    })
    .expect("crash");
    for n in [101, 102] {
        sim.apply(Command::Restart {
            node: NodeId::Controller(n),
        })
        .expect("restart");
    }
    let mut after = Vec::new();
    run_for(&mut sim, 15_000, &mut after);
    let active = sim
        .coordinator()
        .active_controller()
        .expect("101/102 elected");
    let epoch = activations(&after).last().expect("activated").2;
    assert!(
        epoch < lone_epoch,
        "elected in epoch {epoch} < {lone_epoch}"
    );
    create_topic(&mut sim, "later", 1, 3, 2, false);
    run_for(&mut sim, 3_000, &mut after);
    for b in sim.brokers().values() {
        assert_eq!(b.controller, active, "broker {}", b.id);
        assert!(
            b.metadata
                .partitions
                .contains_key(&TopicPartition::new("later", 0))
        );
    }
    assert!(
        fenced(&after).is_empty(),
        "every broker reached the new controller"
    );
}

#[test]
fn with_every_voter_down_the_quorum_shows_the_last_epoch_and_no_leader() {
    use kafkascope_core::snapshot::CoordinatorSnapshot;
    let mut sim = kraft(Profile::Teaching, 3, 1);
    let mut events = Vec::new();
    run_for(&mut sim, 1_000, &mut events);
    for id in [100, 101, 102] {
        sim.apply(Command::Crash {
            node: NodeId::Controller(id),
        })
        .expect("crash");
    }
    run_for(&mut sim, 1_000, &mut events);
    let CoordinatorSnapshot::Kraft(k) = sim.snapshot().controller.coordinator else {
        panic!("KRaft snapshot");
    };
    assert_eq!((k.epoch, k.leader), (1, None));
}

/// `ClusterControlManager.registerBroker`: a broker restarted within its session timeout
/// is refused (DUPLICATE_BROKER_REGISTRATION) while its previous incarnation's session is
/// valid, so its partitions stay with the dead incarnation until the session expires, 9 s
/// after its last heartbeat. It retries with `BrokerLifecycleManager`'s backoff (100 ms
/// doubling, 2 % jitter) and registers once the controller has fenced the old incarnation.
#[test]
fn a_broker_restarted_within_its_session_is_refused_until_the_session_expires() {
    let mut sim = kraft(Profile::KafkaDefaults, 3, 5);
    create_topic(&mut sim, "t", 3, 3, 2, false);
    let mut events = Vec::new();
    run_for(&mut sim, 5_000, &mut events);
    let led: Vec<TopicPartition> = partitions(&sim)
        .into_iter()
        .filter(|(_, p)| p.leader == 2)
        .map(|(tp, _)| tp)
        .collect();
    assert!(!led.is_empty(), "broker 2 leads a partition");
    let old_epoch = sim.coordinator().metadata().brokers[&2].broker_epoch;
    let crashed_at = sim.now();
    crash(&mut sim, 2);
    run_for(&mut sim, 1_000, &mut events);
    restart(&mut sim, 2);
    let mut after = Vec::new();
    run_for(&mut sim, 4_000, &mut after);
    let refused = after
        .iter()
        .filter(|e| {
            matches!(
                &e.kind,
                EventKind::Kraft(KraftEvent::RegistrationRefused { broker: 2, .. })
            )
        })
        .count();
    assert!(refused >= 3, "refused {refused} times");
    // Still the old incarnation, unfenced, leading what it led.
    let reg = &sim.coordinator().metadata().brokers[&2];
    assert!(reg.broker_epoch == old_epoch && !reg.fenced, "{reg:?}");
    let now = partitions(&sim);
    assert!(led.iter().all(|tp| now[tp].leader == 2), "{now:?}");
    // The restarted broker, not registered, applies no roles: it neither leads what the
    // metadata says its old incarnation leads nor fetches as a follower.
    let b2 = &sim.brokers()[&2];
    assert!(
        b2.partitions
            .values()
            .all(|p| !p.is_leader() && p.state.leader == NO_LEADER),
        "{:?}",
        b2.partitions
    );

    run_for(&mut sim, 12_000, &mut after);
    let fenced_at = fenced(&after)
        .into_iter()
        .find(|&(_, b)| b == 2)
        .map(|(t, _)| t)
        .expect("the old incarnation's session expired");
    // Its last heartbeat came at most one interval (2 s) before the crash.
    assert!(
        fenced_at >= crashed_at + 7_000 && fenced_at <= crashed_at + 9_000,
        "fenced at {fenced_at}, crashed at {crashed_at}"
    );
    let reg = &sim.coordinator().metadata().brokers[&2];
    assert!(reg.broker_epoch > old_epoch && !reg.fenced, "{reg:?}");
    // The retries back off: each gap about twice the one before (within the 2 % jitter).
    let sends: Vec<u64> = sent(&after)
        .filter(|(_, from, _, m)| {
            *from == NodeId::Broker(2)
                && matches!(m, Message::Kraft(KraftMessage::BrokerRegistration { .. }))
        })
        .map(|(t, ..)| t)
        .collect();
    let gaps: Vec<u64> = sends.windows(2).map(|w| w[1] - w[0]).collect();
    assert!(gaps.len() >= 4, "{sends:?}");
    // One registration at a time: the heartbeat tick does not resend one in flight.
    assert!(gaps.iter().all(|&g| g >= 98), "{sends:?}");
    for w in gaps.windows(2).take(4) {
        assert!(
            w[1] * 100 >= w[0] * 190 && w[1] * 100 <= w[0] * 210 + 200,
            "gaps {gaps:?}"
        );
    }
}

/// `Partition.canAddReplicaToIsr`: a leader proposes a returning follower for the ISR only
/// once its metadata says the follower is eligible (unfenced). A restarted broker replicates
/// while still fenced; no AlterPartition for it may be sent, and refused, before then.
#[test]
fn a_fenced_follower_is_not_proposed_for_the_isr() {
    let mut sim = kraft(Profile::KafkaDefaults, 3, 5);
    create_topic(&mut sim, "t", 3, 3, 2, false);
    add_producer(&mut sim, 0, Acks::Leader);
    let mut events = Vec::new();
    run_for(&mut sim, 3_000, &mut events);
    crash(&mut sim, 2);
    for _ in 0..30 {
        produce(&mut sim, 0, "t", None, "v");
    }
    run_for(&mut sim, 15_000, &mut events);
    assert!(partitions(&sim).values().all(|p| !p.isr.contains(&2)));
    restart(&mut sim, 2);
    let mut after = Vec::new();
    run_for(&mut sim, 15_000, &mut after);
    assert!(
        partitions(&sim).values().all(|p| p.isr.contains(&2)),
        "broker 2 rejoined every ISR: {:?}",
        partitions(&sim)
    );
    let refused: Vec<_> = sent(&after)
        .filter(|(_, _, _, m)| matches!(m, Message::AlterPartitionResponse { error: Some(_), .. }))
        .map(|(t, _, to, m)| (t, to, m.clone()))
        .collect();
    assert!(refused.is_empty(), "{refused:?}");
}

/// `QuorumController.maybeScheduleNextBalancePartitionLeaders`: the auto leader rebalance
/// check is scheduled `leader.imbalance.check.interval` (30 s in the teaching profile) after
/// the write that left leaders imbalanced, not on a grid from the controller's activation:
/// leadership goes back about 30 s after the failover.
#[test]
fn kraft_checks_leader_balance_an_interval_after_the_failover() {
    let mut sim = kraft(Profile::Teaching, 3, 11);
    create_topic(&mut sim, "t", 3, 3, 2, false);
    let interval = sim.config().broker.leader_imbalance_check_interval_ms;
    let mut events = Vec::new();
    run_for(&mut sim, 20_000, &mut events);
    crash(&mut sim, 1);
    run_for(&mut sim, 6_000, &mut events);
    let fenced_at = fenced(&events)
        .into_iter()
        .find(|&(_, b)| b == 1)
        .map(|(t, _)| t)
        .expect("broker 1 fenced");
    restart(&mut sim, 1);
    run_for(&mut sim, 40_000, &mut events);
    let preferred: Vec<u64> = events
        .iter()
        .filter(|e| {
            matches!(
                &e.kind,
                EventKind::LeaderElected {
                    reason: kafkascope_core::event::ElectionReason::Preferred,
                    ..
                }
            )
        })
        .map(|e| e.time)
        .collect();
    let first = *preferred.first().expect("leadership went back");
    // The fencing's write starts the interval; the check elects once it has passed.
    assert!(
        first >= fenced_at + interval && first < fenced_at + interval + 1_000,
        "preferred elections at {preferred:?}, broker 1 fenced at {fenced_at}"
    );
}

/// `BrokerLifecycleManager` has one registration in flight at a time: the heartbeat tick
/// (every 0.5 s in the teaching profile) does not send another while one is unanswered.
#[test]
fn a_restarted_broker_sends_one_registration_at_a_time() {
    let mut sim = kraft(Profile::Teaching, 3, 1);
    create_topic(&mut sim, "t", 3, 3, 2, false);
    let mut events = Vec::new();
    run_for(&mut sim, 1_500, &mut events);
    crash(&mut sim, 2);
    run_for(&mut sim, 500, &mut events);
    restart(&mut sim, 2);
    let mut after = Vec::new();
    run_for(&mut sim, 4_000, &mut after);
    let sends: Vec<u64> = sent(&after)
        .filter(|(_, from, _, m)| {
            *from == NodeId::Broker(2)
                && matches!(m, Message::Kraft(KraftMessage::BrokerRegistration { .. }))
        })
        .map(|(t, ..)| t)
        .collect();
    assert!(sends.len() >= 3, "{sends:?}");
    assert!(
        sends.windows(2).all(|w| w[1] - w[0] >= 98),
        "registrations sent at {sends:?}"
    );
}
