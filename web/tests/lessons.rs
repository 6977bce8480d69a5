#![cfg(not(target_arch = "wasm32"))]
//! The lessons in the page run exactly what `kafkascope run` runs: for every file in
//! `lessons/`, the web world built from the core scenario (`World::from_lesson`) reaches the
//! same end state as the core's scenario runner (`Scenario::run`, what the command line
//! prints): the same commands at the same times, the same number of events, the same
//! `kafka-topics --describe`, brokers and groups, the same expectation results. Time travel
//! keeps it: seeking back and forth gives the same checks.

use kafkascope_core::Command;
use kafkascope_core::config::Millis;
use kafkascope_core::describe::{
    broker_statuses, brokers_text, describe_groups, describe_topics, groups_text, topics_text,
};
use kafkascope_core::scenario::StepKind;
use kafkascope_core::{Scenario, Sim};
use kafkascope_web::model::World;
use kafkascope_web::model::lesson::{
    CheckState, GateKind, LESSONS, Lesson, LessonProgress, check_states,
};
use std::path::PathBuf;
use std::rc::Rc;

fn lessons_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../lessons")
}

fn lesson_files() -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = std::fs::read_dir(lessons_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .map(|p| {
            let name = p.file_stem().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read_to_string(&p).unwrap())
        })
        .collect();
    out.sort();
    assert!(out.len() >= 8, "the built-in lessons are in lessons/");
    out
}

/// Everything `kafkascope run` prints about the cluster at the end, plus the commands applied
/// (with their times) and how many events the run emitted.
fn state(sim: &Sim) -> (String, String, String, Vec<(Millis, Command)>, u64, Millis) {
    (
        topics_text(&describe_topics(sim, true)),
        brokers_text(&broker_statuses(sim)),
        groups_text(&describe_groups(sim)),
        sim.command_log().iter().cloned().collect(),
        sim.events_emitted(),
        sim.now(),
    )
}

/// A learner's progress past every gate of `lesson`, each question answered with its first
/// choice.
fn all_answered(lesson: &Lesson) -> LessonProgress {
    let mut progress = LessonProgress::new(lesson);
    while let Some((_, gate)) = progress.active_gate(lesson, lesson.end) {
        if let GateKind::Question(q) = gate.kind {
            progress.choose(lesson, q, 0);
        }
        progress.proceed(lesson, lesson.end).unwrap();
    }
    progress
}

#[test]
fn every_lesson_ends_in_the_browser_world_exactly_as_on_the_command_line() {
    for (name, text) in lesson_files() {
        let scenario = Scenario::parse(&text).unwrap();
        let run = scenario.run().unwrap();
        let lesson = Lesson::parse(&name, &text).unwrap();
        let mut world = World::from_lesson(lesson.scenario.clone(), scenario.seed).unwrap();
        world.advance_to(lesson.end);
        assert_eq!(state(world.sim()), state(&run.sim), "{name}: end state");
        let cli: Vec<_> = run
            .expectations
            .iter()
            .map(|e| (e.step, e.result.clone()))
            .collect();
        assert_eq!(
            world.lesson_results(),
            cli.as_slice(),
            "{name}: expectations"
        );
        assert!(!cli.is_empty(), "{name} has expectations");
        let states = check_states(&lesson, world.lesson_results(), &all_answered(&lesson));
        assert!(
            states
                .iter()
                .all(|(_, s)| matches!(s, CheckState::Holds(_))),
            "{name}: every check holds in the page"
        );
    }
}

#[test]
fn narration_steps_change_nothing_in_the_page_either() {
    // The same file without narration and expectations runs the same simulation.
    let text = std::fs::read_to_string(lessons_dir().join("unclean-leader-election.json")).unwrap();
    let lesson = Lesson::parse("unclean-leader-election", &text).unwrap();
    let mut bare = (*lesson.scenario).clone();
    bare.steps
        .retain(|s| matches!(s.kind, StepKind::Command(_)));
    bare.lesson = None;
    let mut a = World::from_lesson(lesson.scenario.clone(), 1).unwrap();
    let mut b = World::from_lesson(Rc::new(bare), 1).unwrap();
    a.advance_to(lesson.end);
    b.advance_to(lesson.end);
    assert_eq!(state(a.sim()), state(b.sim()));
    assert!(b.lesson_results().is_empty());
}

