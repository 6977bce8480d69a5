//! The timeline scrubber: a range over the session (its start to the furthest time it
//! reached; past the time-travel window, only the window), the time shown beside it, and a status line saying when acting in the past
//! dropped the rest of the session.

use super::sim_seconds;
use yew::prelude::*;

/// What the scrubber moves by (keyboard arrows).
const SCRUB_STEP_MS: f64 = 100.0;

#[derive(Properties, PartialEq)]
pub struct TimelineProps {
    pub start_ms: f64,
    pub end_ms: f64,
    /// Time travel covers only the last part of the session (this much, in minutes): the
    /// scrubber starts at `start_ms` and says so.
    pub window_min: Option<u32>,
    pub now_ms: f64,
    /// Whether the shown moment is in the past (a future is ahead of it).
    pub in_past: bool,
    /// What the last seek took inside the simulator, in ms (a test hook).
    pub seek_ms: Option<f64>,
    pub status: Option<AttrValue>,
    pub on_seek: Callback<f64>,
}

#[component]
pub fn TimelineBar(p: &TimelineProps) -> Html {
    let seek = p.on_seek.reform(|e: InputEvent| {
        e.target_unchecked_into::<web_sys::HtmlInputElement>()
            .value_as_number()
    });
    let now = p.now_ms.min(p.end_ms);
    // Steps of 100 ms from 0 (keyboard arrows move 0.1 s); the top rounds up, and a seek
    // past the end shows the end. Before the cluster's set-up ends, a seek shows its end.
    let top = (p.end_ms / SCRUB_STEP_MS).ceil() * SCRUB_STEP_MS;
    // With a window the range starts at its start (on the 100 ms grid), else at 0.
    let bottom = match p.window_min {
        Some(_) => (p.start_ms / SCRUB_STEP_MS).floor() * SCRUB_STEP_MS,
        None => 0.0,
    };
    let text = format!("{} of {}", sim_seconds(now), sim_seconds(p.end_ms));
    html! {
        <div class="timeline" data-in-past={p.in_past.to_string()}>
            <label for="timeline">{ "Timeline" }</label>
            <input id="timeline" type="range" step={crate::fmt::fixed(SCRUB_STEP_MS, 0)}
                min={crate::fmt::fixed(bottom, 0)} max={crate::fmt::fixed(top, 0)} data-start={crate::fmt::fixed(p.start_ms, 0)}
                data-end={crate::fmt::fixed(p.end_ms, 0)}
                value={crate::fmt::fixed(now, 0)}
                aria-valuetext={text.clone()}
                data-seek-ms={p.seek_ms.map(|m| crate::fmt::fixed(m, 3))}
                oninput={seek} />
            <output id="timeline-time" for="timeline">{ text }</output>
            if let Some(min) = p.window_min {
                <span id="timeline-window" data-window-min={min.to_string()}>
                    { format!("time travel covers the last {min} minutes") }
                </span>
            }
            <span id="timeline-status" role="status">{ p.status.clone().unwrap_or_default() }</span>
        </div>
    }
}
