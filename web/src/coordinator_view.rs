//! What the coordinator area and the broker badges say, from a snapshot: the ZooKeeper
//! ensemble (roles, zxids, quorum, who holds `/controller`), the KRaft quorum (Raft states,
//! epochs, the active controller, the metadata log's offsets), or the built-in controller.
//! Also the pending timers, as countdown lines. Plain Rust, tested natively.

use crate::narrate::seconds;
use kafkascope_core::snapshot::{
    CoordinatorSnapshot, Countdown, RaftState, Snapshot, ZkServerRole,
};
use kafkascope_core::{BrokerId, NodeId};

/// One node box of the coordinator area.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NodeView {
    pub node: NodeId,
    /// e.g. `zookeeper-2` or `controller-101`.
    pub name: String,
    /// e.g. `★ LEADER`, `FOLLOWER`, `DOWN`.
    pub title: String,
    /// e.g. `epoch 3 · zxid 0x39` or `epoch 4 · LEO 12 HW 12`.
    pub detail: String,
    /// The role as a word, for `data-role` and styling (also written in `title`).
    pub role: &'static str,
    pub up: bool,
    /// The node acting as controller (or ZooKeeper leader).
    pub leading: bool,
}

/// How many pending timers the coordinator area lists.
pub const COUNTDOWNS_SHOWN: usize = 3;

/// The coordinator area's content.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CoordinatorView {
    pub mode: &'static str,
    /// One line above the nodes.
    pub title: String,
    pub nodes: Vec<NodeView>,
    /// Text shown inside a broker's box for the coordinator roles it hosts.
    pub broker_badges: Vec<(BrokerId, String)>,
    /// The soonest pending timers, in words.
    pub countdowns: Vec<String>,
}

/// The view of the coordinator in `s`.
pub fn coordinator_view(s: &Snapshot) -> CoordinatorView {
    CoordinatorView {
        countdowns: countdown_lines(s, COUNTDOWNS_SHOWN),
        ..mode_view(s)
    }
}

fn mode_view(s: &Snapshot) -> CoordinatorView {
    let c = &s.controller;
    match &c.coordinator {
        CoordinatorSnapshot::Builtin => CoordinatorView {
            mode: "builtin",
            title: format!(
                "Built-in controller (simplified: never fails) · controller epoch {}",
                c.controller_epoch
            ),
            nodes: vec![NodeView {
                node: NodeId::Controller(0),
                name: "controller".into(),
                title: "★ ACTIVE".into(),
                detail: "pushes LeaderAndIsr / UpdateMetadata".into(),
                role: "active",
                up: true,
                leading: true,
            }],
            broker_badges: Vec::new(),
            countdowns: Vec::new(),
        },
        CoordinatorSnapshot::Zookeeper(z) => {
            let title = format!(
                "ZooKeeper ensemble · {} · /controller: {} · controller epoch {}{}",
                if z.quorum {
                    "quorum OK".to_owned()
                } else {
                    "NO QUORUM: no metadata changes".to_owned()
                },
                z.controller
                    .map_or("none".to_owned(), |b| format!("broker {b}")),
                z.controller_epoch,
                z.loading.as_ref().map_or(String::new(), |l| format!(
                    " · controller {} loading {}/{} znodes",
                    l.broker, l.read, l.total
                ))
            );
            let nodes = z
                .servers
                .iter()
                .map(|sv| {
                    let role = if sv.up { sv.role.as_str() } else { "down" };
                    let leading = sv.up && sv.role == ZkServerRole::Leader;
                    NodeView {
                        node: NodeId::ZooKeeper(sv.id),
                        name: format!("zookeeper-{}", sv.id),
                        title: format!(
                            "{}{}",
                            if leading { "★ " } else { "" },
                            role.to_ascii_uppercase()
                        ),
                        detail: format!(
                            "epoch {} · zxid {:#x} · {} session{}",
                            sv.epoch,
                            sv.last_zxid,
                            sv.connections.len(),
                            if sv.connections.len() == 1 { "" } else { "s" }
                        ),
                        role,
                        up: sv.up,
                        leading,
                    }
                })
                .collect();
            let broker_badges = s
                .brokers
                .iter()
                .map(|b| {
                    let registered = z.registered_brokers.contains(&b.id);
                    let text = if z.controller == Some(b.id) {
                        let loading = z.loading.as_ref().is_some_and(|l| l.broker == b.id);
                        format!(
                            "★ CONTROLLER (epoch {}){}",
                            z.controller_epoch,
                            if loading { " · loading" } else { "" }
                        )
                    } else if registered {
                        "/brokers/ids/".to_owned() + &b.id.to_string()
                    } else {
                        "not registered in ZooKeeper".to_owned()
                    };
                    (b.id, text)
                })
                .collect();
            CoordinatorView {
                mode: "zookeeper",
                title,
                nodes,
                broker_badges,
                countdowns: Vec::new(),
            }
        }
        CoordinatorSnapshot::Kraft(k) => {
            let leader = match k.leader {
                None => "no leader (election)".to_owned(),
                Some(l) if c.active == Some(NodeId::Controller(l)) => {
                    format!("leader {l} = active controller")
                }
                Some(l) => format!("leader {l}, active once its epoch's first record commits"),
            };
            let title = format!(
                "KRaft controller quorum{} · epoch {} · {leader} · metadata HW {}",
                if k.combined { " (combined)" } else { "" },
                k.epoch,
                k.high_watermark
            );
            let voter_line = |v: &kafkascope_core::snapshot::VoterSnapshot| {
                let role = if v.up { v.state.as_str() } else { "down" };
                let leading = v.up && v.state == RaftState::Leader;
                let title = format!(
                    "{}{}",
                    if leading { "★ " } else { "" },
                    role.to_ascii_uppercase()
                );
                let mut detail = format!(
                    "epoch {} · LEO {} HW {}",
                    v.epoch, v.log_end_offset, v.high_watermark
                );
                if let (RaftState::Voted, Some(c)) = (v.state, v.voted_for) {
                    detail += &format!(" · voted {c}");
                }
                (title, detail, role, leading)
            };
            let nodes = if k.combined {
                Vec::new()
            } else {
                k.voters
                    .iter()
                    .map(|v| {
                        let (title, detail, role, leading) = voter_line(v);
                        NodeView {
                            node: NodeId::Controller(v.id),
                            name: format!("controller-{}", v.id),
                            title,
                            detail,
                            role,
                            up: v.up,
                            leading,
                        }
                    })
                    .collect()
            };
            let mut broker_badges: Vec<(BrokerId, String)> = k
                .brokers
                .iter()
                .map(|b| {
                    let up = s.brokers.iter().any(|x| x.id == b.id && x.up);
                    // A down broker replays nothing, and its registration is the controller's
                    // view (unfenced until its session ends), not the broker's.
                    let text = if up {
                        format!(
                            "{} · metadata offset {}",
                            b.state.label(),
                            b.metadata_offset
                        )
                    } else {
                        format!("controller: {}", b.state.label())
                    };
                    (b.id, text)
                })
                .collect();
            if k.combined {
                for v in &k.voters {
                    let (title, detail, _, _) = voter_line(v);
                    let line = format!("controller-{} {title} · {detail}", v.id);
                    match broker_badges.iter_mut().find(|(b, _)| *b == v.id) {
                        Some((_, text)) => *text = format!("{line} · {text}"),
                        None => broker_badges.push((v.id, line)),
                    }
                }
            }
            CoordinatorView {
                mode: "kraft",
                title,
                nodes,
                broker_badges,
                countdowns: Vec::new(),
            }
        }
    }
}

