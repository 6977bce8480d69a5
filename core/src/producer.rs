//! A producer client: chooses partitions (explicit, murmur2 of the key, or the keyless
//! strategy), accumulates records per partition (`linger.ms`, `batch.size`), sends one
//! Produce request per leader broker within `max.in.flight.requests.per.connection`, and
//! retries retriable errors until `retries` or `delivery.timeout.ms` run out. Idempotence
//! (producer ids and sequence numbers) is not modeled: retries may duplicate or reorder.

use crate::backoff::exponential_backoff;
use crate::collections::{LiteMap, LiteMapExt};
use crate::config::{Acks, Millis, ProducerConfig};
use crate::error::ErrorCode;
use crate::event::EventKind;
use crate::ids::{BrokerId, NO_LEADER, NodeId, TopicName, TopicPartition};
use crate::kernel::{Ctx, TimerId};
use crate::log::{RecordId, record_size_bytes};
use crate::message::{
    Message, PartitionMetadata, ProduceBatch, ProducePartitionResponse, ProducedRecord,
};
use crate::partitioner::{KeylessPartitioner, partition_for_key};
use crate::timer::{ProducerTimer, Timer};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use std::collections::VecDeque;
use std::sync::Arc;

/// A record the application handed to `send()`.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct SendRequest {
    pub id: RecordId,
    pub topic: TopicName,
    pub key: Option<Arc<str>>,
    pub value: Arc<str>,
    pub partition: Option<u32>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
struct Pending {
    record: ProducedRecord,
    tp: TopicPartition,
    /// The batch it was appended to (`ProducerBatch`): a batch is sent, retried and failed as
    /// a whole, and a record never joins a batch that has been sent.
    #[serde(default)]
    batch: u64,
    attempts: u32,
    /// When its batch was created (`ProducerBatch.createdMs`): its linger and its delivery
    /// timeout count from there.
    created_at: Millis,
    not_before: Millis,
    /// `ProducerBatch.currentLeaderEpoch`: the newest leader epoch seen for its partition
    /// while it waited to be sent.
    #[serde(default)]
    leader_epoch: Option<i32>,
    /// `attemptsWhenLeaderLastChanged`: its attempts when that epoch was first seen.
    #[serde(default)]
    attempts_when_leader_changed: u32,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
struct InFlight {
    broker: BrokerId,
    records: Vec<Pending>,
    /// Its RequestTimeout, cancelled when the response comes.
    #[serde(skip)]
    timer: TimerId,
}

/// The producer's cached view of the cluster.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct ClientMetadata {
    pub partitions: LiteMap<TopicPartition, PartitionMetadata>,
    pub brokers: Vec<BrokerId>,
}

impl ClientMetadata {
    pub fn partition_count(&self, topic: &str) -> u32 {
        self.partitions
            .keys()
            .filter(|tp| &*tp.topic == topic)
            .count() as u32
    }

    pub fn leader(&self, tp: &TopicPartition) -> Option<BrokerId> {
        self.partitions
            .get(tp)
            .map(|p| p.leader)
            .filter(|&l| l != NO_LEADER)
    }

    /// The leader epoch the metadata gives `tp`, -1 when it knows none.
    pub fn leader_epoch(&self, tp: &TopicPartition) -> i32 {
        self.partitions.get(tp).map_or(-1, |p| p.leader_epoch)
    }

    /// Partitions of `topic` that have a leader, ascending.
    pub fn available(&self, topic: &str) -> Vec<u32> {
        self.partitions
            .values()
            .filter(|p| &*p.tp.topic == topic && p.leader != NO_LEADER)
            .map(|p| p.tp.partition)
            .collect()
    }

