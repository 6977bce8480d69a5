//! ZooKeeper mode: no state change accepted from a controller with a stale epoch; at most one controller acting per controller epoch.
//!
//! STUB: the seam only.

use crate::event::Event;
use crate::sim::Sim;

/// What this checker remembers between steps.
#[derive(Debug, Default)]
pub struct ZkChecker {}

impl ZkChecker {
    /// Checks one step. Does nothing unless the simulation runs this mode.
    pub fn observe(&mut self, _sim: &Sim, _events: &[Event]) -> Result<(), (&'static str, String)> {
        Ok(())
    }
}
