//! Runs the built `kafkascope` binary on the example scenarios and on broken files.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_kafkascope"))
}

fn example(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../scenarios")
        .join(name)
}

fn run(args: &[&str]) -> Output {
    bin().args(args).output().expect("kafkascope runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).expect("utf-8 stdout")
}

fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).expect("utf-8 stderr")
}

fn run_example(name: &str, extra: &[&str]) -> String {
    let path = example(name);
    let mut args = vec!["run", path.to_str().unwrap()];
    args.extend_from_slice(extra);
    let o = run(&args);
    assert_eq!(o.status.code(), Some(0), "stderr: {}", stderr(&o));
    assert!(stderr(&o).is_empty(), "stderr: {}", stderr(&o));
    stdout(&o)
}

/// A scenario file of its own for one test.
fn temp_file(test: &str, text: &str) -> PathBuf {
    let p = std::env::temp_dir().join(format!("kafkascope-{}-{test}.json", std::process::id()));
    std::fs::write(&p, text).expect("write temp file");
    p
}

/// Runs `kafkascope run` on a broken file: exit code 2, nothing on stdout, one error line.
/// Runs the scenario `text` with `--trace` and returns what it printed.
fn trace_of(test: &str, text: &str) -> String {
    let p = temp_file(test, text);
    let out = stdout(&run(&["run", p.to_str().unwrap(), "--trace"]));
    let _ = std::fs::remove_file(&p);
    out
}

fn broken(test: &str, text: &str) -> String {
    let p = temp_file(test, text);
    let o = run(&["run", p.to_str().unwrap()]);
    let _ = std::fs::remove_file(&p);
    assert_eq!(o.status.code(), Some(2), "stdout: {}", stdout(&o));
    assert!(stdout(&o).is_empty());
    let err = stderr(&o);
    let prefix = format!("error: {}: ", p.display());
    assert!(err.starts_with(&prefix), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    err[prefix.len()..].trim_end().to_string()
}

#[test]
fn leader_failover_moves_leadership_and_shrinks_isr() {
    let out = run_example("leader-failover.json", &[]);
    assert!(out.contains("Every command was accepted."), "{out}");
    assert!(out.contains("Brokers: 1 (down, fenced), 2, 3\n"), "{out}");
    assert!(out.contains(
        "Topic: orders\tPartitionCount: 3\tReplicationFactor: 3\tConfigs: min.insync.replicas=2\n"
    ));
    // broker-1 led orders-1; broker 3, next in its ISR, took over with a new epoch.
    assert!(out.contains(
        "\tTopic: orders\tPartition: 1\tLeader: 3\tReplicas: 1,3,2\tIsr: 3,2\tLeaderEpoch: 1\tLogEndOffset: 4\tHighWatermark: 4\n"
    ), "{out}");
    assert!(out.contains(
        "\tTopic: orders\tPartition: 0\tLeader: 3\tReplicas: 3,2,1\tIsr: 3,2\tLeaderEpoch: 0\tLogEndOffset: 4\tHighWatermark: 4\n"
    ), "{out}");
    assert_eq!(out.matches("acknowledged\n").count(), 12, "{out}");
}

#[test]
fn a_preferred_leader_election_says_which_leaders_moved() {
    let trace = run_example("broker-rejoin.json", &["--trace"]);
    assert!(
        trace.contains(
            "steps[5]: elect_preferred_leaders -> ok: Successfully completed leader election (PREFERRED) \
             for partitions orders-1; Valid replica already elected for partitions orders-0, orders-2\n"
        ),
        "{trace}"
    );
    // Broker 1, the preferred replica of t-0, is down: kafka-leader-election's error for it.
    // Asked for every partition, KRaft's controller leaves out those that need no election;
    // ZooKeeper mode's asks for each by name.
    let not_available = "Error completing leader election (PREFERRED) for partition: t-0: \
                         PREFERRED_LEADER_NOT_AVAILABLE: The preferred leader was not available.";
    for (mode, all) in [
        ("kraft", format!("ok: {not_available}")),
        (
            "zookeeper",
            format!("ok: Valid replica already elected for partitions t-1, t-2; {not_available}"),
        ),
    ] {
        let p = temp_file(
            &format!("elect-{mode}"),
            &format!(
                r#"{{"cluster": {{"brokers": 3, "coordinator": "{mode}"}},
                    "topics": [{{"name": "t", "partitions": 3, "replication_factor": 3}}],
                    "steps": [{{"at": 1000, "action": "crash", "node": "broker-1"}},
                        {{"at": 9000, "action": "elect_preferred_leaders"}},
                        {{"at": 9500, "action": "elect_preferred_leaders", "partitions": ["t-0", "t-1"]}}],
                    "run_until": 10000}}"#
            ),
        );
        let trace = stdout(&run(&["run", p.to_str().unwrap(), "--trace"]));
        let _ = std::fs::remove_file(&p);
        assert!(
            trace.contains(&format!("steps[1]: elect_preferred_leaders -> {all}\n")),
            "{mode}: {trace}"
        );
        assert!(
            trace.contains(&format!(
                "steps[2]: elect_preferred_leaders partitions=[t-0, t-1] -> ok: Valid replica \
                 already elected for partitions t-1; {not_available}\n"
            )),
            "{mode}: {trace}"
        );
    }
    let p = temp_file(
        "elect-nothing",
        r#"{"cluster": {"brokers": 3, "coordinator": "kraft"},
            "topics": [{"name": "t", "partitions": 2, "replication_factor": 3}],
            "steps": [{"at": 1000, "action": "elect_preferred_leaders"}],
            "run_until": 2000}"#,
    );
    let trace = stdout(&run(&["run", p.to_str().unwrap(), "--trace"]));
    let _ = std::fs::remove_file(&p);
    assert!(
        trace.contains(
            "steps[0]: elect_preferred_leaders -> ok, every preferred replica leads already\n"
        ),
        "{trace}"
    );
}

#[test]
fn broker_rejoin_gets_back_into_isr_and_preferred_leadership() {
    let out = run_example("broker-rejoin.json", &[]);
    assert!(out.contains("Brokers: 1, 2, 3\n"), "{out}");
    assert!(out.contains(
        // Broker 1 rejoined last: appended to the ISR, as Kafka's AlterPartition sends it.
        "\tTopic: orders\tPartition: 1\tLeader: 1\tReplicas: 1,3,2\tIsr: 3,2,1\tLeaderEpoch: 2\tLogEndOffset: 4\tHighWatermark: 4\n"
    ), "{out}");
}

#[test]
fn unclean_election_loses_acknowledged_records() {
    let out = run_example("unclean-election.json", &[]);
    assert!(out.contains(
        "\tTopic: ledger\tPartition: 0\tLeader: 1\tReplicas: 2,1\tIsr: 1,2\tLeaderEpoch: 2\tLogEndOffset: 3\tHighWatermark: 3\n"
    ), "{out}");
    assert_eq!(out.matches("ACKNOWLEDGED THEN LOST").count(), 3, "{out}");
    let trace = run_example("unclean-election.json", &["--trace"]);
    assert!(
        trace.contains("ledger-0 is OFFLINE"),
        "trace shows the offline partition"
    );
    assert!(trace.contains("because UNCLEAN election"));
    assert!(trace.contains("broker 2 truncated ledger-0 to offset 3, removing 3 record(s)"));
}

#[test]
fn min_isr_rejects_writes_and_reports_rejected_commands() {
    let out = run_example("min-isr.json", &[]);
    assert!(out.contains("Rejected commands (1):\n  steps[5] at 9000 ms (create_topic): INVALID_REPLICATION_FACTOR: Replication factor: 3 larger than available brokers: 1.\n"), "{out}");
    assert!(
        out.contains("\tLeader: 1\tReplicas: 2,1,3\tIsr: 1\t"),
        "{out}"
    );
    let failed = out
        .lines()
        .find(|l| l.contains("250 EUR"))
        .expect("record line");
    assert!(failed.ends_with("failed: NOT_ENOUGH_REPLICAS"), "{failed}");
    let ok = out.lines().find(|l| l.contains("100 EUR")).unwrap();
    assert!(ok.ends_with("acknowledged"), "{ok}");
}

