//! Share links: the whole session (config, seed, script, the person's timed actions and the
//! time shown) as a page address, and back. Plain Rust, tested natively.
//!
//! # Encoding, version 1
//!
//! A share link is the page's address with these query parameters (any others are kept by the
//! page and ignored here, so `embed=1` or `lesson=` can ride along):
//!
//! | parameter | content |
//! |---|---|
//! | `v=1` | the encoding's version; its presence marks a share link |
//! | `seed=7` | the simulator's seed |
//! | `c=...` | the config: entries separated by `;`, fields by `:` (below) |
//! | `a=...` | the actions, oldest first: `verb:field:...@ms` separated by `,` (below) |
//! | `script=...` | the session's timed script, if it had one (`parse_script`'s syntax) |
//! | `t=12300` | the simulated time shown, in ms |
//! | `e=15000` | the end of the session (its furthest time, >= `t`); the part after `t` is kept as the future |
//! | `paused=1` | a shared session opens paused |
//!
//! Config entries: `b:3` (brokers), `racks:a:a:b` (one per broker, omitted without racks),
//! `cp:kraft:3` (control plane and ensemble/quorum size), `acks:all`, `keyless:round_robin`,
//! `rate:50` (records/s of the steady producer), `ret:300000` (`log.retention.ms` of every
//! topic, -1 keeps every record; omitted for Kafka's default of 7 days, so links made before
//! it was carried still read), `topic:NAME:PARTITIONS:RF:MIN_ISR:UNCLEAN`
//! (one per topic, `UNCLEAN` 0 or 1), `group:NAME:TOPIC:MEMBERS:ASSIGNOR` (one per group).
//!
//! Actions: `produce:KEY:VALUE:TOPIC:ACKS` (an empty key: no key), `crash:NODE`,
//! `restart:NODE`, `isolate:NODE` (NODE a broker id, `zookeeper-N`, `controller-N` or
//! `consumer-N`), `heal`,
//! `elect` (preferred leaders), `consumer:GROUP:TOPIC:ASSIGNOR`; each followed by `@` and the
//! simulated ms it was taken at.
//!
//! Every text field is escaped: a byte outside `A-Z a-z 0-9 _ . -` is written `~XX` (its hex
//! value, UTF-8), so the separators never appear inside a field and the link needs no
//! further percent-encoding.
//!
//! # Limits (checked on load; anything else is an error in words, never a panic)
//!
//! The query is at most [`MAX_LINK_BYTES`] bytes; at most [`MAX_ACTIONS`] actions, in time
//! order, none later than [`MAX_TIME_MS`]; 1 to 9 brokers, at most [`MAX_TOPICS`] topics of 1 to
//! [`MAX_PARTITIONS`] partitions, at most [`MAX_GROUPS`] groups; names are Kafka's characters
//! (`A-Z a-z 0-9 . _ -`, at most [`MAX_TEXT`] characters); keys and values at most
//! [`MAX_TEXT`] characters with no control characters and no `<` or `>`.

use crate::model::scenario::{ControlPlane, GroupSpec, Scenario, TopicSpec};
use crate::model::scenario::{KAFKA_DEFAULT_RETENTION_MS, parse_retention, retention_text};
use crate::model::scenario::{acks_label, keyless_label, parse_acks, parse_keyless};
use crate::model::world::{Action, ProduceRequest};
use crate::model::{BrokerAction, ScriptAction, World, parse_script};
use kafkascope_core::NodeId;
use kafkascope_core::assignor::AssignorKind;
use kafkascope_core::config::Millis;
use std::fmt::Write;

/// The encoding's version (`v=1`).
pub const VERSION: u32 = 1;
/// Longest query accepted, in bytes (browsers and servers accept more; chat apps and course
/// platforms often do not).
pub const MAX_LINK_BYTES: usize = 8 * 1024;
/// Most actions in a link.
pub const MAX_ACTIONS: usize = 500;
/// Latest simulated time in a link (one hour: loading replays everything up to it).
pub const MAX_TIME_MS: Millis = 3_600_000;
/// Longest name, key or value, in characters.
pub const MAX_TEXT: usize = 64;
pub const MAX_TOPICS: usize = 8;
pub const MAX_PARTITIONS: i32 = 64;
pub const MAX_GROUPS: usize = 8;

/// A session as a share link carries it.
#[derive(Clone, Debug, PartialEq)]
pub struct Share {
    pub scenario: Scenario,
    pub seed: u64,
    /// The session's script (from `?script=`), if any.
    pub script: Vec<(Millis, ScriptAction)>,
    /// The person's actions with their times, oldest first.
    pub actions: Vec<(Millis, Action)>,
    /// The time shown.
    pub at: Millis,
    /// The end of the session (>= `at`).
    pub end: Millis,
}

