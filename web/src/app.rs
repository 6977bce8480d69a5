//! The root component: owns the world and the playback clock, runs the animation loop
//! (a `requestAnimationFrame` handle kept here and dropped to cancel: paused means no frame
//! is requested), and lays the page out.

use crate::api::Bus;
use crate::components::broker_menu::BrokerMenu;
use crate::components::config_panel::ConfigPanel;
use crate::components::consumer::ConsumerForm;
use crate::components::diagram::{DiagramArgs, Legend, diagram};
use crate::components::event_log::EventLog;
use crate::components::message_dot::api_letter;
use crate::components::metrics::MetricsStrip;
use crate::components::node_menu::NodeMenu;
use crate::components::partition_view::PartitionPanel;
use crate::components::produce_form::ProduceForm;
use crate::components::share_bar::ShareBar;
use crate::components::timeline::TimelineBar;
use crate::components::toolbar::Toolbar;
use crate::coordinator_view::{CoordinatorView, coordinator_view};
use crate::embed::{ApiAction, ApiCommand, SEEK_PAST_END_MS};
use crate::layout::{Layout, LayoutInput, Orientation, Room};
use crate::model::announce::{Announcer, Flush};
use crate::model::world::{Action, LogLine, ProduceRequest, TopicInfo};
use crate::model::{
    BrokerAction, PartitionView, Playback, Scenario, ScenarioDraft, ScenarioErrors, ScriptAction,
    World,
};
use crate::share::Share;
use gloo_events::EventListener;
use gloo_render::{AnimationFrame, request_animation_frame};
use kafkascope_core::assignor::AssignorKind;
use kafkascope_core::config::Millis;
use kafkascope_core::snapshot::Snapshot;
use kafkascope_core::{BrokerId, NodeId, TopicPartition};
use std::collections::VecDeque;
use std::rc::Rc;
use yew::prelude::*;

mod lesson;
use lesson::{LessonMsg, LessonUi};

/// Lines of the event log drawn (the newest; every line of the session is in Export trace, and
/// the scrubber goes back to any moment). Each new line re-lays the list out, so fewer is
/// cheaper per frame.
const LOG_LINES_SHOWN: usize = 60;
/// While playing, the event log is redrawn at most this often (wall-clock ms): a line that
/// follows a quiet spell shows at once, a flood (a busy cluster logs a hundred lines a
/// second) is drawn four times a second instead of in every frame. Paused, stepping or
/// scrubbing, every change shows at once.
const LOG_REDRAW_WALL_MS: f64 = 250.0;
/// How long a dropped message's cross stays, in wall-clock ms (scaled by the speed).
const DROP_FADE_WALL_MS: f64 = 1500.0;
/// Frames kept for the frame-time percentile.
const FRAME_SAMPLES: usize = 120;

#[derive(Properties, PartialEq, Clone)]
pub struct AppProps {
    pub scenario: Scenario,
    pub seed: u64,
    /// Run the simulation to this time (ms) before the first frame.
    pub start_at: Millis,
    /// Playback speed in percent of real time (10 = 0.1x).
    pub speed_percent: Option<u32>,
    pub paused: bool,
    /// Timed actions to run (from the page address).
    pub script: Vec<(Millis, ScriptAction)>,
    /// A share link's session: replaces the scenario, seed, script and start time.
    pub share: Option<Rc<Share>>,
    /// What was wrong with the page address or link (shown above the app).
    pub notice: Option<AttrValue>,
    /// The minimal frame (`?embed=1`): diagram, toolbar, collapsed log; no config.
    pub embed: bool,
    /// The embedding page's subscribers (`handle.on`).
    pub bus: Bus,
    /// Where share links point (the page's address by default).
    pub share_base: AttrValue,
    /// Where lesson files are fetched from: `<lesson_base><name>.json` (`lessons/` beside the
    /// page by default).
    pub lesson_base: AttrValue,
    /// A lesson to load: `lessons/<name>.json` (`?lesson=<name>`).
    pub lesson: Option<String>,
    /// The page's own instance (`mount('app')` reading the page address), which may change
    /// the address; not an instance an embedding page mounted with options.
    pub page: bool,
}

pub enum Msg {
    Frame(f64),
    TogglePlay,
    Step,
    StepBack,
    /// The timeline scrubber moved to this simulated time (ms).
    Seek(f64),
    Speed(f64),
    SeedText(String),
    Reset,
    SelectBroker(BrokerId),
    CloseBrokerMenu,
    SelectNode(NodeId),
    CloseNodeMenu,
    Node(NodeId, BrokerAction),
    Broker(BrokerId, BrokerAction),
    ElectPreferred,
    Produce(ProduceRequest),
    AddConsumer(String, String, AssignorKind),
    SelectPartition(Option<TopicPartition>),
    ApplyConfig(ScenarioDraft),
    ShowDetails(bool),
    VisibilityChanged,
    Resized,
    ReducedMotion(bool),
    /// A command from the embedding page (`handle.send`).
    Api(ApiCommand),
    Share,
    ExportSvg,
    ExportTrace,
    Lesson(LessonMsg),
    /// Time to say what the live region holds back (`model/announce.rs`).
    Announce,
}

struct Callbacks {
    select_broker: Callback<BrokerId>,
    select_node: Callback<NodeId>,
    node_action: Callback<(NodeId, BrokerAction)>,
    close_node_menu: Callback<()>,
    toggle: Callback<()>,
    step: Callback<()>,
    step_back: Callback<()>,
    seek: Callback<f64>,
    speed: Callback<f64>,
    seed: Callback<String>,
    reset: Callback<()>,
    broker_action: Callback<(BrokerId, BrokerAction)>,
    elect: Callback<()>,
    close_menu: Callback<()>,
    produce: Callback<ProduceRequest>,
    add_consumer: Callback<(String, String, AssignorKind)>,
    select_partition: Callback<Option<TopicPartition>>,
    apply_config: Callback<ScenarioDraft>,
    details: Callback<bool>,
    share: Callback<()>,
    export_svg: Callback<()>,
    export_trace: Callback<()>,
    lesson_select: Callback<String>,
    lesson_choose: Callback<(usize, usize)>,
    lesson_continue: Callback<()>,
    lesson_restart: Callback<()>,
}

