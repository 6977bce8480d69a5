//! The snapshot carries what a picture needs, and survives a JSON round trip.

mod common;
use common::*;
use kafkascope_core::snapshot::{ReplicaRole, Snapshot};

#[test]
fn snapshot_shows_roles_isr_and_metrics_through_a_broker_failure() {
    let mut sim = teaching(3, 11);
    let mut ev = Vec::new();
    create_topic(&mut sim, "orders", 3, 3, 2, false);
    run_for(&mut sim, 1_000, &mut ev);
    let s = sim.snapshot();
    assert_eq!(s.metrics.under_replicated_partitions, 0);
    assert_eq!(s.metrics.active_controller_count, 1);
    for t in &s.topics {
        for p in &t.partitions {
            let b = s.brokers.iter().find(|b| b.id == p.leader).unwrap();
            let r = b
                .replicas
                .iter()
                .find(|r| r.tp.partition == p.partition)
                .unwrap();
            assert_eq!(r.role, ReplicaRole::Leader);
            assert!(r.in_isr);
        }
    }
    // Every live broker has a session deadline one timeout after its last heartbeat.
    let session = |s: &Snapshot, b: i32| {
        s.countdowns.iter().find_map(|c| match c {
            kafkascope_core::snapshot::Countdown::BrokerSession { broker, at } if *broker == b => {
                Some(*at)
            }
            _ => None,
        })
    };
    let led_by_2: Vec<u32> = s.topics[0]
        .partitions
        .iter()
        .filter(|p| p.leader == 2)
        .map(|p| p.partition)
        .collect();
    assert_eq!(led_by_2.len(), 1, "one of three partitions per broker");
    let at = session(&s, 2).expect("broker 2 has a session deadline");
    assert!(at > s.time && at <= s.time + sim.config().broker.broker_session_timeout_ms);
    crash(&mut sim, 2);
    run_for(&mut sim, 1_000, &mut ev);
    // Silent now: the deadline stops moving and comes closer.
    let s = sim.snapshot();
    let at_after_crash = session(&s, 2).expect("still counting down");
    assert!(at_after_crash <= at + 1_000);
    // Down, and not yet noticed: it leads nothing, but the controller still names it leader
    // of what it led.
    let b2 = s.brokers.iter().find(|b| b.id == 2).unwrap();
    assert!(b2.replicas.iter().all(|r| r.role == ReplicaRole::None));
    let named: Vec<u32> = b2
        .replicas
        .iter()
        .filter(|r| r.named_leader)
        .map(|r| r.tp.partition)
        .collect();
    assert_eq!(named, led_by_2);
    run_for(&mut sim, 4_000, &mut ev);
    let s = sim.snapshot();
    let b2 = s.brokers.iter().find(|b| b.id == 2).unwrap();
    assert!(!b2.up && !b2.live);
    assert!(b2.replicas.iter().all(|r| !r.in_isr));
    // A crashed broker holds no role: each partition has exactly one leader, on a running
    // broker, though broker 2 led one of them before it crashed.
    assert!(b2.replicas.iter().all(|r| r.role == ReplicaRole::None));
    for p in 0..3 {
        let leaders: Vec<i32> = s
            .brokers
            .iter()
            .filter(|b| {
                b.replicas
                    .iter()
                    .any(|r| r.tp.partition == p && r.role == ReplicaRole::Leader)
            })
            .map(|b| b.id)
            .collect();
        assert_eq!(leaders.len(), 1, "orders-{p} is led by {leaders:?}");
        assert_ne!(leaders[0], 2);
        // Once the controller has moved leadership, it names the broker that leads.
        let named: Vec<i32> = s
            .brokers
            .iter()
            .filter(|b| {
                b.replicas
                    .iter()
                    .any(|r| r.tp.partition == p && r.named_leader)
            })
            .map(|b| b.id)
            .collect();
        assert_eq!(named, leaders, "orders-{p}");
    }
    assert_eq!(session(&s, 2), None, "fenced: no more countdown");
    assert_eq!(s.metrics.under_replicated_partitions, 3);
    assert_eq!(s.metrics.offline_partitions, 0);
    assert!(
        !s.in_flight.is_empty(),
        "heartbeats and fetches are on the wire"
    );
    let json = serde_json::to_string(&s).unwrap();
    let back: Snapshot = serde_json::from_str(&json).unwrap();
    assert_eq!(back, s);
}

/// Broker-to-broker fetches (requests and responses) on the wire now.
fn replica_fetches_on_wire(s: &Snapshot) -> usize {
    use kafkascope_core::NodeId::Broker;
    s.in_flight
        .iter()
        .filter(|m| m.api.starts_with("Fetch") && matches!((m.from, m.to), (Broker(_), Broker(_))))
        .count()
}

#[test]
fn fetch_purgatory_size_counts_the_fetches_leaders_hold_while_the_wire_is_quiet() {
    let mut sim = teaching(3, 11);
    let mut ev = Vec::new();
    // Each broker leads one partition and follows the other two: six follower-leader pairs,
    // each with exactly one fetch outstanding (on the wire or parked at the leader).
    create_topic(&mut sim, "orders", 3, 3, 2, false);
    run_for(&mut sim, 3_000, &mut ev);
    let mut quiet = 0;
    for _ in 0..40 {
        run_for(&mut sim, 37, &mut ev);
        let s = sim.snapshot();
        assert_eq!(
            s.metrics.fetch_purgatory_size + replica_fetches_on_wire(&s),
            6,
            "at {} ms every follower's fetch is parked or on the wire",
            s.time
        );
        if s.in_flight.is_empty() {
            assert_eq!(s.metrics.fetch_purgatory_size, 6);
            quiet += 1;
        }
    }
    assert!(
        quiet > 10,
        "an idle cluster's wire is mostly quiet: {quiet} of 40 samples"
    );
    // A record wakes the fetches parked on its partition at once, long before their max
    // wait (500 ms) ends: produce just after every fetch was parked again.
    let mut was_full = true;
    loop {
        run_for(&mut sim, 1, &mut ev);
        let full = sim.snapshot().metrics.fetch_purgatory_size == 6;
        if full && !was_full {
            break;
        }
        was_full = full;
    }
    let parked_at = sim.now();
    add_producer(&mut sim, 1, kafkascope_core::config::Acks::Leader);
    produce(&mut sim, 1, "orders", None, "v");
    while sim.snapshot().metrics.fetch_purgatory_size == 6 {
        run_for(&mut sim, 1, &mut ev);
    }
    let woken_after = sim.now() - parked_at;
    println!("a parked fetch answered {woken_after} ms after the last park");
    assert!(
        woken_after < 300,
        "answered by the record, not by the max wait: {woken_after} ms"
    );
    // A crashed leader's purgatory is not counted: broker 2 holds two followers' fetches.
    while sim.snapshot().metrics.fetch_purgatory_size != 6 {
        run_for(&mut sim, 1, &mut ev);
    }
    crash(&mut sim, 2);
    assert_eq!(sim.snapshot().metrics.fetch_purgatory_size, 4);
}
