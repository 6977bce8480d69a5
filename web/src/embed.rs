//! What an embedding page can do with an instance, in plain Rust (tested natively): the
//! commands of `handle.send(...)` and the events of `handle.on(...)`. The JavaScript side (the
//! handle object, option checks) is in `api.rs`.

use crate::model::BrokerAction;
use crate::model::World;
use crate::model::scenario::parse_acks;
use crate::model::world::{Action, ProduceRequest};
use kafkascope_core::assignor::AssignorKind;
use kafkascope_core::config::Millis;
use kafkascope_core::{Acks, NodeId};

/// The events `handle.on(name, callback)` accepts.
pub const EVENTS: [&str; 4] = ["log", "leader", "broker", "change"];

/// Something that changed in the world, as an embedding page hears it.
#[derive(Clone, Debug, PartialEq)]
pub enum Notice {
    /// A narrated line of the event log (`detail`: a replication detail).
    Log {
        time: Millis,
        text: String,
        detail: bool,
    },
    /// A partition's leader or leader epoch changed (`leader` -1: no leader).
    Leader {
        time: Millis,
        topic: String,
        partition: u32,
        leader: i32,
        epoch: i32,
    },
    /// A broker went down or came up.
    Broker { time: Millis, id: i32, up: bool },
    /// The state shown changed (any step, action or seek).
    Change { time: Millis },
}

impl Notice {
    pub fn name(&self) -> &'static str {
        match self {
            Notice::Log { .. } => "log",
            Notice::Leader { .. } => "leader",
            Notice::Broker { .. } => "broker",
            Notice::Change { .. } => "change",
        }
    }
}

/// Remembers what was last reported, to report only what changed.
#[derive(Clone, Debug, Default)]
pub struct Watch {
    started: bool,
    last_line: Option<u64>,
    leaders: Vec<(String, u32, i32, i32)>,
    brokers: Vec<(i32, bool)>,
}

impl Watch {
    /// What changed since the last call. The first call only takes note (nothing is reported
    /// for the state an instance opens on); after a seek back, lines already reported are not
    /// reported again, and the leaders and brokers are compared with what was last reported.
    pub fn poll(&mut self, world: &World) -> Vec<Notice> {
        let s = world.snapshot();
        let time = world.now();
        let leaders: Vec<(String, u32, i32, i32)> = s
            .topics
            .iter()
            .filter(|t| !t.internal)
            .flat_map(|t| {
                t.partitions
                    .iter()
                    .map(|p| (t.name.to_string(), p.partition, p.leader, p.leader_epoch))
            })
            .collect();
        let brokers: Vec<(i32, bool)> = s.brokers.iter().map(|b| (b.id, b.up)).collect();
        let newest = world.log_all().back().map(|l| l.id);
        let mut out = Vec::new();
        if self.started {
            let after = self.last_line;
            for l in world
                .log_all()
                .iter()
                .filter(|l| after.is_none_or(|a| l.id > a))
            {
                out.push(Notice::Log {
                    time: l.time,
                    text: l.text.clone(),
                    detail: l.detail,
                });
            }
            for l in &leaders {
                if !self.leaders.contains(l) {
                    out.push(Notice::Leader {
                        time,
                        topic: l.0.clone(),
                        partition: l.1,
                        leader: l.2,
                        epoch: l.3,
                    });
                }
            }
            for b in &brokers {
                if self.brokers.iter().any(|o| o.0 == b.0 && o.1 != b.1) {
                    out.push(Notice::Broker {
                        time,
                        id: b.0,
                        up: b.1,
                    });
                }
            }
            out.push(Notice::Change { time });
        }
        self.started = true;
        // After a seek back the newest line is older than the last reported one: keep the
        // mark where it is, so replayed lines are reported again only past it.
        self.last_line = match (self.last_line, newest) {
            (Some(a), Some(n)) => Some(a.max(n)),
            (a, n) => a.or(n),
        };
        self.leaders = leaders;
        self.brokers = brokers;
        out
    }
}

/// How far past the session's end `send({action: "seek"})` may go: the simulation runs on to
/// there (as the `t` option runs at most an hour before the first frame).
pub const SEEK_PAST_END_MS: Millis = 3_600_000;