pub struct App {
    world: World,
    playback: Playback,
    /// The room the diagram has (measured), which picks the layout.
    room: Room,
    /// Measures the diagram's box again when it changes size (a lesson panel appearing
    /// beside it in a frame, the window resized).
    resize_observer: Option<ResizeWatch>,
    layout_input: LayoutInput,
    layout: Rc<Layout>,
    seen_version: u64,
    frame: Option<AnimationFrame>,
    _listeners: Vec<EventListener>,
    reduced_motion: bool,
    hidden: bool,
    selected_broker: Option<BrokerId>,
    /// A ZooKeeper server or KRaft controller whose actions are open.
    selected_node: Option<NodeId>,
    selected_tp: Option<TopicPartition>,
    partition_view: Option<Rc<PartitionView>>,
    /// The coordinator area's content, derived once per snapshot (not per frame).
    coordinator: Rc<CoordinatorView>,
    topics: Rc<Vec<TopicInfo>>,
    user_topics: Rc<Vec<TopicInfo>>,
    log_lines: Rc<Vec<Rc<LogLine>>>,
    /// When `log_lines` was last rebuilt (`performance.now()`).
    log_drawn_at: f64,
    seed_text: String,
    seed_error: Option<String>,
    config_errors: Rc<ScenarioErrors>,
    status: Option<String>,
    /// What acting in the past dropped (the timeline's status line).
    timeline_status: Option<String>,
    /// What the last seek or step back took inside the simulator (ms).
    seek_ms: Option<f64>,
    produce_error: Option<String>,
    consumer_error: Option<String>,
    /// Commands of `handle.send` that came while a lesson loads, for the lesson's world.
    api_queue: Vec<ApiCommand>,
    /// Each Step's (from, to, world version after it), so that Step back right after Steps
    /// retraces them.
    step_trail: Vec<(Millis, Millis, u64)>,
    show_details: bool,
    frame_start: Option<f64>,
    /// A broker to give keyboard focus back to after the next render (its menu closed).
    /// What gets keyboard focus back after the next render (a menu closed): the selector of
    /// its broker or node.
    focus_after: Option<String>,
    frame_times: VecDeque<f64>,
    cb: Callbacks,
    /// Problems of the page address or share link.
    notice: Option<AttrValue>,
    share_link: Option<AttrValue>,
    share_error: Option<AttrValue>,
    export_status: Option<AttrValue>,
    /// The app's root element (exports and focus look inside it, not in the whole page).
    root_ref: NodeRef,
    bus: Bus,
    embed: bool,
    /// The lesson player (`app/lesson.rs`).
    lesson: LessonUi,
    /// The broker count the broker layers were last placed for; None after a new layout.
    layers_placed: Option<usize>,
    /// The live region's brief, throttled summaries of important events.
    announcer: Announcer,
    /// A timer will flush the announcer.
    announce_timer: bool,
}

fn perf_now() -> f64 {
    // Looked up once: `window.performance` through the bindings cost more than `now()`.
    thread_local! {
        static PERFORMANCE: Option<web_sys::Performance> =
            web_sys::window().and_then(|w| w.performance());
    }
    PERFORMANCE.with(|p| p.as_ref().map_or(0.0, |p| p.now()))
}

/// The room the diagram has: the window's width says whether this is a phone; the diagram's
/// own box, once drawn, gives its width. In the minimal frame the diagram fits the frame's
/// height; on the page, where it scrolls, the window's height is the height worth filling
/// (a layout taller than that is not chosen to draw the text larger).
fn measure_room(root: &NodeRef, embed: bool) -> Room {
    let window = web_sys::window();
    let window_size = |v: Option<Result<wasm_bindgen::JsValue, wasm_bindgen::JsValue>>| {
        v.and_then(|v| v.ok()).and_then(|v| v.as_f64())
    };
    let window_width = window_size(window.as_ref().map(|w| w.inner_width())).unwrap_or(1280.0);
    let window_height = window_size(window.as_ref().map(|w| w.inner_height()));
    let narrow = Orientation::for_viewport(window_width) == Orientation::Narrow;
    let stack = root
        .cast::<web_sys::Element>()
        .and_then(|r| r.query_selector(".cluster-stack").ok().flatten())
        .filter(|e| e.client_width() > 0);
    match stack {
        Some(e) if embed && e.client_height() > 0 => Room {
            width: f64::from(e.client_width()),
            height: Some(f64::from(e.client_height())),
            narrow,
        },
        Some(e) => Room {
            width: f64::from(e.client_width()),
            height: window_height.filter(|_| !narrow),
            narrow,
        },
        None => Room {
            width: window_width,
            height: window_height.filter(|_| !narrow),
            narrow,
        },
    }
}

/// Calls `f` once, `ms` milliseconds from now (a task of its own).
fn after_timeout(ms: i32, f: impl FnOnce() + 'static) {
    use wasm_bindgen::JsCast;
    let f = wasm_bindgen::closure::Closure::once_into_js(f);
    if let Some(w) = web_sys::window() {
        let _ = w.set_timeout_with_callback_and_timeout_and_arguments_0(f.unchecked_ref(), ms);
    }
}

/// A `ResizeObserver` on the diagram's box and the callback it calls.
struct ResizeWatch {
    observer: web_sys::ResizeObserver,
    _callback: wasm_bindgen::closure::Closure<dyn FnMut()>,
}