impl Share {
    /// The session of `world`, shown at its current time.
    pub fn of_world(world: &World) -> Share {
        Share {
            scenario: world.scenario().clone(),
            seed: world.seed(),
            script: world.script().to_vec(),
            actions: world
                .actions()
                .map(|(t, a)| match a {
                    // Heal repairs the whole network: which broker's menu it came from is not
                    // part of the state.
                    Action::Node(_, BrokerAction::Heal) => {
                        (t, Action::Node(NodeId::Broker(0), BrokerAction::Heal))
                    }
                    a => (t, a.clone()),
                })
                .collect(),
            at: world.now(),
            end: world.session().1.max(world.now()),
        }
    }

    /// The query string (without `?`).
    pub fn encode(&self) -> String {
        let mut q = format!(
            "v={VERSION}&seed={}&c={}",
            self.seed,
            encode_config(&self.scenario)
        );
        if !self.actions.is_empty() {
            q.push_str("&a=");
            q.push_str(&encode_actions(&self.actions));
        }
        if !self.script.is_empty() {
            q.push_str("&script=");
            q.push_str(&percent_encode(&encode_script(&self.script)));
        }
        let _ = write!(q, "&t={}", self.at);
        if self.end > self.at {
            let _ = write!(q, "&e={}", self.end);
        }
        q.push_str("&paused=1");
        q
    }

    /// Rebuilds the session: the cluster, the script, every action at its time, played to the
    /// session's end and shown at `at`. A refused action is an error (a link made by the page
    /// never has one).
    pub fn build(&self) -> Result<World, String> {
        let mut w = World::new(&self.scenario, self.seed).map_err(|e| {
            format!(
                "its cluster config is not valid: {}",
                e.messages().join("; ")
            )
        })?;
        for (at, a) in &self.script {
            w.schedule(*at, a.clone());
        }
        for (i, (at, a)) in self.actions.iter().enumerate() {
            w.advance_to(*at);
            w.act(a.clone()).map_err(|e| {
                format!(
                    "action {} ({}) was refused: {e}",
                    i + 1,
                    action_text(*at, a)
                )
            })?;
        }
        w.advance_to(self.end);
        if self.at < w.now() {
            w.seek(self.at);
        }
        Ok(w)
    }
}

/// Whether the page's query is a share link (has `v=`).
pub fn is_share_link(params: &[(String, String)]) -> bool {
    params.iter().any(|(k, _)| k == "v")
}

/// Splits a query (with or without `?`) into decoded pairs; `+` stays `+`.
pub fn parse_query(query: &str) -> Vec<(String, String)> {
    query
        .trim_start_matches('?')
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (percent_decode(k), percent_decode(v))
        })
        .collect()
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && let Some(v) = b.get(i + 1..i + 3).and_then(hex_byte)
        {
            out.push(v);
            i += 3;
            continue;
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex_byte(h: &[u8]) -> Option<u8> {
    let d = |c: u8| (c as char).to_digit(16);
    Some((d(h[0])? * 16 + d(h[1])?) as u8)
}

/// Percent-encodes everything but unreserved characters and the separators the encodings use.
pub fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for &c in s.as_bytes() {
        if c.is_ascii_alphanumeric() || b"-._~:,;@!*()".contains(&c) {
            out.push(c as char);
        } else {
            let _ = write!(out, "%{c:02X}");
        }
    }
    out
}

/// Escapes a text field: bytes outside `A-Z a-z 0-9 _ . -` as `~XX`.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for &c in s.as_bytes() {
        if c.is_ascii_alphanumeric() || c == b'_' || c == b'.' || c == b'-' {
            out.push(c as char);
        } else {
            let _ = write!(out, "~{c:02X}");
        }
    }
    out
}

/// Undoes [`escape`]; a stray `~` or bytes that are not UTF-8 are errors.
pub fn unescape(s: &str) -> Result<String, String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'~' {
            let v = b
                .get(i + 1..i + 3)
                .and_then(hex_byte)
                .ok_or_else(|| format!("\"{s}\" has a ~ that is not followed by two hex digits"))?;
            out.push(v);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| format!("\"{s}\" is not UTF-8 text"))
}

