//! The app's lesson player: loads `lessons/<name>.json` (relative to the page, so a page
//! served under a sub-path finds its own lessons), parses it with the core's parser, runs it
//! in a [`World::from_lesson`], keeps the page address's `?lesson=` in step, stops the clock
//! at pauses, questions and the end, and draws the lesson panel.

use super::{App, Msg};
use crate::components::lesson_panel::{LessonPanel, LessonSelect};
use crate::model::lesson::{Lesson, LessonError, LessonProgress, is_lesson_name, lesson_path};
use crate::model::{Scenario, World};
use kafkascope_core::TopicPartition;
use kafkascope_core::config::Millis;
use kafkascope_core::expect::ExpectResult;
use std::rc::Rc;
use wasm_bindgen::{JsCast, JsValue};
use yew::prelude::*;

/// What the lesson player holds besides the world.
#[derive(Default)]
pub(super) struct LessonUi {
    pub(super) lesson: Option<Rc<Lesson>>,
    pub(super) progress: LessonProgress,
    /// The lesson being fetched.
    loading: Option<String>,
    /// Why the lesson asked for could not be loaded.
    error: Option<String>,
    continue_error: Option<String>,
    results: Rc<Vec<(usize, ExpectResult)>>,
    /// Give the gate the focus after the next render (the clock just stopped at it).
    focus_gate: bool,
    /// Simulated time to run to once the lesson is loaded (`?t=`).
    start_at: Millis,
    /// Play once the lesson is loaded (not `?paused=1`).
    autoplay: bool,
    /// The lesson was chosen in the select (its start then takes the focus; a lesson in the
    /// page address does not move the focus or scroll the page as it opens).
    chosen: bool,
}

pub enum LessonMsg {
    /// The lesson select: a lesson's name, or "" for free play.
    Select(String),
    /// A fetch finished: the lesson's name and the file's text or why it failed.
    Loaded(String, Result<String, String>),
    Choose(usize, usize),
    Continue,
    /// The lesson from its start, with its own seed and none of the learner's actions.
    Restart,
    /// Back or Forward moved to another history entry of the page (`popstate`).
    AddressChanged,
}

/// Fetches `url` (relative to the page) as text.
async fn fetch_text(url: String) -> Result<String, String> {
    let js = |e: JsValue| {
        e.as_string()
            .or_else(|| {
                e.dyn_ref::<js_sys::Error>()
                    .map(|e| String::from(e.message()))
            })
            .unwrap_or_else(|| "the request failed".into())
    };
    let win = web_sys::window().ok_or("no window")?;
    let resp = wasm_bindgen_futures::JsFuture::from(win.fetch_with_str(&url))
        .await
        .map_err(|e| format!("could not be loaded: {}", js(e)))?;
    let resp: web_sys::Response = resp.dyn_into().map_err(js)?;
    if !resp.ok() {
        return Err(format!(
            "could not be loaded (HTTP {} {})",
            resp.status(),
            resp.status_text()
        ));
    }
    let text = wasm_bindgen_futures::JsFuture::from(resp.text().map_err(js)?)
        .await
        .map_err(js)?;
    text.as_string()
        .ok_or_else(|| "the file is not text".to_owned())
}

/// How a change of lesson goes into the page address.
#[derive(Clone, Copy, PartialEq, Eq)]
enum AddressChange {
    /// A new history entry: Back returns to the lesson (or free play) before.
    Push,
    /// The entry in place: a frame in a course page (`?embed=1`) adds nothing to the course
    /// page's history.
    Replace,
}

/// How the app's lesson changes go into the page address: only the page's own instance
/// changes it (never the address of a course page that mounted the app with options).
fn address_change(props: &super::AppProps) -> Option<AddressChange> {
    match (props.page, props.embed) {
        (false, _) => None,
        (true, true) => Some(AddressChange::Replace),
        (true, false) => Some(AddressChange::Push),
    }
}

