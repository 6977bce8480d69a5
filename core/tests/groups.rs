//! Consumer groups end to end: coordinator, rebalances, assignors, fetching, committed offsets.

mod common;
use common::*;
use kafkascope_core::assignor::{self, AssignorKind, MemberSubscription};
use kafkascope_core::config::Acks;
use kafkascope_core::config::{ClusterConfig, Profile};
use kafkascope_core::consumer::MemberState;
use kafkascope_core::group::GroupState;
use kafkascope_core::message::Message;
use kafkascope_core::{Command, ErrorCode, Event, EventKind, NodeId, Sim, TopicPartition};
use std::collections::{BTreeMap, BTreeSet};

fn add_consumer(sim: &mut Sim, id: u32, group: &str, topic: &str, assignor: AssignorKind) {
    sim.apply(Command::AddConsumer {
        id,
        group: group.into(),
        topics: vec![topic.into()],
        assignor: Some(assignor),
    })
    .expect("consumer added");
}

fn produce_n(sim: &mut Sim, producer: u32, topic: &str, n: u32) -> Vec<u64> {
    match sim
        .apply(Command::Produce {
            producer,
            topic: topic.into(),
            key: None,
            value: "v".into(),
            partition: None,
            count: Some(n),
        })
        .expect("produce accepted")
    {
        kafkascope_core::CommandOutcome::RecordsSent { records } => records,
        other => panic!("unexpected outcome {other:?}"),
    }
}

/// (consumer, partition, offset, record id) of every record handed to an application.
fn consumed(events: &[Event]) -> Vec<(u32, TopicPartition, u64, u64)> {
    events
        .iter()
        .flat_map(|e| match &e.kind {
            EventKind::RecordsConsumed {
                consumer,
                tp,
                records,
            } => records
                .iter()
                .map(|&(o, id)| (*consumer, tp.clone(), o, id))
                .collect(),
            _ => Vec::new(),
        })
        .collect()
}

fn assignment_of(sim: &Sim, consumer: u32) -> Vec<TopicPartition> {
    let mut a = sim.consumers()[&consumer].assignment.clone();
    a.sort();
    a
}

fn tp(p: u32) -> TopicPartition {
    TopicPartition::new("t", p)
}

/// Replays ownership from the consumers' events: a partition is assigned to a consumer only
/// when nobody owns it, revoked only by its owner, and records of a partition are handed only
/// to its owner.
fn assert_exclusive_ownership(events: &[Event]) {
    let mut owner: BTreeMap<TopicPartition, u32> = BTreeMap::new();
    for e in events {
        match &e.kind {
            EventKind::PartitionsAssigned {
                consumer,
                partitions,
                generation,
                ..
            } => {
                for tp in partitions {
                    if let Some(o) = owner.get(tp) {
                        panic!(
                            "at {} {tp} assigned to consumer-{consumer} (generation {generation}) while consumer-{o} owns it",
                            e.time
                        );
                    }
                    owner.insert(tp.clone(), *consumer);
                }
            }
            EventKind::PartitionsRevoked {
                consumer,
                partitions,
                ..
            } => {
                for tp in partitions {
                    assert_eq!(
                        owner.remove(tp),
                        Some(*consumer),
                        "at {} revoke of {tp}",
                        e.time
                    );
                }
            }
            EventKind::RecordsConsumed { consumer, tp, .. } => {
                assert_eq!(
                    owner.get(tp),
                    Some(consumer),
                    "at {} consumer-{consumer} consumed {tp} without owning it",
                    e.time
                );
            }
            _ => {}
        }
    }
}

/// Produces one keyless record every `every_ms` for `duration_ms`.
fn produce_steadily(
    sim: &mut Sim,
    duration_ms: u64,
    every_ms: u64,
    ev: &mut Vec<Event>,
) -> Vec<u64> {
    let mut ids = Vec::new();
    let end = sim.now() + duration_ms;
    while sim.now() < end {
        ids.extend(produce_n(sim, 0, "t", 1));
        run_for(sim, every_ms, ev);
    }
    ids
}

/// The events strictly after time `t`.
fn events_after(events: &[Event], t: u64) -> Vec<Event> {
    events.iter().filter(|e| e.time > t).cloned().collect()
}

fn events_of<'a>(
    ev: &'a [Event],
    f: impl Fn(&EventKind) -> bool + 'a,
) -> impl Iterator<Item = &'a Event> + 'a {
    ev.iter().filter(move |e| f(&e.kind))
}

#[test]
fn range_gives_each_of_three_members_two_of_six_partitions_as_the_assignor_computes() {
    let mut sim = teaching(3, 11);
    let mut ev = Vec::new();
    create_topic(&mut sim, "t", 6, 3, 1, false);
    run_for(&mut sim, 500, &mut ev);
    for c in 1..=3 {
        add_consumer(&mut sim, c, "g", "t", AssignorKind::Range);
    }
    run_for(&mut sim, 10_000, &mut ev);

    let (_, group) = sim.group("g").expect("a coordinator holds the group");
    assert_eq!(group.state, GroupState::Stable);
    assert_eq!(group.protocol, Some(AssignorKind::Range));
    assert_eq!(group.members.len(), 3);
    let members: Vec<MemberSubscription> = group
        .members_in_join_order()
        .into_iter()
        .map(|m| MemberSubscription {
            member_id: m.member_id.to_string(),
            topics: m.topics.clone(),
            owned_partitions: m.owned_partitions.clone(),
            generation: m.owned_generation,
        })
        .collect();
    let counts = BTreeMap::from([("t".into(), 6)]);
    let expected = assignor::assign(AssignorKind::Range, &counts, &members);
    let mut all = BTreeSet::new();
    for m in group.members.values() {
        let c = m.consumer.expect("a simulated consumer");
        let consumer = &sim.consumers()[&c];
        assert_eq!(consumer.member_id.as_ref(), Some(&m.member_id));
        assert_eq!(consumer.generation, group.generation);
        let got = assignment_of(&sim, c);
        assert_eq!(got.len(), 2, "consumer-{c} got {got:?}");
        assert_eq!(got, expected[&*m.member_id], "consumer-{c}");
        assert_eq!(m.assignment, got, "the coordinator's view of consumer-{c}");
        all.extend(got);
    }
    assert_eq!(all, (0..6).map(tp).collect());
}

