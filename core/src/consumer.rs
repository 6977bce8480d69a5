//! Consumer client. Filled in by the consumer-groups work.

use crate::assignor::AssignorKind;
use crate::config::ConsumerConfig;
use crate::ids::{BrokerId, NodeId, TopicName, TopicPartition};
use crate::kernel::Ctx;
use crate::message::Message;
use crate::timer::ConsumerTimer;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::Arc;

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Consumer {
    pub id: u32,
    pub group: Arc<str>,
    pub topics: Vec<TopicName>,
    pub assignor: AssignorKind,
    pub config: ConsumerConfig,
    pub bootstrap: Vec<BrokerId>,
    pub member_id: Option<Arc<str>>,
    pub generation: i32,
    pub assignment: Vec<TopicPartition>,
    pub positions: BTreeMap<TopicPartition, u64>,
}

impl Consumer {
    pub fn new(
        id: u32,
        group: Arc<str>,
        topics: Vec<TopicName>,
        assignor: AssignorKind,
        config: ConsumerConfig,
        bootstrap: Vec<BrokerId>,
    ) -> Self {
        Self {
            id,
            group,
            topics,
            assignor,
            config,
            bootstrap,
            member_id: None,
            generation: -1,
            assignment: Vec::new(),
            positions: BTreeMap::new(),
        }
    }
    pub fn start(&mut self, _ctx: &mut Ctx) {}
    pub fn leave(&mut self, _ctx: &mut Ctx) {}
    pub fn on_message(&mut self, _ctx: &mut Ctx, _from: NodeId, _msg: &Message) {}
    pub fn on_timer(&mut self, _ctx: &mut Ctx, _timer: &ConsumerTimer) {}
}
