//! End-to-end behaviour of producing and replicating through the simulated network.

mod common;
use common::*;
use kafkascope_core::config::Acks;
use kafkascope_core::{EventKind, TopicPartition};

#[test]
fn keyed_record_lands_in_murmur2_partition_and_is_replicated_to_all_isr() {
    let mut sim = teaching(3, 1);
    let mut ev = Vec::new();
    create_topic(&mut sim, "orders", 3, 3, 2, false);
    add_producer(&mut sim, 0, Acks::All);
    run_for(&mut sim, 1_000, &mut ev);
    let id = produce(&mut sim, 0, "orders", Some("customer-123"), "order-1");
    run_for(&mut sim, 2_000, &mut ev);
    // customer-123 -> partition 0 of 3 (kafka-reference.md section 1).
    let placed = ev.iter().find_map(|e| match &e.kind {
        EventKind::RecordPartitioned { record, tp, .. } if *record == id => Some(tp.clone()),
        _ => None,
    });
    assert_eq!(placed, Some(TopicPartition::new("orders", 0)));
    assert_eq!(acked_offset(&ev, id), Some(Some(0)));
    let tp = TopicPartition::new("orders", 0);
    for b in isr_of(&sim, "orders", 0) {
        let r = sim.replica(b, &tp).expect("replica");
        assert_eq!(r.log.log_end_offset(), 1, "broker {b} LEO");
        assert_eq!(r.log.high_watermark(), 1, "broker {b} HW");
    }
}
