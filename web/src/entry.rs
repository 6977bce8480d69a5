//! The wasm entry points: a panic hook that also shows an error banner (a panic must never
//! leave a blank page silently), and `mount(element_id)` that starts the app in an element.

use crate::app::{App, AppProps};
use crate::model::Scenario;
use std::cell::RefCell;
use wasm_bindgen::prelude::*;

thread_local! {
    static MOUNTED: RefCell<Option<yew::AppHandle<App>>> = const { RefCell::new(None) };
}

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
/// this simulated ms), `speed=25` (percent of real time), `paused=1`, and
/// `script=produce:customer-123@600,crash:2@1500` (timed actions, see `parse_script`);
/// `panic=1` panics on purpose (to check the error banner).
fn url_props() -> AppProps {
    let search = web_sys::window()
        .and_then(|w| w.location().search().ok())
        .unwrap_or_default();
    let mut props = AppProps {
        scenario: Scenario::default(),
        seed: 1,
        start_at: 0,
        speed_percent: None,
        paused: false,
        script: Vec::new(),
        lesson: None,
    };
    let (mut mode, mut nodes) = (None, None);
    for pair in search.trim_start_matches('?').split('&') {
        let mut it = pair.splitn(2, '=');
        let (Some(k), Some(v)) = (it.next(), it.next()) else {
            continue;
        };
        let v = js_sys::decode_uri_component(v)
            .ok()
            .and_then(|s| s.as_string())
            .unwrap_or_else(|| v.to_owned());
        match k {
            "preset" => {
                if let Some(s) = Scenario::preset(&v) {
                    props.scenario = s;
                }
            }
            "mode" => mode = crate::model::scenario::ControlPlane::from_key(&v),
            "nodes" => nodes = v.parse().ok().filter(|n| [1, 3, 5].contains(n)),
            "seed" => props.seed = v.parse().unwrap_or(1),
            "t" => props.start_at = v.parse().unwrap_or(0),
            "speed" => props.speed_percent = v.parse().ok(),
            "paused" => props.paused = v == "1" || v == "true",
            "lesson" => props.lesson = Some(v),
            // Checks that a panic shows the error banner instead of a blank page.
            "panic" => panic!("test panic requested by the page address (?panic=1)"),
            "script" => match crate::model::parse_script(&v) {
                Ok(s) => props.script = s,
                Err(e) => web_sys::console::warn_1(&JsValue::from_str(&e)),
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
    props
}

/// Starts Kafkascope inside the element with id `element_id` (replacing an earlier mount).
#[wasm_bindgen]
pub fn mount(element_id: &str) -> Result<(), JsValue> {
    let doc = web_sys::window()
        .and_then(|w| w.document())
        .ok_or_else(|| JsValue::from_str("no document"))?;
    let root = doc
        .get_element_by_id(element_id)
        .ok_or_else(|| JsValue::from_str(&format!("no element with id \"{element_id}\"")))?;
    let props = url_props();
    MOUNTED.with(|m| {
        if let Some(old) = m.borrow_mut().take() {
            old.destroy();
        }
        let handle = yew::Renderer::<App>::with_root_and_props(root, props).render();
        *m.borrow_mut() = Some(handle);
    });
    Ok(())
}
