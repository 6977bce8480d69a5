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

#[test]
fn crashed_leader_is_replaced_by_an_isr_follower_without_losing_acked_records() {
    let mut sim = teaching(3, 2);
    let mut ev = Vec::new();
    create_topic(&mut sim, "orders", 1, 3, 2, false);
    add_producer(&mut sim, 0, Acks::All);
    run_for(&mut sim, 1_000, &mut ev);
    let ids: Vec<u64> = (0..5)
        .map(|i| produce(&mut sim, 0, "orders", Some("k"), &format!("v{i}")))
        .collect();
    run_for(&mut sim, 2_000, &mut ev);
    for id in &ids {
        assert!(acked_offset(&ev, *id).is_some(), "record {id} acked");
    }
    let old = leader_of(&sim, "orders", 0);
    crash(&mut sim, old);
    // Teaching profile: session timeout 3 s.
    run_for(&mut sim, 5_000, &mut ev);
    let new = leader_of(&sim, "orders", 0);
    assert_ne!(new, old);
    assert!(!isr_of(&sim, "orders", 0).contains(&old));
    let elected = ev.iter().any(|e| matches!(&e.kind, EventKind::LeaderElected { leader, previous_leader, .. } if *leader == new && *previous_leader == old));
    assert!(elected, "a LeaderElected event names the change");
    let tp = TopicPartition::new("orders", 0);
    let log = &sim.replica(new, &tp).unwrap().log;
    let held: Vec<u64> = log.records().map(|r| r.id).collect();
    assert_eq!(
        held, ids,
        "the new leader holds every acknowledged record in order"
    );
}

#[test]
fn follower_down_leaves_isr_after_lag_time_and_rejoins_after_restart() {
    let mut sim = teaching(3, 3);
    let mut ev = Vec::new();
    create_topic(&mut sim, "t", 1, 3, 1, false);
    add_producer(&mut sim, 0, Acks::Leader);
    run_for(&mut sim, 1_000, &mut ev);
    let leader = leader_of(&sim, "t", 0);
    let follower = *isr_of(&sim, "t", 0).iter().find(|&&b| b != leader).unwrap();
    // Cut the follower from the leader only: the controller still hears it, so only the
    // leader's ISR shrink (replica.lag.time.max.ms) can remove it.
    sim.apply(kafkascope_core::Command::CutLink {
        a: kafkascope_core::NodeId::Broker(leader),
        b: kafkascope_core::NodeId::Broker(follower),
    })
    .unwrap();
    for i in 0..3 {
        produce(&mut sim, 0, "t", None, &format!("v{i}"));
    }
    run_for(&mut sim, 3_000, &mut ev);
    assert!(
        isr_of(&sim, "t", 0).contains(&follower),
        "still in ISR before the lag time"
    );
    run_for(&mut sim, 4_000, &mut ev);
    assert!(
        !isr_of(&sim, "t", 0).contains(&follower),
        "dropped after replica.lag.time.max.ms"
    );
    sim.apply(kafkascope_core::Command::Heal).unwrap();
    run_for(&mut sim, 3_000, &mut ev);
    assert!(
        isr_of(&sim, "t", 0).contains(&follower),
        "back in ISR once caught up"
    );
    let tp = TopicPartition::new("t", 0);
    assert_eq!(sim.replica(follower, &tp).unwrap().log.log_end_offset(), 3);
}

