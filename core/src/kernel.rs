//! The discrete-event kernel: virtual time, the ordered queue of deliveries and timers, the
//! seeded PRNG, the network, and the event stream. Nodes act on the world only through
//! [`Ctx`], which stamps everything with the current time and sender.

use crate::collections::{LiteMap, sort_by_key};
use crate::config::Millis;
use crate::event::{DropReason, Event, EventKind};
use crate::ids::NodeId;
use crate::message::Message;
use crate::network::Network;
use crate::timer::Timer;
use rand_pcg::Pcg64Mcg;
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::sync::Arc;

/// A message on the wire, as a picture shows it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct InFlightMessage {
    pub id: u64,
    pub from: NodeId,
    pub to: NodeId,
    pub api: String,
    pub sent_at: Millis,
    pub deliver_at: Millis,
}

/// A message in flight.
#[derive(Clone, Debug)]
pub struct Envelope {
    pub id: u64,
    pub from: NodeId,
    pub to: NodeId,
    pub sent_at: Millis,
    pub deliver_at: Millis,
    pub message: Arc<Message>,
    /// Decided at send time so the outcome depends only on the seed.
    pub lost: bool,
}

#[derive(Clone, Debug)]
pub enum Due {
    Deliver(Envelope),
    Timer {
        node: NodeId,
        incarnation: u32,
        timer: Timer,
    },
}

/// A timer set in the queue, to cancel it once it is known to be a no-op.
#[derive(
    Clone,
    Copy,
    Debug,
    Default,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    serde::Serialize,
    serde::Deserialize,
)]
pub struct TimerId(u64);

/// A queue entry, ordered by (time, sequence number): ties break by insertion order.
#[derive(Clone, Debug)]
struct Scheduled {
    at: Millis,
    seq: u64,
    due: Due,
}

impl PartialEq for Scheduled {
    fn eq(&self, other: &Self) -> bool {
        (self.at, self.seq) == (other.at, other.seq)
    }
}
impl Eq for Scheduled {}
impl PartialOrd for Scheduled {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Scheduled {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (self.at, self.seq).cmp(&(other.at, other.seq))
    }
}

/// Clock, queue, randomness, network and the event stream.
#[derive(Clone)]
pub struct Kernel {
    pub now: Millis,
    pub rng: Pcg64Mcg,
    pub network: Network,
    queue: BinaryHeap<Reverse<Scheduled>>,
    /// Sequence numbers of cancelled timers still in the queue (ascending): they are skipped
    /// and, once there are enough of them or before a checkpoint, removed.
    cancelled: Vec<u64>,
    /// The sequence number of the item last taken off the queue.
    last_popped: u64,
    /// Every item at or before this (time, sequence number) has been taken off the queue, or
    /// would have been if it had not been cancelled.
    horizon: (Millis, u64),
    seq: u64,
    next_message_id: u64,
    /// Bumped when a node crashes so that its pending timers die with it.
    incarnations: LiteMap<NodeId, u32>,
    /// Latest delivery time scheduled on each directed link: a connection delivers in order,
    /// as TCP does, so jitter never lets a later message overtake an earlier one.
    link_tail: LiteMap<(NodeId, NodeId), Millis>,
    events: Vec<Event>,
    /// Whether to keep `MessageSent` events (benchmarks may switch this off).
    pub record_messages: bool,
    pub events_emitted: u64,
    /// Scheduled items taken off the queue so far.
    pub steps: u64,
}

impl Kernel {
    pub fn new(rng: Pcg64Mcg, network: Network) -> Self {
        Self {
            now: 0,
            rng,
            network,
            queue: BinaryHeap::new(),
            cancelled: Vec::new(),
            last_popped: 0,
            horizon: (0, 0),
            seq: 0,
            next_message_id: 0,
            incarnations: LiteMap::new_vec(),
            link_tail: LiteMap::new_vec(),
            events: Vec::new(),
            record_messages: true,
            events_emitted: 0,
            steps: 0,
        }
    }

    fn push(&mut self, at: Millis, due: Due) -> u64 {
        self.seq += 1;
        self.queue.push(Reverse(Scheduled {
            at,
            seq: self.seq,
            due,
        }));
        self.seq
    }