impl ResizeWatch {
    fn new(target: &web_sys::Element, on_resize: Callback<()>) -> Option<Self> {
        use wasm_bindgen::JsCast;
        // Not at once: laying the diagram out again changes the observed box's height in the
        // same frame, which the browser reports as an error ("ResizeObserver loop completed
        // with undelivered notifications").
        let callback = wasm_bindgen::closure::Closure::<dyn FnMut()>::new(move || {
            let on_resize = on_resize.clone();
            after_timeout(0, move || on_resize.emit(()));
        });
        let observer = web_sys::ResizeObserver::new(callback.as_ref().unchecked_ref()).ok()?;
        observer.observe(target);
        Some(Self {
            observer,
            _callback: callback,
        })
    }
}

impl Drop for ResizeWatch {
    fn drop(&mut self) {
        self.observer.disconnect();
    }
}

fn reduced_motion_query() -> Option<web_sys::MediaQueryList> {
    web_sys::window()?
        .match_media("(prefers-reduced-motion: reduce)")
        .ok()
        .flatten()
}

fn layout_input(s: &Snapshot) -> LayoutInput {
    LayoutInput {
        producers: s.producers.iter().map(|p| p.id).collect(),
        brokers: s.brokers.iter().map(|b| (b.id, b.replicas.len())).collect(),
        consumers: s
            .consumers
            .iter()
            // A failed consumer's lines name its error (three lines at most).
            .map(|c| {
                let failed = if c.fatal_error.is_some() { 3 } else { 0 };
                (c.id, c.assignment.len().max(c.held.len()).max(failed))
            })
            .collect(),
        coordinators: s
            .controller
            .nodes
            .iter()
            .filter(|(_, host)| host.is_none())
            .map(|(n, _)| *n)
            .collect(),
        colocated: s
            .controller
            .nodes
            .iter()
            .filter_map(|(n, host)| host.map(|b| (*n, b)))
            .collect(),
    }
}

/// The p95 of the samples, if there are enough of them.
fn p95(samples: &VecDeque<f64>) -> Option<f64> {
    if samples.len() < 10 {
        return None;
    }
    // The k-th smallest by counting (a hundred samples): no sort code in the binary.
    let k = samples.len() * 95 / 100;
    samples.iter().copied().find(|&x| {
        let below = samples.iter().filter(|&&y| y < x).count();
        let at_most = samples.iter().filter(|&&y| y <= x).count();
        below < k && k <= at_most
    })
}

impl App {
    fn install(&mut self, world: World) {
        self.world = world;
        self.step_trail.clear();
        self.playback.reset();
        self.playback.jump_to(self.world.now() as f64);
        self.seen_version = u64::MAX;
        // A new world's log replaces the old one at once.
        self.log_drawn_at = f64::NEG_INFINITY;
        self.selected_broker = None;
        self.status = None;
        self.timeline_status = None;
        self.produce_error = None;
        self.consumer_error = None;
        self.derive();
        // A new world's opening lines are not news.
        self.announcer.skip(self.world.log().iter().map(Rc::as_ref));
    }

    /// After an action: if it was taken in the past, the rest of the session was dropped;
    /// say so, and play on from here.
    fn after_action(&mut self) {
        if let Some(fork) = self.world.fork() {
            // The session now ends here; playback stays as it was (paused stays paused, as
            // for an action in the present), so the fork can be stepped through.
            self.timeline_status = Some(fork.message());
            self.playback.seek_to(self.world.now() as f64);
        }
        self.derive();
    }

    /// Recomputes what is derived from the world when it changed: layout, topic lists, the
    /// partition view, the log lines shown.
    fn derive(&mut self) {
        let keep = DROP_FADE_WALL_MS * self.playback.speed();
        self.world.prune_dropped(self.playback.sim_time(), keep);
        if self.world.version() == self.seen_version {
            return;
        }
        self.seen_version = self.world.version();
        let input = layout_input(self.world.snapshot());
        if input != self.layout_input {
            self.layout = Rc::new(Layout::fit(&input, self.room));
            self.layers_placed = None;
            self.layout_input = input;
        }
        let topics = self.world.topics();
        if *self.topics != topics {
            self.user_topics = Rc::new(topics.iter().filter(|t| !t.internal).cloned().collect());
            self.topics = Rc::new(topics);
        }
        self.coordinator = Rc::new(coordinator_view(self.world.snapshot()));
        self.partition_view = self
            .selected_tp
            .as_ref()
            .and_then(|tp| self.world.partition_view(tp))
            .map(Rc::new);
        self.refresh_log();
        self.announcer.take(self.world.log().iter().map(Rc::as_ref));
        self.bus.after_change(&self.world);
        self.lesson_derive();
    }

    fn refresh_log(&mut self) {
        let src = if self.show_details {
            self.world.log_all()
        } else {
            self.world.log()
        };
        let newest = src.back().map(|l| l.id);
        if self.log_lines.first().map(|l| l.id) == newest
            && self.log_lines.len() == src.len().min(LOG_LINES_SHOWN)
        {
            return;
        }
        let now = perf_now();
        if self.playback.playing() && now - self.log_drawn_at < LOG_REDRAW_WALL_MS {
            return; // drawn by a later frame (`update` asks again after every message)
        }
        self.log_drawn_at = now;
        self.log_lines = Rc::new(src.iter().rev().take(LOG_LINES_SHOWN).cloned().collect());
    }

    /// Lets the live region say what waits, or sets a timer for when it may.
    fn announce(&mut self, ctx: &Context<Self>) {
        if let Flush::Wait(ms) = self.announcer.flush(perf_now())
            && !self.announce_timer
        {
            self.announce_timer = true;
            let link = ctx.link().clone();
            after_timeout(ms.ceil() as i32 + 1, move || {
                link.send_message(Msg::Announce)
            });
        }
    }