#[test]
fn acks_all_below_min_isr_is_rejected_with_not_enough_replicas_and_nothing_is_written() {
    let mut sim = teaching(3, 4);
    let mut ev = Vec::new();
    create_topic(&mut sim, "t", 1, 3, 2, false);
    add_producer(&mut sim, 0, Acks::All);
    run_for(&mut sim, 1_000, &mut ev);
    let leader = leader_of(&sim, "t", 0);
    for b in isr_of(&sim, "t", 0) {
        if b != leader {
            crash(&mut sim, b);
        }
    }
    run_for(&mut sim, 5_000, &mut ev);
    assert_eq!(isr_of(&sim, "t", 0), vec![leader]);
    let id = produce(&mut sim, 0, "t", None, "v");
    run_for(&mut sim, 10_000, &mut ev);
    assert_eq!(
        failed_with(&ev, id),
        Some(kafkascope_core::ErrorCode::NotEnoughReplicas)
    );
    let tp = TopicPartition::new("t", 0);
    assert_eq!(
        sim.replica(leader, &tp).unwrap().log.log_end_offset(),
        0,
        "nothing written"
    );
    // acks=1 is still accepted: no min-ISR check.
    add_producer(&mut sim, 1, Acks::Leader);
    // Its first bootstrap broker may be a crashed one: clients notice by request timeout.
    run_for(&mut sim, 6_000, &mut ev);
    let id = produce(&mut sim, 1, "t", None, "v");
    run_for(&mut sim, 6_000, &mut ev);
    assert_eq!(acked_offset(&ev, id), Some(Some(0)));
}

#[test]
fn unclean_election_loses_acknowledged_records_and_says_so() {
    let mut sim = teaching(3, 5);
    let mut ev = Vec::new();
    create_topic(&mut sim, "t", 1, 3, 1, true);
    add_producer(&mut sim, 0, Acks::All);
    run_for(&mut sim, 1_000, &mut ev);
    let leader = leader_of(&sim, "t", 0);
    let followers: Vec<i32> = isr_of(&sim, "t", 0)
        .into_iter()
        .filter(|&b| b != leader)
        .collect();
    let early = produce(&mut sim, 0, "t", None, "replicated");
    run_for(&mut sim, 1_000, &mut ev);
    assert!(acked_offset(&ev, early).is_some());
    // Followers die; the ISR shrinks to the leader, which keeps acknowledging (min ISR 1).
    for &f in &followers {
        crash(&mut sim, f);
    }
    run_for(&mut sim, 5_000, &mut ev);
    assert_eq!(isr_of(&sim, "t", 0), vec![leader]);
    let late = produce(&mut sim, 0, "t", None, "only-on-leader");
    run_for(&mut sim, 1_000, &mut ev);
    assert_eq!(
        acked_offset(&ev, late),
        Some(Some(1)),
        "acked by an ISR of one"
    );
    // The leader dies, an out-of-sync follower returns and is elected uncleanly.
    crash(&mut sim, leader);
    run_for(&mut sim, 5_000, &mut ev);
    restart(&mut sim, followers[0]);
    run_for(&mut sim, 3_000, &mut ev);
    assert_eq!(leader_of(&sim, "t", 0), followers[0]);
    assert!(ev.iter().any(|e| matches!(
        &e.kind,
        EventKind::LeaderElected {
            reason: kafkascope_core::event::ElectionReason::Unclean,
            ..
        }
    )));
    // The old leader returns and truncates the acknowledged record away.
    restart(&mut sim, leader);
    run_for(&mut sim, 3_000, &mut ev);
    let lost: Vec<u64> = ev
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::RecordsTruncated { broker, lost, .. } if *broker == leader => {
                Some(lost.iter().map(|r| r.id).collect::<Vec<_>>())
            }
            _ => None,
        })
        .flatten()
        .collect();
    assert_eq!(
        lost,
        vec![late],
        "the acknowledged record is truncated on the old leader"
    );
    let tp = TopicPartition::new("t", 0);
    let ids: Vec<u64> = sim
        .replica(leader, &tp)
        .unwrap()
        .log
        .records()
        .map(|r| r.id)
        .collect();
    assert_eq!(ids, vec![early]);
}

