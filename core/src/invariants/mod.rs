//! The invariants a faithful Kafka model keeps (kafka-reference.md section 8), checked from
//! the outside after every simulation step. The checker reads the simulator's state and
//! events; it shares no code with the logic it checks. The coordinator modes' own invariants
//! are in `zookeeper` and `kraft`.

mod kraft;
mod zookeeper;

use crate::config::Acks;
use crate::event::{Event, EventKind};
use crate::ids::{BrokerId, NO_LEADER, NodeId, TopicPartition};
use crate::log::RecordId;
use crate::sim::Sim;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

/// A broken invariant, with what was seen.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Violation {
    pub invariant: &'static str,
    pub time: u64,
    pub detail: String,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} violated at {} ms: {}",
            self.invariant, self.time, self.detail
        )
    }
}

/// Tracks what was promised (acknowledged writes, records consumers read) and checks the
/// cluster still keeps those promises.
#[derive(Debug, Default)]
pub struct Checker {
    /// Records acknowledged to an acks=all producer: (partition, offset) -> record.
    committed: BTreeMap<TopicPartition, BTreeMap<u64, RecordId>>,
    /// Records handed to a consumer: they must never change.
    consumed: BTreeMap<TopicPartition, BTreeMap<u64, RecordId>>,
    leader_epochs: BTreeMap<TopicPartition, i32>,
    zookeeper: zookeeper::ZkChecker,
    kraft: kraft::KraftChecker,
    pub events_checked: u64,
    pub steps_checked: u64,
}

impl Checker {
    pub fn new() -> Self {
        Self::default()
    }

    /// Number of acks=all acknowledged records being tracked.
    pub fn committed_records(&self) -> usize {
        self.committed.values().map(|m| m.len()).sum()
    }

    /// Takes in the events of one step, then checks every invariant that step could break.
    pub fn observe(&mut self, sim: &Sim, events: &[Event]) -> Result<(), Violation> {
        self.steps_checked += 1;
        self.events_checked += events.len() as u64;
        let now = sim.now();
        let fail = |invariant, detail: String| Violation {
            invariant,
            time: now,
            detail,
        };
        let mut touched: BTreeSet<TopicPartition> = BTreeSet::new();
        for e in events {
            match &e.kind {
                EventKind::ProduceAcknowledged {
                    producer,
                    record,
                    tp,
                    offset: Some(offset),
                } => {
                    let acks_all = sim
                        .producers()
                        .get(producer)
                        .is_some_and(|p| p.config.acks == Acks::All);
                    if acks_all {
                        self.committed
                            .entry(tp.clone())
                            .or_default()
                            .insert(*offset, *record);
                    }
                    touched.insert(tp.clone());
                }
                EventKind::RecordsConsumed { tp, records, .. } => {
                    let seen = self.consumed.entry(tp.clone()).or_default();
                    for &(offset, id) in records {
                        if let Some(&before) = seen.get(&offset)
                            && before != id
                        {
                            return Err(fail(
                                "ConsistentRead",
                                format!(
                                    "{tp} offset {offset} was read as record {before}, now as {id}"
                                ),
                            ));
                        }
                        seen.insert(offset, id);
                    }
                    touched.insert(tp.clone());
                }
                EventKind::RecordsAppended { tp, .. }
                | EventKind::RecordsTruncated { tp, .. }
                | EventKind::HighWatermarkAdvanced { tp, .. }
                | EventKind::LeaderElected { tp, .. }
                | EventKind::IsrChanged { tp, .. }
                | EventKind::BecameLeader { tp, .. }
                | EventKind::BecameFollower { tp, .. }
                | EventKind::LogStartOffsetAdvanced { tp, .. } => {
                    touched.insert(tp.clone());
                }
                _ => {}
            }
        }
        self.check_controller_state(sim)
            .map_err(|(i, d)| fail(i, d))?;
        self.zookeeper
            .observe(sim, events)
            .map_err(|(i, d)| fail(i, d))?;
        self.kraft
            .observe(sim, events)
            .map_err(|(i, d)| fail(i, d))?;
        for tp in &touched {
            self.check_partition(sim, tp).map_err(|(i, d)| fail(i, d))?;
        }
        Ok(())
    }

