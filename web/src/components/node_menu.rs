//! Actions on a selected ZooKeeper server, KRaft controller or consumer: crash, restart, isolate, heal
//! the network. Like the broker menu, an action that does not apply now is `aria-disabled`
//! and pressing it shows the simulator's refusal.

use crate::model::BrokerAction;
use kafkascope_core::NodeId;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct NodeMenuProps {
    pub node: NodeId,
    /// Its role in words (e.g. `leader`, `follower`, `down`).
    pub role: String,
    pub up: bool,
    pub isolated: bool,
    pub any_isolation: bool,
    pub on_action: Callback<(NodeId, BrokerAction)>,
    pub on_close: Callback<()>,
}

#[component]
pub fn NodeMenu(p: &NodeMenuProps) -> Html {
    let node = p.node;
    let act = |a: BrokerAction| p.on_action.reform(move |_: MouseEvent| (node, a));
    let close = p.on_close.reform(|_: MouseEvent| ());
    let (first, keys) = super::use_menu(node, &p.on_close);
    html! {
        <section id="node-menu" class="panel broker-menu" aria-labelledby="node-menu-title"
            data-menu-node={node.to_string()} onkeydown={keys}>
            <h2 id="node-menu-title" tabindex="-1" ref={first}>{ format!("{node} actions") }</h2>
            <p class="state">{ match (p.up, p.isolated) {
                (false, _) => "DOWN".to_owned(),
                (true, true) => format!("up, ISOLATED from the network · {}", p.role),
                (true, false) => format!("up · {}", p.role),
            } }</p>
            <div class="actions">
                <button id="node-crash" type="button" aria-disabled={(!p.up).to_string()}
                    onclick={act(BrokerAction::Crash)}>{ "Crash" }</button>
                <button id="node-restart" type="button" aria-disabled={p.up.to_string()}
                    onclick={act(BrokerAction::Restart)}>{ "Restart" }</button>
                <button id="node-isolate" type="button" aria-disabled={p.isolated.to_string()}
                    onclick={act(BrokerAction::Isolate)}>{ "Isolate" }</button>
                <button id="node-heal" type="button" aria-disabled={(!p.any_isolation).to_string()}
                    onclick={act(BrokerAction::Heal)}>{ "Heal network" }</button>
                <button id="node-menu-close" type="button" onclick={close}>{ "Close" }</button>
            </div>
        </section>
    }
}
