//! A producer client box: id, acks, records awaiting acknowledgement, up or down.

use crate::layout::Rect;
use crate::model::scenario::acks_label;
use kafkascope_core::snapshot::ProducerSnapshot;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct ProducerProps {
    pub producer: ProducerSnapshot,
    pub rect: Rect,
}

#[component]
pub fn Producer(p: &ProducerProps) -> Html {
    let pr = &p.producer;
    let r = p.rect;
    html! {
        <g class={classes!("client", "producer", if pr.up { "up" } else { "down" })}
            data-producer-id={pr.id.to_string()} data-up={pr.up.to_string()}>
            <title>{ format!("producer {}: acks={}, {} record(s) awaiting acknowledgement{}",
                pr.id, acks_label(pr.acks), pr.outstanding, if pr.up { "" } else { ", DOWN" }) }</title>
            <rect class="client-box" x={crate::fmt::num(r.x)} y={crate::fmt::num(r.y)} width={crate::fmt::num(r.w)}
                height={crate::fmt::num(r.h)} rx="6" />
            <text class="client-name" x={crate::fmt::num(r.x + 8.0)} y={crate::fmt::num(r.y + 16.0)}>
                { format!("Producer {}", pr.id) }
            </text>
            <text class="client-sub" x={crate::fmt::num(r.x + 8.0)} y={crate::fmt::num(r.y + 30.0)}>
                { format!("acks={}", acks_label(pr.acks)) }
            </text>
            <text class="client-sub" x={crate::fmt::num(r.x + 8.0)} y={crate::fmt::num(r.y + 42.0)}>
                { if pr.up { format!("unacked: {}", pr.outstanding) } else { "DOWN".to_owned() } }
            </text>
        </g>
    }
}
