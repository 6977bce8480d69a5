//! Admin requests at the active controller: create topics and partitions, elect preferred
//! leaders. Decided now, written to ZooKeeper, published after the writes commit.

use super::*;

impl KafkaController {
    // --- admin requests, at the active controller ---

    pub fn create_topic(
        &mut self,
        ctx: &mut Ctx,
        topic: &NewTopic,
    ) -> Result<Vec<Vec<BrokerId>>, KafkaError> {
        let mut events = Vec::new();
        let assignment =
            self.context
                .create_topic(topic, Placer::AdminUtils, ctx.rng(), &mut events)?;
        emit_all(ctx, events);
        let tps: Vec<TopicPartition> = (0..assignment.len() as u32)
            .map(|p| TopicPartition::new(topic.name.clone(), p))
            .collect();
        self.write_assignment(ctx, &topic.name, true);
        let create: SortedSet<TopicPartition> = tps.iter().cloned().collect();
        self.write_and_publish(ctx, tps, Vec::new(), &create);
        Ok(assignment)
    }

    pub(super) fn write_assignment(&mut self, ctx: &mut Ctx, topic: &TopicName, create: bool) {
        let Some(t) = self.context.topics.get(topic) else {
            return;
        };
        let path = topic_path(topic);
        let data = ZnodeData::TopicAssignment {
            replicas: t.partitions.iter().map(|p| p.replicas.clone()).collect(),
            config: t.config.clone(),
        };
        let op = if create {
            ZkOp::Create {
                path,
                data,
                ephemeral: false,
            }
        } else {
            ZkOp::SetData {
                path,
                data,
                version: None,
            }
        };
        // Its own batch: nothing waits for it but the partition states written after it.
        let batch = self.new_batch(AfterWrite::Publish {
            changed: Vec::new(),
            full_sync: Vec::new(),
        });
        self.write(ctx, batch, op, None);
    }

    pub fn create_partitions(
        &mut self,
        ctx: &mut Ctx,
        topic: &str,
        total: i32,
    ) -> Result<Vec<Vec<BrokerId>>, KafkaError> {
        let mut events = Vec::new();
        let before = self
            .context
            .topics
            .get(topic)
            .map_or(0, |t| t.partitions.len() as u32);
        let added = self.context.create_partitions(
            topic,
            total,
            Placer::AdminUtils,
            ctx.rng(),
            &mut events,
        )?;
        emit_all(ctx, events);
        let name = self
            .context
            .topics
            .get_key_value(topic)
            .map(|(k, _)| k.clone())
            .expect("exists");
        self.write_assignment(ctx, &name, false);
        let tps: Vec<TopicPartition> = (before..before + added.len() as u32)
            .map(|p| TopicPartition::new(name.clone(), p))
            .collect();
        let create: SortedSet<TopicPartition> = tps.iter().cloned().collect();
        self.write_and_publish(ctx, tps, Vec::new(), &create);
        Ok(added)
    }

    pub fn elect_preferred(
        &mut self,
        ctx: &mut Ctx,
        partitions: Option<&[TopicPartition]>,
    ) -> PreferredElection {
        let mut events = Vec::new();
        // KafkaApis (ZooKeeper mode) asks for every partition by name when the request names
        // none, so every partition has a result here, ELECTION_NOT_NEEDED included.
        let results = self.context.elect_preferred(partitions, &mut events);
        emit_all(ctx, events);
        self.write_and_publish(ctx, results.elected.clone(), Vec::new(), &SortedSet::new());
        results
    }
}