/// The pending timers in words, soonest first, at most `max` (e.g. `broker 2 is fenced in
/// 1.9 s`, `controller-101 starts an election in 0.7 s`).
pub fn countdown_lines(s: &Snapshot, max: usize) -> Vec<String> {
    // With more timers than lines, those that will run out come first: a down or isolated
    // broker's session, a lagging follower. A live broker's session or a follower voter's
    // election timeout restarts with every heartbeat or fetch.
    let failing = |b: BrokerId| s.brokers.iter().any(|x| x.id == b && (!x.up || x.isolated));
    let will_run_out = |c: &Countdown| match c {
        Countdown::BrokerSession { broker, .. } | Countdown::ZkSession { broker, .. } => {
            failing(*broker)
        }
        Countdown::IsrLag { .. } => true,
        Countdown::ElectionTimeout { .. } => false,
    };
    let mut shown: Vec<&Countdown> = s.countdowns.iter().collect();
    shown.sort_by_key(|c| (!will_run_out(c), c.at()));
    shown.truncate(max);
    shown.sort_by_key(|c| c.at());
    shown
        .into_iter()
        .map(|c| {
            let left = seconds(c.at().saturating_sub(s.time));
            // Past due: the timeout has run out and the check that acts on it (ZooKeeper's
            // session tick, the controller's or the leader's periodic check) has not run yet.
            if c.at() <= s.time {
                return match c {
                    Countdown::BrokerSession { broker, .. } => {
                        format!("broker {broker} is fenced at the controller's next check")
                    }
                    Countdown::IsrLag { tp, follower, .. } => {
                        format!("{tp}: follower {follower} leaves the ISR at the leader's next check")
                    }
                    Countdown::ZkSession { broker, .. } => {
                        format!("broker {broker}'s ZooKeeper session expires at ZooKeeper's next tick")
                    }
                    Countdown::ElectionTimeout { voter, .. } => {
                        format!("controller-{voter} starts an election now")
                    }
                };
            }
            match c {
                Countdown::BrokerSession { broker, .. } => {
                    format!("broker {broker} is fenced in {left} unless it heartbeats")
                }
                Countdown::IsrLag { tp, follower, .. } => {
                    format!(
                        "{tp}: follower {follower} leaves the ISR in {left} unless it catches up"
                    )
                }
                Countdown::ZkSession { broker, .. } => {
                    format!("broker {broker}'s ZooKeeper session expires in {left} unless it pings")
                }
                Countdown::ElectionTimeout { voter, .. } => {
                    format!(
                        "controller-{voter} starts an election in {left} unless it hears from a leader"
                    )
                }
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use kafkascope_core::{ClusterConfig, CoordinatorMode, Profile, Sim};

    fn snapshot(mode: CoordinatorMode) -> Snapshot {
        Sim::new(ClusterConfig::new(Profile::Teaching, 3).with_mode(mode), 1)
            .unwrap()
            .snapshot()
    }

    #[test]
    fn the_builtin_controller_says_it_is_simplified() {
        let v = coordinator_view(&snapshot(CoordinatorMode::Builtin));
        assert_eq!(v.mode, "builtin");
        assert!(v.title.contains("simplified"));
        assert_eq!(v.nodes.len(), 1);
    }

    #[test]
    fn a_kraft_quorum_shows_each_voter_with_its_raft_state_and_the_leader_starred() {
        let v = coordinator_view(&snapshot(CoordinatorMode::Kraft));
        assert_eq!(v.mode, "kraft");
        assert_eq!(v.nodes.len(), 3);
        let leaders: Vec<_> = v.nodes.iter().filter(|n| n.leading).collect();
        assert_eq!(leaders.len(), 1);
        assert_eq!(leaders[0].role, "leader");
        assert!(
            leaders[0].title.contains("★ LEADER"),
            "{}",
            leaders[0].title
        );
        assert!(v.title.contains("epoch 1"), "{}", v.title);
        // Brokers show their registration state in their box.
        assert_eq!(v.broker_badges.len(), 3);
        assert!(
            v.broker_badges
                .iter()
                .all(|(_, t)| t.starts_with("unfenced"))
        );
    }

    #[test]
    fn a_down_brokers_badge_is_the_controllers_view_of_it() {
        let mut sim = Sim::new(
            ClusterConfig::new(Profile::Teaching, 3).with_mode(CoordinatorMode::Kraft),
            1,
        )
        .unwrap();
        sim.run_until(1_000);
        sim.apply(kafkascope_core::Command::Crash {
            node: kafkascope_core::NodeId::Broker(2),
        })
        .unwrap();
        sim.run_until(1_500);
        let badge = |sim: &Sim| {
            coordinator_view(&sim.snapshot())
                .broker_badges
                .into_iter()
                .find(|(b, _)| *b == 2)
                .unwrap()
                .1
        };
        // Not "unfenced · metadata offset 0" under DOWN: the controller has not fenced it yet.
        assert_eq!(badge(&sim), "controller: unfenced");
        sim.run_until(6_000);
        assert_eq!(badge(&sim), "controller: FENCED");
    }

    #[test]
    fn a_combined_voter_is_drawn_in_its_broker_not_in_the_coordinator_area() {
        let mut c = ClusterConfig::new(Profile::Teaching, 3).with_mode(CoordinatorMode::Kraft);
        c.coordinator.kraft_combined = true;
        let v = coordinator_view(&Sim::new(c, 1).unwrap().snapshot());
        assert!(v.nodes.is_empty());
        assert!(
            v.broker_badges
                .iter()
                .any(|(b, t)| *b == 1 && t.contains("controller-1")),
            "{:?}",
            v.broker_badges
        );
    }

    #[test]
    fn countdowns_are_sentences_with_the_time_left() {
        let mut s = snapshot(CoordinatorMode::Builtin);
        s.time = 1_000;
        s.countdowns = vec![
            Countdown::ElectionTimeout {
                voter: 101,
                at: 1_700,
            },
            Countdown::ZkSession {
                broker: 2,
                at: 5_100,
            },
        ];
        assert_eq!(
            countdown_lines(&s, 5),
            vec![
                "controller-101 starts an election in 0.7 s unless it hears from a leader"
                    .to_owned(),
                "broker 2's ZooKeeper session expires in 4.1 s unless it pings".to_owned(),
            ]
        );
        assert_eq!(countdown_lines(&s, 1).len(), 1);
        // One line: broker 2 is down, so its session, which will run out, is shown rather
        // than the sooner election timeout, which a live leader's fetches keep restarting.
        s.brokers[1].up = false;
        assert_eq!(
            countdown_lines(&s, 1),
            vec!["broker 2's ZooKeeper session expires in 4.1 s unless it pings".to_owned()]
        );
        s.brokers[1].up = true;
        // Past its time, a countdown says what it waits for instead of "0.0 s".
        s.time = 5_300;
        assert_eq!(
            countdown_lines(&s, 5)[1],
            "broker 2's ZooKeeper session expires at ZooKeeper's next tick"
        );
    }
}
