//! The config panel: broker count and racks, the control plane, topics (name, partitions,
//! replication factor, min.insync.replicas, unclean election), producer acks and keyless
//! strategy, a steady produce rate, and consumer groups (group.id, topic, members, assignor). Apply rebuilds the simulator from this config and the seed; an invalid value
//! shows Kafka's error next to its field and changes nothing.

use super::{target_checked, target_value};
use crate::model::scenario::{
    ControlPlane, GroupDraft, GroupErrors, TopicDraft, acks_label, keyless_label, parse_acks,
    parse_keyless,
};
use crate::model::{Scenario, ScenarioDraft, ScenarioErrors};
use kafkascope_core::Acks;
use kafkascope_core::assignor::AssignorKind;
use kafkascope_core::partitioner::KeylessStrategy;
use std::rc::Rc;
use yew::prelude::*;

#[derive(Properties)]
pub struct ConfigPanelProps {
    /// The world's own scenario, shared: the app renders every frame, and this panel only
    /// when the scenario is another one.
    pub scenario: Rc<Scenario>,
    pub errors: Rc<ScenarioErrors>,
    pub on_apply: Callback<ScenarioDraft>,
}

impl PartialEq for ConfigPanelProps {
    fn eq(&self, other: &Self) -> bool {
        (Rc::ptr_eq(&self.scenario, &other.scenario) || self.scenario == other.scenario)
            && self.errors == other.errors
            && self.on_apply == other.on_apply
    }
}

fn edit_text(
    draft: &UseStateHandle<ScenarioDraft>,
    f: impl Fn(&mut ScenarioDraft, String) + 'static,
) -> Callback<InputEvent> {
    let draft = draft.clone();
    Callback::from(move |e: InputEvent| {
        let mut d = (*draft).clone();
        f(&mut d, target_value(&e));
        draft.set(d);
    })
}

fn edit_choice(
    draft: &UseStateHandle<ScenarioDraft>,
    f: impl Fn(&mut ScenarioDraft, &Event) + 'static,
) -> Callback<Event> {
    let draft = draft.clone();
    Callback::from(move |e: Event| {
        let mut d = (*draft).clone();
        f(&mut d, &e);
        draft.set(d);
    })
}

fn error_text(id: String, err: Option<&String>) -> Html {
    html! {
        <span {id} class="field-error" aria-live="polite">{ err.cloned().unwrap_or_default() }</span>
    }
}

fn number_field(
    id: String,
    label: &'static str,
    value: &str,
    err: Option<&String>,
    oninput: Callback<InputEvent>,
) -> Html {
    let err_id = format!("{id}-error");
    // Wide enough for the whole value (log.retention.ms is 604800000 by default).
    let size = (value.chars().count() + 1).clamp(4, 16).to_string();
    html! {
        <div class={classes!("field", err.is_some().then_some("invalid"))}>
            <label for={id.clone()}>{ label }</label>
            <input id={id.clone()} type="text" inputmode="numeric" {size} value={value.to_owned()}
                {oninput} aria-invalid={err.is_some().to_string()} aria-describedby={err_id.clone()} />
            { error_text(err_id, err) }
        </div>
    }
}

