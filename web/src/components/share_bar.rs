//! Share and export: a "Share" button that shows the session's link in a read-only field with
//! a Copy button, and buttons that download the diagram as SVG and the event trace as JSON.

use crate::export::browser::copy_text;
use wasm_bindgen::prelude::*;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct ShareBarProps {
    /// The link, once "Share" was pressed.
    pub link: Option<AttrValue>,
    /// Why the session cannot be shared (a limit of the link).
    pub error: Option<AttrValue>,
    /// What the last export did.
    pub export_status: Option<AttrValue>,
    pub on_share: Callback<()>,
    pub on_export_svg: Callback<()>,
    pub on_export_trace: Callback<()>,
}

#[component]
pub fn ShareBar(p: &ShareBarProps) -> Html {
    let copied = use_state(|| None::<&'static str>);
    let input = use_node_ref();
    {
        // A new link clears "Copied".
        let copied = copied.clone();
        use_effect_with(p.link.clone(), move |_| copied.set(None));
    }
    let share = p.on_share.reform(|_: MouseEvent| ());
    let svg = p.on_export_svg.reform(|_: MouseEvent| ());
    let trace = p.on_export_trace.reform(|_: MouseEvent| ());
    let copy = {
        let link = p.link.clone();
        let input = input.clone();
        let copied = copied.clone();
        Callback::from(move |_: MouseEvent| {
            let (Some(link), Some(el)) = (link.as_ref(), input.cast::<web_sys::Element>()) else {
                return;
            };
            let copied = copied.clone();
            let done = Closure::once(move |ok: JsValue| {
                copied.set(Some(if ok.as_bool() == Some(true) {
                    "Copied to the clipboard."
                } else {
                    "Could not copy: select the link and copy it yourself."
                }));
            });
            let _ = copy_text(link, &el).then(&done);
            // JavaScript's garbage collector owns it from here.
            let _ = done.into_js_value();
        })
    };
    let select_all = Callback::from(|e: FocusEvent| {
        if let Some(i) = e.target_dyn_into::<web_sys::HtmlInputElement>() {
            i.select();
        }
    });
    html! {
        <div class="share-bar" role="group" aria-label="Share and export">
            <button id="share" type="button" onclick={share} aria-expanded={p.link.is_some().to_string()}
                aria-controls="share-url"
                title="Make a link that opens this session: the cluster, the seed, your actions and this moment">
                { "Share" }
            </button>
            <button id="export-svg" type="button" onclick={svg}
                title="Download the diagram as a standalone SVG file">
                { "Export SVG" }
            </button>
            <button id="export-trace" type="button" onclick={trace}
                title="Download the event log with times as JSON">
                { "Export trace" }
            </button>
            if let Some(link) = &p.link {
                <label for="share-url">{ "Share link" }</label>
                <input id="share-url" ref={input} type="text" readonly=true value={link.clone()}
                    size="40" onfocus={select_all} />
                <button id="share-copy" type="button" onclick={copy}>{ "Copy" }</button>
                <span id="share-status" role="status">{ copied.unwrap_or_default() }</span>
            }
            <span id="share-error" class="field-error" role="alert">
                { p.error.clone().unwrap_or_default() }
            </span>
            <span id="export-status" class="hint" role="status">
                { p.export_status.clone().unwrap_or_default() }
            </span>
        </div>
    }
}
