//! Kafkascope in the browser: a textbook diagram of a simulated Kafka cluster that moves only
//! when the simulator core sends something.
//!
//! Data flows one way: user input -> `Command` -> core -> `Event`s + `Snapshot` -> view.
//! [`model`], [`layout`] and [`narrate`] are plain Rust (no Yew, no browser) and are tested
//! natively with `cargo test -p kafkascope-web`; the Yew components and the entry point only
//! exist when compiling for `wasm32`.

// `ScenarioErrors` holds one message per config field and is returned once per "Apply", never
// on a hot path; clippy 1.95's `result_large_err` (168 > 128 bytes) flags it (it did before
// time travel too).
#![allow(clippy::result_large_err)]

pub mod coordinator_view;
pub mod fmt;
pub mod layout;
pub mod model;
pub mod narrate;
pub mod route;

#[cfg(target_arch = "wasm32")]
mod app;
#[cfg(target_arch = "wasm32")]
mod components;
#[cfg(target_arch = "wasm32")]
pub mod entry;