    /// Takes cancelled items off the head of the queue, so that the head is a live one.
    fn skip_cancelled(&mut self) {
        while let Some(Reverse(s)) = self.queue.peek() {
            let Ok(i) = self.cancelled.binary_search(&s.seq) else {
                return;
            };
            self.cancelled.remove(i);
            self.queue.pop();
        }
    }

    /// Cancels a timer that has not fired: the queue drops it as if it had never been set.
    /// Only for a timer whose firing would have done nothing (its node checks that it is
    /// stale), so that cancelling it changes nothing but the queue's size, unless the node
    /// revives it ([`Kernel::revive_timer`]) before the queue reaches it. A timer that already
    /// fired (or is firing) is ignored.
    pub fn cancel_timer(&mut self, id: TimerId) {
        if id.0 == 0 || id.0 == self.last_popped || id.0 > self.seq {
            return;
        }
        if let Err(i) = self.cancelled.binary_search(&id.0) {
            self.cancelled.insert(i, id.0);
        }
        self.skip_cancelled();
        if self.cancelled.len() >= 32 && self.cancelled.len() * 4 >= self.queue.len() {
            self.compact();
        }
    }

    /// Whether the queue has gone past the timer set for `at` as `id` (it fired, or would
    /// have if it had not been cancelled).
    pub fn reached(&self, at: Millis, id: TimerId) -> bool {
        (at, id.0) <= self.horizon
    }

    /// Puts back a cancelled timer of `node` that the queue has not reached, in its place
    /// (its time and sequence number), as if it had never been cancelled.
    pub fn revive_timer(&mut self, node: NodeId, at: Millis, id: TimerId, timer: Timer) {
        debug_assert!(!self.reached(at, id));
        if let Ok(i) = self.cancelled.binary_search(&id.0) {
            // Still in the queue.
            self.cancelled.remove(i);
            return;
        }
        let incarnation = self.incarnation(node);
        self.queue.push(Reverse(Scheduled {
            at,
            seq: id.0,
            due: Due::Timer {
                node,
                incarnation,
                timer,
            },
        }));
    }

    /// Removes cancelled timers from the queue (the order of the rest is unchanged: it is the
    /// order of their times and sequence numbers).
    pub fn compact(&mut self) {
        if self.cancelled.is_empty() {
            return;
        }
        let cancelled = std::mem::take(&mut self.cancelled);
        self.queue
            .retain(|Reverse(s)| cancelled.binary_search(&s.seq).is_err());
    }

    /// The time of the next due item, if any.
    pub fn next_due(&self) -> Option<Millis> {
        self.queue.peek().map(|Reverse(s)| s.at)
    }

    /// Takes the next due item if it is due at or before `limit`, advancing the clock.
    pub fn pop_due(&mut self, limit: Millis) -> Option<Due> {
        if self.next_due().is_none_or(|at| at > limit) {
            // Everything due up to `limit` is done.
            self.horizon = self.horizon.max((limit, self.seq));
            return None;
        }
        let Reverse(s) = self.queue.pop()?;
        self.now = s.at;
        self.steps += 1;
        self.last_popped = s.seq;
        self.horizon = self.horizon.max((s.at, s.seq));
        self.skip_cancelled();
        Some(s.due)
    }

    /// The next due item's envelope, if it is a delivery.
    pub fn next_delivery(&self) -> Option<&Envelope> {
        match self.queue.peek().map(|Reverse(s)| &s.due) {
            Some(Due::Deliver(env)) => Some(env),
            _ => None,
        }
    }

    /// Items in the queue (cancelled timers not yet removed included).
    pub fn pending(&self) -> usize {
        self.queue.len()
    }

    /// Messages sent and not yet delivered or dropped, in delivery order.
    pub fn in_flight(&self) -> Vec<InFlightMessage> {
        let mut v: Vec<(Millis, u64, InFlightMessage)> = self
            .queue
            .iter()
            .filter_map(|Reverse(s)| match &s.due {
                Due::Deliver(e) => Some((
                    s.at,
                    s.seq,
                    InFlightMessage {
                        id: e.id,
                        from: e.from,
                        to: e.to,
                        api: e.message.api().to_string(),
                        sent_at: e.sent_at,
                        deliver_at: e.deliver_at,
                    },
                )),
                Due::Timer { .. } => None,
            })
            .collect();
        sort_by_key(&mut v, |(at, seq, _)| (*at, *seq));
        v.into_iter().map(|(_, _, m)| m).collect()
    }