#[test]
fn keys_land_in_their_murmur2_partition() {
    let out = run_example("keys.json", &[]);
    let customer_123: Vec<&str> = out
        .lines()
        .filter(|l| l.starts_with("steps[") && l.contains("customer-123"))
        .collect();
    assert_eq!(customer_123.len(), 3);
    for (i, l) in customer_123.iter().enumerate() {
        let cols: Vec<&str> = l.split_whitespace().collect();
        // STEP SENT-AT(2 words) PRODUCER RECORD KEY VALUE PARTITION OFFSET RESULT
        assert_eq!(cols[7], "orders-0", "{l}");
        assert_eq!(cols[8], i.to_string(), "in order: {l}");
    }
    assert!(
        out.lines()
            .any(|l| l.contains("explicit") && l.contains("orders-2"))
    );
}

#[test]
fn json_output_is_one_document() {
    let out = run_example("leader-failover.json", &["--json"]);
    let v: serde_json::Value = serde_json::from_str(&out).expect("valid JSON");
    assert_eq!(v["name"], "leader-failover");
    assert_eq!(v["end_time_ms"], 20000);
    assert_eq!(v["step_outcomes"].as_array().unwrap().len(), 5);
    let p1 = &v["topics"][0]["partitions"][1];
    assert_eq!(p1["leader"], 3);
    assert_eq!(p1["isr"], serde_json::json!([3, 2]));
    assert_eq!(p1["high_watermark"], 4);
    assert_eq!(v["brokers"][0]["up"], false);
    assert_eq!(v["records"].as_array().unwrap().len(), 12);

    let out = run_example("min-isr.json", &["--json"]);
    let v: serde_json::Value = serde_json::from_str(&out).expect("valid JSON");
    let rejected: Vec<_> = v["step_outcomes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|o| !o["error"].is_null())
        .collect();
    assert_eq!(rejected.len(), 1);
    assert_eq!(rejected[0]["source"], serde_json::json!({"step": 5}));
    assert_eq!(rejected[0]["error"]["code"], "INVALID_REPLICATION_FACTOR");
}

#[test]
fn trace_prints_one_line_per_event_and_json_lines_with_json() {
    let out = run_example("leader-failover.json", &["--trace"]);
    assert!(out.starts_with("Trace:\n"));
    assert!(
        out.contains("  3000 ms  steps[2]: crash node=broker-1 -> ok\n"),
        "{out}"
    );
    assert!(out.contains("  3000 ms  broker-1 crashed\n"));
    assert!(out.contains(
        "controller elected broker 3 leader of orders-1 (epoch 1, isr [3,2], was 1) because leader failed"
    ));
    assert!(
        out.lines()
            .any(|l| l.contains("broker-2 -> broker-3  Fetch")),
        "message lines"
    );
    assert!(out.contains("\nTopics (kafka-topics.sh --describe):\n"));

    let out = run_example("leader-failover.json", &["--trace", "--json"]);
    let lines: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    assert!(lines.len() > 100);
    assert!(lines.iter().any(|v| v["type"] == "leader_elected"));
    assert!(lines.iter().any(|v| v["step"]["action"] == "crash"));
    assert_eq!(lines.last().unwrap()["name"], "leader-failover");
}

#[test]
fn same_file_same_output() {
    let a = run_example("unclean-election.json", &["--trace"]);
    let b = run_example("unclean-election.json", &["--trace"]);
    assert_eq!(a, b);
}

#[test]
fn reads_the_scenario_from_stdin() {
    let text = std::fs::read_to_string(example("keys.json")).unwrap();
    let mut child = bin()
        .args(["run", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(stdout(&o), run_example("keys.json", &[]));

    let mut child = bin()
        .args(["run", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"{\"cluster\": 3}")
        .unwrap();
    let o = child.wait_with_output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).starts_with("error: <stdin>: cluster: invalid type: integer `3`"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn a_group_describes_with_kafkas_state_notes() {
    // A member joins at 8000 and the group is still rebalancing at 8600: Kafka warns and
    // shows the committed offsets without owners (assignments are described only for a
    // Stable group). After the last member leaves, the Empty group keeps its offsets.
    let describe = |name: &str, steps: &str, until: u64| {
        let p = temp_file(
            name,
            &format!(
                r#"{{"seed": 1, "cluster": {{"brokers": 3}},
                "topics": [{{"name": "orders", "partitions": 2, "replication_factor": 3}}],
                "steps": [{{"at": 0, "action": "add_producer", "id": 0}},
                  {{"at": 500, "action": "add_consumer", "id": 0, "group": "billing", "topics": ["orders"]}},
                  {{"at": 4000, "action": "produce", "producer": 0, "topic": "orders", "key": "k", "value": "v", "count": 3}},
                  {steps}],
                "run_until": {until}}}"#
            ),
        );
        let out = stdout(&run(&["run", p.to_str().unwrap()]));
        let _ = std::fs::remove_file(&p);
        out[out.find("Consumer groups").expect("groups described")..].to_string()
    };
    let joining = describe(
        "rebalancing",
        r#"{"at": 8000, "action": "add_consumer", "id": 1, "group": "billing", "topics": ["orders"]}"#,
        8600,
    );
    assert!(
        joining.contains("\nWarning: Consumer group 'billing' is rebalancing.\n"),
        "{joining}"
    );
    let row = |text: &str, p: u32| {
        text.lines()
            .find(|l| l.starts_with(&format!("billing         orders          {p} ")))
            .map(|l| l.split_whitespace().map(str::to_string).collect::<Vec<_>>())
            .unwrap_or_else(|| panic!("no row for orders-{p}: {text}"))
    };
    assert_eq!(
        row(&joining, 0),
        ["billing", "orders", "0", "3", "3", "0", "-", "-", "-"]
    );
    let left = describe(
        "empty",
        r#"{"at": 8000, "action": "stop_consumer", "id": 0}"#,
        10_000,
    );
    assert!(
        left.contains("\nConsumer group 'billing' has no active members.\n"),
        "{left}"
    );
    assert_eq!(
        row(&left, 0),
        ["billing", "orders", "0", "3", "3", "0", "-", "-", "-"]
    );
}

#[test]
fn internal_topics_and_groups_on_request() {
    let p = temp_file(
        "internal",
        r#"{"cluster": {"brokers": 3},
            "topics": [{"name": "orders", "partitions": 1, "replication_factor": 1}],
            "steps": [{"at": 0, "action": "add_consumer", "id": 0, "group": "billing", "topics": ["orders"]}],
            "run_until": 2000}"#,
    );
    let path = p.to_str().unwrap();
    let plain = stdout(&run(&["run", path]));
    let all = stdout(&run(&["run", path, "--include-internal"]));
    let _ = std::fs::remove_file(&p);
    assert!(!plain.contains("__consumer_offsets"), "{plain}");
    assert!(all.contains("Topic: __consumer_offsets\tPartitionCount: 3\tReplicationFactor: 3\tConfigs: retention.ms=-1\n"), "{all}");
    // The consumer joined its group within the run: the group is described with its
    // partition, its member id (CONSUMER-ID) and Kafka's default client.id (CLIENT-ID).
    assert!(
        plain.lines().any(|l| l.starts_with("billing")
            && l.contains("orders")
            && l.contains(" consumer-billing-0-")
            && l.ends_with(" consumer-billing-0")),
        "{plain}"
    );
}

#[test]
fn wrong_type_names_the_step_field_and_position() {
    let err = broken(
        "wrong-type",
        "{\"cluster\": {\"brokers\": 3},\n \"steps\": [\n  {\"at\": 0, \"action\": \"create_topic\", \"name\": \"t\", \"partitions\": \"x\", \"replication_factor\": 1}\n ]}",
    );
    assert_eq!(
        err,
        "steps[0].partitions: invalid type: string \"x\", expected i32 at line 3 column 66"
    );
}

#[test]
fn unknown_field_is_an_error() {
    let err = broken(
        "unknown-field",
        r#"{"cluster": {"brokers": 3, "broker": {"replica_lag_time_max": 5000}}}"#,
    );
    assert!(
        err.starts_with("cluster.broker.replica_lag_time_max: unknown field `replica_lag_time_max`, expected one of `auto_leader_rebalance_enable`, ")
            && err.ends_with("(did you mean `replica_lag_time_max_ms`?) at line 1 column 63"),
        "{err}"
    );
    let err = broken(
        "unknown-step-field",
        r#"{"cluster": {"brokers": 3}, "steps": [{"at": 0, "action": "crash", "node": "broker-1", "when": 5}]}"#,
    );
    assert!(
        err.starts_with("steps[0].when: unknown field `when`"),
        "{err}"
    );
}

#[test]
fn steps_out_of_order_is_an_error() {
    let err = broken(
        "order",
        "{\"cluster\": {\"brokers\": 3},\n \"steps\": [\n  {\"at\": 5000, \"action\": \"heal\"},\n  {\"at\": 1000, \"action\": \"heal\"}\n ]}",
    );
    assert_eq!(
        err,
        "steps[1].at: 1000 ms is before the previous step (steps[0] at 5000 ms): steps must be in time order at line 4 column 10"
    );
}

#[test]
fn json_syntax_error_has_a_position() {
    let err = broken(
        "syntax",
        "{\"cluster\": {\"brokers\": 3},\n \"steps\": [\n  {\"at\": 0 \"action\": \"heal\"}\n ]}",
    );
    assert_eq!(err, "steps[0]: expected `,` or `}` at line 3 column 12");
}

#[test]
fn unreadable_file_exits_2() {
    let o = run(&["run", "/nonexistent/kafkascope.json"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).starts_with("error: /nonexistent/kafkascope.json: cannot read: "),
        "{}",
        stderr(&o)
    );
}

#[test]
fn validate_checks_without_running() {
    let path = example("min-isr.json");
    let o = run(&["validate", path.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0));
    assert!(
        stdout(&o).ends_with(
            ": valid scenario 'min-isr': 3 broker(s), 1 topic(s), 6 step(s), runs until 30000 ms\n"
        ),
        "{}",
        stdout(&o)
    );
    let p = temp_file("validate-bad", r#"{"cluster": {"brokers": 0}}"#);
    let o = run(&["validate", p.to_str().unwrap()]);
    let _ = std::fs::remove_file(&p);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o)
            .contains(": cluster.brokers: a cluster has 1 to 9 brokers, got 0 at line 1 column 25"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn every_example_is_valid() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scenarios");
    let mut n = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let p = entry.unwrap().path();
        if p.extension().is_some_and(|e| e == "json") {
            let o = run(&["validate", p.to_str().unwrap()]);
            assert_eq!(o.status.code(), Some(0), "{}: {}", p.display(), stderr(&o));
            n += 1;
        }
    }
    assert!(n >= 4);
}

#[test]
fn zookeeper_controller_failover_elects_a_new_controller_with_the_next_epoch() {
    let out = run_example("zookeeper-controller-failover.json", &[]);
    assert!(
        out.contains("Control plane: ZooKeeper ensemble of 3, quorum OK"),
        "{out}"
    );
    assert!(out.contains("controller epoch 2"), "{out}");
    assert!(!out.contains("/controller = broker 1,"), "{out}");
    assert!(out.contains("/brokers/ids: [2, 3]"), "{out}");
    assert_eq!(out.matches("acknowledged").count(), 12, "{out}");
}

#[test]
fn zookeeper_quorum_loss_freezes_leadership_until_the_quorum_is_back() {
    let trace = run_example("zookeeper-quorum-loss.json", &["--trace"]);
    assert!(trace.contains("lost its quorum"), "{trace}");
    // broker 3 crashed at 3 s, but its partition is re-elected only after zookeeper-1 is back
    // (15 s) and broker 3's session expires.
    let reelected = trace
        .lines()
        .find(|l| l.contains("leader of orders-2") && l.contains("because leader failed"))
        .expect("orders-2 gets a new leader");
    let at: u64 = reelected
        .split_whitespace()
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert!(at > 15_000, "{reelected}");
}

#[test]
fn kraft_controller_failover_keeps_the_metadata_and_fences_the_dead_broker() {
    let out = run_example("kraft-controller-failover.json", &[]);
    assert!(
        out.contains("Control plane: KRaft quorum of 3 voters"),
        "{out}"
    );
    assert!(!out.contains("leader controller-100,"), "{out}");
    assert!(out.contains("broker 1   FENCED"), "{out}");
    assert_eq!(out.matches("acknowledged").count(), 12, "{out}");
    let trace = run_example("kraft-controller-failover.json", &["--trace"]);
    assert!(
        !trace.contains("LeaderAndIsr"),
        "KRaft brokers fetch, nothing is pushed"
    );
}

#[test]
fn compare_coordinators_measures_both_modes() {
    let o = run(&["compare-coordinators", "--partitions", "10", "--json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let rows: Vec<serde_json::Value> = stdout(&o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(rows.len(), 2);
    let (zk, kraft) = (&rows[0], &rows[1]);
    assert_eq!(zk["mode"], "zookeeper");
    assert_eq!(kraft["mode"], "kraft");
    let ms = |r: &serde_json::Value, k: &str| r[k].as_u64().unwrap_or_else(|| panic!("{k}: {r}"));
    // Kafka's defaults: ZooKeeper notices a dead broker 18 s after its last ping (pings every
    // 6 s, expiry rounded up to a 2 s tick), KRaft 9 s after its last heartbeat (every 2 s).
    let zk_detect = ms(zk, "broker_failure_detected_ms");
    let kraft_detect = ms(kraft, "broker_failure_detected_ms");
    assert!((12_000..=20_100).contains(&zk_detect), "{zk}");
    assert!((7_000..=9_100).contains(&kraft_detect), "{kraft}");
    assert!(ms(kraft, "controller_failover_ms") < ms(zk, "controller_failover_ms"));
    let bad = run(&["compare-coordinators", "--partitions", "0"]);
    assert_eq!(bad.status.code(), Some(2));
}

#[test]
fn soak_runs_seeds_in_every_mode_and_counts_what_it_checked() {
    let o = run(&[
        "soak",
        "--seeds",
        "12",
        "--from",
        "100",
        "--threads",
        "2",
        "--unsafe-seeds",
        "30",
        "--json",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let rows: Vec<serde_json::Value> = stdout(&o)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let modes: Vec<(&str, &str)> = rows
        .iter()
        .map(|r| (r["mode"].as_str().unwrap(), r["safety"].as_str().unwrap()))
        .collect();
    assert_eq!(
        modes,
        [
            ("zookeeper", "safe"),
            ("kraft", "safe"),
            ("builtin", "safe"),
            ("zookeeper", "unsafe"),
            ("kraft", "unsafe"),
            ("builtin", "unsafe"),
        ]
    );
    let n = |r: &serde_json::Value, k: &str| r[k].as_u64().unwrap_or_else(|| panic!("{k}: {r}"));
    for r in &rows[..3] {
        assert_eq!(n(r, "seeds"), 12, "{r}");
        assert_eq!(n(r, "first_seed"), 100, "{r}");
        assert_eq!(n(r, "violations"), 0, "{r}");
        // Every seed runs 70 s of simulated time: thousands of events each, and acks=all
        // writes acknowledged and tracked.
        assert!(n(r, "events_checked") > 12 * 1_000, "{r}");
        assert!(n(r, "steps_checked") > 12 * 100, "{r}");
        assert!(n(r, "acknowledged_records") > 12, "{r}");
        assert!(n(r, "faults_injected") > 12, "{r}");
    }
    // The checker can fail: unsafe settings are caught losing acknowledged records.
    let caught: u64 = rows[3..]
        .iter()
        .map(|r| n(r, "caught_losing_records"))
        .sum();
    assert!(caught > 0, "{rows:?}");

    // The table: a header, one line per mode, the same figures.
    let o = run(&[
        "soak",
        "--seeds",
        "12",
        "--from",
        "100",
        "--mode",
        "kraft",
        "--unsafe-seeds",
        "0",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(
        out.contains("mode           seeds  events checked  acked records"),
        "{out}"
    );
    let line = out.lines().find(|l| l.starts_with("kraft ")).expect(&out);
    let cols: Vec<&str> = line.split_whitespace().collect();
    assert_eq!(cols[1], "12", "{line}");
    assert_eq!(cols[2], rows[1]["events_checked"].to_string(), "{line}");
    assert_eq!(cols[5], "0", "{line}");
    assert!(!out.contains("Unsafe settings"), "{out}");

    let bad = run(&["soak", "--seeds", "1", "--threads", "0"]);
    assert_eq!(bad.status.code(), Some(2));
    let bad = run(&["soak", "--mode", "raft"]);
    assert_eq!(bad.status.code(), Some(2));
}

// ---------------------------------------------------------------------------------------
// Lessons

fn lessons_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../lessons")
}

/// Every `lessons/*.json`, sorted.
fn lesson_files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(lessons_dir())
        .expect("lessons/ exists")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    files
}

fn lesson(name: &str) -> PathBuf {
    lessons_dir().join(format!("{name}.json"))
}

#[test]
fn every_lesson_validates_runs_and_all_its_expectations_hold() {
    let files = lesson_files();
    assert!(files.len() >= 8, "{files:?}");
    for p in &files {
        let path = p.to_str().unwrap();
        let v = run(&["validate", path]);
        assert_eq!(v.status.code(), Some(0), "{path}: {}", stderr(&v));
        assert!(
            stdout(&v).contains(": valid lesson '"),
            "{path}: {}",
            stdout(&v)
        );

        let o = run(&["run", path]);
        let out = stdout(&o);
        assert_eq!(
            o.status.code(),
            Some(0),
            "{path}:\n{}\n{}",
            stderr(&o),
            out.lines()
                .filter(|l| l.contains("FAIL"))
                .collect::<Vec<_>>()
                .join("\n")
        );
        assert!(stderr(&o).is_empty(), "{path}: {}", stderr(&o));
        assert!(out.starts_with("Lesson: "), "{path}");
        assert!(out.contains("\nTimeline:\n"), "{path}");
        assert!(
            out.contains("  QUESTION   "),
            "{path}: a lesson asks at least one question"
        );
        assert!(out.contains("  NARRATION  "), "{path}");
        assert!(
            out.contains("           ANSWER     "),
            "{path}: answers are revealed"
        );
        assert!(out.contains("\nWhat to remember:\n"), "{path}");
        assert!(!out.contains("FAILS"), "{path}");
        assert!(out.contains("Every command was accepted."), "{path}: {out}");

        // The JSON summary carries the lesson and every expectation's result.
        let j = run(&["run", path, "--json"]);
        assert_eq!(j.status.code(), Some(0), "{path}");
        let v: serde_json::Value = serde_json::from_str(&stdout(&j)).expect("JSON");
        let meta = &v["lesson"];
        assert!(!meta["title"].as_str().unwrap().is_empty(), "{path}");
        assert!(!meta["objectives"].as_array().unwrap().is_empty(), "{path}");
        assert!(meta["summary"].is_string(), "{path}");
        let total = v["expectations_total"].as_u64().unwrap();
        assert!(total >= 3, "{path}: {total} expectations");
        assert_eq!(v["expectations_held"].as_u64(), Some(total), "{path}");
        assert_eq!(v["expectations"].as_array().unwrap().len() as u64, total);
        assert!(
            v["expectations"]
                .as_array()
                .unwrap()
                .iter()
                .all(|e| e["result"]["holds"] == true
                    && !e["result"]["properties"].as_array().unwrap().is_empty())
        );
        assert!(
            out.contains(&format!("\nExpectations: {total} of {total} hold\n")),
            "{path}"
        );
        let questions = v["narration"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|n| n["narration"]["action"] == "question")
            .collect::<Vec<_>>();
        assert!(!questions.is_empty(), "{path}");
        for q in questions {
            assert!(q["narration"]["explanation"].is_string(), "{path}: {q}");
        }
        // A lesson told twice points to a file that exists, which points back.
        if let Some(other) = meta["compare_with"].as_str() {
            let text = std::fs::read_to_string(lesson(other))
                .unwrap_or_else(|e| panic!("{path}: compare_with {other}: {e}"));
            let stem = p.file_stem().unwrap().to_str().unwrap();
            assert!(
                text.contains(&format!("\"compare_with\": \"{stem}\"")),
                "{other}"
            );
        }
    }
}

#[test]
fn the_lessons_cover_every_learning_objective_of_the_course() {
    // Objective -> the lesson that teaches it (see README's "Lessons").
    for name in [
        "partitions-and-keys", // same key same partition, ordering per partition, keyless
        "replication-and-isr", // a follower leaves the ISR and returns
        "leader-failover",     // failover from the ISR without data loss
        "acks-and-min-isr",    // acks, min.insync.replicas, NOT_ENOUGH_REPLICAS
        "unclean-leader-election", // acknowledged records lost
        "zookeeper-mode",      // ZooKeeper vs KRaft, side by side
        "kraft-mode",
        "consumer-groups", // groups and rebalancing
    ] {
        assert!(lesson(name).exists(), "lessons/{name}.json");
    }
}

#[test]
fn lessons_pin_kafkas_outcomes() {
    let out = stdout(&run(&[
        "run",
        lesson("partitions-and-keys").to_str().unwrap(),
    ]));
    assert!(out.contains("EXPECT     records with key customer-123: partition orders-0; offsets [0, 1, 2]; status\n                      acknowledged -> holds"), "{out}");
    let out = stdout(&run(&[
        "run",
        lesson("unclean-leader-election").to_str().unwrap(),
    ]));
    assert!(
        out.contains(
            "records sent by steps[6]: offsets [3, 4, 5]; status acknowledged_then_lost ->"
        ),
        "{out}"
    );
    assert_eq!(out.matches("ACKNOWLEDGED THEN LOST").count(), 3, "{out}");
    let out = stdout(&run(&["run", lesson("acks-and-min-isr").to_str().unwrap()]));
    assert!(
        out.contains(
            "records with value 300 EUR: status failed; error NOT_ENOUGH_REPLICAS -> holds"
        ),
        "{out}"
    );
    let zk = stdout(&run(&["run", lesson("zookeeper-mode").to_str().unwrap()]));
    let kraft = stdout(&run(&["run", lesson("kraft-mode").to_str().unwrap()]));
    // 4 s after the broker crash: KRaft has fenced it, ZooKeeper has not.
    assert!(
        zk.contains("  7000 ms  EXPECT     broker 3: up false; fenced false -> holds"),
        "{zk}"
    );
    assert!(
        kraft.contains("  7000 ms  EXPECT     broker 3: up false; fenced true -> holds"),
        "{kraft}"
    );
    // 3 s after the controller crash: KRaft has a new one, ZooKeeper none.
    assert!(
        zk.contains(" 18000 ms  EXPECT     controller: active none; epoch 1 -> holds"),
        "{zk}"
    );
    assert!(kraft.contains(" 18000 ms  EXPECT     controller: active one of controller-101, controller-102; epoch 2 -> holds\n"), "{kraft}");
}

/// A copy of a lesson with `from` replaced by `to` (which must occur once).
fn edited_lesson(test: &str, name: &str, from: &str, to: &str) -> PathBuf {
    let text = std::fs::read_to_string(lesson(name)).unwrap();
    assert_eq!(text.matches(from).count(), 1, "{from}");
    temp_file(test, &text.replace(from, to))
}

#[test]
fn a_wrong_expectation_fails_the_run_with_what_was_expected_and_found() {
    let p = edited_lesson(
        "wrong-expectation",
        "partitions-and-keys",
        r#""key": "customer-123", "partition": "orders-0""#,
        r#""key": "customer-123", "partition": "orders-2""#,
    );
    let o = run(&["run", p.to_str().unwrap()]);
    let j = run(&["run", p.to_str().unwrap(), "--json"]);
    let _ = std::fs::remove_file(&p);
    assert_eq!(o.status.code(), Some(1));
    let out = stdout(&o);
    let failure = "steps[8] at 2000 ms: records with key customer-123: partition expected orders-2, found [orders-0, orders-0, orders-0]; offsets [0, 1, 2]; status acknowledged";
    assert!(out.contains("\nExpectations: 6 of 7 hold\n"), "{out}");
    assert!(out.contains(&format!("\n  FAILED {failure}\n")), "{out}");
    assert!(out.contains("status acknowledged -> FAILS\n"), "{out}");
    let err = stderr(&o);
    assert!(
        err.ends_with(&format!(
            ": {}\n",
            failure.replacen(": ", ": expectation failed: ", 1)
        )),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1, "{err}");
    // The rest of the run is still printed, and --json says which one failed.
    assert!(out.contains("Produced records:"), "{out}");
    assert_eq!(j.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_str(&stdout(&j)).unwrap();
    assert_eq!(v["expectations_held"], 6);
    let failed: Vec<_> = v["expectations"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["result"]["holds"] == false)
        .collect();
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0]["step"], 8);
    assert_eq!(failed[0]["expectation"]["check"], "records");
    let prop = &failed[0]["result"]["properties"][0];
    assert_eq!(prop["property"], "partition");
    assert_eq!(prop["expected"], "orders-2");
    assert_eq!(prop["holds"], false);
}

#[test]
fn a_wrong_leader_or_controller_fails_too() {
    let p = edited_lesson(
        "wrong-leader",
        "leader-failover",
        r#""partition": "orders-1", "leader": 3, "leader_epoch": 1"#,
        r#""partition": "orders-1", "leader": [1, 2], "leader_epoch": 1"#,
    );
    let o = run(&["run", p.to_str().unwrap()]);
    let _ = std::fs::remove_file(&p);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stdout(&o).contains("FAILED steps[12] at 8000 ms: partition orders-1: leader expected one of [1,2], found 3;"),
        "{}",
        stdout(&o)
    );
    let p = edited_lesson(
        "wrong-controller",
        "kraft-mode",
        r#"{"at": 16000, "action": "expect", "check": "controller", "active": "none"}"#,
        r#"{"at": 16000, "action": "expect", "check": "controller", "active": "controller-101"}"#,
    );
    let o = run(&["run", p.to_str().unwrap()]);
    let _ = std::fs::remove_file(&p);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o)
            .contains("expectation failed: controller: active expected controller-101, found none"),
        "{}",
        stderr(&o)
    );
}

/// The time at the start of a timeline or trace line, if it has one.
fn line_time(l: &str) -> Option<u64> {
    let (t, rest) = l.trim_start().split_once(" ms  ")?;
    let _ = rest;
    t.parse().ok()
}

#[test]
fn narration_questions_and_expectations_appear_in_time_order() {
    let out = stdout(&run(&[
        "run",
        lesson("replication-and-isr").to_str().unwrap(),
    ]));
    let timeline = &out[out.find("\nTimeline:\n").unwrap()..out.find("\nEvery command").unwrap()];
    let times: Vec<u64> = timeline.lines().filter_map(line_time).collect();
    assert!(times.len() > 20, "{timeline}");
    assert!(times.windows(2).all(|w| w[0] <= w[1]), "{timeline}");
    // In file order: the narration, the question, then what reveals its answer, then the answer.
    let pos = |s: &str| {
        timeline
            .find(s)
            .unwrap_or_else(|| panic!("{s} in {timeline}"))
    };
    assert!(
        pos("     0 ms  NARRATION  orders-0 has three replicas")
            < pos("  3000 ms  steps[7]: cut_link")
    );
    assert!(
        pos("  3000 ms  steps[7]: cut_link")
            < pos("  4500 ms  QUESTION   The leader has 10 records")
    );
    assert!(
        pos("  4500 ms  QUESTION")
            < pos("                        b) They wait: the high watermark")
    );
    assert!(
        pos("  4500 ms  QUESTION")
            < pos("  9000 ms  EXPECT     partition orders-0: leader 1; isr [1,2]")
    );
    assert!(
        pos("  9000 ms  EXPECT     partition orders-0: leader 1; isr [1,2]")
            < pos("           ANSWER     (steps[12]) b) They wait")
    );
    assert!(
        pos("           ANSWER     (steps[12])")
            < pos("  9000 ms  NARRATION  Broker 3 left the ISR")
    );

    // With --trace the same lines sit among the events, in time order.
    let trace = stdout(&run(&[
        "run",
        lesson("replication-and-isr").to_str().unwrap(),
        "--trace",
    ]));
    let trace = &trace[..trace.find("\nEvery command").unwrap()];
    assert!(!trace.contains("\nTimeline:\n"));
    let times: Vec<u64> = trace.lines().filter_map(line_time).collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1]));
    let pos = |s: &str| trace.find(s).unwrap_or_else(|| panic!("{s}"));
    assert!(pos("  4500 ms  QUESTION") < pos("orders-0 isr now [1,2]: removed [3] (lagging)"));
    assert!(
        pos("orders-0 isr now [1,2]: removed [3] (lagging)")
            < pos("  9000 ms  EXPECT     partition orders-0: leader 1; isr [1,2]")
    );

    // --trace --json: narration and expectations are JSON lines too.
    let lines: Vec<serde_json::Value> = stdout(&run(&[
        "run",
        lesson("replication-and-isr").to_str().unwrap(),
        "--trace",
        "--json",
    ]))
    .lines()
    .map(|l| serde_json::from_str(l).unwrap())
    .collect();
    assert!(
        lines
            .iter()
            .any(|v| v["narration"]["narration"]["action"] == "question")
    );
    assert!(lines.iter().any(|v| v["answer"]["choice"] == 1));
    assert_eq!(
        lines
            .iter()
            .filter(|v| v["expectation"]["result"]["holds"] == true)
            .count(),
        15
    );
}

