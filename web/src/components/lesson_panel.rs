//! The lesson panel: the lesson's title and objectives, the narration so far, the pause or
//! question the clock stopped at (a question's choices as radio buttons and a Continue
//! button), the answers as what happens next reveals them, the checks (`expect` steps)
//! ticking as the clock passes their time, and at the end what to remember. Also the
//! "Lesson" select and a lesson's load error. Every state is in words as well as symbols.

use super::sim_seconds;
use crate::model::lesson::{
    CheckState, GateKind, LESSONS, Lesson, LessonProgress, Reveal, check_states,
};
use kafkascope_core::config::Millis;
use kafkascope_core::expect::ExpectResult;
use std::rc::Rc;
use yew::prelude::*;

/// `a`, `b`, `c`, ... for choice 0, 1, 2, ... (as the command line letters them).
fn letter(i: usize) -> char {
    char::from(b'a' + (i % 26) as u8)
}

#[derive(Properties, PartialEq)]
pub struct LessonSelectProps {
    /// The lesson loaded or loading (its file name), if any.
    pub current: Option<AttrValue>,
    /// An empty string means free play.
    pub on_select: Callback<String>,
}

/// `#lesson-select`: free play or one of the built-in lessons, by title.
#[component]
pub fn LessonSelect(p: &LessonSelectProps) -> Html {
    // A closed select changes its value, and fires `change`, at each arrow key: opening a
    // lesson then would open every lesson passed on the way (WCAG 3.2.2). After such a key
    // the choice waits for Enter; a choice made with the mouse or in the open list (Alt+Down)
    // opens at once. Leaving the select without Enter puts the current lesson back.
    let browsing = use_mut_ref(|| false);
    let select_ref = use_node_ref();
    let current = p.current.as_deref().unwrap_or("").to_owned();
    let select = {
        let (browsing, cb) = (browsing.clone(), p.on_select.clone());
        Callback::from(move |e: Event| {
            if !*browsing.borrow() {
                cb.emit(super::target_value(&e));
            }
        })
    };
    let onkeydown = {
        let (browsing, cb, select_ref) =
            (browsing.clone(), p.on_select.clone(), select_ref.clone());
        Callback::from(move |e: KeyboardEvent| match e.key().as_str() {
            "Enter" => {
                if std::mem::take(&mut *browsing.borrow_mut()) {
                    e.prevent_default();
                    if let Some(s) = select_ref.cast::<web_sys::HtmlSelectElement>() {
                        cb.emit(s.value());
                    }
                }
            }
            "Tab" | "Escape" | "Shift" | "Control" | "Meta" | "Alt" | " " => {}
            _ if e.alt_key() => {}
            _ => *browsing.borrow_mut() = true,
        })
    };
    let onmousedown = {
        let browsing = browsing.clone();
        Callback::from(move |_: MouseEvent| *browsing.borrow_mut() = false)
    };
    let onblur = {
        let (browsing, select_ref, current) = (browsing, select_ref.clone(), current.clone());
        Callback::from(move |_: FocusEvent| {
            if std::mem::take(&mut *browsing.borrow_mut())
                && let Some(s) = select_ref.cast::<web_sys::HtmlSelectElement>()
            {
                s.set_value(&current);
            }
        })
    };
    let current = current.as_str();
    let known = LESSONS.iter().any(|l| l.name == current);
    html! {
        <div class="lesson-picker">
            <label for="lesson-select">{ "Lesson" }</label>
            <span id="lesson-select-hint" class="visually-hidden">
                { "Arrow keys look through the lessons; Enter opens the one shown." }
            </span>
            <select id="lesson-select" ref={select_ref} onchange={select} {onkeydown} {onmousedown}
                {onblur} aria-describedby="lesson-select-hint">
                <option value="" selected={current.is_empty()}>{ "Free play (no lesson)" }</option>
                { for LESSONS.iter().enumerate().map(|(i, l)| html! {
                    <option value={l.name} selected={l.name == current}>
                        { format!("{}. {}", i + 1, l.title) }
                    </option>
                }) }
                if !current.is_empty() && !known {
                    <option value={current.to_owned()} selected=true>{ current.to_owned() }</option>
                }
            </select>
        </div>
    }
}

#[derive(Properties, PartialEq)]
pub struct LessonPanelProps {
    pub lesson: Rc<Lesson>,
    /// The simulated time shown.
    pub now: Millis,
    pub progress: LessonProgress,
    /// The checks reached so far (step index, result).
    pub results: Rc<Vec<(usize, ExpectResult)>>,
    /// Why Continue did nothing (no choice made).
    pub continue_error: Option<AttrValue>,
    /// When the learner first changed the lesson's cluster (crashed a broker, sent records),
    /// if that is at or before the time shown.
    pub off_script_at: Option<Millis>,
    pub on_choose: Callback<(usize, usize)>,
    pub on_continue: Callback<()>,
    pub on_restart: Callback<()>,
}

