//! The JavaScript API of the wasm package: `mount(element, options)` returns an
//! [`Instance`] with `send(command)`, `on(event, callback)` and `destroy()`. Every instance
//! owns its own app (no global state but a list of what is mounted where), so several work
//! independently on one page.

use crate::app::{App, AppProps, Msg};
use crate::embed::{ApiAction, ApiCommand, EVENTS, Notice, SEEK_PAST_END_MS, Watch, parse_command};
use crate::model::World;
use js_sys::{Function, Object, Reflect};
use kafkascope_core::config::Millis;
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;

#[derive(Default)]
struct BusInner {
    subs: RefCell<Vec<(u32, String, Function)>>,
    next: Cell<u32>,
    watch: RefCell<Watch>,
    /// What `send` checks against, from the world last shown (None before the app has built
    /// one): whether it has a topic, and the session's end.
    known: Cell<Option<(bool, Millis)>>,
}

/// An instance's subscribers and what they last heard (shared by the app and its handle).
#[derive(Clone, Default)]
pub struct Bus(Rc<BusInner>);

impl PartialEq for Bus {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}

fn set(obj: &Object, k: &str, v: impl Into<JsValue>) {
    let _ = Reflect::set(obj, &JsValue::from_str(k), &v.into());
}

fn notice_js(n: &Notice) -> JsValue {
    let o = Object::new();
    set(&o, "type", n.name());
    match n {
        Notice::Log { time, text, detail } => {
            set(&o, "time", *time as f64);
            set(&o, "text", text.as_str());
            set(&o, "detail", *detail);
        }
        Notice::Leader {
            time,
            topic,
            partition,
            leader,
            epoch,
        } => {
            set(&o, "time", *time as f64);
            set(&o, "topic", topic.as_str());
            set(&o, "partition", *partition);
            set(&o, "leader", *leader);
            set(&o, "epoch", *epoch);
        }
        Notice::Broker { time, id, up } => {
            set(&o, "time", *time as f64);
            set(&o, "broker", *id);
            set(&o, "up", *up);
        }
        Notice::Change { time } => set(&o, "time", *time as f64),
    }
    o.into()
}

impl Bus {
    /// Called by the app whenever the world shown changed: tells the subscribers what did.
    pub fn after_change(&self, world: &World) {
        self.0.known.set(Some((
            !world.scenario().topics.is_empty(),
            world.session().1,
        )));
        let notices = self.0.watch.borrow_mut().poll(world);
        if self.0.subs.borrow().is_empty() {
            return;
        }
        for n in &notices {
            let subs: Vec<Function> = self
                .0
                .subs
                .borrow()
                .iter()
                .filter(|(_, e, _)| e == n.name())
                .map(|(_, _, f)| f.clone())
                .collect();
            if subs.is_empty() {
                continue;
            }
            let v = notice_js(n);
            for f in subs {
                if let Err(e) = f.call1(&JsValue::NULL, &v) {
                    web_sys::console::error_2(
                        &JsValue::from_str("a Kafkascope event listener threw:"),
                        &e,
                    );
                }
            }
        }
    }
}

struct Live {
    app: yew::AppHandle<App>,
    bus: Bus,
    root: web_sys::Element,
}

type Slot = Rc<RefCell<Option<Live>>>;

thread_local! {
    /// What is mounted where: mounting again into an element replaces its instance.
    static MOUNTED: RefCell<Vec<Slot>> = const { RefCell::new(Vec::new()) };
}

fn type_error(msg: &str) -> JsValue {
    js_sys::TypeError::new(msg).into()
}

/// A running instance, as `mount` returns it.
#[wasm_bindgen]
pub struct Instance {
    slot: Slot,
}

fn destroy_slot(slot: &Slot) {
    if let Some(live) = slot.borrow_mut().take() {
        live.bus.0.subs.borrow_mut().clear();
        live.app.destroy();
        live.root.set_inner_html("");
    }
    MOUNTED.with(|m| m.borrow_mut().retain(|s| !Rc::ptr_eq(s, slot)));
}