#[test]
fn isolated_leader_keeps_acking_acks_1_until_it_learns_it_was_replaced_then_truncates() {
    let mut sim = teaching(3, 6);
    let mut ev = Vec::new();
    create_topic(&mut sim, "t", 1, 3, 1, false);
    add_producer(&mut sim, 0, Acks::Leader);
    run_for(&mut sim, 1_000, &mut ev);
    let old = leader_of(&sim, "t", 0);
    // Cut the leader from the controller and the other brokers, not from the producer.
    for b in 1..=3 {
        if b != old {
            sim.apply(kafkascope_core::Command::CutLink {
                a: kafkascope_core::NodeId::Broker(old),
                b: kafkascope_core::NodeId::Broker(b),
            })
            .unwrap();
        }
    }
    sim.apply(kafkascope_core::Command::CutLink {
        a: kafkascope_core::NodeId::Broker(old),
        b: kafkascope_core::NodeId::Controller(0),
    })
    .unwrap();
    run_for(&mut sim, 5_000, &mut ev);
    assert_ne!(
        leader_of(&sim, "t", 0),
        old,
        "controller replaced the silent leader"
    );
    // The producer still has old metadata: acks=1 to the zombie succeeds.
    let zombie_write = produce(&mut sim, 0, "t", None, "to-zombie");
    run_for(&mut sim, 500, &mut ev);
    let acked = acked_offset(&ev, zombie_write);
    sim.apply(kafkascope_core::Command::Heal).unwrap();
    run_for(&mut sim, 5_000, &mut ev);
    let tp = TopicPartition::new("t", 0);
    let on_old: Vec<u64> = sim
        .replica(old, &tp)
        .unwrap()
        .log
        .records()
        .map(|r| r.id)
        .collect();
    if acked == Some(Some(0)) {
        assert!(
            !on_old.contains(&zombie_write),
            "the zombie's write was truncated after healing"
        );
    }
    let new = leader_of(&sim, "t", 0);
    let on_new: Vec<u64> = sim
        .replica(new, &tp)
        .unwrap()
        .log
        .records()
        .map(|r| r.id)
        .collect();
    assert_eq!(on_old, on_new, "logs agree after healing");
}

/// Cuts the leader from its followers (not from the controller) and sends one acks=all
/// record with no retries; returns how it ended.
fn produce_while_followers_fall_out(gate: bool) -> Option<kafkascope_core::ErrorCode> {
    use kafkascope_core::config::{ClusterConfig, Profile};
    let mut config = ClusterConfig::new(Profile::Teaching, 3);
    config.broker.min_isr_gates_high_watermark = gate;
    config.producer.retries = 0;
    config.producer.request_timeout_ms = 15_000;
    let mut sim = kafkascope_core::Sim::new(config, 9).unwrap();
    let mut ev = Vec::new();
    create_topic(&mut sim, "t", 1, 3, 2, false);
    add_producer(&mut sim, 0, Acks::All);
    run_for(&mut sim, 1_000, &mut ev);
    let leader = leader_of(&sim, "t", 0);
    for b in 1..=3 {
        if b != leader {
            sim.apply(kafkascope_core::Command::CutLink {
                a: kafkascope_core::NodeId::Broker(leader),
                b: kafkascope_core::NodeId::Broker(b),
            })
            .unwrap();
        }
    }
    let id = produce(&mut sim, 0, "t", None, "v");
    run_for(&mut sim, 20_000, &mut ev);
    assert_eq!(
        isr_of(&sim, "t", 0),
        vec![leader],
        "the ISR shrank to the leader"
    );
    let tp = TopicPartition::new("t", 0);
    assert_eq!(
        sim.replica(leader, &tp).unwrap().log.log_end_offset(),
        1,
        "the record was written"
    );
    failed_with(&ev, id)
}

#[test]
fn before_kafka_3_7_isr_shrinking_below_min_after_append_gives_not_enough_replicas_after_append() {
    assert_eq!(
        produce_while_followers_fall_out(false),
        Some(kafkascope_core::ErrorCode::NotEnoughReplicasAfterAppend)
    );
}

