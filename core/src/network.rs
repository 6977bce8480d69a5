//! The simulated network: per-link latency with jitter, random loss, cut links and isolated
//! nodes. It only answers "can a message go from a to b, and how long does it take".
//!
//! Some nodes are roles of one process (the controller of a ZooKeeper-mode broker, a KRaft
//! voter in combined mode): they are *co-located* with a host node, share its network
//! faults, and always reach it.

use crate::collections::{LiteMap, SortedSet};
use crate::config::{Millis, NetworkConfig};
use crate::ids::NodeId;
use rand::Rng;
use rand::distr::Bernoulli;
use serde::{Deserialize, Serialize};

/// Links are undirected: a cut between a and b stops both directions.
fn link(a: NodeId, b: NodeId) -> (NodeId, NodeId) {
    if a <= b { (a, b) } else { (b, a) }
}

/// The longest one-way latency (and jitter) a link may have: one hour, the longest run a
/// scenario may ask for. Anything longer is a typo, and would overflow the clock.
pub const MAX_LATENCY_MS: Millis = 3_600_000;

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Network {
    pub config: NetworkConfig,
    cut: SortedSet<(NodeId, NodeId)>,
    isolated: SortedSet<NodeId>,
    latency: LiteMap<(NodeId, NodeId), Millis>,
    /// Role node -> the node whose process it runs in.
    #[serde(default)]
    colocated: LiteMap<NodeId, NodeId>,
}

impl Network {
    pub fn new(config: NetworkConfig) -> Self {
        Self {
            config,
            cut: SortedSet::new(),
            isolated: SortedSet::new(),
            latency: LiteMap::new_vec(),
            colocated: LiteMap::new_vec(),
        }
    }

    /// Declares that `role` runs inside `host`'s process.
    pub fn colocate(&mut self, role: NodeId, host: NodeId) {
        self.colocated.insert(role, host);
    }

    /// The node whose process `node` runs in (itself unless co-located).
    pub fn host(&self, node: NodeId) -> NodeId {
        self.colocated.get(&node).copied().unwrap_or(node)
    }

    /// Whether a message from `a` can currently reach `b`.
    pub fn reachable(&self, a: NodeId, b: NodeId) -> bool {
        let (a, b) = (self.host(a), self.host(b));
        a == b
            || !(self.isolated.contains(&a)
                || self.isolated.contains(&b)
                || self.cut.contains(&link(a, b)))
    }

    /// One-way delay for a message sent now from `a` to `b` (at least 1 ms, so that nothing
    /// is delivered in the same instant it was sent).
    pub fn delay(&self, a: NodeId, b: NodeId, rng: &mut impl Rng) -> Millis {
        let (a, b) = (self.host(a), self.host(b));
        let base = self
            .latency
            .get(&link(a, b))
            .copied()
            .unwrap_or(self.config.latency_ms);
        let jitter = if self.config.jitter_ms > 0 {
            rng.random_range(0..=self.config.jitter_ms)
        } else {
            0
        };
        (base + jitter).max(1)
    }

    /// Whether this message is lost at random.
    pub fn lose(&self, rng: &mut impl Rng) -> bool {
        // `random_bool`'s own sampling, without its panic message for a `p` outside [0, 1]
        // (validation rules that out), which would pull the float formatter into the wasm.
        self.config.loss > 0.0 && Bernoulli::new(self.config.loss).is_ok_and(|d| rng.sample(d))
    }

    pub fn isolate(&mut self, node: NodeId) {
        self.isolated.insert(self.host(node));
    }

    pub fn cut(&mut self, a: NodeId, b: NodeId) {
        self.cut.insert(link(self.host(a), self.host(b)));
    }

    pub fn set_latency(&mut self, a: NodeId, b: NodeId, ms: Millis) {
        self.latency.insert(link(self.host(a), self.host(b)), ms);
    }

    /// Repairs every cut link and isolation.
    pub fn heal(&mut self) {
        self.cut.clear();
        self.isolated.clear();
    }

    pub fn isolated_nodes(&self) -> impl Iterator<Item = NodeId> + '_ {
        self.isolated.iter().copied()
    }

    pub fn cut_links(&self) -> impl Iterator<Item = (NodeId, NodeId)> + '_ {
        self.cut.iter().copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    fn net() -> Network {
        Network::new(NetworkConfig {
            latency_ms: 5,
            jitter_ms: 0,
            loss: 0.0,
        })
    }

    #[test]
    fn a_cut_link_stops_both_directions_and_heal_repairs_it() {
        let mut n = net();
        let (a, b, c) = (NodeId::Broker(1), NodeId::Broker(2), NodeId::Broker(3));
        n.cut(b, a);
        assert!(!n.reachable(a, b));
        assert!(!n.reachable(b, a));
        assert!(n.reachable(a, c));
        n.heal();
        assert!(n.reachable(a, b));
    }

    #[test]
    fn an_isolated_node_reaches_no_one() {
        let mut n = net();
        n.isolate(NodeId::Broker(2));
        assert!(!n.reachable(NodeId::Producer(0), NodeId::Broker(2)));
        assert!(!n.reachable(NodeId::Broker(2), NodeId::Controller(0)));
        assert!(n.reachable(NodeId::Broker(1), NodeId::Broker(3)));
    }

    #[test]
    fn a_colocated_role_shares_its_hosts_faults_and_always_reaches_it() {
        let mut n = net();
        let (b1, c1, b2) = (NodeId::Broker(1), NodeId::Controller(1), NodeId::Broker(2));
        n.colocate(c1, b1);
        n.isolate(b1);
        assert!(!n.reachable(c1, b2));
        assert!(n.reachable(c1, b1));
        n.heal();
        n.cut(c1, b2);
        assert!(
            !n.reachable(b1, b2),
            "a cut to the role cuts its host's link"
        );
        assert!(n.reachable(c1, NodeId::Broker(3)));
    }

    #[test]
    fn losses_are_drawn_as_random_bool_draws_them() {
        // The same draws as `Rng::random_bool`, so a seed loses the same messages it did.
        for loss in [0.01, 0.05, 0.5, 1.0] {
            let n = Network::new(NetworkConfig {
                latency_ms: 5,
                jitter_ms: 0,
                loss,
            });
            let mut ours = rand_pcg::Pcg64Mcg::seed_from_u64(7);
            let mut theirs = rand_pcg::Pcg64Mcg::seed_from_u64(7);
            for i in 0..2_000 {
                assert_eq!(
                    n.lose(&mut ours),
                    theirs.random_bool(loss),
                    "loss {loss}, draw {i}"
                );
            }
        }
    }

    #[test]
    fn per_link_latency_overrides_the_default() {
        let mut n = net();
        let mut rng = rand_pcg::Pcg64Mcg::seed_from_u64(1);
        n.set_latency(NodeId::Broker(1), NodeId::Broker(2), 50);
        assert_eq!(n.delay(NodeId::Broker(2), NodeId::Broker(1), &mut rng), 50);
        assert_eq!(n.delay(NodeId::Broker(1), NodeId::Broker(3), &mut rng), 5);
    }
}
