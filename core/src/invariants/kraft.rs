//! KRaft mode: at most one Raft leader per epoch (NeverTwoLeadersInSameEpoch); committed metadata never diverges (NoLogDivergence below the common HW).
//!
//! STUB: the seam only.

use crate::event::Event;
use crate::sim::Sim;

/// What this checker remembers between steps.
#[derive(Debug, Default)]
pub struct KraftChecker {}

impl KraftChecker {
    /// Checks one step. Does nothing unless the simulation runs this mode.
    pub fn observe(&mut self, _sim: &Sim, _events: &[Event]) -> Result<(), (&'static str, String)> {
        Ok(())
    }
}
