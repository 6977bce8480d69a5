//! The Yew components, one per drawn thing. They only draw what the model holds and turn
//! clicks and key presses into messages for the app; no Kafka behaviour lives here.

pub mod broker;
pub mod broker_menu;
pub mod broker_numbers;
pub mod config_panel;
pub mod consumer;
pub mod controller;
pub mod diagram;
pub mod event_log;
pub mod lesson_panel;
pub mod message_dot;
pub mod metrics;
pub mod node_menu;
pub mod partition_view;
pub mod produce_form;
pub mod producer;
pub mod replica;
pub mod share_bar;
pub mod timeline;
pub mod toolbar;

/// The value of the input or select element an event came from.
pub fn target_value(e: &yew::Event) -> String {
    use wasm_bindgen::JsCast;
    let Some(t) = e.target() else {
        return String::new();
    };
    if let Some(i) = t.dyn_ref::<web_sys::HtmlInputElement>() {
        return i.value();
    }
    if let Some(s) = t.dyn_ref::<web_sys::HtmlSelectElement>() {
        return s.value();
    }
    String::new()
}

/// Whether an input event came from a checked checkbox.
pub fn target_checked(e: &yew::Event) -> bool {
    use wasm_bindgen::JsCast;
    e.target()
        .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
        .is_some_and(|i| i.checked())
}

pub use crate::fmt::sim_seconds;

/// A menu's shared behaviour: Escape closes it, and its heading takes the focus when it opens
/// for `key` (not a button: the Space that opened the menu must not press one). Returns the
/// heading's ref and the menu's key handler.
#[yew::hook]
pub fn use_menu<K: PartialEq + Clone + 'static>(
    key: K,
    on_close: &yew::Callback<()>,
) -> (yew::NodeRef, yew::Callback<yew::KeyboardEvent>) {
    let heading = yew::use_node_ref();
    {
        let heading = heading.clone();
        yew::use_effect_with(key, move |_| {
            if let Some(el) = heading.cast::<web_sys::HtmlElement>() {
                let _ = el.focus();
            }
        });
    }
    let close = on_close.clone();
    let keys = yew::Callback::from(move |e: yew::KeyboardEvent| {
        if e.key() == "Escape" {
            close.emit(());
        }
    });
    (heading, keys)
}
