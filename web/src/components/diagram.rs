//! The cluster as a textbook SVG diagram: producers left, brokers (with their replicas)
//! middle, consumers right, the coordinator below, and every message in flight on its path.

use super::broker::Broker;
use super::broker_numbers::BrokerNumbers;
use super::consumer::Consumer;
use super::controller::Controller;
use super::message_dot::{dropped_mark, message_dots, message_link};
use super::producer::Producer;
use crate::fmt::{fixed, num};
use crate::layout::Layout;
use crate::model::world::DroppedMessage;
use kafkascope_core::BrokerId;
use kafkascope_core::snapshot::Snapshot;
use std::collections::VecDeque;
use std::rc::Rc;
use yew::prelude::*;

pub struct DiagramArgs<'a> {
    pub snapshot: &'a Rc<Snapshot>,
    pub layout: &'a Layout,
    /// Simulated time now, with a fraction, for the dots' positions.
    pub now: f64,
    pub dropped: &'a VecDeque<DroppedMessage>,
    /// How long (simulated ms) a dropped message's cross takes to fade.
    pub fade_ms: f64,
    pub selected_broker: Option<BrokerId>,
    pub reduced_motion: bool,
    pub on_select: &'a Callback<BrokerId>,
    pub on_select_node: &'a Callback<kafkascope_core::NodeId>,
    pub coordinator: &'a Rc<crate::coordinator_view::CoordinatorView>,
}

pub fn diagram(a: &DiagramArgs<'_>) -> Html {
    let s = a.snapshot;
    let l = a.layout;
    // No clock or message count in the label: it would change every frame, and a screen
    // reader hears the events from the event log instead.
    let label = format!(
        "Kafka cluster: {} brokers, {} producers, {} consumers",
        s.brokers.len(),
        s.producers.len(),
        s.consumers.len()
    );
    let view = a.coordinator;
    let messages: Html = if a.reduced_motion {
        s.in_flight
            .iter()
            .filter_map(|m| message_link(l, m))
            .collect()
    } else {
        message_dots(l, s.in_flight.iter(), a.now)
    };
    let view_box = format!(
        "0 0 {} {}",
        crate::fmt::fixed(l.width, 0),
        crate::fmt::fixed(l.height, 0)
    );
    // The messages are drawn in a second SVG laid over the diagram, in its own compositing
    // layer: a dot moving every frame then repaints only the dots, not the whole diagram.
    html! {
        <div class="cluster-stack">
        // The brokers come first in the page, so the tab order follows the diagram: brokers,
        // then consumers, then the coordinator below (they are positioned layers, drawn over
        // the diagram whatever their place in the page).
        // Each broker is its own small SVG laid over the diagram at its place (same user
        // units through its viewBox): a positioned element the browser paints and caches on
        // its own, so a changed broker repaints alone, not the whole diagram. Over it, its
        // LEO and HW numbers in a layer of their own, placed the same way: they change with
        // every record, and then repaint without the box (`broker_numbers.rs`).
        { for s.brokers.iter().enumerate().filter_map(|(i, b)| {
            let bbox = l.brokers.iter().find(|x| x.id == b.id)?.clone();
            let r = bbox.rect;
            // Room around the box for the focus and selection outline.
            let pad = 4.0;
            // Where the layer sits, in percent of the diagram: left, top, width, height. Set
            // through the CSSOM after rendering (`place_broker_layers`), not as a style
            // attribute, which a Content-Security-Policy without 'unsafe-inline' blocks.
            let place = format!(
                "{} {} {} {}",
                fixed((r.x - pad) / l.width * 100.0, 3),
                fixed((r.y - pad) / l.height * 100.0, 3),
                fixed((r.w + 2.0 * pad) / l.width * 100.0, 3),
                fixed((r.h + 2.0 * pad) / l.height * 100.0, 3),
            );
            let vb = format!("{} {} {} {}", num(r.x - pad), num(r.y - pad), num(r.w + 2.0 * pad), num(r.h + 2.0 * pad));
            Some([
                html! {
                    <svg key={b.id} class="cluster broker-layer" viewBox={vb.clone()} data-place={place.clone()}>
                        <Broker snapshot={s.clone()} index={i} bbox={bbox.clone()}
                            selected={a.selected_broker == Some(b.id)} on_select={a.on_select.clone()}
                            badge={view.broker_badges.iter().find(|x| x.0 == b.id).map(|x| x.1.clone())} />
                    </svg>
                },
                html! {
                    <svg key={format!("numbers-{}", b.id)} class="cluster broker-numbers-layer"
                        viewBox={vb} data-place={place} aria-hidden="true">
                        <BrokerNumbers snapshot={s.clone()} index={i} {bbox} />
                    </svg>
                },
            ])
        }).flatten() }
        <svg id="cluster" class={classes!("cluster", a.reduced_motion.then_some("reduced-motion"))}
            viewBox={view_box.clone()} role="group"
            aria-label={label} data-time={s.time.to_string()}>
            { for l.captions.iter().map(|(text, p)| html! {
                <text key={*text} class="caption" x={crate::fmt::num(p.x)} y={crate::fmt::num(p.y)}
                    text-anchor="middle">{ *text }</text>
            }) }
            if s.consumers.is_empty() {
                { for l.captions.iter().filter(|c| c.0 == "Consumers").map(|(_, p)| html! {
                    <text class="placeholder" x={crate::fmt::num(p.x)} y={crate::fmt::num(p.y + 16.0)}
                        text-anchor="middle">{ "none yet" }</text>
                }) }
            }
            { for s.producers.iter().filter_map(|p| {
                let rect = l.producers.iter().find(|x| x.0 == p.id)?.1;
                Some(html! { <Producer key={p.id} producer={p.clone()} {rect} /> })
            }) }
            { for s.consumers.iter().filter_map(|c| {
                let rect = l.consumers.iter().find(|x| x.0 == c.id)?.1;
                Some(html! { <Consumer key={c.id} consumer={c.clone()} {rect}
                    on_select={a.on_select_node.clone()} /> })
            }) }
            // After the clients: the coordinator is below them, last in the tab order.
            <Controller view={view.clone()} area={l.coordinator_area}
                nodes={l.coordinators.clone()}
                on_select={(view.mode != "builtin").then(|| a.on_select_node.clone())} />
        </svg>
        <svg id="messages" class={classes!("cluster", "messages-layer", a.reduced_motion.then_some("reduced-motion"))}
            viewBox={view_box} aria-hidden="true">
            <g class="messages">
                { messages }
                { for a.dropped.iter().filter_map(|d| dropped_mark(l, d, a.now, a.fade_ms, a.reduced_motion)) }
            </g>
        </svg>
        </div>
    }
}