#[test]
fn since_kafka_3_7_the_hw_waits_for_min_isr_so_the_same_produce_times_out() {
    assert_eq!(
        produce_while_followers_fall_out(true),
        Some(kafkascope_core::ErrorCode::RequestTimedOut)
    );
}

#[test]
fn preferred_leader_election_and_auto_rebalance_bring_leadership_back() {
    let mut sim = teaching(3, 12);
    let mut ev = Vec::new();
    create_topic(&mut sim, "t", 3, 3, 1, false);
    run_for(&mut sim, 1_000, &mut ev);
    let preferred: Vec<i32> = (0..3)
        .map(|p| {
            sim.coordinator()
                .metadata()
                .partition(&TopicPartition::new("t", p))
                .unwrap()
                .replicas[0]
        })
        .collect();
    let victim = preferred[0];
    crash(&mut sim, victim);
    run_for(&mut sim, 5_000, &mut ev);
    assert_ne!(leader_of(&sim, "t", 0), victim);
    restart(&mut sim, victim);
    run_for(&mut sim, 3_000, &mut ev);
    assert!(isr_of(&sim, "t", 0).contains(&victim), "back in the ISR");
    assert_ne!(leader_of(&sim, "t", 0), victim, "but not leader yet");
    let out = sim
        .apply(kafkascope_core::Command::ElectPreferredLeaders { partitions: None })
        .unwrap();
    assert!(
        matches!(out, kafkascope_core::CommandOutcome::LeadersElected(ref r) if !r.elected.is_empty())
    );
    run_for(&mut sim, 1_000, &mut ev);
    for p in 0..3 {
        assert_eq!(leader_of(&sim, "t", p), preferred[p as usize]);
    }
    // Auto rebalance does the same by itself (teaching: every 30 s).
    crash(&mut sim, victim);
    run_for(&mut sim, 5_000, &mut ev);
    restart(&mut sim, victim);
    run_for(&mut sim, 35_000, &mut ev);
    assert_eq!(
        leader_of(&sim, "t", 0),
        victim,
        "auto leader rebalance restored the preferred leader"
    );
}

#[test]
fn invalid_commands_return_kafkas_error_and_change_nothing() {
    use kafkascope_core::{Command, ErrorCode};
    let mut sim = teaching(3, 13);
    create_topic(&mut sim, "orders", 3, 3, 1, false);
    let before = serde_json::to_string(&sim.snapshot()).unwrap();
    let log_len = sim.command_log().len();
    let cases: Vec<(Command, ErrorCode)> = vec![
        (
            Command::CreateTopic {
                name: "x".into(),
                partitions: 1,
                replication_factor: 4,
                config: Default::default(),
            },
            ErrorCode::InvalidReplicationFactor,
        ),
        (
            Command::CreateTopic {
                name: "x".into(),
                partitions: 0,
                replication_factor: 1,
                config: Default::default(),
            },
            ErrorCode::InvalidPartitions,
        ),
        (
            Command::CreateTopic {
                name: "orders".into(),
                partitions: 1,
                replication_factor: 1,
                config: Default::default(),
            },
            ErrorCode::TopicAlreadyExists,
        ),
        (
            Command::CreateTopic {
                name: "a/b".into(),
                partitions: 1,
                replication_factor: 1,
                config: Default::default(),
            },
            ErrorCode::InvalidTopicException,
        ),
        (
            Command::AddPartitions {
                topic: "orders".into(),
                partitions: 2,
            },
            ErrorCode::InvalidPartitions,
        ),
        (
            Command::CreateTopic {
                name: "huge".into(),
                partitions: 100_000_000,
                replication_factor: 1,
                config: Default::default(),
            },
            ErrorCode::InvalidPartitions,
        ),
        (
            Command::Produce {
                producer: 7,
                topic: "orders".into(),
                key: None,
                value: "v".into(),
                partition: None,
                count: None,
            },
            ErrorCode::InvalidRequest,
        ),
        (
            Command::Crash {
                node: kafkascope_core::NodeId::Broker(9),
            },
            ErrorCode::InvalidRequest,
        ),
    ];
    for (cmd, code) in cases {
        let err = sim.apply(cmd.clone()).expect_err("must be rejected");
        assert_eq!(err.code, code, "{cmd:?}: {err}");
    }
    assert_eq!(serde_json::to_string(&sim.snapshot()).unwrap(), before);
    assert_eq!(
        sim.command_log().len(),
        log_len,
        "rejected commands are not logged"
    );
    // A name colliding on '.'/'_' is rejected too.
    create_topic(&mut sim, "my.topic", 1, 1, 1, false);
    let err = sim
        .apply(Command::CreateTopic {
            name: "my_topic".into(),
            partitions: 1,
            replication_factor: 1,
            config: Default::default(),
        })
        .unwrap_err();
    assert_eq!(err.code, ErrorCode::InvalidTopicException);
}