    /// The query of the link Share offers, or why there is none. A lesson is shared as the
    /// lesson at this time: its cluster alone (all a free-play link holds) would be another
    /// session.
    fn share_query(&self) -> Result<String, String> {
        if let Some(lesson) = self.lesson_share_query() {
            return lesson;
        }
        let query = Share::of_world(&self.world).encode();
        // A link the page itself could not open is not offered.
        crate::share::decode_query(&query)
            .map_err(|e| format!("This session cannot be shared: {e}."))?;
        Ok(if self.embed {
            format!("{query}&embed=1")
        } else {
            query
        })
    }

    /// Lays the diagram out again for its room; false when nothing changed.
    fn relayout(&mut self) -> bool {
        let l = Layout::fit(&self.layout_input, self.room);
        if l == *self.layout {
            return false;
        }
        self.layout = Rc::new(l);
        self.layers_placed = None;
        true
    }

    fn schedule(&mut self, ctx: &Context<Self>) {
        if self.playback.playing() && !self.hidden {
            if self.frame.is_none() {
                let link = ctx.link().clone();
                self.frame = Some(request_animation_frame(move |ts| {
                    link.send_message(Msg::Frame(ts))
                }));
            }
        } else {
            // Dropping the handle cancels the pending frame: nothing runs while paused.
            self.frame = None;
        }
    }

    fn status_of<T>(&mut self, r: Result<T, kafkascope_core::KafkaError>, ok: impl Into<String>) {
        self.status = Some(match r {
            Ok(_) => ok.into(),
            Err(e) => e.to_string(),
        });
    }
}

impl Component for App {
    type Message = Msg;
    type Properties = AppProps;

    fn create(ctx: &Context<Self>) -> Self {
        let props = ctx.props();
        let link = ctx.link();
        let mut notice = props.notice.clone();
        let shared = props.share.as_ref().map(|s| s.build());
        let (mut world, config_errors) = match shared {
            Some(Ok(w)) => (w, ScenarioErrors::default()),
            Some(Err(e)) => {
                notice = Some(AttrValue::from(format!(
                    "This link could not be opened: {e}. Showing the default cluster instead."
                )));
                let w = World::new(&Scenario::default(), 1).expect("the default scenario is valid");
                (w, ScenarioErrors::default())
            }
            None => match World::new(&props.scenario, props.seed) {
                Ok(w) => (w, ScenarioErrors::default()),
                Err(e) => (
                    World::new(&Scenario::default(), props.seed)
                        .expect("the default scenario is valid"),
                    e,
                ),
            },
        };
        let start_at = if props.share.is_some() {
            world.now()
        } else {
            for (at, a) in &props.script {
                world.schedule(*at, a.clone());
            }
            world.advance_to(props.start_at);
            props.start_at
        };
        // The seed the world runs with: a share link's own, not the page's default.
        let seed_text = world.seed().to_string();
        let mut playback = Playback::default();
        // The cluster's set-up (a KRaft quorum electing, topics created) has already run: the
        // clock starts where the world is, not behind it.
        playback.jump_to(start_at.max(world.now()) as f64);
        if let Some(p) = props.speed_percent.filter(|&p| p > 0) {
            playback.set_speed_log10((f64::from(p) / 100.0).log10());
        }
        if props.paused || props.share.is_some() {
            playback.pause();
        }
        let mut listeners = Vec::new();
        if let Some(doc) = web_sys::window().and_then(|w| w.document()) {
            let l = link.clone();
            listeners.push(EventListener::new(&doc, "visibilitychange", move |_| {
                l.send_message(Msg::VisibilityChanged)
            }));
        }
        if let Some(win) = web_sys::window() {
            let l = link.clone();
            listeners.push(EventListener::new(&win, "resize", move |_| {
                l.send_message(Msg::Resized)
            }));
        }
        // Back and Forward between the lessons chosen here (each choice is a history entry).
        if let (true, false, Some(win)) = (props.page, props.embed, web_sys::window()) {
            let l = link.clone();
            listeners.push(EventListener::new(&win, "popstate", move |_| {
                l.send_message(Msg::Lesson(LessonMsg::AddressChanged))
            }));
        }
        let mq = reduced_motion_query();
        if let Some(mq) = &mq {
            let l = link.clone();
            let q = mq.clone();
            listeners.push(EventListener::new(mq, "change", move |_| {
                l.send_message(Msg::ReducedMotion(q.matches()))
            }));
        }
        let room = measure_room(&NodeRef::default(), props.embed);
        let cb = Callbacks {
            select_broker: link.callback(Msg::SelectBroker),
            select_node: link.callback(Msg::SelectNode),
            node_action: link.callback(|(n, a)| Msg::Node(n, a)),
            close_node_menu: link.callback(|_| Msg::CloseNodeMenu),
            toggle: link.callback(|_| Msg::TogglePlay),
            step: link.callback(|_| Msg::Step),
            step_back: link.callback(|_| Msg::StepBack),
            seek: link.callback(Msg::Seek),
            speed: link.callback(Msg::Speed),
            seed: link.callback(Msg::SeedText),
            reset: link.callback(|_| Msg::Reset),
            broker_action: link.callback(|(b, a)| Msg::Broker(b, a)),
            elect: link.callback(|_| Msg::ElectPreferred),
            close_menu: link.callback(|_| Msg::CloseBrokerMenu),
            produce: link.callback(Msg::Produce),
            add_consumer: link.callback(|(g, t, a)| Msg::AddConsumer(g, t, a)),
            select_partition: link.callback(Msg::SelectPartition),
            apply_config: link.callback(Msg::ApplyConfig),
            details: link.callback(Msg::ShowDetails),
            share: link.callback(|_| Msg::Share),
            export_svg: link.callback(|_| Msg::ExportSvg),
            export_trace: link.callback(|_| Msg::ExportTrace),
            lesson_select: link.callback(|n| Msg::Lesson(LessonMsg::Select(n))),
            lesson_choose: link.callback(|(q, c)| Msg::Lesson(LessonMsg::Choose(q, c))),
            lesson_continue: link.callback(|_| Msg::Lesson(LessonMsg::Continue)),
            lesson_restart: link.callback(|_| Msg::Lesson(LessonMsg::Restart)),
        };
        let first_topic = world.scenario().topics.first().map(|t| t.name.clone());
        let mut app = App {
            world,
            playback,
            room,
            resize_observer: None,
            layout_input: LayoutInput::default(),
            layout: Rc::new(Layout::fit(&LayoutInput::default(), room)),
            seen_version: u64::MAX,
            frame: None,
            _listeners: listeners,
            reduced_motion: mq.is_some_and(|m| m.matches()),
            hidden: false,
            selected_broker: None,
            selected_node: None,
            selected_tp: Some(TopicPartition::new(
                first_topic.unwrap_or_else(|| "orders".to_owned()),
                0,
            )),
            partition_view: None,
            coordinator: Rc::default(),
            topics: Rc::new(Vec::new()),
            user_topics: Rc::new(Vec::new()),
            log_lines: Rc::new(Vec::new()),
            log_drawn_at: f64::NEG_INFINITY,
            seed_text,
            seed_error: None,
            config_errors: Rc::new(config_errors),
            status: None,
            timeline_status: None,
            seek_ms: None,
            produce_error: None,
            api_queue: Vec::new(),
            step_trail: Vec::new(),
            consumer_error: None,
            show_details: false,
            frame_start: None,
            focus_after: None,
            frame_times: VecDeque::with_capacity(FRAME_SAMPLES),
            cb,
            notice,
            share_link: None,
            share_error: None,
            export_status: None,
            root_ref: NodeRef::default(),
            bus: props.bus.clone(),
            embed: props.embed,
            lesson: LessonUi::default(),
            layers_placed: None,
            announcer: Announcer::default(),
            announce_timer: false,
        };
        if let Some(name) = &props.lesson {
            app.lesson_start(ctx, name, props.start_at);
        }
        app.derive();
        app.announcer.skip(app.world.log().iter().map(Rc::as_ref));
        app.schedule(ctx);
        app
    }