/// The page address with `?lesson=<name>` put in (or taken out), the other parameters kept.
fn address_with_lesson(name: Option<&str>) -> Option<String> {
    let href = web_sys::window()?.location().href().ok()?;
    let url = web_sys::Url::new(&href).ok()?;
    let params = url.search_params();
    match name {
        Some(n) => params.set("lesson", n),
        None => params.delete("lesson"),
    }
    // A `t=` and `paused=` belong to the page as first opened (a shared link's moment): the
    // lesson chosen, or free play, starts from its beginning and plays. A lesson brings its
    // own cluster, so the address's (a preset, a mode, a seed, a script, a share link's
    // cluster and actions) would only mislead.
    params.delete("t");
    params.delete("paused");
    if name.is_some() {
        for key in [
            "preset", "mode", "nodes", "seed", "script", "v", "c", "a", "e",
        ] {
            params.delete(key);
        }
    }
    Some(url.href())
}

/// The lesson the page address names (`?lesson=`), if any.
fn lesson_in_address() -> Option<String> {
    let search = web_sys::window()?.location().search().ok()?;
    let params = web_sys::UrlSearchParams::new_with_str(&search).ok()?;
    params.get("lesson").filter(|n| !n.is_empty())
}

/// Puts `?lesson=<name>` in the page address (or takes it out) without reloading.
fn set_lesson_in_address(name: Option<&str>, change: Option<AddressChange>) {
    let (Some(change), Some(href)) = (change, address_with_lesson(name)) else {
        return;
    };
    let Some(h) = web_sys::window().and_then(|w| w.history().ok()) else {
        return;
    };
    let _ = match change {
        AddressChange::Push => h.push_state_with_url(&JsValue::NULL, "", Some(&href)),
        AddressChange::Replace => h.replace_state_with_url(&JsValue::NULL, "", Some(&href)),
    };
}

/// The lesson file parsed and its world built.
#[cfg(feature = "lessons")]
fn lesson_world(name: &str, text: &str) -> Result<(Lesson, World), LessonError> {
    let l = Lesson::parse(name, text)?;
    let w = World::from_lesson(l.scenario.clone(), l.scenario.seed)
        .map_err(|e| LessonError::load(lesson_path(name), e))?;
    Ok((l, w))
}

/// The lesson's world again, with another seed (Reset).
#[cfg(feature = "lessons")]
fn lesson_world_again(l: &Lesson, seed: u64) -> Result<World, String> {
    World::from_lesson(l.scenario.clone(), seed)
}

// Without the lesson player no lesson is ever loaded: nothing here runs one, so none of the
// lesson's simulation code is in that build.
#[cfg(not(feature = "lessons"))]
fn lesson_world(name: &str, _text: &str) -> Result<(Lesson, World), LessonError> {
    Err(LessonError::load(
        lesson_path(name),
        crate::model::lesson::NO_LESSON_PLAYER,
    ))
}

#[cfg(not(feature = "lessons"))]
fn lesson_world_again(_: &Lesson, _: u64) -> Result<World, String> {
    Err(crate::model::lesson::NO_LESSON_PLAYER.to_owned())
}

/// Loads the page with `?lesson=<name>` (other parameters kept, `t=` and `paused=`
/// dropped), as a new history entry unless `change` says to replace this one.
fn open_lesson_page(name: &str, change: AddressChange) {
    let (Some(win), Some(href)) = (web_sys::window(), address_with_lesson(Some(name))) else {
        return;
    };
    let _ = match change {
        AddressChange::Push => win.location().assign(&href),
        AddressChange::Replace => win.location().replace(&href),
    };
}

impl App {
    /// At start-up: `?lesson=<name>` starts loading it (the default cluster shows meanwhile,
    /// paused).
    pub(super) fn lesson_start(&mut self, ctx: &Context<Self>, name: &str, start_at: Millis) {
        self.lesson.start_at = start_at;
        self.lesson.autoplay = self.playback.playing();
        self.lesson.chosen = false;
        self.load_lesson(ctx, name.to_owned());
    }

