//! KRaft mode: at most one Raft leader per epoch (NeverTwoLeadersInSameEpoch); committed
//! metadata never diverges (NoLogDivergence: any two voters agree on every entry below the
//! smaller of their HWs, and a committed entry never changes afterwards).

use crate::controller::CoordinatorImpl;
use crate::controller::kraft::LogEntry;
use crate::event::{Event, EventKind};
use crate::sim::Sim;
use std::collections::BTreeMap;

/// What this checker remembers between steps.
#[derive(Debug, Default)]
pub struct KraftChecker {
    /// The leader each epoch had.
    leaders: BTreeMap<i32, i32>,
    /// Each committed entry, by offset, as first seen committed.
    committed: Vec<LogEntry>,
    /// How far each voter's log has been checked.
    checked: BTreeMap<i32, u64>,
}

impl KraftChecker {
    /// Checks one step. Does nothing unless the simulation runs this mode.
    pub fn observe(&mut self, sim: &Sim, events: &[Event]) -> Result<(), (&'static str, String)> {
        let CoordinatorImpl::Kraft(q) = sim.coordinator_impl() else {
            return Ok(());
        };
        // NeverTwoLeadersInSameEpoch: from the voters' state and from election events.
        let mut claims: Vec<(i32, i32)> = q
            .voters
            .iter()
            .filter(|v| v.up && v.is_leader())
            .map(|v| (v.epoch, v.id))
            .collect();
        for e in events {
            if let EventKind::Kraft(crate::controller::kraft::KraftEvent::LeaderElected {
                voter,
                epoch,
                ..
            }) = &e.kind
            {
                claims.push((*epoch, *voter));
            }
        }
        for (epoch, leader) in claims {
            let known = *self.leaders.entry(epoch).or_insert(leader);
            if known != leader {
                return Err((
                    "NeverTwoLeadersInSameEpoch",
                    format!("controllers {known} and {leader} both led epoch {epoch}"),
                ));
            }
        }
        // NoLogDivergence: every voter's entries below its HW equal the entries first seen
        // committed at those offsets, and a committed entry never leaves a voter's log. Logs
        // only grow or lose their uncommitted tail, so each voter is checked from where its
        // last check stopped, with the last checked entry as a sentinel.
        for v in &q.voters {
            let checked = self.checked.get(&v.id).copied().unwrap_or(0);
            if v.log.end_offset() < checked {
                return Err((
                    "NoLogDivergence",
                    format!(
                        "controller {} truncated its log to {} below its committed offset {checked}",
                        v.id,
                        v.log.end_offset()
                    ),
                ));
            }
            let upto = v.high_watermark.min(v.log.end_offset());
            let from = checked.saturating_sub(1);
            for offset in from..upto.max(checked) {
                let Some(entry) = v.log.get(offset) else {
                    break;
                };
                match self.committed.get(offset as usize) {
                    Some(c) if c != entry => {
                        return Err((
                            "NoLogDivergence",
                            format!(
                                "controller {} has {} (epoch {}) at committed offset {offset}, committed as {} (epoch {})",
                                v.id,
                                entry.record.describe(),
                                entry.epoch,
                                c.record.describe(),
                                c.epoch
                            ),
                        ));
                    }
                    Some(_) => {}
                    None if offset < upto => self.committed.push(entry.clone()),
                    None => {}
                }
            }
            self.checked.insert(v.id, upto.max(checked));
        }
        // The committed view never outruns what some voter committed.
        if q.committed_offset as usize > self.committed.len() {
            return Err((
                "NoLogDivergence",
                format!(
                    "committed view at offset {} but voters committed only {}",
                    q.committed_offset,
                    self.committed.len()
                ),
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{ClusterConfig, CoordinatorMode, Profile};
    use crate::controller::kraft::{KraftEvent, MetadataRecord};

    fn sim() -> Sim {
        Sim::new(
            ClusterConfig::new(Profile::Teaching, 3).with_mode(CoordinatorMode::Kraft),
            1,
        )
        .expect("config")
    }

    #[test]
    fn a_second_leader_claiming_an_epoch_is_caught() {
        let sim = sim();
        let mut c = KraftChecker::default();
        assert!(c.observe(&sim, &[]).is_ok());
        let claim = Event {
            time: 0,
            kind: EventKind::Kraft(KraftEvent::LeaderElected {
                voter: 101,
                epoch: 1,
                votes: vec![101, 102],
            }),
        };
        let err = c
            .observe(&sim, &[claim])
            .expect_err("two leaders in epoch 1");
        assert_eq!(err.0, "NeverTwoLeadersInSameEpoch");
    }

    #[test]
    fn a_rewritten_committed_entry_is_caught() {
        let mut sim = sim();
        let mut c = KraftChecker::default();
        assert!(c.observe(&sim, &[]).is_ok());
        let CoordinatorImpl::Kraft(q) = &mut sim.coordinator else {
            panic!("KRaft")
        };
        let v = &mut q.voters[2];
        let end = v.log.end_offset();
        v.log.truncate_to(end - 1);
        v.log.append(
            1,
            MetadataRecord::BrokerRegistrationChange {
                id: 3,
                fenced: true,
            },
        );
        let err = c.observe(&sim, &[]).expect_err("divergence");
        assert_eq!(err.0, "NoLogDivergence");
    }
}
