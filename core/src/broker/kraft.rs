//! A broker in KRaft mode (KIP-631): it registers with the active controller, heartbeats,
//! starts fenced, and learns metadata by fetching `__cluster_metadata` as an observer.
//!
//! STUB: the seam only; the protocol is being written.

use super::Broker;
use crate::controller::kraft::{KraftBrokerTimer, KraftMessage};
use crate::ids::NodeId;
use crate::kernel::Ctx;

impl Broker {
    pub(super) fn kraft_start(&mut self, _ctx: &mut Ctx) {}

    pub(super) fn on_kraft_message(&mut self, _ctx: &mut Ctx, _from: NodeId, _msg: &KraftMessage) {}

    pub(super) fn on_kraft_timer(&mut self, _ctx: &mut Ctx, _timer: &KraftBrokerTimer) {}
}