#[wasm_bindgen]
impl Instance {
    /// Sends a command: `{action: "produce", key, value, topic, acks}`, `{action: "crash",
    /// node: "broker-2"}` (also `restart`, `isolate`; a node is `broker-N`, `N`,
    /// `controller-N` or `zookeeper-N`), `{action: "heal"}`, `{action: "elect"}`,
    /// `{action: "consumer", group, topic, assignor}`, `{action: "play"}`, `"pause"`, `"step"`,
    /// `"stepBack"`, `{action: "seek", time}` (ms; past the session's end the simulation runs
    /// on, at most an hour), `{action: "speed", percent}`. A malformed command throws a
    /// TypeError; one the simulator refuses shows in the page, as a click would. Commands sent
    /// before the app has built its world (right after `mount`) or while a lesson loads run in
    /// the world it then shows.
    pub fn send(&self, command: JsValue) -> Result<(), JsValue> {
        let slot = self.slot.borrow();
        let live = slot
            .as_ref()
            .ok_or_else(|| type_error("this Kafkascope instance was destroyed"))?;
        let obj: Object = command.dyn_into().map_err(|_| {
            type_error("send() takes an object, e.g. {action: \"crash\", node: \"broker-2\"}")
        })?;
        let mut fields = Vec::new();
        for k in Object::keys(&obj).iter() {
            let k = k.as_string().unwrap_or_default();
            let v = Reflect::get(&obj, &JsValue::from_str(&k))?;
            let s = if let Some(s) = v.as_string() {
                s
            } else if let Some(n) = v.as_f64() {
                crate::fmt::fixed(n, if n.fract() == 0.0 { 0 } else { 3 })
            } else if v.is_undefined() {
                continue;
            } else {
                return Err(type_error(&format!(
                    "the command's \"{k}\" must be a string or a number"
                )));
            };
            fields.push((k, s));
        }
        let keys: Vec<String> = fields.iter().map(|(k, _)| k.clone()).collect();
        let cmd: ApiCommand = parse_command(&keys, |k| {
            fields.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone())
        })
        .map_err(|e| type_error(&e))?;
        // Before the app has built its world, the world it builds checks the command.
        if let Some((has_topic, end)) = live.bus.0.known.get() {
            match &cmd {
                ApiCommand::Act(a) if a.takes_default_topic() && !has_topic => {
                    return Err(type_error(match a {
                        ApiAction::Produce { .. } => "there is no topic to produce to",
                        _ => "there is no topic to consume",
                    }));
                }
                ApiCommand::Seek(t) if *t > end + SEEK_PAST_END_MS => {
                    return Err(type_error(&format!(
                        "time {t} is more than an hour past the session's end ({end} ms): seek at most to {}",
                        end + SEEK_PAST_END_MS
                    )));
                }
                _ => {}
            }
        }
        live.app.send_message(Msg::Api(cmd));
        Ok(())
    }

    /// Calls `callback(event)` for each event named `event`: `"log"` (`{time, text, detail}`,
    /// each narrated line), `"leader"` (`{time, topic, partition, leader, epoch}`, leader -1:
    /// none), `"broker"` (`{time, broker, up}`), `"change"` (`{time}`, any change shown).
    /// Returns a function that unsubscribes.
    pub fn on(&self, event: &str, callback: JsValue) -> Result<Function, JsValue> {
        let slot = self.slot.borrow();
        let live = slot
            .as_ref()
            .ok_or_else(|| type_error("this Kafkascope instance was destroyed"))?;
        if !EVENTS.contains(&event) {
            return Err(type_error(&format!(
                "unknown event \"{event}\": use {}",
                EVENTS.join(", ")
            )));
        }
        let f: Function = callback
            .dyn_into()
            .map_err(|_| type_error("on(event, callback) needs a function"))?;
        let id = live.bus.0.next.get();
        live.bus.0.next.set(id + 1);
        live.bus.0.subs.borrow_mut().push((id, event.to_owned(), f));
        let bus = live.bus.clone();
        let off = Closure::<dyn Fn()>::new(move || {
            bus.0.subs.borrow_mut().retain(|(i, _, _)| *i != id);
        });
        Ok(off.into_js_value().unchecked_into())
    }

    /// Unmounts the app (its timers and listeners stop) and frees it; later calls throw.
    pub fn destroy(&self) {
        destroy_slot(&self.slot);
    }

    /// Whether the instance is still mounted.
    #[wasm_bindgen(getter)]
    pub fn mounted(&self) -> bool {
        self.slot.borrow().is_some()
    }
}

