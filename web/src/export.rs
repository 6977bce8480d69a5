//! Exports: the event trace as JSON (built here, natively tested) and, in the browser, the
//! diagram as a standalone SVG file (`js/helpers.js` inlines the styles it needs).
//!
//! The trace's shape (version 1):
//!
//! ```json
//! {"format": "kafkascope-trace", "version": 1, "seed": 1, "time": 12300,
//!  "link": "v=1&seed=1&c=...",
//!  "events": [{"id": 0, "time": 312, "text": "created topic orders ...", "detail": false}],
//!  "complete": true}
//! ```
//!
//! `events` are every narrated line of the session up to the time shown, with their simulated
//! times (ms), oldest first, replication details included (`detail: true`): the session is
//! replayed from its start for the export ([`World::full_log`]), since the page's log keeps
//! only the last 300. `complete` is false when lines were left out (over [`TRACE_LIMIT`]).
//! `link` is the session's share-link query, which rebuilds the whole session.

use crate::model::World;
use crate::share::Share;
use std::fmt::Write;

/// `s` as a JSON string literal.
pub fn json_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 || c == '<' || c == '>' => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The event trace of `world` as JSON (see the module's documentation), with the free-play
/// share link's query.
pub fn trace_json(world: &World) -> String {
    trace_json_linked(world, Some(&Share::of_world(world).encode()))
}

/// The same with `link` as the trace's link (`null` when the session has none: a lesson
/// session with actions of the learner's own).
pub fn trace_json_linked(world: &World, link: Option<&str>) -> String {
    let mut out = format!(
        "{{\"format\":\"kafkascope-trace\",\"version\":1,\"seed\":{},\"time\":{},\"link\":{},\"events\":[",
        world.seed(),
        world.now(),
        link.map_or_else(|| "null".to_owned(), json_string)
    );
    let (lines, left_out) = world.full_log(TRACE_LIMIT);
    for (i, l) in lines.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        let _ = write!(
            out,
            "\n{{\"id\":{},\"time\":{},\"text\":{},\"detail\":{}}}",
            l.id,
            l.time,
            json_string(&l.text),
            l.detail
        );
    }
    let _ = write!(out, "\n],\"complete\":{}}}\n", !left_out);
    out
}

/// Most lines a trace holds; past it the trace says it is not complete.
pub const TRACE_LIMIT: usize = 200_000;

#[cfg(target_arch = "wasm32")]
pub mod browser {
    use wasm_bindgen::prelude::*;

    #[wasm_bindgen(module = "/js/helpers.js")]
    extern "C" {
        #[wasm_bindgen(js_name = diagramSvg, catch)]
        pub fn diagram_svg(root: &web_sys::Element) -> Result<String, JsValue>;
        #[wasm_bindgen(js_name = downloadText)]
        pub fn download_text(text: &str, filename: &str, mime: &str);
        #[wasm_bindgen(js_name = copyText)]
        pub fn copy_text(text: &str, input: &web_sys::Element) -> js_sys::Promise;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{BrokerAction, Scenario};

    #[test]
    fn strings_are_escaped() {
        assert_eq!(
            json_string("a\"b\\c\n<x>"),
            "\"a\\\"b\\\\c\\n\\u003cx\\u003e\""
        );
    }

    #[test]
    fn the_trace_holds_the_whole_session_not_only_the_last_lines_the_page_keeps() {
        let mut w = World::new(&Scenario::stress(), 3).unwrap();
        w.advance_to(20_000);
        let (lines, left_out) = w.full_log(TRACE_LIMIT);
        assert!(!left_out);
        assert!(
            lines.len() > 2 * crate::model::world::LOG_CAPACITY,
            "{}",
            lines.len()
        );
        // Every line once, in order, from the first; the tail is what the page shows.
        assert!(lines.iter().enumerate().all(|(i, l)| l.id == i as u64));
        assert_eq!(
            lines[lines.len() - w.log_all().len()..],
            w.log_all()
                .iter()
                .map(|l| (**l).clone())
                .collect::<Vec<_>>()[..]
        );
        let (few, cut) = w.full_log(10);
        assert_eq!((few.len(), cut), (10, true));
        assert!(trace_json(&w).ends_with("\n],\"complete\":true}\n"));
    }

    #[test]
    fn the_trace_lists_the_log_with_times_and_the_link() {
        let mut w = World::new(&Scenario::default(), 5).unwrap();
        w.advance_to(1_000);
        w.broker_action(2, BrokerAction::Crash).unwrap();
        w.advance_to(2_000);
        let j = trace_json(&w);
        assert!(j.starts_with("{\"format\":\"kafkascope-trace\",\"version\":1,\"seed\":5,\"time\":2000,\"link\":\"v=1&seed=5&c=b:3;"), "{j}");
        assert!(
            j.contains("\"time\":1000,\"text\":\"broker 2 crashed"),
            "{j}"
        );
        assert_eq!(j.matches("\"id\":").count(), w.log_all().len());
        assert!(j.ends_with("\n],\"complete\":true}\n"));
        // A lesson's link, or none.
        let j = trace_json_linked(&w, Some("lesson=kraft-mode&t=2000&paused=1"));
        assert!(
            j.contains("\"link\":\"lesson=kraft-mode&t=2000&paused=1\""),
            "{j}"
        );
        assert!(trace_json_linked(&w, None).contains("\"link\":null,"));
    }
}
