//! The event log: what happened, in plain words, newest first. Screen readers hear the
//! important events from the app's `#announcer` live region instead, briefly and throttled.

use super::{sim_seconds, target_checked};
use crate::model::world::LogLine;
use std::rc::Rc;
use yew::prelude::*;

/// Lines longer than this (in bytes; shown in characters) are elided in the list.
pub const LONG_LINE: usize = 300;

#[derive(Properties, PartialEq)]
pub struct EventLogProps {
    /// Newest first.
    pub lines: Rc<Vec<Rc<LogLine>>>,
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
            // Not a live region: a busy cluster logs several lines a second, too many to hear.
            // The page's #announcer says the important ones, briefly (`model/announce.rs`).
            // Focusable, so the keyboard can scroll it.
            <ol id="event-log" class="event-log" tabindex="0" aria-label="Events, newest first">
                { for p.lines.iter().map(|l| html! { <LogItem key={l.id} line={l.clone()} /> }) }
            </ol>
        </section>
    }
}

/// One line as its own component: a new line at the top does not rebuild the others (`Rc`
/// of an `Eq` type compares pointers first).
#[derive(Properties, PartialEq)]
struct LogItemProps {
    line: Rc<LogLine>,
}

#[component]
fn LogItem(p: &LogItemProps) -> Html {
    let l = &p.line;
    // A line with a huge key or name is shown in part; all of it in the tooltip (and in the
    // exported trace).
    let long = l.text.len() > LONG_LINE;
    let text = if long {
        crate::fmt::elide_end(&l.text, LONG_LINE)
    } else {
        l.text.clone()
    };
    html! {
        <li class={classes!(l.detail.then_some("detail"))}>
            <time>{ sim_seconds(l.time as f64) }</time>
            <span class="text" title={long.then(|| l.text.clone())}>{ text }</span>
        </li>
    }
}
