//! Lessons in the page (`?lesson=<name>` loads `lessons/<name>.json`): the file parsed by the
//! core's own parser (the command line's validation and error messages), what the lesson
//! panel shows at a moment (the narration so far, the question or pause that stops the
//! clock, the answers revealed, the checks), and what the learner did ([`LessonProgress`]).
//!
//! The simulation itself runs in the [`World`](super::World) (`World::from_lesson`), which
//! applies the file's steps at their times and evaluates its `expect` steps; this module only
//! decides what is shown and where the clock must stop. It is plain Rust, tested natively.

use super::scenario::{ControlPlane, Scenario, TopicSpec};
use kafkascope_core::config::{CoordinatorMode, Millis};
use kafkascope_core::expect::{ExpectResult, Expectation};
use kafkascope_core::scenario::{Narration, Scenario as CoreScenario, ScenarioError, StepKind};
use std::rc::Rc;

/// Why a lesson cannot open in the build without the lesson player.
pub const NO_LESSON_PLAYER: &str = "this build (www/pkg/kafkascope_play.js) has no lesson player: \
     lessons run in www/pkg/kafkascope_web.js";

/// A lesson shipped in `lessons/`: its file name without `.json` and its title.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BuiltinLesson {
    pub name: &'static str,
    pub title: &'static str,
}

/// The built-in lessons, in the order a course takes them (a test checks this list against
/// the files in `lessons/`, titles included).
pub const LESSONS: [BuiltinLesson; 8] = [
    BuiltinLesson {
        name: "partitions-and-keys",
        title: "Partitions and keys: same key, same partition",
    },
    BuiltinLesson {
        name: "replication-and-isr",
        title: "Replication and the ISR: a follower falls behind, leaves the ISR, and comes back",
    },
    BuiltinLesson {
        name: "leader-failover",
        title: "Leader failover: a broker dies, an in-sync follower takes over, nothing acknowledged is lost",
    },
    BuiltinLesson {
        name: "acks-and-min-isr",
        title: "acks and min.insync.replicas: when Kafka refuses a write",
    },
    BuiltinLesson {
        name: "unclean-leader-election",
        title: "Unclean leader election: availability at the price of acknowledged records",
    },
    BuiltinLesson {
        name: "consumer-groups",
        title: "Consumer groups and rebalancing: partitions shared among consumers",
    },
    BuiltinLesson {
        name: "zookeeper-mode",
        title: "ZooKeeper mode: failure detection by session expiry, a controller that reloads everything",
    },
    BuiltinLesson {
        name: "kraft-mode",
        title: "KRaft mode: heartbeats to a Raft quorum, a standby controller that already knows everything",
    },
];

/// Whether `name` can name a lesson file: letters, digits, `-` and `_` (no path).
pub fn is_lesson_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 100
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Where the page fetches a lesson from, relative to the page: `lessons/<name>.json`.
pub fn lesson_path(name: &str) -> String {
    format!("lessons/{name}.json")
}

/// A lesson that could not be loaded: the file and the parser's error (place, problem, line
/// and column), or why the file could not be fetched.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LessonError {
    pub path: String,
    /// The parser's error, when the file was read.
    pub error: Option<ScenarioError>,
    /// Why the file could not be read (or the lesson not started), otherwise.
    pub message: String,
}

impl LessonError {
    /// A file that could not be fetched, or a bad name.
    pub fn load(path: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            path: path.into(),
            error: None,
            message: message.into(),
        }
    }

    /// As the command line prints it, without `error: `:
    /// `lessons/x.json: steps[1].at: ... at line 4 column 10`.
    pub fn text(&self) -> String {
        match &self.error {
            Some(e) => format!("{}: {e}", self.path),
            None => format!("{}: {}", self.path, self.message),
        }
    }
}

/// A `narrate` step.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LessonNarration {
    pub step: usize,
    pub at: Millis,
    pub text: String,
}

/// A question and when what happens next reveals its answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LessonQuestion {
    pub step: usize,
    pub at: Millis,
    pub text: String,
    pub choices: Vec<String>,
    pub answer: usize,
    pub explanation: Option<String>,
    /// The next narration step's time (of any kind), or the lesson's end: as the command line
    /// prints the answer.
    pub reveal_at: Millis,
}