    fn update(&mut self, ctx: &Context<Self>, msg: Self::Message) -> bool {
        match msg {
            Msg::Frame(ts) => {
                self.frame = None;
                self.frame_start = Some(perf_now());
                let t = self.playback.tick(ts);
                let t = self.lesson_clamp(t as Millis);
                self.world.advance_to(t);
                self.derive();
            }
            Msg::TogglePlay => {
                if self.playback.playing() {
                    self.playback.pause();
                    // The world catches up with the clock shown, so what is drawn, shared or
                    // stepped from is the time the label says.
                    let shown = self.lesson_clamp(self.playback.sim_time() as Millis);
                    if shown > self.world.now() {
                        self.world.advance_to(shown);
                        self.derive();
                    }
                } else if self.lesson_gate_active() {
                    // Play at a lesson's start, pause or end goes on; at a question it needs
                    // an answer first.
                    self.lesson_update(ctx, LessonMsg::Continue);
                } else {
                    self.playback.play();
                }
            }
            Msg::Step => {
                self.playback.pause();
                // Anything the clock has shown but the world has not run yet comes first.
                let shown = self.playback.sim_time() as Millis;
                if self.world.now() < shown {
                    self.world.advance_to(shown);
                }
                // In a lesson, not past its next pause or question.
                if let Some(t) = self.world.next_event_time() {
                    let from = self.world.now();
                    let t = self.lesson_clamp(t);
                    self.world.advance_to(t);
                    self.playback.jump_to(t as f64);
                    if t > from {
                        self.step_trail.push((from, t, self.world.version()));
                    }
                }
                self.derive();
            }
            Msg::StepBack => {
                self.playback.pause();
                let shown = self.playback.sim_time() as Millis;
                if self.world.now() < shown && !self.world.in_past() {
                    self.world.advance_to(shown);
                }
                let start = perf_now();
                // Right after Step (nothing else since), Step back undoes it: the time it came
                // from. Otherwise to just before the last thing that happened.
                let undo = self
                    .step_trail
                    .last()
                    .filter(|&&(_, to, v)| to == self.world.now() && v == self.world.version())
                    .map(|&(from, _, _)| from);
                let t = match undo {
                    Some(from) => {
                        self.step_trail.pop();
                        let t = self.world.seek(from);
                        if let Some(top) = self.step_trail.last_mut().filter(|e| e.1 == t) {
                            top.2 = self.world.version();
                        }
                        Some(t)
                    }
                    None => {
                        self.step_trail.clear();
                        self.world.step_back()
                    }
                };
                self.seek_ms = Some(perf_now() - start);
                self.timeline_status = None;
                self.playback
                    .seek_to(t.unwrap_or_else(|| self.world.now()) as f64);
                self.lesson_rewound();
                self.derive();
                // A jump in time is not news (playing on from here is).
                self.announcer.skip(self.world.log().iter().map(Rc::as_ref));
            }
            Msg::Seek(t) => {
                self.playback.pause();
                if t.is_finite() {
                    let start = perf_now();
                    let (_, end) = self.world.session();
                    let t = (t.max(0.0) as Millis).min(end + SEEK_PAST_END_MS);
                    let shown = if t > end {
                        // Past the session's end (only `send({action: "seek"})` asks): the
                        // simulation runs on to there, as playing would, and a lesson stops
                        // at its next pause or question on the way.
                        self.world.seek(end);
                        let t = self.lesson_clamp(t);
                        self.world.advance_to(t);
                        t
                    } else {
                        self.world.seek(t)
                    };
                    self.seek_ms = Some(perf_now() - start);
                    self.timeline_status = None;
                    self.playback.seek_to(shown as f64);
                    self.lesson_rewound();
                    self.derive();
                    self.announcer.skip(self.world.log().iter().map(Rc::as_ref));
                }
            }
            Msg::Speed(v) => self.playback.set_speed_log10(v),
            Msg::SeedText(s) => {
                self.seed_error = None;
                self.seed_text = s;
            }
            Msg::Reset => match self.seed_text.trim().parse::<u64>() {
                Ok(seed) if self.lesson_reset(seed) => {}
                Ok(seed) => match World::new(self.world.scenario(), seed) {
                    Ok(w) => self.install(w),
                    Err(e) => self.seed_error = Some(e.messages().join("; ")),
                },
                Err(_) => {
                    self.seed_error = Some(format!(
                        "\"{}\" is not a seed (a whole number from 0)",
                        self.seed_text
                    ))
                }
            },
            Msg::SelectBroker(id) => {
                self.selected_broker = if self.selected_broker == Some(id) {
                    None
                } else {
                    Some(id)
                };
                self.status = None;
            }
            Msg::SelectNode(node) => {
                self.selected_node = if self.selected_node == Some(node) {
                    None
                } else {
                    Some(node)
                };
                self.status = None;
            }
            Msg::CloseNodeMenu => {
                self.focus_after = self
                    .selected_node
                    .take()
                    .map(|n| format!("g[data-node=\"{n}\"]"));
                self.status = None;
            }
            Msg::Node(node, action) => {
                let r = self.world.node_action(node, action);
                let done = match action {
                    BrokerAction::Crash => format!("{node} crashed"),
                    BrokerAction::Restart => format!("{node} restarted"),
                    BrokerAction::Isolate => format!("{node} isolated"),
                    BrokerAction::Heal => "network healed".to_owned(),
                };
                self.status_of(r, done);
                self.after_action();
            }
            Msg::CloseBrokerMenu => {
                self.focus_after = self
                    .selected_broker
                    .take()
                    .map(|id| format!("g[data-broker-id=\"{id}\"]"));
                self.status = None;
            }
            Msg::Broker(id, action) => {
                let r = self.world.broker_action(id, action);
                let done = match action {
                    BrokerAction::Crash => format!("broker {id} crashed"),
                    BrokerAction::Restart => format!("broker {id} restarted"),
                    BrokerAction::Isolate => format!("broker {id} isolated"),
                    BrokerAction::Heal => "network healed".to_owned(),
                };
                self.status_of(r, done);
                self.after_action();
            }
            Msg::ElectPreferred => {
                let r = self.world.elect_preferred_leaders();
                let text = r
                    .as_ref()
                    .map_or(String::new(), crate::narrate::preferred_election);
                self.status_of(r, text);
                self.after_action();
            }
            Msg::Produce(req) => {
                self.produce_error = self.world.produce(&req).err().map(|e| e.to_string());
                self.after_action();
            }
            Msg::AddConsumer(group, topic, assignor) => {
                let r = self.world.add_consumer(&group, &topic, assignor);
                self.consumer_error = r.as_ref().err().map(|e| e.to_string());
                self.after_action();
            }
            Msg::SelectPartition(tp) => {
                self.selected_tp = tp;
                self.seen_version = u64::MAX;
                self.derive();
            }
            Msg::ApplyConfig(draft) => {
                let seed = self
                    .seed_text
                    .trim()
                    .parse::<u64>()
                    .unwrap_or(self.world.seed());
                let built = draft.build(seed);
                match built {
                    Ok(w) => {
                        self.lesson_leave(ctx);
                        self.config_errors = Rc::new(ScenarioErrors::default());
                        let first = w.scenario().topics.first().map(|t| t.name.clone());
                        self.selected_tp = first.map(|t| TopicPartition::new(t, 0));
                        self.install(w);
                    }
                    Err(e) => self.config_errors = Rc::new(e),
                }
            }
            Msg::ShowDetails(on) => {
                self.show_details = on;
                self.refresh_log();
            }
            Msg::VisibilityChanged => {
                self.hidden = web_sys::window()
                    .and_then(|w| w.document())
                    .is_some_and(|d| d.hidden());
                self.playback.resync();
            }
            Msg::Resized => {
                let was_narrow = self.room.narrow;
                self.room = measure_room(&self.root_ref, self.embed);
                return self.relayout() || was_narrow != self.room.narrow;
            }
            Msg::ReducedMotion(on) => self.reduced_motion = on,
            Msg::Api(cmd) => {
                if self.lesson_loading() {
                    // The lesson's world replaces the one shown once it loads: the command
                    // is for that one.
                    self.api_queue.push(cmd);
                    return false;
                }
                // The lesson was left while loading: what waited for it runs first.
                for queued in std::mem::take(&mut self.api_queue) {
                    Component::update(self, ctx, Msg::Api(queued));
                }
                // Each command's refusal, if any, replaces the last one's.
                self.produce_error = None;
                self.consumer_error = None;
                let msg = match cmd {
                    ApiCommand::Act(a) => match a.clone().resolve(&self.world) {
                        Ok(Action::Produce(r)) => Msg::Produce(r),
                        Ok(Action::Node(n, a)) => Msg::Node(n, a),
                        Ok(Action::ElectPreferred) => Msg::ElectPreferred,
                        Ok(Action::AddConsumer {
                            group,
                            topic,
                            assignor,
                        }) => Msg::AddConsumer(group, topic, assignor),
                        Err(e) => {
                            if matches!(a, ApiAction::AddConsumer { .. }) {
                                self.consumer_error = Some(e);
                            } else {
                                self.produce_error = Some(e);
                            }
                            return true;
                        }
                    },
                    ApiCommand::Play | ApiCommand::Pause => {
                        if self.playback.playing() == matches!(cmd, ApiCommand::Play) {
                            return false;
                        }
                        Msg::TogglePlay
                    }
                    ApiCommand::Step => Msg::Step,
                    ApiCommand::StepBack => Msg::StepBack,
                    ApiCommand::Seek(t) => Msg::Seek(t as f64),
                    ApiCommand::Speed(p) => Msg::Speed((p / 100.0).log10()),
                };
                return Component::update(self, ctx, msg);
            }
            Msg::Share => match self.share_query() {
                Ok(query) => {
                    self.share_link = Some(AttrValue::from(format!(
                        "{}?{query}",
                        ctx.props().share_base
                    )));
                    self.share_error = None;
                }
                Err(e) => {
                    self.share_link = None;
                    self.share_error = Some(AttrValue::from(e));
                }
            },
            Msg::ExportSvg => {
                let root = self.root_ref.cast::<web_sys::Element>();
                let name = format!("kafkascope-{}ms.svg", self.world.now());
                self.export_status = Some(AttrValue::from(
                    match root.map(|r| crate::export::browser::diagram_svg(&r)) {
                        Some(Ok(svg)) => {
                            crate::export::browser::download_text(&svg, &name, "image/svg+xml");
                            format!("Saved the diagram as {name}.")
                        }
                        Some(Err(e)) => format!("Could not export the diagram: {e:?}"),
                        None => "Could not export the diagram: it is not drawn.".to_owned(),
                    },
                ));
            }
            Msg::ExportTrace => {
                let name = format!("kafkascope-trace-{}ms.json", self.world.now());
                // During a lesson, the lesson's link (a free-play link would be another
                // cluster).
                let json = match self.lesson_share_query() {
                    None => crate::export::trace_json(&self.world),
                    Some(q) => crate::export::trace_json_linked(&self.world, q.ok().as_deref()),
                };
                crate::export::browser::download_text(&json, &name, "application/json");
                self.export_status =
                    Some(AttrValue::from(format!("Saved the event trace as {name}.")));
            }
            Msg::Lesson(m) => self.lesson_update(ctx, m),
            Msg::Announce => self.announce_timer = false,
        }
        // Lines held back while playing, and any change once paused.
        self.refresh_log();
        self.announce(ctx);
        self.schedule(ctx);
        true
    }