fn encode_config(s: &Scenario) -> String {
    let mut c = format!("b:{}", s.brokers);
    if !s.racks.is_empty() {
        c.push_str(";racks");
        for r in &s.racks {
            c.push(':');
            c.push_str(&escape(r));
        }
    }
    let _ = write!(
        c,
        ";cp:{}:{};acks:{};keyless:{};rate:{}",
        s.control_plane.key(),
        s.coordinator_nodes,
        acks_label(s.acks),
        keyless_label(s.keyless),
        s.produce_rate.round() as u32
    );
    // Only when not Kafka's default, so links made before retention was carried still read.
    if s.retention_ms != Some(KAFKA_DEFAULT_RETENTION_MS) {
        let _ = write!(c, ";ret:{}", retention_text(s.retention_ms));
    }
    for t in &s.topics {
        let _ = write!(
            c,
            ";topic:{}:{}:{}:{}:{}",
            escape(&t.name),
            t.partitions,
            t.replication_factor,
            t.min_insync_replicas,
            u8::from(t.unclean_leader_election)
        );
    }
    for g in &s.groups {
        let _ = write!(
            c,
            ";group:{}:{}:{}:{}",
            escape(&g.group),
            escape(&g.topic),
            g.members,
            g.assignor.protocol_name()
        );
    }
    c
}

fn node_text(n: NodeId) -> String {
    match n {
        NodeId::Broker(b) => b.to_string(),
        other => other.to_string(),
    }
}

fn verb(a: BrokerAction) -> &'static str {
    match a {
        BrokerAction::Crash => "crash",
        BrokerAction::Restart => "restart",
        BrokerAction::Isolate => "isolate",
        BrokerAction::Heal => "heal",
    }
}

/// One action as the link writes it (`crash:2@1500`).
pub fn action_text(at: Millis, a: &Action) -> String {
    let body = match a {
        Action::Produce(r) => format!(
            "produce:{}:{}:{}:{}",
            r.key.as_deref().map(escape).unwrap_or_default(),
            escape(&r.value),
            escape(&r.topic),
            acks_label(r.acks)
        ),
        Action::Node(_, BrokerAction::Heal) => "heal".to_owned(),
        Action::Node(n, b) => format!("{}:{}", verb(*b), node_text(*n)),
        Action::ElectPreferred => "elect".to_owned(),
        Action::AddConsumer {
            group,
            topic,
            assignor,
        } => format!(
            "consumer:{}:{}:{}",
            escape(group),
            escape(topic),
            assignor.protocol_name()
        ),
    };
    format!("{body}@{at}")
}

fn encode_actions(actions: &[(Millis, Action)]) -> String {
    actions
        .iter()
        .map(|(t, a)| action_text(*t, a))
        .collect::<Vec<_>>()
        .join(",")
}

fn encode_script(script: &[(Millis, ScriptAction)]) -> String {
    script
        .iter()
        .map(|(at, a)| {
            let body = match a {
                ScriptAction::Node(_, BrokerAction::Heal) => "heal".to_owned(),
                ScriptAction::Node(n, b) => format!("{}:{}", verb(*b), node_text(*n)),
                ScriptAction::ElectPreferred => "elect".to_owned(),
                ScriptAction::Produce { key: Some(k), .. } => format!("produce:{k}"),
                ScriptAction::Produce { key: None, .. } => "produce".to_owned(),
            };
            format!("{body}@{at}")
        })
        .collect::<Vec<_>>()
        .join(",")
}

/// A name: Kafka's topic characters, 1 to [`MAX_TEXT`] of them.
fn name(what: &str, raw: &str) -> Result<String, String> {
    let s = unescape(raw)?;
    let ok = !s.is_empty()
        && s.chars().count() <= MAX_TEXT
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if ok {
        Ok(s)
    } else {
        Err(format!(
            "{what} \"{}\" is not 1 to {MAX_TEXT} of the characters A-Z a-z 0-9 . _ -",
            shorten(&s)
        ))
    }
}

/// A key or value: at most [`MAX_TEXT`] characters, no control characters, no `<` or `>`.
pub fn check_text(what: &str, s: &str) -> Result<(), String> {
    if s.chars().count() > MAX_TEXT {
        return Err(format!(
            "a {what} is at most {MAX_TEXT} characters, got {}",
            s.chars().count()
        ));
    }
    if s.chars().any(|c| c.is_control() || c == '<' || c == '>') {
        return Err(format!(
            "a {what} cannot hold control characters, < or > (\"{}\")",
            shorten(s)
        ));
    }
    Ok(())
}

fn text(what: &str, raw: &str) -> Result<String, String> {
    let s = unescape(raw)?;
    check_text(what, &s)?;
    Ok(s)
}

