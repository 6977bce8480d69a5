//! `kafkascope`: run Kafkascope scenario files and print what Kafka's admin tools would show.
//!
//! Exit codes: 0 when the scenario ran (even if Kafka rejected some of its commands: those
//! are printed), 2 when the file cannot be read or is not a valid scenario (and for bad
//! command-line arguments), 1 when writing the output failed.

mod compare;

use clap::{Parser, Subcommand};
use kafkascope_core::describe::{
    self, BrokerStatus, GroupDescription, RecordResult, TopicDescription,
};
use kafkascope_core::scenario::{Scenario, ScenarioRun, StepOutcome};
use kafkascope_core::{Event, Millis};
use serde::Serialize;
use std::io::{self, BufWriter, Read, Write};
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "kafkascope",
    version,
    about = "Run Kafkascope scenarios: a simulated Apache Kafka cluster, deterministic for a seed",
    after_help = "The scenario format is described in docs/scenario-format.md."
)]
struct Cli {
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Run a scenario and print the cluster as Kafka's tools would show it
    ///
    /// Prints the commands Kafka rejected, the brokers, the topics (as kafka-topics.sh
    /// --describe, plus the leader's log end offset and high watermark), every produced
    /// record's fate and the consumer groups (as kafka-consumer-groups.sh --describe).
    Run {
        /// Scenario file (JSON), or - for standard input.
        scenario: String,
        /// Print the summary as one JSON document (with --trace: every line is JSON).
        #[arg(long)]
        json: bool,
        /// Print every event, one line each, before the summary.
        #[arg(long)]
        trace: bool,
        /// Also describe internal topics (__consumer_offsets).
        #[arg(long)]
        include_internal: bool,
    },
    /// Check a scenario file without running it
    Validate {
        /// Scenario file (JSON), or - for standard input.
        scenario: String,
    },
    /// Measure broker-failure detection and controller failover in ZooKeeper and KRaft mode
    ///
    /// Runs a 3-broker cluster with Kafka's default timeouts and one topic of each size, crashes
    /// a broker (time until it is fenced and its partitions have new leaders), then, on a fresh
    /// cluster, crashes the active controller (time until another controller is active).
    CompareCoordinators {
        /// Partition counts to measure, comma separated.
        #[arg(long, value_delimiter = ',', default_value = "10,1000,10000")]
        partitions: Vec<i32>,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// One JSON object per line instead of a table.
        #[arg(long)]
        json: bool,
    },
}

/// Exit code for an unreadable or invalid scenario.
const INVALID: u8 = 2;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let path = match &cli.command {
        Cmd::Run { scenario, .. } | Cmd::Validate { scenario } => scenario.as_str(),
        Cmd::CompareCoordinators {
            partitions,
            seed,
            json,
        } => {
            if let Some(bad) = partitions.iter().find(|&&n| !(1..=10_000).contains(&n)) {
                eprintln!("error: --partitions: {bad} is not in 1..=10000");
                return ExitCode::from(INVALID);
            }
            let mut out = BufWriter::new(io::stdout().lock());
            return match compare::run(&mut out, partitions, *seed, *json) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("error: {e}");
                    ExitCode::FAILURE
                }
            };
        }
    };
    let name = if path == "-" { "<stdin>" } else { path };
    let scenario = match load(path) {
        Ok(text) => match Scenario::parse(&text) {
            Ok(s) => s,
            Err(e) => {
                let place = if e.path.is_empty() {
                    String::new()
                } else {
                    format!("{}: ", e.path)
                };
                eprintln!("error: {name}: {place}{}", e.problem());
                return ExitCode::from(INVALID);
            }
        },
        Err(e) => {
            eprintln!("error: {name}: cannot read: {e}");
            return ExitCode::from(INVALID);
        }
    };
    let result = match &cli.command {
        Cmd::Validate { .. } => validate(name, &scenario),
        Cmd::Run {
            json,
            trace,
            include_internal,
            ..
        } => match scenario.run() {
            Ok(run) => {
                let opts = Options {
                    json: *json,
                    trace: *trace,
                    include_internal: *include_internal,
                };
                print_run(&scenario, &run, &opts)
            }
            Err(e) => {
                eprintln!("error: {name}: {e}");
                return ExitCode::from(INVALID);
            }
        },
        Cmd::CompareCoordinators { .. } => unreachable!("handled before loading a scenario"),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        // `kafkascope run x.json | head` is not a failure.
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: writing the output: {e}");
            ExitCode::from(1)
        }
    }
}

fn load(path: &str) -> io::Result<String> {
    if path == "-" {
        let mut s = String::new();
        io::stdin().read_to_string(&mut s)?;
        Ok(s)
    } else {
        std::fs::read_to_string(path)
    }
}

fn validate(name: &str, s: &Scenario) -> io::Result<()> {
    let mut out = io::stdout().lock();
    writeln!(
        out,
        "{name}: valid{}: {} broker(s), {} topic(s), {} step(s), runs until {} ms",
        s.name
            .as_deref()
            .map_or(String::new(), |n| format!(" scenario '{n}'")),
        s.cluster.brokers.len(),
        s.topics.len(),
        s.steps.len(),
        s.end_time()
    )
}

struct Options {
    json: bool,
    trace: bool,
    include_internal: bool,
}

