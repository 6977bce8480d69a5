//! Actions on the selected broker: crash, restart, isolate, heal the network; plus the
//! cluster-wide preferred leader election. An action that does not apply now is marked
//! `aria-disabled` (it stays focusable, so keyboard focus is never lost when a broker changes
//! state); pressing it anyway shows the simulator's refusal and changes nothing.

use super::broker::state_words;
use crate::model::BrokerAction;
use kafkascope_core::BrokerId;
use kafkascope_core::snapshot::BrokerSnapshot;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct BrokerMenuProps {
    pub broker: BrokerSnapshot,
    pub any_isolation: bool,
    /// ZooKeeper mode (its state words speak of sessions, not fencing).
    pub zookeeper: bool,
    pub on_action: Callback<(BrokerId, BrokerAction)>,
    pub on_elect: Callback<()>,
    pub on_close: Callback<()>,
}

#[component]
pub fn BrokerMenu(p: &BrokerMenuProps) -> Html {
    let b = &p.broker;
    let id = b.id;
    let act = |a: BrokerAction| p.on_action.reform(move |_: MouseEvent| (id, a));
    let close = p.on_close.reform(|_: MouseEvent| ());
    let elect = p.on_elect.reform(|_: MouseEvent| ());
    let (first, keys) = super::use_menu(id, &p.on_close);
    html! {
        <section id="broker-menu" class="panel broker-menu" aria-labelledby="broker-menu-title"
            data-menu-broker={id.to_string()} onkeydown={keys}>
            <h2 id="broker-menu-title" tabindex="-1" ref={first}>{ format!("Broker {id} actions") }</h2>
            <p class="state">{ state_words(b, p.zookeeper) }</p>
            <div class="actions">
                <button id="broker-crash" type="button" aria-disabled={(!b.up).to_string()}
                    onclick={act(BrokerAction::Crash)}
                    title="Hard-stop the broker: it stops answering and loses what it held in memory">
                    { "Crash" }</button>
                <button id="broker-restart" type="button" aria-disabled={(b.up).to_string()}
                    onclick={act(BrokerAction::Restart)}>{ "Restart" }</button>
                <button id="broker-isolate" type="button" aria-disabled={(b.isolated).to_string()}
                    onclick={act(BrokerAction::Isolate)}
                    title="Cut every network link of this broker (it keeps running)">
                    { "Isolate" }</button>
                <button id="broker-heal" type="button" aria-disabled={(!p.any_isolation).to_string()}
                    onclick={act(BrokerAction::Heal)}
                    title="Repair every cut link and isolation in the cluster">{ "Heal network" }</button>
            </div>
            <div class="actions">
                <button id="elect-preferred" type="button" onclick={elect}
                    title="kafka-leader-election --election-type preferred --all-topic-partitions">
                    { "Elect preferred leaders" }</button>
                <button id="broker-menu-close" type="button" onclick={close}>{ "Close" }</button>
            </div>
        </section>
    }
}