    /// Takes a metadata response. `Metadata.updateLatestMetadata`: a partition's entry is
    /// replaced only by one with the same or a newer leader epoch (a broker whose metadata
    /// lags must not take a client back to an old leader).
    pub fn apply(&mut self, brokers: &[BrokerId], partitions: &[PartitionMetadata]) {
        self.brokers = brokers.to_vec();
        for p in partitions {
            if self
                .partitions
                .get(&p.tp)
                .is_none_or(|known| p.leader_epoch >= known.leader_epoch)
            {
                self.partitions.insert(p.tp.clone(), p.clone());
            }
        }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Producer {
    pub id: u32,
    pub config: ProducerConfig,
    pub metadata: ClientMetadata,
    /// Brokers to ask for metadata, in order (`bootstrap.servers`).
    bootstrap: Vec<BrokerId>,
    next_bootstrap: usize,
    metadata_in_flight: Option<u64>,
    /// The broker the metadata request in flight went to.
    #[serde(default)]
    metadata_broker: Option<BrokerId>,
    keyless: KeylessPartitioner,
    /// Records whose topic the producer has no metadata for yet.
    awaiting_metadata: Vec<SendRequest>,
    accumulator: LiteMap<TopicPartition, VecDeque<Pending>>,
    in_flight: LiteMap<u64, InFlight>,
    /// Brokers whose connection was dropped after a request timed out. Kafka's sender does
    /// not send to a node it is not connected to (`NetworkClient.ready`); reconnecting to a
    /// dead broker fails, so here the producer sends to it again only after fresh metadata,
    /// which it asked for at the timeout (and which may name another leader).
    #[serde(default)]
    disconnected: Vec<BrokerId>,
    next_correlation: u64,
    #[serde(default)]
    next_batch: u64,
    drain_scheduled: Option<Millis>,
    /// Drain timers set and not yet reached by the kernel. Only those at `drain_scheduled`
    /// can drain when they fire (the handler checks it); the others are cancelled, so the
    /// queue does not carry them (a producer waiting on a full connection re-arms a drain for
    /// its oldest record's delivery deadline after every send, and an earlier drain supersedes
    /// it), and revived in their place in the queue if their time is armed again first. The
    /// kernel thus pops exactly the drains that act, where they would have.
    /// Sorted by time, then by the order they were set.
    #[serde(skip)]
    drain_timers: Vec<(Millis, TimerId)>,
}

/// The longest `linger.ms` a producer uses: `Integer.MAX_VALUE` (about 24.8 days).
pub const MAX_LINGER_MS: Millis = i32::MAX as Millis;

impl Producer {
    pub fn new(id: u32, mut config: ProducerConfig, bootstrap: Vec<BrokerId>) -> Self {
        // `KafkaProducer` reads `linger.ms` (a long) as `Math.min(linger.ms, Integer.MAX_VALUE)`.
        config.linger_ms = config.linger_ms.min(MAX_LINGER_MS);
        let keyless = KeylessPartitioner::new(config.keyless, config.batch_size);
        Self {
            id,
            config,
            metadata: ClientMetadata::default(),
            bootstrap,
            next_bootstrap: 0,
            metadata_in_flight: None,
            metadata_broker: None,
            keyless,
            awaiting_metadata: Vec::new(),
            accumulator: LiteMap::new_vec(),
            in_flight: LiteMap::new_vec(),
            disconnected: Vec::new(),
            next_correlation: 0,
            next_batch: 0,
            drain_scheduled: None,
            drain_timers: Vec::new(),
        }
    }

    fn me(&self) -> NodeId {
        NodeId::Producer(self.id)
    }

    /// Records accepted by `send()` and not yet acknowledged or failed.
    pub fn outstanding(&self) -> usize {
        self.awaiting_metadata.len()
            + self.accumulator.values().map(|q| q.len()).sum::<usize>()
            + self
                .in_flight
                .values()
                .map(|f| f.records.len())
                .sum::<usize>()
    }

    pub fn start(&mut self, ctx: &mut Ctx) {
        self.request_metadata(ctx);
    }

    fn request_metadata(&mut self, ctx: &mut Ctx) {
        if self.metadata_in_flight.is_some() || self.bootstrap.is_empty() {
            return;
        }
        // Ask the brokers the last metadata named as live, else the bootstrap list; rotate so
        // a dead one is not asked forever, and skip those whose connection just dropped
        // (`leastLoadedNode` avoids a node in reconnect backoff) while there is another.
        let known = if self.metadata.brokers.is_empty() {
            &self.bootstrap
        } else {
            &self.metadata.brokers
        };
        let n = known.len();
        let skip = (0..n)
            .find(|k| {
                !self
                    .disconnected
                    .contains(&known[(self.next_bootstrap + k) % n])
            })
            .unwrap_or(0);
        let broker = known[(self.next_bootstrap + skip) % n];
        self.next_bootstrap += skip + 1;
        self.next_correlation += 1;
        let correlation_id = self.next_correlation;
        self.metadata_in_flight = Some(correlation_id);
        self.metadata_broker = Some(broker);
        ctx.send(NodeId::Broker(broker), Message::Metadata { correlation_id });
        ctx.set_timer(
            self.config.request_timeout_ms,
            Timer::Producer(ProducerTimer::MetadataTimeout(correlation_id)),
        );
    }

    /// `KafkaProducer.send()`: choose the partition now if the topic is known.
    pub fn send(&mut self, ctx: &mut Ctx, req: SendRequest) {
        if self.metadata.partition_count(&req.topic) == 0 {
            self.awaiting_metadata.push(req);
            self.request_metadata(ctx);
            return;
        }
        self.partition_and_enqueue(ctx, req);
    }

    fn partition_and_enqueue(&mut self, ctx: &mut Ctx, req: SendRequest) {
        let now = ctx.now();
        let n = self.metadata.partition_count(&req.topic);
        let (partition, placement) = match (req.partition, &req.key) {
            (Some(p), _) => (p, None),
            (None, Some(key)) => {
                let kp = partition_for_key(key.as_bytes(), n);
                (kp.partition, Some(kp))
            }
            (None, None) => {
                let available = self.metadata.available(&req.topic);
                let bytes = record_size_bytes(None, &req.value);
                (
                    self.keyless
                        .choose(&req.topic, n, &available, bytes, ctx.rng()),
                    None,
                )
            }
        };
        let tp = TopicPartition::new(req.topic.clone(), partition);
        if partition >= n {
            ctx.emit(EventKind::ProduceFailed {
                producer: self.id,
                record: req.id,
                tp: Some(tp),
                error: ErrorCode::UnknownTopicOrPartition,
            });
            return;
        }
        let explicit = req.partition.is_some();
        ctx.emit(EventKind::RecordPartitioned {
            producer: self.id,
            record: req.id,
            tp: tp.clone(),
            keyless: (placement.is_none() && !explicit).then(|| self.keyless.strategy()),
            key_placement: placement,
            explicit,
        });
        let record = ProducedRecord {
            id: req.id,
            key: req.key,
            value: req.value,
            timestamp: now,
        };
        // `RecordAccumulator.append`: into the partition's last batch if it has not been sent
        // and the record fits, else into a new one.
        let queue = self.accumulator.entry(tp.clone()).or_default();
        let size = record_size(&record);
        let open = queue.back().filter(|last| {
            last.attempts == 0
                && batch_bytes(queue.iter().rev(), last.batch) + size <= self.config.batch_size
        });
        let (batch, created_at) = match open {
            Some(last) => (last.batch, last.created_at),
            None => {
                self.next_batch += 1;
                (self.next_batch, now)
            }
        };
        let pending = Pending {
            record,
            tp: tp.clone(),
            batch,
            attempts: 0,
            created_at,
            not_before: now,
            leader_epoch: None,
            attempts_when_leader_changed: 0,
        };
        let queue = self.accumulator.entry(tp).or_default();
        queue.push_back(pending);
        // `KafkaProducer.doSend` wakes the sender when a batch fills; otherwise its first
        // batch is sendable once it has lingered.
        let at = ready_at(queue, &self.config);
        self.schedule_drain(ctx, at.max(now));
    }

    fn schedule_drain(&mut self, ctx: &mut Ctx, at: Millis) {
        if self
            .drain_scheduled
            .is_some_and(|t| t <= at && t >= ctx.now())
        {
            return;
        }
        self.arm_drain(ctx, Some(at));
        let id = ctx.set_timer(at - ctx.now(), Timer::Producer(ProducerTimer::Drain));
        let i = self.drain_timers.partition_point(|&e| e < (at, id));
        self.drain_timers.insert(i, (at, id));
    }

    /// The drain timers set for `at`.
    fn drain_timers_at(&self, at: Millis) -> std::ops::Range<usize> {
        let from = self.drain_timers.partition_point(|&(t, _)| t < at);
        let to = self.drain_timers.partition_point(|&(t, _)| t <= at);
        from..to
    }

    /// Sets `drain_scheduled`, keeping in the queue exactly the drain timers at that time.
    fn arm_drain(&mut self, ctx: &mut Ctx, armed: Option<Millis>) {
        let old = self.drain_scheduled;
        self.drain_scheduled = armed;
        if old == armed {
            return;
        }
        // Sorted by time then sequence number, as the queue reaches them.
        let reached = self
            .drain_timers
            .partition_point(|&(at, id)| ctx.k.reached(at, id));
        self.drain_timers.drain(..reached);
        if let Some(old) = old {
            for i in self.drain_timers_at(old) {
                ctx.cancel_timer(self.drain_timers[i].1);
            }
        }
        if let Some(armed) = armed {
            for i in self.drain_timers_at(armed) {
                let id = self.drain_timers[i].1;
                ctx.revive_timer(armed, id, Timer::Producer(ProducerTimer::Drain));
            }
        }
    }

    fn in_flight_to(&self, broker: BrokerId) -> u32 {
        self.in_flight
            .values()
            .filter(|f| f.broker == broker)
            .count() as u32
    }

    /// `ProducerBatch.maybeUpdateLeaderEpoch` for every queued record, and KIP-951: a retry
    /// whose partition has a newer leader than when it failed goes at once, without waiting
    /// out its backoff (`RecordAccumulator.shouldBackoff`, `hasLeaderChangedForTheOngoingRetry`).
    fn note_leader_epochs(&mut self, now: Millis) {
        let metadata = &self.metadata;
        for (tp, queue) in self.accumulator.iter_mut() {
            let epoch = metadata.leader_epoch(tp);
            if epoch < 0 {
                continue;
            }
            for p in queue.iter_mut() {
                if p.leader_epoch.is_none_or(|e| e < epoch) {
                    p.leader_epoch = Some(epoch);
                    p.attempts_when_leader_changed = p.attempts;
                    if p.attempts > 0 {
                        p.not_before = p.not_before.min(now);
                    }
                }
            }
        }
    }

    /// The leaders with a batch to send now (`RecordAccumulator.ready`), and when the next
    /// partition that is not ready yet will be.
    fn ready_leaders(&self, now: Millis) -> (Vec<BrokerId>, Option<Millis>, bool) {
        let mut ready = Vec::new();
        let mut next: Option<Millis> = None;
        let mut need_metadata = false;
        for (tp, queue) in self.accumulator.iter() {
            if queue.is_empty() {
                continue;
            }
            let Some(leader) = self.metadata.leader(tp) else {
                need_metadata = true;
                continue;
            };
            let at = ready_at(queue, &self.config);
            if at <= now {
                if !ready.contains(&leader) {
                    ready.push(leader);
                }
            } else {
                next = Some(next.map_or(at, |n: Millis| n.min(at)));
            }
        }
        (ready, next, need_metadata)
    }

    /// Whether a request to `broker` may be sent now: connected, and within
    /// `max.in.flight.requests.per.connection` (acks=0 waits for no answer, so nothing is in
    /// flight).
    fn has_room(&self, broker: BrokerId) -> bool {
        !self.disconnected.contains(&broker)
            && (self.config.acks == Acks::None
                || self.in_flight_to(broker) < self.config.max_in_flight_requests_per_connection)
    }

    /// The sender loop (`Sender.sendProducerData`): from each leader with a ready batch, the
    /// first batch of every partition it leads (`RecordAccumulator.drain`), one request per
    /// leader. While batches are still ready, it runs again at once, as `Sender.runOnce`
    /// does (a poll timeout of 0).
    fn drain(&mut self, ctx: &mut Ctx) {
        let now = ctx.now();
        self.arm_drain(ctx, None);
        let expiry = self.expire_queued(ctx);
        self.note_leader_epochs(now);
        let mut per_broker: LiteMap<BrokerId, Vec<(TopicPartition, Vec<Pending>)>> =
            LiteMap::new_vec();
        let (ready, mut next_wakeup, need_metadata) = self.ready_leaders(now);
        let tps: Vec<TopicPartition> = self.accumulator.keys().cloned().collect();
        for tp in tps {
            let Some(leader) = self.metadata.leader(&tp).filter(|l| ready.contains(l)) else {
                continue;
            };
            let queue = self.accumulator.get_mut(&tp).expect("listed");
            let Some(first) = queue.front() else { continue };
            if first.not_before > now {
                continue; // backing off before a retry: `ready_leaders` has its time
            }
            let id = first.batch;
            let mut batch = Vec::new();
            while queue.front().is_some_and(|p| p.batch == id) {
                batch.push(queue.pop_front().expect("front exists"));
            }
            per_broker.entry(leader).or_default().push((tp, batch));
        }
        self.accumulator.retain(|_, q| !q.is_empty());
        let mut sent = false;
        for (broker, parts) in per_broker {
            if !self.has_room(broker) {
                // Put them back; a response will trigger the next drain.
                for (tp, batch) in parts.into_iter().rev() {
                    let q = self.accumulator.entry(tp).or_default();
                    for p in batch.into_iter().rev() {
                        q.push_front(p);
                    }
                }
                continue;
            }
            self.send_produce(ctx, broker, parts);
            sent = true;
        }
        if need_metadata {
            self.request_metadata(ctx);
        }
        if sent {
            let (ready, _, _) = self.ready_leaders(now);
            if ready.iter().any(|&b| self.has_room(b)) {
                next_wakeup = Some(now);
            }
        }
        let next_wakeup = match (next_wakeup, expiry) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        if let Some(w) = next_wakeup {
            self.schedule_drain(ctx, w);
        }
    }

    /// `delivery.timeout.ms` also bounds a record waiting in the accumulator (Kafka's
    /// `RecordAccumulator.expiredBatches`): it fails with a timeout rather than wait forever
    /// for a leader or a free connection slot. Returns the next queued record's deadline.
    fn expire_queued(&mut self, ctx: &mut Ctx) -> Option<Millis> {
        let now = ctx.now();
        let timeout = self.config.delivery_timeout_ms;
        let mut expired = Vec::new();
        let mut next: Option<Millis> = None;
        for q in self.accumulator.values_mut() {
            q.retain(|p| {
                let deadline = p.created_at + timeout;
                if deadline <= now {
                    expired.push((p.record.id, p.tp.clone()));
                    false
                } else {
                    next = Some(next.map_or(deadline, |n| n.min(deadline)));
                    true
                }
            });
        }
        self.accumulator.retain(|_, q| !q.is_empty());
        for (record, tp) in expired {
            ctx.emit(EventKind::ProduceFailed {
                producer: self.id,
                record,
                tp: Some(tp),
                error: ErrorCode::RequestTimedOut,
            });
        }
        next
    }

    fn send_produce(
        &mut self,
        ctx: &mut Ctx,
        broker: BrokerId,
        parts: Vec<(TopicPartition, Vec<Pending>)>,
    ) {
        self.next_correlation += 1;
        let correlation_id = self.next_correlation;
        let batches = parts
            .iter()
            .map(|(tp, ps)| ProduceBatch {
                tp: tp.clone(),
                records: ps.iter().map(|p| p.record.clone()).collect(),
            })
            .collect();
        ctx.send(
            NodeId::Broker(broker),
            Message::Produce {
                correlation_id,
                acks: self.config.acks,
                timeout_ms: self.config.request_timeout_ms,
                batches,
            },
        );
        let records: Vec<Pending> = parts.into_iter().flat_map(|(_, ps)| ps).collect();
        if self.config.acks == Acks::None {
            // acks=0: done as soon as it is written to the socket; the offset is never known.
            for p in records {
                ctx.emit(EventKind::ProduceAcknowledged {
                    producer: self.id,
                    record: p.record.id,
                    tp: p.tp,
                    offset: None,
                });
            }
            return;
        }
        let timer = ctx.set_timer(
            self.config.request_timeout_ms,
            Timer::Producer(ProducerTimer::RequestTimeout(correlation_id)),
        );
        self.in_flight.insert(
            correlation_id,
            InFlight {
                broker,
                records,
                timer,
            },
        );
    }

    pub fn on_message(&mut self, ctx: &mut Ctx, _from: NodeId, msg: &Message) {
        match msg {
            Message::MetadataResponse {
                correlation_id,
                brokers,
                partitions,
            } => {
                if self.metadata_in_flight != Some(*correlation_id) {
                    return;
                }
                self.metadata_in_flight = None;
                self.metadata.apply(brokers, partitions);
                self.disconnected.clear();
                let waiting = std::mem::take(&mut self.awaiting_metadata);
                for req in waiting {
                    if self.metadata.partition_count(&req.topic) == 0 {
                        self.awaiting_metadata.push(req);
                    } else {
                        self.partition_and_enqueue(ctx, req);
                    }
                }
                if !self.awaiting_metadata.is_empty() || self.has_leaderless_pending() {
                    ctx.set_timer(
                        self.config.retry_backoff_ms,
                        Timer::Producer(ProducerTimer::MetadataRefresh),
                    );
                }
                self.schedule_drain(ctx, ctx.now());
            }
            Message::ProduceResponse {
                correlation_id,
                partitions,
            } => self.on_produce_response(ctx, *correlation_id, partitions),
            // NetworkClient: a closed connection makes the client ask for new metadata.
            Message::ConnectionClosed { .. } => self.request_metadata(ctx),
            _ => {}
        }
    }

    fn has_leaderless_pending(&self) -> bool {
        self.accumulator
            .iter()
            .any(|(tp, q)| !q.is_empty() && self.metadata.leader(tp).is_none())
    }

    fn on_produce_response(
        &mut self,
        ctx: &mut Ctx,
        correlation_id: u64,
        partitions: &[ProducePartitionResponse],
    ) {
        let Some(flight) = self.in_flight.remove(&correlation_id) else {
            return;
        };
        // Correlation ids are never reused: its timeout would find nothing.
        ctx.cancel_timer(flight.timer);
        let mut by_tp: LiteMap<&TopicPartition, &ProducePartitionResponse> = LiteMap::new_vec();
        for r in partitions {
            by_tp.insert(&r.tp, r);
        }
        let mut index: LiteMap<TopicPartition, u64> = LiteMap::new_vec();
        let mut retries = Vec::new();
        for p in flight.records {
            let Some(r) = by_tp.get(&p.tp) else {
                retries.extend(self.retry_or_fail(ctx, p, ErrorCode::RequestTimedOut));
                continue;
            };
            match (r.error, r.base_offset) {
                (None, Some(base)) => {
                    let i = index.entry(p.tp.clone()).or_insert(0);
                    ctx.emit(EventKind::ProduceAcknowledged {
                        producer: self.id,
                        record: p.record.id,
                        tp: p.tp.clone(),
                        offset: Some(base + *i),
                    });
                    *i += 1;
                }
                (Some(e), _) => retries.extend(self.retry_or_fail(ctx, p, e)),
                (None, None) => {
                    retries.extend(self.retry_or_fail(ctx, p, ErrorCode::InvalidRequest));
                }
            }
        }
        self.reenqueue(ctx, retries);
        self.schedule_drain(ctx, ctx.now());
    }

    /// `NetworkClient` closes the connection to `broker` after a request on it timed out:
    /// every other request in flight on it fails at once, also as timed out
    /// (`cancelInFlightRequests`), and each request's batches go back to the front of their
    /// queues in the order the requests were sent, as their responses would. A metadata
    /// request on it is given up, so a new one can go to another broker. Nothing is sent to
    /// `broker` again before fresh metadata.
    fn drop_connection(&mut self, ctx: &mut Ctx, broker: BrokerId) {
        if !self.disconnected.contains(&broker) {
            self.disconnected.push(broker);
        }
        let on_it: Vec<u64> = self
            .in_flight
            .iter()
            .filter(|(_, f)| f.broker == broker)
            .map(|(&c, _)| c)
            .collect();
        for c in on_it {
            let flight = self.in_flight.remove(&c).expect("listed");
            ctx.cancel_timer(flight.timer);
            let retries = flight
                .records
                .into_iter()
                .filter_map(|p| self.retry_or_fail(ctx, p, ErrorCode::RequestTimedOut))
                .collect();
            self.reenqueue(ctx, retries);
        }
        if self.metadata_broker == Some(broker) {
            self.metadata_in_flight = None;
        }
        // A dropped connection makes the client ask for new metadata (the leader may have
        // moved); its answer's drain sends what was held back.
        self.request_metadata(ctx);
    }

    /// `RecordAccumulator.reenqueue`: a retried batch goes back to the front of its
    /// partition's queue (`addFirst`), in its own order, so with one request in flight a
    /// retry never lets later records overtake it. Each batch (a request's records for one
    /// partition) backs off before its next attempt, all its records alike.
    fn reenqueue(&mut self, ctx: &mut Ctx, mut retries: Vec<Pending>) {
        let now = ctx.now();
        let mut backoffs: LiteMap<u64, Millis> = LiteMap::new_vec();
        for p in &mut retries {
            let backoff = match backoffs.get(&p.batch) {
                Some(&b) => b,
                None => {
                    let b = retry_backoff(&self.config, p.attempts - 1, ctx.rng());
                    backoffs.insert(p.batch, b);
                    b
                }
            };
            p.not_before = now + backoff;
        }
        let Some(at) = retries.iter().map(|p| p.not_before).min() else {
            return;
        };
        for p in retries.into_iter().rev() {
            self.accumulator
                .entry(p.tp.clone())
                .or_default()
                .push_front(p);
        }
        self.schedule_drain(ctx, at);
    }

    /// Emits ProduceRetrying and returns the record to send again, or emits ProduceFailed.
    fn retry_or_fail(
        &mut self,
        ctx: &mut Ctx,
        mut p: Pending,
        error: ErrorCode,
    ) -> Option<Pending> {
        let now = ctx.now();
        p.attempts += 1;
        let expired = now.saturating_sub(p.created_at) >= self.config.delivery_timeout_ms;
        if error.is_retriable() && p.attempts <= self.config.retries && !expired {
            ctx.emit(EventKind::ProduceRetrying {
                producer: self.id,
                record: p.record.id,
                tp: p.tp.clone(),
                error,
                attempt: p.attempts,
            });
            // `Sender.completeBatch`: an InvalidMetadataException asks for new metadata (a
            // timeout is a disconnect, which does too).
            if matches!(
                error,
                ErrorCode::NotLeaderOrFollower
                    | ErrorCode::UnknownTopicOrPartition
                    | ErrorCode::FencedLeaderEpoch
                    | ErrorCode::RequestTimedOut
            ) {
                self.request_metadata(ctx);
            }
            Some(p)
        } else {
            ctx.emit(EventKind::ProduceFailed {
                producer: self.id,
                record: p.record.id,
                tp: Some(p.tp),
                error,
            });
            None
        }
    }

    pub fn on_timer(&mut self, ctx: &mut Ctx, timer: &ProducerTimer) {
        match timer {
            ProducerTimer::Drain => {
                if self.drain_scheduled.is_some_and(|t| t <= ctx.now()) {
                    self.drain(ctx);
                }
            }
            ProducerTimer::RequestTimeout(id) => {
                if let Some(flight) = self.in_flight.get(id) {
                    ctx.emit(EventKind::RequestTimedOut {
                        node: self.me(),
                        to: NodeId::Broker(flight.broker),
                        api: "Produce".into(),
                    });
                    let broker = flight.broker;
                    self.drop_connection(ctx, broker);
                }
            }
            ProducerTimer::MetadataTimeout(id) => {
                if self.metadata_in_flight == Some(*id) {
                    self.metadata_in_flight = None;
                    match self.metadata_broker {
                        Some(broker) => self.drop_connection(ctx, broker),
                        None => self.request_metadata(ctx),
                    }
                }
            }
            ProducerTimer::MetadataRefresh => {
                if !self.awaiting_metadata.is_empty() || self.has_leaderless_pending() {
                    self.request_metadata(ctx);
                }
            }
        }
    }
}

/// When the first batch of a partition's queue may be sent (`RecordAccumulator.ready`): a
/// retried batch once its backoff ends; otherwise at once if it is full (another batch is
/// queued behind it, or it holds `batch.size`), or once it has waited `linger.ms`.
fn ready_at(queue: &VecDeque<Pending>, config: &ProducerConfig) -> Millis {
    let Some(first) = queue.front() else {
        return Millis::MAX;
    };
    if first.attempts > 0 {
        return first.not_before;
    }
    let full = queue.back().is_some_and(|p| p.batch != first.batch)
        || batch_bytes(queue.iter(), first.batch) >= config.batch_size;
    if full {
        first.created_at
    } else {
        first.created_at + config.linger_ms
    }
}

/// The bytes a record takes in a batch.
fn record_size(r: &ProducedRecord) -> u32 {
    record_size_bytes(r.key.as_deref(), &r.value)
}

/// The bytes of batch `batch`, whose records lead `records` (a batch's records are
/// contiguous in its queue: read from the front for the first, from the back for the last,
/// without walking the records behind it).
fn batch_bytes<'a>(records: impl Iterator<Item = &'a Pending>, batch: u64) -> u32 {
    records
        .take_while(|p| p.batch == batch)
        .map(|p| record_size(&p.record))
        .sum()
}

/// The backoff before a batch's next attempt; `attempts` is the attempts before the one that
/// just failed (`batch.attempts() - 1`): Kafka 3.7+'s
/// `ExponentialBackoff(retry.backoff.ms, 2, retry.backoff.max.ms, 0.2)` (KIP-580), which
/// starts at min(retry.backoff.ms, retry.backoff.max.ms): with the max at or below
/// `retry.backoff.ms`, every backoff is the max.
pub fn retry_backoff(config: &ProducerConfig, attempts: u32, rng: &mut impl RngCore) -> Millis {
    let max = config.retry_backoff_max_ms;
    exponential_backoff(config.retry_backoff_ms, max, 20, attempts, rng)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Profile;
    use rand::SeedableRng;

    #[test]
    fn client_metadata_never_goes_back_to_an_older_leader_epoch() {
        let tp = TopicPartition::new("t", 0);
        let meta = |leader, leader_epoch| PartitionMetadata {
            tp: tp.clone(),
            leader,
            leader_epoch,
            replicas: vec![1, 2],
            isr: vec![1, 2],
        };
        let mut m = ClientMetadata::default();
        m.apply(&[1, 2], &[meta(2, 3)]);
        // A broker whose metadata lags answers with epoch 2: the client keeps epoch 3.
        m.apply(&[1, 2], &[meta(1, 2)]);
        assert_eq!((m.leader(&tp), m.leader_epoch(&tp)), (Some(2), 3));
        m.apply(&[1, 2], &[meta(1, 4)]);
        assert_eq!((m.leader(&tp), m.leader_epoch(&tp)), (Some(1), 4));
    }

    #[test]
    fn the_retry_backoff_doubles_up_to_its_max_with_twenty_percent_jitter() {
        // KIP-580 with Kafka's defaults: 100 ms doubling to 1000 ms, each times [0.8, 1.2).
        let config = ProducerConfig::for_profile(Profile::KafkaDefaults);
        assert_eq!(
            (config.retry_backoff_ms, config.retry_backoff_max_ms),
            (100, 1_000)
        );
        let mut rng = rand_pcg::Pcg64Mcg::seed_from_u64(7);
        for (attempts, lo, hi) in [
            (0, 80, 119),
            (1, 160, 239),
            (2, 320, 479),
            (3, 640, 959),
            (4, 800, 1_000),
            (30, 800, 1_000),
            (u32::MAX, 800, 1_000),
        ] {
            let draws: Vec<Millis> = (0..2_000)
                .map(|_| retry_backoff(&config, attempts, &mut rng))
                .collect();
            let (min, max) = (*draws.iter().min().unwrap(), *draws.iter().max().unwrap());
            assert!(min >= lo && max <= hi, "attempts {attempts}: {min}..={max}");
            // The whole range is used: within 2 % of both ends.
            let slack = (hi - lo) / 50 + 1;
            assert!(
                min <= lo + slack && max + slack >= hi,
                "attempts {attempts}: {min}..={max}"
            );
        }
    }

    #[test]
    fn a_max_at_or_below_the_backoff_keeps_every_backoff_fixed() {
        let mut config = ProducerConfig::for_profile(Profile::KafkaDefaults);
        config.retry_backoff_ms = 250;
        config.retry_backoff_max_ms = 250;
        let mut rng = rand_pcg::Pcg64Mcg::seed_from_u64(1);
        for attempts in [0, 1, 5] {
            assert_eq!(retry_backoff(&config, attempts, &mut rng), 250);
        }
        // Below it: a constant backoff of the max (`ExponentialBackoff`'s constructor).
        config.retry_backoff_max_ms = 10;
        assert_eq!(retry_backoff(&config, 3, &mut rng), 10);
    }
}
