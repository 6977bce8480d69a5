//! `kafkascope compare-coordinators`: broker-failure detection and controller failover in
//! ZooKeeper mode and KRaft mode, measured by running the model with Kafka's default timeouts.

use kafkascope_core::CoordinatorMode;
use kafkascope_core::failover::{
    BrokerFailure, ControllerFailover, measure_broker_failure, measure_controller_failover,
    warmed_up_cluster,
};
use serde::Serialize;
use std::io::Write;
use std::time::Instant;

/// One row of the comparison.
#[derive(Debug, Serialize)]
pub struct Row {
    pub mode: &'static str,
    pub partitions: i32,
    pub broker_failure_detected_ms: Option<u64>,
    pub broker_failure_leaders_moved_ms: Option<u64>,
    pub partitions_led_by_failed_broker: usize,
    pub controller_failover_ms: Option<u64>,
    pub new_controller: Option<String>,
    /// Wall-clock time this row took to simulate.
    pub wall_ms: u128,
}

fn mode_name(m: CoordinatorMode) -> &'static str {
    match m {
        CoordinatorMode::Builtin => "builtin",
        CoordinatorMode::Zookeeper => "zookeeper",
        CoordinatorMode::Kraft => "kraft",
    }
}

/// Measures one mode at one size: two fresh clusters, one per fault.
pub fn measure(mode: CoordinatorMode, partitions: i32, seed: u64) -> Result<Row, String> {
    let start = Instant::now();
    let mut sim = warmed_up_cluster(mode, partitions, seed)?;
    let BrokerFailure {
        detected_ms,
        leaders_moved_ms,
        partitions_led,
        ..
    } = measure_broker_failure(&mut sim)?;
    let mut sim = warmed_up_cluster(mode, partitions, seed)?;
    let ControllerFailover {
        new_controller_ms,
        new_controller,
        ..
    } = measure_controller_failover(&mut sim)?;
    Ok(Row {
        mode: mode_name(mode),
        partitions,
        broker_failure_detected_ms: detected_ms,
        broker_failure_leaders_moved_ms: leaders_moved_ms,
        partitions_led_by_failed_broker: partitions_led,
        controller_failover_ms: new_controller_ms,
        new_controller: new_controller.map(|n| n.to_string()),
        wall_ms: start.elapsed().as_millis(),
    })
}

fn secs(ms: Option<u64>) -> String {
    ms.map_or("never (gave up)".to_owned(), |ms| {
        format!("{}.{:03} s", ms / 1000, ms % 1000)
    })
}

/// Runs every mode at every size and prints a table (or JSON lines).
pub fn run(out: &mut impl Write, sizes: &[i32], seed: u64, json: bool) -> Result<(), String> {
    if !json {
        writeln!(
            out,
            "3 brokers, one topic with replication factor 3, Kafka's default timeouts \
             (zookeeper.session.timeout.ms=18000, broker.session.timeout.ms=9000, \
             controller.quorum.fetch.timeout.ms=2000), seed {seed}.\n"
        )
        .map_err(|e| e.to_string())?;
        writeln!(
            out,
            "{:<10} {:>10}  {:>18}  {:>18}  {:>20}  {:>8}",
            "mode",
            "partitions",
            "broker fenced",
            "its leaders moved",
            "controller failover",
            "wall"
        )
        .map_err(|e| e.to_string())?;
    }
    for &mode in &[CoordinatorMode::Zookeeper, CoordinatorMode::Kraft] {
        for &n in sizes {
            let row = measure(mode, n, seed)?;
            if json {
                let line = serde_json::to_string(&row).map_err(|e| e.to_string())?;
                writeln!(out, "{line}").map_err(|e| e.to_string())?;
            } else {
                writeln!(
                    out,
                    "{:<10} {:>10}  {:>18}  {:>18}  {:>20}  {:>6} ms",
                    row.mode,
                    row.partitions,
                    secs(row.broker_failure_detected_ms),
                    secs(row.broker_failure_leaders_moved_ms),
                    secs(row.controller_failover_ms),
                    row.wall_ms
                )
                .map_err(|e| e.to_string())?;
            }
            out.flush().map_err(|e| e.to_string())?;
        }
    }
    Ok(())
}
