//! Playback controls: play/pause, single step and step back, speed (logarithmic), seed and
//! reset.

use super::{sim_seconds, target_value};
use crate::model::playback::{MAX_SPEED_LOG10, MIN_SPEED_LOG10};
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct ToolbarProps {
    pub playing: bool,
    pub speed_log10: f64,
    pub speed_label: AttrValue,
    pub time_ms: f64,
    pub seed_text: AttrValue,
    pub seed_error: Option<AttrValue>,
    pub on_toggle: Callback<()>,
    pub on_step: Callback<()>,
    pub on_step_back: Callback<()>,
    /// Nothing happened before now: no step back.
    pub at_start: bool,
    pub on_speed: Callback<f64>,
    pub on_seed: Callback<String>,
    pub on_reset: Callback<()>,
}

#[component]
pub fn Toolbar(p: &ToolbarProps) -> Html {
    let toggle = p.on_toggle.reform(|_: MouseEvent| ());
    let step = p.on_step.reform(|_: MouseEvent| ());
    let step_back = p.on_step_back.reform(|_: MouseEvent| ());
    let reset = p.on_reset.reform(|_: MouseEvent| ());
    let speed = p.on_speed.reform(|e: InputEvent| {
        e.target_unchecked_into::<web_sys::HtmlInputElement>()
            .value_as_number()
    });
    let seed = p.on_seed.reform(|e: InputEvent| target_value(&e));
    let seed_keys = {
        let reset = p.on_reset.clone();
        Callback::from(move |e: KeyboardEvent| {
            if e.key() == "Enter" {
                reset.emit(());
            }
        })
    };
    html! {
        <div class="toolbar" role="toolbar" aria-label="Playback">
            <button id="play" type="button" onclick={toggle} aria-pressed={p.playing.to_string()}
                title={if p.playing { "Pause the simulation" } else { "Run the simulation" }}>
                { if p.playing { "Pause" } else { "Play" } }
            </button>
            <button id="step" type="button" onclick={step}
                title="Pause and advance to the next thing that happens">
                { "Step" }
            </button>
            <button id="step-back" type="button" onclick={step_back} disabled={p.at_start}
                title="Pause and go back to just before the last thing that happened">
                { "Step back" }
            </button>
            <label class="speed" for="speed">
                { "Speed " }
                <output for="speed" id="speed-value">{ p.speed_label.clone() }</output>
            </label>
            <input id="speed" type="range" min={crate::fmt::fixed(MIN_SPEED_LOG10, 0)}
                max={crate::fmt::fixed(MAX_SPEED_LOG10, 0)} step="0.05"
                value={crate::fmt::fixed(p.speed_log10, 2)}
                aria-valuetext={p.speed_label.clone()}
                oninput={speed} />
            // Whole milliseconds, as the world, the timeline and a share link count them
            // (the playback clock runs between them).
            <span class="clock" aria-label="simulated time">{ format!("t = {}", sim_seconds(p.time_ms.floor())) }</span>
            <span class="seed-group">
                <label for="seed">{ "Seed" }</label>
                <input id="seed" type="text" inputmode="numeric" size="8"
                    value={p.seed_text.clone()} oninput={seed} onkeydown={seed_keys}
                    aria-invalid={p.seed_error.is_some().to_string()}
                    aria-describedby="seed-error" />
                <button id="reset" type="button" onclick={reset}
                    title="Rebuild the cluster from the configuration and this seed">
                    { "Reset" }
                </button>
                <span id="seed-error" class="field-error" role="alert">
                    { p.seed_error.clone().unwrap_or_default() }
                </span>
            </span>
        </div>
    }
}