#[component]
pub fn LessonPanel(p: &LessonPanelProps) -> Html {
    let l = &*p.lesson;
    let now = p.now;
    let (current, earlier) = l.narration_at(now);
    let gate = p.progress.active_gate(l, now).map(|(_, g)| g.clone());
    let started = !matches!(p.progress.pending_gate(l), Some((_, g)) if g.kind == GateKind::Start);
    let checks = check_states(l, &p.results, &p.progress);
    let done = checks
        .iter()
        .filter(|(_, s)| matches!(s, CheckState::Holds(_) | CheckState::Fails(_)))
        .count();
    let failed = checks
        .iter()
        .filter(|(_, s)| matches!(s, CheckState::Fails(_)))
        .count();
    let proceed = p.on_continue.reform(|_: MouseEvent| ());
    let gate_html = gate.map(|g| {
        let (heading, body) = match &g.kind {
            GateKind::Start => (
                "Ready when you are".to_owned(),
                html! {
                    <p>{ "The clock waits for you at every question and pause." }</p>
                },
            ),
            GateKind::Pause(text) => (
                "Paused".to_owned(),
                html! { <p>{ text.clone().unwrap_or_else(|| "Look at the cluster, then continue.".into()) }</p> },
            ),
            GateKind::Question(q) => {
                let question = &l.questions[*q];
                let chosen = p.progress.chosen(*q);
                let choices = question.choices.iter().enumerate().map(|(j, c)| {
                    let on_choose = p.on_choose.clone();
                    let q = *q;
                    let id = format!("lesson-choice-{j}");
                    html! {
                        <li>
                            <input type="radio" id={id.clone()} name={format!("lesson-q-{}", question.step)}
                                value={j.to_string()} checked={chosen == Some(j)}
                                onchange={Callback::from(move |_: Event| on_choose.emit((q, j)))} />
                            <label for={id}>{ format!("{}) {c}", letter(j)) }</label>
                        </li>
                    }
                });
                (
                    "Question".to_owned(),
                    html! {
                        <fieldset id="lesson-question" data-step={question.step.to_string()}>
                            <legend>{ question.text.clone() }</legend>
                            <ul class="lesson-choices">{ for choices }</ul>
                        </fieldset>
                    },
                )
            }
            GateKind::End => (
                "The lesson is over".to_owned(),
                html! { <p>{ "Read what to remember below. You can keep exploring: the cluster runs on, and every control works." }</p> },
            ),
        };
        let label = match g.kind {
            GateKind::Start => "Start the lesson",
            GateKind::End => "Keep exploring",
            _ => "Continue",
        };
        html! {
            <div id="lesson-gate" class="lesson-gate" tabindex="-1" role="group"
                aria-labelledby="lesson-gate-title" data-at={g.at.to_string()}
                data-kind={match g.kind {
                    GateKind::Start => "start",
                    GateKind::Pause(_) => "pause",
                    GateKind::Question(_) => "question",
                    GateKind::End => "end",
                }}>
                <h3 id="lesson-gate-title">
                    { if g.kind == GateKind::Start { heading } else { format!("{heading} at {}", sim_seconds(g.at as f64)) } }
                </h3>
                { body }
                <button id="lesson-continue" type="button" onclick={proceed}
                    aria-describedby="lesson-continue-error">{ label }</button>
                <span id="lesson-continue-error" class="field-error" role="alert">
                    { p.continue_error.clone().unwrap_or_default() }
                </span>
            </div>
        }
    });
    // Questions asked so far, with their answers once revealed.
    let answers: Vec<Html> = l
        .questions
        .iter()
        .enumerate()
        .filter(|(q, _)| p.progress.answered(l, *q))
        .map(|(q, question)| {
            let chosen = p.progress.chosen(q).unwrap_or(0);
            let reveal = p.progress.reveal(l, q, now);
            let verdict = match reveal {
                Some(Reveal { correct: true, .. }) => html! {
                    <p class="verdict right"><span aria-hidden="true">{ "✓ " }</span><strong>{ "Right." }</strong></p>
                },
                Some(Reveal { correct: false, .. }) => html! {
                    <p class="verdict wrong"><span aria-hidden="true">{ "✗ " }</span>
                        <strong>{ "Not quite." }</strong>
                        { format!(" The answer: {}) {}", letter(question.answer), question.choices[question.answer]) }
                    </p>
                },
                None => html! {
                    <p class="verdict waiting">
                        { format!("The answer is revealed by what happens next (at {}).",
                            sim_seconds(question.reveal_at as f64)) }
                    </p>
                },
            };
            html! {
                <li key={question.step} data-question={q.to_string()}
                    data-revealed={reveal.is_some().to_string()}
                    data-correct={reveal.map(|r| r.correct.to_string())}>
                    <p class="q">{ question.text.clone() }</p>
                    <p>{ format!("Your answer: {}) {}", letter(chosen), question.choices[chosen]) }</p>
                    { verdict }
                    if let (Some(_), Some(e)) = (reveal, &question.explanation) {
                        <p class="explanation">{ e.clone() }</p>
                    }
                </li>
            }
        })
        .collect();
    let check_items = checks.iter().map(|(c, s)| {
        let (state, mark, words, detail) = match s {
            CheckState::Pending => ("pending", "○", "not checked yet", None),
            CheckState::AfterAnswer => ("after-answer", "○", "shown once you answer", None),
            CheckState::Holds(r) => ("holds", "✓", "holds", Some(c.in_page_words(&r.text()))),
            CheckState::Fails(r) => ("fails", "✗", "FAILS", Some(c.in_page_words(&r.text()))),
        };
        html! {
            <li key={c.step} class={classes!("lesson-check", state)} data-step={c.step.to_string()}
                data-state={state}>
                <span class="mark" aria-hidden="true">{ mark }</span>
                <time>{ sim_seconds(c.at as f64) }</time>
                <span class="words">{ words }</span>
                <span class="subject">{ detail.unwrap_or_else(|| c.subject.clone()) }</span>
            </li>
        }
    });
    let finished = l.finished(now);
    let (right, revealed) = p.progress.score(l, now);
    html! {
        <section id="lesson-panel" class="panel lesson-panel" aria-labelledby="lesson-title"
            data-lesson={l.name.clone()} data-finished={finished.to_string()}>
            <h2 id="lesson-title">{ format!("Lesson: {}", l.title) }</h2>
            if !l.objectives.is_empty() {
                <details id="lesson-objectives" open={!started}>
                    <summary>{ "What you will see" }</summary>
                    if let Some(d) = &l.description {
                        <p>{ d.clone() }</p>
                    }
                    <ul>{ for l.objectives.iter().map(|o| html! { <li>{ o.clone() }</li> }) }</ul>
                </details>
            }
            if let Some(at) = p.off_script_at {
                <div id="lesson-off-script" class="lesson-off-script" role="note">
                    <p>{ format!(
                        "You changed the cluster at {}: the narration, the questions and the \
                         checks still tell the lesson's own story, which may no longer match \
                         what you see.",
                        sim_seconds(at as f64)
                    ) }</p>
                    <button type="button" id="lesson-restart"
                        onclick={p.on_restart.reform(|_: MouseEvent| ())}>
                        { "Restart the lesson" }
                    </button>
                </div>
            }
            <div id="lesson-narration" class="lesson-narration" aria-live="polite" aria-atomic="true"
                data-step={current.map(|n| n.step.to_string())}>
                { match current {
                    Some(n) => html! { <p><time>{ sim_seconds(n.at as f64) }</time>{ " " }{ n.text.clone() }</p> },
                    None => html! { <p class="hint">{ "The narration appears here as the lesson runs." }</p> },
                } }
            </div>
            if !earlier.is_empty() {
                <details id="lesson-history">
                    <summary>{ format!("Earlier narration ({})", earlier.len()) }</summary>
                    <ol>
                        { for earlier.iter().rev().map(|n| html! {
                            <li key={n.step}><time>{ sim_seconds(n.at as f64) }</time>{ " " }{ n.text.clone() }</li>
                        }) }
                    </ol>
                </details>
            }
            { for gate_html }
            if finished {
                <div id="lesson-summary" class="lesson-summary">
                    <h3>{ "What to remember" }</h3>
                    <p>{ l.summary.clone().unwrap_or_else(|| "The lesson has ended.".into()) }</p>
                    if revealed > 0 {
                        <p id="lesson-score">{ format!("You answered {right} of {revealed} questions right.") }</p>
                    }
                    if let Some(other) = &l.compare_with {
                        <p>
                            { "The same story told another way: " }
                            <a href={format!("?lesson={other}")}>{ other.clone() }</a>
                        </p>
                    }
                </div>
            }
            if !answers.is_empty() {
                <div class="lesson-answers-box">
                    <h3>{ "Your answers" }</h3>
                    <ol id="lesson-answers" class="lesson-answers" aria-live="polite">{ for answers }</ol>
                </div>
            }
            <h3 id="lesson-checks-title">{ "Checks" }</h3>
            <p id="lesson-checks-count" class="hint" data-done={done.to_string()}
                data-total={checks.len().to_string()} data-failed={failed.to_string()}>
                { match (done, failed) {
                    (0, _) => format!("{} checks, made as the clock passes their time.", checks.len()),
                    (d, 0) => format!("{d} of {} checked, all hold.", checks.len()),
                    (d, f) => format!("{d} of {} checked, {f} failed.", checks.len()),
                } }
            </p>
            // Focusable: it scrolls, and the keyboard must reach what is below.
            <ol id="lesson-checks" class="lesson-checks" tabindex="0" aria-labelledby="lesson-checks-title">
                { for check_items }
            </ol>
        </section>
    }
}