#[test]
fn validate_describes_a_lesson_and_rejects_broken_narration_and_expectations() {
    let o = run(&["validate", lesson("acks-and-min-isr").to_str().unwrap()]);
    assert!(
        stdout(&o).ends_with(": valid lesson 'acks and min.insync.replicas: when Kafka refuses a write': 3 broker(s), 1 topic(s), 26 step(s) (4 narration, 1 question(s), 11 expectation(s)), runs until 24000 ms\n"),
        "{}",
        stdout(&o)
    );
    let doc = |steps: &str| {
        format!(
            "{{\"lesson\": {{\"title\": \"t\"}}, \"cluster\": {{\"brokers\": 3}},\n \"topics\": [{{\"name\": \"orders\", \"partitions\": 3, \"replication_factor\": 3}}],\n \"steps\": [\n  {steps}\n ]}}"
        )
    };
    let cases = [
        (
            r#"{"at": 0, "action": "question", "text": "q?", "choices": ["a", "b"], "answer": 2}"#,
            "steps[0].answer: 2 is not a choice: the answer is the index of the right choice, 0 to 1 at line 4 column 82",
        ),
        (
            r#"{"at": 0, "action": "question", "text": "q?", "choices": ["a"], "answer": 0}"#,
            "steps[0].choices: a question needs at least 2 choices, got 1 at line 4 column 60",
        ),
        (
            r#"{"at": 0, "action": "narrate", "txt": "x"}"#,
            "steps[0].txt: unknown field `txt`, expected `text` (did you mean `text`?) at line 4 column 41",
        ),
        (
            r#"{"at": 0, "action": "expect", "check": "leader", "partition": "orders-0", "leader": 1}"#,
            "steps[0].check: unknown variant `leader`, expected one of `partition`, `replica`, `records`, `lost_records`, `cluster`, `broker`, `controller`, `group` at line 4 column 42",
        ),
        (
            r#"{"at": 0, "action": "expect", "check": "partition", "partition": "orders-0"}"#,
            "steps[0].check: check `partition` names nothing to check: give at least one property at line 4 column 42",
        ),
        (
            r#"{"at": 0, "action": "expect", "check": "partition", "partition": "orders-7", "leader": 1}"#,
            "steps[0].partition: orders-7: topic `orders` has 3 partition(s) at line 4 column 68",
        ),
        (
            r#"{"at": 0, "action": "expect", "check": "partition", "partition": "order-0", "leader": "broker-1"}"#,
            "steps[0].leader: \"broker-1\": expected a broker id, a list of broker ids, or \"none\" at line 4 column 89",
        ),
        (
            r#"{"at": 0, "action": "expect", "check": "partition", "partition": "orders-0", "isr": [1, 4]}"#,
            "steps[0].isr: the cluster has no broker 4 at line 4 column 87",
        ),
        (
            r#"{"at": 0, "action": "expect", "check": "records", "step": 0, "status": "lost"}"#,
            "steps[0].status: unknown variant `lost`, expected one of `acknowledged`, `acknowledged_then_lost`, `acknowledged_then_deleted`, `sent_without_ack`, `failed`, `pending` at line 4 column 74",
        ),
        (
            r#"{"at": 0, "action": "expect", "check": "records", "step": 0, "status": "failed"}"#,
            "steps[0].step: steps[0] is not before this step (steps[0]) at line 4 column 61",
        ),
        (
            r#"{"at": 0, "action": "expect", "check": "controller", "active": "controller-100"}"#,
            "steps[0].active: controller-100 is not a controller of this cluster: one of `controller-0` at line 4 column 66",
        ),
        (
            r#"{"at": 0, "action": "expect", "partition": "orders-0"}"#,
            "steps[0]: missing field `check` (action `expect`): one of `partition`, `replica`, `records`, `lost_records`, `cluster`, `broker`, `controller`, `group` at line 4 column 3",
        ),
        (
            r#"{"at": 0, "action": "expect", "check": "broker", "fenced": true}"#,
            "steps[0]: missing field `broker` (check `broker`) at line 4 column 3",
        ),
        (
            r#"{"at": 0, "action": "expect", "check": "group", "group": "g", "members": {"at_least": 3, "at_most": 2}}"#,
            "steps[0].members: at_least 3 is more than at_most 2 at line 4 column 76",
        ),
    ];
    for (i, (step, want)) in cases.iter().enumerate() {
        let err = broken(&format!("lesson-{i}"), &doc(step));
        assert_eq!(&err, want, "{step}");
    }
    let err = broken(
        "lesson-title",
        r#"{"lesson": {"title": "t", "goals": []}, "cluster": {"brokers": 1}}"#,
    );
    assert!(
        err.starts_with("lesson.goals: unknown field `goals`"),
        "{err}"
    );
}

