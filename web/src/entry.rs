//! The wasm entry points: a panic hook that also shows an error banner (a panic must never
//! leave a blank page silently), and `mount(target, options)` that starts an app in an element
//! and returns its handle (see `api.rs`).

use crate::api::{Bus, Instance, mount_into, options_params};
use crate::app::AppProps;
use crate::model::Scenario;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use yew::AttrValue;

/// Shows `text` in the page's `#error-banner` (created if the page has none).
pub fn show_error_banner(text: &str) {
    let Some(doc) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    let banner = doc.get_element_by_id("error-banner").or_else(|| {
        let el = doc.create_element("div").ok()?;
        el.set_id("error-banner");
        let _ = el.set_attribute("role", "alert");
        doc.body()?.prepend_with_node_1(&el).ok()?;
        Some(el)
    });
    if let Some(el) = banner {
        el.set_text_content(Some(&format!(
            "Kafkascope stopped with an internal error. Reload the page to start again. Details: {text}"
        )));
        let _ = el.remove_attribute("hidden");
    }
}

#[wasm_bindgen(start)]
pub fn start() {
    yew::set_custom_panic_hook(Box::new(|info| {
        console_error_panic_hook::hook(info);
        show_error_banner(&info.to_string());
    }));
}

/// Reads the page address: `?preset=stress` (or `default`), `mode=kraft` (`kraft-combined`,
/// `zookeeper`, `builtin`), `nodes=5` (ensemble or quorum size), `seed=7`, `t=5000` (start at
/// this simulated ms), `speed=25` (percent of real time), `paused=1`,
/// `script=produce:customer-123@600,crash:2@1500` (timed actions, see `parse_script`),
/// `embed=1` (the minimal frame), a share link (`v=1&...`, see `share.rs`); `panic=1` panics on
/// purpose (to check the error banner). Unknown parameters are ignored.
fn url_props() -> AppProps {
    let search = web_sys::window()
        .and_then(|w| w.location().search().ok())
        .unwrap_or_default();
    let query = search.trim_start_matches('?');
    let (mut props, problems) = props_from_params(&crate::share::parse_query(query), query.len());
    props.page = true;
    with_notice(props, problems)
}

/// Shows the problems of the page address above the app (the app still starts).
fn with_notice(mut props: AppProps, problems: Vec<String>) -> AppProps {
    if !problems.is_empty() {
        props.notice = Some(AttrValue::from(problems.join(" ")));
    }
    props
}

/// The address where share links point: the page's own, or `shareBase`.
fn page_base() -> String {
    web_sys::window()
        .map(|w| {
            let l = w.location();
            format!(
                "{}{}",
                l.origin().unwrap_or_default(),
                l.pathname().unwrap_or_default()
            )
        })
        .unwrap_or_default()
}

/// The app's properties from page-address parameters (or `mount`'s options turned into
/// them), with what was wrong with them, in words.
fn props_from_params(params: &[(String, String)], query_len: usize) -> (AppProps, Vec<String>) {
    let mut props = AppProps {
        scenario: Scenario::default(),
        seed: 1,
        start_at: 0,
        speed_percent: None,
        paused: false,
        script: Vec::new(),
        share: None,
        notice: None,
        embed: false,
        bus: Bus::default(),
        share_base: AttrValue::from(page_base()),
        lesson_base: AttrValue::from("lessons/"),
        lesson: None,
        page: false,
    };
    let mut problems = Vec::new();
    let (mut mode, mut nodes) = (None, None);
    let share_link = crate::share::is_share_link(params);
    for (k, v) in params {
        let v = v.clone();
        match k.as_str() {
            // A share link's own parameters are read by `share::decode`.
            "seed" | "t" | "script" | "c" | "a" | "e" if share_link => {}
            "preset" => match Scenario::preset(&v) {
                Some(s) => props.scenario = s,
                None => problems.push(format!(
                    "There is no preset \"{}\" (default, stress).",
                    short(&v)
                )),
            },
            "mode" => match crate::model::scenario::ControlPlane::from_key(&v) {
                Some(m) => mode = Some(m),
                None => problems.push(format!(
                    "\"{}\" is not a control plane (kraft, kraft-combined, zookeeper, builtin).",
                    short(&v)
                )),
            },
            "nodes" => match v.parse().ok().filter(|n| [1, 3, 5].contains(n)) {
                Some(n) => nodes = Some(n),
                None => problems.push(format!("nodes must be 1, 3 or 5, not \"{}\".", short(&v))),
            },
            "seed" => match v.parse() {
                Ok(s) => props.seed = s,
                Err(_) => problems.push(format!(
                    "\"{}\" is not a seed (a whole number from 0).",
                    short(&v)
                )),
            },
            "t" => match v.parse().ok().filter(|t| *t <= crate::share::MAX_TIME_MS) {
                Some(t) => props.start_at = t,
                None => problems.push(format!(
                    "t must be a time in ms from 0 to {}, not \"{}\".",
                    crate::share::MAX_TIME_MS,
                    short(&v)
                )),
            },
            "speed" => match v.parse().ok().filter(|p| (1..=1000).contains(p)) {
                Some(p) => props.speed_percent = Some(p),
                None => problems.push(format!(
                    "speed must be a percent of real time from 1 to 1000, not \"{}\".",
                    short(&v)
                )),
            },
            "paused" => props.paused = v == "1" || v == "true",
            "embed" => props.embed = v == "1" || v == "true",
            "shareBase" => match web_url(&v) {
                Some(u) => props.share_base = AttrValue::from(u),
                None => problems.push(format!(
                    "shareBase must be an http or https address, not \"{}\".",
                    short(&v)
                )),
            },
            "lessonBase" => match web_url(&v) {
                Some(u) => {
                    let base = if u.ends_with('/') { u } else { format!("{u}/") };
                    props.lesson_base = AttrValue::from(base);
                }
                None => problems.push(format!(
                    "lessonBase must be an http or https address, not \"{}\".",
                    short(&v)
                )),
            },
            "lesson" => props.lesson = Some(v),
            // Checks that a panic shows the error banner instead of a blank page.
            "panic" => panic!("test panic requested by the page address (?panic=1)"),
            "script" => match crate::model::parse_script(&v) {
                Ok(s) if s.iter().all(|(t, _)| *t <= crate::share::MAX_TIME_MS) => props.script = s,
                Ok(_) => problems.push(format!(
                    "A script time is later than {} ms.",
                    crate::share::MAX_TIME_MS
                )),
                Err(e) => problems.push(format!(
                    "The script was not run: {}.",
                    crate::fmt::elide_end(&e.to_string(), 200)
                )),
            },
            _ => {}
        }
    }
    if let Some(m) = mode {
        props.scenario.control_plane = m;
    }
    if let Some(n) = nodes {
        props.scenario.coordinator_nodes = n;
    }
    if share_link {
        match crate::share::decode(params, query_len) {
            Ok(share) => {
                props.share = Some(std::rc::Rc::new(share));
            }
            Err(e) => {
                props.scenario = Scenario::default();
                props.seed = 1;
                problems.push(format!(
                    "This link could not be opened: {e}. Showing the default cluster instead."
                ));
            }
        }
    }
    (props, problems)
}

