//! A consumer client box: id, group and generation, and its assigned partitions with the
//! next offset it will read.

use crate::layout::{CONSUMER_LINE, CONSUMER_MAX_LINES, Rect};
use kafkascope_core::NodeId;
use kafkascope_core::assignor::AssignorKind;
use kafkascope_core::snapshot::ConsumerSnapshot;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct ConsumerProps {
    pub consumer: ConsumerSnapshot,
    pub rect: Rect,
    /// Opens its menu (crash, restart, isolate).
    pub on_select: Callback<NodeId>,
}

#[component]
pub fn Consumer(p: &ConsumerProps) -> Html {
    let c = &p.consumer;
    let r = p.rect;
    let joined = c.generation >= 0;
    // A down consumer's member still holds its partitions in the group until its session
    // times out: drawn as held (no one reads them meanwhile). A failed consumer has no
    // partitions: its lines name the error, in full.
    let lines: Vec<String> = match (c.up, c.fatal_error) {
        (true, Some(e)) => {
            crate::fmt::error_lines(e.name(), ((r.w - 16.0) / 7.2).max(8.0) as usize)
        }
        (true, None) => c
            .assignment
            .iter()
            .take(CONSUMER_MAX_LINES)
            .map(|tp| {
                let pos = c.positions.iter().find(|(t, _)| t == tp).map(|(_, o)| *o);
                match pos {
                    Some(o) => format!("{tp} @ {o}"),
                    None => tp.to_string(),
                }
            })
            .collect(),
        (false, _) => c
            .held
            .iter()
            .take(CONSUMER_MAX_LINES)
            .map(|tp| format!("{tp} held"))
            .collect(),
    };
    let state = if !c.up {
        "DOWN".to_owned()
    } else if c.fatal_error.is_some() {
        "FAILED:".to_owned()
    } else if joined {
        format!("generation {}", c.generation)
    } else {
        "not joined yet".to_owned()
    };
    let title = if !c.up && !c.held.is_empty() {
        format!(
            "consumer {} in group {}: DOWN; the group still assigns it {} partition(s) until its session times out, and no other member reads them",
            c.id,
            c.group,
            c.held.len()
        )
    } else if let Some(e) = c.fatal_error.filter(|_| c.up) {
        format!(
            "consumer {} in group {}: stopped by {e} (its poll() would throw)",
            c.id, c.group
        )
    } else {
        format!(
            "consumer {} in group {}: generation {}, assigned {} partition(s)",
            c.id,
            c.group,
            c.generation,
            c.assignment.len()
        )
    };
    let node = NodeId::Consumer(c.id);
    let onclick = p.on_select.reform(move |_: MouseEvent| node);
    let select = p.on_select.clone();
    let onkeydown = Callback::from(move |e: KeyboardEvent| {
        if e.key() == "Enter" || e.key() == " " {
            e.prevent_default();
            select.emit(node);
        }
    });
    html! {
        <g class={classes!("client", "consumer", if c.up { "up" } else { "down" })}
            role="button" tabindex="0" {onclick} {onkeydown} data-node={node.to_string()}
            data-consumer-id={c.id.to_string()} data-group={c.group.to_string()}
            data-up={c.up.to_string()} data-assigned={c.assignment.len().to_string()}
            data-held={c.held.len().to_string()}
            data-failed={c.fatal_error.map(|e| e.to_string())}>
            <title>{ format!("{title}. Press Enter for actions.") }</title>
            <rect class="client-box" x={crate::fmt::num(r.x)} y={crate::fmt::num(r.y)} width={crate::fmt::num(r.w)}
                height={crate::fmt::num(r.h)} rx="6" />
            // The lines, clipped to the box (a nested <svg> clips to its viewport; its viewBox
            // keeps the diagram's coordinates): a long group id cannot spill over.
            <svg class="client-lines" x={crate::fmt::num(r.x)} y={crate::fmt::num(r.y)}
                width={crate::fmt::num(r.w)} height={crate::fmt::num(r.h)}
                viewBox={format!("{} {} {} {}", crate::fmt::num(r.x), crate::fmt::num(r.y), crate::fmt::num(r.w), crate::fmt::num(r.h))}>
            <text class="client-name" x={crate::fmt::num(r.x + 8.0)} y={crate::fmt::num(r.y + 16.0)}>
                { format!("Consumer {}", c.id) }
            </text>
            <text class="client-sub" x={crate::fmt::num(r.x + 8.0)} y={crate::fmt::num(r.y + 30.0)}>
                { crate::fmt::elide_end(&format!("group {}", c.group), ((r.w - 16.0) / 6.2).max(8.0) as usize) }
            </text>
            <text class="client-sub" x={crate::fmt::num(r.x + 8.0)} y={crate::fmt::num(r.y + 42.0)}>
                { crate::fmt::elide_end(&state, ((r.w - 16.0) / 6.2).max(8.0) as usize) }
            </text>
            { for lines.into_iter().enumerate().map(|(i, l)| html! {
                <text class="client-sub assignment"
                    x={crate::fmt::num(r.x + 8.0)}
                    y={crate::fmt::num(r.y + 42.0 + CONSUMER_LINE * (i as f64 + 1.0))}>{ l }</text>
            }) }
            </svg>
        </g>
    }
}

