//! TEMPORARY stand-in until the assignor module lands in main (same public API; simple
//! range / round robin / naive sticky). Replaced by the real module before merging.
use crate::ids::{TopicName, TopicPartition};
use std::collections::{BTreeMap, BTreeSet};

#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize,
)]
pub enum AssignorKind {
    #[serde(rename = "range")]
    #[default]
    Range,
    #[serde(rename = "roundrobin")]
    RoundRobin,
    #[serde(rename = "sticky")]
    Sticky,
    #[serde(rename = "cooperative-sticky")]
    CooperativeSticky,
}

impl AssignorKind {
    pub fn protocol_name(self) -> &'static str {
        match self {
            AssignorKind::Range => "range",
            AssignorKind::RoundRobin => "roundrobin",
            AssignorKind::Sticky => "sticky",
            AssignorKind::CooperativeSticky => "cooperative-sticky",
        }
    }
    pub fn is_cooperative(self) -> bool {
        matches!(self, AssignorKind::CooperativeSticky)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct MemberSubscription {
    pub member_id: String,
    pub topics: Vec<TopicName>,
    pub owned_partitions: Vec<TopicPartition>,
    pub generation: i32,
}

pub fn assign(
    kind: AssignorKind,
    partitions_per_topic: &BTreeMap<TopicName, u32>,
    members: &[MemberSubscription],
) -> BTreeMap<String, Vec<TopicPartition>> {
    let mut out: BTreeMap<String, Vec<TopicPartition>> = members
        .iter()
        .map(|m| (m.member_id.clone(), Vec::new()))
        .collect();
    let ids: Vec<String> = out.keys().cloned().collect();
    let all: Vec<TopicPartition> = partitions_per_topic
        .iter()
        .flat_map(|(t, &n)| (0..n).map(move |p| TopicPartition::new(t.clone(), p)))
        .collect();
    match kind {
        AssignorKind::Range => {
            for (t, &n) in partitions_per_topic {
                let subs: Vec<&String> = ids
                    .iter()
                    .filter(|id| {
                        members
                            .iter()
                            .any(|m| &m.member_id == *id && m.topics.contains(t))
                    })
                    .collect();
                if subs.is_empty() {
                    continue;
                }
                let c = subs.len() as u32;
                let mut next = 0;
                for (i, id) in subs.iter().enumerate() {
                    let count = n / c + u32::from((i as u32) < n % c);
                    for p in next..next + count {
                        out.get_mut(*id)
                            .unwrap()
                            .push(TopicPartition::new(t.clone(), p));
                    }
                    next += count;
                }
            }
        }
        AssignorKind::RoundRobin => {
            for (i, tp) in all.iter().enumerate() {
                out.get_mut(&ids[i % ids.len()]).unwrap().push(tp.clone());
            }
        }
        AssignorKind::Sticky | AssignorKind::CooperativeSticky => {
            let n = ids.len();
            let total = all.len();
            let mut taken = BTreeSet::new();
            let mut owner = BTreeMap::new();
            for (rank, id) in ids.iter().enumerate() {
                let quota = total / n + usize::from(rank < total % n);
                let m = members.iter().find(|m| &m.member_id == id).unwrap();
                for tp in &m.owned_partitions {
                    owner.insert(tp.clone(), id.clone());
                    if out[id].len() < quota && all.contains(tp) && taken.insert(tp.clone()) {
                        out.get_mut(id).unwrap().push(tp.clone());
                    }
                }
            }
            for tp in &all {
                if taken.contains(tp) {
                    continue;
                }
                let id = ids
                    .iter()
                    .enumerate()
                    .filter(|(rank, id)| {
                        out[*id].len() < total / n + usize::from(*rank < total % n)
                    })
                    .map(|(_, id)| id.clone())
                    .next()
                    .unwrap();
                if kind == AssignorKind::CooperativeSticky
                    && owner.get(tp).is_some_and(|o| o != &id)
                {
                    continue;
                }
                out.get_mut(&id).unwrap().push(tp.clone());
            }
        }
    }
    for v in out.values_mut() {
        v.sort();
    }
    out
}

pub fn revoked_partitions(
    owned: &[TopicPartition],
    assigned: &[TopicPartition],
) -> Vec<TopicPartition> {
    let a: BTreeSet<&TopicPartition> = assigned.iter().collect();
    let r: BTreeSet<&TopicPartition> = owned.iter().filter(|tp| !a.contains(tp)).collect();
    r.into_iter().cloned().collect()
}