/// Mounts an app with `props` into `root`, replacing an instance already there.
pub fn mount_into(root: web_sys::Element, mut props: AppProps) -> Instance {
    let old: Vec<Slot> = MOUNTED.with(|m| {
        m.borrow()
            .iter()
            .filter(|s| s.borrow().as_ref().is_some_and(|l| l.root == root))
            .cloned()
            .collect()
    });
    for s in &old {
        destroy_slot(s);
    }
    let bus = Bus::default();
    props.bus = bus.clone();
    root.set_inner_html("");
    let app = yew::Renderer::<App>::with_root_and_props(root.clone(), props).render();
    let slot: Slot = Rc::new(RefCell::new(Some(Live { app, bus, root })));
    MOUNTED.with(|m| m.borrow_mut().push(slot.clone()));
    Instance { slot }
}

/// The options `mount` accepts, and their types.
const OPTIONS: [(&str, &str); 13] = [
    ("preset", "string"),
    ("scenario", "string"),
    ("lesson", "string"),
    ("mode", "string"),
    ("nodes", "number"),
    ("seed", "number"),
    ("t", "number"),
    ("speed", "number"),
    ("paused", "boolean"),
    ("embed", "boolean"),
    ("script", "string"),
    ("shareBase", "string"),
    ("lessonBase", "string"),
];

/// Reads `mount`'s options object into page-address parameters (the same parser reads both).
/// Returns the parameters and the length of a share query given as `scenario`.
pub fn options_params(options: &JsValue) -> Result<(Vec<(String, String)>, usize), JsValue> {
    if options.is_undefined() || options.is_null() {
        return Ok((Vec::new(), 0));
    }
    let obj: Object = options
        .clone()
        .dyn_into()
        .map_err(|_| type_error("mount(element, options): options must be an object"))?;
    let mut params: Vec<(String, String)> = Vec::new();
    let mut rest = Vec::new();
    let mut query_len = 0;
    for k in Object::keys(&obj).iter() {
        let k = k.as_string().unwrap_or_default();
        let v = Reflect::get(&obj, &JsValue::from_str(&k))?;
        let Some((_, ty)) = OPTIONS.iter().find(|(n, _)| *n == k) else {
            return Err(type_error(&format!(
                "unknown option \"{}\"; the options are {}",
                crate::fmt::elide_end(&k, 40),
                OPTIONS.map(|o| o.0).join(", ")
            )));
        };
        if v.is_undefined() {
            continue;
        }
        let text = match *ty {
            "string" => v.as_string(),
            "boolean" => v.as_bool().map(|b| if b { "1" } else { "0" }.to_owned()),
            _ => v
                .as_f64()
                .filter(|n| n.is_finite() && *n >= 0.0 && n.fract() == 0.0 && *n < 9.0e15)
                .map(|n| crate::fmt::fixed(n, 0)),
        };
        let Some(text) = text else {
            let want = match *ty {
                "number" => "a whole number from 0",
                t => t,
            };
            return Err(type_error(&format!(
                "option \"{k}\" must be {want}, got {}",
                v.js_typeof().as_string().unwrap_or_default()
            )));
        };
        if k == "lesson" && !cfg!(feature = "lessons") {
            return Err(type_error(&format!(
                "option \"lesson\": {}",
                crate::model::lesson::NO_LESSON_PLAYER
            )));
        }
        if k == "lesson" && !crate::model::lesson::is_lesson_name(&text) {
            return Err(type_error(&format!(
                "option \"lesson\" must name a lesson file (letters, digits, - and _), not \"{}\"",
                crate::fmt::elide_end(&text, 40)
            )));
        }
        if k == "scenario" {
            let query = text.contains('=').then(|| {
                let q = text.split_once('?').map_or(text.as_str(), |(_, q)| q);
                q.split('#').next().unwrap_or("").to_owned()
            });
            // A query is a share link's only with its version (`v=1&...`).
            let link = query
                .map(|q| (q.len(), crate::share::parse_query(&q)))
                .filter(|(_, p)| crate::share::is_share_link(p));
            if let Some((len, link)) = link {
                query_len = len;
                params.extend(link);
            } else if crate::model::Scenario::preset(&text).is_some() {
                rest.push(("preset".to_owned(), text));
            } else {
                return Err(type_error(&format!(
                    "scenario \"{}\" is neither a preset (default, stress) nor a share link's query (v=1&...)",
                    crate::fmt::elide_end(&text, 40)
                )));
            }
            continue;
        }
        rest.push((k, text));
    }
    for (k, v) in rest {
        params.retain(|(n, _)| *n != k);
        params.push((k, v));
    }
    Ok((params, query_len))
}