/// Where the clock stops until the learner goes on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum GateKind {
    /// The lesson's start: its title and objectives, before the clock runs.
    Start,
    /// A `pause` step, with its text.
    Pause(Option<String>),
    /// A question: the index in [`Lesson::questions`].
    Question(usize),
    /// The lesson's end (`run_until`): the summary.
    End,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Gate {
    pub at: Millis,
    pub kind: GateKind,
}

/// An `expect` step: when it is checked and what it looks at.
#[derive(Clone, Debug, PartialEq)]
pub struct LessonCheck {
    pub step: usize,
    pub at: Millis,
    /// `partition ledger-0`, `records sent at 3.500 s`: what it looks at, not what it
    /// expects (that would give answers away).
    pub subject: String,
    /// The command line's words for the produce step it looks at, `sent by steps[6]`, and
    /// the page's, `sent at 3.500 s`: a learner sees no step numbers.
    pub step_words: Option<(String, String)>,
}

impl LessonCheck {
    /// A check's text in the page's words.
    pub fn in_page_words(&self, text: &str) -> String {
        match &self.step_words {
            Some((cli, page)) => text.replace(cli, page),
            None => text.to_owned(),
        }
    }
}

/// A parsed lesson and its steps sorted for the panel.
#[derive(Clone, Debug, PartialEq)]
pub struct Lesson {
    /// The file name without `.json`.
    pub name: String,
    pub title: String,
    pub description: Option<String>,
    pub objectives: Vec<String>,
    pub summary: Option<String>,
    pub compare_with: Option<String>,
    pub scenario: Rc<CoreScenario>,
    pub narrations: Vec<LessonNarration>,
    pub questions: Vec<LessonQuestion>,
    /// The start, pauses and questions in step order, then the end.
    pub gates: Vec<Gate>,
    pub checks: Vec<LessonCheck>,
    /// `run_until` (or the last step plus 10 s).
    pub end: Millis,
}

impl Lesson {
    /// Parses `lessons/<name>.json` with the core's parser. A scenario file without a
    /// `lesson` object is accepted too (titled by its name).
    // Returned once per load: its size does not matter.
    #[allow(clippy::result_large_err)]
    #[cfg(feature = "lessons")]
    pub fn parse(name: &str, text: &str) -> Result<Lesson, LessonError> {
        let scenario = CoreScenario::parse(text).map_err(|e| LessonError {
            path: lesson_path(name),
            error: Some(e),
            message: String::new(),
        })?;
        Ok(Self::from_scenario(name, scenario))
    }

    pub fn from_scenario(name: &str, scenario: CoreScenario) -> Lesson {
        let end = scenario.end_time();
        let mut narrations = Vec::new();
        let mut questions: Vec<LessonQuestion> = Vec::new();
        let mut gates = vec![Gate {
            at: 0,
            kind: GateKind::Start,
        }];
        let mut checks = Vec::new();
        // Questions whose answer waits for the next narration step.
        let mut unrevealed: Vec<usize> = Vec::new();
        for (i, s) in scenario.steps.iter().enumerate() {
            match &s.kind {
                StepKind::Narration(n) => {
                    for q in unrevealed.drain(..) {
                        questions[q].reveal_at = s.at;
                    }
                    match n {
                        Narration::Narrate { text } => narrations.push(LessonNarration {
                            step: i,
                            at: s.at,
                            text: text.clone(),
                        }),
                        Narration::Pause { text } => gates.push(Gate {
                            at: s.at,
                            kind: GateKind::Pause(text.clone()),
                        }),
                        Narration::Question {
                            text,
                            choices,
                            answer,
                            explanation,
                        } => {
                            unrevealed.push(questions.len());
                            gates.push(Gate {
                                at: s.at,
                                kind: GateKind::Question(questions.len()),
                            });
                            questions.push(LessonQuestion {
                                step: i,
                                at: s.at,
                                text: text.clone(),
                                choices: choices.clone(),
                                answer: *answer,
                                explanation: explanation.clone(),
                                reveal_at: end,
                            });
                        }
                    }
                }
                StepKind::Expect(e) => {
                    let step_words = match e {
                        Expectation::Records { step: Some(n), .. } => {
                            scenario.steps.get(*n).map(|sent| {
                                (
                                    format!("sent by steps[{n}]"),
                                    format!("sent at {}", crate::fmt::sim_seconds(sent.at as f64)),
                                )
                            })
                        }
                        _ => None,
                    };
                    let mut check = LessonCheck {
                        step: i,
                        at: s.at,
                        subject: e.subject(),
                        step_words,
                    };
                    check.subject = check.in_page_words(&check.subject);
                    checks.push(check);
                }
                StepKind::Command(_) => {}
            }
        }
        gates.push(Gate {
            at: end,
            kind: GateKind::End,
        });
        let meta = scenario.lesson.clone();
        Lesson {
            name: name.to_owned(),
            title: meta
                .as_ref()
                .map(|l| l.title.clone())
                .or_else(|| scenario.name.clone())
                .unwrap_or_else(|| name.to_owned()),
            description: scenario.description.clone(),
            objectives: meta
                .as_ref()
                .map(|l| l.objectives.clone())
                .unwrap_or_default(),
            summary: meta.as_ref().and_then(|l| l.summary.clone()),
            compare_with: meta.and_then(|l| l.compare_with),
            scenario: Rc::new(scenario),
            narrations,
            questions,
            gates,
            checks,
            end,
        }
    }