#[test]
fn records_deleted_by_retention_are_not_called_lost() {
    // Broker 2 is down while retention deletes what it missed; it comes back, starts again
    // at the leader's log start, and rejoins the ISR.
    let p = temp_file(
        "retention",
        r#"{"seed": 1, "cluster": {"brokers": 3},
            "topics": [{"name": "t", "partitions": 1, "replication_factor": 3, "config": {"retention.ms": 2000}}],
            "steps": [{"at": 0, "action": "add_producer", "id": 0, "acks": "1"},
              {"at": 500, "action": "crash", "node": "broker-2"},
              {"at": 1000, "action": "produce", "producer": 0, "topic": "t", "key": "k", "value": "v", "count": 2},
              {"at": 15000, "action": "restart", "node": "broker-2"},
              {"at": 19000, "action": "expect", "check": "records", "step": 2, "status": "acknowledged_then_deleted"},
              {"at": 19000, "action": "expect", "check": "partition", "partition": "t-0", "isr": [3, 1, 2]}],
            "run_until": 20000}"#,
    );
    let out = stdout(&run(&["run", p.to_str().unwrap()]));
    let _ = std::fs::remove_file(&p);
    assert_eq!(
        out.matches("acknowledged, since deleted by retention\n")
            .count(),
        2,
        "{out}"
    );
    assert!(!out.contains("LOST"), "{out}");
    assert!(out.contains("Expectations: 2 of 2 hold"), "{out}");
}