/// At most 40 characters of `s`, for messages (never the whole of a hostile string).
fn shorten(s: &str) -> String {
    let mut out: String = s
        .chars()
        .take(40)
        .map(|c| if c.is_control() { '?' } else { c })
        .collect();
    if s.chars().count() > 40 {
        out.push('…');
    }
    out
}

fn number<T: std::str::FromStr + PartialOrd + std::fmt::Display>(
    what: &str,
    s: &str,
    lo: T,
    hi: T,
) -> Result<T, String> {
    match s.parse::<T>() {
        Ok(n) if n >= lo && n <= hi => Ok(n),
        Ok(n) => Err(format!("{what} must be {lo} to {hi}, got {n}")),
        Err(_) => Err(format!("{what} \"{}\" is not a number", shorten(s))),
    }
}

fn time(what: &str, s: &str) -> Result<Millis, String> {
    number(what, s, 0, MAX_TIME_MS)
}

fn assignor(s: &str) -> Result<AssignorKind, String> {
    AssignorKind::from_protocol_name(s).ok_or_else(|| {
        format!(
            "\"{}\" is not an assignor (range, roundrobin, sticky, cooperative-sticky)",
            shorten(s)
        )
    })
}

fn decode_config(c: &str) -> Result<Scenario, String> {
    let mut s = Scenario::default();
    let mut topics = Vec::new();
    for entry in c.split(';').filter(|e| !e.is_empty()) {
        let f: Vec<&str> = entry.split(':').collect();
        let want = |n: usize| {
            if f.len() == n {
                Ok(())
            } else {
                Err(format!(
                    "config entry \"{}\" should have {} fields",
                    shorten(entry),
                    n - 1
                ))
            }
        };
        match f[0] {
            "b" => {
                want(2)?;
                s.brokers = number("brokers", f[1], 1, 9)?;
            }
            "racks" => {
                s.racks = f[1..]
                    .iter()
                    .map(|r| name("a rack", r))
                    .collect::<Result<_, _>>()?;
            }
            "cp" => {
                want(3)?;
                s.control_plane = ControlPlane::from_key(f[1]).ok_or_else(|| {
                    format!(
                        "\"{}\" is not a control plane (kraft, kraft-combined, zookeeper, builtin)",
                        shorten(f[1])
                    )
                })?;
                s.coordinator_nodes = number("the control plane's size", f[2], 1, 5)?;
                if s.coordinator_nodes % 2 == 0 {
                    return Err("the control plane has 1, 3 or 5 nodes".into());
                }
            }
            "acks" => {
                want(2)?;
                s.acks = parse_acks(f[1])
                    .ok_or_else(|| format!("acks \"{}\" is not 0, 1 or all", shorten(f[1])))?;
            }
            "keyless" => {
                want(2)?;
                s.keyless = parse_keyless(f[1])
                    .ok_or_else(|| format!("\"{}\" is not round_robin or sticky", shorten(f[1])))?;
            }
            "rate" => {
                want(2)?;
                s.produce_rate = f64::from(number::<u32>("the produce rate", f[1], 0, 200)?);
            }
            "ret" => {
                want(2)?;
                s.retention_ms = parse_retention(f[1])?;
            }
            "topic" => {
                want(6)?;
                if topics.len() == MAX_TOPICS {
                    return Err(format!("a link has at most {MAX_TOPICS} topics"));
                }
                topics.push(TopicSpec {
                    name: name("a topic", f[1])?,
                    partitions: number("partitions", f[2], 1, MAX_PARTITIONS)?,
                    replication_factor: number("the replication factor", f[3], 1, 9)?,
                    min_insync_replicas: number("min.insync.replicas", f[4], 1, 9)?,
                    unclean_leader_election: match f[5] {
                        "0" => false,
                        "1" => true,
                        o => return Err(format!("unclean \"{}\" is not 0 or 1", shorten(o))),
                    },
                });
            }
            "group" => {
                want(5)?;
                if s.groups.len() == MAX_GROUPS {
                    return Err(format!("a link has at most {MAX_GROUPS} consumer groups"));
                }
                s.groups.push(GroupSpec {
                    group: name("a group", f[1])?,
                    topic: name("a topic", f[2])?,
                    members: number(
                        "group members",
                        f[3],
                        1,
                        crate::model::scenario::MAX_GROUP_MEMBERS,
                    )?,
                    assignor: assignor(f[4])?,
                });
            }
            other => {
                return Err(format!(
                    "\"{}\" is not a config entry (b, racks, cp, acks, keyless, rate, ret, topic, group)",
                    shorten(other)
                ));
            }
        }
    }
    if !topics.is_empty() {
        s.topics = topics;
    }
    if !s.racks.is_empty() && s.racks.len() != s.brokers as usize {
        return Err(format!(
            "{} racks for {} brokers: give one rack per broker, or none",
            s.racks.len(),
            s.brokers
        ));
    }
    Ok(s)
}

