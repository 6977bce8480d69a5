//! A lesson's steps inside the world's [`Engine`]: the core scenario's cluster, topics and
//! timed steps, applied exactly as `kafkascope run` applies them (`Scenario::run` in the core):
//! the topics at t = 0, then each step at its time after everything the simulator has due
//! at or before it, one step per transition (so the simulator's events at that time, the
//! previous step's included, come between two steps of the same time, as in
//! `Sim::run_until`). `expect` steps are evaluated there, with the core's expectation code,
//! and their results are part of the engine's state: a seek shows the checks as they stood.

use super::{Engine, SteadyProducer};
use kafkascope_core::config::Millis;
use kafkascope_core::describe::record_results;
use kafkascope_core::expect::ExpectResult;
use kafkascope_core::scenario::{Scenario as CoreScenario, StepKind, StepOutcome, StepSource};
use kafkascope_core::timeline::Replay;
use kafkascope_core::{Command, CommandOutcome, Event, EventKind, Sim};
use std::collections::VecDeque;
use std::rc::Rc;

/// Ids the page's own producers and consumers start from in a lesson, clear of the ids the
/// lesson's steps use.
const FIRST_PAGE_CLIENT_ID: u32 = 100;

/// Where a lesson run stands: the next step, what the record checks read, the checks so far.
#[derive(Clone)]
pub(super) struct LessonRun {
    pub(super) scenario: Rc<CoreScenario>,
    /// Index in `scenario.steps` of the next step to apply.
    next: usize,
    /// The `produce` steps applied, as the command line records them.
    produced: Vec<StepOutcome>,
    /// The events the record checks read (partitioned, acknowledged, failed).
    record_events: Vec<Event>,
    /// Each `expect` step reached: its index in `steps` and its result.
    pub(super) results: Vec<(usize, ExpectResult)>,
}

impl Engine {
    /// The cluster of a lesson (or any scenario file) with its seed, its topics created at
    /// t = 0 and its steps scheduled. Only the simulator's own validation can fail here (the
    /// parser has already checked the file).
    pub(super) fn from_lesson(lesson: Rc<CoreScenario>, seed: u64) -> Result<Engine, String> {
        let sim = Sim::new(lesson.cluster.clone(), seed).map_err(|e| format!("cluster.{e}"))?;
        let web = crate::model::lesson::web_scenario(&lesson);
        let zookeeper =
            sim.config().coordinator.mode == kafkascope_core::config::CoordinatorMode::Zookeeper;
        let mut w = Engine {
            scenario: Rc::new(web),
            sim,
            log: VecDeque::new(),
            log_all: VecDeque::new(),
            next_line: 0,
            ctx: crate::narrate::NarrateCtx {
                keys: Default::default(),
                keyless: lesson.cluster.producer.keyless,
                zookeeper,
            },
            lost: Vec::new(),
            dropped: VecDeque::new(),
            producers: Vec::new(),
            next_producer: FIRST_PAGE_CLIENT_ID,
            next_consumer: FIRST_PAGE_CLIENT_ID,
            placement: None,
            steady: None::<SteadyProducer>,
            script: VecDeque::new(),
            transitions: 0,
            lesson: None,
        };
        for (i, t) in lesson.topics.iter().enumerate() {
            if let Err(e) = w.sim.apply(t.to_command()) {
                w.push_line(0, format!("lesson topics[{i}] refused: {e}"), false);
            }
        }
        // The steps at t = 0, then the set-up as in free play (the brokers learn their
        // replicas), so the lesson opens on the cluster its first narration describes; never
        // up to its next step.
        let limit = lesson
            .steps
            .iter()
            .map(|s| s.at)
            .find(|&t| t > 0)
            .map_or(super::SETUP_LIMIT_MS, |t| {
                (t - 1).min(super::SETUP_LIMIT_MS)
            });
        w.lesson = Some(Box::new(LessonRun {
            scenario: lesson,
            next: 0,
            produced: Vec::new(),
            record_events: Vec::new(),
            results: Vec::new(),
        }));
        w.ingest(None);
        while (!w.setup_ready() || w.next_lesson_step() == Some(0)) && w.step_until(limit) {}
        Ok(w)
    }

    /// When the lesson's next step is due.
    pub(super) fn next_lesson_step(&self) -> Option<Millis> {
        // Without the lesson player (the smaller build) no world runs a lesson; saying so
        // here leaves the steps and the expectation code out of that wasm.
        if !cfg!(feature = "lessons") {
            return None;
        }
        let l = self.lesson.as_ref()?;
        l.scenario.steps.get(l.next).map(|s| s.at)
    }

    /// Applies the lesson's next step (the clock is at its time).
    pub(super) fn fire_lesson_step(&mut self) {
        let Some(l) = self.lesson.as_mut() else {
            return;
        };
        let i = l.next;
        l.next += 1;
        let scenario = l.scenario.clone();
        let Some(step) = scenario.steps.get(i) else {
            return;
        };
        match &step.kind {
            StepKind::Command(c) => {
                let out = self.sim.apply(c.clone());
                match &out {
                    Ok(outcome @ CommandOutcome::RecordsSent { records }) => {
                        if let Command::Produce { key: Some(k), .. } = c {
                            self.remember_keys(records, k);
                        }
                        if let Some(l) = self.lesson.as_mut() {
                            l.produced.push(StepOutcome {
                                source: StepSource::Step(i),
                                at: step.at,
                                action: c.action_name().to_owned(),
                                command: c.clone(),
                                outcome: Some(outcome.clone()),
                                error: None,
                                event_index: 0,
                            });
                        }
                    }
                    Ok(_) => {}
                    Err(e) => {
                        let text = format!("lesson steps[{i}] ({}) refused: {e}", c.action_name());
                        self.push_line(step.at, text, false);
                    }
                }
                self.ingest(None);
            }
            StepKind::Narration(_) => {}
            StepKind::Expect(e) => {
                self.ingest(None);
                let Some(l) = self.lesson.as_mut() else {
                    return;
                };
                let records = if e.needs_records() {
                    record_results(&self.sim, &l.produced, &l.record_events)
                } else {
                    Vec::new()
                };
                let result = e.evaluate(&self.sim, &records);
                l.results.push((i, result));
            }
        }
    }

    /// Keeps the events the record checks read (only in a lesson).
    pub(super) fn keep_record_events(&mut self, events: &[Event]) {
        let Some(l) = self.lesson.as_mut() else {
            return;
        };
        l.record_events.extend(
            events
                .iter()
                .filter(|e| {
                    // What `record_results` reads: placement and acknowledgement, and what
                    // tells a record lost (truncated) from one deleted (below a log start).
                    matches!(
                        e.kind,
                        EventKind::RecordPartitioned { .. }
                            | EventKind::ProduceAcknowledged { .. }
                            | EventKind::ProduceFailed { .. }
                            | EventKind::RecordsTruncated { .. }
                            | EventKind::LogStartOffsetAdvanced { .. }
                    )
                })
                .cloned(),
        );
    }
}
