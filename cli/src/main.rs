//! `kafkascope`: run Kafkascope scenario files and print what Kafka's admin tools would show.
//!
//! Exit codes: 0 when the scenario ran (even if Kafka rejected some of its commands: those
//! are printed) and every `expect` step held, 1 when an expectation did not hold (or writing
//! the output failed; for `soak`, when a seed broke an invariant), 2 when the file cannot be
//! read or is not a valid scenario (and for bad command-line arguments).

mod compare;
mod soak;

use clap::{Parser, Subcommand};
use kafkascope_core::describe::{
    self, BrokerStatus, GroupDescription, RecordResult, TopicDescription,
};
use kafkascope_core::election::PreferredElection;
use kafkascope_core::scenario::{
    ExpectationOutcome, Lesson, Narration, NarrationOutcome, Scenario, ScenarioRun, StepKind,
    StepOutcome,
};
use kafkascope_core::{CommandOutcome, Event, Millis, TopicPartition};
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
    /// Run a scenario or a lesson and print the cluster as Kafka's tools would show it
    ///
    /// Prints the lesson's timeline (narration, questions, commands, expectations) if there
    /// is one, the commands Kafka rejected, the brokers, the topics (as kafka-topics.sh
    /// --describe, plus the leader's log end offset and high watermark), every produced
    /// record's fate, the consumer groups (as kafka-consumer-groups.sh --describe), and
    /// whether every expectation held (exit code 1 when one did not).
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
    /// Check a scenario or lesson file without running it
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
    /// Run many seeds of random traffic and faults, checking every invariant after every step
    ///
    /// Each seed builds a 3-broker cluster (acks=all, RF 3, min.insync.replicas=2, clean
    /// election), injects 40 s of traffic, broker and controller crashes, restarts, isolations
    /// and cut links, heals, and checks recovery. Prints seeds run, events checked,
    /// acknowledged records tracked and violations per mode; exit code 1 when any seed broke an
    /// invariant (each is printed with the command that prints its trace).
    Soak {
        /// Seeds per coordinator mode.
        #[arg(long, default_value_t = 100_000)]
        seeds: u64,
        /// First seed.
        #[arg(long, default_value_t = 0)]
        from: u64,
        /// Coordinator mode(s) to run.
        #[arg(long, value_enum, default_value_t = SoakMode::All)]
        mode: SoakMode,
        /// Worker threads (default: the number of cores).
        #[arg(long)]
        threads: Option<usize>,
        /// Also run this many seeds per mode with unsafe settings (min.insync.replicas=1,
        /// unclean election) and count those caught losing acknowledged records.
        #[arg(long, default_value_t = 300)]
        unsafe_seeds: u64,
        /// One JSON object per mode instead of a table.
        #[arg(long)]
        json: bool,
    },
}

/// `--mode` of `soak`.
#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum SoakMode {
    Zookeeper,
    Kraft,
    Builtin,
    /// ZooKeeper, KRaft, then the built-in controller.
    All,
}

impl SoakMode {
    fn modes(self) -> Vec<kafkascope_core::CoordinatorMode> {
        use kafkascope_core::CoordinatorMode as M;
        match self {
            SoakMode::Zookeeper => vec![M::Zookeeper],
            SoakMode::Kraft => vec![M::Kraft],
            SoakMode::Builtin => vec![M::Builtin],
            SoakMode::All => vec![M::Zookeeper, M::Kraft, M::Builtin],
        }
    }
}

/// Exit code for an unreadable or invalid scenario.
const INVALID: u8 = 2;