/// A command of `handle.send({...})`.
#[derive(Clone, Debug, PartialEq)]
pub enum ApiCommand {
    Act(ApiAction),
    Play,
    Pause,
    Step,
    StepBack,
    /// Show the simulated time (ms).
    Seek(Millis),
    /// Playback speed in percent of real time.
    Speed(f64),
}

/// An action of `handle.send({...})`. The topic and acks a `produce` or `consumer` does not
/// name are the world's when the command runs (its first topic, the scenario's acks): a
/// command sent before the app has built its world, or while a lesson loads, takes that
/// world's.
#[derive(Clone, Debug, PartialEq)]
pub enum ApiAction {
    /// An action that names all it needs.
    Ready(Action),
    Produce {
        topic: Option<String>,
        key: Option<String>,
        value: String,
        acks: Option<Acks>,
    },
    AddConsumer {
        group: String,
        topic: Option<String>,
        assignor: AssignorKind,
    },
}

impl ApiAction {
    /// The action with the defaults of `world` filled in.
    pub fn resolve(self, world: &World) -> Result<Action, String> {
        let first_topic = |what: &str| {
            world
                .scenario()
                .topics
                .first()
                .map(|t| t.name.clone())
                .ok_or_else(|| format!("there is no topic to {what}"))
        };
        Ok(match self {
            ApiAction::Ready(a) => a,
            ApiAction::Produce {
                topic,
                key,
                value,
                acks,
            } => Action::Produce(ProduceRequest {
                topic: topic.map_or_else(|| first_topic("produce to"), Ok)?,
                key,
                value,
                acks: acks.unwrap_or(world.scenario().acks),
            }),
            ApiAction::AddConsumer {
                group,
                topic,
                assignor,
            } => Action::AddConsumer {
                group,
                topic: topic.map_or_else(|| first_topic("consume"), Ok)?,
                assignor,
            },
        })
    }

    /// Whether the action needs a topic it does not name.
    pub fn takes_default_topic(&self) -> bool {
        matches!(
            self,
            ApiAction::Produce { topic: None, .. } | ApiAction::AddConsumer { topic: None, .. }
        )
    }
}

fn node(s: &str) -> Result<NodeId, String> {
    crate::model::world::parse_node(s).ok_or_else(|| {
        format!("\"{s}\" is not a node (broker-2, 2, controller-101, zookeeper-1, consumer-0)")
    })
}

/// The fields each command takes (besides `action`).
fn fields(action: &str) -> Option<&'static [&'static str]> {
    Some(match action {
        "produce" => &["key", "value", "topic", "acks"],
        "crash" | "restart" | "isolate" => &["node"],
        "heal" | "elect" | "play" | "pause" | "step" | "stepBack" => &[],
        "consumer" => &["group", "topic", "assignor"],
        "seek" => &["time"],
        "speed" => &["percent"],
        _ => return None,
    })
}