    fn load_lesson(&mut self, ctx: &Context<Self>, name: String) {
        self.lesson.error = None;
        if !is_lesson_name(&name) {
            self.lesson.error = Some(format!(
                "\"{}\" is not a lesson name (letters, digits, - and _): the default cluster is shown",
                crate::fmt::elide_end(&name, 60)
            ));
            return;
        }
        self.playback.pause();
        self.lesson.loading = Some(name.clone());
        if !cfg!(feature = "lessons") {
            // No lesson player in this build: the same error as after a fetch, without the
            // fetch (and so without its code in the page's smaller build).
            self.lesson_update(ctx, LessonMsg::Loaded(name, Ok(String::new())));
            return;
        }
        let link = ctx.link().clone();
        let url = format!("{}{name}.json", ctx.props().lesson_base);
        wasm_bindgen_futures::spawn_local(async move {
            let r = fetch_text(url).await;
            link.send_message(Msg::Lesson(LessonMsg::Loaded(name, r)));
        });
    }

    /// The time the clock may reach on its way to `t`; at a pause, a question or the end it
    /// stops there (playback pauses, the gate takes the focus).
    pub(super) fn lesson_clamp(&mut self, t: Millis) -> Millis {
        let Some(l) = self.lesson.lesson.clone() else {
            return t;
        };
        let (to, stopped) = self.lesson.progress.clamp(&l, t);
        // The Start gate is at 0, but the world opens once its set-up has run: the clock
        // stops where the session starts.
        let to = to.max(self.world.session().0);
        if stopped {
            if self.playback.playing() {
                self.lesson.focus_gate = true;
            }
            self.playback.pause();
            self.playback.seek_to(to as f64);
        }
        to
    }

    /// Whether a lesson is loading (its world will replace the one shown).
    pub(super) fn lesson_loading(&self) -> bool {
        self.lesson.loading.is_some()
    }

    /// Whether the clock is stopped at a lesson's start, pause, question or end.
    pub(super) fn lesson_gate_active(&self) -> bool {
        self.lesson.lesson.as_ref().is_some_and(|l| {
            self.lesson
                .progress
                .active_gate(l, self.world.now())
                .is_some()
        })
    }

    /// After a seek or step back: gates skipped by a later start (`?t=`) that are now ahead
    /// of the clock are asked again.
    pub(super) fn lesson_rewound(&mut self) {
        if let Some(l) = self.lesson.lesson.clone() {
            self.lesson.progress.rewind_to(&l, self.world.now());
        }
    }

    /// After the world changed: the checks it has reached.
    pub(super) fn lesson_derive(&mut self) {
        if self.lesson.lesson.is_some() && *self.lesson.results != self.world.lesson_results() {
            self.lesson.results = Rc::new(self.world.lesson_results().to_vec());
        }
    }

    /// Leaves the lesson (free play): the config panel applied, or "Free play" chosen.
    pub(super) fn lesson_leave(&mut self, ctx: &Context<Self>) {
        if self.lesson.lesson.take().is_some() || self.lesson.loading.take().is_some() {
            set_lesson_in_address(None, address_change(ctx.props()));
        }
        self.lesson.error = None;
        self.lesson.results = Rc::default();
    }

    /// Reset with a new seed: a lesson restarts from its beginning. Returns false when no
    /// lesson runs.
    pub(super) fn lesson_reset(&mut self, seed: u64) -> bool {
        let Some(l) = self.lesson.lesson.clone() else {
            return false;
        };
        match lesson_world_again(&l, seed) {
            Ok(w) => {
                self.lesson.progress = LessonProgress::new(&l);
                self.install(w);
                self.playback.play();
            }
            Err(e) => self.seed_error = Some(e),
        }
        true
    }

