//! A broker box: its name and state (up or down, live or fenced, isolated) in words, and the
//! replicas it hosts. It is a focusable button: click, Enter or Space opens its actions.

use super::replica::Replica;
use crate::layout::BrokerBox;
use kafkascope_core::BrokerId;
use kafkascope_core::snapshot::{BrokerSnapshot, Countdown, ReplicaRole, Snapshot};
use std::rc::Rc;
use yew::prelude::*;

#[derive(Properties)]
pub struct BrokerProps {
    pub snapshot: Rc<Snapshot>,
    pub index: usize,
    pub bbox: BrokerBox,
    pub selected: bool,
    pub on_select: Callback<BrokerId>,
    /// The coordinator roles or registration state this broker has, in words.
    pub badge: Option<String>,
}

impl BrokerProps {
    fn broker(&self) -> Option<&BrokerSnapshot> {
        self.snapshot.brokers.get(self.index)
    }
}

impl PartialEq for BrokerProps {
    fn eq(&self, other: &Self) -> bool {
        self.index == other.index
            && self.bbox == other.bbox
            && self.selected == other.selected
            && self.on_select == other.on_select
            && self.badge == other.badge
            && self.broker() == other.broker()
            && self
                .broker()
                .and_then(|b| fence_countdown(&self.snapshot, b))
                == other
                    .broker()
                    .and_then(|b| fence_countdown(&other.snapshot, b))
    }
}

/// "fenced in 2.3 s" while the controller still counts a silent (down or isolated) broker as
/// live: the broker session timeout running out.
pub fn fence_countdown(s: &Snapshot, b: &BrokerSnapshot) -> Option<String> {
    if !b.live || (b.up && !b.isolated) {
        return None;
    }
    let at = s.countdowns.iter().find_map(|c| match c {
        Countdown::BrokerSession { broker, at } if *broker == b.id => Some(*at),
        _ => None,
    })?;
    if at <= s.time {
        return Some("fenced at the next check".to_owned());
    }
    // Tenths cut, not rounded, as the coordinator's timer lines and the clock show them.
    Some(format!(
        "fenced in {}",
        crate::narrate::seconds(at - s.time)
    ))
}

/// The cluster runs in ZooKeeper mode.
pub fn is_zookeeper(s: &Snapshot) -> bool {
    matches!(
        s.controller.coordinator,
        kafkascope_core::snapshot::CoordinatorSnapshot::Zookeeper(_)
    )
}

/// The broker's state in words: "up, live", "DOWN", "up, FENCED", plus "ISOLATED". In
/// ZooKeeper mode a broker is alive while its session (its `/brokers/ids` znode) lasts:
/// fencing is KRaft's word.
pub fn state_words(b: &BrokerSnapshot, zookeeper: bool) -> String {
    let mut s = match (b.up, b.live, zookeeper) {
        (true, true, _) => "up, live".to_owned(),
        (true, false, false) => "up, FENCED".to_owned(),
        (true, false, true) => "up, NOT REGISTERED".to_owned(),
        (false, true, false) => "DOWN (not yet fenced)".to_owned(),
        (false, true, true) => "DOWN (session not yet expired)".to_owned(),
        (false, false, false) => "DOWN, fenced".to_owned(),
        (false, false, true) => "DOWN, session expired".to_owned(),
    };
    if b.isolated {
        s.push_str(", ISOLATED");
    }
    s
}