#[test]
fn consumer_reads_exactly_the_records_below_the_high_watermark_in_offset_order() {
    let mut sim = teaching(3, 5);
    let mut ev = Vec::new();
    create_topic(&mut sim, "t", 1, 3, 1, false);
    add_producer(&mut sim, 0, Acks::Leader);
    run_for(&mut sim, 500, &mut ev);
    add_consumer(&mut sim, 1, "g", "t", AssignorKind::Range);
    run_for(&mut sim, 4_000, &mut ev);
    produce_n(&mut sim, 0, "t", 5);
    run_for(&mut sim, 1_000, &mut ev);

    // A follower stops replicating: the HW stays put while acks=1 writes grow the log.
    let leader = leader_of(&sim, "t", 0);
    let follower = sim
        .coordinator()
        .metadata()
        .partition(&tp(0))
        .unwrap()
        .replicas
        .iter()
        .copied()
        .find(|&b| b != leader)
        .unwrap();
    sim.apply(Command::CutLink {
        a: NodeId::Broker(leader),
        b: NodeId::Broker(follower),
    })
    .unwrap();
    produce_n(&mut sim, 0, "t", 10);
    run_for(&mut sim, 1_000, &mut ev);
    let log = &sim.replica(leader, &tp(0)).unwrap().log;
    assert_eq!(log.log_end_offset(), 15);
    assert_eq!(
        log.high_watermark(),
        5,
        "the cut follower holds the HW back"
    );
    let offsets: Vec<u64> = consumed(&ev).iter().map(|c| c.2).collect();
    assert_eq!(
        offsets,
        (0..5).collect::<Vec<_>>(),
        "only records below the HW"
    );

    // The follower drops out of the ISR, the HW moves, the rest is delivered; later records too.
    run_for(&mut sim, 8_000, &mut ev);
    produce_n(&mut sim, 0, "t", 5);
    run_for(&mut sim, 2_000, &mut ev);
    let log = &sim.replica(leader, &tp(0)).unwrap().log;
    assert_eq!(log.high_watermark(), 20);
    let got: Vec<(u64, u64)> = consumed(&ev).iter().map(|c| (c.2, c.3)).collect();
    let want: Vec<(u64, u64)> = log.records().map(|r| (r.offset, r.id)).collect();
    assert_eq!(
        got, want,
        "every record once, in offset order, with the log's record ids"
    );
    assert_eq!(sim.consumers()[&1].positions[&tp(0)], 20);
}

#[test]
fn second_consumer_rebalances_the_group_and_no_partition_has_two_owners() {
    let mut sim = teaching(3, 21);
    let mut ev = Vec::new();
    create_topic(&mut sim, "t", 6, 3, 1, false);
    add_producer(&mut sim, 0, Acks::All);
    run_for(&mut sim, 500, &mut ev);
    add_consumer(&mut sim, 1, "g", "t", AssignorKind::Range);
    let mut produced = produce_steadily(&mut sim, 4_000, 50, &mut ev);
    assert_eq!(assignment_of(&sim, 1).len(), 6);
    let joined_at = sim.now();
    add_consumer(&mut sim, 2, "g", "t", AssignorKind::Range);
    produced.extend(produce_steadily(&mut sim, 6_000, 50, &mut ev));
    run_for(&mut sim, 3_000, &mut ev);

    let started: Vec<&Event> = events_of(&ev, |k| matches!(k, EventKind::RebalanceStarted { .. }))
        .filter(|e| e.time >= joined_at)
        .collect();
    assert_eq!(
        started.len(),
        1,
        "one rebalance for the new member: {started:?}"
    );
    let (_, group) = sim.group("g").unwrap();
    assert_eq!((group.state, group.generation), (GroupState::Stable, 2));
    assert_eq!(assignment_of(&sim, 1), vec![tp(0), tp(1), tp(2)]);
    assert_eq!(assignment_of(&sim, 2), vec![tp(3), tp(4), tp(5)]);
    // Eager: consumer-1 revoked everything before rejoining.
    assert!(events_of(&ev, |k| matches!(k, EventKind::PartitionsRevoked { consumer: 1, partitions, .. } if partitions.len() == 6)).any(|e| e.time > joined_at));
    assert_exclusive_ownership(&ev);
    // Positions were committed on revocation: every record was handed over exactly once.
    let mut ids: Vec<u64> = consumed(&ev).iter().map(|c| c.3).collect();
    ids.sort();
    produced.sort();
    assert_eq!(ids, produced);
    // kafka-consumer-groups --describe: CLIENT-ID is Kafka's default client.id, and the
    // member id (CONSUMER-ID) is it plus a suffix.
    let described = kafkascope_core::describe::describe_groups(&sim);
    let rows = &described.iter().find(|g| g.group == "g").unwrap().rows;
    assert_eq!(rows.len(), 6);
    for r in rows {
        let client = r.client_id.as_deref().unwrap();
        let member = r.consumer_id.as_deref().unwrap();
        let owner = if r.partition.unwrap() < 3 { 1 } else { 2 };
        assert_eq!(client, format!("consumer-g-{owner}"), "{r:?}");
        assert!(member.starts_with(&format!("{client}-")), "{r:?}");
    }
}