    pub(super) fn lesson_update(&mut self, ctx: &Context<Self>, msg: LessonMsg) {
        match msg {
            LessonMsg::Select(name) if name.is_empty() => {
                self.lesson_leave(ctx);
                let seed = self.world.seed();
                if let Ok(w) = World::new(&Scenario::default(), seed) {
                    self.selected_tp = Some(TopicPartition::new("orders", 0));
                    self.install(w);
                    self.playback.play();
                }
            }
            // Without the lesson player, the page opens the lesson in the build that has it
            // (`www/main.js` loads `kafkascope_web.js` for `?lesson=`).
            LessonMsg::Select(name) if !cfg!(feature = "lessons") => {
                if let Some(change) = address_change(ctx.props()) {
                    open_lesson_page(&name, change);
                } else {
                    self.lesson.error = Some(crate::model::lesson::NO_LESSON_PLAYER.to_owned());
                }
            }
            LessonMsg::Select(name) => {
                set_lesson_in_address(Some(&name), address_change(ctx.props()));
                self.lesson.start_at = 0;
                self.lesson.autoplay = true;
                self.lesson.chosen = true;
                self.load_lesson(ctx, name);
            }
            // Back or Forward to an entry with another lesson (or free play): the page opens
            // that address, in the build it needs, as a link to it would. Other entries (an
            // in-page anchor) change nothing.
            LessonMsg::AddressChanged => {
                let shown = self.lesson.lesson.as_ref().map(|l| l.name.clone());
                if lesson_in_address() != shown.or_else(|| self.lesson.loading.clone())
                    && let Some(win) = web_sys::window()
                {
                    let _ = win.location().reload();
                }
            }
            LessonMsg::Loaded(name, text) => {
                if self.lesson.loading.as_deref() != Some(name.as_str()) {
                    return; // another lesson was chosen meanwhile
                }
                self.lesson.loading = None;
                let lesson = text
                    .map_err(|e| LessonError::load(lesson_path(&name), e))
                    .and_then(|t| lesson_world(&name, &t));
                match lesson {
                    Ok((l, w)) => {
                        let l = Rc::new(l);
                        self.lesson.progress = LessonProgress::new(&l);
                        self.lesson.lesson = Some(l.clone());
                        self.lesson.continue_error = None;
                        self.seed_text = l.scenario.seed.to_string();
                        self.selected_tp = l
                            .scenario
                            .topics
                            .first()
                            .map(|t| TopicPartition::new(t.name.as_str(), 0));
                        self.install(w);
                        // `?t=` (a shared link) starts there: the start and every pause
                        // or question before it are skipped.
                        if self.lesson.start_at > 0 {
                            self.lesson.progress.skip_before(&l, self.lesson.start_at);
                        }
                        let t = self.lesson_clamp(self.lesson.start_at);
                        self.world.advance_to(t);
                        self.playback.jump_to(t as f64);
                        if self.lesson.autoplay && self.lesson.progress.active_gate(&l, t).is_none()
                        {
                            self.playback.play();
                        }
                        // A lesson just chosen: its start takes the focus.
                        self.lesson.focus_gate |= self.lesson.chosen;
                        self.derive();
                    }
                    Err(e) => {
                        self.lesson.error = Some(format!(
                            "{} (the default cluster is shown instead)",
                            e.text()
                        ));
                        if self.lesson.autoplay {
                            self.playback.play();
                        }
                    }
                }
                // What `handle.send` asked for while the lesson loaded, in the world now shown.
                for cmd in std::mem::take(&mut self.api_queue) {
                    Component::update(self, ctx, Msg::Api(cmd));
                }
            }
            LessonMsg::Choose(q, choice) => {
                if let Some(l) = &self.lesson.lesson {
                    self.lesson.progress.choose(l, q, choice);
                    self.lesson.continue_error = None;
                }
            }
            LessonMsg::Restart => {
                if let Some(seed) = self.lesson.lesson.as_ref().map(|l| l.scenario.seed) {
                    self.seed_text = seed.to_string();
                    self.lesson_reset(seed);
                }
            }
            LessonMsg::Continue => {
                let Some(l) = self.lesson.lesson.clone() else {
                    return;
                };
                match self.lesson.progress.proceed(&l, self.world.now()) {
                    Ok(()) => {
                        self.lesson.continue_error = None;
                        // Another gate at the same moment stops the clock again at once.
                        if self
                            .lesson
                            .progress
                            .active_gate(&l, self.world.now())
                            .is_some()
                        {
                            self.lesson.focus_gate = true;
                        } else {
                            self.playback.play();
                        }
                    }
                    Err(e) => {
                        self.lesson.continue_error = Some(e.to_owned());
                        self.lesson.focus_gate = true;
                    }
                }
            }
        }
    }

