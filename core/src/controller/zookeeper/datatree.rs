//! ZooKeeper's data tree: znodes with typed data, a version, the zxid that created them and,
//! for ephemeral znodes, the owning session; the sessions themselves; and the transactions
//! that change it (applied in zxid order by every server).

use super::messages::{SessionId, WatchKind, ZkError, ZkOp};
use crate::collections::LiteMap;
use crate::ids::BrokerId;
use crate::message::{PartitionState, TopicConfig};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::Arc;

/// A ZooKeeper transaction id: ZAB epoch in the high 32 bits, counter in the low 32.
pub type Zxid = u64;

pub fn zxid(epoch: u32, counter: u32) -> Zxid {
    ((epoch as u64) << 32) | counter as u64
}

pub fn zxid_epoch(z: Zxid) -> u32 {
    (z >> 32) as u32
}

pub fn zxid_text(z: Zxid) -> String {
    format!("0x{:x}{:08x}", z >> 32, z & 0xffff_ffff)
}

pub const CONTROLLER: &str = "/controller";
pub const CONTROLLER_EPOCH: &str = "/controller_epoch";
pub const BROKER_IDS: &str = "/brokers/ids";
pub const TOPICS: &str = "/brokers/topics";

pub fn broker_path(b: BrokerId) -> String {
    format!("{BROKER_IDS}/{b}")
}

pub fn topic_path(t: &str) -> String {
    format!("{TOPICS}/{t}")
}

pub fn partition_state_path(t: &str, p: u32) -> String {
    format!("{TOPICS}/{t}/partitions/{p}/state")
}

