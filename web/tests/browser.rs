//! In-browser tests (`wasm-pack test --headless --chrome web`): the real app mounted in a
//! real page, checked through the DOM a person (and the end-to-end tests) see.
#![cfg(target_arch = "wasm32")]

use kafkascope_web::api::Instance;
use kafkascope_web::entry::mount;
use std::cell::RefCell;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn document() -> web_sys::Document {
    web_sys::window().unwrap().document().unwrap()
}

/// Waits `ms` of wall time, letting Yew render and the animation loop run.
async fn sleep(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        web_sys::window()
            .unwrap()
            .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms)
            .unwrap();
    });
    wasm_bindgen_futures::JsFuture::from(promise).await.unwrap();
}

/// Polls `cond` every 100 ms of wall time for at most `ms`; whether it came true.
async fn wait_for(ms: i32, cond: impl Fn() -> bool) -> bool {
    let mut waited = 0;
    while !cond() {
        if waited >= ms {
            return false;
        }
        sleep(100).await;
        waited += 100;
    }
    true
}

thread_local! {
    /// The instance of the previous test: destroyed before the next mounts (one app at a time,
    /// so ids like `#produce-key` are unique in the page).
    static LAST: RefCell<Option<(Instance, web_sys::Element)>> = const { RefCell::new(None) };
}

fn mount_fresh(id: &str) {
    if let Some((old, el)) = LAST.with(|l| l.borrow_mut().take()) {
        old.destroy();
        el.remove();
    }
    let doc = document();
    let root = doc.create_element("div").unwrap();
    root.set_id(id);
    doc.body().unwrap().append_child(&root).unwrap();
    let instance = mount(JsValue::from_str(id), JsValue::UNDEFINED).unwrap();
    LAST.with(|l| *l.borrow_mut() = Some((instance, root)));
}

/// `mount(element, options)` checks its options, and `destroy` unmounts.
#[wasm_bindgen_test]
async fn mount_checks_its_options_and_destroy_unmounts() {
    let doc = document();
    let root = doc.create_element("div").unwrap();
    doc.body().unwrap().append_child(&root).unwrap();
    let options = |json: &str| js_sys::JSON::parse(json).unwrap();
    let err = |json: &str| {
        mount(root.clone().into(), options(json))
            .err()
            .and_then(|e| e.dyn_into::<js_sys::Error>().ok())
            .map(|e| String::from(e.message()))
            .unwrap_or_default()
    };
    assert!(err(r#"{"colour": "red"}"#).contains("unknown option \"colour\""));
    assert!(err(r#"{"seed": "abc"}"#).contains("option \"seed\" must be a whole number"));
    assert!(err(r#"{"embed": 1}"#).contains("must be boolean"));
    assert!(err(r#"{"scenario": "huge"}"#).contains("neither a preset"));
    assert!(err(r#"{"mode": "raft"}"#).contains("not a control plane"));
    let instance = mount(
        root.clone().into(),
        options(r#"{"preset": "default", "embed": true, "paused": true}"#),
    )
    .unwrap();
    sleep(300).await;
    assert_eq!(
        root.query_selector_all("[data-broker-id]")
            .unwrap()
            .length(),
        3
    );
    assert!(
        root.query_selector("#config-apply").unwrap().is_none(),
        "no config panel when embedded"
    );
    assert!(
        instance
            .send(options(
                r#"{"action": "crash", "node": "broker-9", "x": 1}"#
            ))
            .is_err()
    );
    instance
        .send(options(r#"{"action": "crash", "node": "broker-2"}"#))
        .unwrap();
    sleep(200).await;
    assert_eq!(
        root.query_selector_all("[data-broker-id='2'][data-up='false']")
            .unwrap()
            .length(),
        1
    );
    instance.destroy();
    assert!(!instance.mounted());
    assert_eq!(root.child_element_count(), 0);
    assert!(instance.send(options(r#"{"action": "pause"}"#)).is_err());
    root.remove();
}

fn count(selector: &str) -> u32 {
    document().query_selector_all(selector).unwrap().length()
}

#[wasm_bindgen_test]
async fn the_default_cluster_is_drawn_with_a_leader_per_partition_in_its_isr() {
    mount_fresh("app-a");
    sleep(1_500).await;
    assert_eq!(count("[data-broker-id]"), 3, "three brokers");
    assert_eq!(
        count("[data-topic='orders'][data-partition]"),
        9,
        "3 partitions x RF 3"
    );
    assert_eq!(
        count("[data-topic='orders'][data-role='leader']"),
        3,
        "one leader each"
    );
    assert_eq!(
        count("[data-topic='orders'][data-role='leader'][data-in-isr='true']"),
        3,
        "leaders are in the ISR"
    );
}

#[wasm_bindgen_test]
async fn a_keyed_send_shows_kafkas_partition_for_the_key() {
    mount_fresh("app-b");
    sleep(1_000).await;
    let doc = document();
    let key: web_sys::HtmlInputElement = doc
        .get_element_by_id("produce-key")
        .unwrap()
        .dyn_into()
        .unwrap();
    key.set_value("customer-123");
    key.dispatch_event(&web_sys::Event::new("input").unwrap())
        .unwrap();
    sleep(100).await;
    let send: web_sys::HtmlElement = doc
        .get_element_by_id("produce-send")
        .unwrap()
        .dyn_into()
        .unwrap();
    send.click();
    // The producer may first have to refresh its metadata (a round trip at 0.1x speed).
    let chosen = || {
        document()
            .get_element_by_id("placement")
            .is_some_and(|p| p.has_attribute("data-partition"))
    };
    assert!(
        wait_for(8_000, chosen).await,
        "the producer chose a partition"
    );
    let placement = doc.get_element_by_id("placement").expect("placement shown");
    // murmur2("customer-123") = 593099448; 593099448 % 3 = 0 (kafka-reference.md section 1).
    assert_eq!(
        placement.get_attribute("data-partition").as_deref(),
        Some("0")
    );
}