    /// Gives the gate the focus when the clock has just stopped at it.
    pub(super) fn lesson_rendered(&mut self) {
        if !std::mem::take(&mut self.lesson.focus_gate) {
            return;
        }
        let el = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.get_element_by_id("lesson-gate"))
            .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok());
        if let Some(el) = el {
            // Scrolled only as far as needed to show it (the diagram stays in view when it
            // can), without smooth scrolling.
            let focus = web_sys::FocusOptions::new();
            focus.set_prevent_scroll(true);
            let _ = el.focus_with_options(&focus);
            let scroll = web_sys::ScrollIntoViewOptions::new();
            scroll.set_block(web_sys::ScrollLogicalPosition::Nearest);
            el.scroll_into_view_with_scroll_into_view_options(&scroll);
        }
    }

    /// What Share links to while a lesson runs: the lesson at this time
    /// (`lesson=<name>&t=<ms>&paused=1`, which replays its steps there), or why it cannot:
    /// actions of the learner's own, or another seed, are not in such a link. None outside a
    /// lesson.
    pub(super) fn lesson_share_query(&self) -> Option<Result<String, String>> {
        let l = self.lesson.lesson.as_ref()?;
        if self.world.actions().next().is_some() {
            return Some(Err(format!(
                "This lesson session cannot be shared: a link replays lesson {} at a time, not \
                 the actions you took in it.",
                l.name
            )));
        }
        if self.world.seed() != l.scenario.seed {
            return Some(Err(format!(
                "This lesson session cannot be shared: a link replays lesson {} with its own \
                 seed ({}), not seed {}.",
                l.name,
                l.scenario.seed,
                self.world.seed()
            )));
        }
        let embed = if self.embed { "&embed=1" } else { "" };
        Some(Ok(format!(
            "lesson={}&t={}&paused=1{embed}",
            l.name,
            self.world.now()
        )))
    }

    /// The "Lesson" select, and the load error or progress under it.
    pub(super) fn lesson_select_view(&self, ctx: &Context<Self>) -> Html {
        // Without the lesson player only the page's own instance offers lessons (it reloads
        // the page in the build that has one).
        if !cfg!(feature = "lessons") && !ctx.props().page {
            return Html::default();
        }
        let current = self
            .lesson
            .loading
            .clone()
            .or_else(|| self.lesson.lesson.as_ref().map(|l| l.name.clone()))
            .map(AttrValue::from);
        let select = self.cb.lesson_select.clone();
        html! {
            <>
                <LessonSelect {current} on_select={select} />
                if let Some(name) = &self.lesson.loading {
                    <p id="lesson-loading" class="status" role="status">
                        { format!("Loading {}…", lesson_path(name)) }
                    </p>
                }
                { self.lesson_error_view() }
            </>
        }
    }

    /// Why the lesson asked for could not be loaded, if it could not (an embedded instance,
    /// which has no Lesson select, shows it too: a mistyped lesson name must not pass
    /// silently).
    pub(super) fn lesson_error_view(&self) -> Html {
        match &self.lesson.error {
            Some(e) => {
                html! { <p id="lesson-error" class="lesson-error" role="alert">{ e.clone() }</p> }
            }
            None => Html::default(),
        }
    }

    /// The lesson panel, when a lesson runs.
    pub(super) fn lesson_panel_view(&self) -> Html {
        let Some(l) = self
            .lesson
            .lesson
            .as_ref()
            .filter(|_| cfg!(feature = "lessons"))
        else {
            return Html::default();
        };
        html! {
            <LessonPanel lesson={l.clone()} now={self.world.now()}
                progress={self.lesson.progress.clone()} results={self.lesson.results.clone()}
                continue_error={self.lesson.continue_error.clone().map(AttrValue::from)}
                off_script_at={self.world.actions().map(|(at, _)| at).find(|&at| at <= self.world.now())}
                on_choose={self.cb.lesson_choose.clone()} on_continue={self.cb.lesson_continue.clone()}
                on_restart={self.cb.lesson_restart.clone()} />
        }
    }
}