#[test]
fn adding_partitions_spreads_new_keys_and_new_partitions_get_leaders() {
    let mut sim = teaching(3, 14);
    let mut ev = Vec::new();
    create_topic(&mut sim, "t", 2, 2, 1, false);
    run_for(&mut sim, 500, &mut ev);
    sim.apply(kafkascope_core::Command::AddPartitions {
        topic: "t".into(),
        partitions: 4,
    })
    .unwrap();
    run_for(&mut sim, 1_000, &mut ev);
    for p in 0..4 {
        assert_ne!(leader_of(&sim, "t", p), kafkascope_core::NO_LEADER);
        assert_eq!(isr_of(&sim, "t", p).len(), 2);
    }
    add_producer(&mut sim, 0, Acks::All);
    run_for(&mut sim, 500, &mut ev);
    for k in 0..20 {
        produce(&mut sim, 0, "t", Some(&format!("key-{k}")), "v");
    }
    run_for(&mut sim, 2_000, &mut ev);
    let used: std::collections::BTreeSet<u32> = ev
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::RecordPartitioned { tp, .. } => Some(tp.partition),
            _ => None,
        })
        .collect();
    assert_eq!(used.len(), 4, "keys hash over all 4 partitions now");
}

#[test]
fn keyless_round_robin_goes_0_1_2_as_the_course_shows() {
    let mut sim = teaching(3, 15);
    let mut ev = Vec::new();
    create_topic(&mut sim, "logs", 3, 1, 1, false);
    add_producer(&mut sim, 0, Acks::Leader);
    run_for(&mut sim, 1_000, &mut ev);
    for i in 1..=4 {
        produce(&mut sim, 0, "logs", None, &format!("log entry {i}"));
    }
    run_for(&mut sim, 1_000, &mut ev);
    let parts: Vec<u32> = ev
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::RecordPartitioned { tp, .. } => Some(tp.partition),
            _ => None,
        })
        .collect();
    assert_eq!(parts, vec![0, 1, 2, 0]);
}

/// A record held back because the connection already has `max.in.flight` requests goes out
/// when the request before it times out and fails (retries exhausted), and a record stuck in
/// the accumulator never outlives `delivery.timeout.ms`.
#[test]
fn a_record_held_back_for_a_busy_connection_goes_out_when_the_request_before_it_fails() {
    use kafkascope_core::config::{ClusterConfig, Profile};
    use kafkascope_core::{Command, NodeId, Sim};
    let mut config = ClusterConfig::new(Profile::Teaching, 3);
    config.producer.max_in_flight_requests_per_connection = 1;
    config.producer.retries = 0;
    let mut sim = Sim::new(config, 1).unwrap();
    create_topic(&mut sim, "orders", 1, 3, 1, false);
    add_producer(&mut sim, 0, Acks::All);
    let mut events = Vec::new();
    run_for(&mut sim, 1_000, &mut events);
    let leader = leader_of(&sim, "orders", 0);
    sim.apply(Command::Isolate {
        node: NodeId::Broker(leader),
    })
    .unwrap();
    let a = produce(&mut sim, 0, "orders", None, "a");
    run_for(&mut sim, 200, &mut events);
    let b = produce(&mut sim, 0, "orders", None, "b");
    // A's request times out (5 s) and fails (no retries); B then goes to the new leader.
    run_for(&mut sim, 12_000, &mut events);

    assert_eq!(
        failed_with(&events, a),
        Some(kafkascope_core::ErrorCode::RequestTimedOut)
    );
    assert!(
        acked_offset(&events, b).is_some(),
        "record {b} was held back behind {a} and must be sent once {a} failed"
    );
    assert_eq!(sim.producers()[&0].outstanding(), 0);
}