/// The `--json` document.
#[derive(Serialize)]
struct Summary<'a> {
    name: Option<&'a str>,
    description: Option<&'a str>,
    seed: u64,
    profile: kafkascope_core::Profile,
    end_time_ms: Millis,
    /// Every topic creation and step, with its result or Kafka's error.
    step_outcomes: &'a [StepOutcome],
    control_plane: kafkascope_core::snapshot::ControllerSnapshot,
    brokers: Vec<BrokerStatus>,
    topics: Vec<TopicDescription>,
    records: Vec<RecordResult>,
    consumer_groups: Vec<GroupDescription>,
}

fn failure_line(o: &StepOutcome) -> String {
    let e = o.error.as_ref().map_or(String::new(), |e| e.to_string());
    format!("{} at {} ms ({}): {e}", o.source, o.at, o.action)
}

fn step_line(o: &StepOutcome) -> String {
    let result = match &o.error {
        Some(e) => format!("REJECTED {e}"),
        None => "ok".to_string(),
    };
    format!(
        "{:>6} ms  {}: {} -> {result}",
        o.at,
        o.source,
        describe::command_summary(&o.command)
    )
}

fn print_run(s: &Scenario, run: &ScenarioRun, opts: &Options) -> io::Result<()> {
    let mut out = BufWriter::new(io::stdout().lock());
    if opts.trace {
        print_trace(&mut out, run, opts.json)?;
    }
    let summary = Summary {
        name: s.name.as_deref(),
        description: s.description.as_deref(),
        seed: s.seed,
        profile: s.cluster.profile,
        end_time_ms: run.end_time,
        step_outcomes: &run.outcomes,
        control_plane: run.sim.snapshot().controller,
        brokers: describe::broker_statuses(&run.sim),
        topics: describe::describe_topics(&run.sim, opts.include_internal),
        records: describe::record_results(&run.sim, &run.outcomes, &run.events),
        consumer_groups: describe::describe_groups(&run.sim),
    };
    if opts.json {
        let text = if opts.trace {
            serde_json::to_string(&summary)
        } else {
            serde_json::to_string_pretty(&summary)
        }
        .map_err(io::Error::other)?;
        writeln!(out, "{text}")?;
        return out.flush();
    }
    if let Some(n) = &s.name {
        writeln!(out, "Scenario: {n}")?;
    }
    if let Some(d) = &s.description {
        writeln!(out, "{d}")?;
    }
    writeln!(
        out,
        "Ran {} ms of simulated time: {} broker(s), {} profile, seed {}.",
        run.end_time,
        s.cluster.brokers.len(),
        serde_json::to_value(s.cluster.profile)
            .ok()
            .and_then(|v| v.as_str().map(String::from))
            .unwrap_or_default(),
        s.seed
    )?;
    let failures: Vec<_> = run.failures().collect();
    if failures.is_empty() {
        writeln!(out, "\nEvery command was accepted.")?;
    } else {
        writeln!(out, "\nRejected commands ({}):", failures.len())?;
        for o in failures {
            writeln!(out, "  {}", failure_line(o))?;
        }
    }
    writeln!(
        out,
        "\n{}",
        describe::control_plane_text(&summary.control_plane).trim_end()
    )?;
    writeln!(
        out,
        "\n{}",
        describe::brokers_text(&summary.brokers).trim_end()
    )?;
    writeln!(out, "\nTopics (kafka-topics.sh --describe):")?;
    if summary.topics.is_empty() {
        writeln!(out, "(no topics)")?;
    } else {
        write!(out, "{}", describe::topics_text(&summary.topics))?;
    }
    writeln!(out, "\nProduced records:")?;
    if summary.records.is_empty() {
        writeln!(out, "(none)")?;
    } else {
        write!(out, "{}", describe::records_text(&summary.records))?;
    }
    writeln!(
        out,
        "\nConsumer groups (kafka-consumer-groups.sh --describe --all-groups):"
    )?;
    if summary.consumer_groups.is_empty() {
        writeln!(out, "(no consumer groups)")?;
    } else {
        write!(out, "{}", describe::groups_text(&summary.consumer_groups))?;
    }
    out.flush()
}

/// Events one per line, with each step shown where it was applied.
fn print_trace(out: &mut impl Write, run: &ScenarioRun, json: bool) -> io::Result<()> {
    let mut steps = run.outcomes.iter().peekable();
    let mut emit_steps_until = |out: &mut dyn Write, index: usize| -> io::Result<()> {
        while let Some(o) = steps.next_if(|o| o.event_index <= index) {
            if json {
                let line = serde_json::json!({ "step": o });
                writeln!(out, "{line}")?;
            } else {
                writeln!(out, "{}", step_line(o))?;
            }
        }
        Ok(())
    };
    if !json {
        writeln!(out, "Trace:")?;
    }
    for (i, e) in run.events.iter().enumerate() {
        emit_steps_until(out, i)?;
        write_event(out, e, json)?;
    }
    emit_steps_until(out, usize::MAX)?;
    if !json {
        writeln!(out)?;
    }
    Ok(())
}

fn write_event(out: &mut dyn Write, e: &Event, json: bool) -> io::Result<()> {
    if json {
        let line = serde_json::to_string(e).map_err(io::Error::other)?;
        writeln!(out, "{line}")
    } else {
        writeln!(out, "{}", describe::event_line(e))
    }
}
