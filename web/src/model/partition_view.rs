//! One partition seen replica by replica: each replica's log as a row of offsets with its
//! high watermark and log end offset, and the records it lost to truncation (struck through).

use super::world::World;
use kafkascope_core::log::Record;
use kafkascope_core::snapshot::ReplicaRole;
use kafkascope_core::{BrokerId, NO_LEADER, TopicPartition};
use std::sync::Arc;

/// Most records shown per replica row (the newest ones).
pub const ROW_RECORDS: usize = 40;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordCell {
    pub offset: u64,
    pub leader_epoch: i32,
    pub key: Option<Arc<str>>,
    pub value: Arc<str>,
}

impl RecordCell {
    fn of(r: &Record) -> Self {
        Self {
            offset: r.offset,
            leader_epoch: r.leader_epoch,
            key: r.key.clone(),
            value: r.value.clone(),
        }
    }

    /// `0: order-1`
    pub fn label(&self) -> String {
        format!("{}: {}", self.offset, self.value)
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReplicaRow {
    pub broker: BrokerId,
    pub broker_up: bool,
    pub role: ReplicaRole,
    pub in_isr: bool,
    pub leader_epoch: i32,
    pub log_start_offset: u64,
    pub log_end_offset: u64,
    pub high_watermark: u64,
    /// Records before the shown window.
    pub hidden_before: u64,
    pub records: Vec<RecordCell>,
    /// Records this replica lost to truncation, oldest first.
    pub lost: Vec<RecordCell>,
    /// A follower (or a down old leader) holding records the leader's log does not: the
    /// offset it will truncate to when it fetches from the leader (after an unclean
    /// election, what it will lose).
    pub diverges_at: Option<u64>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PartitionView {
    pub tp: TopicPartition,
    pub leader: BrokerId,
    pub leader_epoch: i32,
    pub isr: Vec<BrokerId>,
    pub rows: Vec<ReplicaRow>,
}

impl PartitionView {
    /// The view of `tp` now, replicas in assignment order. None if there is no such partition.
    pub fn build(world: &World, tp: &TopicPartition) -> Option<Self> {
        let snap = world.snapshot();
        let part = snap
            .topics
            .iter()
            .find(|t| t.name == tp.topic)?
            .partitions
            .get(tp.partition as usize)?;
        let leader_log = (part.leader != NO_LEADER)
            .then(|| world.sim().replica(part.leader, tp).map(|p| &p.log))
            .flatten();
        let rows = part
            .replicas
            .iter()
            .map(|&b| {
                let bs = snap.brokers.iter().find(|x| x.id == b);
                let rs = bs.and_then(|x| x.replicas.iter().find(|r| &r.tp == tp));
                let log = world.sim().replica(b, tp).map(|p| &p.log);
                let (records, hidden_before) = match log {
                    Some(l) => {
                        let skip = l.len().saturating_sub(ROW_RECORDS);
                        (
                            l.records().skip(skip).map(RecordCell::of).collect(),
                            skip as u64,
                        )
                    }
                    None => (Vec::new(), 0),
                };
                ReplicaRow {
                    broker: b,
                    broker_up: bs.is_some_and(|x| x.up),
                    role: rs.map_or(ReplicaRole::None, |r| r.role),
                    in_isr: part.isr.contains(&b),
                    leader_epoch: rs.map_or(-1, |r| r.leader_epoch),
                    log_start_offset: rs.map_or(0, |r| r.log_start_offset),
                    log_end_offset: rs.map_or(0, |r| r.log_end_offset),
                    high_watermark: rs.map_or(0, |r| r.high_watermark),
                    hidden_before,
                    records,
                    lost: world
                        .lost(tp, b)
                        .map(|v| v.iter().map(RecordCell::of).collect())
                        .unwrap_or_default(),
                    diverges_at: match (log, leader_log) {
                        (Some(l), Some(leader)) if b != part.leader => l.divergence_from(leader),
                        _ => None,
                    },
                }
            })
            .collect();
        Some(Self {
            tp: tp.clone(),
            leader: part.leader,
            leader_epoch: part.leader_epoch,
            isr: part.isr.clone(),
            rows,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::world::{BrokerAction, ProduceRequest};
    use crate::model::{Scenario, World};
    use kafkascope_core::Acks;

    #[test]
    fn rows_show_each_replicas_records_hw_and_leo() {
        let mut w = World::new(&Scenario::default(), 3).unwrap();
        w.advance_to(500);
        for i in 0..3 {
            w.produce(&ProduceRequest {
                topic: "orders".into(),
                key: Some("customer-123".into()),
                value: format!("order-{i}"),
                acks: Acks::All,
            })
            .unwrap();
        }
        w.advance_to(3_000);
        let v = w.partition_view(&TopicPartition::new("orders", 0)).unwrap();
        assert_eq!(v.rows.len(), 3);
        for r in &v.rows {
            assert_eq!(r.log_end_offset, 3, "broker {}", r.broker);
            assert_eq!(r.high_watermark, 3);
            assert!(r.in_isr);
            assert_eq!(
                r.records.iter().map(RecordCell::label).collect::<Vec<_>>(),
                ["0: order-0", "1: order-1", "2: order-2"]
            );
        }
        assert_eq!(
            v.rows
                .iter()
                .filter(|r| r.role == ReplicaRole::Leader)
                .count(),
            1
        );
        assert!(
            w.partition_view(&TopicPartition::new("orders", 9))
                .is_none()
        );
    }

    #[test]
    fn records_lost_to_unclean_election_show_on_the_replica_that_lost_them() {
        // RF 2, unclean election allowed; the follower falls out of the ISR while isolated,
        // the leader takes writes alone, then the leader dies and the stale follower leads.
        let mut s = Scenario {
            brokers: 2,
            acks: Acks::Leader,
            ..Scenario::default()
        };
        s.topics[0].partitions = 1;
        s.topics[0].replication_factor = 2;
        s.topics[0].min_insync_replicas = 1;
        s.topics[0].unclean_leader_election = true;
        let mut w = World::new(&s, 5).unwrap();
        w.advance_to(1_000);
        let tp = TopicPartition::new("orders", 0);
        let leader = w.snapshot().topics[0].partitions[0].leader;
        let follower = if leader == 1 { 2 } else { 1 };
        w.broker_action(follower, BrokerAction::Crash).unwrap();
        w.advance_to(6_000);
        for i in 0..2 {
            w.produce(&ProduceRequest {
                topic: "orders".into(),
                key: None,
                value: format!("order-{i}"),
                acks: Acks::Leader,
            })
            .unwrap();
        }
        w.advance_to(7_000);
        w.broker_action(leader, BrokerAction::Crash).unwrap();
        w.broker_action(follower, BrokerAction::Restart).unwrap();
        w.advance_to(15_000);
        // Before it is back, the old leader's two records are already marked: the new
        // leader's log does not have them, so fetching from it will truncate them.
        let v = w.partition_view(&tp).unwrap();
        assert_eq!(v.leader, follower, "the stale follower leads (unclean)");
        let old = v.rows.iter().find(|r| r.broker == leader).unwrap();
        assert_eq!(old.diverges_at, Some(0), "{old:#?}");
        assert!(old.lost.is_empty());
        let new = v.rows.iter().find(|r| r.broker == follower).unwrap();
        assert_eq!(new.diverges_at, None);
        w.broker_action(leader, BrokerAction::Restart).unwrap();
        w.advance_to(25_000);
        let v = w.partition_view(&tp).unwrap();
        let old = v.rows.iter().find(|r| r.broker == leader).unwrap();
        assert_eq!(
            old.lost.iter().map(RecordCell::label).collect::<Vec<_>>(),
            ["0: order-0", "1: order-1"],
            "{:#?}",
            w.log()
        );
        assert_eq!(
            old.diverges_at, None,
            "truncated: it agrees with the leader now"
        );
    }
}
