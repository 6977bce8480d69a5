//! The coordinator area below the brokers: the ZooKeeper ensemble (leader, followers, quorum,
//! who holds `/controller`), the KRaft controller quorum (Raft state and epoch of each voter,
//! the active controller), or the built-in controller; and the pending timers as countdowns.
//! Roles are written in words and marked with ★, never told by colour alone.

use crate::coordinator_view::CoordinatorView;
use crate::layout::Rect;
use kafkascope_core::NodeId;
use std::rc::Rc;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct ControllerProps {
    pub view: Rc<CoordinatorView>,
    pub area: Rect,
    pub nodes: Vec<(NodeId, Rect)>,
    /// Opens a node's actions; None when its nodes cannot fail (the built-in controller).
    pub on_select: Option<Callback<NodeId>>,
}

#[component]
pub fn Controller(p: &ControllerProps) -> Html {
    let a = p.area;
    let v = &p.view;
    let n = crate::fmt::num;
    html! {
        <g class="coordinator" data-mode={v.mode}>
            <rect class="coordinator-area" x={n(a.x)} y={n(a.y)} width={n(a.w)} height={n(a.h)} rx="8" />
            <text class="coordinator-title" x={n(a.x + 8.0)} y={n(a.y + 14.0)}>
                <title>{ v.title.clone() }</title>
                // About 7 user units a character at its size and weight (5.8 let a long title run past
                // the area on a phone).
                { crate::fmt::elide_end(&v.title, ((a.w - 16.0) / 7.0) as usize) }
            </text>
            { for v.countdowns.iter().enumerate().map(|(i, line)| {
                let full = format!("Timer: {line}");
                // About 5.9 units a character at its size: a narrow area (a phone, a compact
                // frame) elides the line, and its title holds all of it.
                let shown = crate::fmt::elide_end(&full, ((a.w - 16.0) / 5.9) as usize);
                html! {
                    <text key={line.clone()} class="countdown" x={n(a.x + 8.0)} y={n(a.y + 28.0 + i as f64 * 12.0)}>
                        if shown != full {
                            <title>{ full }</title>
                        }
                        { shown }
                    </text>
                }
            }) }
            { for v.nodes.iter().filter_map(|nv| {
                let r = p.nodes.iter().find(|(id, _)| *id == nv.node)?.1;
                let node = nv.node;
                let (onclick, onkeydown, role, tabindex) = match &p.on_select {
                    Some(cb) => {
                        let key_cb = cb.clone();
                        (
                            Some(cb.reform(move |_: MouseEvent| node)),
                            Some(Callback::from(move |e: KeyboardEvent| {
                                if e.key() == "Enter" || e.key() == " " {
                                    e.prevent_default();
                                    key_cb.emit(node);
                                }
                            })),
                            Some("button"),
                            Some("0"),
                        )
                    }
                    None => (None, None, None, None),
                };
                // The accessible name is the <title> (in full, where the drawn lines may be
                // elided), not an aria-label that would have to repeat every visible word.
                let title = if p.on_select.is_some() {
                    format!("{} {} · {}. Press Enter for actions.", nv.name, nv.title, nv.detail)
                } else {
                    format!("{} {} · {}", nv.name, nv.title, nv.detail)
                };
                Some(html! {
                    <g key={nv.node.to_string()}
                        class={classes!("controller-node", nv.leading.then_some("active"), (!nv.up).then_some("down"))}
                        data-node={nv.node.to_string()} data-role={nv.role} data-up={nv.up.to_string()}
                        data-active={nv.leading.to_string()} {role} {tabindex} {onclick} {onkeydown}>
                        <title>{ title }</title>
                        <rect x={n(r.x)} y={n(r.y)} width={n(r.w)} height={n(r.h)} rx="6" />
                        <text class="controller-name" x={n(r.x + r.w / 2.0)} y={n(r.y + 13.0)} text-anchor="middle">
                            { crate::fmt::elide_end(&nv.name, (r.w / 6.0) as usize) }
                        </text>
                        <text x={n(r.x + r.w / 2.0)} y={n(r.y + 27.0)} text-anchor="middle">
                            { crate::fmt::elide_end(&nv.title, (r.w / 7.5) as usize) }
                        </text>
                        <text class="controller-detail" x={n(r.x + r.w / 2.0)} y={n(r.y + 40.0)} text-anchor="middle">
                            { crate::fmt::elide_end(&nv.detail, (r.w / 5.6) as usize) }
                        </text>
                    </g>
                })
            }) }
        </g>
    }
}
