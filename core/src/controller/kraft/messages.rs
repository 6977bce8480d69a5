//! KRaft mode's wire messages (Raft between voters, metadata fetches by brokers, broker
//! registration and heartbeats), timers and events.
//!
//! STUB: the seam only.

use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum KraftMessage {
    Vote,
}

impl KraftMessage {
    /// A short summary of the content, after the API name (starts with a space).
    pub fn detail(&self) -> String {
        String::new()
    }

    /// The name the UI and traces show.
    pub fn api(&self) -> &'static str {
        match self {
            KraftMessage::Vote => "Vote",
        }
    }
}

/// Timers of voters.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum KraftTimer {
    ElectionTimeout,
}

/// Timers of brokers in KRaft mode.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum KraftBrokerTimer {
    Heartbeat,
}

/// Protocol steps worth narrating.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum KraftEvent {
    LeaderElected { voter: i32, epoch: i32 },
}

impl KraftEvent {
    /// One line of plain words for the event log and CLI traces.
    pub fn narrate(&self) -> String {
        match self {
            KraftEvent::LeaderElected { voter, epoch } => {
                format!("controller {voter} won the election for epoch {epoch}")
            }
        }
    }
}