#[test]
fn time_travel_in_a_lesson_shows_the_checks_as_they_stood() {
    let text = std::fs::read_to_string(lessons_dir().join("unclean-leader-election.json")).unwrap();
    let lesson = Lesson::parse("unclean-leader-election", &text).unwrap();
    let mut world = World::from_lesson(lesson.scenario.clone(), lesson.scenario.seed).unwrap();
    world.advance_to(lesson.end);
    let at_end = (world.lesson_results().to_vec(), state(world.sim()));
    // Back to 12.5 s: only the checks of 7 s and 12 s have been made; ledger-0 is offline.
    world.seek(12_500);
    let steps: Vec<usize> = world.lesson_results().iter().map(|(s, _)| *s).collect();
    let expected: Vec<usize> = lesson
        .checks
        .iter()
        .filter(|c| c.at <= 12_500)
        .map(|c| c.step)
        .collect();
    assert_eq!(steps, expected);
    assert_eq!(steps.len(), 6);
    let topics = describe_topics(world.sim(), false);
    assert_eq!(
        topics[0].partitions[0].leader, None,
        "ledger-0 offline at 12.5 s"
    );
    // Forward again: the same end, check for check.
    world.advance_to(lesson.end);
    assert_eq!(
        (world.lesson_results().to_vec(), state(world.sim())),
        at_end
    );
}

#[test]
fn a_lesson_played_with_its_gates_stops_at_each_question_and_reveals_answers() {
    // Plays the unclean-election lesson as the page does: frames of 700 simulated ms, the
    // clock clamped to the next gate; every stop answered (the first one wrongly).
    let text = std::fs::read_to_string(lessons_dir().join("unclean-leader-election.json")).unwrap();
    let lesson = Lesson::parse("unclean-leader-election", &text).unwrap();
    let mut world = World::from_lesson(lesson.scenario.clone(), lesson.scenario.seed).unwrap();
    let mut progress = LessonProgress::new(&lesson);
    let mut stops = Vec::new();
    let mut t: Millis = 0;
    for _ in 0..1000 {
        let (to, stopped) = progress.clamp(&lesson, t + 700);
        world.advance_to(to);
        t = to;
        if stopped {
            let (i, gate) = progress.active_gate(&lesson, world.now()).unwrap();
            stops.push((world.now(), gate.kind.clone()));
            if let GateKind::Question(q) = gate.kind {
                // Until the question is answered the clock does not move.
                assert_eq!(progress.clamp(&lesson, t + 700), (t, true));
                assert!(progress.proceed(&lesson, t).is_err(), "needs a choice");
                let wrong = usize::from(q == 0) * 2;
                let choice = if q == 0 {
                    wrong
                } else {
                    lesson.questions[q].answer
                };
                progress.choose(&lesson, q, choice);
                assert_eq!(
                    progress.reveal(&lesson, q, t),
                    None,
                    "not before continuing"
                );
            }
            progress.proceed(&lesson, t).unwrap();
            assert!(progress.pending_gate(&lesson).map(|(j, _)| j) != Some(i));
            if gate.kind == GateKind::End {
                break;
            }
        }
        // The first question (12 s) is revealed by the narration at 17 s, not earlier.
        if lesson.questions[0].reveal_at > t {
            assert_eq!(progress.reveal(&lesson, 0, t), None);
        }
    }
    // The clock waits at Start once the set-up has run (the brokers know their replicas),
    // before the lesson's first step after t = 0.
    let (start_at, start) = stops.remove(0);
    assert_eq!(start, GateKind::Start);
    assert!(start_at > 0 && start_at < 1_000, "Start at {start_at} ms");
    assert_eq!(
        stops,
        vec![
            (12_000, GateKind::Question(0)),
            (19_000, GateKind::Question(1)),
            (26_000, GateKind::End),
        ]
    );
    let r0 = progress.reveal(&lesson, 0, world.now()).unwrap();
    assert_eq!((r0.chosen, r0.correct), (2, false));
    let r1 = progress.reveal(&lesson, 1, world.now()).unwrap();
    assert!(r1.correct);
    assert_eq!(progress.score(&lesson, world.now()), (1, 2));
    assert!(lesson.finished(world.now()));
    // Every check passed as the clock went by, and holds.
    let states = check_states(&lesson, world.lesson_results(), &progress);
    assert_eq!(states.len(), lesson.checks.len());
    assert!(
        states
            .iter()
            .all(|(_, s)| matches!(s, CheckState::Holds(_)))
    );
    // After the end, the clock runs free (the learner may go on exploring).
    assert_eq!(progress.clamp(&lesson, 40_000), (40_000, false));
    let _ = LESSONS;
}
