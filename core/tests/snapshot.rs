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
    let at = session(&s, 2).expect("broker 2 has a session deadline");
    assert!(at > s.time && at <= s.time + sim.config().broker.broker_session_timeout_ms);
    crash(&mut sim, 2);
    run_for(&mut sim, 1_000, &mut ev);
    // Silent now: the deadline stops moving and comes closer.
    let s = sim.snapshot();
    let at_after_crash = session(&s, 2).expect("still counting down");
    assert!(at_after_crash <= at + 1_000);
    run_for(&mut sim, 4_000, &mut ev);
    let s = sim.snapshot();
    let b2 = s.brokers.iter().find(|b| b.id == 2).unwrap();
    assert!(!b2.up && !b2.live);
    assert!(b2.replicas.iter().all(|r| !r.in_isr));
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
