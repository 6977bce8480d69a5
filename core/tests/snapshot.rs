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
    crash(&mut sim, 2);
    run_for(&mut sim, 5_000, &mut ev);
    let s = sim.snapshot();
    let b2 = s.brokers.iter().find(|b| b.id == 2).unwrap();
    assert!(!b2.up && !b2.live);
    assert!(b2.replicas.iter().all(|r| !r.in_isr));
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