#[component]
pub fn ConfigPanel(p: &ConfigPanelProps) -> Html {
    let draft = use_state(|| ScenarioDraft::from(&*p.scenario));
    {
        // A newly applied scenario (or a preset) becomes the draft.
        let draft = draft.clone();
        use_effect_with(p.scenario.clone(), move |s| {
            draft.set(ScenarioDraft::from(&**s));
        });
    }
    let d = &*draft;
    let e = &*p.errors;
    let no_err = crate::model::scenario::TopicErrors::default();
    let on_submit = {
        let apply = p.on_apply.clone();
        let draft = draft.clone();
        Callback::from(move |ev: SubmitEvent| {
            ev.prevent_default();
            apply.emit((*draft).clone());
        })
    };
    let add_topic = {
        let draft = draft.clone();
        Callback::from(move |_: MouseEvent| {
            let mut d = (*draft).clone();
            d.topics.push(TopicDraft {
                name: format!("topic-{}", d.topics.len() + 1),
                partitions: "3".into(),
                replication_factor: "3".into(),
                min_insync_replicas: "2".into(),
                unclean_leader_election: false,
            });
            draft.set(d);
        })
    };
    let topic_rows = d.topics.iter().enumerate().map(|(i, t)| {
        let te = e.topics.get(i).unwrap_or(&no_err);
        let remove = {
            let draft = draft.clone();
            Callback::from(move |_: MouseEvent| {
                let mut d = (*draft).clone();
                if i < d.topics.len() {
                    d.topics.remove(i);
                }
                draft.set(d);
            })
        };
        let name_id = format!("topic-{i}-name");
        html! {
            <fieldset key={i} class="topic-row">
                <legend>{ format!("Topic {}", i + 1) }</legend>
                <div class={classes!("field", te.name.is_some().then_some("invalid"))}>
                    <label for={name_id.clone()}>{ "Name" }</label>
                    <input id={name_id.clone()} type="text" size="12" value={t.name.clone()}
                        oninput={edit_text(&draft, move |d, v| if let Some(t) = d.topics.get_mut(i) { t.name = v })}
                        aria-invalid={te.name.is_some().to_string()}
                        aria-describedby={format!("{name_id}-error")} />
                    { error_text(format!("{name_id}-error"), te.name.as_ref()) }
                </div>
                { number_field(format!("topic-{i}-partitions"), "Partitions", &t.partitions,
                    te.partitions.as_ref(),
                    edit_text(&draft, move |d, v| if let Some(t) = d.topics.get_mut(i) { t.partitions = v })) }
                { number_field(format!("topic-{i}-rf"), "Replication factor", &t.replication_factor,
                    te.replication_factor.as_ref(),
                    edit_text(&draft, move |d, v| if let Some(t) = d.topics.get_mut(i) { t.replication_factor = v })) }
                { number_field(format!("topic-{i}-min-isr"), "min.insync.replicas",
                    &t.min_insync_replicas, te.min_insync_replicas.as_ref(),
                    edit_text(&draft, move |d, v| if let Some(t) = d.topics.get_mut(i) { t.min_insync_replicas = v })) }
                <div class="field check">
                    <input id={format!("topic-{i}-unclean")} type="checkbox"
                        checked={t.unclean_leader_election}
                        onchange={edit_choice(&draft, move |d, ev| {
                            if let Some(t) = d.topics.get_mut(i) {
                                t.unclean_leader_election = target_checked(ev);
                            }
                        })} />
                    <label for={format!("topic-{i}-unclean")}>{ "unclean.leader.election.enable" }</label>
                </div>
                <button type="button" class="remove" onclick={remove}
                    aria-label={format!("Remove topic {}", t.name)}>{ "Remove" }</button>
            </fieldset>
        }
    });
    let add_group = {
        let draft = draft.clone();
        Callback::from(move |_: MouseEvent| {
            let mut d = (*draft).clone();
            let topic = d.topics.first().map(|t| t.name.clone()).unwrap_or_default();
            d.groups.push(GroupDraft {
                group: format!("group-{}", d.groups.len() + 1),
                topic,
                members: "2".into(),
                assignor: AssignorKind::default(),
            });
            draft.set(d);
        })
    };
    let no_group_err = GroupErrors::default();
    let group_rows = d.groups.iter().enumerate().map(|(i, g)| {
        let ge = e.groups.get(i).unwrap_or(&no_group_err);
        let remove = {
            let draft = draft.clone();
            Callback::from(move |_: MouseEvent| {
                let mut d = (*draft).clone();
                if i < d.groups.len() {
                    d.groups.remove(i);
                }
                draft.set(d);
            })
        };
        let id = format!("group-{i}");
        html! {
            <fieldset key={i} class="topic-row group-row">
                <legend>{ format!("Consumer group {}", i + 1) }</legend>
                <div class={classes!("field", ge.group.is_some().then_some("invalid"))}>
                    <label for={format!("{id}-name")}>{ "group.id" }</label>
                    <input id={format!("{id}-name")} type="text" size="12" value={g.group.clone()}
                        oninput={edit_text(&draft, move |d, v| if let Some(g) = d.groups.get_mut(i) { g.group = v })}
                        aria-invalid={ge.group.is_some().to_string()}
                        aria-describedby={format!("{id}-name-error")} />
                    { error_text(format!("{id}-name-error"), ge.group.as_ref()) }
                </div>
                <div class="field">
                    <label for={format!("{id}-topic")}>{ "Topic" }</label>
                    <input id={format!("{id}-topic")} type="text" size="12" value={g.topic.clone()}
                        oninput={edit_text(&draft, move |d, v| if let Some(g) = d.groups.get_mut(i) { g.topic = v })} />
                </div>
                { number_field(format!("{id}-members"), "Consumers", &g.members, ge.members.as_ref(),
                    edit_text(&draft, move |d, v| if let Some(g) = d.groups.get_mut(i) { g.members = v })) }
                <div class="field">
                    <label for={format!("{id}-assignor")}>{ "partition.assignment.strategy" }</label>
                    <select id={format!("{id}-assignor")} onchange={edit_choice(&draft, move |d, ev| {
                        if let (Some(g), Some(a)) = (d.groups.get_mut(i),
                            AssignorKind::from_protocol_name(&target_value(ev))) {
                            g.assignor = a;
                        }
                    })}>
                        { for AssignorKind::ALL.into_iter().map(|a| html! {
                            <option value={a.protocol_name()} selected={a == g.assignor}>{ a.protocol_name() }</option>
                        }) }
                    </select>
                </div>
                <button type="button" class="remove" onclick={remove}
                    aria-label={format!("Remove consumer group {}", g.group)}>{ "Remove" }</button>
            </fieldset>
        }
    });
    html! {
        <section class="panel config" aria-labelledby="config-title">
            <h2 id="config-title">{ "Cluster configuration" }</h2>
            <p class="hint">{ "Apply rebuilds the cluster from these values and the seed, from t = 0 (the \
                clock starts once its topics are created and the brokers know their replicas). \
                An invalid value shows Kafka's error and changes nothing." }</p>
            <form onsubmit={on_submit}>
                { number_field("config-brokers".into(), "Brokers (1 to 9)", &d.brokers,
                    e.brokers.as_ref(), edit_text(&draft, |d, v| d.brokers = v)) }
                <div class={classes!("field", e.racks.is_some().then_some("invalid"))}>
                    <label for="config-racks">{ "broker.rack, one per broker (comma-separated; empty: no racks)" }</label>
                    <input id="config-racks" type="text" size="16" value={d.racks.clone()}
                        placeholder="e.g. a, a, b" oninput={edit_text(&draft, |d, v| d.racks = v)}
                        aria-invalid={e.racks.is_some().to_string()} aria-describedby="config-racks-error" />
                    { error_text("config-racks-error".into(), e.racks.as_ref()) }
                </div>
                <div class="field">
                    <label for="config-mode">{ "Control plane" }</label>
                    <select id="config-mode" onchange={edit_choice(&draft, |d, ev| {
                        d.control_plane = ControlPlane::from_key(&target_value(ev)).unwrap_or_default();
                    })}>
                        { for ControlPlane::ALL.into_iter().map(|m| html! {
                            <option value={m.key()} selected={m == d.control_plane}>{ m.label() }</option>
                        }) }
                    </select>
                </div>
                if d.control_plane != ControlPlane::Builtin {
                    { number_field("config-coordinator-nodes".into(),
                        if d.control_plane == ControlPlane::Zookeeper { "ZooKeeper servers (1, 3, 5)" } else { "Controller voters (1, 3, 5)" },
                        &d.coordinator_nodes, e.coordinator_nodes.as_ref(),
                        edit_text(&draft, |d, v| d.coordinator_nodes = v)) }
                }
                { for topic_rows }
                <button id="config-add-topic" type="button" onclick={add_topic}>{ "Add topic" }</button>
                <div class="field">
                    <label for="config-acks">{ "Producer acks" }</label>
                    <select id="config-acks" onchange={edit_choice(&draft, |d, ev| {
                        d.acks = parse_acks(&target_value(ev)).unwrap_or(Acks::All);
                    })}>
                        { for [Acks::None, Acks::Leader, Acks::All].into_iter().map(|a| html! {
                            <option value={acks_label(a)} selected={a == d.acks}>{ acks_label(a) }</option>
                        }) }
                    </select>
                </div>
                <div class="field">
                    <label for="config-keyless">{ "Records without a key" }</label>
                    <select id="config-keyless" onchange={edit_choice(&draft, |d, ev| {
                        d.keyless = parse_keyless(&target_value(ev)).unwrap_or_default();
                    })}>
                        { for [KeylessStrategy::RoundRobin, KeylessStrategy::Sticky].into_iter().map(|k| html! {
                            <option value={keyless_label(k)} selected={k == d.keyless}>
                                { match k {
                                    KeylessStrategy::RoundRobin => "round-robin (RoundRobinPartitioner)",
                                    KeylessStrategy::Sticky => "uniform sticky (Kafka 3.3+ default)",
                                } }
                            </option>
                        }) }
                    </select>
                </div>
                { number_field("config-rate".into(), "Steady producer (records/s, 0 = off)",
                    &d.produce_rate, e.produce_rate.as_ref(),
                    edit_text(&draft, |d, v| d.produce_rate = v)) }
                { number_field("config-retention".into(), "log.retention.ms (every topic; -1 keeps every record)",
                    &d.retention_ms, e.retention_ms.as_ref(),
                    edit_text(&draft, |d, v| d.retention_ms = v)) }
                { for group_rows }
                <button id="config-add-group" type="button" onclick={add_group}>{ "Add consumer group" }</button>
                <button id="config-apply" type="submit">{ "Apply" }</button>
                if let Some(other) = &e.other {
                    <p class="field-error" role="alert">{ other.clone() }</p>
                }
                if !e.is_empty() {
                    <p id="config-errors" class="field-error" role="alert">
                        { format!("Not applied: {}", e.messages().join("; ")) }
                    </p>
                }
            </form>
        </section>
    }
}