    pub fn incarnation(&self, node: NodeId) -> u32 {
        self.incarnations.get(&node).copied().unwrap_or(0)
    }

    /// Invalidates every timer the node had set, and removes them from the queue (they
    /// would be skipped when due).
    pub fn bump_incarnation(&mut self, node: NodeId) {
        *self.incarnations.entry(node).or_insert(0) += 1;
        self.queue
            .retain(|Reverse(s)| !matches!(&s.due, Due::Timer { node: n, .. } if *n == node));
        self.cancelled
            .retain(|seq| self.queue.iter().any(|Reverse(s)| s.seq == *seq));
        self.skip_cancelled();
    }

    pub fn emit(&mut self, kind: EventKind) {
        self.events_emitted += 1;
        self.events.push(Event {
            time: self.now,
            kind,
        });
    }

    pub fn drop_message(&mut self, env: &Envelope, reason: DropReason) {
        self.emit(EventKind::MessageDropped {
            id: env.id,
            from: env.from,
            to: env.to,
            reason,
        });
    }

    /// Events emitted and not yet drained.
    pub fn buffered_events(&self) -> usize {
        self.events.len()
    }

    /// Takes the buffered events out (to copy the kernel without them).
    pub(crate) fn take_events(&mut self) -> Vec<Event> {
        std::mem::take(&mut self.events)
    }

    /// Puts back what [`Kernel::take_events`] took.
    pub(crate) fn restore_events(&mut self, events: Vec<Event>) {
        debug_assert!(self.events.is_empty());
        self.events = events;
    }

    /// Hands the buffered events to the caller.
    pub fn drain_events(&mut self) -> Vec<Event> {
        std::mem::take(&mut self.events)
    }

    pub fn send(&mut self, from: NodeId, to: NodeId, message: Message) {
        let delay = self.network.delay(from, to, &mut self.rng);
        let lost = self.network.lose(&mut self.rng);
        let tail = self.link_tail.entry((from, to)).or_insert(0);
        // Equal times keep send order: the queue breaks ties by sequence number.
        let deliver_at = (self.now + delay).max(*tail);
        *tail = deliver_at;
        self.next_message_id += 1;
        let env = Envelope {
            id: self.next_message_id,
            from,
            to,
            sent_at: self.now,
            deliver_at,
            message: Arc::new(message),
            lost,
        };
        if self.record_messages {
            self.emit(EventKind::MessageSent {
                id: env.id,
                from,
                to,
                sent_at: env.sent_at,
                deliver_at: env.deliver_at,
                message: env.message.clone(),
            });
        } else {
            self.events_emitted += 1;
        }
        self.push(env.deliver_at, Due::Deliver(env));
    }

    pub fn set_timer(&mut self, node: NodeId, at: Millis, timer: Timer) -> TimerId {
        let incarnation = self.incarnation(node);
        TimerId(self.push(
            at,
            Due::Timer {
                node,
                incarnation,
                timer,
            },
        ))
    }
}

/// What a node handler may do: read the time, send, set timers, report events, draw randomness.
pub struct Ctx<'a> {
    pub me: NodeId,
    pub k: &'a mut Kernel,
}

impl<'a> Ctx<'a> {
    pub fn new(me: NodeId, k: &'a mut Kernel) -> Self {
        Self { me, k }
    }

    pub fn now(&self) -> Millis {
        self.k.now
    }

    pub fn send(&mut self, to: NodeId, message: Message) {
        self.k.send(self.me, to, message);
    }

    /// Fires `timer` at this node after `delay` ms (unless the node crashes first).
    pub fn set_timer(&mut self, delay: Millis, timer: Timer) -> TimerId {
        let at = self.k.now + delay;
        self.k.set_timer(self.me, at, timer)
    }