#[test]
fn crashed_consumer_is_removed_after_the_session_timeout_and_its_partitions_move() {
    let mut sim = teaching(3, 31);
    let mut ev = Vec::new();
    let session = sim.config().consumer.session_timeout_ms;
    let heartbeat = sim.config().consumer.heartbeat_interval_ms;
    create_topic(&mut sim, "t", 6, 3, 1, false);
    add_producer(&mut sim, 0, Acks::All);
    run_for(&mut sim, 500, &mut ev);
    add_consumer(&mut sim, 1, "g", "t", AssignorKind::Range);
    add_consumer(&mut sim, 2, "g", "t", AssignorKind::Range);
    run_for(&mut sim, 5_000, &mut ev);
    let member2 = sim.consumers()[&2].member_id.clone().unwrap();
    let owned2 = assignment_of(&sim, 2);
    assert_eq!(owned2.len(), 3);

    let crashed_at = sim.now();
    sim.apply(Command::Crash {
        node: NodeId::Consumer(2),
    })
    .unwrap();
    // Until its session times out, the group still assigns its partitions to its member:
    // the snapshot shows them held for the down consumer, and no one else owns them.
    run_for(&mut sim, 1_000, &mut ev);
    let s = sim.snapshot();
    let c2 = s.consumers.iter().find(|c| c.id == 2).unwrap();
    let mut held = c2.held.clone();
    held.sort();
    assert_eq!(held, owned2);
    assert!(c2.assignment.is_empty());
    produce_steadily(&mut sim, session + 4_000, 100, &mut ev);

    let removed = events_of(
        &ev,
        |k| matches!(k, EventKind::MemberRemoved { member, .. } if *member == member2),
    )
    .next()
    .expect("the coordinator removes the silent member");
    // Its last heartbeat arrived at most one interval (plus latency) before the crash.
    assert!(
        removed.time >= crashed_at + session - heartbeat - 100
            && removed.time <= crashed_at + session + 100,
        "removed at {} (crash at {crashed_at}, session {session} ms)",
        removed.time
    );
    assert_eq!(assignment_of(&sim, 1), (0..6).map(tp).collect::<Vec<_>>());
    // The crashed consumer is drawn owning nothing: its membership went with its memory, so
    // no partition appears owned twice.
    let s = sim.snapshot();
    let c2 = s.consumers.iter().find(|c| c.id == 2).unwrap();
    assert!(!c2.up && c2.member_id.is_none() && c2.generation == -1);
    assert!(c2.assignment.is_empty() && c2.positions.is_empty());
    assert!(c2.held.is_empty(), "the member was removed: {:?}", c2.held);
    // consumer-1 now reads what is produced to consumer-2's former partitions.
    let after: BTreeSet<TopicPartition> = ev
        .iter()
        .filter(|e| e.time > removed.time)
        .filter_map(|e| match &e.kind {
            EventKind::RecordsConsumed {
                consumer: 1, tp, ..
            } => Some(tp.clone()),
            _ => None,
        })
        .collect();
    assert!(
        owned2.iter().all(|p| after.contains(p)),
        "consumer-1 read {after:?}"
    );
}

/// Three brokers, topic `t` (3 partitions, RF 3), producer 0 (acks=all) and consumer 1 of
/// group `g` auto-committing every `interval` ms, which has joined; then 30 records sent.
fn auto_committing_consumer(interval: u64, ev: &mut Vec<Event>) -> Sim {
    let mut cfg = ClusterConfig::new(Profile::Teaching, 3);
    cfg.consumer.auto_commit_interval_ms = interval;
    let mut sim = Sim::new(cfg, 41).unwrap();
    create_topic(&mut sim, "t", 3, 3, 1, false);
    add_producer(&mut sim, 0, Acks::All);
    run_for(&mut sim, 500, ev);
    add_consumer(&mut sim, 1, "g", "t", AssignorKind::Range);
    run_for(&mut sim, 5_000, ev);
    produce_n(&mut sim, 0, "t", 30);
    sim
}

#[test]
fn committed_offsets_survive_a_coordinator_crash_and_a_restarted_consumer_resumes_from_them() {
    let mut ev = Vec::new();
    let mut sim = auto_committing_consumer(2_000, &mut ev);
    // Right after the auto-commit of those, produce a little more: it is consumed but not
    // committed yet.
    let mut waited = 0;
    while !ev
        .iter()
        .any(|e| matches!(e.kind, EventKind::OffsetsCommitted { .. }))
    {
        assert!(waited < 5_000, "no auto-commit");
        run_for(&mut sim, 10, &mut ev);
        waited += 10;
    }
    produce_n(&mut sim, 0, "t", 6);
    run_for(&mut sim, 500, &mut ev);
    let (old_coordinator, group) = sim.group("g").unwrap();
    let committed = group.committed.clone();
    let positions = sim.consumers()[&1].positions.clone();
    let tail: u64 = positions.iter().map(|(tp, p)| p - committed[tp]).sum();
    assert_eq!(
        positions.values().sum::<u64>(),
        36,
        "everything was consumed"
    );
    assert!(tail > 0, "some consumed records are not committed yet");

    sim.apply(Command::Crash {
        node: NodeId::Consumer(1),
    })
    .unwrap();
    crash(&mut sim, old_coordinator);
    run_for(&mut sim, 8_000, &mut ev);
    let (new_coordinator, group) = sim.group("g").expect("another broker took over");
    assert_ne!(new_coordinator, old_coordinator);
    assert_eq!(group.state, GroupState::Empty);
    assert_eq!(
        group.committed, committed,
        "rebuilt from the replicated __consumer_offsets"
    );

    let restarted_at = sim.now();
    sim.apply(Command::Restart {
        node: NodeId::Consumer(1),
    })
    .unwrap();
    run_for(&mut sim, 8_000, &mut ev);
    let again: Vec<(TopicPartition, u64)> = consumed(&events_after(&ev, restarted_at))
        .into_iter()
        .map(|(_, tp, offset, _)| (tp, offset))
        .collect();
    for (tp, &c) in &committed {
        let offsets: Vec<u64> = again
            .iter()
            .filter(|(p, _)| p == tp)
            .map(|(_, o)| *o)
            .collect();
        assert_eq!(
            offsets,
            (c..positions[tp]).collect::<Vec<_>>(),
            "{tp} resumes at its committed offset {c}"
        );
    }
    assert_eq!(
        again.len() as u64,
        tail,
        "only the uncommitted tail is read again"
    );
}

