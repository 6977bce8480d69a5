//! A message on the wire, drawn as a dot on its path at `(now - sent) / (deliver - sent)`,
//! lettered with its API. No tooltip: the messages layer takes no pointer events and is
//! hidden from assistive technology (the in-flight list and the event log say the same), and
//! a `<title>` per dot would add two nodes to each of the several dots created every
//! frame. Each dot is one `<circle>` (with its message's `data-*`); the letters of all dots
//! of one look (API family, request or response) are the glyphs of one `<text>`, each placed
//! by its own entry in the `x` and `y` lists: a busy cluster starts several dots a frame, and
//! one text per dot cost a text layout each (measured: the dots' letters were a third of the
//! messages layer's rendering). Requests are filled, responses hollow. A dropped
//! message shows as a fading cross where it died. With reduced motion, a message is a
//! highlighted static link instead.

use crate::fmt::{fixed, num};
use crate::layout::{Layout, Path, progress};
use crate::model::world::DroppedMessage;
use kafkascope_core::event::DropReason;
use kafkascope_core::kernel::InFlightMessage;
use yew::prelude::*;

/// Which family an API belongs to (colour and legend).
pub fn api_class(api: &str) -> &'static str {
    let base = api.trim_end_matches("Response");
    match base {
        "Produce" | "Metadata" | "ListOffsets" | "OffsetForLeaderEpoch" | "ConnectionClosed" => {
            "api-client"
        }
        "Fetch" => "api-fetch",
        "BrokerHeartbeat" | "LeaderAndIsr" | "UpdateMetadata" | "AlterPartition" => "api-control",
        _ => "api-group",
    }
}

/// The letter inside the dot: one character (the dots' letters are placed one glyph each).
pub fn api_letter(api: &str) -> &'static str {
    match api.trim_end_matches("Response") {
        "Produce" => "P",
        "ConnectionClosed" => "D",
        "Fetch" => "F",
        "Metadata" => "M",
        "ListOffsets" => "O",
        "OffsetForLeaderEpoch" => "e",
        "BrokerHeartbeat" => "H",
        "LeaderAndIsr" => "L",
        "UpdateMetadata" => "U",
        "AlterPartition" => "A",
        "FindCoordinator" => "C",
        "JoinGroup" => "J",
        "SyncGroup" => "S",
        "Heartbeat" => "h",
        "LeaveGroup" => "X",
        "OffsetCommit" => "K",
        "OffsetFetch" => "k",
        "Vote" => "V",
        "BeginQuorumEpoch" => "B",
        "EndQuorumEpoch" => "E",
        "BrokerRegistration" => "R",
        "FetchMetadata" | "MetadataFetch" => "m",
        a if a.starts_with("Zab") => "z",
        a if a.starts_with("Zk") => "Z",
        _ => "?",
    }
}

/// Hollow dots: responses, and the broker closing a client's connection (its answer to a
/// failed acks=0 produce).
pub fn is_response(api: &str) -> bool {
    api.ends_with("Response") || api == "ConnectionClosed"
}

/// The dots in flight, then their letters; a message whose ends the layout does not place is
/// not drawn.
pub fn message_dots<'a>(
    layout: &Layout,
    messages: impl Iterator<Item = &'a InFlightMessage>,
    now: f64,
) -> Html {
    let mut dots = Vec::new();
    let mut letters = Letters::default();
    for m in messages {
        let Some(path) = layout.message_path(m.from, m.to) else {
            continue;
        };
        let p = path.point_at(progress(now, m.sent_at, m.deliver_at));
        let (family, response) = (api_class(&m.api), is_response(&m.api));
        let class = classes!("msg", family, response.then_some("response"));
        dots.push(html! {
            <circle key={m.id} class={class} data-api={m.api.clone()} data-from={m.from.to_string()}
                data-to={m.to.to_string()} r="6"
                transform={format!("translate({} {})", num(p.x), num(p.y))} />
        });
        letters.add(family, response, api_letter(&m.api), p.x, p.y + 3.0);
    }
    html! { <>{ for dots }{ letters.view() }</> }
}