fn node(arg: &str) -> Result<NodeId, String> {
    let id = |s: &str| number::<i32>("a node id", s, 0, 1_000);
    if let Some(n) = arg.strip_prefix("zookeeper-") {
        Ok(NodeId::ZooKeeper(id(n)?))
    } else if let Some(n) = arg.strip_prefix("controller-") {
        Ok(NodeId::Controller(id(n)?))
    } else if let Some(n) = arg.strip_prefix("consumer-") {
        Ok(NodeId::Consumer(number::<u32>(
            "a consumer id",
            n,
            0,
            1_000,
        )?))
    } else {
        Ok(NodeId::Broker(id(arg)?))
    }
}

/// Parses one action (`crash:2`, without its time).
pub fn decode_action(body: &str) -> Result<Action, String> {
    let f: Vec<&str> = body.split(':').collect();
    let want = |n: usize| {
        if f.len() == n {
            Ok(())
        } else {
            Err(format!(
                "action \"{}\" should have {} fields",
                shorten(body),
                n - 1
            ))
        }
    };
    let node_action = |a: BrokerAction| -> Result<Action, String> {
        want(2)?;
        Ok(Action::Node(node(f[1])?, a))
    };
    match f[0] {
        "produce" => {
            want(5)?;
            let key = text("key", f[1])?;
            Ok(Action::Produce(ProduceRequest {
                key: (!key.is_empty()).then_some(key),
                value: text("value", f[2])?,
                topic: name("a topic", f[3])?,
                acks: parse_acks(f[4])
                    .ok_or_else(|| format!("acks \"{}\" is not 0, 1 or all", shorten(f[4])))?,
            }))
        }
        "crash" => node_action(BrokerAction::Crash),
        "restart" => node_action(BrokerAction::Restart),
        "isolate" => node_action(BrokerAction::Isolate),
        "heal" => {
            want(1)?;
            Ok(Action::Node(NodeId::Broker(0), BrokerAction::Heal))
        }
        "elect" => {
            want(1)?;
            Ok(Action::ElectPreferred)
        }
        "consumer" => {
            want(4)?;
            Ok(Action::AddConsumer {
                group: name("a group", f[1])?,
                topic: name("a topic", f[2])?,
                assignor: assignor(f[3])?,
            })
        }
        other => Err(format!(
            "\"{}\" is not an action (produce, crash, restart, isolate, heal, elect, consumer)",
            shorten(other)
        )),
    }
}

fn decode_actions(a: &str) -> Result<Vec<(Millis, Action)>, String> {
    let items: Vec<&str> = a.split(',').filter(|i| !i.is_empty()).collect();
    if items.len() > MAX_ACTIONS {
        return Err(format!(
            "a link has at most {MAX_ACTIONS} actions, this one {}",
            items.len()
        ));
    }
    let mut out: Vec<(Millis, Action)> = Vec::with_capacity(items.len());
    for item in items {
        let (body, at) = item
            .rsplit_once('@')
            .ok_or_else(|| format!("action \"{}\" has no @time", shorten(item)))?;
        let at = time("an action's time", at)?;
        if out.last().is_some_and(|(t, _)| *t > at) {
            return Err(format!(
                "action \"{}\" is earlier than the one before it",
                shorten(item)
            ));
        }
        out.push((at, decode_action(body)?));
    }
    Ok(out)
}