    fn rendered(&mut self, ctx: &Context<Self>, first_render: bool) {
        if first_render {
            // The diagram's box exists now: measure it, and again whenever it changes size.
            let stack = self
                .root_ref
                .cast::<web_sys::Element>()
                .and_then(|r| r.query_selector(".cluster-stack").ok().flatten());
            if let Some(stack) = stack {
                self.resize_observer =
                    ResizeWatch::new(&stack, ctx.link().callback(|_| Msg::Resized));
            }
        }
        self.lesson_rendered();
        // The broker layers' places change only with the layout (or the brokers drawn).
        let placed = self.world.snapshot().brokers.len();
        if self.layers_placed != Some(placed)
            && let Some(root) = self.root_ref.cast::<web_sys::Element>()
        {
            crate::components::diagram::place_broker_layers(&root);
            self.layers_placed = Some(placed);
        }
        if let Some(selector) = self.focus_after.take() {
            use wasm_bindgen::JsCast;
            let el = self
                .root_ref
                .cast::<web_sys::Element>()
                .and_then(|d| d.query_selector(&selector).ok().flatten())
                .and_then(|e| e.dyn_into::<web_sys::SvgElement>().ok());
            if let Some(el) = el {
                let _ = el.focus();
            }
        }
        if let Some(start) = self.frame_start.take() {
            if self.frame_times.len() == FRAME_SAMPLES {
                self.frame_times.pop_front();
            }
            self.frame_times.push_back(perf_now() - start);
        }
    }