    /// LeaderInIsr, non-empty ISR, and leader epochs that never go back.
    fn check_controller_state(&mut self, sim: &Sim) -> Result<(), (&'static str, String)> {
        for p in sim.coordinator().metadata().partitions() {
            if p.isr.is_empty() {
                return Err(("IsrNeverEmpty", format!("{} has an empty ISR", p.tp)));
            }
            if p.leader != NO_LEADER && !p.isr.contains(&p.leader) {
                return Err((
                    "LeaderInIsr",
                    format!("{} leader {} not in ISR {:?}", p.tp, p.leader, p.isr),
                ));
            }
            let last = self
                .leader_epochs
                .entry(p.tp.clone())
                .or_insert(p.leader_epoch);
            if p.leader_epoch < *last {
                return Err((
                    "LeaderEpochMonotonic",
                    format!(
                        "{} leader epoch went from {} to {}",
                        p.tp, last, p.leader_epoch
                    ),
                ));
            }
            *last = p.leader_epoch;
        }
        Ok(())
    }

    fn check_partition(
        &self,
        sim: &Sim,
        tp: &TopicPartition,
    ) -> Result<(), (&'static str, String)> {
        let Some(state) = sim.coordinator().metadata().partition(tp) else {
            return Ok(());
        };
        // LogMatching: any two replicas agree below the smaller of their HWs.
        let replicas: Vec<(BrokerId, &crate::log::ReplicaLog)> = state
            .replicas
            .iter()
            .filter_map(|&b| sim.replica(b, tp).map(|p| (b, &p.log)))
            .collect();
        for (i, (a, la)) in replicas.iter().enumerate() {
            for (b, lb) in &replicas[i + 1..] {
                let upto = la.high_watermark().min(lb.high_watermark());
                let from = la.log_start_offset().max(lb.log_start_offset());
                for offset in from..upto {
                    let (ra, rb) = (la.get(offset), lb.get(offset));
                    if ra.map(|r| r.id) != rb.map(|r| r.id) {
                        return Err((
                            "LogMatching",
                            format!(
                                "{tp} offset {offset}: broker {a} has {:?}, broker {b} has {:?} (both below HW {upto})",
                                ra.map(|r| r.id),
                                rb.map(|r| r.id)
                            ),
                        ));
                    }
                }
            }
        }
        // NoCommittedRecordLost / LeaderCompleteness: the partition's leader (as the
        // controller chose it) holds every record acknowledged to acks=all.
        if state.leader == NO_LEADER {
            return Ok(()); // offline: unavailable, not lost (yet)
        }
        let Some(leader_log) = sim.replica(state.leader, tp).map(|p| &p.log) else {
            return Ok(());
        };
        for (promised, what) in [
            (&self.committed, "NoCommittedRecordLost"),
            (&self.consumed, "ConsistentRead"),
        ] {
            let Some(records) = promised.get(tp) else {
                continue;
            };
            for (&offset, &id) in records.range(leader_log.log_start_offset()..) {
                let held = leader_log.get(offset).map(|r| r.id);
                if held != Some(id) {
                    return Err((
                        what,
                        format!(
                            "{tp} offset {offset} held record {id}; leader broker {} (epoch {}) now has {:?}",
                            state.leader, state.leader_epoch, held
                        ),
                    ));
                }
            }
        }
        Ok(())
    }

    /// Liveness after faults heal: every partition has a leader and its full ISR, and no
    /// producer still has a write that was neither accepted nor rejected.
    pub fn check_recovered(&self, sim: &Sim) -> Result<(), Violation> {
        let now = sim.now();
        for p in sim.coordinator().metadata().partitions() {
            if p.leader == NO_LEADER || p.isr.len() != p.replicas.len() {
                return Err(Violation {
                    invariant: "EventualRecovery",
                    time: now,
                    detail: format!(
                        "{} leader {} isr {:?} replicas {:?}",
                        p.tp, p.leader, p.isr, p.replicas
                    ),
                });
            }
        }
        for (id, p) in sim.producers() {
            if sim.is_up(NodeId::Producer(*id)) && p.outstanding() > 0 {
                return Err(Violation {
                    invariant: "EveryWriteAnswered",
                    time: now,
                    detail: format!(
                        "producer-{id} still has {} unanswered records",
                        p.outstanding()
                    ),
                });
            }
        }
        Ok(())
    }
}