#[test]
fn a_retried_record_keeps_its_place_with_one_request_in_flight() {
    // A's request is lost (the link to the leader is cut); B and C queue behind it. Kafka
    // puts a retried batch back at the front of its queue (RecordAccumulator.reenqueue), so
    // with max.in.flight.requests.per.connection=1 the order A, B, C holds.
    let p = temp_file(
        "retry-order",
        r#"{"seed": 1, "cluster": {"brokers": 3, "producer": {"max_in_flight_requests_per_connection": 1}},
            "topics": [{"name": "t", "partitions": 1, "replication_factor": 3}],
            "steps": [{"at": 0, "action": "add_producer", "id": 0, "acks": "1"},
              {"at": 500, "action": "produce", "producer": 0, "topic": "t", "key": "k", "value": "warmup"},
              {"at": 999, "action": "cut_link", "a": "producer-0", "b": "broker-3"},
              {"at": 1000, "action": "produce", "producer": 0, "topic": "t", "key": "k", "value": "A"},
              {"at": 1200, "action": "produce", "producer": 0, "topic": "t", "key": "k", "value": "B"},
              {"at": 1300, "action": "produce", "producer": 0, "topic": "t", "key": "k", "value": "C"},
              {"at": 1500, "action": "heal"},
              {"at": 11900, "action": "expect", "check": "records", "step": 3, "offsets": [1]},
              {"at": 11900, "action": "expect", "check": "records", "step": 4, "offsets": [2]},
              {"at": 11900, "action": "expect", "check": "records", "step": 5, "offsets": [3]}],
            "run_until": 12000}"#,
    );
    let out = stdout(&run(&["run", p.to_str().unwrap()]));
    let _ = std::fs::remove_file(&p);
    assert!(out.contains("Expectations: 3 of 3 hold"), "{out}");
}