/// Reads a share link's parameters (already split by [`parse_query`]). `query_len` is the
/// raw query's length in bytes. Parameters it does not know are ignored.
pub fn decode(params: &[(String, String)], query_len: usize) -> Result<Share, String> {
    if query_len > MAX_LINK_BYTES {
        return Err(format!(
            "the link is {query_len} bytes long; share links are limited to {MAX_LINK_BYTES}"
        ));
    }
    for (i, (k, _)) in params.iter().enumerate() {
        if params[..i].iter().any(|(n, _)| n == k) {
            return Err(format!("the parameter \"{}\" appears twice", shorten(k)));
        }
    }
    let get = |k: &str| params.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    match get("v") {
        Some("1") => {}
        Some(v) => {
            return Err(format!(
                "it is in format version \"{}\", this page reads version {VERSION}",
                shorten(v)
            ));
        }
        None => return Err("it has no format version (v=1)".into()),
    }
    let seed = match get("seed") {
        Some(s) => number("the seed", s, 0, u64::MAX)?,
        None => 1,
    };
    let scenario = decode_config(get("c").unwrap_or(""))?;
    let actions = decode_actions(get("a").unwrap_or(""))?;
    let script = match get("script") {
        Some(s) => parse_script(s)?,
        None => Vec::new(),
    };
    if script.len() > MAX_ACTIONS {
        return Err(format!("a script has at most {MAX_ACTIONS} items"));
    }
    if let Some((t, _)) = script.iter().find(|(t, _)| *t > MAX_TIME_MS) {
        return Err(format!("a script time must be 0 to {MAX_TIME_MS}, got {t}"));
    }
    let at = match get("t") {
        Some(t) => time("the time shown (t)", t)?,
        None => 0,
    };
    let end = match get("e") {
        Some(e) => time("the session's end (e)", e)?,
        None => at,
    };
    if end < at {
        return Err(format!(
            "the session's end (e={end}) is before the time shown (t={at})"
        ));
    }
    if let Some((t, _)) = actions.last().filter(|(t, _)| *t > end) {
        return Err(format!(
            "an action at {t} ms is after the session's end ({end} ms)"
        ));
    }
    Ok(Share {
        scenario,
        seed,
        script,
        actions,
        at,
        end,
    })
}

/// Reads a whole query string (with or without `?`) as a share link.
pub fn decode_query(query: &str) -> Result<Share, String> {
    decode(&parse_query(query), query.trim_start_matches('?').len())
}

/// Random and mutated links (proptest; native only).
#[cfg(all(test, not(target_arch = "wasm32")))]
mod fuzz;

#[cfg(test)]
mod tests {
    use super::*;
    use kafkascope_core::Acks;

    fn lines(w: &World) -> Vec<(Millis, String)> {
        w.log_all()
            .iter()
            .map(|l| (l.time, l.text.clone()))
            .collect()
    }

    fn same(a: &World, b: &World) {
        assert_eq!(a.now(), b.now());
        assert!(a.snapshot() == b.snapshot(), "snapshots differ");
        assert_eq!(lines(a), lines(b));
        assert_eq!(a.session(), b.session());
    }

    fn produce(key: Option<&str>, value: &str) -> ProduceRequest {
        ProduceRequest {
            topic: "orders".into(),
            key: key.map(str::to_owned),
            value: value.into(),
            acks: Acks::All,
        }
    }

    /// A session with every kind of action.
    fn session() -> World {
        let s = Scenario {
            racks: vec!["a".into(), "b".into(), "c.1".into()],
            produce_rate: 5.0,
            groups: vec![GroupSpec {
                group: "billing".into(),
                topic: "orders".into(),
                members: 2,
                assignor: AssignorKind::CooperativeSticky,
            }],
            ..Scenario::default()
        };
        let mut w = World::new(&s, 9).unwrap();
        w.advance_to(700);
        // The form sends any value; a link refuses < and > (see the test).
        w.produce(&produce(Some("customer-123"), "order 1 <ok?> & done"))
            .unwrap();
        w.produce(&produce(Some("kunde:ä,@~1"), "wert; 1")).unwrap();
        w.produce(&produce(None, "no key")).unwrap();
        w.advance_to(1_500);
        w.broker_action(2, BrokerAction::Crash).unwrap();
        w.advance_to(3_000);
        w.add_consumer("audit", "orders", AssignorKind::Range)
            .unwrap();
        w.broker_action(3, BrokerAction::Isolate).unwrap();
        w.advance_to(9_000);
        w.broker_action(3, BrokerAction::Heal).unwrap();
        w.broker_action(2, BrokerAction::Restart).unwrap();
        w.advance_to(14_000);
        w.elect_preferred_leaders().unwrap();
        w.advance_to(16_000);
        w
    }

    #[test]
    fn retention_rides_in_the_link_only_when_not_kafkas_default() {
        let stress = encode_config(&Scenario::stress());
        assert!(stress.contains(";ret:300000;"), "{stress}");
        assert_eq!(decode_config(&stress).unwrap(), Scenario::stress());
        let keep_all = Scenario {
            retention_ms: None,
            ..Scenario::default()
        };
        let c = encode_config(&keep_all);
        assert!(c.contains(";ret:-1"), "{c}");
        assert_eq!(decode_config(&c).unwrap(), keep_all);
        // Links from before retention was carried (no `ret`) keep Kafka's default.
        let default = encode_config(&Scenario::default());
        assert!(!default.contains("ret:"), "{default}");
        assert_eq!(decode_config(&default).unwrap(), Scenario::default());
        assert!(
            decode_config("b:3;ret:5")
                .unwrap_err()
                .contains("log.retention.ms")
        );
    }

