//! The cluster metadata as ZooKeeper's committed data tree says it: registered brokers are
//! live, partition states are what the controllers wrote. Transactions are applied in zxid
//! order as soon as any server commits them, so the view never goes back.

use super::datatree::{BROKER_IDS, CONTROLLER_EPOCH, DataTree, TOPICS, Txn, ZnodeData, Zxid};
use super::messages::WatchKind;
use crate::collections::LiteMap;
use crate::controller::ClusterMetadata;
use crate::controller::metadata::{BrokerRegistration, TopicMetadata};
use crate::ids::{BrokerId, TopicName, TopicPartition};
use crate::message::PartitionState;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct CommittedView {
    pub tree: DataTree,
    pub zxid: Zxid,
    pub meta: ClusterMetadata,
    /// Partition states committed before a lower-numbered partition of their topic.
    pending: LiteMap<TopicPartition, PartitionState>,
}

impl CommittedView {
    pub fn new(racks: &LiteMap<BrokerId, Option<String>>) -> Self {
        let mut meta = ClusterMetadata::default();
        for (&b, rack) in racks {
            meta.brokers.insert(
                b,
                BrokerRegistration {
                    id: b,
                    rack: rack.clone(),
                    fenced: true,
                    broker_epoch: 0,
                    last_heartbeat_ms: 0,
                },
            );
        }
        Self {
            tree: DataTree::initial(),
            zxid: 0,
            meta,
            pending: LiteMap::new_vec(),
        }
    }

    /// Applies the committed transactions of `log[..committed]` not seen yet.
    pub fn catch_up(&mut self, log: &[Txn], committed: usize) {
        let from = log[..committed].partition_point(|t| t.zxid <= self.zxid);
        for txn in &log[from..committed] {
            self.apply(txn);
        }
    }

    fn apply(&mut self, txn: &Txn) {
        self.zxid = txn.zxid;
        for (path, kind) in self.tree.apply(txn) {
            if kind == WatchKind::NodeChildrenChanged {
                continue;
            }
            self.refresh(&path);
        }
    }

    fn refresh(&mut self, path: &str) {
        let node = self.tree.get(path).map(|n| (n.data.clone(), n.czxid));
        if path == CONTROLLER_EPOCH {
            if let Some((ZnodeData::ControllerEpoch(e), _)) = node {
                self.meta.controller_epoch = e;
            }
            return;
        }
        if let Some(id) = path.strip_prefix(&format!("{BROKER_IDS}/")) {
            if let Ok(b) = id.parse::<BrokerId>()
                && let Some(reg) = self.meta.brokers.get_mut(&b)
            {
                reg.fenced = node.is_none();
                if let Some((_, cz)) = node {
                    reg.broker_epoch = cz;
                }
            }
            return;
        }
        let Some(rest) = path.strip_prefix(&format!("{TOPICS}/")) else {
            return;
        };
        match node {
            Some((ZnodeData::TopicAssignment { config, .. }, _)) => {
                let name: TopicName = Arc::from(rest);
                match self.meta.topics.get_mut(&name) {
                    Some(t) => Arc::make_mut(t).config = config,
                    None => {
                        self.meta.topics.insert(
                            name.clone(),
                            Arc::new(TopicMetadata {
                                config,
                                partitions: Vec::new(),
                            }),
                        );
                    }
                }
                self.flush(&name);
            }
            Some((ZnodeData::PartitionState { state, .. }, _)) => self.put_state(state),
            _ => {}
        }
    }

    fn put_state(&mut self, state: PartitionState) {
        let Some(t) = self.meta.topics.get_mut(&state.tp.topic).map(Arc::make_mut) else {
            self.pending.insert(state.tp.clone(), state);
            return;
        };
        let p = state.tp.partition as usize;
        if p < t.partitions.len() {
            t.partitions[p] = state;
            return;
        }
        if p > t.partitions.len() {
            self.pending.insert(state.tp.clone(), state);
            return;
        }
        let topic = state.tp.topic.clone();
        t.partitions.push(state);
        self.flush(&topic);
    }

    /// Appends the partitions that were waiting for a lower-numbered one.
    fn flush(&mut self, topic: &TopicName) {
        let Some(t) = self.meta.topics.get_mut(topic) else {
            return;
        };
        loop {
            let next = TopicPartition::new(topic.clone(), t.partitions.len() as u32);
            match self.pending.remove(&next) {
                Some(s) => Arc::make_mut(t).partitions.push(s),
                None => break,
            }
        }
    }
}
