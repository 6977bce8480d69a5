//! The produce form: topic, key, value and acks, and the default partitioner's arithmetic
//! for the key before sending (a preview) and after (the placement the producer chose).

use super::target_value;
use crate::model::scenario::{acks_label, parse_acks};
use crate::model::world::{Placement, ProduceRequest, TopicInfo};
use crate::narrate::key_arithmetic;
use kafkascope_core::Acks;
use kafkascope_core::partitioner::{KeylessStrategy, partition_for_key};
use std::rc::Rc;
use yew::prelude::*;

/// The preview and the last-record line show at most this many characters.
pub const SHOWN_CHARS: usize = 300;

#[derive(Properties, PartialEq)]
pub struct ProduceFormProps {
    pub topics: Rc<Vec<TopicInfo>>,
    pub default_acks: Acks,
    pub keyless: KeylessStrategy,
    pub placement: Option<Placement>,
    pub error: Option<AttrValue>,
    pub on_send: Callback<ProduceRequest>,
}

/// What the partitioner will do with this key (or with no key), before sending.
pub fn preview(key: &str, partitions: u32, keyless: KeylessStrategy) -> String {
    if partitions == 0 {
        return String::new();
    }
    if key.is_empty() {
        return match keyless {
            KeylessStrategy::RoundRobin => {
                "no key: round-robin, each record to the next partition in turn (0, 1, 2, …)"
                    .to_owned()
            }
            KeylessStrategy::Sticky => {
                "no key: uniform sticky partitioner, the same partition until batch.size bytes \
                 (16384 by default) have gone to it, then another"
                    .to_owned()
            }
        };
    }
    key_arithmetic(Some(key), &partition_for_key(key.as_bytes(), partitions))
}

#[component]
pub fn ProduceForm(p: &ProduceFormProps) -> Html {
    let topic = use_state(String::new);
    let key = use_state(|| "customer-123".to_owned());
    let value = use_state(|| "order-1".to_owned());
    let acks = use_state(|| None::<Acks>);
    let chosen_topic = p
        .topics
        .iter()
        .find(|t| t.name == *topic)
        .or_else(|| p.topics.first())
        .cloned();
    let acks_now = acks.unwrap_or(p.default_acks);
    let partitions = chosen_topic.as_ref().map_or(0, |t| t.partitions);

    let on_topic = {
        let topic = topic.clone();
        Callback::from(move |e: Event| topic.set(target_value(&e)))
    };
    let on_key = {
        let key = key.clone();
        Callback::from(move |e: InputEvent| key.set(target_value(&e)))
    };
    let on_value = {
        let value = value.clone();
        Callback::from(move |e: InputEvent| value.set(target_value(&e)))
    };
    let on_acks = {
        let acks = acks.clone();
        Callback::from(move |e: Event| acks.set(parse_acks(&target_value(&e))))
    };
    let on_submit = {
        let send = p.on_send.clone();
        let key = key.clone();
        let value = value.clone();
        let topic_name = chosen_topic.as_ref().map(|t| t.name.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let Some(topic) = topic_name.clone() else {
                return;
            };
            send.emit(ProduceRequest {
                topic,
                key: (!key.is_empty()).then(|| (*key).clone()),
                value: (*value).clone(),
                acks: acks_now,
            });
            // "order-7" becomes "order-8" for the next send.
            if let Some(n) = value
                .strip_prefix("order-")
                .and_then(|n| n.parse::<u64>().ok())
            {
                value.set(format!("order-{}", n + 1));
            }
        })
    };
    // A huge key is shown in part (all of it in the tooltip): the preview is also the key
    // field's description, which a screen reader reads out.
    let shown = |text: String| {
        if text.chars().count() > SHOWN_CHARS {
            (crate::fmt::elide_end(&text, SHOWN_CHARS), Some(text))
        } else {
            (text, None)
        }
    };
    let (preview_text, preview_title) = shown(preview(&key, partitions, p.keyless));
    let (placement_text, placement_title) = shown(
        p.placement
            .as_ref()
            .map(|pl| format!("{} ({})", pl.text, pl.topic))
            .unwrap_or_else(|| "nothing sent yet".to_owned()),
    );
    let placement_partition = p
        .placement
        .as_ref()
        .and_then(|pl| pl.partition)
        .map(|n| n.to_string());
    html! {
        <section class="panel produce" aria-labelledby="produce-title">
            <h2 id="produce-title">{ "Produce a record" }</h2>
            <form onsubmit={on_submit}>
                <div class="field">
                    <label for="produce-topic">{ "Topic" }</label>
                    <select id="produce-topic" onchange={on_topic}>
                        { for p.topics.iter().map(|t| {
                            let selected = chosen_topic.as_ref().is_some_and(|c| c.name == t.name);
                            html! {
                                <option key={t.name.clone()} value={t.name.clone()} {selected}>
                                    { format!("{} ({} partitions)", t.name, t.partitions) }
                                </option>
                            }
                        }) }
                    </select>
                </div>
                <div class="field">
                    <label for="produce-key">{ "Key" }</label>
                    <input id="produce-key" type="text" value={(*key).clone()} oninput={on_key}
                        placeholder="empty: no key" aria-describedby="placement-preview"
                        autocomplete="off" />
                </div>
                <div class="field">
                    <label for="produce-value">{ "Value" }</label>
                    <input id="produce-value" type="text" value={(*value).clone()} oninput={on_value}
                        autocomplete="off" />
                </div>
                <div class="field">
                    <label for="produce-acks">{ "acks" }</label>
                    <select id="produce-acks" onchange={on_acks}>
                        { for [Acks::None, Acks::Leader, Acks::All].into_iter().map(|a| html! {
                            <option value={acks_label(a)} selected={a == acks_now}>
                                { match a {
                                    Acks::None => "0 (fire and forget)",
                                    Acks::Leader => "1 (leader wrote it)",
                                    Acks::All => "all (every ISR member has it)",
                                } }
                            </option>
                        }) }
                    </select>
                </div>
                <button id="produce-send" type="submit" disabled={chosen_topic.is_none()}>
                    { "Send" }
                </button>
            </form>
            <p id="placement-preview" class="arith" title={preview_title}>
                <span class="arith-label">{ "Before sending: " }</span>
                { preview_text }
            </p>
            <p id="placement" class="arith" data-partition={placement_partition}
                data-record={p.placement.as_ref().map(|pl| pl.record.to_string())}
                title={placement_title}>
                <span class="arith-label">{ "Last record: " }</span>
                { placement_text }
            </p>
            if let Some(err) = &p.error {
                <p class="field-error" role="alert">{ err.clone() }</p>
            }
        </section>
    }
}