/// The dots' letters, one `<text>` per look.
#[derive(Default)]
struct Letters {
    groups: Vec<LetterGroup>,
}

/// The letters of the dots of one look: the glyphs and where each one goes.
struct LetterGroup {
    family: &'static str,
    response: bool,
    text: String,
    x: String,
    y: String,
}

impl Letters {
    fn add(&mut self, family: &'static str, response: bool, letter: &str, x: f64, y: f64) {
        let i = match self
            .groups
            .iter()
            .position(|g| g.family == family && g.response == response)
        {
            Some(i) => i,
            None => {
                self.groups.push(LetterGroup {
                    family,
                    response,
                    text: String::new(),
                    x: String::new(),
                    y: String::new(),
                });
                self.groups.len() - 1
            }
        };
        let g = &mut self.groups[i];
        g.text.push_str(letter);
        for (list, v) in [(&mut g.x, x), (&mut g.y, y)] {
            if !list.is_empty() {
                list.push(' ');
            }
            list.push_str(&num(v));
        }
    }

    fn view(mut self) -> Html {
        // In a fixed order, so that a look's text stays where it is from frame to frame.
        self.groups.sort_by_key(|g| (g.family, g.response));
        self.groups
            .into_iter()
            .map(|g| {
                let key = format!("{}{}", g.family, if g.response { "-r" } else { "" });
                html! {
                    <text {key} class={classes!("msg-letters", g.family, g.response.then_some("response"))}
                        x={g.x} y={g.y}>{ g.text }</text>
                }
            })
            .collect()
    }
}

/// The reduced-motion form: the whole path highlighted, lettered at its middle.
pub fn message_link(layout: &Layout, m: &InFlightMessage) -> Option<Html> {
    let path: Path = layout.message_path(m.from, m.to)?;
    let mid = path.point_at(0.5);
    let class = classes!(
        "msg-link",
        api_class(&m.api),
        is_response(&m.api).then_some("response")
    );
    Some(html! {
        <g key={m.id} class={class} data-api={m.api.clone()} data-from={m.from.to_string()}
            data-to={m.to.to_string()}>
            <path d={path.svg_d()} />
            <g transform={format!("translate({} {})", num(mid.x), num(mid.y))}>
                <circle r="6" />
                <text class="msg-letter" dy="3">{ api_letter(&m.api) }</text>
            </g>
        </g>
    })
}

/// A dropped message: a cross at the end of its path, fading over `fade_ms` of simulated time
/// (with reduced motion it stays solid for that time, then disappears).
pub fn dropped_mark(
    layout: &Layout,
    d: &DroppedMessage,
    now: f64,
    fade_ms: f64,
    reduced_motion: bool,
) -> Option<Html> {
    let path = layout.message_path(d.from, d.to)?;
    let p = path.point_at(0.92);
    let age = (now - d.at as f64).max(0.0);
    let left = 1.0 - age / fade_ms.max(1.0);
    let opacity = if reduced_motion && left > 0.0 {
        1.0
    } else {
        left.clamp(0.0, 1.0)
    };
    if opacity <= 0.0 {
        return None;
    }
    Some(html! {
        <g key={format!("d{}", d.id)} class={classes!("msg", "dropped", api_class(&d.api))}
            data-api={d.api.clone()} data-from={d.from.to_string()} data-to={d.to.to_string()}
            data-dropped="true"
            transform={format!("translate({} {})", num(p.x), num(p.y))}
            opacity={fixed(opacity, 2)}>
            <title>{ format!("{} from {} to {} dropped: {}", d.api, d.from, d.to, drop_words(d.reason)) }</title>
            <path d="M-5 -5L5 5M-5 5L5 -5" />
        </g>
    })
}

fn drop_words(r: DropReason) -> &'static str {
    match r {
        DropReason::Lost => "lost by the network",
        DropReason::LinkCut => "the link is cut",
        DropReason::ReceiverDown => "the receiver is down",
    }
}