/// Kafka's `Partition.makeLeader` recomputes the HW whenever a leader takes a new ISR from
/// the controller ("ISR could be down to 1"). Here the controller, not the leader, removes a
/// crashed follower (its session expires before `replica.lag.time.max.ms`): the records the
/// live replicas already hold must become committed then, not at the next write.
#[test]
fn a_leader_given_a_smaller_isr_by_the_controller_advances_its_high_watermark() {
    use kafkascope_core::config::{ClusterConfig, CoordinatorMode, Profile};
    for mode in [
        CoordinatorMode::Builtin,
        CoordinatorMode::Zookeeper,
        CoordinatorMode::Kraft,
    ] {
        let config = ClusterConfig::new(Profile::Teaching, 3).with_mode(mode);
        let mut sim = kafkascope_core::Sim::new(config, 4).unwrap();
        let mut ev = Vec::new();
        create_topic(&mut sim, "t", 1, 3, 1, false);
        add_producer(&mut sim, 0, Acks::Leader);
        run_for(&mut sim, 3_000, &mut ev);
        let leader = leader_of(&sim, "t", 0);
        let follower = *isr_of(&sim, "t", 0).iter().find(|&&b| b != leader).unwrap();
        crash(&mut sim, follower);
        for i in 0..3 {
            produce(&mut sim, 0, "t", None, &format!("v{i}"));
        }
        let tp = TopicPartition::new("t", 0);
        run_for(&mut sim, 1_000, &mut ev);
        assert_eq!(
            sim.replica(leader, &tp).unwrap().log.high_watermark(),
            0,
            "{mode:?}: the crashed follower still holds the HW back"
        );
        // Wait until the controller's smaller ISR reaches the leader, but not as long as
        // the leader's own lag check.
        let shrunk_at = loop {
            run_for(&mut sim, 50, &mut ev);
            if sim
                .replica(leader, &tp)
                .is_some_and(|r| !r.state.isr.contains(&follower))
            {
                break sim.now();
            }
            assert!(sim.now() < 30_000, "{mode:?}: the ISR never shrank");
        };
        let r = sim.replica(leader, &tp).unwrap();
        assert_eq!(r.log.log_end_offset(), 3, "{mode:?}");
        assert_eq!(
            r.log.high_watermark(),
            3,
            "{mode:?}: HW at {shrunk_at} ms, when the leader took ISR {:?}",
            r.state.isr
        );
    }
}