#[test]
fn an_acks_0_producer_learns_of_a_new_leader_when_its_connection_is_closed() {
    // Broker 3 led t-0 and came back as a follower. The acks=0 records sent to it are lost
    // (NOT_LEADER_OR_FOLLOWER, and no response), but the broker closes the connection, the
    // producer asks for new metadata, and the next records reach the new leader. Before, it
    // kept sending to broker 3 forever.
    let p = temp_file(
        "acks0-stale",
        r#"{"seed": 1, "cluster": {"brokers": 3, "broker": {"auto_leader_rebalance_enable": false}},
            "topics": [{"name": "t", "partitions": 1, "replication_factor": 3}],
            "steps": [{"at": 0, "action": "add_producer", "id": 0, "acks": "0"},
              {"at": 1000, "action": "produce", "producer": 0, "topic": "t", "value": "a", "count": 2},
              {"at": 2000, "action": "crash", "node": "broker-3"},
              {"at": 8000, "action": "restart", "node": "broker-3"},
              {"at": 12000, "action": "produce", "producer": 0, "topic": "t", "value": "b", "count": 3},
              {"at": 13000, "action": "produce", "producer": 0, "topic": "t", "value": "c", "count": 3}],
            "run_until": 14000}"#,
    );
    let trace = stdout(&run(&["run", p.to_str().unwrap(), "--trace"]));
    let out = stdout(&run(&["run", p.to_str().unwrap()]));
    let _ = std::fs::remove_file(&p);
    assert!(
        trace.contains("broker-3 -> producer-0  ConnectionClosed after NOT_LEADER_OR_FOLLOWER"),
        "{trace}"
    );
    for v in ["b-0", "b-1", "b-2"] {
        assert!(
            out.contains(&format!(
                "{v}    t-0        -       sent (acks=0), not in the leader's log\n"
            )),
            "{v}: {out}"
        );
    }
    for v in ["c-0", "c-1", "c-2"] {
        assert!(
            out.contains(&format!(
                "{v}    t-0        -       sent (acks=0), in the leader's log\n"
            )),
            "{v}: {out}"
        );
    }
}

#[test]
fn a_consumer_detects_truncation_after_an_unclean_election_and_goes_back_to_the_divergence() {
    // The consumer read offsets 0..=5 from broker 2; broker 1, which had only 0..=2, becomes
    // leader uncleanly. KIP-320: the consumer asks the new leader where epoch 0 ends (3) and
    // seeks there, so it reads the new records from offset 3 on. Before, its fetch at 6 got
    // OFFSET_OUT_OF_RANGE and it reset to the earliest offset, reading 0..=2 again.
    let p = temp_file(
        "kip-320",
        r#"{"seed": 6, "cluster": {"brokers": 3, "broker": {"auto_leader_rebalance_enable": false}},
            "topics": [{"name": "ledger", "partitions": 1, "replication_factor": 2, "config": {"unclean.leader.election.enable": true}}],
            "steps": [{"at": 0, "action": "add_producer", "id": 0, "acks": "1"},
              {"at": 0, "action": "add_consumer", "id": 0, "group": "c", "topics": ["ledger"]},
              {"at": 1000, "action": "produce", "producer": 0, "topic": "ledger", "value": "replicated", "count": 3},
              {"at": 2000, "action": "crash", "node": "broker-1"},
              {"at": 3000, "action": "produce", "producer": 0, "topic": "ledger", "value": "leader-only", "count": 3},
              {"at": 9000, "action": "crash", "node": "broker-2"},
              {"at": 14000, "action": "restart", "node": "broker-1"},
              {"at": 16000, "action": "produce", "producer": 0, "topic": "ledger", "value": "new", "count": 4}],
            "run_until": 25000}"#,
    );
    let trace = stdout(&run(&["run", p.to_str().unwrap(), "--trace"]));
    let _ = std::fs::remove_file(&p);
    assert!(
        trace.contains(
            "broker-1 -> consumer-0  OffsetForLeaderEpochResponse ledger-0 epoch 0 ends at 3\n"
        ),
        "{trace}"
    );
    assert!(
        trace.contains("consumer-0 ledger-0: truncation detected at offset 6, resetting to the first offset known to diverge, 3\n"),
        "{trace}"
    );
    assert!(
        trace.contains("consumer-0 -> broker-1  Fetch ledger-0@3\n"),
        "{trace}"
    );
    // It never went back to the start of the log.
    assert_eq!(
        trace
            .matches("consumer-0 -> broker-1  Fetch ledger-0@0")
            .count()
            + trace
                .matches("consumer-0 -> broker-2  Fetch ledger-0@0")
                .count(),
        1,
        "{trace}"
    );
    assert!(
        trace.contains("consumer-0 consumed 4 record(s) from ledger-0 (offsets 3..=6)"),
        "{trace}"
    );
}