/// Exit code when an `expect` step did not hold.
const EXPECTATION_FAILED: u8 = 1;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let path = match &cli.command {
        Cmd::Run { scenario, .. } | Cmd::Validate { scenario } => scenario.as_str(),
        Cmd::Soak {
            seeds,
            from,
            mode,
            threads,
            unsafe_seeds,
            json,
        } => {
            if from.checked_add(*seeds).is_none() || from.checked_add(*unsafe_seeds).is_none() {
                eprintln!("error: --from {from} plus the seed count is past the last seed");
                return ExitCode::from(INVALID);
            }
            let threads = threads
                .or_else(|| std::thread::available_parallelism().ok().map(|n| n.get()))
                .unwrap_or(1);
            if threads == 0 {
                eprintln!("error: --threads: at least 1");
                return ExitCode::from(INVALID);
            }
            let opts = soak::Options {
                modes: mode.modes(),
                seeds: *seeds,
                from: *from,
                threads,
                unsafe_seeds: *unsafe_seeds,
                json: *json,
            };
            let mut out = io::stdout().lock();
            return match soak::run(&mut out, &opts) {
                Ok(true) => ExitCode::SUCCESS,
                Ok(false) => ExitCode::FAILURE,
                Err(e) if e.kind() == io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("error: writing the output: {e}");
                    ExitCode::FAILURE
                }
            };
        }
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
                let printed = print_run(&scenario, &run, &opts);
                let failed: Vec<_> = run.failed_expectations().collect();
                if printed.is_ok() && !failed.is_empty() {
                    for e in &failed {
                        eprintln!(
                            "error: {name}: steps[{}] at {} ms: expectation failed: {}",
                            e.step,
                            e.at,
                            e.result.text()
                        );
                    }
                    return ExitCode::from(EXPECTATION_FAILED);
                }
                printed
            }
            Err(e) => {
                eprintln!("error: {name}: {e}");
                return ExitCode::from(INVALID);
            }
        },
        Cmd::CompareCoordinators { .. } | Cmd::Soak { .. } => {
            unreachable!("handled before loading a scenario")
        }
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
    let what = match (&s.lesson, &s.name) {
        (Some(l), _) => format!(" lesson '{}'", l.title),
        (None, Some(n)) => format!(" scenario '{n}'"),
        (None, None) => String::new(),
    };
    let count = |f: &dyn Fn(&StepKind) -> bool| s.steps.iter().filter(|st| f(&st.kind)).count();
    let narration = count(&|k| {
        matches!(
            k,
            StepKind::Narration(Narration::Narrate { .. } | Narration::Pause { .. })
        )
    });
    let questions = count(&|k| matches!(k, StepKind::Narration(Narration::Question { .. })));
    let expectations = count(&|k| matches!(k, StepKind::Expect(_)));
    let detail = if narration + questions + expectations > 0 {
        format!(" ({narration} narration, {questions} question(s), {expectations} expectation(s))")
    } else {
        String::new()
    };
    writeln!(
        out,
        "{name}: valid{what}: {} broker(s), {} topic(s), {} step(s){detail}, runs until {} ms",
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
    #[serde(skip_serializing_if = "Option::is_none")]
    lesson: Option<&'a Lesson>,
    /// Narration steps, in time order.
    narration: &'a [NarrationOutcome],
    /// Every `expect` step with what the simulation showed at its time.
    expectations: &'a [ExpectationOutcome],
    /// How many expectations held, of how many.
    expectations_held: usize,
    expectations_total: usize,
}

fn failure_line(o: &StepOutcome) -> String {
    let e = o.error.as_ref().map_or(String::new(), |e| e.to_string());
    format!("{} at {} ms ({}): {e}", o.source, o.at, o.action)
}

fn step_line(o: &StepOutcome) -> String {
    let result = match (&o.error, &o.outcome) {
        (Some(e), _) => format!("REJECTED {e}"),
        (None, Some(CommandOutcome::LeadersElected(r))) => preferred_election_line(r),
        (None, _) => "ok".to_string(),
    };
    format!(
        "{:>6} ms  {}: {} -> {result}",
        o.at,
        o.source,
        describe::command_summary(&o.command)
    )
}