/// `ConsumerCoordinator.onJoinPrepare`: a member the coordinator removed (its session
/// expired while it was cut off) learns it on reconnecting (UNKNOWN_MEMBER_ID), and the
/// partitions it still held are lost, not revoked: it cannot commit for them, and the other
/// member owns them by then. A member that rebalances in its generation revokes them.
#[test]
fn a_member_removed_from_the_group_loses_its_partitions_rather_than_revoking_them() {
    let mut sim = teaching(3, 31);
    let mut ev = Vec::new();
    let session = sim.config().consumer.session_timeout_ms;
    create_topic(&mut sim, "t", 6, 3, 1, false);
    run_for(&mut sim, 500, &mut ev);
    add_consumer(&mut sim, 1, "g", "t", AssignorKind::Range);
    add_consumer(&mut sim, 2, "g", "t", AssignorKind::Range);
    run_for(&mut sim, 5_000, &mut ev);
    let owned2 = assignment_of(&sim, 2);
    assert_eq!(owned2.len(), 3);
    sim.apply(Command::Isolate {
        node: NodeId::Consumer(2),
    })
    .unwrap();
    run_for(&mut sim, session + 3_000, &mut ev);
    assert_eq!(assignment_of(&sim, 1).len(), 6, "consumer-1 took over");
    sim.apply(Command::Heal).unwrap();
    run_for(&mut sim, 8_000, &mut ev);
    let dropped: Vec<(u32, Vec<TopicPartition>, bool)> = ev
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::PartitionsRevoked {
                consumer,
                partitions,
                lost,
                ..
            } => Some((*consumer, partitions.clone(), *lost)),
            _ => None,
        })
        .collect();
    assert!(
        dropped.contains(&(2, owned2.clone(), true)),
        "consumer-2 lost {owned2:?}: {dropped:?}"
    );
    // consumer-1 was in its generation when the group rebalanced: it revoked its three.
    assert!(
        dropped
            .iter()
            .any(|(c, p, lost)| *c == 1 && p.len() == 3 && !lost),
        "{dropped:?}"
    );
    assert!(
        !dropped.iter().any(|(c, _, lost)| *c == 2 && !lost),
        "{dropped:?}"
    );
    assert_eq!(assignment_of(&sim, 2).len(), 3, "consumer-2 rejoined");
}

#[test]
fn cooperative_sticky_moves_only_the_partitions_that_must_move() {
    let mut sim = teaching(3, 51);
    let mut ev = Vec::new();
    create_topic(&mut sim, "t", 6, 3, 1, false);
    add_producer(&mut sim, 0, Acks::All);
    run_for(&mut sim, 500, &mut ev);
    add_consumer(&mut sim, 1, "g", "t", AssignorKind::CooperativeSticky);
    add_consumer(&mut sim, 2, "g", "t", AssignorKind::CooperativeSticky);
    produce_steadily(&mut sim, 5_000, 50, &mut ev);
    let before1 = assignment_of(&sim, 1);
    let before2 = assignment_of(&sim, 2);
    assert_eq!((before1.len(), before2.len()), (3, 3));
    let generation = sim.group("g").unwrap().1.generation;

    let joined_at = sim.now();
    add_consumer(&mut sim, 3, "g", "t", AssignorKind::CooperativeSticky);
    produce_steadily(&mut sim, 8_000, 50, &mut ev);
    run_for(&mut sim, 2_000, &mut ev);

    let after: Vec<Vec<TopicPartition>> = (1..=3).map(|c| assignment_of(&sim, c)).collect();
    assert!(after.iter().all(|a| a.len() == 2), "{after:?}");
    assert!(
        after[0].iter().all(|p| before1.contains(p)),
        "consumer-1 only gave partitions up"
    );
    assert!(
        after[1].iter().all(|p| before2.contains(p)),
        "consumer-2 only gave partitions up"
    );
    let revoked: Vec<(u32, Vec<TopicPartition>)> = ev
        .iter()
        .filter(|e| e.time >= joined_at)
        .filter_map(|e| match &e.kind {
            EventKind::PartitionsRevoked {
                consumer,
                partitions,
                ..
            } => Some((*consumer, partitions.clone())),
            _ => None,
        })
        .collect();
    let moved: BTreeSet<TopicPartition> = revoked.iter().flat_map(|(_, p)| p.clone()).collect();
    assert_eq!(
        moved,
        after[2].iter().cloned().collect(),
        "exactly the partitions consumer-3 got were revoked"
    );
    assert_eq!(revoked.len(), 2, "one partition from each: {revoked:?}");
    // KIP-429: a first rebalance revokes, a follow-up assigns.
    let (_, group) = sim.group("g").unwrap();
    assert_eq!(
        (group.state, group.generation),
        (GroupState::Stable, generation + 2)
    );
    assert_exclusive_ownership(&ev);
}