    /// The narration shown at `now` (the latest `narrate` step at or before it) and the
    /// earlier ones, oldest first.
    pub fn narration_at(&self, now: Millis) -> (Option<&LessonNarration>, &[LessonNarration]) {
        let n = self.narrations.partition_point(|x| x.at <= now);
        match n {
            0 => (None, &[]),
            n => (Some(&self.narrations[n - 1]), &self.narrations[..n - 1]),
        }
    }

    /// Whether the lesson has reached its end.
    pub fn finished(&self, now: Millis) -> bool {
        now >= self.end
    }
}

/// The config panel's view of a lesson's cluster (the world runs the lesson's own config;
/// this only fills the panel, which starts a free-play cluster when applied).
pub fn web_scenario(s: &CoreScenario) -> Scenario {
    let c = &s.cluster;
    let control_plane = match c.coordinator.mode {
        CoordinatorMode::Kraft if c.coordinator.kraft_combined => ControlPlane::KraftCombined,
        CoordinatorMode::Kraft => ControlPlane::KraftDedicated,
        CoordinatorMode::Zookeeper => ControlPlane::Zookeeper,
        CoordinatorMode::Builtin => ControlPlane::Builtin,
    };
    let coordinator_nodes = match c.coordinator.mode {
        CoordinatorMode::Zookeeper => c.coordinator.zookeeper_ensemble_size,
        _ => c.coordinator.kraft_voters,
    };
    let racks: Vec<String> = c.brokers.iter().filter_map(|b| b.rack.clone()).collect();
    Scenario {
        brokers: c.brokers.len() as i32,
        racks: if racks.len() == c.brokers.len() {
            racks
        } else {
            Vec::new()
        },
        control_plane,
        coordinator_nodes,
        topics: s
            .topics
            .iter()
            .map(|t| TopicSpec {
                name: t.name.clone(),
                partitions: t.partitions,
                replication_factor: t.replication_factor,
                min_insync_replicas: t.config.min_insync_replicas,
                unclean_leader_election: t.config.unclean_leader_election_enable,
            })
            .collect(),
        acks: c.producer.acks,
        keyless: c.producer.keyless,
        produce_rate: 0.0,
        groups: Vec::new(),
        // The panel has one retention for every topic: the first topic's.
        retention_ms: s.topics.first().map_or(
            Some(crate::model::scenario::KAFKA_DEFAULT_RETENTION_MS),
            |t| t.config.retention_ms,
        ),
    }
}

/// A check as the panel shows it at a moment.
#[derive(Clone, Debug, PartialEq)]
pub enum CheckState<'a> {
    /// Its time has not come.
    Pending,
    /// Its time has come, but a question at or before its time is not answered yet: its
    /// result could give the answer away.
    AfterAnswer,
    Holds(&'a ExpectResult),
    Fails(&'a ExpectResult),
}

/// Each check of `lesson` with its state, given the results the world has reached
/// (`World::lesson_results`) and the questions answered.
pub fn check_states<'a>(
    lesson: &'a Lesson,
    results: &'a [(usize, ExpectResult)],
    progress: &LessonProgress,
) -> Vec<(&'a LessonCheck, CheckState<'a>)> {
    lesson
        .checks
        .iter()
        .map(|c| {
            let withheld = lesson
                .questions
                .iter()
                .enumerate()
                .any(|(q, question)| question.at <= c.at && !progress.passed(lesson, q));
            let state = match results.iter().find(|(s, _)| *s == c.step) {
                Some(_) if withheld => CheckState::AfterAnswer,
                Some((_, r)) if r.holds => CheckState::Holds(r),
                Some((_, r)) => CheckState::Fails(r),
                None => CheckState::Pending,
            };
            (c, state)
        })
        .collect()
}