/// What the shapes and letters mean (so nothing is told by colour alone). A component without
/// props: built once, never diffed again as the app re-renders.
#[component]
pub fn Legend() -> Html {
    html! {
        <details class="legend">
            <summary>{ "Legend" }</summary>
            <ul>
                <li><b>{ "L" }</b>{ " (crown, gold): leader replica · " }<b>{ "F" }</b>
                    { " (round, blue): follower · " }<b>{ "–" }</b>{ ": no role (no leader known, or the broker is down) · " }
                    <b>{ "L" }</b>{ " (hollow dashed crown): named leader in the cluster's metadata, but not \
                       leading: the broker is down and the controller has not noticed yet, or it is up \
                       and not told yet" }</li>
                <li>{ "A broker's top line: " }<b>{ "leads N/M" }</b>{ ", it leads N of the M replicas it \
                       hosts; on a down broker, " }<b>{ "named leader N/M" }</b>{ ", the metadata still names it \
                       leader of N" }</li>
                <li><b>{ "ISR ✓" }</b>{ ": in the in-sync replica set · " }<b>{ "OUT ✗" }</b>
                    { ": out of it (dashed slot)" }</li>
                <li><b>{ "LEO" }</b>{ ": log end offset (next offset to write) · " }<b>{ "HW" }</b>
                    { ": high watermark (records below it are committed); a narrow slot shows them as LEO/HW" }</li>
                <li>{ "Dots are messages on the wire, lettered by API: P Produce, F Fetch, M Metadata, \
                       O ListOffsets, e OffsetForLeaderEpoch, D the broker closing a producer's \
                       connection (its answer to an acks=0 record it cannot take), \
                       H BrokerHeartbeat, L LeaderAndIsr, U UpdateMetadata, A AlterPartition, \
                       C FindCoordinator, J JoinGroup, S SyncGroup, h Heartbeat, K OffsetCommit; \
                       KRaft: V Vote, B BeginQuorumEpoch, m metadata-log fetch, R BrokerRegistration; \
                       ZooKeeper: Z a ZooKeeper request, ping or watch event, z ZAB between servers. \
                       Filled: request; hollow: response; ✕: dropped." }</li>
                <li><b>{ "Fetches parked" }</b>{ " (metrics strip): fetches a leader holds, with nothing \
                       new to return, until a record arrives or the max wait (500 ms by default) \
                       passes. Meanwhile nothing moves between that follower or consumer and its \
                       leader: a quiet wire is not a stalled cluster." }</li>
            </ul>
        </details>
    }
}

/// Puts each broker layer under `root` where its `data-place` says (left, top, width and
/// height in percent), through the CSSOM; a layer already placed there is left alone.
#[cfg(target_arch = "wasm32")]
pub fn place_broker_layers(root: &web_sys::Element) {
    use wasm_bindgen::JsCast;
    let Ok(layers) = root.query_selector_all("svg[data-place]") else {
        return;
    };
    for i in 0..layers.length() {
        let Some(el) = layers
            .item(i)
            .and_then(|n| n.dyn_into::<web_sys::SvgElement>().ok())
        else {
            continue;
        };
        let place = el.get_attribute("data-place").unwrap_or_default();
        if el.get_attribute("data-placed").as_deref() == Some(place.as_str()) {
            continue;
        }
        let style = el.style();
        for (name, v) in ["left", "top", "width", "height"]
            .into_iter()
            .zip(place.split(' '))
        {
            let _ = style.set_property(name, &format!("{v}%"));
        }
        let _ = el.set_attribute("data-placed", &place);
    }
}