#[derive(Properties, PartialEq)]
pub struct ConsumerFormProps {
    pub topics: std::rc::Rc<Vec<crate::model::world::TopicInfo>>,
    pub on_add: Callback<(String, String, AssignorKind)>,
    /// Why the last consumer could not start (Kafka's error).
    pub error: Option<AttrValue>,
}

/// Starts a consumer in a group, subscribed to one topic, with a partition assignment
/// strategy. The group's members all have to support the chosen strategy (as in Kafka).
#[component]
pub fn ConsumerForm(p: &ConsumerFormProps) -> Html {
    let group = use_state(|| "billing".to_owned());
    let topic = use_state(String::new);
    let assignor = use_state(AssignorKind::default);
    let chosen = p
        .topics
        .iter()
        .find(|t| t.name == *topic)
        .or_else(|| p.topics.first())
        .map(|t| t.name.clone());
    let on_group = {
        let group = group.clone();
        Callback::from(move |e: InputEvent| group.set(super::target_value(&e)))
    };
    let on_topic = {
        let topic = topic.clone();
        Callback::from(move |e: Event| topic.set(super::target_value(&e)))
    };
    let on_assignor = {
        let assignor = assignor.clone();
        Callback::from(move |e: Event| {
            if let Some(a) = AssignorKind::from_protocol_name(&super::target_value(&e)) {
                assignor.set(a);
            }
        })
    };
    let on_submit = {
        let add = p.on_add.clone();
        let group = group.clone();
        let chosen = chosen.clone();
        let assignor = assignor.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            if let Some(t) = chosen.clone() {
                add.emit(((*group).clone(), t, *assignor));
            }
        })
    };
    html! {
        <section class="panel consumers" aria-labelledby="consumer-title">
            <h2 id="consumer-title">{ "Add a consumer" }</h2>
            <form onsubmit={on_submit} class="inline">
                <label for="consumer-group">{ "group.id" }</label>
                <input id="consumer-group" type="text" size="10" value={(*group).clone()} oninput={on_group} />
                <label for="consumer-topic">{ "topic" }</label>
                <select id="consumer-topic" onchange={on_topic}>
                    { for p.topics.iter().map(|t| html! {
                        <option key={t.name.clone()} value={t.name.clone()}
                            selected={chosen.as_deref() == Some(t.name.as_str())}>{ t.name.clone() }</option>
                    }) }
                </select>
                <label for="consumer-assignor">{ "partition.assignment.strategy" }</label>
                <select id="consumer-assignor" onchange={on_assignor}>
                    { for AssignorKind::ALL.into_iter().map(|a| html! {
                        <option value={a.protocol_name()} selected={a == *assignor}>{ a.protocol_name() }</option>
                    }) }
                </select>
                <button id="consumer-add" type="submit" disabled={chosen.is_none()}>{ "Add consumer" }</button>
            </form>
            if let Some(err) = &p.error {
                <p id="consumer-error" class="field-error" role="alert">{ err.clone() }</p>
            }
        </section>
    }
}