    #[test]
    fn a_session_round_trips_through_its_link() {
        let w = session();
        let q = Share::of_world(&w).encode();
        assert!(q.len() < 1_000, "{} bytes: {q}", q.len());
        // Values with < and > are refused on load, even from this page.
        assert!(decode_query(&q).unwrap_err().contains("< or >"), "{q}");
        // Without that record, the round trip is exact.
        let mut share = Share::of_world(&w);
        share
            .actions
            .retain(|(_, a)| !matches!(a, Action::Produce(r) if r.value.contains('<')));
        let q = share.encode();
        let back = decode_query(&q).unwrap();
        assert_eq!(back, share);
        let rebuilt = back.build().unwrap();
        let mut direct = share.build().unwrap();
        same(&rebuilt, &direct);
        direct.advance_to(20_000);
        let mut r2 = rebuilt;
        r2.advance_to(20_000);
        same(&r2, &direct);
    }

    #[test]
    fn a_consumer_crash_and_restart_ride_in_the_link() {
        let mut w = World::new(&Scenario::default(), 3).unwrap();
        w.advance_to(500);
        w.add_consumer("g", "orders", AssignorKind::Range).unwrap();
        w.advance_to(5_000);
        w.node_action(NodeId::Consumer(0), BrokerAction::Crash)
            .unwrap();
        w.advance_to(9_000);
        w.node_action(NodeId::Consumer(0), BrokerAction::Restart)
            .unwrap();
        w.advance_to(12_000);
        let q = Share::of_world(&w).encode();
        assert!(q.contains("crash:consumer-0@5000"), "{q}");
        assert!(q.contains("restart:consumer-0@9000"), "{q}");
        let loaded = decode_query(&q).unwrap().build().unwrap();
        same(&loaded, &w);
    }

    /// A session made only of actions a link accepts.
    fn clean_session() -> World {
        let mut w = World::new(&Scenario::stress(), 4).unwrap();
        w.advance_to(800);
        w.produce(&produce(Some("kunde:ä,@~1"), "wert; 1 & 2"))
            .unwrap();
        w.advance_to(2_000);
        w.broker_action(2, BrokerAction::Crash).unwrap();
        w.advance_to(6_000);
        w.broker_action(2, BrokerAction::Restart).unwrap();
        w.advance_to(10_000);
        w
    }

    #[test]
    fn a_link_reproduces_the_live_state_exactly() {
        let w = clean_session();
        let q = Share::of_world(&w).encode();
        assert!(q.starts_with("v=1&seed=4&c=b:9;cp:kraft:3;acks:all"), "{q}");
        assert!(
            q.contains("produce:kunde~3A~C3~A4~2C~40~7E1:wert~3B~201~20~26~202:orders:all@800"),
            "{q}"
        );
        let loaded = decode_query(&q).unwrap().build().unwrap();
        same(&loaded, &w);
    }

    #[test]
    fn a_link_made_in_the_past_keeps_the_future() {
        let mut w = clean_session();
        w.seek(4_000);
        let q = Share::of_world(&w).encode();
        assert!(q.contains("&t=4000&e=10000"), "{q}");
        let mut loaded = decode_query(&q).unwrap().build().unwrap();
        assert!(loaded.in_past());
        same(&loaded, &w);
        loaded.advance_to(10_000);
        w.advance_to(10_000);
        same(&loaded, &w);
    }

    #[test]
    fn a_script_rides_along() {
        let mut w = World::new(&Scenario::default(), 2).unwrap();
        for (at, a) in parse_script("produce:customer-123@600,crash:1@1500,heal@2000").unwrap() {
            w.schedule(at, a);
        }
        w.advance_to(2_500);
        w.broker_action(1, BrokerAction::Restart).unwrap();
        w.advance_to(4_000);
        let q = Share::of_world(&w).encode();
        assert!(
            q.contains("&script=produce:customer-123@600,crash:1@1500,heal@2000"),
            "{q}"
        );
        same(&decode_query(&q).unwrap().build().unwrap(), &w);
    }

