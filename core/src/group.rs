//! Group coordinator (broker side). Filled in by the consumer-groups work.

use crate::broker::Broker;
use crate::ids::NodeId;
use crate::kernel::Ctx;
use crate::message::Message;
use crate::timer::BrokerTimer;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct GroupCoordinator {}

impl Broker {
    pub(crate) fn on_group_request(&mut self, _ctx: &mut Ctx, _from: NodeId, _msg: &Message) {}
    pub(crate) fn on_group_timer(&mut self, _ctx: &mut Ctx, _timer: &BrokerTimer) {}
}
