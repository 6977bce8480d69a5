//! KRaft mode: at most one Raft leader per epoch (NeverTwoLeadersInSameEpoch); committed
//! metadata never diverges (NoLogDivergence: any two voters agree on every entry below the
//! smaller of their HWs, and a committed entry never changes afterwards).

use crate::controller::CoordinatorImpl;
use crate::event::{Event, EventKind};
use crate::sim::Sim;
use std::collections::BTreeMap;

/// What this checker remembers between steps.
#[derive(Debug, Default)]
pub struct KraftChecker {
    /// The leader each epoch had.
    leaders: BTreeMap<i32, i32>,
    /// Epoch of each committed entry, by offset, as first seen committed.
    committed_epochs: Vec<i32>,
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
        // NoLogDivergence: committed entries are identified by (offset, epoch) (the Raft log
        // matching property makes equal (offset, epoch) mean equal prefixes).
        for v in &q.voters {
            let upto = v.high_watermark.min(v.log.end_offset());
            for offset in 0..upto {
                let Some(entry) = v.log.get(offset) else {
                    break;
                };
                match self.committed_epochs.get(offset as usize) {
                    Some(&epoch) if epoch != entry.epoch => {
                        return Err((
                            "NoLogDivergence",
                            format!(
                                "controller {} has epoch {} at committed offset {offset}, \
                                 committed earlier with epoch {epoch}",
                                v.id, entry.epoch
                            ),
                        ));
                    }
                    Some(_) => {}
                    None => self.committed_epochs.push(entry.epoch),
                }
            }
        }
        // The committed view never outruns what some voter committed.
        if q.committed_offset as usize > self.committed_epochs.len() {
            return Err((
                "NoLogDivergence",
                format!(
                    "committed view at offset {} but voters committed only {}",
                    q.committed_offset,
                    self.committed_epochs.len()
                ),
            ));
        }
        Ok(())
    }
}
