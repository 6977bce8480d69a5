//! The event log: what happened, in plain words, newest first. A polite live region, so a
//! screen reader announces key events without interrupting.

use super::{sim_seconds, target_checked};
use crate::model::world::LogLine;
use std::rc::Rc;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct EventLogProps {
    /// Newest first.
    pub lines: Rc<Vec<LogLine>>,
    pub show_details: bool,
    pub on_details: Callback<bool>,
}

#[component]
pub fn EventLog(p: &EventLogProps) -> Html {
    let toggle = p.on_details.reform(|e: Event| target_checked(&e));
    html! {
        <section class="panel event-log-panel" aria-labelledby="event-log-title">
            <h2 id="event-log-title">{ "Event log" }</h2>
            <label class="check">
                <input id="log-details" type="checkbox" checked={p.show_details} onchange={toggle} />
                { " show replication details (appends, high watermark, dropped messages)" }
            </label>
            <ol id="event-log" class="event-log" aria-live="polite" aria-relevant="additions"
                aria-label="Events, newest first">
                { for p.lines.iter().map(|l| html! {
                    <li key={l.id} class={classes!(l.detail.then_some("detail"))}>
                        <time>{ sim_seconds(l.time as f64) }</time>
                        <span class="text">{ l.text.clone() }</span>
                    </li>
                }) }
            </ol>
        </section>
    }
}