#[test]
fn a_record_lost_in_an_unclean_election_stays_lost_after_retention_passes_its_offset() {
    // leader-only-* were acknowledged by broker 2 alone, which never comes back; broker 1
    // leads uncleanly, writes new-* at the same offsets, and retention later deletes them.
    // Only the records the current leader itself deleted are "deleted by retention".
    let p = temp_file(
        "lost-then-retained",
        r#"{"seed": 6, "cluster": {"brokers": 3, "broker": {"auto_leader_rebalance_enable": false}},
            "topics": [{"name": "ledger", "partitions": 1, "replication_factor": 2, "config": {"unclean.leader.election.enable": true, "retention.ms": 4000}}],
            "steps": [{"at": 0, "action": "add_producer", "id": 0, "acks": "1"},
              {"at": 1000, "action": "produce", "producer": 0, "topic": "ledger", "value": "replicated", "count": 3},
              {"at": 2000, "action": "crash", "node": "broker-1"},
              {"at": 3000, "action": "produce", "producer": 0, "topic": "ledger", "value": "leader-only", "count": 3},
              {"at": 4000, "action": "crash", "node": "broker-2"},
              {"at": 9000, "action": "restart", "node": "broker-1"},
              {"at": 12000, "action": "produce", "producer": 0, "topic": "ledger", "value": "new", "count": 4},
              {"at": 29000, "action": "expect", "check": "lost_records", "count": 3}],
            "run_until": 30000}"#,
    );
    let out = stdout(&run(&["run", p.to_str().unwrap()]));
    let _ = std::fs::remove_file(&p);
    assert_eq!(
        out.matches("ACKNOWLEDGED THEN LOST (not in the leader's log)\n")
            .count(),
        3,
        "{out}"
    );
    assert_eq!(
        out.matches("acknowledged, since deleted by retention\n")
            .count(),
        7,
        "{out}"
    );
    assert!(out.contains("Expectations: 1 of 1 hold"), "{out}");
}

/// The times (ms) at which the trace shows producer-0 sending a Produce request to `tp`.
fn produce_times(trace: &str, tp: &str) -> Vec<u64> {
    trace
        .lines()
        .filter(|l| l.contains("producer-0 -> broker-") && l.contains(&format!("Produce {tp} ")))
        .map(|l| {
            l.split_whitespace()
                .next()
                .and_then(|t| t.parse().ok())
                .unwrap_or_else(|| panic!("no time in {l:?}"))
        })
        .collect()
}

#[test]
fn a_full_batch_is_sent_at_once_and_a_partial_one_once_it_has_lingered() {
    // linger.ms 1000, batch.size 40: a record takes 26 bytes here, so the second fills the
    // first batch, which goes at once (KafkaProducer wakes the sender); the second record,
    // alone in its batch, waits out its own linger.
    let trace = trace_of(
        "full-batch",
        r#"{"seed": 1, "cluster": {"brokers": 1, "producer": {"linger_ms": 1000, "batch_size": 40}},
            "topics": [{"name": "t", "partitions": 1, "replication_factor": 1}],
            "steps": [{"at": 500, "action": "add_producer", "id": 0, "acks": "1"},
              {"at": 1000, "action": "produce", "producer": 0, "topic": "t", "value": "aaaaaaaaaa"},
              {"at": 1100, "action": "produce", "producer": 0, "topic": "t", "value": "bbbbbbbbbb"}],
            "run_until": 3000}"#,
    );
    assert_eq!(produce_times(&trace, "t-0"), vec![1100, 2100], "{trace}");
}

#[test]
fn a_records_key_counts_towards_batch_size() {
    // batch.size 60, linger.ms 1000: a record with a 10-byte key and a 10-byte value takes
    // 36 bytes (key, value and overhead, as `DefaultRecord.sizeInBytes` counts both), so the
    // second does not fit beside the first and starts a batch of its own; the first, with a
    // batch behind it, goes at once. Counting only values (26 + 26 = 52) would have put both
    // in one batch sent after the linger, at 2000.
    let trace = trace_of(
        "key-bytes",
        r#"{"seed": 1, "cluster": {"brokers": 1, "producer": {"linger_ms": 1000, "batch_size": 60}},
            "topics": [{"name": "t", "partitions": 1, "replication_factor": 1}],
            "steps": [{"at": 500, "action": "add_producer", "id": 0, "acks": "1"},
              {"at": 1000, "action": "produce", "producer": 0, "topic": "t", "key": "kkkkkkkkkk", "value": "aaaaaaaaaa"},
              {"at": 1100, "action": "produce", "producer": 0, "topic": "t", "key": "kkkkkkkkkk", "value": "bbbbbbbbbb"}],
            "run_until": 3000}"#,
    );
    assert_eq!(produce_times(&trace, "t-0"), vec![1100, 2100], "{trace}");
}

#[test]
fn each_partition_waits_out_its_own_linger() {
    // Two partitions led by two brokers, linger.ms 100: the record for t-1, sent 50 ms after
    // the one for t-0, is not swept along when t-0's batch is ready (RecordAccumulator.ready
    // picks the leaders whose batches are ready).
    let trace = trace_of(
        "own-linger",
        r#"{"seed": 1, "cluster": {"brokers": 2, "producer": {"linger_ms": 100}},
            "topics": [{"name": "t", "partitions": 2, "replication_factor": 1}],
            "steps": [{"at": 500, "action": "add_producer", "id": 0, "acks": "1"},
              {"at": 1000, "action": "produce", "producer": 0, "topic": "t", "value": "a", "partition": 0},
              {"at": 1050, "action": "produce", "producer": 0, "topic": "t", "value": "b", "partition": 1}],
            "run_until": 2000}"#,
    );
    assert_eq!(produce_times(&trace, "t-0"), vec![1100], "{trace}");
    assert_eq!(produce_times(&trace, "t-1"), vec![1150], "{trace}");
}

#[test]
fn batches_queued_behind_a_full_one_go_at_once_up_to_the_in_flight_limit() {
    // Four records that fill a batch each (batch.size 40). With acks=0 every batch goes at
    // once; before, the second and later waited for a drain no one scheduled and were never
    // sent. With acks=1 and max.in.flight.requests.per.connection 3, three requests go at
    // once and the fourth when the first answer comes.
    for (acks, expected_at_once) in [("0", 4), ("1", 3)] {
        let trace = trace_of(
            &format!("queued-batches-{acks}"),
            &format!(
                r#"{{"seed": 1, "cluster": {{"brokers": 1, "producer": {{"batch_size": 40, "max_in_flight_requests_per_connection": 3}}}},
                "topics": [{{"name": "t", "partitions": 1, "replication_factor": 1}}],
                "steps": [{{"at": 500, "action": "add_producer", "id": 0, "acks": "{acks}"}},
                  {{"at": 1000, "action": "produce", "producer": 0, "topic": "t", "value": "aaaaaaaaaa", "count": 4}},
                  {{"at": 2000, "action": "expect", "check": "partition", "partition": "t-0", "log_end_offset": 4}}],
                "run_until": 2000}}"#
            ),
        );
        let times = produce_times(&trace, "t-0");
        assert_eq!(times.len(), 4, "acks={acks}: {trace}");
        let first = times[0];
        assert_eq!(
            times.iter().filter(|&&t| t == first).count(),
            expected_at_once,
            "acks={acks}: {times:?}"
        );
        assert!(
            trace.contains("log end offset 4 -> holds"),
            "acks={acks}: {trace}"
        );
    }
}

#[test]
fn a_request_timeout_drops_the_connection_and_fails_every_request_on_it() {
    // Broker 3 leads t-0 and crashes; two requests go to it 100 ms apart. When the first times
    // out, NetworkClient closes the connection: the second fails with it at once, and the
    // producer sends nothing to broker 3 again until fresh metadata names the new leader
    // (before, a retry whose backoff ended before the metadata answer went to the dead
    // broker and waited out another request timeout).
    let trace = trace_of(
        "timeout-disconnect",
        r#"{"seed": 1, "cluster": {"brokers": 3},
            "topics": [{"name": "t", "partitions": 1, "replication_factor": 3}],
            "steps": [{"at": 0, "action": "add_producer", "id": 0, "acks": "1"},
              {"at": 2000, "action": "crash", "node": "broker-3"},
              {"at": 2100, "action": "produce", "producer": 0, "topic": "t", "value": "a"},
              {"at": 2200, "action": "produce", "producer": 0, "topic": "t", "value": "b"},
              {"at": 9000, "action": "expect", "check": "records", "value": "a", "status": "acknowledged"},
              {"at": 9000, "action": "expect", "check": "records", "value": "b", "status": "acknowledged"}],
            "run_until": 9000}"#,
    );
    for record in [1, 2] {
        assert!(
            trace.contains(&format!(
                "  7100 ms  producer-0 record {record} to t-0: REQUEST_TIMED_OUT, retrying (attempt 1)"
            )),
            "record {record}: {trace}"
        );
    }
    let to_broker_3: Vec<&str> = trace
        .lines()
        .filter(|l| l.contains("producer-0 -> broker-3  Produce"))
        .collect();
    assert_eq!(to_broker_3.len(), 2, "{to_broker_3:?}");
    assert!(trace.contains("Expectations: 2 of 2 hold"), "{trace}");
}