    fn view(&self, ctx: &Context<Self>) -> Html {
        let snap = self.world.snapshot();
        let now = self.playback.sim_time();
        let session = self.world.session();
        let fade_ms = DROP_FADE_WALL_MS * self.playback.speed();
        let svg = diagram(&DiagramArgs {
            snapshot: snap,
            layout: &self.layout,
            now,
            dropped: self.world.dropped(),
            fade_ms,
            selected_broker: self.selected_broker,
            reduced_motion: self.reduced_motion,
            on_select: &self.cb.select_broker,
            on_select_node: &self.cb.select_node,
            coordinator: &self.coordinator,
        });
        let menu = self.selected_broker.and_then(|id| {
            let b = snap.brokers.iter().find(|b| b.id == id)?.clone();
            let any_isolation =
                !snap.network.isolated.is_empty() || !snap.network.cut_links.is_empty();
            Some(html! {
                <BrokerMenu broker={b} {any_isolation}
                    zookeeper={crate::components::broker::is_zookeeper(snap)} on_action={self.cb.broker_action.clone()}
                    on_elect={self.cb.elect.clone()} on_close={self.cb.close_menu.clone()} />
            })
        });
        let node_menu = self.selected_node.map(|node| {
            let role = match node {
                NodeId::Consumer(id) => snap
                    .consumers
                    .iter()
                    .find(|c| c.id == id)
                    .map_or_else(
                        || "unknown".to_owned(),
                        |c| match c.fatal_error {
                            Some(e) => format!(
                                "FAILED with {} (crash it, then restart it to try again)",
                                e.name()
                            ),
                            None => format!("consumer in group {}", c.group),
                        },
                    ),
                _ => self
                    .coordinator
                    .nodes
                    .iter()
                    .find(|n| n.node == node)
                    .map_or("unknown", |n| n.role)
                    .to_owned(),
            };
            let any_isolation =
                !snap.network.isolated.is_empty() || !snap.network.cut_links.is_empty();
            html! {
                <NodeMenu {node} {role} up={self.world.sim().is_up(node)}
                    isolated={snap.network.isolated.contains(&node)} {any_isolation}
                    on_action={self.cb.node_action.clone()} on_close={self.cb.close_node_menu.clone()} />
            }
        });
        let in_flight_list = self.reduced_motion.then(|| {
            html! {
                <details class="in-flight-list" open=true>
                    <summary>{ format!("Messages in flight ({})", snap.in_flight.len()) }</summary>
                    <ul>
                        { for snap.in_flight.iter().take(60).map(|m| html! {
                            <li key={m.id}>
                                { format!("[{}] {}: {} → {}, arrives at {} ms",
                                    api_letter(&m.api), m.api, m.from, m.to, m.deliver_at) }
                            </li>
                        }) }
                    </ul>
                </details>
            }
        });
        let embed = self.embed;
        let event_log = html! {
            <EventLog lines={self.log_lines.clone()} show_details={self.show_details}
                on_details={self.cb.details.clone()} />
        };
        html! {
            // "narrow" is the page's width (a phone: forms and a frame's panels stack); the
            // diagram's own layout may still be the wide or compact picture in a frame.
            <div ref={self.root_ref.clone()} class={classes!("app",
                if self.room.narrow { "narrow" } else { "wide" },
                (self.layout.orientation == Orientation::Compact).then_some("compact"),
                embed.then_some("embed"))} data-embed={embed.to_string()}>
                if let Some(n) = &self.notice {
                    <div id="link-error" class="link-error" role="alert">{ n.clone() }</div>
                }
                // What a screen reader hears as the cluster changes: a polite status, at most
                // one brief summary every 2 s (`model/announce.rs`); hidden from sight (the
                // event log shows the same, in full).
                <div id="announcer" class="visually-hidden" role="status" aria-live="polite"
                    aria-atomic="true">{ self.announcer.text.clone() }</div>
                <header class="topbar">
                    if !embed {
                        <h1>{ "Kafkascope" }<span class="tagline">{ " · an Apache Kafka cluster, message by message" }</span></h1>
                        { self.lesson_select_view(ctx) }
                    } else {
                        { self.lesson_error_view() }
                    }
                    <Toolbar playing={self.playback.playing()} speed_log10={self.playback.speed_log10()}
                        speed_label={AttrValue::from(self.playback.speed_label())} time_ms={now}
                        seed_text={AttrValue::from(self.seed_text.clone())}
                        seed_error={self.seed_error.clone().map(AttrValue::from)}
                        on_toggle={self.cb.toggle.clone()} on_step={self.cb.step.clone()}
                        on_step_back={self.cb.step_back.clone()}
                        at_start={self.world.now() <= session.0}
                        on_speed={self.cb.speed.clone()} on_seed={self.cb.seed.clone()}
                        on_reset={self.cb.reset.clone()} />
                    // The world runs to whole ms (the clock's floor): a fractional clock must
                    // not round the session's end up past what a seek can show.
                    <TimelineBar start_ms={session.0 as f64} end_ms={(session.1 as f64).max(now.floor())}
                        window_min={self.world.time_travel_clipped().then_some(
                            (crate::model::world::TIME_TRAVEL_WINDOW_MS / 60_000) as u32)}
                        now_ms={now} in_past={self.world.in_past()} seek_ms={self.seek_ms}
                        status={self.timeline_status.clone().map(AttrValue::from)}
                        on_seek={self.cb.seek.clone()} />
                    if !embed {
                        <ShareBar link={self.share_link.clone()} error={self.share_error.clone()}
                            export_status={self.export_status.clone()}
                            on_share={self.cb.share.clone()} on_export_svg={self.cb.export_svg.clone()}
                            on_export_trace={self.cb.export_trace.clone()} />
                    }
                </header>
                if !embed {
                    <MetricsStrip metrics={snap.metrics.clone()} in_flight={snap.in_flight.len()}
                        frame_p95={p95(&self.frame_times)} />
                }
                <main class="main">
                    <div class="left">
                        <section class="diagram-panel" aria-label="Cluster diagram">
                            { svg }
                            <Legend />
                            { for in_flight_list }
                        </section>
                        if embed {
                            <details id="log-collapsed" class="embed-log">
                                <summary>{ "Event log" }</summary>
                                { event_log }
                            </details>
                        } else {
                            { event_log }
                        }
                    </div>
                    <aside class="side">
                        { self.lesson_panel_view() }
                        { for menu }
                        { for node_menu }
                        if let Some(s) = &self.status {
                            <p id="action-status" class="status" role="status">{ s.clone() }</p>
                        }
                        if self.selected_broker.is_none() && !embed {
                            <p class="hint">{ "Click a broker, a controller or a consumer (or focus it and press Enter) to crash, restart or isolate it." }</p>
                        }
                        if embed {
                            // The forms are not drawn here: what the simulator refused of a
                            // `handle.send` shows on its own.
                            if let Some(e) = self.produce_error.as_ref().or(self.consumer_error.as_ref()) {
                                <p id="api-error" class="field-error" role="alert">{ e.clone() }</p>
                            }
                        } else {
                        <ProduceForm topics={self.user_topics.clone()} default_acks={self.world.scenario().acks}
                            keyless={self.world.scenario().keyless}
                            placement={self.world.placement().cloned()}
                            error={self.produce_error.clone().map(AttrValue::from)}
                            on_send={self.cb.produce.clone()} />
                        <ConsumerForm topics={self.user_topics.clone()} on_add={self.cb.add_consumer.clone()}
                            error={self.consumer_error.clone().map(AttrValue::from)} />
                        }
                    </aside>
                </main>
                if !embed {
                    <div class="lower">
                        <PartitionPanel topics={self.topics.clone()} selected={self.selected_tp.clone()}
                            view={self.partition_view.clone()} on_select={self.cb.select_partition.clone()} />
                    </div>
                    <ConfigPanel scenario={self.world.scenario_rc()} errors={self.config_errors.clone()}
                        on_apply={self.cb.apply_config.clone()} />
                }
            </div>
        }
    }
}
