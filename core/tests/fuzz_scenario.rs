//! Fuzzing the scenario parser (`Scenario::parse`, what `kafkascope validate` and `run` and the
//! web app's lesson player read): scenario-shaped JSON with hostile values, the example files
//! of `scenarios/` and `lessons/` mutated as JSON and as raw bytes.
//!
//! Properties: no input panics; every rejection is an error in words that names its place (a
//! path such as `steps[3].partitions`, or a line and column) and is no Rust debug dump; what
//! parses serialises back to the same scenario; small parsed scenarios run without panicking.
//!
//! `PROPTEST_CASES=N` sets the number of inputs per property (default below, for CI).

mod common;

use kafkascope_core::Scenario;
use kafkascope_core::scenario::ScenarioError;
use proptest::prelude::*;
use proptest::test_runner::Config;
use serde_json::{Map, Value, json};
use std::path::Path;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};

/// Inputs per property when `PROPTEST_CASES` is not set.
const CI_CASES: u32 = 300;

fn config() -> Config {
    common::proptest_config(CI_CASES)
}

// ---------------------------------------------------------------------------------------
// The example files, and the words they use

struct Examples {
    /// (file name, text)
    files: Vec<(String, String)>,
    /// Every object key in them (field names).
    keys: Vec<String>,
    /// Every string value in them (actions, node names, topics, checks, ...).
    words: Vec<String>,
}

fn examples() -> &'static Examples {
    static EXAMPLES: OnceLock<Examples> = OnceLock::new();
    EXAMPLES.get_or_init(|| {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let mut files = Vec::new();
        for dir in ["scenarios", "lessons"] {
            let mut paths: Vec<_> = std::fs::read_dir(root.join(dir))
                .expect("example directory")
                .map(|e| e.expect("entry").path())
                .filter(|p| p.extension().is_some_and(|e| e == "json"))
                .collect();
            paths.sort();
            for p in paths {
                let text = std::fs::read_to_string(&p).expect("example file");
                files.push((p.display().to_string(), text));
            }
        }
        let (mut keys, mut words) = (Vec::new(), Vec::new());
        fn collect(v: &Value, keys: &mut Vec<String>, words: &mut Vec<String>) {
            match v {
                Value::Object(m) => {
                    for (k, v) in m {
                        keys.push(k.clone());
                        collect(v, keys, words);
                    }
                }
                Value::Array(a) => a.iter().for_each(|v| collect(v, keys, words)),
                Value::String(s) if s.len() < 40 => words.push(s.clone()),
                _ => {}
            }
        }
        for (_, text) in &files {
            collect(
                &serde_json::from_str(text).expect("examples are JSON"),
                &mut keys,
                &mut words,
            );
        }
        for list in [&mut keys, &mut words] {
            list.sort();
            list.dedup();
        }
        assert!(files.len() >= 10 && keys.len() > 30, "examples found");
        Examples { files, keys, words }
    })
}

// ---------------------------------------------------------------------------------------
// Hostile values

fn hostile_string() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        Just(" ".to_string()),
        Just("<script>alert(1)</script>".to_string()),
        Just("broker-".to_string()),
        Just("broker-999999999999".to_string()),
        Just("broker--1".to_string()),
        Just("zookeeper-0".to_string()),
        Just("controller-7".to_string()),
        Just("orders-".to_string()),
        Just("-1".to_string()),
        Just("\u{0}\u{1b}[31m".to_string()),
        Just("ordérs 🚀 заказы".to_string()),
        Just("x".repeat(100_000)),
        "\\PC{0,20}",
        (0..examples().words.len()).prop_map(|i| examples().words[i].clone()),
    ]
}

fn hostile_number() -> impl Strategy<Value = Value> {
    prop_oneof![
        (-3i64..=12).prop_map(Value::from),
        Just(json!(i32::MAX)),
        Just(json!(i32::MIN)),
        Just(json!(i64::MAX)),
        Just(json!(i64::MIN)),
        Just(json!(u64::MAX)),
        Just(json!(3_600_001)),
        Just(json!(1.5)),
        Just(json!(-0.0)),
        Just(json!(1e308)),
        any::<i64>().prop_map(Value::from),
    ]
}