#[test]
fn retries_back_off_exponentially_with_jitter() {
    // Two of three replicas down, min.insync.replicas 2: every attempt is refused with
    // NOT_ENOUGH_REPLICAS. The backoff before attempts 2, 3 and 4 is retry.backoff.ms (100)
    // doubled each time, times [0.8, 1.2) (KIP-580): in [80, 120), [160, 240), [320, 480).
    let trace = trace_of(
        "backoff",
        r#"{"seed": 2, "cluster": {"brokers": 3},
            "topics": [{"name": "payments", "partitions": 1, "replication_factor": 3, "config": {"min.insync.replicas": 2}}],
            "steps": [{"at": 0, "action": "add_producer", "id": 0, "acks": "all"},
              {"at": 1000, "action": "crash", "node": "broker-3"},
              {"at": 1000, "action": "crash", "node": "broker-1"},
              {"at": 7000, "action": "produce", "producer": 0, "topic": "payments", "value": "v"}],
            "run_until": 12000}"#,
    );
    let time = |l: &str| -> u64 { l.split_whitespace().next().unwrap().parse().unwrap() };
    let retried: Vec<u64> = trace
        .lines()
        .filter(|l| l.contains("NOT_ENOUGH_REPLICAS, retrying (attempt"))
        .map(time)
        .collect();
    let sends = produce_times(&trace, "payments-0");
    assert_eq!((retried.len(), sends.len()), (3, 4), "{trace}");
    for (i, (lo, hi)) in [(80, 120), (160, 240), (320, 480)].into_iter().enumerate() {
        let backoff = sends[i + 1] - retried[i];
        assert!(
            (lo..hi).contains(&backoff),
            "backoff {}: {backoff} ms not in [{lo}, {hi}): {trace}",
            i + 1
        );
    }
    assert!(trace.contains("FAILED: NOT_ENOUGH_REPLICAS"), "{trace}");
}

#[test]
fn a_retry_to_a_new_leader_does_not_wait_out_its_backoff() {
    // KIP-951: the producer sends to broker 3, which no longer leads t-0 (it came back as a
    // follower); NOT_LEADER_OR_FOLLOWER makes it ask for metadata, which names broker 2 with a
    // newer leader epoch, so the retry goes as soon as the answer comes, not 5 s
    // (retry.backoff.ms here) later.
    let trace = trace_of(
        "kip-951",
        r#"{"seed": 1, "cluster": {"brokers": 3, "broker": {"auto_leader_rebalance_enable": false},
              "producer": {"retry_backoff_ms": 5000, "retry_backoff_max_ms": 10000}},
            "topics": [{"name": "t", "partitions": 1, "replication_factor": 3}],
            "steps": [{"at": 0, "action": "add_producer", "id": 0, "acks": "1"},
              {"at": 1000, "action": "produce", "producer": 0, "topic": "t", "value": "a"},
              {"at": 2000, "action": "crash", "node": "broker-3"},
              {"at": 8000, "action": "restart", "node": "broker-3"},
              {"at": 12000, "action": "produce", "producer": 0, "topic": "t", "value": "b"},
              {"at": 13000, "action": "expect", "check": "records", "value": "b", "status": "acknowledged"}],
            "run_until": 13000}"#,
    );
    assert!(
        trace.contains("producer-0 record 2 to t-0: NOT_LEADER_OR_FOLLOWER, retrying (attempt 1)"),
        "{trace}"
    );
    let sends = produce_times(&trace, "t-0");
    assert!(sends.len() == 3 && sends[2] < 12_500, "{sends:?}: {trace}");
    assert!(trace.contains("Expectations: 1 of 1 hold"), "{trace}");
}

#[test]
fn a_committed_offset_carries_its_leader_epoch_and_is_validated_before_the_first_fetch() {
    // Consumer 0 reads offsets 0..=5 from broker 2 and commits 6 with leader epoch 0, then
    // leaves. Broker 1, which had only 0..=2, becomes leader uncleanly and takes new records
    // from offset 3. Consumer 1 takes the partition over from the committed offset: KIP-320
    // checks it with the new leader (epoch 0 ends at 3) and starts at 3. Before, a committed
    // offset had no epoch: consumer 1 fetched at 6 and read on past the three records it
    // would now skip.
    let trace = trace_of(
        "kip-320-committed",
        r#"{"seed": 6, "cluster": {"brokers": 3, "broker": {"auto_leader_rebalance_enable": false}},
            "topics": [{"name": "ledger", "partitions": 1, "replication_factor": 2, "config": {"unclean.leader.election.enable": true}}],
            "steps": [{"at": 0, "action": "add_producer", "id": 0, "acks": "1"},
              {"at": 0, "action": "add_consumer", "id": 0, "group": "c", "topics": ["ledger"]},
              {"at": 1000, "action": "produce", "producer": 0, "topic": "ledger", "value": "replicated", "count": 3},
              {"at": 2000, "action": "crash", "node": "broker-1"},
              {"at": 3000, "action": "produce", "producer": 0, "topic": "ledger", "value": "leader-only", "count": 3},
              {"at": 7000, "action": "stop_consumer", "id": 0},
              {"at": 9000, "action": "crash", "node": "broker-2"},
              {"at": 14000, "action": "restart", "node": "broker-1"},
              {"at": 16000, "action": "produce", "producer": 0, "topic": "ledger", "value": "new", "count": 4},
              {"at": 18000, "action": "add_consumer", "id": 1, "group": "c", "topics": ["ledger"]}],
            "run_until": 30000}"#,
    );
    for line in [
        "consumer-0 -> broker-3  OffsetCommit ledger-0=6 (epoch 0)\n",
        "broker-3 -> consumer-1  OffsetFetchResponse ledger-0=6 (epoch 0)\n",
        "consumer-1 -> broker-1  OffsetForLeaderEpoch ledger-0 epoch 0\n",
        "consumer-1 ledger-0: truncation detected at offset 6, resetting to the first offset known to diverge, 3\n",
        "consumer-1 -> broker-1  Fetch ledger-0@3\n",
        "consumer-1 consumed 4 record(s) from ledger-0 (offsets 3..=6)",
    ] {
        assert!(trace.contains(line), "{line}: {trace}");
    }
    assert!(
        !trace.contains("consumer-1 -> broker-1  Fetch ledger-0@6\n"),
        "{trace}"
    );
}

#[test]
fn a_retried_batch_goes_alone_and_records_behind_it_keep_their_own_batch() {
    // Every attempt is refused (NOT_ENOUGH_REPLICAS), one request at a time. Record B is
    // queued while A's batch is in flight; A's batch comes back to the front of the queue and
    // is retried as it was (Kafka never adds records to a batch it has sent), and B goes in
    // a batch of its own after A's last attempt. Before, A's retries took B along.
    let trace = trace_of(
        "fixed-batches",
        r#"{"seed": 2, "cluster": {"brokers": 3, "producer": {"max_in_flight_requests_per_connection": 1}},
            "topics": [{"name": "payments", "partitions": 1, "replication_factor": 3, "config": {"min.insync.replicas": 2}}],
            "steps": [{"at": 0, "action": "add_producer", "id": 0, "acks": "all"},
              {"at": 1000, "action": "crash", "node": "broker-3"},
              {"at": 1000, "action": "crash", "node": "broker-1"},
              {"at": 7000, "action": "produce", "producer": 0, "topic": "payments", "value": "A"},
              {"at": 7100, "action": "produce", "producer": 0, "topic": "payments", "value": "B"}],
            "run_until": 12000}"#,
    );
    let requests: Vec<&str> = trace
        .lines()
        .filter(|l| l.contains("producer-0 -> broker-2  Produce payments-0"))
        .collect();
    assert_eq!(requests.len(), 8, "4 attempts each: {trace}");
    assert!(requests.iter().all(|l| l.contains(" x1 ")), "{requests:?}");
    let time = |needle: &str| -> u64 {
        let l = trace
            .lines()
            .find(|l| l.contains(needle))
            .unwrap_or_else(|| panic!("{needle}: {trace}"));
        l.split_whitespace().next().unwrap().parse().unwrap()
    };
    let a_failed = time("producer-0 record 1 to payments-0 FAILED");
    assert!(
        produce_times(&trace, "payments-0")[4] >= a_failed,
        "{trace}"
    );
}
