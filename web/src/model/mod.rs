//! The app's model, plain Rust without Yew (as in Yew's game_of_life and boids examples):
//! the playback clock, the scenario the user configured, and the world that owns the
//! simulator and everything derived from its events. Components only draw it.

pub mod announce;
pub mod lesson;
pub mod partition_view;
pub mod playback;
pub mod scenario;
pub mod world;

pub use partition_view::PartitionView;
pub use playback::Playback;
pub use scenario::{GroupSpec, Scenario, ScenarioDraft, ScenarioErrors, TopicSpec};
pub use world::{BrokerAction, ScriptAction, World, parse_script};
