//! The controller's ZooKeeper writes: batches of partition-state writes, each guarded by the
//! `/controller_epoch` version and the znode's own version, published once all committed.

use super::*;

impl KafkaController {
    pub(super) fn new_batch(&mut self, then: AfterWrite) -> u64 {
        self.next_batch += 1;
        self.batches.insert(
            self.next_batch,
            Batch {
                outstanding: 0,
                states: Vec::new(),
                then,
            },
        );
        self.next_batch
    }

    /// The epoch fence every controller write carries.
    pub(super) fn epoch_check(&self) -> ZkOp {
        ZkOp::Check {
            path: CONTROLLER_EPOCH.into(),
            version: self.epoch_version,
        }
    }

    pub(super) fn write_state(
        &mut self,
        ctx: &mut Ctx,
        batch: u64,
        tp: &TopicPartition,
        create: bool,
    ) {
        let Some(state) = self.context.partition(tp).cloned() else {
            return;
        };
        if let Some(b) = self.batches.get_mut(&batch) {
            b.states.push(state.clone());
        }
        let path = partition_state_path(&tp.topic, tp.partition);
        let data = ZnodeData::PartitionState {
            state,
            controller_epoch: self.epoch,
        };
        let op = if create {
            self.zk_versions.insert(tp.clone(), 0);
            ZkOp::Create {
                path,
                data,
                ephemeral: false,
            }
        } else {
            let v = self.zk_versions.entry(tp.clone()).or_insert(0);
            *v += 1;
            ZkOp::SetData {
                path,
                data,
                version: Some(*v - 1),
            }
        };
        self.write(ctx, batch, op, Some(tp));
    }

    pub(super) fn write(
        &mut self,
        ctx: &mut Ctx,
        batch: u64,
        op: ZkOp,
        tp: Option<&TopicPartition>,
    ) {
        if let Some(b) = self.batches.get_mut(&batch) {
            b.outstanding += 1;
        }
        let ops = vec![self.epoch_check(), op];
        self.submit(
            ctx,
            Purpose::Write {
                epoch: self.epoch,
                batch,
                tp: tp.cloned(),
            },
            ZkRequest::Write(ops),
        );
    }

    /// After BADVERSION on a partition state with the epoch still ours: if ZooKeeper already
    /// holds what this batch wanted (a resent write that had committed), it is done; if not,
    /// write it again on the version found (Kafka re-reads and retries the same way).
    pub(super) fn on_reread(
        &mut self,
        ctx: &mut Ctx,
        batch: u64,
        tp: TopicPartition,
        r: Result<ZkAnswer, ZkError>,
    ) {
        let Some(wanted) = self
            .batches
            .get(&batch)
            .and_then(|b| b.states.iter().rev().find(|s| s.tp == tp))
            .cloned()
        else {
            return;
        };
        let Ok(ZkAnswer::Data {
            data: ZnodeData::PartitionState { state, .. },
            version,
        }) = r
        else {
            self.batches.remove(&batch);
            return;
        };
        self.zk_versions.insert(tp.clone(), version + 1);
        // Already there, or overtaken by a later write of this controller.
        if (state.leader_epoch, state.partition_epoch)
            >= (wanted.leader_epoch, wanted.partition_epoch)
        {
            self.batch_done(ctx, batch);
            return;
        }
        let op = ZkOp::SetData {
            path: partition_state_path(&tp.topic, tp.partition),
            data: ZnodeData::PartitionState {
                state: wanted,
                controller_epoch: self.epoch,
            },
            version: Some(version),
        };
        let ops = vec![self.epoch_check(), op];
        self.submit(
            ctx,
            Purpose::Write {
                epoch: self.epoch,
                batch,
                tp: Some(tp),
            },
            ZkRequest::Write(ops),
        );
    }

    /// Writes the changed partition states; once all committed, publishes them.
    pub(super) fn write_and_publish(
        &mut self,
        ctx: &mut Ctx,
        mut changed: Vec<TopicPartition>,
        full_sync: Vec<BrokerId>,
        create: &SortedSet<TopicPartition>,
    ) {
        sort(&mut changed);
        changed.dedup();
        if changed.is_empty() && full_sync.is_empty() {
            return;
        }
        let batch = self.new_batch(AfterWrite::Publish {
            changed: changed.clone(),
            full_sync,
        });
        for tp in &changed {
            self.write_state(ctx, batch, tp, create.contains(tp));
        }
        self.check_batch(ctx, batch);
    }

    pub(super) fn batch_done(&mut self, ctx: &mut Ctx, batch: u64) {
        if let Some(b) = self.batches.get_mut(&batch) {
            b.outstanding = b.outstanding.saturating_sub(1);
        }
        self.check_batch(ctx, batch);
    }

    pub(super) fn check_batch(&mut self, ctx: &mut Ctx, batch: u64) {
        if self.batches.get(&batch).is_none_or(|b| b.outstanding > 0) {
            return;
        }
        let b = self.batches.remove(&batch).expect("exists");
        for st in b.states {
            self.record_published(st);
        }
        match b.then {
            AfterWrite::Publish { changed, full_sync } => {
                if !changed.is_empty() {
                    ctx.emit(EventKind::Zk(ZkEvent::PartitionStatesWritten {
                        controller: self.broker,
                        partitions: changed.len() as u32,
                    }));
                }
                self.publish(ctx, &changed, &full_sync);
            }
            AfterWrite::AlterPartitionReply { to, state } => {
                let current = self.record_published(state.clone());
                ctx.emit(EventKind::Zk(ZkEvent::AlterPartitionWritten {
                    controller: self.broker,
                    tp: state.tp.clone(),
                }));
                ctx.send(
                    to,
                    Message::AlterPartitionResponse {
                        tp: state.tp.clone(),
                        error: None,
                        state: Some(state.clone()),
                    },
                );
                if current {
                    let live = self.context.live_brokers();
                    for &b in &live {
                        self.send_update_metadata(ctx, b, vec![state.clone()], &live);
                    }
                }
            }
        }
    }

    /// Records a committed partition state as what ZooKeeper holds, unless a later decision
    /// of this controller has already committed: batches written while ZooKeeper was away
    /// can complete out of order once it is back, and the znode keeps the later one (each
    /// write is conditional on the version the previous one left). Returns whether `state`
    /// is the current one.
    pub(super) fn record_published(&mut self, state: PartitionState) -> bool {
        if let Some(cur) = self.published.get(&state.tp)
            && (cur.leader_epoch, cur.partition_epoch) > (state.leader_epoch, state.partition_epoch)
        {
            return false;
        }
        self.published.insert(state.tp.clone(), state);
        true
    }
}