#[component]
pub fn Broker(p: &BrokerProps) -> Html {
    let Some(b) = p.broker() else {
        return Html::default();
    };
    let id = b.id;
    let r = p.bbox.rect;
    let leads = b
        .replicas
        .iter()
        .filter(|r| r.role == ReplicaRole::Leader)
        .count();
    // A down broker leads nothing, but until the controller notices, the cluster's metadata still
    // names the broker leader: clients' requests for those partitions go unanswered.
    let named = b.replicas.iter().filter(|r| r.named_leader).count();
    let (leads_text, leads_words) = if !b.up && named > 0 {
        (
            format!("named leader {named}/{}", b.replicas.len()),
            format!("leads none, though the cluster's metadata still names it leader of {named}"),
        )
    } else {
        (
            format!("leads {leads}/{}", b.replicas.len()),
            format!("leads {leads}"),
        )
    };
    // While the controller has not noticed yet, the countdown replaces "(not yet fenced)".
    let state = match fence_countdown(&p.snapshot, b) {
        Some(c) if !b.up => format!("DOWN · {c}"),
        Some(c) => format!("ISOLATED · {c}"),
        None => state_words(b, is_zookeeper(&p.snapshot)),
    };
    let onclick = p.on_select.reform(move |_: MouseEvent| id);
    let onkeydown = {
        let cb = p.on_select.clone();
        Callback::from(move |e: KeyboardEvent| {
            if e.key() == "Enter" || e.key() == " " {
                e.prevent_default();
                cb.emit(id);
            }
        })
    };
    let rack = b
        .rack
        .as_ref()
        .map(|r| format!(" in rack {r}"))
        .unwrap_or_default();
    // The header's name (13-px bold, about 7.6 units a character) and the count right of it
    // (11 px, about 6.2) share the box's width: a long rack name is elided, not drawn over
    // the count or out of the box; so is a long state (11-px bold). The whole text is in
    // the box's title.
    let name = match &b.rack {
        Some(rack) => format!("Broker {id} · rack {rack}"),
        None => format!("Broker {id}"),
    };
    let name_room =
        ((r.w - 24.0 - leads_text.chars().count() as f64 * 6.2) / 7.6).max(8.0) as usize;
    let state_room = ((r.w - 16.0) / 6.6) as usize;
    let label = format!(
        "Broker {id}{rack}: {state}; hosts {} replicas, {leads_words}. Press Enter for actions.",
        b.replicas.len()
    );
    let class = classes!(
        "broker",
        if b.up { "up" } else { "down" },
        if b.live { "live" } else { "fenced" },
        b.isolated.then_some("isolated"),
        p.selected.then_some("selected")
    );
    html! {
        <g class={class} data-broker-id={id.to_string()} data-rack={b.rack.clone()} data-up={b.up.to_string()}
            data-live={b.live.to_string()} data-isolated={b.isolated.to_string()}
            role="button" tabindex="0" aria-expanded={p.selected.to_string()}
            aria-controls="broker-menu" {onclick} {onkeydown}>
            // The accessible name (and the tooltip): an SVG element's <title>. Not aria-label,
            // which would have to contain every visible word inside the box (WCAG 2.5.3,
            // axe's label-content-name-mismatch), replicas included.
            <title>{ label }</title>
            <rect class="broker-box" x={crate::fmt::num(r.x)} y={crate::fmt::num(r.y)}
                width={crate::fmt::num(r.w)} height={crate::fmt::num(r.h)} rx="6" />
            <text class="broker-name" x={crate::fmt::num(r.x + 8.0)} y={crate::fmt::num(r.y + 15.0)}>
                { crate::fmt::elide_end(&name, name_room) }
            </text>
            <text class="broker-sub" x={crate::fmt::num(r.x + r.w - 8.0)} y={crate::fmt::num(r.y + 15.0)}
                text-anchor="end">{ leads_text }</text>
            <text class="broker-state" x={crate::fmt::num(r.x + 8.0)} y={crate::fmt::num(r.y + 29.0)}>
                { crate::fmt::elide_end(&state, state_room) }
            </text>
            if let Some(badge) = &p.badge {
                <text class="broker-role" x={crate::fmt::num(r.x + 8.0)} y={crate::fmt::num(r.y + 43.0)}
                    data-coordinator-role={badge.clone()}>
                    <title>{ badge.clone() }</title>
                    { crate::fmt::elide_end(badge, ((r.w - 16.0) / 5.6) as usize) }
                </text>
            }
            { for (0..b.replicas.len()).map(|i| html! {
                <Replica key={i} snapshot={p.snapshot.clone()} broker_index={p.index}
                    replica_index={i} rect={p.bbox.slot(i)} />
            }) }
        </g>
    }
}
