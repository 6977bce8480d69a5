//! Kafkascope in the browser: a textbook diagram of a simulated Kafka cluster that moves only
//! when the simulator core sends something.
//!
//! Data flows one way: user input -> `Command` -> core -> `Event`s + `Snapshot` -> view.
//! [`model`], [`layout`] and [`narrate`] are plain Rust (no Yew, no browser) and are tested
//! natively with `cargo test -p kafkascope-web`; the Yew components and the entry point only
//! exist when compiling for `wasm32`.

pub mod coordinator_view;
pub mod embed;
pub mod export;
pub mod fmt;
pub mod layout;
pub mod model;
pub mod narrate;
pub mod route;
pub mod share;

#[cfg(target_arch = "wasm32")]
pub mod api;
#[cfg(target_arch = "wasm32")]
mod app;
#[cfg(target_arch = "wasm32")]
mod components;
#[cfg(target_arch = "wasm32")]
pub mod entry;