fn hostile_leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        3 => hostile_number(),
        3 => hostile_string().prop_map(Value::String),
        1 => Just(Value::Null),
        1 => any::<bool>().prop_map(Value::Bool),
    ]
}

/// Any JSON, shallow, with hostile leaves and keys from the examples.
fn hostile_value() -> impl Strategy<Value = Value> {
    hostile_leaf().prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec((key(), inner), 0..4)
                .prop_map(|kv| Value::Object(kv.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        8 => (0..examples().keys.len()).prop_map(|i| examples().keys[i].clone()),
        1 => hostile_string(),
    ]
}

/// A value as a scenario would have it (a word or a number of the examples) or a hostile one.
fn field_value() -> impl Strategy<Value = Value> {
    prop_oneof![
        3 => (0..examples().words.len()).prop_map(|i| Value::String(examples().words[i].clone())),
        3 => (0i64..=6).prop_map(Value::from),
        4 => hostile_value(),
    ]
}

fn object_of(
    fields: impl Strategy<Value = (String, Value)>,
    n: usize,
) -> impl Strategy<Value = Value> {
    prop::collection::vec(fields, 0..n).prop_map(|kv| Value::Object(kv.into_iter().collect()))
}

// ---------------------------------------------------------------------------------------
// Scenario-shaped documents

fn step() -> impl Strategy<Value = Value> {
    (
        prop_oneof![4 => (0u64..60_000).prop_map(Value::from), 1 => hostile_number()],
        prop_oneof![
            8 => (0..examples().words.len()).prop_map(|i| examples().words[i].clone()),
            1 => hostile_string(),
        ],
        prop::collection::vec((key(), field_value()), 0..5),
    )
        .prop_map(|(at, action, fields)| {
            let mut m = Map::new();
            m.insert("at".into(), at);
            m.insert("action".into(), Value::String(action));
            m.extend(fields);
            Value::Object(m)
        })
}

fn topic() -> impl Strategy<Value = Value> {
    (
        field_value(),
        prop_oneof![3 => (1i64..=4).prop_map(Value::from), 1 => hostile_number()],
        prop_oneof![3 => (1i64..=3).prop_map(Value::from), 1 => hostile_number()],
        prop::option::of(object_of((key(), field_value()), 3)),
    )
        .prop_map(|(name, p, rf, config)| {
            let mut t = json!({"name": name, "partitions": p, "replication_factor": rf});
            if let Some(c) = config {
                t["config"] = c;
            }
            t
        })
}

fn cluster() -> impl Strategy<Value = Value> {
    (
        prop_oneof![
            4 => (1i64..=4).prop_map(Value::from),
            1 => hostile_value(),
            1 => prop::collection::vec(object_of((key(), field_value()), 3), 0..4).prop_map(Value::Array),
        ],
        prop::option::of(prop_oneof![
            Just(json!("kraft")),
            Just(json!("zookeeper")),
            Just(json!("builtin")),
            hostile_value(),
        ]),
        prop::option::of(prop_oneof![Just(json!("teaching")), Just(json!("kafka_defaults")), hostile_value()]),
        prop::collection::vec(
            (
                prop_oneof![Just("broker"), Just("producer"), Just("consumer"), Just("network"), Just("coordinator"), Just("rack")],
                object_of((key(), field_value()), 3),
            ),
            0..3,
        ),
    )
        .prop_map(|(brokers, coordinator, profile, overrides)| {
            let mut c = json!({ "brokers": brokers });
            if let Some(m) = coordinator {
                c["coordinator"] = m;
            }
            if let Some(p) = profile {
                c["profile"] = p;
            }
            for (k, v) in overrides {
                c[k] = v;
            }
            c
        })
}

/// A scenario-shaped document: the right top-level fields, with values that are often wrong.
fn scenario_like() -> impl Strategy<Value = Value> {
    (
        cluster(),
        prop::collection::vec(topic(), 0..4),
        prop::collection::vec(step(), 0..12),
        prop::option::of(prop_oneof![
            (0u64..80_000).prop_map(Value::from),
            hostile_number()
        ]),
        prop::option::of(hostile_value()),
        prop::option::of(object_of((key(), field_value()), 4)),
        prop::option::of((key(), hostile_value())),
    )
        .prop_map(|(cluster, topics, steps, run_until, seed, lesson, extra)| {
            let mut d = json!({ "cluster": cluster, "topics": topics, "steps": steps });
            if let Some(r) = run_until {
                d["run_until"] = r;
            }
            if let Some(s) = seed {
                d["seed"] = s;
            }
            if let Some(l) = lesson {
                d["lesson"] = l;
            }
            if let Some((k, v)) = extra {
                d[k] = v;
            }
            d
        })
}

// ---------------------------------------------------------------------------------------
// Mutations of the example files

/// One change to a JSON document, at the node a path of indices leads to.
#[derive(Clone, Debug)]
enum Mutation {
    Replace(Vec<usize>, Value),
    Remove(Vec<usize>),
    Insert(Vec<usize>, String, Value),
    Duplicate(Vec<usize>),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let path = prop::collection::vec(any::<usize>(), 0..5);
    prop_oneof![
        4 => (path.clone(), field_value()).prop_map(|(p, v)| Mutation::Replace(p, v)),
        2 => path.clone().prop_map(Mutation::Remove),
        2 => (path.clone(), key(), field_value()).prop_map(|(p, k, v)| Mutation::Insert(p, k, v)),
        1 => path.prop_map(Mutation::Duplicate),
    ]
}

/// Walks `path` (each index taken modulo the children) and applies `f` to the container met
/// last and the index of the child chosen in it.
fn at_path(v: &mut Value, path: &[usize], f: &mut dyn FnMut(&mut Value, usize)) {
    let n = match v {
        Value::Object(m) => m.len(),
        Value::Array(a) => a.len(),
        _ => 0,
    };
    let Some((&first, rest)) = path.split_first() else {
        return f(v, 0);
    };
    if n == 0 {
        return f(v, 0);
    }
    let i = first % n;
    let child_is_container = match v {
        Value::Object(m) => m
            .values()
            .nth(i)
            .is_some_and(|c| c.is_object() || c.is_array()),
        Value::Array(a) => a[i].is_object() || a[i].is_array(),
        _ => false,
    };
    if rest.is_empty() || !child_is_container {
        return f(v, i);
    }
    match v {
        Value::Object(m) => at_path(m.values_mut().nth(i).expect("child"), rest, f),
        Value::Array(a) => at_path(&mut a[i], rest, f),
        _ => {}
    }
}

fn apply(doc: &mut Value, m: &Mutation) {
    match m {
        Mutation::Replace(p, new) => at_path(doc, p, &mut |c, i| match c {
            Value::Object(o) => {
                if let Some(v) = o.values_mut().nth(i) {
                    *v = new.clone();
                }
            }
            Value::Array(a) if i < a.len() => a[i] = new.clone(),
            _ => {}
        }),
        Mutation::Remove(p) => at_path(doc, p, &mut |c, i| match c {
            Value::Object(o) => {
                if let Some(k) = o.keys().nth(i).cloned() {
                    o.remove(&k);
                }
            }
            Value::Array(a) if i < a.len() => {
                a.remove(i);
            }
            _ => {}
        }),
        Mutation::Insert(p, k, new) => at_path(doc, p, &mut |c, i| match c {
            Value::Object(o) => {
                o.insert(k.clone(), new.clone());
            }
            Value::Array(a) => a.insert(i.min(a.len()), new.clone()),
            _ => {}
        }),
        Mutation::Duplicate(p) => at_path(doc, p, &mut |c, i| {
            if let Value::Array(a) = c
                && i < a.len()
            {
                let dup = a[i].clone();
                a.insert(i, dup);
            }
        }),
    }
}

fn example_index() -> impl Strategy<Value = usize> {
    0..examples().files.len()
}

/// A byte-level change to a file's text.
#[derive(Clone, Debug)]
enum ByteEdit {
    Flip(usize, u8),
    Insert(usize, Vec<u8>),
    Delete(usize, usize),
    Truncate(usize),
}

fn byte_edit() -> impl Strategy<Value = ByteEdit> {
    let token = prop_oneof![
        Just(b"\"".to_vec()),
        Just(b"{".to_vec()),
        Just(b"}".to_vec()),
        Just(b"[".to_vec()),
        Just(b"]".to_vec()),
        Just(b",".to_vec()),
        Just(b":".to_vec()),
        Just(b"-".to_vec()),
        Just(b"9999999999999999999999".to_vec()),
        Just(b"\\u0000".to_vec()),
        Just(b"\\ud800".to_vec()),
        Just(b"null".to_vec()),
        Just("é🚀".as_bytes().to_vec()),
        Just(vec![0xff, 0xfe]),
        prop::collection::vec(any::<u8>(), 1..4),
    ];
    prop_oneof![
        3 => (any::<usize>(), any::<u8>()).prop_map(|(i, b)| ByteEdit::Flip(i, b)),
        3 => (any::<usize>(), token).prop_map(|(i, t)| ByteEdit::Insert(i, t)),
        2 => (any::<usize>(), 1usize..40).prop_map(|(i, n)| ByteEdit::Delete(i, n)),
        1 => any::<usize>().prop_map(ByteEdit::Truncate),
    ]
}

fn edit_bytes(bytes: &mut Vec<u8>, e: &ByteEdit) {
    let len = bytes.len();
    match e {
        ByteEdit::Flip(i, b) if len > 0 => bytes[i % len] = *b,
        ByteEdit::Insert(i, t) => {
            let at = i % (len + 1);
            bytes.splice(at..at, t.iter().copied());
        }
        ByteEdit::Delete(i, n) if len > 0 => {
            let from = i % len;
            bytes.drain(from..(from + n).min(len));
        }
        ByteEdit::Truncate(i) => bytes.truncate(i % (len + 1)),
        _ => {}
    }
}

// ---------------------------------------------------------------------------------------
// The properties

/// A rejection in words: says what is wrong, and where.
fn assert_clear(text: &str, e: &ScenarioError) {
    let shown = e.to_string();
    let input = || {
        let mut t = text.chars().take(600).collect::<String>();
        if text.len() > 600 {
            t.push_str("...");
        }
        t
    };
    assert!(
        !e.message.trim().is_empty(),
        "empty message for {}",
        input()
    );
    assert!(
        !e.path.is_empty() || e.line.is_some(),
        "{shown}: names neither a path nor a position, for {}",
        input()
    );
    for dump in [
        "Error {",
        "Error(",
        "Some(",
        "RawValue",
        "internal error",
        "panicked",
        "unreachable",
    ] {
        assert!(
            !e.message.contains(dump) || text.contains(dump),
            "{shown}: a debug dump ({dump}) for {}",
            input()
        );
    }
}

/// Parses; on success checks the round trip and runs small scenarios; on failure checks the
/// error.
fn check(text: &str) -> Result<(), TestCaseError> {
    let stats = |i: usize| {
        static COUNTS: [AtomicU64; 3] = [const { AtomicU64::new(0) }; 3];
        COUNTS[i].fetch_add(1, Ordering::Relaxed);
        if std::env::var_os("FUZZ_STATS").is_some() && i == 0 {
            let c: Vec<u64> = COUNTS.iter().map(|c| c.load(Ordering::Relaxed)).collect();
            if c[0].is_multiple_of(1000) {
                eprintln!("{} refused, {} parsed, {} ran", c[0], c[1], c[2]);
            }
        }
    };
    match Scenario::parse(text) {
        Err(e) => {
            stats(0);
            assert_clear(text, &e)
        }
        Ok(s) => {
            stats(1);
            let again = serde_json::to_string(&s).expect("a scenario serialises");
            let back = Scenario::parse(&again).unwrap_or_else(|e| {
                panic!("{e}: the parsed scenario does not parse back: {again}")
            });
            prop_assert_eq!(&back, &s);
            let partitions: i64 = s
                .topics
                .iter()
                .map(|t| i64::from(t.partitions.max(0)))
                .sum();
            if s.end_time() <= 60_000 && partitions <= 24 && s.steps.len() <= 40 {
                stats(2);
                if let Err(e) = s.run() {
                    assert_clear(text, &e);
                }
            }
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn scenario_shaped_json_with_hostile_values_parses_or_is_refused_in_words(doc in scenario_like()) {
        check(&doc.to_string())?;
    }

    #[test]
    fn any_json_parses_or_is_refused_in_words(doc in hostile_value()) {
        check(&doc.to_string())?;
    }

    #[test]
    fn mutated_examples_parse_or_are_refused_in_words(
        file in example_index(),
        mutations in prop::collection::vec(mutation(), 1..4),
        pretty in any::<bool>(),
    ) {
        let mut doc: Value = serde_json::from_str(&examples().files[file].1).expect("JSON");
        for m in &mutations {
            apply(&mut doc, m);
        }
        let text = if pretty {
            serde_json::to_string_pretty(&doc).expect("JSON")
        } else {
            doc.to_string()
        };
        check(&text)?;
    }

    #[test]
    fn byte_mutated_examples_parse_or_are_refused_in_words(
        file in example_index(),
        edits in prop::collection::vec(byte_edit(), 1..6),
    ) {
        let mut bytes = examples().files[file].1.as_bytes().to_vec();
        for e in &edits {
            edit_bytes(&mut bytes, e);
        }
        // The command line reads files as UTF-8 (an invalid file is refused before parsing);
        // the lossy text is what a UTF-8 file with those bytes replaced would hold.
        check(&String::from_utf8_lossy(&bytes))?;
    }
}

#[test]
fn every_example_round_trips() {
    for (name, text) in &examples().files {
        let s = Scenario::parse(text).unwrap_or_else(|e| panic!("{name}: {e}"));
        let back = Scenario::parse(&serde_json::to_string(&s).unwrap()).unwrap();
        assert_eq!(back, s, "{name}");
    }
}

/// Every cluster setting (every field of `broker`, `producer`, `consumer`, `network` and
/// `coordinator`, in every mode) at its large extremes: refused in words, or the scenario runs.
/// (Huge durations overflowed the simulated clock before `ClusterConfig::validate` capped them.)
#[test]
fn every_cluster_setting_at_its_large_extremes_is_refused_in_words_or_runs() {
    use kafkascope_core::config::{ClusterConfig, Profile};
    let defaults = serde_json::to_value(ClusterConfig::new(Profile::Teaching, 3)).unwrap();
    let mut tried = 0;
    for mode in ["builtin", "zookeeper", "kraft"] {
        for section in ["broker", "producer", "consumer", "network", "coordinator"] {
            let fields = defaults[section].as_object().expect("a section").clone();
            for (field, value) in fields {
                let extremes = match value {
                    // The small end is in the test below.
                    Value::Number(_) => vec![
                        json!(-1),
                        json!(u32::MAX),
                        json!(i32::MAX),
                        json!(i64::MAX),
                        json!(u64::MAX),
                        json!(1e300),
                    ],
                    Value::Bool(_) => vec![json!(true), json!(false)],
                    _ => vec![json!(null), json!("")],
                };
                for v in extremes {
                    let mut overrides = json!({ field.clone(): v });
                    if section == "coordinator" {
                        overrides["mode"] = json!(mode);
                    }
                    // For `coordinator` the overrides (with the mode) replace the mode's name.
                    let doc = json!({
                        "cluster": { "brokers": 3, "coordinator": mode, section: overrides },
                        "topics": [{"name": "orders", "partitions": 2, "replication_factor": 3}],
                        "steps": [
                            {"at": 0, "action": "add_producer", "id": 0, "acks": "all"},
                            {"at": 0, "action": "add_consumer", "id": 0, "group": "g", "topics": ["orders"]},
                            {"at": 100, "action": "produce", "producer": 0, "topic": "orders", "key": "k", "value": "v"},
                            {"at": 2000, "action": "crash", "node": "broker-1"},
                            {"at": 9000, "action": "restart", "node": "broker-1"}
                        ],
                        "run_until": 20000
                    });
                    tried += 1;
                    check(&doc.to_string()).unwrap();
                }
            }
        }
    }
    assert!(tried > 200, "{tried}");
}

/// Most scheduled items (deliveries and timers) a run of the short scenario below may process
/// per simulated millisecond. The busiest legal setting, `broker_heartbeat_interval_ms: 1`,
/// takes about 10 (three brokers heartbeating every millisecond, each with its timeout).
const STEPS_PER_MS: u64 = 25;

/// Runs a parsed scenario to its end, one scheduled item at a time, and fails as soon as it
/// processes more than [`STEPS_PER_MS`] per simulated millisecond (so a run-away timer or an
/// ever-growing queue fails fast instead of exhausting memory). Returns the items processed.
fn run_bounded(s: &Scenario, what: &str) -> u64 {
    use kafkascope_core::scenario::StepKind;
    use kafkascope_core::sim::Sim;
    let end = s.end_time();
    let bound = STEPS_PER_MS * end.max(1_000);
    let mut sim = Sim::new(s.cluster.clone(), s.seed).unwrap_or_else(|e| panic!("{what}: {e}"));
    for t in &s.topics {
        let _ = sim.apply(t.to_command());
    }
    let mut next = 0;
    let times: Vec<u64> = s.steps.iter().map(|st| st.at).chain([end]).collect();
    for t in times {
        while sim.step_until(t) {
            assert!(
                sim.steps() <= bound,
                "{what}: more than {bound} scheduled items by t = {} ms (run to {end} ms, {} pending)",
                sim.now(),
                sim.pending()
            );
        }
        sim.advance_clock(t);
        while next < s.steps.len() && s.steps[next].at <= t {
            if let StepKind::Command(c) = &s.steps[next].kind {
                let _ = sim.apply(c.clone());
            }
            next += 1;
        }
        sim.drain_events();
    }
    sim.steps()
}

/// The short scenario of these tests, with `cluster` overrides, an `add_producer` step's
/// extra fields, a `set_link_latency` latency and topic config.
fn small_scenario(
    cluster: Value,
    producer: Value,
    link_latency: Value,
    topic_config: Value,
) -> Value {
    let mut add_producer = json!({"at": 0, "action": "add_producer", "id": 0, "acks": "all"});
    for (k, v) in producer.as_object().expect("fields") {
        add_producer[k] = v.clone();
    }
    json!({
        "cluster": cluster,
        "topics": [{"name": "orders", "partitions": 2, "replication_factor": 3, "config": topic_config}],
        "steps": [
            add_producer,
            {"at": 0, "action": "add_consumer", "id": 0, "group": "g", "topics": ["orders"]},
            {"at": 50, "action": "set_link_latency", "a": "broker-1", "b": "broker-2", "latency_ms": link_latency},
            {"at": 100, "action": "produce", "producer": 0, "topic": "orders", "key": "k", "value": "v", "count": 5},
            {"at": 2000, "action": "crash", "node": "broker-1"},
            {"at": 9000, "action": "restart", "node": "broker-1"},
            {"at": 12000, "action": "produce", "producer": 0, "topic": "orders", "value": "w", "count": 5}
        ],
        "run_until": 20000
    })
}

/// Parses; a refusal must be in words; what parses must run to its end within the bound.
/// Returns whether it ran.
fn refused_in_words_or_runs_bounded(doc: &Value, what: &str) -> bool {
    let text = doc.to_string();
    match Scenario::parse(&text) {
        Err(e) => {
            assert_clear(&text, &e);
            false
        }
        Ok(s) => {
            run_bounded(&s, what);
            true
        }
    }
}

/// Every timing setting at its small extremes (0, 1 and 2 ms): every `*_ms` field of
/// `broker`, `producer`, `consumer`, `network` and `coordinator` in every mode, and the
/// per-producer `linger_ms`, the `set_link_latency` command and the topic's `retention.ms`.
/// Each is refused in words (Kafka's rule, or the simulator's where Kafka has none) or runs the
/// short scenario to its end within [`STEPS_PER_MS`] scheduled items per simulated ms.
/// (`replica_socket_timeout_ms: 0` once exhausted memory, `replica_lag_time_max_ms: 1` re-armed
/// the ISR check at the same instant forever, `controller_quorum_request_timeout_ms: 1` forked
/// a KRaft fetch loop per timeout.)
#[test]
fn every_timing_setting_at_its_small_extremes_is_refused_in_words_or_runs_bounded() {
    use kafkascope_core::config::{ClusterConfig, Profile};
    let defaults = serde_json::to_value(ClusterConfig::new(Profile::Teaching, 3)).unwrap();
    let (mut tried, mut ran) = (0, 0);
    let none = || json!({});
    for mode in ["builtin", "zookeeper", "kraft"] {
        for section in ["broker", "producer", "consumer", "network", "coordinator"] {
            let fields = defaults[section].as_object().expect("a section").clone();
            for (field, value) in fields {
                if !field.ends_with("_ms") || !value.is_number() {
                    continue;
                }
                for v in [0, 1, 2] {
                    let mut overrides = json!({ field.clone(): v });
                    if section == "coordinator" {
                        overrides["mode"] = json!(mode);
                    }
                    let cluster = json!({ "brokers": 3, "coordinator": mode, section: overrides });
                    let doc = small_scenario(cluster, none(), json!(40), none());
                    tried += 1;
                    ran += usize::from(refused_in_words_or_runs_bounded(
                        &doc,
                        &format!("{mode}: {section}.{field} = {v}"),
                    ));
                }
            }
        }
        for v in [0, 1, 2] {
            let cluster = || json!({ "brokers": 3, "coordinator": mode });
            // The smallest replica settings Kafka accepts together (lag >= fetch wait <= socket).
            let replica = json!({ "brokers": 3, "coordinator": mode, "broker": {
                "replica_lag_time_max_ms": v.max(1),
                "replica_fetch_wait_max_ms": v.max(1),
                "replica_socket_timeout_ms": v.max(1),
                "replica_fetch_backoff_ms": v,
            }});
            // The shortest consumer session the brokers accept (group.min.session.timeout.ms),
            // with the shortest heartbeats.
            let session = json!({ "brokers": 3, "coordinator": mode, "consumer": {
                "session_timeout_ms": 6_000,
                "heartbeat_interval_ms": v.max(1),
            }});
            for (what, doc) in [
                (
                    "replica settings",
                    small_scenario(replica, none(), json!(40), none()),
                ),
                (
                    "consumer session",
                    small_scenario(session, none(), json!(40), none()),
                ),
                (
                    "add_producer linger_ms",
                    small_scenario(cluster(), json!({ "linger_ms": v }), json!(40), none()),
                ),
                (
                    "set_link_latency",
                    small_scenario(cluster(), none(), json!(v), none()),
                ),
                (
                    "retention.ms",
                    small_scenario(cluster(), none(), json!(40), json!({ "retention.ms": v })),
                ),
            ] {
                tried += 1;
                ran += usize::from(refused_in_words_or_runs_bounded(
                    &doc,
                    &format!("{mode}: {what} = {v}"),
                ));
            }
        }
    }
    assert!(tried > 200 && ran > 150, "{tried} tried, {ran} ran");
}