/// `s` as an absolute http(s) address (relative to the page), or None (`javascript:`,
/// `data:` and the like are refused).
fn web_url(s: &str) -> Option<String> {
    let base = web_sys::window()?.location().href().ok()?;
    let u = web_sys::Url::new_with_base(s, &base).ok()?;
    matches!(u.protocol().as_str(), "http:" | "https:").then(|| u.href())
}

/// At most 40 characters of a parameter, for messages.
fn short(s: &str) -> String {
    s.chars().take(40).collect()
}

/// Starts Kafkascope in `target` (an element, or the id of one) and returns its handle
/// (`send`, `on`, `destroy`). Without `options` and with an id, the page address configures
/// it (as `index.html` does); otherwise `options`: `{preset, scenario, lesson, mode, nodes,
/// seed, t, speed, paused, embed, script, shareBase, lessonBase}` (`scenario`: a preset name or a share
/// link's query). Unknown options and wrong types throw a TypeError. Mounting into an element
/// again replaces its instance; several elements hold independent instances.
#[wasm_bindgen]
pub fn mount(target: JsValue, options: JsValue) -> Result<Instance, JsValue> {
    let doc = web_sys::window()
        .and_then(|w| w.document())
        .ok_or_else(|| JsValue::from_str("no document"))?;
    let (root, by_id) = if let Some(id) = target.as_string() {
        let el = doc.get_element_by_id(&id).ok_or_else(|| {
            JsValue::from(js_sys::TypeError::new(&format!(
                "mount(target, options): there is no element with id \"{}\"",
                short(&id)
            )))
        })?;
        (el, true)
    } else {
        let el = target.dyn_into::<web_sys::Element>().map_err(|_| {
            JsValue::from(js_sys::TypeError::new(
                "mount(target, options): target must be an element or an element's id",
            ))
        })?;
        (el, false)
    };
    // The app is HTML: an SVG or MathML element cannot hold it.
    if !root.is_instance_of::<web_sys::HtmlElement>() {
        return Err(js_sys::TypeError::new(
            "mount(target, options): target must be an HTML element (a div, say)",
        )
        .into());
    }
    let props = if by_id && (options.is_undefined() || options.is_null()) {
        url_props()
    } else {
        let (params, query_len) = options_params(&options)?;
        let (props, problems) = props_from_params(&params, query_len);
        // A share link given as `scenario` reports its problems in the page, as a link does;
        // anything else wrong with the options is the caller's error.
        let (link, other): (Vec<String>, Vec<String>) = problems
            .into_iter()
            .partition(|p| p.starts_with("This link could not be opened"));
        if !other.is_empty() {
            return Err(js_sys::TypeError::new(&other.join(" ")).into());
        }
        with_notice(props, link)
    };
    Ok(mount_into(root, props))
}
