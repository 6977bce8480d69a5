//! ZooKeeper mode's invariants:
//! - ZabCommittedPrefix: committed transactions never diverge between servers (the same
//!   position holds the same transaction on every server) and a committed one is never lost.
//! - StaleControllerWrite: every partition-state znode write that commits carries the
//!   `/controller_epoch` current when it commits (a zombie's writes never land).
//! - BrokerEpochFromFuture: no broker has accepted a controller epoch beyond `/controller_epoch`.
//! - OneControllerPerEpoch: at most one controller activates per controller epoch.

use crate::controller::CoordinatorImpl;
use crate::controller::zookeeper::ZooKeeperMode;
use crate::controller::zookeeper::datatree::{CONTROLLER_EPOCH, Txn, TxnKind, ZnodeData};
use crate::controller::zookeeper::messages::ZkOp;
use crate::event::{Event, EventKind};
use crate::ids::NodeId;
use crate::sim::Sim;
use std::collections::BTreeMap;

/// What this checker remembers between steps.
#[derive(Debug, Default)]
pub struct ZkChecker {
    /// The longest committed history seen, position by position.
    history: Vec<Txn>,
    /// Per server: how much of its committed log was checked, and the zxid at the end of it
    /// (to notice a log that was replaced).
    checked: BTreeMap<i32, (usize, u64)>,
    /// `/controller_epoch` as the committed history says, replayed by the checker.
    epoch_version: u32,
    epoch: i32,
    activated: BTreeMap<i32, NodeId>,
}

type Res = Result<(), (&'static str, String)>;

impl ZkChecker {
    /// Checks one step. Does nothing unless the simulation runs this mode.
    pub fn observe(&mut self, sim: &Sim, events: &[Event]) -> Res {
        let CoordinatorImpl::ZooKeeper(zk) = sim.coordinator_impl() else {
            return Ok(());
        };
        for e in events {
            if let EventKind::ControllerActivated { controller, epoch } = &e.kind
                && let Some(other) = self.activated.insert(*epoch, *controller)
                && other != *controller
            {
                return Err((
                    "OneControllerPerEpoch",
                    format!("{other} and {controller} both activated in controller epoch {epoch}"),
                ));
            }
        }
        self.check_history(zk)?;
        let current = zk.view.meta.controller_epoch;
        for b in sim.brokers().values() {
            if b.metadata.controller_epoch > current {
                return Err((
                    "BrokerEpochFromFuture",
                    format!(
                        "broker {} accepted controller epoch {} but /controller_epoch is {current}",
                        b.id, b.metadata.controller_epoch
                    ),
                ));
            }
        }
        Ok(())
    }

    fn check_history(&mut self, zk: &ZooKeeperMode) -> Res {
        for (&id, s) in &zk.servers {
            let (mut from, end_zxid) = self.checked.get(&id).copied().unwrap_or((0, 0));
            if from > s.committed || (from > 0 && s.log[from - 1].zxid != end_zxid) {
                from = 0; // its log was replaced by a leader's: check it all again
            }
            for i in from..s.committed {
                let txn = &s.log[i];
                match self.history.get(i) {
                    Some(h) if h != txn => {
                        return Err((
                            "ZabCommittedPrefix",
                            format!(
                                "server {id} committed {:?} at position {i}, another server committed {:?}",
                                txn.zxid, h.zxid
                            ),
                        ));
                    }
                    Some(_) => {}
                    None => {
                        self.apply(txn)?;
                        self.history.push(txn.clone());
                    }
                }
            }
            let end = s.committed.checked_sub(1).map_or(0, |i| s.log[i].zxid);
            self.checked.insert(id, (s.committed, end));
        }
        Ok(())
    }

    /// Replays a newly committed transaction: partition states it writes must carry the
    /// controller epoch current at that point of the history.
    fn apply(&mut self, txn: &Txn) -> Res {
        let TxnKind::Multi { ops, .. } = &txn.kind else {
            return Ok(());
        };
        let mut next_epoch = None;
        for op in ops {
            match op {
                ZkOp::SetData {
                    path,
                    data: ZnodeData::ControllerEpoch(e),
                    ..
                } if path == CONTROLLER_EPOCH => next_epoch = Some(*e),
                ZkOp::Create {
                    data:
                        ZnodeData::PartitionState {
                            controller_epoch, ..
                        },
                    path,
                    ..
                }
                | ZkOp::SetData {
                    data:
                        ZnodeData::PartitionState {
                            controller_epoch, ..
                        },
                    path,
                    ..
                } if *controller_epoch != self.epoch => {
                    return Err((
                        "StaleControllerWrite",
                        format!(
                            "{path} was written by controller epoch {controller_epoch} while /controller_epoch is {}",
                            self.epoch
                        ),
                    ));
                }
                _ => {}
            }
        }
        if let Some(e) = next_epoch {
            self.epoch = e;
            self.epoch_version += 1;
        }
        Ok(())
    }
}