/// A question's answer as revealed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Reveal {
    /// The learner's choice.
    pub chosen: usize,
    pub correct: bool,
}

/// What the learner did: the gates passed and the answers given. Not part of the simulation:
/// it stays when the scrubber goes back (a question answered is not asked again).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LessonProgress {
    passed: Vec<bool>,
    /// Gates passed by [`LessonProgress::skip_before`], not by the learner: asked again once
    /// the clock goes back before them.
    skipped: Vec<bool>,
    /// Per question: the choice selected (it counts once the question's gate is passed).
    chosen: Vec<Option<usize>>,
}

impl LessonProgress {
    pub fn new(lesson: &Lesson) -> Self {
        Self {
            passed: vec![false; lesson.gates.len()],
            skipped: vec![false; lesson.gates.len()],
            chosen: vec![None; lesson.questions.len()],
        }
    }

    /// The first gate not passed yet (gates are in time order).
    pub fn pending_gate<'a>(&self, lesson: &'a Lesson) -> Option<(usize, &'a Gate)> {
        lesson
            .gates
            .iter()
            .enumerate()
            .find(|(i, _)| !self.passed.get(*i).copied().unwrap_or(true))
    }

    /// How far the clock may run: the pending gate's time.
    pub fn limit(&self, lesson: &Lesson) -> Option<Millis> {
        self.pending_gate(lesson).map(|(_, g)| g.at)
    }

    /// Where a clock heading for `to` must stop, and whether that is at a gate (the page
    /// then pauses playback and shows the gate).
    pub fn clamp(&self, lesson: &Lesson, to: Millis) -> (Millis, bool) {
        match self.limit(lesson) {
            Some(limit) if to >= limit => (limit, true),
            _ => (to, false),
        }
    }

    /// The gate the clock is stopped at, if it has reached the pending one.
    pub fn active_gate<'a>(&self, lesson: &'a Lesson, now: Millis) -> Option<(usize, &'a Gate)> {
        self.pending_gate(lesson).filter(|(_, g)| g.at <= now)
    }

    /// Selects a choice of question `q` (before its gate is passed; later it stays).
    pub fn choose(&mut self, lesson: &Lesson, q: usize, choice: usize) {
        let answered = lesson.gates.iter().enumerate().any(|(i, g)| {
            g.kind == GateKind::Question(q) && self.passed.get(i).copied().unwrap_or(false)
        });
        let valid = lesson
            .questions
            .get(q)
            .is_some_and(|x| choice < x.choices.len());
        if let Some(c) = self.chosen.get_mut(q).filter(|_| valid && !answered) {
            *c = Some(choice);
        }
    }

    /// The choice selected for question `q`.
    pub fn chosen(&self, q: usize) -> Option<usize> {
        self.chosen.get(q).copied().flatten()
    }

    /// Goes on past the gate the clock is stopped at. A question needs a choice first (the
    /// error says so).
    pub fn proceed(&mut self, lesson: &Lesson, now: Millis) -> Result<(), &'static str> {
        let Some((i, g)) = self.active_gate(lesson, now) else {
            return Err("nothing to continue from");
        };
        if let GateKind::Question(q) = g.kind
            && self.chosen(q).is_none()
        {
            return Err("Choose an answer first.");
        }
        self.passed[i] = true;
        Ok(())
    }

    /// Whether question `q` is behind the learner: answered, or skipped by a start time
    /// past it ([`LessonProgress::skip_before`]).
    pub fn passed(&self, lesson: &Lesson, q: usize) -> bool {
        lesson
            .gates
            .iter()
            .position(|g| g.kind == GateKind::Question(q))
            .is_some_and(|i| self.passed[i])
    }

    /// Whether question `q` was answered (a choice made and its gate passed).
    pub fn answered(&self, lesson: &Lesson, q: usize) -> bool {
        self.passed(lesson, q) && self.chosen(q).is_some()
    }

    /// Passes every gate before `t` without asking its question: a lesson opened at a later
    /// time (`?lesson=<name>&t=<ms>`, a shared link) starts there.
    pub fn skip_before(&mut self, lesson: &Lesson, t: Millis) {
        for (i, g) in lesson.gates.iter().enumerate() {
            if g.at < t && !self.passed[i] {
                self.passed[i] = true;
                self.skipped[i] = true;
            }
        }
    }

    /// The clock went back to `t`: gates skipped at or after it are ahead again, to be asked.
    pub fn rewind_to(&mut self, lesson: &Lesson, t: Millis) {
        for (i, g) in lesson.gates.iter().enumerate() {
            if self.skipped[i] && g.at >= t {
                self.passed[i] = false;
                self.skipped[i] = false;
            }
        }
    }

    /// The answer to question `q`, once answered and once the simulation has reached what
    /// reveals it.
    pub fn reveal(&self, lesson: &Lesson, q: usize, now: Millis) -> Option<Reveal> {
        let question = lesson.questions.get(q)?;
        if !self.answered(lesson, q) || now < question.reveal_at {
            return None;
        }
        let chosen = self.chosen(q)?;
        Some(Reveal {
            chosen,
            correct: chosen == question.answer,
        })
    }

    /// Questions answered right, of those revealed at `now`.
    pub fn score(&self, lesson: &Lesson, now: Millis) -> (usize, usize) {
        let revealed: Vec<Reveal> = (0..lesson.questions.len())
            .filter_map(|q| self.reveal(lesson, q, now))
            .collect();
        (
            revealed.iter().filter(|r| r.correct).count(),
            revealed.len(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SMALL: &str = r#"{
  "name": "small",
  "lesson": {"title": "A small lesson", "objectives": ["one", "two"], "summary": "remember"},
  "cluster": {"brokers": 3},
  "topics": [{"name": "orders", "partitions": 3, "replication_factor": 3}],
  "steps": [
    {"at": 0, "action": "narrate", "text": "first"},
    {"at": 0, "action": "add_producer", "id": 0},
    {"at": 500, "action": "question", "text": "Which partition?", "choices": ["0", "1"], "answer": 0, "explanation": "murmur2"},
    {"at": 1000, "action": "produce", "producer": 0, "topic": "orders", "key": "customer-123", "value": "v"},
    {"at": 2000, "action": "expect", "check": "records", "key": "customer-123", "partition": "orders-0"},
    {"at": 2000, "action": "narrate", "text": "second"},
    {"at": 2000, "action": "pause", "text": "look"},
    {"at": 3000, "action": "narrate", "text": "third"},
    {"at": 3500, "action": "question", "text": "Last?", "choices": ["a", "b", "c"], "answer": 2}
  ],
  "run_until": 5000
}"#;

    fn small() -> Lesson {
        Lesson::parse("small", SMALL).unwrap()
    }

    #[test]
    fn the_lesson_metadata_and_steps_are_read() {
        let l = small();
        assert_eq!(l.title, "A small lesson");
        assert_eq!(l.objectives, ["one", "two"]);
        assert_eq!(l.summary.as_deref(), Some("remember"));
        assert_eq!(l.end, 5000);
        assert_eq!(l.narrations.len(), 3);
        assert_eq!(
            l.gates,
            vec![
                Gate {
                    at: 0,
                    kind: GateKind::Start
                },
                Gate {
                    at: 500,
                    kind: GateKind::Question(0)
                },
                Gate {
                    at: 2000,
                    kind: GateKind::Pause(Some("look".into()))
                },
                Gate {
                    at: 3500,
                    kind: GateKind::Question(1)
                },
                Gate {
                    at: 5000,
                    kind: GateKind::End
                },
            ]
        );
        assert_eq!(l.checks.len(), 1);
        assert_eq!(l.checks[0].subject, "records with key customer-123");
        assert_eq!(l.checks[0].at, 2000);
    }

    #[test]
    fn the_narration_at_a_time_is_the_latest_at_or_before_it() {
        let l = small();
        let text = |t| {
            let (cur, earlier) = l.narration_at(t);
            (
                cur.map(|n| n.text.as_str()),
                earlier.iter().map(|n| n.text.as_str()).collect::<Vec<_>>(),
            )
        };
        assert_eq!(text(0), (Some("first"), vec![]));
        assert_eq!(text(1999), (Some("first"), vec![]));
        assert_eq!(text(2000), (Some("second"), vec!["first"]));
        assert_eq!(text(9000), (Some("third"), vec!["first", "second"]));
        let mut no_start = (*l.scenario).clone();
        no_start.steps.remove(0);
        let l2 = Lesson::from_scenario("x", no_start);
        assert_eq!(l2.narration_at(0), (None, &[][..]));
    }

    #[test]
    fn an_answer_is_revealed_by_the_next_narration_step_or_the_end() {
        let l = small();
        // The first question's next narration step is the narrate at 2000; the last has none.
        assert_eq!(l.questions[0].reveal_at, 2000);
        assert_eq!(l.questions[1].reveal_at, 5000);
        let mut p = LessonProgress::new(&l);
        // The clock waits at the start until the learner starts the lesson.
        assert_eq!(p.clamp(&l, 400), (0, true));
        assert_eq!(
            p.active_gate(&l, 0).map(|(_, g)| &g.kind),
            Some(&GateKind::Start)
        );
        p.proceed(&l, 0).unwrap();
        assert_eq!(p.clamp(&l, 400), (400, false));
        assert_eq!(p.clamp(&l, 800), (500, true));
        assert_eq!(p.active_gate(&l, 499), None);
        assert_eq!(p.active_gate(&l, 500).map(|(i, _)| i), Some(1));
        assert_eq!(p.proceed(&l, 500), Err("Choose an answer first."));
        p.choose(&l, 0, 7); // not a choice
        assert_eq!(p.chosen(0), None);
        p.choose(&l, 0, 1);
        assert_eq!(p.chosen(0), Some(1));
        p.proceed(&l, 500).unwrap();
        // Answered, but what reveals it has not happened yet.
        assert_eq!(p.reveal(&l, 0, 1999), None);
        let r = p.reveal(&l, 0, 2000).unwrap();
        assert_eq!((r.chosen, r.correct), (1, false));
        // The choice cannot change once answered.
        p.choose(&l, 0, 0);
        assert_eq!(p.chosen(0), Some(1));
        // Seeking back hides the answer again; the question is not asked again.
        assert_eq!(p.reveal(&l, 0, 1000), None);
        assert_eq!(p.clamp(&l, 1500), (1500, false));
        // The pause stops the clock at 2000 and needs no choice.
        assert_eq!(p.clamp(&l, 2600), (2000, true));
        assert!(matches!(
            p.active_gate(&l, 2000),
            Some((
                _,
                Gate {
                    kind: GateKind::Pause(_),
                    ..
                }
            ))
        ));
        p.proceed(&l, 2000).unwrap();
        assert_eq!(p.clamp(&l, 9000), (3500, true));
        p.choose(&l, 1, 2);
        p.proceed(&l, 3500).unwrap();
        assert_eq!(p.reveal(&l, 1, 4999), None);
        assert!(p.reveal(&l, 1, 5000).unwrap().correct);
        assert_eq!(p.score(&l, 5000), (1, 2));
        // The end stops the clock once, with the summary.
        assert_eq!(p.clamp(&l, 9000), (5000, true));
        assert!(l.finished(5000) && !l.finished(4999));
        p.proceed(&l, 5000).unwrap();
        assert_eq!(p.clamp(&l, 9000), (9000, false));
        assert_eq!(p.proceed(&l, 9000), Err("nothing to continue from"));
    }

    #[test]
    fn a_lesson_opened_later_skips_the_gates_before_then_without_answers() {
        let l = small();
        let mut p = LessonProgress::new(&l);
        p.skip_before(&l, 3_000);
        // The start, the question at 500 and the pause at 2000 are behind; the question at
        // 3500 is still asked.
        assert_eq!(p.clamp(&l, 9_000), (3_500, true));
        assert!(p.passed(&l, 0) && !p.answered(&l, 0));
        assert_eq!(p.reveal(&l, 0, 9_000), None);
        assert_eq!(p.score(&l, 9_000), (0, 0));
        // Back before the skipped question: it is asked again (and its checks wait for it).
        p.rewind_to(&l, 1_000);
        assert!(p.passed(&l, 0), "the question at 0.5 s is still behind");
        assert_eq!(p.clamp(&l, 9_000), (2_000, true), "the pause at 2 s");
        p.rewind_to(&l, 400);
        assert!(!p.passed(&l, 0));
        assert_eq!(p.clamp(&l, 9_000), (500, true), "the question at 0.5 s");
        // A gate exactly at the time is not skipped.
        let mut p = LessonProgress::new(&l);
        p.skip_before(&l, 500);
        assert_eq!(p.clamp(&l, 9_000), (500, true));
    }

    #[test]
    fn a_check_at_a_questions_time_waits_for_the_answer() {
        // A check before the question (in step order) and one after it, all at 500: either
        // could give the answer away.
        let text = SMALL.replace(
            r#"{"at": 500, "action": "question""#,
            r#"{"at": 500, "action": "expect", "check": "records", "key": "a", "partition": "orders-0"},
    {"at": 500, "action": "question""#,
        )
        .replace(
            r#""explanation": "murmur2"},"#,
            r#""explanation": "murmur2"},
    {"at": 500, "action": "expect", "check": "records", "key": "b", "partition": "orders-0"},"#,
        );
        let l = Lesson::parse("small", &text).unwrap();
        let before = l.checks[0].step;
        let after = l.checks[1].step;
        assert!(before < l.questions[0].step && l.questions[0].step < after);
        let result = |holds| ExpectResult {
            subject: "records".into(),
            properties: Vec::new(),
            holds,
        };
        let results = vec![(before, result(true)), (after, result(false))];
        let mut p = LessonProgress::new(&l);
        p.proceed(&l, 0).unwrap();
        let states = |p: &LessonProgress| -> Vec<String> {
            check_states(&l, &results, p)
                .iter()
                .map(|(_, s)| {
                    match s {
                        CheckState::Pending => "pending",
                        CheckState::AfterAnswer => "after answer",
                        CheckState::Holds(_) => "holds",
                        CheckState::Fails(_) => "fails",
                    }
                    .to_owned()
                })
                .collect()
        };
        // At the question: neither check is shown.
        assert_eq!(states(&p), ["after answer", "after answer", "pending"]);
        p.choose(&l, 0, 1);
        assert_eq!(states(&p), ["after answer", "after answer", "pending"]);
        p.proceed(&l, 500).unwrap();
        assert_eq!(states(&p), ["holds", "fails", "pending"]);
    }

    #[test]
    fn a_bad_file_names_its_path_place_line_and_column() {
        let bad = SMALL.replace(
            r#""at": 1000, "action": "produce""#,
            r#""at": 100, "action": "produce""#,
        );
        let e = Lesson::parse("small", &bad).unwrap_err();
        assert_eq!(
            e.text(),
            "lessons/small.json: steps[3].at: 100 ms is before the previous step (steps[2] at 500 ms): steps must be in time order at line 10 column 12"
        );
        let e = Lesson::parse("x", "{").unwrap_err();
        assert!(e.text().starts_with("lessons/x.json: "), "{}", e.text());
        assert!(e.text().contains("line 1 column 1"), "{}", e.text());
        assert_eq!(
            LessonError::load("lessons/y.json", "not found (HTTP 404)").text(),
            "lessons/y.json: not found (HTTP 404)"
        );
    }

    #[test]
    fn lesson_names_are_file_names_only() {
        assert!(is_lesson_name("unclean-leader-election"));
        assert!(is_lesson_name("my_lesson2"));
        for bad in ["", "../secret", "a/b", "a.json", "x y", "%2e%2e"] {
            assert!(!is_lesson_name(bad), "{bad}");
        }
        assert_eq!(lesson_path("kraft-mode"), "lessons/kraft-mode.json");
    }

    #[test]
    fn the_built_in_list_matches_the_files_in_lessons() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../lessons");
        let mut files: Vec<(String, String)> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .map(|p| {
                let name = p.file_stem().unwrap().to_string_lossy().into_owned();
                let text = std::fs::read_to_string(&p).unwrap();
                (name.clone(), Lesson::parse(&name, &text).unwrap().title)
            })
            .collect();
        files.sort();
        let mut listed: Vec<(String, String)> = LESSONS
            .iter()
            .map(|l| (l.name.to_owned(), l.title.to_owned()))
            .collect();
        listed.sort();
        assert_eq!(
            listed, files,
            "LESSONS lists every file in lessons/ with its title"
        );
    }

    #[test]
    fn the_config_panel_shows_the_lessons_cluster() {
        let text = std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../lessons/zookeeper-mode.json"),
        )
        .unwrap();
        let l = Lesson::parse("zookeeper-mode", &text).unwrap();
        let s = web_scenario(&l.scenario);
        assert_eq!(s.control_plane, ControlPlane::Zookeeper);
        assert_eq!(s.brokers as usize, l.scenario.cluster.brokers.len());
        assert_eq!(s.topics.len(), l.scenario.topics.len());
        assert_eq!(s.produce_rate, 0.0);
    }
}