/// Reads a command from its fields (as strings; `None` for a field not given). `keys` are the
/// object's keys, checked against what the action takes.
pub fn parse_command(
    keys: &[String],
    get: impl Fn(&str) -> Option<String>,
) -> Result<ApiCommand, String> {
    let action = get("action")
        .ok_or("a command needs an \"action\" (e.g. {action: \"crash\", node: \"broker-2\"})")?;
    let allowed = fields(&action).ok_or_else(|| {
        let action = crate::fmt::elide_end(&action, 40);
        format!("unknown action \"{action}\": use produce, crash, restart, isolate, heal, elect, consumer, play, pause, step, stepBack, seek or speed")
    })?;
    if let Some(k) = keys
        .iter()
        .find(|k| *k != "action" && !allowed.contains(&k.as_str()))
    {
        return Err(format!(
            "\"{action}\" takes no \"{k}\" (it takes: {})",
            if allowed.is_empty() {
                "nothing else".to_owned()
            } else {
                allowed.join(", ")
            }
        ));
    }
    let need = |k: &str| get(k).ok_or_else(|| format!("\"{action}\" needs \"{k}\""));
    Ok(match action.as_str() {
        "produce" => {
            let key = get("key").filter(|k| !k.is_empty());
            let value = get("value").unwrap_or_else(|| "value".to_owned());
            for (what, t) in [("key", key.as_deref().unwrap_or("")), ("value", &value)] {
                crate::share::check_text(what, t)?;
            }
            let acks = match get("acks") {
                Some(a) => {
                    Some(parse_acks(&a).ok_or_else(|| format!("acks \"{a}\" is not 0, 1 or all"))?)
                }
                None => None,
            };
            ApiCommand::Act(ApiAction::Produce {
                topic: get("topic"),
                key,
                value,
                acks,
            })
        }
        "crash" | "restart" | "isolate" => {
            let a = match action.as_str() {
                "crash" => BrokerAction::Crash,
                "restart" => BrokerAction::Restart,
                _ => BrokerAction::Isolate,
            };
            ApiCommand::Act(ApiAction::Ready(Action::Node(node(&need("node")?)?, a)))
        }
        "heal" => ApiCommand::Act(ApiAction::Ready(Action::Node(
            NodeId::Broker(0),
            BrokerAction::Heal,
        ))),
        "elect" => ApiCommand::Act(ApiAction::Ready(Action::ElectPreferred)),
        "consumer" => {
            let assignor = match get("assignor") {
                Some(a) => AssignorKind::from_protocol_name(&a).ok_or_else(|| {
                    format!(
                        "\"{a}\" is not an assignor (range, roundrobin, sticky, cooperative-sticky)"
                    )
                })?,
                None => AssignorKind::default(),
            };
            ApiCommand::Act(ApiAction::AddConsumer {
                group: need("group")?,
                topic: get("topic"),
                assignor,
            })
        }
        "play" => ApiCommand::Play,
        "pause" => ApiCommand::Pause,
        "step" => ApiCommand::Step,
        "stepBack" => ApiCommand::StepBack,
        "seek" => {
            let t = need("time")?;
            ApiCommand::Seek(
                t.parse::<f64>()
                    .ok()
                    .filter(|t| t.is_finite() && *t >= 0.0)
                    .map(|t| t as Millis)
                    .ok_or_else(|| format!("time \"{t}\" is not a simulated time in ms"))?,
            )
        }
        "speed" => {
            let p = need("percent")?;
            ApiCommand::Speed(
                // The range `mount()`'s `speed` and a page's `?speed=` take (0.01x to 10x).
                p.parse::<f64>()
                    .ok()
                    .filter(|p| (1.0..=1000.0).contains(p))
                    .ok_or_else(|| {
                        format!("percent \"{p}\" is not a speed from 1 to 1000 (% of real time)")
                    })?,
            )
        }
        _ => unreachable!("fields() listed it"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Scenario;

    fn cmd(pairs: &[(&str, &str)]) -> Result<ApiCommand, String> {
        let keys: Vec<String> = pairs.iter().map(|(k, _)| (*k).to_owned()).collect();
        parse_command(&keys, |k| {
            pairs
                .iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| (*v).to_owned())
        })
    }

    #[test]
    fn commands_are_read_and_checked() {
        assert_eq!(
            cmd(&[("action", "crash"), ("node", "broker-2")]),
            Ok(ApiCommand::Act(ApiAction::Ready(Action::Node(
                NodeId::Broker(2),
                BrokerAction::Crash
            ))))
        );
        assert_eq!(
            cmd(&[("action", "restart"), ("node", "controller-101")]),
            Ok(ApiCommand::Act(ApiAction::Ready(Action::Node(
                NodeId::Controller(101),
                BrokerAction::Restart
            ))))
        );
        assert_eq!(
            cmd(&[("action", "produce"), ("key", "customer-123")]),
            Ok(ApiCommand::Act(ApiAction::Produce {
                topic: None,
                key: Some("customer-123".into()),
                value: "value".into(),
                acks: None
            }))
        );
        assert_eq!(
            cmd(&[("action", "seek"), ("time", "1500")]),
            Ok(ApiCommand::Seek(1500))
        );
        assert!(
            cmd(&[("node", "1")])
                .unwrap_err()
                .contains("needs an \"action\"")
        );
        assert!(
            cmd(&[("action", "explode")])
                .unwrap_err()
                .contains("unknown action")
        );
        assert!(
            cmd(&[("action", "crash"), ("node", "2"), ("color", "red")])
                .unwrap_err()
                .contains("takes no \"color\"")
        );
        assert!(
            cmd(&[("action", "crash")])
                .unwrap_err()
                .contains("needs \"node\"")
        );
        assert!(cmd(&[("action", "crash"), ("node", "x")]).is_err());
        assert!(cmd(&[("action", "produce"), ("value", "<b>")]).is_err());
        assert!(cmd(&[("action", "speed"), ("percent", "-1")]).is_err());
        // As mount() and ?speed= take it: 1 to 1000, not clamped in silence.
        assert!(
            cmd(&[("action", "speed"), ("percent", "5000")])
                .unwrap_err()
                .contains("from 1 to 1000")
        );
        assert!(cmd(&[("action", "speed"), ("percent", "1000")]).is_ok());
    }

    /// The action of a command that is one.
    fn action(pairs: &[(&str, &str)]) -> ApiAction {
        match cmd(pairs) {
            Ok(ApiCommand::Act(a)) => a,
            other => panic!("{pairs:?} is not an action: {other:?}"),
        }
    }

    #[test]
    fn a_produce_or_consumer_takes_the_defaults_of_the_world_it_runs_in() {
        let mut scenario = Scenario {
            acks: Acks::Leader,
            ..Scenario::default()
        };
        let w = World::new(&scenario, 1).unwrap();
        let first = scenario.topics[0].name.clone();
        let produce = action(&[("action", "produce"), ("key", "k")]);
        assert!(produce.takes_default_topic());
        assert_eq!(
            produce.resolve(&w),
            Ok(Action::Produce(ProduceRequest {
                topic: first.clone(),
                key: Some("k".into()),
                value: "value".into(),
                acks: Acks::Leader
            }))
        );
        // What the command names stays.
        let named = action(&[("action", "produce"), ("topic", "other"), ("acks", "0")]);
        assert!(!named.takes_default_topic());
        assert_eq!(
            named.resolve(&w),
            Ok(Action::Produce(ProduceRequest {
                topic: "other".into(),
                key: None,
                value: "value".into(),
                acks: Acks::None
            }))
        );
        let consumer = action(&[("action", "consumer"), ("group", "g")]);
        assert!(consumer.takes_default_topic());
        assert_eq!(
            consumer.resolve(&w),
            Ok(Action::AddConsumer {
                group: "g".into(),
                topic: first,
                assignor: AssignorKind::default()
            })
        );
        // A world without topics: the command says so.
        scenario.topics.clear();
        let empty = World::new(&scenario, 1).unwrap();
        assert_eq!(
            action(&[("action", "produce")]).resolve(&empty),
            Err("there is no topic to produce to".to_owned())
        );
        assert_eq!(
            action(&[("action", "consumer"), ("group", "g")]).resolve(&empty),
            Err("there is no topic to consume".to_owned())
        );
        assert_eq!(
            action(&[("action", "crash"), ("node", "1")]).resolve(&empty),
            Ok(Action::Node(NodeId::Broker(1), BrokerAction::Crash))
        );
    }

    #[test]
    fn the_watch_reports_lines_leaders_and_brokers_once() {
        let mut w = World::new(&Scenario::default(), 1).unwrap();
        let mut watch = Watch::default();
        assert!(
            watch.poll(&w).is_empty(),
            "the opening state is not reported"
        );
        w.advance_to(1_000);
        let leader = w.snapshot().topics[0].partitions[0].leader;
        w.broker_action(leader, BrokerAction::Crash).unwrap();
        let n = watch.poll(&w);
        assert!(n.contains(&Notice::Broker {
            time: w.now(),
            id: leader,
            up: false
        }));
        assert!(
            n.iter()
                .any(|x| matches!(x, Notice::Log { text, .. } if text.contains("crashed"))),
            "{n:?}"
        );
        w.advance_to(15_000);
        let n = watch.poll(&w);
        assert!(
            n.iter().any(|x| matches!(x, Notice::Leader { topic, partition: 0, leader: l, .. } if topic == "orders" && *l != leader)),
            "{n:?}"
        );
        // Nothing new: only the change itself.
        assert_eq!(watch.poll(&w), vec![Notice::Change { time: 15_000 }]);
        // A seek back reports no old line again.
        w.seek(2_000);
        let n = watch.poll(&w);
        assert!(!n.iter().any(|x| matches!(x, Notice::Log { .. })), "{n:?}");
    }
}