    #[test]
    fn escaping_round_trips_any_text() {
        for s in [
            "",
            "plain-text_1.0",
            "a b",
            "~7E",
            "ä€😀",
            "a:b;c,d@e&f=g#h%i+j",
        ] {
            let e = escape(s);
            assert!(
                e.bytes()
                    .all(|c| c.is_ascii_alphanumeric() || b"_.-~".contains(&c))
            );
            assert_eq!(unescape(&e).unwrap(), s);
        }
        assert!(unescape("~4").is_err());
        assert!(unescape("~zz").is_err());
        assert!(unescape("~FF").is_err(), "not UTF-8");
    }

    #[test]
    fn hostile_links_get_an_error_in_words() {
        let base =
            "v=1&seed=1&c=b:3;cp:kraft:3;acks:all;keyless:round_robin;rate:0;topic:orders:3:3:2:0";
        let cases: Vec<(String, &str)> = vec![
            ("v=2&c=b:3".into(), "version"),
            ("seed=1&c=b:3".into(), "no format version"),
            (format!("{base}&a={}", "crash:1@5,".repeat(10)), ""),
            ("v=1&c=b:999999999999".into(), "brokers"),
            ("v=1&c=b:0".into(), "brokers must be 1 to 9"),
            (
                "v=1&c=b:3;topic:orders:1000000:3:2:0".into(),
                "partitions must be 1 to 64",
            ),
            (
                "v=1&c=b:3;topic:~3Cscript~3E:3:3:2:0".into(),
                "is not 1 to 64",
            ),
            (
                "v=1&c=b:3;topic:<script>alert(1)</script>:3:3:2:0".into(),
                "is not 1 to 64",
            ),
            ("v=1&c=b:3;cp:raft:3".into(), "not a control plane"),
            ("v=1&c=b:3;cp:kraft:4".into(), "1, 3 or 5"),
            ("v=1&c=b:3;racks:a:b".into(), "one rack per broker"),
            ("v=1&c=b:3;evil:1".into(), "not a config entry"),
            ("v=1&c=b:3;topic:orders:3".into(), "should have 5 fields"),
            (format!("{base}&a=explode:1@5"), "not an action"),
            (format!("{base}&a=crash:1"), "no @time"),
            (
                format!("{base}&a=crash:1@99999999999999"),
                "an action's time must be",
            ),
            (format!("{base}&a=crash:1@500,crash:2@100"), "earlier than"),
            (
                format!("{base}&a=produce:~3Cimg~20onerror~3D1~3E:v:orders:all@600"),
                "< or >",
            ),
            (
                format!("{base}&a=produce:k:{}:orders:all@600", "x".repeat(65)),
                "at most 64",
            ),
            (
                format!("{base}&a=produce:k~:v:orders:all@600"),
                "two hex digits",
            ),
            (
                format!("{base}&a=produce:k:v:orders:all@600&t=100"),
                "after the session's end",
            ),
            (format!("{base}&t=5&e=1"), "before the time shown"),
            (format!("{base}&t=-5"), "not a number"),
            (format!("{base}&seed=abc"), "appears twice"),
            ("v=1&seed=abc".into(), "not a number"),
            (format!("{base}&script=boom@5"), "script item"),
            (
                format!("{base}&x={}", "a".repeat(MAX_LINK_BYTES)),
                "limited to 8192",
            ),
            (
                format!("{base}&a={}", "elect@1,".repeat(MAX_ACTIONS + 1)),
                "at most 500 actions",
            ),
        ];
        for (q, want) in cases {
            match decode_query(&q) {
                Err(e) => assert!(e.contains(want), "{q}: {e}"),
                Ok(s) => {
                    // Only the "ten crashes" link parses: its actions are refused on load.
                    assert!(want.is_empty(), "{q} decoded");
                    let e = s.build().err().expect("refused");
                    assert!(e.contains("was refused"), "{e}");
                }
            }
        }
        // A config the simulator refuses: its error, in Kafka's words.
        let e = decode_query("v=1&c=b:2;topic:orders:3:3:2:0")
            .unwrap()
            .build()
            .err()
            .unwrap();
        assert!(e.contains("INVALID_REPLICATION_FACTOR"), "{e}");
    }

    #[test]
    fn the_query_parser_decodes_percent_escapes() {
        let p = parse_query("?v=1&c=b%3A3&x&script=produce%3Ak%40600&bad=%G1");
        assert_eq!(p[1], ("c".into(), "b:3".into()));
        assert_eq!(p[2], ("x".into(), String::new()));
        assert_eq!(p[3].1, "produce:k@600");
        assert_eq!(p[4].1, "%G1");
    }
}
