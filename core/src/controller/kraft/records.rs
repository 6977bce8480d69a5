//! Metadata records (KIP-631): what the active controller writes to `__cluster_metadata`,
//! and `replay`, which rebuilds cluster metadata from them. Every voter and broker replays the
//! same committed records, so they all arrive at the same `ClusterMetadata`.

use crate::controller::metadata::{BrokerRegistration, ClusterMetadata, TopicMetadata};
use crate::ids::{BrokerId, TopicName};
use crate::message::{PartitionState, TopicConfig};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum MetadataRecord {
    /// `LeaderChangeMessage`: the control record a new Raft leader writes first.
    LeaderChange {
        epoch: i32,
        leader: i32,
        voters: Vec<i32>,
    },
    /// `RegisterBrokerRecord`; the broker epoch is the record's offset.
    RegisterBroker {
        id: BrokerId,
        rack: Option<String>,
        broker_epoch: u64,
        /// Which run of the broker process registered (KIP-631's incarnation id).
        incarnation: u64,
        fenced: bool,
    },
    /// `BrokerRegistrationChangeRecord` (fence / unfence).
    BrokerRegistrationChange { id: BrokerId, fenced: bool },
    /// `TopicRecord`.
    Topic {
        name: TopicName,
        config: Arc<TopicConfig>,
    },
    /// `PartitionRecord` / `PartitionChangeRecord`: the partition's whole new state.
    Partition(PartitionState),
}

impl MetadataRecord {
    /// A short label for traces and the UI.
    pub fn describe(&self) -> String {
        match self {
            MetadataRecord::LeaderChange { epoch, leader, .. } => {
                format!("LeaderChange(epoch {epoch}, leader {leader})")
            }
            MetadataRecord::RegisterBroker {
                id, broker_epoch, ..
            } => format!("RegisterBroker({id}, epoch {broker_epoch})"),
            MetadataRecord::BrokerRegistrationChange { id, fenced } => {
                format!("BrokerRegistrationChange({id}, fenced={fenced})")
            }
            MetadataRecord::Topic { name, .. } => format!("Topic({name})"),
            MetadataRecord::Partition(p) => {
                format!("Partition({}, leader {}, isr {:?})", p.tp, p.leader, p.isr)
            }
        }
    }
}

/// Applies one committed record to `meta`.
pub fn replay(meta: &mut ClusterMetadata, record: &MetadataRecord) {
    match record {
        MetadataRecord::LeaderChange { epoch, .. } => meta.controller_epoch = *epoch,
        MetadataRecord::RegisterBroker {
            id,
            rack,
            broker_epoch,
            fenced,
            ..
        } => {
            meta.brokers.insert(
                *id,
                BrokerRegistration {
                    id: *id,
                    rack: rack.clone(),
                    fenced: *fenced,
                    broker_epoch: *broker_epoch,
                    last_heartbeat_ms: 0,
                },
            );
        }
        MetadataRecord::BrokerRegistrationChange { id, fenced } => {
            if let Some(r) = meta.brokers.get_mut(id) {
                r.fenced = *fenced;
            }
        }
        MetadataRecord::Topic { name, config } => {
            meta.topics.entry(name.clone()).or_insert_with(|| {
                Arc::new(TopicMetadata {
                    config: config.clone(),
                    partitions: Vec::new(),
                })
            });
        }
        MetadataRecord::Partition(p) => {
            let Some(t) = meta.topics.get_mut(&p.tp.topic).map(Arc::make_mut) else {
                return;
            };
            let idx = p.tp.partition as usize;
            if idx < t.partitions.len() {
                t.partitions[idx] = p.clone();
            } else if idx == t.partitions.len() {
                t.partitions.push(p.clone());
            }
        }
    }
}