#[test]
fn more_consumers_than_partitions_leaves_the_extras_idle() {
    let mut sim = teaching(3, 61);
    let mut ev = Vec::new();
    create_topic(&mut sim, "t", 3, 3, 1, false);
    add_producer(&mut sim, 0, Acks::All);
    run_for(&mut sim, 500, &mut ev);
    for c in 1..=4 {
        add_consumer(&mut sim, c, "g", "t", AssignorKind::Range);
    }
    run_for(&mut sim, 5_000, &mut ev);
    produce_n(&mut sim, 0, "t", 30);
    run_for(&mut sim, 3_000, &mut ev);
    let (_, group) = sim.group("g").unwrap();
    assert_eq!((group.state, group.members.len()), (GroupState::Stable, 4));
    let sizes: Vec<usize> = (1..=4).map(|c| assignment_of(&sim, c).len()).collect();
    assert_eq!(sizes.iter().filter(|&&n| n == 1).count(), 3, "{sizes:?}");
    let idle = (1..=4)
        .find(|&c| assignment_of(&sim, c).is_empty())
        .expect("one idle member");
    assert!(
        sim.consumers()[&idle].member_id.is_some(),
        "the idle consumer is still a member"
    );
    assert!(
        consumed(&ev).iter().all(|c| c.0 != idle),
        "the idle consumer reads nothing"
    );
    assert_eq!(consumed(&ev).len(), 30);
}

#[test]
fn leaving_consumer_commits_its_positions_and_the_group_rebalances_at_once() {
    let mut sim = teaching(3, 71);
    let mut ev = Vec::new();
    create_topic(&mut sim, "t", 6, 3, 1, false);
    add_producer(&mut sim, 0, Acks::All);
    run_for(&mut sim, 500, &mut ev);
    add_consumer(&mut sim, 1, "g", "t", AssignorKind::Range);
    add_consumer(&mut sim, 2, "g", "t", AssignorKind::Range);
    let mut produced = produce_steadily(&mut sim, 5_000, 50, &mut ev);
    let member2 = sim.consumers()[&2].member_id.clone().unwrap();
    let left_at = sim.now();
    sim.apply(Command::StopConsumer { id: 2 }).unwrap();
    produced.extend(produce_steadily(&mut sim, 4_000, 50, &mut ev));
    run_for(&mut sim, 2_000, &mut ev);

    let removed = events_of(
        &ev,
        |k| matches!(k, EventKind::MemberRemoved { member, .. } if *member == member2),
    )
    .next()
    .expect("LeaveGroup removes the member");
    assert!(
        removed.time <= left_at + 200,
        "removed at {} (left at {left_at})",
        removed.time
    );
    let started = events_of(&ev, |k| matches!(k, EventKind::RebalanceStarted { .. }))
        .find(|e| e.time >= left_at)
        .expect("a rebalance");
    assert_eq!(
        started.time, removed.time,
        "the leave starts the rebalance at once"
    );
    let stable = events_of(&ev, |k| matches!(k, EventKind::GroupStable { .. }))
        .find(|e| e.time >= left_at)
        .expect("the group stabilises again");
    let session = sim.config().consumer.session_timeout_ms;
    assert!(
        stable.time < left_at + session / 2,
        "stable again at {} without waiting for a session timeout",
        stable.time
    );
    assert_eq!(assignment_of(&sim, 1), (0..6).map(tp).collect::<Vec<_>>());
    assert_exclusive_ownership(&ev);
    // consumer-2's final commit told consumer-1 where to go on: nothing lost, nothing twice.
    let mut ids: Vec<u64> = consumed(&ev).iter().map(|c| c.3).collect();
    ids.sort();
    produced.sort();
    assert_eq!(ids, produced);
}

#[test]
fn new_partitions_are_assigned_after_the_leaders_metadata_refresh() {
    let mut sim = teaching(3, 81);
    let mut ev = Vec::new();
    create_topic(&mut sim, "t", 4, 3, 1, false);
    add_producer(&mut sim, 0, Acks::All);
    run_for(&mut sim, 500, &mut ev);
    add_consumer(&mut sim, 1, "g", "t", AssignorKind::RoundRobin);
    add_consumer(&mut sim, 2, "g", "t", AssignorKind::RoundRobin);
    run_for(&mut sim, 4_000, &mut ev);
    let generation = sim.group("g").unwrap().1.generation;
    let added_at = sim.now();
    sim.apply(Command::AddPartitions {
        topic: "t".into(),
        partitions: 6,
    })
    .unwrap();
    let max_age = sim.config().consumer.metadata_max_age_ms;
    run_for(&mut sim, max_age + 3_000, &mut ev);

    let started = events_of(
        &ev,
        |k| matches!(k, EventKind::RebalanceStarted { reason, .. } if reason.starts_with("leader")),
    )
    .find(|e| e.time > added_at)
    .expect("the leader rejoins when its metadata shows new partitions");
    assert!(
        started.time <= added_at + max_age + 500,
        "at {}",
        started.time
    );
    let (_, group) = sim.group("g").unwrap();
    assert_eq!(
        (group.state, group.generation),
        (GroupState::Stable, generation + 1)
    );
    let mut all: Vec<TopicPartition> = (1..=2).flat_map(|c| assignment_of(&sim, c)).collect();
    all.sort();
    assert_eq!(all, (0..6).map(tp).collect::<Vec<_>>());
    produce_n(&mut sim, 0, "t", 60);
    run_for(&mut sim, 2_000, &mut ev);
    let read: BTreeSet<TopicPartition> = consumed(&ev).into_iter().map(|c| c.1).collect();
    assert!(read.contains(&tp(4)) && read.contains(&tp(5)), "{read:?}");
}

