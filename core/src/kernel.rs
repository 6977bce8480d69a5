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

    fn push(&mut self, at: Millis, due: Due) {
        self.seq += 1;
        self.queue.push(Reverse(Scheduled {
            at,
            seq: self.seq,
            due,
        }));
    }

    /// The time of the next due item, if any.
    pub fn next_due(&self) -> Option<Millis> {
        self.queue.peek().map(|Reverse(s)| s.at)
    }

    /// Takes the next due item if it is due at or before `limit`, advancing the clock.
    pub fn pop_due(&mut self, limit: Millis) -> Option<Due> {
        if self.next_due()? > limit {
            return None;
        }
        let Reverse(s) = self.queue.pop()?;
        self.now = s.at;
        self.steps += 1;
        Some(s.due)
    }

    /// The next due item's envelope, if it is a delivery.
    pub fn next_delivery(&self) -> Option<&Envelope> {
        match self.queue.peek().map(|Reverse(s)| &s.due) {
            Some(Due::Deliver(env)) => Some(env),
            _ => None,
        }
    }

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

    /// Invalidates every timer the node had set.
    pub fn bump_incarnation(&mut self, node: NodeId) {
        *self.incarnations.entry(node).or_insert(0) += 1;
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

    pub fn set_timer(&mut self, node: NodeId, at: Millis, timer: Timer) {
        let incarnation = self.incarnation(node);
        self.push(
            at,
            Due::Timer {
                node,
                incarnation,
                timer,
            },
        );
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
    pub fn set_timer(&mut self, delay: Millis, timer: Timer) {
        let at = self.k.now + delay;
        self.k.set_timer(self.me, at, timer);
    }

    pub fn emit(&mut self, kind: EventKind) {
        self.k.emit(kind);
    }

    pub fn rng(&mut self) -> &mut Pcg64Mcg {
        &mut self.k.rng
    }
}
