//! The controller channel to brokers: LeaderAndIsr and UpdateMetadata with committed state
//! only, and resync of a broker whose answer shows it missed something.

use super::*;

impl KafkaController {
    pub(super) fn send_update_metadata(
        &mut self,
        ctx: &mut Ctx,
        b: BrokerId,
        partitions: Vec<PartitionState>,
        live: &[BrokerId],
    ) {
        ctx.send(
            NodeId::Broker(b),
            Message::UpdateMetadata {
                controller_id: self.broker,
                controller_epoch: self.epoch,
                partitions,
                live_brokers: live.to_vec(),
            },
        );
    }

    pub(super) fn send_leader_and_isr(
        &mut self,
        ctx: &mut Ctx,
        b: BrokerId,
        partitions: Vec<PartitionState>,
    ) {
        let ch = self.channel.entry(b).or_default();
        ch.last_sent = ctx.now();
        ch.probed = partitions.is_empty();
        // Until the broker answers this one, what it holds is unknown.
        ch.acked_digest = None;
        ctx.send(
            NodeId::Broker(b),
            Message::LeaderAndIsr {
                controller_id: self.broker,
                controller_epoch: self.epoch,
                partitions,
            },
        );
    }

    /// LeaderAndIsr to the live replicas of `changed`, UpdateMetadata to every live broker;
    /// brokers in `full_sync` get all their partitions and the whole metadata. Only what
    /// ZooKeeper is known to hold goes out: the context may already carry a later decision
    /// whose write has not committed (and may never: Kafka's controller updates its context
    /// only after `updateLeaderAndIsr` succeeds, so its channel never carries such a state).
    pub(super) fn publish(
        &mut self,
        ctx: &mut Ctx,
        changed: &[TopicPartition],
        full_sync: &[BrokerId],
    ) {
        let changed: SortedSet<&TopicPartition> = changed.iter().collect();
        let live = self.context.live_brokers();
        let live_changed = live != self.told_live;
        for &b in &live {
            let full = full_sync.contains(&b);
            let lai: Vec<PartitionState> = self
                .published
                .values()
                .filter(|p| p.replicas.contains(&b) && (full || changed.contains(&p.tp)))
                .cloned()
                .collect();
            if !lai.is_empty() || full {
                self.send_leader_and_isr(ctx, b, lai);
            }
        }
        for &b in &live {
            let full = full_sync.contains(&b);
            let um: Vec<PartitionState> = self
                .published
                .values()
                .filter(|p| full || changed.contains(&p.tp))
                .cloned()
                .collect();
            if !um.is_empty() || full || live_changed {
                self.send_update_metadata(ctx, b, um, &live);
            }
        }
        self.told_live = live;
    }

    pub(super) fn expected_digest(&self, b: BrokerId) -> u64 {
        replica_state_digest(
            b,
            self.published.values().filter(|p| p.replicas.contains(&b)),
        )
    }

    /// Kafka's controller channel resends a request until the broker answers; here a broker
    /// whose last answer disagrees with the controller's state is probed (an empty
    /// LeaderAndIsr), then fully resynced, with committed state only: resending a decision
    /// whose write was lost would give a broker a leader epoch ZooKeeper never held, which it
    /// then keeps (a broker ignores a LeaderAndIsr whose leader epoch is not newer) against
    /// the next controller, which loads the older epoch from ZooKeeper.
    pub(super) fn resync_channels(&mut self, ctx: &mut Ctx) {
        let now = ctx.now();
        let wait = self.client.tick_ms();
        for b in self.context.live_brokers() {
            let expected = self.expected_digest(b);
            let ch = self.channel.entry(b).or_default();
            if ch.acked_digest == Some(expected) || now.saturating_sub(ch.last_sent) < wait {
                continue;
            }
            if !ch.probed {
                self.send_leader_and_isr(ctx, b, Vec::new());
            } else {
                let live = self.context.live_brokers();
                let mine: Vec<PartitionState> = self
                    .published
                    .values()
                    .filter(|p| p.replicas.contains(&b))
                    .cloned()
                    .collect();
                self.send_leader_and_isr(ctx, b, mine);
                self.channel.entry(b).or_default().probed = false;
                let all: Vec<PartitionState> = self.published.values().cloned().collect();
                self.send_update_metadata(ctx, b, all, &live);
            }
        }
    }
}