/// A follower down for longer than the topic's retention comes back to a leader whose log
/// starts past its own end: the leader answers OFFSET_OUT_OF_RANGE, and the follower drops
/// its log and fetches again from the leader's log start (`truncateFullyAndStartAt`), then
/// rejoins the ISR. Before, the leader sent records the follower could not append, forever.
#[test]
fn follower_behind_the_leaders_log_start_starts_again_there_and_rejoins() {
    let mut sim = teaching(3, 11);
    let mut ev = Vec::new();
    sim.apply(kafkascope_core::Command::CreateTopic {
        name: "t".into(),
        partitions: 1,
        replication_factor: 3,
        config: kafkascope_core::message::TopicConfig {
            retention_ms: Some(2_000),
            ..Default::default()
        },
    })
    .unwrap();
    add_producer(&mut sim, 0, Acks::Leader);
    run_for(&mut sim, 500, &mut ev);
    let leader = leader_of(&sim, "t", 0);
    let follower = *isr_of(&sim, "t", 0).iter().find(|&&b| b != leader).unwrap();
    crash(&mut sim, follower);
    for i in 0..5 {
        produce(&mut sim, 0, "t", Some("k"), &format!("v{i}"));
    }
    run_for(&mut sim, 14_000, &mut ev);
    let tp = TopicPartition::new("t", 0);
    let leader = leader_of(&sim, "t", 0);
    let start = sim.replica(leader, &tp).unwrap().log.log_start_offset();
    assert_eq!(start, 5, "retention deleted the 5 records on the leader");
    assert!(!isr_of(&sim, "t", 0).contains(&follower));
    ev.clear();
    let restarted_at = sim.now();
    restart(&mut sim, follower);
    // Step until the follower has handled the leader's OFFSET_OUT_OF_RANGE answer.
    let reset = |ev: &[kafkascope_core::Event]| {
        ev.iter().any(|e| matches!(&e.kind,
            EventKind::LogStartOffsetAdvanced { broker, log_start_offset: 5, reason: kafkascope_core::event::LogStartReason::OutOfRange, .. }
                if *broker == follower))
    };
    while !reset(&ev) {
        run_for(&mut sim, 1, &mut ev);
        assert!(
            sim.now() < restarted_at + 5_000,
            "the follower started again at the leader's log start"
        );
    }
    // The leader saw only the out-of-range fetch, which it does not count as the
    // follower's progress (`Partition.fetchRecords` updates it after a read that succeeded).
    let seen = sim
        .replica(leader, &tp)
        .unwrap()
        .leader
        .as_ref()
        .unwrap()
        .followers[&follower];
    assert!(
        seen.last_fetch_ms.is_none_or(|t| t < restarted_at),
        "{seen:?}"
    );
    run_for(&mut sim, 5_000, &mut ev);
    assert!(
        isr_of(&sim, "t", 0).contains(&follower),
        "and rejoined the ISR"
    );
    let log = &sim.replica(follower, &tp).unwrap().log;
    assert_eq!((log.log_start_offset(), log.log_end_offset()), (5, 5));
    // New records reach it as usual.
    produce(&mut sim, 0, "t", Some("k"), "after");
    run_for(&mut sim, 2_000, &mut ev);
    assert_eq!(sim.replica(follower, &tp).unwrap().log.log_end_offset(), 6);
}

/// `Partition.maybeIncrementLeaderHW` waits for a caught-up follower outside the ISR
/// (`shouldWaitForReplicaToJoinIsr`): under steady writes the HW then stays within its reach,
/// and it rejoins. Before, the HW ran ahead at the leader's LEO, the follower stayed a few
/// records short of it, and it rejoined only once the writes stopped.
#[test]
fn a_returning_follower_rejoins_the_isr_under_steady_writes() {
    let mut sim = teaching(2, 5);
    let mut ev = Vec::new();
    create_topic(&mut sim, "t", 1, 2, 1, false);
    add_producer(&mut sim, 0, Acks::Leader);
    run_for(&mut sim, 1_000, &mut ev);
    let leader = leader_of(&sim, "t", 0);
    let follower = 3 - leader;
    crash(&mut sim, follower);
    run_for(&mut sim, 4_000, &mut ev);
    assert_eq!(isr_of(&sim, "t", 0), vec![leader]);
    restart(&mut sim, follower);
    // A record every 25 ms for 10 s.
    for i in 0..400 {
        produce(&mut sim, 0, "t", Some("k"), &format!("v{i}"));
        run_for(&mut sim, 25, &mut ev);
    }
    assert!(
        isr_of(&sim, "t", 0).contains(&follower),
        "broker {follower} rejoined while records kept coming"
    );
}