#[test]
fn members_rejoin_the_new_coordinator_and_the_generation_count_continues() {
    let mut sim = teaching(3, 91);
    let mut ev = Vec::new();
    create_topic(&mut sim, "t", 6, 3, 2, false);
    add_producer(&mut sim, 0, Acks::All);
    run_for(&mut sim, 500, &mut ev);
    add_consumer(&mut sim, 1, "g", "t", AssignorKind::Range);
    add_consumer(&mut sim, 2, "g", "t", AssignorKind::Range);
    let mut produced = produce_steadily(&mut sim, 4_000, 100, &mut ev);
    let (old, group) = sim.group("g").unwrap();
    let generation = group.generation;
    crash(&mut sim, old);
    produced.extend(produce_steadily(&mut sim, 20_000, 100, &mut ev));
    run_for(&mut sim, 5_000, &mut ev);

    let (new, group) = sim.group("g").expect("a new coordinator");
    assert_ne!(new, old);
    assert_eq!(group.state, GroupState::Stable);
    assert_eq!(group.members.len(), 2);
    assert!(
        group.generation > generation,
        "generation {} after {generation}",
        group.generation
    );
    for c in 1..=2 {
        let consumer = &sim.consumers()[&c];
        assert_eq!(consumer.coordinator, Some(new));
        assert_eq!(consumer.generation, group.generation);
    }
    // At least once: every acknowledged record reached a consumer.
    let acked: BTreeSet<u64> = ev
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::ProduceAcknowledged { record, .. } => Some(*record),
            _ => None,
        })
        .collect();
    let read: BTreeSet<u64> = consumed(&ev).into_iter().map(|c| c.3).collect();
    assert!(acked.len() > produced.len() / 2);
    let missing: Vec<&u64> = acked.difference(&read).collect();
    assert!(
        missing.is_empty(),
        "acknowledged but never consumed: {missing:?}"
    );
}

