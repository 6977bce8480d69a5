//! Becoming controller: win `/controller`, then load the cluster state with real reads
//! (the brokers, the topics, each assignment and every partition's state), pipelined.

use super::*;

impl KafkaController {
    pub(super) fn won(&mut self, ctx: &mut Ctx, epoch: i32, version: u32) {
        self.epoch = epoch;
        self.epoch_version = version;
        ctx.emit(EventKind::Zk(ZkEvent::ControllerElected {
            broker: self.broker,
            epoch,
        }));
        ctx.emit(EventKind::Zk(ZkEvent::LoadingStarted {
            broker: self.broker,
            epoch,
        }));
        // Load: the live brokers, the topics, each topic's assignment, every partition's state.
        self.phase = Phase::Loading(Box::new(Load {
            started_at: ctx.now(),
            outstanding: 2,
            total: 2,
            ..Load::default()
        }));
        self.submit(
            ctx,
            Purpose::LoadBrokers { epoch },
            request_read(ZkRead::GetChildren {
                path: BROKER_IDS.into(),
                watch: true,
            }),
        );
        self.submit(
            ctx,
            Purpose::LoadTopics { epoch },
            request_read(ZkRead::GetChildren {
                path: TOPICS.into(),
                watch: false,
            }),
        );
    }

    pub(super) fn on_load_response(
        &mut self,
        ctx: &mut Ctx,
        p: Purpose,
        r: Result<ZkAnswer, ZkError>,
    ) {
        let epoch = self.epoch;
        let Phase::Loading(load) = &mut self.phase else {
            return;
        };
        let mut reads: Vec<(Purpose, ZkRead)> = Vec::new();
        match (p, r) {
            (Purpose::LoadBrokers { epoch: e }, Ok(ZkAnswer::Children(list))) if e == epoch => {
                load.brokers = Some(list);
            }
            (Purpose::LoadTopics { epoch: e }, Ok(ZkAnswer::Children(list))) if e == epoch => {
                load.topics_listed = true;
                for (t, _) in list {
                    let topic: TopicName = Arc::from(t.as_str());
                    reads.push((
                        Purpose::LoadAssignment { epoch, topic },
                        ZkRead::GetData {
                            path: topic_path(&t),
                            watch: false,
                        },
                    ));
                }
            }
            (Purpose::LoadAssignment { epoch: e, topic }, Ok(ZkAnswer::Data { data, .. }))
                if e == epoch =>
            {
                if let ZnodeData::TopicAssignment { replicas, config } = data {
                    for p in 0..replicas.len() as u32 {
                        reads.push((
                            Purpose::LoadPartition {
                                epoch,
                                tp: TopicPartition::new(topic.clone(), p),
                            },
                            ZkRead::GetData {
                                path: partition_state_path(&topic, p),
                                watch: false,
                            },
                        ));
                    }
                    load.assignments.insert(topic, (replicas, config));
                }
            }
            (Purpose::LoadPartition { epoch: e, tp }, r) if e == epoch => {
                if let Ok(ZkAnswer::Data {
                    data: ZnodeData::PartitionState { state, .. },
                    version,
                }) = r
                {
                    load.versions.insert(tp.clone(), version);
                    load.states.insert(tp, state);
                }
            }
            (
                Purpose::LoadBrokers { epoch: e }
                | Purpose::LoadTopics { epoch: e }
                | Purpose::LoadAssignment { epoch: e, .. },
                Err(_),
            ) if e == epoch => {}
            _ => return,
        }
        load.read += 1;
        load.outstanding -= 1;
        load.outstanding += reads.len();
        load.total += reads.len() as u32;
        for (p, r) in reads {
            self.client.submit(ctx, p, ZkRequest::Read(r));
        }
        if let Phase::Loading(load) = &self.phase
            && load.outstanding == 0
        {
            let load = match std::mem::replace(&mut self.phase, Phase::Active) {
                Phase::Loading(l) => l,
                _ => unreachable!(),
            };
            self.finish_load(ctx, *load);
        }
    }

    pub(super) fn finish_load(&mut self, ctx: &mut Ctx, load: Load) {
        let registered: Vec<(BrokerId, Zxid)> = load
            .brokers
            .unwrap_or_default()
            .iter()
            .filter_map(|(n, cz)| n.parse().ok().map(|b| (b, *cz)))
            .collect();
        let mut meta = self.empty_context(self.epoch, &registered);
        let mut missing = SortedSet::new();
        for (topic, (replicas, config)) in load.assignments {
            let partitions = replicas
                .iter()
                .enumerate()
                .map(|(p, r)| {
                    let tp = TopicPartition::new(topic.clone(), p as u32);
                    load.states.get(&tp).cloned().unwrap_or_else(|| {
                        // Assigned but never initialised (its controller died first): as
                        // Kafka's initializeLeaderAndIsrForPartitions, the live replicas form
                        // the ISR and the first of them leads (offline if none is live).
                        missing.insert(tp.clone());
                        let live: Vec<BrokerId> = r
                            .iter()
                            .copied()
                            .filter(|b| registered.iter().any(|(x, _)| x == b))
                            .collect();
                        PartitionState {
                            tp,
                            leader: live.first().copied().unwrap_or(NO_LEADER),
                            leader_epoch: 0,
                            partition_epoch: 0,
                            isr: if live.is_empty() {
                                r[..1].to_vec()
                            } else {
                                live
                            },
                            replicas: r.clone(),
                            config: config.clone(),
                        }
                    })
                })
                .collect();
            meta.topics
                .insert(topic, Arc::new(TopicMetadata { config, partitions }));
        }
        self.context = meta;
        self.published = load.states;
        self.zk_versions = load.versions;
        ctx.emit(EventKind::Zk(ZkEvent::LoadingFinished {
            broker: self.broker,
            znodes: load.read,
            took_ms: ctx.now().saturating_sub(load.started_at),
        }));
        ctx.emit(EventKind::ControllerActivated {
            controller: self.me(),
            epoch: self.epoch,
        });
        self.arm_imbalance_check(ctx);
        // Every live broker learns the new controller and the whole state.
        let live = self.context.live_brokers();
        self.publish(ctx, &[], &live);
        // Partitions led by dead brokers, and offline ones a live broker can lead, get leaders.
        let mut events = Vec::new();
        let mut changed: Vec<TopicPartition> = Vec::new();
        let ids: Vec<BrokerId> = self.context.brokers.keys().copied().collect();
        for b in &ids {
            if !self.context.is_live(*b) {
                changed.extend(
                    self.context
                        .fence_broker(*b, ShrinkEpoch::Bump, &mut events),
                );
            }
        }
        for b in &ids {
            if self.context.is_live(*b) {
                changed.extend(self.context.unfence_broker(*b, &mut events));
            }
        }
        changed.extend(missing.iter().cloned());
        emit_all(ctx, events);
        self.write_and_publish(ctx, changed, Vec::new(), &missing);
        // The /brokers/ids watch may have fired while loading (and a fired watch is gone):
        // look again, which also sets it again.
        self.read_broker_ids(ctx);
    }
}