/// A preferred election's results per partition, in `kafka-leader-election`'s words.
fn preferred_election_line(r: &PreferredElection) -> String {
    let join = |tps: &[TopicPartition]| {
        let names: Vec<String> = tps.iter().map(ToString::to_string).collect();
        names.join(", ")
    };
    let mut parts = Vec::new();
    if !r.elected.is_empty() {
        parts.push(format!(
            "Successfully completed leader election (PREFERRED) for partitions {}",
            join(&r.elected)
        ));
    }
    if !r.not_needed.is_empty() {
        parts.push(format!(
            "Valid replica already elected for partitions {}",
            join(&r.not_needed)
        ));
    }
    for tp in &r.not_available {
        parts.push(format!(
            "Error completing leader election (PREFERRED) for partition: {tp}: \
             PREFERRED_LEADER_NOT_AVAILABLE: The preferred leader was not available."
        ));
    }
    if parts.is_empty() {
        // Asked for every partition, the quorum controller leaves out those whose preferred
        // replica leads already, and the tool prints nothing.
        return "ok, every preferred replica leads already".to_owned();
    }
    format!("ok: {}", parts.join("; "))
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
        lesson: s.lesson.as_ref(),
        narration: &run.narration,
        expectations: &run.expectations,
        expectations_held: run.expectations.iter().filter(|e| e.holds()).count(),
        expectations_total: run.expectations.len(),
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
    if let Some(l) = &s.lesson {
        writeln!(out, "Lesson: {}", l.title)?;
        if !l.objectives.is_empty() {
            writeln!(out, "You will see:")?;
            for o in &l.objectives {
                write!(out, "{}", wrap(o, "  - ", "    "))?;
            }
        }
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
    if !opts.trace && (!run.narration.is_empty() || !run.expectations.is_empty()) {
        writeln!(out, "\nTimeline:")?;
        let mut timeline = Timeline::new(run);
        for item in timeline.items.clone() {
            timeline.write(&mut out, item)?;
        }
        timeline.finish(&mut out)?;
    }
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
    if let Some(text) = s.lesson.as_ref().and_then(|l| l.summary.as_ref()) {
        writeln!(out, "\nWhat to remember:")?;
        write!(out, "{}", wrap(text, "  ", "  "))?;
    }
    write_expectations(&mut out, run)?;
    out.flush()
}

/// `Expectations: 4 of 5 hold`, then each one that failed with what was expected and found.
fn write_expectations(out: &mut impl Write, run: &ScenarioRun) -> io::Result<()> {
    if run.expectations.is_empty() {
        return Ok(());
    }
    let held = run.expectations.iter().filter(|e| e.holds()).count();
    writeln!(
        out,
        "\nExpectations: {held} of {} hold",
        run.expectations.len()
    )?;
    for e in run.failed_expectations() {
        writeln!(
            out,
            "  FAILED steps[{}] at {} ms: {}",
            e.step,
            e.at,
            e.result.text()
        )?;
    }
    Ok(())
}

/// Words of `text` in lines of at most [`WIDTH`] columns, the first line after `first`,
/// the others after `rest`.
fn wrap(text: &str, first: &str, rest: &str) -> String {
    let mut out = String::new();
    let mut line = first.to_string();
    let mut empty = true;
    for word in text.split_whitespace() {
        if !empty && line.chars().count() + 1 + word.chars().count() > WIDTH {
            out.push_str(&line);
            out.push('\n');
            line = rest.to_string();
            empty = true;
        }
        if !empty {
            line.push(' ');
        }
        line.push_str(word);
        empty = false;
    }
    out.push_str(&line);
    out.push('\n');
    out
}

/// Width of wrapped narration.
const WIDTH: usize = 100;

/// One line of the timeline: a command, a narration step or an expectation.
#[derive(Clone, Copy)]
enum Item<'a> {
    Command(&'a StepOutcome),
    Narration(&'a NarrationOutcome),
    Expect(&'a ExpectationOutcome),
}

impl Item<'_> {
    fn event_index(&self) -> usize {
        match self {
            Item::Command(o) => o.event_index,
            Item::Narration(n) => n.event_index,
            Item::Expect(e) => e.event_index,
        }
    }
}

/// The run's steps in order (topics, then every step as written), printed one after the
/// other; a question's answer is printed just before the next narration, or at the end:
/// what happens in between reveals it.
struct Timeline<'a> {
    items: Vec<Item<'a>>,
    pending_answer: Option<&'a NarrationOutcome>,
    json: bool,
}

/// Indent of narration text, after the time and the label.
const LABEL_INDENT: &str = "                      ";

impl<'a> Timeline<'a> {
    fn new(run: &'a ScenarioRun) -> Self {
        use kafkascope_core::scenario::StepSource;
        let mut keyed: Vec<((usize, usize), Item<'a>)> = Vec::new();
        for o in &run.outcomes {
            let key = match o.source {
                StepSource::Topic(i) => (0, i),
                StepSource::Step(i) => (1, i),
            };
            keyed.push((key, Item::Command(o)));
        }
        keyed.extend(
            run.narration
                .iter()
                .map(|n| ((1, n.step), Item::Narration(n))),
        );
        keyed.extend(
            run.expectations
                .iter()
                .map(|e| ((1, e.step), Item::Expect(e))),
        );
        keyed.sort_by_key(|(k, _)| *k);
        Timeline {
            items: keyed.into_iter().map(|(_, i)| i).collect(),
            pending_answer: None,
            json: false,
        }
    }

    fn write_answer(&mut self, out: &mut dyn Write) -> io::Result<()> {
        let Some(q) = self.pending_answer.take() else {
            return Ok(());
        };
        let Narration::Question {
            choices,
            answer,
            explanation,
            ..
        } = &q.narration
        else {
            return Ok(());
        };
        if self.json {
            let line = serde_json::json!({ "answer": {
                "step": q.step,
                "choice": answer,
                "text": choices[*answer],
                "explanation": explanation,
            }});
            return writeln!(out, "{line}");
        }
        let mut text = format!(
            "(steps[{}]) {}) {}",
            q.step,
            letter(*answer),
            choices[*answer]
        );
        if let Some(e) = explanation {
            text.push_str(" -- ");
            text.push_str(e);
        }
        write!(
            out,
            "{}",
            wrap(&text, "           ANSWER     ", LABEL_INDENT)
        )
    }

    fn write(&mut self, out: &mut dyn Write, item: Item<'a>) -> io::Result<()> {
        if let Item::Narration(_) = item {
            self.write_answer(out)?;
        }
        match item {
            Item::Command(o) => {
                if self.json {
                    writeln!(out, "{}", serde_json::json!({ "step": o }))
                } else {
                    writeln!(out, "{}", step_line(o))
                }
            }
            Item::Narration(n) => {
                if let Narration::Question { .. } = n.narration {
                    self.pending_answer = Some(n);
                }
                if self.json {
                    return writeln!(out, "{}", serde_json::json!({ "narration": n }));
                }
                let head = |label: &str| format!("{:>6} ms  {label:<11}", n.at);
                match &n.narration {
                    Narration::Narrate { text } => {
                        write!(out, "{}", wrap(text, &head("NARRATION"), LABEL_INDENT))
                    }
                    Narration::Pause { text } => write!(
                        out,
                        "{}",
                        wrap(
                            text.as_deref().unwrap_or("(pause)"),
                            &head("PAUSE"),
                            LABEL_INDENT
                        )
                    ),
                    Narration::Question { text, choices, .. } => {
                        write!(out, "{}", wrap(text, &head("QUESTION"), LABEL_INDENT))?;
                        for (j, c) in choices.iter().enumerate() {
                            let first = format!("{LABEL_INDENT}  {}) ", letter(j));
                            let rest = format!("{LABEL_INDENT}     ");
                            write!(out, "{}", wrap(c, &first, &rest))?;
                        }
                        Ok(())
                    }
                }
            }
            Item::Expect(e) => {
                if self.json {
                    return writeln!(out, "{}", serde_json::json!({ "expectation": e }));
                }
                let verdict = if e.holds() { "holds" } else { "FAILS" };
                let text = format!("{} -> {verdict}", e.result.text());
                write!(
                    out,
                    "{}",
                    wrap(
                        &text,
                        &format!("{:>6} ms  {:<11}", e.at, "EXPECT"),
                        LABEL_INDENT
                    )
                )
            }
        }
    }

    fn finish(&mut self, out: &mut dyn Write) -> io::Result<()> {
        self.write_answer(out)
    }
}

/// `a`, `b`, `c`, ... for choice 0, 1, 2, ...
fn letter(i: usize) -> char {
    char::from(b'a' + (i % 26) as u8)
}

/// Events one per line, with each step (command, narration, expectation) shown where it
/// was applied.
fn print_trace(out: &mut impl Write, run: &ScenarioRun, json: bool) -> io::Result<()> {
    let mut timeline = Timeline::new(run);
    timeline.json = json;
    let items = std::mem::take(&mut timeline.items);
    let mut items = items.into_iter().peekable();
    if !json {
        writeln!(out, "Trace:")?;
    }
    for (i, e) in run.events.iter().enumerate() {
        while let Some(item) = items.next_if(|it| it.event_index() <= i) {
            timeline.write(out, item)?;
        }
        write_event(out, e, json)?;
    }
    for item in items {
        timeline.write(out, item)?;
    }
    timeline.finish(out)?;
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