/// Random faults (broker and consumer crashes, restarts, leaves, joins, cut links) against a
/// group; after healing, the group settles and every acknowledged record was consumed at least
/// once. Every step is checked by the invariant checker (ConsistentRead among others).
#[test]
fn groups_recover_and_consume_every_acknowledged_record_across_random_faults() {
    use kafkascope_core::invariants::Checker;
    use rand::{Rng, SeedableRng};
    let seeds: u64 = std::env::var("KAFKASCOPE_SEEDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(40);
    let kinds = [
        AssignorKind::Range,
        AssignorKind::RoundRobin,
        AssignorKind::Sticky,
        AssignorKind::CooperativeSticky,
    ];
    for seed in 0..seeds {
        let mut sim = teaching(3, seed);
        let mut rng = rand_pcg::Pcg64Mcg::seed_from_u64(seed ^ 0x9e37_79b9);
        let mut checker = Checker::new();
        let mut acked = BTreeSet::new();
        let mut read = BTreeSet::new();
        let kind = kinds[seed as usize % kinds.len()];
        let mut step = |sim: &mut Sim, until: u64| {
            loop {
                let events = sim.drain_events();
                for e in &events {
                    match &e.kind {
                        EventKind::ProduceAcknowledged { record, .. } => {
                            acked.insert(*record);
                        }
                        EventKind::RecordsConsumed { records, .. } => {
                            read.extend(records.iter().map(|r| r.1));
                        }
                        _ => {}
                    }
                }
                if let Err(v) = checker.observe(sim, &events) {
                    panic!("seed {seed}: {v}");
                }
                if !sim.step_until(until) {
                    break;
                }
            }
            sim.run_until(until);
        };
        create_topic(&mut sim, "t", 4, 3, 2, false);
        add_producer(&mut sim, 0, Acks::All);
        for c in 1..=3 {
            add_consumer(&mut sim, c, "g", "t", kind);
        }
        let mut next_consumer = 4;
        let mut t = 500;
        while t < 40_000 {
            step(&mut sim, t);
            let consumers: Vec<u32> = sim.consumers().keys().copied().collect();
            let c = consumers[rng.random_range(0..consumers.len())];
            let b = rng.random_range(1..=3);
            let cmd = match rng.random_range(0..100) {
                0..=49 => Some(Command::Produce {
                    producer: 0,
                    topic: "t".into(),
                    key: None,
                    value: format!("v{t}"),
                    partition: None,
                    count: Some(rng.random_range(1..=5)),
                }),
                50..=57 => Some(Command::Crash {
                    node: NodeId::Broker(b),
                }),
                58..=67 => Some(Command::Restart {
                    node: NodeId::Broker(b),
                }),
                68..=73 => Some(Command::Crash {
                    node: NodeId::Consumer(c),
                }),
                74..=81 => Some(Command::Restart {
                    node: NodeId::Consumer(c),
                }),
                82..=84 => Some(Command::StopConsumer { id: c }),
                85..=87 => {
                    next_consumer += 1;
                    Some(Command::AddConsumer {
                        id: next_consumer - 1,
                        group: "g".into(),
                        topics: vec!["t".into()],
                        assignor: Some(kind),
                    })
                }
                88..=93 => Some(Command::CutLink {
                    a: NodeId::Consumer(c),
                    b: NodeId::Broker(b),
                }),
                _ => Some(Command::Heal),
            };
            if let Some(cmd) = cmd {
                let _ = sim.apply(cmd);
            }
            t += rng.random_range(100..1_500);
        }
        // Heal, bring every broker and crashed (not stopped) consumer back, and let it settle.
        step(&mut sim, 40_000);
        sim.apply(Command::Heal).unwrap();
        for b in 1..=3 {
            let _ = sim.apply(Command::Restart {
                node: NodeId::Broker(b),
            });
        }
        let crashed: Vec<u32> = sim
            .consumers()
            .iter()
            .filter(|(id, c)| !sim.is_up(NodeId::Consumer(**id)) && c.state != MemberState::Stopped)
            .map(|(id, _)| *id)
            .collect();
        for c in crashed {
            sim.apply(Command::Restart {
                node: NodeId::Consumer(c),
            })
            .unwrap();
        }
        let live: Vec<u32> = sim
            .consumers()
            .keys()
            .copied()
            .filter(|&c| sim.is_up(NodeId::Consumer(c)))
            .collect();
        if live.is_empty() {
            add_consumer(&mut sim, next_consumer, "g", "t", kind);
        }
        step(&mut sim, 80_000);

        let (_, group) = sim
            .group("g")
            .unwrap_or_else(|| panic!("seed {seed}: no coordinator"));
        assert_eq!(group.state, GroupState::Stable, "seed {seed}: {group:?}");
        let live: Vec<u32> = sim
            .consumers()
            .keys()
            .copied()
            .filter(|&c| sim.is_up(NodeId::Consumer(c)))
            .collect();
        assert_eq!(
            group.members.len(),
            live.len(),
            "seed {seed}: members {:?} live {live:?}",
            group.members.keys().collect::<Vec<_>>()
        );
        let mut owned = Vec::new();
        for c in &live {
            let consumer = &sim.consumers()[c];
            assert_eq!(
                consumer.generation, group.generation,
                "seed {seed}: consumer-{c}"
            );
            owned.extend(consumer.assignment.clone());
        }
        owned.sort();
        assert_eq!(
            owned,
            (0..4).map(tp).collect::<Vec<_>>(),
            "seed {seed}: each partition owned once"
        );
        let missing: Vec<&u64> = acked.difference(&read).collect();
        assert!(
            missing.is_empty(),
            "seed {seed} ({kind:?}): acknowledged but never consumed: {missing:?}"
        );
    }
}

#[test]
fn a_member_with_another_assignor_is_rejected_with_inconsistent_group_protocol() {
    let mut sim = teaching(3, 101);
    let mut ev = Vec::new();
    create_topic(&mut sim, "t", 3, 3, 1, false);
    run_for(&mut sim, 500, &mut ev);
    add_consumer(&mut sim, 1, "g", "t", AssignorKind::Range);
    run_for(&mut sim, 3_000, &mut ev);
    add_consumer(&mut sim, 2, "g", "t", AssignorKind::RoundRobin);
    run_for(&mut sim, 3_000, &mut ev);
    let c2 = &sim.consumers()[&2];
    assert_eq!(c2.state, MemberState::Failed);
    assert_eq!(
        c2.fatal_error,
        Some(kafkascope_core::ErrorCode::InconsistentGroupProtocol)
    );
    let (_, group) = sim.group("g").unwrap();
    assert_eq!(
        (group.state, group.members.len(), group.generation),
        (GroupState::Stable, 1, 1)
    );
    assert_eq!(assignment_of(&sim, 1).len(), 3);
}

#[test]
fn kafka_defaults_first_rebalance_waits_the_initial_delay_and_latest_skips_old_records() {
    let mut sim = Sim::new(ClusterConfig::new(Profile::KafkaDefaults, 3), 111).unwrap();
    let mut ev = Vec::new();
    let delay = sim.config().broker.group_initial_rebalance_delay_ms;
    create_topic(&mut sim, "t", 2, 3, 1, false);
    add_producer(&mut sim, 0, Acks::All);
    run_for(&mut sim, 500, &mut ev);
    let old = produce_n(&mut sim, 0, "t", 10);
    run_for(&mut sim, 500, &mut ev);
    add_consumer(&mut sim, 1, "g", "t", AssignorKind::Range);
    run_for(&mut sim, 1_000, &mut ev);
    add_consumer(&mut sim, 2, "g", "t", AssignorKind::Range);
    run_for(&mut sim, 2 * delay + 2_000, &mut ev);

    let started = events_of(&ev, |k| matches!(k, EventKind::RebalanceStarted { .. }))
        .next()
        .expect("the first join starts a rebalance");
    let stable: Vec<&Event> =
        events_of(&ev, |k| matches!(k, EventKind::GroupStable { .. })).collect();
    assert_eq!(stable.len(), 1, "both members join one generation");
    // The second member arrived during the delay, which is therefore extended once
    // (InitialDelayedJoin).
    assert!(
        stable[0].time >= started.time + 2 * delay,
        "stable at {} after a start at {}",
        stable[0].time,
        started.time
    );
    let (_, group) = sim.group("g").unwrap();
    assert_eq!((group.generation, group.members.len()), (1, 2));

    let new = produce_n(&mut sim, 0, "t", 10);
    run_for(&mut sim, 2_000, &mut ev);
    let read: BTreeSet<u64> = consumed(&ev).into_iter().map(|c| c.3).collect();
    assert!(
        old.iter().all(|id| !read.contains(id)),
        "auto.offset.reset=latest skips what came before"
    );
    assert_eq!(read, new.into_iter().collect());
}

#[test]
fn a_member_whose_assignor_the_group_does_not_share_fails_and_says_so() {
    let mut sim = teaching(3, 3);
    let mut ev = Vec::new();
    create_topic(&mut sim, "t", 3, 3, 1, false);
    run_for(&mut sim, 500, &mut ev);
    add_consumer(&mut sim, 1, "g", "t", AssignorKind::Range);
    run_for(&mut sim, 4_000, &mut ev);
    add_consumer(&mut sim, 2, "g", "t", AssignorKind::RoundRobin);
    run_for(&mut sim, 4_000, &mut ev);
    assert!(
        events_of(&ev, |k| matches!(
            k,
            EventKind::ConsumerFailed {
                consumer: 2,
                error: kafkascope_core::ErrorCode::InconsistentGroupProtocol,
                ..
            }
        ))
        .next()
        .is_some()
    );
    let s = sim.snapshot();
    let c2 = s.consumers.iter().find(|c| c.id == 2).unwrap();
    assert_eq!(
        c2.fatal_error,
        Some(kafkascope_core::ErrorCode::InconsistentGroupProtocol)
    );
    assert_eq!(
        assignment_of(&sim, 1).len(),
        3,
        "the group goes on without it"
    );
}

/// `ConsumerCoordinator.autoCommitOffsetsAsync`: an auto-commit that fails as retriable (a
/// disconnect from the coordinator), or comes due while the coordinator is unknown, does
/// not wait a whole `auto.commit.interval.ms`: it goes `retry.backoff.ms` later, or once the
/// lookup finds the coordinator. Here the interval is 10 s and the coordinator dies just
/// before a commit is due.
#[test]
fn an_auto_commit_that_failed_with_its_coordinator_does_not_wait_a_whole_interval() {
    let mut ev = Vec::new();
    let mut sim = auto_committing_consumer(10_000, &mut ev);
    let committed_at = loop {
        if let Some(e) = ev
            .iter()
            .find(|e| matches!(e.kind, EventKind::OffsetsCommitted { .. }))
        {
            break e.time;
        }
        assert!(sim.now() < 20_000, "no auto-commit");
        run_for(&mut sim, 10, &mut ev);
    };
    // 1.5 s before the next auto-commit, consume a few more records and crash the
    // coordinator: that commit is sent to it and never answered.
    let wait = committed_at + 8_500 - sim.now();
    run_for(&mut sim, wait, &mut ev);
    produce_n(&mut sim, 0, "t", 6);
    run_for(&mut sim, 300, &mut ev);
    let (old_coordinator, _) = sim.group("g").unwrap();
    crash(&mut sim, old_coordinator);
    let mut after = Vec::new();
    run_for(&mut sim, 9_000, &mut after);
    let (new_coordinator, _) = sim.group("g").expect("another broker took over");
    assert_ne!(new_coordinator, old_coordinator);
    // The commit in flight fails when the consumer gives the old coordinator up; it goes
    // again to the new one a backoff later, not at the next interval. (That one meets
    // UNKNOWN_MEMBER_ID: a new coordinator here starts the group empty, a documented
    // simplification.)
    let commits = sent_by(&after, NodeId::Consumer(1), "OffsetCommit");
    assert!(
        commits
            .iter()
            .any(|&(t, to)| to == NodeId::Broker(new_coordinator) && t < committed_at + 18_000),
        "OffsetCommit sent at {commits:?}; the previous commit at {committed_at}, the next \
         interval ends at {}",
        committed_at + 20_000
    );
}

/// The requests `from` sent whose message is `api`, with their time and destination.
fn sent_by(events: &[Event], from: NodeId, api: &str) -> Vec<(u64, NodeId)> {
    events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::MessageSent {
                from: f,
                to,
                message,
                ..
            } if *f == from && message.api() == api => Some((e.time, *to)),
            _ => None,
        })
        .collect()
}