/// What Kafka stores in its znodes (JSON in Kafka; typed here).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ZnodeData {
    BrokerRegistration {
        broker: BrokerId,
        rack: Option<String>,
    },
    Controller {
        broker: BrokerId,
    },
    ControllerEpoch(i32),
    TopicAssignment {
        replicas: Vec<Vec<BrokerId>>,
        config: Arc<TopicConfig>,
    },
    /// `{"leader", "leader_epoch", "isr", "controller_epoch"}`; the replicas and config ride
    /// along so the state is self-contained.
    PartitionState {
        state: PartitionState,
        controller_epoch: i32,
    },
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Znode {
    pub data: ZnodeData,
    pub version: u32,
    pub czxid: Zxid,
    pub ephemeral_owner: Option<SessionId>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionInfo {
    pub broker: BrokerId,
    pub timeout_ms: u64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum TxnKind {
    CreateSession {
        session: SessionId,
        broker: BrokerId,
        timeout_ms: u64,
    },
    CloseSession {
        session: SessionId,
        /// How long the session had been silent when the leader that proposed the close saw
        /// its deadline pass (for the narration: a later leader may commit the close from
        /// its history, without the ping times the proposer tracked).
        silent_ms: u64,
    },
    /// A validated write (a multi of operations).
    Multi { session: SessionId, ops: Vec<ZkOp> },
}

/// One transaction, with who to answer once it commits.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Txn {
    pub zxid: Zxid,
    pub kind: TxnKind,
    /// (server the client is connected to, client node, request xid).
    pub reply_to: Option<(i32, crate::ids::NodeId, u64)>,
}

/// A change a watch may care about.
pub type Trigger = (String, WatchKind);

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DataTree {
    /// A B-tree, not a `LiteMap`: 10,000s of znodes created in no path order, and `children`
    /// reads a key range.
    pub nodes: BTreeMap<String, Znode>,
    pub sessions: LiteMap<SessionId, SessionInfo>,
}

fn parent(path: &str) -> &str {
    path.rfind('/').map_or("/", |i| &path[..i])
}

impl DataTree {
    /// The tree of a cluster that has never had a controller.
    pub fn initial() -> Self {
        let mut t = DataTree::default();
        t.nodes.insert(
            CONTROLLER_EPOCH.into(),
            Znode {
                data: ZnodeData::ControllerEpoch(0),
                version: 0,
                czxid: 0,
                ephemeral_owner: None,
            },
        );
        t
    }

    pub fn get(&self, path: &str) -> Option<&Znode> {
        self.nodes.get(path)
    }

    /// Direct children of `path`, with their creation zxid.
    pub fn children(&self, path: &str) -> Vec<(String, Zxid)> {
        let prefix = format!("{path}/");
        self.nodes
            .range(prefix.clone()..)
            .take_while(|(k, _)| k.starts_with(&prefix))
            .filter(|(k, _)| !k[prefix.len()..].contains('/'))
            .map(|(k, n)| (k[prefix.len()..].to_string(), n.czxid))
            .collect()
    }

    /// Whether a multi would succeed on this tree (checked by the leader before proposing).
    pub fn validate(&self, ops: &[ZkOp]) -> Result<(), ZkError> {
        for op in ops {
            match op {
                ZkOp::Create { path, .. } if self.nodes.contains_key(path) => {
                    return Err(ZkError::NodeExists);
                }
                ZkOp::SetData { path, version, .. } => match self.nodes.get(path) {
                    None => return Err(ZkError::NoNode),
                    Some(n) if version.is_some_and(|v| v != n.version) => {
                        return Err(ZkError::BadVersion);
                    }
                    _ => {}
                },
                ZkOp::Delete { path } if !self.nodes.contains_key(path) => {
                    return Err(ZkError::NoNode);
                }
                ZkOp::Check { path, version } => match self.nodes.get(path) {
                    None => return Err(ZkError::NoNode),
                    Some(n) if n.version != *version => return Err(ZkError::BadVersion),
                    _ => {}
                },
                _ => {}
            }
        }
        Ok(())
    }

    /// Applies a committed (or, on the leader, proposed) transaction; returns what changed.
    pub fn apply(&mut self, txn: &Txn) -> Vec<Trigger> {
        let mut out = Vec::new();
        match &txn.kind {
            TxnKind::CreateSession {
                session,
                broker,
                timeout_ms,
            } => {
                self.sessions.insert(
                    *session,
                    SessionInfo {
                        broker: *broker,
                        timeout_ms: *timeout_ms,
                    },
                );
            }
            TxnKind::CloseSession { session, .. } => {
                self.sessions.remove(session);
                let gone: Vec<String> = self
                    .nodes
                    .iter()
                    .filter(|(_, n)| n.ephemeral_owner == Some(*session))
                    .map(|(k, _)| k.clone())
                    .collect();
                for path in gone {
                    self.nodes.remove(&path);
                    out.push((parent(&path).to_string(), WatchKind::NodeChildrenChanged));
                    out.push((path, WatchKind::NodeDeleted));
                }
            }
            TxnKind::Multi { session, ops } => {
                for op in ops {
                    match op {
                        ZkOp::Create {
                            path,
                            data,
                            ephemeral,
                        } => {
                            self.nodes.insert(
                                path.clone(),
                                Znode {
                                    data: data.clone(),
                                    version: 0,
                                    czxid: txn.zxid,
                                    ephemeral_owner: ephemeral.then_some(*session),
                                },
                            );
                            out.push((parent(path).to_string(), WatchKind::NodeChildrenChanged));
                            out.push((path.clone(), WatchKind::NodeCreated));
                        }
                        ZkOp::SetData { path, data, .. } => {
                            if let Some(n) = self.nodes.get_mut(path) {
                                n.data = data.clone();
                                n.version += 1;
                                out.push((path.clone(), WatchKind::NodeDataChanged));
                            }
                        }
                        ZkOp::Delete { path } => {
                            if self.nodes.remove(path).is_some() {
                                out.push((
                                    parent(path).to_string(),
                                    WatchKind::NodeChildrenChanged,
                                ));
                                out.push((path.clone(), WatchKind::NodeDeleted));
                            }
                        }
                        ZkOp::Check { .. } => {}
                    }
                }
            }
        }
        out
    }

    /// The ephemeral znodes a session owns.
    pub fn ephemerals_of(&self, session: SessionId) -> Vec<String> {
        self.nodes
            .iter()
            .filter(|(_, n)| n.ephemeral_owner == Some(session))
            .map(|(k, _)| k.clone())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::NodeId;

    fn multi(zxid: Zxid, session: SessionId, ops: Vec<ZkOp>) -> Txn {
        Txn {
            zxid,
            kind: TxnKind::Multi { session, ops },
            reply_to: None,
        }
    }

    #[test]
    fn ephemeral_znodes_vanish_with_their_session_and_fire_watches() {
        let mut t = DataTree::initial();
        t.apply(&Txn {
            zxid: 1,
            kind: TxnKind::CreateSession {
                session: 1,
                broker: 1,
                timeout_ms: 6_000,
            },
            reply_to: Some((1, NodeId::Controller(1), 0)),
        });
        t.apply(&multi(
            2,
            1,
            vec![ZkOp::Create {
                path: broker_path(1),
                data: ZnodeData::BrokerRegistration {
                    broker: 1,
                    rack: None,
                },
                ephemeral: true,
            }],
        ));
        assert_eq!(t.children(BROKER_IDS), vec![("1".to_string(), 2)]);
        let fired = t.apply(&Txn {
            zxid: 3,
            kind: TxnKind::CloseSession {
                session: 1,
                silent_ms: 6000,
            },
            reply_to: None,
        });
        assert!(t.children(BROKER_IDS).is_empty());
        assert!(fired.contains(&(BROKER_IDS.to_string(), WatchKind::NodeChildrenChanged)));
    }

    #[test]
    fn a_check_on_a_stale_version_fails_the_whole_multi() {
        let t = DataTree::initial();
        let ops = vec![
            ZkOp::Check {
                path: CONTROLLER_EPOCH.into(),
                version: 7,
            },
            ZkOp::Delete {
                path: CONTROLLER_EPOCH.into(),
            },
        ];
        assert_eq!(t.validate(&ops), Err(ZkError::BadVersion));
    }
}
