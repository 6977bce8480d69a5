//! The coordinator area below the brokers: which coordinator runs the control plane and its
//! nodes (today the built-in controller; ZooKeeper ensembles and KRaft quorums are lists).

use crate::layout::Rect;
use crate::narrate::node_name;
use kafkascope_core::NodeId;
use kafkascope_core::snapshot::ControllerSnapshot;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct ControllerProps {
    pub controller: ControllerSnapshot,
    pub area: Rect,
    pub nodes: Vec<(NodeId, Rect)>,
}

fn mode_words(mode: &str) -> &str {
    match mode {
        "builtin" => "built-in controller",
        "zookeeper" => "ZooKeeper ensemble",
        "kraft" => "KRaft controller quorum",
        other => other,
    }
}

#[component]
pub fn Controller(p: &ControllerProps) -> Html {
    let a = p.area;
    let c = &p.controller;
    let mode = c.coordinator.mode_name();
    html! {
        <g class="coordinator" data-mode={mode}>
            <rect class="coordinator-area" x={crate::fmt::num(a.x)} y={crate::fmt::num(a.y)}
                width={crate::fmt::num(a.w)} height={crate::fmt::num(a.h)} rx="8" />
            <text class="coordinator-title" x={crate::fmt::num(a.x + 8.0)} y={crate::fmt::num(a.y + 14.0)}>
                { format!("Coordinator: {} · controller epoch {}", mode_words(mode), c.controller_epoch) }
            </text>
            { for p.nodes.iter().map(|&(node, r)| {
                let active = c.active == Some(node);
                html! {
                    <g key={node.to_string()} class={classes!("controller-node", active.then_some("active"))}
                        data-node={node.to_string()} data-active={active.to_string()}>
                        <title>{ format!("{}{}", node_name(node), if active { " (active controller)" } else { "" }) }</title>
                        <rect x={crate::fmt::num(r.x)} y={crate::fmt::num(r.y)} width={crate::fmt::num(r.w)}
                            height={crate::fmt::num(r.h)} rx="6" />
                        <text x={crate::fmt::num(r.x + r.w / 2.0)} y={crate::fmt::num(r.y + r.h / 2.0 + 4.0)}
                            text-anchor="middle">
                            { format!("{} {}", node, if active { "★ active" } else { "standby" }) }
                        </text>
                    </g>
                }
            }) }
        </g>
    }
}