/// `Partition.fetchOffsetForTimestamp`: a new leader whose high watermark lags the start of
/// its leader epoch answers ListOffsets(latest) with OFFSET_NOT_AVAILABLE, and the consumer
/// retries, rather than starting from that stale HW and reading records from before the end.
/// Here the new leader is alone in the ISR under min.insync.replicas 2, so its HW stays
/// behind until a follower returns.
#[test]
fn a_consumer_starting_at_latest_waits_while_a_new_leaders_high_watermark_lags() {
    use kafkascope_core::config::OffsetReset;
    let mut cfg = ClusterConfig::new(Profile::Teaching, 3);
    cfg.consumer.auto_offset_reset = OffsetReset::Latest;
    let mut sim = Sim::new(cfg, 3).unwrap();
    let mut ev = Vec::new();
    create_topic(&mut sim, "t", 1, 3, 2, false);
    add_producer(&mut sim, 0, Acks::Leader);
    run_for(&mut sim, 1_000, &mut ev);
    let tp = tp_of("t", 0);
    let leader = leader_of(&sim, "t", 0);
    let (next, other) = {
        let f: Vec<i32> = isr_of(&sim, "t", 0)
            .into_iter()
            .filter(|&b| b != leader)
            .collect();
        (f[0], f[1])
    };
    // Crash the leader (and one follower) while the other follower holds records whose
    // commit it has not heard of yet.
    produce_n(&mut sim, 0, "t", 5);
    loop {
        run_for(&mut sim, 1, &mut ev);
        let log = &sim.replica(next, &tp).unwrap().log;
        if log.log_end_offset() > log.high_watermark() {
            break;
        }
        assert!(
            sim.now() < 5_000,
            "the follower never held uncommitted records"
        );
    }
    crash(&mut sim, leader);
    crash(&mut sim, other);
    run_for(&mut sim, 4_000, &mut ev);
    assert_eq!(leader_of(&sim, "t", 0), next);
    let log = &sim.replica(next, &tp).unwrap().log;
    let (end, hw) = (log.log_end_offset(), log.high_watermark());
    assert!(hw < end, "HW {hw} behind the new epoch's start {end}");
    add_consumer(&mut sim, 1, "g", "t", AssignorKind::Range);
    run_for(&mut sim, 12_000, &mut ev);
    assert!(
        !sim.consumers()[&1].positions.contains_key(&tp),
        "no position from a lagging HW"
    );
    let refused = ev.iter().any(|e| {
        matches!(&e.kind, EventKind::MessageSent { message, .. }
            if matches!(&**message, Message::ListOffsetsResponse { error: Some(ErrorCode::OffsetNotAvailable), .. }))
    });
    assert!(refused, "ListOffsets answered OFFSET_NOT_AVAILABLE");
    // A follower returns, the HW reaches the end, and the consumer starts there.
    restart(&mut sim, other);
    run_for(&mut sim, 8_000, &mut ev);
    assert_eq!(sim.consumers()[&1].positions.get(&tp), Some(&end));
}

fn tp_of(topic: &str, p: u32) -> TopicPartition {
    TopicPartition::new(topic, p)
}