    /// Cancels a timer of this node known to be a no-op now and forever (see
    /// [`Kernel::cancel_timer`]), or until revived.
    pub fn cancel_timer(&mut self, id: TimerId) {
        self.k.cancel_timer(id);
    }

    /// Puts back a cancelled timer of this node (see [`Kernel::revive_timer`]).
    pub fn revive_timer(&mut self, at: Millis, id: TimerId, timer: Timer) {
        self.k.revive_timer(self.me, at, id, timer);
    }

    pub fn emit(&mut self, kind: EventKind) {
        self.k.emit(kind);
    }

    pub fn rng(&mut self) -> &mut Pcg64Mcg {
        &mut self.k.rng
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{NetworkConfig, Profile};
    use crate::timer::ProducerTimer;
    use rand::SeedableRng;

    fn kernel() -> Kernel {
        Kernel::new(
            Pcg64Mcg::seed_from_u64(1),
            Network::new(NetworkConfig::for_profile(Profile::Teaching)),
        )
    }

    fn fired(k: &mut Kernel) -> Vec<(Millis, u64)> {
        let mut out = Vec::new();
        while let Some(due) = k.pop_due(Millis::MAX) {
            match due {
                Due::Timer {
                    timer: Timer::Producer(ProducerTimer::RequestTimeout(n)),
                    ..
                } => out.push((k.now, n)),
                other => panic!("unexpected {other:?}"),
            }
        }
        out
    }

    #[test]
    fn cancelled_timers_never_fire_and_the_rest_keep_their_order() {
        for cancel_every in 1..6u64 {
            let mut k = kernel();
            let mut ids = Vec::new();
            for n in 0..200u64 {
                // Many at the same time: ties break by the order they were set.
                let at = (n * 7) % 13;
                let t = Timer::Producer(ProducerTimer::RequestTimeout(n));
                ids.push((n, at, k.set_timer(NodeId::Producer(0), at, t)));
            }
            let mut expected: Vec<(Millis, u64)> = Vec::new();
            for &(n, at, id) in &ids {
                if n % cancel_every == 0 {
                    k.cancel_timer(id);
                } else {
                    expected.push((at, n));
                }
            }
            expected.sort();
            assert!(k.pending() <= 200);
            k.compact();
            assert_eq!(k.pending(), expected.len());
            // Stable by time, then by set order (n grows with the order here).
            assert_eq!(fired(&mut k), expected, "cancel every {cancel_every}");
        }
    }

    #[test]
    fn a_revived_timer_fires_in_its_place() {
        for compact in [false, true] {
            let mut k = kernel();
            let t = |n| Timer::Producer(ProducerTimer::RequestTimeout(n));
            let p = NodeId::Producer(0);
            k.set_timer(p, 5, t(1));
            let b = k.set_timer(p, 5, t(2));
            k.set_timer(p, 5, t(3));
            k.set_timer(p, 4, t(0));
            k.cancel_timer(b);
            if compact {
                k.compact();
                assert_eq!(k.pending(), 3);
            }
            assert!(!k.reached(5, b));
            k.revive_timer(p, 5, b, t(2));
            assert_eq!(fired(&mut k), vec![(4, 0), (5, 1), (5, 2), (5, 3)]);
            assert!(k.reached(5, b));
        }
    }

    #[test]
    fn a_crash_removes_the_nodes_timers_and_a_fired_timer_cannot_be_cancelled() {
        let mut k = kernel();
        let a = k.set_timer(
            NodeId::Producer(0),
            5,
            Timer::Producer(ProducerTimer::RequestTimeout(1)),
        );
        k.set_timer(
            NodeId::Producer(1),
            6,
            Timer::Producer(ProducerTimer::RequestTimeout(2)),
        );
        k.set_timer(
            NodeId::Producer(0),
            7,
            Timer::Producer(ProducerTimer::RequestTimeout(3)),
        );
        assert!(k.pop_due(5).is_some());
        k.cancel_timer(a); // it is the one that just fired: ignored
        assert!(k.cancelled.is_empty());
        k.bump_incarnation(NodeId::Producer(0));
        assert_eq!(k.pending(), 1);
        assert_eq!(fired(&mut k), vec![(6, 2)]);
    }
}
